//! A server restored from a backup, with tablets that carry on: 2–4 tablets
//! record visits and edit a placement, syncing in random order through a
//! network that loses requests and responses; the server is backed up
//! (`server::backup::backup`, live), more is written, it is restored
//! (`server::backup::restore`, stopped, new feed epoch), and a newcomer
//! writes until the feed is past every tablet's cursor, so only the epoch
//! tells the tablets what happened. One tablet may be lost with the old
//! server (its journal with it). Then everyone syncs on a good network, and:
//!
//! - no visit a remaining tablet made is lost, and none is doubled;
//! - every remaining tablet holds exactly what the server holds (nothing the
//!   server lost stays on a tablet, nothing under a cursor is missed).

use app::sync::sync_once;
use barnbesok_tests::{server_state, Faults, FaultyTransport, Replica, Rng};
use chrono::{NaiveDate, TimeZone, Utc};
use proptest::prelude::*;
use proptest::test_runner::Config;
use server::config::DatabaseTarget;
use server::db::Database;
use shared::merge::FieldChange;
use shared::protocol::{EditableKind, Mutation, Operation, Record, RecordPatch, RecordRef};
use shared::{
    Child, ChildId, LegalBasis, MutationId, PersonName, Placement, PlacementId, PlacementKind,
    Visit, VisitId, VisitNote, VisitorName,
};
use std::collections::{BTreeMap, BTreeSet};

const HOMES: [&str; 3] = ["Familjen Ek", "Familjen Björk", "Familjen Lind"];

#[derive(Clone, Debug)]
enum Step {
    RecordVisit(usize),
    EditHome(usize, usize),
    Sync(usize),
}

#[derive(Clone, Debug)]
struct Scenario {
    devices: usize,
    seed: u64,
    before: Vec<Step>,
    /// Between the backup and the restore: what the restore loses.
    between: Vec<Step>,
    after: Vec<Step>,
    /// Tablet 0 is gone with the old server.
    lose_first: bool,
}

fn steps(devices: usize, max: usize) -> impl Strategy<Value = Vec<Step>> {
    proptest::collection::vec(
        prop_oneof![
            3 => (0..devices).prop_map(Step::RecordVisit),
            1 => (0..devices, 0..HOMES.len()).prop_map(|(d, h)| Step::EditHome(d, h)),
            3 => (0..devices).prop_map(Step::Sync),
        ],
        0..max,
    )
}

fn scenario() -> impl Strategy<Value = Scenario> {
    (2usize..=4).prop_flat_map(|devices| {
        (
            any::<u64>(),
            steps(devices, 12),
            steps(devices, 16),
            steps(devices, 12),
            any::<bool>(),
        )
            .prop_map(move |(seed, before, between, after, lose_first)| Scenario {
                devices,
                seed,
                before,
                between,
                after,
                lose_first,
            })
    })
}

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, d).expect("date")
}

fn visit(child_id: ChildId) -> Visit {
    Visit {
        id: VisitId::new_random(),
        child_id,
        visit_date: day(5),
        visitor: VisitorName::parse("Simulerad Handläggare").expect("valid"),
        talked_alone: true,
        note: VisitNote::parse("Simulerat besök.").expect("valid"),
        recorded_at: Utc
            .with_ymd_and_hms(2026, 3, 5, 10, 0, 0)
            .single()
            .expect("time"),
        ..Visit::blank()
    }
}

struct World {
    child: Child,
    target: RecordRef,
    placement_key: String,
    /// Visits made, by the tablet that made them.
    visits: BTreeMap<VisitId, usize>,
}

impl World {
    fn mutation(&mut self, replica: &Replica, device: usize, step: &Step) -> Option<Mutation> {
        let operation = match step {
            Step::RecordVisit(_) => {
                let v = visit(self.child.id);
                self.visits.insert(v.id, device);
                Operation::CreateVisit(v)
            }
            Step::EditHome(_, home) => {
                let Some(Record::Placement(p)) = replica.view().get(&self.placement_key).cloned()
                else {
                    return None;
                };
                let to = HOMES[*home];
                if p.home_name.as_str() == to {
                    return None;
                }
                Operation::PatchRecord(RecordPatch {
                    target: self.target,
                    fields: BTreeMap::from([(
                        "home_name".to_owned(),
                        FieldChange {
                            from: serde_json::json!(p.home_name.as_str()),
                            to: serde_json::json!(to),
                        },
                    )]),
                })
            }
            Step::Sync(_) => return None,
        };
        Some(Mutation {
            id: MutationId::new_random(),
            operation,
        })
    }
}

async fn play(
    world: &mut World,
    replicas: &[Replica],
    gone: &BTreeSet<usize>,
    transport: &FaultyTransport<'_>,
    steps: &[Step],
) {
    for step in steps {
        let device = match step {
            Step::RecordVisit(d) | Step::EditHome(d, _) | Step::Sync(d) => *d,
        };
        if gone.contains(&device) {
            continue;
        }
        let replica = &replicas[device];
        if let Step::Sync(_) = step {
            // Failures are expected here; the outbox keeps what did not arrive.
            let _ = sync_once(replica, transport, replica.device_id).await;
        } else if let Some(m) = world.mutation(replica, device, step) {
            replica.record_change(m);
        }
    }
}

fn visits_in(state: &BTreeMap<String, Record>) -> BTreeSet<VisitId> {
    state
        .values()
        .filter_map(|r| match r {
            Record::Visit(v) => Some(v.id),
            _ => None,
        })
        .collect()
}

async fn run(s: &Scenario, dir: &std::path::Path) -> Result<(), TestCaseError> {
    let target = DatabaseTarget::SqliteFile(dir.join("server.db"));
    let db = Database::connect(&target).await.expect("connect");
    db.migrate().await.expect("migrate");
    let child = Child {
        id: ChildId::new_random(),
        given_name: PersonName::parse("Sim").expect("valid"),
        family_name: PersonName::parse("Uleradsson").expect("valid"),
        birth_date: NaiveDate::from_ymd_opt(2015, 1, 1).expect("date"),
        sex: shared::Sex::NotRecorded,
        has_disability: false,
        unit_id: None,
        external_id: None,
    };
    let placement = Placement {
        id: PlacementId::new_random(),
        child_id: child.id,
        kind: PlacementKind::FosterHome,
        home_name: PersonName::parse(HOMES[0]).expect("valid"),
        legal_basis: LegalBasis::SoL,
        start_date: day(1),
        ..Placement::blank()
    };
    db.insert_records(&[
        Record::Child(child.clone()),
        Record::Placement(placement.clone()),
    ])
    .await
    .expect("seed");
    let scope = vec![child.id];
    let mut world = World {
        target: RecordRef {
            kind: EditableKind::Placement,
            id: *placement.id.as_uuid(),
            child_id: child.id,
        },
        placement_key: format!("placement:{}", placement.id),
        child,
        visits: BTreeMap::new(),
    };

    let rng = Rng::new(s.seed);
    let bad = Faults {
        lost_request: 15,
        lost_response: 15,
        duplicated: 10,
    };
    let replicas: Vec<Replica> = (0..s.devices).map(|_| Replica::new()).collect();
    let mut gone = BTreeSet::new();

    let faulty = FaultyTransport::new(&db, &rng, bad, scope.clone());
    play(&mut world, &replicas, &gone, &faulty, &s.before).await;
    let followed = db.feed_epoch().await.expect("epoch");
    let backup = dir.join("server.backup");
    server::backup::backup(&db, &target, &backup)
        .await
        .expect("backup");
    let at_backup = visits_in(&server_state(&db, &scope).await);
    play(&mut world, &replicas, &gone, &faulty, &s.between).await;
    drop(faulty);
    db.close().await;
    drop(db);

    let epoch = server::backup::restore(&target, &backup)
        .await
        .expect("restore");
    if s.lose_first {
        gone.insert(0);
    }
    let db = Database::connect(&target).await.expect("reconnect");
    prop_assert_ne!(&epoch, &followed, "a restore starts a new feed");
    prop_assert_eq!(
        db.feed_epoch().await.expect("epoch"),
        epoch,
        "the restored server serves the new epoch (it had {})",
        followed
    );

    // A newcomer writes until the feed is past every tablet's cursor: no
    // tablet is told `cursor_ahead`, only the epoch says what happened.
    let clean = FaultyTransport::new(&db, &rng, Faults::default(), scope.clone());
    let newcomer = Replica::new();
    let past = replicas.iter().map(Replica::cursor).max().unwrap_or(0);
    sync_once(&newcomer, &clean, newcomer.device_id)
        .await
        .expect("newcomer's first sync");
    while newcomer.cursor() <= past {
        let m = world
            .mutation(&newcomer, usize::MAX, &Step::RecordVisit(0))
            .expect("a visit");
        newcomer.record_change(m);
        sync_once(&newcomer, &clean, newcomer.device_id)
            .await
            .expect("newcomer's sync");
    }

    let faulty = FaultyTransport::new(&db, &rng, bad, scope.clone());
    play(&mut world, &replicas, &gone, &faulty, &s.after).await;

    // Back on a good network: everyone pushes, then everyone pulls.
    let all: Vec<&Replica> = replicas
        .iter()
        .enumerate()
        .filter(|(i, _)| !gone.contains(i))
        .map(|(_, r)| r)
        .chain([&newcomer])
        .collect();
    for _ in 0..2 {
        for r in &all {
            sync_once(*r, &clean, r.device_id)
                .await
                .expect("final sync");
        }
    }

    let state = server_state(&db, &scope).await;
    let on_server = visits_in(&state);
    // Every visit of a remaining tablet, and the lost tablet's that the
    // backup held: no more, no less.
    let expected: BTreeSet<VisitId> = world
        .visits
        .iter()
        .filter(|(id, device)| !gone.contains(device) || at_backup.contains(id))
        .map(|(id, _)| *id)
        .collect();
    prop_assert_eq!(&on_server, &expected, "visits on the restored server");
    prop_assert_eq!(
        db.count(server::db::Table::Visits).await.expect("count"),
        expected.len() as u64,
        "a visit sent again is stored once"
    );
    for (i, r) in all.iter().enumerate() {
        prop_assert!(
            r.outbox.borrow().is_empty(),
            "tablet {} has pending changes",
            i
        );
        prop_assert!(
            r.refused
                .borrow()
                .iter()
                .all(|(m, _)| !matches!(m.operation, Operation::CreateVisit(_))),
            "tablet {} had a visit refused",
            i
        );
        prop_assert_eq!(&r.view(), &state, "tablet {} differs from the server", i);
    }
    db.close().await;
    Ok(())
}

fn cases() -> u32 {
    std::env::var("BARNBESOK_RESTORE_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(64)
}

#[test]
fn a_restored_server_loses_no_settled_visit_and_tablets_follow_its_feed() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let config = Config {
        cases: cases(),
        failure_persistence: None,
        ..Config::default()
    };
    proptest!(config, |(s in scenario())| {
        let dir = tempfile::tempdir_in("/dev/shm")
            .or_else(|_| tempfile::tempdir())
            .expect("tempdir");
        runtime.block_on(run(&s, dir.path()))?;
    });
}
