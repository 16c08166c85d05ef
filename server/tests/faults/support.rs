//! The harness: fresh databases, servers in this process, a client for the
//! sync API, feed checks and seeded randomness.

use chrono::{Days, NaiveDate, TimeZone, Utc};
use reqwest::StatusCode;
use server::config::{Config, LogFormat};
use server::demo::DEMO_CHILD_IDS;
use server::Application;
use shared::protocol::{
    Change, Mutation, MutationStatus, Operation, PullResponse, PushRequest, PushResponse, Record,
    PROTOCOL_VERSION,
};
use shared::{
    ApiErrorBody, DeviceId, ErrorCode, MutationId, Visit, VisitId, VisitNote, VisitorName,
};
use sqlx::Connection;
use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// The visitor on every visit these tests write (demo visits have another).
pub const VISITOR: &str = "Feltest Handläggare";
/// How the notes of the test's own visits begin: the server signs visits
/// with the account's name, so the visitor cannot tell them apart.
pub const NOTE_MARK: &str = "Feltest anteckning";

/// Whether `visit` is one of the test's own.
pub fn is_test_visit(visit: &Visit) -> bool {
    visit.note.as_str().starts_with(NOTE_MARK)
}

// ---------------------------------------------------------------- PostgreSQL

/// The PostgreSQL server to create test databases on, or `None` to skip
/// (a failure instead when `BARNBESOK_REQUIRE_POSTGRES=1`).
pub fn postgres_url() -> Option<String> {
    crate::common::postgres_server_url()
}

/// A database of its own on the PostgreSQL test server, dropped by
/// [`PgDatabase::drop_database`] (a failed test leaves it behind, on a
/// throwaway server).
pub struct PgDatabase {
    server_url: String,
    pub url: String,
}

impl PgDatabase {
    pub async fn create(server_url: &str) -> Self {
        let name = format!("faults_{}", uuid::Uuid::new_v4().simple());
        let mut admin = sqlx::PgConnection::connect(server_url)
            .await
            .expect("connect to the PostgreSQL test server");
        sqlx::query(&format!(r#"CREATE DATABASE "{name}""#))
            .execute(&mut admin)
            .await
            .expect("create test database");
        admin.close().await.ok();
        Self {
            server_url: server_url.to_owned(),
            url: with_database(server_url, &name),
        }
    }

    /// A connection to this database that bypasses any proxy.
    pub async fn connect(&self) -> sqlx::PgConnection {
        sqlx::PgConnection::connect(&self.url)
            .await
            .expect("connect to the test database")
    }

    pub async fn drop_database(self) {
        let name = self.url.rsplit('/').next().unwrap_or_default().to_owned();
        let name = name.split('?').next().unwrap_or_default();
        if let Ok(mut admin) = sqlx::PgConnection::connect(&self.server_url).await {
            sqlx::query(&format!(r#"DROP DATABASE IF EXISTS "{name}" WITH (FORCE)"#))
                .execute(&mut admin)
                .await
                .ok();
            admin.close().await.ok();
        }
    }
}

/// Splits a `postgres://` URL around its authority: (scheme and user info,
/// host and port, path and query).
fn split_authority(url: &str) -> (&str, &str, &str) {
    let start = url.find("://").map_or(0, |i| i + 3);
    let end = url[start..]
        .find(['/', '?'])
        .map_or(url.len(), |i| start + i);
    let host_start = url[start..end].rfind('@').map_or(start, |i| start + i + 1);
    (&url[..host_start], &url[host_start..end], &url[end..])
}

/// Replaces the database name in a PostgreSQL URL.
pub fn with_database(url: &str, name: &str) -> String {
    let (head, host, tail) = split_authority(url);
    let query = tail.split_once('?').map(|(_, q)| q);
    match query {
        Some(query) => format!("{head}{host}/{name}?{query}"),
        None => format!("{head}{host}/{name}"),
    }
}

/// Replaces host and port in a PostgreSQL URL (to route it through a proxy).
pub fn with_address(url: &str, addr: SocketAddr) -> String {
    let (head, _, tail) = split_authority(url);
    format!("{head}{addr}{tail}")
}

/// The TCP address a PostgreSQL URL names (port 5432 unless given).
pub async fn postgres_address(url: &str) -> SocketAddr {
    let (_, host, _) = split_authority(url);
    let host_port = if host
        .rsplit_once(':')
        .is_some_and(|(_, p)| p.parse::<u16>().is_ok())
    {
        host.to_owned()
    } else {
        format!("{host}:5432")
    };
    tokio::net::lookup_host(host_port)
        .await
        .expect("resolve the PostgreSQL host")
        .next()
        .expect("an address for the PostgreSQL host")
}

/// Waits until no session other than `admin`'s is connected to the database,
/// so that no transaction of a dead server can still commit behind a check.
pub async fn wait_for_no_other_sessions(admin: &mut sqlx::PgConnection) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let others: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid()",
        )
        .fetch_one(&mut *admin)
        .await
        .expect("pg_stat_activity");
        if others == 0 {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{others} sessions of a killed server still open"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Runs each `async fn name(seed: u64, pg: Option<&PgDatabase>)` as two
/// tests, `name::sqlite` and `name::postgres` (a fresh database per seed).
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident: $seeds:expr;)*) => {$(
        mod $name {
            use $crate::support::{postgres_url, seeds, PgDatabase, SeedNote};

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                for seed in seeds(&$seeds) {
                    let _note = SeedNote::new(concat!(stringify!($name), "::sqlite"), seed);
                    super::$name(seed, None).await;
                }
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let Some(server_url) = postgres_url() else {
                    return;
                };
                for seed in seeds(&$seeds) {
                    let _note = SeedNote::new(concat!(stringify!($name), "::postgres"), seed);
                    let db = PgDatabase::create(&server_url).await;
                    super::$name(seed, Some(&db)).await;
                    db.drop_database().await;
                }
            }
        }
    )*};
}

// ------------------------------------------------------------------- servers

/// A configuration on `data_dir` with demo data, a free port and no app files.
pub fn config(data_dir: &Path, database_url: Option<String>) -> Config {
    let mut config = Config::with_data_dir(data_dir);
    config.listen = SocketAddr::from(([127, 0, 0, 1], 0));
    config.static_dir = data_dir.join("no-app");
    config.demo_data = true;
    config.log_format = LogFormat::Text;
    config.database_url = database_url;
    config
}

/// A server running in this process.
pub struct Server {
    pub addr: SocketAddr,
    pub base: String,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl Server {
    pub async fn start(config: Config) -> Self {
        crate::common::init_tracing();
        let application = Application::build(config).await.expect("server starts");
        Self::run(application)
    }

    pub fn run(application: Application) -> Self {
        let addr = application.local_addr();
        let base = format!("http://{addr}");
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(application.run_until_stopped(async {
            rx.await.ok();
        }));
        Self {
            addr,
            base,
            shutdown: Some(tx),
            task: Some(task),
        }
    }

    /// A client signed in as the demo social worker.
    pub async fn api(&self) -> Api {
        Api::signed_in(&self.base).await
    }

    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            tx.send(()).ok();
        }
        if let Some(task) = self.task.take() {
            task.await.expect("server task").expect("server");
        }
    }
}

// -------------------------------------------------------------------- client

/// A client of the sync API.
#[derive(Clone, Debug)]
pub struct Api {
    client: reqwest::Client,
    pub base: String,
    pub token: String,
}

/// The demo user these tests sign in as: the group leader of both demo
/// units, who sees (and so checks the numbering of) the whole feed.
pub const DEVICE_USER: &str = "demo.gunilla";

impl Api {
    /// Signs in at `base` as [`DEVICE_USER`].
    pub async fn signed_in(base: &str) -> Self {
        let token = crate::common::sign_in(base, DEVICE_USER).await;
        Self::new(base, &token)
    }

    pub fn new(base: &str, token: &str) -> Self {
        Self::with_client(base, token, reqwest::Client::builder())
    }

    /// Opens a new connection for every request, so that a proxy sees one
    /// connection per attempt (and nothing is retried on a reused one).
    pub fn unpooled(base: &str, token: &str) -> Self {
        Self::with_client(
            base,
            token,
            reqwest::Client::builder().pool_max_idle_per_host(0),
        )
    }

    fn with_client(base: &str, token: &str, builder: reqwest::ClientBuilder) -> Self {
        Self {
            client: crate::common::client_with_token(
                token,
                builder.timeout(Duration::from_secs(30)),
            ),
            base: base.to_owned(),
            token: token.to_owned(),
        }
    }

    pub async fn send_push(
        &self,
        request: &PushRequest,
    ) -> Result<reqwest::Response, reqwest::Error> {
        self.client
            .post(format!("{}/api/v1/sync/push", self.base))
            .json(request)
            .send()
            .await
    }

    /// Pushes and expects 200.
    pub async fn push(&self, request: &PushRequest) -> PushResponse {
        let response = self.send_push(request).await.expect("push request");
        assert_eq!(response.status(), StatusCode::OK, "push");
        response.json().await.expect("push response")
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("request")
    }

    /// The feed's last change number.
    pub async fn head(&self) -> u64 {
        self.pull(0, 1).await.head
    }

    pub async fn pull(&self, since: u64, limit: u32) -> PullResponse {
        crate::common::pull_page(&self.client, &self.base, since, limit).await
    }

    /// Every change on the server, page by page.
    pub async fn pull_all(&self) -> Vec<Change> {
        crate::common::pull_feed(&self.client, &self.base).await
    }
}

/// Asserts the answer the design gives when the database cannot be reached:
/// 503, a JSON `database_unavailable` body and a `Retry-After` in seconds.
pub async fn assert_unavailable(response: reqwest::Response) {
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let retry_after = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u32>().ok());
    assert!(
        retry_after.is_some_and(|s| s > 0),
        "Retry-After missing: {:?}",
        response.headers()
    );
    let body: ApiErrorBody = response.json().await.expect("JSON error body");
    assert_eq!(
        body.code,
        ErrorCode::DatabaseUnavailable,
        "{}",
        body.message
    );
}

/// What one push attempt came to.
#[derive(Debug)]
pub enum Attempt {
    Done(PushResponse),
    /// 503 `database_unavailable`, checked.
    Unavailable,
    /// No answer: connection refused, reset or closed.
    NoAnswer(reqwest::Error),
}

/// Sends a push; any answer other than 200 or a proper 503 fails the test.
pub async fn attempt_push(api: &Api, request: &PushRequest) -> Attempt {
    match api.send_push(request).await {
        Err(err) => Attempt::NoAnswer(err),
        Ok(response) if response.status() == StatusCode::OK => {
            Attempt::Done(response.json().await.expect("push response"))
        }
        Ok(response) if response.status() == StatusCode::SERVICE_UNAVAILABLE => {
            assert_unavailable(response).await;
            Attempt::Unavailable
        }
        Ok(response) => {
            let status = response.status();
            let body = response.text().await.unwrap_or_default();
            panic!("push answered {status}: {body}");
        }
    }
}

/// Retries the identical push (same mutation ids) until it is answered,
/// then checks that every mutation is settled. Returns the answer and the
/// number of attempts.
/// Also returns the feed's head just before, for [`tally`].
pub async fn push_until_settled(api: &Api, request: &PushRequest) -> (PushResponse, usize, u64) {
    let head_before = api.head().await;
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut backoff = Duration::from_millis(10);
    for attempt in 1.. {
        match attempt_push(api, request).await {
            Attempt::Done(response) => {
                assert_settled(request, &response);
                return (response, attempt, head_before);
            }
            other => assert!(
                Instant::now() < deadline,
                "push still not answered after {attempt} attempts: {other:?}"
            ),
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_millis(200));
    }
    unreachable!()
}

/// One outcome per mutation, in order, each Applied or AlreadyApplied.
pub fn assert_settled(request: &PushRequest, response: &PushResponse) {
    assert_eq!(response.results.len(), request.mutations.len());
    for (mutation, outcome) in request.mutations.iter().zip(&response.results) {
        assert_eq!(outcome.id, mutation.id, "outcomes out of order");
        assert!(
            outcome.status.is_settled_on_server(),
            "{:?}",
            outcome.status
        );
    }
}

/// (applied by this push, applied before) in a settled answer, given the
/// feed's head before the push. A retry is answered exactly as the first
/// push was, so only the change numbers tell the two apart.
pub fn tally(response: &PushResponse, head_before: u64) -> (usize, usize) {
    let seqs = response.results.iter().filter_map(|o| match o.status {
        MutationStatus::Applied { seq } => Some(seq),
        MutationStatus::Rejected { .. } => None,
    });
    let (now, before): (Vec<u64>, Vec<u64>) = seqs.partition(|&seq| seq > head_before);
    (now.len(), before.len())
}

// --------------------------------------------------------------- feed checks

/// Asserts that the feed numbers its changes 1, 2, 3, … with no gap or repeat.
pub fn assert_contiguous(changes: &[Change]) {
    for (i, change) in changes.iter().enumerate() {
        assert_eq!(change.seq, i as u64 + 1, "feed gap or repeat at index {i}");
    }
}

/// How often each of this harness's visits occurs in `changes`.
pub fn test_visits(changes: &[Change]) -> HashMap<VisitId, usize> {
    let mut seen = HashMap::new();
    for change in changes {
        if let Record::Visit(v) = &change.record {
            if is_test_visit(v) {
                *seen.entry(v.id).or_default() += 1;
            }
        }
    }
    seen
}

/// Asserts that the test visits in `changes` are exactly `expected`, each once.
pub fn assert_each_once(changes: &[Change], expected: &HashSet<VisitId>) {
    let seen = test_visits(changes);
    let doubled: Vec<_> = seen.iter().filter(|(_, &n)| n > 1).collect();
    assert!(doubled.is_empty(), "visits doubled: {doubled:?}");
    let missing = expected.iter().filter(|id| !seen.contains_key(id)).count();
    let unexpected = seen.keys().filter(|id| !expected.contains(id)).count();
    assert_eq!(
        (missing, unexpected),
        (0, 0),
        "visits lost or unexpected, of {} expected",
        expected.len()
    );
}

pub fn visit_ids(request: &PushRequest) -> Vec<VisitId> {
    request
        .mutations
        .iter()
        .map(|m| match &m.operation {
            Operation::CreateVisit(v) => v.id,
            other => panic!("only visits are pushed here: {other:?}"),
        })
        .collect()
}

// ------------------------------------------------------------------- records

/// A visit to a demo child, all of it drawn from `rng`.
pub fn visit(rng: &mut Rng) -> Visit {
    let child = DEMO_CHILD_IDS[rng.below(DEMO_CHILD_IDS.len() as u64) as usize];
    let day = NaiveDate::from_ymd_opt(2025, 1, 1)
        .and_then(|d| d.checked_add_days(Days::new(rng.below(365))))
        .expect("date");
    Visit {
        id: VisitId::from_uuid(rng.uuid()),
        child_id: child,
        visit_date: day,
        visitor: VisitorName::parse(VISITOR).expect("valid"),
        talked_alone: rng.below(2) == 0,
        note: VisitNote::parse(&format!("{NOTE_MARK} {:x}.", rng.next_u64())).expect("valid"),
        recorded_at: Utc
            .with_ymd_and_hms(2025, 6, 1, 12, 0, 0)
            .single()
            .expect("time"),
        ..shared::Visit::blank()
    }
}

/// A push of `n` new visits from a new device.
pub fn push_of_visits(rng: &mut Rng, n: usize) -> PushRequest {
    let mutations = (0..n)
        .map(|_| Mutation {
            id: MutationId::from_uuid(rng.uuid()),
            operation: Operation::CreateVisit(visit(rng)),
        })
        .collect();
    PushRequest {
        protocol: PROTOCOL_VERSION,
        device_id: DeviceId::from_uuid(rng.uuid()),
        mutations,
        reads: Vec::new(),
    }
}

// ---------------------------------------------------------------- randomness

/// xorshift64*: small, and the same sequence on every platform.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        // splitmix64 once, so that neighbouring seeds start far apart.
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        Self(z.max(1))
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    /// A number in `lo..=hi`.
    pub fn between(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }

    /// An independent generator, for a task of its own.
    pub fn fork(&mut self) -> Self {
        Self::new(self.next_u64())
    }

    /// A version-4 UUID.
    pub fn uuid(&mut self) -> uuid::Uuid {
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&self.next_u64().to_le_bytes());
        bytes[8..].copy_from_slice(&self.next_u64().to_le_bytes());
        uuid::Builder::from_random_bytes(bytes).into_uuid()
    }
}

/// The seeds a test runs with: its fixed set, or `BARNBESOK_FAULT_SEED`.
pub fn seeds(fixed: &[u64]) -> Vec<u64> {
    match std::env::var("BARNBESOK_FAULT_SEED") {
        Ok(s) => vec![s.trim().parse().expect("BARNBESOK_FAULT_SEED is a number")],
        Err(_) => fixed.to_vec(),
    }
}

/// Names the seed when the test fails while this is alive.
pub struct SeedNote {
    test: &'static str,
    seed: u64,
}

impl SeedNote {
    pub fn new(test: &'static str, seed: u64) -> Self {
        Self { test, seed }
    }
}

impl Drop for SeedNote {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!(
                "{} failed with seed {seed}; rerun with BARNBESOK_FAULT_SEED={seed}",
                self.test,
                seed = self.seed
            );
        }
    }
}

/// Polls `check` until it holds, failing after `within`.
pub async fn wait_until<F, Fut>(what: &str, within: Duration, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = Instant::now() + within;
    while !check().await {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_rewritten() {
        let url = "postgres://app@127.0.0.1:54332/postgres";
        assert_eq!(with_database(url, "t"), "postgres://app@127.0.0.1:54332/t");
        assert_eq!(
            with_address(url, SocketAddr::from(([127, 0, 0, 1], 9))),
            "postgres://app@127.0.0.1:9/postgres"
        );
        assert_eq!(
            with_database("postgresql://a:b@h:1/db?sslmode=disable", "t"),
            "postgresql://a:b@h:1/t?sslmode=disable"
        );
        assert_eq!(with_database("postgres://app@h", "t"), "postgres://app@h/t");
    }

    #[test]
    fn rng_is_reproducible() {
        let (mut a, mut b) = (Rng::new(7), Rng::new(7));
        for _ in 0..100 {
            assert_eq!(a.next_u64(), b.next_u64());
        }
        assert_ne!(Rng::new(1).next_u64(), Rng::new(2).next_u64());
        assert_eq!(Rng::new(3).uuid().get_version_num(), 4);
    }
}
