//! `GET /api/v1/openapi.json`: the OpenAPI 3 description, generated from the routes' own
//! annotations so it cannot drift. Every API route joins [`ApiDoc`]; a test fails otherwise.

use rocket::http::ContentType;
use utoipa::OpenApi;

use crate::web::api_error::{ErrorBody, ErrorDetail};

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
        crate::web::holidays::list,
        crate::web::holidays::put,
        crate::web::holidays::remove,
        crate::web::admin::create_organization,
        crate::web::admin::set_organization_status,
        crate::web::admin::list_users,
        crate::web::admin::create_user,
        crate::web::admin::set_user_status,
        crate::web::admin::reset_password,
        crate::web::audit::events,
        crate::web::audit::verify,
        crate::web::audit_proofs::checkpoint,
        crate::web::audit_proofs::key,
        crate::web::audit_export::export,
        crate::web::audit_proofs::inclusion,
        crate::web::audit_proofs::consistency,
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
        crate::web::tenders::api::list,
        crate::web::tenders::api::create,
        crate::web::tenders::api::show,
        crate::web::tenders::api::patch,
        crate::web::tenders::api::publish,
        crate::web::tenders::api::amend,
        crate::web::tenders::api::cancel,
        crate::web::tenders::api::questions,
        crate::web::tenders::api::ask,
        crate::web::tenders::api::answer,
        crate::web::bids::api::submit,
        crate::web::bids::api::replace,
        crate::web::bids::api::withdraw,
        crate::web::bids::api::confirm,
        crate::web::bids::api::mine,
        crate::web::bids::api::list,
        crate::web::bids::api::protocol,
        crate::web::bids::api::open,
        crate::web::bids::api::show,
        crate::web::bids::dashboard::api,
        crate::web::bids::uploads::document,
        crate::web::bids::api::invitations,
        crate::web::bids::api::membership,
        crate::web::evaluation::api::report,
        crate::web::evaluation::api::declare,
        crate::web::evaluation::api::qualification,
        crate::web::evaluation::api::scores,
        crate::web::evaluation::api::close,
        crate::web::evaluation::api::propose,
        crate::web::evaluation::api::confirm,
        crate::web::evaluation::api::confirm_award,
        crate::web::evaluation::api::decline,
        crate::web::complaints::api::file,
        crate::web::complaints::api::list,
        crate::web::complaints::api::decide,
        crate::web::complaints::api::withdraw,
        crate::web::complaints::uploads::document,
        crate::web::complaints::api::hold,
        crate::web::complaints::api::release,
        crate::web::complaints::api::desk,
        crate::web::contracts::api::draft,
        crate::web::contracts::api::list,
        crate::web::contracts::api::show,
        crate::web::contracts::api::sign,
        crate::web::contracts::api::milestone,
        crate::web::contracts::api::amend,
        crate::web::contracts::api::performance,
        crate::web::contracts::api::terminate,
        crate::web::finance::cashflows,
        crate::web::finance::evaluate,
        crate::web::finance::sensitivity,
        crate::web::finance::show_case,
        crate::web::finance::save_case,
    ),
    // Types only parameters name (the derive collects those of bodies and replies itself).
    components(schemas(ErrorBody, ErrorDetail, crate::storage::projects::ProjectSort, crate::domain::tender::TenderStatus, crate::domain::contract::ContractStatus, crate::domain::contract::MilestoneKind)),
    modifiers(&BearerAuth, &StandardRefusals),
    tags(
        (name = "system", description = "Health and description of the service"),
        (name = "organizations", description = "Municipalities, the antimonopoly authority, company registration"),
        (name = "auth", description = "Bearer tokens for programs"),
        (name = "admin", description = "Organisations and accounts, for platform administrators"),
        (name = "calendar", description = "The public holidays that working-day periods skip"),
        (name = "projects", description = "The PPP project registry and its lifecycle"),
        (name = "tenders", description = "Tender notices: preparation, publication, amendments, clarifications, cancellation"),
        (name = "complaints", description = "Complaints, reviewers' decisions and holds"),
        (name = "contracts", description = "Contracts after the award: signing, milestones, amendments, performance"),
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

/// Adds to every operation the refusals any route can answer that its own annotation leaves
/// out: an invalid `Authorization` (401), a body that is not JSON (400), too large (413), a field
/// or parameter refused (422), throttled (429), a failure (500), busy or unreachable (503); and
/// 403 where the route needs a role, 404 where the path names a record.
struct StandardRefusals;

impl utoipa::Modify for StandardRefusals {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
        let refusal = |description: &str| {
            RefOr::T(
                ResponseBuilder::new()
                    .description(description)
                    .content(
                        "application/json",
                        ContentBuilder::new()
                            .schema(Some(Ref::from_schema_name("ErrorBody")))
                            .build(),
                    )
                    .build(),
            )
        };
        for (path, item) in openapi.paths.paths.iter_mut() {
            let names_a_record = path.contains('{');
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ];
            for operation in operations.into_iter().flatten() {
                let secured = operation.security.as_ref().is_some_and(|s| !s.is_empty());
                let has_body = operation.request_body.is_some();
                let responses = &mut operation.responses.responses;
                let mut add = |code: &str, description: &str| {
                    responses
                        .entry(code.to_string())
                        .or_insert_with(|| refusal(description));
                };
                add("401", "Credentials are required, or those presented are not valid");
                add("422", "A parameter or field is refused; each is named");
                add("429", "Too many requests; `Retry-After` says when to retry");
                add("500", "An internal failure");
                add(
                    "503",
                    "Busy or the database is unreachable; `Retry-After` says when to retry",
                );
                if has_body {
                    add("400", "The body is not JSON (or not a form)");
                    add("413", "The body is too large");
                }
                if secured {
                    add("403", "This role or organisation may not");
                }
                if names_a_record {
                    add("404", "No such record, or not visible to the caller");
                }
            }
        }
    }
}

#[utoipa::path(
    get,
    path = "/api/v1/openapi.json",
    tag = "system",
    responses((status = 200, description = "This description, as OpenAPI 3 JSON", content_type = "application/json"))
)]
#[rocket::get("/openapi.json")]
pub fn document() -> (ContentType, &'static str) {
    (ContentType::JSON, DOCUMENT.as_str())
}

/// The served text, made once: the description depends on nothing but the code.
static DOCUMENT: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    serde_json::to_string_pretty(&description()).unwrap_or_else(|e| {
        log::error!("OpenAPI description cannot be serialised: {e}");
        "{}".into()
    })
});

/// The description as served: generated from the routes, then tightened to what the server
/// reads exactly (`openapi_exact`).
pub fn description() -> serde_json::Value {
    let mut doc = serde_json::to_value(ApiDoc::openapi()).unwrap_or_else(|e| {
        log::error!("OpenAPI description cannot be serialised: {e}");
        serde_json::Value::Null
    });
    crate::web::openapi_exact::tighten(&mut doc);
    doc
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parameter<'a>(doc: &'a serde_json::Value, path: &str, name: &str) -> &'a serde_json::Value {
        doc["paths"][path]["get"]["parameters"]
            .as_array()
            .and_then(|ps| ps.iter().find(|p| p["name"] == name))
            .unwrap_or_else(|| panic!("{path} has no parameter {name}"))
    }

    /// Every `$ref` names a schema the description holds.
    #[test]
    fn every_reference_resolves() {
        let doc = description();
        let text = doc.to_string();
        let schemas = doc["components"]["schemas"].as_object().unwrap();
        for reference in text.split("\"#/components/schemas/").skip(1) {
            let name = &reference[..reference.find('"').unwrap()];
            assert!(schemas.contains_key(name), "no schema {name}");
        }
    }

    /// The parameters' patterns are the parsers' own constants, so the description states
    /// exactly what the server reads.
    #[test]
    fn parameter_patterns_are_the_parsers_rules() {
        use crate::domain::ids::ID_PATTERN;
        use crate::storage::projects::PROJECT_CURSOR_PATTERN;
        use crate::web::projects::AMOUNT_PATTERN;
        let doc = description();
        assert_eq!(
            parameter(&doc, "/api/v1/projects", "after")["schema"]["pattern"],
            PROJECT_CURSOR_PATTERN
        );
        for path in ["/api/v1/projects", "/api/v1/projects/export"] {
            assert_eq!(parameter(&doc, path, "municipality")["schema"]["pattern"], ID_PATTERN);
            assert_eq!(parameter(&doc, path, "min_value")["schema"]["pattern"], AMOUNT_PATTERN);
            assert_eq!(parameter(&doc, path, "max_value")["schema"]["pattern"], AMOUNT_PATTERN);
            assert_eq!(
                parameter(&doc, path, "q")["schema"]["pattern"],
                crate::web::openapi_exact::TEXT_PATTERN
            );
            assert_eq!(
                parameter(&doc, path, "stage")["schema"]["$ref"],
                "#/components/schemas/Stage"
            );
        }
        for (path, name) in [
            ("/api/v1/organizations", "after"),
            ("/api/v1/admin/organizations", "after"),
            ("/api/v1/admin/users", "after"),
            ("/api/v1/admin/users", "organization"),
            ("/api/v1/audit/events", "after"),
            ("/api/v1/audit/events", "actor_id"),
            ("/api/v1/audit/events", "organization_id"),
            ("/api/v1/audit/export", "actor_id"),
            ("/api/v1/projects/summary", "municipality"),
        ] {
            assert_eq!(
                parameter(&doc, path, name)["schema"]["pattern"],
                ID_PATTERN,
                "{path} {name}"
            );
        }
        for (path, name) in [
            ("/api/v1/audit/events", "entity_type"),
            ("/api/v1/audit/events", "action"),
            ("/api/v1/audit/export", "entity_id"),
        ] {
            assert_eq!(
                parameter(&doc, path, name)["schema"]["pattern"],
                crate::web::openapi_exact::TEXT_PATTERN,
                "{path} {name}"
            );
        }
        let limit = &parameter(&doc, "/api/v1/projects", "limit")["schema"];
        assert_eq!(
            (limit["minimum"].as_u64(), limit["maximum"].as_u64()),
            (Some(1), Some(200))
        );
        let decimal = &doc["components"]["schemas"]["Decimal"];
        assert_eq!(decimal["pattern"], crate::domain::strict_json::PLAIN_DECIMAL_PATTERN);
        assert_eq!(decimal["type"], serde_json::json!(["string", "number"]));
    }
}
