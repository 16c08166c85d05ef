//! What the sync indicator says. Pure, so every state's wording is tested.

use crate::i18n::td_string;
use crate::language::Language;
use chrono::{DateTime, Local, Utc};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Activity {
    Idle,
    Syncing,
    /// The server could not be reached.
    Offline,
    /// The last round failed; the message is for the user, in the language
    /// the interface was in then.
    Failed(String),
}

/// How the indicator should look: calm when all is saved, attention otherwise.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tone {
    Done,
    Busy,
    Waiting,
    Problem,
}

impl Tone {
    pub fn css_class(self) -> &'static str {
        match self {
            Self::Done => "sync sync--done",
            Self::Busy => "sync sync--busy",
            Self::Waiting => "sync sync--waiting",
            Self::Problem => "sync sync--problem",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyncStatus {
    pub activity: Activity,
    /// Local changes not yet on the server.
    pub pending: usize,
    /// Changes the server refused.
    pub rejected: usize,
    /// Edits that disagreed, waiting for a person to choose.
    pub conflicts: usize,
    pub last_synced_at: Option<DateTime<Utc>>,
}

impl Default for SyncStatus {
    fn default() -> Self {
        Self {
            activity: Activity::Idle,
            pending: 0,
            rejected: 0,
            conflicts: 0,
            last_synced_at: None,
        }
    }
}

fn changes_waiting(language: Language, n: usize) -> String {
    td_string!(language.locale(), sync.changes_waiting, count = n)
}

impl SyncStatus {
    /// The short text always shown in the header.
    pub fn headline(&self, language: Language) -> String {
        let locale = language.locale();
        match &self.activity {
            Activity::Syncing => td_string!(locale, sync.syncing).to_owned(),
            Activity::Offline if self.pending > 0 => {
                let waiting = changes_waiting(language, self.pending);
                td_string!(locale, sync.offline_with, waiting)
            }
            Activity::Offline => td_string!(locale, sync.offline).to_owned(),
            Activity::Failed(_) if self.pending > 0 => {
                let waiting = changes_waiting(language, self.pending);
                td_string!(locale, sync.failed_with, waiting)
            }
            Activity::Failed(_) => td_string!(locale, sync.failed).to_owned(),
            Activity::Idle if self.rejected > 0 => {
                td_string!(locale, sync.refused_count, count = self.rejected)
            }
            Activity::Idle if self.conflicts > 0 => {
                td_string!(locale, sync.conflicts, count = self.conflicts)
            }
            Activity::Idle if self.pending > 0 => changes_waiting(language, self.pending),
            Activity::Idle if self.last_synced_at.is_some() => {
                td_string!(locale, sync.synced).to_owned()
            }
            Activity::Idle => td_string!(locale, sync.not_synced_yet).to_owned(),
        }
    }

    /// A longer explanation: when the last sync was and what went wrong.
    pub fn detail(&self, language: Language) -> String {
        let locale = language.locale();
        let last = match self.last_synced_at {
            Some(at) => {
                let at = language.date_time(at.with_timezone(&Local).naive_local());
                td_string!(locale, sync.last_synced, at)
            }
            None => td_string!(locale, sync.never_synced).to_owned(),
        };
        match &self.activity {
            Activity::Failed(message) => {
                td_string!(locale, sync.detail_failed, message, last)
            }
            Activity::Offline if self.pending > 0 => {
                td_string!(locale, sync.detail_offline, last)
            }
            _ => td_string!(locale, sync.detail, last),
        }
    }

    pub fn tone(&self) -> Tone {
        match self.activity {
            Activity::Syncing => Tone::Busy,
            Activity::Failed(_) => Tone::Problem,
            _ if self.rejected > 0 => Tone::Problem,
            Activity::Idle if self.conflicts > 0 => Tone::Waiting,
            Activity::Offline => Tone::Waiting,
            Activity::Idle if self.pending > 0 => Tone::Waiting,
            Activity::Idle => Tone::Done,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(activity: Activity, pending: usize) -> SyncStatus {
        SyncStatus {
            activity,
            pending,
            rejected: 0,
            conflicts: 0,
            last_synced_at: Some(Utc::now()),
        }
    }

    #[test]
    fn all_synced_says_synkad() {
        let s = status(Activity::Idle, 0);
        assert_eq!(s.headline(Language::Swedish), "Synkad");
        assert_eq!(s.tone(), Tone::Done);
    }

    #[test]
    fn pending_changes_are_counted_in_swedish() {
        assert_eq!(
            status(Activity::Idle, 1).headline(Language::Swedish),
            "1 ändring väntar"
        );
        assert_eq!(
            status(Activity::Idle, 3).headline(Language::Swedish),
            "3 ändringar väntar"
        );
        assert_eq!(status(Activity::Idle, 3).tone(), Tone::Waiting);
    }

    #[test]
    fn offline_says_so_and_keeps_the_count() {
        assert_eq!(
            status(Activity::Offline, 0).headline(Language::Swedish),
            "Offline"
        );
        assert_eq!(
            status(Activity::Offline, 2).headline(Language::Swedish),
            "Offline · 2 ändringar väntar"
        );
        assert!(status(Activity::Offline, 2)
            .detail(Language::Swedish)
            .contains("sparade på enheten"));
    }

    #[test]
    fn failure_is_a_problem_with_its_message() {
        let s = status(Activity::Failed("Servern svarade med ett fel.".into()), 1);
        assert_eq!(s.tone(), Tone::Problem);
        assert!(s
            .detail(Language::Swedish)
            .starts_with("Servern svarade med ett fel."));
    }

    #[test]
    fn conflicts_waiting_are_never_called_synced() {
        let mut s = status(Activity::Idle, 0);
        s.conflicts = 2;
        assert_eq!(s.headline(Language::Swedish), "2 konflikter att lösa");
        assert_eq!(s.tone(), Tone::Waiting);
        s.conflicts = 1;
        assert_eq!(s.headline(Language::Swedish), "1 konflikt att lösa");
    }

    #[test]
    fn never_synced_is_not_called_synced() {
        let s = SyncStatus::default();
        assert_eq!(s.headline(Language::Swedish), "Inte synkad än");
        assert_ne!(s.tone(), Tone::Problem);
    }

    #[test]
    fn every_state_in_english() {
        let english = Language::English;
        assert_eq!(status(Activity::Idle, 0).headline(english), "Synced");
        assert_eq!(
            status(Activity::Idle, 1).headline(english),
            "1 change waiting"
        );
        assert_eq!(
            status(Activity::Idle, 3).headline(english),
            "3 changes waiting"
        );
        assert_eq!(status(Activity::Syncing, 0).headline(english), "Syncing…");
        assert_eq!(
            status(Activity::Offline, 2).headline(english),
            "Offline · 2 changes waiting"
        );
        assert!(status(Activity::Offline, 2)
            .detail(english)
            .contains("saved on the device"));
        assert_eq!(
            status(Activity::Failed("x".into()), 1).headline(english),
            "Sync failed · 1 change waiting"
        );
        let mut s = status(Activity::Idle, 0);
        s.conflicts = 1;
        assert_eq!(s.headline(english), "1 conflict to resolve");
        s.conflicts = 2;
        assert_eq!(s.headline(english), "2 conflicts to resolve");
        s.rejected = 1;
        assert_eq!(s.headline(english), "1 change refused");
        assert_eq!(s.headline(Language::Swedish), "1 ändring(ar) avvisades");
        s.rejected = 3;
        assert_eq!(s.headline(english), "3 changes refused");
        assert_eq!(SyncStatus::default().headline(english), "Not synced yet");
        assert_eq!(
            SyncStatus::default().detail(english),
            "Never synced with the server."
        );
        assert_eq!(
            SyncStatus::default().detail(Language::Swedish),
            "Aldrig synkad med servern."
        );
    }

    #[test]
    fn the_last_sync_is_dated_in_the_language() {
        let mut s = status(Activity::Idle, 0);
        s.last_synced_at = Some(Utc::now());
        assert!(s.detail(Language::Swedish).starts_with("Senast synkad "));
        assert!(s.detail(Language::Swedish).contains(" kl. "));
        assert!(s.detail(Language::English).starts_with("Last synced "));
    }
}
