//! The records social workers handle. Text fields are newtypes whose only
//! constructor validates, so an invalid name or an oversized note cannot get
//! past deserialisation on either side of the wire.

use crate::ids::{AmendmentId, ChildId, PlacementId, VisitId};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Why a piece of text was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    #[error("must not be empty")]
    Empty,
    #[error("must be at most {max} characters")]
    TooLong { max: usize },
    #[error("must not contain control characters")]
    ControlCharacter,
}

macro_rules! text_newtype {
    ($(#[$doc:meta])* $name:ident, empty_ok = $empty_ok:expr, max = $max:expr, multiline = $multi:expr) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            pub const MAX_CHARS: usize = $max;

            /// Trims surrounding white space and checks length and characters.
            pub fn parse(raw: &str) -> Result<Self, TextError> {
                let trimmed = raw.trim();
                if !$empty_ok && trimmed.is_empty() {
                    return Err(TextError::Empty);
                }
                if trimmed.chars().count() > $max {
                    return Err(TextError::TooLong { max: $max });
                }
                let allowed = |c: char| !c.is_control() || ($multi && (c == '\n' || c == '\t' || c == '\r'));
                if !trimmed.chars().all(allowed) {
                    return Err(TextError::ControlCharacter);
                }
                Ok(Self(trimmed.to_owned()))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = TextError;
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

text_newtype!(
    /// Who visited the child, as written by the social worker ("Anna Lind").
    VisitorName, empty_ok = false, max = 120, multiline = false
);
text_newtype!(
    /// The social worker's note from a visit. May be empty.
    VisitNote, empty_ok = true, max = 20_000, multiline = true
);
#[expect(
    clippy::derivable_impls,
    reason = "text_newtype! makes the struct; only empty-allowed texts have a default"
)]
impl Default for VisitNote {
    fn default() -> Self {
        Self(String::new())
    }
}

text_newtype!(
    /// A person's name or the name of a home.
    PersonName, empty_ok = false, max = 120, multiline = false
);

/// Placement type (placeringsform).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlacementKind {
    /// Familjehem: foster home.
    FosterHome,
    /// Jourhem: emergency foster home.
    EmergencyHome,
    /// Behandlingsfamilj: treatment family.
    TreatmentFamily,
    /// HVB: hem för vård eller boende, residential care home.
    ResidentialCare,
    /// Stödboende: supported housing, 16–20 years.
    SupportedHousing,
}

impl PlacementKind {
    pub const ALL: [Self; 5] = [
        Self::FosterHome,
        Self::EmergencyHome,
        Self::TreatmentFamily,
        Self::ResidentialCare,
        Self::SupportedHousing,
    ];

    /// The Swedish name shown in the UI.
    pub fn label_sv(self) -> &'static str {
        match self {
            Self::FosterHome => "Familjehem",
            Self::EmergencyHome => "Jourhem",
            Self::TreatmentFamily => "Behandlingsfamilj",
            Self::ResidentialCare => "HVB",
            Self::SupportedHousing => "Stödboende",
        }
    }

    /// The wire and stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::FosterHome => "foster_home",
            Self::EmergencyHome => "emergency_home",
            Self::TreatmentFamily => "treatment_family",
            Self::ResidentialCare => "residential_care",
            Self::SupportedHousing => "supported_housing",
        }
    }
}

/// The legal basis of a placement.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum LegalBasis {
    /// Socialtjänstlagen: voluntary care.
    #[serde(rename = "sol")]
    SoL,
    /// Lagen med särskilda bestämmelser om vård av unga: compulsory care.
    #[serde(rename = "lvu")]
    Lvu,
}

impl LegalBasis {
    pub fn label_sv(self) -> &'static str {
        match self {
            Self::SoL => "SoL",
            Self::Lvu => "LVU",
        }
    }
}

/// A child (barn) in the caseload.
///
/// The fields after `birth_date` came with the register (issue 15); they
/// default so that a child stored earlier still reads. The personal identity
/// number (personnummer) is never held: `external_id` is the case-management
/// system's own id for the child.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Child {
    pub id: ChildId,
    pub given_name: PersonName,
    pub family_name: PersonName,
    pub birth_date: NaiveDate,
    #[serde(default)]
    pub sex: Sex,
    /// Drives the disability items of the placement checklist.
    #[serde(default)]
    pub has_disability: bool,
    #[serde(default)]
    pub unit_id: Option<crate::ids::UnitId>,
    #[serde(default)]
    pub external_id: Option<ExternalId>,
}

/// Sex as recorded in the case (kön), for follow-up by sex.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    /// Flicka.
    Girl,
    /// Pojke.
    Boy,
    /// Annat.
    Other,
    /// Ej registrerat.
    #[default]
    NotRecorded,
}

impl Sex {
    pub const ALL: [Self; 4] = [Self::Girl, Self::Boy, Self::Other, Self::NotRecorded];

    pub fn label_sv(self) -> &'static str {
        match self {
            Self::Girl => "Flicka",
            Self::Boy => "Pojke",
            Self::Other => "Annat",
            Self::NotRecorded => "Ej registrerat",
        }
    }

    /// The wire and stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Girl => "girl",
            Self::Boy => "boy",
            Self::Other => "other",
            Self::NotRecorded => "not_recorded",
        }
    }
}

/// Why an external id was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ExternalIdError {
    #[error("must not be empty")]
    Empty,
    #[error("must be at most {max} characters")]
    TooLong { max: usize },
    #[error("may hold only letters a-z, digits and . _ : / -")]
    Character,
    #[error("looks like a personal identity number, which is never stored")]
    PersonalIdentityNumber,
}

/// A record's id in the municipality's case-management system (the key an
/// import matches on). Never a personal identity number: a value shaped like
/// one (YYMMDD-NNNN, YYYYMMDDNNNN, …) is refused.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ExternalId(String);

impl ExternalId {
    pub const MAX_CHARS: usize = 64;

    pub fn parse(raw: &str) -> Result<Self, ExternalIdError> {
        let s = raw.trim();
        if s.is_empty() {
            return Err(ExternalIdError::Empty);
        }
        if s.chars().count() > Self::MAX_CHARS {
            return Err(ExternalIdError::TooLong {
                max: Self::MAX_CHARS,
            });
        }
        if !s
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | ':' | '/' | '-'))
        {
            return Err(ExternalIdError::Character);
        }
        if looks_like_personal_identity_number(s) {
            return Err(ExternalIdError::PersonalIdentityNumber);
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Whether `s` has the shape of a Swedish personal or coordination number:
/// 10 or 12 digits, optionally with `-` or `+` before the last four, and a
/// plausible month.
pub fn looks_like_personal_identity_number(s: &str) -> bool {
    let digits: String = s.chars().filter(char::is_ascii_digit).collect();
    let separators_ok = s
        .chars()
        .all(|c| c.is_ascii_digit() || c == '-' || c == '+');
    if !separators_ok || !(digits.len() == 10 || digits.len() == 12) {
        return false;
    }
    let date = &digits[digits.len() - 10..digits.len() - 4];
    let month: u32 = date[2..4].parse().unwrap_or(0);
    let day: u32 = date[4..6].parse().unwrap_or(0);
    // Coordination numbers add 60 to the day.
    (1..=12).contains(&month) && ((1..=31).contains(&day) || (61..=91).contains(&day))
}

impl TryFrom<String> for ExternalId {
    type Error = ExternalIdError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<ExternalId> for String {
    fn from(value: ExternalId) -> String {
        value.0
    }
}

impl fmt::Display for ExternalId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Child {
    pub fn full_name(&self) -> String {
        // By hand, not `format!`: the self-check names thousands of
        // children per report, and the formatter cost it more than the rest.
        let (given, family) = (self.given_name.as_str(), self.family_name.as_str());
        let mut name = String::with_capacity(given.len() + 1 + family.len());
        name.push_str(given);
        name.push(' ');
        name.push_str(family);
        name
    }

    /// Age in whole years on `on`.
    pub fn age_on(&self, on: NaiveDate) -> u32 {
        on.years_since(self.birth_date).unwrap_or(0)
    }
}

/// One placement of a child in a home.
///
/// The fields after `end_date` came with the register (issue 15) and default,
/// so that a placement stored earlier still reads.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Placement {
    pub id: PlacementId,
    pub child_id: ChildId,
    pub kind: PlacementKind,
    /// The home's name as shown; copied from the register when `home_id` is set.
    pub home_name: PersonName,
    pub legal_basis: LegalBasis,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
    /// The home in the register of homes.
    #[serde(default)]
    pub home_id: Option<crate::ids::HomeId>,
    /// The placement decision (beslut): its date and who made it.
    #[serde(default)]
    pub decision_date: Option<NaiveDate>,
    #[serde(default)]
    pub decided_by: Option<PersonName>,
    /// The day the decision ends or must be reviewed (beslutet gäller till).
    #[serde(default)]
    pub decision_until: Option<NaiveDate>,
    /// The last six-monthly consideration (övervägande / omprövning); the
    /// next is due six months after it, or after the start.
    #[serde(default)]
    pub last_consideration: Option<NaiveDate>,
    #[serde(default)]
    pub external_id: Option<ExternalId>,
}

impl Placement {
    /// Every field empty or at its default, for struct-update syntax: in
    /// fixtures, which set at least the ids, the kind, the home and the
    /// start; and in the forms, a new placement (the decision and the
    /// register's home are set later) and the end's probe (ids and start).
    pub fn blank() -> Self {
        Self {
            id: PlacementId::from_uuid(uuid::Uuid::nil()),
            child_id: ChildId::from_uuid(uuid::Uuid::nil()),
            kind: PlacementKind::FosterHome,
            home_name: PersonName(String::from("-")),
            legal_basis: LegalBasis::SoL,
            start_date: NaiveDate::default(),
            end_date: None,
            home_id: None,
            decision_date: None,
            decided_by: None,
            decision_until: None,
            last_consideration: None,
            external_id: None,
        }
    }

    /// Whether the placement is in force on `on`.
    pub fn is_current_on(&self, on: NaiveDate) -> bool {
        self.start_date <= on && self.end_date.is_none_or(|end| on <= end)
    }
}

/// How the social worker met the child. Only an in-person visit counts for
/// the visit schedule; calls are recorded too.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContactKind {
    /// Besök: met in person.
    #[default]
    InPerson,
    /// Telefonsamtal.
    Phone,
    /// Videosamtal.
    Video,
}

impl ContactKind {
    pub const ALL: [Self; 3] = [Self::InPerson, Self::Phone, Self::Video];

    pub fn label_sv(self) -> &'static str {
        match self {
            Self::InPerson => "Besök",
            Self::Phone => "Telefonsamtal",
            Self::Video => "Videosamtal",
        }
    }
}

/// In what role the visitor came; a disability-area officer's visits are
/// followed up on their own.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VisitorRole {
    /// The municipality's own social worker (socialsekreterare).
    #[default]
    Employee,
    /// A consultant social worker (konsult).
    Consultant,
    /// A disability-area officer (funktionshandläggare).
    DisabilityOfficer,
}

impl VisitorRole {
    /// The role a visit records for a user of `role`: their account's.
    pub fn of(role: crate::auth::Role) -> Self {
        match role {
            crate::auth::Role::Consultant => Self::Consultant,
            crate::auth::Role::DisabilityOfficer => Self::DisabilityOfficer,
            _ => Self::Employee,
        }
    }

    pub const ALL: [Self; 3] = [Self::Employee, Self::Consultant, Self::DisabilityOfficer];

    pub fn label_sv(self) -> &'static str {
        match self {
            Self::Employee => "Socialsekreterare",
            Self::Consultant => "Konsult",
            Self::DisabilityOfficer => "Funktionshandläggare",
        }
    }
}

/// Where the visit took place.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VisitPlace {
    /// I hemmet: in the foster home, HVB or supported housing.
    #[default]
    InTheHome,
    /// Någon annanstans (school, the office, a café…).
    Elsewhere,
}

impl VisitPlace {
    pub fn label_sv(self) -> &'static str {
        match self {
            Self::InTheHome => "I hemmet",
            Self::Elsewhere => "Någon annanstans",
        }
    }
}

/// Why the social worker did not talk with the child alone (the categories
/// of the inspectors' reviews).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotAloneReason {
    /// Barnet är under 4 år.
    ChildUnderFour,
    /// Barnets funktionsnedsättning.
    Disability,
    /// Barnet ville inte.
    ChildDeclined,
    /// Vårdnadshavaren samtyckte inte.
    GuardianDidNotConsent,
    /// Annat skäl, beskrivet i text.
    Other,
}

impl NotAloneReason {
    pub const ALL: [Self; 5] = [
        Self::ChildUnderFour,
        Self::Disability,
        Self::ChildDeclined,
        Self::GuardianDidNotConsent,
        Self::Other,
    ];

    pub fn label_sv(self) -> &'static str {
        match self {
            Self::ChildUnderFour => "Barnet är under 4 år",
            Self::Disability => "Barnets funktionsnedsättning",
            Self::ChildDeclined => "Barnet ville inte",
            Self::GuardianDidNotConsent => "Vårdnadshavaren samtyckte inte",
            Self::Other => "Annat skäl",
        }
    }
}

/// The conversation-support tools (samtalsstöd) a child can use on the tablet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConversationTool {
    /// Tre hus: worries, what is good, dreams.
    ThreeHouses,
    /// Känsloskalan: faces across the themes of a placed child's life.
    FeelingsScale,
    /// Mitt nätverk: the people who matter, near or far.
    MyNetwork,
}

impl ConversationTool {
    pub const ALL: [Self; 3] = [Self::ThreeHouses, Self::FeelingsScale, Self::MyNetwork];

    pub fn label_sv(self) -> &'static str {
        match self {
            Self::ThreeHouses => "Tre hus",
            Self::FeelingsScale => "Känsloskalan",
            Self::MyNetwork => "Mitt nätverk",
        }
    }
}

/// A recorded, signed visit (besök) or call to a child. Once stored on the
/// server it is never changed: corrections are [`VisitAmendment`]s. Drafts
/// live on the device until signed (docs/architecture.md).
///
/// The fields after `recorded_at` came with the full visit log; they default
/// so that a visit recorded by an older app version still reads.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Visit {
    pub id: VisitId,
    pub child_id: ChildId,
    /// The day of the visit, as the social worker states it.
    pub visit_date: NaiveDate,
    pub visitor: VisitorName,
    /// Whether the social worker talked with the child alone (enskilt samtal).
    pub talked_alone: bool,
    /// Anything else about the visit (observations, the home, agreements).
    pub note: VisitNote,
    /// When the device says the visit was recorded. Information for people only:
    /// tablet clocks are often wrong, so nothing orders or merges by it.
    pub recorded_at: DateTime<Utc>,
    /// Time of day the visit began, when given.
    #[serde(default)]
    pub start_time: Option<chrono::NaiveTime>,
    #[serde(default)]
    pub contact: ContactKind,
    #[serde(default)]
    pub place: VisitPlace,
    #[serde(default)]
    pub visitor_role: VisitorRole,
    /// Required when `talked_alone` is false.
    #[serde(default)]
    pub not_alone_reason: Option<NotAloneReason>,
    /// Required when the reason is [`NotAloneReason::Other`].
    #[serde(default)]
    pub not_alone_text: VisitNote,
    /// What the child was asked about.
    #[serde(default)]
    pub child_asked: VisitNote,
    /// The child's view, in the child's own words (barnets röst).
    #[serde(default)]
    pub child_view: VisitNote,
    /// How the child's view affected the case.
    #[serde(default)]
    pub view_influence: VisitNote,
    /// Whether the child was told what happens with what they said.
    #[serde(default)]
    pub feedback_given: bool,
    /// Conversation tools used, with what the child made of them.
    #[serde(default)]
    pub tools: Vec<crate::conversation::ToolResult>,
    /// What is to be done after the visit, and by whom.
    #[serde(default)]
    pub follow_ups: VisitNote,
    /// Who signed it: the account that recorded the visit. The server checks
    /// it against the signed-in user.
    #[serde(default)]
    pub signed_by: Option<crate::ids::UserId>,
}

/// Why a visit cannot be signed as it stands.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum VisitProblem {
    #[error("the reason the child was not talked to alone is missing")]
    NotAloneReasonMissing,
    #[error("the other reason needs a description")]
    OtherReasonNeedsText,
    #[error("a reason is given although the child was talked to alone")]
    ReasonButAlone,
    #[error("conversation tool results: {0}")]
    Tools(#[from] crate::conversation::ToolProblem),
}

impl Visit {
    /// What the server holds every stored visit to: nothing contradicts
    /// itself. (A missing reason is allowed here, so that a visit an older
    /// app version recorded offline is never refused.)
    pub fn check_consistent(&self) -> Result<(), VisitProblem> {
        match (self.talked_alone, self.not_alone_reason) {
            (true, Some(_)) => return Err(VisitProblem::ReasonButAlone),
            (false, Some(NotAloneReason::Other)) if self.not_alone_text.as_str().is_empty() => {
                return Err(VisitProblem::OtherReasonNeedsText)
            }
            _ => {}
        }
        crate::conversation::check_results(&self.tools)?;
        Ok(())
    }

    /// What the app asks before a visit is signed: consistent, and a reason
    /// whenever the child was not talked to alone.
    pub fn check_complete(&self) -> Result<(), VisitProblem> {
        if !self.talked_alone && self.not_alone_reason.is_none() {
            return Err(VisitProblem::NotAloneReasonMissing);
        }
        self.check_consistent()
    }

    /// Every field empty or at its default, for struct-update syntax: the
    /// caller sets at least the ids, the date and the visitor.
    pub fn blank() -> Self {
        Self {
            id: VisitId::from_uuid(uuid::Uuid::nil()),
            child_id: ChildId::from_uuid(uuid::Uuid::nil()),
            visit_date: NaiveDate::default(),
            visitor: VisitorName(String::from("-")),
            talked_alone: false,
            note: VisitNote::default(),
            recorded_at: DateTime::<Utc>::default(),
            start_time: None,
            contact: ContactKind::default(),
            place: VisitPlace::default(),
            visitor_role: VisitorRole::default(),
            not_alone_reason: None,
            not_alone_text: VisitNote::default(),
            child_asked: VisitNote::default(),
            child_view: VisitNote::default(),
            view_influence: VisitNote::default(),
            feedback_given: false,
            tools: Vec::new(),
            follow_ups: VisitNote::default(),
            signed_by: None,
        }
    }

    /// Whether the child's own view is written down (the self-check's "the
    /// child heard").
    pub fn has_child_view(&self) -> bool {
        !self.child_view.as_str().trim().is_empty()
    }

    /// Whether this contact counts for the every-third-month rule.
    pub fn counts_for_schedule(&self) -> bool {
        self.contact == ContactKind::InPerson && self.visitor_role != VisitorRole::DisabilityOfficer
    }
}

impl Placement {
    /// The fields a device may edit; the rest never change by an edit. The
    /// end date follows the signed closing (`close_placement`) alone.
    pub const EDITABLE_FIELDS: &'static [&'static str] = &[
        "kind",
        "home_name",
        "legal_basis",
        "start_date",
        "home_id",
        "decision_date",
        "decided_by",
        "decision_until",
        "last_consideration",
    ];
}

/// How a placement ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EndKind {
    /// Planerat avslut: as the care plan foresaw.
    Planned,
    /// Oplanerat avslut (avbrott): the placement broke down.
    Unplanned,
}

impl EndKind {
    pub fn label_sv(self) -> &'static str {
        match self {
            Self::Planned => "Planerat avslut",
            Self::Unplanned => "Oplanerat avslut (avbrott)",
        }
    }
}

/// Why a placement broke down or the child was re-placed: the categories
/// follow-up (egenkontroll) counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EndReason {
    /// Familjehemmet eller HVB avslutade uppdraget.
    HomeEndedAssignment,
    /// Barnets behov kunde inte tillgodoses i hemmet.
    NeedsNotMet,
    /// Barnet ville inte bo kvar.
    ChildsWish,
    /// Missförhållanden i hemmet.
    ConcernsInTheHome,
    /// Vårdnadshavaren återkallade samtycket (SoL).
    ConsentWithdrawn,
    /// Barnet rymde eller avvek upprepade gånger.
    ChildAbsconded,
    /// Annat skäl, beskrivet i text.
    Other,
}

impl EndReason {
    pub const ALL: [Self; 7] = [
        Self::HomeEndedAssignment,
        Self::NeedsNotMet,
        Self::ChildsWish,
        Self::ConcernsInTheHome,
        Self::ConsentWithdrawn,
        Self::ChildAbsconded,
        Self::Other,
    ];

    pub fn label_sv(self) -> &'static str {
        match self {
            Self::HomeEndedAssignment => "Hemmet avslutade uppdraget",
            Self::NeedsNotMet => "Barnets behov kunde inte tillgodoses",
            Self::ChildsWish => "Barnet ville inte bo kvar",
            Self::ConcernsInTheHome => "Missförhållanden i hemmet",
            Self::ConsentWithdrawn => "Vårdnadshavaren återkallade samtycket",
            Self::ChildAbsconded => "Barnet avvek upprepade gånger",
            Self::Other => "Annat skäl",
        }
    }

    /// The wire and stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::HomeEndedAssignment => "home_ended_assignment",
            Self::NeedsNotMet => "needs_not_met",
            Self::ChildsWish => "childs_wish",
            Self::ConcernsInTheHome => "concerns_in_the_home",
            Self::ConsentWithdrawn => "consent_withdrawn",
            Self::ChildAbsconded => "child_absconded",
            Self::Other => "other",
        }
    }
}

/// The closing of a placement (avslut) with its closing note
/// (avslutsanteckning): signed once, never changed. It ends the placement
/// on `end_date`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlacementClosing {
    pub id: crate::ids::ClosingId,
    pub child_id: ChildId,
    pub placement_id: PlacementId,
    pub end_date: NaiveDate,
    pub kind: EndKind,
    /// Omplacering: the child moves on to another placement.
    pub replacement: bool,
    /// Required for an unplanned ending and for a re-placement.
    pub reason: Option<EndReason>,
    pub reason_text: VisitNote,
    /// The closing note: how the placement went, the child's view, what
    /// happens now.
    pub closing_note: VisitNote,
    pub signed_by: crate::ids::UserId,
    pub signed_by_name: VisitorName,
    /// Device time, for people only.
    pub recorded_at: DateTime<Utc>,
}

/// Why a closing cannot be signed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ClosingProblem {
    #[error("an unplanned ending or a re-placement needs a reason")]
    ReasonMissing,
    #[error("the other reason needs a description")]
    OtherReasonNeedsText,
    #[error("the closing note is missing")]
    NoteMissing,
    #[error("the placement cannot end before it started")]
    EndsBeforeStart,
}

impl PlacementClosing {
    pub fn check(&self, placement: &Placement) -> Result<(), ClosingProblem> {
        if self.end_date < placement.start_date {
            return Err(ClosingProblem::EndsBeforeStart);
        }
        if (self.kind == EndKind::Unplanned || self.replacement) && self.reason.is_none() {
            return Err(ClosingProblem::ReasonMissing);
        }
        if self.reason == Some(EndReason::Other) && self.reason_text.as_str().is_empty() {
            return Err(ClosingProblem::OtherReasonNeedsText);
        }
        if self.closing_note.as_str().is_empty() {
            return Err(ClosingProblem::NoteMissing);
        }
        Ok(())
    }
}

/// A correction to a visit record. The visit itself never changes once on the
/// server; amendments are shown with it, attributed and dated.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitAmendment {
    pub id: AmendmentId,
    pub visit_id: VisitId,
    pub child_id: ChildId,
    /// The author's name, as their account holds it (the server sets it).
    pub author: VisitorName,
    /// The signed-in user who wrote it (the server sets it; absent only on
    /// amendments stored before authors were recorded).
    #[serde(default)]
    pub author_id: Option<crate::ids::UserId>,
    pub text: AmendmentText,
    /// Device time, for people only.
    pub recorded_at: DateTime<Utc>,
}

text_newtype!(
    /// What an amendment corrects or adds.
    AmendmentText, empty_ok = false, max = 20_000, multiline = true
);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Forms and filters send these names as option values; they are the
    /// names the records store, whatever `Debug` prints in a build.
    #[test]
    fn placement_kinds_and_end_reasons_are_named_as_stored() {
        for kind in PlacementKind::ALL {
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.as_str());
        }
        for reason in EndReason::ALL {
            assert_eq!(serde_json::to_value(reason).unwrap(), reason.as_str());
        }
    }

    #[test]
    fn a_child_s_full_name_is_given_then_family_name() {
        let child = Child {
            id: ChildId::new_random(),
            given_name: PersonName::parse(" Saga ").expect("name"),
            family_name: PersonName::parse("Åberg Nilsson").expect("name"),
            birth_date: NaiveDate::from_ymd_opt(2014, 5, 2).expect("date"),
            sex: Sex::default(),
            has_disability: false,
            unit_id: None,
            external_id: None,
        };
        assert_eq!(child.full_name(), "Saga Åberg Nilsson");
    }

    #[test]
    fn visitor_name_is_trimmed() {
        assert_eq!(
            VisitorName::parse("  Anna Lind ").map(|n| n.to_string()),
            Ok("Anna Lind".to_owned())
        );
    }

    #[test]
    fn only_words_count_as_the_child_s_view() {
        let with = |view: &str| Visit {
            child_view: VisitNote::parse(view).expect("note"),
            ..Visit::blank()
        };
        assert!(with("Vill bo kvar.").has_child_view());
        assert!(!with("").has_child_view());
        assert!(!with(" \n\t ").has_child_view());
    }

    #[test]
    fn empty_visitor_name_is_refused() {
        assert_eq!(VisitorName::parse("   "), Err(TextError::Empty));
    }

    #[test]
    fn control_characters_are_refused_in_names_but_newlines_allowed_in_notes() {
        assert_eq!(
            VisitorName::parse("Anna\nLind"),
            Err(TextError::ControlCharacter)
        );
        assert!(VisitNote::parse("Rad ett\nRad två").is_ok());
        assert_eq!(
            VisitNote::parse("a\u{0}b"),
            Err(TextError::ControlCharacter)
        );
    }

    #[test]
    fn note_length_is_counted_in_characters_not_bytes() {
        let max_of_multibyte = "å".repeat(VisitNote::MAX_CHARS);
        assert!(VisitNote::parse(&max_of_multibyte).is_ok());
        let too_long = "å".repeat(VisitNote::MAX_CHARS + 1);
        assert_eq!(
            VisitNote::parse(&too_long),
            Err(TextError::TooLong {
                max: VisitNote::MAX_CHARS
            })
        );
    }

    #[test]
    fn invalid_text_fails_deserialisation() {
        let json = r#"{"id":"0b8a0f5e-3c1d-4f5e-9d77-2b1f7a5c9e01","child_id":"0b8a0f5e-3c1d-4f5e-9d77-2b1f7a5c9e02","visit_date":"2026-11-20","visitor":"","talked_alone":true,"note":"","recorded_at":"2026-11-20T10:00:00Z"}"#;
        assert!(serde_json::from_str::<Visit>(json).is_err());
    }

    #[test]
    fn placement_kinds_serialise_in_snake_case() {
        assert_eq!(
            serde_json::to_string(&PlacementKind::ResidentialCare).ok(),
            Some("\"residential_care\"".to_owned())
        );
    }

    #[test]
    fn open_placement_is_current_from_its_start() {
        let p = Placement {
            id: PlacementId::new_random(),
            child_id: ChildId::new_random(),
            kind: PlacementKind::FosterHome,
            home_name: PersonName::parse("Familjen Berg").expect("valid"),
            legal_basis: LegalBasis::SoL,
            start_date: NaiveDate::from_ymd_opt(2026, 1, 10).expect("date"),
            ..Placement::blank()
        };
        assert!(!p.is_current_on(NaiveDate::from_ymd_opt(2026, 1, 9).expect("date")));
        assert!(p.is_current_on(NaiveDate::from_ymd_opt(2026, 1, 10).expect("date")));
        assert!(p.is_current_on(NaiveDate::from_ymd_opt(2030, 1, 1).expect("date")));
    }

    proptest! {
        #[test]
        fn parsed_names_round_trip_through_json(raw in "\\PC{1,120}") {
            if let Ok(name) = VisitorName::parse(&raw) {
                let json = serde_json::to_string(&name).expect("serialise");
                let back: VisitorName = serde_json::from_str(&json).expect("deserialise");
                prop_assert_eq!(back, name);
            }
        }
    }
}
