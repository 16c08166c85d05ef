//! What each mutation does, decided once for both backends: the checks, the
//! field merge and the change-feed writes, inside a write transaction
//! ([`Tx`]) that `writer.rs` shares among concurrent pushes, each mutation
//! behind its own savepoint. The statements are in `records.rs` and `feed.rs`.
//!
//! A mutation is applied exactly once: its id goes into `applied_mutations`
//! (`ON CONFLICT DO NOTHING`) in the same transaction as its effects, and
//! change numbers come from the `change_counter` row, locked by that
//! transaction until it commits. A rejected mutation rolls back to its
//! savepoint, its id included, so a retry is judged afresh.

use super::audit::{self, Who};
use super::feed::Claim;
use super::rows::{ChangeRow, StoredPlacement};
use super::statement::Tx;
use super::DbError;
use serde::de::DeserializeOwned;
use serde::Serialize;
use shared::audit::AuditAction;
use shared::checklist::{builtin_templates, ChecklistTemplate, ChecklistTick, TemplateVersion};
use shared::merge::{merge, FieldChange, FieldConflict, Merged};
use shared::protocol::{
    Conflict, ConflictChoice, EditableKind, Mutation, MutationStatus, Operation, Record,
    RecordPatch, RecordRef, Resolution,
};
use shared::{
    ChildId, ConflictId, DeviceId, ErrorCode, MutationId, Placement, PlacementClosing, PlacementId,
    UserId, Visit, VisitAmendment, VisitorName, VisitorRole,
};
use std::collections::BTreeMap;

/// Why a mutation was not applied: refused (the device is told), or the
/// database failed (the whole push fails and is retried).
enum Refusal {
    Rejected { code: ErrorCode, message: String },
    Db(DbError),
}

impl From<DbError> for Refusal {
    fn from(err: DbError) -> Self {
        Self::Db(err)
    }
}

fn reject(code: ErrorCode, message: impl Into<String>) -> Refusal {
    Refusal::Rejected {
        code,
        message: message.into(),
    }
}

/// Who made the change, for the conflicts it may open and the records it
/// signs.
#[derive(Clone, Copy)]
struct Origin<'w> {
    device_id: DeviceId,
    mutation_id: MutationId,
    /// The signed-in user who sent it (`None` only for the server's own writes).
    user_id: Option<UserId>,
    who: Option<&'w Who>,
}

impl Origin<'_> {
    /// The name a record signed by the sender carries: their account's, not
    /// what the device wrote (`None` for the server's own writes, which keep
    /// theirs).
    fn signer_name(&self) -> Result<Option<VisitorName>, Refusal> {
        let Some(who) = self.who else {
            return Ok(None);
        };
        VisitorName::parse(&who.name).map(Some).map_err(|_| {
            reject(
                ErrorCode::ValidationFailed,
                "the signed-in user's account has no name that can sign a record",
            )
        })
    }
}

fn to_u64(seq: i64) -> u64 {
    u64::try_from(seq).unwrap_or_default()
}

/// What [`apply_mutation`] did: the device's answer, and whether the
/// writes made for it in the transaction are to be kept (a rejection and a
/// mutation seen before keep nothing; the caller rolls them back).
pub(crate) struct Handled {
    pub(crate) status: MutationStatus,
    pub(crate) keep: bool,
}

/// Applies one mutation in `tx`, which the caller commits (see
/// `writer.rs`): with [`Handled::keep`] false, or an error, it rolls back
/// what this call wrote.
///
/// `Applied { seq }` carries the number of the last change the mutation
/// wrote. A mutation that applies but changes nothing (an edit that was
/// already made, a deletion of a deleted record, a choice in a conflict
/// that was already resolved) writes no change and carries the feed's last
/// number at that moment: a device that has pulled up to it sees the effect.
pub(crate) async fn apply_mutation(
    tx: &mut Tx,
    device_id: DeviceId,
    who: Option<&Who>,
    mutation: &Mutation,
) -> Result<Handled, DbError> {
    // A concurrent push of the same id (from another instance) blocks here
    // (PostgreSQL) until the first commits (then this claims nothing) or
    // rolls back. A retry gets the answer the first push got.
    let user_id = who.map(|w| w.user_id);
    if let Claim::Before(seq) = tx.claim_mutation(device_id, user_id, mutation.id).await? {
        return Ok(Handled {
            status: MutationStatus::Applied {
                seq: seq.map_or(0, to_u64),
            },
            keep: false,
        });
    }
    let origin = Origin {
        device_id,
        mutation_id: mutation.id,
        user_id,
        who,
    };
    match apply_operation(tx, origin, &mutation.operation).await {
        Ok(seq) => {
            tx.set_mutation_seq(mutation.id, seq).await?;
            if let Some(who) = who {
                let entry = who.entry(
                    mutation.operation.child_id(),
                    AuditAction::Write,
                    mutation.operation.name(),
                );
                audit::append(tx, &[entry]).await?;
            }
            Ok(Handled {
                status: MutationStatus::Applied { seq: to_u64(seq) },
                keep: true,
            })
        }
        Err(Refusal::Rejected { code, message }) => Ok(Handled {
            status: MutationStatus::Rejected { code, message },
            keep: false,
        }),
        Err(Refusal::Db(err)) => Err(err),
    }
}

async fn apply_operation(
    tx: &mut Tx,
    origin: Origin<'_>,
    operation: &Operation,
) -> Result<i64, Refusal> {
    match operation {
        Operation::CreateVisit(visit) => create_visit(tx, origin, visit).await,
        Operation::AmendVisit(amendment) => amend_visit(tx, origin, amendment).await,
        Operation::CreatePlacement(placement) => create_placement(tx, placement).await,
        Operation::PatchRecord(patch) => patch_record(tx, origin, patch).await,
        Operation::DeleteRecord(target) => delete_record(tx, target).await,
        Operation::ResolveConflict(choice) => resolve_conflict(tx, origin, choice).await,
        Operation::ClosePlacement(closing) => close_placement(tx, origin, closing).await,
        Operation::TickChecklist(tick) => tick_checklist(tx, origin, tick).await,
        Operation::LeaveMessage(message) => leave_message(tx, origin, message).await,
        Operation::ReportDeviation(report) => report_deviation(tx, origin, report).await,
    }
}

/// A deviation reported on the tablet (docs/deviations.md). Not in the
/// change feed: the mutation carries the feed's last number. Its audit
/// entry (about its child, if any) is the mutation's.
async fn report_deviation(
    tx: &mut Tx,
    origin: Origin<'_>,
    report: &shared::deviations::DeviationReport,
) -> Result<i64, Refusal> {
    use super::deviations::ReportRefused;
    let checked = report
        .checked()
        .map_err(|e| reject(ErrorCode::ValidationFailed, e.to_string()))?;
    let Some(by) = origin.user_id else {
        return Err(reject(
            ErrorCode::ValidationFailed,
            "a deviation is reported by a signed-in user",
        ));
    };
    match tx
        .insert_deviation(&checked, by, chrono::Utc::now())
        .await?
    {
        Ok(()) => Ok(tx.last_seq().await?),
        Err(ReportRefused::Taken) => Err(reject(
            ErrorCode::IdConflict,
            format!("deviation {} is already on the server", report.id),
        )),
        Err(refused) => Err(reject(ErrorCode::ValidationFailed, refused.message())),
    }
}

/// A child's message from the tablet enters the register of complaints,
/// in no unit and linked to no child; it is not in the change feed (no
/// device holds it), so the mutation carries the feed's last number.
async fn leave_message(
    tx: &mut Tx,
    origin: Origin<'_>,
    message: &shared::complaints::TabletMessage,
) -> Result<i64, Refusal> {
    let checked = message
        .message()
        .map_err(|e| reject(ErrorCode::ValidationFailed, e.to_string()))?;
    if !message.has_hash_shape() {
        return Err(reject(
            ErrorCode::ValidationFailed,
            "`code_hash` is the SHA-256 of the receipt code in lower-case hex",
        ));
    }
    let now = chrono::Utc::now();
    // The day the child left it, by the tablet's clock, but never after
    // the server's today.
    let received_on = shared::sweden::date_at(message.recorded_at.min(now));
    if !tx
        .insert_tablet_message(message, &checked, received_on, origin.user_id, now)
        .await?
    {
        return Err(reject(
            ErrorCode::IdConflict,
            format!(
                "message {} or its receipt code is already on the server",
                message.id
            ),
        ));
    }
    Ok(tx.last_seq().await?)
}

/// A signed record names its signer; only the signed-in user may sign.
fn require_signer(origin: Origin<'_>, signer: UserId) -> Result<(), Refusal> {
    match origin.user_id {
        Some(sender) if sender != signer => Err(reject(
            ErrorCode::ValidationFailed,
            "a record is signed by whoever records it: the signer must be the signed-in user",
        )),
        _ => Ok(()),
    }
}

/// The live placement `id` of `child`, or why not.
async fn live_placement(
    tx: &mut Tx,
    id: PlacementId,
    child: ChildId,
) -> Result<Placement, Refusal> {
    match tx.placement_for_update(id).await? {
        Some(stored) if !stored.deleted && stored.placement.child_id == child => {
            Ok(stored.placement)
        }
        _ => Err(reject(
            ErrorCode::UnknownRecord,
            format!("placement {id} of child {child} does not exist on the server"),
        )),
    }
}

/// Ends a placement: the closing is stored once, and the placement's end
/// date follows it.
async fn close_placement(
    tx: &mut Tx,
    origin: Origin<'_>,
    closing: &PlacementClosing,
) -> Result<i64, Refusal> {
    require_signer(origin, closing.signed_by)?;
    let mut closing = closing.clone();
    if let Some(name) = origin.signer_name()? {
        closing.signed_by_name = name;
    }
    let closing = &closing;
    let placement = live_placement(tx, closing.placement_id, closing.child_id).await?;
    closing
        .check(&placement)
        .map_err(|e| reject(ErrorCode::ValidationFailed, e.to_string()))?;
    if tx.placement_closed(placement.id).await? {
        return Err(reject(
            ErrorCode::ValidationFailed,
            format!("placement {} is already closed", placement.id),
        ));
    }
    if !tx.insert_closing(closing, Some(origin.mutation_id)).await? {
        return Err(reject(
            ErrorCode::IdConflict,
            format!("closing {} already exists", closing.id),
        ));
    }
    let mut seq = append(tx, &Record::PlacementClosing(closing.clone())).await?;
    if placement.end_date != Some(closing.end_date) {
        let ended = Placement {
            end_date: Some(closing.end_date),
            ..placement
        };
        tx.update_placement(&ended).await?;
        seq = append(tx, &Record::Placement(ended)).await?;
    }
    Ok(seq)
}

/// The template version a tick names: built in, or published by a manager.
async fn template(
    tx: &mut Tx,
    version: TemplateVersion,
) -> Result<Option<ChecklistTemplate>, DbError> {
    if let Some(builtin) = builtin_templates().into_iter().find(|t| t.id == version) {
        return Ok(Some(builtin));
    }
    tx.published_template(version).await
}

async fn tick_checklist(
    tx: &mut Tx,
    origin: Origin<'_>,
    tick: &ChecklistTick,
) -> Result<i64, Refusal> {
    require_signer(origin, tick.by)?;
    let placement = live_placement(tx, tick.placement_id, tick.child_id).await?;
    let known = template(tx, tick.template).await?.filter(|t| {
        t.id.kind == placement.kind && t.items.iter().any(|item| item.key == tick.item_key)
    });
    if known.is_none() {
        return Err(reject(
            ErrorCode::ValidationFailed,
            "the item is not in a checklist template of this placement's type",
        ));
    }
    if !tx.insert_tick(tick, Some(origin.mutation_id)).await? {
        return Err(reject(
            ErrorCode::IdConflict,
            format!("tick {} already exists", tick.id),
        ));
    }
    Ok(append(tx, &Record::ChecklistTick(tick.clone())).await?)
}

/// Numbers `record` and appends it to the change feed.
async fn append(tx: &mut Tx, record: &Record) -> Result<i64, DbError> {
    let row = ChangeRow::of(record)?;
    let seq = tx.next_seq().await?;
    tx.insert_change(seq, &row).await?;
    Ok(seq)
}

async fn require_child(tx: &mut Tx, child_id: ChildId) -> Result<(), Refusal> {
    if tx.child_exists(child_id).await? {
        Ok(())
    } else {
        Err(reject(
            ErrorCode::UnknownChild,
            format!("child {child_id} does not exist on the server"),
        ))
    }
}

async fn create_visit(tx: &mut Tx, origin: Origin<'_>, visit: &Visit) -> Result<i64, Refusal> {
    visit
        .check_consistent()
        .map_err(|e| reject(ErrorCode::ValidationFailed, e.to_string()))?;
    let mut visit = visit.clone();
    // Every visit names its signer: whoever records it. One that names
    // nobody (an older app's) is signed by the sender.
    if let Some(sender) = origin.user_id {
        match visit.signed_by {
            Some(signer) if signer != sender => return Err(reject(
                ErrorCode::ValidationFailed,
                "`signed_by` must be the signed-in user: a visit is signed by whoever records it",
            )),
            _ => visit.signed_by = Some(sender),
        }
    }
    if let (Some(name), Some(who)) = (origin.signer_name()?, origin.who) {
        visit.visitor = name;
        visit.visitor_role = VisitorRole::of(who.role);
    }
    let visit = &visit;
    require_child(tx, visit.child_id).await?;
    if !tx.insert_visit(visit, Some(origin.mutation_id)).await? {
        return Err(reject(
            ErrorCode::IdConflict,
            format!("visit {} already exists", visit.id),
        ));
    }
    Ok(append(tx, &Record::Visit(visit.clone())).await?)
}

async fn amend_visit(
    tx: &mut Tx,
    origin: Origin<'_>,
    amendment: &VisitAmendment,
) -> Result<i64, Refusal> {
    let mut amendment = amendment.clone();
    if let Some(name) = origin.signer_name()? {
        amendment.author = name;
        amendment.author_id = origin.user_id;
    }
    let amendment = &amendment;
    if tx.visit_child(amendment.visit_id).await? != Some(amendment.child_id) {
        return Err(reject(
            ErrorCode::UnknownRecord,
            format!(
                "visit {} of child {} does not exist on the server",
                amendment.visit_id, amendment.child_id
            ),
        ));
    }
    if !tx
        .insert_amendment(amendment, Some(origin.mutation_id))
        .await?
    {
        return Err(reject(
            ErrorCode::IdConflict,
            format!("amendment {} already exists", amendment.id),
        ));
    }
    Ok(append(tx, &Record::VisitAmendment(amendment.clone())).await?)
}

async fn create_placement(tx: &mut Tx, placement: &Placement) -> Result<i64, Refusal> {
    if placement.end_date.is_some() {
        return Err(reject(
            ErrorCode::ValidationFailed,
            "a new placement has no end date: it ends with a signed closing",
        ));
    }
    require_child(tx, placement.child_id).await?;
    require_home(tx, placement).await?;
    if !tx.insert_placement(placement).await? {
        return Err(reject(
            ErrorCode::IdConflict,
            format!("placement {} already exists", placement.id),
        ));
    }
    Ok(append(tx, &Record::Placement(placement.clone())).await?)
}

/// A placement's home, when it names one, is in the register and held by
/// the child's unit.
async fn require_home(tx: &mut Tx, placement: &Placement) -> Result<(), Refusal> {
    let Some(home) = placement.home_id else {
        return Ok(());
    };
    let home_unit = tx.home_unit(home).await?;
    let child_unit = tx.child_unit(placement.child_id).await?;
    match (home_unit, child_unit) {
        (Some(h), Some(c)) if h != c => Err(reject(
            ErrorCode::ValidationFailed,
            format!("home {home} is not in the child's unit"),
        )),
        (Some(_), _) => Ok(()),
        (None, _) => Err(reject(
            ErrorCode::ValidationFailed,
            format!("home {home} is not in the register"),
        )),
    }
}

/// The editable record `target` names, locked. Unknown, or of another
/// child: `unknown_record`. Deleted: `record_deleted` unless `allow_deleted`.
async fn load_editable(
    tx: &mut Tx,
    target: &RecordRef,
    allow_deleted: bool,
) -> Result<StoredPlacement, Refusal> {
    let stored = match target.kind {
        EditableKind::Placement => {
            tx.placement_for_update(PlacementId::from_uuid(target.id))
                .await?
        }
    };
    let Some(stored) = stored.filter(|s| s.placement.child_id == target.child_id) else {
        return Err(reject(
            ErrorCode::UnknownRecord,
            format!(
                "placement {} of child {} does not exist on the server",
                target.id, target.child_id
            ),
        ));
    };
    if stored.deleted && !allow_deleted {
        return Err(reject(
            ErrorCode::RecordDeleted,
            format!("placement {} was deleted", target.id),
        ));
    }
    if tx.placement_closed(stored.placement.id).await? {
        return Err(reject(
            ErrorCode::PlacementClosed,
            format!(
                "placement {} is closed: its signed closing is final",
                target.id
            ),
        ));
    }
    Ok(stored)
}

/// Merges `patch` into `current` field by field (see [`shared::merge`]).
/// Every value the patch sets must fit its field, also one that ends up in a
/// conflict: a person may choose it later.
fn merge_record<R: Serialize + DeserializeOwned>(
    current: &R,
    patch: &BTreeMap<String, FieldChange>,
    editable: &[&str],
) -> Result<(R, Merged), Refusal> {
    let current =
        serde_json::to_value(current).map_err(|e| Refusal::Db(DbError::Encode(e.classify())))?;
    let merged = merge(&current, patch, editable)
        .map_err(|e| reject(ErrorCode::ValidationFailed, e.to_string()))?;
    let mut wanted = current;
    if let Some(fields) = wanted.as_object_mut() {
        for (field, change) in patch {
            fields.insert(field.clone(), change.to.clone());
        }
    }
    let invalid = |e: serde_json::Error| {
        reject(
            ErrorCode::ValidationFailed,
            format!("the new values do not fit the record: {e}"),
        )
    };
    R::deserialize(&wanted).map_err(invalid)?;
    let record = R::deserialize(&merged.record).map_err(invalid)?;
    Ok((record, merged))
}

async fn save_placement(tx: &mut Tx, placement: Placement) -> Result<i64, DbError> {
    tx.update_placement(&placement).await?;
    append(tx, &Record::Placement(placement)).await
}

/// Sends a record again unchanged. A device that edited it showed its own
/// value at once, and may have settled that edit into its copy of the
/// server's records; when the edit did not apply (it ended in a conflict),
/// this replaces the device's copy with the server's on its next pull.
async fn resend(tx: &mut Tx, placement: Placement) -> Result<i64, DbError> {
    append(tx, &Record::Placement(placement)).await
}

/// Keeps a value that lost a race in a new conflict, for a person to choose.
async fn open_conflict(
    tx: &mut Tx,
    origin: Origin<'_>,
    target: RecordRef,
    lost: FieldConflict,
) -> Result<i64, DbError> {
    let conflict = Conflict {
        id: ConflictId::new_random(),
        target,
        field: lost.field,
        server_value: lost.server_value,
        device_value: lost.device_value,
        device_id: origin.device_id,
        mutation_id: origin.mutation_id,
        resolution: None,
    };
    tx.insert_conflict(&conflict).await?;
    append(tx, &Record::Conflict(conflict)).await
}

async fn patch_record(
    tx: &mut Tx,
    origin: Origin<'_>,
    patch: &RecordPatch,
) -> Result<i64, Refusal> {
    let stored = load_editable(tx, &patch.target, false).await?;
    let (record, merged) = merge_record(
        &stored.placement,
        &patch.fields,
        patch.target.kind.editable_fields(),
    )?;
    if record.home_id != stored.placement.home_id {
        require_home(tx, &record).await?;
    }
    let mut last = None;
    if merged.changed {
        last = Some(save_placement(tx, record).await?);
    } else if !merged.conflicts.is_empty() {
        last = Some(resend(tx, record).await?);
    }
    for lost in merged.conflicts {
        last = Some(open_conflict(tx, origin, patch.target, lost).await?);
    }
    match last {
        Some(seq) => Ok(seq),
        None => Ok(tx.last_seq().await?),
    }
}

async fn delete_record(tx: &mut Tx, target: &RecordRef) -> Result<i64, Refusal> {
    let stored = load_editable(tx, target, true).await?;
    if stored.deleted {
        return Ok(tx.last_seq().await?);
    }
    tx.delete_placement(stored.placement.id).await?;
    Ok(append(tx, &Record::Deleted(*target)).await?)
}

/// A person's choice in a conflict: the chosen value is merged like a
/// one-field patch from `choice.from`. The conflict is resolved either way;
/// if the field changed again since the person looked, their value goes into
/// a new conflict instead of overwriting that change. A conflict resolved
/// before keeps its first resolution.
async fn resolve_conflict(
    tx: &mut Tx,
    origin: Origin<'_>,
    choice: &ConflictChoice,
) -> Result<i64, Refusal> {
    let Some(mut conflict) = tx
        .conflict_for_update(choice.conflict_id)
        .await?
        .filter(|c| c.target.child_id == choice.child_id)
    else {
        return Err(reject(
            ErrorCode::UnknownRecord,
            format!(
                "conflict {} of child {} does not exist on the server",
                choice.conflict_id, choice.child_id
            ),
        ));
    };
    if conflict.resolution.is_some() {
        return Ok(tx.last_seq().await?);
    }
    let stored = load_editable(tx, &conflict.target, false).await?;
    let patch = BTreeMap::from([(
        conflict.field.clone(),
        FieldChange {
            from: choice.from.clone(),
            to: choice.value.clone(),
        },
    )]);
    let (record, merged) = merge_record(
        &stored.placement,
        &patch,
        conflict.target.kind.editable_fields(),
    )?;
    // In feed order: the record, then the resolved conflict, then the new
    // conflict if the choice lost a race in its turn.
    if merged.changed {
        save_placement(tx, record).await?;
    } else {
        resend(tx, record).await?;
    }
    tx.resolve_conflict(conflict.id, &choice.value).await?;
    conflict.resolution = Some(Resolution {
        value: choice.value.clone(),
    });
    let target = conflict.target;
    let mut last = append(tx, &Record::Conflict(conflict)).await?;
    for lost in merged.conflicts {
        last = open_conflict(tx, origin, target, lost).await?;
    }
    Ok(last)
}

/// Writes records and their changes in one transaction (demo data, tests).
/// With `only_if_empty`, writes nothing and returns `None` when a child exists.
pub(crate) async fn insert_records(
    mut tx: Tx,
    records: &[Record],
    only_if_empty: bool,
) -> Result<Option<Vec<u64>>, DbError> {
    if only_if_empty {
        // Locked first, so that two servers seeding at once cannot both see
        // an empty table.
        tx.lock_feed().await?;
        if tx.count_children().await? > 0 {
            tx.rollback().await?;
            return Ok(None);
        }
    }
    let mut seqs = Vec::with_capacity(records.len());
    for record in records {
        let inserted = match record {
            Record::Child(c) => tx.insert_child(c).await?,
            Record::Placement(p) => tx.insert_placement(p).await?,
            Record::Visit(v) => tx.insert_visit(v, None).await?,
            Record::VisitAmendment(a) => tx.insert_amendment(a, None).await?,
            Record::Conflict(c) => {
                tx.insert_conflict(c).await?;
                true
            }
            Record::Deleted(r) => {
                tx.delete_placement(PlacementId::from_uuid(r.id)).await?;
                true
            }
            Record::PlacementClosing(c) => tx.insert_closing(c, None).await?,
            Record::ChecklistTick(t) => tx.insert_tick(t, None).await?,
            Record::VisitFiled(f) => tx.insert_filing(f).await?,
        };
        if !inserted {
            let row = ChangeRow::of(record)?;
            return Err(DbError::DuplicateId {
                kind: row.kind,
                id: row.record_id,
            });
        }
        seqs.push(to_u64(append(&mut tx, record).await?));
    }
    tx.commit().await?;
    Ok(Some(seqs))
}
