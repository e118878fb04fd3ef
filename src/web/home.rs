//! The home page: what the registry is, for whom, and live counts.

use rocket::State;
use rocket_dyn_templates::Template;
use serde_json::json;

use crate::domain::organization::OrganizationKind;
use crate::storage::{Db, organizations};
use crate::web::page::{PageContext, PageError};

#[rocket::get("/")]
pub async fn index(ctx: PageContext, db: &State<Db>) -> Result<Template, PageError> {
    let municipalities = organizations::count_active(db, OrganizationKind::Municipality).await?;
    let companies = organizations::count_active(db, OrganizationKind::Company).await?;
    let projects = crate::storage::projects::count_public(db).await?;
    Ok(ctx.render(
        "home",
        "home-title",
        json!({
            "counts": {
                "municipalities": municipalities,
                "companies": companies,
                "projects": projects,
            }
        }),
    ))
}
