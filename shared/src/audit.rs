//! The audit log (loggning) as the API speaks it: what a tablet logs of its
//! own reads and uploads with the next push, and what a unit manager reviews.
//! Ids and kinds of action only, never a record's content.

use crate::auth::Role;
use crate::ids::{ChildId, DeviceId, SessionId, UnitId, UserId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// At most this many local reads ride along in one push.
pub const MAX_READS_PER_PUSH: usize = 500;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    Read,
    Write,
}

impl AuditAction {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Write => "write",
        }
    }
}

/// What a tablet showed from its own store.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LocalReadKind {
    /// The child's page: placement, visits, conflicts.
    OpenedChild,
    /// A row of the caseload list ("Mina barn"): name, age, placement, next visit.
    ListedInCaseload,
    /// A row of the caseload list filtered by a search text.
    ShownInSearch,
    /// A visit due in the calendar: name and date.
    ShownInCalendar,
    /// Exported in a calendar file (`.ics`), leaving the protected store:
    /// the date of the next visit and the child's initials,
    ExportedCalendarInitials,
    /// … given name,
    ExportedCalendarGivenName,
    /// … or full name.
    ExportedCalendarFullName,
}

impl LocalReadKind {
    pub const ALL: [Self; 7] = [
        Self::OpenedChild,
        Self::ListedInCaseload,
        Self::ShownInSearch,
        Self::ShownInCalendar,
        Self::ExportedCalendarInitials,
        Self::ExportedCalendarGivenName,
        Self::ExportedCalendarFullName,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::OpenedChild => "opened_child",
            Self::ListedInCaseload => "listed_in_caseload",
            Self::ShownInSearch => "shown_in_search",
            Self::ShownInCalendar => "shown_in_calendar",
            Self::ExportedCalendarInitials => "exported_calendar_initials",
            Self::ExportedCalendarGivenName => "exported_calendar_given_name",
            Self::ExportedCalendarFullName => "exported_calendar_full_name",
        }
    }
}

/// A read from the tablet's own store, logged there and uploaded with the
/// next push. `id` makes a re-sent entry count once; `occurred_at` is the
/// tablet's clock (for people, not for ordering).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LocalRead {
    pub id: Uuid,
    pub child_id: ChildId,
    pub kind: LocalReadKind,
    pub occurred_at: DateTime<Utc>,
    /// Whether the tablet had no network at the time.
    pub offline: bool,
}

/// One entry of the server's log, as a unit manager reviews it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub seq: u64,
    pub logged_at: DateTime<Utc>,
    pub occurred_at: DateTime<Utc>,
    pub user_id: UserId,
    pub username: String,
    pub role: Role,
    pub units: Vec<UnitId>,
    pub child_id: ChildId,
    pub action: AuditAction,
    pub detail: String,
    pub device_id: Option<DeviceId>,
    pub session_id: Option<SessionId>,
    pub offline: bool,
}

/// `GET /api/v1/audit`: the entries that match, oldest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditReview {
    pub entries: Vec<AuditEntry>,
    /// More entries matched than were returned: narrow the filter.
    pub truncated: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_read_kind_travels_by_its_audit_name_and_nothing_else_decodes() {
        for kind in LocalReadKind::ALL {
            let wire = serde_json::to_value(kind).expect("json");
            assert_eq!(wire, kind.as_str());
            assert_eq!(
                serde_json::from_value::<LocalReadKind>(wire).ok(),
                Some(kind)
            );
        }
        assert!(serde_json::from_str::<LocalReadKind>(r#""printed_everything""#).is_err());
    }
}
