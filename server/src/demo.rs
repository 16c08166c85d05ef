//! Fictional demo data for trying the app: five invented children whose
//! visit situations cover every state of the schedule. Dates are relative to
//! the day of seeding.

use crate::db::accounts::UserRow;
use crate::db::{Database, DbError};
use chrono::{Days, Months, NaiveDate};
use shared::auth::Role;
use shared::protocol::Record;
use shared::{
    Child, ChildId, LegalBasis, PersonName, Placement, PlacementId, PlacementKind, Visit, VisitId,
    VisitNote, VisitorName,
};
use shared::{UnitId, UserId};
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

/// Seeds the demo data unless the database already holds a child. Everything
/// goes in one transaction and through the change feed. Returns whether
/// anything was written.
pub async fn seed(db: &Database, today: NaiveDate) -> Result<bool, DbError> {
    let seeded = db.insert_records_if_empty(&records(today)).await?;
    if seeded || db.user_by_username(DEMO_USERS[0].username).await?.is_none() {
        seed_accounts(db).await?;
    }
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

/// The demo units and users, and the children's units and caseloads.
async fn seed_accounts(db: &Database) -> Result<(), DbError> {
    for (id, name) in DEMO_UNITS {
        db.insert_unit(id, name).await?;
    }
    for (n, child) in DEMO_CHILD_IDS.into_iter().enumerate() {
        let unit = if n < 4 {
            DEMO_UNITS[0].0
        } else {
            DEMO_UNITS[1].0
        };
        db.set_child_unit(child, unit).await?;
    }
    // One hash for all: hashing is deliberately slow, and these accounts
    // share a published password anyway.
    let hash = crate::auth::hash_password(DEMO_PASSWORD).map_err(|e| DbError::CorruptRow {
        table: "users",
        reason: e.to_string(),
    })?;
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

/// The demo records as of `today`: children, then placements, then visits.
pub fn records(today: NaiveDate) -> Vec<Record> {
    let months_ago = |n: u32| today.checked_sub_months(Months::new(n)).unwrap_or(today);
    let days_ago = |n: u64| today.checked_sub_days(Days::new(n)).unwrap_or(today);
    let born = |years: u32, days: u64| {
        months_ago(years * 12)
            .checked_sub_days(Days::new(days))
            .unwrap_or(today)
    };

    struct Demo {
        given: &'static str,
        family: &'static str,
        birth: NaiveDate,
        kind: PlacementKind,
        home: &'static str,
        basis: LegalBasis,
        start: NaiveDate,
        visits: Vec<(NaiveDate, bool, &'static str)>,
    }

    let demos = [
        // Placed three days ago: the first visit is due within the week.
        Demo {
            given: "Alva",
            family: "Exempelsson",
            birth: born(3, 40),
            kind: PlacementKind::EmergencyHome,
            home: "Jourhemmet Solgläntan (påhittat)",
            basis: LegalBasis::Lvu,
            start: days_ago(3),
            visits: vec![],
        },
        // Last visit four months ago: overdue.
        Demo {
            given: "Noah",
            family: "Påhittad",
            birth: born(9, 120),
            kind: PlacementKind::FosterHome,
            home: "Familjen Exempelberg",
            basis: LegalBasis::SoL,
            start: months_ago(24),
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
            kind: PlacementKind::TreatmentFamily,
            home: "Behandlingsfamiljen Fiktiva",
            basis: LegalBasis::Lvu,
            start: months_ago(14),
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
            kind: PlacementKind::ResidentialCare,
            home: "HVB Demogården",
            basis: LegalBasis::SoL,
            start: months_ago(8),
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
            kind: PlacementKind::SupportedHousing,
            home: "Stödboendet Exempelvägen",
            basis: LegalBasis::SoL,
            start: months_ago(5),
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
        children.push(Record::Child(Child {
            id: child,
            given_name: text(demo.given),
            family_name: text(demo.family),
            birth_date: demo.birth,
            sex: shared::Sex::NotRecorded,
            has_disability: false,
            unit_id: None,
            external_id: None,
        }));
        placements.push(Record::Placement(Placement {
            id: placement_id(n),
            child_id: child,
            kind: demo.kind,
            home_name: text(demo.home),
            legal_basis: demo.basis,
            start_date: demo.start,
            end_date: None,
            home_id: None,
            decision_date: None,
            decided_by: None,
            decision_until: None,
            last_consideration: None,
            external_id: None,
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
    children
        .into_iter()
        .chain(placements)
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
        assert_eq!(placements.len(), 5);
        for kind in PlacementKind::ALL {
            assert!(placements.iter().any(|p| p.kind == kind), "{kind:?}");
        }
        assert!(placements.iter().all(|p| p.is_current_on(today())));
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
                Record::Placement(_) => {}
                other => panic!("demo data holds only children, placements and visits: {other:?}"),
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
