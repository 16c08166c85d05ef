//! Import from the case-management system: what one file holds once read
//! (children, placements, homes or home checks), what an import reports, and
//! how a refused file's problems are named. Reading CSV and JSON is the
//! server's (`server/src/import/`); the format is in `docs/import.md` and
//! the JSON Schema in `docs/schema/import.schema.json`.
//!
//! Every row is keyed on its external id, so importing the same file again
//! updates and never duplicates.

use crate::domain::{ExternalId, LegalBasis, PersonName, PlacementKind, Sex};
use crate::register::{HomeCheck, HomeContact};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The largest file an import reads, in bytes (10,000 children fit easily).
pub const MAX_IMPORT_BYTES: usize = 16 * 1024 * 1024;

/// One file's rows, read and checked field by field. A JSON document may hold
/// all four kinds; a CSV file holds one.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportBatch {
    #[serde(default)]
    pub homes: Vec<HomeRow>,
    #[serde(default)]
    pub home_checks: Vec<HomeCheckRow>,
    #[serde(default)]
    pub children: Vec<ChildRow>,
    #[serde(default)]
    pub placements: Vec<PlacementRow>,
}

/// A child as the case-management system holds it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChildRow {
    /// The line of the CSV file (the header is line 1), or the item's number
    /// in its JSON array counted from 1. Not part of the format.
    #[serde(skip)]
    pub line: u32,
    pub external_id: ExternalId,
    pub given_name: PersonName,
    pub family_name: PersonName,
    pub birth_date: NaiveDate,
    #[serde(default)]
    pub sex: Sex,
    #[serde(default)]
    pub has_disability: bool,
    /// The unit, by name (as `admin create-unit` named it).
    pub unit: String,
    /// The responsible social workers, by user name.
    #[serde(default)]
    pub workers: Vec<String>,
}

/// A placement, with its decision.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlacementRow {
    #[serde(skip)]
    pub line: u32,
    pub external_id: ExternalId,
    /// The child's external id.
    pub child: ExternalId,
    /// The home's external id in the register.
    pub home: ExternalId,
    pub legal_basis: LegalBasis,
    pub start_date: NaiveDate,
    #[serde(default)]
    pub decision_date: Option<NaiveDate>,
    #[serde(default)]
    pub decided_by: Option<PersonName>,
    #[serde(default)]
    pub decision_until: Option<NaiveDate>,
    #[serde(default)]
    pub last_consideration: Option<NaiveDate>,
}

/// A home of the register.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HomeRow {
    #[serde(skip)]
    pub line: u32,
    pub external_id: ExternalId,
    pub unit: String,
    pub kind: PlacementKind,
    pub name: PersonName,
    #[serde(default)]
    pub contact: HomeContact,
}

/// A check made on a home. Imported checks are added once: the same home,
/// kind and date is the same check.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HomeCheckRow {
    #[serde(skip)]
    pub line: u32,
    /// The home's external id.
    pub home: ExternalId,
    #[serde(flatten)]
    pub check: HomeCheck,
}

/// Which kind of rows a CSV file holds (JSON names its arrays).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportKind {
    Children,
    Placements,
    Homes,
    HomeChecks,
}

/// What an import did, or would do in a dry run.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    pub dry_run: bool,
    pub homes: ImportCounts,
    pub home_checks: ImportCounts,
    pub children: ImportCounts,
    pub placements: ImportCounts,
    /// One line per created or updated record ("barn BARN-0001: namn ändrat").
    #[serde(default)]
    pub changes: Vec<String>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportCounts {
    pub created: u32,
    pub updated: u32,
    pub unchanged: u32,
}

/// One reason a file was refused: the line and the field it is about.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportProblem {
    /// 0 when the problem is the file as a whole (its size, its encoding).
    pub line: u32,
    /// The column or field name as the file spells it, empty for the file.
    pub field: String,
    pub message: String,
}
