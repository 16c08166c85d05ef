//! The database cannot be reached or written: the server answers 503
//! `database_unavailable` with `Retry-After`, nothing is half-written, and the
//! device's retry applies each mutation exactly once.
//!
//! SQLite: another connection holds the write lock past the busy timeout.
//! PostgreSQL: the server reaches its database through a proxy in the test,
//! which refuses connections (an outage) or cuts them mid-transaction; and
//! the database terminates the server's sessions (`pg_terminate_backend`).
//! The shared test cluster itself is never stopped.

use crate::proxy::{Fault, Proxy};
use crate::support::{
    assert_contiguous, assert_each_once, assert_unavailable, attempt_push, config,
    postgres_address, postgres_url, push_of_visits, push_until_settled, seeds, tally, visit_ids,
    wait_until, with_address, Attempt, PgDatabase, Rng, SeedNote, Server,
};
use reqwest::StatusCode;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::Connection;
use std::collections::HashSet;
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_write_lock_held_past_busy_timeout() {
    for seed in seeds(&[61]) {
        let _note = SeedNote::new("sqlite_write_lock_held_past_busy_timeout", seed);
        let mut rng = Rng::new(seed);
        let dir = tempfile::tempdir().expect("tempdir");
        let server = Server::start(config(dir.path(), None)).await;
        let api = server.api().await;
        let before = api.pull_all().await;
        let mut locker = SqliteConnection::connect_with(
            &SqliteConnectOptions::new().filename(dir.path().join("barnbesok.db")),
        )
        .await
        .expect("open the database file");

        sqlx::query("BEGIN EXCLUSIVE")
            .execute(&mut locker)
            .await
            .expect("take the write lock");
        // A device that is up to date is still answered (WAL); records are
        // not served while their reading cannot be logged.
        let head = before.last().map_or(0, |c| c.seq);
        assert!(api.pull(head, 100).await.changes.is_empty());
        assert_unavailable(api.get("/api/v1/sync/pull?protocol=1&since=0").await).await;
        let n = rng.between(1, 5) as usize;
        let request = push_of_visits(&mut rng, n);
        let started = Instant::now();
        let response = api.send_push(&request).await.expect("an answer");
        let waited = started.elapsed();
        assert_unavailable(response).await;
        assert!(
            waited >= Duration::from_secs(1),
            "gave up after {waited:?} instead of waiting for the lock"
        );
        sqlx::query("ROLLBACK")
            .execute(&mut locker)
            .await
            .expect("release");
        assert_eq!(api.pull_all().await, before, "written while locked");

        let (response, attempts, before) = push_until_settled(&api, &request).await;
        assert_eq!((attempts, tally(&response, before)), (1, (n, 0)));
        let (response, _, before) = push_until_settled(&api, &request).await;
        assert_eq!(tally(&response, before), (0, n));

        // A lock released within the busy timeout is waited out.
        let before = api.head().await;
        sqlx::query("BEGIN EXCLUSIVE")
            .execute(&mut locker)
            .await
            .expect("take the write lock");
        let second = push_of_visits(&mut rng, n);
        let in_flight = {
            let (api, second) = (api.clone(), second.clone());
            tokio::spawn(async move { attempt_push(&api, &second).await })
        };
        // How long the fault lasts, not a wait for a condition.
        let hold = Duration::from_millis(rng.between(100, 1500));
        tokio::time::sleep(hold).await;
        sqlx::query("ROLLBACK")
            .execute(&mut locker)
            .await
            .expect("release");
        match in_flight.await.expect("push task") {
            Attempt::Done(response) => assert_eq!(tally(&response, before), (n, 0)),
            other => panic!("a lock of {hold:?} was not waited out: {other:?}"),
        }

        let feed = api.pull_all().await;
        assert_contiguous(&feed);
        let expected: HashSet<_> = visit_ids(&request)
            .into_iter()
            .chain(visit_ids(&second))
            .collect();
        assert_each_once(&feed, &expected);
        locker.close().await.ok();
        server.stop().await;
    }
}

/// A server whose database connections run through a proxy.
struct Proxied {
    _dir: tempfile::TempDir,
    db: PgDatabase,
    proxy: Proxy,
    server: Server,
}

async fn proxied(server_url: &str) -> Proxied {
    let db = PgDatabase::create(server_url).await;
    let proxy = Proxy::start(postgres_address(&db.url).await).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let server = Server::start(config(dir.path(), Some(with_address(&db.url, proxy.addr)))).await;
    Proxied {
        _dir: dir,
        db,
        proxy,
        server,
    }
}

impl Proxied {
    async fn stop(self) {
        drop(self.proxy);
        self.server.stop().await;
        self.db.drop_database().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_unreachable_then_back() {
    let Some(server_url) = postgres_url() else {
        return;
    };
    for seed in seeds(&[71, 72]) {
        let _note = SeedNote::new("postgres_unreachable_then_back", seed);
        let mut rng = Rng::new(seed);
        let setup = proxied(&server_url).await;
        let api = setup.server.api().await;
        let mut admin = setup.db.connect().await;
        let warm = push_of_visits(&mut rng, 1);
        push_until_settled(&api, &warm).await;

        setup.proxy.set_fault(Fault::Refuse);
        setup.proxy.sever_all();
        let health = api.get("/api/health").await;
        assert_eq!(health.status(), StatusCode::SERVICE_UNAVAILABLE);
        let n = rng.between(1, 5) as usize;
        let request = push_of_visits(&mut rng, n);
        for _ in 0..rng.between(1, 3) {
            let attempt = attempt_push(&api, &request).await;
            assert!(matches!(attempt, Attempt::Unavailable), "{attempt:?}");
        }
        // Asked around the proxy: nothing of the push reached the database.
        let ids: Vec<uuid::Uuid> = visit_ids(&request).iter().map(|v| *v.as_uuid()).collect();
        let mutation_ids: Vec<uuid::Uuid> =
            request.mutations.iter().map(|m| *m.id.as_uuid()).collect();
        let (visits, claimed): (i64, i64) = sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM visits WHERE id = ANY($1)), \
                    (SELECT COUNT(*) FROM applied_mutations WHERE mutation_id = ANY($2))",
        )
        .bind(&ids)
        .bind(&mutation_ids)
        .fetch_one(&mut admin)
        .await
        .expect("count");
        assert_eq!((visits, claimed), (0, 0));

        setup.proxy.set_fault(Fault::None);
        wait_until(
            "the database to be back",
            Duration::from_secs(10),
            || async { api.get("/api/health").await.status() == StatusCode::OK },
        )
        .await;
        let (response, _, before) = push_until_settled(&api, &request).await;
        assert_eq!(tally(&response, before), (n, 0));
        let (response, _, before) = push_until_settled(&api, &request).await;
        assert_eq!(tally(&response, before), (0, n));

        let feed = api.pull_all().await;
        assert_contiguous(&feed);
        let expected: HashSet<_> = visit_ids(&warm)
            .into_iter()
            .chain(visit_ids(&request))
            .collect();
        assert_each_once(&feed, &expected);
        admin.close().await.ok();
        setup.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_sessions_cut_mid_push() {
    const ROUNDS: usize = 6;
    const PUSH_SIZE: usize = 200;
    let Some(server_url) = postgres_url() else {
        return;
    };
    for seed in seeds(&[81]) {
        let _note = SeedNote::new("postgres_sessions_cut_mid_push", seed);
        let mut rng = Rng::new(seed);
        let setup = proxied(&server_url).await;
        let api = setup.server.api().await;
        let mut admin = setup.db.connect().await;

        let calibration = push_of_visits(&mut rng, PUSH_SIZE);
        let started = Instant::now();
        push_until_settled(&api, &calibration).await;
        let full = started.elapsed();
        let mut expected: HashSet<_> = visit_ids(&calibration).into_iter().collect();

        let mut cut_rounds = 0;
        for round in 0..ROUNDS {
            let request = push_of_visits(&mut rng, PUSH_SIZE);
            let in_flight = {
                let (api, request) = (api.clone(), request.clone());
                tokio::spawn(async move { attempt_push(&api, &request).await })
            };
            // The injected fault: how far into the push the connections are cut.
            tokio::time::sleep(full.mul_f64(rng.between(0, 100) as f64 / 100.0)).await;
            if round % 2 == 0 {
                // The network drops every connection to the database.
                setup.proxy.sever_all();
            } else {
                // The database ends the sessions (as on an administrator's
                // command or a failover).
                sqlx::query(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                     WHERE datname = current_database() AND pid <> pg_backend_pid()",
                )
                .execute(&mut admin)
                .await
                .expect("terminate the server's sessions");
            }
            match in_flight.await.expect("push task") {
                Attempt::Done(_) => {}
                Attempt::Unavailable => cut_rounds += 1,
                Attempt::NoAnswer(err) => panic!("round {round}: no answer: {err}"),
            }
            let (response, _, before) = push_until_settled(&api, &request).await;
            let (applied, already) = tally(&response, before);
            assert_eq!(applied + already, PUSH_SIZE);
            expected.extend(visit_ids(&request));
            let feed = api.pull_all().await;
            assert_contiguous(&feed);
            assert_each_once(&feed, &expected);
        }
        assert!(
            cut_rounds > 0,
            "no cut landed in the middle of a push (a full push took {full:?})"
        );
        admin.close().await.ok();
        setup.stop().await;
    }
}

/// A network that silently drops packets (no reset) between one instance
/// and PostgreSQL while that instance's push holds the change counter's row
/// lock (taken by `SELECT … FOR UPDATE` when a transaction first numbers a
/// change): that instance's client gets a 503 (the server's transaction time
/// limit), and the other instances keep writing (PostgreSQL ends the silent
/// session through `idle_in_transaction_session_timeout`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_frozen_connection_does_not_stall_other_instances() {
    let Some(server_url) = postgres_url() else {
        return;
    };
    let bound = Duration::from_secs(8);
    let mut rng = Rng::new(91);
    let setup = proxied(&server_url).await;
    let admin = setup.db.connect().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let other = Server::start(config(dir.path(), Some(setup.db.url.clone()))).await;
    let other_api = other.api().await;
    let api = setup.server.api().await;

    // The network goes silent right after the server has asked for the next
    // change number: its session then holds the counter's row lock. New
    // connections only, so drop the pool's current ones first.
    setup
        .proxy
        .set_fault(Fault::FreezeAfterClientSends(b"change_counter"));
    setup.proxy.sever_all();
    let request = push_of_visits(&mut rng, 1);
    let frozen_push =
        tokio::spawn(
            async move { tokio::time::timeout(bound, attempt_push(&api, &request)).await },
        );
    let admin = tokio::sync::Mutex::new(admin);
    wait_until("the frozen session to take the counter lock", bound, || {
        let admin = &admin;
        async move {
            sqlx::query_scalar::<_, bool>(
                "SELECT EXISTS (SELECT 1 FROM pg_locks \
                 WHERE relation = 'change_counter'::regclass \
                 AND mode IN ('RowShareLock', 'RowExclusiveLock') \
                 AND pid <> pg_backend_pid())",
            )
            .fetch_one(&mut *admin.lock().await)
            .await
            .expect("pg_locks")
        }
    })
    .await;
    let admin = admin.into_inner();

    let other_push = push_of_visits(&mut rng, 1);
    let answered = tokio::time::timeout(bound, attempt_push(&other_api, &other_push)).await;
    let frozen_answered = frozen_push.await.expect("push task");
    setup.proxy.sever_all();
    assert!(
        answered.is_ok(),
        "another instance's push waited more than {bound:?} behind the frozen session"
    );
    assert!(
        matches!(frozen_answered, Ok(Attempt::Unavailable)),
        "the frozen instance did not answer 503 within {bound:?}: {frozen_answered:?}"
    );
    admin.close().await.ok();
    other.stop().await;
    setup.stop().await;
}
