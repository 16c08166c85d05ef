//! Simulated tablets for cross-crate tests: each runs the app's real sync
//! round (`app::sync::sync_once`) and local-write logic over an in-memory
//! store, against the server's real storage (`server::db::Database`) through a
//! transport that fails the way networks do.

use app::feed::{PulledPage, UnknownChange};
use app::outbox::{settled_effects, JournalEntry};
use app::stored::{overlay, pulled_effect, record_key, LocalEffect};
use app::sync::{LocalStore, StoreError, Transport, TransportError};
use server::db::{Database, PullError};
use shared::protocol::{
    Change, FeedEpoch, Mutation, PushRequest, PushResponse, Record, PROTOCOL_VERSION,
};
use shared::{ChildId, DeviceId, ErrorCode, MutationId};
use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet};

/// A device's local copy, as `IdbStore` keeps it in the browser: the server's
/// records (`base`), the outbox, the refused changes, the journal of settled
/// mutations, and the feed epoch the cursor belongs to.
pub struct Replica {
    pub device_id: DeviceId,
    pub base: RefCell<BTreeMap<String, Record>>,
    pub outbox: RefCell<Vec<Mutation>>,
    pub refused: RefCell<Vec<(Mutation, ErrorCode)>>,
    pub held: RefCell<BTreeSet<ChildId>>,
    pub journal: RefCell<Vec<JournalEntry>>,
    pub unknown: RefCell<BTreeMap<String, UnknownChange>>,
    pub epoch: RefCell<Option<FeedEpoch>>,
    cursor: Cell<u64>,
}

impl Replica {
    pub fn new() -> Self {
        Self {
            device_id: DeviceId::new_random(),
            base: RefCell::new(BTreeMap::new()),
            outbox: RefCell::new(Vec::new()),
            refused: RefCell::new(Vec::new()),
            held: RefCell::new(BTreeSet::new()),
            journal: RefCell::new(Vec::new()),
            unknown: RefCell::new(BTreeMap::new()),
            epoch: RefCell::new(None),
            cursor: Cell::new(0),
        }
    }

    /// The change number up to which the replica has pulled.
    pub fn cursor(&self) -> u64 {
        self.cursor.get()
    }

    /// A local write, as `IdbStore::record_change` does it.
    pub fn record_change(&self, mutation: Mutation) {
        self.outbox.borrow_mut().push(mutation);
    }

    /// What the user sees.
    pub fn view(&self) -> BTreeMap<String, Record> {
        let mut view = self.base.borrow().clone();
        overlay(&mut view, &self.outbox.borrow());
        view
    }

    fn apply(&self, effects: Vec<LocalEffect>) {
        let mut records = self.base.borrow_mut();
        for effect in effects {
            match effect {
                LocalEffect::Put(r) => {
                    records.insert(record_key(&r), r);
                }
                LocalEffect::Delete(k) => {
                    records.remove(&k);
                }
            }
        }
    }
}

impl Default for Replica {
    fn default() -> Self {
        Self::new()
    }
}

impl LocalStore for Replica {
    async fn outbox(&self) -> Result<Vec<Mutation>, StoreError> {
        Ok(self.outbox.borrow().clone())
    }

    async fn settle(&self, settled: &[Mutation]) -> Result<(), StoreError> {
        // The shipped decision, read from the replica's copy of the server's
        // records as IdbStore reads from IndexedDB.
        let effects = settled_effects(settled, async |keys: &[String]| {
            let base = self.base.borrow();
            Ok::<_, StoreError>(
                keys.iter()
                    .filter_map(|k| base.get(k).map(|r| (k.clone(), r.clone())))
                    .collect(),
            )
        })
        .await?;
        self.apply(effects);
        self.outbox
            .borrow_mut()
            .retain(|m| !settled.iter().any(|s| s.id == m.id));
        let mut journal = self.journal.borrow_mut();
        for m in settled {
            if !journal.iter().any(|e| e.mutation.id == m.id) {
                journal.push(JournalEntry {
                    mutation: m.clone(),
                    settled_at: chrono::Utc::now(),
                });
            }
        }
        Ok(())
    }

    async fn reject(&self, refused: &[(Mutation, ErrorCode)]) -> Result<(), StoreError> {
        let mut outbox = self.outbox.borrow_mut();
        for (m, code) in refused {
            if let Some(pos) = outbox.iter().position(|o| o.id == m.id) {
                let m = outbox.remove(pos);
                self.refused.borrow_mut().push((m, *code));
            }
        }
        Ok(())
    }

    async fn cursor(&self) -> Result<u64, StoreError> {
        Ok(self.cursor.get())
    }

    async fn apply_pulled(&self, changes: &[Change], cursor: u64) -> Result<(), StoreError> {
        self.apply(
            changes
                .iter()
                .map(|c| pulled_effect(c.record.clone()))
                .collect(),
        );
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
        self.apply(
            changes
                .iter()
                .map(|c| pulled_effect(c.record.clone()))
                .collect(),
        );
        if complete {
            self.held.borrow_mut().insert(child);
        }
        Ok(())
    }

    async fn forget_child(&self, child: ChildId) -> Result<(), StoreError> {
        self.base.borrow_mut().retain(|_, r| r.child_id() != child);
        self.held.borrow_mut().remove(&child);
        self.unknown
            .borrow_mut()
            .retain(|_, u| u.child_id != Some(child));
        self.journal
            .borrow_mut()
            .retain(|e| e.mutation.operation.child_id() != child);
        Ok(())
    }

    async fn forget_refused(&self, ids: &[MutationId]) -> Result<(), StoreError> {
        self.refused
            .borrow_mut()
            .retain(|(m, _)| !ids.contains(&m.id));
        Ok(())
    }

    async fn children_with_kept_work(&self) -> Result<BTreeSet<ChildId>, StoreError> {
        Ok(self
            .refused
            .borrow()
            .iter()
            .map(|(m, _)| m.operation.child_id())
            .collect())
    }

    async fn pending_reads(&self) -> Result<Vec<shared::audit::LocalRead>, StoreError> {
        Ok(Vec::new())
    }

    async fn settle_reads(&self, _ids: &[uuid::Uuid]) -> Result<(), StoreError> {
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
        let before = self.base.borrow().len() + self.unknown.borrow().len();
        self.base.borrow_mut().retain(|k, _| brought.contains(k));
        self.unknown.borrow_mut().retain(|k, _| brought.contains(k));
        *self.epoch.borrow_mut() = Some(epoch.clone());
        Ok(before - self.base.borrow().len() - self.unknown.borrow().len())
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

/// A small deterministic generator (xorshift64*), so a failing case replays.
pub struct Rng(Cell<u64>);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(Cell::new(seed | 1))
    }

    pub fn next(&self) -> u64 {
        let mut x = self.0.get();
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0.set(x);
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// True with probability `percent` / 100.
    pub fn chance(&self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

/// Faults a transport injects, in percent per request.
#[derive(Clone, Copy, Debug, Default)]
pub struct Faults {
    /// The request never reaches the server.
    pub lost_request: u64,
    /// The server commits, the response is lost.
    pub lost_response: u64,
    /// The request arrives twice (a proxy's retry).
    pub duplicated: u64,
}

/// Calls the server's storage as the HTTP handlers do, with faults, for a
/// user who sees `scope`.
pub struct FaultyTransport<'a> {
    pub db: &'a Database,
    pub rng: &'a Rng,
    pub faults: Faults,
    pub counts: RefCell<FaultCounts>,
    pub scope: Vec<ChildId>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FaultCounts {
    pub lost_requests: u64,
    pub lost_responses: u64,
    pub duplicated: u64,
}

impl<'a> FaultyTransport<'a> {
    pub fn new(db: &'a Database, rng: &'a Rng, faults: Faults, scope: Vec<ChildId>) -> Self {
        Self {
            db,
            rng,
            faults,
            counts: RefCell::new(FaultCounts::default()),
            scope,
        }
    }

    fn server_error() -> TransportError {
        TransportError::Server {
            status: 500,
            code: Some(ErrorCode::Internal),
        }
    }
}

impl Transport for FaultyTransport<'_> {
    async fn push(&self, request: &PushRequest) -> Result<PushResponse, TransportError> {
        if self.rng.chance(self.faults.lost_request) {
            self.counts.borrow_mut().lost_requests += 1;
            return Err(TransportError::Unreachable);
        }
        let mut results = self
            .db
            .push(
                request.device_id,
                None,
                Vec::new(),
                request.mutations.clone(),
            )
            .await
            .map_err(|_| Self::server_error())?;
        if self.rng.chance(self.faults.duplicated) {
            self.counts.borrow_mut().duplicated += 1;
            let again = self
                .db
                .push(
                    request.device_id,
                    None,
                    Vec::new(),
                    request.mutations.clone(),
                )
                .await
                .map_err(|_| Self::server_error())?;
            // Whichever answer arrives, it must settle the same mutations.
            for (first, second) in results.iter().zip(&again) {
                assert_eq!(first.id, second.id);
                if first.status.is_settled_on_server() {
                    assert_eq!(first.status, second.status, "a retry is answered alike");
                }
            }
            results = again;
        }
        if self.rng.chance(self.faults.lost_response) {
            self.counts.borrow_mut().lost_responses += 1;
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
        if self.rng.chance(self.faults.lost_request) {
            self.counts.borrow_mut().lost_requests += 1;
            return Err(TransportError::Unreachable);
        }
        let children = match child {
            Some(child) if !self.scope.contains(&child) => {
                return Err(TransportError::Server {
                    status: 403,
                    code: Some(ErrorCode::Forbidden),
                });
            }
            Some(child) => vec![child],
            None => self.scope.clone(),
        };
        match self.db.pull(&children, since, limit).await {
            // Through the wire format, decoded as the app decodes it.
            Ok(page) => {
                let body = serde_json::to_string(&page.into_response(self.scope.clone()))
                    .map_err(|e| TransportError::Decode(e.to_string()))?;
                PulledPage::decode(&body).map_err(|e| TransportError::Decode(e.to_string()))
            }
            Err(PullError::CursorAhead { .. }) => Err(TransportError::Server {
                status: 409,
                code: Some(ErrorCode::CursorAhead),
            }),
            Err(PullError::Db(_)) => Err(Self::server_error()),
        }
    }
}

/// The server's current state about `children`: their feed folded by record key.
pub async fn server_state(db: &Database, children: &[ChildId]) -> BTreeMap<String, Record> {
    let mut state = BTreeMap::new();
    let mut since = 0;
    loop {
        let page = db.pull(children, since, 1_000).await.expect("pull");
        for change in page.changes {
            let change = change.decode().expect("a stored change");
            let key = record_key(&change.record);
            match change.record {
                Record::Deleted(_) => {
                    state.remove(&key);
                }
                record => {
                    state.insert(key, record);
                }
            }
        }
        since = page.cursor;
        if !page.has_more {
            return state;
        }
    }
}

/// Every change about `children` in the server's feed, in order.
pub async fn server_feed(db: &Database, children: &[ChildId]) -> Vec<Change> {
    let mut all = Vec::new();
    let mut since = 0;
    loop {
        let page = db.pull(children, since, 1_000).await.expect("pull");
        all.extend(
            page.changes
                .iter()
                .map(|c| c.decode().expect("a stored change")),
        );
        since = page.cursor;
        if !page.has_more {
            return all;
        }
    }
}
