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

async fn gather(
    db: &Db,
    app: &AppState,
    who: &Identity,
) -> Result<(Vec<Tender>, Vec<OwnBid>, Vec<Invitation>), ServiceError> {
    let now = app.clock.now();
    let open = open_tenders(db, who, now).await?;
    let bids = service::all_mine(db, who, app.config.keyring.as_deref(), now).await?;
    let invitations = service::invitations(db, who).await?;
    Ok((open, bids, invitations))
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
    let (open, bids, invitations) = gather(db, app, &who.0).await?;
    let now = app.clock.now();
    let prefix = &app.config.ocid_prefix;
    Ok(Json(BidderDashboard {
        open_tenders: open.into_iter().map(|t| TenderView::new(t, prefix, now)).collect(),
        bids,
        invitations,
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
    let (open, bids, invitations) = gather(db, app, &who.0).await?;
    let now = app.clock.now();
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
        json!({"open": open, "bids": bids, "invitations": invitations}),
    ))
}
