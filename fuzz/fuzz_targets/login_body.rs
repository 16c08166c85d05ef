//! The login body: `LoginRequest` through `parse_json` and `validate`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| barnbesok_fuzz::server_checks::login_body(data));
