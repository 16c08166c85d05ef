//! Shared by the `api` and `faults` test binaries.

use std::sync::Once;

/// The PostgreSQL test server from `BARNBESOK_TEST_POSTGRES_URL`. Without it
/// the PostgreSQL tests are skipped, with a note printed once, unless
/// `BARNBESOK_REQUIRE_POSTGRES=1`, which makes a missing server a failure.
pub fn postgres_server_url() -> Option<String> {
    match std::env::var("BARNBESOK_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var("BARNBESOK_REQUIRE_POSTGRES").as_deref() != Ok("1"),
                "BARNBESOK_REQUIRE_POSTGRES=1 but BARNBESOK_TEST_POSTGRES_URL is not set"
            );
            // Once, and past libtest's capture, so that it shows in a normal run.
            static SKIPPED: Once = Once::new();
            SKIPPED.call_once(|| {
                use std::io::Write;
                let _ = writeln!(
                    std::io::stderr(),
                    "NOTE: PostgreSQL tests skipped (set BARNBESOK_TEST_POSTGRES_URL to run them)"
                );
            });
            None
        }
    }
}

/// Server logs in test output, when `TEST_LOG` is set.
pub fn init_tracing() {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        if std::env::var_os("TEST_LOG").is_some() {
            let _ = tracing_subscriber::fmt()
                .with_env_filter(tracing_subscriber::EnvFilter::new(
                    std::env::var("TEST_LOG_FILTER").unwrap_or_else(|_| "info,sqlx=warn".into()),
                ))
                .with_test_writer()
                .try_init();
        }
    });
}

/// One page of the feed from the server at `base` (`http://host:port`).
pub async fn pull_page(
    client: &reqwest::Client,
    base: &str,
    since: u64,
    limit: u32,
) -> shared::protocol::PullResponse {
    let response = client
        .get(format!(
            "{base}/api/v1/sync/pull?protocol=1&since={since}&limit={limit}"
        ))
        .send()
        .await
        .expect("request");
    assert_eq!(
        response.status(),
        reqwest::StatusCode::OK,
        "pull since {since}"
    );
    response.json().await.expect("pull response")
}

/// The server's whole feed, page by page.
pub async fn pull_feed(client: &reqwest::Client, base: &str) -> Vec<shared::protocol::Change> {
    let mut changes = Vec::new();
    let mut since = 0;
    loop {
        let page = pull_page(client, base, since, 1000).await;
        changes.extend(page.changes);
        since = page.cursor;
        if !page.has_more {
            return changes;
        }
    }
}

/// A social worker made for a test, signed in on one device: a user with no
/// password (tests never sign in with one), `children` on the caseload, and
/// the access token of a new session.
pub async fn test_worker(
    db: &server::db::Database,
    role: shared::auth::Role,
    children: &[shared::ChildId],
) -> (server::db::accounts::UserRow, String) {
    let id = shared::UserId::new_random();
    let user = server::db::accounts::UserRow {
        id,
        username: format!("test.{}", id.as_uuid().simple()),
        display_name: "Testa Handläggare".into(),
        role,
        password_hash: None,
        active: true,
    };
    assert!(db.insert_user(&user).await.expect("insert user"));
    for &child in children {
        db.assign_child(child, id, &server::db::audit::Who::command_line())
            .await
            .expect("assign child");
    }
    let tokens = server::auth::Sessions::open(
        db,
        &user,
        "testenhet",
        server::config::Config::with_data_dir(".").device_policy(),
    )
    .await
    .expect("open session");
    (user, tokens.access_token)
}

/// A client that sends `token` with every request.
pub fn client_with_token(token: &str, builder: reqwest::ClientBuilder) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    let mut value =
        reqwest::header::HeaderValue::from_str(&format!("Bearer {token}")).expect("header value");
    value.set_sensitive(true);
    headers.insert(reqwest::header::AUTHORIZATION, value);
    builder
        .default_headers(headers)
        .build()
        .expect("http client")
}

/// Signs in as a demo user over HTTP and returns the access token.
pub async fn sign_in(base: &str, username: &str) -> String {
    let response = reqwest::Client::new()
        .post(format!("{base}/api/v1/auth/login"))
        .json(&serde_json::json!({
            "username": username,
            "password": server::demo::DEMO_PASSWORD,
            "device_label": "testenhet",
        }))
        .send()
        .await
        .expect("login request");
    assert_eq!(
        response.status(),
        reqwest::StatusCode::OK,
        "sign in as {username}"
    );
    let tokens: shared::auth::SessionTokens = response.json().await.expect("tokens");
    tokens.access_token
}
