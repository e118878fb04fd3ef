//! Tenders' content keys: made and wrapped by the active master key at publication (or at a
//! first bid for a tender published without one), unwrapped to seal and open its bids.

use crate::clock::Clock;
use crate::domain::sealing::{Keyring, SealingError, SecretKey};
use crate::services::ServiceError;
use crate::storage::unit_of_work::UnitOfWork;
use crate::storage::{Db, bids, tenders};

/// Tender `tender_id`'s content key, unwrapped (for reading what was sealed with it).
pub(crate) async fn existing_key(
    db: &Db,
    keyring: Option<&Keyring>,
    tender_id: i64,
) -> Result<SecretKey, ServiceError> {
    let keyring = keyring.ok_or_else(|| ServiceError::KeyMissing("sealing_keys".into()))?;
    let wrapped = bids::find_key(db, tender_id)
        .await?
        .ok_or_else(|| ServiceError::Store(crate::storage::StoreError::Database("no tender key".into())))?;
    keyring.unwrap_key(tender_id, &wrapped).map_err(sealing_error)
}

pub(crate) fn sealing_error(e: SealingError) -> ServiceError {
    match e {
        SealingError::MissingMasterKey(id) => ServiceError::KeyMissing(id),
        other => ServiceError::Store(crate::storage::StoreError::Database(other.to_string())),
    }
}

/// Tender `tender_id`'s content key, made (wrapped by the active master key) when it has none
/// yet: for sealing a bid's documents before its transaction begins.
pub(crate) async fn ensure_key(
    db: &Db,
    clock: &dyn Clock,
    keyring: Option<&Keyring>,
    tender_id: i64,
) -> Result<SecretKey, ServiceError> {
    let keyring = keyring.ok_or_else(|| ServiceError::KeyMissing("sealing_keys".into()))?;
    if let Some(wrapped) = bids::find_key(db, tender_id).await? {
        return keyring.unwrap_key(tender_id, &wrapped).map_err(sealing_error);
    }
    // A tender published before keys were made at publication (or without the keys
    // configured): made now, under the tender's lock so two first bids make one key. No audit
    // event: the key is no record anyone reads, and an event at a tender's first bid would tell
    // that someone is bidding.
    let mut tx = db.begin_write().await?;
    tenders::lock(&mut tx, tender_id).await?;
    let key = match bids::find_key(&mut tx, tender_id).await? {
        Some(wrapped) => keyring.unwrap_key(tender_id, &wrapped).map_err(sealing_error)?,
        None => {
            let key = SecretKey::generate();
            let wrapped = keyring.wrap(tender_id, &key).map_err(sealing_error)?;
            bids::insert_key(&mut tx, tender_id, &wrapped, clock.now()).await?;
            key
        }
    };
    tx.commit().await?;
    Ok(key)
}

/// The tender's content key: made, wrapped by the active master key and stored at its
/// publication (or, for a tender published without one, its first bid).
pub(crate) async fn tender_key(
    uow: &mut UnitOfWork<'_>,
    keyring: &Keyring,
    tender_id: i64,
) -> Result<SecretKey, ServiceError> {
    match bids::find_key(&mut *uow, tender_id).await? {
        Some(wrapped) => keyring.unwrap_key(tender_id, &wrapped).map_err(sealing_error),
        None => {
            let key = SecretKey::generate();
            let wrapped = keyring.wrap(tender_id, &key).map_err(sealing_error)?;
            let now = uow.now();
            bids::insert_key(uow.tx(), tender_id, &wrapped, now).await?;
            Ok(key)
        }
    }
}
