//! Accounts and sessions as the API speaks them: roles, sign-in, tokens.
//!
//! What each role may do with children's records is decided here once, so
//! that the server enforces it and the app shows the same thing.

use crate::ids::{SessionId, UnitId, UserId};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A user's role. One per user; the units a user belongs to say where.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Socialsekreterare: the children assigned or granted to them.
    SocialWorker,
    /// Konsult: a contracted social worker, same access as a socialsekreterare.
    Consultant,
    /// Funktionshandläggare: the children of their own caseload.
    DisabilityOfficer,
    /// Gruppledare: their units' children; grants cover to colleagues.
    GroupLeader,
    /// Enhetschef: their units' children (read only) and the unit's log.
    UnitManager,
    /// Administratör: users and units, never children's records.
    Administrator,
    /// Integration: the case-management system's account. No app, no
    /// password, no sync: an API token on the import and export endpoints
    /// only, for its own units (the server decides, `access.rs`).
    Integration,
    /// Kvalitetsutvecklare: the quality unit. Deviation aggregates across
    /// all units (three times a year); no child's records, no deviation's
    /// text.
    Quality,
}

impl Role {
    pub const ALL: [Self; 8] = [
        Self::SocialWorker,
        Self::Consultant,
        Self::DisabilityOfficer,
        Self::GroupLeader,
        Self::UnitManager,
        Self::Administrator,
        Self::Integration,
        Self::Quality,
    ];

    /// Sees every child of the units they belong to, not just a caseload.
    pub fn sees_whole_units(self) -> bool {
        matches!(self, Self::GroupLeader | Self::UnitManager)
    }

    /// Records visits and edits placements of the children they see.
    pub fn writes_child_records(self) -> bool {
        !matches!(
            self,
            Self::UnitManager | Self::Administrator | Self::Integration | Self::Quality
        )
    }

    /// Sees any child's records at all, in the app and through sync. (An
    /// integration account fetches its units' signed visits through the
    /// export API only.)
    pub fn reads_child_records(self) -> bool {
        !matches!(
            self,
            Self::Administrator | Self::Integration | Self::Quality
        )
    }

    /// Signs in with a password and holds device sessions.
    pub fn signs_in(self) -> bool {
        self != Self::Integration
    }

    /// Grants a colleague temporary access to a child of their unit.
    pub fn grants_cover(self) -> bool {
        matches!(self, Self::GroupLeader | Self::UnitManager)
    }

    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SocialWorker => "social_worker",
            Self::Consultant => "consultant",
            Self::DisabilityOfficer => "disability_officer",
            Self::GroupLeader => "group_leader",
            Self::UnitManager => "unit_manager",
            Self::Administrator => "administrator",
            Self::Integration => "integration",
            Self::Quality => "quality",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// The Swedish title shown in the app.
    pub fn title_sv(self) -> &'static str {
        match self {
            Self::SocialWorker => "Socialsekreterare",
            Self::Consultant => "Konsult",
            Self::DisabilityOfficer => "Funktionshandläggare",
            Self::GroupLeader => "Gruppledare",
            Self::UnitManager => "Enhetschef",
            Self::Administrator => "Administratör",
            Self::Integration => "Integration",
            Self::Quality => "Kvalitetsutvecklare",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What marks a demo account's name in lists ("Anna Demosson (demo)").
pub const DEMO_MARK: &str = " (demo)";

/// The name a user signs records with: their account's, without the demo
/// mark. The app shows it on the form; the server writes it into what the
/// user signs, whatever the device sent.
pub fn signing_name(display_name: &str) -> &str {
    display_name.trim().trim_end_matches(DEMO_MARK)
}

/// The longest user name, password and device label the server reads. A
/// password longer than this is refused before it is hashed, so that a
/// megabyte "password" cannot tie up the hasher.
pub const MAX_USERNAME_CHARS: usize = 64;
pub const MAX_PASSWORD_BYTES: usize = 256;
pub const MIN_PASSWORD_CHARS: usize = 12;
pub const MAX_DEVICE_LABEL_CHARS: usize = 80;

/// `POST /api/v1/auth/login`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
    /// What the user calls this device ("Surfplatta 3"), shown in the list of
    /// sessions so that a lost one can be revoked.
    pub device_label: String,
}

/// `POST /api/v1/auth/refresh`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

/// A unit as the app shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitSummary {
    pub id: UnitId,
    pub name: String,
}

/// Who is signed in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserProfile {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub units: Vec<UnitSummary>,
}

/// The answer to a grant: cover ends at the start of `ends_at` (the
/// midnight after the `until` day).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    pub child_id: crate::ids::ChildId,
    pub user_id: UserId,
    pub ends_at: chrono::DateTime<chrono::Utc>,
}

/// Someone who shares a unit with the asking group leader or unit manager
/// (`GET /api/v1/colleagues`): whom to grant cover, whose reads to review.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Colleague {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub active: bool,
}

/// The answer to a login or a refresh: a new pair of tokens. The access token
/// goes in `Authorization: Bearer` and lives [`Self::access_expires_in`]
/// seconds; the refresh token gets the next pair and is replaced each time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionTokens {
    pub session_id: SessionId,
    pub access_token: String,
    pub access_expires_in: u64,
    pub refresh_token: String,
    pub user: UserProfile,
    /// What the administrator decided for every device.
    pub policy: DevicePolicy,
    /// A token that only asks whether the session still holds
    /// (`POST /api/v1/auth/check`). Given at sign-in only; the device keeps
    /// it unsealed, so that a locked device, which holds no key, can learn
    /// that it was revoked and wipe itself. It opens nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check_token: Option<String>,
}

/// The administrator's rules for devices, sent at sign-in, refresh and with
/// every session check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DevicePolicy {
    /// Seconds without use before the app locks.
    pub lock_after_secs: u32,
    /// The longest a device may go without reaching the server and still
    /// unlock; past it the device unlocks only after a session check.
    pub max_offline_secs: u64,
    /// Whether the device must unlock with its platform authenticator
    /// (WebAuthn PRF); no PIN-only unlocking is then set up.
    pub require_authenticator: bool,
}

impl DevicePolicy {
    pub const DEFAULT_LOCK_AFTER_SECS: u32 = 300;
    pub const DEFAULT_MAX_OFFLINE_DAYS: u32 = 14;
}

/// `POST /api/v1/auth/check`: is the session behind this check token still
/// good? Answered 200 with a [`SessionCheck`], or 401 `session_revoked` (the
/// device wipes itself) or `session_expired`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionCheckRequest {
    pub check_token: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionCheck {
    pub session_id: SessionId,
    pub policy: DevicePolicy,
}

/// One signed-in device of the user, as the list of sessions shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionInfo {
    pub id: SessionId,
    pub device_label: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub last_used_at: chrono::DateTime<chrono::Utc>,
    /// The session this request was made with.
    pub current: bool,
}

/// `POST /api/v1/grants`: a group leader lets a colleague see a child of
/// their unit until (and including) a date.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GrantRequest {
    pub child_id: crate::ids::ChildId,
    pub user_id: UserId,
    pub until: chrono::NaiveDate,
}

/// The longest cover a group leader can grant in one go.
pub const MAX_GRANT_DAYS: i64 = 90;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_names_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
            assert_eq!(
                serde_json::to_value(role).expect("json"),
                serde_json::Value::String(role.as_str().into())
            );
        }
        assert_eq!(Role::parse("admin"), None);
    }

    #[test]
    fn administrators_never_see_children() {
        assert!(!Role::Administrator.reads_child_records());
        assert!(!Role::Administrator.writes_child_records());
        assert!(Role::UnitManager.reads_child_records());
        assert!(!Role::UnitManager.writes_child_records());
        assert!(Role::SocialWorker.writes_child_records());
        assert!(!Role::SocialWorker.sees_whole_units());
    }
}
