//! The checklist template body: `ChecklistTemplate` through `parse_json` and `check`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| barnbesok_fuzz::server_checks::template_body(data));
