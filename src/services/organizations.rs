//! Creating organisations and changing their status.

use crate::clock::Clock;
use crate::domain::ids::OrgId;
use crate::domain::organization::{NewOrganization, Organization, OrganizationStatus};
use crate::services::ServiceError;
use crate::storage::{Db, StoreError, Tx, organizations};

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

/// Records an organisation in `status` inside the caller's transaction, after checking it.
pub(crate) async fn insert_checked(
    tx: &mut Tx,
    clock: &dyn Clock,
    new: &NewOrganization,
    status: OrganizationStatus,
) -> Result<Organization, ServiceError> {
    new.validate().map_err(ServiceError::Invalid)?;
    match organizations::insert(tx, new, status, clock.now()).await {
        Ok(org) => Ok(org),
        Err(StoreError::Conflict(constraint)) => Err(ServiceError::Duplicate(duplicate_field(&constraint))),
        Err(e) => Err(e.into()),
    }
}

/// Creates an active organisation (an administrator's or a fixture's act).
pub async fn create(db: &Db, clock: &dyn Clock, new: &NewOrganization) -> Result<Organization, ServiceError> {
    let mut tx = db.begin_write().await?;
    let created = insert_checked(&mut tx, clock, new, OrganizationStatus::Active).await?;
    tx.commit().await?;
    Ok(created)
}

/// Activates or deactivates an organisation.
pub async fn set_status(
    db: &Db,
    clock: &dyn Clock,
    id: OrgId,
    status: OrganizationStatus,
) -> Result<Organization, ServiceError> {
    let mut tx = db.begin_write().await?;
    let changed = organizations::set_status(&mut tx, id, status, clock.now()).await?;
    tx.commit().await?;
    Ok(changed)
}
