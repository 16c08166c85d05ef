//! Deviations, Lex Sarah and personal-data incidents (docs/deviations.md):
//! reporting (also through sync, `report_deviation`), the investigation
//! with its lock, feedback (by e-mail to an external reporter), actions and
//! follow-ups, escalation, the 72-hour clock to IMY, the manager's to-do
//! list, the aggregates for the workplace meeting and the quality unit, and
//! "my tablet is lost". Who sees what is asked of [`Caller`]; every read
//! and write of a deviation is audit-logged (a write in its transaction, a
//! read before the answer is sent).

use super::{parse_json, read_json_object, AppState};
use crate::access::{Caller, DeviationView};
use crate::db::deviations::{audit_entry, Outgoing, ReportRefused, Step};
use crate::error::{ApiError, ApiResult};
use axum::extract::rejection::QueryRejection;
use axum::extract::{DefaultBodyLimit, Path, Query, Request, State};
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use shared::audit::AuditAction;
use shared::deviations::{
    days_left, hours_left, ActionDone, Aggregates, Category, Deviation, DeviationList,
    DeviationReport, Incident, IncidentKind, InvestigationUpdate, LostDevice, LostDeviceOpened,
    NewAction, Route, TextStep, Todo, TodoAction, TodoInvestigation, UnitManager, MAX_TEXT_CHARS,
};
use shared::{ErrorCode, HomeId};
use std::collections::HashMap;
use uuid::Uuid;

/// The largest body of a deviation request: a report's texts are at most
/// a few times 4,000 characters.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// The longest period the aggregates cover.
const MAX_PERIOD_DAYS: i64 = 3 * 366;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/deviations", get(list).post(report))
        .route("/v1/deviations/todo", get(todo))
        .route("/v1/deviations/managers", get(managers))
        .route("/v1/deviations/aggregates", get(aggregates))
        .route("/v1/deviations/{id}", get(one))
        .route("/v1/deviations/{id}/investigation", put(investigate))
        .route("/v1/deviations/{id}/corrections", post(correct))
        .route("/v1/deviations/{id}/feedback", post(feedback))
        .route("/v1/deviations/{id}/escalation", post(escalate))
        .route("/v1/deviations/{id}/imy-report", post(imy_report))
        .route("/v1/deviations/{id}/actions", post(add_action))
        .route("/v1/deviations/{id}/actions/{action}", put(complete_action))
        .route("/v1/devices/lost", post(lost_device))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
}

impl From<shared::deviations::DeviationError> for ApiError {
    fn from(err: shared::deviations::DeviationError) -> Self {
        Self::ValidationFailed(err.to_string())
    }
}

fn refused(refusal: &ReportRefused) -> ApiError {
    match refusal {
        ReportRefused::Taken => ApiError::Taken(refusal.message().into()),
        _ => ApiError::ValidationFailed(refusal.message().into()),
    }
}

fn locked() -> ApiError {
    ApiError::Refused {
        code: ErrorCode::Locked,
        message: "the investigation is locked: add a correction instead".into(),
    }
}

fn path_id(raw: &str) -> ApiResult<Uuid> {
    Uuid::parse_str(raw).map_err(|_| ApiError::NotFound)
}

async fn body<T: serde::de::DeserializeOwned>(app: &AppState, request: Request) -> ApiResult<T> {
    let bytes = read_json_object(app, request)
        .await
        .map_err(|err| match err {
            ApiError::PayloadTooLarge => ApiError::Refused {
                code: ErrorCode::PayloadTooLarge,
                message: format!("a deviation request is at most {MAX_BODY_BYTES} bytes"),
            },
            other => other,
        })?;
    parse_json(&bytes)
}

/// The deviation as the caller may see it, or `404`; its read logged.
async fn visible(app: &AppState, caller: &Caller, id: Uuid, verb: &str) -> ApiResult<Deviation> {
    caller.deviation_scope()?;
    let deviation = app.db.deviation(id).await?.ok_or(ApiError::NotFound)?;
    let view = caller
        .deviation_view(&deviation)
        .ok_or(ApiError::NotFound)?;
    app.db
        .log_reads(&[audit_entry(
            &caller.who(None),
            deviation.id,
            deviation.report.child_id,
            AuditAction::Read,
            verb,
        )])
        .await?;
    Ok(match view {
        DeviationView::Full => deviation,
        DeviationView::Reporter => deviation.for_reporter(),
    })
}

/// `POST /v1/deviations`: a report made online (the tablet's goes through
/// sync) → `201`.
#[tracing::instrument(skip_all, fields(user.id, deviation.id))]
async fn report(
    State(app): State<AppState>,
    caller: Caller,
    request: Request,
) -> ApiResult<(StatusCode, Json<Deviation>)> {
    caller.deviation_scope()?;
    let report: DeviationReport = body(&app, request).await?;
    tracing::Span::current().record("deviation.id", tracing::field::display(report.id));
    let now = Utc::now();
    let mut report = report.checked()?;
    report.reported_at = report.reported_at.min(now);
    caller.check_deviation_report(&report)?;
    let stored = app
        .db
        .report_deviation(&report, &caller.who(None), now)
        .await?
        .map_err(|r| refused(&r))?;
    tracing::info!(route = stored.report.route.as_str(), "deviation reported");
    Ok((StatusCode::CREATED, Json(stored)))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Show {
    /// Those the caller reported.
    Mine,
    /// Those the caller investigates.
    Investigate,
    All,
}

fn params(
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
    allowed: &[&str],
) -> ApiResult<HashMap<String, String>> {
    let Query(params) = query.map_err(|e| ApiError::InvalidQuery(e.body_text()))?;
    if let Some(unknown) = params.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(ApiError::InvalidQuery(format!(
            "unknown parameter `{unknown}`"
        )));
    }
    Ok(params)
}

/// `GET /v1/deviations?show=mine|investigate|all&home=…`: each listed is
/// a read.
#[tracing::instrument(skip_all, fields(user.id))]
async fn list(
    State(app): State<AppState>,
    caller: Caller,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> ApiResult<Json<DeviationList>> {
    let params = params(query, &["show", "home"])?;
    let home = match params.get("home") {
        None => None,
        Some(raw) => Some(
            HomeId::parse(raw)
                .map_err(|_| ApiError::InvalidQuery("`home` is a home's id".into()))?,
        ),
    };
    let show = match params.get("show").map(String::as_str) {
        None | Some("all") => Show::All,
        Some("mine") => Show::Mine,
        Some("investigate") => Show::Investigate,
        Some(_) => {
            return Err(ApiError::InvalidQuery(
                "`show` is mine, investigate or all".into(),
            ))
        }
    };
    let scope = caller.deviation_scope()?;
    let deviations: Vec<Deviation> = app
        .db
        .deviations(&scope)
        .await?
        .into_iter()
        .filter(|d| home.is_none() || d.report.home_id == home)
        .filter(|d| match show {
            Show::All => true,
            Show::Mine => d.reported_by == caller.user_id,
            Show::Investigate => d.report.manager_id == caller.user_id,
        })
        .filter_map(|d| match caller.deviation_view(&d)? {
            DeviationView::Full => Some(d),
            DeviationView::Reporter => Some(d.for_reporter()),
        })
        .collect();
    let who = caller.who(None);
    let entries: Vec<_> = deviations
        .iter()
        .map(|d| audit_entry(&who, d.id, d.report.child_id, AuditAction::Read, "list"))
        .collect();
    app.db.log_reads(&entries).await?;
    Ok(Json(DeviationList { deviations }))
}

/// `GET /v1/deviations/{id}`; one the caller may not see is `404`.
#[tracing::instrument(skip_all, fields(user.id, deviation.id))]
async fn one(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Deviation>> {
    let id = path_id(&id)?;
    tracing::Span::current().record("deviation.id", tracing::field::display(id));
    Ok(Json(visible(&app, &caller, id, "read").await?))
}

/// The deviation for a step: visible (else `404`), and the caller allowed
/// the step (else `403`).
async fn for_step(
    app: &AppState,
    caller: &Caller,
    raw: &str,
    allowed: fn(&Caller, &Deviation) -> bool,
    what: &str,
) -> ApiResult<Deviation> {
    let id = path_id(raw)?;
    tracing::Span::current().record("deviation.id", tracing::field::display(id));
    caller.deviation_scope()?;
    let deviation = app.db.deviation(id).await?.ok_or(ApiError::NotFound)?;
    caller
        .deviation_view(&deviation)
        .ok_or(ApiError::NotFound)?;
    if !allowed(caller, &deviation) {
        return Err(ApiError::Forbidden(format!(
            "only the investigating manager {what}"
        )));
    }
    Ok(deviation)
}

fn finish(step: Step<()>) -> ApiResult<()> {
    match step {
        Step::Done(()) => Ok(()),
        Step::Stale => Err(ApiError::StaleUpdate),
        Step::Locked => Err(locked()),
    }
}

async fn reread(app: &AppState, id: Uuid) -> ApiResult<Json<Deviation>> {
    Ok(Json(app.db.deviation(id).await?.ok_or(ApiError::NotFound)?))
}

/// `PUT /v1/deviations/{id}/investigation`: the four answers, and the lock.
#[tracing::instrument(skip_all, fields(user.id, deviation.id))]
async fn investigate(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    request: Request,
) -> ApiResult<Json<Deviation>> {
    let d = for_step(&app, &caller, &id, Caller::may_investigate, "investigates").await?;
    let update: InvestigationUpdate = body(&app, request).await?;
    let update = update.checked()?;
    if d.is_locked() {
        return Err(locked());
    }
    finish(
        app.db
            .update_investigation(
                d.id,
                d.report.child_id,
                &update,
                &caller.who(None),
                Utc::now(),
            )
            .await?,
    )?;
    tracing::info!(locked = update.lock, "investigation saved");
    reread(&app, d.id).await
}

/// `POST /v1/deviations/{id}/corrections`: an attributed addition to a
/// locked investigation (before the lock, the answers are edited).
#[tracing::instrument(skip_all, fields(user.id, deviation.id))]
async fn correct(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    request: Request,
) -> ApiResult<(StatusCode, Json<Deviation>)> {
    let d = for_step(&app, &caller, &id, Caller::may_investigate, "corrects").await?;
    let step: TextStep = body(&app, request).await?;
    let text = step.checked("text")?;
    if !d.is_locked() {
        return Err(ApiError::ValidationFailed(
            "an investigation is corrected after it is locked; before, edit the answers".into(),
        ));
    }
    finish(
        app.db
            .correct_deviation(
                d.id,
                d.report.child_id,
                step.revision,
                &text,
                &caller.who(None),
                Utc::now(),
            )
            .await?,
    )?;
    tracing::info!("investigation corrected");
    Ok((StatusCode::CREATED, reread(&app, d.id).await?))
}

/// The e-mail to an external reporter.
fn feedback_mail(d: &Deviation, text: &str) -> Option<Outgoing> {
    let to = d.report.reporter_email.clone()?;
    let greeting = d
        .report
        .reporter_name
        .as_deref()
        .map_or_else(|| "Hej!".to_owned(), |n| format!("Hej {n}!"));
    Some(Outgoing {
        to,
        subject: "Återkoppling på din avvikelserapport".into(),
        body: format!(
            "{greeting}\n\nTack för att du rapporterade det som hände den {}. \
             Så här har vi utrett det:\n\n{text}\n\nDetta e-brev går inte att svara på.\n",
            d.report.happened_on
        ),
    })
}

/// `POST /v1/deviations/{id}/feedback`: the feedback to the reporter,
/// given once, after the investigation is locked.
#[tracing::instrument(skip_all, fields(user.id, deviation.id))]
async fn feedback(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    request: Request,
) -> ApiResult<Json<Deviation>> {
    let d = for_step(
        &app,
        &caller,
        &id,
        Caller::may_investigate,
        "gives the feedback",
    )
    .await?;
    let step: TextStep = body(&app, request).await?;
    let text = step.checked("text")?;
    if !d.is_locked() {
        return Err(ApiError::ValidationFailed(
            "the feedback is given once the investigation is locked".into(),
        ));
    }
    let mail = feedback_mail(&d, &text);
    let queued = mail.is_some();
    finish(
        app.db
            .give_feedback(
                d.id,
                d.report.child_id,
                step.revision,
                &text,
                mail,
                &caller.who(None),
                Utc::now(),
            )
            .await?,
    )?;
    if queued {
        app.mailer.wake();
    }
    tracing::info!(mail = queued, "feedback given");
    reread(&app, d.id).await
}

/// `POST /v1/deviations/{id}/escalation`: a deviation goes the Lex Sarah
/// way, with the reason.
#[tracing::instrument(skip_all, fields(user.id, deviation.id))]
async fn escalate(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    request: Request,
) -> ApiResult<Json<Deviation>> {
    let d = for_step(
        &app,
        &caller,
        &id,
        Caller::may_follow_up,
        "or the unit's managers escalate",
    )
    .await?;
    let step: TextStep = body(&app, request).await?;
    let reason = step.checked("text")?;
    if d.report.route != Route::Deviation {
        return Err(ApiError::ValidationFailed(
            "only a deviation is escalated to Lex Sarah".into(),
        ));
    }
    finish(
        app.db
            .escalate_deviation(
                d.id,
                d.report.child_id,
                step.revision,
                &reason,
                &caller.who(None),
                Utc::now(),
            )
            .await?,
    )?;
    tracing::info!("deviation escalated to lex sarah");
    reread(&app, d.id).await
}

/// `POST /v1/deviations/{id}/imy-report`: `{"revision", "reported_at"?}`.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ImyReport {
    revision: i64,
    #[serde(default)]
    reported_at: Option<DateTime<Utc>>,
}

#[tracing::instrument(skip_all, fields(user.id, deviation.id))]
async fn imy_report(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    request: Request,
) -> ApiResult<Json<Deviation>> {
    let d = for_step(
        &app,
        &caller,
        &id,
        Caller::may_follow_up,
        "or the unit's managers report to IMY",
    )
    .await?;
    let step: ImyReport = body(&app, request).await?;
    let now = Utc::now();
    let at = step.reported_at.unwrap_or(now);
    if d.report.route != Route::DataIncident {
        return Err(ApiError::ValidationFailed(
            "only a personal-data incident is reported to IMY".into(),
        ));
    }
    if at > now || d.report.incident.is_some_and(|i| at < i.discovered_at) {
        return Err(ApiError::ValidationFailed(
            "`reported_at` is between the discovery and now".into(),
        ));
    }
    finish(
        app.db
            .imy_reported(
                d.id,
                d.report.child_id,
                step.revision,
                at,
                &caller.who(None),
                now,
            )
            .await?,
    )?;
    tracing::info!("incident reported to imy");
    reread(&app, d.id).await
}

/// `POST /v1/deviations/{id}/actions`: an action or a follow-up, with its
/// owner (an active member of the deviation's unit) and due date.
#[tracing::instrument(skip_all, fields(user.id, deviation.id))]
async fn add_action(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    request: Request,
) -> ApiResult<(StatusCode, Json<Deviation>)> {
    let d = for_step(
        &app,
        &caller,
        &id,
        Caller::may_follow_up,
        "or the unit's managers add actions",
    )
    .await?;
    let mut new: NewAction = body(&app, request).await?;
    new.text = shared::complaints::check_text("text", &new.text, MAX_TEXT_CHARS, true)?;
    if new.due_on < d.reported_on {
        return Err(ApiError::ValidationFailed(
            "`due_on` is not before the report".into(),
        ));
    }
    if !app.db.is_unit_member(new.owner, d.report.unit_id).await? {
        return Err(ApiError::ValidationFailed(
            "`owner` is not an active member of the deviation's unit".into(),
        ));
    }
    app.db
        .add_deviation_action(d.id, d.report.child_id, &new, &caller.who(None), Utc::now())
        .await?;
    tracing::info!("deviation action added");
    Ok((StatusCode::CREATED, reread(&app, d.id).await?))
}

/// `PUT /v1/deviations/{id}/actions/{action}`: done (by its owner or the
/// unit's managers); a follow-up repeated names the next date.
#[tracing::instrument(skip_all, fields(user.id, deviation.id))]
async fn complete_action(
    State(app): State<AppState>,
    caller: Caller,
    Path((id, action)): Path<(String, String)>,
    request: Request,
) -> ApiResult<Json<Deviation>> {
    let id = path_id(&id)?;
    let action = path_id(&action)?;
    caller.deviation_scope()?;
    let d = app.db.deviation(id).await?.ok_or(ApiError::NotFound)?;
    let owner = d
        .actions
        .iter()
        .any(|a| a.id == action && a.owner == caller.user_id);
    if !owner && !caller.may_follow_up(&d) {
        return Err(ApiError::NotFound);
    }
    let mut done: ActionDone = body(&app, request).await?;
    done.note = shared::complaints::check_optional("note", done.note.as_deref(), 1_000)?;
    let today = shared::sweden::date_at(Utc::now());
    if done.next_due_on.is_some_and(|next| next < today) {
        return Err(ApiError::ValidationFailed(
            "`next_due_on` is not before today".into(),
        ));
    }
    if !app
        .db
        .complete_deviation_action(
            id,
            d.report.child_id,
            action,
            &done,
            &caller.who(None),
            Utc::now(),
        )
        .await?
    {
        return Err(ApiError::StaleUpdate);
    }
    tracing::info!("deviation action done");
    if caller.may_follow_up(&d) {
        reread(&app, id).await
    } else {
        Ok(Json(
            app.db
                .deviation(id)
                .await?
                .ok_or(ApiError::NotFound)?
                .for_reporter(),
        ))
    }
}

/// `GET /v1/deviations/todo`: the manager's *Att göra*. Ids, dates and
/// categories only, no text of a report: not logged (an action's own
/// text is shown to its owner).
#[tracing::instrument(skip_all, fields(user.id))]
async fn todo(State(app): State<AppState>, caller: Caller) -> ApiResult<Json<Todo>> {
    let scope = caller.deviation_scope()?;
    let now = Utc::now();
    let today = shared::sweden::date_at(now);
    let mut todo = Todo::default();
    for d in app.db.deviations(&scope).await? {
        let investigates = caller.may_investigate(&d);
        if investigates && (!d.is_locked() || d.feedback_at.is_none()) {
            let overdue = d.is_overdue(today);
            todo.overdue_investigations += u32::from(overdue);
            todo.investigations.push(TodoInvestigation {
                id: d.id,
                category: d.report.category,
                route: d.report.route,
                unit_id: d.report.unit_id,
                reported_on: d.reported_on,
                due_on: d.due_on,
                days_left: days_left(d.due_on, today),
                overdue,
                imy_hours_left: d
                    .imy_due_at
                    .filter(|_| d.imy_reported_at.is_none())
                    .map(|due| hours_left(due, now)),
                awaiting_feedback: d.is_locked() && d.feedback_at.is_none(),
            });
        }
        let follows = caller.may_follow_up(&d);
        for action in d.actions.iter().filter(|a| a.done_on.is_none()) {
            if action.owner == caller.user_id || follows {
                let overdue = action.is_overdue(today);
                todo.overdue_actions += u32::from(overdue);
                todo.actions.push(TodoAction {
                    deviation_id: d.id,
                    action: action.clone(),
                    days_left: days_left(action.due_on, today),
                    overdue,
                });
            }
        }
    }
    todo.investigations.sort_by_key(|i| (i.due_on, i.id));
    todo.actions.sort_by_key(|a| (a.action.due_on, a.action.id));
    Ok(Json(todo))
}

/// `GET /v1/deviations/managers`: whom a reporter may name, for the
/// caller's units (kept on the tablet for reporting offline).
#[tracing::instrument(skip_all, fields(user.id))]
async fn managers(
    State(app): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<UnitManager>>> {
    caller.deviation_scope()?;
    Ok(Json(app.db.unit_managers(&caller.unit_ids()).await?))
}

/// `GET /v1/deviations/aggregates?from=&to=`: counts only (no text, no
/// child), for the workplace meeting and the quality unit; default the
/// last four months.
#[tracing::instrument(skip_all, fields(user.id))]
async fn aggregates(
    State(app): State<AppState>,
    caller: Caller,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> ApiResult<Json<Aggregates>> {
    let params = params(query, &["from", "to"])?;
    let units = caller.deviation_aggregate_scope()?;
    let today = shared::sweden::date_at(Utc::now());
    let date = |name: &str, default: NaiveDate| -> ApiResult<NaiveDate> {
        match params.get(name) {
            None => Ok(default),
            Some(raw) => NaiveDate::parse_from_str(raw, "%Y-%m-%d")
                .map_err(|_| ApiError::InvalidQuery(format!("`{name}` is a date, YYYY-MM-DD"))),
        }
    };
    let to = date("to", today)?;
    let from = date("from", to - Duration::days(122))?;
    if from > to || (to - from).num_days() > MAX_PERIOD_DAYS {
        return Err(ApiError::InvalidQuery(
            "`from` is not after `to`, and the period is at most three years".into(),
        ));
    }
    let facts = app.db.deviation_facts(units.as_deref(), from, to).await?;
    Ok(Json(Aggregates::count(from, to, &facts)))
}

/// `POST /v1/devices/lost`: "Jag har tappat min platta", from another
/// device: that session is revoked and the incident opened, in one step.
#[tracing::instrument(skip_all, fields(user.id, session.id))]
async fn lost_device(
    State(app): State<AppState>,
    caller: Caller,
    request: Request,
) -> ApiResult<(StatusCode, Json<LostDeviceOpened>)> {
    caller.session()?;
    let lost: LostDevice = body(&app, request).await?;
    tracing::Span::current().record("session.id", tracing::field::display(lost.session_id));
    if Some(lost.session_id) == caller.session_id {
        return Err(ApiError::ValidationFailed(
            "this is the device you are using: report the lost one from another".into(),
        ));
    }
    let now = Utc::now();
    let discovered_at = lost.discovered_at.unwrap_or(now);
    if discovered_at > now {
        return Err(ApiError::ValidationFailed(
            "`discovered_at` is not after now".into(),
        ));
    }
    let report = DeviationReport {
        id: Uuid::new_v4(),
        unit_id: lost.unit_id,
        manager_id: lost.manager_id,
        happened_on: shared::sweden::date_at(discovered_at),
        reported_at: now,
        category: Category::DataProtection,
        route: Route::DataIncident,
        risk: None,
        what_happened: lost
            .note
            .clone()
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| {
                if lost.stolen {
                    "En surfplatta har stulits.".into()
                } else {
                    "En surfplatta har tappats bort.".into()
                }
            }),
        could_do_differently: None,
        immediate_action: Some("Surfplattans inloggning spärrades.".into()),
        child_id: None,
        home_id: None,
        routine_id: None,
        complaint_id: None,
        collaboration: None,
        incident: Some(Incident {
            kind: if lost.stolen {
                IncidentKind::StolenDevice
            } else {
                IncidentKind::LostDevice
            },
            discovered_at,
        }),
        reporter_name: None,
        reporter_email: None,
    }
    .checked()?;
    caller.check_deviation_report(&report)?;
    match app
        .db
        .lost_device(lost.session_id, &report, &caller.who(None), now)
        .await?
    {
        None => Err(ApiError::NotFound),
        Some(Err(refusal)) => Err(refused(&refusal)),
        Some(Ok(())) => {
            tracing::info!(deviation.id = %report.id, "device revoked and incident opened");
            Ok((
                StatusCode::CREATED,
                Json(LostDeviceOpened {
                    deviation_id: report.id,
                    imy_due_at: shared::deviations::imy_due(discovered_at),
                }),
            ))
        }
    }
}
