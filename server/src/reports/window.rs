//! Calendar days and campaign windows. A campaign runs from one day to another, both included,
//! as the district reckons days: in India Standard Time (UTC+05:30, no daylight saving).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Problem, Result};

const DAY_MS: i64 = 24 * 60 * 60 * 1000;
/// India Standard Time is five and a half hours ahead of UTC all year.
const IST_OFFSET_MS: i64 = (5 * 60 + 30) * 60 * 1000;

/// A calendar day, `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Day {
    year: i32,
    month: u32,
    day: u32,
}

impl Day {
    /// Days since 1970-01-01 (Howard Hinnant's `days_from_civil`).
    fn days_since_epoch(self) -> i64 {
        let year = i64::from(self.year) - i64::from(self.month <= 2);
        let era = year.div_euclid(400);
        let year_of_era = year - era * 400;
        let month = i64::from(self.month);
        let day_of_year =
            (153 * (month + if month > 2 { -3 } else { 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
        era * 146_097 + day_of_era - 719_468
    }

    /// The first millisecond of this day in India.
    pub fn start_ms(self) -> i64 {
        self.days_since_epoch() * DAY_MS - IST_OFFSET_MS
    }
}

impl FromStr for Day {
    type Err = Error;
    fn from_str(input: &str) -> Result<Self> {
        let invalid = || Error::invalid("date", Problem::unreadable(input, "a date (YYYY-MM-DD)"));
        let text = input.trim();
        let bytes = text.as_bytes();
        if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
            return Err(invalid());
        }
        let number = |range: std::ops::Range<usize>| -> Result<u32> {
            let part = &text[range];
            if !part.bytes().all(|b| b.is_ascii_digit()) {
                return Err(invalid());
            }
            part.parse().map_err(|_| invalid())
        };
        let year = number(0..4)?;
        let month = number(5..7)?;
        let day = number(8..10)?;
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        let days_in_month = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return Err(invalid()),
        };
        if !(1..=days_in_month).contains(&day) || year < 1970 {
            return Err(invalid());
        }
        Ok(Day {
            year: i32::try_from(year).map_err(|_| invalid())?,
            month,
            day,
        })
    }
}

impl fmt::Display for Day {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// The time a report counts, by enrolment time.
///
/// Enrolment time is the enrolling phone's clock, a claim (see DOMAIN: phone clocks are often
/// wrong). It is still the right measure of *when the work was done* during a drive that the
/// phone spent offline; the server's receipt time would count a two-day drive on the day the
/// constable reached the station.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    /// The first millisecond counted.
    pub from_ms: i64,
    /// The first millisecond no longer counted.
    pub until_ms: i64,
}

impl Window {
    /// All of time.
    pub const ALL: Window = Window {
        from_ms: i64::MIN,
        until_ms: i64::MAX,
    };

    /// The days from `starts_on` to `ends_on`, both included.
    pub fn days(starts_on: Day, ends_on: Day) -> Result<Window> {
        if ends_on < starts_on {
            return Err(Error::invalid(
                "ends_on",
                Problem::EndsBeforeStart {
                    starts: starts_on.to_string(),
                    ends: ends_on.to_string(),
                },
            ));
        }
        Ok(Window {
            from_ms: starts_on.start_ms(),
            until_ms: ends_on.start_ms() + DAY_MS,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> Day {
        text.parse().expect("a valid date")
    }

    #[test]
    fn a_day_starts_at_midnight_in_india() {
        // 2025-11-23 00:00 IST is 2025-11-22 18:30 UTC.
        assert_eq!(day("2025-11-23").start_ms(), 1_763_836_200_000);
        assert_eq!(day("1970-01-01").start_ms(), -IST_OFFSET_MS);
        assert_eq!(day("2024-02-29").to_string(), "2024-02-29");
    }

    #[test]
    fn impossible_dates_are_refused() {
        for text in [
            "2025-02-29",
            "2025-13-01",
            "2025-1-01",
            "25-01-01",
            "2025-04-31",
            "",
        ] {
            assert!(text.parse::<Day>().is_err(), "{text}");
        }
    }

    #[test]
    fn a_window_includes_its_last_day() {
        let window = Window::days(day("2025-11-23"), day("2025-11-24")).expect("ordered");
        assert_eq!(window.until_ms - window.from_ms, 2 * DAY_MS);
        assert!(Window::days(day("2025-11-24"), day("2025-11-23")).is_err());
    }
}
