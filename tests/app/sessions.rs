//! Browser sessions live on the server: signing out, signing out everywhere, a password reset
//! and a deactivation end them at once, whoever holds a copy of the cookie; CSRF tokens belong
//! to their session; the JSON API takes a session for a write only with its CSRF header.

use rocket::http::{ContentType, Cookie, Header, Status};
use rocket::local::asynchronous::Client;
use serde_json::json;

use crate::support::{DEMO_PASSWORD, TestApp, csrf_token, sign_in_browser, spawn_with_fixtures};

/// A signed-in browser and a copy of its session cookie's value.
async fn signed_in(app: &TestApp, email: &str) -> (Client, String) {
    let browser = app.browser().await;
    assert_eq!(sign_in_browser(&browser, email, DEMO_PASSWORD).await, Status::SeeOther);
    let secret = browser
        .cookies()
        .get_private("session")
        .expect("a session cookie")
        .value()
        .to_string();
    (browser, secret)
}

/// What a second browser, holding only a copy of the cookie, gets from `uri`.
async fn with_copied_cookie(app: &TestApp, secret: &str, uri: &str) -> Status {
    let thief = app.browser().await;
    thief
        .get(uri.to_string())
        .private_cookie(Cookie::new("session", secret.to_string()))
        .dispatch()
        .await
        .status()
}

async fn anonymous_status(app: &TestApp, uri: &str) -> Status {
    app.browser().await.get(uri.to_string()).dispatch().await.status()
}

#[rocket::async_test]
async fn a_copied_session_cookie_dies_with_sign_out() {
    let app = spawn_with_fixtures().await;
    let (browser, secret) = signed_in(&app, "admin@demo.kg").await;
    assert_eq!(with_copied_cookie(&app, &secret, "/admin/users").await, Status::Ok);
    let token = csrf_token(&browser).await;
    let response = browser
        .post("/sign-out")
        .header(ContentType::Form)
        .body(format!("csrf_token={token}"))
        .dispatch()
        .await;
    assert_eq!(response.status(), Status::SeeOther);
    for uri in ["/account", "/admin/users"] {
        let refused = with_copied_cookie(&app, &secret, uri).await;
        assert_ne!(refused, Status::Ok, "{uri}");
        assert_eq!(refused, anonymous_status(&app, uri).await, "{uri}");
    }
}

#[rocket::async_test]
async fn a_password_reset_and_a_deactivation_end_every_session() {
    let app = spawn_with_fixtures().await;
    let (_, first) = signed_in(&app, "member.osh@demo.kg").await;
    let (_, second) = signed_in(&app, "member.osh@demo.kg").await;
    let member = ppp_registry::storage::users::find_for_sign_in(&app.db, "member.osh@demo.kg")
        .await
        .unwrap()
        .unwrap()
        .0
        .id;
    assert_eq!(with_copied_cookie(&app, &first, "/account").await, Status::Ok);
    let admin = app.token("admin@demo.kg").await;
    let response = app
        .client
        .post(format!("/api/v1/admin/users/{member}/password"))
        .header(ContentType::JSON)
        .header(Header::new("Authorization", format!("Bearer {admin}")))
        .body(json!({"password": "a brand new passphrase"}).to_string())
        .dispatch()
        .await;
    assert_eq!(response.status(), Status::Ok);
    for secret in [&first, &second] {
        assert_ne!(with_copied_cookie(&app, secret, "/account").await, Status::Ok);
    }

    // Deactivation too: a new session, then the administrator deactivates the account.
    let browser = app.browser().await;
    assert_eq!(
        sign_in_browser(&browser, "member.osh@demo.kg", "a brand new passphrase").await,
        Status::SeeOther
    );
    let secret = browser.cookies().get_private("session").unwrap().value().to_string();
    let response = app
        .client
        .post(format!("/api/v1/admin/users/{member}/status"))
        .header(ContentType::JSON)
        .header(Header::new("Authorization", format!("Bearer {admin}")))
        .body(json!({"status": "inactive"}).to_string())
        .dispatch()
        .await;
    assert_eq!(response.status(), Status::Ok);
    let (count,): (i64,) = ppp_registry::on_pool!(app.db, pool => {
        sqlx::query_as("SELECT COUNT(*) FROM sessions WHERE user_id = $1 AND ended_at IS NULL")
            .bind(member.0)
            .fetch_one(pool)
            .await
            .unwrap()
    });
    assert_eq!(count, 0, "the deactivation ended the session in the database");
    assert_ne!(with_copied_cookie(&app, &secret, "/account").await, Status::Ok);
}

#[rocket::async_test]
async fn signing_out_everywhere_ends_the_other_devices_sessions() {
    let app = spawn_with_fixtures().await;
    let (laptop, _) = signed_in(&app, "officer.osh@demo.kg").await;
    let (_, phone) = signed_in(&app, "officer.osh@demo.kg").await;
    let token = csrf_token(&laptop).await;
    let response = laptop
        .post("/sign-out-everywhere")
        .header(ContentType::Form)
        .body(format!("csrf_token={token}"))
        .dispatch()
        .await;
    assert_eq!(response.status(), Status::SeeOther);
    assert_ne!(with_copied_cookie(&app, &phone, "/account").await, Status::Ok);
    assert_ne!(laptop.get("/account").dispatch().await.status(), Status::Ok);

    // The API does the same for a program holding a token.
    let (_, tablet) = signed_in(&app, "officer.osh@demo.kg").await;
    let bearer = app.token("officer.osh@demo.kg").await;
    let response = app
        .client
        .delete("/api/v1/me/sessions")
        .header(Header::new("Authorization", format!("Bearer {bearer}")))
        .dispatch()
        .await;
    assert_eq!(response.status(), Status::Ok);
    let body: serde_json::Value = serde_json::from_str(&response.into_string().await.unwrap()).unwrap();
    assert_eq!(body, json!({"sessions_ended": 1}));
    assert_ne!(with_copied_cookie(&app, &tablet, "/account").await, Status::Ok);
}

#[rocket::async_test]
async fn a_csrf_token_works_with_its_own_session_only() {
    let app = spawn_with_fixtures().await;
    let (officer, _) = signed_in(&app, "officer.osh@demo.kg").await;
    let (approver, _) = signed_in(&app, "approver.osh@demo.kg").await;
    let officers_token = csrf_token(&officer).await;
    assert_ne!(officers_token, csrf_token(&approver).await);
    let response = approver
        .post("/sign-out")
        .header(ContentType::Form)
        .body(format!("csrf_token={officers_token}"))
        .dispatch()
        .await;
    assert_eq!(response.status(), Status::Forbidden);
    assert_eq!(
        approver.get("/account").dispatch().await.status(),
        Status::Ok,
        "still signed in"
    );
}

#[rocket::async_test]
async fn the_api_takes_a_session_for_a_write_only_with_its_csrf_header() {
    let app = spawn_with_fixtures().await;
    let (officer, _) = signed_in(&app, "officer.osh@demo.kg").await;
    let project = json!({
        "title": {"ru": "Освещение парка Навои"}, "sector": "street_lighting", "model": "dbfo",
        "payment_mechanism": "availability", "capital_cost": {"amount": "12000000.00", "currency": "KGS"},
        "term_years": 10
    });
    // A cross-site request: the browser sends the cookie, but no page of ours gave it the token.
    let forged = officer
        .post("/api/v1/projects")
        .header(ContentType::Plain)
        .header(Header::new("Origin", "https://attacker.example"))
        .body(project.to_string())
        .dispatch()
        .await;
    assert_eq!(forged.status(), Status::Unauthorized);
    let no_header = officer
        .post("/api/v1/projects")
        .header(ContentType::JSON)
        .body(project.to_string())
        .dispatch()
        .await;
    assert_eq!(no_header.status(), Status::Unauthorized);
    // However the path is written, it is the API's route that decides.
    for path in ["//api/v1/projects", "/%61pi/v1/projects"] {
        let sneaky = officer
            .post(path)
            .header(ContentType::JSON)
            .body(project.to_string())
            .dispatch()
            .await;
        assert!(
            [Status::Unauthorized, Status::NotFound].contains(&sneaky.status()),
            "{path}: {}",
            sneaky.status()
        );
    }
    // Reads need no token.
    assert_eq!(officer.get("/api/v1/me").dispatch().await.status(), Status::Ok);
    let token = csrf_token(&officer).await;
    let created = officer
        .post("/api/v1/projects")
        .header(ContentType::JSON)
        .header(Header::new("X-CSRF-Token", token))
        .body(project.to_string())
        .dispatch()
        .await;
    assert_eq!(created.status(), Status::Created);
}

#[rocket::async_test]
async fn signing_in_again_ends_the_session_the_browser_had() {
    let app = spawn_with_fixtures().await;
    let (browser, old) = signed_in(&app, "officer.osh@demo.kg").await;
    assert_eq!(
        sign_in_browser(&browser, "officer.osh@demo.kg", DEMO_PASSWORD).await,
        Status::SeeOther
    );
    assert_eq!(browser.get("/account").dispatch().await.status(), Status::Ok);
    assert_ne!(with_copied_cookie(&app, &old, "/account").await, Status::Ok);
}

#[rocket::async_test]
async fn deactivating_an_organisation_ends_its_peoples_sessions_for_good() {
    let app = spawn_with_fixtures().await;
    let (_, member) = signed_in(&app, "bidder2@demo.kg").await;
    let company = ppp_registry::storage::users::find_for_sign_in(&app.db, "bidder2@demo.kg")
        .await
        .unwrap()
        .unwrap()
        .0
        .organization_id;
    let admin = app.token("admin@demo.kg").await;
    for status in ["inactive", "active"] {
        let response = app
            .client
            .post(format!("/api/v1/admin/organizations/{company}/status"))
            .header(ContentType::JSON)
            .header(Header::new("Authorization", format!("Bearer {admin}")))
            .body(json!({"status": status}).to_string())
            .dispatch()
            .await;
        assert_eq!(response.status(), Status::Ok, "{status}");
    }
    assert_ne!(
        with_copied_cookie(&app, &member, "/account").await,
        Status::Ok,
        "reactivation does not bring the session back"
    );
}
