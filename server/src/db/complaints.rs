//! The register of complaints and the children's messages (see
//! docs/complaints.md). Every write by staff appends its audit entry in the
//! same transaction; the route logs reads. A child's message is stored with
//! only the SHA-256 of its receipt code.

use super::audit::{self, Who};
use super::column::{FromRow, IdList, Row};
use super::rows::{from_serde_name, serde_name};
use super::statement::Stmt;
use super::{timed, Database, DbError};
use chrono::{DateTime, NaiveDate, Utc};
use shared::audit::AuditAction;
use shared::complaints::{
    Channel, ChildMessage, Complaint, ComplaintStatus, ComplaintUpdate, MessageStatus,
    NewComplaint, TabletMessage,
};
use shared::{ChildId, UnitId, UserId};
use uuid::Uuid;

const COLUMNS: &str = "id, revision, received_on, source, kind, channel, text, from_name, \
    reach, unit_id, status, responsible, answer, answered_on, due_on, child_id, home_id, \
    code_hash, recorded_by, updated_by, updated_at";

impl FromRow for Complaint {
    fn from_row(row: &Row) -> Result<Self, DbError> {
        let name = |col: &'static str| -> Result<String, DbError> { row.get::<String>(col) };
        Ok(Self {
            id: row.get("id")?,
            revision: row.get("revision")?,
            received_on: row.get("received_on")?,
            source: from_serde_name("complaints", &name("source")?)?,
            kind: from_serde_name("complaints", &name("kind")?)?,
            channel: from_serde_name("complaints", &name("channel")?)?,
            text: row.get("text")?,
            from_name: row.get("from_name")?,
            reach: row.get("reach")?,
            unit_id: row.get("unit_id")?,
            status: from_serde_name("complaints", &name("status")?)?,
            responsible: row.get("responsible")?,
            answer: row.get("answer")?,
            answered_on: row.get("answered_on")?,
            due_on: row.get("due_on")?,
            child_id: row.get("child_id")?,
            home_id: row.get("home_id")?,
            has_code: row.get::<Option<String>>("code_hash")?.is_some(),
            recorded_by: row.get("recorded_by")?,
            updated_by: row.get("updated_by")?,
            updated_at: row.get("updated_at")?,
        })
    }
}

/// The audit entry of a read or write of complaint `id`: about its child
/// when it is linked to one, else about no child (the nil id).
pub fn audit_entry(
    who: &Who,
    id: Uuid,
    child: Option<ChildId>,
    action: AuditAction,
    verb: &str,
) -> audit::NewAuditEntry {
    let child = child.unwrap_or(ChildId::from_uuid(Uuid::nil()));
    who.entry(child, action, &format!("complaint_{verb}:{id}"))
}

/// The flood guard's caps on children's messages from the public page.
#[derive(Clone, Copy, Debug)]
pub struct FloodCaps {
    /// Public messages not yet taken up (status `new`).
    pub max_unhandled: u32,
    /// Public messages received since midnight (Swedish time).
    pub max_per_day: u32,
}

/// What became of a child's message.
#[derive(Debug, PartialEq, Eq)]
pub enum MessageStored {
    Stored,
    /// The flood guard refused it: nothing was written.
    Busy,
    /// Another message has that code's hash (one in 2^45): draw again.
    CodeTaken,
}

/// Who may see which complaints: the caller's units (and then also those
/// in no unit yet) and those the caller is responsible for.
#[derive(Clone, Debug, Default)]
pub struct ComplaintScope {
    pub units: Vec<UnitId>,
    pub unassigned: bool,
    pub responsible: Option<UserId>,
}

impl super::statement::Tx {
    /// Stores a child's message from a tablet (a `leave_message` mutation);
    /// `false` when its id or its code's hash is taken.
    pub(crate) async fn insert_tablet_message(
        &mut self,
        message: &TabletMessage,
        checked: &ChildMessage,
        received_on: NaiveDate,
        by: Option<UserId>,
        now: DateTime<Utc>,
    ) -> Result<bool, DbError> {
        let taken: Option<Uuid> =
            Stmt::new("SELECT id FROM complaints WHERE id = $1 OR code_hash = $2")
                .bind(message.id)
                .bind(message.code_hash.as_str())
                .optional(&mut *self)
                .await?;
        if taken.is_some() {
            return Ok(false);
        }
        Stmt::new(
            "INSERT INTO complaints (id, revision, received_on, received_at, source, kind, \
             channel, text, from_name, reach, unit_id, status, responsible, answer, \
             answered_on, due_on, child_id, home_id, code_hash, recorded_by, updated_by, \
             updated_at) VALUES ($1, 1, $2, $3, 'child', $4, 'tablet', $5, $6, $7, NULL, 'new', \
             NULL, NULL, NULL, $8, NULL, NULL, $9, $10, NULL, $3)",
        )
        .bind(message.id)
        .bind(received_on)
        .bind(now)
        .bind(serde_name(&checked.kind))
        .bind(checked.text.as_str())
        .bind(checked.name.as_deref())
        .bind(checked.reach.as_deref())
        .bind(shared::complaints::default_due(received_on))
        .bind(message.code_hash.as_str())
        .bind(by)
        .execute(&mut *self)
        .await?;
        Ok(true)
    }
}

impl Database {
    /// Stores a child's message with the hash of its code, if the flood
    /// guard lets it: the counts and the insert are one write transaction.
    pub async fn store_child_message(
        &self,
        message: &ChildMessage,
        code_hash: &str,
        channel: Channel,
        caps: FloodCaps,
        now: DateTime<Utc>,
    ) -> Result<MessageStored, DbError> {
        timed(async {
            let mut tx = self.pool.begin_write().await?;
            let today = shared::sweden::date_at(now);
            let day_start = shared::sweden::start_of(today).unwrap_or(now);
            if channel == Channel::Public {
                let unhandled: i64 = Stmt::new(
                    "SELECT COUNT(*) FROM complaints WHERE channel = 'public' AND status = 'new'",
                )
                .one(&mut tx)
                .await?;
                let today_count: i64 = Stmt::new(
                    "SELECT COUNT(*) FROM complaints WHERE channel = 'public' \
                     AND received_at >= $1",
                )
                .bind(day_start)
                .one(&mut tx)
                .await?;
                if unhandled >= i64::from(caps.max_unhandled)
                    || today_count >= i64::from(caps.max_per_day)
                {
                    tx.rollback().await?;
                    return Ok(MessageStored::Busy);
                }
            }
            let taken: Option<Uuid> = Stmt::new("SELECT id FROM complaints WHERE code_hash = $1")
                .bind(code_hash)
                .optional(&mut tx)
                .await?;
            if taken.is_some() {
                tx.rollback().await?;
                return Ok(MessageStored::CodeTaken);
            }
            Stmt::new(
                "INSERT INTO complaints (id, revision, received_on, received_at, source, kind, \
                 channel, text, from_name, reach, unit_id, status, responsible, answer, \
                 answered_on, due_on, child_id, home_id, code_hash, recorded_by, updated_by, \
                 updated_at) VALUES ($1, 1, $2, $3, 'child', $4, $5, $6, $7, $8, NULL, 'new', \
                 NULL, NULL, NULL, $9, NULL, NULL, $10, NULL, NULL, $3)",
            )
            .bind(Uuid::new_v4())
            .bind(today)
            .bind(now)
            .bind(serde_name(&message.kind))
            .bind(serde_name(&channel))
            .bind(message.text.as_str())
            .bind(message.name.as_deref())
            .bind(message.reach.as_deref())
            .bind(shared::complaints::default_due(today))
            .bind(code_hash)
            .execute(&mut tx)
            .await?;
            tx.commit().await?;
            Ok(MessageStored::Stored)
        })
        .await
    }

    /// What the child may read with the code whose hash is `code_hash`.
    pub async fn message_status(&self, code_hash: &str) -> Result<Option<MessageStatus>, DbError> {
        let row: Option<Complaint> = Stmt::new(concat_columns())
            .bind(code_hash)
            .optional(&self.pool)
            .await?;
        Ok(row.map(|c| {
            // The answer is shown once it is given, not while it is drafted.
            let answered = matches!(
                c.status,
                ComplaintStatus::Answered | ComplaintStatus::Closed
            );
            MessageStatus {
                status: c.status,
                received_on: c.received_on,
                answer: c.answer.filter(|_| answered),
                answered_on: c.answered_on.filter(|_| answered),
            }
        }))
    }

    /// Records a complaint; its audit entry in the same transaction.
    pub async fn record_complaint(
        &self,
        new: &NewComplaint,
        responsible: Option<UserId>,
        who: &Who,
        now: DateTime<Utc>,
    ) -> Result<Complaint, DbError> {
        let id = Uuid::new_v4();
        timed(async {
            let mut tx = self.pool.begin_write().await?;
            Stmt::new(
                "INSERT INTO complaints (id, revision, received_on, received_at, source, kind, \
                 channel, text, from_name, reach, unit_id, status, responsible, answer, \
                 answered_on, due_on, child_id, home_id, code_hash, recorded_by, updated_by, \
                 updated_at) VALUES ($1, 1, $2, $3, $4, $5, 'staff', $6, $7, $8, $9, 'new', \
                 $10, NULL, NULL, $11, $12, $13, NULL, $14, $14, $3)",
            )
            .bind(id)
            .bind(new.received_on)
            .bind(now)
            .bind(serde_name(&new.source))
            .bind(serde_name(&new.kind))
            .bind(new.text.as_str())
            .bind(new.from_name.as_deref())
            .bind(new.reach.as_deref())
            .bind(new.unit_id)
            .bind(responsible)
            .bind(
                new.due_on
                    .unwrap_or_else(|| shared::complaints::default_due(new.received_on)),
            )
            .bind(new.child_id)
            .bind(new.home_id)
            .bind(who.user_id)
            .execute(&mut tx)
            .await?;
            audit::append(
                &mut tx,
                &[audit_entry(
                    who,
                    id,
                    new.child_id,
                    AuditAction::Write,
                    "record",
                )],
            )
            .await?;
            tx.commit().await?;
            Ok(())
        })
        .await?;
        self.complaint(id).await?.ok_or(DbError::CorruptRow {
            table: "complaints",
            reason: "a complaint just recorded is missing".into(),
        })
    }

    pub async fn complaint(&self, id: Uuid) -> Result<Option<Complaint>, DbError> {
        Stmt::new(concat_by_id())
            .bind(id)
            .optional(&self.pool)
            .await
    }

    /// The complaints `scope` covers, newest first.
    pub async fn complaints(&self, scope: &ComplaintScope) -> Result<Vec<Complaint>, DbError> {
        Stmt::new(concat_scope())
            .bind(IdList(&scope.units))
            .bind(scope.unassigned)
            .bind(scope.responsible)
            .all(&self.pool)
            .await
    }

    /// Changes the handling fields if the complaint is still at
    /// `update.revision`; `Ok(None)` when it is not (stale) or gone. The
    /// audit entry goes in the same transaction.
    pub async fn update_complaint(
        &self,
        id: Uuid,
        update: &ComplaintUpdate,
        answered_on: Option<NaiveDate>,
        who: &Who,
        now: DateTime<Utc>,
    ) -> Result<Option<Complaint>, DbError> {
        let updated = timed(async {
            let mut tx = self.pool.begin_write().await?;
            let changed = Stmt::new(
                "UPDATE complaints SET revision = revision + 1, status = $3, unit_id = $4, \
                 responsible = $5, answer = $6, answered_on = $7, due_on = $8, child_id = $9, \
                 home_id = $10, updated_by = $11, updated_at = $12 \
                 WHERE id = $1 AND revision = $2",
            )
            .bind(id)
            .bind(update.revision)
            .bind(serde_name(&update.status))
            .bind(update.unit_id)
            .bind(update.responsible)
            .bind(update.answer.as_deref())
            .bind(answered_on)
            .bind(update.due_on)
            .bind(update.child_id)
            .bind(update.home_id)
            .bind(who.user_id)
            .bind(now)
            .execute(&mut tx)
            .await?;
            if changed != 1 {
                tx.rollback().await?;
                return Ok(false);
            }
            audit::append(
                &mut tx,
                &[audit_entry(
                    who,
                    id,
                    update.child_id,
                    AuditAction::Write,
                    "update",
                )],
            )
            .await?;
            tx.commit().await?;
            Ok(true)
        })
        .await?;
        if updated {
            self.complaint(id).await
        } else {
            Ok(None)
        }
    }

    /// The unit of home `home`, if it exists.
    pub async fn home_unit(&self, home: shared::HomeId) -> Result<Option<UnitId>, DbError> {
        Stmt::new("SELECT unit_id FROM homes WHERE id = $1")
            .bind(home)
            .optional(&self.pool)
            .await
    }

    /// Whether `user` is an active member of `unit`.
    pub async fn is_unit_member(&self, user: UserId, unit: UnitId) -> Result<bool, DbError> {
        let found: Option<UserId> = Stmt::new(
            "SELECT uu.user_id FROM user_units uu JOIN users u ON u.id = uu.user_id \
             WHERE uu.user_id = $1 AND uu.unit_id = $2 AND u.active",
        )
        .bind(user)
        .bind(unit)
        .optional(&self.pool)
        .await?;
        Ok(found.is_some())
    }
}

// `Stmt::new` takes a `&'static str`: the statements are built from
// `COLUMNS` once.
fn concat_columns() -> &'static str {
    static SQL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SQL.get_or_init(|| format!("SELECT {COLUMNS} FROM complaints WHERE code_hash = $1"))
}

fn concat_by_id() -> &'static str {
    static SQL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SQL.get_or_init(|| format!("SELECT {COLUMNS} FROM complaints WHERE id = $1"))
}

fn concat_scope() -> &'static str {
    static SQL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SQL.get_or_init(|| {
        format!(
            "SELECT {COLUMNS} FROM complaints WHERE unit_id = ANY($1) \
             OR ($2 AND unit_id IS NULL) OR responsible = $3 \
             ORDER BY received_on DESC, received_at DESC, id"
        )
    })
}
