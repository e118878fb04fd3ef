//! The evaluation report as a page (and printable), with the forms of whoever may act: a
//! member's declaration, the acting chair's findings, a member's scores, the closing, the
//! proposal, and the approver's confirmation.

use std::collections::HashMap;

use rocket::State;
use rocket::form::FromForm;
use rocket::http::Status;
use rocket::request::FlashMessage;
use rocket::response::{Flash, Redirect};
use rocket_dyn_templates::Template;
use serde_json::{Value, json};

use crate::domain::access::Identity;
use crate::domain::commission::{DeclarationRequest, Finding, PartyDeclaration, Qualification, Scores, UnmetReason};
use crate::domain::money::round_places;
use crate::domain::policy::{self, Seat};
use crate::domain::validation::Violations;
use crate::services::evaluation as service;
use crate::services::{ServiceError, award_proposal, bids as bid_service, tenders as tender_service};
use crate::storage::Db;
use crate::web::AppState;
use crate::web::account::PageWithStatus;
use crate::web::auth::{Audit, Authorized, CsrfForm, Decliners, Evaluators, SignedIn, TenderApprovers};
use crate::web::page::{PageContext, PageError};
use crate::web::tenders::pages::{Answer, PlainForm};
use crate::web::tenders::tender_id;

/// A decimal string of the report shown to `places` (half away from zero).
fn shown(value: &Value, places: u32) -> Value {
    value
        .as_str()
        .and_then(|s| s.parse::<rust_decimal::Decimal>().ok())
        .map_or(Value::Null, |d| json!(round_places(d, places).to_string()))
}

/// The report with the figures a reader sees (rounded copies beside the exact ones).
fn displayed(mut report: Value, ctx: &PageContext) -> Value {
    if let Some(bids) = report["bids"].as_array_mut() {
        for b in bids {
            b["offer_value_shown"] = shown(&b["offer_value"], 2);
            b["financial_points_shown"] = shown(&b["financial_points"], 2);
            if let Some(technical) = b["technical"].as_array_mut() {
                for t in technical {
                    t["average_shown"] = shown(&t["average"], 2);
                    t["points_shown"] = shown(&t["points"], 2);
                }
            }
            if let Some(findings) = b["findings"].as_array_mut() {
                for f in findings {
                    if let Some(reason) = f["reason"].as_str() {
                        f["reason_label"] = json!(ctx.lang.text(&format!("unmet-{}", reason.replace('_', "-"))));
                    }
                }
            }
        }
    }
    if let Some(members) = report["members"].as_array_mut() {
        for m in members {
            let role = m["role"].as_str().unwrap_or("member").replace('_', "-");
            m["role_label"] = json!(ctx.lang.text(&format!("evaluation-role-{role}")));
        }
    }
    if let Some(pending) = report["pending"].as_array_mut() {
        for p in pending {
            let code = p["code"].as_str().unwrap_or_default().replace('_', "-");
            p["label"] = json!(ctx.lang.text(&format!("evaluation-pending-{code}")));
        }
    }
    report
}

/// The companies of the protocol's bidding parties, for the declaration form.
async fn companies(db: &Db, app: &AppState, who: &Identity, id: i64) -> Result<Vec<Value>, ServiceError> {
    let protocol = bid_service::protocol(
        db,
        Some(who),
        &crate::domain::audit::AuditContext::system(),
        &*app.clock,
        id,
    )
    .await?;
    let mut out = Vec::new();
    for b in protocol.bids {
        out.push(json!({"id": b.bidding_party.lead.id, "name": b.bidding_party.lead.name}));
        for m in b.bidding_party.members {
            out.push(json!({"id": m.id, "name": m.name}));
        }
    }
    Ok(out)
}

/// The evaluation page for `who`; `errors` are a refused form's (name, violations).
#[allow(clippy::too_many_arguments)]
async fn render(
    ctx: &PageContext,
    db: &Db,
    app: &AppState,
    audit: &Audit,
    who: &Identity,
    id: i64,
    print: bool,
    flash: Option<String>,
    errors: Option<(&str, &str, &Violations)>,
) -> Result<Template, PageError> {
    let now = app.clock.now();
    let tender = tender_service::read(db, Some(who), id, now).await?;
    let seat = crate::services::commission::seat(db, &tender, who).await?;
    let (evaluation, refusal) = match service::read(db, &*app.clock, &audit.0, who, id).await {
        Ok(e) => (Some(e), None),
        Err(ServiceError::Refused(message)) => (None, Some(message)),
        Err(e) => return Err(e.into()),
    };
    let facts = tender.facts(now);
    let closed = evaluation.as_ref().is_some_and(|e| e.scoring == "closed");
    let proposal = evaluation.as_ref().and_then(|e| e.award_proposal.clone());
    let report = evaluation.as_ref().map(|e| displayed(e.report.clone(), ctx));
    let may_declare = policy::may_declare(who, &facts, seat).is_allowed();
    let may_score = policy::may_score(who, &facts, seat, closed).is_allowed();
    let may_qualify = policy::may_chair_evaluation(who, &facts, seat, closed, false).is_allowed();
    let may_propose = policy::may_chair_evaluation(who, &facts, seat, closed, true).is_allowed() && proposal.is_none();
    let may_confirm = proposal.as_ref().is_some_and(|p| p.confirmed_at.is_none())
        && policy::may_confirm_award_proposal(who, &facts).is_allowed();
    let may_award = proposal.as_ref().is_some_and(|p| {
        crate::domain::award::award_refusal(now, p.standstill_ends_at, tender.award_suspended).is_none()
    }) && tender.hold.is_none()
        && policy::may_award(who, &facts).is_allowed();
    // The winner's own bidder may decline (the approver records a decline through the API,
    // with the winner's letter as a document).
    let winner_lead = evaluation.as_ref().and_then(|e| {
        let proposed = &e.award_proposal.as_ref()?.bid_id;
        e.report["bids"]
            .as_array()?
            .iter()
            .find(|b| b["bid_id"].as_str() == Some(proposed.as_str()))?["bidding_party"]["lead"]["id"]
            .as_str()
            .map(str::to_string)
    });
    let may_decline = winner_lead.is_some_and(|lead| lead == who.organization_id.0.to_string())
        && who.has_any_role(policy::BIDDERS)
        && matches!(
            facts.status,
            crate::domain::tender::TenderStatus::Standstill | crate::domain::tender::TenderStatus::Awarded
        );
    let me = who.user_id.0.to_string();
    let errors = errors.map(|(form, bid, v)| {
        let fields: serde_json::Map<String, Value> = v
            .fields()
            .map(|(field, codes)| {
                let messages: Vec<String> = codes
                    .iter()
                    .map(|c| ctx.lang.text(&format!("invalid-{}", c.replace('_', "-"))))
                    .collect();
                (field.to_string(), json!(messages))
            })
            .collect();
        json!({"form": form, "bid": bid, "fields": fields})
    });
    Ok(ctx.render(
        "evaluation",
        "evaluation-title",
        json!({
            "tender": {"id": tender.id.to_string(), "title": tender.terms.title.get(ctx.lang),
                       "status": tender.status(now).as_str(),
                       "status_label": ctx.lang.text(&format!("tender-status-{}", tender.status(now).as_str().replace('_', "-")))},
            "evaluation": evaluation,
            "report": report,
            "refusal": refusal.map(|m| ctx.lang.text(m)),
            "companies": if may_declare { companies(db, app, who, id).await? } else { vec![] },
            "criteria_names": tender.terms.criteria.iter().map(|c| c.name.get(ctx.lang)).collect::<Vec<_>>(),
            "reasons": UnmetReason::ALL.iter().map(|r| json!({"code": r.as_str(),
                "label": ctx.lang.text(&format!("unmet-{}", r.as_str().replace('_', "-")))})).collect::<Vec<_>>(),
            "me": me,
            "seat_label": ctx.lang.text(seat_key(seat)),
            "flash": flash,
            "may": {"declare": may_declare, "score": may_score, "qualify": may_qualify,
                    "propose": may_propose, "confirm": may_confirm, "award": may_award, "decline": may_decline},
            "print": print,
            "errors": errors,
        }),
    ))
}

/// The evaluation report, with the forms of whoever may act.
#[rocket::get("/tenders/<id>/evaluation?<print>")]
#[allow(clippy::too_many_arguments)]
pub async fn page(
    ctx: PageContext,
    who: SignedIn,
    id: &str,
    print: Option<bool>,
    flash: Option<FlashMessage<'_>>,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Result<Template, PageError> {
    let id = tender_id(id)?;
    let flash = flash.map(|f| ctx.lang.text(f.message()));
    render(&ctx, db, app, &audit, &who.0, id, print.unwrap_or(false), flash, None).await
}

/// What a form of the evaluation page answers: back to the page with `done`; refused, the
/// page again with the form's messages (422), or back with the refusal's message.
#[allow(clippy::too_many_arguments)]
async fn answered<T>(
    ctx: &PageContext,
    db: &Db,
    app: &AppState,
    audit: &Audit,
    who: &Identity,
    id: i64,
    form: (&str, &str),
    done: &'static str,
    outcome: Result<T, ServiceError>,
) -> Answer {
    let back = Redirect::to(format!("/tenders/{id}/evaluation"));
    match outcome {
        Ok(_) => Ok(Ok(Flash::success(back, done))),
        Err(ServiceError::Invalid(v)) => {
            let page = render(ctx, db, app, audit, who, id, false, None, Some((form.0, form.1, &v))).await?;
            Ok(Err(PageWithStatus::new(Status::UnprocessableEntity, page)))
        }
        Err(ServiceError::Conflict(message) | ServiceError::Refused(message)) => Ok(Ok(Flash::error(back, message))),
        Err(ServiceError::PreconditionFailed(_)) => Ok(Ok(Flash::error(back, "evaluation-incomplete"))),
        Err(ServiceError::NotTopRanked(_)) => Ok(Ok(Flash::error(back, "evaluation-not-top-ranked"))),
        Err(ServiceError::ReviewHold(_)) => Ok(Ok(Flash::error(back, "error-tender-held"))),
        Err(other) => Err(other.into()),
    }
}

#[derive(FromForm)]
pub struct DeclarationForm {
    #[field(default = String::new())]
    csrf_token: String,
    /// `conflict[<company id>]` for each company the member has a conflict with.
    #[field(default = HashMap::new())]
    conflict: HashMap<String, bool>,
    #[field(default = String::new())]
    explanation: String,
}

#[rocket::post("/tenders/<id>/declarations", data = "<form>")]
#[allow(clippy::too_many_arguments)]
pub async fn declare(
    ctx: PageContext,
    who: Authorized<Evaluators>,
    id: &str,
    form: CsrfForm<DeclarationForm>,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Answer {
    let id = tender_id(id)?;
    let parties = companies(db, app, &who.0, id)
        .await?
        .into_iter()
        .filter_map(|c| c["id"].as_str().map(str::to_string))
        .map(|company_id| PartyDeclaration {
            conflict: form.conflict.get(&company_id).copied().unwrap_or(false),
            company_id,
        })
        .collect();
    let request = DeclarationRequest {
        parties,
        explanation: form.explanation.clone(),
    };
    let outcome = service::declare(db, &*app.clock, &audit.0, &who.0, id, &request).await;
    answered(
        &ctx,
        db,
        app,
        &audit,
        &who.0,
        id,
        ("declare", ""),
        "evaluation-declared",
        outcome,
    )
    .await
}

#[derive(FromForm)]
pub struct QualificationForm {
    #[field(default = String::new())]
    csrf_token: String,
    /// `met[<requirement>]`: `yes` or `no`.
    #[field(default = HashMap::new())]
    met: HashMap<usize, String>,
    #[field(default = HashMap::new())]
    reason: HashMap<usize, String>,
    #[field(default = HashMap::new())]
    note: HashMap<usize, String>,
}

#[rocket::post("/tenders/<id>/bids/<bid_id>/qualification", data = "<form>")]
#[allow(clippy::too_many_arguments)]
pub async fn qualify(
    ctx: PageContext,
    who: Authorized<Evaluators>,
    id: &str,
    bid_id: &str,
    form: CsrfForm<QualificationForm>,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Answer {
    let id = tender_id(id)?;
    let bid = crate::web::bids::api::bid_id(bid_id)?;
    let mut requirements: Vec<usize> = form.met.keys().copied().collect();
    requirements.sort_unstable();
    let findings = requirements
        .into_iter()
        .map(|requirement| Finding {
            requirement,
            met: form.met.get(&requirement).is_some_and(|m| m == "yes"),
            reason: form.reason.get(&requirement).and_then(|r| UnmetReason::parse(r)),
            note: form.note.get(&requirement).cloned().unwrap_or_default(),
        })
        .collect();
    let qualification = Qualification { findings };
    let outcome = service::qualify(db, &*app.clock, &audit.0, &who.0, id, bid, &qualification).await;
    answered(
        &ctx,
        db,
        app,
        &audit,
        &who.0,
        id,
        ("qualify", bid),
        "evaluation-findings-recorded",
        outcome,
    )
    .await
}

#[derive(FromForm)]
pub struct ScoresForm {
    #[field(default = String::new())]
    csrf_token: String,
    /// `score[<criterion>]`.
    #[field(default = HashMap::new())]
    score: HashMap<String, String>,
}

#[rocket::post("/tenders/<id>/bids/<bid_id>/scores", data = "<form>")]
#[allow(clippy::too_many_arguments)]
pub async fn score(
    ctx: PageContext,
    who: Authorized<Evaluators>,
    id: &str,
    bid_id: &str,
    form: CsrfForm<ScoresForm>,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Answer {
    let id = tender_id(id)?;
    let bid = crate::web::bids::api::bid_id(bid_id)?;
    let mut v = Violations::new();
    let mut scores = std::collections::BTreeMap::new();
    for (criterion, text) in &form.score {
        match text.trim().replace(',', ".").parse::<rust_decimal::Decimal>() {
            Ok(score) if crate::domain::validation::is_fixed_point(&text.trim().replace(',', "."), 3, 2) => {
                scores.insert(criterion.clone(), score);
            }
            _ => v.add(format!("scores.{criterion}"), "score_range"),
        }
    }
    let outcome = if v.is_empty() {
        service::score(db, &*app.clock, &audit.0, &who.0, id, bid, &Scores { scores }).await
    } else {
        Err(ServiceError::Invalid(v))
    };
    answered(
        &ctx,
        db,
        app,
        &audit,
        &who.0,
        id,
        ("score", bid),
        "evaluation-scored",
        outcome,
    )
    .await
}

#[rocket::post("/tenders/<id>/scoring/close", data = "<_form>")]
pub async fn close(
    ctx: PageContext,
    who: Authorized<Evaluators>,
    id: &str,
    _form: CsrfForm<PlainForm>,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Answer {
    let id = tender_id(id)?;
    let outcome = service::close_scoring(db, &*app.clock, &audit.0, &who.0, id).await;
    answered(
        &ctx,
        db,
        app,
        &audit,
        &who.0,
        id,
        ("close", ""),
        "evaluation-closed",
        outcome,
    )
    .await
}

#[derive(FromForm)]
pub struct ProposalForm {
    #[field(default = String::new())]
    csrf_token: String,
    #[field(default = String::new())]
    bid_id: String,
}

#[rocket::post("/tenders/<id>/award-proposal", data = "<form>")]
#[allow(clippy::too_many_arguments)]
pub async fn propose(
    ctx: PageContext,
    who: Authorized<Evaluators>,
    id: &str,
    form: CsrfForm<ProposalForm>,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Answer {
    let id = tender_id(id)?;
    let outcome = award_proposal::propose(db, &*app.clock, &audit.0, &who.0, id, &form.bid_id).await;
    answered(
        &ctx,
        db,
        app,
        &audit,
        &who.0,
        id,
        ("propose", ""),
        "evaluation-proposed",
        outcome,
    )
    .await
}

#[rocket::post("/tenders/<id>/award-proposal/confirm", data = "<_form>")]
pub async fn confirm(
    ctx: PageContext,
    who: Authorized<TenderApprovers>,
    id: &str,
    _form: CsrfForm<PlainForm>,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Answer {
    let id = tender_id(id)?;
    let outcome = award_proposal::confirm(db, &*app.clock, &audit.0, &who.0, id).await;
    answered(
        &ctx,
        db,
        app,
        &audit,
        &who.0,
        id,
        ("confirm", ""),
        "evaluation-confirmed",
        outcome,
    )
    .await
}

#[rocket::post("/tenders/<id>/award", data = "<_form>")]
pub async fn award(
    ctx: PageContext,
    who: Authorized<TenderApprovers>,
    id: &str,
    _form: CsrfForm<PlainForm>,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Answer {
    let id = tender_id(id)?;
    let outcome = crate::services::award::award(db, &*app.clock, &audit.0, &who.0, id).await;
    answered(
        &ctx,
        db,
        app,
        &audit,
        &who.0,
        id,
        ("award", ""),
        "evaluation-awarded",
        outcome,
    )
    .await
}

/// The winner's bidder declines the award from the report page.
#[rocket::post("/bids/<bid_id>/decline", data = "<_form>")]
#[allow(clippy::too_many_arguments)]
pub async fn decline(
    ctx: PageContext,
    who: Authorized<Decliners>,
    bid_id: &str,
    _form: CsrfForm<PlainForm>,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Answer {
    let bid = crate::web::bids::api::bid_id(bid_id)?;
    let tender = crate::storage::bids::find(&**db, bid)
        .await
        .map_err(ServiceError::from)?
        .tender_id;
    let outcome = crate::services::award::decline(db, &*app.clock, &audit.0, &who.0, bid, None).await;
    if outcome.is_ok() {
        // The report may no longer be the bidder's to read (an unsuccessful tender's): the
        // tender's page says what followed.
        return Ok(Ok(Flash::success(
            Redirect::to(format!("/tenders/{tender}")),
            "evaluation-declined",
        )));
    }
    answered(
        &ctx,
        db,
        app,
        &audit,
        &who.0,
        tender,
        ("decline", bid),
        "evaluation-declined",
        outcome,
    )
    .await
}

/// Where the viewer stands, in words.
fn seat_key(seat: Seat) -> &'static str {
    match seat {
        Seat::NotMember => "evaluation-seat-none",
        Seat::Undeclared => "evaluation-seat-undeclared",
        Seat::Withdrawn => "evaluation-seat-withdrawn",
        Seat::Seated => "evaluation-seat-seated",
        Seat::ActingChair => "evaluation-seat-acting-chair",
    }
}

crate::web::auth::csrf_protected!(DeclarationForm, QualificationForm, ScoresForm, ProposalForm);
