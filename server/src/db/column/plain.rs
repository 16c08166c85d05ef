//! Text, integers and booleans: native on both backends (SQLite keeps a
//! boolean as 0 or 1).

use super::{postgres, sqlite, Arg, Col, Column, Kind, Row, ToArg};
use crate::db::DbError;
use sqlx::{Row as _, TypeInfo as _, ValueRef as _};
use std::borrow::Cow;

/// A list of texts as one JSON array parameter, read back with `json_each`.
pub(super) fn sqlite_list(texts: &[String]) -> String {
    serde_json::to_string(texts).unwrap_or_else(|_| "[]".into())
}

/// Texts to match with `= ANY($n)`.
pub(crate) struct TextList(pub Vec<String>);

impl<'a> ToArg<'a> for TextList {
    const KIND: Kind = Kind::Text;
    fn to_arg(self) -> Arg<'a> {
        Arg::Texts(self.0)
    }
}

impl<'a> ToArg<'a> for &'a str {
    const KIND: Kind = Kind::Text;
    fn to_arg(self) -> Arg<'a> {
        Arg::Text(Cow::Borrowed(self))
    }
}

impl<'a> ToArg<'a> for &'a String {
    const KIND: Kind = Kind::Text;
    fn to_arg(self) -> Arg<'a> {
        Arg::Text(Cow::Borrowed(self))
    }
}

impl<'a> ToArg<'a> for String {
    const KIND: Kind = Kind::Text;
    fn to_arg(self) -> Arg<'a> {
        Arg::Text(Cow::Owned(self))
    }
}

impl<'a> ToArg<'a> for i64 {
    const KIND: Kind = Kind::Int;
    fn to_arg(self) -> Arg<'a> {
        Arg::Int(self)
    }
}

impl<'a> ToArg<'a> for u32 {
    const KIND: Kind = Kind::Int;
    fn to_arg(self) -> Arg<'a> {
        Arg::Int(i64::from(self))
    }
}

impl<'a> ToArg<'a> for bool {
    const KIND: Kind = Kind::Bool;
    fn to_arg(self) -> Arg<'a> {
        Arg::Bool(self)
    }
}

impl Column for String {
    fn read(row: &Row, col: Col) -> Result<Self, DbError> {
        match row {
            Row::Sqlite(r) => sqlite(r, col),
            Row::Postgres(r) => postgres(r, col),
        }
    }
}

impl Column for bool {
    fn read(row: &Row, col: Col) -> Result<Self, DbError> {
        match row {
            Row::Sqlite(r) => sqlite(r, col),
            Row::Postgres(r) => postgres(r, col),
        }
    }
}

/// Any integer column; PostgreSQL's `integer` columns widen.
impl Column for i64 {
    fn read(row: &Row, col: Col) -> Result<Self, DbError> {
        match row {
            Row::Sqlite(r) => sqlite(r, col),
            Row::Postgres(r) => {
                let raw = match col {
                    Col::Name(n) => r.try_get_raw(n)?,
                    Col::Index(i) => r.try_get_raw(i)?,
                };
                match raw.type_info().name() {
                    "INT2" => postgres::<i16>(r, col).map(i64::from),
                    "INT4" => postgres::<i32>(r, col).map(i64::from),
                    _ => postgres(r, col),
                }
            }
        }
    }
}

impl Column for u32 {
    fn read(row: &Row, col: Col) -> Result<Self, DbError> {
        u32::try_from(i64::read(row, col)?).map_err(|_| col.corrupt("a number is out of range"))
    }
}
