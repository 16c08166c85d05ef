//! Backup and restore (`barnbesok-server admin backup` / `admin restore`).
//!
//! SQLite is copied live with `VACUUM INTO` (one consistent snapshot while
//! the server runs); PostgreSQL with its own `pg_dump` and `pg_restore`.
//! A restore gives the feed a new epoch: devices that saw changes the
//! backup lacks then pull everything again and send back what they had
//! settled (docs/sync-protocol.md), so no signed visit is lost with the
//! restored server.

use crate::db::{Database, DatabaseTarget, DbError};
use shared::protocol::FeedEpoch;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{0} exists already: a backup never overwrites a file")]
    Exists(PathBuf),
    #[error("no backup at {0}")]
    Missing(PathBuf),
    #[error("{0} is a SQLite backup; the database is PostgreSQL (or the other way round)")]
    WrongKind(PathBuf),
    #[error("cannot find {0}: install PostgreSQL's client tools or set BARNBESOK_PG_BIN_DIR")]
    ToolMissing(&'static str),
    #[error("{tool} failed ({status}): {stderr}")]
    Tool {
        tool: &'static str,
        status: std::process::ExitStatus,
        stderr: String,
    },
    #[error("the restored database cannot be opened: {0}")]
    Open(#[from] sqlx::Error),
    #[error("the restored database cannot be migrated: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// SQLite files begin with these 16 bytes.
const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// Copies the live database `db` (at `target`) to the new file `to`.
pub async fn backup(db: &Database, target: &DatabaseTarget, to: &Path) -> Result<(), BackupError> {
    if to.exists() {
        return Err(BackupError::Exists(to.to_owned()));
    }
    if let Some(copied) = db.backup_sqlite_into(to).await {
        return Ok(copied?);
    }
    let DatabaseTarget::Postgres(url) = target else {
        return Err(BackupError::WrongKind(to.to_owned()));
    };
    run_pg_tool(
        "pg_dump",
        &[
            "--format=custom".as_ref(),
            "--no-owner".as_ref(),
            "--file".as_ref(),
            to.as_os_str(),
            "--dbname".as_ref(),
            url.as_ref(),
        ],
    )
    .await
}

/// Puts the backup `from` in place of the database at `target`, migrates it
/// to this version and gives its feed a new epoch, which it returns. The
/// server must be stopped.
pub async fn restore(target: &DatabaseTarget, from: &Path) -> Result<FeedEpoch, BackupError> {
    if !from.is_file() {
        return Err(BackupError::Missing(from.to_owned()));
    }
    let is_sqlite_file = {
        let mut head = [0u8; 16];
        let mut file = std::fs::File::open(from)?;
        std::io::Read::read_exact(&mut file, &mut head).is_ok() && &head == SQLITE_MAGIC
    };
    match target {
        DatabaseTarget::SqliteFile(path) => {
            if !is_sqlite_file {
                return Err(BackupError::WrongKind(from.to_owned()));
            }
            restore_sqlite_file(path, from).await
        }
        DatabaseTarget::SqliteUrl(_) => Err(BackupError::WrongKind(from.to_owned())),
        DatabaseTarget::Postgres(url) => {
            if is_sqlite_file {
                return Err(BackupError::WrongKind(from.to_owned()));
            }
            run_pg_tool(
                "pg_restore",
                &[
                    "--clean".as_ref(),
                    "--if-exists".as_ref(),
                    "--no-owner".as_ref(),
                    "--single-transaction".as_ref(),
                    "--dbname".as_ref(),
                    url.as_ref(),
                    from.as_os_str(),
                ],
            )
            .await?;
            renew_epoch(target).await
        }
    }
}

/// The backup is prepared beside the database and then renamed over it, so
/// that a failure halfway leaves the old database whole.
async fn restore_sqlite_file(path: &Path, from: &Path) -> Result<FeedEpoch, BackupError> {
    let staged = with_suffix(path, ".restoring");
    let _ = std::fs::remove_file(&staged);
    std::fs::copy(from, &staged)?;
    let epoch = renew_epoch(&DatabaseTarget::SqliteFile(staged.clone())).await?;
    // Closing the pools does not always fold the write-ahead log into the
    // file; leaving WAL mode does, or fails. Only then is the staged copy
    // one file, with the new epoch in it.
    {
        use sqlx::Connection;
        let options = sqlx::sqlite::SqliteConnectOptions::new().filename(&staged);
        let mut one = sqlx::SqliteConnection::connect_with(&options).await?;
        // The pools' connections close on their own threads, maybe a moment
        // after `close` returned; until the last has, SQLite refuses to
        // leave WAL mode at once ("database is locked"), without waiting.
        let mut attempts = 0;
        let mode: String = loop {
            match sqlx::query_scalar("PRAGMA journal_mode = DELETE")
                .fetch_one(&mut one)
                .await
            {
                Err(sqlx::Error::Database(e))
                    if e.message().contains("locked") && attempts < 100 =>
                {
                    attempts += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                }
                result => break result?,
            }
        };
        one.close().await?;
        if !mode.eq_ignore_ascii_case("delete") {
            return Err(BackupError::Io(std::io::Error::other(format!(
                "the restored copy stays in {mode} mode: is it open elsewhere?"
            ))));
        }
    }
    // The old database's log must not be replayed onto the restored file.
    for suffix in ["-wal", "-shm"] {
        match std::fs::remove_file(with_suffix(path, suffix)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e.into()),
            _ => {}
        }
    }
    std::fs::rename(&staged, path)?;
    Ok(epoch)
}

async fn renew_epoch(target: &DatabaseTarget) -> Result<FeedEpoch, BackupError> {
    let db = Database::connect(target).await?;
    db.migrate().await?;
    let epoch = db.new_feed_epoch().await;
    db.close().await;
    Ok(epoch?)
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// PostgreSQL's tool `name`: from `BARNBESOK_PG_BIN_DIR`, the newest
/// `/usr/lib/postgresql/*/bin` (Debian's, which may be off `PATH`; the
/// newest reads every older server), or `PATH`.
fn pg_tool(name: &'static str) -> Result<PathBuf, BackupError> {
    let mut dirs: Vec<PathBuf> = std::env::var_os("BARNBESOK_PG_BIN_DIR")
        .map(PathBuf::from)
        .into_iter()
        .collect();
    if let Ok(versions) = std::fs::read_dir("/usr/lib/postgresql") {
        let mut found: Vec<(u32, PathBuf)> = versions
            .filter_map(Result::ok)
            .filter_map(|e| {
                let version = e.file_name().to_str()?.parse().ok()?;
                Some((version, e.path().join("bin")))
            })
            .collect();
        found.sort();
        dirs.extend(found.into_iter().rev().map(|(_, dir)| dir));
    }
    if let Some(path) = std::env::var_os("PATH") {
        dirs.extend(std::env::split_paths(&path));
    }
    dirs.into_iter()
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
        .ok_or(BackupError::ToolMissing(name))
}

async fn run_pg_tool(name: &'static str, args: &[&std::ffi::OsStr]) -> Result<(), BackupError> {
    let mut command = std::process::Command::new(pg_tool(name)?);
    command.args(args);
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .map_err(std::io::Error::other)??;
    if output.status.success() {
        Ok(())
    } else {
        Err(BackupError::Tool {
            tool: name,
            status: output.status,
            stderr: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
        })
    }
}
