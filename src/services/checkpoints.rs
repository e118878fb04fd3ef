//! Publishing the audit log's signed checkpoint: the stored tree's head, signed with the log's
//! key at the clock's time. Called at start-up and then at the configured interval, never per
//! event, so the log's growth cannot be watched event by event. Not itself an audit event (a
//! checkpoint is a statement about the log; recording it would grow the log it describes).

use crate::clock::Clock;
use crate::domain::audit::{from_hex, to_hex};
use crate::domain::checkpoint::{LogKey, PublicLogKey, SignedCheckpoint, TreeHead};
use crate::storage::audit::{HeadToCheck, Verification};
use crate::storage::{Db, StoreError, audit, audit_tree, checkpoints};

/// Signs and stores a checkpoint of the log as it stands, unless the latest published one
/// already has its size. The checkpoint published, if any.
pub async fn publish(db: &Db, key: &LogKey, clock: &dyn Clock) -> Result<Option<SignedCheckpoint>, StoreError> {
    // The head row moves in the same transaction as the tree's hashes, so every hash of a
    // tree of this size is committed.
    let size = audit_tree::size(db).await?;
    if let Some(latest) = checkpoints::latest(db).await? {
        // A log never signs a head inconsistent with one it signed: if the stored tree no
        // longer holds the published one, someone rewrote history, and this refuses to bless it.
        let published = u64::try_from(latest.size).unwrap_or(u64::MAX);
        let intact = published <= size && to_hex(&audit_tree::root(db, published).await?) == latest.root_hash;
        if !intact {
            return Err(StoreError::Database(format!(
                "the audit log (size {size}) no longer extends its published checkpoint (size {published}, root {}); \
                 no checkpoint is signed until it is investigated (ppp-registry audit verify)",
                latest.root_hash
            )));
        }
        if published == size {
            return Ok(None);
        }
    }
    let root = audit_tree::root(db, size).await?;
    let head = TreeHead {
        origin: key.origin().to_string(),
        size,
        root,
    };
    let signed = key
        .sign(&head, clock.now())
        .map_err(|e| StoreError::Database(format!("cannot sign a checkpoint: {e}")))?;
    Ok(checkpoints::insert(db, &signed).await?.then_some(signed))
}

/// Full verification of the log and its checkpoints: every published checkpoint must carry a
/// valid signature by `key` and be the root of the rebuilt tree at its size; so must `saved`,
/// a checkpoint kept elsewhere (already opened with the key). Needs no secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogCheck {
    pub verification: Verification,
    /// Published checkpoints whose note does not open with the key, each with the reason.
    pub bad_checkpoints: Vec<String>,
}

impl LogCheck {
    pub fn intact(&self) -> bool {
        self.bad_checkpoints.is_empty()
            && matches!(self.verification.verdict, crate::domain::audit::Verdict::Intact { .. })
    }
}

pub async fn verify_log(
    db: &Db,
    key: Option<&PublicLogKey>,
    saved: Option<(&SignedCheckpoint, String)>,
) -> Result<LogCheck, StoreError> {
    let mut heads = Vec::new();
    let mut bad_checkpoints = Vec::new();
    for stored in checkpoints::all(db).await? {
        let label = format!(
            "the checkpoint published at {}",
            stored.published_at.format("%Y-%m-%dT%H:%M:%SZ")
        );
        // Without the key the stored root is still checked, its signature not.
        let head = match key.map(|key| key.open(&stored.note)) {
            None => from_hex(&stored.root_hash).map(|root| (u64::try_from(stored.size).unwrap_or(0), root)),
            Some(Ok(opened)) => Some((opened.head.size, opened.head.root))
                .filter(|(size, root)| to_hex(root) == stored.root_hash && *size as i64 == stored.size),
            Some(Err(e)) => {
                bad_checkpoints.push(format!("the stored checkpoint of size {}: {e}", stored.size));
                continue;
            }
        };
        match head {
            Some((size, root)) => heads.push(HeadToCheck { size, root, label }),
            None => bad_checkpoints.push(format!(
                "the stored checkpoint of size {} does not match its note",
                stored.size
            )),
        }
    }
    if let Some((checkpoint, label)) = saved {
        heads.push(HeadToCheck {
            size: checkpoint.head.size,
            root: checkpoint.head.root,
            label,
        });
    }
    Ok(LogCheck {
        verification: audit::verify(db, &heads).await?,
        bad_checkpoints,
    })
}
