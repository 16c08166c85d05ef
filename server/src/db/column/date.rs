//! Calendar dates: `YYYY-MM-DD` text on SQLite, native `date` on PostgreSQL.

use super::{postgres, sqlite, Arg, Col, Column, Kind, Row, ToArg};
use crate::db::DbError;
use chrono::NaiveDate;

const SQLITE_FORMAT: &str = "%Y-%m-%d";

pub(super) fn sqlite_text(date: NaiveDate) -> String {
    date.format(SQLITE_FORMAT).to_string()
}

/// `YYYY-MM-DD`, read without a format string (chrono's `parse_from_str`
/// interprets the format on every call, which reports reading tens of
/// thousands of dates pay for).
pub(crate) fn parse_iso(text: &[u8]) -> Option<NaiveDate> {
    if text.len() != 10 || text[4] != b'-' || text[7] != b'-' {
        return None;
    }
    NaiveDate::from_ymd_opt(
        i32::try_from(decimal(&text[0..4])?).ok()?,
        decimal(&text[5..7])?,
        decimal(&text[8..10])?,
    )
}

/// ASCII digits as a number (none if any byte is not a digit; at most nine
/// digits, so that it cannot overflow).
pub(super) fn decimal(digits: &[u8]) -> Option<u32> {
    if digits.len() > 9 {
        return None;
    }
    digits.iter().try_fold(0u32, |n, b| {
        b.is_ascii_digit().then(|| n * 10 + u32::from(b - b'0'))
    })
}

impl<'a> ToArg<'a> for NaiveDate {
    const KIND: Kind = Kind::Date;
    fn to_arg(self) -> Arg<'a> {
        Arg::Date(self)
    }
}

impl Column for NaiveDate {
    fn read(row: &Row, col: Col) -> Result<Self, DbError> {
        match row {
            Row::Sqlite(r) => {
                let text: &str = sqlite(r, col)?;
                parse_iso(text.as_bytes()).ok_or_else(|| col.corrupt("a date is not YYYY-MM-DD"))
            }
            Row::Postgres(r) => postgres(r, col),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_dates_are_iso_text_that_sorts_as_dates() {
        let early = NaiveDate::from_ymd_opt(999, 12, 31).expect("date");
        let late = NaiveDate::from_ymd_opt(2026, 1, 2).expect("date");
        assert_eq!(sqlite_text(late), "2026-01-02");
        assert_eq!(sqlite_text(late), late.to_string());
        assert!(sqlite_text(early) < sqlite_text(late));
    }

    #[test]
    fn iso_dates_read_back_and_anything_else_is_refused() {
        for date in ["2026-01-02", "0999-12-31", "2028-02-29"] {
            let read = parse_iso(date.as_bytes()).expect(date);
            assert_eq!(sqlite_text(read), date);
        }
        for bad in [
            "2026-1-02",
            "2026-02-30",
            "2026/01/02",
            "2026-01-0x",
            "2026-01-021",
            "",
        ] {
            assert_eq!(parse_iso(bad.as_bytes()), None, "{bad}");
        }
    }
}
