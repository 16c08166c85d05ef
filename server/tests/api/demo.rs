use crate::backend_tests;
use crate::helpers::{Backend, TestApp};
use server::demo::{DEMO_CHILD_IDS, DEMO_VISITOR};
use shared::protocol::Record;

backend_tests!(demo_data_arrives_by_pull, seeding_twice_keeps_five_children);

async fn demo_data_arrives_by_pull(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let changes = app.pull_all().await;
    let children: Vec<_> = changes
        .iter()
        .filter_map(|c| match &c.record {
            Record::Child(child) => Some(child.id),
            _ => None,
        })
        .collect();
    assert_eq!(children, DEMO_CHILD_IDS.to_vec());
    let placements = changes
        .iter()
        .filter(|c| matches!(c.record, Record::Placement(_)))
        .count();
    // One each, and Liam's earlier placement with its closing.
    assert_eq!(placements, 6);
    let closings = changes
        .iter()
        .filter(|c| matches!(c.record, Record::PlacementClosing(_)))
        .count();
    assert_eq!(closings, 1);
    let visits: Vec<_> = changes
        .iter()
        .filter_map(|c| match &c.record {
            Record::Visit(v) => Some(v),
            _ => None,
        })
        .collect();
    assert!(!visits.is_empty());
    assert!(visits.iter().all(|v| v.visitor.as_str() == DEMO_VISITOR));
    // The child placed three days ago has not been visited yet.
    assert!(visits.iter().all(|v| v.child_id != DEMO_CHILD_IDS[0]));
    assert_eq!(app.counts().await.1, visits.len() as u64);
    app.stop().await;
}

async fn seeding_twice_keeps_five_children(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let counts = app.counts().await;
    assert_eq!(counts.0, 5);

    // Once more through the seeder, then by restarting with --demo-data.
    let today = chrono::Local::now().date_naive();
    assert!(!server::demo::seed(&app.db, today).await.expect("seed"));
    let app = app.restart().await;
    assert_eq!(app.counts().await, counts);
    assert_eq!(app.get("/api/health").await.status(), 200);
    app.stop().await;
}
