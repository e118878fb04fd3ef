//! Audit log figures, each against its reference measured in the same run:
//! - appends through a `UnitOfWork` (one transaction each, as the app does) against a
//!   plain single-row insert of the same columns, on SQLite and, when `PPP_BENCH_DATABASE_URL`
//!   names a PostgreSQL database, on PostgreSQL;
//! - verification of a log of 1,000,000 events (in memory, and read back from SQLite) against
//!   SHA-256 over exactly the bytes the verifier hashes.
//!
//! `cargo bench --bench audit` (release build). `PPP_BENCH_EVENTS` changes the log size.

use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use ppp_registry::domain::audit::{
    Actor, AuditContext, Event, GENESIS, NewEvent, Verdict, Verifier, chain, encode_into, from_hex, to_hex,
};
use ppp_registry::storage::unit_of_work::UnitOfWork;
use ppp_registry::storage::{Db, Engine, audit, audit_tree};
use ppp_registry::{on_pool, on_tx};
use serde_json::json;
use sha2::{Digest, Sha256};

const APPENDS: u32 = 3_000;

fn rate(n: u64, took: Duration) -> f64 {
    n as f64 / took.as_secs_f64()
}

async fn fresh_sqlite(name: &str) -> (Db, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!("ppp-bench-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("bench directory");
    let db = Db::connect(&format!("sqlite://{}", dir.join("bench.sqlite3").display()))
        .await
        .expect("sqlite");
    db.migrate().await.expect("migrate");
    (db, dir)
}

const PLAIN_TABLE_SQLITE: &str = "CREATE TABLE IF NOT EXISTS bench_plain (seq INTEGER PRIMARY KEY, at TEXT NOT NULL, \
    actor_name TEXT NOT NULL, action TEXT NOT NULL, entity_type TEXT NOT NULL, entity_id TEXT NOT NULL, \
    payload TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL)";
const PLAIN_TABLE_POSTGRES: &str = "CREATE TABLE IF NOT EXISTS bench_plain (seq BIGINT PRIMARY KEY, at TIMESTAMPTZ NOT NULL, \
    actor_name TEXT NOT NULL, action TEXT NOT NULL, entity_type TEXT NOT NULL, entity_id TEXT NOT NULL, \
    payload TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL)";

fn sample(i: u32) -> NewEvent {
    NewEvent::new("organization.status_changed", "organization", i)
        .organization(i64::from(i % 40))
        .payload(json!({"before": {"status": "active"}, "after": {"status": "inactive"}}))
}

/// Plain single-row inserts of the same columns, one transaction each: the reference.
async fn plain_inserts(db: &Db, first: u32, n: u32) -> Duration {
    let ddl = match db.engine() {
        Engine::Sqlite => PLAIN_TABLE_SQLITE,
        Engine::Postgres => PLAIN_TABLE_POSTGRES,
    };
    on_pool!(db, pool => sqlx::query(ddl).execute(pool).await.map(|_| ()).expect("plain table"));
    let payload = sample(0).payload.to_string();
    let hash = "a".repeat(64);
    let start = Instant::now();
    for i in first..first + n {
        let mut tx = db.begin_write().await.expect("begin");
        on_tx!(&mut tx, conn => {
            sqlx::query("INSERT INTO bench_plain (seq, at, actor_name, action, entity_type, entity_id, payload, prev_hash, hash) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
                .bind(i64::from(i) + 1)
                .bind(Utc::now())
                .bind("system")
                .bind("organization.status_changed")
                .bind("organization")
                .bind(i.to_string())
                .bind(&payload)
                .bind(&hash)
                .bind(&hash)
                .execute(&mut *conn)
                .await
                .map(|_| ())
                .expect("insert")
        });
        tx.commit().await.expect("commit");
    }
    start.elapsed()
}

/// Appends through the app's write path, one unit of work each (as a service records an event).
async fn appends(db: &Db, n: u32) -> Duration {
    let ctx = AuditContext::system();
    let clock = ppp_registry::clock::SystemClock;
    let start = Instant::now();
    for i in 0..n {
        let mut uow = UnitOfWork::begin(db, &clock, &ctx).await.expect("begin");
        uow.record(sample(i));
        uow.commit().await.expect("append");
    }
    start.elapsed()
}

/// Rounds of each path, alternating, so that a slow stretch of the disk or the machine weighs
/// on both alike; the ratio is of the totals.
async fn compare_appends(label: &str, db: &Db) {
    const ROUNDS: u32 = 6;
    // Warm up both paths (connections, statement caches, file growth).
    plain_inserts(db, 0, 200).await;
    appends(db, 200).await;
    let (mut plain, mut chained) = (Duration::ZERO, Duration::ZERO);
    let per_round = APPENDS / ROUNDS;
    for round in 0..ROUNDS {
        plain += plain_inserts(db, 1_000 + round * per_round, per_round).await;
        chained += appends(db, per_round).await;
    }
    let n = u64::from(per_round * ROUNDS);
    let (p, a) = (rate(n, plain), rate(n, chained));
    println!(
        "append, {label}: {a:>8.0} events/s through a unit of work vs {p:>8.0} rows/s plain insert = {:.0} % ({ROUNDS} alternating rounds)",
        100.0 * a / p
    );
    match audit::verify(db, &[]).await.expect("verify").verdict {
        Verdict::Intact { .. } => {}
        broken => panic!("the benchmark's own log is broken: {broken:?}"),
    }
}

fn synthetic_log(n: u64) -> Vec<Event> {
    let start = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).single().expect("date");
    let mut link = GENESIS;
    (1..=n as i64)
        .map(|seq| {
            let mut e = Event {
                seq,
                at: start + chrono::Duration::seconds(seq),
                actor: Actor {
                    user_id: Some(seq % 50),
                    name: "Мамытов Жыргалбек Кадырович".into(),
                    organization_id: Some(4),
                    organization: Some("Мэрия города Ош".into()),
                    role: Some("officer".into()),
                },
                client_address: Some("10.20.0.15".into()),
                action: "organization.status_changed".into(),
                entity_type: "organization".into(),
                entity_id: (seq % 1000).to_string(),
                organization_id: Some(4),
                confidential_org_id: None,
                confidential_until: None,
                payload: r#"{"after":{"status":"inactive"},"before":{"status":"active"}}"#.into(),
                prev_hash: to_hex(&link),
                hash: String::new(),
            };
            link = chain(&link, &e);
            e.hash = to_hex(&link);
            e
        })
        .collect()
}

/// SHA-256 over exactly the bytes the verifier hashes: every encoding, plus the 65-byte link
/// input per event. The reference for verification speed; also timed with coreutils'
/// `sha256sum` over the same bytes in a file.
fn raw_hash_time(events: &[Event]) -> (Duration, usize, Option<Duration>) {
    let mut bytes = Vec::new();
    let mut buf = Vec::new();
    for e in events {
        buf.clear();
        encode_into(&mut buf, e);
        bytes.push(0u8);
        bytes.extend_from_slice(&buf);
    }
    let links = vec![0u8; 65 * events.len()];
    let start = Instant::now();
    let mut h = Sha256::new();
    h.update(&bytes);
    h.update(&links);
    std::hint::black_box(h.finalize());
    let in_process = start.elapsed();
    bytes.extend_from_slice(&links);
    let file = std::env::temp_dir().join(format!("ppp-bench-encoded-{}", std::process::id()));
    let sha256sum = std::fs::write(&file, &bytes).ok().and_then(|()| {
        let start = Instant::now();
        let ok = std::process::Command::new("sha256sum")
            .arg(&file)
            .output()
            .ok()?
            .status
            .success();
        ok.then(|| start.elapsed())
    });
    let _ = std::fs::remove_file(&file);
    (in_process, bytes.len(), sha256sum)
}

async fn bulk_load(db: &Db, events: &[Event]) {
    let mut tx = db.begin_write().await.expect("begin");
    for chunk in events.chunks(10_000) {
        for e in chunk {
            on_tx!(&mut tx, conn => {
                sqlx::query("INSERT INTO audit_events (seq, at, actor_id, actor_name, actor_organization_id, actor_organization, \
                             actor_role, client_address, action, entity_type, entity_id, organization_id, confidential_org_id, \
                             confidential_until, payload, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, \
                             $12, $13, $14, $15, $16, $17)")
                    .bind(e.seq).bind(e.at).bind(e.actor.user_id).bind(&e.actor.name).bind(e.actor.organization_id)
                    .bind(e.actor.organization.as_deref()).bind(e.actor.role.as_deref()).bind(e.client_address.as_deref())
                    .bind(&e.action).bind(&e.entity_type).bind(&e.entity_id).bind(e.organization_id)
                    .bind(e.confidential_org_id).bind(e.confidential_until).bind(&e.payload).bind(&e.prev_hash).bind(&e.hash)
                    .execute(&mut *conn).await.map(|_| ()).expect("insert")
            });
        }
    }
    let last = events.last().expect("events");
    on_tx!(&mut tx, conn => {
        sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
            .bind(last.seq).bind(&last.hash).execute(&mut *conn).await.map(|_| ()).expect("head")
    });
    tx.commit().await.expect("commit");
}

#[rocket::main]
async fn main() {
    let (sqlite, dir) = fresh_sqlite("append").await;
    compare_appends("SQLite (WAL, synchronous=NORMAL)", &sqlite).await;
    sqlite.close().await;
    let _ = std::fs::remove_dir_all(dir);
    match std::env::var("PPP_BENCH_DATABASE_URL") {
        Ok(url) if !url.is_empty() => {
            let pg = Db::connect(&url).await.expect("postgres");
            pg.migrate().await.expect("migrate");
            compare_appends("PostgreSQL", &pg).await;
        }
        _ => println!("append, PostgreSQL: skipped (set PPP_BENCH_DATABASE_URL to an empty database)"),
    }

    let n: u64 = std::env::var("PPP_BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let events = synthetic_log(n);
    let (raw, bytes, sha256sum) = raw_hash_time(&events);
    let raw_rate = rate(n, raw);
    println!(
        "sha-256 of the same bytes (sha2 crate, in process): {raw_rate:>10.0} events/s ({:.0} MB/s over {} MB)",
        bytes as f64 / raw.as_secs_f64() / 1e6,
        bytes / 1_000_000
    );
    let sum_rate = sha256sum.map(|t| rate(n, t));
    if let (Some(t), Some(r)) = (sha256sum, sum_rate) {
        println!(
            "sha256sum of the same bytes in a file:               {r:>10.0} events/s ({:.0} MB/s)",
            bytes as f64 / t.as_secs_f64() / 1e6
        );
    }
    let against = |r: f64| match sum_rate {
        Some(s) => format!(
            "{:.0} % of sha2, {:.0} % of sha256sum",
            100.0 * r / raw_rate,
            100.0 * r / s
        ),
        None => format!("{:.0} % of sha2", 100.0 * r / raw_rate),
    };

    let start = Instant::now();
    let mut verifier = Verifier::new();
    for e in &events {
        verifier.push(e);
    }
    let took = start.elapsed();
    let last = events.last().expect("events");
    assert!(matches!(
        verifier.finish(Some((n as i64, &last.hash))),
        Verdict::Intact { .. }
    ));
    let mem_rate = rate(n, took);
    println!(
        "verify {n} events in memory: {mem_rate:>10.0} events/s = {}",
        against(mem_rate)
    );

    let (db, dir) = fresh_sqlite("verify").await;
    let loading = Instant::now();
    bulk_load(&db, &events).await;
    println!(
        "(loaded {n} events into SQLite in {:.1} s)",
        loading.elapsed().as_secs_f64()
    );
    let building = Instant::now();
    audit::complete_tree(&db).await.expect("tree");
    println!("(built their Merkle tree in {:.1} s)", building.elapsed().as_secs_f64());
    let start = Instant::now();
    let verdict = audit::verify(&db, &[]).await.expect("verify").verdict;
    let took = start.elapsed();
    assert!(
        matches!(verdict, Verdict::Intact { events, .. } if events == n as i64),
        "{verdict:?}"
    );
    let db_rate = rate(n, took);
    println!(
        "verify {n} events from SQLite: {db_rate:>10.0} events/s = {} ({:.1} s)",
        against(db_rate),
        took.as_secs_f64()
    );
    assert_eq!(from_hex(&last.hash).map(|h| to_hex(&h)), Some(last.hash.clone()));
    // The floor: reading the rows as verification does, checking nothing.
    let start = Instant::now();
    let read = audit::read_all(&db).await.expect("read");
    let took = start.elapsed();
    assert_eq!(read, n as u64);
    let read_rate = rate(n, took);
    println!(
        "read {n} events from SQLite as verification does, checking nothing: {read_rate:>10.0} events/s = {} ({:.1} s)",
        against(read_rate),
        took.as_secs_f64()
    );
    proofs(&db, n).await;
    db.close().await;
    let _ = std::fs::remove_dir_all(dir);
}

/// Server work per proof at `size` events (the storage call a request makes), against reading
/// one event by its sequence number in the same run.
async fn proofs(db: &Db, size: u64) {
    const SAMPLES: u64 = 2_000;
    let spread = |i: u64| (i * 7_919 * 104_729) % size;
    let start = Instant::now();
    for i in 0..SAMPLES {
        audit_tree::inclusion(db, spread(i), size).await.expect("inclusion");
    }
    let inclusion = start.elapsed().as_secs_f64() / SAMPLES as f64;
    let start = Instant::now();
    for i in 0..SAMPLES {
        audit_tree::consistency(db, 1 + spread(i) % (size - 1), size)
            .await
            .expect("consistency");
    }
    let consistency = start.elapsed().as_secs_f64() / SAMPLES as f64;
    let start = Instant::now();
    for i in 0..SAMPLES {
        let seq = spread(i) as i64 + 1;
        let _: (String,) = on_pool!(db, pool => {
            sqlx::query_as("SELECT payload FROM audit_events WHERE seq = $1").bind(seq).fetch_one(pool).await.expect("read")
        });
    }
    let one_read = start.elapsed().as_secs_f64() / SAMPLES as f64;
    println!(
        "proofs at {size} events, SQLite: inclusion {:.0} µs, consistency {:.0} µs each; one event read by seq: {:.0} µs (ratios {:.1}, {:.1})",
        inclusion * 1e6,
        consistency * 1e6,
        one_read * 1e6,
        inclusion / one_read,
        consistency / one_read
    );
}
