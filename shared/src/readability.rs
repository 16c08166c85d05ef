//! Readability of the children's texts: LIX (läsbarhetsindex, Björnsson).
//!
//! `LIX = words / sentences + 100 × long words / words`, where a long word has
//! more than six letters. Below 25 is very easy (children's books), 25–35
//! easy, 35–45 medium (newspapers), above 45 hard (official texts).
//!
//! Counting rules, so that the score does not depend on the layout:
//!
//! - **Word**: a run of letters and digits (any script, so `å ä ö` and Arabic
//!   letters are letters). A hyphen or an apostrophe between two such
//!   characters joins the parts into one word: `LVU-placering`, `010-788`,
//!   `don't` are one word each.
//! - **Long word**: more than six *letters*; digits do not count, so a phone
//!   number is never a long word.
//! - **Sentence end**: `.` `!` `?` `:` or `؟` not followed by a letter or digit
//!   (so `ivo.se` and `8.30` end nothing), and every line break. Headings and
//!   list items are sentences even without a full stop, which is why a line
//!   break ends one; give each paragraph one line ([`markdown_text`] does).
//!   An end counts only after at least one word since the last end, so `...`,
//!   `?!` or a blank line count once or not at all, and text that has words but
//!   no end at all is one sentence.
//! - No words: `0.0`.

use crate::markdown::{self, Block};

/// A word longer than this many letters is long.
const LONG_WORD_LETTERS: usize = 6;

/// The LIX of `text` (plain text, one heading, list item or paragraph a line),
/// counted as the module documents.
pub fn lix(text: &str) -> f64 {
    let counts = Counts::of(text);
    counts.lix()
}

/// The counts behind [`lix`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub words: usize,
    pub long_words: usize,
    pub sentences: usize,
}

impl Counts {
    /// Counts words, long words and sentences by the module's rules.
    pub fn of(text: &str) -> Self {
        let chars: Vec<char> = text.chars().collect();
        let mut counts = Self::default();
        let mut words_in_sentence = 0usize;
        let mut letters = 0usize;
        let mut in_word = false;
        for (at, &c) in chars.iter().enumerate() {
            let next = chars.get(at + 1).copied();
            let prev = at.checked_sub(1).map(|before| chars[before]);
            let joins = matches!(c, '-' | '\'' | '’')
                && prev.is_some_and(char::is_alphanumeric)
                && next.is_some_and(char::is_alphanumeric);
            if c.is_alphanumeric() || (in_word && joins) {
                if !in_word {
                    in_word = true;
                    letters = 0;
                }
                if c.is_alphabetic() {
                    letters += 1;
                }
                continue;
            }
            if in_word {
                in_word = false;
                counts.count_word(letters);
                words_in_sentence += 1;
            }
            let ends = match c {
                '\n' => true,
                '.' | '!' | '?' | ':' | '؟' => !next.is_some_and(char::is_alphanumeric),
                _ => false,
            };
            if ends {
                counts.end_sentence(&mut words_in_sentence);
            }
        }
        if in_word {
            counts.count_word(letters);
            words_in_sentence += 1;
        }
        counts.end_sentence(&mut words_in_sentence);
        counts
    }

    fn end_sentence(&mut self, words_in_sentence: &mut usize) {
        if *words_in_sentence > 0 {
            self.sentences += 1;
            *words_in_sentence = 0;
        }
    }

    fn count_word(&mut self, letters: usize) {
        self.words += 1;
        if letters > LONG_WORD_LETTERS {
            self.long_words += 1;
        }
    }

    /// `words / sentences + 100 × long words / words`; `0.0` without words.
    pub fn lix(self) -> f64 {
        if self.words == 0 || self.sentences == 0 {
            return 0.0;
        }
        let words = self.words as f64;
        words / self.sentences as f64 + 100.0 * self.long_words as f64 / words
    }
}

/// The text of a Markdown body (no front matter) for [`lix`]: markers removed,
/// one line for each heading, paragraph, quote and list item, a paragraph's
/// own line breaks joined with spaces.
pub fn markdown_text(body: &str) -> String {
    let mut lines: Vec<String> = Vec::new();
    let mut push = |text: String| lines.push(text.replace('\n', " "));
    for block in markdown::parse(body) {
        match block {
            Block::Heading { inlines, .. } | Block::Paragraph(inlines) | Block::Quote(inlines) => {
                push(markdown::plain_text(&inlines));
            }
            Block::List(list) => {
                for item in list.items {
                    push(markdown::plain_text(&item.inlines));
                    for sub_item in item.sublist.iter().flat_map(|sub| &sub.items) {
                        push(markdown::plain_text(sub_item));
                    }
                }
            }
        }
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(actual: f64, expected: f64) -> bool {
        (actual - expected).abs() < 1e-9
    }

    #[test]
    fn empty_text_is_zero() {
        assert_eq!(lix(""), 0.0);
        assert_eq!(lix("   \n\n  "), 0.0);
        assert_eq!(lix("... ?! :"), 0.0);
    }

    #[test]
    fn hand_counted_swedish() {
        // "Du får ringa till din socialsekreterare." 6 words, 1 long
        // (socialsekreterare); "Hen lyssnar på dig." 4 words, 1 long
        // (lyssnar, 7 letters). 10 words / 2 sentences + 100 × 2 / 10 = 25.
        let text = "Du får ringa till din socialsekreterare. Hen lyssnar på dig.";
        assert_eq!(
            Counts::of(text),
            Counts {
                words: 10,
                long_words: 2,
                sentences: 2
            }
        );
        assert!(close(lix(text), 25.0));
    }

    #[test]
    fn six_letters_is_not_long_seven_is() {
        // "skolan" has 6 letters, "familjen" 8; "ä" and "ö" are letters.
        assert_eq!(Counts::of("skolan").long_words, 0);
        assert_eq!(Counts::of("familjen").long_words, 1);
        assert_eq!(Counts::of("tröstar").long_words, 1);
        assert_eq!(Counts::of("rättigheter").long_words, 1);
    }

    #[test]
    fn no_sentence_end_is_one_sentence() {
        // 4 words, none long: 4 / 1 + 0.
        assert!(close(lix("du får säga nej"), 4.0));
    }

    #[test]
    fn hyphen_and_apostrophe_join_a_word() {
        let counts = Counts::of("LVU-placering och don't och 010-788 50 00.");
        assert_eq!(counts.words, 7);
        // "LVU-placering" has 12 letters; "010-788" has none.
        assert_eq!(counts.long_words, 1);
        assert_eq!(counts.sentences, 1);
        // A dash with spaces is not part of a word.
        assert_eq!(Counts::of("ja - nej").words, 2);
    }

    #[test]
    fn dots_inside_words_end_nothing() {
        let counts = Counts::of("Läs på ivo.se klockan 8.30 i dag.");
        assert_eq!(counts.sentences, 1);
        assert_eq!(counts.words, 9);
    }

    #[test]
    fn line_breaks_and_colons_end_sentences_once() {
        // Heading, colon, two list items, then a blank line and an ellipsis.
        let text = "Dina rättigheter\nDu har rätt att:\nsäga vad du tycker\ngå i skolan\n\nBra...";
        assert_eq!(Counts::of(text).sentences, 5);
    }

    #[test]
    fn other_scripts_are_words() {
        let counts = Counts::of("لك الحق في أن تقول رأيك؟ نعم.");
        assert_eq!(counts.words, 7);
        assert_eq!(counts.sentences, 2);
    }

    #[test]
    fn markdown_text_gives_one_line_a_block() {
        let body =
            "## Rubrik\n\nEtt stycke\nsom fortsätter.\n\n- **ett**\n- två\n  - tre\n\n> Citat";
        assert_eq!(
            markdown_text(body),
            "Rubrik\nEtt stycke som fortsätter.\nett\ntvå\ntre\nCitat"
        );
        // A wrapped paragraph is one sentence, not two.
        assert_eq!(Counts::of(&markdown_text("a b\nc d.")).sentences, 1);
    }
}
