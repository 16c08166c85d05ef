//! What every imported file must be before it is read as CSV or JSON: not
//! too large, UTF-8 (a byte-order mark is fine), no NUL bytes; and what no
//! cell may hold: the start of a spreadsheet formula, or a personal identity
//! number.

use shared::domain::looks_like_personal_identity_number;
use shared::import::{ImportProblem, MAX_IMPORT_BYTES};

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// The file as text, without a UTF-8 byte-order mark; or why it is refused
/// whole (line 0) or at a line.
pub fn decode(bytes: &[u8]) -> Result<&str, ImportProblem> {
    let file = |message: String| ImportProblem {
        line: 0,
        field: String::new(),
        message,
    };
    if bytes.len() > MAX_IMPORT_BYTES {
        return Err(file(format!(
            "filen är {} byte; en import tar högst {} byte (dela upp den)",
            bytes.len(),
            MAX_IMPORT_BYTES
        )));
    }
    if bytes.starts_with(b"\xFF\xFE\x00\x00") || bytes.starts_with(b"\x00\x00\xFE\xFF") {
        return Err(file(
            "filen är UTF-32-kodad; spara den som UTF-8 (i Excel: \"CSV UTF-8\")".into(),
        ));
    }
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return Err(file(
            "filen är UTF-16-kodad (Unicode-text); spara den som UTF-8 (i Excel: \"CSV UTF-8\")"
                .into(),
        ));
    }
    let body = bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes);
    let line_at = |offset: usize| line_of(body, offset);
    if let Some(at) = body.iter().position(|b| *b == 0) {
        return Err(ImportProblem {
            line: line_at(at),
            field: String::new(),
            message:
                "raden innehåller NUL-tecken: filen är troligen UTF-16 utan byte-order-märke; \
                      spara den som UTF-8"
                    .into(),
        });
    }
    let text = std::str::from_utf8(body).map_err(|e| {
        let at = e.valid_up_to();
        ImportProblem {
            line: line_at(at),
            field: String::new(),
            message: format!(
                "raden är inte UTF-8 (byte 0x{:02X}): filen är troligen sparad som Latin-1 \
                 eller Windows-1252; spara den som UTF-8 (i Excel: \"CSV UTF-8\")",
                body.get(at).copied().unwrap_or_default()
            ),
        }
    })?;
    if text.trim().is_empty() {
        return Err(file("filen är tom".into()));
    }
    Ok(text)
}

/// The line (from 1) that byte `offset` is on.
fn line_of(body: &[u8], offset: usize) -> u32 {
    let newlines = body
        .get(..offset)
        .unwrap_or(body)
        .iter()
        .filter(|b| **b == b'\n')
        .count();
    u32::try_from(newlines + 1).unwrap_or(u32::MAX)
}

/// What a cell may hold for where it goes: only a phone number may start
/// with `+` (and then only digits, spaces, `-` and parentheses follow, which
/// no spreadsheet turns into a function call).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CellKind {
    Plain,
    Phone,
}

/// Why a cell is refused, if it is: a formula a spreadsheet would run when
/// the data is opened again (OWASP "CSV injection"), or a personal identity
/// number, which Barnbesök never stores.
pub fn cell_hazard(cell: &str, kind: CellKind) -> Option<&'static str> {
    let formula = |s: &str| {
        let mut chars = s.chars();
        match chars.next() {
            Some('=' | '-' | '@' | '\t' | '\r' | '\n') => true,
            Some('+') => {
                kind != CellKind::Phone
                    || !chars
                        .clone()
                        .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '(' | ')'))
            }
            _ => false,
        }
    };
    if formula(cell) || formula(cell.trim_start()) {
        return Some(
            "börjar med = + - @ eller ett tab- eller radbrytningstecken, som ett kalkylprogram \
             kan köra som formel: ta bort tecknet",
        );
    }
    let words = cell.split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '|' | '/'));
    if words
        .map(|w| w.trim_matches(|c: char| !c.is_ascii_digit()))
        .any(|w| is_personal_identity_number(w, kind))
    {
        return Some("ser ut som ett personnummer, som Barnbesök aldrig tar emot");
    }
    None
}

/// A word written as a personal or coordination number: `YYMMDD-NNNN`,
/// `YYYYMMDD-NNNN` (or `+`), or 10 or 12 digits in a row with a plausible
/// date. A phone number's 10 digits in a row are one too, except in the
/// phone column.
fn is_personal_identity_number(word: &str, kind: CellKind) -> bool {
    if !looks_like_personal_identity_number(word) {
        return false;
    }
    let digits_only = word.chars().all(|c| c.is_ascii_digit());
    let separated = word.len() >= 5
        && word[..word.len() - 5].chars().all(|c| c.is_ascii_digit())
        && matches!(word.as_bytes()[word.len() - 5], b'-' | b'+')
        && word[word.len() - 4..].chars().all(|c| c.is_ascii_digit());
    separated || (digits_only && kind != CellKind::Phone)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bom_is_dropped_and_utf16_refused() {
        assert_eq!(decode(b"\xEF\xBB\xBFa;b\n").expect("utf-8"), "a;b\n");
        let utf16 = decode(b"\xFF\xFEa\x00;\x00").expect_err("utf-16");
        assert_eq!(utf16.line, 0);
        assert!(utf16.message.contains("UTF-16"), "{}", utf16.message);
        let no_bom = decode(b"a\x00;\x00b\x00").expect_err("nul");
        assert!(no_bom.message.contains("NUL"));
        assert!(decode(b" \n").is_err());
    }

    #[test]
    fn latin1_is_named_by_its_line() {
        let bytes = b"Externt id;Namn\nHEM-1;Sj\xF6g\xE5rden\n";
        let problem = decode(bytes).expect_err("latin-1");
        assert_eq!(problem.line, 2);
        assert!(problem.message.contains("0xF6"), "{}", problem.message);
        assert!(problem.message.contains("Latin-1"));
    }

    #[test]
    fn an_oversized_file_is_refused_whole() {
        let bytes = vec![b'a'; MAX_IMPORT_BYTES + 1];
        let problem = decode(&bytes).expect_err("too large");
        assert_eq!((problem.line, problem.field.as_str()), (0, ""));
    }

    #[test]
    fn formulas_are_refused_and_phone_numbers_kept() {
        for cell in [
            "=HYPERLINK(\"http://x\")",
            "+1+1",
            "-2+3",
            "@SUM(A1)",
            "\t=1",
            " =1",
            "\r1",
        ] {
            assert!(cell_hazard(cell, CellKind::Plain).is_some(), "{cell:?}");
        }
        assert!(cell_hazard("+46 70-123 45 67", CellKind::Phone).is_none());
        assert!(cell_hazard("+46 70-123 45 67", CellKind::Plain).is_some());
        assert!(cell_hazard("+46+cmd|' /C calc'!A0", CellKind::Phone).is_some());
        for cell in [
            "Anna Lind",
            "Sjögården",
            "2026-03-01",
            "BARN-0001",
            "a=b",
            "070-123",
        ] {
            assert_eq!(cell_hazard(cell, CellKind::Plain), None, "{cell:?}");
        }
    }

    #[test]
    fn personal_identity_numbers_are_refused_anywhere_in_a_cell() {
        for cell in [
            "121212-1212",
            "201212121212",
            "barnet 20121212-1212 bor här",
            "(121212-1212)",
            "121272-1212",
        ] {
            assert!(cell_hazard(cell, CellKind::Plain).is_some(), "{cell:?}");
        }
        assert!(cell_hazard("2012-12-12", CellKind::Plain).is_none());
        assert!(cell_hazard("070-1234567", CellKind::Plain).is_none());
        assert!(cell_hazard("0701234567", CellKind::Phone).is_none());
        assert!(cell_hazard("0701234567", CellKind::Plain).is_some());
        assert!(cell_hazard("070123-4567", CellKind::Phone).is_some());
    }
}
