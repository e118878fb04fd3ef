//! Who reads a sealed tender's bids: nobody before its opening (each refused caller recorded
//! once per burst), and after it the bidding party and those the policy names.

use chrono::Duration;

use crate::clock::Clock;
use crate::domain::access::Identity;
use crate::domain::audit::{AuditContext, NewEvent};
use crate::domain::policy;
use crate::services::unit_of_work;
use crate::services::{ServiceError, permit};
use crate::storage::bids::{self, Bid};
use crate::storage::tenders::Tender;
use crate::storage::{Db, audit};

/// How long refusals to one caller count as one burst (one event).
const REFUSAL_BURST: Duration = Duration::minutes(10);

/// Records a refused attempt to read sealed bids, once per burst per caller and tender.
pub(crate) async fn refuse_sealed(
    db: &Db,
    clock: &dyn Clock,
    ctx: &AuditContext,
    tender: &Tender,
) -> Result<(), ServiceError> {
    let since = clock.now() - REFUSAL_BURST;
    if audit::refused_recently(db, "tender.sealed_read_refused", tender.id, ctx, since).await? {
        return Ok(());
    }
    unit_of_work!(db, clock, ctx, |uow| {
        uow.record(
            NewEvent::new("tender.sealed_read_refused", "tender", tender.id).organization(tender.municipality_id.0),
        );
    })
}

/// Bid `bid_id` and its tender, when `who` may read the opened bid: `sealed` to everyone (the
/// refusal recorded) before the opening.
pub(crate) async fn opened_bid_for(
    db: &Db,
    clock: &dyn Clock,
    ctx: &AuditContext,
    who: &Identity,
    bid_id: &str,
) -> Result<(Bid, Tender), ServiceError> {
    let bid = bids::find(db, bid_id).await?;
    let now = clock.now();
    let tender = crate::services::tenders::read(db, Some(who), bid.tender_id, now).await?;
    if tender.opened_at.is_none() {
        refuse_sealed(db, clock, ctx, &tender).await?;
        return Err(ServiceError::Sealed);
    }
    let mut party = vec![bid.lead_org_id];
    party.extend(
        bids::members(db, &bid.id)
            .await?
            .into_iter()
            .filter(|m| m.confirmed)
            .map(|m| m.company_id),
    );
    let seat = crate::services::commission::seat(db, &tender, who).await?;
    permit(
        policy::may_read_opened_bid(who, &tender.facts(now), &party, seat),
        "bid",
    )?;
    Ok((bid, tender))
}
