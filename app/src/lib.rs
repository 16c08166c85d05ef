//! Barnbesök's front end. The modules `status`, `stored` and `sync` are plain
//! Rust, tested natively; `platform` is the only place that touches the
//! browser (IndexedDB, fetch, events) and `ui` holds the Leptos pages.

pub mod card;
pub mod caseload;
pub mod charts;
pub mod decisions;
pub mod feed;
pub mod labels;
pub mod language;
pub mod loads;
pub mod lock;
pub mod loggkontroll;
pub mod outbox;
pub mod reads;
pub mod record;
pub mod records_key;
pub mod refused;
pub mod register;
pub mod review;
pub mod selfcheck;
pub mod session;
pub mod status;
pub mod stored;
pub mod sync;
pub mod tools;
pub mod visit_draft;

#[cfg(target_arch = "wasm32")]
pub mod platform;
#[cfg(target_arch = "wasm32")]
mod ui;

/// Mounts the app into `<body>`: the WebAssembly entry point.
#[cfg(target_arch = "wasm32")]
pub fn start() {
    ui::mount();
}

include!(concat!(env!("OUT_DIR"), "/i18n/mod.rs"));
