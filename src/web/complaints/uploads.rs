//! Complaints with documents: the multipart filing (a `meta` part holding the complaint as JSON,
//! one `file` part per document) and a complaint's document download.

use rocket::State;
use rocket::form::{Form, FromForm};
use rocket::fs::TempFile;
use rocket::http::{ContentType, Status};

use crate::domain::access::Identity;
use crate::domain::audit::AuditContext;
use crate::domain::complaint::ComplaintRequest;
use crate::services::ServiceError;
use crate::services::complaints::{self as service, ComplaintView};
use crate::storage::Db;
use crate::web::AppState;
use crate::web::api_auth::{Created, created_response};
use crate::web::api_error::ApiError;
use crate::web::auth::{Audit, Authorized, Complainants, ComplaintReaders};
use crate::web::bids::uploads::read_whole;
use crate::web::complaints::api::complaint_id;
use crate::web::documents::{Download, form_refusal, read_meta};
use crate::web::tenders::tender_id;

#[derive(FromForm)]
pub struct ComplaintUpload<'r> {
    /// The complaint, as the JSON body of a filing without documents.
    meta: String,
    /// The documents, one part each.
    #[field(default = Vec::new())]
    file: Vec<TempFile<'r>>,
}

/// Files `request` with `files`: the refusals first (nothing stored for a complaint that could
/// not be filed), then the files into the blob store, then the filing's transaction.
pub(crate) async fn file_with_documents(
    app: &AppState,
    db: &Db,
    ctx: &AuditContext,
    who: &Identity,
    tender_id: i64,
    request: &ComplaintRequest,
    files: &[&TempFile<'_>],
) -> Result<ComplaintView, ServiceError> {
    service::precheck(db, &*app.clock, who, tender_id, request.against).await?;
    request.violations().into_result().map_err(ServiceError::Invalid)?;
    let mut read = Vec::with_capacity(files.len());
    for file in files {
        read.push(read_whole(file).await?);
    }
    let stored = service::store_uploads(&*app.blobs, &read, app.config.max_upload_bytes).await?;
    service::file(db, &*app.clock, ctx, who, tender_id, request, &stored).await
}

/// Files a complaint with its documents (multipart); otherwise as the JSON filing.
#[rocket::post(
    "/tenders/<id>/complaints",
    format = "multipart/form-data",
    data = "<upload>",
    rank = 1
)]
pub async fn file(
    who: Authorized<Complainants>,
    id: &str,
    upload: Result<Form<ComplaintUpload<'_>>, rocket::form::Errors<'_>>,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Result<(Status, Created<ComplaintView>), ApiError> {
    let id = tender_id(id)?;
    let upload = upload.map_err(form_refusal)?;
    let request: ComplaintRequest = read_meta(&upload.meta)?;
    let files: Vec<&TempFile<'_>> = upload.file.iter().collect();
    let complaint = file_with_documents(app, db, &audit.0, &who.0, id, &request, &files).await?;
    Ok(created_response(complaint, format!("/api/v1/tenders/{id}/complaints")))
}

/// A complaint's document, for those who read the complaint and may see its documents (on a
/// complaint against the terms: its company and the reviewers); each download is recorded.
#[utoipa::path(get, operation_id = "complaints_document", path = "/api/v1/complaints/{id}/documents/{document_id}", tag = "complaints",
    params(("id" = String, Path, description = "Complaint id"),
        ("document_id" = String, Path, description = "Document id (32 hex digits)")),
    responses((status = 200, description = "The file, as sent", content_type = "application/octet-stream"),
        (status = 403, description = "Not a party, of the municipality, or a reviewer", body = crate::web::api_error::ErrorBody),
        (status = 404, description = "No such complaint or document for the caller", body = crate::web::api_error::ErrorBody)),
    security(("bearer" = [])))]
#[rocket::get("/complaints/<id>/documents/<document_id>")]
pub async fn document(
    who: Authorized<ComplaintReaders>,
    id: &str,
    document_id: &str,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Result<Download, ApiError> {
    let id = complaint_id(id)?;
    let (document, content) =
        service::document(db, &*app.blobs, &*app.clock, &audit.0, &who.0, id, document_id).await?;
    let content_type = ContentType::parse_flexible(&document.content_type).unwrap_or(ContentType::Binary);
    Ok(Download::new(content, content_type, &document.name))
}
