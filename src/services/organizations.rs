//! Creating and reading organisations.

use crate::clock::Clock;
use crate::domain::organization::{NewOrganization, Organization};
use crate::services::ServiceError;
use crate::storage::{Db, StoreError, organizations};

/// Creates an active organisation after checking its fields.
pub async fn create(db: &Db, clock: &dyn Clock, new: &NewOrganization) -> Result<Organization, ServiceError> {
    new.validate().map_err(ServiceError::Invalid)?;
    let mut tx = db.begin_write().await?;
    let created = match organizations::insert(&mut tx, new, clock.now()).await {
        Ok(org) => org,
        Err(StoreError::Conflict(constraint)) => {
            return Err(ServiceError::Duplicate(if constraint.contains("inn") {
                "inn"
            } else {
                "code"
            }));
        }
        Err(e) => return Err(e.into()),
    };
    tx.commit().await?;
    Ok(created)
}
