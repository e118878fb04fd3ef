//! The municipality dashboard: projects and their value by stage, as a table and as an SVG bar
//! chart drawn by the server (no scripts, readable offline and by screen readers).

use rocket::State;
use rocket::serde::json::Json;
use rocket_dyn_templates::Template;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use crate::domain::access::Identity;
use crate::domain::ids::OrgId;
use crate::domain::money::{Currency, Money};
use crate::domain::organization::OrganizationKind;
use crate::domain::policy::draft_scope;
use crate::domain::project::Stage;
use crate::storage::{Db, organizations, projects};
use crate::web::api_error::ApiError;
use crate::web::auth::MaybeUser;
use crate::web::page::{PageContext, PageError};

#[derive(Debug, Serialize, ToSchema)]
pub struct StageSummary {
    pub stage: Stage,
    pub projects: i64,
    /// Total estimated capital cost of the stage's projects in KGS.
    pub capital_cost: Money,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Summary {
    pub stages: Vec<StageSummary>,
}

async fn summarize(db: &Db, who: Option<&Identity>, municipality: Option<OrgId>) -> Result<Summary, ApiError> {
    let rows = projects::summary(db, municipality, draft_scope(who), Currency::Kgs).await?;
    Ok(Summary {
        stages: rows
            .into_iter()
            .map(|(stage, count, total)| StageSummary {
                stage,
                projects: count,
                capital_cost: Money::new(total, Currency::Kgs),
            })
            .collect(),
    })
}

/// Projects and value (KGS) by stage, of one municipality or of all.
#[utoipa::path(get, path = "/api/v1/projects/summary", tag = "projects",
    params(("municipality" = Option<String>, Query, pattern = "^[0-9]{1,18}$", description = "Organisation id; all municipalities when absent")),
    responses((status = 200, description = "Counts and totals by stage", body = Summary)))]
#[rocket::get("/projects/summary?<municipality>")]
pub async fn summary(
    who: MaybeUser,
    _once: crate::web::query_once::QueryOnce,
    municipality: Option<&str>,
    db: &State<Db>,
) -> Result<Json<Summary>, ApiError> {
    let municipality = municipality
        .map(|m| m.parse::<OrgId>().map_err(|_| ApiError::field("municipality", "id")))
        .transpose()?;
    Ok(Json(summarize(db, who.0.as_ref(), municipality).await?))
}

/// Bar geometry for the chart: the bar's height in a 200-unit plot for `value` of `max`.
fn bar_height(value: Decimal, max: Decimal) -> f64 {
    if max.is_zero() {
        return 0.0;
    }
    (value / max * Decimal::from(200)).to_f64().unwrap_or(0.0).max(1.0)
}

#[rocket::get("/dashboard?<municipality>")]
pub async fn page(ctx: PageContext, municipality: Option<&str>, db: &State<Db>) -> Result<Template, PageError> {
    let lang = ctx.lang;
    let chosen = municipality.and_then(|m| m.parse::<OrgId>().ok());
    let summary = summarize(db, ctx.user.as_ref(), chosen)
        .await
        .map_err(|e| PageError::new(e.status))?;
    let max = summary
        .stages
        .iter()
        .map(|s| s.capital_cost.amount)
        .max()
        .unwrap_or_default();
    let bars: Vec<_> = summary
        .stages
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let height = bar_height(s.capital_cost.amount, max);
            json!({
                "x": 60 + i * 90,
                "y": 230.0 - height,
                "height": height,
                "label": lang.text(&format!("stage-{}", s.stage.as_str().replace('_', "-"))),
                "projects": s.projects,
                "value": s.capital_cost,
            })
        })
        .collect();
    let municipalities: Vec<_> = organizations::list_public(db, Some(OrganizationKind::Municipality), None, 200)
        .await?
        .into_iter()
        .map(|o| json!({"id": o.id.to_string(), "name": o.name.get(lang), "selected": Some(o.id) == chosen}))
        .collect();
    Ok(ctx.render(
        "dashboard",
        "dashboard-title",
        json!({"bars": bars, "width": 80 + bars.len() * 90, "municipalities": municipalities, "max": Money::new(max, Currency::Kgs)}),
    ))
}
