//! JSON values: text on SQLite, `jsonb` on PostgreSQL. Passed through as
//! text both ways: PostgreSQL checks it on the way in, and a reader parses it
//! once where it needs the value.

use super::{Arg, Col, Column, Kind, Row, ToArg};
use crate::db::DbError;
use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::postgres::{PgArgumentBuffer, PgTypeInfo, PgValueFormat, PgValueRef};
use sqlx::{Postgres, Row as _, TypeInfo as _, ValueRef as _};
use std::borrow::Cow;

/// JSON as text, for a JSON (SQLite) or `jsonb` (PostgreSQL) column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct JsonText<'a>(pub Cow<'a, str>);

impl JsonText<'_> {
    pub(crate) fn into_string(self) -> String {
        self.0.into_owned()
    }
}

/// The version byte of PostgreSQL's binary `jsonb` format, before the text.
const JSONB_VERSION: u8 = 1;

impl sqlx::Type<Postgres> for JsonText<'_> {
    fn type_info() -> PgTypeInfo {
        <sqlx::types::Json<()> as sqlx::Type<Postgres>>::type_info()
    }
}

impl sqlx::Encode<'_, Postgres> for JsonText<'_> {
    fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
        buf.push(JSONB_VERSION);
        buf.extend_from_slice(self.0.as_bytes());
        Ok(IsNull::No)
    }
}

fn postgres_text(value: &PgValueRef<'_>) -> Result<String, BoxDynError> {
    let binary_jsonb =
        value.format() == PgValueFormat::Binary && value.type_info().name() == "JSONB";
    let bytes = value.as_bytes()?;
    let text = match (binary_jsonb, bytes.split_first()) {
        (true, Some((&JSONB_VERSION, rest))) => rest,
        (true, _) => return Err("unknown jsonb version".into()),
        (false, _) => bytes,
    };
    Ok(std::str::from_utf8(text)?.to_owned())
}

impl<'a> ToArg<'a> for JsonText<'a> {
    const KIND: Kind = Kind::Json;
    fn to_arg(self) -> Arg<'a> {
        Arg::Json(self.0)
    }
}

impl Column for JsonText<'static> {
    fn read(row: &Row, col: Col) -> Result<Self, DbError> {
        let text = match row {
            Row::Sqlite(r) => super::sqlite::<String>(r, col)?,
            Row::Postgres(r) => {
                let raw = match col {
                    Col::Name(n) => r.try_get_raw(n)?,
                    Col::Index(i) => r.try_get_raw(i)?,
                };
                postgres_text(&raw).map_err(|_| col.corrupt("a JSON value cannot be read"))?
            }
        };
        Ok(Self(Cow::Owned(text)))
    }
}
