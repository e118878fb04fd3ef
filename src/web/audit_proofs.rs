//! The audit log's Merkle tree for anyone: inclusion and consistency proofs (RFC 9162), hashes
//! only, computed from the stored tree in a handful of reads, never by re-hashing the log.

use rocket::State;
use rocket::http::Status;
use rocket::serde::json::Json;
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::audit::to_hex;
use crate::domain::validation::{Violations, whole_number};
use crate::storage::Db;
use crate::storage::audit_tree;
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
