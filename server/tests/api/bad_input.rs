//! Bad input, one table: each row is a request and the answer it must get,
//! and after each row no table has gained or lost a row. The test user has
//! the demo children on the caseload; one more child, with a placement,
//! belongs to somebody else.

use crate::backend_tests;
use crate::helpers::{
    amendment, create_visit, mutation, new_placement, patch, push_json, target, visit, Backend,
    TestApp,
};
use reqwest::Method;
use serde_json::{json, Value};
use server::demo::DEMO_CHILD_IDS;
use shared::protocol::Record;
use shared::protocol::{
    ConflictChoice, MutationStatus, Operation, PushResponse, MAX_MUTATIONS_PER_PUSH,
    MAX_PULL_LIMIT, MAX_REQUEST_BYTES,
};
use shared::{Child, ChildId, ConflictId, DeviceId, ErrorCode, PersonName, PlacementId, VisitId};

backend_tests!(bad_input_is_refused_and_writes_nothing);

#[derive(Debug, Clone, Copy)]
enum Expect {
    /// The whole request is refused with this status and code.
    Error(u16, ErrorCode),
    /// HTTP 200; every mutation in it is rejected with this code.
    Rejected(ErrorCode),
}

struct Case {
    name: &'static str,
    method: Method,
    path: String,
    headers: Vec<(&'static str, &'static str)>,
    body: Vec<u8>,
    expect: Expect,
    /// `None`: sent as the signed-in test user. `Some(value)`: sent with this
    /// `Authorization` header instead (none if empty).
    authorization: Option<&'static str>,
}

/// `case` sent with `authorization` instead of the test user's token.
fn unauthorised(authorization: &'static str, case: Case) -> Case {
    Case {
        authorization: Some(authorization),
        ..case
    }
}

const PUSH: &str = "/api/v1/sync/push";
const JSON: (&str, &str) = ("content-type", "application/json");

fn push(name: &'static str, body: &Value, expect: Expect) -> Case {
    raw(name, body.to_string().into_bytes(), Some(JSON.1), expect)
}

fn raw(
    name: &'static str,
    body: Vec<u8>,
    content_type: Option<&'static str>,
    expect: Expect,
) -> Case {
    Case {
        name,
        method: Method::POST,
        path: PUSH.into(),
        headers: content_type.map(|ct| (JSON.0, ct)).into_iter().collect(),
        body,
        expect,
        authorization: None,
    }
}

fn pull(name: &'static str, query: &str, expect: Expect) -> Case {
    Case {
        name,
        method: Method::GET,
        path: format!("/api/v1/sync/pull?{query}"),
        headers: Vec::new(),
        body: Vec::new(),
        expect,
        authorization: None,
    }
}

/// `base` with `change` applied.
fn with(base: &Value, change: impl FnOnce(&mut Value)) -> Value {
    let mut body = base.clone();
    change(&mut body);
    body
}

fn one(operation: Operation) -> Value {
    push_json(vec![mutation(operation)])
}

fn remove(value: &mut Value, key: &str) {
    value.as_object_mut().map(|o| o.remove(key));
}

async fn bad_input_is_refused_and_writes_nothing(backend: Backend) {
    use ErrorCode::*;
    use Expect::{Error, Rejected};

    let app = TestApp::spawn(&backend).await;
    let placement = app.demo_placement(DEMO_CHILD_IDS[1]).await;
    // Somebody else's child, and that child's placement.
    let stranger = Child {
        id: ChildId::new_random(),
        given_name: PersonName::parse("Annans").expect("valid"),
        family_name: PersonName::parse("Barn").expect("valid"),
        birth_date: chrono::NaiveDate::from_ymd_opt(2014, 4, 4).expect("date"),
        sex: shared::Sex::NotRecorded,
        has_disability: false,
        unit_id: None,
        external_id: None,
    };
    let stranger_placement = new_placement(stranger.id);
    app.db
        .insert_records(&[
            Record::Child(stranger.clone()),
            Record::Placement(stranger_placement.clone()),
        ])
        .await
        .expect("insert another user's child");
    let mut disguised = target(&stranger_placement);
    disguised.child_id = DEMO_CHILD_IDS[0];
    let mixed_batch = push_json(vec![
        create_visit(visit(DEMO_CHILD_IDS[0])),
        create_visit(visit(stranger.id)),
    ]);
    let home = json!(placement.home_name.as_str());
    let last_seq = app.db.count_changes().await.expect("count");
    let long = "x".repeat(25_000);

    let visit_push = push_json(vec![create_visit(visit(DEMO_CHILD_IDS[0]))]);
    let set = |field: &'static str, value: Value| {
        let visit_push = &visit_push;
        with(visit_push, move |b| {
            b["mutations"][0]["record"][field] = value
        })
    };
    let patch_of = |fields: &[(&str, Value, Value)]| push_json(vec![patch(&placement, fields)]);

    let mut oversized = visit_push.to_string().into_bytes();
    oversized.resize(MAX_REQUEST_BYTES + 1, b' ');

    let too_many = push_json(
        (0..=MAX_MUTATIONS_PER_PUSH)
            .map(|_| create_visit(visit(DEMO_CHILD_IDS[0])))
            .collect(),
    );
    let duplicate_ids = {
        let first = create_visit(visit(DEMO_CHILD_IDS[0]));
        let mut second = create_visit(visit(DEMO_CHILD_IDS[2]));
        second.id = first.id;
        push_json(vec![first, second])
    };

    let mut other_child = target(&placement);
    other_child.child_id = DEMO_CHILD_IDS[2];
    let mut ghost = placement.clone();
    ghost.id = PlacementId::new_random();
    let mut unknown_visit = amendment(&visit(DEMO_CHILD_IDS[0]));
    unknown_visit.visit_id = VisitId::new_random();
    let mut long_amendment = serde_json::to_value(mutation(Operation::AmendVisit(amendment(
        &visit(DEMO_CHILD_IDS[0]),
    ))))
    .expect("json");
    long_amendment["record"]["text"] = json!(long);
    let as_array = json!([1, DeviceId::new_random(), []]);
    let truncated = visit_push.to_string().as_bytes()[..40].to_vec();

    let cases = vec![
        // The shape of a push.
        push(
            "talked_alone is a string",
            &set("talked_alone", json!("yes")),
            Error(422, ValidationFailed),
        ),
        push(
            "visit_date is a number",
            &set("visit_date", json!(20260302)),
            Error(422, ValidationFailed),
        ),
        push(
            "visit without a note",
            &with(&visit_push, |b| {
                remove(&mut b["mutations"][0]["record"], "note")
            }),
            Error(422, ValidationFailed),
        ),
        push(
            "mutation without a record",
            &with(&visit_push, |b| remove(&mut b["mutations"][0], "record")),
            Error(422, ValidationFailed),
        ),
        push(
            "push without mutations",
            &with(&visit_push, |b| remove(b, "mutations")),
            Error(422, ValidationFailed),
        ),
        push(
            "push without device_id",
            &with(&visit_push, |b| remove(b, "device_id")),
            Error(422, ValidationFailed),
        ),
        push(
            "device_id is not a UUID",
            &with(&visit_push, |b| b["device_id"] = json!("tablet-7")),
            Error(422, ValidationFailed),
        ),
        push(
            "mutation id is not a UUID",
            &with(&visit_push, |b| b["mutations"][0]["id"] = json!(7)),
            Error(422, ValidationFailed),
        ),
        push(
            "visitor name of 25,000 characters",
            &set("visitor", json!(long)),
            Error(422, ValidationFailed),
        ),
        push(
            "note of 25,000 characters",
            &set("note", json!(long)),
            Error(422, ValidationFailed),
        ),
        push(
            "amendment text of 25,000 characters",
            &push_json_value(&long_amendment),
            Error(422, ValidationFailed),
        ),
        raw(
            "body over MAX_REQUEST_BYTES",
            oversized,
            Some(JSON.1),
            Error(413, PayloadTooLarge),
        ),
        push(
            "MAX_MUTATIONS_PER_PUSH + 1 mutations",
            &too_many,
            Error(400, TooManyMutations),
        ),
        push(
            "two mutations with one id",
            &duplicate_ids,
            Error(400, DuplicateMutationId),
        ),
        push(
            "unknown op",
            &with(&visit_push, |b| {
                b["mutations"][0]["op"] = json!("drop_tables")
            }),
            Error(422, ValidationFailed),
        ),
        push(
            "patch of record kind visit",
            &with(
                &patch_of(&[("home_name", home.clone(), json!("Ny"))]),
                |b| b["mutations"][0]["record"]["target"]["kind"] = json!("visit"),
            ),
            Error(422, ValidationFailed),
        ),
        push(
            "delete of an unknown record kind",
            &with(&one(Operation::DeleteRecord(target(&placement))), |b| {
                b["mutations"][0]["record"]["kind"] = json!("child")
            }),
            Error(422, ValidationFailed),
        ),
        push(
            "patch field without `from`",
            &with(
                &patch_of(&[("home_name", home.clone(), json!("Ny"))]),
                |b| {
                    remove(
                        &mut b["mutations"][0]["record"]["fields"]["home_name"],
                        "from",
                    )
                },
            ),
            Error(422, ValidationFailed),
        ),
        // Valid in shape, refused per mutation.
        push(
            "patch of id",
            &patch_of(&[("id", json!(placement.id), json!(PlacementId::new_random()))]),
            Rejected(ValidationFailed),
        ),
        push(
            "patch of child_id",
            &patch_of(&[(
                "child_id",
                json!(placement.child_id),
                json!(DEMO_CHILD_IDS[0]),
            )]),
            Rejected(ValidationFailed),
        ),
        push(
            "patch of the end date, which only a signed closing sets",
            &patch_of(&[("end_date", Value::Null, json!("2027-06-30"))]),
            Rejected(ValidationFailed),
        ),
        push(
            "patch of a field placements do not have",
            &patch_of(&[("colour", Value::Null, json!("blå"))]),
            Rejected(ValidationFailed),
        ),
        push(
            "patch with no fields",
            &patch_of(&[]),
            Rejected(ValidationFailed),
        ),
        push(
            "patch sets kind to a kind that does not exist",
            &patch_of(&[("kind", json!(placement.kind), json!("snart"))]),
            Rejected(ValidationFailed),
        ),
        push(
            "patch sets start_date to null",
            &patch_of(&[("start_date", json!(placement.start_date), Value::Null)]),
            Rejected(ValidationFailed),
        ),
        push(
            "patch sets an unknown placement kind",
            &patch_of(&[("kind", json!(placement.kind), json!("castle"))]),
            Rejected(ValidationFailed),
        ),
        // Refused even where it would lose the race: a conflict must hold a valid value.
        push(
            "conflicting patch with an invalid value",
            &patch_of(&[("home_name", json!("Någon annan"), json!(long))]),
            Rejected(ValidationFailed),
        ),
        push(
            "patch of an unknown placement",
            &push_json(vec![patch(
                &ghost,
                &[("home_name", home.clone(), json!("Ny"))],
            )]),
            Rejected(UnknownRecord),
        ),
        push(
            "patch of a placement under another child",
            &with(
                &patch_of(&[("home_name", home.clone(), json!("Ny"))]),
                |b| b["mutations"][0]["record"]["target"]["child_id"] = json!(DEMO_CHILD_IDS[2]),
            ),
            Rejected(UnknownRecord),
        ),
        push(
            "delete of an unknown placement",
            &one(Operation::DeleteRecord(target(&ghost))),
            Rejected(UnknownRecord),
        ),
        push(
            "delete of a placement under another child",
            &one(Operation::DeleteRecord(other_child)),
            Rejected(UnknownRecord),
        ),
        push(
            "resolve of an unknown conflict",
            &one(Operation::ResolveConflict(ConflictChoice {
                conflict_id: ConflictId::new_random(),
                child_id: placement.child_id,
                from: home.clone(),
                value: json!("Ny"),
            })),
            Rejected(UnknownRecord),
        ),
        push(
            "amendment to an unknown visit",
            &one(Operation::AmendVisit(unknown_visit)),
            Rejected(UnknownRecord),
        ),
        push(
            "visit for a child that does not exist",
            &push_json(vec![create_visit(visit(ChildId::new_random()))]),
            Error(403, Forbidden),
        ),
        push(
            "placement for a child that does not exist",
            &one(Operation::CreatePlacement(new_placement(
                ChildId::new_random(),
            ))),
            Error(403, Forbidden),
        ),
        // Another user's records.
        push(
            "visit for another user's child",
            &push_json(vec![create_visit(visit(stranger.id))]),
            Error(403, Forbidden),
        ),
        push(
            "own visit and another user's child in one batch",
            &mixed_batch,
            Error(403, Forbidden),
        ),
        push(
            "edit of another user's child's placement",
            &one(Operation::PatchRecord(shared::protocol::RecordPatch {
                target: target(&stranger_placement),
                fields: [(
                    "home_name".to_owned(),
                    shared::merge::FieldChange {
                        from: json!(stranger_placement.home_name.as_str()),
                        to: json!("Familjen Inkräktare"),
                    },
                )]
                .into(),
            })),
            Error(403, Forbidden),
        ),
        push(
            "deletion of another user's child's placement",
            &one(Operation::DeleteRecord(target(&stranger_placement))),
            Error(403, Forbidden),
        ),
        push(
            "another user's placement under an own child's id",
            &one(Operation::DeleteRecord(disguised)),
            Rejected(UnknownRecord),
        ),
        pull(
            "history of another user's child",
            &format!("protocol=1&child={}", stranger.id),
            Error(403, Forbidden),
        ),
        pull(
            "history of a child id that is not an id",
            "protocol=1&child=alva",
            Error(400, InvalidQuery),
        ),
        // Not signed in, or not any more.
        unauthorised(
            "",
            push(
                "push without a token",
                &visit_push,
                Error(401, Unauthenticated),
            ),
        ),
        unauthorised(
            "Bearer 0123456789abcdef0123456789abcdef0123456789a",
            push(
                "push with an unknown token",
                &visit_push,
                Error(401, Unauthenticated),
            ),
        ),
        unauthorised(
            "Basic dGVzdDp0ZXN0",
            push(
                "push with a password instead of a token",
                &visit_push,
                Error(401, Unauthenticated),
            ),
        ),
        unauthorised(
            "",
            pull(
                "pull without a token",
                "protocol=1",
                Error(401, Unauthenticated),
            ),
        ),
        push(
            "placement with an existing id",
            &one(Operation::CreatePlacement(placement.clone())),
            Rejected(IdConflict),
        ),
        // Not a JSON push at all.
        raw(
            "text/plain content type",
            visit_push.to_string().into_bytes(),
            Some("text/plain"),
            Error(415, UnsupportedMediaType),
        ),
        raw(
            "no content type",
            visit_push.to_string().into_bytes(),
            None,
            Error(415, UnsupportedMediaType),
        ),
        raw(
            "empty body",
            Vec::new(),
            Some(JSON.1),
            Error(400, MalformedJson),
        ),
        raw(
            "JSON null",
            b"null".to_vec(),
            Some(JSON.1),
            Error(400, MalformedJson),
        ),
        push(
            "an array instead of an object",
            &as_array,
            Error(400, MalformedJson),
        ),
        push(
            "a valid push inside an array",
            &json!([visit_push]),
            Error(400, MalformedJson),
        ),
        raw(
            "truncated JSON",
            truncated,
            Some(JSON.1),
            Error(400, MalformedJson),
        ),
        push(
            "protocol 2",
            &with(&visit_push, |b| b["protocol"] = json!(2)),
            Error(400, UnsupportedProtocolVersion),
        ),
        push(
            "protocol missing",
            &with(&visit_push, |b| remove(b, "protocol")),
            Error(400, MalformedJson),
        ),
        push(
            "protocol as a string",
            &with(&visit_push, |b| b["protocol"] = json!("1")),
            Error(400, MalformedJson),
        ),
        // Pull.
        pull(
            "negative since",
            "protocol=1&since=-1",
            Error(400, InvalidQuery),
        ),
        pull(
            "since not a number",
            "protocol=1&since=abc",
            Error(400, InvalidQuery),
        ),
        pull(
            "since in the future",
            &format!("protocol=1&since={}", last_seq + 1000),
            Error(409, CursorAhead),
        ),
        pull("limit 0", "protocol=1&limit=0", Error(400, InvalidQuery)),
        pull(
            "limit over the maximum",
            &format!("protocol=1&limit={}", MAX_PULL_LIMIT + 1),
            Error(400, InvalidQuery),
        ),
        pull(
            "pull with protocol 2",
            "protocol=2",
            Error(400, UnsupportedProtocolVersion),
        ),
        pull("pull without protocol", "since=0", Error(400, InvalidQuery)),
    ];

    let before = app.table_counts().await;
    for case in cases {
        let mut request = match case.authorization {
            None => app.client.request(case.method.clone(), app.url(&case.path)),
            Some(value) => {
                let request =
                    reqwest::Client::new().request(case.method.clone(), app.url(&case.path));
                if value.is_empty() {
                    request
                } else {
                    request.header("authorization", value)
                }
            }
        };
        for (name, value) in &case.headers {
            request = request.header(*name, *value);
        }
        if case.method == Method::POST {
            request = request.body(case.body.clone());
        }
        let response = request.send().await.expect("request");
        let status = response.status().as_u16();
        match case.expect {
            Expect::Error(expected, code) => {
                let body: Value = response.json().await.unwrap_or(Value::Null);
                assert_eq!(
                    (status, body["code"].clone()),
                    (expected, json!(code)),
                    "{}: {body}",
                    case.name
                );
                assert!(
                    body["message"].as_str().is_some_and(|m| !m.is_empty()),
                    "{}",
                    case.name
                );
            }
            Expect::Rejected(code) => {
                assert_eq!(status, 200, "{}", case.name);
                let body: PushResponse = response.json().await.expect("push response");
                assert!(!body.results.is_empty(), "{}", case.name);
                for result in &body.results {
                    assert!(
                        matches!(&result.status, MutationStatus::Rejected { code: got, message } if *got == code && !message.is_empty()),
                        "{}: {:?}",
                        case.name,
                        result.status
                    );
                }
            }
        }
        assert_eq!(
            app.table_counts().await,
            before,
            "{} wrote something",
            case.name
        );
    }

    // The counts do notice a write: the valid push the rows were made from applies.
    let response = app.push_json(&visit_push).await;
    assert_eq!(response.status(), 200);
    let after = app.table_counts().await;
    assert_eq!(
        (after.visits, after.changes, after.applied_mutations),
        (
            before.visits + 1,
            before.changes + 1,
            before.applied_mutations + 1
        )
    );
    app.stop().await;
}

/// A single mutation (as JSON) in a push body.
fn push_json_value(mutation: &Value) -> Value {
    json!({"protocol": 1, "device_id": DeviceId::new_random(), "mutations": [mutation]})
}
