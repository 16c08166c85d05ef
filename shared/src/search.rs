//! Offline full-text search over the routine library, aware of Swedish.
//!
//! Words are lower-cased and stemmed lightly ([`stem`]). A query word matches,
//! best first: the same stem; a word it is the beginning of (for words of at
//! least three letters, and for the word being typed); the same stem or
//! beginning with å, ä, ö and accents stripped ([`strip_diacritics`]), for
//! "besok" typed on a tablet; and, for stems of at least five letters, a word
//! it is part of, for Swedish compounds ("placering" in
//! "familjehemsplacering"). A query word found nowhere is split into a known
//! ending and the rest ("familjehemsplacering" → "familjehem", "placering").
//! Titles weigh more than bodies. The choices and their limits are in
//! `docs/routines.md`.

use crate::routines::{Library, RoutineId, RoutineVersion};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::{Bound, Range};

const EXACT: f32 = 1.0;
const PREFIX: f32 = 0.8;
const FOLDED: f32 = 0.7;
const FOLDED_PREFIX: f32 = 0.55;
const COMPOUND: f32 = 0.45;
const FOLDED_COMPOUND: f32 = 0.35;

/// A word in the title (or kind, or registration number) counts this much,
/// against at most `BM25_K1 + 1` for the body.
const TITLE_WEIGHT: f32 = 3.0;
const BM25_K1: f32 = 1.2;
const BM25_B: f32 = 0.75;

const MIN_PREFIX_CHARS: usize = 3;
const MIN_TYPED_PREFIX_CHARS: usize = 2;
const MIN_COMPOUND_CHARS: usize = 5;
/// The shortest known ending an unknown query compound is split at.
const MIN_HEAD_CHARS: usize = 4;
const MIN_STEM_CHARS: usize = 3;
/// Enough for the longest chain ("socialsekreterarens").
const MAX_STEM_PASSES: usize = 5;

const SNIPPET_CHARS: usize = 160;
const SNIPPET_LEAD_CHARS: usize = 40;

type StemId = u32;

/// An in-memory inverted index over routine versions.
#[derive(Clone, Debug, Default)]
pub struct SearchIndex {
    docs: Vec<Doc>,
    /// Every lower-cased word seen, and its stem.
    words: BTreeMap<String, StemId>,
    /// The same words with diacritics stripped; several stems can share one.
    stripped_words: BTreeMap<String, Vec<StemId>>,
    stem_ids: HashMap<String, StemId>,
    stripped_stems: HashMap<String, Vec<StemId>>,
    /// Per stem, the documents holding it, in document order.
    postings: Vec<Vec<Posting>>,
    avg_body_len: f32,
    /// `words` and `stripped_words` again, as text, for finding the words a
    /// query word is part of (compounds).
    vocabulary: Vocabulary,
    stripped_vocabulary: Vocabulary,
}

/// Words, each followed by a line break, in one string: a substring search
/// over it is far faster than one per word.
#[derive(Clone, Debug, Default)]
struct Vocabulary {
    text: String,
    /// Per word (several for a word shared by stems): where it starts and its stem.
    entries: Vec<(u32, StemId)>,
}

impl Vocabulary {
    fn new<'a>(words: impl Iterator<Item = (&'a String, &'a [StemId])>) -> Self {
        let mut vocabulary = Self::default();
        for (word, stems) in words {
            let Ok(start) = u32::try_from(vocabulary.text.len()) else {
                break;
            };
            vocabulary.text.push_str(word);
            vocabulary.text.push('\n');
            vocabulary
                .entries
                .extend(stems.iter().map(|&stem| (start, stem)));
        }
        vocabulary
    }

    /// The stems of the words that contain `part`.
    fn containing(&self, part: &str, mut found: impl FnMut(StemId)) {
        let mut from = 0;
        while let Some(offset) = self.text.get(from..).and_then(|rest| rest.find(part)) {
            let at = from + offset;
            let next = self
                .entries
                .partition_point(|&(start, _)| start as usize <= at);
            let word_start = self.entries[next.saturating_sub(1)].0;
            let first = self
                .entries
                .partition_point(|&(start, _)| start < word_start);
            for &(_, stem) in &self.entries[first..next] {
                found(stem);
            }
            from = self.text[at..]
                .find('\n')
                .map_or(self.text.len(), |end| at + end + 1);
        }
    }
}

#[derive(Clone, Debug)]
struct Doc {
    routine_id: RoutineId,
    version: u32,
    title: String,
    body: String,
    /// Where each indexed word of the title and body is, and its stem: for
    /// highlighting without tokenising a hit again.
    title_words: Vec<Located>,
    body_words: Vec<Located>,
}

#[derive(Clone, Copy, Debug)]
struct Located {
    start: u32,
    end: u32,
    stem: StemId,
}

#[derive(Clone, Copy, Debug)]
struct Posting {
    doc: u32,
    title_tf: u32,
    body_tf: u32,
}

/// One search result.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SearchHit {
    pub routine_id: RoutineId,
    pub version: u32,
    pub title: String,
    /// Byte ranges of `title` that matched.
    pub title_highlights: Vec<Range<usize>>,
    pub snippet: Snippet,
    pub score: f32,
}

/// A short passage of the body around the best match.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snippet {
    /// Plain text, starting or ending with "…" where cut.
    pub text: String,
    /// Byte ranges of `text` that matched, in order, not overlapping.
    pub highlights: Vec<Range<usize>>,
}

impl SearchIndex {
    pub fn new<'a>(versions: impl IntoIterator<Item = &'a RoutineVersion>) -> Self {
        let mut index = Self::default();
        for version in versions {
            index.add(version);
        }
        let total: usize = index.docs.iter().map(|doc| doc.body_words.len()).sum();
        index.avg_body_len = (total as f32 / index.docs.len().max(1) as f32).max(1.0);
        index.vocabulary = Vocabulary::new(
            index
                .words
                .iter()
                .map(|(word, stem)| (word, std::slice::from_ref(stem))),
        );
        index.stripped_vocabulary = Vocabulary::new(
            index
                .stripped_words
                .iter()
                .map(|(word, stems)| (word, stems.as_slice())),
        );
        index
    }

    /// The versions in force on `today`: what search shows by default.
    pub fn current(library: &Library, today: NaiveDate) -> Self {
        Self::new(library.current(today))
    }

    /// Every version, superseded and upcoming ones included.
    pub fn all_versions(library: &Library) -> Self {
        Self::new(library.all_versions())
    }

    /// The number of versions indexed.
    pub fn len(&self) -> usize {
        self.docs.len()
    }

    /// The number of distinct (lower-cased) words indexed.
    pub fn vocabulary_len(&self) -> usize {
        self.words.len()
    }

    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }

    fn add(&mut self, version: &RoutineVersion) {
        let Ok(doc) = u32::try_from(self.docs.len()) else {
            return;
        };
        let title = version.title().as_str().to_owned();
        let body = version.body().plain_text();
        let mut counts: HashMap<StemId, (u32, u32)> = HashMap::new();
        let meta = format!(
            "{} {}",
            version.kind().label_sv(),
            version.registration_number()
        );
        let title_words = self.locate(&title);
        let body_words = self.locate(&body);
        let meta_words = self.locate(&meta);
        for located in title_words.iter().chain(&meta_words) {
            counts.entry(located.stem).or_default().0 += 1;
        }
        for located in &body_words {
            counts.entry(located.stem).or_default().1 += 1;
        }
        for (stem, (title_tf, body_tf)) in counts {
            self.postings[stem as usize].push(Posting {
                doc,
                title_tf,
                body_tf,
            });
        }
        self.docs.push(Doc {
            routine_id: version.routine_id().clone(),
            version: version.version(),
            title,
            body,
            title_words,
            body_words,
        });
    }

    fn locate(&mut self, text: &str) -> Vec<Located> {
        let mut word = String::new();
        word_ranges(text)
            .filter_map(|range| {
                let (Ok(start), Ok(end)) = (u32::try_from(range.start), u32::try_from(range.end))
                else {
                    return None;
                };
                fold_into(&mut word, &text[range]).then(|| Located {
                    start,
                    end,
                    stem: self.intern(&word),
                })
            })
            .collect()
    }

    fn intern(&mut self, word: &str) -> StemId {
        if let Some(&id) = self.words.get(word) {
            return id;
        }
        let word_stem = stem(word);
        let id = match self.stem_ids.get(word_stem) {
            Some(&id) => id,
            None => {
                let id = StemId::try_from(self.postings.len()).unwrap_or(StemId::MAX);
                self.stem_ids.insert(word_stem.to_owned(), id);
                self.postings.push(Vec::new());
                self.stripped_stems
                    .entry(strip_diacritics(word_stem))
                    .or_default()
                    .push(id);
                id
            }
        };
        self.words.insert(word.to_owned(), id);
        let sharing = self
            .stripped_words
            .entry(strip_diacritics(word))
            .or_default();
        if !sharing.contains(&id) {
            sharing.push(id);
        }
        id
    }

    /// The best `limit` matches for `query`, best first. Ties go to the
    /// smaller routine id, then the newer version, so the order is stable.
    pub fn search(&self, query: &str, limit: usize) -> Vec<SearchHit> {
        let words: Vec<Vec<QueryTerm>> = QueryTerm::parse_all(query)
            .into_iter()
            .map(|term| self.split_compound(term))
            .collect();
        if words.is_empty() || self.docs.is_empty() || limit == 0 {
            return Vec::new();
        }
        let mut totals = vec![0.0_f32; self.docs.len()];
        let mut matched_words = vec![0_u32; self.docs.len()];
        let mut word_scores = vec![0.0_f32; self.docs.len()];
        let mut term_scores = vec![0.0_f32; self.docs.len()];
        let mut matched_stems = HashSet::new();
        for parts in &words {
            word_scores.fill(0.0);
            for term in parts {
                term_scores.fill(0.0);
                for (stem, quality) in self.candidates(term) {
                    matched_stems.insert(stem);
                    for posting in &self.postings[stem as usize] {
                        let score = quality * self.field_score(posting);
                        let best = &mut term_scores[posting.doc as usize];
                        *best = best.max(score);
                    }
                }
                // The rarity of the query word as a whole, over all the words
                // it matched: a rare compound found by a common word must not
                // outweigh the common word itself ("besok": "hembesök" < "besök").
                let doc_freq = term_scores.iter().filter(|score| **score > 0.0).count();
                let weight = term.weight * self.idf(doc_freq);
                for (word_score, term_score) in word_scores.iter_mut().zip(&term_scores) {
                    *word_score += weight * term_score;
                }
            }
            for ((total, matched), score) in
                totals.iter_mut().zip(&mut matched_words).zip(&word_scores)
            {
                if *score > 0.0 {
                    *total += score;
                    *matched += 1;
                }
            }
        }
        let term_count = words.len() as f32;
        let mut ranked: Vec<(usize, f32)> = totals
            .iter()
            .zip(&matched_words)
            .enumerate()
            .filter(|(_, (total, _))| **total > 0.0)
            .map(|(doc, (total, matched))| (doc, total * *matched as f32 / term_count))
            .collect();
        ranked.sort_by(|(a, a_score), (b, b_score)| {
            let (a_doc, b_doc) = (&self.docs[*a], &self.docs[*b]);
            b_score
                .total_cmp(a_score)
                .then_with(|| a_doc.routine_id.cmp(&b_doc.routine_id))
                .then_with(|| b_doc.version.cmp(&a_doc.version))
        });
        ranked.truncate(limit);
        ranked
            .into_iter()
            .map(|(doc, score)| {
                let doc = &self.docs[doc];
                SearchHit {
                    routine_id: doc.routine_id.clone(),
                    version: doc.version,
                    title: doc.title.clone(),
                    title_highlights: matching_ranges(&doc.title_words, &matched_stems),
                    snippet: snippet(&doc.body, &doc.body_words, &matched_stems),
                    score,
                }
            })
            .collect()
    }

    /// An unknown compound as its parts, each at half weight:
    /// "familjehemsplacering" as "placering" (the longest known ending) and
    /// "familjehem" (the rest, without a linking s). A known word as itself.
    fn split_compound(&self, term: QueryTerm) -> Vec<QueryTerm> {
        let known = |word: &str| self.stem_ids.contains_key(stem(word));
        let matches_anything = known(&term.word)
            || self.stripped_stems.contains_key(&term.stem_stripped)
            || (term.prefix
                && starting_with(&self.stripped_words, &term.word_stripped)
                    .next()
                    .is_some());
        if matches_anything {
            return vec![term];
        }
        let split = term
            .word
            .char_indices()
            .map(|(at, _)| at)
            .filter(|&at| term.word[..at].chars().count() >= MIN_PREFIX_CHARS)
            .take_while(|&at| term.word[at..].chars().count() >= MIN_HEAD_CHARS)
            .find(|&at| known(&term.word[at..]));
        let Some(at) = split else {
            return vec![term];
        };
        let modifier = &term.word[..at];
        let modifier = [Some(modifier), modifier.strip_suffix('s')]
            .into_iter()
            .flatten()
            .find(|part| known(part));
        [Some(&term.word[at..]), modifier]
            .into_iter()
            .flatten()
            .map(|part| QueryTerm::new(part.to_owned(), false).with_weight(0.5))
            .collect()
    }

    /// The stems a query term matches, each with its best match quality.
    fn candidates(&self, term: &QueryTerm) -> BTreeMap<StemId, f32> {
        let mut found = BTreeMap::new();
        let mut offer = |id: StemId, quality: f32| {
            let best = found.entry(id).or_insert(quality);
            *best = best.max(quality);
        };
        if let Some(&id) = self.stem_ids.get(&term.stem) {
            offer(id, EXACT);
        }
        for &id in self
            .stripped_stems
            .get(&term.stem_stripped)
            .into_iter()
            .flatten()
        {
            offer(id, FOLDED);
        }
        if term.prefix {
            // The more of a word the prefix covers, the better: "bris" is
            // more likely BRIS than "bristande".
            let typed = term.word.chars().count() as f32;
            let coverage = |word: &str| (typed / word.chars().count() as f32).sqrt();
            for (word, &id) in starting_with(&self.words, &term.word) {
                offer(id, PREFIX * coverage(word));
            }
            for (word, ids) in starting_with(&self.stripped_words, &term.word_stripped) {
                for &id in ids {
                    offer(id, FOLDED_PREFIX * coverage(word));
                }
            }
        }
        if term.compound {
            self.vocabulary
                .containing(&term.stem, |id| offer(id, COMPOUND));
            self.stripped_vocabulary
                .containing(&term.stem_stripped, |id| offer(id, FOLDED_COMPOUND));
        }
        found
    }

    fn idf(&self, doc_freq: usize) -> f32 {
        let n = self.docs.len() as f32;
        let df = doc_freq as f32;
        (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
    }

    fn field_score(&self, posting: &Posting) -> f32 {
        let title = if posting.title_tf > 0 {
            TITLE_WEIGHT
        } else {
            0.0
        };
        let body = if posting.body_tf > 0 {
            let tf = posting.body_tf as f32;
            let len = self.docs[posting.doc as usize].body_words.len() as f32;
            let norm = 1.0 - BM25_B + BM25_B * len / self.avg_body_len;
            tf * (BM25_K1 + 1.0) / (tf + BM25_K1 * norm)
        } else {
            0.0
        };
        title + body
    }
}

fn starting_with<'a, V>(
    map: &'a BTreeMap<String, V>,
    prefix: &'a str,
) -> impl Iterator<Item = (&'a String, &'a V)> {
    map.range::<str, _>((Bound::Included(prefix), Bound::Unbounded))
        .take_while(move |(word, _)| word.starts_with(prefix))
}

/// One word of a query, normalised every way it is matched.
#[derive(Debug)]
struct QueryTerm {
    word: String,
    word_stripped: String,
    stem: String,
    stem_stripped: String,
    prefix: bool,
    compound: bool,
    /// 1, or less for a part of a split compound.
    weight: f32,
}

impl QueryTerm {
    fn parse_all(query: &str) -> Vec<Self> {
        // The last word is still being typed unless the query ends after it.
        let typing = query.chars().last().is_some_and(char::is_alphanumeric);
        let mut words: Vec<String> = Vec::new();
        let mut word = String::new();
        for range in word_ranges(query) {
            if fold_into(&mut word, &query[range]) && !words.contains(&word) {
                words.push(word.clone());
            }
        }
        let last = words.len().saturating_sub(1);
        words
            .into_iter()
            .enumerate()
            .map(|(n, word)| Self::new(word, n == last && typing))
            .collect()
    }

    fn new(word: String, typing: bool) -> Self {
        let chars = word.chars().count();
        let stem = stem(&word).to_owned();
        Self {
            word_stripped: strip_diacritics(&word),
            stem_stripped: strip_diacritics(&stem),
            prefix: chars >= MIN_PREFIX_CHARS || (typing && chars >= MIN_TYPED_PREFIX_CHARS),
            compound: stem.chars().count() >= MIN_COMPOUND_CHARS,
            word,
            stem,
            weight: 1.0,
        }
    }

    fn with_weight(mut self, weight: f32) -> Self {
        self.weight = weight;
        self
    }
}

/// Byte ranges of the words whose stem matched.
fn matching_ranges(words: &[Located], stems: &HashSet<StemId>) -> Vec<Range<usize>> {
    words
        .iter()
        .filter(|word| stems.contains(&word.stem))
        .map(|word| word.start as usize..word.end as usize)
        .collect()
}

fn snippet(body: &str, words: &[Located], stems: &HashSet<StemId>) -> Snippet {
    let matched = matching_ranges(words, stems);
    // Anchor on the match followed by the most other matches within a
    // snippet's length (counted in bytes here, which is near enough).
    let mut best = (0, 0);
    let mut window_end = 0;
    for (i, first) in matched.iter().enumerate() {
        window_end = window_end.max(i);
        while window_end < matched.len() && matched[window_end].end <= first.start + SNIPPET_CHARS {
            window_end += 1;
        }
        if window_end - i > best.1 {
            best = (i, window_end - i);
        }
    }
    let anchor = matched.get(best.0).map_or(0, |m| m.start);
    let mut start = back_chars(body, anchor, SNIPPET_LEAD_CHARS);
    if start > 0 {
        // Start at a word.
        start = body[start..anchor]
            .find(char::is_whitespace)
            .map_or(anchor, |at| start + at + 1);
    }
    let mut end = advance_chars(body, start, SNIPPET_CHARS);
    if end < body.len() {
        if let Some(at) = body[start..end].rfind(char::is_whitespace) {
            if start + at > anchor {
                end = start + at;
            }
        }
    }
    let lead = if start > 0 { "…" } else { "" };
    let mut text = String::with_capacity(end - start + 16);
    text.push_str(lead);
    let mut highlights = Vec::new();
    // Lines (headings, list items) run on in one line, joined by " · " where
    // no full stop ends them.
    let mut line_start = start;
    for line in body[start..end].split('\n') {
        let line_end = line_start + line.len();
        if !line.is_empty() {
            if text.len() > lead.len() {
                let ends_sentence = text.ends_with(['.', ':', ';', '!', '?']);
                text.push_str(if ends_sentence { " " } else { " · " });
            }
            let base = text.len();
            text.push_str(line);
            highlights.extend(
                matched
                    .iter()
                    .filter(|m| m.start >= line_start && m.end <= line_end)
                    .map(|m| base + m.start - line_start..base + m.end - line_start),
            );
        }
        line_start = line_end + 1;
    }
    if end < body.len() {
        text.push('…');
    }
    Snippet { text, highlights }
}

fn advance_chars(text: &str, from: usize, chars: usize) -> usize {
    text[from..]
        .char_indices()
        .nth(chars)
        .map_or(text.len(), |(at, _)| from + at)
}

fn back_chars(text: &str, from: usize, chars: usize) -> usize {
    text[..from]
        .char_indices()
        .rev()
        .nth(chars.saturating_sub(1))
        .map_or(0, |(at, _)| at)
}

/// Splits `text` into runs, each marked whether it is highlighted, for
/// rendering a title or snippet without HTML.
pub fn segments<'a>(text: &'a str, highlights: &[Range<usize>]) -> Vec<(&'a str, bool)> {
    let mut out = Vec::new();
    let mut at = 0;
    for range in highlights {
        let (Some(before), Some(marked)) = (text.get(at..range.start), text.get(range.clone()))
        else {
            continue;
        };
        if !before.is_empty() {
            out.push((before, false));
        }
        out.push((marked, true));
        at = range.end;
    }
    if let Some(rest) = text.get(at..).filter(|rest| !rest.is_empty()) {
        out.push((rest, false));
    }
    out
}

// ---- Normalisation -------------------------------------------------------------

/// The byte ranges of the words of `text`: runs of letters and digits.
fn word_ranges(text: &str) -> impl Iterator<Item = Range<usize>> + '_ {
    let mut chars = text.char_indices().peekable();
    std::iter::from_fn(move || {
        while chars.next_if(|(_, c)| !c.is_alphanumeric()).is_some() {}
        let (start, _) = *chars.peek()?;
        let mut end = start;
        while let Some((at, c)) = chars.next_if(|(_, c)| c.is_alphanumeric()) {
            end = at + c.len_utf8();
        }
        Some(start..end)
    })
}

/// Lower-cases `word` into `buffer` (reused, to spare an allocation per
/// word); whether the word is indexed at all.
fn fold_into(buffer: &mut String, word: &str) -> bool {
    buffer.clear();
    buffer.extend(word.chars().flat_map(char::to_lowercase));
    is_indexable(buffer)
}

/// Stop words and lone letters (the "s" of "LVU:s") are not indexed; lone
/// digits are ("0–6 år").
fn is_indexable(word: &str) -> bool {
    let mut chars = word.chars();
    let lone_letter =
        matches!((chars.next(), chars.next()), (Some(c), None) if !c.is_ascii_digit());
    !lone_letter && STOP_WORDS.binary_search(&word).is_err()
}

/// Lower-cases a word as the index does.
pub fn fold(word: &str) -> String {
    word.chars().flat_map(char::to_lowercase).collect()
}

/// Å, ä, ö and accented letters to their base letter (å, ä → a; ö, ø → o;
/// é → e; ü → u…), for matching words typed without them. Swedish å, ä and ö
/// are letters of their own, so such a match counts less than an exact one.
pub fn strip_diacritics(word: &str) -> String {
    word.chars()
        .map(|c| match c {
            'å' | 'ä' | 'á' | 'à' | 'â' | 'ã' | 'æ' => 'a',
            'ö' | 'ø' | 'ó' | 'ò' | 'ô' | 'õ' => 'o',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'ü' | 'ú' | 'ù' | 'û' => 'u',
            'í' | 'ì' | 'î' | 'ï' => 'i',
            'ç' => 'c',
            'ñ' => 'n',
            'ý' | 'ÿ' => 'y',
            other => other,
        })
        .collect()
}

/// Inflectional endings (with the participles -ande/-ende and -ade), longest
/// first. Derivations such as -het and -ning are kept: "placering" is not
/// "placera".
const SUFFIXES: [&str; 16] = [
    "arna", "erna", "orna", "ande", "ende", "aren", "ade", "are", "ar", "er", "or", "en", "et",
    "an", "a", "e",
];

/// A light Swedish stemmer for a lower-cased word: inflectional endings are
/// removed one at a time until none is left ("barnets" → "barnet" → "barn"),
/// a genitive -s after a consonant or o among them, while at least three
/// letters remain; "mm" and "nn" left at the end are undoubled ("hemmet" →
/// "hem"). The index and the query are stemmed alike, so a stem need not be a
/// word ("rättigheter" → "rättigh").
pub fn stem(word: &str) -> &str {
    let mut current = word;
    for _ in 0..MAX_STEM_PASSES {
        match strip_suffix(current) {
            Some(shorter) => current = shorter,
            None => break,
        }
    }
    current
}

fn strip_suffix(word: &str) -> Option<&str> {
    let long_enough = |stem: &str| stem.chars().count() >= MIN_STEM_CHARS;
    let stripped = SUFFIXES
        .iter()
        .filter_map(|suffix| word.strip_suffix(suffix))
        .find(|stem| long_enough(stem))
        .or_else(|| {
            let stem = word.strip_suffix('s')?;
            let genitive = stem.ends_with(|c: char| "bcdfghjklmnoprtvy".contains(c));
            (genitive && long_enough(stem)).then_some(stem)
        })?;
    let undoubled = if stripped.ends_with("mm") || stripped.ends_with("nn") {
        &stripped[..stripped.len() - 1]
    } else {
        stripped
    };
    Some(if long_enough(undoubled) {
        undoubled
    } else {
        stripped
    })
}

/// Sorted, for binary search.
const STOP_WORDS: [&str; 74] = [
    "alla", "andra", "att", "av", "blev", "bli", "blir", "de", "dem", "den", "denna", "deras",
    "dess", "dessa", "det", "detta", "du", "där", "då", "efter", "eller", "en", "er", "ett",
    "från", "för", "ha", "hade", "han", "har", "hen", "hennes", "hon", "honom", "hos", "hur",
    "här", "i", "in", "inom", "inte", "jag", "kan", "man", "med", "men", "mot", "när", "och", "om",
    "oss", "på", "samt", "sig", "sin", "sina", "sitt", "ska", "skall", "som", "så", "till",
    "under", "upp", "ut", "vad", "var", "vi", "vid", "vilka", "vilken", "än", "är", "även",
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routines::seed_library;

    fn index() -> SearchIndex {
        SearchIndex::current(&seed_library(), "2026-11-24".parse().unwrap())
    }

    fn ids(hits: &[SearchHit]) -> Vec<&str> {
        hits.iter().map(|hit| hit.routine_id.as_str()).collect()
    }

    fn top(index: &SearchIndex, query: &str) -> Vec<String> {
        ids(&index.search(query, 10))
            .into_iter()
            .map(String::from)
            .collect()
    }

    #[test]
    fn stop_words_are_sorted() {
        assert!(STOP_WORDS.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn stems_of_real_words_agree() {
        let families: &[&[&str]] = &[
            &[
                "placering",
                "placeringen",
                "placeringar",
                "placeringarna",
                "placeringens",
                "placeringars",
            ],
            &["besök", "besöket", "besöken", "besökets", "besöks"],
            &["barn", "barnet", "barnen", "barnets", "barns", "barnens"],
            &["klagomål", "klagomålet", "klagomålen"],
            &["rättighet", "rättigheter", "rättigheten", "rättigheterna"],
            &["omplacering", "omplaceringen", "omplaceringar"],
            &[
                "familjehem",
                "familjehemmet",
                "familjehemmen",
                "familjehemmets",
            ],
            &[
                "socialsekreterare",
                "socialsekreteraren",
                "socialsekreterarna",
                "socialsekreterarens",
            ],
            &["rutin", "rutinen", "rutiner", "rutinerna"],
            &["samtal", "samtalet", "samtalen"],
            &["ansvar", "ansvaret", "ansvarar"],
            &["vecka", "veckan", "veckor", "veckorna"],
            &["ärende", "ärendet", "ärenden", "ärendena"],
            &[
                "avslutsanteckning",
                "avslutsanteckningen",
                "avslutsanteckningar",
            ],
        ];
        for family in families {
            let stems: Vec<&str> = family.iter().map(|word| stem(word)).collect();
            assert!(
                stems.iter().all(|s| *s == stems[0]),
                "{family:?} → {stems:?}"
            );
        }
        assert_eq!(stem("placering"), "placering");
        assert_eq!(stem("besök"), "besök");
        // Words the stemmer must leave alone.
        for word in ["bris", "hus", "ivo", "lvu", "hvb", "process", "tre"] {
            assert_eq!(stem(word), word);
        }
        assert_ne!(stem("placering"), stem("placera"));
    }

    #[test]
    fn diacritics_are_stripped_only_for_the_fallback() {
        assert_eq!(
            strip_diacritics("besök på året, café, Müller"),
            "besok pa aret, cafe, Muller"
        );
        assert_eq!(fold("ÅÄÖ BRIS"), "åäö bris");
    }

    #[test]
    fn complaint_query_finds_the_complaint_routine_first() {
        let index = index();
        for query in [
            "klagomål",
            "klagomålet",
            "Klagomål",
            "klagomal",
            "BRIS",
            "bris",
            "barnombudsmannen",
            "IVO",
        ] {
            assert_eq!(
                top(&index, query)[0],
                "information-om-klagomal-och-rattigheter",
                "{query}"
            );
        }
    }

    #[test]
    fn visit_query_without_diacritics_finds_the_visit_routine() {
        let index = index();
        for query in [
            "besok",
            "besök",
            "besöket",
            "BESÖK",
            "besoken",
            "besök hos placerade barn",
        ] {
            assert_eq!(top(&index, query)[0], "besok-hos-placerade-barn", "{query}");
        }
    }

    #[test]
    fn placement_queries_find_placement_routines() {
        let index = index();
        let hits = top(&index, "placeringar");
        for expected in [
            "checklista-vid-placering",
            "avslut-av-placering",
            "hembesok-fore-placering-funktionsnedsattning",
        ] {
            assert!(
                hits[..3].contains(&expected.to_owned()),
                "{expected} in {hits:?}"
            );
        }
        assert_eq!(top(&index, "omplacering")[0], "avslut-av-placering");
        // An unknown compound is searched as its parts.
        let hits = top(&index, "familjehemsplacering");
        assert!(
            hits[..3].contains(&"checklista-vid-placering".to_owned()),
            "{hits:?}"
        );
        assert_eq!(
            top(&index, "klagomålsinformation")[0],
            "information-om-klagomal-och-rattigheter"
        );
        // A compound holding the query: "familjehemsplacering" is not in the
        // seeds, so search for a part of "hälsoundersökning".
        assert_eq!(
            top(&index, "undersökning")[0],
            "halsoundersokning-barn-0-6-ar"
        );
    }

    #[test]
    fn other_seed_queries() {
        let index = index();
        assert_eq!(top(&index, "avslutsanteckning")[0], "avslut-av-placering");
        assert_eq!(top(&index, "samtal med barn")[0], "samtal-med-barn");
        assert_eq!(top(&index, "tre hus")[0], "samtal-med-barn");
        assert_eq!(top(&index, "belastning")[0], "utredning-av-familjehem");
        assert_eq!(top(&index, "kronofogden")[0], "utredning-av-familjehem");
        assert_eq!(top(&index, "referenser")[0], "utredning-av-familjehem");
        assert_eq!(
            top(&index, "hälsoundersökning 0-6 år")[0],
            "halsoundersokning-barn-0-6-ar"
        );
        assert_eq!(
            top(&index, "funktionsnedsättning")[0],
            "hembesok-fore-placering-funktionsnedsattning"
        );
        assert_eq!(top(&index, "checklista")[0], "checklista-vid-placering");
        assert_eq!(top(&index, "SN 2026/0146")[0], "avslut-av-placering");
    }

    #[test]
    fn typing_matches_prefixes() {
        let index = index();
        assert_eq!(
            top(&index, "klago")[0],
            "information-om-klagomal-och-rattigheter"
        );
        assert_eq!(top(&index, "avslutsant")[0], "avslut-av-placering");
        assert_eq!(top(&index, "samtal med b")[0], "samtal-med-barn");
        // Two letters match as a prefix only while typed last.
        assert!(index.search("kl", 10).len() > 1);
        assert!(index.search("kl ", 10).is_empty());
    }

    #[test]
    fn empty_stop_word_and_nonsense_queries_find_nothing() {
        let index = index();
        for query in ["", "   ", "?!", "och att som", "xyzzy", "qwrtplk", "s"] {
            assert!(index.search(query, 10).is_empty(), "{query}");
        }
        assert!(index.search("klagomål", 0).is_empty());
        assert!(SearchIndex::default().search("klagomål", 10).is_empty());
    }

    #[test]
    fn ranking_is_deterministic() {
        let first = index().search("barn", 20);
        for _ in 0..5 {
            assert_eq!(index().search("barn", 20), first);
        }
        assert!(first.windows(2).all(|w| w[0].score >= w[1].score));
    }

    #[test]
    fn current_versions_only_by_default() {
        let library = seed_library();
        let today = "2026-11-24".parse().unwrap();
        let hits = SearchIndex::current(&library, today).search("besök", 10);
        assert!(hits
            .iter()
            .all(|hit| hit.routine_id.as_str() != "besok-hos-placerade-barn" || hit.version == 2));
        let all = SearchIndex::all_versions(&library).search("besök hos placerade barn", 10);
        let mut top_two: Vec<(&str, u32)> = all[..2]
            .iter()
            .map(|hit| (hit.routine_id.as_str(), hit.version))
            .collect();
        top_two.sort_unstable();
        assert_eq!(
            top_two,
            [
                ("besok-hos-placerade-barn", 1),
                ("besok-hos-placerade-barn", 2)
            ]
        );
    }

    #[test]
    fn highlights_mark_the_matched_words() {
        let index = index();
        let hit = &index.search("klagomål", 1)[0];
        let marked: Vec<&str> = hit
            .title_highlights
            .iter()
            .map(|r| &hit.title[r.clone()])
            .collect();
        assert_eq!(marked, ["klagomål"]);
        let snippet = &hit.snippet;
        assert!(!snippet.highlights.is_empty());
        for range in &snippet.highlights {
            assert!(
                snippet.text[range.clone()]
                    .to_lowercase()
                    .starts_with("klagom"),
                "{snippet:?}"
            );
        }
        assert!(snippet.text.chars().count() <= SNIPPET_CHARS + 2);
        let parts = segments(&snippet.text, &snippet.highlights);
        assert_eq!(parts.concat_text(), snippet.text);

        let hit = &index.search("besok", 1)[0];
        assert_eq!(&hit.title[hit.title_highlights[0].clone()], "Besök");
    }

    trait ConcatText {
        fn concat_text(&self) -> String;
    }
    impl ConcatText for Vec<(&str, bool)> {
        fn concat_text(&self) -> String {
            self.iter().map(|(text, _)| *text).collect()
        }
    }

    fn index_of(body: &str) -> SearchIndex {
        use crate::routines::{
            RegistrationNumber, RoutineBody, RoutineDraft, RoutineKind, RoutineOwner, RoutineTitle,
        };
        let version = RoutineVersion::new(RoutineDraft {
            routine_id: RoutineId::parse("prov").unwrap(),
            version: 1,
            title: RoutineTitle::parse("Prov").unwrap(),
            kind: RoutineKind::Rutin,
            registration_number: RegistrationNumber::parse("SN 2026/1").unwrap(),
            valid_from: "2026-01-01".parse().unwrap(),
            review_date: "2027-01-01".parse().unwrap(),
            owner: RoutineOwner::parse("Enhetschef").unwrap(),
            body: RoutineBody::parse(body).unwrap(),
            published_at: None,
        })
        .unwrap();
        SearchIndex::new([&version])
    }

    #[test]
    fn snippets_cut_at_words() {
        let body = "Inledning. ".repeat(30)
            + "Här står något om klagomål och mer text. "
            + &"Slut. ".repeat(40);
        let snippet = index_of(&body).search("klagomål", 1).remove(0).snippet;
        assert!(snippet.text.starts_with('…') && snippet.text.ends_with('…'));
        assert!(snippet.text.contains("klagomål"));
        assert_eq!(snippet.highlights.len(), 1);
        assert!(!snippet.text.trim_start_matches('…').starts_with(' '));
    }

    #[test]
    fn segments_split_text() {
        assert_eq!(
            segments("Besök hos barn", &[0..6, 11..15]),
            [("Besök", true), (" hos ", false), ("barn", true)]
        );
        assert_eq!(segments("abc", &[5..9, 12..14]), [("abc", false)]);
    }
}
