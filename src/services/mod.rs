//! The operations of the product. Each runs in one database transaction, reads the time from the
//! injected clock, and is what both the web routes and the fixture loader call.

pub mod accounts;
pub mod compute;
pub mod documents;
pub mod financial_models;
pub mod organizations;
pub mod projects;

use crate::domain::policy::Decision;
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
    /// The caller's role or organisation may not do this.
    #[error("forbidden")]
    Forbidden,
    /// The record's state does not allow the action; the message id and its arguments.
    #[error("invalid transition from {stage} by {action}")]
    InvalidTransition { stage: &'static str, action: &'static str },
    /// A precondition is missing; what is missing.
    #[error("precondition failed: {0:?}")]
    PreconditionFailed(Vec<&'static str>),
    /// The record's state forbids the change (e.g. only drafts can be edited); a message id.
    #[error("conflict: {0}")]
    Conflict(&'static str),
    /// An upload whose content is not an accepted file type.
    #[error("unsupported file type")]
    UnsupportedMediaType,
    /// Every computation slot stayed taken while this one waited: retry shortly (503).
    #[error("busy")]
    Busy,
    /// An upload over the size limit.
    #[error("too large")]
    TooLarge,
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

impl ServiceError {
    /// Whether the operation lost a race the engine broke (a serialization failure or a
    /// deadlock) and may simply run again.
    pub fn is_contention(&self) -> bool {
        matches!(self, ServiceError::Store(StoreError::Contention(_)))
    }
}

/// The policy's decision as a service answer: `Ok` when allowed; `what` names the record a
/// hidden one does not exist as.
pub fn permit(decision: Decision, what: &'static str) -> Result<(), ServiceError> {
    match decision {
        Decision::Allowed => Ok(()),
        Decision::Hidden => Err(ServiceError::NotFound(what)),
        Decision::Forbidden => Err(ServiceError::Forbidden),
        Decision::Closed(message) => Err(ServiceError::Conflict(message)),
    }
}
