//! Uploading and reading project documents. Contents go to the blob store under their SHA-256;
//! each upload is a version of a named document and an audit event; downloads of internal
//! documents are audit events too.

use serde_json::json;

use crate::clock::Clock;
use crate::domain::access::{Identity, Role};
use crate::domain::audit::{AuditContext, NewEvent};
use crate::domain::document::{DocumentVisibility, FileType, UploadMeta};
use crate::services::ServiceError;
use crate::services::projects::{may_read, read};
use crate::storage::blobs::BlobStore;
use crate::storage::documents::{self, DocumentVersion};
use crate::storage::projects::Project;
use crate::storage::{Db, StoreError, audit};

/// Who may upload: the municipality's officers and approvers, and a private initiative's
/// proponent.
fn may_upload(who: &Identity, project: &Project) -> bool {
    (who.organization_id == project.municipality_id && who.has_any_role(&[Role::Officer, Role::Approver]))
        || (Some(who.organization_id) == project.proponent_id && who.has_role(Role::Bidder))
}

/// Who may read an internal document: the municipality, the proponent and the reviewers.
fn may_read_internal(who: Option<&Identity>, project: &Project) -> bool {
    who.is_some_and(|w| {
        w.organization_id == project.municipality_id
            || Some(w.organization_id) == project.proponent_id
            || w.has_role(Role::Reviewer)
    })
}

fn visible(who: Option<&Identity>, project: &Project, version: &DocumentVersion) -> bool {
    may_read(who, project) && (version.visibility == DocumentVisibility::Public || may_read_internal(who, project))
}

fn store_failed(e: std::io::Error) -> ServiceError {
    ServiceError::Store(StoreError::Database(format!("blob store: {e}")))
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
    content: &[u8],
    max_bytes: u64,
) -> Result<DocumentVersion, ServiceError> {
    let project = read(db, Some(who), project_id).await?;
    if !may_upload(who, &project) {
        return Err(ServiceError::Forbidden);
    }
    meta.validate().map_err(ServiceError::Invalid)?;
    if content.len() as u64 > max_bytes {
        return Err(ServiceError::TooLarge);
    }
    let file_type = FileType::detect(content).ok_or(ServiceError::UnsupportedMediaType)?;
    // Content first: it is addressed by its hash, so a failed transaction leaves at most an
    // unreferenced file, never a record without its content.
    let sha256 = blobs.put(content).await.map_err(store_failed)?;
    let now = clock.now();
    let filename: String = filename.chars().filter(|c| !c.is_control()).take(200).collect();
    let mut tx = db.begin_write().await?;
    let version = documents::add_version(
        &mut tx,
        project.id,
        meta.kind,
        meta.title.trim(),
        meta.visibility,
        &sha256,
        content.len() as i64,
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
            "title": version.title, "version": version.version, "sha256": sha256, "size_bytes": content.len(),
            "file_type": file_type.as_str(), "visibility": meta.visibility.as_str(),
        }));
    audit::append(&mut tx, ctx, event, now).await?;
    tx.commit().await?;
    Ok(version)
}

/// The project's document versions the reader may see.
pub async fn list(db: &Db, who: Option<&Identity>, project_id: i64) -> Result<Vec<DocumentVersion>, ServiceError> {
    let project = read(db, who, project_id).await?;
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
    let project = read(db, who, project_id)
        .await
        .map_err(|_| ServiceError::NotFound("document"))?;
    if !visible(who, &project, &version) {
        return Err(ServiceError::NotFound("document"));
    }
    let content = blobs.get(&version.sha256).await.map_err(store_failed)?;
    if version.visibility == DocumentVisibility::Internal {
        let event = NewEvent::new("document.downloaded", "project", project.id)
            .organization(project.municipality_id.0)
            .payload(json!({"version_id": version.id, "title": version.title, "sha256": version.sha256}));
        let mut tx = db.begin_write().await?;
        audit::append(&mut tx, ctx, event, clock.now()).await?;
        tx.commit().await?;
    }
    Ok((version, content))
}
