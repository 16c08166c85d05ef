//! The register as the app shows and edits it: homes with their checks,
//! history and flags, children and placements entered by group leaders and
//! unit managers, and the list of decisions. Online only: every write goes
//! straight to the server (`platform::http`), which answers with the saved
//! record or an error the page shows. Plain Rust, tested natively.

use crate::i18n::td_string;
use crate::labels::Label;
use crate::language::Language;
use chrono::NaiveDate;
use shared::auth::Role;
use shared::register::{CheckKind, CheckResult, Home, HomeCheck, HomeContact, HomeEntry};
use shared::{
    ApiErrorBody, Child, ChildId, ErrorCode, ExternalId, HomeId, LegalBasis, PersonName, Placement,
    PlacementId, PlacementKind, Sex, UnitId, UserId,
};

/// Why a request of an online-only page failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ApiFailure {
    /// No network, the server down or too slow.
    Offline,
    /// The server refused; its error body when it sent one.
    Server {
        status: u16,
        body: Option<ApiErrorBody>,
    },
    /// The answer could not be read.
    Decode(String),
}

impl ApiFailure {
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            Self::Server {
                body: Some(body), ..
            } => Some(body.code),
            _ => None,
        }
    }

    /// The session ended (revoked or timed out): sync decides what follows.
    pub fn session_ended(&self) -> bool {
        matches!(
            self.code(),
            Some(ErrorCode::SessionRevoked | ErrorCode::SessionExpired)
        )
    }

    /// What the user reads, in the interface's language now (in the
    /// browser; natively, Swedish). Prefer `text_in` where the language is
    /// at hand.
    pub fn text(&self) -> String {
        #[cfg(target_arch = "wasm32")]
        let language = crate::ui::language::now();
        #[cfg(not(target_arch = "wasm32"))]
        let language = Language::Swedish;
        self.text_in(language)
    }

    /// What the user reads: the sentence for the code, then the server's
    /// own message when it says more.
    pub fn text_in(&self, language: Language) -> String {
        let locale = language.locale();
        match self {
            Self::Offline => td_string!(locale, register.api.offline).to_owned(),
            Self::Server {
                body: Some(body), ..
            } => {
                let sentence = body.code.label(language);
                let message = body.message.trim();
                let mut text = if message.is_empty()
                    || body.message == sentence
                    || body.message == body.code.label(Language::Swedish)
                {
                    sentence.to_owned()
                } else {
                    td_string!(locale, register.api.server_says, sentence, message)
                };
                for problem in &body.problems {
                    text.push(' ');
                    text.push_str(&td_string!(
                        locale,
                        register.api.problem,
                        line = problem.line,
                        field = &problem.field,
                        message = &problem.message
                    ));
                }
                text
            }
            Self::Server { status, body: None } => {
                td_string!(locale, register.api.status, status = *status)
            }
            Self::Decode(_) => td_string!(locale, register.api.decode).to_owned(),
        }
    }
}

/// Group leaders and unit managers edit the register; everyone else who
/// reads children sees the homes of their own children, read only.
pub fn edits_register(role: Role) -> bool {
    matches!(role, Role::GroupLeader | Role::UnitManager)
}

/// Why a home is flagged, one line each; empty when it is not.
pub fn flags(entry: &HomeEntry, language: Language) -> Vec<String> {
    let locale = language.locale();
    let mut out = Vec::new();
    let h = entry.history;
    if h.breakdowns > 0 {
        let count = i64::from(h.breakdowns);
        out.push(td_string!(locale, register.flags.breakdowns, count));
    }
    if h.replacements > 0 {
        let count = i64::from(h.replacements);
        out.push(td_string!(locale, register.flags.replacements, count));
    }
    let missing = entry.home.missing_checks();
    if !missing.is_empty() {
        let kinds = kinds(&missing, language);
        out.push(td_string!(locale, register.flags.missing, kinds));
    }
    let failed = entry.home.failed_checks();
    if !failed.is_empty() {
        let kinds = kinds(&failed, language);
        out.push(td_string!(locale, register.flags.failed, kinds));
    }
    out
}

fn kinds(list: &[CheckKind], language: Language) -> String {
    list.iter()
        .map(|k| k.label(language).to_lowercase())
        .collect::<Vec<_>>()
        .join(", ")
}

/// "Avbrott 1 · omplaceringar 0 (senaste 12 månaderna) · placerade nu 1",
/// and the home's deviations and complaints when there are any.
pub fn history_text(entry: &HomeEntry, language: Language) -> String {
    let history = td_string!(
        language.locale(),
        register.history,
        breakdowns = entry.history.breakdowns,
        replacements = entry.history.replacements,
        current = entry.current_placements
    );
    if entry.deviations == 0 && entry.complaints == 0 {
        return history;
    }
    let reports = td_string!(
        language.locale(),
        register.reports,
        deviations = entry.deviations,
        complaints = entry.complaints
    );
    format!("{history} · {reports}")
}

/// The contact details on one line, or that there are none.
pub fn contact_text(contact: &HomeContact, language: Language) -> String {
    let parts: Vec<String> = [
        contact.contact_person.as_ref().map(ToString::to_string),
        contact.phone.as_ref().map(ToString::to_string),
        contact.email.as_ref().map(ToString::to_string),
        contact.address.as_ref().map(ToString::to_string),
    ]
    .into_iter()
    .flatten()
    .collect();
    if parts.is_empty() {
        td_string!(language.locale(), register.no_contact).to_owned()
    } else {
        parts.join(" · ")
    }
}

/// How a home reads where a placement's home is chosen: flagged homes say
/// so first.
pub fn choice_label(entry: &HomeEntry, language: Language) -> String {
    let home = &entry.home;
    let base = format!("{} ({})", home.name, home.kind.label(language));
    if entry.is_flagged() {
        let reasons = flags(entry, language).join("; ");
        td_string!(
            language.locale(),
            register.flags.choice_flagged,
            home = base,
            reasons
        )
    } else {
        base
    }
}

/// The homes in the order the register shows them: flagged first, then by
/// name.
pub fn sorted(mut homes: Vec<HomeEntry>) -> Vec<HomeEntry> {
    homes.sort_by(|a, b| {
        b.is_flagged()
            .cmp(&a.is_flagged())
            .then_with(|| a.home.name.as_str().cmp(b.home.name.as_str()))
    });
    homes
}

/// A field the user must correct.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    /// The field's label.
    pub field: &'static str,
    pub message: String,
}

impl FieldError {
    fn new(field: &'static str, message: impl Into<String>) -> Self {
        Self {
            field,
            message: message.into(),
        }
    }

    pub fn text(&self) -> String {
        format!("{}: {}", self.field, self.message)
    }
}

/// Why a text was refused, in the language (the shared crate's own words
/// are for logs).
fn text_problem(language: Language, error: &shared::domain::TextError) -> String {
    use shared::domain::TextError;
    let locale = language.locale();
    match error {
        TextError::Empty => td_string!(locale, register.invalid.empty).to_owned(),
        TextError::TooLong { max } => {
            td_string!(locale, register.invalid.too_long, max = *max)
        }
        TextError::ControlCharacter => {
            td_string!(locale, register.invalid.control_character).to_owned()
        }
    }
}

fn date(language: Language, field: &'static str, text: &str) -> Result<NaiveDate, FieldError> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| FieldError::new(field, td_string!(language.locale(), register.invalid.date)))
}

fn optional_date(
    language: Language,
    field: &'static str,
    text: &str,
) -> Result<Option<NaiveDate>, FieldError> {
    if text.trim().is_empty() {
        Ok(None)
    } else {
        date(language, field, text).map(Some)
    }
}

fn name(language: Language, field: &'static str, text: &str) -> Result<PersonName, FieldError> {
    PersonName::parse(text).map_err(|e| FieldError::new(field, text_problem(language, &e)))
}

fn optional_name(
    language: Language,
    field: &'static str,
    text: &str,
) -> Result<Option<PersonName>, FieldError> {
    if text.trim().is_empty() {
        Ok(None)
    } else {
        name(language, field, text).map(Some)
    }
}

fn optional_short(
    language: Language,
    field: &'static str,
    text: &str,
) -> Result<Option<shared::register::ShortText>, FieldError> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    shared::register::ShortText::parse(text)
        .map(Some)
        .map_err(|e| FieldError::new(field, text_problem(language, &e)))
}

fn external_id(language: Language, text: &str) -> Result<Option<ExternalId>, FieldError> {
    let locale = language.locale();
    if text.trim().is_empty() {
        return Ok(None);
    }
    ExternalId::parse(text).map(Some).map_err(|e| {
        FieldError::new(
            td_string!(locale, register.field.external_id),
            match e {
                shared::domain::ExternalIdError::PersonalIdentityNumber => {
                    td_string!(locale, register.invalid.personal_identity_number).to_owned()
                }
                shared::domain::ExternalIdError::Character => {
                    td_string!(locale, register.invalid.id_characters).to_owned()
                }
                shared::domain::ExternalIdError::Empty => {
                    td_string!(locale, register.invalid.empty).to_owned()
                }
                shared::domain::ExternalIdError::TooLong { max } => {
                    td_string!(locale, register.invalid.too_long, max)
                }
            },
        )
    })
}

/// The child form as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChildForm {
    pub given_name: String,
    pub family_name: String,
    pub birth_date: String,
    pub sex: Sex,
    pub has_disability: bool,
    pub external_id: String,
}

impl ChildForm {
    pub fn of(child: &Child) -> Self {
        Self {
            given_name: child.given_name.to_string(),
            family_name: child.family_name.to_string(),
            birth_date: child.birth_date.to_string(),
            sex: child.sex,
            has_disability: child.has_disability,
            external_id: child
                .external_id
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
        }
    }

    /// The child to save, or the first field to correct.
    pub fn parse(
        &self,
        id: ChildId,
        unit_id: Option<UnitId>,
        today: NaiveDate,
        language: Language,
    ) -> Result<Child, FieldError> {
        let locale = language.locale();
        let birth_field = td_string!(locale, register.field.birth_date);
        let birth_date = date(language, birth_field, &self.birth_date)?;
        if birth_date > today {
            return Err(FieldError::new(
                birth_field,
                td_string!(locale, register.invalid.after_today),
            ));
        }
        Ok(Child {
            id,
            given_name: name(
                language,
                td_string!(locale, register.field.given_name),
                &self.given_name,
            )?,
            family_name: name(
                language,
                td_string!(locale, register.field.family_name),
                &self.family_name,
            )?,
            birth_date,
            sex: self.sex,
            has_disability: self.has_disability,
            unit_id,
            external_id: external_id(language, &self.external_id)?,
        })
    }
}

/// The contact form as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ContactForm {
    pub contact_person: String,
    pub phone: String,
    pub email: String,
    pub address: String,
}

impl ContactForm {
    pub fn of(contact: &HomeContact) -> Self {
        let text = |v: &Option<shared::register::ShortText>| {
            v.as_ref().map(ToString::to_string).unwrap_or_default()
        };
        Self {
            contact_person: contact
                .contact_person
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            phone: text(&contact.phone),
            email: text(&contact.email),
            address: text(&contact.address),
        }
    }

    pub fn parse(&self, language: Language) -> Result<HomeContact, FieldError> {
        let locale = language.locale();
        Ok(HomeContact {
            contact_person: optional_name(
                language,
                td_string!(locale, register.field.contact_person),
                &self.contact_person,
            )?,
            phone: optional_short(
                language,
                td_string!(locale, register.field.phone),
                &self.phone,
            )?,
            email: optional_short(
                language,
                td_string!(locale, register.field.email),
                &self.email,
            )?,
            address: optional_short(
                language,
                td_string!(locale, register.field.address),
                &self.address,
            )?,
        })
    }
}

/// A new check as typed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckForm {
    pub kind: CheckKind,
    pub date: String,
    pub result: CheckResult,
    pub made_by: String,
    pub note: String,
}

impl CheckForm {
    pub fn new(made_by: &str, today: NaiveDate) -> Self {
        Self {
            kind: CheckKind::CriminalRecord,
            date: today.to_string(),
            result: CheckResult::NoRemarks,
            made_by: made_by.to_owned(),
            note: String::new(),
        }
    }

    pub fn parse(&self, today: NaiveDate, language: Language) -> Result<HomeCheck, FieldError> {
        let locale = language.locale();
        let date_field = td_string!(locale, register.field.date);
        let note_field = td_string!(locale, register.field.note);
        let date = date(language, date_field, &self.date)?;
        if date > today {
            return Err(FieldError::new(
                date_field,
                td_string!(locale, register.invalid.after_today),
            ));
        }
        let note = shared::VisitNote::parse(&self.note)
            .map_err(|e| FieldError::new(note_field, text_problem(language, &e)))?;
        if self.kind == CheckKind::Reference && note.as_str().is_empty() {
            return Err(FieldError::new(
                note_field,
                td_string!(locale, register.invalid.reference_municipality),
            ));
        }
        if self.result != CheckResult::NoRemarks && note.as_str().is_empty() {
            return Err(FieldError::new(
                note_field,
                td_string!(locale, register.invalid.remark_about),
            ));
        }
        Ok(HomeCheck {
            kind: self.kind,
            date,
            result: self.result,
            made_by: name(
                language,
                td_string!(locale, register.field.made_by),
                &self.made_by,
            )?,
            note,
        })
    }
}

/// The home to send: the same record with the new contact and, when given,
/// one check added at the end (checks are never changed or removed).
pub fn updated_home(home: &Home, contact: HomeContact, check: Option<HomeCheck>) -> Home {
    let mut next = home.clone();
    next.contact = contact;
    next.checks.extend(check);
    next
}

/// The placement form as typed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlacementForm {
    /// The chosen home's id, or empty.
    pub home: String,
    pub legal_basis: LegalBasis,
    pub start_date: String,
    pub decision_date: String,
    pub decided_by: String,
    pub decision_until: String,
    pub last_consideration: String,
    pub external_id: String,
}

impl PlacementForm {
    pub fn new(today: NaiveDate) -> Self {
        Self {
            home: String::new(),
            legal_basis: LegalBasis::SoL,
            start_date: today.to_string(),
            decision_date: String::new(),
            decided_by: String::new(),
            decision_until: String::new(),
            last_consideration: String::new(),
            external_id: String::new(),
        }
    }

    pub fn of(p: &Placement) -> Self {
        let d = |v: Option<NaiveDate>| v.map(|d| d.to_string()).unwrap_or_default();
        Self {
            home: p.home_id.map(|h| h.to_string()).unwrap_or_default(),
            legal_basis: p.legal_basis,
            start_date: p.start_date.to_string(),
            decision_date: d(p.decision_date),
            decided_by: p
                .decided_by
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            decision_until: d(p.decision_until),
            last_consideration: d(p.last_consideration),
            external_id: p
                .external_id
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
        }
    }

    /// The placement to save. The home comes from the register (its kind
    /// and name with it); a placement made before the register keeps its
    /// home when none is chosen.
    pub fn parse(
        &self,
        id: PlacementId,
        child_id: ChildId,
        homes: &[HomeEntry],
        before: Option<&Placement>,
        language: Language,
    ) -> Result<Placement, FieldError> {
        let locale = language.locale();
        let chosen = HomeId::parse(self.home.trim())
            .ok()
            .and_then(|id| homes.iter().find(|e| e.home.id == id));
        let (home_id, home_name, kind): (Option<HomeId>, PersonName, PlacementKind) =
            match (chosen, before) {
                (Some(entry), _) => (
                    Some(entry.home.id),
                    entry.home.name.clone(),
                    entry.home.kind,
                ),
                (None, Some(p)) if self.home.trim().is_empty() => {
                    (p.home_id, p.home_name.clone(), p.kind)
                }
                _ => {
                    return Err(FieldError::new(
                        td_string!(locale, register.field.home),
                        td_string!(locale, register.invalid.choose_home),
                    ))
                }
            };
        let start_date = date(
            language,
            td_string!(locale, register.field.start_date),
            &self.start_date,
        )?;
        let decision_date = optional_date(
            language,
            td_string!(locale, register.field.decision_date),
            &self.decision_date,
        )?;
        let until_field = td_string!(locale, register.field.decision_until);
        let decision_until = optional_date(language, until_field, &self.decision_until)?;
        if let (Some(made), Some(until)) = (decision_date, decision_until) {
            if until < made {
                return Err(FieldError::new(
                    until_field,
                    td_string!(locale, register.invalid.before_decision),
                ));
            }
        }
        let considered_field = td_string!(locale, register.field.last_consideration);
        let last_consideration =
            optional_date(language, considered_field, &self.last_consideration)?;
        if last_consideration.is_some_and(|d| d < start_date) {
            return Err(FieldError::new(
                considered_field,
                td_string!(locale, register.invalid.before_placement),
            ));
        }
        Ok(Placement {
            id,
            child_id,
            kind,
            home_name,
            legal_basis: self.legal_basis,
            start_date,
            end_date: before.and_then(|p| p.end_date),
            home_id,
            decision_date,
            decided_by: optional_name(
                language,
                td_string!(locale, register.field.decided_by),
                &self.decided_by,
            )?,
            decision_until,
            last_consideration,
            external_id: external_id(language, &self.external_id)?,
        })
    }
}

/// A colleague a child's worker can be chosen among
/// (`GET /api/v1/register/colleagues`).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RegisterColleague {
    pub id: UserId,
    pub display_name: String,
    pub role: Role,
}

impl RegisterColleague {
    /// Whether the colleague can be a child's worker (they record visits).
    pub fn can_be_worker(&self) -> bool {
        matches!(
            self.role,
            Role::SocialWorker | Role::Consultant | Role::DisabilityOfficer | Role::GroupLeader
        )
    }
}

/// `GET` and `PUT /api/v1/register/children/{id}/workers`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct WorkersRequest {
    pub workers: Vec<UserId>,
}

/// What the child editor knows of the child's workers now. The `PUT`
/// replaces the whole list, so saving is offered only once the current
/// list is known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CurrentWorkers {
    Loading,
    Failed(String),
    Known(Vec<UserId>),
}

impl CurrentWorkers {
    /// Why saving the workers is not offered now (`None`: it is).
    pub fn why_not_saved(&self, language: Language) -> Option<String> {
        let locale = language.locale();
        match self {
            Self::Known(_) => None,
            Self::Loading => Some(td_string!(locale, register.workers.loading_current).to_owned()),
            Self::Failed(error) => Some(td_string!(locale, register.workers.current_failed, error)),
        }
    }
}

/// One box in the workers picker.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkerChoice {
    pub id: UserId,
    pub label: String,
}

/// The boxes of the workers picker: the colleagues who can be a worker,
/// then any current worker not among them (left the unit, or no longer
/// records visits), so that each chosen one is shown and can be unticked
/// rather than kept or dropped unseen.
pub fn worker_choices(
    colleagues: &[RegisterColleague],
    current: &[UserId],
    language: Language,
) -> Vec<WorkerChoice> {
    let locale = language.locale();
    let mut choices: Vec<WorkerChoice> = colleagues
        .iter()
        .filter(|c| c.can_be_worker())
        .map(|c| WorkerChoice {
            id: c.id,
            label: format!(
                "{} ({})",
                c.display_name,
                c.role.label(language).to_lowercase()
            ),
        })
        .collect();
    for id in current {
        if !choices.iter().any(|c| c.id == *id) {
            let name = colleagues.iter().find(|c| c.id == *id).map_or_else(
                || td_string!(locale, register.workers.unknown_user).to_owned(),
                |c| c.display_name.clone(),
            );
            choices.push(WorkerChoice {
                id: *id,
                label: td_string!(locale, register.workers.current_not_choosable, name),
            });
        }
    }
    choices
}

/// One placement in the list of decisions, with its child's name when the
/// server sends it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecisionRow {
    pub placement: Placement,
    pub child_name: Option<String>,
}

/// Reads `GET /api/v1/register/decisions`: a list whose items are either a
/// placement, or an object holding `placement` and the child (`child` as a
/// record, or `child_name`).
pub fn decode_decisions(json: &str) -> Result<Vec<DecisionRow>, String> {
    let items: Vec<serde_json::Value> = serde_json::from_str(json).map_err(|e| e.to_string())?;
    items
        .into_iter()
        .map(|item| {
            if let Some(placement) = item.get("placement") {
                let placement: Placement =
                    serde_json::from_value(placement.clone()).map_err(|e| e.to_string())?;
                let child_name = item
                    .get("child_name")
                    .and_then(|n| n.as_str().map(str::to_owned))
                    .or_else(|| {
                        item.get("child")
                            .and_then(|c| serde_json::from_value::<Child>(c.clone()).ok())
                            .map(|c| c.full_name())
                    });
                Ok(DecisionRow {
                    placement,
                    child_name,
                })
            } else {
                serde_json::from_value::<Placement>(item)
                    .map(|placement| DecisionRow {
                        placement,
                        child_name: None,
                    })
                    .map_err(|e| e.to_string())
            }
        })
        .collect()
}

/// The list of decisions, most urgent first: expired decisions, then those
/// ending soon, then considerations; with the warnings of each.
pub fn decision_list(
    rows: Vec<DecisionRow>,
    today: NaiveDate,
) -> Vec<(DecisionRow, Vec<crate::decisions::Warning>)> {
    let mut out: Vec<_> = rows
        .into_iter()
        .map(|row| {
            let warnings = crate::decisions::warnings(&row.placement, today, Language::Swedish);
            (row, warnings)
        })
        .collect();
    let urgency = |(row, _): &(DecisionRow, Vec<crate::decisions::Warning>)| {
        let decision = row.placement.decision_until.unwrap_or(NaiveDate::MAX);
        let consideration = row.placement.consideration_due();
        decision.min(consideration)
    };
    out.sort_by_key(|item| urgency(item));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::register::HomeHistory;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    fn home(name: &str, kind: PlacementKind) -> Home {
        Home {
            id: HomeId::new_random(),
            unit_id: UnitId::new_random(),
            kind,
            name: PersonName::parse(name).expect("name"),
            external_id: None,
            contact: HomeContact::default(),
            checks: Vec::new(),
        }
    }

    fn check(kind: CheckKind, result: CheckResult) -> HomeCheck {
        HomeCheck {
            kind,
            date: d("2026-03-01"),
            result,
            made_by: PersonName::parse("Gun Lind").expect("name"),
            note: shared::VisitNote::parse("Malmö").expect("note"),
        }
    }

    fn entry(home: Home, breakdowns: u32, replacements: u32) -> HomeEntry {
        HomeEntry {
            home,
            history: HomeHistory {
                breakdowns,
                replacements,
            },
            current_placements: 1,
            deviations: 0,
            complaints: 0,
        }
    }

    #[test]
    fn a_flagged_home_says_why_and_comes_first() {
        let mut hvb = home("HVB Solgläntan", PlacementKind::ResidentialCare);
        hvb.checks = vec![
            check(CheckKind::CommercialOperation, CheckResult::NoRemarks),
            check(CheckKind::Reference, CheckResult::NotApproved),
        ];
        let calm = entry(
            {
                let mut h = home("Familjen Ahl", PlacementKind::FosterHome);
                h.checks = CheckKind::ALL
                    .iter()
                    .map(|k| check(*k, CheckResult::NoRemarks))
                    .collect();
                h
            },
            0,
            0,
        );
        let flagged = entry(hvb, 2, 1);
        assert!(flags(&calm, Language::Swedish).is_empty());
        assert_eq!(
            flags(&flagged, Language::Swedish),
            vec![
                "2 avbrott under de senaste 12 månaderna",
                "1 omplacering under de senaste 12 månaderna",
                "Ej godkänd: referenser från andra kommuner",
            ]
        );
        let missing = entry(home("Familjen Berg", PlacementKind::FosterHome), 0, 0);
        assert_eq!(
            flags(&missing, Language::Swedish),
            vec!["Kontroll saknas: belastningsregistret, socialtjänstens register, våld, missbruk, drivs kommersiellt, referenser från andra kommuner"]
        );
        let order: Vec<String> = sorted(vec![calm.clone(), missing, flagged.clone()])
            .into_iter()
            .map(|e| e.home.name.to_string())
            .collect();
        assert_eq!(order, ["Familjen Berg", "HVB Solgläntan", "Familjen Ahl"]);
        assert_eq!(
            choice_label(&calm, Language::Swedish),
            "Familjen Ahl (Familjehem)"
        );
        assert!(choice_label(&flagged, Language::Swedish)
            .starts_with("⚠ Flaggat: HVB Solgläntan (HVB): 2 avbrott"));
        assert_eq!(
            history_text(&flagged, Language::Swedish),
            "Avbrott 2 · omplaceringar 1 (senaste 12 månaderna) · placerade nu 1"
        );
        let reported = HomeEntry {
            deviations: 2,
            complaints: 1,
            ..flagged
        };
        assert_eq!(
            history_text(&reported, Language::Swedish),
            "Avbrott 2 · omplaceringar 1 (senaste 12 månaderna) · placerade nu 1 · \
             avvikelser 2 · klagomål 1"
        );
    }

    #[test]
    fn the_child_form_refuses_a_personal_identity_number_and_names_the_field() {
        let today = d("2026-12-04");
        let mut form = ChildForm {
            given_name: " Alva ".into(),
            family_name: "Berg".into(),
            birth_date: "2015-05-01".into(),
            sex: Sex::Girl,
            has_disability: true,
            external_id: "BARN-0001".into(),
        };
        let id = ChildId::new_random();
        let child = form
            .parse(id, None, today, Language::Swedish)
            .expect("valid");
        assert_eq!(child.given_name.as_str(), "Alva");
        assert!(child.has_disability);
        assert_eq!(
            ChildForm::of(&child),
            ChildForm {
                given_name: "Alva".into(),
                ..form.clone()
            }
        );
        form.external_id = "20150501-1234".into();
        let err = form
            .parse(id, None, today, Language::Swedish)
            .expect_err("pnr");
        assert_eq!(err.field, "Id i verksamhetssystemet");
        assert!(err.message.contains("personnummer"));
        form.external_id.clear();
        assert_eq!(
            form.parse(id, None, today, Language::Swedish)
                .expect("no id")
                .external_id,
            None
        );
        form.given_name = "  ".into();
        assert_eq!(
            form.parse(id, None, today, Language::Swedish)
                .expect_err("empty")
                .text(),
            "Förnamn: får inte vara tomt"
        );
        form.given_name = "Alva".into();
        form.birth_date = "2027-01-01".into();
        assert_eq!(
            form.parse(id, None, today, Language::Swedish)
                .expect_err("future")
                .field,
            "Födelsedatum"
        );
    }

    #[test]
    fn a_check_is_appended_and_a_reference_names_its_municipality() {
        let today = d("2026-12-04");
        let mut h = home("Familjen Berg", PlacementKind::FosterHome);
        h.checks
            .push(check(CheckKind::Violence, CheckResult::NoRemarks));
        let mut form = CheckForm::new("Gun Lind", today);
        form.kind = CheckKind::Reference;
        assert_eq!(
            form.parse(today, Language::Swedish)
                .expect_err("no municipality")
                .field,
            "Anteckning"
        );
        form.note = "Kommunen i Lund".into();
        let new = form.parse(today, Language::Swedish).expect("valid");
        let contact = ContactForm {
            phone: "070-123 45 67".into(),
            ..ContactForm::default()
        }
        .parse(Language::Swedish)
        .expect("contact");
        let next = updated_home(&h, contact, Some(new.clone()));
        assert_eq!(next.checks.len(), 2);
        assert_eq!(next.checks[0], h.checks[0], "the old check is unchanged");
        assert_eq!(next.checks[1], new);
        assert_eq!(
            contact_text(&next.contact, Language::Swedish),
            "070-123 45 67"
        );
        assert_eq!(
            contact_text(&h.contact, Language::Swedish),
            "Inga kontaktuppgifter"
        );
        form.date = "2026-12-05".into();
        assert!(
            form.parse(today, Language::Swedish).is_err(),
            "a check made tomorrow"
        );
    }

    #[test]
    fn a_placement_takes_its_home_from_the_register() {
        let berg = entry(home("Familjen Berg", PlacementKind::FosterHome), 0, 0);
        let hvb = entry(home("HVB Solgläntan", PlacementKind::ResidentialCare), 1, 0);
        let homes = vec![berg, hvb.clone()];
        let (id, child) = (PlacementId::new_random(), ChildId::new_random());
        let mut form = PlacementForm::new(d("2026-12-01"));
        assert_eq!(
            form.parse(id, child, &homes, None, Language::Swedish)
                .expect_err("no home")
                .field,
            "Hem"
        );
        form.home = hvb.home.id.to_string();
        form.legal_basis = LegalBasis::Lvu;
        form.decision_date = "2026-11-28".into();
        form.decided_by = "Sociala utskottet".into();
        form.decision_until = "2027-05-31".into();
        let p = form
            .parse(id, child, &homes, None, Language::Swedish)
            .expect("valid");
        assert_eq!(p.home_id, Some(hvb.home.id));
        assert_eq!(p.kind, PlacementKind::ResidentialCare);
        assert_eq!(p.home_name.as_str(), "HVB Solgläntan");
        assert_eq!(PlacementForm::of(&p), form);
        form.decision_until = "2026-11-01".into();
        assert_eq!(
            form.parse(id, child, &homes, None, Language::Swedish)
                .expect_err("before")
                .field,
            "Beslutet gäller till"
        );
        // A placement made before the register keeps its home.
        let mut old = p;
        old.home_id = None;
        old.home_name = PersonName::parse("Familjen Ek").expect("name");
        let mut keep = PlacementForm::of(&old);
        keep.decision_until = String::new();
        let kept = keep
            .parse(id, child, &homes, Some(&old), Language::Swedish)
            .expect("kept");
        assert_eq!(kept.home_name.as_str(), "Familjen Ek");
        assert_eq!(kept.decision_until, None);
    }

    #[test]
    fn the_server_message_follows_the_swedish_sentence() {
        let failure = ApiFailure::Server {
            status: 409,
            body: Some(ApiErrorBody {
                code: ErrorCode::PlacementClosed,
                message: "placement 42 is closed".into(),
                problems: Vec::new(),
            }),
        };
        assert_eq!(
            failure.text_in(Language::Swedish),
            "Placeringen är avslutad och signerad. Den kan inte ändras eller tas bort. Serverns besked: placement 42 is closed"
        );
        assert!(ApiFailure::Offline
            .text_in(Language::Swedish)
            .contains("Inget sparades"));
        let ended = ApiFailure::Server {
            status: 401,
            body: Some(ApiErrorBody {
                code: ErrorCode::SessionExpired,
                message: String::new(),
                problems: Vec::new(),
            }),
        };
        assert!(ended.session_ended());
        assert_eq!(
            ended.text_in(Language::Swedish),
            ErrorCode::SessionExpired.label(Language::Swedish)
        );
    }

    #[test]
    fn workers_are_saved_only_from_the_current_list_and_each_is_shown() {
        assert!(CurrentWorkers::Loading
            .why_not_saved(Language::Swedish)
            .is_some());
        let failed = CurrentWorkers::Failed("Ingen anslutning".into())
            .why_not_saved(Language::Swedish)
            .expect("refused");
        assert!(failed.contains("Ingen anslutning"), "{failed}");
        assert_eq!(
            CurrentWorkers::Known(Vec::new()).why_not_saved(Language::Swedish),
            None
        );

        let colleague = |name: &str, role: Role| RegisterColleague {
            id: UserId::new_random(),
            display_name: name.into(),
            role,
        };
        let anna = colleague("Anna", Role::SocialWorker);
        let chef = colleague("Chef", Role::UnitManager);
        let gone = UserId::new_random();
        let choices = worker_choices(
            &[anna.clone(), chef.clone()],
            &[anna.id, gone, chef.id],
            Language::Swedish,
        );
        let ids: Vec<UserId> = choices.iter().map(|c| c.id).collect();
        assert_eq!(ids, vec![anna.id, gone, chef.id]);
        assert!(
            choices[0].label.starts_with("Anna ("),
            "{}",
            choices[0].label
        );
        assert!(choices[1].label.starts_with("Okänd användare"));
        assert!(choices[2].label.starts_with("Chef (nuvarande"));
        // Nobody chosen now: only those who can be a worker.
        assert_eq!(
            worker_choices(&[anna, chef], &[], Language::Swedish).len(),
            1
        );
    }

    #[test]
    fn decisions_read_from_either_shape_most_urgent_first() {
        let today = d("2026-12-04");
        let late = Placement {
            id: PlacementId::new_random(),
            child_id: ChildId::new_random(),
            kind: PlacementKind::FosterHome,
            home_name: PersonName::parse("Familjen Berg").expect("name"),
            legal_basis: LegalBasis::Lvu,
            start_date: d("2026-09-01"),
            decision_until: Some(d("2026-11-30")),
            ..Placement::blank()
        };
        let mut soon = late.clone();
        soon.decision_until = Some(d("2026-12-20"));
        let json = serde_json::json!([
            soon,
            {"placement": late, "child_name": "Alva Berg"},
        ])
        .to_string();
        let rows = decision_list(decode_decisions(&json).expect("decodes"), today);
        assert_eq!(rows[0].0.child_name.as_deref(), Some("Alva Berg"));
        assert_eq!(rows[0].1[0].severity, crate::decisions::Severity::Late);
        assert_eq!(rows[1].0.child_name, None);
        assert!(decode_decisions("{}").is_err());
    }

    #[test]
    fn the_register_speaks_english_too() {
        let english = Language::English;
        let today = d("2026-12-04");
        let mut hvb = home("HVB Solgläntan", PlacementKind::ResidentialCare);
        hvb.checks = vec![check(CheckKind::Reference, CheckResult::NotApproved)];
        let flagged = entry(hvb, 2, 1);
        let reasons = flags(&flagged, english);
        assert_eq!(reasons[0], "2 breakdowns in the last 12 months");
        assert_eq!(reasons[1], "1 placement move in the last 12 months");
        assert!(reasons[2].starts_with("Check missing: "), "{}", reasons[2]);
        assert!(reasons[3].starts_with("Not approved: "), "{}", reasons[3]);
        let one = entry(home("Familjen Berg", PlacementKind::FosterHome), 1, 2);
        let reasons = flags(&one, english);
        assert_eq!(reasons[0], "1 breakdown in the last 12 months");
        assert_eq!(reasons[1], "2 placement moves in the last 12 months");
        assert!(choice_label(&flagged, english).starts_with("⚠ Flagged: HVB Solgläntan ("));
        assert_eq!(
            history_text(&flagged, english),
            "Breakdowns 2 · placement moves 1 (last 12 months) · placed now 1"
        );
        assert_eq!(
            contact_text(&HomeContact::default(), english),
            "No contact details"
        );

        let mut form = ChildForm {
            given_name: " ".into(),
            family_name: "Berg".into(),
            birth_date: "2015-05-01".into(),
            sex: Sex::Girl,
            has_disability: false,
            external_id: String::new(),
        };
        let id = ChildId::new_random();
        assert_eq!(
            form.parse(id, None, today, english)
                .expect_err("empty")
                .text(),
            "First name: must not be empty"
        );
        form.given_name = "Alva".into();
        form.external_id = "20150501-1234".into();
        let err = form.parse(id, None, today, english).expect_err("pnr");
        assert_eq!(err.field, "ID in the case management system");
        assert!(
            err.message.contains("personal identity number"),
            "{}",
            err.message
        );
        form.external_id.clear();
        form.birth_date = "2027-01-01".into();
        assert_eq!(
            form.parse(id, None, today, english)
                .expect_err("future")
                .text(),
            "Date of birth: cannot be later than today"
        );
        form.birth_date = "2015-05-01".into();
        form.family_name = "x".repeat(500);
        assert!(form
            .parse(id, None, today, english)
            .expect_err("long")
            .text()
            .starts_with("Surname: may be at most "),);
        assert!(form
            .parse(id, None, today, Language::Swedish)
            .expect_err("long")
            .text()
            .starts_with("Efternamn: får vara högst "));
        form.family_name = "Berg".into();
        form.birth_date = "1 May".into();
        assert_eq!(
            form.parse(id, None, today, english)
                .expect_err("format")
                .message,
            "enter a date such as 2026-11-24"
        );

        let mut check_form = CheckForm::new("Gun Lind", today);
        check_form.kind = CheckKind::Reference;
        assert_eq!(
            check_form
                .parse(today, english)
                .expect_err("no municipality")
                .text(),
            "Note: write which municipality the reference comes from"
        );

        let homes = vec![entry(
            home("Familjen Berg", PlacementKind::FosterHome),
            0,
            0,
        )];
        let mut placement = PlacementForm::new(d("2026-12-01"));
        assert_eq!(
            placement
                .parse(PlacementId::new_random(), id, &homes, None, english)
                .expect_err("no home")
                .text(),
            "Home: choose a home from the register"
        );
        placement.home = homes[0].home.id.to_string();
        placement.decision_date = "2026-11-28".into();
        placement.decision_until = "2026-11-01".into();
        assert_eq!(
            placement
                .parse(PlacementId::new_random(), id, &homes, None, english)
                .expect_err("before")
                .text(),
            "Decision valid until: cannot be earlier than the decision date"
        );

        assert_eq!(
            ApiFailure::Offline.text_in(english),
            "The server could not be reached. Nothing was saved; try again when the network is working."
        );
        assert_eq!(
            ApiFailure::Server {
                status: 500,
                body: None
            }
            .text_in(english),
            "The server answered with error 500. Nothing was saved."
        );
        let closed = ApiFailure::Server {
            status: 409,
            body: Some(ApiErrorBody {
                code: ErrorCode::PlacementClosed,
                message: "placement 42 is closed".into(),
                problems: Vec::new(),
            }),
        };
        assert!(closed
            .text_in(english)
            .ends_with(" The server said: placement 42 is closed"));

        assert_eq!(
            CurrentWorkers::Failed("timeout".into()).why_not_saved(english),
            Some("The child's current social workers could not be fetched (timeout). Saving now would replace them, so it is not possible. Reload the page and try again.".to_owned())
        );
        let gone = UserId::new_random();
        let choices = worker_choices(&[], &[gone], english);
        assert_eq!(
            choices[0].label,
            "Unknown user (current social worker, cannot be chosen again)"
        );
    }
}
