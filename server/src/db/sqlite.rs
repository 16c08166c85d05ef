//! SQLite: pool setup and the dialect. Ids, dates and instants are stored as
//! text and JSON values as text (see `column/`); statements are shared.

use super::column::Row;
use super::statement::{Output, Stmt, Want};
use super::DbError;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Sqlite, Transaction};
use std::borrow::Cow;
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

/// A SQLite database file: a pool of readers and one writer.
///
/// SQLite lets one connection write at a time. With writers spread over a
/// pool, a blocked writer waits in SQLite's busy handler, which sleeps in
/// steps of up to 100 ms: under load most of a push's time went to those
/// sleeps (docs/performance.md). One writer connection makes writers queue
/// in the pool instead, first come first served, and wake the moment the
/// writer is free. Readers never wait for it (WAL).
#[derive(Clone, Debug)]
pub(crate) struct SqlitePools {
    readers: SqlitePool,
    writer: SqlitePool,
}

/// A read that takes a WAL read transaction's snapshot.
const FIRST_READ: &str = "SELECT 1 FROM units LIMIT 1";

/// Writers take the database lock when they begin, not at their first write, so
/// that two pushes never both read and then race to upgrade (which SQLite
/// answers with SQLITE_BUSY at once, bypassing the busy timeout). Nothing
/// read in such a transaction changes before it commits, so no row lock is
/// needed.
const BEGIN_WRITE: &str = "BEGIN IMMEDIATE";

impl SqlitePools {
    pub(crate) async fn open_file(path: &Path) -> Result<Self, sqlx::Error> {
        Self::open(SqliteConnectOptions::new().filename(path)).await
    }

    pub(crate) async fn open_url(url: &str) -> Result<Self, sqlx::Error> {
        Self::open(SqliteConnectOptions::from_str(url)?).await
    }

    async fn open(options: SqliteConnectOptions) -> Result<Self, sqlx::Error> {
        let options = options
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(5))
            .foreign_keys(true)
            // sqlx hands each row from its SQLite thread over a channel of
            // this many (default 50): with a short one the thread waits for
            // the reader at every few rows, and a read of thousands of rows
            // (the self-check's) spends more time switching threads than in
            // SQLite.
            .row_buffer_size(1024);
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options.clone())
            .await?;
        let readers = SqlitePoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(options)
            .await?;
        Ok(Self { readers, writer })
    }

    /// A consistent copy of the live database in a new file (`VACUUM INTO`:
    /// one read transaction, writers go on meanwhile).
    pub(super) async fn backup_into(&self, to: &Path) -> Result<(), sqlx::Error> {
        let to = to.to_str().ok_or_else(|| {
            sqlx::Error::Configuration("the backup path is not valid UTF-8".into())
        })?;
        sqlx::query("VACUUM INTO ?1")
            .bind(to)
            .execute(&self.readers)
            .await?;
        Ok(())
    }

    pub(super) async fn migrate(&self) -> Result<(), sqlx::migrate::MigrateError> {
        sqlx::migrate!("./migrations/sqlite")
            .run(&self.writer)
            .await
    }

    pub(super) async fn close(&self) {
        self.readers.close().await;
        self.writer.close().await;
    }

    pub(super) async fn begin_write(&self) -> Result<Transaction<'static, Sqlite>, DbError> {
        Ok(self.writer.begin_with(BEGIN_WRITE).await?)
    }

    /// A read transaction: in WAL mode it sees one snapshot throughout,
    /// and writers go on meanwhile.
    pub(super) async fn begin_snapshot(&self) -> Result<Transaction<'static, Sqlite>, DbError> {
        Ok(self.readers.begin().await?)
    }

    /// Two read transactions on the same snapshot. A WAL read transaction
    /// takes its snapshot at its first read; every write of this server goes
    /// through the one writer connection, so while it is held no commit can
    /// fall between the two first reads. The readers are taken first, so
    /// that writers wait only for those two reads, never for a busy pool.
    pub(super) async fn begin_snapshot_pair(
        &self,
    ) -> Result<(Transaction<'static, Sqlite>, Transaction<'static, Sqlite>), DbError> {
        let mut a = self.readers.begin().await?;
        let mut b = self.readers.begin().await?;
        let writer = self.writer.acquire().await?;
        sqlx::query(FIRST_READ).execute(&mut *a).await?;
        sqlx::query(FIRST_READ).execute(&mut *b).await?;
        drop(writer);
        Ok((a, b))
    }

    /// Outside a transaction, a statement that writes goes to the writer,
    /// one that reads to the readers.
    pub(super) async fn run(&self, stmt: Stmt<'_>, want: Want) -> Result<Output, DbError> {
        match want {
            Want::RowsAffected => run(&self.writer, stmt, want).await,
            Want::All | Want::Optional | Want::One => run(&self.readers, stmt, want).await,
        }
    }
}

/// The statement's SQL for SQLite: an id list is a JSON array parameter.
fn dialect(sql: &'static str) -> Cow<'static, str> {
    const ANY: &str = "= ANY(";
    if !sql.contains(ANY) {
        return Cow::Borrowed(sql);
    }
    let mut out = String::with_capacity(sql.len() + 32);
    let mut rest = sql;
    while let Some(start) = rest.find(ANY) {
        out.push_str(&rest[..start]);
        let after = &rest[start + ANY.len()..];
        let end = after.find(')').unwrap_or(after.len());
        out.push_str("IN (SELECT value FROM json_each(");
        out.push_str(&after[..end]);
        out.push_str("))");
        rest = after.get(end + 1..).unwrap_or("");
    }
    out.push_str(rest);
    Cow::Owned(out)
}

pub(super) async fn run<'c, E>(executor: E, stmt: Stmt<'_>, want: Want) -> Result<Output, DbError>
where
    E: sqlx::Executor<'c, Database = Sqlite>,
{
    let sql = dialect(stmt.sql);
    let mut query = sqlx::query(&sql);
    for arg in stmt.args {
        query = arg.bind_sqlite(query);
    }
    Ok(match want {
        Want::RowsAffected => Output::RowsAffected(query.execute(executor).await?.rows_affected()),
        Want::All => Output::Rows(
            query
                .fetch_all(executor)
                .await?
                .into_iter()
                .map(Row::Sqlite)
                .collect(),
        ),
        Want::Optional => Output::Row(query.fetch_optional(executor).await?.map(Row::Sqlite)),
        Want::One => Output::Row(Some(Row::Sqlite(query.fetch_one(executor).await?))),
    })
}

#[cfg(test)]
mod tests {
    use super::dialect;

    #[test]
    fn id_lists_are_read_with_json_each() {
        assert_eq!(
            dialect("SELECT seq FROM changes WHERE seq > $1 AND child_id = ANY($2) LIMIT $3"),
            "SELECT seq FROM changes WHERE seq > $1 AND child_id \
             IN (SELECT value FROM json_each($2)) LIMIT $3"
        );
        assert_eq!(
            dialect("SELECT 1 WHERE $1 IS NULL"),
            "SELECT 1 WHERE $1 IS NULL"
        );
    }
}
