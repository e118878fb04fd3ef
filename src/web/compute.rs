//! Admission to the public computations (the finance API and the model pages): at most a few
//! run at once, on the blocking pool, so the async workers keep serving everyone else; an
//! anonymous address may start only so many a minute. The limits are per app instance, in
//! memory: a computation writes nothing, and several instances each keep their own share.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rocket::http::Status;
use rocket::request::{FromRequest, Outcome, Request};
use rocket::tokio::sync::Semaphore;

use crate::web::AppState;
use crate::web::api_error::ApiError;
use crate::web::auth::MaybeUser;

/// Computations an anonymous address may start in a minute.
pub const ANONYMOUS_PER_MINUTE: u32 = 30;
/// How long a computation waits for a free slot before the answer is "busy, retry" (503).
const SLOT_WAIT: Duration = Duration::from_secs(10);
/// Addresses remembered at most; older windows are dropped first.
const ADDRESSES_KEPT: usize = 10_000;

/// The slots and the anonymous addresses' counts.
pub struct ComputeGate {
    slots: Semaphore,
    anonymous: Mutex<HashMap<String, (Instant, u32)>>,
}

impl ComputeGate {
    /// One slot per core but one, which stays with the async workers (at least one slot).
    pub fn for_this_machine() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        ComputeGate {
            slots: Semaphore::new(cores.saturating_sub(1).max(1)),
            anonymous: Mutex::new(HashMap::new()),
        }
    }

    /// Counts an anonymous address's computation; how long until it may start another when
    /// it is over its minute's allowance.
    fn admit_anonymous(&self, address: &str, now: Instant) -> Result<(), Duration> {
        let mut counts = self.anonymous.lock().unwrap_or_else(|p| p.into_inner());
        let window = Duration::from_secs(60);
        if counts.len() >= ADDRESSES_KEPT {
            counts.retain(|_, (start, _)| now.duration_since(*start) < window);
        }
        let entry = counts.entry(address.to_string()).or_insert((now, 0));
        if now.duration_since(entry.0) >= window {
            *entry = (now, 0);
        }
        if entry.1 >= ANONYMOUS_PER_MINUTE {
            return Err(window.saturating_sub(now.duration_since(entry.0)));
        }
        entry.1 += 1;
        Ok(())
    }

    /// Runs `work` on the blocking pool once a slot is free.
    pub async fn run<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> Result<T, ApiError> {
        let slot = rocket::tokio::time::timeout(SLOT_WAIT, self.slots.acquire())
            .await
            .map_err(|_| busy())?
            .map_err(|_| busy())?;
        let done = rocket::tokio::task::spawn_blocking(work)
            .await
            .map_err(|_| ApiError::for_status(Status::InternalServerError));
        drop(slot);
        done
    }
}

fn busy() -> ApiError {
    ApiError::for_status(Status::ServiceUnavailable)
}

/// A caller admitted to start a computation: signed in, or an anonymous address within its
/// allowance (429 with `Retry-After` otherwise), decided before the body is read.
pub struct ComputeTicket;

#[rocket::async_trait]
impl<'r> FromRequest<'r> for ComputeTicket {
    type Error = ApiError;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, ApiError> {
        let signed_in = matches!(req.guard::<MaybeUser>().await, Outcome::Success(MaybeUser(Some(_))));
        let Some(app) = req.rocket().state::<AppState>() else {
            return Outcome::Success(ComputeTicket);
        };
        if signed_in {
            return Outcome::Success(ComputeTicket);
        }
        let address = req.client_ip().map_or_else(|| "-".to_string(), |ip| ip.to_string());
        match app.compute.admit_anonymous(&address, Instant::now()) {
            Ok(()) => Outcome::Success(ComputeTicket),
            Err(wait) => {
                let mut error = ApiError::for_status(Status::TooManyRequests);
                error.retry_after = Some(i64::try_from(wait.as_secs()).unwrap_or(60).max(1));
                req.local_cache(|| Some(error.clone()));
                Outcome::Error((Status::TooManyRequests, error))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_anonymous_address_gets_its_minute_allowance_then_waits() {
        let gate = ComputeGate::for_this_machine();
        let start = Instant::now();
        for _ in 0..ANONYMOUS_PER_MINUTE {
            assert_eq!(gate.admit_anonymous("203.0.113.9", start), Ok(()));
        }
        let later = start + Duration::from_secs(20);
        assert_eq!(gate.admit_anonymous("203.0.113.9", later), Err(Duration::from_secs(40)));
        assert_eq!(gate.admit_anonymous("198.51.100.1", later), Ok(()), "another address");
        assert_eq!(
            gate.admit_anonymous("203.0.113.9", start + Duration::from_secs(60)),
            Ok(())
        );
    }
}
