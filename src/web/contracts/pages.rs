//! The contract pages: the list with its filters, one contract (parties, terms, milestones,
//! amendments with their cumulative change, performance against the plan with its chart,
//! documents) with the forms its staff may use, and the officer's form that drafts a contract
//! from an awarded tender. Forms post here and answer as the API does, with the page again
//! (422, each field's message) on invalid input.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rocket::State;
use rocket::form::FromForm;
use rocket::http::Status;
use rocket::request::FlashMessage;
use rocket::response::{Flash, Redirect};
use rocket_dyn_templates::Template;
use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::domain::access::Identity;
use crate::domain::calendar::parse_date;
use crate::domain::contract::{AmendmentReason, ContractStatus, MilestoneKind};
use crate::domain::contract_request::{
    AmendmentRequest, ContractRequest, Guarantee, MilestoneRequest, PerformanceRequest, PlannedMilestone, Shareholder,
    SignRequest, Signatory, SpecialPurposeCompany, TerminationRequest,
};
use crate::domain::document::DocumentVisibility;
use crate::domain::ids::DocumentId;
use crate::domain::money::{Currency, Money};
use crate::domain::policy::{self, ContractFacts};
use crate::domain::project::PaymentMechanism;
use crate::domain::validation::{Violations, is_fixed_point};
use crate::services::ServiceError;
use crate::services::contracts::{self as service, ContractSummary, local_date};
use crate::storage::Db;
use crate::web::AppState;
use crate::web::account::PageWithStatus;
use crate::web::auth::{Audit, Authorized, ContractApprovers, ContractKeepers, CsrfForm};
use crate::web::contracts::api::parse_filter;
use crate::web::contracts::chart;
use crate::web::contracts::contract_id;
use crate::web::contracts::views::ContractView;
use crate::web::page::{PageContext, PageError};
use crate::web::tenders::tender_id;

type Answer = Result<Result<Flash<Redirect>, PageWithStatus>, PageError>;

/// A contract status in the reader's language (the tender, project and dashboard pages use it
/// too).
pub(crate) fn status_label(ctx: &PageContext, status: ContractStatus) -> String {
    ctx.lang
        .text(&format!("contract-status-{}", status.as_str().replace('_', "-")))
}

/// The contracts, newest first, with the municipality and status filters.
#[rocket::get("/contracts?<municipality>&<status>")]
pub async fn list(
    ctx: PageContext,
    municipality: Option<&str>,
    status: Option<&str>,
    db: &State<Db>,
    app: &State<AppState>,
) -> Result<Template, PageError> {
    let lang = ctx.lang;
    // The form's "any" is an empty value; a filter the page cannot read shows every contract.
    let filter = parse_filter(
        municipality.filter(|v| !v.is_empty()),
        status.filter(|v| !v.is_empty()),
        None,
    )
    .unwrap_or_default();
    let rows = service::list(db, ctx.user.as_ref(), &filter, None, 200).await?;
    let items: Vec<Value> = rows
        .iter()
        .map(|c| {
            let s = ContractSummary::new(c, &app.config.ocid_prefix, app.config.amendment_flag_percent);
            json!({"contract": s, "status_label": status_label(&ctx, c.status)})
        })
        .collect();
    let municipalities = crate::storage::organizations::list_public(
        db,
        Some(crate::domain::organization::OrganizationKind::Municipality),
        None,
        200,
    )
    .await?;
    let statuses: Vec<Value> = ContractStatus::ALL
        .iter()
        .map(|s| json!({"value": s.as_str(), "label": status_label(&ctx, *s)}))
        .collect();
    Ok(ctx.render(
        "contracts",
        "contracts-title",
        json!({
            "items": items,
            "municipalities": municipalities.iter().map(|m| json!({"value": m.id.0.to_string(), "label": m.name.get(lang)})).collect::<Vec<_>>(),
            "statuses": statuses,
            "selected": {"municipality": municipality.unwrap_or(""), "status": status.unwrap_or("")},
        }),
    ))
}

#[rocket::get("/contracts/<id>")]
pub async fn show(
    ctx: PageContext,
    id: &str,
    flash: Option<FlashMessage<'_>>,
    db: &State<Db>,
    app: &State<AppState>,
) -> Result<Template, PageError> {
    let id = contract_id(id)?;
    page(&ctx, db, app, id, flash.map(|f| ctx.lang.text(f.message())), None).await
}

async fn page(
    ctx: &PageContext,
    db: &Db,
    app: &AppState,
    id: i64,
    flash: Option<String>,
    errors: Option<(&str, &Violations)>,
) -> Result<Template, PageError> {
    let lang = ctx.lang;
    let record = service::read(db, ctx.user.as_ref(), id).await?;
    let today = local_date(app.clock.now());
    let view = ContractView::new(
        &record,
        &app.config.ocid_prefix,
        app.config.amendment_flag_percent,
        today,
    );
    let facts = ContractFacts {
        municipality: record.contract.municipality_id,
        parties: &record.parties,
        status: record.contract.status,
    };
    let may = |decide: fn(&Identity, &ContractFacts) -> policy::Decision| {
        ctx.user.as_ref().is_some_and(|who| decide(who, &facts).is_allowed())
    };
    let label = |prefix: &str, code: &str| lang.text(&format!("{prefix}-{}", code.replace('_', "-")));
    let milestones: Vec<Value> = view
        .milestones
        .iter()
        .map(|m| {
            json!({"m": m, "kind_label": label("contract-milestone", m.kind.as_str()),
                   "status_label": label("contract-milestone-status", m.status.as_str())})
        })
        .collect();
    let amendments: Vec<Value> = view
        .amendments
        .iter()
        .map(|a| json!({"a": a, "reason_label": label("contract-amendment-reason", a.reason.as_str())}))
        .collect();
    let documents = if may(policy::may_amend_contract) {
        crate::services::documents::list(db, ctx.user.as_ref(), record.contract.project_id)
            .await?
            .into_iter()
            .map(|d| json!({"id": d.document_id, "title": d.title}))
            .collect()
    } else {
        Vec::new()
    };
    let (errors_of, messages) = match errors {
        Some((form, v)) => (form.to_string(), ctx.field_messages(v)),
        None => (String::new(), BTreeMap::new()),
    };
    Ok(ctx.render(
        "contract",
        "contract-title",
        json!({
            "c": view,
            "flash": flash,
            "status_label": status_label(ctx, record.contract.status),
            "mechanism_label": label("payment", record.contract.payment_mechanism.as_str()),
            "milestones": milestones,
            "open_milestones": view.milestones.iter().filter(|m| m.met_on.is_none()).map(|m| json!({"value": m.kind.as_str(), "label": label("contract-milestone", m.kind.as_str())})).collect::<Vec<_>>(),
            "amendments": amendments,
            "reasons": AmendmentReason::ALL.iter().map(|r| json!({"value": r.as_str(), "label": label("contract-amendment-reason", r.as_str())})).collect::<Vec<_>>(),
            "chart": chart::draw(&view.performance),
            "project_documents": documents,
            "today": today,
            "may": {
                "sign": may(policy::may_sign_contract),
                "keep": may(policy::may_keep_contract),
                "amend": may(policy::may_amend_contract),
            },
            "form": errors_of,
            "errors": messages,
        }),
    ))
}

/// Back to the contract with a message, or its page again with the form's errors (422).
async fn answered<T>(
    ctx: &PageContext,
    db: &Db,
    app: &AppState,
    id: i64,
    form: &str,
    done: &'static str,
    outcome: Result<T, ServiceError>,
) -> Answer {
    let back = Redirect::to(format!("/contracts/{id}"));
    match outcome {
        Ok(_) => Ok(Ok(Flash::success(back, done))),
        Err(ServiceError::Invalid(v)) => {
            let page = page(ctx, db, app, id, None, Some((form, &v))).await?;
            Ok(Err(PageWithStatus::new(Status::UnprocessableEntity, page)))
        }
        Err(ServiceError::Conflict(message)) => Ok(Ok(Flash::error(back, message))),
        Err(ServiceError::ReviewHold(_)) => Ok(Ok(Flash::error(back, "error-tender-held"))),
        Err(other) => Err(other.into()),
    }
}

/// Reads a form's date (`YYYY-MM-DD`, as a date input sends it).
fn date(v: &mut Violations, field: &str, text: &str) -> NaiveDate {
    match parse_date(text.trim()) {
        Some(d) => d,
        None => {
            v.add(field, if text.trim().is_empty() { "required" } else { "date" });
            NaiveDate::MIN
        }
    }
}

fn optional_date(v: &mut Violations, field: &str, text: &str) -> Option<NaiveDate> {
    (!text.trim().is_empty()).then(|| date(v, field, text))
}

/// Reads a form's amount or figure: digits with an optional point, nothing else.
fn number(v: &mut Violations, field: &str, text: &str) -> Decimal {
    let text = text.trim();
    match (is_fixed_point(text, 15, 4))
        .then(|| text.parse::<Decimal>().ok())
        .flatten()
    {
        Some(d) => d,
        None => {
            v.add(field, if text.is_empty() { "required" } else { "decimal" });
            Decimal::ZERO
        }
    }
}

fn optional_number(v: &mut Violations, field: &str, text: &str) -> Option<Decimal> {
    (!text.trim().is_empty()).then(|| number(v, field, text))
}

fn whole(v: &mut Violations, field: &str, text: &str) -> u32 {
    crate::domain::validation::whole_number(text.trim(), 4).unwrap_or_else(|| {
        v.add(
            field,
            if text.trim().is_empty() {
                "required"
            } else {
                "term_range"
            },
        );
        0
    })
}

/// The officer's form that drafts the contract of an awarded tender.
#[rocket::get("/tenders/<id>/contract/new")]
pub async fn new(
    ctx: PageContext,
    who: Authorized<ContractKeepers>,
    id: &str,
    db: &State<Db>,
    app: &State<AppState>,
) -> Result<Template, PageError> {
    let id = tender_id(id)?;
    draft_page(&ctx, db, app, &who.0, id, &<DraftForm as Default>::default(), None).await
}

async fn draft_page(
    ctx: &PageContext,
    db: &Db,
    app: &AppState,
    who: &Identity,
    id: i64,
    form: &DraftForm,
    errors: Option<&Violations>,
) -> Result<Template, PageError> {
    let lang = ctx.lang;
    let tender = crate::services::tenders::read(db, Some(who), id, app.clock.now()).await?;
    crate::services::permit(
        policy::may_draft_contract(who, &tender.facts(app.clock.now())),
        "tender",
    )?;
    let documents: Vec<Value> = crate::services::documents::list(db, Some(who), tender.project_id)
        .await?
        .into_iter()
        .map(|d| {
            json!({"id": d.document_id, "title": d.title, "internal": d.visibility == DocumentVisibility::Internal,
                   "checked": form.documents.contains(&d.document_id)})
        })
        .collect();
    let kinds: Vec<Value> = MilestoneKind::ALL
        .iter()
        .filter(|k| **k != MilestoneKind::Expiry)
        .map(|k| json!({"value": k.as_str(), "label": lang.text(&format!("contract-milestone-{}", k.as_str().replace('_', "-")))}))
        .collect();
    Ok(ctx.render(
        "contract_new",
        "contract-new-title",
        json!({
            "tender_id": id.to_string(),
            "tender_title": tender.terms.title.get(lang),
            "documents": documents,
            "kinds": kinds,
            "mechanisms": PaymentMechanism::ALL.iter().map(|m| json!({"value": m.as_str(), "label": lang.text(&format!("payment-{}", m.as_str().replace('_', "-")))})).collect::<Vec<_>>(),
            "values": form,
            "errors": errors.map(|v| ctx.field_messages(v)).unwrap_or_default(),
        }),
    ))
}

#[derive(FromForm, Default, serde::Serialize)]
pub struct DraftForm {
    #[field(default = String::new())]
    #[serde(skip)]
    csrf_token: String,
    #[field(default = String::new())]
    title: String,
    #[field(default = String::new())]
    value: String,
    #[field(default = String::new())]
    currency: String,
    #[field(default = String::new())]
    term_months: String,
    #[field(default = String::new())]
    start_date: String,
    #[field(default = String::new())]
    payment_mechanism: String,
    #[field(default = String::new())]
    spv_company_id: String,
    /// One shareholder a line: `company id: share` (`3: 60`).
    #[field(default = String::new())]
    spv_shareholders: String,
    #[field(default = String::new())]
    municipality_signatory: String,
    #[field(default = String::new())]
    municipality_signatory_position: String,
    #[field(default = String::new())]
    supplier_signatory: String,
    #[field(default = String::new())]
    supplier_signatory_position: String,
    #[field(default = String::new())]
    guarantee_issuer: String,
    #[field(default = String::new())]
    guarantee_reference: String,
    #[field(default = String::new())]
    guarantee_amount: String,
    #[field(default = String::new())]
    guarantee_valid_until: String,
    /// Planned dates by milestone kind.
    #[field(default = BTreeMap::new())]
    planned: BTreeMap<String, String>,
    #[field(default = Vec::new())]
    documents: Vec<String>,
}

impl DraftForm {
    fn request(&self, v: &mut Violations) -> ContractRequest {
        let currency: Currency = match self.currency.trim() {
            "" => Currency::default(),
            code => code.parse().unwrap_or_else(|_| {
                v.add("value.currency", "code_value");
                Currency::default()
            }),
        };
        let spv = (!self.spv_company_id.trim().is_empty()).then(|| SpecialPurposeCompany {
            company_id: self.spv_company_id.trim().to_string(),
            shareholders: self
                .spv_shareholders
                .lines()
                .filter(|l| !l.trim().is_empty())
                .enumerate()
                .map(|(i, line)| {
                    let (company, share) = line.split_once(':').unwrap_or((line, ""));
                    Shareholder {
                        company_id: company.trim().to_string(),
                        share: number(v, &format!("spv.shareholders.{i}.share"), share),
                    }
                })
                .collect(),
        });
        let milestones = MilestoneKind::ALL
            .iter()
            .filter_map(|k| {
                let text = self.planned.get(k.as_str()).map(String::as_str).unwrap_or("");
                optional_date(v, &format!("planned.{}", k.as_str()), text)
                    .map(|planned_on| PlannedMilestone { kind: *k, planned_on })
            })
            .collect();
        let mechanism = PaymentMechanism::parse(&self.payment_mechanism).unwrap_or_else(|| {
            v.add("payment_mechanism", "code_value");
            PaymentMechanism::Availability
        });
        let documents = self
            .documents
            .iter()
            .enumerate()
            .filter_map(|(i, d)| match crate::domain::ids::parse_id(d) {
                Some(id) => Some(DocumentId(id)),
                None => {
                    v.add(format!("documents.{i}"), "id");
                    None
                }
            })
            .collect();
        ContractRequest {
            title: self.title.clone(),
            value: Money::new(number(v, "value.amount", &self.value), currency),
            term_months: whole(v, "term_months", &self.term_months),
            start_date: date(v, "start_date", &self.start_date),
            payment_mechanism: mechanism,
            spv,
            municipality_signatory: Signatory {
                name: self.municipality_signatory.clone(),
                position: self.municipality_signatory_position.clone(),
            },
            supplier_signatory: Signatory {
                name: self.supplier_signatory.clone(),
                position: self.supplier_signatory_position.clone(),
            },
            guarantee: Guarantee {
                issuer: self.guarantee_issuer.clone(),
                reference: self.guarantee_reference.clone(),
                amount: Money::new(number(v, "guarantee.amount.amount", &self.guarantee_amount), currency),
                valid_until: date(v, "guarantee.valid_until", &self.guarantee_valid_until),
            },
            documents,
            milestones,
        }
    }
}

#[rocket::post("/tenders/<id>/contract", data = "<form>")]
pub async fn draft(
    ctx: PageContext,
    who: Authorized<ContractKeepers>,
    id: &str,
    form: CsrfForm<DraftForm>,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Answer {
    let id = tender_id(id)?;
    let mut v = Violations::new();
    let request = form.request(&mut v);
    let outcome = if v.is_empty() {
        service::draft(db, &*app.clock, &audit.0, &who.0, id, &request).await
    } else {
        // The form's own reading errors, and every rule the rest breaks, at once.
        v.merge(request.violations());
        Err(ServiceError::Invalid(v))
    };
    match outcome {
        Ok(contract) => Ok(Ok(Flash::success(
            Redirect::to(format!("/contracts/{contract}")),
            "contract-drafted",
        ))),
        Err(ServiceError::Invalid(v)) => {
            let page = draft_page(&ctx, db, app, &who.0, id, &form, Some(&v)).await?;
            Ok(Err(PageWithStatus::new(Status::UnprocessableEntity, page)))
        }
        Err(ServiceError::Conflict(message)) => Ok(Ok(Flash::error(Redirect::to(format!("/tenders/{id}")), message))),
        Err(other) => Err(other.into()),
    }
}

#[derive(FromForm)]
pub struct SignForm {
    #[field(default = String::new())]
    csrf_token: String,
    #[field(default = String::new())]
    signed_on: String,
}

#[rocket::post("/contracts/<id>/sign", data = "<form>")]
pub async fn sign(
    ctx: PageContext,
    who: Authorized<ContractApprovers>,
    id: &str,
    form: CsrfForm<SignForm>,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Answer {
    let id = contract_id(id)?;
    let mut v = Violations::new();
    let request = SignRequest {
        signed_on: date(&mut v, "signed_on", &form.signed_on),
    };
    let outcome = match v.is_empty() {
        true => service::sign(db, &*app.clock, &audit.0, &who.0, id, &request).await,
        false => Err(ServiceError::Invalid(v)),
    };
    answered(&ctx, db, app, id, "sign", "contract-signed", outcome).await
}

#[derive(FromForm)]
pub struct MilestoneForm {
    #[field(default = String::new())]
    csrf_token: String,
    #[field(default = String::new())]
    kind: String,
    #[field(default = String::new())]
    planned_on: String,
    #[field(default = String::new())]
    met_on: String,
    #[field(default = String::new())]
    note: String,
}

#[rocket::post("/contracts/<id>/milestones", data = "<form>")]
pub async fn milestone(
    ctx: PageContext,
    who: Authorized<ContractKeepers>,
    id: &str,
    form: CsrfForm<MilestoneForm>,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Answer {
    let id = contract_id(id)?;
    let mut v = Violations::new();
    let kind = MilestoneKind::parse(&form.kind);
    if kind.is_none() {
        v.add("kind", "code_value");
    }
    let request = MilestoneRequest {
        planned_on: optional_date(&mut v, "planned_on", &form.planned_on),
        met_on: optional_date(&mut v, "met_on", &form.met_on),
        note: form.note.clone(),
    };
    let outcome = match kind {
        Some(kind) if v.is_empty() => service::milestone(db, &*app.clock, &audit.0, &who.0, id, kind, &request).await,
        _ => Err(ServiceError::Invalid(v)),
    };
    answered(&ctx, db, app, id, "milestone", "contract-milestone-recorded", outcome).await
}

#[derive(FromForm)]
pub struct AmendmentForm {
    #[field(default = String::new())]
    csrf_token: String,
    #[field(default = String::new())]
    reason: String,
    #[field(default = String::new())]
    description: String,
    #[field(default = String::new())]
    agreed_on: String,
    #[field(default = String::new())]
    value: String,
    #[field(default = String::new())]
    term_months: String,
    #[field(default = String::new())]
    document_id: String,
}

#[rocket::post("/contracts/<id>/amendments", data = "<form>")]
pub async fn amend(
    ctx: PageContext,
    who: Authorized<ContractApprovers>,
    id: &str,
    form: CsrfForm<AmendmentForm>,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Answer {
    let id = contract_id(id)?;
    let mut v = Violations::new();
    let reason = AmendmentReason::parse(&form.reason).unwrap_or_else(|| {
        v.add("reason", "code_value");
        AmendmentReason::Other
    });
    let request = AmendmentRequest {
        reason,
        description: form.description.clone(),
        agreed_on: date(&mut v, "agreed_on", &form.agreed_on),
        value: optional_number(&mut v, "value", &form.value),
        term_months: (!form.term_months.trim().is_empty()).then(|| whole(&mut v, "term_months", &form.term_months)),
        document_id: match form.document_id.trim() {
            "" => None,
            text => match crate::domain::ids::parse_id(text) {
                Some(id) => Some(DocumentId(id)),
                None => {
                    v.add("document_id", "id");
                    None
                }
            },
        },
    };
    let outcome = match v.is_empty() {
        true => {
            let threshold = app.config.amendment_flag_percent;
            service::amend(db, &*app.clock, &audit.0, &who.0, id, &request, threshold).await
        }
        false => Err(ServiceError::Invalid(v)),
    };
    answered(&ctx, db, app, id, "amend", "contract-amended", outcome).await
}

#[derive(FromForm)]
pub struct PerformanceForm {
    #[field(default = String::new())]
    csrf_token: String,
    #[field(default = String::new())]
    period: String,
    #[field(default = String::new())]
    paid: String,
    #[field(default = String::new())]
    deductions: String,
    #[field(default = String::new())]
    tariff: String,
    #[field(default = String::new())]
    demand: String,
    #[field(default = String::new())]
    note: String,
}

#[rocket::post("/contracts/<id>/performance", data = "<form>")]
pub async fn performance(
    ctx: PageContext,
    who: Authorized<ContractKeepers>,
    id: &str,
    form: CsrfForm<PerformanceForm>,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Answer {
    let id = contract_id(id)?;
    let mut v = Violations::new();
    let request = PerformanceRequest {
        period: form.period.trim().to_string(),
        paid: number(&mut v, "paid", &form.paid),
        deductions: optional_number(&mut v, "deductions", &form.deductions).unwrap_or_default(),
        tariff: optional_number(&mut v, "tariff", &form.tariff),
        demand: optional_number(&mut v, "demand", &form.demand),
        note: form.note.clone(),
    };
    let outcome = match v.is_empty() {
        true => service::record_performance(db, &*app.clock, &audit.0, &who.0, id, &request).await,
        false => Err(ServiceError::Invalid(v)),
    };
    answered(
        &ctx,
        db,
        app,
        id,
        "performance",
        "contract-performance-recorded",
        outcome,
    )
    .await
}

#[derive(FromForm)]
pub struct TerminationForm {
    #[field(default = String::new())]
    csrf_token: String,
    #[field(default = String::new())]
    reason: String,
    #[field(default = String::new())]
    ended_on: String,
    #[field(default = String::new())]
    payment: String,
}

#[rocket::post("/contracts/<id>/terminate", data = "<form>")]
pub async fn terminate(
    ctx: PageContext,
    who: Authorized<ContractApprovers>,
    id: &str,
    form: CsrfForm<TerminationForm>,
    db: &State<Db>,
    app: &State<AppState>,
    audit: Audit,
) -> Answer {
    let id = contract_id(id)?;
    let mut v = Violations::new();
    let request = TerminationRequest {
        reason: form.reason.clone(),
        ended_on: date(&mut v, "ended_on", &form.ended_on),
        payment: optional_number(&mut v, "payment", &form.payment),
    };
    let outcome = match v.is_empty() {
        true => service::terminate(db, &*app.clock, &audit.0, &who.0, id, &request).await,
        false => Err(ServiceError::Invalid(v)),
    };
    answered(&ctx, db, app, id, "terminate", "contract-terminated", outcome).await
}

crate::web::auth::csrf_protected!(
    DraftForm,
    SignForm,
    MilestoneForm,
    AmendmentForm,
    PerformanceForm,
    TerminationForm
);
