//! Uploading and reading project documents. Contents go to the blob store under their SHA-256;
//! each upload is a version of a named document and an audit event; downloads of internal
//! documents are audit events too.

use serde_json::json;

use crate::clock::Clock;
use crate::domain::access::Identity;
use crate::domain::audit::{AuditContext, NewEvent};
use crate::domain::document::{DocumentVisibility, FileType, UploadMeta};
use crate::domain::policy;
use crate::services::blob_store_failed;
use crate::services::unit_of_work;
use crate::services::{ServiceError, permit, read_project};
use crate::storage::Db;
use crate::storage::blobs::BlobStore;
use crate::storage::documents::{self, DocumentVersion};
use crate::storage::projects::{self, Project};

fn visible(who: Option<&Identity>, project: &Project, version: &DocumentVersion) -> bool {
    let facts = project.facts();
    policy::may_read_project(who, &facts)
        && (version.visibility == DocumentVisibility::Public || policy::may_read_internal(who, &facts))
}

/// An upload's content: small ones in memory, large ones spooled to a file (never read whole).
#[derive(Debug, Clone, Copy)]
pub enum Content<'a> {
    Bytes(&'a [u8]),
    /// The spooled file, its size, and its first bytes (enough to tell its type).
    File {
        path: &'a std::path::Path,
        size: u64,
        head: &'a [u8],
    },
}

impl Content<'_> {
    fn size(&self) -> u64 {
        match self {
            Content::Bytes(bytes) => bytes.len() as u64,
            Content::File { size, .. } => *size,
        }
    }

    fn head(&self) -> &[u8] {
        match self {
            Content::Bytes(bytes) => bytes,
            Content::File { head, .. } => head,
        }
    }
}

#[allow(clippy::too_many_arguments)]
pub async fn upload(
    db: &Db,
    blobs: &dyn BlobStore,
    clock: &dyn Clock,
    ctx: &AuditContext,
    who: &Identity,
    project_id: i64,
    meta: &UploadMeta,
    filename: &str,
    content: Content<'_>,
    max_bytes: u64,
) -> Result<DocumentVersion, ServiceError> {
    // Refused early, before the content is stored; decided again under the project's lock.
    let seen = read_project(db, Some(who), project_id).await?;
    permit(policy::may_upload_document(who, &seen.facts()), "project")?;
    meta.validate().map_err(ServiceError::Invalid)?;
    let size = content.size();
    if size > max_bytes {
        return Err(ServiceError::TooLarge);
    }
    let file_type = FileType::detect(content.head()).ok_or(ServiceError::UnsupportedMediaType)?;
    // Content first: it is addressed by its hash, so a failed transaction leaves at most an
    // unreferenced file, never a record without its content.
    let sha256 = match content {
        Content::Bytes(bytes) => blobs.put(bytes).await,
        Content::File { path, .. } => blobs.put_file(path).await,
    }
    .map_err(blob_store_failed)?;
    let filename: String = filename.chars().filter(|c| !c.is_control()).take(200).collect();
    unit_of_work!(db, clock, ctx, |uow| {
        // The project's lock also hands out the document's version numbers one at a time.
        let project = projects::lock(uow.tx(), project_id).await?;
        permit(policy::may_upload_document(who, &project.facts()), "project")?;
        let now = uow.now();
        let version = documents::add_version(
            uow.tx(),
            project.id,
            meta.kind,
            meta.title.trim(),
            meta.visibility,
            &sha256,
            i64::try_from(size).unwrap_or(i64::MAX),
            file_type,
            &filename,
            who.user_id.0,
            now,
        )
        .await?;
        let event = NewEvent::new("document.uploaded", "project", project.id)
            .organization(project.municipality_id.0)
            .payload(json!({
                "document_id": version.document_id, "version_id": version.id, "kind": meta.kind.as_str(),
                "title": version.title, "version": version.version, "sha256": sha256, "size_bytes": size,
                "file_type": file_type.as_str(), "visibility": meta.visibility.as_str(),
            }));
        uow.record(event);
        version
    })
}

/// The project's document versions the reader may see.
pub async fn list(db: &Db, who: Option<&Identity>, project_id: i64) -> Result<Vec<DocumentVersion>, ServiceError> {
    let project = read_project(db, who, project_id).await?;
    let all = documents::of_project(db, project.id).await?;
    Ok(all.into_iter().filter(|v| visible(who, &project, v)).collect())
}

/// A version's content, if the reader may see it; reading an internal document is recorded.
pub async fn download(
    db: &Db,
    blobs: &dyn BlobStore,
    clock: &dyn Clock,
    ctx: &AuditContext,
    who: Option<&Identity>,
    version_id: i64,
) -> Result<(DocumentVersion, Vec<u8>), ServiceError> {
    let version = documents::find_version(db, version_id).await?;
    let project_id: i64 = version
        .project_id
        .parse()
        .map_err(|_| ServiceError::NotFound("document"))?;
    let project = read_project(db, who, project_id)
        .await
        .map_err(|_| ServiceError::NotFound("document"))?;
    if !visible(who, &project, &version) {
        return Err(ServiceError::NotFound("document"));
    }
    let content = blobs.get(&version.sha256).await.map_err(blob_store_failed)?;
    if version.visibility == DocumentVisibility::Internal {
        let event = NewEvent::new("document.downloaded", "project", project.id)
            .organization(project.municipality_id.0)
            .payload(json!({"version_id": version.id, "title": version.title, "sha256": version.sha256}));
        unit_of_work!(db, clock, ctx, |uow| uow.record(event.clone()))?;
    }
    Ok((version, content))
}
