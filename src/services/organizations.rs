//! Creating organisations and changing their status; each change with its audit event, in one
//! unit of work.

use serde_json::json;

use crate::clock::Clock;
use crate::domain::audit::{AuditContext, NewEvent};
use crate::domain::ids::OrgId;
use crate::domain::organization::{NewOrganization, Organization, OrganizationStatus};
use crate::services::ServiceError;
use crate::services::unit_of_work;
use crate::storage::unit_of_work::UnitOfWork;
use crate::storage::{Db, StoreError, organizations, sessions};

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
    uow: &mut UnitOfWork<'_>,
    new: &NewOrganization,
    status: OrganizationStatus,
    action: &'static str,
) -> Result<Organization, ServiceError> {
    new.validate().map_err(ServiceError::Invalid)?;
    let now = uow.now();
    let org = match organizations::insert(uow.tx(), new, status, now).await {
        Ok(org) => org,
        Err(StoreError::Conflict(constraint)) => return Err(ServiceError::Duplicate(duplicate_field(&constraint))),
        Err(e) => return Err(e.into()),
    };
    let event = NewEvent::new(action, "organization", org.id)
        .organization(org.id.0)
        .payload(created_payload(&org, new));
    uow.record(event);
    Ok(org)
}

/// Creates an active organisation (an administrator's or a fixture's act).
pub async fn create(
    db: &Db,
    clock: &dyn Clock,
    ctx: &AuditContext,
    new: &NewOrganization,
) -> Result<Organization, ServiceError> {
    unit_of_work!(db, clock, ctx, |uow| {
        insert_checked(&mut uow, new, OrganizationStatus::Active, "organization.created").await?
    })
}

/// Activates or deactivates an organisation.
pub async fn set_status(
    db: &Db,
    clock: &dyn Clock,
    ctx: &AuditContext,
    id: OrgId,
    status: OrganizationStatus,
) -> Result<Organization, ServiceError> {
    unit_of_work!(db, clock, ctx, |uow| {
        let now = uow.now();
        let (before, changed) = organizations::set_status(uow.tx(), id, status, now).await?;
        // Its people's sessions end with it (they would otherwise return on reactivation).
        let ended = match status {
            OrganizationStatus::Active => 0,
            _ => sessions::end_all_of_organization(uow.tx(), id, now).await?,
        };
        let event = NewEvent::new("organization.status_changed", "organization", id)
            .organization(id.0)
            .payload(json!({
                "before": {"status": before}, "after": {"status": status.as_str()}, "sessions_ended": ended,
            }));
        uow.record(event);
        changed
    })
}
