//! Bids with documents: the multipart submission and replacement (a `meta` part holding the bid
//! as JSON, and one `file` part per document), and an opened bid's documents.

use rocket::State;
use rocket::form::{Form, FromForm};
use rocket::fs::TempFile;
use rocket::http::{ContentType, Status};
use rocket::serde::json::Json;
use rocket::tokio::io::AsyncReadExt;

use chrono::{DateTime, Utc};

use crate::domain::access::Identity;
use crate::domain::audit::AuditContext;
use crate::domain::bid::BidSubmission;
use crate::domain::validation::Violations;
use crate::services::ServiceError;
use crate::services::bid_documents::{self, OpenedDocument, PreparedDocument, Upload};
use crate::services::bids::{self as service, Documents, Intent, Receipt};
use crate::storage::Db;
use crate::web::AppState;
use crate::web::api_auth::{Created, created_response};
use crate::web::api_error::ApiError;
use crate::web::auth::{Audit, Authorized, BidSubmitters, SignedIn};
use crate::web::bids::api::bid_id;
use crate::web::documents::{Download, file_name, form_refusal, read_meta};
use crate::web::tenders::tender_id;

#[derive(FromForm)]
pub struct BidUpload<'r> {
    /// The bid, as the JSON body of a submission without documents.
    meta: String,
    /// The documents, one part each.
    #[field(default = Vec::new())]
    file: Vec<TempFile<'r>>,
}

/// An uploaded file whole: each is sealed in memory (AES-GCM seals a message at once), so a
/// bid's files together are held once, within the form's size limit.
pub(crate) async fn read_whole(file: &TempFile<'_>) -> Result<(String, Vec<u8>), ServiceError> {
    let name = file_name(file);
    let mut reader = file.open().await.map_err(|_| ServiceError::TooLarge)?;
    let mut bytes = Vec::new();
    reader
        .read_to_end(&mut bytes)
        .await
        .map_err(|_| ServiceError::TooLarge)?;
    Ok((name, bytes))
}

/// Seals the files for tender `tender_id` and puts them in the blob store.
async fn prepared(
    app: &AppState,
    db: &Db,
    tender_id: i64,
    files: &[&TempFile<'_>],
) -> Result<Vec<PreparedDocument>, ServiceError> {
    let mut read = Vec::with_capacity(files.len());
    for file in files {
        read.push(read_whole(file).await?);
    }
    let uploads: Vec<Upload<'_>> = read.iter().map(|(name, content)| Upload { name, content }).collect();
    bid_documents::prepare(
        db,
        &*app.clock,
        &*app.blobs,
        app.config.keyring.as_deref(),
        tender_id,
        &uploads,
        app.config.max_upload_bytes,
    )
    .await
}

/// Submits or replaces (`replacing`) `who`'s bid with the files sent (none: a replacement keeps
/// the bid's documents), as received at `received_at`. The files are sealed and stored only when
/// the bid would be taken now; otherwise the refusal (and a late attempt's record) comes from
/// the bid's own transaction, nothing stored.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn act_on_upload(
    app: &AppState,
    db: &Db,
    audit: &AuditContext,
    who: &Identity,
    tender_id: i64,
    received_at: DateTime<Utc>,
    submission: &BidSubmission,
    files: &[&TempFile<'_>],
    replacing: bool,
) -> Result<Receipt, ServiceError> {
    let sealed = if files.is_empty() || !service::may_send(db, who, tender_id, received_at, submission).await? {
        None
    } else {
        Some(prepared(app, db, tender_id, files).await?)
    };
    let documents = match (&sealed, files.is_empty()) {
        (_, true) => Documents::Kept,
        (Some(sealed), false) => Documents::Sent(sealed),
        (None, false) => Documents::NotSealed,
    };
    let intent = if replacing {
        Intent::Replace(submission, documents)
    } else {
        Intent::Submit(submission, documents)
    };
    let keyring = app.config.keyring.as_deref();
    service::act(db, &*app.clock, audit, who, keyring, tender_id, received_at, intent).await
}

/// Reads the form, seals its documents and acts, at the time the request arrived whole.
async fn act_with_documents(
    who: &Identity,
    id: &str,
    upload: Result<Form<BidUpload<'_>>, rocket::form::Errors<'_>>,
    db: &Db,
    app: &AppState,
    audit: &Audit,
    replacing: bool,
) -> Result<Receipt, ApiError> {
    let received_at = app.clock.now();
    let id = tender_id(id)?;
    let upload = upload.map_err(form_refusal)?;
    let submission: BidSubmission = read_meta(&upload.meta)?;
    let mut empty = Violations::new();
    for (i, file) in upload.file.iter().enumerate() {
        if file.len() == 0 {
            empty.add(format!("file.{i}"), "required");
        }
    }
    empty.into_result().map_err(|v| ApiError::validation(&v))?;
    let files: Vec<&TempFile<'_>> = upload.file.iter().collect();
    Ok(act_on_upload(app, db, &audit.0, who, id, received_at, &submission, &files, replacing).await?)
}

/// Submits the caller's company's bid with its documents (multipart); otherwise as the JSON
/// submission. The receipt lists each document's name and SHA-256.
#[rocket::post("/tenders/<id>/bids", format = "multipart/form-data", data = "<upload>", rank = 1)]
pub async fn submit(
    who: Authorized<BidSubmitters>,
    id: &str,
    upload: Result<Form<BidUpload<'_>>, rocket::form::Errors<'_>>,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Result<(Status, Created<Receipt>), ApiError> {
    let receipt = act_with_documents(&who.0, id, upload, db, app, &audit, false).await?;
    let location = format!("/api/v1/tenders/{}/bids/mine", receipt.tender_id);
    Ok(created_response(receipt, location))
}

/// Replaces the caller's bid with a new version and the documents sent with it (multipart);
/// a replacement sent as JSON keeps the documents the bid carries.
#[rocket::put(
    "/tenders/<id>/bids/mine",
    format = "multipart/form-data",
    data = "<upload>",
    rank = 1
)]
pub async fn replace(
    who: Authorized<BidSubmitters>,
    id: &str,
    upload: Result<Form<BidUpload<'_>>, rocket::form::Errors<'_>>,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Result<Json<Receipt>, ApiError> {
    Ok(Json(
        act_with_documents(&who.0, id, upload, db, app, &audit, true).await?,
    ))
}

impl From<OpenedDocument> for Download {
    fn from(document: OpenedDocument) -> Self {
        let content_type = ContentType::parse_flexible(document.file_type.mime()).unwrap_or(ContentType::Binary);
        Download::new(document.content, content_type, &document.name)
    }
}

/// A document of an opened bid, for those who may read the bid (each read is an audit event);
/// 409 `sealed` before the opening, to everyone.
#[utoipa::path(get, operation_id = "bids_document", path = "/api/v1/bids/{bid_id}/documents/{document_id}", tag = "bids",
    params(("bid_id" = String, Path, description = "Bid id (32 hex digits)"),
        ("document_id" = String, Path, description = "Document id, from the receipt (32 hex digits)")),
    responses((status = 200, description = "The file"),
        (status = 403, description = "Not allowed to read opened bids of this tender", body = crate::web::api_error::ErrorBody),
        (status = 404, description = "No such bid, or no such document of it", body = crate::web::api_error::ErrorBody),
        (status = 409, description = "`sealed`: not opened; `conflict`: the document was altered after the bid was sent (the protocol reports it)", body = crate::web::api_error::ErrorBody)),
    security(("bearer" = [])))]
#[rocket::get("/bids/<bid_id>/documents/<document_id>")]
pub async fn document(
    who: SignedIn,
    bid_id: &str,
    document_id: &str,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Result<Download, ApiError> {
    let id = self::bid_id(bid_id)?;
    let document_id = self::bid_id(document_id).map_err(|_| ServiceError::NotFound("document"))?;
    let keyring = app.config.keyring.as_deref();
    let document =
        bid_documents::read(db, &*app.clock, &audit.0, &*app.blobs, keyring, &who.0, id, document_id).await?;
    Ok(document.into())
}
