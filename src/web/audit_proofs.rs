//! The audit log as a transparency log, for anyone: the latest signed checkpoint, the log's
//! public key, inclusion and consistency proofs (RFC 9162). Hashes only, computed from the
//! stored tree in a handful of reads, never by re-hashing the log.

use rocket::State;
use rocket::http::Status;
use rocket::serde::json::Json;
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::audit::to_hex;
use crate::domain::validation::{Violations, whole_number};
use crate::storage::Db;
use crate::storage::{audit_tree, checkpoints};
use crate::web::AppState;
use crate::web::api_error::ApiError;
use crate::web::query_once::QueryOnce;

/// A tree head: its size (leaves, that is events) and root hash (lower-case hex).
#[derive(Debug, Serialize, ToSchema)]
pub struct TreeHead {
    pub size: u64,
    pub root_hash: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InclusionProof {
    /// The leaf's index: the event's `seq` minus one.
    pub index: u64,
    pub size: u64,
    /// SHA-256(0x00 || the event's encoding).
    pub leaf_hash: String,
    pub root_hash: String,
    /// From the leaf up, as RFC 9162 section 2.1.3 defines it.
    pub inclusion_path: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConsistencyProof {
    pub from: TreeHead,
    pub to: TreeHead,
    /// As RFC 9162 section 2.1.4 defines it.
    pub consistency_path: Vec<String>,
}

/// A signed tree head as published.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"origin": "ppp.bishkek.kg/audit", "size": 1520,
    "root_hash": "9f2c4b0e6a1d3f5e7c9b2a4d6f8e0c1b3a5d7f9e2c4b6a8d0f1e3c5b7a9d2f4e",
    "published_at": "2026-12-03T06:00:00Z",
    "note": "ppp.bishkek.kg/audit\n1520\nnyxLDmodP15+myotb44MGzpdf54sS2qNDx48W3qdL04=\n\n— ppp.bishkek.kg/audit …\n— ppp.bishkek.kg/audit …\n"}))]
pub struct CheckpointView {
    /// The log's name: the first line of the note and the name of its key.
    pub origin: String,
    pub size: i64,
    pub root_hash: String,
    /// The signed time (whole seconds): the cosignature's timestamp.
    pub published_at: chrono::DateTime<chrono::Utc>,
    /// The C2SP signed note: the checkpoint body, a blank line, two signature lines (a plain
    /// Ed25519 note signature and a timestamped tlog-cosignature/v1, by the same key).
    pub note: String,
}

/// The log's public key, to check its checkpoints.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"origin": "ppp.bishkek.kg/audit", "algorithm": "ed25519"}))]
pub struct LogKeyView {
    pub origin: String,
    /// Always `ed25519`.
    pub algorithm: &'static str,
    /// The 32-byte public key, lower-case hex.
    pub public_key: String,
    /// The signed-note verifier key of the plain signature (type 0x01), as Go's
    /// `sumdb/note` reads it.
    pub verifier_key: String,
    /// The verifier key of the timestamped cosignature/v1 (type 0x04).
    pub cosignature_verifier_key: String,
}

/// The latest signed checkpoint: keep it, and later ask for a consistency proof from its size.
#[utoipa::path(get, operation_id = "audit_checkpoint", path = "/api/v1/audit/checkpoint", tag = "audit",
    responses((status = 200, description = "The latest published checkpoint", body = CheckpointView),
        (status = 404, description = "None published yet (the app has just started)", body = crate::web::api_error::ErrorBody)))]
#[rocket::get("/audit/checkpoint")]
pub async fn checkpoint(db: &State<Db>, app: &State<AppState>) -> Result<Json<CheckpointView>, ApiError> {
    let latest = checkpoints::latest(db).await?.ok_or_else(ApiError::not_found)?;
    Ok(Json(CheckpointView {
        origin: app.log_key.origin().to_string(),
        size: latest.size,
        root_hash: latest.root_hash,
        published_at: latest.published_at,
        note: latest.note,
    }))
}

/// The public key that signs the checkpoints.
#[utoipa::path(get, operation_id = "audit_log_key", path = "/api/v1/audit/key", tag = "audit",
    responses((status = 200, description = "The log's public key", body = LogKeyView)))]
#[rocket::get("/audit/key")]
pub async fn key(app: &State<AppState>) -> Json<LogKeyView> {
    Json(key_view(&app.log_key.public()))
}

pub fn key_view(public: &crate::domain::checkpoint::PublicLogKey) -> LogKeyView {
    LogKeyView {
        origin: public.origin().to_string(),
        algorithm: "ed25519",
        public_key: public.hex(),
        verifier_key: public.verifier_key(),
        cosignature_verifier_key: public.cosignature_verifier_key(),
    }
}

/// A whole number parameter (digits only), or its field error.
fn count(v: &mut Violations, field: &str, text: Option<&str>) -> u64 {
    match text.map(|t| whole_number::<u64>(t, 18)) {
        Some(Some(n)) => n,
        None => {
            v.add(field, "required");
            0
        }
        Some(None) => {
            v.add(field, "tree_size");
            0
        }
    }
}

/// A tree size beyond what the log holds names no tree head yet.
async fn within_log(db: &Db, field: &str, size: u64) -> Result<(), ApiError> {
    if size > audit_tree::size(db).await? {
        let mut error = ApiError::field(field, "beyond_log");
        error.status = Status::NotFound;
        error.code = "not_found";
        return Err(error);
    }
    Ok(())
}

fn hex_all(hashes: &[[u8; 32]]) -> Vec<String> {
    hashes.iter().map(to_hex).collect()
}

/// That event `index` (its `seq` minus one) is in the log's tree of `size` events.
#[utoipa::path(get, operation_id = "audit_inclusion_proof", path = "/api/v1/audit/proof/inclusion", tag = "audit",
    params(("index" = u64, Query, minimum = 0, maximum = 999999999999999999_u64, description = "The leaf: the event's `seq` minus one; below `size`"),
        ("size" = u64, Query, minimum = 1, maximum = 999999999999999999_u64, description = "The tree size: at most the log's")),
    responses((status = 200, description = "The proof", body = InclusionProof),
        (status = 404, description = "The log holds fewer events than `size`", body = crate::web::api_error::ErrorBody)))]
#[rocket::get("/audit/proof/inclusion?<index>&<size>")]
pub async fn inclusion(
    _once: QueryOnce,
    index: Option<&str>,
    size: Option<&str>,
    db: &State<Db>,
) -> Result<Json<InclusionProof>, ApiError> {
    let mut v = Violations::new();
    let (index, size) = (count(&mut v, "index", index), count(&mut v, "size", size));
    if v.is_empty() && size == 0 {
        v.add("size", "tree_size");
    }
    if v.is_empty() && index >= size {
        v.add("index", "leaf_index");
    }
    v.into_result().map_err(|v| ApiError::validation(&v))?;
    within_log(db, "size", size).await?;
    let (leaf, root, path) = audit_tree::inclusion(db, index, size).await?;
    Ok(Json(InclusionProof {
        index,
        size,
        leaf_hash: to_hex(&leaf),
        root_hash: to_hex(&root),
        inclusion_path: hex_all(&path),
    }))
}

/// That the log's tree of `to` events extends its tree of `from` events: nothing in the first
/// `from` was changed or removed.
#[utoipa::path(get, operation_id = "audit_consistency_proof", path = "/api/v1/audit/proof/consistency", tag = "audit",
    params(("from" = u64, Query, minimum = 1, maximum = 999999999999999999_u64, description = "The earlier tree size"),
        ("to" = u64, Query, minimum = 1, maximum = 999999999999999999_u64, description = "The later tree size: at least `from`, at most the log's")),
    responses((status = 200, description = "The proof", body = ConsistencyProof),
        (status = 404, description = "The log holds fewer events than `to`", body = crate::web::api_error::ErrorBody)))]
#[rocket::get("/audit/proof/consistency?<from>&<to>")]
pub async fn consistency(
    _once: QueryOnce,
    from: Option<&str>,
    to: Option<&str>,
    db: &State<Db>,
) -> Result<Json<ConsistencyProof>, ApiError> {
    let mut v = Violations::new();
    let (from, to) = (count(&mut v, "from", from), count(&mut v, "to", to));
    if v.is_empty() && from == 0 {
        v.add("from", "tree_size");
    }
    if v.is_empty() && from > to {
        v.add("to", "tree_order");
    }
    v.into_result().map_err(|v| ApiError::validation(&v))?;
    within_log(db, "to", to).await?;
    let (from_root, to_root, path) = audit_tree::consistency(db, from, to).await?;
    Ok(Json(ConsistencyProof {
        from: TreeHead {
            size: from,
            root_hash: to_hex(&from_root),
        },
        to: TreeHead {
            size: to,
            root_hash: to_hex(&to_root),
        },
        consistency_path: hex_all(&path),
    }))
}
