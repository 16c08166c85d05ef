//! Events, timers and small browser facts the UI needs.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

pub fn is_online() -> bool {
    web_sys::window().is_none_or(|w| w.navigator().on_line())
}

/// Calls `f` every time the browser goes online or offline.
pub fn on_connectivity_change(f: impl Fn(bool) + 'static) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let f = std::rc::Rc::new(f);
    for (event, online) in [("online", true), ("offline", false)] {
        let f = f.clone();
        let cb = Closure::<dyn Fn()>::new(move || f(online));
        let _ = window.add_event_listener_with_callback(event, cb.as_ref().unchecked_ref());
        cb.forget();
    }
}

/// A number in [0, 1) for retry jitter.
pub fn random_unit() -> f64 {
    js_sys::Math::random()
}

/// Registers the service worker that keeps the app shell available offline.
pub fn register_service_worker() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let container = window.navigator().service_worker();
    let _ = container.register("/sw.js");
}

/// Asks the browser not to evict the app's data under storage pressure.
pub async fn request_persistent_storage() -> Option<bool> {
    let storage = web_sys::window()?.navigator().storage();
    let promise = storage.persist().ok()?;
    wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .ok()?
        .as_bool()
}
