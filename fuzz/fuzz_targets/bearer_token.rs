//! The `Authorization: Bearer` header through `bearer_token`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| barnbesok_fuzz::server_checks::bearer(data));
