//! `GET /api/health`: is the server up, and can it reach its database?

use super::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use shared::protocol::PROTOCOL_VERSION;

pub fn router() -> Router<AppState> {
    Router::new().route("/health", get(health))
}

#[derive(Debug, Serialize)]
pub struct Health {
    pub status: &'static str,
    pub version: &'static str,
    pub protocol: u32,
    pub database: DatabaseHealth,
}

#[derive(Debug, Serialize)]
pub struct DatabaseHealth {
    pub kind: &'static str,
    pub status: &'static str,
}

async fn health(State(app): State<AppState>) -> (StatusCode, Json<Health>) {
    let (http, status) = match app.db.health().await {
        Ok(()) => (StatusCode::OK, "ok"),
        Err(err) => {
            tracing::warn!(error = %err, "health check: database unavailable");
            (StatusCode::SERVICE_UNAVAILABLE, "unavailable")
        }
    };
    let body = Health {
        status,
        version: env!("CARGO_PKG_VERSION"),
        protocol: PROTOCOL_VERSION,
        database: DatabaseHealth {
            kind: app.db.kind(),
            status,
        },
    };
    (http, Json(body))
}
