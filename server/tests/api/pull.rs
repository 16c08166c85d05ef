use crate::backend_tests;
use crate::helpers::{assert_error, create_visit, push_request, visit, Backend, Options, TestApp};
use server::demo::DEMO_CHILD_IDS;
use shared::ErrorCode;

backend_tests!(
    paging_returns_every_change_once_in_order,
    empty_feed_keeps_the_cursor,
    invalid_pull_query_is_400,
    pull_with_unknown_protocol_is_refused,
    cursor_ahead_of_the_feed_is_409,
);

async fn paging_returns_every_change_once_in_order(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    app.push(&push_request(vec![
        create_visit(visit(DEMO_CHILD_IDS[0])),
        create_visit(visit(DEMO_CHILD_IDS[1])),
    ]))
    .await;
    let total = app.db.count_changes().await.expect("count");
    assert!(total >= 5);

    let mut seqs = Vec::new();
    let mut since = 0;
    let mut pages = 0;
    loop {
        let page = app.pull(since, 2).await;
        pages += 1;
        assert!(page.changes.len() <= 2);
        if page.has_more {
            assert_eq!(page.changes.len(), 2);
        }
        assert!(page.changes.iter().all(|c| c.seq > since));
        seqs.extend(page.changes.iter().map(|c| c.seq));
        assert_eq!(page.cursor, seqs.last().copied().unwrap_or(since));
        since = page.cursor;
        if !page.has_more {
            break;
        }
    }
    assert_eq!(seqs, (1..=total).collect::<Vec<_>>());
    assert_eq!(pages, total.div_ceil(2));

    // Nothing more past the end, and the cursor stays put.
    let page = app.pull(since, 2).await;
    assert!(page.changes.is_empty());
    assert_eq!(page.cursor, since);
    assert!(!page.has_more);
    app.stop().await;
}

async fn empty_feed_keeps_the_cursor(backend: Backend) {
    let app = TestApp::spawn_with(
        &backend,
        Options {
            demo_data: false,
            ..Default::default()
        },
    )
    .await;
    let page = app.pull(0, 500).await;
    assert!(page.changes.is_empty());
    assert_eq!(page.cursor, 0);
    assert!(!page.has_more);

    // Defaults for `since` and `limit`.
    let response = app.get("/api/v1/sync/pull?protocol=1").await;
    assert_eq!(response.status(), 200);
    app.stop().await;
}

async fn invalid_pull_query_is_400(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    for query in [
        "protocol=1&limit=0",
        "protocol=1&limit=1001",
        "protocol=1&limit=abc",
        "protocol=1&since=-1",
        "protocol=1&since=x",
        "since=0",
        "",
    ] {
        let response = app.get(&format!("/api/v1/sync/pull?{query}")).await;
        assert_eq!(
            response
                .headers()
                .get("cache-control")
                .map(|v| v.as_bytes()),
            Some(b"no-store".as_slice())
        );
        assert_error(response, 400, ErrorCode::InvalidQuery).await;
    }
    app.stop().await;
}

async fn pull_with_unknown_protocol_is_refused(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    for query in ["protocol=2&since=0", "protocol=0", "protocol=v1"] {
        let response = app.get(&format!("/api/v1/sync/pull?{query}")).await;
        assert_error(response, 400, ErrorCode::UnsupportedProtocolVersion).await;
    }
    app.stop().await;
}

/// A device that pulled further than the feed goes (the server was restored
/// from an older backup) is told to start again.
async fn cursor_ahead_of_the_feed_is_409(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let last = app.db.count_changes().await.expect("count");
    let page = app.pull(last, 10).await;
    assert!(page.changes.is_empty());
    assert_eq!(page.cursor, last);
    for since in [last + 1, last + 1000] {
        let response = app
            .get(&format!("/api/v1/sync/pull?protocol=1&since={since}"))
            .await;
        assert_error(response, 409, ErrorCode::CursorAhead).await;
    }

    let empty = TestApp::spawn_with(
        &backend,
        Options {
            demo_data: false,
            ..Default::default()
        },
    )
    .await;
    let response = empty.get("/api/v1/sync/pull?protocol=1&since=42").await;
    assert_error(response, 409, ErrorCode::CursorAhead).await;
    empty.stop().await;
    app.stop().await;
}
