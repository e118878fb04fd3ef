//! Sealed bids on the manual clock: submission, replacement, confirmation after an amendment,
//! withdrawal, the deadline to the microsecond, the sealed refusals to every role, the opening
//! by the chair, a protocol whose hashes match the receipts, and each receipt's audit leaf
//! proven in a later signed checkpoint.

use chrono::{DateTime, Duration, Utc};
use rocket::http::Status;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::projects::call;
use crate::support::{TestApp, spawn_with_fixtures};
use crate::tenders::{good_terms, heating};
use crate::transparency::{hashes, hex, rfc_inclusion};

/// The tender's deadline and opening (good_terms: 30 December 2026, 12:00 and 15:00 in Bishkek).
pub(crate) fn deadline() -> DateTime<Utc> {
    "2026-12-30T06:00:00Z".parse().unwrap()
}

pub(crate) fn opening() -> DateTime<Utc> {
    "2026-12-30T09:00:00Z".parse().unwrap()
}

/// A bid within the heating tender's terms: yearly availability payments and the security.
pub(crate) fn bid(yearly: &[&str]) -> Value {
    json!({
        "offer": {"currency": "KGS", "yearly": yearly},
        "bid_security": {"issuer": "ОАО «Айыл Банк»", "reference": "БГ-2026/118",
                         "amount": {"amount": "2500000", "currency": "KGS"}},
        "declarations": {"eligible": true, "no_collusion": true, "accepts_terms": true}
    })
}

/// The heating tender, published at the tests' start; its id.
/// The chair opens tender `id`'s bids at the opening time: the protocol it answers.
pub(crate) async fn opened_by_chair(app: &TestApp, id: &str) -> Value {
    app.clock.set(opening());
    let chair = app.token("chair.osh@demo.kg").await;
    let (status, protocol) = call(
        app,
        "POST",
        &format!("/api/v1/tenders/{id}/open"),
        Some(&chair),
        Value::Null,
    )
    .await;
    assert_eq!(status, Status::Ok, "{protocol}");
    protocol
}

pub(crate) async fn published_tender(app: &TestApp) -> String {
    let officer = app.token("officer.osh@demo.kg").await;
    let approver = app.token("approver.osh@demo.kg").await;
    let project = heating(app).await;
    let uri = format!("/api/v1/projects/{project}/tenders");
    let (status, draft) = call(app, "POST", &uri, Some(&officer), good_terms()).await;
    assert_eq!(status, Status::Created, "{draft}");
    let id = draft["id"].as_str().unwrap().to_string();
    let (status, published) = call(
        app,
        "POST",
        &format!("/api/v1/tenders/{id}/publish"),
        Some(&approver),
        Value::Null,
    )
    .await;
    assert_eq!(status, Status::Ok, "{published}");
    id
}

/// JSON with sorted keys and no whitespace, written here from the README's description.
pub(crate) fn canonical(value: &Value) -> String {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let inner: Vec<String> = keys
                .iter()
                .map(|k| format!("{}:{}", Value::String((*k).clone()), canonical(&map[*k])))
                .collect();
            format!("{{{}}}", inner.join(","))
        }
        Value::Array(items) => format!("[{}]", items.iter().map(canonical).collect::<Vec<_>>().join(",")),
        scalar => scalar.to_string(),
    }
}

pub(crate) fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// What a bidder recomputes from its receipt and what it sent (amounts at two decimals).
pub(crate) fn recomputed(receipt: &Value, sent: &Value, tender_version: i64) -> String {
    let mut offer = sent["offer"].clone();
    let yearly: Vec<Value> = offer["yearly"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| json!(format!("{:.2}", a.as_str().unwrap().parse::<f64>().unwrap())))
        .collect();
    offer["yearly"] = json!(yearly);
    let mut security = sent["bid_security"].clone();
    security["amount"]["amount"] = json!("2500000.00");
    let encoding = json!({
        "format": "ppp-registry/bid/v1",
        "bid_id": receipt["bid_id"], "tender_id": receipt["tender_id"], "version": receipt["version"],
        "tender_version": tender_version, "bidding_party": receipt["bidding_party"],
        "received_at": receipt["received_at"], "salt": receipt["salt"],
        "offer": offer, "financial_model": null, "bid_security": security,
        "declarations": sent["declarations"], "documents": receipt["documents"],
    });
    sha256_hex(&canonical(&encoding))
}

async fn events_seen_by(app: &TestApp, token: &str) -> String {
    let response = app
        .client
        .get("/api/v1/audit/events?limit=200")
        .header(rocket::http::Header::new("Authorization", format!("Bearer {token}")))
        .dispatch()
        .await;
    assert_eq!(response.status(), Status::Ok);
    response.into_string().await.unwrap_or_default()
}

#[rocket::async_test]
async fn a_whole_tender_from_sealed_bids_to_its_protocol() {
    let app = spawn_with_fixtures().await;
    let id = published_tender(&app).await;
    let bids = format!("/api/v1/tenders/{id}/bids");
    let mine = format!("/api/v1/tenders/{id}/bids/mine");
    let b1 = app.token("bidder1@demo.kg").await;
    let b2 = app.token("bidder2@demo.kg").await;

    // A bid breaking the terms is refused field by field, and nothing is kept.
    let mut wrong = bid(&["0", "41500000.001"]);
    wrong["offer"]["currency"] = json!("USD");
    wrong["declarations"]["no_collusion"] = json!(false);
    wrong["bid_security"]["amount"]["amount"] = json!("100");
    let (status, refused) = call(&app, "POST", &bids, Some(&b1), wrong).await;
    assert_eq!(status, Status::UnprocessableEntity, "{refused}");
    let mut fields: Vec<&String> = refused["error"]["fields"].as_object().unwrap().keys().collect();
    fields.sort();
    assert_eq!(
        fields,
        [
            "bid_security.amount.amount",
            "declarations.no_collusion",
            "offer.currency",
            "offer.yearly.0",
            "offer.yearly.1"
        ]
    );
    assert_eq!(
        call(&app, "GET", &mine, Some(&b1), Value::Null).await.0,
        Status::NotFound
    );
    let officer = app.token("officer.osh@demo.kg").await;
    assert_eq!(
        call(&app, "POST", &bids, Some(&officer), bid(&["1"])).await.0,
        Status::Forbidden
    );

    // Two bids, each with a receipt the bidder can recompute.
    let first = bid(&["41500000", "41500000", "41500000.5"]);
    let (status, r1) = call(&app, "POST", &bids, Some(&b1), first.clone()).await;
    assert_eq!(status, Status::Created, "{r1}");
    assert_eq!(r1["kind"], "submission");
    assert_eq!(r1["version"], 1);
    assert_eq!(r1["tender_id"], json!(id));
    assert_eq!(r1["received_at"], "2026-11-28T06:00:00Z");
    assert_eq!(r1["documents"], json!([]));
    assert_eq!(r1["bidding_party"]["members"], json!([]));
    assert_eq!(r1["bid_id"].as_str().unwrap().len(), 32);
    assert_eq!(r1["sha256"], json!(recomputed(&r1, &first, 1)));
    let (status, again) = call(&app, "POST", &bids, Some(&b1), first.clone()).await;
    assert_eq!(
        (status, again["error"]["code"].clone()),
        (Status::Conflict, json!("conflict"))
    );
    app.clock.advance(Duration::hours(1));
    let (status, r2) = call(&app, "POST", &bids, Some(&b2), bid(&["39900000"])).await;
    assert_eq!(status, Status::Created, "{r2}");
    assert_ne!(r1["bid_id"], r2["bid_id"]);

    // An amendment after two bids: both need confirmation; one confirms. (Tokens live hours:
    // each move of the clock takes fresh ones.)
    app.clock.advance(Duration::days(1));
    let (b1, b2) = (app.token("bidder1@demo.kg").await, app.token("bidder2@demo.kg").await);
    let b4 = app.token("bidder4@demo.kg").await;
    let officer = app.token("officer.osh@demo.kg").await;
    let approver = app.token("approver.osh@demo.kg").await;
    let (status, amended) = call(
        &app,
        "POST",
        &format!("/api/v1/tenders/{id}/amendments"),
        Some(&approver),
        json!({"reason": "Уточнены требования", "changes": {"qualification_requirements": ["Опыт не менее 3 лет"]}}),
    )
    .await;
    assert_eq!(status, Status::Ok, "{amended}");
    for token in [&b1, &b2] {
        let (_, own) = call(&app, "GET", &mine, Some(token), Value::Null).await;
        assert_eq!(own["status"], "needs_confirmation", "{own}");
    }
    let (status, c1) = call(&app, "POST", &format!("{mine}/confirm"), Some(&b1), Value::Null).await;
    assert_eq!(
        (status, c1["kind"].clone(), c1["version"].clone()),
        (Status::Ok, json!("confirmation"), json!(2))
    );
    let (_, own1) = call(&app, "GET", &mine, Some(&b1), Value::Null).await;
    assert_eq!(
        (own1["status"].clone(), own1["tender_version"].clone()),
        (json!("submitted"), json!(2))
    );
    assert_eq!(own1["receipt"], c1, "the latest receipt, its audit leaf included");
    assert_eq!(own1["content_sha256"], r1["sha256"]);
    let (status, _) = call(&app, "POST", &format!("{mine}/confirm"), Some(&b1), Value::Null).await;
    assert_eq!(status, Status::Conflict, "nothing left to confirm");

    // A replacement (same bid, new receipt) and a withdrawal.
    let replacement = bid(&["41234567.89", "41234567.89", "41234567.89"]);
    let (status, r1b) = call(&app, "PUT", &mine, Some(&b1), replacement.clone()).await;
    assert_eq!(status, Status::Ok, "{r1b}");
    assert_eq!(
        (r1b["bid_id"].clone(), r1b["kind"].clone()),
        (r1["bid_id"].clone(), json!("replacement"))
    );
    assert_eq!(r1b["sha256"], json!(recomputed(&r1b, &replacement, 2)));
    let (status, w2) = call(&app, "DELETE", &mine, Some(&b2), Value::Null).await;
    assert_eq!((status, w2["kind"].clone()), (Status::Ok, json!("withdrawal")));
    let (status, _) = call(&app, "PUT", &mine, Some(&b2), bid(&["1"])).await;
    assert_eq!(status, Status::Conflict, "a withdrawn bid is not replaced");
    let (status, r4) = call(&app, "POST", &bids, Some(&b4), bid(&["43000000", "43000000"])).await;
    assert_eq!(status, Status::Created, "{r4}");

    // Sealed: nobody reads the bids or the protocol before the opening, whoever asks.
    let staff = [
        "officer.osh@demo.kg",
        "approver.osh@demo.kg",
        "chair.osh@demo.kg",
        "reviewer@demo.kg",
        "admin@demo.kg",
    ];
    let mut tokens = vec![None, Some(b2.clone())];
    for email in staff {
        tokens.push(Some(app.token(email).await));
    }
    for token in &tokens {
        for uri in [bids.clone(), format!("/api/v1/tenders/{id}/protocol")] {
            let (status, body) = call(&app, "GET", &uri, token.as_deref(), Value::Null).await;
            assert_eq!(
                (status, body["error"]["code"].clone()),
                (Status::Conflict, json!("sealed")),
                "{uri}"
            );
        }
    }
    let bid_uri = format!("/api/v1/bids/{}", r1["bid_id"].as_str().unwrap());
    let reviewer = tokens[5].clone().unwrap();
    let (status, body) = call(&app, "GET", &bid_uri, Some(&reviewer), Value::Null).await;
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (Status::Conflict, json!("sealed"))
    );
    // The municipality's log shows no bid and no bidder; the reviewers' shows every one.
    let officer_log = events_seen_by(&app, &officer).await;
    for secret in [
        r1["bid_id"].as_str().unwrap(),
        r4["bid_id"].as_str().unwrap(),
        "bid.submitted",
        "41234567",
    ] {
        assert!(!officer_log.contains(secret), "{secret} in the officer's log");
    }
    assert!(officer_log.contains("tender.sealed_read_refused"));
    let reviewer_log = events_seen_by(&app, &reviewer).await;
    assert!(reviewer_log.contains(r1["bid_id"].as_str().unwrap()));
    assert!(!reviewer_log.contains("41234567"), "no event carries a figure");
    // Refusals are recorded once per burst per caller: seven callers, sixteen refusals.
    let refusals = call(
        &app,
        "GET",
        "/api/v1/audit/events?action=tender.sealed_read_refused",
        Some(&reviewer),
        Value::Null,
    )
    .await
    .1;
    assert_eq!(refusals["items"].as_array().unwrap().len(), 7, "{refusals}");

    // The database alone reveals no figure (on SQLite: its files' bytes, the log included).
    if let Some(path) = app.url.strip_prefix("sqlite://") {
        let path = path.split('?').next().unwrap();
        let mut bytes = std::fs::read(path).unwrap();
        bytes.extend(std::fs::read(format!("{path}-wal")).unwrap_or_default());
        let holds = |text: &str| bytes.windows(text.len()).any(|w| w == text.as_bytes());
        assert!(holds("bid.submitted"), "the files read are the ones written");
        for figure in ["41234567", "43000000", "39900000", "БГ-2026/118"] {
            assert!(!holds(figure), "{figure} in the database files");
        }
        // Nor a salt, which beside its hash would let candidate prices be tested offline.
        for receipt in [&r1, &r1b, &r4] {
            assert!(
                !holds(receipt["salt"].as_str().unwrap()),
                "a salt in the database files"
            );
        }
    }

    // The deadline to the microsecond: just before is accepted, at or after refused and recorded.
    app.clock.set(deadline() - Duration::microseconds(1));
    let (b3, b4, reviewer) = (
        app.token("bidder3@demo.kg").await,
        app.token("bidder4@demo.kg").await,
        app.token("reviewer@demo.kg").await,
    );
    let (status, r3) = call(&app, "POST", &bids, Some(&b3), bid(&["45000000"])).await;
    assert_eq!(status, Status::Created, "{r3}");
    assert_eq!(r3["received_at"], "2026-12-30T05:59:59.999999Z");
    let (status, _) = call(&app, "DELETE", &mine, Some(&b3), Value::Null).await;
    assert_eq!(status, Status::Ok, "withdrawn in the same microsecond");
    app.clock.set(deadline() + Duration::microseconds(1));
    let (status, late) = call(&app, "PUT", &mine, Some(&b4), bid(&["1000"])).await;
    assert_eq!(
        (status, late["error"]["code"].clone()),
        (Status::Conflict, json!("deadline_passed"))
    );
    let (status, _) = call(&app, "POST", &bids, Some(&b3), bid(&["1000"])).await;
    assert_eq!(status, Status::Conflict);
    assert!(events_seen_by(&app, &reviewer).await.contains("bid.late_attempt"));

    // The opening: sealed before its time, the chair's (or deputy's) alone.
    let open = format!("/api/v1/tenders/{id}/open");
    let chair = app.token("chair.osh@demo.kg").await;
    let (status, body) = call(&app, "POST", &open, Some(&chair), Value::Null).await;
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (Status::Conflict, json!("sealed"))
    );
    app.clock.set(opening());
    for email in ["member.osh@demo.kg", "chair.bishkek@demo.kg"] {
        let token = app.token(email).await;
        assert_eq!(
            call(&app, "POST", &open, Some(&token), Value::Null).await.0,
            Status::Forbidden,
            "{email}"
        );
    }
    let (status, protocol) = call(&app, "POST", &open, Some(&chair), Value::Null).await;
    assert_eq!(status, Status::Ok, "{protocol}");
    assert_eq!(protocol["opened_at"], "2026-12-30T09:00:00Z");
    let entries = protocol["bids"].as_array().unwrap();
    assert_eq!(entries.len(), 4, "{protocol}");
    let entry = |receipt: &Value| {
        entries
            .iter()
            .find(|e| e["bid_id"] == receipt["bid_id"])
            .cloned()
            .unwrap()
    };
    let e1 = entry(&r1);
    assert_eq!(
        (
            e1["status"].clone(),
            e1["sha256"].clone(),
            e1["hash_matches"].clone(),
            e1["confirmation"].clone()
        ),
        (json!("opened"), r1b["sha256"].clone(), json!(true), json!("confirmed"))
    );
    assert_eq!(
        e1["offer"]["yearly"],
        json!(["41234567.89", "41234567.89", "41234567.89"])
    );
    assert_eq!(e1["bid_security_provided"], json!(true));
    let e2 = entry(&r2);
    assert_eq!(
        (e2["status"].clone(), e2["offer"].clone()),
        (json!("withdrawn"), Value::Null)
    );
    let e4 = entry(&r4);
    assert_eq!(
        (e4["sha256"].clone(), e4["hash_matches"].clone()),
        (r4["sha256"].clone(), json!(true))
    );
    assert_eq!(e4["confirmation"], "confirmed", "submitted after the amendment");
    assert_eq!(
        call(&app, "POST", &open, Some(&chair), Value::Null).await.0,
        Status::Conflict,
        "once"
    );

    // Public now, and the tender is in evaluation.
    let (status, public) = app.get_json(&format!("/api/v1/tenders/{id}/protocol")).await;
    assert_eq!((status, public["bids"].as_array().unwrap().len()), (Status::Ok, 4));
    assert_eq!(
        app.get_json(&format!("/api/v1/tenders/{id}")).await.1["status"],
        "evaluation"
    );
    let (status, listed) = app.get_json(&bids).await;
    assert_eq!((status, listed["items"].as_array().unwrap().len()), (Status::Ok, 4));

    // Contents: the approver reads (and is recorded), another bidder may not.
    let (approver, b4, reviewer) = (
        app.token("approver.osh@demo.kg").await,
        app.token("bidder4@demo.kg").await,
        app.token("reviewer@demo.kg").await,
    );
    let (status, content) = call(&app, "GET", &bid_uri, Some(&approver), Value::Null).await;
    assert_eq!(status, Status::Ok, "{content}");
    assert_eq!(content["content"]["offer"]["yearly"][0], "41234567.89");
    assert_eq!(
        call(&app, "GET", &bid_uri, Some(&b4), Value::Null).await.0,
        Status::Forbidden
    );
    assert!(events_seen_by(&app, &reviewer).await.contains("bid.read"));
    // The bid events are the municipality's to read once opened... but only its own scope's.
    assert!(events_seen_by(&app, &reviewer).await.contains("bid.opened"));

    // Each receipt's audit leaf is included in a later signed checkpoint.
    let checkpoint = app.publish_checkpoint().await.expect("the log has grown");
    let size = checkpoint.head.size;
    for receipt in [&r1, &r2, &c1, &r1b, &w2, &r4, &r3] {
        let index = receipt["audit"]["leaf_index"].as_u64().unwrap();
        let (status, proof) = app
            .get_json(&format!("/api/v1/audit/proof/inclusion?index={index}&size={size}"))
            .await;
        assert_eq!(status, Status::Ok, "{proof}");
        assert_eq!(proof["leaf_hash"], receipt["audit"]["leaf_hash"]);
        let root = hex(&proof["root_hash"]);
        assert_eq!(root, checkpoint.head.root);
        let path = hashes(&proof["inclusion_path"]);
        assert!(rfc_inclusion(
            &hex(&receipt["audit"]["leaf_hash"]),
            index,
            size,
            &path,
            &root
        ));
    }
}

#[rocket::async_test]
async fn a_tender_without_bids_ends_unsuccessful_and_frees_its_project() {
    let app = spawn_with_fixtures().await;
    let id = published_tender(&app).await;
    app.clock.set(opening());
    let chair = app.token("deputy.osh@demo.kg").await;
    let (status, protocol) = call(
        &app,
        "POST",
        &format!("/api/v1/tenders/{id}/open"),
        Some(&chair),
        Value::Null,
    )
    .await;
    assert_eq!(status, Status::Ok, "the deputy chair opens too: {protocol}");
    assert_eq!(protocol["bids"], json!([]));
    let (_, tender) = app.get_json(&format!("/api/v1/tenders/{id}")).await;
    assert_eq!(tender["status"], "unsuccessful");
    let (_, project) = app
        .get_json(&format!("/api/v1/projects/{}", tender["project_id"].as_str().unwrap()))
        .await;
    assert_eq!(project["stage"], "approved");
    let (_, unsuccessful) = app.get_json("/api/v1/tenders?status=unsuccessful").await;
    assert_eq!(unsuccessful["items"].as_array().unwrap().len(), 1);
    // A new tender may be prepared for the project.
    let officer = app.token("officer.osh@demo.kg").await;
    let mut terms = good_terms();
    terms["timeline"] =
        json!({"enquiry_end": "2027-01-20T12:00", "deadline": "2027-02-01T12:00", "opening": "2027-02-01T15:00"});
    let uri = format!("/api/v1/projects/{}/tenders", tender["project_id"].as_str().unwrap());
    let (status, body) = call(&app, "POST", &uri, Some(&officer), terms).await;
    assert_eq!(status, Status::Created, "{body}");
}

#[rocket::async_test]
async fn a_bid_on_changed_terms_is_replaced_not_confirmed_and_the_opening_rechecks_it() {
    let app = spawn_with_fixtures().await;
    let id = published_tender(&app).await;
    let bids = format!("/api/v1/tenders/{id}/bids");
    let mine = format!("/api/v1/tenders/{id}/bids/mine");
    let (b1, b2) = (app.token("bidder1@demo.kg").await, app.token("bidder2@demo.kg").await);
    assert_eq!(
        call(&app, "POST", &bids, Some(&b1), bid(&["40000000"])).await.0,
        Status::Created
    );
    assert_eq!(
        call(&app, "POST", &bids, Some(&b2), bid(&["39000000"])).await.0,
        Status::Created
    );
    // The amendment raises the bid security: a confirmation would keep a bid below it.
    let approver = app.token("approver.osh@demo.kg").await;
    let (status, amended) = call(
        &app,
        "POST",
        &format!("/api/v1/tenders/{id}/amendments"),
        Some(&approver),
        json!({"reason": "Увеличено обеспечение", "changes": {"bid_security": {"amount": "3000000.00", "currency": "KGS"}}}),
    )
    .await;
    assert_eq!(status, Status::Ok, "{amended}");
    let (status, refused) = call(&app, "POST", &format!("{mine}/confirm"), Some(&b1), Value::Null).await;
    assert_eq!(status, Status::Conflict, "{refused}");
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("replace the bid"),
        "{refused}"
    );
    let mut raised = bid(&["40000000"]);
    raised["bid_security"]["amount"]["amount"] = json!("3000000");
    let (status, replaced) = call(&app, "PUT", &mine, Some(&b1), raised).await;
    assert_eq!(status, Status::Ok, "{replaced}");
    // Bidder 2 never replaces: at the opening its bid shows what it breaks.
    let protocol = opened_by_chair(&app, &id).await;
    let by_party = |name_of: &str| -> Value {
        protocol["bids"]
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["bid_id"] == json!(name_of))
            .cloned()
            .unwrap()
    };
    let first = by_party(replaced["bid_id"].as_str().unwrap());
    assert_eq!(
        (first["confirmation"].clone(), first["terms_violations"].clone()),
        (json!("confirmed"), json!([]))
    );
    let other = protocol["bids"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["bid_id"] != replaced["bid_id"])
        .cloned()
        .unwrap();
    assert_eq!(other["confirmation"], "needs_confirmation");
    assert_eq!(
        other["terms_violations"],
        json!(["bid_security.amount.amount: below_required"])
    );
}

pub(crate) async fn page_of(browser: &rocket::local::asynchronous::Client, uri: &str) -> String {
    let response = browser
        .get(uri.to_string())
        .header(rocket::http::Header::new("Accept-Language", "en"))
        .dispatch()
        .await;
    assert_eq!(response.status(), Status::Ok, "{uri}");
    response.into_string().await.unwrap_or_default()
}

#[rocket::async_test]
async fn a_bidder_bids_and_the_chair_opens_through_the_tender_page() {
    use crate::tenders::{post_form, signed_in};
    let app = spawn_with_fixtures().await;
    let id = published_tender(&app).await;
    let notice = format!("/tenders/{id}");
    let (bidder, csrf) = signed_in(&app, "bidder1@demo.kg").await;
    let page = page_of(&bidder, &notice).await;
    assert!(
        page.contains("Submit a sealed bid") && page.contains("name=\"yearly\""),
        "{page}"
    );

    // Declarations left out and a bad amount: each named, nothing kept.
    let (status, refused) = post_form(
        &bidder,
        &format!("/tenders/{id}/bids"),
        &[("csrf_token", &csrf), ("mode", "submit"), ("yearly", "41500000\n0")],
    )
    .await;
    assert_eq!(status, Status::UnprocessableEntity);
    for field in ["offer.yearly.1", "declarations.eligible", "bid_security"] {
        assert!(refused.contains(field), "{field} not named: {refused}");
    }
    let fields = [
        ("csrf_token", csrf.as_str()),
        ("mode", "submit"),
        ("yearly", "41500000\n41500000"),
        ("security_issuer", "ОАО «Айыл Банк»"),
        ("security_reference", "БГ-7"),
        ("security_amount", "2500000"),
        ("eligible", "true"),
        ("no_collusion", "true"),
        ("accepts_terms", "true"),
    ];
    let (status, _) = post_form(&bidder, &format!("/tenders/{id}/bids"), &fields).await;
    assert_eq!(status, Status::SeeOther);
    let page = page_of(&bidder, &notice).await;
    assert!(
        page.contains("The bid is sealed and received") && page.contains("Submitted, sealed"),
        "{page}"
    );
    assert!(page.contains("Replace the bid") && page.contains("Withdraw the bid"));
    let own = call(
        &app,
        "GET",
        &format!("/api/v1/tenders/{id}/bids/mine"),
        Some(&app.token("bidder1@demo.kg").await),
        Value::Null,
    )
    .await
    .1;
    let receipt = page_of(&bidder, &format!("/tenders/{id}/bids/mine/receipt")).await;
    for shown in [
        own["receipt"]["sha256"].as_str().unwrap(),
        own["receipt"]["salt"].as_str().unwrap(),
        own["bid_id"].as_str().unwrap(),
    ] {
        assert!(receipt.contains(shown), "{shown} not on the receipt");
    }
    // Another bidder sees no trace of it; the officer neither.
    let (other, _) = signed_in(&app, "bidder2@demo.kg").await;
    let other_page = page_of(&other, &notice).await;
    assert!(!other_page.contains("Your bid") && !other_page.contains(own["bid_id"].as_str().unwrap()));

    // At the opening time the chair opens from the page; the bidder finds its hash in the protocol.
    app.clock.set(opening());
    let (chair, chair_csrf) = signed_in(&app, "chair.osh@demo.kg").await;
    assert!(page_of(&chair, &notice).await.contains("Open the bids"));
    let (status, _) = post_form(&chair, &format!("/tenders/{id}/open"), &[("csrf_token", &chair_csrf)]).await;
    assert_eq!(status, Status::SeeOther);
    let public = page_of(&app.browser().await, &notice).await;
    assert!(
        public.contains("Opening protocol") && public.contains("KGS\u{a0}41,500,000.00 · KGS\u{a0}41,500,000.00"),
        "{public}"
    );
    let (bidder, _) = signed_in(&app, "bidder1@demo.kg").await;
    assert!(
        page_of(&bidder, &notice)
            .await
            .contains("Your receipt hash is in the protocol.")
    );
}

/// A demo account's identity, as the routes resolve it.
async fn identity(app: &TestApp, email: &str) -> ppp_registry::domain::access::Identity {
    let account = ppp_registry::storage::users::find_for_sign_in(&app.db, email)
        .await
        .unwrap()
        .unwrap()
        .0;
    ppp_registry::storage::users::active_identity(&app.db, account.id)
        .await
        .unwrap()
        .unwrap()
}

/// A published tender and the keyring the app seals with, for calling the bid services directly.
async fn service_tender(app: &TestApp) -> (i64, Option<std::sync::Arc<ppp_registry::domain::sealing::Keyring>>) {
    let id = published_tender(app).await.parse().unwrap();
    let keyring = ppp_registry::config::Config::for_tests(&app.url, &app.upload_dir)
        .app
        .keyring;
    (id, keyring)
}

#[rocket::async_test]
async fn concurrent_replacements_straddling_the_deadline_are_each_judged_by_their_time_of_receipt() {
    use ppp_registry::clock::Clock;
    use ppp_registry::domain::bid::BidSubmission;
    use ppp_registry::services::ServiceError;
    use ppp_registry::services::bids::{Documents, Intent, act};
    use rocket::futures::future::join_all;

    let app = spawn_with_fixtures().await;
    let (id, keyring) = service_tender(&app).await;
    let emails = [
        "bidder1@demo.kg",
        "bidder2@demo.kg",
        "bidder3@demo.kg",
        "bidder4@demo.kg",
    ];
    let mut bidders = Vec::new();
    for email in emails {
        bidders.push(identity(&app, email).await);
    }
    let ctx = ppp_registry::domain::audit::AuditContext::system();
    let offer: BidSubmission = serde_json::from_value(bid(&["40000000"])).unwrap();
    for who in &bidders {
        let at = app.clock.now();
        act(
            &app.db,
            &*app.clock,
            &ctx,
            who,
            keyring.as_deref(),
            id,
            at,
            Intent::Submit(&offer, Documents::Kept),
        )
        .await
        .unwrap();
    }
    // 32 replacements at once, received from 16 µs before the deadline to 15 µs after it, all
    // committed with the server's clock already past the deadline.
    app.clock.set(deadline() + Duration::seconds(1));
    let times: Vec<DateTime<Utc>> = (0..32).map(|i| deadline() + Duration::microseconds(i - 16)).collect();
    let outcomes = join_all(times.iter().enumerate().map(|(i, at)| {
        let who = &bidders[i % 4];
        let (db, clock, keys, ctx, offer) = (&app.db, &*app.clock, keyring.as_deref(), &ctx, &offer);
        async move {
            act(
                db,
                clock,
                ctx,
                who,
                keys,
                id,
                *at,
                Intent::Replace(offer, Documents::Kept),
            )
            .await
        }
    }))
    .await;
    let mut accepted = 0;
    for (at, outcome) in times.iter().zip(&outcomes) {
        match outcome {
            Ok(receipt) => {
                assert!(*at < deadline(), "accepted at {at}");
                assert_eq!(receipt.received_at, *at, "the time of receipt is the request's");
                accepted += 1;
            }
            Err(ServiceError::DeadlinePassed) => assert!(*at >= deadline(), "refused at {at}"),
            Err(other) => panic!("{at}: {other}"),
        }
    }
    assert_eq!(accepted, 16);
    // None lost: every accepted replacement is a version of its bid with its receipt.
    for who in &bidders {
        let own = ppp_registry::services::bids::mine(&app.db, who, keyring.as_deref(), id, app.clock.now())
            .await
            .unwrap();
        assert_eq!(own.version, 1 + 4, "{}", who.email);
        assert!(own.received_at < deadline());
    }
    let late = crate::audit::all_events(&app.db)
        .await
        .iter()
        .filter(|e| e.action == "bid.late_attempt")
        .count();
    assert_eq!(late, 16, "each refusal recorded");
}

#[rocket::async_test]
async fn a_bid_whose_documents_were_not_sealed_is_refused_never_taken_without_them() {
    use ppp_registry::clock::Clock;
    use ppp_registry::domain::bid::BidSubmission;
    use ppp_registry::services::ServiceError;
    use ppp_registry::services::bids::{Documents, Intent, act};

    let app = spawn_with_fixtures().await;
    let (id, keyring) = service_tender(&app).await;
    let who = identity(&app, "bidder1@demo.kg").await;
    let ctx = ppp_registry::domain::audit::AuditContext::system();
    let offer: BidSubmission = serde_json::from_value(bid(&["40000000"])).unwrap();
    let events_before = crate::audit::all_events(&app.db).await.len();
    let send = async |at: DateTime<Utc>, intent: Intent<'_>| {
        act(&app.db, &*app.clock, &ctx, &who, keyring.as_deref(), id, at, intent).await
    };
    // Files sent with a bid that was not sendable when they arrived (so they were not sealed),
    // and that would be taken now: refused, for submissions and replacements alike.
    for intent in [
        Intent::Submit(&offer, Documents::NotSealed),
        Intent::Replace(&offer, Documents::NotSealed),
    ] {
        let refused = send(app.clock.now(), intent).await;
        let expected = if matches!(intent, Intent::Submit(..)) {
            "error-bid-resend"
        } else {
            "bid"
        };
        match refused {
            Err(ServiceError::Conflict(key)) => assert_eq!(key, expected),
            Err(ServiceError::NotFound(what)) => assert_eq!(what, expected),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(
        crate::audit::all_events(&app.db).await.len(),
        events_before,
        "nothing recorded"
    );
    let b1 = app.token("bidder1@demo.kg").await;
    let (status, _) = call(
        &app,
        "GET",
        &format!("/api/v1/tenders/{id}/bids/mine"),
        Some(&b1),
        json!(null),
    )
    .await;
    assert_eq!(status, Status::NotFound, "no bid taken");
    // Once there is a bid, a replacement with unsealed files is refused the same way.
    let taken = send(app.clock.now(), Intent::Submit(&offer, Documents::Kept)).await;
    assert_eq!(taken.unwrap().version, 1);
    let refused = send(app.clock.now(), Intent::Replace(&offer, Documents::NotSealed)).await;
    assert!(
        matches!(refused, Err(ServiceError::Conflict("error-bid-resend"))),
        "{refused:?}"
    );
    // At the deadline it is the deadline that refuses it, recorded as a late attempt.
    let late = send(deadline(), Intent::Replace(&offer, Documents::NotSealed)).await;
    assert!(matches!(late, Err(ServiceError::DeadlinePassed)), "{late:?}");
    let attempts = crate::audit::all_events(&app.db)
        .await
        .into_iter()
        .filter(|e| e.action == "bid.late_attempt")
        .count();
    assert_eq!(attempts, 1);
    let (_, own) = call(
        &app,
        "GET",
        &format!("/api/v1/tenders/{id}/bids/mine"),
        Some(&b1),
        json!(null),
    )
    .await;
    assert_eq!(own["version"], 1);
}

#[rocket::async_test]
async fn a_consortium_joins_by_its_members_confirmation_and_no_lead_can_lock_a_rival_out() {
    let app = spawn_with_fixtures().await;
    let id = published_tender(&app).await;
    let bids = format!("/api/v1/tenders/{id}/bids");
    let energy = identity(&app, "bidder4@demo.kg").await.organization_id.0.to_string();
    let (b1, b2, b4) = (
        app.token("bidder1@demo.kg").await,
        app.token("bidder2@demo.kg").await,
        app.token("bidder4@demo.kg").await,
    );
    // An unknown member company, shares not summing to 100: each named.
    let mut led = bid(&["40000000"]);
    led["consortium"] = json!({"lead_role": "оператор", "lead_share": "60",
        "members": [{"company_id": "999999", "role": "инвестор", "share": "30"}]});
    let (status, refused) = call(&app, "POST", &bids, Some(&b1), led.clone()).await;
    assert_eq!(status, Status::UnprocessableEntity);
    let mut fields: Vec<&String> = refused["error"]["fields"].as_object().unwrap().keys().collect();
    fields.sort();
    assert_eq!(fields, ["consortium", "consortium.members.0.company_id"]);
    // Bidder 1's company leads with Ala-Too Energy at 40 %.
    led["consortium"]["members"] = json!([{"company_id": energy, "role": "инвестор", "share": "40"}]);
    let (status, r1) = call(&app, "POST", &bids, Some(&b1), led.clone()).await;
    assert_eq!(status, Status::Created, "{r1}");
    let members: Vec<(String, String)> = r1["bidding_party"]["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["role"].as_str().unwrap().to_string(),
                m["share"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        members,
        [
            ("оператор".to_string(), "60.00".to_string()),
            ("инвестор".to_string(), "40.00".to_string())
        ]
    );
    assert_eq!(
        r1["bidding_party"]["members"][1]["name"], "",
        "the lead does not learn a company's name"
    );
    // A rival names the same company: accepted (the lead learns nothing, locks nobody out).
    let mut rival = bid(&["39000000"]);
    rival["consortium"] = json!({"lead_role": "оператор", "lead_share": "70",
        "members": [{"company_id": energy, "role": "подрядчик", "share": "30"}]});
    let (status, r2) = call(&app, "POST", &bids, Some(&b2), rival).await;
    assert_eq!(status, Status::Created, "{r2}");
    // The member sees both invitations and confirms one; the other is then refused to it alone.
    let (_, invitations) = call(&app, "GET", "/api/v1/bids/invitations", Some(&b4), Value::Null).await;
    let on_this_tender = invitations["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["tender_id"] == json!(id))
        .count();
    assert_eq!(on_this_tender, 2, "{invitations}");
    let join = |bid: &Value| format!("/api/v1/bids/{}/membership", bid["bid_id"].as_str().unwrap());
    let (status, joined) = call(&app, "POST", &join(&r1), Some(&b4), Value::Null).await;
    assert_eq!(
        (status, joined["confirmed"].clone()),
        (Status::Ok, json!(true)),
        "{joined}"
    );
    let (status, refused) = call(&app, "POST", &join(&r2), Some(&b4), Value::Null).await;
    assert_eq!(status, Status::Conflict, "{refused}");
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("already in another bid")
    );
    let (status, _) = call(&app, "POST", &join(&r1), Some(&b2), Value::Null).await;
    assert_eq!(status, Status::NotFound, "not invited: as if no such bid");
    // The lead replaces its bid naming the member as before: the member stays confirmed, with who
    // confirmed it and when.
    let membership = || async {
        let row: (String, Option<String>, Option<i64>) = ppp_registry::on_pool!(app.db, pool => {
            sqlx::query_as(
                "SELECT status, CAST(confirmed_at AS TEXT), confirmed_by FROM bid_members \
                 WHERE bid_id = $1 AND company_id = $2",
            )
            .bind(r1["bid_id"].as_str().unwrap())
            .bind(energy.parse::<i64>().unwrap())
            .fetch_one(pool)
            .await
            .unwrap()
        });
        row
    };
    let confirmed = membership().await;
    assert_eq!(confirmed.0, "confirmed");
    assert!(confirmed.1.is_some() && confirmed.2.is_some(), "{confirmed:?}");
    let mine = format!("/api/v1/tenders/{id}/bids/mine");
    let (status, replaced) = call(&app, "PUT", &mine, Some(&b1), led.clone()).await;
    assert_eq!(status, Status::Ok, "{replaced}");
    assert_eq!(membership().await, confirmed);
    let (status, own) = call(&app, "POST", &bids, Some(&b4), bid(&["38000000"])).await;
    assert_eq!(
        (status, own["error"]["code"].clone()),
        (Status::Conflict, json!("conflict")),
        "a member bids no more alone"
    );
    // At the opening the protocol says who joined and who never did.
    let protocol = opened_by_chair(&app, &id).await;
    let entry = |r: &Value| {
        protocol["bids"]
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["bid_id"] == r["bid_id"])
            .cloned()
            .unwrap()
    };
    assert_eq!(entry(&r1)["unconfirmed_members"], json!([]));
    assert_eq!(entry(&r2)["unconfirmed_members"], json!([energy]));
    assert_eq!(entry(&r1)["bidding_party"]["members"][1]["id"], json!(energy));
    assert_ne!(
        entry(&r1)["bidding_party"]["members"][1]["name"],
        "",
        "a confirmed member is named"
    );
    assert_eq!(
        entry(&r2)["bidding_party"]["members"].as_array().unwrap().len(),
        1,
        "the lead alone"
    );
}

#[rocket::async_test]
async fn a_withdrawal_ends_the_members_confirmations_so_no_lead_can_lock_one_in_again() {
    let app = spawn_with_fixtures().await;
    let id = published_tender(&app).await;
    let bids = format!("/api/v1/tenders/{id}/bids");
    let mine = format!("/api/v1/tenders/{id}/bids/mine");
    let energy = identity(&app, "bidder4@demo.kg").await.organization_id.0.to_string();
    let (b1, b4) = (app.token("bidder1@demo.kg").await, app.token("bidder4@demo.kg").await);
    let mut led = bid(&["40000000"]);
    led["consortium"] = json!({"lead_role": "оператор", "lead_share": "60",
        "members": [{"company_id": energy, "role": "инвестор", "share": "40"}]});
    let (_, r1) = call(&app, "POST", &bids, Some(&b1), led.clone()).await;
    let join = format!("/api/v1/bids/{}/membership", r1["bid_id"].as_str().unwrap());
    assert_eq!(call(&app, "POST", &join, Some(&b4), Value::Null).await.0, Status::Ok);
    // The lead withdraws; the member is free and bids alone.
    assert_eq!(call(&app, "DELETE", &mine, Some(&b1), Value::Null).await.0, Status::Ok);
    assert_eq!(
        call(&app, "POST", &bids, Some(&b4), bid(&["38000000"])).await.0,
        Status::Created
    );
    // The lead bids again naming it as before: it is invited, not confirmed, and the member's
    // own bid stands and may still be replaced.
    assert_eq!(call(&app, "POST", &bids, Some(&b1), led).await.0, Status::Created);
    assert_eq!(
        call(&app, "PUT", &mine, Some(&b4), bid(&["37500000"])).await.0,
        Status::Ok
    );
    let (_, invitations) = call(&app, "GET", "/api/v1/bids/invitations", Some(&b4), Value::Null).await;
    let here: Vec<&Value> = invitations["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["tender_id"] == json!(id))
        .collect();
    assert_eq!((here.len(), here[0]["confirmed"].clone()), (1, json!(false)));
    let (status, _) = call(&app, "POST", &join, Some(&b4), Value::Null).await;
    assert_eq!(status, Status::Conflict, "its own bid stands: it cannot join too");
}

#[rocket::async_test]
async fn a_bidder_s_dashboard_lists_open_tenders_its_bids_to_confirm_its_invitations_and_a_cancellation() {
    use crate::documents::upload;
    use crate::tenders::signed_in;
    let app = spawn_with_fixtures().await;
    let id = published_tender(&app).await;
    let b1 = app.token("bidder1@demo.kg").await;
    let (status, receipt) = call(
        &app,
        "POST",
        &format!("/api/v1/tenders/{id}/bids"),
        Some(&b1),
        bid(&["41000000"]),
    )
    .await;
    assert_eq!(status, Status::Created, "{receipt}");

    // The company's bids, newest tender first (the heating one, the fixtures' Osh e-ticketing
    // consortium bid, its Osh Bazaar bid awarded and under contract), and the tenders taking bids.
    let (status, dashboard) = call(&app, "GET", "/api/v1/bids/mine", Some(&b1), Value::Null).await;
    assert_eq!(status, Status::Ok, "{dashboard}");
    let bids = dashboard["bids"].as_array().unwrap();
    assert_eq!(bids.len(), 3, "{dashboard}");
    assert_eq!(bids[0]["bid_id"], receipt["bid_id"]);
    assert_eq!(bids[0]["receipt"]["sha256"], receipt["sha256"]);
    assert_eq!(bids[0]["tender_status"], "active_enquiries");
    assert_eq!(
        (bids[2]["status"].as_str(), bids[2]["tender_status"].as_str()),
        (Some("awarded"), Some("complete"))
    );
    assert_eq!(
        bids[1]["receipt"]["bidding_party"]["members"].as_array().unwrap().len(),
        2
    );
    let open: Vec<&str> = dashboard["open_tenders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert!(
        open.contains(&id.as_str()) && open.contains(&bids[1]["tender_id"].as_str().unwrap()),
        "{open:?}"
    );
    // Its one invitation: a member of Ala-Too Energy's consortium on Osh's boiler houses.
    let invitations = dashboard["invitations"].as_array().unwrap();
    assert_eq!(invitations.len(), 1, "{dashboard}");
    assert_eq!(invitations[0]["lead"]["name"], "ОсОО «Ала-Тоо Энерджи Сервис»");
    assert_eq!(invitations[0]["confirmed"], true);
    // The consortium's member sees its invitation, confirmed; an officer has no dashboard.
    let b4 = app.token("bidder4@demo.kg").await;
    let (_, member) = call(&app, "GET", "/api/v1/bids/mine", Some(&b4), Value::Null).await;
    assert_eq!(member["invitations"][0]["bid_id"], bids[1]["bid_id"]);
    assert_eq!(member["invitations"][0]["confirmed"], true);
    // (its own bids are its company's: the Osh Bazaar one; the consortium's is the lead's)
    assert!(
        member["bids"]
            .as_array()
            .unwrap()
            .iter()
            .all(|b| b["tender_id"] != bids[1]["tender_id"]),
        "{member}"
    );
    let officer = app.token("officer.osh@demo.kg").await;
    assert_eq!(
        call(&app, "GET", "/api/v1/bids/mine", Some(&officer), Value::Null)
            .await
            .0,
        Status::Forbidden
    );

    // An amendment: the bid is listed first on the page as one to confirm.
    let approver = app.token("approver.osh@demo.kg").await;
    let (status, amended) = call(
        &app,
        "POST",
        &format!("/api/v1/tenders/{id}/amendments"),
        Some(&approver),
        json!({"reason": "Уточнены требования", "changes": {"qualification_requirements": ["Опыт не менее 3 лет"]}}),
    )
    .await;
    assert_eq!(status, Status::Ok, "{amended}");
    let (browser, _) = signed_in(&app, "bidder1@demo.kg").await;
    let page = page_of(&browser, "/bids").await;
    let to_confirm = page
        .split("id=\"to-confirm\"")
        .nth(1)
        .and_then(|s| s.split("</section>").next())
        .unwrap_or("");
    assert!(to_confirm.contains(&format!("/tenders/{id}#my-bid")), "{page}");
    assert!(page.contains(&format!("data-bid=\"{}\"", receipt["bid_id"].as_str().unwrap())));
    assert!(!page.contains("data-field=\"bid-tender-cancelled\""));

    // Cancelled before its opening: the bidder is told its bid will never be opened, on the
    // dashboard and on the tender's page; the dashboard no longer asks for a confirmation.
    let project = app.get_json(&format!("/api/v1/tenders/{id}")).await.1["project_id"]
        .as_str()
        .unwrap()
        .to_string();
    let meta = json!({"kind": "other", "title": "Решение об отмене конкурса", "visibility": "public"});
    let (status, document) = upload(&app, &approver, &project, meta, "cancel.pdf", crate::documents::PDF).await;
    assert_eq!(status, Status::Created, "{document}");
    let (status, cancelled) = call(
        &app,
        "POST",
        &format!("/api/v1/tenders/{id}/cancel"),
        Some(&approver),
        json!({"reason": "budget_cut", "document_id": document["document_id"]}),
    )
    .await;
    assert_eq!(status, Status::Ok, "{cancelled}");
    let (_, dashboard) = call(&app, "GET", "/api/v1/bids/mine", Some(&b1), Value::Null).await;
    assert_eq!(dashboard["bids"][0]["tender_status"], "cancelled");
    assert!(
        !dashboard["open_tenders"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["id"] == json!(id))
    );
    let page = page_of(&browser, "/bids").await;
    assert!(
        page.contains("data-field=\"bid-tender-cancelled\"") && page.contains("will never be opened"),
        "{page}"
    );
    assert!(!page.contains("id=\"to-confirm\""));
    let notice = page_of(&browser, &format!("/tenders/{id}")).await;
    assert!(notice.contains("data-field=\"bid-tender-cancelled\""), "{notice}");
}
