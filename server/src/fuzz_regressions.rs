//! The fuzz targets of the server's own decoders, replayed as tests: every
//! seed in `fuzz/corpus/<target>/` and every input that once crashed the
//! fuzzer, in `fuzz/regressions/<target>/`, through the same checks
//! (`fuzz/checks/server.rs`, which names this crate `server` as the fuzz
//! targets do).

#[path = "../../fuzz/checks/server.rs"]
mod checks;
#[path = "../../fuzz/checks/replay.rs"]
mod replay;

use std::path::{Path, PathBuf};

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz")
}

#[test]
fn pull_query() {
    replay::replay(&fuzz_dir(), "pull_query", checks::pull_query);
}

#[test]
fn audit_query() {
    replay::replay(&fuzz_dir(), "audit_query", checks::audit_query);
}

#[test]
fn bearer_token() {
    replay::replay(&fuzz_dir(), "bearer_token", checks::bearer);
}

#[test]
fn login_body() {
    replay::replay(&fuzz_dir(), "login_body", checks::login_body);
}

#[test]
fn refresh_body() {
    replay::replay(&fuzz_dir(), "refresh_body", checks::refresh_body);
}

#[test]
fn grant_body() {
    replay::replay(&fuzz_dir(), "grant_body", checks::grant_body);
}

#[test]
fn session_id_path() {
    replay::replay(&fuzz_dir(), "session_id_path", checks::session_id_path);
}

#[test]
fn routine_body() {
    replay::replay(&fuzz_dir(), "routine_body", checks::routine_body);
}

#[test]
fn template_body() {
    replay::replay(&fuzz_dir(), "template_body", checks::template_body);
}
