//! The award proposal (domain.md section 3, "Award"): the acting chair proposes the top-ranked
//! qualified bid of the frozen report, and the approver confirms it, which starts the
//! standstill and marks the bids proposed, qualified or disqualified.

use serde_json::json;

use crate::clock::Clock;
use crate::domain::access::Identity;
use crate::domain::audit::{AuditContext, NewEvent};
use crate::domain::policy;
use crate::domain::tender::{TenderPhase, TenderStatus};
use crate::services::commission::seat_for_change;
use crate::services::evaluation::{self, Evaluation, findings_of, frozen, mark_qualification};
use crate::services::unit_of_work;
use crate::services::{ServiceError, permit};
use crate::storage::evaluation as store;
use crate::storage::{Db, Reader, tenders};

/// The acting chair proposes `bid_id`, which must be the frozen report's top-ranked bid.
pub async fn propose(
    db: &Db,
    clock: &dyn Clock,
    ctx: &AuditContext,
    who: &Identity,
    tender_id: i64,
    bid_id: &str,
) -> Result<Evaluation, ServiceError> {
    crate::services::tenders::read(db, Some(who), tender_id, clock.now()).await?;
    unit_of_work!(db, clock, ctx, |uow| {
        let tender = tenders::lock(uow.tx(), tender_id).await?;
        let now = uow.now();
        crate::services::ensure_not_held(&tender)?;
        let closing = store::closing(uow.tx(), tender_id).await?;
        let seat = seat_for_change(&mut Reader::from(uow.tx()), &tender, who).await?;
        permit(
            policy::may_chair_evaluation(who, &tender.facts(now), seat, closing.is_some(), true),
            "tender",
        )?;
        let Some(closing) = closing else {
            return Err(ServiceError::Conflict("error-scoring-open"));
        };
        if closing.proposed_bid_id.is_some() {
            return Err(ServiceError::Conflict("error-award-already-proposed"));
        }
        let Some(top) = frozen(&closing)?["ranking"][0]["bid_id"].as_str().map(str::to_string) else {
            return Err(ServiceError::Conflict("error-no-qualified-bid"));
        };
        if top != bid_id {
            return Err(ServiceError::NotTopRanked(top));
        }
        store::set_proposal(uow.tx(), tender_id, bid_id, who.user_id, now).await?;
        let payload = json!({"bid_id": bid_id, "report_sha256": closing.sha256});
        uow.record(
            NewEvent::new("tender.award_proposed", "tender", tender_id)
                .organization(tender.municipality_id.0)
                .payload(payload),
        );
    })?;
    evaluation::read(db, clock, ctx, who, tender_id).await
}

/// The approver confirms the proposal: the tender enters its standstill, the proposed bid is
/// `proposed` and every other evaluated bid `qualified` or `disqualified`.
pub async fn confirm(
    db: &Db,
    clock: &dyn Clock,
    ctx: &AuditContext,
    who: &Identity,
    tender_id: i64,
) -> Result<Evaluation, ServiceError> {
    crate::services::tenders::read(db, Some(who), tender_id, clock.now()).await?;
    unit_of_work!(db, clock, ctx, |uow| {
        let tender = tenders::lock(uow.tx(), tender_id).await?;
        let now = uow.now();
        crate::services::ensure_not_held(&tender)?;
        permit(policy::may_confirm_award_proposal(who, &tender.facts(now)), "tender")?;
        let closing = store::closing(uow.tx(), tender_id)
            .await?
            .filter(|c| c.proposed_bid_id.is_some())
            .ok_or(ServiceError::Conflict("error-no-award-proposal"))?;
        let proposed = closing.proposed_bid_id.clone().unwrap_or_default();
        store::set_confirmation(uow.tx(), tender_id, who.user_id, now).await?;
        mark_qualification(uow.tx(), &findings_of(&frozen(&closing)?), Some(&proposed), now).await?;
        tenders::set_phase(uow.tx(), tender_id, TenderPhase::Standstill, now).await?;
        let payload = json!({
            "bid_id": proposed,
            "before": {"status": TenderStatus::Evaluation.as_str()},
            "after": {"status": TenderStatus::Standstill.as_str()},
        });
        uow.record(
            NewEvent::new("tender.award_proposal_confirmed", "tender", tender_id)
                .organization(tender.municipality_id.0)
                .payload(payload),
        );
    })?;
    evaluation::read(db, clock, ctx, who, tender_id).await
}
