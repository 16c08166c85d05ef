//! Deviations (avvikelser), Lex Sarah and personal-data incidents (domain
//! rule 11): what a reporter writes, the rules of the clocks (six weeks to
//! investigate, 72 hours to tell IMY), the risk matrix that suggests the
//! route, and the lock of a finished investigation. See docs/deviations.md.

use crate::complaints::{check_optional, check_text, ComplaintError};
use crate::ids::{ChildId, HomeId, UnitId, UserId};
use crate::routines::RoutineId;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use uuid::Uuid;

/// An investigation is finished within six weeks of the report (the seeds'
/// deviation routine, 002).
pub const INVESTIGATION_DAYS: i64 = 42;
/// A personal-data incident is reported to the supervisory authority (IMY)
/// within 72 hours of its discovery (GDPR art. 33).
pub const IMY_REPORT_HOURS: i64 = 72;
/// The most characters of a long text (what happened, the answers).
pub const MAX_TEXT_CHARS: usize = 4_000;
/// The most characters of a short text (a name, an organisation).
pub const MAX_SHORT_CHARS: usize = 200;
/// The most characters of an e-mail address.
pub const MAX_EMAIL_CHARS: usize = 254;

macro_rules! wire_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident => $wire:literal),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vdoc])* $variant),* }

        impl $name {
            pub const ALL: &'static [Self] = &[$(Self::$variant),*];

            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $wire),* }
            }

            pub fn parse(s: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|k| k.as_str() == s)
            }
        }
    };
}

wire_enum!(
    /// What the deviation is about, for the workplace meeting's tables.
    Category {
        /// Documentation missing, late or wrong.
        Documentation => "documentation",
        /// A visit or a one-to-one talk not made in time.
        Visits => "visits",
        /// A decision expired, missing or not followed.
        Decisions => "decisions",
        /// The placement itself: the home, a breakdown, the child's safety.
        Placement => "placement",
        /// Collaboration with another organisation failed.
        Collaboration => "collaboration",
        /// Information not given to the child or the family.
        Information => "information",
        /// Personal data lost, stolen or sent to the wrong person.
        DataProtection => "data_protection",
        Other => "other",
    }
);

wire_enum!(
    /// Which way a report goes.
    Route {
        /// A deviation, investigated by the unit manager.
        Deviation => "deviation",
        /// A serious shortcoming or the risk of one (missförhållande): Lex
        /// Sarah (SoL 27 kap.).
        LexSarah => "lex_sarah",
        /// A personal-data incident, with the 72-hour clock to IMY.
        DataIncident => "data_incident",
    }
);

wire_enum!(
    /// What kind of personal-data incident.
    IncidentKind {
        LostDevice => "lost_device",
        StolenDevice => "stolen_device",
        WrongRecipient => "wrong_recipient",
        Other => "other",
    }
);

wire_enum!(
    /// An action, or a follow-up of whether the actions worked.
    ActionKind {
        Action => "action",
        FollowUp => "follow_up",
    }
);

/// Why a report or a step was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DeviationError {
    #[error(transparent)]
    Text(#[from] ComplaintError),
    #[error("likelihood and consequence are each 1 to 4")]
    RiskOutOfRange,
    #[error("a personal-data incident names its kind and when it was discovered")]
    IncidentMissing,
    #[error("only a personal-data incident has `incident`")]
    IncidentNotExpected,
    #[error("`reporter_email` is not an e-mail address")]
    BadEmail,
    #[error("`happened_on` is not after the report")]
    HappenedAfterReport,
    #[error("an investigation is locked only when all four answers are written")]
    Incomplete,
}

/// The risk matrix: how likely it is to happen again (1 rarely – 4
/// almost certainly) times how bad it would be (1 minor – 4 a serious
/// shortcoming for a child).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Risk {
    pub likelihood: u8,
    pub consequence: u8,
}

impl Risk {
    pub fn parse(likelihood: u8, consequence: u8) -> Result<Self, DeviationError> {
        let risk = Self {
            likelihood,
            consequence,
        };
        risk.check().map(|()| risk)
    }

    fn check(self) -> Result<(), DeviationError> {
        if (1..=4).contains(&self.likelihood) && (1..=4).contains(&self.consequence) {
            Ok(())
        } else {
            Err(DeviationError::RiskOutOfRange)
        }
    }

    /// 1 to 16.
    pub fn score(self) -> u8 {
        self.likelihood * self.consequence
    }

    /// The route the matrix suggests: Lex Sarah for a score of 9 or more
    /// (the red corner), or for the worst consequence at any likelihood (a
    /// risk of a serious shortcoming is reported too); else a deviation.
    /// The reporter chooses; the suggestion is shown beside the choice.
    pub fn suggested_route(self) -> Route {
        if self.score() >= 9 || self.consequence == 4 {
            Route::LexSarah
        } else {
            Route::Deviation
        }
    }
}

/// A personal-data incident: what and when it was discovered (the clock
/// starts then).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Incident {
    pub kind: IncidentKind,
    pub discovered_at: DateTime<Utc>,
}

/// A report: `POST /api/v1/deviations`, and on a tablet the record of a
/// `report_deviation` mutation, applied once by its mutation id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviationReport {
    pub id: Uuid,
    /// Where it happened: the unit whose manager investigates.
    pub unit_id: UnitId,
    /// The reporter's own unit manager, who investigates.
    pub manager_id: UserId,
    pub happened_on: NaiveDate,
    /// The tablet's clock; the server never takes it after its own now.
    pub reported_at: DateTime<Utc>,
    pub category: Category,
    pub route: Route,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub risk: Option<Risk>,
    pub what_happened: String,
    /// What the unit could have done differently (not who is to blame).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub could_do_differently: Option<String>,
    /// What was done at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub immediate_action: Option<String>,
    /// In the child's file; none: organisational (several people, or no
    /// open case).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub child_id: Option<ChildId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub home_id: Option<HomeId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub routine_id: Option<RoutineId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub complaint_id: Option<Uuid>,
    /// The other organisation, when a collaboration failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collaboration: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incident: Option<Incident>,
    /// An external reporter (a foster parent, a school), recorded by staff:
    /// gets the feedback by e-mail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reporter_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reporter_email: Option<String>,
}

/// An e-mail address as far as we check one: one `@`, something on each
/// side, a dot in the domain, no spaces or control characters.
pub fn check_email(address: &str) -> Result<String, DeviationError> {
    let address = address.trim();
    let ok = address.chars().count() <= MAX_EMAIL_CHARS
        && !address.chars().any(|c| c.is_whitespace() || c.is_control())
        && address.split('@').count() == 2
        && address.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !address.contains(['<', '>', ',', ';'])
        });
    if ok {
        Ok(address.to_owned())
    } else {
        Err(DeviationError::BadEmail)
    }
}

fn optional_long(
    field: &'static str,
    text: Option<&str>,
) -> Result<Option<String>, ComplaintError> {
    match text.map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) => check_text(field, text, MAX_TEXT_CHARS, true).map(Some),
    }
}

impl DeviationReport {
    /// The report as stored: texts trimmed and bounded, the risk in range,
    /// an incident exactly for a data incident, `happened_on` not after the
    /// day it was reported.
    pub fn checked(&self) -> Result<Self, DeviationError> {
        if let Some(risk) = self.risk {
            risk.check()?;
        }
        match (self.route, self.incident) {
            (Route::DataIncident, None) => return Err(DeviationError::IncidentMissing),
            (Route::Deviation | Route::LexSarah, Some(_)) => {
                return Err(DeviationError::IncidentNotExpected)
            }
            _ => {}
        }
        if self.happened_on > crate::sweden::date_at(self.reported_at) {
            return Err(DeviationError::HappenedAfterReport);
        }
        Ok(Self {
            what_happened: check_text("what_happened", &self.what_happened, MAX_TEXT_CHARS, true)?,
            could_do_differently: optional_long(
                "could_do_differently",
                self.could_do_differently.as_deref(),
            )?,
            immediate_action: optional_long("immediate_action", self.immediate_action.as_deref())?,
            collaboration: check_optional(
                "collaboration",
                self.collaboration.as_deref(),
                MAX_SHORT_CHARS,
            )?,
            reporter_name: check_optional(
                "reporter_name",
                self.reporter_name.as_deref(),
                MAX_SHORT_CHARS,
            )?,
            reporter_email: match self.reporter_email.as_deref().map(str::trim) {
                None | Some("") => None,
                Some(address) => Some(check_email(address)?),
            },
            ..self.clone()
        })
    }

    /// Organisational: in no child's file.
    pub fn is_organisational(&self) -> bool {
        self.child_id.is_none()
    }
}

/// The day an investigation must be finished: six weeks after the day it
/// was reported (Swedish time).
pub fn investigation_due(reported_on: NaiveDate) -> NaiveDate {
    reported_on + Duration::days(INVESTIGATION_DAYS)
}

/// Days left to `due` on `today`: 0 on the day, negative when overdue.
pub fn days_left(due: NaiveDate, today: NaiveDate) -> i64 {
    (due - today).num_days()
}

/// When IMY must have the report of an incident discovered at `discovered`.
pub fn imy_due(discovered: DateTime<Utc>) -> DateTime<Utc> {
    discovered + Duration::hours(IMY_REPORT_HOURS)
}

/// Whole hours left to `due` at `now` (rounded down; negative when late).
pub fn hours_left(due: DateTime<Utc>, now: DateTime<Utc>) -> i64 {
    (due - now).num_seconds().div_euclid(3_600)
}

/// The manager's four answers.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Investigation {
    /// What went wrong.
    #[serde(default)]
    pub what_went_wrong: Option<String>,
    /// Why.
    #[serde(default)]
    pub why: Option<String>,
    /// What was done.
    #[serde(default)]
    pub what_was_done: Option<String>,
    /// How a repeat is prevented.
    #[serde(default)]
    pub prevention: Option<String>,
}

impl Investigation {
    /// Trimmed and bounded; blank answers are none.
    pub fn checked(&self) -> Result<Self, DeviationError> {
        Ok(Self {
            what_went_wrong: optional_long("what_went_wrong", self.what_went_wrong.as_deref())?,
            why: optional_long("why", self.why.as_deref())?,
            what_was_done: optional_long("what_was_done", self.what_was_done.as_deref())?,
            prevention: optional_long("prevention", self.prevention.as_deref())?,
        })
    }

    /// Every answer written: the investigation may be locked.
    pub fn is_complete(&self) -> bool {
        [
            &self.what_went_wrong,
            &self.why,
            &self.what_was_done,
            &self.prevention,
        ]
        .iter()
        .all(|a| a.as_deref().is_some_and(|t| !t.trim().is_empty()))
    }
}

/// `PUT /api/v1/deviations/{id}/investigation`: the four answers, made on
/// `revision`; `lock` locks it, refused unless all four are written. A
/// locked investigation is never changed (`409 locked`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InvestigationUpdate {
    pub revision: i64,
    pub answers: Investigation,
    #[serde(default)]
    pub lock: bool,
}

impl InvestigationUpdate {
    pub fn checked(&self) -> Result<Self, DeviationError> {
        let answers = self.answers.checked()?;
        if self.lock && !answers.is_complete() {
            return Err(DeviationError::Incomplete);
        }
        Ok(Self {
            revision: self.revision,
            answers,
            lock: self.lock,
        })
    }
}

/// A text added to a deviation (feedback, a correction, why it was
/// escalated), made on `revision`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TextStep {
    pub revision: i64,
    pub text: String,
}

impl TextStep {
    pub fn checked(&self, field: &'static str) -> Result<String, DeviationError> {
        Ok(check_text(field, &self.text, MAX_TEXT_CHARS, true)?)
    }
}

/// `POST /api/v1/deviations/{id}/actions`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewAction {
    pub kind: ActionKind,
    pub text: String,
    pub owner: UserId,
    pub due_on: NaiveDate,
}

/// `PUT /api/v1/deviations/{id}/actions/{action}`: done, and for a
/// follow-up optionally the next one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionDone {
    #[serde(default)]
    pub note: Option<String>,
    /// A follow-up repeated: the next one, same owner.
    #[serde(default)]
    pub next_due_on: Option<NaiveDate>,
}

/// An action or a follow-up.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviationAction {
    pub id: Uuid,
    pub kind: ActionKind,
    pub text: String,
    pub owner: UserId,
    pub due_on: NaiveDate,
    pub done_on: Option<NaiveDate>,
    pub note: Option<String>,
    pub created_by: UserId,
    pub created_at: DateTime<Utc>,
}

impl DeviationAction {
    pub fn is_overdue(&self, today: NaiveDate) -> bool {
        self.done_on.is_none() && self.due_on < today
    }
}

/// An attributed addition to a locked investigation, or an escalation's
/// reason.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviationNote {
    pub id: Uuid,
    pub text: String,
    pub by: UserId,
    pub by_name: String,
    pub at: DateTime<Utc>,
}

wire_enum!(
    /// Where the e-mail with the feedback is.
    MailStatus {
        /// Waiting for the SMTP server (or for one to be configured).
        Queued => "queued",
        Sent => "sent",
    }
);

/// One deviation as the API shows it. The reporter who is not also its
/// investigator sees the report and the feedback only
/// ([`Deviation::for_reporter`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deviation {
    pub id: Uuid,
    pub revision: i64,
    pub report: DeviationReport,
    pub reported_by: UserId,
    pub reported_on: NaiveDate,
    /// The day the investigation is due ([`investigation_due`]).
    pub due_on: NaiveDate,
    /// When IMY must have it (data incidents only).
    pub imy_due_at: Option<DateTime<Utc>>,
    pub imy_reported_at: Option<DateTime<Utc>>,
    /// Escalated to Lex Sarah after it was reported as a deviation.
    pub escalated_at: Option<DateTime<Utc>>,
    pub escalated_by: Option<UserId>,
    pub investigation: Investigation,
    pub locked_at: Option<DateTime<Utc>>,
    pub locked_by: Option<UserId>,
    pub feedback: Option<String>,
    pub feedback_at: Option<DateTime<Utc>>,
    pub feedback_by: Option<UserId>,
    pub feedback_mail: Option<MailStatus>,
    pub actions: Vec<DeviationAction>,
    /// Corrections after the lock, and reasons for an escalation, in order.
    pub notes: Vec<DeviationNote>,
}

impl Deviation {
    pub fn is_locked(&self) -> bool {
        self.locked_at.is_some()
    }

    /// Not locked and past the six weeks, on `today`.
    pub fn is_overdue(&self, today: NaiveDate) -> bool {
        !self.is_locked() && self.due_on < today
    }

    /// What the reporter sees: the report, where it is and the feedback;
    /// not the investigation, which may be about colleagues.
    pub fn for_reporter(mut self) -> Self {
        self.investigation = Investigation::default();
        self.actions.clear();
        self.notes.clear();
        self
    }
}

/// `GET /api/v1/deviations?show=…`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviationList {
    pub deviations: Vec<Deviation>,
}

/// One line of the manager's to-do list (*Att göra*).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TodoInvestigation {
    pub id: Uuid,
    pub category: Category,
    pub route: Route,
    pub unit_id: UnitId,
    pub reported_on: NaiveDate,
    pub due_on: NaiveDate,
    /// Negative when overdue.
    pub days_left: i64,
    pub overdue: bool,
    /// For a data incident not yet reported to IMY.
    pub imy_hours_left: Option<i64>,
    /// Locked, but the reporter has no feedback yet.
    pub awaiting_feedback: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TodoAction {
    pub deviation_id: Uuid,
    pub action: DeviationAction,
    pub days_left: i64,
    pub overdue: bool,
}

/// `GET /api/v1/deviations/todo`: the caller's investigations (open ones,
/// and locked ones awaiting feedback), and the actions and follow-ups the
/// caller owns or, as a manager, of their units' deviations.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Todo {
    pub investigations: Vec<TodoInvestigation>,
    pub actions: Vec<TodoAction>,
    pub overdue_investigations: u32,
    pub overdue_actions: u32,
}

/// What the aggregates count of one deviation: no text, no child.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Facts {
    pub category: Category,
    pub route: Route,
    pub unit_id: UnitId,
    pub home_id: Option<HomeId>,
    pub routine_id: Option<RoutineId>,
    pub organisational: bool,
}

/// `GET /api/v1/deviations/aggregates?from=&to=`: deviations reported in
/// the period, counted by category, route, unit, home and routine. Keys are
/// wire names and ids; `none` counts those without a home or routine.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Aggregates {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub total: u32,
    pub organisational: u32,
    pub by_category: BTreeMap<String, u32>,
    pub by_route: BTreeMap<String, u32>,
    pub by_unit: BTreeMap<String, u32>,
    pub by_home: BTreeMap<String, u32>,
    pub by_routine: BTreeMap<String, u32>,
}

impl Aggregates {
    pub fn count(from: NaiveDate, to: NaiveDate, facts: &[Facts]) -> Self {
        let mut out = Self {
            from: Some(from),
            to: Some(to),
            ..Self::default()
        };
        for f in facts {
            out.total += 1;
            out.organisational += u32::from(f.organisational);
            *out.by_category
                .entry(f.category.as_str().into())
                .or_default() += 1;
            *out.by_route.entry(f.route.as_str().into()).or_default() += 1;
            *out.by_unit.entry(f.unit_id.to_string()).or_default() += 1;
            let home = f
                .home_id
                .map_or_else(|| "none".to_owned(), |h| h.to_string());
            *out.by_home.entry(home).or_default() += 1;
            let routine = f
                .routine_id
                .as_ref()
                .map_or_else(|| "none".to_owned(), |r| r.as_str().to_owned());
            *out.by_routine.entry(routine).or_default() += 1;
        }
        out
    }
}

/// `POST /api/v1/devices/lost`: "Jag har tappat min platta", from another
/// device: revokes that session and opens the incident in one step.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LostDevice {
    pub session_id: crate::ids::SessionId,
    pub unit_id: UnitId,
    pub manager_id: UserId,
    #[serde(default)]
    pub stolen: bool,
    /// When the loss was noticed; default now.
    #[serde(default)]
    pub discovered_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub note: Option<String>,
}

/// The answer to a lost device: the incident opened.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LostDeviceOpened {
    pub deviation_id: Uuid,
    pub imy_due_at: DateTime<Utc>,
}

/// A unit manager the reporter may name (`GET /api/v1/deviations/managers`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitManager {
    pub user_id: UserId,
    pub display_name: String,
    pub unit_id: UnitId,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).expect("date")
    }

    fn report() -> DeviationReport {
        DeviationReport {
            id: Uuid::nil(),
            unit_id: UnitId::from_uuid(Uuid::nil()),
            manager_id: UserId::from_uuid(Uuid::nil()),
            happened_on: day(3, 2),
            reported_at: Utc
                .with_ymd_and_hms(2026, 3, 3, 9, 0, 0)
                .single()
                .expect("t"),
            category: Category::Visits,
            route: Route::Deviation,
            risk: None,
            what_happened: "  Besöket blev inte av. ".into(),
            could_do_differently: Some("   ".into()),
            immediate_action: None,
            child_id: None,
            home_id: None,
            routine_id: None,
            complaint_id: None,
            collaboration: None,
            incident: None,
            reporter_name: None,
            reporter_email: None,
        }
    }

    #[test]
    fn six_weeks_to_investigate_with_the_days_left() {
        assert_eq!(investigation_due(day(3, 3)), day(4, 14));
        assert_eq!(days_left(day(4, 14), day(3, 3)), 42);
        assert_eq!(days_left(day(4, 14), day(4, 14)), 0);
        assert_eq!(days_left(day(4, 14), day(4, 16)), -2);
    }

    #[test]
    fn seventy_two_hours_to_tell_imy() {
        let found = Utc
            .with_ymd_and_hms(2026, 3, 3, 22, 30, 0)
            .single()
            .expect("t");
        let due = imy_due(found);
        assert_eq!(
            due,
            Utc.with_ymd_and_hms(2026, 3, 6, 22, 30, 0)
                .single()
                .expect("t")
        );
        assert_eq!(hours_left(due, found), 72);
        assert_eq!(hours_left(due, found + Duration::minutes(61)), 70);
        assert_eq!(hours_left(due, due), 0);
        assert_eq!(hours_left(due, due + Duration::minutes(1)), -1);
    }

    #[test]
    fn the_risk_matrix_suggests_the_route() {
        let route = |l, c| Risk::parse(l, c).expect("risk").suggested_route();
        assert_eq!(route(1, 1), Route::Deviation);
        assert_eq!(route(2, 3), Route::Deviation);
        assert_eq!(route(4, 2), Route::Deviation);
        assert_eq!(route(3, 3), Route::LexSarah);
        assert_eq!(route(1, 4), Route::LexSarah, "the worst consequence at all");
        assert_eq!(route(4, 4), Route::LexSarah);
        assert_eq!(Risk::parse(0, 2), Err(DeviationError::RiskOutOfRange));
        assert_eq!(Risk::parse(2, 5), Err(DeviationError::RiskOutOfRange));
        let mut r = report();
        r.risk = Some(Risk {
            likelihood: 9,
            consequence: 1,
        });
        assert_eq!(r.checked(), Err(DeviationError::RiskOutOfRange));
    }

    #[test]
    fn reports_are_trimmed_and_an_incident_is_exactly_for_a_data_incident() {
        let checked = report().checked().expect("valid");
        assert_eq!(checked.what_happened, "Besöket blev inte av.");
        assert_eq!(checked.could_do_differently, None);
        assert!(checked.is_organisational());
        let mut incident = report();
        incident.route = Route::DataIncident;
        assert_eq!(incident.checked(), Err(DeviationError::IncidentMissing));
        let mut stray = report();
        stray.incident = Some(Incident {
            kind: IncidentKind::LostDevice,
            discovered_at: stray.reported_at,
        });
        assert_eq!(stray.checked(), Err(DeviationError::IncidentNotExpected));
        let mut future = report();
        future.happened_on = day(3, 4);
        assert_eq!(future.checked(), Err(DeviationError::HappenedAfterReport));
        let mut long = report();
        long.what_happened = "a".repeat(MAX_TEXT_CHARS + 1);
        assert!(matches!(long.checked(), Err(DeviationError::Text(_))));
        let mut email = report();
        email.reporter_email = Some(" familjehem@example.org ".into());
        assert_eq!(
            email.checked().expect("valid").reporter_email.as_deref(),
            Some("familjehem@example.org")
        );
        for bad in ["a", "a@b", "a b@c.se", "a@b@c.se", "<a@b.se>", "a@.se"] {
            email.reporter_email = Some(bad.into());
            assert_eq!(email.checked(), Err(DeviationError::BadEmail), "{bad}");
        }
    }

    #[test]
    fn an_investigation_locks_only_when_every_answer_is_written() {
        let mut update = InvestigationUpdate {
            revision: 1,
            answers: Investigation {
                what_went_wrong: Some("Besöket glömdes.".into()),
                why: Some("Ingen påminnelse.".into()),
                what_was_done: Some("Besök bokat.".into()),
                prevention: Some(" ".into()),
            },
            lock: true,
        };
        assert_eq!(update.checked(), Err(DeviationError::Incomplete));
        update.lock = false;
        assert!(update
            .checked()
            .expect("draft")
            .answers
            .prevention
            .is_none());
        update.lock = true;
        update.answers.prevention = Some("Påminnelse i appen.".into());
        assert!(update.checked().expect("complete").answers.is_complete());
    }

    #[test]
    fn aggregates_count_each_deviation_once_per_table() {
        let unit = UnitId::from_uuid(Uuid::from_u128(1));
        let home = HomeId::from_uuid(Uuid::from_u128(2));
        let routine = RoutineId::parse("besok-hos-placerade-barn").expect("id");
        let facts = [
            Facts {
                category: Category::Visits,
                route: Route::Deviation,
                unit_id: unit,
                home_id: Some(home),
                routine_id: Some(routine.clone()),
                organisational: false,
            },
            Facts {
                category: Category::Visits,
                route: Route::LexSarah,
                unit_id: unit,
                home_id: None,
                routine_id: None,
                organisational: true,
            },
        ];
        let a = Aggregates::count(day(1, 1), day(4, 30), &facts);
        assert_eq!(a.total, 2);
        assert_eq!(a.organisational, 1);
        assert_eq!(a.by_category.get("visits"), Some(&2));
        assert_eq!(a.by_route.get("lex_sarah"), Some(&1));
        assert_eq!(a.by_home.get(&home.to_string()), Some(&1));
        assert_eq!(a.by_home.get("none"), Some(&1));
        assert_eq!(a.by_routine.get(routine.as_str()), Some(&1));
    }

    #[test]
    fn the_reporter_does_not_see_the_investigation() {
        let checked = report().checked().expect("valid");
        let d = Deviation {
            id: Uuid::nil(),
            revision: 1,
            report: checked,
            reported_by: UserId::from_uuid(Uuid::nil()),
            reported_on: day(3, 3),
            due_on: day(4, 14),
            imy_due_at: None,
            imy_reported_at: None,
            escalated_at: None,
            escalated_by: None,
            investigation: Investigation {
                why: Some("Kollegan glömde.".into()),
                ..Investigation::default()
            },
            locked_at: None,
            locked_by: None,
            feedback: Some("Tack.".into()),
            feedback_at: None,
            feedback_by: None,
            feedback_mail: None,
            actions: Vec::new(),
            notes: Vec::new(),
        };
        assert!(d.is_overdue(day(4, 15)));
        assert!(!d.is_overdue(day(4, 14)));
        let seen = d.for_reporter();
        assert_eq!(seen.investigation, Investigation::default());
        assert_eq!(seen.feedback.as_deref(), Some("Tack."));
    }
}
