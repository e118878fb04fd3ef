//! Tender procedures as data: each procedure's periods (calendar or working days) and limits, the
//! rules a tender's timeline must keep to be published, the status its instants and the clock
//! give, and how an amendment moves a deadline too close. Pure: the clock's time, the zone and the
//! holidays are given. Defaults are domain.md's for an open PPP tender.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;

use serde::{Deserialize, Serialize};

use crate::domain::calendar::Holidays;
use crate::domain::codes::codes;
use crate::domain::validation::Violations;

/// How a period counts its days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayKind {
    Calendar,
    /// Skips weekends and public holidays.
    Working,
}

/// A number of days of one kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub days: u32,
    pub kind: DayKind,
}

impl Period {
    pub const fn calendar(days: u32) -> Self {
        Self {
            days,
            kind: DayKind::Calendar,
        }
    }

    pub const fn working(days: u32) -> Self {
        Self {
            days,
            kind: DayKind::Working,
        }
    }
}

codes!(
    /// The procedures: the open tender in one stage runs today; the two-stage tender
    /// (applications, then proposals from the shortlist) and the challenge of a private
    /// initiative come later.
    ProcedureCode {
        Open = "open",
        TwoStage = "two_stage",
        Challenge = "challenge",
    }
);

/// A procedure's rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Procedure {
    pub code: ProcedureCode,
    /// Applications stay open at least this long after publication...
    pub tendering_min: Period,
    /// ...and at most this long.
    pub tendering_max: Period,
    /// Questions close this long before the deadline.
    pub enquiry_cutoff: Period,
    /// An amendment leaves at least this long before the deadline (else the deadline moves).
    pub amendment_min_remaining: Period,
    /// From the confirmed award proposal to the award (Asia/Bishkek calendar days).
    pub standstill: Period,
    /// How long after the standstill starts a complaint may be filed.
    pub complaint_window: Period,
    /// Fewer valid bids make the tender unsuccessful.
    pub min_bids: u32,
    /// Commission members without a conflict needed to evaluate.
    pub quorum: u32,
    pub qualification_stage: bool,
}

impl Procedure {
    /// domain.md's defaults for an open PPP tender: applications 30 to 60 days, questions close
    /// 10 days before the deadline, an amendment leaves 7 days, standstill 10 days (complaints
    /// within it), one qualified bid may suffice, a quorum of 3.
    pub fn open() -> Self {
        Self {
            code: ProcedureCode::Open,
            tendering_min: Period::calendar(30),
            tendering_max: Period::calendar(60),
            enquiry_cutoff: Period::calendar(10),
            amendment_min_remaining: Period::calendar(7),
            standstill: Period::calendar(10),
            complaint_window: Period::calendar(10),
            min_bids: 1,
            quorum: 3,
            qualification_stage: false,
        }
    }

    /// The rules of a procedure that runs today; `None` for those still to come.
    pub fn of(code: ProcedureCode) -> Option<Self> {
        match code {
            ProcedureCode::Open => Some(Self::open()),
            ProcedureCode::TwoStage | ProcedureCode::Challenge => None,
        }
    }
}

/// The accelerator's bounds (demo mode only).
pub const ACCELERATOR_MAX: u32 = 100_000;

/// Where the law's days are counted: the zone deadlines are stated in, the public holidays, and
/// the tender's accelerator (1 outside demo mode).
#[derive(Debug, Clone, Copy)]
pub struct DayCount<'a> {
    pub zone: Tz,
    pub holidays: &'a Holidays,
    pub accelerator: u32,
}

impl DayCount<'_> {
    fn local_date(&self, at: DateTime<Utc>) -> NaiveDate {
        at.with_timezone(&self.zone).date_naive()
    }

    /// The same local time of day on `date` (the zone has no gaps in Asia/Bishkek; elsewhere the
    /// earlier of two readings, or the instant a gap ends).
    fn on_date(&self, at: DateTime<Utc>, date: NaiveDate) -> Option<DateTime<Utc>> {
        let time = at.with_timezone(&self.zone).time();
        self.zone
            .from_local_datetime(&date.and_time(time))
            .earliest()
            .map(|t| t.with_timezone(&Utc))
    }

    /// The instant `period` after `start`. Accelerated, every day is a day's seconds divided by
    /// the accelerator (weekends and holidays do not shrink to seconds).
    pub fn after(&self, start: DateTime<Utc>, period: Period) -> Option<DateTime<Utc>> {
        if self.accelerator > 1 {
            let seconds = i64::from(period.days) * 86_400 / i64::from(self.accelerator);
            return start.checked_add_signed(Duration::seconds(seconds));
        }
        let date = self.local_date(start);
        let end = match period.kind {
            DayKind::Calendar => date.checked_add_days(chrono::Days::new(u64::from(period.days)))?,
            DayKind::Working => self.holidays.add_working_days(date, period.days)?,
        };
        self.on_date(start, end)
    }

    /// The instant `period` before `end`.
    pub fn before(&self, end: DateTime<Utc>, period: Period) -> Option<DateTime<Utc>> {
        if self.accelerator > 1 {
            let seconds = i64::from(period.days) * 86_400 / i64::from(self.accelerator);
            return end.checked_sub_signed(Duration::seconds(seconds));
        }
        let date = self.local_date(end);
        let start = match period.kind {
            DayKind::Calendar => date.checked_sub_days(chrono::Days::new(u64::from(period.days)))?,
            DayKind::Working => {
                let mut day = date;
                let mut left = period.days;
                while left > 0 {
                    day = day.pred_opt()?;
                    if self.holidays.is_working_day(day) {
                        left -= 1;
                    }
                }
                day
            }
        };
        self.on_date(end, start)
    }
}

/// A tender's instants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeline {
    pub enquiry_end: DateTime<Utc>,
    pub deadline: DateTime<Utc>,
    pub opening: DateTime<Utc>,
}

/// Whether `accelerator` may run: `accelerator_range` (1 to 100,000) and `demo_only`.
pub fn accelerator_violation(accelerator: u32, demo: bool) -> Option<&'static str> {
    if !(1..=ACCELERATOR_MAX).contains(&accelerator) {
        Some("accelerator_range")
    } else if accelerator > 1 && !demo {
        Some("demo_only")
    } else {
        None
    }
}

/// The rules every timeline keeps, published or amended: questions close the procedure's
/// cut-off before the deadline (`timeline.enquiry_end`: `enquiry_cutoff`), and the opening is
/// not before the deadline (`timeline.opening`: `before_deadline`).
pub fn order_violations(procedure: &Procedure, timeline: &Timeline, days: &DayCount<'_>) -> Violations {
    let mut v = Violations::new();
    if days
        .before(timeline.deadline, procedure.enquiry_cutoff)
        .is_none_or(|latest| timeline.enquiry_end > latest)
    {
        v.add("timeline.enquiry_end", "enquiry_cutoff");
    }
    if timeline.opening < timeline.deadline {
        v.add("timeline.opening", "before_deadline");
    }
    v
}

/// The rules of `procedure` that publishing `timeline` at `now` would break, each under its
/// field: `timeline.enquiry_end` (`in_past`, and the [`order_violations`]), `timeline.deadline`
/// (`tendering_too_short`, `tendering_too_long`). (The accelerator in `days` is judged with the
/// rest of the terms, by [`accelerator_violation`].)
pub fn publication_violations(
    procedure: &Procedure,
    timeline: &Timeline,
    now: DateTime<Utc>,
    days: &DayCount<'_>,
) -> Violations {
    let mut v = Violations::new();
    if timeline.enquiry_end <= now {
        v.add("timeline.enquiry_end", "in_past");
    }
    v.merge(order_violations(procedure, timeline, days));
    if days
        .after(now, procedure.tendering_min)
        .is_none_or(|earliest| timeline.deadline < earliest)
    {
        v.add("timeline.deadline", "tendering_too_short");
    }
    if days
        .after(now, procedure.tendering_max)
        .is_some_and(|latest| timeline.deadline > latest)
    {
        v.add("timeline.deadline", "tendering_too_long");
    }
    v
}

/// The statuses a published tender takes from the clock alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClockStatus {
    ActiveEnquiries,
    ActiveTendering,
    Closed,
}

impl ClockStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ActiveEnquiries => "active_enquiries",
            Self::ActiveTendering => "active_tendering",
            Self::Closed => "closed",
        }
    }
}

/// Where a published tender stands at `now`: the deadline itself is already closed (a bid
/// received at the deadline is late).
pub fn status_at(timeline: &Timeline, now: DateTime<Utc>) -> ClockStatus {
    if now < timeline.enquiry_end {
        ClockStatus::ActiveEnquiries
    } else if now < timeline.deadline {
        ClockStatus::ActiveTendering
    } else {
        ClockStatus::Closed
    }
}

/// The timeline after an amendment at `now`: unchanged when enough time is left before the
/// deadline; else the deadline moves so that exactly the procedure's minimum remains, and the
/// enquiry end and the opening move by as much.
pub fn after_amendment(
    procedure: &Procedure,
    timeline: &Timeline,
    now: DateTime<Utc>,
    days: &DayCount<'_>,
) -> Option<Timeline> {
    let earliest = days.after(now, procedure.amendment_min_remaining)?;
    if timeline.deadline >= earliest {
        return Some(*timeline);
    }
    let shift = earliest - timeline.deadline;
    Some(Timeline {
        enquiry_end: timeline.enquiry_end.checked_add_signed(shift)?,
        deadline: earliest,
        opening: timeline.opening.checked_add_signed(shift)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::calendar::fixed_holidays;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    fn holidays() -> Holidays {
        let mut dates = fixed_holidays(2026);
        dates.extend(fixed_holidays(2027));
        Holidays::new(dates)
    }

    fn count(h: &Holidays, accelerator: u32) -> DayCount<'_> {
        DayCount {
            zone: chrono_tz::Asia::Bishkek,
            holidays: h,
            accelerator,
        }
    }

    /// Published Thursday 3 December 2026, 10:00 in Bishkek (04:00 UTC).
    const NOW: &str = "2026-12-03T04:00:00Z";

    fn timeline(enquiry_end: &str, deadline: &str, opening: &str) -> Timeline {
        Timeline {
            enquiry_end: at(enquiry_end),
            deadline: at(deadline),
            opening: at(opening),
        }
    }

    fn broken(v: &Violations) -> Vec<(String, String)> {
        v.fields()
            .flat_map(|(f, codes)| codes.iter().map(move |c| (f.to_string(), c.to_string())))
            .collect()
    }

    #[test]
    fn a_timeline_within_every_rule_publishes() {
        let h = holidays();
        // Deadline 11 January 2027 12:00 Bishkek: 39 days; questions close 1 January, 12:00.
        let t = timeline("2027-01-01T06:00:00Z", "2027-01-11T06:00:00Z", "2027-01-11T08:00:00Z");
        let v = publication_violations(&Procedure::open(), &t, at(NOW), &count(&h, 1));
        assert!(v.is_empty(), "{:?}", broken(&v));
    }

    #[test]
    fn each_broken_rule_is_named_under_its_field() {
        let h = holidays();
        // Deadline 29 days away (one short), questions closing 5 days before it, opening before it.
        let t = timeline("2026-12-27T04:00:00Z", "2027-01-01T03:59:59Z", "2026-12-31T00:00:00Z");
        let v = publication_violations(&Procedure::open(), &t, at(NOW), &count(&h, 1));
        assert_eq!(
            broken(&v),
            [
                ("timeline.deadline".to_string(), "tendering_too_short".to_string()),
                ("timeline.enquiry_end".to_string(), "enquiry_cutoff".to_string()),
                ("timeline.opening".to_string(), "before_deadline".to_string()),
            ]
        );
        // Exactly 30 calendar days is enough; 60 days and a second is too long.
        let exact = timeline("2026-12-23T04:00:00Z", "2027-01-02T04:00:00Z", "2027-01-02T04:00:00Z");
        assert!(publication_violations(&Procedure::open(), &exact, at(NOW), &count(&h, 1)).is_empty());
        let long = timeline("2027-01-22T04:00:00Z", "2027-02-01T04:00:01Z", "2027-02-01T05:00:00Z");
        assert_eq!(
            broken(&publication_violations(
                &Procedure::open(),
                &long,
                at(NOW),
                &count(&h, 1)
            )),
            [("timeline.deadline".to_string(), "tendering_too_long".to_string())]
        );
        let past = timeline("2026-12-03T03:00:00Z", "2027-01-11T06:00:00Z", "2027-01-11T08:00:00Z");
        assert_eq!(
            broken(&publication_violations(
                &Procedure::open(),
                &past,
                at(NOW),
                &count(&h, 1)
            )),
            [("timeline.enquiry_end".to_string(), "in_past".to_string())]
        );
    }

    #[test]
    fn working_day_periods_skip_the_new_year_holidays() {
        let h = holidays();
        let procedure = Procedure {
            tendering_min: Period::working(21),
            ..Procedure::open()
        };
        // 21 working days after Thursday 3 December 2026: the 20th is Thursday 31 December; 1
        // January is a holiday and the 2nd and 3rd a weekend, so the 21st is Monday 4 January.
        let earliest = count(&h, 1).after(at(NOW), procedure.tendering_min).unwrap();
        assert_eq!(earliest, at("2027-01-04T04:00:00Z"));
        assert_eq!(count(&h, 1).before(earliest, Period::working(21)), Some(at(NOW)));
        assert_eq!(
            count(&h, 1).after(at(NOW), Period::working(20)),
            Some(at("2026-12-31T04:00:00Z"))
        );
    }

    #[test]
    fn an_accelerator_divides_every_period_and_only_in_demo_mode() {
        let h = holidays();
        // Accelerated 1,440 times, a day is a minute: 30 days are 30 minutes.
        let t = timeline("2026-12-03T04:20:00Z", "2026-12-03T04:30:00Z", "2026-12-03T04:31:00Z");
        let accelerated = publication_violations(&Procedure::open(), &t, at(NOW), &count(&h, 1_440));
        assert!(accelerated.is_empty(), "{:?}", broken(&accelerated));
        // The same minutes in real time: far too short, and questions close too late.
        assert_eq!(
            broken(&publication_violations(&Procedure::open(), &t, at(NOW), &count(&h, 1))),
            [
                ("timeline.deadline".to_string(), "tendering_too_short".to_string()),
                ("timeline.enquiry_end".to_string(), "enquiry_cutoff".to_string())
            ]
        );
        assert_eq!(accelerator_violation(1_440, true), None);
        assert_eq!(accelerator_violation(1_440, false), Some("demo_only"));
        assert_eq!(accelerator_violation(1, false), None);
        assert_eq!(accelerator_violation(100_001, true), Some("accelerator_range"));
        assert_eq!(accelerator_violation(0, true), Some("accelerator_range"));
    }

    #[test]
    fn the_status_follows_the_clock_and_the_deadline_itself_is_closed() {
        let t = timeline("2027-01-01T06:00:00Z", "2027-01-11T06:00:00Z", "2027-01-11T08:00:00Z");
        assert_eq!(status_at(&t, at(NOW)), ClockStatus::ActiveEnquiries);
        assert_eq!(status_at(&t, at("2027-01-01T06:00:00Z")), ClockStatus::ActiveTendering);
        assert_eq!(status_at(&t, at("2027-01-11T05:59:59Z")), ClockStatus::ActiveTendering);
        assert_eq!(status_at(&t, at("2027-01-11T06:00:00Z")), ClockStatus::Closed);
    }

    #[test]
    fn an_amendment_with_too_little_time_left_moves_the_timeline() {
        let h = holidays();
        let t = timeline("2027-01-01T06:00:00Z", "2027-01-11T06:00:00Z", "2027-01-11T08:00:00Z");
        let days = count(&h, 1);
        // Ten days before the deadline: 7 are enough, nothing moves.
        assert_eq!(
            after_amendment(&Procedure::open(), &t, at("2027-01-01T06:00:00Z"), &days),
            Some(t)
        );
        // Five days before: the deadline moves to 7 days after the amendment, the rest by as much.
        let moved = after_amendment(&Procedure::open(), &t, at("2027-01-06T05:00:00Z"), &days).unwrap();
        assert_eq!(moved.deadline, at("2027-01-13T05:00:00Z"));
        assert_eq!(moved.enquiry_end, at("2027-01-03T05:00:00Z"));
        assert_eq!(moved.opening, at("2027-01-13T07:00:00Z"));
    }
}
