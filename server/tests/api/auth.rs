//! Signing in, device sessions and their ends, over HTTP.

use crate::backend_tests;
use crate::helpers::{assert_error, Backend, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};
use server::demo::{DEMO_CHILD_IDS, DEMO_PASSWORD};
use shared::auth::{Role, SessionTokens};
use shared::ErrorCode;

backend_tests!(
    demo_user_signs_in_and_sees_their_caseload,
    wrong_password_and_unknown_user_look_the_same,
    repeated_failures_lock_the_account_for_a_while,
    refresh_replaces_both_tokens,
    logout_ends_only_that_device,
    deactivated_user_loses_every_session,
    a_user_lists_their_devices_and_revokes_a_lost_one,
    malformed_sign_ins_are_refused,
    a_locked_device_learns_its_session_was_revoked,
    a_burst_of_guesses_is_cut_at_the_limit,
    a_flood_of_sign_ins_gets_503_with_retry_after,
);

async fn login(app: &TestApp, username: &str, password: &str) -> reqwest::Response {
    reqwest::Client::new()
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({
            "username": username,
            "password": password,
            "device_label": "Surfplatta 1",
        }))
        .send()
        .await
        .expect("request")
}

async fn tokens(app: &TestApp, username: &str) -> SessionTokens {
    let response = login(app, username, DEMO_PASSWORD).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.expect("tokens")
}

async fn get_with(app: &TestApp, token: &str, path: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .expect("request")
}

async fn refresh(app: &TestApp, refresh_token: &str) -> reqwest::Response {
    reqwest::Client::new()
        .post(app.url("/api/v1/auth/refresh"))
        .json(&json!({ "refresh_token": refresh_token }))
        .send()
        .await
        .expect("request")
}

async fn demo_user_signs_in_and_sees_their_caseload(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    // User names are not case sensitive.
    let tokens = tokens(&app, "Demo.Anna").await;
    assert_eq!(tokens.user.role, Role::SocialWorker);
    assert_eq!(tokens.user.units.len(), 1);
    assert_eq!(tokens.access_expires_in, 15 * 60);
    assert_eq!(
        tokens.policy.lock_after_secs,
        5 * 60,
        "the default lock time"
    );

    let access = crate::common::sign_in(&app.address, "demo.anna").await;
    assert_ne!(
        access, tokens.access_token,
        "each sign-in is its own session"
    );
    let me: Value = get_with(&app, &access, "/api/v1/me")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(me["user"]["username"], "demo.anna");
    let mut expected: Vec<String> = DEMO_CHILD_IDS[..3].iter().map(|c| c.to_string()).collect();
    expected.sort();
    assert_eq!(me["children"], json!(expected));
    app.stop().await;
}

async fn wrong_password_and_unknown_user_look_the_same(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let wrong = assert_error(
        login(&app, "demo.anna", "fel-lösenord-123").await,
        401,
        ErrorCode::InvalidCredentials,
    )
    .await;
    let unknown = assert_error(
        login(&app, "ingen.alls", DEMO_PASSWORD).await,
        401,
        ErrorCode::InvalidCredentials,
    )
    .await;
    assert_eq!(wrong, unknown);
    // A user who signs in elsewhere (no password here) cannot sign in here.
    assert_error(
        login(&app, &app.user.username, "").await,
        422,
        ErrorCode::ValidationFailed,
    )
    .await;
    assert_error(
        login(&app, &app.user.username, "vad-som-helst-123").await,
        401,
        ErrorCode::InvalidCredentials,
    )
    .await;
    app.stop().await;
}

async fn repeated_failures_lock_the_account_for_a_while(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    for _ in 0..5 {
        assert_eq!(
            login(&app, "demo.bo", "gissning-123456").await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    // Locked now, even with the right password.
    let response = login(&app, "demo.bo", DEMO_PASSWORD).await;
    let retry_after: u64 = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("Retry-After");
    assert!((1..=15 * 60).contains(&retry_after), "{retry_after}");
    assert_error(response, 429, ErrorCode::TooManyAttempts).await;
    // Other accounts from the same address are not locked yet.
    assert_eq!(
        login(&app, "demo.anna", DEMO_PASSWORD).await.status(),
        StatusCode::OK
    );
    app.stop().await;
}

async fn refresh_replaces_both_tokens(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let first = tokens(&app, "demo.anna").await;
    let response = refresh(&app, &first.refresh_token).await;
    assert_eq!(response.status(), StatusCode::OK);
    let second: SessionTokens = response.json().await.expect("tokens");
    assert_eq!(second.session_id, first.session_id);
    assert_ne!(second.access_token, first.access_token);
    assert_ne!(second.refresh_token, first.refresh_token);

    assert_eq!(
        get_with(&app, &second.access_token, "/api/v1/me")
            .await
            .status(),
        StatusCode::OK
    );
    assert_error(
        get_with(&app, &first.access_token, "/api/v1/me").await,
        401,
        ErrorCode::Unauthenticated,
    )
    .await;
    // The first refresh token, used again: a copy is in other hands. The
    // whole session ends, the rightful device's new tokens too.
    assert_error(
        refresh(&app, &first.refresh_token).await,
        401,
        ErrorCode::SessionRevoked,
    )
    .await;
    assert_error(
        get_with(&app, &second.access_token, "/api/v1/me").await,
        401,
        ErrorCode::SessionRevoked,
    )
    .await;
    assert_error(
        refresh(&app, &second.refresh_token).await,
        401,
        ErrorCode::SessionRevoked,
    )
    .await;
    // Another session of the same user goes on.
    let other = tokens(&app, "demo.anna").await;
    assert_eq!(
        refresh(&app, &other.refresh_token).await.status(),
        StatusCode::OK
    );
    assert_error(
        refresh(&app, "never-issued").await,
        401,
        ErrorCode::SessionExpired,
    )
    .await;
    app.stop().await;
}

async fn check(app: &TestApp, body: Value) -> reqwest::Response {
    reqwest::Client::new()
        .post(app.url("/api/v1/auth/check"))
        .json(&body)
        .send()
        .await
        .expect("request")
}

/// A locked device holds no key and so no token; it asks with its check
/// token, which opens nothing else.
async fn a_locked_device_learns_its_session_was_revoked(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let tablet = tokens(&app, "demo.anna").await;
    let check_token = tablet
        .check_token
        .clone()
        .expect("a check token at sign-in");
    assert_eq!(
        tablet.policy.max_offline_secs,
        14 * 24 * 3600,
        "14 days by default"
    );
    assert!(!tablet.policy.require_authenticator);
    let refreshed: SessionTokens = refresh(&app, &tablet.refresh_token)
        .await
        .json()
        .await
        .expect("tokens");
    assert_eq!(refreshed.check_token, None, "given once, at sign-in");

    let response = check(&app, json!({ "check_token": check_token })).await;
    assert_eq!(response.status(), StatusCode::OK);
    let answer: shared::auth::SessionCheck = response.json().await.expect("check");
    assert_eq!(answer.session_id, tablet.session_id);
    assert_eq!(answer.policy, tablet.policy);
    // It is not an access token.
    assert_error(
        get_with(&app, &check_token, "/api/v1/me").await,
        401,
        ErrorCode::Unauthenticated,
    )
    .await;

    // Revoked from another device: the check says so, and the device wipes.
    let phone = tokens(&app, "demo.anna").await;
    let revoke = reqwest::Client::new()
        .delete(app.url(&format!("/api/v1/sessions/{}", tablet.session_id)))
        .bearer_auth(&phone.access_token)
        .send()
        .await
        .expect("request");
    assert_eq!(revoke.status(), StatusCode::NO_CONTENT);
    assert_error(
        check(&app, json!({ "check_token": check_token })).await,
        401,
        ErrorCode::SessionRevoked,
    )
    .await;
    assert_error(
        check(&app, json!({ "check_token": "nothing-like-it" })).await,
        401,
        ErrorCode::SessionExpired,
    )
    .await;
    assert_error(
        check(&app, json!({ "check_token": check_token, "more": 1 })).await,
        422,
        ErrorCode::ValidationFailed,
    )
    .await;
    app.stop().await;
}

/// Fifty guesses at once at one account: the attempts are counted before
/// any password is checked, so exactly five are checked and the rest wait.
async fn a_burst_of_guesses_is_cut_at_the_limit(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let guesses = (0..50).map(|n| {
        let app = &app;
        async move { login(app, "demo.bo", &format!("gissning-{n:06}")).await }
    });
    let responses = futures::future::join_all(guesses).await;
    let mut checked = 0;
    for response in responses {
        match response.status() {
            StatusCode::UNAUTHORIZED => checked += 1,
            StatusCode::TOO_MANY_REQUESTS => {
                assert!(response.headers().contains_key("retry-after"));
            }
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(
        checked, 5,
        "only the allowed attempts reach the password check"
    );
    assert_eq!(
        login(&app, "demo.bo", DEMO_PASSWORD).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    app.stop().await;
}

/// A flood of sign-ins to many accounts: at most the configured number of
/// password checks run at once, the others are told when to come back, and
/// nothing fails inside.
async fn a_flood_of_sign_ins_gets_503_with_retry_after(backend: Backend) {
    let app = TestApp::spawn_with(
        &backend,
        crate::helpers::Options {
            configure: Box::new(|config| {
                config.max_password_checks = 1;
                config.password_check_wait_ms = 0;
            }),
            ..Default::default()
        },
    )
    .await;
    // Fewer than the per-address limit of failed sign-ins (20).
    let flood = (0..15).map(|n| {
        let app = &app;
        async move { login(app, &format!("okand{n}"), "gissning-123456").await }
    });
    let responses = futures::future::join_all(flood).await;
    let mut busy = 0;
    for response in responses {
        match response.status() {
            StatusCode::UNAUTHORIZED => {}
            StatusCode::SERVICE_UNAVAILABLE => {
                assert!(response.headers().contains_key("retry-after"));
                assert_error(response, 503, ErrorCode::ServerBusy).await;
                busy += 1;
            }
            other => panic!("unexpected {other}"),
        }
    }
    assert!(busy > 0, "one check at a time: the others were turned away");
    // After the flood the right password works.
    assert_eq!(
        login(&app, "demo.anna", DEMO_PASSWORD).await.status(),
        StatusCode::OK
    );
    app.stop().await;
}

async fn logout_ends_only_that_device(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let tablet = tokens(&app, "demo.anna").await;
    let laptop = tokens(&app, "demo.anna").await;
    let response = reqwest::Client::new()
        .post(app.url("/api/v1/auth/logout"))
        .bearer_auth(&tablet.access_token)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::NO_CONTENT);

    assert_error(
        get_with(&app, &tablet.access_token, "/api/v1/sync/pull?protocol=1").await,
        401,
        ErrorCode::SessionRevoked,
    )
    .await;
    assert_error(
        refresh(&app, &tablet.refresh_token).await,
        401,
        ErrorCode::SessionRevoked,
    )
    .await;
    assert_eq!(
        get_with(&app, &laptop.access_token, "/api/v1/sync/pull?protocol=1")
            .await
            .status(),
        StatusCode::OK
    );
    app.stop().await;
}

async fn deactivated_user_loses_every_session(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let tablet = tokens(&app, "demo.anna").await;
    let phone = tokens(&app, "demo.anna").await;
    app.db
        .set_user_active(tablet.user.id, false)
        .await
        .expect("deactivate");
    for session in [&tablet, &phone] {
        assert_error(
            get_with(&app, &session.access_token, "/api/v1/me").await,
            401,
            ErrorCode::SessionRevoked,
        )
        .await;
        assert_error(
            refresh(&app, &session.refresh_token).await,
            401,
            ErrorCode::SessionRevoked,
        )
        .await;
    }
    assert_error(
        login(&app, "demo.anna", DEMO_PASSWORD).await,
        401,
        ErrorCode::InvalidCredentials,
    )
    .await;
    app.stop().await;
}

async fn malformed_sign_ins_are_refused(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let long_password = "p".repeat(257);
    let long_name = "n".repeat(65);
    let cases: Vec<(&str, Vec<u8>, &str, u16, ErrorCode)> = vec![
        (
            "not JSON",
            b"username=anna".to_vec(),
            "application/json",
            400,
            ErrorCode::MalformedJson,
        ),
        (
            "form encoded",
            b"username=anna".to_vec(),
            "application/x-www-form-urlencoded",
            415,
            ErrorCode::UnsupportedMediaType,
        ),
        (
            "an array",
            b"[\"demo.anna\"]".to_vec(),
            "application/json",
            400,
            ErrorCode::MalformedJson,
        ),
        (
            "no password",
            br#"{"username":"demo.anna","device_label":"x"}"#.to_vec(),
            "application/json",
            422,
            ErrorCode::ValidationFailed,
        ),
        (
            "password a number",
            br#"{"username":"demo.anna","password":1,"device_label":"x"}"#.to_vec(),
            "application/json",
            422,
            ErrorCode::ValidationFailed,
        ),
        (
            "unknown field",
            br#"{"username":"demo.anna","password":"x","device_label":"x","admin":true}"#.to_vec(),
            "application/json",
            422,
            ErrorCode::ValidationFailed,
        ),
        (
            "password over 256 bytes",
            json!({"username":"demo.anna","password":long_password,"device_label":"x"})
                .to_string()
                .into_bytes(),
            "application/json",
            422,
            ErrorCode::ValidationFailed,
        ),
        (
            "user name over 64 characters",
            json!({"username":long_name,"password":"x","device_label":"x"})
                .to_string()
                .into_bytes(),
            "application/json",
            422,
            ErrorCode::ValidationFailed,
        ),
        (
            "empty device label",
            json!({"username":"demo.anna","password":"x","device_label":" "})
                .to_string()
                .into_bytes(),
            "application/json",
            422,
            ErrorCode::ValidationFailed,
        ),
        (
            "device label with a line break",
            json!({"username":"demo.anna","password":"x","device_label":"a\nb"})
                .to_string()
                .into_bytes(),
            "application/json",
            422,
            ErrorCode::ValidationFailed,
        ),
    ];
    let sessions_before = app.db.count_sessions().await.expect("count");
    for (name, body, content_type, status, code) in cases {
        let response = reqwest::Client::new()
            .post(app.url("/api/v1/auth/login"))
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .expect("request");
        assert_eq!(response.status().as_u16(), status, "{name}");
        let body: Value = response.json().await.expect("json");
        assert_eq!(body["code"], json!(code), "{name}: {body}");
    }
    assert_eq!(
        app.db.count_sessions().await.expect("count"),
        sessions_before
    );
    // Refresh tokens of the wrong shape are simply not sessions.
    for token in ["", "x", &"y".repeat(1000)] {
        assert_error(refresh(&app, token).await, 401, ErrorCode::SessionExpired).await;
    }
    app.stop().await;
}

async fn a_user_lists_their_devices_and_revokes_a_lost_one(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let tablet = tokens(&app, "demo.anna").await;
    let laptop = tokens(&app, "demo.anna").await;
    let other_user = tokens(&app, "demo.bo").await;
    let list: Vec<shared::auth::SessionInfo> =
        get_with(&app, &laptop.access_token, "/api/v1/sessions")
            .await
            .json()
            .await
            .expect("sessions");
    assert_eq!(list.len(), 2);
    assert!(list.iter().all(|s| s.device_label == "Surfplatta 1"));
    assert_eq!(
        list.iter()
            .filter(|s| s.current)
            .map(|s| s.id)
            .collect::<Vec<_>>(),
        vec![laptop.session_id]
    );

    let delete = |token: &str, id: shared::SessionId| {
        reqwest::Client::new()
            .delete(app.url(&format!("/api/v1/sessions/{id}")))
            .bearer_auth(token.to_owned())
            .send()
    };
    // Somebody else's session is not found, whoever asks.
    let response = delete(&laptop.access_token, other_user.session_id)
        .await
        .expect("request");
    assert_error(response, 404, ErrorCode::NotFound).await;
    assert_eq!(
        get_with(&app, &other_user.access_token, "/api/v1/me")
            .await
            .status(),
        StatusCode::OK
    );

    let response = delete(&laptop.access_token, tablet.session_id)
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_error(
        get_with(&app, &tablet.access_token, "/api/v1/sync/pull?protocol=1").await,
        401,
        ErrorCode::SessionRevoked,
    )
    .await;
    assert_eq!(
        get_with(&app, &laptop.access_token, "/api/v1/me")
            .await
            .status(),
        StatusCode::OK
    );
    app.stop().await;
}
