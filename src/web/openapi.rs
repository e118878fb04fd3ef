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
        crate::web::organizations::show,
        crate::web::registration::register_api,
        crate::web::api_auth::issue,
        crate::web::api_auth::revoke,
        crate::web::api_auth::me,
        crate::web::api_auth::end_sessions,
        crate::web::admin::list_organizations,
        crate::web::admin::create_organization,
        crate::web::admin::set_organization_status,
        crate::web::admin::list_users,
        crate::web::admin::create_user,
        crate::web::admin::set_user_status,
        crate::web::admin::reset_password,
        crate::web::audit::events,
        crate::web::audit::verify,
        crate::web::audit::checkpoint,
        crate::web::audit::consistency,
        crate::web::audit::export,
        crate::web::projects::api::list,
        crate::web::projects::export::export,
        crate::web::projects::api::propose,
        crate::web::documents::upload,
        crate::web::documents::list,
        crate::web::documents::download,
        crate::web::dashboard::summary,
        crate::web::projects::api::create,
        crate::web::projects::api::show,
        crate::web::projects::api::patch,
        crate::web::projects::api::appraisal,
        crate::web::projects::api::transition,
        crate::web::finance::cashflows,
        crate::web::finance::evaluate,
        crate::web::finance::sensitivity,
        crate::web::finance::show_case,
        crate::web::finance::save_case,
    ),
    components(schemas(ErrorBody, ErrorDetail)),
    modifiers(&BearerAuth),
    tags(
        (name = "system", description = "Health and description of the service"),
        (name = "organizations", description = "Municipalities, the antimonopoly authority, company registration"),
        (name = "auth", description = "Bearer tokens for programs"),
        (name = "admin", description = "Organisations and accounts, for platform administrators"),
        (name = "projects", description = "The PPP project registry and its lifecycle"),
        (name = "audit", description = "The tamper-evident audit log: events, export, verification, checkpoints"),
    )
)]
pub struct ApiDoc;

/// Declares the `bearer` scheme the routes' `security` refers to.
struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

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
