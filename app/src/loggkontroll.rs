//! Loggkontroll: what a unit manager asks of the audit log, and how its
//! entries read in the interface language. Plain Rust; the page is `ui::audit`.

use crate::i18n::td_string;
use crate::language::Language;
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
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeriodBackwards;

impl PeriodBackwards {
    /// What is wrong, in words a manager reads.
    pub fn message(&self, language: Language) -> &'static str {
        td_string!(language.locale(), audit.period_backwards)
    }
}

/// In Swedish, the source language.
impl std::fmt::Display for PeriodBackwards {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.message(Language::Swedish))
    }
}

impl std::error::Error for PeriodBackwards {}

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
pub fn describe(action: AuditAction, detail: &str, language: Language) -> String {
    let locale = language.locale();
    let known = match (action, detail) {
        (AuditAction::Read, "sync") => Some(td_string!(locale, audit.event.read_sync)),
        (AuditAction::Read, "history") => Some(td_string!(locale, audit.event.read_history)),
        (AuditAction::Read, "opened_child") => {
            Some(td_string!(locale, audit.event.read_opened_child))
        }
        (AuditAction::Read, "listed_in_caseload") => {
            Some(td_string!(locale, audit.event.read_listed_in_caseload))
        }
        (AuditAction::Read, "shown_in_search") => {
            Some(td_string!(locale, audit.event.read_shown_in_search))
        }
        (AuditAction::Read, "shown_in_calendar") => {
            Some(td_string!(locale, audit.event.read_shown_in_calendar))
        }
        (AuditAction::Read, "exported_calendar_initials") => Some(td_string!(
            locale,
            audit.event.read_exported_calendar_initials
        )),
        (AuditAction::Read, "exported_calendar_given_name") => Some(td_string!(
            locale,
            audit.event.read_exported_calendar_given_name
        )),
        (AuditAction::Read, "exported_calendar_full_name") => Some(td_string!(
            locale,
            audit.event.read_exported_calendar_full_name
        )),
        (AuditAction::Write, "create_visit") => {
            Some(td_string!(locale, audit.event.write_create_visit))
        }
        (AuditAction::Write, "amend_visit") => {
            Some(td_string!(locale, audit.event.write_amend_visit))
        }
        (AuditAction::Write, "create_placement") => {
            Some(td_string!(locale, audit.event.write_create_placement))
        }
        (AuditAction::Write, "patch_record") => {
            Some(td_string!(locale, audit.event.write_patch_record))
        }
        (AuditAction::Write, "delete_record") => {
            Some(td_string!(locale, audit.event.write_delete_record))
        }
        (AuditAction::Write, "resolve_conflict") => {
            Some(td_string!(locale, audit.event.write_resolve_conflict))
        }
        _ => None,
    };
    match known {
        Some(text) => text.to_owned(),
        None => match action {
            AuditAction::Read => {
                td_string!(locale, audit.event.read_other, detail = detail)
            }
            AuditAction::Write => {
                td_string!(locale, audit.event.write_other, detail = detail)
            }
        },
    }
}

/// When it happened, in the tablet's time zone, to the minute, as
/// `Language::date_time` writes it.
pub fn when(at: DateTime<Utc>, language: Language) -> String {
    language.date_time(at.with_timezone(&Local).naive_local())
}

/// How many of the entries are reads and writes, and by how many people:
/// the line above the table.
pub fn summary(entries: &[AuditEntry], language: Language) -> String {
    let locale = language.locale();
    let reads = entries
        .iter()
        .filter(|e| e.action == AuditAction::Read)
        .count();
    let writes = entries.len() - reads;
    let people: std::collections::BTreeSet<UserId> = entries.iter().map(|e| e.user_id).collect();
    let events = td_string!(locale, audit.summary.events, count = entries.len());
    let reads = td_string!(locale, audit.summary.reads, count = reads);
    let writes = td_string!(locale, audit.summary.writes, count = writes);
    let users = td_string!(locale, audit.summary.users, count = people.len());
    td_string!(
        locale,
        audit.summary.line,
        events = events,
        reads = reads,
        writes = writes,
        users = users
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
        assert_eq!(
            PeriodBackwards.to_string(),
            "Från-datumet måste vara före eller samma som till-datumet."
        );
        assert_eq!(
            PeriodBackwards.message(Language::English),
            "The from date must be before or the same as the to date."
        );
    }

    #[test]
    fn every_detail_the_server_writes_reads_as_words() {
        // Never the fallback that shows the detail itself ("Läsning (sync)");
        // in Swedish the detail's English word does not appear at all.
        let worded = |action, detail: &str, language| {
            let words = describe(action, detail, language);
            !words.contains(&format!("({detail})"))
                && (language != Language::Swedish || !words.contains(detail))
        };
        for language in [Language::Swedish, Language::English] {
            for (action, detail) in [
                (AuditAction::Read, "sync"),
                (AuditAction::Read, "history"),
                (AuditAction::Read, "opened_child"),
            ] {
                assert!(worded(action, detail, language), "{detail}");
            }
            for kind in shared::audit::LocalReadKind::ALL {
                let detail = kind.as_str();
                assert!(worded(AuditAction::Read, detail, language), "{detail}");
            }
            for name in [
                "create_visit",
                "amend_visit",
                "create_placement",
                "patch_record",
                "delete_record",
                "resolve_conflict",
            ] {
                assert!(worded(AuditAction::Write, name, language), "{name}");
            }
        }
        assert_eq!(
            describe(AuditAction::Read, "something_new", Language::Swedish),
            "Läsning (something_new)"
        );
        assert_eq!(
            describe(AuditAction::Read, "opened_child", Language::Swedish),
            "Öppnade barnets sida på surfplattan"
        );
        assert_eq!(
            describe(AuditAction::Read, "something_new", Language::English),
            "Read (something_new)"
        );
        assert_eq!(
            describe(AuditAction::Write, "something_new", Language::English),
            "Change (something_new)"
        );
        assert_eq!(
            describe(AuditAction::Read, "opened_child", Language::English),
            "Opened the child's page on the tablet"
        );
    }

    #[test]
    fn when_is_written_as_the_language_writes_a_time() {
        let at: DateTime<Utc> = "2026-12-04T12:05:00Z".parse().expect("time");
        assert!(when(at, Language::Swedish).contains(" kl. "));
        assert!(when(at, Language::English).contains(", "));
        assert!(when(at, Language::English).contains(" Dec 2026"));
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
            summary(&entries, Language::Swedish),
            "3 händelser: 2 läsningar och 1 ändring, av 2 användare."
        );
        assert_eq!(
            summary(&entries[..1], Language::Swedish),
            "1 händelse: 1 läsning och 0 ändringar, av 1 användare."
        );
        assert_eq!(
            summary(&entries, Language::English),
            "3 events: 2 reads and 1 change, by 2 users."
        );
        assert_eq!(
            summary(&entries[..1], Language::English),
            "1 event: 1 read and 0 changes, by 1 user."
        );
    }
}
