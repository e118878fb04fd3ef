//! The web edge: HTML pages for people, the JSON API under `/api/v1` for programs, and the
//! conversion of every lower-layer error into a response. Routes stay thin: they parse, call a
//! service or the storage layer, and render.

pub mod api_error;
mod assets;
mod catchers;
mod filters;
mod health;
mod home;
pub mod lang;
pub mod openapi;
mod organizations;
pub mod page;
pub mod paging;

use rocket::{Build, Rocket};
use rocket_dyn_templates::Template;

use crate::clock::SharedClock;
use crate::config::{AppConfig, Config};
use crate::storage::Db;

/// What every handler may need besides the database: the settings and the clock.
pub struct AppState {
    pub config: AppConfig,
    pub clock: SharedClock,
}

pub fn build(config: Config, db: Db, clock: SharedClock) -> Rocket<Build> {
    let zone = config.app.display_time_zone;
    rocket::custom(config.figment().clone())
        .manage(db)
        .manage(AppState {
            config: config.app,
            clock,
        })
        .attach(Template::custom(move |engines| {
            filters::register(&mut engines.tera, zone)
        }))
        .mount(
            "/",
            rocket::routes![
                home::index,
                health::health,
                lang::switch,
                assets::stylesheet,
                organizations::page,
            ],
        )
        .mount("/api/v1", rocket::routes![openapi::document, organizations::list])
        .register("/", rocket::catchers![catchers::html])
        .register("/api", rocket::catchers![catchers::json])
}
