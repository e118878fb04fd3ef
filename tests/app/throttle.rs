//! The sign-in throttle behind a reverse proxy that names the client's address: guesses are
//! counted atomically, and nobody can lock an owner out from another address.

use chrono::Duration;
use ppp_registry::clock::Clock;
use ppp_registry::config::Config;
use ppp_registry::storage::audit::{self, EventFilter, Visibility};
use rocket::futures::future::join_all;
use rocket::http::{ContentType, Header, Status};
use rocket::local::asynchronous::Client;
use serde_json::json;

use crate::support::{DEMO_PASSWORD, TestApp, spawn_with_fixtures};

const OWNER: &str = "chair.osh@demo.kg";

/// The app as it runs behind a proxy that sets `X-Real-IP`.
async fn behind_proxy(app: &TestApp) -> Client {
    let config = Config::for_tests_with(&app.url, &app.upload_dir, &[("client_ip_header", "X-Real-IP")]);
    let rocket = ppp_registry::build(config, app.db.clone(), app.clock.clone());
    Client::tracked(rocket).await.expect("the app ignites")
}

/// One API sign-in from `address`; the status and `Retry-After`.
async fn attempt(client: &Client, address: &'static str, email: &str, password: &str) -> (Status, Option<i64>) {
    let response = client
        .post("/api/v1/auth/token")
        .header(ContentType::JSON)
        .header(Header::new("X-Real-IP", address))
        .body(json!({"email": email, "password": password}).to_string())
        .dispatch()
        .await;
    let retry = response.headers().get_one("Retry-After").and_then(|s| s.parse().ok());
    (response.status(), retry)
}

async fn events(app: &TestApp, action: &str) -> Vec<String> {
    let filter = EventFilter {
        action: Some(action.into()),
        ..EventFilter::default()
    };
    let list = audit::list(&app.db, &filter, Visibility::Everything, None, 500, app.clock.now())
        .await
        .unwrap();
    list.into_iter().map(|e| e.payload).collect()
}

#[rocket::async_test]
async fn forty_parallel_guesses_from_one_address_get_five_answers_at_most() {
    let app = spawn_with_fixtures().await;
    let client = behind_proxy(&app).await;
    // 39 wrong passwords and the right one, all at once, from one address.
    let guesses = (0..40).map(|i| {
        let password = if i == 20 { DEMO_PASSWORD } else { "a wrong password" };
        attempt(&client, "203.0.113.7", OWNER, password)
    });
    let outcomes = join_all(guesses).await;
    let count = |status: Status| outcomes.iter().filter(|(s, _)| *s == status).count();
    let answered = count(Status::Unauthorized) + count(Status::Created);
    assert_eq!(answered, 5, "{outcomes:?}");
    assert_eq!(count(Status::TooManyRequests), 35);
    assert!(
        outcomes
            .iter()
            .filter(|(s, _)| *s == Status::TooManyRequests)
            .all(|(_, retry)| *retry == Some(900)),
        "the window runs 15 minutes from the first attempt"
    );
    // Once the limit is reached the right password waits too.
    assert_eq!(
        attempt(&client, "203.0.113.7", OWNER, DEMO_PASSWORD).await.0,
        Status::TooManyRequests
    );
    // One audit event for the whole throttled burst, not one per refusal.
    let throttled: Vec<String> = events(&app, "account.sign_in_failed")
        .await
        .into_iter()
        .filter(|p| p.contains("\"throttled\""))
        .collect();
    assert_eq!(throttled.len(), 1, "{throttled:?}");
}

#[rocket::async_test]
async fn failures_from_one_address_never_stop_the_owner_at_another() {
    let app = spawn_with_fixtures().await;
    let client = behind_proxy(&app).await;
    for _ in 0..5 {
        assert_eq!(
            attempt(&client, "198.51.100.9", OWNER, "a competitor's guess").await.0,
            Status::Unauthorized
        );
    }
    assert_eq!(
        attempt(&client, "198.51.100.9", OWNER, "a competitor's guess").await,
        (Status::TooManyRequests, Some(900))
    );
    // The owner, from an address never seen before, signs in at once.
    assert_eq!(
        attempt(&client, "192.0.2.44", OWNER, DEMO_PASSWORD).await.0,
        Status::Created
    );
    // The first address stays throttled, for this account and for any other.
    assert_eq!(
        attempt(&client, "198.51.100.9", OWNER, DEMO_PASSWORD).await.0,
        Status::TooManyRequests
    );
    assert_eq!(
        attempt(&client, "198.51.100.9", "member.osh@demo.kg", DEMO_PASSWORD)
            .await
            .0,
        Status::TooManyRequests
    );
    // Until its window ends.
    app.clock.advance(Duration::minutes(15));
    assert_eq!(
        attempt(&client, "198.51.100.9", "member.osh@demo.kg", DEMO_PASSWORD)
            .await
            .0,
        Status::Created
    );
}

#[rocket::async_test]
async fn guessing_from_many_addresses_slows_new_addresses_but_not_the_owners() {
    let app = spawn_with_fixtures().await;
    let client = behind_proxy(&app).await;
    // The owner signed in from the office before.
    assert_eq!(
        attempt(&client, "192.0.2.10", OWNER, DEMO_PASSWORD).await.0,
        Status::Created
    );
    // Twenty failures, four from each of five addresses: no address reaches its own limit.
    const ADDRESSES: [&str; 5] = [
        "203.0.113.1",
        "203.0.113.2",
        "203.0.113.3",
        "203.0.113.4",
        "203.0.113.5",
    ];
    for address in ADDRESSES {
        for _ in 0..4 {
            assert_eq!(
                attempt(&client, address, OWNER, "a distributed guess").await.0,
                Status::Unauthorized
            );
        }
    }
    // New addresses now pass the account's gate one at a time: the first at once ...
    assert_eq!(
        attempt(&client, "203.0.113.6", OWNER, "another guess").await.0,
        Status::Unauthorized
    );
    // ... the next a second later (2^0 seconds after 20 failures), the gate's refusals counting
    // against no address.
    for _ in 0..6 {
        assert_eq!(
            attempt(&client, "203.0.113.7", OWNER, "another guess").await,
            (Status::TooManyRequests, Some(1))
        );
    }
    // The office, where the owner signed in before, is never slowed.
    assert_eq!(
        attempt(&client, "192.0.2.10", OWNER, DEMO_PASSWORD).await.0,
        Status::Created
    );
    app.clock.advance(Duration::seconds(1));
    assert_eq!(
        attempt(&client, "203.0.113.7", OWNER, "another guess").await.0,
        Status::Unauthorized,
        "six refusals at the gate did not use up the address's five attempts"
    );
    // One audit event for the slowed-down burst.
    let slowed: Vec<String> = events(&app, "account.sign_in_failed")
        .await
        .into_iter()
        .filter(|p| p.contains("\"slowed_down\""))
        .collect();
    assert_eq!(slowed.len(), 1, "{slowed:?}");
}

#[rocket::async_test]
async fn an_email_no_account_could_have_is_refused_before_the_database() {
    let app = spawn_with_fixtures().await;
    let client = behind_proxy(&app).await;
    // Through the API a NUL is refused as in any text: 422 naming the field, never a 500.
    let response = client
        .post("/api/v1/auth/token")
        .header(ContentType::JSON)
        .header(Header::new("X-Real-IP", "203.0.113.50"))
        .body(json!({"email": "nul\u{0}@demo.kg", "password": DEMO_PASSWORD}).to_string())
        .dispatch()
        .await;
    assert_eq!(response.status(), Status::UnprocessableEntity);
    let body: serde_json::Value = serde_json::from_str(&response.into_string().await.unwrap()).unwrap();
    assert!(body["error"]["fields"]["email"].is_array(), "{body}");
    // Through the page (forms are not JSON) it is a wrong email like any other.
    let browser = app.browser().await;
    let token = crate::support::csrf_token(&browser).await;
    let response = browser
        .post("/sign-in")
        .header(ContentType::Form)
        .body(format!("csrf_token={token}&email=nul%00%40demo.kg&password=x"))
        .dispatch()
        .await;
    assert_eq!(response.status(), Status::Unauthorized);
    for email in ["no-at-sign", &format!("{}@demo.kg", "a".repeat(300))] {
        assert_eq!(
            attempt(&client, "203.0.113.50", email, DEMO_PASSWORD).await.0,
            Status::Unauthorized,
            "{email:?}"
        );
    }
    assert!(events(&app, "account.sign_in_failed").await.is_empty());
}
