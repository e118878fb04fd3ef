//! The registry as CSV, streamed page by page.

use rocket::State;

use crate::domain::policy::draft_scope;
use crate::storage::Db;
use crate::storage::projects::{self, ProjectCursor, ProjectSummary};
use crate::web::api_error::ApiError;
use crate::web::auth::MaybeUser;
use crate::web::download::{StreamedFile, csv_record};

use super::query::*;

pub(super) const CSV_COLUMNS: [&str; 11] = [
    "registry_number",
    "title_ru",
    "title_en",
    "municipality_id",
    "stage",
    "sector",
    "model",
    "payment_mechanism",
    "capital_cost",
    "currency",
    "term_years",
];

pub(super) fn csv_row(p: &ProjectSummary) -> Vec<u8> {
    csv_record(&[
        p.registry_number.clone().unwrap_or_default(),
        p.title.ru.clone(),
        p.title.en.clone().unwrap_or_default(),
        p.municipality_id.to_string(),
        p.stage.as_str().to_string(),
        p.sector.as_str().to_string(),
        p.model.as_str().to_string(),
        p.payment_mechanism.as_str().to_string(),
        p.capital_cost.amount.to_string(),
        p.capital_cost.currency.code().to_string(),
        p.term_years.to_string(),
    ])
}

/// The filtered list as CSV (UTF-8), streamed page by page.
#[utoipa::path(get, operation_id = "projects_export", path = "/api/v1/projects/export", tag = "projects",
    params(ProjectQuery),
    responses((status = 200, description = "The projects as CSV", content_type = "text/csv"),
        (status = 422, description = "A parameter is invalid", body = crate::web::api_error::ErrorBody)))]
#[rocket::get("/projects/export?<params..>")]
pub async fn export(
    who: MaybeUser,
    _once: crate::web::query_once::QueryOnce,
    params: ProjectQuery,
    db: &State<Db>,
) -> Result<StreamedFile, ApiError> {
    let (filter, sort) = parse_filter(&params).map_err(|v| ApiError::validation(&v))?;
    let scope = draft_scope(who.0.as_ref());
    let db = db.inner().clone();
    let header = csv_record(&CSV_COLUMNS.map(String::from));
    // (where the next page starts, whether there is one, the header still to send)
    let state = (None::<ProjectCursor>, true, Some(header));
    let stream = rocket::futures::stream::unfold(state, move |(after, more, header)| {
        let (db, filter) = (db.clone(), filter.clone());
        async move {
            if let Some(header) = header {
                return Some((header, (after, more, None)));
            }
            if !more {
                return None;
            }
            let rows = match projects::list(&db, &filter, scope, sort, after.as_ref(), 500).await {
                Ok(rows) => rows,
                Err(e) => {
                    log::error!("project export stopped: {e}");
                    return None;
                }
            };
            let next = ProjectCursor::after(rows.last()?);
            let bytes: Vec<u8> = rows.iter().flat_map(csv_row).collect();
            Some((bytes, (Some(next), rows.len() == 500, None)))
        }
    });
    Ok(StreamedFile::csv("ppp-projects.csv", Box::pin(stream)))
}
