//! The audit log: every read and write of a child's records, chained by
//! hash; reviewed by unit managers; tampering found by the verifier.

use crate::backend_tests;
use crate::helpers::{create_visit, push_request, review, visit, Backend, TestApp};
use chrono::Utc;
use reqwest::StatusCode;
use server::demo::{DEMO_CHILD_IDS, DEMO_UNITS};
use shared::audit::{AuditAction, LocalRead, LocalReadKind};
use shared::auth::{Colleague, Role};

backend_tests!(
    reads_and_writes_are_logged_and_reviewed,
    only_unit_managers_review_their_own_units,
    tampering_with_the_log_is_found,
    leaders_list_the_people_of_their_units,
    entries_about_no_child_are_reviewed_by_the_staffs_manager,
);

async fn manager(app: &TestApp) -> reqwest::Client {
    let (user, client) = app.client_for(Role::UnitManager, &[]).await;
    app.db
        .add_user_unit(user.id, DEMO_UNITS[0].0)
        .await
        .expect("unit");
    client
}

async fn reads_and_writes_are_logged_and_reviewed(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let child = DEMO_CHILD_IDS[1];
    // A visit (a write), a full pull (reads), and a read the tablet made
    // offline, sent twice.
    let mut request = push_request(vec![create_visit(visit(child))]);
    let opened = LocalRead {
        id: uuid::Uuid::new_v4(),
        child_id: child,
        kind: LocalReadKind::OpenedChild,
        occurred_at: Utc::now() - chrono::Duration::hours(3),
        offline: true,
    };
    request.reads = vec![opened.clone()];
    app.push(&request).await;
    app.pull_all().await;
    let mut again = push_request(Vec::new());
    again.reads = vec![opened.clone()];
    app.push(&again).await;

    let manager = manager(&app).await;
    let entries = review(&app, &manager, &format!("user={}", app.user.id)).await;
    assert!(entries.iter().all(|e| e.user_id == app.user.id
        && e.username == app.user.username
        && e.role == Role::SocialWorker));
    let of = |action, detail: &str| {
        entries
            .iter()
            .filter(|e| e.child_id == child && e.action == action && e.detail == detail)
            .collect::<Vec<_>>()
    };
    assert_eq!(of(AuditAction::Write, "create_visit").len(), 1);
    let offline = of(AuditAction::Read, "opened_child");
    assert_eq!(offline.len(), 1, "a re-sent entry is kept once");
    assert!(offline[0].offline);
    assert_eq!(
        offline[0].occurred_at.timestamp(),
        opened.occurred_at.timestamp(),
        "when it happened on the tablet"
    );
    assert!(!of(AuditAction::Read, "sync").is_empty());
    // Every pulled child of the manager's unit is logged as read.
    for c in &DEMO_CHILD_IDS[..4] {
        assert!(
            entries
                .iter()
                .any(|e| e.child_id == *c && e.detail == "sync"),
            "{c}"
        );
    }

    // By child and by period.
    let by_child = review(&app, &manager, &format!("child={child}")).await;
    assert!(!by_child.is_empty() && by_child.iter().all(|e| e.child_id == child));
    let today = Utc::now().date_naive();
    let tomorrow = today.succ_opt().expect("date");
    assert!(review(&app, &manager, &format!("from={tomorrow}"))
        .await
        .is_empty());
    assert_eq!(
        review(
            &app,
            &manager,
            &format!("from={today}&to={today}&user={}", app.user.id)
        )
        .await
        .len(),
        entries.len() - usize::from(opened.occurred_at.date_naive() != today)
    );

    // Export.
    let csv = manager
        .get(app.url("/api/v1/audit?format=csv"))
        .send()
        .await
        .expect("request");
    assert!(csv
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/csv")));
    let text = csv.text().await.expect("text");
    assert!(text.starts_with("nr,loggad,tidpunkt,användare"));
    assert!(text.contains(&app.user.username));
    // Ids and kinds of action only: no name or note of the child.
    assert!(!text.contains("Noah") && !text.contains("Påhittad anteckning"));

    let report = app.db.verify_audit_chain(None).await.expect("verify");
    assert_eq!(report.first_broken, None);
    assert!(report.entries >= entries.len() as u64);
    app.stop().await;
}

async fn only_unit_managers_review_their_own_units(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    app.pull_all().await;
    for role in [Role::SocialWorker, Role::GroupLeader, Role::Administrator] {
        let (_, client) = app.client_for(role, &[DEMO_CHILD_IDS[0]]).await;
        let response = client
            .get(app.url("/api/v1/audit"))
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{role:?}");
    }
    // The manager of the second unit sees only the child of that unit.
    let (user, other) = app.client_for(Role::UnitManager, &[]).await;
    app.db
        .add_user_unit(user.id, DEMO_UNITS[1].0)
        .await
        .expect("unit");
    let entries = review(&app, &other, "").await;
    assert!(!entries.is_empty());
    assert!(entries.iter().all(|e| e.child_id == DEMO_CHILD_IDS[4]));
    for query in ["from=igår", "user=anna", "child=1", "format=pdf"] {
        let response = other
            .get(app.url(&format!("/api/v1/audit?{query}")))
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{query}");
    }
    app.stop().await;
}

async fn tampering_with_the_log_is_found(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    for child in DEMO_CHILD_IDS {
        app.push(&push_request(vec![create_visit(visit(child))]))
            .await;
    }
    let intact = app.db.verify_audit_chain(None).await.expect("verify");
    assert_eq!(intact.first_broken, None);
    assert!(intact.entries >= 5, "the visits and the assignments");

    // An entry changed: that entry.
    app.execute_sql("UPDATE audit_log SET detail = 'delete_record' WHERE seq = 3")
        .await;
    let report = app.db.verify_audit_chain(None).await.expect("verify");
    assert_eq!(report.first_broken.map(|b| b.0), Some(3));
    // An entry removed: the one after it.
    app.execute_sql("DELETE FROM audit_log WHERE seq = 3").await;
    let report = app.db.verify_audit_chain(None).await.expect("verify");
    assert_eq!(report.first_broken.map(|b| b.0), Some(4));
    app.stop().await;

    let app = TestApp::spawn(&backend).await;
    for child in DEMO_CHILD_IDS {
        app.push(&push_request(vec![create_visit(visit(child))]))
            .await;
    }
    // The newest entries removed: the head still counts them.
    app.execute_sql("DELETE FROM audit_log WHERE seq >= 4")
        .await;
    let report = app.db.verify_audit_chain(None).await.expect("verify");
    assert_eq!(report.first_broken.map(|b| b.0), Some(4));
    app.stop().await;
}

/// Whom a leader can review or grant cover to: exactly the people who share
/// one of their units; nobody else may list staff.
async fn leaders_list_the_people_of_their_units(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let (manager, client) = app.client_for(Role::UnitManager, &[]).await;
    let (in_unit, _) = app.client_for(Role::Consultant, &[]).await;
    let (elsewhere, _) = app.client_for(Role::SocialWorker, &[]).await;
    for user in [manager.id, in_unit.id] {
        app.db
            .add_user_unit(user, DEMO_UNITS[0].0)
            .await
            .expect("unit");
    }
    app.db
        .add_user_unit(elsewhere.id, DEMO_UNITS[1].0)
        .await
        .expect("unit");

    let response = client
        .get(app.url("/api/v1/colleagues"))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::OK);
    let listed: Vec<Colleague> = response.json().await.expect("colleagues");
    let ids: Vec<_> = listed.iter().map(|c| c.id).collect();
    assert!(
        ids.contains(&manager.id) && ids.contains(&in_unit.id),
        "{ids:?}"
    );
    assert!(
        !ids.contains(&elsewhere.id),
        "someone from another unit was listed"
    );
    let consultant = listed.iter().find(|c| c.id == in_unit.id).expect("listed");
    assert_eq!(consultant.role, Role::Consultant);
    assert_eq!(consultant.username, in_unit.username);

    for role in [
        Role::SocialWorker,
        Role::Consultant,
        Role::DisabilityOfficer,
        Role::Administrator,
    ] {
        let (user, client) = app.client_for(role, &[]).await;
        app.db
            .add_user_unit(user.id, DEMO_UNITS[0].0)
            .await
            .expect("unit");
        let response = client
            .get(app.url("/api/v1/colleagues"))
            .send()
            .await
            .expect("request");
        crate::helpers::assert_error(response, 403, shared::ErrorCode::Forbidden).await;
    }
    app.stop().await;
}

/// A complaint with no open case is about no child: the manager of the unit
/// whose staff recorded and read it reviews it, the other unit's does not.
async fn entries_about_no_child_are_reviewed_by_the_staffs_manager(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let (leader, leader_client) = app.client_for(Role::GroupLeader, &[]).await;
    app.db
        .add_user_unit(leader.id, DEMO_UNITS[0].0)
        .await
        .expect("unit");
    let response = leader_client
        .post(app.url("/api/v1/complaints"))
        .json(&serde_json::json!({
            "received_on": Utc::now().date_naive(),
            "source": "relative",
            "kind": "complaint",
            "text": "En mormor hör av sig om att ingen svarar i telefon.",
            "unit_id": DEMO_UNITS[0].0,
        }))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::CREATED);
    let complaint: serde_json::Value = response.json().await.expect("complaint");
    let recorded = format!("complaint_record:{}", complaint["id"].as_str().expect("id"));

    let own = review(&app, &manager(&app).await, &format!("user={}", leader.id)).await;
    let entry = own
        .iter()
        .find(|e| e.detail == recorded)
        .expect("the manager of the leader's unit sees the entry");
    assert_eq!(entry.action, AuditAction::Write);
    assert_eq!(
        entry.child_id,
        shared::ChildId::from_uuid(uuid::Uuid::nil())
    );

    let (other_user, other) = app.client_for(Role::UnitManager, &[]).await;
    app.db
        .add_user_unit(other_user.id, DEMO_UNITS[1].0)
        .await
        .expect("unit");
    assert!(review(&app, &other, "")
        .await
        .iter()
        .all(|e| e.detail != recorded));
    app.stop().await;
}
