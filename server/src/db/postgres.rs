//! PostgreSQL backend: native UUID, DATE, TIMESTAMPTZ, BOOLEAN and JSONB
//! columns. SQL only; what a mutation does is decided in `apply.rs`.

use super::accounts::{
    AccessRow, AccountStore, NewAccess, NewSession, SessionListRow, SessionRow, UserRow,
};
use super::apply::{Claim, WriteTx};
use super::audit::{AuditFilter, AuditRow, AuditStore, NewAuditEntry};
use super::rows::{
    fetch_i64, json_text, serde_name, ChangeRow, ConflictRow, PlacementRow, StoredPlacement,
    COUNT_CHILDREN, LAST_SEQ, NEXT_SEQ,
};
use super::DbError;
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;
use shared::audit::AuditAction;
use shared::auth::{Role, UnitSummary};
use shared::checklist::{ChecklistTemplate, ChecklistTick, TemplateVersion};
use shared::protocol::Conflict;
use shared::PlacementClosing;
use shared::{
    Child, ChildId, ConflictId, DeviceId, MutationId, Placement, PlacementId, SessionId, UnitId,
    UserId, Visit, VisitAmendment, VisitId,
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
    pub(crate) pool: PgPool,
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
        user_id: Option<UserId>,
        mutation_id: MutationId,
    ) -> Result<Claim, DbError> {
        let claimed = sqlx::query(
            "INSERT INTO applied_mutations (mutation_id, device_id, user_id, applied_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (mutation_id) DO NOTHING",
        )
        .bind(mutation_id.as_uuid())
        .bind(device_id.as_uuid())
        .bind(user_id.map(|u| *u.as_uuid()))
        .bind(Utc::now())
        .execute(&mut *self.0)
        .await?
        .rows_affected();
        if claimed == 1 {
            return Ok(Claim::New);
        }
        let seq: Option<i64> =
            sqlx::query_scalar("SELECT seq FROM applied_mutations WHERE mutation_id = $1")
                .bind(mutation_id.as_uuid())
                .fetch_one(&mut *self.0)
                .await?;
        Ok(Claim::Before(seq))
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
        let columns = super::rows::VisitColumns::of(visit)?;
        let inserted = sqlx::query(
            "INSERT INTO visits (id, child_id, visit_date, visitor, talked_alone, note, \
             recorded_at, received_at, mutation_id, contact, visitor_role, place, \
             not_alone_reason, feedback_given, tools, signed_by, details) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, \
             $17::jsonb) ON CONFLICT (id) DO NOTHING",
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
        .bind(columns.contact)
        .bind(columns.visitor_role)
        .bind(columns.place)
        .bind(columns.not_alone_reason)
        .bind(visit.feedback_given)
        .bind(columns.tools)
        .bind(visit.signed_by.map(|u| *u.as_uuid()))
        .bind(columns.details)
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

    async fn placement_closed(&mut self, id: PlacementId) -> Result<bool, DbError> {
        let found: Option<Uuid> =
            sqlx::query_scalar("SELECT id FROM placement_closings WHERE placement_id = $1")
                .bind(id.as_uuid())
                .fetch_optional(&mut *self.0)
                .await?;
        Ok(found.is_some())
    }

    async fn insert_closing(
        &mut self,
        c: &PlacementClosing,
        mutation_id: Option<MutationId>,
    ) -> Result<bool, DbError> {
        let inserted = sqlx::query(
            "INSERT INTO placement_closings (id, placement_id, child_id, end_date, kind, \
             replacement, reason, signed_by, details, received_at, mutation_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10, $11) ON CONFLICT DO NOTHING",
        )
        .bind(c.id.as_uuid())
        .bind(c.placement_id.as_uuid())
        .bind(c.child_id.as_uuid())
        .bind(c.end_date)
        .bind(serde_name(&c.kind))
        .bind(c.replacement)
        .bind(c.reason.as_ref().map(serde_name))
        .bind(c.signed_by.as_uuid())
        .bind(super::rows::closing_details(c)?)
        .bind(Utc::now())
        .bind(mutation_id.map(|m| *m.as_uuid()))
        .execute(&mut *self.0)
        .await?
        .rows_affected();
        Ok(inserted == 1)
    }

    async fn insert_tick(
        &mut self,
        t: &ChecklistTick,
        mutation_id: Option<MutationId>,
    ) -> Result<bool, DbError> {
        let inserted = sqlx::query(
            "INSERT INTO checklist_ticks (id, placement_id, child_id, template_kind, \
             template_version, item_key, state, ticked_by, ticked_at, received_at, mutation_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (id) DO NOTHING",
        )
        .bind(t.id.as_uuid())
        .bind(t.placement_id.as_uuid())
        .bind(t.child_id.as_uuid())
        .bind(serde_name(&t.template.kind))
        .bind(i32::try_from(t.template.version).unwrap_or(i32::MAX))
        .bind(t.item_key.as_str())
        .bind(serde_name(&t.state))
        .bind(t.by.as_uuid())
        .bind(t.ticked_at)
        .bind(Utc::now())
        .bind(mutation_id.map(|m| *m.as_uuid()))
        .execute(&mut *self.0)
        .await?
        .rows_affected();
        Ok(inserted == 1)
    }

    async fn published_template(
        &mut self,
        version: TemplateVersion,
    ) -> Result<Option<ChecklistTemplate>, DbError> {
        let data: Option<String> = sqlx::query_scalar(
            "SELECT data::text FROM checklist_templates WHERE kind = $1 AND version = $2",
        )
        .bind(serde_name(&version.kind))
        .bind(i32::try_from(version.version).unwrap_or(i32::MAX))
        .fetch_optional(&mut *self.0)
        .await?;
        data.map(|d| {
            serde_json::from_str(&d).map_err(|_| DbError::CorruptRow {
                table: "checklist_templates",
                reason: "undecodable template".into(),
            })
        })
        .transpose()
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

    async fn audit_entry_exists(&mut self, entry_id: Uuid) -> Result<bool, DbError> {
        let found: Option<i32> = sqlx::query_scalar("SELECT 1 FROM audit_log WHERE entry_id = $1")
            .bind(entry_id)
            .fetch_optional(&mut *self.0)
            .await?;
        Ok(found.is_some())
    }

    async fn bump_audit_head(&mut self) -> Result<(i64, String), DbError> {
        Ok(sqlx::query_as(
            "UPDATE audit_head SET last_seq = last_seq + 1 WHERE id = 1 RETURNING last_seq, hash",
        )
        .fetch_one(&mut *self.0)
        .await?)
    }

    async fn set_audit_head(&mut self, hash: &str) -> Result<(), DbError> {
        sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1")
            .bind(hash)
            .execute(&mut *self.0)
            .await?;
        Ok(())
    }

    async fn insert_audit(&mut self, row: &AuditRow) -> Result<(), DbError> {
        let e = &row.entry;
        sqlx::query(
            "INSERT INTO audit_log (seq, logged_at, occurred_at, user_id, role, units, child_id, \
             action, detail, device_id, session_id, offline, entry_id, prev_hash, hash) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
        )
        .bind(row.seq)
        .bind(row.logged_at)
        .bind(e.occurred_at)
        .bind(e.user_id.as_uuid())
        .bind(e.role.as_str())
        .bind(&e.units)
        .bind(e.child_id.as_uuid())
        .bind(e.action.as_str())
        .bind(&e.detail)
        .bind(e.device_id.map(|d| *d.as_uuid()))
        .bind(e.session_id.map(|d| *d.as_uuid()))
        .bind(e.offline)
        .bind(e.entry_id)
        .bind(&row.prev_hash)
        .bind(&row.hash)
        .execute(&mut *self.0)
        .await?;
        Ok(())
    }
}

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

type UserColumns = (Uuid, String, String, String, Option<String>, bool);

fn user_row(
    (id, username, display_name, role, password_hash, active): UserColumns,
) -> Result<UserRow, DbError> {
    Ok(UserRow {
        id: UserId::from_uuid(id),
        username,
        display_name,
        role: Role::parse(&role).ok_or_else(|| DbError::CorruptRow {
            table: "users",
            reason: format!("unknown role `{role}`"),
        })?,
        password_hash,
        active,
    })
}

type SessionColumns = (
    Uuid,
    Uuid,
    DateTime<Utc>,
    DateTime<Utc>,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
);

fn session_row(
    (id, user_id, access_expires_at, last_used_at, expires_at, revoked_at): SessionColumns,
) -> SessionRow {
    SessionRow {
        id: SessionId::from_uuid(id),
        user_id: UserId::from_uuid(user_id),
        access_expires_at,
        last_used_at,
        expires_at,
        revoked_at,
    }
}

const USER_COLUMNS: &str = "id, username, display_name, role, password_hash, active";
const SESSION_COLUMNS: &str =
    "id, user_id, access_expires_at, last_used_at, expires_at, revoked_at";

fn id_array(children: &[ChildId]) -> Vec<Uuid> {
    children.iter().map(|c| *c.as_uuid()).collect()
}

impl AccountStore for PgStore {
    async fn insert_unit(&self, id: UnitId, name: &str) -> Result<bool, DbError> {
        let n = sqlx::query("INSERT INTO units (id, name) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(id.as_uuid())
            .bind(name)
            .execute(&self.pool)
            .await?
            .rows_affected();
        Ok(n == 1)
    }

    async fn units(&self) -> Result<Vec<UnitSummary>, DbError> {
        let rows: Vec<(Uuid, String)> = sqlx::query_as("SELECT id, name FROM units ORDER BY name")
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .into_iter()
            .map(|(id, name)| UnitSummary {
                id: UnitId::from_uuid(id),
                name,
            })
            .collect())
    }

    async fn insert_user(&self, user: &UserRow, at: DateTime<Utc>) -> Result<bool, DbError> {
        let n = sqlx::query(
            "INSERT INTO users (id, username, display_name, role, password_hash, active, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
        )
        .bind(user.id.as_uuid())
        .bind(&user.username)
        .bind(&user.display_name)
        .bind(user.role.as_str())
        .bind(user.password_hash.as_deref())
        .bind(user.active)
        .bind(at)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(n == 1)
    }

    async fn add_user_unit(&self, user: UserId, unit: UnitId) -> Result<(), DbError> {
        sqlx::query(
            "INSERT INTO user_units (user_id, unit_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(user.as_uuid())
        .bind(unit.as_uuid())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn set_user_active(&self, user: UserId, active: bool) -> Result<bool, DbError> {
        let n = sqlx::query("UPDATE users SET active = $1 WHERE id = $2")
            .bind(active)
            .bind(user.as_uuid())
            .execute(&self.pool)
            .await?
            .rows_affected();
        Ok(n == 1)
    }

    async fn set_password_hash(&self, user: UserId, hash: &str) -> Result<bool, DbError> {
        let n = sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(hash)
            .bind(user.as_uuid())
            .execute(&self.pool)
            .await?
            .rows_affected();
        Ok(n == 1)
    }

    async fn set_child_unit(&self, child: ChildId, unit: UnitId) -> Result<bool, DbError> {
        let n = sqlx::query("UPDATE children SET unit_id = $1 WHERE id = $2")
            .bind(unit.as_uuid())
            .bind(child.as_uuid())
            .execute(&self.pool)
            .await?
            .rows_affected();
        Ok(n == 1)
    }

    async fn user_by_username(&self, username: &str) -> Result<Option<UserRow>, DbError> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE username = $1");
        let row: Option<UserColumns> = sqlx::query_as(&sql)
            .bind(username)
            .fetch_optional(&self.pool)
            .await?;
        row.map(user_row).transpose()
    }

    async fn user_by_id(&self, id: UserId) -> Result<Option<UserRow>, DbError> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
        let row: Option<UserColumns> = sqlx::query_as(&sql)
            .bind(id.as_uuid())
            .fetch_optional(&self.pool)
            .await?;
        row.map(user_row).transpose()
    }

    async fn users(&self) -> Result<Vec<UserRow>, DbError> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users ORDER BY username");
        let rows: Vec<UserColumns> = sqlx::query_as(&sql).fetch_all(&self.pool).await?;
        rows.into_iter().map(user_row).collect()
    }

    async fn colleagues_of(&self, user: UserId) -> Result<Vec<UserRow>, DbError> {
        let sql = format!(
            "SELECT {USER_COLUMNS} FROM users WHERE id IN \
             (SELECT theirs.user_id FROM user_units theirs \
              JOIN user_units mine ON mine.unit_id = theirs.unit_id WHERE mine.user_id = $1) \
             ORDER BY display_name, username"
        );
        let rows: Vec<UserColumns> = sqlx::query_as(&sql)
            .bind(user.as_uuid())
            .fetch_all(&self.pool)
            .await?;
        rows.into_iter().map(user_row).collect()
    }

    async fn units_of(&self, user: UserId) -> Result<Vec<UnitSummary>, DbError> {
        let rows: Vec<(Uuid, String)> = sqlx::query_as(
            "SELECT u.id, u.name FROM units u JOIN user_units uu ON uu.unit_id = u.id \
             WHERE uu.user_id = $1 ORDER BY u.name",
        )
        .bind(user.as_uuid())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, name)| UnitSummary {
                id: UnitId::from_uuid(id),
                name,
            })
            .collect())
    }

    async fn insert_access(&self, access: &NewAccess) -> Result<(), DbError> {
        sqlx::query(
            "INSERT INTO child_access (id, child_id, user_id, kind, granted_by, starts_at, ends_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(Uuid::new_v4())
        .bind(access.child_id.as_uuid())
        .bind(access.user_id.as_uuid())
        .bind(access.kind.as_str())
        .bind(access.granted_by.map(|u| *u.as_uuid()))
        .bind(access.starts_at)
        .bind(access.ends_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn end_access(
        &self,
        child: ChildId,
        user: UserId,
        at: DateTime<Utc>,
    ) -> Result<u64, DbError> {
        Ok(sqlx::query(
            "UPDATE child_access SET ends_at = $1 \
             WHERE child_id = $2 AND user_id = $3 AND (ends_at IS NULL OR ends_at > $1)",
        )
        .bind(at)
        .bind(child.as_uuid())
        .bind(user.as_uuid())
        .execute(&self.pool)
        .await?
        .rows_affected())
    }

    async fn access_of(&self, user: UserId) -> Result<Vec<AccessRow>, DbError> {
        let rows: Vec<(Uuid, DateTime<Utc>, Option<DateTime<Utc>>)> = sqlx::query_as(
            "SELECT child_id, starts_at, ends_at FROM child_access WHERE user_id = $1",
        )
        .bind(user.as_uuid())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(child, starts_at, ends_at)| AccessRow {
                child_id: ChildId::from_uuid(child),
                starts_at,
                ends_at,
            })
            .collect())
    }

    async fn unit_children(&self, user: UserId) -> Result<Vec<ChildId>, DbError> {
        let rows: Vec<Uuid> = sqlx::query_scalar(
            "SELECT c.id FROM children c JOIN user_units uu ON uu.unit_id = c.unit_id \
             WHERE uu.user_id = $1",
        )
        .bind(user.as_uuid())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(ChildId::from_uuid).collect())
    }

    async fn insert_session(&self, s: &NewSession) -> Result<(), DbError> {
        sqlx::query(
            "INSERT INTO sessions (id, user_id, device_label, access_hash, access_expires_at, \
             refresh_hash, created_at, last_used_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8)",
        )
        .bind(s.id.as_uuid())
        .bind(s.user_id.as_uuid())
        .bind(&s.device_label)
        .bind(&s.access_hash)
        .bind(s.access_expires_at)
        .bind(&s.refresh_hash)
        .bind(s.created_at)
        .bind(s.expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn session_by_access(&self, hash: &str) -> Result<Option<SessionRow>, DbError> {
        let sql = format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE access_hash = $1");
        let row: Option<SessionColumns> = sqlx::query_as(&sql)
            .bind(hash)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(session_row))
    }

    async fn session_by_refresh(&self, hash: &str) -> Result<Option<SessionRow>, DbError> {
        let sql = format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE refresh_hash = $1");
        let row: Option<SessionColumns> = sqlx::query_as(&sql)
            .bind(hash)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(session_row))
    }

    async fn rotate_session(
        &self,
        id: SessionId,
        old_refresh_hash: &str,
        access_hash: &str,
        access_expires_at: DateTime<Utc>,
        refresh_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, DbError> {
        let n = sqlx::query(
            "UPDATE sessions SET access_hash = $1, access_expires_at = $2, refresh_hash = $3, \
             last_used_at = $4 WHERE id = $5 AND refresh_hash = $6 AND revoked_at IS NULL",
        )
        .bind(access_hash)
        .bind(access_expires_at)
        .bind(refresh_hash)
        .bind(now)
        .bind(id.as_uuid())
        .bind(old_refresh_hash)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(n == 1)
    }

    async fn revoke_session(&self, id: SessionId, at: DateTime<Utc>) -> Result<bool, DbError> {
        let n =
            sqlx::query("UPDATE sessions SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
                .bind(at)
                .bind(id.as_uuid())
                .execute(&self.pool)
                .await?
                .rows_affected();
        Ok(n == 1)
    }

    async fn revoke_user_sessions(&self, user: UserId, at: DateTime<Utc>) -> Result<u64, DbError> {
        Ok(sqlx::query(
            "UPDATE sessions SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
        )
        .bind(at)
        .bind(user.as_uuid())
        .execute(&self.pool)
        .await?
        .rows_affected())
    }

    async fn sessions_of(&self, user: UserId) -> Result<Vec<SessionListRow>, DbError> {
        type Columns = (Uuid, String, DateTime<Utc>, DateTime<Utc>, DateTime<Utc>);
        let rows: Vec<Columns> = sqlx::query_as(
            "SELECT id, device_label, created_at, last_used_at, expires_at FROM sessions \
                 WHERE user_id = $1 AND revoked_at IS NULL ORDER BY created_at DESC",
        )
        .bind(user.as_uuid())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(id, device_label, created_at, last_used_at, expires_at)| SessionListRow {
                    id: SessionId::from_uuid(id),
                    device_label,
                    created_at,
                    last_used_at,
                    expires_at,
                },
            )
            .collect())
    }

    async fn changes_of(
        &self,
        children: &[ChildId],
        since: i64,
        limit: i64,
    ) -> Result<Vec<(i64, String, String)>, DbError> {
        Ok(sqlx::query_as(
            "SELECT seq, kind, data::text FROM changes \
             WHERE seq > $1 AND child_id = ANY($2) ORDER BY seq LIMIT $3",
        )
        .bind(since)
        .bind(id_array(children))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn count_changes_of(&self, children: &[ChildId], since: i64) -> Result<i64, DbError> {
        Ok(
            sqlx::query_scalar(
                "SELECT COUNT(*) FROM changes WHERE seq > $1 AND child_id = ANY($2)",
            )
            .bind(since)
            .bind(id_array(children))
            .fetch_one(&self.pool)
            .await?,
        )
    }
}

type AuditColumns = (
    i64,
    DateTime<Utc>,
    DateTime<Utc>,
    Uuid,
    String,
    String,
    Uuid,
    String,
    String,
    Option<Uuid>,
    Option<Uuid>,
    bool,
    Option<Uuid>,
    String,
    String,
);

const AUDIT_COLUMNS: &str = "a.seq, a.logged_at, a.occurred_at, a.user_id, a.role, a.units, \
    a.child_id, a.action, a.detail, a.device_id, a.session_id, a.offline, a.entry_id, \
    a.prev_hash, a.hash";

fn audit_row(c: AuditColumns) -> Result<AuditRow, DbError> {
    let (
        seq,
        logged_at,
        occurred_at,
        user,
        role,
        units,
        child,
        action,
        detail,
        device,
        session,
        offline,
        entry_id,
        prev_hash,
        hash,
    ) = c;
    Ok(AuditRow {
        seq,
        logged_at,
        entry: NewAuditEntry {
            occurred_at,
            user_id: UserId::from_uuid(user),
            role: Role::parse(&role).ok_or_else(|| DbError::CorruptRow {
                table: "audit_log",
                reason: format!("unknown role `{role}`"),
            })?,
            units,
            child_id: ChildId::from_uuid(child),
            action: match action.as_str() {
                "read" => AuditAction::Read,
                _ => AuditAction::Write,
            },
            detail,
            device_id: device.map(DeviceId::from_uuid),
            session_id: session.map(SessionId::from_uuid),
            offline,
            entry_id,
        },
        prev_hash,
        hash,
    })
}

impl AuditStore for PgStore {
    async fn audit_page(&self, after_seq: i64, limit: i64) -> Result<Vec<AuditRow>, DbError> {
        let sql = format!(
            "SELECT {AUDIT_COLUMNS} FROM audit_log a WHERE a.seq > $1 ORDER BY a.seq LIMIT $2"
        );
        let rows: Vec<AuditColumns> = sqlx::query_as(&sql)
            .bind(after_seq)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.into_iter().map(audit_row).collect()
    }

    async fn audit_head(&self) -> Result<(i64, String), DbError> {
        Ok(
            sqlx::query_as("SELECT last_seq, hash FROM audit_head WHERE id = 1")
                .fetch_one(&self.pool)
                .await?,
        )
    }

    async fn audit_find(&self, f: &AuditFilter) -> Result<Vec<(AuditRow, String)>, DbError> {
        let sql = format!(
            "SELECT {AUDIT_COLUMNS}, COALESCE(u.username, '') FROM audit_log a \
             LEFT JOIN users u ON u.id = a.user_id \
             WHERE a.child_id = ANY($1) \
             AND ($2::uuid IS NULL OR a.user_id = $2) AND ($3::uuid IS NULL OR a.child_id = $3) \
             AND ($4::timestamptz IS NULL OR a.occurred_at >= $4) \
             AND ($5::timestamptz IS NULL OR a.occurred_at < $5) \
             ORDER BY a.seq LIMIT $6"
        );
        let rows: Vec<sqlx::postgres::PgRow> = sqlx::query(&sql)
            .bind(id_array(&f.children))
            .bind(f.user.map(|u| *u.as_uuid()))
            .bind(f.child.map(|c| *c.as_uuid()))
            .bind(f.from)
            .bind(f.to)
            .bind(f.limit)
            .fetch_all(&self.pool)
            .await?;
        use sqlx::Row;
        rows.into_iter()
            .map(|r| {
                let columns: AuditColumns = sqlx::FromRow::from_row(&r)?;
                let username: String = r.try_get(15)?;
                Ok((audit_row(columns)?, username))
            })
            .collect()
    }

    async fn audit_purge(&self, before: DateTime<Utc>) -> Result<u64, DbError> {
        Ok(sqlx::query("DELETE FROM audit_log WHERE occurred_at < $1")
            .bind(before)
            .execute(&self.pool)
            .await?
            .rows_affected())
    }
}
