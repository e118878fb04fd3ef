//! The bidder's dashboard: tenders taking bids, the company's own bids with their receipts
//! (those to confirm after an amendment first, a cancelled tender's said so), and its
//! consortium invitations; as a page and as JSON.

use rocket::State;
use rocket::serde::json::Json;
use rocket_dyn_templates::Template;
use serde::Serialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

use crate::domain::access::Identity;
use crate::domain::bid::BidStatus;
use crate::domain::policy::draft_scope;
use crate::domain::tender::TenderStatus;
use crate::services::ServiceError;
use crate::services::bids::{self as service, Invitation, OwnBid};
use crate::services::complaints::ComplaintView;
use crate::storage::Db;
use crate::storage::tenders::{self, Tender, TenderFilter};
use crate::web::AppState;
use crate::web::api_error::ApiError;
use crate::web::auth::{Authorized, BidSubmitters};
use crate::web::page::{PageContext, PageError};
use crate::web::tenders::views::TenderView;

/// The most open tenders the dashboard lists (newest first).
const OPEN_TENDERS: u32 = 50;

/// What a company's bidder sees first.
#[derive(Debug, Serialize, ToSchema)]
pub struct BidderDashboard {
    /// Tenders taking bids now, newest first (up to 50).
    pub open_tenders: Vec<TenderView>,
    /// The company's own bids, newest tender first: status (`needs_confirmation` after an
    /// amendment), latest receipt, and the tender's status (`cancelled`: never opened).
    pub bids: Vec<OwnBid>,
    /// Consortium invitations to the company, on standing bids.
    pub invitations: Vec<Invitation>,
    /// The company's complaints, and those against the award of tenders where it is a bidding
    /// party in the protocol, newest first, each with its status and the reviewer's reason.
    pub complaints: Vec<ComplaintView>,
    /// Contracts the company is a party to (as the private party, the winning bid's lead or
    /// member, or a shareholder of the special-purpose company), drafts included, newest first.
    pub contracts: Vec<crate::services::contracts::ContractSummary>,
}

/// Tenders taking bids now (in their enquiry or tendering period), newest first.
async fn open_tenders(
    db: &Db,
    who: &Identity,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<Tender>, ServiceError> {
    let mut open = Vec::new();
    for status in [TenderStatus::ActiveEnquiries, TenderStatus::ActiveTendering] {
        let filter = TenderFilter {
            status: Some(status),
            ..TenderFilter::default()
        };
        open.extend(tenders::list(db, &filter, draft_scope(Some(who)), now, None, OPEN_TENDERS).await?);
    }
    open.sort_by_key(|t| std::cmp::Reverse(t.id));
    open.truncate(OPEN_TENDERS as usize);
    Ok(open)
}

/// What the dashboard shows, gathered once for the page and the API.
struct Gathered {
    open: Vec<Tender>,
    bids: Vec<OwnBid>,
    invitations: Vec<Invitation>,
    complaints: Vec<ComplaintView>,
    contracts: Vec<crate::services::contracts::ContractSummary>,
}

async fn gather(db: &Db, app: &AppState, who: &Identity) -> Result<Gathered, ServiceError> {
    let now = app.clock.now();
    let open = open_tenders(db, who, now).await?;
    let bids = service::all_mine(db, who, app.config.keyring.as_deref(), now).await?;
    let invitations = service::invitations(db, who).await?;
    // Opened tenders the company bid on: it is a bidding party in their protocols.
    let in_protocol: Vec<i64> = bids
        .iter()
        .filter(|b| {
            matches!(
                b.tender_status,
                TenderStatus::Evaluation
                    | TenderStatus::Standstill
                    | TenderStatus::Awarded
                    | TenderStatus::Complete
                    | TenderStatus::Unsuccessful
            )
        })
        .filter_map(|b| b.tender_id.parse().ok())
        .collect();
    let complaints = crate::services::complaints::concerning(db, who, &in_protocol).await?;
    let party = crate::storage::contracts::ContractFilter {
        party: Some(who.organization_id),
        ..Default::default()
    };
    let threshold = app.config.amendment_flag_percent;
    let contracts = crate::services::contracts::list(db, Some(who), &party, None, 200)
        .await?
        .iter()
        .map(|c| crate::services::contracts::ContractSummary::new(c, &app.config.ocid_prefix, threshold))
        .collect();
    Ok(Gathered {
        open,
        bids,
        invitations,
        complaints,
        contracts,
    })
}

/// The caller's company's dashboard: open tenders, own bids with their latest receipts,
/// consortium invitations.
#[utoipa::path(get, operation_id = "bids_dashboard", path = "/api/v1/bids/mine", tag = "bids",
    responses((status = 200, description = "The dashboard", body = BidderDashboard)),
    security(("bearer" = [])))]
#[rocket::get("/bids/mine")]
pub async fn api(
    who: Authorized<BidSubmitters>,
    db: &State<Db>,
    app: &State<AppState>,
) -> Result<Json<BidderDashboard>, ApiError> {
    let g = gather(db, app, &who.0).await?;
    let now = app.clock.now();
    let prefix = &app.config.ocid_prefix;
    Ok(Json(BidderDashboard {
        open_tenders: g.open.into_iter().map(|t| TenderView::new(t, prefix, now)).collect(),
        bids: g.bids,
        invitations: g.invitations,
        complaints: g.complaints,
        contracts: g.contracts,
    }))
}

/// The page: bids to confirm first, then invitations, own bids and open tenders.
#[rocket::get("/bids")]
pub async fn page(
    ctx: PageContext,
    who: Authorized<BidSubmitters>,
    db: &State<Db>,
    app: &State<AppState>,
) -> Result<Template, PageError> {
    let Gathered {
        open,
        bids,
        invitations,
        complaints,
        contracts,
    } = gather(db, app, &who.0).await?;
    let now = app.clock.now();
    // Each complaint's tender by its title (a consortium member's tender has no own bid here).
    let mut titles = std::collections::BTreeMap::new();
    for b in &bids {
        titles.insert(b.tender_id.clone(), b.tender_title.get(ctx.lang).to_string());
    }
    for c in &complaints {
        if !titles.contains_key(&c.tender_id)
            && let Ok(id) = c.tender_id.parse::<i64>()
        {
            let tender = tenders::find(&**db, id).await?;
            titles.insert(c.tender_id.clone(), tender.terms.title.get(ctx.lang).to_string());
        }
    }
    let complaints: Vec<Value> = complaints
        .iter()
        .map(|c| {
            let title = titles.get(&c.tender_id).cloned().unwrap_or_default();
            json!({
                "complaint": c,
                "title": title,
                "against_label": ctx.lang.text(&format!("complaint-against-{}", c.against.as_str())),
                "status_label": ctx.lang.text(&format!("complaint-status-{}", c.status.as_str())),
            })
        })
        .collect();
    let bid_on: Vec<String> = bids
        .iter()
        .filter(|b| b.status != BidStatus::Withdrawn)
        .map(|b| b.tender_id.clone())
        .collect();
    let open: Vec<Value> = open
        .iter()
        .map(|t| {
            let mut row = crate::web::tenders::pages::row(&ctx, t, now);
            row["has_bid"] = json!(bid_on.contains(&t.id.to_string()));
            row
        })
        .collect();
    let bids: Vec<Value> = bids
        .iter()
        .map(|b| {
            json!({
                "bid": b,
                "title": b.tender_title.get(ctx.lang),
                "status_label": ctx.lang.text(&format!("bid-status-{}", b.status.as_str().replace('_', "-"))),
                "tender_status_label": crate::web::tenders::pages::status_label(&ctx, b.tender_status),
                "needs_confirmation": b.status == BidStatus::NeedsConfirmation
                    && matches!(b.tender_status, TenderStatus::ActiveEnquiries | TenderStatus::ActiveTendering),
                "tender_cancelled": b.tender_status == TenderStatus::Cancelled && b.status != BidStatus::Withdrawn,
            })
        })
        .collect();
    Ok(ctx.render(
        "bids",
        "bids-title",
        json!({"open": open, "bids": bids, "invitations": invitations, "complaints": complaints,
               "contracts": contracts.iter().map(|c| json!({"contract": c,
                   "status_label": crate::web::contracts::pages::status_label(&ctx, c.status)})).collect::<Vec<_>>()}),
    ))
}
