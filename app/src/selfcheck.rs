//! The managers' self-check (egenkontroll) as the app shows it: what to ask
//! the server for, how each figure and list row reads in each language, the report
//! kept for reading offline, and the case review's form. Plain Rust, so
//! every wording is tested natively; the pages are `ui::selfcheck`.

use crate::i18n::td_string;
use crate::labels::Label;
use crate::language::Language;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use shared::selfcheck::{
    AgeGroup, BrokenInterval, CaseReviewRequest, Cell, Column, EndingRow, GroupBy, Measure,
    OverdueKind, Period, PeriodChoice, SelfCheckReport, Value, MAX_AGREED_ACTIONS_CHARS, NO_GROUP,
};
use shared::{CaseReviewId, PlacementKind, Sex, UnitId, UserId, VisitNote};

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
    pub fn problem(&self, language: Language) -> Option<String> {
        if self.choice != PeriodChoice::Custom {
            return None;
        }
        let locale = language.locale();
        let (Some(from), Some(to)) = (self.from, self.to) else {
            return Some(td_string!(locale, selfcheck.problem.both_dates).to_owned());
        };
        match Period::parse(from, to) {
            Ok(_) => None,
            Err(shared::selfcheck::PeriodError::EndsBeforeStart) => {
                Some(td_string!(locale, selfcheck.problem.ends_before_start).to_owned())
            }
            Err(shared::selfcheck::PeriodError::TooLong) => {
                Some(td_string!(locale, selfcheck.problem.too_long).to_owned())
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

/// "1 juli 2026 – 30 sep. 2026", the period in the report's heading.
pub fn period_text(period: &Period, language: Language) -> String {
    format!(
        "{} – {}",
        language.date(period.from),
        language.date(period.to)
    )
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
    language: Language,
) -> String {
    td_string!(
        language.locale(),
        selfcheck.offline_note,
        at = language.date_time(local(generated_at))
    )
}

/// A figure as shown on screen: "12 av 20 (60 %)", "2,4", "7"; "–" with
/// nothing to divide. The app's own words for `Value::display_sv`.
pub fn value_text(value: Value, language: Language) -> String {
    match value {
        Value::Share {
            numerator,
            denominator,
        } => match value.ratio() {
            // Rounded here as the Swedish display rounds it, so the share
            // given to `percent` is a whole number of per cent.
            Some(pct) => td_string!(
                language.locale(),
                selfcheck.share,
                part = language.integer(i64::from(numerator)),
                whole = language.integer(i64::from(denominator)),
                percent = language.percent(pct.round() / 100.0)
            ),
            None => "–".to_owned(),
        },
        Value::Average { .. } => match value.ratio() {
            Some(mean) => one_decimal(mean, language),
            None => "–".to_owned(),
        },
        Value::Count(n) => language.integer(i64::from(n)),
    }
}

/// A mean with exactly one decimal, "2,0" included (as the table has
/// always shown it): "2,4", "2.4".
fn one_decimal(value: f64, language: Language) -> String {
    let text = format!("{value:.1}");
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, "0"));
    let separator = match language {
        Language::Swedish => ",",
        Language::English => ".",
        Language::Arabic => "\u{066b}",
    };
    let sign = if whole.starts_with('-') {
        "\u{2212}"
    } else {
        ""
    };
    format!(
        "{sign}{}{separator}{}",
        language.integer(whole.trim_start_matches('-').parse().unwrap_or(0)),
        language.integer(fraction.parse().unwrap_or(0))
    )
}

/// The figure for this period as the cell's button shows it.
pub fn cell_now(cell: &Cell, language: Language) -> String {
    value_text(cell.now, language)
}

/// The previous period's figure, shown under it, smaller.
pub fn cell_previous(cell: &Cell, language: Language) -> String {
    td_string!(
        language.locale(),
        selfcheck.previous,
        value = value_text(cell.previous, language)
    )
}

/// Where a cell's figure stands, for screen readers after the visible
/// figures (the button's name is what is seen, then this).
pub fn cell_context(row: &str, column: &str, language: Language) -> String {
    td_string!(
        language.locale(),
        selfcheck.cell_context,
        row = row,
        column = column
    )
}

/// A measure's name, the row's head: the app's own words for
/// `Measure::label_sv`.
pub fn measure_label(measure: Measure, language: Language) -> String {
    let locale = language.locale();
    let text = match measure {
        Measure::FirstVisitInTime => td_string!(locale, selfcheck.measure.first_visit_in_time),
        Measure::VisitedEveryThirdMonth => {
            td_string!(locale, selfcheck.measure.visited_every_third_month)
        }
        Measure::VisitsPerChild => td_string!(locale, selfcheck.measure.visits_per_child),
        Measure::VisitsByConsultants => {
            td_string!(locale, selfcheck.measure.visits_by_consultants)
        }
        Measure::TalkedAlone => td_string!(locale, selfcheck.measure.talked_alone),
        Measure::ViewDocumented => td_string!(locale, selfcheck.measure.view_documented),
        Measure::ReasonWithoutView => td_string!(locale, selfcheck.measure.reason_without_view),
        Measure::NeitherViewNorReason => {
            td_string!(locale, selfcheck.measure.neither_view_nor_reason)
        }
        Measure::NotVisited => td_string!(locale, selfcheck.measure.not_visited),
        Measure::OneVisitor => td_string!(locale, selfcheck.measure.one_visitor),
        Measure::TwoVisitors => td_string!(locale, selfcheck.measure.two_visitors),
        Measure::ThreeOrMoreVisitors => {
            td_string!(locale, selfcheck.measure.three_or_more_visitors)
        }
        Measure::WorkerChanges => td_string!(locale, selfcheck.measure.worker_changes),
        Measure::UnplannedEndings => td_string!(locale, selfcheck.measure.unplanned_endings),
        Measure::Replacements => td_string!(locale, selfcheck.measure.replacements),
        Measure::EndedBecause(reason) => {
            return td_string!(
                locale,
                selfcheck.measure.ended_because,
                reason = reason.label(language)
            )
        }
        Measure::EndedWithoutReason => {
            td_string!(locale, selfcheck.measure.ended_without_reason)
        }
        Measure::SupportedHousingVisitedByOfficer => {
            td_string!(
                locale,
                selfcheck.measure.supported_housing_visited_by_officer
            )
        }
        Measure::OfficerVisits => td_string!(locale, selfcheck.measure.officer_visits),
        Measure::InformedAll => td_string!(locale, selfcheck.measure.informed_all),
        Measure::InformedContact => td_string!(locale, selfcheck.measure.informed_contact),
        Measure::InformedComplaints => td_string!(locale, selfcheck.measure.informed_complaints),
        Measure::InformedRights => td_string!(locale, selfcheck.measure.informed_rights),
    };
    text.to_owned()
}

/// A column's head in the language: a worker's or unit's name as it is;
/// "no worker", a placement kind, a sex or an age group in words (the
/// server's label is Swedish).
pub fn column_label(group_by: GroupBy, column: &Column, language: Language) -> String {
    let locale = language.locale();
    let named = match group_by {
        GroupBy::Worker if column.key == NO_GROUP => Some(td_string!(locale, selfcheck.no_worker)),
        GroupBy::Unit if column.key == NO_GROUP => Some(td_string!(locale, selfcheck.no_unit)),
        GroupBy::Worker | GroupBy::Unit => None,
        GroupBy::PlacementKind => {
            serde_json::from_value::<PlacementKind>(serde_json::Value::String(column.key.clone()))
                .ok()
                .map(|kind| kind.label(language))
        }
        GroupBy::Sex => Sex::ALL
            .into_iter()
            .find(|s| s.as_str() == column.key)
            .map(|s| s.label(language)),
        GroupBy::AgeGroup => AgeGroup::ALL
            .into_iter()
            .find(|a| a.as_str() == column.key)
            .map(|a| a.label(language)),
    };
    named.map_or_else(|| column.label.clone(), str::to_owned)
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
pub fn workers_text(workers: &[shared::selfcheck::WorkerRef], language: Language) -> String {
    let locale = language.locale();
    if workers.is_empty() {
        return td_string!(locale, selfcheck.no_worker).to_owned();
    }
    workers
        .iter()
        .map(|w| {
            if w.is_consultant() {
                td_string!(locale, selfcheck.consultant_name, name = &w.name)
            } else {
                w.name.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn days(n: i64, language: Language) -> String {
    td_string!(language.locale(), selfcheck.days, count = n.abs())
}

/// What is overdue, in words: "Besök senast 1 nov. 2026".
pub fn overdue_what(what: &OverdueKind, language: Language) -> String {
    let locale = language.locale();
    match *what {
        OverdueKind::Visit { due } => {
            td_string!(locale, selfcheck.overdue.visit, date = language.date(due))
        }
        OverdueKind::DecisionExpired { until } => td_string!(
            locale,
            selfcheck.overdue.decision_expired,
            date = language.date(until)
        ),
        OverdueKind::DecisionEnding { until } => td_string!(
            locale,
            selfcheck.overdue.decision_ending,
            date = language.date(until)
        ),
        OverdueKind::ConsiderationDue { due } => td_string!(
            locale,
            selfcheck.overdue.consideration_due,
            date = language.date(due)
        ),
    }
}

/// "12 dagar försenat", or for a decision still running "om 5 dagar".
pub fn overdue_days(days_overdue: i64, language: Language) -> String {
    let locale = language.locale();
    match days_overdue {
        0 => td_string!(locale, selfcheck.overdue.today).to_owned(),
        n if n > 0 => {
            td_string!(locale, selfcheck.overdue.late, days = days(n, language))
        }
        n => td_string!(locale, selfcheck.overdue.coming, days = days(n, language)),
    }
}

/// A broken interval: from what, when it was due, and what came of it.
pub fn broken_text(row: &BrokenInterval, language: Language) -> String {
    let locale = language.locale();
    let since = if row.first_visit {
        td_string!(
            locale,
            selfcheck.broken.since_placed,
            date = language.date(row.since)
        )
    } else {
        td_string!(
            locale,
            selfcheck.broken.since_visit,
            date = language.date(row.since)
        )
    };
    let late = days(row.days_late, language);
    let outcome = match row.visited {
        Some(visited) => td_string!(
            locale,
            selfcheck.broken.visited_late,
            date = language.date(visited),
            days = late
        ),
        None => td_string!(locale, selfcheck.broken.not_visited, days = late),
    };
    let due = language.date(row.due);
    if row.first_visit {
        td_string!(
            locale,
            selfcheck.broken.first_visit,
            due = due,
            since = since,
            outcome = outcome
        )
    } else {
        td_string!(
            locale,
            selfcheck.broken.visit,
            due = due,
            since = since,
            outcome = outcome
        )
    }
}

/// An ending: how, whether the child was placed again, and why.
pub fn ending_text(row: &EndingRow, language: Language) -> String {
    let locale = language.locale();
    let kind = row.ending.kind.label(language);
    let date = language.date(row.end_date);
    let reason = match row.ending.reason {
        Some(reason) => reason.label(language),
        None => td_string!(locale, selfcheck.ending.no_reason),
    };
    if row.ending.replacement {
        td_string!(
            locale,
            selfcheck.ending.text_replaced,
            kind = kind,
            date = date,
            reason = reason
        )
    } else {
        td_string!(
            locale,
            selfcheck.ending.text,
            kind = kind,
            date = date,
            reason = reason
        )
    }
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
        language: Language,
    ) -> Result<CaseReviewRequest, String> {
        let locale = language.locale();
        let review_date: NaiveDate = self
            .date
            .trim()
            .parse()
            .map_err(|_| td_string!(locale, selfcheck.review.date_missing).to_owned())?;
        if review_date > today {
            return Err(td_string!(locale, selfcheck.review.date_in_future).to_owned());
        }
        let actions = self.actions.trim();
        if actions.is_empty() {
            return Err(td_string!(locale, selfcheck.review.actions_missing).to_owned());
        }
        if actions.chars().count() > MAX_AGREED_ACTIONS_CHARS {
            return Err(td_string!(
                locale,
                selfcheck.review.actions_too_long,
                max = language.integer(MAX_AGREED_ACTIONS_CHARS as i64)
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
pub fn saved_text(review_date: NaiveDate, language: Language) -> String {
    td_string!(
        language.locale(),
        selfcheck.review.saved,
        date = language.date(review_date)
    )
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use chrono::TimeZone;
    use shared::auth::Role;
    use shared::domain::{EndKind, EndReason};
    use shared::selfcheck::{EndingFact, TableId, WorkerRef};

    const SWEDISH: Language = Language::Swedish;
    const ENGLISH: Language = Language::English;
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
        assert!(query.problem(SWEDISH).expect("no dates").contains("både"));
        assert!(query.problem(ENGLISH).expect("no dates").contains("both"));
        query.from = Some(d("2026-03-01"));
        query.to = Some(d("2026-02-01"));
        assert_eq!(
            query.problem(SWEDISH).as_deref(),
            Some("Perioden slutar innan den börjar.")
        );
        assert_eq!(
            query.problem(ENGLISH).as_deref(),
            Some("The period ends before it starts.")
        );
        query.to = Some(d("2030-01-01"));
        assert_eq!(
            query.problem(SWEDISH).as_deref(),
            Some("Perioden får vara högst tre år.")
        );
        assert_eq!(
            query.problem(ENGLISH).as_deref(),
            Some("The period can be at most three years.")
        );
        query.to = Some(d("2026-03-31"));
        assert_eq!(query.problem(SWEDISH), None);
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
    fn dates_and_times_read_as_each_language_writes_them() {
        let period = Period::parse(d("2026-07-01"), d("2026-09-30")).expect("period");
        assert_eq!(period_text(&period, SWEDISH), "1 juli 2026 – 30 sep. 2026");
        assert_eq!(period_text(&period, ENGLISH), "1 Jul 2026 – 30 Sep 2026");
        let computed = Utc
            .with_ymd_and_hms(2026, 12, 4, 13, 5, 0)
            .single()
            .expect("time");
        // Stockholm in winter is an hour ahead.
        let stockholm = |t: DateTime<Utc>| t.naive_utc() + chrono::Duration::hours(1);
        assert_eq!(
            offline_note(computed, stockholm, SWEDISH),
            "Beräknad 4 dec. 2026 kl. 14.05 — visas utan nätverk"
        );
        assert_eq!(
            offline_note(computed, stockholm, ENGLISH),
            "Computed 4 Dec 2026, 14:05 — shown without network"
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
        assert_eq!(cell_now(&cell, SWEDISH), "12 av 20 (60\u{a0}%)");
        assert_eq!(cell_previous(&cell, SWEDISH), "Förra:\u{a0}–");
        assert_eq!(
            cell_context("Besök med enskilt samtal", "Flickor", SWEDISH),
            "Besök med enskilt samtal, Flickor. Visa barnen."
        );
        assert_eq!(cell_now(&cell, ENGLISH), "12 of 20 (60%)");
        assert_eq!(cell_previous(&cell, ENGLISH), "Previous:\u{a0}–");
        assert_eq!(
            cell_context("Visits with a one-to-one talk", "Girls", ENGLISH),
            "Visits with a one-to-one talk, Girls. Show the children."
        );
    }

    #[test]
    fn figures_read_in_swedish_as_the_shared_display_and_in_english_its_own_way() {
        let values = [
            Value::Share {
                numerator: 1,
                denominator: 3,
            },
            Value::Share {
                numerator: 2,
                denominator: 3,
            },
            Value::Share {
                numerator: 1,
                denominator: 8,
            },
            Value::Share {
                numerator: 1,
                denominator: 40,
            },
            Value::Share {
                numerator: 7,
                denominator: 7,
            },
            Value::Share {
                numerator: 0,
                denominator: 0,
            },
            Value::Average { sum: 5, count: 4 },
            Value::Average { sum: 12, count: 5 },
            Value::Average { sum: 6, count: 3 },
            Value::Average { sum: 0, count: 0 },
            Value::Count(0),
            Value::Count(42),
        ];
        for value in values {
            assert_eq!(value_text(value, SWEDISH), value.display_sv(), "{value:?}");
        }
        assert_eq!(
            value_text(
                Value::Share {
                    numerator: 1,
                    denominator: 8
                },
                ENGLISH
            ),
            "1 of 8 (13%)"
        );
        assert_eq!(
            value_text(Value::Average { sum: 12, count: 5 }, ENGLISH),
            "2.4"
        );
        assert_eq!(
            value_text(Value::Average { sum: 6, count: 3 }, SWEDISH),
            "2,0"
        );
        assert_eq!(
            value_text(Value::Average { sum: 6, count: 3 }, ENGLISH),
            "2.0"
        );
        assert_eq!(value_text(Value::Count(1500), ENGLISH), "1,500");
        assert_eq!(
            value_text(
                Value::Share {
                    numerator: 0,
                    denominator: 0
                },
                ENGLISH
            ),
            "–"
        );
    }

    #[test]
    fn measures_are_named_in_swedish_as_the_server_names_them_and_in_english() {
        for measure in Measure::all() {
            assert_eq!(
                measure_label(measure, SWEDISH),
                measure.label_sv(),
                "{measure:?}"
            );
            assert_ne!(
                measure_label(measure, ENGLISH),
                measure.label_sv(),
                "{measure:?}"
            );
        }
        assert_eq!(
            measure_label(Measure::TalkedAlone, ENGLISH),
            "Visits with a one-to-one talk"
        );
        assert_eq!(
            measure_label(Measure::EndedWithoutReason, ENGLISH),
            "Reason: not given"
        );
        assert!(
            measure_label(Measure::EndedBecause(EndReason::ChildsWish), ENGLISH)
                .starts_with("Reason: ")
        );
    }

    #[test]
    fn columns_are_named_in_the_language_except_people_and_units() {
        let column = |key: &str, label: &str| Column {
            key: key.into(),
            label: label.into(),
            consultant: false,
        };
        let nobody = column(NO_GROUP, "Ingen ansvarig socialsekreterare");
        assert_eq!(
            column_label(GroupBy::Worker, &nobody, SWEDISH),
            nobody.label
        );
        assert_eq!(
            column_label(GroupBy::Worker, &nobody, ENGLISH),
            "No responsible social worker"
        );
        assert_eq!(
            column_label(GroupBy::Unit, &column(NO_GROUP, "Ingen enhet"), ENGLISH),
            "No unit"
        );
        let anna = column("some-id", "Anna Lind");
        assert_eq!(column_label(GroupBy::Worker, &anna, ENGLISH), "Anna Lind");
        for sex in Sex::ALL {
            let c = column(sex.as_str(), sex.label_sv());
            assert_eq!(column_label(GroupBy::Sex, &c, SWEDISH), sex.label(SWEDISH));
            assert_eq!(column_label(GroupBy::Sex, &c, ENGLISH), sex.label(ENGLISH));
        }
        for age in AgeGroup::ALL {
            let c = column(age.as_str(), age.label_sv());
            assert_eq!(
                column_label(GroupBy::AgeGroup, &c, ENGLISH),
                age.label(ENGLISH)
            );
        }
        let kind = PlacementKind::FosterHome;
        let c = column(kind.as_str(), kind.label_sv());
        assert_eq!(
            column_label(GroupBy::PlacementKind, &c, SWEDISH),
            kind.label_sv()
        );
        assert_eq!(
            column_label(GroupBy::PlacementKind, &c, ENGLISH),
            kind.label(ENGLISH)
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
        let workers = [
            worker("Anna Lind", Role::SocialWorker),
            worker("Kim Ek", Role::Consultant),
        ];
        assert_eq!(
            workers_text(&workers, SWEDISH),
            "Anna Lind, Kim Ek (konsult)"
        );
        assert_eq!(
            workers_text(&workers, ENGLISH),
            "Anna Lind, Kim Ek (consultant)"
        );
        assert_eq!(
            workers_text(&[], SWEDISH),
            "Ingen ansvarig socialsekreterare"
        );
        assert_eq!(workers_text(&[], ENGLISH), "No responsible social worker");
    }

    #[test]
    fn overdue_rows_say_what_and_how_late() {
        let visit = OverdueKind::Visit {
            due: d("2026-11-01"),
        };
        let ending = OverdueKind::DecisionEnding {
            until: d("2026-12-20"),
        };
        assert_eq!(overdue_what(&visit, SWEDISH), "Besök senast 1 nov. 2026");
        assert_eq!(
            overdue_what(&ending, SWEDISH),
            "Beslutet går ut 20 dec. 2026"
        );
        assert_eq!(overdue_what(&visit, ENGLISH), "Visit due by 1 Nov 2026");
        assert_eq!(
            overdue_what(&ending, ENGLISH),
            "The decision expires on 20 Dec 2026"
        );
        assert_eq!(overdue_days(33, SWEDISH), "33 dagar försenat");
        assert_eq!(overdue_days(1, SWEDISH), "1 dag försenat");
        assert_eq!(overdue_days(0, SWEDISH), "i dag");
        assert_eq!(overdue_days(-16, SWEDISH), "om 16 dagar");
        assert_eq!(overdue_days(33, ENGLISH), "33 days overdue");
        assert_eq!(overdue_days(1, ENGLISH), "1 day overdue");
        assert_eq!(overdue_days(0, ENGLISH), "today");
        assert_eq!(overdue_days(-1, ENGLISH), "in 1 day");
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
            broken_text(&row, SWEDISH),
            "Första besöket senast 10 juli 2026: placerad 3 juli 2026, besök 11 juli 2026 (1 dag för sent)"
        );
        assert_eq!(
            broken_text(&row, ENGLISH),
            "First visit due by 10 Jul 2026: placed 3 Jul 2026, visited 11 Jul 2026 (1 day late)"
        );
        row.first_visit = false;
        row.visited = None;
        row.days_late = 20;
        assert_eq!(
            broken_text(&row, SWEDISH),
            "Besök senast 10 juli 2026: förra besöket 3 juli 2026, inget besök ännu (20 dagar för sent)"
        );
        assert_eq!(
            broken_text(&row, ENGLISH),
            "Visit due by 10 Jul 2026: previous visit 3 Jul 2026, no visit yet (20 days late)"
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
        let text = ending_text(&ending, SWEDISH);
        assert!(text.starts_with(EndKind::Unplanned.label_sv()), "{text}");
        assert!(
            text.ends_with("31 aug. 2026, omplacering. Skäl: inte angivet"),
            "{text}"
        );
        let text = ending_text(&ending, ENGLISH);
        assert!(
            text.starts_with(EndKind::Unplanned.label(ENGLISH)),
            "{text}"
        );
        assert!(
            text.ends_with("31 Aug 2026, re-placement. Reason: not given"),
            "{text}"
        );
        let mut planned = ending;
        planned.ending.replacement = false;
        planned.ending.reason = Some(EndReason::ChildsWish);
        assert_eq!(
            ending_text(&planned, SWEDISH),
            format!(
                "{} 31 aug. 2026. Skäl: {}",
                EndKind::Unplanned.label_sv(),
                EndReason::ChildsWish.label_sv()
            )
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
            form.request(id, worker_id, today, SWEDISH),
            Err("Skriv vilka åtgärder ni kom överens om.".into())
        );
        form.actions = "  Besök Elsa före jul.  ".into();
        let request = form.request(id, worker_id, today, SWEDISH).expect("valid");
        assert_eq!(request.review_date, today);
        assert_eq!(request.agreed_actions.as_str(), "Besök Elsa före jul.");
        assert_eq!(request.worker_id, worker_id);
        form.date = "2026-12-05".into();
        assert!(form.request(id, worker_id, today, SWEDISH).is_err());
        form.date = String::new();
        assert_eq!(
            form.request(id, worker_id, today, SWEDISH),
            Err("Ange genomgångens datum.".into())
        );
        form.date = "2026-12-01".into();
        form.actions = "x".repeat(MAX_AGREED_ACTIONS_CHARS + 1);
        assert!(form.request(id, worker_id, today, SWEDISH).is_err());
        assert_eq!(
            form.request(id, worker_id, today, ENGLISH),
            Err("The actions can be at most 10,000 characters.".into())
        );
        form.date = String::new();
        assert_eq!(
            form.request(id, worker_id, today, ENGLISH),
            Err("Enter the date of the review.".into())
        );
        assert_eq!(saved_text(today, SWEDISH), "Sparad 4 dec. 2026");
        assert_eq!(saved_text(today, ENGLISH), "Saved 4 Dec 2026");
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
