//! The interface texts and the content as reviewed data. Swedish (`sv`) is
//! the source; each other language's texts carry a review status in
//! `<root>/review/<language>.json`: a draft, reviewed by whom and when, or
//! outdated when the Swedish text it was made from has changed since (each
//! entry keeps a fingerprint of that Swedish text). Two catalogues follow the
//! same rules: the interface texts (`app/locales`, one JSON file per
//! namespace, a text per key) and the content (`shared/content`, a text per
//! file: routines, checklists, the children's corner). See docs/languages.md.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

pub use shared::content::SOURCE;

/// Languages whose interface must be complete: the check fails for these.
pub const REQUIRED: [&str; 2] = ["sv", "en"];

/// Every text of one language: `namespace.key.subkey` → text.
pub type Texts = BTreeMap<String, String>;

#[derive(Debug)]
pub struct Error(pub String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

fn read(path: &Path) -> Result<String, Error> {
    std::fs::read_to_string(path).map_err(|e| Error(format!("{}: {e}", path.display())))
}

/// Where one kind of text lives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Catalogue {
    /// Interface texts: `<root>/<language>/<namespace>.json`, flattened to
    /// `namespace.key.subkey`.
    Interface(PathBuf),
    /// Content: every file under `<root>/<language>/`, one text each, keyed
    /// by its path (`routines/samtal-med-barn.md`).
    Content(PathBuf),
}

impl Catalogue {
    pub fn root(&self) -> &Path {
        match self {
            Self::Interface(root) | Self::Content(root) => root,
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Self::Interface(_) => "interface texts",
            Self::Content(_) => "content",
        }
    }

    /// Every text of `language`. A language without a folder has none.
    pub fn load(&self, language: &str) -> Result<Texts, Error> {
        match self {
            Self::Interface(root) => load_texts(root, language),
            Self::Content(root) => {
                let mut texts = Texts::new();
                let dir = root.join(language);
                if dir.is_dir() {
                    load_files(&dir, "", &mut texts)?;
                }
                Ok(texts)
            }
        }
    }

    pub fn review_path(&self, language: &str) -> PathBuf {
        self.root().join("review").join(format!("{language}.json"))
    }
}

fn load_files(dir: &Path, prefix: &str, out: &mut Texts) -> Result<(), Error> {
    let entries = std::fs::read_dir(dir).map_err(|e| Error(format!("{}: {e}", dir.display())))?;
    for entry in entries.filter_map(Result::ok) {
        let path = entry.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let key = format!("{prefix}{name}");
        if path.is_dir() {
            load_files(&path, &format!("{key}/"), out)?;
        } else {
            out.insert(key, read(&path)?);
        }
    }
    Ok(())
}

/// The texts of `language` under `locales/<language>/*.json`, flattened.
/// A `null` value (leptos_i18n's "same as Swedish") counts as absent.
fn load_texts(locales: &Path, language: &str) -> Result<Texts, Error> {
    let dir = locales.join(language);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map_err(|e| Error(format!("{}: {e}", dir.display())))?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    files.sort();
    let mut texts = Texts::new();
    for file in files {
        let namespace = file
            .file_stem()
            .and_then(|s| s.to_str())
            .ok_or_else(|| Error(format!("{}: not a namespace name", file.display())))?
            .to_owned();
        let value: serde_json::Value = serde_json::from_str(&read(&file)?)
            .map_err(|e| Error(format!("{}: {e}", file.display())))?;
        flatten(&namespace, &value, &mut texts)
            .map_err(|e| Error(format!("{}: {e}", file.display())))?;
    }
    Ok(texts)
}

fn flatten(prefix: &str, value: &serde_json::Value, out: &mut Texts) -> Result<(), String> {
    match value {
        serde_json::Value::Object(map) => {
            for (key, value) in map {
                flatten(&format!("{prefix}.{key}"), value, out)?;
            }
            Ok(())
        }
        serde_json::Value::String(text) => {
            out.insert(prefix.to_owned(), text.clone());
            Ok(())
        }
        serde_json::Value::Null => Ok(()),
        other => Err(format!("{prefix}: a text must be a string, not {other}")),
    }
}

pub use shared::content::{fingerprint, Recorded, ReviewEntry, ReviewFile, TranslationStatus};

pub fn load_review(catalogue: &Catalogue, language: &str) -> Result<ReviewFile, Error> {
    let path = catalogue.review_path(language);
    if !path.exists() {
        return Ok(ReviewFile::new());
    }
    serde_json::from_str(&read(&path)?).map_err(|e| Error(format!("{}: {e}", path.display())))
}

pub fn save_review(
    catalogue: &Catalogue,
    language: &str,
    review: &ReviewFile,
) -> Result<(), Error> {
    let path = catalogue.review_path(language);
    let mut text = serde_json::to_string_pretty(review).map_err(|e| Error(e.to_string()))?;
    text.push('\n');
    std::fs::write(&path, text).map_err(|e| Error(format!("{}: {e}", path.display())))
}

/// The status of one translated text, as staff see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Status {
    Reviewed {
        by: String,
        on: String,
    },
    Draft,
    /// Its Swedish text changed after the translation was made or reviewed.
    Outdated,
    Missing,
}

impl Status {
    pub fn name(&self) -> &'static str {
        match self {
            Self::Reviewed { .. } => "reviewed",
            Self::Draft => "draft",
            Self::Outdated => "outdated",
            Self::Missing => "missing",
        }
    }
}

/// One language's texts against the Swedish source.
#[derive(Clone, Debug)]
pub struct LanguageReport {
    pub language: String,
    /// Every Swedish key with this language's status.
    pub statuses: BTreeMap<String, Status>,
    /// Keys this language has that Swedish no longer has.
    pub surplus: Vec<String>,
}

impl LanguageReport {
    pub fn count(&self, name: &str) -> usize {
        self.statuses.values().filter(|s| s.name() == name).count()
    }

    pub fn keys(&self, name: &str) -> Vec<&str> {
        self.statuses
            .iter()
            .filter(|(_, s)| s.name() == name)
            .map(|(k, _)| k.as_str())
            .collect()
    }

    /// Whether the check fails for this language: a required language with a
    /// missing or outdated text, or any language with texts Swedish lacks.
    pub fn fails(&self) -> bool {
        !self.surplus.is_empty()
            || (REQUIRED.contains(&self.language.as_str())
                && (self.count("missing") > 0 || self.count("outdated") > 0))
    }
}

/// Compares one language with the Swedish source.
pub fn report(
    source: &Texts,
    language: &str,
    texts: &Texts,
    review: &ReviewFile,
) -> LanguageReport {
    let statuses = source
        .iter()
        .map(|(key, swedish)| {
            let status = if language == SOURCE {
                Status::Reviewed {
                    by: String::new(),
                    on: String::new(),
                }
            } else if !texts.contains_key(key) {
                Status::Missing
            } else {
                match TranslationStatus::of(review.get(key), swedish) {
                    TranslationStatus::Reviewed { by, on } => Status::Reviewed { by, on },
                    TranslationStatus::Draft => Status::Draft,
                    TranslationStatus::Outdated => Status::Outdated,
                }
            };
            (key.clone(), status)
        })
        .collect();
    let surplus = texts
        .keys()
        .filter(|key| !source.contains_key(*key) && !is_extra_plural_form(source, key))
        .cloned()
        .collect();
    LanguageReport {
        language: language.to_owned(),
        statuses,
        surplus,
    }
}

/// A plural form Swedish does not use (Arabic's `_zero`, `_two`, `_few`,
/// `_many`) of a text Swedish has (`<key>_other`).
fn is_extra_plural_form(source: &Texts, key: &str) -> bool {
    ["_zero", "_two", "_few", "_many"].iter().any(|form| {
        key.strip_suffix(form)
            .is_some_and(|base| source.contains_key(&format!("{base}_other")))
    })
}

/// The languages with a folder in the catalogue (not `review`), Swedish first.
pub fn languages(catalogue: &Catalogue) -> Result<Vec<String>, Error> {
    let root = catalogue.root();
    let mut found: Vec<String> = std::fs::read_dir(root)
        .map_err(|e| Error(format!("{}: {e}", root.display())))?
        .filter_map(Result::ok)
        .filter(|entry| entry.path().is_dir())
        .filter_map(|entry| entry.file_name().into_string().ok())
        .filter(|name| name != "review")
        .collect();
    found.sort_by_key(|name| {
        (
            name != SOURCE,
            !REQUIRED.contains(&name.as_str()),
            name.clone(),
        )
    });
    Ok(found)
}

/// Every language's report.
pub fn check(catalogue: &Catalogue) -> Result<Vec<LanguageReport>, Error> {
    let source = catalogue.load(SOURCE)?;
    languages(catalogue)?
        .iter()
        .map(|language| {
            let texts = catalogue.load(language)?;
            let review = load_review(catalogue, language)?;
            Ok(report(&source, language, &texts, &review))
        })
        .collect()
}

/// One text's status as the languages page shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TextStatus {
    pub key: String,
    /// `reviewed`, `draft`, `outdated` or `missing`.
    pub status: String,
    #[serde(default)]
    pub by: String,
    #[serde(default)]
    pub on: String,
    pub swedish: String,
    pub text: String,
}

/// A translated language's texts, served with the app as
/// `texts/status.json` (scripts/build-app.sh) for the languages page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LanguageStatus {
    pub language: String,
    pub texts: Vec<TextStatus>,
    /// The content files (routines, checklists, the children's corner), each
    /// whole, keyed by path.
    #[serde(default)]
    pub content: Vec<TextStatus>,
}

impl LanguageStatus {
    pub fn count(&self, status: &str) -> usize {
        self.texts.iter().filter(|t| t.status == status).count()
    }
}

/// Every translated language's texts with their status, Swedish beside.
pub fn status_file(catalogue: &Catalogue) -> Result<Vec<LanguageStatus>, Error> {
    let source = catalogue.load(SOURCE)?;
    let mut languages = Vec::new();
    for report in check(catalogue)? {
        if report.language == SOURCE {
            continue;
        }
        let translated = catalogue.load(&report.language)?;
        let texts = report
            .statuses
            .iter()
            .map(|(key, status)| {
                let (by, on) = match status {
                    Status::Reviewed { by, on } => (by.clone(), on.clone()),
                    _ => (String::new(), String::new()),
                };
                TextStatus {
                    key: key.clone(),
                    status: status.name().to_owned(),
                    by,
                    on,
                    swedish: source.get(key).cloned().unwrap_or_default(),
                    text: translated.get(key).cloned().unwrap_or_default(),
                }
            })
            .collect();
        languages.push(LanguageStatus {
            language: report.language.clone(),
            texts,
            content: Vec::new(),
        });
    }
    Ok(languages)
}

/// The languages page's file: every language's interface texts and content
/// with their status.
pub fn status_of_all(
    interface: &Catalogue,
    content: &Catalogue,
) -> Result<Vec<LanguageStatus>, Error> {
    let mut languages = status_file(interface)?;
    for language in status_file(content)? {
        match languages
            .iter_mut()
            .find(|l| l.language == language.language)
        {
            Some(found) => found.content = language.texts,
            None => languages.push(LanguageStatus {
                language: language.language,
                texts: Vec::new(),
                content: language.texts,
            }),
        }
    }
    Ok(languages)
}

/// Records as drafts the texts of `language` that its review file does not
/// know yet (a translator added them), from the current Swedish.
pub fn record_drafts(catalogue: &Catalogue, language: &str) -> Result<usize, Error> {
    let source = catalogue.load(SOURCE)?;
    let texts = catalogue.load(language)?;
    let mut review = load_review(catalogue, language)?;
    let mut added = 0;
    for key in texts.keys() {
        if let (Some(swedish), false) = (source.get(key), review.contains_key(key)) {
            review.insert(
                key.clone(),
                ReviewEntry {
                    status: Recorded::Draft,
                    by: None,
                    on: None,
                    source: fingerprint(swedish),
                },
            );
            added += 1;
        }
    }
    save_review(catalogue, language, &review)?;
    Ok(added)
}

/// Marks texts of `language` reviewed by `by` on `on`: the given keys (or
/// key prefixes such as `login.` or `routines/`), or every text it has when
/// `keys` is empty.
/// Marking a text reviewed also records the Swedish it was checked against.
pub fn mark_reviewed(
    catalogue: &Catalogue,
    language: &str,
    by: &str,
    on: &str,
    keys: &[String],
) -> Result<usize, Error> {
    let source = catalogue.load(SOURCE)?;
    let texts = catalogue.load(language)?;
    let mut review = load_review(catalogue, language)?;
    let mut marked = 0;
    for key in texts.keys() {
        let chosen = keys.is_empty()
            || keys
                .iter()
                .any(|k| key == k || (k.ends_with(['.', '/']) && key.starts_with(k.as_str())));
        if let (true, Some(swedish)) = (chosen, source.get(key)) {
            review.insert(
                key.clone(),
                ReviewEntry {
                    status: Recorded::Reviewed,
                    by: Some(by.to_owned()),
                    on: Some(on.to_owned()),
                    source: fingerprint(swedish),
                },
            );
            marked += 1;
        }
    }
    save_review(catalogue, language, &review)?;
    Ok(marked)
}

/// Declarations in a style sheet that fix a side instead of following the
/// text's direction (`margin-left` where `margin-inline-start` mirrors in
/// Arabic): line number and the declaration.
pub fn physical_properties(css: &str) -> Vec<(usize, String)> {
    const SIDES: [&str; 2] = ["left", "right"];
    let mut found = Vec::new();
    for (number, line) in css.lines().enumerate() {
        for declaration in line.split(['{', ';', '}']) {
            let Some((property, value)) = declaration.split_once(':') else {
                continue;
            };
            let (property, value) = (property.trim(), value.trim());
            let side_property = SIDES.iter().any(|side| {
                property == *side
                    || property.ends_with(&format!("-{side}"))
                    || property.contains(&format!("-{side}-"))
            });
            let side_value =
                matches!(property, "text-align" | "float" | "clear") && SIDES.contains(&value);
            if side_property || side_value {
                found.push((number + 1, declaration.trim().to_owned()));
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(pairs: &[(&str, &str)]) -> Texts {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn entry(status: Recorded, swedish: &str) -> ReviewEntry {
        ReviewEntry {
            status,
            by: (status == Recorded::Reviewed).then(|| "Ann Granskare".to_owned()),
            on: (status == Recorded::Reviewed).then(|| "2026-12-04".to_owned()),
            source: fingerprint(swedish),
        }
    }

    #[test]
    fn each_text_is_reviewed_draft_outdated_or_missing() {
        let swedish = texts(&[
            ("a.save", "Spara"),
            ("a.sign_in", "Logga in"),
            ("a.lock", "Lås"),
            ("a.new", "Ny"),
        ]);
        let english = texts(&[
            ("a.save", "Save"),
            ("a.sign_in", "Sign in"),
            ("a.lock", "Lock"),
        ]);
        let review: ReviewFile = [
            ("a.save".to_owned(), entry(Recorded::Reviewed, "Spara")),
            // Reviewed when the Swedish said something else.
            (
                "a.sign_in".to_owned(),
                entry(Recorded::Reviewed, "Logga in här"),
            ),
        ]
        .into_iter()
        .collect();
        let report = report(&swedish, "en", &english, &review);
        assert_eq!(
            report.statuses["a.save"],
            Status::Reviewed {
                by: "Ann Granskare".into(),
                on: "2026-12-04".into()
            }
        );
        assert_eq!(report.statuses["a.sign_in"], Status::Outdated);
        assert_eq!(report.statuses["a.lock"], Status::Draft);
        assert_eq!(report.statuses["a.new"], Status::Missing);
        assert!(report.fails(), "English must be complete and current");
    }

    #[test]
    fn only_required_languages_fail_on_gaps_but_any_fails_on_surplus() {
        let swedish = texts(&[("a.save", "Spara"), ("a.lock", "Lås")]);
        let arabic = texts(&[("a.save", "حفظ")]);
        let report_ar = report(&swedish, "ar", &arabic, &ReviewFile::new());
        assert_eq!(report_ar.count("missing"), 1);
        assert_eq!(report_ar.count("draft"), 1);
        assert!(!report_ar.fails(), "Arabic is listed, not required");
        let plural = texts(&[("a.n_one", "1 barn"), ("a.n_other", "{{ count }} barn")]);
        let arabic_plural = texts(&[("a.n_other", "x"), ("a.n_few", "y"), ("a.n_two", "z")]);
        assert!(report(&plural, "ar", &arabic_plural, &ReviewFile::new())
            .surplus
            .is_empty());
        let stale = texts(&[("a.save", "حفظ"), ("a.gone", "x")]);
        assert!(report(&swedish, "ar", &stale, &ReviewFile::new()).fails());
        let complete = texts(&[("a.save", "Save"), ("a.lock", "Lock")]);
        let en = report(&swedish, "en", &complete, &ReviewFile::new());
        assert!(
            !en.fails(),
            "drafts are listed; a complete, current English passes"
        );
    }

    #[test]
    fn style_sheets_use_logical_sides() {
        let css = ".a { margin-left: 1rem; padding-inline-start: 2px; }\n.b { right: 0; border-top-right-radius: 4px; }\n.c { text-align: left; float: right; text-align: start; }\n.d { inset-inline-end: 0; }";
        let found: Vec<usize> = physical_properties(css)
            .into_iter()
            .map(|(line, _)| line)
            .collect();
        assert_eq!(found, vec![1, 2, 2, 3, 3]);
        assert!(physical_properties(".e { margin-inline: 0 auto; }").is_empty());
    }

    #[test]
    fn fingerprints_follow_the_swedish_text() {
        assert_eq!(fingerprint("Spara"), fingerprint("Spara"));
        assert_ne!(fingerprint("Spara"), fingerprint("Spara "));
        assert_eq!(fingerprint("").len(), 16);
    }

    #[test]
    fn files_flatten_to_dotted_keys_and_null_means_absent() {
        let mut out = Texts::new();
        let value =
            serde_json::json!({ "form": { "save": "Spara", "skip": null }, "title": "Besök" });
        flatten("visit", &value, &mut out).expect("flattens");
        assert_eq!(
            out,
            texts(&[("visit.form.save", "Spara"), ("visit.title", "Besök")])
        );
        assert!(flatten("x", &serde_json::json!({ "n": 3 }), &mut Texts::new()).is_err());
    }

    #[test]
    fn drafts_and_reviews_are_recorded_in_the_review_file() {
        let dir = std::env::temp_dir().join(format!("texts-test-{}", std::process::id()));
        let locales = dir.join("locales");
        for (language, body) in [
            ("sv", r#"{"save":"Spara","lock":"Lås"}"#),
            ("en", r#"{"save":"Save","lock":"Lock"}"#),
        ] {
            std::fs::create_dir_all(locales.join(language)).expect("dir");
            std::fs::write(locales.join(language).join("a.json"), body).expect("write");
        }
        std::fs::create_dir_all(locales.join("review")).expect("dir");
        let catalogue = Catalogue::Interface(locales.clone());
        assert_eq!(record_drafts(&catalogue, "en").expect("drafts"), 2);
        assert_eq!(
            mark_reviewed(&catalogue, "en", "Ann", "2026-12-04", &["a.save".into()])
                .expect("marks"),
            1
        );
        let reports = check(&catalogue).expect("checks");
        let en = reports.iter().find(|r| r.language == "en").expect("en");
        assert_eq!(en.count("reviewed"), 1);
        assert_eq!(en.count("draft"), 1);
        // The Swedish changes: the reviewed English is outdated.
        std::fs::write(
            locales.join("sv").join("a.json"),
            r#"{"save":"Spara nu","lock":"Lås"}"#,
        )
        .expect("write");
        let reports = check(&catalogue).expect("checks");
        let en = reports.iter().find(|r| r.language == "en").expect("en");
        assert_eq!(en.keys("outdated"), vec!["a.save"]);
        assert!(en.fails());
        let status = status_file(&catalogue).expect("status");
        let en = status.iter().find(|l| l.language == "en").expect("en");
        let save = en.texts.iter().find(|t| t.key == "a.save").expect("a.save");
        assert_eq!(
            (
                save.status.as_str(),
                save.swedish.as_str(),
                save.text.as_str()
            ),
            ("outdated", "Spara nu", "Save")
        );
        assert_eq!(en.count("draft"), 1);
        std::fs::remove_dir_all(&dir).expect("cleans up");
    }

    #[test]
    fn content_files_are_texts_keyed_by_path_with_the_same_review_rules() {
        let dir = std::env::temp_dir().join(format!("content-test-{}", std::process::id()));
        let root = dir.join("content");
        for (path, body) in [
            ("sv/routines/a.md", "---\ntitle: Rutin\n---\nText."),
            ("sv/routines/b.md", "---\ntitle: Annan\n---\nText."),
            ("sv/checklists.json", "{}"),
            ("en/routines/a.md", "---\ntitle: Routine\n---\nText."),
            ("en/checklists.json", "{}"),
        ] {
            let file = root.join(path);
            std::fs::create_dir_all(file.parent().expect("parent")).expect("dir");
            std::fs::write(file, body).expect("write");
        }
        std::fs::create_dir_all(root.join("review")).expect("dir");
        let catalogue = Catalogue::Content(root.clone());
        assert_eq!(
            catalogue
                .load("en")
                .expect("loads")
                .keys()
                .collect::<Vec<_>>(),
            vec!["checklists.json", "routines/a.md"]
        );
        assert_eq!(record_drafts(&catalogue, "en").expect("drafts"), 2);
        assert_eq!(
            mark_reviewed(&catalogue, "en", "Ann", "2026-12-05", &["routines/".into()])
                .expect("marks"),
            1
        );
        let reports = check(&catalogue).expect("checks");
        let en = reports.iter().find(|r| r.language == "en").expect("en");
        assert_eq!(en.keys("reviewed"), vec!["routines/a.md"]);
        assert_eq!(en.keys("draft"), vec!["checklists.json"]);
        assert_eq!(en.keys("missing"), vec!["routines/b.md"]);
        assert!(en.fails(), "English content must be complete");
        std::fs::write(
            root.join("sv/routines/a.md"),
            "---\ntitle: Rutin\n---\nNy text.",
        )
        .expect("write");
        let reports = check(&catalogue).expect("checks");
        let en = reports.iter().find(|r| r.language == "en").expect("en");
        assert_eq!(en.keys("outdated"), vec!["routines/a.md"]);
        std::fs::remove_dir_all(&dir).expect("cleans up");
    }
}
