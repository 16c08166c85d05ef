//! The register (`/v1/register/…`): homes with their checks and history,
//! children, their workers and placements as managers edit them, the list
//! of decisions to act on, and the colleagues to choose workers among.
//! Online only; who may do what is asked of [`Caller`] (`crate::access`).
//! Every write and every read of a child's record is audit-logged in the
//! transaction of the write, or before a read is answered.

use super::{parse_json, read_json_object, AppState};
use crate::access::{check_worker, Caller, HomeScope};
use crate::db::register::Upsert;
use crate::db::{DbError, TRANSACTION_TIMEOUT};
use crate::error::{ApiError, ApiResult};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, Request, State};
use axum::routing::{get, put};
use axum::{Json, Router};
use chrono::{NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use shared::audit::AuditAction;
use shared::auth::Role;
use shared::register::{ConsiderationStatus, DecisionStatus, Home, HomeCheck, HomeEntry};
use shared::{Child, ChildId, ErrorCode, Placement, PlacementId, UserId};
use std::collections::{BTreeMap, HashMap};
use uuid::Uuid;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/register/homes", get(list_homes))
        .route("/v1/register/homes/{id}", put(put_home))
        .route("/v1/register/children/{id}", put(put_child))
        .route(
            "/v1/register/children/{id}/workers",
            get(get_workers).put(put_workers),
        )
        .route("/v1/register/placements/{id}", put(put_placement))
        .route("/v1/register/decisions", get(decisions))
        .route("/v1/register/colleagues", get(colleagues))
}

/// `GET` and `PUT /v1/register/children/{id}/workers`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkersRequest {
    pub workers: Vec<UserId>,
}

/// One row of `GET /v1/register/decisions`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionEntry {
    pub placement: Placement,
    pub child_name: String,
    pub decision: DecisionStatus,
    pub consideration: ConsiderationStatus,
}

/// One row of `GET /v1/register/colleagues`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisterColleague {
    pub id: UserId,
    pub display_name: String,
    pub role: Role,
}

/// Most workers one child may have.
const MAX_WORKERS: usize = 20;

/// The id in the path: not an id is `not_found` (no such resource).
fn path_id(raw: &str) -> ApiResult<Uuid> {
    Uuid::parse_str(raw).map_err(|_| ApiError::NotFound)
}

/// The body's id must be the path's.
fn same_id(path: Uuid, body: Uuid) -> ApiResult<()> {
    if path == body {
        Ok(())
    } else {
        Err(ApiError::ValidationFailed(
            "`id` in the body is not the id in the path".into(),
        ))
    }
}

/// `?on=YYYY-MM-DD`: the day to compute for (default today in Sweden).
fn on_day(query: Result<Query<HashMap<String, String>>, QueryRejection>) -> ApiResult<NaiveDate> {
    let Query(params) = query.map_err(|e| ApiError::InvalidQuery(e.body_text()))?;
    if let Some(unknown) = params.keys().find(|k| k.as_str() != "on") {
        return Err(ApiError::InvalidQuery(format!(
            "unknown parameter `{unknown}`"
        )));
    }
    match params.get("on") {
        Some(day) => day
            .parse()
            .map_err(|_| ApiError::InvalidQuery("`on` must be a date (YYYY-MM-DD)".into())),
        None => Ok(shared::sweden::date_at(Utc::now())),
    }
}

/// An external id taken by another record is an id conflict.
fn external_id_taken(err: DbError) -> ApiError {
    match err {
        DbError::ExternalIdTaken { kind, external_id } => ApiError::Taken(format!(
            "another {kind} already has external id {external_id}"
        )),
        other => ApiError::Database(other),
    }
}

/// Runs a request's transaction with [`TRANSACTION_TIMEOUT`].
async fn timed<T>(work: impl std::future::Future<Output = ApiResult<T>>) -> ApiResult<T> {
    tokio::time::timeout(TRANSACTION_TIMEOUT, work)
        .await
        .unwrap_or(Err(ApiError::Database(DbError::TimedOut)))
}

#[tracing::instrument(skip_all, fields(user.id))]
async fn list_homes(
    State(app): State<AppState>,
    caller: Caller,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> ApiResult<Json<Vec<HomeEntry>>> {
    let scope = caller.register_home_scope()?;
    let on = on_day(query)?;
    let entries = timed(async {
        let mut tx = app.db.begin_snapshot().await?;
        let homes = match scope {
            HomeScope::Units(units) => tx.homes_in_units(&units).await?,
            HomeScope::Children(children) => {
                let ids = tx.homes_of_children(&children).await?;
                tx.homes_by_id(&ids).await?
            }
        };
        let entries = tx.home_entries(homes, on).await?;
        tx.rollback().await?;
        Ok(entries)
    })
    .await?;
    Ok(Json(entries))
}

/// The stored checks must all be in the new list, unchanged; the ones not
/// stored yet are returned to be added. Two checks of one kind and date in
/// the body are refused.
fn added_checks<'a>(
    stored: &[HomeCheck],
    wanted: &'a [HomeCheck],
) -> ApiResult<Vec<&'a HomeCheck>> {
    let mut by_key: BTreeMap<(shared::register::CheckKind, NaiveDate), &HomeCheck> =
        BTreeMap::new();
    for check in wanted {
        if by_key.insert((check.kind, check.date), check).is_some() {
            return Err(ApiError::ValidationFailed(format!(
                "`checks`: two {} checks dated {}",
                check.kind.as_str(),
                check.date
            )));
        }
    }
    for check in stored {
        if by_key.remove(&(check.kind, check.date)) != Some(check) {
            return Err(ApiError::ValidationFailed(format!(
                "`checks` are added, never changed or removed: the {} check of {} is missing or changed",
                check.kind.as_str(),
                check.date
            )));
        }
    }
    Ok(by_key.into_values().collect())
}

#[tracing::instrument(skip_all, fields(user.id))]
async fn put_home(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    request: Request,
) -> ApiResult<Json<HomeEntry>> {
    caller.require_register_manager()?;
    let id = path_id(&id)?;
    let body = read_json_object(&app, request).await?;
    let home: Home = parse_json(&body)?;
    same_id(id, *home.id.as_uuid())?;
    caller.check_register_unit(Some(home.unit_id))?;
    let today = shared::sweden::date_at(Utc::now());
    let entry = timed(async {
        let mut tx = app.db.begin_write().await?;
        let stored = tx.home(home.id).await?;
        if let Some(stored) = &stored {
            caller.check_register_unit(Some(stored.unit_id))?;
        }
        let stored_checks = stored.map(|h| h.checks).unwrap_or_default();
        let added = added_checks(&stored_checks, &home.checks)?;
        let upsert = tx.upsert_home(&home).await.map_err(external_id_taken)?;
        for check in &added {
            tx.add_home_check(home.id, check, Some(caller.user_id))
                .await?;
        }
        let saved = tx.home(home.id).await?.ok_or(ApiError::NotFound)?;
        let entry = tx.home_entries(vec![saved], today).await?.pop();
        tx.commit().await?;
        tracing::info!(home.id = %home.id, ?upsert, checks_added = added.len(), "home saved");
        entry.ok_or(ApiError::NotFound)
    })
    .await?;
    Ok(Json(entry))
}

#[tracing::instrument(skip_all, fields(user.id))]
async fn put_child(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    request: Request,
) -> ApiResult<Json<Child>> {
    caller.require_register_manager()?;
    let id = path_id(&id)?;
    let body = read_json_object(&app, request).await?;
    let child: Child = parse_json(&body)?;
    same_id(id, *child.id.as_uuid())?;
    caller.check_register_unit(child.unit_id)?;
    let who = caller.who(None);
    let saved = timed(async {
        let mut tx = app.db.begin_write().await?;
        let stored = tx.child_for_update(child.id).await?;
        if let Some(stored) = &stored {
            caller.check_register_unit(stored.unit_id)?;
        }
        let upsert = tx.upsert_child(&child).await.map_err(external_id_taken)?;
        let detail = match upsert {
            Upsert::Created => "register_child_created",
            Upsert::Updated => "register_child_updated",
            Upsert::Unchanged => "register_child_unchanged",
        };
        crate::db::audit::append(&mut tx, &[who.entry(child.id, AuditAction::Write, detail)])
            .await?;
        tx.commit().await?;
        Ok(child)
    })
    .await?;
    Ok(Json(saved))
}

/// The child's responsible workers now, for the editor to start from
/// (the `PUT` replaces the whole list). Managers of the child's unit; a
/// read of the child, logged before it is answered.
#[tracing::instrument(skip_all, fields(user.id))]
async fn get_workers(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<WorkersRequest>> {
    caller.require_register_manager()?;
    let child_id = ChildId::from_uuid(path_id(&id)?);
    let workers = timed(async {
        let mut tx = app.db.begin_snapshot().await?;
        let Some(child) = tx.children_by_id(&[child_id]).await?.pop() else {
            return Err(ApiError::NotFound);
        };
        caller.check_register_unit(child.unit_id)?;
        let workers = tx.child_workers(child_id).await?;
        tx.rollback().await?;
        Ok(workers)
    })
    .await?;
    // Logged before anything is sent: a read that cannot be logged is not served.
    let who = caller.who(None);
    app.db
        .log_reads(&[who.entry(child_id, AuditAction::Read, "register_workers")])
        .await?;
    Ok(Json(WorkersRequest { workers }))
}

#[tracing::instrument(skip_all, fields(user.id))]
async fn put_workers(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    request: Request,
) -> ApiResult<Json<WorkersRequest>> {
    caller.require_register_manager()?;
    let child_id = ChildId::from_uuid(path_id(&id)?);
    let body = read_json_object(&app, request).await?;
    let request: WorkersRequest = parse_json(&body)?;
    if request.workers.len() > MAX_WORKERS {
        return Err(ApiError::ValidationFailed(format!(
            "`workers`: at most {MAX_WORKERS}"
        )));
    }
    let who = caller.who(None);
    let workers = timed(async {
        let mut tx = app.db.begin_write().await?;
        let Some(stored) = tx.child_for_update(child_id).await? else {
            return Err(ApiError::NotFound);
        };
        caller.check_register_unit(stored.unit_id)?;
        let unit = stored.unit_id.ok_or(ApiError::NotFound)?;
        for worker in &request.workers {
            let user = tx.user_by_id(*worker).await?;
            let units = tx.units_of(*worker).await?;
            check_worker(unit, *worker, user.as_ref(), &units)?;
        }
        tx.set_child_workers(child_id, &request.workers, &who)
            .await?;
        let workers = tx.child_workers(child_id).await?;
        tx.commit().await?;
        Ok(workers)
    })
    .await?;
    Ok(Json(WorkersRequest { workers }))
}

#[tracing::instrument(skip_all, fields(user.id))]
async fn put_placement(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    request: Request,
) -> ApiResult<Json<Placement>> {
    caller.require_register_manager()?;
    let id = PlacementId::from_uuid(path_id(&id)?);
    let body = read_json_object(&app, request).await?;
    let placement: Placement = parse_json(&body)?;
    same_id(*id.as_uuid(), *placement.id.as_uuid())?;
    let who = caller.who(None);
    let saved = timed(async {
        let mut tx = app.db.begin_write().await?;
        let Some(child) = tx.child_for_update(placement.child_id).await? else {
            return Err(ApiError::Refused {
                code: ErrorCode::UnknownChild,
                message: format!("child {} does not exist", placement.child_id),
            });
        };
        caller.check_register_unit(child.unit_id)?;
        match tx.placement_for_update(id).await? {
            Some(stored) if stored.placement.child_id != placement.child_id => {
                return Err(ApiError::ValidationFailed(
                    "`child_id`: the placement is another child's".into(),
                ));
            }
            Some(stored) if stored.deleted => {
                return Err(ApiError::Refused {
                    code: ErrorCode::RecordDeleted,
                    message: format!("placement {id} was deleted"),
                });
            }
            Some(stored) => {
                if tx.placement_closed(id).await? {
                    return Err(ApiError::Refused {
                        code: ErrorCode::PlacementClosed,
                        message: format!("placement {id} is closed: its signed closing is final"),
                    });
                }
                if stored.placement.end_date != placement.end_date {
                    return Err(ApiError::ValidationFailed(
                        "`end_date`: a placement ends with a signed closing".into(),
                    ));
                }
            }
            None if placement.end_date.is_some() => {
                return Err(ApiError::ValidationFailed(
                    "`end_date`: a new placement has no end date: it ends with a signed closing"
                        .into(),
                ));
            }
            None => {}
        }
        if let Some(home) = placement.home_id {
            if tx.home_unit(home).await? != child.unit_id {
                return Err(ApiError::ValidationFailed(format!(
                    "`home_id`: home {home} is not in the register of the child's unit"
                )));
            }
        }
        let (upsert, saved) = tx
            .upsert_placement(&placement)
            .await
            .map_err(external_id_taken)?;
        let detail = match upsert {
            Upsert::Created => "register_placement_created",
            Upsert::Updated => "register_placement_updated",
            Upsert::Unchanged => "register_placement_unchanged",
        };
        crate::db::audit::append(
            &mut tx,
            &[who.entry(placement.child_id, AuditAction::Write, detail)],
        )
        .await?;
        tx.commit().await?;
        Ok(saved)
    })
    .await?;
    Ok(Json(saved))
}

#[tracing::instrument(skip_all, fields(user.id))]
async fn decisions(
    State(app): State<AppState>,
    caller: Caller,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> ApiResult<Json<Vec<DecisionEntry>>> {
    caller.require_register_manager()?;
    let on = on_day(query)?;
    let units = caller.unit_ids();
    let entries: Vec<DecisionEntry> = timed(async {
        let mut tx = app.db.begin_snapshot().await?;
        let due = tx.decisions_to_act_on(&units, on).await?;
        tx.rollback().await?;
        Ok(due)
    })
    .await?
    .into_iter()
    .map(|d| DecisionEntry {
        child_name: d.child.full_name(),
        placement: d.placement,
        decision: d.decision,
        consideration: d.consideration,
    })
    .collect();
    // Logged before anything is sent: a read that cannot be logged is not served.
    let who = caller.who(None);
    let mut listed: Vec<ChildId> = entries.iter().map(|e| e.placement.child_id).collect();
    listed.sort_unstable();
    listed.dedup();
    let logged: Vec<_> = listed
        .into_iter()
        .map(|child| who.entry(child, AuditAction::Read, "register_decisions"))
        .collect();
    app.db.log_reads(&logged).await?;
    Ok(Json(entries))
}

#[tracing::instrument(skip_all, fields(user.id))]
async fn colleagues(
    State(app): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<RegisterColleague>>> {
    caller.require_register_manager()?;
    let units = caller.unit_ids();
    let users = timed(async {
        let mut tx = app.db.begin_snapshot().await?;
        let users = tx.users_in_units(&units).await?;
        tx.rollback().await?;
        Ok(users)
    })
    .await?;
    Ok(Json(
        users
            .into_iter()
            .filter(|u| u.active && u.role.reads_child_records())
            .map(|u| RegisterColleague {
                id: u.id,
                display_name: u.display_name,
                role: u.role,
            })
            .collect(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::register::{CheckKind, CheckResult};
    use shared::{PersonName, VisitNote};

    fn check(kind: CheckKind, date: &str, result: CheckResult) -> HomeCheck {
        HomeCheck {
            kind,
            date: date.parse().expect("date"),
            result,
            made_by: PersonName::parse("Anna Lind").expect("name"),
            note: VisitNote::default(),
        }
    }

    #[test]
    fn checks_are_added_never_changed_or_dropped() {
        let old = check(CheckKind::Violence, "2026-01-01", CheckResult::NoRemarks);
        let new = check(CheckKind::Violence, "2026-02-01", CheckResult::Remarks);
        let stored = std::slice::from_ref(&old);
        let wanted = [old.clone(), new.clone()];
        let added = added_checks(stored, &wanted).expect("added");
        assert_eq!(added, vec![&new]);
        assert!(
            added_checks(stored, std::slice::from_ref(&new)).is_err(),
            "dropped"
        );
        let changed = HomeCheck {
            result: CheckResult::NotApproved,
            ..old.clone()
        };
        assert!(added_checks(stored, &[changed]).is_err(), "changed");
        assert!(added_checks(&[], &[new.clone(), new]).is_err(), "twice");
    }
}
