//! Contracts after the award (domain.md section 3, "Contract"): the officer drafts the contract
//! from the awarded tender (the winner's offer and model frozen with it), the approver records
//! the signing (tender `complete`, project `contracted`, bid securities released), the officer
//! records milestones (service start: project `in_operation`; expiry: `completed`) and quarterly
//! performance, the approver records amendments (each a version; the cumulative change against
//! the signed contract flagged beyond the configured threshold) and an early termination.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::json;

use crate::clock::Clock;
use crate::domain::access::Identity;
use crate::domain::audit::{AuditContext, NewEvent};
use crate::domain::bid::{BidStatus, Offer, canonical_json, sha256_hex};
use crate::domain::contract::{
    ContractStatus, CumulativeChange, MilestoneKind, MilestoneRefusal, MilestoneStatus, PeriodPayments, Quarter,
    after_milestone, expiry, milestone_refusal, milestone_status, payment_variance, planned_payment,
};
use crate::domain::contract_request::{
    AmendmentRequest, ContractRequest, MilestoneRequest, PerformanceRequest, SignRequest, Signatory, TerminationRequest,
};
use crate::domain::document::DocumentVisibility;
use crate::domain::ids::{OrgId, parse_id};
use crate::domain::money::{Currency, Money};
use crate::domain::organization::{OrganizationKind, OrganizationStatus};
use crate::domain::policy::{self, ContractFacts};
use crate::domain::project::Stage;
use crate::domain::tender::{DEADLINE_ZONE, TenderPhase, TenderStatus};
use crate::domain::validation::Violations;
use crate::services::project_moves::move_project;
use crate::services::unit_of_work;
use crate::services::{ServiceError, permit};
use crate::storage::contracts::{self as store, Amendment, Contract, ContractFilter, Milestone, Performance};
use crate::storage::unit_of_work::UnitOfWork;
use crate::storage::{Db, bids, documents, evaluation, organizations, projects, tenders};

/// The date of `at` in Asia/Bishkek: contract dates are the municipality's calendar dates.
pub fn local_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&DEADLINE_ZONE).date_naive()
}

/// A contract with everything recorded about it, as the caller may see it.
#[derive(Debug, Clone)]
pub struct ContractRecord {
    pub contract: Contract,
    pub parties: Vec<OrgId>,
    pub shareholders: Vec<store::ShareholderRow>,
    pub documents: Vec<store::ContractDocument>,
    pub milestones: Vec<Milestone>,
    pub amendments: Vec<Amendment>,
    pub performance: Vec<Performance>,
    /// Whether the caller is one of the contract's insiders (the municipality, its parties,
    /// reviewers): they see the agreed model.
    pub insider: bool,
    /// The amendments' documents the caller may open (public ones; internal ones for the
    /// municipality and the reviewers, as the project's documents are).
    pub amendment_documents: Vec<i64>,
}

fn facts<'a>(contract: &Contract, parties: &'a [OrgId]) -> ContractFacts<'a> {
    ContractFacts {
        municipality: contract.municipality_id,
        parties,
        status: contract.status,
    }
}

async fn record(db: &Db, contract: Contract, who: Option<&Identity>) -> Result<ContractRecord, ServiceError> {
    let id = contract.id;
    let parties = store::parties(db, id).await?;
    let f = facts(&contract, &parties);
    if !policy::may_read_contract(who, &f) {
        return Err(ServiceError::NotFound("contract"));
    }
    let insider = policy::is_contract_insider(who, &f);
    // Documents marked internal open only where the project's own rule opens them (its
    // municipality, the reviewers): a list never names what its reader cannot download.
    let internal = policy::may_see_internal_contract_documents(who, &f);
    let mut documents = store::documents(db, id).await?;
    if !internal {
        documents.retain(|d| d.visibility == DocumentVisibility::Public);
    }
    let amendments = store::amendments(db, id).await?;
    let mut amendment_documents = Vec::new();
    for document in amendments.iter().filter_map(|a| a.document_id) {
        let seen = match crate::storage::documents::visibility(db, contract.project_id, document).await? {
            Some(DocumentVisibility::Public) => true,
            Some(DocumentVisibility::Internal) => internal,
            None => false,
        };
        if seen {
            amendment_documents.push(document);
        }
    }
    Ok(ContractRecord {
        shareholders: store::shareholders(db, id).await?,
        milestones: store::milestones(db, id).await?,
        amendments,
        amendment_documents,
        performance: store::performance(db, id).await?,
        documents,
        parties,
        insider,
        contract,
    })
}

/// One contract as `who` may see it (404 for a draft they may not see).
pub async fn read(db: &Db, who: Option<&Identity>, id: i64) -> Result<ContractRecord, ServiceError> {
    let contract = store::find(db, id).await?;
    record(db, contract, who).await
}

/// The project's contract, when there is one `who` may see.
pub async fn of_project(
    db: &Db,
    who: Option<&Identity>,
    project_id: i64,
) -> Result<Option<ContractRecord>, ServiceError> {
    visible(db, who, store::of_project(db, project_id).await?).await
}

/// `contract` with its record, when `who` may see it.
async fn visible(
    db: &Db,
    who: Option<&Identity>,
    contract: Option<Contract>,
) -> Result<Option<ContractRecord>, ServiceError> {
    match contract {
        None => Ok(None),
        Some(contract) => match record(db, contract, who).await {
            Ok(r) => Ok(Some(r)),
            Err(ServiceError::NotFound(_)) => Ok(None),
            Err(e) => Err(e),
        },
    }
}

/// The tender's live contract, when there is one `who` may see.
pub async fn of_tender(
    db: &Db,
    who: Option<&Identity>,
    tender_id: i64,
) -> Result<Option<ContractRecord>, ServiceError> {
    visible(db, who, store::of_tender(db, tender_id).await?).await
}

/// Contracts newest first as `who` may see them (keyset pages by id).
pub async fn list(
    db: &Db,
    who: Option<&Identity>,
    filter: &ContractFilter,
    after: Option<i64>,
    limit: i64,
) -> Result<Vec<Contract>, ServiceError> {
    Ok(store::list(db, filter, policy::contract_scope(who), after, limit).await?)
}

/// Contracts whose amendments moved the value or the term beyond `threshold` percent (the
/// reviewers' desk), newest first.
pub async fn flagged(db: &Db, threshold: Decimal) -> Result<Vec<(Contract, Cumulative)>, ServiceError> {
    let mut out = Vec::new();
    for contract in store::amended(db, 200).await? {
        let c = Cumulative::of(&contract, threshold);
        if c.flagged {
            out.push((contract, c));
        }
    }
    Ok(out)
}

/// The cumulative change of a contract's amendments against the signed contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Cumulative {
    #[schema(value_type = Object)]
    pub value: CumulativeChange,
    #[schema(value_type = Object)]
    pub term_months: CumulativeChange,
    /// The threshold in percent (configuration `amendment_flag_percent`).
    #[schema(value_type = String)]
    pub threshold_percent: Decimal,
    /// Whether the value or the term moved beyond the threshold.
    pub flagged: bool,
}

impl Cumulative {
    pub fn between(signed: (Decimal, u32), current: (Decimal, u32), threshold: Decimal) -> Self {
        let value = CumulativeChange::between(signed.0, current.0);
        let term_months = CumulativeChange::between(Decimal::from(signed.1), Decimal::from(current.1));
        Self {
            value,
            term_months,
            threshold_percent: threshold,
            flagged: value.beyond(threshold) || term_months.beyond(threshold),
        }
    }

    pub fn of(c: &Contract, threshold: Decimal) -> Self {
        Self::between(
            (c.signed_value, c.signed_term_months),
            (c.value, c.term_months),
            threshold,
        )
    }
}

/// The yearly payments of the agreed offer and their currency (none for a tariff or a fee).
pub fn agreed_payments(contract: &Contract) -> (Vec<Decimal>, Currency) {
    serde_json::from_str::<serde_json::Value>(&contract.agreed_model)
        .ok()
        .and_then(|v| serde_json::from_value::<Offer>(v.get("offer")?.clone()).ok())
        .map_or((Vec::new(), contract.currency), |offer| (offer.yearly, offer.currency))
}

/// One quarter compared with the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct QuarterView {
    pub period: String,
    /// What the agreed model planned to pay (none before service or without yearly payments).
    #[schema(value_type = Option<String>)]
    pub planned: Option<Decimal>,
    #[schema(value_type = String)]
    pub paid: Decimal,
    #[schema(value_type = String)]
    pub deductions: Decimal,
    #[schema(value_type = Option<String>)]
    pub tariff: Option<Decimal>,
    #[schema(value_type = Option<String>)]
    pub demand: Option<Decimal>,
    /// `paid - planned`.
    #[schema(value_type = Option<String>)]
    pub variance: Option<Decimal>,
    pub note: String,
}

/// The quarters compared with the plan, and the totals over the quarters that have a plan.
pub fn quarters(
    contract: &Contract,
    milestones: &[Milestone],
    records: &[Performance],
) -> (Vec<QuarterView>, Option<VarianceView>) {
    let (yearly, currency) = agreed_payments(contract);
    let service_start = milestones
        .iter()
        .find(|m| m.kind == MilestoneKind::ServiceStart)
        .and_then(|m| m.met_on);
    let mut compared = Vec::new();
    let views = records
        .iter()
        .map(|p| {
            let planned = service_start
                .zip(Quarter::parse(&p.period))
                .and_then(|(start, q)| planned_payment(&yearly, start, q, currency));
            if let Some(planned) = planned {
                compared.push(PeriodPayments {
                    planned,
                    actual: p.paid,
                });
            }
            QuarterView {
                period: p.period.clone(),
                planned,
                paid: p.paid,
                deductions: p.deductions,
                tariff: p.tariff,
                demand: p.demand,
                variance: planned.map(|planned| p.paid - planned),
                note: p.note.clone(),
            }
        })
        .collect();
    let totals = (!compared.is_empty())
        .then(|| payment_variance(&compared))
        .flatten()
        .map(|v| VarianceView {
            planned: v.planned_total,
            paid: v.actual_total,
            variance: v.total,
        });
    (views, totals)
}

/// Totals of payments against the plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct VarianceView {
    #[schema(value_type = String)]
    pub planned: Decimal,
    #[schema(value_type = String)]
    pub paid: Decimal,
    #[schema(value_type = String)]
    pub variance: Decimal,
}

/// A milestone's status at `today`.
pub fn status_of(m: &Milestone, today: NaiveDate) -> MilestoneStatus {
    milestone_status(m.planned_on, m.met_on, today)
}

/// A contract in a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ContractSummary {
    pub id: String,
    pub ocid: String,
    pub tender_id: String,
    pub project_id: String,
    pub title: String,
    pub status: ContractStatus,
    pub municipality: Party,
    pub supplier: Party,
    pub value: Money,
    pub term_months: u32,
    #[schema(value_type = Option<String>, format = Date)]
    pub signed_on: Option<NaiveDate>,
    pub cumulative: Cumulative,
}

/// An organisation named in a contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Party {
    pub id: String,
    pub name: String,
}

impl ContractSummary {
    pub fn new(c: &Contract, ocid_prefix: &str, threshold: Decimal) -> Self {
        Self {
            id: c.id.to_string(),
            ocid: crate::domain::tender::ocid(ocid_prefix, c.tender_id),
            tender_id: c.tender_id.to_string(),
            project_id: c.project_id.to_string(),
            title: c.title.clone(),
            status: c.status,
            municipality: Party {
                id: c.municipality_id.0.to_string(),
                name: c.municipality_name.clone(),
            },
            supplier: Party {
                id: c.supplier.0.to_string(),
                name: c.supplier_name.clone(),
            },
            value: Money::new(c.value, c.currency),
            term_months: c.term_months,
            signed_on: c.signed_on,
            cumulative: Cumulative::of(c, threshold),
        }
    }
}

/// The officer drafts the contract of an awarded tender.
pub async fn draft(
    db: &Db,
    clock: &dyn Clock,
    ctx: &AuditContext,
    who: &Identity,
    tender_id: i64,
    request: &ContractRequest,
) -> Result<i64, ServiceError> {
    // The policy below answers 404 for a tender the caller may not see.
    let tender = tenders::find(db, tender_id).await?;
    permit(policy::may_draft_contract(who, &tender.facts(clock.now())), "tender")?;
    request.violations().into_result().map_err(ServiceError::Invalid)?;
    unit_of_work!(db, clock, ctx, |uow| {
        let project = projects::lock(uow.tx(), tender.project_id).await?;
        let tender = tenders::lock(uow.tx(), tender_id).await?;
        let now = uow.now();
        permit(policy::may_draft_contract(who, &tender.facts(now)), "tender")?;
        crate::services::ensure_not_held(&tender)?;
        if store::of_tender(&mut uow, tender_id).await?.is_some() {
            return Err(ServiceError::Conflict("error-contract-exists"));
        }
        let closing = evaluation::closing(&mut uow, tender_id)
            .await?
            .ok_or(ServiceError::Conflict("error-tender-not-awarded"))?;
        let winner = closing
            .proposed_bid_id
            .ok_or(ServiceError::Conflict("error-tender-not-awarded"))?;
        let bid = bids::find(&mut uow, &winner).await?;
        if bid.status != BidStatus::Awarded {
            return Err(ServiceError::Conflict("error-tender-not-awarded"));
        }
        // The winner's offer and model as opened: what the contract's plan is measured against.
        let opened: serde_json::Value = bid
            .opened_content
            .as_deref()
            .and_then(|c| serde_json::from_str(c).ok())
            .ok_or(ServiceError::Conflict("error-tender-not-awarded"))?;
        let agreed = json!({
            "bid_id": bid.id,
            "offer": opened.get("offer"),
            "financial_model": opened.get("financial_model"),
        });
        let agreed = canonical_json(&agreed);
        let agreed_sha256 = sha256_hex(agreed.as_bytes());
        let members: Vec<OrgId> = bids::members(&mut uow, &bid.id)
            .await?
            .into_iter()
            .filter(|m| m.confirmed)
            .map(|m| m.company_id)
            .collect();
        let mut v = Violations::new();
        let supplier = match &request.spv {
            None => bid.lead_org_id,
            Some(spv) => {
                let company = OrgId(parse_id(&spv.company_id).unwrap_or_default());
                match organizations::find(&mut uow, company).await {
                    // A company that bid against the winner cannot become the winner's party
                    // (it would read the contract's internal documents and agreed model).
                    Ok(o) if o.kind == OrganizationKind::Company && o.status == OrganizationStatus::Active => {
                        if bids::company_in_other_bid(&mut uow, tender_id, company, &bid.id).await? {
                            v.add("spv.company_id", "spv_in_rival_bid");
                        }
                    }
                    Ok(_) | Err(crate::storage::StoreError::NotFound(_)) => v.add("spv.company_id", "not_a_company"),
                    Err(e) => return Err(e.into()),
                }
                for (i, s) in spv.shareholders.iter().enumerate() {
                    let id = OrgId(parse_id(&s.company_id).unwrap_or_default());
                    if id != bid.lead_org_id && !members.contains(&id) {
                        v.add(format!("spv.shareholders.{i}.company_id"), "not_in_bidding_party");
                    }
                }
                company
            }
        };
        for (i, document) in request.documents.iter().enumerate() {
            if documents::visibility(&mut uow, project.id, document.0).await?.is_none() {
                v.add(format!("documents.{i}"), "document_unknown");
            }
        }
        v.into_result().map_err(ServiceError::Invalid)?;
        let g = &request.guarantee;
        let id = store::insert(
            uow.tx(),
            &store::NewContract {
                tender_id,
                project_id: project.id,
                municipality: tender.municipality_id,
                bid_id: &bid.id,
                supplier,
                title: &request.title,
                currency: request.value.currency,
                value: request.value.amount,
                term_months: request.term_months,
                start_date: request.start_date,
                payment_mechanism: request.payment_mechanism,
                agreed_model: &agreed,
                agreed_model_sha256: &agreed_sha256,
                municipality_signatory: (
                    &request.municipality_signatory.name,
                    &request.municipality_signatory.position,
                ),
                supplier_signatory: (&request.supplier_signatory.name, &request.supplier_signatory.position),
                guarantee: (&g.issuer, &g.reference, g.amount.amount, g.valid_until),
                created_by: who.user_id,
            },
            now,
        )
        .await?;
        if let Some(spv) = &request.spv {
            for s in &spv.shareholders {
                store::insert_shareholder(
                    uow.tx(),
                    id,
                    OrgId(parse_id(&s.company_id).unwrap_or_default()),
                    s.share,
                )
                .await?;
            }
        }
        for document in &request.documents {
            store::insert_document(uow.tx(), id, document.0).await?;
        }
        let mut planned: Vec<(MilestoneKind, NaiveDate)> =
            request.milestones.iter().map(|m| (m.kind, m.planned_on)).collect();
        if let Some(end) = expiry(request.start_date, request.term_months) {
            planned.push((MilestoneKind::Expiry, end));
        }
        for (kind, planned_on) in planned {
            let m = Milestone {
                kind,
                planned_on,
                met_on: None,
                note: String::new(),
                updated_at: now,
            };
            store::put_milestone(uow.tx(), id, &m, who.user_id).await?;
        }
        let payload = json!({
            "tender_id": tender_id.to_string(),
            "bid_id": bid.id,
            "supplier_id": supplier.0.to_string(),
            "value": Money::new(request.value.amount, request.value.currency),
            "term_months": request.term_months,
            "agreed_model_sha256": agreed_sha256,
            "after": {"status": ContractStatus::Pending.as_str()},
        });
        // A draft's terms are the municipality's (and the reviewers') until signed: the
        // signing's event and the contract itself publish them.
        uow.record(
            NewEvent::new("contract.drafted", "contract", id)
                .organization(tender.municipality_id.0)
                .confidential(tender.municipality_id.0, crate::domain::audit::FOREVER)
                .payload(payload),
        );
        id
    })
}

/// Locks the contract and asks the policy; what every change starts with. Locks are taken in
/// the order every tender change takes them (the project, the tender, then the contract: a
/// winner's decline locks the first two and then cancels a pending contract), so a signing and
/// a decline at the same instant wait for each other instead of deadlocking.
async fn lock_for(
    uow: &mut UnitOfWork<'_>,
    who: &Identity,
    id: i64,
    decide: fn(&Identity, &ContractFacts) -> policy::Decision,
) -> Result<(Contract, Vec<OrgId>), ServiceError> {
    // A contract's project and tender never change.
    let found = store::find(&mut *uow, id).await?;
    projects::lock(uow.tx(), found.project_id).await?;
    tenders::lock(uow.tx(), found.tender_id).await?;
    let contract = store::lock(uow.tx(), id).await?;
    let parties = store::parties(&mut *uow, id).await?;
    permit(decide(who, &facts(&contract, &parties)), "contract")?;
    Ok((contract, parties))
}

fn event(name: &'static str, c: &Contract, payload: serde_json::Value) -> NewEvent {
    NewEvent::new(name, "contract", c.id)
        .organization(c.municipality_id.0)
        .payload(payload)
}

/// Moves the contract's project to `next` (a consequence of the contract, by its actor).
async fn move_contract_project(
    uow: &mut UnitOfWork<'_>,
    who: &Identity,
    c: &Contract,
    next: Stage,
    action: &'static str,
) -> Result<(), ServiceError> {
    let project = projects::lock(uow.tx(), c.project_id).await?;
    if project.stage != next {
        move_project(uow, Some(who), &project, next, action, c.tender_id).await?;
    }
    Ok(())
}

fn invalid(field: &'static str, code: &'static str) -> ServiceError {
    let mut v = Violations::new();
    v.add(field, code);
    ServiceError::Invalid(v)
}

/// The approver records the signing: the contract `signed`, the tender `complete`, the project
/// `contracted`, the bid securities released, commercial close met on the signing date.
pub async fn sign(
    db: &Db,
    clock: &dyn Clock,
    ctx: &AuditContext,
    who: &Identity,
    id: i64,
    request: &SignRequest,
) -> Result<(), ServiceError> {
    unit_of_work!(db, clock, ctx, |uow| {
        let now = uow.now();
        let (c, _) = lock_for(&mut uow, who, id, policy::may_sign_contract).await?;
        request
            .violations(local_date(now))
            .into_result()
            .map_err(ServiceError::Invalid)?;
        let awarded = evaluation::closing(&mut uow, c.tender_id)
            .await?
            .and_then(|cl| cl.awarded_at);
        if awarded.is_some_and(|at| request.signed_on < local_date(at)) {
            return Err(invalid("signed_on", "before_award"));
        }
        let tender = tenders::lock(uow.tx(), c.tender_id).await?;
        crate::services::ensure_not_held(&tender)?;
        store::set_signed(uow.tx(), id, request.signed_on, who.user_id, now).await?;
        tenders::set_phase(uow.tx(), c.tender_id, TenderPhase::Complete, now).await?;
        if let Some(m) = store::milestones(&mut uow, id)
            .await?
            .into_iter()
            .find(|m| m.kind == MilestoneKind::CommercialClose && m.met_on.is_none())
        {
            let met = Milestone {
                met_on: Some(request.signed_on),
                updated_at: now,
                ..m
            };
            store::put_milestone(uow.tx(), id, &met, who.user_id).await?;
        }
        uow.record(event(
            "contract.signed",
            &c,
            json!({
                "signed_on": request.signed_on,
                "bid_securities_released": true,
                "before": {"status": c.status.as_str()},
                "after": {"status": ContractStatus::Signed.as_str()},
            }),
        ));
        uow.record(
            NewEvent::new("tender.completed", "tender", c.tender_id)
                .organization(c.municipality_id.0)
                .payload(json!({
                    "contract_id": id.to_string(),
                    "before": {"status": TenderStatus::Awarded.as_str()},
                    "after": {"status": TenderStatus::Complete.as_str()},
                })),
        );
        move_contract_project(&mut uow, who, &c, Stage::Contracted, "contract_signed").await?;
    })
}

/// The officer records a milestone: its plan moved, or its actual date. Service start puts the
/// contract and its project in operation; expiry completes them.
pub async fn milestone(
    db: &Db,
    clock: &dyn Clock,
    ctx: &AuditContext,
    who: &Identity,
    id: i64,
    kind: MilestoneKind,
    request: &MilestoneRequest,
) -> Result<(), ServiceError> {
    unit_of_work!(db, clock, ctx, |uow| {
        let now = uow.now();
        let (c, _) = lock_for(&mut uow, who, id, policy::may_keep_contract).await?;
        request
            .violations(local_date(now))
            .into_result()
            .map_err(ServiceError::Invalid)?;
        let current = store::milestones(&mut uow, id)
            .await?
            .into_iter()
            .find(|m| m.kind == kind)
            .ok_or(ServiceError::NotFound("milestone"))?;
        if current.met_on.is_some() {
            return Err(ServiceError::Conflict("error-milestone-met"));
        }
        match milestone_refusal(c.status, kind, current.planned_on, request.planned_on, request.met_on) {
            Some(MilestoneRefusal::Field(field, code)) => return Err(invalid(field, code)),
            Some(MilestoneRefusal::State(message)) => return Err(ServiceError::Conflict(message)),
            None => {}
        }
        if let (Some(met), Some(signed)) = (request.met_on, c.signed_on)
            && met < signed
        {
            return Err(invalid("met_on", "before_signing"));
        }
        let next = Milestone {
            kind,
            planned_on: request.planned_on.unwrap_or(current.planned_on),
            met_on: request.met_on,
            note: if request.note.trim().is_empty() {
                current.note.clone()
            } else {
                request.note.trim().to_string()
            },
            updated_at: now,
        };
        store::put_milestone(uow.tx(), id, &next, who.user_id).await?;
        let moved = request.met_on.and_then(|_| after_milestone(c.status, kind));
        uow.record(event(
            if request.met_on.is_some() {
                "contract.milestone_met"
            } else {
                "contract.milestone_planned"
            },
            &c,
            json!({
                "milestone": kind.as_str(),
                "before": {"planned_on": current.planned_on, "met_on": current.met_on},
                "after": {"planned_on": next.planned_on, "met_on": next.met_on},
            }),
        ));
        if let Some(status) = moved {
            store::set_status(uow.tx(), id, status).await?;
            if status == ContractStatus::Completed
                && let Some(ended) = request.met_on
            {
                store::set_ended(
                    uow.tx(),
                    id,
                    &store::Ending {
                        status,
                        on: ended,
                        reason: None,
                        payment: None,
                    },
                    who.user_id,
                    now,
                )
                .await?;
            }
            uow.record(event(
                "contract.status_changed",
                &c,
                json!({"before": {"status": c.status.as_str()}, "after": {"status": status.as_str()}}),
            ));
            let (stage, action) = match status {
                ContractStatus::InOperation => (Stage::InOperation, "service_started"),
                _ => (Stage::Completed, "contract_completed"),
            };
            move_contract_project(&mut uow, who, &c, stage, action).await?;
        }
    })
}

/// The approver records an amendment: version N + 1 of the contract, with the value and term it
/// leaves and the cumulative change against the signed contract.
pub async fn amend(
    db: &Db,
    clock: &dyn Clock,
    ctx: &AuditContext,
    who: &Identity,
    id: i64,
    request: &AmendmentRequest,
    threshold: Decimal,
) -> Result<(), ServiceError> {
    unit_of_work!(db, clock, ctx, |uow| {
        let now = uow.now();
        let (c, _) = lock_for(&mut uow, who, id, policy::may_amend_contract).await?;
        request
            .violations(c.currency, local_date(now))
            .into_result()
            .map_err(ServiceError::Invalid)?;
        if c.signed_on.is_some_and(|signed| request.agreed_on < signed) {
            return Err(invalid("agreed_on", "before_signing"));
        }
        let earlier = store::amendments(&mut uow, id).await?;
        // Versions follow one another in time, and a term never ends before the amendment that
        // sets it (an end before that is a termination).
        if earlier.last().is_some_and(|last| request.agreed_on < last.agreed_on) {
            return Err(invalid("agreed_on", "before_last_amendment"));
        }
        if let Some(months) = request.term_months
            && expiry(c.start_date, months).is_none_or(|end| end < request.agreed_on)
        {
            return Err(invalid("term_months", "term_ends_before"));
        }
        if let Some(document) = request.document_id
            && documents::visibility(&mut uow, c.project_id, document.0)
                .await?
                .is_none()
        {
            return Err(invalid("document_id", "document_unknown"));
        }
        let version = i64::try_from(earlier.len()).unwrap_or(i64::MAX - 2) + 2;
        let value = request.value.unwrap_or(c.value);
        let term_months = request.term_months.unwrap_or(c.term_months);
        let amendment = Amendment {
            version,
            reason: request.reason,
            description: request.description.trim().to_string(),
            agreed_on: request.agreed_on,
            value,
            term_months,
            document_id: request.document_id.map(|d| d.0),
            recorded_at: now,
        };
        store::insert_amendment(uow.tx(), id, &amendment, who.user_id).await?;
        store::set_terms(uow.tx(), id, value, term_months).await?;
        if term_months != c.term_months
            && let Some(end) = expiry(c.start_date, term_months)
            && let Some(m) = store::milestones(&mut uow, id)
                .await?
                .into_iter()
                .find(|m| m.kind == MilestoneKind::Expiry)
        {
            let moved = Milestone {
                planned_on: end,
                updated_at: now,
                ..m
            };
            store::put_milestone(uow.tx(), id, &moved, who.user_id).await?;
        }
        let cumulative = Cumulative::between((c.signed_value, c.signed_term_months), (value, term_months), threshold);
        uow.record(event(
            "contract.amended",
            &c,
            json!({
                "version": version,
                "reason": request.reason.as_str(),
                "before": {"value": Money::new(c.value, c.currency), "term_months": c.term_months},
                "after": {"value": Money::new(value, c.currency), "term_months": term_months},
                "cumulative_value_percent": cumulative.value.percent_shown(),
                "cumulative_term_percent": cumulative.term_months.percent_shown(),
                "flagged": cumulative.flagged,
            }),
        ));
    })
}

/// The officer records a quarter's performance (once per quarter, not before the signing's).
pub async fn record_performance(
    db: &Db,
    clock: &dyn Clock,
    ctx: &AuditContext,
    who: &Identity,
    id: i64,
    request: &PerformanceRequest,
) -> Result<(), ServiceError> {
    unit_of_work!(db, clock, ctx, |uow| {
        let now = uow.now();
        let (c, _) = lock_for(&mut uow, who, id, policy::may_keep_contract).await?;
        request
            .violations(c.currency, local_date(now))
            .into_result()
            .map_err(ServiceError::Invalid)?;
        let quarter = request.quarter().ok_or_else(|| invalid("period", "quarter"))?;
        if c.signed_on.is_some_and(|signed| quarter < Quarter::of(signed)) {
            return Err(invalid("period", "before_signing"));
        }
        let record = Performance {
            period: quarter.to_string(),
            paid: request.paid,
            deductions: request.deductions,
            tariff: request.tariff,
            demand: request.demand,
            note: request.note.trim().to_string(),
            recorded_at: now,
        };
        if !store::insert_performance(uow.tx(), id, &record, who.user_id).await? {
            return Err(ServiceError::Conflict("error-period-recorded"));
        }
        uow.record(event(
            "contract.performance_recorded",
            &c,
            json!({
                "period": record.period,
                "paid": Money::new(record.paid, c.currency),
                "deductions": Money::new(record.deductions, c.currency),
            }),
        ));
    })
}

/// The approver records an early termination: the contract and its project `terminated`.
pub async fn terminate(
    db: &Db,
    clock: &dyn Clock,
    ctx: &AuditContext,
    who: &Identity,
    id: i64,
    request: &TerminationRequest,
) -> Result<(), ServiceError> {
    unit_of_work!(db, clock, ctx, |uow| {
        let now = uow.now();
        let (c, _) = lock_for(&mut uow, who, id, policy::may_amend_contract).await?;
        request
            .violations(c.currency, local_date(now))
            .into_result()
            .map_err(ServiceError::Invalid)?;
        if c.signed_on.is_some_and(|signed| request.ended_on < signed) {
            return Err(invalid("ended_on", "before_signing"));
        }
        // Nothing the record shows happening (a milestone met, an amendment agreed, a quarter
        // recorded) may fall after the contract's end.
        let mut recorded: Vec<NaiveDate> = store::milestones(&mut uow, id)
            .await?
            .iter()
            .filter_map(|m| m.met_on)
            .collect();
        recorded.extend(store::amendments(&mut uow, id).await?.iter().map(|a| a.agreed_on));
        recorded.extend(
            store::performance(&mut uow, id)
                .await?
                .iter()
                .filter_map(|p| Quarter::parse(&p.period).map(Quarter::first_day)),
        );
        if recorded.iter().max().is_some_and(|last| request.ended_on < *last) {
            return Err(invalid("ended_on", "before_last_record"));
        }
        store::set_ended(
            uow.tx(),
            id,
            &store::Ending {
                status: ContractStatus::Terminated,
                on: request.ended_on,
                reason: Some(&request.reason),
                payment: request.payment,
            },
            who.user_id,
            now,
        )
        .await?;
        uow.record(event(
            "contract.terminated",
            &c,
            json!({
                "ended_on": request.ended_on,
                "reason": request.reason.trim(),
                "termination_payment": request.payment.map(|p| Money::new(p, c.currency)),
                "before": {"status": c.status.as_str()},
                "after": {"status": ContractStatus::Terminated.as_str()},
            }),
        ));
        move_contract_project(&mut uow, who, &c, Stage::Terminated, "contract_terminated").await?;
    })
}

/// A winner's decline, or the tender's cancellation, before signing cancels the pending contract
/// drafted for it (called in that change's unit of work, the project and the tender locked);
/// `reason` is `award_declined` or `tender_cancelled`.
pub(crate) async fn cancel_pending(
    uow: &mut UnitOfWork<'_>,
    tender_id: i64,
    reason: &'static str,
) -> Result<(), ServiceError> {
    if let Some(c) = store::of_tender(&mut *uow, tender_id).await?
        && c.status == ContractStatus::Pending
    {
        store::set_status(uow.tx(), c.id, ContractStatus::Cancelled).await?;
        uow.record(
            event(
                "contract.cancelled",
                &c,
                json!({"reason": reason, "before": {"status": "pending"}, "after": {"status": "cancelled"}}),
            )
            .confidential(c.municipality_id.0, crate::domain::audit::FOREVER),
        );
    }
    Ok(())
}

/// Whether the tender's contract is signed (a tender under a signed contract cannot be
/// cancelled).
pub(crate) async fn signed_contract(uow: &mut UnitOfWork<'_>, tender_id: i64) -> Result<bool, ServiceError> {
    Ok(store::of_tender(&mut *uow, tender_id)
        .await?
        .is_some_and(|c| c.status != ContractStatus::Pending))
}

/// The signatory pair as the API shows it.
pub fn signatory((name, position): &(String, String)) -> Signatory {
    Signatory {
        name: name.clone(),
        position: position.clone(),
    }
}
