//! The JSON API of tender notices: list and read them, prepare, publish, amend and cancel them,
//! and ask and answer clarification questions.

use rocket::State;
use rocket::http::Status;
use rocket::serde::json::Json;
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::domain::ids::{DocumentId, OrgId, parse_id};
use crate::domain::policy::draft_scope;
use crate::domain::tender::{CancellationReason, TenderStatus, TenderTerms};
use crate::domain::validation::Violations;
use crate::services::tenders as service;
use crate::storage::Db;
use crate::storage::tenders::{self, Tender, TenderFilter};
use crate::web::AppState;
use crate::web::api_auth::{Created, created_response};
use crate::web::api_error::ApiError;
use crate::web::auth::{Audit, Authorized, MaybeUser, Questioners, TenderApprovers, TenderPreparers, TenderStaff};
use crate::web::json::ApiJson;
use crate::web::paging::{ListPage, check_id_cursor, check_limit, page_of};
use crate::web::projects::project_id;
use crate::web::query_once::QueryOnce;

use super::views::{QuestionView, TenderView};
use super::{question_id, tender_id};

/// The whole record: the view with its amendments.
pub(crate) async fn full_view(db: &Db, app: &AppState, tender: Tender) -> Result<TenderView, ApiError> {
    let versions = tenders::versions(db, tender.id).await?;
    Ok(TenderView::new(tender, &app.config.ocid_prefix, app.clock.now()).with_versions(versions))
}

/// The list's filters from the query, each bad one named (an empty value too: the page's
/// "any" choice sends none).
pub(crate) fn parse_filter(
    status: Option<&str>,
    municipality: Option<&str>,
    project: Option<&str>,
) -> Result<TenderFilter, Violations> {
    let mut v = Violations::new();
    let filter = TenderFilter {
        status: status.and_then(|s| {
            TenderStatus::parse(s).or_else(|| {
                v.add("status", "code_value");
                None
            })
        }),
        municipality: municipality.and_then(|m| {
            m.parse::<OrgId>().ok().or_else(|| {
                v.add("municipality", "id");
                None
            })
        }),
        project: project.and_then(|p| {
            parse_id(p).or_else(|| {
                v.add("project", "id");
                None
            })
        }),
    };
    v.into_result().map(|()| filter)
}

/// Tender notices, newest first: every published or cancelled tender, and the caller's own
/// municipality's drafts (all drafts for reviewers).
#[utoipa::path(get, operation_id = "tenders_list", path = "/api/v1/tenders", tag = "tenders",
    params(
        ("status" = Option<TenderStatus>, Query, description = "Status now, by the server's clock"),
        ("municipality" = Option<String>, Query, pattern = "^[0-9]{1,18}$", description = "Municipality id"),
        ("project" = Option<String>, Query, pattern = "^[0-9]{1,18}$", description = "Project id"),
        ("after" = Option<String>, Query, pattern = "^[0-9]{1,18}$", description = "The previous page's `next`"),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 200, description = "1 to 200, default 50")),
    responses((status = 200, description = "One page", body = ListPage<TenderView>),
        (status = 422, description = "A parameter is invalid", body = crate::web::api_error::ErrorBody)))]
#[rocket::get("/tenders?<status>&<municipality>&<project>&<after>&<limit>")]
#[allow(clippy::too_many_arguments)]
pub async fn list(
    who: MaybeUser,
    _once: QueryOnce,
    status: Option<&str>,
    municipality: Option<&str>,
    project: Option<&str>,
    after: Option<&str>,
    limit: Option<&str>,
    db: &State<Db>,
    app: &State<AppState>,
) -> Result<Json<ListPage<TenderView>>, ApiError> {
    let filter = parse_filter(status, municipality, project).map_err(|v| ApiError::validation(&v))?;
    let after = check_id_cursor(after)?;
    let limit = check_limit(limit)?;
    let now = app.clock.now();
    let rows = tenders::list(db, &filter, draft_scope(who.0.as_ref()), now, after, limit + 1).await?;
    let prefix = app.config.ocid_prefix.clone();
    Ok(Json(page_of(
        rows,
        limit,
        |t| t.id.to_string(),
        |t| TenderView::new(t, &prefix, now),
    )))
}

/// Prepares a draft tender for an approved project (the municipality's officers).
#[utoipa::path(post, operation_id = "tenders_create", path = "/api/v1/projects/{id}/tenders", tag = "tenders", request_body = TenderTerms,
    params(("id" = String, Path, description = "Project id")),
    responses((status = 201, description = "The new draft", body = TenderView),
        (status = 403, description = "Not an officer of the project's municipality", body = crate::web::api_error::ErrorBody),
        (status = 409, description = "The project is not approved, or already has a tender", body = crate::web::api_error::ErrorBody),
        (status = 422, description = "Invalid terms", body = crate::web::api_error::ErrorBody)),
    security(("bearer" = [])))]
#[rocket::post("/projects/<id>/tenders", data = "<body>")]
pub async fn create(
    who: Authorized<TenderPreparers>,
    id: &str,
    body: ApiJson<TenderTerms>,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Result<(Status, Created<TenderView>), ApiError> {
    let tender = service::create(
        db,
        &*app.clock,
        &audit.0,
        &who.0,
        project_id(id)?,
        &body.0,
        app.config.demo,
    )
    .await?;
    let location = format!("/api/v1/tenders/{}", tender.id);
    Ok(created_response(full_view(db, app, tender).await?, location))
}

/// One tender with its amendments; a draft exists only for its municipality and reviewers.
#[utoipa::path(get, operation_id = "tenders_show", path = "/api/v1/tenders/{id}", tag = "tenders",
    params(("id" = String, Path, description = "Tender id")),
    responses((status = 200, description = "The tender", body = TenderView),
        (status = 404, description = "No such tender, or a draft of another municipality", body = crate::web::api_error::ErrorBody)))]
#[rocket::get("/tenders/<id>")]
pub async fn show(
    who: MaybeUser,
    id: &str,
    db: &State<Db>,
    app: &State<AppState>,
) -> Result<Json<TenderView>, ApiError> {
    let tender = service::read(db, who.0.as_ref(), tender_id(id)?, app.clock.now()).await?;
    Ok(Json(full_view(db, app, tender).await?))
}

/// Edits a draft with a JSON merge patch of its terms (the municipality's officers).
#[utoipa::path(patch, operation_id = "tenders_patch", path = "/api/v1/tenders/{id}", tag = "tenders",
    params(("id" = String, Path, description = "Tender id")),
    request_body(content = Object, description = "A JSON merge patch of the tender's terms",
        example = json!({"timeline": {"deadline": "2027-01-12T12:00"}, "bid_security": null})),
    responses((status = 200, description = "The edited draft", body = TenderView),
        (status = 409, description = "Only a draft can be edited", body = crate::web::api_error::ErrorBody),
        (status = 422, description = "Invalid terms", body = crate::web::api_error::ErrorBody)),
    security(("bearer" = [])))]
#[rocket::patch("/tenders/<id>", data = "<body>")]
pub async fn patch(
    who: Authorized<TenderPreparers>,
    id: &str,
    body: ApiJson<Value>,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Result<Json<TenderView>, ApiError> {
    let tender = service::update(
        db,
        &*app.clock,
        &audit.0,
        &who.0,
        tender_id(id)?,
        &body.0,
        app.config.demo,
    )
    .await?;
    Ok(Json(full_view(db, app, tender).await?))
}

/// Publishes a draft (the municipality's approvers): every rule of the procedure is checked
/// and each broken one named (422); the project goes `in_tender`.
#[utoipa::path(post, operation_id = "tenders_publish", path = "/api/v1/tenders/{id}/publish", tag = "tenders",
    params(("id" = String, Path, description = "Tender id")),
    responses((status = 200, description = "The published tender", body = TenderView),
        (status = 403, description = "Not an approver of the tender's municipality", body = crate::web::api_error::ErrorBody),
        (status = 409, description = "Not a draft, or the project is no longer approved", body = crate::web::api_error::ErrorBody),
        (status = 422, description = "One field entry per broken rule", body = crate::web::api_error::ErrorBody)),
    security(("bearer" = [])))]
#[rocket::post("/tenders/<id>/publish")]
pub async fn publish(
    who: Authorized<TenderApprovers>,
    id: &str,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Result<Json<TenderView>, ApiError> {
    let tender = service::publish(
        db,
        &*app.clock,
        &audit.0,
        &who.0,
        tender_id(id)?,
        app.config.demo,
        app.config.keyring.as_deref(),
    )
    .await?;
    Ok(Json(full_view(db, app, tender).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "Уточнены требования к валидаторам", "changes": {"timeline": {"deadline": "2027-01-18T12:00", "opening": "2027-01-18T14:00"}}}))]
pub struct AmendmentRequest {
    pub reason: String,
    /// A JSON merge patch of the terms.
    #[schema(value_type = Object)]
    pub changes: Value,
}

/// Amends a published tender before its deadline (the municipality's officers and
/// approvers): a new version with its reason; a deadline too close moves by itself.
#[utoipa::path(post, operation_id = "tenders_amend", path = "/api/v1/tenders/{id}/amendments", tag = "tenders", request_body = AmendmentRequest,
    params(("id" = String, Path, description = "Tender id")),
    responses((status = 200, description = "The amended tender", body = TenderView),
        (status = 409, description = "Not published, or past its deadline", body = crate::web::api_error::ErrorBody),
        (status = 422, description = "Invalid reason or changes", body = crate::web::api_error::ErrorBody)),
    security(("bearer" = [])))]
#[rocket::post("/tenders/<id>/amendments", data = "<body>")]
pub async fn amend(
    who: Authorized<TenderStaff>,
    id: &str,
    body: ApiJson<AmendmentRequest>,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Result<Json<TenderView>, ApiError> {
    let amendment = service::Amendment {
        reason: &body.0.reason,
        patch: &body.0.changes,
    };
    let tender = service::amend(
        db,
        &*app.clock,
        &audit.0,
        &who.0,
        tender_id(id)?,
        &amendment,
        app.config.demo,
    )
    .await?;
    Ok(Json(full_view(db, app, tender).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "budget_cut", "explanation": "Решение городского кенеша № 41", "document_id": "12"}))]
pub struct CancelRequest {
    /// `no_demand`, `unfixable_defects`, `force_majeure`, `budget_cut` or `other`.
    #[schema(value_type = CancellationReason)]
    pub reason: String,
    /// Required when the reason is `other`.
    #[serde(default)]
    pub explanation: String,
    /// The project's public document recording the decision.
    #[schema(value_type = String, pattern = "^[0-9]{1,18}$")]
    pub document_id: Option<String>,
}

/// Parses a cancellation's reason and document, naming each bad one.
pub(crate) fn parse_cancel(
    reason: &str,
    document: Option<&str>,
) -> Result<(CancellationReason, Option<DocumentId>), Violations> {
    let mut v = Violations::new();
    let reason = CancellationReason::parse(reason);
    if reason.is_none() {
        v.add("reason", "code_value");
    }
    let document = match document.map(str::trim).filter(|d| !d.is_empty()) {
        None => None,
        Some(d) => {
            let parsed = d.parse::<DocumentId>().ok();
            if parsed.is_none() {
                v.add("document_id", "id");
            }
            parsed
        }
    };
    match (reason, v.is_empty()) {
        (Some(reason), true) => Ok((reason, document)),
        _ => Err(v),
    }
}

/// Cancels a tender before award (the municipality's approvers), with a reason and a public
/// document; the project returns to `approved`.
#[utoipa::path(post, operation_id = "tenders_cancel", path = "/api/v1/tenders/{id}/cancel", tag = "tenders", request_body = CancelRequest,
    params(("id" = String, Path, description = "Tender id")),
    responses((status = 200, description = "The cancelled tender", body = TenderView),
        (status = 409, description = "Already cancelled", body = crate::web::api_error::ErrorBody),
        (status = 422, description = "Invalid reason or document", body = crate::web::api_error::ErrorBody)),
    security(("bearer" = [])))]
#[rocket::post("/tenders/<id>/cancel", data = "<body>")]
pub async fn cancel(
    who: Authorized<TenderApprovers>,
    id: &str,
    body: ApiJson<CancelRequest>,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Result<Json<TenderView>, ApiError> {
    let id = tender_id(id)?;
    let (reason, document_id) =
        parse_cancel(&body.0.reason, body.0.document_id.as_deref()).map_err(|v| ApiError::validation(&v))?;
    let request = service::CancelRequest {
        reason,
        explanation: &body.0.explanation,
        document_id,
    };
    let tender = service::cancel(db, &*app.clock, &audit.0, &who.0, id, &request).await?;
    Ok(Json(full_view(db, app, tender).await?))
}

/// A tender's questions and answers, oldest first; nobody's identity.
#[utoipa::path(get, operation_id = "tender_questions", path = "/api/v1/tenders/{id}/questions", tag = "tenders",
    params(("id" = String, Path, description = "Tender id")),
    responses((status = 200, description = "Every question (one page)", body = ListPage<QuestionView>),
        (status = 404, description = "No such tender", body = crate::web::api_error::ErrorBody)))]
#[rocket::get("/tenders/<id>/questions")]
pub async fn questions(
    who: MaybeUser,
    id: &str,
    db: &State<Db>,
    app: &State<AppState>,
) -> Result<Json<ListPage<QuestionView>>, ApiError> {
    let tender = service::read(db, who.0.as_ref(), tender_id(id)?, app.clock.now()).await?;
    let items = tenders::questions(&**db, tender.id).await?;
    Ok(Json(ListPage {
        items: items.into_iter().map(QuestionView::from).collect(),
        next: None,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"question": "Допускается ли консорциум с иностранным участником?"}))]
pub struct QuestionRequest {
    pub question: String,
}

/// Asks a question until the enquiry end (companies' bidders); it is published without the
/// asker's identity.
#[utoipa::path(post, operation_id = "tender_questions_ask", path = "/api/v1/tenders/{id}/questions", tag = "tenders", request_body = QuestionRequest,
    params(("id" = String, Path, description = "Tender id")),
    responses((status = 201, description = "The question", body = QuestionView),
        (status = 409, description = "Questions are closed", body = crate::web::api_error::ErrorBody),
        (status = 422, description = "Empty or too long", body = crate::web::api_error::ErrorBody)),
    security(("bearer" = [])))]
#[rocket::post("/tenders/<id>/questions", data = "<body>")]
pub async fn ask(
    who: Authorized<Questioners>,
    id: &str,
    body: ApiJson<QuestionRequest>,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Result<(Status, Created<QuestionView>), ApiError> {
    let id = tender_id(id)?;
    let asked = service::ask(db, &*app.clock, &audit.0, &who.0, id, &body.0.question).await?;
    Ok(created_response(
        QuestionView::from(asked),
        format!("/api/v1/tenders/{id}/questions"),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"answer": "Да, при условии регистрации ведущего участника в Кыргызской Республике."}))]
pub struct AnswerRequest {
    pub answer: String,
}

/// Answers a question, once (the tender's municipality's officers and approvers).
#[utoipa::path(post, operation_id = "questions_answer", path = "/api/v1/questions/{id}/answer", tag = "tenders", request_body = AnswerRequest,
    params(("id" = String, Path, description = "Question id")),
    responses((status = 200, description = "The answered question", body = QuestionView),
        (status = 409, description = "Already answered, or the tender is not published", body = crate::web::api_error::ErrorBody),
        (status = 422, description = "Empty or too long", body = crate::web::api_error::ErrorBody)),
    security(("bearer" = [])))]
#[rocket::post("/questions/<id>/answer", data = "<body>")]
pub async fn answer(
    who: Authorized<TenderStaff>,
    id: &str,
    body: ApiJson<AnswerRequest>,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Result<Json<QuestionView>, ApiError> {
    let answered = service::answer(db, &*app.clock, &audit.0, &who.0, question_id(id)?, &body.0.answer).await?;
    Ok(Json(QuestionView::from(answered)))
}
