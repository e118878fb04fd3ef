//! Sealed bids: submission, replacement, confirmation and withdrawal until the deadline, each
//! answered with a receipt; the opening by the commission's chair; the protocol and, after it,
//! the bids' contents. Every change holds its tender's lock (so an amendment, a cancellation or
//! the opening is decided either before or after it, never during), takes the time of receipt
//! from the route (the server clock once the request has arrived whole, kept across retries), and
//! records its events last. Content is sealed under the tender's key before it is written;
//! only the opening decrypts.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Value, json};

use crate::clock::Clock;
use crate::domain::access::Identity;
use crate::domain::audit::{AuditContext, AuditReceipt, FOREVER, NewEvent};
use crate::domain::bid::{
    BidHeader, BidStatus, BidSubmission, BiddingParty, DocumentDigest, DocumentFault, MemberRef, Offer, PartyRef,
    ReceiptKind, random_id, sha256_hex, submission_in, terms_changed_for_bids,
};
use crate::domain::ids::OrgId;
use crate::domain::organization::{OrganizationKind, OrganizationStatus};
use crate::domain::policy;
use crate::domain::sealing::{Keyring, SealingError};
use crate::domain::tender::TenderStatus;
use crate::services::bid_access::{opened_bid_for, refuse_sealed};
use crate::services::bid_documents::{self, PreparedDocument};
use crate::services::bid_keys::{existing_key, sealing_error, tender_key};
use crate::services::unit_of_work;
use crate::services::{ServiceError, permit};
use crate::storage::bids::{self, Bid};
use crate::storage::tenders::{self, Tender};
use crate::storage::unit_of_work::UnitOfWork;
use crate::storage::{Db, audit, organizations};

/// What an accepted submission, replacement, confirmation or withdrawal answers.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Receipt {
    pub bid_id: String,
    pub tender_id: String,
    /// One more with each receipt of the bid.
    pub version: i32,
    pub kind: ReceiptKind,
    pub bidding_party: BiddingParty,
    pub received_at: DateTime<Utc>,
    /// The random salt inside the hashed encoding.
    pub salt: String,
    /// SHA-256 (hex) of the canonical encoding (README, "Sealed bids").
    pub sha256: String,
    pub documents: Vec<DocumentDigest>,
    /// The receipt's event in the audit log, for an inclusion proof against any later signed
    /// checkpoint.
    #[serde(default, skip_deserializing)]
    pub audit: Option<AuditReceipt>,
}

/// A bidder's own bid: what it is now and its latest receipt. The content is sealed: not even
/// its bidder reads it back before the opening (the receipt's hash proves what was sent).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct OwnBid {
    pub bid_id: String,
    pub tender_id: String,
    pub status: BidStatus,
    pub version: i32,
    /// The tender's version the bid stands on.
    pub tender_version: i32,
    pub received_at: DateTime<Utc>,
    /// The SHA-256 of the sealed content (the latest submission's or replacement's).
    pub content_sha256: String,
    pub receipt: Receipt,
    /// The documents the bid carries now (`[]` once withdrawn): a confirmation's receipt lists
    /// none, the bid still carries its documents.
    pub documents: Vec<DocumentDigest>,
    /// The tender's status now: `cancelled` tells its bidder the bid will never be opened.
    pub tender_status: TenderStatus,
    /// The tender's title.
    pub tender_title: crate::domain::localized::LocalizedText,
}

/// The change a bidder asks for.
#[derive(Debug, Clone, Copy)]
pub enum Intent<'a> {
    /// A bid and its documents.
    Submit(&'a BidSubmission, Documents<'a>),
    /// A new version of the bid.
    Replace(&'a BidSubmission, Documents<'a>),
    Confirm,
    Withdraw,
}

/// The documents sent with a submission or a replacement.
#[derive(Debug, Clone, Copy)]
pub enum Documents<'a> {
    /// None sent: a replacement keeps those the bid carries, a submission has none.
    Kept,
    /// Sent and sealed beforehand ([`bid_documents::prepare`]): the bid carries these alone.
    Sent(&'a [PreparedDocument]),
    /// Sent, but not sealed because the bid would not have been taken when they arrived
    /// ([`may_send`]). Should the bid be taken now after all (the terms changed in between), it
    /// is refused: a bid is never taken without the documents sent with it.
    NotSealed,
}

impl Intent<'_> {
    fn operation(&self) -> &'static str {
        match self {
            Intent::Submit(..) => "submission",
            Intent::Replace(..) => "replacement",
            Intent::Confirm => "confirmation",
            Intent::Withdraw => "withdrawal",
        }
    }
}

/// The bidding party of `who`'s bid: its company (consortia come with the membership
/// confirmations).
fn party_of(who: &Identity) -> BiddingParty {
    BiddingParty {
        lead: PartyRef {
            id: who.organization_id.0.to_string(),
            name: who.organization_name.ru.clone(),
        },
        members: vec![],
    }
}

/// The bidding party a submission names and its member rows (the lead first), resolving each
/// member company; a company that is not an active one is named under its field.
async fn consortium_of(
    uow: &mut UnitOfWork<'_>,
    who: &Identity,
    submission: &BidSubmission,
    v: &mut crate::domain::validation::Violations,
) -> Result<(BiddingParty, Vec<(OrgId, String, rust_decimal::Decimal)>), ServiceError> {
    let mut party = party_of(who);
    let Some(consortium) = &submission.consortium else {
        return Ok((party, vec![]));
    };
    let lead = (
        who.organization_id,
        consortium.lead_role.trim().to_string(),
        at_two_decimals(consortium.lead_share),
    );
    party.members.push(MemberRef {
        id: lead.0.0.to_string(),
        name: who.organization_name.ru.clone(),
        role: lead.1.clone(),
        share: lead.2,
    });
    let mut named = vec![lead];
    // No more lookups than a consortium may have members (the rest is refused by its check).
    for (i, m) in consortium
        .members
        .iter()
        .enumerate()
        .take(crate::domain::bid::MAX_MEMBERS)
    {
        let Some(id) = crate::domain::ids::parse_id(&m.company_id) else {
            continue;
        };
        match organizations::find(&mut *uow, OrgId(id)).await {
            Ok(org) if org.kind == OrganizationKind::Company && org.status == OrganizationStatus::Active => {}
            Ok(_) | Err(crate::storage::StoreError::NotFound(_)) => {
                v.add(format!("consortium.members.{i}.company_id"), "unknown_company");
                continue;
            }
            Err(e) => return Err(e.into()),
        }
        // A member's name is not the lead's to learn before the member confirms (companies'
        // records are private): the receipt names it by id, the protocol names confirmed ones.
        party.members.push(MemberRef {
            id: id.to_string(),
            name: String::new(),
            role: m.role.trim().to_string(),
            share: at_two_decimals(m.share),
        });
        named.push((OrgId(id), m.role.trim().to_string(), at_two_decimals(m.share)));
    }
    Ok((party, named))
}

/// A share as receipts write it: two decimals (`40.00`; validated to have no more).
fn at_two_decimals(share: rust_decimal::Decimal) -> rust_decimal::Decimal {
    let mut share = share.normalize();
    share.rescale(2);
    share
}

/// A standing bid's bidding party as its rows say (for a withdrawal's or confirmation's receipt).
async fn stored_party(uow: &mut UnitOfWork<'_>, who: &Identity, bid_id: &str) -> Result<BiddingParty, ServiceError> {
    let mut party = party_of(who);
    for m in bids::members(&mut *uow, bid_id).await? {
        // Named by id only, as on the submission's receipt (the lead's own name aside).
        let name = if m.company_id == who.organization_id {
            who.organization_name.ru.clone()
        } else {
            String::new()
        };
        party.members.push(MemberRef {
            id: m.company_id.0.to_string(),
            name,
            role: m.role,
            share: m.share,
        });
    }
    // The lead first, as named.
    party.members.sort_by_key(|m| m.id != party.lead.id);
    Ok(party)
}

/// A bid's change is on time only when received strictly before the deadline of a tender not
/// yet opened; otherwise `deadline_passed`.
fn received_before_deadline(tender: &Tender, received_at: DateTime<Utc>) -> Result<(), ServiceError> {
    match tender.timeline() {
        Some(t) if received_at < t.deadline && tender.phase.is_none() => Ok(()),
        _ => Err(ServiceError::DeadlinePassed),
    }
}

/// What a bid's ciphertext is bound to: its bid and the hash its receipt gave, so content moved
/// to another bid, or a hash changed in the database, does not open.
pub(crate) fn bid_aad(bid_id: &str, sha256: &str) -> Vec<u8> {
    format!("ppp-registry/bid/v1:{bid_id}:{sha256}").into_bytes()
}

/// The size sealed content is padded to a multiple of, so the ciphertext's length tells nothing
/// of the offer (its digits, its years, whether a model came with it).
const PAD_BLOCK: usize = 16 * 1024;

/// The encoding padded with spaces (a canonical encoding ends with `}`, so they come off
/// unambiguously at the opening).
fn padded(encoded: Vec<u8>) -> Vec<u8> {
    crate::domain::sealing::pad_to_block(encoded, PAD_BLOCK, b' ')
}

/// What [`padded`] added, taken off.
pub(crate) fn unpadded(mut bytes: Vec<u8>) -> Vec<u8> {
    while bytes.last() == Some(&b' ') {
        bytes.pop();
    }
    bytes
}

/// What a receipt's sealed salt is bound to: its bid and receipt version.
fn salt_aad(bid_id: &str, version: i32) -> Vec<u8> {
    format!("ppp-registry/receipt-salt/v1:{bid_id}:{version}").into_bytes()
}

/// A bid's event: its bidding party's and the reviewers' only until the tender is opened (the
/// audit list decides that from the tender's state when it is read).
pub(crate) fn bid_event(action: &'static str, bid_id: &str, party: crate::domain::ids::OrgId) -> NewEvent {
    NewEvent::new(action, "bid", bid_id)
        .organization(party.0)
        .confidential(party.0, FOREVER)
}

/// Whether `who` may send `submission` on tender `tender_id` as received at `received_at`, as far
/// as can be told without the tender's lock: asked before a bid's documents are sealed and
/// stored, so a refused request stores nothing (its refusal comes from [`act`], which decides
/// again under the lock and records a late attempt).
pub async fn may_send(
    db: &Db,
    who: &Identity,
    tender_id: i64,
    received_at: DateTime<Utc>,
    submission: &BidSubmission,
) -> Result<bool, ServiceError> {
    let tender = match crate::services::tenders::read(db, Some(who), tender_id, received_at).await {
        Ok(t) => t,
        Err(ServiceError::NotFound(_)) => return Ok(false),
        Err(e) => return Err(e),
    };
    Ok(policy::may_bid(who, &tender.facts(received_at)).is_allowed()
        && received_before_deadline(&tender, received_at).is_ok()
        && submission
            .violations_of_lead(&tender.terms, who.organization_id.0)
            .into_result()
            .is_ok())
}

fn action_of(kind: ReceiptKind) -> &'static str {
    match kind {
        ReceiptKind::Submission => "bid.submitted",
        ReceiptKind::Replacement => "bid.replaced",
        ReceiptKind::Confirmation => "bid.confirmed",
        ReceiptKind::Withdrawal => "bid.withdrawn",
    }
}

/// Submits, replaces, confirms or withdraws `who`'s bid on tender `tender_id`, as received at
/// `received_at`. At or after the deadline it is refused (`deadline_passed`) and the late
/// attempt is recorded.
#[allow(clippy::too_many_arguments)]
pub async fn act(
    db: &Db,
    clock: &dyn Clock,
    ctx: &AuditContext,
    who: &Identity,
    keyring: Option<&Keyring>,
    tender_id: i64,
    received_at: DateTime<Utc>,
    intent: Intent<'_>,
) -> Result<Receipt, ServiceError> {
    let outcome = unit_of_work!(
        db,
        clock,
        ctx,
        receipts | uow | {
            let (tender, standing) = bids::lock_with_standing(uow.tx(), tender_id, who.organization_id).await?;
            permit(policy::may_bid(who, &tender.facts(received_at)), "tender")?;
            crate::services::ensure_not_held(&tender)?;
            received_before_deadline(&tender, received_at)?;
            let existing = standing.own.clone();
            let keyring = keyring.ok_or_else(|| ServiceError::KeyMissing("sealing_keys".into()))?;
            let key = match &standing.key {
                Some(wrapped) => keyring.unwrap_key(tender_id, wrapped).map_err(sealing_error)?,
                None => tender_key(&mut uow, keyring, tender_id).await?,
            };
            let salt = crate::credentials::random_token();
            let receipt = match intent {
                Intent::Submit(submission, _) | Intent::Replace(submission, _) => {
                    let replacing = matches!(intent, Intent::Replace(..));
                    let (bid_id, version, kind) = match (existing, replacing) {
                        (None, false) => (random_id(), 1, ReceiptKind::Submission),
                        (Some(b), false) if b.status == BidStatus::Withdrawn => {
                            (b.id, b.version + 1, ReceiptKind::Submission)
                        }
                        (Some(_), false) => return Err(ServiceError::Conflict("error-bid-exists")),
                        (None, true) => return Err(ServiceError::NotFound("bid")),
                        (Some(b), true) if b.status == BidStatus::Withdrawn => {
                            return Err(ServiceError::Conflict("error-bid-withdrawn"));
                        }
                        (Some(b), true) => (b.id, b.version + 1, ReceiptKind::Replacement),
                    };
                    // Checked as written (scaling first would round away a third decimal).
                    let mut v = submission.violations_of_lead(&tender.terms, who.organization_id.0);
                    let (party, named) = consortium_of(&mut uow, who, submission, &mut v).await?;
                    v.into_result().map_err(ServiceError::Invalid)?;
                    // The lead's own company may be in one bid only (its own knowledge alone).
                    if standing.elsewhere {
                        return Err(ServiceError::Conflict("error-already-in-a-bid"));
                    }
                    let submission = submission.clone().with_money_scaled();
                    let header = BidHeader {
                        bid_id: &bid_id,
                        tender_id,
                        version,
                        tender_version: tender.version,
                        party: &party,
                        received_at,
                        salt: &salt,
                    };
                    let now = uow.now();
                    let sent = match intent {
                        Intent::Submit(_, sent) | Intent::Replace(_, sent) => sent,
                        Intent::Confirm | Intent::Withdraw => Documents::Kept,
                    };
                    let (documents, new_documents) = match sent {
                        Documents::Kept if replacing && standing.own_documents > 0 => (
                            bid_documents::current_digests(&mut uow, &key, tender_id, &bid_id).await?,
                            None,
                        ),
                        Documents::Kept if replacing => (vec![], None),
                        Documents::Kept => (vec![], Some(&[][..])),
                        Documents::Sent(new) => (new.iter().map(|d| d.digest().clone()).collect(), Some(new)),
                        Documents::NotSealed => return Err(ServiceError::Conflict("error-bid-resend")),
                    };
                    let encoded = header.encode_bid(&submission, &documents);
                    let sha256 = sha256_hex(&encoded);
                    let sealed = key
                        .seal(&padded(encoded), &bid_aad(&bid_id, &sha256))
                        .map_err(sealing_error)?;
                    let bid = Bid {
                        id: bid_id.clone(),
                        tender_id,
                        lead_org_id: who.organization_id,
                        status: BidStatus::Submitted,
                        version,
                        tender_version: tender.version,
                        received_at,
                        sealed: Some(sealed),
                        sha256: sha256.clone(),
                        opened_content: None,
                        hash_matches: None,
                        document_faults: None,
                    };
                    // The bid's writes, and the receipt's below, go with the audit events at commit
                    // (one round trip on SQLite, whose write lock every other bid waits for).
                    let members = bids::set_members(uow.tx(), &bid_id, standing.own_members > 0, &named).await?;
                    uow.write_at_commit(bids::put_sealed(&bid, now));
                    for write in members {
                        uow.write_at_commit(write);
                    }
                    if let Some(new) = new_documents {
                        for write in bid_documents::record(tender_id, &bid_id, new, now)? {
                            uow.write_at_commit(write);
                        }
                    }
                    let mut receipt = receipt_of(&bid_id, tender_id, version, kind, &party, received_at, salt, sha256);
                    receipt.documents = documents;
                    receipt
                }
                Intent::Confirm | Intent::Withdraw => {
                    let bid = existing.ok_or(ServiceError::NotFound("bid"))?;
                    if bid.status == BidStatus::Withdrawn {
                        return Err(ServiceError::Conflict("error-bid-withdrawn"));
                    }
                    let party = stored_party(&mut uow, who, &bid.id).await?;
                    let version = bid.version + 1;
                    let header = BidHeader {
                        bid_id: &bid.id,
                        tender_id,
                        version,
                        tender_version: tender.version,
                        party: &party,
                        received_at,
                        salt: &salt,
                    };
                    let now = uow.now();
                    let (kind, encoded) = if matches!(intent, Intent::Confirm) {
                        if bid.tender_version >= tender.version {
                            return Err(ServiceError::Conflict("error-nothing-to-confirm"));
                        }
                        // A bid cannot be confirmed onto terms it was never checked against.
                        let stood_on = tenders::version_terms(&mut uow, tender_id, bid.tender_version).await?;
                        if stood_on.is_none_or(|before| terms_changed_for_bids(&before, &tender.terms)) {
                            return Err(ServiceError::Conflict("error-replace-needed"));
                        }
                        bids::set_confirmed(uow.tx(), &bid.id, version, tender.version, now).await?;
                        (ReceiptKind::Confirmation, header.encode_confirmation(&bid.sha256))
                    } else {
                        bids::set_withdrawn(uow.tx(), &bid.id, version, received_at, now).await?;
                        crate::storage::bid_documents::retire(&bid.id).run(uow.tx()).await?;
                        (ReceiptKind::Withdrawal, header.encode_withdrawal())
                    };
                    let sha256 = sha256_hex(&encoded);
                    receipt_of(&bid.id, tender_id, version, kind, &party, received_at, salt, sha256)
                }
            };
            // The salt is kept sealed: beside its hash it would let a database's reader test
            // candidate prices offline.
            let sealed_salt = key
                .seal(receipt.salt.as_bytes(), &salt_aad(&receipt.bid_id, receipt.version))
                .map_err(sealing_error)?;
            // Nor are the documents' names and hashes kept in clear (they are in the sealed
            // content, and their sealed descriptions).
            let mut stored = serde_json::to_value(&receipt).unwrap_or_default();
            stored["salt"] = json!("");
            stored["documents"] = json!([]);
            uow.write_at_commit(bids::insert_receipt(
                &receipt.bid_id,
                receipt.version,
                receipt.kind,
                received_at,
                &sealed_salt,
                &receipt.sha256,
                &stored,
                who.user_id,
            ));
            // The event carries no content: the salted hash, the time, the version.
            let payload = json!({
                "tender_id": tender_id.to_string(),
                "version": receipt.version,
                "tender_version": tender.version,
                "received_at": receipt.received_at,
                "sha256": receipt.sha256,
            });
            uow.record(bid_event(action_of(receipt.kind), &receipt.bid_id, who.organization_id).payload(payload));
            receipt
        }
    );
    match outcome {
        Ok((mut receipt, events)) => {
            receipt.audit = events.last().cloned();
            Ok(receipt)
        }
        Err(ServiceError::DeadlinePassed) => {
            record_late_attempt(db, clock, ctx, who, tender_id, received_at, intent.operation()).await?;
            Err(ServiceError::DeadlinePassed)
        }
        Err(e) => Err(e),
    }
}

#[allow(clippy::too_many_arguments)]
fn receipt_of(
    bid_id: &str,
    tender_id: i64,
    version: i32,
    kind: ReceiptKind,
    party: &BiddingParty,
    received_at: DateTime<Utc>,
    salt: String,
    sha256: String,
) -> Receipt {
    Receipt {
        bid_id: bid_id.to_string(),
        tender_id: tender_id.to_string(),
        version,
        kind,
        bidding_party: party.clone(),
        received_at,
        salt,
        sha256,
        documents: vec![],
        audit: None,
    }
}

/// Records a refused late attempt: the caller's company's and the reviewers' only, for good.
async fn record_late_attempt(
    db: &Db,
    clock: &dyn Clock,
    ctx: &AuditContext,
    who: &Identity,
    tender_id: i64,
    received_at: DateTime<Utc>,
    operation: &'static str,
) -> Result<(), ServiceError> {
    unit_of_work!(db, clock, ctx, |uow| {
        let payload = json!({"received_at": received_at, "operation": operation});
        uow.record(
            NewEvent::new("bid.late_attempt", "tender", tender_id)
                .organization(who.organization_id.0)
                .confidential(who.organization_id.0, FOREVER)
                .payload(payload),
        );
    })
}

/// `who`'s own bid on tender `tender_id`, with its latest receipt (its salt unsealed).
pub async fn mine(
    db: &Db,
    who: &Identity,
    keyring: Option<&Keyring>,
    tender_id: i64,
    now: DateTime<Utc>,
) -> Result<OwnBid, ServiceError> {
    let tender = crate::services::tenders::read(db, Some(who), tender_id, now).await?;
    let bid = bids::of_party(db, tender_id, who.organization_id)
        .await?
        .ok_or(ServiceError::NotFound("bid"))?;
    let stored = bids::latest_receipt(db, &bid.id).await?;
    let mut receipt: Receipt = serde_json::from_value(stored.receipt.clone())
        .map_err(|_| ServiceError::Store(crate::storage::StoreError::Database("bad receipt".into())))?;
    let key = existing_key(db, keyring, tender_id).await?;
    let salt = key
        .open(&stored.sealed_salt, &salt_aad(&bid.id, stored.version))
        .map_err(sealing_error)?;
    receipt.salt = String::from_utf8(salt).map_err(|_| sealing_error(SealingError::Tampered))?;
    let documents = bid_documents::current_digests(db, &key, tender_id, &bid.id).await?;
    if matches!(stored.kind, ReceiptKind::Submission | ReceiptKind::Replacement) {
        receipt.documents = documents.clone();
    }
    receipt.audit = audit::latest_of(db, "bid", &bid.id, action_of(stored.kind))
        .await?
        .map(|e| e.receipt());
    Ok(OwnBid {
        documents,
        tender_status: tender.status(now),
        tender_title: tender.terms.title.clone(),
        status: bid.status.shown(bid.tender_version, tender.version),
        bid_id: bid.id,
        tender_id: tender_id.to_string(),
        version: bid.version,
        tender_version: bid.tender_version,
        received_at: bid.received_at,
        content_sha256: bid.sha256,
        receipt,
    })
}

/// The most bids a company's dashboard lists.
pub const DASHBOARD_BIDS: i64 = 200;

/// The bids `who`'s company leads, newest tender first, each as [`mine`] answers it.
pub async fn all_mine(
    db: &Db,
    who: &Identity,
    keyring: Option<&Keyring>,
    now: DateTime<Utc>,
) -> Result<Vec<OwnBid>, ServiceError> {
    let mut out = Vec::new();
    for bid in bids::led_by(db, who.organization_id, DASHBOARD_BIDS).await? {
        match mine(db, who, keyring, bid.tender_id, now).await {
            Ok(own) => out.push(own),
            // One bid that cannot be shown (its master key not configured) does not hide the
            // others; the tender's page says why.
            Err(e @ ServiceError::KeyMissing(_)) => log::warn!("bid {} not listed: {e}", bid.id),
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

/// One bid in the opening protocol.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ProtocolBid {
    pub bid_id: String,
    /// `opened` or `withdrawn` (then the evaluation's statuses).
    pub status: BidStatus,
    pub bidding_party: BiddingParty,
    /// When the bid's final version (or its withdrawal) was received.
    pub received_at: DateTime<Utc>,
    /// The SHA-256 of the sealed content as its receipt gave it.
    pub sha256: String,
    /// Whether the content decrypted at the opening hashed to `sha256` (`null` when withdrawn).
    pub hash_matches: Option<bool>,
    /// The financial offer (`null` when withdrawn or when the content did not open).
    pub offer: Option<Offer>,
    /// Whether a bid security was given.
    pub bid_security_provided: bool,
    /// `confirmed`, or `needs_confirmation` when the bid stood on an earlier version of the
    /// tender at the opening (`null` when withdrawn).
    pub confirmation: Option<&'static str>,
    /// The opened content checked again against the tender's current terms: each rule it
    /// breaks, as `field: code` (empty when it keeps them all, or was not opened).
    pub terms_violations: Vec<String>,
    /// The consortium members that never confirmed (ids): not in the bidding party.
    pub unconfirmed_members: Vec<String>,
    /// The documents the opened bid lists (name and SHA-256; their content is for those who may
    /// read the bid).
    pub documents: Vec<DocumentDigest>,
    /// The listed documents the opening found missing or altered (reported, never hidden):
    /// empty when each was found as listed, and when the bid did not match its receipt (its
    /// list is not the bidder's, so it was not checked: `hash_matches` says so).
    pub document_faults: Vec<DocumentFault>,
}

/// The opening protocol: public once the bids are opened.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Protocol {
    pub tender_id: String,
    pub opened_at: DateTime<Utc>,
    pub bids: Vec<ProtocolBid>,
}

pub(crate) async fn protocol_bid(db: &Db, tender: &Tender, bid: Bid) -> Result<ProtocolBid, ServiceError> {
    let stored = bids::latest_receipt(db, &bid.id).await?;
    let mut party: BiddingParty = serde_json::from_value(stored.receipt["bidding_party"].clone())
        .map_err(|_| ServiceError::Store(crate::storage::StoreError::Database("bad receipt".into())))?;
    // The bidding party is the lead and the members that confirmed, named.
    let members = bids::members(db, &bid.id).await?;
    let lead = party.lead.id.clone();
    let confirmed = |id: &str| id == lead || members.iter().any(|m| m.confirmed && m.company_id.0.to_string() == id);
    party.members.retain(|m| confirmed(&m.id));
    for m in &mut party.members {
        if let Ok(id) = m.id.parse::<i64>() {
            m.name = organizations::find(db, OrgId(id)).await?.name.ru;
        }
    }
    let content: Option<Value> = bid
        .opened_content
        .as_deref()
        .and_then(|text| serde_json::from_str(text).ok());
    let offer = content
        .as_ref()
        .filter(|_| bid.hash_matches == Some(true))
        .and_then(|c| serde_json::from_value::<Offer>(c["offer"].clone()).ok());
    let withdrawn = bid.status == BidStatus::Withdrawn;
    let terms_violations = content
        .as_ref()
        .filter(|_| bid.hash_matches == Some(true))
        .map(|c| match submission_in(c) {
            Some(submission) => submission
                .violations(&tender.terms)
                .fields()
                .flat_map(|(field, codes)| codes.iter().map(move |code| format!("{field}: {code}")))
                .collect(),
            None => vec!["content: unreadable".to_string()],
        })
        .unwrap_or_default();
    let unconfirmed_members = members
        .into_iter()
        .filter(|m| !m.confirmed && m.company_id != bid.lead_org_id)
        .map(|m| m.company_id.0.to_string())
        .collect();
    let documents = content
        .as_ref()
        .filter(|_| bid.hash_matches == Some(true))
        .and_then(|c| serde_json::from_value(c["documents"].clone()).ok())
        .unwrap_or_default();
    Ok(ProtocolBid {
        document_faults: bid.document_faults.clone().unwrap_or_default(),
        documents,
        unconfirmed_members,
        terms_violations,
        bid_security_provided: content
            .as_ref()
            .filter(|_| bid.hash_matches == Some(true))
            .is_some_and(|c| !c["bid_security"].is_null()),
        confirmation: (!withdrawn).then_some(if bid.tender_version < tender.version {
            "needs_confirmation"
        } else {
            "confirmed"
        }),
        bid_id: bid.id,
        status: bid.status,
        bidding_party: party,
        received_at: bid.received_at,
        sha256: bid.sha256,
        hash_matches: bid.hash_matches,
        offer,
    })
}

/// The opening protocol of tender `tender_id`; `sealed` before the opening, to everyone.
pub async fn protocol(
    db: &Db,
    who: Option<&Identity>,
    ctx: &AuditContext,
    clock: &dyn Clock,
    tender_id: i64,
) -> Result<Protocol, ServiceError> {
    let now = clock.now();
    let tender = crate::services::tenders::read(db, who, tender_id, now).await?;
    let Some(opened_at) = tender.opened_at else {
        refuse_sealed(db, clock, ctx, &tender).await?;
        return Err(ServiceError::Sealed);
    };
    let mut items = Vec::new();
    for bid in bids::of_tender(db, tender_id).await? {
        items.push(protocol_bid(db, &tender, bid).await?);
    }
    Ok(Protocol {
        tender_id: tender_id.to_string(),
        opened_at,
        bids: items,
    })
}

/// A bid's content after the opening, for those the policy lets read it; each read is an
/// audit event. Before the opening it is sealed to everyone.
pub async fn read_opened(
    db: &Db,
    clock: &dyn Clock,
    ctx: &AuditContext,
    who: &Identity,
    bid_id: &str,
) -> Result<Value, ServiceError> {
    let (bid, tender) = opened_bid_for(db, clock, ctx, who, bid_id).await?;
    let protocol_entry = protocol_bid(db, &tender, bid.clone()).await?;
    let content: Value = bid
        .opened_content
        .as_deref()
        .and_then(|text| serde_json::from_str(text).ok())
        .unwrap_or(Value::Null);
    unit_of_work!(db, clock, ctx, |uow| {
        uow.record(
            NewEvent::new("bid.read", "bid", &bid.id)
                .organization(bid.lead_org_id.0)
                .payload(json!({"tender_id": bid.tender_id.to_string()})),
        );
    })?;
    Ok(json!({"bid": protocol_entry, "content": content}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padding_hides_the_length_and_comes_off_exactly() {
        let short = br#"{"offer":{"amount":"1.00"}}"#.to_vec();
        let long = br#"{"offer":{"yearly":["41234567.89","41234567.89","41234567.89"]}}"#.to_vec();
        assert_eq!(padded(short.clone()).len(), PAD_BLOCK);
        assert_eq!(padded(short.clone()).len(), padded(long.clone()).len());
        assert_eq!(unpadded(padded(long.clone())), long);
        assert_eq!(padded(vec![b'}'; PAD_BLOCK + 1]).len(), 2 * PAD_BLOCK);
    }
}

/// A consortium invitation as its member company sees it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Invitation {
    pub bid_id: String,
    pub tender_id: String,
    pub lead: PartyRef,
    pub role: String,
    #[schema(value_type = crate::domain::strict_json::PlainDecimal)]
    pub share: rust_decimal::Decimal,
    /// Whether the caller's company has confirmed.
    pub confirmed: bool,
}

/// The consortium invitations of `who`'s company (standing bids only).
pub async fn invitations(db: &Db, who: &Identity) -> Result<Vec<Invitation>, ServiceError> {
    let mut out = Vec::new();
    for (m, tender_id) in bids::invitations(db, who.organization_id).await? {
        let bid = bids::find(db, &m.bid_id).await?;
        let lead = organizations::find(db, bid.lead_org_id).await?;
        out.push(Invitation {
            bid_id: m.bid_id,
            tender_id: tender_id.to_string(),
            lead: PartyRef {
                id: lead.id.0.to_string(),
                name: lead.name.ru,
            },
            role: m.role,
            share: m.share,
            confirmed: m.confirmed,
        });
    }
    Ok(out)
}

/// A bidder of a member company confirms its company's membership of bid `bid_id`, before the
/// deadline. Only this confirmation can be refused because the company is already in another
/// bid of the tender, so a lead can neither learn whether a rival bid nor lock it out.
pub async fn join(
    db: &Db,
    clock: &dyn Clock,
    ctx: &AuditContext,
    who: &Identity,
    bid_id: &str,
    received_at: DateTime<Utc>,
) -> Result<Invitation, ServiceError> {
    let outcome = unit_of_work!(db, clock, ctx, |uow| {
        // Not invited, or no such bid: the same answer.
        let bid = bids::find(&mut uow, bid_id)
            .await
            .map_err(|_| ServiceError::NotFound("bid"))?;
        let tender = tenders::lock(uow.tx(), bid.tender_id).await?;
        let member = bids::members(&mut uow, bid_id)
            .await?
            .into_iter()
            .find(|m| m.company_id == who.organization_id && m.company_id != bid.lead_org_id)
            .filter(|_| bid.status != BidStatus::Withdrawn)
            .ok_or(ServiceError::NotFound("bid"))?;
        permit(policy::may_bid(who, &tender.facts(received_at)), "bid")?;
        crate::services::ensure_not_held(&tender)?;
        received_before_deadline(&tender, received_at)?;
        if member.confirmed {
            return Err(ServiceError::Conflict("error-already-joined"));
        }
        if bids::company_in_other_bid(&mut uow, tender.id, who.organization_id, bid_id).await? {
            return Err(ServiceError::Conflict("error-already-in-a-bid"));
        }
        let now = uow.now();
        bids::confirm_member(uow.tx(), bid_id, who.organization_id, who.user_id, now).await?;
        let payload = json!({"tender_id": tender.id.to_string(), "received_at": received_at,
                             "salt": crate::credentials::random_token()});
        uow.record(bid_event("bid.member_joined", bid_id, who.organization_id).payload(payload));
        (bid, member, tender.id)
    });
    match outcome {
        Ok((bid, member, tender_id)) => {
            let lead = organizations::find(db, bid.lead_org_id).await?;
            Ok(Invitation {
                bid_id: bid.id,
                tender_id: tender_id.to_string(),
                lead: PartyRef {
                    id: lead.id.0.to_string(),
                    name: lead.name.ru,
                },
                role: member.role,
                share: member.share,
                confirmed: true,
            })
        }
        Err(ServiceError::DeadlinePassed) => {
            let tender_id = bids::find(db, bid_id).await?.tender_id;
            record_late_attempt(db, clock, ctx, who, tender_id, received_at, "membership").await?;
            Err(ServiceError::DeadlinePassed)
        }
        Err(e) => Err(e),
    }
}
