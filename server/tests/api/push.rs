use crate::backend_tests;
use crate::helpers::{
    amendment, assert_error, create_visit, mutation, push_json, push_request, visit, Backend,
    TestApp,
};
use futures::future::join_all;
use server::demo::DEMO_CHILD_IDS;
use shared::protocol::{MutationStatus, Operation, Record};
use shared::{Child, ChildId, ErrorCode, PersonName};

backend_tests!(
    pushed_visit_is_applied_and_pulled_once,
    retried_push_is_already_applied,
    concurrent_pushes_of_one_mutation_apply_once,
    unknown_child_is_forbidden_and_nothing_written,
    a_refused_push_applies_once_the_child_is_assigned,
    reused_visit_id_is_an_id_conflict,
    outcomes_follow_request_order,
);

async fn pushed_visit_is_applied_and_pulled_once(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let before = app.pull_all().await;
    let visit = visit(DEMO_CHILD_IDS[1]);
    let mutation = create_visit(visit.clone());

    let response = app.push(&push_request(vec![mutation.clone()])).await;
    assert_eq!(response.protocol, 1);
    assert_eq!(response.results.len(), 1);
    assert_eq!(response.results[0].id, mutation.id);
    let MutationStatus::Applied { seq } = response.results[0].status else {
        panic!("not applied: {:?}", response.results[0].status);
    };
    assert_eq!(seq, before.last().map_or(0, |c| c.seq) + 1);

    let page = app.pull(seq - 1, 10).await;
    assert_eq!(page.changes.len(), 1);
    assert_eq!(page.changes[0].seq, seq);
    // Signed by the sender, whose device named nobody.
    let signed = shared::Visit {
        signed_by: Some(app.user.id),
        ..visit.clone()
    };
    assert_eq!(page.changes[0].record, Record::Visit(signed));
    assert_eq!(page.cursor, seq);
    assert!(!page.has_more);

    let all = app.pull_all().await;
    let pulled: Vec<_> = all
        .iter()
        .filter(|c| matches!(&c.record, Record::Visit(v) if v.id == visit.id))
        .collect();
    assert_eq!(pulled.len(), 1);
    app.stop().await;
}

async fn retried_push_is_already_applied(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let request = push_request(vec![create_visit(visit(DEMO_CHILD_IDS[0]))]);
    let first = app.push(&request).await;
    assert!(matches!(
        first.results[0].status,
        MutationStatus::Applied { .. }
    ));
    let counts = app.counts().await;

    for _ in 0..3 {
        let retry = app.push(&request).await;
        assert_eq!(retry.results.len(), 1);
        assert_eq!(retry.results[0].id, request.mutations[0].id);
        assert_eq!(
            retry.results[0].status, first.results[0].status,
            "a retry is answered as the first push was"
        );
    }
    assert_eq!(app.counts().await, counts, "a retry wrote something");
    let visit_changes = app
        .pull_all()
        .await
        .into_iter()
        .filter(
            |c| matches!(&c.record, Record::Visit(v) if v.visitor.as_str() == "Testa Handläggare"),
        )
        .count();
    assert_eq!(visit_changes, 1);
    app.stop().await;
}

async fn concurrent_pushes_of_one_mutation_apply_once(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let counts = app.counts().await;
    let request = push_request(vec![create_visit(visit(DEMO_CHILD_IDS[2]))]);
    let responses = join_all((0..8).map(|_| app.push(&request))).await;

    // Every push gets the one answer: applied, as the same change.
    assert!(matches!(
        responses[0].results[0].status,
        MutationStatus::Applied { .. }
    ));
    assert!(responses
        .iter()
        .all(|r| r.results[0].status == responses[0].results[0].status));
    assert_eq!(
        app.counts().await,
        (counts.0, counts.1 + 1, counts.2 + 1, counts.3 + 1)
    );
    app.stop().await;
}

async fn unknown_child_is_forbidden_and_nothing_written(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let counts = app.counts().await;
    let stranger = ChildId::new_random();
    let response = app
        .push_json(&push_json(vec![create_visit(visit(stranger))]))
        .await;
    let body = assert_error(response, 403, ErrorCode::Forbidden).await;
    assert!(body.message.contains(&stranger.to_string()));
    assert_eq!(app.counts().await, counts);
    app.stop().await;
}

async fn a_refused_push_applies_once_the_child_is_assigned(backend: Backend) {
    let app = TestApp::spawn_with(
        &backend,
        crate::helpers::Options {
            demo_data: false,
            ..Default::default()
        },
    )
    .await;
    let child = Child {
        id: ChildId::new_random(),
        given_name: PersonName::parse("Sen").expect("valid"),
        family_name: PersonName::parse("Ankomling").expect("valid"),
        birth_date: chrono::NaiveDate::from_ymd_opt(2015, 5, 5).expect("date"),
        sex: shared::Sex::NotRecorded,
        has_disability: false,
        unit_id: None,
        external_id: None,
    };
    let request = push_request(vec![create_visit(visit(child.id))]);
    let body = serde_json::to_value(&request).expect("json");
    assert_error(app.push_json(&body).await, 403, ErrorCode::Forbidden).await;
    assert_eq!(app.counts().await, (0, 0, 0, 0));

    // Not assigned yet: still refused.
    assert_eq!(app.db.insert_child(&child).await.expect("insert child"), 1);
    assert_error(app.push_json(&body).await, 403, ErrorCode::Forbidden).await;
    app.assign(child.id).await;
    let retry = app.push(&request).await;
    assert_eq!(retry.results[0].status, MutationStatus::Applied { seq: 2 });
    app.stop().await;
}

async fn reused_visit_id_is_an_id_conflict(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let visit = visit(DEMO_CHILD_IDS[3]);
    let first = app
        .push(&push_request(vec![create_visit(visit.clone())]))
        .await;
    assert!(matches!(
        first.results[0].status,
        MutationStatus::Applied { .. }
    ));
    let counts = app.counts().await;

    // Same visit id, another mutation (and other contents).
    let mut other = visit.clone();
    other.talked_alone = false;
    let second = app.push(&push_request(vec![create_visit(other)])).await;
    assert!(matches!(
        &second.results[0].status,
        MutationStatus::Rejected {
            code: ErrorCode::IdConflict,
            ..
        }
    ));
    assert_eq!(app.counts().await, counts);
    app.stop().await;
}

async fn outcomes_follow_request_order(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let applied_before = create_visit(visit(DEMO_CHILD_IDS[4]));
    let first = app.push(&push_request(vec![applied_before.clone()])).await;

    let fresh = create_visit(visit(DEMO_CHILD_IDS[4]));
    // A correction of a visit the server never got: refused on its own.
    let unknown = mutation(Operation::AmendVisit(amendment(&visit(DEMO_CHILD_IDS[4]))));
    let request = push_request(vec![fresh.clone(), applied_before.clone(), unknown.clone()]);
    let response = app.push(&request).await;
    let ids: Vec<_> = response.results.iter().map(|r| r.id).collect();
    assert_eq!(ids, vec![fresh.id, applied_before.id, unknown.id]);
    assert!(matches!(
        response.results[0].status,
        MutationStatus::Applied { .. }
    ));
    assert_eq!(response.results[1].status, first.results[0].status);
    assert!(matches!(
        response.results[2].status,
        MutationStatus::Rejected { .. }
    ));
    // The same id twice in one push is refused as a whole (see bad_input.rs);
    // in the next push it is already applied.
    let again = app.push(&push_request(vec![fresh.clone()])).await;
    assert_eq!(again.results[0].status, response.results[0].status);
    app.stop().await;
}
