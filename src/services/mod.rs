//! The operations of the product. Each runs in one database transaction, reads the time from the
//! injected clock, and is what both the web routes and the fixture loader call.

pub mod accounts;
pub mod organizations;

use crate::domain::validation::Violations;
use crate::storage::StoreError;

/// Why an operation was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("invalid input")]
    Invalid(Violations),
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The change would duplicate a unique value; the field it concerns.
    #[error("duplicate {0}")]
    Duplicate(&'static str),
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for ServiceError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => ServiceError::NotFound(what),
            other => ServiceError::Store(other),
        }
    }
}
