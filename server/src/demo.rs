//! Fictional demo data for trying the app: five invented children whose
//! visit situations cover every state of the schedule. Dates are relative to
//! the day of seeding.

use crate::db::accounts::UserRow;
use crate::db::{Database, DbError};
use chrono::{Days, Months, NaiveDate};
use shared::auth::Role;
use shared::protocol::Record;
use shared::register::{CheckKind, CheckResult, Home, HomeCheck, HomeContact, ShortText};
use shared::{
    Child, ChildId, ClosingId, EndKind, EndReason, ExternalId, LegalBasis, PersonName, Placement,
    PlacementClosing, PlacementId, PlacementKind, Sex, Visit, VisitId, VisitNote, VisitorName,
};
use shared::{HomeId, UnitId, UserId};
use uuid::Uuid;

const fn child_id(n: u128) -> ChildId {
    ChildId::from_uuid(Uuid::from_u128(
        0xde30_0000_0000_4000_8000_0000_0000_c000 | n,
    ))
}
const fn placement_id(n: u128) -> PlacementId {
    PlacementId::from_uuid(Uuid::from_u128(
        0xde30_0000_0000_4000_8000_0000_0000_d000 | n,
    ))
}
const fn visit_id(n: u128) -> VisitId {
    VisitId::from_uuid(Uuid::from_u128(
        0xde30_0000_0000_4000_8000_0000_0000_e000 | n,
    ))
}

/// The demo children, fixed so that a device can recognise them.
pub const DEMO_CHILD_IDS: [ChildId; 5] = [
    child_id(1),
    child_id(2),
    child_id(3),
    child_id(4),
    child_id(5),
];

pub const DEMO_VISITOR: &str = "Demo Handläggare";

/// Seeds the demo data unless the database already holds a child: the
/// units and users first (a closing is signed by one), then the register of
/// homes, then the records, in one transaction and through the change feed,
/// then the caseloads. Returns whether records were written.
pub async fn seed(db: &Database, today: NaiveDate) -> Result<bool, DbError> {
    let fresh = db.count_children().await? == 0;
    let new_users = if fresh || db.user_by_username(DEMO_USERS[0].username).await?.is_none() {
        seed_accounts(db).await?
    } else {
        Vec::new()
    };
    if fresh {
        seed_register(db, today).await?;
    }
    let seeded = db.insert_records_if_empty(&records(today)).await?;
    seed_caseloads(db, &new_users).await?;
    Ok(seeded)
}

/// The password of every demo user. Demo data is for trying the app only;
/// a real installation starts without it and creates its first
/// administrator with `barnbesok-server admin create-user`.
pub const DEMO_PASSWORD: &str = "demo-barnbesok";

const fn unit_id(n: u128) -> UnitId {
    UnitId::from_uuid(Uuid::from_u128(
        0xde30_0000_0000_4000_8000_0000_0000_a000 | n,
    ))
}
const fn user_id(n: u128) -> UserId {
    UserId::from_uuid(Uuid::from_u128(
        0xde30_0000_0000_4000_8000_0000_0000_b000 | n,
    ))
}

/// The demo units: children 1–4 belong to the first, child 5 to the second.
pub const DEMO_UNITS: [(UnitId, &str); 2] = [
    (unit_id(1), "Familjehemsenheten (demo)"),
    (unit_id(2), "Barn och unga Öst (demo)"),
];

/// A demo user: who, in which units, with which children on the caseload
/// (indexes into [`DEMO_CHILD_IDS`]).
pub struct DemoUser {
    pub id: UserId,
    pub username: &'static str,
    pub display_name: &'static str,
    pub role: Role,
    pub units: &'static [usize],
    pub caseload: &'static [usize],
}

/// Clearly marked demo users, one per role (the README lists them).
pub const DEMO_USERS: [DemoUser; 6] = [
    DemoUser {
        id: user_id(1),
        username: "demo.anna",
        display_name: "Anna Demosson (demo)",
        role: Role::SocialWorker,
        units: &[0],
        caseload: &[0, 1, 2],
    },
    DemoUser {
        id: user_id(2),
        username: "demo.bo",
        display_name: "Bo Exempelsson (demo)",
        role: Role::Consultant,
        units: &[0],
        caseload: &[3],
    },
    DemoUser {
        id: user_id(3),
        username: "demo.cecilia",
        display_name: "Cecilia Provsson (demo)",
        role: Role::DisabilityOfficer,
        units: &[1],
        caseload: &[4],
    },
    DemoUser {
        id: user_id(4),
        username: "demo.gunilla",
        display_name: "Gunilla Gruppledare (demo)",
        role: Role::GroupLeader,
        units: &[0, 1],
        caseload: &[],
    },
    DemoUser {
        id: user_id(5),
        username: "demo.erik",
        display_name: "Erik Enhetschef (demo)",
        role: Role::UnitManager,
        units: &[0, 1],
        caseload: &[],
    },
    DemoUser {
        id: user_id(6),
        username: "demo.admin",
        display_name: "Ada Administratör (demo)",
        role: Role::Administrator,
        units: &[],
        caseload: &[],
    },
];

/// The demo units and users; returns the users inserted now.
async fn seed_accounts(db: &Database) -> Result<Vec<&'static DemoUser>, DbError> {
    for (id, name) in DEMO_UNITS {
        db.insert_unit(id, name).await?;
    }
    // One hash for all: hashing is deliberately slow, and these accounts
    // share a published password anyway.
    let hash = crate::auth::hash_password(DEMO_PASSWORD).map_err(|e| DbError::CorruptRow {
        table: "users",
        reason: e.to_string(),
    })?;
    let mut inserted_now = Vec::new();
    for user in &DEMO_USERS {
        let inserted = db
            .insert_user(&UserRow {
                id: user.id,
                username: user.username.into(),
                display_name: user.display_name.into(),
                role: user.role,
                password_hash: Some(hash.clone()),
                active: true,
            })
            .await?;
        if !inserted {
            continue;
        }
        for &unit in user.units {
            db.add_user_unit(user.id, DEMO_UNITS[unit].0).await?;
        }
        inserted_now.push(user);
    }
    Ok(inserted_now)
}

/// The children's units (also of children stored before a child carried
/// one) and the caseloads of the users inserted now.
async fn seed_caseloads(db: &Database, users: &[&DemoUser]) -> Result<(), DbError> {
    for (n, child) in DEMO_CHILD_IDS.into_iter().enumerate() {
        db.set_child_unit(child, DEMO_UNITS[child_unit(n)].0)
            .await?;
    }
    for user in users {
        for &child in user.caseload {
            db.assign_child(
                DEMO_CHILD_IDS[child],
                user.id,
                &crate::db::audit::Who::command_line(),
            )
            .await?;
        }
    }
    Ok(())
}

/// The unit (index into [`DEMO_UNITS`]) of demo child `n` (0-based).
const fn child_unit(n: usize) -> usize {
    if n < 4 {
        0
    } else {
        1
    }
}

/// The register of homes with their checks, while no child is stored (the
/// feed locked, so that two servers seeding at once write it once).
async fn seed_register(db: &Database, today: NaiveDate) -> Result<(), DbError> {
    let mut tx = db.begin_write().await?;
    tx.lock_feed().await?;
    if tx.count_children().await? > 0 {
        return tx.rollback().await;
    }
    for home in homes(today) {
        tx.upsert_home(&home).await?;
        for check in &home.checks {
            tx.add_home_check(home.id, check, None).await?;
        }
    }
    tx.commit().await
}

const fn home_id(n: u128) -> HomeId {
    HomeId::from_uuid(Uuid::from_u128(
        0xde30_0000_0000_4000_8000_0000_0000_f000 | n,
    ))
}

/// A check made on a demo home: what, its result, how many months ago.
type DemoCheck = (CheckKind, CheckResult, u32);

/// A demo home: its number, unit (index into [`DEMO_UNITS`]), kind, name
/// and checks.
type DemoHome = (
    u128,
    usize,
    PlacementKind,
    &'static str,
    &'static [DemoCheck],
);

const EVERY_CHECK: &[DemoCheck] = &[
    (CheckKind::CriminalRecord, CheckResult::NoRemarks, 30),
    (CheckKind::SocialServicesRecord, CheckResult::NoRemarks, 30),
    (CheckKind::Violence, CheckResult::NoRemarks, 30),
    (CheckKind::SubstanceUse, CheckResult::NoRemarks, 30),
    (CheckKind::CommercialOperation, CheckResult::NoRemarks, 30),
    (CheckKind::Reference, CheckResult::NoRemarks, 29),
];

/// The demo register: Familjen Exempelberg checked on every point, the
/// emergency home missing checks, Familjen Exempeldal with a breakdown in
/// the last year (Liam's earlier placement), and the other placements'
/// homes.
pub const DEMO_HOMES: [DemoHome; 6] = [
    (
        1,
        0,
        PlacementKind::EmergencyHome,
        "Jourhemmet Solgläntan (påhittat)",
        &[
            (CheckKind::CriminalRecord, CheckResult::NoRemarks, 1),
            (CheckKind::SocialServicesRecord, CheckResult::NoRemarks, 1),
        ],
    ),
    (
        2,
        0,
        PlacementKind::FosterHome,
        "Familjen Exempelberg",
        EVERY_CHECK,
    ),
    (
        3,
        0,
        PlacementKind::TreatmentFamily,
        "Behandlingsfamiljen Fiktiva",
        &[
            (CheckKind::CriminalRecord, CheckResult::NoRemarks, 20),
            (CheckKind::SocialServicesRecord, CheckResult::NoRemarks, 20),
            (CheckKind::Violence, CheckResult::NoRemarks, 20),
            (CheckKind::SubstanceUse, CheckResult::Remarks, 20),
            (CheckKind::CommercialOperation, CheckResult::NoRemarks, 20),
            (CheckKind::Reference, CheckResult::NoRemarks, 19),
        ],
    ),
    (
        4,
        0,
        PlacementKind::ResidentialCare,
        "HVB Demogården",
        &[
            (CheckKind::CommercialOperation, CheckResult::NoRemarks, 12),
            (CheckKind::Reference, CheckResult::NoRemarks, 12),
        ],
    ),
    (
        5,
        1,
        PlacementKind::SupportedHousing,
        "Stödboendet Exempelvägen",
        &[
            (CheckKind::CommercialOperation, CheckResult::NoRemarks, 9),
            (CheckKind::Reference, CheckResult::NoRemarks, 9),
        ],
    ),
    (
        6,
        0,
        PlacementKind::FosterHome,
        "Familjen Exempeldal (påhittat)",
        EVERY_CHECK,
    ),
];

/// The demo homes as of `today`.
pub fn homes(today: NaiveDate) -> Vec<Home> {
    let months_ago = |n: u32| today.checked_sub_months(Months::new(n)).unwrap_or(today);
    DEMO_HOMES
        .iter()
        .map(|&(n, unit, kind, name, checks)| Home {
            id: home_id(n),
            unit_id: DEMO_UNITS[unit].0,
            kind,
            name: text(name),
            external_id: Some(external_id(&format!("DEMO-HEM-{n}"))),
            contact: HomeContact {
                contact_person: Some(text("Kontaktperson Påhittad")),
                phone: Some(ShortText::parse("070-000 00 00").expect("demo phone is valid")),
                ..HomeContact::default()
            },
            checks: checks
                .iter()
                .map(|&(kind, result, ago)| HomeCheck {
                    kind,
                    date: months_ago(ago),
                    result,
                    made_by: text("Utredare Demosson"),
                    note: match (kind, result) {
                        (CheckKind::Reference, _) => {
                            VisitNote::parse("Referens från Exempelby kommun (påhittad).")
                        }
                        (_, CheckResult::Remarks) => {
                            VisitNote::parse("Demoanteckning: äldre uppgift, utredd och bedömd.")
                        }
                        _ => Ok(VisitNote::default()),
                    }
                    .expect("demo notes are valid"),
                })
                .collect(),
        })
        .collect()
}

fn external_id(s: &str) -> ExternalId {
    ExternalId::parse(s).expect("demo external ids are valid")
}

/// The demo records as of `today`: children, then placements, then visits.
pub fn records(today: NaiveDate) -> Vec<Record> {
    let months_ago = |n: u32| today.checked_sub_months(Months::new(n)).unwrap_or(today);
    let days_ago = |n: u64| today.checked_sub_days(Days::new(n)).unwrap_or(today);
    let born = |years: u32, days: u64| {
        months_ago(years * 12)
            .checked_sub_days(Days::new(days))
            .unwrap_or(today)
    };

    let in_days = |n: u64| today.checked_add_days(Days::new(n)).unwrap_or(today);
    let in_months = |n: u32| today.checked_add_months(Months::new(n)).unwrap_or(today);

    struct Demo {
        given: &'static str,
        family: &'static str,
        birth: NaiveDate,
        sex: Sex,
        has_disability: bool,
        kind: PlacementKind,
        /// Index into [`DEMO_HOMES`].
        home: usize,
        basis: LegalBasis,
        start: NaiveDate,
        /// The day the decision runs until, and the last consideration.
        decision_until: NaiveDate,
        last_consideration: Option<NaiveDate>,
        visits: Vec<(NaiveDate, bool, &'static str)>,
    }

    let demos = [
        // Placed three days ago: the first visit is due within the week.
        Demo {
            given: "Alva",
            family: "Exempelsson",
            birth: born(3, 40),
            sex: Sex::Girl,
            has_disability: false,
            kind: PlacementKind::EmergencyHome,
            home: 0,
            basis: LegalBasis::Lvu,
            start: days_ago(3),
            decision_until: in_days(20),
            last_consideration: None,
            visits: vec![],
        },
        // Last visit four months ago: overdue.
        Demo {
            given: "Noah",
            family: "Påhittad",
            birth: born(9, 120),
            sex: Sex::Boy,
            has_disability: false,
            kind: PlacementKind::FosterHome,
            home: 1,
            basis: LegalBasis::SoL,
            start: months_ago(24),
            decision_until: days_ago(10),
            last_consideration: Some(months_ago(3)),
            visits: vec![
                (months_ago(10), true, "Demoanteckning: Noah visade sitt rum och berättade om fotbollsträningen. Trivs i familjen."),
                (months_ago(7), false, "Demoanteckning: Kort besök tillsammans med familjehemmet inför sommarlovet."),
                (months_ago(4), true, "Demoanteckning: Noah berättade att skolan går bra och att han har fått en ny kompis."),
            ],
        },
        // Visited two months ago: due in about a month.
        Demo {
            given: "Elsa",
            family: "Demosdotter",
            birth: born(12, 200),
            sex: Sex::Girl,
            has_disability: true,
            kind: PlacementKind::TreatmentFamily,
            home: 2,
            basis: LegalBasis::Lvu,
            start: months_ago(14),
            decision_until: in_months(8),
            last_consideration: Some(months_ago(2)),
            visits: vec![
                (months_ago(5), true, "Demoanteckning: Elsa ville prata om sin häst på ridskolan. Sover bättre nu."),
                (months_ago(2), true, "Demoanteckning: Samtal på tu man hand i trädgården. Elsa önskar träffa sin bror oftare."),
            ],
        },
        // Visited last week.
        Demo {
            given: "Liam",
            family: "Testberg",
            birth: born(15, 30),
            sex: Sex::Boy,
            has_disability: false,
            kind: PlacementKind::ResidentialCare,
            home: 3,
            basis: LegalBasis::SoL,
            start: months_ago(8),
            decision_until: in_months(4),
            last_consideration: None,
            visits: vec![
                (months_ago(7), true, "Demoanteckning: Första besöket. Liam visade boendet och personalen."),
                (months_ago(4), false, "Demoanteckning: Nätverksmöte på boendet, Liam deltog en stund."),
                (days_ago(7), true, "Demoanteckning: Liam har börjat på ett praktikställe och verkar nöjd."),
            ],
        },
        // Seventeen, in supported housing.
        Demo {
            given: "Maja",
            family: "Fiktivsson",
            birth: born(17, 100),
            sex: Sex::Girl,
            has_disability: true,
            kind: PlacementKind::SupportedHousing,
            home: 4,
            basis: LegalBasis::SoL,
            start: months_ago(5),
            decision_until: in_months(10),
            last_consideration: None,
            visits: vec![
                (months_ago(5).checked_add_days(Days::new(4)).unwrap_or(today), true, "Demoanteckning: Maja har flyttat in och handlar och lagar mat själv."),
                (days_ago(42), true, "Demoanteckning: Vi pratade om gymnasiet och planer efter 18 års ålder."),
            ],
        },
    ];

    let mut children = Vec::new();
    let mut placements = Vec::new();
    let mut visits = Vec::new();
    let mut visit_no = 0;
    for ((n, demo), child) in (1..).zip(demos).zip(DEMO_CHILD_IDS) {
        let unit = DEMO_UNITS[child_unit(usize::try_from(n - 1).unwrap_or(0))].0;
        children.push(Record::Child(Child {
            id: child,
            given_name: text(demo.given),
            family_name: text(demo.family),
            birth_date: demo.birth,
            sex: demo.sex,
            has_disability: demo.has_disability,
            unit_id: Some(unit),
            external_id: Some(external_id(&format!("DEMO-BARN-{n}"))),
        }));
        let (home_n, _, _, home_name, _) = DEMO_HOMES[demo.home];
        placements.push(Record::Placement(Placement {
            id: placement_id(n),
            child_id: child,
            kind: demo.kind,
            home_name: text(home_name),
            legal_basis: demo.basis,
            start_date: demo.start,
            end_date: None,
            home_id: Some(home_id(home_n)),
            decision_date: Some(demo.start),
            decided_by: Some(text("Sociala nämnden (demo)")),
            decision_until: Some(demo.decision_until),
            last_consideration: demo.last_consideration,
            external_id: Some(external_id(&format!("DEMO-PL-{n}"))),
        }));
        for (date, talked_alone, note) in demo.visits {
            visit_no += 1;
            visits.push(Record::Visit(Visit {
                id: visit_id(visit_no),
                child_id: child,
                visit_date: date,
                visitor: VisitorName::parse(DEMO_VISITOR).expect("demo visitor is valid"),
                talked_alone,
                note: VisitNote::parse(note).expect("demo notes are valid"),
                recorded_at: date.and_hms_opt(15, 0, 0).unwrap_or_default().and_utc(),
                ..shared::Visit::blank()
            }));
        }
    }
    // Liam's earlier family home broke down eight months ago: the home's
    // breakdown in the register. After the current placements, so that each
    // child's first placement is the one in force.
    let (home_n, _, kind, home_name, _) = DEMO_HOMES[5];
    let liam = DEMO_CHILD_IDS[3];
    let earlier = Placement {
        id: placement_id(6),
        child_id: liam,
        kind,
        home_name: text(home_name),
        legal_basis: LegalBasis::SoL,
        start_date: months_ago(20),
        end_date: Some(months_ago(8)),
        home_id: Some(home_id(home_n)),
        decision_date: Some(months_ago(20)),
        decided_by: Some(text("Sociala nämnden (demo)")),
        decision_until: None,
        last_consideration: Some(months_ago(14)),
        external_id: Some(external_id("DEMO-PL-6")),
    };
    let anna = &DEMO_USERS[0];
    let closing = PlacementClosing {
        id: ClosingId::from_uuid(Uuid::from_u128(0xde30_0000_0000_4000_8000_0000_0001_0001)),
        child_id: liam,
        placement_id: earlier.id,
        end_date: months_ago(8),
        kind: EndKind::Unplanned,
        replacement: true,
        reason: Some(EndReason::NeedsNotMet),
        reason_text: VisitNote::default(),
        closing_note: VisitNote::parse(
            "Demoanteckning: Familjehemmet kunde inte möta Liams behov. Liam flyttar till HVB.",
        )
        .expect("demo notes are valid"),
        signed_by: anna.id,
        signed_by_name: VisitorName::parse(shared::auth::signing_name(anna.display_name))
            .expect("demo names are valid"),
        recorded_at: months_ago(8)
            .and_hms_opt(16, 0, 0)
            .unwrap_or_default()
            .and_utc(),
    };
    children
        .into_iter()
        .chain(placements)
        .chain([
            Record::Placement(earlier),
            Record::PlacementClosing(closing),
        ])
        .chain(visits)
        .collect()
}

fn text(s: &str) -> PersonName {
    PersonName::parse(s).expect("demo names are valid")
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::schedule::next_visit_due;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, 31).expect("date")
    }

    #[test]
    fn five_children_each_with_a_current_placement_of_a_different_kind() {
        let records = records(today());
        let placements: Vec<&Placement> = records
            .iter()
            .filter_map(|r| match r {
                Record::Placement(p) => Some(p),
                _ => None,
            })
            .collect();
        let current: Vec<&&Placement> = placements
            .iter()
            .filter(|p| p.is_current_on(today()))
            .collect();
        assert_eq!(current.len(), 5);
        assert_eq!(placements.len(), 6, "and Liam's earlier one, closed");
        for kind in PlacementKind::ALL {
            assert!(current.iter().any(|p| p.kind == kind), "{kind:?}");
        }
        for child in DEMO_CHILD_IDS {
            assert_eq!(current.iter().filter(|p| p.child_id == child).count(), 1);
        }
    }

    #[test]
    fn the_register_has_a_checked_home_a_home_missing_checks_and_a_breakdown() {
        let today = today();
        let records = records(today);
        let closings: Vec<(HomeId, &PlacementClosing)> = records
            .iter()
            .filter_map(|r| match r {
                Record::PlacementClosing(c) => records.iter().find_map(|p| match p {
                    Record::Placement(p) if p.id == c.placement_id => p.home_id.map(|h| (h, c)),
                    _ => None,
                }),
                _ => None,
            })
            .collect();
        let entries: Vec<shared::register::HomeEntry> = homes(today)
            .into_iter()
            .map(|home| shared::register::HomeEntry {
                history: shared::register::HomeHistory::count(
                    closings
                        .iter()
                        .filter(|(h, _)| *h == home.id)
                        .map(|(_, c)| *c),
                    today,
                ),
                current_placements: 0,
                home,
            })
            .collect();
        let named = |name: &str| {
            entries
                .iter()
                .find(|e| e.home.name.as_str() == name)
                .expect("demo home")
        };
        let checked = named("Familjen Exempelberg");
        assert!(checked.home.missing_checks().is_empty() && !checked.is_flagged());
        assert!(!named("Jourhemmet Solgläntan (påhittat)")
            .home
            .missing_checks()
            .is_empty());
        let broke = named("Familjen Exempeldal (påhittat)");
        assert_eq!(broke.history.breakdowns, 1);
        assert!(broke.home.missing_checks().is_empty() && broke.is_flagged());
        // Every placement's home is in the register, under its name.
        for r in &records {
            if let Record::Placement(p) = r {
                let home = entries
                    .iter()
                    .find(|e| Some(e.home.id) == p.home_id)
                    .expect("home");
                assert_eq!(home.home.name, p.home_name);
            }
        }
    }

    #[test]
    fn one_decision_ends_within_thirty_days_and_one_has_expired() {
        use shared::register::DecisionStatus;
        let records = records(today());
        let statuses: Vec<DecisionStatus> = records
            .iter()
            .filter_map(|r| match r {
                Record::Placement(p) if p.is_current_on(today()) => {
                    Some(p.decision_status(today()))
                }
                _ => None,
            })
            .collect();
        let ends_soon = statuses
            .iter()
            .filter(|s| matches!(s, DecisionStatus::EndsSoon { .. }))
            .count();
        let expired = statuses
            .iter()
            .filter(|s| matches!(s, DecisionStatus::Expired { .. }))
            .count();
        assert_eq!((ends_soon, expired), (1, 1));
        let children: Vec<&Child> = records
            .iter()
            .filter_map(|r| match r {
                Record::Child(c) => Some(c),
                _ => None,
            })
            .collect();
        assert!(children.iter().any(|c| c.has_disability));
        assert!(children
            .iter()
            .all(|c| c.sex != Sex::NotRecorded && c.external_id.is_some() && c.unit_id.is_some()));
    }

    #[test]
    fn ages_and_visits_fit_the_story() {
        let records = records(today());
        for r in &records {
            match r {
                Record::Child(c) => {
                    assert!((3..=17).contains(&c.age_on(today())), "{}", c.id);
                }
                Record::Visit(v) => assert!(v.visit_date <= today()),
                Record::Placement(_) | Record::PlacementClosing(_) => {}
                other => panic!(
                    "demo data holds only children, placements, a closing and visits: {other:?}"
                ),
            }
        }
        let due = |child: ChildId| {
            let placement = records
                .iter()
                .find_map(|r| match r {
                    Record::Placement(p) if p.child_id == child => Some(p),
                    _ => None,
                })
                .expect("placement");
            let dates = records.iter().filter_map(|r| match r {
                Record::Visit(v) if v.child_id == child => Some(v.visit_date),
                _ => None,
            });
            next_visit_due(placement, dates).expect("due").due_date
        };
        // First visit due within the week; one overdue; the others not.
        assert!(due(DEMO_CHILD_IDS[0]) > today());
        assert!(due(DEMO_CHILD_IDS[1]) < today());
        for child in &DEMO_CHILD_IDS[2..] {
            assert!(due(*child) > today());
        }
    }
}
