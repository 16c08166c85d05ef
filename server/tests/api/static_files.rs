use crate::backend_tests;
use crate::helpers::{Backend, Options, TestApp, HASHED_JS, HASHED_WASM, INDEX_HTML};

backend_tests!(
    app_files_are_served_with_cache_headers,
    missing_app_is_503_json,
    every_response_carries_the_security_headers,
);

fn header(response: &reqwest::Response, name: &str) -> String {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

async fn app_files_are_served_with_cache_headers(backend: Backend) {
    let app = TestApp::spawn(&backend).await;

    for path in [
        "/",
        "/index.html",
        "/barn/0b8a0f5e-3c1d-4f5e-9d77-2b1f7a5c9e01",
        "/barn",
    ] {
        let response = app.get(path).await;
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(header(&response, "cache-control"), "no-cache", "{path}");
        assert!(
            header(&response, "content-type").starts_with("text/html"),
            "{path}"
        );
        assert_eq!(response.text().await.expect("body"), INDEX_HTML, "{path}");
    }

    for path in ["/sw.js", "/manifest.webmanifest"] {
        let response = app.get(path).await;
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(header(&response, "cache-control"), "no-cache", "{path}");
    }

    let response = app.get(&format!("/{HASHED_JS}")).await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        header(&response, "cache-control"),
        "public, max-age=31536000, immutable"
    );
    assert!(header(&response, "content-type").contains("javascript"));

    let response = app.get(&format!("/{HASHED_WASM}")).await;
    assert_eq!(response.status(), 200);
    assert_eq!(header(&response, "content-type"), "application/wasm");
    assert_eq!(
        header(&response, "cache-control"),
        "public, max-age=31536000, immutable"
    );

    // A missing file with an extension is not the app.
    let response = app.get("/missing-0123456789abcdef.js").await;
    assert_eq!(response.status(), 404);
    app.stop().await;
}

async fn missing_app_is_503_json(backend: Backend) {
    let app = TestApp::spawn_with(
        &backend,
        Options {
            static_files: false,
            ..Default::default()
        },
    )
    .await;
    let response = app.get("/").await;
    assert_eq!(response.status(), 503);
    assert!(header(&response, "content-type").starts_with("application/json"));
    let body: serde_json::Value = response.json().await.expect("json");
    assert!(
        body["message"]
            .as_str()
            .unwrap_or_default()
            .contains("inte byggd"),
        "{body}"
    );
    // The API still works.
    assert_eq!(app.get("/api/health").await.status(), 200);
    app.stop().await;
}

async fn every_response_carries_the_security_headers(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let anonymous = reqwest::Client::new();
    for path in [
        "/",
        "/barn/okänd",
        &format!("/{HASHED_JS}"),
        "/api/health",
        "/api/v1/sync/pull?protocol=1",
        "/api/nothing-here",
    ] {
        for client in [&app.client, &anonymous] {
            let response = client.get(app.url(path)).send().await.expect("request");
            let csp = header(&response, "content-security-policy");
            for directive in [
                "default-src 'self'",
                "script-src 'self' 'wasm-unsafe-eval'",
                "object-src 'none'",
                "frame-ancestors 'none'",
            ] {
                assert!(csp.contains(directive), "{path}: {csp}");
            }
            assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
            assert_eq!(
                header(&response, "x-content-type-options"),
                "nosniff",
                "{path}"
            );
            assert_eq!(
                header(&response, "referrer-policy"),
                "no-referrer",
                "{path}"
            );
            assert_eq!(header(&response, "x-frame-options"), "DENY", "{path}");
            // Plain HTTP here: HSTS would be ignored, and wrong if sent.
            assert_eq!(header(&response, "strict-transport-security"), "", "{path}");
        }
    }
    app.stop().await;

    let behind_tls = TestApp::spawn_with(
        &backend,
        Options {
            https: true,
            ..Default::default()
        },
    )
    .await;
    let response = behind_tls.get("/").await;
    assert_eq!(
        header(&response, "strict-transport-security"),
        "max-age=31536000; includeSubDomains"
    );
    behind_tls.stop().await;
}
