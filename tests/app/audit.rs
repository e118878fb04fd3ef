//! The audit log: one event per change in the same transaction, append-only in the database,
//! tamper evidence, checkpoints, visibility and export.

use chrono::Utc;
use ppp_registry::config::TEST_LOG_ORIGIN;
use ppp_registry::domain::audit::{AuditContext, Verdict, from_hex, to_hex};
use ppp_registry::domain::checkpoint::{LogKey, PublicLogKey, TreeHead};
use ppp_registry::domain::localized::LocalizedText;
use ppp_registry::domain::organization::{NewOrganization, OrganizationKind};
use ppp_registry::services::organizations;
use ppp_registry::storage::audit::{self, EventFilter, HeadToCheck, Visibility};
use ppp_registry::storage::{Db, Engine};
use rocket::http::{ContentType, Header, Status};
use serde_json::{Value, json};

use crate::support::{DEMO_PASSWORD, TestApp, spawn, spawn_with_fixtures};

pub(crate) async fn all_events(db: &Db) -> Vec<ppp_registry::domain::audit::Event> {
    let mut events = audit::list(
        db,
        &EventFilter::default(),
        Visibility::Everything,
        None,
        200,
        crate::support::test_start(),
    )
    .await
    .unwrap();
    events.reverse();
    events
}

async fn event_count(db: &Db) -> i64 {
    audit::head(db).await.unwrap().0
}

async fn execute(db: &Db, sql: &str) -> Result<u64, sqlx::Error> {
    ppp_registry::on_pool!(db, pool => sqlx::query(sqlx::AssertSqlSafe(sql.to_string())).execute(pool).await.map(|r| r.rows_affected()))
}

fn municipality(code: &str) -> NewOrganization {
    NewOrganization {
        kind: OrganizationKind::Municipality,
        name: LocalizedText {
            ru: format!("Мэрия города {code}"),
            ky: None,
            en: None,
        },
        code: Some(code.into()),
        inn: None,
        company: None,
    }
}

async fn api(app: &TestApp, method: &str, uri: &str, token: &str, body: Value) -> (Status, Value) {
    let request = match method {
        "GET" => app.client.get(uri.to_string()),
        _ => app
            .client
            .post(uri.to_string())
            .header(ContentType::JSON)
            .body(body.to_string()),
    };
    let response = request
        .header(Header::new("Authorization", format!("Bearer {token}")))
        .header(Header::new("X-Real-IP", "203.0.113.9"))
        .dispatch()
        .await;
    let status = response.status();
    (
        status,
        serde_json::from_str(&response.into_string().await.unwrap_or_default()).unwrap_or(Value::Null),
    )
}

#[rocket::async_test]
async fn every_change_writes_exactly_one_event_with_its_actor() {
    let app = spawn_with_fixtures().await;
    // The fixtures: 8 organisations and 18 accounts, each one event, by the system; then 117
    // project, tender, bid, complaint and contract events, each by the demo account that acted,
    // and among the contract steps the special-purpose company's registration, by the system.
    let fixtures = all_events(&app.db).await;
    assert_eq!(fixtures.len(), 144);
    assert!(fixtures[..26].iter().all(|e| e.actor.name == "system"));
    assert_eq!(fixtures[0].action, "organization.created");
    assert_eq!(fixtures[25].action, "account.created");
    let (registered, acted): (Vec<_>, Vec<_>) = fixtures[26..].iter().partition(|e| e.action == "organization.created");
    assert_eq!((registered.len(), registered[0].actor.name.as_str()), (1, "system"));
    assert_eq!(acted.len(), 117);
    assert!(acted.iter().all(|e| matches!(
        e.entity_type.as_str(),
        "project" | "tender" | "bid" | "complaint" | "contract"
    ) && e.actor.user_id.is_some()));

    let admin = app.token("admin@demo.kg").await;
    let after_sign_in = all_events(&app.db).await;
    let actions: Vec<&str> = after_sign_in[144..].iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, vec!["account.signed_in", "token.issued"]);

    let before = event_count(&app.db).await;
    let (status, org) = api(
        &app,
        "POST",
        "/api/v1/admin/organizations",
        &admin,
        json!({"kind": "municipality", "code": "KARAKOL", "name": {"ru": "Мэрия города Каракол"}}),
    )
    .await;
    assert_eq!(status, Status::Created);
    let events = all_events(&app.db).await;
    assert_eq!(events.len() as i64, before + 1);
    let created = events.last().unwrap();
    assert_eq!(created.action, "organization.created");
    assert_eq!(created.entity_type, "organization");
    assert_eq!(created.entity_id, org["id"].as_str().unwrap());
    assert_eq!(created.actor.name, "Сыдыков Айбек Нурланович");
    assert_eq!(created.actor.role.as_deref(), Some("admin"));
    assert_eq!(created.at, crate::support::test_start());
    let payload: Value = serde_json::from_str(&created.payload).unwrap();
    assert_eq!(payload["after"]["code"], "KARAKOL");

    // A refused change (duplicate code) leaves no event.
    let (status, _) = api(
        &app,
        "POST",
        "/api/v1/admin/organizations",
        &admin,
        json!({"kind": "municipality", "code": "KARAKOL", "name": {"ru": "Дубль"}}),
    )
    .await;
    assert_eq!(status, Status::Conflict);
    assert_eq!(event_count(&app.db).await, before + 1);

    let id = org["id"].as_str().unwrap();
    api(
        &app,
        "POST",
        &format!("/api/v1/admin/organizations/{id}/status"),
        &admin,
        json!({"status": "inactive"}),
    )
    .await;
    let last = all_events(&app.db).await.pop().unwrap();
    assert_eq!(last.action, "organization.status_changed");
    assert_eq!(
        serde_json::from_str::<Value>(&last.payload).unwrap(),
        json!({"before": {"status": "active"}, "after": {"status": "inactive"}, "sessions_ended": 0})
    );
}

#[rocket::async_test]
async fn failed_sign_ins_are_events_without_the_password() {
    let app = spawn_with_fixtures().await;
    let before = event_count(&app.db).await;
    let response = app
        .client
        .post("/api/v1/auth/token")
        .header(ContentType::JSON)
        .body(json!({"email": "bidder3@demo.kg", "password": "guess-number-one"}).to_string())
        .dispatch()
        .await;
    assert_eq!(response.status(), Status::Unauthorized);
    let events = all_events(&app.db).await;
    assert_eq!(events.len() as i64, before + 1);
    let failed = events.last().unwrap();
    assert_eq!(failed.action, "account.sign_in_failed");
    assert_eq!(failed.actor.name, "anonymous");
    assert_eq!(
        serde_json::from_str::<Value>(&failed.payload).unwrap(),
        json!({"email": "bidder3@demo.kg", "reason": "wrong_password"})
    );
    assert!(!failed.payload.contains("guess-number-one"));
}

#[rocket::async_test]
async fn the_database_refuses_to_update_or_delete_events() {
    let app = spawn_with_fixtures().await;
    let update = execute(&app.db, "UPDATE audit_events SET actor_name = 'nobody' WHERE seq = 1").await;
    let delete = execute(&app.db, "DELETE FROM audit_events WHERE seq = 1").await;
    for outcome in [update, delete] {
        let message = outcome.expect_err("refused").to_string();
        assert!(message.contains("audit events are append-only"), "{message}");
    }
    if app.db.engine() == Engine::Postgres {
        let truncate = execute(&app.db, "TRUNCATE audit_events").await;
        assert!(truncate.is_err());
    }
    assert!(matches!(
        audit::verify(&app.db, &[]).await.unwrap().verdict,
        Verdict::Intact { events: 144, .. }
    ));
}

async fn drop_triggers(db: &Db) {
    let statements: &[&str] = match db.engine() {
        Engine::Sqlite => &[
            "DROP TRIGGER audit_events_no_update",
            "DROP TRIGGER audit_events_no_delete",
            "DROP TRIGGER audit_events_next_only",
        ],
        Engine::Postgres => &[
            "DROP TRIGGER audit_events_no_update ON audit_events",
            "DROP TRIGGER audit_events_next_only ON audit_events",
        ],
    };
    for sql in statements {
        execute(db, sql).await.unwrap();
    }
}

fn first_bad(verdict: Verdict) -> i64 {
    match verdict {
        Verdict::Broken { first_bad_seq, .. } => first_bad_seq,
        intact => panic!("tampering went unnoticed: {intact:?}"),
    }
}

/// Each kind of tampering, made directly in the database with the triggers dropped, is caught
/// and named by its first bad event.
#[rocket::async_test]
async fn tampering_is_detected_and_located() {
    let tamperings: [(&str, &[&str], i64); 4] = [
        (
            "a modified field",
            &["UPDATE audit_events SET entity_id = '999' WHERE seq = 7"],
            7,
        ),
        ("a deleted event", &["DELETE FROM audit_events WHERE seq = 9"], 9),
        (
            "two events swapped",
            &[
                "UPDATE audit_events SET seq = 1000 WHERE seq = 4",
                "UPDATE audit_events SET seq = 4 WHERE seq = 5",
                "UPDATE audit_events SET seq = 5 WHERE seq = 1000",
            ],
            4,
        ),
        (
            "an inserted event",
            &[
                "UPDATE audit_events SET seq = seq + 1000 WHERE seq >= 12",
                "UPDATE audit_events SET seq = seq - 999 WHERE seq >= 1012",
                "INSERT INTO audit_events (seq, at, actor_name, action, entity_type, entity_id, payload, prev_hash, hash) \
                 SELECT 12, at, 'forger', 'account.created', 'account', '77', '{}', hash, hash FROM audit_events WHERE seq = 11",
            ],
            12,
        ),
    ];
    for (what, statements, expected) in tamperings {
        let app = spawn_with_fixtures().await;
        drop_triggers(&app.db).await;
        for sql in statements {
            execute(&app.db, sql)
                .await
                .unwrap_or_else(|e| panic!("{what}: {sql}: {e}"));
        }
        assert_eq!(
            first_bad(audit::verify(&app.db, &[]).await.unwrap().verdict),
            expected,
            "{what}"
        );
    }
}

#[rocket::async_test]
async fn a_truncated_tail_is_caught_against_an_earlier_checkpoint() {
    let app = spawn_with_fixtures().await;
    // The checkpoint published at start: 144 events.
    let (status, published) = app.get_json("/api/v1/audit/checkpoint").await;
    assert_eq!(status, Status::Ok);
    assert_eq!(published["size"], 144);
    let saved = HeadToCheck {
        size: 144,
        root: from_hex(published["root_hash"].as_str().unwrap()).unwrap(),
        label: "the saved checkpoint".into(),
    };
    drop_triggers(&app.db).await;
    execute(&app.db, "DELETE FROM audit_events WHERE seq > 17")
        .await
        .unwrap();
    // Against its own head record the truncation shows at once...
    assert_eq!(first_bad(audit::verify(&app.db, &[]).await.unwrap().verdict), 18);
    // ...and even when the forger rewinds the head record too, the saved checkpoint exposes it.
    let new_head = all_events(&app.db).await.pop().unwrap().hash;
    execute(&app.db, &format!("UPDATE audit_head SET seq = 17, hash = '{new_head}'"))
        .await
        .unwrap();
    match audit::verify(&app.db, std::slice::from_ref(&saved))
        .await
        .unwrap()
        .verdict
    {
        Verdict::Broken {
            first_bad_seq, reason, ..
        } => {
            assert_eq!(first_bad_seq, 18);
            assert_eq!(
                reason,
                "the log holds 17 events, fewer than the 144 of the saved checkpoint"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[rocket::async_test]
async fn two_app_instances_appending_at_once_keep_one_intact_chain() {
    let app = spawn().await;
    // A second, independent pool on the same database: another app instance.
    let other = Db::connect(&app.url).await.unwrap();
    let mut tasks = Vec::new();
    for (instance, db) in [app.db.clone(), other.clone()].into_iter().enumerate() {
        for writer in 0..4u8 {
            let db = db.clone();
            let clock = app.clock.clone();
            tasks.push(rocket::tokio::spawn(async move {
                for n in 0..10u8 {
                    let code = format!("I{instance}{}{}", (b'A' + writer) as char, (b'A' + n) as char);
                    let code = code.replace(|c: char| c.is_ascii_digit(), "X");
                    let code = format!("{code}{}", ["P", "Q"][instance]);
                    organizations::create(&db, &*clock, &AuditContext::system(), &municipality(&code))
                        .await
                        .unwrap();
                }
            }));
        }
    }
    for task in tasks {
        task.await.unwrap();
    }
    match audit::verify(&app.db, &[]).await.unwrap().verdict {
        Verdict::Intact { events, .. } => assert_eq!(events, 80),
        broken => panic!("{broken:?}"),
    }
    other.close().await;
}

#[rocket::async_test]
async fn readers_see_what_their_role_allows() {
    let app = spawn_with_fixtures().await;
    let officer = app.token("officer.osh@demo.kg").await;
    let (status, page) = api(&app, "GET", "/api/v1/audit/events?limit=200", &officer, Value::Null).await;
    assert_eq!(status, Status::Ok);
    let items = page["items"].as_array().unwrap();
    assert!(!items.is_empty());
    // Only Osh's records: its creation, its six accounts, the eighteen steps of its six
    // projects, four of its e-ticketing tender (who asked the question is not Osh's to see),
    // twenty of its boiler-house tender (created, published, the project's move, opened, three
    // declarations, two findings, six scores, the closing, the proposal, its confirmation, the
    // complaint filed and accepted; the sealed bids' own events are their bidders'), the
    // officer's own sign-in and token.
    assert_eq!(items.len(), 51, "{page}");
    assert!(!page.to_string().contains("Бишкек"), "nothing of Bishkek's");
    let newest = &items[0];
    assert_eq!(newest["action"], "token.issued");
    assert_eq!(newest["actor"]["name"], "Мамытов Жыргалбек Кадырович");
    // No proxy header is trusted by default: a client's own X-Real-IP is ignored.
    assert_eq!(newest["client_address"], Value::Null);
    assert!(newest["hash"].as_str().unwrap().len() == 64);

    let reviewer = app.token("reviewer@demo.kg").await;
    let (_, all) = api(&app, "GET", "/api/v1/audit/events?limit=5", &reviewer, Value::Null).await;
    assert_eq!(all["items"].as_array().unwrap().len(), 5);
    let next = all["next"].as_str().unwrap();
    let (_, older) = api(
        &app,
        "GET",
        &format!("/api/v1/audit/events?limit=5&after={next}"),
        &reviewer,
        Value::Null,
    )
    .await;
    let first_older = older["items"][0]["seq"].as_i64().unwrap();
    assert_eq!(
        first_older,
        next.parse::<i64>().unwrap() - 1,
        "keyset pages continue where the last ended"
    );

    let (_, filtered) = api(
        &app,
        "GET",
        "/api/v1/audit/events?action=account.created&entity_type=account",
        &reviewer,
        Value::Null,
    )
    .await;
    assert_eq!(filtered["items"].as_array().unwrap().len(), 18);
    let (status, body) = api(
        &app,
        "GET",
        "/api/v1/audit/events?from=yesterday",
        &reviewer,
        Value::Null,
    )
    .await;
    assert_eq!(status, Status::UnprocessableEntity);
    assert!(body["error"]["fields"]["from"].is_array());

    let bidder = app.token("bidder1@demo.kg").await;
    assert_eq!(
        api(&app, "GET", "/api/v1/audit/events", &bidder, Value::Null).await.0,
        Status::Forbidden
    );
    assert_eq!(
        api(&app, "GET", "/api/v1/audit/verify", &officer, Value::Null).await.0,
        Status::Forbidden
    );
    let (status, verdict) = api(&app, "GET", "/api/v1/audit/verify", &reviewer, Value::Null).await;
    assert_eq!(status, Status::Ok);
    assert_eq!(verdict["ok"], true, "{verdict}");
    assert_eq!(verdict["events"], audit::head(&app.db).await.unwrap().0);
}

#[rocket::async_test]
async fn exports_stream_the_selection_and_are_recorded() {
    let app = spawn_with_fixtures().await;
    let reviewer = app.token("reviewer@demo.kg").await;
    let response = app
        .client
        .get("/api/v1/audit/export?format=csv&action=organization.created")
        .header(Header::new("Authorization", format!("Bearer {reviewer}")))
        .dispatch()
        .await;
    assert_eq!(response.status(), Status::Ok);
    assert_eq!(
        response.content_type().map(|c| c.to_string()),
        Some("text/csv; charset=utf-8".into())
    );
    let text = response.into_string().await.unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    assert_eq!(reader.headers().unwrap().iter().next(), Some("seq"));
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 9, "nine organisations");
    assert_eq!(&rows[0][7], "organization.created");
    let payload: Value = serde_json::from_str(&rows[0][10]).unwrap();
    assert_eq!(payload["after"]["kind"], "company");

    let last = all_events(&app.db).await.pop().unwrap();
    assert_eq!(last.action, "audit.exported");
    assert_eq!(last.actor.name, "Асанова Чолпон Бакытовна");
    assert_eq!(
        serde_json::from_str::<Value>(&last.payload).unwrap()["filter"]["action"],
        "organization.created"
    );

    let response = app
        .client
        .get("/api/v1/audit/export?format=jsonl")
        .header(Header::new("Authorization", format!("Bearer {reviewer}")))
        .dispatch()
        .await;
    let text = response.into_string().await.unwrap();
    let lines: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    // The checkpoint published after the fixtures (144 events), then those events, newest first.
    assert_eq!(lines[0]["type"], "checkpoint");
    assert_eq!(lines[0]["size"], 144);
    assert_eq!(lines.len(), 145);
    assert_eq!(
        (lines[1]["seq"].clone(), lines[144]["seq"].clone()),
        (json!(144), json!(1))
    );
    assert_eq!(lines[144]["action"], "organization.created");
    let summary = ppp_registry::domain::audit_export::verify_lines(text.as_bytes(), None).unwrap();
    assert_eq!((summary.events, summary.size), (144, 144));
    // The binary checks the file with nothing else: no database, no configuration.
    let file = std::env::temp_dir()
        .join(crate::support::unique_name("ppp-export"))
        .with_extension("jsonl");
    std::fs::write(&file, &text).unwrap();
    let verify = |path: &std::path::Path| {
        std::process::Command::new(env!("CARGO_BIN_EXE_ppp-registry"))
            .args(["audit", "verify", "--file", &path.display().to_string()])
            .env_remove("DATABASE_URL")
            .output()
            .unwrap()
    };
    let output = verify(&file);
    assert_eq!(output.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&output.stdout)
            .starts_with("export intact: 144 events, each proven in the tree of 144 events")
    );
    let tampered: Vec<String> = text
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i == 5 {
                l.replacen("\"actor_name\":\"", "\"actor_name\":\"X", 1)
            } else {
                l.to_string()
            }
        })
        .collect();
    std::fs::write(&file, tampered.join("\n")).unwrap();
    let output = verify(&file);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&output.stdout).starts_with("export BROKEN: line 6: event 140: its fields do not hash"),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    std::fs::remove_file(&file).unwrap();

    let (status, body) = api(&app, "GET", "/api/v1/audit/export?format=xlsx", &reviewer, Value::Null).await;
    assert_eq!(status, Status::UnprocessableEntity);
    assert_eq!(
        body["error"]["fields"]["format"],
        json!(["Допустимые значения: csv, jsonl."])
    );
}

#[rocket::async_test]
async fn the_public_checkpoint_and_transparency_page() {
    let app = spawn_with_fixtures().await;
    let (status, checkpoint) = app.get_json("/api/v1/audit/checkpoint").await;
    assert_eq!(status, Status::Ok);
    assert_eq!(checkpoint["origin"], TEST_LOG_ORIGIN);
    assert_eq!(checkpoint["size"], 144);
    assert_eq!(checkpoint["published_at"], "2026-11-28T06:00:00Z");
    let note = checkpoint["note"].as_str().unwrap().to_string();
    let root = checkpoint["root_hash"].as_str().unwrap().to_string();
    let (_, key) = app.get_json("/api/v1/audit/key").await;
    let public = PublicLogKey::parse(key["verifier_key"].as_str().unwrap()).unwrap();
    assert_eq!(key["cosignature_verifier_key"], public.cosignature_verifier_key());
    assert_eq!(key["public_key"], public.hex());
    let opened = public.open(&note).unwrap();
    assert_eq!((opened.head.size, to_hex(&opened.head.root)), (144, root.clone()));

    let (status, html) = app.get_with("/transparency", ("Accept-Language", "en")).await;
    assert_eq!(status, Status::Ok);
    assert!(html.contains(r#"<dd data-checkpoint="size">144</dd>"#));
    assert!(html.contains(&root));
    assert!(html.contains(&public.hex()));
    // As a browser sends the form: every byte but letters and digits percent-encoded ('+' too).
    let check = |note: &str| {
        let encoded: String = note
            .bytes()
            .map(|b| match b {
                b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' => (b as char).to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect();
        format!("/transparency?note={encoded}")
    };
    let (_, html) = app.get_with(&check(&note), ("Accept-Language", "en")).await;
    assert!(html.contains("The log extends the saved checkpoint"), "{html}");
    let (_, html) = app
        .get_with(
            &check(&note.replacen("\n144\n", "\n143\n", 1)),
            ("Accept-Language", "en"),
        )
        .await;
    assert!(html.contains("Not a checkpoint signed by this log"), "{html}");
    assert!(!html.contains("data-consistent"));
    // A checkpoint signed by the log's key over another root: history was changed.
    let forged = LogKey::from_seed(TEST_LOG_ORIGIN, [0x5a; 32])
        .sign(
            &TreeHead {
                origin: TEST_LOG_ORIGIN.into(),
                size: 30,
                root: [9; 32],
            },
            Utc::now(),
        )
        .unwrap();
    let (_, html) = app.get_with(&check(&forged.note), ("Accept-Language", "en")).await;
    assert!(html.contains(r#"data-consistent="false""#), "{html}");
}

#[rocket::async_test]
async fn the_audit_page_reads_in_plain_language() {
    let app = spawn_with_fixtures().await;
    let browser = app.browser().await;
    crate::support::sign_in_browser(&browser, "reviewer@demo.kg", DEMO_PASSWORD).await;
    let response = browser
        .get("/audit?action=organization.created")
        .header(Header::new("Accept-Language", "en"))
        .dispatch()
        .await;
    assert_eq!(response.status(), Status::Ok);
    let html = response.into_string().await.unwrap();
    assert!(html.contains("Organisation created"), "{html}");
    assert!(html.contains("<code>organization.created</code>"));
    assert!(html.contains("<details><summary>What changed</summary>"));
    assert!(!html.contains("Signed in ·"), "filtered by action");
}

/// Events about a sealed bid stay with the bidding party and reviewers until the opening.
#[rocket::async_test]
async fn confidential_events_are_hidden_until_their_time() {
    let app = spawn_with_fixtures().await;
    let company = ppp_registry::storage::organizations::first_of_kind(&app.db, OrganizationKind::Company)
        .await
        .unwrap()
        .unwrap()
        .id
        .0;
    let opening = crate::support::test_start() + chrono::Duration::days(3);
    let mut event = ppp_registry::domain::audit::NewEvent::new("bid.sealed", "bid", "1").organization(company);
    event.confidential_org_id = Some(company);
    event.confidential_until = Some(opening);
    event.payload = json!({"receipt_sha256": "ab".repeat(32)});
    let system = AuditContext::system();
    let mut uow = ppp_registry::storage::unit_of_work::UnitOfWork::begin(&app.db, &*app.clock, &system)
        .await
        .unwrap();
    uow.record(event);
    uow.commit().await.unwrap();

    let sealed = EventFilter {
        action: Some("bid.sealed".into()),
        ..EventFilter::default()
    };
    let seen = |visibility: Visibility, now| {
        let db = app.db.clone();
        let sealed = sealed.clone();
        async move {
            audit::list(&db, &sealed, visibility, None, 10, now)
                .await
                .unwrap()
                .len()
        }
    };
    let before = crate::support::test_start();
    assert_eq!(seen(Visibility::Everything, before).await, 1, "reviewers see it");
    assert_eq!(
        seen(Visibility::AllOrganizations { viewer_org: 1 }, before).await,
        0,
        "admins do not"
    );
    assert_eq!(
        seen(Visibility::Organization { viewer_org: company }, before).await,
        1,
        "the bidder does"
    );
    assert_eq!(
        seen(Visibility::AllOrganizations { viewer_org: 1 }, opening).await,
        1,
        "after the opening, all do"
    );
}
