//! The full visit log over HTTP: every field of a signed visit comes back
//! exactly as sent; contradictions and someone else's signature are refused
//! and write nothing; a visit from an older app version still lands.

use crate::backend_tests;
use crate::helpers::{applied, create_visit, rejected, visit, Backend, TestApp};
use chrono::NaiveTime;
use serde_json::json;
use server::demo::DEMO_CHILD_IDS;
use shared::conversation::{
    Closeness, Drawing, Feeling, FeelingsScale, House, MyNetwork, NetworkPerson, ScaleAnswer,
    ScaleTheme, ThreeHouses, ToolResult,
};
use shared::protocol::Record;
use shared::{
    ContactKind, ErrorCode, NotAloneReason, PersonName, UserId, Visit, VisitNote, VisitPlace,
    VisitorRole,
};

backend_tests!(
    a_full_visit_comes_back_as_it_was_signed,
    contradictions_and_another_signature_are_refused,
    a_visit_from_an_older_app_version_lands,
);

fn note(text: &str) -> VisitNote {
    VisitNote::parse(text).expect("note")
}

fn full_visit(app: &TestApp) -> Visit {
    Visit {
        start_time: NaiveTime::from_hms_opt(15, 30, 0),
        contact: ContactKind::InPerson,
        place: VisitPlace::InTheHome,
        visitor_role: VisitorRole::Consultant,
        talked_alone: false,
        not_alone_reason: Some(NotAloneReason::Other),
        not_alone_text: note("Barnet ville att jourhemsmamman var med första gången."),
        child_asked: note("Hur det är i skolan och med kompisarna."),
        child_view: note("”Jag vill bo kvar här, men jag saknar mormor.”"),
        view_influence: note("Umgänge med mormor tas upp i vårdplanen."),
        feedback_given: true,
        tools: vec![
            ToolResult::ThreeHouses(ThreeHouses {
                worries: note("Att flytta igen"),
                good_things: note("Hunden"),
                dreams: note("Bli veterinär"),
                drawings: vec![Drawing {
                    house: House::Dreams,
                    strokes: vec![vec![[10, 20], [30, 40], [1000, 1000]]],
                }],
            }),
            ToolResult::FeelingsScale(FeelingsScale {
                answers: vec![ScaleAnswer {
                    theme: ScaleTheme::FeelingSafe,
                    level: Feeling::new(4).expect("feeling"),
                    comment: note("Oftast"),
                }],
            }),
            ToolResult::MyNetwork(MyNetwork {
                people: vec![NetworkPerson {
                    name: PersonName::parse("Mormor").expect("name"),
                    closeness: Closeness::Close,
                    position: [480, 510],
                }],
            }),
        ],
        follow_ups: note("Ringa skolan före nästa besök."),
        signed_by: Some(app.user.id),
        ..visit(DEMO_CHILD_IDS[0])
    }
}

async fn a_full_visit_comes_back_as_it_was_signed(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let sent = full_visit(&app);
    applied(&app.push_one(create_visit(sent.clone())).await);
    let pulled: Vec<Visit> = app
        .pull_all()
        .await
        .into_iter()
        .filter_map(|c| match c.record {
            Record::Visit(v) if v.id == sent.id => Some(v),
            _ => None,
        })
        .collect();
    // As signed, with the name and role of the signer's account.
    let signed = Visit {
        visitor_role: VisitorRole::Employee,
        ..sent
    };
    assert_eq!(pulled, vec![signed]);
    app.stop().await;
}

async fn contradictions_and_another_signature_are_refused(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let before = app.table_counts().await;
    let alone_with_reason = Visit {
        talked_alone: true,
        not_alone_reason: Some(NotAloneReason::ChildDeclined),
        ..full_visit(&app)
    };
    let other_without_text = Visit {
        not_alone_text: VisitNote::default(),
        ..full_visit(&app)
    };
    let someone_else = Visit {
        signed_by: Some(UserId::new_random()),
        ..full_visit(&app)
    };
    let twice = Visit {
        tools: vec![
            ToolResult::FeelingsScale(FeelingsScale::default()),
            ToolResult::FeelingsScale(FeelingsScale::default()),
        ],
        ..full_visit(&app)
    };
    for refused in [alone_with_reason, other_without_text, someone_else, twice] {
        assert_eq!(
            rejected(&app.push_one(create_visit(refused)).await),
            ErrorCode::ValidationFailed
        );
    }
    assert_eq!(app.table_counts().await, before, "nothing was written");

    // An out-of-range face fails decoding: the whole request is refused.
    let mut raw = serde_json::to_value(create_visit(full_visit(&app))).expect("json");
    raw["record"]["tools"][1]["answers"][0]["level"] = json!(9);
    let response = app
        .push_json(&json!({ "protocol": 1, "device_id": uuid::Uuid::new_v4(), "mutations": [raw] }))
        .await;
    crate::helpers::assert_error(response, 422, ErrorCode::ValidationFailed).await;
    assert_eq!(app.table_counts().await, before, "nothing was written");
    app.stop().await;
}

/// An app cached before the visit log grew sends only the first fields; the
/// visit lands as an in-person visit by the municipality's own staff.
async fn a_visit_from_an_older_app_version_lands(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let visit_id = uuid::Uuid::new_v4();
    let body = json!({
        "protocol": 1,
        "device_id": uuid::Uuid::new_v4(),
        "mutations": [{
            "id": uuid::Uuid::new_v4(),
            "op": "create_visit",
            "record": {
                "id": visit_id,
                "child_id": DEMO_CHILD_IDS[0],
                "visit_date": "2026-03-02",
                "visitor": "Gammal Version",
                "talked_alone": false,
                "note": "Från en äldre app.",
                "recorded_at": "2026-03-02T10:00:00Z"
            }
        }]
    });
    let response = app.push_json(&body).await;
    assert_eq!(
        response.status(),
        200,
        "{}",
        response.text().await.unwrap_or_default()
    );
    let landed = app
        .pull_all()
        .await
        .into_iter()
        .find_map(|c| match c.record {
            Record::Visit(v) if v.id.to_string() == visit_id.to_string() => Some(v),
            _ => None,
        })
        .expect("the visit is on the server");
    assert_eq!(landed.contact, ContactKind::InPerson);
    assert_eq!(landed.visitor_role, VisitorRole::Employee);
    assert!(landed.counts_for_schedule());
    app.stop().await;
}
