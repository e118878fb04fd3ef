//! Collecting the blob store's unreferenced contents: ciphertext sealed for a bid whose
//! transaction then refused it, a file whose upload failed after it was stored. Only contents
//! last stored longer ago than a grace period go (a request between storing its files and
//! committing their record is never that slow), and each is checked again just before it goes
//! (storing a content again marks it as stored now).

use std::time::{Duration, SystemTime};

use serde_json::json;

use crate::clock::Clock;
use crate::domain::audit::{AuditContext, NewEvent};
use crate::services::unit_of_work;
use crate::services::{ServiceError, blob_store_failed};
use crate::storage::blobs::BlobStore;
use crate::storage::{Db, StoreError, documents, organizations};

/// What a collection did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Collected {
    /// Contents removed.
    pub removed: usize,
    /// Contents older than the grace period that the database refers to.
    pub kept: usize,
}

/// Removes every content of `blobs` last stored more than `grace` ago that the database does not
/// refer to; records how many went (`blobs.collected`), when any did.
pub async fn collect(
    db: &Db,
    clock: &dyn Clock,
    ctx: &AuditContext,
    blobs: &dyn BlobStore,
    grace: Duration,
) -> Result<Collected, ServiceError> {
    let cutoff = SystemTime::now()
        .checked_sub(grace)
        .ok_or_else(|| ServiceError::Store(StoreError::Database("the grace period reaches before 1970".into())))?;
    // Listed before the references are read: a content stored and recorded after the listing
    // is either not listed or marked as stored after the cutoff.
    // Against an empty database (a wrong DATABASE_URL) nothing would be referred to, and every
    // stored file would go.
    if organizations::count_all(db).await? == 0 {
        return Err(ServiceError::Store(StoreError::Database(
            "the database holds no records: is DATABASE_URL the app's? nothing removed".into(),
        )));
    }
    let candidates = blobs.stored_before(cutoff).await.map_err(blob_store_failed)?;
    let in_use = documents::blobs_in_use(db).await?;
    let mut collected = Collected { removed: 0, kept: 0 };
    for name in candidates {
        if in_use.contains(&name) {
            collected.kept += 1;
        } else if blobs.remove_if_before(&name, cutoff).await.map_err(blob_store_failed)? {
            collected.removed += 1;
        }
    }
    if collected.removed > 0 {
        unit_of_work!(db, clock, ctx, |uow| {
            uow.record(NewEvent::new("blobs.collected", "blob_store", "local").payload(json!({
                "removed": collected.removed,
                "kept": collected.kept,
                "grace_seconds": grace.as_secs(),
            })));
        })?;
    }
    Ok(collected)
}
