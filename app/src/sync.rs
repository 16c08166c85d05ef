//! One sync round: push the outbox, then pull what changed on the server.
//! Generic over the local store and the transport so it runs natively in tests
//! and over IndexedDB and `fetch` in the browser.

use crate::feed::{PulledPage, UnknownChange};
use crate::outbox::{journal_cutoff, to_resend, JournalEntry};
use crate::stored::record_key;
use shared::audit::{LocalRead, MAX_READS_PER_PUSH};
use shared::protocol::{
    Change, FeedEpoch, Mutation, PushRequest, PushResponse, DEFAULT_PULL_LIMIT,
    MAX_MUTATIONS_PER_PUSH, MAX_PULL_LIMIT, MAX_REQUEST_BYTES, PROTOCOL_VERSION,
};
use shared::{ChildId, DeviceId, ErrorCode, MutationId};
use std::collections::BTreeSet;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("lokal lagring: {0}")]
pub struct StoreError(pub String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    /// The server could not be reached (no network, server down, timed out).
    #[error("servern kunde inte nås")]
    Unreachable,
    /// The server answered with an error.
    #[error("servern svarade {status}")]
    Server {
        status: u16,
        code: Option<ErrorCode>,
    },
    /// The answer could not be read.
    #[error("oväntat svar från servern: {0}")]
    Decode(String),
}

/// The device's store, as the sync round needs it.
#[expect(
    async_fn_in_trait,
    reason = "used on one thread, in the browser and in tests"
)]
pub trait LocalStore {
    /// The pending mutations, oldest first.
    async fn outbox(&self) -> Result<Vec<Mutation>, StoreError>;
    /// Removes mutations the server has applied (as the round read them from
    /// the outbox), leaving their effect on the device's copy of the
    /// server's records until the pull replaces it ([`crate::outbox`]), and
    /// adds them to the journal, in the same write.
    async fn settle(&self, settled: &[Mutation]) -> Result<(), StoreError>;
    /// Moves mutations the server refused out of the outbox into the list of
    /// refused changes the user is shown. Their local effect disappears.
    async fn reject(&self, refused: &[(Mutation, ErrorCode)]) -> Result<(), StoreError>;
    /// The change sequence number up to which the device has pulled.
    async fn cursor(&self) -> Result<u64, StoreError>;
    /// Stores pulled changes and the new cursor together, atomically.
    async fn apply_pulled(&self, changes: &[Change], cursor: u64) -> Result<(), StoreError>;
    /// Gets ready to store `changes` (a store that seals them does it here),
    /// while the page before them is still being stored. Only a head start:
    /// [`Self::apply_pulled`] stores exactly what it is given either way.
    async fn prepare_pulled(&self, changes: &[Change]) -> Result<(), StoreError> {
        let _ = changes;
        Ok(())
    }
    /// The children whose whole history the device holds.
    async fn held_children(&self) -> Result<BTreeSet<ChildId>, StoreError>;
    /// Records that the device holds the whole history of `children`.
    async fn hold_children(&self, children: &[ChildId]) -> Result<(), StoreError>;
    /// Stores one page of `child`'s history (the cursor stays); with
    /// `complete`, also records that the device now holds all of it.
    async fn apply_history(
        &self,
        child: ChildId,
        changes: &[Change],
        complete: bool,
    ) -> Result<(), StoreError>;
    /// Removes every stored record of `child` (the user may no longer see
    /// the child). Called only when no pending, refused or draft change is
    /// about the child.
    async fn forget_child(&self, child: ChildId) -> Result<(), StoreError>;
    /// The children a draft or a refused change is about: work the user has
    /// not yet sent again, printed or dismissed.
    async fn children_with_kept_work(&self) -> Result<BTreeSet<ChildId>, StoreError>;
    /// Reads the device logged from its own store, not yet on the server.
    async fn pending_reads(&self) -> Result<Vec<LocalRead>, StoreError>;
    /// Removes logged reads the server holds.
    async fn settle_reads(&self, ids: &[uuid::Uuid]) -> Result<(), StoreError>;
    /// The feed epoch the cursor belongs to (none before the first full pull).
    async fn feed_epoch(&self) -> Result<Option<FeedEpoch>, StoreError>;
    /// Ends a pull of everything from 0 under `epoch`: removes every record
    /// and kept unknown change whose key is not in `brought`, and stores
    /// `epoch` as the cursor's, in one write. Returns how many were removed.
    async fn adopt_epoch(
        &self,
        epoch: &FeedEpoch,
        brought: &BTreeSet<String>,
    ) -> Result<usize, StoreError>;
    /// Keeps changes of kinds this build does not read, sealed, by
    /// [`UnknownChange::key`].
    async fn keep_unknown(&self, unknown: &[UnknownChange]) -> Result<(), StoreError>;
    /// The mutations the server settled, in the order they were settled.
    async fn journal(&self) -> Result<Vec<JournalEntry>, StoreError>;
    /// Removes entries from the journal.
    async fn prune_journal(&self, ids: &[MutationId]) -> Result<(), StoreError>;
    /// Removes changes from the refused list (sent again, and applied).
    async fn forget_refused(&self, ids: &[MutationId]) -> Result<(), StoreError>;
    /// Removes the journal entries settled before `cutoff` (without opening them).
    async fn prune_journal_before(
        &self,
        cutoff: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), StoreError>;
}

#[expect(
    async_fn_in_trait,
    reason = "used on one thread, in the browser and in tests"
)]
pub trait Transport {
    async fn push(&self, request: &PushRequest) -> Result<PushResponse, TransportError>;
    /// The feed of the user's children above `since`; with `child`, only
    /// that child's changes.
    async fn pull(
        &self,
        since: u64,
        limit: u32,
        child: Option<ChildId>,
    ) -> Result<PulledPage, TransportError>;
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Transport(#[from] TransportError),
}

impl SyncError {
    /// Whether the failure means "no connection", as opposed to an error.
    pub fn is_unreachable(&self) -> bool {
        matches!(self, Self::Transport(TransportError::Unreachable))
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct SyncReport {
    /// Mutations the server holds now (applied now or earlier).
    pub pushed: usize,
    /// Mutations the server refused; moved to the refused list.
    pub rejected: Vec<(MutationId, ErrorCode)>,
    /// Changes received.
    pub pulled: usize,
    /// Children new on the device, whose history was pulled.
    pub arrived: Vec<ChildId>,
    /// Children the user no longer sees, whose records left the device.
    pub left: Vec<ChildId>,
    /// Children the user no longer sees, kept on the device while a draft
    /// or a refused change about them waits for the user.
    pub held_back: Vec<ChildId>,
    /// Reads from the device's store now in the server's audit log.
    pub reads_logged: usize,
    /// The server's feed was another than the one the device followed (it
    /// was restored from a backup): everything was pulled again.
    pub feed_changed: bool,
    /// Settled mutations sent again from the journal after that.
    pub resent: usize,
    /// Records removed because the server no longer has them.
    pub dropped: usize,
    /// Changes of kinds this build does not read, kept for a later version.
    pub unknown_kept: usize,
    /// The mutations this round settled.
    pub settled_now: BTreeSet<MutationId>,
    /// The outbox's mutations this round moved to the refused list.
    pub refused_now: Vec<(Mutation, ErrorCode)>,
}

/// The most bytes of mutations one push carries, below the server's limit.
const MAX_BATCH_BYTES: usize = MAX_REQUEST_BYTES * 3 / 4;

/// Splits the outbox into pushes of at most [`MAX_MUTATIONS_PER_PUSH`]
/// mutations and [`MAX_BATCH_BYTES`] bytes, in order.
fn batches(outbox: &[Mutation]) -> Vec<&[Mutation]> {
    let mut out = Vec::new();
    let (mut start, mut bytes) = (0, 0);
    for (i, m) in outbox.iter().enumerate() {
        let size = serde_json::to_vec(m).map_or(0, |v| v.len());
        if i > start && (i - start == MAX_MUTATIONS_PER_PUSH || bytes + size > MAX_BATCH_BYTES) {
            out.push(&outbox[start..i]);
            start = i;
            bytes = 0;
        }
        bytes += size;
    }
    if start < outbox.len() {
        out.push(&outbox[start..]);
    }
    out
}

/// Whether a whole push was refused for its content (as opposed to a
/// network, server or version problem, which retrying later can cure).
fn refuses_content(code: ErrorCode) -> bool {
    matches!(
        code,
        ErrorCode::ValidationFailed
            | ErrorCode::MalformedJson
            | ErrorCode::PayloadTooLarge
            | ErrorCode::TooManyMutations
            | ErrorCode::DuplicateMutationId
            | ErrorCode::Forbidden
    )
}

/// Where the mutations a push carries come from.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Source {
    Outbox,
    /// Sent again after the server's feed changed: settled before, so an
    /// `applied` changes nothing here; a refused one leaves the journal for
    /// the refused list, where the user sees it.
    Journal,
    /// Refused earlier in the round and sent again: applied, it leaves the
    /// refused list as if it had been applied the first time.
    Refused,
}

async fn push_batch<S: LocalStore, T: Transport>(
    store: &S,
    transport: &T,
    device_id: DeviceId,
    batch: &[Mutation],
    source: Source,
    report: &mut SyncReport,
) -> Result<(), SyncError> {
    let request = PushRequest {
        protocol: PROTOCOL_VERSION,
        device_id,
        mutations: batch.to_vec(),
        reads: Vec::new(),
    };
    let response = transport.push(&request).await?;
    let mut settled = Vec::with_capacity(batch.len());
    let mut rejected = Vec::new();
    for outcome in response.results {
        let Some(mutation) = batch.iter().find(|m| m.id == outcome.id) else {
            return Err(TransportError::Decode("okänd ändring i svaret".into()).into());
        };
        match outcome.status {
            shared::protocol::MutationStatus::Rejected { code, .. } => {
                rejected.push((mutation.clone(), code));
            }
            _ => settled.push(mutation.clone()),
        }
    }
    match source {
        Source::Outbox => {
            store.settle(&settled).await?;
            report.pushed += settled.len();
            report.settled_now.extend(settled.iter().map(|m| m.id));
        }
        Source::Journal => report.resent += settled.len(),
        Source::Refused => {
            store.settle(&settled).await?;
            let ids: Vec<MutationId> = settled.iter().map(|m| m.id).collect();
            store.forget_refused(&ids).await?;
            report.pushed += settled.len();
            report.settled_now.extend(ids);
        }
    }
    refuse(store, source, &rejected, report).await
}

async fn refuse<S: LocalStore>(
    store: &S,
    source: Source,
    refused: &[(Mutation, ErrorCode)],
    report: &mut SyncReport,
) -> Result<(), SyncError> {
    if refused.is_empty() {
        return Ok(());
    }
    store.reject(refused).await?;
    match source {
        Source::Journal => {
            let ids: Vec<MutationId> = refused.iter().map(|(m, _)| m.id).collect();
            store.prune_journal(&ids).await?;
        }
        Source::Outbox => report.refused_now.extend(refused.iter().cloned()),
        Source::Refused => {}
    }
    report
        .rejected
        .extend(refused.iter().map(|(m, code)| (m.id, *code)));
    Ok(())
}

/// Pushes `mutations` in batches. A batch the server refuses for what one of
/// its mutations holds is sent again one at a time, so that only that one is
/// refused and the others still arrive.
async fn push_all<S: LocalStore, T: Transport>(
    store: &S,
    transport: &T,
    device_id: DeviceId,
    mutations: &[Mutation],
    source: Source,
    report: &mut SyncReport,
) -> Result<(), SyncError> {
    for batch in batches(mutations) {
        match push_batch(store, transport, device_id, batch, source, report).await {
            Err(SyncError::Transport(TransportError::Server {
                code: Some(code), ..
            })) if refuses_content(code) => {
                for single in batch.chunks(1) {
                    match push_batch(store, transport, device_id, single, source, report).await {
                        Err(SyncError::Transport(TransportError::Server {
                            code: Some(code),
                            ..
                        })) if refuses_content(code) => {
                            refuse(store, source, &[(single[0].clone(), code)], report).await?;
                        }
                        other => other?,
                    }
                }
            }
            other => other?,
        }
    }
    Ok(())
}

/// How far a pull has come: changes received of those waiting when it began.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PullProgress {
    pub received: u64,
    pub total: u64,
}

/// Pushes every pending mutation in batches, then pulls until up to date.
/// Safe to interrupt anywhere: a mutation leaves the outbox only after the
/// server has answered that it holds it, and the cursor moves only together
/// with the changes it covers.
pub async fn sync_once<S: LocalStore, T: Transport>(
    store: &S,
    transport: &T,
    device_id: DeviceId,
) -> Result<SyncReport, SyncError> {
    sync_with_progress(store, transport, device_id, |_| {}).await
}

/// Changes asked for per pull page: the most the server gives, so a first
/// sync of a large caseload takes as few round trips as it can.
const PULL_PAGE: u32 = MAX_PULL_LIMIT;

/// [`sync_once`], telling `on_progress` after each page pulled.
pub async fn sync_with_progress<S: LocalStore, T: Transport>(
    store: &S,
    transport: &T,
    device_id: DeviceId,
    on_progress: impl Fn(PullProgress),
) -> Result<SyncReport, SyncError> {
    let mut report = SyncReport::default();
    // The device's own reads go to the audit log first, in pushes of their own.
    let reads = store.pending_reads().await?;
    for chunk in reads.chunks(MAX_READS_PER_PUSH) {
        let request = PushRequest {
            protocol: PROTOCOL_VERSION,
            device_id,
            mutations: Vec::new(),
            reads: chunk.to_vec(),
        };
        transport.push(&request).await?;
        let ids: Vec<uuid::Uuid> = chunk.iter().map(|r| r.id).collect();
        store.settle_reads(&ids).await?;
        report.reads_logged += ids.len();
    }
    let outbox = store.outbox().await?;
    push_all(
        store,
        transport,
        device_id,
        &outbox,
        Source::Outbox,
        &mut report,
    )
    .await?;

    let followed = store.feed_epoch().await?;
    let mut since = store.cursor().await?;
    let mut start = since;
    // Set once the device pulls everything again because the server's feed
    // is not the one it followed: the keys that pull brought.
    let mut refresh: Option<BTreeSet<String>> = None;
    let mut cursor_ahead = false;
    // The children in the scope of every page of a pull from the start: the
    // pull brought their whole history.
    let mut complete: Option<BTreeSet<ChildId>> = None;
    // Three pages at once: while one is stored, the next is sealed and the
    // one after it downloaded. The device's work and the server's overlap;
    // on a slow network the download, not the device, sets the pace.
    let mut prefetched: Option<Result<PulledPage, TransportError>> = None;
    let mut ahead: Option<Result<PulledPage, TransportError>> = None;
    let last = loop {
        let pulled = match prefetched.take() {
            Some(pulled) => pulled,
            None => transport.pull(since, PULL_PAGE, None).await,
        };
        let page = match pulled {
            // The server's data is older than ours (restored from a backup).
            Err(TransportError::Server {
                code: Some(ErrorCode::CursorAhead),
                ..
            }) if !cursor_ahead && refresh.is_none() => {
                cursor_ahead = true;
                since = 0;
                ahead = None;
                continue;
            }
            other => other?,
        };
        if refresh.is_none() && (cursor_ahead || followed.as_ref() != Some(&page.epoch)) {
            // Another feed than the one the cursor belongs to (restored from
            // a backup, or none followed yet). What the device settled may
            // be lost there: send the journal again first, so the pull from
            // 0 brings it back; then pull everything and drop the rest. The
            // epoch is stored only once that pull is complete, so an
            // interrupted one starts over. Pending changes stay in the outbox.
            refresh = Some(BTreeSet::new());
            report.feed_changed = followed.is_some() || cursor_ahead;
            // With no epoch stored (a first pull, or a round that never got
            // as far as a pull before), what was settled earlier may be lost
            // as well: only what this round settled is surely there.
            let journal = to_resend(store.journal().await?, &report.settled_now);
            push_all(
                store,
                transport,
                device_id,
                &journal,
                Source::Journal,
                &mut report,
            )
            .await?;
            let resent = !journal.is_empty();
            // This round's changes refused for a record the restore lost:
            // the journal brought it back, so they go once more.
            let lost_record: Vec<Mutation> = report
                .refused_now
                .iter()
                .filter(|(_, code)| *code == ErrorCode::UnknownRecord)
                .map(|(m, _)| m.clone())
                .collect();
            if resent && !lost_record.is_empty() {
                let again = |id: &MutationId| lost_record.iter().any(|m| m.id == *id);
                report.rejected.retain(|(id, _)| !again(id));
                report.refused_now.retain(|(m, _)| !again(&m.id));
                push_all(
                    store,
                    transport,
                    device_id,
                    &lost_record,
                    Source::Refused,
                    &mut report,
                )
                .await?;
            }
            if since > 0 || resent {
                since = 0;
                start = 0;
                complete = None;
                ahead = None;
                continue;
            }
        }
        if page.cursor < since {
            return Err(TransportError::Decode("markören gick bakåt".into()).into());
        }
        if let Some(brought) = refresh.as_mut() {
            brought.extend(page.changes.iter().map(|c| record_key(&c.record)));
            brought.extend(page.unknown.iter().map(UnknownChange::key));
        }
        let page_scope: BTreeSet<ChildId> = page.scope.iter().copied().collect();
        if start == 0 {
            complete = Some(match complete {
                None => page_scope.clone(),
                Some(before) => before.intersection(&page_scope).copied().collect(),
            });
        }
        if !page.unknown.is_empty() {
            store.keep_unknown(&page.unknown).await?;
            report.unknown_kept += page.unknown.len();
        }
        if page.has_more {
            let (applied, next) =
                futures::join!(store.apply_pulled(&page.changes, page.cursor), async {
                    let next = match ahead.take() {
                        Some(next) => next,
                        None => transport.pull(page.cursor, PULL_PAGE, None).await,
                    };
                    if let Ok(next) = &next {
                        // The download first, so that it is under way while
                        // the page is sealed.
                        let (further, prepared) = futures::join!(
                            async {
                                match next.has_more {
                                    true => {
                                        Some(transport.pull(next.cursor, PULL_PAGE, None).await)
                                    }
                                    false => None,
                                }
                            },
                            store.prepare_pulled(&next.changes)
                        );
                        prepared?;
                        ahead = further;
                    }
                    Ok::<_, SyncError>(next)
                });
            applied?;
            prefetched = Some(next?);
        } else {
            store.apply_pulled(&page.changes, page.cursor).await?;
        }
        report.pulled += page.changes.len();
        since = page.cursor;
        let received = report.pulled as u64;
        on_progress(PullProgress {
            received,
            total: received + page.remaining,
        });
        if !page.has_more {
            break page;
        }
    };
    if let Some(brought) = refresh {
        report.dropped = store.adopt_epoch(&last.epoch, &brought).await?;
    }
    let scope: BTreeSet<ChildId> = last.scope.iter().copied().collect();
    if let Some(complete) = complete {
        let complete: Vec<ChildId> = complete.into_iter().collect();
        store.hold_children(&complete).await?;
    }
    sync_scope(store, transport, &scope, &mut report).await?;
    store
        .prune_journal_before(journal_cutoff(chrono::Utc::now()))
        .await?;
    Ok(report)
}

/// Makes the device hold exactly the children in `scope`: pulls the whole
/// history of each child new here, and forgets each child that left, once
/// no pending change is about that child (those are pushed first; one the
/// server refuses goes to the refused list, and the child leaves after).
async fn sync_scope<S: LocalStore, T: Transport>(
    store: &S,
    transport: &T,
    scope: &BTreeSet<ChildId>,
    report: &mut SyncReport,
) -> Result<(), SyncError> {
    let held = store.held_children().await?;
    let pending: BTreeSet<ChildId> = store
        .outbox()
        .await?
        .iter()
        .map(|m| m.operation.child_id())
        .collect();
    let leaving: Vec<ChildId> = held.difference(scope).copied().collect();
    if !leaving.is_empty() {
        let kept = store.children_with_kept_work().await?;
        let (gone, stay) = crate::refused::held_for_work(leaving, &pending, &kept);
        for child in gone {
            store.forget_child(child).await?;
            report.left.push(child);
        }
        report
            .held_back
            .extend(stay.into_iter().filter(|c| kept.contains(c)));
    }
    for &child in scope.difference(&held) {
        let mut since = 0;
        loop {
            let page = transport
                .pull(since, DEFAULT_PULL_LIMIT, Some(child))
                .await?;
            if page.cursor < since {
                return Err(TransportError::Decode("markören gick bakåt".into()).into());
            }
            if !page.unknown.is_empty() {
                store.keep_unknown(&page.unknown).await?;
                report.unknown_kept += page.unknown.len();
            }
            store
                .apply_history(child, &page.changes, !page.has_more)
                .await?;
            report.pulled += page.changes.len();
            since = page.cursor;
            if !page.has_more {
                break;
            }
        }
        report.arrived.push(child);
    }
    Ok(())
}

/// How long to wait before retrying after `failures` failed rounds in a row:
/// exponential from 2 s, capped at 5 minutes, scaled by `jitter` in `[0, 1)`
/// into the upper half so that many tablets coming back online spread out.
pub fn retry_delay_ms(failures: u32, jitter: f64) -> u32 {
    const BASE_MS: u32 = 2_000;
    const MAX_MS: u32 = 300_000;
    let exp = BASE_MS.saturating_mul(1u32 << failures.saturating_sub(1).min(16));
    let capped = exp.min(MAX_MS);
    let factor = 0.5 + 0.5 * jitter.clamp(0.0, 1.0);
    (f64::from(capped) * factor) as u32
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stored::tests::visit_for;
    use futures::executor::block_on;
    use shared::protocol::{MutationOutcome, MutationStatus, Operation, Record};
    use shared::ChildId;
    use std::cell::{Cell, RefCell};
    use std::collections::{BTreeMap, HashMap};

    #[derive(Default)]
    struct MemoryStore {
        outbox: RefCell<Vec<Mutation>>,
        /// Children with a draft or a refused change.
        kept_work: RefCell<BTreeSet<ChildId>>,
        records: RefCell<HashMap<String, Record>>,
        rejected: RefCell<Vec<(MutationId, ErrorCode)>>,
        cursor: Cell<u64>,
        held: RefCell<BTreeSet<ChildId>>,
        reads: RefCell<Vec<LocalRead>>,
        epoch: RefCell<Option<FeedEpoch>>,
        unknown: RefCell<BTreeMap<String, UnknownChange>>,
        journal: RefCell<Vec<JournalEntry>>,
    }

    impl MemoryStore {
        fn put(&self, changes: &[Change]) {
            let mut records = self.records.borrow_mut();
            for c in changes {
                records.insert(crate::stored::record_key(&c.record), c.record.clone());
            }
        }

        fn children_with_records(&self) -> BTreeSet<ChildId> {
            self.records
                .borrow()
                .values()
                .map(shared::protocol::Record::child_id)
                .collect()
        }
    }

    impl LocalStore for MemoryStore {
        async fn outbox(&self) -> Result<Vec<Mutation>, StoreError> {
            Ok(self.outbox.borrow().clone())
        }
        async fn settle(&self, settled: &[Mutation]) -> Result<(), StoreError> {
            self.outbox
                .borrow_mut()
                .retain(|m| !settled.iter().any(|s| s.id == m.id));
            self.journal
                .borrow_mut()
                .extend(settled.iter().map(|m| JournalEntry {
                    mutation: m.clone(),
                    settled_at: chrono::Utc::now(),
                }));
            Ok(())
        }
        async fn reject(&self, refused: &[(Mutation, ErrorCode)]) -> Result<(), StoreError> {
            self.outbox
                .borrow_mut()
                .retain(|m| !refused.iter().any(|(r, _)| r.id == m.id));
            self.rejected
                .borrow_mut()
                .extend(refused.iter().map(|(m, code)| (m.id, *code)));
            self.kept_work
                .borrow_mut()
                .extend(refused.iter().map(|(m, _)| m.operation.child_id()));
            Ok(())
        }
        async fn children_with_kept_work(&self) -> Result<BTreeSet<ChildId>, StoreError> {
            Ok(self.kept_work.borrow().clone())
        }
        async fn forget_refused(&self, ids: &[MutationId]) -> Result<(), StoreError> {
            self.rejected
                .borrow_mut()
                .retain(|(id, _)| !ids.contains(id));
            Ok(())
        }
        async fn cursor(&self) -> Result<u64, StoreError> {
            Ok(self.cursor.get())
        }
        async fn apply_pulled(&self, changes: &[Change], cursor: u64) -> Result<(), StoreError> {
            self.put(changes);
            self.cursor.set(cursor);
            Ok(())
        }
        async fn held_children(&self) -> Result<BTreeSet<ChildId>, StoreError> {
            Ok(self.held.borrow().clone())
        }
        async fn hold_children(&self, children: &[ChildId]) -> Result<(), StoreError> {
            self.held.borrow_mut().extend(children);
            Ok(())
        }
        async fn apply_history(
            &self,
            child: ChildId,
            changes: &[Change],
            complete: bool,
        ) -> Result<(), StoreError> {
            self.put(changes);
            if complete {
                self.held.borrow_mut().insert(child);
            }
            Ok(())
        }
        async fn forget_child(&self, child: ChildId) -> Result<(), StoreError> {
            self.records
                .borrow_mut()
                .retain(|_, r| r.child_id() != child);
            self.held.borrow_mut().remove(&child);
            self.unknown
                .borrow_mut()
                .retain(|_, u| u.child_id != Some(child));
            self.journal
                .borrow_mut()
                .retain(|e| e.mutation.operation.child_id() != child);
            Ok(())
        }
        async fn pending_reads(&self) -> Result<Vec<LocalRead>, StoreError> {
            Ok(self.reads.borrow().clone())
        }
        async fn settle_reads(&self, ids: &[uuid::Uuid]) -> Result<(), StoreError> {
            self.reads.borrow_mut().retain(|r| !ids.contains(&r.id));
            Ok(())
        }
        async fn feed_epoch(&self) -> Result<Option<FeedEpoch>, StoreError> {
            Ok(self.epoch.borrow().clone())
        }
        async fn adopt_epoch(
            &self,
            epoch: &FeedEpoch,
            brought: &BTreeSet<String>,
        ) -> Result<usize, StoreError> {
            let before = self.records.borrow().len() + self.unknown.borrow().len();
            self.records.borrow_mut().retain(|k, _| brought.contains(k));
            self.unknown.borrow_mut().retain(|k, _| brought.contains(k));
            *self.epoch.borrow_mut() = Some(epoch.clone());
            Ok(before - self.records.borrow().len() - self.unknown.borrow().len())
        }
        async fn keep_unknown(&self, unknown: &[UnknownChange]) -> Result<(), StoreError> {
            self.unknown
                .borrow_mut()
                .extend(unknown.iter().map(|u| (u.key(), u.clone())));
            Ok(())
        }
        async fn journal(&self) -> Result<Vec<JournalEntry>, StoreError> {
            Ok(self.journal.borrow().clone())
        }
        async fn prune_journal(&self, ids: &[MutationId]) -> Result<(), StoreError> {
            self.journal
                .borrow_mut()
                .retain(|e| !ids.contains(&e.mutation.id));
            Ok(())
        }
        async fn prune_journal_before(
            &self,
            cutoff: chrono::DateTime<chrono::Utc>,
        ) -> Result<(), StoreError> {
            self.journal.borrow_mut().retain(|e| e.settled_at >= cutoff);
            Ok(())
        }
    }

    /// A server with the protocol's semantics, and switches to fail the way
    /// networks fail: before the request arrives, or after it was applied.
    #[derive(Default)]
    struct FakeServer {
        applied: RefCell<HashMap<MutationId, u64>>,
        changes: RefCell<Vec<Change>>,
        known_children: RefCell<Vec<ChildId>>,
        fail_before_push: Cell<bool>,
        /// Mutations whose presence makes the whole push a 422.
        poisoned: RefCell<Vec<MutationId>>,
        lose_push_response: Cell<bool>,
        pushes: Cell<usize>,
        /// Children out of the scope whose changes are still taken.
        late_pushes: RefCell<Vec<ChildId>>,
        /// Every logged read received, by id (a re-sent one counts once).
        reads: RefCell<BTreeSet<uuid::Uuid>>,
        /// Changes of kinds the app does not know, numbered in the same feed.
        future: RefCell<Vec<UnknownChange>>,
        /// Set by a restore.
        epoch: RefCell<Option<String>>,
        fail_pulls: Cell<bool>,
    }

    impl FakeServer {
        fn head(&self) -> u64 {
            (self.changes.borrow().len() + self.future.borrow().len()) as u64
        }

        fn epoch(&self) -> FeedEpoch {
            FeedEpoch(
                self.epoch
                    .borrow()
                    .clone()
                    .unwrap_or_else(|| "first".into()),
            )
        }

        /// A change of a kind from a later version, about `child`.
        fn add_future(&self, child: ChildId) {
            let seq = self.head() + 1;
            self.future.borrow_mut().push(UnknownChange {
                seq,
                kind: "school_report".into(),
                child_id: Some(child),
                raw: serde_json::json!({
                    "seq": seq, "kind": "school_report",
                    "data": { "id": format!("r{seq}"), "child_id": child }
                }),
            });
        }

        /// Back to how it was at change `seq` (a backup taken then), under a
        /// new epoch.
        fn restore_to(&self, seq: u64) {
            self.changes.borrow_mut().retain(|c| c.seq <= seq);
            self.future.borrow_mut().retain(|c| c.seq <= seq);
            self.applied.borrow_mut().retain(|_, s| *s <= seq);
            *self.epoch.borrow_mut() = Some(format!("restored-{seq}"));
        }
    }

    impl Transport for FakeServer {
        async fn push(&self, request: &PushRequest) -> Result<PushResponse, TransportError> {
            self.pushes.set(self.pushes.get() + 1);
            if self.fail_before_push.get() {
                return Err(TransportError::Unreachable);
            }
            if request
                .mutations
                .iter()
                .any(|m| self.poisoned.borrow().contains(&m.id))
            {
                return Err(TransportError::Server {
                    status: 422,
                    code: Some(ErrorCode::ValidationFailed),
                });
            }
            self.reads
                .borrow_mut()
                .extend(request.reads.iter().map(|r| r.id));
            let writable = |c: ChildId| {
                self.known_children.borrow().contains(&c) || self.late_pushes.borrow().contains(&c)
            };
            if request
                .mutations
                .iter()
                .any(|m| !writable(m.operation.child_id()))
            {
                return Err(TransportError::Server {
                    status: 403,
                    code: Some(ErrorCode::Forbidden),
                });
            }
            let mut results = Vec::new();
            for m in &request.mutations {
                if let Operation::AmendVisit(a) = &m.operation {
                    let known = self
                        .changes
                        .borrow()
                        .iter()
                        .any(|c| matches!(&c.record, Record::Visit(v) if v.id == a.visit_id));
                    let earlier = self.applied.borrow().get(&m.id).copied();
                    let status = match earlier {
                        Some(seq) => MutationStatus::Applied { seq },
                        None if known => {
                            let seq = self.head() + 1;
                            self.changes.borrow_mut().push(Change {
                                seq,
                                record: Record::VisitAmendment(a.clone()),
                            });
                            self.applied.borrow_mut().insert(m.id, seq);
                            MutationStatus::Applied { seq }
                        }
                        None => MutationStatus::Rejected {
                            code: ErrorCode::UnknownRecord,
                            message: String::new(),
                        },
                    };
                    results.push(MutationOutcome { id: m.id, status });
                    continue;
                }
                let Operation::CreateVisit(visit) = &m.operation else {
                    results.push(MutationOutcome {
                        id: m.id,
                        status: MutationStatus::Rejected {
                            code: ErrorCode::ValidationFailed,
                            message: String::new(),
                        },
                    });
                    continue;
                };
                let earlier = self.applied.borrow().get(&m.id).copied();
                let status = if let Some(seq) = earlier {
                    MutationStatus::Applied { seq }
                } else {
                    let seq = self.head() + 1;
                    self.changes.borrow_mut().push(Change {
                        seq,
                        record: Record::Visit(visit.clone()),
                    });
                    self.applied.borrow_mut().insert(m.id, seq);
                    MutationStatus::Applied { seq }
                };
                results.push(MutationOutcome { id: m.id, status });
            }
            if self.lose_push_response.get() {
                return Err(TransportError::Unreachable);
            }
            Ok(PushResponse {
                protocol: PROTOCOL_VERSION,
                results,
            })
        }

        async fn pull(
            &self,
            since: u64,
            limit: u32,
            child: Option<ChildId>,
        ) -> Result<PulledPage, TransportError> {
            if self.fail_pulls.get() {
                return Err(TransportError::Unreachable);
            }
            let all = self.changes.borrow();
            let head = self.head();
            if since > head {
                return Err(TransportError::Server {
                    status: 409,
                    code: Some(ErrorCode::CursorAhead),
                });
            }
            let scope = self.known_children.borrow().clone();
            if child.is_some_and(|c| !scope.contains(&c)) {
                return Err(TransportError::Server {
                    status: 403,
                    code: Some(ErrorCode::Forbidden),
                });
            }
            let wanted = |seq: u64, of: Option<ChildId>| {
                seq > since
                    && of.is_some_and(|of| child.map_or(scope.contains(&of), |only| only == of))
            };
            // Known and unknown changes, in feed order.
            let mut rest: Vec<(u64, Result<Change, UnknownChange>)> = all
                .iter()
                .filter(|c| wanted(c.seq, Some(c.record.child_id())))
                .map(|c| (c.seq, Ok(c.clone())))
                .chain(
                    self.future
                        .borrow()
                        .iter()
                        .filter(|u| wanted(u.seq, u.child_id))
                        .map(|u| (u.seq, Err(u.clone()))),
                )
                .collect();
            rest.sort_by_key(|(seq, _)| *seq);
            let taken = rest.len().min(limit as usize);
            let has_more = rest.len() > taken;
            let cursor = if has_more { rest[taken - 1].0 } else { head };
            let (mut changes, mut unknown) = (Vec::new(), Vec::new());
            for (_, c) in rest.drain(..taken) {
                match c {
                    Ok(c) => changes.push(c),
                    Err(u) => unknown.push(u),
                }
            }
            Ok(PulledPage {
                cursor,
                has_more,
                head,
                remaining: rest.len() as u64,
                scope,
                changes,
                unknown,
                epoch: self.epoch(),
            })
        }
    }

    fn record_visit(store: &MemoryStore, child: ChildId) -> Mutation {
        let mutation = Mutation {
            id: MutationId::new_random(),
            operation: Operation::CreateVisit(visit_for(child)),
        };
        store.outbox.borrow_mut().push(mutation.clone());
        mutation
    }

    #[test]
    fn pushed_visit_leaves_the_outbox_and_comes_back_by_pull() {
        let child = ChildId::new_random();
        let server = FakeServer::default();
        server.known_children.borrow_mut().push(child);
        let store = MemoryStore::default();
        record_visit(&store, child);

        let report = block_on(sync_once(&store, &server, DeviceId::new_random())).expect("sync");

        assert_eq!(report.pushed, 1);
        assert!(store.outbox.borrow().is_empty());
        assert_eq!(store.records.borrow().len(), 1);
        assert_eq!(store.cursor.get(), 1);
    }

    #[test]
    fn unreachable_server_keeps_the_outbox() {
        let child = ChildId::new_random();
        let server = FakeServer::default();
        server.known_children.borrow_mut().push(child);
        server.fail_before_push.set(true);
        let store = MemoryStore::default();
        record_visit(&store, child);

        let err =
            block_on(sync_once(&store, &server, DeviceId::new_random())).expect_err("offline");

        assert!(err.is_unreachable());
        assert_eq!(store.outbox.borrow().len(), 1);
    }

    #[test]
    fn lost_response_then_retry_applies_exactly_once() {
        let child = ChildId::new_random();
        let server = FakeServer::default();
        server.known_children.borrow_mut().push(child);
        let store = MemoryStore::default();
        record_visit(&store, child);
        let device = DeviceId::new_random();

        server.lose_push_response.set(true);
        assert!(block_on(sync_once(&store, &server, device)).is_err());
        assert_eq!(
            store.outbox.borrow().len(),
            1,
            "not settled without an answer"
        );

        server.lose_push_response.set(false);
        let report = block_on(sync_once(&store, &server, device)).expect("retry");

        assert_eq!(report.pushed, 1);
        assert!(store.outbox.borrow().is_empty());
        assert_eq!(
            server.changes.borrow().len(),
            1,
            "the server holds the visit once"
        );
    }

    #[test]
    fn a_change_about_a_child_out_of_reach_moves_to_the_refused_list() {
        let mine = ChildId::new_random();
        let server = FakeServer::default();
        server.known_children.borrow_mut().push(mine);
        let store = MemoryStore::default();
        record_visit(&store, mine);
        let m = record_visit(&store, ChildId::new_random());

        let report = block_on(sync_once(&store, &server, DeviceId::new_random())).expect("sync");

        assert_eq!(report.pushed, 1, "the other change still arrives");
        assert_eq!(report.rejected, vec![(m.id, ErrorCode::Forbidden)]);
        assert!(store.outbox.borrow().is_empty());
        assert_eq!(*store.rejected.borrow(), vec![(m.id, ErrorCode::Forbidden)]);
    }

    #[test]
    fn reads_logged_on_the_device_reach_the_server_and_leave_the_device() {
        let child = ChildId::new_random();
        let server = FakeServer::default();
        server.known_children.borrow_mut().push(child);
        let store = MemoryStore::default();
        let reads: Vec<LocalRead> = (0..MAX_READS_PER_PUSH + 3)
            .map(|_| LocalRead {
                id: uuid::Uuid::new_v4(),
                child_id: child,
                kind: shared::audit::LocalReadKind::OpenedChild,
                occurred_at: chrono::Utc::now(),
                offline: true,
            })
            .collect();
        store.reads.borrow_mut().extend(reads.iter().cloned());

        server.fail_before_push.set(true);
        assert!(block_on(sync_once(&store, &server, DeviceId::new_random())).is_err());
        assert_eq!(store.reads.borrow().len(), reads.len(), "kept until sent");

        server.fail_before_push.set(false);
        let report = block_on(sync_once(&store, &server, DeviceId::new_random())).expect("sync");
        assert_eq!(report.reads_logged, reads.len());
        assert_eq!(
            server.pushes.get(),
            1 + 2,
            "one failed push, then two of reads"
        );
        assert!(store.reads.borrow().is_empty());
        assert_eq!(server.reads.borrow().len(), reads.len());
    }

    #[test]
    fn a_newly_assigned_child_arrives_with_its_whole_history() {
        let (first, second) = (ChildId::new_random(), ChildId::new_random());
        let server = FakeServer::default();
        server.known_children.borrow_mut().extend([first, second]);
        let colleague = MemoryStore::default();
        for child in [first, second, first] {
            record_visit(&colleague, child);
        }
        block_on(sync_once(&colleague, &server, DeviceId::new_random())).expect("sync");
        assert_eq!(*colleague.held.borrow(), BTreeSet::from([first, second]));

        // Our device sees only `first`, and has pulled to the head.
        server.known_children.borrow_mut().retain(|c| *c == first);
        let store = MemoryStore::default();
        block_on(sync_once(&store, &server, DeviceId::new_random())).expect("sync");
        assert_eq!(store.children_with_records(), BTreeSet::from([first]));
        assert_eq!(store.cursor.get(), 3);

        // `second` is assigned: its older visit comes too.
        server.known_children.borrow_mut().push(second);
        let report = block_on(sync_once(&store, &server, DeviceId::new_random())).expect("sync");
        assert_eq!(report.arrived, vec![second]);
        assert_eq!(store.records.borrow().len(), 3);
        assert_eq!(*store.held.borrow(), BTreeSet::from([first, second]));

        // And only once.
        let again = block_on(sync_once(&store, &server, DeviceId::new_random())).expect("sync");
        assert!(again.arrived.is_empty() && again.pulled == 0);
    }

    #[test]
    fn an_unassigned_child_leaves_once_its_pending_changes_are_pushed() {
        let (kept, leaving) = (ChildId::new_random(), ChildId::new_random());
        let server = FakeServer::default();
        server.known_children.borrow_mut().extend([kept, leaving]);
        let store = MemoryStore::default();
        record_visit(&store, kept);
        record_visit(&store, leaving);
        let device = DeviceId::new_random();
        block_on(sync_once(&store, &server, device)).expect("sync");

        // A visit recorded offline; meanwhile the child is handed over. The
        // server still takes changes about the child for a while.
        let late = record_visit(&store, leaving);
        server.known_children.borrow_mut().retain(|c| *c == kept);
        server.late_pushes.borrow_mut().push(leaving);
        server.fail_before_push.set(true);
        assert!(block_on(sync_once(&store, &server, device)).is_err());
        assert_eq!(
            store.children_with_records(),
            BTreeSet::from([kept, leaving]),
            "nothing leaves while a change about the child waits"
        );

        server.fail_before_push.set(false);
        let report = block_on(sync_once(&store, &server, device)).expect("sync");
        assert_eq!(report.pushed, 1);
        assert_eq!(report.left, vec![leaving]);
        assert_eq!(store.children_with_records(), BTreeSet::from([kept]));
        assert!(store.outbox.borrow().is_empty());
        assert!(server
            .changes
            .borrow()
            .iter()
            .any(|c| matches!(&c.record, Record::Visit(v) if Operation::CreateVisit(v.clone()) == late.operation)));
    }

    #[test]
    fn large_outbox_is_pushed_in_batches_and_pull_pages_to_the_end() {
        let child = ChildId::new_random();
        let server = FakeServer::default();
        server.known_children.borrow_mut().push(child);
        let store = MemoryStore::default();
        let n = MAX_MUTATIONS_PER_PUSH * 2 + 7;
        for _ in 0..n {
            record_visit(&store, child);
        }

        let report = block_on(sync_once(&store, &server, DeviceId::new_random())).expect("sync");

        assert_eq!(server.pushes.get(), 3);
        assert_eq!(report.pushed, n);
        assert_eq!(report.pulled, n);
        assert_eq!(store.records.borrow().len(), n);
        assert_eq!(store.cursor.get(), n as u64);
    }

    #[test]
    fn cursor_ahead_of_a_restored_server_pulls_everything_again() {
        let child = ChildId::new_random();
        let server = FakeServer::default();
        server.known_children.borrow_mut().push(child);
        let store = MemoryStore::default();
        record_visit(&store, child);
        block_on(sync_once(&store, &server, DeviceId::new_random())).expect("sync");
        store.cursor.set(1_000);
        store.records.borrow_mut().clear();

        let report = block_on(sync_once(&store, &server, DeviceId::new_random())).expect("sync");

        assert_eq!(report.pulled, 1);
        assert_eq!(store.cursor.get(), 1);
        assert_eq!(store.records.borrow().len(), 1);
    }

    #[test]
    fn batches_respect_count_and_bytes_and_keep_order() {
        let child = ChildId::new_random();
        let store = MemoryStore::default();
        for _ in 0..450 {
            record_visit(&store, child);
        }
        let outbox = store.outbox.borrow().clone();
        let counted = batches(&outbox);
        assert_eq!(
            counted.iter().map(|b| b.len()).collect::<Vec<_>>(),
            vec![200, 200, 50]
        );

        let mut big = visit_for(child);
        big.note =
            shared::VisitNote::parse(&"å".repeat(shared::VisitNote::MAX_CHARS)).expect("valid");
        let heavy: Vec<Mutation> = (0..60)
            .map(|_| Mutation {
                id: MutationId::new_random(),
                operation: Operation::CreateVisit(shared::Visit {
                    id: shared::VisitId::new_random(),
                    ..big.clone()
                }),
            })
            .collect();
        let split = batches(&heavy);
        assert!(split.len() > 1, "60 notes of 40 kB do not fit one push");
        for b in &split {
            let bytes: usize = b
                .iter()
                .map(|m| serde_json::to_vec(m).expect("json").len())
                .sum();
            assert!(bytes <= MAX_BATCH_BYTES);
        }
        assert_eq!(split.concat(), heavy);
    }

    #[test]
    fn a_change_the_server_refuses_outright_is_set_aside_and_the_rest_arrive() {
        let child = ChildId::new_random();
        let server = FakeServer::default();
        server.known_children.borrow_mut().push(child);
        let store = MemoryStore::default();
        record_visit(&store, child);
        let poisoned = record_visit(&store, child);
        record_visit(&store, child);
        server.poisoned.borrow_mut().push(poisoned.id);

        let report = block_on(sync_once(&store, &server, DeviceId::new_random())).expect("sync");

        assert_eq!(report.pushed, 2);
        assert_eq!(
            report.rejected,
            vec![(poisoned.id, ErrorCode::ValidationFailed)]
        );
        assert!(store.outbox.borrow().is_empty());
        assert_eq!(server.changes.borrow().len(), 2);
    }

    #[test]
    fn progress_counts_up_to_what_was_waiting() {
        let child = ChildId::new_random();
        let server = FakeServer::default();
        server.known_children.borrow_mut().push(child);
        let writer = MemoryStore::default();
        let page = PULL_PAGE as u64;
        let total = 2 * page + 200;
        for _ in 0..total {
            record_visit(&writer, child);
        }
        block_on(sync_once(&writer, &server, DeviceId::new_random())).expect("sync");

        let fresh = MemoryStore::default();
        let seen = RefCell::new(Vec::new());
        block_on(sync_with_progress(
            &fresh,
            &server,
            DeviceId::new_random(),
            |p| seen.borrow_mut().push(p),
        ))
        .expect("sync");

        let seen = seen.into_inner();
        assert_eq!(seen.len(), 3, "three pages of at most {page}");
        assert_eq!(
            seen[0],
            PullProgress {
                received: page,
                total
            }
        );
        assert_eq!(
            seen[2],
            PullProgress {
                received: total,
                total
            }
        );
        assert_eq!(
            fresh.records.borrow().len() as u64,
            total,
            "every visit arrived"
        );
    }

    fn visits_held(store: &MemoryStore) -> BTreeSet<shared::VisitId> {
        store
            .records
            .borrow()
            .values()
            .filter_map(|r| match r {
                Record::Visit(v) => Some(v.id),
                _ => None,
            })
            .collect()
    }

    fn visit_id(m: &Mutation) -> shared::VisitId {
        match &m.operation {
            Operation::CreateVisit(v) => v.id,
            other => panic!("not a visit: {other:?}"),
        }
    }

    #[test]
    fn a_server_restored_from_a_backup_gets_the_journal_again_and_the_device_follows_its_feed() {
        let child = ChildId::new_random();
        let server = FakeServer::default();
        server.known_children.borrow_mut().push(child);
        let (ours, colleague) = (MemoryStore::default(), MemoryStore::default());
        let (device, other) = (DeviceId::new_random(), DeviceId::new_random());

        let before_backup = record_visit(&ours, child);
        block_on(sync_once(&ours, &server, device)).expect("sync");
        let backup_at = server.head();
        let after_backup = record_visit(&ours, child);
        let theirs_lost = record_visit(&colleague, child);
        block_on(sync_once(&colleague, &server, other)).expect("sync");
        colleague.journal.borrow_mut().clear(); // their tablet is gone
        block_on(sync_once(&ours, &server, device)).expect("sync");
        assert_eq!(visits_held(&ours).len(), 3);
        let followed = ours.epoch.borrow().clone().expect("epoch stored");

        // Restored; then others write past our cursor.
        server.restore_to(backup_at);
        let past: Vec<Mutation> = (0..3).map(|_| record_visit(&colleague, child)).collect();
        block_on(sync_once(&colleague, &server, other)).expect("sync");
        assert!(
            server.head() > ours.cursor.get(),
            "no cursor_ahead to notice it by"
        );
        let pending = record_visit(&ours, child);

        let report = block_on(sync_once(&ours, &server, device)).expect("sync");

        assert!(report.feed_changed);
        assert_eq!(
            report.resent, 2,
            "every settled visit sent again, but this round's"
        );
        let on_server: BTreeSet<_> = server
            .changes
            .borrow()
            .iter()
            .filter_map(|c| match &c.record {
                Record::Visit(v) => Some(v.id),
                _ => None,
            })
            .collect();
        for m in [&before_backup, &after_backup, &pending] {
            assert!(on_server.contains(&visit_id(m)), "no settled visit is lost");
        }
        let mut expected: BTreeSet<_> = past.iter().map(visit_id).collect();
        expected.extend([&before_backup, &after_backup, &pending].map(visit_id));
        assert_eq!(visits_held(&ours), expected, "exactly what the server has");
        assert!(!visits_held(&ours).contains(&visit_id(&theirs_lost)));
        assert_eq!(
            report.dropped, 1,
            "the visit the server lost left the device"
        );
        assert_eq!(ours.cursor.get(), server.head());
        assert_ne!(ours.epoch.borrow().clone(), Some(followed));

        // The next round is an ordinary one.
        let again = block_on(sync_once(&ours, &server, device)).expect("sync");
        assert!(!again.feed_changed && again.resent == 0 && again.pulled == 0);
    }

    #[test]
    fn an_interrupted_pull_of_a_new_feed_starts_over_and_drops_only_at_the_end() {
        let child = ChildId::new_random();
        let server = FakeServer::default();
        server.known_children.borrow_mut().push(child);
        let store = MemoryStore::default();
        let device = DeviceId::new_random();
        for _ in 0..(PULL_PAGE + 5) {
            record_visit(&store, child);
        }
        block_on(sync_once(&store, &server, device)).expect("sync");
        let held = visits_held(&store);

        server.restore_to(3);
        *server.epoch.borrow_mut() = Some("new".into());
        // The journal's second push is lost: nothing may be dropped yet.
        let store_journal = store.journal.borrow().len();
        assert_eq!(store_journal, held.len());
        server.lose_push_response.set(true);
        assert!(block_on(sync_once(&store, &server, device)).is_err());
        assert_eq!(
            visits_held(&store),
            held,
            "nothing dropped by a half-done round"
        );
        assert_eq!(
            store.epoch.borrow().clone(),
            Some(FeedEpoch("first".into()))
        );

        server.lose_push_response.set(false);
        let report = block_on(sync_once(&store, &server, device)).expect("sync");
        assert!(report.feed_changed);
        assert_eq!(visits_held(&store), held, "every settled visit is back");
        assert_eq!(server.changes.borrow().len(), held.len());
        assert_eq!(store.epoch.borrow().clone(), Some(FeedEpoch("new".into())));
    }

    #[test]
    fn a_device_that_never_finished_a_pull_still_sends_its_journal_to_a_restored_server() {
        let child = ChildId::new_random();
        let server = FakeServer::default();
        server.known_children.borrow_mut().push(child);
        let store = MemoryStore::default();
        let device = DeviceId::new_random();
        let settled = record_visit(&store, child);
        // The push arrives; every pull after it is lost.
        server.fail_pulls.set(true);
        assert!(block_on(sync_once(&store, &server, device)).is_err());
        assert!(store.outbox.borrow().is_empty());
        assert_eq!(*store.epoch.borrow(), None, "no pull finished");

        server.restore_to(0);
        server.fail_pulls.set(false);
        let report = block_on(sync_once(&store, &server, device)).expect("sync");

        assert_eq!(report.resent, 1);
        assert!(visits_held(&store).contains(&visit_id(&settled)));
        assert_eq!(server.changes.borrow().len(), 1, "the visit is back");
    }

    #[test]
    fn a_child_who_left_stays_while_a_draft_or_refused_change_waits() {
        let (drafted, refused, done) = (
            ChildId::new_random(),
            ChildId::new_random(),
            ChildId::new_random(),
        );
        let server = FakeServer::default();
        server
            .known_children
            .borrow_mut()
            .extend([drafted, refused, done]);
        let store = MemoryStore::default();
        let device = DeviceId::new_random();
        for child in [drafted, refused, done] {
            record_visit(&store, child);
        }
        block_on(sync_once(&store, &server, device)).expect("sync");
        // A visit being written about one; the server refused one about another.
        store.kept_work.borrow_mut().insert(drafted);
        let poisoned = record_visit(&store, refused);
        server.poisoned.borrow_mut().push(poisoned.id);
        server.known_children.borrow_mut().clear();
        server.late_pushes.borrow_mut().push(refused);

        let report = block_on(sync_once(&store, &server, device)).expect("sync");

        assert_eq!(report.left, vec![done]);
        let mut held_back = report.held_back;
        held_back.sort();
        let mut expected = vec![drafted, refused];
        expected.sort();
        assert_eq!(held_back, expected, "shown to the user");
        assert_eq!(
            store.children_with_records(),
            BTreeSet::from([drafted, refused])
        );

        // Dismissed or sent: the next round lets them go.
        store.kept_work.borrow_mut().clear();
        let report = block_on(sync_once(&store, &server, device)).expect("sync");
        assert!(report.held_back.is_empty());
        assert!(store.children_with_records().is_empty());
    }

    #[test]
    fn a_change_refused_for_a_record_the_restore_lost_goes_again_after_the_journal() {
        let child = ChildId::new_random();
        let server = FakeServer::default();
        server.known_children.borrow_mut().push(child);
        let store = MemoryStore::default();
        let device = DeviceId::new_random();
        let visit = record_visit(&store, child);
        block_on(sync_once(&store, &server, device)).expect("sync");
        // Restored from a backup older than the visit; then the visit is amended.
        server.restore_to(0);
        let amendment = Mutation {
            id: MutationId::new_random(),
            operation: Operation::AmendVisit(shared::VisitAmendment {
                id: shared::AmendmentId::new_random(),
                visit_id: visit_id(&visit),
                child_id: child,
                author: shared::VisitorName::parse("Anna Lind").expect("valid"),
                author_id: None,
                text: shared::AmendmentText::parse("Rättelse.").expect("valid"),
                recorded_at: chrono::Utc::now(),
            }),
        };
        store.outbox.borrow_mut().push(amendment.clone());

        let report = block_on(sync_once(&store, &server, device)).expect("sync");

        assert!(report.feed_changed);
        assert!(report.rejected.is_empty(), "{:?}", report.rejected);
        assert!(
            store.rejected.borrow().is_empty(),
            "not left on the refused list"
        );
        assert!(store
            .journal
            .borrow()
            .iter()
            .any(|e| e.mutation.id == amendment.id));
        assert_eq!(
            server.changes.borrow().len(),
            2,
            "the visit and its amendment"
        );
        assert!(store
            .records
            .borrow()
            .values()
            .any(|r| matches!(r, Record::VisitAmendment(_))));
    }

    #[test]
    fn the_journal_is_pruned_after_thirty_days() {
        let child = ChildId::new_random();
        let server = FakeServer::default();
        server.known_children.borrow_mut().push(child);
        let store = MemoryStore::default();
        let (old, recent) = (record_visit(&store, child), record_visit(&store, child));
        block_on(sync_once(&store, &server, DeviceId::new_random())).expect("sync");
        assert_eq!(
            store.journal.borrow().len(),
            2,
            "settled mutations are journalled"
        );
        store.journal.borrow_mut()[0].settled_at -= chrono::Duration::days(31);

        block_on(sync_once(&store, &server, DeviceId::new_random())).expect("sync");

        let kept: Vec<MutationId> = store
            .journal
            .borrow()
            .iter()
            .map(|e| e.mutation.id)
            .collect();
        assert_eq!(kept, vec![recent.id]);
        assert_ne!(kept, vec![old.id]);
    }

    #[test]
    fn a_change_of_an_unknown_kind_is_kept_and_the_pull_carries_on() {
        let child = ChildId::new_random();
        let server = FakeServer::default();
        server.known_children.borrow_mut().push(child);
        let writer = MemoryStore::default();
        record_visit(&writer, child);
        block_on(sync_once(&writer, &server, DeviceId::new_random())).expect("sync");
        server.add_future(child);
        record_visit(&writer, child);
        block_on(sync_once(&writer, &server, DeviceId::new_random())).expect("sync");

        let store = MemoryStore::default();
        let report = block_on(sync_once(&store, &server, DeviceId::new_random())).expect("sync");

        assert_eq!(report.pulled, 2);
        assert_eq!(report.unknown_kept, 1);
        assert_eq!(
            visits_held(&store).len(),
            2,
            "the visit after it arrived too"
        );
        assert_eq!(store.cursor.get(), server.head());
        let kept = store.unknown.borrow();
        let (_, unknown) = kept.iter().next().expect("kept");
        assert_eq!(unknown.kind, "school_report");

        // A child's history pulled on its own keeps them too, and they leave with it.
        drop(kept);
        store.forget_child(child).await_now();
        assert!(store.unknown.borrow().is_empty());
    }

    trait Now {
        fn await_now(self);
    }
    impl<F: std::future::Future<Output = Result<(), StoreError>>> Now for F {
        fn await_now(self) {
            block_on(self).expect("store");
        }
    }

    /// proptest runs natively only (it is not a wasm32 dependency).
    #[cfg(not(target_arch = "wasm32"))]
    mod restores {
        use super::*;

        #[derive(Clone, Debug)]
        enum Step {
            Record(usize),
            Sync(usize),
            /// Pulls from now on fail (a network that drops answers mid-round).
            PullsFail(bool),
            /// The server goes back to its state at the backup; tablet 0 may be
            /// lost with it.
            Restore {
                lose_first: bool,
            },
            Backup,
        }

        fn step(devices: usize) -> impl proptest::strategy::Strategy<Value = Step> {
            use proptest::prelude::*;
            prop_oneof![
                4 => (0..devices).prop_map(Step::Record),
                4 => (0..devices).prop_map(Step::Sync),
                1 => any::<bool>().prop_map(Step::PullsFail),
                1 => Just(Step::Backup),
                1 => any::<bool>().prop_map(|lose_first| Step::Restore { lose_first }),
            ]
        }

        use proptest::strategy::Strategy as _;

        proptest::proptest! {
            #![proptest_config(proptest::test_runner::Config::with_cases(300))]
            /// Tablets record visits and sync while the server is backed up and
            /// restored any number of times; after everyone syncs, the server
            /// holds every visit a remaining tablet recorded (once), and every
            /// tablet holds exactly the server's visits.
            #[test]
            fn restores_lose_no_visit_a_remaining_tablet_recorded(
                (devices, steps) in (2usize..4).prop_flat_map(|d| (
                    proptest::strategy::Just(d),
                    proptest::collection::vec(step(d), 1..40),
                ))
            ) {
                let child = ChildId::new_random();
                let server = FakeServer::default();
                server.known_children.borrow_mut().push(child);
                let tablets: Vec<(MemoryStore, DeviceId)> = (0..devices)
                    .map(|_| (MemoryStore::default(), DeviceId::new_random()))
                    .collect();
                let mut made: Vec<(usize, shared::VisitId)> = Vec::new();
                let mut lost = false;
                let mut backup_at = 0;
                let mut restores = 0;
                for step in steps.iter().cloned() {
                    match step {
                        Step::Record(d) if !(lost && d == 0) => {
                            made.push((d, visit_id(&record_visit(&tablets[d].0, child))));
                        }
                        Step::Sync(d) if !(lost && d == 0) => {
                            let _ = block_on(sync_once(&tablets[d].0, &server, tablets[d].1));
                        }
                        Step::PullsFail(on) => server.fail_pulls.set(on),
                        Step::Backup => backup_at = server.head(),
                        Step::Restore { lose_first } => {
                            restores += 1;
                            server.restore_to(backup_at);
                            *server.epoch.borrow_mut() = Some(format!("restore-{restores}"));
                            lost |= lose_first;
                        }
                        _ => {}
                    }
                }
                server.fail_pulls.set(false);
                let on_server = |server: &FakeServer| -> BTreeSet<shared::VisitId> {
                    server.changes.borrow().iter().filter_map(|c| match &c.record {
                        Record::Visit(v) => Some(v.id),
                        _ => None,
                    }).collect()
                };
                for _ in 0..2 {
                    for (i, (store, device)) in tablets.iter().enumerate() {
                        if !(lost && i == 0) {
                            block_on(sync_once(store, &server, *device)).expect("final sync");
                        }
                    }
                }
                let held = on_server(&server);
                for (d, visit) in &made {
                    if !(lost && *d == 0) {
                        proptest::prop_assert!(held.contains(visit), "tablet {}'s visit lost", d);
                    }
                }
                proptest::prop_assert_eq!(held.len(), server.changes.borrow().len(), "no visit twice");
                for (i, (store, _)) in tablets.iter().enumerate() {
                    if !(lost && i == 0) {
                        proptest::prop_assert_eq!(&visits_held(store), &held, "tablet {}", i);
                    }
                }
            }
        }
    }

    #[test]
    fn retry_delay_grows_and_is_capped() {
        assert_eq!(retry_delay_ms(1, 1.0), 2_000);
        assert_eq!(retry_delay_ms(2, 1.0), 4_000);
        assert_eq!(retry_delay_ms(1, 0.0), 1_000);
        assert_eq!(retry_delay_ms(30, 1.0), 300_000);
        assert!(retry_delay_ms(3, 0.3) < retry_delay_ms(4, 0.3));
    }
}
