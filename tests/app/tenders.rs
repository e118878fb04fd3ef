//! Tender notices on the manual clock: preparation, publication with every broken rule named,
//! clarifications that never name the asker, amendments that move a deadline too close, the
//! status from the clock, cancellation, accelerated tenders in demo mode, and the scoping.

use ppp_registry::config::Config;
use rocket::http::{ContentType, Header, Status};
use rocket::local::asynchronous::Client;
use serde_json::{Value, json};

use crate::documents::{PDF, upload};
use crate::projects::call;
use crate::support::{TestApp, spawn_with_fixtures};

/// The id of the demo project whose Russian title begins with `title`.
pub(crate) async fn project_titled(app: &TestApp, title: &str) -> String {
    let (_, page) = app.get_json("/api/v1/projects?limit=200").await;
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["title"]["ru"].as_str().unwrap().starts_with(title))
        .map(|p| p["id"].as_str().unwrap().to_string())
        .unwrap_or_else(|| panic!("no project {title:?}"))
}

/// The tests' Osh boiler-house project: filed and approved in the days before the tests'
/// start through the app's operations (tests/data/heating-project.json), without a tender. (The
/// demo's own boiler-house project is in its standstill.)
pub(crate) async fn heating(app: &TestApp) -> String {
    const TITLE: &str = "Модернизация котельных г. Ош (тестовый проект)";
    let (_, page) = app.get_json("/api/v1/projects?limit=200").await;
    let found = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["title"]["ru"] == TITLE)
        .map(|p| p["id"].as_str().unwrap().to_string());
    if let Some(id) = found {
        return id;
    }
    let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/heating-project.json");
    let config = Config::for_tests(&app.url, &app.upload_dir);
    let blobs = ppp_registry::storage::blobs::LocalDirectory::new(&config.app.upload_dir);
    ppp_registry::fixtures::replay_file(
        &app.db,
        &path,
        crate::support::test_start(),
        config.app.keyring.as_deref(),
        &blobs,
    )
    .await
    .expect("the tests' heating project");
    project_titled(app, TITLE).await
}

/// Terms within every rule of the open procedure when published at the tests' start (Saturday
/// 28 November 2026, 12:00 in Bishkek): 32 days for bids, questions close 10 days before.
pub(crate) fn good_terms() -> Value {
    json!({
        "title": {"ru": "Конкурс на модернизацию котельных г. Ош", "en": "Osh boiler houses tender"},
        "description": "Реконструкция 12 котельных и эксплуатация на условиях платы за доступность, 15 лет.",
        "qualification_requirements": ["Опыт эксплуатации теплоисточников не менее 5 лет"],
        "criteria": [
            {"name": {"ru": "Плата за доступность"}, "weight": 70, "financial": {"figure": "availability_payment",
                "unit": "KGS per year", "currency": "KGS", "better": "lower", "discount_rate": "0.12"}},
            {"name": {"ru": "Техническое решение"}, "weight": 30}
        ],
        "bid_security": {"amount": "2500000.00", "currency": "KGS"},
        "timeline": {"enquiry_end": "2026-12-20T12:00", "deadline": "2026-12-30T12:00", "opening": "2026-12-30T15:00"}
    })
}

fn field_codes(body: &Value) -> Vec<String> {
    let mut keys: Vec<String> = body["error"]["fields"]
        .as_object()
        .map(|f| f.keys().cloned().collect())
        .unwrap_or_default();
    keys.sort();
    keys
}

/// Fresh tokens of the Osh officer and approver and of a bidder (a token lives hours; the
/// clock moves days).
async fn tokens(app: &TestApp) -> (String, String, String) {
    (
        app.token("officer.osh@demo.kg").await,
        app.token("approver.osh@demo.kg").await,
        app.token("bidder1@demo.kg").await,
    )
}

async fn status_of(app: &TestApp, id: &str) -> String {
    let (_, tender) = app.get_json(&format!("/api/v1/tenders/{id}")).await;
    tender["status"].as_str().unwrap().to_string()
}

#[rocket::async_test]
async fn a_tender_from_draft_through_its_clock_to_cancellation() {
    let app = spawn_with_fixtures().await;
    let (officer, approver, bidder) = tokens(&app).await;
    let project = heating(&app).await;

    // A draft with four rules broken: weights, the financial criterion, and the timeline's.
    let mut broken = good_terms();
    broken["criteria"][1]["weight"] = json!(20);
    broken["criteria"][0].as_object_mut().unwrap().remove("financial");
    broken["timeline"] =
        json!({"enquiry_end": "2026-12-15T12:00", "deadline": "2026-12-20T12:00", "opening": "2026-12-20T11:00"});
    let uri = format!("/api/v1/projects/{project}/tenders");
    let (status, body) = call(&app, "POST", &uri, Some(&approver), broken.clone()).await;
    assert_eq!(status, Status::Forbidden, "approvers do not prepare: {body}");
    let (status, draft) = call(&app, "POST", &uri, Some(&officer), broken).await;
    assert_eq!(status, Status::Created, "{draft}");
    let id = draft["id"].as_str().unwrap().to_string();
    assert_eq!(draft["ocid"], format!("ocds-abc123-{id}"));
    assert_eq!(
        (
            draft["status"].clone(),
            draft["stage"].clone(),
            draft["review_hold"].clone(),
            draft["award_suspended"].clone(),
            draft["version"].clone(),
            draft["accelerator"].clone(),
            draft["project_id"].clone(),
        ),
        (
            json!("draft"),
            json!(1),
            Value::Null,
            json!(false),
            json!(1),
            json!(1),
            json!(project)
        )
    );
    // Entered in Bishkek time, answered in UTC.
    assert_eq!(draft["timeline"]["deadline"], "2026-12-20T06:00:00Z");
    assert_eq!(draft["rules"]["tendering_min"], json!({"days": 30, "kind": "calendar"}));
    let (status, _) = call(&app, "POST", &uri, Some(&officer), good_terms()).await;
    assert_eq!(status, Status::Conflict, "one live tender per project");
    // A draft is its municipality's and the reviewers' only.
    assert_eq!(app.get_json(&format!("/api/v1/tenders/{id}")).await.0, Status::NotFound);
    let (_, public) = app.get_json("/api/v1/tenders?status=draft").await;
    assert_eq!(public["items"], json!([]));

    // Publishing names each broken rule, one field entry per rule.
    let publish = format!("/api/v1/tenders/{id}/publish");
    let (status, _) = call(&app, "POST", &publish, Some(&officer), Value::Null).await;
    assert_eq!(status, Status::Forbidden, "officers do not publish");
    let (status, refused) = call(&app, "POST", &publish, Some(&approver), Value::Null).await;
    assert_eq!(status, Status::UnprocessableEntity, "{refused}");
    assert_eq!(
        field_codes(&refused),
        [
            "criteria",
            "timeline.deadline",
            "timeline.enquiry_end",
            "timeline.opening"
        ]
    );
    assert_eq!(
        refused["error"]["fields"]["criteria"],
        json!([
            "The criteria's weights must sum to 100.",
            "Exactly one criterion must be financial."
        ])
    );
    assert_eq!(
        refused["error"]["fields"]["timeline.deadline"],
        json!(["The submission period is shorter than the procedure's minimum."])
    );
    assert_eq!(
        status_of_draft(&app, &officer, &id).await,
        "draft",
        "a refusal changes nothing"
    );

    // The officer mends the draft; the approver publishes; the project goes in_tender.
    let patch = json!({"criteria": good_terms()["criteria"], "timeline": good_terms()["timeline"]});
    let (status, mended) = call(&app, "PATCH", &format!("/api/v1/tenders/{id}"), Some(&officer), patch).await;
    assert_eq!(status, Status::Ok, "{mended}");
    let (status, published) = call(&app, "POST", &publish, Some(&approver), Value::Null).await;
    assert_eq!(status, Status::Ok, "{published}");
    assert_eq!(published["status"], "active_enquiries");
    assert_eq!(published["published_at"], "2026-11-28T06:00:00Z");
    let (_, p) = app.get_json(&format!("/api/v1/projects/{project}")).await;
    assert_eq!(p["stage"], "in_tender");
    let (status, _) = call(
        &app,
        "PATCH",
        &format!("/api/v1/tenders/{id}"),
        Some(&officer),
        json!({"description": "x"}),
    )
    .await;
    assert_eq!(status, Status::Conflict, "a published tender changes by amendment only");

    // A bidder asks; everyone reads the question without its asker; the officer answers once.
    let questions = format!("/api/v1/tenders/{id}/questions");
    let text = "Допускается ли консорциум с иностранным участником?";
    let (status, _) = call(&app, "POST", &questions, Some(&officer), json!({"question": text})).await;
    assert_eq!(status, Status::Forbidden);
    let (status, asked) = call(&app, "POST", &questions, Some(&bidder), json!({"question": text})).await;
    assert_eq!(status, Status::Created, "{asked}");
    let qid = asked["id"].as_str().unwrap().to_string();
    let (_, listed) = app.get_json(&questions).await;
    assert_eq!(
        listed,
        json!({"items": [{"id": qid, "question": text, "asked_at": "2026-11-28T06:00:00Z", "answer": null, "answered_at": null}], "next": null})
    );
    app.clock.advance(chrono::Duration::hours(20));
    let (officer, approver, _) = tokens(&app).await;
    let answer_uri = format!("/api/v1/questions/{qid}/answer");
    let answer = "Да, если ведущий участник зарегистрирован в Кыргызской Республике.";
    let (status, answered) = call(&app, "POST", &answer_uri, Some(&officer), json!({"answer": answer})).await;
    assert_eq!(status, Status::Ok, "{answered}");
    assert_eq!(
        (answered["answer"].clone(), answered["answered_at"].clone()),
        (json!(answer), json!("2026-11-29T02:00:00Z"))
    );
    let (status, _) = call(&app, "POST", &answer_uri, Some(&approver), json!({"answer": "Иначе"})).await;
    assert_eq!(status, Status::Conflict, "answered once");
    // Nobody but the asker's company and the reviewers can learn who asked: not the
    // municipality's staff, not the administrators, in the log or its export.
    app.publish_checkpoint().await;
    // (The draft's events are the municipality's own: the administrator sees the tender from
    // its publication.)
    let published_on = vec!["tender.question_answered", "tender.published"];
    let from_draft = [&published_on[..], &["tender.updated", "tender.created"]].concat();
    for (reader, expected) in [
        ("officer.osh@demo.kg", &from_draft),
        ("approver.osh@demo.kg", &from_draft),
        ("admin@demo.kg", &published_on),
    ] {
        let token = app.token(reader).await;
        let uri = format!("/api/v1/audit/events?entity_type=tender&entity_id={id}&limit=200");
        let (status, events) = call(&app, "GET", &uri, Some(&token), Value::Null).await;
        assert_eq!(status, Status::Ok);
        let seen: Vec<&str> = events["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        assert_eq!(&seen, expected, "{reader}");
        assert!(!events.to_string().contains("Абдыкадыров"), "{reader} sees the asker");
        let export = app
            .client
            .get("/api/v1/audit/export?format=jsonl")
            .header(Header::new("Authorization", format!("Bearer {token}")))
            .dispatch()
            .await
            .into_string()
            .await
            .unwrap();
        let about_tender: Vec<Value> = export
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter(|e| e["entity_type"] == "tender" && e["entity_id"] == id.as_str())
            .collect();
        assert_eq!(about_tender.len(), expected.len(), "{reader}'s export");
        assert!(!Value::from(about_tender).to_string().contains("Абдыкадыров"));
    }
    let page = app.get(&format!("/tenders/{id}")).await.into_string().await.unwrap();
    assert!(page.contains(text) && page.contains(answer));
    assert!(!page.contains("Абдыкадыров") && !page.contains("Ош Транзит"));
    let reviewer = app.token("reviewer@demo.kg").await;
    let (_, seen) = call(
        &app,
        "GET",
        "/api/v1/audit/events?action=tender.question_asked",
        Some(&reviewer),
        Value::Null,
    )
    .await;
    assert_eq!(seen["items"][0]["actor"]["name"], "Абдыкадыров Нурлан Токтосунович");
    // Salted: its leaf hash, public through inclusion proofs, cannot be matched by hashing the
    // event as each bidder would have written it.
    let payload = &seen["items"][0]["payload"];
    let salt = payload["salt"].as_str().unwrap_or_default();
    assert!(
        salt.len() == 64 && salt.bytes().all(|b| b.is_ascii_hexdigit()),
        "{payload}"
    );
    // Every action on the reviewer's page reads in words.
    let browser = app.browser().await;
    assert_eq!(
        crate::support::sign_in_browser(&browser, "reviewer@demo.kg", crate::support::DEMO_PASSWORD).await,
        Status::SeeOther
    );
    let audit_page = browser.get("/audit").dispatch().await.into_string().await.unwrap();
    assert!(!audit_page.contains("Unknown localization key"), "{audit_page}");

    // At the enquiry end questions close and the tender takes bids.
    app.clock.set("2026-12-20T06:00:00Z".parse().unwrap());
    let (_, _, bidder) = tokens(&app).await;
    assert_eq!(status_of(&app, &id).await, "active_tendering");
    let (status, closed) = call(&app, "POST", &questions, Some(&bidder), json!({"question": "Ещё?"})).await;
    assert_eq!(status, Status::Conflict);
    assert_eq!(closed["error"]["message"], "Questions on this tender are closed.");

    // Four days before the deadline an amendment leaves too few: everything moves to 7 days.
    app.clock.set("2026-12-26T06:00:00Z".parse().unwrap());
    let (officer, _, _) = tokens(&app).await;
    let amendments = format!("/api/v1/tenders/{id}/amendments");
    let requirements = json!(["Опыт эксплуатации теплоисточников не менее 3 лет"]);
    let (status, refused) = call(
        &app,
        "POST",
        &amendments,
        Some(&officer),
        json!({"reason": " ", "changes": {"accelerator": 2}}),
    )
    .await;
    assert_eq!(status, Status::UnprocessableEntity);
    assert_eq!(field_codes(&refused), ["changes.accelerator", "reason"]);
    // A published notice stays complete and within the procedure's periods.
    let (status, refused) = call(
        &app,
        "POST",
        &amendments,
        Some(&officer),
        json!({"reason": "Без критериев", "changes": {"criteria": [], "description": null,
               "timeline": {"deadline": "2027-12-30T12:00", "opening": "2027-12-30T15:00"}}}),
    )
    .await;
    assert_eq!(status, Status::UnprocessableEntity);
    assert_eq!(
        field_codes(&refused),
        ["changes.criteria", "changes.description", "changes.timeline.deadline"]
    );
    for odd in ["0000-01-01T00:00", "9999-12-31T23:59:59-14:00", "2027-01-21T12:00:60"] {
        let (status, refused) = call(
            &app,
            "POST",
            &amendments,
            Some(&officer),
            json!({"reason": "Дата", "changes": {"timeline": {"deadline": odd}}}),
        )
        .await;
        assert_eq!(status, Status::UnprocessableEntity, "{odd}");
        assert_eq!(field_codes(&refused), ["changes.timeline.deadline"], "{odd}");
    }
    let (status, amended) = call(
        &app,
        "POST",
        &amendments,
        Some(&officer),
        json!({"reason": "Снижено требование к опыту", "changes": {"qualification_requirements": requirements}}),
    )
    .await;
    assert_eq!(status, Status::Ok, "{amended}");
    assert_eq!(amended["version"], 2);
    assert_eq!(
        amended["timeline"],
        json!({"enquiry_end": "2026-12-23T06:00:00Z", "deadline": "2027-01-02T06:00:00Z", "opening": "2027-01-02T09:00:00Z"})
    );
    let change = &amended["amendments"][0];
    assert_eq!(
        (
            change["version"].clone(),
            change["reason"].clone(),
            change["at"].clone()
        ),
        (
            json!(2),
            json!("Снижено требование к опыту"),
            json!("2026-12-26T06:00:00Z")
        )
    );
    assert_eq!(change["changes"]["after"]["qualification_requirements"], requirements);
    assert_eq!(
        change["changes"]["before"]["timeline"]["deadline"],
        "2026-12-30T06:00:00Z"
    );
    assert_eq!(
        change["changes"]["after"]["timeline"]["deadline"],
        "2027-01-02T06:00:00Z"
    );
    // A term removed shows as removed.
    let (status, amended) = call(
        &app,
        "POST",
        &amendments,
        Some(&officer),
        json!({"reason": "Обеспечение заявки не требуется", "changes": {"bid_security": null}}),
    )
    .await;
    assert_eq!(status, Status::Ok, "{amended}");
    assert_eq!(
        amended["amendments"][1]["changes"],
        json!({"before": {"bid_security": {"amount": "2500000.00", "currency": "KGS"}}, "after": {"bid_security": null}})
    );

    // The old deadline passes; the tender still takes bids until the new one, then closes.
    app.clock.set("2026-12-30T06:00:00Z".parse().unwrap());
    assert_eq!(status_of(&app, &id).await, "active_tendering");
    app.clock.set("2027-01-02T06:00:00Z".parse().unwrap());
    let (officer, approver, _) = tokens(&app).await;
    assert_eq!(status_of(&app, &id).await, "closed");
    let (_, closed_list) = app
        .get_json(&format!("/api/v1/tenders?status=closed&project={project}"))
        .await;
    assert_eq!(closed_list["items"][0]["id"], id.as_str());
    let (status, _) = call(
        &app,
        "POST",
        &amendments,
        Some(&officer),
        json!({"reason": "Поздно", "changes": {"description": "Иначе"}}),
    )
    .await;
    assert_eq!(status, Status::Conflict, "no amendment after the deadline");

    // Cancellation needs a public document of the project; the project returns to approved.
    let cancel = format!("/api/v1/tenders/{id}/cancel");
    let (status, refused) = call(&app, "POST", &cancel, Some(&approver), json!({"reason": "budget_cut"})).await;
    assert_eq!(status, Status::UnprocessableEntity);
    assert_eq!(field_codes(&refused), ["document_id"]);
    let meta = json!({"kind": "other", "title": "Решение об отмене конкурса", "visibility": "public"});
    let (status, document) = upload(&app, &approver, &project, meta, "cancel.pdf", PDF).await;
    assert_eq!(status, Status::Created, "{document}");
    let document_id = document["document_id"].as_str().unwrap();
    let (status, _) = call(
        &app,
        "POST",
        &cancel,
        Some(&officer),
        json!({"reason": "budget_cut", "document_id": document_id}),
    )
    .await;
    assert_eq!(status, Status::Forbidden, "officers do not cancel");
    let (status, cancelled) = call(
        &app,
        "POST",
        &cancel,
        Some(&approver),
        json!({"reason": "budget_cut", "explanation": "Решение кенеша № 41", "document_id": document_id}),
    )
    .await;
    assert_eq!(status, Status::Ok, "{cancelled}");
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(
        cancelled["cancellation"],
        json!({"reason": "budget_cut", "explanation": "Решение кенеша № 41", "document_id": document_id, "at": "2027-01-02T06:00:00Z"})
    );
    let (_, p) = app.get_json(&format!("/api/v1/projects/{project}")).await;
    assert_eq!(p["stage"], "approved");
    let steps: Vec<&str> = p["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["action"].as_str().unwrap())
        .collect();
    assert_eq!(steps[steps.len() - 2..], ["tender_published", "tender_cancelled"]);
    let (status, _) = call(
        &app,
        "POST",
        &cancel,
        Some(&approver),
        json!({"reason": "other", "explanation": "ещё", "document_id": document_id}),
    )
    .await;
    assert_eq!(status, Status::Conflict);
    // Ready for a new tender.
    let (status, _) = call(&app, "POST", &uri, Some(&officer), good_terms()).await;
    assert_eq!(status, Status::Created);
    let actions: Vec<String> = crate::audit::all_events(&app.db)
        .await
        .into_iter()
        .filter(|e| e.entity_type == "tender" && e.entity_id == id)
        .map(|e| e.action)
        .collect();
    assert_eq!(
        actions,
        [
            "tender.created",
            "tender.updated",
            "tender.published",
            "tender.question_asked",
            "tender.question_answered",
            "tender.amended",
            "tender.amended",
            "tender.cancelled"
        ]
    );
}

async fn status_of_draft(app: &TestApp, token: &str, id: &str) -> String {
    let (_, t) = call(app, "GET", &format!("/api/v1/tenders/{id}"), Some(token), Value::Null).await;
    t["status"].as_str().unwrap_or_default().to_string()
}

/// The app again over the same database, in demo mode.
async fn in_demo_mode(app: &TestApp) -> Client {
    let config = Config::for_tests_with(&app.url, &app.upload_dir, &[("demo", "true")]);
    let rocket = ppp_registry::build(config, app.db.clone(), app.clock.clone());
    Client::tracked(rocket).await.expect("the app ignites")
}

async fn send(client: &Client, method: &str, uri: &str, token: &str, body: Value) -> (Status, Value) {
    let request = match method {
        "POST" => client.post(uri.to_string()),
        _ => client.get(uri.to_string()),
    };
    let response = request
        .header(ContentType::JSON)
        .header(Header::new("Authorization", format!("Bearer {token}")))
        .header(Header::new("Accept-Language", "en"))
        .body(body.to_string())
        .dispatch()
        .await;
    let status = response.status();
    (
        status,
        serde_json::from_str(&response.into_string().await.unwrap_or_default()).unwrap_or(Value::Null),
    )
}

#[rocket::async_test]
async fn an_accelerated_tender_runs_in_minutes_in_demo_mode_only() {
    let app = spawn_with_fixtures().await;
    let officer = app.token("officer.osh@demo.kg").await;
    let approver = app.token("approver.osh@demo.kg").await;
    let project = heating(&app).await;
    // Accelerated 1,440 times a day lasts a minute: bids for 30 to 60 minutes, questions
    // closing 10 minutes before the deadline. (12:00 in Bishkek is the tests' start.)
    let mut terms = good_terms();
    terms["accelerator"] = json!(1440);
    terms["timeline"] =
        json!({"enquiry_end": "2026-11-28T12:19", "deadline": "2026-11-28T12:29", "opening": "2026-11-28T12:31"});
    let uri = format!("/api/v1/projects/{project}/tenders");
    let (status, refused) = call(&app, "POST", &uri, Some(&officer), terms.clone()).await;
    assert_eq!(status, Status::UnprocessableEntity);
    assert_eq!(
        refused["error"]["fields"],
        json!({"accelerator": ["Accelerated tenders run in demo mode only."]})
    );

    let demo = in_demo_mode(&app).await;
    let (status, draft) = send(&demo, "POST", &uri, &officer, terms).await;
    assert_eq!(status, Status::Created, "{draft}");
    let id = draft["id"].as_str().unwrap().to_string();
    let publish = format!("/api/v1/tenders/{id}/publish");
    let (status, refused) = send(&demo, "POST", &publish, &approver, Value::Null).await;
    assert_eq!(status, Status::UnprocessableEntity, "29 minutes are 29 days: too short");
    assert_eq!(field_codes(&refused), ["timeline.deadline"]);
    let fix = json!({"timeline": {"deadline": "2026-11-28T12:30", "opening": "2026-11-28T12:31"}});
    let response = demo
        .patch(format!("/api/v1/tenders/{id}"))
        .header(ContentType::JSON)
        .header(Header::new("Authorization", format!("Bearer {officer}")))
        .body(fix.to_string())
        .dispatch()
        .await;
    assert_eq!(response.status(), Status::Ok);
    let (status, published) = send(&demo, "POST", &publish, &approver, Value::Null).await;
    assert_eq!(status, Status::Ok, "{published}");
    assert_eq!(published["status"], "active_enquiries");
    // A production instance on the same database still refuses to publish or run it anew,
    // but the clock moves it through its statuses as anywhere.
    app.clock.advance(chrono::Duration::minutes(20));
    assert_eq!(status_of(&app, &id).await, "active_tendering");
    app.clock.advance(chrono::Duration::minutes(10));
    assert_eq!(status_of(&app, &id).await, "closed");
}

#[rocket::async_test]
async fn cancelling_a_project_in_tender_cancels_its_tender_in_the_same_change() {
    let app = spawn_with_fixtures().await;
    let approver = app.token("approver.osh@demo.kg").await;
    // The demo's Osh e-ticketing tender is open for bids.
    let (_, open) = app.get_json("/api/v1/tenders?status=active_enquiries").await;
    let tender = open["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["title"]["ru"].as_str().unwrap().contains("оплаты проезда"))
        .cloned()
        .expect("the Osh e-ticketing tender");
    let project = tender["project_id"].as_str().unwrap();
    let (status, body) = call(
        &app,
        "POST",
        &format!("/api/v1/projects/{project}/transitions"),
        Some(&approver),
        json!({"action": "cancel", "comment": "Финансирование передано в городской бюджет"}),
    )
    .await;
    assert_eq!(status, Status::Ok, "{body}");
    assert_eq!(body["stage"], "cancelled");
    let id = tender["id"].as_str().unwrap();
    let (_, after) = app.get_json(&format!("/api/v1/tenders/{id}")).await;
    assert_eq!(after["status"], "cancelled");
    assert_eq!(after["cancellation"]["reason"], "other");
    assert_eq!(
        after["cancellation"]["explanation"],
        "project cancelled: Финансирование передано в городской бюджет"
    );
    let events = crate::audit::all_events(&app.db).await;
    let last: Vec<&str> = events[events.len() - 2..].iter().map(|e| e.action.as_str()).collect();
    assert_eq!(last, ["tender.cancelled", "project.cancelled"]);
    assert_eq!(events[events.len() - 1].at, events[events.len() - 2].at, "one change");
}

#[rocket::async_test]
async fn the_demo_tenders_are_published_one_open_with_sealed_bids_and_one_opened_by_its_chair() {
    let app = spawn_with_fixtures().await;
    let (status, page) = app.get_json("/api/v1/tenders").await;
    assert_eq!(status, Status::Ok);
    let items = page["items"].as_array().unwrap();
    let statuses: Vec<(&str, &str)> = items
        .iter()
        .map(|t| (t["title"]["ru"].as_str().unwrap(), t["status"].as_str().unwrap()))
        .collect();
    assert_eq!(items.len(), 3, "{statuses:?}");
    let osh = items
        .iter()
        .find(|t| t["status"] == "active_enquiries")
        .expect("Osh open");
    let heating = items
        .iter()
        .find(|t| t["status"] == "standstill")
        .expect("Osh's boiler houses in their standstill");
    assert_eq!(heating["award_suspended"], true, "an open complaint");
    let bishkek = items
        .iter()
        .find(|t| t["status"] == "complete")
        .expect("Bishkek opened, evaluated, awarded and under contract");
    // The Bishkek bids are in its public protocol; Osh's stay sealed.
    let (_, protocol) = app
        .get_json(&format!("/api/v1/tenders/{}/protocol", bishkek["id"].as_str().unwrap()))
        .await;
    let parties: Vec<&str> = protocol["bids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["bidding_party"]["lead"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(parties.len(), 3, "{protocol}");
    assert!(
        protocol["bids"]
            .as_array()
            .unwrap()
            .iter()
            .all(|b| b["hash_matches"] == true)
    );
    let (status, _) = app
        .get_json(&format!("/api/v1/tenders/{}/protocol", osh["id"].as_str().unwrap()))
        .await;
    assert_eq!(status, Status::Conflict, "sealed");
    // The Osh deadline is about three weeks ahead, at noon in Bishkek.
    let deadline: chrono::DateTime<chrono::Utc> = osh["timeline"]["deadline"].as_str().unwrap().parse().unwrap();
    let ahead = deadline - crate::support::test_start();
    assert!((20..=22).contains(&ahead.num_days()), "{ahead}");
    assert_eq!(deadline.format("%H:%M").to_string(), "06:00");
    let (_, questions) = app
        .get_json(&format!("/api/v1/tenders/{}/questions", osh["id"].as_str().unwrap()))
        .await;
    assert!(questions["items"][0]["answer"].is_string(), "{questions}");
    let opening: chrono::DateTime<chrono::Utc> = bishkek["timeline"]["opening"].as_str().unwrap().parse().unwrap();
    assert!(opening < crate::support::test_start(), "the opening time has come");
    // Paged by id, newest first.
    let (_, first) = app.get_json("/api/v1/tenders?limit=1").await;
    assert_eq!(first["items"][0]["id"], items[0]["id"]);
    let next = first["next"].as_str().unwrap();
    let (_, second) = app.get_json(&format!("/api/v1/tenders?limit=1&after={next}")).await;
    assert_eq!(second["items"][0]["id"], items[1]["id"]);
    let next = second["next"].as_str().unwrap();
    let (_, third) = app.get_json(&format!("/api/v1/tenders?limit=1&after={next}")).await;
    assert_eq!(third["items"][0]["id"], items[2]["id"]);
    assert_eq!(third["next"], Value::Null);
    // The page's filters: "any" is an empty value there.
    let bishkek = bishkek["municipality_id"].as_str().unwrap();
    let (status, html) = app
        .get_with(
            &format!("/tenders?status=&municipality={bishkek}"),
            ("Accept-Language", "en"),
        )
        .await;
    assert_eq!(status, Status::Ok);
    assert!(html.contains("Osh Bazaar") && !html.contains("e-ticketing"), "{html}");
    for bad in [
        "status=open",
        "status=",
        "municipality=osh",
        "project=x",
        "project=",
        "after=-1",
    ] {
        let (status, _) = app.get_json(&format!("/api/v1/tenders?{bad}")).await;
        assert_eq!(status, Status::UnprocessableEntity, "{bad}");
    }
}

#[rocket::async_test]
async fn each_city_hall_has_a_commission_with_a_chair_a_deputy_and_two_more_members() {
    let app = spawn_with_fixtures().await;
    for city in ["osh", "bishkek"] {
        let mut seats = Vec::new();
        for who in ["chair", "deputy", "member", "member2"] {
            let token = app.token(&format!("{who}.{city}@demo.kg")).await;
            let (status, me) = call(&app, "GET", "/api/v1/me", Some(&token), Value::Null).await;
            assert_eq!(status, Status::Ok);
            assert_eq!(me["roles"], json!(["commission"]), "{who}.{city}");
            seats.push((me["chair"].as_bool().unwrap(), me["deputy_chair"].as_bool().unwrap()));
        }
        assert_eq!(
            seats,
            [(true, false), (false, true), (false, false), (false, false)],
            "{city}"
        );
    }
}

/// A form body, each value percent-encoded.
fn form(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                rocket::http::RawStr::new(k).percent_encode(),
                rocket::http::RawStr::new(v).percent_encode()
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

#[rocket::async_test]
async fn an_officer_prepares_and_edits_a_tender_on_the_pages_without_losing_a_word() {
    let app = spawn_with_fixtures().await;
    let project = heating(&app).await;
    let browser = app.browser().await;
    assert_eq!(
        crate::support::sign_in_browser(&browser, "officer.osh@demo.kg", crate::support::DEMO_PASSWORD).await,
        Status::SeeOther
    );
    let csrf = crate::support::csrf_token(&browser).await;
    let page = browser
        .get(format!("/projects/{project}"))
        .dispatch()
        .await
        .into_string()
        .await
        .unwrap();
    assert!(
        page.contains(&format!("/projects/{project}/tenders/new")),
        "offered once approved"
    );
    let new = browser.get(format!("/projects/{project}/tenders/new")).dispatch().await;
    assert_eq!(new.status(), Status::Ok);

    let mut fields = vec![
        ("csrf_token", csrf.as_str()),
        ("title_ru", "Конкурс на модернизацию котельных г. Ош"),
        ("title_en", "Osh boiler houses tender"),
        ("description", "Реконструкция 12 котельных."),
        (
            "qualification_requirements",
            "Опыт не менее 5 лет\nСобственный капитал 15 %",
        ),
        ("financial.criterion.name_ru", "Плата за доступность"),
        ("financial.criterion.name_ky", "Жеткиликтүүлүк үчүн төлөм"),
        ("financial.criterion.weight", "70"),
        ("financial.figure", "availability_payment"),
        ("financial.unit", "KGS per year"),
        ("financial.currency", "KGS"),
        ("financial.better", "lower"),
        ("financial.discount_rate", "0,12"),
        ("technical[0].name_ru", "Техническое решение"),
        ("technical[0].name_en", "Technical solution"),
        ("technical[0].weight", "20"),
        ("technical[1].name_ru", ""),
        ("technical[1].weight", ""),
        ("technical[2].name_ru", "План работ"),
        ("technical[2].weight", "x"),
        ("bid_security", "2 500 000"),
        ("bid_security_currency", "KGS"),
        ("enquiry_end", "2026-12-20T12:00"),
        ("deadline", "2026-12-30T12:00"),
        ("opening", "2026-12-30T15:00"),
    ];
    // A weight that is not a number is named on its own row (the third; the second was blank).
    let refused = browser
        .post(format!("/projects/{project}/tenders"))
        .header(ContentType::Form)
        .body(form(&fields))
        .dispatch()
        .await;
    assert_eq!(refused.status(), Status::UnprocessableEntity);
    let html = refused.into_string().await.unwrap();
    assert!(html.contains(r#"value="Техническое решение""#), "what was typed stays");
    let after_row = html.split(r#"id="technical.2.weight""#).nth(1).unwrap();
    assert!(after_row.trim_start().contains("field-errors"), "{after_row}");

    fields.retain(|(k, _)| *k != "technical[2].weight");
    fields.push(("technical[2].weight", "10"));
    let created = browser
        .post(format!("/projects/{project}/tenders"))
        .header(ContentType::Form)
        .body(form(&fields))
        .dispatch()
        .await;
    assert_eq!(created.status(), Status::SeeOther);
    let location = created.headers().get_one("Location").unwrap().to_string();
    let id = location.trim_start_matches("/tenders/").to_string();
    let token = app.token("officer.osh@demo.kg").await;
    let (_, draft) = call(&app, "GET", &format!("/api/v1/tenders/{id}"), Some(&token), Value::Null).await;
    assert_eq!(
        draft["criteria"],
        json!([
            {"name": {"ru": "Плата за доступность", "ky": "Жеткиликтүүлүк үчүн төлөм"}, "weight": 70,
             "financial": {"figure": "availability_payment", "unit": "KGS per year", "currency": "KGS",
                           "better": "lower", "discount_rate": "0.12"}},
            {"name": {"ru": "Техническое решение", "en": "Technical solution"}, "weight": 20},
            {"name": {"ru": "План работ"}, "weight": 10}
        ])
    );
    assert_eq!(
        draft["bid_security"],
        json!({"amount": "2500000.00", "currency": "KGS"})
    );
    assert_eq!(draft["timeline"]["deadline"], "2026-12-30T06:00:00Z");

    // The edit form shows every word back; saving it unchanged changes nothing.
    let edit = browser
        .get(format!("/tenders/{id}/edit"))
        .dispatch()
        .await
        .into_string()
        .await
        .unwrap();
    assert!(edit.contains(r#"value="Жеткиликтүүлүк үчүн төлөм""#) && edit.contains(r#"value="Technical solution""#));
    assert!(edit.contains(r#"value="2026-12-30T12:00""#));
    let saved = browser
        .post(format!("/tenders/{id}/edit"))
        .header(ContentType::Form)
        .body(form(&fields))
        .dispatch()
        .await;
    assert_eq!(saved.status(), Status::SeeOther);
    let (_, again) = call(&app, "GET", &format!("/api/v1/tenders/{id}"), Some(&token), Value::Null).await;
    assert_eq!(again["criteria"], draft["criteria"]);
    assert_eq!(
        again["title"],
        json!({"ru": "Конкурс на модернизацию котельных г. Ош", "en": "Osh boiler houses tender"})
    );
}

/// A browser signed in as `email`, with its CSRF token.
pub(crate) async fn signed_in(app: &TestApp, email: &str) -> (Client, String) {
    let browser = app.browser().await;
    assert_eq!(
        crate::support::sign_in_browser(&browser, email, crate::support::DEMO_PASSWORD).await,
        Status::SeeOther
    );
    let csrf = crate::support::csrf_token(&browser).await;
    (browser, csrf)
}

pub(crate) async fn post_form(browser: &Client, uri: &str, fields: &[(&str, &str)]) -> (Status, String) {
    let response = browser
        .post(uri.to_string())
        .header(ContentType::Form)
        .header(Header::new("Accept-Language", "en"))
        .body(form(fields))
        .dispatch()
        .await;
    let status = response.status();
    (status, response.into_string().await.unwrap_or_default())
}

#[rocket::async_test]
async fn the_notice_takes_questions_answers_publication_and_cancellation_through_its_forms() {
    let app = spawn_with_fixtures().await;
    let project = heating(&app).await;
    let officer = app.token("officer.osh@demo.kg").await;
    let mut terms = good_terms();
    terms["description"] = json!("");
    let (_, draft) = call(
        &app,
        "POST",
        &format!("/api/v1/projects/{project}/tenders"),
        Some(&officer),
        terms,
    )
    .await;
    let id = draft["id"].as_str().unwrap().to_string();

    // Publishing from the page lists what is missing, on the notice.
    let (approver, csrf) = signed_in(&app, "approver.osh@demo.kg").await;
    let (status, html) = post_form(&approver, &format!("/tenders/{id}/publish"), &[("csrf_token", &csrf)]).await;
    assert_eq!(status, Status::UnprocessableEntity);
    assert!(
        html.contains("The tender cannot be published:") && html.contains("<code>description</code>"),
        "{html}"
    );
    let (status, _) = call(
        &app,
        "PATCH",
        &format!("/api/v1/tenders/{id}"),
        Some(&officer),
        json!({"description": "Реконструкция котельных."}),
    )
    .await;
    assert_eq!(status, Status::Ok);
    let (status, _) = post_form(&approver, &format!("/tenders/{id}/publish"), &[("csrf_token", &csrf)]).await;
    assert_eq!(status, Status::SeeOther);
    assert_eq!(status_of(&app, &id).await, "active_enquiries");

    // A bidder asks on the page; an empty question is named; the officer answers there.
    let (bidder, bidder_csrf) = signed_in(&app, "bidder3@demo.kg").await;
    let questions = format!("/tenders/{id}/questions");
    let (status, html) = post_form(&bidder, &questions, &[("csrf_token", &bidder_csrf), ("question", " ")]).await;
    assert_eq!(status, Status::UnprocessableEntity);
    assert!(html.contains("field-errors"), "{html}");
    let question = "Можно ли предложить биотопливо?";
    let (status, _) = post_form(
        &bidder,
        &questions,
        &[("csrf_token", &bidder_csrf), ("question", question)],
    )
    .await;
    assert_eq!(status, Status::SeeOther);
    let (_, listed) = app.get_json(&format!("/api/v1/tenders/{id}/questions")).await;
    let qid = listed["items"][0]["id"].as_str().unwrap().to_string();
    let (clerk, clerk_csrf) = signed_in(&app, "officer.osh@demo.kg").await;
    let page = clerk
        .get(format!("/tenders/{id}"))
        .dispatch()
        .await
        .into_string()
        .await
        .unwrap();
    assert!(
        page.contains(&format!("/questions/{qid}/answer")),
        "the officer is offered the answer form"
    );
    let (status, _) = post_form(
        &clerk,
        &format!("/questions/{qid}/answer"),
        &[("csrf_token", &clerk_csrf), ("answer", "Да.")],
    )
    .await;
    assert_eq!(status, Status::SeeOther);
    let (status, _) = post_form(
        &clerk,
        &format!("/questions/{qid}/answer"),
        &[("csrf_token", &clerk_csrf), ("answer", "Нет.")],
    )
    .await;
    assert_eq!(status, Status::SeeOther, "refused, back to the notice with the message");
    let (_, listed) = app.get_json(&format!("/api/v1/tenders/{id}/questions")).await;
    assert_eq!(listed["items"][0]["answer"], "Да.");

    // An amendment on the page: a date the procedure refuses is named under its own field.
    let (status, html) = post_form(
        &clerk,
        &format!("/tenders/{id}/amend"),
        &[
            ("csrf_token", &clerk_csrf),
            ("reason", "Перенос"),
            ("opening", "2026-12-29T12:00"),
        ],
    )
    .await;
    assert_eq!(status, Status::UnprocessableEntity);
    let after_field = html.split(r#"id="amend-opening""#).nth(1).unwrap();
    let under_field = after_field.split("<button").next().unwrap();
    assert!(
        under_field.contains("cannot come before the submission deadline"),
        "{html}"
    );

    // Cancellation on the page needs the decision's document.
    let (status, html) = post_form(
        &approver,
        &format!("/tenders/{id}/cancel"),
        &[("csrf_token", &csrf), ("reason", "no_demand"), ("document_id", "")],
    )
    .await;
    assert_eq!(status, Status::UnprocessableEntity);
    assert!(html.contains("<li>This field is required.</li>"), "{html}");
    let meta = json!({"kind": "other", "title": "Решение об отмене", "visibility": "public"});
    let (_, document) = upload(&app, &officer, &project, meta, "cancel.pdf", PDF).await;
    let document_id = document["document_id"].as_str().unwrap();
    let (status, _) = post_form(
        &approver,
        &format!("/tenders/{id}/cancel"),
        &[
            ("csrf_token", &csrf),
            ("reason", "no_demand"),
            ("document_id", document_id),
        ],
    )
    .await;
    assert_eq!(status, Status::SeeOther);
    assert_eq!(status_of(&app, &id).await, "cancelled");
    let page = app
        .get(&format!("/projects/{project}"))
        .await
        .into_string()
        .await
        .unwrap();
    assert!(page.contains(r#"data-status="cancelled""#));
}
