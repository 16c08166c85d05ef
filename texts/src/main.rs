//! `barnbesok-texts`: the language check and the review records, for the
//! interface texts and the content alike.
//!
//! ```text
//! barnbesok-texts check                     list missing and outdated texts per language;
//!                                           fails for Swedish or English
//! barnbesok-texts css FILE...              fail on left/right where a logical property mirrors
//! barnbesok-texts status FILE              every translated text with its status, as JSON
//!                                           (the languages page reads it)
//! barnbesok-texts drafts LANGUAGE           record new translations as drafts
//! barnbesok-texts review LANGUAGE --by NAME [--on YYYY-MM-DD] [KEY | PREFIX. | PATH | FOLDER/ ...]
//!                                           mark texts reviewed (all when none is given)
//! ```
//! `--locales DIR` (default `app/locales`) says where the interface texts
//! are, `--content DIR` (default `shared/content`) where the content is.

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("barnbesok-texts: {message}");
            ExitCode::from(2)
        }
    }
}

fn run(mut args: Vec<String>) -> Result<ExitCode, String> {
    let locales = take_option(&mut args, "--locales")?
        .map_or_else(|| PathBuf::from("app/locales"), PathBuf::from);
    let content = take_option(&mut args, "--content")?
        .map_or_else(|| PathBuf::from("shared/content"), PathBuf::from);
    let catalogues = [
        texts::Catalogue::Interface(locales),
        texts::Catalogue::Content(content),
    ];
    let command = if args.is_empty() {
        String::new()
    } else {
        args.remove(0)
    };
    match command.as_str() {
        "check" => {
            let mut failed = false;
            for catalogue in &catalogues {
                failed |= check(catalogue)?;
            }
            Ok(if failed {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            })
        }
        "css" => {
            let mut failed = false;
            for path in &args {
                let css = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
                for (line, declaration) in texts::physical_properties(&css) {
                    println!("{path}:{line}: {declaration} (use the logical property: inline-start/-end)");
                    failed = true;
                }
            }
            if !failed {
                println!("style sheets: logical properties only ({} checked)", args.len());
            }
            Ok(if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS })
        }
        "status" => {
            let out = args.first().ok_or("status: which file to write?")?;
            let [interface, content] = &catalogues;
            let status =
                texts::status_of_all(interface, content).map_err(|e| e.to_string())?;
            let json = serde_json::to_string(&status).map_err(|e| e.to_string())?;
            if let Some(dir) = std::path::Path::new(out).parent() {
                std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            }
            std::fs::write(out, json).map_err(|e| format!("{out}: {e}"))?;
            Ok(ExitCode::SUCCESS)
        }
        "drafts" => {
            let language = args.first().ok_or("drafts: which language?")?;
            for catalogue in &catalogues {
                let added =
                    texts::record_drafts(catalogue, language).map_err(|e| e.to_string())?;
                println!(
                    "{}: {added} new texts in {language} recorded as drafts",
                    catalogue.name()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        "review" => {
            let by = take_option(&mut args, "--by")?.ok_or("review: --by NAME is required")?;
            let on = match take_option(&mut args, "--on")? {
                Some(day) => day,
                None => today(),
            };
            if args.is_empty() {
                return Err("review: which language?".into());
            }
            let language = args.remove(0);
            for catalogue in &catalogues {
                let marked = texts::mark_reviewed(catalogue, &language, &by, &on, &args)
                    .map_err(|e| e.to_string())?;
                println!(
                    "{}: {marked} texts in {language} marked reviewed by {by} on {on}",
                    catalogue.name()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        _ => Err("usage: barnbesok-texts [--locales DIR] [--content DIR] check | drafts LANGUAGE | review LANGUAGE --by NAME [--on DAY] [KEY...]".into()),
    }
}

fn take_option(args: &mut Vec<String>, name: &str) -> Result<Option<String>, String> {
    let Some(at) = args.iter().position(|a| a == name) else {
        return Ok(None);
    };
    if at + 1 >= args.len() {
        return Err(format!("{name} needs a value"));
    }
    let value = args.remove(at + 1);
    args.remove(at);
    Ok(Some(value))
}

/// Prints one catalogue's table and gaps; whether it fails.
fn check(catalogue: &texts::Catalogue) -> Result<bool, String> {
    let reports = texts::check(catalogue).map_err(|e| e.to_string())?;
    println!("{} ({})", catalogue.name(), catalogue.root().display());
    println!(
        "{:<9} {:>6} {:>9} {:>6} {:>9} {:>8} {:>8}  result",
        "language", "texts", "reviewed", "draft", "outdated", "missing", "surplus"
    );
    for report in &reports {
        println!(
            "{:<9} {:>6} {:>9} {:>6} {:>9} {:>8} {:>8}  {}",
            report.language,
            report.statuses.len(),
            report.count("reviewed"),
            report.count("draft"),
            report.count("outdated"),
            report.count("missing"),
            report.surplus.len(),
            if report.fails() {
                "FAILS"
            } else if texts::REQUIRED.contains(&report.language.as_str()) {
                "complete"
            } else {
                "partial (not required)"
            }
        );
    }
    for report in &reports {
        let required = texts::REQUIRED.contains(&report.language.as_str());
        for (what, keys) in [
            // A language not yet required lists only its count of missing texts.
            (
                "missing",
                if required {
                    report.keys("missing")
                } else {
                    Vec::new()
                },
            ),
            ("outdated", report.keys("outdated")),
            (
                "not in Swedish",
                report.surplus.iter().map(String::as_str).collect(),
            ),
        ] {
            if keys.is_empty() {
                continue;
            }
            println!("\n{} {what} ({}):", report.language, keys.len());
            for key in keys {
                println!("  {key}");
            }
        }
    }
    println!();
    Ok(reports.iter().any(texts::LanguageReport::fails))
}

/// Today as `YYYY-MM-DD` (UTC), without a date library.
fn today() -> String {
    let days = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() / 86_400);
    let days = i64::try_from(days).unwrap_or(0);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}
