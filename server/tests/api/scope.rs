//! Which children's records a user's devices get and may change: the
//! caseload, cover granted for a while, whole units for group leaders and
//! unit managers, nothing for administrators.

use crate::backend_tests;
use crate::helpers::{create_visit, push_json, visit, Backend, TestApp};
use chrono::{Duration, Utc};
use reqwest::StatusCode;
use server::db::accounts::{AccessKind, NewAccess};
use server::demo::{DEMO_CHILD_IDS, DEMO_UNITS};
use shared::auth::Role;
use shared::protocol::{Change, PullResponse, Record};
use shared::ChildId;

backend_tests!(
    roles_see_and_change_exactly_their_children,
    a_device_gets_only_its_childrens_changes,
    an_assigned_child_brings_its_whole_history,
    an_unassigned_child_leaves_the_scope_but_late_pushes_land,
    cover_ends_on_its_date,
);

async fn pull_as(app: &TestApp, client: &reqwest::Client, query: &str) -> reqwest::Response {
    client
        .get(app.url(&format!("/api/v1/sync/pull?protocol=1&limit=1000{query}")))
        .send()
        .await
        .expect("request")
}

async fn page(app: &TestApp, client: &reqwest::Client, query: &str) -> PullResponse {
    let response = pull_as(app, client, query).await;
    assert_eq!(response.status(), StatusCode::OK, "{query}");
    response.json().await.expect("pull response")
}

async fn push_as(app: &TestApp, client: &reqwest::Client, child: ChildId) -> StatusCode {
    client
        .post(app.url("/api/v1/sync/push"))
        .json(&push_json(vec![create_visit(visit(child))]))
        .send()
        .await
        .expect("request")
        .status()
}

fn child_of(change: &Change) -> ChildId {
    match &change.record {
        Record::Child(c) => c.id,
        Record::Placement(p) => p.child_id,
        Record::Visit(v) => v.child_id,
        Record::VisitAmendment(a) => a.child_id,
        Record::Conflict(c) => c.target.child_id,
        Record::Deleted(r) => r.child_id,
    }
}

/// Every role × own child (assigned) / another child of the same unit / a
/// child of another unit × read (in the scope, its history) / write (push).
async fn roles_see_and_change_exactly_their_children(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    // Demo children 0–3 are in the first unit, 4 in the second.
    let own = DEMO_CHILD_IDS[0];
    let same_unit = DEMO_CHILD_IDS[1];
    let other_unit = DEMO_CHILD_IDS[4];
    // (role, [(read, write)] for own, same unit, other unit)
    let matrix = [
        (
            Role::SocialWorker,
            [(true, true), (false, false), (false, false)],
        ),
        (
            Role::Consultant,
            [(true, true), (false, false), (false, false)],
        ),
        (
            Role::DisabilityOfficer,
            [(true, true), (false, false), (false, false)],
        ),
        (
            Role::GroupLeader,
            [(true, true), (true, true), (false, false)],
        ),
        (
            Role::UnitManager,
            [(true, false), (true, false), (false, false)],
        ),
        (
            Role::Administrator,
            [(false, false), (false, false), (false, false)],
        ),
    ];
    let mut failures = Vec::new();
    for (role, expected) in matrix {
        let (user, client) = app.client_for(role, &[own]).await;
        app.db
            .add_user_unit(user.id, DEMO_UNITS[0].0)
            .await
            .expect("unit");
        let scope = page(&app, &client, "").await.scope;
        for ((cell, child), (read, write)) in ["own", "same unit", "other unit"]
            .into_iter()
            .zip([own, same_unit, other_unit])
            .zip(expected)
        {
            let history = pull_as(&app, &client, &format!("&child={child}"))
                .await
                .status();
            let pushed = push_as(&app, &client, child).await;
            let got = (
                scope.contains(&child),
                history == StatusCode::OK,
                pushed == StatusCode::OK,
            );
            let allowed = |yes: bool, status: StatusCode| {
                if yes {
                    status == StatusCode::OK
                } else {
                    status == StatusCode::FORBIDDEN
                }
            };
            if got != (read, read, write) || !allowed(read, history) || !allowed(write, pushed) {
                failures.push(format!(
                    "{role:?} × {cell}: scope {} history {history} push {pushed}, expected read {read} write {write}",
                    scope.contains(&child)
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    app.stop().await;
}

async fn a_device_gets_only_its_childrens_changes(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let mine = [DEMO_CHILD_IDS[1], DEMO_CHILD_IDS[3]];
    let (_, client) = app.client_for(Role::SocialWorker, &mine).await;
    // Changes of everyone's children, before and after.
    for child in DEMO_CHILD_IDS {
        app.push_one(create_visit(visit(child))).await;
    }
    let everything = app.pull_all().await;
    let expected: Vec<Change> = everything
        .iter()
        .filter(|c| mine.contains(&child_of(c)))
        .cloned()
        .collect();

    let mut got = Vec::new();
    let mut since = 0;
    loop {
        let page = page(&app, &client, &format!("&since={since}&limit=3")).await;
        let mut scope = page.scope.clone();
        scope.sort();
        let mut want = mine.to_vec();
        want.sort();
        assert_eq!(scope, want);
        // Progress counts only this user's changes.
        assert_eq!(
            page.remaining as usize,
            expected.len() - got.len() - page.changes.len()
        );
        got.extend(page.changes);
        since = page.cursor;
        if !page.has_more {
            break;
        }
    }
    assert_eq!(got, expected);
    assert_eq!(
        since,
        everything.last().expect("changes").seq,
        "the cursor reaches the head"
    );
    app.stop().await;
}

async fn an_assigned_child_brings_its_whole_history(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let child = DEMO_CHILD_IDS[2];
    let (user, client) = app.client_for(Role::SocialWorker, &[]).await;
    let before = page(&app, &client, "").await;
    assert!(before.scope.is_empty() && before.changes.is_empty());
    assert_eq!(
        pull_as(&app, &client, &format!("&child={child}"))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );

    app.db.assign_child(child, user.id).await.expect("assign");
    let after = page(&app, &client, &format!("&since={}", before.cursor)).await;
    assert_eq!(after.scope, vec![child]);
    // Its old records lie before the device's cursor: they come with the
    // child's own history, from the start.
    let history = page(&app, &client, &format!("&child={child}&since=0")).await;
    let expected: Vec<Change> = app
        .pull_all()
        .await
        .into_iter()
        .filter(|c| child_of(c) == child)
        .collect();
    assert!(expected.len() >= 3, "child, placement and visits");
    assert_eq!(history.changes, expected);
    app.stop().await;
}

async fn an_unassigned_child_leaves_the_scope_but_late_pushes_land(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let child = DEMO_CHILD_IDS[0];
    let (user, client) = app.client_for(Role::SocialWorker, &[child]).await;
    assert_eq!(page(&app, &client, "").await.scope, vec![child]);

    assert_eq!(app.db.unassign_child(child, user.id).await.expect("end"), 1);
    assert!(page(&app, &client, "").await.scope.is_empty());
    assert_eq!(
        pull_as(&app, &client, &format!("&child={child}"))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    // A visit recorded offline before the hand-over still reaches the server.
    assert_eq!(push_as(&app, &client, child).await, StatusCode::OK);
    app.stop().await;
}

async fn cover_ends_on_its_date(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let child = DEMO_CHILD_IDS[3];
    let (ongoing, ongoing_client) = app.client_for(Role::SocialWorker, &[]).await;
    let (ended, ended_client) = app.client_for(Role::SocialWorker, &[]).await;
    let now = Utc::now();
    for (user, ends_at) in [
        (&ongoing, now + Duration::days(3)),
        (&ended, now - Duration::days(40)),
    ] {
        app.db
            .insert_access(&NewAccess {
                child_id: child,
                user_id: user.id,
                kind: AccessKind::Granted,
                granted_by: None,
                starts_at: now - Duration::days(50),
                ends_at: Some(ends_at),
            })
            .await
            .expect("grant");
    }
    assert_eq!(page(&app, &ongoing_client, "").await.scope, vec![child]);
    assert_eq!(push_as(&app, &ongoing_client, child).await, StatusCode::OK);
    assert!(page(&app, &ended_client, "").await.scope.is_empty());
    // Ended longer ago than the grace for late pushes.
    assert_eq!(
        push_as(&app, &ended_client, child).await,
        StatusCode::FORBIDDEN
    );
    app.stop().await;
}
