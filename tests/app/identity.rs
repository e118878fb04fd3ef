//! Sign-in through the page and the API, tokens, sessions, CSRF and throttling.

use chrono::Duration;
use rocket::http::{ContentType, Header, Status};
use serde_json::{Value, json};

use crate::support::{DEMO_PASSWORD, csrf_token, sign_in_browser, spawn_with_fixtures};

const EVERY_DEMO_ACCOUNT: [(&str, &[&str], &str, bool); 13] = [
    ("admin@demo.kg", &["admin"], "operator", false),
    ("reviewer@demo.kg", &["reviewer"], "antimonopoly", false),
    ("officer.osh@demo.kg", &["officer"], "municipality", false),
    ("approver.osh@demo.kg", &["approver"], "municipality", false),
    ("chair.osh@demo.kg", &["commission"], "municipality", true),
    ("member.osh@demo.kg", &["commission"], "municipality", false),
    ("officer.bishkek@demo.kg", &["officer"], "municipality", false),
    ("approver.bishkek@demo.kg", &["approver"], "municipality", false),
    ("chair.bishkek@demo.kg", &["commission"], "municipality", true),
    ("member.bishkek@demo.kg", &["commission"], "municipality", false),
    ("bidder1@demo.kg", &["bidder"], "company", false),
    ("bidder2@demo.kg", &["bidder"], "company", false),
    ("bidder3@demo.kg", &["bidder"], "company", false),
];

async fn me(app: &crate::support::TestApp, token: &str) -> (Status, Value) {
    let response = app
        .client
        .get("/api/v1/me")
        .header(Header::new("Authorization", format!("Bearer {token}")))
        .dispatch()
        .await;
    let status = response.status();
    (
        status,
        serde_json::from_str(&response.into_string().await.unwrap()).unwrap(),
    )
}

#[rocket::async_test]
async fn every_demo_account_signs_in_through_the_api_with_its_roles() {
    let app = spawn_with_fixtures().await;
    for (email, roles, kind, chair) in EVERY_DEMO_ACCOUNT {
        // Emails compare case-insensitively.
        let response = app
            .client
            .post("/api/v1/auth/token")
            .header(ContentType::JSON)
            .body(json!({"email": email.to_uppercase(), "password": DEMO_PASSWORD}).to_string())
            .dispatch()
            .await;
        assert_eq!(response.status(), Status::Created, "{email}");
        assert_eq!(response.headers().get_one("Location"), Some("/api/v1/me"));
        let body: Value = serde_json::from_str(&response.into_string().await.unwrap()).unwrap();
        let token = body["token"].as_str().unwrap();
        assert_eq!(token.len(), 64);
        assert_eq!(
            body["expires_at"], "2026-11-28T18:00:00Z",
            "12 hours after the test start"
        );
        assert_eq!(body["user"]["email"], email);
        assert_eq!(body["user"]["roles"], json!(roles));
        assert_eq!(body["user"]["chair"], chair);
        assert_eq!(body["user"]["organization"]["kind"], kind);
        let (status, user) = me(&app, token).await;
        assert_eq!(status, Status::Ok);
        assert_eq!(user, body["user"], "{email}: /me shows the same user");
    }
    let (_, osh) = me(&app, &app.token("officer.osh@demo.kg").await).await;
    assert_eq!(osh["organization"]["name"]["en"], "Osh City Hall");
}

#[rocket::async_test]
async fn every_demo_account_signs_in_through_the_page() {
    let app = spawn_with_fixtures().await;
    for (email, _, _, _) in EVERY_DEMO_ACCOUNT {
        let browser = app.browser().await;
        assert_eq!(
            sign_in_browser(&browser, email, DEMO_PASSWORD).await,
            Status::SeeOther,
            "{email}"
        );
        let response = browser.get("/account").dispatch().await;
        assert_eq!(response.status(), Status::Ok, "{email}");
        let html = response.into_string().await.unwrap();
        assert!(html.contains(&format!("<dd>{email}</dd>")), "{email}");
    }
}

#[rocket::async_test]
async fn missing_forged_expired_and_revoked_tokens_get_401() {
    let app = spawn_with_fixtures().await;
    let (status, body) = app.get_json("/api/v1/me").await;
    assert_eq!(status, Status::Unauthorized);
    assert_eq!(body["error"]["code"], "unauthenticated");
    let (status, _) = me(&app, &"0".repeat(64)).await;
    assert_eq!(status, Status::Unauthorized);
    let response = app
        .client
        .get("/api/v1/me")
        .header(Header::new("Authorization", "Basic abc"))
        .dispatch()
        .await;
    assert_eq!(response.status(), Status::Unauthorized);

    let token = app.token("reviewer@demo.kg").await;
    assert_eq!(me(&app, &token).await.0, Status::Ok);
    let revoke = app
        .client
        .delete("/api/v1/auth/token")
        .header(Header::new("Authorization", format!("Bearer {token}")))
        .dispatch()
        .await;
    assert_eq!(revoke.status(), Status::Ok);
    assert_eq!(revoke.into_string().await.unwrap(), r#"{"revoked":true}"#);
    assert_eq!(me(&app, &token).await.0, Status::Unauthorized);

    let token = app.token("reviewer@demo.kg").await;
    app.clock.advance(Duration::hours(12));
    assert_eq!(me(&app, &token).await.0, Status::Unauthorized, "expired after 12 hours");
}

#[rocket::async_test]
async fn tokens_and_passwords_are_stored_only_as_hashes() {
    let app = spawn_with_fixtures().await;
    let token = app.token("officer.osh@demo.kg").await;
    let (hashes, stored_tokens): (Vec<String>, Vec<String>) = ppp_registry::on_pool!(app.db, pool => {
        (
            sqlx::query_scalar("SELECT password_hash FROM users").fetch_all(pool).await.unwrap(),
            sqlx::query_scalar("SELECT token_hash FROM api_tokens").fetch_all(pool).await.unwrap(),
        )
    });
    assert_eq!(hashes.len(), 18);
    assert!(
        hashes
            .iter()
            .all(|h| h.starts_with("$argon2id$") && !h.contains(DEMO_PASSWORD))
    );
    assert_eq!(stored_tokens, vec![ppp_registry::credentials::token_hash(&token)]);
}

#[rocket::async_test]
async fn the_sixth_wrong_password_within_15_minutes_gets_429() {
    let app = spawn_with_fixtures().await;
    let attempt = |password: &'static str| {
        let client = &app.client;
        async move {
            let response = client
                .post("/api/v1/auth/token")
                .header(ContentType::JSON)
                .body(json!({"email": "bidder2@demo.kg", "password": password}).to_string())
                .dispatch()
                .await;
            let retry = response.headers().get_one("Retry-After").map(str::to_string);
            (response.status(), retry)
        }
    };
    for _ in 0..5 {
        assert_eq!(attempt("wrong password!").await.0, Status::Unauthorized);
        app.clock.advance(Duration::minutes(1));
    }
    // Five failures from 0 to 4 minutes: the window of the first ends at 15 minutes, 10 from now.
    let (status, retry) = attempt(DEMO_PASSWORD).await;
    assert_eq!(status, Status::TooManyRequests, "even the right password waits");
    assert_eq!(retry.as_deref(), Some("600"));
    // The page says so too, in the user's language.
    let browser = app.browser().await;
    let token = csrf_token(&browser).await;
    let response = browser
        .post("/sign-in")
        .header(ContentType::Form)
        .header(Header::new("Accept-Language", "en"))
        .body(format!(
            "csrf_token={token}&email=bidder2@demo.kg&password={DEMO_PASSWORD}"
        ))
        .dispatch()
        .await;
    assert_eq!(response.status(), Status::TooManyRequests);
    assert!(
        response
            .into_string()
            .await
            .unwrap()
            .contains("Too many failed sign-ins")
    );

    app.clock.advance(Duration::minutes(10));
    assert_eq!(attempt(DEMO_PASSWORD).await.0, Status::Created, "the window has passed");
}

#[rocket::async_test]
async fn a_form_post_without_its_csrf_token_is_refused_and_changes_nothing() {
    let app = spawn_with_fixtures().await;
    let count = || async { ppp_registry::storage::organizations::count_all(&app.db).await.unwrap() };
    let before = count().await;
    let form = "name_ru=ОсОО+Тест&inn=01204200910999&registration_number=1&legal_address=Ош&company_email=a@b.kg\
                &director=Тест&full_name=Тест&email=new@b.kg&password=long+enough+password";
    let response = app
        .client
        .post("/register")
        .header(ContentType::Form)
        .body(form)
        .dispatch()
        .await;
    assert_eq!(response.status(), Status::Forbidden);
    let response = app
        .client
        .post("/register")
        .header(ContentType::Form)
        .body(format!("csrf_token={}&{form}", "f".repeat(64)))
        .dispatch()
        .await;
    assert_eq!(response.status(), Status::Forbidden, "a forged token is refused too");
    assert_eq!(count().await, before);

    let token = csrf_token(&app.client).await;
    let response = app
        .client
        .post("/register")
        .header(ContentType::Form)
        .body(format!("csrf_token={token}&{form}"))
        .dispatch()
        .await;
    assert_eq!(
        response.status(),
        Status::Ok,
        "the same form with its token goes through"
    );
    assert_eq!(count().await, before + 1);
}

#[rocket::async_test]
async fn browser_sessions_expire_when_idle_and_after_12_hours() {
    let app = spawn_with_fixtures().await;
    let browser = app.browser().await;
    assert_eq!(
        sign_in_browser(&browser, "officer.osh@demo.kg", DEMO_PASSWORD).await,
        Status::SeeOther
    );
    app.clock.advance(Duration::minutes(29));
    assert_eq!(browser.get("/account").dispatch().await.status(), Status::Ok);
    app.clock.advance(Duration::minutes(31));
    assert_eq!(
        browser.get("/account").dispatch().await.status(),
        Status::Unauthorized,
        "idle 31 minutes"
    );

    assert_eq!(
        sign_in_browser(&browser, "officer.osh@demo.kg", DEMO_PASSWORD).await,
        Status::SeeOther
    );
    for _ in 0..35 {
        app.clock.advance(Duration::minutes(20));
        assert_eq!(browser.get("/account").dispatch().await.status(), Status::Ok);
    }
    app.clock.advance(Duration::minutes(20));
    assert_eq!(
        browser.get("/account").dispatch().await.status(),
        Status::Unauthorized,
        "12 hours are up"
    );
}

#[rocket::async_test]
async fn signing_out_ends_the_session() {
    let app = spawn_with_fixtures().await;
    let browser = app.browser().await;
    sign_in_browser(&browser, "approver.osh@demo.kg", DEMO_PASSWORD).await;
    let html = browser.get("/account").dispatch().await.into_string().await.unwrap();
    assert!(html.contains("Ташиева Гүлнара Эркиновна"));
    let token = csrf_token(&browser).await;
    let response = browser
        .post("/sign-out")
        .header(ContentType::Form)
        .body(format!("csrf_token={token}"))
        .dispatch()
        .await;
    assert_eq!(response.status(), Status::SeeOther);
    assert_eq!(browser.get("/account").dispatch().await.status(), Status::Unauthorized);
}

#[rocket::async_test]
async fn wrong_passwords_on_the_page_say_so_without_naming_which() {
    let app = spawn_with_fixtures().await;
    let browser = app.browser().await;
    let token = csrf_token(&browser).await;
    for email in ["officer.osh@demo.kg", "nobody@demo.kg"] {
        let response = browser
            .post("/sign-in")
            .header(ContentType::Form)
            .header(Header::new("Accept-Language", "ru"))
            .body(format!("csrf_token={token}&email={email}&password=not-the-password"))
            .dispatch()
            .await;
        assert_eq!(response.status(), Status::Unauthorized);
        let html = response.into_string().await.unwrap();
        assert!(html.contains("Неверный адрес электронной почты или пароль."), "{email}");
        assert!(
            html.contains(&format!(r#"value="{email}""#)),
            "the email is kept in the form"
        );
    }
}
