//! Documents and their versions in the database.

use chrono::{DateTime, Utc};

use crate::domain::document::{DocumentKind, DocumentVisibility, FileType};
use crate::storage::{Db, Reader, StoreError, Tx};

/// One version of a document, with what it belongs to.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct DocumentVersion {
    /// The version's id: what downloads name.
    pub id: String,
    pub document_id: String,
    pub project_id: String,
    pub kind: DocumentKind,
    pub title: String,
    pub visibility: DocumentVisibility,
    pub version: i32,
    /// SHA-256 of the content (hex): the same content is stored once.
    pub sha256: String,
    pub size_bytes: i64,
    pub file_type: FileType,
    pub filename: String,
    pub uploaded_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct VersionRow {
    id: i64,
    document_id: i64,
    project_id: i64,
    kind: String,
    title: String,
    visibility: String,
    version: i32,
    sha256: String,
    size_bytes: i64,
    file_type: String,
    filename: String,
    uploaded_at: DateTime<Utc>,
}

impl TryFrom<VersionRow> for DocumentVersion {
    type Error = StoreError;

    fn try_from(r: VersionRow) -> Result<Self, StoreError> {
        let bad = |what: &str| StoreError::Database(format!("document version {}: bad {what}", r.id));
        Ok(DocumentVersion {
            id: r.id.to_string(),
            document_id: r.document_id.to_string(),
            project_id: r.project_id.to_string(),
            kind: DocumentKind::parse(&r.kind).ok_or_else(|| bad("kind"))?,
            visibility: DocumentVisibility::parse(&r.visibility).ok_or_else(|| bad("visibility"))?,
            file_type: FileType::parse(&r.file_type).ok_or_else(|| bad("type"))?,
            title: r.title,
            version: r.version,
            sha256: r.sha256,
            size_bytes: r.size_bytes,
            filename: r.filename,
            uploaded_at: r.uploaded_at,
        })
    }
}

const SELECT: &str = "SELECT v.id, v.document_id, d.project_id, d.kind, d.title, v.visibility, v.version, v.sha256, \
    v.size_bytes, v.file_type, v.filename, v.uploaded_at FROM document_versions v JOIN documents d ON d.id = v.document_id";

/// The new version of the named document (created on its first upload).
#[allow(clippy::too_many_arguments)]
pub async fn add_version(
    tx: &mut Tx,
    project_id: i64,
    kind: DocumentKind,
    title: &str,
    visibility: DocumentVisibility,
    sha256: &str,
    size: i64,
    file_type: FileType,
    filename: &str,
    uploaded_by: i64,
    now: DateTime<Utc>,
) -> Result<DocumentVersion, StoreError> {
    let existing: Option<i64> = on_tx!(tx, conn => {
        sqlx::query_scalar("SELECT id FROM documents WHERE project_id = $1 AND kind = $2 AND title = $3")
            .bind(project_id).bind(kind.as_str()).bind(title).fetch_optional(&mut *conn).await?
    });
    let document_id = match existing {
        Some(id) => {
            on_tx!(tx, conn => {
                sqlx::query("UPDATE documents SET visibility = $1 WHERE id = $2")
                    .bind(visibility.as_str()).bind(id).execute(&mut *conn).await?.rows_affected()
            });
            id
        }
        None => on_tx!(tx, conn => {
            sqlx::query_scalar(
                "INSERT INTO documents (project_id, kind, title, visibility, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(project_id).bind(kind.as_str()).bind(title).bind(visibility.as_str()).bind(now)
            .fetch_one(&mut *conn).await?
        }),
    };
    let id: i64 = on_tx!(tx, conn => {
        sqlx::query_scalar(
            "INSERT INTO document_versions (document_id, version, sha256, size_bytes, file_type, filename, uploaded_by, uploaded_at, \
             visibility) SELECT $1, COALESCE(MAX(version), 0) + 1, $2, $3, $4, $5, $6, $7, $8 FROM document_versions \
             WHERE document_id = $1 RETURNING id",
        )
        .bind(document_id).bind(sha256).bind(size).bind(file_type.as_str()).bind(filename).bind(uploaded_by).bind(now)
        .bind(visibility.as_str())
        .fetch_one(&mut *conn).await?
    });
    let sql = format!("{SELECT} WHERE v.id = $1");
    let row: VersionRow =
        on_tx!(tx, conn => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_one(&mut *conn).await?);
    row.try_into()
}

/// Every blob the database refers to: project documents' contents, bid documents' ciphertexts
/// (retired ones too: they stay what a bid once carried) and the files sent with complaints.
pub async fn blobs_in_use(db: &Db) -> Result<std::collections::HashSet<String>, StoreError> {
    let sql = "SELECT sha256 FROM document_versions UNION SELECT blob FROM bid_documents \
               UNION SELECT sha256 FROM complaint_documents";
    let names: Vec<String> = on_pool!(db, pool => sqlx::query_scalar(sql).fetch_all(pool).await?);
    Ok(names.into_iter().collect())
}

pub async fn find_version(db: &Db, id: i64) -> Result<DocumentVersion, StoreError> {
    let sql = format!("{SELECT} WHERE v.id = $1");
    let row: Option<VersionRow> =
        on_pool!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(id).fetch_optional(pool).await?);
    row.ok_or(StoreError::NotFound("document"))?.try_into()
}

/// Every version of every document of a project, newest document first, versions in order.
pub async fn of_project(db: &Db, project_id: i64) -> Result<Vec<DocumentVersion>, StoreError> {
    let sql = format!("{SELECT} WHERE d.project_id = $1 ORDER BY d.id, v.version");
    let rows: Vec<VersionRow> =
        on_pool!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(project_id).fetch_all(pool).await?);
    rows.into_iter().map(DocumentVersion::try_from).collect()
}

/// Who may see the project's document `id`; `None` when the project has no such document.
pub async fn visibility<'r>(
    reader: impl Into<Reader<'r>>,
    project_id: i64,
    id: i64,
) -> Result<Option<DocumentVisibility>, StoreError> {
    let sql = "SELECT visibility FROM documents WHERE id = $1 AND project_id = $2";
    let found: Option<String> = on_reader!(reader.into(), conn => {
        sqlx::query_scalar(sql).bind(id).bind(project_id).fetch_optional(conn).await?
    });
    found
        .map(|v| {
            DocumentVisibility::parse(&v).ok_or_else(|| StoreError::Database(format!("document {id}: bad visibility")))
        })
        .transpose()
}
