//! The sign-in throttle. It must stop guessing without letting anyone lock an owner out (a
//! competitor locking a bidder or the commission chair out an hour before a deadline):
//!
//! - every attempt is counted before the password is checked, atomically, per (account,
//!   address) and per address; the sixth attempt inside a fifteen-minute window from the first
//!   is refused until that window ends. Failures from one address never slow the owner anywhere
//!   else, and a success from one address leaves the other addresses' counts as they are;
//! - against guessing from many addresses, failures of one account across all addresses slow
//!   down addresses the owner never signed in from: from the 20th failure inside the window, such
//!   addresses share one gate per account that lets an attempt through only every 2^(failures −
//!   20) seconds (at most the window); refusals at the gate do not count against the address.
//!   Addresses the owner signed in from before are never slowed, and their own attempts do not
//!   count against their address either (an office behind one NAT cannot lock its own staff out);
//! - IPv6 addresses count by their /64 network, which one subscriber usually holds whole.

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

/// The gap the account's gate keeps between attempts from addresses the owner never signed in
/// from, given the account's failures across all addresses in the window; `None` below the
/// threshold or for a known address.
pub fn account_slowdown(failures: i64, known_address: bool) -> Option<Duration> {
    if known_address || failures < ACCOUNT_SLOWDOWN_FROM {
        return None;
    }
    let exponent = u32::try_from(failures - ACCOUNT_SLOWDOWN_FROM)
        .unwrap_or(u32::MAX)
        .min(10);
    Some(Duration::seconds(1_i64 << exponent).min(window()))
}

/// The address as the throttle counts it: IPv4 as it is, IPv6 by its /64 network.
pub fn address_key(ip: &str) -> String {
    match ip.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let network = u128::from(v6) & !((1_u128 << 64) - 1);
                format!("{}/64", std::net::Ipv6Addr::from(network))
            }
        },
        Ok(std::net::IpAddr::V4(v4)) => v4.to_string(),
        Err(_) => ip.chars().filter(|c| !c.is_control()).take(64).collect(),
    }
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
        assert_eq!(account_slowdown(19, false), None);
        assert_eq!(account_slowdown(20, false), Some(Duration::seconds(1)));
        assert_eq!(account_slowdown(23, false), Some(Duration::seconds(8)));
        assert_eq!(account_slowdown(500, true), None);
        assert_eq!(account_slowdown(500, false), Some(Duration::minutes(15)));
    }

    #[test]
    fn ipv6_counts_by_its_network() {
        assert_eq!(address_key("2001:db8:1:2:aaaa:bbbb:cccc:dddd"), "2001:db8:1:2::/64");
        assert_eq!(address_key("2001:db8:1:2::1"), address_key("2001:db8:1:2:ffff::9"));
        assert_eq!(address_key("::ffff:203.0.113.7"), "203.0.113.7");
        assert_eq!(address_key("203.0.113.7"), "203.0.113.7");
    }
}
