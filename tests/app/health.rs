use rocket::http::Status;
use serde_json::json;

use crate::support::{engine_under_test, spawn};

#[rocket::async_test]
async fn health_reports_the_engine_under_test_and_the_schema_version() {
    let app = spawn().await;
    let expected_engine = engine_under_test();
    // Printed so the test log says which engine ran (`cargo test -- --nocapture` shows it).
    println!("engine under test: {}", expected_engine.name());
    assert_eq!(app.db.engine(), expected_engine);
    let (status, body) = app.get_json("/health").await;
    assert_eq!(status, Status::Ok);
    assert_eq!(
        body,
        json!({"status": "ok", "database": expected_engine.name(), "schema_version": app.db.latest_known_version()})
    );
    assert_eq!(app.db.latest_known_version(), 23);
}

#[rocket::async_test]
async fn health_answers_503_with_the_same_shape_when_the_database_is_gone() {
    let app = spawn().await;
    app.db.close().await;
    let (status, body) = app.get_json("/health").await;
    assert_eq!(status, Status::ServiceUnavailable);
    assert_eq!(
        body,
        json!({"status": "unavailable", "database": engine_under_test().name(), "schema_version": null})
    );
}

#[rocket::async_test]
async fn pages_say_503_in_the_users_language_when_the_database_is_gone() {
    let app = spawn().await;
    app.db.close().await;
    let (status, html) = app.get_with("/", ("Accept-Language", "en")).await;
    assert_eq!(status, Status::ServiceUnavailable);
    assert!(html.contains("Service temporarily unavailable"), "{html}");
    assert!(html.contains(r#"<a href="/">Back to the home page</a>"#));
    let (status, body) = app.get_json("/api/v1/organizations").await;
    assert_eq!(status, Status::ServiceUnavailable);
    assert_eq!(body["error"]["code"], "unavailable");
}
