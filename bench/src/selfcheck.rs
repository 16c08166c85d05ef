//! The self-check benchmark (egenkontroll, issue 16): 5,000 placed children
//! with 100,000 visits in three units, written through the server's storage
//! layer into a fresh database, then the whole report a unit manager opens
//! (`Database::selfcheck_report`, the code path of `GET /api/v1/selfcheck`)
//! timed warm for last quarter and the last 12 months, grouped by social
//! worker and by sex. The target is 200 ms for each on each database.
//!
//! The data has the shapes the report counts: girls, boys and children
//! whose sex is not recorded, every age group and placement type, children
//! placed and re-placed in the period, unplanned endings with reasons,
//! handovers between workers, consultants and disability-area officers,
//! visits in time and late, alone or not, with and without the child's
//! view, and the written-information ticks on most placements.

use crate::data::{self, Rng};
use chrono::{DateTime, Days, NaiveDate, TimeZone, Utc};
use serde::Serialize;
use server::db::accounts::{AccessKind, NewAccess, UserRow};
use server::db::audit::Who;
use server::db::selfcheck::SelfCheckQuery;
use server::db::Database;
use shared::auth::Role;
use shared::checklist::{ChecklistTick, ItemState, TemplateVersion};
use shared::protocol::Record;
use shared::selfcheck::{GroupBy, PeriodChoice, INFORMATION_ITEMS};
use shared::{
    ChecklistTickId, Child, ChildId, ClosingId, ContactKind, EndKind, EndReason, LegalBasis,
    NotAloneReason, PersonName, Placement, PlacementClosing, PlacementId, PlacementKind, Sex,
    UnitId, UserId, VisitNote, VisitorName, VisitorRole,
};
use std::time::Instant;
use uuid::Uuid;

const SEED: u64 = 20_261_216;
/// The report's day: fixed, so that every run reports on the same data.
const TODAY: (i32, u32, u32) = (2026, 11, 16);
pub const TARGET_MS: f64 = 200.0;
const UNITS: [&str; 3] = [
    "Familjehemsenheten",
    "Barn och unga Öst",
    "Barn och unga Väst",
];
/// Per unit: social workers, consultants, disability-area officers.
const STAFF: [(usize, usize, usize); 3] = [(11, 2, 1), (9, 2, 1), (9, 3, 2)];
const CHUNK: usize = 5_000;

fn today() -> NaiveDate {
    let (y, m, d) = TODAY;
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

/// One timed report: which period and grouping, and its times.
#[derive(Serialize)]
pub struct ReportRun {
    pub period: &'static str,
    pub group_by: &'static str,
    pub runs: usize,
    pub median_ms: f64,
    pub p95_ms: f64,
    pub min_ms: f64,
    pub max_ms: f64,
    /// Children in the report's period.
    pub children_in_period: u32,
    /// With `--per-query`: one more run, its statements and their times.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile: Option<Profile>,
}

/// One run of a report taken apart: its SQL statements, and the rest (the
/// tables summed in Rust, the rows decoded).
#[derive(Serialize)]
pub struct Profile {
    pub total_ms: f64,
    pub sql_ms: f64,
    pub queries: Vec<crate::querytimes::QueryTime>,
}

#[derive(Serialize)]
pub struct SelfCheckRun {
    pub children: usize,
    pub visits: usize,
    pub placements: usize,
    pub workers: usize,
    pub units: usize,
    pub seed_ms: f64,
    pub target_ms: f64,
    pub today: NaiveDate,
    pub reports: Vec<ReportRun>,
}

struct Worker {
    id: UserId,
    name: String,
    role: Role,
    unit: usize,
}

/// The generated data: records in insertion order and the assignments.
struct DataSet {
    units: Vec<UnitId>,
    workers: Vec<Worker>,
    records: Vec<Record>,
    access: Vec<NewAccess>,
    children: usize,
    visits: usize,
    placements: usize,
}

fn name(s: &str) -> PersonName {
    PersonName::parse(s).expect("generated names are valid")
}

fn note(s: &str) -> VisitNote {
    VisitNote::parse(s).expect("generated notes are valid")
}

fn days(n: u64) -> Days {
    Days::new(n)
}

fn at(date: NaiveDate, hour: u32) -> DateTime<Utc> {
    Utc.from_utc_datetime(&date.and_hms_opt(hour, 0, 0).unwrap_or_default())
}

const GIVEN: [&str; 16] = [
    "Elsa", "Liam", "Maja", "Noah", "Alva", "Hugo", "Ella", "Omar", "Saga", "Leo", "Nora", "Adam",
    "Wilma", "Elias", "Kim", "Sam",
];
const FAMILY: [&str; 12] = [
    "Andersson",
    "Johansson",
    "Karlsson",
    "Nilsson",
    "Eriksson",
    "Larsson",
    "Ali",
    "Hassan",
    "Lindberg",
    "Berg",
    "Holm",
    "Öberg",
];
const HOMES: [&str; 5] = [
    "Familjehemmet Björkvägen",
    "Jourhemmet Lärkan",
    "Behandlingsfamiljen Ekbacken",
    "HVB Kompassen",
    "Stödboendet Hamnen",
];

fn home(kind: PlacementKind) -> &'static str {
    match kind {
        PlacementKind::FosterHome => HOMES[0],
        PlacementKind::EmergencyHome => HOMES[1],
        PlacementKind::TreatmentFamily => HOMES[2],
        PlacementKind::ResidentialCare => HOMES[3],
        PlacementKind::SupportedHousing => HOMES[4],
    }
}

/// A placement type for a child of `age`: foster homes most, stödboende
/// for the oldest, HVB for teenagers.
fn kind_for(rng: &mut Rng, age: u64) -> PlacementKind {
    let roll = rng.below(100);
    match age {
        16.. if roll < 35 => PlacementKind::SupportedHousing,
        13.. if roll < 60 => PlacementKind::ResidentialCare,
        _ if roll < 8 => PlacementKind::EmergencyHome,
        _ if roll < 18 => PlacementKind::TreatmentFamily,
        _ => PlacementKind::FosterHome,
    }
}

/// `children` children with `visits` visits in all (each child 5 to 35,
/// in pairs that sum to twice the mean, so the total is exact).
fn generate(children: usize, visits: usize) -> DataSet {
    let mut rng = Rng::new(SEED);
    let today = today();
    let units: Vec<UnitId> = (0..UNITS.len())
        .map(|n| UnitId::from_uuid(Uuid::from_u128(0xbe_5e1f_0000 + n as u128)))
        .collect();
    let mut workers = Vec::new();
    for (unit, &(social, consultants, officers)) in STAFF.iter().enumerate() {
        let roles = std::iter::repeat_n(Role::SocialWorker, social)
            .chain(std::iter::repeat_n(Role::Consultant, consultants))
            .chain(std::iter::repeat_n(Role::DisabilityOfficer, officers));
        for role in roles {
            let n = workers.len();
            workers.push(Worker {
                id: UserId::from_uuid(Uuid::from_u128(0xbe_5e1f_1000 + n as u128)),
                name: format!(
                    "{} {}",
                    GIVEN[n % GIVEN.len()],
                    FAMILY[(n / 3) % FAMILY.len()]
                ),
                role,
                unit,
            });
        }
    }
    let caseworkers = |unit: usize| -> Vec<usize> {
        workers
            .iter()
            .enumerate()
            .filter(|(_, w)| w.unit == unit && w.role != Role::DisabilityOfficer)
            .map(|(i, _)| i)
            .collect()
    };
    let officers = |unit: usize| -> Vec<usize> {
        workers
            .iter()
            .enumerate()
            .filter(|(_, w)| w.unit == unit && w.role == Role::DisabilityOfficer)
            .map(|(i, _)| i)
            .collect()
    };

    let mean = visits / children.max(1);
    let mut children_out = Vec::with_capacity(children);
    let mut placements = Vec::new();
    let mut closings = Vec::new();
    let mut ticks = Vec::new();
    let mut visit_records = Vec::with_capacity(visits);
    let mut access = Vec::new();
    let mut spread = 0u64;
    for i in 0..children {
        // Pairs of children: mean + d and mean - d visits; the remainder to
        // the first ones.
        if i % 2 == 0 {
            spread = rng.below(mean.min(15) as u64 + 1);
        }
        let base = if i % 2 == 0 {
            mean + spread as usize
        } else {
            mean - spread as usize
        };
        let count = if i + 1 == children && children % 2 == 1 {
            mean
        } else {
            base
        } + usize::from(i < visits - mean * children);

        let unit = match rng.below(10) {
            0..=3 => 0,
            4..=6 => 1,
            _ => 2,
        };
        let age_days = 200 + rng.below(365 * 20);
        let birth = today - days(age_days);
        let age = age_days / 365;
        let sex = match rng.below(100) {
            0..=46 => Sex::Girl,
            47..=93 => Sex::Boy,
            94 => Sex::Other,
            _ => Sex::NotRecorded,
        };
        let child_id = ChildId::from_uuid(rng.uuid());
        let has_disability = rng.below(10) == 0;
        children_out.push(Record::Child(Child {
            id: child_id,
            given_name: name(GIVEN[rng.below(GIVEN.len() as u64) as usize]),
            family_name: name(FAMILY[rng.below(FAMILY.len() as u64) as usize]),
            birth_date: birth,
            sex,
            has_disability,
            unit_id: Some(units[unit]),
            external_id: None,
        }));

        // The visits span about count × 60–110 days back from a recent day;
        // a child's care may have ended (a planned ending) some months ago.
        let step = 60 + rng.below(50);
        let ended_ago = if rng.below(12) == 0 {
            30 + rng.below(400)
        } else {
            0
        };
        let last_day = today - days(5 + ended_ago + rng.below(30));
        let first_start = last_day - days(step * count as u64 + rng.below(40));
        let ends = (ended_ago > 0).then(|| last_day + days(10));
        // One child in five was re-placed, one in ten of those within the last
        // year.
        let moved = (rng.below(5) == 0 && count >= 4).then(|| {
            let latest = last_day - days(20);
            let span = (latest - first_start).num_days().max(60) as u64;
            first_start + days(30 + rng.below(span - 30))
        });
        let cases = caseworkers(unit);
        let first_worker = cases[rng.below(cases.len() as u64) as usize];
        // One child in six changed worker at some point.
        let handover = (rng.below(6) == 0).then(|| {
            let span = (last_day - first_start).num_days().max(2) as u64;
            let day = first_start + days(1 + rng.below(span - 1));
            let others: Vec<usize> = cases
                .iter()
                .copied()
                .filter(|w| *w != first_worker)
                .collect();
            (day, others[rng.below(others.len() as u64) as usize])
        });
        let worker_on = |d: NaiveDate| match handover {
            Some((day, next)) if d >= day => next,
            _ => first_worker,
        };
        access.push(NewAccess {
            child_id,
            user_id: workers[first_worker].id,
            kind: AccessKind::Assigned,
            granted_by: None,
            starts_at: at(first_start, 8),
            ends_at: handover.map(|(day, _)| at(day, 8)),
        });
        if let Some((day, next)) = handover {
            access.push(NewAccess {
                child_id,
                user_id: workers[next].id,
                kind: AccessKind::Assigned,
                granted_by: None,
                starts_at: at(day, 8),
                ends_at: None,
            });
        }

        // Placements: the current (or last) one, and the one before if the
        // child was re-placed, ended by a closing.
        let current_start = moved.unwrap_or(first_start);
        let current_kind = kind_for(&mut rng, age);
        let mut placement = |start: NaiveDate, end: Option<NaiveDate>, kind, rng: &mut Rng| {
            let id = PlacementId::from_uuid(rng.uuid());
            placements.push(Record::Placement(Placement {
                id,
                child_id,
                kind,
                home_name: name(home(kind)),
                legal_basis: if rng.below(3) == 0 {
                    LegalBasis::Lvu
                } else {
                    LegalBasis::SoL
                },
                start_date: start,
                end_date: end,
                home_id: None,
                decision_date: Some(start),
                decided_by: Some(name("Sociala utskottet")),
                decision_until: Some(today + days(rng.below(400))).filter(|_| rng.below(2) == 0),
                last_consideration: Some(today - days(rng.below(240))),
                external_id: None,
            }));
            id
        };
        let current = placement(current_start, ends, current_kind, &mut rng);
        let mut closing = |placement_id, end, kind, replacement, rng: &mut Rng| {
            let reason = (kind == EndKind::Unplanned || replacement)
                .then(|| EndReason::ALL[rng.below(EndReason::ALL.len() as u64 - 1) as usize]);
            let by = &workers[worker_on(end)];
            closings.push(Record::PlacementClosing(PlacementClosing {
                id: ClosingId::from_uuid(rng.uuid()),
                child_id,
                placement_id,
                end_date: end,
                kind,
                replacement,
                reason,
                reason_text: VisitNote::default(),
                closing_note: note("Placeringen avslutades. Barnets synpunkter finns i akten."),
                signed_by: by.id,
                signed_by_name: VisitorName::parse(&by.name).expect("valid"),
                recorded_at: at(end, 16),
            }));
        };
        if let Some(end) = ends {
            closing(current, end, EndKind::Planned, false, &mut rng);
        }
        let mut placed = vec![(current, current_kind, current_start)];
        if let Some(moved) = moved {
            let kind = kind_for(&mut rng, age.saturating_sub(1));
            let earlier = placement(first_start, Some(moved), kind, &mut rng);
            let unplanned = rng.below(2) == 0;
            let kind_of_end = if unplanned {
                EndKind::Unplanned
            } else {
                EndKind::Planned
            };
            closing(earlier, moved, kind_of_end, true, &mut rng);
            placed.push((earlier, kind, first_start));
        }

        // The written information: on most placements all three items, on
        // some one or two, on some none yet.
        for &(placement_id, kind, start) in &placed {
            let items = match rng.below(10) {
                0..=5 => INFORMATION_ITEMS.len(),
                6..=7 => 1 + rng.below(2) as usize,
                _ => 0,
            };
            for item in &INFORMATION_ITEMS[..items] {
                let by = &workers[worker_on(start)];
                ticks.push(Record::ChecklistTick(ChecklistTick {
                    id: ChecklistTickId::from_uuid(rng.uuid()),
                    child_id,
                    placement_id,
                    template: TemplateVersion { kind, version: 1 },
                    item_key: (*item).to_owned(),
                    state: ItemState::Done,
                    by_name: VisitorName::parse(&by.name).expect("valid"),
                    by: by.id,
                    ticked_at: at(start + days(3 + rng.below(20)), 14),
                }));
            }
        }

        // Visits: the first within a week or two of the start, then about
        // every `step` days; some by phone, some by a disability-area
        // officer (children in stödboende or with a disability).
        let officers = officers(unit);
        let officer_visits = (current_kind == PlacementKind::SupportedHousing || has_disability)
            && !officers.is_empty();
        for k in 0..count {
            let jitter = rng.below(25);
            let date = (first_start + days(3 + jitter + step * k as u64)).min(last_day);
            let mut visit = data::visit(&mut rng, child_id, date, 0, None);
            visit.visit_date = date;
            visit.recorded_at = at(date, 15);
            let (by, role) = if officer_visits && k % 4 == 3 {
                let officer = officers[rng.below(officers.len() as u64) as usize];
                (officer, VisitorRole::DisabilityOfficer)
            } else {
                let w = worker_on(date);
                (w, VisitorRole::of(workers[w].role))
            };
            visit.visitor = VisitorName::parse(&workers[by].name).expect("valid");
            visit.visitor_role = role;
            visit.signed_by = Some(workers[by].id);
            if rng.below(12) == 0 {
                visit.contact = ContactKind::Phone;
            }
            let under_four = date.years_since(birth).unwrap_or(0) < 4;
            visit.talked_alone = !under_four && rng.below(5) != 0;
            visit.not_alone_reason = if visit.talked_alone {
                None
            } else if under_four {
                Some(NotAloneReason::ChildUnderFour)
            } else {
                Some(NotAloneReason::ALL[1 + rng.below(3) as usize])
            };
            if rng.below(4) == 0 {
                visit.child_view = VisitNote::default();
            }
            visit_records.push(Record::Visit(visit));
        }
    }
    let placements_count = placements.len();
    let visits_count = visit_records.len();
    let records = children_out
        .into_iter()
        .chain(placements)
        .chain(closings)
        .chain(ticks)
        .chain(visit_records)
        .collect();
    DataSet {
        units,
        workers,
        records,
        access,
        children,
        visits: visits_count,
        placements: placements_count,
    }
}

fn ms(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1000.0
}

/// The value below which `p` of the sorted `times` fall (nearest rank).
fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = (p * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn median(sorted: &[f64]) -> f64 {
    match sorted.len() {
        0 => 0.0,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

/// Writes the data into `db`, which must be empty.
async fn seed(db: &Database, set: &DataSet) -> anyhow::Result<()> {
    anyhow::ensure!(
        db.count_children().await? == 0,
        "the database already holds children"
    );
    for (id, unit) in set.units.iter().zip(UNITS) {
        db.insert_unit(*id, unit).await?;
    }
    for (n, worker) in set.workers.iter().enumerate() {
        db.insert_user(&UserRow {
            id: worker.id,
            username: format!("bench.selfcheck.{n}"),
            display_name: worker.name.clone(),
            role: worker.role,
            password_hash: None,
            active: true,
        })
        .await?;
        db.add_user_unit(worker.id, set.units[worker.unit]).await?;
    }
    for chunk in set.records.chunks(CHUNK) {
        db.insert_records(chunk).await?;
    }
    let who = Who::command_line();
    for access in &set.access {
        db.insert_access(access, &who).await?;
    }
    Ok(())
}

/// Seeds `children` children and `visits` visits into `db` (at `url`,
/// unless it holds them already: a `--reuse`d one), lets it settle
/// ([`crate::import::settle`]), then times each report `runs` times after
/// two runs to warm up.
pub async fn run(
    db: &Database,
    url: &str,
    children: usize,
    visits: usize,
    runs: usize,
    per_query: Option<&crate::querytimes::QueryTimes>,
) -> anyhow::Result<SelfCheckRun> {
    let set = generate(children, visits);
    let started = Instant::now();
    let seeded = db.count_children().await?;
    if seeded == 0 {
        seed(db, &set).await?;
        crate::import::settle(url).await?;
    } else {
        anyhow::ensure!(
            usize::try_from(seeded)? == set.children,
            "the database holds {seeded} children, not the {} asked for",
            set.children
        );
    }
    let seed_ms = ms(started);
    let today = today();
    let mut reports = Vec::new();
    for choice in [PeriodChoice::LastQuarter, PeriodChoice::Last12Months] {
        let period = choice
            .period(today)
            .ok_or_else(|| anyhow::anyhow!("{choice:?} has no period"))?;
        for group_by in [GroupBy::Worker, GroupBy::Sex] {
            let query = SelfCheckQuery {
                period,
                group_by,
                today,
            };
            let mut times = Vec::with_capacity(runs);
            let mut children_in_period = 0;
            for n in 0..runs + 2 {
                let started = Instant::now();
                let report = db.selfcheck_report(&set.units, &query).await?;
                let elapsed = ms(started);
                children_in_period = report.children;
                if n >= 2 {
                    times.push(elapsed);
                }
            }
            times.sort_by(f64::total_cmp);
            let mut profile = None;
            if let Some(collector) = per_query {
                let started = Instant::now();
                let (report, queries) = collector
                    .capture(db.selfcheck_report(&set.units, &query))
                    .await;
                let total_ms = ms(started);
                report?;
                profile = Some(Profile {
                    total_ms,
                    sql_ms: queries.iter().map(|q| q.ms).sum(),
                    queries,
                });
            }
            reports.push(ReportRun {
                period: choice.as_str(),
                group_by: group_by.as_str(),
                runs,
                median_ms: median(&times),
                p95_ms: percentile(&times, 0.95),
                min_ms: times.first().copied().unwrap_or_default(),
                max_ms: times.last().copied().unwrap_or_default(),
                children_in_period,
                profile,
            });
        }
    }
    Ok(SelfCheckRun {
        children: set.children,
        visits: set.visits,
        placements: set.placements,
        workers: set.workers.len(),
        units: set.units.len(),
        seed_ms,
        target_ms: TARGET_MS,
        today,
        reports,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::Visit;

    fn count(set: &DataSet, pick: fn(&Record) -> bool) -> usize {
        set.records.iter().filter(|r| pick(r)).count()
    }

    #[test]
    fn the_counts_are_exact_and_the_data_has_every_shape_the_report_counts() {
        let set = generate(301, 6_007);
        assert_eq!(count(&set, |r| matches!(r, Record::Child(_))), 301);
        assert_eq!(count(&set, |r| matches!(r, Record::Visit(_))), 6_007);
        assert_eq!(set.visits, 6_007);
        let visits: Vec<&Visit> = set
            .records
            .iter()
            .filter_map(|r| match r {
                Record::Visit(v) => Some(v),
                _ => None,
            })
            .collect();
        assert!(visits.iter().all(|v| v.check_complete().is_ok()));
        assert!(visits.iter().all(|v| v.visit_date <= today()));
        for role in VisitorRole::ALL {
            assert!(visits.iter().any(|v| v.visitor_role == role), "{role:?}");
        }
        assert!(visits.iter().any(|v| v.contact == ContactKind::Phone));
        assert!(visits.iter().any(|v| v.child_view.as_str().is_empty()));
        assert!(visits.iter().any(|v| !v.talked_alone));
        let closings: Vec<&PlacementClosing> = set
            .records
            .iter()
            .filter_map(|r| match r {
                Record::PlacementClosing(c) => Some(c),
                _ => None,
            })
            .collect();
        assert!(closings.iter().any(|c| c.kind == EndKind::Unplanned));
        assert!(closings.iter().any(|c| c.replacement));
        for c in &closings {
            let placement = set
                .records
                .iter()
                .find_map(|r| match r {
                    Record::Placement(p) if p.id == c.placement_id => Some(p),
                    _ => None,
                })
                .expect("the closed placement");
            assert!(c.check(placement).is_ok(), "{c:?}");
        }
        for sex in Sex::ALL {
            assert!(
                set.records
                    .iter()
                    .any(|r| matches!(r, Record::Child(c) if c.sex == sex)),
                "{sex:?}"
            );
        }
        for kind in PlacementKind::ALL {
            assert!(
                set.records
                    .iter()
                    .any(|r| matches!(r, Record::Placement(p) if p.kind == kind)),
                "{kind:?}"
            );
        }
        assert!(set.access.iter().any(|a| a.ends_at.is_some()));
        assert!(count(&set, |r| matches!(r, Record::ChecklistTick(_))) > 0);
        // Every visit is dated in a placement of its child.
        for v in &visits {
            assert!(
                set.records.iter().any(|r| matches!(r, Record::Placement(p)
                    if p.child_id == v.child_id && p.start_date <= v.visit_date
                        && p.end_date.is_none_or(|e| v.visit_date <= e))),
                "{v:?}"
            );
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_data() {
        let json = |set: DataSet| serde_json::to_string(&set.records).expect("encodes");
        assert_eq!(json(generate(20, 400)), json(generate(20, 400)));
    }

    #[test]
    fn percentiles_by_nearest_rank() {
        let times: Vec<f64> = (1..=20).map(f64::from).collect();
        assert_eq!(percentile(&times, 0.95), 19.0);
        assert_eq!(median(&times), 10.5);
        assert_eq!(percentile(&[3.0], 0.95), 3.0);
    }
}
