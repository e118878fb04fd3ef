//! The operations of the product. Each runs in one database transaction, reads the time from the
//! injected clock, and is what both the web routes and the fixture loader call.

pub mod accounts;
pub mod award;
pub mod award_proposal;
pub mod bid_access;
pub mod bid_documents;
pub mod bid_keys;
pub mod bid_opening;
pub mod bids;
pub mod blob_collection;
pub mod checkpoints;
pub mod commission;
pub mod complaints;
pub mod compute;
pub mod contracts;
pub mod documents;
pub mod evaluation;
pub mod financial_models;
pub mod holidays;
pub mod organizations;
pub mod project_moves;
pub mod projects;
pub mod review_hold;
pub mod tenders;

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
    /// Forbidden for a reason of the caller's own standing they are told (403); a message id.
    #[error("refused: {0}")]
    Refused(&'static str),
    /// The record's state does not allow the action; the message id and its arguments.
    #[error("invalid transition from {stage} by {action}")]
    InvalidTransition { stage: &'static str, action: &'static str },
    /// A precondition is missing; what is missing.
    #[error("precondition failed: {0:?}")]
    PreconditionFailed(Vec<String>),
    /// An award proposed for a bid other than the top-ranked qualified one (409
    /// `precondition_failed`, naming it).
    #[error("not the top-ranked bid; {0} is")]
    NotTopRanked(String),
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
    /// A bid, replacement, confirmation or withdrawal received at or after the tender's
    /// deadline (409 `deadline_passed`).
    #[error("deadline passed")]
    DeadlinePassed,
    /// The bids are sealed until the opening (409 `sealed`).
    #[error("sealed")]
    Sealed,
    /// The sealing master key this needs is not configured (503, naming it); nothing changed.
    #[error("sealing key {0} missing")]
    KeyMissing(String),
    /// A reviewer holds the tender: every change is refused (409 `review_hold`, with the reason).
    #[error("review hold: {0}")]
    ReviewHold(String),
    #[error(transparent)]
    Store(StoreError),
}

/// The blob store failed (an I/O error): a storage failure, answered 500.
pub(crate) fn blob_store_failed(e: std::io::Error) -> ServiceError {
    ServiceError::Store(StoreError::Database(format!("blob store: {e}")))
}

impl From<StoreError> for ServiceError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => ServiceError::NotFound(what),
            other => ServiceError::Store(other),
        }
    }
}

/// The project if `who` may read it; otherwise it does not exist for them. (Here, not in
/// `projects`, because models and documents read projects too, and approval reads models.)
pub async fn read_project(
    db: &crate::storage::Db,
    who: Option<&crate::domain::access::Identity>,
    id: i64,
) -> Result<crate::storage::projects::Project, ServiceError> {
    let project = crate::storage::projects::find(db, id).await?;
    if crate::domain::policy::may_read_project(who, &project.facts()) {
        Ok(project)
    } else {
        Err(ServiceError::NotFound("project"))
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
        Decision::Refused(message) => Err(ServiceError::Refused(message)),
        Decision::Closed(message) => Err(ServiceError::Conflict(message)),
    }
}

/// Refuses a change to a tender a reviewer holds (409 `review_hold`, with the reviewer's
/// reason): every change to a tender asks, after its permission (see `review_hold`).
pub(crate) fn ensure_not_held(tender: &crate::storage::tenders::Tender) -> Result<(), ServiceError> {
    match &tender.hold {
        Some(hold) => Err(ServiceError::ReviewHold(hold.reason.clone())),
        None => Ok(()),
    }
}

/// Runs `$body` in a fresh [`UnitOfWork`](crate::storage::unit_of_work::UnitOfWork) bound to `$uow` and commits it; the body's `?`
/// rolls back. On a serialization failure or a deadlock the whole operation (the body
/// included) runs again, up to [`MAX_RETRIES`](crate::storage::unit_of_work::MAX_RETRIES) times, so a user never sees one. The value is
/// `Result<T, ServiceError>`.
///
/// ```ignore
/// let project = unit_of_work!(db, clock, ctx, |uow| {
///     let project = projects::lock(uow.tx(), id).await?;
///     /* decide with the pure rules, write through uow.tx() */
///     uow.record(NewEvent::new("project.updated", "project", id));
///     project
/// })?;
/// ```
macro_rules! unit_of_work {
    // As below, answering `(value, receipts)`: the receipt of each event the work recorded, for
    // operations that hand their caller a receipt (a sealed bid's).
    ($db:expr, $clock:expr, $ctx:expr, receipts |$uow:ident| $body:expr) => {
        $crate::services::unit_of_work!(@run $db, $clock, $ctx, |$uow| $body,
            |value, events| (value, events.iter().map(|e| e.receipt()).collect::<Vec<_>>()))
    };
    ($db:expr, $clock:expr, $ctx:expr, |$uow:ident| $body:expr) => {
        $crate::services::unit_of_work!(@run $db, $clock, $ctx, |$uow| $body, |value, _events| value)
    };
    (@run $db:expr, $clock:expr, $ctx:expr, |$uow:ident| $body:expr, |$value:ident, $events:ident| $answer:expr) => {{
        let mut attempt: u32 = 0;
        loop {
            let outcome: ::std::result::Result<_, $crate::services::ServiceError> = async {
                #[allow(unused_mut)]
                let mut $uow = $crate::storage::unit_of_work::UnitOfWork::begin($db, $clock, $ctx).await?;
                let $value = $body;
                #[allow(unused_variables)]
                let $events = $uow.commit().await?;
                Ok($answer)
            }
            .await;
            match outcome {
                Err(e) if e.is_contention() && attempt < $crate::storage::unit_of_work::MAX_RETRIES => {
                    attempt += 1;
                    $crate::storage::unit_of_work::back_off(attempt).await;
                }
                other => break other,
            }
        }
    }};
}
pub(crate) use unit_of_work;
