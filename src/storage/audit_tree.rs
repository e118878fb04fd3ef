//! The audit log's Merkle tree in the database (migration 0012): the stored hashes of
//! [`crate::domain::merkle`], written in the events' own transaction, and read a proof's worth
//! at a time (one query), never by re-hashing the log.

use std::collections::HashMap;

use crate::domain::audit::{from_hex, to_hex};
use crate::domain::merkle::{self, Hash, Needed, Nodes, Position};
use crate::storage::{Db, Reader, StoreError, Tx};

/// The right edge of the tree (the hashes the next leaf combines with) as of a head, remembered
/// by the process that appended last, so its next append need not read it. It is used only when
/// the head read under the head's lock is the one it was remembered at: the same chain head
/// means the same events, hence the same tree, whoever appended since.
#[derive(Debug, Clone)]
pub struct Edge {
    pub size: u64,
    pub head: String,
    pub hashes: HashMap<Position, Hash>,
}

/// The edge remembered after the last committed append (shared by a `Db`'s clones).
pub type EdgeMemory = std::sync::Arc<std::sync::Mutex<Option<Edge>>>;

/// The remembered edge, if it is that of the tree of `size` leaves under chain head `head`.
pub fn remembered(memory: &EdgeMemory, size: u64, head: &str) -> Option<HashMap<Position, Hash>> {
    let edge = memory.lock().ok()?;
    edge.as_ref()
        .filter(|e| e.size == size && e.head == head)
        .map(|e| e.hashes.clone())
}

/// The edge remembered last, whatever head it was remembered at.
pub fn last(memory: &EdgeMemory) -> Option<Edge> {
    memory.lock().ok()?.clone()
}

/// Remembers the edge of a committed append.
pub fn remember(memory: &EdgeMemory, edge: Edge) {
    if let Ok(mut slot) = memory.lock() {
        *slot = Some(edge);
    }
}

/// The stored hashes of the tree of `size` leaves that the next leaf combines with.
pub async fn edge_of(tx: &mut Tx, size: u64) -> Result<HashMap<Position, Hash>, StoreError> {
    read(Reader::from(&mut *tx), &merkle::frontier(size)).await
}

/// The hashes to store for `leaves` appended to a tree of `size` leaves whose edge is `edge`,
/// and the edge of the tree they make.
pub fn grow(
    size: u64,
    leaves: &[Hash],
    edge: &HashMap<Position, Hash>,
) -> (Vec<(Position, Hash)>, HashMap<Position, Hash>) {
    let nodes = merkle::appended(size, leaves, edge);
    let new_size = size + leaves.len() as u64;
    let mut known = edge.clone();
    known.extend(nodes.iter().copied());
    let next = merkle::frontier(new_size)
        .into_iter()
        .filter_map(|at| known.get(&at).map(|h| (at, *h)))
        .collect();
    (nodes, next)
}

/// Stores `leaves`, appended to a tree of `size` leaves, with every subtree they complete.
pub async fn append(tx: &mut Tx, size: u64, leaves: &[Hash]) -> Result<(), StoreError> {
    if leaves.is_empty() {
        return Ok(());
    }
    let edge = edge_of(tx, size).await?;
    let (nodes, _) = grow(size, leaves, &edge);
    insert_nodes(tx, &nodes).await
}

/// `(level, idx, hash)` rows as a multi-row insert whose parameters start at `$first`.
pub fn insert_sql(rows: usize, first: usize) -> String {
    let values: Vec<String> = (0..rows)
        .map(|i| format!("(${}, ${}, ${})", first + 3 * i, first + 3 * i + 1, first + 3 * i + 2))
        .collect();
    format!("INSERT INTO audit_tree (level, idx, hash) VALUES {}", values.join(", "))
}

/// A node's bind values.
pub fn node_values((level, index): Position, hash: &Hash) -> Result<(i16, i64, String), StoreError> {
    Ok((i16::from(level), to_i64(index)?, to_hex(hash)))
}

/// Stores tree hashes, a few hundred rows per statement (SQLite allows 32,766 parameters).
pub async fn insert_nodes(tx: &mut Tx, nodes: &[(Position, Hash)]) -> Result<(), StoreError> {
    for chunk in nodes.chunks(300) {
        let sql = insert_sql(chunk.len(), 1);
        let mut values = Vec::with_capacity(chunk.len());
        for (at, hash) in chunk {
            values.push(node_values(*at, hash)?);
        }
        on_tx!(tx, conn => {
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql.clone()));
            for (level, index, hash) in &values {
                query = query.bind(*level).bind(*index).bind(hash);
            }
            query.execute(&mut *conn).await?;
        });
    }
    Ok(())
}

fn to_i64(n: u64) -> Result<i64, StoreError> {
    i64::try_from(n).map_err(|_| StoreError::Database("the audit tree outgrew 64-bit indexes".into()))
}

/// The stored hashes at `positions`, in one query; a position not stored is left out.
async fn read(reader: Reader<'_>, positions: &[Position]) -> Result<HashMap<Position, Hash>, StoreError> {
    if positions.is_empty() {
        return Ok(HashMap::new());
    }
    let wanted: Vec<String> = (0..positions.len())
        .map(|i| format!("(level = ${} AND idx = ${})", 2 * i + 1, 2 * i + 2))
        .collect();
    let sql = format!("SELECT level, idx, hash FROM audit_tree WHERE {}", wanted.join(" OR "));
    let mut binds = Vec::with_capacity(positions.len());
    for (level, index) in positions {
        binds.push((i16::from(*level), to_i64(*index)?));
    }
    let rows: Vec<(i16, i64, String)> = on_reader!(reader, conn => {
        let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()));
        for (level, index) in &binds {
            query = query.bind(*level).bind(*index);
        }
        query.fetch_all(conn).await?
    });
    rows.into_iter()
        .map(|(level, index, hash)| {
            let at = (u8::try_from(level).ok(), u64::try_from(index).ok());
            match (at, from_hex(&hash)) {
                ((Some(level), Some(index)), Some(hash)) => Ok(((level, index), hash)),
                _ => Err(StoreError::Database(format!(
                    "audit tree node ({level}, {index}) is malformed"
                ))),
            }
        })
        .collect()
}

/// Runs `compute` over the stored tree: once to learn which hashes it reads, then on those,
/// fetched in one query. `None` from `compute` (a hash missing) is a damaged tree.
async fn over_stored<T>(db: &Db, compute: impl Fn(&mut dyn Nodes) -> Option<T>) -> Result<T, StoreError> {
    let mut needed = Needed::default();
    compute(&mut needed);
    let positions: Vec<Position> = needed.0.into_iter().collect();
    let mut fetched = read(Reader::from(db), &positions).await?;
    compute(&mut fetched).ok_or_else(|| StoreError::Database("the audit tree is missing hashes".into()))
}

/// The number of leaves the stored tree holds: the log's size, committed.
pub async fn size(db: &Db) -> Result<u64, StoreError> {
    // The head row moves in the transaction that stores the tree's hashes.
    let seq: i64 =
        on_pool!(db, pool => sqlx::query_scalar("SELECT seq FROM audit_head WHERE id = 1").fetch_one(pool).await?);
    Ok(u64::try_from(seq).unwrap_or(0))
}

/// The root of the tree of the first `size` leaves.
pub async fn root(db: &Db, size: u64) -> Result<Hash, StoreError> {
    over_stored(db, |nodes| merkle::root(nodes, size)).await
}

/// An inclusion proof: the leaf's hash, the root of the tree of `size` leaves, the audit path.
pub async fn inclusion(db: &Db, index: u64, size: u64) -> Result<(Hash, Hash, Vec<Hash>), StoreError> {
    over_stored(db, |nodes| {
        let leaf = nodes.node((0, index))?;
        let root = merkle::root(nodes, size)?;
        Some((leaf, root, merkle::inclusion_proof(nodes, index, size)?))
    })
    .await
}

/// A consistency proof between the trees of `from` and `to` leaves, with both roots.
pub async fn consistency(db: &Db, from: u64, to: u64) -> Result<(Hash, Hash, Vec<Hash>), StoreError> {
    over_stored(db, |nodes| {
        Some((
            merkle::root(nodes, from)?,
            merkle::root(nodes, to)?,
            merkle::consistency_proof(nodes, from, to)?,
        ))
    })
    .await
}

/// Inclusion proofs of several leaves in the tree of `size` leaves, read in one query: each
/// leaf's hash and audit path, in the order of `indexes`.
pub async fn inclusions(db: &Db, indexes: &[u64], size: u64) -> Result<Vec<(Hash, Vec<Hash>)>, StoreError> {
    over_stored(db, |nodes| {
        indexes
            .iter()
            .map(|&index| Some((nodes.node((0, index))?, merkle::inclusion_proof(nodes, index, size)?)))
            .collect()
    })
    .await
}
