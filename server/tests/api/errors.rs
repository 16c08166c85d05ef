use crate::backend_tests;
use crate::helpers::{assert_error, create_visit, push_json, visit, Backend, TestApp};
use server::demo::DEMO_CHILD_IDS;
use shared::protocol::{MAX_MUTATIONS_PER_PUSH, MAX_REQUEST_BYTES};
use shared::ErrorCode;

backend_tests!(
    malformed_json_is_400,
    wrong_content_type_is_415,
    oversized_body_is_413_json,
    push_with_unknown_protocol_is_refused,
    too_many_mutations_is_400,
    invalid_fields_are_422,
    unknown_api_path_is_404_json,
    wrong_method_is_405_json,
);

async fn malformed_json_is_400(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let counts = app.counts().await;
    let valid = push_json(vec![create_visit(visit(DEMO_CHILD_IDS[0]))]).to_string();
    let truncated = valid[..valid.len() - 3].to_owned();
    for body in [
        "".to_owned(),
        "{".to_owned(),
        "not json".to_owned(),
        "[1, 2]".to_owned(),
        r#"{"mutations": []}"#.to_owned(),
        r#"{"protocol": "1"}"#.to_owned(),
        truncated,
        format!("{valid} trailing"),
    ] {
        let response = app.push_raw(body.into_bytes(), "application/json").await;
        assert_error(response, 400, ErrorCode::MalformedJson).await;
    }
    assert_eq!(app.counts().await, counts);
    app.stop().await;
}

async fn wrong_content_type_is_415(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let counts = app.counts().await;
    let body = push_json(vec![create_visit(visit(DEMO_CHILD_IDS[0]))]).to_string();
    for content_type in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/jsonx",
    ] {
        let response = app.push_raw(body.clone().into_bytes(), content_type).await;
        assert_error(response, 415, ErrorCode::UnsupportedMediaType).await;
    }
    let response = app
        .client
        .post(app.url("/api/v1/sync/push"))
        .body(body.clone())
        .send()
        .await
        .expect("request");
    assert_error(response, 415, ErrorCode::UnsupportedMediaType).await;
    assert_eq!(app.counts().await, counts);

    // A charset parameter is fine.
    let response = app
        .push_raw(body.into_bytes(), "application/json; charset=utf-8")
        .await;
    assert_eq!(response.status(), 200);
    app.stop().await;
}

async fn oversized_body_is_413_json(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let counts = app.counts().await;
    let prefix = br#"{"protocol":1,"padding":""#;
    let mut body = prefix.to_vec();
    body.resize(MAX_REQUEST_BYTES - 2, b'x');
    body.extend_from_slice(b"\"}");
    body.push(b' ');
    assert_eq!(body.len(), MAX_REQUEST_BYTES + 1);
    let response = app.push_raw(body, "application/json").await;
    assert_eq!(
        response
            .headers()
            .get("cache-control")
            .map(|v| v.as_bytes()),
        Some(b"no-store".as_slice())
    );
    assert_error(response, 413, ErrorCode::PayloadTooLarge).await;
    assert_eq!(app.counts().await, counts);
    app.stop().await;
}

async fn push_with_unknown_protocol_is_refused(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let counts = app.counts().await;
    let mut body = push_json(vec![create_visit(visit(DEMO_CHILD_IDS[0]))]);
    body["protocol"] = 2.into();
    let response = app.push_json(&body).await;
    assert_error(response, 400, ErrorCode::UnsupportedProtocolVersion).await;

    // A future version's unknown shape is still reported as a version problem.
    let response = app
        .push_json(&serde_json::json!({"protocol": 7, "batches": [{"x": 1}]}))
        .await;
    assert_error(response, 400, ErrorCode::UnsupportedProtocolVersion).await;
    assert_eq!(app.counts().await, counts);
    app.stop().await;
}

async fn too_many_mutations_is_400(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let counts = app.counts().await;
    let mutations = (0..=MAX_MUTATIONS_PER_PUSH)
        .map(|_| create_visit(visit(DEMO_CHILD_IDS[0])))
        .collect();
    let response = app.push_json(&push_json(mutations)).await;
    assert_error(response, 400, ErrorCode::TooManyMutations).await;
    assert_eq!(app.counts().await, counts);

    // Exactly the maximum is accepted.
    let mutations = (0..MAX_MUTATIONS_PER_PUSH)
        .map(|_| create_visit(visit(DEMO_CHILD_IDS[0])))
        .collect();
    let response = app.push_json(&push_json(mutations)).await;
    assert_eq!(response.status(), 200);
    app.stop().await;
}

async fn invalid_fields_are_422(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let counts = app.counts().await;
    let valid = push_json(vec![create_visit(visit(DEMO_CHILD_IDS[0]))]);
    type Breakage = (&'static str, fn(&mut serde_json::Value));
    let breakages: [Breakage; 7] = [
        ("empty visitor", |b| {
            b["mutations"][0]["record"]["visitor"] = "   ".into()
        }),
        ("unknown op", |b| {
            b["mutations"][0]["op"] = "drop_tables".into()
        }),
        ("bad date", |b| {
            b["mutations"][0]["record"]["visit_date"] = "2026-02-30".into()
        }),
        ("bad uuid", |b| {
            b["mutations"][0]["record"]["child_id"] = "nope".into()
        }),
        ("missing field", |b| {
            b["mutations"][0]["record"]
                .as_object_mut()
                .map(|r| r.remove("talked_alone"));
        }),
        ("unknown top-level field", |b| b["extra"] = true.into()),
        ("control character in name", |b| {
            b["mutations"][0]["record"]["visitor"] = "Anna\u{7}Lind".into()
        }),
    ];
    for (what, breakage) in breakages {
        let mut body = valid.clone();
        breakage(&mut body);
        let response = app.push_json(&body).await;
        let error = assert_error(response, 422, ErrorCode::ValidationFailed).await;
        assert!(!error.message.is_empty(), "{what}");
    }
    assert_eq!(app.counts().await, counts);
    app.stop().await;
}

async fn unknown_api_path_is_404_json(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    for path in ["/api/nope", "/api/v2/sync/pull", "/api/v1/sync", "/api/"] {
        let response = app.get(path).await;
        assert_eq!(
            response
                .headers()
                .get("cache-control")
                .map(|v| v.as_bytes()),
            Some(b"no-store".as_slice()),
            "{path}"
        );
        assert_error(response, 404, ErrorCode::NotFound).await;
    }
    app.stop().await;
}

async fn wrong_method_is_405_json(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let counts = app.counts().await;
    let response = app.get("/api/v1/sync/push").await;
    assert_error(response, 405, ErrorCode::MethodNotAllowed).await;
    let response = app
        .client
        .post(app.url("/api/v1/sync/pull?protocol=1"))
        .send()
        .await
        .expect("request");
    assert_error(response, 405, ErrorCode::MethodNotAllowed).await;
    let response = app
        .client
        .delete(app.url("/api/health"))
        .send()
        .await
        .expect("request");
    assert_eq!(
        response
            .headers()
            .get("cache-control")
            .map(|v| v.as_bytes()),
        Some(b"no-store".as_slice())
    );
    assert_error(response, 405, ErrorCode::MethodNotAllowed).await;
    assert_eq!(app.counts().await, counts);
    app.stop().await;
}
