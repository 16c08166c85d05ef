//! Barnbesök sync server: serves the app and the JSON sync API, and stores
//! records in SQLite or PostgreSQL.

pub mod access;
pub mod admin;
pub mod auth;
pub mod backup;
pub mod complaints;
pub mod config;
pub mod db;
pub mod demo;
pub mod error;
pub mod export;
#[cfg(test)]
mod fuzz_regressions;
pub mod import;
pub mod mail;
pub mod routes;
pub mod startup;
pub mod static_files;
pub mod tls;

// The fuzz checks (fuzz/checks/server.rs) name this crate `server`, as the fuzz
// targets do; its unit tests replay them.
#[cfg(test)]
extern crate self as server;

pub use config::Config;
pub use startup::{Application, StartupError};
