//! What the sync indicator says. Pure, so every state's wording is tested.

use chrono::{DateTime, Local, Utc};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Activity {
    Idle,
    Syncing,
    /// The server could not be reached.
    Offline,
    /// The last round failed; the message is for the user, in Swedish.
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

fn changes_waiting(n: usize) -> String {
    if n == 1 {
        "1 ändring väntar".to_owned()
    } else {
        format!("{n} ändringar väntar")
    }
}

impl SyncStatus {
    /// The short text always shown in the header.
    pub fn headline(&self) -> String {
        match &self.activity {
            Activity::Syncing => "Synkar…".to_owned(),
            Activity::Offline if self.pending > 0 => {
                format!("Offline · {}", changes_waiting(self.pending))
            }
            Activity::Offline => "Offline".to_owned(),
            Activity::Failed(_) if self.pending > 0 => {
                format!("Synk misslyckades · {}", changes_waiting(self.pending))
            }
            Activity::Failed(_) => "Synk misslyckades".to_owned(),
            Activity::Idle if self.rejected > 0 => {
                format!("{} ändring(ar) avvisades", self.rejected)
            }
            Activity::Idle if self.conflicts == 1 => "1 konflikt att lösa".to_owned(),
            Activity::Idle if self.conflicts > 1 => {
                format!("{} konflikter att lösa", self.conflicts)
            }
            Activity::Idle if self.pending > 0 => changes_waiting(self.pending),
            Activity::Idle if self.last_synced_at.is_some() => "Synkad".to_owned(),
            Activity::Idle => "Inte synkad än".to_owned(),
        }
    }

    /// A longer explanation: when the last sync was and what went wrong.
    pub fn detail(&self) -> String {
        let last = match self.last_synced_at {
            Some(at) => format!(
                "Senast synkad {}",
                at.with_timezone(&Local).format("%Y-%m-%d %H:%M")
            ),
            None => "Aldrig synkad med servern".to_owned(),
        };
        match &self.activity {
            Activity::Failed(message) => format!("{message} {last}."),
            Activity::Offline if self.pending > 0 => {
                format!(
                    "Ändringarna är sparade på enheten och skickas när nätet är tillbaka. {last}."
                )
            }
            _ => format!("{last}."),
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
        assert_eq!(s.headline(), "Synkad");
        assert_eq!(s.tone(), Tone::Done);
    }

    #[test]
    fn pending_changes_are_counted_in_swedish() {
        assert_eq!(status(Activity::Idle, 1).headline(), "1 ändring väntar");
        assert_eq!(status(Activity::Idle, 3).headline(), "3 ändringar väntar");
        assert_eq!(status(Activity::Idle, 3).tone(), Tone::Waiting);
    }

    #[test]
    fn offline_says_so_and_keeps_the_count() {
        assert_eq!(status(Activity::Offline, 0).headline(), "Offline");
        assert_eq!(
            status(Activity::Offline, 2).headline(),
            "Offline · 2 ändringar väntar"
        );
        assert!(status(Activity::Offline, 2)
            .detail()
            .contains("sparade på enheten"));
    }

    #[test]
    fn failure_is_a_problem_with_its_message() {
        let s = status(Activity::Failed("Servern svarade med ett fel.".into()), 1);
        assert_eq!(s.tone(), Tone::Problem);
        assert!(s.detail().starts_with("Servern svarade med ett fel."));
    }

    #[test]
    fn conflicts_waiting_are_never_called_synced() {
        let mut s = status(Activity::Idle, 0);
        s.conflicts = 2;
        assert_eq!(s.headline(), "2 konflikter att lösa");
        assert_eq!(s.tone(), Tone::Waiting);
        s.conflicts = 1;
        assert_eq!(s.headline(), "1 konflikt att lösa");
    }

    #[test]
    fn never_synced_is_not_called_synced() {
        let s = SyncStatus::default();
        assert_eq!(s.headline(), "Inte synkad än");
        assert_ne!(s.tone(), Tone::Problem);
    }
}
