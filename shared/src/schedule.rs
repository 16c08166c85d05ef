//! When the next visit to a placed child is due.
//!
//! The rule (see `docs/architecture.md`): the first visit is due within 7 days of
//! the start of a placement; after that, at the latest three calendar months
//! after the previous visit in the same placement. Adding calendar months clamps
//! to the month's end (30 November + 3 months = 28/29 February). Visits before
//! the placement started do not count, and no visit is due after a placement
//! has ended.

use crate::domain::Placement;
use chrono::{Days, Months, NaiveDate};

pub const FIRST_VISIT_WITHIN_DAYS: u64 = 7;
pub const MONTHS_BETWEEN_VISITS: u32 = 3;
/// A visit due within this many days counts as "due soon".
pub const DUE_SOON_DAYS: i64 = 14;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DueReason {
    /// No visit yet in this placement: within a week of its start.
    FirstVisitAfterPlacement,
    /// Every third month after the previous visit.
    RegularVisit { previous: NaiveDate },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NextVisit {
    pub due_date: NaiveDate,
    pub reason: DueReason,
}

/// The next visit due in `placement`, given the dates of the visits made to the
/// child. `None` when the placement ends before another visit falls due.
pub fn next_visit_due(
    placement: &Placement,
    visit_dates: impl IntoIterator<Item = NaiveDate>,
) -> Option<NextVisit> {
    let in_placement = |d: &NaiveDate| {
        *d >= placement.start_date && placement.end_date.is_none_or(|end| *d <= end)
    };
    let last = visit_dates.into_iter().filter(in_placement).max();
    let next = match last {
        None => NextVisit {
            due_date: placement
                .start_date
                .checked_add_days(Days::new(FIRST_VISIT_WITHIN_DAYS))?,
            reason: DueReason::FirstVisitAfterPlacement,
        },
        Some(previous) => NextVisit {
            due_date: previous.checked_add_months(Months::new(MONTHS_BETWEEN_VISITS))?,
            reason: DueReason::RegularVisit { previous },
        },
    };
    match placement.end_date {
        Some(end) if end < next.due_date => None,
        _ => Some(next),
    }
}

/// How a due date stands on a given day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DueStatus {
    /// Past the due date by this many days (försenad).
    Overdue {
        days: i64,
    },
    /// Due within [`DUE_SOON_DAYS`] days (0 = today).
    DueSoon {
        days: i64,
    },
    Later {
        days: i64,
    },
}

pub fn due_status(due_date: NaiveDate, today: NaiveDate) -> DueStatus {
    let days = (due_date - today).num_days();
    if days < 0 {
        DueStatus::Overdue { days: -days }
    } else if days <= DUE_SOON_DAYS {
        DueStatus::DueSoon { days }
    } else {
        DueStatus::Later { days }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{LegalBasis, PersonName, PlacementKind};
    use crate::ids::{ChildId, PlacementId};
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("valid date")
    }

    fn placement(start: NaiveDate, end: Option<NaiveDate>) -> Placement {
        Placement {
            id: PlacementId::new_random(),
            child_id: ChildId::new_random(),
            kind: PlacementKind::FosterHome,
            home_name: PersonName::parse("Familjen Berg").expect("valid"),
            legal_basis: LegalBasis::SoL,
            start_date: start,
            end_date: end,
        }
    }

    #[test]
    fn first_visit_is_due_a_week_after_placement() {
        let next = next_visit_due(&placement(d(2026, 3, 2), None), []).expect("due");
        assert_eq!(next.due_date, d(2026, 3, 9));
        assert_eq!(next.reason, DueReason::FirstVisitAfterPlacement);
    }

    #[test]
    fn then_three_calendar_months_after_the_last_visit() {
        let p = placement(d(2026, 1, 1), None);
        let next = next_visit_due(&p, [d(2026, 1, 5), d(2026, 4, 20)]).expect("due");
        assert_eq!(next.due_date, d(2026, 7, 20));
    }

    #[test]
    fn month_end_is_clamped() {
        let p = placement(d(2026, 11, 1), None);
        assert_eq!(
            next_visit_due(&p, [d(2026, 11, 30)]).map(|n| n.due_date),
            Some(d(2027, 2, 28))
        );
        let p = placement(d(2027, 11, 1), None);
        assert_eq!(
            next_visit_due(&p, [d(2027, 11, 30)]).map(|n| n.due_date),
            Some(d(2028, 2, 29)),
            "leap year"
        );
    }

    #[test]
    fn visits_before_the_placement_do_not_count() {
        let p = placement(d(2026, 6, 1), None);
        let next = next_visit_due(&p, [d(2026, 5, 28)]).expect("due");
        assert_eq!(next.reason, DueReason::FirstVisitAfterPlacement);
        assert_eq!(next.due_date, d(2026, 6, 8));
    }

    #[test]
    fn nothing_is_due_after_the_placement_ends() {
        let p = placement(d(2026, 1, 1), Some(d(2026, 1, 5)));
        assert_eq!(next_visit_due(&p, []), None);
        let p = placement(d(2026, 1, 1), Some(d(2026, 1, 8)));
        assert_eq!(
            next_visit_due(&p, []).map(|n| n.due_date),
            Some(d(2026, 1, 8)),
            "due on the last day is still due"
        );
    }

    #[test]
    fn due_status_counts_days() {
        assert_eq!(
            due_status(d(2026, 1, 10), d(2026, 1, 13)),
            DueStatus::Overdue { days: 3 }
        );
        assert_eq!(
            due_status(d(2026, 1, 10), d(2026, 1, 10)),
            DueStatus::DueSoon { days: 0 }
        );
        assert_eq!(
            due_status(d(2026, 3, 10), d(2026, 1, 10)),
            DueStatus::Later { days: 59 }
        );
    }

    fn date() -> impl Strategy<Value = NaiveDate> {
        (0i64..20_000).prop_map(|n| d(2000, 1, 1) + chrono::Duration::days(n))
    }

    proptest! {
        #[test]
        fn next_due_is_never_more_than_three_months_after_any_counted_visit(
            start in date(),
            offsets in proptest::collection::vec(0i64..2_000, 0..8),
        ) {
            let p = placement(start, None);
            let visits: Vec<NaiveDate> = offsets.iter().map(|o| start + chrono::Duration::days(*o)).collect();
            let next = next_visit_due(&p, visits.iter().copied()).expect("open placement always has a next visit");
            match visits.iter().max() {
                None => prop_assert_eq!(next.due_date, start + chrono::Duration::days(7)),
                Some(last) => {
                    prop_assert!(next.due_date > *last);
                    prop_assert!((next.due_date - *last).num_days() <= 92);
                    prop_assert!((next.due_date - *last).num_days() >= 89);
                }
            }
        }

        #[test]
        fn order_of_visits_does_not_matter(
            start in date(),
            mut offsets in proptest::collection::vec(-100i64..2_000, 0..8),
        ) {
            let p = placement(start, None);
            let as_dates = |o: &[i64]| o.iter().map(|o| start + chrono::Duration::days(*o)).collect::<Vec<_>>();
            let a = next_visit_due(&p, as_dates(&offsets));
            offsets.reverse();
            let b = next_visit_due(&p, as_dates(&offsets));
            prop_assert_eq!(a, b);
        }
    }
}
