//! Complaints and reviewers' holds: a complaint against the award during the standstill
//! suspends it; upheld, the evaluation reopens (the frozen report kept as an earlier round) and
//! a new proposal starts a new standstill; a hold refuses every change and moves the instants
//! still ahead by its length; an upheld complaint against the terms holds the tender until the
//! amendment is published.

use chrono::{DateTime, Duration, Utc};
use rocket::http::Status;
use serde_json::{Value, json};

use crate::award::proposed_and_confirmed;
use crate::bids::{deadline, published_tender};
use crate::evaluation::submitted;
use crate::projects::call;
use crate::support::{TestApp, spawn_with_fixtures};

fn instant(value: &Value) -> DateTime<Utc> {
    value.as_str().unwrap().parse().unwrap()
}

/// `call` as the demo account `email`, with a token issued at the clock's time.
async fn as_user(app: &TestApp, email: &str, method: &str, uri: &str, body: Value) -> (Status, Value) {
    let token = app.token(email).await;
    call(app, method, uri, Some(&token), body).await
}

fn complaint(against: &str) -> Value {
    json!({
        "against": against,
        "grounds": "Комиссия занизила технические баллы нашего плана обслуживания котельных.",
        "remedy": "Пересмотреть технические баллы нашей заявки.",
    })
}

async fn tender_json(app: &TestApp, id: &str) -> Value {
    let (status, tender) = app.get_json(&format!("/api/v1/tenders/{id}")).await;
    assert_eq!(status, Status::Ok, "{tender}");
    tender
}

async fn decide(app: &TestApp, complaint: &str, decision: &str, reason: &str) -> (Status, Value) {
    call(
        app,
        "POST",
        &format!("/api/v1/complaints/{complaint}/decision"),
        Some(&app.token("reviewer@demo.kg").await),
        json!({"decision": decision, "reason": reason}),
    )
    .await
}

async fn evaluation(app: &TestApp, id: &str) -> Value {
    let (status, body) = call(
        app,
        "GET",
        &format!("/api/v1/tenders/{id}/evaluation"),
        Some(&app.token("reviewer@demo.kg").await),
        Value::Null,
    )
    .await;
    assert_eq!(status, Status::Ok, "{body}");
    body
}

fn message(body: &Value) -> &str {
    body["error"]["message"].as_str().unwrap_or_default()
}

#[rocket::async_test]
async fn an_upheld_complaint_reopens_the_evaluation_and_the_award_follows_a_second_standstill() {
    let app = spawn_with_fixtures().await;
    let id = published_tender(&app).await;
    let cheapest = submitted(&app, &id, "bidder1@demo.kg", &["30000000", "30000000"], 5).await;
    let second = submitted(&app, &id, "bidder3@demo.kg", &["35000000", "35000000"], 4).await;
    let confirmed = proposed_and_confirmed(&app, &id, &[&cheapest, &second]).await;
    let first_sha = confirmed["sha256"].clone();
    let ends = instant(&confirmed["award_proposal"]["standstill_ends_at"]);
    assert_eq!(tender_json(&app, &id).await["award_suspended"], json!(false));

    // A bidder not in the protocol may not complain about the award; one in it may.
    let complaints = format!("/api/v1/tenders/{id}/complaints");
    let (status, body) = as_user(&app, "bidder2@demo.kg", "POST", &complaints, complaint("award")).await;
    assert_eq!(status, Status::Forbidden, "{body}");
    assert!(message(&body).contains("opening protocol"), "{body}");
    let (status, body) = as_user(
        &app,
        "bidder3@demo.kg",
        "POST",
        &complaints,
        json!({"against": "award", "grounds": "", "remedy": "x"}),
    )
    .await;
    assert_eq!(status, Status::UnprocessableEntity, "{body}");
    assert_eq!(body["error"]["fields"]["grounds"].as_array().unwrap().len(), 1);
    let (status, filed) = as_user(&app, "bidder3@demo.kg", "POST", &complaints, complaint("award")).await;
    assert_eq!(status, Status::Created, "{filed}");
    assert_eq!(filed["status"], "filed");
    assert_eq!(filed["against"], "award");
    assert_eq!(filed["round"], 1);
    assert_eq!(filed["complainant"]["name"], "ОсОО «Кыргыз Жол Курулуш»");
    let complaint_id = filed["id"].as_str().unwrap().to_string();
    let (status, body) = as_user(&app, "bidder3@demo.kg", "POST", &complaints, complaint("award")).await;
    assert_eq!(status, Status::Conflict, "{body}");
    assert_eq!(tender_json(&app, &id).await["award_suspended"], json!(true));

    // Who reads it: the other party in the protocol, the municipality, the reviewers; a bidder
    // outside the protocol sees none; another municipality's officer is refused.
    for (token, count) in [
        (&app.token("bidder1@demo.kg").await, 1),
        (&app.token("bidder2@demo.kg").await, 0),
        (&app.token("officer.osh@demo.kg").await, 1),
        (&app.token("reviewer@demo.kg").await, 1),
    ] {
        let (status, list) = call(&app, "GET", &complaints, Some(token), Value::Null).await;
        assert_eq!(status, Status::Ok, "{list}");
        assert_eq!(list["items"].as_array().unwrap().len(), count, "{list}");
    }
    let (status, _) = as_user(&app, "officer.bishkek@demo.kg", "GET", &complaints, Value::Null).await;
    assert_eq!(status, Status::Forbidden);

    // The parties' dashboards show it (the complainant's, the winner's); an outsider's does not.
    for (email, shown) in [
        ("bidder3@demo.kg", true),
        ("bidder1@demo.kg", true),
        ("bidder2@demo.kg", false),
    ] {
        let token = app.token(email).await;
        let (status, dashboard) = call(&app, "GET", "/api/v1/bids/mine", Some(&token), Value::Null).await;
        assert_eq!(status, Status::Ok, "{dashboard}");
        let ids: Vec<&str> = dashboard["complaints"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids.contains(&complaint_id.as_str()), shown, "{email}: {dashboard}");
    }

    // The award waits for the complaint even after the standstill; a new complaint cannot come.
    app.clock.set(ends);
    let award = format!("/api/v1/tenders/{id}/award");
    let (status, body) = as_user(&app, "approver.osh@demo.kg", "POST", &award, Value::Null).await;
    assert_eq!(status, Status::Conflict, "{body}");
    assert!(message(&body).contains("open complaint"), "{body}");
    let (status, body) = as_user(&app, "bidder1@demo.kg", "POST", &complaints, complaint("award")).await;
    assert_eq!(status, Status::Conflict, "{body}");
    assert!(message(&body).contains("only during the standstill"), "{body}");

    // The reviewer accepts, then upholds with a reason: back to evaluation, the report archived.
    let (status, _) = as_user(
        &app,
        "officer.osh@demo.kg",
        "POST",
        &format!("/api/v1/complaints/{complaint_id}/decision"),
        json!({"decision": "accepted"}),
    )
    .await;
    assert_eq!(status, Status::Forbidden);
    let (status, body) = decide(&app, &complaint_id, "upheld", "Баллы не учли план обслуживания").await;
    assert_eq!(status, Status::Conflict, "{body}");
    let (status, accepted) = decide(&app, &complaint_id, "accepted", "Мэрии представить пояснения").await;
    assert_eq!(status, Status::Ok, "{accepted}");
    assert_eq!(accepted["status"], "accepted");
    assert_eq!(tender_json(&app, &id).await["award_suspended"], json!(true));
    let (status, body) = decide(&app, &complaint_id, "upheld", " ").await;
    assert_eq!(status, Status::UnprocessableEntity, "{body}");
    let (status, upheld) = decide(&app, &complaint_id, "upheld", "Баллы не учли план обслуживания").await;
    assert_eq!(status, Status::Ok, "{upheld}");
    assert_eq!(upheld["status"], "upheld");
    assert_eq!(upheld["decision_reason"], "Баллы не учли план обслуживания");
    assert_eq!(upheld["acceptance_reason"], "Мэрии представить пояснения");
    let tender = tender_json(&app, &id).await;
    assert_eq!(tender["status"], "evaluation");
    assert_eq!(tender["award_suspended"], json!(false));
    let reopened = evaluation(&app, &id).await;
    assert_eq!(reopened["scoring"], "open");
    assert_eq!(reopened["award_proposal"], Value::Null);
    assert_eq!(reopened["earlier_rounds"].as_array().unwrap().len(), 1);
    assert_eq!(reopened["earlier_rounds"][0]["round"], 1);
    assert_eq!(reopened["earlier_rounds"][0]["sha256"], first_sha);
    assert_eq!(reopened["earlier_rounds"][0]["proposed_bid_id"], json!(cheapest));
    assert_eq!(reopened["earlier_rounds"][0]["complaint_id"], json!(complaint_id));
    let (_, protocol) = app.get_json(&format!("/api/v1/tenders/{id}/protocol")).await;
    for b in protocol["bids"].as_array().unwrap() {
        assert_eq!(b["status"], "opened", "{protocol}");
    }
    let (status, body) = as_user(&app, "approver.osh@demo.kg", "POST", &award, Value::Null).await;
    assert_eq!(status, Status::Conflict, "{body}");

    // The commission revises the scores: the complainant's bid now ranks first.
    for member in ["chair.osh@demo.kg", "deputy.osh@demo.kg", "member2.osh@demo.kg"] {
        let token = app.token(member).await;
        for (bid, score) in [(&cheapest, "10"), (&second, "100")] {
            let (status, body) = call(
                &app,
                "PUT",
                &format!("/api/v1/tenders/{id}/bids/{bid}/scores"),
                Some(&token),
                json!({"scores": {"1": score}}),
            )
            .await;
            assert_eq!(status, Status::Ok, "{body}");
        }
    }
    let (status, closed) = as_user(
        &app,
        "chair.osh@demo.kg",
        "POST",
        &format!("/api/v1/tenders/{id}/scoring/close"),
        Value::Null,
    )
    .await;
    assert_eq!(status, Status::Ok, "{closed}");
    assert_eq!(closed["report"]["ranking"][0]["bid_id"], json!(second));
    assert_ne!(closed["sha256"], first_sha);
    let (status, body) = as_user(
        &app,
        "chair.osh@demo.kg",
        "POST",
        &format!("/api/v1/tenders/{id}/award-proposal"),
        json!({"bid_id": second}),
    )
    .await;
    assert_eq!(status, Status::Ok, "{body}");
    let second_confirmed_at = ends + Duration::days(1);
    app.clock.set(second_confirmed_at);
    let (status, confirmed) = as_user(
        &app,
        "approver.osh@demo.kg",
        "POST",
        &format!("/api/v1/tenders/{id}/award-proposal/confirm"),
        Value::Null,
    )
    .await;
    assert_eq!(status, Status::Ok, "{confirmed}");
    let new_ends = instant(&confirmed["award_proposal"]["standstill_ends_at"]);
    assert_eq!(new_ends, second_confirmed_at + Duration::days(10));

    // A hold in the new standstill refuses the award and moves the standstill's end by its length.
    app.clock.set(second_confirmed_at + Duration::days(2));
    let (status, held) = as_user(
        &app,
        "reviewer@demo.kg",
        "POST",
        &format!("/api/v1/tenders/{id}/hold"),
        json!({"reason": "Проверка жалобы о сговоре"}),
    )
    .await;
    assert_eq!(status, Status::Ok, "{held}");
    assert_eq!(held["review_hold"]["reason"], "Проверка жалобы о сговоре");
    app.clock.set(new_ends);
    let (status, body) = as_user(&app, "approver.osh@demo.kg", "POST", &award, Value::Null).await;
    assert_eq!(status, Status::Conflict, "{body}");
    assert_eq!(body["error"]["code"], "review_hold");
    assert!(message(&body).contains("Проверка жалобы о сговоре"), "{body}");
    let released_at = second_confirmed_at + Duration::days(5);
    app.clock.set(released_at);
    let (status, released) = as_user(
        &app,
        "reviewer@demo.kg",
        "POST",
        &format!("/api/v1/tenders/{id}/release"),
        Value::Null,
    )
    .await;
    assert_eq!(status, Status::Ok, "{released}");
    assert_eq!(released["review_hold"], Value::Null);
    let moved = instant(&evaluation(&app, &id).await["award_proposal"]["standstill_ends_at"]);
    assert_eq!(moved, new_ends + Duration::days(3));

    // No complaint this time: the award is confirmed once the moved standstill is over.
    app.clock.set(moved - Duration::microseconds(1));
    let (status, body) = as_user(&app, "approver.osh@demo.kg", "POST", &award, Value::Null).await;
    assert_eq!(status, Status::Conflict, "{body}");
    assert!(message(&body).contains("standstill is still running"), "{body}");
    app.clock.set(moved);
    let (status, awarded) = as_user(&app, "approver.osh@demo.kg", "POST", &award, Value::Null).await;
    assert_eq!(status, Status::Ok, "{awarded}");
    assert_eq!(awarded["status"], "awarded");
    assert_eq!(awarded["award_proposal"]["bid_id"], json!(second));
    let (_, log) = as_user(
        &app,
        "reviewer@demo.kg",
        "GET",
        &format!("/api/v1/audit/events?entity_type=complaint&entity_id={complaint_id}"),
        Value::Null,
    )
    .await;
    let actions: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions.len(), 3, "{log}");
    for action in ["complaint.filed", "complaint.accepted", "complaint.upheld"] {
        assert!(actions.contains(&action), "{log}");
    }
}

#[rocket::async_test]
async fn a_hold_refuses_every_change_and_moves_the_dates_still_ahead() {
    let app = spawn_with_fixtures().await;
    let id = published_tender(&app).await;
    let before = tender_json(&app, &id).await;
    let held_at = deadline() - Duration::days(6);
    app.clock.set(held_at);
    let hold = format!("/api/v1/tenders/{id}/hold");
    let (status, _) = as_user(&app, "officer.osh@demo.kg", "POST", &hold, json!({"reason": "x"})).await;
    assert_eq!(status, Status::Forbidden);
    let (status, body) = as_user(&app, "reviewer@demo.kg", "POST", &hold, json!({"reason": ""})).await;
    assert_eq!(status, Status::UnprocessableEntity, "{body}");
    let (status, held) = as_user(
        &app,
        "reviewer@demo.kg",
        "POST",
        &hold,
        json!({"reason": "Проверка по обращению"}),
    )
    .await;
    assert_eq!(status, Status::Ok, "{held}");
    assert_eq!(instant(&held["review_hold"]["since"]), held_at);
    assert!(held["review_hold"]["by"].is_string(), "{held}");
    let (status, _) = as_user(&app, "reviewer@demo.kg", "POST", &hold, json!({"reason": "ещё раз"})).await;
    assert_eq!(status, Status::Conflict);

    // Every change is refused with the reason, even after the original deadline has passed.
    app.clock.set(deadline() + Duration::days(1));
    assert_eq!(
        tender_json(&app, &id).await["status"],
        held["status"],
        "the clock stands still"
    );
    let (status, body) = as_user(
        &app,
        "bidder1@demo.kg",
        "POST",
        &format!("/api/v1/tenders/{id}/bids"),
        crate::bids::bid(&["30000000", "30000000"]),
    )
    .await;
    assert_eq!(status, Status::Conflict, "{body}");
    assert_eq!(body["error"]["code"], "review_hold");
    let (status, body) = as_user(
        &app,
        "approver.osh@demo.kg",
        "POST",
        &format!("/api/v1/tenders/{id}/cancel"),
        json!({"reason": "budget_cut"}),
    )
    .await;
    assert_eq!(status, Status::Conflict, "{body}");
    assert_eq!(body["error"]["code"], "review_hold");
    let (status, body) = as_user(
        &app,
        "officer.osh@demo.kg",
        "POST",
        &format!("/api/v1/tenders/{id}/amendments"),
        json!({"reason": "Уточнение", "changes": {"qualification_requirements": ["Опыт не менее 3 лет"]}}),
    )
    .await;
    assert_eq!(status, Status::Conflict, "{body}");
    assert_eq!(body["error"]["code"], "review_hold");

    // The release, seven days later, moves the deadline and the opening by seven days.
    let released_at = held_at + Duration::days(7);
    app.clock.set(released_at);
    let release = format!("/api/v1/tenders/{id}/release");
    let (status, _) = as_user(&app, "bidder1@demo.kg", "POST", &release, Value::Null).await;
    assert_eq!(status, Status::Forbidden);
    let (status, released) = as_user(&app, "reviewer@demo.kg", "POST", &release, Value::Null).await;
    assert_eq!(status, Status::Ok, "{released}");
    assert_eq!(released["review_hold"], Value::Null);
    for key in ["deadline", "opening"] {
        assert_eq!(
            instant(&released["timeline"][key]),
            instant(&before["timeline"][key]) + Duration::days(7),
            "{key}"
        );
    }
    let (status, _) = as_user(&app, "reviewer@demo.kg", "POST", &release, Value::Null).await;
    assert_eq!(status, Status::Conflict);
    let (status, receipt) = as_user(
        &app,
        "bidder1@demo.kg",
        "POST",
        &format!("/api/v1/tenders/{id}/bids"),
        crate::bids::bid(&["30000000", "30000000"]),
    )
    .await;
    assert_eq!(status, Status::Created, "{receipt}");
}

#[rocket::async_test]
async fn an_upheld_complaint_against_the_terms_holds_the_tender_until_it_is_amended() {
    let app = spawn_with_fixtures().await;
    let id = published_tender(&app).await;
    app.clock.set(deadline() - Duration::days(12));
    let complaints = format!("/api/v1/tenders/{id}/complaints");
    let (status, filed) = as_user(&app, "bidder2@demo.kg", "POST", &complaints, complaint("terms")).await;
    assert_eq!(status, Status::Created, "{filed}");
    assert_eq!(filed["against"], "terms");
    let complaint_id = filed["id"].as_str().unwrap().to_string();
    // Against the terms, a complaint names a company that may not bid: other bidders do not
    // see it; the municipality and the reviewers do. It suspends no award.
    let (_, list) = as_user(&app, "bidder1@demo.kg", "GET", &complaints, Value::Null).await;
    assert_eq!(list["items"], json!([]));
    let (_, list) = as_user(&app, "officer.osh@demo.kg", "GET", &complaints, Value::Null).await;
    assert_eq!(list["items"][0]["id"], json!(complaint_id));
    assert_eq!(
        list["items"][0]["complainant"],
        Value::Null,
        "not named to the municipality"
    );
    assert_eq!(tender_json(&app, &id).await["award_suspended"], json!(false));

    let (status, _) = decide(&app, &complaint_id, "accepted", "").await;
    assert_eq!(status, Status::Ok);
    let (status, upheld) = decide(&app, &complaint_id, "upheld", "Срок опыта в требованиях завышен").await;
    assert_eq!(status, Status::Ok, "{upheld}");
    let tender = tender_json(&app, &id).await;
    assert_eq!(tender["review_hold"]["reason"], "Срок опыта в требованиях завышен");
    let (status, body) = as_user(
        &app,
        "bidder1@demo.kg",
        "POST",
        &format!("/api/v1/tenders/{id}/bids"),
        crate::bids::bid(&["30000000", "30000000"]),
    )
    .await;
    assert_eq!(status, Status::Conflict, "{body}");
    assert_eq!(body["error"]["code"], "review_hold");

    // The amendment the decision requires releases the hold.
    app.clock.set(deadline() - Duration::days(10));
    let (status, amended) = as_user(&app, "officer.osh@demo.kg", "POST", &format!("/api/v1/tenders/{id}/amendments"), json!({"reason": "Исполнение решения по жалобе", "changes": {"qualification_requirements": ["Опыт эксплуатации котельных не менее 3 лет"]}})).await;
    assert_eq!(status, Status::Ok, "{amended}");
    assert_eq!(amended["review_hold"], Value::Null);
    assert_eq!(amended["version"], 2);
    assert_eq!(
        instant(&amended["timeline"]["deadline"]),
        deadline() + Duration::days(2),
        "moved by the two days held"
    );

    // A complainant may withdraw its open complaint; nobody else learns it exists.
    let (status, again) = as_user(&app, "bidder2@demo.kg", "POST", &complaints, complaint("terms")).await;
    assert_eq!(status, Status::Created, "{again}");
    let withdraw = format!("/api/v1/complaints/{}/withdraw", again["id"].as_str().unwrap());
    let (status, _) = as_user(&app, "bidder1@demo.kg", "POST", &withdraw, Value::Null).await;
    assert_eq!(status, Status::NotFound);
    let (status, withdrawn) = as_user(&app, "bidder2@demo.kg", "POST", &withdraw, Value::Null).await;
    assert_eq!(status, Status::Ok, "{withdrawn}");
    assert_eq!(withdrawn["status"], "withdrawn");
    // Neither its filing nor its withdrawal names the company to the municipality in the log.
    let (_, log) = as_user(
        &app,
        "officer.osh@demo.kg",
        "GET",
        &format!(
            "/api/v1/audit/events?entity_type=complaint&entity_id={}",
            again["id"].as_str().unwrap()
        ),
        Value::Null,
    )
    .await;
    assert_eq!(log["items"], json!([]), "{log}");
    let (_, log) = as_user(
        &app,
        "reviewer@demo.kg",
        "GET",
        &format!(
            "/api/v1/audit/events?entity_type=complaint&entity_id={}",
            again["id"].as_str().unwrap()
        ),
        Value::Null,
    )
    .await;
    assert_eq!(log["items"].as_array().unwrap().len(), 2, "{log}");
    let (status, _) = as_user(&app, "bidder2@demo.kg", "POST", &withdraw, Value::Null).await;
    assert_eq!(status, Status::Conflict);

    // Against the terms only before the deadline.
    app.clock.set(instant(&amended["timeline"]["deadline"]));
    let (status, body) = as_user(&app, "bidder1@demo.kg", "POST", &complaints, complaint("terms")).await;
    assert_eq!(status, Status::Conflict, "{body}");
    assert!(message(&body).contains("before the submission deadline"), "{body}");
}

#[rocket::async_test]
async fn bidders_and_reviewers_work_complaints_and_holds_through_the_pages() {
    use crate::bids::page_of;
    use crate::tenders::{post_form, signed_in};
    let app = spawn_with_fixtures().await;
    let id = published_tender(&app).await;
    let cheapest = submitted(&app, &id, "bidder1@demo.kg", &["30000000", "30000000"], 5).await;
    let second = submitted(&app, &id, "bidder3@demo.kg", &["35000000", "35000000"], 4).await;
    proposed_and_confirmed(&app, &id, &[&cheapest, &second]).await;
    let page = format!("/tenders/{id}");

    // The losing party sees the complaint form; a bidder outside the protocol does not.
    let (loser, csrf) = signed_in(&app, "bidder3@demo.kg").await;
    let html = page_of(&loser, &page).await;
    assert!(html.contains(&format!("action=\"/tenders/{id}/complaints\"")), "{html}");
    assert!(html.contains("<option value=\"award\">"), "{html}");
    let (outsider, _) = signed_in(&app, "bidder2@demo.kg").await;
    assert!(!page_of(&outsider, &page).await.contains("/complaints\""));
    // A form without grounds is answered on the page, field by field, and files nothing.
    let uri = format!("/tenders/{id}/complaints");
    let (status, html) = post_form(
        &loser,
        &uri,
        &[
            ("csrf_token", &csrf),
            ("against", "award"),
            ("grounds", ""),
            ("remedy", "Пересмотр"),
        ],
    )
    .await;
    assert_eq!(status, Status::UnprocessableEntity);
    assert!(
        html.contains("<ul class=\"field-errors\"><li>This field is required.</li></ul>"),
        "{html}"
    );
    let (status, _) = post_form(
        &loser,
        &uri,
        &[
            ("csrf_token", &csrf),
            ("against", "award"),
            ("grounds", "Баллы занижены"),
            ("remedy", "Пересмотр баллов"),
        ],
    )
    .await;
    assert_eq!(status, Status::SeeOther);
    let html = page_of(&loser, &page).await;
    assert!(html.contains("data-field=\"award-suspended\""), "{html}");
    assert!(html.contains("Баллы занижены"), "{html}");
    let dashboard = page_of(&loser, "/bids").await;
    assert!(dashboard.contains("data-complaint="), "{dashboard}");
    assert!(dashboard.contains("Filed, awaiting review"), "{dashboard}");

    // The reviewer finds it on the desk, accepts it and dismisses it on the tender's page.
    let (reviewer, csrf) = signed_in(&app, "reviewer@demo.kg").await;
    let desk = page_of(&reviewer, "/review").await;
    let complaint = {
        let (_, list) = as_user(
            &app,
            "reviewer@demo.kg",
            "GET",
            &format!("/api/v1/tenders/{id}/complaints"),
            Value::Null,
        )
        .await;
        list["items"][0]["id"].as_str().unwrap().to_string()
    };
    assert!(desk.contains(&format!("data-complaint=\"{complaint}\"")), "{desk}");
    let decision = format!("/complaints/{complaint}/decision");
    let (status, _) = post_form(&reviewer, &decision, &[("csrf_token", &csrf), ("decision", "accepted")]).await;
    assert_eq!(status, Status::SeeOther);
    let (status, html) = post_form(
        &reviewer,
        &decision,
        &[("csrf_token", &csrf), ("decision", "dismissed")],
    )
    .await;
    assert_eq!(status, Status::UnprocessableEntity, "a dismissal needs its reason");
    assert!(html.contains(&format!("action=\"{decision}\"")), "{html}");
    let (status, _) = post_form(
        &reviewer,
        &decision,
        &[
            ("csrf_token", &csrf),
            ("decision", "dismissed"),
            ("reason", "Баллы обоснованы"),
        ],
    )
    .await;
    assert_eq!(status, Status::SeeOther);
    let html = page_of(&reviewer, &page).await;
    assert!(html.contains("Dismissed"), "{html}");
    assert!(!html.contains("data-field=\"award-suspended\""), "{html}");
    assert!(
        !page_of(&reviewer, "/review")
            .await
            .contains(&format!("data-complaint=\"{complaint}\""))
    );

    // The reviewer holds the tender from its page; the desk lists the hold; the release lifts it.
    let (status, _) = post_form(
        &reviewer,
        &format!("/tenders/{id}/hold"),
        &[("csrf_token", &csrf), ("reason", "Проверка обращения")],
    )
    .await;
    assert_eq!(status, Status::SeeOther);
    let html = page_of(&loser, &page).await;
    assert!(html.contains("data-field=\"review-hold\""), "{html}");
    assert!(html.contains("Проверка обращения"), "{html}");
    assert!(
        page_of(&reviewer, "/review")
            .await
            .contains(&format!("data-hold=\"{id}\""))
    );
    let (status, _) = post_form(&reviewer, &format!("/tenders/{id}/release"), &[("csrf_token", &csrf)]).await;
    assert_eq!(status, Status::SeeOther);
    assert!(!page_of(&loser, &page).await.contains("data-field=\"review-hold\""));
    // The desk is the reviewers' only.
    let response = loser
        .get("/review")
        .header(rocket::http::Header::new("Accept-Language", "en"))
        .dispatch()
        .await;
    assert_eq!(response.status(), Status::Forbidden);
}

#[rocket::async_test]
async fn an_amendment_never_lifts_a_reviewer_s_own_hold() {
    let app = spawn_with_fixtures().await;
    let id = published_tender(&app).await;
    app.clock.set(deadline() - Duration::days(12));
    let complaints = format!("/api/v1/tenders/{id}/complaints");
    let (status, filed) = as_user(&app, "bidder2@demo.kg", "POST", &complaints, complaint("terms")).await;
    assert_eq!(status, Status::Created, "{filed}");
    let complaint_id = filed["id"].as_str().unwrap().to_string();
    let (status, _) = as_user(
        &app,
        "reviewer@demo.kg",
        "POST",
        &format!("/api/v1/tenders/{id}/hold"),
        json!({"reason": "Проверка по жалобе"}),
    )
    .await;
    assert_eq!(status, Status::Ok);
    let (status, _) = decide(&app, &complaint_id, "accepted", "").await;
    assert_eq!(status, Status::Ok);
    let (status, _) = decide(&app, &complaint_id, "upheld", "Требования к опыту завышены").await;
    assert_eq!(status, Status::Ok);
    // The reviewer's hold stays: the amendment is refused while it is set.
    assert_eq!(
        tender_json(&app, &id).await["review_hold"]["reason"],
        "Проверка по жалобе"
    );
    let amend = format!("/api/v1/tenders/{id}/amendments");
    let amendment =
        json!({"reason": "Исполнение решения", "changes": {"qualification_requirements": ["Опыт не менее 3 лет"]}});
    let officer = app.token("officer.osh@demo.kg").await;
    let (status, body) = call(&app, "POST", &amend, Some(&officer), amendment.clone()).await;
    assert_eq!(status, Status::Conflict, "{body}");
    assert_eq!(body["error"]["code"], "review_hold");
    // Released, the tender waits for the amendment the decision requires; it then goes on.
    app.clock.set(deadline() - Duration::days(11));
    let (status, released) = as_user(
        &app,
        "reviewer@demo.kg",
        "POST",
        &format!("/api/v1/tenders/{id}/release"),
        Value::Null,
    )
    .await;
    assert_eq!(status, Status::Ok, "{released}");
    assert_eq!(released["review_hold"]["reason"], "Требования к опыту завышены");
    let (status, amended) = as_user(&app, "officer.osh@demo.kg", "POST", &amend, amendment).await;
    assert_eq!(status, Status::Ok, "{amended}");
    assert_eq!(amended["review_hold"], Value::Null);

    // After the deadline a complaint against the terms can no longer be upheld.
    let (status, late) = as_user(&app, "bidder2@demo.kg", "POST", &complaints, complaint("terms")).await;
    assert_eq!(status, Status::Created, "{late}");
    let late = late["id"].as_str().unwrap().to_string();
    let (status, _) = decide(&app, &late, "accepted", "").await;
    assert_eq!(status, Status::Ok);
    app.clock.set(instant(&amended["timeline"]["deadline"]));
    let (status, body) = decide(&app, &late, "upheld", "Поздно").await;
    assert_eq!(status, Status::Conflict, "{body}");
    assert!(message(&body).contains("can no longer be amended"), "{body}");
    let (status, _) = decide(&app, &late, "dismissed", "Срок истёк").await;
    assert_eq!(status, Status::Ok);
}

/// Files a complaint with one document, as multipart.
async fn filed_with_document(
    app: &TestApp,
    id: &str,
    bidder: &str,
    request: Value,
    name: &str,
    content: &[u8],
) -> (Status, Value) {
    use crate::documents::{BOUNDARY, multipart};
    use rocket::http::{ContentType, Header};
    let token = app.token(bidder).await;
    let response = app
        .client
        .post(format!("/api/v1/tenders/{id}/complaints"))
        .header(ContentType::new("multipart", "form-data").with_params(("boundary", BOUNDARY)))
        .header(Header::new("Authorization", format!("Bearer {token}")))
        .body(multipart(&request, name, content))
        .dispatch()
        .await;
    let status = response.status();
    let body = response.into_string().await.unwrap_or_default();
    (status, serde_json::from_str(&body).unwrap_or(Value::Null))
}

async fn download(app: &TestApp, uri: &str, email: &str) -> (Status, Vec<u8>) {
    let token = app.token(email).await;
    let response = app
        .client
        .get(uri.to_string())
        .header(rocket::http::Header::new("Authorization", format!("Bearer {token}")))
        .dispatch()
        .await;
    let status = response.status();
    (status, response.into_bytes().await.unwrap_or_default())
}

#[rocket::async_test]
async fn a_complaint_carries_documents_that_its_readers_download() {
    use crate::documents::PDF;
    let app = spawn_with_fixtures().await;
    let id = published_tender(&app).await;
    let cheapest = submitted(&app, &id, "bidder1@demo.kg", &["30000000", "30000000"], 5).await;
    let second = submitted(&app, &id, "bidder3@demo.kg", &["35000000", "35000000"], 4).await;
    proposed_and_confirmed(&app, &id, &[&cheapest, &second]).await;

    // A file that is not an accepted type is refused, and nothing is filed.
    let (status, _) = filed_with_document(
        &app,
        &id,
        "bidder3@demo.kg",
        complaint("award"),
        "акт.pdf",
        b"\x7fELF\x02\x01\x01",
    )
    .await;
    assert_eq!(status, Status::UnsupportedMediaType);
    // A bidder outside the protocol is refused before anything is stored.
    let (status, _) = filed_with_document(&app, &id, "bidder2@demo.kg", complaint("award"), "акт.pdf", PDF).await;
    assert_eq!(status, Status::Forbidden);
    let (status, filed) =
        filed_with_document(&app, &id, "bidder3@demo.kg", complaint("award"), "акт приёмки.pdf", PDF).await;
    assert_eq!(status, Status::Created, "{filed}");
    let documents = filed["documents"].as_array().unwrap();
    assert_eq!(documents.len(), 1, "{filed}");
    assert_eq!(documents[0]["name"], "акт приёмки.pdf");
    assert_eq!(documents[0]["content_type"], "application/pdf");
    assert_eq!(documents[0]["size"], PDF.len());
    let uri = format!(
        "/api/v1/complaints/{}/documents/{}",
        filed["id"].as_str().unwrap(),
        documents[0]["id"].as_str().unwrap()
    );
    // The municipality, the other party and the reviewers read it; an outsider does not.
    for email in ["officer.osh@demo.kg", "bidder1@demo.kg", "reviewer@demo.kg"] {
        let (status, bytes) = download(&app, &uri, email).await;
        assert_eq!(status, Status::Ok, "{email}");
        assert_eq!(bytes, PDF, "{email}");
    }
    let (status, _) = download(&app, &uri, "bidder2@demo.kg").await;
    assert_eq!(status, Status::NotFound);
    let (_, log) = call(
        &app,
        "GET",
        &format!(
            "/api/v1/audit/events?action=complaint.document_downloaded&entity_id={}",
            filed["id"].as_str().unwrap()
        ),
        Some(&app.token("reviewer@demo.kg").await),
        Value::Null,
    )
    .await;
    assert_eq!(log["items"].as_array().unwrap().len(), 3, "{log}");
}

#[rocket::async_test]
async fn a_consortium_complains_about_the_award_once_while_its_complaint_is_open() {
    let app = spawn_with_fixtures().await;
    // The demo's Osh boiler-house tender: Ala-Too Energy's consortium (Osh Transit Card a member)
    // has an open complaint against the proposal for Kyrgyz Jol.
    let (_, standstill) = app.get_json("/api/v1/tenders?status=standstill").await;
    let id = standstill["items"][0]["id"].as_str().unwrap().to_string();
    let complaints = format!("/api/v1/tenders/{id}/complaints");
    let (status, body) = as_user(&app, "bidder1@demo.kg", "POST", &complaints, complaint("award")).await;
    assert_eq!(status, Status::Conflict, "{body}");
    assert!(message(&body).contains("already has an open complaint"), "{body}");
    // The consortium member reads its party's complaint; the other party may file its own.
    let (_, list) = as_user(&app, "bidder1@demo.kg", "GET", &complaints, Value::Null).await;
    assert_eq!(
        list["items"][0]["complainant"]["name"], "ОсОО «Ала-Тоо Энерджи Сервис»",
        "{list}"
    );
    let (status, body) = as_user(&app, "bidder3@demo.kg", "POST", &complaints, complaint("award")).await;
    assert_eq!(status, Status::Created, "{body}");
}
