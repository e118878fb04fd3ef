//! Creating organisations and changing their status; each change with its audit event, in one
//! transaction.

use serde_json::json;

use crate::clock::Clock;
use crate::domain::audit::{AuditContext, NewEvent};
use crate::domain::ids::OrgId;
use crate::domain::organization::{NewOrganization, Organization, OrganizationStatus};
use crate::services::ServiceError;
use crate::storage::{Db, StoreError, Tx, audit, organizations};

/// Which unique field a conflicting insert collided with.
pub(crate) fn duplicate_field(constraint: &str) -> &'static str {
    if constraint.contains("inn") {
        "inn"
    } else if constraint.contains("email") {
        "email"
    } else {
        "code"
    }
}

/// What an organisation's creation event records.
pub(crate) fn created_payload(org: &Organization, new: &NewOrganization) -> serde_json::Value {
    json!({"after": {
        "kind": org.kind.as_str(),
        "status": org.status.as_str(),
        "name": org.name,
        "code": org.code,
        "inn": org.inn,
        "company": new.company,
    }})
}

/// Records an organisation in `status` inside the caller's transaction, after checking it, with
/// its event (`action`).
pub(crate) async fn insert_checked(
    tx: &mut Tx,
    clock: &dyn Clock,
    ctx: &AuditContext,
    new: &NewOrganization,
    status: OrganizationStatus,
    action: &'static str,
) -> Result<Organization, ServiceError> {
    new.validate().map_err(ServiceError::Invalid)?;
    let org = match organizations::insert(tx, new, status, clock.now()).await {
        Ok(org) => org,
        Err(StoreError::Conflict(constraint)) => return Err(ServiceError::Duplicate(duplicate_field(&constraint))),
        Err(e) => return Err(e.into()),
    };
    let event = NewEvent::new(action, "organization", org.id)
        .organization(org.id.0)
        .payload(created_payload(&org, new));
    audit::append(tx, ctx, event, clock.now()).await?;
    Ok(org)
}

/// Creates an active organisation (an administrator's or a fixture's act).
pub async fn create(
    db: &Db,
    clock: &dyn Clock,
    ctx: &AuditContext,
    new: &NewOrganization,
) -> Result<Organization, ServiceError> {
    let mut tx = db.begin_write().await?;
    let created = insert_checked(
        &mut tx,
        clock,
        ctx,
        new,
        OrganizationStatus::Active,
        "organization.created",
    )
    .await?;
    tx.commit().await?;
    Ok(created)
}

/// Activates or deactivates an organisation.
pub async fn set_status(
    db: &Db,
    clock: &dyn Clock,
    ctx: &AuditContext,
    id: OrgId,
    status: OrganizationStatus,
) -> Result<Organization, ServiceError> {
    let mut tx = db.begin_write().await?;
    let (before, changed) = organizations::set_status(&mut tx, id, status, clock.now()).await?;
    let event = NewEvent::new("organization.status_changed", "organization", id)
        .organization(id.0)
        .payload(json!({"before": {"status": before}, "after": {"status": status.as_str()}}));
    audit::append(&mut tx, ctx, event, clock.now()).await?;
    tx.commit().await?;
    Ok(changed)
}
