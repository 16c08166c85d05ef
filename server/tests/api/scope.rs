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
use shared::protocol::{Change, PullResponse};
use shared::ChildId;

backend_tests!(
    roles_see_and_change_exactly_their_children,
    a_device_gets_only_its_childrens_changes,
    an_assigned_child_brings_its_whole_history,
    an_unassigned_child_leaves_the_scope_but_late_pushes_land,
    cover_ends_on_its_date,
    a_group_leaders_grant_gives_a_colleague_the_child_until_the_date,
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
    change.record.child_id()
}

/// What a role may do with one child, endpoint by endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Cell {
    /// In the pull's scope, in `/me`, and its history (`pull?child=`).
    read: bool,
    /// A push about the child.
    write: bool,
    /// The child's entries in the audit log (`/audit?child=`).
    audit: bool,
    /// Cover for a colleague (`POST /grants`).
    grant: bool,
}

const fn cell(read: bool, write: bool, audit: bool, grant: bool) -> Cell {
    Cell {
        read,
        write,
        audit,
        grant,
    }
}

const NONE: Cell = cell(false, false, false, false);

/// Every role × every endpoint that touches a child's records × own child
/// (assigned) / another child of the same unit / a child of another unit.
async fn roles_see_and_change_exactly_their_children(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    // Demo children 0–3 are in the first unit, 4 in the second. Every child
    // has entries in the audit log.
    app.pull_all().await;
    let own = DEMO_CHILD_IDS[0];
    let same_unit = DEMO_CHILD_IDS[1];
    let other_unit = DEMO_CHILD_IDS[4];
    let (colleague, _) = app.client_for(Role::SocialWorker, &[]).await;
    app.db
        .add_user_unit(colleague.id, DEMO_UNITS[0].0)
        .await
        .expect("unit");
    let caseload = [cell(true, true, false, false), NONE, NONE];
    let matrix = [
        (Role::SocialWorker, caseload),
        (Role::Consultant, caseload),
        (Role::DisabilityOfficer, caseload),
        (
            Role::GroupLeader,
            [
                cell(true, true, false, true),
                cell(true, true, false, true),
                NONE,
            ],
        ),
        (
            Role::UnitManager,
            [
                cell(true, false, true, true),
                cell(true, false, true, true),
                NONE,
            ],
        ),
        (Role::Administrator, [NONE, NONE, NONE]),
    ];
    let until = (Utc::now() + Duration::days(7)).date_naive();
    let mut failures = Vec::new();
    let mut cells = 0;
    for (role, expected) in matrix {
        let (user, client) = app.client_for(role, &[own]).await;
        app.db
            .add_user_unit(user.id, DEMO_UNITS[0].0)
            .await
            .expect("unit");
        let scope = page(&app, &client, "").await.scope;
        let me: serde_json::Value = client
            .get(app.url("/api/v1/me"))
            .send()
            .await
            .expect("request")
            .json()
            .await
            .expect("json");
        for ((name, child), want) in ["own", "same unit", "other unit"]
            .into_iter()
            .zip([own, same_unit, other_unit])
            .zip(expected)
        {
            cells += 1;
            let in_me = me["children"]
                .as_array()
                .is_some_and(|c| c.iter().any(|id| id == &serde_json::json!(child)));
            let history = pull_as(&app, &client, &format!("&child={child}"))
                .await
                .status();
            let pushed = push_as(&app, &client, child).await;
            let audit = client
                .get(app.url(&format!("/api/v1/audit?child={child}")))
                .send()
                .await
                .expect("request");
            let audit_status = audit.status();
            let audit_entries = if audit_status == StatusCode::OK {
                let body: serde_json::Value = audit.json().await.expect("json");
                body["entries"].as_array().map_or(0, Vec::len)
            } else {
                0
            };
            let granted = client
                .post(app.url("/api/v1/grants"))
                .json(&serde_json::json!({
                    "child_id": child, "user_id": colleague.id, "until": until,
                }))
                .send()
                .await
                .expect("request")
                .status();
            let ok = |allowed: bool, status: StatusCode, success: StatusCode| {
                if allowed {
                    status == success
                } else {
                    status == StatusCode::FORBIDDEN
                }
            };
            let audit_ok = if want.audit {
                audit_status == StatusCode::OK && audit_entries > 0
            } else {
                audit_status == StatusCode::FORBIDDEN
                    || (audit_status == StatusCode::OK && audit_entries == 0)
            };
            let good = scope.contains(&child) == want.read
                && in_me == want.read
                && ok(want.read, history, StatusCode::OK)
                && ok(want.write, pushed, StatusCode::OK)
                && audit_ok
                && ok(want.grant, granted, StatusCode::CREATED);
            if !good {
                failures.push(format!(
                    "{role:?} × {name}: scope {} me {in_me} history {history} push {pushed} \
                     audit {audit_status} ({audit_entries} entries) grant {granted}; expected {want:?}",
                    scope.contains(&child)
                ));
            }
        }
    }
    assert_eq!(cells, 18);
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

    app.db
        .assign_child(child, user.id, &server::db::audit::Who::command_line())
        .await
        .expect("assign");
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

    assert_eq!(
        app.db
            .unassign_child(child, user.id, &server::db::audit::Who::command_line())
            .await
            .expect("end"),
        1
    );
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
            .insert_access(
                &NewAccess {
                    child_id: child,
                    user_id: user.id,
                    kind: AccessKind::Granted,
                    granted_by: None,
                    starts_at: now - Duration::days(50),
                    ends_at: Some(ends_at),
                },
                &server::db::audit::Who::command_line(),
            )
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

async fn a_group_leaders_grant_gives_a_colleague_the_child_until_the_date(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let child = DEMO_CHILD_IDS[2];
    let (leader, leader_client) = app.client_for(Role::GroupLeader, &[]).await;
    let (colleague, colleague_client) = app.client_for(Role::SocialWorker, &[]).await;
    let (stranger, _) = app.client_for(Role::SocialWorker, &[]).await;
    for user in [&leader, &colleague] {
        app.db
            .add_user_unit(user.id, DEMO_UNITS[0].0)
            .await
            .expect("unit");
    }
    app.db
        .add_user_unit(stranger.id, DEMO_UNITS[1].0)
        .await
        .expect("unit");
    assert!(page(&app, &colleague_client, "").await.scope.is_empty());

    let grant = |user: shared::UserId, until: chrono::NaiveDate| {
        leader_client
            .post(app.url("/api/v1/grants"))
            .json(&serde_json::json!({ "child_id": child, "user_id": user, "until": until }))
            .send()
    };
    // The server's day is Sweden's (from 23:00 UTC in winter, tomorrow's).
    let today = shared::sweden::date_at(Utc::now());
    for (user, until, why) in [
        (
            colleague.id,
            today - Duration::days(1),
            "a date in the past",
        ),
        (
            colleague.id,
            today + Duration::days(91),
            "more than 90 days",
        ),
        (stranger.id, today + Duration::days(3), "not a colleague"),
        (leader.id, today + Duration::days(3), "not a social worker"),
    ] {
        let response = grant(user, until).await.expect("request");
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{why}");
    }
    assert!(page(&app, &colleague_client, "").await.scope.is_empty());

    let response = grant(colleague.id, today + Duration::days(3))
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(page(&app, &colleague_client, "").await.scope, vec![child]);
    app.stop().await;
}
