//! Managers' self-check (egenkontroll): how often each placed child is
//! visited and heard, over a period, grouped the way the city's reports are
//! (categories as rows, groups as columns, and a Total column), beside the
//! previous period. The rules are in `docs/selfcheck.md`.
//!
//! The server computes each child's [`ChildFacts`] for a period in SQL;
//! [`build_tables`] sums them by group here, so that the server, the app
//! (regrouping a report kept offline) and the tests share one definition of
//! every measure.

use crate::auth::{Role, UnitSummary};
use crate::domain::{EndKind, EndReason, PlacementKind, Sex};
use crate::ids::{ChildId, PlacementId, UserId, VisitId};
use chrono::{DateTime, Datelike, Days, Months, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The longest period a report covers.
pub const MAX_PERIOD_DAYS: i64 = 3 * 366;

/// Counts below this are shown as "<5" in exports.
pub const SMALLEST_SHOWN_COUNT: u32 = 5;

/// How many children the continuity list names.
pub const MOST_CHANGES_LISTED: usize = 10;

/// The checklist items whose ticks say the child was informed in writing.
pub const INFORMATION_ITEMS: [&str; 3] = ["kontaktuppgifter", "klagomal", "rattigheter"];

/// A report's period, both days included.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    #[error("the period ends before it starts")]
    EndsBeforeStart,
    #[error("the period is longer than {MAX_PERIOD_DAYS} days")]
    TooLong,
}

/// The choices a manager is offered; `Custom` takes its own dates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PeriodChoice {
    LastMonth,
    LastQuarter,
    Last12Months,
    Custom,
}

impl PeriodChoice {
    pub const ALL: [Self; 4] = [
        Self::LastMonth,
        Self::LastQuarter,
        Self::Last12Months,
        Self::Custom,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::LastMonth => "last_month",
            Self::LastQuarter => "last_quarter",
            Self::Last12Months => "last_12_months",
            Self::Custom => "custom",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }

    pub fn label_sv(self) -> &'static str {
        match self {
            Self::LastMonth => "Förra månaden",
            Self::LastQuarter => "Förra kvartalet",
            Self::Last12Months => "Senaste 12 månaderna",
            Self::Custom => "Egen period",
        }
    }

    /// The period this choice means on `today`; `None` for `Custom`.
    pub fn period(self, today: NaiveDate) -> Option<Period> {
        match self {
            Self::LastMonth => Some(Period::last_month(today)),
            Self::LastQuarter => Some(Period::last_quarter(today)),
            Self::Last12Months => Some(Period::last_12_months(today)),
            Self::Custom => None,
        }
    }
}

fn first_of_month(date: NaiveDate) -> NaiveDate {
    date.with_day(1).unwrap_or(date)
}

impl Period {
    pub fn parse(from: NaiveDate, to: NaiveDate) -> Result<Self, PeriodError> {
        if to < from {
            return Err(PeriodError::EndsBeforeStart);
        }
        if (to - from).num_days() + 1 > MAX_PERIOD_DAYS {
            return Err(PeriodError::TooLong);
        }
        Ok(Self { from, to })
    }

    /// The calendar month before `today`'s.
    pub fn last_month(today: NaiveDate) -> Self {
        let this_month = first_of_month(today);
        let from = this_month - Months::new(1);
        Self {
            from,
            to: this_month - Days::new(1),
        }
    }

    /// The calendar quarter before `today`'s.
    pub fn last_quarter(today: NaiveDate) -> Self {
        let quarter_month = (today.month0() / 3) * 3 + 1;
        let this_quarter = NaiveDate::from_ymd_opt(today.year(), quarter_month, 1).unwrap_or(today);
        Self {
            from: this_quarter - Months::new(3),
            to: this_quarter - Days::new(1),
        }
    }

    /// The twelve whole calendar months before `today`'s month.
    pub fn last_12_months(today: NaiveDate) -> Self {
        let this_month = first_of_month(today);
        Self {
            from: this_month - Months::new(12),
            to: this_month - Days::new(1),
        }
    }

    /// Days in the period, both ends included.
    pub fn days(&self) -> i64 {
        (self.to - self.from).num_days() + 1
    }

    pub fn contains(&self, date: NaiveDate) -> bool {
        self.from <= date && date <= self.to
    }

    /// The period just before, to compare with. A period of whole calendar
    /// months gives the same number of whole months before it (last quarter
    /// gives the quarter before); any other gives the same number of days.
    pub fn previous(&self) -> Self {
        let whole_months = self.from.day() == 1 && (self.to + Days::new(1)).day() == 1;
        if whole_months {
            let months = (self.to.year() - self.from.year()) * 12 + self.to.month() as i32
                - self.from.month() as i32
                + 1;
            let months = Months::new(months.max(1) as u32);
            return Self {
                from: self.from - months,
                to: self.from - Days::new(1),
            };
        }
        let to = self.from - Days::new(1);
        Self {
            from: to - Days::new(self.days() as u64 - 1),
            to,
        }
    }

    /// The first day of each calendar month the period touches.
    pub fn months(&self) -> Vec<NaiveDate> {
        let mut month = first_of_month(self.from);
        let mut months = Vec::new();
        while month <= self.to {
            months.push(month);
            month = month + Months::new(1);
        }
        months
    }
}

/// What the columns of a report are.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupBy {
    /// The child's responsible social worker (a child with two counts in both).
    Worker,
    Unit,
    PlacementKind,
    /// Sex as recorded, "not recorded" included.
    Sex,
    AgeGroup,
}

impl GroupBy {
    pub const ALL: [Self; 5] = [
        Self::Worker,
        Self::Unit,
        Self::PlacementKind,
        Self::Sex,
        Self::AgeGroup,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Worker => "worker",
            Self::Unit => "unit",
            Self::PlacementKind => "placement_kind",
            Self::Sex => "sex",
            Self::AgeGroup => "age_group",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|g| g.as_str() == s)
    }

    pub fn label_sv(self) -> &'static str {
        match self {
            Self::Worker => "Socialsekreterare",
            Self::Unit => "Enhet",
            Self::PlacementKind => "Placeringsform",
            Self::Sex => "Kön",
            Self::AgeGroup => "Åldersgrupp",
        }
    }
}

/// Age on the last day of the period.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgeGroup {
    From0To6,
    From7To12,
    From13To17,
    From18,
}

impl AgeGroup {
    pub const ALL: [Self; 4] = [
        Self::From0To6,
        Self::From7To12,
        Self::From13To17,
        Self::From18,
    ];

    pub fn of(birth_date: NaiveDate, on: NaiveDate) -> Self {
        match on.years_since(birth_date).unwrap_or(0) {
            0..=6 => Self::From0To6,
            7..=12 => Self::From7To12,
            13..=17 => Self::From13To17,
            _ => Self::From18,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::From0To6 => "0-6",
            Self::From7To12 => "7-12",
            Self::From13To17 => "13-17",
            Self::From18 => "18-",
        }
    }

    pub fn label_sv(self) -> &'static str {
        match self {
            Self::From0To6 => "0–6 år",
            Self::From7To12 => "7–12 år",
            Self::From13To17 => "13–17 år",
            Self::From18 => "18 år och äldre",
        }
    }
}

/// A social worker a child is assigned to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkerRef {
    pub id: UserId,
    pub name: String,
    pub role: Role,
}

impl WorkerRef {
    pub fn is_consultant(&self) -> bool {
        self.role == Role::Consultant
    }
}

/// One placement ending in the period (from its signed closing).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndingFact {
    pub kind: EndKind,
    pub replacement: bool,
    pub reason: Option<EndReason>,
}

/// Which of the written information the child's placement has ticked done
/// ([`INFORMATION_ITEMS`], the latest tick of each).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Informed {
    pub contact: bool,
    pub complaints: bool,
    pub rights: bool,
}

impl Informed {
    pub fn all(&self) -> bool {
        self.contact && self.complaints && self.rights
    }
}

/// Everything the report needs about one child placed at some time in the
/// period (a placement, not deleted, that overlaps it). "Visits" are the
/// contacts that count for the schedule: in person, by a social worker or a
/// consultant (`Visit::counts_for_schedule`), dated in the period.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChildFacts {
    pub child_id: ChildId,
    pub sex: Sex,
    pub age_group: AgeGroup,
    pub unit: Option<UnitSummary>,
    /// The kind of the latest-started placement overlapping the period.
    pub placement_kind: PlacementKind,
    /// Assigned (not covering) on the period's last day, or when the child's
    /// last assignment ended if it ended earlier.
    pub workers: Vec<WorkerRef>,
    /// Placements started in the period whose first-visit week has ended by
    /// the period's end, or that were visited within it.
    pub new_placements: u32,
    /// Of those, visited within 7 days of the start (the 7th day included).
    pub new_placements_visited_in_time: u32,
    /// Due dates in the period that passed without a visit by then.
    pub broken_intervals: u32,
    pub visits: u32,
    pub visits_by_consultant: u32,
    pub visits_alone: u32,
    /// The child's view written down (`Visit::child_view` not empty).
    pub visits_with_view: u32,
    /// No view written down, but a reason given (`not_alone_reason`).
    pub visits_reason_without_view: u32,
    /// Different people who made the visits.
    pub distinct_visitors: u32,
    /// Assignments that started in the period while the child already had
    /// a social worker.
    pub worker_changes: u32,
    pub endings: Vec<EndingFact>,
    /// Placed in stödboende at some time in the period.
    pub in_supported_housing: bool,
    /// Visits by a disability-area officer (funktionshandläggare), in person.
    pub disability_officer_visits: u32,
    pub informed: Informed,
}

/// One row of a table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "measure", content = "reason", rename_all = "snake_case")]
pub enum Measure {
    FirstVisitInTime,
    VisitedEveryThirdMonth,
    VisitsPerChild,
    VisitsByConsultants,
    TalkedAlone,
    ViewDocumented,
    ReasonWithoutView,
    NeitherViewNorReason,
    NotVisited,
    OneVisitor,
    TwoVisitors,
    ThreeOrMoreVisitors,
    WorkerChanges,
    UnplannedEndings,
    Replacements,
    /// Unplanned endings and re-placements with this reason.
    EndedBecause(EndReason),
    /// Without a reason recorded.
    EndedWithoutReason,
    SupportedHousingVisitedByOfficer,
    OfficerVisits,
    InformedAll,
    InformedContact,
    InformedComplaints,
    InformedRights,
}

/// The tables of a report, in the order shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TableId {
    VisitsInTime,
    ChildHeard,
    Continuity,
    Endings,
    DisabilityOfficers,
    InformationGiven,
}

impl TableId {
    pub const ALL: [Self; 6] = [
        Self::VisitsInTime,
        Self::ChildHeard,
        Self::Continuity,
        Self::Endings,
        Self::DisabilityOfficers,
        Self::InformationGiven,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::VisitsInTime => "visits_in_time",
            Self::ChildHeard => "child_heard",
            Self::Continuity => "continuity",
            Self::Endings => "endings",
            Self::DisabilityOfficers => "disability_officers",
            Self::InformationGiven => "information_given",
        }
    }

    pub fn title_sv(self) -> &'static str {
        match self {
            Self::VisitsInTime => "Besök i tid",
            Self::ChildHeard => "Barnets röst",
            Self::Continuity => "Kontinuitet",
            Self::Endings => "Oplanerade avslut och omplaceringar",
            Self::DisabilityOfficers => "Funktionshandläggarnas besök i stödboende",
            Self::InformationGiven => "Information till barnet",
        }
    }

    pub fn measures(self) -> Vec<Measure> {
        use Measure::*;
        match self {
            Self::VisitsInTime => vec![
                FirstVisitInTime,
                VisitedEveryThirdMonth,
                VisitsPerChild,
                VisitsByConsultants,
            ],
            Self::ChildHeard => vec![
                TalkedAlone,
                ViewDocumented,
                ReasonWithoutView,
                NeitherViewNorReason,
            ],
            Self::Continuity => vec![
                NotVisited,
                OneVisitor,
                TwoVisitors,
                ThreeOrMoreVisitors,
                WorkerChanges,
            ],
            Self::Endings => {
                let mut rows = vec![UnplannedEndings, Replacements];
                rows.extend(EndReason::ALL.map(EndedBecause));
                rows.push(EndedWithoutReason);
                rows
            }
            Self::DisabilityOfficers => vec![SupportedHousingVisitedByOfficer, OfficerVisits],
            Self::InformationGiven => {
                vec![
                    InformedAll,
                    InformedContact,
                    InformedComplaints,
                    InformedRights,
                ]
            }
        }
    }
}

/// Whether an ending counts among the endings the report follows.
fn followed(ending: &EndingFact) -> bool {
    ending.kind == EndKind::Unplanned || ending.replacement
}

impl Measure {
    /// Every measure, table by table.
    pub fn all() -> Vec<Self> {
        TableId::ALL
            .into_iter()
            .flat_map(TableId::measures)
            .collect()
    }

    /// A stable name for URLs and CSV files ("ended_because:childs_wish").
    pub fn key(self) -> String {
        let plain = |m: &str| m.to_owned();
        match self {
            Self::EndedBecause(reason) => format!("ended_because:{}", reason.as_str()),
            other => serde_json::to_value(other)
                .ok()
                .and_then(|v| v.get("measure").and_then(|m| m.as_str()).map(plain))
                .unwrap_or_default(),
        }
    }

    pub fn parse_key(key: &str) -> Option<Self> {
        Self::all().into_iter().find(|m| m.key() == key)
    }

    pub fn label_sv(self) -> String {
        let text = match self {
            Self::FirstVisitInTime => "Nya placeringar med besök inom 7 dagar",
            Self::VisitedEveryThirdMonth => "Barn besökta minst var tredje månad hela perioden",
            Self::VisitsPerChild => "Besök per barn",
            Self::VisitsByConsultants => "Besök gjorda av konsulter",
            Self::TalkedAlone => "Besök med enskilt samtal",
            Self::ViewDocumented => "Besök där barnets synpunkter är dokumenterade",
            Self::ReasonWithoutView => "Besök utan synpunkter men med skäl angivet",
            Self::NeitherViewNorReason => "Besök utan synpunkter och utan skäl",
            Self::NotVisited => "Barn utan besök",
            Self::OneVisitor => "Barn som träffat 1 socialsekreterare",
            Self::TwoVisitors => "Barn som träffat 2 socialsekreterare",
            Self::ThreeOrMoreVisitors => "Barn som träffat 3 eller fler socialsekreterare",
            Self::WorkerChanges => "Byten av ansvarig socialsekreterare",
            Self::UnplannedEndings => "Oplanerade avslut",
            Self::Replacements => "Omplaceringar",
            Self::EndedBecause(reason) => return format!("Skäl: {}", reason.label_sv()),
            Self::EndedWithoutReason => "Skäl: inte angivet",
            Self::SupportedHousingVisitedByOfficer => {
                "Barn i stödboende besökta av funktionshandläggare"
            }
            Self::OfficerVisits => "Funktionshandläggares besök i stödboende",
            Self::InformedAll => "Barn som fått all skriftlig information",
            Self::InformedContact => "… socialsekreterarens kontaktuppgifter",
            Self::InformedComplaints => "… hur man klagar",
            Self::InformedRights => "… sina rättigheter",
        };
        text.to_owned()
    }

    /// This measure for one child.
    pub fn of(self, child: &ChildFacts) -> Value {
        let share = |numerator: u32, denominator: u32| Value::Share {
            numerator,
            denominator,
        };
        let yes = |b: bool| share(u32::from(b), 1);
        let visitors = |n: u32| yes(child.distinct_visitors == n);
        let endings = |keep: &dyn Fn(&EndingFact) -> bool| {
            Value::Count(child.endings.iter().filter(|e| keep(e)).count() as u32)
        };
        let informed = |b: bool| yes(b);
        match self {
            Self::FirstVisitInTime => {
                share(child.new_placements_visited_in_time, child.new_placements)
            }
            Self::VisitedEveryThirdMonth => yes(child.broken_intervals == 0),
            Self::VisitsPerChild => Value::Average {
                sum: child.visits,
                count: 1,
            },
            Self::VisitsByConsultants => share(child.visits_by_consultant, child.visits),
            Self::TalkedAlone => share(child.visits_alone, child.visits),
            Self::ViewDocumented => share(child.visits_with_view, child.visits),
            Self::ReasonWithoutView => share(child.visits_reason_without_view, child.visits),
            Self::NeitherViewNorReason => share(
                child
                    .visits
                    .saturating_sub(child.visits_with_view + child.visits_reason_without_view),
                child.visits,
            ),
            Self::NotVisited => yes(child.visits == 0),
            Self::OneVisitor => visitors(1),
            Self::TwoVisitors => visitors(2),
            Self::ThreeOrMoreVisitors => yes(child.distinct_visitors >= 3),
            Self::WorkerChanges => Value::Count(child.worker_changes),
            Self::UnplannedEndings => endings(&|e| e.kind == EndKind::Unplanned),
            Self::Replacements => endings(&|e| e.replacement),
            Self::EndedBecause(reason) => endings(&|e| followed(e) && e.reason == Some(reason)),
            Self::EndedWithoutReason => endings(&|e| followed(e) && e.reason.is_none()),
            Self::SupportedHousingVisitedByOfficer => {
                if child.in_supported_housing {
                    yes(child.disability_officer_visits > 0)
                } else {
                    share(0, 0)
                }
            }
            Self::OfficerVisits => Value::Count(if child.in_supported_housing {
                child.disability_officer_visits
            } else {
                0
            }),
            Self::InformedAll => informed(child.informed.all()),
            Self::InformedContact => informed(child.informed.contact),
            Self::InformedComplaints => informed(child.informed.complaints),
            Self::InformedRights => informed(child.informed.rights),
        }
    }
}

/// A figure in a table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Value {
    /// `numerator` of `denominator` (children, visits or placements).
    Share { numerator: u32, denominator: u32 },
    /// A mean: `sum` over `count` children.
    Average { sum: u32, count: u32 },
    /// `{"type": "count", "count": 3}`: an internally tagged variant cannot
    /// hold a bare number, so the number goes in a field.
    Count(#[serde(with = "count_field")] u32),
}

mod count_field {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Serialize, Deserialize)]
    struct Count {
        count: u32,
    }

    pub fn serialize<S: Serializer>(count: &u32, serializer: S) -> Result<S::Ok, S::Error> {
        Count { count: *count }.serialize(serializer)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u32, D::Error> {
        Ok(Count::deserialize(deserializer)?.count)
    }
}

impl Value {
    fn zero_like(self) -> Self {
        match self {
            Self::Share { .. } => Self::Share {
                numerator: 0,
                denominator: 0,
            },
            Self::Average { .. } => Self::Average { sum: 0, count: 0 },
            Self::Count(_) => Self::Count(0),
        }
    }

    fn add(self, other: Self) -> Self {
        match (self, other) {
            (
                Self::Share {
                    numerator: a,
                    denominator: b,
                },
                Self::Share {
                    numerator: c,
                    denominator: d,
                },
            ) => Self::Share {
                numerator: a + c,
                denominator: b + d,
            },
            (Self::Average { sum: a, count: b }, Self::Average { sum: c, count: d }) => {
                Self::Average {
                    sum: a + c,
                    count: b + d,
                }
            }
            (Self::Count(a), Self::Count(b)) => Self::Count(a + b),
            (mine, _) => mine,
        }
    }

    /// Whether the child adds anything to the figure (drill-down lists
    /// those).
    pub fn concerns(self) -> bool {
        match self {
            Self::Share { denominator, .. } => denominator > 0,
            Self::Average { count, .. } => count > 0,
            Self::Count(n) => n > 0,
        }
    }

    /// The share in per cent, or the mean; `None` with nothing to divide.
    pub fn ratio(self) -> Option<f64> {
        match self {
            Self::Share {
                numerator,
                denominator,
            } if denominator > 0 => Some(100.0 * f64::from(numerator) / f64::from(denominator)),
            Self::Average { sum, count } if count > 0 => Some(f64::from(sum) / f64::from(count)),
            _ => None,
        }
    }

    /// As shown on screen: "12 av 20 (60 %)", "2,4", "7".
    pub fn display_sv(self) -> String {
        match self {
            Self::Share {
                numerator,
                denominator,
            } => match self.ratio() {
                // No break inside "(60 %)" in a narrow column.
                Some(pct) => format!("{numerator} av {denominator} ({}\u{a0}%)", pct.round()),
                None => "–".to_owned(),
            },
            Self::Average { .. } => match self.ratio() {
                Some(mean) => decimal_sv(mean),
                None => "–".to_owned(),
            },
            Self::Count(n) => n.to_string(),
        }
    }

    /// As exported: every count under [`SMALLEST_SHOWN_COUNT`] is "<5", and a
    /// share whose part or remainder is that small shows no per cent, which
    /// would give the hidden count away.
    pub fn display_export(self) -> String {
        let shown = |n: u32| {
            if n < SMALLEST_SHOWN_COUNT {
                format!("<{SMALLEST_SHOWN_COUNT}")
            } else {
                n.to_string()
            }
        };
        match self {
            Self::Share {
                numerator,
                denominator,
            } => {
                let small = [
                    numerator,
                    denominator,
                    denominator.saturating_sub(numerator),
                ]
                .iter()
                .any(|n| *n < SMALLEST_SHOWN_COUNT);
                match (small, self.ratio()) {
                    (false, Some(pct)) => {
                        format!("{numerator} av {denominator} ({} %)", pct.round())
                    }
                    _ => format!("{} av {}", shown(numerator), shown(denominator)),
                }
            }
            Self::Average { count, .. } if count < SMALLEST_SHOWN_COUNT => {
                format!("– (<{SMALLEST_SHOWN_COUNT} barn)")
            }
            Self::Average { .. } => self.display_sv(),
            Self::Count(n) => shown(n),
        }
    }
}

/// "2,4": one decimal, Swedish decimal comma.
pub fn decimal_sv(value: f64) -> String {
    format!("{value:.1}").replace('.', ",")
}

/// A column of a report: one group.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    /// The group's key: a user or unit id, a placement kind, a sex or an
    /// age group as the API names them, or [`NO_GROUP`].
    pub key: String,
    pub label: String,
    /// A consultant's column (grouping by worker): shown apart, in the Total.
    pub consultant: bool,
}

/// The key of the column for children without a worker or a unit.
pub const NO_GROUP: &str = "none";

/// The figures of one measure: one cell per column, then the Total.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableRow {
    pub measure: Measure,
    pub label: String,
    pub cells: Vec<Cell>,
    pub total: Cell,
}

/// A figure for this period beside the previous one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cell {
    pub now: Value,
    pub previous: Value,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Table {
    pub id: TableId,
    pub title: String,
    pub rows: Vec<TableRow>,
}

/// The columns a child falls in under `group_by` (a child with two
/// responsible workers in both).
pub fn groups_of(child: &ChildFacts, group_by: GroupBy) -> Vec<Column> {
    let plain = |key: &str, label: &str| Column {
        key: key.to_owned(),
        label: label.to_owned(),
        consultant: false,
    };
    match group_by {
        GroupBy::Worker if child.workers.is_empty() => {
            vec![plain(NO_GROUP, "Ingen ansvarig socialsekreterare")]
        }
        GroupBy::Worker => child
            .workers
            .iter()
            .map(|w| Column {
                key: w.id.to_string(),
                label: w.name.clone(),
                consultant: w.is_consultant(),
            })
            .collect(),
        GroupBy::Unit => vec![match &child.unit {
            Some(unit) => plain(&unit.id.to_string(), &unit.name),
            None => plain(NO_GROUP, "Ingen enhet"),
        }],
        GroupBy::PlacementKind => {
            let key = serde_json::to_value(child.placement_kind)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            vec![plain(&key, child.placement_kind.label_sv())]
        }
        GroupBy::Sex => vec![plain(child.sex.as_str(), child.sex.label_sv())],
        GroupBy::AgeGroup => vec![plain(child.age_group.as_str(), child.age_group.label_sv())],
    }
}

/// The order columns are shown in: employees before consultants, then by
/// the grouping's natural order (sex, age, kind) or by label.
fn column_order(group_by: GroupBy, column: &Column) -> (bool, usize, String) {
    let natural = match group_by {
        GroupBy::Sex => Sex::ALL.iter().position(|s| s.as_str() == column.key),
        GroupBy::AgeGroup => AgeGroup::ALL.iter().position(|a| a.as_str() == column.key),
        GroupBy::PlacementKind => PlacementKind::ALL
            .iter()
            .position(|k| k.label_sv() == column.label),
        GroupBy::Worker | GroupBy::Unit => None,
    };
    let last_if_none = usize::from(column.key == NO_GROUP);
    (
        column.consultant,
        natural.unwrap_or(last_if_none),
        column.label.clone(),
    )
}

/// The columns of a report: every group either period has, in order. With
/// the sexes and age groups every one is a column, so a table always has
/// the same shape.
pub fn columns(group_by: GroupBy, now: &[ChildFacts], previous: &[ChildFacts]) -> Vec<Column> {
    let mut seen: BTreeMap<String, Column> = BTreeMap::new();
    let fixed: Vec<Column> = match group_by {
        GroupBy::Sex => Sex::ALL
            .iter()
            .map(|s| Column {
                key: s.as_str().to_owned(),
                label: s.label_sv().to_owned(),
                consultant: false,
            })
            .collect(),
        GroupBy::AgeGroup => AgeGroup::ALL
            .iter()
            .map(|a| Column {
                key: a.as_str().to_owned(),
                label: a.label_sv().to_owned(),
                consultant: false,
            })
            .collect(),
        _ => Vec::new(),
    };
    for column in fixed.into_iter().chain(
        now.iter()
            .chain(previous)
            .flat_map(|c| groups_of(c, group_by)),
    ) {
        seen.entry(column.key.clone()).or_insert(column);
    }
    let mut columns: Vec<Column> = seen.into_values().collect();
    columns.sort_by_key(|c| column_order(group_by, c));
    columns
}

fn empty_facts() -> ChildFacts {
    ChildFacts {
        child_id: ChildId::from_uuid(uuid::Uuid::nil()),
        sex: Sex::NotRecorded,
        age_group: AgeGroup::From0To6,
        unit: None,
        placement_kind: PlacementKind::FosterHome,
        workers: Vec::new(),
        new_placements: 0,
        new_placements_visited_in_time: 0,
        broken_intervals: 0,
        visits: 0,
        visits_by_consultant: 0,
        visits_alone: 0,
        visits_with_view: 0,
        visits_reason_without_view: 0,
        distinct_visitors: 0,
        worker_changes: 0,
        endings: Vec::new(),
        in_supported_housing: false,
        disability_officer_visits: 0,
        informed: Informed::default(),
    }
}

/// The children of `facts` in the column `key` (all of them for `None`, the
/// Total).
pub fn in_column<'a>(
    facts: &'a [ChildFacts],
    group_by: GroupBy,
    key: Option<&str>,
) -> Vec<&'a ChildFacts> {
    facts
        .iter()
        .filter(|c| key.is_none_or(|k| groups_of(c, group_by).iter().any(|g| g.key == k)))
        .collect()
}

/// Every measure summed per column and over all children, in the order
/// of [`Measure::all`].
struct ColumnSums {
    columns: Vec<Vec<Value>>,
    total: Vec<Value>,
}

/// One pass over the children: each child's figures are worked out once
/// and added to each of its columns (once per column) and to the Total.
fn column_sums(
    group_by: GroupBy,
    facts: &[ChildFacts],
    measures: &[Measure],
    columns: &[Column],
) -> ColumnSums {
    let index: BTreeMap<&str, usize> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| (c.key.as_str(), i))
        .collect();
    let empty = empty_facts();
    let zeros: Vec<Value> = measures.iter().map(|m| m.of(&empty).zero_like()).collect();
    let mut sums = ColumnSums {
        columns: vec![zeros.clone(); columns.len()],
        total: zeros,
    };
    let add = |into: &mut Vec<Value>, values: &[Value]| {
        for (sum, value) in into.iter_mut().zip(values) {
            *sum = sum.add(*value);
        }
    };
    for child in facts {
        let values: Vec<Value> = measures.iter().map(|m| m.of(child)).collect();
        let keys: std::collections::BTreeSet<String> = groups_of(child, group_by)
            .into_iter()
            .map(|g| g.key)
            .collect();
        for key in &keys {
            if let Some(&i) = index.get(key.as_str()) {
                add(&mut sums.columns[i], &values);
            }
        }
        add(&mut sums.total, &values);
    }
    sums
}

/// Every table, grouped by `group_by`, this period beside the previous one.
pub fn build_tables(
    group_by: GroupBy,
    now: &[ChildFacts],
    previous: &[ChildFacts],
) -> (Vec<Column>, Vec<Table>) {
    let columns = columns(group_by, now, previous);
    let measures = Measure::all();
    let now_sums = column_sums(group_by, now, &measures, &columns);
    let previous_sums = column_sums(group_by, previous, &measures, &columns);
    let cell = |sums: (&ColumnSums, &ColumnSums), m: usize, column: Option<usize>| {
        let pick = |s: &ColumnSums| match column {
            Some(c) => s.columns[c][m],
            None => s.total[m],
        };
        Cell {
            now: pick(sums.0),
            previous: pick(sums.1),
        }
    };
    let mut next_measure = 0;
    let tables = TableId::ALL
        .into_iter()
        .map(|id| Table {
            id,
            title: id.title_sv().to_owned(),
            rows: id
                .measures()
                .into_iter()
                .map(|measure| {
                    let m = next_measure;
                    next_measure += 1;
                    debug_assert_eq!(measures[m], measure);
                    let sums = (&now_sums, &previous_sums);
                    TableRow {
                        measure,
                        label: measure.label_sv(),
                        cells: (0..columns.len()).map(|c| cell(sums, m, Some(c))).collect(),
                        total: cell(sums, m, None),
                    }
                })
                .collect(),
        })
        .collect();
    (columns, tables)
}

/// Visits in one calendar month (the chart "besök per månad").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonthlyVisits {
    /// The month's first day.
    pub month: NaiveDate,
    pub visits: u32,
    pub talked_alone: u32,
}

/// What is overdue or needs a decision now, on the report's day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum OverdueKind {
    /// A visit was due on `due` and is not made.
    Visit { due: NaiveDate },
    /// The placement runs on a decision that ended on `until`.
    DecisionExpired { until: NaiveDate },
    /// The decision ends on `until`, within 30 days.
    DecisionEnding { until: NaiveDate },
    /// The six-monthly consideration (övervägande) was due on `due`.
    ConsiderationDue { due: NaiveDate },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OverdueRow {
    pub child_id: ChildId,
    pub child_name: String,
    pub placement_id: PlacementId,
    pub what: OverdueKind,
    /// Days past the date; negative while an ending decision still runs.
    pub days_overdue: i64,
    pub workers: Vec<WorkerRef>,
}

/// A due date in the period that passed without a visit by then.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrokenInterval {
    pub child_id: ChildId,
    pub child_name: String,
    pub placement_id: PlacementId,
    /// The placement's start (first visit) or the previous visit.
    pub since: NaiveDate,
    pub first_visit: bool,
    pub due: NaiveDate,
    /// The visit that came late, if one has come.
    pub visited: Option<NaiveDate>,
    /// Days past `due` until the visit, or until the period's end.
    pub days_late: i64,
    pub workers: Vec<WorkerRef>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndingRow {
    pub child_id: ChildId,
    pub child_name: String,
    pub placement_id: PlacementId,
    pub end_date: NaiveDate,
    pub ending: EndingFact,
    pub workers: Vec<WorkerRef>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContinuityRow {
    pub child_id: ChildId,
    pub child_name: String,
    pub distinct_visitors: u32,
    pub worker_changes: u32,
}

/// `GET /api/v1/selfcheck`: the whole report for the caller's units (or the
/// one asked for). The lists name children; the tables never do.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SelfCheckReport {
    pub period: Period,
    pub previous: Period,
    pub group_by: GroupBy,
    /// The units the report covers.
    pub units: Vec<UnitSummary>,
    /// The server's day the report was computed for ("overdue now").
    pub today: NaiveDate,
    pub generated_at: DateTime<Utc>,
    pub children: u32,
    pub columns: Vec<Column>,
    pub tables: Vec<Table>,
    /// Every month of the period and of the previous one, oldest first.
    pub visits_per_month: Vec<MonthlyVisits>,
    pub overdue: Vec<OverdueRow>,
    pub broken_intervals: Vec<BrokenInterval>,
    /// The [`MOST_CHANGES_LISTED`] children with the most different visitors
    /// and changes of worker.
    pub most_changes: Vec<ContinuityRow>,
    pub endings: Vec<EndingRow>,
}

/// One child behind a figure (`GET /api/v1/selfcheck/children`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrillRow {
    pub child_id: ChildId,
    pub child_name: String,
    /// The child's share of the figure: 1 of 1 when the child meets a
    /// child-level measure, 0 of 1 when not; visits for a visit-level one.
    pub value: Value,
    pub workers: Vec<WorkerRef>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrillDown {
    pub period: Period,
    pub measure: Measure,
    pub group_by: GroupBy,
    /// `None`: the Total.
    pub group: Option<String>,
    pub children: Vec<DrillRow>,
}

/// The children behind one cell, with each one's part of it.
pub fn children_behind(
    measure: Measure,
    facts: &[ChildFacts],
    group_by: GroupBy,
    group: Option<&str>,
) -> Vec<(ChildId, Value)> {
    in_column(facts, group_by, group)
        .into_iter()
        .map(|c| (c.child_id, measure.of(c)))
        .filter(|(_, v)| v.concerns())
        .collect()
}

/// One table as CSV (semicolon-separated, as Swedish spreadsheets read it):
/// aggregates only, counts under 5 as "<5", no names but the columns'.
/// Worker columns are named by the worker, as the city's reports do.
pub fn table_csv(report: &SelfCheckReport, table: &Table) -> String {
    let quote = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let mut header = vec![quote(table.title.as_str())];
    for column in &report.columns {
        header.push(quote(&format!(
            "{} {}",
            column.label,
            period_label(&report.period)
        )));
        header.push(quote(&format!(
            "{} {}",
            column.label,
            period_label(&report.previous)
        )));
    }
    header.push(quote(&format!("Totalt {}", period_label(&report.period))));
    header.push(quote(&format!("Totalt {}", period_label(&report.previous))));
    let mut lines = vec![header.join(";")];
    for row in &table.rows {
        let mut line = vec![quote(&row.label)];
        for cell in row.cells.iter().chain(std::iter::once(&row.total)) {
            line.push(quote(&cell.now.display_export()));
            line.push(quote(&cell.previous.display_export()));
        }
        lines.push(line.join(";"));
    }
    let mut csv = lines.join("\r\n");
    csv.push_str("\r\n");
    csv
}

/// "2026-07-01–2026-09-30".
pub fn period_label(period: &Period) -> String {
    format!("{}–{}", period.from, period.to)
}

/// The longest agreed-actions note.
pub const MAX_AGREED_ACTIONS_CHARS: usize = 10_000;

/// One monthly case review (ärendegenomgång) a team leader held with a
/// social worker: dated, with the actions agreed. Saved once; a later
/// review is a new one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseReview {
    pub id: crate::ids::CaseReviewId,
    pub worker_id: UserId,
    pub review_date: NaiveDate,
    pub agreed_actions: crate::VisitNote,
    pub held_by: UserId,
    pub held_by_name: String,
    pub recorded_at: DateTime<Utc>,
}

/// `POST /api/v1/selfcheck/reviews`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseReviewRequest {
    pub id: crate::ids::CaseReviewId,
    pub worker_id: UserId,
    pub review_date: NaiveDate,
    pub agreed_actions: crate::VisitNote,
}

/// A visit without the child's view written down.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitWithoutView {
    pub child_id: ChildId,
    pub child_name: String,
    pub visit_id: VisitId,
    pub visit_date: NaiveDate,
    pub talked_alone: bool,
    /// Why not alone, when given (the reason the view may be missing).
    pub not_alone_reason: Option<crate::NotAloneReason>,
}

/// One of the worker's children, as the review lists them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewChild {
    pub child_id: ChildId,
    pub child_name: String,
    pub placement_kind: Option<PlacementKind>,
    pub last_visit: Option<NaiveDate>,
    pub next_visit_due: Option<NaiveDate>,
}

/// `GET /api/v1/selfcheck/review/{worker_id}`: what a team leader goes
/// through with one social worker.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseReviewView {
    pub worker: WorkerRef,
    pub today: NaiveDate,
    pub children: Vec<ReviewChild>,
    /// Visits overdue now.
    pub overdue: Vec<OverdueRow>,
    /// Decisions expired or ending, considerations due.
    pub decisions: Vec<OverdueRow>,
    /// Since [`CaseReviewView::since`].
    pub visits_without_view: Vec<VisitWithoutView>,
    /// The last review's date, or three months back without one.
    pub since: NaiveDate,
    /// Earlier reviews with this worker, newest first.
    pub reviews: Vec<CaseReview>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::UnitId;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn period(from: &str, to: &str) -> Period {
        Period::parse(day(from), day(to)).unwrap()
    }

    fn worker(n: u128, name: &str, role: Role) -> WorkerRef {
        WorkerRef {
            id: UserId::from_uuid(uuid::Uuid::from_u128(n)),
            name: name.to_owned(),
            role,
        }
    }

    fn child(n: u128, sex: Sex, workers: Vec<WorkerRef>) -> ChildFacts {
        ChildFacts {
            child_id: ChildId::from_uuid(uuid::Uuid::from_u128(n)),
            sex,
            workers,
            ..empty_facts()
        }
    }

    #[test]
    fn the_offered_periods_are_whole_calendar_months_before_today() {
        let today = day("2026-12-04");
        assert_eq!(
            Period::last_month(today),
            period("2026-11-01", "2026-11-30")
        );
        assert_eq!(
            Period::last_quarter(today),
            period("2026-07-01", "2026-09-30")
        );
        assert_eq!(
            Period::last_12_months(today),
            period("2025-12-01", "2026-11-30")
        );
        // In January the last month and quarter are in the year before.
        let january = day("2027-01-15");
        assert_eq!(
            Period::last_month(january),
            period("2026-12-01", "2026-12-31")
        );
        assert_eq!(
            Period::last_quarter(january),
            period("2026-10-01", "2026-12-31")
        );
        // On a quarter's first day, the quarter just ended.
        assert_eq!(
            Period::last_quarter(day("2026-04-01")),
            period("2026-01-01", "2026-03-31")
        );
        assert_eq!(PeriodChoice::Custom.period(today), None);
        assert_eq!(
            PeriodChoice::parse("last_quarter").and_then(|c| c.period(today)),
            Some(period("2026-07-01", "2026-09-30"))
        );
    }

    #[test]
    fn the_previous_period_is_the_same_months_or_days_just_before() {
        assert_eq!(
            period("2026-07-01", "2026-09-30").previous(),
            period("2026-04-01", "2026-06-30")
        );
        assert_eq!(
            period("2026-03-01", "2026-03-31").previous(),
            period("2026-02-01", "2026-02-28")
        );
        assert_eq!(
            period("2025-12-01", "2026-11-30").previous(),
            period("2024-12-01", "2025-11-30")
        );
        // Not whole months: the same number of days.
        let custom = period("2026-03-10", "2026-03-19");
        assert_eq!(custom.previous(), period("2026-02-28", "2026-03-09"));
        assert_eq!(custom.previous().days(), custom.days());
    }

    #[test]
    fn a_period_must_run_forwards_and_not_too_long() {
        assert_eq!(
            Period::parse(day("2026-02-02"), day("2026-02-01")),
            Err(PeriodError::EndsBeforeStart)
        );
        assert!(Period::parse(day("2026-02-01"), day("2026-02-01")).is_ok());
        let from = day("2023-01-01");
        let longest = from + Days::new(MAX_PERIOD_DAYS as u64 - 1);
        assert!(Period::parse(from, longest).is_ok());
        assert_eq!(
            Period::parse(from, longest + Days::new(1)),
            Err(PeriodError::TooLong)
        );
        assert_eq!(
            period("2026-11-15", "2027-01-02").months(),
            vec![day("2026-11-01"), day("2026-12-01"), day("2027-01-01")]
        );
    }

    #[test]
    fn age_groups_turn_on_the_birthday() {
        let on = day("2026-09-30");
        assert_eq!(AgeGroup::of(day("2019-09-30"), on), AgeGroup::From7To12);
        assert_eq!(AgeGroup::of(day("2019-10-01"), on), AgeGroup::From0To6);
        assert_eq!(AgeGroup::of(day("2013-10-01"), on), AgeGroup::From7To12);
        assert_eq!(AgeGroup::of(day("2013-09-30"), on), AgeGroup::From13To17);
        assert_eq!(AgeGroup::of(day("2008-09-30"), on), AgeGroup::From18);
    }

    #[test]
    fn every_measure_has_a_key_that_reads_back() {
        let all = Measure::all();
        assert_eq!(all.len(), 23 + EndReason::ALL.len() - 1);
        for measure in all {
            let key = measure.key();
            assert!(!key.is_empty());
            assert_eq!(Measure::parse_key(&key), Some(measure), "{key}");
        }
        assert_eq!(
            Measure::EndedBecause(EndReason::ChildsWish).key(),
            "ended_because:childs_wish"
        );
        assert_eq!(
            Measure::parse_key("talked_alone"),
            Some(Measure::TalkedAlone)
        );
        assert_eq!(Measure::parse_key("ended_because:nonsense"), None);
    }

    #[test]
    fn totals_count_each_child_once_and_workers_columns_hold_their_children() {
        let anna = worker(1, "Anna Lind", Role::SocialWorker);
        let karin = worker(2, "Karin Ek", Role::SocialWorker);
        let konsult = worker(3, "Bo Konsult", Role::Consultant);
        let mut shared_child = child(10, Sex::Girl, vec![anna, karin]);
        shared_child.visits = 4;
        shared_child.visits_alone = 3;
        let mut late = child(11, Sex::Boy, vec![konsult]);
        late.visits = 1;
        late.visits_alone = 0;
        late.broken_intervals = 1;
        let unassigned = child(12, Sex::NotRecorded, vec![]);
        let now = vec![shared_child, late, unassigned];

        let (columns, tables) = build_tables(GroupBy::Worker, &now, &[]);
        let keys: Vec<&str> = columns.iter().map(|c| c.label.as_str()).collect();
        // Employees by name, then no worker, then consultants apart.
        assert_eq!(
            keys,
            [
                "Anna Lind",
                "Karin Ek",
                "Ingen ansvarig socialsekreterare",
                "Bo Konsult"
            ]
        );
        assert!(columns[3].consultant);
        let row = |measure: Measure| {
            tables
                .iter()
                .flat_map(|t| &t.rows)
                .find(|r| r.measure == measure)
                .unwrap()
                .clone()
        };
        let alone = row(Measure::TalkedAlone);
        let share = |numerator, denominator| Value::Share {
            numerator,
            denominator,
        };
        assert_eq!(alone.cells[0].now, share(3, 4));
        assert_eq!(alone.cells[1].now, share(3, 4));
        assert_eq!(alone.cells[3].now, share(0, 1));
        // The child both Anna and Karin hold is in the Total once.
        assert_eq!(alone.total.now, share(3, 5));
        assert_eq!(row(Measure::VisitedEveryThirdMonth).total.now, share(2, 3));
        assert_eq!(
            row(Measure::VisitsPerChild).total.now,
            Value::Average { sum: 5, count: 3 }
        );
        assert_eq!(row(Measure::NotVisited).total.now, share(1, 3));
        // Nothing in the previous period: empty figures, not missing ones.
        assert_eq!(alone.total.previous, share(0, 0));
    }

    #[test]
    fn every_sex_is_a_column_and_the_previous_period_sits_beside_this_one() {
        let mut girl = child(1, Sex::Girl, vec![]);
        girl.visits = 2;
        girl.visits_with_view = 1;
        let mut unknown = child(2, Sex::NotRecorded, vec![]);
        unknown.visits = 1;
        unknown.visits_reason_without_view = 1;
        let mut earlier = child(1, Sex::Girl, vec![]);
        earlier.visits = 1;
        earlier.visits_with_view = 1;
        let (columns, tables) = build_tables(
            GroupBy::Sex,
            &[girl, unknown],
            std::slice::from_ref(&earlier),
        );
        let labels: Vec<&str> = columns.iter().map(|c| c.key.as_str()).collect();
        assert_eq!(labels, Sex::ALL.map(Sex::as_str));
        let heard = &tables[1];
        assert_eq!(heard.id, TableId::ChildHeard);
        let view = heard
            .rows
            .iter()
            .find(|r| r.measure == Measure::ViewDocumented)
            .unwrap();
        let girls = &view.cells[0];
        assert_eq!(
            (girls.now, girls.previous),
            (
                Value::Share {
                    numerator: 1,
                    denominator: 2
                },
                Value::Share {
                    numerator: 1,
                    denominator: 1
                }
            )
        );
        let neither = heard
            .rows
            .iter()
            .find(|r| r.measure == Measure::NeitherViewNorReason)
            .unwrap();
        assert_eq!(
            neither.total.now,
            Value::Share {
                numerator: 1,
                denominator: 3
            }
        );
        // A boy column with no boys: nothing to divide.
        assert_eq!(view.cells[1].now.display_sv(), "–");
    }

    #[test]
    fn endings_count_unplanned_ones_and_replacements_by_reason() {
        let mut c = child(1, Sex::Boy, vec![]);
        c.endings = vec![
            EndingFact {
                kind: EndKind::Unplanned,
                replacement: true,
                reason: Some(EndReason::NeedsNotMet),
            },
            EndingFact {
                kind: EndKind::Planned,
                replacement: false,
                reason: None,
            },
            EndingFact {
                kind: EndKind::Planned,
                replacement: true,
                reason: None,
            },
        ];
        assert_eq!(Measure::UnplannedEndings.of(&c), Value::Count(1));
        assert_eq!(Measure::Replacements.of(&c), Value::Count(2));
        assert_eq!(
            Measure::EndedBecause(EndReason::NeedsNotMet).of(&c),
            Value::Count(1)
        );
        // The planned ending that was no re-placement is not followed.
        assert_eq!(Measure::EndedWithoutReason.of(&c), Value::Count(1));
    }

    #[test]
    fn officers_visits_count_only_for_children_in_supported_housing() {
        let mut home = child(1, Sex::Girl, vec![]);
        home.disability_officer_visits = 2;
        let mut supported = child(2, Sex::Boy, vec![]);
        supported.in_supported_housing = true;
        assert_eq!(
            Measure::SupportedHousingVisitedByOfficer.of(&home),
            Value::Share {
                numerator: 0,
                denominator: 0
            }
        );
        assert_eq!(Measure::OfficerVisits.of(&home), Value::Count(0));
        assert_eq!(
            Measure::SupportedHousingVisitedByOfficer.of(&supported),
            Value::Share {
                numerator: 0,
                denominator: 1
            }
        );
        let informed = Informed {
            contact: true,
            complaints: true,
            rights: false,
        };
        supported.informed = informed;
        assert_eq!(
            Measure::InformedAll.of(&supported),
            Value::Share {
                numerator: 0,
                denominator: 1
            }
        );
        assert_eq!(
            Measure::InformedComplaints.of(&supported),
            Value::Share {
                numerator: 1,
                denominator: 1
            }
        );
    }

    #[test]
    fn exports_hide_counts_under_five_and_the_per_cent_that_would_reveal_them() {
        let share = |numerator, denominator| Value::Share {
            numerator,
            denominator,
        };
        assert_eq!(share(12, 20).display_export(), "12 av 20 (60 %)");
        assert_eq!(share(3, 20).display_export(), "<5 av 20");
        // 17 of 20 leaves 3 who did not: the per cent would tell.
        assert_eq!(share(17, 20).display_export(), "17 av 20");
        assert_eq!(share(0, 4).display_export(), "<5 av <5");
        assert_eq!(Value::Count(4).display_export(), "<5");
        assert_eq!(Value::Count(0).display_export(), "<5");
        assert_eq!(Value::Count(5).display_export(), "5");
        assert_eq!(
            Value::Average { sum: 9, count: 4 }.display_export(),
            "– (<5 barn)"
        );
        assert_eq!(Value::Average { sum: 12, count: 5 }.display_export(), "2,4");
        assert_eq!(share(12, 20).display_sv(), "12 av 20 (60\u{a0}%)");
        assert_eq!(Value::Count(3).display_sv(), "3");
    }

    #[test]
    fn a_csv_table_holds_figures_and_group_labels_never_children() {
        let mut girl = child(
            1,
            Sex::Girl,
            vec![worker(9, "Anna Lind", Role::SocialWorker)],
        );
        girl.visits = 7;
        girl.visits_alone = 6;
        let now = vec![girl];
        let (columns, tables) = build_tables(GroupBy::Sex, &now, &[]);
        let report = SelfCheckReport {
            period: period("2026-07-01", "2026-09-30"),
            previous: period("2026-04-01", "2026-06-30"),
            group_by: GroupBy::Sex,
            units: vec![UnitSummary {
                id: UnitId::from_uuid(uuid::Uuid::from_u128(5)),
                name: "Familjehemsenheten".to_owned(),
            }],
            today: day("2026-12-04"),
            generated_at: DateTime::<Utc>::default(),
            children: 1,
            columns,
            tables,
            visits_per_month: Vec::new(),
            overdue: Vec::new(),
            broken_intervals: Vec::new(),
            most_changes: Vec::new(),
            endings: Vec::new(),
        };
        let heard = &report.tables[1];
        let csv = table_csv(&report, heard);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 1 + heard.rows.len());
        assert!(lines[0].starts_with("\"Barnets röst\";\"Flicka 2026-07-01–2026-09-30\""));
        assert!(lines[0].ends_with("\"Totalt 2026-04-01–2026-06-30\""));
        // 6 of 7 leaves 1: no per cent.
        assert!(lines[1].starts_with("\"Besök med enskilt samtal\";\"6 av 7\";\"<5 av <5\""));
        assert!(!csv.contains("Lind"));
        let cells = 1 + 2 * (report.columns.len() + 1);
        assert!(lines.iter().all(|l| l.split(';').count() == cells));
    }

    #[test]
    fn the_children_behind_a_figure_are_those_it_counts() {
        let mut visited = child(1, Sex::Girl, vec![]);
        visited.visits = 2;
        visited.visits_alone = 1;
        let not_visited = child(2, Sex::Girl, vec![]);
        let boy = child(3, Sex::Boy, vec![]);
        let facts = vec![visited, not_visited, boy];
        let behind = children_behind(Measure::TalkedAlone, &facts, GroupBy::Sex, Some("girl"));
        assert_eq!(
            behind,
            vec![(
                facts[0].child_id,
                Value::Share {
                    numerator: 1,
                    denominator: 2
                }
            )]
        );
        let unvisited: Vec<ChildId> =
            children_behind(Measure::NotVisited, &facts, GroupBy::Sex, None)
                .into_iter()
                .filter(|(_, v)| {
                    *v == Value::Share {
                        numerator: 1,
                        denominator: 1,
                    }
                })
                .map(|(id, _)| id)
                .collect();
        assert_eq!(unvisited, vec![facts[1].child_id, facts[2].child_id]);
    }

    #[test]
    fn every_kind_of_value_goes_through_json() {
        for value in [
            Value::Count(3),
            Value::Share {
                numerator: 1,
                denominator: 2,
            },
            Value::Average { sum: 5, count: 2 },
        ] {
            let json = serde_json::to_string(&value).expect("serialises");
            assert_eq!(
                serde_json::from_str::<Value>(&json).ok(),
                Some(value),
                "{json}"
            );
        }
        assert_eq!(
            serde_json::to_value(Value::Count(3)).expect("serialises"),
            serde_json::json!({"type": "count", "count": 3})
        );
    }

    proptest::proptest! {
        /// Each cell is the sum of its children's figures, whatever the
        /// grouping: the one-pass sums agree with summing each column's
        /// children, and a worker listed twice counts once.
        #[test]
        fn every_cell_sums_the_children_in_its_column(
            seeds in proptest::collection::vec((0u32..4, 0u32..6, 0u32..3, 0u8..4, proptest::bool::ANY), 0..40),
            group in 0usize..5,
        ) {
            let workers = [
                worker(1, "Anna Lind", Role::SocialWorker),
                worker(2, "Bo Konsult", Role::Consultant),
                worker(3, "Karin Ek", Role::SocialWorker),
            ];
            let facts: Vec<ChildFacts> = seeds
                .iter()
                .enumerate()
                .map(|(n, (sex, visits, w, age, informed))| {
                    let mut c = child(n as u128 + 1, Sex::ALL[*sex as usize], Vec::new());
                    c.visits = *visits;
                    c.visits_alone = visits / 2;
                    c.broken_intervals = visits % 2;
                    c.age_group = AgeGroup::ALL[*age as usize];
                    c.workers = match w {
                        0 => Vec::new(),
                        1 => vec![workers[0].clone(), workers[0].clone()],
                        _ => vec![workers[1].clone(), workers[2].clone()],
                    };
                    c.informed.contact = *informed;
                    c
                })
                .collect();
            let group_by = GroupBy::ALL[group];
            let (columns, tables) = build_tables(group_by, &facts, &facts[..facts.len() / 2]);
            for row in tables.iter().flat_map(|t| &t.rows) {
                let by_hand = |key: Option<&str>, of: &[ChildFacts]| {
                    in_column(of, group_by, key)
                        .into_iter()
                        .map(|c| row.measure.of(c))
                        .fold(row.measure.of(&empty_facts()).zero_like(), Value::add)
                };
                for (column, cell) in columns.iter().zip(&row.cells) {
                    proptest::prop_assert_eq!(cell.now, by_hand(Some(&column.key), &facts));
                    proptest::prop_assert_eq!(
                        cell.previous,
                        by_hand(Some(&column.key), &facts[..facts.len() / 2])
                    );
                }
                proptest::prop_assert_eq!(row.total.now, by_hand(None, &facts));
            }
        }
    }
}
