//! Times as people in India read and write them: India Standard Time (UTC+05:30 all year),
//! `07 Dec 2026 14:05`, and numbers grouped the Indian way (`2,00,000`). Everything printed
//! for a person goes through here; epoch milliseconds stay in JSON.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone};

use crate::error::{Error, Result};

/// India Standard Time.
fn ist() -> FixedOffset {
    FixedOffset::east_opt(5 * 3600 + 30 * 60).expect("+05:30 is a valid offset")
}

/// `07 Dec 2026 14:05` in India Standard Time; a moment outside the calendar prints as its
/// milliseconds rather than not at all.
pub fn date_time(ms: i64) -> String {
    match DateTime::from_timestamp_millis(ms) {
        Some(utc) => utc
            .with_timezone(&ist())
            .format("%d %b %Y %H:%M")
            .to_string(),
        None => format!("{ms} ms"),
    }
}

/// `07 Dec 2026 14:05:09.120` in India Standard Time: two moments a minute apart or less
/// still read apart.
pub fn precise(ms: i64) -> String {
    match DateTime::from_timestamp_millis(ms) {
        Some(utc) => utc
            .with_timezone(&ist())
            .format("%d %b %Y %H:%M:%S%.3f")
            .to_string(),
        None => format!("{ms} ms"),
    }
}

/// `2026-12-07`: the calendar date of the UTC midnight `ms`, as a day-by-day report names
/// the days it already counted in India time.
pub fn date_iso(ms: i64) -> String {
    match DateTime::from_timestamp_millis(ms) {
        Some(utc) => utc.format("%Y-%m-%d").to_string(),
        None => format!("{ms} ms"),
    }
}

/// The year in India Standard Time at `ms`.
pub fn year(ms: i64) -> i32 {
    use chrono::Datelike;
    DateTime::from_timestamp_millis(ms).map_or(1970, |utc| utc.with_timezone(&ist()).year())
}

/// `07 Dec 2026` in India Standard Time.
pub fn date(ms: i64) -> String {
    match DateTime::from_timestamp_millis(ms) {
        Some(utc) => utc.with_timezone(&ist()).format("%d %b %Y").to_string(),
        None => format!("{ms} ms"),
    }
}

/// A moment as a person or a script types it, in India Standard Time: `2026-12-07`,
/// `2026-12-07 14:05`, `2026-12-07T14:05:30`, `07 Dec 2026`, `07 Dec 2026 14:05`, or
/// milliseconds since the Unix epoch. A date alone is its first moment (midnight in India).
pub fn parse_moment(text: &str) -> Result<i64> {
    let text = text.trim();
    // A date has dashes between digits too, which `parse` refuses, so it falls through.
    if let Ok(ms) = text.parse::<i64>() {
        return Ok(ms);
    }
    const DATE_TIMES: [&str; 6] = [
        "%Y-%m-%d %H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%d %b %Y %H:%M",
        "%d %B %Y %H:%M",
    ];
    const DATES: [&str; 3] = ["%Y-%m-%d", "%d %b %Y", "%d %B %Y"];
    let local = DATE_TIMES
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
        .or_else(|| {
            DATES
                .iter()
                .find_map(|format| NaiveDate::parse_from_str(text, format).ok())
                .map(|day| day.and_time(NaiveTime::MIN))
        })
        .ok_or_else(|| Error::BadField {
            field: "time".into(),
            reason: format!(
                "{text:?} is not a date or time: write 2026-12-07, 2026-12-07 14:05 or \
                 07 Dec 2026 14:05 (India time)"
            ),
        })?;
    ist()
        .from_local_datetime(&local)
        .single()
        .map(|moment| moment.timestamp_millis())
        .ok_or_else(|| Error::BadField {
            field: "time".into(),
            reason: format!("{text:?} is not a moment in India time"),
        })
}

/// For clap: a moment typed on the command line, or the error it prints.
pub fn moment_arg(text: &str) -> std::result::Result<i64, String> {
    parse_moment(text).map_err(|error| error.to_string())
}

/// `200000` as `2,00,000`: the last three digits, then groups of two.
pub fn count(number: u64) -> String {
    let digits = number.to_string();
    if digits.len() <= 3 {
        return digits;
    }
    let (head, tail) = digits.split_at(digits.len() - 3);
    let mut groups: Vec<&str> = Vec::new();
    let mut rest = head;
    while rest.len() > 2 {
        let (front, back) = rest.split_at(rest.len() - 2);
        groups.push(back);
        rest = front;
    }
    groups.push(rest);
    groups.reverse();
    format!("{},{tail}", groups.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 07 Dec 2026 14:05 IST is 08:35 UTC.
    const MOMENT: i64 = 1_796_632_500_000;

    #[test]
    fn a_moment_prints_in_india_time_as_people_write_it() {
        assert_eq!(date_time(MOMENT), "07 Dec 2026 14:05");
        assert_eq!(date(MOMENT), "07 Dec 2026");
        assert_eq!(precise(MOMENT + 9_120), "07 Dec 2026 14:05:09.120");
        // Just before midnight UTC is already the next day in India.
        assert_eq!(date(1_796_687_900_000), "08 Dec 2026");
    }

    #[test]
    fn what_people_type_reads_back_as_the_same_moment() {
        for typed in [
            "2026-12-07 14:05",
            "2026-12-07T14:05",
            "07 Dec 2026 14:05",
            "07 December 2026 14:05",
            "1796632500000",
        ] {
            assert_eq!(parse_moment(typed).expect("reads"), MOMENT, "{typed}");
        }
        assert_eq!(
            parse_moment("2026-12-07").expect("reads"),
            MOMENT - (14 * 60 + 5) * 60 * 1000
        );
        let refused = parse_moment("yesterday").expect_err("not a date");
        assert!(refused.to_string().contains("India time"), "{refused}");
    }

    #[test]
    fn counts_are_grouped_the_indian_way() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(1_000), "1,000");
        assert_eq!(count(25_000), "25,000");
        assert_eq!(count(200_000), "2,00,000");
        assert_eq!(count(6_600_000), "66,00,000");
        assert_eq!(count(1_234_567_890), "1,23,45,67,890");
    }
}
