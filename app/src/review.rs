//! How far each translated language is reviewed, from `locales/review/` at
//! build time (app/build.rs). The texts themselves, with their status, are
//! served beside the app as `texts/status.json` for the languages page.

#[derive(Clone, Copy, Debug)]
pub struct LanguageReview {
    pub tag: &'static str,
    /// Every Swedish text; of them, this language's statuses.
    pub texts: usize,
    pub reviewed: usize,
    pub draft: usize,
    pub outdated: usize,
    pub missing: usize,
}

impl LanguageReview {
    /// Whether every text is reviewed against the current Swedish.
    pub fn fully_reviewed(&self) -> bool {
        self.reviewed == self.texts
    }
}

include!(concat!(env!("OUT_DIR"), "/review.rs"));

/// The review of a language other than Swedish.
pub fn of(tag: &str) -> Option<&'static LanguageReview> {
    REVIEW.iter().find(|r| r.tag == tag)
}

/// Where the texts with their status are served (scripts/build-app.sh).
pub const STATUS_PATH: &str = "/texts/status.json";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_translated_language_is_counted_against_every_swedish_text() {
        let english = of("en").expect("English is reviewed data");
        let arabic = of("ar").expect("Arabic is reviewed data");
        assert_eq!(english.texts, arabic.texts);
        assert_eq!(english.missing, 0, "English is complete");
        assert_eq!(
            english.reviewed + english.draft + english.outdated + english.missing,
            english.texts
        );
        assert!(arabic.missing > 0, "Arabic covers only some pages so far");
        assert!(!arabic.fully_reviewed());
        assert!(of("sv").is_none(), "Swedish is the source");
    }
}
