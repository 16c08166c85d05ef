//! Instants: RFC 3339 text in UTC to the microsecond on SQLite (so that text
//! order is time order), native `timestamptz` on PostgreSQL.

use super::{postgres, sqlite, Arg, Col, Column, Kind, Row, ToArg};
use crate::db::DbError;
use chrono::{DateTime, SecondsFormat, Utc};

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
}
