//! Self-registration and administration, through the API and the pages.

use rocket::http::{ContentType, Header, Status};
use serde_json::{Value, json};

use crate::support::{DEMO_PASSWORD, TestApp, csrf_token, sign_in_browser, spawn_with_fixtures};

async fn call(app: &TestApp, method: &str, uri: &str, token: Option<&str>, body: Value) -> (Status, Value) {
    let mut request = match method {
        "GET" => app.client.get(uri.to_string()),
        "POST" => app
            .client
            .post(uri.to_string())
            .header(ContentType::JSON)
            .body(body.to_string()),
        other => panic!("method {other}"),
    };
    if let Some(token) = token {
        request = request.header(Header::new("Authorization", format!("Bearer {token}")));
    }
    let response = request.header(Header::new("Accept-Language", "en")).dispatch().await;
    let status = response.status();
    let text = response.into_string().await.unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn registration(inn: &str, email: &str) -> Value {
    json!({
        "company": {
            "name": {"ru": "ОсОО «Жалал-Абад Жашыл Энергия»", "en": "Jalal-Abad Green Energy LLC"},
            "inn": inn,
            "registration_number": "177201-3302-ООО",
            "legal_address": "г. Жалал-Абад, ул. Токтогула, 12",
            "email": "office@jagreen.kg",
            "director": "Турдубаев Азамат Кенешович",
            "beneficial_owners": [
                {"name": "Турдубаев Азамат Кенешович", "share_percent": "70.5", "inn": "20101198800222"},
                {"name": "Осмонова Бермет Талантовна", "share_percent": 29.5}
            ]
        },
        "account": {"email": email, "full_name": "Турдубаев Азамат Кенешович", "password": "жашыл энергия 2026"}
    })
}

#[rocket::async_test]
async fn a_registered_company_waits_for_an_administrator() {
    let app = spawn_with_fixtures().await;
    let (status, body) = call(
        &app,
        "POST",
        "/api/v1/registrations",
        None,
        registration("00303202010055", "azamat@jagreen.kg"),
    )
    .await;
    assert_eq!(status, Status::Created, "{body}");
    assert_eq!(body["organization"]["status"], "pending");
    assert_eq!(body["organization"]["kind"], "company");
    assert_eq!(
        body["organization"]["company"]["beneficial_owners"][1]["share_percent"],
        "29.5"
    );
    assert_eq!(body["user"]["status"], "pending");
    assert_eq!(body["user"]["roles"], json!(["bidder"]));
    let org_id = body["organization"]["id"].as_str().unwrap().to_string();
    let user_id = body["user"]["id"].as_str().unwrap().to_string();

    // Pending: the password is right, but the account may not sign in yet.
    let sign_in = json!({"email": "azamat@jagreen.kg", "password": "жашыл энергия 2026"});
    let (status, body) = call(&app, "POST", "/api/v1/auth/token", None, sign_in.clone()).await;
    assert_eq!(status, Status::Forbidden);
    assert_eq!(
        body["error"]["message"],
        "The account or its organisation is not active."
    );

    // The same INN or email again is refused, naming the field.
    let (status, body) = call(
        &app,
        "POST",
        "/api/v1/registrations",
        None,
        registration("00303202010055", "other@jagreen.kg"),
    )
    .await;
    // Already registered: a conflict with what exists (409), the field named as a 422 would.
    assert_eq!(status, Status::Conflict);
    assert_eq!(body["error"]["code"], "conflict");
    assert_eq!(
        body["error"]["fields"]["company.inn"],
        json!(["This value is already registered."])
    );
    let (status, body) = call(
        &app,
        "POST",
        "/api/v1/registrations",
        None,
        registration("00303202010066", "AZAMAT@jagreen.kg"),
    )
    .await;
    assert_eq!(status, Status::Conflict);
    assert_eq!(
        body["error"]["fields"]["account.email"],
        json!(["This value is already registered."])
    );

    let admin = app.token("admin@demo.kg").await;
    let activate = json!({"status": "active"});
    let (status, body) = call(
        &app,
        "POST",
        &format!("/api/v1/admin/organizations/{org_id}/status"),
        Some(&admin),
        activate.clone(),
    )
    .await;
    assert_eq!((status, body["status"].clone()), (Status::Ok, json!("active")));
    let (status, _) = call(&app, "POST", "/api/v1/auth/token", None, sign_in.clone()).await;
    assert_eq!(status, Status::Forbidden, "the account itself is still pending");
    let (status, body) = call(
        &app,
        "POST",
        &format!("/api/v1/admin/users/{user_id}/status"),
        Some(&admin),
        activate,
    )
    .await;
    assert_eq!((status, body["status"].clone()), (Status::Ok, json!("active")));
    let (status, body) = call(&app, "POST", "/api/v1/auth/token", None, sign_in).await;
    assert_eq!(status, Status::Created);
    assert_eq!(
        body["user"]["organization"]["name"]["en"],
        "Jalal-Abad Green Energy LLC"
    );
}

#[rocket::async_test]
async fn registrations_with_bad_input_change_nothing() {
    let app = spawn_with_fixtures().await;
    let before = ppp_registry::storage::organizations::count_all(&app.db).await.unwrap();
    let response = app
        .client
        .post("/api/v1/registrations")
        .header(ContentType::JSON)
        .body("{not json")
        .dispatch()
        .await;
    assert_eq!(response.status(), Status::BadRequest);
    let body: Value = serde_json::from_str(&response.into_string().await.unwrap()).unwrap();
    assert_eq!(body["error"]["code"], "bad_request");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("key must be a string"),
        "{body}"
    );

    let mut wrong_type = registration("00303202010055", "a@jagreen.kg");
    wrong_type["company"]["inn"] = json!(303202010055u64);
    let (status, body) = call(&app, "POST", "/api/v1/registrations", None, wrong_type).await;
    assert_eq!(
        status,
        Status::UnprocessableEntity,
        "JSON of the wrong type names its field"
    );
    assert_eq!(
        body["error"]["fields"]["company.inn"],
        json!(["The value has the wrong type or form for this field."]),
        "{body}"
    );

    let mut invalid = registration("12345", "not an email");
    invalid["company"]["beneficial_owners"][1]["share_percent"] = json!("40");
    invalid["account"]["password"] = json!("short");
    let (status, body) = call(&app, "POST", "/api/v1/registrations", None, invalid).await;
    assert_eq!(status, Status::UnprocessableEntity);
    let fields: Vec<&str> = body["error"]["fields"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        fields,
        vec!["account.email", "account.password", "company.beneficial_owners", "inn"]
    );
    assert_eq!(
        ppp_registry::storage::organizations::count_all(&app.db).await.unwrap(),
        before
    );
}

#[rocket::async_test]
async fn administrators_create_accounts_whose_roles_fit_the_organisation() {
    let app = spawn_with_fixtures().await;
    let admin = app.token("admin@demo.kg").await;
    let osh = ppp_registry::storage::organizations::find_by_code(&app.db, "OSH")
        .await
        .unwrap()
        .id
        .to_string();
    let new_user = |roles: Value, chair: bool| {
        json!({"organization_id": osh, "email": "member2.osh@osh.gov.kg", "full_name": "Асанов Талант",
               "password": "a long passphrase", "roles": roles, "chair": chair})
    };
    let (status, body) = call(
        &app,
        "POST",
        "/api/v1/admin/users",
        Some(&admin),
        new_user(json!(["bidder"]), false),
    )
    .await;
    assert_eq!(status, Status::UnprocessableEntity);
    assert_eq!(
        body["error"]["fields"]["roles"],
        json!(["The role does not fit the kind of organisation."])
    );
    let (status, body) = call(
        &app,
        "POST",
        "/api/v1/admin/users",
        Some(&admin),
        new_user(json!(["officer"]), true),
    )
    .await;
    assert_eq!(status, Status::UnprocessableEntity);
    assert_eq!(
        body["error"]["fields"]["chair"],
        json!(["Only a commission member can be the chair."])
    );
    let (status, body) = call(
        &app,
        "POST",
        "/api/v1/admin/users",
        Some(&admin),
        new_user(json!(["commission"]), true),
    )
    .await;
    assert_eq!(status, Status::Created, "{body}");
    assert_eq!(
        (body["roles"].clone(), body["chair"].clone(), body["status"].clone()),
        (json!(["commission"]), json!(true), json!("active"))
    );

    // An administrator cannot take another role, nor switch themselves off.
    let operator = ppp_registry::storage::organizations::first_of_kind(
        &app.db,
        ppp_registry::domain::organization::OrganizationKind::Operator,
    )
    .await
    .unwrap()
    .unwrap()
    .id
    .to_string();
    let grab = json!({"organization_id": operator, "email": "admin2@demo.kg", "full_name": "X",
                      "password": "a long passphrase", "roles": ["admin", "reviewer"]});
    let (status, body) = call(&app, "POST", "/api/v1/admin/users", Some(&admin), grab).await;
    assert_eq!(status, Status::UnprocessableEntity);
    assert_eq!(body["error"]["fields"]["roles"].as_array().unwrap().len(), 2);
    let (_, me) = call(&app, "GET", "/api/v1/me", Some(&admin), Value::Null).await;
    let (status, body) = call(
        &app,
        "POST",
        &format!("/api/v1/admin/users/{}/status", me["id"].as_str().unwrap()),
        Some(&admin),
        json!({"status": "inactive"}),
    )
    .await;
    assert_eq!(status, Status::UnprocessableEntity);
    assert_eq!(
        body["error"]["fields"]["status"],
        json!(["You cannot deactivate your own account."])
    );

    let (status, page) = call(&app, "GET", "/api/v1/admin/users?limit=5", Some(&admin), Value::Null).await;
    assert_eq!(status, Status::Ok);
    assert_eq!(page["items"].as_array().unwrap().len(), 5);
    let (_, rest) = call(
        &app,
        "GET",
        &format!("/api/v1/admin/users?limit=200&after={}", page["next"].as_str().unwrap()),
        Some(&admin),
        Value::Null,
    )
    .await;
    assert_eq!(rest["items"].as_array().unwrap().len(), 14, "19 accounts in all");
    assert_eq!(rest["next"], Value::Null);
}

#[rocket::async_test]
async fn deactivation_and_password_resets_take_effect_at_once() {
    let app = spawn_with_fixtures().await;
    let admin = app.token("admin@demo.kg").await;
    let officer = app.token("officer.bishkek@demo.kg").await;
    let (_, me) = call(&app, "GET", "/api/v1/me", Some(&officer), Value::Null).await;
    let officer_id = me["id"].as_str().unwrap().to_string();

    let (status, body) = call(
        &app,
        "POST",
        &format!("/api/v1/admin/users/{officer_id}/password"),
        Some(&admin),
        json!({"password": "short"}),
    )
    .await;
    assert_eq!(status, Status::UnprocessableEntity);
    assert_eq!(
        body["error"]["fields"]["password"],
        json!(["A password needs at least 12 characters."])
    );
    let (status, body) = call(
        &app,
        "POST",
        &format!("/api/v1/admin/users/{officer_id}/password"),
        Some(&admin),
        json!({"password": "новый пароль мэрии"}),
    )
    .await;
    assert_eq!((status, body), (Status::Ok, json!({"reset": true})));
    assert_eq!(
        call(&app, "GET", "/api/v1/me", Some(&officer), Value::Null).await.0,
        Status::Unauthorized,
        "old tokens are revoked"
    );
    let (status, _) = call(
        &app,
        "POST",
        "/api/v1/auth/token",
        None,
        json!({"email": "officer.bishkek@demo.kg", "password": DEMO_PASSWORD}),
    )
    .await;
    assert_eq!(status, Status::Unauthorized);
    let (status, body) = call(
        &app,
        "POST",
        "/api/v1/auth/token",
        None,
        json!({"email": "officer.bishkek@demo.kg", "password": "новый пароль мэрии"}),
    )
    .await;
    assert_eq!(status, Status::Created);
    let officer = body["token"].as_str().unwrap().to_string();

    let (status, _) = call(
        &app,
        "POST",
        &format!("/api/v1/admin/users/{officer_id}/status"),
        Some(&admin),
        json!({"status": "inactive"}),
    )
    .await;
    assert_eq!(status, Status::Ok);
    assert_eq!(
        call(&app, "GET", "/api/v1/me", Some(&officer), Value::Null).await.0,
        Status::Unauthorized,
        "a deactivated account's token stops working"
    );
    let (status, body) = call(
        &app,
        "POST",
        &format!("/api/v1/admin/users/{officer_id}/status"),
        Some(&admin),
        json!({"status": "deleted"}),
    )
    .await;
    assert_eq!(status, Status::UnprocessableEntity);
    assert_eq!(
        body["error"]["fields"]["status"],
        json!(["Allowed values: active, inactive."])
    );
    let (status, _) = call(
        &app,
        "POST",
        "/api/v1/admin/users/999999/status",
        Some(&admin),
        json!({"status": "active"}),
    )
    .await;
    assert_eq!(status, Status::NotFound);
}

#[rocket::async_test]
async fn the_admin_pages_create_accounts_and_show_field_errors() {
    let app = spawn_with_fixtures().await;
    let browser = app.browser().await;
    sign_in_browser(&browser, "admin@demo.kg", DEMO_PASSWORD).await;
    let token = csrf_token(&browser).await;
    let osh = ppp_registry::storage::organizations::find_by_code(&app.db, "OSH")
        .await
        .unwrap()
        .id;

    let response = browser
        .post("/admin/users")
        .header(ContentType::Form)
        .header(Header::new("Accept-Language", "en"))
        .body(format!(
            "csrf_token={token}&organization_id={osh}&email=bad&full_name=&password=short&roles=bidder"
        ))
        .dispatch()
        .await;
    assert_eq!(response.status(), Status::UnprocessableEntity);
    let html = response.into_string().await.unwrap();
    for message in [
        "Not a valid email address.",
        "This field is required.",
        "A password needs at least 12 characters.",
        "The role does not fit the kind of organisation.",
    ] {
        assert!(html.contains(message), "{message}");
    }

    let response = browser
        .post("/admin/users")
        .header(ContentType::Form)
        .body(format!(
            "csrf_token={token}&organization_id={osh}&email=economist%40osh.gov.kg&full_name=Садыкова+Айпери&password=a+long+passphrase&roles=officer&roles=approver"
        ))
        .dispatch()
        .await;
    assert_eq!(response.status(), Status::SeeOther);
    assert_eq!(response.headers().get_one("Location"), Some("/admin/users"));
    let html = browser
        .get("/admin/users")
        .header(Header::new("Accept-Language", "en"))
        .dispatch()
        .await
        .into_string()
        .await
        .unwrap();
    assert!(
        html.contains(r#"<p class="notice" role="status">Created.</p>"#),
        "{html}"
    );
    assert!(html.contains("economist@osh.gov.kg"));
    assert!(
        html.contains("Investment department officer, Approver")
            || html.contains("Approver, Investment department officer")
    );

    let response = browser.get("/admin/users").dispatch().await;
    assert_eq!(response.status(), Status::Ok);
    let bidder = app.browser().await;
    sign_in_browser(&bidder, "bidder1@demo.kg", DEMO_PASSWORD).await;
    assert_eq!(bidder.get("/admin/users").dispatch().await.status(), Status::Forbidden);
    let anonymous = app.browser().await;
    let response = anonymous.get("/admin/users").dispatch().await;
    assert_eq!(response.status(), Status::Unauthorized);
    assert!(
        response
            .into_string()
            .await
            .unwrap()
            .contains(r#"href="/sign-in?next=%2Fadmin%2Fusers""#)
    );
}

#[rocket::async_test]
async fn the_registration_page_keeps_what_was_typed_and_marks_each_field() {
    let app = spawn_with_fixtures().await;
    let token = csrf_token(&app.client).await;
    let response = app
        .client
        .post("/register")
        .header(ContentType::Form)
        .header(Header::new("Accept-Language", "ru"))
        .body(format!(
            "csrf_token={token}&name_ru=ОсОО+Тест&inn=01204200910123&registration_number=1&legal_address=Ош\
             &company_email=a%40b.kg&director=Тестов&owners[0].name=Тестов&owners[0].share=120&owners[0].inn=123\
             &full_name=Тестов&email=t%40b.kg&password=long+enough+password"
        ))
        .dispatch()
        .await;
    assert_eq!(response.status(), Status::UnprocessableEntity);
    let html = response.into_string().await.unwrap();
    assert!(html.contains(r#"value="ОсОО Тест""#), "typed values stay");
    assert!(html.contains("Доля должна быть больше 0 и не больше 100 %."), "{html}");
    assert!(html.contains("ИНН физического лица: 14 цифр"));
}
