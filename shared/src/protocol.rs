//! The sync protocol between a device and the server (version 1).
//!
//! Push: `POST /api/v1/sync/push` with a [`PushRequest`]; each mutation carries a
//! device-generated [`MutationId`] that the server records in the same
//! transaction as the change, so a retried push is answered with the same
//! outcomes and applies nothing twice.
//!
//! Pull: `GET /api/v1/sync/pull?protocol=1&since=N&limit=L` returns the changes
//! with a server sequence number above `N`, in order, paged by `L`.

use crate::checklist::ChecklistTick;
use crate::domain::{Child, Placement, PlacementClosing, Visit, VisitAmendment};
use crate::error::ErrorCode;
use crate::ids::{ChildId, ConflictId, DeviceId, MutationId};
use crate::merge::FieldChange;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use uuid::Uuid;

/// The protocol version this build speaks. A server refuses any other with
/// [`ErrorCode::UnsupportedProtocolVersion`].
pub const PROTOCOL_VERSION: u32 = 1;
/// The most mutations one push may carry.
pub const MAX_MUTATIONS_PER_PUSH: usize = 200;
/// The most changes one pull page may return.
pub const MAX_PULL_LIMIT: u32 = 1_000;
pub const DEFAULT_PULL_LIMIT: u32 = 500;
/// The largest request body the server accepts, in bytes.
pub const MAX_REQUEST_BYTES: usize = 2 * 1024 * 1024;

/// Read first from any request body so that an unknown version is reported as
/// such, even when the rest of the body has a shape this build does not know.
#[derive(Clone, Copy, Debug, Deserialize)]
pub struct VersionProbe {
    pub protocol: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushRequest {
    pub protocol: u32,
    pub device_id: DeviceId,
    pub mutations: Vec<Mutation>,
    /// Reads the tablet made from its own store since it last pushed, for
    /// the audit log (at most [`crate::audit::MAX_READS_PER_PUSH`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reads: Vec<crate::audit::LocalRead>,
}

/// One change made on a device.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Mutation {
    pub id: MutationId,
    #[serde(flatten)]
    pub operation: Operation,
}

/// What a mutation does. Visits and amendments are created, never changed;
/// editable records are patched field by field (see [`crate::merge`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", content = "record", rename_all = "snake_case")]
pub enum Operation {
    CreateVisit(Visit),
    AmendVisit(VisitAmendment),
    CreatePlacement(Placement),
    PatchRecord(RecordPatch),
    DeleteRecord(RecordRef),
    ResolveConflict(ConflictChoice),
    /// Ends a placement with its signed closing note.
    ClosePlacement(PlacementClosing),
    /// Ticks (or unticks) an item of a placement's checklist.
    TickChecklist(ChecklistTick),
    /// A child's message left on the tablet ("Säg vad du tycker"): about
    /// no child's record (docs/complaints.md).
    LeaveMessage(crate::complaints::TabletMessage),
    /// A deviation, Lex Sarah report or personal-data incident, reported
    /// on the tablet (docs/deviations.md): about its child, if any.
    ReportDeviation(crate::deviations::DeviationReport),
}

impl Operation {
    /// The operation's wire name (`create_visit`, …), as the audit log records it.
    pub fn name(&self) -> &'static str {
        match self {
            Self::CreateVisit(_) => "create_visit",
            Self::AmendVisit(_) => "amend_visit",
            Self::CreatePlacement(_) => "create_placement",
            Self::PatchRecord(_) => "patch_record",
            Self::DeleteRecord(_) => "delete_record",
            Self::ResolveConflict(_) => "resolve_conflict",
            Self::ClosePlacement(_) => "close_placement",
            Self::TickChecklist(_) => "tick_checklist",
            Self::LeaveMessage(_) => "leave_message",
            Self::ReportDeviation(_) => "report_deviation",
        }
    }

    /// The child whose records the mutation writes. A child's message is
    /// about no child's record: the nil id, which no device holds and no
    /// caseload has (the audit log records it so too).
    pub fn child_id(&self) -> ChildId {
        match self {
            Self::CreateVisit(v) => v.child_id,
            Self::AmendVisit(a) => a.child_id,
            Self::CreatePlacement(p) => p.child_id,
            Self::PatchRecord(p) => p.target.child_id,
            Self::DeleteRecord(r) => r.child_id,
            Self::ResolveConflict(c) => c.child_id,
            Self::ClosePlacement(c) => c.child_id,
            Self::TickChecklist(t) => t.child_id,
            Self::LeaveMessage(_) => ChildId::from_uuid(Uuid::nil()),
            Self::ReportDeviation(r) => r.child_id.unwrap_or(ChildId::from_uuid(Uuid::nil())),
        }
    }
}

/// The kinds of record that devices edit field by field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EditableKind {
    Placement,
}

impl EditableKind {
    pub fn editable_fields(self) -> &'static [&'static str] {
        match self {
            Self::Placement => Placement::EDITABLE_FIELDS,
        }
    }
}

/// A reference to one editable record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordRef {
    pub kind: EditableKind,
    pub id: Uuid,
    pub child_id: ChildId,
}

/// Field edits to one record, each with the value it was edited from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordPatch {
    pub target: RecordRef,
    pub fields: BTreeMap<String, FieldChange>,
}

/// A person's choice in a conflict: the field gets `value`. `from` is the
/// value the record held when they chose; if it changed since, the choice
/// becomes a new conflict instead of overwriting.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConflictChoice {
    pub conflict_id: ConflictId,
    pub child_id: ChildId,
    pub from: Value,
    pub value: Value,
}

/// Two edits of the same field that disagreed. Both values are kept until a
/// person chooses.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Conflict {
    pub id: ConflictId,
    pub target: RecordRef,
    pub field: String,
    /// The value the record kept.
    pub server_value: Value,
    /// The value the other edit wanted.
    pub device_value: Value,
    /// The device whose edit lost the race, and its mutation.
    pub device_id: DeviceId,
    pub mutation_id: MutationId,
    /// Set once someone chose.
    pub resolution: Option<Resolution>,
}

/// The value a person chose in a conflict. A struct, so that choosing JSON
/// `null` (say, "no end date") is `{"value": null}`, distinct from an open
/// conflict's `"resolution": null`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Resolution {
    pub value: Value,
}

/// `GET /api/v1/reference`: what managers published beyond the versions the
/// app ships with. Not about any child; every signed-in user gets it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ReferenceData {
    pub routines: Vec<crate::routines::RoutineVersion>,
    pub checklist_templates: Vec<crate::checklist::ChecklistTemplate>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PushResponse {
    pub protocol: u32,
    /// One outcome per mutation, in the order of the request.
    pub results: Vec<MutationOutcome>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MutationOutcome {
    pub id: MutationId,
    #[serde(flatten)]
    pub status: MutationStatus,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum MutationStatus {
    /// Applied, with this change sequence number. A retried push of the same
    /// mutation id gets the same answer and changes nothing.
    Applied { seq: u64 },
    /// Refused; the device keeps it and shows it to the user.
    Rejected { code: ErrorCode, message: String },
}

impl MutationStatus {
    /// Whether the device may drop the mutation from its outbox.
    pub fn is_settled_on_server(&self) -> bool {
        matches!(self, Self::Applied { .. })
    }
}

/// A record as it travels in the change feed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "data", rename_all = "snake_case")]
pub enum Record {
    Child(Child),
    Placement(Placement),
    Visit(Visit),
    VisitAmendment(VisitAmendment),
    Conflict(Conflict),
    /// A tombstone: the record was deleted.
    Deleted(RecordRef),
    PlacementClosing(PlacementClosing),
    ChecklistTick(ChecklistTick),
    /// The visit was filed in the case-management record ("förd till akt").
    VisitFiled(crate::export::FiledMark),
}

impl Record {
    /// The child the record is about.
    pub fn child_id(&self) -> ChildId {
        match self {
            Self::Child(c) => c.id,
            Self::Placement(p) => p.child_id,
            Self::Visit(v) => v.child_id,
            Self::VisitAmendment(a) => a.child_id,
            Self::Conflict(c) => c.target.child_id,
            Self::Deleted(r) => r.child_id,
            Self::PlacementClosing(c) => c.child_id,
            Self::ChecklistTick(t) => t.child_id,
            Self::VisitFiled(f) => f.child_id,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Change {
    /// The change's number in the server's feed; also the record's revision.
    pub seq: u64,
    #[serde(flatten)]
    pub record: Record,
}

/// A pull's answer. `C` is how its changes are held: decoded (`Change`),
/// as the server stored them, or as the device reads them before it knows
/// each kind; on the wire they are the same.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PullResponse<C = Change> {
    pub protocol: u32,
    pub changes: Vec<C>,
    /// Pass as `since` in the next pull.
    pub cursor: u64,
    /// Whether more changes wait beyond this page.
    pub has_more: bool,
    /// The number of the server's latest change when this page was read.
    pub head: u64,
    /// How many of the user's changes wait beyond this page: the device shows
    /// progress from it.
    pub remaining: u64,
    /// The children the user may see now. The device keeps exactly these:
    /// a child that is new here has its whole history pulled
    /// (`child=<id>&since=0`); a child that left has its records removed once
    /// the device's own changes to it are pushed.
    pub scope: Vec<ChildId>,
    /// The identity of the server's feed. It changes when the server is
    /// restored from a backup: the feed may then have lost changes the device
    /// saw, so the device pulls everything again, drops what the server no
    /// longer has, and pushes again the mutations it had settled that the
    /// server lacks (its journal).
    pub epoch: FeedEpoch,
}

/// The identity of a server's change feed (random, 32 hex digits).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FeedEpoch(pub String);

impl std::fmt::Display for FeedEpoch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{VisitNote, VisitorName};
    use crate::ids::{ChildId, VisitId};
    use chrono::{NaiveDate, TimeZone, Utc};

    fn visit() -> Visit {
        Visit {
            id: VisitId::new_random(),
            child_id: ChildId::new_random(),
            visit_date: NaiveDate::from_ymd_opt(2026, 11, 20).expect("date"),
            visitor: VisitorName::parse("Anna Lind").expect("valid"),
            talked_alone: true,
            note: VisitNote::parse("Trivs i skolan.").expect("valid"),
            recorded_at: Utc.with_ymd_and_hms(2026, 11, 20, 14, 0, 0).unwrap(),
            ..Visit::blank()
        }
    }

    #[test]
    fn push_request_round_trips() {
        let req = PushRequest {
            protocol: PROTOCOL_VERSION,
            device_id: DeviceId::new_random(),
            mutations: vec![Mutation {
                id: MutationId::new_random(),
                operation: Operation::CreateVisit(visit()),
            }],
            reads: Vec::new(),
        };
        let json = serde_json::to_string(&req).expect("serialise");
        assert!(json.contains(r#""op":"create_visit""#), "{json}");
        let back: PushRequest = serde_json::from_str(&json).expect("deserialise");
        assert_eq!(back, req);
    }

    #[test]
    fn unknown_operation_is_refused() {
        let json = format!(
            r#"{{"protocol":1,"device_id":"{}","mutations":[{{"id":"{}","op":"drop_tables","record":{{}}}}]}}"#,
            DeviceId::new_random(),
            MutationId::new_random()
        );
        assert!(serde_json::from_str::<PushRequest>(&json).is_err());
    }

    #[test]
    fn version_probe_reads_any_body_with_a_version() {
        let probe: VersionProbe =
            serde_json::from_str(r#"{"protocol":7,"something_new":[1,2]}"#).expect("probe");
        assert_eq!(probe.protocol, 7);
    }

    #[test]
    fn change_flattens_the_record_kind() {
        let change = Change {
            seq: 3,
            record: Record::Visit(visit()),
        };
        let value = serde_json::to_value(&change).expect("serialise");
        assert_eq!(value["kind"], "visit");
        assert_eq!(value["seq"], 3);
        let back: Change = serde_json::from_value(value).expect("deserialise");
        assert_eq!(back, change);
    }

    #[test]
    fn only_applied_outcomes_settle_the_outbox() {
        assert!(MutationStatus::Applied { seq: 1 }.is_settled_on_server());
        assert!(!MutationStatus::Rejected {
            code: ErrorCode::UnknownChild,
            message: String::new()
        }
        .is_settled_on_server());
    }
}
