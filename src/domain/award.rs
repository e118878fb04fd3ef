//! The award after the evaluation (domain.md section 3, "Award"): when the standstill ends,
//! whether the award may be confirmed at an instant, and who is next when a winner declines.
//! Pure: the clock's time, the procedure and the frozen ranking are given.

use chrono::{DateTime, Utc};

use crate::domain::procedure::{DayCount, Procedure};

/// The standstill's end: the procedure's days (Asia/Bishkek calendar days, divided by the
/// tender's accelerator in demo mode) after the proposal's confirmation.
pub fn standstill_end(
    confirmed_at: DateTime<Utc>,
    procedure: &Procedure,
    days: &DayCount<'_>,
) -> Option<DateTime<Utc>> {
    days.after(confirmed_at, procedure.standstill)
}

/// Why the award may not be confirmed at `now` (a message id), if it may not: an open
/// complaint suspends it; the standstill must be over. (A hold refuses every change before.)
pub fn award_refusal(
    now: DateTime<Utc>,
    standstill_ends: Option<DateTime<Utc>>,
    award_suspended: bool,
) -> Option<&'static str> {
    if award_suspended {
        return Some("error-award-suspended");
    }
    match standstill_ends {
        Some(end) if now >= end => None,
        _ => Some("error-standstill-running"),
    }
}

/// The next bid in the ranking (best first) after those that declined; `None` when every
/// ranked bid has.
pub fn next_in_line<'a>(ranking: &'a [String], declined: &[String]) -> Option<&'a str> {
    ranking.iter().find(|b| !declined.contains(b)).map(String::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::calendar::Holidays;
    use crate::domain::tender::DEADLINE_ZONE;

    #[test]
    fn the_standstill_lasts_the_procedure_s_calendar_days_and_the_award_waits_for_its_end() {
        let holidays = Holidays::default();
        let days = DayCount {
            zone: DEADLINE_ZONE,
            holidays: &holidays,
            accelerator: 1,
        };
        // Confirmed 3 December 2026 at 20:21 in Bishkek: 10 calendar days to 13 December, 20:21.
        let confirmed: DateTime<Utc> = "2026-12-03T14:21:00Z".parse().unwrap();
        let end = standstill_end(confirmed, &Procedure::open(), &days).unwrap();
        assert_eq!(end, "2026-12-13T14:21:00Z".parse::<DateTime<Utc>>().unwrap());
        assert_eq!(
            award_refusal(end - chrono::Duration::microseconds(1), Some(end), false),
            Some("error-standstill-running")
        );
        assert_eq!(award_refusal(end, Some(end), false), None);
        assert_eq!(award_refusal(end, Some(end), true), Some("error-award-suspended"));
        let fast = DayCount {
            accelerator: 86_400,
            ..days
        };
        assert_eq!(
            standstill_end(confirmed, &Procedure::open(), &fast),
            Some(confirmed + chrono::Duration::seconds(10))
        );
    }

    #[test]
    fn a_decline_passes_the_award_to_the_next_ranked_bid_until_none_is_left() {
        let ranking: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        assert_eq!(next_in_line(&ranking, &[]), Some("a"));
        assert_eq!(next_in_line(&ranking, &["a".into()]), Some("b"));
        assert_eq!(next_in_line(&ranking, &["a".into(), "b".into(), "c".into()]), None);
    }
}
