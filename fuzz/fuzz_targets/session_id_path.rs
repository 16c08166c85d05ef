//! The `{id}` of `DELETE /api/v1/sessions/{id}` through `SessionId::parse`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| barnbesok_fuzz::server_checks::session_id_path(data));
