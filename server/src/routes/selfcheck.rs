//! The self-check (`/v1/selfcheck…`): the report managers read each month,
//! the children behind a figure, and the monthly case review with a social
//! worker. Online only; who may read which units is asked of [`Caller`]
//! (`crate::access`) before anything is read. Every child a response names
//! is logged as read before the response is sent; a saved case review is
//! logged as written about the worker's children.

use super::{parse_json, read_json_object, AppState};
use crate::access::Caller;
use crate::db::selfcheck::{ReviewSaved, SelfCheckQuery};
use crate::db::{DbError, TRANSACTION_TIMEOUT};
use crate::error::{ApiError, ApiResult};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, Request, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{NaiveDate, Utc};
use shared::audit::AuditAction;
use shared::selfcheck::{
    children_behind, CaseReview, CaseReviewRequest, CaseReviewView, DrillDown, DrillRow, GroupBy,
    Measure, Period, PeriodChoice, SelfCheckReport,
};
use shared::{ChildId, UnitId, UserId};
use std::collections::{BTreeSet, HashMap};
use uuid::Uuid;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/selfcheck", get(report))
        .route("/v1/selfcheck/children", get(children))
        .route("/v1/selfcheck/review/{worker_id}", get(review))
        .route("/v1/selfcheck/reviews", post(save_review))
}

/// Runs a request's database work with [`TRANSACTION_TIMEOUT`].
async fn timed<T>(work: impl std::future::Future<Output = Result<T, DbError>>) -> ApiResult<T> {
    tokio::time::timeout(TRANSACTION_TIMEOUT, work)
        .await
        .unwrap_or(Err(DbError::TimedOut))
        .map_err(ApiError::from)
}

type RawQuery = Result<Query<HashMap<String, String>>, QueryRejection>;

/// The query's parameters, refusing any not in `known`.
fn params(query: RawQuery, known: &[&str]) -> ApiResult<HashMap<String, String>> {
    let Query(params) = query.map_err(|e| ApiError::InvalidQuery(e.body_text()))?;
    if let Some(unknown) = params.keys().find(|k| !known.contains(&k.as_str())) {
        return Err(ApiError::InvalidQuery(format!(
            "unknown parameter `{unknown}`"
        )));
    }
    Ok(params)
}

fn date(params: &HashMap<String, String>, name: &str) -> ApiResult<Option<NaiveDate>> {
    params
        .get(name)
        .map(|d| {
            d.parse().map_err(|_| {
                ApiError::InvalidQuery(format!("`{name}` must be a date (YYYY-MM-DD)"))
            })
        })
        .transpose()
}

/// `?today=`: the day to compute for (default today in Sweden).
fn today(params: &HashMap<String, String>) -> ApiResult<NaiveDate> {
    Ok(date(params, "today")?.unwrap_or_else(|| shared::sweden::date_at(Utc::now())))
}

/// What the report and the drill-down share: the period, the grouping,
/// the day, and the unit asked for.
struct ReportQuery {
    query: SelfCheckQuery,
    unit: Option<UnitId>,
}

const REPORT_PARAMS: [&str; 6] = ["period", "from", "to", "group_by", "unit", "today"];

fn report_query(params: &HashMap<String, String>) -> ApiResult<ReportQuery> {
    let today = today(params)?;
    let choice = params
        .get("period")
        .ok_or_else(|| ApiError::InvalidQuery("`period` is required".into()))?;
    let choice = PeriodChoice::parse(choice).ok_or_else(|| {
        ApiError::InvalidQuery(
            "`period` must be last_month, last_quarter, last_12_months or custom".into(),
        )
    })?;
    let (from, to) = (date(params, "from")?, date(params, "to")?);
    let period = match (choice.period(today), from, to) {
        (Some(period), None, None) => period,
        (Some(_), _, _) => {
            return Err(ApiError::InvalidQuery(
                "`from` and `to` go with period=custom only".into(),
            ))
        }
        (None, Some(from), Some(to)) => {
            Period::parse(from, to).map_err(|e| ApiError::ValidationFailed(e.to_string()))?
        }
        (None, _, _) => {
            return Err(ApiError::InvalidQuery(
                "period=custom needs `from` and `to`".into(),
            ))
        }
    };
    let group_by = match params.get("group_by") {
        Some(g) => GroupBy::parse(g).ok_or_else(|| {
            ApiError::InvalidQuery(
                "`group_by` must be worker, unit, placement_kind, sex or age_group".into(),
            )
        })?,
        None => GroupBy::Worker,
    };
    let unit = params
        .get("unit")
        .map(|u| {
            Uuid::parse_str(u)
                .map(UnitId::from_uuid)
                .map_err(|_| ApiError::InvalidQuery("`unit` must be a unit id".into()))
        })
        .transpose()?;
    Ok(ReportQuery {
        query: SelfCheckQuery {
            period,
            group_by,
            today,
        },
        unit,
    })
}

/// Logs each child in `children` as read by `caller` (`detail` says where),
/// before the response is sent: a read that cannot be logged is not served.
async fn log_reads(
    app: &AppState,
    caller: &Caller,
    children: impl IntoIterator<Item = ChildId>,
    detail: &str,
) -> ApiResult<()> {
    let listed: BTreeSet<ChildId> = children.into_iter().collect();
    let who = caller.who(None);
    let entries: Vec<_> = listed
        .into_iter()
        .map(|child| who.entry(child, AuditAction::Read, detail))
        .collect();
    app.db.log_reads(&entries).await?;
    Ok(())
}

#[tracing::instrument(skip_all, fields(user.id))]
async fn report(
    State(app): State<AppState>,
    caller: Caller,
    query: RawQuery,
) -> ApiResult<Json<SelfCheckReport>> {
    caller.selfcheck_units(None)?;
    let params = params(query, &REPORT_PARAMS)?;
    let asked = report_query(&params)?;
    let units = caller.selfcheck_units(asked.unit)?;
    let report = timed(app.db.selfcheck_report(&units, &asked.query)).await?;
    let named = report
        .overdue
        .iter()
        .map(|r| r.child_id)
        .chain(report.broken_intervals.iter().map(|r| r.child_id))
        .chain(report.most_changes.iter().map(|r| r.child_id))
        .chain(report.endings.iter().map(|r| r.child_id));
    log_reads(&app, &caller, named, "selfcheck_report").await?;
    Ok(Json(report))
}

#[tracing::instrument(skip_all, fields(user.id))]
async fn children(
    State(app): State<AppState>,
    caller: Caller,
    query: RawQuery,
) -> ApiResult<Json<DrillDown>> {
    caller.selfcheck_units(None)?;
    let mut known = REPORT_PARAMS.to_vec();
    known.extend(["measure", "group"]);
    let params = params(query, &known)?;
    let asked = report_query(&params)?;
    let measure = params
        .get("measure")
        .ok_or_else(|| ApiError::InvalidQuery("`measure` is required".into()))?;
    let measure = Measure::parse_key(measure)
        .ok_or_else(|| ApiError::InvalidQuery(format!("unknown measure `{measure}`")))?;
    let group = params.get("group").cloned();
    let units = caller.selfcheck_units(asked.unit)?;
    let period = asked.query.period;
    let facts = timed(app.db.selfcheck_facts(&units, period, asked.query.today)).await?;
    let group_by = asked.query.group_by;
    let workers: HashMap<ChildId, &Vec<shared::selfcheck::WorkerRef>> = facts
        .facts
        .iter()
        .map(|c| (c.child_id, &c.workers))
        .collect();
    let rows: Vec<DrillRow> = children_behind(measure, &facts.facts, group_by, group.as_deref())
        .into_iter()
        .map(|(child_id, value)| DrillRow {
            child_id,
            child_name: facts.names.get(&child_id).cloned().unwrap_or_default(),
            value,
            workers: workers
                .get(&child_id)
                .map(|w| (*w).clone())
                .unwrap_or_default(),
        })
        .collect();
    log_reads(
        &app,
        &caller,
        rows.iter().map(|r| r.child_id),
        "selfcheck_drilldown",
    )
    .await?;
    Ok(Json(DrillDown {
        period,
        measure,
        group_by,
        group,
        children: rows,
    }))
}

/// The worker in the path, and the units they share with the caller.
async fn worker_in_my_units(
    app: &AppState,
    caller: &Caller,
    worker: UserId,
) -> ApiResult<(crate::db::accounts::UserRow, Vec<UnitId>)> {
    let (user, units) = timed(app.db.user_with_units(worker))
        .await?
        .ok_or(ApiError::NotFound)?;
    let shared = caller.review_units(&units)?;
    Ok((user, shared))
}

#[tracing::instrument(skip_all, fields(user.id))]
async fn review(
    State(app): State<AppState>,
    caller: Caller,
    Path(worker): Path<String>,
    query: RawQuery,
) -> ApiResult<Json<CaseReviewView>> {
    caller.selfcheck_units(None)?;
    let params = params(query, &["today"])?;
    let today = today(&params)?;
    let worker = Uuid::parse_str(&worker)
        .map(UserId::from_uuid)
        .map_err(|_| ApiError::NotFound)?;
    let (worker, units) = worker_in_my_units(&app, &caller, worker).await?;
    let view = timed(app.db.case_review_view(&units, &worker, today)).await?;
    let named = view
        .children
        .iter()
        .map(|c| c.child_id)
        .chain(view.overdue.iter().map(|r| r.child_id))
        .chain(view.decisions.iter().map(|r| r.child_id))
        .chain(view.visits_without_view.iter().map(|v| v.child_id));
    log_reads(&app, &caller, named, "selfcheck_review").await?;
    Ok(Json(view))
}

#[tracing::instrument(skip_all, fields(user.id))]
async fn save_review(
    State(app): State<AppState>,
    caller: Caller,
    request: Request,
) -> ApiResult<Json<CaseReview>> {
    caller.selfcheck_units(None)?;
    let body = read_json_object(&app, request).await?;
    let asked: CaseReviewRequest = parse_json(&body)?;
    let (worker, units) = worker_in_my_units(&app, &caller, asked.worker_id)
        .await
        .map_err(|e| match e {
            ApiError::NotFound => ApiError::ValidationFailed("`worker_id`: no such user".into()),
            other => other,
        })?;
    let today = shared::sweden::date_at(Utc::now());
    let view = timed(app.db.case_review_view(&units, &worker, today)).await?;
    let children: Vec<ChildId> = view.children.iter().map(|c| c.child_id).collect();
    let review = CaseReview {
        id: asked.id,
        worker_id: asked.worker_id,
        review_date: asked.review_date,
        agreed_actions: asked.agreed_actions,
        held_by: caller.user_id,
        held_by_name: caller.display_name().to_owned(),
        recorded_at: crate::db::audit::micros(Utc::now()),
    };
    let who = caller.who(None);
    match timed(app.db.save_case_review(&review, &children, &who)).await? {
        ReviewSaved::Created(saved) | ReviewSaved::Again(saved) => Ok(Json(saved)),
        ReviewSaved::IdTaken => Err(ApiError::Taken(format!(
            "case review {} is another review",
            review.id
        ))),
    }
}
