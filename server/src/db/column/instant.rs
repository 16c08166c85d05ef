//! Instants: RFC 3339 text in UTC to the microsecond on SQLite (so that text
//! order is time order), native `timestamptz` on PostgreSQL.

use super::date::decimal;
use super::{parse_iso, postgres, sqlite, Arg, Col, Column, Kind, Row, ToArg};
use crate::db::DbError;
use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};

pub(crate) fn sqlite_text(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

impl<'a> ToArg<'a> for DateTime<Utc> {
    const KIND: Kind = Kind::Instant;
    fn to_arg(self) -> Arg<'a> {
        Arg::Instant(self)
    }
}

impl Column for DateTime<Utc> {
    fn read(row: &Row, col: Col) -> Result<Self, DbError> {
        match row {
            Row::Sqlite(r) => {
                let text: &str = sqlite(r, col)?;
                DateTime::parse_from_rfc3339(text)
                    .map(|t| t.with_timezone(&Utc))
                    .map_err(|_| col.corrupt("an instant is not RFC 3339"))
            }
            Row::Postgres(r) => postgres(r, col),
        }
    }
}

/// An instant as `CAST(x AS TEXT)` gives it: RFC 3339 as SQLite stores it,
/// or PostgreSQL's ISO style (`2026-03-01 09:30:00.25+01`). The usual
/// shapes are read by hand (chrono's `parse_from_str` interprets its format
/// on every call, which a report reading thousands pays for).
pub(crate) fn parse_cast(text: &str) -> Option<DateTime<Utc>> {
    parse_usual(text.as_bytes()).or_else(|| {
        DateTime::parse_from_rfc3339(text)
            .or_else(|_| DateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f%#z"))
            .ok()
            .map(|at| at.with_timezone(&Utc))
    })
}

/// `YYYY-MM-DD`, `T` or a space, `hh:mm:ss`, an optional fraction, and `Z`
/// or an offset of `±hh` or `±hh:mm`.
fn parse_usual(b: &[u8]) -> Option<DateTime<Utc>> {
    let two = |at: usize| b.get(at..at + 2).and_then(decimal);
    let date = parse_iso(b.get(..10)?)?;
    if !matches!(b.get(10), Some(b'T' | b' '))
        || b.get(13) != Some(&b':')
        || b.get(16) != Some(&b':')
    {
        return None;
    }
    let (hour, minute, second) = (two(11)?, two(14)?, two(17)?);
    let mut at = 19;
    let mut nanos = 0;
    if b.get(at) == Some(&b'.') {
        let digits = b
            .get(at + 1..)?
            .iter()
            .take_while(|d| d.is_ascii_digit())
            .count();
        if digits == 0 || digits > 9 {
            return None;
        }
        nanos = decimal(&b[at + 1..=at + digits])? * 10u32.pow(9 - u32::try_from(digits).ok()?);
        at += 1 + digits;
    }
    let east = match b.get(at..)? {
        b"Z" => 0,
        [sign @ (b'+' | b'-'), rest @ ..] => {
            let (hours, minutes) = match rest.len() {
                2 => (two(at + 1)?, 0),
                5 if rest[2] == b':' => (two(at + 1)?, two(at + 4)?),
                _ => return None,
            };
            let seconds = i64::from(hours * 3600 + minutes * 60);
            if *sign == b'-' {
                -seconds
            } else {
                seconds
            }
        }
        _ => return None,
    };
    let local = date.and_hms_nano_opt(hour, minute, second, nanos)?;
    Some((local - TimeDelta::try_seconds(east)?).and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn sqlite_instants_are_utc_micros_that_sort_as_time() {
        let at = Utc
            .with_ymd_and_hms(2026, 3, 1, 9, 5, 0)
            .single()
            .expect("time");
        assert_eq!(sqlite_text(at), "2026-03-01T09:05:00.000000Z");
        let later = at + chrono::Duration::microseconds(1);
        assert!(sqlite_text(at) < sqlite_text(later));
    }

    #[test]
    fn cast_instants_read_back_from_either_backend() {
        let at = Utc.with_ymd_and_hms(2026, 3, 1, 8, 30, 0).single();
        assert_eq!(parse_cast("2026-03-01T08:30:00.000000Z"), at);
        assert_eq!(parse_cast("2026-03-01 09:30:00+01"), at);
        assert_eq!(parse_cast("2026-03-01 03:00:00-05:30"), at);
        assert_eq!(parse_cast("2026-03-01 08:30:00+00:00"), at);
        let later = at.map(|t| t + chrono::Duration::microseconds(250_000));
        assert_eq!(parse_cast("2026-03-01 08:30:00.25+00"), later);
        assert_eq!(parse_cast("2026-03-01T08:30:00.250000Z"), later);
        // Past midnight in the offset's day is the day before in UTC.
        assert_eq!(
            parse_cast("2026-03-01 00:15:00+01"),
            Utc.with_ymd_and_hms(2026, 2, 28, 23, 15, 0).single()
        );
        // Shapes read by chrono, not by hand, still read.
        assert_eq!(parse_cast("2026-03-01T08:30:00.000000+00:00"), at);
        assert_eq!(parse_cast("01/03/2026 08:30:00 UTC"), None);
        assert_eq!(parse_cast("2026-03-01 08:30:00+1"), None);
        assert_eq!(parse_cast("2026-03-01 25:30:00Z"), None);
        assert_eq!(parse_cast("2026-03-01 08:30:00.Z"), None);
    }

    #[test]
    fn hand_reading_agrees_with_chrono_on_every_shape_stored() {
        let start = Utc
            .with_ymd_and_hms(2024, 12, 31, 22, 59, 58)
            .single()
            .expect("time");
        for step in 0..2_000i64 {
            let at = start + chrono::Duration::microseconds(step * 7_654_321);
            let rfc = sqlite_text(at);
            assert_eq!(parse_usual(rfc.as_bytes()), Some(at), "{rfc}");
            let iso = at.format("%Y-%m-%d %H:%M:%S%.f+00").to_string();
            assert_eq!(parse_usual(iso.as_bytes()), Some(at), "{iso}");
        }
    }
}
