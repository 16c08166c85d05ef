//! PostgreSQL backend: native UUID, DATE, TIMESTAMPTZ, BOOLEAN and JSONB columns.

use super::{serde_name, ApplyResult, ChangeRow, DbError};
use chrono::{DateTime, Utc};
use shared::protocol::Record;
use shared::{DeviceId, MutationId, Visit};
use sqlx::postgres::{PgConnection, PgPool, PgPoolOptions};
use std::time::Duration;

/// A PostgreSQL database behind a connection pool.
#[derive(Clone, Debug)]
pub struct PgStore {
    pool: PgPool,
}

impl PgStore {
    pub async fn connect(url: &str) -> Result<Self, sqlx::Error> {
        let pool = PgPoolOptions::new()
            .max_connections(10)
            .acquire_timeout(Duration::from_secs(5))
            .connect(url)
            .await?;
        Ok(Self { pool })
    }

    /// A pool that connects on first use: the server starts even when the
    /// database is down, and every request then reports it unavailable.
    pub fn connect_lazy(url: &str, acquire_timeout: Duration) -> Result<Self, sqlx::Error> {
        let pool = PgPoolOptions::new()
            .max_connections(10)
            .acquire_timeout(acquire_timeout)
            .connect_lazy(url)?;
        Ok(Self { pool })
    }

    pub(super) async fn migrate(&self) -> Result<(), sqlx::migrate::MigrateError> {
        sqlx::migrate!("./migrations/postgres")
            .run(&self.pool)
            .await
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
        let mut tx = self.pool.begin().await?;
        let now = Utc::now();

        // A concurrent push of the same id blocks here until the first commits
        // (then this inserts nothing) or rolls back (then this one proceeds).
        let claimed = sqlx::query(
            "INSERT INTO applied_mutations (mutation_id, device_id, applied_at) VALUES ($1, $2, $3) \
             ON CONFLICT (mutation_id) DO NOTHING",
        )
        .bind(mutation_id.as_uuid())
        .bind(device_id.as_uuid())
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if claimed == 0 {
            tx.rollback().await?;
            return Ok(ApplyResult::AlreadyApplied);
        }

        let child_exists: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM children WHERE id = $1)")
                .bind(visit.child_id.as_uuid())
                .fetch_one(&mut *tx)
                .await?;
        if !child_exists {
            // Nothing recorded: once the child exists, a retry can still apply.
            tx.rollback().await?;
            return Ok(ApplyResult::UnknownChild);
        }

        if !insert_visit(&mut tx, visit, Some(mutation_id), now).await? {
            tx.rollback().await?;
            return Ok(ApplyResult::IdConflict);
        }
        let seq = append_change(&mut tx, &Record::Visit(visit.clone())).await?;
        sqlx::query("UPDATE applied_mutations SET seq = $1 WHERE mutation_id = $2")
            .bind(seq)
            .bind(mutation_id.as_uuid())
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
        let mut tx = self.pool.begin().await?;
        if only_if_empty {
            // Lock the counter first so that two servers seeding at once
            // cannot both see an empty table.
            sqlx::query("SELECT last_seq FROM change_counter WHERE id = 1 FOR UPDATE")
                .execute(&mut *tx)
                .await?;
            let children: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM children")
                .fetch_one(&mut *tx)
                .await?;
            if children > 0 {
                tx.rollback().await?;
                return Ok(None);
            }
        }
        let now = Utc::now();
        let mut seqs = Vec::with_capacity(records.len());
        for record in records {
            match record {
                Record::Child(c) => {
                    sqlx::query(
                        "INSERT INTO children (id, given_name, family_name, birth_date) \
                         VALUES ($1, $2, $3, $4)",
                    )
                    .bind(c.id.as_uuid())
                    .bind(c.given_name.as_str())
                    .bind(c.family_name.as_str())
                    .bind(c.birth_date)
                    .execute(&mut *tx)
                    .await?;
                }
                Record::Placement(p) => {
                    sqlx::query(
                        "INSERT INTO placements \
                         (id, child_id, kind, home_name, legal_basis, start_date, end_date) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    )
                    .bind(p.id.as_uuid())
                    .bind(p.child_id.as_uuid())
                    .bind(serde_name(&p.kind))
                    .bind(p.home_name.as_str())
                    .bind(serde_name(&p.legal_basis))
                    .bind(p.start_date)
                    .bind(p.end_date)
                    .execute(&mut *tx)
                    .await?;
                }
                Record::Visit(v) => {
                    if !insert_visit(&mut tx, v, None, now).await? {
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
        Ok(sqlx::query_as(
            "SELECT seq, kind, data::text FROM changes WHERE seq > $1 ORDER BY seq LIMIT $2",
        )
        .bind(since)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }
}

/// Returns false when a visit with this id already exists.
async fn insert_visit(
    conn: &mut PgConnection,
    visit: &Visit,
    mutation_id: Option<MutationId>,
    received_at: DateTime<Utc>,
) -> Result<bool, DbError> {
    let inserted = sqlx::query(
        "INSERT INTO visits (id, child_id, visit_date, visitor, talked_alone, note, recorded_at, \
         received_at, mutation_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         ON CONFLICT (id) DO NOTHING",
    )
    .bind(visit.id.as_uuid())
    .bind(visit.child_id.as_uuid())
    .bind(visit.visit_date)
    .bind(visit.visitor.as_str())
    .bind(visit.talked_alone)
    .bind(visit.note.as_str())
    .bind(visit.recorded_at)
    .bind(received_at)
    .bind(mutation_id.map(|m| *m.as_uuid()))
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(inserted == 1)
}

/// Appends `record` to the change feed and returns its sequence number.
async fn append_change(conn: &mut PgConnection, record: &Record) -> Result<i64, DbError> {
    let row = ChangeRow::of(record).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    // Numbered inside the writing transaction: the row lock on the counter
    // serialises writers until commit, so sequence numbers become visible in
    // order and a pull can never skip a number that commits later. (A SEQUENCE
    // would hand out numbers that commit out of order.)
    let seq: i64 = sqlx::query_scalar(
        "UPDATE change_counter SET last_seq = last_seq + 1 WHERE id = 1 RETURNING last_seq",
    )
    .fetch_one(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO changes (seq, kind, record_id, child_id, data) VALUES ($1, $2, $3, $4, $5::jsonb)",
    )
    .bind(seq)
    .bind(row.kind)
    .bind(row.record_id)
    .bind(row.child_id)
    .bind(row.data)
    .execute(&mut *conn)
    .await?;
    Ok(seq)
}
