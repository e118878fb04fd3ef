//! Sealed bids on the web: the JSON API (`api`).

pub mod api;
