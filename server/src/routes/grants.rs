//! Cover during absence: a group leader lets a colleague see a child of
//! their unit until a date (`POST /v1/grants`).

use super::{parse_json, read_json_object, AppState};
use crate::access::{Caller, Granter};
use crate::db::accounts::{AccessKind, NewAccess};
use crate::db::audit::Who;
use crate::db::Database;
use crate::error::{ApiError, ApiResult};
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use shared::auth::{Grant, GrantRequest, MAX_GRANT_DAYS};
use shared::UserId;

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

/// When cover until (and including) `until` ends: the midnight after it
/// in Sweden.
pub fn cover_ends_at(until: NaiveDate) -> ApiResult<DateTime<Utc>> {
    until
        .succ_opt()
        .and_then(shared::sweden::start_of)
        .ok_or_else(|| ApiError::ValidationFailed("`until` is out of range".into()))
}

/// Grants cover as `granter` asks, after every check: the API and
/// `admin grant` both come here. Logged as written by `by`.
pub async fn grant_cover(
    db: &Database,
    granter: Granter<'_>,
    granter_id: UserId,
    by: &Who,
    grant: &GrantRequest,
    now: DateTime<Utc>,
) -> ApiResult<Grant> {
    validate(grant, shared::sweden::date_at(now))?;
    let child_unit = db.child_unit(grant.child_id).await?;
    let colleague = db.user_by_id(grant.user_id).await?;
    let theirs = match &colleague {
        Some(colleague) => db.units_of(colleague.id).await?,
        None => Vec::new(),
    };
    let colleague = granter.check_grant(grant.child_id, child_unit, colleague.as_ref(), &theirs)?;
    let ends_at = cover_ends_at(grant.until)?;
    db.insert_access(
        &NewAccess {
            child_id: grant.child_id,
            user_id: colleague.id,
            kind: AccessKind::Granted,
            granted_by: Some(granter_id),
            starts_at: now,
            ends_at: Some(ends_at),
        },
        by,
    )
    .await?;
    tracing::info!(child.id = %grant.child_id, grantee.id = %colleague.id, "cover granted");
    Ok(Grant {
        child_id: grant.child_id,
        user_id: colleague.id,
        ends_at,
    })
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
    let granted = grant_cover(
        &app.db,
        caller.granter(),
        caller.user_id,
        &caller.who(None),
        &grant,
        Utc::now(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(granted)))
}
