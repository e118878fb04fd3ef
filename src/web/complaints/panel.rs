//! What the tender's page shows of its complaints and hold to its viewer: the hold's banner,
//! the complaints the viewer may read, the complaint form when the viewer may file one now, and
//! the reviewer's decision and hold forms.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::domain::complaint::{Ruling, after_ruling};
use crate::domain::policy;
use crate::services::complaints as service;
use crate::storage::Db;
use crate::storage::tenders::Tender;
use crate::web::page::{PageContext, PageError};

/// The complaints panel of the tender's page.
pub(crate) async fn panel(ctx: &PageContext, db: &Db, tender: &Tender, now: DateTime<Utc>) -> Result<Value, PageError> {
    let lang = ctx.lang;
    let reviewer = ctx
        .user
        .as_ref()
        .is_some_and(|who| policy::may_decide_complaint(who).is_allowed());
    let (complaints, may_file) = match &ctx.user {
        Some(who) => service::on_tender_page(db, who, tender, now).await?,
        None => (Vec::new(), Vec::new()),
    };
    let list: Vec<Value> = complaints
        .iter()
        .map(|c| {
            let rulings: Vec<Value> = if reviewer && c.status.is_open() {
                Ruling::ALL
                    .iter()
                    .filter(|r| after_ruling(c.status, **r).is_ok())
                    .map(|r| json!({"value": r.as_str(), "label": lang.text(&format!("complaint-ruling-{}", r.as_str()))}))
                    .collect()
            } else {
                Vec::new()
            };
            let may_withdraw = c.status.is_open()
                && ctx.user.as_ref().zip(c.complainant.as_ref()).is_some_and(|(who, complainant)| {
                    complainant.id.parse().is_ok_and(|org| {
                        policy::may_withdraw_complaint(who, crate::domain::ids::OrgId(org)).is_allowed()
                    })
                });
            json!({
                "complaint": c,
                "may_withdraw": may_withdraw,
                "against_label": lang.text(&format!("complaint-against-{}", c.against.as_str())),
                "status_label": lang.text(&format!("complaint-status-{}", c.status.as_str())),
                "rulings": rulings,
            })
        })
        .collect();
    let may_hold = ctx
        .user
        .as_ref()
        .is_some_and(|who| policy::may_hold(who, &tender.facts(now)).is_allowed());
    let against: Vec<Value> = may_file
        .into_iter()
        .map(|a| json!({"value": a.as_str(), "label": lang.text(&format!("complaint-against-{}", a.as_str()))}))
        .collect();
    Ok(json!({
        "list": list,
        "may_file": against,
        "hold": tender.hold.as_ref().map(|h| json!({"reason": h.reason, "since": h.since,
            "awaiting_amendment": h.complaint_id.is_some()})),
        "award_suspended": tender.award_suspended,
        "may_hold": may_hold && tender.hold.is_none(),
        "may_release": may_hold && tender.hold.is_some(),
        "shown": !list.is_empty() || reviewer || tender.hold.is_some(),
    }))
}
