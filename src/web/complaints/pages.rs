//! The complaint and hold forms of the tender's page, and the reviewers' desk page.

use rocket::State;
use rocket::form::FromForm;
use rocket::fs::TempFile;
use rocket_dyn_templates::Template;
use serde_json::{Value, json};

use crate::domain::complaint::{Against, ComplaintRequest, DecisionRequest, Ruling};
use crate::services::complaints as service;
use crate::services::{ServiceError, review_hold};
use crate::storage::Db;
use crate::web::AppState;
use crate::web::auth::{Audit, Authorized, Complainants, CsrfForm, Reviewers};
use crate::web::complaints::api::complaint_id;
use crate::web::complaints::uploads::file_with_documents;
use crate::web::page::{PageContext, PageError};
use crate::web::tenders::pages::{Answer, PlainForm, answered};
use crate::web::tenders::tender_id;

#[derive(FromForm)]
pub struct ComplaintForm<'r> {
    #[field(default = String::new())]
    csrf_token: String,
    #[field(default = String::new())]
    against: String,
    #[field(default = String::new())]
    grounds: String,
    #[field(default = String::new())]
    remedy: String,
    /// The documents (browsers send an empty part when none was chosen).
    #[field(default = Vec::new())]
    file: Vec<TempFile<'r>>,
}

#[rocket::post("/tenders/<id>/complaints", data = "<form>")]
pub async fn file(
    ctx: PageContext,
    who: Authorized<Complainants>,
    id: &str,
    form: CsrfForm<ComplaintForm<'_>>,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Answer {
    let id = tender_id(id)?;
    let outcome = match Against::parse(&form.against) {
        None => Err(invalid("against", "code_value")),
        Some(against) => {
            let request = ComplaintRequest {
                against,
                grounds: form.grounds.clone(),
                remedy: form.remedy.clone(),
            };
            let files: Vec<&TempFile<'_>> = form.file.iter().filter(|f| f.len() > 0).collect();
            file_with_documents(app, db, &audit.0, &who.0, id, &request, &files).await
        }
    };
    answered(&ctx, db, app, id, "complain", "complaint-filed", outcome).await
}

fn invalid(field: &str, code: &'static str) -> ServiceError {
    let mut v = crate::domain::validation::Violations::new();
    v.add(field, code);
    ServiceError::Invalid(v)
}

#[derive(FromForm)]
pub struct DecisionForm {
    #[field(default = String::new())]
    csrf_token: String,
    #[field(default = String::new())]
    decision: String,
    #[field(default = String::new())]
    reason: String,
}

#[rocket::post("/complaints/<id>/decision", data = "<form>")]
pub async fn decide(
    ctx: PageContext,
    who: Authorized<Reviewers>,
    id: &str,
    form: CsrfForm<DecisionForm>,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Answer {
    let id = complaint_id(id)?;
    let tender = crate::storage::complaints::find(&**db, id).await?.tender_id;
    let outcome = match Ruling::parse(&form.decision) {
        None => Err(invalid("decision", "code_value")),
        Some(decision) => {
            let request = DecisionRequest {
                decision,
                reason: form.reason.clone(),
            };
            service::decide(db, &*app.clock, &audit.0, &who.0, id, &request).await
        }
    };
    let form_name = format!("decide-{id}");
    answered(&ctx, db, app, tender, &form_name, "complaint-decided", outcome).await
}

#[rocket::post("/complaints/<id>/withdraw", data = "<_form>")]
pub async fn withdraw(
    ctx: PageContext,
    who: Authorized<Complainants>,
    id: &str,
    _form: CsrfForm<PlainForm>,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Answer {
    let id = complaint_id(id)?;
    let tender = crate::storage::complaints::find(&**db, id).await?.tender_id;
    let outcome = service::withdraw(db, &*app.clock, &audit.0, &who.0, id).await;
    answered(&ctx, db, app, tender, "withdraw", "complaint-withdrawn", outcome).await
}

#[derive(FromForm)]
pub struct HoldForm {
    #[field(default = String::new())]
    csrf_token: String,
    #[field(default = String::new())]
    reason: String,
}

#[rocket::post("/tenders/<id>/hold", data = "<form>")]
pub async fn hold(
    ctx: PageContext,
    who: Authorized<Reviewers>,
    id: &str,
    form: CsrfForm<HoldForm>,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Answer {
    let id = tender_id(id)?;
    let outcome = review_hold::hold(db, &*app.clock, &audit.0, &who.0, id, &form.reason).await;
    answered(&ctx, db, app, id, "hold", "tender-held", outcome).await
}

#[rocket::post("/tenders/<id>/release", data = "<_form>")]
pub async fn release(
    ctx: PageContext,
    who: Authorized<Reviewers>,
    id: &str,
    _form: CsrfForm<PlainForm>,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Answer {
    let id = tender_id(id)?;
    let outcome = review_hold::release(db, &*app.clock, &audit.0, &who.0, id).await;
    answered(&ctx, db, app, id, "release", "tender-released", outcome).await
}

/// The reviewers' desk: every open complaint and every hold, across the municipalities.
#[rocket::get("/review")]
pub async fn desk(
    ctx: PageContext,
    who: Authorized<Reviewers>,
    db: &State<Db>,
    app: &State<AppState>,
) -> Result<Template, PageError> {
    let lang = ctx.lang;
    let now = app.clock.now();
    let (complaints, held) = service::desk(db, &who.0).await?;
    let mut titles = std::collections::BTreeMap::new();
    for c in &complaints {
        if let Ok(id) = c.tender_id.parse::<i64>()
            && !titles.contains_key(&id)
            && let Ok(t) = crate::storage::tenders::find(&**db, id).await
        {
            titles.insert(id, t.terms.title.get(lang).to_string());
        }
    }
    let complaints: Vec<Value> = complaints
        .iter()
        .map(|c| {
            json!({
                "complaint": c,
                "tender_title": c.tender_id.parse::<i64>().ok().and_then(|id| titles.get(&id)).cloned().unwrap_or_default(),
                "against_label": lang.text(&format!("complaint-against-{}", c.against.as_str())),
                "status_label": lang.text(&format!("complaint-status-{}", c.status.as_str())),
            })
        })
        .collect();
    let holds: Vec<Value> = held
        .iter()
        .map(|t| {
            json!({
                "tender_id": t.id.to_string(),
                "title": t.terms.title.get(lang),
                "status_label": lang.text(&format!("tender-status-{}", t.status(now).as_str().replace('_', "-"))),
                "reason": t.hold.as_ref().map(|h| h.reason.clone()),
                "since": t.hold.as_ref().map(|h| h.since),
                "awaiting_amendment": t.hold.as_ref().is_some_and(|h| h.complaint_id.is_some()),
            })
        })
        .collect();
    let threshold = app.config.amendment_flag_percent;
    let flagged: Vec<Value> = crate::services::contracts::flagged(db, threshold)
        .await?
        .iter()
        .map(|(c, _)| {
            json!(crate::services::contracts::ContractSummary::new(
                c,
                &app.config.ocid_prefix,
                threshold
            ))
        })
        .collect();
    Ok(ctx.render(
        "review",
        "review-title",
        json!({"complaints": complaints, "holds": holds, "flagged": flagged, "threshold": threshold}),
    ))
}

crate::web::auth::csrf_protected!(ComplaintForm<'_>, DecisionForm, HoldForm);
