//! Browser sessions on the server: the cookie carries a random secret, the database its
//! SHA-256, when it began, when it was last seen and when it ended. Ending a row ends the
//! session on every app instance at once.

use chrono::{DateTime, Utc};

use crate::domain::ids::{OrgId, UserId};
use crate::storage::{Db, StoreError, Tx};

/// A live session: whose, and when it was last seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LiveSession {
    pub user: UserId,
    pub seen_at: DateTime<Utc>,
}

/// Records a new session (inside the sign-in's change).
pub async fn insert(tx: &mut Tx, id_hash: &str, user: UserId, now: DateTime<Utc>) -> Result<(), StoreError> {
    let sql = "INSERT INTO sessions (id_hash, user_id, created_at, seen_at) VALUES ($1, $2, $3, $3)";
    on_tx!(tx, conn => sqlx::query(sql).bind(id_hash).bind(user.0).bind(now).execute(&mut *conn).await?.rows_affected());
    Ok(())
}

/// The session if it has not ended, was seen after `idle_since` and began after `begun_since`.
pub async fn find_live(
    db: &Db,
    id_hash: &str,
    idle_since: DateTime<Utc>,
    begun_since: DateTime<Utc>,
) -> Result<Option<LiveSession>, StoreError> {
    let sql = "SELECT user_id, seen_at FROM sessions WHERE id_hash = $1 AND ended_at IS NULL \
               AND seen_at > $2 AND created_at > $3";
    let row: Option<(i64, DateTime<Utc>)> = on_pool!(db, pool => {
        sqlx::query_as(sql).bind(id_hash).bind(idle_since).bind(begun_since).fetch_optional(pool).await?
    });
    Ok(row.map(|(user, seen_at)| LiveSession {
        user: UserId(user),
        seen_at,
    }))
}

/// Notes that the session was used (not ended ones).
pub async fn touch(tx: &mut Tx, id_hash: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
    let sql = "UPDATE sessions SET seen_at = $1 WHERE id_hash = $2 AND ended_at IS NULL AND seen_at < $1";
    on_tx!(tx, conn => sqlx::query(sql).bind(now).bind(id_hash).execute(&mut *conn).await?.rows_affected());
    Ok(())
}

/// Ends one session; whether it was live.
pub async fn end(tx: &mut Tx, id_hash: &str, now: DateTime<Utc>) -> Result<bool, StoreError> {
    let sql = "UPDATE sessions SET ended_at = $1 WHERE id_hash = $2 AND ended_at IS NULL";
    let ended = on_tx!(tx, conn => sqlx::query(sql).bind(now).bind(id_hash).execute(&mut *conn).await?.rows_affected());
    Ok(ended > 0)
}

/// Ends every live session of an account; how many.
pub async fn end_all(tx: &mut Tx, user: UserId, now: DateTime<Utc>) -> Result<u64, StoreError> {
    let sql = "UPDATE sessions SET ended_at = $1 WHERE user_id = $2 AND ended_at IS NULL";
    let ended = on_tx!(tx, conn => sqlx::query(sql).bind(now).bind(user.0).execute(&mut *conn).await?.rows_affected());
    Ok(ended)
}

/// Ends every live session of an organisation's accounts; how many.
pub async fn end_all_of_organization(tx: &mut Tx, organization: OrgId, now: DateTime<Utc>) -> Result<u64, StoreError> {
    let sql = "UPDATE sessions SET ended_at = $1 WHERE ended_at IS NULL \
               AND user_id IN (SELECT id FROM users WHERE organization_id = $2)";
    let ended =
        on_tx!(tx, conn => sqlx::query(sql).bind(now).bind(organization.0).execute(&mut *conn).await?.rows_affected());
    Ok(ended)
}

/// Forgets sessions that ended, or went idle, before `before`.
pub async fn purge(tx: &mut Tx, before: DateTime<Utc>) -> Result<u64, StoreError> {
    let sql = "DELETE FROM sessions WHERE seen_at < $1 OR ended_at < $1";
    let purged = on_tx!(tx, conn => sqlx::query(sql).bind(before).execute(&mut *conn).await?.rows_affected());
    Ok(purged)
}
