//! Minimal async IndexedDB over `web-sys`. Writes are issued synchronously in
//! one transaction and awaited on the transaction's `complete` event, so a
//! write is durable (or failed) as a whole when the future resolves.

use js_sys::{Array, Promise};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    IdbDatabase, IdbObjectStore, IdbObjectStoreParameters, IdbOpenDbRequest, IdbRequest,
    IdbTransaction, IdbTransactionMode,
};

#[derive(Debug, Clone, thiserror::Error)]
#[error("IndexedDB: {0}")]
pub struct IdbError(pub String);

impl From<JsValue> for IdbError {
    fn from(value: JsValue) -> Self {
        Self(super::js_error_text(&value))
    }
}

/// How one version of the schema upgrades the previous one.
pub type Upgrade = fn(&IdbDatabase, &IdbTransaction, u32) -> Result<(), JsValue>;

/// Resolves with the request's result once it succeeds.
pub async fn request(req: &IdbRequest) -> Result<JsValue, IdbError> {
    let promise = Promise::new(&mut |resolve, reject| {
        let ok_req = req.clone();
        let on_success = Closure::once_into_js(move || {
            let _ = resolve.call1(
                &JsValue::NULL,
                &ok_req.result().unwrap_or(JsValue::UNDEFINED),
            );
        });
        let err_req = req.clone();
        let on_error = Closure::once_into_js(move || {
            let err = err_req
                .error()
                .ok()
                .flatten()
                .map_or(JsValue::from_str("request failed"), JsValue::from);
            let _ = reject.call1(&JsValue::NULL, &err);
        });
        req.set_onsuccess(Some(on_success.unchecked_ref()));
        req.set_onerror(Some(on_error.unchecked_ref()));
    });
    Ok(JsFuture::from(promise).await?)
}

/// Resolves when the transaction has committed; fails if it aborts.
pub async fn committed(tx: &IdbTransaction) -> Result<(), IdbError> {
    let promise = Promise::new(&mut |resolve, reject| {
        let on_complete = Closure::once_into_js(move || {
            let _ = resolve.call0(&JsValue::NULL);
        });
        let err_tx = tx.clone();
        let reject2 = reject.clone();
        let on_error = Closure::once_into_js(move || {
            let err = err_tx
                .error()
                .map_or(JsValue::from_str("transaction failed"), JsValue::from);
            let _ = reject.call1(&JsValue::NULL, &err);
        });
        let on_abort = Closure::once_into_js(move || {
            let _ = reject2.call1(&JsValue::NULL, &JsValue::from_str("transaction aborted"));
        });
        tx.set_oncomplete(Some(on_complete.unchecked_ref()));
        tx.set_onerror(Some(on_error.unchecked_ref()));
        tx.set_onabort(Some(on_abort.unchecked_ref()));
    });
    JsFuture::from(promise).await?;
    Ok(())
}

fn factory() -> Result<web_sys::IdbFactory, IdbError> {
    let global = js_sys::global();
    let factory = js_sys::Reflect::get(&global, &JsValue::from_str("indexedDB"))?;
    factory.dyn_into::<web_sys::IdbFactory>().map_err(|_| {
        let locale = crate::language::current().locale();
        IdbError(crate::i18n::td_string!(locale, shell.no_indexeddb).to_owned())
    })
}

/// Opens (creating or upgrading) a database.
pub async fn open(name: &str, version: u32, upgrade: Upgrade) -> Result<IdbDatabase, IdbError> {
    let open_req: IdbOpenDbRequest = factory()?.open_with_u32(name, version)?;
    let up_req = open_req.clone();
    let on_upgrade = Closure::<dyn FnMut(web_sys::IdbVersionChangeEvent)>::new(
        move |event: web_sys::IdbVersionChangeEvent| {
            let db: IdbDatabase = match up_req.result() {
                Ok(r) => r.unchecked_into(),
                Err(_) => return,
            };
            let Some(tx) = up_req.transaction() else {
                return;
            };
            let old = event.old_version() as u32;
            if let Err(e) = upgrade(&db, &tx, old) {
                web_sys::console::error_2(&"IndexedDB upgrade failed".into(), &e);
                tx.abort().ok();
            }
        },
    );
    open_req.set_onupgradeneeded(Some(on_upgrade.as_ref().unchecked_ref()));
    // An older version open in another tab that does not let go: say so,
    // instead of waiting without a word.
    let on_blocked = Closure::<dyn FnMut()>::new(|| {
        if let Some(window) = web_sys::window() {
            let locale = crate::language::current().locale();
            let _ =
                window.alert_with_message(crate::i18n::td_string!(locale, shell.older_tab_open));
        }
    });
    open_req.set_onblocked(Some(on_blocked.as_ref().unchecked_ref()));
    let db = request(&open_req).await?;
    open_req.set_onupgradeneeded(None);
    open_req.set_onblocked(None);
    drop(on_upgrade);
    drop(on_blocked);
    let db: IdbDatabase = db.unchecked_into();
    // Another tab opening a newer version must not be blocked by this one.
    let close_db = db.clone();
    let on_version_change = Closure::<dyn FnMut()>::new(move || close_db.close());
    db.set_onversionchange(Some(on_version_change.as_ref().unchecked_ref()));
    on_version_change.forget();
    Ok(db)
}

/// Deletes a whole database (used by tests and, later, by log-out).
pub async fn delete(name: &str) -> Result<(), IdbError> {
    let req = factory()?.delete_database(name)?;
    request(&req).await?;
    Ok(())
}

/// When a readwrite transaction's `complete` fires. Chromium has defaulted
/// to relaxed since version 121 (the write has reached the operating system,
/// not the disk), so every write here names its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// Flushed to disk before `complete`: what only this device holds.
    Strict,
    /// Handed to the operating system: what the server can send again.
    Relaxed,
}

impl Durability {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Strict => "strict",
            Self::Relaxed => "relaxed",
        }
    }
}

fn store_names(stores: &[&str]) -> Array {
    let names = Array::new();
    for s in stores {
        names.push(&JsValue::from_str(s));
    }
    names
}

pub fn transaction(
    db: &IdbDatabase,
    stores: &[&str],
    mode: IdbTransactionMode,
) -> Result<IdbTransaction, IdbError> {
    Ok(db.transaction_with_str_sequence_and_mode(&store_names(stores), mode)?)
}

/// A readwrite transaction with its durability set. web-sys has the options
/// argument only behind its unstable APIs, so it is passed by hand.
pub fn write_transaction(
    db: &IdbDatabase,
    stores: &[&str],
    durability: Durability,
) -> Result<IdbTransaction, IdbError> {
    let options = js_sys::Object::new();
    js_sys::Reflect::set(
        &options,
        &JsValue::from_str("durability"),
        &JsValue::from_str(durability.as_str()),
    )?;
    let open: js_sys::Function =
        js_sys::Reflect::get(db, &JsValue::from_str("transaction"))?.dyn_into()?;
    Ok(open
        .call3(
            db,
            &store_names(stores),
            &JsValue::from_str("readwrite"),
            &options,
        )?
        .dyn_into()?)
}

pub fn create_store(
    db: &IdbDatabase,
    name: &str,
    key_path: Option<&str>,
    auto_increment: bool,
) -> Result<IdbObjectStore, JsValue> {
    let params = IdbObjectStoreParameters::new();
    if let Some(path) = key_path {
        params.set_key_path(&JsValue::from_str(path));
    }
    params.set_auto_increment(auto_increment);
    db.create_object_store_with_optional_parameters(name, &params)
}

/// Reads a string property of a stored object.
pub fn get_str(obj: &JsValue, field: &str) -> Result<String, IdbError> {
    js_sys::Reflect::get(obj, &JsValue::from_str(field))?
        .as_string()
        .ok_or_else(|| IdbError(format!("fältet {field} saknas")))
}

/// Builds a plain object from string fields.
pub fn object(fields: &[(&str, &str)]) -> Result<JsValue, IdbError> {
    let obj = js_sys::Object::new();
    for (k, v) in fields {
        js_sys::Reflect::set(&obj, &JsValue::from_str(k), &JsValue::from_str(v))?;
    }
    Ok(obj.into())
}
