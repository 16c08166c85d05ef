//! The sync transport over `fetch`. Requests time out, so a hanging hotel
//! Wi-Fi counts as unreachable instead of blocking sync forever.

use crate::sync::{Transport, TransportError};
use serde::de::DeserializeOwned;
use shared::protocol::{PullResponse, PushRequest, PushResponse, PROTOCOL_VERSION};
use shared::ApiErrorBody;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, Request, RequestInit, Response};

const TIMEOUT_MS: u32 = 20_000;

pub struct HttpTransport {
    base: String,
}

impl HttpTransport {
    /// `base` is the server's origin, or "" for the origin the app came from.
    pub fn new(base: impl Into<String>) -> Self {
        Self { base: base.into() }
    }

    async fn send<T: DeserializeOwned>(
        &self,
        method: &str,
        path: &str,
        body: Option<String>,
    ) -> Result<T, TransportError> {
        let init = RequestInit::new();
        init.set_method(method);
        init.set_cache(web_sys::RequestCache::NoStore);
        let controller = AbortController::new().map_err(|_| TransportError::Unreachable)?;
        init.set_signal(Some(&controller.signal()));
        if let Some(body) = &body {
            init.set_body(&JsValue::from_str(body));
        }
        let url = format!("{}{}", self.base, path);
        let request =
            Request::new_with_str_and_init(&url, &init).map_err(|_| TransportError::Unreachable)?;
        if body.is_some() {
            request
                .headers()
                .set("Content-Type", "application/json")
                .map_err(|_| TransportError::Unreachable)?;
        }
        let window = web_sys::window().ok_or(TransportError::Unreachable)?;
        let abort = gloo_timers::callback::Timeout::new(TIMEOUT_MS, move || controller.abort());
        let result = JsFuture::from(window.fetch_with_request(&request)).await;
        let response: Response = match result {
            Ok(r) => r.unchecked_into(),
            Err(_) => return Err(TransportError::Unreachable),
        };
        let text = match response.text() {
            Ok(p) => JsFuture::from(p)
                .await
                .map_err(|_| TransportError::Unreachable)?,
            Err(_) => return Err(TransportError::Unreachable),
        };
        abort.cancel();
        let text = text.as_string().unwrap_or_default();
        if !response.ok() {
            let code = serde_json::from_str::<ApiErrorBody>(&text)
                .ok()
                .map(|b| b.code);
            return Err(TransportError::Server {
                status: response.status(),
                code,
            });
        }
        serde_json::from_str(&text).map_err(|e| TransportError::Decode(e.to_string()))
    }
}

impl Transport for HttpTransport {
    async fn push(&self, request: &PushRequest) -> Result<PushResponse, TransportError> {
        let body =
            serde_json::to_string(request).map_err(|e| TransportError::Decode(e.to_string()))?;
        self.send("POST", "/api/v1/sync/push", Some(body)).await
    }

    async fn pull(&self, since: u64, limit: u32) -> Result<PullResponse, TransportError> {
        let path =
            format!("/api/v1/sync/pull?protocol={PROTOCOL_VERSION}&since={since}&limit={limit}");
        self.send("GET", &path, None).await
    }
}
