//! The opening of a tender's bids by its commission's chair (or deputy chair), at or after the
//! opening time: each standing bid decrypted and checked against its receipt's hash, and each
//! document it lists against the listed hash. The decrypting and checking (the slow part: every
//! document is read from the blob store) is done before the opening's transaction begins, once
//! the caller is known to be allowed and the time has come; the transaction then records what
//! was found for the very versions it finds under the tender's lock.

use std::collections::HashMap;

use serde_json::json;

use crate::clock::Clock;
use crate::domain::access::Identity;
use crate::domain::audit::{AuditContext, NewEvent};
use crate::domain::bid::{BidStatus, DocumentDigest, DocumentFault, sha256_hex};
use crate::domain::policy;
use crate::domain::project::Stage;
use crate::domain::sealing::{Keyring, SecretKey};
use crate::domain::tender::{TenderPhase, TenderStatus};
use crate::services::bid_documents;
use crate::services::bid_keys::existing_key;
use crate::services::bids::{Protocol, bid_aad, bid_event, protocol, unpadded};
use crate::services::project_moves::move_project;
use crate::services::unit_of_work;
use crate::services::{ServiceError, permit};
use crate::storage::bids::{self, Bid};
use crate::storage::blobs::BlobStore;
use crate::storage::tenders::{self, Tender};
use crate::storage::{Db, projects};

/// What the opening found in one version of a bid.
#[derive(Debug, Clone, PartialEq)]
struct Unsealed {
    version: i32,
    /// The canonical encoding, when it decrypted.
    content: Option<String>,
    /// Whether it decrypted and hashes to the receipt's hash.
    hash_matches: bool,
    /// The listed documents found missing or altered; `None` when the content did not match
    /// (its list is not the bidder's, so its documents were not checked).
    document_faults: Option<Vec<DocumentFault>>,
}

/// Whether the bids of `tender` may be opened by `who` now; `sealed` before the opening time.
fn openable(who: &Identity, tender: &Tender, now: chrono::DateTime<chrono::Utc>) -> Result<(), ServiceError> {
    permit(policy::may_open_bids(who, &tender.facts(now)), "tender")?;
    crate::services::ensure_not_held(tender)?;
    if tender.timeline().is_none_or(|t| now < t.opening) || tender.status(now) != TenderStatus::Closed {
        return Err(ServiceError::Sealed);
    }
    Ok(())
}

/// Decrypts `bid` and checks it and the documents it lists.
async fn unseal(db: &Db, blobs: &dyn BlobStore, key: &SecretKey, bid: &Bid) -> Result<Unsealed, ServiceError> {
    let opened = bid
        .sealed
        .as_ref()
        .and_then(|sealed| key.open(sealed, &bid_aad(&bid.id, &bid.sha256)).ok())
        .map(unpadded);
    let hash_matches = opened.as_ref().is_some_and(|bytes| sha256_hex(bytes) == bid.sha256);
    // Content that decrypted but does not match is kept for the reviewers; only matching
    // content is read for its documents (and for the protocol).
    let content = opened.and_then(|bytes| String::from_utf8(bytes).ok());
    let listed: Vec<DocumentDigest> = content
        .as_deref()
        .filter(|_| hash_matches)
        .and_then(|text| serde_json::from_str::<serde_json::Value>(text).ok())
        .and_then(|c| serde_json::from_value(c["documents"].clone()).ok())
        .unwrap_or_default();
    let document_faults = if hash_matches {
        Some(bid_documents::faults(db, blobs, key, bid.tender_id, &bid.id, &listed).await?)
    } else {
        None
    };
    Ok(Unsealed {
        version: bid.version,
        content,
        hash_matches,
        document_faults,
    })
}

/// Every standing bid of tender `tender_id` unsealed and checked, by id.
async fn unseal_all(
    db: &Db,
    blobs: &dyn BlobStore,
    keyring: Option<&Keyring>,
    tender_id: i64,
) -> Result<HashMap<String, Unsealed>, ServiceError> {
    let standing: Vec<Bid> = bids::of_tender(db, tender_id)
        .await?
        .into_iter()
        .filter(|b| b.status == BidStatus::Submitted)
        .collect();
    let mut found = HashMap::new();
    if standing.is_empty() {
        return Ok(found);
    }
    let key = existing_key(db, keyring, tender_id).await?;
    for bid in &standing {
        found.insert(bid.id.clone(), unseal(db, blobs, &key, bid).await?);
    }
    Ok(found)
}

/// The commission's chair (or deputy chair) opens the bids at or after the opening time:
/// each is decrypted and checked against its receipt's hash, and its documents against theirs;
/// without any bid the tender is unsuccessful and its project returns to `approved`.
pub async fn open(
    db: &Db,
    clock: &dyn Clock,
    ctx: &AuditContext,
    who: &Identity,
    keyring: Option<&Keyring>,
    blobs: &dyn BlobStore,
    tender_id: i64,
) -> Result<Protocol, ServiceError> {
    // Nothing is decrypted for a caller who may not open, or before the time.
    openable(who, &tenders::find(db, tender_id).await?, clock.now())?;
    let unsealed = unseal_all(db, blobs, keyring, tender_id).await?;
    unit_of_work!(db, clock, ctx, |uow| {
        let project_id = tenders::find(&mut uow, tender_id).await?.project_id;
        let project = projects::lock(uow.tx(), project_id).await?;
        let tender = tenders::lock(uow.tx(), tender_id).await?;
        let now = uow.now();
        openable(who, &tender, now)?;
        let all = bids::of_tender(&mut uow, tender_id).await?;
        let standing = all.iter().filter(|b| b.status != BidStatus::Withdrawn).count();
        let mut mismatches = Vec::new();
        let mut faulty_documents = Vec::new();
        for bid in &all {
            let found = match bid.status {
                BidStatus::Withdrawn => None,
                // Bids do not change once the tender is closed: a version not unsealed above
                // means the tender was reopened and closed again in between.
                _ => Some(
                    unsealed
                        .get(&bid.id)
                        .filter(|u| u.version == bid.version)
                        .ok_or(ServiceError::Conflict("error-bids-changed"))?,
                ),
            };
            let matches = found.map(|u| u.hash_matches);
            let faults = found.and_then(|u| u.document_faults.as_deref());
            if matches == Some(false) {
                mismatches.push(bid.id.clone());
            }
            if faults.is_some_and(|f| !f.is_empty()) {
                faulty_documents.push(bid.id.clone());
            }
            let content = found.and_then(|u| u.content.as_deref());
            bids::set_opened(uow.tx(), &bid.id, content, matches, faults, now).await?;
            let payload = json!({"tender_id": tender_id.to_string(), "sha256": bid.sha256, "hash_matches": matches,
                                 "document_faults": faults});
            uow.record(bid_event("bid.opened", &bid.id, bid.lead_org_id).payload(payload));
        }
        let phase = if standing == 0 {
            TenderPhase::Unsuccessful
        } else {
            TenderPhase::Evaluation
        };
        tenders::set_opened(uow.tx(), tender_id, phase, who.user_id, now).await?;
        let payload = json!({
            "before": {"status": TenderStatus::Closed.as_str()},
            "after": {"status": phase.as_str()},
            "bids": standing,
            "withdrawn": all.len() - standing,
            "hash_mismatches": mismatches,
            "document_faults": faulty_documents,
        });
        uow.record(
            NewEvent::new("tender.opened", "tender", tender_id)
                .organization(tender.municipality_id.0)
                .payload(payload),
        );
        if phase == TenderPhase::Unsuccessful && project.stage == Stage::InTender {
            move_project(
                &mut uow,
                Some(who),
                &project,
                Stage::Approved,
                "tender_unsuccessful",
                tender_id,
            )
            .await?;
        }
    })?;
    protocol(db, Some(who), ctx, clock, tender_id).await
}
