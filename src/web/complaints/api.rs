//! The JSON API of complaints and reviewers' holds: filing and listing a tender's complaints,
//! a reviewer's decisions, the hold and its release, and the reviewers' desk (every open
//! complaint and hold across the municipalities).

use rocket::State;
use rocket::http::Status;
use rocket::serde::json::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::complaint::{ComplaintRequest, DecisionRequest};
use crate::services::complaints::{self as service, ComplaintView};
use crate::services::review_hold;
use crate::storage::Db;
use crate::web::AppState;
use crate::web::api_auth::{Created, created_response};
use crate::web::api_error::ApiError;
use crate::web::auth::{Audit, Authorized, Complainants, ComplaintReaders, Reviewers};
use crate::web::json::ApiJson;
use crate::web::paging::ListPage;
use crate::web::tenders::api::full_view;
use crate::web::tenders::tender_id;
use crate::web::tenders::views::TenderView;

/// A complaint id from a path.
pub(crate) fn complaint_id(text: &str) -> Result<i64, crate::services::ServiceError> {
    crate::domain::ids::parse_id(text).ok_or(crate::services::ServiceError::NotFound("complaint"))
}

/// A bidding party in the protocol complains about the award proposal during the standstill
/// (an open complaint suspends the award), or a registered bidder about the terms before the
/// deadline. With documents, the same path takes `multipart/form-data`: a `meta` part holding
/// this JSON and one `file` part per document (PDF, DOCX, XLSX, ODT, ODS, PNG or JPEG; at most 10).
#[utoipa::path(post, operation_id = "tenders_complain", path = "/api/v1/tenders/{id}/complaints", tag = "complaints",
    request_body = ComplaintRequest,
    params(("id" = String, Path, description = "Tender id")),
    responses((status = 201, description = "The complaint, filed", body = ComplaintView),
        (status = 403, description = "Not a company's bidder; against the award, not a bidding party in the protocol", body = crate::web::api_error::ErrorBody),
        (status = 404, description = "No such tender", body = crate::web::api_error::ErrorBody),
        (status = 409, description = "Outside the complaint's window (the standstill for the award, before the deadline for the terms); one of the company's complaints of this kind is still open", body = crate::web::api_error::ErrorBody),
        (status = 422, description = "Grounds or remedy missing or too long", body = crate::web::api_error::ErrorBody)),
    security(("bearer" = [])))]
#[rocket::post("/tenders/<id>/complaints", data = "<body>", rank = 2)]
pub async fn file(
    who: Authorized<Complainants>,
    id: &str,
    body: ApiJson<ComplaintRequest>,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Result<(Status, Created<ComplaintView>), ApiError> {
    let id = tender_id(id)?;
    let complaint = service::file(db, &*app.clock, &audit.0, &who.0, id, &body.0, &[]).await?;
    Ok(created_response(complaint, format!("/api/v1/tenders/{id}/complaints")))
}

/// A tender's complaints, oldest first: all of them for the reviewers and the municipality's
/// staff; for a company's bidder its own, and those against the award when it is a bidding
/// party in the protocol.
#[utoipa::path(get, operation_id = "tenders_complaints", path = "/api/v1/tenders/{id}/complaints", tag = "complaints",
    params(("id" = String, Path, description = "Tender id")),
    responses((status = 200, description = "The complaints (one page)", body = ListPage<ComplaintView>),
        (status = 403, description = "Not a party, of the municipality, or a reviewer", body = crate::web::api_error::ErrorBody),
        (status = 404, description = "No such tender", body = crate::web::api_error::ErrorBody)),
    security(("bearer" = [])))]
#[rocket::get("/tenders/<id>/complaints")]
pub async fn list(
    who: Authorized<ComplaintReaders>,
    id: &str,
    db: &State<Db>,
    app: &State<AppState>,
) -> Result<Json<ListPage<ComplaintView>>, ApiError> {
    let items = service::list(db, &*app.clock, &who.0, tender_id(id)?).await?;
    Ok(Json(ListPage { items, next: None }))
}

/// A reviewer decides a complaint: accepts a filed one for review or rejects it as
/// inadmissible; upholds or dismisses an accepted one. Upheld against the award, the tender
/// returns to evaluation; upheld against the terms, it is held until amended.
#[utoipa::path(post, operation_id = "complaints_decide", path = "/api/v1/complaints/{id}/decision", tag = "complaints",
    request_body = DecisionRequest,
    params(("id" = String, Path, description = "Complaint id")),
    responses((status = 200, description = "The complaint, decided", body = ComplaintView),
        (status = 403, description = "Not a reviewer", body = crate::web::api_error::ErrorBody),
        (status = 404, description = "No such complaint", body = crate::web::api_error::ErrorBody),
        (status = 409, description = "Not a decision the complaint's status allows", body = crate::web::api_error::ErrorBody),
        (status = 422, description = "A reason missing or too long", body = crate::web::api_error::ErrorBody)),
    security(("bearer" = [])))]
#[rocket::post("/complaints/<id>/decision", data = "<body>")]
pub async fn decide(
    who: Authorized<Reviewers>,
    id: &str,
    body: ApiJson<DecisionRequest>,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Result<Json<ComplaintView>, ApiError> {
    let id = complaint_id(id)?;
    Ok(Json(
        service::decide(db, &*app.clock, &audit.0, &who.0, id, &body.0).await?,
    ))
}

/// The complainant withdraws its open complaint.
#[utoipa::path(post, operation_id = "complaints_withdraw", path = "/api/v1/complaints/{id}/withdraw", tag = "complaints",
    params(("id" = String, Path, description = "Complaint id")),
    responses((status = 200, description = "The complaint, withdrawn", body = ComplaintView),
        (status = 403, description = "Not a company's bidder", body = crate::web::api_error::ErrorBody),
        (status = 404, description = "No such complaint of the caller's company", body = crate::web::api_error::ErrorBody),
        (status = 409, description = "Already decided or withdrawn", body = crate::web::api_error::ErrorBody)),
    security(("bearer" = [])))]
#[rocket::post("/complaints/<id>/withdraw")]
pub async fn withdraw(
    who: Authorized<Complainants>,
    id: &str,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Result<Json<ComplaintView>, ApiError> {
    let id = complaint_id(id)?;
    Ok(Json(service::withdraw(db, &*app.clock, &audit.0, &who.0, id).await?))
}

/// Why a reviewer holds a tender.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "Проверка по жалобе о сговоре участников"}))]
pub struct HoldRequest {
    pub reason: String,
}

/// A reviewer holds a tender: every change to it is refused (409 `review_hold`) and its clock
/// stands still until the release.
#[utoipa::path(post, operation_id = "tenders_hold", path = "/api/v1/tenders/{id}/hold", tag = "complaints",
    request_body = HoldRequest,
    params(("id" = String, Path, description = "Tender id")),
    responses((status = 200, description = "The tender, held (`review_hold` set)", body = TenderView),
        (status = 403, description = "Not a reviewer", body = crate::web::api_error::ErrorBody),
        (status = 404, description = "No such tender", body = crate::web::api_error::ErrorBody),
        (status = 409, description = "Already held; a draft, cancelled or unsuccessful tender", body = crate::web::api_error::ErrorBody),
        (status = 422, description = "The reason missing or too long", body = crate::web::api_error::ErrorBody)),
    security(("bearer" = [])))]
#[rocket::post("/tenders/<id>/hold", data = "<body>")]
pub async fn hold(
    who: Authorized<Reviewers>,
    id: &str,
    body: ApiJson<HoldRequest>,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Result<Json<TenderView>, ApiError> {
    let tender = review_hold::hold(db, &*app.clock, &audit.0, &who.0, tender_id(id)?, &body.0.reason).await?;
    Ok(Json(full_view(db, app, tender).await?))
}

/// A reviewer releases the hold: the instants still ahead when it began move by its length.
#[utoipa::path(post, operation_id = "tenders_release", path = "/api/v1/tenders/{id}/release", tag = "complaints",
    params(("id" = String, Path, description = "Tender id")),
    responses((status = 200, description = "The tender, released", body = TenderView),
        (status = 403, description = "Not a reviewer", body = crate::web::api_error::ErrorBody),
        (status = 404, description = "No such tender", body = crate::web::api_error::ErrorBody),
        (status = 409, description = "Not held", body = crate::web::api_error::ErrorBody)),
    security(("bearer" = [])))]
#[rocket::post("/tenders/<id>/release")]
pub async fn release(
    who: Authorized<Reviewers>,
    id: &str,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Result<Json<TenderView>, ApiError> {
    let tender = review_hold::release(db, &*app.clock, &audit.0, &who.0, tender_id(id)?).await?;
    Ok(Json(full_view(db, app, tender).await?))
}

/// What waits for the reviewers across every municipality.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewDesk {
    /// Every complaint filed or accepted, oldest first.
    pub complaints: Vec<ComplaintView>,
    /// Every tender on hold, longest held first.
    pub holds: Vec<TenderView>,
    /// Contracts whose amendments moved the value or the term beyond the configured threshold
    /// (`amendment_flag_percent`) of the signed figures, newest first.
    pub flagged_contracts: Vec<crate::services::contracts::ContractSummary>,
}

/// The reviewers' desk: open complaints, holds and contracts amended beyond the threshold,
/// across all municipalities.
#[utoipa::path(get, operation_id = "review_desk", path = "/api/v1/review", tag = "complaints",
    responses((status = 200, description = "Open complaints and holds", body = ReviewDesk),
        (status = 403, description = "Not a reviewer", body = crate::web::api_error::ErrorBody)),
    security(("bearer" = [])))]
#[rocket::get("/review")]
pub async fn desk(
    who: Authorized<Reviewers>,
    db: &State<Db>,
    app: &State<AppState>,
) -> Result<Json<ReviewDesk>, ApiError> {
    let (complaints, held) = service::desk(db, &who.0).await?;
    let now = app.clock.now();
    let threshold = app.config.amendment_flag_percent;
    let flagged_contracts = crate::services::contracts::flagged(db, threshold)
        .await?
        .iter()
        .map(|(c, _)| crate::services::contracts::ContractSummary::new(c, &app.config.ocid_prefix, threshold))
        .collect();
    Ok(Json(ReviewDesk {
        flagged_contracts,
        complaints,
        holds: held
            .into_iter()
            .map(|t| TenderView::new(t, &app.config.ocid_prefix, now))
            .collect(),
    }))
}
