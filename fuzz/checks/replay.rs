//! Replays the seed corpus and the regressions of one fuzz target through its
//! check, as a normal test. Included by the tests that own the decoders
//! (`shared/tests/fuzz_regressions.rs`, `server/src/fuzz_regressions.rs`).

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

/// The input files in `dir`, sorted; none if it does not exist.
fn inputs(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.file_name().is_some_and(|n| n != "README.md"))
        .collect();
    files.sort();
    files
}

/// Runs `check` on every file of `fuzz/corpus/<target>/` and
/// `fuzz/regressions/<target>/`, and fails naming each file that panics.
pub fn replay(fuzz_dir: &Path, target: &str, check: fn(&[u8])) {
    let seeds = inputs(&fuzz_dir.join("corpus").join(target));
    assert!(
        !seeds.is_empty(),
        "no seed corpus for fuzz target {target} in {}",
        fuzz_dir.display()
    );
    let regressions = inputs(&fuzz_dir.join("regressions").join(target));
    let mut failed = Vec::new();
    for file in seeds.iter().chain(&regressions) {
        let data = match std::fs::read(file) {
            Ok(data) => data,
            Err(e) => panic!("cannot read {}: {e}", file.display()),
        };
        if catch_unwind(AssertUnwindSafe(|| check(&data))).is_err() {
            failed.push(file.display().to_string());
        }
    }
    assert!(
        failed.is_empty(),
        "fuzz target {target}: these inputs fail its check:\n{}",
        failed.join("\n")
    );
}
