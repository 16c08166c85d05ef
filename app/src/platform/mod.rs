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

/// What a thrown JavaScript value says, for an error message: a DOM
/// exception's or an `Error`'s name and message, a thrown string as it is.
/// (Not `Debug`, which the release build may compile out.)
pub fn js_error_text(value: &wasm_bindgen::JsValue) -> String {
    use wasm_bindgen::JsCast;
    if let Some(e) = value.dyn_ref::<web_sys::DomException>() {
        format!("{}: {}", e.name(), e.message())
    } else if let Some(e) = value.dyn_ref::<js_sys::Error>() {
        format!("{}: {}", String::from(e.name()), String::from(e.message()))
    } else if let Some(text) = value.as_string() {
        text
    } else {
        format!(
            "{} thrown",
            value.js_typeof().as_string().unwrap_or_default()
        )
    }
}
