//! Contracts after the award: drafted by the municipality's officer from the awarded tender,
//! signed (recorded) by its approver (tender `complete`, project `contracted`), milestones up
//! to service start (project `in_operation`), an amendment beyond the threshold (cumulative
//! change exact, flagged on the reviewers' desk), quarterly performance against the frozen
//! model, an early termination; who sees what (drafts and internal documents only for the
//! municipality, the parties and the reviewers), through the API and the pages.

use chrono::Duration;
use rocket::http::{ContentType, Status};
use serde_json::{Value, json};

use ppp_registry::clock::Clock;

use crate::award::proposed_and_confirmed;
use crate::bids::published_tender;
use crate::documents::{PDF, upload};
use crate::evaluation::submitted;
use crate::projects::call;
use crate::support::{TestApp, csrf_token, sign_in_browser, spawn_with_fixtures};
use crate::tenders::post_form;

/// An Osh tender awarded to bidder1's company (osh-transit) for yearly payments of 30 000 000
/// and 32 000 000 som: the tender's id and the award's instant.
async fn awarded(app: &TestApp) -> (String, chrono::DateTime<chrono::Utc>) {
    let id = published_tender(app).await;
    let only = submitted(app, &id, "bidder1@demo.kg", &["30000000", "32000000"], 5).await;
    let confirmed = proposed_and_confirmed(app, &id, &[&only]).await;
    let ends: chrono::DateTime<chrono::Utc> = confirmed["award_proposal"]["standstill_ends_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    // Drafting before the award is refused with the reason.
    let officer = app.token("officer.osh@demo.kg").await;
    let (status, body) = call(
        app,
        "POST",
        &format!("/api/v1/tenders/{id}/contract"),
        Some(&officer),
        request(&[]),
    )
    .await;
    assert_eq!(status, Status::Conflict, "{body}");
    assert_eq!(body["error"]["code"], "conflict", "{body}");
    app.clock.set(ends + Duration::hours(1));
    let approver = app.token("approver.osh@demo.kg").await;
    let (status, body) = call(
        app,
        "POST",
        &format!("/api/v1/tenders/{id}/award"),
        Some(&approver),
        Value::Null,
    )
    .await;
    assert_eq!(status, Status::Ok, "{body}");
    (id, ends + Duration::hours(1))
}

/// A contract of Osh's, drafted and signed on a test tender awarded to bidder1's company: its id.
pub(crate) async fn signed_osh_contract(app: &TestApp) -> String {
    let (tender, _) = awarded(app).await;
    let officer = app.token("officer.osh@demo.kg").await;
    let (status, drafted) = call(
        app,
        "POST",
        &format!("/api/v1/tenders/{tender}/contract"),
        Some(&officer),
        request(&[]),
    )
    .await;
    assert_eq!(status, Status::Created, "{drafted}");
    let id = drafted["id"].as_str().unwrap().to_string();
    let today = (app.clock.now() + Duration::hours(6)).date_naive().to_string();
    let approver = app.token("approver.osh@demo.kg").await;
    let (status, signed) = call(
        app,
        "POST",
        &format!("/api/v1/contracts/{id}/sign"),
        Some(&approver),
        json!({"signed_on": today}),
    )
    .await;
    assert_eq!(status, Status::Ok, "{signed}");
    id
}

/// A contract request: 420 000 000 som over 240 months from 2027-03-01, service from 2028-01-15.
fn request(documents: &[&str]) -> Value {
    json!({
        "title": "Соглашение о МЧП: модернизация котельных г. Ош",
        "value": {"amount": "420000000.00", "currency": "KGS"},
        "term_months": 240,
        "start_date": "2027-03-01",
        "payment_mechanism": "availability",
        "municipality_signatory": {"name": "Мамытов Улан Садырбекович", "position": "Мэр г. Ош"},
        "supplier_signatory": {"name": "Абдыкадыров Нурлан Токтосунович", "position": "Директор"},
        "guarantee": {"issuer": "ОАО «РСК Банк»", "reference": "ГИ-77/2027",
            "amount": {"amount": "21000000.00", "currency": "KGS"}, "valid_until": "2029-03-01"},
        "documents": documents,
        "milestones": [
            {"kind": "commercial_close", "planned_on": "2027-03-01"},
            {"kind": "financial_close", "planned_on": "2027-06-01"},
            {"kind": "service_start", "planned_on": "2028-01-15"}
        ]
    })
}

/// The fields a 422 names.
fn fields(body: &Value) -> Vec<String> {
    body["error"]["fields"]
        .as_object()
        .map(|f| f.keys().cloned().collect())
        .unwrap_or_default()
}

fn milestone<'a>(contract: &'a Value, kind: &str) -> &'a Value {
    contract["milestones"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["kind"] == kind)
        .unwrap_or_else(|| panic!("no milestone {kind} in {contract}"))
}

async fn stage_of_project(app: &TestApp, project: &str) -> Value {
    let (_, p) = app.get_json(&format!("/api/v1/projects/{project}")).await;
    p["stage"].clone()
}

async fn read(app: &TestApp, id: &str, token: Option<&str>) -> (Status, Value) {
    call(app, "GET", &format!("/api/v1/contracts/{id}"), token, Value::Null).await
}

#[rocket::async_test]
async fn an_awarded_tender_is_signed_put_in_operation_amended_beyond_the_threshold_and_measured() {
    let app = spawn_with_fixtures().await;
    // Dates in this test are fixed: the contract's signing must follow the award in Bishkek.
    let (tender, awarded_at) = awarded(&app).await;
    let officer = app.token("officer.osh@demo.kg").await;
    let approver = app.token("approver.osh@demo.kg").await;
    let bidder = app.token("bidder1@demo.kg").await;
    let rival = app.token("bidder3@demo.kg").await;
    let reviewer = app.token("reviewer@demo.kg").await;
    let (_, t) = app.get_json(&format!("/api/v1/tenders/{tender}")).await;
    let project = t["project_id"].as_str().unwrap().to_string();

    // A public document (the signed agreement) and an internal one (the financial annex).
    let public = json!({"kind": "contract", "title": "Соглашение о МЧП (подписанный текст)", "visibility": "public"});
    let (status, signed_text) = upload(&app, &officer, &project, public, "contract.pdf", PDF).await;
    assert_eq!(status, Status::Created, "{signed_text}");
    let internal =
        json!({"kind": "other", "title": "Финансовое приложение (коммерческая тайна)", "visibility": "internal"});
    let (status, annex) = upload(&app, &officer, &project, internal, "annex.pdf", PDF).await;
    assert_eq!(status, Status::Created, "{annex}");
    let docs = [
        signed_text["document_id"].as_str().unwrap(),
        annex["document_id"].as_str().unwrap(),
    ];

    // Only the municipality's officer drafts; the approver, the winner and another city may not.
    let draft = format!("/api/v1/tenders/{tender}/contract");
    for token in [&approver, &bidder, &app.token("officer.bishkek@demo.kg").await] {
        let (status, body) = call(&app, "POST", &draft, Some(token), request(&docs)).await;
        assert_eq!(status, Status::Forbidden, "{body}");
    }
    // Shareholders of a special-purpose company must be the winning party's companies.
    let mut with_spv = request(&docs);
    with_spv["spv"] = json!({"company_id": "9999", "shareholders": [{"company_id": "6", "share": "100"}]});
    let (status, body) = call(&app, "POST", &draft, Some(&officer), with_spv).await;
    assert_eq!(status, Status::UnprocessableEntity, "{body}");
    assert_eq!(
        fields(&body),
        vec!["spv.company_id", "spv.shareholders.0.company_id"],
        "{body}"
    );
    assert_eq!(
        body["error"]["fields"]["spv.shareholders.0.company_id"][0],
        "A shareholder must be one of the winning party's companies"
    );
    let mut broken = request(&docs);
    broken["term_months"] = json!(0);
    broken["milestones"] = json!([]);
    let (status, body) = call(&app, "POST", &draft, Some(&officer), broken).await;
    assert_eq!(status, Status::UnprocessableEntity, "{body}");
    let (_, listed) = app.get_json("/api/v1/contracts?limit=200").await;
    assert_eq!(
        listed["items"].as_array().unwrap().len(),
        1,
        "the demo's contract only: {listed}"
    );

    let (status, drafted) = call(&app, "POST", &draft, Some(&officer), request(&docs)).await;
    assert_eq!(status, Status::Created, "{drafted}");
    let id = drafted["id"].as_str().unwrap().to_string();
    assert_eq!(drafted["status"], "pending");
    assert_eq!(drafted["ocid"], format!("ocds-abc123-{tender}"));
    assert_eq!(drafted["supplier"]["name"], "ОсОО «Ош Транзит Карт»");
    assert_eq!(drafted["expiry_date"], "2047-02-28");
    assert_eq!(milestone(&drafted, "expiry")["planned_on"], "2047-02-28");
    assert_eq!(
        drafted["agreed_model"]["offer"]["yearly"],
        json!(["30000000.00", "32000000.00"])
    );
    let sha = drafted["agreed_model_sha256"].as_str().unwrap();
    assert_eq!(sha.len(), 64);
    let (status, body) = call(&app, "POST", &draft, Some(&officer), request(&docs)).await;
    assert_eq!(
        (status, body["error"]["message"].as_str().is_some()),
        (Status::Conflict, true),
        "{body}"
    );

    // Awaiting signature, the draft is the insiders' only.
    assert_eq!(read(&app, &id, None).await.0, Status::NotFound);
    assert_eq!(read(&app, &id, Some(&rival)).await.0, Status::NotFound);
    assert_eq!(read(&app, &id, Some(&bidder)).await.0, Status::Ok);
    assert_eq!(read(&app, &id, Some(&reviewer)).await.0, Status::Ok);
    // The party's dashboard lists it (and the demo's contract its company holds through the
    // special-purpose company); a rival's does not.
    let (_, dashboard) = call(&app, "GET", "/api/v1/bids/mine", Some(&bidder), Value::Null).await;
    let listed: Vec<&Value> = dashboard["contracts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| &c["id"])
        .collect();
    assert_eq!(listed, vec![&json!(id), &json!("1")], "{dashboard}");
    let (_, theirs) = call(&app, "GET", "/api/v1/bids/mine", Some(&rival), Value::Null).await;
    assert_eq!(theirs["contracts"], json!([]));
    let (_, public_list) = app.get_json("/api/v1/contracts?limit=200").await;
    assert!(
        public_list["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["id"] != json!(id))
    );
    let (_, own) = call(
        &app,
        "GET",
        "/api/v1/contracts?status=pending",
        Some(&officer),
        Value::Null,
    )
    .await;
    assert_eq!(own["items"][0]["id"], json!(id), "{own}");

    // The approver records the signing; not in the future, not before the award.
    let sign = format!("/api/v1/contracts/{id}/sign");
    let (status, _) = call(&app, "POST", &sign, Some(&officer), json!({"signed_on": "2026-01-01"})).await;
    assert_eq!(status, Status::Forbidden);
    let today = (app.clock.now() + Duration::hours(6)).date_naive();
    let award_day = (awarded_at + Duration::hours(6)).date_naive();
    for (date, message) in [
        (today + Duration::days(1), "That date is still ahead"),
        (award_day - Duration::days(1), "Not before the award"),
    ] {
        let (status, body) = call(
            &app,
            "POST",
            &sign,
            Some(&approver),
            json!({"signed_on": date.to_string()}),
        )
        .await;
        assert_eq!(status, Status::UnprocessableEntity, "{body}");
        assert_eq!(body["error"]["fields"]["signed_on"], json!([message]), "{body}");
    }
    let (status, signed) = call(
        &app,
        "POST",
        &sign,
        Some(&approver),
        json!({"signed_on": today.to_string()}),
    )
    .await;
    assert_eq!(status, Status::Ok, "{signed}");
    assert_eq!(signed["status"], "signed");
    assert_eq!(signed["signed_on"], today.to_string());
    assert!(signed["bid_securities_released_at"].is_string());
    assert_eq!(milestone(&signed, "commercial_close")["met_on"], today.to_string());
    let (_, t) = app.get_json(&format!("/api/v1/tenders/{tender}")).await;
    assert_eq!(t["status"], "complete");
    assert_eq!(stage_of_project(&app, &project).await, "contracted");
    let (status, _) = call(
        &app,
        "POST",
        &sign,
        Some(&approver),
        json!({"signed_on": today.to_string()}),
    )
    .await;
    assert_eq!(status, Status::Conflict);
    // A tender under contract is not cancelled behind it.
    let (status, body) = call(
        &app,
        "POST",
        &format!("/api/v1/tenders/{tender}/cancel"),
        Some(&approver),
        json!({"reason": "budget_cut", "explanation": "—", "document_id": docs[0]}),
    )
    .await;
    assert_eq!(status, Status::Conflict, "{body}");

    // Signed, it is public: internal documents and the agreed model stay with the insiders.
    let (status, public_view) = read(&app, &id, None).await;
    assert_eq!(status, Status::Ok, "{public_view}");
    let titles = |c: &Value| -> Vec<String> {
        c["documents"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["title"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(titles(&public_view), vec!["Соглашение о МЧП (подписанный текст)"]);
    assert_eq!(public_view["agreed_model"], Value::Null);
    assert_eq!(public_view["agreed_model_sha256"], sha);
    // The party reads the agreed model (its own offer), but the municipality's internal papers
    // only where the project opens them: its municipality and the reviewers.
    let (_, party_view) = read(&app, &id, Some(&bidder)).await;
    assert_eq!(titles(&party_view), vec!["Соглашение о МЧП (подписанный текст)"]);
    assert_eq!(
        party_view["agreed_model"]["offer"]["yearly"],
        json!(["30000000.00", "32000000.00"])
    );
    let (_, own_view) = read(&app, &id, Some(&officer)).await;
    assert_eq!(titles(&own_view).len(), 2);
    let annex_version = own_view["documents"][1]["url"].as_str().unwrap().to_string();
    let (status, _) = app.get_json(&annex_version).await;
    assert_eq!(
        status,
        Status::NotFound,
        "an internal document does not download anonymously"
    );
    // The bidder reads its contract but changes nothing.
    for (path, body) in [
        (
            format!("/api/v1/contracts/{id}/milestones/service_start"),
            json!({"met_on": today.to_string()}),
        ),
        (
            format!("/api/v1/contracts/{id}/amendments"),
            json!({"reason": "delay", "description": "x", "agreed_on": today.to_string()}),
        ),
        (
            format!("/api/v1/contracts/{id}/performance"),
            json!({"period": "2026-Q4", "paid": "1.00"}),
        ),
        (
            format!("/api/v1/contracts/{id}/terminate"),
            json!({"reason": "x", "ended_on": today.to_string()}),
        ),
    ] {
        let (status, answer) = call(&app, "POST", &path, Some(&bidder), body).await;
        assert_eq!(status, Status::Forbidden, "{path}: {answer}");
    }

    // Service starts: the contract and the project are in operation.
    let service = format!("/api/v1/contracts/{id}/milestones/service_start");
    let (status, body) = call(
        &app,
        "POST",
        &service,
        Some(&officer),
        json!({"met_on": (today + Duration::days(3)).to_string()}),
    )
    .await;
    assert_eq!(status, Status::UnprocessableEntity, "{body}");
    assert_eq!(body["error"]["fields"]["met_on"], json!(["That date is still ahead"]));
    let (status, running) = call(
        &app,
        "POST",
        &service,
        Some(&officer),
        json!({"met_on": today.to_string(), "note": "Акт ввода № 3"}),
    )
    .await;
    assert_eq!(status, Status::Ok, "{running}");
    assert_eq!(running["status"], "in_operation");
    assert_eq!(milestone(&running, "service_start")["status"], "met");
    assert_eq!(milestone(&running, "financial_close")["status"], "scheduled");
    assert_eq!(stage_of_project(&app, &project).await, "in_operation");
    let (status, _) = call(
        &app,
        "POST",
        &service,
        Some(&officer),
        json!({"met_on": today.to_string()}),
    )
    .await;
    assert_eq!(status, Status::Conflict);
    let expiry = format!("/api/v1/contracts/{id}/milestones/expiry");
    let (status, body) = call(
        &app,
        "POST",
        &expiry,
        Some(&officer),
        json!({"met_on": today.to_string()}),
    )
    .await;
    assert_eq!(
        status,
        Status::UnprocessableEntity,
        "an early end is a termination: {body}"
    );
    assert_eq!(fields(&body), vec!["met_on"]);
    let (status, body) = call(
        &app,
        "POST",
        &expiry,
        Some(&officer),
        json!({"planned_on": "2060-01-01"}),
    )
    .await;
    assert_eq!(status, Status::UnprocessableEntity, "{body}");
    assert_eq!(fields(&body), vec!["planned_on"]);
    let (status, _) = call(
        &app,
        "POST",
        &format!("/api/v1/contracts/{id}/milestones/launch"),
        Some(&officer),
        json!({"met_on": today.to_string()}),
    )
    .await;
    assert_eq!(status, Status::NotFound);

    // An amendment: 420 000 000 -> 487 200 000 som (+16 %) and 240 -> 264 months (+10 %).
    let amend = format!("/api/v1/contracts/{id}/amendments");
    let body = json!({"reason": "scope_change", "description": "Две дополнительные котельные в мкр. Анар", "agreed_on": today.to_string(),
        "value": "487200000.00", "term_months": 264, "document_id": docs[0]});
    let (status, _) = call(&app, "POST", &amend, Some(&officer), body.clone()).await;
    assert_eq!(status, Status::Forbidden, "amendments are the approver's");
    let (status, amended) = call(&app, "POST", &amend, Some(&approver), body).await;
    assert_eq!(status, Status::Created, "{amended}");
    let a = &amended["amendments"][0];
    assert_eq!(a["version"], 2);
    assert_eq!(a["cumulative"]["value"]["change"], "67200000.00");
    assert_eq!(a["cumulative"]["value"]["percent"], "16");
    assert_eq!(a["cumulative"]["term_months"]["percent"], "10");
    assert_eq!(a["cumulative"]["flagged"], true);
    assert_eq!(amended["value"]["amount"], "487200000.00");
    assert_eq!(amended["signed_value"]["amount"], "420000000.00");
    assert_eq!(amended["expiry_date"], "2049-02-28");
    assert_eq!(milestone(&amended, "expiry")["planned_on"], "2049-02-28");
    let (_, desk) = call(&app, "GET", "/api/v1/review", Some(&reviewer), Value::Null).await;
    let flagged: Vec<&Value> = desk["flagged_contracts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| &c["id"])
        .collect();
    assert!(flagged.contains(&&json!(id)), "{desk}");
    assert!(flagged.contains(&&json!("1")), "the demo's Osh Bazaar: {desk}");

    // Performance: the first full quarter of service plans 30 000 000 / 4 = 7 500 000.
    let first = {
        let q = (
            today.format("%Y").to_string().parse::<i32>().unwrap(),
            (today.format("%m").to_string().parse::<u32>().unwrap() - 1) / 3 + 1,
        );
        if q.1 == 4 { (q.0 + 1, 1) } else { (q.0, q.1 + 1) }
    };
    let period = format!("{}-Q{}", first.0, first.1);
    let perf = format!("/api/v1/contracts/{id}/performance");
    let record = json!({"period": period, "paid": "7000000.00", "deductions": "500000.00", "demand": "41250.5"});
    let (status, body) = call(&app, "POST", &perf, Some(&officer), record.clone()).await;
    assert_eq!(status, Status::UnprocessableEntity, "a quarter not begun: {body}");
    assert_eq!(body["error"]["fields"]["period"], json!(["That date is still ahead"]));
    app.clock.set(app.clock.now() + Duration::days(95));
    // Tokens live 12 hours: the officer and the reviewer sign in again a quarter later.
    let officer = app.token("officer.osh@demo.kg").await;
    let reviewer = app.token("reviewer@demo.kg").await;
    let (status, measured) = call(&app, "POST", &perf, Some(&officer), record.clone()).await;
    assert_eq!(status, Status::Created, "{measured}");
    let q = &measured["performance"][0];
    assert_eq!(
        (q["planned"].clone(), q["paid"].clone(), q["variance"].clone()),
        (json!("7500000.00"), json!("7000000.00"), json!("-500000.00"))
    );
    assert_eq!(
        measured["variance"],
        json!({"planned": "7500000.00", "paid": "7000000.00", "variance": "-500000.00"})
    );
    let (status, _) = call(&app, "POST", &perf, Some(&officer), record).await;
    assert_eq!(status, Status::Conflict, "one record a quarter");

    // Every change is in the log, in order.
    let (_, events) = call(
        &app,
        "GET",
        "/api/v1/audit/events?entity_type=contract&limit=200",
        Some(&reviewer),
        Value::Null,
    )
    .await;
    let actions: Vec<&str> = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["entity_id"] == json!(id))
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    // Newest first.
    assert_eq!(
        actions,
        [
            "contract.performance_recorded",
            "contract.amended",
            "contract.status_changed",
            "contract.milestone_met",
            "contract.signed",
            "contract.drafted",
        ]
    );
}

#[rocket::async_test]
async fn the_demo_contract_is_public_filtered_and_terminated_early_with_its_reason_and_payment() {
    let app = spawn_with_fixtures().await;
    let (status, page) = app.get_json("/api/v1/contracts?status=in_operation").await;
    assert_eq!(status, Status::Ok, "{page}");
    let c = &page["items"][0];
    assert_eq!(
        c["title"],
        "Концессионное соглашение: реконструкция и эксплуатация рынка «Ош базар» г. Бишкек"
    );
    assert_eq!(c["supplier"]["name"], "ОсОО «Ош Базар Сервис»");
    assert_eq!(c["cumulative"]["value"]["percent"], "18");
    assert_eq!(c["cumulative"]["flagged"], true);
    let municipality = c["municipality"]["id"].as_str().unwrap().to_string();
    let (_, none) = app.get_json("/api/v1/contracts?status=terminated").await;
    assert_eq!(none["items"], json!([]));
    let (_, osh) = app.get_json("/api/v1/contracts?municipality=4").await;
    assert_eq!(osh["items"], json!([]));
    let (_, bishkek) = app
        .get_json(&format!("/api/v1/contracts?municipality={municipality}&limit=1"))
        .await;
    assert_eq!(bishkek["items"].as_array().unwrap().len(), 1);
    for bad in [
        "status=signed_ok",
        "municipality=abc",
        "supplier=",
        "status=",
        "after=-1",
        "limit=0",
    ] {
        let (status, body) = app.get_json(&format!("/api/v1/contracts?{bad}")).await;
        assert_eq!(status, Status::UnprocessableEntity, "{bad}: {body}");
    }
    let (_, full) = app.get_json("/api/v1/contracts/1").await;
    assert_eq!(
        full["shareholders"],
        json!([{"company_id": full["shareholders"][0]["company_id"], "name": "ОсОО «Ош Транзит Карт»", "share": "100"}])
    );
    let quarters: Vec<(&str, &str, &str)> = full["performance"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| {
            (
                q["planned"].as_str().unwrap(),
                q["paid"].as_str().unwrap(),
                q["variance"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        quarters,
        vec![
            ("4625000.00", "4625000.00", "0.00"),
            ("4625000.00", "4625000.00", "0.00"),
            ("4625000.00", "4162500.00", "-462500.00")
        ]
    );
    assert_eq!(full["variance"]["variance"], "-462500.00");
    let (_, project) = app
        .get_json(&format!("/api/v1/projects/{}", full["project_id"].as_str().unwrap()))
        .await;
    assert_eq!(project["stage"], "in_operation");

    // Termination: the approver of its municipality only, with a reason; then nothing changes.
    // Amendments follow one another in time, and none ends the term before itself.
    let approver = app.token("approver.bishkek@demo.kg").await;
    let today_date = (app.clock.now() + Duration::hours(6)).date_naive();
    let amend = "/api/v1/contracts/1/amendments";
    let early = json!({"reason": "delay", "description": "Перенос сроков", "agreed_on": (today_date - Duration::days(300)).to_string()});
    let (status, answer) = call(&app, "POST", amend, Some(&approver), early).await;
    assert_eq!(
        (status, fields(&answer)),
        (Status::UnprocessableEntity, vec!["agreed_on".to_string()]),
        "{answer}"
    );
    let short = json!({"reason": "other", "description": "Сокращение срока", "agreed_on": today_date.to_string(), "term_months": 1});
    let (status, answer) = call(&app, "POST", amend, Some(&approver), short).await;
    assert_eq!(
        (status, fields(&answer)),
        (Status::UnprocessableEntity, vec!["term_months".to_string()]),
        "{answer}"
    );
    let path = "/api/v1/contracts/1/terminate";
    let today = today_date.to_string();
    // Not dated before what the record already shows (the last quarter recorded).
    let backdated = json!({"reason": "Дефолт", "ended_on": (today_date - Duration::days(200)).to_string()});
    let (status, answer) = call(&app, "POST", path, Some(&approver), backdated).await;
    assert_eq!(
        (status, fields(&answer)),
        (Status::UnprocessableEntity, vec!["ended_on".to_string()]),
        "{answer}"
    );
    let body = json!({"reason": "Систематическое нарушение правил пожарной безопасности (предписания МЧС № 14, 22, 31)", "ended_on": today, "payment": "35000000.00"});
    for email in ["officer.bishkek@demo.kg", "approver.osh@demo.kg", "reviewer@demo.kg"] {
        let token = app.token(email).await;
        let (status, answer) = call(&app, "POST", path, Some(&token), body.clone()).await;
        assert_eq!(status, Status::Forbidden, "{email}: {answer}");
    }
    let (status, answer) = call(
        &app,
        "POST",
        path,
        Some(&approver),
        json!({"reason": " ", "ended_on": today}),
    )
    .await;
    assert_eq!(status, Status::UnprocessableEntity, "{answer}");
    assert_eq!(fields(&answer), vec!["reason"]);
    let (status, ended) = call(&app, "POST", path, Some(&approver), body).await;
    assert_eq!(status, Status::Ok, "{ended}");
    assert_eq!(ended["status"], "terminated");
    assert_eq!(ended["ended_on"], today);
    assert_eq!(
        ended["termination"]["payment"],
        json!({"amount": "35000000.00", "currency": "KGS"})
    );
    let (_, project) = app
        .get_json(&format!("/api/v1/projects/{}", full["project_id"].as_str().unwrap()))
        .await;
    assert_eq!(project["stage"], "terminated");
    let (status, answer) = call(
        &app,
        "POST",
        "/api/v1/contracts/1/amendments",
        Some(&approver),
        json!({"reason": "delay", "description": "—", "agreed_on": today}),
    )
    .await;
    assert_eq!(status, Status::Conflict, "{answer}");
    let (_, terminated) = app.get_json("/api/v1/contracts?status=terminated").await;
    assert_eq!(terminated["items"][0]["id"], "1");
}

#[rocket::async_test]
async fn the_contract_pages_show_the_record_and_take_the_staffs_forms() {
    let app = spawn_with_fixtures().await;
    let list = app.get("/contracts").await.into_string().await.unwrap();
    assert!(list.contains("data-contract=\"1\""), "{list}");
    assert!(list.contains("data-flagged=\"true\""));
    let anonymous = app.get("/contracts/1").await.into_string().await.unwrap();
    for expected in [
        "Концессионное соглашение: реконструкция и эксплуатация рынка «Ош базар» г. Бишкек",
        "413\u{a0}000\u{a0}000,00\u{a0}сом",
        "data-milestone=\"service_start\" data-milestone-status=\"late\"",
        "data-total-variance=\"-462500.00\"",
        "class=\"paid\"",
        "data-version=\"2\" data-flagged=\"true\"",
    ] {
        assert!(anonymous.contains(expected), "{expected} missing");
    }
    assert!(
        !anonymous.contains("/contracts/1/performance"),
        "no forms for the public"
    );

    let browser = app.browser().await;
    assert_eq!(
        sign_in_browser(&browser, "officer.bishkek@demo.kg", "demo-password").await,
        Status::SeeOther
    );
    let page = browser
        .get("/contracts/1")
        .dispatch()
        .await
        .into_string()
        .await
        .unwrap();
    assert!(page.contains("action=\"/contracts/1/performance\""));
    assert!(
        !page.contains("action=\"/contracts/1/amendments\""),
        "amendments are the approver's"
    );
    let token = csrf_token(&browser).await;
    let (status, body) = post_form(
        &browser,
        "/contracts/1/performance",
        &[("csrf_token", &token), ("period", "2026-Q9"), ("paid", "12,5")],
    )
    .await;
    assert_eq!(status, Status::UnprocessableEntity);
    assert!(body.contains("A number such as 1250000.00"), "{body}");
    let today = (app.clock.now() + Duration::hours(6)).date_naive();
    let quarter = format!(
        "{}-Q{}",
        today.format("%Y"),
        (today.format("%m").to_string().parse::<u32>().unwrap() - 1) / 3 + 1
    );
    let (status, _) = post_form(
        &browser,
        "/contracts/1/performance",
        &[
            ("csrf_token", &token),
            ("period", &quarter),
            ("paid", "4625000.00"),
            ("demand", "1290000"),
        ],
    )
    .await;
    assert_eq!(status, Status::SeeOther);
    let (_, full) = app.get_json("/api/v1/contracts/1").await;
    assert_eq!(full["performance"].as_array().unwrap().len(), 4, "{full}");
    // Without the token nothing is recorded.
    let response = browser
        .post("/contracts/1/performance")
        .header(ContentType::Form)
        .body("period=2025-Q1&paid=1.00")
        .dispatch()
        .await;
    assert_eq!(response.status(), Status::Forbidden);

    // The reviewer's desk lists the contract amended beyond the threshold.
    let reviewer = app.browser().await;
    assert_eq!(
        sign_in_browser(&reviewer, "reviewer@demo.kg", "demo-password").await,
        Status::SeeOther
    );
    let desk = reviewer.get("/review").dispatch().await.into_string().await.unwrap();
    assert!(desk.contains("data-flagged-contract=\"1\""), "{desk}");
}

#[rocket::async_test]
async fn the_officer_drafts_a_contract_through_the_form() {
    let app = spawn_with_fixtures().await;
    let (tender, _) = awarded(&app).await;
    let browser = app.browser().await;
    assert_eq!(
        sign_in_browser(&browser, "officer.osh@demo.kg", "demo-password").await,
        Status::SeeOther
    );
    let notice = browser
        .get(format!("/tenders/{tender}"))
        .dispatch()
        .await
        .into_string()
        .await
        .unwrap();
    assert!(
        notice.contains(&format!("/tenders/{tender}/contract/new")),
        "the awarded tender offers the draft"
    );
    let form = browser.get(format!("/tenders/{tender}/contract/new")).dispatch().await;
    assert_eq!(form.status(), Status::Ok);
    let token = csrf_token(&browser).await;
    let uri = format!("/tenders/{tender}/contract");
    let (status, body) = post_form(
        &browser,
        &uri,
        &[
            ("csrf_token", &token),
            ("title", ""),
            ("value", "abc"),
            ("term_months", "240"),
            ("start_date", "2027-03-01"),
            ("payment_mechanism", "availability"),
        ],
    )
    .await;
    assert_eq!(status, Status::UnprocessableEntity);
    assert!(body.contains("Give the planned service start"), "{body}");
    assert!(body.contains("A number such as 1250000.00"), "{body}");
    let fields = [
        ("csrf_token", token.as_str()),
        ("title", "Соглашение о МЧП: котельные г. Ош"),
        ("value", "420000000.00"),
        ("currency", "KGS"),
        ("term_months", "240"),
        ("start_date", "2027-03-01"),
        ("payment_mechanism", "availability"),
        ("municipality_signatory", "Мамытов У. С."),
        ("municipality_signatory_position", "Мэр"),
        ("supplier_signatory", "Абдыкадыров Н. Т."),
        ("supplier_signatory_position", "Директор"),
        ("guarantee_issuer", "РСК Банк"),
        ("guarantee_reference", "ГИ-77"),
        ("guarantee_amount", "21000000.00"),
        ("guarantee_valid_until", "2029-03-01"),
        ("planned[service_start]", "2028-01-15"),
    ];
    let (status, _) = post_form(&browser, &uri, &fields).await;
    assert_eq!(status, Status::SeeOther);
    let officer = app.token("officer.osh@demo.kg").await;
    let (_, own) = call(
        &app,
        "GET",
        "/api/v1/contracts?status=pending",
        Some(&officer),
        Value::Null,
    )
    .await;
    let id = own["items"][0]["id"].as_str().unwrap().to_string();
    let (status, drafted) = read(&app, &id, Some(&officer)).await;
    assert_eq!(status, Status::Ok);
    assert_eq!(drafted["status"], "pending");
    assert_eq!(drafted["title"], "Соглашение о МЧП: котельные г. Ош");
    assert_eq!(milestone(&drafted, "service_start")["planned_on"], "2028-01-15");
}

#[rocket::async_test]
async fn a_draft_is_cancelled_with_its_tender_and_never_becomes_public() {
    let app = spawn_with_fixtures().await;
    let (tender, _) = awarded(&app).await;
    let officer = app.token("officer.osh@demo.kg").await;
    let approver = app.token("approver.osh@demo.kg").await;
    let (status, drafted) = call(
        &app,
        "POST",
        &format!("/api/v1/tenders/{tender}/contract"),
        Some(&officer),
        request(&[]),
    )
    .await;
    assert_eq!(status, Status::Created, "{drafted}");
    let id = drafted["id"].as_str().unwrap().to_string();
    // The expiry is not the officer's to move, nor to record before service.
    let expiry = format!("/api/v1/contracts/{id}/milestones/expiry");
    let (status, _) = call(
        &app,
        "POST",
        &expiry,
        Some(&officer),
        json!({"planned_on": "2060-01-01"}),
    )
    .await;
    assert_eq!(status, Status::Conflict, "a draft is not kept yet");
    let (_, t) = app.get_json(&format!("/api/v1/tenders/{tender}")).await;
    let project = t["project_id"].as_str().unwrap().to_string();
    let meta = json!({"kind": "other", "title": "Решение мэрии об отмене конкурса", "visibility": "public"});
    let (status, document) = upload(&app, &approver, &project, meta, "cancel.pdf", PDF).await;
    assert_eq!(status, Status::Created, "{document}");
    let (status, cancelled) = call(
        &app,
        "POST",
        &format!("/api/v1/tenders/{tender}/cancel"),
        Some(&approver),
        json!({"reason": "budget_cut", "explanation": "Решение кенеша № 52", "document_id": document["document_id"]}),
    )
    .await;
    assert_eq!(status, Status::Ok, "{cancelled}");
    let (status, own) = read(&app, &id, Some(&officer)).await;
    assert_eq!((status, own["status"].clone()), (Status::Ok, json!("cancelled")));
    assert_eq!(
        read(&app, &id, None).await.0,
        Status::NotFound,
        "a cancelled draft stays private"
    );
    let (_, listed) = app.get_json("/api/v1/contracts?status=cancelled").await;
    assert_eq!(listed["items"], json!([]));
    assert_eq!(stage_of_project(&app, &project).await, "approved");
    let (status, _) = call(
        &app,
        "POST",
        &format!("/api/v1/contracts/{id}/sign"),
        Some(&approver),
        json!({"signed_on": "2026-12-01"}),
    )
    .await;
    assert_eq!(status, Status::Conflict);
}
