//! The audit review query string through axum's `Query` and `parse_filter`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| barnbesok_fuzz::server_checks::audit_query(data));
