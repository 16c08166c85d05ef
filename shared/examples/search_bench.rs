//! Routine search benchmark: builds an index over the seed routines plus
//! generated ones and prints build and query times as a table.
//!
//! cargo run --release -p barnbesok-shared --example search_bench [-- <generated documents>]

use chrono::NaiveDate;
use shared::routines::{
    seed_library, RegistrationNumber, RoutineBody, RoutineDraft, RoutineId, RoutineKind,
    RoutineOwner, RoutineTitle, RoutineVersion,
};
use shared::search::SearchIndex;
use std::error::Error;
use std::time::{Duration, Instant};

const DEFAULT_GENERATED: usize = 300;
const BUILD_RUNS: usize = 20;
const QUERY_RUNS: usize = 300;
const QUERIES: [&str; 12] = [
    "klagomål",
    "besok",
    "placeringar",
    "avslutsanteckning",
    "BRIS",
    "samtal med barn",
    "fam",
    "familjehemsplacering",
    "hälsoundersökning 0-6 år",
    "rättigheter stödboende",
    "undersökning",
    "xyzzy",
];

/// xorshift64*: deterministic, so every run indexes the same documents.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &'a [String]) -> &'a str {
        &items[self.below(items.len())]
    }
}

fn main() -> Result<(), Box<dyn Error>> {
    let generated: usize = match std::env::args().nth(1) {
        Some(n) => n.parse()?,
        None => DEFAULT_GENERATED,
    };
    let library = seed_library();
    let seeds: Vec<&RoutineVersion> = library.all_versions().collect();

    // Sentences and words of the seeds, recombined into new documents.
    let seed_text: String = seeds.iter().map(|v| v.body().plain_text() + "\n").collect();
    let sentences: Vec<String> = seed_text
        .split(['.', '\n'])
        .map(str::trim)
        .filter(|s| s.split_whitespace().count() >= 4)
        .map(|s| format!("{s}."))
        .collect();
    let words: Vec<String> = seed_text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 5)
        .map(str::to_lowercase)
        .collect();

    let mut rng = Rng(0x5eed_0143);
    let mut documents: Vec<RoutineVersion> = Vec::with_capacity(generated);
    for n in 0..generated {
        documents.push(generate(&mut rng, n, &sentences, &words)?);
    }
    let all: Vec<&RoutineVersion> = seeds.iter().copied().chain(&documents).collect();

    let mut build_times = Vec::with_capacity(BUILD_RUNS);
    let mut index = SearchIndex::default();
    for _ in 0..BUILD_RUNS {
        let started = Instant::now();
        index = SearchIndex::new(all.iter().copied());
        build_times.push(started.elapsed());
    }
    build_times.sort_unstable();
    let body_chars: usize = all.iter().map(|v| v.body().as_str().chars().count()).sum();

    println!(
        "Index: {} documents ({} generated + {} seed versions), {:.1} MB of Markdown, {} distinct words",
        index.len(),
        generated,
        seeds.len(),
        body_chars as f64 / 1e6,
        index.vocabulary_len(),
    );
    println!(
        "Build: median {}, fastest {} ({BUILD_RUNS} runs)\n",
        show(percentile(&build_times, 50)),
        show(build_times[0]),
    );
    println!("| query | hits | top hit | median | p99 |");
    println!("| --- | ---: | --- | ---: | ---: |");
    for query in QUERIES {
        let mut times = Vec::with_capacity(QUERY_RUNS);
        let mut hits = Vec::new();
        for _ in 0..QUERY_RUNS {
            let started = Instant::now();
            hits = index.search(query, 20);
            times.push(started.elapsed());
        }
        times.sort_unstable();
        let count = index.search(query, usize::MAX).len();
        let top = hits.first().map_or_else(
            || "–".to_owned(),
            |hit| format!("{} v{}", hit.routine_id, hit.version),
        );
        println!(
            "| {query} | {count} | {top} | {} | {} |",
            show(percentile(&times, 50)),
            show(percentile(&times, 99)),
        );
    }
    Ok(())
}

fn generate(
    rng: &mut Rng,
    n: usize,
    sentences: &[String],
    words: &[String],
) -> Result<RoutineVersion, Box<dyn Error>> {
    let mut title = String::new();
    for _ in 0..2 + rng.below(3) {
        if !title.is_empty() {
            title.push(' ');
        }
        title.push_str(rng.pick(words));
    }
    let mut body = String::new();
    for _ in 0..3 + rng.below(6) {
        body.push_str(&format!("## {}\n\n", capitalise(rng.pick(words))));
        for _ in 0..2 + rng.below(5) {
            body.push_str(rng.pick(sentences));
            body.push(' ');
        }
        body.push_str("\n\n");
        if rng.below(2) == 0 {
            for item in 0..2 + rng.below(4) {
                // Some compounds, as Swedish routines are full of them.
                let compound = format!("{}{}", rng.pick(words), rng.pick(words));
                body.push_str(&format!(
                    "{}. **{compound}**: {}\n",
                    item + 1,
                    rng.pick(sentences)
                ));
            }
            body.push('\n');
        }
    }
    let kind = RoutineKind::ALL[n % RoutineKind::ALL.len()];
    let draft = RoutineDraft {
        routine_id: RoutineId::parse(&format!("genererad-{n:04}"))?,
        version: 1,
        title: RoutineTitle::parse(&capitalise(&title))?,
        kind,
        registration_number: RegistrationNumber::parse(&format!("SN 2025/{n:04}"))?,
        valid_from: NaiveDate::from_ymd_opt(2025, 1, 1).ok_or("date")?,
        review_date: NaiveDate::from_ymd_opt(2026, 1, 1).ok_or("date")?,
        owner: RoutineOwner::parse("Enhetschef, Testenheten")?,
        body: RoutineBody::parse(&body)?,
        published_at: None,
    };
    Ok(RoutineVersion::new(draft)?)
}

fn capitalise(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

fn percentile(sorted: &[Duration], p: usize) -> Duration {
    let at = (sorted.len() * p).div_ceil(100).saturating_sub(1);
    sorted[at.min(sorted.len() - 1)]
}

fn show(duration: Duration) -> String {
    let micros = duration.as_secs_f64() * 1e6;
    if micros >= 1000.0 {
        format!("{:.1} ms", micros / 1000.0)
    } else {
        format!("{micros:.0} µs")
    }
}
