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
    let (status, _) = post(&app, "/api/v1/finance/cashflows", r#"{"flows": "-1,2"}"#).await;
    assert_eq!(status, Status::BadRequest);
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
