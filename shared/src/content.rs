//! Content: the texts that are not interface strings (routines, the
//! placement checklist, the children's corner), one file per language under
//! `shared/content/<language>/`. Swedish is the source. Each translated file
//! has a review status in `shared/content/review/<language>.json`, kept the
//! same way as the interface texts' (`barnbesok-texts`, docs/languages.md): a
//! draft, reviewed by whom and when, or outdated when the Swedish file changed
//! after the translation was made. The files are compiled in, so every
//! language is there offline.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The language every text is written in first.
pub const SOURCE: &str = "sv";

/// The fingerprint of a Swedish text (64-bit FNV-1a, hex): a review records
/// the fingerprint of the Swedish it was made from.
pub fn fingerprint(source: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in source.as_bytes() {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{hash:016x}")
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Recorded {
    Draft,
    Reviewed,
}

/// What a review file says of one translated text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewEntry {
    pub status: Recorded,
    /// Who reviewed it (for `reviewed`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    /// The day it was reviewed, `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on: Option<String>,
    /// The fingerprint of the Swedish text the translation was made from.
    pub source: String,
}

/// A language's review file: text key (or content path) → entry.
pub type ReviewFile = BTreeMap<String, ReviewEntry>;

/// A translation's status, as a reader sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TranslationStatus {
    Reviewed {
        by: String,
        on: String,
    },
    Draft,
    /// The Swedish changed after the translation was made or reviewed.
    Outdated,
}

impl TranslationStatus {
    /// The status of a translation made from `swedish`, given its review
    /// entry (none: never recorded, so a draft).
    pub fn of(entry: Option<&ReviewEntry>, swedish: &str) -> Self {
        match entry {
            Some(entry) if entry.source != fingerprint(swedish) => Self::Outdated,
            Some(ReviewEntry {
                status: Recorded::Reviewed,
                by,
                on,
                ..
            }) => Self::Reviewed {
                by: by.clone().unwrap_or_default(),
                on: on.clone().unwrap_or_default(),
            },
            _ => Self::Draft,
        }
    }
}

macro_rules! file {
    ($language:literal, $path:literal) => {
        (
            $language,
            $path,
            include_str!(concat!("../content/", $language, "/", $path)),
        )
    };
}

/// A group of content files, as (language, path, text), kept apart so that
/// each is linked only into the code that reads it: the placement checklist
/// is in the app's main module, the routines and the children's corner in
/// the parts their pages load on first use (docs/architecture.md). A test
/// checks that the shelves and the folders agree.
pub struct Shelf(&'static [(&'static str, &'static str, &'static str)]);

/// The placement checklist's words (`checklists.json`).
pub static CHECKLISTS: Shelf = Shelf(&[
    file!("sv", "checklists.json"),
    file!("en", "checklists.json"),
]);

/// The routines the app ships with (`routines/`).
pub static ROUTINES: Shelf = Shelf(&[
    file!("sv", "routines/avslut-av-placering.md"),
    file!("sv", "routines/besok-hos-placerade-barn.v1.md"),
    file!("sv", "routines/besok-hos-placerade-barn.v2.md"),
    file!("sv", "routines/checklista-vid-placering.md"),
    file!("sv", "routines/halsoundersokning-barn-0-6-ar.md"),
    file!(
        "sv",
        "routines/hembesok-fore-placering-funktionsnedsattning.md"
    ),
    file!("sv", "routines/information-om-klagomal-och-rattigheter.md"),
    file!("sv", "routines/samtal-med-barn.md"),
    file!("sv", "routines/utredning-av-familjehem.md"),
    file!("en", "routines/avslut-av-placering.md"),
    file!("en", "routines/besok-hos-placerade-barn.v1.md"),
    file!("en", "routines/besok-hos-placerade-barn.v2.md"),
    file!("en", "routines/checklista-vid-placering.md"),
    file!("en", "routines/halsoundersokning-barn-0-6-ar.md"),
    file!(
        "en",
        "routines/hembesok-fore-placering-funktionsnedsattning.md"
    ),
    file!("en", "routines/information-om-klagomal-och-rattigheter.md"),
    file!("en", "routines/samtal-med-barn.md"),
    file!("en", "routines/utredning-av-familjehem.md"),
]);

/// The children's corner (`children/`).
pub static CORNER: Shelf = Shelf(&[
    file!("sv", "children/13-18/besok.md"),
    file!("sv", "children/13-18/bo-i-familjehem.md"),
    file!("sv", "children/13-18/bo-i-jourhem.md"),
    file!("sv", "children/13-18/bo-i-stodboende.md"),
    file!("sv", "children/13-18/bo-pa-hvb.md"),
    file!("sv", "children/13-18/det-du-berattar.md"),
    file!("sv", "children/13-18/klaga.md"),
    file!("sv", "children/13-18/socialsekreterare.md"),
    file!("sv", "children/13-18/varfor-placerad.md"),
    file!("sv", "children/7-12/besok.md"),
    file!("sv", "children/7-12/bo-i-familjehem.md"),
    file!("sv", "children/7-12/bo-i-jourhem.md"),
    file!("sv", "children/7-12/bo-pa-hvb.md"),
    file!("sv", "children/7-12/det-du-berattar.md"),
    file!("sv", "children/7-12/klaga.md"),
    file!("sv", "children/7-12/socialsekreterare.md"),
    file!("sv", "children/7-12/varfor-placerad.md"),
    file!("sv", "children/contacts.json"),
    file!("en", "children/13-18/besok.md"),
    file!("en", "children/13-18/bo-i-familjehem.md"),
    file!("en", "children/13-18/bo-i-jourhem.md"),
    file!("en", "children/13-18/bo-i-stodboende.md"),
    file!("en", "children/13-18/bo-pa-hvb.md"),
    file!("en", "children/13-18/det-du-berattar.md"),
    file!("en", "children/13-18/klaga.md"),
    file!("en", "children/13-18/socialsekreterare.md"),
    file!("en", "children/13-18/varfor-placerad.md"),
    file!("en", "children/7-12/besok.md"),
    file!("en", "children/7-12/bo-i-familjehem.md"),
    file!("en", "children/7-12/bo-i-jourhem.md"),
    file!("en", "children/7-12/bo-pa-hvb.md"),
    file!("en", "children/7-12/det-du-berattar.md"),
    file!("en", "children/7-12/klaga.md"),
    file!("en", "children/7-12/socialsekreterare.md"),
    file!("en", "children/7-12/varfor-placerad.md"),
    file!("en", "children/contacts.json"),
    file!("ar", "children/13-18/besok.md"),
    file!("ar", "children/13-18/bo-i-familjehem.md"),
    file!("ar", "children/13-18/bo-i-jourhem.md"),
    file!("ar", "children/13-18/bo-i-stodboende.md"),
    file!("ar", "children/13-18/bo-pa-hvb.md"),
    file!("ar", "children/13-18/det-du-berattar.md"),
    file!("ar", "children/13-18/klaga.md"),
    file!("ar", "children/13-18/socialsekreterare.md"),
    file!("ar", "children/13-18/varfor-placerad.md"),
    file!("ar", "children/7-12/besok.md"),
    file!("ar", "children/7-12/bo-i-familjehem.md"),
    file!("ar", "children/7-12/bo-i-jourhem.md"),
    file!("ar", "children/7-12/bo-pa-hvb.md"),
    file!("ar", "children/7-12/det-du-berattar.md"),
    file!("ar", "children/7-12/klaga.md"),
    file!("ar", "children/7-12/socialsekreterare.md"),
    file!("ar", "children/7-12/varfor-placerad.md"),
    file!("ar", "children/contacts.json"),
]);

/// The review files, as (language, JSON).
const REVIEWS: &[(&str, &str)] = &[
    ("en", include_str!("../content/review/en.json")),
    ("ar", include_str!("../content/review/ar.json")),
];

impl Shelf {
    /// The text of one content file.
    pub fn file(&self, language: &str, path: &str) -> Option<&'static str> {
        self.0
            .iter()
            .find(|(l, p, _)| *l == language && *p == path)
            .map(|(_, _, text)| *text)
    }

    /// The files of `language` under `folder` (e.g. `routines/`), as (path,
    /// text).
    pub fn files_under<'a>(
        &self,
        language: &'a str,
        folder: &'a str,
    ) -> impl Iterator<Item = (&'static str, &'static str)> + 'a {
        self.0
            .iter()
            .filter(move |(l, p, _)| *l == language && p.starts_with(folder))
            .map(|(_, p, text)| (*p, *text))
    }

    /// The `'static` tag of a language that has a file on this shelf.
    pub fn language(&self, language: &str) -> Option<&'static str> {
        self.0
            .iter()
            .find(|(l, _, _)| *l == language)
            .map(|(l, _, _)| *l)
    }

    /// `path` in `language`, when it has been translated and the Swedish
    /// file it was made from still exists.
    pub fn translated(&self, language: &str, path: &str) -> Option<Translated> {
        if language == SOURCE {
            return None;
        }
        let swedish = self.file(SOURCE, path)?;
        let text = self.file(language, path)?;
        let review = review_file(language);
        Some(Translated {
            text,
            status: TranslationStatus::of(review.get(path), swedish),
        })
    }
}

fn review_file(language: &str) -> ReviewFile {
    REVIEWS
        .iter()
        .find(|(l, _)| *l == language)
        .and_then(|(_, json)| serde_json::from_str(json).ok())
        .unwrap_or_default()
}

/// A content file in a language other than Swedish, with its status.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Translated {
    pub text: &'static str,
    pub status: TranslationStatus,
}

/// The front matter of a content document: `key: value` lines between two
/// `---` lines, each with its line number, then the body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FrontMatter<'a> {
    pub fields: Vec<(usize, &'a str, &'a str)>,
    pub body: &'a str,
}

impl<'a> FrontMatter<'a> {
    pub fn get(&self, key: &str) -> Option<&'a str> {
        self.fields
            .iter()
            .find(|(_, k, _)| *k == key)
            .map(|(_, _, v)| *v)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FrontMatterError {
    #[error("a document starts with a front-matter block between two `---` lines")]
    Missing,
    #[error("line {line}: expected `key: value`")]
    MalformedLine { line: usize },
}

/// Splits a document into its front matter and body.
pub fn front_matter(document: &str) -> Result<FrontMatter<'_>, FrontMatterError> {
    let document = document.strip_prefix('\u{feff}').unwrap_or(document);
    let mut lines = document.split_inclusive('\n');
    let first = lines.next().ok_or(FrontMatterError::Missing)?;
    if first.trim() != "---" {
        return Err(FrontMatterError::Missing);
    }
    let mut fields = Vec::new();
    let mut consumed = first.len();
    for (n, line) in lines.enumerate() {
        consumed += line.len();
        let line = line.trim();
        if line == "---" {
            return Ok(FrontMatter {
                fields,
                body: &document[consumed..],
            });
        }
        if line.is_empty() {
            continue;
        }
        let (key, value) = line
            .split_once(':')
            .ok_or(FrontMatterError::MalformedLine { line: n + 2 })?;
        fields.push((n + 2, key.trim(), value.trim()));
    }
    Err(FrontMatterError::Missing)
}

/// The placement checklist's texts in one language
/// (`<language>/checklists.json`): each placement type's title and each
/// item's text, by item key.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct ChecklistTexts {
    pub titles: BTreeMap<crate::domain::PlacementKind, String>,
    pub items: BTreeMap<String, String>,
}

impl ChecklistTexts {
    pub fn parse(json: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(json)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn on_disk(dir: &Path, prefix: &str, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).expect("content folder") {
            let path = entry.expect("entry").path();
            let name = path.file_name().and_then(|n| n.to_str()).expect("name");
            let relative = format!("{prefix}{name}");
            if path.is_dir() {
                on_disk(&path, &format!("{relative}/"), out);
            } else {
                out.push(relative);
            }
        }
    }

    /// Every shelf, with the paths it holds.
    const SHELVES: [(&Shelf, &str); 3] = [
        (&CHECKLISTS, "checklists.json"),
        (&ROUTINES, "routines/"),
        (&CORNER, "children/"),
    ];

    fn every_file() -> impl Iterator<Item = &'static (&'static str, &'static str, &'static str)> {
        SHELVES.into_iter().flat_map(|(shelf, _)| shelf.0.iter())
    }

    fn on_its_shelf(language: &str, path: &str) -> Option<&'static str> {
        SHELVES
            .into_iter()
            .find_map(|(shelf, _)| shelf.file(language, path))
    }

    #[test]
    fn each_shelf_holds_only_its_own_folder() {
        for (shelf, holds) in SHELVES {
            for (language, path, _) in shelf.0 {
                assert!(path.starts_with(holds), "{language}/{path} is not {holds}");
            }
        }
    }

    #[test]
    fn every_file_in_the_content_folders_is_compiled_in_and_nothing_else() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("content");
        let mut found = Vec::new();
        for entry in std::fs::read_dir(&root).expect("content") {
            let path = entry.expect("entry").path();
            let language = path.file_name().and_then(|n| n.to_str()).expect("name");
            if path.is_dir() && language != "review" {
                on_disk(&path, &format!("{language}:"), &mut found);
            }
        }
        found.sort();
        let mut listed: Vec<String> = every_file().map(|(l, p, _)| format!("{l}:{p}")).collect();
        listed.sort();
        assert_eq!(
            listed, found,
            "the content shelves must list every content file"
        );
        for entry in std::fs::read_dir(root.join("review")).expect("review folder") {
            let path = entry.expect("entry").path();
            let language = path.file_stem().and_then(|n| n.to_str()).expect("name");
            assert!(
                REVIEWS.iter().any(|(l, _)| *l == language),
                "content::REVIEWS must include {language}"
            );
        }
    }

    #[test]
    fn every_translation_has_a_swedish_source_and_the_review_files_parse() {
        for (language, path, _) in every_file() {
            assert!(
                on_its_shelf(SOURCE, path).is_some(),
                "{language}/{path} has no Swedish source"
            );
        }
        for (language, json) in REVIEWS {
            let review: ReviewFile = serde_json::from_str(json).expect("review file parses");
            for path in review.keys() {
                assert!(
                    on_its_shelf(language, path).is_some(),
                    "{language}: review of unknown {path}"
                );
            }
        }
    }

    #[test]
    fn a_translation_is_draft_reviewed_or_outdated_against_the_swedish() {
        let reviewed = ReviewEntry {
            status: Recorded::Reviewed,
            by: Some("Ann Granskare".into()),
            on: Some("2026-12-05".into()),
            source: fingerprint("Spara"),
        };
        assert_eq!(
            TranslationStatus::of(Some(&reviewed), "Spara"),
            TranslationStatus::Reviewed {
                by: "Ann Granskare".into(),
                on: "2026-12-05".into()
            }
        );
        assert_eq!(
            TranslationStatus::of(Some(&reviewed), "Spara nu"),
            TranslationStatus::Outdated
        );
        assert_eq!(
            TranslationStatus::of(None, "Spara"),
            TranslationStatus::Draft
        );
        assert!(CHECKLISTS.translated("sv", "checklists.json").is_none());
        assert!(CHECKLISTS.translated("en", "checklists.json").is_some());
        assert!(CHECKLISTS.translated("en", "no-such-file.md").is_none());
    }

    #[test]
    fn front_matter_splits_fields_and_body() {
        let doc = "---\ntitle: Dina rättigheter\n\nversion: 2\n---\n## Rubrik\n";
        let parsed = front_matter(doc).expect("parses");
        assert_eq!(parsed.get("title"), Some("Dina rättigheter"));
        assert_eq!(parsed.fields[1], (4, "version", "2"));
        assert_eq!(parsed.body, "## Rubrik\n");
        assert_eq!(front_matter("## Rubrik"), Err(FrontMatterError::Missing));
        assert_eq!(
            front_matter("---\ntitle: x\n"),
            Err(FrontMatterError::Missing)
        );
        assert_eq!(
            front_matter("---\ntitle x\n---\n"),
            Err(FrontMatterError::MalformedLine { line: 2 })
        );
    }

    #[test]
    fn the_checklist_texts_cover_every_placement_type_in_swedish_and_english() {
        for language in ["sv", "en"] {
            let texts =
                ChecklistTexts::parse(CHECKLISTS.file(language, "checklists.json").expect("file"))
                    .expect("parses");
            for kind in crate::domain::PlacementKind::ALL {
                assert!(texts.titles.contains_key(&kind), "{language}: {kind:?}");
            }
            assert_eq!(texts.items.len(), 7, "{language}");
        }
    }
}
