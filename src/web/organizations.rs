//! The public bodies in the registry: municipalities (public partners) and the antimonopoly
//! authority. A page for people, `GET /api/v1/organizations` for programs.

use rocket::State;
use rocket::serde::json::Json;
use rocket_dyn_templates::Template;
use serde_json::json;

use crate::domain::ids::OrgId;
use crate::domain::organization::{Organization, OrganizationKind};
use crate::domain::policy;
use crate::storage::{Db, organizations};
use crate::web::AppState;
use crate::web::api_error::ApiError;
use crate::web::auth::MaybeUser;
use crate::web::page::{PageContext, PageError};
use crate::web::paging::{ListPage, MAX_LIMIT, check_limit, page_of};
use crate::web::views::OrganizationView;

fn parse_kind(kind: Option<&str>) -> Result<Option<OrganizationKind>, ApiError> {
    match kind {
        None => Ok(None),
        Some(k) => match OrganizationKind::parse(k) {
            Some(kind) if organizations::PUBLIC_KINDS.contains(&kind) => Ok(Some(kind)),
            _ => Err(ApiError::field("kind", "public_kind")),
        },
    }
}

pub(crate) fn parse_cursor(after: Option<&str>) -> Result<Option<OrgId>, ApiError> {
    after
        .map(|a| a.parse::<OrgId>().map_err(|_| ApiError::field("after", "cursor")))
        .transpose()
}

/// Lists the active public bodies, municipalities first by id order.
#[utoipa::path(
    get,
    operation_id = "organizations_list", path = "/api/v1/organizations",
    tag = "organizations",
    params(
        ("kind" = Option<String>, Query, pattern = "^(municipality|antimonopoly)$", description = "`municipality` or `antimonopoly`"),
        ("after" = Option<String>, Query, pattern = "^[0-9]{1,18}$", description = "Cursor from the previous page's `next`"),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 200, description = "1 to 200, default 50"),
    ),
    responses(
        (status = 200, description = "One page of organisations", body = ListPage<OrganizationView>),
        (status = 422, description = "A parameter is invalid", body = crate::web::api_error::ErrorBody),
    )
)]
#[rocket::get("/organizations?<kind>&<after>&<limit>")]
pub async fn list(
    _once: crate::web::query_once::QueryOnce,
    kind: Option<&str>,
    after: Option<&str>,
    limit: Option<&str>,
    db: &State<Db>,
    app: &State<AppState>,
) -> Result<Json<ListPage<OrganizationView>>, ApiError> {
    let kind = parse_kind(kind)?;
    let after = parse_cursor(after)?;
    let limit = check_limit(limit)?;
    let rows = organizations::list_public(db, kind, after, limit + 1).await?;
    let scheme = &app.config.party_scheme;
    Ok(Json(page_of(
        rows,
        limit,
        |o| o.id.to_string(),
        |o| OrganizationView::of(o, scheme),
    )))
}

/// The page people read: every public body, grouped by kind.
#[rocket::get("/organizations")]
pub async fn page(ctx: PageContext, db: &State<Db>, app: &State<AppState>) -> Result<Template, PageError> {
    // All of them, page by page: the country has a few hundred local governments at most.
    let mut rows = Vec::new();
    loop {
        let page = organizations::list_public(db, None, rows.last().map(|o: &Organization| o.id), MAX_LIMIT).await?;
        let done = page.len() < MAX_LIMIT as usize;
        rows.extend(page);
        if done {
            break;
        }
    }
    let lang = ctx.lang;
    let scheme = &app.config.party_scheme;
    let items: Vec<_> = rows
        .into_iter()
        .map(|o| {
            json!({
                "name": o.name.get(lang),
                "kind": lang.text(&format!("org-kind-{}", o.kind.as_str())),
                "code": o.code,
                "identifier": o.inn.as_ref().map(|inn| format!("{scheme}-{inn}")),
                "created_at": o.created_at,
            })
        })
        .collect();
    Ok(ctx.render("organizations", "organizations-title", json!({ "items": items })))
}

/// One organisation. Public bodies are public; a company, and any record not yet active, is
/// shown only to its own members, reviewers and administrators: to anyone else it does not exist.
#[utoipa::path(
    get,
    operation_id = "organizations_show", path = "/api/v1/organizations/{id}",
    tag = "organizations",
    params(("id" = String, Path, description = "Organisation id")),
    responses(
        (status = 200, description = "The organisation (with the company profile when visible)", body = OrganizationView),
        (status = 404, description = "No such organisation, or not visible to the caller", body = crate::web::api_error::ErrorBody),
    ),
    security((), ("bearer" = []))
)]
#[rocket::get("/organizations/<id>")]
pub async fn show(
    id: &str,
    who: MaybeUser,
    db: &State<Db>,
    app: &State<AppState>,
) -> Result<Json<OrganizationView>, ApiError> {
    let id: OrgId = id.parse().map_err(|_| ApiError::not_found())?;
    let org = organizations::find(db.inner(), id).await?;
    if !policy::may_read_organization(who.0.as_ref(), org.id, org.kind, org.status) {
        return Err(ApiError::not_found());
    }
    let privileged = policy::may_read_private_details(who.0.as_ref(), org.id);
    let profile = if privileged {
        organizations::company_profile(db, org.id).await?
    } else {
        None
    };
    Ok(Json(
        OrganizationView::of(org, &app.config.party_scheme).with_profile(profile),
    ))
}
