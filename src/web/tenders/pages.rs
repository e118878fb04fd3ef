//! Tender notices as pages: the public list and notice (timeline in Asia/Bishkek with the time
//! left, questions and answers, amendments with their differences), and the forms of the
//! municipality (prepare, edit, publish, amend, answer, cancel) and of bidders (ask).

use chrono::{DateTime, Utc};
use rocket::State;
use rocket::form::FromForm;
use rocket::http::Status;
use rocket::request::FlashMessage;
use rocket::response::{Flash, Redirect};
use rocket_dyn_templates::Template;
use serde_json::{Map, Value, json};

use crate::domain::document::DocumentVisibility;
use crate::domain::organization::OrganizationKind;
use crate::domain::policy::{self, draft_scope};
use crate::domain::procedure::Procedure;
use crate::domain::strict_json;
use crate::domain::tender::{Better, CancellationReason, FinancialFigure, TenderStatus, TenderTerms, ocid};
use crate::domain::validation::Violations;
use crate::services::{ServiceError, tenders as service};
use crate::storage::tenders::{self, Tender};
use crate::storage::{Db, organizations};
use crate::web::AppState;
use crate::web::account::PageWithStatus;
use crate::web::auth::{Audit, Authorized, CsrfForm, Questioners, TenderApprovers, TenderPreparers, TenderStaff};
use crate::web::page::{PageContext, PageError};
use crate::web::projects::project_id;

use super::api::{parse_cancel, parse_filter};
use super::form::{TenderForm, on_form, values_of, without_nulls};
use super::{question_id, tender_id};

/// "12 d 4 h" (or "35 min") from `now` until `until`; `None` once it has passed.
fn time_left(ctx: &PageContext, until: DateTime<Utc>, now: DateTime<Utc>) -> Option<String> {
    let left = until - now;
    if left <= chrono::Duration::zero() {
        return None;
    }
    let (days, hours, minutes) = (left.num_days(), left.num_hours() % 24, left.num_minutes() % 60);
    let args = [
        ("days", days.to_string()),
        ("hours", hours.to_string()),
        ("minutes", minutes.to_string()),
    ];
    Some(if days > 0 {
        ctx.lang.text_with("tender-left-days", &args)
    } else {
        ctx.lang.text_with("tender-left-hours", &args)
    })
}

/// A tender status in the reader's language (the project page's list of tenders uses it too).
pub(crate) fn status_label(ctx: &PageContext, status: TenderStatus) -> String {
    ctx.lang
        .text(&format!("tender-status-{}", status.as_str().replace('_', "-")))
}

/// The next instant the tender waits for, with its label.
fn next_milestone(t: &Tender, status: TenderStatus) -> Option<(&'static str, DateTime<Utc>)> {
    let timeline = t.timeline()?;
    match status {
        TenderStatus::ActiveEnquiries => Some(("tender-enquiry-end", timeline.enquiry_end)),
        TenderStatus::ActiveTendering => Some(("tender-deadline", timeline.deadline)),
        TenderStatus::Closed => Some(("tender-opening", timeline.opening)),
        TenderStatus::Draft
        | TenderStatus::Cancelled
        | TenderStatus::Evaluation
        | TenderStatus::Standstill
        | TenderStatus::Awarded
        | TenderStatus::Complete
        | TenderStatus::Unsuccessful => None,
    }
}

/// A tender as a row of a list.
pub(crate) fn row(ctx: &PageContext, t: &Tender, now: DateTime<Utc>) -> Value {
    let status = t.status(now);
    let next = next_milestone(t, status)
        .map(|(label, at)| json!({"label": ctx.lang.text(label), "at": at, "left": time_left(ctx, at, now)}));
    json!({
        "id": t.id.to_string(),
        "title": t.terms.title.get(ctx.lang),
        "status": status.as_str(),
        "status_label": status_label(ctx, status),
        "deadline": t.terms.timeline.deadline,
        "next": next,
        "project_id": t.project_id.to_string(),
    })
}

/// Public tender notices, newest first, filtered by status.
#[rocket::get("/tenders?<status>&<municipality>&<after>")]
pub async fn list_page(
    ctx: PageContext,
    status: Option<&str>,
    municipality: Option<&str>,
    after: Option<&str>,
    db: &State<Db>,
    app: &State<AppState>,
) -> Result<Template, PageError> {
    // The form's "any" is an empty value.
    let (status, municipality) = (status.filter(|s| !s.is_empty()), municipality.filter(|s| !s.is_empty()));
    let filter = parse_filter(status, municipality, None).map_err(|_| PageError::new(Status::UnprocessableEntity))?;
    let after = match after.filter(|a| !a.is_empty()) {
        None => None,
        Some(a) => Some(crate::domain::ids::parse_id(a).ok_or(PageError::new(Status::UnprocessableEntity))?),
    };
    let now = app.clock.now();
    let mut rows = tenders::list(db, &filter, draft_scope(ctx.user.as_ref()), now, after, 51).await?;
    let more = rows.len() > 50;
    rows.truncate(50);
    let next = if more {
        rows.last().map(|t| t.id.to_string())
    } else {
        None
    };
    let municipalities: Vec<Value> = organizations::list_public(db, Some(OrganizationKind::Municipality), None, 200)
        .await?
        .iter()
        .map(|m| json!({"value": m.id.to_string(), "label": m.name.get(ctx.lang)}))
        .collect();
    let items: Vec<Value> = rows.iter().map(|t| row(&ctx, t, now)).collect();
    Ok(ctx.render(
        "tenders",
        "tenders-title",
        json!({"items": items, "next": next,
               "statuses": ctx.options(TenderStatus::ALL, TenderStatus::as_str, "tender-status"),
               "municipalities": municipalities,
               "values": {"status": status.unwrap_or(""), "municipality": municipality.unwrap_or("")}}),
    ))
}

/// What the viewer may do on a tender's page.
fn offered(ctx: &PageContext, t: &Tender, now: DateTime<Utc>) -> Value {
    let facts = t.facts(now);
    let may = |decision: fn(&crate::domain::access::Identity, &policy::TenderFacts) -> policy::Decision| {
        ctx.user.as_ref().is_some_and(|w| decision(w, &facts).is_allowed())
    };
    json!({
        "edit": may(policy::may_edit_tender),
        "publish": may(policy::may_publish_tender),
        "amend": may(policy::may_amend_tender),
        "ask": may(policy::may_ask_question),
        "answer": may(policy::may_answer_question),
        "cancel": may(policy::may_cancel_tender),
    })
}

/// The notice: terms, timeline and time left, documents, questions, amendments.
#[rocket::get("/tenders/<id>")]
pub async fn page(
    ctx: PageContext,
    id: &str,
    flash: Option<FlashMessage<'_>>,
    db: &State<Db>,
    app: &State<AppState>,
) -> Result<Template, PageError> {
    let now = app.clock.now();
    let tender = service::read(db, ctx.user.as_ref(), tender_id(id)?, now).await?;
    notice(
        &ctx,
        db,
        app,
        tender,
        now,
        flash.map(|f| ctx.lang.text(f.message())),
        None,
    )
    .await
}

/// Renders the notice, with `errors` of a form that was refused.
async fn notice(
    ctx: &PageContext,
    db: &Db,
    app: &AppState,
    tender: Tender,
    now: DateTime<Utc>,
    flash: Option<String>,
    errors: Option<(&str, &Violations)>,
) -> Result<Template, PageError> {
    let lang = ctx.lang;
    let questions = tenders::questions(db, tender.id).await?;
    let versions = tenders::versions(db, tender.id).await?;
    let municipality = organizations::find(db, tender.municipality_id).await?;
    let documents = crate::services::documents::list(db, ctx.user.as_ref(), tender.project_id).await?;
    let named: Vec<&crate::storage::documents::DocumentVersion> = documents
        .iter()
        .filter(|d| tender.terms.documents.iter().any(|n| n.to_string() == d.document_id))
        .collect();
    let public_documents: Vec<Value> = documents
        .iter()
        .filter(|d| d.visibility == DocumentVisibility::Public)
        .map(|d| json!({"id": d.document_id, "title": d.title}))
        .collect();
    let timeline = tender.timeline().map(|t| {
        json!({
            "enquiry_end": {"at": t.enquiry_end, "left": time_left(ctx, t.enquiry_end, now)},
            "deadline": {"at": t.deadline, "left": time_left(ctx, t.deadline, now)},
            "opening": {"at": t.opening, "left": time_left(ctx, t.opening, now)},
        })
    });
    // The steps after the opening; the evaluation's once the standstill publishes them.
    let mut steps: Vec<Value> = Vec::new();
    if let Some(at) = tender.opened_at {
        steps.push(json!({"label": lang.text("tender-step-opened"), "at": at}));
    }
    if matches!(
        tender.status(now),
        TenderStatus::Standstill | TenderStatus::Awarded | TenderStatus::Complete | TenderStatus::Unsuccessful
    ) && let Some(c) = crate::storage::evaluation::closing(db, tender.id).await?
    {
        steps.push(json!({"label": lang.text("tender-step-scoring-closed"), "at": c.closed_at}));
        if let Some(at) = c.proposed_at {
            steps.push(json!({"label": lang.text("tender-step-award-proposed"), "at": at}));
        }
        if let Some(at) = c.confirmed_at {
            steps.push(json!({"label": lang.text("tender-step-standstill"), "at": at}));
        }
    }
    let criteria: Vec<Value> = tender
        .terms
        .criteria
        .iter()
        .map(|c| {
            let financial = c.financial.as_ref().map(|f| {
                json!({
                    "figure": lang.text(&format!("tender-figure-{}", f.figure.as_str().replace('_', "-"))),
                    "unit": f.unit,
                    "currency": f.currency.code(),
                    "better": lang.text(&format!("tender-better-{}", f.better.as_str())),
                    "discount_rate": f.discount_rate.map(|r| r.to_string()),
                })
            });
            json!({"name": c.name.get(lang), "weight": c.weight, "financial": financial})
        })
        .collect();
    let amendments: Vec<Value> = versions
        .iter()
        .filter(|v| v.version > 1)
        .map(|v| {
            let empty = Map::new();
            let before = v.changes["before"].as_object().unwrap_or(&empty);
            let after = v.changes["after"].as_object().unwrap_or(&empty);
            let fields: Vec<Value> = after
                .iter()
                .map(|(field, new)| {
                    json!({"field": field, "before": shown(before.get(field)), "after": shown(Some(new))})
                })
                .collect();
            json!({"version": v.version, "at": v.at, "reason": v.reason, "fields": fields})
        })
        .collect();
    let rules = Procedure::of(tender.terms.procedure).map(|p| {
        json!({"tendering_min": p.tendering_min.days, "tendering_max": p.tendering_max.days,
               "enquiry_cutoff": p.enquiry_cutoff.days, "amendment_min": p.amendment_min_remaining.days,
               "standstill": p.standstill.days})
    });
    let cancellation = tender.cancellation.as_ref().map(|c| {
        json!({"reason": lang.text(&format!("tender-reason-{}", c.reason.as_str().replace('_', "-"))),
               "explanation": c.explanation, "at": c.at,
               "document": c.document_id.and_then(|d| documents.iter().find(|v| v.document_id == d.to_string()))})
    });
    let reasons = ctx.options(CancellationReason::ALL, CancellationReason::as_str, "tender-reason");
    let (error_form, error_messages) = match errors {
        Some((form, v)) => (Some(form), ctx.field_messages(v)),
        None => (None, Default::default()),
    };
    Ok(ctx.render(
        "tender",
        "tender-title",
        json!({
            "row": row(ctx, &tender, now),
            "ocid": ocid(&app.config.ocid_prefix, tender.id),
            "version": tender.version,
            "municipality": municipality.name.get(lang),
            "description": tender.terms.description,
            "qualification_requirements": tender.terms.qualification_requirements,
            "criteria": criteria,
            "bid_security": tender.terms.bid_security,
            "accelerator": tender.terms.accelerator,
            "timeline": timeline,
            "steps": steps,
            "rules": rules,
            "documents": named,
            "public_documents": public_documents,
            "questions": questions.iter().map(|q| json!({"id": q.id.to_string(), "question": q.question,
                "asked_at": q.asked_at, "answer": q.answer, "answered_at": q.answered_at})).collect::<Vec<_>>(),
            "amendments": amendments,
            "cancellation": cancellation,
            "reasons": reasons,
            "may": offered(ctx, &tender, now),
            "bids": crate::web::bids::panel::panel(ctx, db, app, &tender, now).await?,
            "complaints": crate::web::complaints::panel::panel(ctx, db, &tender, now).await?,
            "contract": crate::services::contracts::of_tender(db, ctx.user.as_ref(), tender.id)
                .await?
                .map(|c| json!({"id": c.contract.id.to_string(), "status": c.contract.status.as_str(),
                    "status_label": crate::web::contracts::pages::status_label(ctx, c.contract.status)})),
            "may_draft_contract": ctx.user.as_ref().is_some_and(|who| policy::may_draft_contract(who, &tender.facts(now)).is_allowed()),
            "flash": flash,
            "error_form": error_form,
            "errors": error_messages,
        }),
    ))
}

/// A changed term as the notice shows it: text as is, anything else as compact JSON.
fn shown(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => "—".to_string(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

/// The preparation form, new (`action` the project's) or editing a draft, with the project's
/// public documents to choose the tender documentation from.
async fn form_page(
    ctx: &PageContext,
    db: &Db,
    action: String,
    project_id: i64,
    values: Value,
    errors: Option<&Violations>,
) -> Result<Template, PageError> {
    let documents: Vec<Value> = crate::services::documents::list(db, ctx.user.as_ref(), project_id)
        .await?
        .into_iter()
        .filter(|d| d.visibility == DocumentVisibility::Public)
        .map(|d| json!({"id": d.document_id, "title": d.title, "filename": d.filename}))
        .collect();
    // Every row the template reads is there: the financial criterion's, and two blank
    // technical rows beyond those already filled.
    let mut values = values;
    if !values["financial"]["criterion"].is_object() {
        values["financial"]["criterion"] = json!({});
    }
    let mut rows = values["technical"].as_array().cloned().unwrap_or_default();
    rows.extend([json!({}), json!({})]);
    values["technical"] = Value::Array(rows);
    Ok(ctx.render(
        "tender_form",
        "tender-form-title",
        json!({
            "action": action,
            "project_id": project_id.to_string(),
            "values": values,
            "errors": errors.map(|v| ctx.field_messages(v)).unwrap_or_default(),
            "figures": ctx.options(FinancialFigure::ALL, FinancialFigure::as_str, "tender-figure"),
            "better": ctx.options(Better::ALL, Better::as_str, "tender-better"),
            "documents": documents,
        }),
    ))
}

/// The form that prepares a tender for an approved project.
#[rocket::get("/projects/<id>/tenders/new")]
pub async fn new_form(
    ctx: PageContext,
    who: Authorized<TenderPreparers>,
    id: &str,
    db: &State<Db>,
) -> Result<Template, PageError> {
    let project = crate::services::projects::read(db, Some(&who.0), project_id(id)?).await?;
    crate::services::permit(policy::may_prepare_tender(&who.0, &project.facts()), "project")?;
    let title = &project.fields.title;
    let values = json!({"title_ru": title.ru, "title_ky": title.ky, "title_en": title.en,
        "description": project.fields.description,
        "financial": {"criterion": {"weight": "60"}, "currency": "KGS"}, "bid_security_currency": "KGS",
        "technical": [{"weight": "40"}]});
    form_page(
        &ctx,
        db,
        format!("/projects/{}/tenders", project.id),
        project.id,
        values,
        None,
    )
    .await
}

#[rocket::post("/projects/<id>/tenders", data = "<form>")]
pub async fn create_form(
    ctx: PageContext,
    who: Authorized<TenderPreparers>,
    id: &str,
    form: CsrfForm<TenderForm>,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Result<Result<Redirect, PageWithStatus>, PageError> {
    let project = crate::services::projects::read(db, Some(&who.0), project_id(id)?).await?;
    // Refused before the form is read: another city hall's officer learns nothing from it.
    crate::services::permit(policy::may_prepare_tender(&who.0, &project.facts()), "project")?;
    let (patch, origins) = form.patch();
    let outcome = match strict_json::from_value::<TenderTerms>(without_nulls(patch)) {
        Ok(terms) => service::create(db, &*app.clock, &audit.0, &who.0, project.id, &terms, app.config.demo).await,
        Err(e) => Err(ServiceError::Invalid(e.violations())),
    };
    match outcome {
        Ok(tender) => Ok(Ok(Redirect::to(format!("/tenders/{}", tender.id)))),
        Err(ServiceError::Invalid(v)) => {
            let action = format!("/projects/{}/tenders", project.id);
            let page = form_page(
                &ctx,
                db,
                action,
                project.id,
                form.values(),
                Some(&on_form(&v, &origins)),
            )
            .await?;
            Ok(Err(PageWithStatus::new(Status::UnprocessableEntity, page)))
        }
        Err(e) => Err(e.into()),
    }
}

/// The form that edits a draft.
#[rocket::get("/tenders/<id>/edit")]
pub async fn edit_form(
    ctx: PageContext,
    who: Authorized<TenderPreparers>,
    id: &str,
    db: &State<Db>,
    app: &State<AppState>,
) -> Result<Template, PageError> {
    let now = app.clock.now();
    let tender = service::read(db, Some(&who.0), tender_id(id)?, now).await?;
    crate::services::permit(policy::may_edit_tender(&who.0, &tender.facts(now)), "tender")?;
    let action = format!("/tenders/{}/edit", tender.id);
    form_page(&ctx, db, action, tender.project_id, values_of(&tender.terms), None).await
}

#[rocket::post("/tenders/<id>/edit", data = "<form>")]
#[allow(clippy::too_many_arguments)]
pub async fn edit(
    ctx: PageContext,
    who: Authorized<TenderPreparers>,
    id: &str,
    form: CsrfForm<TenderForm>,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Result<Result<Redirect, PageWithStatus>, PageError> {
    let id = tender_id(id)?;
    let (patch, origins) = form.patch();
    match service::update(db, &*app.clock, &audit.0, &who.0, id, &patch, app.config.demo).await {
        Ok(tender) => Ok(Ok(Redirect::to(format!("/tenders/{}", tender.id)))),
        Err(ServiceError::Invalid(v)) => {
            let project = tenders::find(&**db, id).await?.project_id;
            let action = format!("/tenders/{id}/edit");
            let page = form_page(&ctx, db, action, project, form.values(), Some(&on_form(&v, &origins))).await?;
            Ok(Err(PageWithStatus::new(Status::UnprocessableEntity, page)))
        }
        Err(e) => Err(e.into()),
    }
}

/// A refusal shown on the notice: the form's fields with their messages (422), or a message
/// for a state that does not allow it.
/// What a form on the notice answers: back to the notice with `done`; or, refused, the notice
/// again with the form's fields and their messages (422), or back with a message for a state
/// that does not allow it.
pub(crate) type Answer = Result<Result<Flash<Redirect>, PageWithStatus>, PageError>;

#[allow(clippy::too_many_arguments)]
pub(crate) async fn answered<T>(
    ctx: &PageContext,
    db: &Db,
    app: &AppState,
    id: i64,
    form: &str,
    done: &'static str,
    outcome: Result<T, ServiceError>,
) -> Answer {
    let back = Redirect::to(format!("/tenders/{id}"));
    match outcome {
        Ok(_) => Ok(Ok(Flash::success(back, done))),
        Err(ServiceError::Invalid(v)) => {
            let now = app.clock.now();
            let tender = service::read(db, ctx.user.as_ref(), id, now).await?;
            let page = notice(ctx, db, app, tender, now, None, Some((form, &v))).await?;
            Ok(Err(PageWithStatus::new(Status::UnprocessableEntity, page)))
        }
        Err(ServiceError::Conflict(message)) => Ok(Ok(Flash::error(back, message))),
        Err(ServiceError::DeadlinePassed) => Ok(Ok(Flash::error(back, "error-deadline-passed"))),
        Err(ServiceError::Sealed) => Ok(Ok(Flash::error(back, "error-sealed"))),
        Err(ServiceError::ReviewHold(_)) => Ok(Ok(Flash::error(back, "error-tender-held"))),
        Err(ServiceError::KeyMissing(_)) => Ok(Ok(Flash::error(back, "error-sealing-key-missing"))),
        Err(ServiceError::UnsupportedMediaType) => Ok(Ok(Flash::error(back, "error-unsupported-media-type"))),
        Err(ServiceError::TooLarge) => Ok(Ok(Flash::error(back, "error-payload-too-large"))),
        Err(other) => Err(other.into()),
    }
}

#[derive(FromForm)]
pub struct PlainForm {
    #[field(default = String::new())]
    csrf_token: String,
}

#[rocket::post("/tenders/<id>/publish", data = "<_form>")]
pub async fn publish(
    ctx: PageContext,
    who: Authorized<TenderApprovers>,
    id: &str,
    _form: CsrfForm<PlainForm>,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Answer {
    let id = tender_id(id)?;
    let outcome = service::publish(
        db,
        &*app.clock,
        &audit.0,
        &who.0,
        id,
        app.config.demo,
        app.config.keyring.as_deref(),
    )
    .await;
    answered(&ctx, db, app, id, "publish", "tender-published", outcome).await
}

#[derive(FromForm)]
pub struct AmendForm {
    #[field(default = String::new())]
    csrf_token: String,
    #[field(default = String::new())]
    reason: String,
    #[field(default = String::new())]
    description: String,
    #[field(default = String::new())]
    qualification_requirements: String,
    #[field(default = String::new())]
    enquiry_end: String,
    #[field(default = String::new())]
    deadline: String,
    #[field(default = String::new())]
    opening: String,
}

#[rocket::post("/tenders/<id>/amend", data = "<form>")]
#[allow(clippy::too_many_arguments)]
pub async fn amend(
    ctx: PageContext,
    who: Authorized<TenderStaff>,
    id: &str,
    form: CsrfForm<AmendForm>,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Answer {
    let id = tender_id(id)?;
    // Only what the form fills in changes.
    let mut changes = Map::new();
    if !form.description.trim().is_empty() {
        changes.insert("description".into(), Value::from(form.description.trim()));
    }
    let requirements: Vec<&str> = form
        .qualification_requirements
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    if !requirements.is_empty() {
        changes.insert("qualification_requirements".into(), json!(requirements));
    }
    let mut timeline = Map::new();
    for (field, value) in [
        ("enquiry_end", &form.enquiry_end),
        ("deadline", &form.deadline),
        ("opening", &form.opening),
    ] {
        if !value.trim().is_empty() {
            timeline.insert(field.into(), Value::from(value.trim()));
        }
    }
    if !timeline.is_empty() {
        changes.insert("timeline".into(), Value::Object(timeline));
    }
    let amendment = service::Amendment {
        reason: &form.reason,
        patch: &Value::Object(changes),
    };
    // The form's fields are the changes' own (`deadline`, not `changes.timeline.deadline`).
    let outcome = service::amend(db, &*app.clock, &audit.0, &who.0, id, &amendment, app.config.demo)
        .await
        .map_err(|e| match e {
            ServiceError::Invalid(v) => {
                let mut shown = Violations::new();
                for (field, codes) in v.fields() {
                    let field = field
                        .strip_prefix("changes.timeline.")
                        .or(field.strip_prefix("changes."))
                        .unwrap_or(field);
                    for code in codes {
                        shown.add(field.split('.').next().unwrap_or(field), code);
                    }
                }
                ServiceError::Invalid(shown)
            }
            other => other,
        });
    answered(&ctx, db, app, id, "amend", "tender-amended", outcome).await
}

#[derive(FromForm)]
pub struct CancelForm {
    #[field(default = String::new())]
    csrf_token: String,
    #[field(default = String::new())]
    reason: String,
    #[field(default = String::new())]
    explanation: String,
    #[field(default = String::new())]
    document_id: String,
}

#[rocket::post("/tenders/<id>/cancel", data = "<form>")]
#[allow(clippy::too_many_arguments)]
pub async fn cancel(
    ctx: PageContext,
    who: Authorized<TenderApprovers>,
    id: &str,
    form: CsrfForm<CancelForm>,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Answer {
    let id = tender_id(id)?;
    let outcome = match parse_cancel(form.reason.trim(), Some(form.document_id.as_str())) {
        Ok((reason, document_id)) => {
            let request = service::CancelRequest {
                reason,
                explanation: &form.explanation,
                document_id,
            };
            service::cancel(db, &*app.clock, &audit.0, &who.0, id, &request).await
        }
        Err(v) => Err(ServiceError::Invalid(v)),
    };
    answered(&ctx, db, app, id, "cancel", "tender-cancelled", outcome).await
}

#[derive(FromForm)]
pub struct QuestionForm {
    #[field(default = String::new())]
    csrf_token: String,
    #[field(default = String::new())]
    question: String,
}

#[rocket::post("/tenders/<id>/questions", data = "<form>")]
#[allow(clippy::too_many_arguments)]
pub async fn ask(
    ctx: PageContext,
    who: Authorized<Questioners>,
    id: &str,
    form: CsrfForm<QuestionForm>,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Answer {
    let id = tender_id(id)?;
    let outcome = service::ask(db, &*app.clock, &audit.0, &who.0, id, &form.question).await;
    answered(&ctx, db, app, id, "ask", "tender-question-asked", outcome).await
}

#[derive(FromForm)]
pub struct AnswerForm {
    #[field(default = String::new())]
    csrf_token: String,
    #[field(default = String::new())]
    answer: String,
}

#[rocket::post("/questions/<id>/answer", data = "<form>")]
#[allow(clippy::too_many_arguments)]
pub async fn answer(
    ctx: PageContext,
    who: Authorized<TenderStaff>,
    id: &str,
    form: CsrfForm<AnswerForm>,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Answer {
    let question = question_id(id)?;
    let tender = tenders::find_question(&**db, question).await?.tender_id;
    let outcome = service::answer(db, &*app.clock, &audit.0, &who.0, question, &form.answer).await;
    let form_name = format!("answer-{question}");
    answered(&ctx, db, app, tender, &form_name, "tender-answered", outcome).await
}

crate::web::auth::csrf_protected!(PlainForm, AmendForm, CancelForm, QuestionForm, AnswerForm);
