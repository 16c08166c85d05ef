//! The refresh body: `RefreshRequest` through `parse_json`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| barnbesok_fuzz::server_checks::refresh_body(data));
