//! HTTP routes: the JSON API under `/api`, the app's static files elsewhere.

pub mod audit;
pub mod auth;
pub mod complaints;
pub mod deviations;
pub mod exports;
pub mod grants;
pub mod health;
pub mod import;
pub mod reference;
pub mod register;
pub mod selfcheck;
pub mod sync;

use crate::access::Caller;
use crate::auth::INTEGRATION_TOKEN_PREFIX;
use crate::auth::{bearer_token, LoginLimiter};
use crate::db::Database;
use crate::error::ApiError;
use crate::static_files;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequest, Request};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use shared::protocol::MAX_REQUEST_BYTES;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;
use tracing::Span;

/// What every handler can reach.
#[derive(Debug)]
pub struct App {
    pub db: Database,
    pub static_dir: PathBuf,
    pub login_limiter: LoginLimiter,
    pub password_checks: crate::auth::PasswordChecks,
    /// Browsers reach the server over HTTPS (itself or a TLS proxy): send HSTS.
    pub https: bool,
    /// What every device is told at sign-in and each session check.
    pub device_policy: shared::auth::DevicePolicy,
    /// Reverse proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// The public complaint endpoints' limits (`crate::complaints`).
    pub public_limits: crate::complaints::PublicLimits,
    /// Sends queued e-mail when an SMTP server is configured.
    pub mailer: crate::mail::Mailer,
}

pub type AppState = Arc<App>;

/// The whole HTTP surface.
pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .merge(health::router())
        .merge(auth::router())
        .merge(complaints::router())
        .merge(deviations::router())
        .merge(exports::router())
        .merge(audit::router())
        .merge(grants::router())
        .merge(reference::router())
        .merge(register::router())
        .merge(selfcheck::router())
        .merge(sync::router())
        .fallback(|| async { ApiError::NotFound })
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .layer(DefaultBodyLimit::max(MAX_REQUEST_BYTES))
        .layer(RequestBodyLimitLayer::new(MAX_REQUEST_BYTES))
        .layer(middleware::from_fn(json_payload_too_large))
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ));

    let https = state.https;
    Router::new()
        // Larger bodies than the rest of the API: outside its layers.
        .merge(import::router())
        .nest("/api", api)
        .fallback(static_files::serve)
        .layer(middleware::from_fn(move |req, next| {
            security_headers(https, req, next)
        }))
        .layer(
            TraceLayer::new_for_http()
                // Method and path only: no query string, headers or body.
                .make_span_with(|req: &Request| {
                    tracing::info_span!(
                        "request",
                        method = %req.method(),
                        path = %req.uri().path(),
                        status = tracing::field::Empty,
                    )
                })
                .on_request(())
                .on_response(|res: &Response, latency: Duration, span: &Span| {
                    span.record("status", res.status().as_u16());
                    tracing::info!(
                        status = res.status().as_u16(),
                        latency_ms = latency.as_secs_f64() * 1000.0,
                        "response"
                    );
                })
                .on_failure(()),
        )
        .with_state(state)
}

/// What the app may load and do: only its own files (no inline script, no
/// `eval`; WebAssembly is compiled from its own file), no framing, no
/// referrer leaving the site, no camera, microphone or location.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
    style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; \
    worker-src 'self'; manifest-src 'self'; object-src 'none'; base-uri 'none'; \
    form-action 'self'; frame-ancestors 'none'";

async fn security_headers(https: bool, req: Request, next: Next) -> Response {
    let mut response = next.run(req).await;
    let headers = response.headers_mut();
    for (name, value) in [
        ("content-security-policy", CONTENT_SECURITY_POLICY),
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("referrer-policy", "no-referrer"),
        ("cross-origin-opener-policy", "same-origin"),
        ("cross-origin-resource-policy", "same-origin"),
        (
            "permissions-policy",
            "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
        ),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    if https {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    response
}

/// `RequestBodyLimitLayer` answers an oversized declared length with its own
/// plain-text 413 before any handler runs; give the client our JSON instead.
async fn json_payload_too_large(req: Request, next: Next) -> Response {
    let response = next.run(req).await;
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if response.status() == StatusCode::PAYLOAD_TOO_LARGE && !is_json {
        return ApiError::PayloadTooLarge.into_response();
    }
    response
}

/// The body of a JSON request, buffered by hand (not `Json<T>`) so that every
/// rejection is our error body, and checked to be an object: serde reads a
/// struct from an array too (`[1, "<uuid>", []]`).
pub(crate) async fn read_json_object(app: &AppState, request: Request) -> Result<Bytes, ApiError> {
    require_json(request.headers())?;
    let body = Bytes::from_request(request, app)
        .await
        .map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::PayloadTooLarge
            } else {
                ApiError::MalformedJson(rejection.body_text())
            }
        })?;
    if body.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(ApiError::MalformedJson(
            "the body must be a JSON object".into(),
        ));
    }
    Ok(body)
}

/// Decodes a body: broken JSON is `malformed_json`, JSON of the wrong shape
/// `validation_failed`.
pub fn parse_json<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    use serde_json::error::Category;
    serde_json::from_slice(body).map_err(|e| match e.classify() {
        Category::Data => ApiError::ValidationFailed(e.to_string()),
        Category::Syntax | Category::Eof | Category::Io => ApiError::MalformedJson(e.to_string()),
    })
}

fn require_json(headers: &HeaderMap) -> Result<(), ApiError> {
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("application/json"));
    if is_json {
        Ok(())
    } else {
        Err(ApiError::UnsupportedMediaType)
    }
}

/// The signed-in caller, from `Authorization: Bearer`: every handler of
/// children's data takes one.
impl axum::extract::FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        app: &AppState,
    ) -> Result<Self, ApiError> {
        let header = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok());
        let token = bearer_token(header).ok_or(ApiError::Unauthenticated)?;
        let caller = match Caller::by_access_token(&app.db, token).await {
            Err(ApiError::Unauthenticated) if token.starts_with(INTEGRATION_TOKEN_PREFIX) => {
                Caller::by_integration_token(&app.db, token).await?
            }
            other => other?,
        };
        if caller.is_integration() && !crate::access::integration_may_call(parts.uri.path()) {
            return Err(ApiError::Forbidden(
                "an integration account may call the import and export API only".into(),
            ));
        }
        Span::current().record("user.id", tracing::field::display(caller.user_id));
        Ok(caller)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_type_with_charset_is_json() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            "Application/JSON; charset=utf-8".parse().expect("header"),
        );
        assert!(require_json(&headers).is_ok());
        headers.insert(header::CONTENT_TYPE, "text/plain".parse().expect("header"));
        assert!(require_json(&headers).is_err());
        assert!(require_json(&HeaderMap::new()).is_err());
    }
}
