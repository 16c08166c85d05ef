//! A tablet's `LocalRead` audit entry as JSON.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| barnbesok_fuzz::shared_checks::local_read(data));
