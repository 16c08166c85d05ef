//! The self-check's charts as geometry: scales, bars and their labels in
//! plain numbers, so every figure is tested natively. `ui::charts` only
//! turns these into SVG elements.
//!
//! Written by hand rather than with a charting crate: two kinds of plain
//! bars need no dependency (and no extra weight in the WebAssembly
//! download), and a chart here must be accessible in ways such crates do
//! not offer: `role="img"` with its own `<title>` and `<desc>`, every bar
//! labelled with its number, and the same figures in a table beside it.

use crate::i18n::td_string;
use crate::language::Language;
use crate::selfcheck::{column_label, value_text};
use chrono::NaiveDate;
use shared::selfcheck::{Column, Measure, MonthlyVisits, Period, SelfCheckReport, TableId, Value};

/// The chart's drawing area, in SVG user units (the SVG scales to its box).
pub const VIEW_WIDTH: f64 = 640.0;
pub const BAR_AREA_HEIGHT: f64 = 200.0;
/// Room under the bars for the month labels, and above for the numbers.
pub const AXIS_BELOW: f64 = 28.0;
pub const LABELS_ABOVE: f64 = 18.0;
pub const LEFT_AXIS: f64 = 36.0;

/// The smallest round number (1, 2 or 5 times a power of ten) at or above
/// `max`, so the axis ends on a number people read easily; at least 1.
pub fn nice_max(max: f64) -> f64 {
    if !max.is_finite() || max <= 1.0 {
        return 1.0;
    }
    let magnitude = 10f64.powi(max.log10().floor() as i32);
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|step| step * magnitude)
        .find(|candidate| *candidate >= max)
        .unwrap_or(10.0 * magnitude)
}

/// The axis marks: 0, the middle and the top of a `nice_max` scale. The
/// middle only when it is a whole number: there are no half visits.
pub fn ticks(top: f64) -> Vec<f64> {
    let middle = top / 2.0;
    if middle.fract() == 0.0 {
        vec![0.0, middle, top]
    } else {
        vec![0.0, top]
    }
}

/// One rectangle with the number written above it.
#[derive(Clone, Debug, PartialEq)]
pub struct Bar {
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
    pub value: u32,
}

/// One month: all visits, and those with a one-to-one talk beside them.
#[derive(Clone, Debug, PartialEq)]
pub struct MonthBars {
    pub month: NaiveDate,
    /// Every month's name when there is room; with more than twelve
    /// months every second or third, so they do not overlap.
    pub label: Option<&'static str>,
    /// Where the label's middle goes.
    pub label_x: f64,
    pub visits: Bar,
    pub alone: Bar,
}

/// The chart "besök per månad".
#[derive(Clone, Debug, PartialEq)]
pub struct MonthChart {
    pub top: f64,
    pub months: Vec<MonthBars>,
    /// Numbers above the bars fit for up to twelve months; with more, the
    /// table beside the chart gives them.
    pub values_shown: bool,
    /// The axis marks with their heights (y) on the chart.
    pub ticks: Vec<(f64, f64)>,
    pub description: String,
}

/// The months of `period` only (the report also holds the previous ones).
pub fn months_in(period: &Period, all: &[MonthlyVisits]) -> Vec<MonthlyVisits> {
    let months = period.months();
    all.iter()
        .filter(|m| months.contains(&m.month))
        .copied()
        .collect()
}

/// The y of `value` on a scale to `top`: 0 is the bars' baseline.
fn y_of(value: f64, top: f64) -> f64 {
    LABELS_ABOVE + BAR_AREA_HEIGHT - BAR_AREA_HEIGHT * (value / top)
}

pub fn month_chart(period: &Period, all: &[MonthlyVisits], language: Language) -> MonthChart {
    let months = months_in(period, all);
    let top = nice_max(
        months
            .iter()
            .map(|m| f64::from(m.visits))
            .fold(0.0, f64::max),
    );
    let slot = (VIEW_WIDTH - LEFT_AXIS) / months.len().max(1) as f64;
    let label_every = months.len().div_ceil(12).max(1);
    // Two bars side by side fill 70 % of the month's slot.
    let width = slot * 0.35;
    let bar = |x: f64, value: u32| {
        let y = y_of(f64::from(value), top);
        Bar {
            x,
            y,
            width,
            height: LABELS_ABOVE + BAR_AREA_HEIGHT - y,
            value,
        }
    };
    let bars = months
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let start = LEFT_AXIS + slot * i as f64 + slot * 0.15;
            MonthBars {
                month: m.month,
                label: (i % label_every == 0).then(|| language.month_short(m.month)),
                label_x: start + width,
                visits: bar(start, m.visits),
                alone: bar(start + width, m.talked_alone),
            }
        })
        .collect();
    let total: u32 = months.iter().map(|m| m.visits).sum();
    let alone: u32 = months.iter().map(|m| m.talked_alone).sum();
    let description = match (months.first(), months.last()) {
        (Some(first), Some(last)) => td_string!(
            language.locale(),
            selfcheck.chart.months_description,
            first = language.month_year(first.month),
            last = language.month_year(last.month),
            total = language.integer(i64::from(total)),
            alone = language.integer(i64::from(alone)),
            max = language.integer(i64::from(
                months.iter().map(|m| m.visits).max().unwrap_or(0)
            ))
        ),
        _ => td_string!(language.locale(), selfcheck.chart.no_months).to_owned(),
    };
    MonthChart {
        top,
        values_shown: months.len() <= 12,
        months: bars,
        ticks: ticks(top).into_iter().map(|t| (t, y_of(t, top))).collect(),
        description,
    }
}

/// One group's share, as a horizontal bar.
#[derive(Clone, Debug, PartialEq)]
pub struct ShareBar {
    pub label: String,
    pub consultant: bool,
    /// Width of the bar out of [`SHARE_BAR_MAX`]; 0 with nothing to share.
    pub width: f64,
    pub y: f64,
    /// "8 av 10 (80 %)", or "–" with no children.
    pub text: String,
}

/// Room for the group's name left of the bars, and the bars' full length.
pub const SHARE_LABEL_WIDTH: f64 = 220.0;
pub const SHARE_BAR_MAX: f64 = 300.0;
pub const SHARE_ROW: f64 = 32.0;

/// The chart "besökta minst var tredje månad" by the report's columns.
#[derive(Clone, Debug, PartialEq)]
pub struct ShareChart {
    pub bars: Vec<ShareBar>,
    pub height: f64,
    pub description: String,
}

/// The share of children visited at least every third month in each column
/// of the report (workers, units, …), then the Total.
pub fn compliance_chart(report: &SelfCheckReport, language: Language) -> ShareChart {
    let row = report
        .tables
        .iter()
        .filter(|t| t.id == TableId::VisitsInTime)
        .flat_map(|t| &t.rows)
        .find(|r| r.measure == Measure::VisitedEveryThirdMonth);
    let mut groups: Vec<(String, bool, Value)> = match row {
        Some(row) => report
            .columns
            .iter()
            .zip(&row.cells)
            .map(|(c, cell): (&Column, _)| {
                (
                    column_label(report.group_by, c, language),
                    c.consultant,
                    cell.now,
                )
            })
            .collect(),
        None => Vec::new(),
    };
    if let Some(row) = row {
        groups.push((
            td_string!(language.locale(), selfcheck.table.total).to_owned(),
            false,
            row.total.now,
        ));
    }
    let bars: Vec<ShareBar> = groups
        .into_iter()
        .enumerate()
        .map(|(i, (label, consultant, value))| ShareBar {
            width: value.ratio().unwrap_or(0.0) / 100.0 * SHARE_BAR_MAX,
            y: SHARE_ROW * i as f64,
            text: value_text(value, language),
            label,
            consultant,
        })
        .collect();
    let description = {
        let listed: Vec<String> = bars
            .iter()
            .map(|b| format!("{}: {}", b.label, b.text))
            .collect();
        td_string!(
            language.locale(),
            selfcheck.chart.compliance_description,
            groups = listed.join("; ")
        )
    };
    ShareChart {
        height: SHARE_ROW * bars.len().max(1) as f64,
        bars,
        description,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    #[test]
    fn the_scale_ends_on_a_round_number_at_or_above_the_highest_bar() {
        assert_eq!(nice_max(0.0), 1.0);
        assert_eq!(nice_max(1.0), 1.0);
        assert_eq!(nice_max(7.0), 10.0);
        assert_eq!(nice_max(10.0), 10.0);
        assert_eq!(nice_max(11.0), 20.0);
        assert_eq!(nice_max(42.0), 50.0);
        assert_eq!(nice_max(501.0), 1000.0);
        assert_eq!(ticks(50.0), vec![0.0, 25.0, 50.0]);
        assert_eq!(ticks(5.0), vec![0.0, 5.0]);
    }

    #[test]
    fn only_this_periods_months_get_bars_and_the_tallest_reaches_the_top() {
        let period = Period::parse(d("2026-07-01"), d("2026-09-30")).expect("period");
        let all = [
            ("2026-04-01", 99, 50),
            ("2026-07-01", 20, 5),
            ("2026-08-01", 10, 10),
            ("2026-09-01", 0, 0),
        ]
        .map(|(m, visits, talked_alone)| MonthlyVisits {
            month: d(m),
            visits,
            talked_alone,
        });
        let chart = month_chart(&period, &all, Language::Swedish);
        assert_eq!(chart.top, 20.0, "April belongs to the previous period");
        let labels: Vec<Option<&str>> = chart.months.iter().map(|m| m.label).collect();
        assert_eq!(labels, [Some("jul"), Some("aug"), Some("sep")]);
        assert!(chart.values_shown);
        let july = &chart.months[0];
        assert_eq!(july.visits.height, BAR_AREA_HEIGHT);
        assert_eq!(july.visits.y, LABELS_ABOVE);
        assert_eq!(july.alone.height, BAR_AREA_HEIGHT / 4.0);
        assert_eq!(chart.months[1].visits.height, BAR_AREA_HEIGHT / 2.0);
        assert_eq!(chart.months[2].visits.height, 0.0);
        // Side by side, and the months do not overlap.
        assert_eq!(july.alone.x, july.visits.x + july.visits.width);
        assert!(july.alone.x + july.alone.width < chart.months[1].visits.x);
        assert!(chart.months[2].alone.x + chart.months[2].alone.width <= VIEW_WIDTH);
        assert_eq!(
            chart.description,
            "Besök per månad från juli 2026 till september 2026: 30 besök, varav 15 med enskilt samtal. Högst 20 besök en månad. Siffrorna finns i tabellen intill."
        );
        let english = month_chart(&period, &all, Language::English);
        let labels: Vec<Option<&str>> = english.months.iter().map(|m| m.label).collect();
        assert_eq!(labels, [Some("Jul"), Some("Aug"), Some("Sep")]);
        assert_eq!(
            english.months,
            chart
                .months
                .iter()
                .zip(&labels)
                .map(|(m, label)| MonthBars {
                    label: *label,
                    ..m.clone()
                })
                .collect::<Vec<_>>()
        );
        assert_eq!(
            english.description,
            "Visits per month from July 2026 to September 2026. Visits in all: 30, with a one-to-one talk: 15. Most visits in a month: 20. The figures are in the table beside the chart."
        );
        let empty = Period::parse(d("2026-07-01"), d("2026-09-30")).expect("period");
        assert_eq!(
            month_chart(&empty, &[], Language::Swedish).description,
            "Inga månader i perioden."
        );
        assert_eq!(
            month_chart(&empty, &[], Language::English).description,
            "No months in the period."
        );
    }

    #[test]
    fn compliance_has_a_bar_per_column_consultants_apart_and_the_total_last() {
        use crate::selfcheck::tests::{anna, child, kim, report_of};
        // Anna: two of three children visited in time; Kim (a consultant):
        // none of one; a child without a worker.
        let report = report_of(&[
            child(vec![anna()], 3, 0),
            child(vec![anna()], 2, 0),
            child(vec![anna()], 0, 1),
            child(vec![kim()], 1, 1),
            child(Vec::new(), 1, 0),
        ]);
        let chart = compliance_chart(&report, Language::Swedish);
        let rows: Vec<(&str, bool, &str)> = chart
            .bars
            .iter()
            .map(|b| (b.label.as_str(), b.consultant, b.text.as_str()))
            .collect();
        assert_eq!(
            rows,
            [
                ("Anna Lind", false, "2 av 3 (67\u{a0}%)"),
                (
                    "Ingen ansvarig socialsekreterare",
                    false,
                    "1 av 1 (100\u{a0}%)"
                ),
                ("Kim Ek", true, "0 av 1 (0\u{a0}%)"),
                ("Totalt", false, "3 av 5 (60\u{a0}%)"),
            ]
        );
        assert_eq!(chart.bars[1].width, SHARE_BAR_MAX);
        assert_eq!(chart.bars[2].width, 0.0);
        assert_eq!(chart.bars[3].width, 0.6 * SHARE_BAR_MAX);
        assert_eq!(chart.bars[3].y, 3.0 * SHARE_ROW);
        assert_eq!(chart.height, 4.0 * SHARE_ROW);
        assert!(
            chart.description.contains("Kim Ek: 0 av 1 (0\u{a0}%)"),
            "{}",
            chart.description
        );
        let english = compliance_chart(&report, Language::English);
        let rows: Vec<(&str, bool, &str)> = english
            .bars
            .iter()
            .map(|b| (b.label.as_str(), b.consultant, b.text.as_str()))
            .collect();
        assert_eq!(
            rows,
            [
                ("Anna Lind", false, "2 of 3 (67%)"),
                ("No responsible social worker", false, "1 of 1 (100%)"),
                ("Kim Ek", true, "0 of 1 (0%)"),
                ("Total", false, "3 of 5 (60%)"),
            ]
        );
        assert_eq!(
            english.description,
            "Share of children visited at least every third month throughout the period. Anna Lind: 2 of 3 (67%); No responsible social worker: 1 of 1 (100%); Kim Ek: 0 of 1 (0%); Total: 3 of 5 (60%)."
        );
    }

    #[test]
    fn with_more_than_twelve_months_every_other_is_named_and_the_table_gives_the_numbers() {
        let period = Period::parse(d("2025-01-01"), d("2026-06-30")).expect("period");
        let all: Vec<MonthlyVisits> = period
            .months()
            .into_iter()
            .map(|month| MonthlyVisits {
                month,
                visits: 1,
                talked_alone: 0,
            })
            .collect();
        let chart = month_chart(&period, &all, Language::Swedish);
        assert_eq!(chart.months.len(), 18);
        assert!(!chart.values_shown);
        let named: Vec<&str> = chart.months.iter().filter_map(|m| m.label).collect();
        assert_eq!(named.len(), 9);
        assert_eq!(named[..3], ["jan", "mar", "maj"]);
    }

    #[test]
    fn month_names_are_in_the_language() {
        assert_eq!(Language::Swedish.month_short(d("2026-05-01")), "maj");
        assert_eq!(
            Language::Swedish.month_year(d("2026-10-01")),
            "oktober 2026"
        );
        assert_eq!(Language::English.month_short(d("2026-05-01")), "May");
        assert_eq!(
            Language::English.month_year(d("2026-10-01")),
            "October 2026"
        );
        let period = Period::parse(d("2025-01-01"), d("2026-06-30")).expect("period");
        let all: Vec<MonthlyVisits> = period
            .months()
            .into_iter()
            .map(|month| MonthlyVisits {
                month,
                visits: 1,
                talked_alone: 0,
            })
            .collect();
        let chart = month_chart(&period, &all, Language::English);
        let named: Vec<&str> = chart.months.iter().filter_map(|m| m.label).collect();
        assert_eq!(named[..3], ["Jan", "Mar", "May"]);
    }
}
