//! Ending a placement with its closing note, and ticking its checklist:
//! signed once, never changed, refused when they contradict the placement.

use crate::backend_tests;
use crate::helpers::{applied, mutation, rejected, Backend, TestApp};
use chrono::{Duration, NaiveDate, Utc};
use server::demo::DEMO_CHILD_IDS;
use shared::checklist::{ChecklistTick, ItemState, TemplateVersion};
use shared::protocol::{Operation, Record};
use shared::{
    ChecklistTickId, ClosingId, EndKind, EndReason, ErrorCode, Placement, PlacementClosing,
    VisitNote, VisitorName,
};

backend_tests!(
    closing_a_placement_ends_it_once,
    contradictory_closings_are_refused,
    ticks_land_in_order_and_odd_ones_are_refused,
);

fn note(text: &str) -> VisitNote {
    VisitNote::parse(text).expect("note")
}

fn closing(app: &TestApp, placement: &Placement, end: NaiveDate) -> PlacementClosing {
    PlacementClosing {
        id: ClosingId::new_random(),
        child_id: placement.child_id,
        placement_id: placement.id,
        end_date: end,
        kind: EndKind::Unplanned,
        replacement: true,
        reason: Some(EndReason::HomeEndedAssignment),
        reason_text: VisitNote::default(),
        closing_note: note("Familjehemmet orkade inte längre. Barnet flyttar till jourhem."),
        signed_by: app.user.id,
        signed_by_name: VisitorName::parse("Testa Handläggare").expect("name"),
        recorded_at: Utc::now(),
    }
}

fn tick(app: &TestApp, placement: &Placement, key: &str, state: ItemState) -> ChecklistTick {
    ChecklistTick {
        id: ChecklistTickId::new_random(),
        child_id: placement.child_id,
        placement_id: placement.id,
        template: TemplateVersion {
            kind: placement.kind,
            version: 1,
        },
        item_key: key.to_owned(),
        state,
        by_name: VisitorName::parse("Testa Handläggare").expect("name"),
        by: app.user.id,
        ticked_at: Utc::now(),
    }
}

async fn closing_a_placement_ends_it_once(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let placement = app.demo_placement(DEMO_CHILD_IDS[0]).await;
    let end = placement.start_date + Duration::days(30);
    let closed = closing(&app, &placement, end);
    applied(
        &app.push_one(mutation(Operation::ClosePlacement(closed.clone())))
            .await,
    );
    assert_eq!(
        app.placement(placement.id).await.and_then(|p| p.end_date),
        Some(end),
        "the placement ends on the closing's date"
    );
    let feed = app.pull_all().await;
    let closings: Vec<_> = feed
        .iter()
        .filter_map(|c| match &c.record {
            Record::PlacementClosing(c) if c.placement_id == placement.id => Some(c.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(closings, vec![closed]);

    // A second closing of the same placement is refused; nothing changes.
    let before = app.pull_all().await.len();
    let again = closing(&app, &placement, end + Duration::days(1));
    assert_eq!(
        rejected(
            &app.push_one(mutation(Operation::ClosePlacement(again)))
                .await
        ),
        ErrorCode::ValidationFailed
    );
    assert_eq!(app.pull_all().await.len(), before);
    app.stop().await;
}

async fn contradictory_closings_are_refused(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let placement = app.demo_placement(DEMO_CHILD_IDS[1]).await;
    let end = placement.start_date + Duration::days(10);
    let before = app.pull_all().await.len();
    let cases = [
        PlacementClosing {
            end_date: placement.start_date - Duration::days(1),
            ..closing(&app, &placement, end)
        },
        PlacementClosing {
            reason: None,
            ..closing(&app, &placement, end)
        },
        PlacementClosing {
            reason: Some(EndReason::Other),
            ..closing(&app, &placement, end)
        },
        PlacementClosing {
            closing_note: VisitNote::default(),
            ..closing(&app, &placement, end)
        },
        PlacementClosing {
            signed_by: shared::UserId::new_random(),
            ..closing(&app, &placement, end)
        },
    ];
    for case in cases {
        assert_eq!(
            rejected(
                &app.push_one(mutation(Operation::ClosePlacement(case)))
                    .await
            ),
            ErrorCode::ValidationFailed
        );
    }
    // Another child's placement under this child's id.
    let other = app.demo_placement(DEMO_CHILD_IDS[2]).await;
    let wrong_child = PlacementClosing {
        child_id: DEMO_CHILD_IDS[1],
        ..closing(&app, &other, end)
    };
    assert_eq!(
        rejected(
            &app.push_one(mutation(Operation::ClosePlacement(wrong_child)))
                .await
        ),
        ErrorCode::UnknownRecord
    );
    assert_eq!(app.pull_all().await.len(), before, "nothing was written");
    // A planned ending needs no reason.
    let planned = PlacementClosing {
        kind: EndKind::Planned,
        replacement: false,
        reason: None,
        ..closing(&app, &placement, end)
    };
    applied(
        &app.push_one(mutation(Operation::ClosePlacement(planned)))
            .await,
    );
    app.stop().await;
}

async fn ticks_land_in_order_and_odd_ones_are_refused(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let placement = app.demo_placement(DEMO_CHILD_IDS[0]).await;
    let first = tick(&app, &placement, "klagomal", ItemState::Done);
    let second = tick(&app, &placement, "klagomal", ItemState::Open);
    let s1 = applied(
        &app.push_one(mutation(Operation::TickChecklist(first.clone())))
            .await,
    );
    let s2 = applied(
        &app.push_one(mutation(Operation::TickChecklist(second.clone())))
            .await,
    );
    assert!(s2 > s1);
    let ticks: Vec<_> = app
        .pull_all()
        .await
        .into_iter()
        .filter_map(|c| match c.record {
            Record::ChecklistTick(t) if t.placement_id == placement.id => Some(t),
            _ => None,
        })
        .collect();
    assert_eq!(
        ticks,
        vec![first, second],
        "in the order the server took them"
    );

    let before = app.pull_all().await.len();
    let unknown_item = tick(&app, &placement, "inte-en-punkt", ItemState::Done);
    let unknown_version = ChecklistTick {
        template: TemplateVersion {
            kind: placement.kind,
            version: 9,
        },
        ..tick(&app, &placement, "klagomal", ItemState::Done)
    };
    let someone_else = ChecklistTick {
        by: shared::UserId::new_random(),
        ..tick(&app, &placement, "klagomal", ItemState::Done)
    };
    for case in [unknown_item, unknown_version, someone_else] {
        assert_eq!(
            rejected(&app.push_one(mutation(Operation::TickChecklist(case))).await),
            ErrorCode::ValidationFailed
        );
    }
    assert_eq!(app.pull_all().await.len(), before, "nothing was written");
    app.stop().await;
}
