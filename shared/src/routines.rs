//! The routine library (rutiner): guidelines, instructions, routines and
//! checklists, each published in numbered versions. Old versions stay
//! readable; on a given day the version in force is the newest one valid from
//! that day or earlier. The format of a routine document and the versioning
//! rules are described in `docs/routines.md`.

use crate::domain::TextError;
use crate::markdown::{self, Block};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// The kind of a governing document, as in the municipalities' process libraries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoutineKind {
    /// Governing document for equal, lawful decisions.
    Riktlinje,
    /// A collection of routines for one area.
    Anvisning,
    /// How one task is done, step by step.
    Rutin,
    Checklista,
}

impl RoutineKind {
    pub const ALL: [Self; 4] = [
        Self::Riktlinje,
        Self::Anvisning,
        Self::Rutin,
        Self::Checklista,
    ];

    pub fn label_sv(self) -> &'static str {
        match self {
            Self::Riktlinje => "Riktlinje",
            Self::Anvisning => "Anvisning",
            Self::Rutin => "Rutin",
            Self::Checklista => "Checklista",
        }
    }

    /// The name used in documents and on the wire (`rutin`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Riktlinje => "riktlinje",
            Self::Anvisning => "anvisning",
            Self::Rutin => "rutin",
            Self::Checklista => "checklista",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.as_str() == raw.trim())
    }
}

/// The stable key of a routine across its versions: a slug such as
/// `besok-hos-placerade-barn`, also its path in the app (`/rutiner/<id>`).
/// Not the registration number, which a revision decided in a new case gets anew.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RoutineId(String);

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("a routine id is 3–80 characters of a–z, 0–9 and single hyphens inside")]
pub struct InvalidRoutineId;

impl RoutineId {
    pub const MAX_CHARS: usize = 80;

    pub fn parse(raw: &str) -> Result<Self, InvalidRoutineId> {
        let id = raw.trim();
        let allowed = id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        let well_formed = (3..=Self::MAX_CHARS).contains(&id.len())
            && allowed
            && !id.starts_with('-')
            && !id.ends_with('-')
            && !id.contains("--");
        well_formed
            .then(|| Self(id.to_owned()))
            .ok_or(InvalidRoutineId)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A registration number (diarienummer) such as `SN 2026/0143` or
/// `SOCN/2022:31`: an authority code, a year and a serial number. Stored
/// upper-cased with runs of white space collapsed.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RegistrationNumber(String);

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("a registration number looks like \"SN 2026/0143\"")]
pub struct InvalidRegistrationNumber;

impl RegistrationNumber {
    pub fn parse(raw: &str) -> Result<Self, InvalidRegistrationNumber> {
        let canonical = raw
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_uppercase();
        Self::well_formed(&canonical)
            .then_some(Self(canonical))
            .ok_or(InvalidRegistrationNumber)
    }

    /// `CODE[ /]YYYY[/:-]SERIAL`, where the serial is digits, optionally with
    /// `.` or `-` parts (`0143-2`).
    fn well_formed(s: &str) -> bool {
        let code_len = s
            .chars()
            .take_while(|c| c.is_ascii_uppercase() || matches!(c, 'Å' | 'Ä' | 'Ö'))
            .map(char::len_utf8)
            .sum::<usize>();
        let code_chars = s[..code_len].chars().count();
        let Some(rest) = s[code_len..].strip_prefix([' ', '/']) else {
            return false;
        };
        // The year is four ASCII digits; four bytes that end inside a
        // character (`2ÅÅ`) are no year.
        let Some((year, rest)) = rest.split_at_checked(rest.len().min(4)) else {
            return false;
        };
        let Some(serial) = rest.strip_prefix(['/', ':', '-']) else {
            return false;
        };
        let serial_ok = serial.starts_with(|c: char| c.is_ascii_digit())
            && serial.ends_with(|c: char| c.is_ascii_digit())
            && serial.len() <= 16
            && serial
                .chars()
                .all(|c| c.is_ascii_digit() || c == '.' || c == '-');
        (1..=10).contains(&code_chars)
            && year.len() == 4
            && year.bytes().all(|b| b.is_ascii_digit())
            && serial_ok
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

macro_rules! string_conversions {
    ($name:ident, $error:ty) => {
        impl TryFrom<String> for $name {
            type Error = $error;
            fn try_from(value: String) -> Result<Self, Self::Error> {
                Self::parse(&value)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

string_conversions!(RoutineId, InvalidRoutineId);
string_conversions!(RegistrationNumber, InvalidRegistrationNumber);

macro_rules! text_field {
    ($(#[$doc:meta])* $name:ident, max = $max:expr, multiline = $multiline:expr) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            pub const MAX_CHARS: usize = $max;

            /// Trims surrounding white space; refuses empty, overlong and
            /// control characters (bar line breaks and tabs where multiline).
            pub fn parse(raw: &str) -> Result<Self, TextError> {
                let trimmed = raw.trim();
                if trimmed.is_empty() {
                    return Err(TextError::Empty);
                }
                if trimmed.chars().count() > $max {
                    return Err(TextError::TooLong { max: $max });
                }
                let allowed =
                    |c: char| !c.is_control() || ($multiline && matches!(c, '\n' | '\r' | '\t'));
                if !trimmed.chars().all(allowed) {
                    return Err(TextError::ControlCharacter);
                }
                Ok(Self(trimmed.to_owned()))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        string_conversions!($name, TextError);
    };
}

text_field!(
    /// A routine's title ("Besök hos placerade barn").
    RoutineTitle, max = 160, multiline = false
);
text_field!(
    /// Who owns the routine, usually a role ("Enhetschef, Familjehemsenheten").
    RoutineOwner, max = 120, multiline = false
);
text_field!(
    /// A routine's body in the Markdown subset of [`crate::markdown`].
    RoutineBody, max = 100_000, multiline = true
);

impl RoutineBody {
    /// The body parsed for display.
    pub fn blocks(&self) -> Vec<Block> {
        markdown::parse(&self.0)
    }

    /// The body without markup, for search.
    pub fn plain_text(&self) -> String {
        markdown::to_plain_text(&self.blocks())
    }
}

/// The fields of one version, each valid on its own. [`RoutineVersion::new`]
/// checks them together. This is also the wire form of a version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoutineDraft {
    pub routine_id: RoutineId,
    /// 1, 2, 3…: each new version of a routine has a higher number.
    pub version: u32,
    pub title: RoutineTitle,
    pub kind: RoutineKind,
    pub registration_number: RegistrationNumber,
    /// The first day the version is in force.
    pub valid_from: NaiveDate,
    /// The day by which the owner must review the version.
    pub review_date: NaiveDate,
    pub owner: RoutineOwner,
    pub body: RoutineBody,
    /// When it was published in the app; the seed library's versions have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published_at: Option<DateTime<Utc>>,
}

/// Why a version's fields do not fit together.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum VersionError {
    #[error("version numbers start at 1")]
    ZeroVersion,
    #[error("the review date must come after the valid-from date")]
    ReviewNotAfterValidFrom,
}

/// One published version of a routine: a [`RoutineDraft`] whose fields fit together.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RoutineDraft", into = "RoutineDraft")]
pub struct RoutineVersion(RoutineDraft);

impl RoutineVersion {
    pub fn new(draft: RoutineDraft) -> Result<Self, VersionError> {
        if draft.version == 0 {
            return Err(VersionError::ZeroVersion);
        }
        if draft.review_date <= draft.valid_from {
            return Err(VersionError::ReviewNotAfterValidFrom);
        }
        Ok(Self(draft))
    }

    pub fn routine_id(&self) -> &RoutineId {
        &self.0.routine_id
    }
    pub fn version(&self) -> u32 {
        self.0.version
    }
    pub fn title(&self) -> &RoutineTitle {
        &self.0.title
    }
    pub fn kind(&self) -> RoutineKind {
        self.0.kind
    }
    pub fn registration_number(&self) -> &RegistrationNumber {
        &self.0.registration_number
    }
    pub fn valid_from(&self) -> NaiveDate {
        self.0.valid_from
    }
    pub fn review_date(&self) -> NaiveDate {
        self.0.review_date
    }
    pub fn owner(&self) -> &RoutineOwner {
        &self.0.owner
    }
    pub fn body(&self) -> &RoutineBody {
        &self.0.body
    }
    pub fn published_at(&self) -> Option<DateTime<Utc>> {
        self.0.published_at
    }

    /// Whether the review date has passed on `today` (the review date itself
    /// is still in time).
    pub fn review_passed(&self, today: NaiveDate) -> bool {
        self.0.review_date < today
    }

    /// A copy of the fields, to edit into the next version.
    pub fn to_draft(&self) -> RoutineDraft {
        self.0.clone()
    }

    pub fn with_published_at(mut self, at: DateTime<Utc>) -> Self {
        self.0.published_at = Some(at);
        self
    }

    /// Reads a routine document: a front-matter block of `key: value` lines
    /// between two `---` lines, then the Markdown body.
    pub fn from_document(document: &str) -> Result<Self, DocumentError> {
        let parsed = crate::content::front_matter(document).map_err(|error| match error {
            crate::content::FrontMatterError::Missing => DocumentError::MissingFrontMatter,
            crate::content::FrontMatterError::MalformedLine { line } => {
                DocumentError::MalformedLine { line }
            }
        })?;
        let mut values: [Option<&str>; KEYS.len()] = [None; KEYS.len()];
        for &(line, key, value) in &parsed.fields {
            let slot = KEYS.iter().position(|known| *known == key).ok_or_else(|| {
                DocumentError::UnknownKey {
                    line,
                    key: key.to_owned(),
                }
            })?;
            if values[slot].replace(value).is_some() {
                return Err(DocumentError::DuplicateKey {
                    line,
                    key: KEYS[slot],
                });
            }
        }
        let body = parsed.body;

        let fields = Fields(values);
        let draft = RoutineDraft {
            routine_id: fields.parse("id", RoutineId::parse)?,
            version: fields.parse("version", str::parse::<u32>)?,
            title: fields.parse("title", RoutineTitle::parse)?,
            kind: fields.parse("kind", |raw| RoutineKind::parse(raw).ok_or(UnknownKind))?,
            registration_number: fields.parse("registration_number", RegistrationNumber::parse)?,
            valid_from: fields.parse("valid_from", str::parse::<NaiveDate>)?,
            review_date: fields.parse("review_date", str::parse::<NaiveDate>)?,
            owner: fields.parse("owner", RoutineOwner::parse)?,
            body: RoutineBody::parse(&body.replace("\r\n", "\n")).map_err(|error| {
                DocumentError::InvalidValue {
                    key: "body",
                    reason: error.to_string(),
                }
            })?,
            published_at: fields.optional("published_at", str::parse::<DateTime<Utc>>)?,
        };
        Ok(Self::new(draft)?)
    }

    /// The document [`RoutineVersion::from_document`] reads back as this version.
    pub fn to_document(&self) -> String {
        let d = &self.0;
        let mut out = format!(
            "---\nid: {}\ntitle: {}\nkind: {}\nregistration_number: {}\nversion: {}\n\
             valid_from: {}\nreview_date: {}\nowner: {}\n",
            d.routine_id,
            d.title,
            d.kind.as_str(),
            d.registration_number,
            d.version,
            d.valid_from,
            d.review_date,
            d.owner,
        );
        if let Some(at) = d.published_at {
            out.push_str(&format!("published_at: {}\n", at.to_rfc3339()));
        }
        out.push_str("---\n");
        out.push_str(d.body.as_str());
        out.push('\n');
        out
    }
}

impl TryFrom<RoutineDraft> for RoutineVersion {
    type Error = VersionError;
    fn try_from(draft: RoutineDraft) -> Result<Self, Self::Error> {
        Self::new(draft)
    }
}

impl From<RoutineVersion> for RoutineDraft {
    fn from(version: RoutineVersion) -> Self {
        version.0
    }
}

const KEYS: [&str; 9] = [
    "id",
    "title",
    "kind",
    "registration_number",
    "version",
    "valid_from",
    "review_date",
    "owner",
    "published_at",
];

#[derive(Debug, thiserror::Error)]
#[error("expected one of riktlinje, anvisning, rutin, checklista")]
struct UnknownKind;

struct Fields<'a>([Option<&'a str>; KEYS.len()]);

impl<'a> Fields<'a> {
    fn optional<T, E: fmt::Display>(
        &self,
        key: &'static str,
        parse: impl FnOnce(&'a str) -> Result<T, E>,
    ) -> Result<Option<T>, DocumentError> {
        let slot = KEYS.iter().position(|known| *known == key);
        match slot.and_then(|slot| self.0[slot]) {
            None => Ok(None),
            Some(raw) => parse(raw)
                .map(Some)
                .map_err(|error| DocumentError::InvalidValue {
                    key,
                    reason: error.to_string(),
                }),
        }
    }

    fn parse<T, E: fmt::Display>(
        &self,
        key: &'static str,
        parse: impl FnOnce(&'a str) -> Result<T, E>,
    ) -> Result<T, DocumentError> {
        self.optional(key, parse)?
            .ok_or(DocumentError::MissingKey(key))
    }
}

/// Why a routine document could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DocumentError {
    #[error("a routine document starts with a front-matter block between two `---` lines")]
    MissingFrontMatter,
    #[error("line {line}: expected `key: value`")]
    MalformedLine { line: usize },
    #[error("line {line}: unknown key `{key}`")]
    UnknownKey { line: usize, key: String },
    #[error("line {line}: `{key}` is given twice")]
    DuplicateKey { line: usize, key: &'static str },
    #[error("`{0}` is missing")]
    MissingKey(&'static str),
    #[error("`{key}`: {reason}")]
    InvalidValue { key: &'static str, reason: String },
    #[error(transparent)]
    Version(#[from] VersionError),
}

/// Why a version was not published.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PublishError {
    #[error("version {given} is not higher than the newest version, {newest}")]
    VersionNotHigher { newest: u32, given: u32 },
    #[error("valid from {given} is before the previous version's {previous}")]
    ValidFromBeforePrevious {
        previous: NaiveDate,
        given: NaiveDate,
    },
}

impl PublishError {
    /// A sentence for the manager who publishes, in Swedish.
    pub fn message_sv(&self) -> String {
        match self {
            Self::VersionNotHigher { newest, .. } => {
                format!("Versionsnumret måste vara högre än {newest}, den senaste versionen.")
            }
            Self::ValidFromBeforePrevious { previous, .. } => format!(
                "Den nya versionen kan inte gälla från ett tidigare datum än den förra ({previous})."
            ),
        }
    }
}

/// Where a version stands on a given day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VersionStatus {
    /// Published, but valid from a later day.
    Upcoming,
    /// The version in force.
    Current,
    /// Replaced by a newer version; still readable.
    Superseded,
}

impl VersionStatus {
    pub fn label_sv(self) -> &'static str {
        match self {
            Self::Upcoming => "Kommande",
            Self::Current => "Gällande",
            Self::Superseded => "Ersatt",
        }
    }
}

/// Every published version of every routine. Per routine, versions are kept in
/// ascending version order, and `valid_from` never decreases along it; so the
/// version in force on a day is the last one valid from that day or earlier.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<RoutineVersion>", into = "Vec<RoutineVersion>")]
pub struct Library {
    routines: BTreeMap<RoutineId, Vec<RoutineVersion>>,
}

impl Library {
    pub fn new() -> Self {
        Self::default()
    }

    /// A library of `versions` in any order, checked as if each routine's
    /// versions had been published in version order.
    pub fn from_versions(
        versions: impl IntoIterator<Item = RoutineVersion>,
    ) -> Result<Self, PublishError> {
        let mut versions: Vec<_> = versions.into_iter().collect();
        versions.sort_by(|a, b| (a.routine_id(), a.version()).cmp(&(b.routine_id(), b.version())));
        let mut library = Self::new();
        for version in versions {
            library.publish(version)?;
        }
        Ok(library)
    }

    /// A library of routine documents, each named (a file name) for errors.
    pub fn from_documents<'a>(
        documents: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, LoadError> {
        let mut versions = Vec::new();
        for (name, document) in documents {
            let version =
                RoutineVersion::from_document(document).map_err(|error| LoadError::Document {
                    name: name.to_owned(),
                    error,
                })?;
            versions.push((name, version));
        }
        versions.sort_by(|(_, a), (_, b)| {
            (a.routine_id(), a.version()).cmp(&(b.routine_id(), b.version()))
        });
        let mut library = Self::new();
        for (name, version) in versions {
            library
                .publish(version)
                .map_err(|error| LoadError::Publish {
                    name: name.to_owned(),
                    error,
                })?;
        }
        Ok(library)
    }

    /// Adds a new version. Refused if its number is not higher than the newest
    /// version's, or if it would be valid from before the newest version.
    pub fn publish(&mut self, version: RoutineVersion) -> Result<(), PublishError> {
        let versions = self
            .routines
            .entry(version.routine_id().clone())
            .or_default();
        if let Some(newest) = versions.last() {
            if version.version() <= newest.version() {
                return Err(PublishError::VersionNotHigher {
                    newest: newest.version(),
                    given: version.version(),
                });
            }
            if version.valid_from() < newest.valid_from() {
                return Err(PublishError::ValidFromBeforePrevious {
                    previous: newest.valid_from(),
                    given: version.valid_from(),
                });
            }
        }
        versions.push(version);
        Ok(())
    }

    /// The number of routines (not versions).
    pub fn len(&self) -> usize {
        self.routines.len()
    }

    pub fn is_empty(&self) -> bool {
        self.routines.is_empty()
    }

    pub fn routine_ids(&self) -> impl Iterator<Item = &RoutineId> {
        self.routines.keys()
    }

    /// Every version of every routine, by routine id and then version.
    pub fn all_versions(&self) -> impl Iterator<Item = &RoutineVersion> {
        self.routines.values().flatten()
    }

    /// The version of each routine in force on `today`, by routine id.
    /// Routines whose first version is not yet valid are left out.
    pub fn current(&self, today: NaiveDate) -> Vec<&RoutineVersion> {
        self.routines
            .values()
            .filter_map(|versions| in_force(versions, today))
            .collect()
    }

    pub fn current_version(&self, id: &RoutineId, today: NaiveDate) -> Option<&RoutineVersion> {
        in_force(self.routines.get(id)?, today)
    }

    /// The newest version, even one not yet valid.
    pub fn newest(&self, id: &RoutineId) -> Option<&RoutineVersion> {
        self.routines.get(id)?.last()
    }

    pub fn version(&self, id: &RoutineId, version: u32) -> Option<&RoutineVersion> {
        self.routines
            .get(id)?
            .iter()
            .find(|candidate| candidate.version() == version)
    }

    /// A routine's history, newest first (empty for an unknown id).
    pub fn versions_of(&self, id: &RoutineId) -> Vec<&RoutineVersion> {
        self.routines
            .get(id)
            .map(|versions| versions.iter().rev().collect())
            .unwrap_or_default()
    }

    pub fn status(&self, version: &RoutineVersion, today: NaiveDate) -> VersionStatus {
        match self.current_version(version.routine_id(), today) {
            Some(current) if current.version() == version.version() => VersionStatus::Current,
            _ if version.valid_from() > today => VersionStatus::Upcoming,
            _ => VersionStatus::Superseded,
        }
    }

    /// Versions in force on `today` whose review date has passed, most overdue
    /// first: for managers. A routine with a newer version already published
    /// (valid from a later day) has been reviewed and is not listed.
    pub fn review_overdue(&self, today: NaiveDate) -> Vec<&RoutineVersion> {
        let mut overdue: Vec<_> = self
            .routines
            .values()
            .filter_map(|versions| {
                let current = in_force(versions, today)?;
                let newest = versions.last()?;
                (current.review_passed(today) && newest.version() == current.version())
                    .then_some(current)
            })
            .collect();
        overdue.sort_by(|a, b| {
            (a.review_date(), a.routine_id()).cmp(&(b.review_date(), b.routine_id()))
        });
        overdue
    }
}

fn in_force(versions: &[RoutineVersion], today: NaiveDate) -> Option<&RoutineVersion> {
    versions
        .iter()
        .rev()
        .find(|version| version.valid_from() <= today)
}

impl TryFrom<Vec<RoutineVersion>> for Library {
    type Error = PublishError;
    fn try_from(versions: Vec<RoutineVersion>) -> Result<Self, Self::Error> {
        Self::from_versions(versions)
    }
}

impl From<Library> for Vec<RoutineVersion> {
    fn from(library: Library) -> Self {
        library.routines.into_values().flatten().collect()
    }
}

/// Why a set of routine documents could not be loaded.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LoadError {
    #[error("{name}: {error}")]
    Document { name: String, error: DocumentError },
    #[error("{name}: {error}")]
    Publish { name: String, error: PublishError },
}

/// The routines the app ships with, as (file name, document): the Swedish
/// files under `content/sv/routines/`, compiled in so the library is there
/// offline before any sync.
pub fn seed_documents() -> impl Iterator<Item = (&'static str, &'static str)> {
    crate::content::ROUTINES
        .files_under(crate::content::SOURCE, "routines/")
        .map(|(path, text)| (path.trim_start_matches("routines/"), text))
}

/// A routine version in another language
/// (`content/<language>/routines/<file>`, front matter `id`, `version`,
/// `title`, `owner`): the Swedish version's registration number and dates
/// apply, and the Swedish text is the one in force.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoutineTranslation {
    pub title: RoutineTitle,
    pub owner: Option<RoutineOwner>,
    pub body: RoutineBody,
    pub status: crate::content::TranslationStatus,
}

impl RoutineVersion {
    /// This version in `language`, when a translation of exactly this
    /// routine and version ships with the app.
    pub fn translation(&self, language: &str) -> Option<RoutineTranslation> {
        crate::content::ROUTINES
            .files_under(language, "routines/")
            .find_map(|(path, text)| {
                let parsed = crate::content::front_matter(text).ok()?;
                let same = parsed.get("id") == Some(self.routine_id().as_str())
                    && parsed.get("version").and_then(|v| v.parse::<u32>().ok())
                        == Some(self.version());
                if !same {
                    return None;
                }
                Some(RoutineTranslation {
                    title: RoutineTitle::parse(parsed.get("title")?).ok()?,
                    owner: parsed
                        .get("owner")
                        .and_then(|owner| RoutineOwner::parse(owner).ok()),
                    body: RoutineBody::parse(&parsed.body.replace("\r\n", "\n")).ok()?,
                    status: crate::content::ROUTINES.translated(language, path)?.status,
                })
            })
    }
}

/// The library of [`seed_documents`]. The seeds are fixed at compile time and
/// the tests load them; should one ever fail, the app gets an empty library
/// rather than a crash.
pub fn seed_library() -> Library {
    Library::from_documents(seed_documents()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn id(s: &str) -> RoutineId {
        RoutineId::parse(s).unwrap()
    }

    fn draft(routine: &str, version: u32, valid_from: &str, review: &str) -> RoutineDraft {
        RoutineDraft {
            routine_id: id(routine),
            version,
            title: RoutineTitle::parse("Besök hos placerade barn").unwrap(),
            kind: RoutineKind::Rutin,
            registration_number: RegistrationNumber::parse("SN 2026/0143").unwrap(),
            valid_from: date(valid_from),
            review_date: date(review),
            owner: RoutineOwner::parse("Enhetschef").unwrap(),
            body: RoutineBody::parse("## Syfte\n\nText.").unwrap(),
            published_at: None,
        }
    }

    fn version(routine: &str, version: u32, valid_from: &str, review: &str) -> RoutineVersion {
        RoutineVersion::new(draft(routine, version, valid_from, review)).unwrap()
    }

    #[test]
    fn every_translated_routine_matches_a_swedish_seed_and_keeps_its_shape() {
        let seeds: Vec<RoutineVersion> = seed_library().all_versions().cloned().collect();
        let mut translated = 0;
        for (path, text) in crate::content::ROUTINES.files_under("en", "routines/") {
            let parsed = crate::content::front_matter(text).expect(path);
            let version = seeds
                .iter()
                .find(|v| {
                    Some(v.routine_id().as_str()) == parsed.get("id")
                        && Some(v.version().to_string().as_str()) == parsed.get("version")
                })
                .unwrap_or_else(|| panic!("{path}: no Swedish routine with this id and version"));
            assert_eq!(
                crate::content::ROUTINES
                    .file("sv", path)
                    .map(|sv| RoutineVersion::from_document(sv).ok()),
                Some(Some(version.clone())),
                "{path}: the Swedish file of the same name is this version"
            );
            let english = version.translation("en").expect(path);
            assert_eq!(
                crate::markdown::shape(&english.body.blocks()),
                crate::markdown::shape(&version.body().blocks()),
                "{path}: the translation has the Swedish's headings, paragraphs and list items"
            );
            assert!(english.owner.is_some(), "{path}: owner");
            translated += 1;
        }
        assert_eq!(
            translated,
            seeds.len(),
            "every seed routine has an English translation"
        );
        assert!(seeds[0].translation("sv").is_none());
        assert!(seeds[0].translation("ar").is_none());
    }

    #[test]
    fn routine_ids_are_slugs() {
        for good in ["abc", "besok-hos-placerade-barn", "barn-0-6-ar"] {
            assert!(RoutineId::parse(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "ab",
            "Besok",
            "besök",
            "-a-b",
            "a-b-",
            "a--b",
            "a b c",
            "../etc",
            &"a".repeat(81),
        ] {
            assert_eq!(RoutineId::parse(bad), Err(InvalidRoutineId), "{bad}");
        }
    }

    #[test]
    fn registration_numbers() {
        for (raw, canonical) in [
            ("SN 2026/0143", "SN 2026/0143"),
            ("  sn   2026/0143 ", "SN 2026/0143"),
            ("SOCN/2022:31", "SOCN/2022:31"),
            ("BUN 2025-0017", "BUN 2025-0017"),
            ("SN 2026/0143-2", "SN 2026/0143-2"),
            ("SÄN 2026/7", "SÄN 2026/7"),
        ] {
            assert_eq!(
                RegistrationNumber::parse(raw).unwrap().as_str(),
                canonical,
                "{raw}"
            );
        }
        for bad in [
            "",
            "2026/0143",
            "SN",
            "SN 26/0143",
            "SN 2026",
            "SN 2026/",
            "SN 2026/01a",
            "SN2026/0143",
            "SN 2026/0143-",
            "ABCDEFGHIJK 2026/1",
        ] {
            assert!(RegistrationNumber::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_letter_in_the_year_is_refused_not_a_panic() {
        // Found by the `routine_body` fuzz target: the year's four bytes
        // ended inside `Ä` and slicing there panicked.
        for bad in [
            "SN 20räffas**",
            "SN 2ÅÅ/1",
            "SN 2ö3/1",
            "SN 202€/1",
            "SN 2026ö/1",
        ] {
            assert_eq!(
                RegistrationNumber::parse(bad),
                Err(InvalidRegistrationNumber),
                "{bad}"
            );
        }
    }

    #[test]
    fn kinds_round_trip() {
        for kind in RoutineKind::ALL {
            assert_eq!(RoutineKind::parse(kind.as_str()), Some(kind));
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.as_str()));
        }
        assert_eq!(RoutineKind::Checklista.label_sv(), "Checklista");
        assert_eq!(RoutineKind::parse("policy"), None);
    }

    #[test]
    fn versions_check_their_fields_together() {
        assert_eq!(
            RoutineVersion::new(draft("abc", 0, "2026-01-01", "2027-01-01")),
            Err(VersionError::ZeroVersion)
        );
        assert_eq!(
            RoutineVersion::new(draft("abc", 1, "2026-01-01", "2026-01-01")),
            Err(VersionError::ReviewNotAfterValidFrom)
        );
        let json = serde_json::to_value(draft("abc", 1, "2026-01-01", "2025-01-01")).unwrap();
        assert!(serde_json::from_value::<RoutineVersion>(json).is_err());
    }

    #[test]
    fn documents_round_trip() {
        let v = version("abc", 3, "2026-01-01", "2027-01-01")
            .with_published_at("2026-01-02T08:30:00Z".parse().unwrap());
        assert_eq!(
            RoutineVersion::from_document(&v.to_document()),
            Ok(v.clone())
        );
        let crlf = v.to_document().replace('\n', "\r\n");
        assert_eq!(RoutineVersion::from_document(&crlf), Ok(v));
    }

    #[test]
    fn document_errors_name_the_problem() {
        let good = version("abc", 1, "2026-01-01", "2027-01-01").to_document();
        assert_eq!(
            RoutineVersion::from_document("# Bara text"),
            Err(DocumentError::MissingFrontMatter)
        );
        assert_eq!(
            RoutineVersion::from_document("---\nid: abc\ntitle: Utan slut\n"),
            Err(DocumentError::MissingFrontMatter)
        );
        assert_eq!(
            RoutineVersion::from_document(&good.replace("owner:", "ägare:")),
            Err(DocumentError::UnknownKey {
                line: 9,
                key: "ägare".into()
            })
        );
        assert_eq!(
            RoutineVersion::from_document(
                &good.replace("kind: rutin\n", "kind: rutin\nkind: rutin\n")
            ),
            Err(DocumentError::DuplicateKey {
                line: 5,
                key: "kind"
            })
        );
        assert_eq!(
            RoutineVersion::from_document(&good.replace("version: 1\n", "")),
            Err(DocumentError::MissingKey("version"))
        );
        assert_eq!(
            RoutineVersion::from_document(&good.replace("kind: rutin", "kind: policy")),
            Err(DocumentError::InvalidValue {
                key: "kind",
                reason: "expected one of riktlinje, anvisning, rutin, checklista".into()
            })
        );
        assert!(matches!(
            RoutineVersion::from_document(&good.replace("2027-01-01", "1 januari")),
            Err(DocumentError::InvalidValue {
                key: "review_date",
                ..
            })
        ));
        assert_eq!(
            RoutineVersion::from_document(&good.replace("title: Besök", "title Besök")),
            Err(DocumentError::MalformedLine { line: 3 })
        );
        assert!(matches!(
            RoutineVersion::from_document(
                good.split_inclusive("---\n")
                    .take(2)
                    .collect::<String>()
                    .as_str()
            ),
            Err(DocumentError::InvalidValue { key: "body", .. })
        ));
    }

    #[test]
    fn current_is_the_newest_version_in_force() {
        let mut library = Library::new();
        library
            .publish(version("besok", 1, "2024-03-01", "2025-03-01"))
            .unwrap();
        library
            .publish(version("besok", 2, "2026-01-15", "2027-01-15"))
            .unwrap();
        library
            .publish(version("besok", 3, "2027-01-01", "2028-01-01"))
            .unwrap();
        library
            .publish(version("avslut", 1, "2026-06-01", "2027-06-01"))
            .unwrap();

        let current = |day: &str| -> Vec<(String, u32)> {
            library
                .current(date(day))
                .iter()
                .map(|v| (v.routine_id().to_string(), v.version()))
                .collect()
        };
        assert_eq!(current("2024-02-29"), []);
        assert_eq!(current("2025-12-31"), [("besok".into(), 1)]);
        assert_eq!(
            current("2026-06-01"),
            [("avslut".into(), 1), ("besok".into(), 2)]
        );
        assert_eq!(
            current("2027-01-01"),
            [("avslut".into(), 1), ("besok".into(), 3)]
        );

        let history: Vec<u32> = library
            .versions_of(&id("besok"))
            .iter()
            .map(|v| v.version())
            .collect();
        assert_eq!(history, [3, 2, 1]);
        assert!(library.versions_of(&id("okand")).is_empty());
        assert_eq!(
            library
                .version(&id("besok"), 1)
                .map(RoutineVersion::valid_from),
            Some(date("2024-03-01"))
        );
        assert_eq!(
            library.newest(&id("besok")).map(RoutineVersion::version),
            Some(3)
        );

        let today = date("2026-11-24");
        let status = |n| library.status(library.version(&id("besok"), n).unwrap(), today);
        assert_eq!(
            [status(1), status(2), status(3)],
            [
                VersionStatus::Superseded,
                VersionStatus::Current,
                VersionStatus::Upcoming
            ]
        );
    }

    #[test]
    fn publish_refuses_lower_numbers_and_earlier_dates() {
        let mut library = Library::new();
        library
            .publish(version("besok", 2, "2026-01-15", "2027-01-15"))
            .unwrap();
        assert_eq!(
            library.publish(version("besok", 2, "2026-02-01", "2027-02-01")),
            Err(PublishError::VersionNotHigher {
                newest: 2,
                given: 2
            })
        );
        assert_eq!(
            library.publish(version("besok", 1, "2026-02-01", "2027-02-01")),
            Err(PublishError::VersionNotHigher {
                newest: 2,
                given: 1
            })
        );
        let error = library
            .publish(version("besok", 3, "2026-01-14", "2027-01-14"))
            .unwrap_err();
        assert_eq!(
            error,
            PublishError::ValidFromBeforePrevious {
                previous: date("2026-01-15"),
                given: date("2026-01-14")
            }
        );
        assert!(error.message_sv().contains("2026-01-15"));
        // A same-day correction and a skipped number are fine.
        library
            .publish(version("besok", 3, "2026-01-15", "2027-01-15"))
            .unwrap();
        library
            .publish(version("besok", 5, "2026-03-01", "2027-03-01"))
            .unwrap();
        assert_eq!(library.versions_of(&id("besok")).len(), 3);
    }

    #[test]
    fn review_overdue_lists_current_versions_past_review() {
        let mut library = Library::new();
        library
            .publish(version("halsa", 1, "2025-09-01", "2026-09-01"))
            .unwrap();
        library
            .publish(version("besok", 1, "2024-03-01", "2025-03-01"))
            .unwrap();
        library
            .publish(version("besok", 2, "2026-01-15", "2027-01-15"))
            .unwrap();
        library
            .publish(version("avslut", 1, "2025-01-01", "2026-01-01"))
            .unwrap();
        library
            .publish(version("avslut", 2, "2027-01-01", "2028-01-01"))
            .unwrap();

        let overdue = |day: &str| -> Vec<String> {
            library
                .review_overdue(date(day))
                .iter()
                .map(|v| v.routine_id().to_string())
                .collect()
        };
        // On the review date itself it is not yet overdue.
        assert_eq!(overdue("2026-09-01"), Vec::<String>::new());
        // "avslut" is past review, but its next version is already published.
        assert_eq!(overdue("2026-09-02"), ["halsa"]);
        assert_eq!(overdue("2028-06-01"), ["halsa", "besok", "avslut"]);
    }

    #[test]
    fn library_serde_checks_the_versioning_rules() {
        let library = Library::from_versions([
            version("besok", 2, "2026-01-15", "2027-01-15"),
            version("besok", 1, "2024-03-01", "2025-03-01"),
        ])
        .unwrap();
        let json = serde_json::to_string(&library).unwrap();
        assert_eq!(serde_json::from_str::<Library>(&json).unwrap(), library);

        let backwards = serde_json::to_string(&[
            version("besok", 1, "2026-01-15", "2027-01-15"),
            version("besok", 2, "2024-03-01", "2025-03-01"),
        ])
        .unwrap();
        assert!(serde_json::from_str::<Library>(&backwards).is_err());
    }

    #[test]
    fn seed_documents_load() {
        let library = Library::from_documents(seed_documents()).unwrap();
        assert_eq!(library, seed_library());
        assert_eq!(library.len(), 8);
        assert_eq!(library.all_versions().count(), seed_documents().count());
        for kind in RoutineKind::ALL {
            assert!(library.all_versions().any(|v| v.kind() == kind), "{kind:?}");
        }
        for v in library.all_versions() {
            assert_eq!(
                RoutineVersion::from_document(&v.to_document()).as_ref(),
                Ok(v)
            );
            for link in v.body().blocks().iter().flat_map(routine_links) {
                let target = id(link.trim_start_matches("/rutiner/"));
                assert!(
                    library.newest(&target).is_some(),
                    "{} links to {link}",
                    v.routine_id()
                );
            }
        }
        let today = date("2026-11-24");
        let titles: Vec<&str> = library
            .current(today)
            .iter()
            .map(|v| v.title().as_str())
            .collect();
        for required in [
            "Besök hos placerade barn",
            "Samtal med barn",
            "Information om klagomål och rättigheter till placerade barn",
            "Avslut av placering",
        ] {
            assert!(titles.contains(&required), "{required}");
        }
        assert_eq!(
            library.versions_of(&id("besok-hos-placerade-barn")).len(),
            2
        );
        let overdue: Vec<&str> = library
            .review_overdue(today)
            .iter()
            .map(|v| v.routine_id().as_str())
            .collect();
        assert_eq!(overdue, ["halsoundersokning-barn-0-6-ar"]);
    }

    fn routine_links(block: &Block) -> Vec<String> {
        use crate::markdown::{HrefKind, Inline};
        fn walk(inlines: &[Inline], out: &mut Vec<String>) {
            for inline in inlines {
                match inline {
                    Inline::Link { href, children } => {
                        if href.kind() == HrefKind::Routine {
                            out.push(href.as_str().to_owned());
                        }
                        walk(children, out);
                    }
                    Inline::Strong(children) | Inline::Emphasis(children) => walk(children, out),
                    Inline::Text(_) | Inline::Code(_) => {}
                }
            }
        }
        let mut out = Vec::new();
        match block {
            Block::Heading { inlines, .. } | Block::Paragraph(inlines) | Block::Quote(inlines) => {
                walk(inlines, &mut out)
            }
            Block::List(list) => {
                for item in &list.items {
                    walk(&item.inlines, &mut out);
                    for sub in item.sublist.iter().flat_map(|s| &s.items) {
                        walk(sub, &mut out);
                    }
                }
            }
        }
        out
    }
}
