//! The children's corner ("För barn och unga", `shared/content/`): every text is
//! easy enough to read for its age group (LIX, `shared::readability`), every
//! Swedish text has an English and an Arabic text of the same shape, and the
//! contact cards the texts refer to are all there and described in every
//! language.

use serde_json::Value;
use shared::markdown::{self, Block};
use shared::readability::{self, Counts};
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// The reference language: every other language has the same files.
const SOURCE_LANGUAGE: &str = "sv";
const LANGUAGES: [&str; 3] = ["sv", "en", "ar"];
/// LIX is measured for these languages (it is defined for Latin-script
/// languages; Arabic words are not comparable).
const MEASURED_LANGUAGES: [&str; 2] = ["sv", "en"];

/// Age group, its highest allowed LIX and the topics it must have.
const AGE_GROUPS: [(&str, f64, &[&str]); 2] = [
    (
        "7-12",
        25.0,
        &[
            "besok",
            "bo-i-familjehem",
            "bo-i-jourhem",
            "bo-pa-hvb",
            "det-du-berattar",
            "klaga",
            "socialsekreterare",
            "varfor-placerad",
        ],
    ),
    (
        "13-18",
        35.0,
        &[
            "besok",
            "bo-i-familjehem",
            "bo-i-jourhem",
            "bo-i-stodboende",
            "bo-pa-hvb",
            "det-du-berattar",
            "klaga",
            "socialsekreterare",
            "varfor-placerad",
        ],
    ),
];

fn content_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("content")
}

fn group_dir(language: &str, group: &str) -> PathBuf {
    content_dir().join(language).join("children").join(group)
}

/// The topics (file stems) of the `.md` files in a directory.
fn topics(dir: &Path) -> BTreeSet<String> {
    let entries = fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    entries
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "md"))
        .map(|path| {
            let stem = path.file_stem().expect("file name").to_string_lossy();
            stem.into_owned()
        })
        .collect()
}

/// A content file: its title and its body without the front matter.
struct Text {
    title: String,
    body: String,
}

fn read_text(path: &Path) -> Text {
    let source = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let rest = source
        .strip_prefix("---\n")
        .unwrap_or_else(|| panic!("{}: no front matter (`---` first)", path.display()));
    let (front, body) = rest
        .split_once("\n---\n")
        .unwrap_or_else(|| panic!("{}: front matter is not closed by `---`", path.display()));
    let title = front
        .lines()
        .find_map(|line| line.strip_prefix("title:"))
        .map(|title| title.trim().to_owned())
        .unwrap_or_default();
    Text {
        title,
        body: body.to_owned(),
    }
}

/// Headings, paragraphs and list items (nested items included) of a body.
#[derive(Debug, PartialEq, Eq)]
struct Shape {
    headings: usize,
    paragraphs: usize,
    list_items: usize,
}

fn shape(body: &str) -> Shape {
    let mut shape = Shape {
        headings: 0,
        paragraphs: 0,
        list_items: 0,
    };
    for block in markdown::parse(body) {
        match block {
            Block::Heading { .. } => shape.headings += 1,
            Block::Paragraph(_) | Block::Quote(_) => shape.paragraphs += 1,
            Block::List(list) => {
                for item in &list.items {
                    shape.list_items += 1 + item.sublist.as_ref().map_or(0, |sub| sub.items.len());
                }
            }
        }
    }
    shape
}

#[test]
fn every_age_group_has_its_topics_in_every_language() {
    let mut problems = Vec::new();
    for language in LANGUAGES {
        for (group, _, expected) in AGE_GROUPS {
            let found = topics(&group_dir(language, group));
            let expected: BTreeSet<String> = expected.iter().map(|t| (*t).to_owned()).collect();
            for missing in expected.difference(&found) {
                problems.push(format!(
                    "{language}/children/{group}/{missing}.md is missing"
                ));
            }
            for extra in found.difference(&expected) {
                problems.push(format!(
                    "{language}/children/{group}/{extra}.md is not a topic"
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_text_has_a_title_and_a_body() {
    let mut problems = Vec::new();
    for language in LANGUAGES {
        for (group, _, _) in AGE_GROUPS {
            let dir = group_dir(language, group);
            for topic in topics(&dir) {
                let text = read_text(&dir.join(format!("{topic}.md")));
                if text.title.is_empty() {
                    problems.push(format!("{language}/{group}/{topic}: empty title"));
                }
                if text.body.trim().is_empty() {
                    problems.push(format!("{language}/{group}/{topic}: empty body"));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn texts_are_easy_enough_to_read() {
    let mut table = Vec::new();
    let mut too_hard = false;
    for language in MEASURED_LANGUAGES {
        for (group, limit, _) in AGE_GROUPS {
            let dir = group_dir(language, group);
            for topic in topics(&dir) {
                let text = read_text(&dir.join(format!("{topic}.md")));
                let plain = readability::markdown_text(&text.body);
                let counts = Counts::of(&plain);
                let lix = readability::lix(&plain);
                let verdict = if lix <= limit {
                    "ok"
                } else {
                    too_hard = true;
                    "TOO HARD"
                };
                table.push(format!(
                    "{lix:5.1} (max {limit:.0}) {verdict:8} {language}/{group}/{topic}  \
                     words {}, long {}, sentences {}",
                    counts.words, counts.long_words, counts.sentences
                ));
            }
        }
    }
    assert!(!too_hard, "LIX per file:\n{}", table.join("\n"));
    assert!(
        !table.is_empty(),
        "no texts found under {}",
        content_dir().display()
    );
}

#[test]
fn translations_have_the_shape_of_the_swedish() {
    let mut problems = Vec::new();
    for (group, _, _) in AGE_GROUPS {
        let source_dir = group_dir(SOURCE_LANGUAGE, group);
        for topic in topics(&source_dir) {
            let source = shape(&read_text(&source_dir.join(format!("{topic}.md"))).body);
            for language in LANGUAGES.iter().filter(|l| **l != SOURCE_LANGUAGE) {
                let path = group_dir(language, group).join(format!("{topic}.md"));
                if !path.exists() {
                    problems.push(format!("{language}/{group}/{topic}.md is missing"));
                    continue;
                }
                let translated = shape(&read_text(&path).body);
                if translated != source {
                    problems.push(format!(
                        "{language}/{group}/{topic}: {translated:?}, Swedish has {source:?}"
                    ));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

fn read_json(path: &Path) -> Value {
    let source = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&source).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn non_empty_str<'a>(contact: &'a Value, field: &str) -> Option<&'a str> {
    contact
        .get(field)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

#[test]
fn contacts_are_complete_and_described_in_every_language() {
    let file = read_json(&content_dir().join("contacts.json"));
    for field in ["reviewed_by", "reviewed_on"] {
        assert!(file.get(field).is_some(), "contacts.json: no `{field}`");
    }
    let contacts = file
        .get("contacts")
        .and_then(Value::as_array)
        .expect("contacts.json: `contacts` is an array");
    assert!(!contacts.is_empty(), "contacts.json: no contacts");

    let mut ids = BTreeSet::new();
    let mut problems = Vec::new();
    for (n, contact) in contacts.iter().enumerate() {
        let Some(id) = non_empty_str(contact, "id") else {
            problems.push(format!("contact {n}: no id"));
            continue;
        };
        if !ids.insert(id.to_owned()) {
            problems.push(format!("{id}: id used twice"));
        }
        if non_empty_str(contact, "name").is_none() {
            problems.push(format!("{id}: no name"));
        }
        if non_empty_str(contact, "phone").is_none() && non_empty_str(contact, "web").is_none() {
            problems.push(format!("{id}: neither phone nor web"));
        }
        if let Some(web) = non_empty_str(contact, "web") {
            if !web.starts_with("https://") {
                problems.push(format!("{id}: web `{web}` is not an https:// address"));
            }
        }
        if !contact.get("verify_locally").is_some_and(Value::is_boolean) {
            problems.push(format!("{id}: verify_locally is not true or false"));
        }
        let must_say_what = contact.get("verify_locally") == Some(&Value::Bool(true));
        if must_say_what && non_empty_str(contact, "note").is_none() {
            problems.push(format!(
                "{id}: to be verified locally, but no note says what"
            ));
        }
    }

    for language in LANGUAGES {
        let path = content_dir().join(language).join("children/contacts.json");
        let descriptions: BTreeMap<String, Value> = match read_json(&path) {
            Value::Object(map) => map.into_iter().collect(),
            other => panic!("{}: not an object but {other}", path.display()),
        };
        for id in &ids {
            let described = descriptions
                .get(id)
                .and_then(Value::as_str)
                .is_some_and(|d| !d.trim().is_empty());
            if !described {
                problems.push(format!(
                    "{language}/children/contacts.json: no description of {id}"
                ));
            }
        }
        if MEASURED_LANGUAGES.contains(&language) {
            // Written for the youngest readers: one description a line.
            let all: Vec<&str> = descriptions.values().filter_map(Value::as_str).collect();
            let lix = readability::lix(&all.join("\n"));
            let (_, limit, _) = AGE_GROUPS[0];
            if lix > limit {
                problems.push(format!(
                    "{language}/children/contacts.json: LIX {lix:.1}, more than {limit:.0}"
                ));
            }
        }
        for id in descriptions.keys().filter(|id| !ids.contains(*id)) {
            problems.push(format!(
                "{language}/children/contacts.json: {id} is not a contact"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
