//! The one way to reach the database: a [`Stmt`] (SQL written once, with
//! `$1`-style parameters that both backends read) run on the [`Pool`]
//! (outside a transaction, with [`super::TRANSACTION_TIMEOUT`]) or in a [`Tx`].
//! The few real dialect differences are handled in `sqlite.rs` and
//! `postgres.rs`, which alone touch a driver:
//! - `= ANY($n)` over an id list (PostgreSQL's syntax; SQLite reads the list
//!   with `json_each`),
//! - [`Stmt::lock_rows`] (`FOR UPDATE` on PostgreSQL; a SQLite write
//!   transaction holds the whole database from its start),
//! - how a write transaction begins.

use super::column::{Arg, FromRow, Row, ToArg};
use super::{postgres, sqlite, DbError};

/// One SQL statement and its parameters.
#[derive(Debug)]
pub(crate) struct Stmt<'a> {
    pub(super) sql: &'static str,
    pub(super) args: Vec<Arg<'a>>,
    pub(super) lock_rows: bool,
}

/// What a statement's caller wants back.
#[derive(Clone, Copy, Debug)]
pub(super) enum Want {
    All,
    Optional,
    One,
    RowsAffected,
}

/// What came back.
pub(super) enum Output {
    Rows(Vec<Row>),
    Row(Option<Row>),
    RowsAffected(u64),
}

impl<'a> Stmt<'a> {
    pub(crate) fn new(sql: &'static str) -> Self {
        Self {
            sql,
            args: Vec::new(),
            lock_rows: false,
        }
    }

    /// Binds the next parameter (`$1`, `$2`, … in order).
    pub(crate) fn bind(mut self, value: impl ToArg<'a>) -> Self {
        self.args.push(value.to_arg());
        self
    }

    /// The rows read are locked until the transaction ends.
    pub(crate) fn lock_rows(mut self) -> Self {
        self.lock_rows = true;
        self
    }

    pub(crate) async fn execute(self, on: impl Execute) -> Result<u64, DbError> {
        match on.run(self, Want::RowsAffected).await? {
            Output::RowsAffected(n) => Ok(n),
            _ => unreachable!("asked for rows affected"),
        }
    }

    pub(crate) async fn all<T: FromRow>(self, on: impl Execute) -> Result<Vec<T>, DbError> {
        match on.run(self, Want::All).await? {
            Output::Rows(rows) => rows.iter().map(T::from_row).collect(),
            _ => unreachable!("asked for all rows"),
        }
    }

    pub(crate) async fn optional<T: FromRow>(self, on: impl Execute) -> Result<Option<T>, DbError> {
        match on.run(self, Want::Optional).await? {
            Output::Row(row) => row.as_ref().map(T::from_row).transpose(),
            _ => unreachable!("asked for an optional row"),
        }
    }

    pub(crate) async fn one<T: FromRow>(self, on: impl Execute) -> Result<T, DbError> {
        match on.run(self, Want::One).await? {
            Output::Row(Some(row)) => T::from_row(&row),
            _ => unreachable!("asked for one row"),
        }
    }
}

/// Where a statement runs: the pool or a transaction.
pub(crate) trait Execute {
    async fn run(self, stmt: Stmt<'_>, want: Want) -> Result<Output, DbError>;
}

/// The connection pool of the backend chosen at start.
#[derive(Clone, Debug)]
pub(crate) enum Pool {
    Sqlite(sqlite::SqlitePools),
    Postgres(postgres::PgPools),
}

impl Pool {
    /// A write transaction: SQLite takes the database lock at once,
    /// PostgreSQL locks the rows it reads with [`Stmt::lock_rows`], the
    /// change counter and then the audit head first of all (they are the
    /// rows every writer takes; taken in one order before any other, no two
    /// writers can each hold a row the other waits for).
    pub(crate) async fn begin_write(&self) -> Result<Tx, DbError> {
        Ok(match self {
            Self::Sqlite(p) => Tx::new(Conn::Sqlite(p.begin_write().await?), true),
            Self::Postgres(p) => {
                let mut tx = Tx::new(Conn::Postgres(p.begin_write().await?), true);
                tx.lock_counters().await?;
                tx
            }
        })
    }

    /// A write transaction that numbers no change and logs no entry (it
    /// cannot: see [`Tx::may_number`]), and so need not wait for the
    /// counters: a session's token rotation, for one.
    pub(crate) async fn begin_write_unnumbered(&self) -> Result<Tx, DbError> {
        Ok(match self {
            Self::Sqlite(p) => Tx::new(Conn::Sqlite(p.begin_write().await?), false),
            Self::Postgres(p) => Tx::new(Conn::Postgres(p.begin_write().await?), false),
        })
    }
}

impl Pool {
    /// A read-only transaction that sees one consistent snapshot.
    pub(crate) async fn begin_snapshot(&self) -> Result<Tx, DbError> {
        Ok(match self {
            Self::Sqlite(p) => Tx::new(Conn::Sqlite(p.begin_snapshot().await?), false),
            Self::Postgres(p) => Tx::new(Conn::Postgres(p.begin_snapshot().await?), false),
        })
    }

    /// Two read-only transactions that see the same snapshot, on two
    /// connections, so that a long report runs its statements side by side.
    pub(crate) async fn begin_snapshot_pair(&self) -> Result<(Tx, Tx), DbError> {
        Ok(match self {
            Self::Sqlite(p) => {
                let (a, b) = p.begin_snapshot_pair().await?;
                (
                    Tx::new(Conn::Sqlite(a), false),
                    Tx::new(Conn::Sqlite(b), false),
                )
            }
            Self::Postgres(p) => {
                let (a, b) = p.begin_snapshot_pair().await?;
                (
                    Tx::new(Conn::Postgres(a), false),
                    Tx::new(Conn::Postgres(b), false),
                )
            }
        })
    }
}

impl Execute for &Pool {
    async fn run(self, stmt: Stmt<'_>, want: Want) -> Result<Output, DbError> {
        super::timed(async {
            match self {
                Pool::Sqlite(p) => p.run(stmt, want).await,
                Pool::Postgres(p) => p.run(stmt, want).await,
            }
        })
        .await
    }
}

/// One write transaction. Dropping it uncommitted rolls back.
///
/// The audit chain's head and the change counter are single rows that every
/// writer locks. A transaction reads each once, at first use, with its row
/// locked until the end (so writers still take turns and numbers commit in
/// order), numbers its entries and changes in memory, and writes each row
/// back once, in [`Tx::commit`]: a long transaction (an import of thousands
/// of rows) then updates those rows twice in all, not once per entry, which
/// PostgreSQL would pay for with a row version per update and each update
/// walking the chain of versions before it. A rollback forgets them.
pub(crate) struct Tx {
    conn: Conn,
    /// The audit chain's head as this transaction leaves it, once read.
    pub(super) audit_head: Option<Counted<String>>,
    /// The change counter as this transaction leaves it, once read.
    pub(super) change_counter: Option<Counted<()>>,
    /// Whether it may take the counters: not a snapshot, nor a write begun
    /// without them ([`Pool::begin_write_unnumbered`]), which on PostgreSQL
    /// would take them after other rows.
    pub(super) may_number: bool,
    /// Entries appended to the audit log, numbered and hashed, inserted
    /// together by [`Tx::commit`]: a batch of pushes then costs one
    /// statement per [`super::audit::AUDIT_ROWS_PER_INSERT`] entries, not one
    /// each. Nothing reads the log inside a write transaction; a repeated
    /// `entry_id` is looked for here too.
    pub(super) pending_audit: Vec<super::audit::AuditRow>,
}

/// A locked counter row as read, and as this transaction has moved it.
#[derive(Clone, Debug)]
pub(super) struct Counted<T> {
    /// `last_seq` as read.
    pub(super) read: i64,
    /// The last number handed out in this transaction (`read` if none).
    pub(super) last: i64,
    /// What goes with `last` (the audit chain's hash).
    pub(super) with: T,
}

impl<T> Counted<T> {
    pub(super) fn new(read: i64, with: T) -> Self {
        Self {
            read,
            last: read,
            with,
        }
    }

    /// Whether the row must be written back.
    pub(super) fn moved(&self) -> bool {
        self.last != self.read
    }
}

/// Where a transaction was at [`Tx::savepoint`]; dropped to keep what was
/// written since.
pub(crate) struct Savepoint {
    audit_head: Option<Counted<String>>,
    change_counter: Option<Counted<()>>,
    pending_audit: usize,
}

enum Conn {
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

impl Tx {
    fn new(conn: Conn, may_number: bool) -> Self {
        Self {
            conn,
            audit_head: None,
            change_counter: None,
            may_number,
            pending_audit: Vec::new(),
        }
    }

    /// Inserts the audit entries appended, writes back the counters this
    /// transaction moved, then commits.
    pub(crate) async fn commit(mut self) -> Result<(), DbError> {
        self.insert_pending_audit().await?;
        self.write_audit_head().await?;
        self.write_change_counter().await?;
        match self.conn {
            Conn::Sqlite(tx) => tx.commit().await?,
            Conn::Postgres(tx) => tx.commit().await?,
        }
        Ok(())
    }

    /// Reads and locks the change counter, then the audit chain's head, if
    /// not yet read. A transaction that takes them first, before any other
    /// row, cannot deadlock with another that does the same.
    pub(crate) async fn lock_counters(&mut self) -> Result<(), DbError> {
        self.change_counter().await?;
        self.audit_head().await?;
        Ok(())
    }

    /// Marks where a later [`Tx::rollback_to`] returns to: what the
    /// transaction wrote after it, and the counters as they were. Marks are
    /// never released: each new one nests inside the last, a rollback goes
    /// back to the newest, and the commit keeps them all (a release would
    /// cost a statement per mark and change nothing).
    pub(crate) async fn savepoint(&mut self) -> Result<Savepoint, DbError> {
        Stmt::new("SAVEPOINT step").execute(&mut *self).await?;
        Ok(Savepoint {
            audit_head: self.audit_head.clone(),
            change_counter: self.change_counter.clone(),
            pending_audit: self.pending_audit.len(),
        })
    }

    /// Undoes what was written since `mark`, numbers handed out included.
    /// (On PostgreSQL this also ends a failed statement's aborted state, and
    /// gives up the row locks taken since.) `mark` must be the newest.
    pub(crate) async fn rollback_to(&mut self, mark: Savepoint) -> Result<(), DbError> {
        Stmt::new("ROLLBACK TO SAVEPOINT step")
            .execute(&mut *self)
            .await?;
        self.audit_head = mark.audit_head;
        self.change_counter = mark.change_counter;
        self.pending_audit.truncate(mark.pending_audit);
        Ok(())
    }

    pub(crate) async fn rollback(self) -> Result<(), DbError> {
        match self.conn {
            Conn::Sqlite(tx) => tx.rollback().await?,
            Conn::Postgres(tx) => tx.rollback().await?,
        }
        Ok(())
    }
}

impl Execute for &mut Tx {
    async fn run(self, stmt: Stmt<'_>, want: Want) -> Result<Output, DbError> {
        match &mut self.conn {
            Conn::Sqlite(tx) => sqlite::run(&mut **tx, stmt, want).await,
            Conn::Postgres(tx) => postgres::run(&mut **tx, stmt, want).await,
        }
    }
}
