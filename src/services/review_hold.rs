//! The reviewers' hold on a tender (domain.md section 3: `review_hold`): while it is set every
//! change to the tender is refused (409 `review_hold` with the reason) and the tender's clock
//! stands still; on release the instants still ahead when the hold began (enquiry end,
//! deadline, opening, the standstill's end) move by the hold's length.

use serde_json::json;

use crate::clock::Clock;
use crate::domain::access::Identity;
use crate::domain::audit::{AuditContext, NewEvent};
use crate::domain::complaint::{check_reason, instant_after_hold, timeline_after_hold};
use crate::domain::policy;
use crate::domain::tender::ReviewHold;
use crate::domain::validation::Violations;
use crate::services::unit_of_work;
use crate::services::{ServiceError, permit};
use crate::storage::unit_of_work::UnitOfWork;
use crate::storage::{Db, complaints, evaluation, holidays, tenders};

/// A reviewer puts the tender on hold with a reason.
pub async fn hold(
    db: &Db,
    clock: &dyn Clock,
    ctx: &AuditContext,
    who: &Identity,
    tender_id: i64,
    reason: &str,
) -> Result<tenders::Tender, ServiceError> {
    unit_of_work!(db, clock, ctx, |uow| {
        let tender = tenders::lock(uow.tx(), tender_id).await?;
        let now = uow.now();
        permit(policy::may_hold(who, &tender.facts(now)), "tender")?;
        if tender.hold.is_some() {
            return Err(ServiceError::Conflict("error-already-held"));
        }
        let mut v = Violations::new();
        check_reason(&mut v, "reason", reason);
        v.into_result().map_err(ServiceError::Invalid)?;
        let hold = ReviewHold {
            reason: reason.trim().to_string(),
            since: now,
            by: who.user_id,
            complaint_id: None,
        };
        put_on_hold(&mut uow, &tender, &hold).await?;
        tenders::find(&mut uow, tender_id).await?
    })
}

/// Sets `hold` on the locked `tender` and records it.
pub(crate) async fn put_on_hold(
    uow: &mut UnitOfWork<'_>,
    tender: &tenders::Tender,
    hold: &ReviewHold,
) -> Result<(), ServiceError> {
    tenders::set_hold(uow.tx(), tender.id, hold).await?;
    let payload = json!({
        "reason": hold.reason,
        "complaint_id": hold.complaint_id.map(|c| c.to_string()),
        "status": tender.status(hold.since).as_str(),
    });
    uow.record(
        NewEvent::new("tender.held", "tender", tender.id)
            .organization(tender.municipality_id.0)
            .payload(payload),
    );
    Ok(())
}

/// A reviewer releases the hold.
pub async fn release(
    db: &Db,
    clock: &dyn Clock,
    ctx: &AuditContext,
    who: &Identity,
    tender_id: i64,
) -> Result<tenders::Tender, ServiceError> {
    let holidays = holidays::calendar(db).await?;
    unit_of_work!(db, clock, ctx, |uow| {
        let tender = tenders::lock(uow.tx(), tender_id).await?;
        let now = uow.now();
        permit(policy::may_hold(who, &tender.facts(now)), "tender")?;
        release_locked(&mut uow, &tender, &holidays, "reviewer").await?;
        // A complaint against the terms upheld during the reviewer's hold: its amendment hold
        // follows now (a reviewer may release that one too, deciding no amendment is needed).
        if let Some(complaint_id) = tender.pending_amendment {
            tenders::set_pending_amendment(uow.tx(), tender_id, None).await?;
            let complaint = complaints::find(&mut uow, complaint_id).await?;
            let hold = ReviewHold {
                reason: complaint.decision_reason.unwrap_or_default(),
                since: now,
                by: who.user_id,
                complaint_id: Some(complaint_id),
            };
            let released = tenders::find(&mut uow, tender_id).await?;
            put_on_hold(&mut uow, &released, &hold).await?;
        }
        tenders::find(&mut uow, tender_id).await?
    })
}

/// Lifts the hold of the locked `tender` (409 when there is none), moving the instants still
/// ahead when it began by its length; `by` says what released it (`reviewer`, `amendment`).
pub(crate) async fn release_locked(
    uow: &mut UnitOfWork<'_>,
    tender: &tenders::Tender,
    holidays: &crate::domain::calendar::Holidays,
    by: &'static str,
) -> Result<(), ServiceError> {
    let Some(hold) = &tender.hold else {
        return Err(ServiceError::Conflict("error-not-held"));
    };
    let now = uow.now();
    let before = tender.timeline();
    let after = before.map(|t| timeline_after_hold(&t, hold.since, now));
    tenders::clear_hold(uow.tx(), tender.id, after.as_ref(), now).await?;
    let mut standstill = serde_json::Value::Null;
    if let Some(closing) = evaluation::closing(uow.tx(), tender.id).await? {
        let end = closing.standstill_end(tender, holidays);
        if let Some(end) = end.filter(|end| *end > hold.since && closing.awarded_at.is_none()) {
            let moved = instant_after_hold(end, hold.since, now);
            let micros = (moved - end).num_microseconds().unwrap_or(i64::MAX);
            complaints::extend_standstill(uow.tx(), tender.id, micros).await?;
            standstill = json!({"before": end, "after": moved});
        }
    }
    let payload = json!({
        "reason": hold.reason,
        "held_since": hold.since,
        "released_by": by,
        "seconds": (now - hold.since).num_seconds(),
        "timeline": {
            "before": before.map(|t| json!({"enquiry_end": t.enquiry_end, "deadline": t.deadline, "opening": t.opening})),
            "after": after.map(|t| json!({"enquiry_end": t.enquiry_end, "deadline": t.deadline, "opening": t.opening})),
        },
        "standstill_ends": standstill,
    });
    uow.record(
        NewEvent::new("tender.released", "tender", tender.id)
            .organization(tender.municipality_id.0)
            .payload(payload),
    );
    Ok(())
}
