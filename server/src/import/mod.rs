//! Reading an import from the case-management system: a file's bytes
//! become an [`ImportBatch`], or the list of every problem found, each
//! naming its line and field. Nothing here touches the database; applying
//! a batch is `crate::db::Database::import`. The format is documented in
//! `docs/import.md`, the JSON's schema in `docs/schema/import.schema.json`.
//!
//! A file is refused whole, before any row is read, when it is larger than
//! [`MAX_IMPORT_BYTES`] or not UTF-8; and at the row when a cell starts like a
//! spreadsheet formula or holds a personal identity number.

pub mod columns;
mod csv_file;
mod json;
pub mod text;

pub use shared::import::MAX_IMPORT_BYTES;
use shared::import::{ImportBatch, ImportKind, ImportProblem};
use std::collections::HashMap;

/// Rows of one kind a file may hold (10,000 children with 20,000
/// placements fit).
pub const MAX_IMPORT_ROWS: usize = 50_000;
/// Columns a CSV file may have (the widest kind has nine).
pub const MAX_COLUMNS: usize = 32;
/// Problems reported at most; the rest are counted in one last problem.
pub const MAX_PROBLEMS: usize = 200;
/// Responsible workers one child may have in a file.
pub const MAX_WORKERS: usize = 20;

/// How a file is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// One kind of row per file; the kind from the header or given.
    Csv,
    /// An [`ImportBatch`] document.
    Json,
}

impl Format {
    /// By the file name's extension (`.csv`, `.json`).
    pub fn of_path(path: &std::path::Path) -> Option<Self> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "csv" | "txt" => Some(Self::Csv),
            "json" => Some(Self::Json),
            _ => None,
        }
    }
}

/// Reads a whole file. A CSV file's kind is `kind` when given (and its
/// header must fit it), otherwise told by its header; a JSON document names
/// its arrays and `kind` is ignored.
pub fn read(
    bytes: &[u8],
    format: Format,
    kind: Option<ImportKind>,
) -> Result<ImportBatch, Vec<ImportProblem>> {
    let text = text::decode(bytes).map_err(|p| vec![p])?;
    let mut problems = Problems::default();
    let batch = match format {
        Format::Csv => csv_file::read(text, kind, &mut problems),
        Format::Json => json::read(text, &mut problems),
    };
    if let Some(batch) = &batch {
        duplicates(batch, format, &mut problems);
    }
    match batch {
        Some(batch) if problems.is_empty() => Ok(batch),
        _ => Err(problems.finish()),
    }
}

/// Reads a file and applies it: the one path of `admin import` and
/// `POST /api/v1/import`. Problems found while applying name their field
/// as the file does (a CSV file's Swedish header).
pub async fn import_file(
    db: &crate::db::Database,
    bytes: &[u8],
    format: Format,
    kind: Option<ImportKind>,
    dry_run: bool,
    who: &crate::db::audit::Who,
    scope: &crate::db::import::ImportScope,
) -> Result<shared::import::ImportReport, crate::db::import::ImportError> {
    use crate::db::import::ImportError;
    let batch = read(bytes, format, kind).map_err(ImportError::Rejected)?;
    match db.import(&batch, dry_run, who, scope).await {
        Err(ImportError::Rejected(mut problems)) => {
            if format == Format::Csv {
                for problem in &mut problems {
                    if let Some(header) = columns::csv_header(&problem.field) {
                        header.clone_into(&mut problem.field);
                    }
                }
            }
            problems.sort_by_key(|p| p.line);
            Err(ImportError::Rejected(problems))
        }
        other => other,
    }
}

/// A report as `admin import` prints it, in Swedish.
pub fn report_text(report: &shared::import::ImportReport) -> String {
    let mut out = String::new();
    if report.dry_run {
        out.push_str("Torrkörning: inget har skrivits. Så här skulle importen ändra:\n");
    }
    for (name, counts) in [
        ("hem", report.homes),
        ("hemkontroller", report.home_checks),
        ("barn", report.children),
        ("placeringar", report.placements),
    ] {
        out.push_str(&format!(
            "{name}: {} nya, {} ändrade, {} oförändrade\n",
            counts.created, counts.updated, counts.unchanged
        ));
    }
    for change in &report.changes {
        out.push_str(&format!("  {change}\n"));
    }
    out
}

/// A problem as `admin import` prints it: `rad 5, Enhet: …`.
pub fn problem_text(problem: &ImportProblem) -> String {
    match (problem.line, problem.field.as_str()) {
        (0, "") => format!("filen: {}", problem.message),
        (0, field) => format!("{field}: {}", problem.message),
        (line, "") => format!("rad {line}: {}", problem.message),
        (line, field) => format!("rad {line}, {field}: {}", problem.message),
    }
}

/// The problems found so far, at most [`MAX_PROBLEMS`] of them kept.
#[derive(Debug, Default)]
pub(crate) struct Problems {
    list: Vec<ImportProblem>,
    dropped: usize,
}

impl Problems {
    pub fn add(&mut self, line: u32, field: &str, message: impl Into<String>) {
        if self.list.len() < MAX_PROBLEMS {
            self.list.push(ImportProblem {
                line,
                field: field.to_owned(),
                message: message.into(),
            });
        } else {
            self.dropped += 1;
        }
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// Problems found so far, kept or not.
    pub fn len(&self) -> usize {
        self.list.len() + self.dropped
    }

    /// In line order, the file's own problems first.
    pub fn finish(mut self) -> Vec<ImportProblem> {
        self.list.sort_by_key(|p| p.line);
        if self.dropped > 0 {
            self.list.push(ImportProblem {
                line: 0,
                field: String::new(),
                message: format!(
                    "ytterligare {} problem visas inte; rätta de här och försök igen",
                    self.dropped
                ),
            });
        }
        self.list
    }
}

/// The same external id twice in a file (or the same check twice) is
/// refused: which of the two rows should win is not the server's guess.
fn duplicates(batch: &ImportBatch, format: Format, problems: &mut Problems) {
    let field = |csv: &'static str, json: &'static str| match format {
        Format::Csv => csv,
        Format::Json => json,
    };
    let mut check = |field: &str, keys: Vec<(u32, String)>| {
        let mut seen: HashMap<String, u32> = HashMap::with_capacity(keys.len());
        for (line, key) in keys {
            if let Some(first) = seen.get(&key) {
                problems.add(
                    line,
                    field,
                    format!("{key} förekommer redan på rad {first}: varje rad ska ha ett eget id"),
                );
            } else {
                seen.insert(key, line);
            }
        }
    };
    check(
        field("Externt id", "homes.external_id"),
        batch
            .homes
            .iter()
            .map(|r| (r.line, r.external_id.to_string()))
            .collect(),
    );
    check(
        field("Externt id", "children.external_id"),
        batch
            .children
            .iter()
            .map(|r| (r.line, r.external_id.to_string()))
            .collect(),
    );
    check(
        field("Externt id", "placements.external_id"),
        batch
            .placements
            .iter()
            .map(|r| (r.line, r.external_id.to_string()))
            .collect(),
    );
    check(
        field("Datum", "home_checks.date"),
        batch
            .home_checks
            .iter()
            .map(|r| {
                let key = format!(
                    "kontrollen {} av {} den {}",
                    r.check.kind.label_sv().to_lowercase(),
                    r.home,
                    r.check.date
                );
                (r.line, key)
            })
            .collect(),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_format_comes_from_the_extension() {
        use std::path::Path;
        assert_eq!(Format::of_path(Path::new("barn.CSV")), Some(Format::Csv));
        assert_eq!(
            Format::of_path(Path::new("a/import.json")),
            Some(Format::Json)
        );
        assert_eq!(Format::of_path(Path::new("barn.xlsx")), None);
    }

    #[test]
    fn duplicate_ids_in_one_file_are_refused_naming_both_lines() {
        let csv = "Externt id;Enhet;Hemtyp;Namn\nHEM-1;E;familjehem;A\nHEM-2;E;jourhem;B\nHEM-1;E;HVB;C\n";
        let problems = read(csv.as_bytes(), Format::Csv, None).expect_err("duplicate");
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(
            (problems[0].line, problems[0].field.as_str()),
            (4, "Externt id")
        );
        assert!(
            problems[0].message.contains("rad 2"),
            "{}",
            problems[0].message
        );
    }

    #[test]
    fn problems_beyond_the_limit_are_counted() {
        let mut csv = String::from("Externt id;Enhet;Hemtyp;Namn\n");
        for i in 0..(MAX_PROBLEMS + 5) {
            csv.push_str(&format!("HEM-{i};E;slott;A\n"));
        }
        let problems = read(csv.as_bytes(), Format::Csv, None).expect_err("bad kinds");
        assert_eq!(problems.len(), MAX_PROBLEMS + 1);
        assert!(problems[MAX_PROBLEMS].message.contains("ytterligare 5"));
    }
}
