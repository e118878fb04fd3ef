//! Project documents: upload (multipart: a `meta` JSON part and a `file` part), list, download.

use rocket::State;
use rocket::form::{Form, FromForm};
use rocket::fs::TempFile;
use rocket::http::{ContentType, Header, Status};
use rocket::response::{Flash, Redirect, Responder};
use rocket::serde::json::Json;
use rocket::tokio::io::AsyncReadExt;
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::document::{DocumentKind, DocumentVisibility, UploadMeta};
use crate::services::{ServiceError, documents as service};
use crate::storage::Db;
use crate::storage::documents::DocumentVersion;
use crate::web::AppState;
use crate::web::api_auth::{Created, created_response};
use crate::web::api_error::{ApiError, Message};
use crate::web::auth::{Audit, Authorized, CsrfForm, MaybeUser, ProjectActors};
use crate::web::page::PageError;
use crate::web::projects::project_id;

#[derive(FromForm)]
pub struct Upload<'r> {
    /// `{"kind", "title", "visibility"}` as JSON.
    meta: String,
    file: TempFile<'r>,
}

/// The OpenAPI shape of the multipart upload.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct UploadDoc {
    /// JSON: `{"kind": "feasibility_study", "title": "...", "visibility": "public" | "internal"}`.
    meta: String,
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// Bytes enough to tell every accepted type by its content (zip-based office files included).
const HEAD_BYTES: u64 = 64 * 1024;

/// What the service needs of an upload without reading it whole: a spooled file's path, size
/// and head; a small upload kept in memory is read as it is.
struct Received {
    bytes: Vec<u8>,
    spooled: Option<(std::path::PathBuf, u64)>,
}

impl Received {
    async fn of(file: &TempFile<'_>) -> Result<Self, ServiceError> {
        let mut reader = file.open().await.map_err(|_| ServiceError::TooLarge)?;
        let mut bytes = Vec::new();
        match file.path() {
            Some(path) => {
                (&mut reader)
                    .take(HEAD_BYTES)
                    .read_to_end(&mut bytes)
                    .await
                    .map_err(|_| ServiceError::TooLarge)?;
                Ok(Received {
                    bytes,
                    spooled: Some((path.to_path_buf(), file.len())),
                })
            }
            None => {
                reader
                    .read_to_end(&mut bytes)
                    .await
                    .map_err(|_| ServiceError::TooLarge)?;
                Ok(Received { bytes, spooled: None })
            }
        }
    }

    fn content(&self) -> service::Content<'_> {
        match &self.spooled {
            Some((path, size)) => service::Content::File {
                path,
                size: *size,
                head: &self.bytes,
            },
            None => service::Content::Bytes(&self.bytes),
        }
    }
}

pub(crate) fn file_name(file: &TempFile<'_>) -> String {
    file.raw_name()
        .map(|n| n.dangerous_unsafe_unsanitized_raw().as_str().to_string())
        .unwrap_or_else(|| "document".into())
}

/// A form that does not read as an upload: its size refusal as is (413), else a 422 naming
/// each part that is missing or wrong.
pub(crate) fn form_refusal(errors: rocket::form::Errors<'_>) -> ApiError {
    let status = errors.status();
    if status != Status::UnprocessableEntity {
        return ApiError::for_status(status);
    }
    let mut v = crate::domain::validation::Violations::new();
    for error in errors.iter() {
        let part = error
            .name
            .as_ref()
            .map_or_else(|| "body".to_string(), |n| n.to_string());
        let code = match error.kind {
            rocket::form::error::ErrorKind::Missing => "required",
            _ => "wrong_type",
        };
        v.add(part, code);
    }
    ApiError::validation(&v)
}

/// The `meta` part: JSON (else 400), read strictly like every JSON body (else 422 naming
/// `meta.<field>`).
pub(crate) fn read_meta<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, ApiError> {
    let raw: Box<serde_json::value::RawValue> = serde_json::from_str(text).map_err(|e| {
        ApiError::new(
            Status::BadRequest,
            "bad_request",
            Message::new("error-bad-json").arg("detail", e.to_string()),
        )
    })?;
    crate::domain::strict_json::read_body(&raw).map_err(|e| {
        let mut v = crate::domain::validation::Violations::new();
        v.merge_prefixed("meta", e.violations());
        ApiError::validation(&v)
    })
}

/// Uploads a version of a named document of the project: 415 when the content is not an
/// accepted type (PDF, DOCX, XLSX, ODT, ODS, PNG, JPEG, told by content), 413 when too large.
#[utoipa::path(post, path = "/api/v1/projects/{id}/documents", tag = "projects",
    params(("id" = String, Path, description = "Project id")),
    request_body(content = UploadDoc, content_type = "multipart/form-data"),
    responses((status = 201, description = "The new version", body = DocumentVersion),
        (status = 413, description = "Too large", body = crate::web::api_error::ErrorBody),
        (status = 415, description = "Not an accepted file type", body = crate::web::api_error::ErrorBody)),
    security(("bearer" = [])))]
#[rocket::post("/projects/<id>/documents", data = "<upload>")]
pub async fn upload(
    who: Authorized<ProjectActors>,
    id: &str,
    upload: Result<Form<Upload<'_>>, rocket::form::Errors<'_>>,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Result<(Status, Created<DocumentVersion>), ApiError> {
    let id = project_id(id)?;
    let upload = upload.map_err(form_refusal)?;
    let meta: UploadMeta = read_meta(&upload.meta)?;
    let received = Received::of(&upload.file).await?;
    let version = service::upload(
        db,
        &*app.blobs,
        &*app.clock,
        &audit.0,
        &who.0,
        id,
        &meta,
        &file_name(&upload.file),
        received.content(),
        app.config.max_upload_bytes,
    )
    .await?;
    let location = format!("/api/v1/documents/{}", version.id);
    Ok(created_response(version, location))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentList {
    pub items: Vec<DocumentVersion>,
}

/// The project's documents the caller may see, every version.
#[utoipa::path(get, operation_id = "documents_list", path = "/api/v1/projects/{id}/documents", tag = "projects",
    params(("id" = String, Path, description = "Project id")),
    responses((status = 200, description = "Document versions", body = DocumentList)))]
#[rocket::get("/projects/<id>/documents")]
pub async fn list(who: MaybeUser, id: &str, db: &State<Db>) -> Result<Json<DocumentList>, ApiError> {
    let items = service::list(db, who.0.as_ref(), project_id(id)?).await?;
    Ok(Json(DocumentList { items }))
}

/// A downloaded file, with its type and name.
pub struct Download {
    content: Vec<u8>,
    content_type: ContentType,
    disposition: Header<'static>,
}

impl Download {
    /// `content` as an attachment named `filename`.
    pub fn new(content: Vec<u8>, content_type: ContentType, filename: &str) -> Self {
        // Only letters, digits and a few marks in the header's plain name; the full name is UTF-8.
        let ascii: String = filename
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || ".-_".contains(c) {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let encoded = rocket::http::RawStr::new(filename).percent_encode().to_string();
        Download {
            content,
            content_type,
            disposition: Header::new(
                "Content-Disposition",
                format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}"),
            ),
        }
    }
}

impl<'r> Responder<'r, 'static> for Download {
    fn respond_to(self, req: &'r rocket::Request<'_>) -> rocket::response::Result<'static> {
        let mut response = self.content.respond_to(req)?;
        response.set_header(self.content_type);
        response.set_header(self.disposition);
        response.set_header(Header::new("X-Content-Type-Options", "nosniff"));
        Ok(response)
    }
}

/// Downloads a document version; internal documents only for the municipality, the proponent
/// and the reviewers (404 to others), each such download recorded.
#[utoipa::path(get, path = "/api/v1/documents/{id}", tag = "projects",
    params(("id" = String, Path, description = "Document version id")),
    responses((status = 200, description = "The file"),
        (status = 404, description = "No such document, or not visible to the caller", body = crate::web::api_error::ErrorBody)))]
#[rocket::get("/documents/<id>")]
pub async fn download(
    who: MaybeUser,
    id: &str,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Result<Download, ApiError> {
    let id: i64 = id.parse().map_err(|_| ApiError::not_found())?;
    let (version, content) = service::download(db, &*app.blobs, &*app.clock, &audit.0, who.0.as_ref(), id).await?;
    let content_type = ContentType::parse_flexible(version.file_type.mime()).unwrap_or(ContentType::Binary);
    Ok(Download::new(content, content_type, &version.filename))
}

#[derive(FromForm)]
pub struct UploadPageForm<'r> {
    #[field(default = String::new())]
    csrf_token: String,
    #[field(default = String::new())]
    kind: String,
    #[field(default = String::new())]
    title: String,
    #[field(default = String::new())]
    visibility: String,
    file: TempFile<'r>,
}

/// The upload form on the project page.
#[rocket::post("/projects/<id>/documents", data = "<form>")]
pub async fn upload_page(
    who: Authorized<ProjectActors>,
    id: &str,
    form: CsrfForm<UploadPageForm<'_>>,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Result<Flash<Redirect>, PageError> {
    let id = project_id(id)?;
    let back = Redirect::to(format!("/projects/{id}"));
    let (Some(kind), Some(visibility)) = (
        DocumentKind::parse(&form.kind),
        DocumentVisibility::parse(&form.visibility),
    ) else {
        return Ok(Flash::error(back, "invalid-code-value"));
    };
    let meta = UploadMeta {
        kind,
        title: form.title.clone(),
        visibility,
    };
    let received = Received::of(&form.file).await?;
    let outcome = service::upload(
        db,
        &*app.blobs,
        &*app.clock,
        &audit.0,
        &who.0,
        id,
        &meta,
        &file_name(&form.file),
        received.content(),
        app.config.max_upload_bytes,
    )
    .await;
    match outcome {
        Ok(_) => Ok(Flash::success(back, "project-document-uploaded")),
        Err(ServiceError::UnsupportedMediaType) => Ok(Flash::error(back, "error-unsupported-media-type")),
        Err(ServiceError::Invalid(_)) => Ok(Flash::error(back, "invalid-required")),
        Err(e) => Err(e.into()),
    }
}

crate::web::auth::csrf_protected!(UploadPageForm<'_>);
