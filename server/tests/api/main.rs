//! Integration tests: the real server over HTTP, against SQLite and (when
//! `BARNBESOK_TEST_POSTGRES_URL` is set) PostgreSQL.

mod helpers;

mod demo;
mod errors;
mod health;
mod pull;
mod push;
mod static_files;
