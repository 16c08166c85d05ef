//! `TestApp`: a real server on 127.0.0.1:0 with a fresh database.

use chrono::{NaiveDate, TimeZone, Utc};
use reqwest::{Response, StatusCode};
use serde_json::Value;
use server::config::{Config, LogFormat};
use server::db::accounts::UserRow;
use server::db::{Database, Table};
use server::demo::{DEMO_CHILD_IDS, DEMO_HISTORY_CHILD_IDS};
use server::Application;
use shared::auth::Role;
use shared::merge::FieldChange;
use shared::protocol::{
    Change, Conflict, ConflictChoice, EditableKind, Mutation, MutationStatus, Operation,
    PullResponse, PushRequest, Record, RecordPatch, RecordRef, PROTOCOL_VERSION,
};
use shared::{
    AmendmentId, AmendmentText, ApiErrorBody, ChildId, DeviceId, ErrorCode, LegalBasis, MutationId,
    PersonName, Placement, PlacementId, PlacementKind, UnitId, UserId, Visit, VisitAmendment,
    VisitId, VisitNote, VisitorName,
};
use sqlx::Connection;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Runs each named test body, `async fn name(backend: Backend)`, once per
/// backend: `name::sqlite` and `name::postgres`.
#[macro_export]
macro_rules! backend_tests {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                super::$name($crate::helpers::Backend::Sqlite).await;
            }

            #[tokio::test]
            async fn postgres() {
                if let Some(backend) = $crate::helpers::Backend::postgres() {
                    super::$name(backend).await;
                }
            }
        }
    )*};
}

#[derive(Clone, Debug)]
pub enum Backend {
    Sqlite,
    /// The server URL to create per-test databases on.
    Postgres(String),
}

impl Backend {
    /// PostgreSQL when configured; `None` (skip) otherwise, unless
    /// `BARNBESOK_REQUIRE_POSTGRES=1`, which makes a missing server a failure.
    pub fn postgres() -> Option<Self> {
        crate::common::postgres_server_url().map(Self::Postgres)
    }
}

enum DirectConnection {
    Sqlite(sqlx::SqliteConnection),
    Postgres(sqlx::PgConnection),
}

/// A write lock held by [`TestApp::hold_writer`].
pub struct HeldWriter(DirectConnection);

impl HeldWriter {
    pub async fn release(self) {
        match self.0 {
            DirectConnection::Sqlite(mut c) => {
                sqlx::query("ROLLBACK").execute(&mut c).await.map(drop)
            }
            DirectConnection::Postgres(mut c) => {
                sqlx::query("ROLLBACK").execute(&mut c).await.map(drop)
            }
        }
        .expect("release");
    }
}

/// Options for [`TestApp::spawn_with`].
pub struct Options {
    pub demo_data: bool,
    pub static_files: bool,
    /// Served to browsers over HTTPS (`--https`).
    pub https: bool,
    /// `--trusted-proxy`.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Any other setting.
    pub configure: Box<dyn FnOnce(&mut Config) + Send>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            demo_data: true,
            static_files: true,
            https: false,
            trusted_proxies: Vec::new(),
            configure: Box::new(|_| {}),
        }
    }
}

pub struct TestApp {
    pub address: String,
    /// Signed in as [`Self::user`].
    pub client: reqwest::Client,
    /// A social worker with every demo child on the caseload.
    pub user: UserRow,
    pub token: String,
    pub db: Database,
    pub config: Config,
    pg_database: Option<(String, String)>,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<std::io::Result<()>>>,
    _dir: tempfile::TempDir,
}

pub const INDEX_HTML: &str = "<!doctype html><title>Barnbesök</title>";
pub const HASHED_JS: &str = "barnbesok-app-4f3c2a1b9d8e7f60.js";
pub const HASHED_WASM: &str = "barnbesok-app-4f3c2a1b9d8e7f60_bg.wasm";

impl TestApp {
    /// With demo data and a built app.
    pub async fn spawn(backend: &Backend) -> Self {
        Self::spawn_with(backend, Options::default()).await
    }

    pub async fn spawn_with(backend: &Backend, options: Options) -> Self {
        crate::common::init_tracing();
        let dir = tempfile::tempdir().expect("tempdir");
        let static_dir = dir.path().join("dist");
        if options.static_files {
            std::fs::create_dir_all(&static_dir).expect("dist");
            for (name, content) in [
                ("index.html", INDEX_HTML.as_bytes()),
                (
                    "sw.js",
                    b"self.addEventListener('fetch', () => {});".as_slice(),
                ),
                (HASHED_JS, b"export default function init() {}".as_slice()),
                (HASHED_WASM, b"\0asm\x01\0\0\0".as_slice()),
                ("manifest.webmanifest", b"{}".as_slice()),
            ] {
                std::fs::write(static_dir.join(name), content).expect("write static file");
            }
        }

        let mut config = Config::with_data_dir(dir.path().join("data"));
        config.listen = "127.0.0.1:0".parse().expect("addr");
        config.static_dir = static_dir;
        config.demo_data = options.demo_data;
        config.https = options.https;
        config.trusted_proxy = options.trusted_proxies;
        config.log_format = LogFormat::Text;
        (options.configure)(&mut config);

        let pg_database = match backend {
            Backend::Sqlite => None,
            Backend::Postgres(server_url) => {
                let name = format!("test_{}", uuid::Uuid::new_v4().simple());
                let mut admin = sqlx::PgConnection::connect(server_url)
                    .await
                    .expect("connect to the PostgreSQL test server");
                sqlx::query(&format!(r#"CREATE DATABASE "{name}""#))
                    .execute(&mut admin)
                    .await
                    .expect("create test database");
                admin.close().await.ok();
                config.database_url = Some(with_database(server_url, &name));
                Some((server_url.clone(), name))
            }
        };

        let application = Application::build(config.clone()).await.expect("build app");
        let children = if options.demo_data {
            [DEMO_CHILD_IDS.as_slice(), DEMO_HISTORY_CHILD_IDS.as_slice()].concat()
        } else {
            Vec::new()
        };
        let (user, token) =
            crate::common::test_worker(&application.database(), Role::SocialWorker, &children)
                .await;
        Self::run(application, config, dir, pg_database, user, token)
    }

    /// Starts a server on `config` (used again to restart on the same database).
    fn run(
        application: Application,
        config: Config,
        dir: tempfile::TempDir,
        pg_database: Option<(String, String)>,
        user: UserRow,
        token: String,
    ) -> Self {
        let address = format!("http://127.0.0.1:{}", application.port());
        let db = application.database();
        let (tx, rx) = oneshot::channel::<()>();
        let server = tokio::spawn(application.run_until_stopped(async {
            rx.await.ok();
        }));
        Self {
            address,
            client: crate::common::client_with_token(&token, reqwest::Client::builder()),
            user,
            token,
            db,
            config,
            pg_database,
            shutdown: Some(tx),
            server: Some(server),
            _dir: dir,
        }
    }

    /// Stops this server and starts another on the same database and files.
    pub async fn restart(mut self) -> Self {
        self.stop_server().await;
        self.start_again().await
    }

    /// Stops this server, puts the backup `from` in place of its database
    /// (`admin restore`), and starts another on it.
    pub async fn restore_and_restart(mut self, from: &std::path::Path) -> Self {
        self.stop_server().await;
        self.db.close().await;
        let target = self.config.database_target().expect("target");
        server::admin::restore(&target, from)
            .await
            .expect("admin restore");
        self.start_again().await
    }

    /// A new server on this one's configuration (this one stopped).
    async fn start_again(self) -> Self {
        let application = Application::build(self.config.clone())
            .await
            .expect("build app");
        Self::run(
            application,
            self.config,
            self._dir,
            self.pg_database,
            self.user,
            self.token,
        )
    }

    /// A directory for files a test writes (removed with the app).
    pub fn files(&self) -> &std::path::Path {
        self._dir.path()
    }

    /// A connection of its own to the app's database, behind the server's
    /// back.
    async fn direct_connection(&self) -> DirectConnection {
        match self.config.database_target().expect("target") {
            server::config::DatabaseTarget::SqliteFile(path) => DirectConnection::Sqlite(
                sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
                    .await
                    .expect("open sqlite"),
            ),
            server::config::DatabaseTarget::Postgres(url) => DirectConnection::Postgres(
                sqlx::PgConnection::connect(&url).await.expect("connect"),
            ),
            server::config::DatabaseTarget::SqliteUrl(_) => unreachable!("tests use files"),
        }
    }

    /// Runs one SQL statement on the database directly, behind the server's
    /// back (to tamper with what it stored).
    pub async fn execute_sql(&self, sql: &str) {
        match self.direct_connection().await {
            DirectConnection::Sqlite(mut c) => sqlx::query(sql).execute(&mut c).await.map(drop),
            DirectConnection::Postgres(mut c) => sqlx::query(sql).execute(&mut c).await.map(drop),
        }
        .expect("sql");
    }

    /// One number from the database, read behind the server's back.
    pub async fn query_i64(&self, sql: &str) -> i64 {
        match self.direct_connection().await {
            DirectConnection::Sqlite(mut c) => sqlx::query_scalar(sql).fetch_one(&mut c).await,
            DirectConnection::Postgres(mut c) => sqlx::query_scalar(sql).fetch_one(&mut c).await,
        }
        .expect("sql")
    }

    /// Takes the database's write lock behind the server's back (SQLite's
    /// database lock; PostgreSQL's change counter row, which every sync
    /// write takes first) until the returned guard is released.
    pub async fn hold_writer(&self) -> HeldWriter {
        match self.direct_connection().await {
            DirectConnection::Sqlite(mut c) => {
                sqlx::query("BEGIN IMMEDIATE")
                    .execute(&mut c)
                    .await
                    .expect("lock");
                HeldWriter(DirectConnection::Sqlite(c))
            }
            DirectConnection::Postgres(mut c) => {
                sqlx::query("BEGIN").execute(&mut c).await.expect("begin");
                sqlx::query("SELECT last_seq FROM change_counter WHERE id = 1 FOR UPDATE")
                    .execute(&mut c)
                    .await
                    .expect("lock");
                HeldWriter(DirectConnection::Postgres(c))
            }
        }
    }

    /// Reads one text column of a query on the database directly, behind the
    /// server's back (to look at how something is stored).
    pub async fn texts_from_sql(&self, sql: &str) -> Vec<String> {
        match self.direct_connection().await {
            DirectConnection::Sqlite(mut c) => sqlx::query_scalar(sql).fetch_all(&mut c).await,
            DirectConnection::Postgres(mut c) => sqlx::query_scalar(sql).fetch_all(&mut c).await,
        }
        .expect("sql")
    }

    /// Puts `child` on the test user's caseload.
    pub async fn assign(&self, child: ChildId) {
        self.db
            .assign_child(child, self.user.id, &server::db::audit::Who::command_line())
            .await
            .expect("assign");
    }

    /// Another signed-in user of `role` with `children` on the caseload: a
    /// client for them.
    pub async fn client_for(&self, role: Role, children: &[ChildId]) -> (UserRow, reqwest::Client) {
        let (user, token) = crate::common::test_worker(&self.db, role, children).await;
        (
            user,
            crate::common::client_with_token(&token, reqwest::Client::builder()),
        )
    }

    /// A new unit called `name`.
    pub async fn new_unit(&self, name: &str) -> UnitId {
        let id = UnitId::new_random();
        assert!(self.db.insert_unit(id, name).await.expect("unit"));
        id
    }

    /// Another signed-in user of `role`, a member of `unit`: their id and a
    /// client for them.
    pub async fn member_of(&self, unit: UnitId, role: Role) -> (UserId, reqwest::Client) {
        let (user, client) = self.client_for(role, &[]).await;
        self.db.add_user_unit(user.id, unit).await.expect("member");
        (user.id, client)
    }

    /// `GET path` as `client`: `200 OK` and its JSON.
    pub async fn get_json_as<T: serde::de::DeserializeOwned>(
        &self,
        client: &reqwest::Client,
        path: &str,
    ) -> T {
        let response = client.get(self.url(path)).send().await.expect("request");
        assert_eq!(response.status(), reqwest::StatusCode::OK, "GET {path}");
        response.json().await.expect("json")
    }

    /// `method path` with a JSON body, as `client`.
    pub async fn send_json_as(
        &self,
        client: &reqwest::Client,
        method: reqwest::Method,
        path: &str,
        body: &Value,
    ) -> Response {
        client
            .request(method, self.url(path))
            .json(body)
            .send()
            .await
            .expect("request")
    }

    async fn stop_server(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            tx.send(()).ok();
        }
        if let Some(server) = self.server.take() {
            server.await.expect("server task").expect("server");
        }
    }

    /// Stops the server and drops a PostgreSQL test database.
    pub async fn stop(mut self) {
        self.stop_server().await;
        if let Some((server_url, name)) = self.pg_database.take() {
            if let Ok(mut admin) = sqlx::PgConnection::connect(&server_url).await {
                sqlx::query(&format!(r#"DROP DATABASE IF EXISTS "{name}" WITH (FORCE)"#))
                    .execute(&mut admin)
                    .await
                    .ok();
                admin.close().await.ok();
            }
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request")
    }

    pub async fn push_json(&self, body: &Value) -> Response {
        self.push_raw(body.to_string().into_bytes(), "application/json")
            .await
    }

    pub async fn push_raw(&self, body: Vec<u8>, content_type: &str) -> Response {
        self.client
            .post(self.url("/api/v1/sync/push"))
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .body(body)
            .send()
            .await
            .expect("request")
    }

    /// Pushes and expects 200 with a parseable response.
    pub async fn push(&self, request: &PushRequest) -> shared::protocol::PushResponse {
        let response = self
            .push_json(&serde_json::to_value(request).expect("json"))
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.expect("push response")
    }

    pub async fn pull(&self, since: u64, limit: u32) -> PullResponse {
        crate::common::pull_page(&self.client, &self.address, since, limit).await
    }

    /// Every change on the server, page by page.
    pub async fn pull_all(&self) -> Vec<Change> {
        crate::common::pull_feed(&self.client, &self.address).await
    }

    /// Row counts of every table a push can write.
    pub async fn table_counts(&self) -> Counts {
        let count = |table| async move { self.db.count(table).await.expect("count") };
        Counts {
            children: count(Table::Children).await,
            placements: count(Table::Placements).await,
            visits: count(Table::Visits).await,
            amendments: count(Table::VisitAmendments).await,
            conflicts: count(Table::Conflicts).await,
            changes: count(Table::Changes).await,
            applied_mutations: count(Table::AppliedMutations).await,
        }
    }

    /// Pushes `mutations` from `device` and returns their outcomes.
    pub async fn push_from(
        &self,
        device: DeviceId,
        mutations: Vec<Mutation>,
    ) -> Vec<MutationStatus> {
        let request = PushRequest {
            protocol: PROTOCOL_VERSION,
            device_id: device,
            mutations,
            reads: Vec::new(),
        };
        let response = self.push(&request).await;
        response.results.into_iter().map(|r| r.status).collect()
    }

    /// Pushes one mutation from a new device and returns its outcome.
    pub async fn push_one(&self, mutation: Mutation) -> MutationStatus {
        let mut results = self.push_from(DeviceId::new_random(), vec![mutation]).await;
        assert_eq!(results.len(), 1);
        results.remove(0)
    }

    /// The feed's latest version of a placement; `None` once deleted.
    pub async fn placement(&self, id: PlacementId) -> Option<Placement> {
        let mut latest = None;
        for change in self.pull_all().await {
            match change.record {
                Record::Placement(p) if p.id == id => latest = Some(p),
                Record::Deleted(r) if r.id == *id.as_uuid() => latest = None,
                _ => {}
            }
        }
        latest
    }

    /// The demo placement of `child`.
    pub async fn demo_placement(&self, child: ChildId) -> Placement {
        self.pull_all()
            .await
            .into_iter()
            .find_map(|c| match c.record {
                Record::Placement(p) if p.child_id == child => Some(p),
                _ => None,
            })
            .expect("demo placement")
    }

    /// The latest version of each conflict about placement `id`, in the order
    /// they were opened.
    pub async fn conflicts(&self, id: PlacementId) -> Vec<Conflict> {
        let mut conflicts: Vec<Conflict> = Vec::new();
        for change in self.pull_all().await {
            if let Record::Conflict(c) = change.record {
                if c.target.id != *id.as_uuid() {
                    continue;
                }
                match conflicts.iter_mut().find(|known| known.id == c.id) {
                    Some(known) => *known = c,
                    None => conflicts.push(c),
                }
            }
        }
        conflicts
    }

    /// Row counts: (children, visits, changes, applied mutations).
    pub async fn counts(&self) -> (u64, u64, u64, u64) {
        (
            self.db.count_children().await.expect("count"),
            self.db.count_visits().await.expect("count"),
            self.db.count_changes().await.expect("count"),
            self.db.count_applied_mutations().await.expect("count"),
        )
    }
}

/// Row counts of the tables a push can write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Counts {
    pub children: u64,
    pub placements: u64,
    pub visits: u64,
    pub amendments: u64,
    pub conflicts: u64,
    pub changes: u64,
    pub applied_mutations: u64,
}

/// Replaces the database name in a PostgreSQL URL.
fn with_database(server_url: &str, name: &str) -> String {
    let (base, query) = match server_url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (server_url, None),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let base = match base[authority_start..].find('/') {
        Some(slash) => &base[..authority_start + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{base}/{name}?{query}"),
        None => format!("{base}/{name}"),
    }
}

pub fn visit(child_id: ChildId) -> Visit {
    Visit {
        id: VisitId::new_random(),
        child_id,
        visit_date: NaiveDate::from_ymd_opt(2026, 3, 2).expect("date"),
        visitor: VisitorName::parse("Testa Handläggare").expect("valid"),
        talked_alone: true,
        note: VisitNote::parse("Påhittad anteckning.\nRad två.").expect("valid"),
        recorded_at: Utc
            .with_ymd_and_hms(2026, 3, 2, 14, 30, 5)
            .single()
            .expect("time"),
        ..shared::Visit::blank()
    }
}

pub fn create_visit(visit: Visit) -> Mutation {
    Mutation {
        id: MutationId::new_random(),
        operation: Operation::CreateVisit(visit),
    }
}

pub fn mutation(operation: Operation) -> Mutation {
    Mutation {
        id: MutationId::new_random(),
        operation,
    }
}

pub fn new_placement(child_id: ChildId) -> Placement {
    Placement {
        id: PlacementId::new_random(),
        child_id,
        kind: PlacementKind::FosterHome,
        home_name: PersonName::parse("Familjen Testsson").expect("valid"),
        legal_basis: LegalBasis::SoL,
        start_date: NaiveDate::from_ymd_opt(2026, 2, 1).expect("date"),
        ..Placement::blank()
    }
}

pub fn amendment(visit: &Visit) -> VisitAmendment {
    VisitAmendment {
        id: AmendmentId::new_random(),
        visit_id: visit.id,
        child_id: visit.child_id,
        author: VisitorName::parse("Testa Handläggare").expect("valid"),
        author_id: None,
        text: AmendmentText::parse("Rättelse: samtalet var enskilt.").expect("valid"),
        recorded_at: Utc
            .with_ymd_and_hms(2026, 3, 3, 9, 0, 0)
            .single()
            .expect("time"),
    }
}

pub fn target(placement: &Placement) -> RecordRef {
    RecordRef {
        kind: EditableKind::Placement,
        id: *placement.id.as_uuid(),
        child_id: placement.child_id,
    }
}

/// A patch of `placement`: `(field, from, to)` for each field.
pub fn patch(placement: &Placement, fields: &[(&str, Value, Value)]) -> Mutation {
    mutation(Operation::PatchRecord(RecordPatch {
        target: target(placement),
        fields: fields
            .iter()
            .map(|(field, from, to)| {
                (
                    (*field).to_owned(),
                    FieldChange {
                        from: from.clone(),
                        to: to.clone(),
                    },
                )
            })
            .collect(),
    }))
}

/// A person's choice of `value` in `conflict`, made while the field held `from`.
pub fn resolve(conflict: &Conflict, from: Value, value: Value) -> Mutation {
    mutation(Operation::ResolveConflict(ConflictChoice {
        conflict_id: conflict.id,
        child_id: conflict.target.child_id,
        from,
        value,
    }))
}

/// The sequence number of an applied mutation.
#[track_caller]
pub fn applied(status: &MutationStatus) -> u64 {
    match status {
        MutationStatus::Applied { seq } => *seq,
        other => panic!("not applied: {other:?}"),
    }
}

/// The code of a rejected mutation.
#[track_caller]
pub fn rejected(status: &MutationStatus) -> ErrorCode {
    match status {
        MutationStatus::Rejected { code, .. } => *code,
        other => panic!("not rejected: {other:?}"),
    }
}

pub fn push_request(mutations: Vec<Mutation>) -> PushRequest {
    PushRequest {
        protocol: PROTOCOL_VERSION,
        device_id: DeviceId::new_random(),
        mutations,
        reads: Vec::new(),
    }
}

/// A push body as JSON, for tests that break it.
pub fn push_json(mutations: Vec<Mutation>) -> Value {
    serde_json::to_value(push_request(mutations)).expect("json")
}

/// Asserts an error response: status, JSON body with `code`, no-store if API.
/// The log entries `client` (a unit manager) reviews with `query`
/// (`GET /api/v1/audit?…`).
pub async fn review(
    app: &TestApp,
    client: &reqwest::Client,
    query: &str,
) -> Vec<shared::audit::AuditEntry> {
    let response = client
        .get(app.url(&format!("/api/v1/audit?{query}")))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::OK, "{query}");
    let body: Value = response.json().await.expect("json");
    serde_json::from_value(body["entries"].clone()).expect("entries")
}

pub async fn assert_error(response: Response, status: u16, code: ErrorCode) -> ApiErrorBody {
    assert_eq!(response.status().as_u16(), status);
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(
        content_type.starts_with("application/json"),
        "{content_type}"
    );
    let body: ApiErrorBody = response.json().await.expect("error body");
    assert_eq!(body.code, code, "{}", body.message);
    assert!(!body.message.is_empty());
    body
}

/// A server without demo data, with the unit "Familjehemsenheten" and its
/// social workers anna and karin (whom the import examples in docs/examples
/// name), and an administrator's client.
pub async fn spawn_for_import_examples(
    backend: &Backend,
) -> (TestApp, shared::UnitId, reqwest::Client) {
    let app = TestApp::spawn_with(
        backend,
        Options {
            demo_data: false,
            ..Options::default()
        },
    )
    .await;
    let unit = shared::UnitId::new_random();
    assert!(app
        .db
        .insert_unit(unit, "Familjehemsenheten")
        .await
        .expect("unit"));
    for name in ["anna", "karin"] {
        let user = UserRow {
            id: shared::UserId::new_random(),
            username: name.into(),
            display_name: format!("{name} Handläggare"),
            role: Role::SocialWorker,
            password_hash: None,
            active: true,
        };
        assert!(app.db.insert_user(&user).await.expect("user"));
        app.db.add_user_unit(user.id, unit).await.expect("member");
    }
    let (_, admin) = app.client_for(Role::Administrator, &[]).await;
    (app, unit, admin)
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn database_name_is_replaced() {
        assert_eq!(
            with_database("postgres://app@127.0.0.1:54329/postgres", "t"),
            "postgres://app@127.0.0.1:54329/t"
        );
        assert_eq!(with_database("postgres://app@h", "t"), "postgres://app@h/t");
        assert_eq!(
            with_database("postgresql://a:b@h:1/db?sslmode=disable", "t"),
            "postgresql://a:b@h:1/t?sslmode=disable"
        );
    }
}
