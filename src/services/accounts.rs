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
use crate::storage::users::{self, Account};
use crate::storage::{Db, StoreError, Tx, audit, organizations};

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

fn hashing_failed(e: credentials::CredentialError) -> ServiceError {
    ServiceError::Store(StoreError::Database(e.to_string()))
}

fn account_event(action: &'static str, account: &Account) -> NewEvent {
    NewEvent::new(action, "account", account.id).organization(account.organization_id.0)
}

async fn insert_account(
    tx: &mut Tx,
    clock: &dyn Clock,
    ctx: &AuditContext,
    organization: &Organization,
    new: &NewAccount,
    status: OrganizationStatus,
    action: &'static str,
) -> Result<Account, ServiceError> {
    new.validate(organization.kind).map_err(ServiceError::Invalid)?;
    let hash = credentials::hash_password_blocking(new.password.clone())
        .await
        .map_err(hashing_failed)?;
    let account = match users::insert(tx, organization.id, new, &hash, status, clock.now()).await {
        Ok(account) => account,
        Err(StoreError::Conflict(c)) => return Err(ServiceError::Duplicate(duplicate_field(&c))),
        Err(e) => return Err(e.into()),
    };
    let roles: Vec<&str> = account.roles.iter().map(|r| r.as_str()).collect();
    let event = account_event(action, &account).payload(json!({"after": {
        "email": account.email, "full_name": account.full_name, "organization_id": account.organization_id,
        "roles": roles, "chair": account.chair, "status": account.status.as_str(),
    }}));
    audit::append(tx, ctx, event, clock.now()).await?;
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
    let org = organizations::find(db, organization).await?;
    let mut tx = db.begin_write().await?;
    let account = insert_account(
        &mut tx,
        clock,
        ctx,
        &org,
        new,
        OrganizationStatus::Active,
        "account.created",
    )
    .await?;
    tx.commit().await?;
    Ok(account)
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

    let mut tx = db.begin_write().await?;
    let pending = OrganizationStatus::Pending;
    let org = match insert_checked(&mut tx, clock, ctx, company, pending, "organization.registered").await {
        Err(ServiceError::Duplicate("inn")) => return Err(ServiceError::Duplicate("company.inn")),
        other => other?,
    };
    let bidder = NewAccount {
        roles: vec![Role::Bidder],
        chair: false,
        ..representative.clone()
    };
    let account = match insert_account(&mut tx, clock, ctx, &org, &bidder, pending, "account.registered").await {
        Err(ServiceError::Duplicate("email")) => return Err(ServiceError::Duplicate("account.email")),
        other => other?,
    };
    tx.commit().await?;
    Ok((org, account))
}

/// Records a refused sign-in (and counts it, when it is a failure the throttle must see).
async fn record_refusal(
    db: &Db,
    clock: &dyn Clock,
    ctx: &AuditContext,
    email: &str,
    account: Option<&Account>,
    reason: &str,
    counts: bool,
) -> Result<(), StoreError> {
    let now = clock.now();
    let mut tx = db.begin_write().await?;
    if counts {
        users::add_sign_in_failure(&mut tx, email, ctx.client_address.as_deref(), now).await?;
    }
    let event = match account {
        Some(account) => account_event("account.sign_in_failed", account),
        None => NewEvent::new("account.sign_in_failed", "sign_in", email_key(email)),
    }
    .payload(json!({"email": email_key(email), "reason": reason}));
    audit::append(&mut tx, ctx, event, now).await?;
    tx.commit().await
}

/// Checks a sign-in: throttled first, then the password (argon2 off the async threads).
/// Failures are counted in the database, so every app instance sees them; every outcome is an
/// audit event.
pub async fn sign_in(
    db: &Db,
    clock: &dyn Clock,
    email: &str,
    password: &str,
    client_ip: Option<&str>,
) -> Result<Identity, SignInError> {
    let now = clock.now();
    let anonymous = AuditContext::anonymous(client_ip.map(str::to_string));
    let recent = users::recent_failures(db, email, client_ip, now - throttle::window()).await?;
    let found = users::find_for_sign_in(db, email).await?;
    if let Some(wait) = throttle::refusal(recent, now) {
        record_refusal(
            db,
            clock,
            &anonymous,
            email,
            found.as_ref().map(|f| &f.0),
            "throttled",
            false,
        )
        .await?;
        return Err(SignInError::Throttled(wait.num_seconds()));
    }
    let stored = found
        .as_ref()
        .map_or(decoy_hash().to_string(), |(_, hash)| hash.clone());
    let matches = credentials::verify_password_blocking(password.to_string(), stored).await;
    let account = match (found, matches) {
        (Some((account, _)), true) => account,
        (found, _) => {
            let reason = if found.is_some() {
                "wrong_password"
            } else {
                "unknown_email"
            };
            record_refusal(db, clock, &anonymous, email, found.as_ref().map(|f| &f.0), reason, true).await?;
            return Err(SignInError::BadCredentials);
        }
    };
    let Some(identity) = users::active_identity(db, account.id).await? else {
        record_refusal(db, clock, &anonymous, email, Some(&account), "not_active", false).await?;
        return Err(SignInError::NotActive);
    };
    let ctx = AuditContext::person(&identity, client_ip.map(str::to_string));
    let mut tx = db.begin_write().await?;
    users::record_sign_in(&mut tx, account.id, now).await?;
    users::clear_sign_in_failures(&mut tx, email).await?;
    audit::append(&mut tx, &ctx, account_event("account.signed_in", &account), now).await?;
    tx.commit().await?;
    Ok(identity)
}

/// Records that a browser session ended.
pub async fn record_sign_out(db: &Db, clock: &dyn Clock, ctx: &AuditContext, who: &Identity) -> Result<(), StoreError> {
    let event = NewEvent::new("account.signed_out", "account", who.user_id).organization(who.organization_id.0);
    let mut tx = db.begin_write().await?;
    audit::append(&mut tx, ctx, event, clock.now()).await?;
    tx.commit().await
}

/// Issues a bearer token for `who`, valid for `lifetime`. The token is shown once; only its
/// hash is kept.
pub async fn issue_token(
    db: &Db,
    clock: &dyn Clock,
    ctx: &AuditContext,
    who: &Identity,
    lifetime: Duration,
) -> Result<(String, DateTime<Utc>), StoreError> {
    let token = random_token();
    let now = clock.now();
    let expires_at = now + lifetime;
    let mut tx = db.begin_write().await?;
    let id = users::insert_token(&mut tx, who.user_id, &token_hash(&token), now, expires_at).await?;
    let event = NewEvent::new("token.issued", "account", who.user_id)
        .organization(who.organization_id.0)
        .payload(json!({"token_id": id.to_string(), "expires_at": expires_at}));
    audit::append(&mut tx, ctx, event, now).await?;
    tx.commit().await?;
    Ok((token, expires_at))
}

/// The identity behind a live token of an active account.
pub async fn identity_for_token(db: &Db, clock: &dyn Clock, token: &str) -> Result<Option<Identity>, StoreError> {
    match users::token_owner(db, &token_hash(token), clock.now()).await? {
        Some(user) => users::active_identity(db, user).await,
        None => Ok(None),
    }
}

/// Revokes a token; whether it was live.
pub async fn revoke_token(db: &Db, clock: &dyn Clock, ctx: &AuditContext, token: &str) -> Result<bool, StoreError> {
    let now = clock.now();
    let mut tx = db.begin_write().await?;
    let Some((id, user)) = users::revoke_token(&mut tx, &token_hash(token), now).await? else {
        return Ok(false);
    };
    let event = NewEvent::new("token.revoked", "account", user)
        .organization(ctx.actor.organization_id.unwrap_or_default())
        .payload(json!({"token_id": id.to_string()}));
    audit::append(&mut tx, ctx, event, now).await?;
    tx.commit().await?;
    Ok(true)
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
    let account = users::find(db, id).await?;
    let mut tx = db.begin_write().await?;
    let before = users::set_status(&mut tx, id, status, clock.now()).await?;
    let event = account_event("account.status_changed", &account)
        .payload(json!({"before": {"status": before}, "after": {"status": status.as_str()}}));
    audit::append(&mut tx, ctx, event, clock.now()).await?;
    tx.commit().await?;
    Ok(users::find(db, id).await?)
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
    let account = users::find(db, id).await?;
    let hash = credentials::hash_password_blocking(password.to_string())
        .await
        .map_err(hashing_failed)?;
    let mut tx = db.begin_write().await?;
    let revoked = users::set_password(&mut tx, id, &hash, clock.now()).await?;
    // Never the password, nor its hash: only that it changed.
    let event = account_event("account.password_reset", &account).payload(json!({"tokens_revoked": revoked}));
    audit::append(&mut tx, ctx, event, clock.now()).await?;
    tx.commit().await?;
    Ok(())
}
