//! A pull page as the device reads it. The server's `PullResponse` decodes
//! only the record kinds this build knows; a newer server may send kinds a
//! device can ignore (see `docs/sync-protocol.md`, "Versioning"). Those are
//! kept aside, sealed like every record, so a later app version can read
//! them, and the pull carries on. A known kind whose data does not decode is
//! still an error: that is a broken server, not a newer one.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use shared::protocol::{Change, FeedEpoch, PullResponse};
use shared::ChildId;

/// The wire names (`kind`) of `shared::protocol::Record`'s variants.
pub const KNOWN_KINDS: &[&str] = &[
    "child",
    "placement",
    "visit",
    "visit_amendment",
    "conflict",
    "deleted",
    "placement_closing",
    "checklist_tick",
    "visit_filed",
];

/// A change of a kind this build does not know, as it came.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UnknownChange {
    pub seq: u64,
    pub kind: String,
    /// `data.child_id`, when the record names one.
    pub child_id: Option<ChildId>,
    /// The whole change, `seq`, `kind` and `data` included.
    pub raw: Value,
}

impl UnknownChange {
    /// The key it is kept under: its `data.id` when it has one (so a newer
    /// version of the same record replaces the older), else its change number.
    pub fn key(&self) -> String {
        match self.raw["data"]["id"].as_str() {
            Some(id) => format!("unknown:{}:{id}", self.kind),
            None => format!("unknown:{}@{}", self.kind, self.seq),
        }
    }
}

/// One page of the change feed: the changes this build reads, and the rest.
#[derive(Clone, Debug, PartialEq)]
pub struct PulledPage {
    pub changes: Vec<Change>,
    pub unknown: Vec<UnknownChange>,
    pub cursor: u64,
    pub has_more: bool,
    pub head: u64,
    pub remaining: u64,
    pub scope: Vec<ChildId>,
    pub epoch: FeedEpoch,
}

#[derive(Debug, thiserror::Error)]
pub enum PageError {
    #[error("sidan kunde inte läsas: {0}")]
    Page(serde_json::Error),
    #[error("ändring {seq} ({kind}) kunde inte läsas: {error}")]
    Change {
        seq: u64,
        kind: String,
        error: serde_json::Error,
    },
}

impl PulledPage {
    /// Reads a pull response's body.
    pub fn decode(body: &str) -> Result<Self, PageError> {
        let raw: PullResponse<Value> = serde_json::from_str(body).map_err(PageError::Page)?;
        let mut changes = Vec::with_capacity(raw.changes.len());
        let mut unknown = Vec::new();
        for value in raw.changes {
            let seq = value["seq"].as_u64();
            let kind = value["kind"].as_str().map(str::to_owned);
            match (seq, kind) {
                (Some(seq), Some(kind)) if !KNOWN_KINDS.contains(&kind.as_str()) => {
                    let child_id = value["data"]["child_id"]
                        .as_str()
                        .and_then(|s| ChildId::parse(s).ok());
                    unknown.push(UnknownChange {
                        seq,
                        kind,
                        child_id,
                        raw: value,
                    });
                }
                (seq, kind) => changes.push(serde_json::from_value(value).map_err(|error| {
                    PageError::Change {
                        seq: seq.unwrap_or_default(),
                        kind: kind.unwrap_or_default(),
                        error,
                    }
                })?),
            }
        }
        Ok(Self {
            changes,
            unknown,
            cursor: raw.cursor,
            has_more: raw.has_more,
            head: raw.head,
            remaining: raw.remaining,
            scope: raw.scope,
            epoch: raw.epoch,
        })
    }
}

impl From<PullResponse> for PulledPage {
    fn from(r: PullResponse) -> Self {
        Self {
            changes: r.changes,
            unknown: Vec::new(),
            cursor: r.cursor,
            has_more: r.has_more,
            head: r.head,
            remaining: r.remaining,
            scope: r.scope,
            epoch: r.epoch,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stored::tests::visit_for;
    use serde_json::json;
    use shared::protocol::{EditableKind, Record, RecordRef, PROTOCOL_VERSION};

    /// Forces this list to grow with `Record`: a new variant fails to compile here.
    fn wire_kind(record: &Record) -> &'static str {
        match record {
            Record::Child(_) => "child",
            Record::Placement(_) => "placement",
            Record::Visit(_) => "visit",
            Record::VisitAmendment(_) => "visit_amendment",
            Record::Conflict(_) => "conflict",
            Record::Deleted(_) => "deleted",
            Record::PlacementClosing(_) => "placement_closing",
            Record::ChecklistTick(_) => "checklist_tick",
            Record::VisitFiled(_) => "visit_filed",
        }
    }

    fn page_with(changes: &[Value]) -> String {
        json!({
            "protocol": PROTOCOL_VERSION,
            "changes": changes,
            "cursor": 9,
            "has_more": false,
            "head": 9,
            "remaining": 0,
            "scope": [],
            "epoch": "e1",
        })
        .to_string()
    }

    #[test]
    fn the_known_kinds_are_the_records_wire_names() {
        let child = ChildId::new_random();
        let visit = visit_for(child);
        let samples = [
            Record::VisitFiled(shared::export::FiledMark {
                visit_id: visit.id,
                child_id: child,
                by: shared::UserId::new_random(),
                by_name: "Gunilla Gruppledare".into(),
                at: chrono::Utc::now(),
            }),
            Record::Visit(visit),
            Record::Deleted(RecordRef {
                kind: EditableKind::Placement,
                id: uuid::Uuid::new_v4(),
                child_id: child,
            }),
        ];
        for record in samples {
            let wire = serde_json::to_value(&record).expect("json");
            assert_eq!(wire["kind"], wire_kind(&record));
            assert!(KNOWN_KINDS.contains(&wire_kind(&record)));
        }
    }

    /// Every wire name `Record` reads, as serde itself lists them: a
    /// variant added to `Record` and not to `KNOWN_KINDS` fails here.
    #[test]
    fn the_known_kinds_are_every_kind_record_reads() {
        let error = serde_json::from_value::<Record>(json!({ "kind": "no_such_kind", "data": {} }))
            .expect_err("not a kind");
        let message = error.to_string();
        let listed = message
            .split("expected one of ")
            .nth(1)
            .unwrap_or_else(|| panic!("serde lists the variants: {message}"));
        let mut from_serde: Vec<&str> = listed
            .split(", ")
            .map(|name| name.trim_matches('`'))
            .collect();
        from_serde.sort_unstable();
        let mut known = KNOWN_KINDS.to_vec();
        known.sort_unstable();
        assert_eq!(known, from_serde);
    }

    #[test]
    fn a_filing_in_the_feed_is_read_as_a_record_not_kept_aside() {
        let child = ChildId::new_random();
        let mark = shared::export::FiledMark {
            visit_id: visit_for(child).id,
            child_id: child,
            by: shared::UserId::new_random(),
            by_name: "Gunilla Gruppledare".into(),
            at: chrono::Utc::now(),
        };
        let body = page_with(&[json!({ "seq": 7, "kind": "visit_filed", "data": mark })]);
        let page = PulledPage::decode(&body).expect("decodes");
        assert!(page.unknown.is_empty(), "kept aside: {:?}", page.unknown);
        assert_eq!(
            page.changes,
            vec![Change {
                seq: 7,
                record: Record::VisitFiled(mark)
            }]
        );
    }

    #[test]
    fn a_kind_from_the_future_is_kept_aside_and_the_page_reads_on() {
        let child = ChildId::new_random();
        let visit = visit_for(child);
        let future = json!({
            "seq": 4,
            "kind": "school_report",
            "data": { "id": "r-1", "child_id": child, "grade": "A" }
        });
        let body = page_with(&[
            future.clone(),
            json!({ "seq": 5, "kind": "visit", "data": visit }),
        ]);
        // Today's decoding (the server's type) refuses the whole page.
        assert!(serde_json::from_str::<PullResponse>(&body).is_err());

        let page = PulledPage::decode(&body).expect("the page reads");
        assert_eq!(page.changes.len(), 1);
        assert_eq!(page.changes[0].record, Record::Visit(visit));
        assert_eq!(page.unknown.len(), 1);
        let kept = &page.unknown[0];
        assert_eq!((kept.seq, kept.kind.as_str()), (4, "school_report"));
        assert_eq!(kept.child_id, Some(child));
        assert_eq!(kept.raw, future, "kept whole for a later version");
        assert_eq!(kept.key(), "unknown:school_report:r-1");
        assert_eq!(page.cursor, 9);
        assert_eq!(page.epoch, FeedEpoch("e1".into()));
    }

    #[test]
    fn an_unknown_kind_without_id_or_child_is_kept_by_its_number() {
        let body = page_with(&[json!({ "seq": 7, "kind": "notice", "data": "x" })]);
        let page = PulledPage::decode(&body).expect("reads");
        assert_eq!(page.unknown[0].child_id, None);
        assert_eq!(page.unknown[0].key(), "unknown:notice@7");
    }

    #[test]
    fn a_known_kind_with_broken_data_is_still_an_error() {
        let body = page_with(&[json!({ "seq": 1, "kind": "visit", "data": { "id": 3 } })]);
        let err = PulledPage::decode(&body).expect_err("broken visit");
        assert!(matches!(err, PageError::Change { seq: 1, ref kind, .. } if kind == "visit"));
        let no_kind = page_with(&[json!({ "seq": 2, "data": {} })]);
        assert!(PulledPage::decode(&no_kind).is_err());
    }

    #[test]
    fn a_page_the_server_type_reads_reads_the_same() {
        let visit = visit_for(ChildId::new_random());
        let response = PullResponse {
            protocol: PROTOCOL_VERSION,
            changes: vec![Change {
                seq: 1,
                record: Record::Visit(visit),
            }],
            cursor: 1,
            has_more: true,
            head: 3,
            remaining: 2,
            scope: vec![ChildId::new_random()],
            epoch: FeedEpoch("e".into()),
        };
        let body = serde_json::to_string(&response).expect("json");
        assert_eq!(
            PulledPage::decode(&body).expect("reads"),
            PulledPage::from(response)
        );
    }
}
