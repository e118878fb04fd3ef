//! The sign-in throttle: after five failed sign-ins for one account or from one client address
//! within fifteen minutes, further attempts are refused until the window has passed.

use chrono::{DateTime, Duration, Utc};

pub const MAX_FAILURES: i64 = 5;

pub fn window() -> Duration {
    Duration::minutes(15)
}

/// Failed attempts inside the window, counted per account and per address, with the earliest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecentFailures {
    pub by_account: i64,
    pub by_address: i64,
    pub first_by_account: Option<DateTime<Utc>>,
    pub first_by_address: Option<DateTime<Utc>>,
}

/// `Some(wait)` when the attempt must be refused, with how long until the next may be made.
pub fn refusal(failures: RecentFailures, now: DateTime<Utc>) -> Option<Duration> {
    let wait_for = |count: i64, first: Option<DateTime<Utc>>| {
        (count >= MAX_FAILURES).then(|| first.map_or(window(), |f| f + window() - now).max(Duration::seconds(1)))
    };
    let by_account = wait_for(failures.by_account, failures.first_by_account);
    let by_address = wait_for(failures.by_address, failures.first_by_address);
    by_account.into_iter().chain(by_address).max()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn the_sixth_attempt_waits_for_the_window() {
        let now = Utc.with_ymd_and_hms(2026, 11, 28, 6, 0, 0).unwrap();
        let five = RecentFailures {
            by_account: 5,
            by_address: 1,
            first_by_account: Some(now - Duration::minutes(10)),
            first_by_address: Some(now - Duration::minutes(1)),
        };
        assert_eq!(refusal(five, now), Some(Duration::minutes(5)));
        let four = RecentFailures { by_account: 4, ..five };
        assert_eq!(refusal(four, now), None);
        let by_address = RecentFailures {
            by_account: 0,
            by_address: 7,
            first_by_account: None,
            first_by_address: Some(now - Duration::minutes(14)),
        };
        assert_eq!(refusal(by_address, now), Some(Duration::minutes(1)));
    }
}
