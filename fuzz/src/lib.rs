//! The checks the fuzz targets run, one function per target. They live in
//! `fuzz/checks/` so that the regression tests of `shared` and the server
//! replay the very same checks (see `fuzz/regressions/README.md`).

#[path = "../checks/shared.rs"]
pub mod shared_checks;

#[path = "../checks/server.rs"]
pub mod server_checks;
