//! The commission's evaluation from the opening to a confirmed award proposal: declarations
//! (one member withdrawn for a conflict), the quorum, qualification, scores, the report
//! recomputed here figure by figure, the tie to the earlier final submission, the frozen
//! report's hash, the proposal of the top-ranked bid and its confirmation; the refusals of each
//! role; the deputy acting for a withdrawn chair; too few qualified bids.

use std::str::FromStr;

use chrono::Duration;
use rocket::http::Status;
use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::bids::{bid, canonical, deadline, opened_by_chair, published_tender, sha256_hex};
use crate::projects::call;
use crate::support::{TestApp, spawn_with_fixtures};

fn dec(value: &Value) -> Decimal {
    Decimal::from_str(value.as_str().unwrap_or_else(|| panic!("a decimal string: {value}"))).unwrap()
}

fn d(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

/// Submits `bidder`'s bid on tender `id` at `hours_before` the deadline; its bid id.
pub(crate) async fn submitted(app: &TestApp, id: &str, bidder: &str, yearly: &[&str], hours_before: i64) -> String {
    app.clock.set(deadline() - Duration::hours(hours_before));
    let token = app.token(bidder).await;
    let (status, receipt) = call(
        app,
        "POST",
        &format!("/api/v1/tenders/{id}/bids"),
        Some(&token),
        bid(yearly),
    )
    .await;
    assert_eq!(status, Status::Created, "{receipt}");
    receipt["bid_id"].as_str().unwrap().to_string()
}

/// Every company of every bidding party in the protocol, each with `conflict_with` marked.
fn declaration(protocol: &Value, conflict_with: Option<&str>) -> Value {
    let mut parties = vec![];
    for b in protocol["bids"].as_array().unwrap() {
        let party = &b["bidding_party"];
        let mut ids = vec![party["lead"]["id"].clone()];
        ids.extend(party["members"].as_array().unwrap().iter().map(|m| m["id"].clone()));
        for id in ids {
            parties.push(json!({"company_id": id, "conflict": Some(id.as_str().unwrap()) == conflict_with}));
        }
    }
    match conflict_with {
        Some(_) => json!({"parties": parties, "explanation": "Супруга — учредитель компании-участника"}),
        None => json!({"parties": parties}),
    }
}

fn lead_of(protocol: &Value, bid_id: &str) -> String {
    protocol["bids"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["bid_id"] == bid_id)
        .unwrap()["bidding_party"]["lead"]["id"]
        .as_str()
        .unwrap()
        .to_string()
}

struct Commission {
    chair: String,
    deputy: String,
    member: String,
    member2: String,
}

async fn commission(app: &TestApp) -> Commission {
    Commission {
        chair: app.token("chair.osh@demo.kg").await,
        deputy: app.token("deputy.osh@demo.kg").await,
        member: app.token("member.osh@demo.kg").await,
        member2: app.token("member2.osh@demo.kg").await,
    }
}

fn met() -> Value {
    json!({"findings": [{"requirement": 0, "met": true}]})
}

/// Σ p_t ÷ 1.12^t, computed here year by year.
fn present_value(yearly: &[Value], rate: Decimal) -> Decimal {
    let mut factor = Decimal::ONE;
    let mut total = Decimal::ZERO;
    for p in yearly {
        factor *= Decimal::ONE + rate;
        total += dec(p) / factor;
    }
    total
}

/// Recomputes every figure of a report from its own inputs, independently of the app.
fn recompute(report: &Value) {
    let financial = &report["financial"];
    let rate = dec(&financial["basis"]["discount_rate"]);
    let weight = Decimal::from(financial["weight"].as_u64().unwrap());
    let qualified: Vec<&Value> = report["bids"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["qualified"] == true)
        .collect();
    let values: Vec<Decimal> = qualified
        .iter()
        .map(|b| present_value(b["offer"]["yearly"].as_array().unwrap(), rate))
        .collect();
    let lowest = values.iter().min().copied().unwrap();
    let tolerance = d("0.000000000001");
    let mut totals = vec![];
    for (b, value) in qualified.iter().zip(&values) {
        assert!((dec(&b["offer_value"]) - value).abs() < tolerance, "{b}");
        let points = weight * lowest / value;
        assert!((dec(&b["financial_points"]) - points).abs() < tolerance, "{b}");
        let mut total = points;
        for t in b["technical"].as_array().unwrap() {
            let scores: Vec<Decimal> = t["scores"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| dec(&s["score"]))
                .collect();
            let average = scores.iter().sum::<Decimal>() / Decimal::from(scores.len());
            let points = Decimal::from(t["weight"].as_u64().unwrap()) * average / Decimal::ONE_HUNDRED;
            assert_eq!(dec(&t["points"]), points, "{t}");
            total += points;
        }
        assert!((dec(&b["total"]) - total).abs() < tolerance, "{b}");
        assert_eq!(
            dec(&b["total_shown"]),
            total.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero),
            "{b}"
        );
        totals.push((
            total,
            b["final_submission"].as_str().unwrap().to_string(),
            b["bid_id"].clone(),
        ));
    }
    // Highest total first; equal totals to the earlier final submission.
    totals.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let ranking: Vec<Value> = report["ranking"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["bid_id"].clone())
        .collect();
    assert_eq!(ranking, totals.iter().map(|t| t.2.clone()).collect::<Vec<_>>());
}

#[rocket::async_test]
async fn the_commission_evaluates_from_the_opening_to_a_confirmed_award_proposal() {
    let app = spawn_with_fixtures().await;
    let id = published_tender(&app).await;
    // Two years at 12 %: 112 and 125.44 million are worth 100 million each today (200 million);
    // 140 and 156.8 million, 250 million.
    let cheap = ["112000000", "125440000"];
    let dear = ["140000000", "156800000"];
    let disqualified = submitted(&app, &id, "bidder1@demo.kg", &["100000000", "100000000"], 6).await;
    let early = submitted(&app, &id, "bidder3@demo.kg", &cheap, 5).await;
    let late = submitted(&app, &id, "bidder2@demo.kg", &cheap, 4).await;
    let third = submitted(&app, &id, "bidder4@demo.kg", &dear, 3).await;
    let protocol = opened_by_chair(&app, &id).await;
    let c = commission(&app).await;
    let reviewer = app.token("reviewer@demo.kg").await;
    let approver = app.token("approver.osh@demo.kg").await;
    let bidder2 = app.token("bidder2@demo.kg").await;
    let evaluation = format!("/api/v1/tenders/{id}/evaluation");
    let declarations = format!("/api/v1/tenders/{id}/declarations");
    let scores_of = |bid: &str| format!("/api/v1/tenders/{id}/bids/{bid}/scores");
    let qualification_of = |bid: &str| format!("/api/v1/tenders/{id}/bids/{bid}/qualification");

    // Before declaring, no member reads a bid, the report or scores: 403 naming the reason.
    for (uri, method, body) in [
        (format!("/api/v1/bids/{early}"), "GET", Value::Null),
        (evaluation.clone(), "GET", Value::Null),
        (scores_of(&early), "PUT", json!({"scores": {"1": "80"}})),
    ] {
        let (status, body) = call(&app, method, &uri, Some(&c.member2), body).await;
        assert_eq!(status, Status::Forbidden, "{uri}: {body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .starts_with("Declare on the bidding parties first"),
            "{body}"
        );
    }

    // A declaration names every company of the protocol once.
    let mut partial = declaration(&protocol, None);
    partial["parties"].as_array_mut().unwrap().pop();
    let (status, body) = call(&app, "POST", &declarations, Some(&c.chair), partial).await;
    assert_eq!(status, Status::UnprocessableEntity, "{body}");
    assert!(body["error"]["fields"]["parties"].is_array(), "{body}");

    // member.osh has a conflict with bidder2's company: withdrawn, the quorum (3) still met.
    let conflicted = lead_of(&protocol, &late);
    let (status, withdrawn) = call(
        &app,
        "POST",
        &declarations,
        Some(&c.member),
        declaration(&protocol, Some(&conflicted)),
    )
    .await;
    assert_eq!(status, Status::Created, "{withdrawn}");
    assert_eq!(withdrawn["conflict"], true);
    for token in [&c.chair, &c.deputy] {
        let (status, body) = call(&app, "POST", &declarations, Some(token), declaration(&protocol, None)).await;
        assert_eq!(status, Status::Created, "{body}");
    }
    // Two seated members: below the quorum, the tender waits.
    let (status, body) = call(&app, "PUT", &qualification_of(&early), Some(&c.chair), met()).await;
    assert_eq!(status, Status::Conflict, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("quorum"), "{body}");
    let (status, body) = call(
        &app,
        "POST",
        &declarations,
        Some(&c.member2),
        declaration(&protocol, None),
    )
    .await;
    assert_eq!(status, Status::Created, "{body}");
    let (status, body) = call(
        &app,
        "POST",
        &declarations,
        Some(&c.chair),
        declaration(&protocol, None),
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (Status::Conflict, Some("conflict")),
        "declared once"
    );

    // The withdrawn member neither reads nor scores; a seated one now reads the bid.
    let (status, body) = call(
        &app,
        "PUT",
        &scores_of(&early),
        Some(&c.member),
        json!({"scores": {"1": "80"}}),
    )
    .await;
    assert_eq!(status, Status::Forbidden, "{body}");
    assert!(
        body["error"]["message"].as_str().unwrap().contains("withdrew"),
        "{body}"
    );
    let (status, _) = call(
        &app,
        "GET",
        &format!("/api/v1/bids/{early}"),
        Some(&c.member),
        Value::Null,
    )
    .await;
    assert_eq!(status, Status::Forbidden);
    let (status, _) = call(
        &app,
        "GET",
        &format!("/api/v1/bids/{early}"),
        Some(&c.member2),
        Value::Null,
    )
    .await;
    assert_eq!(status, Status::Ok);

    // Qualification is the acting chair's: one bid fails the experience requirement.
    let (status, _) = call(&app, "PUT", &qualification_of(&early), Some(&c.deputy), met()).await;
    assert_eq!(status, Status::Forbidden);
    let unexplained = json!({"findings": [{"requirement": 0, "met": false}]});
    let (status, body) = call(
        &app,
        "PUT",
        &qualification_of(&disqualified),
        Some(&c.chair),
        unexplained,
    )
    .await;
    assert_eq!(status, Status::UnprocessableEntity, "{body}");
    let not_met = json!({"findings": [{"requirement": 0, "met": false, "reason": "insufficient_experience",
        "note": "Представлен опыт эксплуатации 3 года вместо 5"}]});
    let (status, body) = call(&app, "PUT", &qualification_of(&disqualified), Some(&c.chair), not_met).await;
    assert_eq!(status, Status::Ok, "{body}");
    for b in [&early, &late, &third] {
        let (status, body) = call(&app, "PUT", &qualification_of(b), Some(&c.chair), met()).await;
        assert_eq!(status, Status::Ok, "{body}");
    }

    // The findings stay out of the public protocol and the bids' statuses until the
    // confirmation publishes them.
    let (_, during) = call(
        &app,
        "GET",
        &format!("/api/v1/tenders/{id}/protocol"),
        None,
        Value::Null,
    )
    .await;
    assert!(
        during["bids"]
            .as_array()
            .unwrap()
            .iter()
            .all(|b| b["status"] == "opened"),
        "{during}"
    );

    // Scores: 0 to 100, every technical criterion and no other.
    for bad in [
        json!({"scores": {"1": "100.5"}}),
        json!({"scores": {"0": "50", "1": "50"}}),
        json!({"scores": {}}),
    ] {
        let (status, body) = call(&app, "PUT", &scores_of(&early), Some(&c.chair), bad).await;
        assert_eq!(status, Status::UnprocessableEntity, "{body}");
    }
    let sheet = [
        (&early, [("80", &c.chair), ("70", &c.deputy), ("75", &c.member2)]),
        (&late, [("75", &c.chair), ("75", &c.deputy), ("75", &c.member2)]),
        (&third, [("90", &c.chair), ("100", &c.deputy), ("95", &c.member2)]),
    ];
    for (b, scores) in &sheet {
        for (score, token) in scores {
            let (status, body) = call(&app, "PUT", &scores_of(b), Some(token), json!({"scores": {"1": score}})).await;
            assert_eq!(status, Status::Ok, "{body}");
        }
    }
    // A member changes a score until the scoring closes (from 60 back to 80).
    let (status, _) = call(
        &app,
        "PUT",
        &scores_of(&early),
        Some(&c.chair),
        json!({"scores": {"1": "60"}}),
    )
    .await;
    assert_eq!(status, Status::Ok);

    // The reviewer reads the live report but changes nothing; a bidder reads nothing yet.
    let (status, live) = call(&app, "GET", &evaluation, Some(&reviewer), Value::Null).await;
    assert_eq!(status, Status::Ok, "{live}");
    assert_eq!(live["scoring"], "open");
    assert_eq!(live["report"]["pending"], json!([]));
    assert_eq!(live["report"]["seated"], 3);
    let (status, _) = call(
        &app,
        "PUT",
        &scores_of(&early),
        Some(&reviewer),
        json!({"scores": {"1": "1"}}),
    )
    .await;
    assert_eq!(status, Status::Forbidden);
    // Before the standstill neither a bidder, the municipality's officer, another city's
    // approver nor an administrator reads the report.
    for email in [
        "bidder2@demo.kg",
        "officer.osh@demo.kg",
        "approver.bishkek@demo.kg",
        "admin@demo.kg",
    ] {
        let token = app.token(email).await;
        let (status, _) = call(&app, "GET", &evaluation, Some(&token), Value::Null).await;
        assert_eq!(status, Status::Forbidden, "{email}");
    }
    let (status, _) = call(
        &app,
        "PUT",
        &scores_of(&early),
        Some(&c.chair),
        json!({"scores": {"1": "80"}}),
    )
    .await;
    assert_eq!(status, Status::Ok);

    // Only the acting chair closes.
    let close = format!("/api/v1/tenders/{id}/scoring/close");
    let (status, _) = call(&app, "POST", &close, Some(&c.deputy), Value::Null).await;
    assert_eq!(status, Status::Forbidden);
    let (status, closed) = call(&app, "POST", &close, Some(&c.chair), Value::Null).await;
    assert_eq!(status, Status::Ok, "{closed}");
    assert_eq!(closed["scoring"], "closed");
    let report = &closed["report"];
    assert_eq!(closed["sha256"].as_str().unwrap(), sha256_hex(&canonical(report)));

    // The hand calculation: 70 × 200 000 000 ÷ 250 000 000 = 56 financial points for the dear
    // offer; 30 × 95 ÷ 100 = 28.5 technical points; 84.5 in all. The two cheap offers take 70
    // and 30 × 75 ÷ 100 = 22.5: 92.5 each, a tie the earlier final submission wins.
    let entry = |b: &str| {
        report["bids"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["bid_id"] == b)
            .unwrap()
            .clone()
    };
    // (A present value is exact to the 28 digits a decimal carries: within 10^-12 of the hand's.)
    let close_to = |value: &Value, hand: &str| {
        assert!(
            (dec(value) - d(hand)).abs() < d("0.000000000001"),
            "{value} is not {hand}"
        );
    };
    close_to(&entry(&third)["offer_value"], "250000000");
    close_to(&entry(&early)["offer_value"], "200000000");
    close_to(&entry(&third)["financial_points"], "56");
    assert_eq!(dec(&entry(&third)["technical"][0]["points"]), d("28.5"));
    assert_eq!(entry(&third)["total_shown"], "84.50");
    close_to(&entry(&early)["total"], "92.5");
    assert_eq!(entry(&early)["total"], entry(&late)["total"]);
    let ranking: Vec<(Value, Value, bool)> = report["ranking"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["rank"].clone(), r["bid_id"].clone(), r["tied"].as_bool().unwrap()))
        .collect();
    assert_eq!(
        ranking,
        [
            (json!(1), json!(early), true),
            (json!(2), json!(late), true),
            (json!(3), json!(third), false)
        ]
    );
    let out = entry(&disqualified);
    assert_eq!(
        (out["qualified"].clone(), out["rank"].clone()),
        (json!(false), Value::Null)
    );
    assert_eq!(out["findings"][0]["reason"], "insufficient_experience");
    // The withdrawn member's declaration is in the report; only the seated members' scores are.
    let withdrawn_member = report["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["declaration"]["conflict"] == true)
        .unwrap();
    assert_eq!(
        withdrawn_member["declaration"]["explanation"],
        "Супруга — учредитель компании-участника"
    );
    assert!(entry(&early)["technical"][0]["scores"].as_array().unwrap().len() == 3);
    recompute(report);

    // The closing event carries the frozen report's hash.
    let (_, events) = call(
        &app,
        "GET",
        "/api/v1/audit/events?action=tender.scoring_closed",
        Some(&reviewer),
        Value::Null,
    )
    .await;
    assert_eq!(events["items"][0]["payload"]["report_sha256"], closed["sha256"]);

    // Frozen: no score changes; the report reads the same.
    let (status, body) = call(
        &app,
        "PUT",
        &scores_of(&early),
        Some(&c.chair),
        json!({"scores": {"1": "10"}}),
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (Status::Conflict, Some("conflict")),
        "{body}"
    );
    let (_, again) = call(&app, "GET", &evaluation, Some(&reviewer), Value::Null).await;
    assert_eq!(again["report"], closed["report"]);

    // The proposal: the top-ranked bid only, by the acting chair.
    let proposal = format!("/api/v1/tenders/{id}/award-proposal");
    let (status, body) = call(&app, "POST", &proposal, Some(&c.chair), json!({"bid_id": late})).await;
    assert_eq!(status, Status::Conflict, "{body}");
    assert_eq!(body["error"]["code"], "precondition_failed");
    assert!(body["error"]["message"].as_str().unwrap().contains(&early), "{body}");
    let (status, _) = call(&app, "POST", &proposal, Some(&c.deputy), json!({"bid_id": early})).await;
    assert_eq!(status, Status::Forbidden);
    let (status, body) = call(&app, "POST", &proposal, Some(&c.chair), json!({"bid_id": early})).await;
    assert_eq!(status, Status::Ok, "{body}");
    assert_eq!(body["award_proposal"]["bid_id"], json!(early));

    // The approver confirms: the standstill; the bids proposed, qualified and disqualified.
    let confirm = format!("{proposal}/confirm");
    let (status, _) = call(&app, "POST", &confirm, Some(&reviewer), Value::Null).await;
    assert_eq!(status, Status::Forbidden);
    let (status, confirmed) = call(&app, "POST", &confirm, Some(&approver), Value::Null).await;
    assert_eq!(status, Status::Ok, "{confirmed}");
    assert_eq!(confirmed["status"], "standstill");
    assert!(confirmed["award_proposal"]["confirmed_at"].is_string());
    let (_, after) = call(
        &app,
        "GET",
        &format!("/api/v1/tenders/{id}/protocol"),
        None,
        Value::Null,
    )
    .await;
    let statuses: Vec<(Value, Value)> = after["bids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| (b["bid_id"].clone(), b["status"].clone()))
        .collect();
    for (b, expected) in [
        (&early, "proposed"),
        (&late, "qualified"),
        (&third, "qualified"),
        (&disqualified, "disqualified"),
    ] {
        assert!(
            statuses.contains(&(json!(b), json!(expected))),
            "{b} {expected}: {statuses:?}"
        );
    }
    // Published to the bidding parties with the standstill.
    let (status, seen) = call(&app, "GET", &evaluation, Some(&bidder2), Value::Null).await;
    assert_eq!(status, Status::Ok, "{seen}");
    assert_eq!(seen["sha256"], closed["sha256"]);
    // Without the members' explanations of their conflicts (personal data), and saying so.
    assert_eq!(seen["redacted"], true);
    let explanations: Vec<&Value> = seen["report"]["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| &m["declaration"]["explanation"])
        .collect();
    assert!(explanations.iter().all(|e| *e == ""), "{explanations:?}");
    assert_eq!(seen["report"]["ranking"], closed["report"]["ranking"]);
    assert_eq!(closed["redacted"], false);
}

#[rocket::async_test]
async fn the_deputy_acts_for_a_withdrawn_chair_and_too_few_qualified_bids_end_the_tender() {
    let app = spawn_with_fixtures().await;
    let id = published_tender(&app).await;
    let only = submitted(&app, &id, "bidder1@demo.kg", &["100000000", "100000000"], 3).await;
    let protocol = opened_by_chair(&app, &id).await;
    let c = commission(&app).await;
    let lead = lead_of(&protocol, &only);
    let declarations = format!("/api/v1/tenders/{id}/declarations");
    let (status, _) = call(
        &app,
        "POST",
        &declarations,
        Some(&c.chair),
        declaration(&protocol, Some(&lead)),
    )
    .await;
    assert_eq!(status, Status::Created);
    for token in [&c.deputy, &c.member, &c.member2] {
        let (status, body) = call(&app, "POST", &declarations, Some(token), declaration(&protocol, None)).await;
        assert_eq!(status, Status::Created, "{body}");
    }
    let (_, live) = call(
        &app,
        "GET",
        &format!("/api/v1/tenders/{id}/evaluation"),
        Some(&c.deputy),
        Value::Null,
    )
    .await;
    let deputy_id = live["report"]["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["role"] == "deputy_chair")
        .unwrap()["id"]
        .clone();
    assert_eq!(live["report"]["acting_chair"], deputy_id);

    // The withdrawn chair may not act; the deputy does.
    let uri = format!("/api/v1/tenders/{id}/bids/{only}/qualification");
    let (status, _) = call(&app, "PUT", &uri, Some(&c.chair), met()).await;
    assert_eq!(status, Status::Forbidden);
    let close = format!("/api/v1/tenders/{id}/scoring/close");
    let (status, body) = call(&app, "POST", &close, Some(&c.chair), Value::Null).await;
    assert_eq!(status, Status::Forbidden, "{body}");
    assert!(
        body["error"]["message"].as_str().unwrap().contains("withdrew"),
        "{body}"
    );
    let (status, body) = call(&app, "POST", &close, Some(&c.deputy), Value::Null).await;
    assert_eq!(status, Status::Conflict, "{body}");
    assert_eq!(body["error"]["code"], "precondition_failed");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains(&format!("qualification bid {only}")),
        "{body}"
    );
    let not_met = json!({"findings": [{"requirement": 0, "met": false, "reason": "invalid_bid_security",
        "note": "Гарантия выдана на другой конкурс"}]});
    let (status, body) = call(&app, "PUT", &uri, Some(&c.deputy), not_met).await;
    assert_eq!(status, Status::Ok, "{body}");

    // No qualified bid: the tender is unsuccessful and its project approved again.
    let (status, closed) = call(&app, "POST", &close, Some(&c.deputy), Value::Null).await;
    assert_eq!(status, Status::Ok, "{closed}");
    assert_eq!(closed["status"], "unsuccessful");
    // The tender ends: its finding is published with it.
    let (_, protocol) = call(
        &app,
        "GET",
        &format!("/api/v1/tenders/{id}/protocol"),
        None,
        Value::Null,
    )
    .await;
    assert_eq!(protocol["bids"][0]["status"], "disqualified");
    assert_eq!(closed["report"]["ranking"], json!([]));
    let (_, tender) = app.get_json(&format!("/api/v1/tenders/{id}")).await;
    let (_, project) = app
        .get_json(&format!("/api/v1/projects/{}", tender["project_id"].as_str().unwrap()))
        .await;
    assert_eq!(project["stage"], "approved");
    let (status, body) = call(
        &app,
        "POST",
        &format!("/api/v1/tenders/{id}/award-proposal"),
        Some(&c.deputy),
        json!({"bid_id": only}),
    )
    .await;
    assert_eq!(status, Status::Conflict, "{body}");
}

#[rocket::async_test]
async fn the_commission_evaluates_through_the_report_page() {
    use crate::bids::page_of;
    use crate::tenders::{post_form, signed_in};
    let app = spawn_with_fixtures().await;
    let id = published_tender(&app).await;
    let first = submitted(&app, &id, "bidder1@demo.kg", &["112000000", "125440000"], 5).await;
    let second = submitted(&app, &id, "bidder3@demo.kg", &["140000000", "156800000"], 4).await;
    opened_by_chair(&app, &id).await;
    let page = format!("/tenders/{id}/evaluation");
    let (chair, chair_csrf) = signed_in(&app, "chair.osh@demo.kg").await;
    let (deputy, deputy_csrf) = signed_in(&app, "deputy.osh@demo.kg").await;
    let (member2, member2_csrf) = signed_in(&app, "member2.osh@demo.kg").await;

    // Before declaring: the reason, and the form naming the bidding parties.
    let html = page_of(&member2, &page).await;
    assert!(
        html.contains("data-field=\"refusal\"") && html.contains("Declare on the bidding parties first"),
        "{html}"
    );
    assert!(html.contains("name=\"conflict["), "{html}");
    assert!(!html.contains("data-bid="), "no bid before declaring");
    // A conflict without its nature: the form again with the field's message.
    let (_, protocol) = call(
        &app,
        "GET",
        &format!("/api/v1/tenders/{id}/protocol"),
        None,
        Value::Null,
    )
    .await;
    let company = protocol["bids"][0]["bidding_party"]["lead"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let conflict_field = format!("conflict[{company}]");
    let declarations = format!("/tenders/{id}/declarations");
    let (status, html) = post_form(
        &member2,
        &declarations,
        &[("csrf_token", &member2_csrf), (&conflict_field, "true")],
    )
    .await;
    assert_eq!(status, Status::UnprocessableEntity);
    assert!(html.contains("data-error=\"explanation\""), "{html}");
    for (browser, csrf) in [
        (&chair, &chair_csrf),
        (&deputy, &deputy_csrf),
        (&member2, &member2_csrf),
    ] {
        let (status, _) = post_form(browser, &declarations, &[("csrf_token", csrf)]).await;
        assert_eq!(status, Status::SeeOther);
    }

    // The acting chair's findings; an unmet requirement needs its reason and note.
    let findings = |bid: &str| format!("/tenders/{id}/bids/{bid}/qualification");
    let (status, html) = post_form(
        &chair,
        &findings(&first),
        &[("csrf_token", &chair_csrf), ("met[0]", "no")],
    )
    .await;
    assert_eq!(status, Status::UnprocessableEntity);
    assert!(html.contains("data-error=\"findings.0.reason\""), "{html}");
    for bid in [&first, &second] {
        let (status, _) = post_form(
            &chair,
            &findings(bid),
            &[("csrf_token", &chair_csrf), ("met[0]", "yes")],
        )
        .await;
        assert_eq!(status, Status::SeeOther);
    }
    // Scores through the form; a score that is no number is named.
    let scores = |bid: &str| format!("/tenders/{id}/bids/{bid}/scores");
    let (status, html) = post_form(
        &deputy,
        &scores(&first),
        &[("csrf_token", &deputy_csrf), ("score[1]", "восемьдесят")],
    )
    .await;
    assert_eq!(status, Status::UnprocessableEntity);
    assert!(html.contains("data-error=\"scores.1\""), "{html}");
    for (browser, csrf, a, b) in [
        (&chair, &chair_csrf, "80", "90"),
        (&deputy, &deputy_csrf, "70,5", "85"),
        (&member2, &member2_csrf, "75", "95"),
    ] {
        for (bid, score) in [(&first, a), (&second, b)] {
            let (status, _) = post_form(browser, &scores(bid), &[("csrf_token", csrf), ("score[1]", score)]).await;
            assert_eq!(status, Status::SeeOther);
        }
    }
    let html = page_of(&member2, &page).await;
    assert!(
        html.contains("name=\"score[1]\" inputmode=\"decimal\" value=\"75\""),
        "the member's own score in its form"
    );

    // Close, propose, confirm.
    let (status, _) = post_form(
        &chair,
        &format!("/tenders/{id}/scoring/close"),
        &[("csrf_token", &chair_csrf)],
    )
    .await;
    assert_eq!(status, Status::SeeOther);
    let html = page_of(&chair, &page).await;
    assert!(html.contains("data-field=\"sha256\""), "{html}");
    assert!(!html.contains("name=\"score["), "no score form once closed");
    let (status, _) = post_form(
        &chair,
        &format!("/tenders/{id}/award-proposal"),
        &[("csrf_token", &chair_csrf), ("bid_id", &first)],
    )
    .await;
    assert_eq!(status, Status::SeeOther);
    let (approver, approver_csrf) = signed_in(&app, "approver.osh@demo.kg").await;
    let html = page_of(&approver, &page).await;
    assert!(html.contains("award-proposal/confirm"), "{html}");
    let (status, _) = post_form(
        &approver,
        &format!("/tenders/{id}/award-proposal/confirm"),
        &[("csrf_token", &approver_csrf)],
    )
    .await;
    assert_eq!(status, Status::SeeOther);
    let html = page_of(&approver, &format!("/tenders/{id}")).await;
    assert!(
        html.contains("Award proposed: standstill") && html.contains("Proposed for award"),
        "{html}"
    );
    // The evaluation's steps on the tender's timeline.
    for step in [
        "Bids opened",
        "Scoring closed",
        "Award proposed",
        "Proposal confirmed, standstill from",
    ] {
        assert!(html.contains(&format!("<th scope=\"row\">{step}</th>")), "{step}");
    }

    // The printable report carries no form.
    let html = page_of(&approver, &format!("{page}?print=true")).await;
    assert!(
        html.contains("data-field=\"ranking\"") && !html.contains("<form method=\"post\" action=\"/tenders/"),
        "{html}"
    );
}
