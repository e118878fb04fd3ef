//! A sealed bid's documents: sealed and put in the blob store before the bid's transaction
//! begins (the slow part), recorded with the bid inside it, listed by name and SHA-256 in the
//! bid's hashed encoding and on its receipts, and read after the opening by those who may read
//! the bid, each read an audit event.

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::clock::Clock;
use crate::domain::access::Identity;
use crate::domain::audit::{AuditContext, NewEvent};
use crate::domain::bid::{DocumentDigest, DocumentFault, DocumentFaultKind, random_id, sha256_hex};
use crate::domain::document::FileType;
use crate::domain::sealing::{Keyring, Sealed, SealingError, SecretKey};
use crate::domain::validation::Violations;
use crate::services::bid_access::opened_bid_for;
use crate::services::bid_keys::{ensure_key, existing_key, sealing_error};
use crate::services::unit_of_work;
use crate::services::{ServiceError, blob_store_failed};
use crate::storage::bid_documents::{self, StoredDocument};
use crate::storage::blobs::BlobStore;
use crate::storage::statement::Statement;
use crate::storage::{Db, StoreError};

/// The most documents one version of a bid carries.
pub const MAX_DOCUMENTS: usize = 10;

/// A document's content is padded to a multiple of this before sealing, so its ciphertext's
/// length tells its size only to within 64 KiB.
const CONTENT_BLOCK: usize = 64 * 1024;

/// A document's sealed description is padded to this length (a name is at most 200
/// characters), so its length tells nothing of the name.
const META_LENGTH: usize = 1024;

/// `bytes` padded with zeros (or spaces, for JSON) to a multiple of `block`.
fn padded(bytes: &[u8], block: usize, fill: u8) -> Vec<u8> {
    crate::domain::sealing::pad_to_block(bytes.to_vec(), block, fill)
}

/// A file as the bidder sent it.
#[derive(Debug, Clone, Copy)]
pub struct Upload<'a> {
    pub name: &'a str,
    pub content: &'a [u8],
}

/// A document sealed and in the blob store, to be recorded with its bid.
#[derive(Debug, Clone)]
pub struct PreparedDocument {
    tender_id: i64,
    digest: DocumentDigest,
    blob: String,
    sealed_meta: Sealed,
}

impl PreparedDocument {
    /// Its id, name and SHA-256, as the bid's encoding and receipt list it.
    pub fn digest(&self) -> &DocumentDigest {
        &self.digest
    }
}

/// What is sealed beside a document: its description.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Meta {
    name: String,
    sha256: String,
    file_type: FileType,
    size: u64,
}

/// What a document's ciphertext is bound to: its tender, its id and the hash of its content, so
/// a file moved to another document, or a listed hash changed, does not open.
fn content_aad(tender_id: i64, id: &str, sha256: &str) -> Vec<u8> {
    format!("ppp-registry/bid-document/v1:{tender_id}:{id}:{sha256}").into_bytes()
}

fn meta_aad(tender_id: i64, id: &str) -> Vec<u8> {
    format!("ppp-registry/bid-document-meta/v1:{tender_id}:{id}").into_bytes()
}

/// A file name as shown: no control characters, at most 200 characters, never empty.
fn shown_name(name: &str) -> String {
    let name: String = name.chars().filter(|c| !c.is_control()).take(200).collect();
    let name = name.trim();
    if name.is_empty() {
        "document".into()
    } else {
        name.to_string()
    }
}

/// Checks the uploads (their number, each one's size and type, told by content), seals each
/// under tender `tender_id`'s key and puts the ciphertext in the blob store. Done before the
/// bid's transaction: a failed one leaves only unreferenced ciphertext behind.
pub async fn prepare(
    db: &Db,
    clock: &dyn Clock,
    blobs: &dyn BlobStore,
    keyring: Option<&Keyring>,
    tender_id: i64,
    uploads: &[Upload<'_>],
    max_bytes: u64,
) -> Result<Vec<PreparedDocument>, ServiceError> {
    if uploads.len() > MAX_DOCUMENTS {
        let mut v = Violations::new();
        v.add("documents", "too_many");
        return Err(ServiceError::Invalid(v));
    }
    let mut types = Vec::with_capacity(uploads.len());
    for upload in uploads {
        if upload.content.len() as u64 > max_bytes {
            return Err(ServiceError::TooLarge);
        }
        types.push(FileType::detect(upload.content).ok_or(ServiceError::UnsupportedMediaType)?);
    }
    if uploads.is_empty() {
        return Ok(vec![]);
    }
    let key = ensure_key(db, clock, keyring, tender_id).await?;
    let mut prepared = Vec::with_capacity(uploads.len());
    for (upload, file_type) in uploads.iter().zip(types) {
        let id = random_id();
        let sha256 = sha256_hex(upload.content);
        let sealed = key
            .seal(
                &padded(upload.content, CONTENT_BLOCK, 0),
                &content_aad(tender_id, &id, &sha256),
            )
            .map_err(sealing_error)?;
        let blob = blobs.put(&sealed.to_bytes()).await.map_err(blob_store_failed)?;
        let meta = Meta {
            name: shown_name(upload.name),
            sha256,
            file_type,
            size: upload.content.len() as u64,
        };
        let meta_json = serde_json::to_vec(&meta).unwrap_or_default();
        let sealed_meta = key
            .seal(&padded(&meta_json, META_LENGTH, b' '), &meta_aad(tender_id, &id))
            .map_err(sealing_error)?;
        prepared.push(PreparedDocument {
            tender_id,
            digest: DocumentDigest {
                id,
                name: meta.name,
                sha256: meta.sha256,
            },
            blob,
            sealed_meta,
        });
    }
    Ok(prepared)
}

/// The writes that record `prepared` as bid `bid_id`'s documents, ending the ones it carried
/// before (for the change's commit).
pub fn record(
    tender_id: i64,
    bid_id: &str,
    prepared: &[PreparedDocument],
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<Statement>, ServiceError> {
    let mut writes = vec![bid_documents::retire(bid_id)];
    for (position, document) in prepared.iter().enumerate() {
        // Sealed for another tender, it would never open with this bid.
        if document.tender_id != tender_id {
            return Err(ServiceError::Store(StoreError::Database(
                "a document sealed for another tender".into(),
            )));
        }
        let stored = StoredDocument {
            id: document.digest.id.clone(),
            bid_id: bid_id.to_string(),
            blob: document.blob.clone(),
            sealed_meta: document.sealed_meta.clone(),
        };
        writes.push(bid_documents::insert(
            &stored,
            i32::try_from(position).unwrap_or(i32::MAX),
            now,
        ));
    }
    Ok(writes)
}

fn meta_of(key: &SecretKey, tender_id: i64, stored: &StoredDocument) -> Result<Meta, ServiceError> {
    let bytes = key
        .open(&stored.sealed_meta, &meta_aad(tender_id, &stored.id))
        .map_err(sealing_error)?;
    serde_json::from_slice(&bytes).map_err(|_| sealing_error(SealingError::Tampered))
}

/// The digests of the documents bid `bid_id` carries now, unsealed with the tender's key.
pub async fn current_digests(
    reader: impl Into<crate::storage::Reader<'_>>,
    key: &SecretKey,
    tender_id: i64,
    bid_id: &str,
) -> Result<Vec<DocumentDigest>, ServiceError> {
    let stored = bid_documents::current(reader, bid_id).await?;
    stored
        .iter()
        .map(|s| {
            meta_of(key, tender_id, s).map(|m| DocumentDigest {
                id: s.id.clone(),
                name: m.name,
                sha256: m.sha256,
            })
        })
        .collect()
}

/// Why a listed document did not open as listed.
enum Unopened {
    Missing,
    Altered,
    Failed(ServiceError),
}

/// The listed document `digest` of bid `bid_id`: its description and content, the content
/// checked against the listed hash.
async fn open_listed(
    db: &Db,
    blobs: &dyn BlobStore,
    key: &SecretKey,
    tender_id: i64,
    bid_id: &str,
    digest: &DocumentDigest,
) -> Result<(Meta, Vec<u8>), Unopened> {
    let stored = match bid_documents::find(db, bid_id, &digest.id).await {
        Ok(stored) => stored,
        Err(StoreError::NotFound(_)) => return Err(Unopened::Missing),
        Err(StoreError::Corrupt(_)) => return Err(Unopened::Altered),
        Err(e) => return Err(Unopened::Failed(e.into())),
    };
    let meta = meta_of(key, tender_id, &stored).map_err(|_| Unopened::Altered)?;
    let ciphertext = match blobs.get(&stored.blob).await {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(Unopened::Missing),
        // A recorded name that is not a SHA-256: the record was altered.
        Err(e) if e.kind() == std::io::ErrorKind::InvalidInput => return Err(Unopened::Altered),
        Err(e) => return Err(Unopened::Failed(blob_store_failed(e))),
    };
    let sealed = Sealed::from_bytes(&ciphertext).map_err(|_| Unopened::Altered)?;
    let mut content = key
        .open(&sealed, &content_aad(tender_id, &stored.id, &digest.sha256))
        .map_err(|_| Unopened::Altered)?;
    content.truncate(usize::try_from(meta.size).unwrap_or(usize::MAX));
    if sha256_hex(&content) != digest.sha256 {
        return Err(Unopened::Altered);
    }
    Ok((meta, content))
}

/// The documents of `listed` (an opened bid's list) that are missing or altered, in order: the
/// opening's check, reported in the protocol.
pub async fn faults(
    db: &Db,
    blobs: &dyn BlobStore,
    key: &SecretKey,
    tender_id: i64,
    bid_id: &str,
    listed: &[DocumentDigest],
) -> Result<Vec<DocumentFault>, ServiceError> {
    let mut faults = Vec::new();
    for digest in listed {
        let fault = match open_listed(db, blobs, key, tender_id, bid_id, digest).await {
            Ok(_) => continue,
            Err(Unopened::Missing) => DocumentFaultKind::Missing,
            Err(Unopened::Altered) => DocumentFaultKind::Altered,
            Err(Unopened::Failed(e)) => return Err(e),
        };
        faults.push(DocumentFault {
            id: digest.id.clone(),
            fault,
        });
    }
    Ok(faults)
}

/// A document read after the opening.
#[derive(Debug, Clone)]
pub struct OpenedDocument {
    pub name: String,
    pub file_type: FileType,
    pub content: Vec<u8>,
}

/// Document `document_id` of bid `bid_id`, for those who may read the opened bid (sealed to
/// everyone before the opening); only a document the opened content lists, its content checked
/// against the listed hash; each read recorded.
#[allow(clippy::too_many_arguments)]
pub async fn read(
    db: &Db,
    clock: &dyn Clock,
    ctx: &AuditContext,
    blobs: &dyn BlobStore,
    keyring: Option<&Keyring>,
    who: &Identity,
    bid_id: &str,
    document_id: &str,
) -> Result<OpenedDocument, ServiceError> {
    let (bid, _tender) = opened_bid_for(db, clock, ctx, who, bid_id).await?;
    let listed = bid
        .opened_content
        .as_deref()
        .filter(|_| bid.hash_matches == Some(true))
        .and_then(|text| serde_json::from_str::<serde_json::Value>(text).ok())
        .and_then(|c| serde_json::from_value::<Vec<DocumentDigest>>(c["documents"].clone()).ok())
        .unwrap_or_default();
    let digest = listed
        .into_iter()
        .find(|d| d.id == document_id)
        .ok_or(ServiceError::NotFound("document"))?;
    let key = existing_key(db, keyring, bid.tender_id).await?;
    let (meta, content) = match open_listed(db, blobs, &key, bid.tender_id, &bid.id, &digest).await {
        Ok(opened) => opened,
        Err(Unopened::Missing) => return Err(ServiceError::NotFound("document")),
        // Reported in the protocol; reading it is refused in plain words.
        Err(Unopened::Altered) => return Err(ServiceError::Conflict("error-bid-document-altered")),
        Err(Unopened::Failed(e)) => return Err(e),
    };
    unit_of_work!(db, clock, ctx, |uow| {
        uow.record(
            NewEvent::new("bid.document_read", "bid", &bid.id)
                .organization(bid.lead_org_id.0)
                .payload(json!({"tender_id": bid.tender_id.to_string(), "document_id": digest.id,
                                "sha256": digest.sha256})),
        );
    })?;
    Ok(OpenedDocument {
        name: digest.name,
        file_type: meta.file_type,
        content,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_shown_without_control_characters_and_never_empty() {
        assert_eq!(
            shown_name("Техническое\u{0007} предложение.pdf"),
            "Техническое предложение.pdf"
        );
        assert_eq!(shown_name(" \n "), "document");
        assert_eq!(shown_name(&"я".repeat(300)).chars().count(), 200);
    }

    #[test]
    fn padding_hides_sizes_to_the_block() {
        assert_eq!(padded(b"%PDF", CONTENT_BLOCK, 0).len(), CONTENT_BLOCK);
        assert_eq!(
            padded(&vec![1; CONTENT_BLOCK + 1], CONTENT_BLOCK, 0).len(),
            2 * CONTENT_BLOCK
        );
        let short = serde_json::to_vec(&json!({"name": "a.pdf"})).unwrap();
        let long = serde_json::to_vec(&json!({"name": "я".repeat(200)})).unwrap();
        assert_eq!(
            padded(&short, META_LENGTH, b' ').len(),
            padded(&long, META_LENGTH, b' ').len()
        );
        let back: serde_json::Value = serde_json::from_slice(&padded(&short, META_LENGTH, b' ')).unwrap();
        assert_eq!(back["name"], "a.pdf");
    }

    #[test]
    fn content_is_bound_to_its_tender_document_and_hash() {
        let key = SecretKey::generate();
        let sealed = key.seal(b"%PDF-1.7", &content_aad(7, "a", "h")).unwrap();
        assert_eq!(key.open(&sealed, &content_aad(7, "a", "h")).unwrap(), b"%PDF-1.7");
        assert!(key.open(&sealed, &content_aad(8, "a", "h")).is_err());
        assert!(key.open(&sealed, &content_aad(7, "b", "h")).is_err());
        assert!(key.open(&sealed, &content_aad(7, "a", "g")).is_err());
    }
}
