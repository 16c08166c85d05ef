//! Events, timers and small browser facts the UI needs.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

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

/// Resolves once the next frame is drawn (a timeout set in a frame callback
/// runs after that frame's paint), or after 100 ms where no frame comes (a
/// hidden page). A fixed 30 ms wait had cost every unlock that much.
pub async fn after_next_paint() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let painted = js_sys::Promise::new(&mut |resolve, _| {
        let after_frame = {
            let (window, resolve) = (window.clone(), resolve.clone());
            Closure::once_into_js(move || {
                let _ = window.set_timeout_with_callback(resolve.unchecked_ref());
            })
        };
        let _ = window.request_animation_frame(after_frame.unchecked_ref());
        let _ = window
            .set_timeout_with_callback_and_timeout_and_arguments_0(resolve.unchecked_ref(), 100);
    });
    let _ = JsFuture::from(painted).await;
}

/// A number in [0, 1) for retry jitter.
pub fn random_unit() -> f64 {
    js_sys::Math::random()
}

/// Registers the service worker that keeps the app shell available offline,
/// and makes sure it controls this page: Chromium sometimes misses the
/// worker's own claim of a page open while it activated, which left that
/// page without the offline app until its next start. Once it does, asks it
/// to keep the parts pages load when first opened (`keep-parts`).
pub fn register_service_worker() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let container = window.navigator().service_worker();
    let registered = container.register("/sw.js");
    wasm_bindgen_futures::spawn_local(async move {
        if JsFuture::from(registered).await.is_err() {
            return;
        }
        let Ok(ready) = container.ready() else {
            return;
        };
        let Ok(registration) = JsFuture::from(ready).await else {
            return;
        };
        let registration: web_sys::ServiceWorkerRegistration = registration.unchecked_into();
        for wait_ms in [0, 500, 2_000, 5_000] {
            gloo_timers::future::TimeoutFuture::new(wait_ms).await;
            if let Some(worker) = container.controller() {
                let _ = worker.post_message(&"keep-parts".into());
                return;
            }
            if let Some(worker) = registration.active() {
                let _ = worker.post_message(&"claim".into());
            }
        }
    });
}

/// Loads the page again (a new version of the app, if the server has one).
pub fn reload_page() {
    if let Some(window) = web_sys::window() {
        let _ = window.location().reload();
    }
}

/// Asks the browser not to evict the app's data under storage pressure.
pub async fn request_persistent_storage() -> Option<bool> {
    let storage = web_sys::window()?.navigator().storage();
    let promise = storage.persist().ok()?;
    JsFuture::from(promise).await.ok()?.as_bool()
}

/// Runs `task` holding the exclusive Web Lock `name`, so that two open tabs
/// never run it at the same time. Without the Web Locks API it just runs.
pub async fn with_exclusive_lock<T: 'static>(
    name: &str,
    task: impl std::future::Future<Output = T> + 'static,
) -> T {
    use futures::channel::oneshot;
    use js_sys::{Function, Promise, Reflect};
    use std::cell::RefCell;
    use std::rc::Rc;
    use wasm_bindgen::JsValue;

    let locks = web_sys::window()
        .and_then(|w| Reflect::get(&w.navigator(), &JsValue::from_str("locks")).ok())
        .filter(|l| !l.is_undefined() && !l.is_null());
    let request = locks.as_ref().and_then(|l| {
        Reflect::get(l, &JsValue::from_str("request"))
            .ok()
            .and_then(|f| f.dyn_into::<Function>().ok())
    });
    let (Some(locks), Some(request)) = (locks, request) else {
        return task.await;
    };
    // The task's result comes back through a channel, not through the lock's
    // promise, so a lock request that fails late cannot leave us waiting.
    let (done, result) = oneshot::channel::<T>();
    let task = Rc::new(RefCell::new(Some((task, done))));
    let unrun = task.clone();
    let callback = Closure::once_into_js(move |_lock: JsValue| -> Promise {
        wasm_bindgen_futures::future_to_promise(async move {
            let taken = task.borrow_mut().take();
            if let Some((task, done)) = taken {
                let _ = done.send(task.await);
            }
            Ok(JsValue::UNDEFINED)
        })
    });
    let requested = request.call2(&locks, &JsValue::from_str(name), &callback);
    if requested.is_err() {
        let taken = unrun.borrow_mut().take();
        if let Some((task, _)) = taken {
            return task.await;
        }
    }
    match result.await {
        Ok(value) => value,
        // The callback was dropped without running: run without the lock.
        Err(_) => {
            let taken = unrun.borrow_mut().take();
            match taken {
                Some((task, _)) => task.await,
                None => std::future::pending().await,
            }
        }
    }
}

/// Calls `f` on every touch, click or key press anywhere in the page (to
/// know when the user was last active).
pub fn on_user_activity(f: impl Fn() + 'static) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let f = std::rc::Rc::new(f);
    for event in ["pointerdown", "keydown", "wheel", "touchstart"] {
        let f = f.clone();
        let cb = Closure::<dyn Fn()>::new(move || f());
        let _ = window.add_event_listener_with_callback(event, cb.as_ref().unchecked_ref());
        cb.forget();
    }
}

/// Milliseconds since the page loaded (monotonic; not the wall clock, which
/// a user can change).
pub fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or(0.0, |p| p.now())
}

/// Offers `text` as a file to save (an export). Made in the page, so the
/// file never passes through a server URL that would need the token.
pub fn download_text(file_name: &str, mime: &str, text: &str) -> Result<(), String> {
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    download(file_name, mime, |options| {
        web_sys::Blob::new_with_str_sequence_and_options(&parts, options)
    })
}

/// Offers `bytes` as a file to save (a PDF for the record), made in the
/// page like [`download_text`].
pub fn download_bytes(file_name: &str, mime: &str, bytes: &[u8]) -> Result<(), String> {
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    download(file_name, mime, |options| {
        web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, options)
    })
}

/// Offers the blob `blob` makes (given its options, typed `mime`) as the
/// file `file_name`, through an object URL and a clicked link.
fn download(
    file_name: &str,
    mime: &str,
    blob: impl FnOnce(&web_sys::BlobPropertyBag) -> Result<web_sys::Blob, wasm_bindgen::JsValue>,
) -> Result<(), String> {
    let fail = |what: &str| format!("Kunde inte spara filen ({what}).");
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = blob(&options).map_err(|_| fail("blob"))?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(|_| fail("url"))?;
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or_else(|| fail("document"))?;
    let anchor: web_sys::HtmlAnchorElement = document
        .create_element("a")
        .map_err(|_| fail("a"))?
        .unchecked_into();
    anchor.set_href(&url);
    anchor.set_download(file_name);
    anchor.click();
    // Released once the browser has surely read it.
    gloo_timers::callback::Timeout::new(60_000, move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    })
    .forget();
    Ok(())
}

/// The running build of the app: the content hash in its main module's
/// name (`/barnbesok-app-<hash>.js`, preloaded by index.html). `None` where
/// the page does not tell, as in a test page.
pub fn build_id() -> Option<String> {
    let link = web_sys::window()?
        .document()?
        .query_selector(r#"link[rel="modulepreload"][href^="/barnbesok-app-"]"#)
        .ok()??;
    let href = link.get_attribute("href")?;
    crate::caseload::build_from_module_path(&href).map(str::to_owned)
}

/// A User Timing mark: shows in the browser's performance traces, and the
/// benchmark (`bench/run.mjs`) reads sync durations from them.
pub fn mark(name: &str) {
    if let Some(performance) = web_sys::window().and_then(|w| w.performance()) {
        let _ = performance.mark(name);
    }
}

/// A User Timing measure from the mark `start` until now.
pub fn measure(name: &str, start: &str) {
    if let Some(performance) = web_sys::window().and_then(|w| w.performance()) {
        let _ = performance.measure_with_start_mark(name, start);
    }
}

/// Copies `text` to the clipboard (`navigator.clipboard.writeText`,
/// reached by name: it needs a secure context, and older browsers lack it).
pub async fn copy_text(text: &str) -> Result<(), ()> {
    let navigator = web_sys::window().ok_or(())?.navigator();
    let clipboard = js_sys::Reflect::get(&navigator, &"clipboard".into()).map_err(|_| ())?;
    let write: js_sys::Function = js_sys::Reflect::get(&clipboard, &"writeText".into())
        .map_err(|_| ())?
        .dyn_into()
        .map_err(|_| ())?;
    let promise: js_sys::Promise = write
        .call1(&clipboard, &text.into())
        .map_err(|_| ())?
        .dyn_into()
        .map_err(|_| ())?;
    JsFuture::from(promise).await.map(|_| ()).map_err(|_| ())
}

/// The page's origin (`https://host`), for links written into files.
pub fn origin() -> String {
    web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default()
}

/// Opens the browser's print dialog (the print view of a visit).
pub fn print_page() {
    if let Some(window) = web_sys::window() {
        let _ = window.print();
    }
}

/// A yes/no preference of this device that is not about anyone (larger
/// text in the children's corner), in local storage.
pub fn device_preference(name: &str) -> bool {
    web_sys::window()
        .and_then(|w| w.local_storage().ok().flatten())
        .and_then(|s| s.get_item(name).ok().flatten())
        .is_some_and(|v| v == "1")
}

pub fn set_device_preference(name: &str, on: bool) {
    if let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = if on {
            storage.set_item(name, "1")
        } else {
            storage.remove_item(name)
        };
    }
}
