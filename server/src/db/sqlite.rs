//! SQLite backend: ids, dates and instants stored as ISO text, JSON values as
//! text. SQL only; what a mutation does is decided in `apply.rs`.

use super::apply::WriteTx;
use super::rows::{
    fetch_i64, json_text, parse_uuid, serde_name, ChangeRow, ConflictRow, PlacementRow,
    StoredPlacement, COUNT_CHILDREN, LAST_SEQ, NEXT_SEQ,
};
use super::DbError;
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use serde_json::Value;
use shared::protocol::Conflict;
use shared::{
    Child, ChildId, ConflictId, DeviceId, MutationId, Placement, PlacementId, Visit,
    VisitAmendment, VisitId,
};
use sqlx::query::Query;
use sqlx::sqlite::{
    SqliteArguments, SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions,
    SqliteSynchronous,
};
use sqlx::{Sqlite, Transaction};
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

    /// A write transaction that holds the database lock from its start.
    pub(super) async fn begin_write(&self) -> Result<SqliteTx, DbError> {
        Ok(SqliteTx(self.pool.begin_with(BEGIN_WRITE).await?))
    }

    pub(super) async fn last_seq(&self) -> Result<i64, DbError> {
        fetch_i64(&self.pool, LAST_SEQ).await
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

/// One write transaction (`BEGIN IMMEDIATE`): SQLite has one writer at a
/// time, so nothing read here changes before commit and no row lock is needed.
pub(super) struct SqliteTx(Transaction<'static, Sqlite>);

type PlacementColumns = (
    String,
    String,
    String,
    String,
    NaiveDate,
    Option<NaiveDate>,
    bool,
);
type ConflictColumns = (
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
);

impl WriteTx for SqliteTx {
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
            "INSERT INTO applied_mutations (mutation_id, device_id, applied_at) VALUES (?, ?, ?) \
             ON CONFLICT (mutation_id) DO NOTHING",
        )
        .bind(mutation_id.to_string())
        .bind(device_id.to_string())
        .bind(instant(Utc::now()))
        .execute(&mut *self.0)
        .await?
        .rows_affected();
        Ok(claimed == 1)
    }

    async fn set_mutation_seq(&mut self, mutation_id: MutationId, seq: i64) -> Result<(), DbError> {
        sqlx::query("UPDATE applied_mutations SET seq = ? WHERE mutation_id = ?")
            .bind(seq)
            .bind(mutation_id.to_string())
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
            "INSERT INTO changes (seq, kind, record_id, child_id, data) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(seq)
        .bind(row.kind)
        .bind(row.record_id.to_string())
        .bind(row.child_id.to_string())
        .bind(&row.data)
        .execute(&mut *self.0)
        .await?;
        Ok(())
    }

    async fn lock_feed(&mut self) -> Result<(), DbError> {
        // `BEGIN IMMEDIATE` took the write lock already.
        Ok(())
    }

    async fn count_children(&mut self) -> Result<i64, DbError> {
        fetch_i64(&mut *self.0, COUNT_CHILDREN).await
    }

    async fn child_exists(&mut self, id: ChildId) -> Result<bool, DbError> {
        Ok(
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM children WHERE id = ?)")
                .bind(id.to_string())
                .fetch_one(&mut *self.0)
                .await?,
        )
    }

    async fn insert_child(&mut self, child: &Child) -> Result<bool, DbError> {
        let inserted = sqlx::query(
            "INSERT INTO children (id, given_name, family_name, birth_date) VALUES (?, ?, ?, ?) \
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(child.id.to_string())
        .bind(child.given_name.as_str())
        .bind(child.family_name.as_str())
        .bind(child.birth_date.to_string())
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
             recorded_at, received_at, mutation_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) \
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(visit.id.to_string())
        .bind(visit.child_id.to_string())
        .bind(visit.visit_date.to_string())
        .bind(visit.visitor.as_str())
        .bind(visit.talked_alone)
        .bind(visit.note.as_str())
        .bind(instant(visit.recorded_at))
        .bind(instant(Utc::now()))
        .bind(mutation_id.map(|m| m.to_string()))
        .execute(&mut *self.0)
        .await?
        .rows_affected();
        Ok(inserted == 1)
    }

    async fn visit_child(&mut self, id: VisitId) -> Result<Option<ChildId>, DbError> {
        let child: Option<String> = sqlx::query_scalar("SELECT child_id FROM visits WHERE id = ?")
            .bind(id.to_string())
            .fetch_optional(&mut *self.0)
            .await?;
        child
            .map(|c| parse_uuid("visits", &c).map(ChildId::from_uuid))
            .transpose()
    }

    async fn insert_amendment(
        &mut self,
        amendment: &VisitAmendment,
        mutation_id: Option<MutationId>,
    ) -> Result<bool, DbError> {
        let inserted = sqlx::query(
            "INSERT INTO visit_amendments (id, visit_id, child_id, author, text, recorded_at, \
             received_at, mutation_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?) \
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(amendment.id.to_string())
        .bind(amendment.visit_id.to_string())
        .bind(amendment.child_id.to_string())
        .bind(amendment.author.as_str())
        .bind(amendment.text.as_str())
        .bind(instant(amendment.recorded_at))
        .bind(instant(Utc::now()))
        .bind(mutation_id.map(|m| m.to_string()))
        .execute(&mut *self.0)
        .await?
        .rows_affected();
        Ok(inserted == 1)
    }

    async fn insert_placement(&mut self, p: &Placement) -> Result<bool, DbError> {
        let inserted = placement_query(
            "INSERT INTO placements \
             (id, child_id, kind, home_name, legal_basis, start_date, end_date) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (id) DO NOTHING",
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
             FROM placements WHERE id = ?",
        )
        .bind(id.to_string())
        .fetch_optional(&mut *self.0)
        .await?;
        row.map(
            |(child_id, kind, home_name, legal_basis, start_date, end_date, deleted)| {
                PlacementRow {
                    id: *id.as_uuid(),
                    child_id: parse_uuid("placements", &child_id)?,
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
            "UPDATE placements SET kind = ?3, home_name = ?4, legal_basis = ?5, \
             start_date = ?6, end_date = ?7 WHERE id = ?1 AND child_id = ?2",
            p,
        )
        .execute(&mut *self.0)
        .await?;
        Ok(())
    }

    async fn delete_placement(&mut self, id: PlacementId) -> Result<(), DbError> {
        sqlx::query("UPDATE placements SET deleted = 1 WHERE id = ?")
            .bind(id.to_string())
            .execute(&mut *self.0)
            .await?;
        Ok(())
    }

    async fn insert_conflict(&mut self, conflict: &Conflict) -> Result<(), DbError> {
        let row = ConflictRow::encode(conflict);
        sqlx::query(
            "INSERT INTO conflicts (id, target_kind, target_id, child_id, field, server_value, \
             device_value, device_id, mutation_id, resolution) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(row.id.to_string())
        .bind(row.target_kind)
        .bind(row.target_id.to_string())
        .bind(row.child_id.to_string())
        .bind(row.field)
        .bind(row.server_value)
        .bind(row.device_value)
        .bind(row.device_id.to_string())
        .bind(row.mutation_id.to_string())
        .bind(row.resolution)
        .execute(&mut *self.0)
        .await?;
        Ok(())
    }

    async fn conflict_for_update(&mut self, id: ConflictId) -> Result<Option<Conflict>, DbError> {
        let row: Option<ConflictColumns> = sqlx::query_as(
            "SELECT target_kind, target_id, child_id, field, server_value, device_value, \
             device_id, mutation_id, resolution FROM conflicts WHERE id = ?",
        )
        .bind(id.to_string())
        .fetch_optional(&mut *self.0)
        .await?;
        let Some((kind, target, child, field, server, device, device_id, mutation, resolution)) =
            row
        else {
            return Ok(None);
        };
        let uuid = |text: &str| parse_uuid("conflicts", text);
        ConflictRow {
            id: *id.as_uuid(),
            target_kind: kind,
            target_id: uuid(&target)?,
            child_id: uuid(&child)?,
            field,
            server_value: server,
            device_value: device,
            device_id: uuid(&device_id)?,
            mutation_id: uuid(&mutation)?,
            resolution,
        }
        .decode()
        .map(Some)
    }

    async fn resolve_conflict(&mut self, id: ConflictId, value: &Value) -> Result<(), DbError> {
        sqlx::query("UPDATE conflicts SET resolution = ? WHERE id = ?")
            .bind(json_text(value))
            .bind(id.to_string())
            .execute(&mut *self.0)
            .await?;
        Ok(())
    }
}

/// `sql` with the placement's columns bound as ?1 to ?7: id, child_id, kind,
/// home_name, legal_basis, start_date, end_date.
fn placement_query<'q>(sql: &'q str, p: &'q Placement) -> Query<'q, Sqlite, SqliteArguments<'q>> {
    sqlx::query(sql)
        .bind(p.id.to_string())
        .bind(p.child_id.to_string())
        .bind(serde_name(&p.kind))
        .bind(p.home_name.as_str())
        .bind(serde_name(&p.legal_basis))
        .bind(p.start_date.to_string())
        .bind(p.end_date.map(|d| d.to_string()))
}

fn instant(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}
