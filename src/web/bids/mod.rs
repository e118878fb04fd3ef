//! Sealed bids on the web: the JSON API (`api`) and the tender page's bid panel and forms
//! (`pages`).

pub mod api;
pub mod pages;
