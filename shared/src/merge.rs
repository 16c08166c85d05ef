//! Field-by-field merge of concurrent edits to an editable record, without
//! clocks. A patch says, for each field it changes, the value it was edited
//! from and the value it sets. On the server:
//!
//! - the field still holds `from`: the edit applies;
//! - the field already holds `to`: nothing to do (the same edit arrived twice,
//!   or two people made the same change);
//! - anything else: someone else changed the same field. The server's value
//!   stays, and the device's value is kept in a conflict for a person to choose.
//!
//! So concurrent edits of different fields both apply, and no edit vanishes
//! without a conflict record.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// One field's edit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldChange {
    pub from: Value,
    pub to: Value,
}

/// A field that two people changed differently.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldConflict {
    pub field: String,
    /// The value the record keeps until someone chooses.
    pub server_value: Value,
    /// The value the device wanted.
    pub device_value: Value,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Merged {
    pub record: Value,
    /// Whether the record changed.
    pub changed: bool,
    pub conflicts: Vec<FieldConflict>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MergeError {
    #[error("the record is not a JSON object")]
    NotAnObject,
    #[error("field `{0}` cannot be edited")]
    FieldNotEditable(String),
    #[error("the patch changes no field")]
    Empty,
}

/// Applies `patch` to `current`, allowing only `editable` fields.
pub fn merge(
    current: &Value,
    patch: &BTreeMap<String, FieldChange>,
    editable: &[&str],
) -> Result<Merged, MergeError> {
    if patch.is_empty() {
        return Err(MergeError::Empty);
    }
    let mut record: Map<String, Value> = current
        .as_object()
        .cloned()
        .ok_or(MergeError::NotAnObject)?;
    let mut changed = false;
    let mut conflicts = Vec::new();
    for (field, change) in patch {
        if !editable.contains(&field.as_str()) {
            return Err(MergeError::FieldNotEditable(field.clone()));
        }
        let now = record.get(field).cloned().unwrap_or(Value::Null);
        if now == change.to {
            continue;
        }
        if now == change.from {
            record.insert(field.clone(), change.to.clone());
            changed = true;
        } else {
            conflicts.push(FieldConflict {
                field: field.clone(),
                server_value: now,
                device_value: change.to.clone(),
            });
        }
    }
    Ok(Merged {
        record: Value::Object(record),
        changed,
        conflicts,
    })
}

/// The patch that turns `before` into `after` (fields that differ only).
pub fn diff(before: &Value, after: &Value, editable: &[&str]) -> BTreeMap<String, FieldChange> {
    editable
        .iter()
        .filter_map(|f| {
            let from = before.get(f).cloned().unwrap_or(Value::Null);
            let to = after.get(f).cloned().unwrap_or(Value::Null);
            (from != to).then(|| ((*f).to_owned(), FieldChange { from, to }))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    const FIELDS: &[&str] = &["a", "b", "c"];

    fn change(from: Value, to: Value) -> FieldChange {
        FieldChange { from, to }
    }

    #[test]
    fn edit_from_the_current_value_applies() {
        let m = merge(
            &json!({"id": 1, "a": "x", "b": 1}),
            &BTreeMap::from([("a".to_owned(), change(json!("x"), json!("y")))]),
            FIELDS,
        )
        .expect("merge");
        assert_eq!(m.record, json!({"id": 1, "a": "y", "b": 1}));
        assert!(m.changed);
        assert!(m.conflicts.is_empty());
    }

    #[test]
    fn concurrent_edits_of_different_fields_both_apply() {
        let base = json!({"a": "x", "b": 1});
        let first = merge(
            &base,
            &BTreeMap::from([("a".into(), change(json!("x"), json!("y")))]),
            FIELDS,
        )
        .expect("first");
        let second = merge(
            &first.record,
            &BTreeMap::from([("b".into(), change(json!(1), json!(2)))]),
            FIELDS,
        )
        .expect("second");
        assert_eq!(second.record, json!({"a": "y", "b": 2}));
        assert!(second.conflicts.is_empty());
    }

    #[test]
    fn concurrent_edits_of_the_same_field_keep_both() {
        let now = json!({"a": "server"});
        let m = merge(
            &now,
            &BTreeMap::from([("a".into(), change(json!("base"), json!("device")))]),
            FIELDS,
        )
        .expect("merge");
        assert_eq!(
            m.record, now,
            "the server's value stays until someone chooses"
        );
        assert!(!m.changed);
        assert_eq!(
            m.conflicts,
            vec![FieldConflict {
                field: "a".into(),
                server_value: json!("server"),
                device_value: json!("device"),
            }]
        );
    }

    #[test]
    fn the_same_edit_twice_is_not_a_conflict() {
        let m = merge(
            &json!({"a": "y"}),
            &BTreeMap::from([("a".into(), change(json!("x"), json!("y")))]),
            FIELDS,
        )
        .expect("merge");
        assert!(!m.changed);
        assert!(m.conflicts.is_empty());
    }

    #[test]
    fn fields_outside_the_editable_set_are_refused() {
        assert_eq!(
            merge(
                &json!({"id": 1}),
                &BTreeMap::from([("id".into(), change(json!(1), json!(2)))]),
                FIELDS
            ),
            Err(MergeError::FieldNotEditable("id".into()))
        );
        assert_eq!(
            merge(&json!({}), &BTreeMap::new(), FIELDS),
            Err(MergeError::Empty)
        );
    }

    fn value() -> impl Strategy<Value = Value> {
        prop_oneof![Just(Value::Null), (0i64..4).prop_map(Value::from)]
    }

    fn record() -> impl Strategy<Value = Value> {
        (value(), value(), value()).prop_map(|(a, b, c)| json!({"a": a, "b": b, "c": c}))
    }

    proptest! {
        #[test]
        fn diff_then_merge_reproduces_the_edit(before in record(), after in record()) {
            let patch = diff(&before, &after, FIELDS);
            if patch.is_empty() {
                prop_assert_eq!(before, after);
            } else {
                let m = merge(&before, &patch, FIELDS).expect("merge");
                prop_assert_eq!(m.record, after);
                prop_assert!(m.conflicts.is_empty());
            }
        }

        /// Every field a patch touches ends up either with the device's value
        /// or in a conflict that holds it: no edit vanishes.
        #[test]
        fn no_edit_vanishes(base in record(), server in record(), device in record()) {
            let patch = diff(&base, &device, FIELDS);
            prop_assume!(!patch.is_empty());
            let m = merge(&server, &patch, FIELDS).expect("merge");
            for (field, change) in &patch {
                let kept = m.record.get(field) == Some(&change.to);
                let in_conflict = m.conflicts.iter().any(|c| &c.field == field && c.device_value == change.to);
                prop_assert!(kept || in_conflict, "field {} lost", field);
                prop_assert!(!(kept && in_conflict));
            }
            for field in FIELDS {
                if !patch.contains_key(*field) {
                    prop_assert_eq!(m.record.get(*field), server.get(*field), "untouched field changed");
                }
            }
        }
    }
}
