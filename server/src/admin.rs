//! `barnbesok-server admin …`: units, users, caseloads and sessions from the
//! command line, on the configured database. This is how a real
//! installation gets its first administrator: there is no default account.

use crate::access::Granter;
use crate::auth::hash_password;
use crate::db::accounts::{AccessKind, UserRow};
use crate::db::audit::Who;
use crate::db::{Database, DatabaseTarget};
use anyhow::{bail, Context};
use chrono::{NaiveDate, Utc};
use clap::Subcommand;
use shared::auth::{GrantRequest, Role, UnitSummary, MIN_PASSWORD_CHARS};
use shared::{ChildId, UnitId, UserId};
use std::io::BufRead;
use std::path::{Path, PathBuf};

#[derive(Clone, Debug, Subcommand)]
pub enum Command {
    /// Manage units, users, caseloads and sessions.
    #[command(subcommand)]
    Admin(AdminCommand),
}

#[derive(Clone, Debug, Subcommand)]
pub enum AdminCommand {
    /// Create a unit (enhet).
    CreateUnit { name: String },
    /// Create a user. The password is read from the first line of standard
    /// input, never from the command line.
    CreateUser {
        username: String,
        #[arg(long)]
        display_name: String,
        /// social_worker, consultant, disability_officer, group_leader,
        /// unit_manager or administrator.
        #[arg(long)]
        role: String,
        /// A unit the user belongs to, by name (repeatable).
        #[arg(long = "unit")]
        units: Vec<String>,
    },
    /// Set a user's password (read from standard input).
    SetPassword { username: String },
    /// Deactivate a user: every session ends, every device wipes its data.
    Deactivate { username: String },
    /// End every session of a user ("all my devices").
    RevokeSessions { username: String },
    /// Put a child on a user's caseload.
    Assign { username: String, child: String },
    /// Take a child off a user's caseload.
    Unassign { username: String, child: String },
    /// End a colleague's cover for a child now, before its date.
    EndGrant { username: String, child: String },
    /// Take a user out of a unit (by name).
    RemoveFromUnit {
        username: String,
        #[arg(long)]
        unit: String,
    },
    /// Change a user's role.
    SetRole {
        username: String,
        /// social_worker, consultant, disability_officer, group_leader,
        /// unit_manager or administrator.
        #[arg(long)]
        role: String,
    },
    /// Let a colleague see a child until (and including) a date, with the
    /// checks the API makes (the child and the colleague in one of the
    /// granter's units, at most 90 days).
    Grant {
        username: String,
        child: String,
        #[arg(long)]
        until: NaiveDate,
        /// The group leader granting it.
        #[arg(long)]
        by: String,
    },
    /// Create an integration account for the case-management system, in
    /// one or more units (by name). Prints its API token once: it is stored
    /// only as a hash. The token works on the import and export API only,
    /// for these units.
    CreateIntegration {
        name: String,
        /// A unit the account imports to and exports from, by name
        /// (repeatable, at least one).
        #[arg(long = "unit", required = true)]
        units: Vec<String>,
    },
    /// Revoke an integration account's token (the account is deactivated).
    RevokeIntegration { name: String },
    /// List users and units.
    List,
    /// Check the audit log's hash chain (one consistent snapshot, also on a
    /// running server); name the first entry that breaks it. Prints the last
    /// entry as <number>:<hash>: keep that line outside the database and give
    /// it back with --expect next time, so that a chain rewritten whole is
    /// found too.
    VerifyLog {
        #[arg(long)]
        expect: Option<crate::db::audit::ChainPoint>,
    },
    /// Copy the database to a new file while the server runs (SQLite: a
    /// consistent snapshot; PostgreSQL: pg_dump's custom format).
    Backup {
        #[arg(long)]
        to: PathBuf,
    },
    /// Put a backup in place of the database (stop the server first). The
    /// feed gets a new epoch, so devices send back what the backup lacks.
    Restore {
        #[arg(long)]
        from: PathBuf,
    },
    /// Import children, placements, homes or home checks from the
    /// case-management system: a CSV file of one kind or a JSON document
    /// (see docs/import.md). All or nothing; importing again changes
    /// nothing. Prints what changed, or every problem by line and field.
    Import {
        file: PathBuf,
        /// barn, placeringar, hem or hemkontroller (children, placements,
        /// homes, home_checks); a CSV file's header tells it otherwise.
        #[arg(long)]
        kind: Option<String>,
        /// Report what would change, and write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Give the feed a new epoch: after a restore made with other tools
    /// (a file copy, point-in-time recovery), so that devices send back
    /// what the restored database lacks.
    NewEpoch,
}

/// `admin import`: the API's code path, as an administrator (every unit).
async fn import(
    db: &Database,
    file: &Path,
    kind: Option<&str>,
    dry_run: bool,
) -> anyhow::Result<()> {
    use crate::import::{columns, import_file, Format, MAX_IMPORT_BYTES};
    use std::io::Read;
    let kind = match kind {
        Some(raw) => Some(columns::parse_kind(raw).with_context(|| {
            format!("unknown kind {raw}: barn, placeringar, hem or hemkontroller")
        })?),
        None => None,
    };
    let mut bytes = Vec::new();
    std::fs::File::open(file)
        .with_context(|| format!("cannot open {}", file.display()))?
        .take(MAX_IMPORT_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("cannot read {}", file.display()))?;
    // By the extension; else a document starting with `{` is JSON.
    let format = Format::of_path(file).unwrap_or_else(|| {
        match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
            Some(b'{') => Format::Json,
            _ => Format::Csv,
        }
    });
    let scope = crate::db::import::ImportScope::AllUnits;
    match import_file(
        db,
        &bytes,
        format,
        kind,
        dry_run,
        &Who::command_line(),
        &scope,
    )
    .await
    {
        Ok(report) => {
            print!("{}", crate::import::report_text(&report));
            Ok(())
        }
        Err(crate::db::import::ImportError::Rejected(problems)) => {
            for p in &problems {
                eprintln!("{}", crate::import::problem_text(p));
            }
            bail!(
                "{} was refused ({} problems): nothing was imported",
                file.display(),
                problems.len()
            )
        }
        Err(crate::db::import::ImportError::Db(err)) => Err(err.into()),
    }
}

fn read_password() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("reading the password from standard input")?;
    let password = line.trim_end_matches(['\r', '\n']).to_owned();
    if password.chars().count() < MIN_PASSWORD_CHARS {
        bail!("the password must be at least {MIN_PASSWORD_CHARS} characters");
    }
    Ok(password)
}

async fn find_user(db: &Database, username: &str) -> anyhow::Result<UserRow> {
    db.user_by_username(&username.to_lowercase())
        .await?
        .with_context(|| format!("no user named {username}"))
}

async fn find_unit(db: &Database, name: &str) -> anyhow::Result<UnitSummary> {
    db.units()
        .await?
        .into_iter()
        .find(|u| u.name == name.trim())
        .with_context(|| format!("no unit named {name}"))
}

fn child(raw: &str) -> anyhow::Result<ChildId> {
    ChildId::parse(raw).with_context(|| format!("{raw} is not a child id"))
}

/// `admin restore`, run before the database is opened (the file is
/// replaced).
pub async fn restore(target: &DatabaseTarget, from: &Path) -> anyhow::Result<()> {
    let epoch = crate::backup::restore(target, from)
        .await
        .with_context(|| format!("restoring from {}", from.display()))?;
    println!(
        "restored from {}; the feed's new epoch is {epoch}",
        from.display()
    );
    Ok(())
}

/// `admin create-integration`: the account, its units and its token, which
/// is printed once.
async fn create_integration(db: &Database, name: &str, units: &[String]) -> anyhow::Result<()> {
    let username = name.trim().to_lowercase();
    if username.is_empty() || username.chars().count() > shared::auth::MAX_USERNAME_CHARS {
        bail!(
            "the name must be 1 to {} characters",
            shared::auth::MAX_USERNAME_CHARS
        );
    }
    let mut unit_ids = Vec::new();
    for unit in units {
        unit_ids.push(find_unit(db, unit).await?.id);
    }
    let token = crate::auth::new_integration_token().context("drawing a random token")?;
    let user = UserRow {
        id: UserId::new_random(),
        username,
        display_name: name.trim().to_owned(),
        role: Role::Integration,
        password_hash: None,
        active: true,
    };
    if !db
        .insert_integration(&user, &unit_ids, &crate::auth::token_hash(&token))
        .await?
    {
        bail!("a user named {name} exists");
    }
    println!("integration account {} {}", user.id, user.username);
    println!("API token (shown once, keep it in the case-management system's secret store):");
    println!("{token}");
    Ok(())
}

pub async fn run(
    db: &Database,
    target: &DatabaseTarget,
    command: AdminCommand,
) -> anyhow::Result<()> {
    match command {
        AdminCommand::Backup { to } => {
            crate::backup::backup(db, target, &to)
                .await
                .with_context(|| format!("backing up to {}", to.display()))?;
            println!("backed up to {}", to.display());
        }
        AdminCommand::Restore { from } => restore(target, &from).await?,
        AdminCommand::Import {
            file,
            kind,
            dry_run,
        } => import(db, &file, kind.as_deref(), dry_run).await?,
        AdminCommand::NewEpoch => {
            let epoch = db.new_feed_epoch().await?;
            println!("the feed's new epoch is {epoch}");
        }
        AdminCommand::CreateUnit { name } => {
            let id = UnitId::new_random();
            if !db.insert_unit(id, name.trim()).await? {
                bail!("a unit named {name} exists");
            }
            println!("unit {id} {name}");
        }
        AdminCommand::CreateUser {
            username,
            display_name,
            role,
            units,
        } => {
            let role = Role::parse(&role).with_context(|| format!("unknown role {role}"))?;
            if !role.signs_in() {
                bail!("an integration account is made with create-integration");
            }
            let all_units = db.units().await?;
            let mut unit_ids = Vec::new();
            for name in &units {
                let unit = all_units
                    .iter()
                    .find(|u| u.name == *name)
                    .with_context(|| format!("no unit named {name}"))?;
                unit_ids.push(unit.id);
            }
            let password = read_password()?;
            let user = UserRow {
                id: UserId::new_random(),
                username: username.trim().to_lowercase(),
                display_name: display_name.trim().to_owned(),
                role,
                password_hash: Some(hash_password(&password)?),
                active: true,
            };
            if !db.insert_user(&user).await? {
                bail!("a user named {username} exists");
            }
            for unit in unit_ids {
                db.add_user_unit(user.id, unit).await?;
            }
            println!("user {} {} ({role})", user.id, user.username);
        }
        AdminCommand::SetPassword { username } => {
            let user = find_user(db, &username).await?;
            if !user.role.signs_in() {
                bail!(
                    "{} is an integration account: it has a token, no password",
                    user.username
                );
            }
            let password = read_password()?;
            db.set_password_hash(user.id, &hash_password(&password)?)
                .await?;
            println!("password set for {}", user.username);
        }
        AdminCommand::Deactivate { username } => {
            let user = find_user(db, &username).await?;
            db.set_user_active(user.id, false).await?;
            println!("{} deactivated; all sessions ended", user.username);
        }
        AdminCommand::RevokeSessions { username } => {
            let user = find_user(db, &username).await?;
            let n = db.revoke_user_sessions(user.id).await?;
            println!("{n} sessions of {} ended", user.username);
        }
        AdminCommand::Assign { username, child: c } => {
            let user = find_user(db, &username).await?;
            db.assign_child(child(&c)?, user.id, &Who::command_line())
                .await?;
            println!("{c} assigned to {}", user.username);
        }
        AdminCommand::Unassign { username, child: c } => {
            let user = find_user(db, &username).await?;
            let n = db
                .unassign_child(child(&c)?, user.id, &Who::command_line())
                .await?;
            println!("{n} access rows of {} to {c} ended", user.username);
        }
        AdminCommand::EndGrant { username, child: c } => {
            let user = find_user(db, &username).await?;
            let n = db
                .end_access(
                    child(&c)?,
                    user.id,
                    Some(AccessKind::Granted),
                    &Who::command_line(),
                )
                .await?;
            if n == 0 {
                bail!("{} has no cover for {c} that runs now", user.username);
            }
            println!("cover of {} for {c} ended now", user.username);
        }
        AdminCommand::RemoveFromUnit { username, unit } => {
            let user = find_user(db, &username).await?;
            let unit = find_unit(db, &unit).await?;
            if !db.remove_user_unit(user.id, unit.id).await? {
                bail!("{} is not in {}", user.username, unit.name);
            }
            println!("{} removed from {}", user.username, unit.name);
        }
        AdminCommand::SetRole { username, role } => {
            let user = find_user(db, &username).await?;
            let role = Role::parse(&role).with_context(|| format!("no role named {role}"))?;
            if !role.signs_in() || !user.role.signs_in() {
                bail!("an integration account is made with create-integration, and stays one");
            }
            db.set_user_role(user.id, role).await?;
            println!("{} is now {role}", user.username);
        }
        AdminCommand::Grant {
            username,
            child: c,
            until,
            by,
        } => {
            let user = find_user(db, &username).await?;
            let granter = find_user(db, &by).await?;
            let granter_units = db.units_of(granter.id).await?;
            let who = Who {
                user_id: granter.id,
                role: granter.role,
                units: Who::units_of(&granter_units.iter().map(|u| u.id).collect::<Vec<_>>()),
                session_id: None,
                device_id: None,
                name: shared::auth::signing_name(&granter.display_name).to_owned(),
            };
            let request = GrantRequest {
                child_id: child(&c)?,
                user_id: user.id,
                until,
            };
            let granted = crate::routes::grants::grant_cover(
                db,
                Granter {
                    role: granter.role,
                    units: &granter_units,
                },
                granter.id,
                &who,
                &request,
                Utc::now(),
            )
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!(
                "{} may see {c} until {until} (cover ends {})",
                user.username, granted.ends_at
            );
        }
        AdminCommand::VerifyLog { expect } => {
            let report = db.verify_audit_chain(expect.as_ref()).await?;
            match (report.first_broken, report.last) {
                (Some((seq, why)), _) => bail!("audit log broken at entry {seq}: {why}"),
                (None, Some(last)) => println!(
                    "audit log intact: {} entries; last entry {last}",
                    report.entries
                ),
                (None, None) => println!("audit log intact: {} entries", report.entries),
            }
        }
        AdminCommand::CreateIntegration { name, units } => {
            create_integration(db, &name, &units).await?;
        }
        AdminCommand::RevokeIntegration { name } => {
            let user = find_user(db, &name).await?;
            if user.role != Role::Integration {
                bail!("{} is not an integration account", user.username);
            }
            if !db.revoke_integration(&user).await? {
                bail!("{} has no token in force", user.username);
            }
            println!(
                "the token of {} is revoked; the account is deactivated",
                user.username
            );
        }
        AdminCommand::List => {
            for unit in db.units().await? {
                println!("unit {} {}", unit.id, unit.name);
            }
            for u in db.users().await? {
                let state = if u.active { "" } else { " (inactive)" };
                println!("user {} {} {}{state}", u.id, u.username, u.role);
            }
        }
    }
    Ok(())
}
