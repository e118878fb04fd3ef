//! `GET /health`: is the app up, which engine, which schema version. 503 when the database
//! cannot be reached, with the same shape, so load balancers and people read one format.

use rocket::State;
use rocket::http::Status;
use rocket::serde::json::Json;
use serde::Serialize;
use utoipa::ToSchema;

use crate::storage::Db;

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"status": "ok", "database": "sqlite", "schema_version": 1}))]
pub struct Health {
    /// `ok`, or `unavailable` when the database cannot be reached.
    pub status: &'static str,
    /// `sqlite` or `postgres`.
    pub database: &'static str,
    /// The newest applied migration; null when the database cannot be reached.
    pub schema_version: Option<i64>,
}

#[utoipa::path(
    get,
    path = "/health",
    tag = "system",
    responses(
        (status = 200, description = "The app and its database are up", body = Health),
        (status = 503, description = "The database cannot be reached", body = Health,
            example = json!({"status": "unavailable", "database": "postgres", "schema_version": null})),
    )
)]
#[rocket::get("/health")]
pub async fn health(db: &State<Db>) -> (Status, Json<Health>) {
    let database = db.engine().name();
    match db.schema_version().await {
        Ok(version) => (
            Status::Ok,
            Json(Health {
                status: "ok",
                database,
                schema_version: Some(version),
            }),
        ),
        Err(e) => {
            log::warn!("health check: {e}");
            (
                Status::ServiceUnavailable,
                Json(Health {
                    status: "unavailable",
                    database,
                    schema_version: None,
                }),
            )
        }
    }
}
