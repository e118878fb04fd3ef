//! Saved financial cases of projects, versioned.

use chrono::{DateTime, Utc};

use crate::domain::finance::appraisal::FinancialCase;
use crate::domain::ids::UserId;
use crate::storage::{Reader, StoreError, Tx};

/// One saved version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedCase {
    pub project_id: i64,
    pub version: i32,
    pub case: FinancialCase,
    pub saved_by: UserId,
    pub saved_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct Row {
    project_id: i64,
    version: i32,
    body: String,
    saved_by: i64,
    saved_at: DateTime<Utc>,
}

impl TryFrom<Row> for SavedCase {
    type Error = StoreError;

    fn try_from(r: Row) -> Result<Self, StoreError> {
        let case = serde_json::from_str(&r.body)
            .map_err(|e| StoreError::Database(format!("financial model of project {}: {e}", r.project_id)))?;
        Ok(SavedCase {
            project_id: r.project_id,
            version: r.version,
            case,
            saved_by: UserId(r.saved_by),
            saved_at: r.saved_at,
        })
    }
}

/// Saves the next version (inside the caller's transaction, with its audit event). The caller
/// holds the project's row lock, so versions are handed out one at a time; the constraint
/// `(project_id, version)` refuses a duplicate should that ever fail.
pub async fn save(
    tx: &mut Tx,
    project_id: i64,
    case: &FinancialCase,
    by: UserId,
    now: DateTime<Utc>,
) -> Result<i32, StoreError> {
    let body = serde_json::to_string(case).map_err(|e| StoreError::Database(e.to_string()))?;
    let sql = "INSERT INTO project_financial_models (project_id, version, body, saved_by, saved_at) \
               SELECT $1, COALESCE(MAX(version), 0) + 1, $2, $3, $4 FROM project_financial_models WHERE project_id = $1 \
               RETURNING version";
    let version: i32 = on_tx!(tx, conn => {
        sqlx::query_scalar(sql).bind(project_id).bind(body.clone()).bind(by.0).bind(now).fetch_one(&mut *conn).await?
    });
    Ok(version)
}

/// The newest version, or the one asked for.
pub async fn find<'r>(
    reader: impl Into<Reader<'r>>,
    project_id: i64,
    version: Option<i32>,
) -> Result<Option<SavedCase>, StoreError> {
    let sql = "SELECT project_id, version, body, saved_by, saved_at FROM project_financial_models \
               WHERE project_id = $1 AND ($2 IS NULL OR version = $2) ORDER BY version DESC LIMIT 1";
    let row: Option<Row> = on_reader!(reader.into(), conn => {
        sqlx::query_as(sql).bind(project_id).bind(version).fetch_optional(conn).await?
    });
    row.map(SavedCase::try_from).transpose()
}

/// The newest saved version's number, `None` when none is saved.
pub async fn newest_version(tx: &mut Tx, project_id: i64) -> Result<Option<i32>, StoreError> {
    let sql = "SELECT MAX(version) FROM project_financial_models WHERE project_id = $1";
    let version: Option<i32> =
        on_tx!(tx, conn => sqlx::query_scalar(sql).bind(project_id).fetch_one(&mut *conn).await?);
    Ok(version)
}
