//! Admission to the public computations (the finance API and the model pages): they run in the
//! computation slots ([`crate::services::compute`]); an anonymous address may start only so many
//! a minute. The limits are per app instance, in memory: a computation writes nothing, and
//! several instances each keep their own share.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rocket::http::Status;
use rocket::request::{FromRequest, Outcome, Request};

use crate::web::AppState;
use crate::web::api_error::ApiError;
use crate::web::auth::MaybeUser;

/// Computations an anonymous address may start in a minute.
pub const ANONYMOUS_PER_MINUTE: u32 = 30;
/// Addresses remembered at most; older windows are dropped first.
const ADDRESSES_KEPT: usize = 10_000;

/// The anonymous addresses' counts (the slots are [`crate::services::compute`]'s).
pub struct ComputeGate {
    anonymous: Mutex<HashMap<String, (Instant, u32)>>,
}

impl ComputeGate {
    pub fn for_this_machine() -> Self {
        ComputeGate {
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
            // Still full of live windows: newcomers share one allowance until some expire.
            if counts.len() >= ADDRESSES_KEPT && !counts.contains_key(address) {
                return self.admit_shared(&mut counts, now, window);
            }
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

    /// The allowance newcomers share while the table of addresses is full.
    fn admit_shared(
        &self,
        counts: &mut HashMap<String, (Instant, u32)>,
        now: Instant,
        window: Duration,
    ) -> Result<(), Duration> {
        let shared = counts.entry("*".to_string()).or_insert((now, 0));
        if now.duration_since(shared.0) >= window {
            *shared = (now, 0);
        }
        if shared.1 >= ANONYMOUS_PER_MINUTE {
            return Err(window.saturating_sub(now.duration_since(shared.0)));
        }
        shared.1 += 1;
        Ok(())
    }

    /// Runs `work` on the blocking pool once a computation slot is free (503 when none frees up).
    pub async fn run<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> Result<T, ApiError> {
        Ok(crate::services::compute::in_slot(work).await?)
    }
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
        // IPv6 by its /64 network, as the sign-in throttle counts it.
        let address = req.client_ip().map_or_else(
            || "-".to_string(),
            |ip| crate::domain::throttle::address_key(&ip.to_string()),
        );
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
