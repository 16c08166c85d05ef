//! The CSV files' columns: their Swedish headers and which are required,
//! per kind of file, and the Swedish values a cell may hold. The format is
//! described in `docs/import.md`; change both together.

use shared::domain::{LegalBasis, PlacementKind, Sex};
use shared::import::ImportKind;
use shared::register::{CheckKind, CheckResult};

/// A column a CSV file may have.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Col {
    ExternalId,
    GivenName,
    FamilyName,
    BirthDate,
    Sex,
    Disability,
    Unit,
    Workers,
    Child,
    Home,
    LegalBasis,
    StartDate,
    DecisionDate,
    DecidedBy,
    DecisionUntil,
    LastConsideration,
    HomeKind,
    Name,
    ContactPerson,
    Address,
    Phone,
    Email,
    CheckKind,
    CheckDate,
    CheckResult,
    MadeBy,
    Note,
}

#[derive(Clone, Copy, Debug)]
pub struct Column {
    pub col: Col,
    /// As `docs/import.md` spells it; matched without regard to case,
    /// `_`/`-` or repeated spaces.
    pub header: &'static str,
    pub required: bool,
}

const fn req(col: Col, header: &'static str) -> Column {
    Column {
        col,
        header,
        required: true,
    }
}

const fn opt(col: Col, header: &'static str) -> Column {
    Column {
        col,
        header,
        required: false,
    }
}

const CHILDREN: &[Column] = &[
    req(Col::ExternalId, "Externt id"),
    req(Col::GivenName, "Förnamn"),
    req(Col::FamilyName, "Efternamn"),
    req(Col::BirthDate, "Födelsedatum"),
    opt(Col::Sex, "Kön"),
    opt(Col::Disability, "Funktionsnedsättning"),
    req(Col::Unit, "Enhet"),
    opt(Col::Workers, "Handläggare"),
];

const PLACEMENTS: &[Column] = &[
    req(Col::ExternalId, "Externt id"),
    req(Col::Child, "Barn"),
    req(Col::Home, "Hem"),
    req(Col::LegalBasis, "Lagrum"),
    req(Col::StartDate, "Startdatum"),
    opt(Col::DecisionDate, "Beslutsdatum"),
    opt(Col::DecidedBy, "Beslutsfattare"),
    opt(Col::DecisionUntil, "Beslut gäller till"),
    opt(Col::LastConsideration, "Senaste övervägande"),
];

const HOMES: &[Column] = &[
    req(Col::ExternalId, "Externt id"),
    req(Col::Unit, "Enhet"),
    req(Col::HomeKind, "Hemtyp"),
    req(Col::Name, "Namn"),
    opt(Col::ContactPerson, "Kontaktperson"),
    opt(Col::Address, "Adress"),
    opt(Col::Phone, "Telefon"),
    opt(Col::Email, "E-post"),
];

const HOME_CHECKS: &[Column] = &[
    req(Col::Home, "Hem"),
    req(Col::CheckKind, "Kontroll"),
    req(Col::CheckDate, "Datum"),
    req(Col::CheckResult, "Resultat"),
    req(Col::MadeBy, "Utförd av"),
    opt(Col::Note, "Anteckning"),
];

pub const KINDS: [ImportKind; 4] = [
    ImportKind::Children,
    ImportKind::Placements,
    ImportKind::Homes,
    ImportKind::HomeChecks,
];

pub fn columns(kind: ImportKind) -> &'static [Column] {
    match kind {
        ImportKind::Children => CHILDREN,
        ImportKind::Placements => PLACEMENTS,
        ImportKind::Homes => HOMES,
        ImportKind::HomeChecks => HOME_CHECKS,
    }
}

/// The column only a file of this kind has, by which its kind is known.
pub fn marker(kind: ImportKind) -> Col {
    match kind {
        ImportKind::Children => Col::BirthDate,
        ImportKind::Placements => Col::LegalBasis,
        ImportKind::Homes => Col::HomeKind,
        ImportKind::HomeChecks => Col::CheckKind,
    }
}

/// The kind's Swedish name, as `--kind` also takes it and the docs name
/// the example files.
pub fn kind_name_sv(kind: ImportKind) -> &'static str {
    match kind {
        ImportKind::Children => "barn",
        ImportKind::Placements => "placeringar",
        ImportKind::Homes => "hem",
        ImportKind::HomeChecks => "hemkontroller",
    }
}

/// The wire name (`children`, …) or the Swedish name (`barn`, …).
pub fn parse_kind(raw: &str) -> Option<ImportKind> {
    let raw = raw.trim().to_lowercase();
    KINDS.into_iter().find(|k| {
        kind_name_sv(*k) == raw
            || serde_json::to_value(k)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                == Some(raw.clone())
    })
}

/// The CSV header of a field as the JSON names it (`children.unit` is
/// `Enhet`), for the problems found while applying a batch.
pub fn csv_header(field: &str) -> Option<&'static str> {
    let (_, name) = field.split_once('.')?;
    Some(match (field, name) {
        (_, "external_id") => "Externt id",
        (_, "unit") => "Enhet",
        ("children.workers", _) => "Handläggare",
        ("placements.child", _) => "Barn",
        ("placements.home" | "home_checks.home", _) => "Hem",
        _ => return None,
    })
}

/// A header or value as compared: lower case, `_` and `-` as spaces, one
/// space between words.
pub fn normalize(raw: &str) -> String {
    raw.to_lowercase()
        .replace(['_', '-'], " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether a header names a personal identity number column, which is
/// refused whole rather than ignored.
pub fn is_personal_identity_header(normalized: &str) -> bool {
    let squeezed = normalized.replace(' ', "");
    squeezed.contains("personnummer")
        || squeezed.contains("personnr")
        || squeezed.contains("samordningsnummer")
        || squeezed == "pnr"
}

pub const SEXES: &[(&str, Sex)] = &[
    ("flicka", Sex::Girl),
    ("pojke", Sex::Boy),
    ("annat", Sex::Other),
    ("ej registrerat", Sex::NotRecorded),
];

pub const YES_NO: &[(&str, bool)] = &[("ja", true), ("nej", false)];

pub const LEGAL_BASES: &[(&str, LegalBasis)] =
    &[("sol", LegalBasis::SoL), ("lvu", LegalBasis::Lvu)];

pub const HOME_KINDS: &[(&str, PlacementKind)] = &[
    ("familjehem", PlacementKind::FosterHome),
    ("jourhem", PlacementKind::EmergencyHome),
    ("behandlingsfamilj", PlacementKind::TreatmentFamily),
    ("hvb", PlacementKind::ResidentialCare),
    ("stödboende", PlacementKind::SupportedHousing),
];

/// The first name of each is the one documented; the others are what
/// people write as well.
pub const CHECK_KINDS: &[(&str, CheckKind)] = &[
    ("belastningsregistret", CheckKind::CriminalRecord),
    ("belastningsregister", CheckKind::CriminalRecord),
    ("socialtjänstens register", CheckKind::SocialServicesRecord),
    ("socialregistret", CheckKind::SocialServicesRecord),
    ("våld", CheckKind::Violence),
    ("våld i nära relation", CheckKind::Violence),
    ("missbruk", CheckKind::SubstanceUse),
    ("drivs kommersiellt", CheckKind::CommercialOperation),
    ("kommersiell verksamhet", CheckKind::CommercialOperation),
    ("referens", CheckKind::Reference),
    ("referenser", CheckKind::Reference),
    ("referenser från andra kommuner", CheckKind::Reference),
];

pub const CHECK_RESULTS: &[(&str, CheckResult)] = &[
    ("utan anmärkning", CheckResult::NoRemarks),
    ("med anmärkning", CheckResult::Remarks),
    ("ej godkänd", CheckResult::NotApproved),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_and_values_compare_loosely() {
        assert_eq!(normalize("  Externt_ID "), "externt id");
        assert_eq!(normalize("E-post"), normalize("e post"));
        assert_eq!(normalize("Beslut  gäller\ttill"), "beslut gäller till");
        assert_eq!(normalize("Stödboende"), "stödboende");
    }

    #[test]
    fn every_kind_has_its_own_marker_and_names() {
        for kind in KINDS {
            let marker = marker(kind);
            assert!(columns(kind).iter().any(|c| c.col == marker && c.required));
            for other in KINDS.into_iter().filter(|k| *k != kind) {
                assert!(!columns(other).iter().any(|c| c.col == marker), "{kind:?}");
            }
            assert_eq!(parse_kind(kind_name_sv(kind)), Some(kind));
        }
        assert_eq!(parse_kind("home_checks"), Some(ImportKind::HomeChecks));
        assert_eq!(parse_kind("Children"), Some(ImportKind::Children));
        assert_eq!(parse_kind("visits"), None);
    }

    #[test]
    fn every_check_kind_and_result_has_a_swedish_name() {
        for kind in CheckKind::ALL {
            assert!(CHECK_KINDS.iter().any(|(_, k)| *k == kind), "{kind:?}");
        }
        for result in CheckResult::ALL {
            let (name, _) = CHECK_RESULTS
                .iter()
                .find(|(_, r)| *r == result)
                .expect("named");
            assert_eq!(*name, normalize(result.label_sv()));
        }
        for kind in PlacementKind::ALL {
            let (name, _) = HOME_KINDS.iter().find(|(_, k)| *k == kind).expect("named");
            assert_eq!(*name, normalize(kind.label_sv()));
        }
        for sex in Sex::ALL {
            let (name, _) = SEXES.iter().find(|(_, s)| *s == sex).expect("named");
            assert_eq!(*name, normalize(sex.label_sv()));
        }
    }

    #[test]
    fn personal_identity_columns_are_recognised() {
        for header in [
            "Personnummer",
            "PNR",
            "personnr",
            "Barnets personnummer",
            "Samordningsnummer",
        ] {
            assert!(is_personal_identity_header(&normalize(header)), "{header}");
        }
        assert!(!is_personal_identity_header(&normalize("Externt id")));
    }
}
