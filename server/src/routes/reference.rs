//! Reference data: routines and checklist templates that managers publish
//! (`POST /v1/routines`, `POST /v1/checklist-templates`) and every device
//! fetches (`GET /v1/reference`). Versions are only added, never changed.

use super::{parse_json, read_json_object, AppState};
use crate::access::Caller;
use crate::error::{ApiError, ApiResult};
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Utc;
use shared::checklist::{builtin_templates, ChecklistTemplate};
use shared::protocol::ReferenceData;
use shared::routines::{seed_library, Library, RoutineDraft, RoutineVersion};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/reference", get(reference))
        .route("/v1/routines", post(publish_routine))
        .route("/v1/checklist-templates", post(publish_template))
}

#[tracing::instrument(skip_all, fields(user.id))]
async fn reference(State(app): State<AppState>, _caller: Caller) -> ApiResult<Json<ReferenceData>> {
    let routines = app
        .db
        .published_routines()
        .await?
        .into_iter()
        // Stored only after the same check: a row that fails it now is corrupt.
        .filter_map(|draft| RoutineVersion::new(draft).ok())
        .collect();
    let checklist_templates = app.db.published_templates().await?;
    Ok(Json(ReferenceData {
        routines,
        checklist_templates,
    }))
}

/// The library as devices see it: the shipped versions and the published.
async fn library(app: &AppState) -> ApiResult<Library> {
    let mut library = seed_library();
    for draft in app.db.published_routines().await? {
        if let Ok(version) = RoutineVersion::new(draft) {
            // Published versions passed the same check when stored.
            let _ = library.publish(version);
        }
    }
    Ok(library)
}

#[tracing::instrument(skip_all, fields(user.id))]
async fn publish_routine(
    State(app): State<AppState>,
    caller: Caller,
    request: Request,
) -> ApiResult<(StatusCode, Json<RoutineVersion>)> {
    caller.require_publisher()?;
    let body = read_json_object(&app, request).await?;
    let mut draft: RoutineDraft = parse_json(&body)?;
    // Version numbers are stored as 32-bit integers (PostgreSQL INTEGER).
    if i32::try_from(draft.version).is_err() {
        return Err(ApiError::ValidationFailed(
            "`version` is out of range".into(),
        ));
    }
    let today = Utc::now().date_naive();
    if draft.valid_from < today {
        return Err(ApiError::ValidationFailed(
            "`valid_from` cannot be in the past: a published version does not rewrite history"
                .into(),
        ));
    }
    let now = Utc::now();
    draft.published_at = Some(now);
    let version =
        RoutineVersion::new(draft).map_err(|e| ApiError::ValidationFailed(e.to_string()))?;
    let mut library = library(&app).await?;
    library
        .publish(version.clone())
        .map_err(|e| ApiError::ValidationFailed(e.message_sv()))?;
    if !app
        .db
        .insert_routine_version(&version.to_draft(), caller.user_id, now)
        .await?
    {
        return Err(ApiError::Taken(format!(
            "version {} of {} was published meanwhile",
            version.version(),
            version.routine_id().as_str()
        )));
    }
    tracing::info!(
        routine = version.routine_id().as_str(),
        version = version.version(),
        "routine published"
    );
    Ok((StatusCode::CREATED, Json(version)))
}

#[tracing::instrument(skip_all, fields(user.id))]
async fn publish_template(
    State(app): State<AppState>,
    caller: Caller,
    request: Request,
) -> ApiResult<(StatusCode, Json<ChecklistTemplate>)> {
    caller.require_publisher()?;
    let body = read_json_object(&app, request).await?;
    let mut template: ChecklistTemplate = parse_json(&body)?;
    template
        .check()
        .map_err(|e| ApiError::ValidationFailed(e.to_string()))?;
    if template.valid_from < Utc::now().date_naive() {
        return Err(ApiError::ValidationFailed(
            "`valid_from` cannot be in the past: placements already started keep their version"
                .into(),
        ));
    }
    let mut known = builtin_templates();
    known.extend(app.db.published_templates().await?);
    let latest = known
        .iter()
        .filter(|t| t.id.kind == template.id.kind)
        .map(|t| t.id.version)
        .max()
        .unwrap_or(0);
    if template.id.version != latest + 1 {
        return Err(ApiError::ValidationFailed(format!(
            "the version must be the next after {latest}"
        )));
    }
    template.published_by = Some(caller.display_name().to_owned());
    if !app
        .db
        .insert_template(&template, caller.user_id, Utc::now())
        .await?
    {
        return Err(ApiError::Taken(format!(
            "version {} was published meanwhile",
            template.id.version
        )));
    }
    Ok((StatusCode::CREATED, Json(template)))
}
