//! The load generator's ceiling on this machine: the sync protocol's two
//! requests answered from memory, as the server's routes take and give them
//! (the same JSON decoded and encoded, over the same loopback HTTP), with no
//! database, sign-in check, scope or audit log. What it sustains is the most
//! any server could show here with the load generator beside it on the same
//! cores; the server rows are read against it.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use shared::protocol::{
    Change, FeedEpoch, MutationOutcome, MutationStatus, Operation, PullResponse, PushRequest,
    PushResponse, Record, PROTOCOL_VERSION,
};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Each device's changes, by its bearer token, numbered from one feed.
#[derive(Default)]
struct Feed {
    head: u64,
    by_device: HashMap<String, Vec<Change>>,
}

type Shared = Arc<Mutex<Feed>>;

/// Serves until the process ends; prints its URL once it listens.
pub async fn serve(listen: std::net::SocketAddr) -> anyhow::Result<()> {
    let app = Router::new()
        .route("/api/v1/sync/push", post(push))
        .route("/api/v1/sync/pull", get(pull))
        .with_state(Shared::default());
    let listener = tokio::net::TcpListener::bind(listen).await?;
    println!("http://{}", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}

fn token(headers: &HeaderMap) -> Result<String, StatusCode> {
    headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_owned)
        .ok_or(StatusCode::UNAUTHORIZED)
}

async fn push(
    State(feed): State<Shared>,
    headers: HeaderMap,
    Json(request): Json<PushRequest>,
) -> Result<Json<PushResponse>, StatusCode> {
    let token = token(&headers)?;
    let mut feed = feed.lock().map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?;
    let mut results = Vec::with_capacity(request.mutations.len());
    for mutation in request.mutations {
        let Operation::CreateVisit(visit) = mutation.operation else {
            return Err(StatusCode::UNPROCESSABLE_ENTITY);
        };
        feed.head += 1;
        let seq = feed.head;
        feed.by_device
            .entry(token.clone())
            .or_default()
            .push(Change {
                seq,
                record: Record::Visit(visit),
            });
        results.push(MutationOutcome {
            id: mutation.id,
            status: MutationStatus::Applied { seq },
        });
    }
    Ok(Json(PushResponse {
        protocol: PROTOCOL_VERSION,
        results,
    }))
}

#[derive(Deserialize)]
struct PullQuery {
    since: u64,
    limit: usize,
}

async fn pull(
    State(feed): State<Shared>,
    headers: HeaderMap,
    Query(query): Query<PullQuery>,
) -> Result<Json<PullResponse>, StatusCode> {
    let token = token(&headers)?;
    let feed = feed.lock().map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?;
    let mine = feed.by_device.get(&token).map_or(&[][..], Vec::as_slice);
    let first = mine.partition_point(|c| c.seq <= query.since);
    let page = &mine[first..mine.len().min(first + query.limit)];
    let cursor = page.last().map_or(query.since, |c| c.seq);
    let remaining = (mine.len() - first - page.len()) as u64;
    Ok(Json(PullResponse {
        protocol: PROTOCOL_VERSION,
        changes: page.to_vec(),
        cursor,
        has_more: remaining > 0,
        head: feed.head,
        remaining,
        scope: Vec::new(),
        epoch: FeedEpoch("stand-in".into()),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_device_pulls_its_own_pushes_once_and_in_order() {
        let feed = Shared::default();
        let mut headers = HeaderMap::new();
        headers.insert("authorization", "Bearer a".parse().expect("header"));
        let mutation = || shared::protocol::Mutation {
            id: shared::MutationId::new_random(),
            operation: Operation::CreateVisit(shared::Visit::blank()),
        };
        let request = PushRequest {
            protocol: PROTOCOL_VERSION,
            device_id: shared::DeviceId::new_random(),
            mutations: vec![mutation(), mutation()],
            reads: Vec::new(),
        };
        let pushed = push(State(feed.clone()), headers.clone(), Json(request))
            .await
            .expect("push");
        assert_eq!(
            pushed.0.results[1].status,
            MutationStatus::Applied { seq: 2 }
        );
        let query = |since| Query(PullQuery { since, limit: 1 });
        let first = pull(State(feed.clone()), headers.clone(), query(0))
            .await
            .expect("pull");
        assert_eq!((first.0.cursor, first.0.remaining), (1, 1));
        let second = pull(State(feed.clone()), headers.clone(), query(1))
            .await
            .expect("pull");
        assert_eq!((second.0.cursor, second.0.remaining), (2, 0));
        let none = pull(State(feed), headers, query(2)).await.expect("pull");
        assert!(none.0.changes.is_empty());
        assert_eq!(none.0.cursor, 2);
    }

    #[tokio::test]
    async fn a_request_without_a_token_is_refused() {
        let refused = pull(
            State(Shared::default()),
            HeaderMap::new(),
            Query(PullQuery { since: 0, limit: 1 }),
        )
        .await;
        assert_eq!(refused.err(), Some(StatusCode::UNAUTHORIZED));
    }
}
