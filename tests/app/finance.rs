//! The finance API: exact figures for cash flows and the whole PPP model, and named refusals.

use rocket::http::{ContentType, Status};
use serde_json::{Value, json};

use crate::support::{TestApp, spawn};

async fn post(app: &TestApp, uri: &str, body: &str) -> (Status, Value) {
    let response = app
        .client
        .post(uri)
        .header(ContentType::JSON)
        .body(body)
        .dispatch()
        .await;
    let status = response.status();
    let text = response.into_string().await.unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn number(v: &Value) -> f64 {
    v.as_str().expect("a decimal string").parse().expect("a number")
}

#[rocket::async_test]
async fn cash_flows_give_every_irr_or_none() {
    let app = spawn().await;
    // Two roots, exactly 5 % and 25 %: both reported, each to 1e-15.
    let (status, body) = post(
        &app,
        "/api/v1/finance/cashflows",
        r#"{"flows": ["-100", "230", "-131.25"]}"#,
    )
    .await;
    assert_eq!(status, Status::Ok, "{body}");
    assert_eq!(body["irr"]["status"], "multiple");
    let roots: Vec<f64> = body["irr"]["values"].as_array().unwrap().iter().map(number).collect();
    assert_eq!(roots.len(), 2);
    assert!(
        (roots[0] - 0.05).abs() < 1e-15 && (roots[1] - 0.25).abs() < 1e-15,
        "{roots:?}"
    );
    assert_eq!(body["npv"], Value::Null, "no rate, no NPV");
    assert_eq!(body["mirr"], Value::Null);

    // No root although the signs change; plain JSON numbers are accepted.
    let (status, body) = post(
        &app,
        "/api/v1/finance/cashflows",
        r#"{"flows": [100, -300, 250], "rate": 0.1}"#,
    )
    .await;
    assert_eq!(status, Status::Ok);
    assert_eq!(body["irr"], json!({"status": "none"}));

    // The Excel pitfall series: NPV with period 0 undiscounted, exactly; payback interpolated.
    let (_, body) = post(
        &app,
        "/api/v1/finance/cashflows",
        r#"{"flows": ["-500000", "200000", "300000", "200000"], "rate": "0.10", "finance_rate": "0.10", "reinvest_rate": "0.12"}"#,
    )
    .await;
    let npv: rust_decimal::Decimal = body["npv"].as_str().unwrap().parse().unwrap();
    assert_eq!(
        ppp_registry::domain::money::round_money(npv, ppp_registry::domain::money::Currency::Kgs).to_string(),
        "80015.03"
    );
    assert_eq!(body["irr"]["status"], "unique");
    assert_eq!(body["payback"], "2");
    assert!(body["discounted_payback"].is_string());
    assert!(body["mirr"].is_string());
}

#[rocket::async_test]
async fn bad_cash_flows_are_named() {
    let app = spawn().await;
    let (status, body) = post(&app, "/api/v1/finance/cashflows", r#"{"flows": [], "rate": "-1"}"#).await;
    assert_eq!(status, Status::UnprocessableEntity);
    let fields: Vec<&String> = body["error"]["fields"].as_object().unwrap().keys().collect();
    assert_eq!(fields, vec!["flows", "rate"]);
    let many = format!(r#"{{"flows": [{}]}}"#, vec!["1"; 1_202].join(","));
    let (status, body) = post(&app, "/api/v1/finance/cashflows", &many).await;
    assert_eq!(status, Status::UnprocessableEntity);
    assert!(body["error"]["fields"]["flows"].is_array());
    let (status, body) = post(
        &app,
        "/api/v1/finance/cashflows",
        r#"{"flows": ["-1", "100000000000000000000"]}"#,
    )
    .await;
    assert_eq!(status, Status::UnprocessableEntity, "{body}");
    assert!(body["error"]["fields"]["flows.1"].is_array(), "{body}");
    let (status, body) = post(&app, "/api/v1/finance/cashflows", r#"{"flows": "-1,2"}"#).await;
    assert_eq!(status, Status::UnprocessableEntity);
    assert!(body["error"]["fields"]["flows"].is_array(), "{body}");
    let (status, _) = post(&app, "/api/v1/finance/cashflows", r#"{"flows": ["-1", "2"]"#).await;
    assert_eq!(status, Status::BadRequest, "not JSON at all");
}

#[rocket::async_test]
async fn the_25_year_model_through_the_api_matches_the_reference() {
    let app = spawn().await;
    let (status, body) = post(
        &app,
        "/api/v1/finance/evaluate",
        ppp_registry::domain::finance::model::TOLL_ROAD_25Y,
    )
    .await;
    assert_eq!(status, Status::Ok, "{body}");
    let starts = |key: &str, prefix: &str| {
        let value = body[key].as_str().unwrap_or_else(|| panic!("{key}: {body}"));
        assert!(value.starts_with(prefix), "{key} = {value}, expected {prefix}…");
    };
    starts("project_npv", "34472749.0584130048");
    starts("debt_at_cod", "75734400");
    starts("min_dscr", "1.11444303432918794");
    starts("avg_dscr", "2.36830646619076604");
    starts("llcr_at_cod", "2.16559696521302600");
    starts("plcr_at_cod", "2.46758703871416485");
    assert_eq!(body["project_irr"]["status"], "unique");
    assert!(
        body["project_irr"]["value"]
            .as_str()
            .unwrap()
            .starts_with("0.13925751046603018")
    );
    assert!(
        body["equity_irr"]["value"]
            .as_str()
            .unwrap()
            .starts_with("0.20778448568963248")
    );
    assert_eq!(body["min_dscr_period"], 4);
    assert_eq!(body["periods"].as_array().unwrap().len(), 26);
    assert_eq!(
        body["periods"][25]["end_date"], "2052-01-01",
        "25 years after financial close"
    );
    assert_eq!(body["warnings"], json!([]));
}

#[rocket::async_test]
async fn a_bad_model_gets_every_field_named_and_no_panic() {
    let app = spawn().await;
    let mut model: Value = serde_json::from_str(ppp_registry::domain::finance::model::TOLL_ROAD_25Y).unwrap();
    model["financing"]["tenor_periods"] = json!(-5);
    model["financing"]["debt_share"] = json!("1.2");
    model["operation_periods"] = json!(120);
    model["capex_phasing"] = json!(["0.5", "0.4"]);
    let (status, body) = post(&app, "/api/v1/finance/evaluate", &model.to_string()).await;
    assert_eq!(status, Status::UnprocessableEntity, "{body}");
    let fields: Vec<&String> = body["error"]["fields"].as_object().unwrap().keys().collect();
    assert_eq!(
        fields,
        vec![
            "capex_phasing",
            "financing.debt_share",
            "financing.tenor_periods",
            "operation_periods"
        ]
    );
    // Too large to compute exactly: refused with the reason, not a crash.
    let mut huge: Value = serde_json::from_str(ppp_registry::domain::finance::model::TOLL_ROAD_25Y).unwrap();
    huge["capex"] = json!("1000000000000000");
    huge["user_pays"]["base_demand"] = json!("1000000000000000");
    huge["user_pays"]["tariff"] = json!("1000000000000000");
    let (status, body) = post(&app, "/api/v1/finance/evaluate", &huge.to_string()).await;
    assert_eq!(status, Status::UnprocessableEntity, "{body}");
    assert!(body["error"]["fields"]["model"].is_array(), "{body}");
}

/// An availability-payment case for Osh's waste plant, with the municipality's comparator.
fn waste_plant_case() -> Value {
    let mut model: Value = serde_json::from_str(ppp_registry::domain::finance::model::TOLL_ROAD_25Y).unwrap();
    model["user_pays"] = Value::Null;
    model["opex"] = json!({"fixed": "3000000", "per_unit": "0"});
    model["availability"] = json!({"annual_payment": "14000000", "indexed_share": "0.60", "deductions": []});
    let by_year = |f: &dyn Fn(usize) -> i64| (0..=25).map(|t| f(t).to_string()).collect::<Vec<String>>();
    json!({
        "model": model,
        "public_sector": {
            "discount_rate": "0.10",
            "raw_cost": by_year(&|t| match t { 1 => 31_000_000, 2 => 42_000_000, 3 => 31_000_000, 0 => 0, _ => 4_500_000 }),
            "transferable_risk": by_year(&|t| if (1..=3).contains(&t) { 4_000_000 } else { 0 }),
            "retained_risk": by_year(&|t| if t >= 4 { 100_000 } else { 0 }),
            "contract_management": by_year(&|t| if t >= 1 { 250_000 } else { 0 }),
            "budget": "1800000000",
            "budget_growth": "0.05"
        }
    })
}

#[rocket::async_test]
async fn a_projects_model_is_saved_in_versions_and_approval_takes_its_figures() {
    use crate::projects::call;
    let app = crate::support::spawn_with_fixtures().await;
    let officer = app.token("officer.osh@demo.kg").await;
    let approver = app.token("approver.osh@demo.kg").await;
    let uri = "/api/v1/projects/5/financial-model"; // Osh waste sorting plant, submitted
    assert_eq!(call(&app, "GET", uri, None, Value::Null).await.0, Status::NotFound);

    let (status, saved) = call(&app, "PUT", uri, Some(&officer), waste_plant_case()).await;
    assert_eq!(status, Status::Ok, "{saved}");
    assert_eq!(saved["version"], 1);
    assert_eq!(saved["results"]["model"]["project_irr"]["status"], "unique");
    let vfm = saved["results"]["value_for_money"]["vfm_amount"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, second) = call(&app, "PUT", uri, Some(&approver), waste_plant_case()).await;
    assert_eq!(second["version"], 2);

    // Anyone reads a public project's model; older versions stay.
    let (status, current) = call(&app, "GET", uri, None, Value::Null).await;
    assert_eq!(status, Status::Ok);
    assert_eq!(current["version"], 2);
    assert_eq!(current["results"]["value_for_money"]["vfm_amount"], vfm.as_str());
    let (_, first) = call(&app, "GET", &format!("{uri}?version=1"), None, Value::Null).await;
    assert_eq!(first["version"], 1);

    // Refusals change nothing.
    let bishkek = app.token("officer.bishkek@demo.kg").await;
    assert_eq!(
        call(&app, "PUT", uri, Some(&bishkek), waste_plant_case()).await.0,
        Status::Forbidden
    );
    let mut bad = waste_plant_case();
    bad["model"]["financing"]["debt_share"] = json!("1.5");
    bad["public_sector"]["budget"] = json!("0");
    let (status, body) = call(&app, "PUT", uri, Some(&officer), bad).await;
    assert_eq!(status, Status::UnprocessableEntity);
    let fields: Vec<&String> = body["error"]["fields"].as_object().unwrap().keys().collect();
    assert_eq!(fields, vec!["model.financing.debt_share", "public_sector.budget"]);
    assert_eq!(call(&app, "GET", uri, None, Value::Null).await.1["version"], 2);

    // Approval records value for money and affordability from model version 2.
    let transition = |action: &str| json!({"action": action, "comment": "ok"});
    let (status, _) = call(
        &app,
        "POST",
        "/api/v1/projects/5/transitions",
        Some(&approver),
        transition("start_appraisal"),
    )
    .await;
    assert_eq!(status, Status::Ok);
    let appraisal = json!({"feasibility_study": "ТЭО мусоросортировочного завода (PDF)"});
    let (status, _) = call(&app, "PUT", "/api/v1/projects/5/appraisal", Some(&approver), appraisal).await;
    assert_eq!(status, Status::Ok);
    // An approver who reviewed version 1 does not approve version 2 unseen.
    let (status, body) = call(
        &app,
        "POST",
        "/api/v1/projects/5/transitions",
        Some(&approver),
        json!({"action": "approve", "model_version": 1}),
    )
    .await;
    assert_eq!(status, Status::Conflict, "{body}");
    assert_eq!(body["error"]["code"], "conflict");
    // Nor one who saw no model at all.
    let none_seen = json!({"action": "approve", "model_version": 0});
    let (status, _) = call(
        &app,
        "POST",
        "/api/v1/projects/5/transitions",
        Some(&approver),
        none_seen,
    )
    .await;
    assert_eq!(status, Status::Conflict);
    let (status, approved) = call(
        &app,
        "POST",
        "/api/v1/projects/5/transitions",
        Some(&approver),
        json!({"action": "approve", "model_version": 2}),
    )
    .await;
    assert_eq!(status, Status::Ok, "{approved}");
    assert_eq!(approved["stage"], "approved");
    assert_eq!(approved["appraisal"]["value_for_money_source"], "financial model v2");
    let text = approved["appraisal"]["value_for_money"].as_str().unwrap();
    assert!(text.starts_with("VfM ") && text.ends_with(" KGS)"), "{text}");
    assert!(
        approved["appraisal"]["affordability"]
            .as_str()
            .unwrap()
            .starts_with("peak ")
    );

    // The appraisal is closed: the model no longer changes.
    let (status, body) = call(&app, "PUT", uri, Some(&officer), waste_plant_case()).await;
    assert_eq!(status, Status::Conflict, "{body}");
    let events = crate::audit::all_events(&app.db).await;
    assert_eq!(
        events
            .iter()
            .filter(|e| e.action == "project.financial_model_saved")
            .count(),
        5,
        "three by the fixtures, two here"
    );
}

#[rocket::async_test]
async fn the_model_pages_show_results_charts_and_downloads() {
    let app = crate::support::spawn_with_fixtures().await;
    // Osh AFC (approved) carries a model from the fixtures: read-only, for anyone.
    let (status, html) = app
        .get_with("/projects/2/financial-model", ("Accept-Language", "en"))
        .await;
    assert_eq!(status, Status::Ok);
    assert!(html.contains(r#"data-metric="project_irr""#), "{html}");
    assert_eq!(
        html.matches(r#"role="img""#).count(),
        3,
        "cash flows, debt and DSCR, tornado"
    );
    assert!(html.contains("Period table"));
    assert!(
        html.contains("downside (demand −10 %, costs +10 %, one period late)"),
        "the scenarios table"
    );
    assert!(!html.contains("<form method=\"post\""), "no form after approval");
    assert!(
        html.contains("No payments from the municipal budget"),
        "a user-pays concession"
    );
    let (_, project) = app.get_json("/api/v1/projects/2").await;
    assert_eq!(
        project["appraisal"]["affordability"],
        "no payments from the municipal budget"
    );
    assert_eq!(project["appraisal"]["value_for_money_source"], "financial model v1");

    let csv = app.get("/projects/2/financial-model/periods.csv").await;
    assert_eq!(csv.status(), Status::Ok);
    let text = csv.into_string().await.unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    assert_eq!(reader.headers().unwrap().get(13), Some("dscr"));
    assert_eq!(reader.records().count(), 12, "periods 0 to 11");
    let xlsx = app.get("/projects/2/financial-model/periods.xlsx").await;
    assert_eq!(xlsx.status(), Status::Ok);
    assert_eq!(&xlsx.into_bytes().await.unwrap()[..2], b"PK", "an Office Open XML zip");
    assert_eq!(
        app.get("/projects/6/financial-model/periods.csv").await.status(),
        Status::NotFound,
        "a draft"
    );
}

#[rocket::async_test]
async fn the_model_form_saves_or_names_each_bad_field() {
    use crate::support::{DEMO_PASSWORD, csrf_token, sign_in_browser};
    let app = crate::support::spawn_with_fixtures().await;
    let browser = app.browser().await;
    assert_eq!(
        sign_in_browser(&browser, "officer.osh@demo.kg", DEMO_PASSWORD).await,
        Status::SeeOther
    );
    // Osh waste plant (submitted): the form is offered, prefilled with an example.
    let page = browser
        .get("/projects/5/financial-model")
        .dispatch()
        .await
        .into_string()
        .await
        .unwrap();
    assert!(page.contains(r#"name="f[model__capex]""#), "{page}");
    let token = csrf_token(&browser).await;
    let form = |capex: &str| {
        format!(
            "csrf_token={token}&f[model__periods_per_year]=1&f[model__construction_periods]=2&f[model__operation_periods]=20\
             &f[model__capex]={capex}&f[model__capex_phasing]=0.5+0.5&f[model__cpi]=0.05\
             &f[model__availability__annual_payment]=14000000&f[model__availability__indexed_share]=0.6\
             &f[model__opex__fixed]=3000000&f[model__financing__debt_share]=0.6&f[model__financing__rate]=0.12\
             &f[model__financing__tenor_periods]=15&f[model__financing__interest_during_construction]=capitalised\
             &f[model__financing__repayment__kind]=annuity&f[model__discount_rate]=0.1&f[model__equity_discount_rate]=0.14\
             &f[model__mirr_finance_rate]=0.12&f[model__mirr_reinvest_rate]=0.1"
        )
    };
    let response = browser
        .post("/projects/5/financial-model")
        .header(ContentType::Form)
        .body(form("сто+миллионов"))
        .dispatch()
        .await;
    assert_eq!(response.status(), Status::UnprocessableEntity);
    let html = response.into_string().await.unwrap();
    assert!(
        html.contains("Enter a number.") || html.contains("Введите число."),
        "{html}"
    );
    assert!(html.contains("сто миллионов"), "what was typed stays");
    assert_eq!(
        app.get_json("/api/v1/projects/5/financial-model").await.0,
        Status::NotFound,
        "nothing saved"
    );

    let response = browser
        .post("/projects/5/financial-model")
        .header(ContentType::Form)
        .body(form("95+000+000,00"))
        .dispatch()
        .await;
    let status = response.status();
    let body = response.into_string().await.unwrap_or_default();
    let errors: Vec<&str> = body
        .lines()
        .filter(|l| l.contains("field-errors") || l.contains("<label"))
        .collect();
    assert_eq!(status, Status::SeeOther, "{errors:#?}");
    let (status, saved) = app.get_json("/api/v1/projects/5/financial-model").await;
    assert_eq!(status, Status::Ok);
    assert_eq!(saved["case"]["model"]["capex"], "95000000.00");
    assert_eq!(saved["case"]["model"]["user_pays"], Value::Null);
    assert_eq!(saved["results"]["model"]["periods"].as_array().unwrap().len(), 23);
}

/// The form body for a case, every field as the form names it (`f[model__capex]`).
fn form_body(token: &str, case: &Value) -> String {
    fn flatten(prefix: &str, value: &Value, out: &mut Vec<(String, String)>) {
        match value {
            Value::Object(map) => {
                for (k, v) in map {
                    let key = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}__{k}")
                    };
                    flatten(&key, v, out);
                }
            }
            Value::Array(items) => out.push((
                prefix.to_string(),
                items
                    .iter()
                    .map(|i| i.as_str().unwrap_or_default().to_string())
                    .collect::<Vec<_>>()
                    .join(" "),
            )),
            Value::String(s) => out.push((prefix.to_string(), s.clone())),
            Value::Number(n) => out.push((prefix.to_string(), n.to_string())),
            _ => {}
        }
    }
    let mut pairs = Vec::new();
    flatten("", case, &mut pairs);
    let mut body = format!("csrf_token={token}");
    for (k, v) in pairs {
        body.push_str(&format!("&f[{k}]={}", v.replace(' ', "+")));
    }
    body
}

#[rocket::async_test]
async fn the_25_year_case_entered_through_the_page_shows_the_reference_figures() {
    use crate::support::{DEMO_PASSWORD, csrf_token, sign_in_browser};
    let app = crate::support::spawn_with_fixtures().await;
    let browser = app.browser().await;
    assert_eq!(
        sign_in_browser(&browser, "officer.osh@demo.kg", DEMO_PASSWORD).await,
        Status::SeeOther
    );
    let token = csrf_token(&browser).await;
    let model: Value = serde_json::from_str(ppp_registry::domain::finance::model::TOLL_ROAD_25Y).unwrap();
    let response = browser
        .post("/projects/5/financial-model")
        .header(ContentType::Form)
        .header(rocket::http::Header::new("Accept-Language", "en"))
        .body(form_body(&token, &json!({"model": model})))
        .dispatch()
        .await;
    assert_eq!(response.status(), Status::SeeOther);
    let html = browser
        .get("/projects/5/financial-model")
        .header(rocket::http::Header::new("Accept-Language", "en"))
        .dispatch()
        .await
        .into_string()
        .await
        .unwrap();
    // The vectors' decimal28 figures, as the page rounds them for display.
    for expected in [
        "data-metric=\"project_npv\">KGS\u{a0}34,472,749.06<",
        r#"data-metric="project_irr">13.93 %<"#,
        r#"data-metric="equity_irr">20.78 %<"#,
        r#"data-metric="min_dscr">1.1144 (period 4)<"#,
        r#"data-metric="llcr_at_cod">2.1656 / 2.4676<"#,
    ] {
        assert!(html.contains(expected), "{expected} not in:\n{html}");
    }
}

#[rocket::async_test]
async fn sensitivities_through_the_api() {
    let app = spawn().await;
    let model: Value = serde_json::from_str(ppp_registry::domain::finance::model::TOLL_ROAD_25Y).unwrap();
    let body = json!({"model": model, "output": "min_dscr", "swing": "0.2"}).to_string();
    let (status, out) = post(&app, "/api/v1/finance/sensitivity", &body).await;
    assert_eq!(status, Status::Ok, "{out}");
    assert_eq!(out["tornado"]["output"], "min_dscr");
    assert!(
        out["tornado"]["base"]
            .as_str()
            .unwrap()
            .starts_with("1.11444303432918794")
    );
    assert_eq!(out["tornado"]["bars"].as_array().unwrap().len(), 7);
    let names: Vec<&str> = out["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["base", "lenders_downside", "upside"]);
    let break_even = number(&out["demand_break_even"]);
    assert!(break_even > 0.5 && break_even < 1.0, "{break_even}");

    let bad = json!({"model": {"periods_per_year": 3}, "swing": "2"}).to_string();
    let (status, _) = post(&app, "/api/v1/finance/sensitivity", &bad).await;
    assert_eq!(
        status,
        Status::UnprocessableEntity,
        "a model missing its fields names them"
    );
    let mut model: Value = serde_json::from_str(ppp_registry::domain::finance::model::TOLL_ROAD_25Y).unwrap();
    model["periods_per_year"] = json!(3);
    let (status, out) = post(
        &app,
        "/api/v1/finance/sensitivity",
        &json!({"model": model, "swing": "2"}).to_string(),
    )
    .await;
    assert_eq!(status, Status::UnprocessableEntity);
    let fields: Vec<&String> = out["error"]["fields"].as_object().unwrap().keys().collect();
    assert_eq!(fields, vec!["model.periods_per_year", "swing"]);
}

#[rocket::async_test]
async fn public_computation_is_bounded_before_any_work() {
    let app = spawn().await;
    // A century of monthly periods: one run is allowed, its sensitivities are not.
    let mut century: Value = serde_json::from_str(ppp_registry::domain::finance::model::TOLL_ROAD_25Y).unwrap();
    century["periods_per_year"] = json!(12);
    century["construction_periods"] = json!(24);
    century["operation_periods"] = json!(1_176);
    let mut phasing = vec!["0.04"; 23];
    phasing.push("0.08");
    century["capex_phasing"] = json!(phasing);
    let body = json!({"model": century, "output": "equity_irr"}).to_string();
    let (status, refused) = post(&app, "/api/v1/finance/sensitivity", &body).await;
    assert_eq!(status, Status::UnprocessableEntity, "{refused}");
    assert_eq!(
        refused["error"]["fields"]
            .as_object()
            .map(|f| f.keys().cloned().collect::<Vec<_>>()),
        Some(vec!["model".to_string()]),
        "{refused}"
    );
    assert!(
        refused["error"]["fields"]["model"][0]
            .as_str()
            .is_some_and(|m| m.contains("40 000")),
        "{refused}"
    );

    // An anonymous address gets 30 computations a minute (the refused one above counted), then
    // waits.
    let flows = r#"{"flows": ["-1000", "300", "400", "500"]}"#;
    for _ in 0..29 {
        assert_eq!(post(&app, "/api/v1/finance/cashflows", flows).await.0, Status::Ok);
    }
    let response = app
        .client
        .post("/api/v1/finance/cashflows")
        .header(ContentType::JSON)
        .body(flows)
        .dispatch()
        .await;
    assert_eq!(response.status(), Status::TooManyRequests);
    let retry: u64 = response.headers().get_one("Retry-After").unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
}

#[rocket::async_test]
async fn signed_in_callers_are_not_held_to_the_anonymous_allowance() {
    let app = crate::support::spawn_with_fixtures().await;
    let token = app.token("officer.osh@demo.kg").await;
    let flows = r#"{"flows": ["-1000", "300", "400", "500"]}"#;
    for _ in 0..35 {
        let response = app
            .client
            .post("/api/v1/finance/cashflows")
            .header(ContentType::JSON)
            .header(rocket::http::Header::new("Authorization", format!("Bearer {token}")))
            .body(flows)
            .dispatch()
            .await;
        assert_eq!(response.status(), Status::Ok);
    }
}

/// A saved model above the bound a page view may run still shows its results; the page says
/// why its sensitivities are missing (it showed "no model saved" before).
#[rocket::async_test]
async fn a_model_too_large_for_page_sensitivities_still_shows_its_results() {
    let app = crate::support::spawn_with_fixtures().await;
    let officer = app.token("officer.osh@demo.kg").await;
    let mut century: Value = serde_json::from_str(ppp_registry::domain::finance::model::TOLL_ROAD_25Y).unwrap();
    century["periods_per_year"] = json!(12);
    century["construction_periods"] = json!(24);
    century["operation_periods"] = json!(1_176);
    let mut phasing = vec!["0.04"; 23];
    phasing.push("0.08");
    century["capex_phasing"] = json!(phasing);
    let response = app
        .client
        .put("/api/v1/projects/5/financial-model")
        .header(ContentType::JSON)
        .header(rocket::http::Header::new("Authorization", format!("Bearer {officer}")))
        .body(json!({"model": century}).to_string())
        .dispatch()
        .await;
    assert_eq!(response.status(), Status::Ok, "{:?}", response.into_string().await);
    let page = app
        .client
        .get("/projects/5/financial-model")
        .header(rocket::http::Header::new("Accept-Language", "en"))
        .dispatch()
        .await;
    assert_eq!(page.status(), Status::Ok);
    let html = page.into_string().await.unwrap();
    assert!(html.contains(r#"data-metric="project_npv""#), "the results are shown");
    assert!(
        html.contains("Sensitivities and scenarios are not computed for a model this large"),
        "and why the sensitivities are not"
    );
}
