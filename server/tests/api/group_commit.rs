//! Group commit: pushes that arrive while the writer is busy share one
//! transaction (`server/src/db/writer.rs`), and each still gets its own
//! answer: a rejection, a retry or a failed push leaves the others whole.

use crate::backend_tests;
use crate::helpers::{create_visit, push_request, visit, Backend, TestApp};
use futures::future::join_all;
use reqwest::StatusCode;
use server::db::WriterCounts;
use server::demo::DEMO_CHILD_IDS;
use shared::protocol::{Change, MutationStatus, PushRequest, PushResponse, Record};
use shared::{ErrorCode, MutationId, VisitId};
use std::collections::HashMap;
use std::time::Duration;

backend_tests!(
    pushes_waiting_for_the_writer_share_a_transaction_and_keep_their_own_answers,
    a_push_that_fails_in_a_shared_transaction_fails_alone,
    a_read_sent_again_in_the_same_transaction_is_logged_once,
);

/// PostgreSQL ends a transaction (40P01, 40001) when it chooses it to break
/// a deadlock or a serialization conflict, as another instance's batch or
/// another kind of write can cause. The writer runs the batch again, twice
/// at most: a push whose batch was chosen twice is written once; one chosen
/// every time is answered 503 (try later) and leaves nothing.
#[tokio::test]
async fn a_batch_chosen_to_break_a_deadlock_is_run_again() {
    let Some(backend) = Backend::postgres() else {
        return;
    };
    let app = TestApp::spawn(&backend).await;
    // Every insert of a visit counts itself; the first `times` fail as the
    // deadlock's victim. The count is a sequence: it is not rolled back.
    for sql in [
        "CREATE SEQUENCE chosen_count",
        "CREATE TABLE chosen_plan (times bigint NOT NULL)",
        "INSERT INTO chosen_plan VALUES (2)",
        "CREATE FUNCTION choose() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
         IF nextval('chosen_count') <= (SELECT times FROM chosen_plan) THEN \
         RAISE EXCEPTION 'chosen to break a deadlock' USING ERRCODE = '40P01'; \
         END IF; RETURN NEW; END $$",
        "CREATE TRIGGER choose BEFORE INSERT ON visits \
         FOR EACH ROW EXECUTE FUNCTION choose()",
    ] {
        app.execute_sql(sql).await;
    }
    let tries = || app.query_i64("SELECT last_value FROM chosen_count");

    let chosen_twice = push_request(vec![create_visit(visit(DEMO_CHILD_IDS[0]))]);
    let answer = app.push(&chosen_twice).await;
    assert!(matches!(
        answer.results[0].status,
        MutationStatus::Applied { .. }
    ));
    assert_eq!(
        tries().await,
        3,
        "run three times: chosen twice, then written"
    );
    assert_eq!(
        visits_in(&app.pull_all().await).get(&visit_of(&chosen_twice)),
        Some(&1)
    );

    app.execute_sql("UPDATE chosen_plan SET times = 1000").await;
    let before = app.counts().await;
    let always_chosen = push_request(vec![create_visit(visit(DEMO_CHILD_IDS[1]))]);
    let response = send(&app, &always_chosen).await.expect("task");
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let error: serde_json::Value = response.json().await.expect("json");
    assert_eq!(error["code"], "database_unavailable");
    assert_eq!(tries().await, 3 + 3, "run three times, then given up");
    assert_eq!(app.counts().await, before, "nothing written");
    assert_eq!(
        visits_in(&app.pull_all().await).get(&visit_of(&always_chosen)),
        None
    );
    app.stop().await;
}

const PUSHES: usize = 12;

/// Waits until `reached` holds for the writer's counts.
async fn until(app: &TestApp, what: &str, reached: impl Fn(WriterCounts) -> bool) {
    tokio::time::timeout(Duration::from_secs(10), app.db.writer_counts_reach(reached))
        .await
        .unwrap_or_else(|_| panic!("never: {what}"));
}

/// Holds the database's write lock, sends one push that the writer takes
/// alone and that waits for the lock, then sends `requests`, which queue
/// behind it; releases the lock once all are queued. The answers, and the
/// writer's counts from before.
async fn queued_behind_a_waiting_batch(
    app: &TestApp,
    requests: &[PushRequest],
) -> (Vec<reqwest::Response>, WriterCounts) {
    let counts = app.db.writer_counts();
    let held = app.hold_writer().await;
    let first = send(
        app,
        &push_request(vec![create_visit(visit(DEMO_CHILD_IDS[2]))]),
    );
    until(app, "the first push's batch begins", |c| {
        c.begun == counts.begun + 1
    })
    .await;
    let answers: Vec<_> = requests.iter().map(|r| send(app, r)).collect();
    let n = requests.len() as u64 + 1;
    until(app, "every push reaches the writer", |c| {
        c.submitted >= counts.submitted + n
    })
    .await;
    held.release().await;
    let first = first.await.expect("task");
    assert_eq!(first.status(), StatusCode::OK);
    let mut responses = Vec::new();
    for answer in join_all(answers).await {
        responses.push(answer.expect("task"));
    }
    (responses, counts)
}

fn send(app: &TestApp, request: &PushRequest) -> tokio::task::JoinHandle<reqwest::Response> {
    let client = app.client.clone();
    let url = app.url("/api/v1/sync/push");
    let body = serde_json::to_vec(request).expect("json");
    tokio::spawn(async move {
        client
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body)
            .send()
            .await
            .expect("request")
    })
}

fn visits_in(feed: &[Change]) -> HashMap<VisitId, usize> {
    let mut seen = HashMap::new();
    for change in feed {
        if let Record::Visit(v) = &change.record {
            *seen.entry(v.id).or_default() += 1;
        }
    }
    seen
}

async fn pushes_waiting_for_the_writer_share_a_transaction_and_keep_their_own_answers(
    backend: Backend,
) {
    let app = TestApp::spawn(&backend).await;
    let first = push_request(vec![create_visit(visit(DEMO_CHILD_IDS[0]))]);
    app.push(&first).await;
    let chain_before = app.db.verify_audit_chain(None).await.expect("chain");

    // Each push: two new visits. Every third also reuses the first push's
    // visit id under a new mutation id (rejected after its claim was
    // written), and one is the first push sent again (answered as before).
    let mut requests: Vec<PushRequest> = (0..PUSHES)
        .map(|i| {
            let child = DEMO_CHILD_IDS[i % DEMO_CHILD_IDS.len()];
            let mut mutations = vec![create_visit(visit(child)), create_visit(visit(child))];
            if i % 3 == 0 {
                let mut reused = first.mutations[0].clone();
                reused.id = MutationId::new_random();
                mutations.insert(1, reused);
            }
            push_request(mutations)
        })
        .collect();
    requests.push(first.clone());

    let (answers, counts) = queued_behind_a_waiting_batch(&app, &requests).await;
    let mut responses = Vec::new();
    for response in answers {
        assert_eq!(response.status(), StatusCode::OK);
        responses.push(
            response
                .json::<PushResponse>()
                .await
                .expect("push response"),
        );
    }
    let after = app.db.writer_counts();
    // The first batch, alone, then every push that queued behind it, in one.
    assert_eq!(
        (after.batches - counts.batches, after.jobs - counts.jobs),
        (2, requests.len() as u64 + 1)
    );

    // Before the pull below, whose reads are logged too.
    let chain = app.db.verify_audit_chain(None).await.expect("chain");
    let feed = app.pull_all().await;
    let seen = visits_in(&feed);
    let mut written = 0;
    for (request, response) in requests.iter().zip(&responses) {
        let ids: Vec<MutationId> = response.results.iter().map(|r| r.id).collect();
        let asked: Vec<MutationId> = request.mutations.iter().map(|m| m.id).collect();
        assert_eq!(ids, asked, "one answer per mutation, in order");
        for (mutation, result) in request.mutations.iter().zip(&response.results) {
            let shared::protocol::Operation::CreateVisit(v) = &mutation.operation else {
                unreachable!("visits only");
            };
            let reused = v.id == visit_of(&first) && mutation.id != first.mutations[0].id;
            match &result.status {
                MutationStatus::Rejected { code, .. } => {
                    assert!(reused, "only a reused visit id is refused");
                    assert_eq!(*code, ErrorCode::IdConflict);
                }
                MutationStatus::Applied { .. } => {
                    assert!(!reused, "a reused visit id was accepted");
                    assert_eq!(seen.get(&v.id), Some(&1), "each visit once in the feed");
                    if mutation.id != first.mutations[0].id {
                        written += 1;
                    }
                }
            }
        }
    }
    assert_eq!(written, PUSHES * 2);
    assert_eq!(
        app.db.count_changes().await.expect("count"),
        feed.last().map_or(0, |c| c.seq),
        "change numbers without gaps"
    );
    // One entry per visit written (and the push sent first), none for a
    // rejection or a retry.
    assert_eq!(chain.first_broken, None);
    assert_eq!(chain.entries, chain_before.entries + written as u64 + 1);
    app.stop().await;
}

fn visit_of(request: &PushRequest) -> VisitId {
    match &request.mutations[0].operation {
        shared::protocol::Operation::CreateVisit(v) => v.id,
        _ => unreachable!("a visit"),
    }
}

/// A trigger makes the database fail one push, as a broken row or a bug
/// would, after its visit and change were written and numbered: that push is
/// answered 500 and leaves nothing (no visit, no change number taken), and
/// the pushes that shared its transaction are written and answered.
async fn a_push_that_fails_in_a_shared_transaction_fails_alone(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    app.push(&push_request(vec![create_visit(visit(DEMO_CHILD_IDS[0]))]))
        .await;
    let poisoned = visit(DEMO_CHILD_IDS[1]);
    let bad = push_request(vec![create_visit(poisoned.clone())]);
    // Fires when the mutation's change number is recorded: after its change.
    let poison = bad.mutations[0].id;
    match backend {
        Backend::Sqlite => {
            app.execute_sql(&format!(
                "CREATE TRIGGER refuse BEFORE UPDATE ON applied_mutations \
                 WHEN NEW.mutation_id = '{poison}' \
                 BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"
            ))
            .await;
        }
        Backend::Postgres(_) => {
            app.execute_sql(&format!(
                "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
                 IF NEW.mutation_id = '{poison}' THEN RAISE EXCEPTION 'refused by the test'; \
                 END IF; RETURN NEW; END $$"
            ))
            .await;
            app.execute_sql(
                "CREATE TRIGGER refuse BEFORE UPDATE ON applied_mutations \
                 FOR EACH ROW EXECUTE FUNCTION refuse()",
            )
            .await;
        }
    }
    let good: Vec<PushRequest> = (0..4)
        .map(|i| push_request(vec![create_visit(visit(DEMO_CHILD_IDS[i % 2]))]))
        .collect();

    let requests = [
        good[0].clone(),
        good[1].clone(),
        bad.clone(),
        good[2].clone(),
        good[3].clone(),
    ];
    let (answers, counts) = queued_behind_a_waiting_batch(&app, &requests).await;
    let statuses: Vec<StatusCode> = answers.iter().map(reqwest::Response::status).collect();
    let after = app.db.writer_counts();
    // The failed push shared its transaction with the four others.
    assert_eq!(
        (after.batches - counts.batches, after.jobs - counts.jobs),
        (2, 6)
    );
    assert_eq!(
        statuses,
        [
            StatusCode::OK,
            StatusCode::OK,
            StatusCode::INTERNAL_SERVER_ERROR,
            StatusCode::OK,
            StatusCode::OK
        ]
    );
    let feed = app.pull_all().await;
    assert_eq!(
        app.db.count_changes().await.expect("count"),
        feed.last().map_or(0, |c| c.seq),
        "change numbers without gaps"
    );
    let seen = visits_in(&feed);
    assert_eq!(seen.get(&poisoned.id), None);
    for request in &good {
        assert_eq!(seen.get(&visit_of(request)), Some(&1));
    }
    let chain = app.db.verify_audit_chain(None).await.expect("chain");
    assert_eq!(chain.first_broken, None);

    // Once the database accepts it, the retry is applied, once.
    app.execute_sql(match backend {
        Backend::Sqlite => "DROP TRIGGER refuse",
        Backend::Postgres(_) => "DROP TRIGGER refuse ON applied_mutations",
    })
    .await;
    let retried = app.push(&bad).await;
    assert!(matches!(
        retried.results[0].status,
        MutationStatus::Applied { .. }
    ));
    assert_eq!(visits_in(&app.pull_all().await).get(&poisoned.id), Some(&1));
    app.stop().await;
}

/// A tablet that sends its logged reads again before the first push is
/// answered (a timeout, then a retry) may have both pushes in one batch:
/// the audit log keeps the read once, though neither copy is in the table
/// yet when the second is appended (entries are inserted at the commit).
async fn a_read_sent_again_in_the_same_transaction_is_logged_once(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let child = DEMO_CHILD_IDS[1];
    let chain_before = app.db.verify_audit_chain(None).await.expect("chain");
    let opened = shared::audit::LocalRead {
        id: uuid::Uuid::new_v4(),
        child_id: child,
        kind: shared::audit::LocalReadKind::OpenedChild,
        occurred_at: chrono::Utc::now() - chrono::Duration::hours(1),
        offline: true,
    };
    let mut request = push_request(Vec::new());
    request.reads = vec![opened.clone()];
    let requests = vec![request.clone(), request];

    let (answers, counts) = queued_behind_a_waiting_batch(&app, &requests).await;
    for response in answers {
        assert_eq!(response.status(), StatusCode::OK);
    }
    let after = app.db.writer_counts();
    assert_eq!(
        after.batches - counts.batches,
        2,
        "both copies in one batch"
    );

    // The waiting push's visit, and the read once.
    let chain = app.db.verify_audit_chain(None).await.expect("chain");
    assert_eq!(chain.first_broken, None);
    assert_eq!(chain.entries, chain_before.entries + 2);
    app.stop().await;
}
