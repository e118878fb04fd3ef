use rocket::http::{ContentType, Cookie, Status};

use crate::support::spawn_with_fixtures;

#[rocket::async_test]
async fn the_home_page_speaks_russian_kyrgyz_and_english_with_live_counts() {
    let app = spawn_with_fixtures().await;
    let cases = [
        (
            "ru",
            "Реестр проектов муниципально-частного партнёрства",
            "Муниципалитеты",
        ),
        (
            "ky",
            "Муниципалдык-жеке өнөктөштүк долбоорлорунун реестри",
            "Муниципалитеттер",
        ),
        (
            "en",
            "Registry of municipal public-private partnership projects",
            "Municipalities",
        ),
    ];
    for (lang, title, count_label) in cases {
        let response = app.client.get("/").cookie(Cookie::new("lang", lang)).dispatch().await;
        assert_eq!(response.status(), Status::Ok);
        assert_eq!(response.content_type(), Some(ContentType::HTML));
        let html = response.into_string().await.unwrap();
        assert!(html.contains(&format!(r#"<html lang="{lang}">"#)), "{lang}");
        assert!(html.contains(&format!("<h1>{title}</h1>")), "{lang}: {html}");
        assert!(html.contains(count_label), "{lang}");
        assert!(html.contains(r#"<dd data-count="municipalities">2</dd>"#), "{lang}");
        assert!(html.contains(r#"<dd data-count="companies">5</dd>"#), "{lang}");
        assert!(html.contains(r#"<link rel="stylesheet" href="/static/app.css">"#));
    }
}

#[rocket::async_test]
async fn the_language_follows_the_cookie_then_accept_language_then_russian() {
    let app = spawn_with_fixtures().await;
    let (_, html) = app.get_with("/", ("Accept-Language", "en-GB,en;q=0.9,ru;q=0.5")).await;
    assert!(html.contains(r#"<html lang="en">"#));
    let (_, html) = app.get_with("/", ("Accept-Language", "de, fr;q=0.8")).await;
    assert!(html.contains(r#"<html lang="ru">"#));
    let response = app
        .client
        .get("/")
        .cookie(Cookie::new("lang", "ky"))
        .header(rocket::http::Header::new("Accept-Language", "en"))
        .dispatch()
        .await;
    assert!(response.into_string().await.unwrap().contains(r#"<html lang="ky">"#));
}

#[rocket::async_test]
async fn the_language_switch_remembers_the_choice_and_returns_to_the_page() {
    let app = spawn_with_fixtures().await;
    let response = app.get("/language/ky?next=%2Forganizations").await;
    assert_eq!(response.status(), Status::SeeOther);
    assert_eq!(response.headers().get_one("Location"), Some("/organizations"));
    let cookie = response.cookies().get("lang").expect("lang cookie").clone();
    assert_eq!(cookie.value(), "ky");
    assert_eq!(cookie.same_site(), Some(rocket::http::SameSite::Lax));

    let response = app.get("/language/en?next=%2F%2Fevil.example%2F").await;
    assert_eq!(response.headers().get_one("Location"), Some("/"));

    let response = app.get("/language/de").await;
    assert_eq!(response.status(), Status::NotFound);
    assert!(response.cookies().get("lang").is_none());

    // The client keeps cookies: the page is now English, and the switch links back to it.
    let (_, html) = app.get_with("/organizations", ("Accept-Language", "ru")).await;
    assert!(html.contains(r#"<html lang="en">"#));
    // Tera escapes `/` as `&#x2F;` in output; browsers read it back as `/`.
    assert!(
        html.contains(r#"href="&#x2F;language&#x2F;ru?next=%2Forganizations""#),
        "{html}"
    );
}

#[rocket::async_test]
async fn unknown_pages_get_an_error_page_in_the_users_language_with_a_way_back() {
    let app = spawn_with_fixtures().await;
    let response = app
        .client
        .get("/no-such-page")
        .cookie(Cookie::new("lang", "ky"))
        .dispatch()
        .await;
    assert_eq!(response.status(), Status::NotFound);
    assert_eq!(response.content_type(), Some(ContentType::HTML));
    let html = response.into_string().await.unwrap();
    assert!(html.contains("<h1>Бет табылган жок</h1>"), "{html}");
    assert!(html.contains(r#"<a href="/">Башкы бетке кайтуу</a>"#));
}

#[rocket::async_test]
async fn the_organisations_page_lists_public_bodies_with_times_in_bishkek() {
    let app = spawn_with_fixtures().await;
    let (status, html) = app.get_with("/organizations", ("Accept-Language", "en")).await;
    assert_eq!(status, Status::Ok);
    assert!(html.contains("<td>Osh City Hall</td>"), "{html}");
    assert!(html.contains("<td>Bishkek City Hall</td>"));
    assert!(html.contains("<td>OSH</td>"));
    // Osh was created 718 days before 2026-11-28 06:00 UTC: 2024-12-10 06:00 UTC, 12:00 in Bishkek.
    assert!(
        html.contains(
            r#"<time datetime="2024-12-10T06:00:00Z">10.12.2024 12:00 (UTC+06:00, Asia&#x2F;Bishkek)</time>"#
        ),
        "{html}"
    );
    assert!(html.contains(r#"<a href="&#x2F;organizations" aria-current="page">Organisations</a>"#));
}

#[rocket::async_test]
async fn the_stylesheet_is_served_by_the_app() {
    let app = spawn_with_fixtures().await;
    let response = app.get("/static/app.css").await;
    assert_eq!(response.status(), Status::Ok);
    assert_eq!(response.content_type(), Some(ContentType::CSS));
    assert!(response.into_string().await.unwrap().contains(".skip-link"));
}

#[rocket::async_test]
async fn typed_text_is_escaped_in_pages() {
    use ppp_registry::domain::localized::LocalizedText;
    use ppp_registry::domain::organization::{NewOrganization, OrganizationKind};
    let app = crate::support::spawn().await;
    let new = NewOrganization {
        kind: OrganizationKind::Municipality,
        name: LocalizedText {
            ru: "<script>alert(1)</script> & Co".into(),
            ky: None,
            en: None,
        },
        code: Some("XSS".into()),
        inn: None,
        company: None,
    };
    ppp_registry::services::organizations::create(
        &app.db,
        &*app.clock,
        &ppp_registry::domain::audit::AuditContext::system(),
        &new,
    )
    .await
    .unwrap();
    let (_, html) = app.get_with("/organizations", ("Accept-Language", "ru")).await;
    assert!(!html.contains("<script>alert(1)</script>"));
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;&#x2F;script&gt; &amp; Co"),
        "{html}"
    );
}
