//! The JSON API of contracts: drafting one from an awarded tender, recording its signing,
//! milestones, amendments, quarterly performance and an early termination, and reading them
//! (a list in keyset pages with filters, and one contract).

use rocket::State;
use rocket::http::Status;
use rocket::serde::json::Json;

use crate::domain::contract::{ContractStatus, MilestoneKind};
use crate::domain::contract_request::{
    AmendmentRequest, ContractRequest, MilestoneRequest, PerformanceRequest, SignRequest, TerminationRequest,
};
use crate::domain::ids::{OrgId, parse_id};
use crate::services::contracts::{self as service, ContractSummary, local_date};
use crate::storage::Db;
use crate::storage::contracts::ContractFilter;
use crate::web::AppState;
use crate::web::api_auth::{Created, created_response};
use crate::web::api_error::ApiError;
use crate::web::auth::{Audit, Authorized, ContractApprovers, ContractKeepers, MaybeUser};
use crate::web::contracts::contract_id;
use crate::web::contracts::views::ContractView;
use crate::web::json::ApiJson;
use crate::web::paging::{ListPage, check_id_cursor, check_limit, page_of};
use crate::web::query_once::QueryOnce;
use crate::web::tenders::tender_id;

/// The contract as `who` may see it now.
pub(crate) async fn view(
    db: &Db,
    app: &AppState,
    who: Option<&crate::domain::access::Identity>,
    id: i64,
) -> Result<ContractView, ApiError> {
    let record = service::read(db, who, id).await?;
    Ok(ContractView::new(
        &record,
        &app.config.ocid_prefix,
        app.config.amendment_flag_percent,
        local_date(app.clock.now()),
    ))
}

/// The municipality's officer drafts the contract of an awarded tender: parties (the winner's
/// lead company, or the special-purpose company its companies own), signatories, value, term,
/// payment mechanism, performance guarantee, documents and planned milestones. The winner's
/// offer and financial model are frozen with it.
#[utoipa::path(post, operation_id = "contracts_draft", path = "/api/v1/tenders/{id}/contract", tag = "contracts",
    request_body = ContractRequest,
    params(("id" = String, Path, description = "Tender id")),
    responses((status = 201, description = "The drafted contract (`pending`)", body = ContractView),
        (status = 403, description = "Not an officer of the tender's municipality", body = crate::web::api_error::ErrorBody),
        (status = 404, description = "No such tender", body = crate::web::api_error::ErrorBody),
        (status = 409, description = "The tender is not awarded, or already has a contract; a reviewer's hold", body = crate::web::api_error::ErrorBody),
        (status = 422, description = "Invalid terms (each field named)", body = crate::web::api_error::ErrorBody)),
    security(("bearer" = [])))]
#[rocket::post("/tenders/<id>/contract", data = "<body>")]
pub async fn draft(
    who: Authorized<ContractKeepers>,
    id: &str,
    body: ApiJson<ContractRequest>,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Result<(Status, Created<ContractView>), ApiError> {
    let id = service::draft(db, &*app.clock, &audit.0, &who.0, tender_id(id)?, &body.0).await?;
    Ok(created_response(
        view(db, app, Some(&who.0), id).await?,
        format!("/api/v1/contracts/{id}"),
    ))
}

/// Contracts newest first: signed ones and after for everyone; drafts awaiting signature also
/// for their municipality, their parties and the reviewers.
#[utoipa::path(get, operation_id = "contracts_list", path = "/api/v1/contracts", tag = "contracts",
    params(("municipality" = Option<String>, Query, pattern = "^[0-9]{1,18}$", description = "A municipality's id"),
        ("status" = Option<ContractStatus>, Query, description = "A contract status"),
        ("supplier" = Option<String>, Query, pattern = "^[0-9]{1,18}$", description = "The private party's id"),
        ("after" = Option<String>, Query, pattern = "^[0-9]{1,18}$", description = "The previous page's `next`"),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 200, description = "1 to 200, default 50")),
    responses((status = 200, description = "One page of contracts", body = ListPage<ContractSummary>),
        (status = 422, description = "A filter or the cursor is not valid", body = crate::web::api_error::ErrorBody)))]
#[rocket::get("/contracts?<municipality>&<status>&<supplier>&<after>&<limit>")]
#[allow(clippy::too_many_arguments)]
pub async fn list(
    who: MaybeUser,
    _once: QueryOnce,
    municipality: Option<&str>,
    status: Option<&str>,
    supplier: Option<&str>,
    after: Option<&str>,
    limit: Option<&str>,
    db: &State<Db>,
    app: &State<AppState>,
) -> Result<Json<ListPage<ContractSummary>>, ApiError> {
    let filter = parse_filter(municipality, status, supplier)?;
    let after = check_id_cursor(after)?;
    let limit = check_limit(limit)?;
    let rows = service::list(db, who.0.as_ref(), &filter, after, i64::from(limit) + 1).await?;
    let prefix = app.config.ocid_prefix.clone();
    let threshold = app.config.amendment_flag_percent;
    Ok(Json(page_of(
        rows,
        limit,
        |c| c.id.to_string(),
        |c| ContractSummary::new(&c, &prefix, threshold),
    )))
}

/// Reads the list's filters; each bad one is a 422 on its name.
pub(crate) fn parse_filter(
    municipality: Option<&str>,
    status: Option<&str>,
    supplier: Option<&str>,
) -> Result<ContractFilter, ApiError> {
    let id = |field: &str, text: Option<&str>| match text {
        None => Ok(None),
        Some(t) => parse_id(t)
            .map(|i| Some(OrgId(i)))
            .ok_or_else(|| ApiError::field(field, "id")),
    };
    Ok(ContractFilter {
        municipality: id("municipality", municipality)?,
        supplier: id("supplier", supplier)?,
        party: None,
        status: match status {
            None => None,
            Some(s) => Some(ContractStatus::parse(s).ok_or_else(|| ApiError::field("status", "code_value"))?),
        },
    })
}

/// One contract: its summary, parties, milestones, amendments and performance for everyone
/// once signed (the PPP disclosure framework); documents marked internal and the agreed model
/// only for the municipality, the parties and the reviewers.
#[utoipa::path(get, operation_id = "contracts_show", path = "/api/v1/contracts/{id}", tag = "contracts",
    params(("id" = String, Path, description = "Contract id")),
    responses((status = 200, description = "The contract", body = ContractView),
        (status = 404, description = "No such contract, or a draft the caller may not see", body = crate::web::api_error::ErrorBody)))]
#[rocket::get("/contracts/<id>")]
pub async fn show(
    who: MaybeUser,
    id: &str,
    db: &State<Db>,
    app: &State<AppState>,
) -> Result<Json<ContractView>, ApiError> {
    Ok(Json(view(db, app, who.0.as_ref(), contract_id(id)?).await?))
}

/// The municipality's approver records the signing: the tender becomes `complete`, the project
/// `contracted`, the bid securities are released and commercial close is met on that date.
#[utoipa::path(post, operation_id = "contracts_sign", path = "/api/v1/contracts/{id}/sign", tag = "contracts",
    request_body = SignRequest,
    params(("id" = String, Path, description = "Contract id")),
    responses((status = 200, description = "The signed contract", body = ContractView),
        (status = 403, description = "Not an approver of the contract's municipality", body = crate::web::api_error::ErrorBody),
        (status = 404, description = "No such contract", body = crate::web::api_error::ErrorBody),
        (status = 409, description = "Already signed or ended", body = crate::web::api_error::ErrorBody),
        (status = 422, description = "A signing date in the future or before the award", body = crate::web::api_error::ErrorBody)),
    security(("bearer" = [])))]
#[rocket::post("/contracts/<id>/sign", data = "<body>")]
pub async fn sign(
    who: Authorized<ContractApprovers>,
    id: &str,
    body: ApiJson<SignRequest>,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Result<Json<ContractView>, ApiError> {
    let id = contract_id(id)?;
    service::sign(db, &*app.clock, &audit.0, &who.0, id, &body.0).await?;
    Ok(Json(view(db, app, Some(&who.0), id).await?))
}

/// The municipality's officer records a milestone: its plan moved or its actual date. Service
/// start puts the contract and its project in operation; expiry completes them.
#[utoipa::path(post, operation_id = "contracts_milestone", path = "/api/v1/contracts/{id}/milestones/{kind}", tag = "contracts",
    request_body = MilestoneRequest,
    params(("id" = String, Path, description = "Contract id"), ("kind" = MilestoneKind, Path, description = "The milestone")),
    responses((status = 200, description = "The contract", body = ContractView),
        (status = 403, description = "Not an officer of the contract's municipality", body = crate::web::api_error::ErrorBody),
        (status = 404, description = "No such contract, or no such milestone in it", body = crate::web::api_error::ErrorBody),
        (status = 409, description = "The contract is not signed or has ended; the milestone is already met", body = crate::web::api_error::ErrorBody),
        (status = 422, description = "A date in the future or before the signing", body = crate::web::api_error::ErrorBody)),
    security(("bearer" = [])))]
#[rocket::post("/contracts/<id>/milestones/<kind>", data = "<body>")]
pub async fn milestone(
    who: Authorized<ContractKeepers>,
    id: &str,
    kind: &str,
    body: ApiJson<MilestoneRequest>,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Result<Json<ContractView>, ApiError> {
    let id = contract_id(id)?;
    let kind = MilestoneKind::parse(kind).ok_or(crate::services::ServiceError::NotFound("milestone"))?;
    service::milestone(db, &*app.clock, &audit.0, &who.0, id, kind, &body.0).await?;
    Ok(Json(view(db, app, Some(&who.0), id).await?))
}

/// The municipality's approver records an amendment: a new version with its reason, the value
/// and term it leaves, and the cumulative change against the signed contract (flagged for the
/// reviewers beyond `amendment_flag_percent`).
#[utoipa::path(post, operation_id = "contracts_amend", path = "/api/v1/contracts/{id}/amendments", tag = "contracts",
    request_body = AmendmentRequest,
    params(("id" = String, Path, description = "Contract id")),
    responses((status = 201, description = "The amended contract", body = ContractView),
        (status = 403, description = "Not an approver of the contract's municipality", body = crate::web::api_error::ErrorBody),
        (status = 404, description = "No such contract", body = crate::web::api_error::ErrorBody),
        (status = 409, description = "The contract is not signed or has ended", body = crate::web::api_error::ErrorBody),
        (status = 422, description = "Invalid amendment (each field named)", body = crate::web::api_error::ErrorBody)),
    security(("bearer" = [])))]
#[rocket::post("/contracts/<id>/amendments", data = "<body>")]
pub async fn amend(
    who: Authorized<ContractApprovers>,
    id: &str,
    body: ApiJson<AmendmentRequest>,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Result<(Status, Created<ContractView>), ApiError> {
    let id = contract_id(id)?;
    service::amend(
        db,
        &*app.clock,
        &audit.0,
        &who.0,
        id,
        &body.0,
        app.config.amendment_flag_percent,
    )
    .await?;
    Ok(created_response(
        view(db, app, Some(&who.0), id).await?,
        format!("/api/v1/contracts/{id}"),
    ))
}

/// The municipality's officer records a quarter's performance: payments made, availability
/// deductions, the tariff charged and the demand served (once per quarter).
#[utoipa::path(post, operation_id = "contracts_performance", path = "/api/v1/contracts/{id}/performance", tag = "contracts",
    request_body = PerformanceRequest,
    params(("id" = String, Path, description = "Contract id")),
    responses((status = 201, description = "The contract with the quarter compared with the plan", body = ContractView),
        (status = 403, description = "Not an officer of the contract's municipality", body = crate::web::api_error::ErrorBody),
        (status = 404, description = "No such contract", body = crate::web::api_error::ErrorBody),
        (status = 409, description = "The contract is not signed or has ended; the quarter is already recorded", body = crate::web::api_error::ErrorBody),
        (status = 422, description = "Invalid record (each field named)", body = crate::web::api_error::ErrorBody)),
    security(("bearer" = [])))]
#[rocket::post("/contracts/<id>/performance", data = "<body>")]
pub async fn performance(
    who: Authorized<ContractKeepers>,
    id: &str,
    body: ApiJson<PerformanceRequest>,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Result<(Status, Created<ContractView>), ApiError> {
    let id = contract_id(id)?;
    service::record_performance(db, &*app.clock, &audit.0, &who.0, id, &body.0).await?;
    Ok(created_response(
        view(db, app, Some(&who.0), id).await?,
        format!("/api/v1/contracts/{id}"),
    ))
}

/// The municipality's approver records an early termination, with its reason and the
/// termination payment if any: the contract and its project end `terminated`.
#[utoipa::path(post, operation_id = "contracts_terminate", path = "/api/v1/contracts/{id}/terminate", tag = "contracts",
    request_body = TerminationRequest,
    params(("id" = String, Path, description = "Contract id")),
    responses((status = 200, description = "The terminated contract", body = ContractView),
        (status = 403, description = "Not an approver of the contract's municipality", body = crate::web::api_error::ErrorBody),
        (status = 404, description = "No such contract", body = crate::web::api_error::ErrorBody),
        (status = 409, description = "The contract is not signed or has ended", body = crate::web::api_error::ErrorBody),
        (status = 422, description = "Invalid termination (each field named)", body = crate::web::api_error::ErrorBody)),
    security(("bearer" = [])))]
#[rocket::post("/contracts/<id>/terminate", data = "<body>")]
pub async fn terminate(
    who: Authorized<ContractApprovers>,
    id: &str,
    body: ApiJson<TerminationRequest>,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Result<Json<ContractView>, ApiError> {
    let id = contract_id(id)?;
    service::terminate(db, &*app.clock, &audit.0, &who.0, id, &body.0).await?;
    Ok(Json(view(db, app, Some(&who.0), id).await?))
}
