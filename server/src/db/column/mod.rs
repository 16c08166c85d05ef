//! How values travel between Rust and the two databases. Each concern has a
//! module of its own that says how its values are bound and read on SQLite
//! and on PostgreSQL: [`id`], [`date`], [`instant`], [`json`] and [`plain`]
//! (text, integers, booleans). Statements bind values through [`ToArg`] and
//! read rows by column name through [`Column`] and [`FromRow`], so the same
//! statement serves both backends.

mod date;
mod id;
mod instant;
mod json;
mod plain;

pub(crate) use date::parse_iso;
pub(crate) use id::IdList;
pub(crate) use instant::{parse_cast, sqlite_text as instant_text};
pub(crate) use json::JsonText;
pub(crate) use plain::TextList;

use super::DbError;
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::postgres::{PgArguments, PgRow};
use sqlx::query::Query;
use sqlx::sqlite::{SqliteArguments, SqliteRow};
use sqlx::{Postgres, Sqlite};
use std::borrow::Cow;
use uuid::Uuid;

/// A statement parameter, before it meets a backend.
#[derive(Debug)]
pub(crate) enum Arg<'a> {
    Text(Cow<'a, str>),
    Int(i64),
    Bool(bool),
    Id(Uuid),
    /// For `= ANY($n)`.
    Ids(Vec<Uuid>),
    /// For `= ANY($n)`.
    Texts(Vec<String>),
    Date(NaiveDate),
    Instant(DateTime<Utc>),
    Json(Cow<'a, str>),
    /// PostgreSQL types every parameter, NULL included.
    Null(Kind),
}

/// The kind of a parameter, for a NULL.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Kind {
    Text,
    Int,
    Bool,
    Id,
    Date,
    Instant,
    Json,
}

/// A value that can be bound to a statement parameter.
pub(crate) trait ToArg<'a> {
    const KIND: Kind;
    fn to_arg(self) -> Arg<'a>;
}

impl<'a, T: ToArg<'a>> ToArg<'a> for Option<T> {
    const KIND: Kind = T::KIND;
    fn to_arg(self) -> Arg<'a> {
        self.map_or(Arg::Null(T::KIND), ToArg::to_arg)
    }
}

impl<'a> Arg<'a> {
    pub(super) fn bind_sqlite(
        self,
        q: Query<'a, Sqlite, SqliteArguments<'a>>,
    ) -> Query<'a, Sqlite, SqliteArguments<'a>> {
        match self {
            Self::Text(text) => q.bind(text),
            Self::Int(n) => q.bind(n),
            Self::Bool(b) => q.bind(b),
            Self::Id(id) => q.bind(id::sqlite_text(id)),
            Self::Ids(ids) => q.bind(id::sqlite_list(&ids)),
            Self::Texts(texts) => q.bind(plain::sqlite_list(&texts)),
            Self::Date(date) => q.bind(date::sqlite_text(date)),
            Self::Instant(at) => q.bind(instant::sqlite_text(at)),
            Self::Json(text) => q.bind(text),
            Self::Null(_) => q.bind(None::<String>),
        }
    }

    pub(super) fn bind_postgres(
        self,
        q: Query<'a, Postgres, PgArguments>,
    ) -> Query<'a, Postgres, PgArguments> {
        match self {
            Self::Text(text) => q.bind(text),
            Self::Int(n) => q.bind(n),
            Self::Bool(b) => q.bind(b),
            Self::Id(id) => q.bind(id),
            Self::Ids(ids) => q.bind(ids),
            Self::Texts(texts) => q.bind(texts),
            Self::Date(date) => q.bind(date),
            Self::Instant(at) => q.bind(at),
            Self::Json(text) => q.bind(JsonText(text)),
            Self::Null(kind) => match kind {
                Kind::Text => q.bind(None::<String>),
                Kind::Int => q.bind(None::<i64>),
                Kind::Bool => q.bind(None::<bool>),
                Kind::Id => q.bind(None::<Uuid>),
                Kind::Date => q.bind(None::<NaiveDate>),
                Kind::Instant => q.bind(None::<DateTime<Utc>>),
                Kind::Json => q.bind(None::<JsonText<'static>>),
            },
        }
    }
}

/// A column of a result row: by name, or by position for a single value.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Col {
    Name(&'static str),
    Index(usize),
}

impl Col {
    fn describe(self) -> String {
        match self {
            Self::Name(name) => name.to_owned(),
            Self::Index(i) => format!("#{i}"),
        }
    }

    /// A stored value this build cannot read. Never quotes the value.
    pub(super) fn corrupt(self, reason: &'static str) -> DbError {
        DbError::CorruptColumn {
            column: self.describe(),
            reason,
        }
    }
}

/// A result row as a backend returned it.
pub(crate) enum Row {
    Sqlite(SqliteRow),
    Postgres(PgRow),
}

impl Row {
    /// The value of column `name`.
    pub(crate) fn get<T: Column>(&self, name: &'static str) -> Result<T, DbError> {
        T::read(self, Col::Name(name))
    }

    /// The value of the first column.
    pub(crate) fn first<T: Column>(&self) -> Result<T, DbError> {
        T::read(self, Col::Index(0))
    }

    fn is_null(&self, col: Col) -> Result<bool, DbError> {
        use sqlx::{Row as _, ValueRef as _};
        Ok(match (self, col) {
            (Self::Sqlite(r), Col::Name(n)) => r.try_get_raw(n)?.is_null(),
            (Self::Sqlite(r), Col::Index(i)) => r.try_get_raw(i)?.is_null(),
            (Self::Postgres(r), Col::Name(n)) => r.try_get_raw(n)?.is_null(),
            (Self::Postgres(r), Col::Index(i)) => r.try_get_raw(i)?.is_null(),
        })
    }
}

/// Reads a value sqlx decodes natively from a SQLite row.
fn sqlite<'r, T>(row: &'r SqliteRow, col: Col) -> Result<T, DbError>
where
    T: sqlx::Decode<'r, Sqlite> + sqlx::Type<Sqlite>,
{
    use sqlx::Row as _;
    Ok(match col {
        Col::Name(n) => row.try_get(n)?,
        Col::Index(i) => row.try_get(i)?,
    })
}

/// Reads a value sqlx decodes natively from a PostgreSQL row.
fn postgres<'r, T>(row: &'r PgRow, col: Col) -> Result<T, DbError>
where
    T: sqlx::Decode<'r, Postgres> + sqlx::Type<Postgres>,
{
    use sqlx::Row as _;
    Ok(match col {
        Col::Name(n) => row.try_get(n)?,
        Col::Index(i) => row.try_get(i)?,
    })
}

/// A value read from a column.
pub(crate) trait Column: Sized {
    fn read(row: &Row, col: Col) -> Result<Self, DbError>;
}

impl<T: Column> Column for Option<T> {
    fn read(row: &Row, col: Col) -> Result<Self, DbError> {
        if row.is_null(col)? {
            Ok(None)
        } else {
            T::read(row, col).map(Some)
        }
    }
}

/// A value read from a whole row, by column names.
pub(crate) trait FromRow: Sized {
    fn from_row(row: &Row) -> Result<Self, DbError>;
}

/// A single value is a row of one column.
impl<T: Column> FromRow for T {
    fn from_row(row: &Row) -> Result<Self, DbError> {
        row.first()
    }
}
