//! The project registry: the public list and project pages, and the JSON API to file, edit,
//! appraise and move projects through their lifecycle.

use std::str::FromStr;

use chrono::{DateTime, Utc};
use rocket::State;
use rocket::form::FromForm;
use rocket::http::Status;
use rocket::request::FlashMessage;
use rocket::response::{Flash, Redirect};
use rocket::serde::json::Json;
use rocket_dyn_templates::Template;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::ToSchema;

use crate::domain::access::Role;
use crate::domain::ids::OrgId;
use crate::domain::localized::LocalizedText;
use crate::domain::money::{Currency, Money};
use crate::domain::organization::OrganizationKind;
use crate::domain::policy::{self, draft_scope};
use crate::domain::project::{
    Action, Appraisal, Initiation, PaymentMechanism, PppModel, ProjectFields, ProponentAdvantage, Sector, Stage,
};
use crate::domain::validation::Violations;
use crate::services::{ServiceError, projects as service};
use crate::storage::Db;
use crate::storage::projects::{
    self, Project, ProjectCursor, ProjectFilter, ProjectSort, ProjectSummary, TimelineEntry,
};
use crate::web::AppState;
use crate::web::account::PageWithStatus;
use crate::web::api_auth::{Created, created_response};
use crate::web::api_error::ApiError;
use crate::web::auth::{
    Audit, Authorized, Bidders, CsrfForm, MaybeUser, Officer, ProjectActors, ProjectAuthors, ProjectStaff,
};
use crate::web::download::{StreamedFile, csv_record};
use crate::web::json::ApiJson;
use crate::web::page::{PageContext, PageError};
use crate::web::paging::{ListPage, check_limit, page_of};

#[derive(Debug, Serialize, ToSchema)]
pub struct ProjectView {
    pub id: String,
    /// Assigned at the first submission (`OSH-PPP-2026-001`); null for a draft never submitted.
    pub registry_number: Option<String>,
    pub stage: Stage,
    pub municipality_id: String,
    #[serde(flatten)]
    pub fields: ProjectFields,
    pub appraisal: Appraisal,
    /// Why the project was last returned to draft.
    pub return_reason: Option<String>,
    /// A private initiative: the proposing company, its advantage, and when the municipality's
    /// completeness check is due.
    pub proponent_id: Option<String>,
    pub advantage: Option<ProponentAdvantage>,
    pub completeness_due_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The lifecycle so far (on single-project answers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeline: Option<Vec<TimelineEntry>>,
}

impl From<Project> for ProjectView {
    fn from(p: Project) -> Self {
        Self {
            id: p.id.to_string(),
            registry_number: p.registry_number,
            stage: p.stage,
            municipality_id: p.municipality_id.to_string(),
            fields: p.fields,
            appraisal: p.appraisal,
            return_reason: p.return_reason,
            proponent_id: p.proponent_id.map(|o| o.to_string()),
            advantage: p.advantage,
            completeness_due_at: p.completeness_due_at,
            created_at: p.created_at,
            updated_at: p.updated_at,
            timeline: None,
        }
    }
}

/// A project as the list shows it; `GET /api/v1/projects/{id}` gives the whole record.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProjectSummaryView {
    pub id: String,
    /// Assigned at the first submission (`OSH-PPP-2026-001`); null for a draft never submitted.
    pub registry_number: Option<String>,
    pub stage: Stage,
    pub municipality_id: String,
    pub title: LocalizedText,
    pub sector: Sector,
    pub model: PppModel,
    pub initiation: Initiation,
    pub payment_mechanism: PaymentMechanism,
    /// Estimated capital cost, exact: `{"amount": "1250000.00", "currency": "KGS"}`.
    #[schema(value_type = Object)]
    pub capital_cost: Money,
    pub term_years: u32,
    pub proponent_id: Option<String>,
    pub completeness_due_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

impl From<ProjectSummary> for ProjectSummaryView {
    fn from(p: ProjectSummary) -> Self {
        Self {
            id: p.id.to_string(),
            registry_number: p.registry_number,
            stage: p.stage,
            municipality_id: p.municipality_id.to_string(),
            title: p.title,
            sector: p.sector,
            model: p.model,
            initiation: p.initiation,
            payment_mechanism: p.payment_mechanism,
            capital_cost: p.capital_cost,
            term_years: p.term_years,
            proponent_id: p.proponent_id.map(|o| o.to_string()),
            completeness_due_at: p.completeness_due_at,
            updated_at: p.updated_at,
        }
    }
}

async fn with_timeline(db: &Db, project: Project) -> Result<ProjectView, ApiError> {
    let timeline = projects::timeline(db, project.id).await?;
    let mut view = ProjectView::from(project);
    view.timeline = Some(timeline);
    Ok(view)
}

/// The list's query parameters, as given.
#[derive(Debug, Default, FromForm)]
pub struct ProjectQuery {
    pub stage: Option<String>,
    pub municipality: Option<String>,
    pub sector: Option<String>,
    pub model: Option<String>,
    pub initiation: Option<String>,
    pub min_value: Option<String>,
    pub max_value: Option<String>,
    pub currency: Option<String>,
    pub q: Option<String>,
    pub sort: Option<String>,
    pub after: Option<String>,
    pub limit: Option<String>,
}

/// A closed-list filter: absent or blank is no filter; an unknown value is a 422 on its field.
fn code_filter<T>(
    v: &mut Violations,
    field: &str,
    raw: &Option<String>,
    parse: impl Fn(&str) -> Option<T>,
) -> Option<T> {
    let text = raw.as_deref().map(str::trim).filter(|s| !s.is_empty())?;
    let parsed = parse(text);
    if parsed.is_none() {
        v.add(field, "code_value");
    }
    parsed
}

/// The filters and the order asked for; every bad parameter is named at once.
fn parse_filter(q: &ProjectQuery) -> Result<(ProjectFilter, ProjectSort), Violations> {
    let mut v = Violations::new();
    let text = |s: &Option<String>| {
        s.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let stage = code_filter(&mut v, "stage", &q.stage, Stage::parse);
    let sector = code_filter(&mut v, "sector", &q.sector, Sector::parse);
    let model = code_filter(&mut v, "model", &q.model, PppModel::parse);
    let initiation = code_filter(&mut v, "initiation", &q.initiation, Initiation::parse);
    let currency = code_filter(&mut v, "currency", &q.currency, |c| c.parse::<Currency>().ok());
    let sort = code_filter(&mut v, "sort", &q.sort, ProjectSort::parse).unwrap_or_default();
    let municipality =
        text(&q.municipality).and_then(|m| m.parse::<OrgId>().map_err(|_| v.add("municipality", "cursor")).ok());
    let mut amount = |field: &str, value: Option<String>| {
        let value = value?;
        match Decimal::from_str(&value) {
            Ok(d) if d >= Decimal::ZERO && d.scale() <= 2 && d <= Decimal::from(1_000_000_000_000_i64) => Some(d),
            _ => {
                v.add(field, "amount");
                None
            }
        }
    };
    let min_value = amount("min_value", text(&q.min_value));
    let max_value = amount("max_value", text(&q.max_value));
    let filter = ProjectFilter {
        stage,
        municipality,
        sector,
        model,
        initiation,
        min_value,
        max_value,
        currency,
        query: text(&q.q),
    };
    v.into_result().map(|()| (filter, sort))
}

/// The registry: every project that is not a draft, and the caller's own municipality's drafts.
#[utoipa::path(get, operation_id = "projects_list", path = "/api/v1/projects", tag = "projects",
    params(("stage" = Option<String>, Query, description = "`draft`, `submitted`, `appraisal`, `approved`, ..."),
        ("municipality" = Option<String>, Query, description = "Organisation id"),
        ("sector" = Option<String>, Query, description = "`transport`, `street_lighting`, `waste`, ..."),
        ("model" = Option<String>, Query, description = "`bot`, `dbfo`, `concession`, ..."),
        ("initiation" = Option<String>, Query, description = "`public` or `private` (private initiatives)"),
        ("min_value" = Option<String>, Query, description = "Lowest capital cost, in `currency`"),
        ("max_value" = Option<String>, Query, description = "Highest capital cost, in `currency`"),
        ("currency" = Option<String>, Query, description = "`KGS` (default) or `USD`, for the value range"),
        ("q" = Option<String>, Query, description = "Words that begin words of the titles or description (ё = е, any case)"),
        ("sort" = Option<String>, Query, description = "`oldest` (default), `newest`, `cost_asc` or `cost_desc` (by currency, then amount)"),
        ("after" = Option<String>, Query, description = "Cursor (of the same `sort`)"),
        ("limit" = Option<u32>, Query, description = "1 to 200, default 50")),
    responses((status = 200, description = "One page", body = ListPage<ProjectSummaryView>),
        (status = 422, description = "A parameter is invalid", body = crate::web::openapi::ErrorBody)))]
#[rocket::get("/projects?<params..>")]
pub async fn list(
    who: MaybeUser,
    params: ProjectQuery,
    db: &State<Db>,
) -> Result<Json<ListPage<ProjectSummaryView>>, ApiError> {
    let (filter, sort) = parse_filter(&params).map_err(|v| ApiError::validation(&v))?;
    let after = params
        .after
        .as_deref()
        .map(|a| ProjectCursor::parse(sort, a).ok_or_else(|| ApiError::field("after", "cursor")))
        .transpose()?;
    let limit = check_limit(params.limit.as_deref())?;
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
        |p| ProjectCursor::after(sort, p).to_string(),
        ProjectSummaryView::from,
    )))
}

/// Files a draft (officers, for their own municipality).
#[utoipa::path(post, path = "/api/v1/projects", tag = "projects", request_body = ProjectFields,
    responses((status = 201, description = "The new draft", body = ProjectView),
        (status = 403, description = "Not an officer", body = crate::web::openapi::ErrorBody),
        (status = 422, description = "Invalid fields", body = crate::web::openapi::ErrorBody)),
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

fn parse_id(id: &str) -> Result<i64, ServiceError> {
    id.parse().map_err(|_| ServiceError::NotFound("project"))
}

/// One project with its timeline; a draft exists only for its municipality and reviewers.
#[utoipa::path(get, operation_id = "projects_show", path = "/api/v1/projects/{id}", tag = "projects",
    params(("id" = String, Path, description = "Project id")),
    responses((status = 200, description = "The project", body = ProjectView),
        (status = 404, description = "No such project, or a draft of another municipality", body = crate::web::openapi::ErrorBody)))]
#[rocket::get("/projects/<id>")]
pub async fn show(who: MaybeUser, id: &str, db: &State<Db>) -> Result<Json<ProjectView>, ApiError> {
    let project = service::read(db, who.0.as_ref(), parse_id(id)?).await?;
    Ok(Json(with_timeline(db, project).await?))
}

/// Edits a draft with a JSON merge patch of its fields (officers of its municipality).
#[utoipa::path(patch, path = "/api/v1/projects/{id}", tag = "projects",
    params(("id" = String, Path, description = "Project id")),
    request_body(content = Object, description = "A JSON merge patch of the project's fields",
        example = json!({"term_years": 12, "title": {"en": "Osh e-ticketing"}})),
    responses((status = 200, description = "The edited draft", body = ProjectView),
        (status = 409, description = "Only drafts can be edited", body = crate::web::openapi::ErrorBody),
        (status = 422, description = "Invalid fields", body = crate::web::openapi::ErrorBody)),
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
    let project = service::update(db, &*app.clock, &audit.0, &who.0, parse_id(id)?, edit).await?;
    Ok(Json(with_timeline(db, project).await?))
}

/// Records the appraisal: feasibility study, value for money and affordability with sources.
#[utoipa::path(put, path = "/api/v1/projects/{id}/appraisal", tag = "projects", request_body = Appraisal,
    params(("id" = String, Path, description = "Project id")),
    responses((status = 200, description = "The project", body = ProjectView),
        (status = 409, description = "Not submitted or in appraisal", body = crate::web::openapi::ErrorBody)),
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
    let project = service::record_appraisal(db, &*app.clock, &audit.0, &who.0, parse_id(id)?, &body.0).await?;
    Ok(Json(with_timeline(db, project).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"action": "return", "comment": "Уточните тарифную модель и приложите ТЭО"}))]
pub struct TransitionRequest {
    /// `submit`, `start_appraisal`, `approve`, `return`, `reject` or `cancel`.
    pub action: String,
    #[serde(default)]
    pub comment: String,
}

/// Moves the project: 403 when the role may not, 409 when the stage does not allow it (or the
/// appraisal is incomplete, naming each gap), 422 when a required reason is missing.
#[utoipa::path(post, path = "/api/v1/projects/{id}/transitions", tag = "projects", request_body = TransitionRequest,
    params(("id" = String, Path, description = "Project id")),
    responses((status = 200, description = "The project after the transition", body = ProjectView),
        (status = 403, description = "This role may not", body = crate::web::openapi::ErrorBody),
        (status = 409, description = "`invalid_transition` or `precondition_failed`", body = crate::web::openapi::ErrorBody),
        (status = 422, description = "A reason is required", body = crate::web::openapi::ErrorBody)),
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
    let id = parse_id(id)?;
    let action = Action::parse(body.0.action.trim()).ok_or_else(|| ApiError::field("action", "code_value"))?;
    let project = service::transition(
        db,
        &*app.clock,
        &audit.0,
        &who.0,
        id,
        action,
        &body.0.comment,
        app.config.completeness_check_days,
    )
    .await?;
    Ok(Json(with_timeline(db, project).await?))
}

const CSV_COLUMNS: [&str; 11] = [
    "registry_number",
    "title_ru",
    "title_en",
    "municipality_id",
    "stage",
    "sector",
    "model",
    "payment_mechanism",
    "capital_cost",
    "currency",
    "term_years",
];

fn csv_row(p: &ProjectSummary) -> Vec<u8> {
    csv_record(&[
        p.registry_number.clone().unwrap_or_default(),
        p.title.ru.clone(),
        p.title.en.clone().unwrap_or_default(),
        p.municipality_id.to_string(),
        p.stage.as_str().to_string(),
        p.sector.as_str().to_string(),
        p.model.as_str().to_string(),
        p.payment_mechanism.as_str().to_string(),
        p.capital_cost.amount.to_string(),
        p.capital_cost.currency.code().to_string(),
        p.term_years.to_string(),
    ])
}

/// The filtered list as CSV (UTF-8), streamed page by page.
#[utoipa::path(get, operation_id = "projects_export", path = "/api/v1/projects/export", tag = "projects",
    params(("stage" = Option<String>, Query, description = "As for /api/v1/projects; so are the other filters")),
    responses((status = 200, description = "The projects as CSV", content_type = "text/csv"),
        (status = 422, description = "A parameter is invalid", body = crate::web::openapi::ErrorBody)))]
#[rocket::get("/projects/export?<params..>")]
pub async fn export(who: MaybeUser, params: ProjectQuery, db: &State<Db>) -> Result<StreamedFile, ApiError> {
    let (filter, sort) = parse_filter(&params).map_err(|v| ApiError::validation(&v))?;
    let scope = draft_scope(who.0.as_ref());
    let db = db.inner().clone();
    let header = csv_record(&CSV_COLUMNS.map(String::from));
    // (where the next page starts, whether there is one, the header still to send)
    let state = (None::<ProjectCursor>, true, Some(header));
    let stream = rocket::futures::stream::unfold(state, move |(after, more, header)| {
        let (db, filter) = (db.clone(), filter.clone());
        async move {
            if let Some(header) = header {
                return Some((header, (after, more, None)));
            }
            if !more {
                return None;
            }
            let rows = match projects::list(&db, &filter, scope, sort, after.as_ref(), 500).await {
                Ok(rows) => rows,
                Err(e) => {
                    log::error!("project export stopped: {e}");
                    return None;
                }
            };
            let next = ProjectCursor::after(sort, rows.last()?);
            let bytes: Vec<u8> = rows.iter().flat_map(csv_row).collect();
            Some((bytes, (Some(next), rows.len() == 500, None)))
        }
    });
    Ok(StreamedFile::csv("ppp-projects.csv", Box::pin(stream)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"municipality_id": "4", "advantage": {"kind": "bonus", "percent": "5"},
    "fields": {"title": {"ru": "Солнечная электростанция на крышах школ г. Ош"}, "sector": "energy", "model": "boot",
    "payment_mechanism": "availability", "capital_cost": {"amount": "64000000.00", "currency": "KGS"}, "term_years": 15}}))]
pub struct ProposalRequest {
    #[schema(value_type = String)]
    pub municipality_id: OrgId,
    pub fields: ProjectFields,
    pub advantage: ProponentAdvantage,
}

/// A company files an unsolicited proposal (private initiative) with a municipality. It is
/// submitted at once; the municipality's completeness check is due in the configured days.
#[utoipa::path(post, path = "/api/v1/proposals", tag = "projects", request_body = ProposalRequest,
    responses((status = 201, description = "The proposal, submitted", body = ProjectView),
        (status = 403, description = "Not a bidder", body = crate::web::openapi::ErrorBody),
        (status = 422, description = "Invalid fields", body = crate::web::openapi::ErrorBody)),
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

/// Whole days from today to `due`, both as calendar days in Asia/Bishkek (negative: overdue).
fn days_left(due: DateTime<Utc>, now: DateTime<Utc>) -> i64 {
    let zone = chrono_tz::Asia::Bishkek;
    (due.with_timezone(&zone).date_naive() - now.with_timezone(&zone).date_naive()).num_days()
}

/// The municipality's inbox: private initiatives waiting for the completeness check.
#[rocket::get("/inbox")]
pub async fn inbox(
    ctx: PageContext,
    who: Authorized<ProjectStaff>,
    db: &State<Db>,
    app: &State<AppState>,
) -> Result<Template, PageError> {
    let filter = ProjectFilter {
        stage: Some(Stage::Submitted),
        municipality: Some(who.0.organization_id),
        initiation: Some(Initiation::PrivateInitiative),
        ..ProjectFilter::default()
    };
    let scope = draft_scope(Some(&who.0));
    let rows = projects::list(db, &filter, scope, ProjectSort::Oldest, None, 200).await?;
    let now = app.clock.now();
    let items: Vec<Value> = rows
        .iter()
        .map(|p| {
            let mut row = project_row(&ctx, p);
            row["days_left"] = json!(p.completeness_due_at.map(|due| days_left(due, now)));
            row["due"] = json!(p.completeness_due_at);
            row
        })
        .collect();
    Ok(ctx.render("inbox", "inbox-title", json!({"items": items})))
}

// ---- Pages ----

fn project_row(ctx: &PageContext, p: &ProjectSummary) -> Value {
    let lang = ctx.lang;
    json!({
        "id": p.id,
        "registry_number": p.registry_number,
        "title": p.title.get(lang),
        "stage": p.stage.as_str(),
        "stage_label": lang.text(&format!("stage-{}", p.stage.as_str().replace('_', "-"))),
        "sector": lang.text(&format!("sector-{}", p.sector.as_str().replace('_', "-"))),
        "model": lang.text(&format!("model-{}", p.model.as_str().replace('_', "-"))),
        "capital_cost": p.capital_cost,
        "term_years": p.term_years,
    })
}

/// The list's parameters as a query string (without `after`), for the next-page and CSV links.
fn query_string(q: &ProjectQuery) -> String {
    let pairs = [
        ("q", &q.q),
        ("stage", &q.stage),
        ("municipality", &q.municipality),
        ("sector", &q.sector),
        ("model", &q.model),
        ("initiation", &q.initiation),
        ("min_value", &q.min_value),
        ("max_value", &q.max_value),
        ("currency", &q.currency),
        ("sort", &q.sort),
    ];
    pairs
        .iter()
        .filter_map(|(name, value)| {
            let value = value.as_deref().map(str::trim).filter(|v| !v.is_empty())?;
            Some(format!("{name}={}", rocket::http::RawStr::new(value).percent_encode()))
        })
        .collect::<Vec<_>>()
        .join("&")
}

#[rocket::get("/projects?<params..>")]
pub async fn list_page(ctx: PageContext, params: ProjectQuery, db: &State<Db>) -> Result<Template, PageError> {
    // A bad filter is named on the page and the list shown unfiltered, with what was typed kept.
    let ((filter, sort), errors) = match parse_filter(&params) {
        Ok(parsed) => (parsed, None),
        Err(v) => (Default::default(), Some(ctx.field_messages(&v))),
    };
    let after = params.after.as_deref().and_then(|a| ProjectCursor::parse(sort, a));
    let scope = draft_scope(ctx.user.as_ref());
    let mut rows = projects::list(db, &filter, scope, sort, after.as_ref(), 51).await?;
    let next = (rows.len() > 50).then(|| ProjectCursor::after(sort, &rows[49]).to_string());
    rows.truncate(50);
    let items: Vec<Value> = rows.iter().map(|p| project_row(&ctx, p)).collect();
    let municipalities: Vec<Value> =
        crate::storage::organizations::list_public(db, Some(OrganizationKind::Municipality), None, 200)
            .await?
            .iter()
            .map(|m| json!({"value": m.id.to_string(), "label": m.name.get(ctx.lang)}))
            .collect();
    let who = ctx.user.as_ref();
    let can_file = who.is_some_and(|u| policy::may_file_project(u).is_allowed());
    let own_municipality = who
        .filter(|u| u.has_any_role(&[Role::Officer, Role::Approver]))
        .map(|u| u.organization_id.to_string());
    let sorts: Vec<Value> = ProjectSort::ALL
        .iter()
        .map(|s| json!({"value": s.as_str(), "label": ctx.lang.text(&format!("projects-sort-{}", s.as_str().replace('_', "-")))}))
        .collect();
    let values = json!({
        "q": params.q, "stage": params.stage, "municipality": params.municipality, "sector": params.sector,
        "model": params.model, "initiation": params.initiation, "min_value": params.min_value,
        "max_value": params.max_value, "currency": params.currency, "sort": params.sort,
    });
    Ok(ctx.render(
        "projects",
        "projects-title",
        json!({"items": items, "next": next, "can_file": can_file, "own_municipality": own_municipality,
               "values": values, "query": query_string(&params), "errors": errors,
               "stages": options(Stage::ALL, Stage::as_str, "stage", &ctx),
               "sectors": options(Sector::ALL, Sector::as_str, "sector", &ctx),
               "models": options(PppModel::ALL, PppModel::as_str, "model", &ctx),
               "initiations": options(Initiation::ALL, Initiation::as_str, "initiation", &ctx),
               "municipalities": municipalities, "sorts": sorts}),
    ))
}

#[rocket::get("/projects/<id>", rank = 2)]
pub async fn page(
    ctx: PageContext,
    id: &str,
    flash: Option<FlashMessage<'_>>,
    db: &State<Db>,
) -> Result<Template, PageError> {
    let project = service::read(db, ctx.user.as_ref(), parse_id(id)?).await?;
    let timeline = projects::timeline(db, project.id).await?;
    let documents = crate::services::documents::list(db, ctx.user.as_ref(), project.id).await?;
    let facts = project.facts();
    let can_upload = ctx
        .user
        .as_ref()
        .is_some_and(|w| policy::may_upload_document(w, &facts).is_allowed());
    let lang = ctx.lang;
    let actions: Vec<Value> = match &ctx.user {
        Some(who) => policy::offered_actions(who, &facts)
            .iter()
            .map(|a| {
                json!({"value": a.as_str(), "label": lang.text(&format!("action-{}", a.as_str().replace('_', "-"))),
                       "needs_reason": matches!(a, Action::Return | Action::Reject | Action::Cancel)})
            })
            .collect(),
        _ => Vec::new(),
    };
    let timeline: Vec<Value> = timeline
        .iter()
        .map(|t| {
            json!({"at": t.at, "actor": t.actor, "comment": t.comment,
                   "action": lang.text(&format!("action-{}", t.action.replace('_', "-"))),
                   "to": lang.text(&format!("stage-{}", t.to_stage.replace('_', "-")))})
        })
        .collect();
    let f = &project.fields;
    let flash = flash.map(|f| {
        let id = f.message().to_string();
        if id.starts_with("project-") || id.starts_with("error-") || id.starts_with("invalid-") {
            lang.text(&id)
        } else {
            String::new()
        }
    });
    Ok(ctx.render(
        "project",
        "project-title",
        json!({
            "row": project_row(&ctx, &ProjectSummary::from(&project)),
            "description": f.description, "objectives": f.objectives, "address": f.address,
            "payment": lang.text(&format!("payment-{}", f.payment_mechanism.as_str().replace('_', "-"))),
            "initiation": lang.text(&format!("initiation-{}", f.initiation.as_str())),
            "return_reason": project.return_reason,
            "appraisal": project.appraisal,
            "missing": project.appraisal.missing(),
            "timeline": timeline,
            "actions": actions,
            "flash": flash,
            "documents": documents,
            "can_upload": can_upload,
            "document_kinds": options(crate::domain::document::DocumentKind::ALL, crate::domain::document::DocumentKind::as_str, "document-kind", &ctx),
            "history": policy::audit_scope(ctx.user.as_ref()).is_some(),
        }),
    ))
}

#[derive(FromForm)]
pub struct TransitionForm {
    #[field(default = String::new())]
    csrf_token: String,
    #[field(default = String::new())]
    action: String,
    #[field(default = String::new())]
    comment: String,
}

#[rocket::post("/projects/<id>/transitions", data = "<form>")]
pub async fn transition_form(
    who: Authorized<ProjectActors>,
    id: &str,
    form: CsrfForm<TransitionForm>,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Result<Flash<Redirect>, PageError> {
    let id = parse_id(id)?;
    let back = Redirect::to(format!("/projects/{id}"));
    let Some(action) = Action::parse(form.action.trim()) else {
        return Err(PageError::new(Status::UnprocessableEntity));
    };
    match service::transition(
        db,
        &*app.clock,
        &audit.0,
        &who.0,
        id,
        action,
        &form.comment,
        app.config.completeness_check_days,
    )
    .await
    {
        Ok(_) => Ok(Flash::success(back, "project-transition-done")),
        Err(ServiceError::Invalid(_)) => Ok(Flash::error(back, "invalid-reason-required")),
        Err(ServiceError::PreconditionFailed(_)) => Ok(Flash::error(back, "project-appraisal-incomplete")),
        Err(ServiceError::InvalidTransition { .. }) => Ok(Flash::error(back, "project-transition-invalid")),
        Err(ServiceError::Conflict(message)) => Ok(Flash::error(back, message)),
        Err(e) => Err(e.into()),
    }
}

#[derive(FromForm)]
pub struct NewProjectForm {
    #[field(default = String::new())]
    csrf_token: String,
    #[field(default = String::new())]
    title_ru: String,
    #[field(default = String::new())]
    title_ky: String,
    #[field(default = String::new())]
    title_en: String,
    #[field(default = String::new())]
    sector: String,
    #[field(default = String::new())]
    model: String,
    #[field(default = String::new())]
    payment_mechanism: String,
    #[field(default = String::new())]
    capital_cost: String,
    #[field(default = String::new())]
    currency: String,
    #[field(default = String::new())]
    term_years: String,
    #[field(default = String::new())]
    address: String,
    #[field(default = String::new())]
    description: String,
}

fn options<T: Copy>(all: &[T], code: fn(T) -> &'static str, prefix: &str, ctx: &PageContext) -> Vec<Value> {
    all.iter()
        .map(
            |v| json!({"value": code(*v), "label": ctx.lang.text(&format!("{prefix}-{}", code(*v).replace('_', "-")))}),
        )
        .collect()
}

fn new_project_page(ctx: &PageContext, values: Value, errors: Option<&Violations>) -> Template {
    ctx.render(
        "project_new",
        "project-new-title",
        json!({
            "values": values,
            "errors": errors.map(|v| ctx.field_messages(v)).unwrap_or_default(),
            "sectors": options(Sector::ALL, Sector::as_str, "sector", ctx),
            "models": options(PppModel::ALL, PppModel::as_str, "model", ctx),
            "payments": options(PaymentMechanism::ALL, PaymentMechanism::as_str, "payment", ctx),
        }),
    )
}

const EMPTY_VALUES: [&str; 11] = [
    "title_ru",
    "title_ky",
    "title_en",
    "sector",
    "model",
    "payment_mechanism",
    "capital_cost",
    "currency",
    "term_years",
    "address",
    "description",
];

#[rocket::get("/projects/new")]
pub fn new_form(ctx: PageContext, _who: Officer) -> Template {
    let values: serde_json::Map<String, Value> = EMPTY_VALUES
        .iter()
        .map(|k| (k.to_string(), Value::String(String::new())))
        .collect();
    new_project_page(&ctx, Value::Object(values), None)
}

#[rocket::post("/projects", data = "<form>")]
pub async fn create_form(
    ctx: PageContext,
    who: Officer,
    form: CsrfForm<NewProjectForm>,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Result<Result<Redirect, PageWithStatus>, PageError> {
    let mut v = Violations::new();
    let mut code = |field: &'static str, value: &str| {
        if value.trim().is_empty() {
            v.add(field, "required");
        }
    };
    code("sector", &form.sector);
    code("model", &form.model);
    code("payment_mechanism", &form.payment_mechanism);
    let amount = Decimal::from_str(
        form.capital_cost
            .trim()
            .replace([' ', '\u{a0}'], "")
            .replace(',', ".")
            .as_str(),
    );
    let term = form.term_years.trim().parse::<u32>();
    if amount.is_err() {
        v.add("capital_cost", "number");
    }
    if term.is_err() {
        v.add("term_years", "number");
    }
    let optional = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
    let outcome = match (
        Sector::parse(&form.sector),
        PppModel::parse(&form.model),
        PaymentMechanism::parse(&form.payment_mechanism),
        amount,
        term,
    ) {
        (Some(sector), Some(model), Some(payment_mechanism), Ok(amount), Ok(term_years)) if v.is_empty() => {
            let fields = ProjectFields {
                title: LocalizedText {
                    ru: form.title_ru.clone(),
                    ky: optional(&form.title_ky),
                    en: optional(&form.title_en),
                },
                sector,
                model,
                initiation: Initiation::Public,
                description: form.description.clone(),
                objectives: String::new(),
                address: form.address.clone(),
                latitude: None,
                longitude: None,
                capital_cost: Money::new(amount, form.currency.parse().unwrap_or(Currency::Kgs)),
                term_years,
                payment_mechanism,
                risks: Default::default(),
            };
            service::create(db, &*app.clock, &audit.0, &who.0, &fields).await
        }
        _ => {
            if v.is_empty() {
                v.add("sector", "code_value");
            }
            Err(ServiceError::Invalid(v))
        }
    };
    match outcome {
        Ok(project) => Ok(Ok(Redirect::to(format!("/projects/{}", project.id)))),
        Err(ServiceError::Invalid(violations)) => {
            let mut on_form = Violations::new();
            for (field, codes) in violations.fields() {
                let field = match field {
                    "title.ru" => "title_ru",
                    "capital_cost.amount" => "capital_cost",
                    other => other,
                };
                for code in codes {
                    on_form.add(field, code);
                }
            }
            let values = json!({"title_ru": form.title_ru, "title_ky": form.title_ky, "title_en": form.title_en,
                "sector": form.sector, "model": form.model, "payment_mechanism": form.payment_mechanism,
                "capital_cost": form.capital_cost, "currency": form.currency, "term_years": form.term_years,
                "address": form.address, "description": form.description});
            Ok(Err(PageWithStatus::new(
                Status::UnprocessableEntity,
                new_project_page(&ctx, values, Some(&on_form)),
            )))
        }
        Err(e) => Err(e.into()),
    }
}

crate::web::auth::csrf_protected!(TransitionForm, NewProjectForm);
