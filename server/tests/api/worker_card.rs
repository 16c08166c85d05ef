//! "Min socialsekreterare": each worker keeps the phone, e-mail and hours a
//! child may reach them on; bad details are refused and change nothing.

use crate::backend_tests;
use crate::helpers::{assert_error, Backend, TestApp};
use serde_json::json;
use shared::auth::Role;
use shared::children::WorkerCard;
use shared::ErrorCode;

backend_tests!(
    a_worker_keeps_their_card_and_only_their_own,
    bad_card_details_are_refused_and_change_nothing,
);

async fn card(app: &TestApp, client: &reqwest::Client) -> WorkerCard {
    let response = client
        .get(app.url("/api/v1/me/card"))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    response.json().await.expect("card")
}

async fn a_worker_keeps_their_card_and_only_their_own(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let empty = card(&app, &app.client).await;
    assert_eq!(empty.name, app.user.display_name);
    assert_eq!((empty.phone, empty.email, empty.hours), (None, None, None));

    let saved: WorkerCard = app
        .client
        .put(app.url("/api/v1/me/card"))
        .json(&json!({ "phone": " 070-123 45 67 ", "email": "anna@exempelby.se", "hours": "Vardagar 9–11" }))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("card");
    assert_eq!(saved.phone.as_deref(), Some("070-123 45 67"), "trimmed");
    assert_eq!(card(&app, &app.client).await, saved);

    // A colleague has their own card, empty until they fill it in.
    let (colleague, client) = app.client_for(Role::SocialWorker, &[]).await;
    let theirs = card(&app, &client).await;
    assert_eq!(theirs.name, colleague.display_name);
    assert_eq!(theirs.phone, None);

    // Clearing a field removes it.
    let cleared: WorkerCard = app
        .client
        .put(app.url("/api/v1/me/card"))
        .json(&json!({ "phone": "070-123 45 67", "email": "" }))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("card");
    assert_eq!((cleared.email, cleared.hours), (None, None));
    app.stop().await;
}

async fn bad_card_details_are_refused_and_change_nothing(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let put = |body: Vec<u8>, content_type: &'static str| {
        let request = app
            .client
            .put(app.url("/api/v1/me/card"))
            .header("content-type", content_type)
            .body(body);
        async move { request.send().await.expect("request") }
    };
    assert_eq!(
        put(br#"{"phone":"070-123 45 67"}"#.to_vec(), "application/json")
            .await
            .status(),
        200
    );
    let before = card(&app, &app.client).await;
    for (body, status, code) in [
        (br#"{"phone": "#.to_vec(), 400, ErrorCode::MalformedJson),
        (br#"["070"]"#.to_vec(), 400, ErrorCode::MalformedJson),
        (
            br#"{"phone":"ring mig"}"#.to_vec(),
            422,
            ErrorCode::ValidationFailed,
        ),
        (
            br#"{"email":"anna@"}"#.to_vec(),
            422,
            ErrorCode::ValidationFailed,
        ),
        (
            br#"{"hours":"a\nb"}"#.to_vec(),
            422,
            ErrorCode::ValidationFailed,
        ),
        (
            br#"{"phone":"070","child":"Elsa"}"#.to_vec(),
            422,
            ErrorCode::ValidationFailed,
        ),
        (
            format!(
                r#"{{"hours":"{}"}}"#,
                "x".repeat(shared::protocol::MAX_REQUEST_BYTES)
            )
            .into_bytes(),
            413,
            ErrorCode::PayloadTooLarge,
        ),
    ] {
        assert_error(put(body, "application/json").await, status, code).await;
    }
    assert_error(
        put(br#"{"phone":"070"}"#.to_vec(), "text/plain").await,
        415,
        ErrorCode::UnsupportedMediaType,
    )
    .await;
    let anonymous = reqwest::Client::new()
        .put(app.url("/api/v1/me/card"))
        .json(&json!({ "phone": "070-000 00 00" }))
        .send()
        .await
        .expect("request");
    assert_error(anonymous, 401, ErrorCode::Unauthenticated).await;
    assert_eq!(card(&app, &app.client).await, before, "nothing was written");
    app.stop().await;
}
