//! A JSON import: one [`ImportBatch`] document (`homes`, `home_checks`,
//! `children`, `placements`, each optional; nothing else). Each item is read
//! on its own, so that a problem names its array, its number in the array
//! (from 1, as `line`) and its field (`children.birth_date`). Every string
//! is checked as a CSV cell is: no formula, no personal identity number.

use super::csv_file::external_id_message;
use super::text::{cell_hazard, CellKind};
use super::{Problems, MAX_IMPORT_ROWS};
use serde::de::DeserializeOwned;
use serde_json::Value;
use shared::import::{ChildRow, HomeCheckRow, HomeRow, ImportBatch, PlacementRow};
use shared::register::HomeCheck;

/// A home check as the document spells it. [`HomeCheckRow`] flattens its
/// [`HomeCheck`], and through a flattened struct serde names no field in
/// its errors; read the same fields plainly instead.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckItem {
    #[serde(skip)]
    line: u32,
    home: shared::domain::ExternalId,
    kind: shared::register::CheckKind,
    date: chrono::NaiveDate,
    result: shared::register::CheckResult,
    made_by: shared::domain::PersonName,
    #[serde(default)]
    note: shared::domain::VisitNote,
}

impl CheckItem {
    fn into_row(self) -> HomeCheckRow {
        HomeCheckRow {
            line: self.line,
            home: self.home,
            check: HomeCheck {
                kind: self.kind,
                date: self.date,
                result: self.result,
                made_by: self.made_by,
                note: self.note,
            },
        }
    }
}

const ARRAYS: &str = "homes, home_checks, children och placements";

pub fn read(text: &str, problems: &mut Problems) -> Option<ImportBatch> {
    let value: Value = match serde_json::from_str(text) {
        Ok(value) => value,
        Err(e) => {
            problems.add(
                0,
                "",
                format!(
                    "ogiltig JSON (textrad {}, kolumn {}): {e}",
                    e.line(),
                    e.column()
                ),
            );
            return None;
        }
    };
    let Value::Object(document) = value else {
        problems.add(
            0,
            "",
            format!("dokumentet ska vara ett JSON-objekt med listorna {ARRAYS}"),
        );
        return None;
    };
    let mut batch = ImportBatch::default();
    for (key, value) in document {
        match key.as_str() {
            "homes" => batch.homes = items(&key, value, problems, |r: &mut HomeRow| &mut r.line),
            "home_checks" => {
                batch.home_checks = items(&key, value, problems, |r: &mut CheckItem| &mut r.line)
                    .into_iter()
                    .map(CheckItem::into_row)
                    .collect();
            }
            "children" => {
                batch.children = items(&key, value, problems, |r: &mut ChildRow| &mut r.line);
            }
            "placements" => {
                batch.placements = items(&key, value, problems, |r: &mut PlacementRow| &mut r.line);
            }
            other => problems.add(
                0,
                other,
                format!("okänt fält; dokumentet har listorna {ARRAYS}"),
            ),
        }
    }
    Some(batch)
}

/// The items of one array, each numbered from 1 in its `line`.
fn items<T: DeserializeOwned>(
    array: &str,
    value: Value,
    problems: &mut Problems,
    line_of: fn(&mut T) -> &mut u32,
) -> Vec<T> {
    let Value::Array(items) = value else {
        problems.add(0, array, "ska vara en lista (JSON-array)");
        return Vec::new();
    };
    if items.len() > MAX_IMPORT_ROWS {
        problems.add(
            0,
            array,
            format!(
                "{} rader; högst {MAX_IMPORT_ROWS} tas emot i en import: dela upp den",
                items.len()
            ),
        );
        return Vec::new();
    }
    let mut rows = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        let line = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let before = problems.len();
        walk_strings(&item, &mut String::new(), &mut |path, s| {
            let kind = if path == "contact.phone" {
                CellKind::Phone
            } else {
                CellKind::Plain
            };
            if let Some(why) = cell_hazard(s, kind) {
                problems.add(line, &format!("{array}.{path}"), why);
            }
        });
        if problems.len() > before {
            continue;
        }
        match serde_path_to_error::deserialize::<_, T>(item) {
            Ok(mut row) => {
                *line_of(&mut row) = line;
                rows.push(row);
            }
            Err(e) => {
                let (field, message) = describe(&e);
                let field = if field.is_empty() {
                    array.to_owned()
                } else {
                    format!("{array}.{field}")
                };
                problems.add(line, &field, message);
            }
        }
    }
    rows
}

/// Calls `f` with every string in `value` and its path (`contact.phone`,
/// `workers[1]`).
fn walk_strings(value: &Value, path: &mut String, f: &mut impl FnMut(&str, &str)) {
    match value {
        Value::String(s) => f(path, s),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                walk_strings(item, path, f);
                path.truncate(len);
            }
        }
        Value::Object(map) => {
            for (key, item) in map {
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key);
                walk_strings(item, path, f);
                path.truncate(len);
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

/// The field a deserialisation error is about, and what is wrong, in
/// Swedish where the error is one of the common ones.
fn describe(e: &serde_path_to_error::Error<serde_json::Error>) -> (String, String) {
    let message = e.inner().to_string();
    let quoted = |prefix: &str| {
        message
            .strip_prefix(prefix)
            .and_then(|rest| rest.split('`').next())
            .map(str::to_owned)
    };
    let path = e.path().to_string();
    // An unknown field is already in the path; a missing one is not.
    let at = |field: String| {
        if path == "." || path == "?" {
            field
        } else if path == field || path.ends_with(&format!(".{field}")) {
            path.clone()
        } else {
            format!("{path}.{field}")
        }
    };
    if let Some(field) = quoted("missing field `") {
        return (at(field), "saknas".into());
    }
    if let Some(field) = quoted("unknown field `") {
        return (at(field), "okänt fält".into());
    }
    let field = if path == "." || path == "?" {
        String::new()
    } else {
        path
    };
    // An external id's own error, in the words the CSV reader uses.
    let external = [
        shared::domain::ExternalIdError::PersonalIdentityNumber,
        shared::domain::ExternalIdError::Character,
        shared::domain::ExternalIdError::Empty,
    ]
    .into_iter()
    .find(|err| message.starts_with(&err.to_string()));
    match external {
        Some(err) => (field, external_id_message(&err)),
        None => (field, format!("ogiltigt värde: {message}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::import::ImportProblem;

    fn read_json(text: &str) -> Result<ImportBatch, Vec<ImportProblem>> {
        super::super::read(text.as_bytes(), super::super::Format::Json, None)
    }

    fn lines_and_fields(problems: &[ImportProblem]) -> Vec<(u32, &str)> {
        problems
            .iter()
            .map(|p| (p.line, p.field.as_str()))
            .collect()
    }

    const GOOD: &str = r#"{
      "homes": [{"external_id": "HEM-1", "unit": "Familjehemsenheten", "kind": "foster_home",
                 "name": "Familjen Lind", "contact": {"phone": "+46 70-123 45 67"}}],
      "home_checks": [{"home": "HEM-1", "kind": "violence", "date": "2025-06-01",
                       "result": "no_remarks", "made_by": "Karin Berg"}],
      "children": [{"external_id": "BARN-1", "given_name": "Elsa", "family_name": "Öberg",
                    "birth_date": "2014-05-02", "sex": "girl", "unit": "Familjehemsenheten",
                    "workers": ["anna"]}],
      "placements": [{"external_id": "PL-1", "child": "BARN-1", "home": "HEM-1",
                      "legal_basis": "lvu", "start_date": "2025-09-01"}]
    }"#;

    #[test]
    fn a_whole_document_reads_with_items_numbered() {
        let batch = read_json(GOOD).expect("good");
        assert_eq!(batch.homes.len(), 1);
        assert_eq!(batch.home_checks[0].line, 1);
        assert_eq!(batch.children[0].workers, ["anna"]);
        assert_eq!(batch.placements[0].child.as_str(), "BARN-1");
        assert!(read_json("{}").expect("empty").children.is_empty());
    }

    #[test]
    fn problems_name_the_array_item_and_field() {
        let bad = r#"{"children": [
            {"external_id": "BARN-1", "given_name": "Elsa", "family_name": "Öberg",
             "birth_date": "2014-05-02", "unit": "E"},
            {"external_id": "BARN-2", "given_name": "Omar", "family_name": "Said",
             "birth_date": "2011-13-30", "unit": "E"},
            {"external_id": "BARN-3", "given_name": "Kim", "family_name": "Ek", "unit": "E"},
            {"external_id": "BARN-4", "given_name": "Bo", "family_name": "Ek",
             "birth_date": "2016-01-15", "unit": "E", "personnummer": "x"}
          ],
          "home_checks": [{"home": "HEM-1", "kind": "violence", "date": "2025-06-01",
                           "result": "maybe", "made_by": "K"}],
          "visits": []}"#;
        let problems = read_json(bad).expect_err("bad");
        assert_eq!(
            lines_and_fields(&problems),
            [
                (0, "visits"),
                (1, "home_checks.result"),
                (2, "children.birth_date"),
                (3, "children.birth_date"),
                (4, "children.personnummer"),
            ],
            "{problems:#?}"
        );
        assert_eq!(problems[3].message, "saknas");
    }

    #[test]
    fn an_unknown_field_of_a_flattened_check_is_refused() {
        let bad = r#"{"home_checks": [{"home": "HEM-1", "kind": "violence", "date": "2025-06-01",
                       "result": "no_remarks", "made_by": "K", "colour": "red"}]}"#;
        let problems = read_json(bad).expect_err("unknown field");
        assert_eq!(lines_and_fields(&problems), [(1, "home_checks.colour")]);
    }

    #[test]
    fn a_document_written_from_a_batch_reads_back_the_same() {
        let batch = read_json(GOOD).expect("good");
        let again = read_json(&serde_json::to_string(&batch).expect("json")).expect("again");
        assert_eq!(again, batch);
    }

    #[test]
    fn hostile_strings_are_refused() {
        let bad = r#"{"children": [
            {"external_id": "BARN-1", "given_name": "=cmd|' /C calc'!A0", "family_name": "Öberg",
             "birth_date": "2014-05-02", "unit": "E"},
            {"external_id": "20140502-1234", "given_name": "Omar", "family_name": "Said",
             "birth_date": "2011-11-30", "unit": "E", "workers": ["anna", "@evil"]}
          ]}"#;
        let problems = read_json(bad).expect_err("hostile");
        assert_eq!(
            lines_and_fields(&problems),
            [
                (1, "children.given_name"),
                (2, "children.external_id"),
                (2, "children.workers[1]")
            ],
            "{problems:#?}"
        );
    }

    /// The cases the JSON Schema refuses (`scripts/test.sh` checks that it
    /// does) are refused by the server too.
    #[test]
    fn what_the_schema_refuses_the_reader_refuses() {
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/schema/import-invalid");
        let mut cases = 0;
        for entry in std::fs::read_dir(&dir).expect("cases") {
            let path = entry.expect("entry").path();
            let text = std::fs::read_to_string(&path).expect("case");
            let problems = read_json(&text).expect_err(&path.display().to_string());
            assert!(!problems.is_empty());
            cases += 1;
        }
        assert!(cases >= 10, "{cases} cases in {}", dir.display());
    }

    #[test]
    fn not_a_document_is_refused_whole() {
        for bad in ["[]", "{\"children\": {}}", "{\"children\": [", "null"] {
            let problems = read_json(bad).expect_err(bad);
            assert_eq!(problems[0].line, 0, "{bad}");
        }
        let duplicate = r#"{"homes": [
            {"external_id": "HEM-1", "unit": "E", "kind": "foster_home", "name": "A"},
            {"external_id": "HEM-1", "unit": "E", "kind": "foster_home", "name": "B"}]}"#;
        let problems = read_json(duplicate).expect_err("duplicate");
        assert_eq!(lines_and_fields(&problems), [(2, "homes.external_id")]);
    }
}
