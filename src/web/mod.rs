//! The web edge: HTML pages for people, the JSON API under `/api/v1` for programs, and the
//! conversion of every lower-layer error into a response. Routes stay thin: they parse, call a
//! service or the storage layer, and render.

mod account;
mod admin;
mod api_auth;
pub mod api_error;
mod assets;
mod audit;
mod audit_export;
mod audit_proofs;
pub mod auth;
mod bids;
mod catchers;
mod complaints;
pub mod compute;
mod contracts;
mod dashboard;
mod documents;
mod download;
mod evaluation;
mod filters;
mod finance;
mod finance_pages;
mod health;
mod holidays;
mod home;
pub mod json;
pub mod lang;
pub mod openapi;
mod openapi_exact;
mod organizations;
pub mod page;
pub mod paging;
pub mod permissions;
mod projects;
mod publisher;
mod query_once;
mod registration;
mod tenders;
pub mod views;

use rocket::{Build, Rocket};
use rocket_dyn_templates::Template;

use crate::clock::SharedClock;
use crate::config::{AppConfig, Config};
use crate::storage::Db;

/// What every handler may need besides the database: the settings, the clock and the store of
/// uploaded files.
pub struct AppState {
    pub config: AppConfig,
    pub clock: SharedClock,
    pub blobs: std::sync::Arc<dyn crate::storage::blobs::BlobStore>,
    /// Admission to the public computations.
    pub compute: compute::ComputeGate,
    /// Signs the audit log's checkpoints; its name is the log's origin.
    pub log_key: std::sync::Arc<crate::domain::checkpoint::LogKey>,
}

pub fn build(config: Config, db: Db, clock: SharedClock) -> Rocket<Build> {
    let zone = config.app.display_time_zone;
    let log_key = config.app.log_key.clone().unwrap_or_else(|| {
        // The binary resolves the key first (Config::with_log_key); a caller that did not gets a
        // key of this run only, whose checkpoints nobody can check after a restart.
        log::warn!("no audit signing key was resolved: checkpoints are signed with a key of this run only");
        let mut seed = [0u8; 32];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut seed);
        let origin = crate::config::origin_of(&config.app.base_url);
        std::sync::Arc::new(crate::domain::checkpoint::LogKey::from_seed(&origin, seed))
    });
    rocket::custom(config.figment().clone())
        .manage(db)
        .attach(publisher::fairing())
        .manage(AppState {
            log_key,
            blobs: std::sync::Arc::new(crate::storage::blobs::LocalDirectory::new(&config.app.upload_dir)),
            config: config.app,
            clock,
            compute: compute::ComputeGate::for_this_machine(),
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
                holidays::page,
                holidays::page_put,
                holidays::page_remove,
                account::sign_in_form,
                account::sign_in,
                account::sign_out,
                account::sign_out_everywhere,
                account::account,
                registration::register_form,
                registration::register,
                admin::organizations_admin_page,
                admin::organizations_admin_create,
                admin::organizations_admin_status,
                admin::users_admin_page,
                admin::users_admin_create,
                admin::users_admin_status,
                admin::users_admin_password,
                audit::page,
                audit::transparency,
                projects::pages::list_page,
                projects::pages::page,
                projects::pages::transition_form,
                projects::pages::new_form,
                projects::pages::create_form,
                dashboard::page,
                projects::pages::inbox,
                finance_pages::page,
                finance_pages::save,
                finance_pages::periods_csv,
                finance_pages::periods_xlsx,
                documents::upload_page,
                tenders::pages::list_page,
                tenders::pages::page,
                tenders::pages::new_form,
                tenders::pages::create_form,
                tenders::pages::edit_form,
                tenders::pages::edit,
                tenders::pages::publish,
                tenders::pages::amend,
                tenders::pages::cancel,
                tenders::pages::ask,
                tenders::pages::answer,
                bids::pages::submit,
                bids::dashboard::page,
                bids::pages::withdraw,
                bids::pages::confirm,
                bids::pages::open,
                bids::pages::receipt,
                bids::pages::join,
                evaluation::pages::page,
                evaluation::pages::declare,
                evaluation::pages::qualify,
                evaluation::pages::score,
                evaluation::pages::close,
                evaluation::pages::propose,
                evaluation::pages::confirm,
                evaluation::pages::award,
                evaluation::pages::decline,
                complaints::pages::file,
                complaints::pages::decide,
                complaints::pages::withdraw,
                complaints::pages::hold,
                complaints::pages::release,
                complaints::pages::desk,
                contracts::pages::list,
                contracts::pages::show,
                contracts::pages::new,
                contracts::pages::draft,
                contracts::pages::sign,
                contracts::pages::milestone,
                contracts::pages::amend,
                contracts::pages::performance,
                contracts::pages::terminate,
            ],
        )
        .mount(
            "/api/v1",
            rocket::routes![
                openapi::document,
                organizations::list,
                organizations::show,
                registration::register_api,
                api_auth::issue,
                api_auth::revoke,
                api_auth::me,
                api_auth::end_sessions,
                admin::list_organizations,
                holidays::list,
                holidays::put,
                holidays::remove,
                admin::create_organization,
                admin::set_organization_status,
                admin::list_users,
                admin::create_user,
                admin::set_user_status,
                admin::reset_password,
                audit::events,
                audit::verify,
                audit_proofs::checkpoint,
                audit_proofs::key,
                audit_export::export,
                audit_proofs::inclusion,
                audit_proofs::consistency,
                projects::api::list,
                projects::export::export,
                projects::api::propose,
                finance::cashflows,
                finance::evaluate,
                finance::sensitivity,
                finance::show_case,
                finance::save_case,
                documents::upload,
                documents::list,
                documents::download,
                dashboard::summary,
                projects::api::create,
                projects::api::show,
                projects::api::patch,
                projects::api::appraisal,
                projects::api::transition,
                tenders::api::list,
                tenders::api::create,
                tenders::api::show,
                tenders::api::patch,
                tenders::api::publish,
                tenders::api::amend,
                tenders::api::cancel,
                tenders::api::questions,
                tenders::api::ask,
                tenders::api::answer,
                bids::api::submit,
                bids::dashboard::api,
                bids::uploads::submit,
                bids::uploads::replace,
                bids::uploads::document,
                bids::api::replace,
                bids::api::withdraw,
                bids::api::confirm,
                bids::api::mine,
                bids::api::list,
                bids::api::protocol,
                bids::api::open,
                bids::api::show,
                bids::api::invitations,
                bids::api::membership,
                evaluation::api::report,
                evaluation::api::declare,
                evaluation::api::qualification,
                evaluation::api::scores,
                evaluation::api::close,
                evaluation::api::propose,
                evaluation::api::confirm,
                evaluation::api::confirm_award,
                evaluation::api::decline,
                complaints::api::file,
                complaints::uploads::file,
                complaints::uploads::document,
                complaints::api::list,
                complaints::api::decide,
                complaints::api::withdraw,
                complaints::api::hold,
                complaints::api::release,
                complaints::api::desk,
                contracts::api::draft,
                contracts::api::list,
                contracts::api::show,
                contracts::api::sign,
                contracts::api::milestone,
                contracts::api::amend,
                contracts::api::performance,
                contracts::api::terminate,
            ],
        )
        .register("/", rocket::catchers![catchers::html])
        .register("/api", rocket::catchers![catchers::json])
        // The health check is part of the API's description, and answers as the API does.
        .register("/health", rocket::catchers![catchers::json])
}
