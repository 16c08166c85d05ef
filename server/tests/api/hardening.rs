//! The holes a security review found on the server (issue 14), each closed
//! and shown closed over HTTP: restores, grants across units, the late-push
//! grace, uploaded reads, the audit log and time, who signs, administration,
//! closed placements and Swedish days.

use crate::backend_tests;
use crate::helpers::{
    amendment, applied, create_visit, mutation, patch, push_json, push_request, rejected, review,
    target, visit, Backend, TestApp,
};
use chrono::{Duration, NaiveDate, Utc};
use reqwest::StatusCode;
use serde_json::{json, Value};
use server::admin::{run as admin, AdminCommand};
use server::db::accounts::{AccessKind, NewAccess};
use server::db::audit::{ChainPoint, Who};
use server::demo::{DEMO_CHILD_IDS, DEMO_UNITS};
use shared::audit::{LocalRead, LocalReadKind};
use shared::auth::Role;
use shared::protocol::{Mutation, MutationStatus, Operation, Record};
use shared::{
    ClosingId, DeviceId, EndKind, ErrorCode, PlacementClosing, UserId, VisitNote, VisitorName,
    VisitorRole,
};

backend_tests!(
    a_restore_gives_the_feed_a_new_epoch,
    cover_is_granted_only_within_the_childs_unit,
    the_grace_after_a_hand_over_lets_only_recorded_work_through,
    every_read_uploaded_from_a_tablet_is_kept,
    retention_counts_from_when_the_server_received_an_entry,
    the_log_is_verified_in_one_snapshot_of_a_live_server,
    a_saved_last_hash_finds_a_tail_cut_with_the_head_rewound,
    signed_records_carry_the_accounts_name,
    administration_changes_are_made_and_logged,
    a_closed_placement_is_final,
    cover_ends_at_midnight_in_sweden,
);

async fn status_of(app: &TestApp, client: &reqwest::Client, mutations: Vec<Mutation>) -> Response {
    let response = client
        .post(app.url("/api/v1/sync/push"))
        .json(&push_json(mutations))
        .send()
        .await
        .expect("request");
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    Response { status, body }
}

struct Response {
    status: StatusCode,
    body: Value,
}

/// Ends `user`'s cover of `child` `days_ago`.
async fn ended_cover(app: &TestApp, child: shared::ChildId, user: UserId, days_ago: i64) {
    let now = Utc::now();
    app.db
        .insert_access(
            &NewAccess {
                child_id: child,
                user_id: user,
                kind: AccessKind::Granted,
                granted_by: None,
                starts_at: now - Duration::days(days_ago + 20),
                ends_at: Some(now - Duration::days(days_ago)),
            },
            &Who::command_line(),
        )
        .await
        .expect("access");
}

async fn a_restore_gives_the_feed_a_new_epoch(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let child = DEMO_CHILD_IDS[0];
    let before = visit(child);
    app.push(&push_request(vec![create_visit(before.clone())]))
        .await;
    let first = app.pull(0, 1000).await;
    let backup = app.files().join("barnbesok.backup");
    let target = app.config.database_target().expect("target");
    admin(
        &app.db,
        &target,
        AdminCommand::Backup { to: backup.clone() },
    )
    .await
    .expect("admin backup");
    assert!(
        server::backup::backup(&app.db, &target, &backup)
            .await
            .is_err(),
        "a backup never overwrites a file"
    );
    let after = visit(child);
    app.push(&push_request(vec![create_visit(after.clone())]))
        .await;
    assert_eq!(
        app.pull(0, 1000).await.epoch,
        first.epoch,
        "writes keep the epoch"
    );

    let app = app.restore_and_restart(&backup).await;
    let restored = app.pull(0, 1000).await;
    assert_ne!(restored.epoch, first.epoch, "the restored feed is another");
    let visits: Vec<_> = restored
        .changes
        .iter()
        .filter_map(|c| match &c.record {
            Record::Visit(v) => Some(v.id),
            _ => None,
        })
        .collect();
    assert!(visits.contains(&before.id));
    assert!(!visits.contains(&after.id), "the backup was made before it");
    app.stop().await;
}

async fn cover_is_granted_only_within_the_childs_unit(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let [unit_a, unit_b] = [DEMO_UNITS[0].0, DEMO_UNITS[1].0];
    // A child of unit A (the demo's first unit holds the first child).
    let child = DEMO_CHILD_IDS[0];
    assert_eq!(app.db.child_unit(child).await.expect("unit"), Some(unit_a));
    let (leader, leader_client) = app.client_for(Role::GroupLeader, &[]).await;
    let (only_b, _) = app.client_for(Role::SocialWorker, &[]).await;
    let (in_a, _) = app.client_for(Role::SocialWorker, &[]).await;
    for (user, unit) in [
        (leader.id, unit_a),
        (leader.id, unit_b),
        (only_b.id, unit_b),
        (in_a.id, unit_a),
    ] {
        app.db.add_user_unit(user, unit).await.expect("unit");
    }
    let until = shared::sweden::date_at(Utc::now()) + Duration::days(7);
    let grant = |user: UserId| {
        leader_client
            .post(app.url("/api/v1/grants"))
            .json(&json!({ "child_id": child, "user_id": user, "until": until }))
            .send()
    };
    let refused = grant(only_b.id).await.expect("request");
    crate::helpers::assert_error(refused, 422, ErrorCode::ValidationFailed).await;
    assert_eq!(
        grant(in_a.id).await.expect("request").status(),
        StatusCode::CREATED
    );

    // `admin grant` asks the same.
    let target = app.config.database_target().expect("target");
    let command = |username: &str| AdminCommand::Grant {
        username: username.to_owned(),
        child: child.to_string(),
        until,
        by: leader.username.clone(),
    };
    let error = admin(&app.db, &target, command(&only_b.username))
        .await
        .expect_err("not in the child's unit");
    assert!(error.to_string().contains("child's unit"), "{error}");
    let error = admin(
        &app.db,
        &target,
        AdminCommand::Grant {
            username: in_a.username.clone(),
            child: child.to_string(),
            until: until + Duration::days(200),
            by: leader.username.clone(),
        },
    )
    .await
    .expect_err("too long");
    assert!(error.to_string().contains("90 days"), "{error}");
    admin(&app.db, &target, command(&in_a.username))
        .await
        .expect("granted");
    app.stop().await;
}

async fn the_grace_after_a_hand_over_lets_only_recorded_work_through(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let child = DEMO_CHILD_IDS[1];
    let placement = app.demo_placement(child).await;
    let (former, client) = app.client_for(Role::SocialWorker, &[]).await;
    ended_cover(&app, child, former.id, 3).await;

    let mut signed = visit(child);
    signed.signed_by = Some(former.id);
    let accepted = status_of(&app, &client, vec![create_visit(signed.clone())]).await;
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.body);
    let original = app.placement(placement.id).await.expect("placement");

    let edits = [
        (
            "edit",
            patch(
                &original,
                &[(
                    "home_name",
                    json!(original.home_name.as_str()),
                    json!("Familjen Annan"),
                )],
            ),
        ),
        (
            "delete",
            mutation(Operation::DeleteRecord(target(&original))),
        ),
        (
            "close",
            mutation(Operation::ClosePlacement(closing(&original, former.id))),
        ),
        (
            "resolve",
            mutation(Operation::ResolveConflict(
                shared::protocol::ConflictChoice {
                    conflict_id: shared::ConflictId::new_random(),
                    child_id: child,
                    from: json!(null),
                    value: json!(null),
                },
            )),
        ),
    ];
    for (what, edit) in edits {
        let refused = status_of(&app, &client, vec![edit]).await;
        assert_eq!(
            refused.status,
            StatusCode::FORBIDDEN,
            "{what}: {}",
            refused.body
        );
    }
    assert_eq!(app.placement(placement.id).await, Some(original));
    app.stop().await;
}

fn closing(placement: &shared::Placement, by: UserId) -> PlacementClosing {
    PlacementClosing {
        id: ClosingId::new_random(),
        child_id: placement.child_id,
        placement_id: placement.id,
        end_date: placement.start_date + Duration::days(30),
        kind: EndKind::Planned,
        replacement: false,
        reason: None,
        reason_text: VisitNote::default(),
        closing_note: VisitNote::parse("Flytten gick bra.").expect("note"),
        signed_by: by,
        signed_by_name: VisitorName::parse("Någon Annan").expect("name"),
        recorded_at: Utc::now(),
    }
}

async fn every_read_uploaded_from_a_tablet_is_kept(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let (manager, manager_client) = app.client_for(Role::UnitManager, &[]).await;
    app.db
        .add_user_unit(manager.id, DEMO_UNITS[0].0)
        .await
        .expect("unit");
    let (curious, client) = app.client_for(Role::SocialWorker, &[]).await;
    let (former, former_client) = app.client_for(Role::SocialWorker, &[]).await;
    ended_cover(&app, DEMO_CHILD_IDS[0], former.id, 60).await;

    let read = |child| LocalRead {
        id: uuid::Uuid::new_v4(),
        child_id: child,
        kind: LocalReadKind::OpenedChild,
        occurred_at: Utc::now(),
        offline: true,
    };
    for (client, child) in [
        (&client, DEMO_CHILD_IDS[0]),
        (&former_client, DEMO_CHILD_IDS[0]),
    ] {
        let body = json!({
            "protocol": 1,
            "device_id": DeviceId::new_random(),
            "mutations": [],
            "reads": [read(child)],
        });
        let response = client
            .post(app.url("/api/v1/sync/push"))
            .json(&body)
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), StatusCode::OK);
    }
    for user in [curious.id, former.id] {
        let entries = review(&app, &manager_client, &format!("user={user}")).await;
        assert!(
            entries
                .iter()
                .any(|e| e.detail == "opened_child" && e.child_id == DEMO_CHILD_IDS[0]),
            "the read of a child the user does not have is kept: {entries:?}"
        );
    }
    app.stop().await;
}

/// Moves the receiving time of the entries up to `seq` back by `days`,
/// behind the server's back (their hashes no longer fit, which a purge of
/// them must not mind).
async fn received_days_ago(app: &TestApp, up_to: i64, days: i64) {
    let at =
        (Utc::now() - Duration::days(days)).to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    app.execute_sql(&format!(
        "UPDATE audit_log SET logged_at = '{at}' WHERE seq <= {up_to}"
    ))
    .await;
}

async fn retention_counts_from_when_the_server_received_an_entry(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    // A tablet's clock says 1970: that is when it happened, not when the
    // server received it.
    let body = json!({
        "protocol": 1,
        "device_id": DeviceId::new_random(),
        "mutations": [],
        "reads": [{
            "id": uuid::Uuid::new_v4(),
            "child_id": DEMO_CHILD_IDS[0],
            "kind": "opened_child",
            "occurred_at": "1970-01-01T00:00:00Z",
            "offline": true,
        }],
    });
    assert_eq!(app.push_json(&body).await.status(), StatusCode::OK);
    for child in DEMO_CHILD_IDS {
        app.push(&push_request(vec![create_visit(visit(child))]))
            .await;
    }
    let intact = app.db.verify_audit_chain(None).await.expect("verify");
    assert_eq!(intact.first_broken, None);
    let total = intact.entries;
    assert_eq!(
        app.db.purge_audit(Duration::days(1)).await.expect("purge"),
        0,
        "nothing is purged by a device's clock"
    );

    // Received 100 days ago: within the floor of a year, whatever is set.
    received_days_ago(&app, 3, 100).await;
    assert_eq!(
        app.db.purge_audit(Duration::days(1)).await.expect("purge"),
        0
    );
    // Two years ago: gone, and the chain goes on from the checkpoint.
    received_days_ago(&app, 3, 730).await;
    assert_eq!(
        app.db.purge_audit(Duration::days(1)).await.expect("purge"),
        3
    );
    let report = app.db.verify_audit_chain(None).await.expect("verify");
    assert_eq!(report.first_broken, None, "{report:?}");
    assert_eq!(report.entries, total - 3);

    // Cutting the start now shows.
    app.execute_sql("DELETE FROM audit_log WHERE seq = 4").await;
    let report = app.db.verify_audit_chain(None).await.expect("verify");
    assert_eq!(
        report.first_broken,
        Some((5, "entries at the start are missing"))
    );
    app.stop().await;
}

async fn the_log_is_verified_in_one_snapshot_of_a_live_server(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let writer = {
        let client = app.client.clone();
        let url = app.url("/api/v1/sync/push");
        tokio::spawn(async move {
            for round in 0..60 {
                let child = DEMO_CHILD_IDS[round % DEMO_CHILD_IDS.len()];
                client
                    .post(&url)
                    .json(&push_json(vec![create_visit(visit(child))]))
                    .send()
                    .await
                    .expect("push");
            }
        })
    };
    let mut checks = 0;
    while !writer.is_finished() {
        let report = app.db.verify_audit_chain(None).await.expect("verify");
        assert_eq!(report.first_broken, None, "while writes go on: {report:?}");
        checks += 1;
    }
    writer.await.expect("writer");
    assert!(checks > 0);
    app.stop().await;
}

async fn a_saved_last_hash_finds_a_tail_cut_with_the_head_rewound(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    for child in DEMO_CHILD_IDS {
        app.push(&push_request(vec![create_visit(visit(child))]))
            .await;
    }
    let saved = app
        .db
        .verify_audit_chain(None)
        .await
        .expect("verify")
        .last
        .expect("last entry");
    let printed: ChainPoint = saved.to_string().parse().expect("parses back");
    assert_eq!(printed, saved);
    let report = app
        .db
        .verify_audit_chain(Some(&saved))
        .await
        .expect("verify");
    assert_eq!(report.first_broken, None);

    // Someone with database access removes the last two entries and moves
    // the head back to fit: the chain alone looks whole.
    let keep = saved.seq - 2;
    app.execute_sql(&format!("DELETE FROM audit_log WHERE seq > {keep}"))
        .await;
    app.execute_sql(&format!(
        "UPDATE audit_head SET last_seq = {keep}, hash = (SELECT hash FROM audit_log WHERE seq = {keep}) WHERE id = 1"
    ))
    .await;
    let report = app.db.verify_audit_chain(None).await.expect("verify");
    assert_eq!(
        report.first_broken, None,
        "undetectable without a saved hash"
    );
    let report = app
        .db
        .verify_audit_chain(Some(&saved))
        .await
        .expect("verify");
    assert_eq!(
        report.first_broken,
        Some((saved.seq, "the entry saved earlier is not in the log"))
    );
    app.stop().await;
}

async fn signed_records_carry_the_accounts_name(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let child = DEMO_CHILD_IDS[2];
    let mut typed = visit(child);
    typed.visitor = VisitorName::parse("Någon Annan").expect("name");
    typed.visitor_role = VisitorRole::Consultant;
    let unsigned = visit(child);
    let mut forged = visit(child);
    forged.signed_by = Some(UserId::new_random());
    let typed_amendment = {
        let mut a = amendment(&typed);
        a.author = VisitorName::parse("Någon Annan").expect("name");
        a.author_id = Some(UserId::new_random());
        a
    };
    let placement = app.demo_placement(child).await;
    let response = app
        .push(&push_request(vec![
            create_visit(typed.clone()),
            create_visit(unsigned.clone()),
            create_visit(forged),
            mutation(Operation::AmendVisit(typed_amendment)),
            mutation(Operation::ClosePlacement(closing(&placement, app.user.id))),
        ]))
        .await;
    let statuses: Vec<&MutationStatus> = response.results.iter().map(|r| &r.status).collect();
    applied(statuses[0]);
    applied(statuses[1]);
    assert_eq!(rejected(statuses[2]), ErrorCode::ValidationFailed);
    applied(statuses[3]);
    applied(statuses[4]);

    let name = app.user.display_name.as_str();
    let mut seen = 0;
    for change in app.pull_all().await {
        match change.record {
            Record::Visit(v) if v.id == typed.id || v.id == unsigned.id => {
                assert_eq!(v.visitor.as_str(), name);
                assert_eq!(v.visitor_role, VisitorRole::Employee, "the account's role");
                assert_eq!(
                    v.signed_by,
                    Some(app.user.id),
                    "every visit names its signer"
                );
                seen += 1;
            }
            Record::VisitAmendment(a) if a.visit_id == typed.id => {
                assert_eq!(a.author.as_str(), name);
                assert_eq!(a.author_id, Some(app.user.id));
                seen += 1;
            }
            Record::PlacementClosing(c) if c.placement_id == placement.id => {
                assert_eq!(c.signed_by_name.as_str(), name);
                seen += 1;
            }
            _ => {}
        }
    }
    assert_eq!(seen, 4);
    app.stop().await;
}

async fn administration_changes_are_made_and_logged(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let target = app.config.database_target().expect("target");
    let (leader, _) = app.client_for(Role::GroupLeader, &[]).await;
    let (worker, worker_client) = app.client_for(Role::SocialWorker, &[]).await;
    let unit = DEMO_UNITS[0];
    for user in [leader.id, worker.id] {
        app.db.add_user_unit(user, unit.0).await.expect("unit");
    }
    let child = DEMO_CHILD_IDS[0];
    let until = shared::sweden::date_at(Utc::now()) + Duration::days(10);
    admin(
        &app.db,
        &target,
        AdminCommand::Grant {
            username: worker.username.clone(),
            child: child.to_string(),
            until,
            by: leader.username.clone(),
        },
    )
    .await
    .expect("grant");
    let scope = |client: reqwest::Client| {
        let app = &app;
        async move {
            crate::common::pull_page(&client, &app.address, 0, 10)
                .await
                .scope
        }
    };
    assert_eq!(scope(worker_client.clone()).await, vec![child]);

    admin(
        &app.db,
        &target,
        AdminCommand::EndGrant {
            username: worker.username.clone(),
            child: child.to_string(),
        },
    )
    .await
    .expect("end grant");
    assert!(
        scope(worker_client.clone()).await.is_empty(),
        "cover ended early"
    );
    assert!(admin(
        &app.db,
        &target,
        AdminCommand::EndGrant {
            username: worker.username.clone(),
            child: child.to_string(),
        },
    )
    .await
    .is_err());

    admin(
        &app.db,
        &target,
        AdminCommand::SetRole {
            username: worker.username.clone(),
            role: "group_leader".into(),
        },
    )
    .await
    .expect("role");
    assert!(
        scope(worker_client.clone()).await.contains(&child),
        "a leader sees the unit"
    );
    admin(
        &app.db,
        &target,
        AdminCommand::RemoveFromUnit {
            username: worker.username.clone(),
            unit: unit.1.to_owned(),
        },
    )
    .await
    .expect("remove");
    assert!(
        scope(worker_client.clone()).await.is_empty(),
        "no longer in the unit"
    );
    assert!(admin(
        &app.db,
        &target,
        AdminCommand::SetRole {
            username: worker.username.clone(),
            role: "boss".into(),
        },
    )
    .await
    .is_err());

    // The grant and its end are in the log, with who did them.
    let (manager, manager_client) = app.client_for(Role::UnitManager, &[]).await;
    app.db
        .add_user_unit(manager.id, unit.0)
        .await
        .expect("unit");
    let entries = review(&app, &manager_client, &format!("child={child}")).await;
    let granted = format!("granted_cover:{}:{until}", worker.id);
    assert!(
        entries
            .iter()
            .any(|e| e.detail == granted && e.user_id == leader.id),
        "{entries:?}"
    );
    assert!(entries
        .iter()
        .any(|e| e.detail == format!("ended_cover:{}", worker.id)));
    assert!(entries
        .iter()
        .any(|e| e.detail.starts_with("assigned:") && e.child_id == child));
    app.stop().await;
}

async fn a_closed_placement_is_final(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let child = DEMO_CHILD_IDS[3];
    let placement = app.demo_placement(child).await;
    let end = patch(
        &placement,
        &[("end_date", Value::Null, json!("2027-06-30"))],
    );
    assert_eq!(
        rejected(&app.push_one(end).await),
        ErrorCode::ValidationFailed,
        "the end date follows the signed closing alone"
    );
    let mut ended = crate::helpers::new_placement(child);
    ended.end_date = NaiveDate::from_ymd_opt(2027, 1, 1);
    assert_eq!(
        rejected(
            &app.push_one(mutation(Operation::CreatePlacement(ended)))
                .await
        ),
        ErrorCode::ValidationFailed
    );

    applied(
        &app.push_one(mutation(Operation::ClosePlacement(closing(
            &placement,
            app.user.id,
        ))))
        .await,
    );
    let closed = app.placement(placement.id).await.expect("placement");
    assert!(closed.end_date.is_some());
    let edit = patch(
        &closed,
        &[(
            "home_name",
            json!(closed.home_name.as_str()),
            json!("Familjen Annan"),
        )],
    );
    assert_eq!(
        rejected(&app.push_one(edit).await),
        ErrorCode::PlacementClosed
    );
    assert_eq!(
        rejected(
            &app.push_one(mutation(Operation::DeleteRecord(target(&closed))))
                .await
        ),
        ErrorCode::PlacementClosed
    );
    assert_eq!(app.placement(placement.id).await, Some(closed));
    app.stop().await;
}

async fn cover_ends_at_midnight_in_sweden(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let (leader, client) = app.client_for(Role::GroupLeader, &[]).await;
    let (worker, _) = app.client_for(Role::SocialWorker, &[]).await;
    for user in [leader.id, worker.id] {
        app.db
            .add_user_unit(user, DEMO_UNITS[0].0)
            .await
            .expect("unit");
    }
    let today = shared::sweden::date_at(Utc::now());
    for until in [today, today + Duration::days(60)] {
        let grant: shared::auth::Grant = client
            .post(app.url("/api/v1/grants"))
            .json(&json!({ "child_id": DEMO_CHILD_IDS[0], "user_id": worker.id, "until": until }))
            .send()
            .await
            .expect("request")
            .json()
            .await
            .expect("grant");
        let next = until.succ_opt().expect("day");
        assert_eq!(Some(grant.ends_at), shared::sweden::start_of(next));
        // 23:00 or 22:00 UTC the evening before, never UTC midnight.
        assert!(grant.ends_at < next.and_hms_opt(0, 0, 0).expect("midnight").and_utc());
    }
    app.stop().await;
}
