//! PostgreSQL backend: native UUID, DATE, TIMESTAMPTZ, BOOLEAN and JSONB
//! columns. SQL only; what a mutation does is decided in `apply.rs`.

use super::apply::WriteTx;
use super::rows::{
    fetch_i64, json_text, serde_name, ChangeRow, ConflictRow, PlacementRow, StoredPlacement,
    COUNT_CHILDREN, LAST_SEQ, NEXT_SEQ,
};
use super::DbError;
use chrono::{NaiveDate, Utc};
use serde_json::Value;
use shared::protocol::Conflict;
use shared::{
    Child, ChildId, ConflictId, DeviceId, MutationId, Placement, PlacementId, Visit,
    VisitAmendment, VisitId,
};
use sqlx::postgres::{PgArguments, PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::query::Query;
use sqlx::{Postgres, Transaction};
use std::str::FromStr;
use std::time::Duration;
use uuid::Uuid;

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
        ]))
    }

    /// A pool that connects on first use: the server starts even when the
    /// database is down, and every request then reports it unavailable.
    pub fn connect_lazy(url: &str, acquire_timeout: Duration) -> Result<Self, sqlx::Error> {
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

    pub(super) async fn begin_write(&self) -> Result<PgTx, DbError> {
        Ok(PgTx(self.pool.begin().await?))
    }

    pub(super) async fn last_seq(&self) -> Result<i64, DbError> {
        fetch_i64(&self.pool, LAST_SEQ).await
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

/// One write transaction (READ COMMITTED). Rows read to be changed are
/// locked with `FOR UPDATE`, so two pushes editing one record take turns
/// and the second merges into what the first wrote.
pub(super) struct PgTx(Transaction<'static, Postgres>);

type PlacementColumns = (
    Uuid,
    String,
    String,
    String,
    NaiveDate,
    Option<NaiveDate>,
    bool,
);
type ConflictColumns = (
    String,
    Uuid,
    Uuid,
    String,
    String,
    String,
    Uuid,
    Uuid,
    Option<String>,
);

impl WriteTx for PgTx {
    async fn commit(self) -> Result<(), DbError> {
        Ok(self.0.commit().await?)
    }

    async fn rollback(self) -> Result<(), DbError> {
        Ok(self.0.rollback().await?)
    }

    async fn claim_mutation(
        &mut self,
        device_id: DeviceId,
        mutation_id: MutationId,
    ) -> Result<bool, DbError> {
        let claimed = sqlx::query(
            "INSERT INTO applied_mutations (mutation_id, device_id, applied_at) \
             VALUES ($1, $2, $3) ON CONFLICT (mutation_id) DO NOTHING",
        )
        .bind(mutation_id.as_uuid())
        .bind(device_id.as_uuid())
        .bind(Utc::now())
        .execute(&mut *self.0)
        .await?
        .rows_affected();
        Ok(claimed == 1)
    }

    async fn set_mutation_seq(&mut self, mutation_id: MutationId, seq: i64) -> Result<(), DbError> {
        sqlx::query("UPDATE applied_mutations SET seq = $1 WHERE mutation_id = $2")
            .bind(seq)
            .bind(mutation_id.as_uuid())
            .execute(&mut *self.0)
            .await?;
        Ok(())
    }

    async fn last_seq(&mut self) -> Result<i64, DbError> {
        fetch_i64(&mut *self.0, LAST_SEQ).await
    }

    async fn next_seq(&mut self) -> Result<i64, DbError> {
        fetch_i64(&mut *self.0, NEXT_SEQ).await
    }

    async fn insert_change(&mut self, seq: i64, row: &ChangeRow) -> Result<(), DbError> {
        sqlx::query(
            "INSERT INTO changes (seq, kind, record_id, child_id, data) \
             VALUES ($1, $2, $3, $4, $5::jsonb)",
        )
        .bind(seq)
        .bind(row.kind)
        .bind(row.record_id)
        .bind(row.child_id)
        .bind(&row.data)
        .execute(&mut *self.0)
        .await?;
        Ok(())
    }

    async fn lock_feed(&mut self) -> Result<(), DbError> {
        sqlx::query("SELECT last_seq FROM change_counter WHERE id = 1 FOR UPDATE")
            .execute(&mut *self.0)
            .await?;
        Ok(())
    }

    async fn count_children(&mut self) -> Result<i64, DbError> {
        fetch_i64(&mut *self.0, COUNT_CHILDREN).await
    }

    async fn child_exists(&mut self, id: ChildId) -> Result<bool, DbError> {
        Ok(
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM children WHERE id = $1)")
                .bind(id.as_uuid())
                .fetch_one(&mut *self.0)
                .await?,
        )
    }

    async fn insert_child(&mut self, child: &Child) -> Result<bool, DbError> {
        let inserted = sqlx::query(
            "INSERT INTO children (id, given_name, family_name, birth_date) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING",
        )
        .bind(child.id.as_uuid())
        .bind(child.given_name.as_str())
        .bind(child.family_name.as_str())
        .bind(child.birth_date)
        .execute(&mut *self.0)
        .await?
        .rows_affected();
        Ok(inserted == 1)
    }

    async fn insert_visit(
        &mut self,
        visit: &Visit,
        mutation_id: Option<MutationId>,
    ) -> Result<bool, DbError> {
        let inserted = sqlx::query(
            "INSERT INTO visits (id, child_id, visit_date, visitor, talked_alone, note, \
             recorded_at, received_at, mutation_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(visit.id.as_uuid())
        .bind(visit.child_id.as_uuid())
        .bind(visit.visit_date)
        .bind(visit.visitor.as_str())
        .bind(visit.talked_alone)
        .bind(visit.note.as_str())
        .bind(visit.recorded_at)
        .bind(Utc::now())
        .bind(mutation_id.map(|m| *m.as_uuid()))
        .execute(&mut *self.0)
        .await?
        .rows_affected();
        Ok(inserted == 1)
    }

    async fn visit_child(&mut self, id: VisitId) -> Result<Option<ChildId>, DbError> {
        let child: Option<Uuid> = sqlx::query_scalar("SELECT child_id FROM visits WHERE id = $1")
            .bind(id.as_uuid())
            .fetch_optional(&mut *self.0)
            .await?;
        Ok(child.map(ChildId::from_uuid))
    }

    async fn insert_amendment(
        &mut self,
        amendment: &VisitAmendment,
        mutation_id: Option<MutationId>,
    ) -> Result<bool, DbError> {
        let inserted = sqlx::query(
            "INSERT INTO visit_amendments (id, visit_id, child_id, author, text, recorded_at, \
             received_at, mutation_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(amendment.id.as_uuid())
        .bind(amendment.visit_id.as_uuid())
        .bind(amendment.child_id.as_uuid())
        .bind(amendment.author.as_str())
        .bind(amendment.text.as_str())
        .bind(amendment.recorded_at)
        .bind(Utc::now())
        .bind(mutation_id.map(|m| *m.as_uuid()))
        .execute(&mut *self.0)
        .await?
        .rows_affected();
        Ok(inserted == 1)
    }

    async fn insert_placement(&mut self, p: &Placement) -> Result<bool, DbError> {
        let inserted = placement_query(
            "INSERT INTO placements \
             (id, child_id, kind, home_name, legal_basis, start_date, end_date) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING",
            p,
        )
        .execute(&mut *self.0)
        .await?
        .rows_affected();
        Ok(inserted == 1)
    }

    async fn placement_for_update(
        &mut self,
        id: PlacementId,
    ) -> Result<Option<StoredPlacement>, DbError> {
        let row: Option<PlacementColumns> = sqlx::query_as(
            "SELECT child_id, kind, home_name, legal_basis, start_date, end_date, deleted \
             FROM placements WHERE id = $1 FOR UPDATE",
        )
        .bind(id.as_uuid())
        .fetch_optional(&mut *self.0)
        .await?;
        row.map(
            |(child_id, kind, home_name, legal_basis, start_date, end_date, deleted)| {
                PlacementRow {
                    id: *id.as_uuid(),
                    child_id,
                    kind,
                    home_name,
                    legal_basis,
                    start_date,
                    end_date,
                    deleted,
                }
                .decode()
            },
        )
        .transpose()
    }

    async fn update_placement(&mut self, p: &Placement) -> Result<(), DbError> {
        placement_query(
            "UPDATE placements SET kind = $3, home_name = $4, legal_basis = $5, \
             start_date = $6, end_date = $7 WHERE id = $1 AND child_id = $2",
            p,
        )
        .execute(&mut *self.0)
        .await?;
        Ok(())
    }

    async fn delete_placement(&mut self, id: PlacementId) -> Result<(), DbError> {
        sqlx::query("UPDATE placements SET deleted = TRUE WHERE id = $1")
            .bind(id.as_uuid())
            .execute(&mut *self.0)
            .await?;
        Ok(())
    }

    async fn insert_conflict(&mut self, conflict: &Conflict) -> Result<(), DbError> {
        let row = ConflictRow::encode(conflict);
        sqlx::query(
            "INSERT INTO conflicts (id, target_kind, target_id, child_id, field, server_value, \
             device_value, device_id, mutation_id, resolution) \
             VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb, $8, $9, $10::jsonb)",
        )
        .bind(row.id)
        .bind(row.target_kind)
        .bind(row.target_id)
        .bind(row.child_id)
        .bind(row.field)
        .bind(row.server_value)
        .bind(row.device_value)
        .bind(row.device_id)
        .bind(row.mutation_id)
        .bind(row.resolution)
        .execute(&mut *self.0)
        .await?;
        Ok(())
    }

    async fn conflict_for_update(&mut self, id: ConflictId) -> Result<Option<Conflict>, DbError> {
        let row: Option<ConflictColumns> = sqlx::query_as(
            "SELECT target_kind, target_id, child_id, field, server_value::text, \
             device_value::text, device_id, mutation_id, resolution::text \
             FROM conflicts WHERE id = $1 FOR UPDATE",
        )
        .bind(id.as_uuid())
        .fetch_optional(&mut *self.0)
        .await?;
        row.map(
            |(kind, target, child, field, server, device, device_id, mutation, resolution)| {
                ConflictRow {
                    id: *id.as_uuid(),
                    target_kind: kind,
                    target_id: target,
                    child_id: child,
                    field,
                    server_value: server,
                    device_value: device,
                    device_id,
                    mutation_id: mutation,
                    resolution,
                }
                .decode()
            },
        )
        .transpose()
    }

    async fn resolve_conflict(&mut self, id: ConflictId, value: &Value) -> Result<(), DbError> {
        sqlx::query("UPDATE conflicts SET resolution = $1::jsonb WHERE id = $2")
            .bind(json_text(value))
            .bind(id.as_uuid())
            .execute(&mut *self.0)
            .await?;
        Ok(())
    }
}

/// `sql` with the placement's columns bound as $1 to $7: id, child_id, kind,
/// home_name, legal_basis, start_date, end_date.
fn placement_query<'q>(sql: &'q str, p: &'q Placement) -> Query<'q, Postgres, PgArguments> {
    sqlx::query(sql)
        .bind(p.id.as_uuid())
        .bind(p.child_id.as_uuid())
        .bind(serde_name(&p.kind))
        .bind(p.home_name.as_str())
        .bind(serde_name(&p.legal_basis))
        .bind(p.start_date)
        .bind(p.end_date)
}
