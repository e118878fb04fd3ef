//! The award after the standstill and a winner's decline: the approver confirms only once the
//! standstill (10 Asia/Bishkek calendar days from the proposal's confirmation) is over; a
//! winner that declines passes the award to the next-ranked bid with a new standstill; with
//! none left the tender is unsuccessful and its project approved; an awarded tender not yet
//! under contract may be cancelled, which frees its project.

use chrono::Duration;
use rocket::http::Status;
use serde_json::{Value, json};

use crate::bids::{opened_by_chair, published_tender};
use crate::evaluation::submitted;
use crate::projects::call;
use crate::support::{TestApp, spawn_with_fixtures};

/// Opens tender `id`, evaluates it with every bid qualified and equal technical scores (so the
/// cheapest offer ranks first), proposes the top-ranked and confirms: the evaluation answered.
pub(crate) async fn proposed_and_confirmed(app: &TestApp, id: &str, bids: &[&str]) -> Value {
    let protocol = opened_by_chair(app, id).await;
    let mut parties = vec![];
    for b in protocol["bids"].as_array().unwrap() {
        parties.push(json!({"company_id": b["bidding_party"]["lead"]["id"], "conflict": false}));
    }
    let chair = app.token("chair.osh@demo.kg").await;
    let members = [
        chair.clone(),
        app.token("deputy.osh@demo.kg").await,
        app.token("member2.osh@demo.kg").await,
    ];
    for token in &members {
        let (status, body) = call(
            app,
            "POST",
            &format!("/api/v1/tenders/{id}/declarations"),
            Some(token),
            json!({"parties": parties}),
        )
        .await;
        assert_eq!(status, Status::Created, "{body}");
    }
    for b in bids {
        let (status, body) = call(
            app,
            "PUT",
            &format!("/api/v1/tenders/{id}/bids/{b}/qualification"),
            Some(&chair),
            json!({"findings": [{"requirement": 0, "met": true}]}),
        )
        .await;
        assert_eq!(status, Status::Ok, "{body}");
        for token in &members {
            let (status, body) = call(
                app,
                "PUT",
                &format!("/api/v1/tenders/{id}/bids/{b}/scores"),
                Some(token),
                json!({"scores": {"1": "80"}}),
            )
            .await;
            assert_eq!(status, Status::Ok, "{body}");
        }
    }
    let (status, closed) = call(
        app,
        "POST",
        &format!("/api/v1/tenders/{id}/scoring/close"),
        Some(&chair),
        Value::Null,
    )
    .await;
    assert_eq!(status, Status::Ok, "{closed}");
    let top = closed["report"]["ranking"][0]["bid_id"].clone();
    let (status, body) = call(
        app,
        "POST",
        &format!("/api/v1/tenders/{id}/award-proposal"),
        Some(&chair),
        json!({"bid_id": top}),
    )
    .await;
    assert_eq!(status, Status::Ok, "{body}");
    let approver = app.token("approver.osh@demo.kg").await;
    let (status, confirmed) = call(
        app,
        "POST",
        &format!("/api/v1/tenders/{id}/award-proposal/confirm"),
        Some(&approver),
        Value::Null,
    )
    .await;
    assert_eq!(status, Status::Ok, "{confirmed}");
    confirmed
}

async fn project_stage(app: &TestApp, id: &str) -> Value {
    let (_, tender) = app.get_json(&format!("/api/v1/tenders/{id}")).await;
    let (_, project) = app
        .get_json(&format!("/api/v1/projects/{}", tender["project_id"].as_str().unwrap()))
        .await;
    project["stage"].clone()
}

#[rocket::async_test]
async fn the_award_waits_for_the_standstill_and_a_decline_passes_it_on_until_none_is_left() {
    let app = spawn_with_fixtures().await;
    let id = published_tender(&app).await;
    let cheapest = submitted(&app, &id, "bidder1@demo.kg", &["30000000", "30000000"], 5).await;
    let second = submitted(&app, &id, "bidder3@demo.kg", &["35000000", "35000000"], 4).await;
    let confirmed = proposed_and_confirmed(&app, &id, &[&cheapest, &second]).await;
    assert_eq!(confirmed["award_proposal"]["bid_id"], json!(cheapest));
    // Ten calendar days in Bishkek from the confirmation, to the microsecond.
    let confirmed_at: chrono::DateTime<chrono::Utc> = confirmed["award_proposal"]["confirmed_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let ends: chrono::DateTime<chrono::Utc> = confirmed["award_proposal"]["standstill_ends_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(ends - confirmed_at, Duration::days(10));
    assert_eq!(project_stage(&app, &id).await, "in_tender");

    // During the standstill the award is refused with the reason; only approvers may confirm it.
    let award = format!("/api/v1/tenders/{id}/award");
    app.clock.set(ends - Duration::microseconds(1));
    let approver = app.token("approver.osh@demo.kg").await;
    let (status, body) = call(&app, "POST", &award, Some(&approver), Value::Null).await;
    assert_eq!(status, Status::Conflict, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("standstill is still running"),
        "{body}"
    );
    let chair = app.token("chair.osh@demo.kg").await;
    let (status, _) = call(&app, "POST", &award, Some(&chair), Value::Null).await;
    assert_eq!(status, Status::Forbidden);

    // A bidder that is not the winner cannot decline for it; the winner declines: the award
    // passes to the next-ranked bid with a new standstill, and the project stays in tender.
    let other = app.token("bidder3@demo.kg").await;
    let decline = |b: &str| format!("/api/v1/bids/{b}/decline");
    // It is told what a bid id naming no bid is told: nothing to decline (no existence oracle).
    let (status, theirs) = call(&app, "POST", &decline(&cheapest), Some(&other), json!({})).await;
    let (_, unknown) = call(
        &app,
        "POST",
        &decline("0123456789abcdef0123456789abcdef"),
        Some(&other),
        json!({}),
    )
    .await;
    assert_eq!(status, Status::Conflict);
    assert_eq!(theirs, unknown);
    let elsewhere = app.token("approver.bishkek@demo.kg").await;
    let (status, _) = call(
        &app,
        "POST",
        &decline(&cheapest),
        Some(&elsewhere),
        json!({"document_id": "1"}),
    )
    .await;
    assert_eq!(status, Status::Conflict, "another city's approver");
    let winner = app.token("bidder1@demo.kg").await;
    let (status, declined) = call(&app, "POST", &decline(&cheapest), Some(&winner), json!({})).await;
    assert_eq!(status, Status::Ok, "{declined}");
    assert_eq!(declined["next_bid_id"], json!(second));
    assert_eq!(declined["tender_status"], "standstill");
    let reviewer = app.token("reviewer@demo.kg").await;
    let (_, now) = call(
        &app,
        "GET",
        &format!("/api/v1/tenders/{id}/evaluation"),
        Some(&reviewer),
        Value::Null,
    )
    .await;
    assert_eq!(now["award_proposal"]["bid_id"], json!(second));
    let restarted: chrono::DateTime<chrono::Utc> =
        now["award_proposal"]["confirmed_at"].as_str().unwrap().parse().unwrap();
    assert_eq!(
        restarted,
        ends - Duration::microseconds(1),
        "a new standstill from the decline"
    );

    // After the new standstill the approver confirms: tender and project awarded.
    app.clock.set(restarted + Duration::days(10));
    let approver = app.token("approver.osh@demo.kg").await;
    let (status, awarded) = call(&app, "POST", &award, Some(&approver), Value::Null).await;
    assert_eq!(status, Status::Ok, "{awarded}");
    assert_eq!(awarded["status"], "awarded");
    assert_eq!(project_stage(&app, &id).await, "awarded");
    let (_, protocol) = call(
        &app,
        "GET",
        &format!("/api/v1/tenders/{id}/protocol"),
        None,
        Value::Null,
    )
    .await;
    let status_of = |b: &str| {
        protocol["bids"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["bid_id"] == b)
            .unwrap()["status"]
            .clone()
    };
    assert_eq!(
        (status_of(&cheapest), status_of(&second)),
        (json!("declined"), json!("awarded"))
    );

    // The awarded winner declines too (recorded by the approver, who must name a document):
    // none is left, the tender is unsuccessful and the project ready for a new tender.
    let (status, body) = call(&app, "POST", &decline(&second), Some(&approver), json!({})).await;
    assert_eq!(status, Status::UnprocessableEntity, "{body}");
    assert!(body["error"]["fields"]["document_id"].is_array(), "{body}");
    // The approver records it with the winner's letter, a public document of the project.
    let (_, tender) = app.get_json(&format!("/api/v1/tenders/{id}")).await;
    let project = tender["project_id"].as_str().unwrap().to_string();
    let meta =
        json!({"kind": "other", "title": "Письмо победителя об отказе от заключения договора", "visibility": "public"});
    let (status, letter) =
        crate::documents::upload(&app, &approver, &project, meta, "letter.pdf", crate::documents::PDF).await;
    assert_eq!(status, Status::Created, "{letter}");
    let (status, declined) = call(
        &app,
        "POST",
        &decline(&second),
        Some(&approver),
        json!({"document_id": letter["document_id"]}),
    )
    .await;
    assert_eq!(status, Status::Ok, "{declined}");
    let second_winner = app.token("bidder3@demo.kg").await;
    assert_eq!(
        (declined["tender_status"].clone(), declined["next_bid_id"].clone()),
        (json!("unsuccessful"), Value::Null)
    );
    assert_eq!(project_stage(&app, &id).await, "approved");
    let (status, _) = call(&app, "POST", &decline(&second), Some(&second_winner), json!({})).await;
    assert_eq!(status, Status::Conflict, "nothing left to decline");
}

#[rocket::async_test]
async fn an_awarded_tender_not_yet_under_contract_may_be_cancelled_and_frees_its_project() {
    use crate::documents::{PDF, upload};
    let app = spawn_with_fixtures().await;
    let id = published_tender(&app).await;
    let only = submitted(&app, &id, "bidder1@demo.kg", &["30000000", "30000000"], 5).await;
    let confirmed = proposed_and_confirmed(&app, &id, &[&only]).await;
    let ends: chrono::DateTime<chrono::Utc> = confirmed["award_proposal"]["standstill_ends_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    app.clock.set(ends);
    let approver = app.token("approver.osh@demo.kg").await;
    let (status, awarded) = call(
        &app,
        "POST",
        &format!("/api/v1/tenders/{id}/award"),
        Some(&approver),
        Value::Null,
    )
    .await;
    assert_eq!(status, Status::Ok, "{awarded}");
    assert_eq!(project_stage(&app, &id).await, "awarded");

    let (_, tender) = app.get_json(&format!("/api/v1/tenders/{id}")).await;
    let project = tender["project_id"].as_str().unwrap().to_string();
    let meta = json!({"kind": "other", "title": "Решение мэрии об отмене конкурса", "visibility": "public"});
    let (status, document) = upload(&app, &approver, &project, meta, "cancel.pdf", PDF).await;
    assert_eq!(status, Status::Created, "{document}");
    let (status, cancelled) = call(
        &app,
        "POST",
        &format!("/api/v1/tenders/{id}/cancel"),
        Some(&approver),
        json!({"reason": "budget_cut", "explanation": "Решение кенеша № 52", "document_id": document["document_id"]}),
    )
    .await;
    assert_eq!(status, Status::Ok, "{cancelled}");
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(project_stage(&app, &id).await, "approved");
}

#[rocket::async_test]
async fn the_winner_declines_and_the_approver_awards_through_the_report_page() {
    use crate::bids::page_of;
    use crate::tenders::{post_form, signed_in};
    let app = spawn_with_fixtures().await;
    let id = published_tender(&app).await;
    let cheapest = submitted(&app, &id, "bidder1@demo.kg", &["30000000", "30000000"], 5).await;
    let second = submitted(&app, &id, "bidder3@demo.kg", &["35000000", "35000000"], 4).await;
    proposed_and_confirmed(&app, &id, &[&cheapest, &second]).await;
    let report = format!("/tenders/{id}/evaluation");

    // The winner's bidder sees the decline on the report; the other bidder does not.
    let (winner, winner_csrf) = signed_in(&app, "bidder1@demo.kg").await;
    let html = page_of(&winner, &report).await;
    assert!(html.contains(&format!("action=\"/bids/{cheapest}/decline\"")), "{html}");
    assert!(html.contains("data-field=\"standstill-ends\""), "{html}");
    let (other, _) = signed_in(&app, "bidder3@demo.kg").await;
    assert!(!page_of(&other, &report).await.contains("/decline\""));
    let _ = winner_csrf;
    // Three days into the standstill the winner declines: the award passes to the other bid
    // with a standstill of its own from now.
    let declined_at = ppp_registry::clock::Clock::now(&*app.clock) + Duration::days(3);
    app.clock.set(declined_at);
    let (winner, winner_csrf) = signed_in(&app, "bidder1@demo.kg").await;
    let (status, _) = post_form(
        &winner,
        &format!("/bids/{cheapest}/decline"),
        &[("csrf_token", &winner_csrf)],
    )
    .await;
    assert_eq!(status, Status::SeeOther);
    let reviewer = app.token("reviewer@demo.kg").await;
    let (_, now) = call(
        &app,
        "GET",
        &format!("/api/v1/tenders/{id}/evaluation"),
        Some(&reviewer),
        Value::Null,
    )
    .await;
    assert_eq!(now["award_proposal"]["bid_id"], json!(second), "{now}");
    assert_eq!(
        now["award_proposal"]["proposed_by"],
        Value::Null,
        "passed on by the rules"
    );
    let ends: chrono::DateTime<chrono::Utc> = now["award_proposal"]["standstill_ends_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(ends, declined_at + Duration::days(10));

    // The approver sees no award button during the new standstill, and one after it.
    let (approver, _) = signed_in(&app, "approver.osh@demo.kg").await;
    assert!(
        !page_of(&approver, &report)
            .await
            .contains(&format!("action=\"/tenders/{id}/award\""))
    );
    app.clock.set(ends);
    let (approver, approver_csrf2) = signed_in(&app, "approver.osh@demo.kg").await;
    let html = page_of(&approver, &report).await;
    assert!(html.contains(&format!("action=\"/tenders/{id}/award\"")), "{html}");
    let (status, _) = post_form(
        &approver,
        &format!("/tenders/{id}/award"),
        &[("csrf_token", &approver_csrf2)],
    )
    .await;
    assert_eq!(status, Status::SeeOther);
    let html = page_of(&approver, &format!("/tenders/{id}")).await;
    assert!(html.contains("data-field=\"status\">Awarded<"), "{html}");
}
