//! PostgreSQL: pool setup and the dialect. Native UUID, DATE, TIMESTAMPTZ,
//! BOOLEAN and JSONB columns (see `column/`); statements are shared.

use super::column::Row;
use super::statement::{Output, Stmt, Want};
use super::DbError;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{Postgres, Transaction};
use std::borrow::Cow;
use std::str::FromStr;
use std::time::Duration;

/// A PostgreSQL database behind a connection pool.
#[derive(Clone, Debug)]
pub(crate) struct PgPools {
    pool: PgPool,
}

impl PgPools {
    pub(crate) async fn connect(url: &str) -> Result<Self, sqlx::Error> {
        let pool = PgPoolOptions::new()
            .max_connections(10)
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(Self::options(url)?)
            .await?;
        Ok(Self { pool })
    }

    /// Connection settings that keep one stuck client from stalling every
    /// instance: a session that goes silent inside a transaction (holding the
    /// change counter's row lock) is ended by PostgreSQL after a few seconds,
    /// and no statement waits on a lock or runs for long.
    fn options(url: &str) -> Result<PgConnectOptions, sqlx::Error> {
        Ok(PgConnectOptions::from_str(url)?.options([
            ("lock_timeout", "4s"),
            ("statement_timeout", "5s"),
            ("idle_in_transaction_session_timeout", "4s"),
            // Dates and instants cast to text (the self-check packs them)
            // read as ISO 8601 whatever the server's default.
            ("datestyle", "ISO"),
        ]))
    }

    /// A pool that connects on first use: the server starts even when the
    /// database is down, and every request then reports it unavailable.
    pub(crate) fn connect_lazy(url: &str, acquire_timeout: Duration) -> Result<Self, sqlx::Error> {
        let pool = PgPoolOptions::new()
            .max_connections(10)
            .acquire_timeout(acquire_timeout)
            .connect_lazy_with(Self::options(url)?);
        Ok(Self { pool })
    }

    pub(super) async fn migrate(&self) -> Result<(), sqlx::migrate::MigrateError> {
        sqlx::migrate!("./migrations/postgres")
            .run(&self.pool)
            .await
    }

    pub(super) async fn close(&self) {
        self.pool.close().await;
    }

    /// READ COMMITTED. Rows read to be changed are locked with `FOR UPDATE`
    /// ([`Stmt::lock_rows`]), so two pushes editing one record take turns
    /// and the second merges into what the first wrote.
    pub(super) async fn begin_write(&self) -> Result<Transaction<'static, Postgres>, DbError> {
        Ok(self.pool.begin().await?)
    }

    /// A read-only transaction that sees one snapshot throughout.
    pub(super) async fn begin_snapshot(&self) -> Result<Transaction<'static, Postgres>, DbError> {
        Ok(self
            .pool
            .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            .await?)
    }

    /// Two read-only transactions on one snapshot: the first exports its
    /// snapshot and the second takes it.
    pub(super) async fn begin_snapshot_pair(
        &self,
    ) -> Result<
        (
            Transaction<'static, Postgres>,
            Transaction<'static, Postgres>,
        ),
        DbError,
    > {
        let mut a = self.begin_snapshot().await?;
        let id: String = sqlx::query_scalar("SELECT pg_export_snapshot()")
            .fetch_one(&mut *a)
            .await?;
        if !id.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
            return Err(sqlx::Error::Protocol(format!("unexpected snapshot id {id:?}")).into());
        }
        let mut b = self.begin_snapshot().await?;
        let set = format!("SET TRANSACTION SNAPSHOT '{id}'");
        sqlx::query(&set).execute(&mut *b).await?;
        Ok((a, b))
    }

    pub(super) async fn run(&self, stmt: Stmt<'_>, want: Want) -> Result<Output, DbError> {
        run(&self.pool, stmt, want).await
    }
}

/// The statement's SQL for PostgreSQL: row locks are `FOR UPDATE`.
fn dialect(sql: &'static str, lock_rows: bool) -> Cow<'static, str> {
    if lock_rows {
        Cow::Owned(format!("{sql} FOR UPDATE"))
    } else {
        Cow::Borrowed(sql)
    }
}

pub(super) async fn run<'c, E>(executor: E, stmt: Stmt<'_>, want: Want) -> Result<Output, DbError>
where
    E: sqlx::Executor<'c, Database = Postgres>,
{
    let sql = dialect(stmt.sql, stmt.lock_rows);
    let mut query = sqlx::query(&sql);
    for arg in stmt.args {
        query = arg.bind_postgres(query);
    }
    Ok(match want {
        Want::RowsAffected => Output::RowsAffected(query.execute(executor).await?.rows_affected()),
        Want::All => Output::Rows(
            query
                .fetch_all(executor)
                .await?
                .into_iter()
                .map(Row::Postgres)
                .collect(),
        ),
        Want::Optional => Output::Row(query.fetch_optional(executor).await?.map(Row::Postgres)),
        Want::One => Output::Row(Some(Row::Postgres(query.fetch_one(executor).await?))),
    })
}
