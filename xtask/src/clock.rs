//! Calendar dates and the one place that reads the system clock.

use std::fmt;

use crate::error::{Error, Result, bail};

/// A date of the proleptic Gregorian calendar, as written in a changelog
/// heading (`YYYY-MM-DD`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Date {
    year: i32,
    month: u32,
    day: u32,
}

impl Date {
    /// Builds a date, checking that the day exists.
    pub(crate) fn new(year: i32, month: u32, day: u32) -> Result<Self> {
        if !(1..=9999).contains(&year) {
            bail!("year {year} is out of range (1-9999)");
        }
        if !(1..=12).contains(&month) {
            bail!("month {month} is out of range (1-12)");
        }
        let last = days_in_month(year, month);
        if !(1..=last).contains(&day) {
            bail!("day {day} is out of range for {year:04}-{month:02} (1-{last})");
        }
        Ok(Self { year, month, day })
    }

    /// Parses a date written as `YYYY-MM-DD`.
    pub(crate) fn parse(text: &str) -> Result<Self> {
        let invalid = || Error::new(format!("invalid date `{text}`: expected YYYY-MM-DD"));
        let bytes = text.as_bytes();
        let shape_ok = bytes.len() == 10
            && bytes[4] == b'-'
            && bytes[7] == b'-'
            && bytes
                .iter()
                .enumerate()
                .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
        if !shape_ok {
            return Err(invalid());
        }
        let year = text[0..4].parse().map_err(|_| invalid())?;
        let month = text[5..7].parse().map_err(|_| invalid())?;
        let day = text[8..10].parse().map_err(|_| invalid())?;
        Self::new(year, month, day)
            .map_err(|err| Error::new(format!("invalid date `{text}`: {err}")))
    }

    /// The date `days` days after 1970-01-01 (negative: before).
    ///
    /// This is Howard Hinnant's `civil_from_days`.
    pub(crate) fn from_days_since_epoch(days: i64) -> Result<Self> {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097); // [0, 146096]
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
        let mp = (5 * doy + 2) / 153; // [0, 11]
        let day = doy - (153 * mp + 2) / 5 + 1; // [1, 31]
        let month = if mp < 10 { mp + 3 } else { mp - 9 }; // [1, 12]
        let year = yoe + era * 400 + i64::from(month <= 2);
        let year =
            i32::try_from(year).map_err(|_| Error::new(format!("year {year} is out of range")))?;
        // Both fit: day is in [1, 31] and month in [1, 12].
        let month = u32::try_from(month).map_err(|_| Error::new("month out of range"))?;
        let day = u32::try_from(day).map_err(|_| Error::new("day out of range"))?;
        Self::new(year, month, day)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// Whether `year` is a leap year of the Gregorian calendar.
fn is_leap_year(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// The number of days of a month (`month` in 1..=12).
fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if is_leap_year(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Today's date in UTC, from the system clock.
///
/// This is the only function of the xtask that reads the system clock;
/// everything else takes the date as an argument.
#[allow(clippy::disallowed_methods)]
pub(crate) fn today_utc_from_system_clock() -> Result<Date> {
    let since_epoch = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|_| Error::new("the system clock is set before 1970-01-01"))?;
    let days = i64::try_from(since_epoch.as_secs() / 86_400)
        .map_err(|_| Error::new("the system clock is out of range"))?;
    Date::from_days_since_epoch(days)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_displays() {
        let date = Date::parse("2024-02-29").unwrap();
        assert_eq!(date.to_string(), "2024-02-29");
        assert_eq!(Date::parse("0999-01-05").unwrap().to_string(), "0999-01-05");
    }

    #[test]
    fn rejects_malformed_and_impossible_dates() {
        for text in [
            "2023-02-29",
            "2024-13-01",
            "2024-00-10",
            "2024-04-31",
            "2024-1-01",
            "24-01-01",
            "2024/01/01",
            "2024-01-01 ",
            "+024-01-01",
            "",
        ] {
            assert!(Date::parse(text).is_err(), "{text} should be rejected");
        }
    }

    #[test]
    fn civil_from_days() {
        let cases = [
            (0, "1970-01-01"),
            (-1, "1969-12-31"),
            (59, "1970-03-01"),
            (10_957, "2000-01-01"),
            (11_016, "2000-02-29"),
            (19_782, "2024-02-29"),
            (20_453, "2025-12-31"),
            (-719_162, "0001-01-01"),
        ];
        for (days, expected) in cases {
            assert_eq!(
                Date::from_days_since_epoch(days).unwrap().to_string(),
                expected
            );
        }
    }

    #[test]
    fn system_clock_gives_a_plausible_date() {
        let today = today_utc_from_system_clock().unwrap();
        assert!(today >= Date::new(2024, 1, 1).unwrap());
    }
}
