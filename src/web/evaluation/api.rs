//! The JSON API of the evaluation: declarations, qualification findings, scores, the closing of
//! the scoring, the report, the award proposal and its confirmation; the award after the
//! standstill and a winner's decline.

use rocket::State;
use rocket::http::Status;
use rocket::serde::json::Json;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::domain::commission::{Declaration, DeclarationRequest, Qualification, Scores};
use crate::services::award::{self, Declined};
use crate::services::award_proposal;
use crate::services::evaluation::{self as service, Evaluation};
use crate::storage::Db;
use crate::web::AppState;
use crate::web::api_auth::{Created, created_response};
use crate::web::api_error::ApiError;
use crate::web::auth::{Audit, Authorized, Decliners, Evaluators, SignedIn, TenderApprovers};
use crate::web::bids::api::bid_id as parse_bid_id;
use crate::web::json::ApiJson;
use crate::web::tenders::tender_id;

/// The evaluation report: live while the commission scores, frozen (with its SHA-256) once the
/// scoring is closed.
#[utoipa::path(get, operation_id = "tenders_evaluation", path = "/api/v1/tenders/{id}/evaluation", tag = "evaluation",
    params(("id" = String, Path, description = "Tender id")),
    responses((status = 200, description = "The evaluation", body = Evaluation),
        (status = 403, description = "Not a reader of the report; a commission member who has not declared or has withdrawn (the message says which)", body = crate::web::api_error::ErrorBody),
        (status = 404, description = "No such tender", body = crate::web::api_error::ErrorBody),
        (status = 409, description = "`sealed`: not opened", body = crate::web::api_error::ErrorBody)),
    security(("bearer" = [])))]
#[rocket::get("/tenders/<id>/evaluation")]
pub async fn report(
    who: SignedIn,
    id: &str,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Result<Json<Evaluation>, ApiError> {
    Ok(Json(
        service::read(db, &*app.clock, &audit.0, &who.0, tender_id(id)?).await?,
    ))
}

/// A commission member declares, for every company of every bidding party in the protocol, no
/// conflict of interest or a conflict (which withdraws them from the tender); once.
#[utoipa::path(post, operation_id = "tenders_declare", path = "/api/v1/tenders/{id}/declarations", tag = "evaluation",
    request_body = DeclarationRequest,
    params(("id" = String, Path, description = "Tender id")),
    responses((status = 201, description = "The declaration", body = Declaration),
        (status = 403, description = "Not a commission member of the municipality", body = crate::web::api_error::ErrorBody),
        (status = 404, description = "No such tender", body = crate::web::api_error::ErrorBody),
        (status = 409, description = "`sealed`; not in evaluation; already declared", body = crate::web::api_error::ErrorBody),
        (status = 422, description = "A company missing, repeated or not in the protocol; a conflict without explanation", body = crate::web::api_error::ErrorBody)),
    security(("bearer" = [])))]
#[rocket::post("/tenders/<id>/declarations", data = "<body>")]
pub async fn declare(
    who: Authorized<Evaluators>,
    id: &str,
    body: ApiJson<DeclarationRequest>,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Result<(Status, Created<Declaration>), ApiError> {
    let id = tender_id(id)?;
    let declaration = service::declare(db, &*app.clock, &audit.0, &who.0, id, &body.0).await?;
    Ok(created_response(
        declaration,
        format!("/api/v1/tenders/{id}/evaluation"),
    ))
}

/// The acting chair records the commission's finding on each qualification requirement of a
/// bid (met, or not met with a reason code and a note); again until the scoring closes.
#[utoipa::path(put, operation_id = "bids_qualification", path = "/api/v1/tenders/{id}/bids/{bid_id}/qualification", tag = "evaluation",
    request_body = Qualification,
    params(("id" = String, Path, description = "Tender id"), ("bid_id" = String, Path, description = "Bid id (32 hex digits)")),
    responses((status = 200, description = "The evaluation with the findings", body = Evaluation),
        (status = 403, description = "Not the acting chair; not declared; withdrawn", body = crate::web::api_error::ErrorBody),
        (status = 404, description = "No such tender or bid", body = crate::web::api_error::ErrorBody),
        (status = 409, description = "`sealed`; not in evaluation; the scoring is closed; no quorum", body = crate::web::api_error::ErrorBody),
        (status = 422, description = "A requirement missing, repeated or unknown; an unmet one without reason or note", body = crate::web::api_error::ErrorBody)),
    security(("bearer" = [])))]
#[rocket::put("/tenders/<id>/bids/<bid_id>/qualification", data = "<body>")]
pub async fn qualification(
    who: Authorized<Evaluators>,
    id: &str,
    bid_id: &str,
    body: ApiJson<Qualification>,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Result<Json<Evaluation>, ApiError> {
    let id = tender_id(id)?;
    let bid = parse_bid_id(bid_id)?;
    service::qualify(db, &*app.clock, &audit.0, &who.0, id, bid, &body.0).await?;
    Ok(Json(service::read(db, &*app.clock, &audit.0, &who.0, id).await?))
}

/// A seated commission member records (or changes) their scores of a bid, one per technical
/// criterion (its index in the tender's criteria) from 0 to 100; until the scoring closes.
#[utoipa::path(put, operation_id = "bids_scores", path = "/api/v1/tenders/{id}/bids/{bid_id}/scores", tag = "evaluation",
    request_body = Scores,
    params(("id" = String, Path, description = "Tender id"), ("bid_id" = String, Path, description = "Bid id (32 hex digits)")),
    responses((status = 200, description = "The evaluation with the scores", body = Evaluation),
        (status = 403, description = "Not a commission member; not declared; withdrawn", body = crate::web::api_error::ErrorBody),
        (status = 404, description = "No such tender or bid", body = crate::web::api_error::ErrorBody),
        (status = 409, description = "`sealed`; not in evaluation; the scoring is closed; no quorum", body = crate::web::api_error::ErrorBody),
        (status = 422, description = "A technical criterion missing, an unknown or financial one, a score out of 0-100 or with more than 2 decimals", body = crate::web::api_error::ErrorBody)),
    security(("bearer" = [])))]
#[rocket::put("/tenders/<id>/bids/<bid_id>/scores", data = "<body>")]
pub async fn scores(
    who: Authorized<Evaluators>,
    id: &str,
    bid_id: &str,
    body: ApiJson<Scores>,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Result<Json<Evaluation>, ApiError> {
    let id = tender_id(id)?;
    let bid = parse_bid_id(bid_id)?;
    service::score(db, &*app.clock, &audit.0, &who.0, id, bid, &body.0).await?;
    Ok(Json(service::read(db, &*app.clock, &audit.0, &who.0, id).await?))
}

/// The acting chair closes the scoring: the complete report is frozen and its SHA-256 recorded
/// in the closing event; too few qualified bids end the tender unsuccessful.
#[utoipa::path(post, operation_id = "tenders_close_scoring", path = "/api/v1/tenders/{id}/scoring/close", tag = "evaluation",
    params(("id" = String, Path, description = "Tender id")),
    responses((status = 200, description = "The frozen evaluation", body = Evaluation),
        (status = 403, description = "Not the acting chair; not declared; withdrawn", body = crate::web::api_error::ErrorBody),
        (status = 404, description = "No such tender", body = crate::web::api_error::ErrorBody),
        (status = 409, description = "`precondition_failed` naming what is missing (quorum, a bid's qualification, a member's scores, an offer that cannot be valued); not in evaluation; already closed", body = crate::web::api_error::ErrorBody)),
    security(("bearer" = [])))]
#[rocket::post("/tenders/<id>/scoring/close")]
pub async fn close(
    who: Authorized<Evaluators>,
    id: &str,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Result<Json<Evaluation>, ApiError> {
    Ok(Json(
        service::close_scoring(db, &*app.clock, &audit.0, &who.0, tender_id(id)?).await?,
    ))
}

/// The bid the chair proposes for the award.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"bid_id": "5f0c7a1e9b2d4c6e8a0b1c2d3e4f5a6b"}))]
pub struct ProposalRequest {
    pub bid_id: String,
}

/// The acting chair proposes the top-ranked qualified bid of the frozen report.
#[utoipa::path(post, operation_id = "tenders_award_proposal", path = "/api/v1/tenders/{id}/award-proposal", tag = "evaluation",
    request_body = ProposalRequest,
    params(("id" = String, Path, description = "Tender id")),
    responses((status = 200, description = "The evaluation with the proposal", body = Evaluation),
        (status = 403, description = "Not the acting chair", body = crate::web::api_error::ErrorBody),
        (status = 404, description = "No such tender", body = crate::web::api_error::ErrorBody),
        (status = 409, description = "`precondition_failed` naming the top-ranked bid when another is proposed; the scoring still open; already proposed", body = crate::web::api_error::ErrorBody)),
    security(("bearer" = [])))]
#[rocket::post("/tenders/<id>/award-proposal", data = "<body>")]
pub async fn propose(
    who: Authorized<Evaluators>,
    id: &str,
    body: ApiJson<ProposalRequest>,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Result<Json<Evaluation>, ApiError> {
    let id = tender_id(id)?;
    Ok(Json(
        award_proposal::propose(db, &*app.clock, &audit.0, &who.0, id, &body.0.bid_id).await?,
    ))
}

/// The approver confirms the proposal: the tender enters its standstill.
#[utoipa::path(post, operation_id = "tenders_award_proposal_confirm", path = "/api/v1/tenders/{id}/award-proposal/confirm", tag = "evaluation",
    params(("id" = String, Path, description = "Tender id")),
    responses((status = 200, description = "The evaluation, confirmed", body = Evaluation),
        (status = 403, description = "Not an approver of the municipality", body = crate::web::api_error::ErrorBody),
        (status = 404, description = "No such tender", body = crate::web::api_error::ErrorBody),
        (status = 409, description = "No proposal yet; not in evaluation", body = crate::web::api_error::ErrorBody)),
    security(("bearer" = [])))]
#[rocket::post("/tenders/<id>/award-proposal/confirm")]
pub async fn confirm(
    who: Authorized<TenderApprovers>,
    id: &str,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Result<Json<Evaluation>, ApiError> {
    Ok(Json(
        award_proposal::confirm(db, &*app.clock, &audit.0, &who.0, tender_id(id)?).await?,
    ))
}

/// The approver confirms the award once the standstill is over: the tender and its project
/// become `awarded`.
#[utoipa::path(post, operation_id = "tenders_award", path = "/api/v1/tenders/{id}/award", tag = "evaluation",
    params(("id" = String, Path, description = "Tender id")),
    responses((status = 200, description = "The evaluation, awarded", body = Evaluation),
        (status = 403, description = "Not an approver of the municipality", body = crate::web::api_error::ErrorBody),
        (status = 404, description = "No such tender", body = crate::web::api_error::ErrorBody),
        (status = 409, description = "The standstill is still running; not in its standstill", body = crate::web::api_error::ErrorBody)),
    security(("bearer" = [])))]
#[rocket::post("/tenders/<id>/award")]
pub async fn confirm_award(
    who: Authorized<TenderApprovers>,
    id: &str,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Result<Json<Evaluation>, ApiError> {
    Ok(Json(
        award::award(db, &*app.clock, &audit.0, &who.0, tender_id(id)?).await?,
    ))
}

/// How a decline is recorded: the approver names a public document of the project (the
/// winner's letter); the winner's own bidder needs none.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeclineRequest {
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub document_id: Option<crate::domain::ids::DocumentId>,
}

/// The winner declines (its bidder), or the approver records its decline with a document: the
/// award passes to the next-ranked qualified bid with a new standstill, or the tender ends
/// unsuccessful.
#[utoipa::path(post, operation_id = "bids_decline", path = "/api/v1/bids/{bid_id}/decline", tag = "evaluation",
    request_body = DeclineRequest,
    params(("bid_id" = String, Path, description = "Bid id (32 hex digits)")),
    responses((status = 200, description = "What followed", body = Declined),
        (status = 403, description = "Neither a bidder nor an approver", body = crate::web::api_error::ErrorBody),
        (status = 404, description = "Not a bid id (32 hex digits)", body = crate::web::api_error::ErrorBody),
        (status = 409, description = "Nothing for the caller to decline (not the winner's bidder or the municipality's approver, no such bid, the tender not in its standstill or awarded), or not the proposed or awarded bid", body = crate::web::api_error::ErrorBody),
        (status = 422, description = "The approver's record without a public document of the project", body = crate::web::api_error::ErrorBody)),
    security(("bearer" = [])))]
#[rocket::post("/bids/<bid_id>/decline", data = "<body>")]
pub async fn decline(
    who: Authorized<Decliners>,
    bid_id: &str,
    body: ApiJson<DeclineRequest>,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Result<Json<Declined>, ApiError> {
    let id = parse_bid_id(bid_id)?;
    Ok(Json(
        award::decline(db, &*app.clock, &audit.0, &who.0, id, body.0.document_id).await?,
    ))
}
