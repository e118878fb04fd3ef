//! Contracts on the web: the JSON view of a contract (`views`), the JSON API (`api`), the
//! pages and their forms (`pages`), and the server-drawn chart of payments (`chart`).

pub mod api;
pub(crate) mod chart;
pub mod pages;
pub mod views;

/// A contract id from a path.
pub(crate) fn contract_id(text: &str) -> Result<i64, crate::services::ServiceError> {
    crate::domain::ids::parse_id(text).ok_or(crate::services::ServiceError::NotFound("contract"))
}
