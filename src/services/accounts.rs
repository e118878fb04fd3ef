//! Accounts: creation, sign-in with throttling, API tokens, activation and password resets.
//! Every change of state writes its audit event in the same transaction; so do failed and
//! refused sign-ins.

use chrono::{DateTime, Duration, Utc};
use serde_json::json;

use crate::clock::Clock;
use crate::credentials::{self, decoy_hash, random_token, token_hash};
use crate::domain::access::{Identity, Role};
use crate::domain::account::{NewAccount, check_password, email_key};
use crate::domain::audit::{AuditContext, NewEvent};
use crate::domain::ids::{OrgId, UserId};
use crate::domain::organization::{NewOrganization, Organization, OrganizationKind, OrganizationStatus};
use crate::domain::throttle;
use crate::domain::validation::Violations;
use crate::services::ServiceError;
use crate::services::organizations::{duplicate_field, insert_checked};
use crate::services::unit_of_work;
use crate::storage::unit_of_work::UnitOfWork;
use crate::storage::users::{self, Account};
use crate::storage::{Db, StoreError, organizations, sessions};

/// Why a sign-in was refused.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    #[error("too many failed sign-ins; retry in {0} seconds")]
    Throttled(i64),
    /// Wrong email or password (the answer never says which).
    #[error("wrong email or password")]
    BadCredentials,
    /// The password is right, but the account or its organisation is not active.
    #[error("the account is not active")]
    NotActive,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<ServiceError> for SignInError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::Store(store) => SignInError::Store(store),
            ServiceError::NotFound(what) => SignInError::Store(StoreError::NotFound(what)),
            // The sign-in's own steps refuse nothing else; should one, it is a fault.
            other => SignInError::Store(StoreError::Database(other.to_string())),
        }
    }
}

fn hashing_failed(e: credentials::CredentialError) -> ServiceError {
    ServiceError::Store(StoreError::Database(e.to_string()))
}

fn account_event(action: &'static str, account: &Account) -> NewEvent {
    NewEvent::new(action, "account", account.id).organization(account.organization_id.0)
}

/// Hashes a new account's password (argon2, on the blocking pool) before any change begins.
async fn hash_new_password(new: &NewAccount) -> Result<String, ServiceError> {
    credentials::hash_password_blocking(new.password.clone())
        .await
        .map_err(hashing_failed)
}

async fn insert_account(
    uow: &mut UnitOfWork<'_>,
    organization: &Organization,
    new: &NewAccount,
    password_hash: &str,
    status: OrganizationStatus,
    action: &'static str,
) -> Result<Account, ServiceError> {
    new.validate(organization.kind).map_err(ServiceError::Invalid)?;
    let now = uow.now();
    let account = match users::insert(uow.tx(), organization.id, new, password_hash, status, now).await {
        Ok(account) => account,
        Err(StoreError::Conflict(c)) => return Err(ServiceError::Duplicate(duplicate_field(&c))),
        Err(e) => return Err(e.into()),
    };
    let roles: Vec<&str> = account.roles.iter().map(|r| r.as_str()).collect();
    let event = account_event(action, &account).payload(json!({"after": {
        "email": account.email, "full_name": account.full_name, "organization_id": account.organization_id,
        "roles": roles, "chair": account.chair, "deputy_chair": account.deputy_chair, "status": account.status.as_str(),
    }}));
    uow.record(event);
    Ok(account)
}

/// Creates an active account in an existing organisation (an administrator's act).
pub async fn create(
    db: &Db,
    clock: &dyn Clock,
    ctx: &AuditContext,
    organization: OrgId,
    new: &NewAccount,
) -> Result<Account, ServiceError> {
    // What can be refused without the database is, before the password is hashed.
    let seen = organizations::find(db, organization).await?;
    new.validate(seen.kind).map_err(ServiceError::Invalid)?;
    let hash = hash_new_password(new).await?;
    unit_of_work!(db, clock, ctx, |uow| {
        let org = organizations::lock_shared(uow.tx(), organization).await?;
        let active = OrganizationStatus::Active;
        insert_account(&mut uow, &org, new, &hash, active, "account.created").await?
    })
}

/// A company registers itself and its representative's bidder account; both stay pending until
/// an administrator activates them.
pub async fn register_company(
    db: &Db,
    clock: &dyn Clock,
    ctx: &AuditContext,
    company: &NewOrganization,
    representative: &NewAccount,
) -> Result<(Organization, Account), ServiceError> {
    // Both halves are checked before anything is written, so every problem is reported at once.
    let mut violations = Violations::new();
    if company.kind != OrganizationKind::Company {
        violations.add("company.kind", "only_company");
    }
    if let Err(v) = company.validate() {
        violations.merge(v);
    }
    if let Err(v) = representative.validate(company.kind) {
        violations.merge_prefixed("account", v);
    }
    violations.into_result().map_err(ServiceError::Invalid)?;
    let bidder = NewAccount {
        roles: vec![Role::Bidder],
        chair: false,
        deputy_chair: false,
        ..representative.clone()
    };
    let hash = hash_new_password(&bidder).await?;
    unit_of_work!(db, clock, ctx, |uow| {
        let pending = OrganizationStatus::Pending;
        let org = match insert_checked(&mut uow, company, pending, "organization.registered").await {
            Err(ServiceError::Duplicate("inn")) => return Err(ServiceError::Duplicate("company.inn")),
            other => other?,
        };
        let account = match insert_account(&mut uow, &org, &bidder, &hash, pending, "account.registered").await {
            Err(ServiceError::Duplicate("email")) => return Err(ServiceError::Duplicate("account.email")),
            other => other?,
        };
        (org, account)
    })
}

/// A browser's sign-in: the hash of the new session's secret, and of the session the browser
/// presented, if any.
#[derive(Debug, Clone, Copy)]
pub struct BrowserSession<'a> {
    pub new: &'a str,
    pub previous: Option<&'a str>,
}

/// The throttle's keys for an attempt: the (account, address) pair's and the address's.
fn throttle_keys(email: &str, address: Option<&str>) -> (String, Option<String>) {
    let pair = format!("pair:{}|{}", email_key(email), address.unwrap_or("-"));
    (pair, address.map(|a| format!("address:{a}")))
}

/// Records a refused sign-in as an audit event, and as one of the account's failures when the
/// password was checked and wrong.
#[allow(clippy::too_many_arguments)]
async fn record_refusal(
    db: &Db,
    clock: &dyn Clock,
    ctx: &AuditContext,
    email: &str,
    address: Option<&str>,
    account: Option<&Account>,
    reason: &str,
    failure: bool,
) -> Result<(), ServiceError> {
    let event = match account {
        Some(account) => account_event("account.sign_in_failed", account),
        None => NewEvent::new("account.sign_in_failed", "sign_in", email_key(email)),
    }
    .payload(json!({"email": email_key(email), "reason": reason}));
    unit_of_work!(db, clock, ctx, |uow| {
        if failure {
            let now = uow.now();
            users::add_sign_in_failure(uow.tx(), email, address, now).await?;
        }
        uow.record(event.clone());
    })
}

/// Counts an attempt under its keys in one unit of work: the pair always, the address unless
/// the owner signed in from it before.
async fn count_attempt(
    db: &Db,
    clock: &dyn Clock,
    ctx: &AuditContext,
    pair_key: &str,
    address_key: Option<&str>,
) -> Result<(throttle::Counted, Option<throttle::Counted>), ServiceError> {
    unit_of_work!(db, clock, ctx, |uow| {
        uow.counters_only("sign-in throttle");
        let now = uow.now();
        let pair = users::count_attempt(uow.tx(), pair_key, now, throttle::window()).await?;
        let address = match address_key {
            Some(key) => Some(users::count_attempt(uow.tx(), key, now, throttle::window()).await?),
            None => None,
        };
        (pair, address)
    })
}

/// Checks a sign-in (see [`throttle`] for the rule): the account's gate for unknown addresses,
/// then the attempt is counted, atomically; only then is the password checked (argon2 off the
/// async threads), outside any transaction, and a success commits only if the account's
/// password and status are still those checked. Every outcome is an audit event, but for a
/// throttled burst, which is one.
///
/// A browser sign-in passes its [`BrowserSession`]: the new session is recorded, and the one
/// the browser presented ended, in the same change as the sign-in.
pub async fn sign_in(
    db: &Db,
    clock: &dyn Clock,
    email: &str,
    password: &str,
    client_ip: Option<&str>,
    browser: Option<BrowserSession<'_>>,
) -> Result<Identity, SignInError> {
    let anonymous = AuditContext::anonymous(client_ip.map(str::to_string));
    let address = client_ip.map(throttle::address_key);
    let address = address.as_deref();
    if !crate::domain::validation::is_email(email) {
        // Counted against the address alone; it names no account and is no record.
        if let Some(address) = address {
            let key = format!("address:{address}");
            let (counted, _) = count_attempt(db, clock, &anonymous, &key, None).await?;
            if let Some(refused) = throttle::judge(counted, None, clock.now()) {
                return Err(SignInError::Throttled(refused.retry_after.num_seconds().max(1)));
            }
        }
        return Err(SignInError::BadCredentials);
    }
    let found = users::find_for_sign_in(db, email).await?;
    let account = found.as_ref().map(|f| &f.0);
    let known = match address {
        Some(a) => users::is_known_address(db, email, a).await?,
        None => false,
    };
    let since = clock.now() - throttle::window();
    let (failures, _) = users::account_failures(db, email, since).await?;
    if let Some(gap) = throttle::account_slowdown(failures, known) {
        let gate = unit_of_work!(db, clock, &anonymous, |uow| {
            uow.counters_only("sign-in throttle");
            let now = uow.now();
            users::pass_gate(uow.tx(), email, now, gap).await?
        })?;
        if let Err((opens_at, refusals)) = gate {
            if refusals == 1 {
                record_refusal(db, clock, &anonymous, email, address, account, "slowed_down", false).await?;
            }
            let wait = (opens_at - clock.now()).num_seconds().max(1);
            return Err(SignInError::Throttled(wait));
        }
    }
    let (pair_key, address_key) = throttle_keys(email, address);
    let address_key = address_key.filter(|_| !known);
    let (pair, counted_address) = count_attempt(db, clock, &anonymous, &pair_key, address_key.as_deref()).await?;
    if let Some(refused) = throttle::judge(pair, counted_address, clock.now()) {
        if refused.first_of_burst {
            record_refusal(db, clock, &anonymous, email, address, account, "throttled", false).await?;
        }
        return Err(SignInError::Throttled(refused.retry_after.num_seconds().max(1)));
    }
    let stored = found
        .as_ref()
        .map_or(decoy_hash().to_string(), |(_, hash)| hash.clone());
    let matches = credentials::verify_password_blocking(password.to_string(), stored.clone()).await;
    let account = match (found, matches) {
        (Some((account, _)), true) => account,
        (found, _) => {
            let reason = if found.is_some() {
                "wrong_password"
            } else {
                "unknown_email"
            };
            let account = found.as_ref().map(|f| &f.0);
            record_refusal(db, clock, &anonymous, email, address, account, reason, true).await?;
            return Err(SignInError::BadCredentials);
        }
    };
    let Some(identity) = users::active_identity(db, account.id).await? else {
        record_refusal(
            db,
            clock,
            &anonymous,
            email,
            address,
            Some(&account),
            "not_active",
            false,
        )
        .await?;
        return Err(SignInError::NotActive);
    };
    let ctx = AuditContext::person(&identity, client_ip.map(str::to_string));
    let committed = unit_of_work!(db, clock, &ctx, |uow| {
        // The password or the account may have changed while argon2 ran: then nothing happens.
        let (hash, status) = users::lock_credentials(uow.tx(), account.id).await?;
        if hash != stored || status != OrganizationStatus::Active.as_str() {
            uow.counters_only("sign-in overtaken by a change of the account");
            false
        } else {
            let now = uow.now();
            users::record_sign_in(uow.tx(), account.id, now).await?;
            // This attempt is taken back; the other addresses' counts stay as they are.
            users::uncount_attempt(uow.tx(), &pair_key).await?;
            if let Some(key) = &address_key {
                users::uncount_attempt(uow.tx(), key).await?;
            }
            users::clear_sign_in_failures(uow.tx(), email, address).await?;
            if let Some(address) = address {
                users::remember_address(uow.tx(), email, address, now).await?;
            }
            users::purge_expired_throttle(uow.tx(), now - throttle::window()).await?;
            if let Some(browser) = &browser {
                // The session the browser had (whoever's) ends: a copy of its cookie is worthless.
                if let Some(previous) = browser.previous {
                    sessions::end(uow.tx(), previous, now).await?;
                }
                sessions::insert(uow.tx(), browser.new, account.id, now).await?;
                sessions::purge(uow.tx(), now - SESSIONS_KEPT).await?;
            }
            uow.record(account_event("account.signed_in", &account));
            true
        }
    })?;
    if !committed {
        return Err(SignInError::BadCredentials);
    }
    Ok(identity)
}

/// How long ended and idle sessions are kept before they are purged (far beyond any idle limit).
const SESSIONS_KEPT: Duration = Duration::days(7);

/// Ends a browser session (the one whose secret hashes to `session`).
pub async fn record_sign_out(
    db: &Db,
    clock: &dyn Clock,
    ctx: &AuditContext,
    who: &Identity,
    session: Option<&str>,
) -> Result<(), ServiceError> {
    let event = NewEvent::new("account.signed_out", "account", who.user_id).organization(who.organization_id.0);
    unit_of_work!(db, clock, ctx, |uow| {
        if let Some(session) = session {
            let now = uow.now();
            sessions::end(uow.tx(), session, now).await?;
        }
        uow.record(event.clone());
    })
}

/// Ends every browser session of `who`, on every device; how many were live.
pub async fn sign_out_everywhere(
    db: &Db,
    clock: &dyn Clock,
    ctx: &AuditContext,
    who: &Identity,
) -> Result<u64, ServiceError> {
    unit_of_work!(db, clock, ctx, |uow| {
        let now = uow.now();
        let ended = sessions::end_all(uow.tx(), who.user_id, now).await?;
        let event = NewEvent::new("account.signed_out_everywhere", "account", who.user_id)
            .organization(who.organization_id.0)
            .payload(json!({"sessions_ended": ended}));
        uow.record(event);
        ended
    })
}

/// The live session whose secret hashes to `session`: whose, if it has not ended, gone idle
/// (`idle`) or outlived `lifetime`. Its last use is noted at most once a minute.
pub async fn session_owner(
    db: &Db,
    clock: &dyn Clock,
    session: &str,
    idle: Duration,
    lifetime: Duration,
) -> Result<Option<UserId>, ServiceError> {
    let now = clock.now();
    let Some(live) = sessions::find_live(db, session, now - idle, now - lifetime).await? else {
        return Ok(None);
    };
    if now - live.seen_at >= Duration::minutes(1) {
        let system = AuditContext::system();
        let touched = unit_of_work!(db, clock, &system, |uow| {
            uow.counters_only("session last seen");
            sessions::touch(uow.tx(), session, now).await?;
        });
        // The lookup proved the session live; a busy database must not sign its user out.
        if let Err(e) = touched {
            log::warn!("session last-seen not recorded: {e}");
        }
    }
    Ok(Some(live.user))
}

/// Issues a bearer token for `who`, valid for `lifetime`. The token is shown once; only its
/// hash is kept.
pub async fn issue_token(
    db: &Db,
    clock: &dyn Clock,
    ctx: &AuditContext,
    who: &Identity,
    lifetime: Duration,
) -> Result<(String, DateTime<Utc>), ServiceError> {
    let token = random_token();
    let hash = token_hash(&token);
    let expires_at = unit_of_work!(db, clock, ctx, |uow| {
        let now = uow.now();
        let expires_at = now + lifetime;
        let id = users::insert_token(uow.tx(), who.user_id, &hash, now, expires_at).await?;
        let event = NewEvent::new("token.issued", "account", who.user_id)
            .organization(who.organization_id.0)
            .payload(json!({"token_id": id.to_string(), "expires_at": expires_at}));
        uow.record(event);
        expires_at
    })?;
    Ok((token, expires_at))
}

/// The identity behind a live token of an active account.
pub async fn identity_for_token(db: &Db, clock: &dyn Clock, token: &str) -> Result<Option<Identity>, StoreError> {
    users::token_identity(db, &token_hash(token), clock.now()).await
}

/// Revokes a token; whether it was live.
pub async fn revoke_token(db: &Db, clock: &dyn Clock, ctx: &AuditContext, token: &str) -> Result<bool, ServiceError> {
    let hash = token_hash(token);
    unit_of_work!(db, clock, ctx, |uow| {
        let now = uow.now();
        match users::revoke_token(uow.tx(), &hash, now).await? {
            Some((id, user)) => {
                let event = NewEvent::new("token.revoked", "account", user)
                    .organization(ctx.actor.organization_id.unwrap_or_default())
                    .payload(json!({"token_id": id.to_string()}));
                uow.record(event);
                true
            }
            // Nothing changed: nothing to record.
            None => {
                uow.counters_only("nothing revoked");
                false
            }
        }
    })
}

/// Activates or deactivates an account. An administrator cannot deactivate themselves (the
/// platform would lose its last way in).
pub async fn set_status(
    db: &Db,
    clock: &dyn Clock,
    ctx: &AuditContext,
    actor: &Identity,
    id: UserId,
    status: OrganizationStatus,
) -> Result<Account, ServiceError> {
    if actor.user_id == id && status != OrganizationStatus::Active {
        let mut v = Violations::new();
        v.add("status", "not_self");
        return Err(ServiceError::Invalid(v));
    }
    unit_of_work!(db, clock, ctx, |uow| {
        let now = uow.now();
        let before = users::set_status(uow.tx(), id, status, now).await?;
        // A deactivated account's sessions end with it.
        let ended = match status {
            OrganizationStatus::Active => 0,
            _ => sessions::end_all(uow.tx(), id, now).await?,
        };
        let account = users::find(&mut uow, id).await?;
        let event = account_event("account.status_changed", &account).payload(json!({
            "before": {"status": before}, "after": {"status": status.as_str()}, "sessions_ended": ended,
        }));
        uow.record(event);
        account
    })
}

/// Sets a new password (at least 12 characters) and revokes the account's tokens.
pub async fn reset_password(
    db: &Db,
    clock: &dyn Clock,
    ctx: &AuditContext,
    id: UserId,
    password: &str,
) -> Result<(), ServiceError> {
    let mut v = Violations::new();
    check_password(&mut v, "password", password);
    v.into_result().map_err(ServiceError::Invalid)?;
    let hash = credentials::hash_password_blocking(password.to_string())
        .await
        .map_err(hashing_failed)?;
    unit_of_work!(db, clock, ctx, |uow| {
        let now = uow.now();
        let revoked = users::set_password(uow.tx(), id, &hash, now).await?;
        let ended = sessions::end_all(uow.tx(), id, now).await?;
        let account = users::find(&mut uow, id).await?;
        // Never the password, nor its hash: only that it changed.
        let event = account_event("account.password_reset", &account)
            .payload(json!({"tokens_revoked": revoked, "sessions_ended": ended}));
        uow.record(event);
    })
}
