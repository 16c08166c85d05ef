//! Integration tests: the real server over HTTP, against SQLite and (when
//! `BARNBESOK_TEST_POSTGRES_URL` is set) PostgreSQL.

#[path = "../common/mod.rs"]
mod common;
mod helpers;

mod audit;
mod auth;
mod bad_input;
mod closings_and_checklists;
mod complaints;
mod counters;
mod demo;
mod deviations;
mod editing;
mod errors;
mod export;
mod group_commit;
mod hardening;
mod health;
mod import;
mod mail;
mod pull;
mod push;
mod reference;
mod register;
mod scope;
mod selfcheck;
mod static_files;
mod tls;
mod visit_log;
mod worker_card;
