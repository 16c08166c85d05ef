//! What a push's answers leave behind on the device, decided once for every
//! store (IndexedDB in the browser, the replicas of the sync property test).
//!
//! A mutation the server holds leaves the outbox and leaves its effect in the
//! device's copy of the server's records, so nothing seems to vanish between
//! the push and the pull that brings the server's own version. A mutation the
//! server refuses leaves the outbox for the list of refused changes the user
//! is shown, and leaves no effect: the server's version was never
//! overwritten.
//!
//! A settled mutation also goes to the device's journal, kept for
//! [`JOURNAL_DAYS`]: a server restored from a backup may have lost it, and
//! the device then sends it again (`sync`, a new feed epoch).

use crate::stored::{local_effects, record_key, ref_key, LocalEffect};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use shared::protocol::{Mutation, Operation, Record};
use shared::MutationId;
use std::collections::{BTreeMap, BTreeSet};

/// How long a device keeps a mutation the server settled: what a restore
/// from a backup up to this old can have lost, the device sends again (see
/// docs/sync-protocol.md, "Restored server"). Longer keeps more about
/// children on the tablet than that purpose needs.
pub const JOURNAL_DAYS: i64 = 30;

/// A mutation the server settled, as the device's journal keeps it. The
/// journal is read in the order the mutations were settled.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct JournalEntry {
    pub mutation: Mutation,
    pub settled_at: DateTime<Utc>,
}

/// Journal entries settled before this, at `now`, are pruned.
pub fn journal_cutoff(now: DateTime<Utc>) -> DateTime<Utc> {
    now - chrono::Duration::days(JOURNAL_DAYS)
}

/// The journal entries to send again to a server whose feed is not the one
/// the device followed: all but those settled in this very round (`now`),
/// which that server answered itself.
pub fn to_resend(journal: Vec<JournalEntry>, settled_now: &BTreeSet<MutationId>) -> Vec<Mutation> {
    journal
        .into_iter()
        .map(|e| e.mutation)
        .filter(|m| !settled_now.contains(&m.id))
        .collect()
}

/// The keys of the records `operation`'s effect is worked out from.
fn lookups(operation: &Operation) -> Vec<String> {
    match operation {
        Operation::PatchRecord(p) => vec![ref_key(&p.target)],
        Operation::ClosePlacement(c) => vec![format!("placement:{}", c.placement_id)],
        Operation::ResolveConflict(c) => vec![format!("conflict:{}", c.conflict_id)],
        Operation::CreateVisit(_)
        | Operation::AmendVisit(_)
        | Operation::CreatePlacement(_)
        | Operation::DeleteRecord(_)
        | Operation::TickChecklist(_)
        | Operation::LeaveMessage(_)
        | Operation::ReportDeviation(_) => Vec::new(),
    }
}

/// The records still to read before `settled` can be settled, given those
/// already `known` and those already looked for: first what the mutations
/// name, then, once a conflict is known, the record the conflict is about.
fn records_needed(
    settled: &[Mutation],
    known: &BTreeMap<String, Record>,
    looked_for: &BTreeSet<String>,
) -> Vec<String> {
    let mut needed = BTreeSet::new();
    for m in settled {
        for key in lookups(&m.operation) {
            if let Some(Record::Conflict(c)) = known.get(&key) {
                needed.insert(ref_key(&c.target));
            }
            needed.insert(key);
        }
    }
    needed
        .into_iter()
        .filter(|k| !known.contains_key(k) && !looked_for.contains(k))
        .collect()
}

/// The writes to the device's copy of the server's records that settling
/// `settled` (answered as held by the server, in outbox order) makes.
/// `read` fetches records by key from that copy; a record it cannot find or
/// read is absent (the server's version arrives with the next pull anyway,
/// and a settled mutation leaves the outbox regardless).
pub async fn settled_effects<E>(
    settled: &[Mutation],
    mut read: impl AsyncFnMut(&[String]) -> Result<BTreeMap<String, Record>, E>,
) -> Result<Vec<LocalEffect>, E> {
    let mut known = BTreeMap::new();
    let mut looked_for = BTreeSet::new();
    loop {
        let needed = records_needed(settled, &known, &looked_for);
        if needed.is_empty() {
            break;
        }
        known.extend(read(&needed).await?);
        looked_for.extend(needed);
    }
    let mut effects = Vec::new();
    for m in settled {
        for effect in local_effects(&m.operation, |k| known.get(k).cloned()) {
            match &effect {
                LocalEffect::Put(record) => {
                    known.insert(record_key(record), record.clone());
                }
                LocalEffect::Delete(key) => {
                    known.remove(key);
                }
            }
            effects.push(effect);
        }
    }
    Ok(effects)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use serde_json::json;
    use shared::merge::FieldChange;
    use shared::protocol::{Conflict, ConflictChoice, EditableKind, RecordPatch, RecordRef};
    use shared::{
        ChildId, ConflictId, DeviceId, LegalBasis, MutationId, PersonName, Placement, PlacementId,
        PlacementKind,
    };
    use std::convert::Infallible;

    fn placement(child: ChildId) -> Placement {
        Placement {
            id: PlacementId::new_random(),
            child_id: child,
            kind: PlacementKind::FosterHome,
            home_name: PersonName::parse("Familjen Exempel").expect("name"),
            legal_basis: LegalBasis::SoL,
            start_date: NaiveDate::from_ymd_opt(2026, 1, 5).expect("date"),
            ..Placement::blank()
        }
    }

    fn mutation(operation: Operation) -> Mutation {
        Mutation {
            id: MutationId::new_random(),
            operation,
        }
    }

    /// Settles against `base`, recording which keys were read.
    fn settle(
        base: &BTreeMap<String, Record>,
        settled: &[Mutation],
    ) -> (Vec<LocalEffect>, Vec<String>) {
        let mut reads = Vec::new();
        let effects =
            futures::executor::block_on(settled_effects(settled, async |keys: &[String]| {
                reads.extend_from_slice(keys);
                Ok::<_, Infallible>(
                    keys.iter()
                        .filter_map(|k| base.get(k).map(|r| (k.clone(), r.clone())))
                        .collect(),
                )
            }))
            .expect("infallible");
        (effects, reads)
    }

    fn put(effect: &LocalEffect) -> &Record {
        match effect {
            LocalEffect::Put(record) => record,
            LocalEffect::Delete(key) => panic!("expected a put, got a delete of {key}"),
        }
    }

    #[test]
    fn the_journal_keeps_thirty_days_and_resends_all_but_this_rounds() {
        let now = chrono::Utc::now();
        assert_eq!(now - journal_cutoff(now), chrono::Duration::days(30));
        let entry = || JournalEntry {
            mutation: mutation(Operation::CreatePlacement(placement(ChildId::new_random()))),
            settled_at: now,
        };
        let journal = vec![entry(), entry(), entry()];
        let ids: Vec<MutationId> = journal.iter().map(|e| e.mutation.id).collect();
        let resent = to_resend(journal, &BTreeSet::from([ids[1]]));
        assert_eq!(
            resent.iter().map(|m| m.id).collect::<Vec<_>>(),
            vec![ids[0], ids[2]],
            "in the order settled"
        );
    }

    #[test]
    fn a_settled_edit_stays_on_the_servers_copy_until_the_pull() {
        let p = placement(ChildId::new_random());
        let key = format!("placement:{}", p.id);
        let base = BTreeMap::from([(key.clone(), Record::Placement(p.clone()))]);
        let patch = mutation(Operation::PatchRecord(RecordPatch {
            target: RecordRef {
                kind: EditableKind::Placement,
                id: *p.id.as_uuid(),
                child_id: p.child_id,
            },
            fields: BTreeMap::from([(
                "home_name".to_owned(),
                FieldChange {
                    from: json!("Familjen Exempel"),
                    to: json!("Familjen Påhittad"),
                },
            )]),
        }));
        let (effects, reads) = settle(&base, &[patch]);
        assert_eq!(reads, vec![key]);
        let Record::Placement(edited) = put(&effects[0]) else {
            panic!("expected the placement");
        };
        assert_eq!(edited.home_name.as_str(), "Familjen Påhittad");
        assert_eq!(edited.id, p.id);
    }

    #[test]
    fn a_settled_closing_ends_the_placement_it_closes() {
        let p = placement(ChildId::new_random());
        let base = BTreeMap::from([(format!("placement:{}", p.id), Record::Placement(p.clone()))]);
        let end = NaiveDate::from_ymd_opt(2026, 6, 30).expect("date");
        let closing: shared::PlacementClosing = serde_json::from_value(json!({
            "id": shared::ClosingId::new_random(),
            "placement_id": p.id,
            "child_id": p.child_id,
            "end_date": end,
            "kind": "planned",
            "replacement": false,
            "reason": null,
            "reason_text": "",
            "closing_note": "Flyttade hem enligt plan.",
            "signed_by": shared::UserId::new_random(),
            "signed_by_name": "Anna Lind",
            "recorded_at": "2026-06-30T10:00:00Z"
        }))
        .expect("closing");
        let (effects, _) = settle(&base, &[mutation(Operation::ClosePlacement(closing))]);
        assert_eq!(effects.len(), 2);
        let Record::Placement(ended) = put(&effects[1]) else {
            panic!("expected the placement");
        };
        assert_eq!(ended.end_date, Some(end));
    }

    #[test]
    fn a_resolved_conflict_reads_its_record_in_a_second_step() {
        let p = placement(ChildId::new_random());
        let target = RecordRef {
            kind: EditableKind::Placement,
            id: *p.id.as_uuid(),
            child_id: p.child_id,
        };
        let conflict = Conflict {
            id: ConflictId::new_random(),
            target,
            field: "home_name".into(),
            server_value: json!("Familjen Exempel"),
            device_value: json!("Familjen Påhittad"),
            device_id: DeviceId::new_random(),
            mutation_id: MutationId::new_random(),
            resolution: None,
        };
        let conflict_key = format!("conflict:{}", conflict.id);
        let base = BTreeMap::from([
            (conflict_key.clone(), Record::Conflict(conflict.clone())),
            (ref_key(&target), Record::Placement(p)),
        ]);
        let choice = mutation(Operation::ResolveConflict(ConflictChoice {
            conflict_id: conflict.id,
            child_id: target.child_id,
            from: json!("Familjen Exempel"),
            value: json!("Familjen Påhittad"),
        }));
        let (effects, reads) = settle(&base, &[choice]);
        assert_eq!(reads, vec![conflict_key, ref_key(&target)]);
        let Record::Placement(chosen) = put(&effects[0]) else {
            panic!("expected the placement");
        };
        assert_eq!(chosen.home_name.as_str(), "Familjen Påhittad");
        let Record::Conflict(resolved) = put(&effects[1]) else {
            panic!("expected the conflict");
        };
        assert!(resolved.resolution.is_some());
    }

    #[test]
    fn later_mutations_build_on_earlier_ones_and_missing_records_are_read_once() {
        let p = placement(ChildId::new_random());
        let target = RecordRef {
            kind: EditableKind::Placement,
            id: *p.id.as_uuid(),
            child_id: p.child_id,
        };
        let edit = |to: &str| {
            mutation(Operation::PatchRecord(RecordPatch {
                target,
                fields: BTreeMap::from([(
                    "home_name".to_owned(),
                    FieldChange {
                        from: json!("x"),
                        to: json!(to),
                    },
                )]),
            }))
        };
        // Not on the device: nothing to lay the edits on, and no endless reads.
        let (effects, reads) = settle(&BTreeMap::new(), &[edit("Familjen A"), edit("Familjen B")]);
        assert!(effects.is_empty());
        assert_eq!(reads, vec![ref_key(&target)]);

        let created = mutation(Operation::CreatePlacement(p));
        let (effects, reads) = settle(&BTreeMap::new(), &[created, edit("Familjen B")]);
        assert_eq!(reads, vec![ref_key(&target)]);
        let Record::Placement(last) = put(&effects[1]) else {
            panic!("expected the placement");
        };
        assert_eq!(last.home_name.as_str(), "Familjen B");
    }
}
