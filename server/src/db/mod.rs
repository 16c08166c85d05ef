//! Storage: one interface, two backends (SQLite for a single office, PostgreSQL
//! for a shared installation). Both keep the same tables and the same change
//! feed; see the migrations under `server/migrations/`.

pub mod accounts;
mod apply;
pub mod audit;
mod postgres;
mod reference;
mod rows;
mod sqlite;

pub use postgres::PgStore;
pub use sqlite::SqliteStore;

use crate::config::DatabaseTarget;
use shared::protocol::{Change, Mutation, MutationOutcome, MutationStatus, Record};
use shared::{Child, ChildId, DeviceId, Placement};

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
    #[error("a record cannot be encoded as JSON ({0:?} error)")]
    Encode(serde_json::error::Category),
    /// The database did not answer within [`TRANSACTION_TIMEOUT`].
    #[error("the database did not answer in time")]
    TimedOut,
}

/// The longest one transaction may take before the request is answered 503.
/// Longer than SQLite's busy timeout (5 s), so a plain lock wait reports as
/// busy; short enough that a connection frozen mid-transaction is answered
/// within seconds instead of hanging the request.
pub const TRANSACTION_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(6);

/// Runs one database call with [`TRANSACTION_TIMEOUT`].
async fn timed<T>(
    call: impl std::future::Future<Output = Result<T, DbError>>,
) -> Result<T, DbError> {
    tokio::time::timeout(TRANSACTION_TIMEOUT, call)
        .await
        .unwrap_or(Err(DbError::TimedOut))
}

impl DbError {
    /// Whether the database could not be reached (as opposed to a query that
    /// failed), so that a client should simply retry later.
    pub fn is_unavailable(&self) -> bool {
        let err = match self {
            Self::Sqlx(err) => err,
            Self::TimedOut => return true,
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

/// One page of the change feed.
#[derive(Debug)]
pub struct PullPage {
    pub changes: Vec<Change>,
    pub cursor: u64,
    pub has_more: bool,
    /// The last change number when the page was read.
    pub head: u64,
    /// Changes in scope beyond this page.
    pub remaining: u64,
}

impl PullPage {
    /// The page as the protocol sends it.
    pub fn into_response(self, scope: Vec<ChildId>) -> shared::protocol::PullResponse {
        shared::protocol::PullResponse {
            protocol: shared::protocol::PROTOCOL_VERSION,
            changes: self.changes,
            cursor: self.cursor,
            has_more: self.has_more,
            head: self.head,
            remaining: self.remaining,
            scope,
        }
    }
}

/// Why a pull was refused.
#[derive(Debug, thiserror::Error)]
pub enum PullError {
    /// The device has pulled further than the feed goes: the server's data is
    /// older than the device's (restored from a backup).
    #[error("cursor {since} is ahead of the last change {last}")]
    CursorAhead { since: u64, last: u64 },
    #[error(transparent)]
    Db(#[from] DbError),
}

/// The storage interface the HTTP layer uses.
#[derive(Clone, Debug)]
pub enum Database {
    Sqlite(SqliteStore),
    Postgres(PgStore),
}

macro_rules! dispatch {
    ($self:expr, $store:ident => $call:expr) => {
        match $self {
            Database::Sqlite($store) => $call,
            Database::Postgres($store) => $call,
        }
    };
}

impl Database {
    /// Opens the pool (creating a SQLite file if missing). Does not migrate.
    pub async fn connect(target: &DatabaseTarget) -> Result<Self, sqlx::Error> {
        Ok(match target {
            DatabaseTarget::SqliteFile(path) => Self::Sqlite(SqliteStore::open_file(path).await?),
            DatabaseTarget::SqliteUrl(url) => Self::Sqlite(SqliteStore::open_url(url).await?),
            DatabaseTarget::Postgres(url) => Self::Postgres(PgStore::connect(url).await?),
        })
    }

    /// Applies the backend's pending migrations.
    pub async fn migrate(&self) -> Result<(), sqlx::migrate::MigrateError> {
        dispatch!(self, s => s.migrate().await)
    }

    /// `"sqlite"` or `"postgres"`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Sqlite(_) => "sqlite",
            Self::Postgres(_) => "postgres",
        }
    }

    /// A round trip to the database.
    pub async fn health(&self) -> Result<(), DbError> {
        dispatch!(self, s => s.health().await)
    }

    /// Applies each mutation in its own transaction and reports one outcome per
    /// mutation, in order. A mutation id seen before is answered as it was
    /// the first time and changes nothing. See `apply.rs` for what each
    /// operation does. Whether `user_id` may write these children is checked
    /// before (`crate::auth`).
    pub async fn push(
        &self,
        device_id: DeviceId,
        who: Option<&audit::Who>,
        mutations: &[Mutation],
    ) -> Result<Vec<MutationOutcome>, DbError> {
        let mut outcomes = Vec::with_capacity(mutations.len());
        for mutation in mutations {
            let status = timed(async {
                dispatch!(self, s => {
                    apply::apply_mutation(s.begin_write().await?, device_id, who, mutation).await
                })
            })
            .await?;
            // The code only: a rejection's message may quote the record.
            let rejected = match &status {
                MutationStatus::Rejected { code, .. } => Some(*code),
                _ => None,
            };
            tracing::debug!(mutation.id = %mutation.id, ?rejected, "mutation handled");
            outcomes.push(MutationOutcome {
                id: mutation.id,
                status,
            });
        }
        Ok(outcomes)
    }

    /// The changes about `children` with a sequence number above `since`, at
    /// most `limit` of them.
    pub async fn pull(
        &self,
        children: &[ChildId],
        since: u64,
        limit: u32,
    ) -> Result<PullPage, PullError> {
        let last = u64::try_from(timed(async { dispatch!(self, s => s.last_seq().await) }).await?)
            .unwrap_or_default();
        if since > last {
            return Err(PullError::CursorAhead { since, last });
        }
        let since_i = i64::try_from(since).unwrap_or(i64::MAX);
        let rows = if children.is_empty() {
            Vec::new()
        } else {
            self.changes_of(children, since_i, i64::from(limit) + 1)
                .await?
        };
        let has_more = rows.len() > limit as usize;
        let changes = rows
            .into_iter()
            .take(limit as usize)
            .map(|(seq, kind, data)| decode_change(seq, &kind, &data))
            .collect::<Result<Vec<_>, _>>()?;
        let cursor = changes.last().map_or(since, |c| c.seq);
        let remaining = if has_more {
            let cursor_i = i64::try_from(cursor).unwrap_or(i64::MAX);
            u64::try_from(self.count_changes_of(children, cursor_i).await?).unwrap_or_default()
        } else {
            0
        };
        // A page that ends early (nothing more in scope) moves the cursor to
        // the head, so that the next pull starts there.
        let cursor = if has_more { cursor } else { last.max(cursor) };
        Ok(PullPage {
            changes,
            cursor,
            has_more,
            head: last,
            remaining,
        })
    }

    /// Writes `records` and their changes in one transaction, returning their
    /// sequence numbers.
    pub async fn insert_records(&self, records: &[Record]) -> Result<Vec<u64>, DbError> {
        dispatch!(self, s => apply::insert_records(s.begin_write().await?, records, false).await)
            .map(|seqs| seqs.unwrap_or_default())
    }

    /// Like [`Self::insert_records`], but only when no child exists yet (checked
    /// in the same transaction). Returns whether anything was written.
    pub async fn insert_records_if_empty(&self, records: &[Record]) -> Result<bool, DbError> {
        dispatch!(self, s => apply::insert_records(s.begin_write().await?, records, true).await)
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
        let n = dispatch!(self, s => s.count(table.name()).await)?;
        Ok(u64::try_from(n).unwrap_or_default())
    }

    /// Closes the pool, waiting for connections in use to be returned.
    pub async fn close(&self) {
        dispatch!(self, s => s.close().await)
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
    /// A fixed table name, so that counting can splice it into SQL safely.
    fn name(self) -> &'static str {
        match self {
            Self::Children => "children",
            Self::Placements => "placements",
            Self::Visits => "visits",
            Self::VisitAmendments => "visit_amendments",
            Self::Conflicts => "conflicts",
            Self::Changes => "changes",
            Self::AppliedMutations => "applied_mutations",
            Self::Users => "users",
            Self::Sessions => "sessions",
            Self::ChildAccess => "child_access",
        }
    }
}

fn decode_change(seq: i64, kind: &str, data: &str) -> Result<Change, DbError> {
    // serde's message can quote the offending value; keep children's data out
    // of the error (and so out of the logs).
    let corrupt = |reason: String| DbError::CorruptChange { seq, reason };
    let describe =
        |e: serde_json::Error| corrupt(format!("{:?} error in {kind} data", e.classify()));
    let data: serde_json::Value = serde_json::from_str(data).map_err(describe)?;
    let record: Record = serde_json::from_value(serde_json::json!({ "kind": kind, "data": data }))
        .map_err(describe)?;
    let seq_u = u64::try_from(seq).map_err(|_| corrupt("negative sequence number".into()))?;
    Ok(Change { seq: seq_u, record })
}
