//! The managers' self-check (egenkontroll) as the app shows it: what to ask
//! the server for, how each figure and list row reads in Swedish, the report
//! kept for reading offline, and the case review's form. Plain Rust, so
//! every wording is tested natively; the pages are `ui::selfcheck`.

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, Timelike, Utc};
use serde::{Deserialize, Serialize};
use shared::selfcheck::{
    BrokenInterval, CaseReviewRequest, Cell, Column, EndingRow, GroupBy, Measure, OverdueKind,
    Period, PeriodChoice, SelfCheckReport, MAX_AGREED_ACTIONS_CHARS,
};
use shared::{CaseReviewId, UnitId, UserId, VisitNote};

/// What the manager chose on the page: the report the server is asked for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportQuery {
    pub choice: PeriodChoice,
    /// Only for [`PeriodChoice::Custom`].
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub group_by: GroupBy,
    /// One of the manager's units; `None`: all of them.
    pub unit: Option<UnitId>,
}

impl Default for ReportQuery {
    fn default() -> Self {
        Self {
            choice: PeriodChoice::LastQuarter,
            from: None,
            to: None,
            group_by: GroupBy::Worker,
            unit: None,
        }
    }
}

/// Percent-encodes a query value (keys are ids and snake_case words, but a
/// measure's key has a colon).
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

impl ReportQuery {
    /// Why the server cannot be asked yet (a custom period needs both dates,
    /// in order, and not longer than three years).
    pub fn problem(&self) -> Option<String> {
        if self.choice != PeriodChoice::Custom {
            return None;
        }
        let (Some(from), Some(to)) = (self.from, self.to) else {
            return Some("Välj både första och sista dagen för den egna perioden.".to_owned());
        };
        match Period::parse(from, to) {
            Ok(_) => None,
            Err(shared::selfcheck::PeriodError::EndsBeforeStart) => {
                Some("Perioden slutar innan den börjar.".to_owned())
            }
            Err(shared::selfcheck::PeriodError::TooLong) => {
                Some("Perioden får vara högst tre år.".to_owned())
            }
        }
    }

    fn params(&self) -> String {
        let mut query = format!(
            "period={}&group_by={}",
            self.choice.as_str(),
            self.group_by.as_str()
        );
        if self.choice == PeriodChoice::Custom {
            if let (Some(from), Some(to)) = (self.from, self.to) {
                query.push_str(&format!("&from={from}&to={to}"));
            }
        }
        if let Some(unit) = self.unit {
            query.push_str(&format!("&unit={unit}"));
        }
        query
    }

    /// `GET /api/v1/selfcheck?…`
    pub fn path(&self) -> String {
        format!("/api/v1/selfcheck?{}", self.params())
    }

    /// `GET /api/v1/selfcheck/children?…`: the children behind one figure;
    /// `group` `None` is the Total.
    pub fn drill_path(&self, measure: Measure, group: Option<&str>) -> String {
        let mut path = format!(
            "/api/v1/selfcheck/children?{}&measure={}",
            self.params(),
            encode(&measure.key())
        );
        if let Some(group) = group {
            path.push_str(&format!("&group={}", encode(group)));
        }
        path
    }
}

/// Swedish month abbreviations as in "4 dec. 2026".
const MONTHS_SV: [&str; 12] = [
    "jan.", "feb.", "mars", "apr.", "maj", "juni", "juli", "aug.", "sep.", "okt.", "nov.", "dec.",
];

/// "4 dec. 2026".
pub fn date_sv(date: NaiveDate) -> String {
    format!(
        "{} {} {}",
        date.day(),
        MONTHS_SV[date.month0() as usize],
        date.year()
    )
}

/// "4 dec. 2026 kl. 14.05", in the device's local time.
pub fn time_sv(at: NaiveDateTime) -> String {
    format!(
        "{} kl. {:02}.{:02}",
        date_sv(at.date()),
        at.hour(),
        at.minute()
    )
}

/// "2026-07-01 – 2026-09-30", the period in the report's heading.
pub fn period_sv(period: &Period) -> String {
    format!("{} – {}", date_sv(period.from), date_sv(period.to))
}

/// A report as the device keeps it, sealed, for reading offline.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KeptReport {
    pub query: ReportQuery,
    pub report: SelfCheckReport,
}

/// Said above a report read from the device: when it was computed.
/// `local` turns the server's time into the device's.
pub fn offline_note(
    generated_at: DateTime<Utc>,
    local: impl Fn(DateTime<Utc>) -> NaiveDateTime,
) -> String {
    format!(
        "Beräknad {} — visas utan nätverk",
        time_sv(local(generated_at))
    )
}

/// The figure for this period as the cell's button shows it.
pub fn cell_now(cell: &Cell) -> String {
    cell.now.display_sv()
}

/// The previous period's figure, shown under it, smaller.
pub fn cell_previous(cell: &Cell) -> String {
    format!("Förra:\u{a0}{}", cell.previous.display_sv())
}

/// What a screen reader says for a cell's button: the visible text first
/// (so the name matches what is seen), then where it stands.
pub fn cell_label(row: &str, column: &str, cell: &Cell) -> String {
    format!(
        "{} {}. {row}, {column}. Visa barnen.",
        cell_now(cell),
        cell_previous(cell)
    )
}

/// The columns in the order shown: employees, then consultants (after a
/// divider), as indexes into the report's columns.
pub fn column_groups(columns: &[Column]) -> (Vec<usize>, Vec<usize>) {
    columns
        .iter()
        .enumerate()
        .map(|(i, _)| i)
        .partition(|i| !columns[*i].consultant)
}

/// The responsible workers by name, a consultant marked.
pub fn workers_text(workers: &[shared::selfcheck::WorkerRef]) -> String {
    if workers.is_empty() {
        return "Ingen ansvarig socialsekreterare".to_owned();
    }
    workers
        .iter()
        .map(|w| {
            if w.is_consultant() {
                format!("{} (konsult)", w.name)
            } else {
                w.name.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn days(n: i64) -> String {
    if n.abs() == 1 {
        "1 dag".to_owned()
    } else {
        format!("{} dagar", n.abs())
    }
}

/// What is overdue, in words: "Besök skulle ha gjorts senast 1 nov. 2026".
pub fn overdue_what(what: &OverdueKind) -> String {
    match what {
        OverdueKind::Visit { due } => format!("Besök senast {}", date_sv(*due)),
        OverdueKind::DecisionExpired { until } => {
            format!("Beslutet gick ut {}", date_sv(*until))
        }
        OverdueKind::DecisionEnding { until } => {
            format!("Beslutet går ut {}", date_sv(*until))
        }
        OverdueKind::ConsiderationDue { due } => {
            format!("Övervägande senast {}", date_sv(*due))
        }
    }
}

/// "12 dagar försenat", or for a decision still running "om 5 dagar".
pub fn overdue_days(days_overdue: i64) -> String {
    match days_overdue {
        0 => "i dag".to_owned(),
        n if n > 0 => format!("{} försenat", days(n)),
        n => format!("om {}", days(n)),
    }
}

/// A broken interval: from what, when it was due, and what came of it.
pub fn broken_text(row: &BrokenInterval) -> String {
    let since = if row.first_visit {
        format!("placerad {}", date_sv(row.since))
    } else {
        format!("förra besöket {}", date_sv(row.since))
    };
    let outcome = match row.visited {
        Some(visited) => format!(
            "besök {} ({} för sent)",
            date_sv(visited),
            days(row.days_late)
        ),
        None => format!("inget besök ännu ({} för sent)", days(row.days_late)),
    };
    let what = if row.first_visit {
        "Första besöket"
    } else {
        "Besök"
    };
    format!("{what} senast {}: {since}, {outcome}", date_sv(row.due))
}

/// An ending: how, whether the child was placed again, and why.
pub fn ending_text(row: &EndingRow) -> String {
    let mut text = format!("{} {}", row.ending.kind.label_sv(), date_sv(row.end_date));
    if row.ending.replacement {
        text.push_str(", omplacering");
    }
    match row.ending.reason {
        Some(reason) => text.push_str(&format!(". Skäl: {}", reason.label_sv())),
        None => text.push_str(". Skäl: inte angivet"),
    }
    text
}

/// A file name for a table's CSV: "egenkontroll-besok_i_tid-2026-07-01-2026-09-30.csv".
pub fn csv_file_name(report: &SelfCheckReport, table: shared::selfcheck::TableId) -> String {
    format!(
        "egenkontroll-{}-{}-{}.csv",
        table.as_str(),
        report.period.from,
        report.period.to
    )
}

/// The case review's form as typed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReviewForm {
    /// `yyyy-mm-dd` from the date input.
    pub date: String,
    pub actions: String,
}

impl ReviewForm {
    pub fn new(today: NaiveDate) -> Self {
        Self {
            date: today.to_string(),
            actions: String::new(),
        }
    }

    /// The request to save, or what to put right first.
    pub fn request(
        &self,
        id: CaseReviewId,
        worker_id: UserId,
        today: NaiveDate,
    ) -> Result<CaseReviewRequest, String> {
        let review_date: NaiveDate = self
            .date
            .trim()
            .parse()
            .map_err(|_| "Ange genomgångens datum.".to_owned())?;
        if review_date > today {
            return Err("Genomgångens datum kan inte ligga i framtiden.".to_owned());
        }
        let actions = self.actions.trim();
        if actions.is_empty() {
            return Err("Skriv vilka åtgärder ni kom överens om.".to_owned());
        }
        if actions.chars().count() > MAX_AGREED_ACTIONS_CHARS {
            return Err(format!(
                "Åtgärderna får vara högst {MAX_AGREED_ACTIONS_CHARS} tecken."
            ));
        }
        let agreed_actions = VisitNote::parse(actions).map_err(|e| e.to_string())?;
        Ok(CaseReviewRequest {
            id,
            worker_id,
            review_date,
            agreed_actions,
        })
    }
}

/// "Sparad 4 dec. 2026".
pub fn saved_text(review_date: NaiveDate) -> String {
    format!("Sparad {}", date_sv(review_date))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use chrono::TimeZone;
    use shared::auth::Role;
    use shared::domain::{EndKind, EndReason};
    use shared::selfcheck::{EndingFact, TableId, Value, WorkerRef};
    use shared::{ChildId, PlacementId};

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    #[test]
    fn the_query_asks_for_the_chosen_period_grouping_and_unit() {
        let mut query = ReportQuery::default();
        assert_eq!(
            query.path(),
            "/api/v1/selfcheck?period=last_quarter&group_by=worker"
        );
        let unit = UnitId::new_random();
        query.group_by = GroupBy::Sex;
        query.unit = Some(unit);
        assert_eq!(
            query.path(),
            format!("/api/v1/selfcheck?period=last_quarter&group_by=sex&unit={unit}")
        );
        assert_eq!(
            query.drill_path(Measure::EndedBecause(EndReason::ChildsWish), Some("girl")),
            format!("/api/v1/selfcheck/children?period=last_quarter&group_by=sex&unit={unit}&measure=ended_because%3Achilds_wish&group=girl")
        );
        assert_eq!(
            query.drill_path(Measure::TalkedAlone, None),
            format!("/api/v1/selfcheck/children?period=last_quarter&group_by=sex&unit={unit}&measure=talked_alone")
        );
    }

    #[test]
    fn a_custom_period_needs_both_dates_in_order() {
        let mut query = ReportQuery {
            choice: PeriodChoice::Custom,
            ..ReportQuery::default()
        };
        assert!(query.problem().expect("no dates").contains("både"));
        query.from = Some(d("2026-03-01"));
        query.to = Some(d("2026-02-01"));
        assert_eq!(
            query.problem().as_deref(),
            Some("Perioden slutar innan den börjar.")
        );
        query.to = Some(d("2030-01-01"));
        assert_eq!(
            query.problem().as_deref(),
            Some("Perioden får vara högst tre år.")
        );
        query.to = Some(d("2026-03-31"));
        assert_eq!(query.problem(), None);
        assert_eq!(
            query.path(),
            "/api/v1/selfcheck?period=custom&group_by=worker&from=2026-03-01&to=2026-03-31"
        );
        // The dates of an earlier custom choice are not sent for another.
        query.choice = PeriodChoice::LastMonth;
        assert_eq!(
            query.path(),
            "/api/v1/selfcheck?period=last_month&group_by=worker"
        );
    }

    #[test]
    fn dates_and_times_read_the_swedish_way() {
        assert_eq!(date_sv(d("2026-12-04")), "4 dec. 2026");
        assert_eq!(date_sv(d("2026-03-15")), "15 mars 2026");
        let computed = Utc
            .with_ymd_and_hms(2026, 12, 4, 13, 5, 0)
            .single()
            .expect("time");
        // Stockholm in winter is an hour ahead.
        let stockholm = |t: DateTime<Utc>| t.naive_utc() + chrono::Duration::hours(1);
        assert_eq!(
            offline_note(computed, stockholm),
            "Beräknad 4 dec. 2026 kl. 14.05 — visas utan nätverk"
        );
    }

    #[test]
    fn a_cell_shows_this_period_and_the_previous_under_it() {
        let cell = Cell {
            now: Value::Share {
                numerator: 12,
                denominator: 20,
            },
            previous: Value::Share {
                numerator: 0,
                denominator: 0,
            },
        };
        assert_eq!(cell_now(&cell), "12 av 20 (60\u{a0}%)");
        assert_eq!(cell_previous(&cell), "Förra:\u{a0}–");
        assert_eq!(
            cell_label("Besök med enskilt samtal", "Flickor", &cell),
            "12 av 20 (60\u{a0}%) Förra:\u{a0}–. Besök med enskilt samtal, Flickor. Visa barnen."
        );
    }

    fn worker(name: &str, role: Role) -> WorkerRef {
        WorkerRef {
            id: UserId::new_random(),
            name: name.into(),
            role,
        }
    }

    #[test]
    fn consultants_columns_come_apart_and_are_marked_in_lists() {
        let column = |label: &str, consultant: bool| Column {
            key: label.into(),
            label: label.into(),
            consultant,
        };
        let columns = [
            column("Anna", false),
            column("Konsult Kim", true),
            column("Bo", false),
        ];
        assert_eq!(column_groups(&columns), (vec![0, 2], vec![1]));
        assert_eq!(
            workers_text(&[
                worker("Anna Lind", Role::SocialWorker),
                worker("Kim Ek", Role::Consultant)
            ]),
            "Anna Lind, Kim Ek (konsult)"
        );
        assert_eq!(workers_text(&[]), "Ingen ansvarig socialsekreterare");
    }

    #[test]
    fn overdue_rows_say_what_and_how_late() {
        assert_eq!(
            overdue_what(&OverdueKind::Visit {
                due: d("2026-11-01")
            }),
            "Besök senast 1 nov. 2026"
        );
        assert_eq!(
            overdue_what(&OverdueKind::DecisionEnding {
                until: d("2026-12-20")
            }),
            "Beslutet går ut 20 dec. 2026"
        );
        assert_eq!(overdue_days(33), "33 dagar försenat");
        assert_eq!(overdue_days(1), "1 dag försenat");
        assert_eq!(overdue_days(0), "i dag");
        assert_eq!(overdue_days(-16), "om 16 dagar");
    }

    #[test]
    fn broken_intervals_and_endings_read_as_sentences() {
        let mut row = BrokenInterval {
            child_id: ChildId::new_random(),
            child_name: "Elsa".into(),
            placement_id: PlacementId::new_random(),
            since: d("2026-07-03"),
            first_visit: true,
            due: d("2026-07-10"),
            visited: Some(d("2026-07-11")),
            days_late: 1,
            workers: Vec::new(),
        };
        assert_eq!(
            broken_text(&row),
            "Första besöket senast 10 juli 2026: placerad 3 juli 2026, besök 11 juli 2026 (1 dag för sent)"
        );
        row.first_visit = false;
        row.visited = None;
        row.days_late = 20;
        assert_eq!(
            broken_text(&row),
            "Besök senast 10 juli 2026: förra besöket 3 juli 2026, inget besök ännu (20 dagar för sent)"
        );
        let ending = EndingRow {
            child_id: ChildId::new_random(),
            child_name: "Elsa".into(),
            placement_id: PlacementId::new_random(),
            end_date: d("2026-08-31"),
            ending: EndingFact {
                kind: EndKind::Unplanned,
                replacement: true,
                reason: None,
            },
            workers: Vec::new(),
        };
        let text = ending_text(&ending);
        assert!(text.starts_with(EndKind::Unplanned.label_sv()), "{text}");
        assert!(
            text.ends_with("31 aug. 2026, omplacering. Skäl: inte angivet"),
            "{text}"
        );
    }

    #[test]
    fn the_review_form_saves_only_a_dated_note_not_in_the_future() {
        let today = d("2026-12-04");
        let worker_id = UserId::new_random();
        let id = CaseReviewId::new_random();
        let mut form = ReviewForm::new(today);
        assert_eq!(form.date, "2026-12-04");
        assert_eq!(
            form.request(id, worker_id, today),
            Err("Skriv vilka åtgärder ni kom överens om.".into())
        );
        form.actions = "  Besök Elsa före jul.  ".into();
        let request = form.request(id, worker_id, today).expect("valid");
        assert_eq!(request.review_date, today);
        assert_eq!(request.agreed_actions.as_str(), "Besök Elsa före jul.");
        assert_eq!(request.worker_id, worker_id);
        form.date = "2026-12-05".into();
        assert!(form.request(id, worker_id, today).is_err());
        form.date = String::new();
        assert_eq!(
            form.request(id, worker_id, today),
            Err("Ange genomgångens datum.".into())
        );
        form.date = "2026-12-01".into();
        form.actions = "x".repeat(MAX_AGREED_ACTIONS_CHARS + 1);
        assert!(form.request(id, worker_id, today).is_err());
        assert_eq!(saved_text(today), "Sparad 4 dec. 2026");
    }

    #[test]
    fn a_kept_report_reads_back_as_it_was_stored() {
        let mut ended = child(vec![anna()], 1, 0);
        ended.endings.push(EndingFact {
            kind: EndKind::Unplanned,
            replacement: false,
            reason: Some(EndReason::ChildsWish),
        });
        ended.worker_changes = 2;
        let kept = KeptReport {
            query: ReportQuery::default(),
            report: report_of(&[ended, child(vec![kim()], 0, 1)]),
        };
        let json = serde_json::to_string(&kept).expect("stored");
        let back: KeptReport = serde_json::from_str(&json).expect("read back");
        assert_eq!(back, kept);
    }

    #[test]
    fn the_csv_file_is_named_by_table_and_period() {
        let report = report_of(&[]);
        assert_eq!(
            csv_file_name(&report, TableId::ChildHeard),
            "egenkontroll-child_heard-2026-07-01-2026-09-30.csv"
        );
    }

    /// A report for last quarter (July–September 2026), grouped by worker,
    /// made from `children` the way the server makes it.
    pub(crate) fn report_of(children: &[shared::selfcheck::ChildFacts]) -> SelfCheckReport {
        let period = Period::parse(d("2026-07-01"), d("2026-09-30")).expect("period");
        let (columns, tables) = shared::selfcheck::build_tables(GroupBy::Worker, children, &[]);
        SelfCheckReport {
            previous: period.previous(),
            period,
            group_by: GroupBy::Worker,
            units: Vec::new(),
            today: d("2026-10-05"),
            generated_at: Utc
                .with_ymd_and_hms(2026, 10, 5, 8, 0, 0)
                .single()
                .expect("time"),
            children: children.len() as u32,
            columns,
            tables,
            visits_per_month: Vec::new(),
            overdue: Vec::new(),
            broken_intervals: Vec::new(),
            most_changes: Vec::new(),
            endings: Vec::new(),
        }
    }

    /// A child with `workers`, visited `visits` times, with `broken`
    /// intervals.
    pub(crate) fn child(
        workers: Vec<WorkerRef>,
        visits: u32,
        broken: u32,
    ) -> shared::selfcheck::ChildFacts {
        shared::selfcheck::ChildFacts {
            child_id: ChildId::new_random(),
            sex: shared::Sex::Girl,
            age_group: shared::selfcheck::AgeGroup::From7To12,
            unit: None,
            placement_kind: shared::PlacementKind::FosterHome,
            workers,
            new_placements: 0,
            new_placements_visited_in_time: 0,
            broken_intervals: broken,
            visits,
            visits_by_consultant: 0,
            visits_alone: 0,
            visits_with_view: 0,
            visits_reason_without_view: 0,
            distinct_visitors: u32::from(visits > 0),
            worker_changes: 0,
            endings: Vec::new(),
            in_supported_housing: false,
            disability_officer_visits: 0,
            informed: Default::default(),
        }
    }

    pub(crate) fn anna() -> WorkerRef {
        WorkerRef {
            id: UserId::from_uuid(uuid::Uuid::from_u128(1)),
            name: "Anna Lind".into(),
            role: Role::SocialWorker,
        }
    }

    pub(crate) fn kim() -> WorkerRef {
        WorkerRef {
            id: UserId::from_uuid(uuid::Uuid::from_u128(2)),
            name: "Kim Ek".into(),
            role: Role::Consultant,
        }
    }
}
