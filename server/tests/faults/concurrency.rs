//! Writers and pullers at once, against one or two server instances on the
//! same database: every puller sees every change once, in order, with no gap,
//! although the writers' transactions commit in whatever order they finish.

use crate::support::{
    assert_contiguous, assert_settled, config, is_test_visit, postgres_url, push_of_visits, seeds,
    visit_ids, Api, PgDatabase, Rng, SeedNote, Server,
};
use server::Application;
use shared::protocol::{MutationStatus, Record};
use shared::VisitId;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const WRITERS: usize = 8;
const VISITS_PER_WRITER: usize = 40;
const MAX_BATCH: u64 = 5;
const PULLERS: usize = 4;
const PULL_LIMIT: u32 = 7;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_two_instances_concurrent_writers_and_pullers() {
    let Some(server_url) = postgres_url() else {
        return;
    };
    for seed in seeds(&[11, 12]) {
        let _note = SeedNote::new(
            "postgres_two_instances_concurrent_writers_and_pullers",
            seed,
        );
        let db = PgDatabase::create(&server_url).await;
        let dirs = [tempdir(), tempdir()];
        // Both start at once on the empty database: migrations and demo
        // seeding must not trip over each other either.
        let (a, b) = tokio::join!(
            Application::build(config(dirs[0].path(), Some(db.url.clone()))),
            Application::build(config(dirs[1].path(), Some(db.url.clone()))),
        );
        let servers = vec![
            Server::run(a.expect("first instance starts")),
            Server::run(b.expect("second instance starts")),
        ];
        run(seed, &servers).await;
        for server in servers {
            server.stop().await;
        }
        db.drop_database().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_concurrent_writers_and_pullers() {
    for seed in seeds(&[21, 22]) {
        let _note = SeedNote::new("sqlite_concurrent_writers_and_pullers", seed);
        let dir = tempdir();
        let servers = vec![Server::start(config(dir.path(), None)).await];
        run(seed, &servers).await;
        for server in servers {
            server.stop().await;
        }
    }
}

fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("tempdir")
}

/// What one puller saw, in order: (seq, visit id if one of ours).
type Seen = Vec<(u64, Option<VisitId>)>;

async fn run(seed: u64, servers: &[Server]) {
    let mut rng = Rng::new(seed);
    let mut apis = Vec::new();
    for server in servers {
        apis.push(server.api().await);
    }
    let apis: Arc<Vec<Api>> = Arc::new(apis);
    let deadline = Instant::now() + Duration::from_secs(60);
    let writers_done = Arc::new(AtomicUsize::new(0));

    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let (apis, done) = (Arc::clone(&apis), Arc::clone(&writers_done));
            let mut rng = rng.fork();
            tokio::spawn(async move {
                let mut applied = HashMap::new();
                let mut left = VISITS_PER_WRITER;
                let mut batch_no = w;
                while left > 0 {
                    let n = (rng.between(1, MAX_BATCH) as usize).min(left);
                    left -= n;
                    let request = push_of_visits(&mut rng, n);
                    let api = &apis[batch_no % apis.len()];
                    batch_no += 1;
                    let response = api.push(&request).await;
                    assert_settled(&request, &response);
                    for (id, outcome) in visit_ids(&request).into_iter().zip(&response.results) {
                        let MutationStatus::Applied { seq } = outcome.status else {
                            panic!("a new mutation was not applied: {:?}", outcome.status);
                        };
                        applied.insert(id, seq);
                    }
                }
                done.fetch_add(1, Ordering::SeqCst);
                applied
            })
        })
        .collect();

    let pullers: Vec<_> = (0..PULLERS)
        .map(|p| {
            let (apis, done) = (Arc::clone(&apis), Arc::clone(&writers_done));
            let mut rng = rng.fork();
            tokio::spawn(async move {
                let mut seen: Seen = Vec::new();
                let mut cursor = 0;
                for round in p.. {
                    // Read before pulling: an empty page after every writer
                    // finished means the feed is complete.
                    let finished = done.load(Ordering::SeqCst) == WRITERS;
                    let page = apis[round % apis.len()].pull(cursor, PULL_LIMIT).await;
                    assert!(page.changes.len() <= PULL_LIMIT as usize);
                    assert_eq!(
                        page.cursor,
                        page.changes.last().map_or(cursor, |c| c.seq),
                        "cursor is the last seq of the page"
                    );
                    for change in &page.changes {
                        let ours = match &change.record {
                            Record::Visit(v) if is_test_visit(v) => Some(v.id),
                            _ => None,
                        };
                        seen.push((change.seq, ours));
                    }
                    cursor = page.cursor;
                    if finished && page.changes.is_empty() && !page.has_more {
                        return seen;
                    }
                    assert!(Instant::now() < deadline, "puller {p} did not finish");
                    if page.changes.is_empty() || rng.below(4) == 0 {
                        // Random pacing to vary how pulls interleave with commits (the
                        // fault being tested), not a wait for a condition.
                        tokio::time::sleep(Duration::from_millis(rng.below(3))).await;
                    }
                }
                unreachable!()
            })
        })
        .collect();

    let mut written: HashMap<VisitId, u64> = HashMap::new();
    for writer in writers {
        written.extend(writer.await.expect("writer"));
    }
    assert_eq!(written.len(), WRITERS * VISITS_PER_WRITER);
    let all = apis[0].pull_all().await;
    assert_contiguous(&all);

    let expected: HashSet<VisitId> = written.keys().copied().collect();
    for (p, puller) in pullers.into_iter().enumerate() {
        let seen = puller.await.expect("puller");
        let seqs: Vec<u64> = seen.iter().map(|(seq, _)| *seq).collect();
        let expected_seqs: Vec<u64> = (1..=all.len() as u64).collect();
        if seqs != expected_seqs {
            let saw: HashSet<u64> = seqs.iter().copied().collect();
            let missed: Vec<u64> = expected_seqs
                .iter()
                .filter(|s| !saw.contains(s))
                .take(10)
                .copied()
                .collect();
            let disorder = seqs.windows(2).position(|w| w[0] >= w[1]);
            panic!(
                "puller {p} saw {} of {} changes; missed (first 10): {missed:?}; \
                 first repeat or disorder at index {disorder:?}",
                seqs.len(),
                all.len()
            );
        }
        let mut ours = HashSet::new();
        for (seq, id) in &seen {
            let Some(id) = id else { continue };
            assert!(ours.insert(*id), "puller {p}: visit {id} twice");
            assert_eq!(
                written.get(id),
                Some(seq),
                "puller {p}: visit {id} not at its seq"
            );
        }
        assert_eq!(ours, expected, "puller {p}: visits lost or unexpected");
    }
}
