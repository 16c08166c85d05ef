//! The sync protocol v1 (see `shared::protocol`): push mutations, pull changes.

use super::{parse_json, read_json_object, AppState};
use crate::access::Caller;
use crate::db::audit::{micros, NewAuditEntry};
use crate::db::PullBody;
use crate::error::{ApiError, ApiResult};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, Request, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use shared::audit::{AuditAction, MAX_READS_PER_PUSH};
use shared::protocol::{
    PushRequest, PushResponse, VersionProbe, DEFAULT_PULL_LIMIT, MAX_MUTATIONS_PER_PUSH,
    MAX_PULL_LIMIT, PROTOCOL_VERSION,
};
use shared::ChildId;
use std::collections::{BTreeSet, HashMap, HashSet};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/sync/push", post(push))
        .route("/v1/sync/pull", get(pull))
}

#[tracing::instrument(skip_all, fields(user.id, device.id, mutations))]
async fn push(
    State(app): State<AppState>,
    caller: Caller,
    request: Request,
) -> ApiResult<Json<PushResponse>> {
    let body = read_json_object(&app, request).await?;
    // The version first, so that a newer client's unknown shape is reported as
    // a version mismatch rather than as invalid data.
    let probe: VersionProbe =
        serde_json::from_slice(&body).map_err(|e| ApiError::MalformedJson(e.to_string()))?;
    if probe.protocol != PROTOCOL_VERSION {
        return Err(ApiError::UnsupportedProtocolVersion {
            got: probe.protocol.to_string(),
        });
    }

    let request: PushRequest = parse_json(&body)?;
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

    caller.check_push(&request.mutations)?;

    if request.reads.len() > MAX_READS_PER_PUSH {
        return Err(ApiError::ValidationFailed(format!(
            "{} reads in one push; at most {MAX_READS_PER_PUSH} allowed",
            request.reads.len()
        )));
    }
    let who = caller.who(Some(request.device_id));
    // The tablet's own reads, all of them: a read of a child the user no
    // longer has, or never had, is the one a review most needs to see.
    let reads: Vec<NewAuditEntry> = request
        .reads
        .iter()
        .map(|r| NewAuditEntry {
            occurred_at: micros(r.occurred_at),
            offline: r.offline,
            entry_id: Some(r.id),
            ..who.entry(r.child_id, AuditAction::Read, r.kind.as_str())
        })
        .collect();
    let results = app
        .db
        .push(request.device_id, Some(&who), reads, request.mutations)
        .await?;
    Ok(Json(PushResponse {
        protocol: PROTOCOL_VERSION,
        results,
    }))
}

/// `protocol`, `since`, `limit` and `child`, validated.
#[derive(Debug, PartialEq, Eq)]
pub struct PullQuery {
    pub since: u64,
    pub limit: u32,
    /// Only this child's changes: the history of a child new on the device.
    pub child: Option<ChildId>,
}

impl PullQuery {
    pub fn parse(params: &HashMap<String, String>) -> ApiResult<Self> {
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
        let child = match params.get("child") {
            None => None,
            Some(raw) => Some(ChildId::parse(raw).map_err(|_| {
                ApiError::InvalidQuery("`child` must be a child id (a UUID)".into())
            })?),
        };
        Ok(Self {
            since,
            limit,
            child,
        })
    }
}

#[tracing::instrument(skip_all, fields(user.id))]
async fn pull(
    State(app): State<AppState>,
    caller: Caller,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> ApiResult<Json<PullBody>> {
    let Query(params) = query.map_err(|e| ApiError::InvalidQuery(e.body_text()))?;
    let query = PullQuery::parse(&params)?;
    let page = app
        .db
        .pull(&caller.pull_scope(query.child)?, query.since, query.limit)
        .await?;
    // Logged before anything is sent: a read that cannot be logged is not served.
    let children: BTreeSet<ChildId> = page.changes.iter().map(|c| c.child_id).collect();
    if !children.is_empty() {
        let who = caller.who(None);
        let detail = if query.child.is_some() {
            "history"
        } else {
            "sync"
        };
        let entries: Vec<NewAuditEntry> = children
            .into_iter()
            .map(|child| who.entry(child, AuditAction::Read, detail))
            .collect();
        app.db.log_reads(&entries).await?;
    }
    Ok(Json(
        page.into_response(caller.readable_children().to_vec()),
    ))
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
                limit: DEFAULT_PULL_LIMIT,
                child: None,
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
            ("child", "alva"),
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
}
