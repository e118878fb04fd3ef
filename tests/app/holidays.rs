//! The public holidays that working-day periods skip: the seeded calendar, an administrator's
//! changes (each an audit event, refused to everyone else), the working-day arithmetic that
//! follows them, and the page.

use chrono::NaiveDate;
use ppp_registry::domain::procedure::{DayCount, Period};
use ppp_registry::storage::holidays;
use rocket::http::{ContentType, Header, Method, Status};
use serde_json::{Value, json};

use crate::audit::all_events;
use crate::support::{DEMO_PASSWORD, TestApp, csrf_token, sign_in_browser, spawn_with_fixtures};

async fn call(app: &TestApp, method: Method, uri: &str, token: Option<&str>, body: Option<Value>) -> (Status, Value) {
    let mut request = app.client.req(method, uri.to_string());
    if let Some(token) = token {
        request = request.header(Header::new("Authorization", format!("Bearer {token}")));
    }
    if let Some(body) = body {
        request = request.header(ContentType::JSON).body(body.to_string());
    }
    let response = request.dispatch().await;
    let status = response.status();
    let text = response.into_string().await.unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn date(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

#[rocket::async_test]
async fn the_calendar_of_2026_and_2027_is_seeded_and_public() {
    let app = spawn_with_fixtures().await;
    let (status, body) = call(&app, Method::Get, "/api/v1/holidays?year=2027", None, None).await;
    assert_eq!(status, Status::Ok);
    assert_eq!(body["year"], 2027);
    let items = body["items"].as_array().unwrap();
    assert_eq!(items.len(), 14);
    assert_eq!(
        items[0],
        json!({"date": "2027-01-01", "name": {"ru": "Новый год", "ky": "Жаңы жыл", "en": "New Year"}})
    );
    let dates: Vec<&str> = items.iter().map(|h| h["date"].as_str().unwrap()).collect();
    assert!(
        dates.contains(&"2027-03-10") && dates.contains(&"2027-05-17"),
        "{dates:?}"
    );
    assert!(dates.windows(2).all(|w| w[0] < w[1]), "in date order");
    // Without a year: this year in Bishkek (the test clock is in November 2026).
    let (_, this_year) = call(&app, Method::Get, "/api/v1/holidays", None, None).await;
    assert_eq!(this_year["year"], 2026);
    assert_eq!(this_year["items"].as_array().unwrap().len(), 14);
    for bad in [
        "/api/v1/holidays?year=27",
        "/api/v1/holidays?year=1999",
        "/api/v1/holidays?year=2027&year=2026",
    ] {
        let (status, body) = call(&app, Method::Get, bad, None, None).await;
        assert_eq!(status, Status::UnprocessableEntity, "{bad}");
        assert!(body["error"]["fields"]["year"].is_array(), "{bad}: {body}");
    }
}

#[rocket::async_test]
async fn an_administrator_keeps_the_calendar_and_working_days_follow() {
    let app = spawn_with_fixtures().await;
    let admin = app.token("admin@demo.kg").await;
    let officer = app.token("officer.osh@demo.kg").await;
    let uri = "/api/v1/admin/holidays/2026-12-31";
    let name = json!({"name": {"ru": "Канун Нового года", "en": "New Year's Eve"}});
    let before = all_events(&app.db).await.len();

    // Nobody else may.
    assert_eq!(
        call(&app, Method::Put, uri, None, Some(name.clone())).await.0,
        Status::Unauthorized
    );
    assert_eq!(
        call(&app, Method::Put, uri, Some(&officer), Some(name.clone())).await.0,
        Status::Forbidden
    );
    assert_eq!(
        call(
            &app,
            Method::Delete,
            "/api/v1/admin/holidays/2027-01-07",
            Some(&officer),
            None
        )
        .await
        .0,
        Status::Forbidden
    );
    // Bad input changes nothing and says what is wrong.
    let (status, body) = call(
        &app,
        Method::Put,
        "/api/v1/admin/holidays/2026-13-01",
        Some(&admin),
        Some(name.clone()),
    )
    .await;
    assert_eq!(status, Status::UnprocessableEntity);
    assert!(body["error"]["fields"]["date"].is_array(), "{body}");
    let (status, body) = call(&app, Method::Put, uri, Some(&admin), Some(json!({"name": {"ru": " "}}))).await;
    assert_eq!(status, Status::UnprocessableEntity);
    assert!(body["error"]["fields"]["name.ru"].is_array(), "{body}");
    let (status, _) = call(
        &app,
        Method::Put,
        uri,
        Some(&admin),
        Some(json!({"name": {"ru": "x"}, "extra": 1})),
    )
    .await;
    assert_eq!(status, Status::UnprocessableEntity);
    assert_eq!(all_events(&app.db).await.len(), before);

    // Before: the 20th working day after Thursday 3 December 2026 is Thursday 31 December.
    let days = |h| DayCount {
        zone: chrono_tz::Asia::Bishkek,
        holidays: h,
        accelerator: 1,
    };
    let start = "2026-12-03T04:00:00Z".parse().unwrap();
    let calendar = holidays::calendar(&app.db).await.unwrap();
    assert_eq!(
        days(&calendar).after(start, Period::working(20)),
        Some("2026-12-31T04:00:00Z".parse().unwrap())
    );

    let (status, added) = call(&app, Method::Put, uri, Some(&admin), Some(name.clone())).await;
    assert_eq!(status, Status::Created);
    assert_eq!(
        added,
        json!({"date": "2026-12-31", "name": {"ru": "Канун Нового года", "en": "New Year's Eve"}})
    );
    let (status, renamed) = call(
        &app,
        Method::Put,
        uri,
        Some(&admin),
        Some(json!({"name": {"ru": "31 декабря"}})),
    )
    .await;
    assert_eq!(status, Status::Ok);
    assert_eq!(renamed["name"], json!({"ru": "31 декабря"}));

    // After: 31 December is a holiday, 1 January too, then a weekend: the 20th is Monday 4 January.
    let calendar = holidays::calendar(&app.db).await.unwrap();
    assert!(calendar.contains(date("2026-12-31")));
    assert_eq!(
        days(&calendar).after(start, Period::working(20)),
        Some("2027-01-04T04:00:00Z".parse().unwrap())
    );

    assert_eq!(
        call(&app, Method::Delete, uri, Some(&admin), None).await.0,
        Status::NoContent
    );
    let (status, body) = call(&app, Method::Delete, uri, Some(&admin), None).await;
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (Status::NotFound, json!("not_found"))
    );

    let events = all_events(&app.db).await;
    let ours: Vec<(String, Value)> = events[before..]
        .iter()
        .filter(|e| e.entity_type == "holiday")
        .map(|e| (e.action.clone(), serde_json::from_str(&e.payload).unwrap()))
        .collect();
    assert_eq!(
        ours,
        [
            (
                "holiday.added".to_string(),
                json!({"before": null, "after": {"name": {"ru": "Канун Нового года", "en": "New Year's Eve"}}})
            ),
            (
                "holiday.renamed".to_string(),
                json!({"before": {"name": {"ru": "Канун Нового года", "en": "New Year's Eve"}}, "after": {"name": {"ru": "31 декабря"}}})
            ),
            (
                "holiday.removed".to_string(),
                json!({"before": {"name": {"ru": "31 декабря"}}})
            ),
        ]
    );
    assert!(
        events[before..]
            .iter()
            .filter(|e| e.entity_type == "holiday")
            .all(|e| e.entity_id == "2026-12-31")
    );
}

#[rocket::async_test]
async fn the_page_lists_a_year_and_gives_administrators_its_forms() {
    let app = spawn_with_fixtures().await;
    let (status, html) = app.get_with("/holidays?year=2027", ("Accept-Language", "en")).await;
    assert_eq!(status, Status::Ok);
    assert!(html.contains(r#"<tr data-holiday="2027-01-07">"#), "{html}");
    assert!(html.contains("Orthodox Christmas"));
    assert!(!html.contains(r#"action="/holidays""#), "no forms for the public");
    let (status, _) = app.get_with("/holidays?year=abc", ("Accept-Language", "en")).await;
    assert_eq!(status, Status::UnprocessableEntity);

    let browser = app.browser().await;
    assert_eq!(
        sign_in_browser(&browser, "admin@demo.kg", DEMO_PASSWORD).await,
        Status::SeeOther
    );
    let csrf = csrf_token(&browser).await;
    let html = browser
        .get("/holidays?year=2027")
        .dispatch()
        .await
        .into_string()
        .await
        .unwrap();
    assert!(html.contains(r#"action="/holidays""#));
    let bad = browser
        .post("/holidays")
        .header(ContentType::Form)
        .body(format!("csrf_token={csrf}&date=2027-02-30&name_ru=x"))
        .dispatch()
        .await;
    assert_eq!(bad.status(), Status::UnprocessableEntity);
    let added = browser
        .post("/holidays")
        .header(ContentType::Form)
        .body(format!(
            "csrf_token={csrf}&date=2027-12-31&name_ru=%D0%9A%D0%B0%D0%BD%D1%83%D0%BD&name_ky=&name_en="
        ))
        .dispatch()
        .await;
    assert_eq!(added.status(), Status::SeeOther);
    assert_eq!(added.headers().get_one("Location"), Some("/holidays?year=2027"));
    assert!(holidays::calendar(&app.db).await.unwrap().contains(date("2027-12-31")));
    let forged = browser
        .post("/holidays/2027-12-31/remove")
        .header(ContentType::Form)
        .body("csrf_token=wrong")
        .dispatch()
        .await;
    assert_eq!(forged.status(), Status::Forbidden);
    let removed = browser
        .post("/holidays/2027-12-31/remove")
        .header(ContentType::Form)
        .body(format!("csrf_token={csrf}"))
        .dispatch()
        .await;
    assert_eq!(removed.status(), Status::SeeOther);
    assert!(!holidays::calendar(&app.db).await.unwrap().contains(date("2027-12-31")));
}
