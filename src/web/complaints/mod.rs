//! Complaints and reviewers' holds on the web: the JSON API (`api`), filing with documents and
//! their download (`uploads`), the forms and the reviewers' desk page (`pages`), and what the
//! tender's page shows of them (`panel`).

pub mod api;
pub mod pages;
pub(crate) mod panel;
pub mod uploads;
