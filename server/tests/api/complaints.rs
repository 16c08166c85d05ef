//! Complaints over HTTP: a child's message from the public page and the
//! answer read with the receipt code; every abuse limit of the public
//! endpoints; the register kept by managers and responsible workers, with
//! stale updates refused; every read and write in the audit log.

use crate::backend_tests;
use crate::helpers::{applied, assert_error, mutation, rejected, Backend, Options, TestApp};
use chrono::{Duration, Utc};
use reqwest::StatusCode;
use serde_json::{json, Value};
use server::db::audit::AuditFilter;
use shared::audit::{AuditAction, AuditEntry};
use shared::auth::Role;
use shared::complaints::{
    Complaint, ComplaintCounts, ComplaintList, ComplaintStatus, MessageReceipt, MessageStatus,
    ReceiptCode,
};
use shared::{ChildId, ErrorCode, UnitId};

backend_tests!(
    a_child_leaves_a_message_and_reads_the_answer_with_the_code,
    the_public_endpoints_refuse_floods_and_bad_requests_and_write_nothing,
    the_register_is_kept_by_managers_and_responsible_workers_only,
    every_read_and_write_of_the_register_is_audit_logged,
    a_message_left_on_a_tablet_arrives_once_and_the_child_reads_the_answer,
);

fn today() -> chrono::NaiveDate {
    shared::sweden::date_at(Utc::now())
}

/// A plain client from `address` (`X-Forwarded-For`, believed when the
/// server trusts 127.0.0.1 as its proxy).
async fn leave(app: &TestApp, from: &str, body: &Value) -> reqwest::Response {
    reqwest::Client::new()
        .post(app.url("/api/v1/public/messages"))
        .header("x-forwarded-for", from)
        .json(body)
        .send()
        .await
        .expect("request")
}

async fn look_up(app: &TestApp, from: &str, code: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(app.url(&format!("/api/v1/public/messages/{code}")))
        .header("x-forwarded-for", from)
        .send()
        .await
        .expect("request")
}

fn message(text: &str) -> Value {
    json!({ "kind": "complaint", "text": text })
}

async fn list(app: &TestApp, client: &reqwest::Client, show: &str) -> ComplaintList {
    let response = client
        .get(app.url(&format!("/api/v1/complaints?show={show}")))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.expect("list")
}

async fn put(
    app: &TestApp,
    client: &reqwest::Client,
    id: uuid::Uuid,
    body: &Value,
) -> reqwest::Response {
    client
        .put(app.url(&format!("/api/v1/complaints/{id}")))
        .json(body)
        .send()
        .await
        .expect("request")
}

async fn get_one(app: &TestApp, client: &reqwest::Client, id: uuid::Uuid) -> reqwest::Response {
    client
        .get(app.url(&format!("/api/v1/complaints/{id}")))
        .send()
        .await
        .expect("request")
}

/// The update that keeps everything of `c` but what `changes` sets.
fn update_of(c: &Complaint, changes: Value) -> Value {
    let Value::Object(changes) = changes else {
        panic!("changes are an object");
    };
    let mut body = json!({
        "revision": c.revision,
        "status": c.status,
        "unit_id": c.unit_id,
        "responsible": c.responsible,
        "answer": c.answer,
        "due_on": c.due_on,
        "child_id": c.child_id,
        "home_id": c.home_id,
    });
    for (k, v) in changes {
        body[&k] = v;
    }
    body
}

/// The complaints stored in `units` or in none.
async fn complaint_rows(app: &TestApp, units: &[UnitId]) -> usize {
    app.db
        .complaints(&server::db::complaints::ComplaintScope {
            units: units.to_vec(),
            unassigned: true,
            responsible: None,
        })
        .await
        .expect("complaints")
        .len()
}

async fn a_child_leaves_a_message_and_reads_the_answer_with_the_code(backend: Backend) {
    let app = TestApp::spawn_with(
        &backend,
        Options {
            demo_data: false,
            ..Options::default()
        },
    )
    .await;
    let response = reqwest::Client::new()
        .post(app.url("/api/v1/public/messages"))
        .json(&json!({
            "kind": "wish",
            "text": "  Jag vill träffa min bror oftare.  ",
            "name": "Alva",
            "reach": "alva@example.org"
        }))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::CREATED);
    let receipt: MessageReceipt = response.json().await.expect("receipt");
    let code = ReceiptCode::parse(&receipt.code).expect("a receipt code");
    assert_eq!(code.to_string(), receipt.code, "shown as XXX-XXX-XXX");

    // Typed as a child might: lower case, no dashes.
    let typed = receipt.code.replace('-', "").to_lowercase();
    let response = look_up(&app, "127.0.0.1", &typed).await;
    assert_eq!(response.status(), StatusCode::OK);
    let status: MessageStatus = response.json().await.expect("status");
    assert_eq!(
        status,
        MessageStatus {
            status: ComplaintStatus::New,
            received_on: today(),
            answer: None,
            answered_on: None,
        }
    );

    // A manager finds it among the unassigned, takes it into the unit and
    // answers it.
    let unit = app.new_unit("Familjehemsenheten").await;
    let (leader, leader_client) = app.member_of(unit, Role::GroupLeader).await;
    let listed = list(&app, &leader_client, "new").await;
    assert_eq!(listed.complaints.len(), 1);
    assert_eq!(listed.counts, ComplaintCounts { new: 1, overdue: 0 });
    let stored = &listed.complaints[0];
    assert_eq!(stored.text, "Jag vill träffa min bror oftare.");
    assert_eq!(stored.from_name.as_deref(), Some("Alva"));
    assert_eq!(stored.unit_id, None);
    assert!(stored.has_code);
    assert_eq!(stored.due_on, today() + Duration::days(14));
    assert_eq!(stored.child_id, None, "never linked to a child by itself");

    // Investigating, with a draft answer: the child sees the status only.
    let response = put(
        &app,
        &leader_client,
        stored.id,
        &update_of(
            stored,
            json!({ "status": "investigating", "unit_id": unit, "responsible": leader,
                    "answer": "Utkast" }),
        ),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let investigating: Complaint = response.json().await.expect("complaint");
    assert_eq!(investigating.revision, 2);
    let status: MessageStatus = look_up(&app, "127.0.0.1", &receipt.code)
        .await
        .json()
        .await
        .expect("status");
    assert_eq!(status.status, ComplaintStatus::Investigating);
    assert_eq!(status.answer, None, "a draft is not shown");

    let answer = "Tack för att du skrev. Vi ordnar fler träffar med din bror.";
    let response = put(
        &app,
        &leader_client,
        stored.id,
        &update_of(
            &investigating,
            json!({ "status": "answered", "answer": answer }),
        ),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let status: MessageStatus = look_up(&app, "127.0.0.1", &receipt.code)
        .await
        .json()
        .await
        .expect("status");
    assert_eq!(
        status,
        MessageStatus {
            status: ComplaintStatus::Answered,
            received_on: today(),
            answer: Some(answer.into()),
            answered_on: Some(today()),
        }
    );

    // Unknown and malformed codes get the same 404 body.
    let other = loop {
        let c = ReceiptCode::new_random();
        if c != code {
            break c;
        }
    };
    let unknown = look_up(&app, "127.0.0.1", &other.to_string()).await;
    let unknown = assert_error(unknown, 404, ErrorCode::NotFound).await;
    let malformed = look_up(&app, "127.0.0.1", "hej-hopp").await;
    let malformed = assert_error(malformed, 404, ErrorCode::NotFound).await;
    assert_eq!(unknown, malformed);
    app.stop().await;
}

async fn the_public_endpoints_refuse_floods_and_bad_requests_and_write_nothing(backend: Backend) {
    let app = TestApp::spawn_with(
        &backend,
        Options {
            demo_data: false,
            trusted_proxies: vec!["127.0.0.1".parse().expect("ip")],
            configure: Box::new(|config| {
                config.max_unhandled_public_messages = 6;
                config.public_messages_per_day = 8;
            }),
            ..Options::default()
        },
    )
    .await;

    // Bad requests: the right 4xx, JSON, nothing written, not counted.
    let raw = |body: &'static [u8], content_type: &'static str| {
        let app = &app;
        async move {
            reqwest::Client::new()
                .post(app.url("/api/v1/public/messages"))
                .header("x-forwarded-for", "10.0.0.9")
                .header("content-type", content_type)
                .body(body)
                .send()
                .await
                .expect("request")
        }
    };
    assert_error(
        raw(b"{\"kind\": ", "application/json").await,
        400,
        ErrorCode::MalformedJson,
    )
    .await;
    assert_error(
        raw(b"[\"complaint\", \"hej\"]", "application/json").await,
        400,
        ErrorCode::MalformedJson,
    )
    .await;
    assert_error(
        raw(b"{\"kind\":\"wish\",\"text\":\"hej\"}", "text/plain").await,
        415,
        ErrorCode::UnsupportedMediaType,
    )
    .await;
    for body in [
        json!({ "kind": "wish", "text": "hej", "where_i_live": "Storgatan 1" }),
        json!({ "kind": "demand", "text": "hej" }),
        json!({ "kind": "wish", "text": "   " }),
        json!({ "kind": "wish", "text": "a".repeat(2_001) }),
        json!({ "kind": "wish", "text": "hej", "name": "n".repeat(121) }),
        json!({ "kind": "wish", "text": "hej", "reach": "r".repeat(201) }),
    ] {
        assert_error(
            leave(&app, "10.0.0.9", &body).await,
            422,
            ErrorCode::ValidationFailed,
        )
        .await;
    }
    let oversized = json!({ "kind": "wish", "text": "å".repeat(10_000) });
    assert_error(
        leave(&app, "10.0.0.9", &oversized).await,
        413,
        ErrorCode::PayloadTooLarge,
    )
    .await;
    assert_eq!(complaint_rows(&app, &[]).await, 0);

    // Five messages an hour per address; the sixth waits.
    for i in 0..5 {
        let response = leave(&app, "10.0.0.1", &message(&format!("meddelande {i}"))).await;
        assert_eq!(response.status(), StatusCode::CREATED);
    }
    let response = leave(&app, "10.0.0.1", &message("ett till")).await;
    assert!(response.headers().contains_key("retry-after"));
    assert_error(response, 429, ErrorCode::RateLimited).await;
    // A forged X-Forwarded-For behind the proxy's own is not believed
    // beyond it: the nearest untrusted hop counts.
    let response = leave(&app, "10.0.0.77, 10.0.0.1", &message("förklädd")).await;
    assert_error(response, 429, ErrorCode::RateLimited).await;
    assert_eq!(complaint_rows(&app, &[]).await, 5);

    // The flood guard: at most 6 unhandled public messages.
    let response = leave(&app, "10.0.0.2", &message("sjätte")).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let response = leave(&app, "10.0.0.3", &message("sjunde")).await;
    assert!(response.headers().contains_key("retry-after"));
    assert_error(response, 503, ErrorCode::ServerBusy).await;
    assert_eq!(complaint_rows(&app, &[]).await, 6);

    // Handling some frees room, up to the day's cap of 8.
    let unit = app.new_unit("Enheten").await;
    let (leader, leader_client) = app.member_of(unit, Role::GroupLeader).await;
    let new = list(&app, &leader_client, "new").await.complaints;
    for c in &new[..3] {
        let response = put(
            &app,
            &leader_client,
            c.id,
            &update_of(
                c,
                json!({ "status": "investigating", "unit_id": unit, "responsible": leader }),
            ),
        )
        .await;
        assert_eq!(response.status(), StatusCode::OK);
    }
    for from in ["10.0.0.3", "10.0.0.4"] {
        let response = leave(&app, from, &message("mer")).await;
        assert_eq!(response.status(), StatusCode::CREATED);
    }
    let response = leave(&app, "10.0.0.5", &message("nionde i dag")).await;
    assert_error(response, 503, ErrorCode::ServerBusy).await;
    assert_eq!(complaint_rows(&app, &[unit]).await, 8);

    // Look-ups: 30 an hour per address.
    for _ in 0..30 {
        let code = ReceiptCode::new_random().to_string();
        assert_error(
            look_up(&app, "10.0.1.1", &code).await,
            404,
            ErrorCode::NotFound,
        )
        .await;
    }
    let response = look_up(&app, "10.0.1.1", &ReceiptCode::new_random().to_string()).await;
    assert!(response.headers().contains_key("retry-after"));
    assert_error(response, 429, ErrorCode::RateLimited).await;

    // And 10 an hour per code, from anywhere, in any spelling.
    let code = ReceiptCode::new_random();
    for i in 0..10 {
        let typed = if i % 2 == 0 {
            code.to_string()
        } else {
            code.normalised().to_lowercase()
        };
        let from = format!("10.0.2.{i}");
        assert_error(look_up(&app, &from, &typed).await, 404, ErrorCode::NotFound).await;
    }
    let response = look_up(&app, "10.0.2.99", &code.to_string()).await;
    assert_error(response, 429, ErrorCode::RateLimited).await;
    app.stop().await;
}

async fn the_register_is_kept_by_managers_and_responsible_workers_only(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let unit_a = app.new_unit("Enhet A").await;
    let unit_b = app.new_unit("Enhet B").await;
    // The test user: a social worker with every demo child, in unit A.
    app.db
        .add_user_unit(app.user.id, unit_a)
        .await
        .expect("member");
    let worker = app.user.id;
    let worker_client = &app.client;
    let (colleague, colleague_client) = app.member_of(unit_a, Role::SocialWorker).await;
    let (leader, leader_client) = app.member_of(unit_a, Role::GroupLeader).await;
    let (_, manager_client) = app.member_of(unit_a, Role::UnitManager).await;
    let (_, leader_b_client) = app.member_of(unit_b, Role::GroupLeader).await;
    let (_, admin_client) = app.member_of(unit_a, Role::Administrator).await;
    let child = server::demo::DEMO_CHILD_IDS[0];

    // A relative's complaint, recorded by the social worker a month ago:
    // theirs, due 14 days after it came, so overdue.
    let received = today() - Duration::days(30);
    let recorded = json!({
        "received_on": received,
        "source": "relative",
        "kind": "complaint",
        "text": "Mormor tycker att Alva får träffa henne för sällan.",
        "from_name": "Mormor",
        "unit_id": unit_a,
        "child_id": child,
    });
    let response = worker_client
        .post(app.url("/api/v1/complaints"))
        .json(&recorded)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::CREATED);
    let complaint: Complaint = response.json().await.expect("complaint");
    assert_eq!(complaint.responsible, Some(worker));
    assert_eq!(complaint.recorded_by, Some(worker));
    assert_eq!(complaint.due_on, received + Duration::days(14));
    assert_eq!(complaint.status, ComplaintStatus::New);
    assert!(!complaint.has_code);

    // Who sees it: the responsible worker, the unit's managers.
    for (client, status) in [
        (worker_client, StatusCode::OK),
        (&leader_client, StatusCode::OK),
        (&manager_client, StatusCode::OK),
        (&colleague_client, StatusCode::NOT_FOUND),
        (&leader_b_client, StatusCode::NOT_FOUND),
    ] {
        assert_eq!(get_one(&app, client, complaint.id).await.status(), status);
    }
    assert!(list(&app, &colleague_client, "all")
        .await
        .complaints
        .is_empty());
    assert!(list(&app, &leader_b_client, "all")
        .await
        .complaints
        .is_empty());
    let overdue = list(&app, &manager_client, "overdue").await;
    assert_eq!(overdue.complaints.len(), 1);
    assert_eq!(overdue.counts, ComplaintCounts { new: 1, overdue: 1 });
    let summary: ComplaintCounts = leader_client
        .get(app.url("/api/v1/complaints/summary"))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("counts");
    assert_eq!(summary, ComplaintCounts { new: 1, overdue: 1 });
    assert_error(
        admin_client
            .get(app.url("/api/v1/complaints"))
            .send()
            .await
            .expect("request"),
        403,
        ErrorCode::Forbidden,
    )
    .await;
    assert_error(
        reqwest::Client::new()
            .get(app.url("/api/v1/complaints"))
            .send()
            .await
            .expect("request"),
        401,
        ErrorCode::Unauthenticated,
    )
    .await;

    // A worker records only in their own units, and links only their children.
    let mut elsewhere = recorded.clone();
    elsewhere["unit_id"] = json!(unit_b);
    let not_mine = ChildId::new_random();
    let mut other_child = recorded.clone();
    other_child["child_id"] = json!(not_mine);
    let mut for_colleague = recorded.clone();
    for_colleague["responsible"] = json!(colleague);
    for body in [&elsewhere, &other_child, &for_colleague] {
        let response = worker_client
            .post(app.url("/api/v1/complaints"))
            .json(body)
            .send()
            .await
            .expect("request");
        assert_error(response, 403, ErrorCode::Forbidden).await;
    }
    let mut future = recorded.clone();
    future["received_on"] = json!(today() + Duration::days(1));
    let response = worker_client
        .post(app.url("/api/v1/complaints"))
        .json(&future)
        .send()
        .await
        .expect("request");
    assert_error(response, 422, ErrorCode::ValidationFailed).await;

    // The worker cannot hand it on; the leader can, to a member of the unit.
    let response = put(
        &app,
        worker_client,
        complaint.id,
        &update_of(&complaint, json!({ "responsible": colleague })),
    )
    .await;
    assert_error(response, 403, ErrorCode::Forbidden).await;
    let (outsider, _) = app.member_of(unit_b, Role::SocialWorker).await;
    let response = put(
        &app,
        &leader_client,
        complaint.id,
        &update_of(&complaint, json!({ "responsible": outsider })),
    )
    .await;
    assert_error(response, 422, ErrorCode::ValidationFailed).await;
    let response = put(
        &app,
        &leader_client,
        complaint.id,
        &update_of(
            &complaint,
            json!({ "responsible": colleague, "status": "investigating" }),
        ),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let handed: Complaint = response.json().await.expect("complaint");
    assert_eq!(handed.updated_by, Some(leader));
    assert_eq!(
        get_one(&app, worker_client, complaint.id).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get_one(&app, &colleague_client, complaint.id)
            .await
            .status(),
        StatusCode::OK
    );

    // A stale update: made on the revision before the leader's change.
    let response = put(
        &app,
        &manager_client,
        complaint.id,
        &update_of(
            &complaint,
            json!({ "status": "closed", "answer": "Avslutat." }),
        ),
    )
    .await;
    assert_error(response, 409, ErrorCode::StaleUpdate).await;
    let now: Complaint = get_one(&app, &leader_client, complaint.id)
        .await
        .json()
        .await
        .expect("complaint");
    assert_eq!(now, handed, "the stale update changed nothing");

    // Bad updates: unknown fields, answered without an answer, malformed.
    for body in [
        update_of(&handed, json!({ "note": "x" })),
        update_of(&handed, json!({ "status": "answered", "answer": "  " })),
        update_of(&handed, json!({ "due_on": received - Duration::days(1) })),
        update_of(&handed, json!({ "answer": "a".repeat(4_001) })),
    ] {
        let response = put(&app, &colleague_client, complaint.id, &body).await;
        assert_error(response, 422, ErrorCode::ValidationFailed).await;
    }
    let response = colleague_client
        .put(app.url(&format!("/api/v1/complaints/{}", complaint.id)))
        .header("content-type", "application/json")
        .body("{\"revision\": 2,")
        .send()
        .await
        .expect("request");
    assert_error(response, 400, ErrorCode::MalformedJson).await;
    let response = put(
        &app,
        &colleague_client,
        uuid::Uuid::new_v4(),
        &update_of(&handed, json!({})),
    )
    .await;
    assert_error(response, 404, ErrorCode::NotFound).await;
    let after: Complaint = get_one(&app, &leader_client, complaint.id)
        .await
        .json()
        .await
        .expect("complaint");
    assert_eq!(after, handed, "nothing written by the refused requests");

    // The responsible colleague answers.
    let response = put(
        &app,
        &colleague_client,
        complaint.id,
        &update_of(
            &handed,
            json!({ "status": "answered", "answer": "Vi har pratat med mormor." }),
        ),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let answered: Complaint = response.json().await.expect("complaint");
    assert_eq!(answered.answered_on, Some(today()));
    assert_eq!(answered.revision, 3);
    let counts = list(&app, &leader_client, "all").await.counts;
    assert_eq!(counts, ComplaintCounts { new: 0, overdue: 0 });
    app.stop().await;
}

/// The log's entries about no child (complaints linked to none).
async fn unlinked_entries(app: &TestApp) -> Vec<AuditEntry> {
    app.db
        .audit_entries(&AuditFilter {
            children: vec![ChildId::from_uuid(uuid::Uuid::nil())],
            limit: 1_000,
            ..AuditFilter::default()
        })
        .await
        .expect("entries")
}

async fn every_read_and_write_of_the_register_is_audit_logged(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let unit_a = app.new_unit("Enhet A").await;
    app.db
        .add_user_unit(app.user.id, unit_a)
        .await
        .expect("member");
    let (leader, leader_client) = app.member_of(unit_a, Role::GroupLeader).await;
    let child = server::demo::DEMO_CHILD_IDS[0];

    // Linked to a child: the entries are about the child.
    let response = app
        .client
        .post(app.url("/api/v1/complaints"))
        .json(&json!({
            "received_on": today(),
            "source": "ivo",
            "kind": "complaint",
            "text": "IVO har fått ett klagomål om handläggningen.",
            "unit_id": unit_a,
            "child_id": child,
        }))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::CREATED);
    let linked: Complaint = response.json().await.expect("complaint");
    let response = get_one(&app, &leader_client, linked.id).await;
    assert_eq!(response.status(), StatusCode::OK);
    let entries = app
        .db
        .audit_entries(&AuditFilter {
            children: vec![child],
            limit: 1_000,
            ..AuditFilter::default()
        })
        .await
        .expect("entries");
    let about = |e: &&AuditEntry| e.detail.ends_with(&linked.id.to_string());
    let mine: Vec<_> = entries.iter().filter(about).collect();
    assert_eq!(mine.len(), 2, "{mine:?}");
    assert_eq!(mine[0].action, AuditAction::Write);
    assert_eq!(mine[0].user_id, app.user.id);
    assert_eq!(mine[0].detail, format!("complaint_record:{}", linked.id));
    assert_eq!(mine[1].action, AuditAction::Read);
    assert_eq!(mine[1].user_id, leader);
    assert_eq!(mine[1].detail, format!("complaint_read:{}", linked.id));

    // A child's message, linked to no child: about the nil child. The
    // public post itself is no staff read or write and is not logged.
    let response = leave(&app, "127.0.0.1", &message("Jag vill flytta.")).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert!(unlinked_entries(&app).await.is_empty());
    let listed = list(&app, &leader_client, "new").await;
    let public = listed
        .complaints
        .iter()
        .find(|c| c.has_code)
        .expect("the child's message")
        .clone();
    let response = put(
        &app,
        &leader_client,
        public.id,
        &update_of(
            &public,
            json!({ "status": "investigating", "unit_id": unit_a, "responsible": leader }),
        ),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let entries = unlinked_entries(&app).await;
    let details: Vec<(AuditAction, String)> = entries
        .iter()
        .map(|e| (e.action, e.detail.clone()))
        .collect();
    assert_eq!(
        details,
        vec![
            (AuditAction::Read, format!("complaint_list:{}", public.id)),
            (
                AuditAction::Write,
                format!("complaint_update:{}", public.id)
            ),
        ]
    );
    // No content in the log: ids and verbs only.
    assert!(entries.iter().all(|e| !e.detail.contains("flytta")));
    // The chain still holds.
    let report = app.db.verify_audit_chain(None).await.expect("verify");
    assert_eq!(report.first_broken, None);
    app.stop().await;
}

fn tablet_message(code: &ReceiptCode, text: &str) -> shared::complaints::TabletMessage {
    shared::complaints::TabletMessage {
        id: uuid::Uuid::new_v4(),
        kind: shared::complaints::MessageKind::Complaint,
        text: text.into(),
        name: Some("Noah".into()),
        reach: None,
        code_hash: code.hash(),
        recorded_at: Utc::now(),
    }
}

async fn a_message_left_on_a_tablet_arrives_once_and_the_child_reads_the_answer(backend: Backend) {
    use shared::protocol::Operation;
    let app = TestApp::spawn(&backend).await;
    let before = app.table_counts().await;
    let code = ReceiptCode::new_random();
    let left = mutation(Operation::LeaveMessage(tablet_message(
        &code,
        "Jag får inte ringa min mamma.",
    )));
    let device = shared::DeviceId::new_random();
    let first = app.push_from(device, vec![left.clone()]).await;
    let seq = applied(&first[0]);
    // The response was lost: the tablet sends it again, and again.
    for _ in 0..2 {
        let again = app.push_from(device, vec![left.clone()]).await;
        assert_eq!(applied(&again[0]), seq, "the first answer again");
    }
    assert_eq!(complaint_rows(&app, &[]).await, 1, "stored exactly once");
    let after = app.table_counts().await;
    assert_eq!(after.changes, before.changes, "not in any device's feed");
    assert_eq!(after.applied_mutations, before.applied_mutations + 1);

    // The child reads the status with the code shown on the tablet.
    let status: MessageStatus = look_up(&app, "127.0.0.1", &code.to_string())
        .await
        .json()
        .await
        .expect("status");
    assert_eq!(status.status, ComplaintStatus::New);

    // In the register: from a child, on a tablet, in no unit, no child.
    let unit = app.new_unit("Enheten").await;
    let (leader, leader_client) = app.member_of(unit, Role::GroupLeader).await;
    let listed = list(&app, &leader_client, "new").await.complaints;
    assert_eq!(listed.len(), 1);
    let stored = &listed[0];
    assert_eq!(stored.channel, shared::complaints::Channel::Tablet);
    assert_eq!(stored.source, shared::complaints::ComplaintSource::Child);
    assert_eq!((stored.unit_id, stored.child_id), (None, None));
    assert_eq!(stored.recorded_by, Some(app.user.id));
    assert_eq!(stored.from_name.as_deref(), Some("Noah"));
    // The social worker whose tablet it was does not see it.
    assert!(list(&app, &app.client, "all").await.complaints.is_empty());

    let response = put(
        &app,
        &leader_client,
        stored.id,
        &update_of(
            stored,
            json!({ "status": "answered", "unit_id": unit, "responsible": leader,
                    "answer": "Du får ringa henne varje söndag." }),
        ),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let status: MessageStatus = look_up(&app, "127.0.0.1", &code.normalised())
        .await
        .json()
        .await
        .expect("status");
    assert_eq!(
        status.answer.as_deref(),
        Some("Du får ringa henne varje söndag.")
    );

    // Written once in the log, about no child.
    let writes: Vec<_> = unlinked_entries(&app)
        .await
        .into_iter()
        .filter(|e| e.detail == "leave_message")
        .collect();
    assert_eq!(writes.len(), 1);
    assert_eq!(writes[0].user_id, app.user.id);

    // Refused: the same code again, a broken hash, a text too long.
    let same_code = mutation(Operation::LeaveMessage(tablet_message(&code, "Igen")));
    let mut broken = tablet_message(&ReceiptCode::new_random(), "Hej");
    broken.code_hash = code.to_string();
    let long = tablet_message(&ReceiptCode::new_random(), &"a".repeat(2_001));
    assert_eq!(
        rejected(&app.push_one(same_code).await),
        ErrorCode::IdConflict
    );
    for message in [broken, long] {
        assert_eq!(
            rejected(
                &app.push_one(mutation(Operation::LeaveMessage(message)))
                    .await
            ),
            ErrorCode::ValidationFailed
        );
    }
    assert_eq!(complaint_rows(&app, &[unit]).await, 1);

    // An administrator's device may not send one.
    let (_, admin_client) = app.member_of(unit, Role::Administrator).await;
    let body = crate::helpers::push_json(vec![mutation(Operation::LeaveMessage(tablet_message(
        &ReceiptCode::new_random(),
        "Hej",
    )))]);
    let response = admin_client
        .post(app.url("/api/v1/sync/push"))
        .json(&body)
        .send()
        .await
        .expect("request");
    assert_error(response, 403, ErrorCode::Forbidden).await;
    assert_eq!(complaint_rows(&app, &[unit]).await, 1);
    app.stop().await;
}
