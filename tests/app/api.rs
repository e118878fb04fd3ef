use std::collections::BTreeSet;

use rocket::http::{ContentType, Header, Status};
use serde_json::{Value, json};

use crate::support::{spawn, spawn_with_fixtures};

#[rocket::async_test]
async fn unknown_api_routes_answer_a_json_error_in_the_callers_language() {
    let app = spawn().await;
    let (status, body) = app.get_json("/api/v1/no-such-thing").await;
    assert_eq!(status, Status::NotFound);
    assert_eq!(
        body,
        json!({"error": {"code": "not_found", "message": "Запись не найдена."}})
    );

    let response = app
        .client
        .get("/api/v1/no-such-thing")
        .header(Header::new("Accept-Language", "en-US,en;q=0.8"))
        .dispatch()
        .await;
    assert_eq!(response.content_type(), Some(ContentType::JSON));
    let body: Value = serde_json::from_str(&response.into_string().await.unwrap()).unwrap();
    assert_eq!(body["error"]["message"], "No such record.");
}

#[rocket::async_test]
async fn organisations_are_listed_with_string_ids_and_keyset_pages() {
    let app = spawn_with_fixtures().await;
    let (status, first) = app.get_json("/api/v1/organizations?limit=2").await;
    assert_eq!(status, Status::Ok);
    let items = first["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["kind"], "antimonopoly");
    assert_eq!(items[1]["name"]["ru"], "Мэрия города Бишкек");
    assert_eq!(items[1]["code"], "BISH");
    assert!(items[1]["id"].is_string());
    // 719 days before the test start, in UTC with Z.
    assert_eq!(items[1]["created_at"], "2024-12-09T06:00:00Z");
    let next = first["next"].as_str().expect("a next cursor");
    assert_eq!(next, items[1]["id"].as_str().unwrap());

    let (_, second) = app
        .get_json(&format!("/api/v1/organizations?limit=2&after={next}"))
        .await;
    let items = second["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["name"]["en"], "Osh City Hall");
    assert_eq!(second["next"], Value::Null);

    let (_, municipalities) = app.get_json("/api/v1/organizations?kind=municipality").await;
    let codes: Vec<_> = municipalities["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["code"].clone())
        .collect();
    assert_eq!(codes, vec![json!("BISH"), json!("OSH")]);
}

#[rocket::async_test]
async fn bad_list_parameters_get_field_errors_and_422() {
    let app = spawn_with_fixtures().await;
    let (status, body) = app.get_json("/api/v1/organizations?limit=500").await;
    assert_eq!(status, Status::UnprocessableEntity);
    assert_eq!(
        body,
        json!({"error": {"code": "validation_failed", "message": "Некоторые поля заполнены неверно.",
            "fields": {"limit": ["Целое число от 1 до 200."]}}})
    );
    let (status, body) = app.get_json("/api/v1/organizations?kind=company").await;
    assert_eq!(status, Status::UnprocessableEntity);
    assert!(body["error"]["fields"]["kind"].is_array());
    let (status, body) = app.get_json("/api/v1/organizations?after=abc").await;
    assert_eq!(status, Status::UnprocessableEntity);
    assert!(body["error"]["fields"]["after"].is_array());
    // A wrongly typed parameter (limit is a number) is a 422 too, in the same shape.
    let (status, body) = app.get_json("/api/v1/organizations?limit=many").await;
    assert_eq!(status, Status::UnprocessableEntity);
    assert_eq!(body["error"]["code"], "validation_failed");
}

#[rocket::async_test]
async fn the_openapi_description_is_openapi_3_and_lists_every_api_route() {
    let app = spawn().await;
    let (status, doc) = app.get_json("/api/v1/openapi.json").await;
    assert_eq!(status, Status::Ok);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."), "{}", doc["openapi"]);
    assert!(doc["info"]["title"].is_string());

    let documented: BTreeSet<(String, String)> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .map(move |method| (method.to_uppercase(), path.clone()))
        })
        .collect();
    // Every route under /api and /health must be described; forgetting one fails here.
    let mounted: BTreeSet<(String, String)> = app
        .client
        .rocket()
        .routes()
        .filter(|r| r.uri.path().starts_with("/api/") || r.uri.path() == "/health")
        .map(|r| {
            let path = r.uri.path().to_string().replace('<', "{").replace('>', "}");
            (r.method.as_str().to_string(), path)
        })
        .collect();
    let undocumented: Vec<_> = mounted.difference(&documented).collect();
    assert!(
        undocumented.is_empty(),
        "routes missing from the OpenAPI description: {undocumented:?}"
    );
    assert!(mounted.len() >= 3);
    // Operation ids are unique (OpenAPI requires it; generators name functions after them).
    let mut ids: Vec<&str> = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|item| {
            item.as_object()
                .unwrap()
                .values()
                .map(|op| op["operationId"].as_str().unwrap())
        })
        .collect();
    let count = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), count, "duplicate operationId in {ids:?}");
    // Each documented body has an example.
    assert!(doc["components"]["schemas"]["Health"]["example"].is_object());
    assert!(doc["components"]["schemas"]["OrganizationView"]["example"].is_object());
}

/// Every operation documents the refusals any route can answer (schemathesis checks the
/// answers against them).
#[rocket::async_test]
async fn every_operation_documents_the_refusals_it_can_answer() {
    let app = spawn().await;
    let (_, doc) = app.get_json("/api/v1/openapi.json").await;
    let mut missing = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            for code in ["401", "422", "429", "500", "503"] {
                if operation["responses"].get(code).is_none() {
                    missing.push(format!("{method} {path} {code}"));
                }
            }
            if operation.get("requestBody").is_some() && operation["responses"].get("400").is_none() {
                missing.push(format!("{method} {path} 400"));
            }
            if path.contains('{') && operation["responses"].get("404").is_none() {
                missing.push(format!("{method} {path} 404"));
            }
        }
    }
    assert!(missing.is_empty(), "{missing:?}");
}

/// Code lists are described by the codes on the wire, so a generated client reads them.
#[rocket::async_test]
async fn code_lists_in_the_openapi_description_are_the_wire_codes() {
    let app = spawn().await;
    let (_, doc) = app.get_json("/api/v1/openapi.json").await;
    let codes = |schema: &str| doc["components"]["schemas"][schema]["enum"].clone();
    assert_eq!(
        codes("Stage"),
        serde_json::json!(
            ppp_registry::domain::project::Stage::ALL
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
        )
    );
    assert!(codes("Stage").as_array().unwrap().contains(&serde_json::json!("draft")));
    assert!(
        codes("PppModel")
            .as_array()
            .unwrap()
            .contains(&serde_json::json!("bot"))
    );
    let risks = codes("RiskAllocation");
    assert!(
        risks.as_array().unwrap().contains(&serde_json::json!("privateParty")),
        "{risks}"
    );
}

/// A path the API serves, asked with a method it does not take: 405 with `Allow`, not 404.
#[rocket::async_test]
async fn a_method_the_path_does_not_take_is_405_with_allow() {
    let app = spawn().await;
    let response = app.client.delete("/api/v1/projects").dispatch().await;
    assert_eq!(response.status(), Status::MethodNotAllowed);
    assert_eq!(response.headers().get_one("Allow"), Some("GET, HEAD, POST"));
    let body: serde_json::Value = serde_json::from_str(&response.into_string().await.unwrap()).unwrap();
    assert_eq!(body["error"]["code"], "method_not_allowed");
    let response = app.client.put("/api/v1/me").dispatch().await;
    assert_eq!(response.status(), Status::MethodNotAllowed);
    assert_eq!(response.headers().get_one("Allow"), Some("GET, HEAD"));
    assert_eq!(
        app.client.get("/api/v1/nothing-here").dispatch().await.status(),
        Status::NotFound
    );
    // The health check is in the description too, outside /api.
    let response = app.client.req(rocket::http::Method::Trace, "/health").dispatch().await;
    assert_eq!(response.status(), Status::MethodNotAllowed);
    assert_eq!(response.headers().get_one("Allow"), Some("GET, HEAD"));
    let body: serde_json::Value = serde_json::from_str(&response.into_string().await.unwrap()).unwrap();
    assert_eq!(body["error"]["code"], "method_not_allowed");
}
