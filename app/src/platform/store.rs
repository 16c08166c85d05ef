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

use super::crypto::{random_bytes, DeviceKey};
use super::idb::{self, IdbError};
use crate::caseload::{CaseloadSnapshot, StoreStamp};
use crate::lock::{
    after_wrong_pin, b64_encode, AfterWrongPin, KdfParams, CHECK_TEXT, MIN_ITERATIONS, SALT_BYTES,
};
use crate::stored::{
    local_effects, overlay, pulled_effect, record_key, LocalEffect, OutboxEntry, StoredRecord,
};
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
pub const DB_VERSION: u32 = 4;
const RECORDS: &str = "records";
const OUTBOX: &str = "outbox";
const REJECTED: &str = "rejected";
const META: &str = "meta";
/// Reads from this store, logged for the server's audit log until sent.
const READS: &str = "reads";
/// Visits being written, one per child, sealed (`visit_draft::VisitDraft`).
const DRAFTS: &str = "drafts";
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
/// Routines and checklist templates managers published (`ReferenceData` as
/// JSON): about no child, so kept in the clear and readable while locked.
const REFERENCE_KEY: &str = "reference";
/// The caseload as last worked out (`crate::caseload::CaseloadSnapshot`),
/// sealed like the records it comes from.
const CASELOAD_KEY: &str = "caseload_snapshot";
/// Bumped with every write of `update_held` (`StoreStamp::history_rev`).
const HISTORY_REV_KEY: &str = "history_rev";

fn upgrade(db: &IdbDatabase, _tx: &IdbTransaction, old_version: u32) -> Result<(), JsValue> {
    if old_version < 1 {
        let records = idb::create_store(db, RECORDS, Some("key"), false)?;
        records.create_index_with_str("by_child", "child_id")?;
        records.create_index_with_str("by_kind", "kind")?;
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
    Ok(())
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

/// A change the server refused, kept for the user to see.
#[derive(Clone, Debug, PartialEq)]
pub struct RefusedChange {
    pub mutation: Mutation,
    pub code: ErrorCode,
}

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
    /// Pulled changes sealed ahead of their page (`prepare_pulled`), with
    /// the change each was made from.
    prepared: RefCell<Vec<(Change, Write)>>,
}

impl IdbStore {
    pub async fn open(name: &str) -> Result<Self, StoreError> {
        Ok(Self {
            db: idb::open(name, DB_VERSION, upgrade).await?,
            key: RefCell::new(None),
            prepared: RefCell::new(Vec::new()),
        })
    }

    fn tx(&self, stores: &[&str], mode: IdbTransactionMode) -> Result<IdbTransaction, StoreError> {
        Ok(idb::transaction(&self.db, stores, mode)?)
    }

    // ------------------------------------------------------------ the key

    fn key(&self) -> Result<DeviceKey, StoreError> {
        self.key
            .borrow()
            .clone()
            .ok_or_else(|| StoreError(LOCKED.into()))
    }

    pub fn is_unlocked(&self) -> bool {
        self.key.borrow().is_some()
    }

    /// Forgets the key: nothing about children can be read until unlocked.
    pub fn lock(&self) {
        self.key.borrow_mut().take();
    }

    async fn seal(&self, plain: &str) -> Result<String, StoreError> {
        self.key()?.seal(plain).await.map_err(|e| StoreError(e.0))
    }

    async fn open_sealed(&self, sealed: &str) -> Result<String, StoreError> {
        self.key()?.open(sealed).await.map_err(|e| StoreError(e.0))
    }

    /// Whether a device key has been set up (the device is in use).
    pub async fn has_key(&self) -> Result<bool, StoreError> {
        Ok(!self.meta_get(KDF_KEY).await?.is_undefined())
    }

    /// Derives a new device key from `pin` and keeps it in memory. Only on a
    /// device without data: the caller has wiped it or it is new.
    pub async fn set_up_key(&self, pin: &str) -> Result<(), StoreError> {
        let crypto = |e: super::crypto::CryptoError| StoreError(e.0);
        let salt = random_bytes(SALT_BYTES).map_err(crypto)?;
        let key = DeviceKey::derive(pin, &salt, MIN_ITERATIONS)
            .await
            .map_err(crypto)?;
        let check = key.seal(CHECK_TEXT).await.map_err(crypto)?;
        let params = KdfParams {
            salt: b64_encode(&salt),
            iterations: MIN_ITERATIONS,
            check,
        };
        let json = serde_json::to_string(&params).map_err(decode_err)?;
        self.meta_put(&[
            (KDF_KEY, JsValue::from_str(&json)),
            (PIN_FAILURES_KEY, JsValue::from_f64(0.0)),
        ])
        .await?;
        *self.key.borrow_mut() = Some(key);
        Ok(())
    }

    /// Tries `pin`. The failure is counted before the key is derived, so
    /// closing the tab mid-attempt does not reset the count; the fifth wrong
    /// PIN in a row wipes the device.
    pub async fn unlock(&self, pin: &str) -> Result<Unlock, StoreError> {
        let Some(json) = self.meta_get(KDF_KEY).await?.as_string() else {
            return Err(StoreError("ingen nyckel på enheten".into()));
        };
        let params: Option<KdfParams> = serde_json::from_str(&json).ok();
        let Some((params, salt)) = params.and_then(|p| p.validated().ok().map(|salt| (p, salt)))
        else {
            // Weakened or broken parameters: not a key anyone set up here.
            self.wipe_all().await?;
            return Ok(Unlock::Wiped);
        };
        let failures = self
            .meta_get(PIN_FAILURES_KEY)
            .await?
            .as_f64()
            .unwrap_or(0.0) as u32;
        self.meta_put(&[(PIN_FAILURES_KEY, JsValue::from_f64(f64::from(failures + 1)))])
            .await?;
        super::browser::mark("barnbesok:key-derivation-start");
        let key = DeviceKey::derive(pin, &salt, params.iterations)
            .await
            .map_err(|e| StoreError(e.0))?;
        super::browser::measure("barnbesok:key-derivation", "barnbesok:key-derivation-start");
        if key.open(&params.check).await.ok().as_deref() == Some(CHECK_TEXT) {
            self.meta_put(&[(PIN_FAILURES_KEY, JsValue::from_f64(0.0))])
                .await?;
            *self.key.borrow_mut() = Some(key);
            return Ok(Unlock::Unlocked);
        }
        match after_wrong_pin(failures) {
            AfterWrongPin::TryAgain { left } => Ok(Unlock::WrongPin { left }),
            AfterWrongPin::Wipe => {
                self.wipe_all().await?;
                Ok(Unlock::Wiped)
            }
        }
    }

    // ------------------------------------------------------------ writes

    /// Records a local change: one outbox entry, committed before this returns.
    pub async fn record_change(&self, mutation: &Mutation) -> Result<(), StoreError> {
        self.record_change_and(mutation, None).await
    }

    /// Records a change and, in the same transaction, removes the draft it
    /// came from.
    async fn record_change_and(
        &self,
        mutation: &Mutation,
        draft_of: Option<ChildId>,
    ) -> Result<(), StoreError> {
        let entry = OutboxEntry::encode(mutation).map_err(decode_err)?;
        let sealed = self.seal(&entry.json).await?;
        let tx = self.tx(&[OUTBOX, DRAFTS], IdbTransactionMode::Readwrite)?;
        tx.object_store(OUTBOX)
            .map_err(js_err)?
            .add(&idb::object(&[
                ("mutation_id", &entry.mutation_id),
                ("record_key", &entry.record_key),
                ("json", &sealed),
            ])?)
            .map_err(js_err)?;
        if let Some(child) = draft_of {
            tx.object_store(DRAFTS)
                .map_err(js_err)?
                .delete(&JsValue::from_str(&child.to_string()))
                .map_err(js_err)?;
        }
        idb::committed(&tx).await?;
        Ok(())
    }

    /// A record as stored: its key, kind and child in the clear (ids only),
    /// the record itself sealed.
    async fn sealed_record(&self, record: &Record) -> Result<JsValue, StoreError> {
        let stored = StoredRecord::encode(record).map_err(decode_err)?;
        let sealed = self.seal(&stored.json).await?;
        Ok(idb::object(&[
            ("key", &stored.key),
            ("kind", &stored.kind),
            ("child_id", &stored.child_id),
            ("json", &sealed),
        ])?)
    }

    /// Pulled changes as writes to `records`, sealed ahead of the transaction.
    async fn sealed_effects(&self, changes: &[Change]) -> Result<Vec<Write>, StoreError> {
        try_join_all(changes.iter().map(|change| async move {
            Ok::<_, StoreError>(match pulled_effect(change.record.clone()) {
                LocalEffect::Put(record) => Write::Put(self.sealed_record(&record).await?),
                LocalEffect::Delete(key) => Write::Delete(key),
            })
        }))
        .await
    }

    // ------------------------------------------------------------ reads

    async fn get_all(
        &self,
        store: &str,
        index: Option<(&str, &str)>,
    ) -> Result<js_sys::Array, StoreError> {
        let tx = self.tx(&[store], IdbTransactionMode::Readonly)?;
        let os = tx.object_store(store).map_err(js_err)?;
        let req = match index {
            None => os.get_all(),
            Some((name, key)) => os
                .index(name)
                .map_err(js_err)?
                .get_all_with_key(&JsValue::from_str(key)),
        }
        .map_err(js_err)?;
        Ok(idb::request(&req).await?.unchecked_into())
    }

    /// The `json` field of each stored object, opened and decoded.
    async fn open_all<T: serde::de::DeserializeOwned>(
        &self,
        values: js_sys::Array,
    ) -> Result<Vec<T>, StoreError> {
        let sealed: Vec<String> = values
            .iter()
            .map(|v| idb::get_str(&v, "json").map_err(StoreError::from))
            .collect::<Result<_, _>>()?;
        try_join_all(sealed.iter().map(|s| async move {
            let json = self.open_sealed(s).await?;
            serde_json::from_str(&json).map_err(decode_err)
        }))
        .await
    }

    async fn base(
        &self,
        index: Option<(&str, &str)>,
    ) -> Result<BTreeMap<String, Record>, StoreError> {
        let records: Vec<Record> = self.open_all(self.get_all(RECORDS, index).await?).await?;
        Ok(records.into_iter().map(|r| (record_key(&r), r)).collect())
    }

    /// Every record as the device shows it: the server's with pending changes on top.
    pub async fn view_all(&self) -> Result<Vec<Record>, StoreError> {
        let mut view = self.base(None).await?;
        overlay(&mut view, &self.outbox().await?);
        Ok(view.into_values().collect())
    }

    /// One child's records as the device shows them, the child's own included.
    pub async fn view_of_child(&self, child: ChildId) -> Result<Vec<Record>, StoreError> {
        let mut view = self.base(Some(("by_child", &child.to_string()))).await?;
        let pending: Vec<Mutation> = self
            .outbox()
            .await?
            .into_iter()
            .filter(|m| m.operation.child_id() == child)
            .collect();
        overlay(&mut view, &pending);
        Ok(view.into_values().collect())
    }

    /// The conflicts as the device shows them (a pending resolution applied).
    /// Read through the `by_kind` index, so a sync does not open every record
    /// on the device to count them.
    pub async fn conflicts(&self) -> Result<Vec<Record>, StoreError> {
        let mut view = self.base(Some(("by_kind", "conflict"))).await?;
        let pending: Vec<Mutation> = self
            .outbox()
            .await?
            .into_iter()
            .filter(|m| matches!(m.operation, shared::protocol::Operation::ResolveConflict(_)))
            .collect();
        overlay(&mut view, &pending);
        Ok(view.into_values().collect())
    }

    /// Keys of records with changes not yet on the server.
    pub async fn pending_record_keys(&self) -> Result<HashSet<String>, StoreError> {
        self.get_all(OUTBOX, None)
            .await?
            .iter()
            .map(|v| idb::get_str(&v, "record_key").map_err(StoreError::from))
            .collect()
    }

    pub async fn pending_count(&self) -> Result<usize, StoreError> {
        let tx = self.tx(&[OUTBOX], IdbTransactionMode::Readonly)?;
        let req = tx
            .object_store(OUTBOX)
            .map_err(js_err)?
            .count()
            .map_err(js_err)?;
        Ok(idb::request(&req).await?.as_f64().unwrap_or(0.0) as usize)
    }

    /// Changes the server refused, for the user to read and dismiss.
    pub async fn refused(&self) -> Result<Vec<RefusedChange>, StoreError> {
        let values = self.get_all(REJECTED, None).await?;
        let codes: Vec<ErrorCode> = values
            .iter()
            .map(|v| {
                serde_json::from_value(serde_json::Value::String(idb::get_str(&v, "code")?))
                    .map_err(decode_err)
            })
            .collect::<Result<_, StoreError>>()?;
        let mutations: Vec<Mutation> = self.open_all(values).await?;
        Ok(mutations
            .into_iter()
            .zip(codes)
            .map(|(mutation, code)| RefusedChange { mutation, code })
            .collect())
    }

    pub async fn dismiss_refused(&self, id: MutationId) -> Result<(), StoreError> {
        let tx = self.tx(&[REJECTED], IdbTransactionMode::Readwrite)?;
        tx.object_store(REJECTED)
            .map_err(js_err)?
            .delete(&JsValue::from_str(&id.to_string()))
            .map_err(js_err)?;
        idb::committed(&tx).await?;
        Ok(())
    }

    // ------------------------------------------------------------ drafts

    /// The visit being written for `child`, if any.
    pub async fn draft(
        &self,
        child: ChildId,
    ) -> Result<Option<crate::visit_draft::VisitDraft>, StoreError> {
        let tx = self.tx(&[DRAFTS], IdbTransactionMode::Readonly)?;
        let req = tx
            .object_store(DRAFTS)
            .map_err(js_err)?
            .get(&JsValue::from_str(&child.to_string()))
            .map_err(js_err)?;
        let value = idb::request(&req).await?;
        if value.is_undefined() || value.is_null() {
            return Ok(None);
        }
        let sealed = js_sys::Reflect::get(&value, &JsValue::from_str("json"))
            .map_err(js_err)?
            .as_string()
            .ok_or_else(|| StoreError("utkastet saknar innehåll".into()))?;
        let json = self.open_sealed(&sealed).await?;
        Ok(Some(serde_json::from_str(&json).map_err(decode_err)?))
    }

    /// Keeps the draft, sealed, replacing the child's previous one; unless
    /// `still_wanted` says no once it is sealed (it was signed or thrown away
    /// meanwhile: transactions run in the order they are made, so asking
    /// right before making this one cannot bring a signed draft back).
    pub async fn save_draft(
        &self,
        draft: &crate::visit_draft::VisitDraft,
        still_wanted: impl Fn() -> bool,
    ) -> Result<(), StoreError> {
        let json = serde_json::to_string(draft).map_err(decode_err)?;
        let sealed = self.seal(&json).await?;
        if !still_wanted() {
            return Ok(());
        }
        let entry = idb::object(&[("child_id", &draft.child_id.to_string()), ("json", &sealed)])?;
        let tx = self.tx(&[DRAFTS], IdbTransactionMode::Readwrite)?;
        tx.object_store(DRAFTS)
            .map_err(js_err)?
            .put(&entry)
            .map_err(js_err)?;
        idb::committed(&tx).await?;
        Ok(())
    }

    /// Signs a draft: the visit goes to the outbox and the draft goes, in one
    /// transaction, so a crash leaves either the draft or the signed visit.
    pub async fn sign_draft(&self, mutation: &Mutation, child: ChildId) -> Result<(), StoreError> {
        self.record_change_and(mutation, Some(child)).await
    }

    /// Throws the draft away.
    pub async fn discard_draft(&self, child: ChildId) -> Result<(), StoreError> {
        let tx = self.tx(&[DRAFTS], IdbTransactionMode::Readwrite)?;
        tx.object_store(DRAFTS)
            .map_err(js_err)?
            .delete(&JsValue::from_str(&child.to_string()))
            .map_err(js_err)?;
        idb::committed(&tx).await?;
        Ok(())
    }

    // ------------------------------------------------------------ caseload snapshot

    /// The store's figures (`StoreStamp`), read in one transaction so they
    /// belong together. Nothing sealed is opened.
    pub async fn stamp(&self) -> Result<StoreStamp, StoreError> {
        let tx = self.tx(&[RECORDS, OUTBOX, META], IdbTransactionMode::Readonly)?;
        let records = tx
            .object_store(RECORDS)
            .map_err(js_err)?
            .count()
            .map_err(js_err)?;
        let pending = tx
            .object_store(OUTBOX)
            .map_err(js_err)?
            .get_all_keys()
            .map_err(js_err)?;
        let meta = tx.object_store(META).map_err(js_err)?;
        let cursor = meta.get(&JsValue::from_str(CURSOR_KEY)).map_err(js_err)?;
        let history_rev = meta
            .get(&JsValue::from_str(HISTORY_REV_KEY))
            .map_err(js_err)?;
        let records = idb::request(&records).await?.as_f64().unwrap_or(0.0) as u64;
        let pending: js_sys::Array = idb::request(&pending).await?.unchecked_into();
        let cursor = idb::request(&cursor).await?.as_f64().unwrap_or(0.0) as u64;
        let history_rev = idb::request(&history_rev).await?.as_f64().unwrap_or(0.0) as u64;
        Ok(StoreStamp {
            records,
            history_rev,
            cursor,
            pending: u64::from(pending.length()),
            last_pending_key: pending
                .iter()
                .filter_map(|k| k.as_f64())
                .fold(0.0, f64::max) as u64,
        })
    }

    pub async fn caseload_snapshot(&self) -> Result<Option<CaseloadSnapshot>, StoreError> {
        let Some(sealed) = self.meta_get(CASELOAD_KEY).await?.as_string() else {
            return Ok(None);
        };
        let json = self.open_sealed(&sealed).await?;
        Ok(serde_json::from_str(&json).ok())
    }

    pub async fn save_caseload_snapshot(
        &self,
        snapshot: &CaseloadSnapshot,
    ) -> Result<(), StoreError> {
        let json = serde_json::to_string(snapshot).map_err(decode_err)?;
        let sealed = self.seal(&json).await?;
        self.meta_put(&[(CASELOAD_KEY, JsValue::from_str(&sealed))])
            .await
    }

    // ------------------------------------------------------------ meta

    async fn meta_get(&self, key: &str) -> Result<JsValue, StoreError> {
        let tx = self.tx(&[META], IdbTransactionMode::Readonly)?;
        let req = tx
            .object_store(META)
            .map_err(IdbError::from)?
            .get(&JsValue::from_str(key))
            .map_err(IdbError::from)?;
        Ok(idb::request(&req).await?)
    }

    async fn meta_put(&self, entries: &[(&str, JsValue)]) -> Result<(), StoreError> {
        let tx = self.tx(&[META], IdbTransactionMode::Readwrite)?;
        let meta = tx.object_store(META).map_err(js_err)?;
        for (key, value) in entries {
            meta.put_with_key(value, &JsValue::from_str(key))
                .map_err(js_err)?;
        }
        idb::committed(&tx).await?;
        Ok(())
    }

    /// This device's id, created on first use and kept with the data.
    pub async fn device_id(&self) -> Result<DeviceId, StoreError> {
        if let Some(s) = self.meta_get(DEVICE_KEY).await?.as_string() {
            if let Ok(id) = DeviceId::parse(&s) {
                return Ok(id);
            }
        }
        let id = DeviceId::new_random();
        self.meta_put(&[(DEVICE_KEY, JsValue::from_str(&id.to_string()))])
            .await?;
        Ok(id)
    }

    /// Whose device this is, readable while locked (to greet them on the
    /// lock screen and to know when another user signs in).
    pub async fn owner(&self) -> Result<Option<UserProfile>, StoreError> {
        Ok(self
            .meta_get(OWNER_KEY)
            .await?
            .as_string()
            .and_then(|json| serde_json::from_str(&json).ok()))
    }

    /// The signed-in session kept on this device (needs the key).
    pub async fn session(&self) -> Result<Option<crate::session::StoredSession>, StoreError> {
        match self.meta_get(SESSION_KEY).await?.as_string() {
            Some(sealed) => Ok(serde_json::from_str(&self.open_sealed(&sealed).await?).ok()),
            None => Ok(None),
        }
    }

    /// Keeps the session, sealed, and its user as the device's owner.
    pub async fn save_session(
        &self,
        session: &crate::session::StoredSession,
    ) -> Result<(), StoreError> {
        let json = serde_json::to_string(session).map_err(decode_err)?;
        let sealed = self.seal(&json).await?;
        let owner = serde_json::to_string(&session.user).map_err(decode_err)?;
        self.meta_put(&[
            (SESSION_KEY, JsValue::from_str(&sealed)),
            (OWNER_KEY, JsValue::from_str(&owner)),
        ])
        .await
    }

    /// The reference data last fetched, if any.
    pub async fn reference(&self) -> Result<Option<shared::protocol::ReferenceData>, StoreError> {
        Ok(self
            .meta_get(REFERENCE_KEY)
            .await?
            .as_string()
            .and_then(|json| serde_json::from_str(&json).ok()))
    }

    pub async fn save_reference(
        &self,
        reference: &shared::protocol::ReferenceData,
    ) -> Result<(), StoreError> {
        let json = serde_json::to_string(reference).map_err(decode_err)?;
        self.meta_put(&[(REFERENCE_KEY, JsValue::from_str(&json))])
            .await
    }

    /// Seconds without use before the app locks.
    pub async fn lock_after_secs(&self) -> Result<Option<u32>, StoreError> {
        Ok(self
            .meta_get(LOCK_AFTER_KEY)
            .await?
            .as_f64()
            .map(|m| m as u32))
    }

    pub async fn set_lock_after_secs(&self, secs: u32) -> Result<(), StoreError> {
        self.meta_put(&[(LOCK_AFTER_KEY, JsValue::from_f64(f64::from(secs)))])
            .await
    }

    /// Logs that the user looked at `child` here, for the server's audit log.
    pub async fn log_read(
        &self,
        child: ChildId,
        kind: shared::audit::LocalReadKind,
        offline: bool,
    ) -> Result<(), StoreError> {
        let read = shared::audit::LocalRead {
            id: uuid::Uuid::new_v4(),
            child_id: child,
            kind,
            occurred_at: chrono::Utc::now(),
            offline,
        };
        let json = serde_json::to_string(&read).map_err(decode_err)?;
        let sealed = self.seal(&json).await?;
        let tx = self.tx(&[READS], IdbTransactionMode::Readwrite)?;
        tx.object_store(READS)
            .map_err(js_err)?
            .put(&idb::object(&[
                ("id", &read.id.to_string()),
                ("json", &sealed),
            ])?)
            .map_err(js_err)?;
        idb::committed(&tx).await?;
        Ok(())
    }

    /// Empties every store of the user's data: records, pending and refused
    /// changes, logged reads, the cursor, the session. The key and the owner
    /// stay: the same user signs in again (after signing out on purpose,
    /// `wipe_all` is used instead). The device id stays (it names the
    /// device, not the user).
    pub async fn wipe(&self) -> Result<(), StoreError> {
        self.clear(&[CURSOR_KEY, HELD_KEY, SESSION_KEY, CASELOAD_KEY])
            .await
    }

    /// Everything, the key's parameters and the owner too: signing out, a
    /// revoked device, too many wrong PINs.
    pub async fn wipe_all(&self) -> Result<(), StoreError> {
        self.clear(&[
            CURSOR_KEY,
            CASELOAD_KEY,
            HELD_KEY,
            SESSION_KEY,
            OWNER_KEY,
            KDF_KEY,
            PIN_FAILURES_KEY,
            LOCK_AFTER_KEY,
        ])
        .await?;
        self.lock();
        Ok(())
    }

    async fn clear(&self, meta_keys: &[&str]) -> Result<(), StoreError> {
        let tx = self.tx(
            &[RECORDS, OUTBOX, REJECTED, READS, DRAFTS, META],
            IdbTransactionMode::Readwrite,
        )?;
        for name in [RECORDS, OUTBOX, REJECTED, READS, DRAFTS] {
            tx.object_store(name)
                .map_err(js_err)?
                .clear()
                .map_err(js_err)?;
        }
        let meta = tx.object_store(META).map_err(js_err)?;
        for key in meta_keys {
            meta.delete(&JsValue::from_str(key)).map_err(js_err)?;
        }
        idb::committed(&tx).await?;
        Ok(())
    }

    // ------------------------------------------------------------ held children

    async fn read_held(meta: &IdbObjectStore) -> Result<BTreeSet<ChildId>, StoreError> {
        let raw = idb::request(&meta.get(&JsValue::from_str(HELD_KEY)).map_err(js_err)?).await?;
        match raw.as_string() {
            Some(json) => serde_json::from_str(&json).map_err(decode_err),
            None => Ok(BTreeSet::new()),
        }
    }

    fn write_held(meta: &IdbObjectStore, held: &BTreeSet<ChildId>) -> Result<(), StoreError> {
        let json = serde_json::to_string(held).map_err(decode_err)?;
        meta.put_with_key(&JsValue::from_str(&json), &JsValue::from_str(HELD_KEY))
            .map_err(js_err)?;
        Ok(())
    }

    /// Changes `held` in one transaction, together with whatever `also`
    /// does to the records (IndexedDB requests only: nothing else may be
    /// awaited inside a transaction).
    async fn update_held(
        &self,
        change: impl FnOnce(&mut BTreeSet<ChildId>),
        also: impl AsyncFnOnce(&IdbObjectStore) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let tx = self.tx(&[RECORDS, META], IdbTransactionMode::Readwrite)?;
        let meta = tx.object_store(META).map_err(js_err)?;
        also(&tx.object_store(RECORDS).map_err(js_err)?).await?;
        let mut held = Self::read_held(&meta).await?;
        change(&mut held);
        Self::write_held(&meta, &held)?;
        let rev = idb::request(
            &meta
                .get(&JsValue::from_str(HISTORY_REV_KEY))
                .map_err(js_err)?,
        )
        .await?
        .as_f64()
        .unwrap_or(0.0);
        meta.put_with_key(
            &JsValue::from_f64(rev + 1.0),
            &JsValue::from_str(HISTORY_REV_KEY),
        )
        .map_err(js_err)?;
        idb::committed(&tx).await?;
        Ok(())
    }
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
        self.open_all(self.get_all(OUTBOX, None).await?).await
    }

    async fn settle(&self, ids: &[MutationId]) -> Result<(), StoreError> {
        self.remove_from_outbox(ids, &[]).await
    }

    async fn reject(&self, rejected: &[(MutationId, ErrorCode)]) -> Result<(), StoreError> {
        let ids: Vec<MutationId> = rejected.iter().map(|(id, _)| *id).collect();
        self.remove_from_outbox(&ids, rejected).await
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
        let tx = self.tx(&[RECORDS, META], IdbTransactionMode::Readwrite)?;
        apply_writes(&tx.object_store(RECORDS).map_err(js_err)?, &writes)?;
        tx.object_store(META)
            .map_err(js_err)?
            .put_with_key(
                &JsValue::from_f64(cursor as f64),
                &JsValue::from_str(CURSOR_KEY),
            )
            .map_err(js_err)?;
        idb::committed(&tx).await?;
        Ok(())
    }

    async fn held_children(&self) -> Result<BTreeSet<ChildId>, StoreError> {
        let tx = self.tx(&[META], IdbTransactionMode::Readonly)?;
        Self::read_held(&tx.object_store(META).map_err(js_err)?).await
    }

    async fn hold_children(&self, children: &[ChildId]) -> Result<(), StoreError> {
        self.update_held(|held| held.extend(children), async |_| Ok(()))
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
            async |records| apply_writes(records, &writes),
        )
        .await
    }

    async fn forget_child(&self, child: ChildId) -> Result<(), StoreError> {
        self.update_held(
            |held| {
                held.remove(&child);
            },
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
        .await
    }

    async fn pending_reads(&self) -> Result<Vec<shared::audit::LocalRead>, StoreError> {
        self.open_all(self.get_all(READS, None).await?).await
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
}

impl IdbStore {
    /// Removes mutations from the outbox. Settled ones (the server holds
    /// them) leave their effect in the server's copy until the next pull
    /// replaces it with the server's own version, so nothing seems to vanish
    /// between push and pull; refused ones go to the refused list with their
    /// codes and leave no effect.
    ///
    /// In two steps, because opening and sealing cannot happen inside a
    /// transaction: read and open what is needed, then one transaction that
    /// removes the entries and writes the effects. Rounds never overlap (Web
    /// Locks), so nothing read changes in between.
    async fn remove_from_outbox(
        &self,
        ids: &[MutationId],
        refused: &[(MutationId, ErrorCode)],
    ) -> Result<(), StoreError> {
        if ids.is_empty() {
            return Ok(());
        }
        // 1. Read.
        struct Found {
            key: JsValue,
            sealed: String,
            mutation: Mutation,
        }
        let mut found = Vec::new();
        let mut sealed_records: BTreeMap<String, String> = BTreeMap::new();
        {
            let tx = self.tx(&[OUTBOX, RECORDS], IdbTransactionMode::Readonly)?;
            let outbox = tx.object_store(OUTBOX).map_err(js_err)?;
            let records = tx.object_store(RECORDS).map_err(js_err)?;
            let by_mutation = outbox.index("by_mutation").map_err(js_err)?;
            for id in ids {
                let id_js = JsValue::from_str(&id.to_string());
                let key = idb::request(&by_mutation.get_key(&id_js).map_err(js_err)?).await?;
                if key.is_undefined() {
                    continue;
                }
                let entry = idb::request(&outbox.get(&key).map_err(js_err)?).await?;
                let sealed = idb::get_str(&entry, "json")?;
                let record_key = idb::get_str(&entry, "record_key")?;
                let value = idb::request(
                    &records
                        .get(&JsValue::from_str(&record_key))
                        .map_err(js_err)?,
                )
                .await?;
                if let Ok(json) = idb::get_str(&value, "json") {
                    sealed_records.insert(record_key, json);
                }
                found.push((key, sealed));
            }
        }
        let mut opened = Vec::with_capacity(found.len());
        for (key, sealed) in found {
            let mutation =
                serde_json::from_str(&self.open_sealed(&sealed).await?).map_err(decode_err)?;
            opened.push(Found {
                key,
                sealed,
                mutation,
            });
        }
        // A record this build cannot open or read counts as absent: the
        // server's version arrives with the next pull anyway, and the settled
        // mutation must leave the outbox regardless.
        let mut known: BTreeMap<String, Record> = BTreeMap::new();
        for (key, sealed) in &sealed_records {
            if let Ok(json) = self.open_sealed(sealed).await {
                if let Ok(record) = serde_json::from_str::<Record>(&json) {
                    known.insert(key.clone(), record);
                }
            }
        }
        // A resolved conflict's effect also needs the record it is about.
        let targets: Vec<String> = known
            .values()
            .filter_map(|r| match r {
                Record::Conflict(c) => Some(crate::stored::ref_key(&c.target)),
                _ => None,
            })
            .filter(|k| !known.contains_key(k))
            .collect();
        for target in targets {
            let tx = self.tx(&[RECORDS], IdbTransactionMode::Readonly)?;
            let records = tx.object_store(RECORDS).map_err(js_err)?;
            let value =
                idb::request(&records.get(&JsValue::from_str(&target)).map_err(js_err)?).await?;
            if let Ok(sealed) = idb::get_str(&value, "json") {
                if let Ok(json) = self.open_sealed(&sealed).await {
                    if let Ok(record) = serde_json::from_str::<Record>(&json) {
                        known.insert(target, record);
                    }
                }
            }
        }

        // 2. Prepare.
        let mut rejected_rows = Vec::new();
        let mut writes = Vec::new();
        for f in &opened {
            if let Some((_, code)) = refused.iter().find(|(r, _)| *r == f.mutation.id) {
                let code = serde_json::to_value(code)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default();
                rejected_rows.push(idb::object(&[
                    ("mutation_id", &f.mutation.id.to_string()),
                    ("code", &code),
                    ("json", &f.sealed),
                ])?);
            } else {
                for effect in local_effects(&f.mutation.operation, |k| known.get(k).cloned()) {
                    match effect {
                        LocalEffect::Put(record) => {
                            known.insert(record_key(&record), record.clone());
                            writes.push(Write::Put(self.sealed_record(&record).await?));
                        }
                        LocalEffect::Delete(k) => {
                            known.remove(&k);
                            writes.push(Write::Delete(k));
                        }
                    }
                }
            }
        }

        // 3. Write, all at once.
        let tx = self.tx(&[OUTBOX, REJECTED, RECORDS], IdbTransactionMode::Readwrite)?;
        let outbox = tx.object_store(OUTBOX).map_err(js_err)?;
        let rejected = tx.object_store(REJECTED).map_err(js_err)?;
        for row in &rejected_rows {
            rejected.put(row).map_err(js_err)?;
        }
        apply_writes(&tx.object_store(RECORDS).map_err(js_err)?, &writes)?;
        for f in &opened {
            outbox.delete(&f.key).map_err(js_err)?;
        }
        idb::committed(&tx).await?;
        Ok(())
    }
}
