//! The translated texts' review status, from `locales/review/` at build time
//! (app/build.rs): what the languages page shows staff.

/// One text in one language.
#[derive(Clone, Copy, Debug)]
pub struct TextReview {
    pub key: &'static str,
    /// `reviewed`, `draft`, `outdated` or `missing` (see the texts crate).
    pub status: &'static str,
    pub by: &'static str,
    pub on: &'static str,
    pub swedish: &'static str,
    pub text: &'static str,
}

#[derive(Clone, Copy, Debug)]
pub struct LanguageReview {
    pub tag: &'static str,
    pub texts: &'static [TextReview],
}

impl LanguageReview {
    pub fn count(&self, status: &str) -> usize {
        self.texts.iter().filter(|t| t.status == status).count()
    }

    /// Whether every text is reviewed against the current Swedish.
    pub fn fully_reviewed(&self) -> bool {
        self.count("reviewed") == self.texts.len()
    }
}

include!(concat!(env!("OUT_DIR"), "/review.rs"));

/// The review of a language other than Swedish.
pub fn of(tag: &str) -> Option<&'static LanguageReview> {
    REVIEW.iter().find(|r| r.tag == tag)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_translated_language_is_listed_with_every_swedish_text() {
        let english = of("en").expect("English is reviewed data");
        let arabic = of("ar").expect("Arabic is reviewed data");
        assert_eq!(english.texts.len(), arabic.texts.len());
        assert_eq!(english.count("missing"), 0, "English is complete");
        assert!(arabic.count("missing") > 0, "Arabic covers only some pages so far");
        assert!(!arabic.fully_reviewed());
        assert!(of("sv").is_none(), "Swedish is the source");
        let sign_in = english.texts.iter().find(|t| t.key == "login.sign_in").expect("a text");
        assert_eq!((sign_in.swedish, sign_in.text), ("Logga in", "Sign in"));
    }
}
