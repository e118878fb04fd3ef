//! The forms of sealed bids on the tender's page (submit, replace, confirm, withdraw, join a
//! consortium; the chair's opening) and the printable receipt. What the page shows of the bids
//! is `panel`'s.

use rocket::State;
use rocket::form::FromForm;
use rocket::fs::TempFile;
use rocket_dyn_templates::Template;
use serde_json::json;

use crate::domain::access::Identity;
use crate::domain::bid::BidSubmission;
use crate::domain::strict_json;
use crate::services::bid_opening;
use crate::services::bids::{self as service, Intent};
use crate::services::{ServiceError, tenders as tender_service};
use crate::storage::Db;
use crate::storage::tenders::Tender;
use crate::web::AppState;
use crate::web::auth::{Audit, Authorized, BidSubmitters, CsrfForm, Openers};
use crate::web::bids::uploads::act_on_upload;
use crate::web::page::{PageContext, PageError};
use crate::web::tenders::pages::{Answer, PlainForm, answered};
use crate::web::tenders::tender_id;

#[derive(FromForm)]
pub struct BidForm<'r> {
    #[field(default = String::new())]
    csrf_token: String,
    /// `submit` or `replace`.
    #[field(default = String::new())]
    mode: String,
    #[field(default = String::new())]
    amount: String,
    /// One yearly amount per line, year 1 first.
    #[field(default = String::new())]
    yearly: String,
    #[field(default = String::new())]
    security_issuer: String,
    #[field(default = String::new())]
    security_reference: String,
    #[field(default = String::new())]
    security_amount: String,
    #[field(default = false)]
    eligible: bool,
    #[field(default = false)]
    no_collusion: bool,
    #[field(default = false)]
    accepts_terms: bool,
    /// The bid's documents; a replacement without any keeps the ones it carries.
    #[field(default = Vec::new())]
    file: Vec<TempFile<'r>>,
}

/// The submission the form states, in the tender's currency; text that is not a number is
/// named under its field.
fn submission_of(form: &BidForm<'_>, tender: &Tender) -> Result<BidSubmission, ServiceError> {
    let currency = tender
        .terms
        .criteria
        .iter()
        .find_map(|c| c.financial.as_ref())
        .map_or("KGS", |b| b.currency.code());
    let yearly: Vec<&str> = form.yearly.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    let mut offer = json!({"currency": currency});
    if !form.amount.trim().is_empty() {
        offer["amount"] = json!(form.amount.trim());
    }
    if !yearly.is_empty() {
        offer["yearly"] = json!(yearly);
    }
    let mut value = json!({
        "offer": offer,
        "declarations": {"eligible": form.eligible, "no_collusion": form.no_collusion, "accepts_terms": form.accepts_terms},
    });
    let security = [&form.security_issuer, &form.security_reference, &form.security_amount];
    if security.iter().any(|f| !f.trim().is_empty()) {
        let security_currency = tender
            .terms
            .bid_security
            .as_ref()
            .map_or(currency, |m| m.currency.code());
        value["bid_security"] = json!({
            "issuer": form.security_issuer, "reference": form.security_reference,
            "amount": {"amount": form.security_amount.trim(), "currency": security_currency},
        });
    }
    strict_json::from_value(value).map_err(|e| ServiceError::Invalid(e.violations()))
}

/// The consortium the caller's standing bid on tender `tender_id` names, if any.
async fn standing_consortium(
    db: &Db,
    who: &Identity,
    tender_id: i64,
) -> Result<Option<crate::domain::bid::Consortium>, PageError> {
    let Some(bid) = crate::storage::bids::of_party(db, tender_id, who.organization_id).await? else {
        return Ok(None);
    };
    let members = crate::storage::bids::members(db, &bid.id).await?;
    let Some(lead) = members.iter().find(|m| m.company_id == who.organization_id) else {
        return Ok(None);
    };
    Ok(Some(crate::domain::bid::Consortium {
        lead_role: lead.role.clone(),
        lead_share: lead.share,
        members: members
            .iter()
            .filter(|m| m.company_id != who.organization_id)
            .map(|m| crate::domain::bid::MemberSubmission {
                company_id: m.company_id.0.to_string(),
                role: m.role.clone(),
                share: m.share,
            })
            .collect(),
    }))
}

/// Submits or replaces the caller's bid from the tender page's form.
#[rocket::post("/tenders/<id>/bids", data = "<form>")]
#[allow(clippy::too_many_arguments)]
pub async fn submit(
    ctx: PageContext,
    who: Authorized<BidSubmitters>,
    id: &str,
    form: CsrfForm<BidForm<'_>>,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Answer {
    // The time of receipt: the form has arrived whole.
    let received_at = app.clock.now();
    let id = tender_id(id)?;
    let tender = tender_service::read(db, Some(&who.0), id, received_at).await?;
    let outcome = match submission_of(&form, &tender) {
        Ok(mut submission) => {
            // The page's form has no consortium fields: a replacement keeps the one named.
            if form.mode == "replace" {
                submission.consortium = standing_consortium(db, &who.0, id).await?;
            }
            // Browsers send an empty file part when none was chosen.
            let files: Vec<&TempFile<'_>> = form.file.iter().filter(|f| f.len() > 0).collect();
            let replacing = form.mode == "replace";
            act_on_upload(
                app,
                db,
                &audit.0,
                &who.0,
                id,
                received_at,
                &submission,
                &files,
                replacing,
            )
            .await
        }
        Err(e) => Err(e),
    };
    let done = if form.mode == "replace" {
        "bid-replaced"
    } else {
        "bid-submitted"
    };
    answered(&ctx, db, app, id, "bid", done, outcome).await
}

/// Withdraws or confirms from the page, at the time the form arrived.
#[allow(clippy::too_many_arguments)]
async fn simple(
    ctx: PageContext,
    who: &Identity,
    id: &str,
    db: &Db,
    app: &AppState,
    audit: &Audit,
    intent: Intent<'_>,
    done: &'static str,
) -> Answer {
    let received_at = app.clock.now();
    let id = tender_id(id)?;
    let keyring = app.config.keyring.as_deref();
    let outcome = service::act(db, &*app.clock, &audit.0, who, keyring, id, received_at, intent).await;
    answered(&ctx, db, app, id, "bid", done, outcome).await
}

#[rocket::post("/tenders/<id>/bids/mine/withdraw", data = "<_form>")]
#[allow(clippy::too_many_arguments)]
pub async fn withdraw(
    ctx: PageContext,
    who: Authorized<BidSubmitters>,
    id: &str,
    _form: CsrfForm<PlainForm>,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Answer {
    simple(ctx, &who.0, id, db, app, &audit, Intent::Withdraw, "bid-withdrawn").await
}

#[rocket::post("/tenders/<id>/bids/mine/confirm", data = "<_form>")]
#[allow(clippy::too_many_arguments)]
pub async fn confirm(
    ctx: PageContext,
    who: Authorized<BidSubmitters>,
    id: &str,
    _form: CsrfForm<PlainForm>,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Answer {
    simple(ctx, &who.0, id, db, app, &audit, Intent::Confirm, "bid-confirmed").await
}

/// The chair (or deputy chair) opens the bids from the tender's page.
#[rocket::post("/tenders/<id>/open", data = "<_form>")]
#[allow(clippy::too_many_arguments)]
pub async fn open(
    ctx: PageContext,
    who: Authorized<Openers>,
    id: &str,
    _form: CsrfForm<PlainForm>,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Answer {
    let id = tender_id(id)?;
    let keyring = app.config.keyring.as_deref();
    let outcome = bid_opening::open(db, &*app.clock, &audit.0, &who.0, keyring, &*app.blobs, id).await;
    answered(&ctx, db, app, id, "open", "bid-opened", outcome).await
}

/// A member company's bidder confirms its consortium membership from the tender's page.
#[rocket::post("/bids/<bid_id>/membership", data = "<_form>")]
#[allow(clippy::too_many_arguments)]
pub async fn join(
    ctx: PageContext,
    who: Authorized<BidSubmitters>,
    bid_id: &str,
    _form: CsrfForm<PlainForm>,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Answer {
    let received_at = app.clock.now();
    let known = if crate::domain::bid::is_bid_id(bid_id) {
        crate::storage::bids::find(&**db, bid_id).await.ok()
    } else {
        None
    };
    // Not invited, or no such bid: the same 404.
    let Some(bid) = known else {
        return Err(ServiceError::NotFound("bid").into());
    };
    let outcome = service::join(db, &*app.clock, &audit.0, &who.0, bid_id, received_at).await;
    answered(&ctx, db, app, bid.tender_id, "join", "bid-joined", outcome).await
}

/// The caller's latest receipt as a page to print or save.
#[rocket::get("/tenders/<id>/bids/mine/receipt")]
pub async fn receipt(
    ctx: PageContext,
    who: Authorized<BidSubmitters>,
    id: &str,
    db: &State<Db>,
    app: &State<AppState>,
) -> Result<Template, PageError> {
    let now = app.clock.now();
    let id = tender_id(id)?;
    let tender = tender_service::read(db, Some(&who.0), id, now).await?;
    let own = service::mine(db, &who.0, app.config.keyring.as_deref(), id, now).await?;
    let label = ctx
        .lang
        .text(&format!("bid-status-{}", own.status.as_str().replace('_', "-")));
    let kind = ctx.lang.text(&format!("bid-kind-{}", own.receipt.kind.as_str()));
    Ok(ctx.render(
        "bid_receipt",
        "bid-receipt-title",
        json!({
            "tender": {"id": tender.id.to_string(), "title": tender.terms.title.get(ctx.lang),
                       "ocid": crate::domain::tender::ocid(&app.config.ocid_prefix, tender.id)},
            "bid": own,
            "status_label": label,
            "kind_label": kind,
        }),
    ))
}

crate::web::auth::csrf_protected!(BidForm<'_>);
