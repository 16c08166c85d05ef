//! The only code that touches the browser: IndexedDB, `fetch`, events and
//! timers. Everything above it is plain Rust.

pub mod browser;
pub mod child_mode;
pub mod crypto;
pub mod http;
pub mod idb;
pub mod speech;
pub mod store;
pub mod webauthn;
