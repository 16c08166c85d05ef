//! The API over `fetch`: sign-in, and the sync transport with the session's
//! access token, refreshed when it expires. Requests time out, so a hanging
//! hotel Wi-Fi counts as unreachable instead of blocking sync forever.

use super::store::IdbStore;
use crate::feed::PulledPage;
use crate::loggkontroll::AuditQuery;
use crate::session::StoredSession;
use crate::sync::{Transport, TransportError};
use serde::de::DeserializeOwned;
use shared::audit::AuditReview;
use shared::auth::{
    Colleague, Grant, GrantRequest, LoginRequest, RefreshRequest, SessionInfo, SessionTokens,
};
use shared::protocol::{PushRequest, PushResponse, PROTOCOL_VERSION};
use shared::{ApiErrorBody, ChildId, ErrorCode, SessionId};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, Request, RequestInit, Response};

const TIMEOUT_MS: u32 = 20_000;

thread_local! {
    /// The session requests are made with; kept in memory and in the store.
    static SESSION: RefCell<Option<StoredSession>> = const { RefCell::new(None) };
}

pub fn set_session(session: Option<StoredSession>) {
    SESSION.with(|s| *s.borrow_mut() = session);
}

pub fn session() -> Option<StoredSession> {
    SESSION.with(|s| s.borrow().clone())
}

/// One request; `token` goes in `Authorization: Bearer`.
async fn send<T: DeserializeOwned>(
    method: &str,
    url: &str,
    body: Option<String>,
    token: Option<&str>,
) -> Result<T, TransportError> {
    let text = send_text(method, url, body, token).await?;
    if text.is_empty() {
        // 204: nothing to read; `()` and `Option` decode from `null`.
        return serde_json::from_str("null").map_err(|e| TransportError::Decode(e.to_string()));
    }
    serde_json::from_str(&text).map_err(|e| TransportError::Decode(e.to_string()))
}

/// One request whose answer is kept as text.
async fn send_text(
    method: &str,
    url: &str,
    body: Option<String>,
    token: Option<&str>,
) -> Result<String, TransportError> {
    let init = RequestInit::new();
    init.set_method(method);
    init.set_cache(web_sys::RequestCache::NoStore);
    let controller = AbortController::new().map_err(|_| TransportError::Unreachable)?;
    init.set_signal(Some(&controller.signal()));
    if let Some(body) = &body {
        init.set_body(&JsValue::from_str(body));
    }
    let request =
        Request::new_with_str_and_init(url, &init).map_err(|_| TransportError::Unreachable)?;
    let headers = request.headers();
    if body.is_some() {
        headers
            .set("Content-Type", "application/json")
            .map_err(|_| TransportError::Unreachable)?;
    }
    if let Some(token) = token {
        headers
            .set("Authorization", &format!("Bearer {token}"))
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
    Ok(text)
}

fn encode<T: serde::Serialize>(value: &T) -> Result<String, TransportError> {
    serde_json::to_string(value).map_err(|e| TransportError::Decode(e.to_string()))
}

/// Signs in; the caller decides what happens to data on the device.
pub async fn login(
    username: &str,
    password: &str,
    device_label: &str,
) -> Result<SessionTokens, TransportError> {
    let body = encode(&LoginRequest {
        username: username.to_owned(),
        password: password.to_owned(),
        device_label: device_label.to_owned(),
    })?;
    send("POST", "/api/v1/auth/login", Some(body), None).await
}

/// Asks whether the session behind `check_token` still holds; needs no key
/// and no access token, so a locked device can ask.
pub async fn check_session(
    check_token: &str,
) -> Result<shared::auth::SessionCheck, TransportError> {
    let body = encode(&shared::auth::SessionCheckRequest {
        check_token: check_token.to_owned(),
    })?;
    send("POST", "/api/v1/auth/check", Some(body), None).await
}

/// Ends the session on the server, if it can be reached.
pub async fn logout() {
    if let Some(s) = session() {
        let _: Result<(), _> =
            send("POST", "/api/v1/auth/logout", None, Some(&s.access_token)).await;
    }
}

/// The sync transport for the signed-in user.
pub struct HttpTransport {
    store: Rc<IdbStore>,
}

impl HttpTransport {
    pub fn new(store: Rc<IdbStore>) -> Self {
        Self { store }
    }

    /// A request with the access token; when the token has expired, the
    /// session is refreshed once and the request sent again.
    async fn authed<T: DeserializeOwned>(
        &self,
        method: &str,
        path: &str,
        body: Option<String>,
    ) -> Result<T, TransportError> {
        let Some(current) = session() else {
            return Err(TransportError::Server {
                status: 401,
                code: Some(ErrorCode::Unauthenticated),
            });
        };
        match send(method, path, body.clone(), Some(&current.access_token)).await {
            Err(TransportError::Server {
                status: 401,
                code: Some(ErrorCode::Unauthenticated),
            }) => {
                let renewed = self.refresh(&current).await?;
                send(method, path, body, Some(&renewed.access_token)).await
            }
            other => other,
        }
    }

    /// The signed-in user's devices (sessions), newest first.
    pub async fn sessions(&self) -> Result<Vec<SessionInfo>, TransportError> {
        self.authed("GET", "/api/v1/sessions", None).await
    }

    /// Signs a lost or old device out; it wipes itself when it next syncs.
    pub async fn revoke_session(&self, id: SessionId) -> Result<(), TransportError> {
        self.authed("DELETE", &format!("/api/v1/sessions/{id}"), None)
            .await
    }

    /// The people of a leader's units.
    pub async fn colleagues(&self) -> Result<Vec<Colleague>, TransportError> {
        self.authed("GET", "/api/v1/colleagues", None).await
    }

    /// What managers published: routines and checklist templates.
    pub async fn reference(&self) -> Result<shared::protocol::ReferenceData, TransportError> {
        self.authed("GET", "/api/v1/reference", None).await
    }

    /// Publishes a new version of a routine (managers).
    pub async fn publish_routine(
        &self,
        draft: &shared::routines::RoutineDraft,
    ) -> Result<shared::routines::RoutineVersion, TransportError> {
        self.authed("POST", "/api/v1/routines", Some(encode(draft)?))
            .await
    }

    /// Publishes a new version of a placement type's checklist (managers).
    pub async fn publish_template(
        &self,
        template: &shared::checklist::ChecklistTemplate,
    ) -> Result<shared::checklist::ChecklistTemplate, TransportError> {
        self.authed(
            "POST",
            "/api/v1/checklist-templates",
            Some(encode(template)?),
        )
        .await
    }

    /// Cover for a colleague during absence.
    pub async fn grant(&self, request: &GrantRequest) -> Result<Grant, TransportError> {
        self.authed("POST", "/api/v1/grants", Some(encode(request)?))
            .await
    }

    pub async fn audit(&self, query: &AuditQuery) -> Result<AuditReview, TransportError> {
        self.authed("GET", &query.path(false), None).await
    }

    pub async fn audit_csv(&self, query: &AuditQuery) -> Result<String, TransportError> {
        self.authed_text("GET", &query.path(true)).await
    }

    async fn authed_text(&self, method: &str, path: &str) -> Result<String, TransportError> {
        let Some(current) = session() else {
            return Err(TransportError::Server {
                status: 401,
                code: Some(ErrorCode::Unauthenticated),
            });
        };
        match send_text(method, path, None, Some(&current.access_token)).await {
            Err(TransportError::Server {
                status: 401,
                code: Some(ErrorCode::Unauthenticated),
            }) => {
                let renewed = self.refresh(&current).await?;
                send_text(method, path, None, Some(&renewed.access_token)).await
            }
            other => other,
        }
    }

    /// A pull or push got through: the device is not offline too long
    /// (`lock::offline_too_long`). A store error here only means the next
    /// contact counts instead.
    async fn reached_server(&self) {
        let _ = self.store.note_contact().await;
    }

    async fn refresh(&self, current: &StoredSession) -> Result<StoredSession, TransportError> {
        let body = encode(&RefreshRequest {
            refresh_token: current.refresh_token.clone(),
        })?;
        match send::<SessionTokens>("POST", "/api/v1/auth/refresh", Some(body), None).await {
            Ok(tokens) => {
                // The administrator's rules may have changed since sign-in.
                let _ = self.store.save_policy(&tokens.policy).await;
                let renewed = StoredSession::from(tokens);
                // Kept before use: a refresh token is good once.
                self.store
                    .save_session(&renewed)
                    .await
                    .map_err(|e| TransportError::Decode(e.0))?;
                set_session(Some(renewed.clone()));
                Ok(renewed)
            }
            Err(err) => {
                // Another tab may have refreshed first and stored the result.
                if let Ok(Some(stored)) = self.store.session().await {
                    if stored.refresh_token != current.refresh_token {
                        set_session(Some(stored.clone()));
                        return Ok(stored);
                    }
                }
                Err(err)
            }
        }
    }
}

impl Transport for HttpTransport {
    async fn push(&self, request: &PushRequest) -> Result<PushResponse, TransportError> {
        let answer = self
            .authed("POST", "/api/v1/sync/push", Some(encode(request)?))
            .await?;
        self.reached_server().await;
        Ok(answer)
    }

    async fn pull(
        &self,
        since: u64,
        limit: u32,
        child: Option<ChildId>,
    ) -> Result<PulledPage, TransportError> {
        let mut path =
            format!("/api/v1/sync/pull?protocol={PROTOCOL_VERSION}&since={since}&limit={limit}");
        if let Some(child) = child {
            path.push_str(&format!("&child={child}"));
        }
        let body = self.authed_text("GET", &path).await?;
        self.reached_server().await;
        PulledPage::decode(&body).map_err(|e| TransportError::Decode(e.to_string()))
    }
}
