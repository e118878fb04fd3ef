//! Tenders: preparing the draft, publishing it (the project goes `in_tender`), amending it,
//! clarification questions and answers, and cancellation (the project returns to `approved`).
//! Each change is one unit of work that locks the project before the tender, asks the policy,
//! writes, and records its events; the holidays the periods count are read before it begins.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::clock::Clock;
use crate::domain::access::Identity;
use crate::domain::audit::{AuditContext, FOREVER, NewEvent, changes};
use crate::domain::calendar::Holidays;
use crate::domain::document::DocumentVisibility;
use crate::domain::ids::DocumentId;
use crate::domain::policy;
use crate::domain::procedure::{DayCount, Procedure, after_amendment, order_violations};
use crate::domain::project::Stage;
use crate::domain::strict_json::merge_patch;
use crate::domain::tender::{CancellationReason, DEADLINE_ZONE, TenderState, TenderTerms, check_message};
use crate::domain::validation::Violations;
use crate::services::project_moves::move_project;
use crate::services::unit_of_work;
use crate::services::{ServiceError, permit};
use crate::storage::tenders::{self, Cancellation, Question, Tender, TenderVersion};
use crate::storage::unit_of_work::UnitOfWork;
use crate::storage::{Db, documents, holidays, projects};

fn event(action: &'static str, tender: &Tender) -> NewEvent {
    NewEvent::new(action, "tender", tender.id).organization(tender.municipality_id.0)
}

/// An event about a draft: a draft is its municipality's and the reviewers' only, and so is
/// what its events say, for good (the published terms are in the publication's event).
fn draft_event(action: &'static str, tender: &Tender) -> NewEvent {
    event(action, tender).confidential(tender.municipality_id.0, FOREVER)
}

fn terms_json(terms: &TenderTerms) -> Value {
    serde_json::to_value(terms).unwrap_or_default()
}

/// How the tender's periods count days: in Asia/Bishkek, skipping `holidays`, divided by its
/// accelerator.
fn day_count<'h>(holidays: &'h Holidays, terms: &TenderTerms) -> DayCount<'h> {
    DayCount {
        zone: DEADLINE_ZONE,
        holidays,
        accelerator: terms.accelerator,
    }
}

/// A tender if `who` may read it; otherwise it does not exist for them.
pub async fn read(db: &Db, who: Option<&Identity>, id: i64, now: DateTime<Utc>) -> Result<Tender, ServiceError> {
    let tender = tenders::find(db, id).await?;
    if policy::may_read_tender(who, &tender.facts(now)) {
        Ok(tender)
    } else {
        Err(ServiceError::NotFound("tender"))
    }
}

/// Why the project's document `id` cannot be published with a tender (`document_unknown`,
/// `document_not_public`), if it cannot.
pub(crate) async fn document_problem(
    uow: &mut UnitOfWork<'_>,
    project_id: i64,
    id: DocumentId,
) -> Result<Option<&'static str>, ServiceError> {
    Ok(match documents::visibility(&mut *uow, project_id, id.0).await? {
        None => Some("document_unknown"),
        Some(DocumentVisibility::Internal) => Some("document_not_public"),
        Some(DocumentVisibility::Public) => None,
    })
}

/// The tender documentation must be the project's own public documents: each one named that
/// is not is reported under `<prefix>documents.<i>`.
async fn document_violations(
    uow: &mut UnitOfWork<'_>,
    project_id: i64,
    terms: &TenderTerms,
    prefix: &str,
) -> Result<Violations, ServiceError> {
    let mut v = Violations::new();
    for (i, id) in terms.documents.iter().enumerate() {
        if let Some(code) = document_problem(uow, project_id, *id).await? {
            v.add(format!("{prefix}documents.{i}"), code);
        }
    }
    Ok(v)
}

/// An officer prepares a draft tender for an approved project of their municipality.
pub async fn create(
    db: &Db,
    clock: &dyn Clock,
    ctx: &AuditContext,
    who: &Identity,
    project_id: i64,
    terms: &TenderTerms,
    demo: bool,
) -> Result<Tender, ServiceError> {
    unit_of_work!(db, clock, ctx, |uow| {
        let project = projects::lock(uow.tx(), project_id).await?;
        permit(policy::may_prepare_tender(who, &project.facts()), "project")?;
        terms.validate_draft(demo).map_err(ServiceError::Invalid)?;
        if tenders::lock_live_of_project(uow.tx(), project_id).await?.is_some() {
            return Err(ServiceError::Conflict("error-tender-exists"));
        }
        let v = document_violations(&mut uow, project_id, terms, "").await?;
        v.into_result().map_err(ServiceError::Invalid)?;
        let now = uow.now();
        let terms = &terms.clone().with_money_scaled();
        let created = tenders::insert(uow.tx(), project_id, project.municipality_id, terms, now).await?;
        let payload = json!({"project_id": project_id.to_string(), "after": terms_json(terms)});
        uow.record(draft_event("tender.created", &created).payload(payload));
        created
    })
}

/// An officer edits a draft with an RFC 7396 merge patch of its terms.
pub async fn update(
    db: &Db,
    clock: &dyn Clock,
    ctx: &AuditContext,
    who: &Identity,
    id: i64,
    patch: &Value,
    demo: bool,
) -> Result<Tender, ServiceError> {
    unit_of_work!(db, clock, ctx, |uow| {
        let tender = tenders::lock(uow.tx(), id).await?;
        let now = uow.now();
        permit(policy::may_edit_tender(who, &tender.facts(now)), "tender")?;
        let terms = merge_patch(&tender.terms, patch).map_err(|e| ServiceError::Invalid(e.violations()))?;
        let mut v = terms.validate_draft(demo).err().unwrap_or_default();
        v.merge(document_violations(&mut uow, tender.project_id, &terms, "").await?);
        v.into_result().map_err(ServiceError::Invalid)?;
        let terms = terms.with_money_scaled();
        tenders::set_terms(uow.tx(), id, &terms, tender.version, now).await?;
        let payload = changes(&terms_json(&tender.terms), &terms_json(&terms));
        uow.record(draft_event("tender.updated", &tender).payload(payload));
        tenders::find(&mut uow, id).await?
    })
}

/// The approver publishes a draft: every rule of its procedure is checked at the server's
/// time (each broken one named), version 1 is recorded and the project goes `in_tender`.
pub async fn publish(
    db: &Db,
    clock: &dyn Clock,
    ctx: &AuditContext,
    who: &Identity,
    id: i64,
    demo: bool,
    keyring: Option<&crate::domain::sealing::Keyring>,
) -> Result<Tender, ServiceError> {
    let holidays = holidays::calendar(db).await?;
    unit_of_work!(db, clock, ctx, |uow| {
        // The project is locked before the tender, as every change that takes both does.
        let project_id = tenders::find(&mut uow, id).await?.project_id;
        let project = projects::lock(uow.tx(), project_id).await?;
        let tender = tenders::lock(uow.tx(), id).await?;
        let now = uow.now();
        permit(policy::may_publish_tender(who, &tender.facts(now)), "tender")?;
        if project.stage != Stage::Approved {
            return Err(ServiceError::Conflict("error-tender-needs-approval"));
        }
        let terms = &tender.terms;
        let days = day_count(&holidays, terms);
        // Every broken rule at once, the documents' included.
        let mut v = terms.publication_violations(now, &days, demo);
        v.merge(document_violations(&mut uow, project_id, terms, "").await?);
        v.into_result().map_err(ServiceError::Invalid)?;
        tenders::set_published(uow.tx(), id, now).await?;
        let version = TenderVersion {
            version: tender.version,
            at: now,
            reason: String::new(),
            changes: json!({}),
        };
        tenders::add_version(uow.tx(), id, &version, terms).await?;
        // The bids' key is made now, so nothing about the tender changes at its first bid.
        if let Some(keyring) = keyring {
            crate::services::bid_keys::tender_key(&mut uow, keyring, id).await?;
        }
        uow.record(
            event("tender.published", &tender).payload(json!({"version": tender.version, "terms": terms_json(terms)})),
        );
        move_project(&mut uow, Some(who), &project, Stage::InTender, "tender_published", id).await?;
        tenders::find(&mut uow, id).await?
    })
}

/// What an amendment asks for.
#[derive(Debug, Clone)]
pub struct Amendment<'a> {
    pub reason: &'a str,
    /// An RFC 7396 merge patch of the terms.
    pub patch: &'a Value,
}

/// The municipality amends a published tender before its deadline: a new version with its
/// reason and the differences; when fewer days are left than the procedure requires, the
/// deadline moves so that they remain, and the enquiry end and the opening move with it.
pub async fn amend(
    db: &Db,
    clock: &dyn Clock,
    ctx: &AuditContext,
    who: &Identity,
    id: i64,
    amendment: &Amendment<'_>,
    demo: bool,
) -> Result<Tender, ServiceError> {
    let holidays = holidays::calendar(db).await?;
    unit_of_work!(db, clock, ctx, |uow| {
        let tender = tenders::lock(uow.tx(), id).await?;
        let now = uow.now();
        permit(policy::may_amend_tender(who, &tender.facts(now)), "tender")?;
        // An upheld complaint against the terms holds the tender until this amendment: it
        // releases the hold first (moving the instants by the time held), then amends.
        let tender = match &tender.hold {
            Some(hold) if hold.complaint_id.is_some() => {
                crate::services::review_hold::release_locked(&mut uow, &tender, &holidays, "amendment").await?;
                tenders::find(&mut uow, id).await?
            }
            _ => {
                crate::services::ensure_not_held(&tender)?;
                tender
            }
        };
        let mut v = Violations::new();
        check_message(&mut v, "reason", amendment.reason);
        let mut terms = match merge_patch(&tender.terms, amendment.patch) {
            Ok(terms) => terms,
            Err(e) => {
                v.merge_prefixed("changes", e.violations());
                return Err(ServiceError::Invalid(v));
            }
        };
        if let Err(e) = terms.validate_draft(demo) {
            v.merge_prefixed("changes", e);
        }
        // A published notice stays complete, under its procedure and accelerator.
        v.merge_prefixed("changes", terms.completeness_violations());
        v.merge_prefixed("changes", terms.fixed_after_publication(&tender.terms));
        if let (Some(timeline), Some(procedure)) = (terms.timeline.complete(), Procedure::of(terms.procedure)) {
            // Questions cannot be closed in the past by hand (the clock closes them).
            if timeline.enquiry_end <= now && terms.timeline.enquiry_end != tender.terms.timeline.enquiry_end {
                v.add("changes.timeline.enquiry_end", "in_past");
            }
            let days = day_count(&holidays, &terms);
            match after_amendment(&procedure, &timeline, now, &days) {
                Some(moved) => {
                    terms.timeline = moved.into();
                    v.merge_prefixed("changes", order_violations(&procedure, &moved, &days));
                    // An amendment may give bidders at most the procedure's longest period anew.
                    if days
                        .after(now, procedure.tendering_max)
                        .is_none_or(|latest| moved.deadline > latest)
                    {
                        v.add("changes.timeline.deadline", "tendering_too_long");
                    }
                }
                None => v.add("changes.timeline.deadline", "tendering_too_long"),
            }
        }
        if terms == tender.terms {
            v.add("changes", "no_change");
        }
        v.merge(document_violations(&mut uow, tender.project_id, &terms, "changes.").await?);
        v.into_result().map_err(ServiceError::Invalid)?;
        let terms = terms.with_money_scaled();
        let version = TenderVersion {
            version: tender.version + 1,
            at: now,
            reason: amendment.reason.trim().to_string(),
            changes: changes(&terms_json(&tender.terms), &terms_json(&terms)),
        };
        tenders::set_terms(uow.tx(), id, &terms, version.version, now).await?;
        tenders::add_version(uow.tx(), id, &version, &terms).await?;
        let payload = json!({"version": version.version, "reason": version.reason, "changes": version.changes});
        uow.record(event("tender.amended", &tender).payload(payload));
        tenders::find(&mut uow, id).await?
    })
}

/// A bidder asks a question until the enquiry end. The question is public; who asked is not:
/// its event is readable only by the asker's company and the reviewers, for good.
pub async fn ask(
    db: &Db,
    clock: &dyn Clock,
    ctx: &AuditContext,
    who: &Identity,
    tender_id: i64,
    text: &str,
) -> Result<Question, ServiceError> {
    unit_of_work!(db, clock, ctx, |uow| {
        let tender = tenders::lock(uow.tx(), tender_id).await?;
        let now = uow.now();
        permit(policy::may_ask_question(who, &tender.facts(now)), "tender")?;
        crate::services::ensure_not_held(&tender)?;
        let mut v = Violations::new();
        check_message(&mut v, "question", text);
        v.into_result().map_err(ServiceError::Invalid)?;
        let asked =
            tenders::insert_question(uow.tx(), tender_id, (who.organization_id, who.user_id), text, now).await?;
        // The salt makes the event's leaf hash (public through inclusion proofs) unguessable:
        // without it, hashing the event as each bidder would have written it names the asker.
        let payload = json!({"question_id": asked.id.to_string(), "question": asked.question,
                             "salt": crate::credentials::random_token()});
        uow.record(
            event("tender.question_asked", &tender)
                .payload(payload)
                .confidential(who.organization_id.0, FOREVER),
        );
        asked
    })
}

/// The municipality answers a question, once; the answer is published with it.
pub async fn answer(
    db: &Db,
    clock: &dyn Clock,
    ctx: &AuditContext,
    who: &Identity,
    question_id: i64,
    text: &str,
) -> Result<Question, ServiceError> {
    unit_of_work!(db, clock, ctx, |uow| {
        // Every change of a tender's questions holds the tender's lock, so the question read
        // after it is the one this answer decides on.
        let tender_id = tenders::find_question(&mut uow, question_id).await?.tender_id;
        let tender = tenders::lock(uow.tx(), tender_id).await?;
        let question = tenders::find_question(&mut uow, question_id).await?;
        let now = uow.now();
        permit(policy::may_answer_question(who, &tender.facts(now)), "question")?;
        crate::services::ensure_not_held(&tender)?;
        if question.answer.is_some() {
            return Err(ServiceError::Conflict("error-already-answered"));
        }
        let mut v = Violations::new();
        check_message(&mut v, "answer", text);
        v.into_result().map_err(ServiceError::Invalid)?;
        tenders::set_answer(uow.tx(), question_id, text, who.user_id, now).await?;
        let payload = json!({"question_id": question_id.to_string(), "answer": text.trim()});
        uow.record(event("tender.question_answered", &tender).payload(payload));
        tenders::find_question(&mut uow, question_id).await?
    })
}

/// What a cancellation gives.
#[derive(Debug, Clone)]
pub struct CancelRequest<'a> {
    pub reason: CancellationReason,
    pub explanation: &'a str,
    /// The project's public document recording the decision.
    pub document_id: Option<DocumentId>,
}

/// The approver cancels a tender before award, with a reason and a public document; a
/// published tender's project returns to `approved`, ready for a new tender.
pub async fn cancel(
    db: &Db,
    clock: &dyn Clock,
    ctx: &AuditContext,
    who: &Identity,
    id: i64,
    request: &CancelRequest<'_>,
) -> Result<Tender, ServiceError> {
    unit_of_work!(db, clock, ctx, |uow| {
        let project_id = tenders::find(&mut uow, id).await?.project_id;
        let project = projects::lock(uow.tx(), project_id).await?;
        let tender = tenders::lock(uow.tx(), id).await?;
        let now = uow.now();
        permit(policy::may_cancel_tender(who, &tender.facts(now)), "tender")?;
        crate::services::ensure_not_held(&tender)?;
        let mut v = Violations::new();
        // An explanation is optional but for `other`; when given it is a message like any other.
        if request.reason == CancellationReason::Other || !request.explanation.trim().is_empty() {
            check_message(&mut v, "explanation", request.explanation);
        }
        match request.document_id {
            None => v.add("document_id", "required"),
            Some(document) => {
                if let Some(code) = document_problem(&mut uow, project_id, document).await? {
                    v.add("document_id", code);
                }
            }
        }
        v.into_result().map_err(ServiceError::Invalid)?;
        let cancellation = Cancellation {
            reason: request.reason,
            explanation: request.explanation.trim().to_string(),
            document_id: request.document_id,
            at: now,
        };
        cancel_locked(&mut uow, &tender, &cancellation).await?;
        // Before the award, or after it and before a contract: the project may be tendered again.
        if matches!(project.stage, Stage::InTender | Stage::Awarded) {
            move_project(&mut uow, Some(who), &project, Stage::Approved, "tender_cancelled", id).await?;
        }
        tenders::find(&mut uow, id).await?
    })
}

async fn cancel_locked(uow: &mut UnitOfWork<'_>, tender: &Tender, c: &Cancellation) -> Result<(), ServiceError> {
    // A signed contract ends by its own terms (termination), not by cancelling the tender
    // behind it; a draft awaiting signature is cancelled with the tender.
    if crate::services::contracts::signed_contract(uow, tender.id).await? {
        return Err(ServiceError::Conflict("error-tender-under-contract"));
    }
    crate::services::contracts::cancel_pending(uow, tender.id, "tender_cancelled").await?;
    tenders::set_cancelled(uow.tx(), tender.id, c).await?;
    let payload = json!({
        "before": {"state": tender.state.as_str()},
        "after": {"state": TenderState::Cancelled.as_str()},
        "reason": c.reason.as_str(),
        "explanation": c.explanation,
        "document_id": c.document_id.map(|d| d.to_string()),
    });
    uow.record(event("tender.cancelled", tender).payload(payload));
    Ok(())
}

/// Cancelling a project takes its tender in preparation or running with it, in the same unit
/// of work (the caller holds the project's lock).
pub(crate) async fn cancel_with_project(
    uow: &mut UnitOfWork<'_>,
    project_id: i64,
    comment: &str,
) -> Result<(), ServiceError> {
    if let Some(tender) = tenders::lock_live_of_project(uow.tx(), project_id).await? {
        crate::services::ensure_not_held(&tender)?;
        let cancellation = Cancellation {
            reason: CancellationReason::Other,
            explanation: format!("project cancelled: {}", comment.trim()),
            document_id: None,
            at: uow.now(),
        };
        cancel_locked(uow, &tender, &cancellation).await?;
    }
    Ok(())
}
