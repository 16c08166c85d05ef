//! The sync push body: version probe, `PushRequest`, text limits, merges.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| barnbesok_fuzz::shared_checks::push_body(data));
