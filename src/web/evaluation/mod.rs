//! The commission's evaluation on the web: the JSON API (`api`) and the report page with the
//! commission's forms (`pages`).

pub mod api;
pub mod pages;
