//! SQLite backend: ids, dates and instants stored as ISO text.

use super::{serde_name, ApplyResult, ChangeRow, DbError};
use chrono::{DateTime, SecondsFormat, Utc};
use shared::protocol::Record;
use shared::{DeviceId, MutationId, Visit};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePool, SqlitePoolOptions,
    SqliteSynchronous,
};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

/// A SQLite database file behind a connection pool.
#[derive(Clone, Debug)]
pub struct SqliteStore {
    pool: SqlitePool,
}

/// Writers take the database lock when they begin, not at their first write, so
/// that two pushes never both read and then race to upgrade (which SQLite
/// answers with SQLITE_BUSY at once, bypassing the busy timeout).
const BEGIN_WRITE: &str = "BEGIN IMMEDIATE";

impl SqliteStore {
    pub async fn open_file(path: &Path) -> Result<Self, sqlx::Error> {
        Self::open(SqliteConnectOptions::new().filename(path)).await
    }

    pub async fn open_url(url: &str) -> Result<Self, sqlx::Error> {
        Self::open(SqliteConnectOptions::from_str(url)?).await
    }

    async fn open(options: SqliteConnectOptions) -> Result<Self, sqlx::Error> {
        let options = options
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(5))
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(options)
            .await?;
        Ok(Self { pool })
    }

    pub(super) async fn migrate(&self) -> Result<(), sqlx::migrate::MigrateError> {
        sqlx::migrate!("./migrations/sqlite").run(&self.pool).await
    }

    pub(super) async fn health(&self) -> Result<(), DbError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    pub(super) async fn close(&self) {
        self.pool.close().await;
    }

    pub(super) async fn count(&self, table: &'static str) -> Result<i64, DbError> {
        let sql = format!("SELECT COUNT(*) FROM {table}");
        Ok(sqlx::query_scalar(&sql).fetch_one(&self.pool).await?)
    }

    pub(super) async fn create_visit(
        &self,
        device_id: DeviceId,
        mutation_id: MutationId,
        visit: &Visit,
    ) -> Result<ApplyResult, DbError> {
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
        let now = instant(Utc::now());

        let claimed = sqlx::query(
            "INSERT INTO applied_mutations (mutation_id, device_id, applied_at) VALUES (?, ?, ?) \
             ON CONFLICT (mutation_id) DO NOTHING",
        )
        .bind(mutation_id.to_string())
        .bind(device_id.to_string())
        .bind(&now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if claimed == 0 {
            tx.rollback().await?;
            return Ok(ApplyResult::AlreadyApplied);
        }

        let child_exists: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM children WHERE id = ?)")
                .bind(visit.child_id.to_string())
                .fetch_one(&mut *tx)
                .await?;
        if !child_exists {
            // Nothing recorded: once the child exists, a retry can still apply.
            tx.rollback().await?;
            return Ok(ApplyResult::UnknownChild);
        }

        if !insert_visit(&mut tx, visit, Some(mutation_id), &now).await? {
            tx.rollback().await?;
            return Ok(ApplyResult::IdConflict);
        }
        let seq = append_change(&mut tx, &Record::Visit(visit.clone())).await?;
        sqlx::query("UPDATE applied_mutations SET seq = ? WHERE mutation_id = ?")
            .bind(seq)
            .bind(mutation_id.to_string())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(ApplyResult::Applied(u64::try_from(seq).unwrap_or_default()))
    }

    /// Inserts records and their changes in one transaction. With
    /// `only_if_empty`, writes nothing (and returns `None`) when a child exists.
    pub(super) async fn insert_records(
        &self,
        records: &[Record],
        only_if_empty: bool,
    ) -> Result<Option<Vec<u64>>, DbError> {
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
        if only_if_empty {
            let children: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM children")
                .fetch_one(&mut *tx)
                .await?;
            if children > 0 {
                tx.rollback().await?;
                return Ok(None);
            }
        }
        let now = instant(Utc::now());
        let mut seqs = Vec::with_capacity(records.len());
        for record in records {
            match record {
                Record::Child(c) => {
                    sqlx::query(
                        "INSERT INTO children (id, given_name, family_name, birth_date) \
                         VALUES (?, ?, ?, ?)",
                    )
                    .bind(c.id.to_string())
                    .bind(c.given_name.as_str())
                    .bind(c.family_name.as_str())
                    .bind(c.birth_date.to_string())
                    .execute(&mut *tx)
                    .await?;
                }
                Record::Placement(p) => {
                    sqlx::query(
                        "INSERT INTO placements \
                         (id, child_id, kind, home_name, legal_basis, start_date, end_date) \
                         VALUES (?, ?, ?, ?, ?, ?, ?)",
                    )
                    .bind(p.id.to_string())
                    .bind(p.child_id.to_string())
                    .bind(serde_name(&p.kind))
                    .bind(p.home_name.as_str())
                    .bind(serde_name(&p.legal_basis))
                    .bind(p.start_date.to_string())
                    .bind(p.end_date.map(|d| d.to_string()))
                    .execute(&mut *tx)
                    .await?;
                }
                Record::Visit(v) => {
                    if !insert_visit(&mut tx, v, None, &now).await? {
                        return Err(DbError::DuplicateId {
                            kind: "visit",
                            id: *v.id.as_uuid(),
                        });
                    }
                }
            }
            let seq = append_change(&mut tx, record).await?;
            seqs.push(u64::try_from(seq).unwrap_or_default());
        }
        tx.commit().await?;
        Ok(Some(seqs))
    }

    pub(super) async fn changes_after(
        &self,
        since: i64,
        limit: i64,
    ) -> Result<Vec<(i64, String, String)>, DbError> {
        Ok(
            sqlx::query_as(
                "SELECT seq, kind, data FROM changes WHERE seq > ? ORDER BY seq LIMIT ?",
            )
            .bind(since)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?,
        )
    }
}

/// Returns false when a visit with this id already exists.
async fn insert_visit(
    conn: &mut SqliteConnection,
    visit: &Visit,
    mutation_id: Option<MutationId>,
    received_at: &str,
) -> Result<bool, DbError> {
    let inserted = sqlx::query(
        "INSERT INTO visits (id, child_id, visit_date, visitor, talked_alone, note, recorded_at, \
         received_at, mutation_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
    )
    .bind(visit.id.to_string())
    .bind(visit.child_id.to_string())
    .bind(visit.visit_date.to_string())
    .bind(visit.visitor.as_str())
    .bind(visit.talked_alone)
    .bind(visit.note.as_str())
    .bind(instant(visit.recorded_at))
    .bind(received_at)
    .bind(mutation_id.map(|m| m.to_string()))
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(inserted == 1)
}

/// Appends `record` to the change feed and returns its sequence number.
async fn append_change(conn: &mut SqliteConnection, record: &Record) -> Result<i64, DbError> {
    let row = ChangeRow::of(record).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    // Numbered inside the writing transaction, so numbers follow commit order
    // (SQLite has one writer at a time) and a reader never sees a gap fill in
    // behind its cursor.
    let seq: i64 = sqlx::query_scalar(
        "UPDATE change_counter SET last_seq = last_seq + 1 WHERE id = 1 RETURNING last_seq",
    )
    .fetch_one(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO changes (seq, kind, record_id, child_id, data) VALUES (?, ?, ?, ?, ?)",
    )
    .bind(seq)
    .bind(row.kind)
    .bind(row.record_id.hyphenated().to_string())
    .bind(row.child_id.hyphenated().to_string())
    .bind(row.data)
    .execute(&mut *conn)
    .await?;
    Ok(seq)
}

fn instant(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}
