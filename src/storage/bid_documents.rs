//! A sealed bid's documents in the database: where each one's ciphertext is in the blob store and
//! its sealed description. Written under the tender's lock (taken by the service first).

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::{DateTime, Utc};

use crate::domain::sealing::Sealed;
use crate::storage::statement::{Param, Statement};
use crate::storage::{Reader, StoreError};

/// A bid document as recorded: nothing in it is readable without the tender's key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredDocument {
    pub id: String,
    pub bid_id: String,
    /// The ciphertext's name in the blob store.
    pub blob: String,
    /// The sealed `{"name", "sha256", "file_type", "size"}`.
    pub sealed_meta: Sealed,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    bid_id: String,
    blob: String,
    sealed_meta: String,
}

impl TryFrom<Row> for StoredDocument {
    type Error = StoreError;

    fn try_from(r: Row) -> Result<Self, StoreError> {
        let bad = || StoreError::Corrupt(format!("bid document {}: bad sealed description", r.id));
        let bytes = BASE64.decode(&r.sealed_meta).map_err(|_| bad())?;
        let sealed_meta = Sealed::from_bytes(&bytes).map_err(|_| bad())?;
        Ok(StoredDocument {
            id: r.id,
            bid_id: r.bid_id,
            blob: r.blob,
            sealed_meta,
        })
    }
}

/// The documents the bid's latest version carries, in the order they were added.
pub async fn current<'r>(reader: impl Into<Reader<'r>>, bid_id: &str) -> Result<Vec<StoredDocument>, StoreError> {
    let sql = "SELECT id, bid_id, blob, sealed_meta FROM bid_documents \
               WHERE bid_id = $1 AND current = $2 ORDER BY position";
    let rows: Vec<Row> =
        on_reader!(reader.into(), conn => sqlx::query_as(sql).bind(bid_id).bind(true).fetch_all(conn).await?);
    rows.into_iter().map(StoredDocument::try_from).collect()
}

/// One document of a bid, current or not.
pub async fn find<'r>(reader: impl Into<Reader<'r>>, bid_id: &str, id: &str) -> Result<StoredDocument, StoreError> {
    let sql = "SELECT id, bid_id, blob, sealed_meta FROM bid_documents WHERE bid_id = $1 AND id = $2";
    let row: Option<Row> =
        on_reader!(reader.into(), conn => sqlx::query_as(sql).bind(bid_id).bind(id).fetch_optional(conn).await?);
    row.ok_or(StoreError::NotFound("document"))?.try_into()
}

/// The bid's current documents stop being current (a replacement with new files, a withdrawal).
pub fn retire(bid_id: &str) -> Statement {
    Statement::new("UPDATE bid_documents SET current = $1 WHERE bid_id = $2 AND current = $3")
        .bind(Param::Bool(false))
        .bind(Param::Text(bid_id.to_string()))
        .bind(Param::Bool(true))
}

/// Records a document of the bid's latest version.
pub fn insert(document: &StoredDocument, position: i32, now: DateTime<Utc>) -> Statement {
    Statement::new(
        "INSERT INTO bid_documents (id, bid_id, blob, sealed_meta, position, current, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(Param::Text(document.id.clone()))
    .bind(Param::Text(document.bid_id.clone()))
    .bind(Param::Text(document.blob.clone()))
    .bind(Param::Text(BASE64.encode(document.sealed_meta.to_bytes())))
    .bind(Param::Int32(position))
    .bind(Param::Bool(true))
    .bind(Param::Time(now))
}
