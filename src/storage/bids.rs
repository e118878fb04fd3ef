//! Sealed bids, their receipts and their tenders' wrapped keys in the database. Every change of
//! a tender's bids holds the tender's lock (taken by the service first), so these reads and
//! writes need no lock of their own.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::{DateTime, Utc};
use sqlx::FromRow;

use crate::domain::bid::{BidStatus, DocumentFault, ReceiptKind};
use crate::domain::ids::{OrgId, UserId};
use crate::domain::sealing::{Sealed, WrappedKey};

use crate::storage::statement::{Param, Statement};
use crate::storage::tenders::{Tender, TenderRow};
use crate::storage::{Reader, StoreError, Tx};

/// A bid as recorded: before the opening its content is only `sealed`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bid {
    pub id: String,
    pub tender_id: i64,
    pub lead_org_id: OrgId,
    /// As stored: `submitted`, `withdrawn`, and after the opening `opened`.
    pub status: BidStatus,
    pub version: i32,
    /// The tender's version the bid was last submitted or confirmed on.
    pub tender_version: i32,
    pub received_at: DateTime<Utc>,
    /// The ciphertext of the canonical encoding; `None` once withdrawn.
    pub sealed: Option<Sealed>,
    /// The SHA-256 of the canonical encoding, as its latest submission's receipt gives it.
    pub sha256: String,
    /// The canonical encoding, once opened.
    pub opened_content: Option<String>,
    pub hash_matches: Option<bool>,
    /// The listed documents the opening found missing or altered (`None` before the opening
    /// and for withdrawn bids).
    pub document_faults: Option<Vec<DocumentFault>>,
}

#[derive(sqlx::FromRow)]
struct BidRow {
    id: String,
    tender_id: i64,
    lead_org_id: i64,
    status: String,
    version: i32,
    tender_version: i32,
    received_at: DateTime<Utc>,
    sealed: Option<String>,
    sha256: String,
    opened_content: Option<String>,
    hash_matches: Option<bool>,
    document_faults: Option<String>,
}

const COLUMNS: &str = "id, tender_id, lead_org_id, status, version, tender_version, received_at, sealed, sha256, opened_content, hash_matches, document_faults";

impl TryFrom<BidRow> for Bid {
    type Error = StoreError;

    fn try_from(r: BidRow) -> Result<Self, StoreError> {
        let bad = |what: &str| StoreError::Database(format!("bid {}: bad {what}", r.id));
        let sealed = match r.sealed.as_deref() {
            None => None,
            Some(text) => {
                let bytes = BASE64.decode(text).map_err(|_| bad("sealed content"))?;
                Some(Sealed::from_bytes(&bytes).map_err(|_| bad("sealed content"))?)
            }
        };
        let document_faults = match r.document_faults.as_deref() {
            None => None,
            Some(text) => Some(serde_json::from_str(text).map_err(|_| bad("document faults"))?),
        };
        Ok(Bid {
            document_faults,
            status: BidStatus::parse(&r.status).ok_or_else(|| bad("status"))?,
            lead_org_id: OrgId(r.lead_org_id),
            sealed,
            id: r.id,
            tender_id: r.tender_id,
            version: r.version,
            tender_version: r.tender_version,
            received_at: r.received_at,
            sha256: r.sha256,
            opened_content: r.opened_content,
            hash_matches: r.hash_matches,
        })
    }
}

/// A tender's wrapped content key, if one was made (at its first bid).
pub async fn find_key<'r>(reader: impl Into<Reader<'r>>, tender_id: i64) -> Result<Option<WrappedKey>, StoreError> {
    let sql = "SELECT master_key_id, wrapped FROM tender_keys WHERE tender_id = $1";
    let row: Option<(String, String)> =
        on_reader!(reader.into(), conn => sqlx::query_as(sql).bind(tender_id).fetch_optional(conn).await?);
    row.map(|(master_id, wrapped)| {
        let bad = || StoreError::Database(format!("tender {tender_id}: bad wrapped key"));
        let bytes = BASE64.decode(wrapped).map_err(|_| bad())?;
        Ok(WrappedKey {
            master_id,
            sealed: Sealed::from_bytes(&bytes).map_err(|_| bad())?,
        })
    })
    .transpose()
}

pub async fn insert_key(tx: &mut Tx, tender_id: i64, key: &WrappedKey, now: DateTime<Utc>) -> Result<(), StoreError> {
    let sql = "INSERT INTO tender_keys (tender_id, master_key_id, wrapped, created_at) VALUES ($1, $2, $3, $4)";
    let wrapped = BASE64.encode(key.sealed.to_bytes());
    on_tx!(tx, conn => {
        sqlx::query(sql).bind(tender_id).bind(&key.master_id).bind(&wrapped).bind(now).execute(&mut *conn).await?.rows_affected()
    });
    Ok(())
}

/// The bid `lead` leads on tender `tender_id`, if any (withdrawn included).
pub async fn of_party<'r>(
    reader: impl Into<Reader<'r>>,
    tender_id: i64,
    lead: OrgId,
) -> Result<Option<Bid>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM bids WHERE tender_id = $1 AND lead_org_id = $2");
    let row: Option<BidRow> = on_reader!(reader.into(), conn => {
        sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(tender_id).bind(lead.0).fetch_optional(conn).await?
    });
    row.map(Bid::try_from).transpose()
}

/// What a company's change of its bid on a tender decides on, read with the tender under its
/// lock by [`lock_with_standing`] (a bid is written at high rates near a deadline: each
/// statement is a turn).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Standing {
    /// The tender's wrapped content key (none for a tender published before keys were made at
    /// publication).
    pub key: Option<WrappedKey>,
    /// The bid the company leads, if any (withdrawn included), without its sealed or opened
    /// content.
    pub own: Option<Bid>,
    /// How many members that bid names, and how many documents it carries now.
    pub own_members: i64,
    pub own_documents: i64,
    /// Whether the company is in another standing bid of the tender, as its lead or a confirmed
    /// member.
    pub elsewhere: bool,
}

#[derive(sqlx::FromRow)]
struct StandingRow {
    master_key_id: Option<String>,
    wrapped: Option<String>,
    bid_id: Option<String>,
    bid_lead_org_id: Option<i64>,
    bid_status: Option<String>,
    bid_version: Option<i32>,
    bid_tender_version: Option<i32>,
    bid_received_at: Option<DateTime<Utc>>,
    bid_sha256: Option<String>,
    bid_hash_matches: Option<bool>,
    bid_document_faults: Option<String>,
    own_members: i64,
    own_documents: i64,
    elsewhere: bool,
}

/// The tender `tender_id`, locked for the change, and company `company`'s standing on it: the
/// bid services' first read. One statement on SQLite, where every statement is a turn that all
/// other writers wait for and the write transaction already excludes them. Two on PostgreSQL,
/// which reads a statement with the snapshot it began with even once a lock it waited for is
/// granted: the standing must be read by a statement that begins with the lock held (else two
/// replacements of one bid would both read the version before them). The own bid is read
/// without its content (a standing needs its facts).
pub async fn lock_with_standing(tx: &mut Tx, tender_id: i64, company: OrgId) -> Result<(Tender, Standing), StoreError> {
    if let Tx::Postgres(conn) = tx {
        sqlx::query("SELECT 1 FROM tenders WHERE id = $1 FOR UPDATE")
            .bind(tender_id)
            .fetch_optional(&mut **conn)
            .await?;
    }
    let sql = format!(
        "WITH t AS (SELECT {tender_columns} FROM tenders WHERE id = $1) \
         SELECT t.*, k.master_key_id, k.wrapped, b.id AS bid_id, b.lead_org_id AS bid_lead_org_id, \
         b.status AS bid_status, b.version AS bid_version, b.tender_version AS bid_tender_version, \
         b.received_at AS bid_received_at, b.sha256 AS bid_sha256, b.hash_matches AS bid_hash_matches, \
         b.document_faults AS bid_document_faults, \
         (SELECT COUNT(*) FROM bid_members m WHERE m.bid_id = b.id) AS own_members, \
         (SELECT COUNT(*) FROM bid_documents d WHERE d.bid_id = b.id AND d.current = $3) AS own_documents, \
         EXISTS (SELECT 1 FROM bids o WHERE o.tender_id = t.id AND (b.id IS NULL OR o.id <> b.id) \
         AND o.status <> 'withdrawn' AND (o.lead_org_id = $2 OR EXISTS (SELECT 1 FROM bid_members m \
         WHERE m.bid_id = o.id AND m.company_id = $2 AND m.status = 'confirmed'))) AS elsewhere \
         FROM t LEFT JOIN tender_keys k ON k.tender_id = t.id \
         LEFT JOIN bids b ON b.tender_id = t.id AND b.lead_org_id = $2",
        tender_columns = crate::storage::tenders::COLUMNS,
    );
    let read: Option<(TenderRow, StandingRow)> = on_tx!(tx, conn => {
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(tender_id)
            .bind(company.0)
            .bind(true)
            .fetch_optional(&mut *conn)
            .await?;
        match row {
            Some(row) => Some((TenderRow::from_row(&row)?, StandingRow::from_row(&row)?)),
            None => None,
        }
    });
    let (tender, r) = read.ok_or(StoreError::NotFound("tender"))?;
    let tender = Tender::try_from(tender)?;
    let key = match (r.master_key_id, r.wrapped) {
        (Some(master_id), Some(wrapped)) => {
            let bad = || StoreError::Database(format!("tender {tender_id}: bad wrapped key"));
            let bytes = BASE64.decode(wrapped).map_err(|_| bad())?;
            Some(WrappedKey {
                master_id,
                sealed: Sealed::from_bytes(&bytes).map_err(|_| bad())?,
            })
        }
        _ => None,
    };
    let own = match (
        r.bid_id,
        r.bid_lead_org_id,
        r.bid_status,
        r.bid_version,
        r.bid_tender_version,
        r.bid_received_at,
        r.bid_sha256,
    ) {
        (
            Some(id),
            Some(lead_org_id),
            Some(status),
            Some(version),
            Some(tender_version),
            Some(received_at),
            Some(sha256),
        ) => Some(Bid::try_from(BidRow {
            id,
            tender_id,
            lead_org_id,
            status,
            version,
            tender_version,
            received_at,
            sealed: None,
            sha256,
            opened_content: None,
            hash_matches: r.bid_hash_matches,
            document_faults: r.bid_document_faults,
        })?),
        _ => None,
    };
    Ok((
        tender,
        Standing {
            key,
            own,
            own_members: r.own_members,
            own_documents: r.own_documents,
            elsewhere: r.elsewhere,
        },
    ))
}

/// The bids company `lead` leads (withdrawn included), newest tender first, at most `limit`.
pub async fn led_by<'r>(reader: impl Into<Reader<'r>>, lead: OrgId, limit: i64) -> Result<Vec<Bid>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM bids WHERE lead_org_id = $1 ORDER BY tender_id DESC LIMIT $2");
    let rows: Vec<BidRow> = on_reader!(reader.into(), conn => {
        sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(lead.0).bind(limit).fetch_all(conn).await?
    });
    rows.into_iter().map(Bid::try_from).collect()
}

/// A bid by its id.
pub async fn find<'r>(reader: impl Into<Reader<'r>>, id: &str) -> Result<Bid, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM bids WHERE id = $1");
    let row: Option<BidRow> = on_reader!(reader.into(), conn => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(conn).await?);
    row.ok_or(StoreError::NotFound("bid"))?.try_into()
}

/// Every bid of a tender, withdrawn ones included, in the order they were first received.
pub async fn of_tender<'r>(reader: impl Into<Reader<'r>>, tender_id: i64) -> Result<Vec<Bid>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM bids WHERE tender_id = $1 ORDER BY created_at, id");
    let rows: Vec<BidRow> = on_reader!(reader.into(), conn => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(tender_id).fetch_all(conn).await?);
    rows.into_iter().map(Bid::try_from).collect()
}

/// Records a new bid, or a new sealed version of an existing one (a replacement, or a
/// submission after a withdrawal): status `submitted`.
/// (A statement: the bid service leaves it for the commit.)
pub fn put_sealed(bid: &Bid, now: DateTime<Utc>) -> Statement {
    let sealed = bid.sealed.as_ref().map(|s| BASE64.encode(s.to_bytes()));
    Statement::new(
        "INSERT INTO bids (id, tender_id, lead_org_id, status, version, tender_version, received_at, sealed, \
         sha256, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) \
         ON CONFLICT (id) DO UPDATE SET status = excluded.status, version = excluded.version, \
         tender_version = excluded.tender_version, received_at = excluded.received_at, \
         sealed = excluded.sealed, sha256 = excluded.sha256, updated_at = excluded.updated_at",
    )
    .bind(Param::Text(bid.id.clone()))
    .bind(Param::Int(bid.tender_id))
    .bind(Param::Int(bid.lead_org_id.0))
    .bind(Param::Text(bid.status.as_str().to_string()))
    .bind(Param::Int32(bid.version))
    .bind(Param::Int32(bid.tender_version))
    .bind(Param::Time(bid.received_at))
    .bind(Param::OptText(sealed))
    .bind(Param::Text(bid.sha256.clone()))
    .bind(Param::Time(now))
}

/// Marks a bid withdrawn (its sealed content is dropped, never to be decrypted); its members'
/// confirmations end with it (a later bid under the same id must be confirmed afresh, or a
/// lead could put a company that has since bid elsewhere back into its consortium).
pub async fn set_withdrawn(
    tx: &mut Tx,
    id: &str,
    version: i32,
    received_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let sql = "UPDATE bids SET status = 'withdrawn', sealed = NULL, version = $1, received_at = $2, updated_at = $3 \
               WHERE id = $4";
    on_tx!(tx, conn => sqlx::query(sql).bind(version).bind(received_at).bind(now).bind(id).execute(&mut *conn).await?.rows_affected());
    let sql = "UPDATE bid_members SET status = 'invited', confirmed_at = NULL, confirmed_by = NULL \
               WHERE bid_id = $1 AND company_id <> (SELECT lead_org_id FROM bids WHERE id = $1)";
    on_tx!(tx, conn => sqlx::query(sql).bind(id).execute(&mut *conn).await?.rows_affected());
    Ok(())
}

/// Records that the bid stands on the tender's version `tender_version`.
pub async fn set_confirmed(
    tx: &mut Tx,
    id: &str,
    version: i32,
    tender_version: i32,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let sql = "UPDATE bids SET version = $1, tender_version = $2, updated_at = $3 WHERE id = $4";
    on_tx!(tx, conn => sqlx::query(sql).bind(version).bind(tender_version).bind(now).bind(id).execute(&mut *conn).await?.rows_affected());
    Ok(())
}

/// Records what the opening found in a bid: its decrypted content and whether it matched its
/// receipt's hash (a withdrawn bid keeps its status and has neither).
pub async fn set_opened(
    tx: &mut Tx,
    id: &str,
    content: Option<&str>,
    hash_matches: Option<bool>,
    document_faults: Option<&[DocumentFault]>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let sql = "UPDATE bids SET status = CASE WHEN status = 'withdrawn' THEN status ELSE 'opened' END, \
               opened_content = $1, hash_matches = $2, document_faults = $3, updated_at = $4 WHERE id = $5";
    let faults = document_faults.map(|f| serde_json::to_string(f).unwrap_or_else(|_| "[]".into()));
    on_tx!(tx, conn => sqlx::query(sql).bind(content).bind(hash_matches).bind(&faults).bind(now).bind(id).execute(&mut *conn).await?.rows_affected());
    Ok(())
}

/// Sets an opened bid's status as the evaluation decides it (qualified, disqualified, proposed).
pub async fn set_status(tx: &mut Tx, id: &str, status: BidStatus, now: DateTime<Utc>) -> Result<(), StoreError> {
    let sql = "UPDATE bids SET status = $1, updated_at = $2 WHERE id = $3";
    on_tx!(tx, conn => sqlx::query(sql).bind(status.as_str()).bind(now).bind(id).execute(&mut *conn).await?.rows_affected());
    Ok(())
}

/// A receipt as handed out, kept so the bidder can read it again.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredReceipt {
    pub bid_id: String,
    pub version: i32,
    pub kind: ReceiptKind,
    /// The receipt's JSON as handed out, without its audit leaf and with an empty salt.
    pub receipt: serde_json::Value,
    /// The salt, sealed under the tender's key.
    pub sealed_salt: Sealed,
}

/// Keeps a receipt as handed out (its salt sealed; a statement for the commit).
#[allow(clippy::too_many_arguments)]
pub fn insert_receipt(
    bid_id: &str,
    version: i32,
    kind: ReceiptKind,
    received_at: DateTime<Utc>,
    sealed_salt: &Sealed,
    sha256: &str,
    receipt: &serde_json::Value,
    by: UserId,
) -> Statement {
    Statement::new(
        "INSERT INTO bid_receipts (bid_id, version, kind, received_at, salt, sha256, receipt, submitted_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(Param::Text(bid_id.to_string()))
    .bind(Param::Int32(version))
    .bind(Param::Text(kind.as_str().to_string()))
    .bind(Param::Time(received_at))
    .bind(Param::Text(BASE64.encode(sealed_salt.to_bytes())))
    .bind(Param::Text(sha256.to_string()))
    .bind(Param::Text(receipt.to_string()))
    .bind(Param::Int(by.0))
}

/// The latest receipt of a bid.
pub async fn latest_receipt<'r>(reader: impl Into<Reader<'r>>, bid_id: &str) -> Result<StoredReceipt, StoreError> {
    let sql = "SELECT version, kind, receipt, salt FROM bid_receipts WHERE bid_id = $1 ORDER BY version DESC LIMIT 1";
    let row: Option<(i32, String, String, String)> =
        on_reader!(reader.into(), conn => sqlx::query_as(sql).bind(bid_id).fetch_optional(conn).await?);
    let (version, kind, receipt, salt) = row.ok_or(StoreError::NotFound("receipt"))?;
    let bad = || StoreError::Database(format!("bid {bid_id}: bad receipt"));
    let salt = BASE64.decode(salt).map_err(|_| bad())?;
    Ok(StoredReceipt {
        bid_id: bid_id.to_string(),
        version,
        kind: ReceiptKind::parse(&kind).ok_or_else(bad)?,
        receipt: serde_json::from_str(&receipt).map_err(|_| bad())?,
        sealed_salt: Sealed::from_bytes(&salt).map_err(|_| bad())?,
    })
}

/// A consortium member of a bid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub bid_id: String,
    pub company_id: OrgId,
    pub role: String,
    pub share: rust_decimal::Decimal,
    /// Whether a bidder of the member confirmed (only then is it in the bidding party).
    pub confirmed: bool,
}

type MemberRow = (String, i64, String, String, String);

fn member(row: MemberRow) -> Result<Member, StoreError> {
    let (bid_id, company_id, role, share, status) = row;
    Ok(Member {
        share: share
            .parse()
            .map_err(|_| StoreError::Database(format!("bid {bid_id}: bad member share")))?,
        bid_id,
        company_id: OrgId(company_id),
        role,
        confirmed: status == "confirmed",
    })
}

/// A bid's consortium members, in the order named.
pub async fn members<'r>(reader: impl Into<Reader<'r>>, bid_id: &str) -> Result<Vec<Member>, StoreError> {
    let sql = "SELECT bid_id, company_id, role, share, status FROM bid_members WHERE bid_id = $1 ORDER BY company_id";
    let rows: Vec<MemberRow> =
        on_reader!(reader.into(), conn => sqlx::query_as(sql).bind(bid_id).fetch_all(conn).await?);
    rows.into_iter().map(member).collect()
}

/// Replaces a bid's members with `named`; a confirmed member named again with the same role and
/// share keeps its row as it is (who confirmed, and when), any other is invited afresh. Reads
/// what it must now and answers the writes, in order, for the commit.
pub async fn set_members(
    tx: &mut Tx,
    bid_id: &str,
    had_members: bool,
    named: &[(OrgId, String, rust_decimal::Decimal)],
) -> Result<Vec<Statement>, StoreError> {
    let mut writes = Vec::with_capacity(named.len() + 1);
    let mut kept: Vec<OrgId> = Vec::new();
    // A bid of one company (the most common) needs no look at who had confirmed, and one that
    // never named a member nothing to delete.
    if had_members && named.is_empty() {
        writes.push(Statement::new("DELETE FROM bid_members WHERE bid_id = $1").bind(Param::Text(bid_id.to_string())));
    } else if had_members {
        for m in members(&mut *tx, bid_id).await? {
            let named_again = named
                .iter()
                .any(|(company, role, share)| m.company_id == *company && m.role == *role && m.share == *share);
            if m.confirmed && named_again {
                kept.push(m.company_id);
            } else {
                writes.push(
                    Statement::new("DELETE FROM bid_members WHERE bid_id = $1 AND company_id = $2")
                        .bind(Param::Text(bid_id.to_string()))
                        .bind(Param::Int(m.company_id.0)),
                );
            }
        }
    }
    for (company, role, share) in named.iter().filter(|(company, ..)| !kept.contains(company)) {
        writes.push(
            Statement::new(
                "INSERT INTO bid_members (bid_id, company_id, role, share, status) VALUES ($1, $2, $3, $4, 'invited')",
            )
            .bind(Param::Text(bid_id.to_string()))
            .bind(Param::Int(company.0))
            .bind(Param::Text(role.clone()))
            .bind(Param::Text(share.to_string())),
        );
    }
    Ok(writes)
}

/// Records a member's confirmation.
pub async fn confirm_member(
    tx: &mut Tx,
    bid_id: &str,
    company: OrgId,
    by: UserId,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let sql = "UPDATE bid_members SET status = 'confirmed', confirmed_at = $1, confirmed_by = $2 \
               WHERE bid_id = $3 AND company_id = $4";
    on_tx!(tx, conn => sqlx::query(sql).bind(now).bind(by.0).bind(bid_id).bind(company.0).execute(&mut *conn).await?.rows_affected());
    Ok(())
}

/// Whether `company` is already in a standing bid of tender `tender_id` other than `except`:
/// as its lead, or as a confirmed member.
pub async fn company_in_other_bid<'r>(
    reader: impl Into<Reader<'r>>,
    tender_id: i64,
    company: OrgId,
    except: &str,
) -> Result<bool, StoreError> {
    let sql = "SELECT COUNT(*) FROM bids b WHERE b.tender_id = $1 AND b.id <> $3 AND b.status <> 'withdrawn' \
               AND (b.lead_org_id = $2 OR EXISTS (SELECT 1 FROM bid_members m WHERE m.bid_id = b.id \
               AND m.company_id = $2 AND m.status = 'confirmed'))";
    let count: i64 = on_reader!(reader.into(), conn => {
        sqlx::query_scalar(sql).bind(tender_id).bind(company.0).bind(except).fetch_one(conn).await?
    });
    Ok(count > 0)
}

/// The invitations of `company`: its memberships of standing bids, with each bid's tender.
pub async fn invitations<'r>(reader: impl Into<Reader<'r>>, company: OrgId) -> Result<Vec<(Member, i64)>, StoreError> {
    let sql = "SELECT m.bid_id, m.company_id, m.role, m.share, m.status, b.tender_id FROM bid_members m \
               JOIN bids b ON b.id = m.bid_id WHERE m.company_id = $1 AND b.lead_org_id <> $1 AND b.status <> 'withdrawn' \
               ORDER BY b.tender_id, m.bid_id";
    let rows: Vec<(String, i64, String, String, String, i64)> =
        on_reader!(reader.into(), conn => sqlx::query_as(sql).bind(company.0).fetch_all(conn).await?);
    rows.into_iter()
        .map(|(a, b, c, d, e, tender)| Ok((member((a, b, c, d, e))?, tender)))
        .collect()
}
