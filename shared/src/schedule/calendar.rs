//! Due visits laid out as a week or month calendar: plain data for the app to
//! render. Weeks start on Monday and are numbered as in Sweden (ISO 8601).

use super::{due_status, DueStatus};
use crate::ids::ChildId;
use chrono::{Datelike, Days, Month, Months, NaiveDate, Weekday};

/// One child's next due visit, as the caseload knows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DueItem {
    pub child_id: ChildId,
    /// As the app shows it; the calendar only sorts by it.
    pub child_name: String,
    pub due_date: NaiveDate,
    pub status: DueStatus,
}

impl DueItem {
    pub fn new(
        child_id: ChildId,
        child_name: String,
        due_date: NaiveDate,
        today: NaiveDate,
    ) -> Self {
        Self {
            child_id,
            child_name,
            due_date,
            status: due_status(due_date, today),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CalendarDay {
    pub date: NaiveDate,
    /// False for the days of the neighbouring months that fill a month's
    /// first and last weeks.
    pub in_period: bool,
    /// Visits due on this day, by child name.
    pub items: Vec<DueItem>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CalendarWeek {
    /// The ISO week-numbering year, which differs from the calendar year
    /// around New Year (29 December 2025 is in week 1 of 2026).
    pub iso_year: i32,
    pub week: u32,
    /// Monday to Sunday.
    pub days: [CalendarDay; 7],
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CalendarView {
    /// "Vecka 12 2026" or "mars 2026".
    pub title: String,
    pub weeks: Vec<CalendarWeek>,
    /// Overdue visits due before the first day shown: still to be made, so
    /// the view lists them apart instead of dropping them. By due date.
    pub overdue_earlier: Vec<DueItem>,
}

// Saturates at chrono's limits (year ±262,143), far from any real date.
fn plus_days(date: NaiveDate, days: u64) -> NaiveDate {
    date.checked_add_days(Days::new(days))
        .unwrap_or(NaiveDate::MAX)
}

/// The Monday-to-Sunday week that `day` falls in.
pub fn days_of_week(day: NaiveDate) -> [NaiveDate; 7] {
    let back = Days::new(day.weekday().num_days_from_monday().into());
    let monday = day.checked_sub_days(back).unwrap_or(NaiveDate::MIN);
    std::array::from_fn(|i| plus_days(monday, i as u64))
}

/// The weeks that show month `month` (1–12) of `year`, Monday first: four to
/// six, the first and last padded with days of the neighbouring months.
/// `None` for a month that does not exist.
pub fn weeks_of_month(year: i32, month: u32) -> Option<Vec<[NaiveDate; 7]>> {
    let first = NaiveDate::from_ymd_opt(year, month, 1)?;
    let last = first.checked_add_months(Months::new(1))?.pred_opt()?;
    let mut weeks = vec![days_of_week(first)];
    while let Some(sunday) = weeks.last().map(|w| w[6]).filter(|s| *s < last) {
        weeks.push(days_of_week(plus_days(sunday, 1)));
    }
    Some(weeks)
}

/// The week that `day` falls in, with the visits due in it.
pub fn week_view(items: &[DueItem], day: NaiveDate) -> CalendarView {
    let week = lay_out(items, days_of_week(day), |_| true);
    CalendarView {
        title: format!("Vecka {} {}", week.week, week.iso_year),
        overdue_earlier: overdue_before(items, week.days[0].date),
        weeks: vec![week],
    }
}

/// Month `month` (1–12) of `year`, with the visits due in it. `None` for a
/// month that does not exist.
pub fn month_view(items: &[DueItem], year: i32, month: u32) -> Option<CalendarView> {
    let in_month = |d: NaiveDate| d.year() == year && d.month() == month;
    let weeks: Vec<CalendarWeek> = weeks_of_month(year, month)?
        .into_iter()
        .map(|days| lay_out(items, days, in_month))
        .collect();
    let first_shown = weeks.first()?.days[0].date;
    let name = month_name_sv(Month::try_from(u8::try_from(month).ok()?).ok()?);
    Some(CalendarView {
        title: format!("{name} {year}"),
        overdue_earlier: overdue_before(items, first_shown),
        weeks,
    })
}

fn lay_out(
    items: &[DueItem],
    days: [NaiveDate; 7],
    in_period: impl Fn(NaiveDate) -> bool,
) -> CalendarWeek {
    let iso = days[0].iso_week();
    CalendarWeek {
        iso_year: iso.year(),
        week: iso.week(),
        days: days.map(|date| {
            let mut due: Vec<DueItem> = items
                .iter()
                .filter(|i| i.due_date == date)
                .cloned()
                .collect();
            due.sort_by(|a, b| (&a.child_name, a.child_id).cmp(&(&b.child_name, b.child_id)));
            CalendarDay {
                date,
                in_period: in_period(date),
                items: due,
            }
        }),
    }
}

fn overdue_before(items: &[DueItem], first_shown: NaiveDate) -> Vec<DueItem> {
    let mut overdue: Vec<DueItem> = items
        .iter()
        .filter(|i| i.due_date < first_shown && matches!(i.status, DueStatus::Overdue { .. }))
        .cloned()
        .collect();
    overdue.sort_by(|a, b| {
        (a.due_date, &a.child_name, a.child_id).cmp(&(b.due_date, &b.child_name, b.child_id))
    });
    overdue
}

/// "januari" … "december", as in running Swedish text.
pub fn month_name_sv(month: Month) -> &'static str {
    match month {
        Month::January => "januari",
        Month::February => "februari",
        Month::March => "mars",
        Month::April => "april",
        Month::May => "maj",
        Month::June => "juni",
        Month::July => "juli",
        Month::August => "augusti",
        Month::September => "september",
        Month::October => "oktober",
        Month::November => "november",
        Month::December => "december",
    }
}

/// "mån" … "sön", for column heads.
pub fn weekday_short_sv(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "mån",
        Weekday::Tue => "tis",
        Weekday::Wed => "ons",
        Weekday::Thu => "tor",
        Weekday::Fri => "fre",
        Weekday::Sat => "lör",
        Weekday::Sun => "sön",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("valid date")
    }

    fn item(name: &str, due: NaiveDate, today: NaiveDate) -> DueItem {
        DueItem::new(ChildId::new_random(), name.to_owned(), due, today)
    }

    #[test]
    fn weeks_start_on_monday() {
        let week = days_of_week(d(2026, 3, 19));
        assert_eq!(week[0], d(2026, 3, 16));
        assert_eq!(week[6], d(2026, 3, 22));
        assert_eq!(days_of_week(d(2026, 3, 16)), week);
        assert_eq!(days_of_week(d(2026, 3, 22)), week);
    }

    #[test]
    fn week_numbers_are_iso_around_new_year() {
        let view = week_view(&[], d(2025, 12, 31));
        assert_eq!(view.title, "Vecka 1 2026");
        assert_eq!(view.weeks[0].days[0].date, d(2025, 12, 29));
        assert_eq!(week_view(&[], d(2027, 1, 3)).title, "Vecka 53 2026");
        assert_eq!(week_view(&[], d(2021, 1, 1)).title, "Vecka 53 2020");
    }

    #[test]
    fn a_month_is_four_to_six_weeks() {
        // February 2027 starts on a Monday and has 28 days.
        let feb = weeks_of_month(2027, 2).expect("month");
        assert_eq!(feb.len(), 4);
        assert_eq!((feb[0][0], feb[3][6]), (d(2027, 2, 1), d(2027, 2, 28)));
        // March 2026 starts on a Sunday and ends on a Tuesday.
        let march = weeks_of_month(2026, 3).expect("month");
        assert_eq!(march.len(), 6);
        assert_eq!((march[0][0], march[5][6]), (d(2026, 2, 23), d(2026, 4, 5)));
        assert_eq!(weeks_of_month(2026, 13), None);
    }

    #[test]
    fn month_view_places_each_visit_on_its_day() {
        let today = d(2026, 3, 10);
        let items = [
            item("Noah", d(2026, 3, 12), today),
            item("Alva", d(2026, 3, 12), today),
            item("Elsa", d(2026, 2, 24), today),
            item("Liam", d(2026, 1, 5), today),
            item("Maja", d(2026, 5, 1), today),
        ];
        let view = month_view(&items, 2026, 3).expect("month");
        assert_eq!(view.title, "mars 2026");
        assert_eq!(view.weeks[0].week, 9);
        let day = |date| {
            view.weeks
                .iter()
                .flat_map(|w| &w.days)
                .find(|day| day.date == date)
                .expect("shown")
        };
        let names = |date| {
            day(date)
                .items
                .iter()
                .map(|i| i.child_name.as_str())
                .collect::<Vec<_>>()
        };
        assert_eq!(names(d(2026, 3, 12)), ["Alva", "Noah"]);
        assert_eq!(names(d(2026, 2, 24)), ["Elsa"], "shown in the padding week");
        assert!(!day(d(2026, 2, 24)).in_period);
        assert!(day(d(2026, 3, 1)).in_period);
        assert_eq!(view.overdue_earlier.len(), 1);
        assert_eq!(view.overdue_earlier[0].child_name, "Liam");
        assert_eq!(
            view.overdue_earlier[0].status,
            DueStatus::Overdue { days: 64 }
        );
    }

    #[test]
    fn swedish_names() {
        assert_eq!(month_name_sv(Month::May), "maj");
        assert_eq!(weekday_short_sv(Weekday::Sat), "lör");
    }

    proptest! {
        #[test]
        fn every_item_due_in_a_month_view_is_shown_exactly_once(
            year in 1990i32..2100,
            month in 1u32..=12,
            dues in prop::collection::vec(0u64..120, 0..20),
            today_offset in 0u64..200,
        ) {
            let base = d(year, month, 1) - Days::new(40);
            let today = base + Days::new(today_offset);
            let items: Vec<DueItem> = dues.iter().map(|n| item("Barn", base + Days::new(*n), today)).collect();
            let view = month_view(&items, year, month).expect("month");
            let days: Vec<&CalendarDay> = view.weeks.iter().flat_map(|w| &w.days).collect();
            for pair in days.windows(2) {
                prop_assert_eq!(pair[0].date.succ_opt(), Some(pair[1].date));
            }
            prop_assert_eq!(days[0].date.weekday(), Weekday::Mon);
            prop_assert!((4..=6).contains(&view.weeks.len()));
            for week in &view.weeks {
                let iso = week.days[3].date.iso_week();
                prop_assert_eq!((week.iso_year, week.week), (iso.year(), iso.week()));
            }
            let in_month = days.iter().filter(|d| d.in_period).count();
            prop_assert_eq!(u32::try_from(in_month).ok(), d(year, month, 1).checked_add_months(Months::new(1)).and_then(|n| n.pred_opt()).map(|l| l.day()));
            for i in &items {
                let shown = days.iter().flat_map(|d| &d.items).filter(|s| s.child_id == i.child_id).count();
                let listed = view.overdue_earlier.iter().filter(|s| s.child_id == i.child_id).count();
                let in_grid = i.due_date >= days[0].date && i.due_date <= days[days.len() - 1].date;
                let overdue = matches!(i.status, DueStatus::Overdue { .. });
                prop_assert_eq!(shown, usize::from(in_grid));
                prop_assert_eq!(listed, usize::from(i.due_date < days[0].date && overdue));
            }
        }
    }
}
