//! The sync protocol v1 (see `shared::protocol`): push mutations, pull changes.

use super::{parse_json, read_json_object, AppState};
use crate::auth::Actor;
use crate::db::audit::{micros, NewAuditEntry, Who};
use crate::error::{ApiError, ApiResult};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, Request, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Utc;
use shared::audit::{AuditAction, MAX_READS_PER_PUSH};
use shared::protocol::{
    PullResponse, PushRequest, PushResponse, VersionProbe, DEFAULT_PULL_LIMIT,
    MAX_MUTATIONS_PER_PUSH, MAX_PULL_LIMIT, PROTOCOL_VERSION,
};
use shared::{ChildId, DeviceId};
use std::collections::{BTreeSet, HashMap, HashSet};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/sync/push", post(push))
        .route("/v1/sync/pull", get(pull))
}

#[tracing::instrument(skip_all, fields(user.id, device.id, mutations))]
async fn push(
    State(app): State<AppState>,
    actor: Actor,
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

    // All or nothing: one mutation about a child outside the user's reach
    // refuses the whole push before anything is written.
    let writable = app
        .db
        .writable_children(actor.user_id, actor.role, Utc::now())
        .await?;
    if let Some(m) = request
        .mutations
        .iter()
        .find(|m| !writable.contains(&m.operation.child_id()))
    {
        tracing::warn!(mutation.id = %m.id, child.id = %m.operation.child_id(), "push outside scope refused");
        return Err(ApiError::Forbidden(format!(
            "mutation {} is about child {}, who is not in your caseload",
            m.id,
            m.operation.child_id()
        )));
    }

    if request.reads.len() > MAX_READS_PER_PUSH {
        return Err(ApiError::ValidationFailed(format!(
            "{} reads in one push; at most {MAX_READS_PER_PUSH} allowed",
            request.reads.len()
        )));
    }
    let who = who(&app, &actor, Some(request.device_id)).await?;
    if !request.reads.is_empty() {
        // The tablet's own reads: of children it may hold (or held lately).
        let readable = app
            .db
            .readable_children(actor.user_id, actor.role, Utc::now())
            .await?;
        let entries: Vec<NewAuditEntry> = request
            .reads
            .iter()
            .filter(|r| {
                writable.contains(&r.child_id) || readable.binary_search(&r.child_id).is_ok()
            })
            .map(|r| NewAuditEntry {
                occurred_at: micros(r.occurred_at),
                offline: r.offline,
                entry_id: Some(r.id),
                ..who.entry(r.child_id, AuditAction::Read, r.kind.as_str())
            })
            .collect();
        if entries.len() < request.reads.len() {
            tracing::warn!(
                dropped = request.reads.len() - entries.len(),
                "reads of children outside the user's reach not logged"
            );
        }
        app.db.log_reads(&entries).await?;
    }

    let results = app
        .db
        .push(request.device_id, Some(&who), &request.mutations)
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
    actor: Actor,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> ApiResult<Json<PullResponse>> {
    let Query(params) = query.map_err(|e| ApiError::InvalidQuery(e.body_text()))?;
    let query = PullQuery::parse(&params)?;
    let scope = app
        .db
        .readable_children(actor.user_id, actor.role, Utc::now())
        .await?;
    let page = match query.child {
        Some(child) if scope.binary_search(&child).is_err() => {
            return Err(ApiError::Forbidden(format!(
                "child {child} is not in your caseload"
            )));
        }
        Some(child) => app.db.pull(&[child], query.since, query.limit).await?,
        None => app.db.pull(&scope, query.since, query.limit).await?,
    };
    // Logged before anything is sent: a read that cannot be logged is not served.
    let children: BTreeSet<ChildId> = page.changes.iter().map(|c| c.record.child_id()).collect();
    if !children.is_empty() {
        let who = who(&app, &actor, None).await?;
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
    Ok(Json(page.into_response(scope)))
}

/// The acting user as the audit log records them.
async fn who(app: &AppState, actor: &Actor, device_id: Option<DeviceId>) -> ApiResult<Who> {
    let units = app.db.units_of(actor.user_id).await?;
    let unit_ids: Vec<_> = units.iter().map(|u| u.id).collect();
    Ok(Who {
        user_id: actor.user_id,
        role: actor.role,
        units: Who::units_of(&unit_ids),
        session_id: Some(actor.session_id),
        device_id,
    })
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
