//! Days for the law's periods: calendar days, and working days that skip weekends and the
//! Kyrgyz Republic's public holidays (data an administrator keeps, since the movable feasts and
//! the government's transfers are decreed each year). Pure: the holidays are given.

use std::collections::BTreeSet;

use chrono::{Datelike, Days, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

use crate::domain::localized::LocalizedText;
use crate::domain::validation::Violations;

/// A public holiday: its date and its name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holiday {
    pub date: NaiveDate,
    pub name: LocalizedText,
}

/// What an administrator sends to add a holiday or rename one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HolidayName {
    pub name: LocalizedText,
}

const MAX_NAME_CHARS: usize = 200;

impl HolidayName {
    pub fn validate(&self) -> Result<(), Violations> {
        let mut v = Violations::new();
        v.texts_of(self);
        self.name.check(&mut v, "name", MAX_NAME_CHARS);
        v.into_result()
    }
}

/// The years a holiday may be kept for: the calendar's useful range.
pub const YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

/// A date written `YYYY-MM-DD` within [`YEARS`].
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let bytes = text.as_bytes();
    let shape = bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes
            .iter()
            .enumerate()
            .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .filter(|d| shape && YEARS.contains(&d.year()))
}

/// The public holidays, as dates in Asia/Bishkek.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Holidays(BTreeSet<NaiveDate>);

impl Holidays {
    pub fn new(dates: impl IntoIterator<Item = NaiveDate>) -> Self {
        Self(dates.into_iter().collect())
    }

    pub fn contains(&self, date: NaiveDate) -> bool {
        self.0.contains(&date)
    }

    /// Not a Saturday, a Sunday or a public holiday.
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        !matches!(date.weekday(), Weekday::Sat | Weekday::Sun) && !self.contains(date)
    }

    /// The `n`th working day after `date` (`date` itself never counts: a period starts the day
    /// after the event that triggers it). `None` beyond the calendar's range.
    pub fn add_working_days(&self, date: NaiveDate, n: u32) -> Option<NaiveDate> {
        let mut day = date;
        let mut left = n;
        while left > 0 {
            day = day.checked_add_days(Days::new(1))?;
            if self.is_working_day(day) {
                left -= 1;
            }
        }
        Some(day)
    }

    /// How many working days lie after `from` up to and including `to` (0 when `to <= from`).
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> u32 {
        from.iter_days()
            .skip(1)
            .take_while(|d| *d <= to)
            .filter(|d| self.is_working_day(*d))
            .count() as u32
    }
}

/// The fixed-date public holidays of the Kyrgyz Republic in `year` (Labour Code, art. 113): New
/// Year, Orthodox Christmas, Defender of the Fatherland Day, International Women's Day, Nooruz,
/// the Day of the People's April Revolution, Labour Day, Constitution Day, Victory Day,
/// Independence Day and the Days of History and Remembrance of Ancestors. Orozo Ait and Kurman
/// Ait move with the lunar calendar and are added each year by decree (the fixtures add them).
pub fn fixed_holidays(year: i32) -> Vec<NaiveDate> {
    [
        (1, 1),
        (1, 7),
        (2, 23),
        (3, 8),
        (3, 21),
        (4, 7),
        (5, 1),
        (5, 5),
        (5, 9),
        (8, 31),
        (11, 7),
        (11, 8),
    ]
    .into_iter()
    .filter_map(|(month, day)| NaiveDate::from_ymd_opt(year, month, day))
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn kyrgyz_2027() -> Holidays {
        let mut dates = fixed_holidays(2026);
        dates.extend(fixed_holidays(2027));
        Holidays::new(dates)
    }

    #[test]
    fn weekends_and_holidays_are_not_working_days() {
        let h = kyrgyz_2027();
        assert!(h.is_working_day(date(2026, 12, 3))); // a Thursday
        assert!(!h.is_working_day(date(2026, 12, 5))); // Saturday
        assert!(!h.is_working_day(date(2027, 1, 1))); // New Year, a Friday
        assert!(!h.is_working_day(date(2027, 1, 7))); // Orthodox Christmas, a Thursday
    }

    #[test]
    fn working_days_skip_the_new_year_holidays() {
        let h = kyrgyz_2027();
        // From Wednesday 30 December 2026: Thu 31 Dec (1), [Fri 1 Jan holiday, weekend],
        // Mon 4 (2), Tue 5 (3), Wed 6 (4), [Thu 7 Christmas], Fri 8 (5).
        assert_eq!(h.add_working_days(date(2026, 12, 30), 5), Some(date(2027, 1, 8)));
        assert_eq!(h.working_days_between(date(2026, 12, 30), date(2027, 1, 8)), 5);
        assert_eq!(h.working_days_between(date(2026, 12, 30), date(2027, 1, 7)), 4);
        assert_eq!(h.add_working_days(date(2026, 12, 30), 0), Some(date(2026, 12, 30)));
        assert_eq!(h.working_days_between(date(2027, 1, 8), date(2026, 12, 30)), 0);
    }

    #[test]
    fn dates_are_read_only_in_their_one_form() {
        assert_eq!(parse_date("2027-01-07"), Some(date(2027, 1, 7)));
        for bad in [
            "2027-1-07",
            "2027-02-30",
            "07.01.2027",
            "+2027-01-07",
            "1999-01-01",
            "2027-01-07 ",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn without_holidays_only_weekends_are_skipped() {
        let h = Holidays::default();
        // Friday + 1 working day = Monday.
        assert_eq!(h.add_working_days(date(2026, 12, 4), 1), Some(date(2026, 12, 7)));
        assert_eq!(h.add_working_days(date(2026, 12, 4), 10), Some(date(2026, 12, 18)));
    }
}
