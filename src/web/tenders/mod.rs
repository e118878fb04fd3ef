//! Tender notices on the web: the JSON API (`api`) and the pages (`pages`), with the views
//! (`views`) they share.

pub mod api;
mod form;
pub mod pages;
pub mod views;

/// A tender id from a path: text that is not an id names no tender (404, as an unknown id).
pub(crate) fn tender_id(text: &str) -> Result<i64, crate::services::ServiceError> {
    crate::domain::ids::parse_id(text).ok_or(crate::services::ServiceError::NotFound("tender"))
}

/// A question id from a path.
pub(crate) fn question_id(text: &str) -> Result<i64, crate::services::ServiceError> {
    crate::domain::ids::parse_id(text).ok_or(crate::services::ServiceError::NotFound("question"))
}
