//! The pull query string through axum's `Query` and `PullQuery::parse`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| barnbesok_fuzz::server_checks::pull_query(data));
