//! The fuzz targets of `shared`'s decoders, replayed as tests: every seed in
//! `fuzz/corpus/<target>/` and every input that once crashed the fuzzer, in
//! `fuzz/regressions/<target>/`, through the same checks (`fuzz/checks/`).

#[path = "../../fuzz/checks/shared.rs"]
mod checks;
#[path = "../../fuzz/checks/replay.rs"]
mod replay;

use std::path::{Path, PathBuf};

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz")
}

#[test]
fn push_body() {
    replay::replay(&fuzz_dir(), "push_body", checks::push_body);
}

#[test]
fn text_newtypes() {
    replay::replay(&fuzz_dir(), "text_newtypes", checks::text_newtypes);
}

#[test]
fn merge_patch() {
    replay::replay(&fuzz_dir(), "merge_patch", checks::merge_patch);
}

#[test]
fn local_read() {
    replay::replay(&fuzz_dir(), "local_read", checks::local_read);
}

#[test]
fn markdown() {
    replay::replay(&fuzz_dir(), "markdown", checks::markdown);
}
