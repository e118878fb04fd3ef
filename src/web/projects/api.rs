//! The JSON API of the registry: list, file, read, edit, appraise and move projects, and file
//! private initiatives.

use rocket::State;
use rocket::http::Status;
use rocket::serde::json::Json;
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::domain::ids::OrgId;
use crate::domain::policy::draft_scope;
use crate::domain::project::{Action, Appraisal, ProjectFields, ProponentAdvantage};
use crate::services::projects as service;
use crate::storage::Db;
use crate::storage::projects::{self, ProjectCursor};
use crate::web::AppState;
use crate::web::api_auth::{Created, created_response};
use crate::web::api_error::ApiError;
use crate::web::auth::{Audit, Authorized, Bidders, MaybeUser, Officer, ProjectActors, ProjectAuthors, ProjectStaff};
use crate::web::json::ApiJson;
use crate::web::paging::{ListPage, check_limit, page_of};
use crate::web::projects::project_id;

use super::query::*;
use super::views::*;

/// The registry: every project that is not a draft, and the caller's own municipality's drafts.
#[utoipa::path(get, operation_id = "projects_list", path = "/api/v1/projects", tag = "projects",
    params(ProjectQuery,
        ("after" = Option<String>, Query, pattern = "^(KGS|USD)_[0-9]{1,15}(\\.[0-9]{1,2})?_[0-9]{1,18}$",
            description = "The previous page's `next` (valid under any order)"),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 200, description = "1 to 200, default 50")),
    responses((status = 200, description = "One page", body = ListPage<ProjectSummaryView>),
        (status = 422, description = "A parameter is invalid", body = crate::web::api_error::ErrorBody)))]
#[rocket::get("/projects?<after>&<limit>&<params..>")]
pub async fn list(
    who: MaybeUser,
    _once: crate::web::query_once::QueryOnce,
    after: Option<&str>,
    limit: Option<&str>,
    params: ProjectQuery,
    db: &State<Db>,
) -> Result<Json<ListPage<ProjectSummaryView>>, ApiError> {
    let (filter, sort) = parse_filter(&params).map_err(|v| ApiError::validation(&v))?;
    let after = after
        .map(|a| ProjectCursor::parse(a).ok_or_else(|| ApiError::field("after", "cursor")))
        .transpose()?;
    let limit = check_limit(limit)?;
    let rows = projects::list(
        db,
        &filter,
        draft_scope(who.0.as_ref()),
        sort,
        after.as_ref(),
        limit + 1,
    )
    .await?;
    Ok(Json(page_of(
        rows,
        limit,
        |p| ProjectCursor::after(p).to_string(),
        ProjectSummaryView::from,
    )))
}

/// Files a draft (officers, for their own municipality).
#[utoipa::path(post, path = "/api/v1/projects", tag = "projects", request_body = ProjectFields,
    responses((status = 201, description = "The new draft", body = ProjectView),
        (status = 403, description = "Not an officer", body = crate::web::api_error::ErrorBody),
        (status = 422, description = "Invalid fields", body = crate::web::api_error::ErrorBody)),
    security(("bearer" = [])))]
#[rocket::post("/projects", data = "<body>")]
pub async fn create(
    who: Officer,
    body: ApiJson<ProjectFields>,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Result<(Status, Created<ProjectView>), ApiError> {
    let project = service::create(db, &*app.clock, &audit.0, &who.0, &body.0).await?;
    let location = format!("/api/v1/projects/{}", project.id);
    Ok(created_response(with_timeline(db, project).await?, location))
}

/// One project with its timeline; a draft exists only for its municipality and reviewers.
#[utoipa::path(get, operation_id = "projects_show", path = "/api/v1/projects/{id}", tag = "projects",
    params(("id" = String, Path, description = "Project id")),
    responses((status = 200, description = "The project", body = ProjectView),
        (status = 404, description = "No such project, or a draft of another municipality", body = crate::web::api_error::ErrorBody)))]
#[rocket::get("/projects/<id>")]
pub async fn show(who: MaybeUser, id: &str, db: &State<Db>) -> Result<Json<ProjectView>, ApiError> {
    let project = service::read(db, who.0.as_ref(), project_id(id)?).await?;
    Ok(Json(with_timeline(db, project).await?))
}

/// Edits a draft with a JSON merge patch of its fields (officers of its municipality).
#[utoipa::path(patch, path = "/api/v1/projects/{id}", tag = "projects",
    params(("id" = String, Path, description = "Project id")),
    request_body(content = Object, description = "A JSON merge patch of the project's fields",
        example = json!({"term_years": 12, "title": {"en": "Osh e-ticketing"}})),
    responses((status = 200, description = "The edited draft", body = ProjectView),
        (status = 409, description = "Only drafts can be edited", body = crate::web::api_error::ErrorBody),
        (status = 422, description = "Invalid fields", body = crate::web::api_error::ErrorBody)),
    security(("bearer" = [])))]
#[rocket::patch("/projects/<id>", data = "<body>")]
pub async fn patch(
    who: Authorized<ProjectAuthors>,
    id: &str,
    body: ApiJson<Value>,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Result<Json<ProjectView>, ApiError> {
    let edit = service::FieldsEdit::MergePatch(&body.0);
    let project = service::update(db, &*app.clock, &audit.0, &who.0, project_id(id)?, edit).await?;
    Ok(Json(with_timeline(db, project).await?))
}

/// Records the appraisal: feasibility study, value for money and affordability with sources.
#[utoipa::path(put, path = "/api/v1/projects/{id}/appraisal", tag = "projects", request_body = Appraisal,
    params(("id" = String, Path, description = "Project id")),
    responses((status = 200, description = "The project", body = ProjectView),
        (status = 409, description = "Not submitted or in appraisal", body = crate::web::api_error::ErrorBody)),
    security(("bearer" = [])))]
#[rocket::put("/projects/<id>/appraisal", data = "<body>")]
pub async fn appraisal(
    who: Authorized<ProjectStaff>,
    id: &str,
    body: ApiJson<Appraisal>,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Result<Json<ProjectView>, ApiError> {
    let project = service::record_appraisal(db, &*app.clock, &audit.0, &who.0, project_id(id)?, &body.0).await?;
    Ok(Json(with_timeline(db, project).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"action": "return", "comment": "Уточните тарифную модель и приложите ТЭО"}))]
pub struct TransitionRequest {
    /// `submit`, `start_appraisal`, `approve`, `return`, `reject` or `cancel`.
    #[schema(value_type = Action)]
    pub action: String,
    #[serde(default)]
    pub comment: String,
    /// `approve`: the financial model version the approver reviewed (`0`: none was shown);
    /// refused (409 `error-model-changed`) if the newest saved version is another.
    #[serde(default)]
    pub model_version: Option<i32>,
}

/// Moves the project: 403 when the role may not, 409 when the stage does not allow it (or the
/// appraisal is incomplete, naming each gap), 422 when a required reason is missing.
#[utoipa::path(post, path = "/api/v1/projects/{id}/transitions", tag = "projects", request_body = TransitionRequest,
    params(("id" = String, Path, description = "Project id")),
    responses((status = 200, description = "The project after the transition", body = ProjectView),
        (status = 403, description = "This role may not", body = crate::web::api_error::ErrorBody),
        (status = 409, description = "`invalid_transition`, `precondition_failed`, or `conflict` when the model changed since the approver reviewed it", body = crate::web::api_error::ErrorBody),
        (status = 422, description = "A reason is required", body = crate::web::api_error::ErrorBody)),
    security(("bearer" = [])))]
#[rocket::post("/projects/<id>/transitions", data = "<body>")]
pub async fn transition(
    who: Authorized<ProjectActors>,
    id: &str,
    body: ApiJson<TransitionRequest>,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Result<Json<ProjectView>, ApiError> {
    let id = project_id(id)?;
    let action = Action::parse(&body.0.action).ok_or_else(|| ApiError::field("action", "code_value"))?;
    let project = service::transition(
        db,
        &*app.clock,
        &audit.0,
        &who.0,
        id,
        action,
        &body.0.comment,
        app.config.completeness_check_days,
        body.0.model_version,
    )
    .await?;
    Ok(Json(with_timeline(db, project).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"municipality_id": "4", "advantage": {"kind": "bonus", "percent": "5"},
    "fields": {"title": {"ru": "Солнечная электростанция на крышах школ г. Ош"}, "sector": "energy", "model": "boot",
    "payment_mechanism": "availability", "capital_cost": {"amount": "64000000.00", "currency": "KGS"}, "term_years": 15}}))]
pub struct ProposalRequest {
    #[schema(value_type = String, pattern = "^[0-9]{1,18}$")]
    pub municipality_id: OrgId,
    pub fields: ProjectFields,
    pub advantage: ProponentAdvantage,
}

/// A company files an unsolicited proposal (private initiative) with a municipality. It is
/// submitted at once; the municipality's completeness check is due in the configured days.
#[utoipa::path(post, path = "/api/v1/proposals", tag = "projects", request_body = ProposalRequest,
    responses((status = 201, description = "The proposal, submitted", body = ProjectView),
        (status = 403, description = "Not a bidder", body = crate::web::api_error::ErrorBody),
        (status = 422, description = "Invalid fields", body = crate::web::api_error::ErrorBody)),
    security(("bearer" = [])))]
#[rocket::post("/proposals", data = "<body>")]
pub async fn propose(
    who: Authorized<Bidders>,
    body: ApiJson<ProposalRequest>,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Result<(Status, Created<ProjectView>), ApiError> {
    let request = body.0;
    let project = service::file_private_initiative(
        db,
        &*app.clock,
        &audit.0,
        &who.0,
        request.municipality_id,
        &request.fields,
        &request.advantage,
        app.config.completeness_check_days,
    )
    .await?;
    let location = format!("/api/v1/projects/{}", project.id);
    Ok(created_response(with_timeline(db, project).await?, location))
}
