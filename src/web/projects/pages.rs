//! The registry's pages: the list, a project with its actions, the inbox of private
//! initiatives, and the form that files a project.

use std::str::FromStr;

use chrono::{DateTime, Utc};
use rocket::State;
use rocket::form::FromForm;
use rocket::http::Status;
use rocket::request::FlashMessage;
use rocket::response::{Flash, Redirect};
use rocket_dyn_templates::Template;
use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::domain::access::Role;
use crate::domain::localized::LocalizedText;
use crate::domain::money::{Currency, Money};
use crate::domain::organization::OrganizationKind;
use crate::domain::policy::{self, draft_scope};
use crate::domain::project::{Action, Initiation, PaymentMechanism, PppModel, ProjectFields, Sector, Stage};
use crate::domain::validation::Violations;
use crate::services::{ServiceError, projects as service};
use crate::storage::Db;
use crate::storage::projects::{self, ProjectCursor, ProjectFilter, ProjectSort, ProjectSummary};
use crate::web::AppState;
use crate::web::account::PageWithStatus;
use crate::web::auth::{Audit, Authorized, CsrfForm, Officer, ProjectActors, ProjectStaff};
use crate::web::page::{PageContext, PageError};
use crate::web::projects::project_id;

use super::query::*;

/// Whole days from today to `due`, both as calendar days in Asia/Bishkek (negative: overdue).
pub(super) fn days_left(due: DateTime<Utc>, now: DateTime<Utc>) -> i64 {
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

pub(super) fn project_row(ctx: &PageContext, p: &ProjectSummary) -> Value {
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

#[rocket::get("/projects?<after>&<params..>")]
pub async fn list_page(
    ctx: PageContext,
    after: Option<&str>,
    params: ProjectQuery,
    db: &State<Db>,
) -> Result<Template, PageError> {
    let params = params.cleaned_like_a_form();
    // A bad filter is named on the page and the list shown unfiltered, with what was typed kept.
    let ((filter, sort), errors) = match parse_filter(&params) {
        Ok(parsed) => (parsed, None),
        Err(v) => (Default::default(), Some(ctx.field_messages(&v))),
    };
    let after = after.and_then(ProjectCursor::parse);
    let scope = draft_scope(ctx.user.as_ref());
    let mut rows = projects::list(db, &filter, scope, sort, after.as_ref(), 51).await?;
    let next = (rows.len() > 50).then(|| ProjectCursor::after(&rows[49]).to_string());
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
               "stages": ctx.options(Stage::ALL, Stage::as_str, "stage"),
               "sectors": ctx.options(Sector::ALL, Sector::as_str, "sector"),
               "models": ctx.options(PppModel::ALL, PppModel::as_str, "model"),
               "initiations": ctx.options(Initiation::ALL, Initiation::as_str, "initiation"),
               "municipalities": municipalities, "sorts": sorts}),
    ))
}

#[rocket::get("/projects/<id>", rank = 2)]
pub async fn page(
    ctx: PageContext,
    id: &str,
    flash: Option<FlashMessage<'_>>,
    db: &State<Db>,
    app: &State<AppState>,
) -> Result<Template, PageError> {
    let project = service::read(db, ctx.user.as_ref(), project_id(id)?).await?;
    let now = app.clock.now();
    let tender_filter = crate::storage::tenders::TenderFilter {
        project: Some(project.id),
        ..Default::default()
    };
    let tenders: Vec<Value> =
        crate::storage::tenders::list(db, &tender_filter, draft_scope(ctx.user.as_ref()), now, None, 50)
            .await?
            .iter()
            .map(|t| {
                let status = t.status(now);
                json!({"id": t.id.to_string(), "title": t.terms.title.get(ctx.lang), "status": status.as_str(),
                   "status_label": crate::web::tenders::pages::status_label(&ctx, status),
                   "live": t.state != crate::domain::tender::TenderState::Cancelled})
            })
            .collect();
    let timeline = projects::timeline(db, project.id).await?;
    let documents = crate::services::documents::list(db, ctx.user.as_ref(), project.id).await?;
    // The approval form names the model version the approver sees here.
    let model_version = crate::storage::financial_models::find(db.inner(), project.id, None)
        .await?
        .map(|m| m.version);
    let facts = project.facts();
    let can_upload = ctx
        .user
        .as_ref()
        .is_some_and(|w| policy::may_upload_document(w, &facts).is_allowed());
    // Offered while the project has no tender in preparation or running.
    let can_prepare_tender = ctx
        .user
        .as_ref()
        .is_some_and(|w| policy::may_prepare_tender(w, &facts).is_allowed())
        && !tenders.iter().any(|t| t["live"] == true);
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
            "model_version": model_version,
            "flash": flash,
            "documents": documents,
            "can_upload": can_upload,
            "tenders": tenders,
            "contract": crate::services::contracts::of_project(db, ctx.user.as_ref(), project.id)
                .await?
                .map(|c| json!({"id": c.contract.id.to_string(), "title": c.contract.title, "status": c.contract.status.as_str(),
                    "status_label": crate::web::contracts::pages::status_label(&ctx, c.contract.status),
                    "value": crate::domain::money::Money::new(c.contract.value, c.contract.currency),
                    "supplier": c.contract.supplier_name})),
            "can_prepare_tender": can_prepare_tender,
            "document_kinds": ctx.options(crate::domain::document::DocumentKind::ALL, crate::domain::document::DocumentKind::as_str, "document-kind"),
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
    /// The financial model version the page showed, for an approval.
    model_version: Option<i32>,
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
    let id = project_id(id)?;
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
        form.model_version,
    )
    .await
    {
        Ok(_) => Ok(Flash::success(back, "project-transition-done")),
        Err(ServiceError::Invalid(_)) => Ok(Flash::error(back, "invalid-reason-required")),
        Err(ServiceError::PreconditionFailed(_)) => Ok(Flash::error(back, "project-appraisal-incomplete")),
        Err(ServiceError::InvalidTransition { .. }) => Ok(Flash::error(back, "project-transition-invalid")),
        Err(ServiceError::Conflict(message)) => Ok(Flash::error(back, message)),
        // Cancelling a project whose tender a reviewer holds.
        Err(ServiceError::ReviewHold(_)) => Ok(Flash::error(back, "error-tender-held")),
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

pub(super) fn new_project_page(ctx: &PageContext, values: Value, errors: Option<&Violations>) -> Template {
    ctx.render(
        "project_new",
        "project-new-title",
        json!({
            "values": values,
            "errors": errors.map(|v| ctx.field_messages(v)).unwrap_or_default(),
            "sectors": ctx.options(Sector::ALL, Sector::as_str, "sector"),
            "models": ctx.options(PppModel::ALL, PppModel::as_str, "model"),
            "payments": ctx.options(PaymentMechanism::ALL, PaymentMechanism::as_str, "payment"),
        }),
    )
}

pub(super) const EMPTY_VALUES: [&str; 11] = [
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
    // The form's select sends a code; anything else is named, never read as som.
    let currency = form.currency.trim().parse::<Currency>();
    if currency.is_err() {
        v.add("currency", "code_value");
    }
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
        currency,
    ) {
        (Some(sector), Some(model), Some(payment_mechanism), Ok(amount), Ok(term_years), Ok(currency))
            if v.is_empty() =>
        {
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
                capital_cost: Money::new(amount, currency),
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
