//! The text newtypes' `parse` (names, notes, amendments).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| barnbesok_fuzz::shared_checks::text_newtypes(data));
