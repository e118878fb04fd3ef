//! The PPP registry and tender tracker: a Rocket web app over SQLite or PostgreSQL.
//!
//! Layers, from the inside out:
//! - [`domain`]: pure rules (money, organisations, validation), no HTTP, no SQL;
//! - [`storage`]: the only code that speaks SQL, on either engine;
//! - [`services`]: the operations people and fixtures perform, each in one transaction;
//! - [`web`]: thin routes, HTML pages and the JSON API, and their error conversion.

pub mod clock;
pub mod config;
pub mod credentials;
pub mod domain;
pub mod fixtures;
pub mod i18n;
pub mod services;
pub mod storage;
pub mod web;
pub mod witness;

use rocket::{Build, Rocket};

use crate::clock::SharedClock;
use crate::config::Config;
use crate::storage::Db;

/// Builds the app: the same instance the binary serves and the tests drive.
pub fn build(config: Config, db: Db, clock: SharedClock) -> Rocket<Build> {
    web::build(config, db, clock)
}
