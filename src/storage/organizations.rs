//! Organisations in the database.

use chrono::{DateTime, Utc};

use crate::domain::ids::OrgId;
use crate::domain::localized::LocalizedText;
use crate::domain::organization::{NewOrganization, Organization, OrganizationKind, OrganizationStatus};
use crate::storage::{Db, StoreError, Tx};
use crate::{on_pool, on_tx};

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

/// Records a new, active organisation inside the caller's transaction.
pub async fn insert(tx: &mut Tx, new: &NewOrganization, now: DateTime<Utc>) -> Result<Organization, StoreError> {
    let sql = format!(
        "INSERT INTO organizations (kind, status, name_ru, name_ky, name_en, code, inn, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING {COLUMNS}"
    );
    let row: OrganizationRow = on_tx!(tx, conn => {
        sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(new.kind.as_str())
            .bind(OrganizationStatus::Active.as_str())
            .bind(new.name.ru.trim())
            .bind(new.name.ky.as_deref().map(str::trim))
            .bind(new.name.en.as_deref().map(str::trim))
            .bind(new.code.as_deref())
            .bind(new.inn.as_deref())
            .bind(now)
            .fetch_one(conn)
            .await?
    });
    row.try_into()
}

/// The kinds of organisation whose records are public: the public partners and the authority.
/// Companies are not listed publicly; they appear in the records they take part in.
pub const PUBLIC_KINDS: [OrganizationKind; 2] = [OrganizationKind::Municipality, OrganizationKind::Antimonopoly];

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
        sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
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

pub async fn find(db: &Db, id: OrgId) -> Result<Organization, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM organizations WHERE id = $1");
    let row: Option<OrganizationRow> = on_pool!(db, pool => {
        sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(id.0).fetch_optional(pool).await?
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
