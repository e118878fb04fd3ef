//! Contracts in the database: the contract row (its terms as signed and as amended), its
//! special-purpose company's shareholders, documents, milestones, amendments and quarterly
//! performance. Every change locks the contract's row first (the service does).

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;

use crate::domain::contract::{AmendmentReason, ContractStatus, MilestoneKind};
use crate::domain::document::DocumentVisibility;
use crate::domain::ids::{OrgId, UserId};
use crate::domain::money::Currency;
use crate::domain::policy::ContractScope;
use crate::domain::project::PaymentMechanism;
use crate::storage::types::{DbAmount, DbDecimal};
use crate::storage::{Db, Reader, StoreError, Tx};

/// A contract as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contract {
    pub id: i64,
    pub tender_id: i64,
    pub project_id: i64,
    pub municipality_id: OrgId,
    pub municipality_name: String,
    pub bid_id: String,
    pub supplier: OrgId,
    pub supplier_name: String,
    pub status: ContractStatus,
    pub title: String,
    pub currency: Currency,
    pub signed_value: Decimal,
    pub value: Decimal,
    pub signed_term_months: u32,
    pub term_months: u32,
    pub start_date: NaiveDate,
    pub payment_mechanism: PaymentMechanism,
    pub agreed_model: String,
    pub agreed_model_sha256: String,
    pub municipality_signatory: (String, String),
    pub supplier_signatory: (String, String),
    pub guarantee_issuer: String,
    pub guarantee_reference: String,
    pub guarantee_amount: Decimal,
    pub guarantee_valid_until: NaiveDate,
    pub created_at: DateTime<Utc>,
    pub signed_on: Option<NaiveDate>,
    pub signed_at: Option<DateTime<Utc>>,
    pub securities_released_at: Option<DateTime<Utc>>,
    pub ended_on: Option<NaiveDate>,
    pub termination_reason: Option<String>,
    pub termination_payment: Option<Decimal>,
}

#[derive(sqlx::FromRow)]
struct ContractRow {
    id: i64,
    tender_id: i64,
    project_id: i64,
    municipality_id: i64,
    municipality_name: String,
    bid_id: String,
    supplier_org_id: i64,
    supplier_name: String,
    status: String,
    title: String,
    currency: String,
    signed_value: DbAmount,
    value: DbAmount,
    signed_term_months: i64,
    term_months: i64,
    start_date: NaiveDate,
    payment_mechanism: String,
    agreed_model: String,
    agreed_model_sha256: String,
    municipality_signatory: String,
    municipality_signatory_position: String,
    supplier_signatory: String,
    supplier_signatory_position: String,
    guarantee_issuer: String,
    guarantee_reference: String,
    guarantee_amount: DbAmount,
    guarantee_valid_until: NaiveDate,
    created_at: DateTime<Utc>,
    signed_on: Option<NaiveDate>,
    signed_at: Option<DateTime<Utc>>,
    securities_released_at: Option<DateTime<Utc>>,
    ended_on: Option<NaiveDate>,
    termination_reason: Option<String>,
    termination_payment: Option<DbAmount>,
}

impl TryFrom<ContractRow> for Contract {
    type Error = StoreError;

    fn try_from(r: ContractRow) -> Result<Self, StoreError> {
        let bad = |what: &str| StoreError::Corrupt(format!("contract {}: bad {what}", r.id));
        let months = |m: i64| u32::try_from(m).map_err(|_| bad("term"));
        Ok(Contract {
            id: r.id,
            tender_id: r.tender_id,
            project_id: r.project_id,
            municipality_id: OrgId(r.municipality_id),
            municipality_name: r.municipality_name,
            bid_id: r.bid_id,
            supplier: OrgId(r.supplier_org_id),
            supplier_name: r.supplier_name,
            status: ContractStatus::parse(&r.status).ok_or_else(|| bad("status"))?,
            title: r.title,
            currency: r.currency.parse().map_err(|_| bad("currency"))?,
            signed_value: r.signed_value.0,
            value: r.value.0,
            signed_term_months: months(r.signed_term_months)?,
            term_months: months(r.term_months)?,
            start_date: r.start_date,
            payment_mechanism: PaymentMechanism::parse(&r.payment_mechanism).ok_or_else(|| bad("payment mechanism"))?,
            agreed_model: r.agreed_model,
            agreed_model_sha256: r.agreed_model_sha256,
            municipality_signatory: (r.municipality_signatory, r.municipality_signatory_position),
            supplier_signatory: (r.supplier_signatory, r.supplier_signatory_position),
            guarantee_issuer: r.guarantee_issuer,
            guarantee_reference: r.guarantee_reference,
            guarantee_amount: r.guarantee_amount.0,
            guarantee_valid_until: r.guarantee_valid_until,
            created_at: r.created_at,
            signed_on: r.signed_on,
            signed_at: r.signed_at,
            securities_released_at: r.securities_released_at,
            ended_on: r.ended_on,
            termination_reason: r.termination_reason,
            termination_payment: r.termination_payment.map(|a| a.0),
        })
    }
}

/// Names are the organisations' Russian names (the registry's language of record).
const SELECT: &str = "SELECT c.id, c.tender_id, c.project_id, c.municipality_id, m.name_ru AS municipality_name, \
    c.bid_id, c.supplier_org_id, s.name_ru AS supplier_name, c.status, c.title, c.currency, c.signed_value, c.value, \
    c.signed_term_months, c.term_months, c.start_date, c.payment_mechanism, c.agreed_model, c.agreed_model_sha256, \
    c.municipality_signatory, c.municipality_signatory_position, c.supplier_signatory, c.supplier_signatory_position, \
    c.guarantee_issuer, c.guarantee_reference, c.guarantee_amount, c.guarantee_valid_until, c.created_at, c.signed_on, \
    c.signed_at, c.securities_released_at, c.ended_on, c.termination_reason, c.termination_payment \
    FROM contracts c JOIN organizations m ON m.id = c.municipality_id JOIN organizations s ON s.id = c.supplier_org_id";

/// What a new contract records.
pub struct NewContract<'a> {
    pub tender_id: i64,
    pub project_id: i64,
    pub municipality: OrgId,
    pub bid_id: &'a str,
    pub supplier: OrgId,
    pub title: &'a str,
    pub currency: Currency,
    pub value: Decimal,
    pub term_months: u32,
    pub start_date: NaiveDate,
    pub payment_mechanism: PaymentMechanism,
    pub agreed_model: &'a str,
    pub agreed_model_sha256: &'a str,
    pub municipality_signatory: (&'a str, &'a str),
    pub supplier_signatory: (&'a str, &'a str),
    pub guarantee: (&'a str, &'a str, Decimal, NaiveDate),
    pub created_by: UserId,
}

/// Records a drafted contract (`pending`); its id.
pub async fn insert(tx: &mut Tx, c: &NewContract<'_>, now: DateTime<Utc>) -> Result<i64, StoreError> {
    let sql = "INSERT INTO contracts (tender_id, project_id, municipality_id, bid_id, supplier_org_id, status, title, \
               currency, signed_value, value, signed_term_months, term_months, start_date, payment_mechanism, agreed_model, \
               agreed_model_sha256, municipality_signatory, municipality_signatory_position, supplier_signatory, \
               supplier_signatory_position, guarantee_issuer, guarantee_reference, guarantee_amount, guarantee_valid_until, \
               created_at, created_by) VALUES ($1, $2, $3, $4, $5, 'pending', $6, $7, $8, $8, $9, $9, $10, $11, $12, $13, \
               $14, $15, $16, $17, $18, $19, $20, $21, $22, $23) RETURNING id";
    let id: i64 = on_tx!(tx, conn => sqlx::query_scalar(sql).bind(c.tender_id).bind(c.project_id)
        .bind(c.municipality.0).bind(c.bid_id).bind(c.supplier.0).bind(c.title.trim()).bind(c.currency.code())
        .bind(DbAmount(c.value)).bind(i64::from(c.term_months)).bind(c.start_date).bind(c.payment_mechanism.as_str())
        .bind(c.agreed_model).bind(c.agreed_model_sha256).bind(c.municipality_signatory.0.trim())
        .bind(c.municipality_signatory.1.trim()).bind(c.supplier_signatory.0.trim()).bind(c.supplier_signatory.1.trim())
        .bind(c.guarantee.0.trim()).bind(c.guarantee.1.trim()).bind(DbAmount(c.guarantee.2)).bind(c.guarantee.3)
        .bind(now).bind(c.created_by.0).fetch_one(&mut *conn).await?);
    Ok(id)
}

/// One contract.
pub async fn find<'r>(reader: impl Into<Reader<'r>>, id: i64) -> Result<Contract, StoreError> {
    let sql = format!("{SELECT} WHERE c.id = $1");
    let row: Option<ContractRow> = on_reader!(reader.into(), conn => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(conn).await?);
    row.ok_or(StoreError::NotFound("contract"))?.try_into()
}

/// One contract, its row locked until the transaction ends.
pub async fn lock(tx: &mut Tx, id: i64) -> Result<Contract, StoreError> {
    let lock = format!("SELECT id FROM contracts WHERE id = $1{}", tx.for_update());
    let found: Option<i64> =
        on_tx!(tx, conn => sqlx::query_scalar(sqlx::AssertSqlSafe(lock)).bind(id).fetch_optional(&mut *conn).await?);
    found.ok_or(StoreError::NotFound("contract"))?;
    // Read by a statement of its own after the lock (on PostgreSQL a statement that waited for a
    // lock still sees the rows of its start).
    find(tx, id).await
}

/// The tender's contract, if one was drafted.
pub async fn of_tender<'r>(reader: impl Into<Reader<'r>>, tender_id: i64) -> Result<Option<Contract>, StoreError> {
    let sql = format!("{SELECT} WHERE c.tender_id = $1 AND c.status <> 'cancelled' ORDER BY c.id DESC LIMIT 1");
    let row: Option<ContractRow> = on_reader!(reader.into(), conn => {
        sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(tender_id).fetch_optional(conn).await?
    });
    row.map(Contract::try_from).transpose()
}

/// The project's live contract, if one was drafted (a project has at most one awarded tender).
pub async fn of_project<'r>(reader: impl Into<Reader<'r>>, project_id: i64) -> Result<Option<Contract>, StoreError> {
    let sql = format!("{SELECT} WHERE c.project_id = $1 AND c.status <> 'cancelled' ORDER BY c.id DESC LIMIT 1");
    let row: Option<ContractRow> = on_reader!(reader.into(), conn => {
        sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(project_id).fetch_optional(conn).await?
    });
    row.map(Contract::try_from).transpose()
}

/// The companies that are the contract's parties besides the municipality: the private party,
/// the winning bid's lead and confirmed members, the special-purpose company's shareholders.
const PARTIES: &str = "SELECT c.supplier_org_id FROM contracts c WHERE c.id = $1 \
    UNION SELECT b.lead_org_id FROM contracts c JOIN bids b ON b.id = c.bid_id WHERE c.id = $1 \
    UNION SELECT m.company_id FROM contracts c JOIN bid_members m ON m.bid_id = c.bid_id AND m.status = 'confirmed' \
    WHERE c.id = $1 \
    UNION SELECT h.company_id FROM contract_shareholders h WHERE h.contract_id = $1";

pub async fn parties<'r>(reader: impl Into<Reader<'r>>, id: i64) -> Result<Vec<OrgId>, StoreError> {
    let ids: Vec<i64> = on_reader!(reader.into(), conn => sqlx::query_scalar(PARTIES).bind(id).fetch_all(conn).await?);
    Ok(ids.into_iter().map(OrgId).collect())
}

/// What a list of contracts is narrowed to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContractFilter {
    pub municipality: Option<OrgId>,
    pub status: Option<ContractStatus>,
    pub supplier: Option<OrgId>,
    /// Contracts this company is a party to: the private party, the winning bid's lead or a
    /// confirmed member, or a shareholder of the special-purpose company.
    pub party: Option<OrgId>,
}

/// Contracts newest first, after the cursor (an id), up to `limit`, as `scope` lets see them.
pub async fn list(
    db: &Db,
    filter: &ContractFilter,
    scope: ContractScope,
    after: Option<i64>,
    limit: i64,
) -> Result<Vec<Contract>, StoreError> {
    let seen = match scope {
        ContractScope::All => "TRUE",
        ContractScope::Public => "c.status NOT IN ('pending', 'cancelled')",
        ContractScope::Own(_) => {
            "(c.status NOT IN ('pending', 'cancelled') OR c.municipality_id = $5 OR c.supplier_org_id = $5 \
             OR EXISTS (SELECT 1 FROM bids b WHERE b.id = c.bid_id AND b.lead_org_id = $5) \
             OR EXISTS (SELECT 1 FROM bid_members m WHERE m.bid_id = c.bid_id AND m.company_id = $5 AND m.status = 'confirmed') \
             OR EXISTS (SELECT 1 FROM contract_shareholders h WHERE h.contract_id = c.id AND h.company_id = $5))"
        }
    };
    let own = match scope {
        ContractScope::Own(org) => org.0,
        _ => 0,
    };
    let sql = format!(
        "{SELECT} WHERE {seen} AND ($1 IS NULL OR c.municipality_id = $1) AND ($2 IS NULL OR c.status = $2) \
         AND ($3 IS NULL OR c.supplier_org_id = $3) AND ($4 IS NULL OR c.id < $4) AND $5 = $5 \
         AND ($7 IS NULL OR c.supplier_org_id = $7 \
              OR EXISTS (SELECT 1 FROM bids b WHERE b.id = c.bid_id AND b.lead_org_id = $7) \
              OR EXISTS (SELECT 1 FROM bid_members m WHERE m.bid_id = c.bid_id AND m.company_id = $7 AND m.status = 'confirmed') \
              OR EXISTS (SELECT 1 FROM contract_shareholders h WHERE h.contract_id = c.id AND h.company_id = $7)) \
         ORDER BY c.id DESC LIMIT $6"
    );
    // Optional filters: planned with their values each time (see storage::Pool).
    let rows: Vec<ContractRow> = on_pool!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).persistent(false)
        .bind(filter.municipality.map(|m| m.0)).bind(filter.status.map(|s| s.as_str()))
        .bind(filter.supplier.map(|s| s.0)).bind(after).bind(own).bind(limit).bind(filter.party.map(|p| p.0))
        .fetch_all(pool).await?);
    rows.into_iter().map(Contract::try_from).collect()
}

/// Records the signing: `signed`, the bid securities released.
pub async fn set_signed(
    tx: &mut Tx,
    id: i64,
    signed_on: NaiveDate,
    by: UserId,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let sql = "UPDATE contracts SET status = 'signed', signed_on = $2, signed_at = $3, signed_by = $4, \
               securities_released_at = $3 WHERE id = $1";
    on_tx!(tx, conn => sqlx::query(sql).bind(id).bind(signed_on).bind(now).bind(by.0).execute(&mut *conn).await.map(|_| ())?);
    Ok(())
}

pub async fn set_status(tx: &mut Tx, id: i64, status: ContractStatus) -> Result<(), StoreError> {
    let sql = "UPDATE contracts SET status = $2 WHERE id = $1";
    on_tx!(tx, conn => sqlx::query(sql).bind(id).bind(status.as_str()).execute(&mut *conn).await.map(|_| ())?);
    Ok(())
}

/// The value and term an amendment leaves.
pub async fn set_terms(tx: &mut Tx, id: i64, value: Decimal, term_months: u32) -> Result<(), StoreError> {
    let sql = "UPDATE contracts SET value = $2, term_months = $3 WHERE id = $1";
    on_tx!(tx, conn => sqlx::query(sql).bind(id).bind(DbAmount(value)).bind(i64::from(term_months))
        .execute(&mut *conn).await.map(|_| ())?);
    Ok(())
}

/// How a contract ended: completed at expiry, or terminated early with a reason and a payment.
pub struct Ending<'a> {
    pub status: ContractStatus,
    pub on: NaiveDate,
    pub reason: Option<&'a str>,
    pub payment: Option<Decimal>,
}

/// Records the end.
pub async fn set_ended(
    tx: &mut Tx,
    id: i64,
    end: &Ending<'_>,
    by: UserId,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let sql = "UPDATE contracts SET status = $2, ended_on = $3, termination_reason = $4, termination_payment = $5, \
               ended_at = $6, ended_by = $7 WHERE id = $1";
    on_tx!(tx, conn => sqlx::query(sql).bind(id).bind(end.status.as_str()).bind(end.on)
        .bind(end.reason.map(str::trim)).bind(end.payment.map(DbAmount)).bind(now).bind(by.0)
        .execute(&mut *conn).await.map(|_| ())?);
    Ok(())
}

/// A shareholder of the special-purpose company, with its name.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ShareholderRow {
    pub company_id: i64,
    pub name: String,
    pub share: DbDecimal,
}

pub async fn insert_shareholder(tx: &mut Tx, id: i64, company: OrgId, share: Decimal) -> Result<(), StoreError> {
    let sql = "INSERT INTO contract_shareholders (contract_id, company_id, share) VALUES ($1, $2, $3)";
    on_tx!(tx, conn => sqlx::query(sql).bind(id).bind(company.0).bind(DbDecimal(share)).execute(&mut *conn).await.map(|_| ())?);
    Ok(())
}

pub async fn shareholders<'r>(reader: impl Into<Reader<'r>>, id: i64) -> Result<Vec<ShareholderRow>, StoreError> {
    let sql = "SELECT h.company_id, o.name_ru AS name, h.share FROM contract_shareholders h \
               JOIN organizations o ON o.id = h.company_id WHERE h.contract_id = $1 ORDER BY h.company_id";
    Ok(on_reader!(reader.into(), conn => sqlx::query_as(sql).bind(id).fetch_all(conn).await?))
}

/// One of the contract's documents: the project's document and its latest version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContractDocument {
    pub document_id: i64,
    pub version_id: i64,
    pub title: String,
    pub visibility: DocumentVisibility,
}

pub async fn insert_document(tx: &mut Tx, id: i64, document_id: i64) -> Result<(), StoreError> {
    let sql = "INSERT INTO contract_documents (contract_id, document_id) VALUES ($1, $2)";
    on_tx!(tx, conn => sqlx::query(sql).bind(id).bind(document_id).execute(&mut *conn).await.map(|_| ())?);
    Ok(())
}

pub async fn documents<'r>(reader: impl Into<Reader<'r>>, id: i64) -> Result<Vec<ContractDocument>, StoreError> {
    let sql = "SELECT d.id, (SELECT MAX(v.id) FROM document_versions v WHERE v.document_id = d.id) AS version_id, \
               d.title, d.visibility FROM contract_documents cd JOIN documents d ON d.id = cd.document_id \
               WHERE cd.contract_id = $1 ORDER BY d.id";
    let rows: Vec<(i64, Option<i64>, String, String)> =
        on_reader!(reader.into(), conn => sqlx::query_as(sql).bind(id).fetch_all(conn).await?);
    rows.into_iter()
        .map(|(document_id, version, title, visibility)| {
            Ok(ContractDocument {
                document_id,
                version_id: version.unwrap_or_default(),
                title,
                visibility: DocumentVisibility::parse(&visibility)
                    .ok_or_else(|| StoreError::Corrupt(format!("document {document_id}: bad visibility")))?,
            })
        })
        .collect()
}

/// A milestone as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Milestone {
    pub kind: MilestoneKind,
    pub planned_on: NaiveDate,
    pub met_on: Option<NaiveDate>,
    pub note: String,
    pub updated_at: DateTime<Utc>,
}

pub async fn put_milestone(tx: &mut Tx, id: i64, m: &Milestone, by: UserId) -> Result<(), StoreError> {
    let sql = "INSERT INTO contract_milestones (contract_id, kind, planned_on, met_on, note, updated_at, updated_by) \
               VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (contract_id, kind) DO UPDATE SET \
               planned_on = EXCLUDED.planned_on, met_on = EXCLUDED.met_on, note = EXCLUDED.note, \
               updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by";
    on_tx!(tx, conn => sqlx::query(sql).bind(id).bind(m.kind.as_str()).bind(m.planned_on).bind(m.met_on)
        .bind(m.note.trim()).bind(m.updated_at).bind(by.0).execute(&mut *conn).await.map(|_| ())?);
    Ok(())
}

/// The contract's milestones in the order of a contract's life.
pub async fn milestones<'r>(reader: impl Into<Reader<'r>>, id: i64) -> Result<Vec<Milestone>, StoreError> {
    let sql = "SELECT kind, planned_on, met_on, note, updated_at FROM contract_milestones WHERE contract_id = $1";
    type Row = (String, NaiveDate, Option<NaiveDate>, String, DateTime<Utc>);
    let rows: Vec<Row> = on_reader!(reader.into(), conn => sqlx::query_as(sql).bind(id).fetch_all(conn).await?);
    let mut list = rows
        .into_iter()
        .map(|(kind, planned_on, met_on, note, updated_at)| {
            Ok(Milestone {
                kind: MilestoneKind::parse(&kind)
                    .ok_or_else(|| StoreError::Corrupt(format!("contract {id}: bad milestone {kind}")))?,
                planned_on,
                met_on,
                note,
                updated_at,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    list.sort_by_key(|m| m.kind);
    Ok(list)
}

/// An amendment as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Amendment {
    pub version: i64,
    pub reason: AmendmentReason,
    pub description: String,
    pub agreed_on: NaiveDate,
    pub value: Decimal,
    pub term_months: u32,
    pub document_id: Option<i64>,
    pub recorded_at: DateTime<Utc>,
}

pub async fn insert_amendment(tx: &mut Tx, id: i64, a: &Amendment, by: UserId) -> Result<(), StoreError> {
    let sql = "INSERT INTO contract_amendments (contract_id, version, reason, description, agreed_on, value, \
               term_months, document_id, recorded_at, recorded_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
    on_tx!(tx, conn => sqlx::query(sql).bind(id).bind(a.version).bind(a.reason.as_str()).bind(a.description.trim())
        .bind(a.agreed_on).bind(DbAmount(a.value)).bind(i64::from(a.term_months)).bind(a.document_id)
        .bind(a.recorded_at).bind(by.0).execute(&mut *conn).await.map(|_| ())?);
    Ok(())
}

/// The contract's amendments, oldest first.
pub async fn amendments<'r>(reader: impl Into<Reader<'r>>, id: i64) -> Result<Vec<Amendment>, StoreError> {
    type Row = (
        i64,
        String,
        String,
        NaiveDate,
        DbAmount,
        i64,
        Option<i64>,
        DateTime<Utc>,
    );
    let sql = "SELECT version, reason, description, agreed_on, value, term_months, document_id, recorded_at \
               FROM contract_amendments WHERE contract_id = $1 ORDER BY version";
    let rows: Vec<Row> = on_reader!(reader.into(), conn => sqlx::query_as(sql).bind(id).fetch_all(conn).await?);
    rows.into_iter()
        .map(
            |(version, reason, description, agreed_on, value, term, document_id, recorded_at)| {
                let bad = || StoreError::Corrupt(format!("contract {id}: bad amendment {version}"));
                Ok(Amendment {
                    version,
                    reason: AmendmentReason::parse(&reason).ok_or_else(bad)?,
                    description,
                    agreed_on,
                    value: value.0,
                    term_months: u32::try_from(term).map_err(|_| bad())?,
                    document_id,
                    recorded_at,
                })
            },
        )
        .collect()
}

/// Contracts whose amendments moved the value or the term beyond `threshold` percent of the
/// signed figures, newest first (for the reviewers' desk). The exact test is the domain's; this
/// narrows to the amended ones.
pub async fn amended(db: &Db, limit: i64) -> Result<Vec<Contract>, StoreError> {
    let sql = format!(
        "{SELECT} WHERE EXISTS (SELECT 1 FROM contract_amendments a WHERE a.contract_id = c.id) ORDER BY c.id DESC LIMIT $1"
    );
    let rows: Vec<ContractRow> =
        on_pool!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(limit).fetch_all(pool).await?);
    rows.into_iter().map(Contract::try_from).collect()
}

/// A quarter's performance as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Performance {
    pub period: String,
    pub paid: Decimal,
    pub deductions: Decimal,
    pub tariff: Option<Decimal>,
    pub demand: Option<Decimal>,
    pub note: String,
    pub recorded_at: DateTime<Utc>,
}

/// Records a quarter; `false` when that quarter was already recorded.
pub async fn insert_performance(tx: &mut Tx, id: i64, p: &Performance, by: UserId) -> Result<bool, StoreError> {
    let sql = "INSERT INTO contract_performance (contract_id, period, paid, deductions, tariff, demand, note, \
               recorded_at, recorded_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
               ON CONFLICT (contract_id, period) DO NOTHING";
    let done = on_tx!(tx, conn => sqlx::query(sql).bind(id).bind(&p.period).bind(DbAmount(p.paid))
        .bind(DbAmount(p.deductions)).bind(p.tariff.map(DbAmount)).bind(p.demand.map(DbDecimal)).bind(p.note.trim())
        .bind(p.recorded_at).bind(by.0).execute(&mut *conn).await?.rows_affected());
    Ok(done == 1)
}

/// The contract's performance records in period order.
pub async fn performance<'r>(reader: impl Into<Reader<'r>>, id: i64) -> Result<Vec<Performance>, StoreError> {
    type Row = (
        String,
        DbAmount,
        DbAmount,
        Option<DbAmount>,
        Option<DbDecimal>,
        String,
        DateTime<Utc>,
    );
    let sql = "SELECT period, paid, deductions, tariff, demand, note, recorded_at FROM contract_performance \
               WHERE contract_id = $1 ORDER BY period";
    let rows: Vec<Row> = on_reader!(reader.into(), conn => sqlx::query_as(sql).bind(id).fetch_all(conn).await?);
    Ok(rows
        .into_iter()
        .map(
            |(period, paid, deductions, tariff, demand, note, recorded_at)| Performance {
                period,
                paid: paid.0,
                deductions: deductions.0,
                tariff: tariff.map(|t| t.0),
                demand: demand.map(|d| d.0),
                note,
                recorded_at,
            },
        )
        .collect())
}
