//! The slots heavy computations (model runs, sensitivities, root searches) run in: on the
//! blocking pool, at most one per core but one at a time in this process, so the async workers
//! keep serving everyone else. Whoever computes, the API, a page or a service, goes through here.

use std::sync::LazyLock;
use std::time::Duration;

use rocket::tokio::sync::Semaphore;

use crate::services::ServiceError;

/// How long a computation waits for a free slot before the answer is "busy, retry" (503).
const SLOT_WAIT: Duration = Duration::from_secs(10);

static SLOTS: LazyLock<Semaphore> = LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    Semaphore::new(cores.saturating_sub(1).max(1))
});

/// Runs `work` on the blocking pool once a slot is free; [`ServiceError::Busy`] when none frees
/// up in time.
pub async fn in_slot<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T, ServiceError> {
    let slot = rocket::tokio::time::timeout(SLOT_WAIT, SLOTS.acquire())
        .await
        .map_err(|_| ServiceError::Busy)?
        .map_err(|_| ServiceError::Busy)?;
    let done = rocket::tokio::task::spawn_blocking(work).await;
    drop(slot);
    done.map_err(|e| ServiceError::Store(crate::storage::StoreError::Database(format!("computation failed: {e}"))))
}
