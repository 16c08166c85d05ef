//! The API over `fetch`: sign-in, and the sync transport with the session's
//! access token, refreshed when it expires. Requests time out, so a hanging
//! hotel Wi-Fi counts as unreachable instead of blocking sync forever.

use super::store::IdbStore;

mod complaints;
mod deviations;
use crate::feed::PulledPage;
use crate::loggkontroll::AuditQuery;
use crate::register::{
    decode_decisions, ApiFailure, DecisionRow, RegisterColleague, WorkersRequest,
};
use crate::session::StoredSession;
use crate::sync::{Transport, TransportError};
pub use complaints::{leave_public_message, read_answer};
use serde::de::DeserializeOwned;
use shared::audit::AuditReview;
use shared::auth::{
    Colleague, Grant, GrantRequest, LoginRequest, RefreshRequest, SessionInfo, SessionTokens,
};
use shared::export::{FileRequest, FiledMark, UnfiledQuery, VisitRecord};
use shared::protocol::{PushRequest, PushResponse, PROTOCOL_VERSION};
use shared::register::{Home, HomeEntry};
use shared::{ApiErrorBody, ChildId, ErrorCode, SessionId, VisitId};
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

/// A JSON file served beside the app (no session needed).
pub async fn static_json<T: DeserializeOwned>(path: &str) -> Result<T, TransportError> {
    send("GET", path, None, None).await
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

    /// The card children reach the user by ("Min socialsekreterare").
    pub async fn worker_card(&self) -> Result<shared::children::WorkerCard, TransportError> {
        self.authed("GET", "/api/v1/me/card", None).await
    }

    pub async fn save_worker_card(
        &self,
        details: &shared::children::CardDetails,
    ) -> Result<shared::children::WorkerCard, TransportError> {
        self.authed("PUT", "/api/v1/me/card", Some(encode(details)?))
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

/// What an online-only request answered.
enum Answer {
    Text(String),
    Bytes(Vec<u8>),
}

/// One request of the online-only pages (register, export to the record):
/// on failure the server's error body is kept, so the page can show its
/// message.
async fn send_api(
    method: &str,
    url: &str,
    body: Option<String>,
    token: Option<&str>,
    bytes: bool,
) -> Result<Answer, ApiFailure> {
    let init = RequestInit::new();
    init.set_method(method);
    init.set_cache(web_sys::RequestCache::NoStore);
    let controller = AbortController::new().map_err(|_| ApiFailure::Offline)?;
    init.set_signal(Some(&controller.signal()));
    if let Some(body) = &body {
        init.set_body(&JsValue::from_str(body));
    }
    let request = Request::new_with_str_and_init(url, &init).map_err(|_| ApiFailure::Offline)?;
    let headers = request.headers();
    if body.is_some() {
        headers
            .set("Content-Type", "application/json")
            .map_err(|_| ApiFailure::Offline)?;
    }
    if let Some(token) = token {
        headers
            .set("Authorization", &format!("Bearer {token}"))
            .map_err(|_| ApiFailure::Offline)?;
    }
    let window = web_sys::window().ok_or(ApiFailure::Offline)?;
    let abort = gloo_timers::callback::Timeout::new(TIMEOUT_MS * 3, move || controller.abort());
    let response: Response = JsFuture::from(window.fetch_with_request(&request))
        .await
        .map_err(|_| ApiFailure::Offline)?
        .unchecked_into();
    let answer = if bytes && response.ok() {
        let buffer = JsFuture::from(response.array_buffer().map_err(|_| ApiFailure::Offline)?)
            .await
            .map_err(|_| ApiFailure::Offline)?;
        Answer::Bytes(js_sys::Uint8Array::new(&buffer).to_vec())
    } else {
        let text = JsFuture::from(response.text().map_err(|_| ApiFailure::Offline)?)
            .await
            .map_err(|_| ApiFailure::Offline)?;
        Answer::Text(text.as_string().unwrap_or_default())
    };
    abort.cancel();
    if !response.ok() {
        let body = match &answer {
            Answer::Text(text) => serde_json::from_str::<ApiErrorBody>(text).ok(),
            Answer::Bytes(_) => None,
        };
        return Err(ApiFailure::Server {
            status: response.status(),
            body,
        });
    }
    Ok(answer)
}

fn encode_api<T: serde::Serialize>(value: &T) -> Result<String, ApiFailure> {
    serde_json::to_string(value).map_err(|e| ApiFailure::Decode(e.to_string()))
}

fn text_of(answer: Answer) -> String {
    match answer {
        Answer::Text(text) => text,
        Answer::Bytes(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
    }
}

fn decode_api<T: DeserializeOwned>(answer: Answer) -> Result<T, ApiFailure> {
    let text = text_of(answer);
    let text = if text.is_empty() { "null" } else { &text };
    serde_json::from_str(text).map_err(|e| ApiFailure::Decode(e.to_string()))
}

impl HttpTransport {
    /// An online-only request with the access token, refreshed once when it
    /// has expired.
    async fn api(
        &self,
        method: &str,
        path: &str,
        body: Option<String>,
        bytes: bool,
    ) -> Result<Answer, ApiFailure> {
        let unauthenticated = || ApiFailure::Server {
            status: 401,
            body: Some(ApiErrorBody {
                code: ErrorCode::Unauthenticated,
                message: String::new(),
                problems: Vec::new(),
            }),
        };
        let Some(current) = session() else {
            return Err(unauthenticated());
        };
        match send_api(
            method,
            path,
            body.clone(),
            Some(&current.access_token),
            bytes,
        )
        .await
        {
            Err(failure) if failure.code() == Some(ErrorCode::Unauthenticated) => {
                let renewed = self.refresh(&current).await.map_err(|e| match e {
                    TransportError::Unreachable => ApiFailure::Offline,
                    TransportError::Server { status, code } => ApiFailure::Server {
                        status,
                        body: code.map(|code| ApiErrorBody {
                            code,
                            message: String::new(),
                            problems: Vec::new(),
                        }),
                    },
                    TransportError::Decode(e) => ApiFailure::Decode(e),
                })?;
                send_api(method, path, body, Some(&renewed.access_token), bytes).await
            }
            other => other,
        }
    }

    async fn api_json<T: DeserializeOwned>(
        &self,
        method: &str,
        path: &str,
        body: Option<String>,
    ) -> Result<T, ApiFailure> {
        decode_api(self.api(method, path, body, false).await?)
    }

    async fn api_bytes(
        &self,
        method: &str,
        path: &str,
        body: Option<String>,
    ) -> Result<Vec<u8>, ApiFailure> {
        match self.api(method, path, body, true).await? {
            Answer::Bytes(bytes) => Ok(bytes),
            Answer::Text(text) => Ok(text.into_bytes()),
        }
    }

    /// The register of homes the user may see.
    pub async fn register_homes(&self) -> Result<Vec<HomeEntry>, ApiFailure> {
        self.api_json("GET", "/api/v1/register/homes", None).await
    }

    /// Saves a home (contact, added checks); the server answers with the entry.
    pub async fn save_home(&self, home: &Home) -> Result<HomeEntry, ApiFailure> {
        let path = format!("/api/v1/register/homes/{}", home.id);
        self.api_json("PUT", &path, Some(encode_api(home)?)).await
    }

    /// Adds or changes a child (managers).
    pub async fn save_child(&self, child: &shared::Child) -> Result<shared::Child, ApiFailure> {
        let path = format!("/api/v1/register/children/{}", child.id);
        self.api_json("PUT", &path, Some(encode_api(child)?)).await
    }

    /// The child's responsible workers now (managers), for the editor to
    /// start from: saving replaces the whole list.
    pub async fn register_workers(&self, child: ChildId) -> Result<WorkersRequest, ApiFailure> {
        let path = format!("/api/v1/register/children/{child}/workers");
        self.api_json("GET", &path, None).await
    }

    /// Sets the child's responsible workers (managers).
    pub async fn save_workers(
        &self,
        child: ChildId,
        request: &WorkersRequest,
    ) -> Result<(), ApiFailure> {
        let path = format!("/api/v1/register/children/{child}/workers");
        self.api("PUT", &path, Some(encode_api(request)?), false)
            .await
            .map(|_| ())
    }

    /// Adds or changes a placement (managers).
    pub async fn save_placement(
        &self,
        placement: &shared::Placement,
    ) -> Result<shared::Placement, ApiFailure> {
        let path = format!("/api/v1/register/placements/{}", placement.id);
        let answer = self
            .api("PUT", &path, Some(encode_api(placement)?), false)
            .await?;
        // The server may answer with the placement or with nothing.
        Ok(decode_api::<Option<shared::Placement>>(answer)?.unwrap_or_else(|| placement.clone()))
    }

    /// Placements on an expired decision, ending soon, or due for their
    /// consideration (managers).
    pub async fn register_decisions(&self) -> Result<Vec<DecisionRow>, ApiFailure> {
        let answer = self
            .api("GET", "/api/v1/register/decisions", None, false)
            .await?;
        decode_decisions(&text_of(answer)).map_err(ApiFailure::Decode)
    }

    /// The people of the user's units, to choose a child's workers among.
    pub async fn register_colleagues(&self) -> Result<Vec<RegisterColleague>, ApiFailure> {
        self.api_json("GET", "/api/v1/register/colleagues", None)
            .await
    }

    /// The self-check report for the chosen period, grouping and unit
    /// (group leaders and unit managers).
    pub async fn selfcheck_report(
        &self,
        query: &crate::selfcheck::ReportQuery,
    ) -> Result<shared::selfcheck::SelfCheckReport, ApiFailure> {
        self.api_json("GET", &query.path(), None).await
    }

    /// The children behind one figure of the report (`group` `None`: the
    /// Total); the server logs it as a read of each child.
    pub async fn selfcheck_children(
        &self,
        query: &crate::selfcheck::ReportQuery,
        measure: shared::selfcheck::Measure,
        group: Option<&str>,
    ) -> Result<shared::selfcheck::DrillDown, ApiFailure> {
        self.api_json("GET", &query.drill_path(measure, group), None)
            .await
    }

    /// What a team leader goes through with one social worker.
    pub async fn case_review(
        &self,
        worker: shared::UserId,
    ) -> Result<shared::selfcheck::CaseReviewView, ApiFailure> {
        self.api_json("GET", &format!("/api/v1/selfcheck/review/{worker}"), None)
            .await
    }

    /// Saves a case review's agreed actions.
    pub async fn save_case_review(
        &self,
        request: &shared::selfcheck::CaseReviewRequest,
    ) -> Result<shared::selfcheck::CaseReview, ApiFailure> {
        self.api_json(
            "POST",
            "/api/v1/selfcheck/reviews",
            Some(encode_api(request)?),
        )
        .await
    }

    /// The signed visit as a PDF for the record.
    pub async fn visit_record_pdf(&self, visit: VisitId) -> Result<Vec<u8>, ApiFailure> {
        self.api_bytes("GET", &format!("/api/v1/visits/{visit}/record.pdf"), None)
            .await
    }

    /// Marks the visit filed; the answer is the first mark if it already was.
    pub async fn file_visit(&self, visit: VisitId) -> Result<FiledMark, ApiFailure> {
        self.api_json("POST", &format!("/api/v1/visits/{visit}/filed"), None)
            .await
    }

    /// A period's signed, unfiled visits as one PDF.
    pub async fn unfiled_pdf(&self, query: &UnfiledQuery) -> Result<Vec<u8>, ApiFailure> {
        self.api_bytes(
            "POST",
            "/api/v1/exports/unfiled?format=pdf",
            Some(encode_api(query)?),
        )
        .await
    }

    /// The same visits as records (to know which were exported).
    pub async fn unfiled_records(
        &self,
        query: &UnfiledQuery,
    ) -> Result<Vec<VisitRecord>, ApiFailure> {
        self.api_json("POST", "/api/v1/exports/unfiled", Some(encode_api(query)?))
            .await
    }

    /// Marks the visits filed, each once.
    pub async fn file_visits(&self, request: &FileRequest) -> Result<Vec<FiledMark>, ApiFailure> {
        self.api_json("POST", "/api/v1/exports/filed", Some(encode_api(request)?))
            .await
    }
}
