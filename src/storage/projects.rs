//! Projects, their timeline and registry numbers in the database.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::ids::{OrgId, UserId};
use crate::domain::localized::LocalizedText;
use crate::domain::money::{Currency, Money};
use crate::domain::policy::ProjectFacts;
use crate::domain::project::{
    Appraisal, Initiation, PaymentMechanism, PppModel, ProjectFields, ProponentAdvantage, RiskAllocation, Sector, Stage,
};
use crate::domain::search::{normalize, prefix_ranges, words};
use crate::storage::types::{DbAmount, DbDecimal};
use crate::storage::{Db, Reader, StoreError, Tx};

/// A project as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project {
    pub id: i64,
    pub municipality_id: OrgId,
    pub registry_number: Option<String>,
    pub stage: Stage,
    pub fields: ProjectFields,
    pub appraisal: Appraisal,
    pub responsible_officer_id: Option<UserId>,
    pub return_reason: Option<String>,
    /// A private initiative's proposing company, its advantage, and when the completeness
    /// check is due.
    pub proponent_id: Option<OrgId>,
    pub advantage: Option<ProponentAdvantage>,
    pub completeness_due_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Project {
    /// What the access policy decides on.
    pub fn facts(&self) -> ProjectFacts {
        ProjectFacts {
            municipality: self.municipality_id,
            proponent: self.proponent_id,
            stage: self.stage,
            initiation: self.fields.initiation,
        }
    }
}

/// A whole project row: the list's summary columns and the rest.
#[derive(sqlx::FromRow)]
struct ProjectRow {
    #[sqlx(flatten)]
    summary: SummaryRow,
    description: String,
    objectives: String,
    address: String,
    latitude: Option<DbDecimal>,
    longitude: Option<DbDecimal>,
    risks: String,
    appraisal: String,
    responsible_officer_id: Option<i64>,
    return_reason: Option<String>,
    proponent_advantage: Option<String>,
    created_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, municipality_id, registry_number, stage, title_ru, title_ky, title_en, sector, model, \
    initiation, description, objectives, address, latitude, longitude, capital_cost, currency, term_years, \
    payment_mechanism, risks, appraisal, responsible_officer_id, return_reason, proponent_id, proponent_advantage, \
    completeness_due_at, created_at, updated_at";

impl TryFrom<ProjectRow> for Project {
    type Error = StoreError;

    fn try_from(r: ProjectRow) -> Result<Self, StoreError> {
        let s = ProjectSummary::try_from(r.summary)?;
        let bad = |what: &str| StoreError::Database(format!("project {}: bad {what}", s.id));
        let risks: BTreeMap<String, RiskAllocation> = serde_json::from_str(&r.risks).map_err(|_| bad("risks"))?;
        let appraisal: Appraisal = serde_json::from_str(&r.appraisal).map_err(|_| bad("appraisal"))?;
        let advantage = r
            .proponent_advantage
            .as_deref()
            .map(serde_json::from_str)
            .transpose()
            .map_err(|_| bad("advantage"))?;
        Ok(Project {
            id: s.id,
            municipality_id: s.municipality_id,
            registry_number: s.registry_number,
            stage: s.stage,
            fields: ProjectFields {
                title: s.title,
                sector: s.sector,
                model: s.model,
                initiation: s.initiation,
                description: r.description,
                objectives: r.objectives,
                address: r.address,
                latitude: r.latitude.map(|d| d.0),
                longitude: r.longitude.map(|d| d.0),
                capital_cost: s.capital_cost,
                term_years: s.term_years,
                payment_mechanism: s.payment_mechanism,
                risks,
            },
            appraisal,
            responsible_officer_id: r.responsible_officer_id.map(UserId),
            return_reason: r.return_reason,
            proponent_id: s.proponent_id,
            advantage,
            completeness_due_at: s.completeness_due_at,
            created_at: r.created_at,
            updated_at: s.updated_at,
        })
    }
}

/// What search looks through: the titles in every language, the description and objectives.
fn search_text(f: &ProjectFields) -> String {
    let parts = [
        Some(f.title.ru.as_str()),
        f.title.ky.as_deref(),
        f.title.en.as_deref(),
        Some(f.description.as_str()),
        Some(f.objectives.as_str()),
    ];
    normalize(&parts.into_iter().flatten().collect::<Vec<_>>().join(" "))
}

fn json_text<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "{}".into())
}

/// Binds a project's sixteen editable fields, in the order `insert` and `update_fields` both
/// list their columns (a macro: the query types differ per engine and per statement).
macro_rules! bind_fields {
    ($query:expr, $f:expr) => {
        $query
            .bind($f.title.ru.trim())
            .bind($f.title.ky.as_deref().map(str::trim).filter(|s| !s.is_empty()))
            .bind($f.title.en.as_deref().map(str::trim).filter(|s| !s.is_empty()))
            .bind($f.sector.as_str())
            .bind($f.model.as_str())
            .bind($f.initiation.as_str())
            .bind($f.description.trim())
            .bind($f.objectives.trim())
            .bind($f.address.trim())
            .bind($f.latitude.map(DbDecimal))
            .bind($f.longitude.map(DbDecimal))
            .bind(DbAmount($f.capital_cost.amount))
            .bind($f.capital_cost.currency.code())
            .bind($f.term_years as i32)
            .bind($f.payment_mechanism.as_str())
            .bind(json_text(&$f.risks))
    };
}

/// Records a new draft; a private initiative names its proponent and advantage.
pub async fn insert(
    tx: &mut Tx,
    municipality: OrgId,
    fields: &ProjectFields,
    filed_by: UserId,
    proponent: Option<(OrgId, &ProponentAdvantage)>,
    now: DateTime<Utc>,
) -> Result<Project, StoreError> {
    let sql = format!(
        "INSERT INTO projects (municipality_id, stage, title_ru, title_ky, title_en, sector, model, initiation, \
         description, objectives, address, latitude, longitude, capital_cost, currency, term_years, payment_mechanism, \
         risks, appraisal, responsible_officer_id, created_at, updated_at, search_text, proponent_id, proponent_advantage) \
         VALUES ($1, 'draft', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, '{{}}', $18, $19, \
         $19, $20, $21, $22) RETURNING {COLUMNS}"
    );
    let f = fields;
    let row: ProjectRow = on_tx!(tx, conn => {
        bind_fields!(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(municipality.0), f)
            .bind(proponent.map_or(Some(filed_by.0), |_| None))
            .bind(now)
            .bind(search_text(f))
            .bind(proponent.map(|(org, _)| org.0))
            .bind(proponent.map(|(_, advantage)| json_text(advantage)))
            .fetch_one(&mut *conn)
            .await?
    });
    index_search_words(tx, row.summary.id, f, false).await?;
    row.try_into()
}

/// Indexes a project's words for search (inside the transaction that wrote its text), first
/// removing the old ones when `replace`.
async fn index_search_words(tx: &mut Tx, id: i64, fields: &ProjectFields, replace: bool) -> Result<(), StoreError> {
    if replace {
        let sql = "DELETE FROM project_search_words WHERE project_id = $1";
        on_tx!(tx, conn => sqlx::query(sql).bind(id).execute(&mut *conn).await?.rows_affected());
    }
    let all: Vec<String> = words(&search_text(fields)).into_iter().collect();
    for chunk in all.chunks(400) {
        let values: Vec<String> = (0..chunk.len()).map(|i| format!("(${}, $1)", i + 2)).collect();
        let sql = format!(
            "INSERT INTO project_search_words (word, project_id) VALUES {}",
            values.join(", ")
        );
        on_tx!(tx, conn => {
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql.clone())).bind(id);
            for word in chunk {
                query = query.bind(word.clone());
            }
            query.execute(&mut *conn).await?.rows_affected()
        });
    }
    Ok(())
}

/// Replaces a draft's fields.
pub async fn update_fields(tx: &mut Tx, id: i64, fields: &ProjectFields, now: DateTime<Utc>) -> Result<(), StoreError> {
    let sql = "UPDATE projects SET title_ru = $1, title_ky = $2, title_en = $3, sector = $4, model = $5, \
               initiation = $6, description = $7, objectives = $8, address = $9, latitude = $10, longitude = $11, \
               capital_cost = $12, currency = $13, term_years = $14, payment_mechanism = $15, risks = $16, \
               updated_at = $17, search_text = $19 WHERE id = $18";
    let f = fields;
    on_tx!(tx, conn => {
        bind_fields!(sqlx::query(sql), f)
            .bind(now)
            .bind(id)
            .bind(search_text(f))
            .execute(&mut *conn)
            .await?
            .rows_affected()
    });
    index_search_words(tx, id, f, true).await
}

pub async fn set_appraisal(tx: &mut Tx, id: i64, appraisal: &Appraisal, now: DateTime<Utc>) -> Result<(), StoreError> {
    let sql = "UPDATE projects SET appraisal = $1, updated_at = $2 WHERE id = $3";
    on_tx!(tx, conn => sqlx::query(sql).bind(json_text(appraisal)).bind(now).bind(id).execute(&mut *conn).await?.rows_affected());
    Ok(())
}

/// Reads a project inside a write transaction and locks its row until the transaction ends, so
/// the decision and the change see one state and a concurrent change of it waits.
pub async fn lock(tx: &mut Tx, id: i64) -> Result<Project, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM projects WHERE id = $1{}", tx.for_update());
    let row: Option<ProjectRow> = on_tx!(tx, conn => {
        sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(&mut *conn).await?
    });
    row.ok_or(StoreError::NotFound("project"))?.try_into()
}

/// A project, read on the pool or inside a change (after its writes, to answer with them).
pub async fn find<'r>(reader: impl Into<Reader<'r>>, id: i64) -> Result<Project, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM projects WHERE id = $1");
    let row: Option<ProjectRow> = on_reader!(reader.into(), conn => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(conn).await?);
    row.ok_or(StoreError::NotFound("project"))?.try_into()
}

/// The next registry sequence for a municipality and year: numbers are never reused.
pub async fn next_registry_sequence(tx: &mut Tx, municipality: OrgId, year: i32) -> Result<i64, StoreError> {
    let sql = "INSERT INTO registry_counters (municipality_id, year, last) VALUES ($1, $2, 1) \
               ON CONFLICT (municipality_id, year) DO UPDATE SET last = registry_counters.last + 1 RETURNING last";
    let last: i64 =
        on_tx!(tx, conn => sqlx::query_scalar(sql).bind(municipality.0).bind(year).fetch_one(&mut *conn).await?);
    Ok(last)
}

/// Moves a project to `stage`, with its registry number (once assigned it stays) and the reason
/// of a return (cleared on any other move).
#[allow(clippy::too_many_arguments)]
pub async fn set_stage(
    tx: &mut Tx,
    id: i64,
    stage: Stage,
    registry_number: Option<&str>,
    return_reason: Option<&str>,
    completeness_due_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let sql = "UPDATE projects SET stage = $1, registry_number = COALESCE(registry_number, $2), return_reason = $3, \
               completeness_due_at = $6, updated_at = $4 WHERE id = $5";
    on_tx!(tx, conn => {
        sqlx::query(sql).bind(stage.as_str()).bind(registry_number).bind(return_reason).bind(now).bind(id)
            .bind(completeness_due_at)
            .execute(&mut *conn).await?.rows_affected()
    });
    Ok(())
}

/// One step of a project's timeline.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct TimelineEntry {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub from_stage: String,
    pub to_stage: String,
    pub comment: String,
}

#[allow(clippy::too_many_arguments)]
pub async fn add_transition(
    tx: &mut Tx,
    id: i64,
    actor: (Option<i64>, &str),
    action: &str,
    from: Stage,
    to: Stage,
    comment: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let sql = "INSERT INTO project_transitions (project_id, at, actor_id, actor_name, action, from_stage, to_stage, comment) \
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
    on_tx!(tx, conn => {
        sqlx::query(sql).bind(id).bind(now).bind(actor.0).bind(actor.1).bind(action)
            .bind(from.as_str()).bind(to.as_str()).bind(comment.trim())
            .execute(&mut *conn).await?.rows_affected()
    });
    Ok(())
}

pub async fn timeline(db: &Db, id: i64) -> Result<Vec<TimelineEntry>, StoreError> {
    let sql = "SELECT at, actor_name, action, from_stage, to_stage, comment FROM project_transitions \
               WHERE project_id = $1 ORDER BY id";
    let rows: Vec<(DateTime<Utc>, String, String, String, String, String)> =
        on_pool!(db, pool => sqlx::query_as(sql).bind(id).fetch_all(pool).await?);
    Ok(rows
        .into_iter()
        .map(|(at, actor, action, from_stage, to_stage, comment)| TimelineEntry {
            at,
            actor,
            action,
            from_stage,
            to_stage,
            comment,
        })
        .collect())
}

/// Filters of the project list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProjectFilter {
    pub stage: Option<Stage>,
    pub municipality: Option<OrgId>,
    pub sector: Option<Sector>,
    pub model: Option<PppModel>,
    pub initiation: Option<Initiation>,
    /// Capital cost range, in `currency` (KGS when not given).
    pub min_value: Option<rust_decimal::Decimal>,
    pub max_value: Option<rust_decimal::Decimal>,
    pub currency: Option<Currency>,
    /// Words that must begin words of the titles or description (any language, ё = е).
    pub query: Option<String>,
}

/// A project as the registry lists it: what a row of the list, the CSV export and the inbox
/// show, without the long texts, risks and appraisal (fetched for one project at a time).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectSummary {
    pub id: i64,
    pub municipality_id: OrgId,
    pub registry_number: Option<String>,
    pub stage: Stage,
    pub title: LocalizedText,
    pub sector: Sector,
    pub model: PppModel,
    pub initiation: Initiation,
    pub payment_mechanism: PaymentMechanism,
    pub capital_cost: Money,
    pub term_years: u32,
    pub proponent_id: Option<OrgId>,
    pub completeness_due_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct SummaryRow {
    id: i64,
    municipality_id: i64,
    registry_number: Option<String>,
    stage: String,
    title_ru: String,
    title_ky: Option<String>,
    title_en: Option<String>,
    sector: String,
    model: String,
    initiation: String,
    payment_mechanism: String,
    capital_cost: DbAmount,
    currency: String,
    term_years: i32,
    proponent_id: Option<i64>,
    completeness_due_at: Option<DateTime<Utc>>,
    updated_at: DateTime<Utc>,
}

const SUMMARY_COLUMNS: &str = "id, municipality_id, registry_number, stage, title_ru, title_ky, title_en, sector, \
    model, initiation, payment_mechanism, capital_cost, currency, term_years, proponent_id, completeness_due_at, \
    updated_at";

impl TryFrom<SummaryRow> for ProjectSummary {
    type Error = StoreError;

    fn try_from(r: SummaryRow) -> Result<Self, StoreError> {
        let bad = |what: &str| StoreError::Database(format!("project {}: bad {what}", r.id));
        Ok(ProjectSummary {
            id: r.id,
            municipality_id: OrgId(r.municipality_id),
            registry_number: r.registry_number,
            stage: Stage::parse(&r.stage).ok_or_else(|| bad("stage"))?,
            title: LocalizedText {
                ru: r.title_ru,
                ky: r.title_ky,
                en: r.title_en,
            },
            sector: Sector::parse(&r.sector).ok_or_else(|| bad("sector"))?,
            model: PppModel::parse(&r.model).ok_or_else(|| bad("model"))?,
            initiation: Initiation::parse(&r.initiation).ok_or_else(|| bad("initiation"))?,
            payment_mechanism: PaymentMechanism::parse(&r.payment_mechanism).ok_or_else(|| bad("payment"))?,
            capital_cost: Money::new(
                r.capital_cost.0,
                r.currency.parse::<Currency>().map_err(|_| bad("currency"))?,
            ),
            term_years: u32::try_from(r.term_years).map_err(|_| bad("term"))?,
            proponent_id: r.proponent_id.map(OrgId),
            completeness_due_at: r.completeness_due_at,
            updated_at: r.updated_at,
        })
    }
}

// The orders of the list. Capital cost orders by currency first (KGS and USD are not
// compared), then amount; the id breaks ties, so every order is total and pages never skip.
crate::domain::codes::codes!(
    ProjectSort {
        Oldest = "oldest",
        Newest = "newest",
        CostAscending = "cost_asc",
        CostDescending = "cost_desc",
    }
);

impl Default for ProjectSort {
    /// Filed first, first: the registry's order.
    fn default() -> Self {
        Self::Oldest
    }
}

impl ProjectSort {
    fn order_by(self) -> &'static str {
        match self {
            Self::Oldest => "id",
            Self::Newest => "id DESC",
            Self::CostAscending => "currency, capital_cost, id",
            Self::CostDescending => "currency DESC, capital_cost DESC, id DESC",
        }
    }

    fn by_cost(self) -> bool {
        matches!(self, Self::CostAscending | Self::CostDescending)
    }

    fn descending(self) -> bool {
        matches!(self, Self::Newest | Self::CostDescending)
    }
}

/// Where a page starts: just past the last row of the previous page. A cursor names the row by
/// all of its order keys (`KGS_1250000.00_17`: currency, capital cost, id), so a cursor read
/// under any order is one: the id orders use the id alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectCursor {
    pub currency: Currency,
    pub amount: rust_decimal::Decimal,
    pub id: i64,
}

/// A cursor as the API description states it; [`ProjectCursor::parse`] reads exactly this.
pub const PROJECT_CURSOR_PATTERN: &str = "^(KGS|USD)_[0-9]{1,15}(\\.[0-9]{1,2})?_[0-9]{1,18}$";

impl ProjectCursor {
    /// The cursor after `row`.
    pub fn after(row: &ProjectSummary) -> Self {
        Self {
            currency: row.capital_cost.currency,
            amount: row.capital_cost.amount,
            id: row.id,
        }
    }

    /// Reads a cursor written as [`PROJECT_CURSOR_PATTERN`] says; `None` for anything else.
    pub fn parse(text: &str) -> Option<Self> {
        let mut parts = text.splitn(3, '_');
        let currency = parts.next()?.parse::<Currency>().ok()?;
        // Amounts are stored to the tyiyn and below 10^15; anything else was not made here.
        let amount_text = parts.next()?;
        if !crate::domain::validation::is_fixed_point(amount_text, 15, 2) {
            return None;
        }
        let amount = amount_text.parse::<rust_decimal::Decimal>().ok()?;
        let id = crate::domain::ids::parse_id(parts.next()?)?;
        Some(Self { currency, amount, id })
    }
}

impl std::fmt::Display for ProjectCursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}_{}_{}", self.currency.code(), self.amount, self.id)
    }
}

pub use crate::domain::policy::DraftScope;

/// One page of the list: up to `limit` projects in `sort` order after `after`, public ones
/// and the drafts in `scope`.
pub async fn list(
    db: &Db,
    filter: &ProjectFilter,
    scope: DraftScope,
    sort: ProjectSort,
    after: Option<&ProjectCursor>,
    limit: u32,
) -> Result<Vec<ProjectSummary>, StoreError> {
    let ranges = filter.query.as_deref().map(prefix_ranges).unwrap_or_default();
    let mut next_placeholder = 11;
    let mut placeholder = || {
        next_placeholder += 1;
        format!("${next_placeholder}")
    };
    // Only placeholders and fixed text go into the statement; values are bound below.
    let comparison = if sort.descending() { "<" } else { ">" };
    let keyset = match after {
        None => String::new(),
        Some(_) if !sort.by_cost() => format!(" AND id {comparison} {}", placeholder()),
        Some(_) => format!(
            " AND (currency, capital_cost, id) {comparison} ({}, {}, {})",
            placeholder(),
            placeholder(),
            placeholder()
        ),
    };
    // One indexed range of words per query word (see migration 0007).
    let words: String = ranges
        .iter()
        .map(|_| {
            format!(
                " AND id IN (SELECT project_id FROM project_search_words WHERE word >= {} AND word < {})",
                placeholder(),
                placeholder()
            )
        })
        .collect();
    let sql = format!(
        "SELECT {SUMMARY_COLUMNS} FROM projects \
         WHERE (stage <> 'draft' OR $1 = 1 OR municipality_id = $2 OR proponent_id = $2) \
         AND ($3 IS NULL OR stage = $3) AND ($4 IS NULL OR municipality_id = $4) AND ($5 IS NULL OR sector = $5) \
         AND ($6 IS NULL OR model = $6) AND ($7 IS NULL OR capital_cost >= $7) AND ($8 IS NULL OR capital_cost <= $8) \
         AND (($7 IS NULL AND $8 IS NULL) OR currency = $9) AND ($10 IS NULL OR initiation = $10) \
         {keyset}{words} ORDER BY {} LIMIT $11",
        sort.order_by()
    );
    let currency = filter.currency.unwrap_or_default().code();
    let rows: Vec<SummaryRow> = on_pool!(db, pool => {
        // Optional filters: planned with their values each time (see storage::Pool).
        let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).persistent(false)
            .bind(i64::from(scope.all))
            .bind(scope.own.map_or(-1, |o| o.0))
            .bind(filter.stage.map(Stage::as_str))
            .bind(filter.municipality.map(|m| m.0))
            .bind(filter.sector.map(Sector::as_str))
            .bind(filter.model.map(PppModel::as_str))
            .bind(filter.min_value.map(DbAmount))
            .bind(filter.max_value.map(DbAmount))
            .bind(currency)
            .bind(filter.initiation.map(Initiation::as_str))
            .bind(i64::from(limit));
        match after {
            None => {}
            Some(cursor) if !sort.by_cost() => query = query.bind(cursor.id),
            Some(cursor) => {
                query = query
                    .bind(cursor.currency.code())
                    .bind(DbAmount(cursor.amount))
                    .bind(cursor.id);
            }
        }
        for (from, to) in &ranges {
            query = query.bind(from.clone()).bind(to.clone());
        }
        query.fetch_all(pool).await?
    });
    rows.into_iter().map(ProjectSummary::try_from).collect()
}

impl From<&Project> for ProjectSummary {
    fn from(p: &Project) -> Self {
        Self {
            id: p.id,
            municipality_id: p.municipality_id,
            registry_number: p.registry_number.clone(),
            stage: p.stage,
            title: p.fields.title.clone(),
            sector: p.fields.sector,
            model: p.fields.model,
            initiation: p.fields.initiation,
            payment_mechanism: p.fields.payment_mechanism,
            capital_cost: p.fields.capital_cost,
            term_years: p.fields.term_years,
            proponent_id: p.proponent_id,
            completeness_due_at: p.completeness_due_at,
            updated_at: p.updated_at,
        }
    }
}

/// How many projects are public (for the home page).
pub async fn count_public(db: &Db) -> Result<i64, StoreError> {
    let count: i64 = on_pool!(db, pool => sqlx::query_scalar("SELECT COUNT(*) FROM projects WHERE stage <> 'draft'").fetch_one(pool).await?);
    Ok(count)
}

/// Projects and their total capital cost (in `currency`) per stage, of one municipality or all;
/// drafts only for `drafts_of` (the reader's municipality) or everyone's (`all_drafts`).
pub async fn summary(
    db: &Db,
    municipality: Option<OrgId>,
    scope: DraftScope,
    currency: Currency,
) -> Result<Vec<(Stage, i64, rust_decimal::Decimal)>, StoreError> {
    let sql = "SELECT stage, COUNT(*), SUM(capital_cost) FROM projects \
               WHERE ($1 IS NULL OR municipality_id = $1) AND currency = $2 \
               AND (stage <> 'draft' OR $3 = 1 OR municipality_id = $4 OR proponent_id = $4) GROUP BY stage";
    let rows: Vec<(String, i64, Option<DbAmount>)> = on_pool!(db, pool => {
        // Optional filters: planned with their values each time (see storage::Pool).
        sqlx::query_as(sql).persistent(false)
            .bind(municipality.map(|m| m.0))
            .bind(currency.code())
            .bind(i64::from(scope.all))
            .bind(scope.own.map_or(-1, |o| o.0))
            .fetch_all(pool)
            .await?
    });
    let mut by_stage: Vec<(Stage, i64, rust_decimal::Decimal)> = rows
        .into_iter()
        .filter_map(|(stage, count, total)| {
            Stage::parse(&stage).map(|s| (s, count, total.map_or(rust_decimal::Decimal::ZERO, |t| t.0)))
        })
        .collect();
    by_stage.sort_by_key(|(stage, _, _)| Stage::ALL.iter().position(|s| s == stage));
    Ok(by_stage)
}
