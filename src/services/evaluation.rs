//! The commission's evaluation of an opened tender (domain.md section 3): each member's
//! declaration on the bidding parties, the acting chair's qualification findings, the members'
//! scores, the report, and the closing of the scoring that freezes it (its SHA-256 in the
//! closing event) or, with too few qualified bids, ends the tender unsuccessful. Every change
//! holds the tender's lock and records its event last.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Value, json};

use crate::clock::Clock;
use crate::domain::access::{Identity, Role};
use crate::domain::audit::{AuditContext, NewEvent};
use crate::domain::bid::{BidStatus, canonical_json, sha256_hex};
use crate::domain::commission::{Declaration, DeclarationRequest, Member, Qualification, Scores};
use crate::domain::evaluation_report::{self, BidInput, Inputs, MemberInput, Report};
use crate::domain::policy::{self, Seat};
use crate::domain::procedure::Procedure;
use crate::domain::project::{ProponentAdvantage, Stage};
use crate::domain::tender::{TenderPhase, TenderStatus};
use crate::services::bid_access::refuse_sealed;
use crate::services::bids::protocol_bid;
use crate::services::commission::{Locked, lock_for, members_of, seat};
use crate::services::project_moves::move_project;
use crate::services::unit_of_work;
use crate::services::{ServiceError, permit};
use crate::storage::evaluation::{self as store, Closing};
use crate::storage::tenders::{self, Tender};
use crate::storage::{Db, Reader, bids, projects};

/// The award proposal and its confirmation.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct AwardProposal {
    pub bid_id: String,
    pub proposed_at: DateTime<Utc>,
    /// The acting chair who proposed it; `null` when a winner's decline passed the award on.
    pub proposed_by: Option<String>,
    /// When the approver confirmed it (the standstill's start; a winner's decline starts a new
    /// one for the next-ranked bid).
    pub confirmed_at: Option<DateTime<Utc>>,
    pub confirmed_by: Option<String>,
    /// When the standstill ends (the procedure's Asia/Bishkek calendar days after the
    /// confirmation), computed from the clock's calendar.
    pub standstill_ends_at: Option<DateTime<Utc>>,
    /// When the approver confirmed the award.
    pub awarded_at: Option<DateTime<Utc>>,
}

/// The evaluation as served: the report (live while the commission scores, frozen once the
/// scoring closed) and what followed.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Evaluation {
    pub tender_id: String,
    pub status: TenderStatus,
    /// `open` while the commission scores, `closed` once the report is frozen.
    pub scoring: &'static str,
    pub closed_at: Option<DateTime<Utc>>,
    /// SHA-256 (hex) of the frozen report's canonical JSON (keys in byte order, no whitespace,
    /// as the bids' receipts are hashed): recompute it from `report`.
    pub sha256: Option<String>,
    pub award_proposal: Option<AwardProposal>,
    /// Whether the members' explanations of their conflicts (personal data) were left out of
    /// `report` for this reader (the bidding parties and the municipality's other staff, from
    /// the standstill on): `sha256` is then the full report's, which the reviewers can check.
    pub redacted: bool,
    /// The report (src/domain/evaluation_report.rs): members, declarations, findings, scores,
    /// each figure's inputs, the ranking and what still keeps the scoring from closing.
    #[schema(value_type = Object)]
    pub report: Value,
    /// Earlier rounds: reports frozen before an upheld complaint reopened the evaluation, each
    /// with its SHA-256 (the closing's audit event carries it) and the complaint.
    pub earlier_rounds: Vec<EarlierRound>,
}

/// A report frozen before an upheld complaint reopened the evaluation.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct EarlierRound {
    pub round: i64,
    pub closed_at: DateTime<Utc>,
    pub sha256: String,
    pub proposed_bid_id: Option<String>,
    pub confirmed_at: Option<DateTime<Utc>>,
    pub reopened_at: DateTime<Utc>,
    pub complaint_id: String,
}

/// The procedure's rules for a tender (the open procedure's for those still to come).
fn procedure_of(tender: &Tender) -> Procedure {
    Procedure::of(tender.terms.procedure).unwrap_or_else(Procedure::open)
}

/// The opened bids' facts the report needs, which no longer change after the opening (read
/// before a change's transaction): party, offer, final submission, whether the proponent is in
/// the party; and every company of every bidding party in the protocol.
pub(crate) async fn bid_facts(db: &Db, tender: &Tender) -> Result<(Vec<BidInput>, BTreeSet<String>), ServiceError> {
    let project = projects::find(db, tender.project_id).await?;
    let proponent = project.proponent_id.map(|p| p.0.to_string());
    let mut inputs = Vec::new();
    let mut companies = BTreeSet::new();
    for bid in bids::of_tender(db, tender.id).await? {
        let receipt = bids::latest_receipt(db, &bid.id).await?;
        let entry = protocol_bid(db, tender, bid).await?;
        let party: Vec<String> = std::iter::once(entry.bidding_party.lead.id.clone())
            .chain(entry.bidding_party.members.iter().map(|m| m.id.clone()))
            .collect();
        companies.extend(party.iter().cloned());
        // A withdrawn bid, or a winner's that declined (an evaluation reopened by an upheld
        // complaint does not rank it again): its party stays in the protocol, not in the ranking.
        if matches!(entry.status, BidStatus::Withdrawn | BidStatus::Declined) {
            continue;
        }
        let final_submission = receipt.receipt["received_at"]
            .as_str()
            .and_then(|t| t.parse::<DateTime<Utc>>().ok())
            .unwrap_or(entry.received_at);
        inputs.push(BidInput {
            proponent: proponent.as_ref().is_some_and(|p| party.contains(p)),
            bid_id: entry.bid_id,
            bidding_party: entry.bidding_party,
            final_submission,
            offer: entry.offer,
            qualification: None,
        });
    }
    Ok((inputs, companies))
}

/// The proponent's bonus of the tender's project, if it keeps one.
async fn bonus_of(db: &Db, tender: &Tender) -> Result<Option<rust_decimal::Decimal>, ServiceError> {
    let project = projects::find(db, tender.project_id).await?;
    Ok(match project.advantage {
        Some(ProponentAdvantage::Bonus { percent }) if project.proponent_id.is_some() => Some(percent),
        _ => None,
    })
}

/// The report from what is recorded now (`reader`: the pool, or a change's transaction).
async fn live_report(
    reader: &mut Reader<'_>,
    tender: &Tender,
    mut bids: Vec<BidInput>,
    bonus: Option<rust_decimal::Decimal>,
) -> Result<Report, ServiceError> {
    let members = members_of(reader, tender).await?;
    let mut qualifications = store::qualifications(reader.again(), tender.id).await?;
    for b in &mut bids {
        b.qualification = qualifications.remove(&b.bid_id);
    }
    let scores = store::scores(reader.again(), tender.id).await?;
    let procedure = procedure_of(tender);
    Ok(evaluation_report::build(&Inputs {
        tender_id: tender.id,
        criteria: &tender.terms.criteria,
        requirements: &tender.terms.qualification_requirements,
        quorum: procedure.quorum,
        proponent_bonus_percent: bonus,
        members,
        bids,
        scores,
    }))
}

fn proposal_of(
    closing: &Closing,
    tender: &Tender,
    holidays: &crate::domain::calendar::Holidays,
) -> Option<AwardProposal> {
    Some(AwardProposal {
        bid_id: closing.proposed_bid_id.clone()?,
        proposed_at: closing.proposed_at?,
        proposed_by: closing.proposed_by.map(|id| id.to_string()),
        confirmed_at: closing.confirmed_at,
        confirmed_by: closing.confirmed_by.map(|id| id.to_string()),
        standstill_ends_at: closing.standstill_end(tender, holidays),
        awarded_at: closing.awarded_at,
    })
}

/// The opened tender `tender_id` for `who`, or `sealed` (recorded) before the opening.
async fn opened(
    db: &Db,
    clock: &dyn Clock,
    ctx: &AuditContext,
    who: Option<&Identity>,
    tender_id: i64,
) -> Result<Tender, ServiceError> {
    let tender = crate::services::tenders::read(db, who, tender_id, clock.now()).await?;
    if tender.opened_at.is_none() {
        refuse_sealed(db, clock, ctx, &tender).await?;
        return Err(ServiceError::Sealed);
    }
    Ok(tender)
}

/// The evaluation of tender `tender_id`, for those the policy lets read it.
pub async fn read(
    db: &Db,
    clock: &dyn Clock,
    ctx: &AuditContext,
    who: &Identity,
    tender_id: i64,
) -> Result<Evaluation, ServiceError> {
    let now = clock.now();
    let tender = opened(db, clock, ctx, Some(who), tender_id).await?;
    let (bids, companies) = bid_facts(db, &tender).await?;
    // Every bidding party in the protocol, a withdrawn one's too.
    let in_protocol = companies.contains(&who.organization_id.0.to_string());
    let seat = seat(db, &tender, who).await?;
    permit(
        policy::may_read_evaluation(who, &tender.facts(now), seat, in_protocol),
        "tender",
    )?;
    let closing = store::closing(db, tender_id).await?;
    let holidays = crate::storage::holidays::calendar(db).await?;
    let insider = who.has_role(Role::Reviewer)
        || (who.organization_id == tender.municipality_id && who.has_role(Role::Approver))
        || matches!(seat, Seat::Seated | Seat::ActingChair);
    let (mut report, sha256): (Value, Option<String>) = match &closing {
        Some(c) => (
            serde_json::from_str(&c.report).map_err(|_| {
                ServiceError::Store(crate::storage::StoreError::Corrupt(format!(
                    "tender {tender_id}: bad report"
                )))
            })?,
            Some(c.sha256.clone()),
        ),
        None => {
            let bonus = bonus_of(db, &tender).await?;
            let live = live_report(&mut Reader::from(db), &tender, bids, bonus).await?;
            (
                serde_json::to_value(live)
                    .map_err(|e| ServiceError::Store(crate::storage::StoreError::Database(e.to_string())))?,
                None,
            )
        }
    };
    if !insider && let Some(members) = report["members"].as_array_mut() {
        for m in members {
            if m["declaration"]["explanation"].is_string() {
                m["declaration"]["explanation"] = json!("");
            }
        }
    }
    Ok(Evaluation {
        redacted: !insider,
        tender_id: tender_id.to_string(),
        status: tender.status(now),
        scoring: if closing.is_some() { "closed" } else { "open" },
        closed_at: closing.as_ref().map(|c| c.closed_at),
        sha256,
        award_proposal: closing.as_ref().and_then(|c| proposal_of(c, &tender, &holidays)),
        report,
        earlier_rounds: crate::storage::complaints::rounds(db, tender_id)
            .await?
            .into_iter()
            .map(|r| EarlierRound {
                round: r.round,
                closed_at: r.closed_at,
                sha256: r.sha256,
                proposed_bid_id: r.proposed_bid_id,
                confirmed_at: r.confirmed_at,
                reopened_at: r.reopened_at,
                complaint_id: r.complaint_id.to_string(),
            })
            .collect(),
    })
}

/// The quorum, or the refusal that names it.
fn quorum_met(members: &[MemberInput], tender: &Tender) -> Result<(), ServiceError> {
    let plain: Vec<Member> = members.iter().map(|m| m.member.clone()).collect();
    if crate::domain::commission::quorum(&plain, procedure_of(tender).quorum).1 {
        Ok(())
    } else {
        Err(ServiceError::Conflict("error-quorum-not-met"))
    }
}

/// A commission member declares on every company of every bidding party in the protocol: no
/// conflict, or a conflict that withdraws them from the tender.
pub async fn declare(
    db: &Db,
    clock: &dyn Clock,
    ctx: &AuditContext,
    who: &Identity,
    tender_id: i64,
    request: &DeclarationRequest,
) -> Result<Declaration, ServiceError> {
    let tender = opened(db, clock, ctx, Some(who), tender_id).await?;
    let (_, companies) = bid_facts(db, &tender).await?;
    let violations = request.violations(&companies);
    unit_of_work!(db, clock, ctx, |uow| {
        let Locked { tender, seat, .. } = lock_for(uow.tx(), tender_id, who).await?;
        let now = uow.now();
        permit(policy::may_declare(who, &tender.facts(now), seat), "tender")?;
        if !violations.is_empty() {
            return Err(ServiceError::Invalid(violations.clone()));
        }
        store::insert_declaration(uow.tx(), tender_id, who.user_id, request, now).await?;
        let payload = json!({"conflict": request.conflict(), "parties": request.parties});
        uow.record(
            NewEvent::new(
                if request.conflict() {
                    "tender.member_withdrawn"
                } else {
                    "tender.declared"
                },
                "tender",
                tender_id,
            )
            .organization(tender.municipality_id.0)
            .payload(payload),
        );
        Declaration {
            member_id: who.user_id.0.to_string(),
            parties: request.parties.clone(),
            conflict: request.conflict(),
            explanation: request.explanation.trim().to_string(),
            declared_at: now,
        }
    })
}

/// The bid `bid_id` of the opened tender, which the evaluation judges (not withdrawn, not
/// declined).
async fn evaluated_bid(reader: Reader<'_>, tender_id: i64, bid_id: &str) -> Result<bids::Bid, ServiceError> {
    let bid = bids::find(reader, bid_id).await?;
    if bid.tender_id != tender_id || matches!(bid.status, BidStatus::Withdrawn | BidStatus::Declined) {
        return Err(ServiceError::NotFound("bid"));
    }
    Ok(bid)
}

/// The acting chair records the commission's findings on a bid (again until the scoring
/// closes); a bid that fails a requirement is disqualified.
pub async fn qualify(
    db: &Db,
    clock: &dyn Clock,
    ctx: &AuditContext,
    who: &Identity,
    tender_id: i64,
    bid_id: &str,
    qualification: &Qualification,
) -> Result<(), ServiceError> {
    opened(db, clock, ctx, Some(who), tender_id).await?;
    unit_of_work!(db, clock, ctx, |uow| {
        let Locked {
            tender,
            members,
            closed,
            seat,
        } = lock_for(uow.tx(), tender_id, who).await?;
        let now = uow.now();
        permit(
            policy::may_chair_evaluation(who, &tender.facts(now), seat, closed, false),
            "tender",
        )?;
        evaluated_bid(Reader::from(uow.tx()), tender_id, bid_id).await?;
        quorum_met(&members, &tender)?;
        let violations = qualification.violations(tender.terms.qualification_requirements.len());
        if !violations.is_empty() {
            return Err(ServiceError::Invalid(violations));
        }
        store::put_qualification(uow.tx(), tender_id, bid_id, qualification, who.user_id, now).await?;
        // The findings stay out of the bid's status and the event's payload until the
        // proposal's confirmation publishes them (the protocol and the audit log are read by
        // more people than the report); the report carries them.
        let payload = json!({"tender_id": tender_id.to_string(), "requirements": qualification.findings.len()});
        uow.record(
            NewEvent::new("bid.qualification_recorded", "bid", bid_id)
                .organization(tender.municipality_id.0)
                .payload(payload),
        );
    })
}

/// A seated member records (or changes) their scores of a bid until the scoring closes.
pub async fn score(
    db: &Db,
    clock: &dyn Clock,
    ctx: &AuditContext,
    who: &Identity,
    tender_id: i64,
    bid_id: &str,
    scores: &Scores,
) -> Result<(), ServiceError> {
    opened(db, clock, ctx, Some(who), tender_id).await?;
    unit_of_work!(db, clock, ctx, |uow| {
        let Locked {
            tender,
            members,
            closed,
            seat,
        } = lock_for(uow.tx(), tender_id, who).await?;
        let now = uow.now();
        permit(policy::may_score(who, &tender.facts(now), seat, closed), "tender")?;
        evaluated_bid(Reader::from(uow.tx()), tender_id, bid_id).await?;
        quorum_met(&members, &tender)?;
        let violations = scores.violations(&tender.terms.criteria);
        if !violations.is_empty() {
            return Err(ServiceError::Invalid(violations));
        }
        store::put_scores(uow.tx(), tender_id, bid_id, who.user_id, scores, now).await?;
        // The scores are the report's, not the log's (which the municipality's officers read).
        let payload = json!({"tender_id": tender_id.to_string()});
        uow.record(
            NewEvent::new("bid.scored", "bid", bid_id)
                .organization(tender.municipality_id.0)
                .payload(payload),
        );
    })
}

/// The acting chair closes the scoring: the report, complete (each bid qualified or not, every
/// seated member's scores of each qualified bid), is frozen and its SHA-256 recorded in the
/// closing event. With fewer qualified bids than the procedure's minimum the tender ends
/// unsuccessful and its project is `approved` again.
pub async fn close_scoring(
    db: &Db,
    clock: &dyn Clock,
    ctx: &AuditContext,
    who: &Identity,
    tender_id: i64,
) -> Result<Evaluation, ServiceError> {
    let tender = opened(db, clock, ctx, Some(who), tender_id).await?;
    let (facts, _) = bid_facts(db, &tender).await?;
    let bonus = bonus_of(db, &tender).await?;
    unit_of_work!(db, clock, ctx, |uow| {
        let project = projects::lock(uow.tx(), tender.project_id).await?;
        let Locked {
            tender, closed, seat, ..
        } = lock_for(uow.tx(), tender_id, who).await?;
        let now = uow.now();
        permit(
            policy::may_chair_evaluation(who, &tender.facts(now), seat, closed, false),
            "tender",
        )?;
        let report = live_report(&mut Reader::from(uow.tx()), &tender, facts.clone(), bonus).await?;
        if !report.pending.is_empty() {
            return Err(ServiceError::PreconditionFailed(
                report.pending.iter().map(|p| p.line()).collect(),
            ));
        }
        let value = serde_json::to_value(&report)
            .map_err(|e| ServiceError::Store(crate::storage::StoreError::Database(e.to_string())))?;
        let frozen = canonical_json(&value);
        let sha256 = sha256_hex(frozen.as_bytes());
        store::insert_closing(uow.tx(), tender_id, who.user_id, &frozen, &sha256, now).await?;
        let qualified = report.qualified_count();
        let minimum = procedure_of(&tender).min_bids as usize;
        let payload = json!({"report_sha256": sha256, "bids": report.bids.len()});
        uow.record(
            NewEvent::new("tender.scoring_closed", "tender", tender_id)
                .organization(tender.municipality_id.0)
                .payload(payload),
        );
        if qualified < minimum {
            // The tender ends here: its findings are published with it.
            mark_qualification(uow.tx(), &findings_of(&value), None, now).await?;
            tenders::set_phase(uow.tx(), tender_id, TenderPhase::Unsuccessful, now).await?;
            let payload = json!({
                "before": {"status": TenderStatus::Evaluation.as_str()},
                "after": {"status": TenderStatus::Unsuccessful.as_str()},
                "qualified": qualified,
                "minimum": minimum,
            });
            uow.record(
                NewEvent::new("tender.unsuccessful", "tender", tender_id)
                    .organization(tender.municipality_id.0)
                    .payload(payload),
            );
            if project.stage == Stage::InTender {
                move_project(
                    &mut uow,
                    Some(who),
                    &project,
                    Stage::Approved,
                    "tender_unsuccessful",
                    tender_id,
                )
                .await?;
            }
        }
    })?;
    read(db, clock, ctx, who, tender_id).await
}

/// Publishes the findings of the report's bids as their statuses: `proposed` for the proposed
/// bid, `qualified` or `disqualified` for the others.
pub(crate) async fn mark_qualification(
    tx: &mut crate::storage::Tx,
    findings: &[(String, Option<bool>)],
    proposed: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    for (bid_id, qualified) in findings {
        let status = match (Some(bid_id.as_str()) == proposed, qualified) {
            (true, _) => BidStatus::Proposed,
            (false, Some(true)) => BidStatus::Qualified,
            (false, _) => BidStatus::Disqualified,
        };
        bids::set_status(tx, bid_id, status, now).await?;
    }
    Ok(())
}

/// Each bid of a report (live or frozen, as JSON) with whether it qualified.
pub(crate) fn findings_of(report: &Value) -> Vec<(String, Option<bool>)> {
    report["bids"]
        .as_array()
        .map(|bids| {
            bids.iter()
                .filter_map(|b| Some((b["bid_id"].as_str()?.to_string(), b["qualified"].as_bool())))
                .collect()
        })
        .unwrap_or_default()
}

/// The frozen report of a closed scoring, for the award proposal's service.
pub(crate) fn frozen(closing: &Closing) -> Result<Value, ServiceError> {
    serde_json::from_str(&closing.report)
        .map_err(|_| ServiceError::Store(crate::storage::StoreError::Corrupt("bad frozen report".into())))
}
