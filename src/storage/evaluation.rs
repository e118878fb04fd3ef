//! The commission's evaluation in the database: its members, their declarations, the
//! qualification findings, the members' scores, and the closing (the frozen report, the award
//! proposal and its confirmation). Every change holds the tender's lock (taken by the service
//! first), so these writes need no lock of their own.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use crate::domain::commission::{Declaration, DeclarationRequest, Qualification, Scores};
use crate::domain::ids::{OrgId, UserId};
use crate::storage::{Reader, StoreError, Tx};

/// A commission member of a municipality (an active account with the `commission` role).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommissionMember {
    pub id: UserId,
    pub full_name: String,
    pub chair: bool,
    pub deputy_chair: bool,
}

/// The municipality's commission, chair first, then the deputy, then by name.
pub async fn commission<'r>(
    reader: impl Into<Reader<'r>>,
    municipality: OrgId,
) -> Result<Vec<CommissionMember>, StoreError> {
    let sql = "SELECT u.id, u.full_name, u.is_chair, u.is_deputy_chair FROM users u \
               JOIN user_roles r ON r.user_id = u.id AND r.role = 'commission' \
               WHERE u.organization_id = $1 AND u.status = 'active' \
               ORDER BY u.is_chair DESC, u.is_deputy_chair DESC, u.full_name, u.id";
    let rows: Vec<(i64, String, bool, bool)> =
        on_reader!(reader.into(), conn => sqlx::query_as(sql).bind(municipality.0).fetch_all(conn).await?);
    Ok(rows
        .into_iter()
        .map(|(id, full_name, chair, deputy_chair)| CommissionMember {
            id: UserId(id),
            full_name,
            chair,
            deputy_chair,
        })
        .collect())
}

fn bad(what: &str, tender_id: i64) -> StoreError {
    StoreError::Corrupt(format!("tender {tender_id}: bad {what}"))
}

/// The tender's declarations, by member.
pub async fn declarations<'r>(reader: impl Into<Reader<'r>>, tender_id: i64) -> Result<Vec<Declaration>, StoreError> {
    let sql = "SELECT member_id, parties, conflict, explanation, declared_at FROM commission_declarations \
               WHERE tender_id = $1 ORDER BY member_id";
    let rows: Vec<(i64, String, bool, String, DateTime<Utc>)> =
        on_reader!(reader.into(), conn => sqlx::query_as(sql).bind(tender_id).fetch_all(conn).await?);
    rows.into_iter()
        .map(|(member, parties, conflict, explanation, declared_at)| {
            Ok(Declaration {
                member_id: member.to_string(),
                parties: serde_json::from_str(&parties).map_err(|_| bad("declaration", tender_id))?,
                conflict,
                explanation,
                declared_at,
            })
        })
        .collect()
}

/// Records a member's declaration (once: the service checks first, the key refuses a second).
pub async fn insert_declaration(
    tx: &mut Tx,
    tender_id: i64,
    member: UserId,
    declaration: &DeclarationRequest,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let sql = "INSERT INTO commission_declarations (tender_id, member_id, parties, conflict, explanation, declared_at) \
               VALUES ($1, $2, $3, $4, $5, $6)";
    let parties = serde_json::to_string(&declaration.parties).map_err(|e| StoreError::Database(e.to_string()))?;
    on_tx!(tx, conn => sqlx::query(sql).bind(tender_id).bind(member.0).bind(parties).bind(declaration.conflict())
        .bind(declaration.explanation.trim()).bind(now).execute(&mut *conn).await?.rows_affected());
    Ok(())
}

/// The tender's qualification findings, by bid.
pub async fn qualifications<'r>(
    reader: impl Into<Reader<'r>>,
    tender_id: i64,
) -> Result<BTreeMap<String, Qualification>, StoreError> {
    let sql = "SELECT bid_id, findings FROM bid_qualifications WHERE tender_id = $1";
    let rows: Vec<(String, String)> =
        on_reader!(reader.into(), conn => sqlx::query_as(sql).bind(tender_id).fetch_all(conn).await?);
    rows.into_iter()
        .map(|(bid, findings)| {
            let findings = serde_json::from_str(&findings).map_err(|_| bad("findings", tender_id))?;
            Ok((bid, Qualification { findings }))
        })
        .collect()
}

/// Records (or replaces) the findings on a bid.
pub async fn put_qualification(
    tx: &mut Tx,
    tender_id: i64,
    bid_id: &str,
    qualification: &Qualification,
    by: UserId,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let sql = "INSERT INTO bid_qualifications (bid_id, tender_id, qualified, findings, recorded_by, recorded_at) \
               VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (bid_id) DO UPDATE SET qualified = excluded.qualified, \
               findings = excluded.findings, recorded_by = excluded.recorded_by, recorded_at = excluded.recorded_at";
    let findings = serde_json::to_string(&qualification.findings).map_err(|e| StoreError::Database(e.to_string()))?;
    on_tx!(tx, conn => sqlx::query(sql).bind(bid_id).bind(tender_id).bind(qualification.qualified()).bind(findings)
        .bind(by.0).bind(now).execute(&mut *conn).await?.rows_affected());
    Ok(())
}

/// Every member's scores of the tender's bids: (bid, member) to criterion to score.
pub type ScoreSheet = BTreeMap<(String, UserId), BTreeMap<usize, Decimal>>;

/// The tender's scores.
pub async fn scores<'r>(reader: impl Into<Reader<'r>>, tender_id: i64) -> Result<ScoreSheet, StoreError> {
    let sql = "SELECT bid_id, member_id, scores FROM bid_scores WHERE tender_id = $1";
    let rows: Vec<(String, i64, String)> =
        on_reader!(reader.into(), conn => sqlx::query_as(sql).bind(tender_id).fetch_all(conn).await?);
    rows.into_iter()
        .map(|(bid, member, scores)| {
            let scores: Scores = serde_json::from_str(&scores).map_err(|_| bad("scores", tender_id))?;
            Ok(((bid, UserId(member)), scores.by_criterion()))
        })
        .collect()
}

/// Records (or replaces) a member's scores of a bid.
pub async fn put_scores(
    tx: &mut Tx,
    tender_id: i64,
    bid_id: &str,
    member: UserId,
    scores: &Scores,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let sql = "INSERT INTO bid_scores (bid_id, member_id, tender_id, scores, scored_at) VALUES ($1, $2, $3, $4, $5) \
               ON CONFLICT (bid_id, member_id) DO UPDATE SET scores = excluded.scores, scored_at = excluded.scored_at";
    let text = serde_json::to_string(scores).map_err(|e| StoreError::Database(e.to_string()))?;
    on_tx!(tx, conn => sqlx::query(sql).bind(bid_id).bind(member.0).bind(tender_id).bind(text).bind(now)
        .execute(&mut *conn).await?.rows_affected());
    Ok(())
}

/// The closing of a tender's scoring, and what followed it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Closing {
    pub closed_at: DateTime<Utc>,
    pub closed_by: i64,
    /// The frozen report: the canonical JSON its SHA-256 is over.
    pub report: String,
    pub sha256: String,
    pub proposed_bid_id: Option<String>,
    pub proposed_at: Option<DateTime<Utc>>,
    pub proposed_by: Option<i64>,
    pub confirmed_at: Option<DateTime<Utc>>,
    pub confirmed_by: Option<i64>,
    pub awarded_at: Option<DateTime<Utc>>,
    pub awarded_by: Option<i64>,
    /// How far holds moved the standstill's end, in microseconds.
    pub standstill_shift_us: i64,
}

impl Closing {
    /// When the standstill ends, once the proposal is confirmed: the procedure's days
    /// (Asia/Bishkek calendar days, divided by the tender's accelerator in demo mode) after the
    /// confirmation, moved by the holds released since. (Derived from the record, as a tender's
    /// status is: the rule is `domain::award::standstill_end`.)
    pub fn standstill_end(
        &self,
        tender: &crate::storage::tenders::Tender,
        holidays: &crate::domain::calendar::Holidays,
    ) -> Option<DateTime<Utc>> {
        let days = crate::domain::procedure::DayCount {
            zone: crate::domain::tender::DEADLINE_ZONE,
            holidays,
            accelerator: tender.terms.accelerator,
        };
        let procedure = crate::domain::procedure::Procedure::of(tender.terms.procedure)
            .unwrap_or_else(crate::domain::procedure::Procedure::open);
        let end = crate::domain::award::standstill_end(self.confirmed_at?, &procedure, &days)?;
        end.checked_add_signed(chrono::Duration::microseconds(self.standstill_shift_us))
    }
}

/// The closing of the tender's scoring, if it closed.
pub async fn closing<'r>(reader: impl Into<Reader<'r>>, tender_id: i64) -> Result<Option<Closing>, StoreError> {
    let sql = "SELECT closed_at, closed_by, report, sha256, proposed_bid_id, proposed_at, proposed_by, confirmed_at, \
               confirmed_by, awarded_at, awarded_by, standstill_shift_us FROM tender_evaluations WHERE tender_id = $1";
    Ok(on_reader!(reader.into(), conn => sqlx::query_as(sql).bind(tender_id).fetch_optional(conn).await?))
}

/// Records the closing with the frozen report.
pub async fn insert_closing(
    tx: &mut Tx,
    tender_id: i64,
    by: UserId,
    report: &str,
    sha256: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let sql =
        "INSERT INTO tender_evaluations (tender_id, closed_at, closed_by, report, sha256) VALUES ($1, $2, $3, $4, $5)";
    on_tx!(tx, conn => sqlx::query(sql).bind(tender_id).bind(now).bind(by.0).bind(report).bind(sha256)
        .execute(&mut *conn).await?.rows_affected());
    Ok(())
}

/// Records the chair's award proposal.
pub async fn set_proposal(
    tx: &mut Tx,
    tender_id: i64,
    bid_id: &str,
    by: UserId,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let sql =
        "UPDATE tender_evaluations SET proposed_bid_id = $1, proposed_at = $2, proposed_by = $3 WHERE tender_id = $4";
    on_tx!(tx, conn => sqlx::query(sql).bind(bid_id).bind(now).bind(by.0).bind(tender_id)
        .execute(&mut *conn).await?.rows_affected());
    Ok(())
}

/// Records the approver's confirmation of the proposal.
pub async fn set_confirmation(tx: &mut Tx, tender_id: i64, by: UserId, now: DateTime<Utc>) -> Result<(), StoreError> {
    let sql = "UPDATE tender_evaluations SET confirmed_at = $1, confirmed_by = $2 WHERE tender_id = $3";
    on_tx!(tx, conn => sqlx::query(sql).bind(now).bind(by.0).bind(tender_id).execute(&mut *conn).await?.rows_affected());
    Ok(())
}

/// Records the approver's award.
pub async fn set_awarded(tx: &mut Tx, tender_id: i64, by: UserId, now: DateTime<Utc>) -> Result<(), StoreError> {
    let sql = "UPDATE tender_evaluations SET awarded_at = $1, awarded_by = $2 WHERE tender_id = $3";
    on_tx!(tx, conn => sqlx::query(sql).bind(now).bind(by.0).bind(tender_id).execute(&mut *conn).await?.rows_affected());
    Ok(())
}

/// Passes the award to `bid_id` after a decline: proposed and confirmed now by the rules (no
/// person: `proposed_by` and `confirmed_by` empty), a new standstill, not awarded.
pub async fn set_replacement(tx: &mut Tx, tender_id: i64, bid_id: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
    let sql = "UPDATE tender_evaluations SET proposed_bid_id = $1, proposed_at = $2, proposed_by = NULL, \
               confirmed_at = $2, confirmed_by = NULL, awarded_at = NULL, awarded_by = NULL, \
               standstill_shift_us = 0 WHERE tender_id = $3";
    on_tx!(tx, conn => sqlx::query(sql).bind(bid_id).bind(now).bind(tender_id)
        .execute(&mut *conn).await?.rows_affected());
    Ok(())
}
