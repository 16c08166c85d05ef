//! The grant body: `GrantRequest` through `parse_json`, `validate`, `cover_ends_at`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| barnbesok_fuzz::server_checks::grant_body(data));
