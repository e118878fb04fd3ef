//! Complaints in the database. Every change holds the tender's lock (taken by the service
//! first), so a complaint's own row needs no lock of its own; what a change decides on is read
//! by a statement of its own after that lock (never with it: on PostgreSQL a statement that
//! waited for a lock still sees the rows of its start).

use chrono::{DateTime, Utc};

use crate::domain::complaint::{Against, ComplaintStatus};
use crate::domain::ids::{OrgId, UserId};
use crate::storage::{Db, Reader, StoreError, Tx};

/// A complaint as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Complaint {
    pub id: i64,
    pub tender_id: i64,
    pub against: Against,
    pub complainant: OrgId,
    pub complainant_name: String,
    pub filed_by: UserId,
    pub filed_at: DateTime<Utc>,
    pub grounds: String,
    pub remedy: String,
    /// The evaluation round an award complaint is against (1 for the first report).
    pub round: i64,
    pub status: ComplaintStatus,
    pub accepted_at: Option<DateTime<Utc>>,
    pub acceptance_reason: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_reason: Option<String>,
}

#[derive(sqlx::FromRow)]
struct ComplaintRow {
    id: i64,
    tender_id: i64,
    against: String,
    complainant_org_id: i64,
    complainant_name: String,
    filed_by: i64,
    filed_at: DateTime<Utc>,
    grounds: String,
    remedy: String,
    round: i64,
    status: String,
    accepted_at: Option<DateTime<Utc>>,
    acceptance_reason: Option<String>,
    decided_at: Option<DateTime<Utc>>,
    decision_reason: Option<String>,
}

impl TryFrom<ComplaintRow> for Complaint {
    type Error = StoreError;

    fn try_from(r: ComplaintRow) -> Result<Self, StoreError> {
        let bad = |what: &str| StoreError::Corrupt(format!("complaint {}: bad {what}", r.id));
        Ok(Complaint {
            id: r.id,
            tender_id: r.tender_id,
            against: Against::parse(&r.against).ok_or_else(|| bad("against"))?,
            complainant: OrgId(r.complainant_org_id),
            complainant_name: r.complainant_name,
            filed_by: UserId(r.filed_by),
            filed_at: r.filed_at,
            grounds: r.grounds,
            remedy: r.remedy,
            round: r.round,
            status: ComplaintStatus::parse(&r.status).ok_or_else(|| bad("status"))?,
            accepted_at: r.accepted_at,
            acceptance_reason: r.acceptance_reason,
            decided_at: r.decided_at,
            decision_reason: r.decision_reason,
        })
    }
}

/// The complainant's name is its organisation's Russian name (the registry's language of record).
const SELECT: &str = "SELECT c.id, c.tender_id, c.against, c.complainant_org_id, o.name_ru AS complainant_name, \
    c.filed_by, c.filed_at, c.grounds, c.remedy, c.round, c.status, c.accepted_at, c.acceptance_reason, c.decided_at, \
    c.decision_reason \
    FROM complaints c JOIN organizations o ON o.id = c.complainant_org_id";

/// What a new complaint records.
pub struct NewComplaint<'a> {
    pub tender_id: i64,
    pub against: Against,
    pub complainant: OrgId,
    pub filed_by: UserId,
    pub grounds: &'a str,
    pub remedy: &'a str,
    pub round: i64,
}

/// Records a filed complaint; its id.
pub async fn insert(tx: &mut Tx, c: &NewComplaint<'_>, now: DateTime<Utc>) -> Result<i64, StoreError> {
    let sql = "INSERT INTO complaints (tender_id, against, complainant_org_id, filed_by, filed_at, grounds, remedy, \
               round, status) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'filed') RETURNING id";
    let id: i64 = on_tx!(tx, conn => sqlx::query_scalar(sql).bind(c.tender_id).bind(c.against.as_str())
        .bind(c.complainant.0).bind(c.filed_by.0).bind(now).bind(c.grounds.trim()).bind(c.remedy.trim())
        .bind(c.round).fetch_one(&mut *conn).await?);
    Ok(id)
}

/// One complaint.
pub async fn find<'r>(reader: impl Into<Reader<'r>>, id: i64) -> Result<Complaint, StoreError> {
    let sql = format!("{SELECT} WHERE c.id = $1");
    let row: Option<ComplaintRow> = on_reader!(reader.into(), conn => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(conn).await?);
    row.ok_or(StoreError::NotFound("complaint"))?.try_into()
}

/// A tender's complaints, oldest first.
pub async fn of_tender<'r>(reader: impl Into<Reader<'r>>, tender_id: i64) -> Result<Vec<Complaint>, StoreError> {
    let sql = format!("{SELECT} WHERE c.tender_id = $1 ORDER BY c.id");
    let rows: Vec<ComplaintRow> = on_reader!(reader.into(), conn => {
        sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(tender_id).fetch_all(conn).await?
    });
    rows.into_iter().map(Complaint::try_from).collect()
}

/// A company's own complaints, newest first (up to 200).
pub async fn of_company(db: &Db, org: OrgId) -> Result<Vec<Complaint>, StoreError> {
    let sql = format!("{SELECT} WHERE c.complainant_org_id = $1 ORDER BY c.id DESC LIMIT 200");
    let rows: Vec<ComplaintRow> =
        on_pool!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(org.0).fetch_all(pool).await?);
    rows.into_iter().map(Complaint::try_from).collect()
}

/// Every complaint not yet decided, oldest first (the reviewers' page).
pub async fn open(db: &Db) -> Result<Vec<Complaint>, StoreError> {
    let sql = format!("{SELECT} WHERE c.status IN ('filed', 'accepted') ORDER BY c.id LIMIT 500");
    let rows: Vec<ComplaintRow> = on_pool!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(pool).await?);
    rows.into_iter().map(Complaint::try_from).collect()
}

/// Records a reviewer's decision (acceptance keeps the complaint open) or the complainant's
/// withdrawal (`by` then is the complainant's bidder).
pub async fn set_status(
    tx: &mut Tx,
    id: i64,
    status: ComplaintStatus,
    reason: &str,
    by: UserId,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let sql = if status == ComplaintStatus::Accepted {
        "UPDATE complaints SET status = $1, accepted_at = $2, accepted_by = $3, \
         acceptance_reason = NULLIF($4, '') WHERE id = $5"
    } else {
        "UPDATE complaints SET status = $1, decided_at = $2, decided_by = $3, \
         decision_reason = NULLIF($4, '') WHERE id = $5"
    };
    on_tx!(tx, conn => sqlx::query(sql).bind(status.as_str()).bind(now).bind(by.0).bind(reason.trim()).bind(id)
        .execute(&mut *conn).await?.rows_affected());
    Ok(())
}

/// Whether a complaint against the current round's award proposal is open (read after the
/// tender's lock, in its own statement).
pub async fn open_against_award(tx: &mut Tx, tender_id: i64) -> Result<bool, StoreError> {
    let sql = "SELECT COUNT(*) FROM complaints c WHERE c.tender_id = $1 AND c.against = 'award' \
               AND c.status IN ('filed', 'accepted') \
               AND c.round = (SELECT COUNT(*) FROM evaluation_rounds r WHERE r.tender_id = $1) + 1";
    let open: i64 = on_tx!(tx, conn => sqlx::query_scalar(sql).bind(tender_id).fetch_one(&mut *conn).await?);
    Ok(open > 0)
}

/// How many evaluation rounds a tender has archived (the current round is one more).
pub async fn archived_rounds<'r>(reader: impl Into<Reader<'r>>, tender_id: i64) -> Result<i64, StoreError> {
    let sql = "SELECT COUNT(*) FROM evaluation_rounds WHERE tender_id = $1";
    Ok(on_reader!(reader.into(), conn => sqlx::query_scalar(sql).bind(tender_id).fetch_one(conn).await?))
}

/// An archived round: the report as it was frozen, and the complaint that reopened it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ArchivedRound {
    pub round: i64,
    pub closed_at: DateTime<Utc>,
    pub sha256: String,
    pub proposed_bid_id: Option<String>,
    pub confirmed_at: Option<DateTime<Utc>>,
    pub reopened_at: DateTime<Utc>,
    pub complaint_id: i64,
}

/// The tender's archived rounds, first first.
pub async fn rounds<'r>(reader: impl Into<Reader<'r>>, tender_id: i64) -> Result<Vec<ArchivedRound>, StoreError> {
    let sql = "SELECT round, closed_at, sha256, proposed_bid_id, confirmed_at, reopened_at, complaint_id \
               FROM evaluation_rounds WHERE tender_id = $1 ORDER BY round";
    Ok(on_reader!(reader.into(), conn => sqlx::query_as(sql).bind(tender_id).fetch_all(conn).await?))
}

/// Reopens the evaluation after an upheld complaint: the closing (frozen report, proposal,
/// confirmation) moves to the archived rounds and the scoring is open again.
pub async fn archive_closing(
    tx: &mut Tx,
    tender_id: i64,
    complaint_id: i64,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let copy = "INSERT INTO evaluation_rounds (tender_id, round, closed_at, report, sha256, proposed_bid_id, \
                confirmed_at, reopened_at, complaint_id) \
                SELECT tender_id, (SELECT COUNT(*) FROM evaluation_rounds r WHERE r.tender_id = $1) + 1, closed_at, \
                report, sha256, proposed_bid_id, confirmed_at, $2, $3 FROM tender_evaluations WHERE tender_id = $1";
    let delete = "DELETE FROM tender_evaluations WHERE tender_id = $1";
    on_tx!(tx, conn => {
        sqlx::query(copy).bind(tender_id).bind(now).bind(complaint_id).execute(&mut *conn).await?;
        sqlx::query(delete).bind(tender_id).execute(&mut *conn).await?.rows_affected()
    });
    Ok(())
}

/// Moves the standstill's end by a hold's length (microseconds).
pub async fn extend_standstill(tx: &mut Tx, tender_id: i64, micros: i64) -> Result<(), StoreError> {
    let sql = "UPDATE tender_evaluations SET standstill_shift_us = standstill_shift_us + $1 WHERE tender_id = $2";
    on_tx!(tx, conn => sqlx::query(sql).bind(micros).bind(tender_id).execute(&mut *conn).await?.rows_affected());
    Ok(())
}

/// A document sent with a complaint.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ComplaintDocument {
    pub id: String,
    pub complaint_id: i64,
    pub name: String,
    pub content_type: String,
    pub sha256: String,
    pub size: i64,
    pub uploaded_at: DateTime<Utc>,
}

/// Records a document of a complaint (its content is already in the blob store).
pub async fn insert_document(tx: &mut Tx, d: &ComplaintDocument) -> Result<(), StoreError> {
    let sql = "INSERT INTO complaint_documents (id, complaint_id, name, content_type, sha256, size, uploaded_at) \
               VALUES ($1, $2, $3, $4, $5, $6, $7)";
    on_tx!(tx, conn => sqlx::query(sql).bind(&d.id).bind(d.complaint_id).bind(&d.name).bind(&d.content_type)
        .bind(&d.sha256).bind(d.size).bind(d.uploaded_at).execute(&mut *conn).await?.rows_affected());
    Ok(())
}

/// A complaint's documents, in the order they were sent.
pub async fn documents<'r>(
    reader: impl Into<Reader<'r>>,
    complaint_id: i64,
) -> Result<Vec<ComplaintDocument>, StoreError> {
    let sql = "SELECT id, complaint_id, name, content_type, sha256, size, uploaded_at FROM complaint_documents \
               WHERE complaint_id = $1 ORDER BY uploaded_at, name, id";
    Ok(on_reader!(reader.into(), conn => sqlx::query_as(sql).bind(complaint_id).fetch_all(conn).await?))
}
