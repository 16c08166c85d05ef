//! The network fails between device and server: an answer lost after the
//! server committed, or a request cut off on its way. The device retries the
//! identical push; each visit is applied exactly once.

use crate::on_both_backends;
use crate::proxy::{Fault, Proxy};
use crate::support::{
    assert_contiguous, assert_each_once, attempt_push, config, push_of_visits, push_until_settled,
    tally, visit_ids, Api, Attempt, PgDatabase, Rng, Server,
};
use std::collections::HashSet;

on_both_backends! {
    lost_responses_are_retried_once: [31, 32, 33, 34];
    cut_requests_apply_nothing: [41, 42, 43, 44];
}

async fn start(pg: Option<&PgDatabase>) -> (tempfile::TempDir, Server) {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = Server::start(config(dir.path(), pg.map(|db| db.url.clone()))).await;
    (dir, server)
}

/// The first `drops` answers are lost after the server committed.
async fn lost_responses_are_retried_once(seed: u64, pg: Option<&PgDatabase>) {
    let mut rng = Rng::new(seed);
    let (_dir, server) = start(pg).await;
    let proxy = Proxy::start(server.addr).await;
    let drops = rng.between(1, 3) as usize;
    proxy.set_plan(move |n| {
        if n < drops {
            Fault::DropResponse
        } else {
            Fault::None
        }
    });
    let direct = server.api().await;
    let device = Api::unpooled(&format!("http://{}", proxy.addr), &direct.token);

    let n = rng.between(1, 5) as usize;
    let request = push_of_visits(&mut rng, n);
    let expected: HashSet<_> = visit_ids(&request).into_iter().collect();
    for _ in 0..drops {
        let attempt = attempt_push(&device, &request).await;
        assert!(matches!(attempt, Attempt::NoAnswer(_)), "{attempt:?}");
        // Committed although the device never heard of it.
        assert_each_once(&direct.pull_all().await, &expected);
    }

    let (response, attempts, before) = push_until_settled(&device, &request).await;
    assert_eq!(attempts, 1);
    assert_eq!(
        tally(&response, before),
        (0, n),
        "the retry must find all applied"
    );
    // The dropped attempts, the head read before the retry, and the retry.
    assert_eq!(proxy.connections(), drops + 2);
    let feed = direct.pull_all().await;
    assert_contiguous(&feed);
    assert_each_once(&feed, &expected);
    server.stop().await;
}

/// The first `cuts` requests reach the server only in part.
async fn cut_requests_apply_nothing(seed: u64, pg: Option<&PgDatabase>) {
    let mut rng = Rng::new(seed);
    let (_dir, server) = start(pg).await;
    let proxy = Proxy::start(server.addr).await;
    let direct = server.api().await;
    let before = direct.pull_all().await;

    let n = rng.between(1, 5) as usize;
    let request = push_of_visits(&mut rng, n);
    // The body alone is longer than any cut, so no cut request is complete.
    let body_len = serde_json::to_vec(&request).expect("json").len() as u64;
    let cuts = rng.between(1, 3) as usize;
    let mut cut_rng = rng.fork();
    proxy.set_plan(move |i| {
        if i < cuts {
            Fault::CutRequestAfter(cut_rng.between(1, body_len - 1) as usize)
        } else {
            Fault::None
        }
    });
    let device = Api::unpooled(&format!("http://{}", proxy.addr), &direct.token);

    for _ in 0..cuts {
        let attempt = attempt_push(&device, &request).await;
        assert!(matches!(attempt, Attempt::NoAnswer(_)), "{attempt:?}");
    }
    assert_eq!(
        direct.pull_all().await,
        before,
        "a cut request wrote something"
    );

    let (response, attempts, before) = push_until_settled(&device, &request).await;
    assert_eq!(attempts, 1);
    assert_eq!(
        tally(&response, before),
        (n, 0),
        "nothing was applied before"
    );
    let feed = direct.pull_all().await;
    assert_contiguous(&feed);
    assert_each_once(&feed, &visit_ids(&request).into_iter().collect());
    server.stop().await;
}
