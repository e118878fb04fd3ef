//! Sealed bids on the web: the JSON API (`api`), the forms and the receipt page (`pages`), and
//! what the tender's page shows of its bids (`panel`).

pub mod api;
pub mod pages;
pub mod panel;
