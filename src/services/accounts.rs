//! Accounts: creation, sign-in with throttling, API tokens, activation and password resets.

use chrono::{DateTime, Duration, Utc};

use crate::clock::Clock;
use crate::credentials::{self, decoy_hash, random_token, token_hash};
use crate::domain::access::{Identity, Role};
use crate::domain::account::{NewAccount, check_password};
use crate::domain::ids::{OrgId, UserId};
use crate::domain::organization::{NewOrganization, Organization, OrganizationStatus};
use crate::domain::throttle;
use crate::domain::validation::Violations;
use crate::services::ServiceError;
use crate::services::organizations::{duplicate_field, insert_checked};
use crate::storage::users::{self, Account};
use crate::storage::{Db, StoreError, Tx, organizations};

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

async fn insert_account(
    tx: &mut Tx,
    clock: &dyn Clock,
    organization: &Organization,
    new: &NewAccount,
    status: OrganizationStatus,
) -> Result<Account, ServiceError> {
    new.validate(organization.kind).map_err(ServiceError::Invalid)?;
    let hash = credentials::hash_password_blocking(new.password.clone())
        .await
        .map_err(hashing_failed)?;
    match users::insert(tx, organization.id, new, &hash, status, clock.now()).await {
        Ok(account) => Ok(account),
        Err(StoreError::Conflict(c)) => Err(ServiceError::Duplicate(duplicate_field(&c))),
        Err(e) => Err(e.into()),
    }
}

/// Creates an active account in an existing organisation (an administrator's act).
pub async fn create(
    db: &Db,
    clock: &dyn Clock,
    organization: OrgId,
    new: &NewAccount,
) -> Result<Account, ServiceError> {
    let org = organizations::find(db, organization).await?;
    let mut tx = db.begin_write().await?;
    let account = insert_account(&mut tx, clock, &org, new, OrganizationStatus::Active).await?;
    tx.commit().await?;
    Ok(account)
}

/// A company registers itself and its representative's bidder account; both stay pending until
/// an administrator activates them.
pub async fn register_company(
    db: &Db,
    clock: &dyn Clock,
    company: &NewOrganization,
    representative: &NewAccount,
) -> Result<(Organization, Account), ServiceError> {
    // Both halves are checked before anything is written, so every problem is reported at once.
    let mut violations = Violations::new();
    if company.kind != crate::domain::organization::OrganizationKind::Company {
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
    let org = match insert_checked(&mut tx, clock, company, OrganizationStatus::Pending).await {
        Err(ServiceError::Duplicate("inn")) => return Err(ServiceError::Duplicate("company.inn")),
        other => other?,
    };
    let bidder = NewAccount {
        roles: vec![Role::Bidder],
        chair: false,
        ..representative.clone()
    };
    let account = match insert_account(&mut tx, clock, &org, &bidder, OrganizationStatus::Pending).await {
        Err(ServiceError::Duplicate(field)) => {
            return Err(ServiceError::Duplicate(if field == "email" {
                "account.email"
            } else {
                field
            }));
        }
        other => other?,
    };
    tx.commit().await?;
    Ok((org, account))
}

/// Checks a sign-in: throttled first, then the password (argon2 off the async threads).
/// Failures are counted in the database, so every app instance sees them.
pub async fn sign_in(
    db: &Db,
    clock: &dyn Clock,
    email: &str,
    password: &str,
    client_ip: Option<&str>,
) -> Result<Identity, SignInError> {
    let now = clock.now();
    let recent = users::recent_failures(db, email, client_ip, now - throttle::window()).await?;
    if let Some(wait) = throttle::refusal(recent, now) {
        return Err(SignInError::Throttled(wait.num_seconds()));
    }
    let found = users::find_for_sign_in(db, email).await?;
    let stored = found
        .as_ref()
        .map_or(decoy_hash().to_string(), |(_, hash)| hash.clone());
    let matches = credentials::verify_password_blocking(password.to_string(), stored).await;
    let account = match (found, matches) {
        (Some((account, _)), true) => account,
        _ => {
            let mut tx = db.begin_write().await?;
            users::add_sign_in_failure(&mut tx, email, client_ip, now).await?;
            tx.commit().await?;
            return Err(SignInError::BadCredentials);
        }
    };
    let identity = users::active_identity(db, account.id)
        .await?
        .ok_or(SignInError::NotActive)?;
    let mut tx = db.begin_write().await?;
    users::record_sign_in(&mut tx, account.id, now).await?;
    users::clear_sign_in_failures(&mut tx, email).await?;
    tx.commit().await?;
    Ok(identity)
}

/// Issues a bearer token for `user`, valid for `lifetime`. The token is shown once; only its
/// hash is kept.
pub async fn issue_token(
    db: &Db,
    clock: &dyn Clock,
    user: UserId,
    lifetime: Duration,
) -> Result<(String, DateTime<Utc>), StoreError> {
    let token = random_token();
    let now = clock.now();
    let expires_at = now + lifetime;
    let mut tx = db.begin_write().await?;
    users::insert_token(&mut tx, user, &token_hash(&token), now, expires_at).await?;
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
pub async fn revoke_token(db: &Db, clock: &dyn Clock, token: &str) -> Result<bool, StoreError> {
    let mut tx = db.begin_write().await?;
    let revoked = users::revoke_token(&mut tx, &token_hash(token), clock.now()).await?;
    tx.commit().await?;
    Ok(revoked)
}

/// Activates or deactivates an account. An administrator cannot deactivate themselves (the
/// platform would lose its last way in).
pub async fn set_status(
    db: &Db,
    clock: &dyn Clock,
    actor: &Identity,
    id: UserId,
    status: OrganizationStatus,
) -> Result<Account, ServiceError> {
    if actor.user_id == id && status != OrganizationStatus::Active {
        let mut v = Violations::new();
        v.add("status", "not_self");
        return Err(ServiceError::Invalid(v));
    }
    let mut tx = db.begin_write().await?;
    users::set_status(&mut tx, id, status, clock.now()).await?;
    tx.commit().await?;
    Ok(users::find(db, id).await?)
}

/// Sets a new password (at least 12 characters) and revokes the account's tokens.
pub async fn reset_password(db: &Db, clock: &dyn Clock, id: UserId, password: &str) -> Result<(), ServiceError> {
    let mut v = Violations::new();
    check_password(&mut v, "password", password);
    v.into_result().map_err(ServiceError::Invalid)?;
    users::find(db, id).await?;
    let hash = credentials::hash_password_blocking(password.to_string())
        .await
        .map_err(hashing_failed)?;
    let mut tx = db.begin_write().await?;
    users::set_password(&mut tx, id, &hash, clock.now()).await?;
    tx.commit().await?;
    Ok(())
}
