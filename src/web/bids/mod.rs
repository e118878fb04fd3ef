//! Sealed bids on the web: the JSON API (`api`), the bidder's dashboard (`dashboard`), bids with documents (`uploads`), the forms and the receipt page (`pages`), and
//! what the tender's page shows of its bids (`panel`).

pub mod api;
pub mod dashboard;
pub mod pages;
pub mod panel;
pub mod uploads;
