//! Storage: one interface, two backends (SQLite for a single office, PostgreSQL
//! for a shared installation). Both keep the same tables and the same change
//! feed; see the migrations under `server/migrations/`.

//!
//! Layers, top down: the domain operations (`apply.rs` decides what a
//! mutation does; `accounts.rs`, `audit.rs`, `feed.rs`, `reference.rs`,
//! `records.rs` hold each concern's statements, written once), the one way
//! to run a statement (`statement.rs`), the sync path's group commit
//! (`writer.rs`), how each kind of value is stored
//! (`column/`), and per backend only pool setup and the dialect
//! (`sqlite.rs`, `postgres.rs`).

pub mod accounts;
mod apply;
pub mod audit;
mod column;
pub mod complaints;
pub mod deviations;
pub mod export;
mod feed;
pub mod import;
pub mod integration;
mod postgres;
mod records;
mod reference;
pub mod register;
mod rows;
pub mod selfcheck;
mod sqlite;
mod statement;
mod writer;

pub use feed::{PullBody, PullError, PullPage};
pub use writer::WriterCounts;

use shared::protocol::{Mutation, MutationOutcome, Record};
use shared::{Child, DeviceId, Placement};
use statement::{Pool, Stmt};
use std::path::PathBuf;
use std::sync::Arc;

/// A storage failure. Never carries record contents, only ids and driver errors.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error(transparent)]
    Sqlx(#[from] sqlx::Error),
    #[error("a {kind} with id {id} already exists")]
    DuplicateId { kind: &'static str, id: uuid::Uuid },
    #[error("stored change {seq} cannot be read: {reason}")]
    CorruptChange { seq: i64, reason: String },
    #[error("a stored {table} row cannot be read: {reason}")]
    CorruptRow { table: &'static str, reason: String },
    #[error("stored column {column} cannot be read: {reason}")]
    CorruptColumn {
        column: String,
        reason: &'static str,
    },
    #[error("a record cannot be encoded as JSON ({0:?} error)")]
    Encode(serde_json::error::Category),
    /// An external id (from the case-management system) already names
    /// another record of the kind.
    #[error("another {kind} already has external id {external_id}")]
    ExternalIdTaken {
        kind: &'static str,
        external_id: String,
    },
    /// The database did not answer within [`TRANSACTION_TIMEOUT`].
    #[error("the database did not answer in time")]
    TimedOut,
    /// The transaction this request's writes shared with others' failed
    /// (see `writer.rs`).
    #[error("the shared write failed: {0}")]
    Batch(Arc<DbError>),
    /// The writer dropped the request's job without answering (it panicked
    /// before committing).
    #[error("the writer stopped before answering")]
    WriterStopped,
    /// A bug: a transaction begun without the counters tried to take them.
    #[error("a change or audit entry in a transaction begun without the counters")]
    CountersNotLocked,
}

/// The longest one transaction may take before the request is answered 503.
/// Longer than SQLite's busy timeout (5 s), so a plain lock wait reports as
/// busy; short enough that a connection frozen mid-transaction is answered
/// within seconds instead of hanging the request.
pub const TRANSACTION_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(6);

/// Runs one database call with [`TRANSACTION_TIMEOUT`].
pub(crate) async fn timed<T>(
    call: impl std::future::Future<Output = Result<T, DbError>>,
) -> Result<T, DbError> {
    tokio::time::timeout(TRANSACTION_TIMEOUT, call)
        .await
        .unwrap_or(Err(DbError::TimedOut))
}

impl DbError {
    /// Whether the database could not be reached (as opposed to a query that
    /// failed), so that a client should simply retry later. A lock conflict
    /// still there after the writer's retries counts: the same batch may
    /// well succeed later.
    pub fn is_unavailable(&self) -> bool {
        if self.is_conflict() {
            return true;
        }
        let err = match self {
            Self::Sqlx(err) => err,
            Self::TimedOut => return true,
            Self::Batch(err) => return err.is_unavailable(),
            _ => return false,
        };
        match err {
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::WorkerCrashed => true,
            sqlx::Error::Database(db) => db.code().is_some_and(|code| {
                // PostgreSQL: class 08 connection exception, 57P0x shutdown /
                // cannot connect now, 55P03 lock timeout, 57014 statement
                // timeout, 25P03 idle-in-transaction timeout. SQLite: 5
                // SQLITE_BUSY and 6 SQLITE_LOCKED, with their extended codes
                // (the primary code is the low byte).
                code.starts_with("08")
                    || code.starts_with("57P0")
                    || matches!(code.as_ref(), "55P03" | "57014" | "25P03")
                    || code.parse::<u32>().is_ok_and(|n| matches!(n & 0xff, 5 | 6))
            }),
            _ => false,
        }
    }
}

impl DbError {
    /// Whether PostgreSQL ended the transaction to break a deadlock or a
    /// serialization conflict, so that running it again may succeed.
    fn is_conflict(&self) -> bool {
        match self {
            Self::Sqlx(sqlx::Error::Database(db)) => {
                matches!(db.code().as_deref(), Some("40P01" | "40001"))
            }
            _ => false,
        }
    }
}

/// The storage interface the HTTP layer uses: the backend chosen at start.
#[derive(Clone, Debug)]
pub struct Database {
    pool: Pool,
    writer: writer::Writer,
}

impl Database {
    fn with_pool(pool: Pool) -> Self {
        Self {
            writer: writer::Writer::new(pool.clone()),
            pool,
        }
    }
}

impl Database {
    /// Opens the pool (creating a SQLite file if missing). Does not migrate.
    pub async fn connect(target: &DatabaseTarget) -> Result<Self, sqlx::Error> {
        let pool = match target {
            DatabaseTarget::SqliteFile(path) => {
                Pool::Sqlite(sqlite::SqlitePools::open_file(path).await?)
            }
            DatabaseTarget::SqliteUrl(url) => {
                Pool::Sqlite(sqlite::SqlitePools::open_url(url).await?)
            }
            DatabaseTarget::Postgres(url) => Pool::Postgres(postgres::PgPools::connect(url).await?),
        };
        Ok(Self::with_pool(pool))
    }

    /// A PostgreSQL pool that connects on first use: the server starts even
    /// when the database is down, and every request then reports it
    /// unavailable.
    pub fn connect_postgres_lazy(
        url: &str,
        acquire_timeout: std::time::Duration,
    ) -> Result<Self, sqlx::Error> {
        Ok(Self::with_pool(Pool::Postgres(
            postgres::PgPools::connect_lazy(url, acquire_timeout)?,
        )))
    }

    /// A consistent copy of a live SQLite database in the new file `to`;
    /// `None` on PostgreSQL, whose own tools copy it (`crate::backup`).
    pub async fn backup_sqlite_into(&self, to: &std::path::Path) -> Option<Result<(), DbError>> {
        match &self.pool {
            Pool::Sqlite(p) => Some(p.backup_into(to).await.map_err(DbError::from)),
            Pool::Postgres(_) => None,
        }
    }

    /// Applies the backend's pending migrations.
    pub async fn migrate(&self) -> Result<(), sqlx::migrate::MigrateError> {
        match &self.pool {
            Pool::Sqlite(p) => p.migrate().await,
            Pool::Postgres(p) => p.migrate().await,
        }
    }

    /// `"sqlite"` or `"postgres"`.
    pub fn kind(&self) -> &'static str {
        match self.pool {
            Pool::Sqlite(_) => "sqlite",
            Pool::Postgres(_) => "postgres",
        }
    }

    /// A round trip to the database.
    pub async fn health(&self) -> Result<(), DbError> {
        let _: i64 = Stmt::new("SELECT 1").one(&self.pool).await?;
        Ok(())
    }

    /// Logs `reads`, then applies each mutation and reports one outcome per
    /// mutation, in order, once they are committed (in a transaction shared
    /// with concurrent requests' writes, `writer.rs`). A mutation id seen
    /// before is answered as it was the first time and changes nothing. See
    /// `apply.rs` for what each operation does. Whether the caller may write
    /// these children is checked before (`crate::access`).
    pub async fn push(
        &self,
        device_id: DeviceId,
        who: Option<&audit::Who>,
        reads: Vec<audit::NewAuditEntry>,
        mutations: Vec<Mutation>,
    ) -> Result<Vec<MutationOutcome>, DbError> {
        let job = writer::Job::push(device_id, who.cloned(), reads, mutations);
        Ok(self.writer.run(job).await?.outcomes)
    }

    /// How the sync path's writes have been batched by this instance.
    pub fn writer_counts(&self) -> WriterCounts {
        self.writer.counts()
    }

    /// Returns once `reached` holds for [`Self::writer_counts`].
    pub async fn writer_counts_reach(&self, reached: impl Fn(WriterCounts) -> bool) {
        self.writer.counts_reach(reached).await;
    }

    /// Writes `records` and their changes in one transaction, returning their
    /// sequence numbers.
    pub async fn insert_records(&self, records: &[Record]) -> Result<Vec<u64>, DbError> {
        apply::insert_records(self.pool.begin_write().await?, records, false)
            .await
            .map(|seqs| seqs.unwrap_or_default())
    }

    /// Like [`Self::insert_records`], but only when no child exists yet (checked
    /// in the same transaction). Returns whether anything was written.
    pub async fn insert_records_if_empty(&self, records: &[Record]) -> Result<bool, DbError> {
        apply::insert_records(self.pool.begin_write().await?, records, true)
            .await
            .map(|seqs| seqs.is_some())
    }

    pub async fn insert_child(&self, child: &Child) -> Result<u64, DbError> {
        self.insert_one(Record::Child(child.clone())).await
    }

    pub async fn insert_placement(&self, placement: &Placement) -> Result<u64, DbError> {
        self.insert_one(Record::Placement(placement.clone())).await
    }

    async fn insert_one(&self, record: Record) -> Result<u64, DbError> {
        let seqs = self.insert_records(std::slice::from_ref(&record)).await?;
        Ok(seqs.first().copied().unwrap_or_default())
    }

    pub async fn count_children(&self) -> Result<u64, DbError> {
        self.count(Table::Children).await
    }

    pub async fn count_visits(&self) -> Result<u64, DbError> {
        self.count(Table::Visits).await
    }

    pub async fn count_changes(&self) -> Result<u64, DbError> {
        self.count(Table::Changes).await
    }

    pub async fn count_applied_mutations(&self) -> Result<u64, DbError> {
        self.count(Table::AppliedMutations).await
    }

    pub async fn count_sessions(&self) -> Result<u64, DbError> {
        self.count(Table::Sessions).await
    }

    /// The number of rows in `table`.
    pub async fn count(&self, table: Table) -> Result<u64, DbError> {
        let n: i64 = Stmt::new(table.count_sql()).one(&self.pool).await?;
        Ok(u64::try_from(n).unwrap_or_default())
    }

    /// Closes the pool, waiting for connections in use to be returned.
    pub async fn close(&self) {
        match &self.pool {
            Pool::Sqlite(p) => p.close().await,
            Pool::Postgres(p) => p.close().await,
        }
    }
}

/// The tables, for counting rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Table {
    Children,
    Placements,
    Visits,
    VisitAmendments,
    Conflicts,
    Changes,
    AppliedMutations,
    Users,
    Sessions,
    ChildAccess,
}

impl Table {
    fn count_sql(self) -> &'static str {
        match self {
            Self::Children => "SELECT COUNT(*) FROM children",
            Self::Placements => "SELECT COUNT(*) FROM placements",
            Self::Visits => "SELECT COUNT(*) FROM visits",
            Self::VisitAmendments => "SELECT COUNT(*) FROM visit_amendments",
            Self::Conflicts => "SELECT COUNT(*) FROM conflicts",
            Self::Changes => "SELECT COUNT(*) FROM changes",
            Self::AppliedMutations => "SELECT COUNT(*) FROM applied_mutations",
            Self::Users => "SELECT COUNT(*) FROM users",
            Self::Sessions => "SELECT COUNT(*) FROM sessions",
            Self::ChildAccess => "SELECT COUNT(*) FROM child_access",
        }
    }
}

/// Which backend a database URL names.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseTarget {
    /// A SQLite file given by path (the default) or by a `sqlite:` URL.
    SqliteFile(PathBuf),
    SqliteUrl(String),
    Postgres(String),
}

// The URL may carry a password: never print it.
impl std::fmt::Debug for DatabaseTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::SqliteFile(path) => f.debug_tuple("SqliteFile").field(path).finish(),
            Self::SqliteUrl(_) => f.write_str("SqliteUrl(..)"),
            Self::Postgres(_) => f.write_str("Postgres(..)"),
        }
    }
}
