//! How records and outbox entries are laid out in the device's store. Kept
//! free of browser types so the encoding is tested natively.

use serde::{Deserialize, Serialize};
use shared::protocol::{Mutation, Operation, Record};
use shared::ChildId;

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
    }
}

/// The key a record is stored under.
pub fn record_key(record: &Record) -> String {
    let id = match record {
        Record::Child(c) => c.id.to_string(),
        Record::Placement(p) => p.id.to_string(),
        Record::Visit(v) => v.id.to_string(),
    };
    format!("{}:{id}", kind_name(record))
}

pub fn child_of(record: &Record) -> ChildId {
    match record {
        Record::Child(c) => c.id,
        Record::Placement(p) => p.child_id,
        Record::Visit(v) => v.child_id,
    }
}

impl StoredRecord {
    pub fn encode(record: &Record) -> Result<Self, serde_json::Error> {
        Ok(Self {
            key: record_key(record),
            kind: kind_name(record).to_owned(),
            child_id: child_of(record).to_string(),
            json: serde_json::to_string(record)?,
        })
    }

    pub fn decode(&self) -> Result<Record, serde_json::Error> {
        serde_json::from_str(&self.json)
    }
}

/// A local change waiting to be pushed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxEntry {
    pub mutation_id: String,
    /// The key of the record the mutation writes, so the UI can mark it pending.
    pub record_key: String,
    pub json: String,
}

/// The record a mutation writes locally at once (optimistic local write).
pub fn record_written_by(mutation: &Mutation) -> Record {
    match &mutation.operation {
        Operation::CreateVisit(visit) => Record::Visit(visit.clone()),
    }
}

impl OutboxEntry {
    pub fn encode(mutation: &Mutation) -> Result<Self, serde_json::Error> {
        Ok(Self {
            mutation_id: mutation.id.to_string(),
            record_key: record_key(&record_written_by(mutation)),
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
        }
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
}
