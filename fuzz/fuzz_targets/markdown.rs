//! Routine bodies' Markdown: `shared::markdown::parse` and the plain text.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| barnbesok_fuzz::shared_checks::markdown(data));
