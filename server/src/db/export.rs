//! Signed visits for the record (akten): a visit with everything the record
//! needs, the period's unfiled visits, and the "förd till akt" mark.
//!
//! The record is read from the change feed, which holds every record whole,
//! as the devices hold it: the child, the placements (with their edits and
//! deletions), the visit and its amendments. The mark is a `visit_filings`
//! row, set once, and a `visit_filed` change for the devices, written in one
//! transaction with its audit entry.

use super::audit::{self, micros, Who};
use super::column::{FromRow, IdList, JsonText, Row};
use super::rows::ChangeRow;
use super::statement::{Stmt, Tx};
use super::{timed, Database, DbError};
use chrono::Utc;
use serde::de::DeserializeOwned;
use shared::audit::AuditAction;
use shared::export::{FiledMark, UnfiledQuery, VisitRecord};
use shared::protocol::Record;
use shared::{Child, ChildId, Placement, UnitId, Visit, VisitAmendment, VisitId};
use std::collections::{BTreeMap, HashSet};
use uuid::Uuid;

/// At most this many visits in one bulk export or filing.
pub const MAX_BULK_VISITS: usize = 500;

/// The audit detail of a filing.
pub const FILED_DETAIL: &str = "visit_filed";

/// What filing a set of visits came to. Nothing is written unless every
/// visit is known and signed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileOutcome {
    /// Each visit's mark, in the order asked, and whether this call set it
    /// (`false`: it was filed before, and the first mark stands).
    Filed(Vec<(FiledMark, bool)>),
    UnknownVisit(VisitId),
    Unsigned(VisitId),
}

/// A `changes` row's record data.
struct FeedData {
    seq: i64,
    kind: String,
    record_id: Uuid,
    data: JsonText<'static>,
}

impl FromRow for FeedData {
    fn from_row(row: &Row) -> Result<Self, DbError> {
        Ok(Self {
            seq: row.get("seq")?,
            kind: row.get("kind")?,
            record_id: row.get("record_id")?,
            data: row.get("data")?,
        })
    }
}

impl FeedData {
    fn decode<T: DeserializeOwned>(&self) -> Result<T, DbError> {
        // serde's message can quote the value: keep the record out of errors.
        serde_json::from_str(&self.data.0).map_err(|e| DbError::CorruptChange {
            seq: self.seq,
            reason: format!("{:?} error in {} data", e.classify(), self.kind),
        })
    }
}

impl FromRow for FiledMark {
    fn from_row(row: &Row) -> Result<Self, DbError> {
        Ok(Self {
            visit_id: row.get("visit_id")?,
            child_id: row.get("child_id")?,
            by: row.get("filed_by")?,
            by_name: row.get("filed_by_name")?,
            at: row.get("filed_at")?,
        })
    }
}

/// The child a visit belongs to, if the visit exists.
async fn child_of(tx: &mut Tx, visit: VisitId) -> Result<Option<ChildId>, DbError> {
    Stmt::new("SELECT child_id FROM visits WHERE id = $1")
        .bind(visit)
        .optional(tx)
        .await
}

/// The last state of one record in the feed.
async fn latest<T: DeserializeOwned>(
    tx: &mut Tx,
    child: ChildId,
    kind: &'static str,
    id: Uuid,
) -> Result<Option<T>, DbError> {
    let row: Option<FeedData> = Stmt::new(
        "SELECT seq, kind, record_id, data FROM changes \
         WHERE child_id = $1 AND kind = $2 AND record_id = $3 ORDER BY seq DESC LIMIT 1",
    )
    .bind(child)
    .bind(kind)
    .bind(id)
    .optional(tx)
    .await?;
    row.map(|r| r.decode()).transpose()
}

/// The child's changes of `kinds`, in feed order.
async fn changes_of(
    tx: &mut Tx,
    child: ChildId,
    kinds: &'static str,
) -> Result<Vec<FeedData>, DbError> {
    // `kinds` is a fixed list written below, never input.
    let sql = match kinds {
        "placement" => {
            "SELECT seq, kind, record_id, data FROM changes \
             WHERE child_id = $1 AND kind IN ('placement', 'deleted') ORDER BY seq"
        }
        _ => {
            "SELECT seq, kind, record_id, data FROM changes \
             WHERE child_id = $1 AND kind = 'visit_amendment' ORDER BY seq"
        }
    };
    Stmt::new(sql).bind(child).all(tx).await
}

/// The placement in force on the visit's day (the latest to start, if
/// several overlap), as last edited; deleted ones are left out.
async fn placement_on(tx: &mut Tx, visit: &Visit) -> Result<Option<Placement>, DbError> {
    let mut placements: BTreeMap<Uuid, Placement> = BTreeMap::new();
    for change in changes_of(tx, visit.child_id, "placement").await? {
        if change.kind == "deleted" {
            placements.remove(&change.record_id);
        } else {
            placements.insert(change.record_id, change.decode()?);
        }
    }
    Ok(placements
        .into_values()
        .filter(|p| p.is_current_on(visit.visit_date))
        .max_by_key(|p| (p.start_date, *p.id.as_uuid())))
}

/// The visit's amendments in the order the server received them.
async fn amendments_of(tx: &mut Tx, visit: &Visit) -> Result<Vec<VisitAmendment>, DbError> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for change in changes_of(tx, visit.child_id, "visit_amendment").await? {
        let amendment: VisitAmendment = change.decode()?;
        if amendment.visit_id == visit.id && seen.insert(amendment.id) {
            out.push(amendment);
        }
    }
    Ok(out)
}

async fn filing_of(tx: &mut Tx, visit: VisitId) -> Result<Option<FiledMark>, DbError> {
    Stmt::new(
        "SELECT visit_id, child_id, filed_by, filed_by_name, filed_at FROM visit_filings \
         WHERE visit_id = $1",
    )
    .bind(visit)
    .optional(tx)
    .await
}

/// The visit as the feed holds it, if it exists.
async fn visit_of(tx: &mut Tx, id: VisitId) -> Result<Option<Visit>, DbError> {
    let Some(child) = child_of(tx, id).await? else {
        return Ok(None);
    };
    latest(tx, child, "visit", *id.as_uuid()).await
}

/// Everything the record needs about one visit.
async fn record_of(tx: &mut Tx, visit: Visit) -> Result<VisitRecord, DbError> {
    let child: Child = latest(tx, visit.child_id, "child", *visit.child_id.as_uuid())
        .await?
        .ok_or_else(|| DbError::CorruptRow {
            table: "changes",
            reason: format!("child {} has no record in the feed", visit.child_id),
        })?;
    // The unit as the accounts hold it: `admin assign` sets it without a
    // change in the feed.
    let unit: Option<UnitId> = Stmt::new("SELECT unit_id FROM children WHERE id = $1")
        .bind(visit.child_id)
        .optional::<Option<UnitId>>(&mut *tx)
        .await?
        .flatten();
    let child = Child {
        unit_id: unit.or(child.unit_id),
        ..child
    };
    let placement = placement_on(tx, &visit).await?;
    let amendments = amendments_of(tx, &visit).await?;
    let filed = filing_of(tx, visit.id).await?;
    Ok(VisitRecord::new(child, placement, visit, amendments, filed))
}

impl Database {
    /// The child a visit belongs to, if the visit exists.
    pub async fn child_of_visit(&self, visit: VisitId) -> Result<Option<ChildId>, DbError> {
        Stmt::new("SELECT child_id FROM visits WHERE id = $1")
            .bind(visit)
            .optional(&self.pool)
            .await
    }

    /// The visit with everything the record needs, if it exists (signed or
    /// not: the caller decides).
    pub async fn visit_record(&self, visit: VisitId) -> Result<Option<VisitRecord>, DbError> {
        timed(async {
            let mut tx = self.pool.begin_snapshot().await?;
            let record = match visit_of(&mut tx, visit).await? {
                Some(v) => Some(record_of(&mut tx, v).await?),
                None => None,
            };
            tx.rollback().await?;
            Ok(record)
        })
        .await
    }

    /// The signed visits of `query`'s period (both days included) not yet
    /// filed, of `children` only, for the query's worker (who signed them)
    /// or unit (the child's), by visit date. At most [`MAX_BULK_VISITS`] +
    /// 1, so that the caller can tell there were too many.
    pub async fn unfiled_records(
        &self,
        query: &UnfiledQuery,
        children: &[ChildId],
    ) -> Result<Vec<VisitRecord>, DbError> {
        if children.is_empty() {
            return Ok(Vec::new());
        }
        timed(async {
            let mut tx = self.pool.begin_snapshot().await?;
            let ids: Vec<VisitId> = Stmt::new(
                "SELECT v.id FROM visits v JOIN children c ON c.id = v.child_id \
                 WHERE v.signed_by IS NOT NULL AND v.visit_date >= $1 AND v.visit_date <= $2 \
                 AND ($3 IS NULL OR v.signed_by = $3) AND ($4 IS NULL OR c.unit_id = $4) \
                 AND v.child_id = ANY($5) \
                 AND NOT EXISTS (SELECT 1 FROM visit_filings f WHERE f.visit_id = v.id) \
                 ORDER BY v.visit_date, v.id LIMIT $6",
            )
            .bind(query.from)
            .bind(query.to)
            .bind(query.worker)
            .bind(query.unit)
            .bind(IdList(children))
            .bind(i64::try_from(MAX_BULK_VISITS + 1).unwrap_or(i64::MAX))
            .all(&mut tx)
            .await?;
            let mut records = Vec::with_capacity(ids.len());
            for id in ids {
                if let Some(visit) = visit_of(&mut tx, id).await? {
                    records.push(record_of(&mut tx, visit).await?);
                }
            }
            tx.rollback().await?;
            Ok(records)
        })
        .await
    }

    /// Marks `visits` filed by `by`, all or none: each once (filing again
    /// keeps the first mark and writes nothing), each new mark with its
    /// `visit_filed` change and its audit entry, in one transaction. Whether
    /// `by` may file them is checked before (`crate::access`).
    pub async fn file_visits(&self, visits: &[VisitId], by: &Who) -> Result<FileOutcome, DbError> {
        timed(async {
            let mut tx = self.pool.begin_write().await?;
            let mut out = Vec::with_capacity(visits.len());
            for &id in visits {
                let Some(visit) = visit_of(&mut tx, id).await? else {
                    tx.rollback().await?;
                    return Ok(FileOutcome::UnknownVisit(id));
                };
                if visit.signed_by.is_none() {
                    tx.rollback().await?;
                    return Ok(FileOutcome::Unsigned(id));
                }
                let mark = FiledMark {
                    visit_id: id,
                    child_id: visit.child_id,
                    by: by.user_id,
                    by_name: by.name.clone(),
                    at: micros(Utc::now()),
                };
                if tx.insert_filing(&mark).await? {
                    let record = Record::VisitFiled(mark.clone());
                    let seq = tx.next_seq().await?;
                    tx.insert_change(seq, &ChangeRow::of(&record)?).await?;
                    let entry = by.entry(
                        visit.child_id,
                        AuditAction::Write,
                        &format!("{FILED_DETAIL}:{id}"),
                    );
                    audit::append(&mut tx, &[entry]).await?;
                    out.push((mark, true));
                } else {
                    let first =
                        filing_of(&mut tx, id)
                            .await?
                            .ok_or_else(|| DbError::CorruptRow {
                                table: "visit_filings",
                                reason: format!("visit {id} was filed and is not"),
                            })?;
                    out.push((first, false));
                }
            }
            tx.commit().await?;
            Ok(FileOutcome::Filed(out))
        })
        .await
    }
}
