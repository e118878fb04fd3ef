//! Accounts, their roles, API tokens and failed sign-in counters.

use chrono::{DateTime, Utc};

use crate::domain::access::{Identity, Role};
use crate::domain::account::{NewAccount, email_key};
use crate::domain::ids::{OrgId, UserId};
use crate::domain::localized::LocalizedText;
use crate::domain::organization::{OrganizationKind, OrganizationStatus};
use crate::domain::throttle::Counted;
use crate::storage::{Db, Engine, Reader, StoreError, Tx};

/// An account as recorded (never with its password hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub id: UserId,
    pub organization_id: OrgId,
    pub email: String,
    pub full_name: String,
    pub status: OrganizationStatus,
    pub roles: Vec<Role>,
    pub chair: bool,
    pub deputy_chair: bool,
    pub last_sign_in_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct UserRow {
    id: i64,
    organization_id: i64,
    email: String,
    full_name: String,
    status: String,
    is_chair: bool,
    is_deputy_chair: bool,
    last_sign_in_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
}

const COLUMNS: &str =
    "id, organization_id, email, full_name, status, is_chair, is_deputy_chair, last_sign_in_at, created_at";

fn status_of(id: i64, text: &str) -> Result<OrganizationStatus, StoreError> {
    OrganizationStatus::parse(text).ok_or_else(|| StoreError::Database(format!("user {id}: bad status {text:?}")))
}

impl UserRow {
    fn into_account(self, roles: Vec<Role>) -> Result<Account, StoreError> {
        Ok(Account {
            status: status_of(self.id, &self.status)?,
            id: UserId(self.id),
            organization_id: OrgId(self.organization_id),
            email: self.email,
            full_name: self.full_name,
            roles,
            chair: self.is_chair,
            deputy_chair: self.is_deputy_chair,
            last_sign_in_at: self.last_sign_in_at,
            created_at: self.created_at,
        })
    }
}

async fn roles_of(reader: Reader<'_>, id: i64) -> Result<Vec<Role>, StoreError> {
    let sql = "SELECT role FROM user_roles WHERE user_id = $1 ORDER BY role";
    let names: Vec<String> = on_reader!(reader, conn => sqlx::query_scalar(sql).bind(id).fetch_all(conn).await?);
    let mut roles: Vec<Role> = names.iter().filter_map(|n| Role::parse(n)).collect();
    roles.sort();
    Ok(roles)
}

/// Records an account and its roles inside the caller's transaction.
pub async fn insert(
    tx: &mut Tx,
    organization: OrgId,
    new: &NewAccount,
    password_hash: &str,
    status: OrganizationStatus,
    now: DateTime<Utc>,
) -> Result<Account, StoreError> {
    let sql = format!(
        "INSERT INTO users (organization_id, email, email_key, full_name, password_hash, status, is_chair, \
         is_deputy_chair, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $9, $8, $8) RETURNING {COLUMNS}"
    );
    let row: UserRow = on_tx!(tx, conn => {
        sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(organization.0)
            .bind(new.email.trim())
            .bind(email_key(&new.email))
            .bind(new.full_name.trim())
            .bind(password_hash)
            .bind(status.as_str())
            .bind(new.chair)
            .bind(now)
            .bind(new.deputy_chair)
            .fetch_one(&mut *conn)
            .await?
    });
    let mut roles = new.roles.clone();
    roles.sort();
    roles.dedup();
    for role in &roles {
        on_tx!(tx, conn => {
            sqlx::query("INSERT INTO user_roles (user_id, role) VALUES ($1, $2)")
                .bind(row.id)
                .bind(role.as_str())
                .execute(&mut *conn)
                .await?.rows_affected()
        });
    }
    row.into_account(roles)
}

/// The account with this email (case-insensitive) and its password hash.
pub async fn find_for_sign_in(db: &Db, email: &str) -> Result<Option<(Account, String)>, StoreError> {
    let sql = format!("SELECT {COLUMNS}, password_hash FROM users WHERE email_key = $1");
    let row: Option<(UserRow, String)> = on_pool!(db, pool => {
        sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
            .bind(email_key(email))
            .fetch_optional(pool)
            .await?
            .map(|r| {
                use sqlx::{FromRow, Row};
                Ok::<_, sqlx::Error>((UserRow::from_row(&r)?, r.try_get::<String, _>("password_hash")?))
            })
            .transpose()?
    });
    match row {
        Some((user, hash)) => {
            let roles = roles_of(db.into(), user.id).await?;
            Ok(Some((user.into_account(roles)?, hash)))
        }
        None => Ok(None),
    }
}

/// An account, read on the pool or inside a change.
pub async fn find<'r>(reader: impl Into<Reader<'r>>, id: UserId) -> Result<Account, StoreError> {
    let mut reader = reader.into();
    let sql = format!("SELECT {COLUMNS} FROM users WHERE id = $1");
    let row: Option<UserRow> = on_reader!(reader.again(), conn => {
        sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id.0).fetch_optional(conn).await?
    });
    let row = row.ok_or(StoreError::NotFound("account"))?;
    let roles = roles_of(reader, row.id).await?;
    row.into_account(roles)
}

/// Up to `limit` accounts in id order after `after`, of one organisation if given.
pub async fn list(
    db: &Db,
    organization: Option<OrgId>,
    after: Option<UserId>,
    limit: u32,
) -> Result<Vec<Account>, StoreError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM users WHERE ($1 IS NULL OR organization_id = $1) AND id > $2 ORDER BY id LIMIT $3"
    );
    let rows: Vec<UserRow> = on_pool!(db, pool => {
        // Optional filters: planned with their values each time (see storage::Pool).
        sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).persistent(false)
            .bind(organization.map(|o| o.0))
            .bind(after.map_or(0, |a| a.0))
            .bind(i64::from(limit))
            .fetch_all(pool)
            .await?
    });
    let mut accounts = Vec::with_capacity(rows.len());
    for row in rows {
        let roles = roles_of(db.into(), row.id).await?;
        accounts.push(row.into_account(roles)?);
    }
    Ok(accounts)
}

#[derive(sqlx::FromRow)]
struct IdentityRow {
    id: i64,
    email: String,
    full_name: String,
    is_chair: bool,
    is_deputy_chair: bool,
    organization_id: i64,
    kind: String,
    name_ru: String,
    name_ky: Option<String>,
    name_en: Option<String>,
    /// The account's roles, comma-separated (none: `NULL`).
    roles: Option<String>,
}

/// An active account's identity with its roles, in one statement (asked on every request):
/// `source` joins `u` (users) to what finds the account, `condition` adds to the `WHERE`.
fn identity_sql(db: &Db, source: &str, condition: &str) -> String {
    let roles = match db.engine() {
        Engine::Sqlite => "group_concat(r.role, ',')",
        Engine::Postgres => "string_agg(r.role, ',')",
    };
    format!(
        "SELECT u.id, u.email, u.full_name, u.is_chair, u.is_deputy_chair, o.id AS organization_id, o.kind, o.name_ru, \
         o.name_ky, o.name_en, (SELECT {roles} FROM user_roles r WHERE r.user_id = u.id) AS roles \
         FROM {source} JOIN organizations o ON o.id = u.organization_id \
         WHERE {condition} AND u.status = 'active' AND o.status = 'active'"
    )
}

fn identity_of(row: IdentityRow) -> Result<Identity, StoreError> {
    let kind = OrganizationKind::parse(&row.kind)
        .ok_or_else(|| StoreError::Database(format!("organization {}: bad kind", row.organization_id)))?;
    let mut roles: Vec<Role> = row
        .roles
        .as_deref()
        .unwrap_or_default()
        .split(',')
        .filter_map(Role::parse)
        .collect();
    roles.sort();
    roles.dedup();
    Ok(Identity {
        user_id: UserId(row.id),
        roles,
        email: row.email,
        full_name: row.full_name,
        organization_id: OrgId(row.organization_id),
        organization_kind: kind,
        organization_name: LocalizedText {
            ru: row.name_ru,
            ky: row.name_ky,
            en: row.name_en,
        },
        chair: row.is_chair,
        deputy_chair: row.is_deputy_chair,
    })
}

/// The identity of an active account in an active organisation; `None` otherwise.
pub async fn active_identity(db: &Db, id: UserId) -> Result<Option<Identity>, StoreError> {
    let sql = identity_sql(db, "users u", "u.id = $1");
    let row: Option<IdentityRow> =
        on_pool!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id.0).fetch_optional(pool).await?);
    row.map(identity_of).transpose()
}

/// The identity behind a live (unrevoked, unexpired) token of an active account in an active
/// organisation; `None` otherwise.
pub async fn token_identity(db: &Db, token_hash: &str, now: DateTime<Utc>) -> Result<Option<Identity>, StoreError> {
    let sql = identity_sql(
        db,
        "api_tokens t JOIN users u ON u.id = t.user_id",
        "t.token_hash = $1 AND t.revoked_at IS NULL AND t.expires_at > $2",
    );
    let row: Option<IdentityRow> = on_pool!(db, pool => {
        sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(token_hash).bind(now).fetch_optional(pool).await?
    });
    row.map(identity_of).transpose()
}

/// Sets an account's status; the status it had before.
pub async fn set_status(
    tx: &mut Tx,
    id: UserId,
    status: OrganizationStatus,
    now: DateTime<Utc>,
) -> Result<String, StoreError> {
    let sql = format!("SELECT status FROM users WHERE id = $1{}", tx.for_update());
    let before: Option<String> = on_tx!(tx, conn => {
        sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).bind(id.0).fetch_optional(&mut *conn).await?
    });
    let before = before.ok_or(StoreError::NotFound("account"))?;
    let sql = "UPDATE users SET status = $1, updated_at = $2 WHERE id = $3";
    on_tx!(tx, conn => sqlx::query(sql).bind(status.as_str()).bind(now).bind(id.0).execute(&mut *conn).await?.rows_affected());
    Ok(before)
}

/// Replaces the password hash and revokes every token of the account; how many were revoked.
pub async fn set_password(tx: &mut Tx, id: UserId, password_hash: &str, now: DateTime<Utc>) -> Result<u64, StoreError> {
    let sql = "UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3";
    let done = on_tx!(tx, conn => sqlx::query(sql).bind(password_hash).bind(now).bind(id.0).execute(&mut *conn).await?.rows_affected());
    if done == 0 {
        return Err(StoreError::NotFound("account"));
    }
    let sql = "UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL";
    let revoked = on_tx!(tx, conn => sqlx::query(sql).bind(now).bind(id.0).execute(&mut *conn).await?.rows_affected());
    Ok(revoked)
}

pub async fn record_sign_in(tx: &mut Tx, id: UserId, now: DateTime<Utc>) -> Result<(), StoreError> {
    let sql = "UPDATE users SET last_sign_in_at = $1 WHERE id = $2";
    on_tx!(tx, conn => sqlx::query(sql).bind(now).bind(id.0).execute(conn).await?.rows_affected());
    Ok(())
}

/// Records a token's hash; the token's row id.
pub async fn insert_token(
    tx: &mut Tx,
    user: UserId,
    token_hash: &str,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<i64, StoreError> {
    let sql =
        "INSERT INTO api_tokens (user_id, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4) RETURNING id";
    let id: i64 = on_tx!(tx, conn => {
        sqlx::query_scalar(sql).bind(user.0).bind(token_hash).bind(now).bind(expires_at).fetch_one(conn).await?
    });
    Ok(id)
}

/// Revokes a live token; its row id and owner, if there was one.
pub async fn revoke_token(
    tx: &mut Tx,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<(i64, UserId)>, StoreError> {
    let sql =
        "UPDATE api_tokens SET revoked_at = $1 WHERE token_hash = $2 AND revoked_at IS NULL RETURNING id, user_id";
    let row: Option<(i64, i64)> =
        on_tx!(tx, conn => sqlx::query_as(sql).bind(now).bind(token_hash).fetch_optional(conn).await?);
    Ok(row.map(|(id, user)| (id, UserId(user))))
}

pub async fn add_sign_in_failure(
    tx: &mut Tx,
    email: &str,
    client_ip: Option<&str>,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let sql = "INSERT INTO sign_in_failures (email_key, client_ip, at) VALUES ($1, $2, $3)";
    on_tx!(tx, conn => sqlx::query(sql).bind(email_key(email)).bind(client_ip).bind(at).execute(conn).await?.rows_affected());
    Ok(())
}

/// The account's failed sign-ins after `since`, from every address: how many, and the latest.
pub async fn account_failures(
    db: &Db,
    email: &str,
    since: DateTime<Utc>,
) -> Result<(i64, Option<DateTime<Utc>>), StoreError> {
    let sql = "SELECT COUNT(*), MAX(at) FROM sign_in_failures WHERE email_key = $1 AND at > $2";
    let row: (i64, Option<DateTime<Utc>>) =
        on_pool!(db, pool => sqlx::query_as(sql).bind(email_key(email)).bind(since).fetch_one(pool).await?);
    Ok(row)
}

/// Forgets the account's failed sign-ins from one address (after a success from it); those
/// from other addresses stay.
pub async fn clear_sign_in_failures(tx: &mut Tx, email: &str, client_ip: Option<&str>) -> Result<(), StoreError> {
    let sql = "DELETE FROM sign_in_failures WHERE email_key = $1 AND client_ip IS NOT DISTINCT FROM $2";
    on_tx!(tx, conn => sqlx::query(sql).bind(email_key(email)).bind(client_ip).execute(conn).await?.rows_affected());
    Ok(())
}

/// Counts an attempt under `key` and reads the count in the same statement: a window older
/// than `window` starts again at `now`. Concurrent attempts on one key queue on its row.
pub async fn count_attempt(
    tx: &mut Tx,
    key: &str,
    now: DateTime<Utc>,
    window: chrono::Duration,
) -> Result<Counted, StoreError> {
    let sql = "INSERT INTO sign_in_attempts (key, window_start, attempts) VALUES ($1, $2, 1) \
               ON CONFLICT (key) DO UPDATE SET \
               attempts = CASE WHEN sign_in_attempts.window_start <= $3 THEN 1 ELSE sign_in_attempts.attempts + 1 END, \
               window_start = CASE WHEN sign_in_attempts.window_start <= $3 THEN $2 ELSE sign_in_attempts.window_start END \
               RETURNING attempts, window_start";
    let (attempts, window_start): (i64, DateTime<Utc>) = on_tx!(tx, conn => {
        sqlx::query_as(sql).bind(key).bind(now).bind(now - window).fetch_one(conn).await?
    });
    Ok(Counted { attempts, window_start })
}

/// Takes one counted attempt back (a success need not count against its address).
pub async fn uncount_attempt(tx: &mut Tx, key: &str) -> Result<(), StoreError> {
    let sql = "UPDATE sign_in_attempts SET attempts = attempts - 1 WHERE key = $1 AND attempts > 0";
    on_tx!(tx, conn => sqlx::query(sql).bind(key).execute(conn).await?.rows_affected());
    Ok(())
}

/// Forgets a key's attempts.
pub async fn clear_attempts(tx: &mut Tx, key: &str) -> Result<(), StoreError> {
    let sql = "DELETE FROM sign_in_attempts WHERE key = $1";
    on_tx!(tx, conn => sqlx::query(sql).bind(key).execute(conn).await?.rows_affected());
    Ok(())
}

/// Whether the account has signed in from this address before.
pub async fn is_known_address(db: &Db, email: &str, client_ip: &str) -> Result<bool, StoreError> {
    let sql = "SELECT COUNT(*) FROM sign_in_addresses WHERE email_key = $1 AND client_ip = $2";
    let n: i64 =
        on_pool!(db, pool => sqlx::query_scalar(sql).bind(email_key(email)).bind(client_ip).fetch_one(pool).await?);
    Ok(n > 0)
}

/// Remembers that the account signed in from this address.
pub async fn remember_address(tx: &mut Tx, email: &str, client_ip: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
    let sql = "INSERT INTO sign_in_addresses (email_key, client_ip, last_at) VALUES ($1, $2, $3) \
               ON CONFLICT (email_key, client_ip) DO UPDATE SET last_at = excluded.last_at";
    on_tx!(tx, conn => sqlx::query(sql).bind(email_key(email)).bind(client_ip).bind(now).execute(conn).await?.rows_affected());
    Ok(())
}

/// Tries the account's gate for addresses the owner never signed in from: `Ok(())` when this
/// attempt wins it (the gate then closes for `gap`), or when it is refused the time it opens
/// again and how many were refused since it last let one through. One statement decides, so
/// parallel attempts cannot all win.
pub async fn pass_gate(
    tx: &mut Tx,
    email: &str,
    now: DateTime<Utc>,
    gap: chrono::Duration,
) -> Result<Result<(), (DateTime<Utc>, i64)>, StoreError> {
    let key = email_key(email);
    let sql = "INSERT INTO sign_in_gates (email_key, next_allowed_at, refusals) VALUES ($1, $2, 0) \
               ON CONFLICT (email_key) DO UPDATE SET next_allowed_at = $2, refusals = 0 \
               WHERE sign_in_gates.next_allowed_at <= $3 RETURNING email_key";
    let won: Option<String> = on_tx!(tx, conn => {
        sqlx::query_scalar(sql).bind(&key).bind(now + gap).bind(now).fetch_optional(&mut *conn).await?
    });
    if won.is_some() {
        return Ok(Ok(()));
    }
    let sql =
        "UPDATE sign_in_gates SET refusals = refusals + 1 WHERE email_key = $1 RETURNING next_allowed_at, refusals";
    let refused: (DateTime<Utc>, i64) = on_tx!(tx, conn => sqlx::query_as(sql).bind(&key).fetch_one(&mut *conn).await?);
    Ok(Err(refused))
}

/// Forgets counters, failures and gates whose window ended before `before`.
pub async fn purge_expired_throttle(tx: &mut Tx, before: DateTime<Utc>) -> Result<(), StoreError> {
    for sql in [
        "DELETE FROM sign_in_attempts WHERE window_start <= $1",
        "DELETE FROM sign_in_failures WHERE at <= $1",
        "DELETE FROM sign_in_gates WHERE next_allowed_at <= $1",
    ] {
        on_tx!(tx, conn => sqlx::query(sql).bind(before).execute(&mut *conn).await?.rows_affected());
    }
    Ok(())
}

/// The account's password hash and status, its row locked until the change ends: a sign-in
/// commits only if neither moved since the password was checked.
pub async fn lock_credentials(tx: &mut Tx, id: UserId) -> Result<(String, String), StoreError> {
    let sql = format!(
        "SELECT password_hash, status FROM users WHERE id = $1{}",
        tx.for_update()
    );
    let row: Option<(String, String)> =
        on_tx!(tx, conn => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id.0).fetch_optional(&mut *conn).await?);
    row.ok_or(StoreError::NotFound("account"))
}
