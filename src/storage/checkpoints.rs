//! The audit log's published checkpoints in the database (migration 0013): one per tree size,
//! never changed; the latest answers the public API, all of them are checked by `audit verify`.

use chrono::{DateTime, Utc};

use crate::domain::audit::to_hex;
use crate::domain::checkpoint::SignedCheckpoint;
use crate::storage::{Db, StoreError};

/// A checkpoint as stored: the size, the root (lower-case hex), the signed time, the note.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
pub struct StoredCheckpoint {
    pub size: i64,
    pub root_hash: String,
    pub published_at: DateTime<Utc>,
    pub note: String,
}

/// Stores a checkpoint unless one of its size is stored already (another instance published
/// the same head first). Whether this one was stored.
pub async fn insert(db: &Db, checkpoint: &SignedCheckpoint) -> Result<bool, StoreError> {
    let size = i64::try_from(checkpoint.head.size)
        .map_err(|_| StoreError::Database("a checkpoint beyond 64-bit sizes".into()))?;
    let stored = on_pool!(db, pool => {
        sqlx::query(
            "INSERT INTO audit_checkpoints (size, root_hash, published_at, note) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (size) DO NOTHING",
        )
        .bind(size)
        .bind(to_hex(&checkpoint.head.root))
        .bind(checkpoint.published_at)
        .bind(&checkpoint.note)
        .execute(pool)
        .await?
        .rows_affected()
    });
    Ok(stored == 1)
}

/// The checkpoint of the largest tree published.
pub async fn latest(db: &Db) -> Result<Option<StoredCheckpoint>, StoreError> {
    let row = on_pool!(db, pool => {
        sqlx::query_as("SELECT size, root_hash, published_at, note FROM audit_checkpoints ORDER BY size DESC LIMIT 1")
            .fetch_optional(pool)
            .await?
    });
    Ok(row)
}

/// Every published checkpoint, smallest tree first.
pub async fn all(db: &Db) -> Result<Vec<StoredCheckpoint>, StoreError> {
    let rows = on_pool!(db, pool => {
        sqlx::query_as("SELECT size, root_hash, published_at, note FROM audit_checkpoints ORDER BY size")
            .fetch_all(pool)
            .await?
    });
    Ok(rows)
}
