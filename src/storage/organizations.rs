//! Organisations in the database.

use chrono::{DateTime, Utc};

use crate::domain::ids::OrgId;
use crate::domain::localized::LocalizedText;
use crate::domain::organization::{
    BeneficialOwner, CompanyProfile, NewOrganization, Organization, OrganizationKind, OrganizationStatus,
};
use crate::storage::types::DbDecimal;
use crate::storage::{Db, Reader, StoreError, Tx};

#[derive(sqlx::FromRow)]
struct OrganizationRow {
    id: i64,
    kind: String,
    status: String,
    name_ru: String,
    name_ky: Option<String>,
    name_en: Option<String>,
    code: Option<String>,
    inn: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, kind, status, name_ru, name_ky, name_en, code, inn, created_at, updated_at";

impl TryFrom<OrganizationRow> for Organization {
    type Error = StoreError;

    fn try_from(row: OrganizationRow) -> Result<Self, StoreError> {
        let corrupt =
            |what: &str, value: &str| StoreError::Database(format!("organization {}: bad {what} {value:?}", row.id));
        Ok(Organization {
            id: OrgId(row.id),
            kind: OrganizationKind::parse(&row.kind).ok_or_else(|| corrupt("kind", &row.kind))?,
            status: OrganizationStatus::parse(&row.status).ok_or_else(|| corrupt("status", &row.status))?,
            name: LocalizedText {
                ru: row.name_ru,
                ky: row.name_ky,
                en: row.name_en,
            },
            code: row.code,
            inn: row.inn,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

/// Records a new organisation (and a company's profile and owners) inside the caller's
/// transaction.
pub async fn insert(
    tx: &mut Tx,
    new: &NewOrganization,
    status: OrganizationStatus,
    now: DateTime<Utc>,
) -> Result<Organization, StoreError> {
    let sql = format!(
        "INSERT INTO organizations (kind, status, name_ru, name_ky, name_en, code, inn, \
         registration_number, legal_address, phone, email, director, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13) RETURNING {COLUMNS}"
    );
    let profile = new.company.as_ref();
    let trimmed = |s: &String| s.trim().to_string();
    let row: OrganizationRow = on_tx!(tx, conn => {
        sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(new.kind.as_str())
            .bind(status.as_str())
            .bind(new.name.ru.trim())
            .bind(new.name.ky.as_deref().map(str::trim).filter(|s| !s.is_empty()))
            .bind(new.name.en.as_deref().map(str::trim).filter(|s| !s.is_empty()))
            .bind(new.code.as_deref())
            .bind(new.inn.as_deref())
            .bind(profile.map(|p| trimmed(&p.registration_number)))
            .bind(profile.map(|p| trimmed(&p.legal_address)))
            .bind(profile.and_then(|p| p.phone.as_ref()).map(trimmed))
            .bind(profile.map(|p| trimmed(&p.email)))
            .bind(profile.map(|p| trimmed(&p.director)))
            .bind(now)
            .fetch_one(&mut *conn)
            .await?
    });
    if let Some(profile) = profile {
        for (position, owner) in profile.beneficial_owners.iter().enumerate() {
            let sql = "INSERT INTO beneficial_owners (organization_id, position, name, share_percent, inn) \
                       VALUES ($1, $2, $3, $4, $5)";
            on_tx!(tx, conn => {
                sqlx::query(sql)
                    .bind(row.id)
                    .bind(position as i64)
                    .bind(owner.name.trim())
                    .bind(DbDecimal(owner.share_percent))
                    .bind(owner.inn.as_deref())
                    .execute(&mut *conn)
                    .await?.rows_affected()
            });
        }
    }
    row.try_into()
}

#[derive(sqlx::FromRow)]
struct ProfileRow {
    registration_number: Option<String>,
    legal_address: Option<String>,
    phone: Option<String>,
    email: Option<String>,
    director: Option<String>,
}

/// A company's profile and beneficial owners; `None` for other organisations.
pub async fn company_profile(db: &Db, id: OrgId) -> Result<Option<CompanyProfile>, StoreError> {
    let sql = "SELECT registration_number, legal_address, phone, email, director FROM organizations \
               WHERE id = $1 AND kind = 'company'";
    let row: Option<ProfileRow> = on_pool!(db, pool => sqlx::query_as(sql).bind(id.0).fetch_optional(pool).await?);
    let Some(row) = row else {
        return Ok(None);
    };
    let sql = "SELECT name, share_percent, inn FROM beneficial_owners WHERE organization_id = $1 ORDER BY position";
    let owners: Vec<(String, DbDecimal, Option<String>)> =
        on_pool!(db, pool => sqlx::query_as(sql).bind(id.0).fetch_all(pool).await?);
    Ok(Some(CompanyProfile {
        registration_number: row.registration_number.unwrap_or_default(),
        legal_address: row.legal_address.unwrap_or_default(),
        phone: row.phone,
        email: row.email.unwrap_or_default(),
        director: row.director.unwrap_or_default(),
        beneficial_owners: owners
            .into_iter()
            .map(|(name, share, inn)| BeneficialOwner {
                name,
                share_percent: share.0,
                inn,
            })
            .collect(),
    }))
}

/// Up to `limit` organisations of every kind and status, in id order after `after` (for admins).
pub async fn list_all(db: &Db, after: Option<OrgId>, limit: u32) -> Result<Vec<Organization>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM organizations WHERE id > $1 ORDER BY id LIMIT $2");
    let rows: Vec<OrganizationRow> = on_pool!(db, pool => {
        sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .bind(after.map_or(0, |id| id.0))
            .bind(i64::from(limit))
            .fetch_all(pool)
            .await?
    });
    rows.into_iter().map(Organization::try_from).collect()
}

/// Sets an organisation's status; its status before and the organisation after, or `NotFound`.
pub async fn set_status(
    tx: &mut Tx,
    id: OrgId,
    status: OrganizationStatus,
    now: DateTime<Utc>,
) -> Result<(String, Organization), StoreError> {
    let sql = format!("SELECT status FROM organizations WHERE id = $1{}", tx.for_update());
    let before: Option<String> = on_tx!(tx, conn => {
        sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).bind(id.0).fetch_optional(&mut *conn).await?
    });
    let before = before.ok_or(StoreError::NotFound("organization"))?;
    let sql = format!("UPDATE organizations SET status = $1, updated_at = $2 WHERE id = $3 RETURNING {COLUMNS}");
    let row: Option<OrganizationRow> = on_tx!(tx, conn => {
        sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(status.as_str()).bind(now).bind(id.0).fetch_optional(conn).await?
    });
    Ok((before, row.ok_or(StoreError::NotFound("organization"))?.try_into()?))
}

/// The organisation with this municipality code.
pub async fn find_by_code(db: &Db, code: &str) -> Result<Organization, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM organizations WHERE code = $1");
    let row: Option<OrganizationRow> = on_pool!(db, pool => {
        sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(code).fetch_optional(pool).await?
    });
    row.ok_or(StoreError::NotFound("organization"))?.try_into()
}

/// The first organisation of `kind`, if any (the operator is one organisation).
pub async fn first_of_kind(db: &Db, kind: OrganizationKind) -> Result<Option<Organization>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM organizations WHERE kind = $1 ORDER BY id LIMIT 1");
    let row: Option<OrganizationRow> = on_pool!(db, pool => {
        sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(kind.as_str()).fetch_optional(pool).await?
    });
    row.map(Organization::try_from).transpose()
}

/// The kinds of organisation whose records are public: the public partners and the authority.
/// Companies are not listed publicly; they appear in the records they take part in.
pub use crate::domain::policy::PUBLIC_KINDS;

/// Up to `limit` active public bodies (of `kind`, if given) in id order, after the cursor `after`.
pub async fn list_public(
    db: &Db,
    kind: Option<OrganizationKind>,
    after: Option<OrgId>,
    limit: u32,
) -> Result<Vec<Organization>, StoreError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM organizations \
         WHERE status = 'active' AND kind IN ($1, $2) AND ($3 IS NULL OR kind = $3) AND id > $4 \
         ORDER BY id LIMIT $5"
    );
    let after = after.map_or(0, |id| id.0);
    let rows: Vec<OrganizationRow> = on_pool!(db, pool => {
        // Optional filters: planned with their values each time (see storage::Pool).
        sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).persistent(false)
            .bind(PUBLIC_KINDS[0].as_str())
            .bind(PUBLIC_KINDS[1].as_str())
            .bind(kind.map(OrganizationKind::as_str))
            .bind(after)
            .bind(i64::from(limit))
            .fetch_all(pool)
            .await?
    });
    rows.into_iter().map(Organization::try_from).collect()
}

/// An organisation, read on the pool or inside a change.
pub async fn find<'r>(reader: impl Into<Reader<'r>>, id: OrgId) -> Result<Organization, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM organizations WHERE id = $1");
    let row: Option<OrganizationRow> = on_reader!(reader.into(), conn => {
        sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id.0).fetch_optional(conn).await?
    });
    row.ok_or(StoreError::NotFound("organization"))?.try_into()
}

/// An organisation read inside a change, its row share-locked until the change ends: what the
/// change decides on (its kind, whether it is active) cannot move underneath it, while other
/// changes that only refer to it go on.
pub async fn lock_shared(tx: &mut Tx, id: OrgId) -> Result<Organization, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM organizations WHERE id = $1{}", tx.for_share());
    let row: Option<OrganizationRow> = on_tx!(tx, conn => {
        sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id.0).fetch_optional(&mut *conn).await?
    });
    row.ok_or(StoreError::NotFound("organization"))?.try_into()
}

/// How many organisations of `kind` are active.
pub async fn count_active(db: &Db, kind: OrganizationKind) -> Result<i64, StoreError> {
    let sql = "SELECT COUNT(*) FROM organizations WHERE kind = $1 AND status = 'active'";
    let count: i64 = on_pool!(db, pool => sqlx::query_scalar(sql).bind(kind.as_str()).fetch_one(pool).await?);
    Ok(count)
}

/// How many organisations there are in all (an empty registry has none).
pub async fn count_all(db: &Db) -> Result<i64, StoreError> {
    let count: i64 =
        on_pool!(db, pool => sqlx::query_scalar("SELECT COUNT(*) FROM organizations").fetch_one(pool).await?);
    Ok(count)
}
