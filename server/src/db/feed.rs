//! The change feed: every record a device may hold, numbered in commit
//! order, and the ids of the mutations already applied. Writes happen in a
//! mutation's transaction ([`Tx`]); pulls read pages of it.

use super::column::{FromRow, IdList, JsonText, Row};
use super::rows::ChangeRow;
use super::statement::{Counted, Stmt, Tx};
use super::{Database, DbError};
use chrono::Utc;
use serde_json::value::RawValue;
use shared::protocol::FeedEpoch;
use shared::{ChildId, DeviceId, MutationId, UserId};

/// The outcome of recording a mutation id.
pub(crate) enum Claim {
    /// First time: apply it.
    New,
    /// Applied before, with this change number (`None` only for rows written
    /// before numbers were kept).
    Before(Option<i64>),
}

const LAST_SEQ: &str = "SELECT last_seq FROM change_counter WHERE id = 1";

/// The feed's head and identity, read together.
struct FeedHead {
    last_seq: i64,
    epoch: String,
}

impl FromRow for FeedHead {
    fn from_row(row: &Row) -> Result<Self, DbError> {
        Ok(Self {
            last_seq: row.get("last_seq")?,
            epoch: row.get("epoch")?,
        })
    }
}

impl Tx {
    /// Records the mutation id, or reports the change number it was applied
    /// with before. A concurrent claim of the same id waits (PostgreSQL)
    /// until the first commits or rolls back.
    pub(crate) async fn claim_mutation(
        &mut self,
        device_id: DeviceId,
        user_id: Option<UserId>,
        mutation_id: MutationId,
    ) -> Result<Claim, DbError> {
        let claimed = Stmt::new(
            "INSERT INTO applied_mutations (mutation_id, device_id, user_id, applied_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (mutation_id) DO NOTHING",
        )
        .bind(mutation_id)
        .bind(device_id)
        .bind(user_id)
        .bind(Utc::now())
        .execute(&mut *self)
        .await?;
        if claimed == 1 {
            return Ok(Claim::New);
        }
        let seq: Option<i64> =
            Stmt::new("SELECT seq FROM applied_mutations WHERE mutation_id = $1")
                .bind(mutation_id)
                .one(&mut *self)
                .await?;
        Ok(Claim::Before(seq))
    }

    pub(crate) async fn set_mutation_seq(
        &mut self,
        mutation_id: MutationId,
        seq: i64,
    ) -> Result<(), DbError> {
        Stmt::new("UPDATE applied_mutations SET seq = $1 WHERE mutation_id = $2")
            .bind(seq)
            .bind(mutation_id)
            .execute(self)
            .await?;
        Ok(())
    }

    /// The last change number handed out (in this transaction, once it has
    /// taken one or locked the feed).
    pub(crate) async fn last_seq(&mut self) -> Result<i64, DbError> {
        match &self.change_counter {
            Some(counter) => Ok(counter.last),
            None => Stmt::new(LAST_SEQ).one(self).await,
        }
    }

    /// Takes the next change number. The counter row stays locked until
    /// commit (the row lock on PostgreSQL, the database lock on SQLite), so
    /// numbers become visible in order and a pull can never skip a number
    /// that commits later. (A SEQUENCE would hand out numbers that commit
    /// out of order.) The counter is read once per transaction and written
    /// back once, by [`Tx::commit`].
    pub(crate) async fn next_seq(&mut self) -> Result<i64, DbError> {
        let counter = self.change_counter().await?;
        counter.last += 1;
        Ok(counter.last)
    }

    /// The counter as this transaction has it, its row locked at first use.
    pub(super) async fn change_counter(&mut self) -> Result<&mut Counted<()>, DbError> {
        let counter = match self.change_counter.take() {
            Some(counter) => counter,
            None if !self.may_number => return Err(DbError::CountersNotLocked),
            None => Counted::new(Stmt::new(LAST_SEQ).lock_rows().one(&mut *self).await?, ()),
        };
        Ok(self.change_counter.insert(counter))
    }

    /// Writes the counter back if this transaction took numbers (before
    /// commit).
    pub(super) async fn write_change_counter(&mut self) -> Result<(), DbError> {
        let Some(counter) = self.change_counter.take().filter(Counted::moved) else {
            return Ok(());
        };
        Stmt::new("UPDATE change_counter SET last_seq = $1 WHERE id = 1")
            .bind(counter.last)
            .execute(self)
            .await?;
        Ok(())
    }

    pub(crate) async fn insert_change(&mut self, seq: i64, row: &ChangeRow) -> Result<(), DbError> {
        Stmt::new(
            "INSERT INTO changes (seq, kind, record_id, child_id, data) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(seq)
        .bind(row.kind)
        .bind(row.record_id)
        .bind(row.child_id)
        .bind(JsonText(row.data.as_str().into()))
        .execute(self)
        .await?;
        Ok(())
    }

    /// Keeps other writers out until commit.
    pub(crate) async fn lock_feed(&mut self) -> Result<(), DbError> {
        self.change_counter().await?;
        Ok(())
    }
}

/// A change as the feed keeps it, sent on as stored: the server wrote
/// `data` from a checked [`shared::protocol::Record`], so a pull does not decode it and encode
/// it again (that was most of a pull's time). On the wire it is a
/// [`shared::protocol::Change`].
#[derive(Debug, serde::Serialize)]
pub struct FeedChange {
    pub seq: u64,
    pub kind: String,
    /// For the read log; not sent (it is in `data`).
    #[serde(skip)]
    pub child_id: ChildId,
    pub data: Box<RawValue>,
}

impl FeedChange {
    /// The change as the device reads it (for tests and tools; a pull
    /// sends it on undecoded).
    pub fn decode(&self) -> Result<shared::protocol::Change, DbError> {
        let wire = serde_json::to_string(self).map_err(|e| DbError::CorruptChange {
            seq: self.seq as i64,
            reason: format!("{:?} error in {} data", e.classify(), self.kind),
        })?;
        serde_json::from_str(&wire).map_err(|e| DbError::CorruptChange {
            seq: self.seq as i64,
            reason: format!("{:?} error in {} data", e.classify(), self.kind),
        })
    }
}

/// A pull's answer as the server writes it: the changes as stored.
pub type PullBody = shared::protocol::PullResponse<FeedChange>;

/// One page of the change feed.
#[derive(Debug)]
pub struct PullPage {
    pub changes: Vec<FeedChange>,
    pub cursor: u64,
    pub has_more: bool,
    /// The last change number when the page was read.
    pub head: u64,
    /// Changes in scope beyond this page.
    pub remaining: u64,
    pub epoch: FeedEpoch,
}

impl PullPage {
    /// The page as the protocol sends it.
    pub fn into_response(self, scope: Vec<ChildId>) -> PullBody {
        PullBody {
            protocol: shared::protocol::PROTOCOL_VERSION,
            changes: self.changes,
            cursor: self.cursor,
            has_more: self.has_more,
            head: self.head,
            remaining: self.remaining,
            scope,
            epoch: self.epoch,
        }
    }
}

/// Why a pull was refused.
#[derive(Debug, thiserror::Error)]
pub enum PullError {
    /// The device has pulled further than the feed goes: the server's data is
    /// older than the device's (restored from a backup).
    #[error("cursor {since} is ahead of the last change {last}")]
    CursorAhead { since: u64, last: u64 },
    #[error(transparent)]
    Db(#[from] DbError),
}

/// A `changes` row as read.
struct FeedRow {
    seq: i64,
    kind: String,
    child_id: ChildId,
    data: JsonText<'static>,
}

impl FromRow for FeedRow {
    fn from_row(row: &Row) -> Result<Self, DbError> {
        Ok(Self {
            seq: row.get("seq")?,
            kind: row.get("kind")?,
            child_id: row.get("child_id")?,
            data: row.get("data")?,
        })
    }
}

impl FeedRow {
    fn into_change(self) -> Result<FeedChange, DbError> {
        let corrupt = |reason: String| DbError::CorruptChange {
            seq: self.seq,
            reason,
        };
        let seq =
            u64::try_from(self.seq).map_err(|_| corrupt("negative sequence number".into()))?;
        // Only the syntax is checked; serde's message is not kept, as it can
        // quote the value.
        let data = RawValue::from_string(self.data.into_string())
            .map_err(|e| corrupt(format!("{:?} error in {} data", e.classify(), self.kind)))?;
        Ok(FeedChange {
            seq,
            kind: self.kind,
            child_id: self.child_id,
            data,
        })
    }
}

impl Database {
    /// The changes about `children` with a sequence number above `since`, at
    /// most `limit` of them.
    pub async fn pull(
        &self,
        children: &[ChildId],
        since: u64,
        limit: u32,
    ) -> Result<PullPage, PullError> {
        let head: FeedHead = Stmt::new("SELECT last_seq, epoch FROM change_counter WHERE id = 1")
            .one(&self.pool)
            .await?;
        let last = u64::try_from(head.last_seq).unwrap_or_default();
        if since > last {
            return Err(PullError::CursorAhead { since, last });
        }
        let since_i = i64::try_from(since).unwrap_or(i64::MAX);
        let rows: Vec<FeedRow> = if children.is_empty() {
            Vec::new()
        } else {
            Stmt::new(
                "SELECT seq, kind, child_id, data FROM changes \
                 WHERE seq > $1 AND child_id = ANY($2) ORDER BY seq LIMIT $3",
            )
            .bind(since_i)
            .bind(IdList(children))
            .bind(i64::from(limit) + 1)
            .all(&self.pool)
            .await?
        };
        let has_more = rows.len() > limit as usize;
        let changes = rows
            .into_iter()
            .take(limit as usize)
            .map(FeedRow::into_change)
            .collect::<Result<Vec<_>, _>>()?;
        let cursor = changes.last().map_or(since, |c| c.seq);
        let remaining = if has_more {
            let cursor_i = i64::try_from(cursor).unwrap_or(i64::MAX);
            let n: i64 =
                Stmt::new("SELECT COUNT(*) FROM changes WHERE seq > $1 AND child_id = ANY($2)")
                    .bind(cursor_i)
                    .bind(IdList(children))
                    .one(&self.pool)
                    .await?;
            u64::try_from(n).unwrap_or_default()
        } else {
            0
        };
        // A page that ends early (nothing more in scope) moves the cursor to
        // the head, so that the next pull starts there.
        let cursor = if has_more { cursor } else { last.max(cursor) };
        Ok(PullPage {
            changes,
            cursor,
            has_more,
            head: last,
            remaining,
            epoch: FeedEpoch(head.epoch),
        })
    }
}

impl Database {
    /// The feed's identity.
    pub async fn feed_epoch(&self) -> Result<FeedEpoch, DbError> {
        Stmt::new("SELECT epoch FROM change_counter WHERE id = 1")
            .one(&self.pool)
            .await
            .map(FeedEpoch)
    }

    /// Gives the feed a new identity: devices that pull next pull everything
    /// again and send what the server lacks. For a restore from a backup.
    pub async fn new_feed_epoch(&self) -> Result<FeedEpoch, DbError> {
        let epoch = uuid::Uuid::new_v4().simple().to_string();
        Stmt::new("UPDATE change_counter SET epoch = $1 WHERE id = 1")
            .bind(epoch.as_str())
            .execute(&self.pool)
            .await?;
        Ok(FeedEpoch(epoch))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::protocol::{Change, PullResponse, Record};

    #[test]
    fn a_page_sent_as_stored_reads_as_the_protocol_s_pull_response() {
        let child = ChildId::new_random();
        let record = Record::Deleted(shared::protocol::RecordRef {
            kind: shared::protocol::EditableKind::Placement,
            id: uuid::Uuid::new_v4(),
            child_id: child,
        });
        // As the feed stores a record: its data without the kind.
        let wire = serde_json::to_value(&record).expect("record");
        let row = FeedRow {
            seq: 7,
            kind: wire["kind"].as_str().expect("kind").to_owned(),
            child_id: child,
            data: JsonText(wire["data"].to_string().into()),
        };
        let page = PullPage {
            changes: vec![row.into_change().expect("change")],
            cursor: 7,
            has_more: false,
            head: 9,
            remaining: 0,
            epoch: FeedEpoch("e".into()),
        };
        let body = serde_json::to_string(&page.into_response(vec![child])).expect("body");
        let read: PullResponse = serde_json::from_str(&body).expect("protocol");
        assert_eq!(read.changes, vec![Change { seq: 7, record }]);
        assert_eq!((read.cursor, read.head, read.scope), (7, 9, vec![child]));
    }

    #[test]
    fn a_stored_change_that_is_not_json_is_corrupt_and_not_quoted() {
        let row = FeedRow {
            seq: 3,
            kind: "visit".into(),
            child_id: ChildId::new_random(),
            data: JsonText("{\"note\": \"Leo".into()),
        };
        match row.into_change() {
            Err(DbError::CorruptChange { seq: 3, reason }) => assert!(!reason.contains("Leo")),
            other => panic!("{other:?}"),
        }
    }
}
