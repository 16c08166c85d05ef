//! `POST /api/v1/import`: a file from the case-management system (CSV of
//! one kind, or a JSON `ImportBatch`), read and applied by the same code as
//! `barnbesok-server admin import` (`crate::import::import_file`). See
//! `docs/import.md`.
//!
//! The route takes bodies up to [`MAX_IMPORT_BYTES`], more than the API's
//! usual limit, so it is merged outside `/api`'s layers (`routes::router`)
//! and brings its own: the body limit, `Cache-Control: no-store`, and our
//! JSON error body for every refusal.

use super::AppState;
use crate::access::Caller;
use crate::db::import::{ImportError, ImportScope};
use crate::error::ApiError;
use crate::import::{columns::parse_kind, import_file, Format};
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{DefaultBodyLimit, FromRequest, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use shared::auth::Role;
use shared::import::{ImportProblem, ImportReport, MAX_IMPORT_BYTES};
use shared::{ApiErrorBody, ErrorCode};
use std::collections::HashMap;
use tower_http::set_header::SetResponseHeaderLayer;

pub const PATH: &str = "/api/v1/import";

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            PATH,
            post(import).fallback(|| async { ApiError::MethodNotAllowed }),
        )
        .layer(DefaultBodyLimit::max(MAX_IMPORT_BYTES))
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
}

/// Why an import request was refused.
#[derive(Debug, thiserror::Error)]
enum Refusal {
    #[error(transparent)]
    Api(#[from] ApiError),
    /// 422 `import_rejected`, every problem named.
    #[error("the file was refused: nothing was imported")]
    Rejected(Vec<ImportProblem>),
    /// 413 naming this route's own limit.
    #[error("the file is larger than {MAX_IMPORT_BYTES} bytes: nothing was imported (split it)")]
    TooLarge,
    /// 415 naming the types this route takes.
    #[error("expected Content-Type: text/csv (UTF-8) or application/json")]
    MediaType,
}

impl From<ImportError> for Refusal {
    fn from(err: ImportError) -> Self {
        match err {
            ImportError::Rejected(problems) => Self::Rejected(problems),
            ImportError::Db(err) => Self::Api(ApiError::Database(err)),
        }
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let message = self.to_string();
        let (code, problems) = match self {
            Self::Api(err) => return err.into_response(),
            Self::Rejected(problems) => (ErrorCode::ImportRejected, problems),
            Self::TooLarge => (ErrorCode::PayloadTooLarge, Vec::new()),
            Self::MediaType => (ErrorCode::UnsupportedMediaType, Vec::new()),
        };
        let status =
            StatusCode::from_u16(code.http_status()).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY);
        (
            status,
            Json(ApiErrorBody {
                code,
                message,
                problems,
            }),
        )
            .into_response()
    }
}

/// Who imports into which units: administrators into every unit, group
/// leaders and unit managers into their own, integration accounts into
/// theirs (the extractor lets an integration token reach this path:
/// `access::integration_may_call`).
pub fn import_scope(caller: &Caller) -> Result<ImportScope, ApiError> {
    match caller.role {
        Role::Administrator => Ok(ImportScope::AllUnits),
        Role::Integration => Ok(ImportScope::Units(caller.unit_ids())),
        role if role.sees_whole_units() => Ok(ImportScope::Units(caller.unit_ids())),
        _ => Err(ApiError::Forbidden(
            "only an administrator, a group leader or unit manager, or an integration account \
             imports"
                .into(),
        )),
    }
}

/// The body's format from its `Content-Type`: CSV must be UTF-8 (a
/// `charset` other than that is refused before the body is read).
fn format_of(headers: &HeaderMap) -> Result<Format, Refusal> {
    let value = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .ok_or(Refusal::MediaType)?;
    let mut parts = value.split(';').map(str::trim);
    let essence = parts.next().unwrap_or_default().to_ascii_lowercase();
    let charset = parts
        .filter_map(|p| p.split_once('='))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("charset"))
        .map(|(_, v)| v.trim().trim_matches('"').to_ascii_lowercase());
    if charset.is_some_and(|c| c != "utf-8" && c != "utf8") {
        return Err(Refusal::Rejected(vec![ImportProblem {
            line: 0,
            field: String::new(),
            message: "filen ska vara UTF-8 (Content-Type: text/csv; charset=utf-8)".into(),
        }]));
    }
    match essence.as_str() {
        "text/csv" | "application/csv" | "text/plain" => Ok(Format::Csv),
        "application/json" => Ok(Format::Json),
        _ => Err(Refusal::MediaType),
    }
}

async fn import(
    State(app): State<AppState>,
    caller: Caller,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
    request: Request,
) -> Result<Json<ImportReport>, Refusal> {
    let scope = import_scope(&caller)?;
    let Query(params) = query.map_err(|e| ApiError::InvalidQuery(e.body_text()))?;
    if let Some(name) = params
        .keys()
        .find(|k| !matches!(k.as_str(), "kind" | "dry_run"))
    {
        return Err(ApiError::InvalidQuery(format!("unknown parameter {name}")).into());
    }
    let kind = match params.get("kind") {
        None => None,
        Some(raw) => Some(parse_kind(raw).ok_or_else(|| {
            ApiError::InvalidQuery("kind must be children, placements, homes or home_checks".into())
        })?),
    };
    let dry_run = match params.get("dry_run").map(String::as_str) {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => {
            return Err(ApiError::InvalidQuery("dry_run must be true or false".into()).into())
        }
    };
    let format = format_of(request.headers())?;
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_IMPORT_BYTES as u64) {
        return Err(Refusal::TooLarge);
    }
    let body = Bytes::from_request(request, &app)
        .await
        .map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                Refusal::TooLarge
            } else {
                Refusal::Api(ApiError::ValidationFailed(rejection.body_text()))
            }
        })?;
    let who = caller.who(None);
    let report = import_file(&app.db, &body, format, kind, dry_run, &who, &scope).await?;
    tracing::info!(
        dry_run,
        children = report.children.created + report.children.updated,
        placements = report.placements.created + report.placements.updated,
        homes = report.homes.created + report.homes.updated,
        checks = report.home_checks.created,
        "import applied"
    );
    Ok(Json(report))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_type(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::CONTENT_TYPE, value.parse().expect("header"));
        headers
    }

    #[test]
    fn the_format_comes_from_the_content_type() {
        assert!(matches!(
            format_of(&with_type("text/csv; charset=UTF-8")),
            Ok(Format::Csv)
        ));
        assert!(matches!(
            format_of(&with_type("Application/JSON")),
            Ok(Format::Json)
        ));
        assert!(matches!(
            format_of(&with_type("text/csv; charset=windows-1252")),
            Err(Refusal::Rejected(_))
        ));
        assert!(matches!(
            format_of(&with_type("application/xml")),
            Err(Refusal::MediaType)
        ));
        assert!(matches!(
            format_of(&HeaderMap::new()),
            Err(Refusal::MediaType)
        ));
    }
}
