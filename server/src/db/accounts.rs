//! Users, units, sessions and access to children: the statements. What a
//! row means (is a session still valid, which children a role sees) is
//! decided in `crate::auth` and `crate::access`.

use super::audit::Who;
use super::column::{FromRow, Row, TextList};
use super::statement::{Stmt, Tx};
use super::{Database, DbError};
use chrono::{DateTime, Utc};
use shared::audit::AuditAction;
use shared::auth::{Role, UnitSummary};
use shared::{ChildId, SessionId, UnitId, UserId};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserRow {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub password_hash: Option<String>,
    pub active: bool,
}

/// How a user came to see a child.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccessKind {
    /// The child is on the user's caseload.
    Assigned,
    /// A colleague's temporary cover, granted by a group leader.
    Granted,
}

impl AccessKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Assigned => "assigned",
            Self::Granted => "granted",
        }
    }
}

/// One row of `child_access`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccessRow {
    pub child_id: ChildId,
    pub starts_at: DateTime<Utc>,
    pub ends_at: Option<DateTime<Utc>>,
}

#[derive(Clone, Debug)]
pub struct NewAccess {
    pub child_id: ChildId,
    pub user_id: UserId,
    pub kind: AccessKind,
    pub granted_by: Option<UserId>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: Option<DateTime<Utc>>,
}

#[derive(Clone, Debug)]
pub struct NewSession {
    pub id: SessionId,
    pub user_id: UserId,
    pub device_label: String,
    pub access_hash: String,
    pub access_expires_at: DateTime<Utc>,
    pub refresh_hash: String,
    pub check_hash: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// A session as its user lists them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionListRow {
    pub id: SessionId,
    pub device_label: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionRow {
    pub id: SessionId,
    pub user_id: UserId,
    pub access_expires_at: DateTime<Utc>,
    pub last_used_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

macro_rules! user_columns {
    () => {
        "id, username, display_name, role, password_hash, active"
    };
}
pub(crate) use user_columns;

pub(crate) fn role(row: &Row, table: &'static str) -> Result<Role, DbError> {
    let name: String = row.get("role")?;
    Role::parse(&name).ok_or_else(|| DbError::CorruptRow {
        table,
        reason: format!("unknown role `{name}`"),
    })
}

impl FromRow for UserRow {
    fn from_row(row: &Row) -> Result<Self, DbError> {
        Ok(Self {
            id: row.get("id")?,
            username: row.get("username")?,
            display_name: row.get("display_name")?,
            role: role(row, "users")?,
            password_hash: row.get("password_hash")?,
            active: row.get("active")?,
        })
    }
}

struct CardRow(shared::children::CardDetails);

impl FromRow for CardRow {
    fn from_row(row: &Row) -> Result<Self, DbError> {
        Ok(Self(shared::children::CardDetails {
            phone: row.get("phone")?,
            email: row.get("email")?,
            hours: row.get("hours")?,
        }))
    }
}

impl FromRow for UnitSummary {
    fn from_row(row: &Row) -> Result<Self, DbError> {
        Ok(Self {
            id: row.get("id")?,
            name: row.get("name")?,
        })
    }
}

impl FromRow for AccessRow {
    fn from_row(row: &Row) -> Result<Self, DbError> {
        Ok(Self {
            child_id: row.get("child_id")?,
            starts_at: row.get("starts_at")?,
            ends_at: row.get("ends_at")?,
        })
    }
}

macro_rules! session_columns {
    () => {
        "id, user_id, access_expires_at, last_used_at, expires_at, revoked_at"
    };
}

impl FromRow for SessionRow {
    fn from_row(row: &Row) -> Result<Self, DbError> {
        Ok(Self {
            id: row.get("id")?,
            user_id: row.get("user_id")?,
            access_expires_at: row.get("access_expires_at")?,
            last_used_at: row.get("last_used_at")?,
            expires_at: row.get("expires_at")?,
            revoked_at: row.get("revoked_at")?,
        })
    }
}

/// What the access policy needs to know about the caller behind an access
/// token: the session, the user, their units, their access to children and
/// their units' children. Read in one statement (see [`Database::caller`]).
#[derive(Clone, Debug)]
pub struct CallerRecord {
    pub session: SessionRow,
    pub user: UserRow,
    pub units: Vec<UnitSummary>,
    pub access: Vec<AccessRow>,
    pub unit_children: Vec<ChildId>,
}

impl FromRow for SessionListRow {
    fn from_row(row: &Row) -> Result<Self, DbError> {
        Ok(Self {
            id: row.get("id")?,
            device_label: row.get("device_label")?,
            created_at: row.get("created_at")?,
            last_used_at: row.get("last_used_at")?,
            expires_at: row.get("expires_at")?,
        })
    }
}

/// One row of [`Database::caller`].
enum CallerRow {
    Session(SessionRow, UserRow),
    Unit(UnitSummary),
    Access(AccessRow),
    UnitChild(ChildId),
}

impl FromRow for CallerRow {
    fn from_row(row: &Row) -> Result<Self, DbError> {
        let part: String = row.get("part")?;
        Ok(match part.as_str() {
            "session" => {
                let user_id = row.get("user_id")?;
                Self::Session(
                    SessionRow {
                        id: row.get("id")?,
                        user_id,
                        access_expires_at: row.get("at1")?,
                        last_used_at: row.get("at2")?,
                        expires_at: row.get("at3")?,
                        revoked_at: row.get("at4")?,
                    },
                    UserRow {
                        id: user_id,
                        username: row.get("name")?,
                        display_name: row.get("display_name")?,
                        role: role(row, "users")?,
                        password_hash: None,
                        active: row.get("active")?,
                    },
                )
            }
            "unit" => Self::Unit(UnitSummary {
                id: row.get("id")?,
                name: row.get("name")?,
            }),
            "access" => Self::Access(AccessRow {
                child_id: row.get("id")?,
                starts_at: row.get("at1")?,
                ends_at: row.get("at2")?,
            }),
            _ => Self::UnitChild(row.get("id")?),
        })
    }
}

impl Database {
    /// `false` when a unit with that id exists.
    pub async fn insert_unit(&self, id: UnitId, name: &str) -> Result<bool, DbError> {
        let n = Stmt::new("INSERT INTO units (id, name) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(id)
            .bind(name)
            .execute(&self.pool)
            .await?;
        Ok(n == 1)
    }

    pub async fn units(&self) -> Result<Vec<UnitSummary>, DbError> {
        Stmt::new("SELECT id, name FROM units ORDER BY name")
            .all(&self.pool)
            .await
    }

    /// `false` when the user name is taken.
    pub async fn insert_user(&self, user: &UserRow) -> Result<bool, DbError> {
        let n = Stmt::new(
            "INSERT INTO users (id, username, display_name, role, password_hash, active, \
             created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
        )
        .bind(user.id)
        .bind(&user.username)
        .bind(&user.display_name)
        .bind(user.role.as_str())
        .bind(user.password_hash.as_deref())
        .bind(user.active)
        .bind(Utc::now())
        .execute(&self.pool)
        .await?;
        Ok(n == 1)
    }

    pub async fn add_user_unit(&self, user: UserId, unit: UnitId) -> Result<(), DbError> {
        Stmt::new(
            "INSERT INTO user_units (user_id, unit_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(user)
        .bind(unit)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Deactivating a user also ends every session of theirs, so that each of
    /// their devices wipes its data when it next reaches the server.
    pub async fn set_user_active(&self, user: UserId, active: bool) -> Result<bool, DbError> {
        let n = Stmt::new("UPDATE users SET active = $1 WHERE id = $2")
            .bind(active)
            .bind(user)
            .execute(&self.pool)
            .await?;
        if !active {
            self.revoke_user_sessions(user).await?;
        }
        Ok(n == 1)
    }

    pub async fn set_password_hash(&self, user: UserId, hash: &str) -> Result<bool, DbError> {
        let n = Stmt::new("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(hash)
            .bind(user)
            .execute(&self.pool)
            .await?;
        Ok(n == 1)
    }

    pub async fn set_child_unit(&self, child: ChildId, unit: UnitId) -> Result<bool, DbError> {
        let n = Stmt::new("UPDATE children SET unit_id = $1 WHERE id = $2")
            .bind(unit)
            .bind(child)
            .execute(&self.pool)
            .await?;
        Ok(n == 1)
    }

    pub async fn user_by_username(&self, username: &str) -> Result<Option<UserRow>, DbError> {
        Stmt::new(concat!(
            "SELECT ",
            user_columns!(),
            " FROM users WHERE username = $1"
        ))
        .bind(username)
        .optional(&self.pool)
        .await
    }

    pub async fn user_by_id(&self, id: UserId) -> Result<Option<UserRow>, DbError> {
        Stmt::new(concat!(
            "SELECT ",
            user_columns!(),
            " FROM users WHERE id = $1"
        ))
        .bind(id)
        .optional(&self.pool)
        .await
    }

    pub async fn users(&self) -> Result<Vec<UserRow>, DbError> {
        Stmt::new(concat!(
            "SELECT ",
            user_columns!(),
            " FROM users ORDER BY username"
        ))
        .all(&self.pool)
        .await
    }

    pub async fn units_of(&self, user: UserId) -> Result<Vec<UnitSummary>, DbError> {
        Stmt::new(
            "SELECT u.id, u.name FROM units u JOIN user_units uu ON uu.unit_id = u.id \
             WHERE uu.user_id = $1 ORDER BY u.name",
        )
        .bind(user)
        .all(&self.pool)
        .await
    }

    /// The contact details `user` keeps for children ("Min socialsekreterare").
    pub async fn worker_card(
        &self,
        user: UserId,
    ) -> Result<shared::children::CardDetails, DbError> {
        Ok(
            Stmt::new("SELECT phone, email, hours FROM worker_cards WHERE user_id = $1")
                .bind(user)
                .optional::<CardRow>(&self.pool)
                .await?
                .map(|row| row.0)
                .unwrap_or_default(),
        )
    }

    pub async fn save_worker_card(
        &self,
        user: UserId,
        card: &shared::children::CardDetails,
    ) -> Result<(), DbError> {
        Stmt::new(
            "INSERT INTO worker_cards (user_id, phone, email, hours, updated_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (user_id) DO UPDATE SET \
             phone = excluded.phone, email = excluded.email, hours = excluded.hours, \
             updated_at = excluded.updated_at",
        )
        .bind(user)
        .bind(card.phone.as_deref())
        .bind(card.email.as_deref())
        .bind(card.hours.as_deref())
        .bind(chrono::Utc::now())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Everyone who shares a unit with `user`, `user` included.
    pub async fn colleagues_of(&self, user: UserId) -> Result<Vec<UserRow>, DbError> {
        Stmt::new(concat!(
            "SELECT ",
            user_columns!(),
            " FROM users WHERE id IN \
             (SELECT theirs.user_id FROM user_units theirs \
              JOIN user_units mine ON mine.unit_id = theirs.unit_id WHERE mine.user_id = $1) \
             ORDER BY display_name, username"
        ))
        .bind(user)
        .all(&self.pool)
        .await
    }

    /// Records an access (an assignment or a cover), and who gave it in the
    /// audit log, in one transaction.
    pub async fn insert_access(&self, access: &NewAccess, by: &Who) -> Result<(), DbError> {
        let mut tx = self.pool.begin_write().await?;
        tx.insert_access(access, by).await?;
        tx.commit().await
    }

    /// Puts `child` on `user`'s caseload from now on.
    pub async fn assign_child(
        &self,
        child: ChildId,
        user: UserId,
        by: &Who,
    ) -> Result<(), DbError> {
        self.insert_access(
            &NewAccess {
                child_id: child,
                user_id: user,
                kind: AccessKind::Assigned,
                granted_by: None,
                starts_at: Utc::now(),
                ends_at: None,
            },
            by,
        )
        .await
    }

    /// Ends `user`'s access of `kind` (or of any kind) to `child` now,
    /// logged; returns how many rows ended.
    pub async fn end_access(
        &self,
        child: ChildId,
        user: UserId,
        kind: Option<AccessKind>,
        by: &Who,
    ) -> Result<u64, DbError> {
        let mut tx = self.pool.begin_write().await?;
        let n = tx.end_access(child, user, kind, by).await?;
        tx.commit().await?;
        Ok(n)
    }

    /// Ends `user`'s access to `child` now; returns how many rows ended.
    pub async fn unassign_child(
        &self,
        child: ChildId,
        user: UserId,
        by: &Who,
    ) -> Result<u64, DbError> {
        self.end_access(child, user, None, by).await
    }

    /// The unit a child belongs to.
    pub async fn child_unit(&self, child: ChildId) -> Result<Option<UnitId>, DbError> {
        Stmt::new("SELECT unit_id FROM children WHERE id = $1")
            .bind(child)
            .optional::<Option<UnitId>>(&self.pool)
            .await
            .map(Option::flatten)
    }

    /// Takes `user` out of `unit`; `false` if they were not in it.
    pub async fn remove_user_unit(&self, user: UserId, unit: UnitId) -> Result<bool, DbError> {
        let n = Stmt::new("DELETE FROM user_units WHERE user_id = $1 AND unit_id = $2")
            .bind(user)
            .bind(unit)
            .execute(&self.pool)
            .await?;
        Ok(n == 1)
    }

    pub async fn set_user_role(&self, user: UserId, role: Role) -> Result<bool, DbError> {
        let n = Stmt::new("UPDATE users SET role = $1 WHERE id = $2")
            .bind(role.as_str())
            .bind(user)
            .execute(&self.pool)
            .await?;
        Ok(n == 1)
    }

    /// Everything about the caller behind the access token whose hash is
    /// `access_hash`, in one round trip: each part of [`CallerRecord`] comes
    /// as rows of its own kind (the session's row first, which types the
    /// columns for PostgreSQL). The units' children are read only for a user
    /// whose role is one of `unit_roles` (the access policy says which).
    pub async fn caller(
        &self,
        access_hash: &str,
        unit_roles: &[Role],
    ) -> Result<Option<CallerRecord>, DbError> {
        let rows: Vec<CallerRow> = Stmt::new(
            "SELECT 'session' AS part, s.id AS id, u.id AS user_id, u.username AS name, \
                    u.display_name AS display_name, u.role AS role, u.active AS active, \
                    s.access_expires_at AS at1, s.last_used_at AS at2, s.expires_at AS at3, \
                    s.revoked_at AS at4 \
             FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.access_hash = $1 \
             UNION ALL \
             SELECT 'unit', un.id, NULL, un.name, NULL, NULL, NULL, NULL, NULL, NULL, NULL \
             FROM sessions s JOIN user_units uu ON uu.user_id = s.user_id \
             JOIN units un ON un.id = uu.unit_id WHERE s.access_hash = $1 \
             UNION ALL \
             SELECT 'access', a.child_id, NULL, NULL, NULL, NULL, NULL, a.starts_at, a.ends_at, \
                    NULL, NULL \
             FROM sessions s JOIN child_access a ON a.user_id = s.user_id \
             WHERE s.access_hash = $1 \
             UNION ALL \
             SELECT 'unit_child', c.id, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL \
             FROM sessions s JOIN users u ON u.id = s.user_id \
             JOIN user_units uu ON uu.user_id = s.user_id \
             JOIN children c ON c.unit_id = uu.unit_id \
             WHERE s.access_hash = $1 AND u.role = ANY($2)",
        )
        .bind(access_hash)
        .bind(TextList(
            unit_roles.iter().map(|r| r.as_str().to_owned()).collect(),
        ))
        .all(&self.pool)
        .await?;
        let mut caller: Option<CallerRecord> = None;
        let (mut units, mut access, mut unit_children) = (Vec::new(), Vec::new(), Vec::new());
        for row in rows {
            match row {
                CallerRow::Session(session, user) => {
                    caller = Some(CallerRecord {
                        session,
                        user,
                        units: Vec::new(),
                        access: Vec::new(),
                        unit_children: Vec::new(),
                    });
                }
                CallerRow::Unit(unit) => units.push(unit),
                CallerRow::Access(row) => access.push(row),
                CallerRow::UnitChild(child) => unit_children.push(child),
            }
        }
        Ok(caller.map(|mut caller| {
            units.sort_by(|a, b| a.name.cmp(&b.name));
            caller.units = units;
            caller.access = access;
            caller.unit_children = unit_children;
            caller
        }))
    }

    pub async fn insert_session(&self, s: &NewSession) -> Result<(), DbError> {
        Stmt::new(
            "INSERT INTO sessions (id, user_id, device_label, access_hash, access_expires_at, \
             refresh_hash, created_at, last_used_at, expires_at, check_hash) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(s.id)
        .bind(s.user_id)
        .bind(&s.device_label)
        .bind(&s.access_hash)
        .bind(s.access_expires_at)
        .bind(&s.refresh_hash)
        .bind(s.created_at)
        .bind(s.created_at)
        .bind(s.expires_at)
        .bind(&s.check_hash)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn session_by_access(&self, hash: &str) -> Result<Option<SessionRow>, DbError> {
        Stmt::new(concat!(
            "SELECT ",
            session_columns!(),
            " FROM sessions WHERE access_hash = $1"
        ))
        .bind(hash)
        .optional(&self.pool)
        .await
    }

    pub async fn session_by_refresh(&self, hash: &str) -> Result<Option<SessionRow>, DbError> {
        Stmt::new(concat!(
            "SELECT ",
            session_columns!(),
            " FROM sessions WHERE refresh_hash = $1"
        ))
        .bind(hash)
        .optional(&self.pool)
        .await
    }

    pub async fn session_by_check(&self, hash: &str) -> Result<Option<SessionRow>, DbError> {
        Stmt::new(concat!(
            "SELECT ",
            session_columns!(),
            " FROM sessions WHERE check_hash = $1"
        ))
        .bind(hash)
        .optional(&self.pool)
        .await
    }

    /// The session a refresh token belonged to before it was rotated away.
    pub async fn session_of_retired_refresh(
        &self,
        hash: &str,
    ) -> Result<Option<SessionId>, DbError> {
        Stmt::new("SELECT session_id FROM retired_refresh_tokens WHERE hash = $1")
            .bind(hash)
            .optional(&self.pool)
            .await
    }

    /// Replaces both tokens, unless the session was revoked or its refresh
    /// token already replaced; `false` then. The old refresh token is kept
    /// (hashed) as retired, so that its reuse is recognised.
    pub async fn rotate_session(
        &self,
        id: SessionId,
        old_refresh_hash: &str,
        access_hash: &str,
        access_expires_at: DateTime<Utc>,
        refresh_hash: &str,
    ) -> Result<bool, DbError> {
        let now = Utc::now();
        let mut tx = self.pool.begin_write_unnumbered().await?;
        let n = Stmt::new(
            "UPDATE sessions SET access_hash = $1, access_expires_at = $2, refresh_hash = $3, \
             last_used_at = $4 WHERE id = $5 AND refresh_hash = $6 AND revoked_at IS NULL",
        )
        .bind(access_hash)
        .bind(access_expires_at)
        .bind(refresh_hash)
        .bind(now)
        .bind(id)
        .bind(old_refresh_hash)
        .execute(&mut tx)
        .await?;
        if n != 1 {
            tx.rollback().await?;
            return Ok(false);
        }
        Stmt::new(
            "INSERT INTO retired_refresh_tokens (hash, session_id, retired_at) VALUES ($1, $2, $3) \
             ON CONFLICT (hash) DO NOTHING",
        )
        .bind(old_refresh_hash)
        .bind(id)
        .bind(now)
        .execute(&mut tx)
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    pub async fn revoke_session(&self, id: SessionId) -> Result<bool, DbError> {
        let n =
            Stmt::new("UPDATE sessions SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
                .bind(Utc::now())
                .bind(id)
                .execute(&self.pool)
                .await?;
        Ok(n == 1)
    }

    /// The user's sessions that were not revoked, newest first.
    pub async fn sessions_of(&self, user: UserId) -> Result<Vec<SessionListRow>, DbError> {
        Stmt::new(
            "SELECT id, device_label, created_at, last_used_at, expires_at FROM sessions \
             WHERE user_id = $1 AND revoked_at IS NULL ORDER BY created_at DESC",
        )
        .bind(user)
        .all(&self.pool)
        .await
    }

    pub async fn revoke_user_sessions(&self, user: UserId) -> Result<u64, DbError> {
        Stmt::new("UPDATE sessions SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL")
            .bind(Utc::now())
            .bind(user)
            .execute(&self.pool)
            .await
    }
}

impl Tx {
    /// Records an access (an assignment or a cover), and who gave it in the
    /// audit log, in the transaction.
    pub(crate) async fn insert_access(
        &mut self,
        access: &NewAccess,
        by: &Who,
    ) -> Result<(), DbError> {
        Stmt::new(
            "INSERT INTO child_access (id, child_id, user_id, kind, granted_by, starts_at, \
             ends_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(uuid::Uuid::new_v4())
        .bind(access.child_id)
        .bind(access.user_id)
        .bind(access.kind.as_str())
        .bind(access.granted_by)
        .bind(access.starts_at)
        .bind(access.ends_at)
        .execute(&mut *self)
        .await?;
        let detail = match (access.kind, access.ends_at) {
            // The last day of cover, as the granter named it.
            (AccessKind::Granted, Some(end)) => {
                let until = shared::sweden::date_at(end - chrono::Duration::seconds(1));
                format!("granted_cover:{}:{until}", access.user_id)
            }
            (kind, _) => format!("{}:{}", kind.as_str(), access.user_id),
        };
        let entry = by.entry(access.child_id, AuditAction::Write, &detail);
        super::audit::append(self, &[entry]).await?;
        Ok(())
    }

    /// Ends `user`'s access of `kind` (or of any kind) to `child` now,
    /// logged; returns how many rows ended.
    pub(crate) async fn end_access(
        &mut self,
        child: ChildId,
        user: UserId,
        kind: Option<AccessKind>,
        by: &Who,
    ) -> Result<u64, DbError> {
        let n = Stmt::new(
            "UPDATE child_access SET ends_at = $1 \
             WHERE child_id = $2 AND user_id = $3 AND (ends_at IS NULL OR ends_at > $1) \
             AND ($4 IS NULL OR kind = $4)",
        )
        .bind(Utc::now())
        .bind(child)
        .bind(user)
        .bind(kind.map(AccessKind::as_str))
        .execute(&mut *self)
        .await?;
        if n > 0 {
            let detail = match kind {
                Some(AccessKind::Granted) => format!("ended_cover:{user}"),
                _ => format!("unassigned:{user}"),
            };
            let entry = by.entry(child, AuditAction::Write, &detail);
            super::audit::append(self, &[entry]).await?;
        }
        Ok(n)
    }
}
