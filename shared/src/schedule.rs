//! When the next visit to a placed child is due, and what contact there was.
//! The exact rule, with worked examples, is in `docs/visit-schedule.md`:
//!
//! - The first visit in a placement is due within 7 days of its start; after
//!   that, at the latest three calendar months after the previous visit in the
//!   same placement. Adding months clamps to the month's end (30 November +
//!   3 months = 28/29 February).
//! - Only an in-person visit by the social worker or a consultant counts
//!   ([`Visit::counts_for_schedule`]), and only one dated from the start to the
//!   end of the placement, both days included.
//! - Each new placement restarts the clock. Nothing is due once a placement's
//!   clock stops (its end, or the start of the next placement) before the due
//!   date, nor after a placement has ended.

pub mod calendar;

use crate::domain::{ContactKind, Placement, Visit, VisitorRole};
use crate::ids::PlacementId;
use chrono::{Datelike, Days, Months, NaiveDate};
use std::ops::RangeInclusive;

pub const FIRST_VISIT_WITHIN_DAYS: u64 = 7;
pub const MONTHS_BETWEEN_VISITS: u32 = 3;
/// The longest three calendar months can be (31 May to 31 August).
pub const MAX_DAYS_BETWEEN_VISITS: i64 = 92;
/// A visit due within this many days counts as "due soon".
pub const DUE_SOON_DAYS: i64 = 14;

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum DueReason {
    /// No visit yet in this placement: within a week of its start.
    FirstVisitAfterPlacement,
    /// Every third month after the previous visit.
    RegularVisit { previous: NaiveDate },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct NextVisit {
    /// The placement the visit is due in.
    pub placement_id: PlacementId,
    pub due_date: NaiveDate,
    pub reason: DueReason,
}

/// What is due for one child, from all of the child's placements and visits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChildSchedule {
    /// A visit is due (perhaps already overdue).
    Due(NextVisit),
    /// The placement's clock stops on `until` (its end, or the start of the
    /// next placement) before another visit falls due, or it has ended.
    NothingDue {
        placement_id: PlacementId,
        until: NaiveDate,
    },
    /// The child has no placement.
    NotPlaced,
}

impl ChildSchedule {
    pub fn next_visit(&self) -> Option<NextVisit> {
        match self {
            Self::Due(next) => Some(*next),
            Self::NothingDue { .. } | Self::NotPlaced => None,
        }
    }
}

/// The placement in force on `today`, or else the latest one started. Ties
/// (the same start date) go to the greater id, so that the answer does not
/// depend on the order of `placements`.
pub fn current_placement(placements: &[Placement], today: NaiveDate) -> Option<&Placement> {
    let key = |p: &&Placement| (p.start_date, p.id);
    placements
        .iter()
        .filter(|p| p.is_current_on(today))
        .max_by_key(key)
        .or_else(|| placements.iter().max_by_key(key))
}

/// What is due for a child on `today`: the rule applied to the current
/// placement ([`current_placement`]) with the visits that count. When that
/// placement's clock stops before its next visit falls due and a later
/// placement is already recorded, the later placement's first visit is due.
pub fn child_schedule(
    placements: &[Placement],
    visits: &[Visit],
    today: NaiveDate,
) -> ChildSchedule {
    let Some(current) = current_placement(placements, today) else {
        return ChildSchedule::NotPlaced;
    };
    if let Some(end) = current.end_date.filter(|end| *end < today) {
        return ChildSchedule::NothingDue {
            placement_id: current.id,
            until: end,
        };
    }
    let mut later: Vec<&Placement> = placements
        .iter()
        .filter(|p| p.start_date > today.max(current.start_date))
        .collect();
    later.sort_by_key(|p| (p.start_date, p.id));
    let chain: Vec<&Placement> = std::iter::once(current).chain(later).collect();
    let mut stopped = ChildSchedule::NotPlaced;
    for (i, placement) in chain.iter().enumerate() {
        let next_start = chain.get(i + 1).map(|p| p.start_date);
        let clock_end = [placement.end_date, next_start].into_iter().flatten().min();
        let counted = visits
            .iter()
            .filter(|v| v.child_id == placement.child_id && v.counts_for_schedule())
            .map(|v| v.visit_date);
        if let Some(next) = due_before(placement, clock_end, counted) {
            return ChildSchedule::Due(next);
        }
        stopped = ChildSchedule::NothingDue {
            placement_id: placement.id,
            // Only an overflow of chrono's date range leaves an open clock with nothing due.
            until: clock_end.unwrap_or(NaiveDate::MAX),
        };
    }
    stopped
}

/// The next visit due in `placement`, given the dates of the visits that
/// count (see [`Visit::counts_for_schedule`]; [`child_schedule`] filters them
/// itself). Dates outside the placement are ignored. `None` when the
/// placement ends before another visit falls due.
pub fn next_visit_due(
    placement: &Placement,
    visit_dates: impl IntoIterator<Item = NaiveDate>,
) -> Option<NextVisit> {
    due_before(placement, placement.end_date, visit_dates)
}

/// The rule for one placement whose clock stops on `clock_end`, inclusive.
fn due_before(
    placement: &Placement,
    clock_end: Option<NaiveDate>,
    visit_dates: impl IntoIterator<Item = NaiveDate>,
) -> Option<NextVisit> {
    let last = visit_dates
        .into_iter()
        .filter(|d| *d >= placement.start_date && clock_end.is_none_or(|end| *d <= end))
        .max();
    let (due_date, reason) = match last {
        None => (
            placement
                .start_date
                .checked_add_days(Days::new(FIRST_VISIT_WITHIN_DAYS))?,
            DueReason::FirstVisitAfterPlacement,
        ),
        Some(previous) => (
            previous.checked_add_months(Months::new(MONTHS_BETWEEN_VISITS))?,
            DueReason::RegularVisit { previous },
        ),
    };
    if clock_end.is_some_and(|end| end < due_date) {
        return None;
    }
    Some(NextVisit {
        placement_id: placement.id,
        due_date,
        reason,
    })
}

/// How a due date stands on a given day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
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

/// How many contacts of one kind, and the latest.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub count: u32,
    pub last: Option<NaiveDate>,
}

impl Tally {
    fn add(&mut self, date: NaiveDate) {
        self.count = self.count.saturating_add(1);
        self.last = self.last.max(Some(date));
    }
}

/// A child's recorded contacts in a period, for follow-up (egenkontroll).
/// Each record counts once, also when several share a day.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ContactSummary {
    /// In-person visits by a social worker or consultant: the ones that count
    /// for the schedule.
    pub visits: Tally,
    /// In-person visits by a disability-area officer, followed up on their own
    /// (twice a year for stödboende); no due date.
    pub disability_officer_visits: Tally,
    /// Phone calls, whoever made them.
    pub phone_calls: Tally,
    /// Video calls, whoever made them.
    pub video_calls: Tally,
}

/// The contacts among `visits` dated within `period` (both ends included).
/// Pass one child's visits for a per-child summary.
pub fn contact_summary(visits: &[Visit], period: &RangeInclusive<NaiveDate>) -> ContactSummary {
    let mut summary = ContactSummary::default();
    for visit in visits.iter().filter(|v| period.contains(&v.visit_date)) {
        let tally = match (visit.contact, visit.visitor_role) {
            (ContactKind::Phone, _) => &mut summary.phone_calls,
            (ContactKind::Video, _) => &mut summary.video_calls,
            (ContactKind::InPerson, VisitorRole::DisabilityOfficer) => {
                &mut summary.disability_officer_visits
            }
            (ContactKind::InPerson, VisitorRole::Employee | VisitorRole::Consultant) => {
                &mut summary.visits
            }
        };
        tally.add(visit.visit_date);
    }
    summary
}

/// The half year `date` falls in (1 January–30 June or 1 July–31 December):
/// the period of the twice-yearly follow-up.
pub fn half_year(date: NaiveDate) -> RangeInclusive<NaiveDate> {
    let (from, to) = if date.month() <= 6 {
        ((1, 1), (6, 30))
    } else {
        ((7, 1), (12, 31))
    };
    let day = |(m, d)| NaiveDate::from_ymd_opt(date.year(), m, d).unwrap_or(date);
    day(from)..=day(to)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{LegalBasis, PersonName, PlacementKind};
    use crate::ids::{ChildId, VisitId};
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("valid date")
    }

    fn placement_of(child: ChildId, start: NaiveDate, end: Option<NaiveDate>) -> Placement {
        Placement {
            id: PlacementId::new_random(),
            child_id: child,
            kind: PlacementKind::FosterHome,
            home_name: PersonName::parse("Familjen Berg").expect("valid"),
            legal_basis: LegalBasis::SoL,
            start_date: start,
            end_date: end,
            ..Placement::blank()
        }
    }

    fn placement(start: NaiveDate, end: Option<NaiveDate>) -> Placement {
        placement_of(ChildId::new_random(), start, end)
    }

    fn contact(child: ChildId, date: NaiveDate, contact: ContactKind, role: VisitorRole) -> Visit {
        Visit {
            id: VisitId::new_random(),
            child_id: child,
            visit_date: date,
            contact,
            visitor_role: role,
            ..Visit::blank()
        }
    }

    fn visit(child: ChildId, date: NaiveDate) -> Visit {
        contact(child, date, ContactKind::InPerson, VisitorRole::Employee)
    }

    fn due(schedule: ChildSchedule) -> Option<NaiveDate> {
        schedule.next_visit().map(|n| n.due_date)
    }

    #[test]
    fn first_visit_is_due_a_week_after_placement() {
        let p = placement(d(2026, 3, 2), None);
        let next = next_visit_due(&p, []).expect("due");
        assert_eq!(next.due_date, d(2026, 3, 9));
        assert_eq!(next.reason, DueReason::FirstVisitAfterPlacement);
        assert_eq!(next.placement_id, p.id);
    }

    #[test]
    fn then_three_calendar_months_after_the_last_visit() {
        let p = placement(d(2026, 1, 1), None);
        let next = next_visit_due(&p, [d(2026, 1, 5), d(2026, 4, 20)]).expect("due");
        assert_eq!(next.due_date, d(2026, 7, 20));
        assert_eq!(
            next.reason,
            DueReason::RegularVisit {
                previous: d(2026, 4, 20)
            }
        );
    }

    #[test]
    fn month_end_is_clamped() {
        let due_after = |visit: NaiveDate| {
            next_visit_due(&placement(d(2000, 1, 1), None), [visit]).map(|n| n.due_date)
        };
        assert_eq!(due_after(d(2026, 11, 30)), Some(d(2027, 2, 28)));
        assert_eq!(
            due_after(d(2027, 11, 30)),
            Some(d(2028, 2, 29)),
            "leap year"
        );
        assert_eq!(due_after(d(2026, 8, 31)), Some(d(2026, 11, 30)));
        assert_eq!(
            due_after(d(2028, 2, 29)),
            Some(d(2028, 5, 29)),
            "from a leap day"
        );
        assert_eq!(due_after(d(2026, 12, 31)), Some(d(2027, 3, 31)));
    }

    #[test]
    fn a_visit_on_the_start_day_counts_one_the_day_before_does_not() {
        let p = placement(d(2026, 6, 1), None);
        let on_start = next_visit_due(&p, [d(2026, 6, 1)]).expect("due");
        assert_eq!(on_start.due_date, d(2026, 9, 1));
        let before = next_visit_due(&p, [d(2026, 5, 31)]).expect("due");
        assert_eq!(before.reason, DueReason::FirstVisitAfterPlacement);
        assert_eq!(before.due_date, d(2026, 6, 8));
    }

    #[test]
    fn nothing_is_due_when_the_placement_ends_first() {
        let p = placement(d(2026, 1, 1), Some(d(2026, 1, 5)));
        assert_eq!(next_visit_due(&p, []), None);
        let p = placement(d(2026, 1, 1), Some(d(2026, 1, 8)));
        assert_eq!(
            next_visit_due(&p, []).map(|n| n.due_date),
            Some(d(2026, 1, 8)),
            "due on the last day is still due"
        );
        let p = placement(d(2026, 1, 1), Some(d(2026, 6, 30)));
        assert_eq!(
            next_visit_due(&p, [d(2026, 1, 5), d(2026, 7, 1)]).map(|n| n.due_date),
            Some(d(2026, 4, 5)),
            "a visit after the end does not count"
        );
    }

    #[test]
    fn only_in_person_visits_by_the_social_worker_or_a_consultant_count() {
        let p = placement(d(2026, 5, 1), None);
        let kid = p.child_id;
        let today = d(2026, 5, 4);
        let calls = [
            contact(kid, today, ContactKind::Phone, VisitorRole::Employee),
            contact(kid, today, ContactKind::Video, VisitorRole::Consultant),
            contact(
                kid,
                today,
                ContactKind::InPerson,
                VisitorRole::DisabilityOfficer,
            ),
        ];
        let ps = [p];
        assert_eq!(due(child_schedule(&ps, &calls, today)), Some(d(2026, 5, 8)));
        let consultant = contact(kid, today, ContactKind::InPerson, VisitorRole::Consultant);
        assert_eq!(
            due(child_schedule(&ps, &[consultant], today)),
            Some(d(2026, 8, 4))
        );
    }

    #[test]
    fn several_visits_on_one_day_are_one_visit() {
        let p = placement(d(2026, 5, 1), None);
        let kid = p.child_id;
        let today = d(2026, 5, 4);
        let visits = [
            visit(kid, today),
            visit(kid, today),
            contact(kid, today, ContactKind::Phone, VisitorRole::Employee),
        ];
        assert_eq!(
            due(child_schedule(&[p], &visits, today)),
            Some(d(2026, 8, 4))
        );
    }

    #[test]
    fn another_childs_visits_do_not_count() {
        let p = placement(d(2026, 5, 1), None);
        let other = visit(ChildId::new_random(), d(2026, 5, 2));
        assert_eq!(
            due(child_schedule(&[p], &[other], d(2026, 5, 3))),
            Some(d(2026, 5, 8))
        );
    }

    #[test]
    fn a_new_placement_restarts_the_clock() {
        let kid = ChildId::new_random();
        let first = placement_of(kid, d(2026, 1, 1), Some(d(2026, 5, 10)));
        let second = placement_of(kid, d(2026, 5, 10), None);
        let ps = [first, second.clone()];
        let mut visits = vec![visit(kid, d(2026, 1, 3)), visit(kid, d(2026, 4, 1))];
        let today = d(2026, 5, 12);
        assert_eq!(
            child_schedule(&ps, &visits, today),
            ChildSchedule::Due(NextVisit {
                placement_id: second.id,
                due_date: d(2026, 5, 17),
                reason: DueReason::FirstVisitAfterPlacement,
            })
        );
        visits.push(visit(kid, d(2026, 5, 10)));
        assert_eq!(
            due(child_schedule(&ps, &visits, today)),
            Some(d(2026, 8, 10)),
            "a visit on the day of the move counts for the new placement"
        );
    }

    #[test]
    fn a_new_placement_restarts_the_clock_even_if_the_old_was_never_ended() {
        let kid = ChildId::new_random();
        let old = placement_of(kid, d(2026, 1, 1), None);
        let new = placement_of(kid, d(2026, 3, 1), None);
        let visits = [visit(kid, d(2026, 2, 20))];
        assert_eq!(
            due(child_schedule(&[old, new], &visits, d(2026, 3, 2))),
            Some(d(2026, 3, 8))
        );
    }

    #[test]
    fn a_short_placement_within_one_never_ended_leaves_the_open_one_in_force() {
        let kid = ChildId::new_random();
        let open = placement_of(kid, d(2026, 1, 1), None);
        let emergency = placement_of(kid, d(2026, 2, 1), Some(d(2026, 3, 1)));
        let visits = [visit(kid, d(2026, 1, 3))];
        let next = child_schedule(&[open.clone(), emergency], &visits, d(2026, 4, 1))
            .next_visit()
            .expect("due");
        assert_eq!((next.placement_id, next.due_date), (open.id, d(2026, 4, 3)));
    }

    #[test]
    fn a_recorded_later_placement_takes_over_when_the_current_stops_first() {
        let kid = ChildId::new_random();
        let current = placement_of(kid, d(2026, 1, 1), None);
        let planned = placement_of(kid, d(2026, 6, 15), None);
        let visits = [visit(kid, d(2026, 4, 1))];
        let ps = [current.clone(), planned.clone()];
        let next = child_schedule(&ps, &visits, d(2026, 6, 1))
            .next_visit()
            .expect("due");
        assert_eq!(
            (next.placement_id, next.due_date),
            (planned.id, d(2026, 6, 22))
        );
        let visits = [visit(kid, d(2026, 3, 10))];
        let next = child_schedule(&ps, &visits, d(2026, 6, 1))
            .next_visit()
            .expect("due");
        assert_eq!(
            (next.placement_id, next.due_date),
            (current.id, d(2026, 6, 10)),
            "due before the move: still due in the current home"
        );
    }

    #[test]
    fn nothing_is_due_after_a_placement_ended() {
        let p = placement(d(2026, 1, 1), Some(d(2026, 4, 30)));
        let visits = [visit(p.child_id, d(2026, 1, 5))];
        let ps = [p.clone()];
        assert_eq!(
            due(child_schedule(&ps, &visits, d(2026, 4, 30))),
            Some(d(2026, 4, 5)),
            "overdue on the last day"
        );
        assert_eq!(
            child_schedule(&ps, &visits, d(2026, 5, 1)),
            ChildSchedule::NothingDue {
                placement_id: p.id,
                until: d(2026, 4, 30)
            }
        );
        assert_eq!(
            child_schedule(&[], &visits, d(2026, 5, 1)),
            ChildSchedule::NotPlaced
        );
    }

    #[test]
    fn a_future_placement_is_due_a_week_after_it_starts() {
        let p = placement(d(2026, 9, 1), None);
        assert_eq!(
            due(child_schedule(&[p], &[], d(2026, 8, 20))),
            Some(d(2026, 9, 8))
        );
    }

    /// The table in docs/visit-schedule.md, row for row.
    #[test]
    fn documented_examples() {
        let rows = [
            // start, end, visits, due ("" for none)
            ("2026-03-02", "", "", "2026-03-09"),
            ("2026-03-02", "", "2026-03-02", "2026-06-02"),
            ("2026-03-02", "", "2026-02-27", "2026-03-09"),
            ("2026-01-01", "", "2026-01-05 2026-04-20", "2026-07-20"),
            ("2026-11-02", "", "2026-11-30", "2027-02-28"),
            ("2027-11-01", "", "2027-11-30", "2028-02-29"),
            ("2026-08-03", "", "2026-08-31", "2026-11-30"),
            ("2028-02-01", "", "2028-02-29", "2028-05-29"),
            ("2027-05-03", "", "2027-05-31", "2027-08-31"),
            ("2026-01-01", "2026-01-08", "", "2026-01-08"),
            ("2026-01-01", "2026-01-06", "", ""),
            ("2026-01-01", "2026-03-31", "2026-01-05", ""),
            ("2026-01-01", "2026-06-30", "2026-07-02", "2026-01-08"),
        ];
        let date = |s: &str| s.parse::<NaiveDate>().expect("date");
        let dates = |s: &str| s.split_whitespace().map(date).collect::<Vec<_>>();
        for (start, end, visits, due) in rows {
            let p = placement(date(start), dates(end).first().copied());
            assert_eq!(
                next_visit_due(&p, dates(visits)).map(|n| n.due_date),
                dates(due).first().copied(),
                "start {start}, visits {visits}"
            );
        }
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
            due_status(d(2026, 1, 24), d(2026, 1, 10)),
            DueStatus::DueSoon { days: 14 }
        );
        assert_eq!(
            due_status(d(2026, 1, 25), d(2026, 1, 10)),
            DueStatus::Later { days: 15 }
        );
    }

    #[test]
    fn contact_summary_counts_each_kind_in_the_period() {
        let kid = ChildId::new_random();
        let period = half_year(d(2026, 3, 15));
        assert_eq!(period, d(2026, 1, 1)..=d(2026, 6, 30));
        let visits = [
            visit(kid, d(2025, 12, 31)),
            visit(kid, d(2026, 1, 1)),
            contact(
                kid,
                d(2026, 2, 1),
                ContactKind::InPerson,
                VisitorRole::Consultant,
            ),
            contact(
                kid,
                d(2026, 3, 1),
                ContactKind::InPerson,
                VisitorRole::DisabilityOfficer,
            ),
            contact(
                kid,
                d(2026, 5, 1),
                ContactKind::InPerson,
                VisitorRole::DisabilityOfficer,
            ),
            contact(
                kid,
                d(2026, 4, 1),
                ContactKind::Phone,
                VisitorRole::DisabilityOfficer,
            ),
            contact(
                kid,
                d(2026, 6, 30),
                ContactKind::Video,
                VisitorRole::Employee,
            ),
            contact(
                kid,
                d(2026, 7, 1),
                ContactKind::Video,
                VisitorRole::Employee,
            ),
        ];
        let tally = |count, last: NaiveDate| Tally {
            count,
            last: Some(last),
        };
        assert_eq!(
            contact_summary(&visits, &period),
            ContactSummary {
                visits: tally(2, d(2026, 2, 1)),
                disability_officer_visits: tally(2, d(2026, 5, 1)),
                phone_calls: tally(1, d(2026, 4, 1)),
                video_calls: tally(1, d(2026, 6, 30)),
            }
        );
        assert_eq!(half_year(d(2026, 7, 1)), d(2026, 7, 1)..=d(2026, 12, 31));
    }

    fn date() -> impl Strategy<Value = NaiveDate> {
        (0u64..20_000).prop_map(|n| d(2000, 1, 1) + Days::new(n))
    }

    fn any_contact() -> impl Strategy<Value = (ContactKind, VisitorRole)> {
        (
            prop::sample::select(ContactKind::ALL.to_vec()),
            prop::sample::select(VisitorRole::ALL.to_vec()),
        )
    }

    /// One child's history: placements one after another (each from `base`
    /// plus an offset, some ended, some overlapping) and contacts around them.
    fn history() -> impl Strategy<Value = (Vec<Placement>, Vec<Visit>, NaiveDate)> {
        let placements = prop::collection::vec((0u64..1_500, prop::option::of(0u64..600)), 0..4);
        let contacts = prop::collection::vec((0u64..2_000, any_contact()), 0..10);
        (date(), placements, contacts, 0u64..2_000).prop_map(|(base, ps, cs, today)| {
            let kid = ChildId::from_uuid(uuid::Uuid::from_u128(1));
            let at = |n: u64| base + Days::new(n);
            let placements = ps
                .into_iter()
                .map(|(start, len)| placement_of(kid, at(start), len.map(|l| at(start + l))))
                .collect();
            let visits = cs
                .into_iter()
                .map(|(n, (kind, role))| contact(kid, at(n), kind, role))
                .collect();
            (placements, visits, at(today))
        })
    }

    proptest! {
        #[test]
        fn next_due_is_within_three_months_after_the_last_counted_visit(
            start in date(),
            offsets in prop::collection::vec(0u64..2_000, 0..8),
        ) {
            let p = placement(start, None);
            let visits: Vec<NaiveDate> = offsets.iter().map(|o| start + Days::new(*o)).collect();
            let next = next_visit_due(&p, visits.iter().copied()).expect("an open placement always has a next visit");
            match visits.iter().max() {
                None => prop_assert_eq!(next.due_date, start + Days::new(FIRST_VISIT_WITHIN_DAYS)),
                Some(last) => {
                    let gap = (next.due_date - *last).num_days();
                    prop_assert!((89..=MAX_DAYS_BETWEEN_VISITS).contains(&gap), "{gap} days");
                    prop_assert_eq!(next.due_date.month0(), (last.month0() + 3) % 12);
                }
            }
        }

        #[test]
        fn month_end_clamping_keeps_the_day_or_takes_the_months_last(visit in date()) {
            let next = next_visit_due(&placement(visit, None), [visit]).expect("due");
            let last_of_month = next.due_date.succ_opt().is_some_and(|n| n.day() == 1);
            prop_assert!(
                next.due_date.day() == visit.day()
                    || (next.due_date.day() < visit.day() && last_of_month)
            );
        }

        #[test]
        fn order_of_placements_and_visits_does_not_matter(
            (placements, visits, today) in history(),
            seed in any::<u64>(),
        ) {
            let a = child_schedule(&placements, &visits, today);
            let mut ps = placements;
            let mut vs = visits;
            ps.reverse();
            let len = vs.len().max(1);
            vs.rotate_left(usize::try_from(seed).unwrap_or(0) % len);
            vs.reverse();
            prop_assert_eq!(child_schedule(&ps, &vs, today), a);
        }

        #[test]
        fn a_contact_that_does_not_count_changes_nothing(
            (placements, mut visits, today) in history(),
            offset in 0u64..2_000,
            (kind, role) in any_contact(),
        ) {
            let before = child_schedule(&placements, &visits, today);
            let kid = ChildId::from_uuid(uuid::Uuid::from_u128(1));
            let call = contact(kid, placements.first().map_or(today, |p| p.start_date) + Days::new(offset), kind, role);
            prop_assume!(!call.counts_for_schedule());
            visits.push(call);
            prop_assert_eq!(child_schedule(&placements, &visits, today), before);
        }

        #[test]
        fn a_counted_visit_never_brings_the_due_date_forward(
            (placements, mut visits, today) in history(),
            offset in 0u64..2_000,
        ) {
            let before = child_schedule(&placements, &visits, today);
            let kid = ChildId::from_uuid(uuid::Uuid::from_u128(1));
            let base = placements.iter().map(|p| p.start_date).min().unwrap_or(today);
            visits.push(visit(kid, base + Days::new(offset)));
            let after = child_schedule(&placements, &visits, today);
            match (before, after) {
                (ChildSchedule::Due(b), ChildSchedule::Due(a)) => prop_assert!(a.due_date >= b.due_date),
                (ChildSchedule::NothingDue { .. }, ChildSchedule::Due(_)) => prop_assert!(false, "{before:?} became {after:?}"),
                _ => {}
            }
        }

        #[test]
        fn visits_outside_the_placement_change_nothing(
            start in date(),
            len in 0u64..1_000,
            inside in prop::collection::vec(0u64..1_000, 0..5),
            outside in prop::collection::vec(1u64..1_000, 1..5),
            after in any::<bool>(),
        ) {
            let end = start + Days::new(len);
            let p = placement(start, Some(end));
            let inside: Vec<NaiveDate> = inside.into_iter().filter(|o| *o <= len).map(|o| start + Days::new(o)).collect();
            let outside = outside.into_iter().map(|o| if after { end + Days::new(o) } else { start - Days::new(o) });
            prop_assert_eq!(
                next_visit_due(&p, inside.iter().copied().chain(outside)),
                next_visit_due(&p, inside)
            );
        }

        #[test]
        fn a_new_placement_is_due_a_week_after_its_start_until_visited(
            (placements, visits, _) in history(),
            gap in 0u64..400,
            days_in in 0u64..7,
        ) {
            let kid = ChildId::from_uuid(uuid::Uuid::from_u128(1));
            let latest = placements.iter().map(|p| p.start_date).max().unwrap_or(d(2000, 1, 1));
            let start = latest + Days::new(gap + 1);
            let new = placement_of(kid, start, None);
            let mut ps = placements;
            ps.push(new.clone());
            let visits: Vec<Visit> = visits.into_iter().filter(|v| v.visit_date < start).collect();
            let today = start + Days::new(days_in);
            prop_assert_eq!(
                child_schedule(&ps, &visits, today),
                ChildSchedule::Due(NextVisit {
                    placement_id: new.id,
                    due_date: start + Days::new(FIRST_VISIT_WITHIN_DAYS),
                    reason: DueReason::FirstVisitAfterPlacement,
                })
            );
        }

        #[test]
        fn a_due_visit_falls_within_its_placement(
            (placements, visits, today) in history(),
        ) {
            if let ChildSchedule::Due(next) = child_schedule(&placements, &visits, today) {
                let p = placements.iter().find(|p| p.id == next.placement_id).expect("a placement of the child");
                prop_assert!(next.due_date > p.start_date);
                prop_assert!(p.end_date.is_none_or(|end| next.due_date <= end));
                prop_assert!(p.end_date.is_none_or(|end| end >= today), "ended placements have nothing due");
            }
        }

        #[test]
        fn the_summary_counts_what_counts_for_the_schedule(
            (_, visits, today) in history(),
        ) {
            let period = half_year(today);
            let summary = contact_summary(&visits, &period);
            let in_period: Vec<&Visit> = visits.iter().filter(|v| period.contains(&v.visit_date)).collect();
            let counted = in_period.iter().filter(|v| v.counts_for_schedule()).count();
            prop_assert_eq!(usize::try_from(summary.visits.count).ok(), Some(counted));
            let all = summary.visits.count + summary.disability_officer_visits.count
                + summary.phone_calls.count + summary.video_calls.count;
            prop_assert_eq!(usize::try_from(all).ok(), Some(in_period.len()));
        }
    }
}
