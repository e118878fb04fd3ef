//! The project registry on the web: the JSON API (`api`), the CSV export (`export`) and the
//! pages (`pages`), with the views (`views`) and the list's query (`query`) they share.

pub mod api;
pub mod export;
pub mod pages;
mod query;

#[cfg(test)]
pub use query::AMOUNT_PATTERN;
mod views;
