//! Barnbesök sync server: serves the app and the JSON sync API, and stores
//! records in SQLite or PostgreSQL.

pub mod admin;
pub mod auth;
pub mod config;
pub mod db;
pub mod demo;
pub mod error;
pub mod routes;
pub mod startup;
pub mod static_files;

pub use config::Config;
pub use startup::{Application, StartupError};
