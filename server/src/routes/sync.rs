//! The sync protocol v1 (see `shared::protocol`): push mutations, pull changes.

use super::AppState;
use crate::error::{ApiError, ApiResult};
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{FromRequest, Query, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::error::Category;
use shared::protocol::{
    PullResponse, PushRequest, PushResponse, VersionProbe, DEFAULT_PULL_LIMIT,
    MAX_MUTATIONS_PER_PUSH, MAX_PULL_LIMIT, PROTOCOL_VERSION,
};
use std::collections::{HashMap, HashSet};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/sync/push", post(push))
        .route("/v1/sync/pull", get(pull))
}

#[tracing::instrument(skip_all, fields(device.id, mutations))]
async fn push(State(app): State<AppState>, request: Request) -> ApiResult<Json<PushResponse>> {
    require_json(request.headers())?;
    // Buffered by hand (not `Json<T>`) so that every rejection is our error body.
    let body = Bytes::from_request(request, &app)
        .await
        .map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::PayloadTooLarge
            } else {
                ApiError::MalformedJson(rejection.body_text())
            }
        })?;

    // serde reads a struct from an array too (`[1, "<uuid>", []]`): insist on
    // an object.
    if body.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(ApiError::MalformedJson(
            "the body must be a JSON object".into(),
        ));
    }
    // The version first, so that a newer client's unknown shape is reported as
    // a version mismatch rather than as invalid data.
    let probe: VersionProbe =
        serde_json::from_slice(&body).map_err(|e| ApiError::MalformedJson(e.to_string()))?;
    if probe.protocol != PROTOCOL_VERSION {
        return Err(ApiError::UnsupportedProtocolVersion {
            got: probe.protocol.to_string(),
        });
    }

    let request: PushRequest = serde_json::from_slice(&body).map_err(|e| match e.classify() {
        Category::Data => ApiError::ValidationFailed(e.to_string()),
        Category::Syntax | Category::Eof | Category::Io => ApiError::MalformedJson(e.to_string()),
    })?;
    if request.mutations.len() > MAX_MUTATIONS_PER_PUSH {
        return Err(ApiError::TooManyMutations {
            count: request.mutations.len(),
        });
    }
    let mut seen = HashSet::with_capacity(request.mutations.len());
    if let Some(dup) = request.mutations.iter().find(|m| !seen.insert(m.id)) {
        return Err(ApiError::DuplicateMutationId { id: dup.id });
    }
    let span = tracing::Span::current();
    span.record("device.id", tracing::field::display(request.device_id));
    span.record("mutations", request.mutations.len());

    let results = app.db.push(request.device_id, &request.mutations).await?;
    Ok(Json(PushResponse {
        protocol: PROTOCOL_VERSION,
        results,
    }))
}

fn require_json(headers: &HeaderMap) -> ApiResult<()> {
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

/// `protocol`, `since` and `limit`, validated.
#[derive(Debug, PartialEq, Eq)]
struct PullQuery {
    since: u64,
    limit: u32,
}

impl PullQuery {
    fn parse(params: &HashMap<String, String>) -> ApiResult<Self> {
        let protocol = params
            .get("protocol")
            .ok_or_else(|| ApiError::InvalidQuery("`protocol` is required".into()))?;
        if protocol.parse::<u32>().ok() != Some(PROTOCOL_VERSION) {
            return Err(ApiError::UnsupportedProtocolVersion {
                got: protocol.chars().take(20).collect(),
            });
        }
        let since = match params.get("since") {
            None => 0,
            Some(raw) => raw
                .parse::<u64>()
                .ok()
                .filter(|&s| i64::try_from(s).is_ok())
                .ok_or_else(|| {
                    ApiError::InvalidQuery("`since` must be a non-negative integer".into())
                })?,
        };
        let limit = match params.get("limit") {
            None => DEFAULT_PULL_LIMIT,
            Some(raw) => raw
                .parse::<u32>()
                .ok()
                .filter(|l| (1..=MAX_PULL_LIMIT).contains(l))
                .ok_or_else(|| {
                    ApiError::InvalidQuery(format!(
                        "`limit` must be an integer from 1 to {MAX_PULL_LIMIT}"
                    ))
                })?,
        };
        Ok(Self { since, limit })
    }
}

#[tracing::instrument(skip_all)]
async fn pull(
    State(app): State<AppState>,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> ApiResult<Json<PullResponse>> {
    let Query(params) = query.map_err(|e| ApiError::InvalidQuery(e.body_text()))?;
    let query = PullQuery::parse(&params)?;
    let page = app.db.pull(query.since, query.limit).await?;
    Ok(Json(page.into_response()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(pairs: &[(&str, &str)]) -> ApiResult<PullQuery> {
        let params = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        PullQuery::parse(&params)
    }

    #[test]
    fn pull_query_defaults() {
        assert_eq!(
            parse(&[("protocol", "1")]).ok(),
            Some(PullQuery {
                since: 0,
                limit: DEFAULT_PULL_LIMIT
            })
        );
    }

    #[test]
    fn pull_query_bounds() {
        assert!(parse(&[("protocol", "1"), ("limit", "1000")]).is_ok());
        for (key, value) in [
            ("limit", "0"),
            ("limit", "1001"),
            ("limit", "abc"),
            ("since", "-1"),
            ("since", "9223372036854775808"),
        ] {
            assert!(
                matches!(
                    parse(&[("protocol", "1"), (key, value)]),
                    Err(ApiError::InvalidQuery(_))
                ),
                "{key}={value}"
            );
        }
    }

    #[test]
    fn pull_query_protocol() {
        assert!(matches!(parse(&[]), Err(ApiError::InvalidQuery(_))));
        assert!(matches!(
            parse(&[("protocol", "2")]),
            Err(ApiError::UnsupportedProtocolVersion { .. })
        ));
    }

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
