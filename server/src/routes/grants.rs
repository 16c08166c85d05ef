//! Cover during absence: a group leader lets a colleague see a child of
//! their unit until a date (`POST /v1/grants`).

use super::{parse_json, read_json_object, AppState};
use crate::auth::Actor;
use crate::db::accounts::{AccessKind, NewAccess};
use crate::error::{ApiError, ApiResult};
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use shared::auth::{Grant, GrantRequest, MAX_GRANT_DAYS};

pub fn router() -> Router<AppState> {
    Router::new().route("/v1/grants", post(grant))
}

/// The requested end date against `today`: from today to
/// [`MAX_GRANT_DAYS`] days ahead.
pub fn validate(grant: &GrantRequest, today: NaiveDate) -> ApiResult<()> {
    if grant.until < today || grant.until > today + Duration::days(MAX_GRANT_DAYS) {
        return Err(ApiError::ValidationFailed(format!(
            "`until` must be from today to {MAX_GRANT_DAYS} days ahead"
        )));
    }
    Ok(())
}

/// When cover until (and including) `until` ends: the start of the next
/// day, in UTC.
pub fn cover_ends_at(until: NaiveDate) -> ApiResult<DateTime<Utc>> {
    until
        .succ_opt()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
        .ok_or_else(|| ApiError::ValidationFailed("`until` is out of range".into()))
}

#[tracing::instrument(skip_all, fields(user.id))]
async fn grant(
    State(app): State<AppState>,
    actor: Actor,
    request: Request,
) -> ApiResult<(StatusCode, Json<Grant>)> {
    if !actor.role.grants_cover() {
        return Err(ApiError::Forbidden(
            "only a group leader or unit manager grants cover".into(),
        ));
    }
    let body = read_json_object(&app, request).await?;
    let grant: GrantRequest = parse_json(&body)?;
    let unit_children = app.db.children_of_units_of(actor.user_id).await?;
    if !unit_children.contains(&grant.child_id) {
        return Err(ApiError::Forbidden(format!(
            "child {} is not in your units",
            grant.child_id
        )));
    }
    validate(&grant, Utc::now().date_naive())?;
    let colleague = app
        .db
        .user_by_id(grant.user_id)
        .await?
        // Those who work from a caseload: the others see the unit already.
        .filter(|u| u.active && u.role.writes_child_records() && !u.role.sees_whole_units());
    let Some(colleague) = colleague else {
        return Err(ApiError::ValidationFailed(
            "`user_id` is not an active social worker".into(),
        ));
    };
    let mine = app.db.units_of(actor.user_id).await?;
    let theirs = app.db.units_of(colleague.id).await?;
    if !theirs.iter().any(|u| mine.iter().any(|m| m.id == u.id)) {
        return Err(ApiError::ValidationFailed(
            "`user_id` is not in any of your units".into(),
        ));
    }
    let ends_at = cover_ends_at(grant.until)?;
    app.db
        .insert_access(&NewAccess {
            child_id: grant.child_id,
            user_id: colleague.id,
            kind: AccessKind::Granted,
            granted_by: Some(actor.user_id),
            starts_at: Utc::now(),
            ends_at: Some(ends_at),
        })
        .await?;
    tracing::info!(child.id = %grant.child_id, grantee.id = %colleague.id, "cover granted");
    Ok((
        StatusCode::CREATED,
        Json(Grant {
            child_id: grant.child_id,
            user_id: colleague.id,
            ends_at,
        }),
    ))
}
