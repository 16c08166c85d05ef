//! The import benchmark: 10,000 children with 20,000 placements and their
//! homes, written as the CSV files a case-management system exports, read
//! and applied through the server's own import (`server::import`, the code
//! path of `admin import` and `POST /api/v1/import`) on a fresh database;
//! then imported again, which must change nothing.

use anyhow::Context;
use serde::Serialize;
use server::db::accounts::UserRow;
use server::db::audit::Who;
use server::db::import::ImportScope;
use server::db::Database;
use server::import::{import_file, read, Format};
use shared::auth::Role;
use shared::import::{ImportCounts, ImportKind};
use shared::{UnitId, UserId};
use std::fmt::Write as _;
use std::time::Instant;

const UNIT: &str = "Bänkenheten";
const WORKERS: usize = 20;
const GIVEN: [&str; 8] = [
    "Elsa", "Omar", "Kim", "Alva", "Noah", "Maja", "Liam", "Saga",
];
const FAMILY: [&str; 8] = [
    "Öberg", "Said", "Åström", "Lind", "Ek", "Nilsson", "Berg", "Holm",
];
const HOME_KINDS: [&str; 5] = [
    "Familjehem",
    "Jourhem",
    "Behandlingsfamilj",
    "HVB",
    "Stödboende",
];

/// One file's figures.
#[derive(Serialize)]
pub struct FileRun {
    pub file: &'static str,
    pub rows: usize,
    pub bytes: usize,
    /// Reading alone (CSV to rows, every cell checked).
    pub read_ms: f64,
    /// Read and applied into the fresh database, one transaction.
    pub first_ms: f64,
    pub first: ImportCounts,
    /// The same file again: every row unchanged.
    pub again_ms: f64,
    pub again: ImportCounts,
}

#[derive(Serialize)]
pub struct ImportRun {
    pub homes: usize,
    pub children: usize,
    pub placements: usize,
    pub files: Vec<FileRun>,
}

/// The three files: homes, children (each with one of the unit's workers),
/// and `placements_per_child` placements per child.
pub fn files(
    homes: usize,
    children: usize,
    placements_per_child: usize,
) -> [(&'static str, ImportKind, String); 3] {
    let mut hem =
        String::from("Externt id;Enhet;Hemtyp;Namn;Kontaktperson;Adress;Telefon;E-post\n");
    for i in 0..homes {
        let _ = writeln!(
            hem,
            "HEM-{i:05};{UNIT};{};Hem {i};{} {};Vägen {}, 123 45 Åby;070-{:03} {:02} {:02};hem{i}@example.se",
            HOME_KINDS[i % HOME_KINDS.len()],
            GIVEN[i % 8],
            FAMILY[(i / 8) % 8],
            i % 200 + 1,
            i % 1000,
            i % 100,
            (i / 100) % 100
        );
    }
    let mut barn = String::from(
        "Externt id;Förnamn;Efternamn;Födelsedatum;Kön;Funktionsnedsättning;Enhet;Handläggare\n",
    );
    let sexes = ["flicka", "pojke", "annat", "ej registrerat"];
    for i in 0..children {
        let _ = writeln!(
            barn,
            "BARN-{i:05};{};{};{}-{:02}-{:02};{};{};{UNIT};bench.import.{}",
            GIVEN[i % 8],
            FAMILY[(i / 8) % 8],
            2008 + i % 17,
            i % 12 + 1,
            i % 28 + 1,
            sexes[i % 4],
            if i % 10 == 0 { "ja" } else { "nej" },
            i % WORKERS
        );
    }
    let mut placeringar = String::from(
        "Externt id;Barn;Hem;Lagrum;Startdatum;Beslutsdatum;Beslutsfattare;Beslut gäller till;Senaste övervägande\n",
    );
    for i in 0..children {
        for p in 0..placements_per_child {
            let home = (i * placements_per_child + p) % homes.max(1);
            let _ = writeln!(
                placeringar,
                "PLAC-{i:05}-{p};BARN-{i:05};HEM-{home:05};{};{}-{:02}-01;{}-{:02}-01;Sociala utskottet;{}-{:02}-28;",
                if (i + p) % 3 == 0 { "LVU" } else { "SoL" },
                2022 + p,
                i % 12 + 1,
                2022 + p,
                i % 12 + 1,
                2027 + p,
                i % 12 + 1,
            );
        }
    }
    [
        ("hem.csv", ImportKind::Homes, hem),
        ("barn.csv", ImportKind::Children, barn),
        ("placeringar.csv", ImportKind::Placements, placeringar),
    ]
}

fn ms(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1000.0
}

fn counts(report: &shared::import::ImportReport, kind: ImportKind) -> ImportCounts {
    match kind {
        ImportKind::Homes => report.homes,
        ImportKind::HomeChecks => report.home_checks,
        ImportKind::Children => report.children,
        ImportKind::Placements => report.placements,
    }
}

/// A fresh database for one run of the benchmark `what`: a new SQLite file
/// in `database` (a directory), or a new PostgreSQL database on the server
/// `database` names, dropped again by [`drop_fresh`].
pub async fn fresh(database: &str, what: &str) -> anyhow::Result<String> {
    use sqlx::Connection;
    let name = format!("bench_{what}_{}", uuid::Uuid::new_v4().simple());
    if database.starts_with("postgres://") || database.starts_with("postgresql://") {
        let mut admin = sqlx::PgConnection::connect(database).await?;
        sqlx::query(&format!(r#"CREATE DATABASE "{name}""#))
            .execute(&mut admin)
            .await?;
        admin.close().await?;
        let (server, _) = database
            .rsplit_once('/')
            .context("a PostgreSQL URL names a database")?;
        Ok(format!("{server}/{name}"))
    } else {
        std::fs::create_dir_all(database)?;
        Ok(format!("{database}/{name}.db"))
    }
}

/// Brings a freshly written PostgreSQL database to rest, as its autovacuum
/// would within minutes: `VACUUM (ANALYZE)` sets the visibility map that
/// index-only scans rely on, and the planner's statistics. (SQLite has no
/// such step: its plans take no statistics unless asked to.)
pub async fn settle(fresh: &str) -> anyhow::Result<()> {
    use sqlx::Connection;
    if fresh.starts_with("postgres") {
        let mut conn = sqlx::PgConnection::connect(fresh).await?;
        sqlx::query("VACUUM (ANALYZE)").execute(&mut conn).await?;
        conn.close().await?;
    }
    Ok(())
}

/// Removes what [`fresh`] made.
pub async fn drop_fresh(admin_url: &str, fresh: &str) -> anyhow::Result<()> {
    use sqlx::Connection;
    if let Some((_, name)) = fresh
        .rsplit_once('/')
        .filter(|_| fresh.starts_with("postgres"))
    {
        let mut admin = sqlx::PgConnection::connect(admin_url).await?;
        sqlx::query(&format!(r#"DROP DATABASE IF EXISTS "{name}" WITH (FORCE)"#))
            .execute(&mut admin)
            .await?;
        admin.close().await?;
    } else {
        for suffix in ["", "-wal", "-shm"] {
            std::fs::remove_file(format!("{fresh}{suffix}")).ok();
        }
    }
    Ok(())
}

/// Runs the benchmark on `db`, which must be empty.
pub async fn run(
    db: &Database,
    homes: usize,
    children: usize,
    placements_per_child: usize,
) -> anyhow::Result<ImportRun> {
    anyhow::ensure!(
        db.count_children().await? == 0,
        "the database already holds children"
    );
    let unit = UnitId::new_random();
    db.insert_unit(unit, UNIT).await?;
    for n in 0..WORKERS {
        let user = UserRow {
            id: UserId::new_random(),
            username: format!("bench.import.{n}"),
            display_name: format!("Handläggare {n}"),
            role: Role::SocialWorker,
            password_hash: None,
            active: true,
        };
        db.insert_user(&user).await?;
        db.add_user_unit(user.id, unit).await?;
    }
    let who = Who::command_line();
    let scope = ImportScope::AllUnits;
    let mut runs = Vec::new();
    for (file, kind, text) in files(homes, children, placements_per_child) {
        let started = Instant::now();
        let batch = read(text.as_bytes(), Format::Csv, Some(kind))
            .map_err(|p| anyhow::anyhow!("{file} not read: {p:?}"))?;
        let read_ms = ms(started);
        let rows = batch.homes.len() + batch.children.len() + batch.placements.len();
        let mut timed = Vec::new();
        for _ in 0..2 {
            let started = Instant::now();
            let report = import_file(
                db,
                text.as_bytes(),
                Format::Csv,
                Some(kind),
                false,
                &who,
                &scope,
            )
            .await
            .map_err(|e| match e {
                server::db::import::ImportError::Rejected(p) => {
                    anyhow::anyhow!("{file} refused: {:?}", &p[..p.len().min(5)])
                }
                server::db::import::ImportError::Db(e) => anyhow::Error::new(e),
            })
            .with_context(|| format!("importing {file}"))?;
            timed.push((ms(started), counts(&report, kind)));
        }
        runs.push(FileRun {
            file,
            rows,
            bytes: text.len(),
            read_ms,
            first_ms: timed[0].0,
            first: timed[0].1,
            again_ms: timed[1].0,
            again: timed[1].1,
        });
    }
    Ok(ImportRun {
        homes,
        children,
        placements: children * placements_per_child,
        files: runs,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generated_files_read_without_a_problem() {
        for (file, kind, text) in files(7, 40, 2) {
            let batch = read(text.as_bytes(), Format::Csv, Some(kind))
                .unwrap_or_else(|p| panic!("{file}: {p:?}"));
            let rows = batch.homes.len() + batch.children.len() + batch.placements.len();
            let expected = match kind {
                ImportKind::Homes => 7,
                ImportKind::Children => 40,
                _ => 80,
            };
            assert_eq!(rows, expected, "{file}");
        }
    }
}
