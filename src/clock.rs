//! The one source of "now": every part of the app reads time through a [`Clock`], so tests and
//! fixture replays can move it, and deadlines are compared on the server's clock only.

use std::sync::{Arc, RwLock};

use chrono::{DateTime, Duration, DurationRound, TimeDelta, Utc};

/// Something that tells the current instant in UTC.
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> DateTime<Utc>;
}

/// The clock handle the app keeps in its state and hands to every operation.
pub type SharedClock = Arc<dyn Clock>;

/// Both engines keep microseconds, so "now" is cut to microseconds: a stored time then reads back
/// equal to the one written.
fn to_micros(t: DateTime<Utc>) -> DateTime<Utc> {
    t.duration_trunc(TimeDelta::microseconds(1)).unwrap_or(t)
}

/// The real clock of the machine.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        to_micros(Utc::now())
    }
}

/// A clock that stands still until moved: for tests and for replaying fixture scenarios.
#[derive(Debug)]
pub struct ManualClock {
    now: RwLock<DateTime<Utc>>,
}

impl ManualClock {
    pub fn new(start: DateTime<Utc>) -> Arc<Self> {
        Arc::new(Self {
            now: RwLock::new(to_micros(start)),
        })
    }

    pub fn set(&self, to: DateTime<Utc>) {
        let mut now = self.now.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        *now = to_micros(to);
    }

    pub fn advance(&self, by: Duration) {
        let mut now = self.now.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        *now += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.now.read().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn manual_clock_moves_only_when_told() {
        let start = Utc.with_ymd_and_hms(2026, 11, 28, 6, 0, 0).unwrap();
        let clock = ManualClock::new(start);
        assert_eq!(clock.now(), start);
        clock.advance(Duration::days(7));
        assert_eq!(clock.now(), Utc.with_ymd_and_hms(2026, 12, 5, 6, 0, 0).unwrap());
        clock.set(start);
        assert_eq!(clock.now(), start);
    }

    #[test]
    fn system_clock_keeps_microseconds_only() {
        let now = SystemClock.now();
        assert_eq!(now.timestamp_subsec_nanos() % 1_000, 0);
    }
}
