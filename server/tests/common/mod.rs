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
                .with_env_filter(tracing_subscriber::EnvFilter::new("info,sqlx=warn"))
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
