//! The award after the standstill, and a winner's decline (domain.md section 3, "Award"): the
//! approver confirms the award once the standstill is over (the tender and its project become
//! `awarded`); a winner that declines passes the award to the next-ranked qualified bid with a
//! new standstill, and with none left the tender is `unsuccessful` and its project `approved`.

use serde_json::json;

use crate::clock::Clock;
use crate::domain::access::Identity;
use crate::domain::audit::{AuditContext, NewEvent};
use crate::domain::award::{award_refusal, next_in_line};
use crate::domain::bid::BidStatus;
use crate::domain::ids::DocumentId;
use crate::domain::policy;
use crate::domain::project::Stage;
use crate::domain::tender::{TenderPhase, TenderStatus};
use crate::domain::validation::Violations;
use crate::services::evaluation::{self, Evaluation, frozen};
use crate::services::project_moves::move_project;
use crate::services::tenders::document_problem;
use crate::services::unit_of_work;
use crate::services::{ServiceError, permit};
use crate::storage::evaluation as store;
use crate::storage::{Db, bids, holidays, projects, tenders};

/// The approver confirms the award once the standstill is over (409 naming the reason before).
pub async fn award(
    db: &Db,
    clock: &dyn Clock,
    ctx: &AuditContext,
    who: &Identity,
    tender_id: i64,
) -> Result<Evaluation, ServiceError> {
    let tender = crate::services::tenders::read(db, Some(who), tender_id, clock.now()).await?;
    let holidays = holidays::calendar(db).await?;
    unit_of_work!(db, clock, ctx, |uow| {
        let project = projects::lock(uow.tx(), tender.project_id).await?;
        let tender = tenders::lock(uow.tx(), tender_id).await?;
        let now = uow.now();
        permit(policy::may_award(who, &tender.facts(now)), "tender")?;
        crate::services::ensure_not_held(&tender)?;
        let closing = store::closing(uow.tx(), tender_id)
            .await?
            .ok_or(ServiceError::Conflict("error-no-award-proposal"))?;
        let ends = closing.standstill_end(&tender, &holidays);
        let suspended = crate::storage::complaints::open_against_award(uow.tx(), tender_id).await?;
        if let Some(reason) = award_refusal(now, ends, suspended) {
            return Err(ServiceError::Conflict(reason));
        }
        let winner = closing
            .proposed_bid_id
            .clone()
            .ok_or(ServiceError::Conflict("error-no-award-proposal"))?;
        store::set_awarded(uow.tx(), tender_id, who.user_id, now).await?;
        bids::set_status(uow.tx(), &winner, BidStatus::Awarded, now).await?;
        tenders::set_phase(uow.tx(), tender_id, TenderPhase::Awarded, now).await?;
        let payload = json!({
            "bid_id": winner,
            "before": {"status": TenderStatus::Standstill.as_str()},
            "after": {"status": TenderStatus::Awarded.as_str()},
        });
        uow.record(
            NewEvent::new("tender.awarded", "tender", tender_id)
                .organization(tender.municipality_id.0)
                .payload(payload),
        );
        if project.stage == Stage::InTender {
            move_project(
                &mut uow,
                Some(who),
                &project,
                Stage::Awarded,
                "tender_awarded",
                tender_id,
            )
            .await?;
        }
    })?;
    evaluation::read(db, clock, ctx, who, tender_id).await
}

/// A winner's decline: its bidder states it, or the approver records it with a public document
/// of the project. The award passes to the next-ranked qualified bid (proposed and confirmed
/// at once: a new standstill); with none left the tender is `unsuccessful`.
pub async fn decline(
    db: &Db,
    clock: &dyn Clock,
    ctx: &AuditContext,
    who: &Identity,
    bid_id: &str,
    document_id: Option<DocumentId>,
) -> Result<Declined, ServiceError> {
    // No bid by that id answers as one that is not the caller's to decline (see the policy).
    let nothing = |e: ServiceError| match e {
        ServiceError::NotFound(_) => ServiceError::Conflict("error-nothing-to-decline"),
        other => other,
    };
    let bid = bids::find(db, bid_id).await.map_err(|e| nothing(e.into()))?;
    let tender = crate::services::tenders::read(db, Some(who), bid.tender_id, clock.now())
        .await
        .map_err(nothing)?;
    unit_of_work!(db, clock, ctx, |uow| {
        let project = projects::lock(uow.tx(), tender.project_id).await?;
        let tender = tenders::lock(uow.tx(), bid.tender_id).await?;
        let now = uow.now();
        permit(policy::may_decline(who, &tender.facts(now), bid.lead_org_id), "bid")?;
        crate::services::ensure_not_held(&tender)?;
        let closing = store::closing(uow.tx(), tender.id)
            .await?
            .ok_or(ServiceError::Conflict("error-nothing-to-decline"))?;
        if closing.proposed_bid_id.as_deref() != Some(bid_id) {
            return Err(ServiceError::Conflict("error-not-the-winner"));
        }
        // The winner's own word needs no document; the approver's record does.
        let by_winner = who.organization_id == bid.lead_org_id;
        let mut v = Violations::new();
        match document_id {
            None if !by_winner => v.add("document_id", "required"),
            None => {}
            Some(document) => {
                if let Some(code) = document_problem(&mut uow, tender.project_id, document).await? {
                    v.add("document_id", code);
                }
            }
        }
        v.into_result().map_err(ServiceError::Invalid)?;
        let ranking: Vec<String> = frozen(&closing)?["ranking"]
            .as_array()
            .map(|r| {
                r.iter()
                    .filter_map(|e| e["bid_id"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        let declined: Vec<String> = bids::of_tender(&mut uow, tender.id)
            .await?
            .into_iter()
            .filter(|b| b.status == BidStatus::Declined || b.id == bid_id)
            .map(|b| b.id)
            .collect();
        let next = next_in_line(&ranking, &declined).map(str::to_string);
        bids::set_status(uow.tx(), bid_id, BidStatus::Declined, now).await?;
        crate::services::contracts::cancel_pending(&mut uow, tender.id, "award_declined").await?;
        let before = tender.status(now);
        let payload = json!({
            "tender_id": tender.id.to_string(),
            "by": if by_winner { "winner" } else { "approver" },
            "document_id": document_id.map(|d| d.to_string()),
            "next_bid_id": next,
        });
        uow.record(
            NewEvent::new("bid.declined", "bid", bid_id)
                .organization(tender.municipality_id.0)
                .payload(payload),
        );
        match &next {
            Some(next) => {
                // Passed on by the rules, not proposed or confirmed by the one who declined.
                store::set_replacement(uow.tx(), tender.id, next, now).await?;
                bids::set_status(uow.tx(), next, BidStatus::Proposed, now).await?;
                tenders::set_phase(uow.tx(), tender.id, TenderPhase::Standstill, now).await?;
                let payload = json!({
                    "bid_id": next,
                    "before": {"status": before.as_str()},
                    "after": {"status": TenderStatus::Standstill.as_str()},
                });
                uow.record(
                    NewEvent::new("tender.award_passed_on", "tender", tender.id)
                        .organization(tender.municipality_id.0)
                        .payload(payload),
                );
                if project.stage == Stage::Awarded {
                    move_project(&mut uow, None, &project, Stage::InTender, "award_declined", tender.id).await?;
                }
            }
            None => {
                tenders::set_phase(uow.tx(), tender.id, TenderPhase::Unsuccessful, now).await?;
                let payload = json!({
                    "before": {"status": before.as_str()},
                    "after": {"status": TenderStatus::Unsuccessful.as_str()},
                    "reason": "every_ranked_bid_declined",
                });
                uow.record(
                    NewEvent::new("tender.unsuccessful", "tender", tender.id)
                        .organization(tender.municipality_id.0)
                        .payload(payload),
                );
                if matches!(project.stage, Stage::InTender | Stage::Awarded) {
                    move_project(
                        &mut uow,
                        Some(who),
                        &project,
                        Stage::Approved,
                        "tender_unsuccessful",
                        tender.id,
                    )
                    .await?;
                }
            }
        }
        Declined {
            bid_id: bid_id.to_string(),
            tender_id: tender.id.to_string(),
            tender_status: if next.is_some() {
                TenderStatus::Standstill
            } else {
                TenderStatus::Unsuccessful
            },
            next_bid_id: next,
        }
    })
}

/// What a decline answers.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct Declined {
    pub bid_id: String,
    pub tender_id: String,
    /// `standstill` again for the next-ranked bid, or `unsuccessful` with none left.
    pub tender_status: TenderStatus,
    /// The bid the award passed to (now `proposed`, its standstill running), if any.
    pub next_bid_id: Option<String>,
}
