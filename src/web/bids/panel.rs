//! What the tender's page shows of its bids to its viewer: the bidder's own bid with its
//! receipt, its consortium invitations, the chair's opening button and, once opened, the
//! protocol. Reads nothing sealed.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::domain::access::Identity;
use crate::domain::organization::OrganizationKind;
use crate::domain::policy;
use crate::domain::tender::TenderStatus;
use crate::services::bids::{self as service, OwnBid};
use crate::storage::Db;
use crate::storage::tenders::Tender;
use crate::web::AppState;
use crate::web::page::{PageContext, PageError};

/// A company bidder's own bid on `tender`, if it has one.
async fn own_bid(app: &AppState, db: &Db, who: &Identity, tender: &Tender, now: DateTime<Utc>) -> Option<OwnBid> {
    if who.organization_kind != OrganizationKind::Company || !who.has_any_role(policy::BIDDERS) {
        return None;
    }
    service::mine(db, who, app.config.keyring.as_deref(), tender.id, now)
        .await
        .ok()
}

/// What the tender's page shows of its bids to this viewer. Reads nothing sealed: the
/// protocol only once opened, the bidder's own bid as its receipt.
pub(crate) async fn panel(
    ctx: &PageContext,
    db: &Db,
    app: &AppState,
    tender: &Tender,
    now: DateTime<Utc>,
) -> Result<Value, PageError> {
    let facts = tender.facts(now);
    let status = tender.status(now);
    let own = match &ctx.user {
        Some(who) => own_bid(app, db, who, tender, now).await,
        None => None,
    };
    let protocol = match tender.opened_at {
        Some(_) => Some(
            service::protocol(
                db,
                ctx.user.as_ref(),
                &crate::domain::audit::AuditContext::system(),
                &*app.clock,
                tender.id,
            )
            .await?,
        ),
        None => None,
    };
    // The opened bids whose documents this viewer may read: the others' names are shown
    // without a link (which would only answer 403).
    let seat = match (&ctx.user, &protocol) {
        (Some(who), Some(_)) => crate::services::commission::seat(db, tender, who).await?,
        _ => policy::Seat::NotMember,
    };
    let readable: Vec<&str> = match (&ctx.user, &protocol) {
        (Some(who), Some(p)) => p
            .bids
            .iter()
            .filter(|b| {
                let party: Vec<crate::domain::ids::OrgId> = std::iter::once(&b.bidding_party.lead.id)
                    .chain(b.bidding_party.members.iter().map(|m| &m.id))
                    .filter_map(|id| id.parse().ok().map(crate::domain::ids::OrgId))
                    .collect();
                policy::may_read_opened_bid(who, &facts, &party, seat).is_allowed()
            })
            .map(|b| b.bid_id.as_str())
            .collect(),
        _ => vec![],
    };
    let taking_bids = matches!(status, TenderStatus::ActiveEnquiries | TenderStatus::ActiveTendering);
    let may_bid = taking_bids
        && ctx.user.as_ref().is_some_and(|w| {
            policy::may_bid(w, &facts).is_allowed() && w.organization_kind == OrganizationKind::Company
        });
    let may_open = status == TenderStatus::Closed
        && tender.timeline().is_some_and(|t| now >= t.opening)
        && ctx
            .user
            .as_ref()
            .is_some_and(|w| policy::may_open_bids(w, &facts).is_allowed());
    let basis = tender.terms.criteria.iter().find_map(|c| c.financial.as_ref());
    let invitations: Vec<Value> = match &ctx.user {
        Some(who) if who.organization_kind == OrganizationKind::Company && who.has_any_role(policy::BIDDERS) => {
            service::invitations(db, who)
                .await?
                .into_iter()
                .filter(|i| i.tender_id == tender.id.to_string())
                .map(|i| json!({"invitation": i, "may_join": taking_bids && !i.confirmed}))
                .collect()
        }
        _ => vec![],
    };
    let own_view = own.as_ref().map(|b| {
        let label = ctx
            .lang
            .text(&format!("bid-status-{}", b.status.as_str().replace('_', "-")));
        let in_protocol = protocol.as_ref().map(|p| {
            p.bids
                .iter()
                .any(|e| e.bid_id == b.bid_id && e.sha256 == b.content_sha256)
        });
        json!({"bid": b, "status_label": label, "in_protocol": in_protocol,
               "withdrawn": b.status == crate::domain::bid::BidStatus::Withdrawn,
               "needs_confirmation": b.status == crate::domain::bid::BidStatus::NeedsConfirmation,
               "tender_cancelled": b.tender_status == TenderStatus::Cancelled
                   && b.status != crate::domain::bid::BidStatus::Withdrawn})
    });
    Ok(json!({
        "own": own_view,
        "invitations": invitations,
        "replacing": own.as_ref().is_some_and(|b| b.status != crate::domain::bid::BidStatus::Withdrawn),
        "may_bid": may_bid,
        "may_open": may_open,
        "stream": basis.is_some_and(|b| b.figure.is_yearly_stream()),
        "currency": basis.map(|b| b.currency.code()),
        "unit": basis.map(|b| b.unit.clone()),
        "security_required": tender.terms.bid_security,
        "readable": readable,
        "protocol": protocol,
    }))
}
