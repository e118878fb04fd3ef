//! Sealed bids under load (issue 14): 64 bidder accounts, each replacing its bid on its own tender
//! in a loop over HTTP (a replacement does a submission's whole work: the tender's lock, the
//! checks, sealing, the bid and receipt rows, the audit leaf), against a plain single-row insert
//! of a sealed bid's size by 64 callers, measured in the same run on the same database. Then a
//! checkpoint is signed and every receipt handed out is proven included in it.
//!
//! `cargo bench --bench bids_load` (SQLite in a temporary directory), or with
//! `PPP_BENCH_DATABASE_URL=postgres://...` (a fresh database is made beside the one named).
//! `PPP_BENCH_SECONDS` (default 60) is each phase's length.

use std::io::Read;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use ppp_registry::clock::SystemClock;
use ppp_registry::config::Config;
use ppp_registry::domain::audit::from_hex;
use ppp_registry::domain::merkle::verify_inclusion;
use ppp_registry::on_pool;
use ppp_registry::storage::{Db, Engine, audit_tree};
use serde_json::{Value, json};

const BIDDERS: usize = 64;
const PASSWORD: &str = "demo-password";

/// A fresh database: a file in `dir`, or a new database beside the PostgreSQL one named.
async fn database(dir: &Path) -> String {
    match std::env::var("PPP_BENCH_DATABASE_URL") {
        Ok(url) if url.starts_with("postgres") => {
            let name = format!("ppp_bench_bids_{}", std::process::id());
            let admin = Db::connect(&url).await.expect("connect to PostgreSQL");
            on_pool!(admin, pool => {
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .execute(pool)
                    .await
                    .expect("create the bench database");
            });
            let (base, query) = url.split_once('?').map_or((url.as_str(), None), |(b, q)| (b, Some(q)));
            let host = base.rsplit_once('/').map_or(base, |(h, _)| h);
            match query {
                Some(q) => format!("{host}/{name}?{q}"),
                None => format!("{host}/{name}"),
            }
        }
        _ => format!("sqlite://{}", dir.join("bench.sqlite3").display()),
    }
}

/// The demo fixtures and a 070 file: 64 bidder accounts (16 in each demo company), and 64 Osh
/// projects taken to approval, each with its own published tender.
fn fixtures(dir: &Path) -> PathBuf {
    let target = dir.join("fixtures");
    std::fs::create_dir_all(&target).expect("fixtures directory");
    let source = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    for entry in std::fs::read_dir(&source).expect("the fixtures") {
        let path = entry.expect("a fixture").path();
        if path.extension().is_some_and(|e| e == "json") {
            std::fs::copy(&path, target.join(path.file_name().expect("a name"))).expect("copy a fixture");
        }
    }
    let companies = ["osh-transit", "bishkek-mobility", "kyrgyz-jol", "alatoo-energy"];
    let mut steps = Vec::new();
    for i in 0..BIDDERS {
        steps.push(json!({"op": "create_user", "at": "-30d", "org": companies[i % 4],
            "email": format!("bench{i}@demo.kg"), "full_name": format!("Участник нагрузки {i}"),
            "password": PASSWORD, "roles": ["bidder"]}));
        let project = format!("bench-project-{i}");
        steps.push(
            json!({"op": "create_project", "at": "-29d", "ref": project, "by": "officer.osh@demo.kg",
            "fields": {"title": {"ru": format!("Модернизация котельной № {i} г. Ош")}, "sector": "energy",
                "model": "concession", "initiation": "public", "description": "Нагрузочный тест.", "objectives": "",
                "address": "г. Ош", "capital_cost": {"amount": "350000000.00", "currency": "KGS"}, "term_years": 25,
                "payment_mechanism": "user_pays", "risks": {}}}),
        );
        for (at, by, action) in [
            ("-28d", "officer.osh@demo.kg", "submit"),
            ("-27d", "approver.osh@demo.kg", "start_appraisal"),
        ] {
            steps.push(json!({"op": "project_action", "at": at, "by": by, "project": project, "action": action}));
        }
        steps.push(
            json!({"op": "record_appraisal", "at": "-26d", "by": "approver.osh@demo.kg", "project": project,
            "appraisal": {"feasibility_study": "ТЭО, ред. 1", "value_for_money": "VfM: 10 %",
                "value_for_money_source": "Отчёт", "affordability": "2 % бюджета", "affordability_source": "Прогноз"}}),
        );
        steps.push(
            json!({"op": "project_action", "at": "-25d", "by": "approver.osh@demo.kg", "project": project,
            "action": "approve", "comment": "Одобрено"}),
        );
        let tender = format!("bench-tender-{i}");
        steps.push(json!({"op": "create_tender", "at": "-24d", "ref": tender, "by": "officer.osh@demo.kg",
            "project": project, "terms": {"title": {"ru": format!("Конкурс: котельная № {i}")},
                "description": "Нагрузочный тест.", "qualification_requirements": [],
                "criteria": [{"name": {"ru": "Концессионный платёж"}, "weight": 60, "financial": {"figure": "concession_fee",
                    "unit": "KGS per year", "currency": "KGS", "better": "higher", "discount_rate": "0.14"}},
                    {"name": {"ru": "Техническое решение"}, "weight": 40}],
                "bid_security": {"amount": "3500000.00", "currency": "KGS"}},
            "timeline": {"enquiry_end": "+15d@12:00", "deadline": "+25d@12:00", "opening": "+25d@15:00"}}));
        steps.push(json!({"op": "publish_tender", "at": "-20d", "by": "approver.osh@demo.kg", "tender": tender}));
    }
    let file = json!({"steps": steps});
    std::fs::write(target.join("070-bench.json"), file.to_string()).expect("write the bench fixtures");
    target
}

fn bid(round: u64) -> String {
    let fee = format!("{}.{:02}", 41_000_000 + round % 1_000_000, round % 100);
    json!({
        "offer": {"currency": "KGS", "yearly": [fee, fee, fee]},
        "bid_security": {"issuer": "ОАО «Айыл Банк»", "reference": "БГ-2026/118",
                         "amount": {"amount": "3500000", "currency": "KGS"}},
        "declarations": {"eligible": true, "no_collusion": true, "accepts_terms": true}
    })
    .to_string()
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder().http_status_as_error(false).build().into()
}

/// One request's status, answer and time.
fn send(agent: &ureq::Agent, method: &str, url: &str, token: Option<&str>, body: String) -> (u16, Value, Duration) {
    let started = Instant::now();
    let request = match method {
        "PUT" => agent.put(url),
        _ => agent.post(url),
    }
    .header("Content-Type", "application/json");
    let request = match token {
        Some(t) => request.header("Authorization", &format!("Bearer {t}")),
        None => request,
    };
    let mut response = request.send(body).expect("the server answers");
    let status = response.status().as_u16();
    let mut text = String::new();
    let _ = response.body_mut().as_reader().read_to_string(&mut text);
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::Null),
        started.elapsed(),
    )
}

/// What one bidder's loop brought back: each replacement's time, and each receipt's audit leaf.
struct Outcome {
    latencies: Vec<Duration>,
    leaves: Vec<(u64, String)>,
    refused: u64,
}

fn bidder_loop(base: String, token: String, tender: String, until: Instant) -> Outcome {
    let agent = agent();
    let mut outcome = Outcome {
        latencies: Vec::new(),
        leaves: Vec::new(),
        refused: 0,
    };
    let (status, receipt, _) = send(
        &agent,
        "POST",
        &format!("{base}/api/v1/tenders/{tender}/bids"),
        Some(&token),
        bid(0),
    );
    assert_eq!(status, 201, "the first bid: {receipt}");
    let mine = format!("{base}/api/v1/tenders/{tender}/bids/mine");
    let mut round = 1;
    while Instant::now() < until {
        let (status, receipt, took) = send(&agent, "PUT", &mine, Some(&token), bid(round));
        round += 1;
        if status != 200 {
            outcome.refused += 1;
            continue;
        }
        outcome.latencies.push(took);
        let leaf = &receipt["audit"];
        outcome.leaves.push((
            leaf["leaf_index"].as_u64().expect("a leaf index"),
            leaf["leaf_hash"].as_str().expect("a leaf hash").to_string(),
        ));
    }
    outcome
}

/// Plain single-row inserts of a sealed bid row's size by 64 callers at once, for `length`.
async fn plain_inserts(db: &Db, length: Duration) -> (u64, Duration) {
    let ddl = match db.engine() {
        Engine::Sqlite => "CREATE TABLE bench_plain (id INTEGER PRIMARY KEY, body TEXT NOT NULL)",
        Engine::Postgres => "CREATE TABLE bench_plain (id BIGSERIAL PRIMARY KEY, body TEXT NOT NULL)",
    };
    on_pool!(db, pool => sqlx::query(ddl).execute(pool).await.map(|_| ()).expect("plain table"));
    // base64 of 16 KiB of padded content, its nonce and tag: a sealed bid's stored length.
    let body = Arc::new("x".repeat((16 * 1024 + 28_usize).div_ceil(3) * 4));
    let started = Instant::now();
    let until = started + length;
    let mut callers = Vec::new();
    for _ in 0..BIDDERS {
        let (db, body) = (db.clone(), body.clone());
        callers.push(rocket::tokio::spawn(async move {
            let mut n = 0_u64;
            while Instant::now() < until {
                on_pool!(db, pool => sqlx::query("INSERT INTO bench_plain (body) VALUES ($1)")
                    .bind(body.as_str())
                    .execute(pool)
                    .await
                    .map(|_| ())
                    .expect("a plain insert"));
                n += 1;
            }
            n
        }));
    }
    let mut total = 0;
    for caller in callers {
        total += caller.await.expect("a caller");
    }
    (total, started.elapsed())
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn main() {
    let seconds: u64 = std::env::var("PPP_BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    let runtime = rocket::tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(run(Duration::from_secs(seconds)));
}

async fn run(length: Duration) {
    let dir = std::env::temp_dir().join(format!("ppp-bench-bids-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("the bench directory");
    let url = database(&dir).await;
    let db = Db::connect(&url).await.expect("connect");
    db.migrate().await.expect("migrate");
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
        .to_string();
    // Rocket reads its port from the environment as a number (a string setting is refused).
    // SAFETY: set before the server's threads start; nothing else reads the environment now.
    unsafe { std::env::set_var("ROCKET_PORT", &port) };
    let config = Config::for_tests(&url, &dir.join("uploads"));
    let keyring = config.app.keyring.clone();
    let log_key = config.app.log_key.clone().expect("a signing key");
    let loaded = Instant::now();
    let blobs = ppp_registry::storage::blobs::LocalDirectory::new(&config.app.upload_dir);
    ppp_registry::fixtures::load_dir(&db, &fixtures(&dir), Utc::now(), true, keyring.as_deref(), &blobs)
        .await
        .expect("the fixtures load");
    println!(
        "engine {:?}; fixtures with 64 tenders loaded in {:.1} s",
        db.engine(),
        loaded.elapsed().as_secs_f64()
    );
    let rocket = ppp_registry::build(config, db.clone(), Arc::new(SystemClock));
    rocket::tokio::spawn(async move { rocket.launch().await.map(|_| ()) });
    let base = format!("http://127.0.0.1:{port}");
    let health = format!("{base}/health");
    let probe = agent();
    let ready = (0..100).any(|_| {
        std::thread::sleep(Duration::from_millis(100));
        probe.get(&health).call().is_ok_and(|r| r.status().as_u16() == 200)
    });
    assert!(ready, "the server starts");

    // Each account's token, and its own tender (the fixtures' tenders 4 to 67, in order).
    let tenders: Value = {
        let mut page = probe
            .get(&format!("{base}/api/v1/tenders?limit=200"))
            .call()
            .expect("the tender list");
        let mut text = String::new();
        let _ = page.body_mut().as_reader().read_to_string(&mut text);
        serde_json::from_str(&text).expect("the tender list is JSON")
    };
    let mut ids: Vec<(usize, String)> = tenders["items"]
        .as_array()
        .expect("tenders")
        .iter()
        .filter_map(|t| {
            let title = t["title"]["ru"].as_str()?;
            let i: usize = title.strip_prefix("Конкурс: котельная № ")?.parse().ok()?;
            Some((i, t["id"].as_str()?.to_string()))
        })
        .collect();
    ids.sort();
    assert_eq!(ids.len(), BIDDERS, "one tender per bidder");
    let mut tokens = Vec::new();
    for i in 0..BIDDERS {
        let body = json!({"email": format!("bench{i}@demo.kg"), "password": PASSWORD}).to_string();
        let (status, answer, _) = send(&probe, "POST", &format!("{base}/api/v1/auth/token"), None, body);
        assert_eq!(status, 201, "a token: {answer}");
        tokens.push(answer["token"].as_str().expect("a token").to_string());
    }

    let started = Instant::now();
    let until = started + length;
    let loops: Vec<_> = tokens
        .into_iter()
        .zip(ids)
        .map(|(token, (_, tender))| {
            let base = base.clone();
            std::thread::spawn(move || bidder_loop(base, token, tender, until))
        })
        .collect();
    let outcomes: Vec<Outcome> = loops.into_iter().map(|l| l.join().expect("a bidder")).collect();
    let took = started.elapsed();
    let mut latencies: Vec<Duration> = outcomes.iter().flat_map(|o| o.latencies.iter().copied()).collect();
    latencies.sort();
    let refused: u64 = outcomes.iter().map(|o| o.refused).sum();
    let bids = latencies.len() as f64 / took.as_secs_f64();
    println!(
        "replacements: {} in {:.1} s = {bids:.1} bids/s; p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; refused {refused}",
        latencies.len(),
        took.as_secs_f64(),
        percentile(&latencies, 50.0).as_secs_f64() * 1e3,
        percentile(&latencies, 99.0).as_secs_f64() * 1e3,
        latencies.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
    );

    let (inserts, plain_took) = plain_inserts(&db, length).await;
    let plain = inserts as f64 / plain_took.as_secs_f64();
    println!(
        "plain single-row inserts of the same size, 64 callers: {inserts} in {:.1} s = {plain:.1}/s",
        plain_took.as_secs_f64()
    );
    println!(
        "bids at {:.1} % of the plain-insert rate (goal: at least 25 %)",
        100.0 * bids / plain
    );

    // Every receipt handed out, proven included in a checkpoint signed after the run.
    // (The server may have signed one of this size already: then that one.)
    let (size, root) = match ppp_registry::services::checkpoints::publish(&db, &log_key, &SystemClock)
        .await
        .expect("a checkpoint")
    {
        Some(signed) => (signed.head.size, signed.head.root),
        None => {
            let latest = ppp_registry::storage::checkpoints::latest(&db)
                .await
                .expect("the latest checkpoint")
                .expect("one was signed");
            let size = u64::try_from(latest.size).expect("a size");
            (size, from_hex(&latest.root_hash).expect("a hex root"))
        }
    };
    let leaves: Vec<(u64, String)> = outcomes.into_iter().flat_map(|o| o.leaves).collect();
    let mut proven = 0;
    for chunk in leaves.chunks(20) {
        let indexes: Vec<u64> = chunk.iter().map(|(i, _)| *i).collect();
        let proofs = audit_tree::inclusions(&db, &indexes, size).await.expect("proofs");
        for ((index, leaf), (stored, path)) in chunk.iter().zip(proofs) {
            let leaf = from_hex(leaf).expect("a hex leaf");
            if leaf == stored && verify_inclusion(&leaf, *index, size, &path, &root) {
                proven += 1;
            }
        }
    }
    println!(
        "receipts proven included in the checkpoint of size {size}: {proven} of {}",
        leaves.len()
    );
    assert_eq!(proven, leaves.len(), "every receipt is verifiable");
    let _ = std::fs::remove_dir_all(&dir);
}
