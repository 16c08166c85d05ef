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
    seed_caseloads(db, &new_users, today).await?;
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

/// Clearly marked demo users, one per role, and three more colleagues in
/// the first unit whose children give the self-check a year of history
/// (the README lists them).
pub const DEMO_USERS: [DemoUser; 10] = [
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
    // Aggregates of deviations across units, no child's record.
    DemoUser {
        id: user_id(10),
        username: "demo.kvalitet",
        display_name: "Kim Kvalitetsson (demo)",
        role: Role::Quality,
        units: &[],
        caseload: &[],
    },
    // Their caseloads are dated: see [`HISTORY_ASSIGNMENTS`].
    DemoUser {
        id: user_id(7),
        username: "demo.dalia",
        display_name: "Dalia Testdotter (demo)",
        role: Role::SocialWorker,
        units: &[0],
        caseload: &[],
    },
    DemoUser {
        id: user_id(8),
        username: "demo.fredrik",
        display_name: "Fredrik Konsultsson (demo)",
        role: Role::Consultant,
        units: &[0],
        caseload: &[],
    },
    DemoUser {
        id: user_id(9),
        username: "demo.hanna",
        display_name: "Hanna Stödsson (demo)",
        role: Role::DisabilityOfficer,
        units: &[0],
        caseload: &[],
    },
];

const DALIA: usize = 7;
const FREDRIK: usize = 8;
const HANNA: usize = 9;

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
/// one) and the caseloads of the users inserted now: the first five
/// children's from now on, the history children's from the dates the
/// history says (a handover ends one and starts the next).
async fn seed_caseloads(
    db: &Database,
    users: &[&DemoUser],
    today: NaiveDate,
) -> Result<(), DbError> {
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
    let morning = |days_ago: u64| {
        today
            .checked_sub_days(Days::new(days_ago))
            .unwrap_or(today)
            .and_hms_opt(8, 0, 0)
            .unwrap_or_default()
            .and_utc()
    };
    for assignment in &HISTORY_ASSIGNMENTS {
        let user = &DEMO_USERS[assignment.user];
        if !users.iter().any(|u| u.id == user.id) {
            continue;
        }
        db.insert_access(
            &crate::db::accounts::NewAccess {
                child_id: DEMO_HISTORY_CHILD_IDS[assignment.child],
                user_id: user.id,
                kind: crate::db::accounts::AccessKind::Assigned,
                granted_by: None,
                starts_at: morning(assignment.from_days_ago),
                ends_at: assignment.until_days_ago.map(morning),
            },
            &crate::db::audit::Who::command_line(),
        )
        .await?;
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
        .chain(history(today))
        .collect()
}

fn text(s: &str) -> PersonName {
    PersonName::parse(s).expect("demo names are valid")
}

/// The children who give the managers' self-check (egenkontroll) a year and
/// more of history, all in the first unit, on the caseloads of Dalia (social
/// worker), Fredrik (consultant) and Hanna (disability-area officer); no
/// older demo user has them. In order: Ture, Selma, Ali, Wilma, Kim, Oskar,
/// Nova, Hedda.
pub const DEMO_HISTORY_CHILD_IDS: [ChildId; 8] = [
    child_id(6),
    child_id(7),
    child_id(8),
    child_id(9),
    child_id(10),
    child_id(11),
    child_id(12),
    child_id(13),
];

const TURE: usize = 0;
const SELMA: usize = 1;
const ALI: usize = 2;
const WILMA: usize = 3;
const KIM: usize = 4;
const OSKAR: usize = 5;
const NOVA: usize = 6;
const HEDDA: usize = 7;

/// Days before seeding that each history child's current placement started
/// (Ali's: his earlier one; the current one starts in last quarter).
const STARTED_DAYS_AGO: [u64; 8] = [900, 1200, 790, 270, 600, 305, 45, 400];

/// Kim moves from Dalia's caseload to Fredrik's: a change of worker.
const KIM_HANDOVER_DAYS_AGO: u64 = 210;

/// No history visit is dated in the last days before seeding: the tests of
/// a week's unfiled visits count the first unit's recent signed visits.
const QUIET_DAYS: u64 = 10;

/// A history child (index into [`DEMO_HISTORY_CHILD_IDS`]) on a demo user's
/// caseload (index into [`DEMO_USERS`]) from a day until a day, if it ended.
struct DemoAssignment {
    child: usize,
    user: usize,
    from_days_ago: u64,
    until_days_ago: Option<u64>,
}

const fn assigned(child: usize, user: usize) -> DemoAssignment {
    DemoAssignment {
        child,
        user,
        from_days_ago: STARTED_DAYS_AGO[child],
        until_days_ago: None,
    }
}

const HISTORY_ASSIGNMENTS: [DemoAssignment; 10] = [
    assigned(TURE, DALIA),
    assigned(SELMA, DALIA),
    assigned(ALI, DALIA),
    assigned(WILMA, DALIA),
    assigned(WILMA, HANNA),
    DemoAssignment {
        until_days_ago: Some(KIM_HANDOVER_DAYS_AGO),
        ..assigned(KIM, DALIA)
    },
    DemoAssignment {
        from_days_ago: KIM_HANDOVER_DAYS_AGO,
        ..assigned(KIM, FREDRIK)
    },
    assigned(OSKAR, FREDRIK),
    assigned(NOVA, DALIA),
    assigned(HEDDA, FREDRIK),
];

/// What the children said, in their own words (invented).
const VIEWS: [&str; 6] = [
    "Jag trivs här och vill bo kvar. Jag vill träffa mamma oftare.",
    "Skolan är jobbig ibland men jag har fått en ny kompis.",
    "Jag vill själv få bestämma mer om vad jag gör på helgerna.",
    "Det känns tryggt här. Jag tycker om hunden.",
    "Jag saknar min bror och vill kunna ringa honom varje vecka.",
    "Det är bra nu. Jag vill fortsätta med fotbollen.",
];

const NOTES: [&str; 4] = [
    "Demoanteckning: Besök i hemmet, samtal i barnets rum.",
    "Demoanteckning: Vi tog en promenad och pratade om veckan som gått.",
    "Demoanteckning: Uppföljning av genomförandeplanen tillsammans med hemmet.",
    "Demoanteckning: Besök efter skolan. Barnet visade sina teckningar.",
];

const OFFICER_NOTE: &str =
    "Demoanteckning: Funktionshandläggaren följde upp stödet i boendet och hur vardagen fungerar.";

/// One visit of the history: the day, who came (index into [`DEMO_USERS`]).
type Planned = (NaiveDate, usize);

/// Visits every `step` days from `first` up to `last`.
fn every(first: NaiveDate, step: u64, last: NaiveDate, by: usize) -> Vec<Planned> {
    std::iter::successors(Some(first), |d| d.checked_add_days(Days::new(step)))
        .take_while(|d| *d <= last)
        .map(|d| (d, by))
        .collect()
}

/// The history children's records: children, placements, Ali's unplanned
/// ending and re-placement, the written-information ticks, then visits.
/// Dates are relative to `today`; the late visits fall in last quarter
/// ([`shared::selfcheck::Period::last_quarter`]):
/// - Ture, Hedda and Wilma are visited in time all along, Wilma also twice
///   a year by the disability-area officer (she lives in stödboende);
/// - Selma's three-month interval breaks in last quarter (visited 23 days
///   late);
/// - Ali's foster home ends, unplanned, early in last quarter and he moves
///   to an HVB, first visited on day 8;
/// - Kim (sex not recorded) is handed from Dalia to the consultant Fredrik;
/// - Oskar, Fredrik's, is overdue now;
/// - Nova, two years old and placed six weeks ago, was visited on day 7 and
///   is not talked to alone (under four).
pub fn history(today: NaiveDate) -> Vec<Record> {
    use shared::checklist::{ChecklistTick, ItemState, TemplateVersion};
    use shared::selfcheck::{Period, INFORMATION_ITEMS};
    use shared::{ChecklistTickId, NotAloneReason, VisitorRole};

    let days_ago = |n: u64| today.checked_sub_days(Days::new(n)).unwrap_or(today);
    let plus = |d: NaiveDate, n: u64| d.checked_add_days(Days::new(n)).unwrap_or(d);
    let minus = |d: NaiveDate, n: u64| d.checked_sub_days(Days::new(n)).unwrap_or(d);
    let in_months = |n: u32| today.checked_add_months(Months::new(n)).unwrap_or(today);
    let born = |years: u32, days: u64| {
        today
            .checked_sub_months(Months::new(years * 12))
            .and_then(|d| d.checked_sub_days(Days::new(days)))
            .unwrap_or(today)
    };
    let started = |child: usize| days_ago(STARTED_DAYS_AGO[child]);
    let last_visit_day = days_ago(QUIET_DAYS);
    let quarter = Period::last_quarter(today);

    struct Demo {
        given: &'static str,
        family: &'static str,
        birth: NaiveDate,
        sex: Sex,
        has_disability: bool,
        kind: PlacementKind,
        home: &'static str,
        basis: LegalBasis,
        start: NaiveDate,
        decision_until: Option<NaiveDate>,
        last_consideration: Option<NaiveDate>,
        /// Which of [`INFORMATION_ITEMS`] are ticked done, and by whom.
        informed: (&'static [&'static str], usize),
        visits: Vec<Planned>,
    }

    // Selma: visited in time until last quarter, where the interval from
    // `selma_before` breaks.
    let selma_before = plus(
        quarter
            .from
            .checked_sub_months(Months::new(2))
            .unwrap_or(quarter.from),
        5,
    );
    let selma_due = selma_before
        .checked_add_months(Months::new(3))
        .unwrap_or(selma_before);
    let selma_late = plus(selma_due, 23);
    let mut selma = every(minus(selma_before, 400), 80, selma_before, DALIA);
    selma.push((selma_late, DALIA));
    selma.extend(every(plus(selma_late, 80), 80, last_visit_day, DALIA));

    // Ali: re-placed early in last quarter, first visited on day 8.
    let ali_moved = plus(quarter.from, 20);
    let mut ali = vec![(plus(ali_moved, 8), DALIA)];
    ali.extend(every(plus(ali_moved, 88), 80, last_visit_day, DALIA));
    let ali_earlier_visits = every(plus(started(ALI), 4), 85, minus(ali_moved, 10), DALIA);

    let mut wilma = every(plus(started(WILMA), 3), 85, last_visit_day, DALIA);
    wilma.extend(
        [plus(started(WILMA), 40), plus(started(WILMA), 222)]
            .into_iter()
            .filter(|d| *d <= last_visit_day)
            .map(|d| (d, HANNA)),
    );
    wilma.sort();

    let kim = every(plus(started(KIM), 5), 84, last_visit_day, DALIA)
        .into_iter()
        .map(|(d, _)| {
            let by = if d < days_ago(KIM_HANDOVER_DAYS_AGO) {
                DALIA
            } else {
                FREDRIK
            };
            (d, by)
        })
        .collect();

    const ALL: &[&str] = &INFORMATION_ITEMS;
    let demos = [
        Demo {
            given: "Ture",
            family: "Exempelgren",
            birth: born(5, 60),
            sex: Sex::Boy,
            has_disability: false,
            kind: PlacementKind::FosterHome,
            home: "Familjen Lönnberg (påhittat)",
            basis: LegalBasis::Lvu,
            start: started(TURE),
            decision_until: None,
            // More than six months ago: the consideration is due.
            last_consideration: Some(days_ago(215)),
            informed: (ALL, DALIA),
            visits: every(plus(started(TURE), 6), 80, last_visit_day, DALIA),
        },
        Demo {
            given: "Selma",
            family: "Demoström",
            birth: born(10, 150),
            sex: Sex::Girl,
            has_disability: false,
            kind: PlacementKind::FosterHome,
            home: "Familjen Ekudden (påhittat)",
            basis: LegalBasis::SoL,
            start: started(SELMA),
            decision_until: Some(in_months(9)),
            last_consideration: Some(days_ago(100)),
            informed: (&["kontaktuppgifter"], DALIA),
            visits: selma,
        },
        Demo {
            given: "Ali",
            family: "Provberg",
            birth: born(14, 20),
            sex: Sex::Boy,
            has_disability: false,
            kind: PlacementKind::ResidentialCare,
            home: "HVB Kompassrosen (påhittat)",
            basis: LegalBasis::SoL,
            start: ali_moved,
            decision_until: Some(in_months(5)),
            last_consideration: None,
            informed: (&["kontaktuppgifter", "klagomal"], DALIA),
            visits: ali,
        },
        Demo {
            given: "Wilma",
            family: "Låtsasdotter",
            birth: born(18, 150),
            sex: Sex::Girl,
            has_disability: true,
            kind: PlacementKind::SupportedHousing,
            home: "Stödboendet Hamnvägen (påhittat)",
            basis: LegalBasis::SoL,
            start: started(WILMA),
            decision_until: Some(in_months(7)),
            last_consideration: Some(days_ago(80)),
            informed: (ALL, DALIA),
            visits: wilma,
        },
        Demo {
            given: "Kim",
            family: "Exempelgren",
            birth: born(15, 200),
            sex: Sex::NotRecorded,
            has_disability: false,
            kind: PlacementKind::TreatmentFamily,
            home: "Behandlingsfamiljen Åsen (påhittat)",
            basis: LegalBasis::Lvu,
            start: started(KIM),
            decision_until: None,
            last_consideration: Some(days_ago(120)),
            informed: (&[], FREDRIK),
            visits: kim,
        },
        Demo {
            given: "Oskar",
            family: "Fantasisson",
            birth: born(8, 75),
            sex: Sex::Boy,
            has_disability: true,
            kind: PlacementKind::FosterHome,
            home: "Familjen Björklund (påhittat)",
            basis: LegalBasis::SoL,
            start: started(OSKAR),
            decision_until: Some(in_months(11)),
            last_consideration: Some(days_ago(170)),
            informed: (ALL, FREDRIK),
            // The last 130 days ago: overdue for about six weeks.
            visits: [300, 215, 130]
                .into_iter()
                .map(|n| (days_ago(n), FREDRIK))
                .collect(),
        },
        Demo {
            given: "Nova",
            family: "Demoström",
            birth: born(2, 100),
            sex: Sex::Girl,
            has_disability: false,
            kind: PlacementKind::EmergencyHome,
            home: "Jourhemmet Tallkotten (påhittat)",
            basis: LegalBasis::Lvu,
            start: started(NOVA),
            decision_until: Some(in_months(3)),
            last_consideration: None,
            informed: (&[], DALIA),
            visits: vec![
                (plus(started(NOVA), 7), DALIA),
                (plus(started(NOVA), 30), DALIA),
            ],
        },
        Demo {
            given: "Hedda",
            family: "Provberg",
            birth: born(16, 10),
            sex: Sex::Girl,
            has_disability: false,
            kind: PlacementKind::ResidentialCare,
            home: "HVB Kompassrosen (påhittat)",
            basis: LegalBasis::SoL,
            start: started(HEDDA),
            decision_until: Some(in_months(4)),
            last_consideration: Some(days_ago(60)),
            informed: (ALL, FREDRIK),
            visits: every(plus(started(HEDDA), 6), 82, last_visit_day, FREDRIK),
        },
    ];

    let visitor = |user: usize| {
        VisitorName::parse(shared::auth::signing_name(DEMO_USERS[user].display_name))
            .expect("demo names are valid")
    };
    let afternoon = |d: NaiveDate| d.and_hms_opt(15, 0, 0).unwrap_or_default().and_utc();
    let mut visit_no: u128 = 100;
    let mut tick_no: u128 = 0;
    let mut visit = |child: ChildId, birth: NaiveDate, (date, by): Planned, k: usize| {
        visit_no += 1;
        let role = VisitorRole::of(DEMO_USERS[by].role);
        let variant = usize::try_from(visit_no).unwrap_or(0);
        // Most visits: alone, the child's view written down. Some not alone,
        // with the reason; a few alone without the view.
        let (alone, reason, view) = if date.years_since(birth).unwrap_or(0) < 4 {
            (false, Some(NotAloneReason::ChildUnderFour), None)
        } else if k % 4 == 2 {
            (false, Some(NotAloneReason::ChildDeclined), None)
        } else if k % 5 == 4 {
            (true, None, None)
        } else {
            (true, None, Some(VIEWS[variant % VIEWS.len()]))
        };
        let note = if role == VisitorRole::DisabilityOfficer {
            OFFICER_NOTE
        } else {
            NOTES[variant % NOTES.len()]
        };
        let user = &DEMO_USERS[by];
        Record::Visit(Visit {
            id: visit_id(visit_no),
            child_id: child,
            visit_date: date,
            visitor: visitor(by),
            talked_alone: alone,
            note: VisitNote::parse(note).expect("demo notes are valid"),
            recorded_at: afternoon(date),
            visitor_role: role,
            not_alone_reason: reason,
            child_view: VisitNote::parse(view.unwrap_or_default()).expect("demo views are valid"),
            feedback_given: view.is_some(),
            signed_by: Some(user.id),
            ..Visit::blank()
        })
    };

    let mut children = Vec::new();
    let mut placements = Vec::new();
    let mut ticks = Vec::new();
    let mut visits = Vec::new();
    for (i, (demo, child)) in demos.into_iter().zip(DEMO_HISTORY_CHILD_IDS).enumerate() {
        let n = i + 6;
        children.push(Record::Child(Child {
            id: child,
            given_name: text(demo.given),
            family_name: text(demo.family),
            birth_date: demo.birth,
            sex: demo.sex,
            has_disability: demo.has_disability,
            unit_id: Some(DEMO_UNITS[0].0),
            external_id: Some(external_id(&format!("DEMO-BARN-{n}"))),
        }));
        let placement = Placement {
            id: placement_id(10 + u128::try_from(i).unwrap_or(0)),
            child_id: child,
            kind: demo.kind,
            home_name: text(demo.home),
            legal_basis: demo.basis,
            start_date: demo.start,
            end_date: None,
            home_id: None,
            decision_date: Some(demo.start),
            decided_by: Some(text("Sociala nämnden (demo)")),
            decision_until: demo.decision_until,
            last_consideration: demo.last_consideration,
            external_id: Some(external_id(&format!("DEMO-PL-{}", 10 + i))),
        };
        let (items, by) = demo.informed;
        for item in items {
            tick_no += 1;
            ticks.push(Record::ChecklistTick(ChecklistTick {
                id: ChecklistTickId::from_uuid(Uuid::from_u128(
                    0xde30_0000_0000_4000_8000_0000_0002_0000 | tick_no,
                )),
                child_id: child,
                placement_id: placement.id,
                template: TemplateVersion {
                    kind: placement.kind,
                    version: 1,
                },
                item_key: (*item).to_owned(),
                state: ItemState::Done,
                by_name: visitor(by),
                by: DEMO_USERS[by].id,
                ticked_at: afternoon(plus(demo.start, 10).min(today)),
            }));
        }
        placements.push(Record::Placement(placement));
        if i == ALI {
            for (k, planned) in ali_earlier_visits.iter().enumerate() {
                visits.push(visit(child, demo.birth, *planned, k));
            }
        }
        for (k, planned) in demo.visits.into_iter().enumerate() {
            visits.push(visit(child, demo.birth, planned, k));
        }
    }

    // Ali's earlier foster home, ended unplanned when he moved (after the
    // current placements, so that each child's first is the one in force).
    let ali = DEMO_HISTORY_CHILD_IDS[ALI];
    let earlier = Placement {
        id: placement_id(30),
        child_id: ali,
        kind: PlacementKind::FosterHome,
        home_name: text("Familjen Sjöholm (påhittat)"),
        legal_basis: LegalBasis::SoL,
        start_date: started(ALI),
        end_date: Some(ali_moved),
        home_id: None,
        decision_date: Some(started(ALI)),
        decided_by: Some(text("Sociala nämnden (demo)")),
        decision_until: None,
        last_consideration: Some(minus(ali_moved, 100)),
        external_id: Some(external_id("DEMO-PL-30")),
    };
    let dalia = &DEMO_USERS[DALIA];
    let closing = PlacementClosing {
        id: ClosingId::from_uuid(Uuid::from_u128(0xde30_0000_0000_4000_8000_0000_0001_0002)),
        child_id: ali,
        placement_id: earlier.id,
        end_date: ali_moved,
        kind: EndKind::Unplanned,
        replacement: true,
        reason: Some(EndReason::HomeEndedAssignment),
        reason_text: VisitNote::default(),
        closing_note: VisitNote::parse(
            "Demoanteckning: Familjehemmet avslutade uppdraget. Ali flyttar till HVB och går kvar i samma skola.",
        )
        .expect("demo notes are valid"),
        signed_by: dalia.id,
        signed_by_name: visitor(DALIA),
        recorded_at: afternoon(ali_moved),
    };
    children
        .into_iter()
        .chain(placements)
        .chain([
            Record::Placement(earlier),
            Record::PlacementClosing(closing),
        ])
        .chain(ticks)
        .chain(visits)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::schedule::next_visit_due;
    use shared::selfcheck::{AgeGroup, Period, INFORMATION_ITEMS};
    use shared::VisitorRole;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, 31).expect("date")
    }

    /// Seeding days across a quarter: its first, a middle and its last day.
    fn seeding_days() -> [NaiveDate; 4] {
        [(2026, 3, 31), (2026, 10, 1), (2026, 12, 4), (2027, 2, 15)]
            .map(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d).expect("date"))
    }

    fn placements(records: &[Record]) -> Vec<&Placement> {
        records
            .iter()
            .filter_map(|r| match r {
                Record::Placement(p) => Some(p),
                _ => None,
            })
            .collect()
    }

    fn visits_of(records: &[Record], child: ChildId) -> Vec<&Visit> {
        records
            .iter()
            .filter_map(|r| match r {
                Record::Visit(v) if v.child_id == child => Some(v),
                _ => None,
            })
            .collect()
    }

    fn child_of(records: &[Record], id: ChildId) -> &Child {
        records
            .iter()
            .find_map(|r| match r {
                Record::Child(c) if c.id == id => Some(c),
                _ => None,
            })
            .expect("child")
    }

    #[test]
    fn five_children_each_with_a_current_placement_of_a_different_kind() {
        let records = records(today());
        let first_five: Vec<&Placement> = placements(&records)
            .into_iter()
            .filter(|p| DEMO_CHILD_IDS.contains(&p.child_id))
            .collect();
        let current: Vec<&&Placement> = first_five
            .iter()
            .filter(|p| p.is_current_on(today()))
            .collect();
        assert_eq!(current.len(), 5);
        assert_eq!(first_five.len(), 6, "and Liam's earlier one, closed");
        for kind in PlacementKind::ALL {
            assert!(current.iter().any(|p| p.kind == kind), "{kind:?}");
        }
        for child in DEMO_CHILD_IDS.into_iter().chain(DEMO_HISTORY_CHILD_IDS) {
            let current = placements(&records)
                .into_iter()
                .filter(|p| p.child_id == child && p.is_current_on(today()))
                .count();
            assert_eq!(current, 1, "{child}");
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
                deviations: 0,
                complaints: 0,
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
        // Every home of the first five children's placements is in the
        // register, under its name; the history's homes are not.
        for p in placements(&records) {
            if DEMO_CHILD_IDS.contains(&p.child_id) {
                let home = entries
                    .iter()
                    .find(|e| Some(e.home.id) == p.home_id)
                    .expect("home");
                assert_eq!(home.home.name, p.home_name);
            } else {
                assert_eq!(p.home_id, None);
            }
        }
    }

    #[test]
    fn one_decision_ends_within_thirty_days_and_one_has_expired() {
        use shared::register::DecisionStatus;
        for today in seeding_days() {
            let records = records(today);
            let statuses: Vec<DecisionStatus> = placements(&records)
                .into_iter()
                .filter(|p| p.is_current_on(today))
                .map(|p| p.decision_status(today))
                .collect();
            let ends_soon = statuses
                .iter()
                .filter(|s| matches!(s, DecisionStatus::EndsSoon { .. }))
                .count();
            let expired = statuses
                .iter()
                .filter(|s| matches!(s, DecisionStatus::Expired { .. }))
                .count();
            assert_eq!((ends_soon, expired), (1, 1), "{today}");
        }
        let records = records(today());
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
            .all(|c| c.external_id.is_some() && c.unit_id.is_some()));
        // Of the first five, every sex is recorded; Kim's is not.
        assert!(children
            .iter()
            .filter(|c| DEMO_CHILD_IDS.contains(&c.id))
            .all(|c| c.sex != Sex::NotRecorded));
    }

    #[test]
    fn ages_and_visits_fit_the_story() {
        let records = records(today());
        for r in &records {
            match r {
                Record::Child(c) if DEMO_CHILD_IDS.contains(&c.id) => {
                    assert!((3..=17).contains(&c.age_on(today())), "{}", c.id);
                }
                Record::Child(c) => {
                    assert!((2..=20).contains(&c.age_on(today())), "{}", c.id);
                }
                Record::Visit(v) => assert!(v.visit_date <= today()),
                Record::Placement(_) | Record::PlacementClosing(_) | Record::ChecklistTick(_) => {}
                other => panic!(
                    "demo data holds only children, placements, closings, ticks and visits: {other:?}"
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
        // The first five are visited by the demo visitor alone.
        assert!(DEMO_CHILD_IDS
            .iter()
            .flat_map(|c| visits_of(&records, *c))
            .all(|v| v.visitor.as_str() == DEMO_VISITOR));
    }

    /// The counting visits' dates of the child's placement in force.
    fn counting_dates(records: &[Record], child: ChildId, placement: &Placement) -> Vec<NaiveDate> {
        let mut dates: Vec<NaiveDate> = visits_of(records, child)
            .into_iter()
            .filter(|v| v.counts_for_schedule() && v.visit_date >= placement.start_date)
            .map(|v| v.visit_date)
            .collect();
        dates.sort();
        dates
    }

    #[test]
    fn last_quarter_has_a_broken_interval_a_late_first_visit_and_an_unplanned_ending() {
        for today in seeding_days() {
            let records = records(today);
            let quarter = Period::last_quarter(today);
            let year = Period::last_12_months(today);
            let current = |child: ChildId| {
                placements(&records)
                    .into_iter()
                    .find(|p| p.child_id == child && p.is_current_on(today))
                    .expect("current placement")
            };

            // Selma: a visit in last quarter more than three months after
            // the one before.
            let selma = DEMO_HISTORY_CHILD_IDS[SELMA];
            let dates = counting_dates(&records, selma, current(selma));
            let broken: Vec<_> = dates
                .windows(2)
                .filter(|w| w[0] + Months::new(3) < w[1] && quarter.contains(w[1]))
                .collect();
            assert_eq!(broken.len(), 1, "{today}: {dates:?}");
            // Every other history interval holds, but Oskar's open one and
            // Ali's day 8.
            for child in DEMO_HISTORY_CHILD_IDS {
                let dates = counting_dates(&records, child, current(child));
                let late = dates
                    .windows(2)
                    .filter(|w| w[0] + Months::new(3) < w[1])
                    .count();
                assert_eq!(late, usize::from(child == selma), "{today} {child}");
            }

            // Ali: re-placed in last quarter, first visited on day 8.
            let ali = DEMO_HISTORY_CHILD_IDS[ALI];
            let placement = current(ali);
            assert!(quarter.contains(placement.start_date), "{today}");
            let first = counting_dates(&records, ali, placement)[0];
            assert_eq!((first - placement.start_date).num_days(), 8);
            let closing = records
                .iter()
                .find_map(|r| match r {
                    Record::PlacementClosing(c) if c.child_id == ali => Some(c),
                    _ => None,
                })
                .expect("Ali's closing");
            assert!(quarter.contains(closing.end_date));
            assert_eq!(closing.end_date, placement.start_date);
            assert!(closing.kind == EndKind::Unplanned && closing.replacement);
            assert!(closing.reason.is_some());

            // Nova: visited on day 7, never alone (she is under four), with
            // the reason.
            let nova = DEMO_HISTORY_CHILD_IDS[NOVA];
            let first = counting_dates(&records, nova, current(nova))[0];
            assert_eq!((first - current(nova).start_date).num_days(), 7);
            assert!(visits_of(&records, nova).iter().all(|v| !v.talked_alone
                && v.not_alone_reason == Some(shared::NotAloneReason::ChildUnderFour)));

            // Oskar is overdue now.
            let oskar = DEMO_HISTORY_CHILD_IDS[OSKAR];
            let due = next_visit_due(
                current(oskar),
                counting_dates(&records, oskar, current(oskar)),
            )
            .expect("due");
            assert!(due.due_date < today, "{today}");

            // In the last 12 months: visits by the consultant, and the
            // disability-area officer's to Wilma in stödboende, twice.
            let history_visits: Vec<&Visit> = DEMO_HISTORY_CHILD_IDS
                .iter()
                .flat_map(|c| visits_of(&records, *c))
                .collect();
            let in_year: Vec<&Visit> = history_visits
                .iter()
                .copied()
                .filter(|v| year.contains(v.visit_date))
                .collect();
            assert!(in_year
                .iter()
                .any(|v| v.visitor_role == VisitorRole::Consultant));
            let wilma = DEMO_HISTORY_CHILD_IDS[WILMA];
            assert_eq!(current(wilma).kind, PlacementKind::SupportedHousing);
            let officer = visits_of(&records, wilma)
                .into_iter()
                .filter(|v| v.visitor_role == VisitorRole::DisabilityOfficer)
                .filter(|v| year.contains(v.visit_date))
                .count();
            assert_eq!(officer, 2, "{today}");

            // The child heard, in every way the report counts.
            let with_view = |v: &&Visit| !v.child_view.as_str().is_empty();
            assert!(in_year.iter().any(|v| v.talked_alone && with_view(v)));
            assert!(in_year.iter().any(|v| v.talked_alone && !with_view(v)));
            assert!(in_year
                .iter()
                .any(|v| !v.talked_alone && v.not_alone_reason.is_some() && !with_view(v)));
            for v in &history_visits {
                assert!(v.check_complete().is_ok(), "{v:?}");
                assert!(v.visit_date <= today - Days::new(QUIET_DAYS), "{today}");
                assert!(v.signed_by.is_some());
            }

            // Girls, boys and a child whose sex is not recorded, in every age
            // group.
            let children: Vec<&Child> = DEMO_CHILD_IDS
                .iter()
                .chain(&DEMO_HISTORY_CHILD_IDS)
                .map(|c| child_of(&records, *c))
                .collect();
            for sex in [Sex::Girl, Sex::Boy, Sex::NotRecorded] {
                assert!(children.iter().any(|c| c.sex == sex), "{sex:?}");
            }
            for group in AgeGroup::ALL {
                assert!(
                    children
                        .iter()
                        .any(|c| AgeGroup::of(c.birth_date, quarter.to) == group),
                    "{today} {group:?}"
                );
            }
        }
    }

    #[test]
    fn the_information_items_are_ticked_on_some_placements_in_full_and_on_some_in_part() {
        let records = records(today());
        let ticked = |placement: PlacementId| {
            records
                .iter()
                .filter(|r| {
                    matches!(r, Record::ChecklistTick(t) if t.placement_id == placement
                        && INFORMATION_ITEMS.contains(&t.item_key.as_str()))
                })
                .count()
        };
        let counts: Vec<usize> = placements(&records)
            .into_iter()
            .filter(|p| DEMO_HISTORY_CHILD_IDS.contains(&p.child_id))
            .map(|p| ticked(p.id))
            .collect();
        assert!(counts.contains(&INFORMATION_ITEMS.len()));
        assert!(counts.iter().any(|&n| n > 0 && n < INFORMATION_ITEMS.len()));
        assert!(counts.contains(&0));
        // A tick names the user who set it and the placement's template.
        for r in &records {
            if let Record::ChecklistTick(t) = r {
                let user = DEMO_USERS.iter().find(|u| u.id == t.by).expect("demo user");
                assert_eq!(
                    t.by_name.as_str(),
                    shared::auth::signing_name(user.display_name)
                );
                let placement = placements(&records)
                    .into_iter()
                    .find(|p| p.id == t.placement_id)
                    .expect("placement");
                assert_eq!(t.template.kind, placement.kind);
            }
        }
    }

    #[test]
    fn the_history_children_are_on_the_new_colleagues_caseloads_only() {
        for (n, child) in DEMO_HISTORY_CHILD_IDS.iter().enumerate() {
            let now: Vec<&str> = HISTORY_ASSIGNMENTS
                .iter()
                .filter(|a| a.child == n && a.until_days_ago.is_none())
                .map(|a| DEMO_USERS[a.user].username)
                .collect();
            assert!(!now.is_empty(), "{child}");
            assert!(now
                .iter()
                .all(|u| ["demo.dalia", "demo.fredrik", "demo.hanna"].contains(u)));
        }
        assert!(DEMO_USERS
            .iter()
            .all(|u| u.caseload.iter().all(|&c| c < DEMO_CHILD_IDS.len())));
        let roles: Vec<Role> = [DALIA, FREDRIK, HANNA].map(|u| DEMO_USERS[u].role).to_vec();
        assert_eq!(
            roles,
            [
                Role::SocialWorker,
                Role::Consultant,
                Role::DisabilityOfficer
            ]
        );
    }
}
