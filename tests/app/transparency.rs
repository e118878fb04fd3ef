//! The audit log as a Merkle tree (RFC 9162): inclusion and consistency proofs served from the
//! stored tree, checked here by a verifier written from the RFC alone, and a database that
//! refuses any insert but the next event's.

use ppp_registry::storage::audit;
use ppp_registry::storage::{Db, Engine};
use rocket::http::Status;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::support::{TestApp, spawn_with_fixtures};

pub(crate) type Hash = [u8; 32];

pub(crate) fn hex(text: &Value) -> Hash {
    let text = text.as_str().expect("a hex string");
    assert_eq!(text.len(), 64, "{text}");
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).expect("lower-case hex");
    }
    assert_eq!(text, text.to_lowercase());
    out
}

pub(crate) fn hashes(list: &Value) -> Vec<Hash> {
    list.as_array().expect("a list").iter().map(hex).collect()
}

/// HASH(0x01 || left || right), RFC 9162 section 2.1.1.
fn node(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// RFC 9162 section 2.1.3.2, step by step.
pub(crate) fn rfc_inclusion(leaf: &Hash, index: u64, size: u64, path: &[Hash], root: &Hash) -> bool {
    if index >= size {
        return false;
    }
    let (mut fnode, mut snode, mut r) = (index, size - 1, *leaf);
    for p in path {
        if snode == 0 {
            return false;
        }
        if fnode % 2 == 1 || fnode == snode {
            r = node(p, &r);
            while fnode % 2 == 0 && fnode != 0 {
                fnode /= 2;
                snode /= 2;
            }
        } else {
            r = node(&r, p);
        }
        fnode /= 2;
        snode /= 2;
    }
    snode == 0 && r == *root
}

/// RFC 9162 section 2.1.4.2, step by step.
fn rfc_consistency(first: u64, second: u64, first_hash: &Hash, second_hash: &Hash, proof: &[Hash]) -> bool {
    if first == second {
        return proof.is_empty() && first_hash == second_hash;
    }
    if proof.is_empty() || first > second {
        return false;
    }
    let mut path = proof.to_vec();
    if first.is_power_of_two() {
        path.insert(0, *first_hash);
    }
    let (mut fnode, mut snode) = (first - 1, second - 1);
    while fnode % 2 == 1 {
        fnode /= 2;
        snode /= 2;
    }
    let (mut fr, mut sr) = (path[0], path[0]);
    for c in &path[1..] {
        if snode == 0 {
            return false;
        }
        if fnode % 2 == 1 || fnode == snode {
            fr = node(c, &fr);
            sr = node(c, &sr);
            while fnode % 2 == 0 && fnode != 0 {
                fnode /= 2;
                snode /= 2;
            }
        } else {
            sr = node(&sr, c);
        }
        fnode /= 2;
        snode /= 2;
    }
    fr == *first_hash && sr == *second_hash && snode == 0
}

async fn get(app: &TestApp, uri: &str) -> (Status, Value) {
    let response = app.get(uri).await;
    let status = response.status();
    let body = response.into_string().await.unwrap_or_default();
    (status, serde_json::from_str(&body).unwrap_or(Value::Null))
}

/// Every event of the fixture log is proven in the tree of the whole log, its leaf the one its
/// link in the hash chain was made from; consistency proofs hold between every pair of sizes up
/// to 32, and fail against a forged root.
#[rocket::async_test]
async fn every_event_is_proven_in_the_tree_and_every_tree_extends_the_earlier_ones() {
    let app = spawn_with_fixtures().await;
    let events = crate::audit::all_events(&app.db).await;
    let size = events.len() as u64;
    assert_eq!(size, 144);
    let mut root = None;
    let mut link = [0u8; 32];
    for (index, event) in events.iter().enumerate() {
        let (status, proof) = get(
            &app,
            &format!("/api/v1/audit/proof/inclusion?index={index}&size={size}"),
        )
        .await;
        assert_eq!(status, Status::Ok, "{proof}");
        let leaf = hex(&proof["leaf_hash"]);
        let proof_root = hex(&proof["root_hash"]);
        assert!(
            rfc_inclusion(
                &leaf,
                index as u64,
                size,
                &hashes(&proof["inclusion_path"]),
                &proof_root
            ),
            "{index}"
        );
        assert_eq!(
            *root.get_or_insert(proof_root),
            proof_root,
            "one root for one tree size"
        );
        // The leaf is the event's: the chain's link was made from it.
        let mut h = Sha256::new();
        h.update([1u8]);
        h.update(link);
        h.update(leaf);
        link = h.finalize().into();
        assert_eq!(
            ppp_registry::domain::audit::to_hex(&link),
            event.hash,
            "event {}",
            event.seq
        );
        // The event's receipt names the same leaf, so its holder can ask for this proof.
        let receipt = event.receipt();
        assert_eq!(
            (receipt.leaf_index, receipt.leaf_hash.as_str()),
            (index as u64, proof["leaf_hash"].as_str().unwrap())
        );
        // A proof names hashes only.
        assert_eq!(
            proof.as_object().unwrap().keys().collect::<Vec<_>>(),
            ["inclusion_path", "index", "leaf_hash", "root_hash", "size"]
        );
    }
    let mut roots = vec![[0u8; 32]];
    for to in 1..=32u64 {
        for from in 1..=to {
            let (status, proof) = get(&app, &format!("/api/v1/audit/proof/consistency?from={from}&to={to}")).await;
            assert_eq!(status, Status::Ok, "{proof}");
            let (from_root, to_root) = (hex(&proof["from"]["root_hash"]), hex(&proof["to"]["root_hash"]));
            if from == to {
                roots.push(to_root);
            }
            let path = hashes(&proof["consistency_path"]);
            assert!(rfc_consistency(from, to, &from_root, &to_root, &path), "{from} -> {to}");
            let forged = node(&from_root, &to_root);
            assert!(
                from == to || !rfc_consistency(from, to, &forged, &to_root, &path),
                "{from} -> {to}"
            );
        }
    }
    // Each size's root is the same whichever proof names it.
    let (_, proof) = get(&app, "/api/v1/audit/proof/consistency?from=7&to=32").await;
    assert_eq!(hex(&proof["from"]["root_hash"]), roots[7]);
    assert_eq!(hex(&proof["to"]["root_hash"]), roots[32]);
}

#[rocket::async_test]
async fn proofs_name_what_they_cannot_prove() {
    let app = spawn_with_fixtures().await;
    for (uri, status, field) in [
        (
            "/api/v1/audit/proof/inclusion?index=144&size=144",
            Status::UnprocessableEntity,
            "index",
        ),
        (
            "/api/v1/audit/proof/inclusion?index=0&size=0",
            Status::UnprocessableEntity,
            "size",
        ),
        (
            "/api/v1/audit/proof/inclusion?index=-1&size=5",
            Status::UnprocessableEntity,
            "index",
        ),
        (
            "/api/v1/audit/proof/inclusion?size=5",
            Status::UnprocessableEntity,
            "index",
        ),
        (
            "/api/v1/audit/proof/inclusion?index=0&size=145",
            Status::NotFound,
            "size",
        ),
        (
            "/api/v1/audit/proof/consistency?from=9&to=8",
            Status::UnprocessableEntity,
            "to",
        ),
        (
            "/api/v1/audit/proof/consistency?from=0&to=8",
            Status::UnprocessableEntity,
            "from",
        ),
        ("/api/v1/audit/proof/consistency?from=1&to=1000", Status::NotFound, "to"),
    ] {
        let (got, body) = get(&app, uri).await;
        assert_eq!(got, status, "{uri}: {body}");
        assert!(body["error"]["fields"][field].is_array(), "{uri}: {body}");
    }
}

async fn execute(db: &Db, sql: &str) -> Result<u64, sqlx::Error> {
    ppp_registry::on_pool!(db, pool => sqlx::query(sqlx::AssertSqlSafe(sql.to_string())).execute(pool).await.map(|r| r.rows_affected()))
}

/// Only the next event may be inserted, on both engines: not over an existing one (SQLite's
/// `INSERT OR REPLACE` deleted the row without firing its delete trigger), not past a gap; and
/// a stored tree hash is never replaced.
#[rocket::async_test]
async fn the_database_takes_only_the_next_event_and_never_replaces_a_tree_hash() {
    let app = spawn_with_fixtures().await;
    let columns = "seq, at, actor_name, action, entity_type, entity_id, payload, prev_hash, hash";
    let values = |seq: i64| {
        format!(
            "({seq}, '2026-12-01T00:00:00Z', 'x', 'x', 'x', 'x', '{{}}', '{z}', '{z}')",
            z = "0".repeat(64)
        )
    };
    let mut attempts = vec![format!("INSERT INTO audit_events ({columns}) VALUES {}", values(61))];
    let replace_tree = match app.db.engine() {
        Engine::Sqlite => {
            attempts.push(format!(
                "INSERT OR REPLACE INTO audit_events ({columns}) VALUES {}",
                values(3)
            ));
            format!(
                "INSERT OR REPLACE INTO audit_tree (level, idx, hash) VALUES (0, 0, '{}')",
                "0".repeat(64)
            )
        }
        Engine::Postgres => {
            attempts.push(format!(
                "INSERT INTO audit_events ({columns}) VALUES {} ON CONFLICT (seq) DO UPDATE SET actor_name = 'y'",
                values(3)
            ));
            format!(
                "INSERT INTO audit_tree (level, idx, hash) VALUES (0, 0, '{}') ON CONFLICT (level, idx) DO UPDATE SET hash = EXCLUDED.hash",
                "0".repeat(64)
            )
        }
    };
    attempts.push(replace_tree);
    for sql in &attempts {
        assert!(execute(&app.db, sql).await.is_err(), "{sql}");
    }
    assert!(matches!(
        audit::verify(&app.db, &[]).await.unwrap().verdict,
        ppp_registry::domain::audit::Verdict::Intact { events: 144, .. }
    ));
    let (_, proof) = get(&app, "/api/v1/audit/proof/inclusion?index=0&size=144").await;
    assert_ne!(proof["leaf_hash"], "0".repeat(64));
}

/// A log written before its tree gets the tree when the schema is brought up to date, with the
/// same roots as one grown event by event.
#[rocket::async_test]
async fn a_log_without_its_tree_gets_it_at_migration() {
    let app = spawn_with_fixtures().await;
    let (_, before) = get(&app, "/api/v1/audit/proof/consistency?from=20&to=144").await;
    let drop = match app.db.engine() {
        Engine::Sqlite => vec!["DROP TRIGGER audit_tree_no_delete"],
        Engine::Postgres => vec!["DROP TRIGGER audit_tree_no_update ON audit_tree"],
    };
    for sql in drop {
        execute(&app.db, sql).await.unwrap();
    }
    assert!(execute(&app.db, "DELETE FROM audit_tree").await.unwrap() > 144);
    assert_eq!(audit::complete_tree(&app.db).await.unwrap(), 144);
    assert_eq!(audit::complete_tree(&app.db).await.unwrap(), 0, "nothing left to do");
    let (status, after) = get(&app, "/api/v1/audit/proof/consistency?from=20&to=144").await;
    assert_eq!(status, Status::Ok);
    assert_eq!(before, after);
}

/// Full verification rebuilds the tree from the events and compares every stored hash: a hash
/// changed, or one removed, is named by its place.
#[rocket::async_test]
async fn verification_names_a_changed_or_missing_tree_hash() {
    use ppp_registry::domain::audit::Verdict;
    for (what, change, place) in [
        (
            "changed",
            format!(
                "UPDATE audit_tree SET hash = '{}' WHERE level = 1 AND idx = 3",
                "0".repeat(64)
            ),
            (7, "level 1, index 3"),
        ),
        (
            "missing",
            "DELETE FROM audit_tree WHERE level = 0 AND idx = 40".to_string(),
            (41, "level 0, index 40"),
        ),
    ] {
        let app = spawn_with_fixtures().await;
        let drop: &[&str] = match app.db.engine() {
            Engine::Sqlite => &["DROP TRIGGER audit_tree_no_update", "DROP TRIGGER audit_tree_no_delete"],
            Engine::Postgres => &["DROP TRIGGER audit_tree_no_update ON audit_tree"],
        };
        for sql in drop {
            execute(&app.db, sql).await.unwrap();
        }
        execute(&app.db, &change).await.unwrap();
        match audit::verify(&app.db, &[]).await.unwrap().verdict {
            Verdict::Broken {
                first_bad_seq, reason, ..
            } => {
                assert_eq!(first_bad_seq, place.0, "{what}");
                assert_eq!(
                    reason,
                    format!("the stored Merkle tree differs from the events at {}", place.1),
                    "{what}"
                );
            }
            intact => panic!("{what}: {intact:?}"),
        }
    }
}

/// An instance remembers the tree's edge after each append; when another instance appended in
/// between, the remembered head is stale: the append notices (on SQLite, the database refuses
/// the optimistic insert) and reads the head, and the log stays one intact tree.
#[rocket::async_test]
async fn an_instance_whose_remembered_head_is_stale_still_appends_in_order() {
    use ppp_registry::domain::audit::{AuditContext, NewEvent, Verdict};
    use ppp_registry::storage::unit_of_work::UnitOfWork;
    let app = crate::support::spawn().await;
    let other = Db::connect(&app.url).await.unwrap();
    let ctx = AuditContext::system();
    let append = async |db: &Db, n: u32| {
        let mut uow = UnitOfWork::begin(db, &*app.clock, &ctx).await.unwrap();
        for i in 0..n {
            uow.record(NewEvent::new("organization.status_changed", "organization", i));
        }
        uow.commit().await.unwrap()
    };
    assert_eq!(append(&app.db, 1).await[0].seq, 1);
    assert_eq!(
        append(&other, 2).await.iter().map(|e| e.seq).collect::<Vec<_>>(),
        [2, 3]
    );
    // The first instance remembers the head after event 1; the log is at 3.
    assert_eq!(
        append(&app.db, 3).await.iter().map(|e| e.seq).collect::<Vec<_>>(),
        [4, 5, 6]
    );
    assert_eq!(append(&app.db, 1).await[0].seq, 7);
    let verification = audit::verify(&app.db, &[]).await.unwrap();
    assert!(
        matches!(verification.verdict, Verdict::Intact { events: 7, .. }),
        "{verification:?}"
    );
    let (_, proof) = get(&app, "/api/v1/audit/proof/consistency?from=3&to=7").await;
    assert_eq!(proof["to"]["root_hash"], verification.root_hash);
    other.close().await;
}
