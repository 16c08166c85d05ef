//! Deviations, Lex Sarah and personal-data incidents over HTTP (issue 19,
//! docs/deviations.md): a report made offline arrives once through sync;
//! the six-week clock; the investigation locked and corrected; feedback,
//! by e-mail through a real SMTP conversation for an external reporter;
//! escalation to Lex Sarah; the lost tablet revoked with its 72-hour
//! incident; who sees what; aggregates against a hand-counted fixture;
//! bad requests refused with nothing written.

use crate::backend_tests;
use crate::helpers::{applied, assert_error, mutation, rejected, Backend, Options, TestApp};
use crate::mail::{body_of, FakeRelay, Relay};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use reqwest::StatusCode;
use serde_json::{json, Value};
use server::db::audit::AuditFilter;
use server::demo::{DEMO_CHILD_IDS, DEMO_UNITS};
use server::mail::{SmtpConfig, SmtpSecurity};
use shared::audit::AuditAction;
use shared::auth::Role;
use shared::deviations::{
    Aggregates, Category, Deviation, DeviationList, DeviationReport, Incident, IncidentKind,
    LostDeviceOpened, MailStatus, Risk, Route, Todo,
};
use shared::protocol::Operation;
use shared::{ChildId, ErrorCode, HomeId, UnitId, UserId};
use uuid::Uuid;

backend_tests!(
    a_report_made_offline_arrives_once_and_is_investigated_locked_and_fed_back,
    the_six_week_clock_counts_from_the_report,
    lex_sarah_by_the_risk_matrix_and_by_escalation,
    a_lost_tablet_is_revoked_and_the_incident_has_72_hours,
    who_sees_what,
    aggregates_match_a_hand_counted_fixture,
    bad_requests_get_clear_errors_and_write_nothing,
    feedback_to_an_external_reporter_is_queued_and_sent_by_smtp,
    with_a_relay_configured_the_feedback_is_sent_at_once,
);

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("date")
}

fn today() -> NaiveDate {
    shared::sweden::date_at(Utc::now())
}

/// Noon in Sweden `days` days before today: an instant whose Swedish date
/// is exactly that day, whatever the hour the test runs at (`now - 50
/// days`, taken after 22:00 UTC in winter, falls on the next day in
/// summer time).
fn noon_days_ago(days: i64) -> DateTime<Utc> {
    shared::sweden::start_of(today() - Duration::days(days)).expect("a Swedish day")
        + Duration::hours(12)
}

/// The demo's first unit, with the test user (a social worker with every
/// demo child) in it, and its unit manager.
struct Setup {
    unit: UnitId,
    manager: UserId,
    manager_client: reqwest::Client,
}

async fn setup(app: &TestApp) -> Setup {
    let unit = DEMO_UNITS[0].0;
    app.db
        .add_user_unit(app.user.id, unit)
        .await
        .expect("member");
    let (manager, manager_client) = app.member_of(unit, Role::UnitManager).await;
    Setup {
        unit,
        manager,
        manager_client,
    }
}

fn report(s: &Setup, child: Option<ChildId>) -> DeviationReport {
    DeviationReport {
        id: Uuid::new_v4(),
        unit_id: s.unit,
        manager_id: s.manager,
        happened_on: today(),
        reported_at: Utc::now(),
        category: Category::Visits,
        route: Route::Deviation,
        risk: Some(Risk {
            likelihood: 2,
            consequence: 2,
        }),
        what_happened: "Besöket inom en vecka blev inte av.".into(),
        could_do_differently: Some("En påminnelse dagen efter placeringen.".into()),
        immediate_action: None,
        child_id: child,
        home_id: None,
        routine_id: None,
        complaint_id: None,
        collaboration: None,
        incident: None,
        reporter_name: None,
        reporter_email: None,
    }
}

async fn get_json<T: serde::de::DeserializeOwned>(
    app: &TestApp,
    client: &reqwest::Client,
    path: &str,
) -> T {
    app.get_json_as(client, path).await
}

async fn post(
    app: &TestApp,
    client: &reqwest::Client,
    path: &str,
    body: &Value,
) -> reqwest::Response {
    app.send_json_as(client, reqwest::Method::POST, path, body)
        .await
}

async fn put(
    app: &TestApp,
    client: &reqwest::Client,
    path: &str,
    body: &Value,
) -> reqwest::Response {
    app.send_json_as(client, reqwest::Method::PUT, path, body)
        .await
}

async fn reported(app: &TestApp, client: &reqwest::Client, report: &DeviationReport) -> Deviation {
    let response = post(app, client, "/api/v1/deviations", &json!(report)).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.expect("deviation")
}

/// Every stored deviation, by the database.
async fn rows(app: &TestApp) -> usize {
    app.db
        .deviation_facts(None, day(1900, 1, 1), day(2999, 12, 31))
        .await
        .expect("facts")
        .len()
}

fn answers(full: bool) -> Value {
    json!({
        "what_went_wrong": "Det första besöket blev inte av inom en vecka.",
        "why": "Placeringen kom på en fredag och ingen bokade besöket.",
        "what_was_done": "Besöket gjordes dag nio.",
        "prevention": if full { json!("Gruppledaren bokar första besöket vid placeringen.") } else { Value::Null },
    })
}

async fn a_report_made_offline_arrives_once_and_is_investigated_locked_and_fed_back(
    backend: Backend,
) {
    let app = TestApp::spawn(&backend).await;
    let s = setup(&app).await;
    let child = DEMO_CHILD_IDS[0];
    let r = report(&s, Some(child));
    let pushed = mutation(Operation::ReportDeviation(r.clone()));
    let device = shared::DeviceId::new_random();
    let seq = applied(&app.push_from(device, vec![pushed.clone()]).await[0]);
    // The answer was lost: sent again twice, applied once.
    for _ in 0..2 {
        assert_eq!(
            applied(&app.push_from(device, vec![pushed.clone()]).await[0]),
            seq
        );
    }
    assert_eq!(rows(&app).await, 1);

    // The manager's to-do list: six weeks left.
    let todo: Todo = get_json(&app, &s.manager_client, "/api/v1/deviations/todo").await;
    assert_eq!(todo.investigations.len(), 1);
    assert_eq!(todo.investigations[0].id, r.id);
    assert_eq!(todo.investigations[0].days_left, 42);
    assert!(!todo.investigations[0].overdue);
    let path = format!("/api/v1/deviations/{}", r.id);
    let d: Deviation = get_json(&app, &s.manager_client, &path).await;
    assert_eq!(d.reported_by, app.user.id);
    assert_eq!(d.due_on, today() + Duration::days(42));
    assert_eq!(d.report.what_happened, r.what_happened);

    // Not complete: no lock. A draft is saved; an old revision is stale.
    let inv = format!("{path}/investigation");
    let mut body = json!({ "revision": d.revision, "answers": answers(false), "lock": true });
    assert_error(
        put(&app, &s.manager_client, &inv, &body).await,
        422,
        ErrorCode::ValidationFailed,
    )
    .await;
    body["lock"] = json!(false);
    let response = put(&app, &s.manager_client, &inv, &body).await;
    assert_eq!(response.status(), StatusCode::OK);
    let draft: Deviation = response.json().await.expect("deviation");
    assert_eq!(draft.revision, d.revision + 1);
    assert!(!draft.is_locked());
    let stale = json!({ "revision": d.revision, "answers": answers(true), "lock": true });
    assert_error(
        put(&app, &s.manager_client, &inv, &stale).await,
        409,
        ErrorCode::StaleUpdate,
    )
    .await;
    // The reporter does not investigate.
    let mine = json!({ "revision": draft.revision, "answers": answers(true), "lock": true });
    assert_error(
        put(&app, &app.client, &inv, &mine).await,
        403,
        ErrorCode::Forbidden,
    )
    .await;
    // Feedback waits for the lock.
    let early = json!({ "revision": draft.revision, "text": "Tack." });
    assert_error(
        post(&app, &s.manager_client, &format!("{path}/feedback"), &early).await,
        422,
        ErrorCode::ValidationFailed,
    )
    .await;

    // Every answer: locked.
    let response = put(&app, &s.manager_client, &inv, &mine).await;
    assert_eq!(response.status(), StatusCode::OK);
    let locked: Deviation = response.json().await.expect("deviation");
    assert!(locked.is_locked());
    assert_eq!(locked.locked_by, Some(s.manager));
    assert!(locked.investigation.is_complete());
    // Never changed again, on any revision.
    let again = json!({ "revision": locked.revision, "answers": answers(true), "lock": false });
    assert_error(
        put(&app, &s.manager_client, &inv, &again).await,
        409,
        ErrorCode::Locked,
    )
    .await;
    // A correction is an attributed addition.
    let response = post(
        &app,
        &s.manager_client,
        &format!("{path}/corrections"),
        &json!({ "revision": locked.revision, "text": "Besöket gjordes dag tio, inte nio." }),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let corrected: Deviation = response.json().await.expect("deviation");
    assert_eq!(corrected.investigation, locked.investigation);
    assert_eq!(corrected.notes.len(), 1);
    assert_eq!(corrected.notes[0].by, s.manager);

    // Actions with an owner and a due date; a follow-up repeated.
    let response = post(
        &app,
        &s.manager_client,
        &format!("{path}/actions"),
        &json!({ "kind": "follow_up", "text": "Har rutinen följts?", "owner": s.manager,
                 "due_on": today() + Duration::days(30) }),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let with_action: Deviation = response.json().await.expect("deviation");
    let follow_up = with_action.actions[0].clone();
    let response = put(
        &app,
        &s.manager_client,
        &format!("{path}/actions/{}", follow_up.id),
        &json!({ "note": "Följd.", "next_due_on": today() + Duration::days(90) }),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let repeated: Deviation = response.json().await.expect("deviation");
    assert_eq!(repeated.actions.len(), 2);
    assert_eq!(repeated.actions[0].done_on, Some(today()));
    assert_eq!(repeated.actions[1].due_on, today() + Duration::days(90));
    assert_eq!(repeated.actions[1].done_on, None);

    // The feedback, once; the to-do list is then clear of it.
    let response = post(
        &app,
        &s.manager_client,
        &format!("{path}/feedback"),
        &json!({ "revision": repeated.revision, "text": "Tack! Nu bokas första besöket direkt." }),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let fed: Deviation = response.json().await.expect("deviation");
    assert_eq!(
        fed.feedback_mail, None,
        "an internal reporter reads it in the app"
    );
    assert_error(
        post(
            &app,
            &s.manager_client,
            &format!("{path}/feedback"),
            &json!({ "revision": fed.revision, "text": "Igen" }),
        )
        .await,
        409,
        ErrorCode::Locked,
    )
    .await;
    let todo: Todo = get_json(&app, &s.manager_client, "/api/v1/deviations/todo").await;
    assert!(todo.investigations.is_empty());
    assert_eq!(todo.actions.len(), 1, "the next follow-up");

    // The reporter reads the feedback, not the investigation.
    let seen: Deviation = get_json(&app, &app.client, &path).await;
    assert_eq!(
        seen.feedback.as_deref(),
        Some("Tack! Nu bokas första besöket direkt.")
    );
    assert!(seen.is_locked());
    assert_eq!(seen.investigation, Default::default());
    assert!(seen.actions.is_empty() && seen.notes.is_empty());

    // Every step is in the log, about the child, without text.
    let entries = app
        .db
        .audit_entries(&AuditFilter {
            children: vec![child],
            limit: 1_000,
            ..AuditFilter::default()
        })
        .await
        .expect("entries");
    let details: Vec<(AuditAction, String)> = entries
        .iter()
        .filter(|e| e.detail.contains("deviation") || e.detail == "report_deviation")
        .map(|e| (e.action, e.detail.clone()))
        .collect();
    let id = r.id;
    for expected in [
        (AuditAction::Write, "report_deviation".to_owned()),
        (AuditAction::Read, format!("deviation_read:{id}")),
        (AuditAction::Write, format!("deviation_investigate:{id}")),
        (AuditAction::Write, format!("deviation_correct:{id}")),
        (AuditAction::Write, format!("deviation_action:{id}")),
        (AuditAction::Write, format!("deviation_action_done:{id}")),
        (AuditAction::Write, format!("deviation_feedback:{id}")),
    ] {
        assert!(details.contains(&expected), "{expected:?} in {details:?}");
    }
    assert_eq!(
        details.iter().filter(|d| d.1 == "report_deviation").count(),
        1,
        "written once"
    );
    assert!(entries.iter().all(|e| !e.detail.contains("Besök")));
    app.stop().await;
}

async fn the_six_week_clock_counts_from_the_report(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let s = setup(&app).await;
    // Reported offline 50 days ago (the tablet's clock); synced today.
    let mut old = report(&s, None);
    old.reported_at = noon_days_ago(50);
    old.happened_on = today() - Duration::days(51);
    applied(
        &app.push_one(mutation(Operation::ReportDeviation(old.clone())))
            .await,
    );
    // Reported just now.
    let new = report(&s, None);
    applied(
        &app.push_one(mutation(Operation::ReportDeviation(new.clone())))
            .await,
    );
    // A tablet clock in the future counts as now.
    let mut ahead = report(&s, None);
    ahead.reported_at = Utc::now() + Duration::days(3);
    ahead.happened_on = today();
    applied(
        &app.push_one(mutation(Operation::ReportDeviation(ahead.clone())))
            .await,
    );

    let todo: Todo = get_json(&app, &s.manager_client, "/api/v1/deviations/todo").await;
    let left: Vec<(Uuid, i64, bool)> = todo
        .investigations
        .iter()
        .map(|i| (i.id, i.days_left, i.overdue))
        .collect();
    assert_eq!(left[0], (old.id, 42 - 50, true), "overdue first");
    assert!(left[1..].contains(&(new.id, 42, false)));
    assert!(left[1..].contains(&(ahead.id, 42, false)));
    assert_eq!(todo.overdue_investigations, 1);
    let d: Deviation = get_json(
        &app,
        &s.manager_client,
        &format!("/api/v1/deviations/{}", old.id),
    )
    .await;
    assert_eq!(d.reported_on, today() - Duration::days(50));
    assert_eq!(d.due_on, today() - Duration::days(8));

    // An overdue action shows beside it.
    let response = post(
        &app,
        &s.manager_client,
        &format!("/api/v1/deviations/{}/actions", old.id),
        &json!({ "kind": "action", "text": "Boka om", "owner": app.user.id,
                 "due_on": today() - Duration::days(2) }),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let todo: Todo = get_json(&app, &s.manager_client, "/api/v1/deviations/todo").await;
    assert_eq!((todo.actions.len(), todo.overdue_actions), (1, 1));
    assert_eq!(todo.actions[0].days_left, -2);
    // Its owner sees it on their own list, without the investigation.
    let todo: Todo = get_json(&app, &app.client, "/api/v1/deviations/todo").await;
    assert_eq!((todo.actions.len(), todo.investigations.len()), (1, 0));
    app.stop().await;
}

async fn lex_sarah_by_the_risk_matrix_and_by_escalation(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let s = setup(&app).await;
    // The matrix's red corner: reported as Lex Sarah at once.
    let mut serious = report(&s, Some(DEMO_CHILD_IDS[1]));
    serious.risk = Some(Risk {
        likelihood: 3,
        consequence: 4,
    });
    assert_eq!(
        serious.risk.map(Risk::suggested_route),
        Some(Route::LexSarah)
    );
    serious.route = Route::LexSarah;
    let stored = reported(&app, &app.client, &serious).await;
    assert_eq!(stored.report.route, Route::LexSarah);
    assert_eq!(stored.escalated_at, None);

    // A deviation escalated later, with the reason; only once, and not by
    // the reporter.
    let d = reported(&app, &app.client, &report(&s, None)).await;
    let path = format!("/api/v1/deviations/{}/escalation", d.id);
    let body =
        json!({ "revision": d.revision, "text": "Fler barn har drabbats: ett missförhållande." });
    assert_error(
        post(&app, &app.client, &path, &body).await,
        403,
        ErrorCode::Forbidden,
    )
    .await;
    let response = post(&app, &s.manager_client, &path, &body).await;
    assert_eq!(response.status(), StatusCode::OK);
    let escalated: Deviation = response.json().await.expect("deviation");
    assert_eq!(escalated.report.route, Route::LexSarah);
    assert_eq!(escalated.escalated_by, Some(s.manager));
    assert_eq!(escalated.notes.len(), 1);
    let again = json!({ "revision": escalated.revision, "text": "Igen" });
    assert_error(
        post(&app, &s.manager_client, &path, &again).await,
        422,
        ErrorCode::ValidationFailed,
    )
    .await;
    // The same clock and investigation as a deviation.
    let todo: Todo = get_json(&app, &s.manager_client, "/api/v1/deviations/todo").await;
    assert!(todo
        .investigations
        .iter()
        .any(|i| i.id == d.id && i.route == Route::LexSarah && i.days_left == 42));
    app.stop().await;
}

async fn a_lost_tablet_is_revoked_and_the_incident_has_72_hours(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let s = setup(&app).await;
    // The same worker is signed in on a second tablet, which is lost.
    let lost = server::auth::Sessions::open(
        &app.db,
        &app.user,
        "Surfplatta 2",
        server::config::Config::with_data_dir(".").device_policy(),
    )
    .await
    .expect("session");
    let lost_client =
        crate::common::client_with_token(&lost.access_token, reqwest::Client::builder());
    assert_eq!(
        lost_client
            .get(app.url("/api/v1/me"))
            .send()
            .await
            .expect("me")
            .status(),
        StatusCode::OK
    );
    let discovered: DateTime<Utc> = Utc::now() - Duration::hours(5);
    let body = json!({ "session_id": lost.session_id, "unit_id": s.unit, "manager_id": s.manager,
                       "discovered_at": discovered });
    // Not the device in use, not someone else's: nothing written.
    let own = json!({ "session_id": lost.session_id, "unit_id": s.unit, "manager_id": s.manager });
    assert_error(
        post(
            &app,
            &lost_client,
            "/api/v1/devices/lost",
            &json!({
        "session_id": lost.session_id, "unit_id": s.unit, "manager_id": s.manager }),
        )
        .await,
        422,
        ErrorCode::ValidationFailed,
    )
    .await;
    let (_, colleague) = app.member_of(s.unit, Role::SocialWorker).await;
    assert_error(
        post(&app, &colleague, "/api/v1/devices/lost", &own).await,
        404,
        ErrorCode::NotFound,
    )
    .await;
    assert_eq!(rows(&app).await, 0);

    let response = post(&app, &app.client, "/api/v1/devices/lost", &body).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let opened: LostDeviceOpened = response.json().await.expect("opened");
    assert_eq!(opened.imy_due_at, discovered + Duration::hours(72));
    // The lost tablet is revoked: it wipes itself when it next calls.
    assert_error(
        lost_client
            .get(app.url("/api/v1/me"))
            .send()
            .await
            .expect("me"),
        401,
        ErrorCode::SessionRevoked,
    )
    .await;
    // Twice is not found (already revoked), and opens nothing more.
    assert_error(
        post(&app, &app.client, "/api/v1/devices/lost", &body).await,
        404,
        ErrorCode::NotFound,
    )
    .await;
    assert_eq!(rows(&app).await, 1);

    let todo: Todo = get_json(&app, &s.manager_client, "/api/v1/deviations/todo").await;
    let line = &todo.investigations[0];
    assert_eq!(line.route, Route::DataIncident);
    assert!(
        matches!(line.imy_hours_left, Some(66 | 67)),
        "{:?}",
        line.imy_hours_left
    );
    let d: Deviation = get_json(
        &app,
        &s.manager_client,
        &format!("/api/v1/deviations/{}", opened.deviation_id),
    )
    .await;
    assert_eq!(
        d.report.incident.map(|i| i.kind),
        Some(IncidentKind::LostDevice)
    );
    assert_eq!(d.report.category, Category::DataProtection);
    // Told IMY: the clock stops.
    let response = post(
        &app,
        &s.manager_client,
        &format!("/api/v1/deviations/{}/imy-report", d.id),
        &json!({ "revision": d.revision }),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let told: Deviation = response.json().await.expect("deviation");
    assert!(told.imy_reported_at.is_some());
    let todo: Todo = get_json(&app, &s.manager_client, "/api/v1/deviations/todo").await;
    assert_eq!(todo.investigations[0].imy_hours_left, None);

    // A data incident sent to the wrong person, from the tablet; without
    // its incident it is refused.
    let mut wrong = report(&s, None);
    wrong.route = Route::DataIncident;
    wrong.category = Category::DataProtection;
    assert_eq!(
        rejected(
            &app.push_one(mutation(Operation::ReportDeviation(wrong.clone())))
                .await
        ),
        ErrorCode::ValidationFailed
    );
    wrong.incident = Some(Incident {
        kind: IncidentKind::WrongRecipient,
        discovered_at: Utc::now(),
    });
    applied(
        &app.push_one(mutation(Operation::ReportDeviation(wrong)))
            .await,
    );
    assert_eq!(rows(&app).await, 2);
    app.stop().await;
}

async fn who_sees_what(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let s = setup(&app).await;
    let d = reported(&app, &app.client, &report(&s, Some(DEMO_CHILD_IDS[0]))).await;
    let path = format!("/api/v1/deviations/{}", d.id);
    let (_, leader) = app.member_of(s.unit, Role::GroupLeader).await;
    let (_, colleague) = app.member_of(s.unit, Role::SocialWorker).await;
    let other_unit = app.new_unit("Enhet B").await;
    let (_, other_manager) = app.member_of(other_unit, Role::UnitManager).await;
    let (_, quality) = app.client_for(Role::Quality, &[]).await;
    let (_, admin) = app.member_of(s.unit, Role::Administrator).await;

    // The investigating manager and the unit's group leader: all of it.
    for client in [&s.manager_client, &leader] {
        let seen: Deviation = get_json(&app, client, &path).await;
        assert_eq!(seen.id, d.id);
        let list: DeviationList = get_json(&app, client, "/api/v1/deviations").await;
        assert_eq!(list.deviations.len(), 1);
    }
    // The group leader follows up but does not investigate.
    let body = json!({ "revision": d.revision, "answers": answers(true), "lock": true });
    assert_error(
        put(&app, &leader, &format!("{path}/investigation"), &body).await,
        403,
        ErrorCode::Forbidden,
    )
    .await;
    // The reporter: their report.
    let mine: DeviationList = get_json(&app, &app.client, "/api/v1/deviations?show=mine").await;
    assert_eq!(mine.deviations.len(), 1);
    // A colleague of the unit, another unit's manager, the quality unit, an
    // administrator: not there, and not found.
    for client in [&colleague, &other_manager, &quality, &admin] {
        assert_error(
            client.get(app.url(&path)).send().await.expect("get"),
            404,
            ErrorCode::NotFound,
        )
        .await;
        let list: DeviationList = get_json(&app, client, "/api/v1/deviations").await;
        assert!(list.deviations.is_empty());
    }
    // The figures: the unit's managers and the quality unit, not workers.
    let a: Aggregates = get_json(&app, &quality, "/api/v1/deviations/aggregates").await;
    assert_eq!(a.total, 1);
    let a: Aggregates = get_json(&app, &other_manager, "/api/v1/deviations/aggregates").await;
    assert_eq!(a.total, 0, "another unit's");
    for client in [&app.client, &admin] {
        assert_error(
            client
                .get(app.url("/api/v1/deviations/aggregates"))
                .send()
                .await
                .expect("get"),
            403,
            ErrorCode::Forbidden,
        )
        .await;
    }
    // A child outside the caseload, a unit not one's own: the whole push is
    // refused.
    let (_, outsider) = app.member_of(s.unit, Role::SocialWorker).await;
    let body = crate::helpers::push_json(vec![mutation(Operation::ReportDeviation(report(
        &s,
        Some(DEMO_CHILD_IDS[2]),
    )))]);
    let response = outsider
        .post(app.url("/api/v1/sync/push"))
        .json(&body)
        .send()
        .await
        .expect("push");
    assert_error(response, 403, ErrorCode::Forbidden).await;
    let mut elsewhere = report(&s, None);
    elsewhere.unit_id = other_unit;
    assert_error(
        post(&app, &app.client, "/api/v1/deviations", &json!(elsewhere)).await,
        403,
        ErrorCode::Forbidden,
    )
    .await;
    assert_eq!(rows(&app).await, 1);
    app.stop().await;
}

async fn aggregates_match_a_hand_counted_fixture(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let s = setup(&app).await;
    let unit_b = DEMO_UNITS[1].0;
    app.db
        .add_user_unit(app.user.id, unit_b)
        .await
        .expect("member");
    let (manager_b, manager_b_client) = app.member_of(unit_b, Role::UnitManager).await;
    let homes: Vec<shared::register::HomeEntry> =
        get_json(&app, &s.manager_client, "/api/v1/register/homes").await;
    let home: HomeId = homes[0].home.id;
    let routine = shared::routines::RoutineId::parse("besok-hos-placerade-barn").expect("id");

    // Unit A: visits ×3 (one at the home with the routine, one Lex Sarah,
    // one organisational), documentation ×1 at the home, collaboration ×1
    // organisational; unit B: visits ×2; and one in A reported 200 days
    // ago, outside the default period.
    let mut fixture = Vec::new();
    let mut a = |f: &dyn Fn(&mut DeviationReport)| {
        let mut r = report(&s, Some(DEMO_CHILD_IDS[0]));
        f(&mut r);
        fixture.push(r);
    };
    a(&|r| {
        r.home_id = Some(home);
        r.routine_id = Some(routine.clone());
    });
    a(&|r| r.route = Route::LexSarah);
    a(&|r| r.child_id = None);
    a(&|r| {
        r.category = Category::Documentation;
        r.home_id = Some(home);
    });
    a(&|r| {
        r.category = Category::Collaboration;
        r.collaboration = Some("Skolan".into());
        r.child_id = None;
    });
    a(&|r| {
        r.reported_at = noon_days_ago(200);
        r.happened_on = today() - Duration::days(200);
    });
    for _ in 0..2 {
        let mut r = report(&s, None);
        r.unit_id = unit_b;
        r.manager_id = manager_b;
        fixture.push(r);
    }
    for r in &fixture {
        reported(&app, &app.client, r).await;
    }

    let unit_a = s.unit.to_string();
    let a: Aggregates = get_json(&app, &s.manager_client, "/api/v1/deviations/aggregates").await;
    assert_eq!(a.total, 5);
    assert_eq!(a.organisational, 2);
    assert_eq!(a.by_category.get("visits"), Some(&3));
    assert_eq!(a.by_category.get("documentation"), Some(&1));
    assert_eq!(a.by_category.get("collaboration"), Some(&1));
    assert_eq!(a.by_route.get("deviation"), Some(&4));
    assert_eq!(a.by_route.get("lex_sarah"), Some(&1));
    assert_eq!(a.by_unit.len(), 1);
    assert_eq!(a.by_unit.get(&unit_a), Some(&5));
    assert_eq!(a.by_home.get(&home.to_string()), Some(&2));
    assert_eq!(a.by_home.get("none"), Some(&3));
    assert_eq!(a.by_routine.get(routine.as_str()), Some(&1));

    let b: Aggregates = get_json(&app, &manager_b_client, "/api/v1/deviations/aggregates").await;
    assert_eq!((b.total, b.by_unit.get(&unit_b.to_string())), (2, Some(&2)));

    // The register of homes shows the home's deviations and complaints,
    // and the list filters by home.
    let response = post(
        &app,
        &s.manager_client,
        "/api/v1/complaints",
        &json!({ "received_on": today(), "source": "relative", "kind": "complaint",
                 "text": "Ingen ringde tillbaka.", "unit_id": s.unit, "home_id": home }),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let homes: Vec<shared::register::HomeEntry> =
        get_json(&app, &s.manager_client, "/api/v1/register/homes").await;
    let entry = homes.iter().find(|e| e.home.id == home).expect("the home");
    assert_eq!((entry.deviations, entry.complaints), (2, 1));
    assert!(homes
        .iter()
        .filter(|e| e.home.id != home)
        .all(|e| e.deviations == 0 && e.complaints == 0));
    let at_home: DeviationList = get_json(
        &app,
        &s.manager_client,
        &format!("/api/v1/deviations?home={home}"),
    )
    .await;
    assert_eq!(at_home.deviations.len(), 2);
    let complaints_at_home: shared::complaints::ComplaintList = get_json(
        &app,
        &s.manager_client,
        &format!("/api/v1/complaints?home={home}"),
    )
    .await;
    assert_eq!(complaints_at_home.complaints.len(), 1);
    assert_eq!(complaints_at_home.complaints[0].home_id, Some(home));
    let elsewhere = shared::HomeId::new_random();
    let none: shared::complaints::ComplaintList = get_json(
        &app,
        &s.manager_client,
        &format!("/api/v1/complaints?home={elsewhere}"),
    )
    .await;
    assert!(none.complaints.is_empty());

    // The quality unit, across units, over a whole year.
    let (_, quality) = app.client_for(Role::Quality, &[]).await;
    let from = today() - Duration::days(365);
    let q: Aggregates = get_json(
        &app,
        &quality,
        &format!("/api/v1/deviations/aggregates?from={from}&to={}", today()),
    )
    .await;
    assert_eq!(q.total, 8);
    assert_eq!(q.by_unit.get(&unit_a), Some(&6));
    assert_eq!(q.by_unit.get(&unit_b.to_string()), Some(&2));
    assert_eq!(q.by_category.get("visits"), Some(&6));
    // A period that holds only the old one.
    let old_day = today() - Duration::days(200);
    let q: Aggregates = get_json(
        &app,
        &quality,
        &format!("/api/v1/deviations/aggregates?from={old_day}&to={old_day}"),
    )
    .await;
    assert_eq!(q.total, 1);
    app.stop().await;
}

async fn bad_requests_get_clear_errors_and_write_nothing(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let s = setup(&app).await;
    let raw = |body: Vec<u8>, content_type: &'static str| {
        let app = &app;
        async move {
            app.client
                .post(app.url("/api/v1/deviations"))
                .header("content-type", content_type)
                .body(body)
                .send()
                .await
                .expect("request")
        }
    };
    assert_error(
        raw(b"{\"id\": ".to_vec(), "application/json").await,
        400,
        ErrorCode::MalformedJson,
    )
    .await;
    assert_error(
        raw(b"[1, 2]".to_vec(), "application/json").await,
        400,
        ErrorCode::MalformedJson,
    )
    .await;
    assert_error(
        raw(
            serde_json::to_vec(&report(&s, None)).expect("json"),
            "text/plain",
        )
        .await,
        415,
        ErrorCode::UnsupportedMediaType,
    )
    .await;
    let mut oversized = json!(report(&s, None));
    oversized["what_happened"] = json!("å".repeat(40_000));
    assert_error(
        raw(
            serde_json::to_vec(&oversized).expect("json"),
            "application/json",
        )
        .await,
        413,
        ErrorCode::PayloadTooLarge,
    )
    .await;
    let base = json!(report(&s, None));
    let with = |k: &str, v: Value| {
        let mut b = base.clone();
        b[k] = v;
        b
    };
    for body in [
        with("blame", json!("Kalle")),
        with("category", json!("blame")),
        with("what_happened", json!("  ")),
        with("what_happened", json!("a".repeat(4_001))),
        with("risk", json!({ "likelihood": 5, "consequence": 1 })),
        with("route", json!("data_incident")),
        with("reporter_email", json!("inte en adress")),
        with("happened_on", json!(today() + Duration::days(2))),
        with("manager_id", json!(app.user.id)),
        with("home_id", json!(Uuid::new_v4())),
        with("complaint_id", json!(Uuid::new_v4())),
        with("routine_id", json!("Inte ett id")),
    ] {
        assert_error(
            post(&app, &app.client, "/api/v1/deviations", &body).await,
            422,
            ErrorCode::ValidationFailed,
        )
        .await;
    }
    // Unauthenticated, and an administrator linking a child.
    let response = reqwest::Client::new()
        .post(app.url("/api/v1/deviations"))
        .json(&base)
        .send()
        .await
        .expect("request");
    assert_error(response, 401, ErrorCode::Unauthenticated).await;
    let (_, admin) = app.member_of(s.unit, Role::Administrator).await;
    let with_child = with("child_id", json!(DEMO_CHILD_IDS[0]));
    assert_error(
        post(&app, &admin, "/api/v1/deviations", &with_child).await,
        403,
        ErrorCode::Forbidden,
    )
    .await;
    // Bad queries and paths.
    for path in [
        "/api/v1/deviations?show=everything",
        "/api/v1/deviations?child=1",
        "/api/v1/deviations/aggregates?from=igår",
        "/api/v1/deviations/aggregates?from=2026-02-01&to=2026-01-01",
    ] {
        let client = if path.contains("aggregates") {
            &s.manager_client
        } else {
            &app.client
        };
        assert_error(
            client.get(app.url(path)).send().await.expect("get"),
            400,
            ErrorCode::InvalidQuery,
        )
        .await;
    }
    assert_error(
        app.client
            .get(app.url("/api/v1/deviations/inte-ett-id"))
            .send()
            .await
            .expect("get"),
        404,
        ErrorCode::NotFound,
    )
    .await;
    assert_eq!(rows(&app).await, 0, "nothing written");

    // A stored one: the same id again is a conflict; steps with bad bodies
    // change nothing.
    let d = reported(&app, &app.client, &report(&s, None)).await;
    let mut same = report(&s, None);
    same.id = d.id;
    assert_error(
        post(&app, &app.client, "/api/v1/deviations", &json!(same)).await,
        409,
        ErrorCode::IdConflict,
    )
    .await;
    let path = format!("/api/v1/deviations/{}", d.id);
    for (p, body) in [
        (
            format!("{path}/investigation"),
            json!({ "revision": d.revision, "answers": { "why": 3 } }),
        ),
        (
            format!("{path}/investigation"),
            json!({ "revision": d.revision, "answers": {}, "extra": 1 }),
        ),
        (
            format!("{path}/actions"),
            json!({ "kind": "action", "text": "x", "owner": Uuid::new_v4(), "due_on": today() }),
        ),
        (
            format!("{path}/actions"),
            json!({ "kind": "action", "text": "x", "owner": s.manager, "due_on": today() - Duration::days(1) }),
        ),
        (
            format!("{path}/escalation"),
            json!({ "revision": d.revision, "text": "" }),
        ),
        (
            format!("{path}/imy-report"),
            json!({ "revision": d.revision }),
        ),
    ] {
        let response = app
            .send_json_as(
                &s.manager_client,
                if p.ends_with("investigation") {
                    reqwest::Method::PUT
                } else {
                    reqwest::Method::POST
                },
                &p,
                &body,
            )
            .await;
        assert_error(response, 422, ErrorCode::ValidationFailed).await;
    }
    let after: Deviation = get_json(&app, &s.manager_client, &path).await;
    assert_eq!(after.revision, d.revision);
    assert!(after.actions.is_empty() && after.notes.is_empty());
    assert_eq!(after.report.route, Route::Deviation);
    assert_eq!(rows(&app).await, 1);
    app.stop().await;
}

async fn feedback_to_an_external_reporter_is_queued_and_sent_by_smtp(backend: Backend) {
    // No SMTP server configured: the e-mail waits, shown as queued.
    let app = TestApp::spawn(&backend).await;
    assert!(app.config.smtp_server.is_none());
    let s = setup(&app).await;
    let mut r = report(&s, None);
    r.reporter_name = Some("Familjen Berg".into());
    r.reporter_email = Some("familjen.berg@example.org".into());
    r.category = Category::Collaboration;
    r.collaboration = Some("Vårdcentralen".into());
    let d = reported(&app, &s.manager_client, &r).await;
    let path = format!("/api/v1/deviations/{}", d.id);
    let response = put(
        &app,
        &s.manager_client,
        &format!("{path}/investigation"),
        &json!({ "revision": d.revision, "answers": answers(true), "lock": true }),
    )
    .await;
    let locked: Deviation = response.json().await.expect("deviation");
    let response = post(
        &app,
        &s.manager_client,
        &format!("{path}/feedback"),
        &json!({ "revision": locked.revision, "text": "Vi har ändrat hur vi kallar till möten." }),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let fed: Deviation = response.json().await.expect("deviation");
    assert_eq!(fed.feedback_mail, Some(MailStatus::Queued));
    // Queued in the feedback's own transaction: there once the answer is.
    let pending = app.db.pending_mail(10).await.expect("pending");
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].to_address, "familjen.berg@example.org");

    // With a relay: a real SMTP conversation, STARTTLS and AUTH, sends it.
    let relay = FakeRelay::start(Relay::default()).await;
    let smtp = relay.client(SmtpSecurity::Starttls, true);
    let sent = server::mail::deliver_pending(&app.db, &smtp)
        .await
        .expect("deliver");
    assert_eq!(sent, 1);
    let lines = relay.conversation().await;
    assert!(lines.contains(&"RCPT TO:<familjen.berg@example.org>".to_owned()));
    assert!(lines.contains(&"To: familjen.berg@example.org".to_owned()));
    let text = body_of(&lines);
    assert!(text.contains("Hej Familjen Berg!"));
    assert!(text.contains("Vi har ändrat hur vi kallar till möten."));
    let seen: Deviation = get_json(&app, &s.manager_client, &path).await;
    assert_eq!(seen.feedback_mail, Some(MailStatus::Sent));
    assert!(app.db.pending_mail(10).await.expect("pending").is_empty());

    // A server that refuses: the message stays queued, tried again later.
    let mut again = report(&s, None);
    again.reporter_email = Some("skolan@example.org".into());
    let d = reported(&app, &s.manager_client, &again).await;
    let path = format!("/api/v1/deviations/{}", d.id);
    let locked: Deviation = put(
        &app,
        &s.manager_client,
        &format!("{path}/investigation"),
        &json!({ "revision": d.revision, "answers": answers(true), "lock": true }),
    )
    .await
    .json()
    .await
    .expect("deviation");
    let response = post(
        &app,
        &s.manager_client,
        &format!("{path}/feedback"),
        &json!({ "revision": locked.revision, "text": "Tack." }),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let nowhere = SmtpConfig::new(
        closed.local_addr().expect("addr").to_string(),
        "barnbesok@kommun.example".into(),
        SmtpSecurity::None,
        std::path::Path::new("/none"),
        None,
    )
    .expect("config");
    drop(closed);
    assert_eq!(
        server::mail::deliver_pending(&app.db, &nowhere)
            .await
            .expect("deliver"),
        0
    );
    assert_eq!(app.db.pending_mail(10).await.expect("pending").len(), 1);
    app.stop().await;
}

/// The server started with a relay: giving feedback over HTTP wakes the
/// sender, and the reporter's e-mail goes without anyone asking.
async fn with_a_relay_configured_the_feedback_is_sent_at_once(backend: Backend) {
    let relay = FakeRelay::start(Relay::default()).await;
    let (server, ca, password) = (
        relay.server.clone(),
        relay.ca_file.clone(),
        relay.password_file.clone(),
    );
    let app = TestApp::spawn_with(
        &backend,
        Options {
            configure: Box::new(move |config| {
                config.smtp_server = Some(server);
                config.smtp_ca = ca;
                config.smtp_user = Some(crate::mail::USER.into());
                config.smtp_password_file = Some(password);
                config.mail_from = "barnbesok@kommun.example".into();
            }),
            ..Options::default()
        },
    )
    .await;
    let s = setup(&app).await;
    let mut r = report(&s, None);
    r.reporter_name = Some("Skolan".into());
    r.reporter_email = Some("rektor@skolan.example".into());
    let d = reported(&app, &s.manager_client, &r).await;
    let path = format!("/api/v1/deviations/{}", d.id);
    let locked: Deviation = put(
        &app,
        &s.manager_client,
        &format!("{path}/investigation"),
        &json!({ "revision": d.revision, "answers": answers(true), "lock": true }),
    )
    .await
    .json()
    .await
    .expect("deviation");
    let response = post(
        &app,
        &s.manager_client,
        &format!("{path}/feedback"),
        &json!({ "revision": locked.revision, "text": "Tack, vi har gått igenom rutinen." }),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let lines = tokio::time::timeout(std::time::Duration::from_secs(30), relay.conversation())
        .await
        .expect("the relay got the e-mail without a retry round");
    assert!(lines.contains(&"RCPT TO:<rektor@skolan.example>".to_owned()));
    assert!(body_of(&lines).contains("Tack, vi har gått igenom rutinen."));
    // Marked sent once the relay accepted it.
    let mut status = None;
    for _ in 0..100 {
        let seen: Deviation = get_json(&app, &s.manager_client, &path).await;
        status = seen.feedback_mail;
        if status == Some(MailStatus::Sent) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(status, Some(MailStatus::Sent));
    assert!(app.db.pending_mail(10).await.expect("pending").is_empty());
    app.stop().await;
}
