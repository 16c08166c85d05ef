//! The one error type of the HTTP layer. Every failure becomes a
//! [`shared::ApiErrorBody`] with the status of its [`ErrorCode`].

use crate::db::{DbError, PullError};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use shared::{ApiErrorBody, ErrorCode};

pub type ApiResult<T> = Result<T, ApiError>;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("the body is not valid JSON for this request: {0}")]
    MalformedJson(String),
    #[error("expected Content-Type: application/json")]
    UnsupportedMediaType,
    #[error("the request body is larger than {max} bytes", max = shared::protocol::MAX_REQUEST_BYTES)]
    PayloadTooLarge,
    #[error("protocol version {got} is not supported; this server speaks version {supported}", supported = shared::protocol::PROTOCOL_VERSION)]
    UnsupportedProtocolVersion { got: String },
    #[error("{count} mutations in one push; at most {max} allowed", max = shared::protocol::MAX_MUTATIONS_PER_PUSH)]
    TooManyMutations { count: usize },
    #[error("mutation id {id} appears more than once in this push")]
    DuplicateMutationId { id: shared::MutationId },
    #[error("cursor {since} is ahead of the server's last change {last}: pull again from 0")]
    CursorAhead { since: u64, last: u64 },
    #[error("invalid query: {0}")]
    InvalidQuery(String),
    #[error("invalid request: {0}")]
    ValidationFailed(String),
    #[error("sign in first: no valid access token")]
    Unauthenticated,
    #[error("wrong user name or password")]
    InvalidCredentials,
    #[error("the session has ended: sign in again")]
    SessionExpired,
    #[error("the session was revoked: the device must remove its data")]
    SessionRevoked,
    #[error("not allowed: {0}")]
    Forbidden(String),
    #[error("too many failed sign-ins: try again in {retry_after_secs} s")]
    TooManyAttempts { retry_after_secs: u64 },
    #[error("too many sign-ins at once: try again in {retry_after_secs} s")]
    ServerBusy { retry_after_secs: u64 },
    #[error("no such resource")]
    NotFound,
    #[error("too many requests: try again in {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },
    #[error("it changed since you read it: read it again, then change it")]
    StaleUpdate,
    #[error("too many messages are waiting to be read: try again later")]
    MessagesFull,
    #[error("{0}")]
    Taken(String),
    /// A refusal with its own code (`placement_closed`, `record_deleted`,
    /// `unknown_child`, `unknown_record`) and message.
    #[error("{message}")]
    Refused { code: ErrorCode, message: String },
    #[error("method not allowed here")]
    MethodNotAllowed,
    #[error("the app is not built: the static files directory is missing")]
    AppNotBuilt,
    #[error("database error")]
    Database(#[from] DbError),
    #[error("i/o error")]
    Io(#[from] std::io::Error),
}

impl ApiError {
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::MalformedJson(_) => ErrorCode::MalformedJson,
            Self::UnsupportedMediaType => ErrorCode::UnsupportedMediaType,
            Self::PayloadTooLarge => ErrorCode::PayloadTooLarge,
            Self::UnsupportedProtocolVersion { .. } => ErrorCode::UnsupportedProtocolVersion,
            Self::TooManyMutations { .. } => ErrorCode::TooManyMutations,
            Self::DuplicateMutationId { .. } => ErrorCode::DuplicateMutationId,
            Self::CursorAhead { .. } => ErrorCode::CursorAhead,
            Self::InvalidQuery(_) => ErrorCode::InvalidQuery,
            Self::ValidationFailed(_) => ErrorCode::ValidationFailed,
            Self::Unauthenticated => ErrorCode::Unauthenticated,
            Self::InvalidCredentials => ErrorCode::InvalidCredentials,
            Self::SessionExpired => ErrorCode::SessionExpired,
            Self::SessionRevoked => ErrorCode::SessionRevoked,
            Self::Forbidden(_) => ErrorCode::Forbidden,
            Self::TooManyAttempts { .. } => ErrorCode::TooManyAttempts,
            Self::ServerBusy { .. } => ErrorCode::ServerBusy,
            Self::NotFound => ErrorCode::NotFound,
            Self::RateLimited { .. } => ErrorCode::RateLimited,
            Self::StaleUpdate => ErrorCode::StaleUpdate,
            Self::MessagesFull => ErrorCode::ServerBusy,
            Self::Taken(_) => ErrorCode::IdConflict,
            Self::Refused { code, .. } => *code,
            Self::MethodNotAllowed => ErrorCode::MethodNotAllowed,
            Self::AppNotBuilt => ErrorCode::AppNotBuilt,
            Self::Database(e) if e.is_unavailable() => ErrorCode::DatabaseUnavailable,
            Self::Database(_) | Self::Io(_) => ErrorCode::Internal,
        }
    }
}

impl From<PullError> for ApiError {
    fn from(err: PullError) -> Self {
        match err {
            PullError::CursorAhead { since, last } => Self::CursorAhead { since, last },
            PullError::Db(err) => Self::Database(err),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let code = self.code();
        let retry_after = match &self {
            Self::TooManyAttempts { retry_after_secs }
            | Self::ServerBusy { retry_after_secs }
            | Self::RateLimited { retry_after_secs } => Some(*retry_after_secs),
            Self::MessagesFull => Some(600),
            _ => None,
        };
        let message = match &self {
            Self::Database(err) => {
                // Driver errors name ids at most; never record contents.
                if code == ErrorCode::DatabaseUnavailable {
                    tracing::warn!(error = %err, "database unavailable");
                } else {
                    tracing::error!(error = %err, error.debug = ?err, "database error");
                }
                code.message_sv().to_owned()
            }
            Self::Io(err) => {
                tracing::error!(error = %err, "i/o error");
                code.message_sv().to_owned()
            }
            Self::AppNotBuilt => {
                tracing::warn!("static files directory missing: the app is not built");
                format!("Appen är inte byggd ännu. ({self})")
            }
            other => other.to_string(),
        };
        let status =
            StatusCode::from_u16(code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (
            status,
            Json(ApiErrorBody {
                code,
                message,
                problems: Vec::new(),
            }),
        )
            .into_response();
        if status == StatusCode::SERVICE_UNAVAILABLE {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        }
        if let Some(secs) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs.max(1)));
        }
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"barnbesok\""),
            );
        }
        response
    }
}
