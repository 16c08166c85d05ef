//! Generates the `i18n` module from `locales/<language>/<namespace>.json`
//! (leptos_i18n). A namespace is a file in `locales/sv`, the source language,
//! so adding one needs no change here. See docs/languages.md.

use leptos_i18n_build::options::CodegenOptions;
use leptos_i18n_build::{Config, ParseOptions, TranslationsInfos};
use std::error::Error;
use std::path::PathBuf;

/// The interface languages; the first is the source every text is written in.
const LANGUAGES: [&str; 3] = ["sv", "en", "ar"];

fn main() -> Result<(), Box<dyn Error>> {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-changed=locales");
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR")?);
    let mut namespaces: Vec<String> =
        std::fs::read_dir(manifest.join("locales").join(LANGUAGES[0]))?
            .filter_map(Result::ok)
            .filter_map(|entry| {
                let name = entry.file_name().into_string().ok()?;
                name.strip_suffix(".json").map(str::to_owned)
            })
            .collect();
    namespaces.sort();

    let config = Config::new(LANGUAGES[0])?
        .add_locales(LANGUAGES[1..].iter().copied())?
        .add_namespaces(namespaces.iter().map(String::as_str))?
        // Arabic has only the pages a child sees so far; the rest is Swedish
        // until it is translated (the language check lists what is missing).
        .extend_locale("ar", "sv")?
        .parse_options(ParseOptions::new().interpolate_display(true));
    let infos = TranslationsInfos::parse(config)?;
    infos.emit_diagnostics();
    infos.rerun_if_locales_changed();
    let out = PathBuf::from(std::env::var("OUT_DIR")?).join("i18n");
    // The generated code is not ours to lint.
    let attributes =
        "#![allow(clippy::all, clippy::pedantic, clippy::allow_attributes, missing_docs, unused)]"
            .parse()?;
    infos.generate_i18n_module_with_options(
        out,
        CodegenOptions::new().top_level_attributes(Some(attributes)),
    )?;
    write_review(&manifest.join("locales"))
}

/// `$OUT_DIR/review.rs`: how far each translated language is reviewed (the
/// texts themselves the languages page fetches, `texts/status.json`).
fn write_review(locales: &std::path::Path) -> Result<(), Box<dyn Error>> {
    let mut code = String::from("pub const REVIEW: &[LanguageReview] = &[\n");
    for report in texts::check(&texts::Catalogue::Interface(locales.to_path_buf()))? {
        if report.language == texts::SOURCE {
            continue;
        }
        code.push_str(&format!(
            "    LanguageReview {{ tag: {:?}, texts: {}, reviewed: {}, draft: {}, outdated: {}, missing: {} }},\n",
            report.language,
            report.statuses.len(),
            report.count("reviewed"),
            report.count("draft"),
            report.count("outdated"),
            report.count("missing"),
        ));
    }
    code.push_str("];\n");
    std::fs::write(
        PathBuf::from(std::env::var("OUT_DIR")?).join("review.rs"),
        code,
    )?;
    Ok(())
}
