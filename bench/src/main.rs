//! `barnbesok-bench`: the Rust side of `scripts/bench.sh`. It seeds a
//! database with a deterministic caseload, adds changes for incremental sync,
//! and simulates many tablets syncing against a running server (ours or a
//! PouchDB server) at once. Results are JSON on stdout; `bench/run.mjs`
//! puts them in one table.

mod data;
mod import;
mod load;
mod querytimes;
mod seed;
mod selfcheck;
mod stand_in;

use anyhow::Context;
use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser)]
#[command(name = "barnbesok-bench", about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// A seeded caseload: `seed` writes it, `change` finds it again (the data
/// is generated from a fixed seed, so the same figures give the same records).
#[derive(clap::Args)]
struct DataSet {
    /// A SQLite file path or a `postgres://` URL.
    #[arg(long)]
    database: String,
    #[arg(long)]
    records: usize,
    #[arg(long)]
    children: usize,
}

#[derive(Subcommand)]
enum Command {
    /// The versions of what the benchmark measures that this binary links.
    Versions,
    /// A social worker (`bench.worker`) with a caseload of `children`
    /// children and `records` records in all; writes the same records as
    /// JSON documents for the PouchDB side.
    Seed {
        #[command(flatten)]
        set: DataSet,
        #[arg(long)]
        password: String,
        /// Where to write the records as PouchDB documents (`_id` = the key).
        #[arg(long)]
        documents: Option<PathBuf>,
    },
    /// `count` new changes among the seeded records (an amendment each to
    /// visits spread across the caseload), as another device would add them.
    Change {
        #[command(flatten)]
        set: DataSet,
        #[arg(long)]
        count: usize,
    },
    /// `devices` social workers, each with a signed-in tablet and a small
    /// caseload; writes their tokens for `load`.
    Devices {
        #[arg(long)]
        database: String,
        #[arg(long)]
        devices: usize,
        #[arg(long)]
        out: PathBuf,
    },
    /// Imports `children` children with `placements_per_child` placements
    /// each and their `homes` homes, as CSV files, into a fresh database
    /// (a new file in the directory `database`, or a new database on the
    /// PostgreSQL server it names), and then again.
    Import {
        #[arg(long)]
        database: String,
        #[arg(long, default_value_t = 10_000)]
        children: usize,
        #[arg(long, default_value_t = 2)]
        placements_per_child: usize,
        #[arg(long, default_value_t = 2_000)]
        homes: usize,
    },
    /// The managers' self-check: `children` children with `visits` visits
    /// in three units, written into a fresh database (as for `import`),
    /// then the whole report for last quarter and the last 12 months,
    /// grouped by worker and by sex, timed `runs` times each, warm.
    Selfcheck {
        #[arg(long)]
        database: String,
        #[arg(long, default_value_t = 5_000)]
        children: usize,
        #[arg(long, default_value_t = 100_000)]
        visits: usize,
        #[arg(long, default_value_t = 20)]
        runs: usize,
        /// Once more after the timed runs, each SQL statement's own time.
        #[arg(long)]
        per_query: bool,
        /// Leaves the seeded database in place (its path or URL on stderr),
        /// to look at the report's query plans.
        #[arg(long)]
        keep: bool,
        /// Times the reports on `database` itself, as a `--keep` run left
        /// it (the generator is deterministic), seeding it only if empty.
        #[arg(long, conflicts_with = "keep")]
        reuse: bool,
    },
    /// Tablets syncing at once: each records a visit, pushes it, pulls what
    /// is new, and starts over, for `seconds` after `warmup` seconds.
    Load {
        /// The server's base URL (`http://127.0.0.1:PORT`); several, apart
        /// by commas, for instances of one server sharing a database (the
        /// devices are dealt out among them in turn).
        #[arg(long, required = true, value_delimiter = ',')]
        url: Vec<String>,
        /// The file `devices` wrote.
        #[arg(long)]
        devices_file: PathBuf,
        #[arg(long)]
        devices: usize,
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        #[arg(long, default_value_t = 2)]
        warmup: u64,
        /// Each device starts a round every this many milliseconds (spread
        /// evenly) instead of at once after the last: a paced, realistic load
        /// rather than the most the server sustains.
        #[arg(long)]
        every_ms: Option<u64>,
        /// Speak CouchDB's replication API to a PouchDB server instead
        /// (`_bulk_docs` and `_changes` on a database per device).
        #[arg(long)]
        pouch: bool,
    },
    /// The sync protocol answered from memory, with no database, sign-in,
    /// scope or audit log: the most the load generator reaches on this
    /// machine. Prints its URL, then serves until stopped.
    StandIn {
        #[arg(long, default_value = "127.0.0.1:0")]
        listen: std::net::SocketAddr,
    },
}

fn database_target(database: &str) -> server::config::DatabaseTarget {
    use server::config::DatabaseTarget;
    if database.starts_with("postgres://") || database.starts_with("postgresql://") {
        DatabaseTarget::Postgres(database.to_owned())
    } else {
        DatabaseTarget::SqliteFile(PathBuf::from(database))
    }
}

async fn open(database: &str) -> anyhow::Result<server::db::Database> {
    let db = server::db::Database::connect(&database_target(database))
        .await
        .context("connecting to the database")?;
    db.migrate().await.context("migrating")?;
    Ok(db)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Versions => {
            let pool = sqlx::SqlitePool::connect("sqlite::memory:").await?;
            let sqlite: String = sqlx::query_scalar("SELECT sqlite_version()")
                .fetch_one(&pool)
                .await?;
            println!("{}", serde_json::json!({ "sqlite": sqlite }));
        }
        Command::Seed {
            set:
                DataSet {
                    database,
                    records,
                    children,
                },
            password,
            documents,
        } => {
            let db = open(&database).await?;
            let summary = seed::caseload(&db, records, children, &password).await?;
            if let Some(path) = documents {
                seed::write_documents(&path, records, children)?;
            }
            println!("{}", serde_json::to_string(&summary)?);
        }
        Command::Change {
            set:
                DataSet {
                    database,
                    records,
                    children,
                },
            count,
        } => {
            let db = open(&database).await?;
            let added = seed::changes(&db, records, children, count).await?;
            println!("{}", serde_json::json!({ "changes": added }));
        }
        Command::Import {
            database,
            children,
            placements_per_child,
            homes,
        } => {
            let fresh = import::fresh(&database, "import").await?;
            let db = open(&fresh).await?;
            let result = import::run(&db, homes, children, placements_per_child).await;
            db.close().await;
            import::drop_fresh(&database, &fresh).await?;
            println!("{}", serde_json::to_string(&result?)?);
        }
        Command::Selfcheck {
            database,
            children,
            visits,
            runs,
            per_query,
            keep,
            reuse,
        } => {
            let times = if per_query {
                Some(querytimes::QueryTimes::install()?)
            } else {
                None
            };
            anyhow::ensure!(
                children > 0 && visits >= children && runs > 0,
                "at least one child, a visit each and one run"
            );
            let fresh = if reuse {
                database.clone()
            } else {
                import::fresh(&database, "selfcheck").await?
            };
            let db = open(&fresh).await?;
            let result = selfcheck::run(&db, &fresh, children, visits, runs, times.as_ref()).await;
            db.close().await;
            if keep {
                eprintln!("kept: {fresh}");
            } else if !reuse {
                import::drop_fresh(&database, &fresh).await?;
            }
            println!("{}", serde_json::to_string(&result?)?);
        }
        Command::Devices {
            database,
            devices,
            out,
        } => {
            let db = open(&database).await?;
            let list = seed::devices(&db, devices).await?;
            std::fs::write(&out, serde_json::to_vec(&list)?)
                .with_context(|| format!("writing {}", out.display()))?;
            println!("{}", serde_json::json!({ "devices": list.len() }));
        }
        Command::Load {
            url,
            devices_file,
            devices,
            seconds,
            warmup,
            every_ms,
            pouch,
        } => {
            let list: Vec<seed::BenchDevice> =
                serde_json::from_slice(&std::fs::read(&devices_file)?)?;
            anyhow::ensure!(
                list.len() >= devices,
                "{} holds {} devices, {devices} asked for",
                devices_file.display(),
                list.len()
            );
            let target = if pouch {
                load::Target::Pouch
            } else {
                load::Target::Barnbesok
            };
            let report = load::run(
                &url,
                target,
                &list[..devices],
                std::time::Duration::from_secs(warmup),
                std::time::Duration::from_secs(seconds),
                every_ms.map(std::time::Duration::from_millis),
            )
            .await?;
            println!("{}", serde_json::to_string(&report)?);
        }
        Command::StandIn { listen } => stand_in::serve(listen).await?,
    }
    Ok(())
}
