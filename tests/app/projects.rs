//! The project registry: the lifecycle through the API and the pages, roles, states and scoping.

use rocket::http::{ContentType, Header, Status};
use serde_json::{Value, json};

use crate::support::{DEMO_PASSWORD, TestApp, csrf_token, sign_in_browser, spawn_with_fixtures};

pub(crate) async fn call(app: &TestApp, method: &str, uri: &str, token: Option<&str>, body: Value) -> (Status, Value) {
    let mut request = match method {
        "GET" => app.client.get(uri.to_string()),
        "POST" => app.client.post(uri.to_string()),
        "PATCH" => app.client.patch(uri.to_string()),
        "PUT" => app.client.put(uri.to_string()),
        "DELETE" => app.client.delete(uri.to_string()),
        other => panic!("{other}"),
    };
    if method != "GET" && method != "DELETE" {
        request = request.header(ContentType::JSON).body(body.to_string());
    }
    if let Some(token) = token {
        request = request.header(Header::new("Authorization", format!("Bearer {token}")));
    }
    let response = request.header(Header::new("Accept-Language", "en")).dispatch().await;
    let status = response.status();
    (
        status,
        serde_json::from_str(&response.into_string().await.unwrap_or_default()).unwrap_or(Value::Null),
    )
}

fn new_project() -> Value {
    json!({
        "title": {"ru": "Реконструкция сетей водоснабжения микрорайона Анар", "en": "Anar district water network"},
        "sector": "water", "model": "dbfo", "payment_mechanism": "availability",
        "capital_cost": {"amount": "76500000.50", "currency": "KGS"}, "term_years": 15,
        "address": "г. Ош, мкр. Анар", "risks": {"construction": "privateParty", "demandX": "shared"}
    })
}

async fn transition(app: &TestApp, token: &str, id: &str, action: &str, comment: &str) -> (Status, Value) {
    call(
        app,
        "POST",
        &format!("/api/v1/projects/{id}/transitions"),
        Some(token),
        json!({"action": action, "comment": comment}),
    )
    .await
}

#[rocket::async_test]
async fn a_project_goes_from_draft_to_approved_with_a_return_on_the_way() {
    let app = spawn_with_fixtures().await;
    let officer = app.token("officer.osh@demo.kg").await;
    let approver = app.token("approver.osh@demo.kg").await;

    let (status, body) = call(&app, "POST", "/api/v1/projects", Some(&officer), new_project()).await;
    assert_eq!(
        status,
        Status::UnprocessableEntity,
        "an unknown risk category is refused"
    );
    assert_eq!(
        body["error"]["fields"]["risks.demandX"],
        json!(["Unknown OCDS risk category."])
    );
    let mut fields = new_project();
    fields["risks"] = json!({"construction": "privateParty", "revenue": "shared"});
    let (status, created) = call(&app, "POST", "/api/v1/projects", Some(&officer), fields).await;
    assert_eq!(status, Status::Created);
    assert_eq!(
        (created["stage"].clone(), created["registry_number"].clone()),
        (json!("draft"), Value::Null)
    );
    assert_eq!(
        created["capital_cost"],
        json!({"amount": "76500000.50", "currency": "KGS"})
    );
    let id = created["id"].as_str().unwrap().to_string();

    let (status, submitted) = transition(&app, &officer, &id, "submit", "").await;
    assert_eq!(status, Status::Ok);
    assert_eq!(submitted["stage"], "submitted");
    // Osh filed two projects earlier this year in the fixtures.
    assert_eq!(submitted["registry_number"], "OSH-PPP-2026-005");

    let (status, body) = transition(&app, &approver, &id, "return", " ").await;
    assert_eq!(status, Status::UnprocessableEntity, "a return needs its reason");
    assert_eq!(body["error"]["fields"]["comment"], json!(["Give a reason."]));
    let (status, returned) = transition(&app, &approver, &id, "return", "Приложите гидравлический расчёт").await;
    assert_eq!(status, Status::Ok);
    assert_eq!(returned["stage"], "draft");
    assert_eq!(returned["return_reason"], "Приложите гидравлический расчёт");

    let (status, edited) = call(
        &app,
        "PATCH",
        &format!("/api/v1/projects/{id}"),
        Some(&officer),
        json!({"term_years": 18}),
    )
    .await;
    assert_eq!(status, Status::Ok);
    assert_eq!(
        (edited["term_years"].clone(), edited["title"]["en"].clone()),
        (json!(18), json!("Anar district water network"))
    );
    let (_, resubmitted) = transition(&app, &officer, &id, "submit", "Расчёт приложен").await;
    assert_eq!(
        resubmitted["registry_number"], "OSH-PPP-2026-005",
        "the number is kept, never reissued"
    );
    assert_eq!(resubmitted["return_reason"], Value::Null);

    assert_eq!(
        transition(&app, &approver, &id, "start_appraisal", "").await.0,
        Status::Ok
    );
    let (status, body) = transition(&app, &approver, &id, "approve", "").await;
    assert_eq!(status, Status::Conflict);
    assert_eq!(body["error"]["code"], "precondition_failed");
    assert_eq!(
        body["error"]["message"],
        "Missing: feasibility_study, value_for_money, affordability."
    );
    let appraisal = json!({"feasibility_study": "ТЭО водопровода Анар", "value_for_money": "VfM 9 %",
        "value_for_money_source": "Отчёт VfM", "affordability": "1,1 % бюджета", "affordability_source": "Прогноз бюджета"});
    let (status, _) = call(
        &app,
        "PUT",
        &format!("/api/v1/projects/{id}/appraisal"),
        Some(&officer),
        appraisal,
    )
    .await;
    assert_eq!(status, Status::Ok);
    let (status, approved) = transition(&app, &approver, &id, "approve", "Одобрено").await;
    assert_eq!(status, Status::Ok);
    assert_eq!(approved["stage"], "approved");
    let steps: Vec<(&str, &str)> = approved["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["action"].as_str().unwrap(), t["to_stage"].as_str().unwrap()))
        .collect();
    assert_eq!(
        steps,
        vec![
            ("submit", "submitted"),
            ("return", "draft"),
            ("submit", "submitted"),
            ("start_appraisal", "appraisal"),
            ("approve", "approved")
        ]
    );

    // The public sees it, with its stage and registry number.
    let (_, public) = call(&app, "GET", "/api/v1/projects?stage=approved", None, Value::Null).await;
    let numbers: Vec<&str> = public["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["registry_number"].as_str().unwrap())
        .collect();
    // (The demo's other approved Osh project, OSH-PPP-2026-004, is in tender.)
    assert_eq!(numbers, vec!["OSH-PPP-2026-005"]);

    // Every step is in the audit log.
    let reviewer = app.token("reviewer@demo.kg").await;
    let (_, events) = call(
        &app,
        "GET",
        &format!("/api/v1/audit/events?entity_type=project&entity_id={id}"),
        Some(&reviewer),
        Value::Null,
    )
    .await;
    let actions: Vec<&str> = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        vec![
            "project.created",
            "project.submitted",
            "project.returned",
            "project.updated",
            "project.submitted",
            "project.appraisal_started",
            "project.appraisal_recorded",
            "project.approved"
        ]
    );
    let updated = &events["items"].as_array().unwrap()[4];
    assert_eq!(
        updated["payload"],
        json!({"before": {"term_years": 15}, "after": {"term_years": 18}})
    );
}

#[rocket::async_test]
async fn wrong_roles_states_and_municipalities_are_refused() {
    let app = spawn_with_fixtures().await;
    let officer = app.token("officer.osh@demo.kg").await;
    let approver = app.token("approver.osh@demo.kg").await;
    let bishkek = app.token("officer.bishkek@demo.kg").await;
    let reviewer = app.token("reviewer@demo.kg").await;

    // Project 5: Osh's waste plant, submitted; project 6: Osh's dialysis centre, a draft.
    let (status, body) = transition(&app, &officer, "5", "start_appraisal", "").await;
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (Status::Forbidden, json!("forbidden"))
    );
    let (status, body) = transition(&app, &approver, "6", "approve", "").await;
    assert_eq!(status, Status::Conflict);
    assert_eq!(body["error"]["code"], "invalid_transition");
    assert_eq!(
        body["error"]["message"],
        r#"The action "approve" is not possible at the stage "draft"."#
    );
    let (status, body) = call(
        &app,
        "PATCH",
        "/api/v1/projects/5",
        Some(&officer),
        json!({"term_years": 5}),
    )
    .await;
    assert_eq!(
        (status, body["error"]["message"].clone()),
        (Status::Conflict, json!("Only a draft can be edited."))
    );

    // Bishkek may read Osh's public projects but not change them, and cannot see its drafts.
    assert_eq!(
        call(&app, "GET", "/api/v1/projects/5", Some(&bishkek), Value::Null)
            .await
            .0,
        Status::Ok
    );
    assert_eq!(transition(&app, &bishkek, "5", "submit", "").await.0, Status::Forbidden);
    assert_eq!(
        call(&app, "GET", "/api/v1/projects/6", Some(&bishkek), Value::Null)
            .await
            .0,
        Status::NotFound
    );
    assert_eq!(
        call(
            &app,
            "PATCH",
            "/api/v1/projects/6",
            Some(&bishkek),
            json!({"term_years": 5})
        )
        .await
        .0,
        Status::NotFound
    );
    assert_eq!(
        call(&app, "GET", "/api/v1/projects/6", None, Value::Null).await.0,
        Status::NotFound
    );
    assert_eq!(
        call(&app, "GET", "/api/v1/projects/6", Some(&reviewer), Value::Null)
            .await
            .0,
        Status::Ok
    );

    let ids = |body: &Value| -> Vec<String> {
        body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["id"].as_str().unwrap().to_string())
            .collect()
    };
    let (_, public) = call(&app, "GET", "/api/v1/projects", None, Value::Null).await;
    assert_eq!(
        ids(&public),
        vec!["1", "2", "3", "5", "7", "8", "9", "10", "11"],
        "drafts are not public"
    );
    let (_, osh) = call(&app, "GET", "/api/v1/projects", Some(&officer), Value::Null).await;
    assert_eq!(
        ids(&osh),
        vec!["1", "2", "3", "5", "6", "7", "8", "9", "10", "11", "12"],
        "Osh sees its own drafts"
    );
    let (_, all) = call(&app, "GET", "/api/v1/projects", Some(&reviewer), Value::Null).await;
    assert_eq!(ids(&all).len(), 12, "reviewers see every draft");
    let (status, body) = call(&app, "GET", "/api/v1/projects?stage=finished", None, Value::Null).await;
    assert_eq!(status, Status::UnprocessableEntity);
    assert!(body["error"]["fields"]["stage"].is_array());

    let bidder = app.token("bidder1@demo.kg").await;
    assert_eq!(
        call(&app, "POST", "/api/v1/projects", Some(&bidder), new_project())
            .await
            .0,
        Status::Forbidden
    );
    assert_eq!(transition(&app, &bidder, "5", "submit", "").await.0, Status::Forbidden);
}

#[rocket::async_test]
async fn the_pages_show_the_registry_and_take_decisions() {
    let app = spawn_with_fixtures().await;
    let (status, html) = app.get_with("/projects", ("Accept-Language", "en")).await;
    assert_eq!(status, Status::Ok);
    assert!(html.contains("Osh public transport e-ticketing (automated fare collection)"));
    assert!(html.contains("KGS\u{a0}185,000,000.00"));
    assert!(!html.contains("Osh hemodialysis centre"), "drafts are not public");
    let (status, html) = app
        .get_with("/projects?stage=finished", ("Accept-Language", "en"))
        .await;
    assert_eq!(status, Status::Ok);
    assert!(
        html.contains("stage: Not an allowed value."),
        "a bad filter is named on the page"
    );
    let (status, html) = app.get_with("/projects/2", ("Accept-Language", "ru")).await;
    assert_eq!(status, Status::Ok);
    assert!(html.contains(r#"<dd data-field="registry_number">OSH-PPP-2026-001</dd>"#));
    assert!(
        html.contains("Одобрено комиссией по МЧП мэрии г. Ош"),
        "the timeline shows the decision's comment"
    );
    assert_eq!(app.get("/projects/6").await.status(), Status::NotFound);

    let approver = app.browser().await;
    sign_in_browser(&approver, "approver.osh@demo.kg", DEMO_PASSWORD).await;
    let page = approver
        .get("/projects/5")
        .dispatch()
        .await
        .into_string()
        .await
        .unwrap();
    assert!(page.contains(r#"<input type="hidden" name="action" value="start_appraisal">"#));
    let token = csrf_token(&approver).await;
    let response = approver
        .post("/projects/5/transitions")
        .header(ContentType::Form)
        .body(format!("csrf_token={token}&action=start_appraisal&comment="))
        .dispatch()
        .await;
    assert_eq!(response.status(), Status::SeeOther);
    let page = approver
        .get("/projects/5")
        .header(Header::new("Accept-Language", "en"))
        .dispatch()
        .await
        .into_string()
        .await
        .unwrap();
    assert!(page.contains(r#"<dd data-field="stage">Appraisal</dd>"#));
    assert!(page.contains("Decision recorded."));

    let officer = app.browser().await;
    sign_in_browser(&officer, "officer.osh@demo.kg", DEMO_PASSWORD).await;
    let token = csrf_token(&officer).await;
    let response = officer
        .post("/projects")
        .header(ContentType::Form)
        .header(Header::new("Accept-Language", "en"))
        .body(format!("csrf_token={token}&title_ru=&sector=health&model=boo&payment_mechanism=availability&capital_cost=abc&currency=KGS&term_years=12"))
        .dispatch()
        .await;
    assert_eq!(response.status(), Status::UnprocessableEntity);
    assert!(response.into_string().await.unwrap().contains("Enter a number."));
    // A currency the form does not offer is named, never read as som.
    let response = officer
        .post("/projects")
        .header(ContentType::Form)
        .header(Header::new("Accept-Language", "en"))
        .body(format!("csrf_token={token}&title_ru=Баня&sector=social&model=lease&payment_mechanism=user_pays&capital_cost=100&currency=EUR&term_years=10"))
        .dispatch()
        .await;
    assert_eq!(response.status(), Status::UnprocessableEntity);
    assert!(response.into_string().await.unwrap().contains("Not an allowed value."));
    let response = officer
        .post("/projects")
        .header(ContentType::Form)
        .body(format!("csrf_token={token}&title_ru=Городская+баня&sector=social&model=lease&payment_mechanism=user_pays&capital_cost=12+500+000,50&currency=KGS&term_years=10&address=Ош"))
        .dispatch()
        .await;
    assert_eq!(response.status(), Status::SeeOther);
    assert_eq!(response.headers().get_one("Location"), Some("/projects/13"));
}

/// Search ignores case and ё/е, matches word beginnings in any language, and combines with the
/// filters; both engines give the same answers.
#[rocket::async_test]
async fn search_and_filters_find_the_same_projects_on_both_engines() {
    let app = spawn_with_fixtures().await;
    let titles = |body: &Value| -> Vec<String> {
        body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["title"]["en"].as_str().unwrap().to_string())
            .collect()
    };
    let get = |uri: &'static str| {
        let app = &app;
        async move { call(app, "GET", uri, None, Value::Null).await }
    };
    let (_, body) =
        get("/api/v1/projects?q=%D0%9C%D0%A3%D0%A1%D0%9E%D0%A0%D0%9E%D0%A1%D0%9E%D0%A0%D0%A2") /* МУСОРОСОРТ */
            .await;
    assert_eq!(titles(&body), vec!["Osh solid-waste sorting plant"]);
    let (_, body) = get("/api/v1/projects?q=%D1%82%D0%B0%D1%88%D1%82%D0%B0%D0%BD%D0%B4%D1%8B").await; // таштанды (ky)
    assert_eq!(titles(&body), vec!["Osh solid-waste sorting plant"]);
    let (_, body) = get("/api/v1/projects?q=lighting%20bishkek").await;
    assert_eq!(
        titles(&body),
        vec!["Bishkek street lighting modernisation (LED, energy performance)"]
    );
    let (_, body) = get("/api/v1/projects?q=ighting").await;
    assert!(titles(&body).is_empty(), "only word beginnings match");
    let (_, body) = get("/api/v1/projects?q=%D0%BE%D1%88").await; // ош
    assert_eq!(titles(&body).len(), 5, "{body}");
    let (_, body) = get("/api/v1/projects?model=concession").await;
    assert_eq!(
        titles(&body),
        vec![
            "Reconstruction of Bishkek's Osh Bazaar municipal market",
            "Modernisation of Osh district heating boilers",
            "Bishkek municipal paid parking system"
        ]
    );
    // Highest cost first: the USD project, then KGS by amount; the cursor carries the order.
    let (_, body) = get("/api/v1/projects?model=concession&sort=cost_desc&limit=2").await;
    assert_eq!(
        titles(&body),
        vec![
            "Modernisation of Osh district heating boilers",
            "Reconstruction of Bishkek's Osh Bazaar municipal market"
        ]
    );
    assert_eq!(body["next"], "KGS_350000000.00_1");
    let (_, body) = get("/api/v1/projects?model=concession&sort=cost_desc&limit=2&after=KGS_350000000.00_1").await;
    assert_eq!(titles(&body), vec!["Bishkek municipal paid parking system"]);
    assert_eq!(body["next"], Value::Null);
    let (_, body) = get("/api/v1/projects?model=concession&sort=cost_asc").await;
    assert_eq!(
        titles(&body),
        vec![
            "Bishkek municipal paid parking system",
            "Reconstruction of Bishkek's Osh Bazaar municipal market",
            "Modernisation of Osh district heating boilers"
        ]
    );
    let (_, body) = get("/api/v1/projects?sort=newest&limit=3").await;
    let ids: Vec<&str> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec!["11", "10", "9"]);
    // A cursor names its row by every order key, so one cursor shape serves every order.
    let next = body["next"].as_str().unwrap().to_string();
    assert_eq!(next, "USD_8500000.00_9");
    let second_page: &'static str = format!("/api/v1/projects?sort=newest&limit=3&after={next}").leak();
    let (_, body) = get(second_page).await;
    let ids: Vec<&str> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec!["8", "7", "5"]);
    for bad in [
        "/api/v1/projects?sort=cost_desc&after=9",
        "/api/v1/projects?after=9",
        "/api/v1/projects?sort=cost_desc&after=KGS_1.001_1",
        "/api/v1/projects?after=kgs_1_1",
        "/api/v1/projects?after=KGS_1_%2B1",
        "/api/v1/projects?after=KGS_1e3_1",
        "/api/v1/projects?after=",
    ] {
        let (status, body) = get(bad).await;
        assert_eq!(status, Status::UnprocessableEntity, "{bad}");
        assert!(body["error"]["fields"]["after"].is_array(), "{bad}");
    }
    let (status, body) = get("/api/v1/projects?sort=title").await;
    assert_eq!(status, Status::UnprocessableEntity);
    assert!(body["error"]["fields"]["sort"].is_array());
    let (_, body) = get("/api/v1/projects?min_value=350000000&max_value=620000000").await;
    assert_eq!(titles(&body).len(), 3, "{body}");
    let (_, body) = get("/api/v1/projects?min_value=350000000.01&max_value=620000000").await;
    assert_eq!(titles(&body).len(), 2);
    let (status, body) = get("/api/v1/projects?min_value=0.001&model=tunnel").await;
    assert_eq!(status, Status::UnprocessableEntity);
    let fields: Vec<&String> = body["error"]["fields"].as_object().unwrap().keys().collect();
    assert_eq!(fields, vec!["min_value", "model"]);
}

#[rocket::async_test]
async fn the_registry_downloads_as_csv() {
    let app = spawn_with_fixtures().await;
    let response = app.get("/api/v1/projects/export?sector=transport").await;
    assert_eq!(response.status(), Status::Ok);
    assert_eq!(
        response.content_type().map(|c| c.to_string()),
        Some("text/csv; charset=utf-8".into())
    );
    let text = response.into_string().await.unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    assert_eq!(reader.headers().unwrap().get(0), Some("registry_number"));
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(&rows[0][0], "OSH-PPP-2026-001");
    assert_eq!(&rows[1][0], "BISH-PPP-2026-004");
    assert_eq!(&rows[0][8], "185000000.00");
    let all = app.get("/api/v1/projects/export").await.into_string().await.unwrap();
    assert_eq!(all.lines().count(), 10, "a header and the nine public projects");
}

#[rocket::async_test]
async fn the_dashboard_sums_projects_by_stage() {
    let app = spawn_with_fixtures().await;
    let osh = ppp_registry::storage::organizations::find_by_code(&app.db, "OSH")
        .await
        .unwrap()
        .id;
    let uri = format!("/api/v1/projects/summary?municipality={osh}");
    let (status, public) = call(&app, "GET", &uri, None, Value::Null).await;
    assert_eq!(status, Status::Ok);
    assert_eq!(
        public,
        json!({"stages": [
            {"stage": "submitted", "projects": 2, "capital_cost": {"amount": "474000000.00", "currency": "KGS"}},
            {"stage": "in_tender", "projects": 1, "capital_cost": {"amount": "185000000.00", "currency": "KGS"}},
        ]})
    );
    let officer = app.token("officer.osh@demo.kg").await;
    let (_, own) = call(&app, "GET", &uri, Some(&officer), Value::Null).await;
    assert_eq!(
        own["stages"][0],
        json!({"stage": "draft", "projects": 2, "capital_cost": {"amount": "515000000.00", "currency": "KGS"}})
    );
    let (_, all) = call(&app, "GET", "/api/v1/projects/summary", None, Value::Null).await;
    let total: i64 = all["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["projects"].as_i64().unwrap())
        .sum();
    assert_eq!(total, 8, "the public projects in KGS");

    let (status, html) = app
        .get_with(&format!("/dashboard?municipality={osh}"), ("Accept-Language", "en"))
        .await;
    assert_eq!(status, Status::Ok);
    assert!(html.contains(r#"role="img""#));
    assert_eq!(html.matches("<rect ").count(), 2);
    assert!(
        html.contains("<title>In tender: KGS\u{a0}185,000,000.00</title>"),
        "{html}"
    );
}

fn proposal(municipality: &str) -> Value {
    json!({
        "municipality_id": municipality,
        "advantage": {"kind": "bonus", "percent": "5"},
        "fields": {
            "title": {"ru": "Солнечные станции на крышах школ г. Ош", "en": "Solar rooftops on Osh schools"},
            "sector": "energy", "model": "boot", "payment_mechanism": "availability",
            "capital_cost": {"amount": "64000000.00", "currency": "KGS"}, "term_years": 15
        }
    })
}

#[rocket::async_test]
async fn a_company_files_a_private_initiative_and_the_municipality_checks_it() {
    let app = spawn_with_fixtures().await;
    let osh = ppp_registry::storage::organizations::find_by_code(&app.db, "OSH")
        .await
        .unwrap()
        .id
        .to_string();
    let bidder = app.token("bidder1@demo.kg").await;
    let officer = app.token("officer.osh@demo.kg").await;

    assert_eq!(
        call(&app, "POST", "/api/v1/proposals", Some(&officer), proposal(&osh))
            .await
            .0,
        Status::Forbidden
    );
    let mut bad = proposal("1");
    bad["advantage"] = json!({"kind": "bonus", "percent": "150"});
    let (status, body) = call(&app, "POST", "/api/v1/proposals", Some(&bidder), bad).await;
    assert_eq!(status, Status::UnprocessableEntity);
    let fields: Vec<&String> = body["error"]["fields"].as_object().unwrap().keys().collect();
    assert_eq!(fields, vec!["advantage.percent", "municipality_id"]);

    let (status, filed) = call(&app, "POST", "/api/v1/proposals", Some(&bidder), proposal(&osh)).await;
    assert_eq!(status, Status::Created, "{filed}");
    assert_eq!(filed["stage"], "submitted");
    assert_eq!(filed["initiation"], "private");
    assert_eq!(filed["registry_number"], "OSH-PPP-2026-005");
    assert_eq!(filed["advantage"], json!({"kind": "bonus", "percent": "5"}));
    assert_eq!(
        filed["completeness_due_at"], "2026-12-08T06:00:00Z",
        "ten days after filing"
    );
    let id = filed["id"].as_str().unwrap().to_string();

    // The municipality's inbox shows the days left, counted in Bishkek calendar days.
    app.clock.advance(chrono::Duration::days(3));
    let browser = app.browser().await;
    sign_in_browser(&browser, "approver.osh@demo.kg", DEMO_PASSWORD).await;
    let inbox = browser.get("/inbox").dispatch().await.into_string().await.unwrap();
    assert!(
        inbox.contains("Solar") || inbox.contains("Солнечные станции"),
        "{inbox}"
    );
    assert!(inbox.contains(r#"data-days-left="7""#), "{inbox}");
    // Tokens last 12 hours: take fresh ones three days on.
    let bidder = app.token("bidder1@demo.kg").await;
    let approver = app.token("approver.osh@demo.kg").await;
    let officer = app.token("officer.osh@demo.kg").await;

    let (status, _) = transition(&app, &approver, &id, "return", "Нет технико-экономического обоснования").await;
    assert_eq!(status, Status::Ok);
    let other_bidder = app.token("bidder2@demo.kg").await;
    assert_eq!(
        call(
            &app,
            "GET",
            &format!("/api/v1/projects/{id}"),
            Some(&other_bidder),
            Value::Null
        )
        .await
        .0,
        Status::NotFound
    );
    assert_eq!(
        call(
            &app,
            "PATCH",
            &format!("/api/v1/projects/{id}"),
            Some(&officer),
            json!({"term_years": 20})
        )
        .await
        .0,
        Status::Forbidden,
        "the proponent, not the municipality, edits its proposal"
    );
    let (status, edited) = call(
        &app,
        "PATCH",
        &format!("/api/v1/projects/{id}"),
        Some(&bidder),
        json!({"term_years": 20}),
    )
    .await;
    assert_eq!((status, edited["term_years"].clone()), (Status::Ok, json!(20)));
    let (status, resubmitted) = transition(&app, &bidder, &id, "submit", "ТЭО приложено").await;
    assert_eq!(status, Status::Ok);
    assert_eq!(
        resubmitted["completeness_due_at"], "2026-12-11T06:00:00Z",
        "a fresh ten days"
    );
    assert_eq!(
        transition(&app, &bidder, &id, "start_appraisal", "").await.0,
        Status::Forbidden
    );
    let (status, accepted) = transition(&app, &approver, &id, "start_appraisal", "Комплектно").await;
    assert_eq!((status, accepted["stage"].clone()), (Status::Ok, json!("appraisal")));
}

#[rocket::async_test]
async fn the_list_page_filters_sorts_and_keeps_the_choice() {
    let app = spawn_with_fixtures().await;
    let (status, html) = app
        .get_with(
            "/projects?sector=transport&sort=cost_desc&q=%D0%BF%D0%B0%D1%80%D0%BA", // q=парк
            ("Accept-Language", "en"),
        )
        .await;
    assert_eq!(status, Status::Ok);
    assert_eq!(html.matches("<tr data-stage=").count(), 1, "{html}");
    assert!(html.contains("Bishkek municipal paid parking system"));
    assert!(html.contains(r#"<option value="transport" selected>"#));
    assert!(html.contains(r#"<option value="cost_desc" selected>Cost, highest first</option>"#));
    assert!(html.contains(r#"value="парк""#), "what was typed stays in the box");
    // The CSV link carries every filter and the order, so the download is the list on screen.
    assert!(
        html.contains(
            r#"href="/api/v1/projects/export?q=%D0%BF%D0%B0%D1%80%D0%BA&amp;sector=transport&amp;sort=cost_desc""#
        ),
        "{html}"
    );

    let (status, html) = app
        .get_with("/projects?sort=cheapest&min_value=abc", ("Accept-Language", "en"))
        .await;
    assert_eq!(status, Status::Ok);
    assert!(html.contains(r#"role="alert">sort:"#), "{html}");
    assert!(html.contains(r#"role="alert">min_value:"#));
    assert!(html.contains(r#"value="abc""#));
    assert_eq!(html.matches("<tr data-stage=").count(), 9, "the unfiltered public list");
}
