//! The write path under concurrency: many requests at the same instant, through one or two app
//! instances on one database. On PostgreSQL these run on real parallel connections (the pool
//! holds 16, the requests are dispatched together); on SQLite they show the same outcomes with
//! its single writer.

use std::collections::BTreeSet;
use std::sync::Arc;

use ppp_registry::clock::SystemClock;
use ppp_registry::config::Config;
use ppp_registry::domain::audit::Verdict;
use ppp_registry::storage::audit::{self, EventFilter, Visibility};
use ppp_registry::storage::{Db, organizations};
use rocket::futures::future::join_all;
use rocket::http::{ContentType, Header, Status};
use rocket::local::asynchronous::Client;
use serde_json::{Value, json};

use crate::support::{DEMO_PASSWORD, TestApp, spawn_with_fixtures};

/// One API call through `client`; the status and the JSON body (null when there is none).
async fn send(
    client: &Client,
    method: &str,
    uri: impl Into<String>,
    token: Option<&str>,
    body: Value,
) -> (Status, Value) {
    let uri: String = uri.into();
    let mut request = match method {
        "POST" => client.post(uri),
        "PATCH" => client.patch(uri),
        "PUT" => client.put(uri),
        _ => client.get(uri),
    };
    if method != "GET" {
        request = request.header(ContentType::JSON).body(body.to_string());
    }
    if let Some(token) = token {
        request = request.header(Header::new("Authorization", format!("Bearer {token}")));
    }
    let response = request.dispatch().await;
    let status = response.status();
    let text = response.into_string().await.unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// A bearer token through `client`.
async fn token(client: &Client, email: &str) -> String {
    let (status, body) = send(
        client,
        "POST",
        "/api/v1/auth/token",
        None,
        json!({"email": email, "password": DEMO_PASSWORD}),
    )
    .await;
    assert_eq!(status, Status::Created, "sign-in of {email}: {body}");
    body["token"].as_str().unwrap().to_string()
}

fn draft(title: &str) -> Value {
    json!({
        "title": {"ru": title},
        "sector": "water", "model": "dbfo", "payment_mechanism": "availability",
        "capital_cost": {"amount": "76500000.50", "currency": "KGS"}, "term_years": 15,
        "address": "г. Ош, мкр. Анар", "risks": {"construction": "privateParty"}
    })
}

fn proposal(municipality: &str, n: usize) -> Value {
    json!({
        "municipality_id": municipality,
        "advantage": {"kind": "bonus", "percent": "5"},
        "fields": {
            "title": {"ru": format!("Солнечная станция на крыше школы № {n}, г. Ош")},
            "sector": "energy", "model": "boot", "payment_mechanism": "availability",
            "capital_cost": {"amount": "64000000.00", "currency": "KGS"}, "term_years": 15
        }
    })
}

async fn create_draft(client: &Client, officer: &str, title: &str) -> String {
    let (status, body) = send(client, "POST", "/api/v1/projects", Some(officer), draft(title)).await;
    assert_eq!(status, Status::Created, "{body}");
    body["id"].as_str().unwrap().to_string()
}

fn transition_uri(id: &str) -> String {
    format!("/api/v1/projects/{id}/transitions")
}

/// The actions of the audit events about one project, oldest first.
async fn project_events(db: &Db, id: &str) -> Vec<String> {
    let filter = EventFilter {
        entity_type: Some("project".into()),
        entity_id: Some(id.into()),
        ..EventFilter::default()
    };
    let now = chrono::Utc::now();
    let mut events = audit::list(db, &filter, Visibility::Everything, None, 500, now)
        .await
        .unwrap();
    events.reverse();
    events.into_iter().map(|e| e.action).collect()
}

fn intact(verdict: &Verdict) -> bool {
    matches!(verdict, Verdict::Intact { .. })
}

fn statuses(outcomes: &[(Status, Value)]) -> Vec<u16> {
    let mut codes: Vec<u16> = outcomes.iter().map(|(s, _)| s.code).collect();
    codes.sort();
    codes
}

#[rocket::async_test]
async fn twenty_concurrent_decisions_on_one_project_end_in_exactly_one() {
    let app = spawn_with_fixtures().await;
    let officer = app.token("officer.osh@demo.kg").await;
    let approver = app.token("approver.osh@demo.kg").await;
    let id = create_draft(&app.client, &officer, "Водопровод микрорайона Анар").await;

    // A double-clicked submit, twenty times over: one submission, one registry number.
    let submit = json!({"action": "submit"});
    let outcomes =
        join_all((0..20).map(|_| send(&app.client, "POST", transition_uri(&id), Some(&officer), submit.clone()))).await;
    let mut expected = vec![409; 19];
    expected.insert(0, 200);
    assert_eq!(statuses(&outcomes), expected);
    let winner = outcomes.iter().find(|(s, _)| *s == Status::Ok).unwrap();
    assert_eq!(winner.1["registry_number"], "OSH-PPP-2026-005");
    for (_, refused) in outcomes.iter().filter(|(s, _)| *s == Status::Conflict) {
        assert_eq!(refused["error"]["code"], "invalid_transition");
    }

    let start = json!({"action": "start_appraisal"});
    assert_eq!(
        send(&app.client, "POST", transition_uri(&id), Some(&approver), start)
            .await
            .0,
        Status::Ok
    );
    let appraisal = json!({"feasibility_study": "ТЭО водопровода Анар", "value_for_money": "VfM 9 %",
        "value_for_money_source": "Отчёт VfM", "affordability": "1,1 % бюджета", "affordability_source": "Прогноз бюджета"});
    let uri = format!("/api/v1/projects/{id}/appraisal");
    assert_eq!(
        send(&app.client, "PUT", &uri, Some(&approver), appraisal).await.0,
        Status::Ok
    );

    // Two approvers at once, half approving and half rejecting: exactly one decision.
    let decisions = (0..20).map(|i| {
        let body = if i % 2 == 0 {
            json!({"action": "approve"})
        } else {
            json!({"action": "reject", "comment": "Не обосновано"})
        };
        send(&app.client, "POST", transition_uri(&id), Some(&approver), body)
    });
    let outcomes = join_all(decisions).await;
    assert_eq!(statuses(&outcomes), expected);
    let (_, decided) = outcomes.iter().find(|(s, _)| *s == Status::Ok).unwrap();
    let (status, now) = send(&app.client, "GET", &format!("/api/v1/projects/{id}"), None, Value::Null).await;
    assert_eq!(status, Status::Ok);
    assert_eq!(now["stage"], decided["stage"]);
    assert_eq!(now["timeline"].as_array().unwrap().len(), 3);

    let events = project_events(&app.db, &id).await;
    let decision = if decided["stage"] == "approved" {
        "project.approved"
    } else {
        "project.rejected"
    };
    assert_eq!(
        events,
        vec![
            "project.created",
            "project.submitted",
            "project.appraisal_started",
            "project.appraisal_recorded",
            decision
        ]
    );

    // No registry number was used up by the refused submissions.
    let next = create_draft(&app.client, &officer, "Освещение улицы Ленина").await;
    let (_, submitted) = send(&app.client, "POST", transition_uri(&next), Some(&officer), submit).await;
    assert_eq!(submitted["registry_number"], "OSH-PPP-2026-006");
    assert!(intact(&audit::verify(&app.db, &[]).await.unwrap().verdict));
}

#[rocket::async_test]
async fn private_initiatives_filed_while_submissions_run_never_deadlock() {
    let app = spawn_with_fixtures().await;
    let officer = app.token("officer.osh@demo.kg").await;
    let bidder = app.token("bidder1@demo.kg").await;
    let osh = osh_id(&app).await;
    let mut drafts = Vec::new();
    for n in 0..12 {
        drafts.push(create_draft(&app.client, &officer, &format!("Школа № {n}")).await);
    }
    let submit = json!({"action": "submit"});
    let submissions = drafts
        .iter()
        .map(|id| send(&app.client, "POST", transition_uri(id), Some(&officer), submit.clone()));
    let proposals = (0..12).map(|n| {
        send(
            &app.client,
            "POST",
            "/api/v1/proposals",
            Some(&bidder),
            proposal(&osh, n),
        )
    });
    let (submitted, filed) = rocket::tokio::join!(join_all(submissions), join_all(proposals));
    assert_eq!(statuses(&submitted), vec![200; 12], "{submitted:?}");
    assert_eq!(statuses(&filed), vec![201; 12], "{filed:?}");
    let numbers: BTreeSet<String> = submitted
        .iter()
        .chain(&filed)
        .map(|(_, body)| body["registry_number"].as_str().unwrap().to_string())
        .collect();
    let expected: BTreeSet<String> = (5..29).map(|n| format!("OSH-PPP-2026-{n:03}")).collect();
    assert_eq!(numbers, expected, "24 numbers, none twice, none skipped");
    assert!(intact(&audit::verify(&app.db, &[]).await.unwrap().verdict));
}

async fn osh_id(app: &TestApp) -> String {
    let osh = organizations::find_by_code(&app.db, "OSH").await.unwrap();
    osh.id.to_string()
}

/// A second app instance on the test's database, with its own pool and the system clock.
async fn instance(app: &TestApp) -> (Client, Db) {
    let db = Db::connect(&app.url).await.unwrap();
    let config = Config::for_tests(&app.url, &app.upload_dir);
    let rocket = ppp_registry::build(config, db.clone(), Arc::new(SystemClock));
    (Client::tracked(rocket).await.unwrap(), db)
}

/// What one of the mixed writers did, and what must be found afterwards if it was acknowledged.
enum Write {
    Created((Status, Value)),
    Patched {
        id: String,
        term: u64,
        outcome: (Status, Value),
    },
    Submitted {
        id: String,
        outcome: (Status, Value),
    },
}

#[rocket::async_test]
async fn sixty_four_mixed_writers_through_two_instances_leave_an_intact_log() {
    let app = spawn_with_fixtures().await;
    let (first, first_db) = instance(&app).await;
    let (second, second_db) = instance(&app).await;
    let (fixture_events, _) = audit::head(&app.db).await.unwrap();
    let officers = [
        token(&first, "officer.osh@demo.kg").await,
        token(&second, "officer.bishkek@demo.kg").await,
    ];
    let bidder = token(&first, "bidder2@demo.kg").await;
    let osh = osh_id(&app).await;
    let mut drafts = Vec::new();
    for n in 0..32 {
        let client = if n % 2 == 0 { &first } else { &second };
        drafts.push(create_draft(client, &officers[n % 2], &format!("Черновик № {n}")).await);
    }

    let writers = (0..64usize).map(|i| {
        let client = if i % 2 == 0 { &first } else { &second };
        let officer = officers[(i / 2) % 2].clone();
        let bidder = bidder.clone();
        let osh = osh.clone();
        // Patches take the even drafts (Osh's), submissions the odd ones (Bishkek's).
        let (id, officer_of_draft) = match i % 4 {
            2 => (drafts[i / 4 * 2].clone(), officers[0].clone()),
            _ => (drafts[i / 4 * 2 + 1].clone(), officers[1].clone()),
        };
        async move {
            match i % 4 {
                0 => Write::Created(
                    send(
                        client,
                        "POST",
                        "/api/v1/projects",
                        Some(&officer),
                        draft(&format!("Проект № {i}")),
                    )
                    .await,
                ),
                1 => Write::Created(send(client, "POST", "/api/v1/proposals", Some(&bidder), proposal(&osh, i)).await),
                2 => {
                    let term = 10 + i as u64;
                    let body = json!({"term_years": term});
                    let uri = format!("/api/v1/projects/{id}");
                    let outcome = send(client, "PATCH", &uri, Some(&officer_of_draft), body).await;
                    Write::Patched { id, term, outcome }
                }
                _ => {
                    let body = json!({"action": "submit"});
                    let outcome = send(client, "POST", transition_uri(&id), Some(&officer_of_draft), body).await;
                    Write::Submitted { id, outcome }
                }
            }
        }
    });
    let writes = join_all(writers).await;

    // Every write was acknowledged, and every acknowledged write is there.
    for write in &writes {
        match write {
            Write::Created((status, body)) => {
                assert_eq!(*status, Status::Created, "{body}");
                let uri = format!("/api/v1/projects/{}", body["id"].as_str().unwrap());
                let token = if body["initiation"] == "private" {
                    &bidder
                } else {
                    &officers[0]
                };
                let (status, found) = send(&first, "GET", &uri, Some(token), Value::Null).await;
                assert!(status == Status::Ok || status == Status::NotFound);
                if status == Status::Ok {
                    assert_eq!(found["title"], body["title"]);
                } else {
                    // A Bishkek draft, hidden from Osh: ask its own officer.
                    let (status, found) = send(&second, "GET", &uri, Some(&officers[1]), Value::Null).await;
                    assert_eq!((status, &found["title"]), (Status::Ok, &body["title"]));
                }
            }
            Write::Patched { id, term, outcome } => {
                assert_eq!(outcome.0, Status::Ok, "{}", outcome.1);
                let found = ppp_registry::storage::projects::find(&app.db, id.parse().unwrap())
                    .await
                    .unwrap();
                assert_eq!(u64::from(found.fields.term_years), *term);
            }
            Write::Submitted { id, outcome } => {
                assert_eq!(outcome.0, Status::Ok, "{}", outcome.1);
                let found = ppp_registry::storage::projects::find(&app.db, id.parse().unwrap())
                    .await
                    .unwrap();
                assert_eq!(found.stage.as_str(), "submitted");
            }
        }
    }

    // One intact chain, one event per write, times in the order of their sequence.
    let verdict = audit::verify(&app.db, &[]).await.unwrap().verdict;
    assert!(intact(&verdict), "{verdict:?}");
    let (events, _) = audit::head(&app.db).await.unwrap();
    let since = EventFilter::default();
    let all = audit::list(&app.db, &since, Visibility::Everything, None, 1_000, chrono::Utc::now())
        .await
        .unwrap();
    let mut recent: Vec<_> = all.into_iter().filter(|e| e.seq > fixture_events).collect();
    recent.reverse();
    // Three sign-ins with their tokens (two events each), 32 drafts, then 16 projects, 16
    // private initiatives (created and submitted: two events each), 16 patches, 16 submissions.
    assert_eq!(events - fixture_events, 3 * 2 + 32 + 16 + 16 * 2 + 16 + 16);
    assert_eq!(recent.len() as i64, events - fixture_events);
    for pair in recent.windows(2) {
        assert_eq!(pair[1].seq, pair[0].seq + 1);
        assert!(
            pair[1].at >= pair[0].at,
            "event {} is older than event {}",
            pair[1].seq,
            pair[0].seq
        );
    }
    first_db.close().await;
    second_db.close().await;
}
