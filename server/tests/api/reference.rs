//! Managers publish new versions of routines and checklist templates; every
//! device fetches them; versions only grow, and the past is not rewritten.

use crate::backend_tests;
use crate::helpers::{applied, assert_error, mutation, Backend, TestApp};
use chrono::{Duration, Utc};
use reqwest::StatusCode;
use serde_json::{json, Value};
use server::demo::DEMO_CHILD_IDS;
use shared::auth::Role;
use shared::checklist::{builtin_templates, ChecklistTick, ItemState, TemplateVersion};
use shared::protocol::{Operation, ReferenceData};
use shared::{ChecklistTickId, ErrorCode, VisitorName};

backend_tests!(
    a_manager_publishes_a_routine_version_everyone_gets,
    a_manager_publishes_a_checklist_template_version,
);

fn routine(version: u32, valid_from: chrono::NaiveDate) -> Value {
    json!({
        "routine_id": "besok-hos-placerade-barn",
        "version": version,
        "title": "Besök hos placerade barn",
        "kind": "rutin",
        "registration_number": "SN 2026/0199",
        "valid_from": valid_from,
        "review_date": valid_from + Duration::days(365),
        "owner": "Enhetschef, Familjehemsenheten",
        "body": "## Syfte\n\nAtt varje barn får besök. [Läs mer](javascript:alert(1))"
    })
}

async fn post(
    client: &reqwest::Client,
    app: &TestApp,
    path: &str,
    body: &Value,
) -> reqwest::Response {
    client
        .post(app.url(path))
        .json(body)
        .send()
        .await
        .expect("request")
}

async fn a_manager_publishes_a_routine_version_everyone_gets(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let (_, manager) = app.client_for(Role::UnitManager, &[]).await;
    let tomorrow = Utc::now().date_naive() + Duration::days(1);

    // Only managers publish.
    let response = post(&app.client, &app, "/api/v1/routines", &routine(3, tomorrow)).await;
    assert_error(response, 403, ErrorCode::Forbidden).await;

    // Not a number already used (the app ships versions 1 and 2), not in the past.
    for body in [
        routine(2, tomorrow),
        routine(3, Utc::now().date_naive() - Duration::days(1)),
        json!({ "routine_id": "Inte ett id!", "version": 1 }),
    ] {
        let response = post(&manager, &app, "/api/v1/routines", &body).await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}"
        );
    }

    let response = post(&manager, &app, "/api/v1/routines", &routine(3, tomorrow)).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let again = post(&manager, &app, "/api/v1/routines", &routine(3, tomorrow)).await;
    assert_eq!(
        again.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "a version is published once"
    );

    // A social worker's device gets it; the unsafe link is only text.
    let reference: ReferenceData = app
        .client
        .get(app.url("/api/v1/reference"))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("reference");
    assert_eq!(reference.routines.len(), 1);
    let published = &reference.routines[0];
    assert_eq!(published.version(), 3);
    assert!(published.published_at().is_some());
    let text = published.body().plain_text();
    assert!(
        text.contains("Läs mer") && !text.contains("javascript"),
        "{text}"
    );

    let anonymous = reqwest::Client::new()
        .get(app.url("/api/v1/reference"))
        .send()
        .await
        .expect("request");
    assert_error(anonymous, 401, ErrorCode::Unauthenticated).await;
    app.stop().await;
}

async fn a_manager_publishes_a_checklist_template_version(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let (leader, manager) = app.client_for(Role::GroupLeader, &[]).await;
    let placement = app.demo_placement(DEMO_CHILD_IDS[0]).await;
    let mut template = builtin_templates()
        .into_iter()
        .find(|t| t.id.kind == placement.kind)
        .expect("template");
    template.id.version = 2;
    template.valid_from = Utc::now().date_naive() + Duration::days(1);
    template.items.push(shared::checklist::ChecklistItem {
        key: "skolgang".into(),
        text: "Skolgången är ordnad".into(),
        applies: shared::checklist::Applies::Always,
        routine: None,
    });
    let body = serde_json::to_value(&template).expect("json");

    let response = post(&app.client, &app, "/api/v1/checklist-templates", &body).await;
    assert_error(response, 403, ErrorCode::Forbidden).await;
    let mut skipping = template.clone();
    skipping.id.version = 4;
    let mut odd_key = template.clone();
    odd_key.items[0].key = "Inte En Nyckel".into();
    for bad in [skipping, odd_key] {
        let response = post(
            &manager,
            &app,
            "/api/v1/checklist-templates",
            &serde_json::to_value(&bad).expect("json"),
        )
        .await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    let response = post(&manager, &app, "/api/v1/checklist-templates", &body).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let reference: ReferenceData = app
        .client
        .get(app.url("/api/v1/reference"))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("reference");
    assert_eq!(reference.checklist_templates.len(), 1);
    assert_eq!(reference.checklist_templates[0].id.version, 2);
    assert_eq!(
        reference.checklist_templates[0].published_by.as_deref(),
        Some(leader.display_name.as_str()),
        "the publisher's name is kept with the version"
    );

    // A tick of the new item lands.
    let tick = ChecklistTick {
        id: ChecklistTickId::new_random(),
        child_id: placement.child_id,
        placement_id: placement.id,
        template: TemplateVersion {
            kind: placement.kind,
            version: 2,
        },
        item_key: "skolgang".into(),
        state: ItemState::Done,
        by_name: VisitorName::parse("Testa").expect("name"),
        by: app.user.id,
        ticked_at: Utc::now(),
    };
    applied(&app.push_one(mutation(Operation::TickChecklist(tick))).await);
    app.stop().await;
}
