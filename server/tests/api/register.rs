//! The register over HTTP: homes with their checks and history, children,
//! workers and placements as managers edit them, the list of decisions,
//! who may do which, integration tokens kept out, and bad input refused
//! with nothing written.

use crate::backend_tests;
use crate::helpers::{applied, assert_error, patch, rejected, review, Backend, Options, TestApp};
use chrono::{NaiveDate, Utc};
use reqwest::StatusCode;
use serde_json::{json, Value};
use shared::audit::AuditAction;
use shared::auth::Role;
use shared::protocol::Record;
use shared::register::{
    CheckKind, CheckResult, Home, HomeCheck, HomeContact, HomeEntry, HomeHistory,
};
use shared::{
    Child, ChildId, ClosingId, EndKind, EndReason, ErrorCode, ExternalId, HomeId, LegalBasis,
    PersonName, Placement, PlacementClosing, PlacementId, PlacementKind, Sex, UnitId, UserId,
    VisitNote, VisitorName,
};

backend_tests!(
    a_manager_edits_the_register_and_devices_get_the_changes,
    a_social_worker_reads_only_the_homes_of_their_own_children,
    other_units_administrators_and_social_workers_cannot_edit,
    checks_are_added_never_changed_or_dropped,
    a_closed_placement_is_refused,
    the_decisions_list_warns_and_lists_expired_against_fixed_dates,
    breakdowns_and_replacements_match_a_hand_counted_fixture,
    an_integration_token_is_kept_out_of_sync_and_the_register,
    bad_input_gets_the_json_error_and_writes_nothing,
);

fn day(s: &str) -> NaiveDate {
    s.parse().expect("date")
}

fn name(s: &str) -> PersonName {
    PersonName::parse(s).expect("name")
}

/// A unit of its own and a signed-in user of `role` in it.
struct Unit {
    id: UnitId,
}

async fn unit(app: &TestApp, label: &str) -> Unit {
    let id = UnitId::new_random();
    assert!(app.db.insert_unit(id, label).await.expect("unit"));
    Unit { id }
}

async fn member(app: &TestApp, unit: &Unit, role: Role) -> (UserId, reqwest::Client) {
    let (user, client) = app.client_for(role, &[]).await;
    app.db
        .add_user_unit(user.id, unit.id)
        .await
        .expect("member");
    (user.id, client)
}

/// A server without demo data, its unit "Enhet A" and a group leader's
/// client there.
async fn leader_of_a_unit(backend: &Backend) -> (TestApp, Unit, reqwest::Client) {
    let app = TestApp::spawn_with(backend, no_demo()).await;
    let unit = unit(&app, "Enhet A").await;
    let (_, leader) = member(&app, &unit, Role::GroupLeader).await;
    (app, unit, leader)
}

fn home(unit: &Unit, label: &str) -> Home {
    Home {
        id: HomeId::new_random(),
        unit_id: unit.id,
        kind: PlacementKind::FosterHome,
        name: name(label),
        external_id: None,
        contact: HomeContact::default(),
        checks: Vec::new(),
    }
}

fn child(unit: &Unit, given: &str) -> Child {
    Child {
        id: ChildId::new_random(),
        given_name: name(given),
        family_name: name("Testsson"),
        birth_date: day("2014-04-04"),
        sex: Sex::Boy,
        has_disability: false,
        unit_id: Some(unit.id),
        external_id: None,
    }
}

fn placement(child: &Child, home: Option<&Home>, start: &str) -> Placement {
    Placement {
        id: PlacementId::new_random(),
        child_id: child.id,
        kind: PlacementKind::FosterHome,
        home_name: name("Angivet av klienten"),
        legal_basis: LegalBasis::SoL,
        start_date: day(start),
        home_id: home.map(|h| h.id),
        ..Placement::blank()
    }
}

fn check(kind: CheckKind, date: &str) -> HomeCheck {
    HomeCheck {
        kind,
        date: day(date),
        result: CheckResult::NoRemarks,
        made_by: name("Utredare Ett"),
        note: VisitNote::default(),
    }
}

async fn put(
    app: &TestApp,
    client: &reqwest::Client,
    path: &str,
    body: &impl serde::Serialize,
) -> reqwest::Response {
    client
        .put(app.url(path))
        .json(body)
        .send()
        .await
        .expect("request")
}

async fn get(app: &TestApp, client: &reqwest::Client, path: &str) -> reqwest::Response {
    client.get(app.url(path)).send().await.expect("request")
}

async fn ok<T: serde::de::DeserializeOwned>(response: reqwest::Response) -> T {
    let status = response.status();
    let text = response.text().await.expect("body");
    assert_eq!(status, StatusCode::OK, "{text}");
    serde_json::from_str(&text).expect("json")
}

/// PUTs `record` to `/api/v1/register/{kind}/{id}`: what the server stored.
async fn put_record<T: serde::de::DeserializeOwned>(
    app: &TestApp,
    client: &reqwest::Client,
    kind: &str,
    id: impl std::fmt::Display,
    record: &impl serde::Serialize,
) -> T {
    ok(put(
        app,
        client,
        &format!("/api/v1/register/{kind}/{id}"),
        record,
    )
    .await)
    .await
}

async fn put_home(app: &TestApp, client: &reqwest::Client, home: &Home) -> HomeEntry {
    put_record(app, client, "homes", home.id, home).await
}

async fn put_child(app: &TestApp, client: &reqwest::Client, child: &Child) -> Child {
    put_record(app, client, "children", child.id, child).await
}

async fn put_placement(app: &TestApp, client: &reqwest::Client, p: &Placement) -> Placement {
    put_record(app, client, "placements", p.id, p).await
}

async fn homes(app: &TestApp, client: &reqwest::Client, query: &str) -> Vec<HomeEntry> {
    ok(get(app, client, &format!("/api/v1/register/homes{query}")).await).await
}

/// A signed closing of `p`, stored as the server's own write.
async fn close(app: &TestApp, p: &Placement, end: &str, kind: EndKind, replacement: bool) {
    let closing = PlacementClosing {
        id: ClosingId::new_random(),
        child_id: p.child_id,
        placement_id: p.id,
        end_date: day(end),
        kind,
        replacement,
        reason: Some(EndReason::HomeEndedAssignment),
        reason_text: VisitNote::default(),
        closing_note: VisitNote::parse("Avslut").expect("note"),
        signed_by: app.user.id,
        signed_by_name: VisitorName::parse("Testa Handläggare").expect("name"),
        recorded_at: Utc::now(),
    };
    app.db
        .insert_records(&[Record::PlacementClosing(closing)])
        .await
        .expect("closing");
}

fn no_demo() -> Options {
    Options {
        demo_data: false,
        ..Options::default()
    }
}

async fn a_manager_edits_the_register_and_devices_get_the_changes(backend: Backend) {
    let (app, unit, leader) = leader_of_a_unit(&backend).await;
    let (_, manager) = member(&app, &unit, Role::UnitManager).await;
    app.db
        .add_user_unit(app.user.id, unit.id)
        .await
        .expect("member");

    let mut berg = home(&unit, "Familjen Berg");
    berg.external_id = Some(ExternalId::parse("HEM-1").expect("id"));
    let entry = put_home(&app, &leader, &berg).await;
    assert_eq!(entry.home, berg);
    assert_eq!(entry.current_placements, 0);
    assert!(entry.is_flagged(), "no checks yet");

    let mut ella = child(&unit, "Ella");
    ella.sex = Sex::Girl;
    ella.has_disability = true;
    ella.external_id = Some(ExternalId::parse("BARN-1").expect("id"));
    assert_eq!(put_child(&app, &leader, &ella).await, ella);
    // A unit manager edits the register too.
    ella.has_disability = false;
    assert_eq!(put_child(&app, &manager, &ella).await, ella);

    let workers: Value = ok(put(
        &app,
        &leader,
        &format!("/api/v1/register/children/{}/workers", ella.id),
        &json!({ "workers": [app.user.id] }),
    )
    .await)
    .await;
    assert_eq!(workers, json!({ "workers": [app.user.id] }));

    let mut p = placement(&ella, Some(&berg), "2026-01-10");
    p.decision_date = Some(day("2026-01-05"));
    p.decided_by = Some(name("Sociala nämnden"));
    p.decision_until = Some(day("2026-07-10"));
    p.external_id = Some(ExternalId::parse("PL-1").expect("id"));
    let saved = put_placement(&app, &leader, &p).await;
    assert_eq!(
        saved.home_name, berg.name,
        "the home's name from the register"
    );

    // The social worker's device gets the child and the placement.
    let feed = app.pull_all().await;
    let got_child = feed.iter().rev().find_map(|c| match &c.record {
        Record::Child(c) if c.id == ella.id => Some(c.clone()),
        _ => None,
    });
    assert_eq!(got_child, Some(ella.clone()));
    let got = app.placement(p.id).await.expect("placement on the device");
    assert_eq!(got, saved);

    // …and edits the decision offline, through sync, like any placement field.
    let status = app
        .push_one(patch(
            &saved,
            &[("last_consideration", Value::Null, json!("2026-06-01"))],
        ))
        .await;
    applied(&status);
    let patched = app.placement(p.id).await.expect("placement");
    assert_eq!(patched.last_consideration, Some(day("2026-06-01")));
    assert_eq!(patched.decision_until, saved.decision_until);
    // A patch naming a home outside the register is refused.
    let status = app
        .push_one(patch(
            &patched,
            &[("home_id", json!(berg.id), json!(HomeId::new_random()))],
        ))
        .await;
    assert_eq!(rejected(&status), ErrorCode::ValidationFailed);

    let entries = homes(&app, &leader, "?on=2026-03-01").await;
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].current_placements, 1);

    // Every write about the child is in the log.
    let log = review(&app, &manager, &format!("child={}", ella.id)).await;
    let details: Vec<&str> = log.iter().map(|e| e.detail.as_str()).collect();
    for wanted in [
        "register_child_created",
        "register_child_updated",
        "register_placement_created",
    ] {
        assert!(details.contains(&wanted), "{wanted} in {details:?}");
    }
    assert!(
        details.iter().any(|d| d.starts_with("assigned:")),
        "{details:?}"
    );
    app.stop().await;
}

async fn a_social_worker_reads_only_the_homes_of_their_own_children(backend: Backend) {
    let (app, unit, leader) = leader_of_a_unit(&backend).await;
    app.db
        .add_user_unit(app.user.id, unit.id)
        .await
        .expect("member");
    let (h1, h2) = (home(&unit, "Hem Ett"), home(&unit, "Hem Två"));
    put_home(&app, &leader, &h1).await;
    put_home(&app, &leader, &h2).await;
    let (mine, theirs) = (child(&unit, "Mitt"), child(&unit, "Annat"));
    put_child(&app, &leader, &mine).await;
    put_child(&app, &leader, &theirs).await;
    put_placement(&app, &leader, &placement(&mine, Some(&h1), "2026-01-01")).await;
    put_placement(&app, &leader, &placement(&theirs, Some(&h2), "2026-01-01")).await;

    assert!(
        homes(&app, &app.client, "").await.is_empty(),
        "no children yet"
    );
    app.assign(mine.id).await;
    let seen: Vec<HomeId> = homes(&app, &app.client, "")
        .await
        .into_iter()
        .map(|e| e.home.id)
        .collect();
    assert_eq!(seen, vec![h1.id]);
    let all: Vec<HomeId> = homes(&app, &leader, "")
        .await
        .into_iter()
        .map(|e| e.home.id)
        .collect();
    assert_eq!(all, vec![h1.id, h2.id], "name order");
    app.stop().await;
}

async fn other_units_administrators_and_social_workers_cannot_edit(backend: Backend) {
    let app = TestApp::spawn_with(&backend, no_demo()).await;
    let (a, b) = (unit(&app, "Enhet A").await, unit(&app, "Enhet B").await);
    let (_, leader_a) = member(&app, &a, Role::GroupLeader).await;
    let (_, leader_b) = member(&app, &b, Role::GroupLeader).await;
    let (_, admin) = member(&app, &a, Role::Administrator).await;
    app.db
        .add_user_unit(app.user.id, a.id)
        .await
        .expect("member");
    let h = home(&a, "Hem A");
    put_home(&app, &leader_a, &h).await;
    let c = child(&a, "Barn");
    put_child(&app, &leader_a, &c).await;
    let p = placement(&c, Some(&h), "2026-01-01");
    put_placement(&app, &leader_a, &p).await;
    let (children, _, changes, _) = app.counts().await;

    let home_path = format!("/api/v1/register/homes/{}", h.id);
    let child_path = format!("/api/v1/register/children/{}", c.id);
    let workers_path = format!("/api/v1/register/children/{}/workers", c.id);
    let placement_path = format!("/api/v1/register/placements/{}", p.id);
    for client in [&leader_b, &admin, &app.client] {
        let renamed = Home {
            name: name("Nytt namn"),
            ..h.clone()
        };
        assert_error(
            put(&app, client, &home_path, &renamed).await,
            403,
            ErrorCode::Forbidden,
        )
        .await;
        assert_error(
            put(&app, client, &child_path, &c).await,
            403,
            ErrorCode::Forbidden,
        )
        .await;
        assert_error(
            put(&app, client, &workers_path, &json!({ "workers": [] })).await,
            403,
            ErrorCode::Forbidden,
        )
        .await;
        assert_error(
            put(&app, client, &placement_path, &p).await,
            403,
            ErrorCode::Forbidden,
        )
        .await;
    }
    // Moving the other unit's home or child into one's own unit is no way in.
    let moved = Home {
        unit_id: b.id,
        ..h.clone()
    };
    assert_error(
        put(&app, &leader_b, &home_path, &moved).await,
        403,
        ErrorCode::Forbidden,
    )
    .await;
    let moved = Child {
        unit_id: Some(b.id),
        ..c.clone()
    };
    assert_error(
        put(&app, &leader_b, &child_path, &moved).await,
        403,
        ErrorCode::Forbidden,
    )
    .await;

    for path in [
        "/api/v1/register/homes",
        "/api/v1/register/decisions",
        "/api/v1/register/colleagues",
    ] {
        assert_error(get(&app, &admin, path).await, 403, ErrorCode::Forbidden).await;
    }
    for path in ["/api/v1/register/decisions", "/api/v1/register/colleagues"] {
        assert_error(
            get(&app, &app.client, path).await,
            403,
            ErrorCode::Forbidden,
        )
        .await;
    }
    assert!(homes(&app, &leader_b, "").await.is_empty());
    let theirs: Vec<Value> = ok(get(&app, &leader_b, "/api/v1/register/decisions").await).await;
    assert!(theirs.is_empty());
    assert_eq!(app.counts().await.2, changes, "nothing written");
    assert_eq!(app.counts().await.0, children);
    app.stop().await;
}

async fn checks_are_added_never_changed_or_dropped(backend: Backend) {
    let (app, unit, leader) = leader_of_a_unit(&backend).await;
    let mut h = home(&unit, "Hem");
    h.checks = vec![check(CheckKind::CriminalRecord, "2026-01-02")];
    let entry = put_home(&app, &leader, &h).await;
    assert_eq!(entry.home.checks, h.checks);
    assert_eq!(entry.home.missing_checks().len(), 5);

    let path = format!("/api/v1/register/homes/{}", h.id);
    let mut changed = h.clone();
    changed.checks[0].result = CheckResult::NotApproved;
    assert_error(
        put(&app, &leader, &path, &changed).await,
        422,
        ErrorCode::ValidationFailed,
    )
    .await;
    let mut dropped = h.clone();
    dropped.checks = vec![check(CheckKind::Violence, "2026-01-03")];
    assert_error(
        put(&app, &leader, &path, &dropped).await,
        422,
        ErrorCode::ValidationFailed,
    )
    .await;
    let mut twice = h.clone();
    twice.checks.push(check(CheckKind::Violence, "2026-01-03"));
    twice.checks.push(check(CheckKind::Violence, "2026-01-03"));
    assert_error(
        put(&app, &leader, &path, &twice).await,
        422,
        ErrorCode::ValidationFailed,
    )
    .await;
    let stored = homes(&app, &leader, "").await;
    assert_eq!(stored[0].home.checks, h.checks, "nothing written");

    // Adding every other check completes the home; a later check of a kind
    // is added beside the first.
    let mut full = h.clone();
    for kind in CheckKind::ALL.into_iter().skip(1) {
        full.checks.push(check(kind, "2026-02-01"));
    }
    full.checks
        .push(check(CheckKind::CriminalRecord, "2026-03-01"));
    let entry = put_home(&app, &leader, &full).await;
    assert!(entry.home.missing_checks().is_empty());
    assert_eq!(entry.home.checks.len(), 7);
    assert!(!entry.is_flagged());
    app.stop().await;
}

async fn a_closed_placement_is_refused(backend: Backend) {
    let (app, unit, leader) = leader_of_a_unit(&backend).await;
    let c = child(&unit, "Barn");
    put_child(&app, &leader, &c).await;
    let p = placement(&c, None, "2026-01-01");
    put_placement(&app, &leader, &p).await;
    close(&app, &p, "2026-02-01", EndKind::Planned, false).await;
    let changes = app.counts().await.2;
    let edited = Placement {
        decision_until: Some(day("2026-12-31")),
        ..p.clone()
    };
    let path = format!("/api/v1/register/placements/{}", p.id);
    assert_error(
        put(&app, &leader, &path, &edited).await,
        409,
        ErrorCode::PlacementClosed,
    )
    .await;
    // A new placement does not come with an end: it ends with a closing.
    let ended = Placement {
        end_date: Some(day("2026-03-01")),
        ..placement(&c, None, "2026-02-02")
    };
    assert_error(
        put(
            &app,
            &leader,
            &format!("/api/v1/register/placements/{}", ended.id),
            &ended,
        )
        .await,
        422,
        ErrorCode::ValidationFailed,
    )
    .await;
    assert_eq!(app.counts().await.2, changes, "nothing written");
    app.stop().await;
}

async fn the_decisions_list_warns_and_lists_expired_against_fixed_dates(backend: Backend) {
    let (app, unit, leader) = leader_of_a_unit(&backend).await;
    let (_, manager) = member(&app, &unit, Role::UnitManager).await;
    let c = child(&unit, "Barn");
    put_child(&app, &leader, &c).await;
    let with = |start: &str, until: &str, considered: Option<&str>| Placement {
        decision_until: Some(day(until)),
        last_consideration: considered.map(day),
        ..placement(&c, None, start)
    };
    // On 2026-06-01:
    let ends_soon = with("2026-03-01", "2026-06-20", None); // 19 days left
    let last_day = with("2026-03-01", "2026-07-01", None); // 30 days left: warned
    let later = with("2026-03-01", "2026-07-02", None); // 31 days: not yet
    let expired = with("2026-03-01", "2026-05-01", None); // 31 days over
    let overdue = with("2025-10-01", "2027-01-01", None); // considered by 2026-04-01
    let considered = with("2025-10-01", "2027-01-01", Some("2026-04-15")); // due 2026-10-15
    let due_soon = with("2025-12-15", "2027-01-01", None); // due 2026-06-15
    let closed = with("2026-03-01", "2026-05-01", None);
    for p in [
        &ends_soon,
        &last_day,
        &later,
        &expired,
        &overdue,
        &considered,
        &due_soon,
        &closed,
    ] {
        put_placement(&app, &leader, p).await;
    }
    close(&app, &closed, "2026-04-01", EndKind::Planned, false).await;

    let list: Vec<Value> =
        ok(get(&app, &manager, "/api/v1/register/decisions?on=2026-06-01").await).await;
    let by_id = |p: &Placement| {
        list.iter()
            .find(|e| e["placement"]["id"] == json!(p.id))
            .cloned()
    };
    for p in [&later, &considered, &closed] {
        assert!(by_id(p).is_none(), "{:?} listed", p.decision_until);
    }
    let entry = by_id(&ends_soon).expect("ends soon");
    assert_eq!(
        entry["decision"],
        json!({"status": "ends_soon", "until": "2026-06-20", "days_left": 19})
    );
    assert_eq!(entry["child_name"], json!("Barn Testsson"));
    let entry = by_id(&last_day).expect("last warned day");
    assert_eq!(entry["decision"]["days_left"], json!(30));
    let entry = by_id(&expired).expect("expired");
    assert_eq!(
        entry["decision"],
        json!({"status": "expired", "until": "2026-05-01", "days_over": 31})
    );
    let entry = by_id(&overdue).expect("overdue");
    assert_eq!(entry["decision"]["status"], json!("valid"));
    assert_eq!(
        entry["consideration"],
        json!({"status": "overdue", "due": "2026-04-01", "days_over": 61})
    );
    let entry = by_id(&due_soon).expect("due soon");
    assert_eq!(
        entry["consideration"],
        json!({"status": "due_soon", "due": "2026-06-15", "days_left": 14})
    );
    assert_eq!(list.len(), 5);
    // Expired first, by the decision's end.
    assert_eq!(list[0]["placement"]["id"], json!(expired.id));
    // The read is logged.
    let log = review(&app, &manager, &format!("child={}", c.id)).await;
    assert!(log.iter().any(|e| e.detail == "register_decisions"));
    assert_error(
        get(&app, &manager, "/api/v1/register/decisions?on=juni").await,
        400,
        ErrorCode::InvalidQuery,
    )
    .await;
    app.stop().await;
}

async fn breakdowns_and_replacements_match_a_hand_counted_fixture(backend: Backend) {
    let (app, unit, leader) = leader_of_a_unit(&backend).await;
    let (h1, h2) = (home(&unit, "Hem Ett"), home(&unit, "Hem Två"));
    put_home(&app, &leader, &h1).await;
    put_home(&app, &leader, &h2).await;
    let c = child(&unit, "Barn");
    put_child(&app, &leader, &c).await;
    let d = child(&unit, "Syskon");
    put_child(&app, &leader, &d).await;
    // Counted on 2026-12-04: the twelve months 2025-12-05 … 2026-12-04.
    let at = |home: &Home, child: &Child, start: &str| placement(child, Some(home), start);
    let fixture = [
        // Hem Ett: breakdowns 1, replacements 2, 1 current.
        (
            at(&h1, &c, "2026-06-01"),
            Some(("2026-11-01", EndKind::Unplanned, true)),
        ),
        (
            at(&h1, &d, "2025-06-01"),
            Some(("2026-02-01", EndKind::Planned, true)),
        ),
        (
            at(&h1, &c, "2025-01-01"),
            Some(("2025-11-30", EndKind::Unplanned, true)),
        ), // too old
        (at(&h1, &d, "2026-03-01"), None),
        // Hem Två: breakdowns 2, replacements 1, none current.
        (
            at(&h2, &c, "2026-10-01"),
            Some(("2026-12-04", EndKind::Unplanned, false)),
        ), // today
        (
            at(&h2, &d, "2025-01-01"),
            Some(("2025-12-04", EndKind::Unplanned, true)),
        ), // a year ago: out
        (
            at(&h2, &c, "2025-01-01"),
            Some(("2025-12-05", EndKind::Planned, false)),
        ), // planned
        (
            at(&h2, &d, "2026-01-01"),
            Some(("2026-06-01", EndKind::Unplanned, true)),
        ),
        (at(&h2, &c, "2027-01-01"), None), // starts later: not current
    ];
    for (p, closing) in &fixture {
        put_placement(&app, &leader, p).await;
        if let Some((end, kind, replacement)) = closing {
            close(&app, p, end, *kind, *replacement).await;
        }
    }
    let entries = homes(&app, &leader, "?on=2026-12-04").await;
    let of = |h: &Home| {
        entries
            .iter()
            .find(|e| e.home.id == h.id)
            .map(|e| (e.history, e.current_placements))
    };
    assert_eq!(
        of(&h1),
        Some((
            HomeHistory {
                breakdowns: 1,
                replacements: 2
            },
            1
        ))
    );
    assert_eq!(
        of(&h2),
        Some((
            HomeHistory {
                breakdowns: 2,
                replacements: 1
            },
            0
        ))
    );
    assert!(entries.iter().all(HomeEntry::is_flagged));
    // On 2027-11-02 only the closings after 2026-11-02 count, and the
    // placement that started in 2027 is current.
    let later = homes(&app, &leader, "?on=2027-11-02").await;
    let h1_later = later.iter().find(|e| e.home.id == h1.id).expect("h1");
    assert_eq!(
        h1_later.history,
        HomeHistory {
            breakdowns: 0,
            replacements: 0
        }
    );
    let h2_later = later.iter().find(|e| e.home.id == h2.id).expect("h2");
    assert_eq!(
        h2_later.history,
        HomeHistory {
            breakdowns: 1,
            replacements: 0
        }
    );
    assert_eq!(h2_later.current_placements, 1);
    app.stop().await;
}

async fn an_integration_token_is_kept_out_of_sync_and_the_register(backend: Backend) {
    let app = TestApp::spawn_with(&backend, no_demo()).await;
    let unit = unit(&app, "Enhet A").await;
    let account = server::db::accounts::UserRow {
        id: UserId::new_random(),
        username: "akt".into(),
        display_name: "Ärendesystemet".into(),
        role: Role::Integration,
        password_hash: None,
        active: true,
    };
    let token = server::auth::new_integration_token().expect("token");
    assert!(app
        .db
        .insert_integration(&account, &[unit.id], &server::auth::token_hash(&token))
        .await
        .expect("integration"));
    let client = crate::common::client_with_token(&token, reqwest::Client::builder());
    for path in [
        "/api/v1/sync/pull?protocol=1&since=0&limit=10",
        "/api/v1/register/homes",
        "/api/v1/register/decisions",
        "/api/v1/register/colleagues",
        "/api/v1/me",
        "/api/v1/sessions",
    ] {
        assert_error(get(&app, &client, path).await, 403, ErrorCode::Forbidden).await;
    }
    let h = home(&unit, "Hem");
    assert_error(
        put(
            &app,
            &client,
            &format!("/api/v1/register/homes/{}", h.id),
            &h,
        )
        .await,
        403,
        ErrorCode::Forbidden,
    )
    .await;
    let push = client
        .post(app.url("/api/v1/sync/push"))
        .json(&json!({"protocol": 1, "device_id": uuid::Uuid::new_v4(), "mutations": [], "reads": []}))
        .send()
        .await
        .expect("push");
    assert_error(push, 403, ErrorCode::Forbidden).await;
    // No password sign-in, whatever is tried.
    let login = reqwest::Client::new()
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"username": "akt", "password": token, "device_label": "x"}))
        .send()
        .await
        .expect("login");
    assert_error(login, 401, ErrorCode::InvalidCredentials).await;
    // A made-up token of the same shape, and a revoked one, are nobody.
    let forged = crate::common::client_with_token("bbi_forged", reqwest::Client::builder());
    assert_error(
        get(&app, &forged, "/api/v1/register/homes").await,
        401,
        ErrorCode::Unauthenticated,
    )
    .await;
    assert!(app.db.revoke_integration(&account).await.expect("revoke"));
    assert_error(
        get(&app, &client, "/api/v1/register/homes").await,
        401,
        ErrorCode::Unauthenticated,
    )
    .await;
    app.stop().await;
}

async fn bad_input_gets_the_json_error_and_writes_nothing(backend: Backend) {
    let (app, unit, leader) = leader_of_a_unit(&backend).await;
    let h = home(&unit, "Hem");
    put_home(&app, &leader, &h).await;
    let c = child(&unit, "Barn");
    put_child(&app, &leader, &c).await;
    let before = app.table_counts().await;
    let raw = |path: String, body: Vec<u8>, content_type: &'static str| {
        let leader = leader.clone();
        let url = app.url(&path);
        async move {
            leader
                .put(url)
                .header("content-type", content_type)
                .body(body)
                .send()
                .await
                .expect("request")
        }
    };
    let home_path = format!("/api/v1/register/homes/{}", h.id);
    let child_path = format!("/api/v1/register/children/{}", c.id);
    assert_error(
        raw(home_path.clone(), b"{\"id\": ".to_vec(), "application/json").await,
        400,
        ErrorCode::MalformedJson,
    )
    .await;
    assert_error(
        raw(home_path.clone(), b"[1, 2]".to_vec(), "application/json").await,
        400,
        ErrorCode::MalformedJson,
    )
    .await;
    assert_error(
        raw(
            home_path.clone(),
            serde_json::to_vec(&h).expect("json"),
            "text/plain",
        )
        .await,
        415,
        ErrorCode::UnsupportedMediaType,
    )
    .await;
    let huge = vec![b' '; shared::protocol::MAX_REQUEST_BYTES + 1];
    assert_error(
        raw(home_path.clone(), huge, "application/json").await,
        413,
        ErrorCode::PayloadTooLarge,
    )
    .await;
    // The body names another id than the path.
    let other = Home {
        id: HomeId::new_random(),
        ..h.clone()
    };
    assert_error(
        put(&app, &leader, &home_path, &other).await,
        422,
        ErrorCode::ValidationFailed,
    )
    .await;
    // Not an id at all.
    assert_error(
        put(&app, &leader, "/api/v1/register/homes/not-an-id", &h).await,
        404,
        ErrorCode::NotFound,
    )
    .await;
    // A field of the wrong shape.
    let mut wrong = serde_json::to_value(&c).expect("json");
    wrong["sex"] = json!("unknown");
    assert_error(
        put(&app, &leader, &child_path, &wrong).await,
        422,
        ErrorCode::ValidationFailed,
    )
    .await;
    // A personal identity number is no external id.
    let mut pnr = serde_json::to_value(&c).expect("json");
    pnr["external_id"] = json!("20140404-1234");
    assert_error(
        put(&app, &leader, &child_path, &pnr).await,
        422,
        ErrorCode::ValidationFailed,
    )
    .await;
    // A placement of an unknown child, at an unknown home, and workers who
    // are nobody.
    let stranger = child(&unit, "Okänd");
    let p = placement(&stranger, None, "2026-01-01");
    assert_error(
        put(
            &app,
            &leader,
            &format!("/api/v1/register/placements/{}", p.id),
            &p,
        )
        .await,
        422,
        ErrorCode::UnknownChild,
    )
    .await;
    let p = placement(&c, Some(&home(&unit, "Finns inte")), "2026-01-01");
    assert_error(
        put(
            &app,
            &leader,
            &format!("/api/v1/register/placements/{}", p.id),
            &p,
        )
        .await,
        422,
        ErrorCode::ValidationFailed,
    )
    .await;
    assert_error(
        put(
            &app,
            &leader,
            &format!("/api/v1/register/children/{}/workers", c.id),
            &json!({"workers": [UserId::new_random()]}),
        )
        .await,
        422,
        ErrorCode::ValidationFailed,
    )
    .await;
    // An external id another child holds.
    let mut first = child(&unit, "Första");
    first.external_id = Some(ExternalId::parse("BARN-7").expect("id"));
    put_child(&app, &leader, &first).await;
    let after_first = app.table_counts().await;
    let mut second = child(&unit, "Andra");
    second.external_id = first.external_id.clone();
    assert_error(
        put(
            &app,
            &leader,
            &format!("/api/v1/register/children/{}", second.id),
            &second,
        )
        .await,
        409,
        ErrorCode::IdConflict,
    )
    .await;
    assert_eq!(app.table_counts().await, after_first, "nothing written");
    assert_eq!(before.children + 1, after_first.children);
    let stored = homes(&app, &leader, "").await;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].home, h);
    app.stop().await;
}

backend_tests!(
    the_demo_register_shows_flags_and_decisions,
    setting_the_workers_replaces_the_caseload_and_leaves_cover,
    a_manager_reads_the_workers_a_put_set
);

async fn the_demo_register_shows_flags_and_decisions(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let token = crate::common::sign_in(&app.address, "demo.gunilla").await;
    let leader = crate::common::client_with_token(&token, reqwest::Client::builder());
    let entries = homes(&app, &leader, "").await;
    assert_eq!(entries.len(), 6);
    let named = |name: &str| {
        entries
            .iter()
            .find(|e| e.home.name.as_str() == name)
            .expect("demo home")
    };
    let checked = named("Familjen Exempelberg");
    assert!(!checked.is_flagged());
    assert_eq!(checked.current_placements, 1);
    assert!(!named("Jourhemmet Solgläntan (påhittat)")
        .home
        .missing_checks()
        .is_empty());
    let broke = named("Familjen Exempeldal (påhittat)");
    assert_eq!(broke.history.breakdowns, 1);
    assert_eq!(broke.history.replacements, 1);
    assert_eq!(broke.current_placements, 0);

    let decisions: Vec<Value> = ok(get(&app, &leader, "/api/v1/register/decisions").await).await;
    let status_of = |given: &str| {
        decisions
            .iter()
            .find(|d| {
                d["child_name"]
                    .as_str()
                    .is_some_and(|n| n.starts_with(given))
            })
            .map(|d| d["decision"]["status"].clone())
    };
    assert_eq!(status_of("Alva"), Some(json!("ends_soon")));
    assert_eq!(status_of("Noah"), Some(json!("expired")));
    app.stop().await;
}

/// The children `client`'s user may see now (`GET /api/v1/me`).
async fn visible(app: &TestApp, client: &reqwest::Client) -> Vec<ChildId> {
    let me: Value = ok(get(app, client, "/api/v1/me").await).await;
    serde_json::from_value(me["children"].clone()).expect("children")
}

async fn setting_the_workers_replaces_the_caseload_and_leaves_cover(backend: Backend) {
    let (app, unit, leader) = leader_of_a_unit(&backend).await;
    let (other, other_client) = member(&app, &unit, Role::Consultant).await;
    let (outsider, _) = app.client_for(Role::SocialWorker, &[]).await;
    let (_, manager) = member(&app, &unit, Role::UnitManager).await;
    let manager_id = {
        let me: Value = ok(get(&app, &manager, "/api/v1/me").await).await;
        me["user"]["id"].clone()
    };
    app.db
        .add_user_unit(app.user.id, unit.id)
        .await
        .expect("member");
    let c = child(&unit, "Barn");
    put_child(&app, &leader, &c).await;
    let path = format!("/api/v1/register/children/{}/workers", c.id);
    let set = |workers: Value| {
        let body = json!({ "workers": workers });
        let (url, leader) = (app.url(&path), leader.clone());
        async move { leader.put(url).json(&body).send().await.expect("request") }
    };

    let answer: Value = ok(set(json!([app.user.id])).await).await;
    assert_eq!(answer["workers"], json!([app.user.id]));
    assert_eq!(visible(&app, &app.client).await, vec![c.id]);
    assert!(visible(&app, &other_client).await.is_empty());

    let answer: Value = ok(set(json!([other])).await).await;
    assert_eq!(answer["workers"], json!([other]));
    assert!(visible(&app, &app.client).await.is_empty(), "handed over");
    assert_eq!(visible(&app, &other_client).await, vec![c.id]);

    // Someone outside the unit, a unit manager (who records no visits) and
    // an unknown field are refused, and the caseload stays.
    for refused in [json!([outsider.id]), json!([manager_id])] {
        assert_error(set(refused).await, 422, ErrorCode::ValidationFailed).await;
    }
    assert_error(
        put(&app, &leader, &path, &json!({ "workers": [], "extra": 1 })).await,
        422,
        ErrorCode::ValidationFailed,
    )
    .await;
    assert_eq!(visible(&app, &other_client).await, vec![c.id]);

    let answer: Value = ok(set(json!([])).await).await;
    assert_eq!(answer["workers"], json!([]));
    assert!(visible(&app, &other_client).await.is_empty());
    let log = review(&app, &manager, &format!("child={}", c.id)).await;
    let details: Vec<&str> = log.iter().map(|e| e.detail.as_str()).collect();
    assert!(
        details.contains(&format!("unassigned:{other}").as_str()),
        "{details:?}"
    );
    app.stop().await;
}

async fn a_manager_reads_the_workers_a_put_set(backend: Backend) {
    let app = TestApp::spawn_with(&backend, no_demo()).await;
    let (a, b) = (unit(&app, "Enhet A").await, unit(&app, "Enhet B").await);
    let (leader_id, leader) = member(&app, &a, Role::GroupLeader).await;
    let (_, leader_b) = member(&app, &b, Role::GroupLeader).await;
    let (_, manager) = member(&app, &a, Role::UnitManager).await;
    let (worker, worker_client) = member(&app, &a, Role::SocialWorker).await;
    let (consultant, _) = member(&app, &a, Role::Consultant).await;
    let c = child(&a, "Barn");
    put_child(&app, &leader, &c).await;
    let path = format!("/api/v1/register/children/{}/workers", c.id);

    // None yet: an empty list, not an error.
    let answer: Value = ok(get(&app, &leader, &path).await).await;
    assert_eq!(answer, json!({ "workers": [] }));

    let mut chosen = vec![worker, consultant];
    chosen.sort_unstable();
    let set: Value = ok(put(&app, &leader, &path, &json!({ "workers": chosen })).await).await;
    assert_eq!(set["workers"], json!(chosen));
    for client in [&leader, &manager] {
        let answer: Value = ok(get(&app, client, &path).await).await;
        assert_eq!(answer, json!({ "workers": chosen }));
    }

    // Another unit's manager and a social worker (even the child's own)
    // are refused; an unknown child and a path that is no id are not found.
    for client in [&leader_b, &worker_client] {
        assert_error(get(&app, client, &path).await, 403, ErrorCode::Forbidden).await;
    }
    let unknown = format!(
        "/api/v1/register/children/{}/workers",
        ChildId::new_random()
    );
    assert_error(get(&app, &leader, &unknown).await, 404, ErrorCode::NotFound).await;
    assert_error(
        get(
            &app,
            &leader,
            "/api/v1/register/children/inte-ett-id/workers",
        )
        .await,
        404,
        ErrorCode::NotFound,
    )
    .await;

    // Each read answered is a logged read of the child, by whoever read.
    let log = review(&app, &manager, &format!("child={}", c.id)).await;
    let reads: Vec<UserId> = log
        .iter()
        .filter(|e| e.action == AuditAction::Read && e.detail == "register_workers")
        .map(|e| e.user_id)
        .collect();
    assert_eq!(reads.len(), 3, "{log:?}");
    assert_eq!(reads.iter().filter(|u| **u == leader_id).count(), 2);
    app.stop().await;
}
