//! Calendar dates: `YYYY-MM-DD` text on SQLite, native `date` on PostgreSQL.

use super::{postgres, sqlite, Arg, Col, Column, Kind, Row, ToArg};
use crate::db::DbError;
use chrono::NaiveDate;

const SQLITE_FORMAT: &str = "%Y-%m-%d";

pub(super) fn sqlite_text(date: NaiveDate) -> String {
    date.format(SQLITE_FORMAT).to_string()
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
                NaiveDate::parse_from_str(text, SQLITE_FORMAT)
                    .map_err(|_| col.corrupt("a date is not YYYY-MM-DD"))
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
}
