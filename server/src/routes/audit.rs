//! Loggkontroll: a unit manager reviews and exports the audit log of their
//! units' children, by user, by child and by period.

use super::AppState;
use crate::access::Caller;
use crate::db::audit::AuditFilter;
use crate::error::{ApiError, ApiResult};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::NaiveDate;
use shared::audit::{AuditEntry, AuditReview};
use shared::auth::Colleague;
use shared::{ChildId, UserId};
use std::collections::HashMap;

/// The most entries one request returns; narrow the filter for more.
pub const MAX_ENTRIES: i64 = 10_000;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/audit", get(review))
        .route("/v1/colleagues", get(colleagues))
}

/// The people of the asking leader's units, for choosing whom to grant
/// cover or whose use of the records to review.
#[tracing::instrument(skip_all, fields(user.id))]
async fn colleagues(
    State(app): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<Colleague>>> {
    caller.require_staff_viewer()?;
    let users = app.db.colleagues_of(caller.user_id).await?;
    Ok(Json(
        users
            .into_iter()
            .map(|u| Colleague {
                id: u.id,
                username: u.username,
                display_name: u.display_name,
                role: u.role,
                active: u.active,
            })
            .collect(),
    ))
}

pub fn parse_filter(params: &HashMap<String, String>) -> ApiResult<(AuditFilter, bool)> {
    let bad = |m: &str| ApiError::InvalidQuery(m.to_owned());
    let date = |key: &str| -> ApiResult<Option<NaiveDate>> {
        params
            .get(key)
            .map(|raw| {
                NaiveDate::parse_from_str(raw, "%Y-%m-%d")
                    .map_err(|_| bad(&format!("`{key}` must be a date (YYYY-MM-DD)")))
            })
            .transpose()
    };
    let from = date("from")?
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc());
    // Up to and including the `to` day.
    let to = date("to")?
        .and_then(|d| d.succ_opt())
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc());
    let user = params
        .get("user")
        .map(|raw| UserId::parse(raw).map_err(|_| bad("`user` must be a user id")))
        .transpose()?;
    let child = params
        .get("child")
        .map(|raw| ChildId::parse(raw).map_err(|_| bad("`child` must be a child id")))
        .transpose()?;
    let csv = match params.get("format").map(String::as_str) {
        None | Some("json") => false,
        Some("csv") => true,
        Some(_) => return Err(bad("`format` must be json or csv")),
    };
    Ok((
        AuditFilter {
            children: Vec::new(),
            staff_units: Vec::new(),
            user,
            child,
            from,
            to,
            limit: MAX_ENTRIES + 1,
        },
        csv,
    ))
}

#[tracing::instrument(skip_all, fields(user.id))]
async fn review(
    State(app): State<AppState>,
    caller: Caller,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> ApiResult<Response> {
    let scope = caller.audit_review_scope()?;
    let Query(params) = query.map_err(|e| ApiError::InvalidQuery(e.body_text()))?;
    let (mut filter, csv) = parse_filter(&params)?;
    (filter.children, filter.staff_units) = scope;
    let mut entries = app.db.audit_entries(&filter).await?;
    let truncated = entries.len() as i64 > MAX_ENTRIES;
    entries.truncate(MAX_ENTRIES as usize);
    tracing::info!(entries = entries.len(), csv, "log reviewed");
    if csv {
        return Ok((
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"loggkontroll.csv\"",
                ),
            ],
            to_csv(&entries),
        )
            .into_response());
    }
    Ok(Json(AuditReview { entries, truncated }).into_response())
}

/// One line per entry; every field is an id, a fixed word or a time, so
/// nothing needs quoting.
fn to_csv(entries: &[AuditEntry]) -> String {
    let mut out = String::from(
        "nr,loggad,tidpunkt,användare,användar-id,roll,enheter,barn-id,åtgärd,detalj,enhet,session,offline\n",
    );
    for e in entries {
        let opt = |v: Option<String>| v.unwrap_or_default();
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{},{},{},{},{},{}\n",
            e.seq,
            e.logged_at.to_rfc3339(),
            e.occurred_at.to_rfc3339(),
            e.username.replace([',', '"', '\n'], " "),
            e.user_id,
            e.role.as_str(),
            e.units
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(";"),
            e.child_id,
            match e.action {
                shared::audit::AuditAction::Read => "läsning",
                shared::audit::AuditAction::Write => "ändring",
            },
            e.detail,
            opt(e.device_id.map(|d| d.to_string())),
            opt(e.session_id.map(|s| s.to_string())),
            if e.offline { "ja" } else { "nej" },
        ));
    }
    out
}
