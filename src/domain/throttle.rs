//! The sign-in throttle. It must stop guessing without letting anyone lock an owner out (a
//! competitor locking a bidder or the commission chair out an hour before a deadline):
//!
//! - every attempt is counted before the password is checked, atomically, per (account,
//!   address) and per address; the sixth attempt inside a fifteen-minute window from the first
//!   is refused until that window ends. Failures from one address never slow the owner anywhere
//!   else, and a success from one address leaves the other addresses' counts as they are;
//! - against guessing from many addresses, failures of one account across all addresses slow
//!   down addresses the owner never signed in from: from the 20th failure inside the window,
//!   each further attempt from such an address waits 2^(failures − 20) seconds (at most the
//!   window) after the last failure. Addresses the owner signed in from before are never slowed.

use chrono::{DateTime, Duration, Utc};

/// Attempts per (account, address) and per address inside the window.
pub const MAX_ATTEMPTS: i64 = 5;

/// Failures of one account across addresses from which unknown addresses are slowed down.
pub const ACCOUNT_SLOWDOWN_FROM: i64 = 20;

pub fn window() -> Duration {
    Duration::minutes(15)
}

/// A counter after this attempt was counted in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counted {
    /// Attempts in the window, this one included.
    pub attempts: i64,
    pub window_start: DateTime<Utc>,
}

/// Why and for how long an attempt is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttled {
    pub retry_after: Duration,
    /// Whether this is the first refusal of the burst: the one that is audited.
    pub first_of_burst: bool,
}

/// The counters' verdict on an attempt: refused when either is over the limit, for as long as
/// the later of their windows lasts.
pub fn judge(pair: Counted, address: Option<Counted>, now: DateTime<Utc>) -> Option<Throttled> {
    let over: Vec<Counted> = std::iter::once(pair)
        .chain(address)
        .filter(|c| c.attempts > MAX_ATTEMPTS)
        .collect();
    let retry_after = over
        .iter()
        .map(|c| c.window_start + window() - now)
        .max()?
        .max(Duration::seconds(1));
    Some(Throttled {
        retry_after,
        first_of_burst: over.iter().any(|c| c.attempts == MAX_ATTEMPTS + 1),
    })
}

/// How long an address the owner never signed in from must still wait, given the account's
/// failures across all addresses in the window and the latest of them.
pub fn account_slowdown(
    failures: i64,
    last_failure: Option<DateTime<Utc>>,
    known_address: bool,
    now: DateTime<Utc>,
) -> Option<Duration> {
    if known_address || failures < ACCOUNT_SLOWDOWN_FROM {
        return None;
    }
    let exponent = u32::try_from(failures - ACCOUNT_SLOWDOWN_FROM)
        .unwrap_or(u32::MAX)
        .min(10);
    let gap = Duration::seconds(1_i64 << exponent).min(window());
    let wait = last_failure.map_or(gap, |last| last + gap - now);
    (wait > Duration::zero()).then_some(wait)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 28, 6, 0, 0).unwrap()
    }

    fn counted(attempts: i64, minutes_ago: i64) -> Counted {
        Counted {
            attempts,
            window_start: now() - Duration::minutes(minutes_ago),
        }
    }

    #[test]
    fn the_sixth_attempt_waits_for_the_rest_of_the_window() {
        assert_eq!(judge(counted(5, 10), Some(counted(5, 10)), now()), None);
        assert_eq!(
            judge(counted(6, 10), Some(counted(6, 10)), now()),
            Some(Throttled {
                retry_after: Duration::minutes(5),
                first_of_burst: true
            })
        );
        // Only the first refusal of the burst is audited.
        assert_eq!(
            judge(counted(7, 10), None, now()).map(|t| t.first_of_burst),
            Some(false)
        );
    }

    #[test]
    fn an_address_over_its_limit_is_refused_for_any_account() {
        let refused = judge(counted(1, 0), Some(counted(9, 14)), now()).expect("refused");
        assert_eq!(refused.retry_after, Duration::minutes(1));
        assert!(!refused.first_of_burst);
    }

    #[test]
    fn the_wait_is_never_less_than_a_second() {
        let refused = judge(counted(6, 15), None, now()).expect("refused");
        assert_eq!(refused.retry_after, Duration::seconds(1));
    }

    #[test]
    fn failures_from_many_addresses_slow_unknown_addresses_only() {
        let last = Some(now() - Duration::seconds(1));
        assert_eq!(account_slowdown(19, last, false, now()), None);
        // The 20th failure: one second after the last; the 23rd: eight.
        assert_eq!(account_slowdown(20, last, false, now()), None);
        assert_eq!(account_slowdown(23, last, false, now()), Some(Duration::seconds(7)));
        assert_eq!(account_slowdown(500, last, true, now()), None);
        assert_eq!(
            account_slowdown(500, Some(now()), false, now()),
            Some(Duration::minutes(15))
        );
    }
}
