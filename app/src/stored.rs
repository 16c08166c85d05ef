//! How records and outbox entries are laid out in the device's store. Kept
//! free of browser types so the encoding is tested natively.

use serde::{Deserialize, Serialize};
use shared::protocol::{EditableKind, Mutation, Operation, Record, RecordRef};
use shared::ChildId;
use std::collections::{BTreeMap, BTreeSet};

/// One record as stored locally: the fields the store indexes, and the record
/// itself as JSON.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredRecord {
    /// `kind:id`, unique across kinds.
    pub key: String,
    pub kind: String,
    /// The child the record belongs to (a child's own id for a child record).
    pub child_id: String,
    pub json: String,
}

fn kind_name(record: &Record) -> &'static str {
    match record {
        Record::Child(_) => "child",
        Record::Placement(_) => "placement",
        Record::Visit(_) => "visit",
        Record::VisitAmendment(_) => "amendment",
        Record::Conflict(_) => "conflict",
        Record::Deleted(r) => editable_kind_name(r.kind),
        Record::PlacementClosing(_) => "closing",
        Record::ChecklistTick(_) => "tick",
        Record::VisitFiled(_) => "filed",
    }
}

fn editable_kind_name(kind: EditableKind) -> &'static str {
    match kind {
        EditableKind::Placement => "placement",
    }
}

/// The key of an editable record.
pub fn ref_key(target: &RecordRef) -> String {
    format!(
        "{}:{}",
        editable_kind_name(target.kind),
        target.id.hyphenated()
    )
}

/// The key a record is stored under. A tombstone has the key of the record
/// it deletes.
pub fn record_key(record: &Record) -> String {
    let id = match record {
        Record::Child(c) => c.id.to_string(),
        Record::Placement(p) => p.id.to_string(),
        Record::Visit(v) => v.id.to_string(),
        Record::VisitAmendment(a) => a.id.to_string(),
        Record::Conflict(c) => c.id.to_string(),
        Record::Deleted(r) => return ref_key(r),
        Record::PlacementClosing(c) => c.id.to_string(),
        Record::ChecklistTick(t) => t.id.to_string(),
        Record::VisitFiled(f) => f.visit_id.to_string(),
    };
    format!("{}:{id}", kind_name(record))
}

impl StoredRecord {
    pub fn encode(record: &Record) -> Result<Self, serde_json::Error> {
        Ok(Self {
            key: record_key(record),
            kind: kind_name(record).to_owned(),
            child_id: record.child_id().to_string(),
            json: serde_json::to_string(record)?,
        })
    }

    pub fn decode(&self) -> Result<Record, serde_json::Error> {
        serde_json::from_str(&self.json)
    }
}

/// The entry of the store's `changed` list that stands for every child: what
/// a new feed epoch or a wipe wrote is not worked out child by child.
pub const EVERY_CHILD: &str = "*";

/// The children whose records changed after change number `since`, from the
/// `changed` list's entries (a child's id, or [`EVERY_CHILD`], with the
/// number of the last write that touched it). `None` when every child's may
/// have, or an entry is not a child's id.
pub fn changed_since(
    entries: impl IntoIterator<Item = (String, u64)>,
    since: u64,
) -> Option<BTreeSet<ChildId>> {
    let mut children = BTreeSet::new();
    for (child, seq) in entries {
        if seq <= since {
            continue;
        }
        children.insert(ChildId::parse(&child).ok()?);
    }
    Some(children)
}

/// A local change waiting to be pushed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxEntry {
    pub mutation_id: String,
    /// The key of the record the mutation writes, so the UI can mark it pending.
    pub record_key: String,
    pub json: String,
}

/// What a change does to the device's copy of the data.
#[derive(Clone, Debug, PartialEq)]
#[expect(
    clippy::large_enum_variant,
    reason = "short-lived, one per change being applied; boxing would only add allocations"
)]
pub enum LocalEffect {
    Put(Record),
    Delete(String),
}

/// The key of the record a mutation is about (marked pending in the UI).
pub fn target_key(operation: &Operation) -> String {
    match operation {
        Operation::CreateVisit(v) => format!("visit:{}", v.id),
        Operation::AmendVisit(a) => format!("amendment:{}", a.id),
        Operation::CreatePlacement(p) => format!("placement:{}", p.id),
        Operation::PatchRecord(p) => ref_key(&p.target),
        Operation::DeleteRecord(r) => ref_key(r),
        Operation::ResolveConflict(c) => format!("conflict:{}", c.conflict_id),
        Operation::ClosePlacement(c) => format!("closing:{}", c.id),
        Operation::TickChecklist(t) => format!("tick:{}", t.id),
        Operation::LeaveMessage(m) => format!("message:{}", m.id),
        Operation::ReportDeviation(r) => format!("deviation:{}", r.id),
    }
}

/// Sets `fields` of an editable record to the patch's new values.
fn patched(
    record: &Record,
    fields: &std::collections::BTreeMap<String, shared::merge::FieldChange>,
) -> Option<Record> {
    let mut json = serde_json::to_value(record).ok()?;
    let data = json.get_mut("data")?.as_object_mut()?;
    for (field, change) in fields {
        data.insert(field.clone(), change.to.clone());
    }
    serde_json::from_value(json).ok()
}

/// What recording `operation` does to the device's copy at once, given the
/// records it refers to (`lookup` by key). The server's answer arrives later by
/// pull and replaces these optimistic writes.
pub fn local_effects(
    operation: &Operation,
    lookup: impl Fn(&str) -> Option<Record>,
) -> Vec<LocalEffect> {
    match operation {
        Operation::CreateVisit(v) => vec![LocalEffect::Put(Record::Visit(v.clone()))],
        Operation::AmendVisit(a) => vec![LocalEffect::Put(Record::VisitAmendment(a.clone()))],
        Operation::CreatePlacement(p) => vec![LocalEffect::Put(Record::Placement(p.clone()))],
        Operation::PatchRecord(p) => lookup(&ref_key(&p.target))
            .and_then(|current| patched(&current, &p.fields))
            .map(LocalEffect::Put)
            .into_iter()
            .collect(),
        Operation::DeleteRecord(r) => vec![LocalEffect::Delete(ref_key(r))],
        Operation::TickChecklist(t) => vec![LocalEffect::Put(Record::ChecklistTick(t.clone()))],
        // Nothing on the device shows it: the child has the code.
        Operation::LeaveMessage(_) => Vec::new(),
        // The report is the manager's to read: the device keeps only the
        // outbox entry until it is sent.
        Operation::ReportDeviation(_) => Vec::new(),
        Operation::ClosePlacement(c) => {
            let mut effects = vec![LocalEffect::Put(Record::PlacementClosing(c.clone()))];
            if let Some(Record::Placement(p)) = lookup(&format!("placement:{}", c.placement_id)) {
                effects.push(LocalEffect::Put(Record::Placement(shared::Placement {
                    end_date: Some(c.end_date),
                    ..p
                })));
            }
            effects
        }
        Operation::ResolveConflict(choice) => {
            let Some(Record::Conflict(mut conflict)) =
                lookup(&format!("conflict:{}", choice.conflict_id))
            else {
                return Vec::new();
            };
            conflict.resolution = Some(shared::protocol::Resolution {
                value: choice.value.clone(),
            });
            let mut effects = Vec::new();
            let fields = std::collections::BTreeMap::from([(
                conflict.field.clone(),
                shared::merge::FieldChange {
                    from: choice.from.clone(),
                    to: choice.value.clone(),
                },
            )]);
            if let Some(record) =
                lookup(&ref_key(&conflict.target)).and_then(|r| patched(&r, &fields))
            {
                effects.push(LocalEffect::Put(record));
            }
            effects.push(LocalEffect::Put(Record::Conflict(conflict)));
            effects
        }
    }
}

/// What the device shows: the records as the server last sent them (`base`,
/// by key) with the device's pending mutations laid on top, oldest first. A
/// mutation the server refuses leaves the outbox, and its effect disappears
/// with it; the server's version was never overwritten.
pub fn overlay(base: &mut BTreeMap<String, Record>, pending: &[Mutation]) {
    for m in pending {
        for effect in local_effects(&m.operation, |k| base.get(k).cloned()) {
            match effect {
                LocalEffect::Put(r) => {
                    base.insert(record_key(&r), r);
                }
                LocalEffect::Delete(k) => {
                    base.remove(&k);
                }
            }
        }
    }
}

/// How a pulled change updates the server's copy on the device.
pub fn pulled_effect(record: Record) -> LocalEffect {
    match record {
        Record::Deleted(r) => LocalEffect::Delete(ref_key(&r)),
        record => LocalEffect::Put(record),
    }
}

impl OutboxEntry {
    pub fn encode(mutation: &Mutation) -> Result<Self, serde_json::Error> {
        Ok(Self {
            mutation_id: mutation.id.to_string(),
            record_key: target_key(&mutation.operation),
            json: serde_json::to_string(mutation)?,
        })
    }

    pub fn decode(&self) -> Result<Mutation, serde_json::Error> {
        serde_json::from_str(&self.json)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use chrono::{NaiveDate, TimeZone, Utc};
    use shared::{MutationId, Visit, VisitId, VisitNote, VisitorName};

    pub(crate) fn visit_for(child_id: ChildId) -> Visit {
        Visit {
            id: VisitId::new_random(),
            child_id,
            visit_date: NaiveDate::from_ymd_opt(2026, 11, 20).expect("date"),
            visitor: VisitorName::parse("Anna Lind").expect("valid"),
            talked_alone: true,
            note: VisitNote::parse("Pratade om skolan.").expect("valid"),
            recorded_at: Utc
                .with_ymd_and_hms(2026, 11, 20, 14, 0, 0)
                .single()
                .expect("time"),
            ..shared::Visit::blank()
        }
    }

    #[test]
    fn changed_since_names_the_children_written_after_a_change_number() {
        let (a, b) = (ChildId::new_random(), ChildId::new_random());
        let entries = vec![(a.to_string(), 3), (b.to_string(), 7)];
        assert_eq!(
            changed_since(entries.clone(), 0),
            Some(BTreeSet::from([a, b]))
        );
        assert_eq!(changed_since(entries.clone(), 3), Some(BTreeSet::from([b])));
        assert_eq!(changed_since(entries.clone(), 7), Some(BTreeSet::new()));
        // A wipe or a new feed epoch after the snapshot: every child.
        let mut wiped = entries.clone();
        wiped.push((EVERY_CHILD.to_owned(), 8));
        assert_eq!(changed_since(wiped.clone(), 7), None);
        assert_eq!(changed_since(wiped, 8), Some(BTreeSet::new()));
        let mut unreadable = entries;
        unreadable.push(("not a child".to_owned(), 9));
        assert_eq!(changed_since(unreadable, 7), None);
    }

    #[test]
    fn visit_is_stored_under_its_kind_and_child() {
        let child = ChildId::new_random();
        let visit = visit_for(child);
        let stored = StoredRecord::encode(&Record::Visit(visit.clone())).expect("encode");
        assert_eq!(stored.key, format!("visit:{}", visit.id));
        assert_eq!(stored.kind, "visit");
        assert_eq!(stored.child_id, child.to_string());
        assert_eq!(stored.decode().ok(), Some(Record::Visit(visit)));
    }

    #[test]
    fn outbox_entry_points_at_the_record_it_writes() {
        let visit = visit_for(ChildId::new_random());
        let mutation = Mutation {
            id: MutationId::new_random(),
            operation: Operation::CreateVisit(visit.clone()),
        };
        let entry = OutboxEntry::encode(&mutation).expect("encode");
        assert_eq!(entry.record_key, format!("visit:{}", visit.id));
        assert_eq!(entry.decode().ok(), Some(mutation));
    }

    fn placement(child_id: ChildId) -> shared::Placement {
        shared::Placement {
            id: shared::PlacementId::new_random(),
            child_id,
            kind: shared::PlacementKind::FosterHome,
            home_name: shared::PersonName::parse("Familjen Berg").expect("valid"),
            legal_basis: shared::LegalBasis::SoL,
            start_date: NaiveDate::from_ymd_opt(2026, 1, 1).expect("date"),
            ..shared::Placement::blank()
        }
    }

    fn patch_home(p: &shared::Placement, from: &str, to: &str) -> Mutation {
        Mutation {
            id: MutationId::new_random(),
            operation: Operation::PatchRecord(shared::protocol::RecordPatch {
                target: RecordRef {
                    kind: EditableKind::Placement,
                    id: *p.id.as_uuid(),
                    child_id: p.child_id,
                },
                fields: std::collections::BTreeMap::from([(
                    "home_name".to_owned(),
                    shared::merge::FieldChange {
                        from: serde_json::json!(from),
                        to: serde_json::json!(to),
                    },
                )]),
            }),
        }
    }

    #[test]
    fn a_local_patch_changes_the_local_copy_at_once() {
        let p = placement(ChildId::new_random());
        let m = patch_home(&p, "Familjen Berg", "Familjen Ek");
        let effects = local_effects(&m.operation, |key| {
            (key == format!("placement:{}", p.id)).then(|| Record::Placement(p.clone()))
        });
        let [LocalEffect::Put(Record::Placement(after))] = effects.as_slice() else {
            panic!("expected one put, got {effects:?}");
        };
        assert_eq!(after.home_name.as_str(), "Familjen Ek");
        assert_eq!(after.start_date, p.start_date);
    }

    #[test]
    fn pending_edit_is_shown_on_top_of_the_servers_version() {
        let mut server_version = placement(ChildId::new_random());
        let pending = patch_home(&server_version, "Familjen Berg", "Familjen Ek");
        server_version.legal_basis = shared::LegalBasis::Lvu;
        let key = format!("placement:{}", server_version.id);
        let mut view = BTreeMap::from([(key.clone(), Record::Placement(server_version))]);

        overlay(&mut view, &[pending]);

        let Some(Record::Placement(shown)) = view.get(&key) else {
            panic!("placement missing");
        };
        assert_eq!(
            shown.home_name.as_str(),
            "Familjen Ek",
            "pending edit shown"
        );
        assert_eq!(
            shown.legal_basis,
            shared::LegalBasis::Lvu,
            "server edit kept"
        );
    }

    #[test]
    fn tombstone_deletes_under_the_records_key() {
        let p = placement(ChildId::new_random());
        let r = RecordRef {
            kind: EditableKind::Placement,
            id: *p.id.as_uuid(),
            child_id: p.child_id,
        };
        assert_eq!(
            pulled_effect(Record::Deleted(r)),
            LocalEffect::Delete(format!("placement:{}", p.id))
        );
    }
}
