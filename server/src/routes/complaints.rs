//! Complaints (docs/complaints.md): a child's message from the public page
//! (`/v1/public/messages`, no account; limited per address, per code and by
//! the flood guard) and the unit's register (`/v1/complaints`, staff; who
//! sees what is asked of [`Caller`]). Every read and write of the register
//! is audit-logged: a write in its transaction, a read before it is
//! answered.

use super::{parse_json, read_json_object, AppState};
use crate::access::Caller;
use crate::complaints::{code_hash, typed_hash, PublicLimits, MAX_PUBLIC_BODY_BYTES};
use crate::db::complaints::{audit_entry, MessageStored};
use crate::error::{ApiError, ApiResult};
use crate::tls::Peer;
use axum::extract::rejection::QueryRejection;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{NaiveDate, Utc};
use shared::audit::AuditAction;
use shared::complaints::{
    check_optional, check_text, Channel, ChildMessage, Complaint, ComplaintCounts, ComplaintList,
    ComplaintStatus, ComplaintUpdate, MessageReceipt, MessageStatus, NewComplaint, ReceiptCode,
    MAX_ANSWER_CHARS, MAX_NAME_CHARS, MAX_REACH_CHARS, MAX_TEXT_CHARS,
};
use shared::{ErrorCode, HomeId, UnitId, UserId};
use std::collections::HashMap;
use uuid::Uuid;

pub fn router() -> Router<AppState> {
    let public = Router::new()
        .route("/v1/public/messages", post(leave_message))
        .route("/v1/public/messages/{code}", get(read_answer))
        .layer(DefaultBodyLimit::max(MAX_PUBLIC_BODY_BYTES));
    Router::new()
        .route("/v1/complaints", get(list).post(record))
        .route("/v1/complaints/summary", get(summary))
        .route("/v1/complaints/{id}", get(one).put(update))
        .merge(public)
}

impl From<shared::complaints::ComplaintError> for ApiError {
    fn from(err: shared::complaints::ComplaintError) -> Self {
        Self::ValidationFailed(err.to_string())
    }
}

fn rate_limited(retry_after_secs: u64) -> ApiError {
    ApiError::RateLimited { retry_after_secs }
}

/// `POST /v1/public/messages`: `201 {"code": "K7M-4QX-9TP"}`.
#[tracing::instrument(skip_all)]
async fn leave_message(
    State(app): State<AppState>,
    ConnectInfo(Peer(peer)): ConnectInfo<Peer>,
    request: Request,
) -> ApiResult<(StatusCode, Json<MessageReceipt>)> {
    let client = super::auth::client_ip(peer.ip(), request.headers(), &app.trusted_proxies);
    let body = read_json_object(&app, request)
        .await
        .map_err(|err| match err {
            ApiError::PayloadTooLarge => ApiError::Refused {
                code: ErrorCode::PayloadTooLarge,
                message: format!("a message is at most {MAX_PUBLIC_BODY_BYTES} bytes"),
            },
            other => other,
        })?;
    let message: ChildMessage = parse_json(&body)?;
    let message = message.checked()?;
    app.public_limits
        .limiter
        .hit(&PublicLimits::message_keys(client))
        .map_err(rate_limited)?;
    // A code already taken (one in 2^45 per message stored) is drawn again.
    for _ in 0..3 {
        let code = ReceiptCode::new_random();
        let stored = app
            .db
            .store_child_message(
                &message,
                &code_hash(&code),
                Channel::Public,
                app.public_limits.caps,
                Utc::now(),
            )
            .await?;
        match stored {
            MessageStored::Stored => {
                tracing::info!("a child's message was stored");
                return Ok((
                    StatusCode::CREATED,
                    Json(MessageReceipt {
                        code: code.to_string(),
                    }),
                ));
            }
            MessageStored::Busy => {
                tracing::warn!("a child's message was refused: the flood guard's cap is reached");
                return Err(ApiError::MessagesFull);
            }
            MessageStored::CodeTaken => continue,
        }
    }
    Err(ApiError::MessagesFull)
}

/// `GET /v1/public/messages/{code}`: the status and the answer. A code that
/// is not one, and one that is but was never given, get the same `404`
/// after the same work (a hash and a look-up).
#[tracing::instrument(skip_all)]
async fn read_answer(
    State(app): State<AppState>,
    ConnectInfo(Peer(peer)): ConnectInfo<Peer>,
    headers: HeaderMap,
    Path(typed): Path<String>,
) -> ApiResult<Json<MessageStatus>> {
    let client = super::auth::client_ip(peer.ip(), &headers, &app.trusted_proxies);
    let hash = match ReceiptCode::parse(&typed) {
        Ok(code) => code_hash(&code),
        Err(_) => typed_hash(&typed.chars().take(64).collect::<String>()),
    };
    app.public_limits
        .limiter
        .hit(&PublicLimits::lookup_keys(client, &hash))
        .map_err(rate_limited)?;
    match app.db.message_status(&hash).await? {
        Some(status) => Ok(Json(status)),
        None => Err(ApiError::NotFound),
    }
}

/// The id in the path: not an id is `not_found`.
fn path_id(raw: &str) -> ApiResult<Uuid> {
    Uuid::parse_str(raw).map_err(|_| ApiError::NotFound)
}

/// `?show=new|overdue|all` (default all).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Show {
    New,
    Overdue,
    All,
}

/// `?show=…&home=…`: which complaints, and only a home's.
fn list_params(
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> ApiResult<(Show, Option<HomeId>)> {
    let Query(params) = query.map_err(|e| ApiError::InvalidQuery(e.body_text()))?;
    if let Some(unknown) = params
        .keys()
        .find(|k| !matches!(k.as_str(), "show" | "home"))
    {
        return Err(ApiError::InvalidQuery(format!(
            "unknown parameter `{unknown}`"
        )));
    }
    let show = match params.get("show").map(String::as_str) {
        None | Some("all") => Show::All,
        Some("new") => Show::New,
        Some("overdue") => Show::Overdue,
        Some(_) => {
            return Err(ApiError::InvalidQuery(
                "`show` is new, overdue or all".into(),
            ))
        }
    };
    let home = match params.get("home") {
        None => None,
        Some(raw) => Some(
            HomeId::parse(raw)
                .map_err(|_| ApiError::InvalidQuery("`home` is a home's id".into()))?,
        ),
    };
    Ok((show, home))
}

/// Every complaint the caller may see, with the counts.
async fn visible(app: &AppState, caller: &Caller) -> ApiResult<(Vec<Complaint>, ComplaintCounts)> {
    let scope = caller.complaint_scope()?;
    let today = shared::sweden::date_at(Utc::now());
    let complaints: Vec<Complaint> = app
        .db
        .complaints(&scope)
        .await?
        .into_iter()
        .filter(|c| caller.may_see_complaint(c))
        .collect();
    let count = |f: &dyn Fn(&Complaint) -> bool| {
        u32::try_from(complaints.iter().filter(|c| f(c)).count()).unwrap_or(u32::MAX)
    };
    let counts = ComplaintCounts {
        new: count(&|c| c.status == ComplaintStatus::New),
        overdue: count(&|c| c.is_overdue(today)),
    };
    Ok((complaints, counts))
}

/// `GET /v1/complaints?show=…&home=…`: each complaint listed is a read,
/// logged.
#[tracing::instrument(skip_all, fields(user.id))]
async fn list(
    State(app): State<AppState>,
    caller: Caller,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> ApiResult<Json<ComplaintList>> {
    let (show, home) = list_params(query)?;
    let (complaints, counts) = visible(&app, &caller).await?;
    let today = shared::sweden::date_at(Utc::now());
    let complaints: Vec<Complaint> = complaints
        .into_iter()
        .filter(|c| home.is_none() || c.home_id == home)
        .filter(|c| match show {
            Show::All => true,
            Show::New => c.status == ComplaintStatus::New,
            Show::Overdue => c.is_overdue(today),
        })
        .collect();
    let who = caller.who(None);
    let entries: Vec<_> = complaints
        .iter()
        .map(|c| audit_entry(&who, c.id, c.child_id, AuditAction::Read, "list"))
        .collect();
    app.db.log_reads(&entries).await?;
    Ok(Json(ComplaintList { complaints, counts }))
}

/// `GET /v1/complaints/summary`: how many are new and overdue, for the
/// menu. Counts only, no complaint's content: not logged.
#[tracing::instrument(skip_all, fields(user.id))]
async fn summary(State(app): State<AppState>, caller: Caller) -> ApiResult<Json<ComplaintCounts>> {
    let (_, counts) = visible(&app, &caller).await?;
    Ok(Json(counts))
}

/// `GET /v1/complaints/{id}`; one the caller may not see is `404`.
#[tracing::instrument(skip_all, fields(user.id, complaint.id))]
async fn one(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Complaint>> {
    let id = path_id(&id)?;
    tracing::Span::current().record("complaint.id", tracing::field::display(id));
    caller.complaint_scope()?;
    let complaint = app
        .db
        .complaint(id)
        .await?
        .filter(|c| caller.may_see_complaint(c))
        .ok_or(ApiError::NotFound)?;
    let who = caller.who(None);
    app.db
        .log_reads(&[audit_entry(
            &who,
            complaint.id,
            complaint.child_id,
            AuditAction::Read,
            "read",
        )])
        .await?;
    Ok(Json(complaint))
}

/// The home must be the complaint's unit's, and a responsible person
/// other than the caller an active member of it.
async fn check_links(
    app: &AppState,
    caller: &Caller,
    unit: Option<UnitId>,
    responsible: Option<UserId>,
    home: Option<HomeId>,
) -> ApiResult<()> {
    if let Some(home) = home {
        let home_unit = app.db.home_unit(home).await?;
        if home_unit.is_none() || home_unit != unit {
            return Err(ApiError::ValidationFailed(
                "`home_id` is not a home of the complaint's unit".into(),
            ));
        }
    }
    if let Some(person) = responsible.filter(|p| *p != caller.user_id) {
        let member = match unit {
            Some(unit) => app.db.is_unit_member(person, unit).await?,
            None => false,
        };
        if !member {
            return Err(ApiError::ValidationFailed(
                "`responsible` is not an active member of the complaint's unit".into(),
            ));
        }
    }
    Ok(())
}

/// `POST /v1/complaints`: `201` with the complaint recorded.
#[tracing::instrument(skip_all, fields(user.id))]
async fn record(
    State(app): State<AppState>,
    caller: Caller,
    request: Request,
) -> ApiResult<(StatusCode, Json<Complaint>)> {
    caller.complaint_scope()?;
    let body = read_json_object(&app, request).await?;
    let mut new: NewComplaint = parse_json(&body)?;
    new.text = check_text("text", &new.text, MAX_TEXT_CHARS, true)?;
    new.from_name = check_optional("from_name", new.from_name.as_deref(), MAX_NAME_CHARS)?;
    new.reach = check_optional("reach", new.reach.as_deref(), MAX_REACH_CHARS)?;
    let today = shared::sweden::date_at(Utc::now());
    if new.received_on > today {
        return Err(ApiError::ValidationFailed(
            "`received_on` is not after today".into(),
        ));
    }
    check_due(new.due_on, new.received_on)?;
    caller.check_complaint_record(&new)?;
    let responsible = new.responsible.unwrap_or(caller.user_id);
    if !caller.role.sees_whole_units() && responsible != caller.user_id {
        return Err(ApiError::Forbidden(
            "only a group leader or unit manager makes someone else responsible".into(),
        ));
    }
    check_links(
        &app,
        &caller,
        Some(new.unit_id),
        Some(responsible),
        new.home_id,
    )
    .await?;
    let complaint = app
        .db
        .record_complaint(&new, Some(responsible), &caller.who(None), Utc::now())
        .await?;
    tracing::info!(complaint.id = %complaint.id, "complaint recorded");
    Ok((StatusCode::CREATED, Json(complaint)))
}

fn check_due(due: Option<NaiveDate>, received: NaiveDate) -> ApiResult<()> {
    match due {
        Some(due) if due < received => Err(ApiError::ValidationFailed(
            "`due_on` is not before the day it was received".into(),
        )),
        _ => Ok(()),
    }
}

/// `PUT /v1/complaints/{id}`: the handling fields, on the revision read; a
/// stale one is `409 stale_update` and changes nothing.
#[tracing::instrument(skip_all, fields(user.id, complaint.id))]
async fn update(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    request: Request,
) -> ApiResult<Json<Complaint>> {
    let id = path_id(&id)?;
    tracing::Span::current().record("complaint.id", tracing::field::display(id));
    caller.complaint_scope()?;
    let body = read_json_object(&app, request).await?;
    let mut update: ComplaintUpdate = parse_json(&body)?;
    update.answer = match update.answer.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(answer) => Some(check_text("answer", answer, MAX_ANSWER_CHARS, true)?),
    };
    if update.status == ComplaintStatus::Answered && update.answer.is_none() {
        return Err(ApiError::ValidationFailed(
            "an answered complaint has its `answer`".into(),
        ));
    }
    let before = app
        .db
        .complaint(id)
        .await?
        .filter(|c| caller.may_see_complaint(c))
        .ok_or(ApiError::NotFound)?;
    check_due(Some(update.due_on), before.received_on)?;
    caller.check_complaint_update(&before, &update)?;
    check_links(
        &app,
        &caller,
        update.unit_id,
        update.responsible,
        update.home_id,
    )
    .await?;
    let today = shared::sweden::date_at(Utc::now());
    // The day the answer was given: kept while the answer stands.
    let answered_on = match (&update.answer, update.status) {
        (Some(answer), ComplaintStatus::Answered | ComplaintStatus::Closed) => {
            if before.answer.as_ref() == Some(answer) && before.answered_on.is_some() {
                before.answered_on
            } else {
                Some(today)
            }
        }
        _ => None,
    };
    let updated = app
        .db
        .update_complaint(id, &update, answered_on, &caller.who(None), Utc::now())
        .await?
        .ok_or(ApiError::StaleUpdate)?;
    tracing::info!("complaint updated");
    Ok(Json(updated))
}
