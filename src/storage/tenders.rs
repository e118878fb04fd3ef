//! Tenders, their published versions and their clarification questions in the database.

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::domain::ids::{DocumentId, OrgId, UserId};
use crate::domain::policy::{DraftScope, TenderFacts};
use crate::domain::procedure::Timeline;
use crate::domain::tender::{
    CancellationReason, ReviewHold, TenderPhase, TenderState, TenderStatus, TenderTerms, TimelineTerms, status,
};
use crate::storage::{Db, Reader, StoreError, Tx};

/// Why and how a tender was cancelled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cancellation {
    pub reason: CancellationReason,
    pub explanation: String,
    /// The public document that records the decision (none when the project's cancellation
    /// took the tender with it).
    pub document_id: Option<DocumentId>,
    pub at: DateTime<Utc>,
}

/// A tender as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tender {
    pub id: i64,
    pub project_id: i64,
    pub municipality_id: OrgId,
    pub state: TenderState,
    /// 1 until published and at publication; one more per amendment.
    pub version: i32,
    pub terms: TenderTerms,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub published_at: Option<DateTime<Utc>>,
    pub cancellation: Option<Cancellation>,
    /// Set by the opening (and the steps after it); `None` while the clock decides the status.
    pub phase: Option<TenderPhase>,
    pub opened_at: Option<DateTime<Utc>>,
    /// A reviewer's hold: every change is refused while it is set.
    pub hold: Option<ReviewHold>,
    /// Whether an open complaint against the current round's award proposal suspends the award
    /// (as last read: a change decides on `complaints::open_against_award` under the lock).
    pub award_suspended: bool,
    /// An upheld complaint against the terms whose amendment hold follows the release of the
    /// reviewer's own hold.
    pub pending_amendment: Option<i64>,
}

impl Tender {
    /// The time the tender's clock-driven statuses are read at: `now`, or the hold's start while
    /// a hold stops the tender's clock (its instants move by the hold's length on release).
    pub fn clock(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        self.hold.as_ref().map_or(now, |h| h.since.min(now))
    }

    pub fn timeline(&self) -> Option<Timeline> {
        self.terms.timeline.complete()
    }

    pub fn status(&self, now: DateTime<Utc>) -> TenderStatus {
        status(self.state, self.phase, self.timeline().as_ref(), self.clock(now))
    }

    /// What the access policy decides on, at `now`.
    pub fn facts(&self, now: DateTime<Utc>) -> TenderFacts {
        TenderFacts {
            municipality: self.municipality_id,
            state: self.state,
            status: self.status(now),
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct TenderRow {
    id: i64,
    project_id: i64,
    municipality_id: i64,
    state: String,
    version: i32,
    terms: String,
    enquiry_end: Option<DateTime<Utc>>,
    deadline: Option<DateTime<Utc>>,
    opening: Option<DateTime<Utc>>,
    accelerator: i32,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    published_at: Option<DateTime<Utc>>,
    cancelled_at: Option<DateTime<Utc>>,
    cancel_reason: Option<String>,
    cancel_explanation: Option<String>,
    cancel_document_id: Option<i64>,
    phase: Option<String>,
    opened_at: Option<DateTime<Utc>>,
    hold_reason: Option<String>,
    hold_since: Option<DateTime<Utc>>,
    hold_by: Option<i64>,
    hold_complaint_id: Option<i64>,
    pending_amendment_complaint_id: Option<i64>,
    award_suspended: bool,
}

/// (Also read by [`crate::storage::bids::lock_with_standing`], beside a bid's standing.)
pub(crate) const COLUMNS: &str = "id, project_id, municipality_id, state, version, terms, enquiry_end, deadline, opening, \
    accelerator, created_at, updated_at, published_at, cancelled_at, cancel_reason, cancel_explanation, \
    cancel_document_id, phase, opened_at, hold_reason, hold_since, hold_by, hold_complaint_id, \
    pending_amendment_complaint_id, (state = 'published' AND EXISTS (SELECT 1 FROM complaints c \
    WHERE c.tender_id = tenders.id AND c.against = 'award' AND c.status IN ('filed', 'accepted') \
    AND c.round = (SELECT COUNT(*) FROM evaluation_rounds r WHERE r.tender_id = tenders.id) + 1)) \
    AS award_suspended";

/// The terms as the `terms` column keeps them: all but the timeline and the accelerator, which
/// have columns of their own (lists filter on them).
fn stored_terms(terms: &TenderTerms) -> String {
    let mut value = serde_json::to_value(terms).unwrap_or_default();
    if let Some(map) = value.as_object_mut() {
        map.remove("timeline");
        map.remove("accelerator");
    }
    value.to_string()
}

impl TryFrom<TenderRow> for Tender {
    type Error = StoreError;

    fn try_from(r: TenderRow) -> Result<Self, StoreError> {
        let bad = |what: &str| StoreError::Database(format!("tender {}: bad {what}", r.id));
        let mut value: Value = serde_json::from_str(&r.terms).map_err(|_| bad("terms"))?;
        if let Some(map) = value.as_object_mut() {
            let timeline = TimelineTerms {
                enquiry_end: r.enquiry_end,
                deadline: r.deadline,
                opening: r.opening,
            };
            map.insert("timeline".into(), serde_json::to_value(timeline).unwrap_or_default());
            map.insert("accelerator".into(), Value::from(r.accelerator));
        }
        let terms: TenderTerms = serde_json::from_value(value).map_err(|_| bad("terms"))?;
        let cancellation = match (r.cancelled_at, r.cancel_reason.as_deref()) {
            (Some(at), Some(reason)) => Some(Cancellation {
                reason: CancellationReason::parse(reason).ok_or_else(|| bad("cancellation reason"))?,
                explanation: r.cancel_explanation.clone().unwrap_or_default(),
                document_id: r.cancel_document_id.map(DocumentId),
                at,
            }),
            _ => None,
        };
        Ok(Tender {
            id: r.id,
            project_id: r.project_id,
            municipality_id: OrgId(r.municipality_id),
            state: TenderState::parse(&r.state).ok_or_else(|| bad("state"))?,
            version: r.version,
            terms,
            created_at: r.created_at,
            updated_at: r.updated_at,
            published_at: r.published_at,
            cancellation,
            phase: match r.phase.as_deref() {
                None => None,
                Some(phase) => Some(TenderPhase::parse(phase).ok_or_else(|| bad("phase"))?),
            },
            opened_at: r.opened_at,
            hold: match (r.hold_reason, r.hold_since, r.hold_by) {
                (Some(reason), Some(since), Some(by)) => Some(ReviewHold {
                    reason,
                    since,
                    by: UserId(by),
                    complaint_id: r.hold_complaint_id,
                }),
                _ => None,
            },
            award_suspended: r.award_suspended,
            pending_amendment: r.pending_amendment_complaint_id,
        })
    }
}

/// Records a new draft.
pub async fn insert(
    tx: &mut Tx,
    project_id: i64,
    municipality: OrgId,
    terms: &TenderTerms,
    now: DateTime<Utc>,
) -> Result<Tender, StoreError> {
    let sql = format!(
        "INSERT INTO tenders (project_id, municipality_id, state, version, terms, enquiry_end, deadline, opening, \
         accelerator, created_at, updated_at) VALUES ($1, $2, 'draft', 1, $3, $4, $5, $6, $7, $8, $8) \
         RETURNING {COLUMNS}"
    );
    let t = &terms.timeline;
    let row: TenderRow = on_tx!(tx, conn => {
        sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(project_id)
            .bind(municipality.0)
            .bind(stored_terms(terms))
            .bind(t.enquiry_end)
            .bind(t.deadline)
            .bind(t.opening)
            .bind(terms.accelerator as i32)
            .bind(now)
            .fetch_one(&mut *conn)
            .await?
    });
    row.try_into()
}

/// Replaces a tender's terms (a draft's edit, or an amendment with its new `version`).
pub async fn set_terms(
    tx: &mut Tx,
    id: i64,
    terms: &TenderTerms,
    version: i32,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let sql = "UPDATE tenders SET terms = $1, enquiry_end = $2, deadline = $3, opening = $4, accelerator = $5, \
               version = $6, updated_at = $7 WHERE id = $8";
    let t = &terms.timeline;
    on_tx!(tx, conn => {
        sqlx::query(sql)
            .bind(stored_terms(terms))
            .bind(t.enquiry_end)
            .bind(t.deadline)
            .bind(t.opening)
            .bind(terms.accelerator as i32)
            .bind(version)
            .bind(now)
            .bind(id)
            .execute(&mut *conn)
            .await?
            .rows_affected()
    });
    Ok(())
}

/// Publishes a draft.
pub async fn set_published(tx: &mut Tx, id: i64, now: DateTime<Utc>) -> Result<(), StoreError> {
    let sql = "UPDATE tenders SET state = 'published', published_at = $1, updated_at = $1 WHERE id = $2";
    on_tx!(tx, conn => sqlx::query(sql).bind(now).bind(id).execute(&mut *conn).await?.rows_affected());
    Ok(())
}

/// Records the opening: the tender moves to `phase` (evaluation, or unsuccessful without bids).
pub async fn set_opened(
    tx: &mut Tx,
    id: i64,
    phase: TenderPhase,
    by: UserId,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let sql = "UPDATE tenders SET phase = $1, opened_at = $2, opened_by = $3, updated_at = $2 WHERE id = $4";
    on_tx!(tx, conn => sqlx::query(sql).bind(phase.as_str()).bind(now).bind(by.0).bind(id).execute(&mut *conn).await?.rows_affected());
    Ok(())
}

/// Moves an opened tender to `phase` (the evaluation's end: the standstill, or unsuccessful).
pub async fn set_phase(tx: &mut Tx, id: i64, phase: TenderPhase, now: DateTime<Utc>) -> Result<(), StoreError> {
    let sql = "UPDATE tenders SET phase = $1, updated_at = $2 WHERE id = $3";
    on_tx!(tx, conn => sqlx::query(sql).bind(phase.as_str()).bind(now).bind(id).execute(&mut *conn).await?.rows_affected());
    Ok(())
}

/// Cancels a tender.
pub async fn set_cancelled(tx: &mut Tx, id: i64, c: &Cancellation) -> Result<(), StoreError> {
    let sql = "UPDATE tenders SET state = 'cancelled', cancelled_at = $1, cancel_reason = $2, \
               cancel_explanation = $3, cancel_document_id = $4, updated_at = $1 WHERE id = $5";
    on_tx!(tx, conn => {
        sqlx::query(sql)
            .bind(c.at)
            .bind(c.reason.as_str())
            .bind(c.explanation.trim())
            .bind(c.document_id.map(|d| d.0))
            .bind(id)
            .execute(&mut *conn)
            .await?
            .rows_affected()
    });
    Ok(())
}

/// Puts a reviewer's hold on a tender.
pub async fn set_hold(tx: &mut Tx, id: i64, hold: &ReviewHold) -> Result<(), StoreError> {
    let sql = "UPDATE tenders SET hold_reason = $1, hold_since = $2, hold_by = $3, hold_complaint_id = $4, \
               updated_at = $2 WHERE id = $5";
    on_tx!(tx, conn => sqlx::query(sql).bind(hold.reason.trim()).bind(hold.since).bind(hold.by.0)
        .bind(hold.complaint_id).bind(id).execute(&mut *conn).await?.rows_affected());
    Ok(())
}

/// Lifts the hold, with the tender's instants as the release moved them.
pub async fn clear_hold(
    tx: &mut Tx,
    id: i64,
    timeline: Option<&Timeline>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let sql = "UPDATE tenders SET hold_reason = NULL, hold_since = NULL, hold_by = NULL, hold_complaint_id = NULL, \
               enquiry_end = COALESCE($1, enquiry_end), deadline = COALESCE($2, deadline), \
               opening = COALESCE($3, opening), updated_at = $4 WHERE id = $5";
    on_tx!(tx, conn => sqlx::query(sql).bind(timeline.map(|t| t.enquiry_end)).bind(timeline.map(|t| t.deadline))
        .bind(timeline.map(|t| t.opening)).bind(now).bind(id).execute(&mut *conn).await?.rows_affected());
    Ok(())
}

/// Records (or clears) the upheld complaint whose amendment hold follows the reviewer's hold.
pub async fn set_pending_amendment(tx: &mut Tx, id: i64, complaint: Option<i64>) -> Result<(), StoreError> {
    let sql = "UPDATE tenders SET pending_amendment_complaint_id = $1 WHERE id = $2";
    on_tx!(tx, conn => sqlx::query(sql).bind(complaint).bind(id).execute(&mut *conn).await?.rows_affected());
    Ok(())
}

/// The tenders on hold, longest held first (the reviewers' page).
pub async fn held(db: &Db) -> Result<Vec<Tender>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM tenders WHERE hold_since IS NOT NULL ORDER BY hold_since, id LIMIT 500");
    let rows: Vec<TenderRow> = on_pool!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(pool).await?);
    rows.into_iter().map(Tender::try_from).collect()
}

/// Reads a tender inside a write transaction and locks it until the transaction ends.
pub async fn lock(tx: &mut Tx, id: i64) -> Result<Tender, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM tenders WHERE id = $1{}", tx.for_update());
    let row: Option<TenderRow> =
        on_tx!(tx, conn => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(&mut *conn).await?);
    row.ok_or(StoreError::NotFound("tender"))?.try_into()
}

/// The project's tender in preparation or running, locked, if it has one.
pub async fn lock_live_of_project(tx: &mut Tx, project_id: i64) -> Result<Option<Tender>, StoreError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM tenders WHERE project_id = $1 AND state IN ('draft', 'published') \
         AND (phase IS NULL OR phase <> 'unsuccessful'){}",
        tx.for_update()
    );
    let row: Option<TenderRow> = on_tx!(tx, conn => {
        sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(project_id).fetch_optional(&mut *conn).await?
    });
    row.map(Tender::try_from).transpose()
}

/// A tender, read on the pool or inside a change.
pub async fn find<'r>(reader: impl Into<Reader<'r>>, id: i64) -> Result<Tender, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM tenders WHERE id = $1");
    let row: Option<TenderRow> = on_reader!(reader.into(), conn => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(conn).await?);
    row.ok_or(StoreError::NotFound("tender"))?.try_into()
}

/// Filters of the tender list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TenderFilter {
    pub status: Option<TenderStatus>,
    pub municipality: Option<OrgId>,
    pub project: Option<i64>,
}

/// Up to `limit` tenders, newest first, older than the cursor `before` (an id): every tender
/// that is not a draft, and the drafts in `scope`. The status filter reads the clock at `now`.
pub async fn list(
    db: &Db,
    filter: &TenderFilter,
    scope: DraftScope,
    now: DateTime<Utc>,
    before: Option<i64>,
    limit: u32,
) -> Result<Vec<Tender>, StoreError> {
    // The stored state a status needs, and which side of the clock its instants must be.
    // The phase: "-" for none (the clock decides), or the phase's code.
    let (state, enquiries_open, bids_open, phase) = match filter.status {
        None => (None, None, None, None),
        Some(TenderStatus::Draft) => (Some("draft"), None, None, None),
        Some(TenderStatus::Cancelled) => (Some("cancelled"), None, None, None),
        Some(TenderStatus::ActiveEnquiries) => (Some("published"), Some(1_i64), Some(1_i64), Some("-")),
        Some(TenderStatus::ActiveTendering) => (Some("published"), Some(0), Some(1), Some("-")),
        Some(TenderStatus::Closed) => (Some("published"), None, Some(0), Some("-")),
        Some(TenderStatus::Evaluation) => (Some("published"), None, None, Some("evaluation")),
        Some(TenderStatus::Standstill) => (Some("published"), None, None, Some("standstill")),
        Some(TenderStatus::Awarded) => (Some("published"), None, None, Some("awarded")),
        Some(TenderStatus::Complete) => (Some("published"), None, None, Some("complete")),
        Some(TenderStatus::Unsuccessful) => (Some("published"), None, None, Some("unsuccessful")),
    };
    let sql = format!(
        "SELECT {COLUMNS} FROM tenders WHERE id < $1 \
         AND (state <> 'draft' OR $2 = 1 OR municipality_id = $3) \
         AND ($4 IS NULL OR state = $4) \
         AND ($5 IS NULL OR ($5 = 1 AND enquiry_end > COALESCE(hold_since, $7)) \
              OR ($5 = 0 AND enquiry_end <= COALESCE(hold_since, $7))) \
         AND ($6 IS NULL OR ($6 = 1 AND deadline > COALESCE(hold_since, $7)) \
              OR ($6 = 0 AND deadline <= COALESCE(hold_since, $7))) \
         AND ($8 IS NULL OR municipality_id = $8) AND ($9 IS NULL OR project_id = $9) \
         AND ($11 IS NULL OR ($11 = '-' AND phase IS NULL) OR phase = $11) \
         ORDER BY id DESC LIMIT $10"
    );
    let rows: Vec<TenderRow> = on_pool!(db, pool => {
        // Optional filters: planned with their values each time (see storage::Pool).
        sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).persistent(false)
            .bind(before.unwrap_or(i64::MAX))
            .bind(i64::from(scope.all))
            .bind(scope.own.map_or(-1, |o| o.0))
            .bind(state)
            .bind(enquiries_open)
            .bind(bids_open)
            .bind(now)
            .bind(filter.municipality.map(|m| m.0))
            .bind(filter.project)
            .bind(i64::from(limit))
            .bind(phase)
            .fetch_all(pool)
            .await?
    });
    rows.into_iter().map(Tender::try_from).collect()
}

/// One published version of a tender.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenderVersion {
    pub version: i32,
    pub at: DateTime<Utc>,
    /// Empty for the publication.
    pub reason: String,
    /// `{"before": {...}, "after": {...}}` of the terms the amendment changed.
    pub changes: Value,
}

pub async fn add_version(tx: &mut Tx, id: i64, version: &TenderVersion, terms: &TenderTerms) -> Result<(), StoreError> {
    let sql = "INSERT INTO tender_versions (tender_id, version, at, reason, terms, changes) \
               VALUES ($1, $2, $3, $4, $5, $6)";
    let terms = serde_json::to_string(terms).unwrap_or_else(|_| "{}".into());
    on_tx!(tx, conn => {
        sqlx::query(sql)
            .bind(id)
            .bind(version.version)
            .bind(version.at)
            .bind(version.reason.trim())
            .bind(terms.clone())
            .bind(version.changes.to_string())
            .execute(&mut *conn)
            .await?
            .rows_affected()
    });
    Ok(())
}

/// The terms of a tender's published version `version`, if it has one.
pub async fn version_terms<'r>(
    reader: impl Into<Reader<'r>>,
    id: i64,
    version: i32,
) -> Result<Option<TenderTerms>, StoreError> {
    let sql = "SELECT terms FROM tender_versions WHERE tender_id = $1 AND version = $2";
    let row: Option<(String,)> =
        on_reader!(reader.into(), conn => sqlx::query_as(sql).bind(id).bind(version).fetch_optional(conn).await?);
    row.map(|(terms,)| {
        serde_json::from_str(&terms).map_err(|_| StoreError::Database(format!("tender {id}: bad version terms")))
    })
    .transpose()
}

/// A tender's published versions, oldest first.
pub async fn versions(db: &Db, id: i64) -> Result<Vec<TenderVersion>, StoreError> {
    let sql = "SELECT version, at, reason, changes FROM tender_versions WHERE tender_id = $1 ORDER BY version";
    let rows: Vec<(i32, DateTime<Utc>, String, String)> =
        on_pool!(db, pool => sqlx::query_as(sql).bind(id).fetch_all(pool).await?);
    rows.into_iter()
        .map(|(version, at, reason, changes)| {
            Ok(TenderVersion {
                version,
                at,
                reason,
                changes: serde_json::from_str(&changes)
                    .map_err(|_| StoreError::Database(format!("tender {id} version {version}: bad changes")))?,
            })
        })
        .collect()
}

/// A clarification question as everyone sees it: never who asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    pub id: i64,
    pub tender_id: i64,
    pub question: String,
    pub asked_at: DateTime<Utc>,
    pub answer: Option<String>,
    pub answered_at: Option<DateTime<Utc>>,
}

type QuestionRow = (i64, i64, String, DateTime<Utc>, Option<String>, Option<DateTime<Utc>>);

const QUESTION_COLUMNS: &str = "id, tender_id, question, asked_at, answer, answered_at";

fn question(r: QuestionRow) -> Question {
    Question {
        id: r.0,
        tender_id: r.1,
        question: r.2,
        asked_at: r.3,
        answer: r.4,
        answered_at: r.5,
    }
}

/// Records a question; the asker is kept for the reviewers only (no read here returns it).
pub async fn insert_question(
    tx: &mut Tx,
    tender_id: i64,
    asker: (OrgId, UserId),
    text: &str,
    now: DateTime<Utc>,
) -> Result<Question, StoreError> {
    let sql = format!(
        "INSERT INTO tender_questions (tender_id, asker_org_id, asker_user_id, question, asked_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING {QUESTION_COLUMNS}"
    );
    let row: QuestionRow = on_tx!(tx, conn => {
        sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(tender_id)
            .bind(asker.0.0)
            .bind(asker.1.0)
            .bind(text.trim())
            .bind(now)
            .fetch_one(&mut *conn)
            .await?
    });
    Ok(question(row))
}

/// A question, read on the pool or inside a change (a change that answers it holds its
/// tender's lock, which every change of its questions takes first).
pub async fn find_question<'r>(reader: impl Into<Reader<'r>>, id: i64) -> Result<Question, StoreError> {
    let sql = format!("SELECT {QUESTION_COLUMNS} FROM tender_questions WHERE id = $1");
    let row: Option<QuestionRow> = on_reader!(reader.into(), conn => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(conn).await?);
    row.map(question).ok_or(StoreError::NotFound("question"))
}

pub async fn set_answer(tx: &mut Tx, id: i64, answer: &str, by: UserId, now: DateTime<Utc>) -> Result<(), StoreError> {
    let sql = "UPDATE tender_questions SET answer = $1, answered_at = $2, answered_by = $3 WHERE id = $4";
    on_tx!(tx, conn => {
        sqlx::query(sql).bind(answer.trim()).bind(now).bind(by.0).bind(id).execute(&mut *conn).await?.rows_affected()
    });
    Ok(())
}

/// A tender's questions, oldest first.
pub async fn questions<'r>(reader: impl Into<Reader<'r>>, tender_id: i64) -> Result<Vec<Question>, StoreError> {
    let sql = format!("SELECT {QUESTION_COLUMNS} FROM tender_questions WHERE tender_id = $1 ORDER BY id");
    let rows: Vec<QuestionRow> = on_reader!(reader.into(), conn => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(tender_id).fetch_all(conn).await?);
    Ok(rows.into_iter().map(question).collect())
}
