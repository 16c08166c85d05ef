//! The audit log: append-only, each entry chained to the one before by a
//! SHA-256 over its fields and the previous hash. Appending locks the chain's
//! head row (like the change counter), so entries get consecutive numbers
//! and hashes in commit order. A write's entry goes in the same transaction
//! as the write; reads are appended in a transaction of their own.

use super::column::{instant_text, FromRow, IdList, Row};
use super::statement::{Counted, Stmt, Tx};
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
        let head = tx.audit_head().await?;
        let (seq, prev_hash) = (head.last + 1, head.with.clone());
        let logged_at = micros(Utc::now());
        let hash = chain_hash(&prev_hash, seq, logged_at, entry);
        tx.pending_audit.push(AuditRow {
            seq,
            logged_at,
            entry: entry.clone(),
            prev_hash,
            hash: hash.clone(),
        });
        let head = tx.audit_head().await?;
        head.last = seq;
        head.with = hash;
        appended += 1;
    }
    Ok(appended)
}

/// Audit entries inserted by one statement at most: 15 values each, far
/// under either backend's limit on bound values.
pub(super) const AUDIT_ROWS_PER_INSERT: usize = 64;
const AUDIT_COLUMNS: usize = 15;

/// `INSERT INTO audit_log … VALUES (…), (…)` for `rows` entries, made once
/// per size (statements are `&'static`, and prepared once per text).
fn insert_audit_sql(rows: usize) -> &'static str {
    static TEXTS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    let texts = TEXTS.get_or_init(|| {
        (0..=AUDIT_ROWS_PER_INSERT)
            .map(|n| {
                let values: Vec<String> = (0..n)
                    .map(|row| {
                        let params: Vec<String> = (1..=AUDIT_COLUMNS)
                            .map(|c| format!("${}", row * AUDIT_COLUMNS + c))
                            .collect();
                        format!("({})", params.join(", "))
                    })
                    .collect();
                format!(
                    "INSERT INTO audit_log (seq, logged_at, occurred_at, user_id, role, units, \
                     child_id, action, detail, device_id, session_id, offline, entry_id, \
                     prev_hash, hash) VALUES {}",
                    values.join(", ")
                )
            })
            .collect()
    });
    &texts[rows]
}

/// What the unit manager asked for.
#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    /// Only entries about these children (the manager's units' children).
    pub children: Vec<ChildId>,
    /// And entries about no child by the staff of these units.
    pub staff_units: Vec<UnitId>,
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
    /// The last entry of an intact chain (the checkpoint when none is left).
    pub last: Option<ChainPoint>,
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
        if self
            .pending_audit
            .iter()
            .any(|row| row.entry.entry_id == Some(entry_id))
        {
            return Ok(true);
        }
        Stmt::new("SELECT EXISTS (SELECT 1 FROM audit_log WHERE entry_id = $1)")
            .bind(entry_id)
            .one(self)
            .await
    }

    /// The chain's head as this transaction has it: read at first use, its
    /// row locked until the transaction ends (so appenders take turns and
    /// entries get numbers and hashes in commit order), then moved in
    /// memory and written back by [`Tx::commit`].
    pub(super) async fn audit_head(&mut self) -> Result<&mut Counted<String>, DbError> {
        let head = match self.audit_head.take() {
            Some(head) => head,
            None if !self.may_number => return Err(DbError::CountersNotLocked),
            None => {
                let AuditHead(seq, hash) =
                    Stmt::new("SELECT last_seq, hash FROM audit_head WHERE id = 1")
                        .lock_rows()
                        .one(&mut *self)
                        .await?;
                Counted::new(seq, hash)
            }
        };
        Ok(self.audit_head.insert(head))
    }

    /// Writes the head back if this transaction appended (before commit).
    pub(super) async fn write_audit_head(&mut self) -> Result<(), DbError> {
        let Some(head) = self.audit_head.take().filter(Counted::moved) else {
            return Ok(());
        };
        Stmt::new("UPDATE audit_head SET last_seq = $1, hash = $2 WHERE id = 1")
            .bind(head.last)
            .bind(head.with.as_str())
            .execute(self)
            .await?;
        Ok(())
    }

    /// Inserts the entries [`append`] numbered, in order, many to a
    /// statement (called by [`Tx::commit`]).
    pub(super) async fn insert_pending_audit(&mut self) -> Result<(), DbError> {
        let pending = std::mem::take(&mut self.pending_audit);
        for rows in pending.chunks(AUDIT_ROWS_PER_INSERT) {
            let mut stmt = Stmt::new(insert_audit_sql(rows.len()));
            for row in rows {
                let e = &row.entry;
                stmt = stmt
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
                    .bind(&row.hash);
            }
            stmt.execute(&mut *self).await?;
        }
        Ok(())
    }
}

impl Database {
    /// Appends `entries` (reads), committed before this returns (in a
    /// transaction shared with concurrent requests' writes, `writer.rs`).
    pub async fn log_reads(&self, entries: &[NewAuditEntry]) -> Result<usize, DbError> {
        if entries.is_empty() {
            return Ok(0);
        }
        let job = super::writer::Job::log_reads(entries.to_vec());
        Ok(self.writer.run(job).await?.reads_logged)
    }

    /// Entries matching `filter`, oldest first, with the user's name.
    pub async fn audit_entries(&self, filter: &AuditFilter) -> Result<Vec<AuditEntry>, DbError> {
        let rows: Vec<NamedAuditRow> = Stmt::new(concat!(
            "SELECT ",
            audit_columns!(),
            ", COALESCE(u.username, '') AS username FROM audit_log a \
             LEFT JOIN users u ON u.id = a.user_id \
             WHERE (a.child_id = ANY($1) OR (a.child_id = $7 AND a.user_id IN \
             (SELECT uu.user_id FROM user_units uu WHERE uu.unit_id = ANY($8)))) \
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
        .bind(ChildId::from_uuid(Uuid::nil()))
        .bind(IdList(&filter.staff_units))
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

    /// Walks the whole chain, in one consistent snapshot of a live database,
    /// and reports the first entry that does not fit: a changed entry (its
    /// hash), a removed or reordered one (the next entry's number or previous
    /// hash), entries cut at the start (the purge checkpoint) or at the end
    /// (the head). With `expect`, a number and hash saved from an earlier
    /// run, also whether that entry is still the one it was: only that
    /// catches a chain rewritten whole by someone with database access.
    pub async fn verify_audit_chain(
        &self,
        expect: Option<&ChainPoint>,
    ) -> Result<ChainReport, DbError> {
        const PAGE: i64 = 5_000;
        let mut tx = self.pool.begin_snapshot().await?;
        let checkpoint: AuditHead =
            Stmt::new("SELECT last_seq, hash FROM audit_checkpoint WHERE id = 1")
                .one(&mut tx)
                .await?;
        let AuditHead(head_seq, head_hash) =
            Stmt::new("SELECT last_seq, hash FROM audit_head WHERE id = 1")
                .one(&mut tx)
                .await?;
        let mut entries = 0;
        let mut expected_seen = false;
        // The chain continues from the last purged entry.
        let mut last = (checkpoint.0, checkpoint.1.clone());
        loop {
            let page: Vec<AuditRow> = Stmt::new(concat!(
                "SELECT ",
                audit_columns!(),
                " FROM audit_log a WHERE a.seq > $1 ORDER BY a.seq LIMIT $2"
            ))
            .bind(last.0)
            .bind(PAGE)
            .all(&mut tx)
            .await?;
            let done = (page.len() as i64) < PAGE;
            for row in page {
                entries += 1;
                let broken = |why| ChainReport {
                    entries,
                    first_broken: Some((row.seq, why)),
                    last: None,
                };
                if row.seq != last.0 + 1 {
                    let why = if entries == 1 {
                        "entries at the start are missing"
                    } else {
                        "an entry before it is missing"
                    };
                    return Ok(broken(why));
                }
                if row.prev_hash != last.1 {
                    return Ok(broken(if entries == 1 {
                        "it does not follow the last purged entry"
                    } else {
                        "it does not follow the entry before it"
                    }));
                }
                if chain_hash(&row.prev_hash, row.seq, row.logged_at, &row.entry) != row.hash {
                    return Ok(broken("its content was changed"));
                }
                if let Some(point) = expect.filter(|p| p.seq == row.seq) {
                    if point.hash != row.hash {
                        return Ok(broken("it is not the entry saved earlier"));
                    }
                    expected_seen = true;
                }
                last = (row.seq, row.hash);
            }
            if done {
                break;
            }
        }
        tx.rollback().await?;
        if head_seq != last.0 || head_hash != last.1 {
            return Ok(ChainReport {
                entries,
                first_broken: Some((last.0 + 1, "entries at the end are missing")),
                last: None,
            });
        }
        if let Some(point) = expect.filter(|_| !expected_seen) {
            // Purged since: then it must be the checkpoint itself, or lie
            // before it; ahead of the head, the log lost entries.
            let fits = if point.seq == checkpoint.0 {
                point.hash == checkpoint.1
            } else {
                point.seq < checkpoint.0
            };
            if !fits {
                return Ok(ChainReport {
                    entries,
                    first_broken: Some((point.seq, "the entry saved earlier is not in the log")),
                    last: None,
                });
            }
        }
        Ok(ChainReport {
            entries,
            first_broken: None,
            last: Some(ChainPoint {
                seq: last.0,
                hash: last.1,
            }),
        })
    }

    /// Removes the entries the server received more than `retention` ago
    /// (never less than [`MIN_AUDIT_RETENTION`]), as one prefix of the
    /// chain, and keeps the last removed entry's number and hash as the
    /// checkpoint the chain then continues from. The server's receiving
    /// time decides, never a device's clock; an entry received in the
    /// retention window keeps everything after it.
    pub async fn purge_audit(&self, retention: chrono::Duration) -> Result<u64, DbError> {
        let before = Utc::now() - retention.max(MIN_AUDIT_RETENTION);
        timed(async {
            let mut tx = self.pool.begin_write().await?;
            let _: i64 = Stmt::new("SELECT last_seq FROM audit_head WHERE id = 1")
                .lock_rows()
                .one(&mut tx)
                .await?;
            let last_purged: Option<AuditHead> = Stmt::new(
                "SELECT seq AS last_seq, hash FROM audit_log WHERE seq < COALESCE( \
                 (SELECT MIN(seq) FROM audit_log WHERE logged_at >= $1), \
                 (SELECT last_seq + 1 FROM audit_head WHERE id = 1)) \
                 ORDER BY seq DESC LIMIT 1",
            )
            .bind(before)
            .optional(&mut tx)
            .await?;
            let Some(AuditHead(seq, hash)) = last_purged else {
                tx.rollback().await?;
                return Ok(0);
            };
            let n = Stmt::new("DELETE FROM audit_log WHERE seq <= $1")
                .bind(seq)
                .execute(&mut tx)
                .await?;
            Stmt::new("UPDATE audit_checkpoint SET last_seq = $1, hash = $2 WHERE id = 1")
                .bind(seq)
                .bind(hash.as_str())
                .execute(&mut tx)
                .await?;
            tx.commit().await?;
            Ok(n)
        })
        .await
    }
}

/// The shortest time entries are kept, whatever is configured: a year of
/// reads stays reviewable.
pub const MIN_AUDIT_RETENTION: chrono::Duration = chrono::Duration::days(365);

/// One entry's place in the chain: what `verify-log` prints, to be kept
/// outside the database and given back with `--expect`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainPoint {
    pub seq: i64,
    pub hash: String,
}

impl std::fmt::Display for ChainPoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.seq, self.hash)
    }
}

impl std::str::FromStr for ChainPoint {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (seq, hash) = s
            .split_once(':')
            .ok_or_else(|| "expected <number>:<hash>, as verify-log prints it".to_owned())?;
        let seq = seq
            .parse()
            .map_err(|_| format!("{seq} is not an entry number"))?;
        if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err("the hash is 64 hexadecimal digits".into());
        }
        Ok(Self {
            seq,
            hash: hash.to_ascii_lowercase(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_multi_row_insert_numbers_every_value_once_in_order() {
        let sql = insert_audit_sql(3);
        assert_eq!(sql.matches('(').count(), 1 + 3, "the columns, then 3 rows");
        assert!(sql.contains("($1, $2,") && sql.contains("$15), ($16,"));
        assert!(sql.ends_with("$44, $45)") && !sql.contains("$46"));
        assert!(insert_audit_sql(AUDIT_ROWS_PER_INSERT).contains("$960)"));
    }

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
