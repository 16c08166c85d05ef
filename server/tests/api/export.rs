//! Signed visits to the record (akten) over HTTP: the JSON record, the PDF
//! (its text read back with `pdftotext`), filing once, the bulk list of
//! unfiled visits, the audit log, and who may do what.

use crate::backend_tests;
use crate::helpers::{
    amendment, applied, assert_error, create_visit, mutation, review, visit, Backend, TestApp,
};
use chrono::{Duration, NaiveDate, Utc};
use reqwest::{Client, Response, StatusCode};
use serde_json::{json, Value};
use server::demo::{DEMO_CHILD_IDS, DEMO_UNITS};
use shared::audit::AuditAction;
use shared::auth::Role;
use shared::conversation::{ThreeHouses, ToolResult};
use shared::export::{FiledMark, VisitRecord};
use shared::protocol::{Operation, Record};
use shared::{AmendmentText, ChildId, ErrorCode, UserId, Visit, VisitId, VisitNote};

backend_tests!(
    a_signed_visit_goes_to_the_record_once,
    a_group_leader_exports_and_files_a_units_visits_in_bulk,
    others_visits_unknown_visits_and_bad_queries_are_refused,
    the_case_management_system_fetches_and_files_its_units_visits,
);

/// What the child said, with the letters a record must keep.
const CHILD_WORDS: &str = "Jag vill bo kvar här hos Åsa och Östen, men jag saknar mormor.";
const AMENDMENT: &str = "Rättelse: även läraren Björn Ångström var med på mötet.";

fn note(text: &str) -> VisitNote {
    VisitNote::parse(text).expect("note")
}

fn yesterday() -> NaiveDate {
    shared::sweden::date_at(Utc::now()) - Duration::days(1)
}

/// A visit of `child` signed by the test user, with the child's words and
/// a conversation tool, pushed; and an amendment to it.
async fn signed_visit(app: &TestApp, child: ChildId) -> Visit {
    let sent = Visit {
        visit_date: yesterday(),
        child_view: note(CHILD_WORDS),
        child_asked: note("Hur det är i skolan."),
        tools: vec![ToolResult::ThreeHouses(ThreeHouses {
            worries: note("Att flytta igen"),
            good_things: note("Hunden Sigge"),
            dreams: note("Bli veterinär"),
            drawings: Vec::new(),
        })],
        signed_by: Some(app.user.id),
        ..visit(child)
    };
    applied(&app.push_one(create_visit(sent.clone())).await);
    let mut correction = amendment(&sent);
    correction.text = AmendmentText::parse(AMENDMENT).expect("text");
    applied(
        &app.push_one(mutation(Operation::AmendVisit(correction)))
            .await,
    );
    sent
}

async fn get(app: &TestApp, client: &Client, path: &str) -> Response {
    client.get(app.url(path)).send().await.expect("request")
}

async fn post(app: &TestApp, client: &Client, path: &str, body: Option<Value>) -> Response {
    let request = client.post(app.url(path));
    match body {
        Some(body) => request.json(&body),
        None => request,
    }
    .send()
    .await
    .expect("request")
}

async fn record_json(app: &TestApp, client: &Client, visit: VisitId) -> VisitRecord {
    let response = get(app, client, &format!("/api/v1/visits/{visit}/record.json")).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.expect("record")
}

/// POSTs as `post` does, expecting 403 Forbidden.
async fn post_forbidden(app: &TestApp, client: &Client, path: &str, body: Option<Value>) {
    assert_error(
        post(app, client, path, body).await,
        403,
        ErrorCode::Forbidden,
    )
    .await;
}

/// A visit's record as JSON, checked against the published schema.
async fn record_document(app: &TestApp, client: &Client, visit: VisitId) -> Value {
    let response = get(app, client, &format!("/api/v1/visits/{visit}/record.json")).await;
    assert_eq!(response.status(), StatusCode::OK);
    let document: Value = response.json().await.expect("json");
    check_schema(app, &document, "valid");
    document
}

/// The text of a visit's record as PDF.
async fn record_pdf(app: &TestApp, client: &Client, visit: VisitId) -> String {
    let response = get(app, client, &format!("/api/v1/visits/{visit}/record.pdf")).await;
    pdf_text(app, response).await
}

/// The text of the PDF of the unfiled visits `body` asks for.
async fn unfiled_pdf(app: &TestApp, client: &Client, body: Value) -> String {
    let response = post(
        app,
        client,
        "/api/v1/exports/unfiled?format=pdf",
        Some(body),
    )
    .await;
    pdf_text(app, response).await
}

/// The text of a PDF response, as `pdftotext` (poppler-utils, installed by
/// scripts/setup.sh) extracts it.
async fn pdf_text(app: &TestApp, response: Response) -> String {
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()[reqwest::header::CONTENT_TYPE],
        "application/pdf"
    );
    let bytes = response.bytes().await.expect("body");
    assert!(bytes.starts_with(b"%PDF-"));
    let path = app
        .files()
        .join(format!("{}.pdf", uuid::Uuid::new_v4().simple()));
    std::fs::write(&path, &bytes).expect("write pdf");
    let out = std::process::Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed by scripts/setup.sh");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

/// Checks `document` against the published schema with
/// tests/schema/validate.mjs (ajv, installed by scripts/setup.sh), expecting
/// `expect` ("valid" or "invalid").
fn check_schema(app: &TestApp, document: &Value, expect: &str) {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let path = app
        .files()
        .join(format!("{}.json", uuid::Uuid::new_v4().simple()));
    std::fs::write(&path, serde_json::to_vec(document).expect("json")).expect("write");
    let out = std::process::Command::new("node")
        .arg(root.join("tests/schema/validate.mjs"))
        .arg(root.join("docs/schema/visit-record.schema.json"))
        .arg(&path)
        .args(["--expect", expect])
        .output()
        .expect("node runs tests/schema/validate.mjs (scripts/setup.sh installs ajv)");
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

async fn unfiled(app: &TestApp, client: &Client, body: Value) -> Vec<VisitRecord> {
    let response = post(app, client, "/api/v1/exports/unfiled", Some(body)).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.expect("records")
}

fn period_for_worker(worker: UserId) -> Value {
    json!({ "from": yesterday() - Duration::days(30), "to": yesterday(), "worker": worker })
}

/// A unit manager of the first demo unit (they review the log).
async fn manager(app: &TestApp) -> Client {
    let (user, client) = app.client_for(Role::UnitManager, &[]).await;
    app.db
        .add_user_unit(user.id, DEMO_UNITS[0].0)
        .await
        .expect("unit");
    client
}

async fn a_signed_visit_goes_to_the_record_once(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let child = DEMO_CHILD_IDS[0];
    let sent = signed_visit(&app, child).await;

    // The JSON: the visit, its amendment, the child's words, the tools; as
    // the schema describes it.
    let document = record_document(&app, &app.client, sent.id).await;
    // The check can fail: a visit without its signer is no record.
    let mut unsigned = document.clone();
    unsigned["visit"]["signed_by"] = Value::Null;
    check_schema(&app, &unsigned, "invalid");
    let record: VisitRecord = serde_json::from_value(document).expect("record");
    assert_eq!(record.format, shared::export::VISIT_RECORD_FORMAT);
    assert_eq!(record.child.id, child);
    assert_eq!(record.child.unit_id, Some(DEMO_UNITS[0].0));
    assert_eq!(record.visit.id, sent.id);
    assert_eq!(record.visit.child_view.as_str(), CHILD_WORDS);
    assert_eq!(record.visit.signed_by, Some(app.user.id));
    assert_eq!(record.amendments.len(), 1);
    assert_eq!(record.amendments[0].text.as_str(), AMENDMENT);
    assert_eq!(record.tools.len(), 1);
    assert_eq!(record.tools[0].label, "Tre hus");
    assert!(
        record.tools[0].text.contains("Bli veterinär"),
        "{}",
        record.tools[0].text
    );
    let placement = record.placement.as_ref().expect("the placement in force");
    assert!(placement.is_current_on(sent.visit_date));
    assert_eq!(record.filed, None);

    // The PDF: the child's words and the amendment, å ä ö intact.
    let text = record_pdf(&app, &app.client, sent.id).await;
    assert!(text.contains("Barnets egna ord"), "{text}");
    assert!(text.contains(CHILD_WORDS), "{text}");
    assert!(text.contains(AMENDMENT), "{text}");
    assert!(text.contains("Bli veterinär"), "{text}");
    assert!(text.contains("Sida 1 av "), "{text}");

    // In the worker's unfiled list, as JSON and as one PDF.
    let listed = unfiled(&app, &app.client, period_for_worker(app.user.id)).await;
    assert_eq!(listed, vec![record.clone()]);
    let bulk = unfiled_pdf(&app, &app.client, period_for_worker(app.user.id)).await;
    assert!(bulk.contains(CHILD_WORDS), "{bulk}");

    // Filed once: a second filing answers the first mark.
    let path = format!("/api/v1/visits/{}/filed", sent.id);
    let first = post(&app, &app.client, &path, None).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: FiledMark = first.json().await.expect("mark");
    assert_eq!(
        (first.visit_id, first.child_id, first.by),
        (sent.id, child, app.user.id)
    );
    assert!(!first.by_name.is_empty());
    let again = post(&app, &app.client, &path, None).await;
    assert_eq!(again.status(), StatusCode::OK);
    assert_eq!(again.json::<FiledMark>().await.expect("mark"), first);
    assert!(unfiled(&app, &app.client, period_for_worker(app.user.id))
        .await
        .is_empty());
    let nothing = unfiled_pdf(&app, &app.client, period_for_worker(app.user.id)).await;
    assert!(
        nothing.contains("Inga signerade besök att föra till akt i perioden."),
        "{nothing}"
    );
    let filed_record = record_document(&app, &app.client, sent.id).await;
    assert_eq!(
        serde_json::from_value::<VisitRecord>(filed_record)
            .expect("record")
            .filed,
        Some(first.clone())
    );
    let filed_pdf = record_pdf(&app, &app.client, sent.id).await;
    assert!(filed_pdf.contains("Förd till akt"), "{filed_pdf}");

    // The devices hear of it once.
    let marks: Vec<FiledMark> = app
        .pull_all()
        .await
        .into_iter()
        .filter_map(|c| match c.record {
            Record::VisitFiled(mark) => Some(mark),
            _ => None,
        })
        .collect();
    assert_eq!(marks, vec![first]);

    // Every export and the filing are in the log, about the child.
    let entries = review(&app, &manager(&app).await, &format!("child={child}")).await;
    let count = |action, detail: String| {
        entries
            .iter()
            .filter(|e| e.user_id == app.user.id && e.action == action && e.detail == detail)
            .count()
    };
    assert_eq!(
        count(AuditAction::Read, format!("record_export_json:{}", sent.id)),
        3
    );
    assert_eq!(
        count(AuditAction::Read, format!("record_export_pdf:{}", sent.id)),
        3
    );
    assert_eq!(
        count(AuditAction::Write, format!("visit_filed:{}", sent.id)),
        1
    );
    app.stop().await;
}

async fn a_group_leader_exports_and_files_a_units_visits_in_bulk(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    // Children 1–4 are in the first unit, child 5 in the second.
    let in_unit = signed_visit(&app, DEMO_CHILD_IDS[1]).await;
    let elsewhere = signed_visit(&app, DEMO_CHILD_IDS[4]).await;
    let (leader, client) = app.client_for(Role::GroupLeader, &[]).await;
    app.db
        .add_user_unit(leader.id, DEMO_UNITS[0].0)
        .await
        .expect("unit");
    let period = |unit: shared::UnitId| json!({ "from": yesterday() - Duration::days(7), "to": yesterday(), "unit": unit });
    let listed = unfiled(&app, &client, period(DEMO_UNITS[0].0)).await;
    assert_eq!(
        listed.iter().map(|r| r.visit.id).collect::<Vec<_>>(),
        vec![in_unit.id]
    );
    // For a colleague: only what the leader's units hold.
    let theirs = unfiled(&app, &client, period_for_worker(app.user.id)).await;
    assert_eq!(
        theirs.iter().map(|r| r.visit.id).collect::<Vec<_>>(),
        vec![in_unit.id]
    );
    post_forbidden(
        &app,
        &client,
        "/api/v1/exports/unfiled",
        Some(period(DEMO_UNITS[1].0)),
    )
    .await;
    // Filing is all or none: a visit outside the unit refuses the batch.
    post_forbidden(
        &app,
        &client,
        "/api/v1/exports/filed",
        Some(json!({ "visits": [in_unit.id, elsewhere.id] })),
    )
    .await;
    assert_eq!(
        unfiled(&app, &client, period(DEMO_UNITS[0].0)).await.len(),
        1
    );
    let response = post(
        &app,
        &client,
        "/api/v1/exports/filed",
        Some(json!({ "visits": [in_unit.id, in_unit.id] })),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let marks: Vec<FiledMark> = response.json().await.expect("marks");
    assert_eq!(marks.len(), 1);
    assert_eq!((marks[0].visit_id, marks[0].by), (in_unit.id, leader.id));
    assert!(unfiled(&app, &client, period(DEMO_UNITS[0].0))
        .await
        .is_empty());
    // The worker filing it afterwards gets the leader's mark.
    let again = post(
        &app,
        &app.client,
        &format!("/api/v1/visits/{}/filed", in_unit.id),
        None,
    )
    .await;
    assert_eq!(again.status(), StatusCode::OK);
    assert_eq!(again.json::<FiledMark>().await.expect("mark"), marks[0]);
    // A unit manager reads (and so exports one visit) but neither files nor
    // exports in bulk.
    let manager = manager(&app).await;
    record_json(&app, &manager, in_unit.id).await;
    post_forbidden(
        &app,
        &manager,
        &format!("/api/v1/visits/{}/filed", in_unit.id),
        None,
    )
    .await;
    post_forbidden(
        &app,
        &manager,
        "/api/v1/exports/unfiled",
        Some(period(DEMO_UNITS[0].0)),
    )
    .await;
    app.stop().await;
}

async fn others_visits_unknown_visits_and_bad_queries_are_refused(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let sent = signed_visit(&app, DEMO_CHILD_IDS[0]).await;
    let (_, other) = app
        .client_for(Role::SocialWorker, &[DEMO_CHILD_IDS[1]])
        .await;
    for path in ["record.json", "record.pdf"] {
        assert_error(
            get(&app, &other, &format!("/api/v1/visits/{}/{path}", sent.id)).await,
            403,
            ErrorCode::Forbidden,
        )
        .await;
    }
    let filed = format!("/api/v1/visits/{}/filed", sent.id);
    assert_error(
        post(&app, &other, &filed, None).await,
        403,
        ErrorCode::Forbidden,
    )
    .await;
    post_forbidden(
        &app,
        &other,
        "/api/v1/exports/unfiled",
        Some(period_for_worker(app.user.id)),
    )
    .await;

    let unknown = VisitId::new_random();
    for path in [
        format!("/api/v1/visits/{unknown}/record.json"),
        format!("/api/v1/visits/{unknown}/record.pdf"),
        "/api/v1/visits/not-a-visit/record.json".to_owned(),
    ] {
        assert_error(
            get(&app, &app.client, &path).await,
            404,
            ErrorCode::NotFound,
        )
        .await;
    }
    assert_error(
        post(
            &app,
            &app.client,
            &format!("/api/v1/visits/{unknown}/filed"),
            None,
        )
        .await,
        404,
        ErrorCode::NotFound,
    )
    .await;
    assert_error(
        post(
            &app,
            &app.client,
            "/api/v1/exports/filed",
            Some(json!({ "visits": [sent.id, unknown] })),
        )
        .await,
        404,
        ErrorCode::NotFound,
    )
    .await;

    let worker = app.user.id;
    let day = yesterday();
    for (query, body, status, code) in [
        (
            "?format=docx",
            period_for_worker(worker),
            400,
            ErrorCode::InvalidQuery,
        ),
        (
            "?limit=3",
            period_for_worker(worker),
            400,
            ErrorCode::InvalidQuery,
        ),
        (
            "",
            json!({ "from": day, "to": day - Duration::days(1), "worker": worker }),
            422,
            ErrorCode::ValidationFailed,
        ),
        (
            "",
            json!({ "from": day - Duration::days(400), "to": day, "worker": worker }),
            422,
            ErrorCode::ValidationFailed,
        ),
        (
            "",
            json!({ "from": day, "to": day }),
            422,
            ErrorCode::ValidationFailed,
        ),
        (
            "",
            json!({ "from": day, "to": day, "worker": worker, "unit": DEMO_UNITS[0].0 }),
            422,
            ErrorCode::ValidationFailed,
        ),
        (
            "",
            json!({ "from": day, "to": day, "worker": worker, "child": sent.child_id }),
            422,
            ErrorCode::ValidationFailed,
        ),
        (
            "",
            json!({ "from": "yesterday", "to": day, "worker": worker }),
            422,
            ErrorCode::ValidationFailed,
        ),
        ("", json!([day]), 400, ErrorCode::MalformedJson),
    ] {
        let path = format!("/api/v1/exports/unfiled{query}");
        assert_error(
            post(&app, &app.client, &path, Some(body)).await,
            status,
            code,
        )
        .await;
    }
    assert_error(
        post(
            &app,
            &app.client,
            "/api/v1/exports/filed",
            Some(json!({ "visits": [] })),
        )
        .await,
        422,
        ErrorCode::ValidationFailed,
    )
    .await;
    let not_json = app
        .client
        .post(app.url("/api/v1/exports/unfiled"))
        .body("from=2026-01-01")
        .send()
        .await
        .expect("request");
    assert_error(not_json, 415, ErrorCode::UnsupportedMediaType).await;

    // Nothing of that filed anything.
    assert_eq!(
        unfiled(&app, &app.client, period_for_worker(worker))
            .await
            .len(),
        1
    );
    assert!(record_json(&app, &app.client, sent.id)
        .await
        .filed
        .is_none());
    app.stop().await;
}

async fn the_case_management_system_fetches_and_files_its_units_visits(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let in_unit = signed_visit(&app, DEMO_CHILD_IDS[2]).await;
    let elsewhere = signed_visit(&app, DEMO_CHILD_IDS[4]).await;
    let token = server::auth::new_integration_token().expect("token");
    let account = server::db::accounts::UserRow {
        id: UserId::new_random(),
        username: "verksamhetssystem".into(),
        display_name: "Verksamhetssystemet".into(),
        role: Role::Integration,
        password_hash: None,
        active: true,
    };
    assert!(app
        .db
        .insert_integration(
            &account,
            &[DEMO_UNITS[0].0],
            &server::auth::token_hash(&token)
        )
        .await
        .expect("integration"));
    let system = crate::common::client_with_token(&token, reqwest::Client::builder());
    let period = |unit: shared::UnitId| json!({ "from": yesterday() - Duration::days(7), "to": yesterday(), "unit": unit });
    let listed = unfiled(&app, &system, period(DEMO_UNITS[0].0)).await;
    assert_eq!(
        listed.iter().map(|r| r.visit.id).collect::<Vec<_>>(),
        vec![in_unit.id]
    );
    let text = record_pdf(&app, &system, in_unit.id).await;
    assert!(text.contains(CHILD_WORDS), "{text}");
    for response in [
        get(
            &app,
            &system,
            &format!("/api/v1/visits/{}/record.json", elsewhere.id),
        )
        .await,
        post(
            &app,
            &system,
            "/api/v1/exports/unfiled",
            Some(period(DEMO_UNITS[1].0)),
        )
        .await,
    ] {
        assert_error(response, 403, ErrorCode::Forbidden).await;
    }
    let response = post(
        &app,
        &system,
        "/api/v1/exports/filed",
        Some(json!({ "visits": [in_unit.id] })),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let marks: Vec<FiledMark> = response.json().await.expect("marks");
    assert_eq!((marks[0].visit_id, marks[0].by), (in_unit.id, account.id));
    assert_eq!(marks[0].by_name, "Verksamhetssystemet");
    assert!(unfiled(&app, &system, period(DEMO_UNITS[0].0))
        .await
        .is_empty());
    app.stop().await;
}
