use crate::backend_tests;
use crate::helpers::{Backend, TestApp};
use server::demo::{DEMO_CHILD_IDS, DEMO_HISTORY_CHILD_IDS, DEMO_VISITOR};
use shared::protocol::Record;
use shared::ChildId;

backend_tests!(
    demo_data_arrives_by_pull,
    seeding_twice_keeps_the_demo_children,
    the_history_colleagues_see_their_children_now
);

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
    let all: Vec<ChildId> = DEMO_CHILD_IDS
        .into_iter()
        .chain(DEMO_HISTORY_CHILD_IDS)
        .collect();
    assert_eq!(children, all);
    let placements = changes
        .iter()
        .filter(
            |c| matches!(&c.record, Record::Placement(p) if DEMO_CHILD_IDS.contains(&p.child_id)),
        )
        .count();
    // One each, and Liam's earlier placement with its closing.
    assert_eq!(placements, 6);
    let closings = changes
        .iter()
        .filter(|c| matches!(&c.record, Record::PlacementClosing(p) if DEMO_CHILD_IDS.contains(&p.child_id)))
        .count();
    assert_eq!(closings, 1);
    let visits: Vec<_> = changes
        .iter()
        .filter_map(|c| match &c.record {
            Record::Visit(v) => Some(v),
            _ => None,
        })
        .collect();
    let (first_five, history): (Vec<&shared::Visit>, Vec<&shared::Visit>) = visits
        .iter()
        .copied()
        .partition(|v| DEMO_CHILD_IDS.contains(&v.child_id));
    assert!(!first_five.is_empty());
    assert!(first_five
        .iter()
        .all(|v| v.visitor.as_str() == DEMO_VISITOR && v.signed_by.is_none()));
    // The child placed three days ago has not been visited yet.
    assert!(visits.iter().all(|v| v.child_id != DEMO_CHILD_IDS[0]));
    // The history's visits are signed by their visitors: the new colleagues.
    assert!(!history.is_empty());
    assert!(history
        .iter()
        .all(|v| v.visitor.as_str() != DEMO_VISITOR && v.signed_by.is_some()));
    assert_eq!(app.counts().await.1, visits.len() as u64);
    app.stop().await;
}

async fn seeding_twice_keeps_the_demo_children(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let counts = app.counts().await;
    assert_eq!(
        counts.0,
        (DEMO_CHILD_IDS.len() + DEMO_HISTORY_CHILD_IDS.len()) as u64
    );

    // Once more through the seeder, then by restarting with --demo-data.
    let today = chrono::Local::now().date_naive();
    assert!(!server::demo::seed(&app.db, today).await.expect("seed"));
    let app = app.restart().await;
    assert_eq!(app.counts().await, counts);
    assert_eq!(app.get("/api/health").await.status(), 200);
    app.stop().await;
}

/// The children a demo user may see now (`GET /api/v1/me`).
async fn children_of(app: &TestApp, username: &str) -> Vec<ChildId> {
    let token = crate::common::sign_in(&app.address, username).await;
    let client = crate::common::client_with_token(&token, reqwest::Client::builder());
    let me: serde_json::Value = client
        .get(app.url("/api/v1/me"))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    let mut children: Vec<ChildId> =
        serde_json::from_value(me["children"].clone()).expect("children");
    children.sort();
    children
}

async fn the_history_colleagues_see_their_children_now(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let [ture, selma, ali, wilma, kim, oskar, nova, hedda] = DEMO_HISTORY_CHILD_IDS;
    let sorted = |mut ids: Vec<ChildId>| {
        ids.sort();
        ids
    };
    // Kim was Dalia's until handed over to Fredrik.
    assert_eq!(
        children_of(&app, "demo.dalia").await,
        sorted(vec![ture, selma, ali, wilma, nova])
    );
    assert_eq!(
        children_of(&app, "demo.fredrik").await,
        sorted(vec![kim, oskar, hedda])
    );
    assert_eq!(children_of(&app, "demo.hanna").await, vec![wilma]);
    // The first demo users' caseloads are as they were.
    assert_eq!(
        children_of(&app, "demo.anna").await,
        sorted(DEMO_CHILD_IDS[..3].to_vec())
    );
    assert_eq!(children_of(&app, "demo.bo").await, vec![DEMO_CHILD_IDS[3]]);
    app.stop().await;
}
