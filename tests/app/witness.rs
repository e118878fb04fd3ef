//! A witness on another machine, and `audit verify --checkpoint`, against a running registry
//! (the binary, over HTTP) whose history is rewritten by someone with write access to the
//! database and the triggers dropped: an event edited and every later link and tree hash
//! recomputed; the tail cut and the head rewound; everything deleted. Each time the registry
//! restarts and signs what it finds (the forger also deleted the published checkpoints, so the
//! registry cannot notice); only the copies kept outside catch it.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Output, Stdio};
use std::time::{Duration, Instant};

use ppp_registry::domain::audit::{GENESIS, encode, leaf_hash, link_hash, to_hex};
use ppp_registry::domain::checkpoint::LogKey;
use ppp_registry::storage::Db;
use ppp_registry::storage::audit::{self, EventFilter, Visibility};

use crate::cli::{command, run};
use crate::support::unique_name;

const ORIGIN: &str = "ppp.osh.kg/audit";

fn log_key() -> LogKey {
    LogKey::from_seed(ORIGIN, [0x21; 32])
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The registry, served by the binary on a free port, killed when dropped.
struct Server {
    child: Child,
    url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(dir: &Path) -> Server {
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
        .to_string();
    let key = log_key().private_text();
    let child = command(
        dir,
        &["serve"],
        &[
            ("PPP_SIGNING_KEY", &key),
            ("PPP_CHECKPOINT_INTERVAL_SECONDS", "1"),
            ("ROCKET_ADDRESS", "127.0.0.1"),
            ("ROCKET_PORT", &port),
            ("ROCKET_LOG_LEVEL", "off"),
            ("ROCKET_TEMPLATE_DIR", concat!(env!("CARGO_MANIFEST_DIR"), "/templates")),
        ],
    )
    .stdout(Stdio::null())
    .stderr(Stdio::null())
    .spawn()
    .expect("serve");
    let server = Server {
        child,
        url: format!("http://127.0.0.1:{port}"),
    };
    let started = Instant::now();
    while ureq::get(&format!("{}/api/v1/audit/checkpoint", server.url))
        .call()
        .is_err()
    {
        assert!(started.elapsed() < Duration::from_secs(30), "the server did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    server
}

fn witness(server: &Server, state: &Path) -> Output {
    let dir = state.parent().expect("a parent");
    run(
        dir,
        &["audit", "witness", &server.url, "--state", &state.display().to_string()],
        &[],
    )
}

fn database_url(dir: &Path) -> String {
    format!("sqlite://{}", dir.join("ppp-registry.sqlite3").display())
}

async fn execute(db: &Db, sql: &str) {
    ppp_registry::on_pool!(db, pool => {
        sqlx::query(sqlx::AssertSqlSafe(sql.to_string())).execute(pool).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
    });
}

/// What a forger does first: the append-only triggers go, and so do the published checkpoints
/// and the stored tree (the registry rebuilds the tree from the events when it starts).
async fn drop_guards(db: &Db) {
    for sql in [
        "DROP TRIGGER IF EXISTS audit_events_no_update",
        "DROP TRIGGER IF EXISTS audit_events_no_delete",
        "DROP TRIGGER IF EXISTS audit_tree_no_delete",
        "DROP TRIGGER IF EXISTS audit_checkpoints_no_delete",
        "DELETE FROM audit_tree",
        "DELETE FROM audit_checkpoints",
    ] {
        execute(db, sql).await;
    }
}

/// Edits event `seq` and recomputes every later link and the head, as a short script would.
async fn edit_and_rechain(db: &Db, seq: i64) {
    let now = chrono::Utc::now();
    let mut events = audit::list(db, &EventFilter::default(), Visibility::Everything, None, 10_000, now)
        .await
        .unwrap();
    events.reverse();
    let mut link = GENESIS;
    for mut event in events {
        if event.seq == seq {
            event.actor.name = "somebody else".into();
        }
        let next = link_hash(&link, &leaf_hash(&encode(&event)));
        execute(
            db,
            &format!(
                "UPDATE audit_events SET actor_name = '{}', prev_hash = '{}', hash = '{}' WHERE seq = {}",
                event.actor.name,
                to_hex(&link),
                to_hex(&next),
                event.seq
            ),
        )
        .await;
        link = next;
    }
    execute(db, &format!("UPDATE audit_head SET hash = '{}'", to_hex(&link))).await;
}

fn scratch() -> PathBuf {
    let dir = std::env::temp_dir().join(unique_name("ppp-witness"));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn verify_with(dir: &Path, checkpoint: &Path) -> Output {
    run(
        dir,
        &[
            "audit",
            "verify",
            "--key",
            &log_key().public().verifier_key(),
            "--checkpoint",
            &checkpoint.display().to_string(),
        ],
        &[],
    )
}

/// Runs the witness once against a fresh copy of the demo log, then lets `tamper` rewrite it.
async fn rewritten_history_is_caught(what: &str, tamper: impl AsyncFnOnce(&Db)) {
    let dir = scratch();
    let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures");
    assert!(run(&dir, &["load-fixtures", fixtures], &[]).status.success());
    let state = dir.join("witness");
    let server = serve(&dir);
    let first = witness(&server, &state);
    assert_eq!(
        first.status.code(),
        Some(0),
        "{what}: {}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(
        stdout(&first).starts_with("first checkpoint kept: size 9, root "),
        "{}",
        stdout(&first)
    );
    let kept = std::fs::read_to_string(state.join("checkpoint")).unwrap();
    assert_eq!(log_key().public().open(&kept).unwrap().head.size, 9);
    drop(server);

    let db = Db::connect(&database_url(&dir)).await.unwrap();
    drop_guards(&db).await;
    tamper(&db).await;
    db.close().await;

    // The registry starts on the rewritten log, rebuilds its tree and signs what it finds.
    let server = serve(&dir);
    let caught = witness(&server, &state);
    assert_eq!(caught.status.code(), Some(1), "{what}: {}", stdout(&caught));
    let text = stdout(&caught);
    let kept_root = to_hex(&log_key().public().open(&kept).unwrap().head.root);
    assert!(
        text.starts_with("HISTORY REWRITTEN: the kept checkpoint (size 9, root "),
        "{what}: {text}"
    );
    assert!(text.contains(&kept_root), "{what}: the kept head is named: {text}");
    let (_, new) = text.split_once("the new one (size ").unwrap();
    assert!(new.contains(", root "), "{what}: the new head is named: {text}");
    // The kept checkpoint stays; the new signed note is kept as evidence.
    assert_eq!(std::fs::read_to_string(state.join("checkpoint")).unwrap(), kept);
    assert!(
        std::fs::read_dir(&state)
            .unwrap()
            .any(|f| { f.unwrap().file_name().to_string_lossy().starts_with("conflict-") })
    );
    drop(server);

    let verified = verify_with(&dir, &state.join("checkpoint"));
    assert_eq!(verified.status.code(), Some(1), "{what}: {}", stdout(&verified));
    assert!(
        stdout(&verified).starts_with("audit log BROKEN at event "),
        "{what}: {}",
        stdout(&verified)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[rocket::async_test]
async fn an_edited_event_with_every_later_hash_recomputed_is_caught() {
    rewritten_history_is_caught("edit", async |db: &Db| edit_and_rechain(db, 3).await).await;
}

#[rocket::async_test]
async fn a_cut_tail_with_the_head_rewound_is_caught() {
    rewritten_history_is_caught("cut", async |db: &Db| {
        execute(db, "DELETE FROM audit_events WHERE seq > 4").await;
        let now = chrono::Utc::now();
        let last = audit::list(db, &EventFilter::default(), Visibility::Everything, None, 1, now)
            .await
            .unwrap()
            .remove(0);
        assert_eq!(last.seq, 4);
        execute(db, &format!("UPDATE audit_head SET seq = 4, hash = '{}'", last.hash)).await;
    })
    .await;
}

#[rocket::async_test]
async fn everything_deleted_is_caught() {
    rewritten_history_is_caught("delete", async |db: &Db| {
        execute(db, "DELETE FROM audit_events").await;
        execute(
            db,
            &format!("UPDATE audit_head SET seq = 0, hash = '{}'", to_hex(&GENESIS)),
        )
        .await;
    })
    .await;
}

#[rocket::async_test]
async fn the_witness_follows_growth_and_refuses_another_key() {
    let dir = scratch();
    let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures");
    assert!(run(&dir, &["load-fixtures", fixtures], &[]).status.success());
    let server = serve(&dir);
    let state = dir.join("witness");
    assert_eq!(witness(&server, &state).status.code(), Some(0));
    assert_eq!(
        stdout(&witness(&server, &state)),
        "consistent: the log still has 9 events\n"
    );
    // A failed sign-in is an event; the next checkpoint (each second here) covers it.
    let _ = ureq::post(&format!("{}/api/v1/auth/token", server.url))
        .header("Content-Type", "application/json")
        .send(r#"{"email": "nobody@example.kg", "password": "wrong password"}"#);
    let started = Instant::now();
    let grown = loop {
        let output = witness(&server, &state);
        assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
        if stdout(&output) != "consistent: the log still has 9 events\n" {
            break stdout(&output);
        }
        assert!(started.elapsed() < Duration::from_secs(20), "no new checkpoint");
        std::thread::sleep(Duration::from_millis(300));
    };
    assert!(
        grown.starts_with("consistent: the log grew from 9 to 10 events, root "),
        "{grown}"
    );

    // A key other than the log's: its signatures do not verify; nothing is kept.
    let other = LogKey::from_seed(ORIGIN, [0x22; 32]).public().verifier_key();
    let elsewhere = dir.join("other-witness");
    let output = run(
        &dir,
        &[
            "audit",
            "witness",
            &server.url,
            "--state",
            &elsewhere.display().to_string(),
            "--key",
            &other,
        ],
        &[],
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("is not signed by the key"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(!elsewhere.join("checkpoint").exists());
    drop(server);
    std::fs::remove_dir_all(&dir).unwrap();
}
