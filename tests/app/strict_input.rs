//! Hostile JSON: bodies read strictly into their types, or refused with a 422 naming the field,
//! changing nothing; a body that is not JSON at all is a 400.

use rocket::http::Status;
use serde_json::{Value, json};

use crate::projects::call;
use crate::support::{TestApp, spawn_with_fixtures};

/// A submitted Osh project (an appraisal may be recorded on it) and the officer's token.
async fn submitted_project(app: &TestApp) -> (String, String) {
    let officer = app.token("officer.osh@demo.kg").await;
    let fields = json!({
        "title": {"ru": "Реконструкция котельной № 3", "en": "Boiler house 3"},
        "sector": "energy", "model": "dbfo", "payment_mechanism": "availability",
        "capital_cost": {"amount": "41000000.00", "currency": "KGS"}, "term_years": 12
    });
    let (status, created) = call(app, "POST", "/api/v1/projects", Some(&officer), fields).await;
    assert_eq!(status, Status::Created, "{created}");
    let id = created["id"].as_str().unwrap().to_string();
    (id, officer)
}

fn field_codes(body: &Value) -> Vec<String> {
    body["error"]["fields"]
        .as_object()
        .map(|f| f.keys().cloned().collect())
        .unwrap_or_default()
}

#[rocket::async_test]
async fn an_appraisal_is_never_read_from_an_array_or_unknown_fields() {
    let app = spawn_with_fixtures().await;
    let (id, officer) = submitted_project(&app).await;
    let uri = format!("/api/v1/projects/{id}/transitions");
    assert_eq!(
        call(&app, "POST", &uri, Some(&officer), json!({"action": "submit"}))
            .await
            .0,
        Status::Ok
    );
    let uri = format!("/api/v1/projects/{id}/appraisal");
    let appraisal = json!({"feasibility_study": "ТЭО котельной", "value_for_money": "VfM 7 %"});
    assert_eq!(
        call(&app, "PUT", &uri, Some(&officer), appraisal.clone()).await.0,
        Status::Ok
    );
    let (_, before) = call(&app, "GET", &format!("/api/v1/projects/{id}"), None, Value::Null).await;

    let (status, body) = call(&app, "PUT", &uri, Some(&officer), json!([])).await;
    assert_eq!(status, Status::UnprocessableEntity);
    assert_eq!(
        body["error"]["fields"]["body"],
        json!(["An object is expected here (fields by name, not a list)."])
    );
    let (status, body) = call(&app, "PUT", &uri, Some(&officer), json!({"zz": {}})).await;
    assert_eq!(status, Status::UnprocessableEntity);
    assert_eq!(
        body["error"]["fields"]["zz"],
        json!(["This field is not part of the request: nothing was changed."])
    );
    let (_, after) = call(&app, "GET", &format!("/api/v1/projects/{id}"), None, Value::Null).await;
    assert_eq!(after["appraisal"], before["appraisal"]);
    assert_eq!(after["appraisal"]["feasibility_study"], "ТЭО котельной");
    assert_eq!(after["updated_at"], before["updated_at"]);
}

#[rocket::async_test]
async fn credentials_are_never_read_positionally() {
    let app = spawn_with_fixtures().await;
    let (status, body) = call(
        &app,
        "POST",
        "/api/v1/auth/token",
        None,
        json!(["officer.osh@demo.kg", "demo-password"]),
    )
    .await;
    assert_eq!(status, Status::UnprocessableEntity);
    assert_eq!(field_codes(&body), vec!["body"]);
}

#[rocket::async_test]
async fn a_patch_of_fields_the_author_may_not_set_is_refused_and_changes_nothing() {
    let app = spawn_with_fixtures().await;
    let (id, officer) = submitted_project(&app).await;
    let uri = format!("/api/v1/projects/{id}");
    let (_, before) = call(&app, "GET", &uri, Some(&officer), Value::Null).await;
    for (field, value) in [
        ("stage", json!("approved")),
        ("municipality_id", json!("1")),
        ("registry_number", json!("OSH-PPP-2026-999")),
    ] {
        let mut patch = json!({"term_years": 20});
        patch[field] = value;
        let (status, body) = call(&app, "PATCH", &uri, Some(&officer), patch).await;
        assert_eq!(status, Status::UnprocessableEntity, "{field}: {body}");
        assert_eq!(field_codes(&body), vec![field.to_string()]);
    }
    let (status, body) = call(&app, "PATCH", &uri, Some(&officer), json!({"initiation": "private"})).await;
    assert_eq!(status, Status::UnprocessableEntity);
    assert_eq!(field_codes(&body), vec!["initiation"]);
    let (_, after) = call(&app, "GET", &uri, Some(&officer), Value::Null).await;
    assert_eq!(after, before, "nothing changed");

    // Nor can a project be filed as a private initiative without its proponent.
    let fields = json!({
        "title": {"ru": "Мнимая частная инициатива"}, "sector": "energy", "model": "dbfo",
        "initiation": "private", "payment_mechanism": "availability",
        "capital_cost": {"amount": "1000.00", "currency": "KGS"}, "term_years": 5
    });
    let (status, body) = call(&app, "POST", "/api/v1/projects", Some(&officer), fields).await;
    assert_eq!(status, Status::UnprocessableEntity);
    assert_eq!(field_codes(&body), vec!["initiation"]);
}

#[rocket::async_test]
async fn a_nul_in_any_text_is_a_422_naming_the_field_on_both_engines() {
    let app = spawn_with_fixtures().await;
    let officer = app.token("officer.osh@demo.kg").await;
    let fields = json!({
        "title": {"ru": "Парк\u{0}Навои"}, "sector": "energy", "model": "dbfo",
        "payment_mechanism": "availability", "capital_cost": {"amount": "1000.00", "currency": "KGS"},
        "term_years": 5
    });
    let (status, body) = call(&app, "POST", "/api/v1/projects", Some(&officer), fields).await;
    assert_eq!(status, Status::UnprocessableEntity);
    assert_eq!(
        body["error"]["fields"]["title.ru"],
        json!(["Control characters (such as NUL) are not allowed; only line breaks and tabs."])
    );
    // Anonymous routes too: a registration.
    let registration = json!({
        "company": {"name": {"ru": "ОсОО\u{0}"}, "inn": "01204200910999"},
        "account": {"email": "a@b.kg", "full_name": "Тест", "password": "long enough password"}
    });
    let (status, body) = call(&app, "POST", "/api/v1/registrations", None, registration).await;
    assert_eq!(status, Status::UnprocessableEntity, "{body}");
    assert!(body["error"]["fields"]["company.name.ru"].is_array(), "{body}");
}

#[rocket::async_test]
async fn a_nul_in_a_form_is_a_field_error_not_a_server_error() {
    let app = spawn_with_fixtures().await;
    let browser = app.browser().await;
    let token = crate::support::csrf_token(&browser).await;
    let form = "name_ru=%D0%9E%D1%81%D0%9E%D0%9E%00&inn=01204200910999&registration_number=1&legal_address=%D0%9E%D1%88\
                &company_email=a@b.kg&director=%D0%A2%D0%B5%D1%81%D1%82&full_name=%D0%A2%D0%B5%D1%81%D1%82\
                &email=new@b.kg&password=long+enough+password";
    let response = browser
        .post("/register")
        .header(rocket::http::ContentType::Form)
        .body(format!("csrf_token={token}&{form}"))
        .dispatch()
        .await;
    assert_eq!(response.status(), Status::UnprocessableEntity);
    let count = ppp_registry::storage::organizations::count_all(&app.db).await.unwrap();
    let fresh = spawn_with_fixtures().await;
    let baseline = ppp_registry::storage::organizations::count_all(&fresh.db)
        .await
        .unwrap();
    assert_eq!(count, baseline, "nothing was registered");
}

#[rocket::async_test]
async fn amounts_are_plain_decimals_kept_exactly_or_refused() {
    let app = spawn_with_fixtures().await;
    let officer = app.token("officer.osh@demo.kg").await;
    let project = |amount: Value| {
        json!({
            "title": {"ru": "Освещение бульвара Эркиндик"}, "sector": "energy", "model": "dbfo",
            "payment_mechanism": "availability", "capital_cost": {"amount": amount, "currency": "KGS"},
            "term_years": 10
        })
    };
    for bad in [
        json!("1000.0000000000000000000000000000001"),
        json!(1000.0000000000001),
        json!("1_000"),
        json!(".5"),
        json!("1E-2"),
    ] {
        let (status, body) = call(&app, "POST", "/api/v1/projects", Some(&officer), project(bad.clone())).await;
        assert_eq!(status, Status::UnprocessableEntity, "{bad}: {body}");
        assert_eq!(field_codes(&body), vec!["capital_cost.amount"], "{bad}");
    }
    let (status, created) = call(
        &app,
        "POST",
        "/api/v1/projects",
        Some(&officer),
        project(json!("1000.50")),
    )
    .await;
    assert_eq!(status, Status::Created);
    assert_eq!(created["capital_cost"]["amount"], "1000.50");
    let (status, created) = call(&app, "POST", "/api/v1/projects", Some(&officer), project(json!(2500))).await;
    assert_eq!(status, Status::Created, "a plain JSON integer is exact");
    assert_eq!(created["capital_cost"]["amount"], "2500.00");
    let (status, created) = call(
        &app,
        "POST",
        "/api/v1/projects",
        Some(&officer),
        project(json!(1999.99)),
    )
    .await;
    assert_eq!(status, Status::Created, "a JSON number that says what its float says");
    assert_eq!(created["capital_cost"]["amount"], "1999.99");
    // A number is checked as the body wrote it, before the parser's binary float would make
    // 1000.00000000000000001 into 1000: refused, naming the field, never rounded.
    for amount in ["1000.00000000000000001", "123456789012345678901234"] {
        let raw = format!(
            r#"{{"title": {{"ru": "Освещение бульвара"}}, "sector": "energy", "model": "dbfo",
               "payment_mechanism": "availability", "term_years": 10,
               "capital_cost": {{"amount": {amount}, "currency": "KGS"}}}}"#
        );
        let response = app
            .client
            .post("/api/v1/projects")
            .header(rocket::http::ContentType::JSON)
            .header(rocket::http::Header::new("Authorization", format!("Bearer {officer}")))
            .body(raw)
            .dispatch()
            .await;
        assert_eq!(response.status(), Status::UnprocessableEntity, "{amount}");
        let body: Value = serde_json::from_str(&response.into_string().await.unwrap()).unwrap();
        assert_eq!(field_codes(&body), vec!["capital_cost.amount"], "{amount}: {body}");
    }
}

#[rocket::async_test]
async fn unknown_fields_are_named_in_models_and_flattened_records_too() {
    let app = spawn_with_fixtures().await;
    let mut model: Value = serde_json::from_str(ppp_registry::domain::finance::model::TOLL_ROAD_25Y).unwrap();
    model["zz"] = json!(1);
    let (status, body) = call(&app, "POST", "/api/v1/finance/evaluate", None, model).await;
    assert_eq!(status, Status::UnprocessableEntity);
    assert_eq!(
        body["error"]["fields"]["zz"],
        json!(["This field is not part of the request: nothing was changed."])
    );
    let registration = json!({
        "company": {"name": {"ru": "ОсОО Тест"}, "inn": "01204200910999", "registration_number": "1",
                    "legal_address": "Ош", "email": "a@b.kg", "director": "Тест", "beneficial_owner": []},
        "account": {"email": "a@b.kg", "full_name": "Тест", "password": "long enough password"}
    });
    let (status, body) = call(&app, "POST", "/api/v1/registrations", None, registration).await;
    assert_eq!(
        status,
        Status::UnprocessableEntity,
        "a misspelt flattened field is refused: {body}"
    );
    assert_eq!(
        field_codes(&body),
        vec!["company.beneficial_owner"],
        "named by its path"
    );
}

/// Query parameters are read exactly as the API description states them: a value that is not
/// one of the stated forms is a 422 naming the parameter, never quietly read as absent.
#[rocket::async_test]
async fn query_parameters_are_read_exactly_as_described() {
    let app = spawn_with_fixtures().await;
    let refused = [
        ("/api/v1/projects?stage=approved&stage=draft", "stage"),
        ("/api/v1/projects?stage=", "stage"),
        ("/api/v1/projects?stage=%20approved", "stage"),
        ("/api/v1/projects?currency=kgs", "currency"),
        ("/api/v1/projects?municipality=%2B4", "municipality"),
        ("/api/v1/projects?min_value=1e3", "min_value"),
        ("/api/v1/projects?max_value=1000000000000", "max_value"),
        ("/api/v1/projects?q=%00", "q"),
        ("/api/v1/projects?limit=%2B5", "limit"),
        ("/api/v1/projects?limit=", "limit"),
        ("/api/v1/projects/export?model=x&model=y", "model"),
        ("/api/v1/projects/summary?municipality=", "municipality"),
        ("/api/v1/organizations?kind=", "kind"),
        ("/api/v1/organizations?limit=null&limit=null", "limit"),
        ("/api/v1/organizations?after=-1", "after"),
        ("/api/v1/audit/proof/consistency?from=%2B1&to=2", "from"),
        (
            "/api/v1/projects/1/financial-model?version=-1.0445329278021415e-73",
            "version",
        ),
        ("/api/v1/projects/1/financial-model?version=0", "version"),
    ];
    for (uri, field) in refused {
        let (status, body) = call(&app, "GET", uri, None, Value::Null).await;
        assert_eq!(status, Status::UnprocessableEntity, "{uri}: {body}");
        assert!(field_codes(&body).contains(&field.to_string()), "{uri}: {body}");
    }
    // What the description allows is answered: blank search, the largest bound, a stated id.
    for uri in [
        "/api/v1/projects?q=",
        "/api/v1/projects?max_value=999999999999.99&currency=USD",
        "/api/v1/projects?municipality=004",
        "/api/v1/organizations?kind=municipality&after=0&limit=200",
        "/api/v1/projects/1/financial-model?version=1",
    ] {
        let (status, body) = call(&app, "GET", uri, None, Value::Null).await;
        assert_eq!(status, Status::Ok, "{uri}: {body}");
    }
    // A page's form sends every field, blank when unused: there blank is no filter.
    let page = app
        .client
        .get("/projects?stage=&q=&municipality=&sector=&currency=&sort=")
        .dispatch()
        .await;
    assert_eq!(page.status(), Status::Ok);
}
