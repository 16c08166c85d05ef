//! The audit log: append-only, each entry chained to the one before by a
//! SHA-256 over its fields and the previous hash. Appending locks the chain's
//! head row (like the change counter), so entries get consecutive numbers
//! and hashes in commit order. A write's entry goes in the same transaction
//! as the write; reads are appended in a transaction of their own.

use super::column::{instant_text, FromRow, IdList, Row};
use super::statement::{Stmt, Tx};
use super::{timed, Database, DbError};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use shared::audit::{AuditAction, AuditEntry};
use shared::auth::Role;
use shared::{ChildId, DeviceId, SessionId, UnitId, UserId};
use uuid::Uuid;

/// The hash before the first entry.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Who acts, as every entry records it.
#[derive(Clone, Debug)]
pub struct Who {
    pub user_id: UserId,
    pub role: Role,
    /// The user's units at the time, comma separated.
    pub units: String,
    pub session_id: Option<SessionId>,
    pub device_id: Option<DeviceId>,
    /// The user's name as the account holds it: a record they sign carries
    /// it (not in the log's entries).
    pub name: String,
}

impl Who {
    /// The operator at the server's command line (`barnbesok-server admin`),
    /// who signs in as nobody: the nil user, as an administrator. Also the
    /// server's own set-up (demo data).
    pub fn command_line() -> Self {
        Self {
            user_id: UserId::from_uuid(Uuid::nil()),
            role: Role::Administrator,
            units: String::new(),
            session_id: None,
            device_id: None,
            name: String::new(),
        }
    }

    pub fn units_of(units: &[UnitId]) -> String {
        units
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(",")
    }

    /// An entry by this user about `child`, happening now on the server.
    pub fn entry(&self, child_id: ChildId, action: AuditAction, detail: &str) -> NewAuditEntry {
        NewAuditEntry {
            occurred_at: micros(Utc::now()),
            user_id: self.user_id,
            role: self.role,
            units: self.units.clone(),
            child_id,
            action,
            detail: detail.to_owned(),
            device_id: self.device_id,
            session_id: self.session_id,
            offline: false,
            entry_id: None,
        }
    }
}

/// An entry to append.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewAuditEntry {
    pub occurred_at: DateTime<Utc>,
    pub user_id: UserId,
    pub role: Role,
    pub units: String,
    pub child_id: ChildId,
    pub action: AuditAction,
    pub detail: String,
    pub device_id: Option<DeviceId>,
    pub session_id: Option<SessionId>,
    pub offline: bool,
    /// A tablet's id for an entry it logged itself.
    pub entry_id: Option<Uuid>,
}

/// A stored entry with its place in the chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditRow {
    pub seq: i64,
    pub logged_at: DateTime<Utc>,
    pub entry: NewAuditEntry,
    pub prev_hash: String,
    pub hash: String,
}

/// Both backends store instants to the microsecond; hash what they keep.
pub fn micros(at: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(at.timestamp_micros()).unwrap_or(at)
}

/// The hash of entry `seq`: SHA-256 over the previous hash and every field,
/// separated by a byte no field contains.
pub fn chain_hash(
    prev_hash: &str,
    seq: i64,
    logged_at: DateTime<Utc>,
    e: &NewAuditEntry,
) -> String {
    let opt = |v: Option<String>| v.unwrap_or_default();
    let fields = [
        prev_hash.to_owned(),
        seq.to_string(),
        instant_text(logged_at),
        instant_text(e.occurred_at),
        e.user_id.to_string(),
        e.role.as_str().to_owned(),
        e.units.clone(),
        e.child_id.to_string(),
        e.action.as_str().to_owned(),
        e.detail.clone(),
        opt(e.device_id.map(|d| d.to_string())),
        opt(e.session_id.map(|s| s.to_string())),
        e.offline.to_string(),
        opt(e.entry_id.map(|id| id.to_string())),
    ];
    let mut hasher = Sha256::new();
    for field in fields {
        hasher.update(field.as_bytes());
        hasher.update([0x1f]);
    }
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Appends `entries` in `tx` (which the caller commits). An entry whose
/// `entry_id` is already logged is skipped. Returns how many were appended.
pub(crate) async fn append(tx: &mut Tx, entries: &[NewAuditEntry]) -> Result<usize, DbError> {
    let mut appended = 0;
    for entry in entries {
        if let Some(id) = entry.entry_id {
            if tx.audit_entry_exists(id).await? {
                continue;
            }
        }
        let (seq, prev_hash) = tx.bump_audit_head().await?;
        let logged_at = micros(Utc::now());
        let hash = chain_hash(&prev_hash, seq, logged_at, entry);
        tx.insert_audit(&AuditRow {
            seq,
            logged_at,
            entry: entry.clone(),
            prev_hash,
            hash: hash.clone(),
        })
        .await?;
        tx.set_audit_head(&hash).await?;
        appended += 1;
    }
    Ok(appended)
}

/// What the unit manager asked for.
#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    /// Only entries about these children (the manager's units' children).
    pub children: Vec<ChildId>,
    pub user: Option<UserId>,
    pub child: Option<ChildId>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub limit: i64,
}

/// The result of checking the chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainReport {
    pub entries: u64,
    /// The first entry that does not fit the chain, and why.
    pub first_broken: Option<(i64, &'static str)>,
}

macro_rules! audit_columns {
    () => {
        "a.seq, a.logged_at, a.occurred_at, a.user_id, a.role, a.units, a.child_id, a.action, \
         a.detail, a.device_id, a.session_id, a.offline, a.entry_id, a.prev_hash, a.hash"
    };
}

impl FromRow for AuditRow {
    fn from_row(row: &Row) -> Result<Self, DbError> {
        const T: &str = "audit_log";
        let role: String = row.get("role")?;
        let action: String = row.get("action")?;
        Ok(AuditRow {
            seq: row.get("seq")?,
            logged_at: row.get("logged_at")?,
            entry: NewAuditEntry {
                occurred_at: row.get("occurred_at")?,
                user_id: row.get("user_id")?,
                role: Role::parse(&role).ok_or_else(|| DbError::CorruptRow {
                    table: T,
                    reason: format!("unknown role `{role}`"),
                })?,
                units: row.get("units")?,
                child_id: row.get("child_id")?,
                action: match action.as_str() {
                    "read" => AuditAction::Read,
                    _ => AuditAction::Write,
                },
                detail: row.get("detail")?,
                device_id: row.get("device_id")?,
                session_id: row.get("session_id")?,
                offline: row.get("offline")?,
                entry_id: row.get("entry_id")?,
            },
            prev_hash: row.get("prev_hash")?,
            hash: row.get("hash")?,
        })
    }
}

/// An entry with the name of its user, as the log review shows it.
struct NamedAuditRow(AuditRow, String);

impl FromRow for NamedAuditRow {
    fn from_row(row: &Row) -> Result<Self, DbError> {
        Ok(Self(AuditRow::from_row(row)?, row.get("username")?))
    }
}

/// The chain's head: the last number handed out and its hash.
struct AuditHead(i64, String);

impl FromRow for AuditHead {
    fn from_row(row: &Row) -> Result<Self, DbError> {
        Ok(Self(row.get("last_seq")?, row.get("hash")?))
    }
}

impl Tx {
    async fn audit_entry_exists(&mut self, entry_id: Uuid) -> Result<bool, DbError> {
        Stmt::new("SELECT EXISTS (SELECT 1 FROM audit_log WHERE entry_id = $1)")
            .bind(entry_id)
            .one(self)
            .await
    }

    /// Takes the chain's next number (locking its head row until commit) and
    /// returns it with the hash of the entry before.
    async fn bump_audit_head(&mut self) -> Result<(i64, String), DbError> {
        let AuditHead(seq, hash) = Stmt::new(
            "UPDATE audit_head SET last_seq = last_seq + 1 WHERE id = 1 RETURNING last_seq, hash",
        )
        .one(self)
        .await?;
        Ok((seq, hash))
    }

    async fn set_audit_head(&mut self, hash: &str) -> Result<(), DbError> {
        Stmt::new("UPDATE audit_head SET hash = $1 WHERE id = 1")
            .bind(hash)
            .execute(self)
            .await?;
        Ok(())
    }

    async fn insert_audit(&mut self, row: &AuditRow) -> Result<(), DbError> {
        let e = &row.entry;
        Stmt::new(
            "INSERT INTO audit_log (seq, logged_at, occurred_at, user_id, role, units, child_id, \
             action, detail, device_id, session_id, offline, entry_id, prev_hash, hash) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
        )
        .bind(row.seq)
        .bind(row.logged_at)
        .bind(e.occurred_at)
        .bind(e.user_id)
        .bind(e.role.as_str())
        .bind(&e.units)
        .bind(e.child_id)
        .bind(e.action.as_str())
        .bind(&e.detail)
        .bind(e.device_id)
        .bind(e.session_id)
        .bind(e.offline)
        .bind(e.entry_id)
        .bind(&row.prev_hash)
        .bind(&row.hash)
        .execute(self)
        .await?;
        Ok(())
    }
}

impl Database {
    /// Appends `entries` (reads) in one transaction of their own.
    pub async fn log_reads(&self, entries: &[NewAuditEntry]) -> Result<usize, DbError> {
        if entries.is_empty() {
            return Ok(0);
        }
        timed(async {
            let mut tx = self.pool.begin_write().await?;
            let n = append(&mut tx, entries).await?;
            tx.commit().await?;
            Ok(n)
        })
        .await
    }

    /// Entries matching `filter`, oldest first, with the user's name.
    pub async fn audit_entries(&self, filter: &AuditFilter) -> Result<Vec<AuditEntry>, DbError> {
        let rows: Vec<NamedAuditRow> = Stmt::new(concat!(
            "SELECT ",
            audit_columns!(),
            ", COALESCE(u.username, '') AS username FROM audit_log a \
             LEFT JOIN users u ON u.id = a.user_id \
             WHERE a.child_id = ANY($1) \
             AND ($2 IS NULL OR a.user_id = $2) AND ($3 IS NULL OR a.child_id = $3) \
             AND ($4 IS NULL OR a.occurred_at >= $4) AND ($5 IS NULL OR a.occurred_at < $5) \
             ORDER BY a.seq LIMIT $6"
        ))
        .bind(IdList(&filter.children))
        .bind(filter.user)
        .bind(filter.child)
        .bind(filter.from)
        .bind(filter.to)
        .bind(filter.limit)
        .all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|NamedAuditRow(row, username)| AuditEntry {
                seq: u64::try_from(row.seq).unwrap_or_default(),
                logged_at: row.logged_at,
                occurred_at: row.entry.occurred_at,
                user_id: row.entry.user_id,
                username,
                role: row.entry.role,
                units: row
                    .entry
                    .units
                    .split(',')
                    .filter_map(|u| UnitId::parse(u).ok())
                    .collect(),
                child_id: row.entry.child_id,
                action: row.entry.action,
                detail: row.entry.detail,
                device_id: row.entry.device_id,
                session_id: row.entry.session_id,
                offline: row.entry.offline,
            })
            .collect())
    }

    /// Walks the whole chain and reports the first entry that does not fit:
    /// a changed entry (its hash), a removed or reordered one (the next
    /// entry's number or previous hash), a removed tail (the head). Entries
    /// removed by retention leave the oldest remaining entry as the anchor.
    pub async fn verify_audit_chain(&self) -> Result<ChainReport, DbError> {
        const PAGE: i64 = 5_000;
        let mut entries = 0;
        let mut last: Option<(i64, String)> = None;
        loop {
            let after = last.as_ref().map_or(0, |(seq, _)| *seq);
            let page: Vec<AuditRow> = Stmt::new(concat!(
                "SELECT ",
                audit_columns!(),
                " FROM audit_log a WHERE a.seq > $1 ORDER BY a.seq LIMIT $2"
            ))
            .bind(after)
            .bind(PAGE)
            .all(&self.pool)
            .await?;
            let done = (page.len() as i64) < PAGE;
            for row in page {
                entries += 1;
                let broken = |why| {
                    Ok(ChainReport {
                        entries,
                        first_broken: Some((row.seq, why)),
                    })
                };
                match &last {
                    Some((seq, hash)) => {
                        if row.seq != seq + 1 {
                            return broken("an entry before it is missing");
                        }
                        if row.prev_hash != *hash {
                            return broken("it does not follow the entry before it");
                        }
                    }
                    None if row.seq == 1 && row.prev_hash != GENESIS_HASH => {
                        return broken("the first entry does not start the chain");
                    }
                    None => {}
                }
                if chain_hash(&row.prev_hash, row.seq, row.logged_at, &row.entry) != row.hash {
                    return broken("its content was changed");
                }
                last = Some((row.seq, row.hash));
            }
            if done {
                break;
            }
        }
        let AuditHead(head_seq, head_hash) =
            Stmt::new("SELECT last_seq, hash FROM audit_head WHERE id = 1")
                .one(&self.pool)
                .await?;
        let (last_seq, last_hash) = last.unwrap_or((0, GENESIS_HASH.to_owned()));
        if head_seq != last_seq || (head_seq > 0 && head_hash != last_hash) {
            return Ok(ChainReport {
                entries,
                first_broken: Some((last_seq + 1, "entries at the end are missing")),
            });
        }
        Ok(ChainReport {
            entries,
            first_broken: None,
        })
    }

    /// Removes entries that happened before `before` (retention).
    pub async fn purge_audit(&self, before: DateTime<Utc>) -> Result<u64, DbError> {
        Stmt::new("DELETE FROM audit_log WHERE occurred_at < $1")
            .bind(before)
            .execute(&self.pool)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry() -> NewAuditEntry {
        NewAuditEntry {
            occurred_at: micros(Utc::now()),
            user_id: UserId::new_random(),
            role: Role::SocialWorker,
            units: String::new(),
            child_id: ChildId::new_random(),
            action: AuditAction::Read,
            detail: "sync".into(),
            device_id: None,
            session_id: None,
            offline: false,
            entry_id: None,
        }
    }

    #[test]
    fn every_field_and_the_previous_hash_change_the_hash() {
        let e = entry();
        let at = micros(Utc::now());
        let base = chain_hash(GENESIS_HASH, 1, at, &e);
        assert_eq!(base, chain_hash(GENESIS_HASH, 1, at, &e));
        assert_ne!(base, chain_hash(&"1".repeat(64), 1, at, &e));
        assert_ne!(base, chain_hash(GENESIS_HASH, 2, at, &e));
        let mut other = e.clone();
        other.action = AuditAction::Write;
        assert_ne!(base, chain_hash(GENESIS_HASH, 1, at, &other));
        let mut other = e.clone();
        other.offline = true;
        assert_ne!(base, chain_hash(GENESIS_HASH, 1, at, &other));
        let mut other = e;
        other.detail = "history".into();
        assert_ne!(base, chain_hash(GENESIS_HASH, 1, at, &other));
    }
}
