//! CSV files as spreadsheets and record systems write them: RFC 4180
//! quoting, `;` (Swedish Excel) or `,` told from the header line, Swedish
//! headers and values, one kind of row per file. Rows whose cells are all
//! empty (a spreadsheet's trailing `;;;;`) are skipped.

use super::columns::{self, Col, Column};
use super::text::{cell_hazard, CellKind};
use super::{Problems, MAX_COLUMNS, MAX_IMPORT_ROWS, MAX_WORKERS};
use chrono::NaiveDate;
use shared::domain::{ExternalId, ExternalIdError, PersonName, TextError, VisitNote};
use shared::import::{ChildRow, HomeCheckRow, HomeRow, ImportBatch, ImportKind, PlacementRow};
use shared::register::{HomeCheck, HomeContact, ShortText};
use std::collections::HashMap;

/// Reads `text` (already checked to be UTF-8). `None` when the header is
/// wrong, so that no row could be read.
pub fn read(text: &str, kind: Option<ImportKind>, problems: &mut Problems) -> Option<ImportBatch> {
    let delimiter = delimiter(text);
    let mut reader = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let header = match records.next() {
        Some(Ok(header)) => header,
        Some(Err(e)) => {
            problems.add(1, "", format!("rubrikraden kan inte läsas som CSV: {e}"));
            return None;
        }
        None => {
            problems.add(0, "", "filen är tom");
            return None;
        }
    };
    let layout = Layout::of(&header, kind, problems)?;
    let mut batch = ImportBatch::default();
    let mut rows = 0usize;
    let mut lines = Lines::new(text);
    for record in records {
        let record = match record {
            Ok(record) => record,
            Err(e) => {
                let line = e.position().map_or(0, |p| lines.at(p.byte()));
                problems.add(line, "", format!("raden kan inte läsas som CSV: {e}"));
                continue;
            }
        };
        let line = record.position().map_or(0, |p| lines.at(p.byte()));
        if record.iter().all(|cell| cell.trim().is_empty()) {
            continue;
        }
        rows += 1;
        if rows > MAX_IMPORT_ROWS {
            problems.add(
                line,
                "",
                format!("filen har fler än {MAX_IMPORT_ROWS} rader: dela upp den"),
            );
            break;
        }
        let Some(row) = layout.row(line, &record, problems) else {
            continue;
        };
        match layout.kind {
            ImportKind::Children => batch.children.extend(child(&row, problems)),
            ImportKind::Placements => batch.placements.extend(placement(&row, problems)),
            ImportKind::Homes => batch.homes.extend(home(&row, problems)),
            ImportKind::HomeChecks => batch.home_checks.extend(home_check(&row, problems)),
        }
    }
    Some(batch)
}

/// Line numbers from byte offsets. The csv crate's own line count misses
/// `\r\n` line ends (each record would be a line early), and its offset of
/// a record after `\r\n` is the `\n`: so a record's line is one more than
/// the line ends before its first byte *after* that offset.
struct Lines<'t> {
    text: &'t [u8],
    counted_to: usize,
    line: u32,
}

impl<'t> Lines<'t> {
    fn new(text: &'t str) -> Self {
        Self {
            text: text.as_bytes(),
            counted_to: 0,
            line: 1,
        }
    }

    /// The line of the record at byte `offset` (offsets only grow).
    fn at(&mut self, offset: u64) -> u32 {
        let end = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .saturating_add(1)
            .min(self.text.len());
        if end > self.counted_to {
            let newlines = self.text[self.counted_to..end]
                .iter()
                .filter(|b| **b == b'\n')
                .count();
            self.line = self
                .line
                .saturating_add(u32::try_from(newlines).unwrap_or(u32::MAX));
            self.counted_to = end;
        }
        self.line
    }
}

/// `;` or `,`: whichever the header line holds more of outside quotes
/// (`;` on a tie, as Swedish spreadsheets write it).
fn delimiter(text: &str) -> u8 {
    let header = text.lines().next().unwrap_or_default();
    let (mut semicolons, mut commas, mut quoted) = (0, 0, false);
    for c in header.chars() {
        match c {
            '"' => quoted = !quoted,
            ';' if !quoted => semicolons += 1,
            ',' if !quoted => commas += 1,
            _ => {}
        }
    }
    if commas > semicolons {
        b','
    } else {
        b';'
    }
}

/// The header read: the file's kind and where each column is.
struct Layout {
    kind: ImportKind,
    /// The headers as the file spells them (trimmed).
    headers: Vec<String>,
    /// Which column each position is (`None` for an empty header).
    cols: Vec<Option<Column>>,
}

impl Layout {
    fn of(
        header: &::csv::StringRecord,
        kind: Option<ImportKind>,
        problems: &mut Problems,
    ) -> Option<Self> {
        if header.len() > MAX_COLUMNS {
            problems.add(
                1,
                "",
                format!(
                    "rubrikraden har {} kolumner; högst {MAX_COLUMNS} tas emot",
                    header.len()
                ),
            );
            return None;
        }
        let headers: Vec<String> = header.iter().map(|h| h.trim().to_owned()).collect();
        let normalized: Vec<String> = headers.iter().map(|h| columns::normalize(h)).collect();
        let before = problems.len();
        for (spelled, norm) in headers.iter().zip(&normalized) {
            if columns::is_personal_identity_header(norm) {
                problems.add(
                    1,
                    spelled,
                    "en kolumn med personnummer tas aldrig emot: ta bort kolumnen (barnet \
                     känns igen på sitt externa id)",
                );
            }
        }
        if problems.len() > before {
            return None;
        }
        let has = |col: Col, kind: ImportKind| {
            columns::columns(kind)
                .iter()
                .filter(|c| c.col == col)
                .any(|c| normalized.contains(&columns::normalize(c.header)))
        };
        let kind = match kind {
            Some(kind) => kind,
            None => {
                let found: Vec<ImportKind> = columns::KINDS
                    .into_iter()
                    .filter(|k| has(columns::marker(*k), *k))
                    .collect();
                match found.as_slice() {
                    [one] => *one,
                    _ => {
                        problems.add(
                            1,
                            "",
                            "filens sort framgår inte av rubrikraden: en fil med barn har \
                             kolumnen Födelsedatum, placeringar Lagrum, hem Hemtyp och \
                             hemkontroller Kontroll (eller ange sorten, --kind eller ?kind=)",
                        );
                        return None;
                    }
                }
            }
        };
        let known = columns::columns(kind);
        let mut cols = Vec::with_capacity(headers.len());
        let mut seen: HashMap<Col, &str> = HashMap::new();
        for (spelled, norm) in headers.iter().zip(&normalized) {
            if norm.is_empty() {
                cols.push(None);
                continue;
            }
            match known.iter().find(|c| columns::normalize(c.header) == *norm) {
                Some(column) => {
                    if let Some(first) = seen.insert(column.col, spelled) {
                        problems.add(1, spelled, format!("kolumnen finns redan (som {first})"));
                    }
                    cols.push(Some(*column));
                }
                None => {
                    let names: Vec<&str> = known.iter().map(|c| c.header).collect();
                    problems.add(
                        1,
                        spelled,
                        format!(
                            "okänd kolumn i en fil med {}; kolumnerna är: {}",
                            columns::kind_name_sv(kind),
                            names.join(", ")
                        ),
                    );
                    cols.push(None);
                }
            }
        }
        for column in known.iter().filter(|c| c.required) {
            if !seen.contains_key(&column.col) {
                problems.add(
                    1,
                    column.header,
                    format!(
                        "kolumnen saknas (en fil med {} måste ha den)",
                        columns::kind_name_sv(kind)
                    ),
                );
            }
        }
        if problems.len() > before {
            return None;
        }
        Some(Self {
            kind,
            headers,
            cols,
        })
    }

    /// One record's cells by column, each checked for hazards. `None` when
    /// the record has more fields than the header.
    fn row<'r>(
        &'r self,
        line: u32,
        record: &'r ::csv::StringRecord,
        problems: &mut Problems,
    ) -> Option<Row<'r>> {
        if record.len() > self.headers.len()
            && record
                .iter()
                .skip(self.headers.len())
                .any(|c| !c.trim().is_empty())
        {
            problems.add(
                line,
                "",
                format!(
                    "raden har {} fält men rubrikraden {} (ett fält med {} utan citattecken?)",
                    record.len(),
                    self.headers.len(),
                    if self.headers.len() > 1 {
                        "skiljetecken"
                    } else {
                        "text"
                    }
                ),
            );
            return None;
        }
        let mut cells = HashMap::new();
        for (i, cell) in record.iter().enumerate().take(self.headers.len()) {
            let spelled = self.headers[i].as_str();
            let Some(column) = self.cols[i] else {
                if !cell.trim().is_empty() {
                    problems.add(line, spelled, "ett värde i en kolumn utan rubrik");
                }
                continue;
            };
            let kind = if column.col == Col::Phone {
                CellKind::Phone
            } else {
                CellKind::Plain
            };
            let value = match cell_hazard(cell, kind) {
                Some(why) => {
                    problems.add(line, spelled, why);
                    Cell::Refused
                }
                None if cell.trim().is_empty() => Cell::Empty,
                None => Cell::Value(cell.trim()),
            };
            cells.insert(column.col, (spelled, value));
        }
        Some(Row { line, cells })
    }
}

#[derive(Clone, Copy, Debug)]
enum Cell<'r> {
    Empty,
    Value(&'r str),
    /// Already reported.
    Refused,
}

/// One record's cells by column.
struct Row<'r> {
    line: u32,
    cells: HashMap<Col, (&'r str, Cell<'r>)>,
}

impl Row<'_> {
    /// A required cell, parsed; `None` when it is missing or wrong (and
    /// reported).
    fn required<T>(
        &self,
        problems: &mut Problems,
        col: Col,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<T> {
        match self.optional(problems, col, parse) {
            Ok(Some(value)) => Some(value),
            Ok(None) => {
                let (spelled, _) = self.cells.get(&col).copied().unwrap_or(("", Cell::Empty));
                problems.add(self.line, spelled, "saknas");
                None
            }
            Err(()) => None,
        }
    }

    /// An optional cell: `Ok(None)` when empty or absent, `Err` when wrong
    /// (and reported).
    fn optional<T>(
        &self,
        problems: &mut Problems,
        col: Col,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<Option<T>, ()> {
        match self.cells.get(&col) {
            None | Some((_, Cell::Empty)) => Ok(None),
            Some((_, Cell::Refused)) => Err(()),
            Some((spelled, Cell::Value(value))) => match parse(value) {
                Ok(v) => Ok(Some(v)),
                Err(message) => {
                    problems.add(self.line, spelled, message);
                    Err(())
                }
            },
        }
    }
}

fn external_id(raw: &str) -> Result<ExternalId, String> {
    ExternalId::parse(raw).map_err(|e| external_id_message(&e))
}

pub(super) fn external_id_message(e: &ExternalIdError) -> String {
    match e {
        ExternalIdError::Empty => "saknas".into(),
        ExternalIdError::TooLong { max } => format!("får vara högst {max} tecken"),
        ExternalIdError::Character => {
            "får bara innehålla bokstäverna a–z och A–Z, siffror och . _ : / -".into()
        }
        ExternalIdError::PersonalIdentityNumber => {
            "ser ut som ett personnummer, som Barnbesök aldrig tar emot: använd \
             verksamhetssystemets eget id"
                .into()
        }
    }
}

fn text_message(e: &TextError) -> String {
    match e {
        TextError::Empty => "saknas".into(),
        TextError::TooLong { max } => format!("får vara högst {max} tecken"),
        TextError::ControlCharacter => "innehåller styrtecken".into(),
    }
}

fn person_name(raw: &str) -> Result<PersonName, String> {
    PersonName::parse(raw).map_err(|e| text_message(&e))
}

fn short_text(raw: &str) -> Result<ShortText, String> {
    ShortText::parse(raw).map_err(|e| text_message(&e))
}

fn date(raw: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .map_err(|_| format!("{raw} är inget datum; skriv ÅÅÅÅ-MM-DD, till exempel 2026-03-01"))
}

/// A unit's name, as `admin create-unit` named it.
fn unit(raw: &str) -> Result<String, String> {
    if raw.chars().count() > 120 || raw.chars().any(char::is_control) {
        return Err("är inget namn på en enhet".into());
    }
    Ok(raw.to_owned())
}

/// User names separated by `,` or `|`.
fn workers(raw: &str) -> Result<Vec<String>, String> {
    let names: Vec<String> = raw
        .split([',', '|'])
        .map(|n| n.trim().to_lowercase())
        .filter(|n| !n.is_empty())
        .collect();
    if names.len() > MAX_WORKERS {
        return Err(format!("högst {MAX_WORKERS} handläggare per barn"));
    }
    if let Some(bad) = names
        .iter()
        .find(|n| n.chars().count() > 64 || n.chars().any(char::is_control))
    {
        return Err(format!("{bad} är inget användarnamn"));
    }
    Ok(names)
}

/// One of the Swedish values of `table`.
fn choice<'t, T: Copy>(table: &'t [(&'t str, T)]) -> impl Fn(&str) -> Result<T, String> + 't {
    move |raw| {
        let norm = columns::normalize(raw);
        table
            .iter()
            .find(|(name, _)| *name == norm)
            .map(|(_, v)| *v)
            .ok_or_else(|| {
                let names: Vec<&str> = table.iter().map(|(name, _)| *name).collect();
                format!("{raw} är inget av värdena {}", names.join(", "))
            })
    }
}

/// The names a column documents: the first for each value.
fn documented<T: Copy + PartialEq>(table: &[(&'static str, T)]) -> Vec<(&'static str, T)> {
    let mut out: Vec<(&'static str, T)> = Vec::new();
    for (name, value) in table {
        if !out.iter().any(|(_, v)| v == value) {
            out.push((name, *value));
        }
    }
    out
}

/// Reads every cell named, `name: required(Col, parse)` or
/// `name: optional(Col, parse)`, so that all of a row's problems are
/// reported; then binds each name to its value (an `Option` for an optional
/// cell), or returns `None` from the function if a cell was missing or wrong.
macro_rules! cells {
    ($row:ident, $p:ident, $($name:ident: $how:ident($col:ident, $parse:expr)),* $(,)?) => {
        $(let $name = $row.$how($p, Col::$col, $parse);)*
        $(let $name = cells!(@value $how $name);)*
    };
    (@value required $value:ident) => { $value? };
    (@value optional $value:ident) => { $value.ok()? };
}

fn child(row: &Row<'_>, p: &mut Problems) -> Option<ChildRow> {
    cells!(row, p,
        id: required(ExternalId, external_id),
        given_name: required(GivenName, person_name),
        family_name: required(FamilyName, person_name),
        birth_date: required(BirthDate, date),
        sex: optional(Sex, choice(columns::SEXES)),
        has_disability: optional(Disability, choice(columns::YES_NO)),
        unit: required(Unit, unit),
        workers: optional(Workers, workers),
    );
    Some(ChildRow {
        line: row.line,
        external_id: id,
        given_name,
        family_name,
        birth_date,
        sex: sex.unwrap_or_default(),
        has_disability: has_disability.unwrap_or_default(),
        unit,
        workers: workers.unwrap_or_default(),
    })
}

fn placement(row: &Row<'_>, p: &mut Problems) -> Option<PlacementRow> {
    cells!(row, p,
        id: required(ExternalId, external_id),
        child: required(Child, external_id),
        home: required(Home, external_id),
        legal_basis: required(LegalBasis, choice(columns::LEGAL_BASES)),
        start_date: required(StartDate, date),
        decision_date: optional(DecisionDate, date),
        decided_by: optional(DecidedBy, person_name),
        decision_until: optional(DecisionUntil, date),
        last_consideration: optional(LastConsideration, date),
    );
    Some(PlacementRow {
        line: row.line,
        external_id: id,
        child,
        home,
        legal_basis,
        start_date,
        decision_date,
        decided_by,
        decision_until,
        last_consideration,
    })
}

fn home(row: &Row<'_>, p: &mut Problems) -> Option<HomeRow> {
    cells!(row, p,
        id: required(ExternalId, external_id),
        unit: required(Unit, unit),
        kind: required(HomeKind, choice(columns::HOME_KINDS)),
        name: required(Name, person_name),
        contact_person: optional(ContactPerson, person_name),
        address: optional(Address, short_text),
        phone: optional(Phone, short_text),
        email: optional(Email, short_text),
    );
    Some(HomeRow {
        line: row.line,
        external_id: id,
        unit,
        kind,
        name,
        contact: HomeContact {
            contact_person,
            address,
            phone,
            email,
        },
    })
}

fn home_check(row: &Row<'_>, p: &mut Problems) -> Option<HomeCheckRow> {
    let check_kinds = documented(columns::CHECK_KINDS);
    cells!(row, p,
        home: required(Home, external_id),
        kind: required(CheckKind, |raw| {
            choice(columns::CHECK_KINDS)(raw).map_err(|_| {
                let names: Vec<&str> = check_kinds.iter().map(|(n, _)| *n).collect();
                format!("{raw} är ingen av kontrollerna {}", names.join(", "))
            })
        }),
        check_date: required(CheckDate, date),
        result: required(CheckResult, choice(columns::CHECK_RESULTS)),
        made_by: required(MadeBy, person_name),
        note: optional(Note, |raw| VisitNote::parse(raw).map_err(|e| text_message(&e))),
    );
    Some(HomeCheckRow {
        line: row.line,
        home,
        check: HomeCheck {
            kind,
            date: check_date,
            result,
            made_by,
            note: note.unwrap_or_default(),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::domain::{LegalBasis, PlacementKind, Sex};
    use shared::register::{CheckKind, CheckResult};

    fn read_ok(text: &str, kind: Option<ImportKind>) -> ImportBatch {
        let mut problems = Problems::default();
        let batch = read(text, kind, &mut problems);
        let problems = problems.finish();
        assert!(problems.is_empty(), "{problems:#?}");
        batch.expect("batch")
    }

    fn read_err(text: &str, kind: Option<ImportKind>) -> Vec<shared::import::ImportProblem> {
        let mut problems = Problems::default();
        let _ = read(text, kind, &mut problems);
        let problems = problems.finish();
        assert!(!problems.is_empty(), "expected problems");
        problems
    }

    fn lines_and_fields(problems: &[shared::import::ImportProblem]) -> Vec<(u32, &str)> {
        problems
            .iter()
            .map(|p| (p.line, p.field.as_str()))
            .collect()
    }

    const CHILDREN: &str = "\u{feff}Externt id;Förnamn;Efternamn;Födelsedatum;Kön;Funktionsnedsättning;Enhet;Handläggare\r\n\
        BARN-1;Elsa;Öberg;2014-05-02;flicka;nej;Familjehemsenheten;anna\r\n\
        BARN-2;Omar;Said;2011-11-30;Pojke;JA;Familjehemsenheten;\"anna, karin\"\r\n\
        BARN-3;Kim;Ek;2016-01-15;;;Familjehemsenheten;anna|karin\r\n\
        ;;;;;;;\r\n";

    #[test]
    fn children_with_semicolons_bom_and_crlf() {
        let batch = read_ok(CHILDREN, None);
        assert_eq!(batch.children.len(), 3);
        let omar = &batch.children[1];
        assert_eq!(omar.line, 3);
        assert_eq!(omar.external_id.as_str(), "BARN-2");
        assert_eq!(omar.sex, Sex::Boy);
        assert!(omar.has_disability);
        assert_eq!(omar.workers, ["anna", "karin"]);
        assert_eq!(omar.unit, "Familjehemsenheten");
        let kim = &batch.children[2];
        assert_eq!(kim.sex, Sex::NotRecorded);
        assert!(!kim.has_disability);
        assert_eq!(kim.workers, ["anna", "karin"]);
        assert_eq!(batch.children[0].family_name.as_str(), "Öberg");
    }

    #[test]
    fn the_same_children_with_commas_and_quotes() {
        let comma = "externt_id,förnamn,efternamn,födelsedatum,kön,enhet,handläggare\n\
            BARN-1,\"Elsa, Maria\",\"Öberg \"\"Lilla\"\"\",2014-05-02,flicka,Familjehemsenheten,\"anna,karin\"\n";
        let batch = read_ok(comma, None);
        let elsa = &batch.children[0];
        assert_eq!(elsa.given_name.as_str(), "Elsa, Maria");
        assert_eq!(elsa.family_name.as_str(), "Öberg \"Lilla\"");
        assert_eq!(elsa.workers, ["anna", "karin"]);
    }

    #[test]
    fn placements_homes_and_checks() {
        let placements = "Externt id;Barn;Hem;Lagrum;Startdatum;Beslutsdatum;Beslutsfattare;Beslut gäller till;Senaste övervägande\n\
            PL-1;BARN-1;HEM-1;LVU;2025-09-01;2025-08-28;Sociala utskottet;2026-02-28;2026-02-20\n\
            PL-2;BARN-2;HEM-2;sol;2026-01-10;;;;\n";
        let batch = read_ok(placements, None);
        assert_eq!(batch.placements[0].legal_basis, LegalBasis::Lvu);
        assert_eq!(
            batch.placements[0]
                .decided_by
                .as_ref()
                .map(PersonName::as_str),
            Some("Sociala utskottet")
        );
        assert_eq!(batch.placements[1].legal_basis, LegalBasis::SoL);
        assert_eq!(batch.placements[1].decision_until, None);

        let homes = "Externt id;Enhet;Hemtyp;Namn;Kontaktperson;Adress;Telefon;E-post\n\
            HEM-1;Familjehemsenheten;Familjehem;Familjen Lind;Eva Lind;Byvägen 3, Ås;+46 70-123 45 67;eva@example.se\n\
            HEM-2;Familjehemsenheten;stödboende;Kvarnen;;;;\n";
        let batch = read_ok(homes, None);
        assert_eq!(batch.homes[0].kind, PlacementKind::FosterHome);
        assert_eq!(
            batch.homes[0].contact.phone.as_ref().map(ShortText::as_str),
            Some("+46 70-123 45 67")
        );
        assert_eq!(batch.homes[1].kind, PlacementKind::SupportedHousing);
        assert_eq!(batch.homes[1].contact, HomeContact::default());

        let checks = "Hem;Kontroll;Datum;Resultat;Utförd av;Anteckning\n\
            HEM-1;Belastningsregistret;2025-06-01;utan anmärkning;Karin Berg;\n\
            HEM-1;Referens;2025-06-03;Med anmärkning;Karin Berg;Uppsala kommun\n";
        let batch = read_ok(checks, None);
        assert_eq!(batch.home_checks[0].check.kind, CheckKind::CriminalRecord);
        assert_eq!(batch.home_checks[1].check.kind, CheckKind::Reference);
        assert_eq!(batch.home_checks[1].check.result, CheckResult::Remarks);
        assert_eq!(batch.home_checks[1].check.note.as_str(), "Uppsala kommun");
    }

    #[test]
    fn every_bad_cell_is_named_by_line_and_header() {
        let text = "Externt id;Förnamn;Efternamn;Födelsedatum;Kön;Enhet\n\
            BARN-1;Elsa;Öberg;2014-05-02;flicka;E\n\
            BARN-2;;Said;30/11/2011;kille;E\n\
            BARN 3;Kim;Ek;2016-01-15;;\n";
        let problems = read_err(text, None);
        assert_eq!(
            lines_and_fields(&problems),
            [
                (3, "Förnamn"),
                (3, "Födelsedatum"),
                (3, "Kön"),
                (4, "Externt id"),
                (4, "Enhet")
            ],
            "{problems:#?}"
        );
        assert!(problems[1].message.contains("ÅÅÅÅ-MM-DD"));
        assert!(problems[2]
            .message
            .contains("flicka, pojke, annat, ej registrerat"));
    }

    #[test]
    fn a_quoted_cell_over_two_lines_keeps_the_lines_after_it_right() {
        let text = "Hem;Kontroll;Datum;Resultat;Utförd av;Anteckning\n\
            HEM-1;Våld;2025-06-01;utan anmärkning;Karin Berg;\"rad ett\nrad två\"\n\
            HEM-1;Missbruk;2025-13-01;utan anmärkning;Karin Berg;\n";
        let problems = read_err(text, None);
        assert_eq!(lines_and_fields(&problems), [(4, "Datum")]);
    }

    #[test]
    fn the_kind_is_told_by_the_header_or_given() {
        let text = "Externt id;Enhet;Namn\nHEM-1;E;A\n";
        let problems = read_err(text, None);
        assert_eq!(lines_and_fields(&problems), [(1, "")]);
        let problems = read_err(text, Some(ImportKind::Homes));
        assert_eq!(lines_and_fields(&problems), [(1, "Hemtyp")]);
        let problems = read_err(CHILDREN, Some(ImportKind::Homes));
        assert!(
            problems.iter().any(|p| p.field == "Förnamn"),
            "{problems:#?}"
        );
    }

    #[test]
    fn unknown_and_duplicate_columns_are_named() {
        let text = "Externt id;Enhet;Hemtyp;Namn;Färg;namn\nHEM-1;E;HVB;A;röd;B\n";
        let problems = read_err(text, None);
        assert_eq!(lines_and_fields(&problems), [(1, "Färg"), (1, "namn")]);
    }

    #[test]
    fn personal_identity_numbers_are_refused_as_a_column_and_as_a_value() {
        let column = "Externt id;Personnummer;Förnamn;Efternamn;Födelsedatum;Enhet\n\
            BARN-1;20140502-1234;Elsa;Öberg;2014-05-02;E\n";
        let problems = read_err(column, None);
        assert_eq!(lines_and_fields(&problems), [(1, "Personnummer")]);
        let as_id = "Externt id;Förnamn;Efternamn;Födelsedatum;Enhet\n\
            140502-1234;Elsa;Öberg;2014-05-02;E\n";
        let problems = read_err(as_id, None);
        assert_eq!(lines_and_fields(&problems), [(2, "Externt id")]);
        assert!(problems[0].message.contains("personnummer"));
        let in_note = "Hem;Kontroll;Datum;Resultat;Utförd av;Anteckning\n\
            HEM-1;Våld;2025-06-01;utan anmärkning;Karin Berg;gäller 19800101-1234\n";
        let problems = read_err(in_note, None);
        assert_eq!(lines_and_fields(&problems), [(2, "Anteckning")]);
    }

    #[test]
    fn formulas_are_refused_by_line_and_header() {
        let text = "Externt id;Förnamn;Efternamn;Födelsedatum;Enhet\n\
            BARN-1;\"=HYPERLINK(\"\"http://evil\"\";\"\"x\"\")\";Öberg;2014-05-02;E\n\
            BARN-2;Omar;@SUM(A1);2011-11-30;E\n\
            BARN-3;\"\tKim\";Ek;2016-01-15;E\n";
        let problems = read_err(text, None);
        assert_eq!(
            lines_and_fields(&problems),
            [(2, "Förnamn"), (3, "Efternamn"), (4, "Förnamn")],
            "{problems:#?}"
        );
    }

    #[test]
    fn too_many_columns_or_fields_are_refused() {
        let wide = vec!["x"; MAX_COLUMNS + 1].join(";") + "\n";
        assert_eq!(lines_and_fields(&read_err(&wide, None)), [(1, "")]);
        let extra = "Externt id;Enhet;Hemtyp;Namn\nHEM-1;E;HVB;A;B\nHEM-2;E;HVB;C;;\n";
        assert_eq!(lines_and_fields(&read_err(extra, None)), [(2, "")]);
    }

    #[test]
    fn too_many_rows_are_refused() {
        let mut text = String::from("Hem;Kontroll;Datum;Resultat;Utförd av\n");
        for _ in 0..=MAX_IMPORT_ROWS {
            text.push_str("HEM-1;Våld;2025-06-01;utan anmärkning;K\n");
        }
        let problems = read_err(&text, None);
        assert!(problems.iter().any(|p| p.message.contains("fler än")));
    }

    #[test]
    fn the_delimiter_is_told_by_the_header() {
        assert_eq!(delimiter("a;b;c\n1,2;3"), b';');
        assert_eq!(delimiter("a,b,c\n1;2,3"), b',');
        assert_eq!(delimiter("\"a;b\",c\n"), b',');
        assert_eq!(delimiter("a\n"), b';');
    }

    #[test]
    fn check_names_listed_once_per_kind() {
        let names: Vec<&str> = documented(columns::CHECK_KINDS)
            .iter()
            .map(|(n, _)| *n)
            .collect();
        assert_eq!(names.len(), CheckKind::ALL.len());
        assert_eq!(names[0], "belastningsregistret");
    }
}
