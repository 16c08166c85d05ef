//! The self-check over HTTP on both backends: a small fixture counted by
//! hand (dates around the edges), every measure of the Total column and the
//! grouping by sex, the previous period, the lists, the drill-down and its
//! log, who may see what, bad input refused with nothing written, and the
//! monthly case review.

use crate::backend_tests;
use crate::helpers::{assert_error, review, Backend, Options, TestApp};
use chrono::{DateTime, NaiveDate, Utc};
use reqwest::StatusCode;
use serde_json::{json, Value as Json};
use shared::auth::Role;
use shared::checklist::{ChecklistTick, ItemState, TemplateVersion};
use shared::protocol::Record;
use shared::selfcheck::{
    CaseReview, CaseReviewView, Cell, DrillDown, Measure, MonthlyVisits, OverdueKind,
    SelfCheckReport, TableRow, Value,
};
use shared::{
    ChecklistTickId, Child, ChildId, ClosingId, ContactKind, EndKind, EndReason, ErrorCode,
    LegalBasis, NotAloneReason, PersonName, Placement, PlacementClosing, PlacementId,
    PlacementKind, Sex, UnitId, UserId, Visit, VisitId, VisitNote, VisitorName, VisitorRole,
};

backend_tests!(
    the_report_matches_a_hand_counted_fixture,
    the_drill_down_names_the_children_behind_a_figure_and_logs_them,
    only_managers_of_their_own_units_see_the_self_check,
    bad_input_gets_the_json_error_and_writes_nothing,
    case_reviews_are_saved_once_listed_newest_first_and_logged,
    a_placement_ended_before_its_first_week_owed_no_visit,
    a_visit_overdue_since_before_the_period_breaks_it_until_it_is_made,
    the_migration_backfills_the_entries_visits_are_written_with,
    the_information_given_is_each_item_s_latest_tick_however_they_arrive,
);

fn day(s: &str) -> NaiveDate {
    s.parse().expect("date")
}

fn at(s: &str) -> DateTime<Utc> {
    s.parse().expect("instant")
}

fn name(s: &str) -> PersonName {
    PersonName::parse(s).expect("name")
}

/// The report's day: "last quarter" is then 2027-01-01 … 2027-03-31 and
/// the previous period 2026-10-01 … 2026-12-31.
const TODAY: &str = "2027-04-10";

/// Who is in the fixture.
struct Fixture {
    app: TestApp,
    unit: UnitId,
    other_unit: UnitId,
    /// A unit manager of `unit`.
    manager: reqwest::Client,
    manager_id: UserId,
    /// Social workers Anna (w1) and Bo (w2), consultant Klara, and the
    /// disability-area officer Frida, all of `unit`.
    w1: UserId,
    w2: UserId,
    consultant: UserId,
    alva: ChildId,
    bertil: ChildId,
    cleo: ChildId,
    dan: ChildId,
    ebba: ChildId,
    gun: ChildId,
    frans: ChildId,
}

async fn user(app: &TestApp, unit: UnitId, display: &str, role: Role) -> UserId {
    let user = server::db::accounts::UserRow {
        id: UserId::new_random(),
        username: format!("u.{}", uuid::Uuid::new_v4().simple()),
        display_name: display.into(),
        role,
        password_hash: None,
        active: true,
    };
    assert!(app.db.insert_user(&user).await.expect("user"));
    app.db.add_user_unit(user.id, unit).await.expect("member");
    user.id
}

fn child(unit: UnitId, given: &str, born: &str, sex: Sex) -> Child {
    Child {
        id: ChildId::new_random(),
        given_name: name(given),
        family_name: name("Testsson"),
        birth_date: day(born),
        sex,
        has_disability: false,
        unit_id: Some(unit),
        external_id: None,
    }
}

fn placement(child: &Child, kind: PlacementKind, start: &str, end: Option<&str>) -> Placement {
    Placement {
        id: PlacementId::new_random(),
        child_id: child.id,
        kind,
        home_name: name("Hemmet"),
        legal_basis: LegalBasis::SoL,
        start_date: day(start),
        end_date: end.map(day),
        // Considerations are not due in the fixture unless a test says so.
        last_consideration: Some(day("2027-01-15")),
        ..Placement::blank()
    }
}

/// How a visit went.
#[derive(Clone, Copy)]
enum Heard {
    /// Alone, the child's view written down.
    AloneWithView,
    /// Not alone, no view, no reason.
    Neither,
    /// Not alone, no view, the reason given.
    Reason,
}

fn visit(child: &Child, date: &str, by: UserId, role: VisitorRole, heard: Heard) -> Visit {
    let (talked_alone, view, reason) = match heard {
        Heard::AloneWithView => (true, "Barnet trivs.", None),
        Heard::Neither => (false, "", None),
        Heard::Reason => (false, "", Some(NotAloneReason::ChildDeclined)),
    };
    Visit {
        id: VisitId::new_random(),
        child_id: child.id,
        visit_date: day(date),
        visitor: VisitorName::parse("Besökare").expect("name"),
        talked_alone,
        visitor_role: role,
        not_alone_reason: reason,
        child_view: VisitNote::parse(view).expect("view"),
        recorded_at: at("2026-01-01T00:00:00Z"),
        signed_by: Some(by),
        ..Visit::blank()
    }
}

fn tick(p: &Placement, item: &str, state: ItemState, by: UserId, when: &str) -> Record {
    Record::ChecklistTick(ChecklistTick {
        id: ChecklistTickId::new_random(),
        child_id: p.child_id,
        placement_id: p.id,
        template: TemplateVersion {
            kind: p.kind,
            version: 1,
        },
        item_key: item.into(),
        state,
        by_name: VisitorName::parse("Anna Lind").expect("name"),
        by,
        ticked_at: at(when),
    })
}

/// An assignment of `user` to `child` from `starts` (to `ends`).
async fn assign(app: &TestApp, child: ChildId, user: UserId, starts: &str, ends: Option<&str>) {
    let ends = ends.map_or("NULL".to_owned(), |e| format!("'{e}'"));
    app.execute_sql(&format!(
        "INSERT INTO child_access (id, child_id, user_id, kind, granted_by, starts_at, ends_at) \
         VALUES ('{}', '{child}', '{user}', 'assigned', NULL, '{starts}', {ends})",
        uuid::Uuid::new_v4()
    ))
    .await;
}

/// The fixture, each child's part of the hand count in its comment.
async fn fixture(backend: &Backend) -> Fixture {
    let app = TestApp::spawn_with(
        backend,
        Options {
            demo_data: false,
            ..Options::default()
        },
    )
    .await;
    let unit = UnitId::new_random();
    assert!(app.db.insert_unit(unit, "Enhet A").await.expect("unit"));
    let other_unit = UnitId::new_random();
    assert!(app
        .db
        .insert_unit(other_unit, "Enhet B")
        .await
        .expect("unit"));
    let (manager_row, manager) = app.client_for(Role::UnitManager, &[]).await;
    app.db
        .add_user_unit(manager_row.id, unit)
        .await
        .expect("member");
    let w1 = user(&app, unit, "Anna Lind", Role::SocialWorker).await;
    let w2 = user(&app, unit, "Bo Ek", Role::SocialWorker).await;
    let consultant = user(&app, unit, "Klara Konsult", Role::Consultant).await;
    let officer = user(&app, unit, "Frida Funk", Role::DisabilityOfficer).await;
    let other_worker = user(&app, other_unit, "Olle Annan", Role::SocialWorker).await;
    use Heard::*;
    use VisitorRole::{Consultant, DisabilityOfficer, Employee};

    // Alva, girl, 11: foster home since 2026-06-01. Visited 2026-06-05,
    // 08-30 and 11-30 (each in time), then on 2027-02-28: exactly three
    // months after 30 November, clamped at February's end: in time.
    // Informed of the contact details; the complaints tick was undone.
    let alva = child(unit, "Alva", "2015-03-01", Sex::Girl);
    let p_alva = placement(&alva, PlacementKind::FosterHome, "2026-06-01", None);
    // Bertil, boy, 16: residential care since 2026-03-01. Visited 2026-09-01
    // and 11-30; then the consultant came on 2027-03-01, one day after the
    // due 2027-02-28: a broken interval; not alone, the child declined,
    // the reason given. His decision ran out on 2027-04-01 and his
    // consideration is due 2027-04-20.
    let bertil = child(unit, "Bertil", "2010-05-05", Sex::Boy);
    let mut p_bertil = placement(&bertil, PlacementKind::ResidentialCare, "2026-03-01", None);
    p_bertil.decision_until = Some(day("2027-04-01"));
    p_bertil.last_consideration = Some(day("2026-10-20"));
    // Cleo, sex not recorded, 6: emergency home 2026-09-01, ended unplanned
    // on 2027-01-20 with a re-placement (needs not met) to a foster home
    // started that day (a new placement in the period) and visited on its
    // 7th day, 2027-01-27: in time. Visited by Anna on 2026-09-05,
    // 2026-12-01 and 2027-01-10 (not alone, nothing written: neither view
    // nor reason); the clock of the emergency home stopped on 01-20 before
    // its due 03-01. Handed from Anna to Bo on 2027-01-20: one change of
    // worker, two different visitors.
    let cleo = child(unit, "Cleo", "2021-01-01", Sex::NotRecorded);
    let p_cleo1 = placement(
        &cleo,
        PlacementKind::EmergencyHome,
        "2026-09-01",
        Some("2027-01-20"),
    );
    let p_cleo2 = placement(&cleo, PlacementKind::FosterHome, "2027-01-20", None);
    // Dan, boy, 15: foster home from 2027-02-01 (inside the period), first
    // visited on its 8th day, 2027-02-09: late by one day.
    let dan = child(unit, "Dan", "2012-02-02", Sex::Boy);
    let p_dan = placement(&dan, PlacementKind::FosterHome, "2027-02-01", None);
    // Ebba, girl, 17: stödboende since 2026-01-01. First visited 2026-12-15
    // (due 2026-01-08: that interval was still open in the previous
    // quarter, so it broke there), then 2027-03-10 (in time); a phone call
    // on 2027-01-05 does not count; the disability-area officer visited on
    // 2027-02-10. Informed of all three.
    let ebba = child(unit, "Ebba", "2009-06-01", Sex::Girl);
    let p_ebba = placement(&ebba, PlacementKind::SupportedHousing, "2026-01-01", None);
    // Gun, girl, 11: foster home since 2026-10-01, visited 2026-10-05 and
    // never again: due 2027-01-05, broken, 85 days late at the period's end
    // and 95 days overdue on 2027-04-10. Anna and the consultant Klara are
    // both her workers.
    let gun = child(unit, "Gun", "2016-01-01", Sex::Girl);
    let p_gun = placement(&gun, PlacementKind::FosterHome, "2026-10-01", None);
    // Frans is in another unit: never counted.
    let frans = child(other_unit, "Frans", "2012-01-01", Sex::Boy);
    let p_frans = placement(&frans, PlacementKind::FosterHome, "2027-01-01", None);

    let mut records: Vec<Record> = [&alva, &bertil, &cleo, &dan, &ebba, &gun, &frans]
        .into_iter()
        .map(|c| Record::Child(c.clone()))
        .collect();
    records.extend(
        [
            &p_alva, &p_bertil, &p_cleo1, &p_cleo2, &p_dan, &p_ebba, &p_gun, &p_frans,
        ]
        .into_iter()
        .map(|p| Record::Placement(p.clone())),
    );
    let mut phone = visit(&ebba, "2027-01-05", w2, Employee, AloneWithView);
    phone.contact = ContactKind::Phone;
    let visits = [
        visit(&alva, "2026-06-05", w1, Employee, AloneWithView),
        visit(&alva, "2026-08-30", w1, Employee, AloneWithView),
        visit(&alva, "2026-11-30", w1, Employee, AloneWithView),
        visit(&alva, "2027-02-28", w1, Employee, AloneWithView),
        visit(&bertil, "2026-09-01", w1, Employee, AloneWithView),
        visit(&bertil, "2026-11-30", w1, Employee, AloneWithView),
        visit(&bertil, "2027-03-01", consultant, Consultant, Reason),
        visit(&cleo, "2026-09-05", w1, Employee, AloneWithView),
        visit(&cleo, "2026-12-01", w1, Employee, AloneWithView),
        visit(&cleo, "2027-01-10", w1, Employee, Neither),
        visit(&cleo, "2027-01-27", w2, Employee, AloneWithView),
        visit(&dan, "2027-02-09", w1, Employee, AloneWithView),
        visit(&ebba, "2026-12-15", w2, Employee, AloneWithView),
        phone,
        visit(
            &ebba,
            "2027-02-10",
            officer,
            DisabilityOfficer,
            AloneWithView,
        ),
        visit(&ebba, "2027-03-10", w2, Employee, AloneWithView),
        visit(&gun, "2026-10-05", w1, Employee, AloneWithView),
        visit(&frans, "2027-02-02", other_worker, Employee, AloneWithView),
    ];
    records.extend(visits.into_iter().map(Record::Visit));
    records.push(Record::PlacementClosing(PlacementClosing {
        id: ClosingId::new_random(),
        child_id: cleo.id,
        placement_id: p_cleo1.id,
        end_date: day("2027-01-20"),
        kind: EndKind::Unplanned,
        replacement: true,
        reason: Some(EndReason::NeedsNotMet),
        reason_text: VisitNote::default(),
        closing_note: VisitNote::parse("Omplacerad").expect("note"),
        signed_by: w1,
        signed_by_name: VisitorName::parse("Anna Lind").expect("name"),
        recorded_at: at("2027-01-20T12:00:00Z"),
    }));
    records.extend([
        tick(
            &p_alva,
            "kontaktuppgifter",
            ItemState::Done,
            w1,
            "2026-06-05T10:00:00Z",
        ),
        tick(
            &p_alva,
            "klagomal",
            ItemState::Done,
            w1,
            "2026-06-05T10:01:00Z",
        ),
        tick(
            &p_alva,
            "klagomal",
            ItemState::Open,
            w1,
            "2026-06-06T10:00:00Z",
        ),
        tick(
            &p_ebba,
            "kontaktuppgifter",
            ItemState::Done,
            w2,
            "2026-12-15T10:00:00Z",
        ),
        tick(
            &p_ebba,
            "klagomal",
            ItemState::Done,
            w2,
            "2026-12-15T10:00:00Z",
        ),
        tick(
            &p_ebba,
            "rattigheter",
            ItemState::Done,
            w2,
            "2026-12-15T10:00:00Z",
        ),
        tick(
            &p_frans,
            "rattigheter",
            ItemState::Done,
            other_worker,
            "2027-01-02T10:00:00Z",
        ),
    ]);
    app.db.insert_records(&records).await.expect("fixture");

    let z = ".000000Z";
    assign(&app, alva.id, w1, &format!("2026-05-01T00:00:00{z}"), None).await;
    assign(
        &app,
        bertil.id,
        w1,
        &format!("2026-02-01T00:00:00{z}"),
        None,
    )
    .await;
    let handover = format!("2027-01-20T10:00:00{z}");
    assign(
        &app,
        cleo.id,
        w1,
        &format!("2026-08-25T00:00:00{z}"),
        Some(&handover),
    )
    .await;
    assign(&app, cleo.id, w2, &handover, None).await;
    assign(&app, dan.id, w1, &format!("2027-02-01T08:00:00{z}"), None).await;
    assign(&app, ebba.id, w2, &format!("2025-12-01T00:00:00{z}"), None).await;
    assign(&app, gun.id, w1, &format!("2026-09-25T00:00:00{z}"), None).await;
    assign(
        &app,
        gun.id,
        consultant,
        &format!("2026-09-25T00:00:00{z}"),
        None,
    )
    .await;
    assign(
        &app,
        frans.id,
        other_worker,
        &format!("2026-12-01T00:00:00{z}"),
        None,
    )
    .await;
    Fixture {
        app,
        unit,
        other_unit,
        manager,
        manager_id: manager_row.id,
        w1,
        w2,
        consultant,
        alva: alva.id,
        bertil: bertil.id,
        cleo: cleo.id,
        dan: dan.id,
        ebba: ebba.id,
        gun: gun.id,
        frans: frans.id,
    }
}

async fn get_report(f: &Fixture, query: &str) -> SelfCheckReport {
    let response = f
        .manager
        .get(f.app.url(&format!("/api/v1/selfcheck?{query}")))
        .send()
        .await
        .expect("request");
    let status = response.status();
    let body = response.text().await.expect("body");
    assert_eq!(status, StatusCode::OK, "{query}: {body}");
    serde_json::from_str(&body).expect("report")
}

fn row(report: &SelfCheckReport, measure: Measure) -> &TableRow {
    report
        .tables
        .iter()
        .flat_map(|t| &t.rows)
        .find(|r| r.measure == measure)
        .expect("row")
}

fn share(numerator: u32, denominator: u32) -> Value {
    Value::Share {
        numerator,
        denominator,
    }
}

fn cell(now: Value, previous: Value) -> Cell {
    Cell { now, previous }
}

async fn the_report_matches_a_hand_counted_fixture(backend: Backend) {
    let f = fixture(&backend).await;
    let report = get_report(
        &f,
        &format!("period=last_quarter&group_by=sex&today={TODAY}"),
    )
    .await;
    assert_eq!(report.period.from, day("2027-01-01"));
    assert_eq!(report.period.to, day("2027-03-31"));
    assert_eq!(report.previous.from, day("2026-10-01"));
    assert_eq!(report.previous.to, day("2026-12-31"));
    // Alva, Bertil, Cleo, Dan, Ebba and Gun; Frans is another unit's.
    assert_eq!(report.children, 6);
    assert_eq!(report.units.len(), 1);
    assert_eq!(report.units[0].id, f.unit);

    // The Total column, now beside the previous quarter (Alva, Bertil,
    // Cleo, Ebba and Gun: Dan was placed in February).
    use Measure::*;
    let expected = [
        // Now: Cleo in time (day 7), Dan late (day 8). Before: Gun (day 4).
        (FirstVisitInTime, cell(share(1, 2), share(1, 1))),
        // Now: Bertil (one day late), Dan (first visit late) and Gun (never
        // visited after 01-05) broke an interval; Alva (30 Nov → 28 Feb),
        // Cleo and Ebba did not. Before: Ebba, first visited on 12-15.
        (VisitedEveryThirdMonth, cell(share(3, 6), share(4, 5))),
        // Now: Alva 1, Bertil 1, Cleo 2, Dan 1, Ebba 1 (the phone call and
        // the officer's visit do not count), Gun 0. Before: one each.
        (
            VisitsPerChild,
            cell(
                Value::Average { sum: 6, count: 6 },
                Value::Average { sum: 5, count: 5 },
            ),
        ),
        // Bertil's consultant visit.
        (VisitsByConsultants, cell(share(1, 6), share(0, 5))),
        // Alone: Alva, Cleo 01-27, Dan, Ebba; not Bertil, not Cleo 01-10.
        (TalkedAlone, cell(share(4, 6), share(5, 5))),
        (ViewDocumented, cell(share(4, 6), share(5, 5))),
        // Bertil: the child declined.
        (ReasonWithoutView, cell(share(1, 6), share(0, 5))),
        // Cleo 01-10.
        (NeitherViewNorReason, cell(share(1, 6), share(0, 5))),
        // Gun.
        (NotVisited, cell(share(1, 6), share(0, 5))),
        (OneVisitor, cell(share(4, 6), share(5, 5))),
        // Cleo: Anna and Bo.
        (TwoVisitors, cell(share(1, 6), share(0, 5))),
        (ThreeOrMoreVisitors, cell(share(0, 6), share(0, 5))),
        // Cleo's handover on 01-20.
        (WorkerChanges, cell(Value::Count(1), Value::Count(0))),
        // Cleo's emergency home: unplanned, a re-placement, needs not met.
        (UnplannedEndings, cell(Value::Count(1), Value::Count(0))),
        (Replacements, cell(Value::Count(1), Value::Count(0))),
        (
            EndedBecause(EndReason::NeedsNotMet),
            cell(Value::Count(1), Value::Count(0)),
        ),
        (
            EndedBecause(EndReason::ChildsWish),
            cell(Value::Count(0), Value::Count(0)),
        ),
        (EndedWithoutReason, cell(Value::Count(0), Value::Count(0))),
        // Ebba in stödboende: the officer came in February, not before.
        (
            SupportedHousingVisitedByOfficer,
            cell(share(1, 1), share(0, 1)),
        ),
        (OfficerVisits, cell(Value::Count(1), Value::Count(0))),
        // Ebba has all three; Alva the contact details only (her complaints
        // tick was undone).
        (InformedAll, cell(share(1, 6), share(1, 5))),
        (InformedContact, cell(share(2, 6), share(2, 5))),
        (InformedComplaints, cell(share(1, 6), share(1, 5))),
        (InformedRights, cell(share(1, 6), share(1, 5))),
    ];
    for (measure, want) in expected {
        assert_eq!(row(&report, measure).total, want, "{measure:?}");
    }

    // By sex: girls (Alva, Ebba, Gun), boys (Bertil, Dan), other (none),
    // not recorded (Cleo); the previous quarter had Alva, Ebba, Gun;
    // Bertil; Cleo.
    let keys: Vec<&str> = report.columns.iter().map(|c| c.key.as_str()).collect();
    assert_eq!(keys, ["girl", "boy", "other", "not_recorded"]);
    let by_sex = |measure: Measure| row(&report, measure).cells.clone();
    assert_eq!(
        by_sex(VisitedEveryThirdMonth),
        [
            // Gun broke hers; Ebba hers before.
            cell(share(2, 3), share(2, 3)),
            // Bertil and Dan both.
            cell(share(0, 2), share(1, 1)),
            cell(share(0, 0), share(0, 0)),
            cell(share(1, 1), share(1, 1)),
        ]
    );
    assert_eq!(
        by_sex(VisitsPerChild),
        [
            cell(
                Value::Average { sum: 2, count: 3 },
                Value::Average { sum: 3, count: 3 }
            ),
            cell(
                Value::Average { sum: 2, count: 2 },
                Value::Average { sum: 1, count: 1 }
            ),
            cell(
                Value::Average { sum: 0, count: 0 },
                Value::Average { sum: 0, count: 0 }
            ),
            cell(
                Value::Average { sum: 2, count: 1 },
                Value::Average { sum: 1, count: 1 }
            ),
        ]
    );
    assert_eq!(
        by_sex(TalkedAlone),
        [
            cell(share(2, 2), share(3, 3)),
            // Dan alone, Bertil not.
            cell(share(1, 2), share(1, 1)),
            cell(share(0, 0), share(0, 0)),
            cell(share(1, 2), share(1, 1)),
        ]
    );
    assert_eq!(
        by_sex(FirstVisitInTime),
        [
            cell(share(0, 0), share(1, 1)),
            cell(share(0, 1), share(0, 0)),
            cell(share(0, 0), share(0, 0)),
            cell(share(1, 1), share(0, 0)),
        ]
    );

    // The intervals that broke, by due date.
    let broken: Vec<(ChildId, bool, NaiveDate, NaiveDate, Option<NaiveDate>, i64)> = report
        .broken_intervals
        .iter()
        .map(|b| {
            (
                b.child_id,
                b.first_visit,
                b.since,
                b.due,
                b.visited,
                b.days_late,
            )
        })
        .collect();
    assert_eq!(
        broken,
        [
            // 2027-01-05 to 03-31: 26 + 28 + 31 days.
            (f.gun, false, day("2026-10-05"), day("2027-01-05"), None, 85),
            (
                f.dan,
                true,
                day("2027-02-01"),
                day("2027-02-08"),
                Some(day("2027-02-09")),
                1
            ),
            (
                f.bertil,
                false,
                day("2026-11-30"),
                day("2027-02-28"),
                Some(day("2027-03-01")),
                1
            ),
        ]
    );
    let gun_workers: Vec<UserId> = report.broken_intervals[0]
        .workers
        .iter()
        .map(|w| w.id)
        .collect();
    assert_eq!(gun_workers, [f.w1, f.consultant], "by name");

    // Overdue on 2027-04-10: Gun's visit (95 days), Bertil's decision
    // (expired 9 days ago) and his consideration (due in 10 days).
    let overdue: Vec<(ChildId, OverdueKind, i64)> = report
        .overdue
        .iter()
        .map(|o| (o.child_id, o.what, o.days_overdue))
        .collect();
    assert_eq!(
        overdue,
        [
            (
                f.gun,
                OverdueKind::Visit {
                    due: day("2027-01-05")
                },
                95
            ),
            (
                f.bertil,
                OverdueKind::DecisionExpired {
                    until: day("2027-04-01")
                },
                9
            ),
            (
                f.bertil,
                OverdueKind::ConsiderationDue {
                    due: day("2027-04-20")
                },
                -10
            ),
        ]
    );
    assert_eq!(report.overdue[1].workers[0].id, f.w1);

    // Cleo alone changed: two visitors and a handover.
    let most: Vec<(ChildId, u32, u32)> = report
        .most_changes
        .iter()
        .map(|c| (c.child_id, c.distinct_visitors, c.worker_changes))
        .collect();
    assert_eq!(most, [(f.cleo, 2, 1)]);
    let endings: Vec<(ChildId, NaiveDate, Option<EndReason>)> = report
        .endings
        .iter()
        .map(|e| (e.child_id, e.end_date, e.ending.reason))
        .collect();
    assert_eq!(
        endings,
        [(f.cleo, day("2027-01-20"), Some(EndReason::NeedsNotMet))]
    );
    assert_eq!(report.endings[0].workers[0].id, f.w2, "Bo has her now");

    // Counting visits per month, both quarters (Frans's is another unit's;
    // the phone call and the officer's visit do not count).
    let months: Vec<(NaiveDate, u32, u32)> = report
        .visits_per_month
        .iter()
        .map(|m: &MonthlyVisits| (m.month, m.visits, m.talked_alone))
        .collect();
    assert_eq!(
        months,
        [
            (day("2026-10-01"), 1, 1),
            (day("2026-11-01"), 2, 2),
            (day("2026-12-01"), 2, 2),
            (day("2027-01-01"), 2, 1),
            (day("2027-02-01"), 2, 2),
            (day("2027-03-01"), 2, 1),
        ]
    );

    // Grouped by worker: Cleo is Bo's at the end of the period, Gun is both
    // Anna's and the consultant's (shown apart, after the employees).
    let by_worker = get_report(
        &f,
        &format!("period=last_quarter&group_by=worker&today={TODAY}"),
    )
    .await;
    let columns: Vec<(String, bool)> = by_worker
        .columns
        .iter()
        .map(|c| (c.key.clone(), c.consultant))
        .collect();
    assert_eq!(
        columns,
        [
            (f.w1.to_string(), false),
            (f.w2.to_string(), false),
            (f.consultant.to_string(), true),
        ]
    );
    let not_visited = &row(&by_worker, NotVisited).cells;
    // Anna: Alva, Bertil, Dan, Gun; Bo: Cleo, Ebba; Klara: Gun.
    assert_eq!(not_visited[0].now, share(1, 4));
    assert_eq!(not_visited[1].now, share(0, 2));
    assert_eq!(not_visited[2].now, share(1, 1));

    // The same unit asked for by id gives the same figures.
    let one_unit = get_report(
        &f,
        &format!(
            "period=last_quarter&group_by=sex&today={TODAY}&unit={}",
            f.unit
        ),
    )
    .await;
    assert_eq!(one_unit.tables, report.tables);

    // A custom calendar month compares with the month before.
    let custom = get_report(
        &f,
        &format!("period=custom&from=2027-02-01&to=2027-02-28&group_by=unit&today={TODAY}"),
    )
    .await;
    assert_eq!(custom.previous.from, day("2027-01-01"));
    // February: Alva 02-28, Dan 02-09 (Ebba's officer visit does not count).
    assert_eq!(
        row(&custom, VisitsByConsultants).total.now,
        share(0, 2),
        "two visits in February"
    );
    assert_eq!(
        row(&custom, FirstVisitInTime).total,
        cell(share(0, 1), share(1, 1))
    );

    // The lists named Gun, Bertil, Dan, Cleo: each logged as read.
    for child in [f.gun, f.bertil, f.dan, f.cleo] {
        let entries = review(&f.app, &f.manager, &format!("child={child}")).await;
        assert!(
            entries.iter().any(|e| e.user_id == f.manager_id
                && e.detail == "selfcheck_report"
                && e.action == shared::audit::AuditAction::Read),
            "{child}"
        );
    }
    let alva_reads = review(&f.app, &f.manager, &format!("child={}", f.alva)).await;
    assert!(
        alva_reads.iter().all(|e| e.detail != "selfcheck_report"),
        "the tables name nobody"
    );
    f.app.stop().await;
}

async fn drill(f: &Fixture, query: &str) -> DrillDown {
    let response = f
        .manager
        .get(f.app.url(&format!("/api/v1/selfcheck/children?{query}")))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::OK, "{query}");
    response.json().await.expect("drill-down")
}

async fn the_drill_down_names_the_children_behind_a_figure_and_logs_them(backend: Backend) {
    let f = fixture(&backend).await;
    let base = format!("period=last_quarter&today={TODAY}");
    // The boys who were not visited every third month: Bertil and Dan.
    let boys = drill(
        &f,
        &format!("{base}&group_by=sex&measure=visited_every_third_month&group=boy"),
    )
    .await;
    let mut named: Vec<(ChildId, Value)> = boys
        .children
        .iter()
        .map(|c| (c.child_id, c.value))
        .collect();
    named.sort_by_key(|(c, _)| *c);
    let mut want = vec![(f.bertil, share(0, 1)), (f.dan, share(0, 1))];
    want.sort_by_key(|(c, _)| *c);
    assert_eq!(named, want);
    assert_eq!(boys.group.as_deref(), Some("boy"));
    // The Total of the first visits: Cleo's in time, Dan's late; nobody
    // else had a new placement.
    let first = drill(
        &f,
        &format!("{base}&group_by=sex&measure=first_visit_in_time"),
    )
    .await;
    let mut named: Vec<(ChildId, Value)> = first
        .children
        .iter()
        .map(|c| (c.child_id, c.value))
        .collect();
    named.sort_by_key(|(c, _)| *c);
    let mut want = vec![(f.cleo, share(1, 1)), (f.dan, share(0, 1))];
    want.sort_by_key(|(c, _)| *c);
    assert_eq!(named, want);
    let cleo = first
        .children
        .iter()
        .find(|c| c.child_id == f.cleo)
        .expect("Cleo");
    assert_eq!(cleo.child_name, "Cleo Testsson");
    // The endings' reason, by its key.
    let ended = drill(
        &f,
        &format!("{base}&group_by=unit&measure=ended_because:needs_not_met"),
    )
    .await;
    assert_eq!(ended.children.len(), 1);
    assert_eq!(ended.children[0].child_id, f.cleo);

    for child in [f.bertil, f.dan, f.cleo] {
        let entries = review(&f.app, &f.manager, &format!("child={child}")).await;
        assert!(
            entries
                .iter()
                .any(|e| e.user_id == f.manager_id && e.detail == "selfcheck_drilldown"),
            "{child}"
        );
    }
    let alva = review(&f.app, &f.manager, &format!("child={}", f.alva)).await;
    assert!(alva.iter().all(|e| e.detail != "selfcheck_drilldown"));

    // Visits per child, Total: every child counted, and only those (not
    // Frans, of another unit).
    let all = drill(&f, &format!("{base}&group_by=sex&measure=visits_per_child")).await;
    let mut named: Vec<ChildId> = all.children.iter().map(|c| c.child_id).collect();
    named.sort_unstable();
    let mut want = vec![f.alva, f.bertil, f.cleo, f.dan, f.ebba, f.gun];
    want.sort_unstable();
    assert_eq!(named, want);
    assert!(!named.contains(&f.frans));
    f.app.stop().await;
}

async fn only_managers_of_their_own_units_see_the_self_check(backend: Backend) {
    let f = fixture(&backend).await;
    let query = format!("period=last_quarter&today={TODAY}");
    let (worker, social_worker) = f.app.client_for(Role::SocialWorker, &[f.alva]).await;
    f.app
        .db
        .add_user_unit(worker.id, f.unit)
        .await
        .expect("member");
    for path in [
        format!("/api/v1/selfcheck?{query}"),
        format!("/api/v1/selfcheck/children?{query}&measure=not_visited"),
        format!("/api/v1/selfcheck/review/{}", f.w1),
    ] {
        let response = social_worker
            .get(f.app.url(&path))
            .send()
            .await
            .expect("request");
        assert_error(response, 403, ErrorCode::Forbidden).await;
    }
    let response = social_worker
        .post(f.app.url("/api/v1/selfcheck/reviews"))
        .json(&json!({
            "id": uuid::Uuid::new_v4(), "worker_id": f.w1,
            "review_date": "2027-04-08", "agreed_actions": "x"
        }))
        .send()
        .await
        .expect("request");
    assert_error(response, 403, ErrorCode::Forbidden).await;

    // A group leader sees their unit; asking for another unit is refused.
    let (leader, leader_client) = f.app.client_for(Role::GroupLeader, &[]).await;
    f.app
        .db
        .add_user_unit(leader.id, f.unit)
        .await
        .expect("member");
    let response = leader_client
        .get(f.app.url(&format!("/api/v1/selfcheck?{query}")))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::OK);
    let report: SelfCheckReport = response.json().await.expect("report");
    assert_eq!(report.children, 6);
    let response = leader_client
        .get(
            f.app
                .url(&format!("/api/v1/selfcheck?{query}&unit={}", f.other_unit)),
        )
        .send()
        .await
        .expect("request");
    assert_error(response, 403, ErrorCode::Forbidden).await;
    let response = leader_client
        .get(f.app.url(&format!(
            "/api/v1/selfcheck/children?{query}&measure=not_visited&unit={}",
            f.other_unit
        )))
        .send()
        .await
        .expect("request");
    assert_error(response, 403, ErrorCode::Forbidden).await;

    // The other unit's manager counts Frans alone, and never reviews our
    // workers.
    let (other, other_client) = f.app.client_for(Role::UnitManager, &[]).await;
    f.app
        .db
        .add_user_unit(other.id, f.other_unit)
        .await
        .expect("member");
    let response = other_client
        .get(f.app.url(&format!("/api/v1/selfcheck?{query}")))
        .send()
        .await
        .expect("request");
    let theirs: SelfCheckReport = response.json().await.expect("report");
    assert_eq!(theirs.children, 1);
    assert_eq!(
        row(&theirs, Measure::InformedRights).total.now,
        share(1, 1),
        "Frans"
    );
    let response = other_client
        .get(f.app.url(&format!("/api/v1/selfcheck/review/{}", f.w1)))
        .send()
        .await
        .expect("request");
    assert_error(response, 403, ErrorCode::Forbidden).await;
    f.app.stop().await;
}

async fn bad_input_gets_the_json_error_and_writes_nothing(backend: Backend) {
    let f = fixture(&backend).await;
    let reads_before = review(&f.app, &f.manager, &format!("user={}", f.manager_id))
        .await
        .len();
    let cases: [(&str, u16, ErrorCode); 12] = [
        ("/api/v1/selfcheck", 400, ErrorCode::InvalidQuery),
        (
            "/api/v1/selfcheck?period=last_week",
            400,
            ErrorCode::InvalidQuery,
        ),
        (
            "/api/v1/selfcheck?period=last_quarter&group_by=colour",
            400,
            ErrorCode::InvalidQuery,
        ),
        (
            "/api/v1/selfcheck?period=custom&from=2027-01-01",
            400,
            ErrorCode::InvalidQuery,
        ),
        (
            "/api/v1/selfcheck?period=custom&from=2027-03-01&to=2027-02-01",
            422,
            ErrorCode::ValidationFailed,
        ),
        (
            "/api/v1/selfcheck?period=custom&from=2020-01-01&to=2027-02-01",
            422,
            ErrorCode::ValidationFailed,
        ),
        (
            "/api/v1/selfcheck?period=custom&from=2027-02-30&to=2027-03-01",
            400,
            ErrorCode::InvalidQuery,
        ),
        (
            "/api/v1/selfcheck?period=last_month&from=2027-01-01&to=2027-02-01",
            400,
            ErrorCode::InvalidQuery,
        ),
        (
            "/api/v1/selfcheck?period=last_month&today=yesterday",
            400,
            ErrorCode::InvalidQuery,
        ),
        (
            "/api/v1/selfcheck?period=last_month&unit=nope",
            400,
            ErrorCode::InvalidQuery,
        ),
        (
            "/api/v1/selfcheck?period=last_month&colour=red",
            400,
            ErrorCode::InvalidQuery,
        ),
        (
            "/api/v1/selfcheck/children?period=last_month&measure=happiness",
            400,
            ErrorCode::InvalidQuery,
        ),
    ];
    for (path, status, code) in cases {
        let response = f
            .manager
            .get(f.app.url(path))
            .send()
            .await
            .expect("request");
        let body = assert_error(response, status, code).await;
        assert!(!body.message.is_empty(), "{path}");
    }
    let review_path = "/api/v1/selfcheck/reviews";
    let bodies: [(Json, u16, ErrorCode); 3] = [
        (
            json!({"id": "nope", "worker_id": f.w1, "review_date": "2027-04-08",
                   "agreed_actions": ""}),
            422,
            ErrorCode::ValidationFailed,
        ),
        (
            json!({"id": uuid::Uuid::new_v4(), "worker_id": f.w1,
                   "review_date": "2027-13-01", "agreed_actions": ""}),
            422,
            ErrorCode::ValidationFailed,
        ),
        (
            json!({"id": uuid::Uuid::new_v4(), "worker_id": uuid::Uuid::new_v4(),
                   "review_date": "2027-04-08", "agreed_actions": ""}),
            422,
            ErrorCode::ValidationFailed,
        ),
    ];
    for (body, status, code) in bodies {
        let response = f
            .manager
            .post(f.app.url(review_path))
            .json(&body)
            .send()
            .await
            .expect("request");
        assert_error(response, status, code).await;
    }
    let response = f
        .manager
        .post(f.app.url(review_path))
        .body("{not json")
        .header("content-type", "application/json")
        .send()
        .await
        .expect("request");
    assert_error(response, 400, ErrorCode::MalformedJson).await;
    let response = f
        .manager
        .get(f.app.url("/api/v1/selfcheck/review/not-an-id"))
        .send()
        .await
        .expect("request");
    assert_error(response, 404, ErrorCode::NotFound).await;

    let reads_after = review(&f.app, &f.manager, &format!("user={}", f.manager_id))
        .await
        .len();
    assert_eq!(reads_before, reads_after, "nothing logged");
    let view = review_view(&f, f.w1).await;
    assert!(view.reviews.is_empty(), "no review saved");
    f.app.stop().await;
}

async fn review_view(f: &Fixture, worker: UserId) -> CaseReviewView {
    let response = f
        .manager
        .get(
            f.app
                .url(&format!("/api/v1/selfcheck/review/{worker}?today={TODAY}")),
        )
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.expect("review")
}

async fn post_review(f: &Fixture, body: &Json) -> reqwest::Response {
    f.manager
        .post(f.app.url("/api/v1/selfcheck/reviews"))
        .json(body)
        .send()
        .await
        .expect("request")
}

async fn case_reviews_are_saved_once_listed_newest_first_and_logged(backend: Backend) {
    let f = fixture(&backend).await;
    let view = review_view(&f, f.w1).await;
    // Anna's children at the end of 2027-04-10: Alva, Bertil, Dan, Gun
    // (Cleo went to Bo).
    let children: Vec<ChildId> = view.children.iter().map(|c| c.child_id).collect();
    assert_eq!(children, [f.alva, f.bertil, f.dan, f.gun]);
    let gun = &view.children[3];
    assert_eq!(gun.last_visit, Some(day("2026-10-05")));
    assert_eq!(gun.next_visit_due, Some(day("2027-01-05")));
    assert_eq!(view.overdue.len(), 1);
    assert_eq!(view.overdue[0].child_id, f.gun);
    assert_eq!(
        view.decisions.len(),
        2,
        "Bertil's decision and consideration"
    );
    // No review yet: three months back, from 2027-01-10. Bertil's visit of
    // 03-01 has no view written down, with the reason.
    assert_eq!(view.since, day("2027-01-10"));
    let without: Vec<(ChildId, NaiveDate, Option<NotAloneReason>)> = view
        .visits_without_view
        .iter()
        .map(|v| (v.child_id, v.visit_date, v.not_alone_reason))
        .collect();
    assert_eq!(
        without,
        [(
            f.bertil,
            day("2027-03-01"),
            Some(NotAloneReason::ChildDeclined)
        )]
    );
    assert!(view.reviews.is_empty());
    let reads = review(&f.app, &f.manager, &format!("child={}", f.dan)).await;
    assert!(reads.iter().any(|e| e.detail == "selfcheck_review"));

    let first_id = uuid::Uuid::new_v4();
    let first = json!({
        "id": first_id, "worker_id": f.w1, "review_date": "2027-04-08",
        "agreed_actions": "Besök Gun inom en vecka."
    });
    let response = post_review(&f, &first).await;
    assert_eq!(response.status(), StatusCode::OK);
    let saved: CaseReview = response.json().await.expect("review");
    assert_eq!(saved.held_by, f.manager_id);
    assert_eq!(saved.review_date, day("2027-04-08"));
    // The same again: the same answer, nothing added.
    let response = post_review(&f, &first).await;
    assert_eq!(response.status(), StatusCode::OK);
    let again: CaseReview = response.json().await.expect("review");
    assert_eq!(again, saved);
    // Another review under that id is refused.
    let mut changed = first.clone();
    changed["agreed_actions"] = json!("Något annat.");
    assert_error(post_review(&f, &changed).await, 409, ErrorCode::IdConflict).await;
    let second = json!({
        "id": uuid::Uuid::new_v4(), "worker_id": f.w1, "review_date": "2027-04-09",
        "agreed_actions": "Uppföljning."
    });
    assert_eq!(post_review(&f, &second).await.status(), StatusCode::OK);

    let view = review_view(&f, f.w1).await;
    let dates: Vec<NaiveDate> = view.reviews.iter().map(|r| r.review_date).collect();
    assert_eq!(
        dates,
        [day("2027-04-09"), day("2027-04-08")],
        "newest first"
    );
    assert_eq!(view.reviews[1], saved);
    assert_eq!(view.since, day("2027-04-09"));
    assert!(view.visits_without_view.is_empty());
    // Bo's reviews are his own.
    assert!(review_view(&f, f.w2).await.reviews.is_empty());

    // The review is logged as written about Anna's children, once.
    let entries = review(&f.app, &f.manager, &format!("child={}", f.gun)).await;
    let detail = format!("selfcheck_case_review:{first_id}");
    let writes = entries
        .iter()
        .filter(|e| e.detail == detail && e.action == shared::audit::AuditAction::Write)
        .count();
    assert_eq!(writes, 1);
    f.app.stop().await;
}

async fn a_placement_ended_before_its_first_week_owed_no_visit(backend: Backend) {
    let f = fixture(&backend).await;
    // Hugo's emergency home: 2027-03-10 to 03-12, never visited. Its clock
    // stopped before the first visit was due (03-17): not a new placement
    // that missed its visit, and no broken interval.
    let hugo = child(f.unit, "Hugo", "2013-03-03", Sex::Boy);
    let short = placement(
        &hugo,
        PlacementKind::EmergencyHome,
        "2027-03-10",
        Some("2027-03-12"),
    );
    f.app
        .db
        .insert_records(&[Record::Child(hugo.clone()), Record::Placement(short)])
        .await
        .expect("Hugo");
    let report = get_report(
        &f,
        &format!("period=last_quarter&group_by=sex&today={TODAY}"),
    )
    .await;
    assert_eq!(report.children, 7);
    assert_eq!(
        row(&report, Measure::FirstVisitInTime).total.now,
        share(1, 2),
        "Cleo and Dan, as before"
    );
    assert_eq!(
        row(&report, Measure::VisitedEveryThirdMonth).total.now,
        share(4, 7),
        "Hugo broke nothing"
    );
    assert_eq!(
        row(&report, Measure::NotVisited).total.now,
        share(2, 7),
        "but he was not visited"
    );
    f.app.stop().await;
}

async fn a_visit_overdue_since_before_the_period_breaks_it_until_it_is_made(backend: Backend) {
    let f = fixture(&backend).await;
    use VisitorRole::Employee;
    // Ivar, boy: foster home since 2025-06-01, visited 2025-06-04 and
    // 2026-05-10, never again: due 2026-08-10, before both quarters, and
    // still unmet in each: broken in both, 233 days late at the end of
    // this one (21 + 30 + 31 + 30 + 31 + 31 + 28 + 31), 243 overdue on
    // 2027-04-10.
    let ivar = child(f.unit, "Ivar", "2012-08-08", Sex::Boy);
    let p_ivar = placement(&ivar, PlacementKind::FosterHome, "2025-06-01", None);
    // Jon, boy: foster home since 2026-03-01, visited 03-05 and 06-01, then
    // on 2027-01-01: due 2026-09-01, unmet all the previous quarter (broken
    // there), met on this quarter's first day (not broken here).
    let jon = child(f.unit, "Jon", "2013-09-09", Sex::Boy);
    let p_jon = placement(&jon, PlacementKind::FosterHome, "2026-03-01", None);
    let heard = Heard::AloneWithView;
    f.app
        .db
        .insert_records(&[
            Record::Child(ivar.clone()),
            Record::Child(jon.clone()),
            Record::Placement(p_ivar),
            Record::Placement(p_jon),
            Record::Visit(visit(&ivar, "2025-06-04", f.w1, Employee, heard)),
            Record::Visit(visit(&ivar, "2026-05-10", f.w1, Employee, heard)),
            Record::Visit(visit(&jon, "2026-03-05", f.w2, Employee, heard)),
            Record::Visit(visit(&jon, "2026-06-01", f.w2, Employee, heard)),
            Record::Visit(visit(&jon, "2027-01-01", f.w2, Employee, heard)),
        ])
        .await
        .expect("Ivar and Jon");
    let report = get_report(
        &f,
        &format!("period=last_quarter&group_by=sex&today={TODAY}"),
    )
    .await;
    assert_eq!(report.children, 8);
    // Now: Alva, Cleo, Ebba and Jon kept the rhythm; Bertil, Dan, Gun and
    // Ivar did not. Before: Alva, Bertil, Cleo and Gun did; Ebba, Ivar and
    // Jon did not.
    assert_eq!(
        row(&report, Measure::VisitedEveryThirdMonth).total,
        cell(share(4, 8), share(4, 7))
    );
    // Boys: Bertil, Dan, Ivar broke theirs now, Jon not; before, Bertil
    // kept his, Ivar and Jon did not.
    assert_eq!(
        row(&report, Measure::VisitedEveryThirdMonth).cells[1],
        cell(share(1, 4), share(1, 3))
    );
    let ivars: Vec<(bool, NaiveDate, NaiveDate, Option<NaiveDate>, i64)> = report
        .broken_intervals
        .iter()
        .filter(|b| b.child_id == ivar.id)
        .map(|b| (b.first_visit, b.since, b.due, b.visited, b.days_late))
        .collect();
    assert_eq!(
        ivars,
        [(false, day("2026-05-10"), day("2026-08-10"), None, 233)]
    );
    assert!(
        report.broken_intervals.iter().all(|b| b.child_id != jon.id),
        "Jon was visited on the period's first day"
    );
    assert_eq!(
        report.broken_intervals.first().map(|b| b.child_id),
        Some(ivar.id),
        "the earliest due date first"
    );
    let ivar_overdue: Vec<(OverdueKind, i64)> = report
        .overdue
        .iter()
        .filter(|o| o.child_id == ivar.id)
        .map(|o| (o.what, o.days_overdue))
        .collect();
    assert_eq!(
        ivar_overdue,
        [(
            OverdueKind::Visit {
                due: day("2026-08-10")
            },
            243
        )]
    );
    f.app.stop().await;
}

/// The statement of a migration (`sqlite` or `postgres`, as `backend` runs)
/// that begins with `update`: the backfill, to run again on written rows.
fn backfill_of<'a>(backend: &Backend, sqlite: &'a str, postgres: &'a str, update: &str) -> &'a str {
    let migration = match backend {
        Backend::Sqlite => sqlite,
        Backend::Postgres(_) => postgres,
    };
    migration
        .split(';')
        .find(|statement| statement.trim_start().starts_with(update))
        .expect("the backfill")
}

/// Visits stored before migration 0017 got their report entry from its
/// backfill; visits stored since get it from the server's code. The two
/// must agree, or one signer's visits would count as two visitors across
/// the upgrade.
async fn the_migration_backfills_the_entries_visits_are_written_with(backend: Backend) {
    let f = fixture(&backend).await;
    let unsigned = |role, talked_alone, reason, contact| {
        Record::Visit(Visit {
            id: VisitId::new_random(),
            child_id: f.alva,
            visit_date: day("2027-02-20"),
            visitor: VisitorName::parse("Kim Berg").expect("name"),
            talked_alone,
            visitor_role: role,
            not_alone_reason: reason,
            contact,
            recorded_at: at("2027-02-20T12:00:00Z"),
            signed_by: None,
            ..Visit::blank()
        })
    };
    f.app
        .db
        .insert_records(&[
            unsigned(
                VisitorRole::Consultant,
                false,
                Some(NotAloneReason::ChildDeclined),
                ContactKind::InPerson,
            ),
            unsigned(VisitorRole::Employee, true, None, ContactKind::Phone),
            unsigned(
                VisitorRole::DisabilityOfficer,
                true,
                None,
                ContactKind::InPerson,
            ),
        ])
        .await
        .expect("visits");
    let entries = "SELECT CAST(id AS TEXT) || ' ' || selfcheck_entry FROM visits ORDER BY 1";
    let written = f.app.texts_from_sql(entries).await;
    assert!(written.len() > 20, "{written:?}");
    assert!(
        written
            .iter()
            .any(|e| e.ends_with(" 2027-02-2022~Kim Berg")),
        "{written:?}"
    );
    assert!(
        written
            .iter()
            .any(|e| e.ends_with(" 2027-02-2040~Kim Berg")),
        "{written:?}"
    );
    assert!(
        written.iter().any(|e| e.ends_with(" 2027-02-2050")),
        "{written:?}"
    );

    let backfill = backfill_of(
        &backend,
        include_str!("../../migrations/sqlite/0017_selfcheck_visit_entry.sql"),
        include_str!("../../migrations/postgres/0017_selfcheck_visit_entry.sql"),
        "UPDATE visits",
    );
    f.app
        .execute_sql("UPDATE visits SET selfcheck_entry = ''")
        .await;
    f.app.execute_sql(backfill).await;
    assert_eq!(f.app.texts_from_sql(entries).await, written);
}

/// A placement's written information (`information_given`, migration
/// 0018) is the latest tick of each item by when it was made, then by id,
/// whatever order the ticks reach the server in; the migration works out
/// the same for the ticks stored before it.
async fn the_information_given_is_each_item_s_latest_tick_however_they_arrive(backend: Backend) {
    let f = fixture(&backend).await;
    let hugo = child(f.unit, "Hugo", "2012-02-02", Sex::Boy);
    let p = placement(&hugo, PlacementKind::FosterHome, "2027-01-10", None);
    let numbered = |n: u128, item: &str, state, when: &str| match tick(&p, item, state, f.w1, when)
    {
        Record::ChecklistTick(t) => Record::ChecklistTick(ChecklistTick {
            id: ChecklistTickId::from_uuid(uuid::Uuid::from_u128(n)),
            ..t
        }),
        other => other,
    };
    let records = vec![
        Record::Child(hugo.clone()),
        Record::Placement(p.clone()),
        // Undone an hour after it was done, but the undoing came first.
        numbered(1, "klagomal", ItemState::Open, "2027-01-11T12:00:00Z"),
        numbered(2, "klagomal", ItemState::Done, "2027-01-11T11:00:00Z"),
        // Done; an older open tick, synced late, does not undo it.
        numbered(
            3,
            "kontaktuppgifter",
            ItemState::Done,
            "2027-01-11T10:00:00Z",
        ),
        numbered(
            4,
            "kontaktuppgifter",
            ItemState::Open,
            "2027-01-11T09:00:00Z",
        ),
        // The same instant: the larger id is the later.
        numbered(6, "rattigheter", ItemState::Done, "2027-01-11T13:00:00Z"),
        numbered(5, "rattigheter", ItemState::Open, "2027-01-11T13:00:00Z"),
        // Another item changes nothing.
        numbered(
            7,
            "genomforandeplan",
            ItemState::Done,
            "2027-01-11T14:00:00Z",
        ),
    ];
    f.app.db.insert_records(&records).await.expect("ticks");
    let given = |child: ChildId| {
        format!("SELECT information_given FROM placements WHERE child_id = '{child}'")
    };
    assert_eq!(f.app.texts_from_sql(&given(hugo.id)).await, ["101"]);
    // The fixture's: Alva's complaints tick was undone, Ebba had all three.
    assert_eq!(f.app.texts_from_sql(&given(f.alva)).await, ["100"]);
    assert_eq!(f.app.texts_from_sql(&given(f.ebba)).await, ["111"]);

    let all = "SELECT CAST(id AS TEXT) || ' ' || information_given FROM placements ORDER BY 1";
    let written = f.app.texts_from_sql(all).await;
    assert!(written.len() > 8, "{written:?}");
    let backfill = backfill_of(
        &backend,
        include_str!("../../migrations/sqlite/0018_placement_information_given.sql"),
        include_str!("../../migrations/postgres/0018_placement_information_given.sql"),
        "UPDATE placements",
    );
    f.app
        .execute_sql("UPDATE placements SET information_given = '000'")
        .await;
    f.app.execute_sql(backfill).await;
    assert_eq!(f.app.texts_from_sql(all).await, written);
}
