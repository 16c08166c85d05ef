//! SQLite backend: ids, dates and instants stored as ISO text, JSON values as
//! text. SQL only; what a mutation does is decided in `apply.rs`.

use super::accounts::{
    AccessRow, AccountStore, NewAccess, NewSession, SessionListRow, SessionRow, UserRow,
};
use super::apply::{Claim, WriteTx};
use super::audit::{AuditFilter, AuditRow, AuditStore, NewAuditEntry};
use super::rows::{
    fetch_i64, json_text, parse_uuid, serde_name, ChangeRow, ConflictRow, PlacementRow,
    StoredPlacement, COUNT_CHILDREN, LAST_SEQ, NEXT_SEQ,
};
use super::DbError;
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
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
use sqlx::query::Query;
use sqlx::sqlite::{
    SqliteArguments, SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions,
    SqliteSynchronous,
};
use sqlx::{Sqlite, Transaction};
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
pub struct SqliteStore {
    pub(crate) pool: SqlitePool,
    pub(crate) writer: SqlitePool,
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
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options.clone())
            .await?;
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(options)
            .await?;
        Ok(Self { pool, writer })
    }

    pub(super) async fn migrate(&self) -> Result<(), sqlx::migrate::MigrateError> {
        sqlx::migrate!("./migrations/sqlite")
            .run(&self.writer)
            .await
    }

    pub(super) async fn health(&self) -> Result<(), DbError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    pub(super) async fn close(&self) {
        self.pool.close().await;
        self.writer.close().await;
    }

    pub(super) async fn count(&self, table: &'static str) -> Result<i64, DbError> {
        let sql = format!("SELECT COUNT(*) FROM {table}");
        Ok(sqlx::query_scalar(&sql).fetch_one(&self.pool).await?)
    }

    /// A write transaction that holds the database lock from its start.
    pub(super) async fn begin_write(&self) -> Result<SqliteTx, DbError> {
        Ok(SqliteTx(self.writer.begin_with(BEGIN_WRITE).await?))
    }

    pub(super) async fn last_seq(&self) -> Result<i64, DbError> {
        fetch_i64(&self.pool, LAST_SEQ).await
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
        user_id: Option<UserId>,
        mutation_id: MutationId,
    ) -> Result<Claim, DbError> {
        let claimed = sqlx::query(
            "INSERT INTO applied_mutations (mutation_id, device_id, user_id, applied_at) \
             VALUES (?, ?, ?, ?) ON CONFLICT (mutation_id) DO NOTHING",
        )
        .bind(mutation_id.to_string())
        .bind(device_id.to_string())
        .bind(user_id.map(|u| u.to_string()))
        .bind(instant(Utc::now()))
        .execute(&mut *self.0)
        .await?
        .rows_affected();
        if claimed == 1 {
            return Ok(Claim::New);
        }
        let seq: Option<i64> =
            sqlx::query_scalar("SELECT seq FROM applied_mutations WHERE mutation_id = ?")
                .bind(mutation_id.to_string())
                .fetch_one(&mut *self.0)
                .await?;
        Ok(Claim::Before(seq))
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
        let columns = super::rows::VisitColumns::of(visit)?;
        let inserted = sqlx::query(
            "INSERT INTO visits (id, child_id, visit_date, visitor, talked_alone, note, \
             recorded_at, received_at, mutation_id, contact, visitor_role, place, \
             not_alone_reason, feedback_given, tools, signed_by, details) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
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
        .bind(columns.contact)
        .bind(columns.visitor_role)
        .bind(columns.place)
        .bind(columns.not_alone_reason)
        .bind(visit.feedback_given)
        .bind(columns.tools)
        .bind(visit.signed_by.map(|u| u.to_string()))
        .bind(columns.details)
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

    async fn placement_closed(&mut self, id: PlacementId) -> Result<bool, DbError> {
        let found: Option<String> =
            sqlx::query_scalar("SELECT id FROM placement_closings WHERE placement_id = ?")
                .bind(id.to_string())
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
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        )
        .bind(c.id.to_string())
        .bind(c.placement_id.to_string())
        .bind(c.child_id.to_string())
        .bind(c.end_date.to_string())
        .bind(serde_name(&c.kind))
        .bind(c.replacement)
        .bind(c.reason.as_ref().map(serde_name))
        .bind(c.signed_by.to_string())
        .bind(super::rows::closing_details(c)?)
        .bind(instant(Utc::now()))
        .bind(mutation_id.map(|m| m.to_string()))
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
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
        )
        .bind(t.id.to_string())
        .bind(t.placement_id.to_string())
        .bind(t.child_id.to_string())
        .bind(serde_name(&t.template.kind))
        .bind(i64::from(t.template.version))
        .bind(t.item_key.as_str())
        .bind(serde_name(&t.state))
        .bind(t.by.to_string())
        .bind(instant(t.ticked_at))
        .bind(instant(Utc::now()))
        .bind(mutation_id.map(|m| m.to_string()))
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
            "SELECT data FROM checklist_templates WHERE kind = ? AND version = ?",
        )
        .bind(serde_name(&version.kind))
        .bind(i64::from(version.version))
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

    async fn audit_entry_exists(&mut self, entry_id: uuid::Uuid) -> Result<bool, DbError> {
        let found: Option<i64> = sqlx::query_scalar("SELECT 1 FROM audit_log WHERE entry_id = ?")
            .bind(entry_id.to_string())
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
        sqlx::query("UPDATE audit_head SET hash = ? WHERE id = 1")
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
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(row.seq)
        .bind(instant(row.logged_at))
        .bind(instant(e.occurred_at))
        .bind(e.user_id.to_string())
        .bind(e.role.as_str())
        .bind(&e.units)
        .bind(e.child_id.to_string())
        .bind(e.action.as_str())
        .bind(&e.detail)
        .bind(e.device_id.map(|d| d.to_string()))
        .bind(e.session_id.map(|d| d.to_string()))
        .bind(e.offline)
        .bind(e.entry_id.map(|d| d.to_string()))
        .bind(&row.prev_hash)
        .bind(&row.hash)
        .execute(&mut *self.0)
        .await?;
        Ok(())
    }
}

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

fn parse_instant(table: &'static str, text: &str) -> Result<DateTime<Utc>, DbError> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| DbError::CorruptRow {
            table,
            reason: "an instant is not RFC 3339".into(),
        })
}

fn parse_opt_instant(
    table: &'static str,
    text: Option<&str>,
) -> Result<Option<DateTime<Utc>>, DbError> {
    text.map(|t| parse_instant(table, t)).transpose()
}

type UserColumns = (String, String, String, String, Option<String>, bool);

fn user_row(
    (id, username, display_name, role, password_hash, active): UserColumns,
) -> Result<UserRow, DbError> {
    Ok(UserRow {
        id: UserId::from_uuid(parse_uuid("users", &id)?),
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

type SessionColumns = (String, String, String, String, String, Option<String>);

fn session_row(
    (id, user_id, access_expires_at, last_used_at, expires_at, revoked_at): SessionColumns,
) -> Result<SessionRow, DbError> {
    const T: &str = "sessions";
    Ok(SessionRow {
        id: SessionId::from_uuid(parse_uuid(T, &id)?),
        user_id: UserId::from_uuid(parse_uuid(T, &user_id)?),
        access_expires_at: parse_instant(T, &access_expires_at)?,
        last_used_at: parse_instant(T, &last_used_at)?,
        expires_at: parse_instant(T, &expires_at)?,
        revoked_at: parse_opt_instant(T, revoked_at.as_deref())?,
    })
}

const USER_COLUMNS: &str = "id, username, display_name, role, password_hash, active";
const SESSION_COLUMNS: &str =
    "id, user_id, access_expires_at, last_used_at, expires_at, revoked_at";

/// A list of ids as one JSON array parameter, read back with `json_each`.
fn id_list(children: &[ChildId]) -> String {
    serde_json::to_string(children).unwrap_or_else(|_| "[]".into())
}

impl AccountStore for SqliteStore {
    async fn insert_unit(&self, id: UnitId, name: &str) -> Result<bool, DbError> {
        let n = sqlx::query("INSERT INTO units (id, name) VALUES (?, ?) ON CONFLICT DO NOTHING")
            .bind(id.to_string())
            .bind(name)
            .execute(&self.writer)
            .await?
            .rows_affected();
        Ok(n == 1)
    }

    async fn units(&self) -> Result<Vec<UnitSummary>, DbError> {
        let rows: Vec<(String, String)> =
            sqlx::query_as("SELECT id, name FROM units ORDER BY name")
                .fetch_all(&self.pool)
                .await?;
        rows.into_iter()
            .map(|(id, name)| {
                Ok(UnitSummary {
                    id: UnitId::from_uuid(parse_uuid("units", &id)?),
                    name,
                })
            })
            .collect()
    }

    async fn insert_user(&self, user: &UserRow, at: DateTime<Utc>) -> Result<bool, DbError> {
        let n = sqlx::query(
            "INSERT INTO users (id, username, display_name, role, password_hash, active, created_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        )
        .bind(user.id.to_string())
        .bind(&user.username)
        .bind(&user.display_name)
        .bind(user.role.as_str())
        .bind(user.password_hash.as_deref())
        .bind(user.active)
        .bind(instant(at))
        .execute(&self.writer)
        .await?
        .rows_affected();
        Ok(n == 1)
    }

    async fn add_user_unit(&self, user: UserId, unit: UnitId) -> Result<(), DbError> {
        sqlx::query(
            "INSERT INTO user_units (user_id, unit_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
        )
        .bind(user.to_string())
        .bind(unit.to_string())
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    async fn set_user_active(&self, user: UserId, active: bool) -> Result<bool, DbError> {
        let n = sqlx::query("UPDATE users SET active = ? WHERE id = ?")
            .bind(active)
            .bind(user.to_string())
            .execute(&self.writer)
            .await?
            .rows_affected();
        Ok(n == 1)
    }

    async fn set_password_hash(&self, user: UserId, hash: &str) -> Result<bool, DbError> {
        let n = sqlx::query("UPDATE users SET password_hash = ? WHERE id = ?")
            .bind(hash)
            .bind(user.to_string())
            .execute(&self.writer)
            .await?
            .rows_affected();
        Ok(n == 1)
    }

    async fn set_child_unit(&self, child: ChildId, unit: UnitId) -> Result<bool, DbError> {
        let n = sqlx::query("UPDATE children SET unit_id = ? WHERE id = ?")
            .bind(unit.to_string())
            .bind(child.to_string())
            .execute(&self.writer)
            .await?
            .rows_affected();
        Ok(n == 1)
    }

    async fn user_by_username(&self, username: &str) -> Result<Option<UserRow>, DbError> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE username = ?");
        let row: Option<UserColumns> = sqlx::query_as(&sql)
            .bind(username)
            .fetch_optional(&self.pool)
            .await?;
        row.map(user_row).transpose()
    }

    async fn user_by_id(&self, id: UserId) -> Result<Option<UserRow>, DbError> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = ?");
        let row: Option<UserColumns> = sqlx::query_as(&sql)
            .bind(id.to_string())
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
              JOIN user_units mine ON mine.unit_id = theirs.unit_id WHERE mine.user_id = ?) \
             ORDER BY display_name, username"
        );
        let rows: Vec<UserColumns> = sqlx::query_as(&sql)
            .bind(user.to_string())
            .fetch_all(&self.pool)
            .await?;
        rows.into_iter().map(user_row).collect()
    }

    async fn units_of(&self, user: UserId) -> Result<Vec<UnitSummary>, DbError> {
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT u.id, u.name FROM units u JOIN user_units uu ON uu.unit_id = u.id \
             WHERE uu.user_id = ? ORDER BY u.name",
        )
        .bind(user.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(id, name)| {
                Ok(UnitSummary {
                    id: UnitId::from_uuid(parse_uuid("units", &id)?),
                    name,
                })
            })
            .collect()
    }

    async fn insert_access(&self, access: &NewAccess) -> Result<(), DbError> {
        sqlx::query(
            "INSERT INTO child_access (id, child_id, user_id, kind, granted_by, starts_at, ends_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(uuid::Uuid::new_v4().to_string())
        .bind(access.child_id.to_string())
        .bind(access.user_id.to_string())
        .bind(access.kind.as_str())
        .bind(access.granted_by.map(|u| u.to_string()))
        .bind(instant(access.starts_at))
        .bind(access.ends_at.map(instant))
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    async fn end_access(
        &self,
        child: ChildId,
        user: UserId,
        at: DateTime<Utc>,
    ) -> Result<u64, DbError> {
        let at = instant(at);
        Ok(sqlx::query(
            "UPDATE child_access SET ends_at = ?1 \
             WHERE child_id = ?2 AND user_id = ?3 AND (ends_at IS NULL OR ends_at > ?1)",
        )
        .bind(&at)
        .bind(child.to_string())
        .bind(user.to_string())
        .execute(&self.writer)
        .await?
        .rows_affected())
    }

    async fn access_of(&self, user: UserId) -> Result<Vec<AccessRow>, DbError> {
        let rows: Vec<(String, String, Option<String>)> = sqlx::query_as(
            "SELECT child_id, starts_at, ends_at FROM child_access WHERE user_id = ?",
        )
        .bind(user.to_string())
        .fetch_all(&self.pool)
        .await?;
        const T: &str = "child_access";
        rows.into_iter()
            .map(|(child, starts, ends)| {
                Ok(AccessRow {
                    child_id: ChildId::from_uuid(parse_uuid(T, &child)?),
                    starts_at: parse_instant(T, &starts)?,
                    ends_at: parse_opt_instant(T, ends.as_deref())?,
                })
            })
            .collect()
    }

    async fn unit_children(&self, user: UserId) -> Result<Vec<ChildId>, DbError> {
        let rows: Vec<String> = sqlx::query_scalar(
            "SELECT c.id FROM children c JOIN user_units uu ON uu.unit_id = c.unit_id \
             WHERE uu.user_id = ?",
        )
        .bind(user.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|id| Ok(ChildId::from_uuid(parse_uuid("children", id)?)))
            .collect()
    }

    async fn insert_session(&self, s: &NewSession) -> Result<(), DbError> {
        sqlx::query(
            "INSERT INTO sessions (id, user_id, device_label, access_hash, access_expires_at, \
             refresh_hash, created_at, last_used_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(s.id.to_string())
        .bind(s.user_id.to_string())
        .bind(&s.device_label)
        .bind(&s.access_hash)
        .bind(instant(s.access_expires_at))
        .bind(&s.refresh_hash)
        .bind(instant(s.created_at))
        .bind(instant(s.created_at))
        .bind(instant(s.expires_at))
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    async fn session_by_access(&self, hash: &str) -> Result<Option<SessionRow>, DbError> {
        let sql = format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE access_hash = ?");
        let row: Option<SessionColumns> = sqlx::query_as(&sql)
            .bind(hash)
            .fetch_optional(&self.pool)
            .await?;
        row.map(session_row).transpose()
    }

    async fn session_by_refresh(&self, hash: &str) -> Result<Option<SessionRow>, DbError> {
        let sql = format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE refresh_hash = ?");
        let row: Option<SessionColumns> = sqlx::query_as(&sql)
            .bind(hash)
            .fetch_optional(&self.pool)
            .await?;
        row.map(session_row).transpose()
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
            "UPDATE sessions SET access_hash = ?, access_expires_at = ?, refresh_hash = ?, \
             last_used_at = ? WHERE id = ? AND refresh_hash = ? AND revoked_at IS NULL",
        )
        .bind(access_hash)
        .bind(instant(access_expires_at))
        .bind(refresh_hash)
        .bind(instant(now))
        .bind(id.to_string())
        .bind(old_refresh_hash)
        .execute(&self.writer)
        .await?
        .rows_affected();
        Ok(n == 1)
    }

    async fn revoke_session(&self, id: SessionId, at: DateTime<Utc>) -> Result<bool, DbError> {
        let n =
            sqlx::query("UPDATE sessions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL")
                .bind(instant(at))
                .bind(id.to_string())
                .execute(&self.writer)
                .await?
                .rows_affected();
        Ok(n == 1)
    }

    async fn revoke_user_sessions(&self, user: UserId, at: DateTime<Utc>) -> Result<u64, DbError> {
        Ok(sqlx::query(
            "UPDATE sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL",
        )
        .bind(instant(at))
        .bind(user.to_string())
        .execute(&self.writer)
        .await?
        .rows_affected())
    }

    async fn sessions_of(&self, user: UserId) -> Result<Vec<SessionListRow>, DbError> {
        let rows: Vec<(String, String, String, String, String)> = sqlx::query_as(
            "SELECT id, device_label, created_at, last_used_at, expires_at FROM sessions \
             WHERE user_id = ? AND revoked_at IS NULL ORDER BY created_at DESC",
        )
        .bind(user.to_string())
        .fetch_all(&self.pool)
        .await?;
        const T: &str = "sessions";
        rows.into_iter()
            .map(|(id, label, created, used, expires)| {
                Ok(SessionListRow {
                    id: SessionId::from_uuid(parse_uuid(T, &id)?),
                    device_label: label,
                    created_at: parse_instant(T, &created)?,
                    last_used_at: parse_instant(T, &used)?,
                    expires_at: parse_instant(T, &expires)?,
                })
            })
            .collect()
    }

    async fn changes_of(
        &self,
        children: &[ChildId],
        since: i64,
        limit: i64,
    ) -> Result<Vec<(i64, String, String)>, DbError> {
        Ok(sqlx::query_as(
            "SELECT seq, kind, data FROM changes \
             WHERE seq > ? AND child_id IN (SELECT value FROM json_each(?)) ORDER BY seq LIMIT ?",
        )
        .bind(since)
        .bind(id_list(children))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn count_changes_of(&self, children: &[ChildId], since: i64) -> Result<i64, DbError> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM changes \
             WHERE seq > ? AND child_id IN (SELECT value FROM json_each(?))",
        )
        .bind(since)
        .bind(id_list(children))
        .fetch_one(&self.pool)
        .await?)
    }
}

type AuditColumns = (
    i64,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    bool,
    Option<String>,
    String,
    String,
);

const AUDIT_COLUMNS: &str = "a.seq, a.logged_at, a.occurred_at, a.user_id, a.role, a.units, \
    a.child_id, a.action, a.detail, a.device_id, a.session_id, a.offline, a.entry_id, \
    a.prev_hash, a.hash";

fn audit_row(c: AuditColumns) -> Result<AuditRow, DbError> {
    const T: &str = "audit_log";
    let (
        seq,
        logged,
        occurred,
        user,
        role,
        units,
        child,
        action,
        detail,
        device,
        session,
        offline,
        entry,
        prev,
        hash,
    ) = c;
    let opt_uuid = |v: Option<String>| v.map(|s| parse_uuid(T, &s)).transpose();
    Ok(AuditRow {
        seq,
        logged_at: parse_instant(T, &logged)?,
        entry: NewAuditEntry {
            occurred_at: parse_instant(T, &occurred)?,
            user_id: UserId::from_uuid(parse_uuid(T, &user)?),
            role: Role::parse(&role).ok_or_else(|| DbError::CorruptRow {
                table: T,
                reason: format!("unknown role `{role}`"),
            })?,
            units,
            child_id: ChildId::from_uuid(parse_uuid(T, &child)?),
            action: match action.as_str() {
                "read" => AuditAction::Read,
                _ => AuditAction::Write,
            },
            detail,
            device_id: opt_uuid(device)?.map(DeviceId::from_uuid),
            session_id: opt_uuid(session)?.map(SessionId::from_uuid),
            offline,
            entry_id: opt_uuid(entry)?,
        },
        prev_hash: prev,
        hash,
    })
}

impl AuditStore for SqliteStore {
    async fn audit_page(&self, after_seq: i64, limit: i64) -> Result<Vec<AuditRow>, DbError> {
        let sql = format!(
            "SELECT {AUDIT_COLUMNS} FROM audit_log a WHERE a.seq > ? ORDER BY a.seq LIMIT ?"
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
             WHERE a.child_id IN (SELECT value FROM json_each(?1)) \
             AND (?2 IS NULL OR a.user_id = ?2) AND (?3 IS NULL OR a.child_id = ?3) \
             AND (?4 IS NULL OR a.occurred_at >= ?4) AND (?5 IS NULL OR a.occurred_at < ?5) \
             ORDER BY a.seq LIMIT ?6"
        );
        let rows: Vec<sqlx::sqlite::SqliteRow> = sqlx::query(&sql)
            .bind(id_list(&f.children))
            .bind(f.user.map(|u| u.to_string()))
            .bind(f.child.map(|c| c.to_string()))
            .bind(f.from.map(instant))
            .bind(f.to.map(instant))
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
        Ok(sqlx::query("DELETE FROM audit_log WHERE occurred_at < ?")
            .bind(instant(before))
            .execute(&self.writer)
            .await?
            .rows_affected())
    }
}
