//! Cover during absence: a group leader lets a colleague see a child of
//! their unit until a date (`POST /v1/grants`).

use super::{parse_json, read_json_object, AppState};
use crate::access::Caller;
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
    caller: Caller,
    request: Request,
) -> ApiResult<(StatusCode, Json<Grant>)> {
    caller.require_cover_granter()?;
    let body = read_json_object(&app, request).await?;
    let grant: GrantRequest = parse_json(&body)?;
    caller.check_cover_child(grant.child_id)?;
    validate(&grant, Utc::now().date_naive())?;
    let colleague = app.db.user_by_id(grant.user_id).await?;
    let theirs = match &colleague {
        Some(colleague) => app.db.units_of(colleague.id).await?,
        None => Vec::new(),
    };
    let colleague = caller.check_cover_colleague(colleague.as_ref(), &theirs)?;
    let ends_at = cover_ends_at(grant.until)?;
    app.db
        .insert_access(&NewAccess {
            child_id: grant.child_id,
            user_id: colleague.id,
            kind: AccessKind::Granted,
            granted_by: Some(caller.user_id),
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
