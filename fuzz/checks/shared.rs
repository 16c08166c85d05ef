//! What the fuzz targets check of the decoders in `shared` that read
//! untrusted input. One function per fuzz target, taking the raw input: it
//! decodes it as the server does and panics if anything is wrong.
//!
//! Compiled into the fuzz targets (`fuzz/src/lib.rs`) and into
//! `shared/tests/fuzz_regressions.rs`, which replays the seed corpus and every
//! input that ever crashed (`fuzz/corpus/`, `fuzz/regressions/`).

#[path = "markdown.rs"]
mod markdown_checks;

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use shared::audit::LocalRead;
use shared::markdown::{self, Block};
use shared::merge::{merge, FieldChange, MergeError};
use shared::protocol::{Operation, PushRequest, VersionProbe};
use shared::{AmendmentText, PersonName, Placement, TextError, VisitNote, VisitorName};
use std::collections::BTreeMap;
use std::fmt::Debug;

/// What the server's `read_json_object` lets through to the decoder: a body
/// whose first non-blank byte opens an object.
pub fn is_json_object(body: &[u8]) -> bool {
    body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{')
}

/// A decoded value encodes, and the encoding decodes to the same value.
pub fn assert_round_trip<T: Serialize + DeserializeOwned + PartialEq + Debug>(value: &T) {
    let json = match serde_json::to_vec(value) {
        Ok(json) => json,
        Err(e) => panic!("a decoded value does not encode: {e}: {value:?}"),
    };
    match serde_json::from_slice::<T>(&json) {
        Ok(back) => assert_eq!(
            &back,
            value,
            "round trip changed the value; encoded as {}",
            String::from_utf8_lossy(&json)
        ),
        Err(e) => panic!(
            "the encoding of a decoded value does not decode: {e}: {}",
            String::from_utf8_lossy(&json)
        ),
    }
}

/// `POST /api/v1/sync/push`: the version probe, then the request, as the
/// server reads them; then the text fields, the operation names and the
/// field merge of every patch in it.
pub fn push_body(data: &[u8]) {
    if !is_json_object(data) {
        return;
    }
    let probe = serde_json::from_slice::<VersionProbe>(data);
    let Ok(request) = serde_json::from_slice::<PushRequest>(data) else {
        return;
    };
    // The probe must read every body the request decoder accepts, or the
    // server would refuse a valid push as malformed.
    match probe {
        Ok(probe) => assert_eq!(probe.protocol, request.protocol),
        Err(e) => panic!("a push request decodes but its version probe fails: {e}"),
    }
    assert_round_trip(&request);
    for mutation in &request.mutations {
        check_operation(&mutation.operation);
    }
    for read in &request.reads {
        check_local_read(read);
    }
}

fn check_operation(operation: &Operation) {
    let wire = match serde_json::to_value(operation) {
        Ok(wire) => wire,
        Err(e) => panic!("an operation does not encode: {e}"),
    };
    assert_eq!(
        wire.get("op").and_then(Value::as_str),
        Some(operation.name()),
        "the audit log's operation name differs from the wire name"
    );
    match operation {
        Operation::CreateVisit(visit) => {
            assert_text::<VisitorName>(visit.visitor.as_str(), &TEXT_VISITOR_NAME);
            assert_text::<VisitNote>(visit.note.as_str(), &TEXT_VISIT_NOTE);
        }
        Operation::AmendVisit(amendment) => {
            assert_text::<VisitorName>(amendment.author.as_str(), &TEXT_VISITOR_NAME);
            assert_text::<AmendmentText>(amendment.text.as_str(), &TEXT_AMENDMENT);
        }
        Operation::CreatePlacement(placement) => {
            assert_text::<PersonName>(placement.home_name.as_str(), &TEXT_PERSON_NAME);
        }
        Operation::PatchRecord(patch) => {
            let editable = patch.target.kind.editable_fields();
            // Against a record the patch was made from: every field applies.
            let base: serde_json::Map<String, Value> = patch
                .fields
                .iter()
                .map(|(field, change)| (field.clone(), change.from.clone()))
                .collect();
            check_merge(&Value::Object(base), &patch.fields, editable);
            // Against a record someone else changed meanwhile.
            check_merge(&sample_placement(), &patch.fields, editable);
        }
        Operation::ClosePlacement(closing) => {
            assert_text::<VisitorName>(closing.signed_by_name.as_str(), &TEXT_VISITOR_NAME);
            assert_text::<VisitNote>(closing.closing_note.as_str(), &TEXT_VISIT_NOTE);
            assert_text::<VisitNote>(closing.reason_text.as_str(), &TEXT_VISIT_NOTE);
        }
        Operation::TickChecklist(tick) => {
            assert_text::<VisitorName>(tick.by_name.as_str(), &TEXT_VISITOR_NAME);
        }
        Operation::DeleteRecord(_)
        | Operation::ResolveConflict(_)
        | Operation::LeaveMessage(_)
        | Operation::ReportDeviation(_) => {}
    }
}

/// A stored placement as the server holds it, for merging patches into.
fn sample_placement() -> Value {
    serde_json::json!({
        "id": "0b8a0f5e-3c1d-4f5e-9d77-2b1f7a5c9e11",
        "child_id": "0b8a0f5e-3c1d-4f5e-9d77-2b1f7a5c9e02",
        "kind": "foster_home",
        "home_name": "Familjen Berg",
        "legal_basis": "sol",
        "start_date": "2026-01-10",
        "end_date": null
    })
}

/// The rules of one text newtype, written out independently of `parse`.
pub struct TextRules {
    pub max_chars: usize,
    pub empty_ok: bool,
    pub multiline: bool,
}

const TEXT_VISITOR_NAME: TextRules = TextRules {
    max_chars: 120,
    empty_ok: false,
    multiline: false,
};
const TEXT_PERSON_NAME: TextRules = TextRules {
    max_chars: 120,
    empty_ok: false,
    multiline: false,
};
const TEXT_VISIT_NOTE: TextRules = TextRules {
    max_chars: 20_000,
    empty_ok: true,
    multiline: true,
};
const TEXT_AMENDMENT: TextRules = TextRules {
    max_chars: 20_000,
    empty_ok: false,
    multiline: true,
};

fn char_allowed(c: char, rules: &TextRules) -> bool {
    !c.is_control() || (rules.multiline && matches!(c, '\n' | '\t' | '\r'))
}

/// Text that a newtype holds: trimmed, within its length, not empty where
/// that is not allowed, no forbidden control characters.
fn assert_text<T: TextNewtype>(held: &str, rules: &TextRules) {
    assert_eq!(held, held.trim(), "{}: not trimmed: {held:?}", T::NAME);
    assert!(
        held.chars().count() <= rules.max_chars,
        "{}: {} characters, more than {}",
        T::NAME,
        held.chars().count(),
        rules.max_chars
    );
    assert_eq!(T::MAX, rules.max_chars, "{}: MAX_CHARS changed", T::NAME);
    assert!(
        rules.empty_ok || !held.is_empty(),
        "{}: empty but must not be",
        T::NAME
    );
    assert!(
        held.chars().all(|c| char_allowed(c, rules)),
        "{}: a forbidden control character in {held:?}",
        T::NAME
    );
}

/// The four text newtypes, so that one check covers them all.
pub trait TextNewtype: Serialize + DeserializeOwned + PartialEq + Debug + Sized {
    const NAME: &'static str;
    const MAX: usize;
    fn parse(raw: &str) -> Result<Self, TextError>;
    fn text(&self) -> &str;
}

macro_rules! text_newtype {
    ($t:ty) => {
        impl TextNewtype for $t {
            const NAME: &'static str = stringify!($t);
            const MAX: usize = <$t>::MAX_CHARS;
            fn parse(raw: &str) -> Result<Self, TextError> {
                <$t>::parse(raw)
            }
            fn text(&self) -> &str {
                self.as_str()
            }
        }
    };
}
text_newtype!(VisitorName);
text_newtype!(VisitNote);
text_newtype!(PersonName);
text_newtype!(AmendmentText);

/// `parse` of one newtype against its rules, and its JSON form against `parse`.
fn check_text_parse<T: TextNewtype>(raw: &str, rules: &TextRules) {
    let trimmed = raw.trim();
    let parsed = T::parse(raw);
    match &parsed {
        Ok(value) => {
            assert_eq!(
                value.text(),
                trimmed,
                "{}: keeps more than the trimmed text",
                T::NAME
            );
            assert_text::<T>(value.text(), rules);
            assert_eq!(
                T::parse(value.text()).as_ref(),
                Ok(value),
                "{}: not idempotent",
                T::NAME
            );
            assert_round_trip(value);
        }
        Err(TextError::Empty) => {
            assert!(
                !rules.empty_ok && trimmed.is_empty(),
                "{}: wrongly empty",
                T::NAME
            );
        }
        Err(TextError::TooLong { max }) => {
            assert_eq!(*max, rules.max_chars, "{}: wrong limit reported", T::NAME);
            assert!(
                trimmed.chars().count() > *max,
                "{}: wrongly too long",
                T::NAME
            );
        }
        Err(TextError::ControlCharacter) => assert!(
            trimmed.chars().any(|c| !char_allowed(c, rules)),
            "{}: no forbidden control character in {trimmed:?}",
            T::NAME
        ),
    }
    // Deserialisation goes through `parse`: it accepts exactly what `parse` does.
    let json = match serde_json::to_string(raw) {
        Ok(json) => json,
        Err(e) => panic!("a string does not encode: {e}"),
    };
    let decoded = serde_json::from_str::<T>(&json);
    match (&parsed, &decoded) {
        (Ok(p), Ok(d)) => assert_eq!(p, d, "{}: JSON and parse disagree", T::NAME),
        (Err(_), Err(_)) => {}
        _ => panic!(
            "{}: JSON and parse disagree: {parsed:?} / {decoded:?}",
            T::NAME
        ),
    }
}

/// The text newtypes' `parse` (every name and note on the wire goes through it).
pub fn text_newtypes(data: &[u8]) {
    let raw = String::from_utf8_lossy(data);
    check_text_parse::<VisitorName>(&raw, &TEXT_VISITOR_NAME);
    check_text_parse::<PersonName>(&raw, &TEXT_PERSON_NAME);
    check_text_parse::<VisitNote>(&raw, &TEXT_VISIT_NOTE);
    check_text_parse::<AmendmentText>(&raw, &TEXT_AMENDMENT);
}

/// `shared::merge::merge` on an untrusted record and patch, read from
/// `{"current": <any JSON>, "patch": {<field>: {"from": .., "to": ..}}}`,
/// with the placement's editable fields.
pub fn merge_patch(data: &[u8]) {
    let Ok(input) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let current = input.get("current").cloned().unwrap_or(Value::Null);
    let Some(Ok(patch)) = input
        .get("patch")
        .map(|p| serde_json::from_value::<BTreeMap<String, FieldChange>>(p.clone()))
    else {
        return;
    };
    check_merge(&current, &patch, Placement::EDITABLE_FIELDS);
    // Against the patch's own `from` values: every field applies.
    let base: serde_json::Map<String, Value> = patch
        .iter()
        .map(|(field, change)| (field.clone(), change.from.clone()))
        .collect();
    check_merge(&Value::Object(base), &patch, Placement::EDITABLE_FIELDS);
}

/// The merge's promises (see `shared::merge`): only editable fields; each
/// patched field is applied, already done, or kept in a conflict, never
/// lost; untouched fields stay; the same patch twice changes nothing more.
fn check_merge(current: &Value, patch: &BTreeMap<String, FieldChange>, editable: &[&str]) {
    let result = merge(current, patch, editable);
    let first_not_editable = patch.keys().find(|f| !editable.contains(&f.as_str()));
    let merged = match (result, current.as_object()) {
        (Err(MergeError::Empty), _) => {
            assert!(patch.is_empty(), "a non-empty patch refused as empty");
            return;
        }
        (Err(MergeError::NotAnObject), None) => {
            assert!(!patch.is_empty());
            return;
        }
        (Err(MergeError::FieldNotEditable(field)), Some(_)) => {
            assert_eq!(Some(&field), first_not_editable, "wrong field refused");
            return;
        }
        (Ok(merged), Some(_)) => merged,
        (other, _) => panic!("unexpected merge result {other:?} for {current}"),
    };
    assert!(!patch.is_empty(), "an empty patch merged");
    assert_eq!(
        first_not_editable, None,
        "a field outside the editable set merged"
    );
    let Some(record) = merged.record.as_object() else {
        panic!("the merged record is not an object");
    };
    let Some(before) = current.as_object() else {
        panic!("merged into a record that is not an object");
    };
    let mut changed = false;
    let mut expected_conflicts = Vec::new();
    for (field, change) in patch {
        let now = before.get(field).unwrap_or(&Value::Null);
        let after = record.get(field).unwrap_or(&Value::Null);
        let conflict = merged.conflicts.iter().find(|c| &c.field == field);
        if *now == change.to {
            assert_eq!(
                after, now,
                "{field}: an edit already made changed the field"
            );
            assert!(
                conflict.is_none(),
                "{field}: an edit already made conflicts"
            );
        } else if *now == change.from {
            assert_eq!(after, &change.to, "{field}: the edit did not apply");
            assert!(conflict.is_none(), "{field}: an applied edit conflicts");
            changed = true;
        } else {
            assert_eq!(
                after, now,
                "{field}: a conflicting edit overwrote the field"
            );
            match conflict {
                Some(c) => {
                    assert_eq!(
                        &c.server_value, now,
                        "{field}: conflict lost the server's value"
                    );
                    assert_eq!(c.device_value, change.to, "{field}: conflict lost the edit");
                }
                None => panic!("{field}: a conflicting edit vanished"),
            }
            expected_conflicts.push(field.clone());
        }
    }
    assert_eq!(merged.changed, changed, "`changed` is wrong");
    let conflict_fields: Vec<String> = merged.conflicts.iter().map(|c| c.field.clone()).collect();
    assert_eq!(
        conflict_fields, expected_conflicts,
        "conflicts not one per field, in order"
    );
    for (field, value) in before {
        if !patch.contains_key(field) {
            assert_eq!(
                record.get(field),
                Some(value),
                "{field}: untouched field changed"
            );
        }
    }
    for field in record.keys() {
        assert!(
            before.contains_key(field) || patch.contains_key(field),
            "{field}: appeared from nowhere"
        );
    }
    for conflict in &merged.conflicts {
        assert_round_trip(conflict);
    }
    // The same patch again (a retried push): nothing more changes.
    match merge(&merged.record, patch, editable) {
        Ok(again) => {
            assert!(
                !again.changed,
                "the same patch applied twice changed the record"
            );
            assert_eq!(again.record, merged.record);
            assert_eq!(again.conflicts, merged.conflicts);
        }
        Err(e) => panic!("the same patch merged once but not twice: {e}"),
    }
}

fn check_local_read(read: &LocalRead) {
    assert_round_trip(read);
    let wire = match serde_json::to_value(read) {
        Ok(wire) => wire,
        Err(e) => panic!("a local read does not encode: {e}"),
    };
    assert_eq!(
        wire.get("kind").and_then(Value::as_str),
        Some(read.kind.as_str()),
        "the audit log's kind differs from the wire name"
    );
}

/// A tablet's read from its own store, as it rides along in a push.
pub fn local_read(data: &[u8]) {
    if let Ok(read) = serde_json::from_slice::<LocalRead>(data) {
        check_local_read(&read);
    }
}

/// A routine body's Markdown, any text at all: `shared::markdown::parse`,
/// then the plain text, which is that of each block's inlines (`plain_text`)
/// joined as `to_plain_text` documents (no separator before the first text,
/// even if blocks without text come first). See `markdown.rs` for the rest.
pub fn markdown(data: &[u8]) {
    let source = String::from_utf8_lossy(data);
    let blocks = markdown::parse(&source);
    let plain = markdown::to_plain_text(&blocks);
    markdown_checks::check_rendering(&source, &blocks, &plain);
    let mut expected = String::new();
    for block in &blocks {
        let text = block_plain_text(block);
        if !expected.is_empty() {
            expected.push_str("\n\n");
        }
        expected.push_str(&text);
    }
    assert_eq!(plain, expected, "the plain text is not its blocks'");
}

/// One block's text: its inlines' `plain_text`, a list's items and nested
/// items one a line.
fn block_plain_text(block: &Block) -> String {
    match block {
        Block::Heading { inlines, .. } | Block::Paragraph(inlines) | Block::Quote(inlines) => {
            markdown::plain_text(inlines)
        }
        Block::List(list) => {
            let mut lines = Vec::new();
            for item in &list.items {
                lines.push(markdown::plain_text(&item.inlines));
                for sub_item in item.sublist.iter().flat_map(|sub| &sub.items) {
                    lines.push(markdown::plain_text(sub_item));
                }
            }
            lines.join("\n")
        }
    }
}
