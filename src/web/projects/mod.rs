//! The project registry on the web: the JSON API (`api`), the CSV export (`export`) and the
//! pages (`pages`), with the views (`views`) and the list's query (`query`) they share.

pub mod api;
pub mod export;
pub mod pages;
mod query;

#[cfg(test)]
pub use query::AMOUNT_PATTERN;
mod views;

/// A project id from a path: text that is not an id names no project (404, as an unknown id).
pub(crate) fn project_id(text: &str) -> Result<i64, crate::services::ServiceError> {
    crate::domain::ids::parse_id(text).ok_or(crate::services::ServiceError::NotFound("project"))
}
