//! Property test of the whole sync design: 2–5 tablets edit the same child's
//! records offline, in random order, and sync in random order through a
//! network that loses requests and responses and duplicates requests. Then
//! everyone syncs on a good network, and:
//!
//! - every tablet holds exactly what the server holds;
//! - every mutation was applied exactly once (no visit lost or doubled);
//! - no edit vanished: each field edit is in the record's history or in a
//!   conflict that holds it (or its mutation was refused and is still shown).

use app::sync::sync_once;
use barnbesok_tests::{
    server_feed, server_state, FaultCounts, Faults, FaultyTransport, Replica, Rng,
};
use chrono::{NaiveDate, TimeZone, Utc};
use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence};
use server::db::{Database, Table};
use shared::merge::diff;
use shared::protocol::{
    ConflictChoice, EditableKind, Mutation, Operation, Record, RecordPatch, RecordRef,
};
use shared::{
    AmendmentId, AmendmentText, Child, ChildId, LegalBasis, MutationId, PersonName, Placement,
    PlacementId, PlacementKind, Visit, VisitAmendment, VisitId, VisitNote, VisitorName,
};
use std::cell::RefCell;
use std::collections::HashSet;

const HOMES: [&str; 3] = ["Familjen Ek", "Familjen Björk", "Familjen Lind"];

#[derive(Clone, Debug)]
enum Action {
    EditHome(usize),
    EditBasis(bool),
    EditStart(u32),
    RecordVisit,
    AmendFirstVisit,
    ResolveFirstConflict { keep_server: bool },
    DeletePlacement,
    Sync,
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        4 => (0..HOMES.len()).prop_map(Action::EditHome),
        2 => any::<bool>().prop_map(Action::EditBasis),
        2 => (1u32..28).prop_map(Action::EditStart),
        3 => Just(Action::RecordVisit),
        1 => Just(Action::AmendFirstVisit),
        3 => any::<bool>().prop_map(|keep_server| Action::ResolveFirstConflict { keep_server }),
        // Rare: most scenarios keep the placement to edit.
        1 => Just(Action::DeletePlacement),
        6 => Just(Action::Sync),
    ]
}

#[derive(Clone, Debug)]
struct Scenario {
    devices: usize,
    steps: Vec<(usize, Action)>,
    seed: u64,
    faults: (u64, u64, u64),
}

fn scenario() -> impl Strategy<Value = Scenario> {
    (2usize..=5)
        .prop_flat_map(|devices| {
            (
                Just(devices),
                proptest::collection::vec((0..devices, action()), 1..40),
                any::<u64>(),
                (0u64..30, 0u64..30, 0u64..30),
            )
        })
        .prop_map(|(devices, steps, seed, faults)| Scenario {
            devices,
            steps,
            seed,
            faults,
        })
}

fn day(n: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, n).expect("date")
}

fn seed_records() -> (Child, Placement) {
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
    (child, placement)
}

/// The mutation a tablet makes for `action`, from what it shows now.
fn mutation_for(
    replica: &Replica,
    placement_key: &str,
    target: RecordRef,
    action: &Action,
) -> Option<Mutation> {
    let records = replica.view();
    let current = match records.get(placement_key) {
        Some(Record::Placement(p)) => Some(p.clone()),
        _ => None,
    };
    let patch = |edit: &dyn Fn(&mut Placement)| {
        let before = current.clone()?;
        let mut after = before.clone();
        edit(&mut after);
        let fields = diff(
            &serde_json::to_value(&before).ok()?,
            &serde_json::to_value(&after).ok()?,
            Placement::EDITABLE_FIELDS,
        );
        (!fields.is_empty()).then_some(Operation::PatchRecord(RecordPatch { target, fields }))
    };
    let operation = match action {
        Action::EditHome(i) => {
            patch(&|p| p.home_name = PersonName::parse(HOMES[*i]).expect("valid"))
        }
        Action::EditBasis(lvu) => patch(&|p| {
            p.legal_basis = if *lvu {
                LegalBasis::Lvu
            } else {
                LegalBasis::SoL
            }
        }),
        Action::EditStart(start) => patch(&|p| p.start_date = day(*start)),
        Action::RecordVisit => Some(Operation::CreateVisit(Visit {
            id: VisitId::new_random(),
            child_id: target.child_id,
            visit_date: day(5),
            visitor: VisitorName::parse("Simulerad Handläggare").expect("valid"),
            talked_alone: true,
            note: VisitNote::parse("Simulerat besök.").expect("valid"),
            recorded_at: Utc
                .with_ymd_and_hms(2026, 3, 5, 10, 0, 0)
                .single()
                .expect("time"),
            ..shared::Visit::blank()
        })),
        Action::AmendFirstVisit => records.values().find_map(|r| match r {
            Record::Visit(v) => Some(Operation::AmendVisit(VisitAmendment {
                id: AmendmentId::new_random(),
                visit_id: v.id,
                child_id: v.child_id,
                author: VisitorName::parse("Simulerad Handläggare").expect("valid"),
                author_id: None,
                text: AmendmentText::parse("Rättelse.").expect("valid"),
                recorded_at: Utc
                    .with_ymd_and_hms(2026, 3, 6, 10, 0, 0)
                    .single()
                    .expect("time"),
            })),
            _ => None,
        }),
        Action::ResolveFirstConflict { keep_server } => records.values().find_map(|r| match r {
            Record::Conflict(c) if c.resolution.is_none() => {
                let from = current
                    .as_ref()
                    .and_then(|p| serde_json::to_value(p).ok())
                    .and_then(|v| v.get(&c.field).cloned())
                    .unwrap_or(serde_json::Value::Null);
                Some(Operation::ResolveConflict(ConflictChoice {
                    conflict_id: c.id,
                    child_id: c.target.child_id,
                    from,
                    value: if *keep_server {
                        c.server_value.clone()
                    } else {
                        c.device_value.clone()
                    },
                }))
            }
            _ => None,
        }),
        Action::DeletePlacement => current.map(|_| Operation::DeleteRecord(target)),
        Action::Sync => None,
    }?;
    Some(Mutation {
        id: MutationId::new_random(),
        operation,
    })
}

struct Outcome {
    faults: FaultCounts,
    mutations: usize,
}

async fn run(s: &Scenario, dir: &std::path::Path) -> Result<Outcome, TestCaseError> {
    let db = Database::connect(&server::config::DatabaseTarget::SqliteFile(
        dir.join("sim.db"),
    ))
    .await
    .expect("connect");
    db.migrate().await.expect("migrate");
    let (child, placement) = seed_records();
    db.insert_records(&[
        Record::Child(child.clone()),
        Record::Placement(placement.clone()),
    ])
    .await
    .expect("seed");
    let target = RecordRef {
        kind: EditableKind::Placement,
        id: *placement.id.as_uuid(),
        child_id: child.id,
    };
    let placement_key = format!("placement:{}", placement.id);

    let rng = Rng::new(s.seed);
    let good = Faults::default();
    let bad = Faults {
        lost_request: s.faults.0,
        lost_response: s.faults.1,
        duplicated: s.faults.2,
    };
    let replicas: Vec<Replica> = (0..s.devices).map(|_| Replica::new()).collect();
    let scope = vec![child.id];
    let clean = FaultyTransport::new(&db, &rng, good, scope.clone());
    for r in &replicas {
        sync_once(r, &clean, r.device_id)
            .await
            .expect("initial sync");
    }

    let mut made: Vec<Mutation> = Vec::new();
    let faulty = FaultyTransport::new(&db, &rng, bad, scope.clone());
    for (device, action) in &s.steps {
        let replica = &replicas[*device];
        if let Action::Sync = action {
            // Failures are expected here; the outbox keeps what did not arrive.
            let _ = sync_once(replica, &faulty, replica.device_id).await;
        } else if let Some(m) = mutation_for(replica, &placement_key, target, action) {
            made.push(m.clone());
            replica.record_change(m);
        }
    }

    // Back on a good network: everyone pushes, then everyone pulls.
    for _ in 0..2 {
        for r in &replicas {
            sync_once(r, &clean, r.device_id).await.expect("final sync");
        }
    }

    let state = server_state(&db, &scope).await;
    let feed = server_feed(&db, &scope).await;
    for (i, r) in replicas.iter().enumerate() {
        prop_assert!(
            r.outbox.borrow().is_empty(),
            "tablet {} still has pending changes",
            i
        );
        prop_assert_eq!(&r.view(), &state, "tablet {} differs from the server", i);
    }
    // Refused changes are listed on their tablet; only edits of a deleted
    // record may be refused.
    let mut still_pending: HashSet<MutationId> = HashSet::new();
    for r in &replicas {
        for (m, code) in r.refused.borrow().iter() {
            prop_assert_eq!(
                *code,
                shared::ErrorCode::RecordDeleted,
                "{:?} refused",
                m.operation
            );
            still_pending.insert(m.id);
        }
    }

    let settled = made.len() - still_pending.len();
    prop_assert_eq!(
        db.count(Table::AppliedMutations).await.expect("count"),
        settled as u64
    );
    let visits_made = made
        .iter()
        .filter(|m| matches!(m.operation, Operation::CreateVisit(_)))
        .count();
    prop_assert_eq!(
        db.count(Table::Visits).await.expect("count"),
        visits_made as u64
    );

    for m in &made {
        let Operation::PatchRecord(patch) = &m.operation else {
            continue;
        };
        if still_pending.contains(&m.id) {
            continue;
        }
        for (field, change) in &patch.fields {
            let in_history = feed.iter().any(|c| match &c.record {
                Record::Placement(p) => {
                    serde_json::to_value(p)
                        .ok()
                        .and_then(|v| v.get(field).cloned())
                        .as_ref()
                        == Some(&change.to)
                }
                _ => false,
            });
            let in_conflict = feed.iter().any(|c| match &c.record {
                Record::Conflict(k) => {
                    k.mutation_id == m.id && &k.field == field && k.device_value == change.to
                }
                _ => false,
            });
            prop_assert!(
                in_history || in_conflict,
                "edit of {} by {} vanished",
                field,
                m.id
            );
        }
    }
    let faults = *faulty.counts.borrow();
    db.close().await;
    Ok(Outcome {
        faults,
        mutations: made.len(),
    })
}

fn cases() -> u32 {
    std::env::var("BARNBESOK_SYNC_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2_000)
}

#[test]
fn replicas_converge_exactly_once_and_no_edit_vanishes() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let totals = RefCell::new((0u64, FaultCounts::default(), 0usize));
    let config = Config {
        cases: cases(),
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
            "sync/sync_model.proptest-regressions",
        ))),
        ..Config::default()
    };
    proptest!(config, |(s in scenario())| {
        // On tmpfs where there is one: each case is a fresh SQLite file.
        let dir = tempfile::tempdir_in("/dev/shm")
            .or_else(|_| tempfile::tempdir())
            .expect("tempdir");
        let outcome = runtime.block_on(run(&s, dir.path()))?;
        let mut t = totals.borrow_mut();
        t.0 += 1;
        t.1.lost_requests += outcome.faults.lost_requests;
        t.1.lost_responses += outcome.faults.lost_responses;
        t.1.duplicated += outcome.faults.duplicated;
        t.2 += outcome.mutations;
    });
    let (n, f, m) = *totals.borrow();
    println!(
        "sync model: {n} cases, {m} mutations; faults injected: {} lost requests, {} lost responses, {} duplicated requests",
        f.lost_requests, f.lost_responses, f.duplicated
    );
}
