//! `shared::merge::merge` on an untrusted record and patch.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| barnbesok_fuzz::shared_checks::merge_patch(data));
