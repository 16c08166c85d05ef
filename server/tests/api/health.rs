use crate::backend_tests;
use crate::helpers::{Backend, TestApp};
use serde_json::Value;

backend_tests!(health_reports_version_and_database);

async fn health_reports_version_and_database(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let response = app.get("/api/health").await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response
            .headers()
            .get("cache-control")
            .map(|v| v.as_bytes()),
        Some(b"no-store".as_slice())
    );
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["status"], "ok");
    assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(body["protocol"], 1);
    let kind = match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres(_) => "postgres",
    };
    assert_eq!(body["database"]["kind"], kind);
    assert_eq!(body["database"]["status"], "ok");
    app.stop().await;
}

/// A server whose PostgreSQL is down still answers, with 503s.
#[tokio::test]
async fn unreachable_database_gives_503() {
    use server::db::Database;
    use server::routes::{router, App};
    use shared::ErrorCode;
    use std::sync::Arc;
    use std::time::Duration;

    // Nothing listens on a port we just bound and released.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let db = Database::connect_postgres_lazy(
        &format!("postgres://nobody@127.0.0.1:{port}/none"),
        Duration::from_secs(1),
    )
    .expect("lazy pool");
    let state = Arc::new(App {
        db,
        static_dir: "does-not-exist".into(),
        login_limiter: Default::default(),
        password_checks: Default::default(),
        https: false,
        device_policy: server::config::Config::with_data_dir(".").device_policy(),
        trusted_proxies: Vec::new(),
        public_limits: Default::default(),
        mailer: Default::default(),
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, router(state)).await });
    let client = reqwest::Client::new();

    let response = client
        .get(format!("{address}/api/health"))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 503);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["status"], "unavailable");
    assert_eq!(body["database"]["kind"], "postgres");

    // A device's token cannot be checked either.
    let response = client
        .get(format!("{address}/api/v1/sync/pull?protocol=1"))
        .bearer_auth("0123456789abcdef0123456789abcdef0123456789a")
        .send()
        .await
        .expect("request");
    assert_eq!(
        response.headers().get("retry-after").map(|v| v.as_bytes()),
        Some(b"5".as_slice())
    );
    crate::helpers::assert_error(response, 503, ErrorCode::DatabaseUnavailable).await;

    // And the app's own page says it is not built.
    let response = client
        .get(format!("{address}/"))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 503);
}
