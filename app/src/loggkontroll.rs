//! Loggkontroll: what a unit manager asks of the audit log, and how its
//! entries read in Swedish. Plain Rust; the page is `ui::audit`.

use chrono::{DateTime, Local, NaiveDate, Utc};
use shared::audit::{AuditAction, AuditEntry};
use shared::{ChildId, UserId};

/// The filter of `GET /api/v1/audit`: by user, by child, by period (whole
/// days, both included).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuditQuery {
    pub user: Option<UserId>,
    pub child: Option<ChildId>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

/// The period does not make sense.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("Från-datumet måste vara före eller samma som till-datumet.")]
pub struct PeriodBackwards;

impl AuditQuery {
    /// The last `days` days up to and including `today`.
    pub fn recent(today: NaiveDate, days: u64) -> Self {
        Self {
            from: today.checked_sub_days(chrono::Days::new(days.saturating_sub(1))),
            to: Some(today),
            ..Self::default()
        }
    }

    pub fn check(&self) -> Result<(), PeriodBackwards> {
        match (self.from, self.to) {
            (Some(from), Some(to)) if from > to => Err(PeriodBackwards),
            _ => Ok(()),
        }
    }

    /// The path and query string; `csv` asks for the export.
    pub fn path(&self, csv: bool) -> String {
        let mut params = Vec::new();
        if let Some(user) = self.user {
            params.push(format!("user={user}"));
        }
        if let Some(child) = self.child {
            params.push(format!("child={child}"));
        }
        if let Some(from) = self.from {
            params.push(format!("from={}", from.format("%Y-%m-%d")));
        }
        if let Some(to) = self.to {
            params.push(format!("to={}", to.format("%Y-%m-%d")));
        }
        if csv {
            params.push("format=csv".to_owned());
        }
        if params.is_empty() {
            "/api/v1/audit".to_owned()
        } else {
            format!("/api/v1/audit?{}", params.join("&"))
        }
    }

    /// A file name that says what the export holds.
    pub fn file_name(&self) -> String {
        let day = |d: Option<NaiveDate>| d.map_or_else(String::new, |d| d.to_string());
        match (self.from, self.to) {
            (None, None) => "loggkontroll.csv".to_owned(),
            (from, to) => format!("loggkontroll_{}_{}.csv", day(from), day(to)),
        }
    }
}

/// What an entry's action and detail mean, in words a manager reads.
pub fn describe(action: AuditAction, detail: &str) -> String {
    let known = match (action, detail) {
        (AuditAction::Read, "sync") => Some("Hämtade barnets uppgifter vid synk"),
        (AuditAction::Read, "history") => Some("Hämtade barnets hela historik"),
        (AuditAction::Read, "opened_child") => Some("Öppnade barnets sida på surfplattan"),
        (AuditAction::Read, "listed_in_caseload") => Some("Visade barnet i listan Mina barn"),
        (AuditAction::Read, "shown_in_search") => Some("Visade barnet i en sökning"),
        (AuditAction::Read, "shown_in_calendar") => Some("Visade barnets besök i kalendern"),
        (AuditAction::Read, "exported_calendar_initials") => {
            Some("Exporterade barnets besök till en kalenderfil (initialer)")
        }
        (AuditAction::Read, "exported_calendar_given_name") => {
            Some("Exporterade barnets besök till en kalenderfil (förnamn)")
        }
        (AuditAction::Read, "exported_calendar_full_name") => {
            Some("Exporterade barnets besök till en kalenderfil (fullständigt namn)")
        }
        (AuditAction::Write, "create_visit") => Some("Registrerade ett besök"),
        (AuditAction::Write, "amend_visit") => Some("Gjorde ett tillägg till ett besök"),
        (AuditAction::Write, "create_placement") => Some("Registrerade en placering"),
        (AuditAction::Write, "patch_record") => Some("Ändrade uppgifter"),
        (AuditAction::Write, "delete_record") => Some("Tog bort en uppgift"),
        (AuditAction::Write, "resolve_conflict") => Some("Löste en konflikt"),
        _ => None,
    };
    match known {
        Some(text) => text.to_owned(),
        None => match action {
            AuditAction::Read => format!("Läsning ({detail})"),
            AuditAction::Write => format!("Ändring ({detail})"),
        },
    }
}

/// When it happened, in the tablet's time zone, to the minute.
pub fn local_time(at: DateTime<Utc>) -> String {
    at.with_timezone(&Local)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// How many of the entries are reads and writes, and by how many people:
/// the line above the table.
pub fn summary(entries: &[AuditEntry]) -> String {
    let reads = entries
        .iter()
        .filter(|e| e.action == AuditAction::Read)
        .count();
    let writes = entries.len() - reads;
    let people: std::collections::BTreeSet<UserId> = entries.iter().map(|e| e.user_id).collect();
    let people = match people.len() {
        1 => "1 användare".to_owned(),
        n => format!("{n} användare"),
    };
    let count = |n: usize, one: &str, many: &str| {
        if n == 1 {
            format!("1 {one}")
        } else {
            format!("{n} {many}")
        }
    };
    format!(
        "{}: {} och {}, av {people}.",
        count(entries.len(), "händelse", "händelser"),
        count(reads, "läsning", "läsningar"),
        count(writes, "ändring", "ändringar"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::auth::Role;

    fn day(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    #[test]
    fn the_query_names_only_what_is_chosen() {
        assert_eq!(AuditQuery::default().path(false), "/api/v1/audit");
        let user = UserId::new_random();
        let child = ChildId::new_random();
        let query = AuditQuery {
            user: Some(user),
            child: Some(child),
            from: Some(day("2026-11-01")),
            to: Some(day("2026-11-24")),
        };
        assert_eq!(
            query.path(true),
            format!(
                "/api/v1/audit?user={user}&child={child}&from=2026-11-01&to=2026-11-24&format=csv"
            )
        );
        assert_eq!(query.file_name(), "loggkontroll_2026-11-01_2026-11-24.csv");
    }

    #[test]
    fn recent_covers_whole_days_up_to_today() {
        let query = AuditQuery::recent(day("2026-03-01"), 30);
        assert_eq!(query.from, Some(day("2026-01-31")));
        assert_eq!(query.to, Some(day("2026-03-01")));
        assert_eq!(query.check(), Ok(()));
    }

    #[test]
    fn a_backwards_period_is_refused() {
        let query = AuditQuery {
            from: Some(day("2026-11-24")),
            to: Some(day("2026-11-01")),
            ..AuditQuery::default()
        };
        assert_eq!(query.check(), Err(PeriodBackwards));
    }

    #[test]
    fn every_detail_the_server_writes_reads_as_swedish() {
        for (action, detail) in [
            (AuditAction::Read, "sync"),
            (AuditAction::Read, "history"),
            (AuditAction::Read, "opened_child"),
        ] {
            assert!(!describe(action, detail).contains(detail), "{detail}");
        }
        for kind in shared::audit::LocalReadKind::ALL {
            let detail = kind.as_str();
            assert!(
                !describe(AuditAction::Read, detail).contains(detail),
                "{detail}"
            );
        }
        for name in [
            "create_visit",
            "amend_visit",
            "create_placement",
            "patch_record",
            "delete_record",
            "resolve_conflict",
        ] {
            assert!(!describe(AuditAction::Write, name).contains(name), "{name}");
        }
        assert_eq!(
            describe(AuditAction::Read, "something_new"),
            "Läsning (something_new)"
        );
    }

    #[test]
    fn summary_counts_reads_writes_and_people() {
        let anna = UserId::new_random();
        let entry = |user, action| AuditEntry {
            seq: 1,
            logged_at: Utc::now(),
            occurred_at: Utc::now(),
            user_id: user,
            username: "x".into(),
            role: Role::SocialWorker,
            units: Vec::new(),
            child_id: ChildId::new_random(),
            action,
            detail: "sync".into(),
            device_id: None,
            session_id: None,
            offline: false,
        };
        let entries = vec![
            entry(anna, AuditAction::Read),
            entry(anna, AuditAction::Read),
            entry(UserId::new_random(), AuditAction::Write),
        ];
        assert_eq!(
            summary(&entries),
            "3 händelser: 2 läsningar och 1 ändring, av 2 användare."
        );
        assert_eq!(
            summary(&entries[..1]),
            "1 händelse: 1 läsning och 0 ändringar, av 1 användare."
        );
    }
}
