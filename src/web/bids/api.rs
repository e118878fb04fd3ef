//! The JSON API of sealed bids: a bidder's submission, replacement, confirmation and withdrawal
//! (each answered with a receipt) and its own bid; the opening, the protocol and the opened
//! bids. Before the opening the bids and the protocol answer 409 `sealed` to everyone.

use rocket::State;
use rocket::http::Status;
use rocket::serde::json::Json;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::domain::bid::{BidSubmission, is_bid_id};
use crate::services::ServiceError;
use crate::services::bid_opening;
use crate::services::bids::{self as service, Documents, Intent, Invitation, OwnBid, Protocol, ProtocolBid, Receipt};
use crate::storage::Db;
use crate::web::AppState;
use crate::web::api_auth::{Created, created_response};
use crate::web::api_error::ApiError;
use crate::web::auth::{Audit, Authorized, BidSubmitters, MaybeUser, Openers, SignedIn};
use crate::web::json::ApiJson;
use crate::web::tenders::tender_id;

/// A bid id from a path: anything but 32 lower-case hex digits names no bid.
pub(crate) fn bid_id(text: &str) -> Result<&str, ServiceError> {
    if is_bid_id(text) {
        Ok(text)
    } else {
        Err(ServiceError::NotFound("bid"))
    }
}

/// The OpenAPI shape of the multipart submission.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct BidUploadDoc {
    /// JSON: the bid, as in a submission without documents.
    meta: String,
    /// One part per document (PDF, DOCX, XLSX, ODT, ODS, PNG, JPEG, told by content), at most
    /// ten; together no larger than the upload limit.
    #[schema(value_type = Vec<String>, format = Binary)]
    file: Vec<Vec<u8>>,
}

/// Acts at the time of receipt: the server's clock once the whole request (its body included)
/// has arrived, read once here, so a retried transaction keeps it and a body trickled in after
/// the deadline is late.
async fn act(
    who: &crate::domain::access::Identity,
    id: &str,
    db: &Db,
    app: &AppState,
    audit: &Audit,
    intent: Intent<'_>,
) -> Result<Receipt, ApiError> {
    let received_at = app.clock.now();
    let keyring = app.config.keyring.as_deref();
    let id = tender_id(id)?;
    Ok(service::act(db, &*app.clock, &audit.0, who, keyring, id, received_at, intent).await?)
}

/// Submits the caller's company's bid (a company's bidder), from publication until the
/// deadline; the answer is the receipt.
#[utoipa::path(post, operation_id = "bids_submit", path = "/api/v1/tenders/{id}/bids", tag = "bids",
    request_body(content((BidSubmission = "application/json"), (BidUploadDoc = "multipart/form-data")),
        description = "The bid as JSON; with documents, multipart: the bid as JSON in a `meta` part and one `file` part per document"),
    params(("id" = String, Path, description = "Tender id")),
    responses((status = 201, description = "The receipt", body = Receipt),
        (status = 404, description = "No such tender", body = crate::web::api_error::ErrorBody),
        (status = 409, description = "`deadline_passed` (received at or after the deadline; recorded as a late attempt), or a bid already submitted", body = crate::web::api_error::ErrorBody),
        (status = 413, description = "The files are too large together", body = crate::web::api_error::ErrorBody),
        (status = 415, description = "A file is not an accepted type (PDF, DOCX, XLSX, ODT, ODS, PNG, JPEG, told by content)", body = crate::web::api_error::ErrorBody),
        (status = 422, description = "The offer, the security or a declaration breaks the tender's terms, each named", body = crate::web::api_error::ErrorBody),
        (status = 503, description = "The sealing key is not configured", body = crate::web::api_error::ErrorBody)),
    security(("bearer" = [])))]
#[rocket::post("/tenders/<id>/bids", data = "<body>", rank = 2)]
pub async fn submit(
    who: Authorized<BidSubmitters>,
    id: &str,
    body: ApiJson<BidSubmission>,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Result<(Status, Created<Receipt>), ApiError> {
    let receipt = act(&who.0, id, db, app, &audit, Intent::Submit(&body.0, Documents::Kept)).await?;
    let location = format!("/api/v1/tenders/{}/bids/mine", receipt.tender_id);
    Ok(created_response(receipt, location))
}

/// Replaces the caller's bid before the deadline: the same `bid_id`, a new receipt.
#[utoipa::path(put, operation_id = "bids_replace", path = "/api/v1/tenders/{id}/bids/mine", tag = "bids",
    request_body(content((BidSubmission = "application/json"), (BidUploadDoc = "multipart/form-data")),
        description = "As the submission; a replacement sent as JSON keeps the bid's documents, one sent with files carries those"),
    params(("id" = String, Path, description = "Tender id")),
    responses((status = 200, description = "The new receipt", body = Receipt),
        (status = 404, description = "No such tender, or no bid of the caller's company", body = crate::web::api_error::ErrorBody),
        (status = 409, description = "`deadline_passed`, or the bid was withdrawn", body = crate::web::api_error::ErrorBody),
        (status = 422, description = "The bid breaks the tender's terms, each named", body = crate::web::api_error::ErrorBody)),
    security(("bearer" = [])))]
#[rocket::put("/tenders/<id>/bids/mine", data = "<body>", rank = 2)]
pub async fn replace(
    who: Authorized<BidSubmitters>,
    id: &str,
    body: ApiJson<BidSubmission>,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Result<Json<Receipt>, ApiError> {
    Ok(Json(
        act(&who.0, id, db, app, &audit, Intent::Replace(&body.0, Documents::Kept)).await?,
    ))
}

/// Withdraws the caller's bid before the deadline: a withdrawal receipt; the sealed content is
/// dropped unread.
#[utoipa::path(delete, operation_id = "bids_withdraw", path = "/api/v1/tenders/{id}/bids/mine", tag = "bids",
    params(("id" = String, Path, description = "Tender id")),
    responses((status = 200, description = "The withdrawal receipt", body = Receipt),
        (status = 404, description = "No such tender, or no bid of the caller's company", body = crate::web::api_error::ErrorBody),
        (status = 409, description = "`deadline_passed`, or already withdrawn", body = crate::web::api_error::ErrorBody)),
    security(("bearer" = [])))]
#[rocket::delete("/tenders/<id>/bids/mine")]
pub async fn withdraw(
    who: Authorized<BidSubmitters>,
    id: &str,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Result<Json<Receipt>, ApiError> {
    Ok(Json(act(&who.0, id, db, app, &audit, Intent::Withdraw).await?))
}

/// Confirms the caller's bid on the tender's current terms after an amendment.
#[utoipa::path(post, operation_id = "bids_confirm", path = "/api/v1/tenders/{id}/bids/mine/confirm", tag = "bids",
    params(("id" = String, Path, description = "Tender id")),
    responses((status = 200, description = "The confirmation receipt", body = Receipt),
        (status = 404, description = "No such tender, or no bid of the caller's company", body = crate::web::api_error::ErrorBody),
        (status = 409, description = "`deadline_passed`, withdrawn, or nothing to confirm", body = crate::web::api_error::ErrorBody)),
    security(("bearer" = [])))]
#[rocket::post("/tenders/<id>/bids/mine/confirm")]
pub async fn confirm(
    who: Authorized<BidSubmitters>,
    id: &str,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Result<Json<Receipt>, ApiError> {
    Ok(Json(act(&who.0, id, db, app, &audit, Intent::Confirm).await?))
}

/// The caller's company's bid: its status and latest receipt (the content stays sealed).
#[utoipa::path(get, operation_id = "bids_mine", path = "/api/v1/tenders/{id}/bids/mine", tag = "bids",
    params(("id" = String, Path, description = "Tender id")),
    responses((status = 200, description = "The bid and its latest receipt", body = OwnBid),
        (status = 404, description = "No such tender, or no bid of the caller's company", body = crate::web::api_error::ErrorBody)),
    security(("bearer" = [])))]
#[rocket::get("/tenders/<id>/bids/mine")]
pub async fn mine(
    who: Authorized<BidSubmitters>,
    id: &str,
    db: &State<Db>,
    app: &State<AppState>,
) -> Result<Json<OwnBid>, ApiError> {
    let keyring = app.config.keyring.as_deref();
    Ok(Json(
        service::mine(db, &who.0, keyring, tender_id(id)?, app.clock.now()).await?,
    ))
}

/// The bids of a tender, as the protocol lists them.
#[derive(Debug, Serialize, ToSchema)]
pub struct BidList {
    pub items: Vec<ProtocolBid>,
    /// Always null: a tender's bids come in one page.
    pub next: Option<String>,
}

/// The bids of an opened tender; 409 `sealed` before the opening, to everyone (the refusal is
/// recorded, once per burst per caller).
#[utoipa::path(get, operation_id = "bids_list", path = "/api/v1/tenders/{id}/bids", tag = "bids",
    params(("id" = String, Path, description = "Tender id")),
    responses((status = 200, description = "The bids", body = BidList),
        (status = 404, description = "No such tender", body = crate::web::api_error::ErrorBody),
        (status = 409, description = "`sealed`: not opened", body = crate::web::api_error::ErrorBody)))]
#[rocket::get("/tenders/<id>/bids")]
pub async fn list(
    who: MaybeUser,
    id: &str,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Result<Json<BidList>, ApiError> {
    let protocol = service::protocol(db, who.0.as_ref(), &audit.0, &*app.clock, tender_id(id)?).await?;
    Ok(Json(BidList {
        items: protocol.bids,
        next: None,
    }))
}

/// The opening protocol: public once opened; 409 `sealed` before.
#[utoipa::path(get, operation_id = "tenders_protocol", path = "/api/v1/tenders/{id}/protocol", tag = "bids",
    params(("id" = String, Path, description = "Tender id")),
    responses((status = 200, description = "The protocol", body = Protocol),
        (status = 404, description = "No such tender", body = crate::web::api_error::ErrorBody),
        (status = 409, description = "`sealed`: not opened", body = crate::web::api_error::ErrorBody)))]
#[rocket::get("/tenders/<id>/protocol")]
pub async fn protocol(
    who: MaybeUser,
    id: &str,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Result<Json<Protocol>, ApiError> {
    Ok(Json(
        service::protocol(db, who.0.as_ref(), &audit.0, &*app.clock, tender_id(id)?).await?,
    ))
}

/// Opens the bids (the commission's chair or deputy chair, at or after the opening time):
/// decrypts each, checks it against its receipt's hash, and answers the protocol.
#[utoipa::path(post, operation_id = "tenders_open", path = "/api/v1/tenders/{id}/open", tag = "bids",
    params(("id" = String, Path, description = "Tender id")),
    responses((status = 200, description = "The protocol", body = Protocol),
        (status = 403, description = "Not the chair or deputy chair of the municipality's commission", body = crate::web::api_error::ErrorBody),
        (status = 404, description = "No such tender", body = crate::web::api_error::ErrorBody),
        (status = 409, description = "`sealed` before the opening time; already opened; not published", body = crate::web::api_error::ErrorBody),
        (status = 503, description = "The master key that sealed the bids is not configured (nothing changed)", body = crate::web::api_error::ErrorBody)),
    security(("bearer" = [])))]
#[rocket::post("/tenders/<id>/open")]
pub async fn open(
    who: Authorized<Openers>,
    id: &str,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Result<Json<Protocol>, ApiError> {
    let keyring = app.config.keyring.as_deref();
    let id = tender_id(id)?;
    Ok(Json(
        bid_opening::open(db, &*app.clock, &audit.0, &who.0, keyring, &*app.blobs, id).await?,
    ))
}

/// An opened bid's content (its bidding party, the reviewers, the municipality's approvers and
/// commission members); each read is an audit event. 409 `sealed` before the opening.
#[utoipa::path(get, operation_id = "bids_show", path = "/api/v1/bids/{bid_id}", tag = "bids",
    params(("bid_id" = String, Path, description = "Bid id (32 hex digits)")),
    responses((status = 200, description = "The bid's protocol entry and its decrypted canonical content", body = Value),
        (status = 403, description = "Not allowed to read opened bids of this tender", body = crate::web::api_error::ErrorBody),
        (status = 404, description = "No such bid", body = crate::web::api_error::ErrorBody),
        (status = 409, description = "`sealed`: not opened", body = crate::web::api_error::ErrorBody)),
    security(("bearer" = [])))]
#[rocket::get("/bids/<bid_id>", rank = 2)]
pub async fn show(
    who: SignedIn,
    bid_id: &str,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Result<Json<Value>, ApiError> {
    let id = self::bid_id(bid_id)?;
    Ok(Json(service::read_opened(db, &*app.clock, &audit.0, &who.0, id).await?))
}

/// The consortium invitations of the caller's company.
#[derive(Debug, Serialize, ToSchema)]
pub struct InvitationList {
    pub items: Vec<Invitation>,
    /// Always null: one page.
    pub next: Option<String>,
}

/// The consortium invitations of the caller's company (standing bids that name it).
#[utoipa::path(get, operation_id = "bids_invitations", path = "/api/v1/bids/invitations", tag = "bids",
    responses((status = 200, description = "The invitations", body = InvitationList)),
    security(("bearer" = [])))]
#[rocket::get("/bids/invitations")]
pub async fn invitations(who: Authorized<BidSubmitters>, db: &State<Db>) -> Result<Json<InvitationList>, ApiError> {
    Ok(Json(InvitationList {
        items: service::invitations(db, &who.0).await?,
        next: None,
    }))
}

/// A bidder of a member company confirms its company's membership of a consortium's bid,
/// before the deadline.
#[utoipa::path(post, operation_id = "bids_membership", path = "/api/v1/bids/{bid_id}/membership", tag = "bids",
    params(("bid_id" = String, Path, description = "Bid id (32 hex digits)")),
    responses((status = 200, description = "The confirmed membership", body = Invitation),
        (status = 404, description = "No such bid, or the caller's company is not invited to it", body = crate::web::api_error::ErrorBody),
        (status = 409, description = "`deadline_passed`; already confirmed; or the caller's company is already in another bid of the tender", body = crate::web::api_error::ErrorBody)),
    security(("bearer" = [])))]
#[rocket::post("/bids/<bid_id>/membership")]
pub async fn membership(
    who: Authorized<BidSubmitters>,
    bid_id: &str,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Result<Json<Invitation>, ApiError> {
    let received_at = app.clock.now();
    let id = self::bid_id(bid_id)?;
    Ok(Json(
        service::join(db, &*app.clock, &audit.0, &who.0, id, received_at).await?,
    ))
}
