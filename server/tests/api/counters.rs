//! The audit chain's head and the change counter, which a transaction reads
//! once (locked), moves in memory and writes back at commit: many entries
//! and changes in one transaction, a rolled-back transaction, and writers at
//! once still give one unbroken chain and gapless change numbers.

use crate::backend_tests;
use crate::helpers::{spawn_for_import_examples, Backend, TestApp};
use reqwest::StatusCode;
use server::db::audit::{ChainPoint, NewAuditEntry, Who};
use shared::audit::AuditAction;
use shared::import::ImportReport;
use shared::ChildId;

backend_tests!(
    many_entries_in_one_transaction_and_a_rollback_leave_the_chain_whole,
    writers_at_once_take_turns,
);

const JSON: &str = include_str!("../../../docs/examples/import.json");

async fn import(app: &TestApp, admin: &reqwest::Client, query: &str) -> ImportReport {
    let response = admin
        .post(app.url(&format!("/api/v1/import{query}")))
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(JSON)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.expect("report")
}

fn reads(n: usize) -> Vec<NewAuditEntry> {
    let who = Who::command_line();
    (0..n)
        .map(|i| {
            who.entry(
                ChildId::new_random(),
                AuditAction::Read,
                &format!("read {i}"),
            )
        })
        .collect()
}

/// The chain is whole; its entries and last point.
async fn chain(app: &TestApp) -> (u64, Option<ChainPoint>) {
    let report = app.db.verify_audit_chain(None).await.expect("chain");
    assert_eq!(report.first_broken, None);
    (report.entries, report.last)
}

/// Every change number up to the head is taken once: as many changes as
/// the head's number (numbers are the table's key).
async fn feed_without_gaps(app: &TestApp) -> u64 {
    let head = app.pull(0, 1).await.head;
    assert_eq!(app.db.count_changes().await.expect("count"), head);
    head
}

async fn many_entries_in_one_transaction_and_a_rollback_leave_the_chain_whole(backend: Backend) {
    let (app, _, admin) = spawn_for_import_examples(&backend).await;
    let (before, _) = chain(&app).await;
    assert_eq!(app.db.log_reads(&reads(500)).await.expect("log"), 500);
    let (entries, last) = chain(&app).await;
    assert_eq!(entries, before + 500);
    let last = last.expect("entries");
    assert_eq!(feed_without_gaps(&app).await, 0);

    // A dry run numbers its changes and entries, then rolls back: the head
    // and the counter are as they were, and the next numbers follow on.
    let dry = import(&app, &admin, "?dry_run=true").await;
    assert!(dry.dry_run);
    assert_eq!(dry.children.created, 3);
    assert_eq!(chain(&app).await, (entries, Some(last.clone())));
    assert_eq!(feed_without_gaps(&app).await, 0);

    let real = import(&app, &admin, "").await;
    assert_eq!(real.children.created, 3);
    let (after, end) = chain(&app).await;
    // 3 homes, 9 checks, 3 children, 4 assignments, 3 placements.
    assert_eq!(after, entries + 22);
    assert_eq!(end.expect("entries").seq, last.seq + 22);
    assert!(feed_without_gaps(&app).await > 0);
    app.stop().await;
}

async fn writers_at_once_take_turns(backend: Backend) {
    let (app, _, admin) = spawn_for_import_examples(&backend).await;
    let (before, _) = chain(&app).await;
    let logs = (0..8).map(|_| {
        let db = app.db.clone();
        tokio::spawn(async move { db.log_reads(&reads(25)).await.expect("log") })
    });
    let imported = tokio::spawn({
        let url = app.url("/api/v1/import");
        let admin = admin.clone();
        async move {
            let response = admin
                .post(url)
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(JSON)
                .send()
                .await
                .expect("request");
            assert_eq!(response.status(), StatusCode::OK);
        }
    });
    for logged in futures::future::join_all(logs).await {
        assert_eq!(logged.expect("task"), 25);
    }
    imported.await.expect("task");
    let (entries, _) = chain(&app).await;
    assert_eq!(entries, before + 8 * 25 + 22);
    assert!(feed_without_gaps(&app).await > 0);
    app.stop().await;
}
