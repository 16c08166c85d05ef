//! Ids: hyphenated lower-case text on SQLite, native `uuid` on PostgreSQL.

use super::{postgres, sqlite, Arg, Col, Column, Kind, Row, ToArg};
use crate::db::DbError;
use shared::{
    AmendmentId, CaseReviewId, ChecklistTickId, ChildId, ClosingId, ConflictId, DeviceId, HomeId,
    MutationId, PlacementId, SessionId, UnitId, UserId, VisitId,
};
use uuid::Uuid;

pub(super) fn sqlite_text(id: Uuid) -> String {
    id.hyphenated().to_string()
}

/// A list of ids as one JSON array of texts, read back with `json_each`.
pub(super) fn sqlite_list(ids: &[Uuid]) -> String {
    let texts: Vec<String> = ids.iter().map(|id| sqlite_text(*id)).collect();
    serde_json::to_string(&texts).unwrap_or_else(|_| "[]".into())
}

impl<'a> ToArg<'a> for Uuid {
    const KIND: Kind = Kind::Id;
    fn to_arg(self) -> Arg<'a> {
        Arg::Id(self)
    }
}

impl Column for Uuid {
    fn read(row: &Row, col: Col) -> Result<Self, DbError> {
        match row {
            Row::Sqlite(r) => {
                let text: &str = sqlite(r, col)?;
                Uuid::parse_str(text).map_err(|_| col.corrupt("malformed id"))
            }
            Row::Postgres(r) => postgres(r, col),
        }
    }
}

macro_rules! domain_ids {
    ($($id:ty),* $(,)?) => {$(
        impl<'a> ToArg<'a> for $id {
            const KIND: Kind = Kind::Id;
            fn to_arg(self) -> Arg<'a> {
                Arg::Id(*self.as_uuid())
            }
        }

        impl Column for $id {
            fn read(row: &Row, col: Col) -> Result<Self, DbError> {
                Uuid::read(row, col).map(<$id>::from_uuid)
            }
        }
    )*};
}

domain_ids!(
    AmendmentId,
    CaseReviewId,
    ChecklistTickId,
    ChildId,
    ClosingId,
    ConflictId,
    DeviceId,
    HomeId,
    MutationId,
    PlacementId,
    SessionId,
    UnitId,
    UserId,
    VisitId,
);

/// Ids to match with `= ANY($n)`.
pub(crate) struct IdList<'a, T>(pub &'a [T]);

impl<'a, 'b, T: Copy + ToArg<'b>> ToArg<'a> for IdList<'b, T> {
    const KIND: Kind = Kind::Id;
    fn to_arg(self) -> Arg<'a> {
        Arg::Ids(
            self.0
                .iter()
                .filter_map(|id| match id.to_arg() {
                    Arg::Id(uuid) => Some(uuid),
                    _ => None,
                })
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_keeps_ids_as_hyphenated_text() {
        let id = Uuid::parse_str("6F9619FF-8B86-D011-B42D-00C04FC964FF").expect("uuid");
        assert_eq!(sqlite_text(id), "6f9619ff-8b86-d011-b42d-00c04fc964ff");
        assert_eq!(
            sqlite_list(&[id, id]),
            r#"["6f9619ff-8b86-d011-b42d-00c04fc964ff","6f9619ff-8b86-d011-b42d-00c04fc964ff"]"#
        );
    }
}
