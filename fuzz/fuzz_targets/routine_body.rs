//! The routine body: `RoutineDraft` through `parse_json`, `RoutineVersion::new`, `Library::publish`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| barnbesok_fuzz::server_checks::routine_body(data));
