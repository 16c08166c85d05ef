//! The IndexedDB layer in a real browser (headless Chromium via
//! wasm-bindgen-test-runner): what a social worker relies on when a tablet
//! reloads, crashes or loses the network.
#![cfg(target_arch = "wasm32")]

use app::platform::idb;
use app::platform::store::{IdbStore, Unlock, DB_VERSION, RESEALED_KEY};
use app::sync::LocalStore;
use chrono::{NaiveDate, TimeZone, Utc};
use shared::protocol::{Change, Mutation, Operation, Record};
use shared::{ChildId, MutationId, Visit, VisitId, VisitNote, VisitorName};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const PIN: &str = "48291375";

/// Opens the store and unlocks it with [`PIN`] (setting the key up the first
/// time), as the app does after the PIN screen.
async fn open_unlocked(name: &str) -> IdbStore {
    let store = IdbStore::open(name).await.expect("open");
    if store.has_key().await.expect("key params") {
        assert_eq!(store.unlock(PIN).await.expect("unlock"), Unlock::Unlocked);
    } else {
        store.set_up_key(PIN).await.expect("set up key");
    }
    store
}

/// Every value of every object store, as the browser keeps them (what a
/// thief who copies the browser profile would read).
async fn raw_dump(name: &str) -> String {
    let db = idb::open(name, DB_VERSION, |_, _, _| Ok(()))
        .await
        .expect("open raw");
    let mut all = String::new();
    for store in ["records", "outbox", "rejected", "reads", "drafts", "meta"] {
        let tx =
            idb::transaction(&db, &[store], web_sys::IdbTransactionMode::Readonly).expect("tx");
        let req = tx
            .object_store(store)
            .expect("store")
            .get_all()
            .expect("get all");
        let values = idb::request(&req).await.expect("values");
        all.push_str(
            &js_sys::JSON::stringify(&values)
                .map(String::from)
                .unwrap_or_default(),
        );
    }
    db.close();
    all
}

fn fresh_name() -> String {
    format!("barnbesok-test-{}", uuid::Uuid::new_v4())
}

fn visit(child_id: ChildId, note: &str) -> Visit {
    Visit {
        id: VisitId::new_random(),
        child_id,
        visit_date: NaiveDate::from_ymd_opt(2026, 11, 20).expect("date"),
        visitor: VisitorName::parse("Anna Lind").expect("valid"),
        talked_alone: true,
        note: VisitNote::parse(note).expect("valid"),
        recorded_at: Utc
            .with_ymd_and_hms(2026, 11, 20, 14, 0, 0)
            .single()
            .expect("time"),
        ..shared::Visit::blank()
    }
}

fn create(v: &Visit) -> Mutation {
    Mutation {
        id: MutationId::new_random(),
        operation: Operation::CreateVisit(v.clone()),
    }
}

#[wasm_bindgen_test]
async fn local_write_is_visible_pending_and_survives_reopening() {
    let name = fresh_name();
    let child = ChildId::new_random();
    let v = visit(child, "Pratade om skolan.");
    let m = create(&v);
    {
        let store = open_unlocked(&name).await;
        store.record_change(&m).await.expect("write");
    }
    // A new connection, as after a reload.
    let store = open_unlocked(&name).await;
    let records = store.view_of_child(child).await.expect("read");
    assert_eq!(records, vec![Record::Visit(v.clone())]);
    assert_eq!(store.outbox().await.expect("outbox"), vec![m]);
    assert_eq!(store.pending_count().await.expect("count"), 1);
    assert!(store
        .pending_record_keys()
        .await
        .expect("keys")
        .contains(&format!("visit:{}", v.id)));
    idb::delete(&name).await.ok();
}

#[wasm_bindgen_test]
async fn outbox_keeps_write_order_and_settling_removes_only_the_settled() {
    let name = fresh_name();
    let store = open_unlocked(&name).await;
    let child = ChildId::new_random();
    let ms: Vec<Mutation> = (0..5)
        .map(|i| create(&visit(child, &format!("Besök {i}"))))
        .collect();
    for m in &ms {
        store.record_change(m).await.expect("write");
    }
    assert_eq!(store.outbox().await.expect("outbox"), ms);

    store
        .settle(&[ms[1].clone(), ms[3].clone()])
        .await
        .expect("settle");

    let left = store.outbox().await.expect("outbox");
    assert_eq!(left, vec![ms[0].clone(), ms[2].clone(), ms[4].clone()]);
    assert_eq!(
        store.view_of_child(child).await.expect("read").len(),
        5,
        "settled records stay on the device"
    );
    idb::delete(&name).await.ok();
}

#[wasm_bindgen_test]
async fn pulled_changes_and_cursor_are_stored_together() {
    let name = fresh_name();
    let store = open_unlocked(&name).await;
    assert_eq!(store.cursor().await.expect("cursor"), 0);
    let child = ChildId::new_random();
    let changes: Vec<Change> = (1..=3)
        .map(|seq| Change {
            seq,
            record: Record::Visit(visit(child, "Från servern.")),
        })
        .collect();
    store.apply_pulled(&changes, 3).await.expect("apply");

    let reopened = open_unlocked(&name).await;
    assert_eq!(reopened.cursor().await.expect("cursor"), 3);
    assert_eq!(
        reopened
            .view_all()
            .await
            .expect("read")
            .iter()
            .filter(|r| matches!(r, Record::Visit(_)))
            .count(),
        3
    );
    assert!(reopened.outbox().await.expect("outbox").is_empty());
    idb::delete(&name).await.ok();
}

#[wasm_bindgen_test]
async fn a_page_sealed_ahead_is_stored_only_if_it_is_the_page_applied() {
    let name = fresh_name();
    let store = open_unlocked(&name).await;
    let child = ChildId::new_random();
    let page = |first: u64, note: &str| -> Vec<Change> {
        (first..first + 2)
            .map(|seq| Change {
                seq,
                record: Record::Visit(visit(child, note)),
            })
            .collect()
    };
    let ahead = page(1, "Förberedd.");
    store.prepare_pulled(&ahead).await.expect("prepare");
    store.apply_pulled(&ahead, 2).await.expect("apply");
    // Sealed ahead for a page that never comes: the page that does is stored.
    store
        .prepare_pulled(&page(3, "Kom aldrig."))
        .await
        .expect("prepare");
    let actual = page(3, "Kom i stället.");
    store.apply_pulled(&actual, 4).await.expect("apply");

    let notes: Vec<String> = open_unlocked(&name)
        .await
        .view_all()
        .await
        .expect("read")
        .into_iter()
        .filter_map(|r| match r {
            Record::Visit(v) => Some(v.note.as_str().to_owned()),
            _ => None,
        })
        .collect();
    assert_eq!(notes.len(), 4);
    assert_eq!(notes.iter().filter(|n| *n == "Förberedd.").count(), 2);
    assert_eq!(notes.iter().filter(|n| *n == "Kom i stället.").count(), 2);
    assert!(!notes.iter().any(|n| n == "Kom aldrig."));
    assert_eq!(store.cursor().await.expect("cursor"), 4);
    idb::delete(&name).await.ok();
}

#[wasm_bindgen_test]
async fn the_caseload_snapshot_is_sealed_and_any_write_makes_it_stale() {
    use app::caseload::{overview, CaseloadSnapshot};
    let name = fresh_name();
    let store = open_unlocked(&name).await;
    let (child, _) = placed_child("Sigrid", "Snapsson");
    store
        .apply_pulled(
            &[Change {
                seq: 1,
                record: Record::Child(child.clone()),
            }],
            1,
        )
        .await
        .expect("pull");
    let today = NaiveDate::from_ymd_opt(2026, 11, 24).expect("date");
    let stamp = store.stamp().await.expect("stamp");
    let rows = overview(store.view_all().await.expect("read"), today);
    store
        .save_caseload_snapshot(&CaseloadSnapshot::new(
            stamp,
            today,
            Some("5e1f2a9b0c3d4e6f".to_owned()),
            &rows,
        ))
        .await
        .expect("save");
    assert!(
        !raw_dump(&name).await.contains("Snapsson"),
        "sealed like the records"
    );

    let reopened = open_unlocked(&name).await;
    let shown = reopened
        .caseload_snapshot()
        .await
        .expect("read")
        .expect("saved")
        .rows_if_current(
            reopened.stamp().await.expect("stamp"),
            today,
            Some("5e1f2a9b0c3d4e6f"),
        )
        .expect("nothing changed");
    assert!(shown.same_build);
    assert_eq!(shown.rows[0].child, child);

    reopened
        .record_change(&create(&visit(child.id, "Nytt.")))
        .await
        .expect("write");
    let after_write = reopened.stamp().await.expect("stamp");
    assert_ne!(after_write, stamp);
    let snapshot = reopened
        .caseload_snapshot()
        .await
        .expect("read")
        .expect("saved");
    assert_eq!(
        snapshot.rows_if_current(after_write, today, Some("5e1f2a9b0c3d4e6f")),
        None
    );
    // A child's history written (or the child forgotten) moves it too.
    reopened.hold_children(&[child.id]).await.expect("hold");
    let held = reopened.stamp().await.expect("stamp");
    assert_ne!(held, after_write);

    // A change the server took leaves the outbox as it was before the
    // change: the stamp still moves, or a snapshot from before it would
    // pass for current.
    let before_change = reopened.stamp().await.expect("stamp");
    let edited = create(&visit(child.id, "Ändrat och synkat."));
    reopened.record_change(&edited).await.expect("write");
    reopened
        .settle(std::slice::from_ref(&edited))
        .await
        .expect("settle");
    let settled = reopened.stamp().await.expect("stamp");
    assert_eq!(
        (settled.pending, settled.last_pending_key, settled.cursor),
        (
            before_change.pending,
            before_change.last_pending_key,
            before_change.cursor
        ),
        "the outbox and cursor are back where they were"
    );
    assert_ne!(settled, before_change);

    // So do records a new feed epoch drops.
    reopened
        .adopt_epoch(
            &shared::protocol::FeedEpoch("e2".into()),
            &Default::default(),
        )
        .await
        .expect("adopt");
    assert_ne!(reopened.stamp().await.expect("stamp"), settled);
    idb::delete(&name).await.ok();
}

/// A child of the caseload tests, and a placement in a foster home from
/// 1 January 2026.
fn placed_child(given: &str, family: &str) -> (shared::Child, shared::Placement) {
    let child = shared::Child {
        id: ChildId::new_random(),
        given_name: shared::PersonName::parse(given).expect("valid"),
        family_name: shared::PersonName::parse(family).expect("valid"),
        birth_date: NaiveDate::from_ymd_opt(2014, 3, 1).expect("date"),
        sex: shared::Sex::NotRecorded,
        has_disability: false,
        unit_id: None,
        external_id: None,
    };
    let placement = shared::Placement {
        id: shared::PlacementId::new_random(),
        child_id: child.id,
        kind: shared::PlacementKind::FosterHome,
        home_name: shared::PersonName::parse("Familjen Berg").expect("valid"),
        legal_basis: shared::LegalBasis::SoL,
        start_date: NaiveDate::from_ymd_opt(2026, 1, 1).expect("date"),
        ..shared::Placement::blank()
    };
    (child, placement)
}

#[wasm_bindgen_test]
async fn every_write_names_its_children_and_the_caseload_brought_forward_by_them_is_the_whole_caseload(
) {
    use app::caseload::{overview, replace_rows, CaseloadSnapshot};
    let name = fresh_name();
    let store = open_unlocked(&name).await;
    let today = NaiveDate::from_ymd_opt(2026, 11, 24).expect("date");
    let first = store.stamp().await.expect("stamp");
    assert_eq!(
        store.children_changed_since(0).await.expect("changed"),
        None,
        "a snapshot from before the list began is read again in full"
    );
    let (alva, bo, cleo) = (
        placed_child("Alva", "Radsson"),
        placed_child("Bo", "Radsson"),
        placed_child("Cleo", "Radsson"),
    );
    let pulled: Vec<Change> = [&alva, &bo, &cleo]
        .into_iter()
        .flat_map(|(c, p)| [Record::Child(c.clone()), Record::Placement(p.clone())])
        .zip(1..)
        .map(|(record, seq)| Change { seq, record })
        .collect();
    store.apply_pulled(&pulled, 6).await.expect("pull");
    assert_eq!(
        store
            .children_changed_since(first.change_seq)
            .await
            .expect("changed"),
        Some([alva.0.id, bo.0.id, cleo.0.id].into_iter().collect())
    );
    let made = store.stamp().await.expect("stamp");
    let build = Some("5e1f2a9b0c3d4e6f");
    let snapshot = CaseloadSnapshot::new(
        made,
        today,
        build.map(str::to_owned),
        &overview(store.view_all().await.expect("read"), today),
    );
    assert_eq!(snapshot.rows.len(), 3);
    assert_eq!(
        store
            .children_changed_since(made.change_seq)
            .await
            .expect("changed"),
        Some(Default::default())
    );

    // Since the snapshot: a visit to Alva recorded here, Bo's history
    // pulled (a visit by a colleague), Cleo gone from the user's list.
    store
        .record_change(&create(&visit(alva.0.id, "Besök i dag.")))
        .await
        .expect("write");
    let mut colleagues = visit(bo.0.id, "Kollegans besök.");
    colleagues.visit_date = NaiveDate::from_ymd_opt(2026, 11, 10).expect("date");
    store
        .apply_history(
            bo.0.id,
            &[Change {
                seq: 7,
                record: Record::Visit(colleagues),
            }],
            true,
        )
        .await
        .expect("history");
    store.forget_child(cleo.0.id).await.expect("forget");

    let reopened = open_unlocked(&name).await;
    let changed = reopened
        .children_changed_since(
            snapshot
                .changes_from(today, build)
                .expect("same build, same day"),
        )
        .await
        .expect("changed")
        .expect("child by child");
    assert_eq!(
        changed,
        [alva.0.id, bo.0.id, cleo.0.id].into_iter().collect()
    );
    let fresh = overview(
        reopened.view_of_children(&changed).await.expect("read"),
        today,
    );
    let brought = replace_rows(snapshot.rows.clone(), &changed, fresh);
    let whole = overview(reopened.view_all().await.expect("read"), today);
    let shown = |rows: &[app::caseload::ChildOverview]| {
        rows.iter()
            .map(|r| (r.child.id, r.next_visit, r.due))
            .collect::<Vec<_>>()
    };
    assert_eq!(shown(&brought), shown(&whole));
    assert_eq!(brought.len(), 2, "Cleo is gone");
    let overdue = |rows: &[app::caseload::ChildOverview]| {
        rows.iter()
            .filter(|r| matches!(r.due, Some(shared::schedule::DueStatus::Overdue { .. })))
            .count()
    };
    assert_eq!(overdue(&snapshot.rows), 3, "no visit since placement");
    assert_eq!(overdue(&brought), 0, "both visited since");

    // A new feed epoch, or a wipe: every child is read again.
    let before_epoch = reopened.stamp().await.expect("stamp");
    reopened
        .adopt_epoch(
            &shared::protocol::FeedEpoch("e2".into()),
            &Default::default(),
        )
        .await
        .expect("adopt");
    assert_eq!(
        reopened
            .children_changed_since(before_epoch.change_seq)
            .await
            .expect("changed"),
        None
    );
    let before_wipe = reopened.stamp().await.expect("stamp");
    reopened.wipe().await.expect("wipe");
    assert_eq!(
        reopened
            .children_changed_since(before_wipe.change_seq)
            .await
            .expect("changed"),
        None
    );
    idb::delete(&name).await.ok();
}

#[wasm_bindgen_test]
async fn device_id_is_created_once_and_kept() {
    let name = fresh_name();
    let first = open_unlocked(&name).await.device_id().await.expect("id");
    let again = open_unlocked(&name).await.device_id().await.expect("id");
    assert_eq!(first, again);
    idb::delete(&name).await.ok();
}

#[wasm_bindgen_test]
async fn refused_change_leaves_the_view_and_is_listed_for_the_user() {
    let name = fresh_name();
    let store = open_unlocked(&name).await;
    let child = ChildId::new_random();
    let m = create(&visit(child, "Avvisas."));
    store.record_change(&m).await.expect("write");
    assert_eq!(store.view_of_child(child).await.expect("view").len(), 1);

    store
        .reject(&[(m.clone(), shared::ErrorCode::UnknownChild)])
        .await
        .expect("reject");

    assert!(store.view_of_child(child).await.expect("view").is_empty());
    assert!(store.outbox().await.expect("outbox").is_empty());
    let refused = store.refused().await.expect("refused");
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0].mutation, m);
    assert_eq!(refused[0].code, shared::ErrorCode::UnknownChild);
    store.dismiss_refused(m.id).await.expect("dismiss");
    assert!(store.refused().await.expect("refused").is_empty());
    idb::delete(&name).await.ok();
}

#[wasm_bindgen_test]
async fn settled_change_stays_visible_until_the_server_version_arrives() {
    let name = fresh_name();
    let store = open_unlocked(&name).await;
    let child = ChildId::new_random();
    let v = visit(child, "Synkat.");
    let m = create(&v);
    store.record_change(&m).await.expect("write");

    store
        .settle(std::slice::from_ref(&m))
        .await
        .expect("settle");

    assert!(store.outbox().await.expect("outbox").is_empty());
    assert_eq!(
        store.view_of_child(child).await.expect("view"),
        vec![Record::Visit(v)]
    );
    idb::delete(&name).await.ok();
}

#[wasm_bindgen_test]
async fn a_child_that_left_takes_all_its_records_and_only_those() {
    let name = fresh_name();
    let store = open_unlocked(&name).await;
    let (staying, leaving) = (ChildId::new_random(), ChildId::new_random());
    let history: Vec<Change> = [leaving, staying, leaving]
        .into_iter()
        .zip(1..)
        .map(|(child, seq)| Change {
            seq,
            record: Record::Visit(visit(child, "Historik.")),
        })
        .collect();
    store
        .apply_history(leaving, &history[..1], false)
        .await
        .expect("first page");
    assert!(store.held_children().await.expect("held").is_empty());
    store.apply_pulled(&history[1..], 3).await.expect("pull");
    store
        .apply_history(leaving, &[], true)
        .await
        .expect("last page");
    store.hold_children(&[staying]).await.expect("hold");
    assert_eq!(
        store.held_children().await.expect("held"),
        [staying, leaving].into_iter().collect()
    );

    store.forget_child(leaving).await.expect("forget");
    let reopened = open_unlocked(&name).await;
    let left: Vec<Record> = reopened.view_all().await.expect("read");
    assert_eq!(left.len(), 1);
    assert!(matches!(&left[0], Record::Visit(v) if v.child_id == staying));
    assert_eq!(
        reopened.held_children().await.expect("held"),
        [staying].into_iter().collect()
    );
    assert_eq!(reopened.cursor().await.expect("cursor"), 3);
    idb::delete(&name).await.ok();
}

#[wasm_bindgen_test]
async fn wiping_removes_records_changes_and_the_session_but_not_the_device() {
    let name = fresh_name();
    let store = open_unlocked(&name).await;
    let device = store.device_id().await.expect("device");
    let child = ChildId::new_random();
    store
        .record_change(&create(&visit(child, "Väntar.")))
        .await
        .expect("write");
    store
        .apply_pulled(
            &[Change {
                seq: 1,
                record: Record::Visit(visit(child, "Från servern.")),
            }],
            1,
        )
        .await
        .expect("pull");
    let session = app::session::StoredSession {
        session_id: shared::SessionId::new_random(),
        access_token: "a".into(),
        refresh_token: "r".into(),
        user: shared::auth::UserProfile {
            id: shared::UserId::new_random(),
            username: "demo.anna".into(),
            display_name: "Anna".into(),
            role: shared::auth::Role::SocialWorker,
            units: Vec::new(),
        },
    };
    store.save_session(&session).await.expect("session");
    assert_eq!(store.session().await.expect("read"), Some(session));

    store.wipe().await.expect("wipe");
    let reopened = open_unlocked(&name).await;
    assert!(reopened.view_all().await.expect("read").is_empty());
    assert_eq!(reopened.pending_count().await.expect("count"), 0);
    assert_eq!(reopened.cursor().await.expect("cursor"), 0);
    assert_eq!(reopened.session().await.expect("read"), None);
    assert_eq!(reopened.device_id().await.expect("device"), device);
    idb::delete(&name).await.ok();
}

#[wasm_bindgen_test]
async fn nothing_about_a_child_is_readable_in_the_raw_store() {
    let name = fresh_name();
    let store = open_unlocked(&name).await;
    let child = ChildId::new_random();
    let pending = visit(child, "Barnet sa: jag vill bo kvar hos Lindgrens.");
    store.record_change(&create(&pending)).await.expect("write");
    // A visit being written, for another child.
    let mut draft = app::visit_draft::VisitDraft::new(
        ChildId::new_random(),
        NaiveDate::from_ymd_opt(2026, 11, 24).expect("date"),
        "Anna Lind",
        shared::VisitorRole::Employee,
        Utc::now(),
    );
    draft.child_view = "Utkast: jag saknar Bamsekatten".into();
    store.save_draft(&draft, || true).await.expect("draft");
    let pulled = shared::Child {
        id: child,
        given_name: shared::PersonName::parse("Hemligfrida").expect("valid"),
        family_name: shared::PersonName::parse("Skyddadsson").expect("valid"),
        birth_date: NaiveDate::from_ymd_opt(2014, 7, 23).expect("date"),
        sex: shared::Sex::NotRecorded,
        has_disability: false,
        unit_id: None,
        external_id: None,
    };
    store
        .apply_pulled(
            &[Change {
                seq: 1,
                record: Record::Child(pulled),
            }],
            1,
        )
        .await
        .expect("pull");
    let dump = raw_dump(&name).await;
    for secret in [
        "Lindgrens",
        "Hemligfrida",
        "Skyddadsson",
        "2014-07-23",
        "Anna Lind",
        "Bamsekatten",
    ] {
        assert!(!dump.contains(secret), "{secret} is readable: {dump}");
    }
    assert!(dump.contains("v2:"), "sealed values are there");
    // And the app itself reads it all back.
    let reopened = open_unlocked(&name).await;
    assert_eq!(reopened.view_all().await.expect("read").len(), 2);
    idb::delete(&name).await.ok();
}

#[wasm_bindgen_test]
async fn a_locked_store_reads_nothing_and_the_fifth_wrong_pin_wipes_it() {
    let name = fresh_name();
    let store = open_unlocked(&name).await;
    store
        .record_change(&create(&visit(ChildId::new_random(), "Väntar.")))
        .await
        .expect("write");
    store.lock();
    assert!(store.view_all().await.is_err(), "no key, no records");
    assert!(store.outbox().await.is_err());

    for left in (1..=4).rev() {
        assert_eq!(
            store.unlock("999999").await.expect("attempt"),
            Unlock::WrongPin { left }
        );
    }
    // The right PIN resets the count.
    assert_eq!(store.unlock(PIN).await.expect("unlock"), Unlock::Unlocked);
    store.lock();
    for _ in 0..4 {
        store.unlock("999999").await.expect("attempt");
    }
    assert_eq!(
        store.unlock("999999").await.expect("attempt"),
        Unlock::Wiped
    );
    assert!(!store.has_key().await.expect("params"));
    assert_eq!(store.pending_count().await.expect("count"), 0);
    idb::delete(&name).await.ok();
}

#[wasm_bindgen_test]
async fn weakened_key_parameters_are_refused_and_the_device_is_wiped() {
    let name = fresh_name();
    let store = open_unlocked(&name).await;
    store
        .record_change(&create(&visit(ChildId::new_random(), "Väntar.")))
        .await
        .expect("write");
    store.lock();
    // Someone with the browser profile lowers Argon2id's memory, hoping to
    // guess the PIN faster.
    let db = idb::open(&name, DB_VERSION, |_, _, _| Ok(()))
        .await
        .expect("open raw");
    let tx = idb::transaction(&db, &["meta"], web_sys::IdbTransactionMode::Readwrite).expect("tx");
    let meta = tx.object_store("meta").expect("meta");
    let raw = idb::request(&meta.get(&"key_params".into()).expect("get"))
        .await
        .expect("params")
        .as_string()
        .expect("json");
    let weakened = raw.replace("\"memory_kib\":65536", "\"memory_kib\":1024");
    assert_ne!(weakened, raw, "the memory cost is stored: {raw}");
    meta.put_with_key(&weakened.into(), &"key_params".into())
        .expect("put");
    idb::committed(&tx).await.expect("commit");
    db.close();

    assert_eq!(store.unlock(PIN).await.expect("attempt"), Unlock::Wiped);
    assert_eq!(store.pending_count().await.expect("count"), 0);
    idb::delete(&name).await.ok();
}

/// Replaces the value at `key` of `store` in the raw database with what
/// `change` makes of it (what someone with the browser profile can do).
async fn tamper(name: &str, store: &str, key: &str, change: impl FnOnce(JsValue) -> JsValue) {
    let db = idb::open(name, DB_VERSION, |_, _, _| Ok(()))
        .await
        .expect("open raw");
    let tx = idb::transaction(&db, &[store], web_sys::IdbTransactionMode::Readwrite).expect("tx");
    let os = tx.object_store(store).expect("store");
    let value = idb::request(&os.get(&key.into()).expect("get"))
        .await
        .expect("value");
    let changed = change(value);
    if os.key_path().ok().is_some_and(|k| !k.is_null()) {
        os.put(&changed).expect("put");
    } else {
        os.put_with_key(&changed, &key.into()).expect("put");
    }
    idb::committed(&tx).await.expect("commit");
    db.close();
}

#[wasm_bindgen_test]
async fn a_sealed_value_copied_over_another_record_does_not_open() {
    let name = fresh_name();
    let store = open_unlocked(&name).await;
    let child = ChildId::new_random();
    let (a, b) = (visit(child, "Besök A."), visit(child, "Besök B."));
    store
        .apply_pulled(
            &[
                Change {
                    seq: 1,
                    record: Record::Visit(a.clone()),
                },
                Change {
                    seq: 2,
                    record: Record::Visit(b.clone()),
                },
            ],
            2,
        )
        .await
        .expect("pull");
    assert_eq!(store.view_of_child(child).await.expect("read").len(), 2);

    // A's sealed bytes laid over B's record, B's key and ids left as they are.
    let (key_a, key_b) = (format!("visit:{}", a.id), format!("visit:{}", b.id));
    let db = idb::open(&name, DB_VERSION, |_, _, _| Ok(()))
        .await
        .expect("open raw");
    let tx =
        idb::transaction(&db, &["records"], web_sys::IdbTransactionMode::Readonly).expect("tx");
    let sealed_a = idb::request(
        &tx.object_store("records")
            .expect("records")
            .get(&key_a.as_str().into())
            .expect("get"),
    )
    .await
    .expect("a");
    let sealed_a = idb::get_str(&sealed_a, "json").expect("sealed");
    db.close();
    tamper(&name, "records", &key_b, |value| {
        js_sys::Reflect::set(&value, &"json".into(), &sealed_a.as_str().into()).expect("set");
        value
    })
    .await;

    let refused = store
        .view_of_child(child)
        .await
        .expect_err("B's record must not open as A");
    assert!(
        refused.0.contains(&format!("records/{key_b}")),
        "the error names the record: {}",
        refused.0
    );
    // The same bytes in the session's place do not open either.
    tamper(&name, "meta", "session", |_| sealed_a.as_str().into()).await;
    assert!(store.session().await.is_err());
    idb::delete(&name).await.ok();
}

#[wasm_bindgen_test]
async fn a_device_set_up_by_an_earlier_version_is_wiped_not_opened() {
    let name = fresh_name();
    let store = open_unlocked(&name).await;
    store
        .record_change(&create(&visit(ChildId::new_random(), "Väntar.")))
        .await
        .expect("write");
    store.lock();
    // As PBKDF2 set-ups stored their parameters.
    tamper(&name, "meta", "key_params", |_| {
        r#"{"salt":"BwcHBwcHBwcHBwcHBwcHBw==","iterations":600000,"check":"v1:AAAAAAAAAAAAAAAA:AAAA"}"#.into()
    })
    .await;
    assert!(store.has_old_key().await.expect("params"));
    assert_eq!(store.key_method().await.expect("method"), None);
    assert_eq!(store.unlock(PIN).await.expect("attempt"), Unlock::Wiped);
    assert!(!store.has_key().await.expect("params"));
    assert_eq!(store.pending_count().await.expect("count"), 0);
    idb::delete(&name).await.ok();
}

#[wasm_bindgen_test]
async fn hundreds_of_sealed_changes_open_together() {
    // Opening many values at once grows WebAssembly memory on the way; every
    // value must still open. (A stale view of that memory once broke this in
    // the release build; the browser test with 250 offline changes found it.)
    let name = fresh_name();
    let store = open_unlocked(&name).await;
    let child = ChildId::new_random();
    let note = "Långt offline. ".repeat(100);
    for i in 0..300 {
        store
            .record_change(&create(&visit(child, &format!("{note}{i}"))))
            .await
            .expect("write");
    }
    assert_eq!(store.outbox().await.expect("open all").len(), 300);
    assert_eq!(store.view_of_child(child).await.expect("view").len(), 300);
    idb::delete(&name).await.ok();
}

#[wasm_bindgen_test]
async fn a_draft_survives_reopening_and_signing_removes_it_with_the_same_write() {
    let name = fresh_name();
    let store = open_unlocked(&name).await;
    let child = ChildId::new_random();
    let mut draft = app::visit_draft::VisitDraft::new(
        child,
        NaiveDate::from_ymd_opt(2026, 11, 24).expect("date"),
        "Anna Lind",
        shared::VisitorRole::Employee,
        Utc::now(),
    );
    draft.child_view = "Jag vill bo kvar".into();
    draft.talked_alone = Some(true);
    draft.feedback_given = Some(true);
    store.save_draft(&draft, || true).await.expect("draft");
    // A save that is no longer wanted (signed meanwhile) writes nothing.
    let mut stale = draft.clone();
    stale.child_view = "inaktuell".into();
    store.save_draft(&stale, || false).await.expect("skipped");

    let reopened = open_unlocked(&name).await;
    let kept = reopened.draft(child).await.expect("read").expect("a draft");
    assert_eq!(kept, draft);

    let visit = kept
        .sign(
            shared::UserId::new_random(),
            NaiveDate::from_ymd_opt(2026, 11, 24).expect("date"),
            Utc::now(),
            app::language::Language::Swedish,
        )
        .expect("signs");
    reopened
        .sign_draft(&create(&visit), child)
        .await
        .expect("sign");
    assert_eq!(reopened.draft(child).await.expect("read"), None);
    assert_eq!(reopened.pending_count().await.expect("count"), 1);
    idb::delete(&name).await.ok();
}

/// The values of one object store, as the browser keeps them.
async fn raw_store(name: &str, store: &str) -> String {
    let db = idb::open(name, DB_VERSION, |_, _, _| Ok(()))
        .await
        .expect("open raw");
    let tx = idb::transaction(&db, &[store], web_sys::IdbTransactionMode::Readonly).expect("tx");
    let req = tx
        .object_store(store)
        .expect("store")
        .get_all()
        .expect("get all");
    let values = idb::request(&req).await.expect("values");
    db.close();
    js_sys::JSON::stringify(&values)
        .map(String::from)
        .unwrap_or_default()
}

/// A server that answers every pull with `body` (from 0) or nothing new.
struct ScriptedFeed {
    body: String,
    head: u64,
}

impl app::sync::Transport for ScriptedFeed {
    async fn push(
        &self,
        request: &shared::protocol::PushRequest,
    ) -> Result<shared::protocol::PushResponse, app::sync::TransportError> {
        assert!(request.mutations.is_empty());
        Ok(shared::protocol::PushResponse {
            protocol: shared::protocol::PROTOCOL_VERSION,
            results: Vec::new(),
        })
    }

    async fn pull(
        &self,
        since: u64,
        _limit: u32,
        _child: Option<ChildId>,
    ) -> Result<app::feed::PulledPage, app::sync::TransportError> {
        let page = app::feed::PulledPage::decode(&self.body).expect("decodes");
        Ok(if since == 0 {
            page
        } else {
            app::feed::PulledPage {
                changes: Vec::new(),
                unknown: Vec::new(),
                cursor: self.head,
                ..page
            }
        })
    }
}

#[wasm_bindgen_test]
async fn a_pull_with_a_kind_from_the_future_carries_on_and_keeps_it_sealed() {
    let name = fresh_name();
    let store = open_unlocked(&name).await;
    let child = ChildId::new_random();
    let after = visit(child, "Efter den okända ändringen.");
    let body = serde_json::json!({
        "protocol": 1,
        "changes": [
            { "seq": 1, "kind": "school_report",
              "data": { "id": "r-1", "child_id": child, "text": "Hemligt omdöme" } },
            { "seq": 2, "kind": "visit", "data": after },
        ],
        "cursor": 2, "has_more": false, "head": 2, "remaining": 0,
        "scope": [child], "epoch": "e1",
    })
    .to_string();
    let feed = ScriptedFeed { body, head: 2 };

    let report = app::sync::sync_once(&store, &feed, shared::DeviceId::new_random())
        .await
        .expect("the pull carries on");

    assert_eq!(report.unknown_kept, 1);
    assert_eq!(store.cursor().await.expect("cursor"), 2);
    assert_eq!(
        store.view_all().await.expect("read"),
        vec![Record::Visit(after)]
    );
    let raw = raw_store(&name, "unknown").await;
    assert!(raw.contains("school_report"), "kept: {raw}");
    assert!(!raw.contains("Hemligt"), "sealed: {raw}");
    let reopened = open_unlocked(&name).await;
    let kept = reopened.unknown_changes().await.expect("read");
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].raw["data"]["text"], "Hemligt omdöme");
    assert_eq!(kept[0].child_id, Some(child));
    // They leave with their child.
    reopened.forget_child(child).await.expect("forget");
    assert!(reopened.unknown_changes().await.expect("read").is_empty());
    idb::delete(&name).await.ok();
}

#[wasm_bindgen_test]
async fn changes_an_earlier_version_kept_aside_become_records_once_this_version_reads_their_kind() {
    let name = fresh_name();
    let store = open_unlocked(&name).await;
    let child = ChildId::new_random();
    let mark = shared::export::FiledMark {
        visit_id: visit(child, "Förd till akt.").id,
        child_id: child,
        by: shared::UserId::new_random(),
        by_name: "Gunilla Gruppledare".into(),
        at: Utc::now(),
    };
    // An earlier version did not read filings and kept them aside; one of
    // them is broken.
    let kept = |seq: u64, data: serde_json::Value| app::feed::UnknownChange {
        seq,
        kind: "visit_filed".into(),
        child_id: Some(child),
        raw: serde_json::json!({ "seq": seq, "kind": "visit_filed", "data": data }),
    };
    let filing = kept(3, serde_json::to_value(&mark).expect("json"));
    let broken = kept(4, serde_json::json!({ "id": "x-1", "child_id": child }));
    // Another tab, already updated, pulled a filing of a second visit that
    // this tab's earlier version also kept aside, in an older copy.
    let pulled = shared::export::FiledMark {
        visit_id: visit(child, "Också förd till akt.").id,
        by_name: "Från servern".into(),
        ..mark.clone()
    };
    let older = shared::export::FiledMark {
        by_name: "Äldre kopia".into(),
        ..pulled.clone()
    };
    let older = kept(2, serde_json::to_value(&older).expect("json"));
    store
        .keep_unknown(&[filing, broken, older])
        .await
        .expect("kept aside");
    store
        .apply_pulled(
            &[Change {
                seq: 9,
                record: Record::VisitFiled(pulled.clone()),
            }],
            9,
        )
        .await
        .expect("pulled");

    assert_eq!(store.read_kept_changes_now_known().await.expect("read"), 2);
    let mut marks = store.view_all().await.expect("read");
    marks.sort_by_key(|r| match r {
        Record::VisitFiled(m) => m.by_name.clone(),
        _ => String::new(),
    });
    assert_eq!(
        marks,
        vec![
            Record::VisitFiled(pulled.clone()),
            Record::VisitFiled(mark.clone())
        ],
        "the pulled copy is kept, the kept-aside filing is read"
    );
    let left = store.unknown_changes().await.expect("read");
    assert_eq!(left.len(), 1, "the broken one stays aside");
    assert_eq!(left[0].seq, 4);
    // Once read, a filing is not read again, and it stays after a reopen.
    assert_eq!(store.read_kept_changes_now_known().await.expect("read"), 0);
    let reopened = open_unlocked(&name).await;
    assert_eq!(reopened.view_all().await.expect("read").len(), 2);
    idb::delete(&name).await.ok();
}

#[wasm_bindgen_test]
async fn settled_changes_are_journalled_sealed_and_a_new_epoch_drops_what_it_did_not_bring() {
    let name = fresh_name();
    let store = open_unlocked(&name).await;
    let (child, other) = (ChildId::new_random(), ChildId::new_random());
    let mine = create(&visit(child, "Journalförd anteckning."));
    store.record_change(&mine).await.expect("write");
    store
        .settle(std::slice::from_ref(&mine))
        .await
        .expect("settle");
    store
        .settle(std::slice::from_ref(&mine))
        .await
        .expect("settled twice is journalled once");
    let journal = store.journal().await.expect("journal");
    assert_eq!(journal.len(), 1);
    assert_eq!(journal[0].mutation, mine);
    assert!(!raw_store(&name, "journal").await.contains("Journalförd"));

    let kept = visit(other, "Finns kvar.");
    let lost = visit(other, "Finns inte längre.");
    let changes: Vec<Change> = [&kept, &lost]
        .into_iter()
        .enumerate()
        .map(|(i, v)| Change {
            seq: i as u64 + 1,
            record: Record::Visit(v.clone()),
        })
        .collect();
    store.apply_pulled(&changes, 2).await.expect("pull");
    assert_eq!(store.feed_epoch().await.expect("epoch"), None);
    let epoch = shared::protocol::FeedEpoch("e2".into());
    let brought = [
        app::stored::record_key(&Record::Visit(kept.clone())),
        app::stored::record_key(&Record::Visit(match &mine.operation {
            Operation::CreateVisit(v) => v.clone(),
            _ => unreachable!(),
        })),
    ]
    .into_iter()
    .collect();
    let dropped = store.adopt_epoch(&epoch, &brought).await.expect("adopt");
    assert_eq!(dropped, 1);
    let reopened = open_unlocked(&name).await;
    assert_eq!(reopened.feed_epoch().await.expect("epoch"), Some(epoch));
    let view = reopened.view_all().await.expect("read");
    assert!(view.contains(&Record::Visit(kept)));
    assert!(!view.contains(&Record::Visit(lost)));

    reopened.prune_journal(&[mine.id]).await.expect("prune");
    assert!(reopened.journal().await.expect("journal").is_empty());
    idb::delete(&name).await.ok();
}

#[wasm_bindgen_test]
async fn a_refused_change_sent_again_is_pending_once_more_and_kept_work_holds_its_child() {
    let name = fresh_name();
    let store = open_unlocked(&name).await;
    let (child, drafted) = (ChildId::new_random(), ChildId::new_random());
    let m = create(&visit(child, "Skickas igen."));
    store.record_change(&m).await.expect("write");
    store
        .reject(&[(m.clone(), shared::ErrorCode::Forbidden)])
        .await
        .expect("reject");
    let draft = app::visit_draft::VisitDraft::new(
        drafted,
        NaiveDate::from_ymd_opt(2026, 11, 24).expect("date"),
        "Anna Lind",
        shared::VisitorRole::Employee,
        Utc::now(),
    );
    store.save_draft(&draft, || true).await.expect("draft");
    assert_eq!(
        store.children_with_kept_work().await.expect("kept"),
        [child, drafted].into_iter().collect()
    );

    store.resend_refused(m.id).await.expect("resend");

    let reopened = open_unlocked(&name).await;
    assert!(reopened.refused().await.expect("refused").is_empty());
    assert_eq!(reopened.outbox().await.expect("outbox"), vec![m.clone()]);
    assert_eq!(reopened.view_of_child(child).await.expect("view").len(), 1);
    assert_eq!(
        reopened.children_with_kept_work().await.expect("kept"),
        [drafted].into_iter().collect()
    );
    idb::delete(&name).await.ok();
}

/// The device key of the store open as `db`, derived from its PIN as the
/// app does at unlock.
async fn device_key_of(db: &web_sys::IdbDatabase) -> app::platform::crypto::DeviceKey {
    use app::lock::{read_key_params, KeyParams, PinKdf, StoredKeyParams};
    let tx = idb::transaction(db, &["meta"], web_sys::IdbTransactionMode::Readonly).expect("tx");
    let params = idb::request(
        &tx.object_store("meta")
            .expect("meta")
            .get(&"key_params".into())
            .expect("get"),
    )
    .await
    .expect("params")
    .as_string()
    .expect("stored params");
    let StoredKeyParams::Current(KeyParams::Pin {
        salt,
        memory_kib,
        time_cost,
        lanes,
        ..
    }) = read_key_params(&params)
    else {
        panic!("a PIN set-up");
    };
    let kdf = PinKdf::validated(&salt, memory_kib, time_cost, lanes).expect("kdf");
    app::platform::crypto::DeviceKey::from_pin(PIN, &kdf)
        .await
        .expect("device key")
}

/// Turns a device of this version into one as the version before the
/// records key left it: every record sealed with the device key itself
/// (`v2:`, through WebCrypto) and no records key stored.
async fn as_sealed_by_the_earlier_version(name: &str, records: &[Record]) {
    use app::lock::seal_place;
    let db = idb::open(name, DB_VERSION, |_, _, _| Ok(()))
        .await
        .expect("open raw");
    let device_key = device_key_of(&db).await;
    let mut sealed = Vec::new();
    for record in records {
        let stored = app::stored::StoredRecord::encode(record).expect("encode");
        let v2 = device_key
            .seal(&seal_place("records", &stored.key), &stored.json)
            .await
            .expect("seal");
        sealed.push((stored.key, v2));
    }
    let tx = idb::transaction(
        &db,
        &["records", "meta"],
        web_sys::IdbTransactionMode::Readwrite,
    )
    .expect("tx");
    let os = tx.object_store("records").expect("records");
    for (key, v2) in &sealed {
        let value = idb::request(&os.get(&key.as_str().into()).expect("get"))
            .await
            .expect("value");
        js_sys::Reflect::set(&value, &"json".into(), &v2.as_str().into()).expect("set");
        os.put(&value).expect("put");
    }
    tx.object_store("meta")
        .expect("meta")
        .delete(&"records_key".into())
        .expect("delete");
    idb::committed(&tx).await.expect("commit");
    db.close();
}

/// The value at `key` of `meta` as stored.
async fn raw_meta(name: &str, key: &str) -> JsValue {
    let db = idb::open(name, DB_VERSION, |_, _, _| Ok(()))
        .await
        .expect("open raw");
    let tx = idb::transaction(&db, &["meta"], web_sys::IdbTransactionMode::Readonly).expect("tx");
    let value = idb::request(
        &tx.object_store("meta")
            .expect("meta")
            .get(&key.into())
            .expect("get"),
    )
    .await
    .expect("value");
    db.close();
    value
}

/// The `json` of every value of `store` as stored.
async fn stored_sealings_in(name: &str, store: &str) -> Vec<String> {
    let db = idb::open(name, DB_VERSION, |_, _, _| Ok(()))
        .await
        .expect("open raw");
    let tx = idb::transaction(&db, &[store], web_sys::IdbTransactionMode::Readonly).expect("tx");
    let values: js_sys::Array =
        idb::request(&tx.object_store(store).expect("s").get_all().expect("all"))
            .await
            .expect("values")
            .into();
    db.close();
    values
        .iter()
        .map(|v| idb::get_str(&v, "json").expect("json"))
        .collect()
}

/// The `json` of every record as stored.
async fn stored_sealings(name: &str) -> Vec<String> {
    stored_sealings_in(name, "records").await
}

#[wasm_bindgen_test]
async fn records_sealed_by_the_earlier_version_open_and_move_to_the_records_key() {
    let name = fresh_name();
    let store = open_unlocked(&name).await;
    // A new device holds no record to move: marked when its key is made.
    assert_eq!(raw_meta(&name, RESEALED_KEY).await, JsValue::TRUE);
    let child = ChildId::new_random();
    // More than one of the move's chunks (500).
    let visits: Vec<Visit> = (0..520)
        .map(|i| visit(child, &format!("Besök {i}.")))
        .collect();
    let changes: Vec<Change> = visits
        .iter()
        .enumerate()
        .map(|(i, v)| Change {
            seq: i as u64 + 1,
            record: Record::Visit(v.clone()),
        })
        .collect();
    store.apply_pulled(&changes, 520).await.expect("pull");
    assert!(stored_sealings(&name)
        .await
        .iter()
        .all(|s| s.starts_with("r1:")));
    // Nothing to move: the pass marks it, and later unlocks read no record.
    assert_eq!(store.reseal_with_records_key().await.expect("pass"), 0);
    assert_eq!(raw_meta(&name, RESEALED_KEY).await, JsValue::TRUE);
    store.lock();
    let records: Vec<Record> = changes.iter().map(|c| c.record.clone()).collect();
    as_sealed_by_the_earlier_version(&name, &records).await;
    assert!(stored_sealings(&name)
        .await
        .iter()
        .all(|s| s.starts_with("v2:")));

    // Two tabs unlock the old device at once: they agree on one records key.
    let other_tab = IdbStore::open(&name).await.expect("open");
    let (a, b) = futures::join!(store.unlock(PIN), other_tab.unlock(PIN));
    assert_eq!(
        (a.expect("a"), b.expect("b")),
        (Unlock::Unlocked, Unlock::Unlocked)
    );
    assert_eq!(store.view_all().await.expect("old records open").len(), 520);
    let mut changed = visits[0].clone();
    changed.note = VisitNote::parse("Ändrat på servern.").expect("note");
    let from_other_tab = visit(child, "Från den andra fliken.");
    other_tab
        .apply_pulled(
            &[
                Change {
                    seq: 521,
                    record: Record::Visit(changed.clone()),
                },
                Change {
                    seq: 522,
                    record: Record::Visit(from_other_tab.clone()),
                },
            ],
            522,
        )
        .await
        .expect("pull in the other tab");

    // The records key made now is owed every record: the mark is gone.
    assert_eq!(raw_meta(&name, RESEALED_KEY).await, JsValue::UNDEFINED);
    // The one already sealed with the records key (by the pull) is left.
    assert_eq!(store.reseal_with_records_key().await.expect("move"), 519);
    assert_eq!(raw_meta(&name, RESEALED_KEY).await, JsValue::TRUE);
    let sealings = stored_sealings(&name).await;
    assert_eq!(sealings.len(), 521);
    assert!(sealings.iter().all(|s| s.starts_with("r1:")));
    assert!(!sealings.iter().any(|s| s.contains("Besök")));
    assert_eq!(store.reseal_with_records_key().await.expect("again"), 0);

    // After a lock the records key comes back from the device key.
    store.lock();
    assert!(store.view_all().await.is_err(), "locked: nothing opens");
    assert_eq!(store.unlock(PIN).await.expect("unlock"), Unlock::Unlocked);
    let view = store.view_all().await.expect("view");
    assert_eq!(view.len(), 521);
    assert!(view.contains(&Record::Visit(changed)));
    assert!(view.contains(&Record::Visit(from_other_tab)));
    assert!(view.contains(&Record::Visit(visits[519].clone())));
    idb::delete(&name).await.ok();
}

#[wasm_bindgen_test]
async fn a_store_of_the_previous_schema_upgrades_and_finds_conflicts_by_their_keys() {
    use shared::protocol::{Conflict, EditableKind, RecordRef};
    use shared::{ConflictId, DeviceId};
    let name = fresh_name();
    // The schema as version 5 left it, the index on each record's kind included.
    let db = idb::open(&name, 5, |db, _, _| {
        let store = |name: &str, key: Option<&str>, auto: bool| {
            let params = web_sys::IdbObjectStoreParameters::new();
            if let Some(key) = key {
                params.set_key_path(&key.into());
            }
            params.set_auto_increment(auto);
            db.create_object_store_with_optional_parameters(name, &params)
        };
        let unique = web_sys::IdbIndexParameters::new();
        unique.set_unique(true);
        let records = store("records", Some("key"), false)?;
        records.create_index_with_str("by_child", "child_id")?;
        records.create_index_with_str("by_kind", "kind")?;
        store("outbox", None, true)?.create_index_with_str_and_optional_parameters(
            "by_mutation",
            "mutation_id",
            &unique,
        )?;
        store("meta", None, false)?;
        store("rejected", Some("mutation_id"), false)?;
        store("reads", Some("id"), false)?;
        store("drafts", Some("child_id"), false)?;
        let journal = store("journal", None, true)?;
        journal.create_index_with_str_and_optional_parameters(
            "by_mutation",
            "mutation_id",
            &unique,
        )?;
        journal.create_index_with_str("by_child", "child_id")?;
        store("unknown", Some("key"), false)?.create_index_with_str("by_child", "child_id")?;
        Ok(())
    })
    .await
    .expect("version 5");
    db.close();

    let store = open_unlocked(&name).await;
    let child = ChildId::new_random();
    let conflict = Conflict {
        id: ConflictId::new_random(),
        target: RecordRef {
            kind: EditableKind::Placement,
            id: uuid::Uuid::new_v4(),
            child_id: child,
        },
        field: "home_id".into(),
        server_value: serde_json::json!("a"),
        device_value: serde_json::json!("b"),
        device_id: DeviceId::new_random(),
        mutation_id: MutationId::new_random(),
        resolution: None,
    };
    let records = [
        Record::Visit(visit(child, "Före.")),
        Record::Conflict(conflict.clone()),
        Record::Visit(visit(child, "Efter.")),
    ];
    let changes: Vec<Change> = records
        .iter()
        .enumerate()
        .map(|(i, r)| Change {
            seq: i as u64 + 1,
            record: r.clone(),
        })
        .collect();
    store.apply_pulled(&changes, 3).await.expect("pull");
    assert_eq!(
        store.conflicts().await.expect("conflicts"),
        vec![Record::Conflict(conflict)]
    );
    assert_eq!(store.view_of_child(child).await.expect("view").len(), 3);

    let db = idb::open(&name, DB_VERSION, |_, _, _| Ok(()))
        .await
        .expect("open raw");
    let tx =
        idb::transaction(&db, &["records"], web_sys::IdbTransactionMode::Readonly).expect("tx");
    let records = tx.object_store("records").expect("records");
    assert!(records.index("by_child").is_ok());
    assert!(
        records.index("by_kind").is_err(),
        "no index every put must update"
    );
    db.close();
    idb::delete(&name).await.ok();
}

#[wasm_bindgen_test]
async fn reads_logged_by_the_hundred_are_sealed_with_the_records_key_and_those_of_an_earlier_version_still_go(
) {
    use shared::audit::{LocalRead, LocalReadKind};
    let name = fresh_name();
    let store = open_unlocked(&name).await;
    // A read the version before logged, sealed with the device key itself.
    let earlier = LocalRead {
        id: uuid::Uuid::new_v4(),
        child_id: ChildId::new_random(),
        kind: LocalReadKind::OpenedChild,
        occurred_at: chrono::Utc::now(),
        offline: true,
    };
    {
        let db = idb::open(&name, DB_VERSION, |_, _, _| Ok(()))
            .await
            .expect("open raw");
        let id = earlier.id.to_string();
        let v2 = device_key_of(&db)
            .await
            .seal(
                &app::lock::seal_place("reads", &id),
                &serde_json::to_string(&earlier).expect("json"),
            )
            .await
            .expect("seal");
        let tx =
            idb::transaction(&db, &["reads"], web_sys::IdbTransactionMode::Readwrite).expect("tx");
        tx.object_store("reads")
            .expect("reads")
            .put(&idb::object(&[("id", &id), ("json", &v2)]).expect("value"))
            .expect("put");
        idb::committed(&tx).await.expect("commit");
        db.close();
    }

    // A caseload of 300 children shown: one write, a read each.
    let children: Vec<ChildId> = (0..300).map(|_| ChildId::new_random()).collect();
    store
        .log_reads(&children, LocalReadKind::ListedInCaseload, true)
        .await
        .expect("log");
    let sealings = stored_sealings_in(&name, "reads").await;
    assert_eq!(sealings.len(), 301);
    assert_eq!(
        sealings.iter().filter(|s| s.starts_with("r1:")).count(),
        300
    );
    assert_eq!(sealings.iter().filter(|s| s.starts_with("v2:")).count(), 1);
    let dump = raw_dump(&name).await;
    for child in children.iter().chain([&earlier.child_id]) {
        assert!(!dump.contains(&child.to_string()), "{child} is readable");
    }

    // Both kinds open, and are what the server is sent.
    let pending = store.pending_reads().await.expect("pending");
    assert_eq!(pending.len(), 301);
    assert!(pending.contains(&earlier));
    let listed: std::collections::BTreeSet<ChildId> = pending
        .iter()
        .filter(|r| r.kind == LocalReadKind::ListedInCaseload && r.offline)
        .map(|r| r.child_id)
        .collect();
    assert_eq!(listed, children.iter().copied().collect());

    // Locked, none opens; once sent, they are gone.
    store.lock();
    assert!(store.pending_reads().await.is_err());
    let store = open_unlocked(&name).await;
    let ids: Vec<uuid::Uuid> = pending.iter().map(|r| r.id).collect();
    store.settle_reads(&ids).await.expect("settle");
    assert!(store.pending_reads().await.expect("pending").is_empty());
    idb::delete(&name).await.ok();
}
