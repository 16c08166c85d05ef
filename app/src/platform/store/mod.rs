//! The device's store in IndexedDB. `records` holds the records as the server
//! last sent them; `outbox` the device's own changes not yet on the server;
//! what the UI shows is the first with the second laid on top
//! (`stored::overlay`). A local write is one outbox entry in one transaction,
//! so a reload, crash or closed tab either has it or never saw it.
//!
//! Everything about children (records, pending and refused changes, logged
//! reads, the session's tokens) is sealed with the device key before it is
//! stored (`platform::crypto`, AES-GCM). Only ids, record kinds, the pull
//! cursor, the key's derivation parameters and who the device belongs to are
//! in the clear. Sealing is asynchronous and an IndexedDB transaction closes
//! when its callbacks go idle, so values are sealed before a transaction
//! starts and opened after it has delivered them.
//!
//! By concern: the device key (`keys.rs`), the outbox and refused changes
//! (`outbox.rs`), visit drafts (`drafts.rs`), the meta store: cursor,
//! session, reference data, held children, the caseload snapshot
//! (`meta.rs`); here the records and what sync asks of the store.

mod drafts;
mod journal;
mod keys;
mod meta;
mod outbox;
mod reads;

pub use keys::{KeyMethod, RESEALED_KEY};
pub use outbox::RefusedChange;

use super::crypto::{random_bytes, random_nonces, DeviceKey};
use super::idb::{self, IdbError};
use crate::caseload::{CaseloadSnapshot, StoreStamp};
use crate::lock::{after_wrong_pin, b64_encode, AfterWrongPin, CHECK_AT, CHECK_TEXT, SALT_BYTES};
use crate::records_key::{RecordsKey, NONCE_BYTES};
use crate::stored::{overlay, pulled_effect, record_key, LocalEffect, OutboxEntry, StoredRecord};
use crate::sync::{LocalStore, StoreError};
use futures::future::try_join_all;
use shared::auth::UserProfile;
use shared::protocol::{Change, Mutation, Record};
use shared::{ChildId, DeviceId, ErrorCode, MutationId};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashSet};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{IdbDatabase, IdbObjectStore, IdbTransaction, IdbTransactionMode};

pub const DB_NAME: &str = "barnbesok";
pub const DB_VERSION: u32 = 7;
const RECORDS: &str = "records";
const OUTBOX: &str = "outbox";
const REJECTED: &str = "rejected";
const META: &str = "meta";
/// Reads from this store, logged for the server's audit log until sent.
const READS: &str = "reads";
/// Visits being written, one per child, sealed (`visit_draft::VisitDraft`).
const DRAFTS: &str = "drafts";
/// Mutations the server settled, kept for a restore (`outbox::JournalEntry`).
const JOURNAL: &str = "journal";
/// Pulled changes of kinds this build does not read (`feed::UnknownChange`).
const UNKNOWN: &str = "unknown";
/// Which children's records each write touched, by the write's number
/// (`stored::changed_since`): ids only, as in `records`' index.
const CHANGED: &str = "changed";
/// The number of the last write noted in `changed` (`StoreStamp::change_seq`).
const CHANGE_SEQ_KEY: &str = "change_seq";
/// The feed epoch the cursor belongs to.
const EPOCH_KEY: &str = "feed_epoch";
const CURSOR_KEY: &str = "pull_cursor";
const DEVICE_KEY: &str = "device_id";
/// The children whose whole history the device holds, as a JSON array.
const HELD_KEY: &str = "held_children";
/// The signed-in session (`session::StoredSession` as JSON), sealed.
const SESSION_KEY: &str = "session";
/// Whose device this is (`UserProfile` as JSON), readable while locked.
const OWNER_KEY: &str = "owner";
/// How the device key is derived (`lock::KdfParams` as JSON).
const KDF_KEY: &str = "key_params";
/// Wrong PINs in a row.
const PIN_FAILURES_KEY: &str = "pin_failures";
/// Seconds without use before the app locks (from the server).
const LOCK_AFTER_KEY: &str = "lock_after_secs";
/// The session's check token (`SessionTokens::check_token`), in the clear:
/// it only asks whether the session holds, so the locked device, which has
/// no key, can learn that it was revoked.
const CHECK_TOKEN_KEY: &str = "check_token";
/// When the device last reached the server (milliseconds since the epoch):
/// a sign-in, a successful session check, pull or push.
const LAST_CONTACT_KEY: &str = "last_contact_ms";
/// The administrator's rules for devices (`DevicePolicy` as JSON).
const POLICY_KEY: &str = "device_policy";
/// Routines and checklist templates managers published (`ReferenceData` as
/// JSON): about no child, so kept in the clear and readable while locked.
const REFERENCE_KEY: &str = "reference";
/// The caseload as last worked out (`crate::caseload::CaseloadSnapshot`),
/// sealed like the records it comes from.
const CASELOAD_KEY: &str = "caseload_snapshot";
/// The last self-check report computed (`crate::selfcheck::KeptReport`),
/// sealed: its lists name children.
const SELFCHECK_KEY: &str = "selfcheck_report";
const WORKER_CARD_KEY: &str = "worker_card";
/// Bumped by every write to the records that moves neither the pull cursor
/// nor the outbox's newest key (`StoreStamp::records_rev`).
const RECORDS_REV_KEY: &str = "records_rev";
/// The records key (`crate::records_key`), sealed with the device key.
const RECORDS_KEY_KEY: &str = "records_key";

fn upgrade(db: &IdbDatabase, tx: &IdbTransaction, old_version: u32) -> Result<(), JsValue> {
    if old_version < 1 {
        let records = idb::create_store(db, RECORDS, Some("key"), false)?;
        records.create_index_with_str("by_child", "child_id")?;
        let outbox = idb::create_store(db, OUTBOX, None, true)?;
        let unique = web_sys::IdbIndexParameters::new();
        unique.set_unique(true);
        outbox.create_index_with_str_and_optional_parameters(
            "by_mutation",
            "mutation_id",
            &unique,
        )?;
        idb::create_store(db, META, None, false)?;
    }
    if old_version < 2 {
        idb::create_store(db, REJECTED, Some("mutation_id"), false)?;
    }
    if old_version < 3 {
        idb::create_store(db, READS, Some("id"), false)?;
    }
    if old_version < 4 {
        idb::create_store(db, DRAFTS, Some("child_id"), false)?;
    }
    if old_version < 5 {
        let journal = idb::create_store(db, JOURNAL, None, true)?;
        let unique = web_sys::IdbIndexParameters::new();
        unique.set_unique(true);
        journal.create_index_with_str_and_optional_parameters(
            "by_mutation",
            "mutation_id",
            &unique,
        )?;
        journal.create_index_with_str("by_child", "child_id")?;
        let unknown = idb::create_store(db, UNKNOWN, Some("key"), false)?;
        unknown.create_index_with_str("by_child", "child_id")?;
    }
    if (1..6).contains(&old_version) {
        // Records of one kind are found by their keys' prefix; an index on
        // the kind cost every put of a first sync about a sixth of its time
        // (docs/performance.md).
        tx.object_store(RECORDS)?.delete_index("by_kind")?;
    }
    if old_version < 7 {
        let changed = idb::create_store(db, CHANGED, Some("child_id"), false)?;
        // A snapshot made before writes were noted is brought forward from
        // nothing: every child is read again once.
        changed.put(&changed_entry(crate::stored::EVERY_CHILD, 1))?;
        tx.object_store(META)?
            .put_with_key(&JsValue::from_f64(1.0), &JsValue::from_str(CHANGE_SEQ_KEY))?;
    }
    Ok(())
}

/// An entry of `changed`: `child` was last written by write number `seq`.
fn changed_entry(child: &str, seq: u64) -> JsValue {
    let entry = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&entry, &"child_id".into(), &child.into());
    let _ = js_sys::Reflect::set(&entry, &"seq".into(), &JsValue::from_f64(seq as f64));
    entry.into()
}

impl From<IdbError> for StoreError {
    fn from(e: IdbError) -> Self {
        StoreError(e.0)
    }
}

fn decode_err(e: serde_json::Error) -> StoreError {
    StoreError(format!("kunde inte läsa posten: {e}"))
}

fn js_err(e: JsValue) -> StoreError {
    IdbError::from(e).into()
}

/// The store was used while locked (no key in memory).
pub const LOCKED: &str = "enheten är låst";

/// What a PIN did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unlock {
    Unlocked,
    WrongPin {
        left: u32,
    },
    /// Too many wrong PINs (or key parameters that were tampered with):
    /// everything on the device is gone.
    Wiped,
}

pub struct IdbStore {
    db: IdbDatabase,
    key: RefCell<Option<DeviceKey>>,
    /// Opened with `key`; seals the records (`crate::records_key`).
    records_key: RefCell<Option<std::rc::Rc<RecordsKey>>>,
    /// Pulled changes sealed ahead of their page (`prepare_pulled`), with
    /// the change each was made from.
    prepared: RefCell<Vec<(Change, Write)>>,
}

impl IdbStore {
    pub async fn open(name: &str) -> Result<Self, StoreError> {
        Ok(Self {
            db: idb::open(name, DB_VERSION, upgrade).await?,
            key: RefCell::new(None),
            records_key: RefCell::new(None),
            prepared: RefCell::new(Vec::new()),
        })
    }

    /// Every readwrite transaction but `tx_refetchable`'s is strict: a visit,
    /// a draft or a logged read may exist nowhere else yet.
    fn tx(&self, stores: &[&str], mode: IdbTransactionMode) -> Result<IdbTransaction, StoreError> {
        Ok(match mode {
            IdbTransactionMode::Readwrite => {
                idb::write_transaction(&self.db, stores, idb::Durability::Strict)?
            }
            _ => idb::transaction(&self.db, stores, mode)?,
        })
    }

    /// A relaxed write, for what the server can send again: pulled pages.
    /// Lost with their cursor in a power cut, they are pulled again.
    fn tx_refetchable(&self, stores: &[&str]) -> Result<IdbTransaction, StoreError> {
        Ok(idb::write_transaction(
            &self.db,
            stores,
            idb::Durability::Relaxed,
        )?)
    }

    /// Deletes the value at `key` of `store`, committed before this returns.
    async fn delete_one(&self, store: &str, key: &str) -> Result<(), StoreError> {
        let tx = self.tx(&[store], IdbTransactionMode::Readwrite)?;
        tx.object_store(store)
            .map_err(js_err)?
            .delete(&JsValue::from_str(key))
            .map_err(js_err)?;
        idb::committed(&tx).await?;
        Ok(())
    }

    /// A record as stored: its key, kind and child in the clear (ids only),
    /// the record itself sealed with the records key and `nonce`.
    fn sealed_record(
        &self,
        record: &Record,
        nonce: &[u8; NONCE_BYTES],
    ) -> Result<JsValue, StoreError> {
        let stored = StoredRecord::encode(record).map_err(decode_err)?;
        let sealed = self.seal_in_bulk(RECORDS, &stored.key, &stored.json, nonce)?;
        Ok(idb::object(&[
            ("key", &stored.key),
            ("kind", &stored.kind),
            ("child_id", &stored.child_id),
            ("json", &sealed),
        ])?)
    }

    /// Pulled changes as writes to `records`, sealed ahead of the transaction.
    async fn sealed_effects(&self, changes: &[Change]) -> Result<Vec<Write>, StoreError> {
        self.sealed_writes(
            changes
                .iter()
                .map(|change| pulled_effect(change.record.clone())),
        )
    }

    /// Effects on `records` as writes, each put sealed with its own nonce.
    fn sealed_writes(
        &self,
        effects: impl ExactSizeIterator<Item = LocalEffect>,
    ) -> Result<Vec<Write>, StoreError> {
        let nonces = random_nonces(effects.len())?;
        effects
            .zip(&nonces)
            .map(|(effect, nonce)| {
                Ok(match effect {
                    LocalEffect::Put(record) => Write::Put(self.sealed_record(&record, nonce)?),
                    LocalEffect::Delete(key) => Write::Delete(key),
                })
            })
            .collect()
    }

    async fn get_all(&self, store: &str, select: Select<'_>) -> Result<js_sys::Array, StoreError> {
        let tx = self.tx(&[store], IdbTransactionMode::Readonly)?;
        let os = tx.object_store(store).map_err(js_err)?;
        let req = match select {
            Select::All => os.get_all(),
            Select::Indexed(name, key) => os
                .index(name)
                .map_err(js_err)?
                .get_all_with_key(&JsValue::from_str(key)),
            Select::Kind(kind) => os.get_all_with_key(&kind_range(kind)?.into()),
        }
        .map_err(js_err)?;
        Ok(idb::request(&req).await?.unchecked_into())
    }

    /// The `json` field of each object of `store`, opened (each at the key
    /// its field `key_field` names) and decoded.
    async fn open_all<T: serde::de::DeserializeOwned>(
        &self,
        store: &str,
        key_field: &str,
        values: js_sys::Array,
    ) -> Result<Vec<T>, StoreError> {
        let sealed: Vec<(String, String)> = values
            .iter()
            .map(|v| Ok((idb::get_str(&v, key_field)?, idb::get_str(&v, "json")?)))
            .collect::<Result<_, IdbError>>()?;
        try_join_all(sealed.iter().map(|(key, s)| async move {
            let json = self.open_sealed(store, key, s).await?;
            serde_json::from_str(&json).map_err(decode_err)
        }))
        .await
    }

    async fn base(&self, select: Select<'_>) -> Result<BTreeMap<String, Record>, StoreError> {
        let records: Vec<Record> = self
            .open_all(RECORDS, "key", self.get_all(RECORDS, select).await?)
            .await?;
        Ok(records.into_iter().map(|r| (record_key(&r), r)).collect())
    }

    /// Every record as the device shows it: the server's with pending changes on top.
    pub async fn view_all(&self) -> Result<Vec<Record>, StoreError> {
        let mut view = self.base(Select::All).await?;
        overlay(&mut view, &self.outbox().await?);
        Ok(view.into_values().collect())
    }

    /// One child's records as the device shows them, the child's own included.
    pub async fn view_of_child(&self, child: ChildId) -> Result<Vec<Record>, StoreError> {
        let mut view = self
            .base(Select::Indexed("by_child", &child.to_string()))
            .await?;
        let pending: Vec<Mutation> = self
            .outbox()
            .await?
            .into_iter()
            .filter(|m| m.operation.child_id() == child)
            .collect();
        overlay(&mut view, &pending);
        Ok(view.into_values().collect())
    }

    /// The records of `children` as the device shows them, read through
    /// the index by child: what a caseload brought forward needs.
    pub async fn view_of_children(
        &self,
        children: &BTreeSet<ChildId>,
    ) -> Result<Vec<Record>, StoreError> {
        let ids: Vec<String> = children.iter().map(ChildId::to_string).collect();
        let bases = try_join_all(
            ids.iter()
                .map(|id| self.base(Select::Indexed("by_child", id))),
        )
        .await?;
        let mut view: BTreeMap<String, Record> = bases.into_iter().flatten().collect();
        let pending: Vec<Mutation> = self
            .outbox()
            .await?
            .into_iter()
            .filter(|m| children.contains(&m.operation.child_id()))
            .collect();
        overlay(&mut view, &pending);
        Ok(view.into_values().collect())
    }

    /// The conflicts as the device shows them (a pending resolution applied).
    /// Read by their keys' prefix, so a sync does not open every record on
    /// the device to count them.
    pub async fn conflicts(&self) -> Result<Vec<Record>, StoreError> {
        let mut view = self.base(Select::Kind("conflict")).await?;
        let pending: Vec<Mutation> = self
            .outbox()
            .await?
            .into_iter()
            .filter(|m| matches!(m.operation, shared::protocol::Operation::ResolveConflict(_)))
            .collect();
        overlay(&mut view, &pending);
        Ok(view.into_values().collect())
    }

    /// Empties every store of the user's data: records, pending and refused
    /// changes, logged reads, the cursor, the session. The key and the owner
    /// stay: the same user signs in again (after signing out on purpose,
    /// `wipe_all` is used instead). The device id stays (it names the
    /// device, not the user).
    pub async fn wipe(&self) -> Result<(), StoreError> {
        self.clear(&[
            CURSOR_KEY,
            EPOCH_KEY,
            HELD_KEY,
            SESSION_KEY,
            CASELOAD_KEY,
            SELFCHECK_KEY,
        ])
        .await
    }

    /// Everything, the key's parameters and the owner too: signing out, a
    /// revoked device, too many wrong PINs.
    pub async fn wipe_all(&self) -> Result<(), StoreError> {
        self.clear(&[
            CURSOR_KEY,
            EPOCH_KEY,
            CASELOAD_KEY,
            SELFCHECK_KEY,
            HELD_KEY,
            SESSION_KEY,
            OWNER_KEY,
            KDF_KEY,
            RECORDS_KEY_KEY,
            RESEALED_KEY,
            PIN_FAILURES_KEY,
            LOCK_AFTER_KEY,
            CHECK_TOKEN_KEY,
            LAST_CONTACT_KEY,
            POLICY_KEY,
        ])
        .await?;
        self.lock();
        Ok(())
    }

    async fn clear(&self, meta_keys: &[&str]) -> Result<(), StoreError> {
        let tx = self.tx(
            &[
                RECORDS, OUTBOX, REJECTED, READS, DRAFTS, JOURNAL, UNKNOWN, CHANGED, META,
            ],
            IdbTransactionMode::Readwrite,
        )?;
        for name in [
            RECORDS, OUTBOX, REJECTED, READS, DRAFTS, JOURNAL, UNKNOWN, CHANGED,
        ] {
            tx.object_store(name)
                .map_err(js_err)?
                .clear()
                .map_err(js_err)?;
        }
        let meta = tx.object_store(META).map_err(js_err)?;
        for key in meta_keys {
            meta.delete(&JsValue::from_str(key)).map_err(js_err)?;
        }
        Self::note_changed(&tx, [crate::stored::EVERY_CHILD.to_owned()]).await?;
        idb::committed(&tx).await?;
        Ok(())
    }
}

impl From<super::crypto::CryptoError> for StoreError {
    fn from(e: super::crypto::CryptoError) -> Self {
        StoreError(e.0)
    }
}

/// Which values of a store [`IdbStore::get_all`] reads.
enum Select<'a> {
    All,
    /// Those whose index `.0` holds `.1`.
    Indexed(&'a str, &'a str),
    /// The records of one kind: their keys are `<kind>:<id>`
    /// (`stored::record_key`), so a key range finds them without an index
    /// that every put would have to update.
    Kind(&'a str),
}

fn kind_range(kind: &str) -> Result<web_sys::IdbKeyRange, StoreError> {
    // ';' follows ':', so the range holds exactly the keys `<kind>:…`.
    web_sys::IdbKeyRange::bound(
        &JsValue::from_str(&format!("{kind}:")),
        &JsValue::from_str(&format!("{kind};")),
    )
    .map_err(js_err)
}

/// One write to `records`, prepared (sealed) before its transaction.
enum Write {
    Put(JsValue),
    Delete(String),
}

fn apply_writes(records: &IdbObjectStore, writes: &[Write]) -> Result<(), StoreError> {
    for write in writes {
        match write {
            Write::Put(value) => {
                records.put(value).map_err(js_err)?;
            }
            Write::Delete(key) => {
                records.delete(&JsValue::from_str(key)).map_err(js_err)?;
            }
        }
    }
    Ok(())
}

impl LocalStore for IdbStore {
    async fn outbox(&self) -> Result<Vec<Mutation>, StoreError> {
        self.open_all(
            OUTBOX,
            "mutation_id",
            self.get_all(OUTBOX, Select::All).await?,
        )
        .await
    }

    async fn settle(&self, settled: &[Mutation]) -> Result<(), StoreError> {
        self.remove_from_outbox(settled, &[]).await
    }

    async fn reject(&self, refused: &[(Mutation, ErrorCode)]) -> Result<(), StoreError> {
        self.remove_from_outbox(&[], refused).await
    }

    async fn cursor(&self) -> Result<u64, StoreError> {
        Ok(self.meta_get(CURSOR_KEY).await?.as_f64().unwrap_or(0.0) as u64)
    }

    async fn prepare_pulled(&self, changes: &[Change]) -> Result<(), StoreError> {
        let writes = self.sealed_effects(changes).await?;
        *self.prepared.borrow_mut() = changes.iter().cloned().zip(writes).collect();
        Ok(())
    }

    async fn apply_pulled(&self, changes: &[Change], cursor: u64) -> Result<(), StoreError> {
        let prepared = self.prepared.take();
        let writes = if prepared.len() == changes.len()
            && prepared
                .iter()
                .zip(changes)
                .all(|((made_from, _), change)| made_from == change)
        {
            prepared.into_iter().map(|(_, write)| write).collect()
        } else {
            self.sealed_effects(changes).await?
        };
        let tx = self.tx_refetchable(&[RECORDS, META, CHANGED])?;
        apply_writes(&tx.object_store(RECORDS).map_err(js_err)?, &writes)?;
        tx.object_store(META)
            .map_err(js_err)?
            .put_with_key(
                &JsValue::from_f64(cursor as f64),
                &JsValue::from_str(CURSOR_KEY),
            )
            .map_err(js_err)?;
        Self::note_changed(&tx, changes.iter().map(|c| c.record.child_id().to_string())).await?;
        idb::committed(&tx).await?;
        Ok(())
    }

    async fn held_children(&self) -> Result<BTreeSet<ChildId>, StoreError> {
        let tx = self.tx(&[META], IdbTransactionMode::Readonly)?;
        Self::read_held(&tx.object_store(META).map_err(js_err)?).await
    }

    async fn hold_children(&self, children: &[ChildId]) -> Result<(), StoreError> {
        self.update_held(|held| held.extend(children), &[], async |_| Ok(()))
            .await
    }

    async fn apply_history(
        &self,
        child: ChildId,
        changes: &[Change],
        complete: bool,
    ) -> Result<(), StoreError> {
        let writes = self.sealed_effects(changes).await?;
        self.update_held(
            |held| {
                if complete {
                    held.insert(child);
                }
            },
            &[child],
            async |records| apply_writes(records, &writes),
        )
        .await
    }

    async fn forget_child(&self, child: ChildId) -> Result<(), StoreError> {
        self.update_held(
            |held| {
                held.remove(&child);
            },
            &[child],
            async |records| {
                let index = records.index("by_child").map_err(js_err)?;
                let keys = idb::request(
                    &index
                        .get_all_keys_with_key(&JsValue::from_str(&child.to_string()))
                        .map_err(js_err)?,
                )
                .await?;
                for key in js_sys::Array::from(&keys).iter() {
                    records.delete(&key).map_err(js_err)?;
                }
                Ok(())
            },
        )
        .await?;
        self.forget_kept(child).await
    }

    async fn pending_reads(&self) -> Result<Vec<shared::audit::LocalRead>, StoreError> {
        self.open_all(READS, "id", self.get_all(READS, Select::All).await?)
            .await
    }

    async fn settle_reads(&self, ids: &[uuid::Uuid]) -> Result<(), StoreError> {
        let tx = self.tx(&[READS], IdbTransactionMode::Readwrite)?;
        let reads = tx.object_store(READS).map_err(js_err)?;
        for id in ids {
            reads
                .delete(&JsValue::from_str(&id.to_string()))
                .map_err(js_err)?;
        }
        idb::committed(&tx).await?;
        Ok(())
    }

    async fn forget_refused(&self, ids: &[MutationId]) -> Result<(), StoreError> {
        let tx = self.tx(&[REJECTED], IdbTransactionMode::Readwrite)?;
        let rejected = tx.object_store(REJECTED).map_err(js_err)?;
        for id in ids {
            rejected
                .delete(&JsValue::from_str(&id.to_string()))
                .map_err(js_err)?;
        }
        idb::committed(&tx).await?;
        Ok(())
    }

    async fn children_with_kept_work(&self) -> Result<BTreeSet<ChildId>, StoreError> {
        let mut children: BTreeSet<ChildId> = self
            .refused()
            .await?
            .iter()
            .map(|r| r.mutation.operation.child_id())
            .collect();
        let tx = self.tx(&[DRAFTS], IdbTransactionMode::Readonly)?;
        let keys: js_sys::Array = idb::request(
            &tx.object_store(DRAFTS)
                .map_err(js_err)?
                .get_all_keys()
                .map_err(js_err)?,
        )
        .await?
        .unchecked_into();
        children.extend(
            keys.iter()
                .filter_map(|k| k.as_string())
                .filter_map(|k| ChildId::parse(&k).ok()),
        );
        Ok(children)
    }

    async fn feed_epoch(&self) -> Result<Option<shared::protocol::FeedEpoch>, StoreError> {
        self.read_feed_epoch().await
    }

    async fn adopt_epoch(
        &self,
        epoch: &shared::protocol::FeedEpoch,
        brought: &BTreeSet<String>,
    ) -> Result<usize, StoreError> {
        self.write_epoch(epoch, brought).await
    }

    async fn keep_unknown(&self, unknown: &[crate::feed::UnknownChange]) -> Result<(), StoreError> {
        self.write_unknown(unknown).await
    }

    async fn journal(&self) -> Result<Vec<crate::outbox::JournalEntry>, StoreError> {
        self.read_journal().await
    }

    async fn prune_journal(&self, ids: &[MutationId]) -> Result<(), StoreError> {
        self.delete_from_journal(ids).await
    }

    async fn prune_journal_before(
        &self,
        cutoff: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), StoreError> {
        self.delete_journal_before(cutoff).await
    }
}
