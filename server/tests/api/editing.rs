//! The extended protocol: placements edited field by field, conflicts and
//! their resolution, tombstones, visit amendments.

use crate::backend_tests;
use crate::helpers::{
    amendment, applied, assert_error, create_visit, mutation, new_placement, patch, push_json,
    rejected, resolve, target, visit, Backend, TestApp,
};
use futures::future::join_all;
use serde_json::{json, Value};
use server::demo::DEMO_CHILD_IDS;
use shared::protocol::{Conflict, Operation, Record};
use shared::{ChildId, DeviceId, ErrorCode, PersonName, Placement, VisitId};

backend_tests!(
    patches_of_different_fields_both_apply,
    same_field_keeps_the_first_value_and_a_conflict_holds_the_second,
    retried_patch_is_already_applied,
    repeated_edit_applies_without_a_change,
    resolving_sets_the_chosen_value_and_shows_the_resolution,
    resolving_after_another_change_opens_a_new_conflict,
    concurrent_patches_of_one_field_lose_nothing,
    delete_leaves_a_tombstone_and_refuses_later_edits,
    amendment_is_in_the_feed_and_the_visit_unchanged,
    amendment_to_an_unknown_visit_is_unknown_record,
    placement_is_created_once_for_a_known_child,
);

fn name(value: &str) -> Value {
    json!(value)
}

/// Two devices set `home_name` of `child`'s demo placement from its original
/// value: "Familjen A" first, so it stays, and "Familjen B" goes into the
/// returned conflict.
async fn home_name_conflict(app: &TestApp, child: ChildId) -> (Placement, Conflict) {
    let original = app.demo_placement(child).await;
    let from = name(original.home_name.as_str());
    for value in ["Familjen A", "Familjen B"] {
        let edit = patch(&original, &[("home_name", from.clone(), name(value))]);
        applied(&app.push_one(edit).await);
    }
    let mut conflicts = app.conflicts(original.id).await;
    assert_eq!(conflicts.len(), 1);
    (original, conflicts.remove(0))
}

async fn patches_of_different_fields_both_apply(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let original = app.demo_placement(DEMO_CHILD_IDS[2]).await;
    let before = app.table_counts().await;

    // Two devices edited the same version, each a different field.
    let a = patch(
        &original,
        &[(
            "home_name",
            name(original.home_name.as_str()),
            name("Familjen Ny"),
        )],
    );
    let b = patch(
        &original,
        &[(
            "start_date",
            json!(original.start_date),
            json!("2025-01-15"),
        )],
    );
    let seq_a = applied(&app.push_one(a).await);
    let seq_b = applied(&app.push_one(b).await);
    assert_eq!(seq_b, seq_a + 1);

    let now = app.placement(original.id).await.expect("placement");
    assert_eq!(now.home_name.as_str(), "Familjen Ny");
    assert_eq!(now.start_date.to_string(), "2025-01-15");
    assert_eq!((now.kind, now.end_date), (original.kind, original.end_date));
    assert!(app.conflicts(original.id).await.is_empty());

    let after = app.table_counts().await;
    assert_eq!(after.placements, before.placements);
    assert_eq!(after.changes, before.changes + 2);
    assert_eq!(after.conflicts, 0);
    app.stop().await;
}

async fn same_field_keeps_the_first_value_and_a_conflict_holds_the_second(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let original = app.demo_placement(DEMO_CHILD_IDS[1]).await;
    let from = name(original.home_name.as_str());
    let (device_a, device_b) = (DeviceId::new_random(), DeviceId::new_random());
    let a = patch(
        &original,
        &[("home_name", from.clone(), name("Familjen A"))],
    );
    let b = patch(&original, &[("home_name", from, name("Familjen B"))]);

    applied(&app.push_from(device_a, vec![a]).await[0]);
    let seq = applied(&app.push_from(device_b, vec![b.clone()]).await[0]);

    let now = app.placement(original.id).await.expect("placement");
    assert_eq!(now.home_name.as_str(), "Familjen A", "the first edit stays");
    let conflicts = app.conflicts(original.id).await;
    assert_eq!(conflicts.len(), 1);
    let conflict = &conflicts[0];
    assert_eq!(conflict.field, "home_name");
    assert_eq!(conflict.server_value, name("Familjen A"));
    assert_eq!(conflict.device_value, name("Familjen B"), "nothing lost");
    assert_eq!((conflict.device_id, conflict.mutation_id), (device_b, b.id));
    assert_eq!(conflict.target, target(&original));
    assert_eq!(conflict.resolution, None);
    // The losing push's outcome is the conflict's change, and just before it
    // the placement is sent again as it stands: device B showed its own
    // value at once, and its copy must be replaced by the server's.
    let mut feed = app.pull_all().await;
    let last = feed.pop().expect("change");
    assert_eq!(last.seq, seq);
    assert!(matches!(last.record, Record::Conflict(_)));
    let before = feed.pop().expect("change");
    assert_eq!(before.seq, seq - 1);
    let Record::Placement(resent) = before.record else {
        panic!("expected the placement re-sent, got {:?}", before.record);
    };
    assert_eq!(resent.home_name.as_str(), "Familjen A");
    app.stop().await;
}

async fn retried_patch_is_already_applied(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let original = app.demo_placement(DEMO_CHILD_IDS[3]).await;
    let edit = patch(
        &original,
        &[(
            "home_name",
            name(original.home_name.as_str()),
            name("Familjen Omförsök"),
        )],
    );
    let device = DeviceId::new_random();
    let first = app.push_from(device, vec![edit.clone()]).await;
    applied(&first[0]);
    let counts = app.table_counts().await;
    for _ in 0..3 {
        let again = app.push_from(device, vec![edit.clone()]).await;
        assert_eq!(again[0], first[0]);
    }
    assert_eq!(app.table_counts().await, counts);
    assert!(app.conflicts(original.id).await.is_empty());
    app.stop().await;
}

/// The same edit made again under a new mutation id is no conflict: it
/// applies, writes no change and answers with the feed's last number.
async fn repeated_edit_applies_without_a_change(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let original = app.demo_placement(DEMO_CHILD_IDS[3]).await;
    let basis = json!(original.legal_basis);
    let other = if basis == json!("sol") { "lvu" } else { "sol" };
    let fields = [("legal_basis", basis, json!(other))];
    let first = applied(&app.push_one(patch(&original, &fields)).await);
    let counts = app.table_counts().await;
    let second = applied(&app.push_one(patch(&original, &fields)).await);
    assert_eq!(second, first);
    let after = app.table_counts().await;
    assert_eq!(after.changes, counts.changes);
    assert_eq!(after.applied_mutations, counts.applied_mutations + 1);
    app.stop().await;
}

async fn resolving_sets_the_chosen_value_and_shows_the_resolution(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let (original, conflict) = home_name_conflict(&app, DEMO_CHILD_IDS[4]).await;

    let choice = resolve(&conflict, name("Familjen A"), name("Familjen B"));
    let seq = applied(&app.push_one(choice).await);

    let now = app.placement(original.id).await.expect("placement");
    assert_eq!(now.home_name.as_str(), "Familjen B");
    let conflicts = app.conflicts(original.id).await;
    assert_eq!(conflicts.len(), 1, "no new conflict");
    assert_eq!(conflicts[0].id, conflict.id);
    assert_eq!(
        conflicts[0].resolution,
        Some(shared::protocol::Resolution {
            value: name("Familjen B")
        })
    );
    // The record changes before the conflict shows its resolution.
    let changes = app.pull_all().await;
    let tail: Vec<_> = changes[changes.len() - 2..].iter().collect();
    assert!(matches!(&tail[0].record, Record::Placement(p) if p.id == original.id));
    assert!(matches!(&tail[1].record, Record::Conflict(c) if c.id == conflict.id));
    assert_eq!(tail[1].seq, seq);

    // A second choice in a resolved conflict changes nothing.
    let counts = app.table_counts().await;
    let late = resolve(&conflict, name("Familjen A"), name("Familjen A"));
    assert_eq!(applied(&app.push_one(late).await), seq);
    let after = app.table_counts().await;
    assert_eq!(after.changes, counts.changes);
    assert_eq!(
        app.placement(original.id)
            .await
            .expect("placement")
            .home_name
            .as_str(),
        "Familjen B"
    );
    app.stop().await;
}

async fn resolving_after_another_change_opens_a_new_conflict(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let (original, conflict) = home_name_conflict(&app, DEMO_CHILD_IDS[0]).await;

    // Someone changes the field again before the choice arrives.
    app.push_one(patch(
        &original,
        &[("home_name", name("Familjen A"), name("Familjen C"))],
    ))
    .await;
    let device = DeviceId::new_random();
    let choice = resolve(&conflict, name("Familjen A"), name("Familjen B"));
    applied(&app.push_from(device, vec![choice.clone()]).await[0]);

    let now = app.placement(original.id).await.expect("placement");
    assert_eq!(now.home_name.as_str(), "Familjen C", "not overwritten");
    let conflicts = app.conflicts(original.id).await;
    assert_eq!(conflicts.len(), 2);
    assert_eq!(
        conflicts[0].resolution,
        Some(shared::protocol::Resolution {
            value: name("Familjen B")
        })
    );
    let new = &conflicts[1];
    assert_eq!(new.field, "home_name");
    assert_eq!(new.server_value, name("Familjen C"));
    assert_eq!(new.device_value, name("Familjen B"));
    assert_eq!((new.device_id, new.mutation_id), (device, choice.id));
    assert_eq!(new.resolution, None);
    app.stop().await;
}

/// Racing edits of one field from one version: one applies, every other
/// value is kept in a conflict. (On PostgreSQL this needs the row lock.)
async fn concurrent_patches_of_one_field_lose_nothing(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let original = app.demo_placement(DEMO_CHILD_IDS[2]).await;
    let from = name(original.home_name.as_str());
    let values: Vec<String> = (0..6).map(|i| format!("Familjen {i}")).collect();
    let pushes = values
        .iter()
        .map(|v| app.push_one(patch(&original, &[("home_name", from.clone(), name(v))])));
    for status in join_all(pushes).await {
        applied(&status);
    }

    let now = app.placement(original.id).await.expect("placement");
    let conflicts = app.conflicts(original.id).await;
    assert_eq!(conflicts.len(), values.len() - 1);
    let mut kept: Vec<String> = conflicts
        .iter()
        .map(|c| c.device_value.as_str().expect("string").to_owned())
        .collect();
    kept.push(now.home_name.as_str().to_owned());
    kept.sort();
    assert_eq!(kept, values);
    app.stop().await;
}

async fn delete_leaves_a_tombstone_and_refuses_later_edits(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    // An open conflict, to resolve after the deletion.
    let (original, conflict) = home_name_conflict(&app, DEMO_CHILD_IDS[1]).await;
    let before = app.table_counts().await;

    let seq = applied(
        &app.push_one(mutation(Operation::DeleteRecord(target(&original))))
            .await,
    );
    let last = app.pull_all().await.pop().expect("change");
    assert_eq!(last.seq, seq);
    assert_eq!(last.record, Record::Deleted(target(&original)));
    assert_eq!(app.placement(original.id).await, None);
    let after = app.table_counts().await;
    assert_eq!(after.placements, before.placements, "the row stays");
    assert_eq!(after.changes, before.changes + 1);

    // Deleting again applies and writes nothing.
    let again = app
        .push_one(mutation(Operation::DeleteRecord(target(&original))))
        .await;
    assert_eq!(applied(&again), seq);

    let counts = app.table_counts().await;
    let late_edit = patch(
        &original,
        &[("home_name", name("Familjen A"), name("Familjen D"))],
    );
    assert_eq!(
        rejected(&app.push_one(late_edit).await),
        ErrorCode::RecordDeleted
    );
    let late_choice = resolve(&conflict, name("Familjen A"), name("Familjen B"));
    assert_eq!(
        rejected(&app.push_one(late_choice).await),
        ErrorCode::RecordDeleted
    );
    // Its id cannot be taken again.
    let reused = mutation(Operation::CreatePlacement(original.clone()));
    assert_eq!(rejected(&app.push_one(reused).await), ErrorCode::IdConflict);
    assert_eq!(app.table_counts().await, counts);
    app.stop().await;
}

async fn amendment_is_in_the_feed_and_the_visit_unchanged(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let visit = visit(DEMO_CHILD_IDS[2]);
    applied(&app.push_one(create_visit(visit.clone())).await);
    let before = app.table_counts().await;

    let correction = amendment(&visit);
    let seq = applied(
        &app.push_one(mutation(Operation::AmendVisit(correction.clone())))
            .await,
    );
    let changes = app.pull_all().await;
    let last = changes.last().expect("change");
    // Its author is the signed-in user.
    let authored = shared::VisitAmendment {
        author_id: Some(app.user.id),
        ..correction.clone()
    };
    assert_eq!(
        (last.seq, &last.record),
        (seq, &Record::VisitAmendment(authored))
    );
    let visits: Vec<_> = changes
        .iter()
        .filter_map(|c| match &c.record {
            Record::Visit(v) if v.id == visit.id => Some(v),
            _ => None,
        })
        .collect();
    let signed = shared::Visit {
        signed_by: Some(app.user.id),
        ..visit.clone()
    };
    assert_eq!(visits, vec![&signed], "the visit is never changed");
    let after = app.table_counts().await;
    assert_eq!(after.visits, before.visits);
    assert_eq!(after.amendments, before.amendments + 1);

    // The amendment's id under another mutation.
    let mut other = correction.clone();
    other.text = shared::AmendmentText::parse("Annan text.").expect("valid");
    let reused = app.push_one(mutation(Operation::AmendVisit(other))).await;
    assert_eq!(rejected(&reused), ErrorCode::IdConflict);
    assert_eq!(app.table_counts().await, after);
    app.stop().await;
}

async fn amendment_to_an_unknown_visit_is_unknown_record(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let visit = visit(DEMO_CHILD_IDS[2]);
    applied(&app.push_one(create_visit(visit.clone())).await);
    let counts = app.table_counts().await;

    let mut unknown = amendment(&visit);
    unknown.visit_id = VisitId::new_random();
    let mut other_child = amendment(&visit);
    other_child.child_id = DEMO_CHILD_IDS[3];
    for correction in [unknown, other_child] {
        let status = app
            .push_one(mutation(Operation::AmendVisit(correction)))
            .await;
        assert_eq!(rejected(&status), ErrorCode::UnknownRecord);
    }
    assert_eq!(app.table_counts().await, counts);
    app.stop().await;
}

async fn placement_is_created_once_for_a_known_child(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let counts = app.table_counts().await;
    let stranger = new_placement(ChildId::new_random());
    let response = app
        .push_json(&push_json(vec![mutation(Operation::CreatePlacement(
            stranger,
        ))]))
        .await;
    assert_error(response, 403, ErrorCode::Forbidden).await;
    assert_eq!(app.table_counts().await, counts);

    let placement = new_placement(DEMO_CHILD_IDS[0]);
    let seq = applied(
        &app.push_one(mutation(Operation::CreatePlacement(placement.clone())))
            .await,
    );
    let last = app.pull_all().await.pop().expect("change");
    assert_eq!(
        (last.seq, last.record),
        (seq, Record::Placement(placement.clone()))
    );

    let mut other = placement.clone();
    other.home_name = PersonName::parse("Familjen Annan").expect("valid");
    let status = app
        .push_one(mutation(Operation::CreatePlacement(other)))
        .await;
    assert_eq!(rejected(&status), ErrorCode::IdConflict);
    assert_eq!(app.placement(placement.id).await, Some(placement));
    app.stop().await;
}
