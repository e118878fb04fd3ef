//! `GET /api/v1/openapi.json`: the OpenAPI 3 description, generated from the routes' own
//! annotations so it cannot drift. Every API route joins [`ApiDoc`]; a test fails otherwise.

use std::collections::BTreeMap;

use rocket::http::ContentType;
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

/// The error body every refusal carries (api.md).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"error": {"code": "validation_failed", "message": "Some fields are invalid.",
    "fields": {"limit": ["A whole number from 1 to 200."]}}}))]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// `bad_request`, `unauthenticated`, `forbidden`, `not_found`, `conflict`, `invalid_transition`,
    /// `deadline_passed`, `sealed`, `precondition_failed`, `payload_too_large`,
    /// `unsupported_media_type`, `validation_failed`, `too_many_requests`, `internal`, `unavailable`.
    pub code: String,
    /// In the caller's language (Accept-Language, then Russian).
    pub message: String,
    /// Present only for 422: each field's messages.
    pub fields: Option<BTreeMap<String, Vec<String>>>,
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "PPP registry and tender tracker API",
        version = "1",
        description = "Municipal public-private partnership projects, tenders and contracts. \
            Conventions: ids are strings, times RFC 3339 UTC, decimals exact strings, lists \
            `{items, next}` with `?after=` and `?limit=`."
    ),
    paths(
        crate::web::health::health,
        document,
        crate::web::organizations::list,
    ),
    components(schemas(ErrorBody, ErrorDetail)),
    tags(
        (name = "system", description = "Health and description of the service"),
        (name = "organizations", description = "Municipalities and the antimonopoly authority"),
    )
)]
pub struct ApiDoc;

#[utoipa::path(
    get,
    path = "/api/v1/openapi.json",
    tag = "system",
    responses((status = 200, description = "This description, as OpenAPI 3 JSON", content_type = "application/json"))
)]
#[rocket::get("/openapi.json")]
pub fn document() -> (ContentType, String) {
    let json = ApiDoc::openapi().to_pretty_json().unwrap_or_else(|e| {
        log::error!("OpenAPI description cannot be serialised: {e}");
        "{}".into()
    });
    (ContentType::JSON, json)
}
