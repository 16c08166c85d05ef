//! Where a report's time goes: each SQL statement's own time, as sqlx logs
//! it (the `sqlx::query` events, collected instead of printed) while
//! [`QueryTimes::capture`] runs.

use serde::Serialize;
use std::sync::{Arc, Mutex, PoisonError};
use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::Layer;

/// One statement's run.
#[derive(Clone, Debug, Default, Serialize)]
pub struct QueryTime {
    /// The statement's first words (sqlx's summary) and the start of its text.
    pub sql: String,
    pub ms: f64,
    pub rows: u64,
}

#[derive(Clone, Default)]
pub struct QueryTimes {
    seen: Arc<Mutex<Option<Vec<QueryTime>>>>,
}

impl QueryTimes {
    /// Installs the collector as the process's subscriber.
    pub fn install() -> anyhow::Result<Self> {
        let times = Self::default();
        tracing_subscriber::registry()
            .with(
                times.clone().with_filter(
                    tracing_subscriber::filter::Targets::new()
                        .with_target("sqlx::query", tracing::Level::DEBUG),
                ),
            )
            .try_init()?;
        Ok(times)
    }

    /// The statements `work` ran, in order.
    pub async fn capture<T>(
        &self,
        work: impl std::future::Future<Output = T>,
    ) -> (T, Vec<QueryTime>) {
        *self.seen.lock().unwrap_or_else(PoisonError::into_inner) = Some(Vec::new());
        let out = work.await;
        let seen = self
            .seen
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
            .unwrap_or_default();
        (out, seen)
    }
}

#[derive(Default)]
struct Fields {
    summary: String,
    statement: String,
    elapsed_secs: f64,
    rows: u64,
}

impl Visit for Fields {
    fn record_f64(&mut self, field: &Field, value: f64) {
        if field.name() == "elapsed_secs" {
            self.elapsed_secs = value;
        }
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        if field.name() == "rows_returned" {
            self.rows = value;
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "summary" => value.clone_into(&mut self.summary),
            "db.statement" => value.clone_into(&mut self.statement),
            _ => {}
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "summary" && self.summary.is_empty() {
            self.summary = format!("{value:?}");
        }
    }
}

impl<S: Subscriber> Layer<S> for QueryTimes {
    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        let mut guard = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(seen) = guard.as_mut() else {
            return;
        };
        let mut fields = Fields::default();
        event.record(&mut fields);
        let text: String = fields
            .statement
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let sql = if text.is_empty() {
            fields.summary
        } else {
            text.chars().take(160).collect()
        };
        seen.push(QueryTime {
            sql,
            ms: fields.elapsed_secs * 1000.0,
            rows: fields.rows,
        });
    }
}
