//! Signed visits to the record (akten), see `docs/export.md`: one visit as
//! JSON or PDF, the period's unfiled visits in bulk, and the "förd till akt"
//! mark. Who may do what is asked of [`Caller`] (`crate::access`); every
//! export is audit-logged before it is sent, every filing in the
//! transaction that writes it.

use super::{parse_json, read_json_object, AppState};
use crate::access::Caller;
use crate::db::export::{FileOutcome, MAX_BULK_VISITS};
use crate::error::{ApiError, ApiResult};
use crate::export::{render_pdf, ExportError};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use shared::audit::AuditAction;
use shared::export::{FileRequest, FiledMark, UnfiledQuery, VisitRecord};
use shared::VisitId;
use std::collections::HashMap;

/// The longest period one bulk export covers, in days.
pub const MAX_PERIOD_DAYS: i64 = 366;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/visits/{id}/record.json", get(record_json))
        .route("/v1/visits/{id}/record.pdf", get(record_pdf))
        .route("/v1/visits/{id}/filed", post(file_one))
        .route("/v1/exports/unfiled", post(unfiled))
        .route("/v1/exports/filed", post(file_many))
}

impl From<ExportError> for ApiError {
    fn from(err: ExportError) -> Self {
        // A fault of the server (the fonts, the PDF writer), never of the
        // input: an internal error, logged as such.
        ApiError::Io(std::io::Error::other(err))
    }
}

/// How an export leaves: the audit detail names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    Json,
    Pdf,
}

impl Format {
    fn detail(self, visit: VisitId) -> String {
        match self {
            Self::Json => format!("record_export_json:{visit}"),
            Self::Pdf => format!("record_export_pdf:{visit}"),
        }
    }
}

/// One entry per visit, about its child, before anything is sent: an
/// export that cannot be logged is not served.
async fn log_exports(
    app: &AppState,
    caller: &Caller,
    records: &[VisitRecord],
    format: Format,
) -> ApiResult<()> {
    let who = caller.who(None);
    let entries: Vec<_> = records
        .iter()
        .map(|r| who.entry(r.child.id, AuditAction::Read, &format.detail(r.visit.id)))
        .collect();
    app.db.log_reads(&entries).await?;
    Ok(())
}

/// The signed visit `raw` names, if the caller may export it.
async fn signed_record(app: &AppState, caller: &Caller, raw: &str) -> ApiResult<VisitRecord> {
    let id = VisitId::parse(raw).map_err(|_| ApiError::NotFound)?;
    let child = app.db.child_of_visit(id).await?.ok_or(ApiError::NotFound)?;
    caller.check_export(child)?;
    let record = app.db.visit_record(id).await?.ok_or(ApiError::NotFound)?;
    if record.visit.signed_by.is_none() {
        return Err(ApiError::ValidationFailed(format!(
            "visit {id} is not signed: only signed visits go to the record"
        )));
    }
    Ok(record)
}

/// Renders off the async threads: a bulk export may run to many pages.
async fn pdf_response(records: Vec<VisitRecord>, filename: String) -> ApiResult<Response> {
    let bytes = tokio::task::spawn_blocking(move || render_pdf(&records, chrono::Utc::now()))
        .await
        .map_err(|e| ApiError::Io(std::io::Error::other(e)))??;
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\""))
        .unwrap_or_else(|_| HeaderValue::from_static("attachment"));
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/pdf"),
            ),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response())
}

#[tracing::instrument(skip_all, fields(user.id))]
async fn record_json(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<VisitRecord>> {
    let record = signed_record(&app, &caller, &id).await?;
    log_exports(&app, &caller, std::slice::from_ref(&record), Format::Json).await?;
    Ok(Json(record))
}

#[tracing::instrument(skip_all, fields(user.id))]
async fn record_pdf(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let record = signed_record(&app, &caller, &id).await?;
    log_exports(&app, &caller, std::slice::from_ref(&record), Format::Pdf).await?;
    let filename = format!("besok-{}-{}.pdf", record.visit.visit_date, record.visit.id);
    pdf_response(vec![record], filename).await
}

/// Files `visits` (known, signed, each one the caller may file) all or
/// none; each mark with whether this call set it.
async fn file(
    app: &AppState,
    caller: &Caller,
    visits: &[VisitId],
) -> ApiResult<Vec<(FiledMark, bool)>> {
    for &id in visits {
        let child = app.db.child_of_visit(id).await?.ok_or(ApiError::NotFound)?;
        caller.check_filing(child)?;
    }
    match app.db.file_visits(visits, &caller.who(None)).await? {
        FileOutcome::Filed(marks) => {
            let new = marks.iter().filter(|(_, new)| *new).count();
            tracing::info!(visits = visits.len(), new, "visits filed");
            Ok(marks)
        }
        FileOutcome::UnknownVisit(_) => Err(ApiError::NotFound),
        FileOutcome::Unsigned(id) => Err(ApiError::ValidationFailed(format!(
            "visit {id} is not signed: only signed visits go to the record"
        ))),
    }
}

/// `201` with the new mark, or `200` with the first one when the visit was
/// filed before (the mark never changes).
#[tracing::instrument(skip_all, fields(user.id))]
async fn file_one(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<(StatusCode, Json<FiledMark>)> {
    let id = VisitId::parse(&id).map_err(|_| ApiError::NotFound)?;
    let mut marks = file(&app, &caller, &[id]).await?;
    let (mark, new) = marks.pop().ok_or(ApiError::NotFound)?;
    let status = if new {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(mark)))
}

#[tracing::instrument(skip_all, fields(user.id))]
async fn file_many(
    State(app): State<AppState>,
    caller: Caller,
    request: Request,
) -> ApiResult<Json<Vec<FiledMark>>> {
    let body = read_json_object(&app, request).await?;
    let request: FileRequest = parse_json(&body)?;
    if request.visits.is_empty() || request.visits.len() > MAX_BULK_VISITS {
        return Err(ApiError::ValidationFailed(format!(
            "`visits` must name from 1 to {MAX_BULK_VISITS} visits"
        )));
    }
    let mut visits = request.visits;
    let mut seen = std::collections::HashSet::new();
    visits.retain(|v| seen.insert(*v));
    let marks = file(&app, &caller, &visits).await?;
    Ok(Json(marks.into_iter().map(|(mark, _)| mark).collect()))
}

/// `?format=json` (the default) or `?format=pdf`; nothing else.
fn format_of(query: Result<Query<HashMap<String, String>>, QueryRejection>) -> ApiResult<Format> {
    let Query(params) = query.map_err(|e| ApiError::InvalidQuery(e.body_text()))?;
    if let Some(unknown) = params.keys().find(|k| k.as_str() != "format") {
        return Err(ApiError::InvalidQuery(format!(
            "unknown parameter `{unknown}`"
        )));
    }
    match params.get("format").map(String::as_str) {
        None | Some("json") => Ok(Format::Json),
        Some("pdf") => Ok(Format::Pdf),
        Some(_) => Err(ApiError::InvalidQuery(
            "`format` must be `json` or `pdf`".into(),
        )),
    }
}

/// The period must run forwards and be at most [`MAX_PERIOD_DAYS`] long,
/// for exactly one of a worker and a unit.
fn validate(query: &UnfiledQuery) -> ApiResult<()> {
    if query.to < query.from {
        return Err(ApiError::ValidationFailed(
            "`to` must not be before `from`".into(),
        ));
    }
    if (query.to - query.from).num_days() >= MAX_PERIOD_DAYS {
        return Err(ApiError::ValidationFailed(format!(
            "the period may be at most {MAX_PERIOD_DAYS} days"
        )));
    }
    if query.worker.is_some() == query.unit.is_some() {
        return Err(ApiError::ValidationFailed(
            "give exactly one of `worker` and `unit`".into(),
        ));
    }
    Ok(())
}

#[tracing::instrument(skip_all, fields(user.id))]
async fn unfiled(
    State(app): State<AppState>,
    caller: Caller,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
    request: Request,
) -> ApiResult<Response> {
    let format = format_of(query)?;
    let body = read_json_object(&app, request).await?;
    let query: UnfiledQuery = parse_json(&body)?;
    validate(&query)?;
    let children = caller.bulk_export_scope(query.worker, query.unit)?;
    let records = app.db.unfiled_records(&query, &children).await?;
    if records.len() > MAX_BULK_VISITS {
        return Err(ApiError::ValidationFailed(format!(
            "more than {MAX_BULK_VISITS} unfiled visits in the period: choose a shorter one"
        )));
    }
    log_exports(&app, &caller, &records, format).await?;
    match format {
        Format::Json => Ok(Json(records).into_response()),
        Format::Pdf => {
            let filename = format!("besok-{}-{}.pdf", query.from, query.to);
            pdf_response(records, filename).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use shared::{UnitId, UserId};

    fn query(from: (i32, u32, u32), to: (i32, u32, u32)) -> UnfiledQuery {
        let day = |(y, m, d)| NaiveDate::from_ymd_opt(y, m, d).expect("date");
        UnfiledQuery {
            from: day(from),
            to: day(to),
            worker: Some(UserId::new_random()),
            unit: None,
        }
    }

    #[test]
    fn a_bulk_query_runs_forwards_for_at_most_a_year_for_one_worker_or_unit() {
        assert!(validate(&query((2026, 1, 1), (2026, 3, 31))).is_ok());
        assert!(validate(&query((2026, 1, 1), (2026, 1, 1))).is_ok());
        assert!(validate(&query((2026, 3, 1), (2026, 2, 28))).is_err());
        assert!(validate(&query((2025, 1, 1), (2025, 12, 31))).is_ok());
        assert!(
            validate(&query((2025, 1, 1), (2026, 1, 1))).is_ok(),
            "366 days"
        );
        assert!(validate(&query((2025, 1, 1), (2026, 1, 2))).is_err());
        let mut both = query((2026, 1, 1), (2026, 1, 2));
        both.unit = Some(UnitId::new_random());
        assert!(validate(&both).is_err());
        both.worker = None;
        assert!(validate(&both).is_ok());
        both.unit = None;
        assert!(validate(&both).is_err());
    }

    #[test]
    fn the_format_is_json_or_pdf() {
        let q = |pairs: &[(&str, &str)]| {
            Ok(Query(
                pairs
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                    .collect(),
            ))
        };
        assert_eq!(format_of(q(&[])).expect("json"), Format::Json);
        assert_eq!(
            format_of(q(&[("format", "pdf")])).expect("pdf"),
            Format::Pdf
        );
        assert!(format_of(q(&[("format", "docx")])).is_err());
        assert!(format_of(q(&[("limit", "5")])).is_err());
    }
}
