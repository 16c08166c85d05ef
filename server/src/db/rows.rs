//! Conversions between domain records and table rows.

use super::column::{FromRow, JsonText, Row};
use super::DbError;
use chrono::NaiveDate;
use serde_json::Value;
use shared::protocol::{Conflict, Record, RecordRef, Resolution};
use shared::{
    Child, ChildId, ConflictId, DeviceId, ExternalId, HomeId, MutationId, PersonName, Placement,
    PlacementId, UnitId,
};
use uuid::Uuid;

/// The serde name of a unit enum variant (`PlacementKind`, `LegalBasis`,
/// `EditableKind`), as stored.
pub(crate) fn serde_name<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(Value::String(s)) => s,
        other => unreachable!("not a unit enum: {other:?}"),
    }
}

pub(crate) fn from_serde_name<T: serde::de::DeserializeOwned>(
    table: &'static str,
    name: &str,
) -> Result<T, DbError> {
    // Straight from the text: no JSON value is made for each row read.
    let text: serde::de::value::StrDeserializer<'_, serde::de::value::Error> =
        serde::de::IntoDeserializer::into_deserializer(name);
    T::deserialize(text).map_err(|_| DbError::CorruptRow {
        table,
        reason: format!("unknown enum value `{name}`"),
    })
}

/// The columns of a visit beyond the original ones (migration 0005).
pub(crate) struct VisitColumns {
    pub contact: String,
    pub visitor_role: String,
    pub place: String,
    pub not_alone_reason: Option<String>,
    pub tools: String,
    /// The narrative, whole, as JSON text.
    pub details: String,
}

impl VisitColumns {
    pub(crate) fn of(visit: &shared::Visit) -> Result<Self, DbError> {
        let mut tools: Vec<&str> = visit.tools.iter().map(|t| tool_name(t.tool())).collect();
        tools.sort_unstable();
        let details = serde_json::json!({
            "start_time": visit.start_time,
            "not_alone_text": visit.not_alone_text,
            "child_asked": visit.child_asked,
            "child_view": visit.child_view,
            "view_influence": visit.view_influence,
            "follow_ups": visit.follow_ups,
            "tools": visit.tools,
        });
        Ok(Self {
            contact: serde_name(&visit.contact),
            visitor_role: serde_name(&visit.visitor_role),
            place: serde_name(&visit.place),
            not_alone_reason: visit.not_alone_reason.as_ref().map(serde_name),
            tools: tools.join(","),
            details: serde_json::to_string(&details).map_err(|e| DbError::CorruptRow {
                table: "visits",
                reason: e.to_string(),
            })?,
        })
    }
}

/// The narrative of a closing, kept whole as JSON beside the columns.
pub(crate) fn closing_details(closing: &shared::PlacementClosing) -> Result<String, DbError> {
    serde_json::to_string(&serde_json::json!({
        "reason_text": closing.reason_text,
        "closing_note": closing.closing_note,
        "signed_by_name": closing.signed_by_name,
        "recorded_at": closing.recorded_at,
    }))
    .map_err(|e| DbError::CorruptRow {
        table: "placement_closings",
        reason: e.to_string(),
    })
}

fn tool_name(tool: shared::ConversationTool) -> &'static str {
    match tool {
        shared::ConversationTool::ThreeHouses => "three_houses",
        shared::ConversationTool::FeelingsScale => "feelings_scale",
        shared::ConversationTool::MyNetwork => "my_network",
    }
}

/// A JSON value as stored in a text (SQLite) or JSONB (PostgreSQL) column.
pub(crate) fn json_text(value: &Value) -> String {
    value.to_string()
}

fn parse_json(table: &'static str, text: &str) -> Result<Value, DbError> {
    // serde's message can quote the value; keep children's data out of errors.
    serde_json::from_str(text).map_err(|e| DbError::CorruptRow {
        table,
        reason: format!("{:?} error in a JSON column", e.classify()),
    })
}

/// The columns of a `changes` row, derived from the record.
pub(crate) struct ChangeRow {
    /// The record's `kind` tag in the feed (see [`Record`]).
    pub kind: &'static str,
    pub record_id: Uuid,
    pub child_id: Uuid,
    pub data: String,
}

impl ChangeRow {
    pub(crate) fn of(record: &Record) -> Result<Self, DbError> {
        let (kind, record_id, child_id, data) = match record {
            Record::Child(c) => ("child", *c.id.as_uuid(), *c.id.as_uuid(), to_json(c)?),
            Record::Placement(p) => (
                "placement",
                *p.id.as_uuid(),
                *p.child_id.as_uuid(),
                to_json(p)?,
            ),
            Record::Visit(v) => ("visit", *v.id.as_uuid(), *v.child_id.as_uuid(), to_json(v)?),
            Record::VisitAmendment(a) => (
                "visit_amendment",
                *a.id.as_uuid(),
                *a.child_id.as_uuid(),
                to_json(a)?,
            ),
            Record::Conflict(c) => (
                "conflict",
                *c.id.as_uuid(),
                *c.target.child_id.as_uuid(),
                to_json(c)?,
            ),
            Record::Deleted(r) => ("deleted", r.id, *r.child_id.as_uuid(), to_json(r)?),
            Record::PlacementClosing(c) => (
                "placement_closing",
                *c.id.as_uuid(),
                *c.child_id.as_uuid(),
                to_json(c)?,
            ),
            Record::ChecklistTick(t) => (
                "checklist_tick",
                *t.id.as_uuid(),
                *t.child_id.as_uuid(),
                to_json(t)?,
            ),
            Record::VisitFiled(f) => (
                "visit_filed",
                *f.visit_id.as_uuid(),
                *f.child_id.as_uuid(),
                to_json(f)?,
            ),
        };
        Ok(Self {
            kind,
            record_id,
            child_id,
            data,
        })
    }
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String, DbError> {
    serde_json::to_string(value).map_err(|e| DbError::Encode(e.classify()))
}

/// The columns [`PlacementRow`] reads.
macro_rules! placement_columns {
    () => {
        "id, child_id, kind, home_name, legal_basis, start_date, end_date, deleted, home_id, \
         decision_date, decided_by, decision_until, last_consideration, external_id"
    };
}
pub(crate) use placement_columns;

/// The columns [`ChildRow`] reads.
macro_rules! child_columns {
    () => {
        "id, given_name, family_name, birth_date, sex, has_disability, unit_id, external_id"
    };
}
pub(crate) use child_columns;

/// A `children` row.
pub(crate) struct ChildRow {
    pub id: ChildId,
    pub given_name: String,
    pub family_name: String,
    pub birth_date: NaiveDate,
    pub sex: String,
    pub has_disability: bool,
    pub unit_id: Option<UnitId>,
    pub external_id: Option<String>,
}

impl FromRow for ChildRow {
    fn from_row(row: &Row) -> Result<Self, DbError> {
        Ok(Self {
            id: row.get("id")?,
            given_name: row.get("given_name")?,
            family_name: row.get("family_name")?,
            birth_date: row.get("birth_date")?,
            sex: row.get("sex")?,
            has_disability: row.get("has_disability")?,
            unit_id: row.get("unit_id")?,
            external_id: row.get("external_id")?,
        })
    }
}

impl ChildRow {
    pub(crate) fn decode(self) -> Result<Child, DbError> {
        const TABLE: &str = "children";
        let name = |field: &str, value: &str| {
            PersonName::parse(value).map_err(|e| DbError::CorruptRow {
                table: TABLE,
                reason: format!("{field} {e}"),
            })
        };
        Ok(Child {
            id: self.id,
            given_name: name("given_name", &self.given_name)?,
            family_name: name("family_name", &self.family_name)?,
            birth_date: self.birth_date,
            sex: from_serde_name(TABLE, &self.sex)?,
            has_disability: self.has_disability,
            unit_id: self.unit_id,
            external_id: self
                .external_id
                .as_deref()
                .map(|e| external_id(TABLE, e))
                .transpose()?,
        })
    }
}

fn external_id(table: &'static str, value: &str) -> Result<ExternalId, DbError> {
    ExternalId::parse(value).map_err(|e| DbError::CorruptRow {
        table,
        reason: format!("external_id {e}"),
    })
}

/// A `placements` row with ids already parsed.
pub(crate) struct PlacementRow {
    pub id: Uuid,
    pub child_id: Uuid,
    pub kind: String,
    pub home_name: String,
    pub legal_basis: String,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
    pub deleted: bool,
    pub home_id: Option<HomeId>,
    pub decision_date: Option<NaiveDate>,
    pub decided_by: Option<String>,
    pub decision_until: Option<NaiveDate>,
    pub last_consideration: Option<NaiveDate>,
    pub external_id: Option<String>,
}

/// A placement as stored: the record, and whether it is a tombstone.
#[derive(Debug, Clone)]
pub(crate) struct StoredPlacement {
    pub placement: Placement,
    pub deleted: bool,
}

impl FromRow for PlacementRow {
    fn from_row(row: &Row) -> Result<Self, DbError> {
        Ok(Self {
            id: row.get("id")?,
            child_id: row.get("child_id")?,
            kind: row.get("kind")?,
            home_name: row.get("home_name")?,
            legal_basis: row.get("legal_basis")?,
            start_date: row.get("start_date")?,
            end_date: row.get("end_date")?,
            deleted: row.get("deleted")?,
            home_id: row.get("home_id")?,
            decision_date: row.get("decision_date")?,
            decided_by: row.get("decided_by")?,
            decision_until: row.get("decision_until")?,
            last_consideration: row.get("last_consideration")?,
            external_id: row.get("external_id")?,
        })
    }
}

impl PlacementRow {
    pub(crate) fn decode(self) -> Result<StoredPlacement, DbError> {
        const TABLE: &str = "placements";
        let placement = Placement {
            id: PlacementId::from_uuid(self.id),
            child_id: ChildId::from_uuid(self.child_id),
            kind: from_serde_name(TABLE, &self.kind)?,
            home_name: PersonName::parse(&self.home_name).map_err(|e| DbError::CorruptRow {
                table: TABLE,
                reason: format!("home_name {e}"),
            })?,
            legal_basis: from_serde_name(TABLE, &self.legal_basis)?,
            start_date: self.start_date,
            end_date: self.end_date,
            home_id: self.home_id,
            decision_date: self.decision_date,
            decided_by: self
                .decided_by
                .as_deref()
                .map(|n| {
                    PersonName::parse(n).map_err(|e| DbError::CorruptRow {
                        table: TABLE,
                        reason: format!("decided_by {e}"),
                    })
                })
                .transpose()?,
            decision_until: self.decision_until,
            last_consideration: self.last_consideration,
            external_id: self
                .external_id
                .as_deref()
                .map(|e| external_id(TABLE, e))
                .transpose()?,
        };
        Ok(StoredPlacement {
            placement,
            deleted: self.deleted,
        })
    }
}

/// A `conflicts` row; values are JSON text, `resolution` is `None` while the
/// conflict is open (a chosen JSON `null` is `Some("null")`).
pub(crate) struct ConflictRow {
    pub id: Uuid,
    pub target_kind: String,
    pub target_id: Uuid,
    pub child_id: Uuid,
    pub field: String,
    pub server_value: String,
    pub device_value: String,
    pub device_id: Uuid,
    pub mutation_id: Uuid,
    pub resolution: Option<String>,
}

impl FromRow for ConflictRow {
    fn from_row(row: &Row) -> Result<Self, DbError> {
        let json = |name| row.get(name).map(JsonText::into_string);
        Ok(Self {
            id: row.get("id")?,
            target_kind: row.get("target_kind")?,
            target_id: row.get("target_id")?,
            child_id: row.get("child_id")?,
            field: row.get("field")?,
            server_value: json("server_value")?,
            device_value: json("device_value")?,
            device_id: row.get("device_id")?,
            mutation_id: row.get("mutation_id")?,
            resolution: row
                .get::<Option<JsonText>>("resolution")?
                .map(JsonText::into_string),
        })
    }
}

impl ConflictRow {
    pub(crate) fn encode(c: &Conflict) -> Self {
        Self {
            id: *c.id.as_uuid(),
            target_kind: serde_name(&c.target.kind),
            target_id: c.target.id,
            child_id: *c.target.child_id.as_uuid(),
            field: c.field.clone(),
            server_value: json_text(&c.server_value),
            device_value: json_text(&c.device_value),
            device_id: *c.device_id.as_uuid(),
            mutation_id: *c.mutation_id.as_uuid(),
            resolution: c.resolution.as_ref().map(|r| json_text(&r.value)),
        }
    }

    pub(crate) fn decode(self) -> Result<Conflict, DbError> {
        const TABLE: &str = "conflicts";
        Ok(Conflict {
            id: ConflictId::from_uuid(self.id),
            target: RecordRef {
                kind: from_serde_name(TABLE, &self.target_kind)?,
                id: self.target_id,
                child_id: ChildId::from_uuid(self.child_id),
            },
            field: self.field,
            server_value: parse_json(TABLE, &self.server_value)?,
            device_value: parse_json(TABLE, &self.device_value)?,
            device_id: DeviceId::from_uuid(self.device_id),
            mutation_id: MutationId::from_uuid(self.mutation_id),
            resolution: self
                .resolution
                .map(|r| parse_json(TABLE, &r).map(|value| Resolution { value }))
                .transpose()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::protocol::EditableKind;

    #[test]
    fn change_kinds_are_the_feed_tags() {
        let r = RecordRef {
            kind: EditableKind::Placement,
            id: Uuid::new_v4(),
            child_id: ChildId::new_random(),
        };
        let record = Record::Deleted(r);
        let row = ChangeRow::of(&record).expect("row");
        let tagged = serde_json::to_value(&record).expect("json");
        assert_eq!(tagged["kind"], row.kind);
        assert_eq!(row.record_id, r.id);
    }

    #[test]
    fn a_chosen_null_is_not_an_open_conflict() {
        let conflict = Conflict {
            id: ConflictId::new_random(),
            target: RecordRef {
                kind: EditableKind::Placement,
                id: Uuid::new_v4(),
                child_id: ChildId::new_random(),
            },
            field: "end_date".into(),
            server_value: Value::String("2026-01-01".into()),
            device_value: Value::Null,
            device_id: DeviceId::new_random(),
            mutation_id: MutationId::new_random(),
            resolution: Some(Resolution { value: Value::Null }),
        };
        let row = ConflictRow::encode(&conflict);
        assert_eq!(row.resolution.as_deref(), Some("null"));
        assert_eq!(row.decode().expect("decode"), conflict);
    }
}
