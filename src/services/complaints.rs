//! Complaints (domain.md section 3, "Complaints"): a bidding party in the protocol complains
//! about the award proposal during the standstill (which suspends the award while the complaint
//! is open), a registered bidder about the terms before the deadline; a reviewer accepts or
//! rejects it, then upholds or dismisses it. An upheld complaint against the award reopens the
//! evaluation (the frozen report is archived as a round); one against the terms holds the tender
//! until the amendment it requires is published.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;

use crate::clock::Clock;
use crate::domain::access::Identity;
use crate::domain::audit::{AuditContext, NewEvent};
use crate::domain::bid::BidStatus;
use crate::domain::complaint::{
    Against, ComplaintRequest, ComplaintStatus, DecisionRequest, Ruling, after_ruling, filing_refusal,
};
use crate::domain::document::FileType;
use crate::domain::ids::UserId;
use crate::domain::policy::{self, ComplaintScope};
use crate::domain::tender::{ReviewHold, TenderPhase, TenderStatus};
use crate::domain::validation::Violations;
use crate::services::blob_store_failed;
use crate::services::review_hold::put_on_hold;
use crate::services::unit_of_work;
use crate::services::{ServiceError, permit};
use crate::storage::blobs::BlobStore;
use crate::storage::complaints::{self, Complaint, ComplaintDocument, NewComplaint};
use crate::storage::unit_of_work::UnitOfWork;
use crate::storage::{Db, bids, evaluation, holidays, tenders};

/// A complaint as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ComplaintView {
    pub id: String,
    pub tender_id: String,
    pub against: Against,
    /// The complaining company; `null` on a complaint against the terms to all but that company
    /// and the reviewers (it names a company that may be about to bid, as a clarification
    /// question's asker is never named).
    pub complainant: Option<Complainant>,
    pub filed_at: DateTime<Utc>,
    pub grounds: String,
    pub remedy: String,
    /// The evaluation round an award complaint is against (1 for the first report).
    pub round: i64,
    pub status: ComplaintStatus,
    pub accepted_at: Option<DateTime<Utc>>,
    /// The reviewer's note on accepting it for review, if any.
    pub acceptance_reason: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    /// The reviewer's reason for the decision.
    pub decision_reason: Option<String>,
    /// The files sent with it (download: `GET /api/v1/complaints/{id}/documents/{document_id}`);
    /// on a complaint against the terms only its company and the reviewers see them, as its name.
    pub documents: Vec<ComplaintDocumentView>,
}

/// A file sent with a complaint.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ComplaintDocumentView {
    /// 32 random hex digits.
    pub id: String,
    pub name: String,
    pub content_type: String,
    pub sha256: String,
    pub size: i64,
}

/// The complaining company.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Complainant {
    pub id: String,
    pub name: String,
}

impl ComplaintView {
    /// The complaint as `who` sees it, with `documents` if they may see them.
    fn for_reader(c: Complaint, who: &Identity, documents: Vec<ComplaintDocument>) -> Self {
        let named = policy::may_see_complainant(who, c.against, c.complainant);
        Self {
            id: c.id.to_string(),
            tender_id: c.tender_id.to_string(),
            against: c.against,
            complainant: named.then(|| Complainant {
                id: c.complainant.to_string(),
                name: c.complainant_name,
            }),
            filed_at: c.filed_at,
            grounds: c.grounds,
            remedy: c.remedy,
            round: c.round,
            status: c.status,
            accepted_at: c.accepted_at,
            acceptance_reason: c.acceptance_reason,
            decided_at: c.decided_at,
            decision_reason: c.decision_reason,
            documents: if named {
                documents
                    .into_iter()
                    .map(|d| ComplaintDocumentView {
                        id: d.id,
                        name: d.name,
                        content_type: d.content_type,
                        sha256: d.sha256,
                        size: d.size,
                    })
                    .collect()
            } else {
                Vec::new()
            },
        }
    }
}

/// Complaint `c` as `who` sees it, with its documents.
async fn view(db: &Db, c: Complaint, who: &Identity) -> Result<ComplaintView, ServiceError> {
    let documents = complaints::documents(db, c.id).await?;
    Ok(ComplaintView::for_reader(c, who, documents))
}

/// Complaints as `who` sees them.
async fn views(db: &Db, list: Vec<Complaint>, who: &Identity) -> Result<Vec<ComplaintView>, ServiceError> {
    let mut out = Vec::with_capacity(list.len());
    for c in list {
        out.push(view(db, c, who).await?);
    }
    Ok(out)
}

/// The most files one complaint carries.
pub const MAX_DOCUMENTS: usize = 10;

/// A file sent with a complaint, checked and in the blob store (put there before the
/// complaint's transaction: slow work comes first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredUpload {
    pub name: String,
    pub content_type: &'static str,
    pub sha256: String,
    pub size: i64,
}

/// Checks the files sent with a complaint (at most ten, none empty, each an accepted type told
/// by its bytes: 415 otherwise; each within `max_bytes`: 413) and puts them in the blob store.
pub async fn store_uploads(
    blobs: &dyn BlobStore,
    files: &[(String, Vec<u8>)],
    max_bytes: u64,
) -> Result<Vec<StoredUpload>, ServiceError> {
    let mut v = Violations::new();
    if files.len() > MAX_DOCUMENTS {
        v.add("file", "too_many");
    }
    for (i, (name, bytes)) in files.iter().enumerate() {
        v.text(format!("file.{i}"), name);
        if bytes.is_empty() {
            v.add(format!("file.{i}"), "required");
        }
    }
    v.into_result().map_err(ServiceError::Invalid)?;
    let mut stored = Vec::with_capacity(files.len());
    for (name, bytes) in files {
        if bytes.len() as u64 > max_bytes {
            return Err(ServiceError::TooLarge);
        }
        let file_type = FileType::detect(bytes).ok_or(ServiceError::UnsupportedMediaType)?;
        let sha256 = blobs.put(bytes).await.map_err(blob_store_failed)?;
        stored.push(StoredUpload {
            name: name.chars().take(255).collect(),
            content_type: file_type.mime(),
            sha256,
            size: i64::try_from(bytes.len()).unwrap_or(i64::MAX),
        });
    }
    Ok(stored)
}

/// A complaint's document, for those who may see it; each download is recorded.
pub async fn document(
    db: &Db,
    blobs: &dyn BlobStore,
    clock: &dyn Clock,
    ctx: &AuditContext,
    who: &Identity,
    complaint_id: i64,
    document_id: &str,
) -> Result<(ComplaintDocument, Vec<u8>), ServiceError> {
    let gone = || ServiceError::NotFound("document");
    let complaint = complaints::find(db, complaint_id).await.map_err(|_| gone())?;
    let tender = crate::services::tenders::read(db, Some(who), complaint.tender_id, clock.now())
        .await
        .map_err(|_| gone())?;
    let in_protocol = in_protocol(db, &tender, who).await?;
    let scope = policy::complaint_scope(who, &tender.facts(clock.now()), in_protocol).map_err(|_| gone())?;
    if !visible(scope, &complaint) || !policy::may_see_complainant(who, complaint.against, complaint.complainant) {
        return Err(gone());
    }
    let document = complaints::documents(db, complaint_id)
        .await?
        .into_iter()
        .find(|d| d.id == document_id)
        .ok_or_else(gone)?;
    let content = blobs.get(&document.sha256).await.map_err(blob_store_failed)?;
    let event = NewEvent::new("complaint.document_downloaded", "complaint", complaint_id)
        .organization(tender.municipality_id.0)
        .payload(json!({"document_id": document.id, "sha256": document.sha256}));
    let event = naming_complainant(event, complaint.against, complaint.complainant);
    unit_of_work!(db, clock, ctx, |uow| uow.record(event.clone()))?;
    Ok((document, content))
}

/// The companies of `who`'s bidding party in the tender's opening protocol (`None` when its
/// company is in none, and always before the opening; the protocol does not change after it, so
/// this is read before a change).
async fn party_in_protocol(
    db: &Db,
    tender: &tenders::Tender,
    who: &Identity,
) -> Result<Option<BTreeSet<String>>, ServiceError> {
    if tender.opened_at.is_none() || !who.has_any_role(policy::COMPLAINANTS) {
        return Ok(None);
    }
    let own = who.organization_id.to_string();
    let (bids, companies) = crate::services::evaluation::bid_facts(db, tender).await?;
    if !companies.contains(&own) {
        return Ok(None);
    }
    // A withdrawn bid's party is in the protocol but not among the bids evaluated: its own.
    let party = bids
        .iter()
        .map(|b| {
            std::iter::once(b.bidding_party.lead.id.clone())
                .chain(b.bidding_party.members.iter().map(|m| m.id.clone()))
                .collect::<BTreeSet<String>>()
        })
        .find(|party| party.contains(&own))
        .unwrap_or_else(|| BTreeSet::from([own]));
    Ok(Some(party))
}

/// Whether `who`'s company is in a bidding party of the tender's opening protocol.
pub(crate) async fn in_protocol(db: &Db, tender: &tenders::Tender, who: &Identity) -> Result<bool, ServiceError> {
    Ok(party_in_protocol(db, tender, who).await?.is_some())
}

/// When the tender's standstill ends, once its award proposal is confirmed.
pub(crate) async fn standstill_end(
    reader: impl Into<crate::storage::Reader<'_>>,
    tender: &tenders::Tender,
    holidays: &crate::domain::calendar::Holidays,
) -> Result<Option<DateTime<Utc>>, ServiceError> {
    Ok(match evaluation::closing(reader, tender.id).await? {
        Some(closing) => closing.standstill_end(tender, holidays),
        None => None,
    })
}

/// An event that names a complainant (by its actor or its content): against the terms, only the
/// complainant and the reviewers ever read it, as a clarification question's asker.
fn naming_complainant(event: NewEvent, against: Against, complainant: crate::domain::ids::OrgId) -> NewEvent {
    match against {
        Against::Terms => event.confidential(complainant.0, crate::domain::audit::FOREVER),
        Against::Award => event,
    }
}

/// Whether `who` may file a complaint `against` the tender at `now` (403, or 409 outside its
/// window).
fn filing_allowed(
    who: &Identity,
    tender: &tenders::Tender,
    against: Against,
    in_protocol: bool,
    standstill_ends: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    permit(
        policy::may_complain(who, &tender.facts(now), against, in_protocol),
        "tender",
    )?;
    match filing_refusal(against, tender.status(now), standstill_ends, tender.clock(now)) {
        Some(reason) => Err(ServiceError::Conflict(reason)),
        None => Ok(()),
    }
}

/// The filing's refusals, asked before any file sent with it is stored (the filing's
/// transaction asks again).
pub async fn precheck(
    db: &Db,
    clock: &dyn Clock,
    who: &Identity,
    tender_id: i64,
    against: Against,
) -> Result<(), ServiceError> {
    let now = clock.now();
    let tender = crate::services::tenders::read(db, Some(who), tender_id, now).await?;
    let in_protocol = in_protocol(db, &tender, who).await?;
    let holidays = holidays::calendar(db).await?;
    let ends = standstill_end(db, &tender, &holidays).await?;
    filing_allowed(who, &tender, against, in_protocol, ends, now)
}

/// A bidder files a complaint about tender `tender_id`, with the files already stored.
pub async fn file(
    db: &Db,
    clock: &dyn Clock,
    ctx: &AuditContext,
    who: &Identity,
    tender_id: i64,
    request: &ComplaintRequest,
    documents: &[StoredUpload],
) -> Result<ComplaintView, ServiceError> {
    let tender = crate::services::tenders::read(db, Some(who), tender_id, clock.now()).await?;
    let party = party_in_protocol(db, &tender, who).await?;
    let in_protocol = party.is_some();
    let holidays = holidays::calendar(db).await?;
    let id = unit_of_work!(db, clock, ctx, |uow| {
        let tender = tenders::lock(uow.tx(), tender_id).await?;
        let now = uow.now();
        let ends = standstill_end(uow.tx(), &tender, &holidays).await?;
        filing_allowed(who, &tender, request.against, in_protocol, ends, now)?;
        request.violations().into_result().map_err(ServiceError::Invalid)?;
        let ours = complaints::of_tender(&mut uow, tender_id).await?;
        // One open complaint of each kind: against the award per bidding party (a consortium's
        // members complain together), against the terms per company.
        let same_complainant = |c: &Complaint| match (&party, c.against) {
            (Some(party), Against::Award) => party.contains(&c.complainant.to_string()),
            _ => c.complainant == who.organization_id,
        };
        if ours
            .iter()
            .any(|c| c.against == request.against && c.status.is_open() && same_complainant(c))
        {
            return Err(ServiceError::Conflict("error-complaint-already-open"));
        }
        let round = complaints::archived_rounds(&mut uow, tender_id).await? + 1;
        let new = NewComplaint {
            tender_id,
            against: request.against,
            complainant: who.organization_id,
            filed_by: who.user_id,
            grounds: &request.grounds,
            remedy: &request.remedy,
            round,
        };
        let id = complaints::insert(uow.tx(), &new, now).await?;
        for d in documents {
            let document = ComplaintDocument {
                id: crate::domain::bid::random_id(),
                complaint_id: id,
                name: d.name.clone(),
                content_type: d.content_type.to_string(),
                sha256: d.sha256.clone(),
                size: d.size,
                uploaded_at: now,
            };
            complaints::insert_document(uow.tx(), &document).await?;
        }
        let payload = json!({
            "tender_id": tender_id.to_string(),
            "against": request.against.as_str(),
            "complainant_id": who.organization_id.to_string(),
            "round": round,
            "award_suspended": request.against == Against::Award,
            "documents": documents.iter().map(|d| json!({"name": d.name, "sha256": d.sha256})).collect::<Vec<_>>(),
            // As for a clarification question: without it, hashing the event as each company
            // would have written it names the complainant through the public leaf hash.
            "salt": crate::credentials::random_token(),
        });
        let event = NewEvent::new("complaint.filed", "complaint", id)
            .organization(tender.municipality_id.0)
            .payload(payload);
        uow.record(naming_complainant(event, request.against, who.organization_id));
        id
    })?;
    view(db, complaints::find(db, id).await?, who).await
}

/// The complaints of tender `tender_id` that `who` may read.
pub async fn list(
    db: &Db,
    clock: &dyn Clock,
    who: &Identity,
    tender_id: i64,
) -> Result<Vec<ComplaintView>, ServiceError> {
    let now = clock.now();
    let tender = crate::services::tenders::read(db, Some(who), tender_id, now).await?;
    let in_protocol = in_protocol(db, &tender, who).await?;
    readable(db, who, &tender, in_protocol, now).await
}

/// The complaints of `tender` that `who` may read (403 for those who may read none).
async fn readable(
    db: &Db,
    who: &Identity,
    tender: &tenders::Tender,
    in_protocol: bool,
    now: DateTime<Utc>,
) -> Result<Vec<ComplaintView>, ServiceError> {
    let scope = match policy::complaint_scope(who, &tender.facts(now), in_protocol) {
        Ok(scope) => scope,
        Err(refusal) => return Err(permit(refusal, "tender").err().unwrap_or(ServiceError::Forbidden)),
    };
    let visible_ones = complaints::of_tender(db, tender.id)
        .await?
        .into_iter()
        .filter(|c| visible(scope, c))
        .collect();
    views(db, visible_ones, who).await
}

/// What the tender's page shows `who`: the complaints it may read (none when it may read
/// none), and the kinds of complaint it may file now (the filing's own rules, asked once).
pub async fn on_tender_page(
    db: &Db,
    who: &Identity,
    tender: &tenders::Tender,
    now: DateTime<Utc>,
) -> Result<(Vec<ComplaintView>, Vec<Against>), ServiceError> {
    let in_protocol = in_protocol(db, tender, who).await?;
    let list = match readable(db, who, tender, in_protocol, now).await {
        Err(ServiceError::Forbidden | ServiceError::NotFound(_)) => Vec::new(),
        other => other?,
    };
    let holidays = holidays::calendar(db).await?;
    let ends = standstill_end(db, tender, &holidays).await?;
    let may_file = Against::ALL
        .iter()
        .copied()
        .filter(|a| filing_allowed(who, tender, *a, in_protocol, ends, now).is_ok())
        .collect();
    Ok((list, may_file))
}

fn visible(scope: ComplaintScope, c: &Complaint) -> bool {
    match scope {
        ComplaintScope::All => true,
        ComplaintScope::Company { org, award } => c.complainant == org || (award && c.against == Against::Award),
    }
}

/// What a company's dashboard shows: its own complaints, and those against the award of the
/// tenders `in_protocol` (where it is a bidding party in the opening protocol), newest first.
pub async fn concerning(db: &Db, who: &Identity, in_protocol: &[i64]) -> Result<Vec<ComplaintView>, ServiceError> {
    let mut found = complaints::of_company(db, who.organization_id).await?;
    for tender in in_protocol {
        for c in complaints::of_tender(db, *tender).await? {
            if c.against == Against::Award && !found.iter().any(|f| f.id == c.id) {
                found.push(c);
            }
        }
    }
    found.sort_by_key(|c| std::cmp::Reverse(c.id));
    views(db, found, who).await
}

/// The complainant withdraws its complaint while it is open (an award it suspended may then
/// proceed).
pub async fn withdraw(
    db: &Db,
    clock: &dyn Clock,
    ctx: &AuditContext,
    who: &Identity,
    complaint_id: i64,
) -> Result<ComplaintView, ServiceError> {
    let complaint = complaints::find(db, complaint_id).await?;
    permit(policy::may_withdraw_complaint(who, complaint.complainant), "complaint")?;
    unit_of_work!(db, clock, ctx, |uow| {
        let tender = tenders::lock(uow.tx(), complaint.tender_id).await?;
        let now = uow.now();
        let complaint = complaints::find(&mut uow, complaint_id).await?;
        if !complaint.status.is_open() {
            return Err(ServiceError::Conflict("error-complaint-decided"));
        }
        complaints::set_status(uow.tx(), complaint_id, ComplaintStatus::Withdrawn, "", who.user_id, now).await?;
        let payload = json!({
            "tender_id": tender.id.to_string(),
            "against": complaint.against.as_str(),
            "before": {"status": complaint.status.as_str()},
            "after": {"status": ComplaintStatus::Withdrawn.as_str()},
            "salt": crate::credentials::random_token(),
        });
        let event = NewEvent::new("complaint.withdrawn", "complaint", complaint_id)
            .organization(tender.municipality_id.0)
            .payload(payload);
        // Its actor is the complainant's bidder.
        uow.record(naming_complainant(event, complaint.against, complaint.complainant));
    })?;
    view(db, complaints::find(db, complaint_id).await?, who).await
}

/// A reviewer decides complaint `complaint_id`.
pub async fn decide(
    db: &Db,
    clock: &dyn Clock,
    ctx: &AuditContext,
    who: &Identity,
    complaint_id: i64,
    request: &DecisionRequest,
) -> Result<ComplaintView, ServiceError> {
    permit(policy::may_decide_complaint(who), "complaint")?;
    let complaint = complaints::find(db, complaint_id).await?;
    unit_of_work!(db, clock, ctx, |uow| {
        let tender = tenders::lock(uow.tx(), complaint.tender_id).await?;
        let now = uow.now();
        let complaint = complaints::find(&mut uow, complaint_id).await?;
        let status = after_ruling(complaint.status, request.decision).map_err(ServiceError::Conflict)?;
        // The terms can be amended only while the tender takes bids: after the deadline the
        // reviewer holds (or the municipality cancels) the tender instead.
        if status == ComplaintStatus::Upheld
            && complaint.against == Against::Terms
            && !matches!(
                tender.status(now),
                TenderStatus::ActiveEnquiries | TenderStatus::ActiveTendering
            )
        {
            return Err(ServiceError::Conflict("error-terms-complaint-after-deadline"));
        }
        request.violations().into_result().map_err(ServiceError::Invalid)?;
        complaints::set_status(uow.tx(), complaint_id, status, &request.reason, who.user_id, now).await?;
        let payload = json!({
            "tender_id": tender.id.to_string(),
            "against": complaint.against.as_str(),
            "before": {"status": complaint.status.as_str()},
            "after": {"status": status.as_str()},
            "reason": request.reason.trim(),
        });
        uow.record(
            NewEvent::new(decision_action(request.decision), "complaint", complaint_id)
                .organization(tender.municipality_id.0)
                .payload(payload),
        );
        if status == ComplaintStatus::Upheld {
            match complaint.against {
                Against::Award => reopen_evaluation(&mut uow, &tender, &complaint, &request.reason).await?,
                Against::Terms => {
                    hold_for_amendment(&mut uow, &tender, &complaint, &request.reason, who.user_id).await?
                }
            }
        }
    })?;
    view(db, complaints::find(db, complaint_id).await?, who).await
}

fn decision_action(ruling: Ruling) -> &'static str {
    match ruling {
        Ruling::Accepted => "complaint.accepted",
        Ruling::Inadmissible => "complaint.inadmissible",
        Ruling::Upheld => "complaint.upheld",
        Ruling::Dismissed => "complaint.dismissed",
    }
}

/// An upheld complaint against the award sends a tender in its standstill back to evaluation:
/// the frozen report becomes an archived round, the bids return to `opened`, and the commission
/// may revise findings and scores, close again and propose anew (a new standstill).
async fn reopen_evaluation(
    uow: &mut UnitOfWork<'_>,
    tender: &tenders::Tender,
    complaint: &Complaint,
    reason: &str,
) -> Result<(), ServiceError> {
    let now = uow.now();
    let current = complaints::archived_rounds(&mut *uow, tender.id).await? + 1;
    if tender.status(now) != TenderStatus::Standstill || complaint.round != current {
        // Cancelled meanwhile, or against a proposal an earlier decision already set aside:
        // the decision stands, nothing reopens.
        return Ok(());
    }
    complaints::archive_closing(uow.tx(), tender.id, complaint.id, now).await?;
    for bid in bids::of_tender(&mut *uow, tender.id).await? {
        if matches!(
            bid.status,
            BidStatus::Proposed | BidStatus::Qualified | BidStatus::Disqualified
        ) {
            bids::set_status(uow.tx(), &bid.id, BidStatus::Opened, now).await?;
        }
    }
    tenders::set_phase(uow.tx(), tender.id, TenderPhase::Evaluation, now).await?;
    let payload = json!({
        "complaint_id": complaint.id.to_string(),
        "round": complaint.round,
        "reason": reason.trim(),
        "before": {"status": TenderStatus::Standstill.as_str()},
        "after": {"status": TenderStatus::Evaluation.as_str()},
    });
    uow.record(
        NewEvent::new("tender.evaluation_reopened", "tender", tender.id)
            .organization(tender.municipality_id.0)
            .payload(payload),
    );
    Ok(())
}

/// An upheld complaint against the terms holds the tender until the amendment it requires is
/// published (the amendment releases the hold).
async fn hold_for_amendment(
    uow: &mut UnitOfWork<'_>,
    tender: &tenders::Tender,
    complaint: &Complaint,
    reason: &str,
    by: UserId,
) -> Result<(), ServiceError> {
    if let Some(hold) = &tender.hold
        && hold.complaint_id.is_none()
    {
        // A reviewer's own hold stays until a reviewer releases it; the amendment hold follows.
        tenders::set_pending_amendment(uow.tx(), tender.id, Some(complaint.id)).await?;
        return Ok(());
    }
    let now = uow.now();
    let hold = ReviewHold {
        reason: reason.trim().to_string(),
        // A hold already set keeps its start: the instants move by the whole time held.
        since: tender.hold.as_ref().map_or(now, |h| h.since),
        by,
        complaint_id: Some(complaint.id),
    };
    put_on_hold(uow, tender, &hold).await
}

/// The reviewers' desk: every open complaint and every held tender, across the municipalities.
pub async fn desk(db: &Db, who: &Identity) -> Result<(Vec<ComplaintView>, Vec<tenders::Tender>), ServiceError> {
    permit(policy::may_decide_complaint(who), "complaint")?;
    let open = views(db, complaints::open(db).await?, who).await?;
    Ok((open, tenders::held(db).await?))
}
