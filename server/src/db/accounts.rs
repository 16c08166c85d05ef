//! Users, units, sessions and who may see which child. The backends only
//! store and fetch rows ([`AccountStore`]); what a row means (is a session
//! still valid, which children a role sees) is decided here and in
//! `crate::auth`, in Rust, with the server's clock.

use super::{timed, Database, DbError};
use chrono::{DateTime, Duration, Utc};
use shared::auth::{Role, UnitSummary};
use shared::{ChildId, SessionId, UnitId, UserId};
use std::collections::BTreeSet;

/// How long after an assignment or a cover ends the user's devices may still
/// push changes to the child: a visit recorded offline the day before the
/// child was handed to a colleague must still reach the server. Reading ends
/// at once. Measured by the server's clock.
pub const LATE_PUSH_GRACE: Duration = Duration::days(30);

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

impl AccessRow {
    pub fn is_active(&self, now: DateTime<Utc>) -> bool {
        self.starts_at <= now && self.ends_at.is_none_or(|end| now < end)
    }

    /// Active, or ended less than [`LATE_PUSH_GRACE`] ago.
    pub fn accepts_pushes(&self, now: DateTime<Utc>) -> bool {
        self.starts_at <= now && self.ends_at.is_none_or(|end| now < end + LATE_PUSH_GRACE)
    }
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

/// The statements a backend runs for accounts and scope.
pub(crate) trait AccountStore {
    async fn insert_unit(&self, id: UnitId, name: &str) -> Result<bool, DbError>;
    async fn units(&self) -> Result<Vec<UnitSummary>, DbError>;
    /// `false` when the user name is taken.
    async fn insert_user(&self, user: &UserRow, at: DateTime<Utc>) -> Result<bool, DbError>;
    async fn add_user_unit(&self, user: UserId, unit: UnitId) -> Result<(), DbError>;
    async fn set_user_active(&self, user: UserId, active: bool) -> Result<bool, DbError>;
    async fn set_password_hash(&self, user: UserId, hash: &str) -> Result<bool, DbError>;
    async fn set_child_unit(&self, child: ChildId, unit: UnitId) -> Result<bool, DbError>;
    async fn user_by_username(&self, username: &str) -> Result<Option<UserRow>, DbError>;
    async fn user_by_id(&self, id: UserId) -> Result<Option<UserRow>, DbError>;
    async fn users(&self) -> Result<Vec<UserRow>, DbError>;
    async fn units_of(&self, user: UserId) -> Result<Vec<UnitSummary>, DbError>;
    /// Everyone who shares a unit with `user`, `user` included.
    async fn colleagues_of(&self, user: UserId) -> Result<Vec<UserRow>, DbError>;
    async fn insert_access(&self, access: &NewAccess) -> Result<(), DbError>;
    /// Ends every open access of `user` to `child` at `at`.
    async fn end_access(
        &self,
        child: ChildId,
        user: UserId,
        at: DateTime<Utc>,
    ) -> Result<u64, DbError>;
    async fn access_of(&self, user: UserId) -> Result<Vec<AccessRow>, DbError>;
    /// The children of every unit `user` belongs to.
    async fn unit_children(&self, user: UserId) -> Result<Vec<ChildId>, DbError>;
    async fn insert_session(&self, session: &NewSession) -> Result<(), DbError>;
    async fn session_by_access(&self, hash: &str) -> Result<Option<SessionRow>, DbError>;
    async fn session_by_refresh(&self, hash: &str) -> Result<Option<SessionRow>, DbError>;
    /// Replaces both tokens, unless the session was revoked or its refresh
    /// token already replaced; `false` then.
    async fn rotate_session(
        &self,
        id: SessionId,
        old_refresh_hash: &str,
        access_hash: &str,
        access_expires_at: DateTime<Utc>,
        refresh_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, DbError>;
    async fn revoke_session(&self, id: SessionId, at: DateTime<Utc>) -> Result<bool, DbError>;
    async fn revoke_user_sessions(&self, user: UserId, at: DateTime<Utc>) -> Result<u64, DbError>;
    /// The user's sessions that were not revoked, newest first.
    async fn sessions_of(&self, user: UserId) -> Result<Vec<SessionListRow>, DbError>;
    /// Feed rows about `children` above `since`, at most `limit`.
    async fn changes_of(
        &self,
        children: &[ChildId],
        since: i64,
        limit: i64,
    ) -> Result<Vec<(i64, String, String)>, DbError>;
    async fn count_changes_of(&self, children: &[ChildId], since: i64) -> Result<i64, DbError>;
}

macro_rules! dispatch_accounts {
    ($self:expr, $store:ident => $call:expr) => {
        timed(async {
            match $self {
                Database::Sqlite($store) => $call,
                Database::Postgres($store) => $call,
            }
        })
        .await
    };
}

impl Database {
    pub async fn insert_unit(&self, id: UnitId, name: &str) -> Result<bool, DbError> {
        dispatch_accounts!(self, s => s.insert_unit(id, name).await)
    }

    pub async fn units(&self) -> Result<Vec<UnitSummary>, DbError> {
        dispatch_accounts!(self, s => s.units().await)
    }

    pub async fn insert_user(&self, user: &UserRow) -> Result<bool, DbError> {
        let now = Utc::now();
        dispatch_accounts!(self, s => s.insert_user(user, now).await)
    }

    pub async fn add_user_unit(&self, user: UserId, unit: UnitId) -> Result<(), DbError> {
        dispatch_accounts!(self, s => s.add_user_unit(user, unit).await)
    }

    /// Deactivating a user also ends every session of theirs, so that each of
    /// their devices wipes its data when it next reaches the server.
    pub async fn set_user_active(&self, user: UserId, active: bool) -> Result<bool, DbError> {
        let found = dispatch_accounts!(self, s => s.set_user_active(user, active).await)?;
        if !active {
            self.revoke_user_sessions(user).await?;
        }
        Ok(found)
    }

    pub async fn set_password_hash(&self, user: UserId, hash: &str) -> Result<bool, DbError> {
        dispatch_accounts!(self, s => s.set_password_hash(user, hash).await)
    }

    pub async fn set_child_unit(&self, child: ChildId, unit: UnitId) -> Result<bool, DbError> {
        dispatch_accounts!(self, s => s.set_child_unit(child, unit).await)
    }

    pub async fn user_by_username(&self, username: &str) -> Result<Option<UserRow>, DbError> {
        dispatch_accounts!(self, s => s.user_by_username(username).await)
    }

    pub async fn user_by_id(&self, id: UserId) -> Result<Option<UserRow>, DbError> {
        dispatch_accounts!(self, s => s.user_by_id(id).await)
    }

    pub async fn users(&self) -> Result<Vec<UserRow>, DbError> {
        dispatch_accounts!(self, s => s.users().await)
    }

    pub async fn units_of(&self, user: UserId) -> Result<Vec<UnitSummary>, DbError> {
        dispatch_accounts!(self, s => s.units_of(user).await)
    }

    pub async fn colleagues_of(&self, user: UserId) -> Result<Vec<UserRow>, DbError> {
        dispatch_accounts!(self, s => s.colleagues_of(user).await)
    }

    pub async fn insert_access(&self, access: &NewAccess) -> Result<(), DbError> {
        dispatch_accounts!(self, s => s.insert_access(access).await)
    }

    /// Puts `child` on `user`'s caseload from now on.
    pub async fn assign_child(&self, child: ChildId, user: UserId) -> Result<(), DbError> {
        self.insert_access(&NewAccess {
            child_id: child,
            user_id: user,
            kind: AccessKind::Assigned,
            granted_by: None,
            starts_at: Utc::now(),
            ends_at: None,
        })
        .await
    }

    /// Ends `user`'s access to `child` now; returns how many rows ended.
    pub async fn unassign_child(&self, child: ChildId, user: UserId) -> Result<u64, DbError> {
        let now = Utc::now();
        dispatch_accounts!(self, s => s.end_access(child, user, now).await)
    }

    pub async fn access_of(&self, user: UserId) -> Result<Vec<AccessRow>, DbError> {
        dispatch_accounts!(self, s => s.access_of(user).await)
    }

    /// The children `role` lets `user` read at `now`, in id order.
    pub async fn readable_children(
        &self,
        user: UserId,
        role: Role,
        now: DateTime<Utc>,
    ) -> Result<Vec<ChildId>, DbError> {
        let mut children = BTreeSet::new();
        if !role.reads_child_records() {
            return Ok(Vec::new());
        }
        if role.sees_whole_units() {
            children.extend(dispatch_accounts!(self, s => s.unit_children(user).await)?);
        }
        children.extend(
            self.access_of(user)
                .await?
                .into_iter()
                .filter(|a| a.is_active(now))
                .map(|a| a.child_id),
        );
        Ok(children.into_iter().collect())
    }

    /// The children whose records `user`'s devices may change at `now`: the
    /// readable ones, and those whose access ended within
    /// [`LATE_PUSH_GRACE`].
    pub async fn writable_children(
        &self,
        user: UserId,
        role: Role,
        now: DateTime<Utc>,
    ) -> Result<BTreeSet<ChildId>, DbError> {
        let mut children = BTreeSet::new();
        if !role.writes_child_records() {
            return Ok(children);
        }
        if role.sees_whole_units() {
            children.extend(dispatch_accounts!(self, s => s.unit_children(user).await)?);
        }
        children.extend(
            self.access_of(user)
                .await?
                .into_iter()
                .filter(|a| a.accepts_pushes(now))
                .map(|a| a.child_id),
        );
        Ok(children)
    }

    pub async fn insert_session(&self, session: &NewSession) -> Result<(), DbError> {
        dispatch_accounts!(self, s => s.insert_session(session).await)
    }

    pub async fn session_by_access(&self, hash: &str) -> Result<Option<SessionRow>, DbError> {
        dispatch_accounts!(self, s => s.session_by_access(hash).await)
    }

    pub async fn session_by_refresh(&self, hash: &str) -> Result<Option<SessionRow>, DbError> {
        dispatch_accounts!(self, s => s.session_by_refresh(hash).await)
    }

    pub async fn rotate_session(
        &self,
        id: SessionId,
        old_refresh_hash: &str,
        access_hash: &str,
        access_expires_at: DateTime<Utc>,
        refresh_hash: &str,
    ) -> Result<bool, DbError> {
        let now = Utc::now();
        dispatch_accounts!(self, s => s
            .rotate_session(id, old_refresh_hash, access_hash, access_expires_at, refresh_hash, now)
            .await)
    }

    pub async fn revoke_session(&self, id: SessionId) -> Result<bool, DbError> {
        let now = Utc::now();
        dispatch_accounts!(self, s => s.revoke_session(id, now).await)
    }

    pub async fn sessions_of(&self, user: UserId) -> Result<Vec<SessionListRow>, DbError> {
        dispatch_accounts!(self, s => s.sessions_of(user).await)
    }

    /// The children of the units `user` belongs to.
    pub async fn children_of_units_of(&self, user: UserId) -> Result<Vec<ChildId>, DbError> {
        dispatch_accounts!(self, s => s.unit_children(user).await)
    }

    pub async fn revoke_user_sessions(&self, user: UserId) -> Result<u64, DbError> {
        let now = Utc::now();
        dispatch_accounts!(self, s => s.revoke_user_sessions(user, now).await)
    }

    pub(crate) async fn changes_of(
        &self,
        children: &[ChildId],
        since: i64,
        limit: i64,
    ) -> Result<Vec<(i64, String, String)>, DbError> {
        dispatch_accounts!(self, s => s.changes_of(children, since, limit).await)
    }

    pub(crate) async fn count_changes_of(
        &self,
        children: &[ChildId],
        since: i64,
    ) -> Result<i64, DbError> {
        dispatch_accounts!(self, s => s.count_changes_of(children, since).await)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(day: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, day, 12, 0, 0)
            .single()
            .expect("time")
    }

    #[test]
    fn ended_access_accepts_late_pushes_for_a_while_but_not_reads() {
        let access = AccessRow {
            child_id: ChildId::new_random(),
            starts_at: at(1),
            ends_at: Some(at(10)),
        };
        assert!(!access.is_active(at(1) - Duration::seconds(1)));
        assert!(access.is_active(at(5)));
        assert!(!access.is_active(at(10)));
        assert!(access.accepts_pushes(at(11)));
        assert!(!access.accepts_pushes(at(10) + LATE_PUSH_GRACE));
        assert!(!access.accepts_pushes(at(1) - Duration::seconds(1)));
    }
}
