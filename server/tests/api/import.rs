//! Import over HTTP (`POST /api/v1/import`) and from the command line
//! (`admin import`): the example files, importing again, updates, dry runs,
//! a bad line refusing the whole file, hostile files, and who may import
//! into which unit.

use crate::backend_tests;
use crate::helpers::{assert_error, spawn_for_import_examples, Backend, TestApp};
use reqwest::StatusCode;
use server::db::accounts::UserRow;
use server::db::Table;
use shared::auth::Role;
use shared::import::{ImportProblem, ImportReport, MAX_IMPORT_BYTES};
use shared::{ErrorCode, UnitId, UserId};

backend_tests!(
    the_examples_import_by_csv_and_again_by_json_change_nothing,
    a_comma_separated_file_and_an_update,
    a_dry_run_writes_nothing,
    a_bad_line_is_named_and_nothing_of_the_file_is_written,
    hostile_files_are_refused,
    only_the_importers_own_units,
    the_command_line_imports_the_example_files,
    every_path_of_the_openapi_document_is_routed,
);

const HOMES: &str = include_str!("../../../docs/examples/hem.csv");
const CHECKS: &str = include_str!("../../../docs/examples/hemkontroller.csv");
const CHILDREN: &str = include_str!("../../../docs/examples/barn.csv");
const PLACEMENTS: &str = include_str!("../../../docs/examples/placeringar.csv");
const JSON: &str = include_str!("../../../docs/examples/import.json");

const CSV: &str = "text/csv; charset=utf-8";

async fn post(
    app: &TestApp,
    client: &reqwest::Client,
    query: &str,
    content_type: &str,
    body: impl Into<reqwest::Body>,
) -> reqwest::Response {
    client
        .post(app.url(&format!("/api/v1/import{query}")))
        .header(reqwest::header::CONTENT_TYPE, content_type)
        .body(body)
        .send()
        .await
        .expect("request")
}

async fn report(response: reqwest::Response) -> ImportReport {
    let status = response.status();
    let text = response.text().await.expect("body");
    assert_eq!(status, StatusCode::OK, "{text}");
    serde_json::from_str(&text).expect("report")
}

/// The problems of a refused file.
async fn refusal(response: reqwest::Response) -> Vec<ImportProblem> {
    let body = assert_error(response, 422, ErrorCode::ImportRejected).await;
    assert!(!body.problems.is_empty());
    body.problems
}

/// The problems of a refused file, as (line, field).
async fn refused(response: reqwest::Response) -> Vec<(u32, String)> {
    problems(&refusal(response).await)
}

/// The problems of a refused CSV file `client` posts, as (line, field).
async fn refused_csv(
    app: &TestApp,
    client: &reqwest::Client,
    body: impl Into<reqwest::Body>,
) -> Vec<(u32, String)> {
    refused(post(app, client, "", CSV, body).await).await
}

fn problems(problems: &[ImportProblem]) -> Vec<(u32, String)> {
    problems.iter().map(|p| (p.line, p.field.clone())).collect()
}

async fn import_examples(app: &TestApp, client: &reqwest::Client) {
    for (text, created) in [(HOMES, 3), (CHECKS, 9), (CHILDREN, 3), (PLACEMENTS, 3)] {
        let report = report(post(app, client, "", CSV, text).await).await;
        let counts = [
            report.homes,
            report.home_checks,
            report.children,
            report.placements,
        ];
        assert_eq!(
            counts.iter().map(|c| c.created).sum::<u32>(),
            created,
            "{report:?}"
        );
        assert!(!report.dry_run);
    }
}

async fn the_examples_import_by_csv_and_again_by_json_change_nothing(backend: Backend) {
    let (app, _, admin) = spawn_for_import_examples(&backend).await;
    let audit_before = app
        .db
        .verify_audit_chain(None)
        .await
        .expect("chain")
        .entries;
    import_examples(&app, &admin).await;
    assert_eq!(app.db.count_children().await.expect("count"), 3);
    assert_eq!(app.db.count(Table::Placements).await.expect("count"), 3);
    // Omar has two workers, Elsa and Kim one each.
    assert_eq!(app.db.count(Table::ChildAccess).await.expect("count"), 4);
    let changes = app.db.count_changes().await.expect("count");
    let audit = app.db.verify_audit_chain(None).await.expect("chain");
    assert!(audit.first_broken.is_none());
    // 3 homes, 9 checks, 3 children, 4 assignments, 3 placements.
    assert_eq!(audit.entries - audit_before, 22);

    let again = report(post(&app, &admin, "", "application/json", JSON).await).await;
    assert!(again.changes.is_empty(), "{:?}", again.changes);
    assert_eq!(
        (
            again.homes.unchanged,
            again.home_checks.unchanged,
            again.children.unchanged,
            again.placements.unchanged
        ),
        (3, 9, 3, 3)
    );
    let csv_again = report(post(&app, &admin, "?kind=children", CSV, CHILDREN).await).await;
    assert_eq!(csv_again.children.unchanged, 3);
    assert_eq!(app.db.count_children().await.expect("count"), 3);
    assert_eq!(app.db.count(Table::Placements).await.expect("count"), 3);
    assert_eq!(app.db.count_changes().await.expect("count"), changes);
    assert_eq!(
        app.db
            .verify_audit_chain(None)
            .await
            .expect("chain")
            .entries,
        audit.entries,
        "nothing changed, nothing logged"
    );
    app.stop().await;
}

/// The same children with `,` as the separator and RFC 4180 quotes.
fn comma_separated(text: &str) -> String {
    text.lines()
        .map(|line| {
            line.split(';')
                .map(|cell| {
                    if cell.contains(',') {
                        format!("\"{cell}\"")
                    } else {
                        cell.to_owned()
                    }
                })
                .collect::<Vec<_>>()
                .join(",")
        })
        .collect::<Vec<_>>()
        .join("\r\n")
}

async fn a_comma_separated_file_and_an_update(backend: Backend) {
    let (app, _, admin) = spawn_for_import_examples(&backend).await;
    import_examples(&app, &admin).await;
    let comma = comma_separated(CHILDREN);
    assert!(comma.contains("\"anna, karin\""));
    let same = report(post(&app, &admin, "", CSV, comma.clone()).await).await;
    assert_eq!(same.children.unchanged, 3, "{same:?}");

    let renamed = comma
        .replace("Elsa,Öberg", "Elsa,Öberg Lind")
        .replace("\"anna, karin\"", "karin");
    let changes = app.db.count_changes().await.expect("count");
    let update = report(post(&app, &admin, "", CSV, renamed.clone()).await).await;
    assert_eq!((update.children.updated, update.children.unchanged), (2, 1));
    assert_eq!(
        update.changes,
        [
            "barn BARN-0001: ändrat (namn)",
            "barn BARN-0002: ändrat (handläggare)"
        ]
    );
    // The renamed child goes to the feed; a change of workers is no record.
    assert_eq!(app.db.count_changes().await.expect("count"), changes + 1);
    let applied = report(post(&app, &admin, "", CSV, renamed).await).await;
    assert_eq!(applied.children.unchanged, 3, "the update was written");

    let moved = PLACEMENTS.replace("2027-01-05", "2027-03-31");
    let update = report(post(&app, &admin, "", CSV, moved).await).await;
    assert_eq!(update.placements.updated, 1);
    assert_eq!(
        update.changes,
        ["placering PLAC-0003: ändrad (beslut gäller till)"]
    );
    app.stop().await;
}

async fn a_dry_run_writes_nothing(backend: Backend) {
    let (app, _, admin) = spawn_for_import_examples(&backend).await;
    let audit = app
        .db
        .verify_audit_chain(None)
        .await
        .expect("chain")
        .entries;
    let dry = report(post(&app, &admin, "?dry_run=true", "application/json", JSON).await).await;
    assert!(dry.dry_run);
    assert_eq!(
        (
            dry.homes.created,
            dry.home_checks.created,
            dry.children.created,
            dry.placements.created
        ),
        (3, 9, 3, 3)
    );
    assert_eq!(dry.changes.len(), 18, "{:?}", dry.changes);
    assert_eq!(app.db.count_children().await.expect("count"), 0);
    assert_eq!(app.db.count(Table::Placements).await.expect("count"), 0);
    assert_eq!(app.db.count(Table::ChildAccess).await.expect("count"), 0);
    assert_eq!(app.db.count_changes().await.expect("count"), 0);
    assert_eq!(
        app.db
            .verify_audit_chain(None)
            .await
            .expect("chain")
            .entries,
        audit
    );
    let real = report(post(&app, &admin, "?dry_run=false", "application/json", JSON).await).await;
    assert_eq!(real.children.created, 3);
    let response = post(&app, &admin, "?dry_run=maybe", "application/json", JSON).await;
    assert_error(response, 400, ErrorCode::InvalidQuery).await;
    app.stop().await;
}

async fn a_bad_line_is_named_and_nothing_of_the_file_is_written(backend: Backend) {
    let (app, _, admin) = spawn_for_import_examples(&backend).await;
    report(post(&app, &admin, "", CSV, HOMES).await).await;
    let bad = format!(
        "{CHILDREN}BARN-0004;Bo;Ek;2015-02-30;Pojke;Nej;Familjehemsenheten;anna\n\
         BARN-0005;Li;Ek;2015-02-02;Flicka;kanske;Familjehemsenheten;anna\n"
    );
    assert_eq!(
        refused_csv(&app, &admin, bad).await,
        [
            (5, "Födelsedatum".to_owned()),
            (6, "Funktionsnedsättning".to_owned())
        ]
    );
    // Read well, refused when applied: an unknown unit and user.
    let unknown = format!(
        "{CHILDREN}BARN-0004;Bo;Ek;2015-02-02;Pojke;Nej;Västra enheten;anna\n\
         BARN-0005;Li;Ek;2015-02-02;Flicka;Nej;Familjehemsenheten;olle\n"
    );
    assert_eq!(
        refused_csv(&app, &admin, unknown).await,
        [(5, "Enhet".to_owned()), (6, "Handläggare".to_owned())]
    );
    let json = JSON.replace("\"2016-01-15\"", "\"2016-01-32\"");
    assert_eq!(
        refused(post(&app, &admin, "", "application/json", json).await).await,
        [(3, "children.birth_date".to_owned())]
    );
    assert_eq!(app.db.count_children().await.expect("count"), 0);
    assert_eq!(app.db.count(Table::ChildAccess).await.expect("count"), 0);
    // A placement naming a child that does not exist.
    assert_eq!(
        refused_csv(&app, &admin, PLACEMENTS).await,
        [
            (2, "Barn".to_owned()),
            (3, "Barn".to_owned()),
            (4, "Barn".to_owned())
        ]
    );
    assert_eq!(app.db.count(Table::Placements).await.expect("count"), 0);
    app.stop().await;
}

async fn hostile_files_are_refused(backend: Backend) {
    let (app, _, admin) = spawn_for_import_examples(&backend).await;
    let changes = app.db.count_changes().await.expect("count");

    let mut oversized = CHILDREN.as_bytes().to_vec();
    oversized.resize(MAX_IMPORT_BYTES + 1, b'\n');
    let response = post(&app, &admin, "", CSV, oversized).await;
    assert_error(response, 413, ErrorCode::PayloadTooLarge).await;

    let mut utf16 = vec![0xFF, 0xFE];
    for unit in CHILDREN.encode_utf16() {
        utf16.extend_from_slice(&unit.to_le_bytes());
    }
    let rejected = refusal(post(&app, &admin, "", CSV, utf16).await).await;
    assert_eq!(problems(&rejected), [(0, String::new())]);
    assert!(rejected[0].message.contains("UTF-16"));

    // "Åström" in Latin-1 on the fourth line.
    let latin1: Vec<u8> = CHILDREN
        .chars()
        .map(|c| u8::try_from(u32::from(c)).expect("latin-1"))
        .collect();
    let rejected = refusal(post(&app, &admin, "", CSV, latin1).await).await;
    // The header's "Förnamn" already is Latin-1.
    assert_eq!(problems(&rejected), [(1, String::new())]);
    assert!(rejected[0].message.contains("UTF-8"));
    let ascii_header = "Externt id;Fornamn\n";
    let mut late_latin1 = ascii_header.as_bytes().to_vec();
    late_latin1.extend_from_slice(b"BARN-0001;Elsa\nBARN-0002;\xC5sa\n");
    let rejected = refusal(post(&app, &admin, "?kind=children", CSV, late_latin1).await).await;
    assert_eq!(problems(&rejected), [(3, String::new())]);

    let formula = CHILDREN.replace(
        ";Omar;",
        ";\"=HYPERLINK(\"\"http://evil.example\"\";\"\"Omar\"\")\";",
    );
    assert_eq!(
        refused_csv(&app, &admin, formula).await,
        [(3, "Förnamn".to_owned())]
    );
    let at_sign = CHILDREN.replace(";anna\n", ";@anna\n");
    assert_eq!(
        refused_csv(&app, &admin, at_sign).await,
        [(2, "Handläggare".to_owned())]
    );

    let column = CHILDREN
        .replacen("Externt id;", "Externt id;Personnummer;", 1)
        .replace("BARN-0001;", "BARN-0001;20140502-1234;");
    assert_eq!(
        refused_csv(&app, &admin, column).await,
        [(1, "Personnummer".to_owned())]
    );
    let as_id = CHILDREN.replace("BARN-0002", "111130-1234");
    assert_eq!(
        refused_csv(&app, &admin, as_id).await,
        [(3, "Externt id".to_owned())]
    );
    let duplicate = CHILDREN.replace("BARN-0003", "BARN-0001");
    assert_eq!(
        refused_csv(&app, &admin, duplicate).await,
        [(4, "Externt id".to_owned())]
    );

    let response = post(&app, &admin, "", "application/xml", "<barn/>").await;
    assert_error(response, 415, ErrorCode::UnsupportedMediaType).await;
    let response = post(&app, &admin, "", "text/csv; charset=windows-1252", CHILDREN).await;
    assert_error(response, 422, ErrorCode::ImportRejected).await;
    let response = post(&app, &admin, "?kind=visits", CSV, CHILDREN).await;
    assert_error(response, 400, ErrorCode::InvalidQuery).await;

    assert_eq!(app.db.count_children().await.expect("count"), 0);
    assert_eq!(app.db.count_changes().await.expect("count"), changes);
    app.stop().await;
}

async fn only_the_importers_own_units(backend: Backend) {
    let (app, unit, admin) = spawn_for_import_examples(&backend).await;
    report(post(&app, &admin, "", CSV, HOMES).await).await;

    let (_, worker) = app.client_for(Role::SocialWorker, &[]).await;
    let response = post(&app, &worker, "", CSV, CHILDREN).await;
    assert_error(response, 403, ErrorCode::Forbidden).await;
    let response = post(&app, &reqwest::Client::new(), "", CSV, CHILDREN).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);

    let other = UnitId::new_random();
    assert!(app
        .db
        .insert_unit(other, "Västra enheten")
        .await
        .expect("unit"));
    let (other_leader, other_client) = app.client_for(Role::GroupLeader, &[]).await;
    app.db
        .add_user_unit(other_leader.id, other)
        .await
        .expect("member");
    assert_eq!(
        refused_csv(&app, &other_client, CHILDREN).await,
        [
            (2, "Enhet".to_owned()),
            (3, "Enhet".to_owned()),
            (4, "Enhet".to_owned())
        ]
    );
    assert_eq!(app.db.count_children().await.expect("count"), 0);

    let (manager, manager_client) = app.client_for(Role::UnitManager, &[]).await;
    app.db
        .add_user_unit(manager.id, unit)
        .await
        .expect("member");
    let created = report(post(&app, &manager_client, "", CSV, CHILDREN).await).await;
    assert_eq!(created.children.created, 3);

    // A stored child of the unit may not be taken over from another unit.
    let moved = CHILDREN.replace("Familjehemsenheten", "Västra enheten");
    let problems = refused_csv(&app, &other_client, moved).await;
    assert_eq!(
        problems,
        [
            (2, "Externt id".to_owned()),
            (3, "Externt id".to_owned()),
            (4, "Externt id".to_owned())
        ]
    );

    // An integration account imports into its own units only.
    let token = server::auth::new_integration_token().expect("token");
    let account = UserRow {
        id: UserId::new_random(),
        username: "akten".into(),
        display_name: "Akten".into(),
        role: Role::Integration,
        password_hash: None,
        active: true,
    };
    assert!(app
        .db
        .insert_integration(&account, &[unit], &server::auth::token_hash(&token))
        .await
        .expect("integration"));
    let integration = crate::common::client_with_token(&token, reqwest::Client::builder());
    let placed = report(post(&app, &integration, "", CSV, PLACEMENTS).await).await;
    assert_eq!(placed.placements.created, 3);
    let other_token = server::auth::new_integration_token().expect("token");
    let other_account = UserRow {
        id: UserId::new_random(),
        username: "västra-akten".into(),
        ..account
    };
    assert!(app
        .db
        .insert_integration(
            &other_account,
            &[other],
            &server::auth::token_hash(&other_token)
        )
        .await
        .expect("integration"));
    let other_integration =
        crate::common::client_with_token(&other_token, reqwest::Client::builder());
    let problems = refused_csv(&app, &other_integration, PLACEMENTS).await;
    assert_eq!(problems.len(), 3, "{problems:?}");
    assert!(problems.iter().all(|(_, field)| field == "Barn"));
    app.stop().await;
}

async fn the_command_line_imports_the_example_files(backend: Backend) {
    let (app, _, admin) = spawn_for_import_examples(&backend).await;
    let target = app.config.database_target().expect("target");
    let examples = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/examples");
    let command = |file: &str, dry_run: bool| server::admin::AdminCommand::Import {
        file: examples.join(file),
        kind: None,
        dry_run,
    };
    server::admin::run(&app.db, &target, command("hem.csv", true))
        .await
        .expect("dry run");
    assert_eq!(app.db.count_changes().await.expect("count"), 0);
    for file in [
        "hem.csv",
        "hemkontroller.csv",
        "barn.csv",
        "placeringar.csv",
    ] {
        server::admin::run(&app.db, &target, command(file, false))
            .await
            .expect(file);
    }
    assert_eq!(app.db.count_children().await.expect("count"), 3);
    assert_eq!(app.db.count(Table::Placements).await.expect("count"), 3);
    server::admin::run(&app.db, &target, command("import.json", false))
        .await
        .expect("json again");
    let refused = server::admin::run(
        &app.db,
        &target,
        server::admin::AdminCommand::Import {
            file: examples.join("barn.csv"),
            kind: Some("placeringar".into()),
            dry_run: false,
        },
    )
    .await;
    assert!(refused.is_err(), "a file of children read as placements");
    // The API sees what the command line wrote.
    let again = report(post(&app, &admin, "", "application/json", JSON).await).await;
    assert!(again.changes.is_empty(), "{:?}", again.changes);
    app.stop().await;
}

/// `docs/api/openapi.json` cannot drift silently: every path and method it
/// describes reaches a handler (which asks for a bearer token first), not
/// the API's `not_found` fallback or `method_not_allowed`.
async fn every_path_of_the_openapi_document_is_routed(backend: Backend) {
    let app = TestApp::spawn(&backend).await;
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/api/openapi.json");
    let document: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("openapi.json")).expect("json");
    assert_eq!(document["openapi"], "3.1.0");
    let paths = document["paths"].as_object().expect("paths");
    assert!(paths.len() >= 13, "{} paths", paths.len());
    let anonymous = reqwest::Client::new();
    let mut checked = 0;
    for (template, operations) in paths {
        let url = app.url(&template.replace("{id}", &uuid::Uuid::new_v4().to_string()));
        for (method, operation) in operations.as_object().expect("operations") {
            if operation["security"] == serde_json::json!([]) {
                // A public operation (no token): routed if another method
                // on its path is `method_not_allowed`, not the fallback.
                let response = anonymous.delete(&url).send().await.expect("request");
                assert_error(response, 405, ErrorCode::MethodNotAllowed).await;
                checked += 1;
                continue;
            }
            let method =
                reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
            let response = anonymous
                .request(method.clone(), &url)
                .send()
                .await
                .expect("request");
            assert_eq!(
                response.status(),
                StatusCode::UNAUTHORIZED,
                "{method} {template} is not routed"
            );
            let body: shared::ApiErrorBody = response.json().await.expect("error body");
            assert_eq!(body.code, ErrorCode::Unauthenticated, "{method} {template}");
            checked += 1;
        }
    }
    assert!(checked >= 13);
    // And the fallback is what this test would catch.
    let response = anonymous
        .get(app.url("/api/v1/register/nothing"))
        .send()
        .await
        .expect("request");
    assert_error(response, 404, ErrorCode::NotFound).await;
    app.stop().await;
}
