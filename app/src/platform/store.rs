//! The device's store in IndexedDB. `records` holds the records as the server
//! last sent them; `outbox` the device's own changes not yet on the server;
//! what the UI shows is the first with the second laid on top
//! (`stored::overlay`). A local write is one outbox entry in one transaction,
//! so a reload, crash or closed tab either has it or never saw it.

use super::idb::{self, IdbError};
use crate::stored::{
    local_effects, overlay, pulled_effect, record_key, LocalEffect, OutboxEntry, StoredRecord,
};
use crate::sync::{LocalStore, StoreError};
use shared::protocol::{Change, Mutation, Record};
use shared::{ChildId, DeviceId, ErrorCode, MutationId};
use std::collections::{BTreeMap, BTreeSet, HashSet};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{IdbDatabase, IdbTransaction, IdbTransactionMode};

pub const DB_NAME: &str = "barnbesok";
const DB_VERSION: u32 = 3;
const RECORDS: &str = "records";
const OUTBOX: &str = "outbox";
const REJECTED: &str = "rejected";
const META: &str = "meta";
/// Reads from this store, logged for the server's audit log until sent.
const READS: &str = "reads";
const CURSOR_KEY: &str = "pull_cursor";
const DEVICE_KEY: &str = "device_id";
/// The children whose whole history the device holds, as a JSON array.
const HELD_KEY: &str = "held_children";
/// The signed-in session (`session::StoredSession` as JSON).
const SESSION_KEY: &str = "session";

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

/// A change the server refused, kept for the user to see.
#[derive(Clone, Debug, PartialEq)]
pub struct RefusedChange {
    pub mutation: Mutation,
    pub code: ErrorCode,
}

pub struct IdbStore {
    db: IdbDatabase,
}

impl IdbStore {
    pub async fn open(name: &str) -> Result<Self, StoreError> {
        Ok(Self {
            db: idb::open(name, DB_VERSION, upgrade).await?,
        })
    }

    fn tx(&self, stores: &[&str], mode: IdbTransactionMode) -> Result<IdbTransaction, StoreError> {
        Ok(idb::transaction(&self.db, stores, mode)?)
    }

    fn stored_to_js(record: &StoredRecord) -> Result<JsValue, StoreError> {
        Ok(idb::object(&[
            ("key", &record.key),
            ("kind", &record.kind),
            ("child_id", &record.child_id),
            ("json", &record.json),
        ])?)
    }

    fn js_to_record(value: &JsValue) -> Result<Record, StoreError> {
        serde_json::from_str(&idb::get_str(value, "json")?).map_err(decode_err)
    }

    /// Records a local change: one outbox entry, committed before this returns.
    pub async fn record_change(&self, mutation: &Mutation) -> Result<(), StoreError> {
        let entry = OutboxEntry::encode(mutation).map_err(decode_err)?;
        let tx = self.tx(&[OUTBOX], IdbTransactionMode::Readwrite)?;
        tx.object_store(OUTBOX)
            .map_err(js_err)?
            .add(&idb::object(&[
                ("mutation_id", &entry.mutation_id),
                ("record_key", &entry.record_key),
                ("json", &entry.json),
            ])?)
            .map_err(js_err)?;
        idb::committed(&tx).await?;
        Ok(())
    }

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

    async fn base(
        &self,
        index: Option<(&str, &str)>,
    ) -> Result<BTreeMap<String, Record>, StoreError> {
        self.get_all(RECORDS, index)
            .await?
            .iter()
            .map(|v| Self::js_to_record(&v).map(|r| (record_key(&r), r)))
            .collect()
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
        self.get_all(REJECTED, None)
            .await?
            .iter()
            .map(|v| {
                let mutation =
                    serde_json::from_str(&idb::get_str(&v, "json")?).map_err(decode_err)?;
                let code =
                    serde_json::from_value(serde_json::Value::String(idb::get_str(&v, "code")?))
                        .map_err(decode_err)?;
                Ok(RefusedChange { mutation, code })
            })
            .collect()
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

    async fn meta_get(&self, key: &str) -> Result<JsValue, StoreError> {
        let tx = self.tx(&[META], IdbTransactionMode::Readonly)?;
        let req = tx
            .object_store(META)
            .map_err(IdbError::from)?
            .get(&JsValue::from_str(key))
            .map_err(IdbError::from)?;
        Ok(idb::request(&req).await?)
    }

    /// This device's id, created on first use and kept with the data.
    pub async fn device_id(&self) -> Result<DeviceId, StoreError> {
        if let Some(s) = self.meta_get(DEVICE_KEY).await?.as_string() {
            if let Ok(id) = DeviceId::parse(&s) {
                return Ok(id);
            }
        }
        let id = DeviceId::new_random();
        let tx = self.tx(&[META], IdbTransactionMode::Readwrite)?;
        tx.object_store(META)
            .map_err(IdbError::from)?
            .put_with_key(
                &JsValue::from_str(&id.to_string()),
                &JsValue::from_str(DEVICE_KEY),
            )
            .map_err(IdbError::from)?;
        idb::committed(&tx).await?;
        Ok(id)
    }
}

impl LocalStore for IdbStore {
    async fn outbox(&self) -> Result<Vec<Mutation>, StoreError> {
        self.get_all(OUTBOX, None)
            .await?
            .iter()
            .map(|v| serde_json::from_str(&idb::get_str(&v, "json")?).map_err(decode_err))
            .collect()
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

    async fn apply_pulled(&self, changes: &[Change], cursor: u64) -> Result<(), StoreError> {
        let tx = self.tx(&[RECORDS, META], IdbTransactionMode::Readwrite)?;
        write_changes(&tx.object_store(RECORDS).map_err(js_err)?, changes)?;
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
        self.update_held(
            |held| {
                if complete {
                    held.insert(child);
                }
            },
            async |records| write_changes(records, changes),
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
        self.get_all(READS, None)
            .await?
            .iter()
            .map(|v| serde_json::from_str(&idb::get_str(&v, "json")?).map_err(decode_err))
            .collect()
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
    async fn read_held(meta: &web_sys::IdbObjectStore) -> Result<BTreeSet<ChildId>, StoreError> {
        let raw = idb::request(&meta.get(&JsValue::from_str(HELD_KEY)).map_err(js_err)?).await?;
        match raw.as_string() {
            Some(json) => serde_json::from_str(&json).map_err(decode_err),
            None => Ok(BTreeSet::new()),
        }
    }

    fn write_held(
        meta: &web_sys::IdbObjectStore,
        held: &BTreeSet<ChildId>,
    ) -> Result<(), StoreError> {
        let json = serde_json::to_string(held).map_err(decode_err)?;
        meta.put_with_key(&JsValue::from_str(&json), &JsValue::from_str(HELD_KEY))
            .map_err(js_err)?;
        Ok(())
    }

    /// Changes `held` in one transaction, together with whatever `also`
    /// writes to the records.
    async fn update_held(
        &self,
        change: impl FnOnce(&mut BTreeSet<ChildId>),
        also: impl AsyncFnOnce(&web_sys::IdbObjectStore) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let tx = self.tx(&[RECORDS, META], IdbTransactionMode::Readwrite)?;
        let meta = tx.object_store(META).map_err(js_err)?;
        also(&tx.object_store(RECORDS).map_err(js_err)?).await?;
        let mut held = Self::read_held(&meta).await?;
        change(&mut held);
        Self::write_held(&meta, &held)?;
        idb::committed(&tx).await?;
        Ok(())
    }

    /// The signed-in session kept on this device, if any.
    pub async fn session(&self) -> Result<Option<crate::session::StoredSession>, StoreError> {
        match self.meta_get(SESSION_KEY).await?.as_string() {
            Some(json) => Ok(serde_json::from_str(&json).ok()),
            None => Ok(None),
        }
    }

    pub async fn save_session(
        &self,
        session: &crate::session::StoredSession,
    ) -> Result<(), StoreError> {
        let json = serde_json::to_string(session).map_err(decode_err)?;
        let tx = self.tx(&[META], IdbTransactionMode::Readwrite)?;
        tx.object_store(META)
            .map_err(js_err)?
            .put_with_key(&JsValue::from_str(&json), &JsValue::from_str(SESSION_KEY))
            .map_err(js_err)?;
        idb::committed(&tx).await?;
        Ok(())
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
        let tx = self.tx(&[READS], IdbTransactionMode::Readwrite)?;
        tx.object_store(READS)
            .map_err(js_err)?
            .put(&idb::object(&[
                ("id", &read.id.to_string()),
                ("json", &json),
            ])?)
            .map_err(js_err)?;
        idb::committed(&tx).await?;
        Ok(())
    }

    /// Empties every store: records, pending and refused changes, logged
    /// reads, the cursor, the session. The device id stays (it names the
    /// device, not the user).
    pub async fn wipe(&self) -> Result<(), StoreError> {
        let tx = self.tx(
            &[RECORDS, OUTBOX, REJECTED, READS, META],
            IdbTransactionMode::Readwrite,
        )?;
        for name in [RECORDS, OUTBOX, REJECTED, READS] {
            tx.object_store(name)
                .map_err(js_err)?
                .clear()
                .map_err(js_err)?;
        }
        let meta = tx.object_store(META).map_err(js_err)?;
        for key in [CURSOR_KEY, HELD_KEY, SESSION_KEY] {
            meta.delete(&JsValue::from_str(key)).map_err(js_err)?;
        }
        idb::committed(&tx).await?;
        Ok(())
    }

    /// Removes mutations from the outbox in one transaction. Settled ones
    /// (the server holds them) leave their effect in the server's copy until
    /// the next pull replaces it with the server's own version, so nothing
    /// seems to vanish between push and pull; refused ones go to the refused
    /// list with their codes and leave no effect.
    async fn remove_from_outbox(
        &self,
        ids: &[MutationId],
        refused: &[(MutationId, ErrorCode)],
    ) -> Result<(), StoreError> {
        if ids.is_empty() {
            return Ok(());
        }
        let tx = self.tx(&[OUTBOX, REJECTED, RECORDS], IdbTransactionMode::Readwrite)?;
        let outbox = tx.object_store(OUTBOX).map_err(js_err)?;
        let rejected = tx.object_store(REJECTED).map_err(js_err)?;
        let records = tx.object_store(RECORDS).map_err(js_err)?;
        let by_mutation = outbox.index("by_mutation").map_err(js_err)?;
        for id in ids {
            let id_js = JsValue::from_str(&id.to_string());
            // Awaiting IndexedDB requests keeps the transaction alive: the
            // continuation runs in the request's success microtask.
            let key = idb::request(&by_mutation.get_key(&id_js).map_err(js_err)?).await?;
            if key.is_undefined() {
                continue;
            }
            let entry = idb::request(&outbox.get(&key).map_err(js_err)?).await?;
            let json = idb::get_str(&entry, "json")?;
            if let Some((_, code)) = refused.iter().find(|(r, _)| r == id) {
                let code = serde_json::to_value(code)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default();
                rejected
                    .put(&idb::object(&[
                        ("mutation_id", &id.to_string()),
                        ("code", &code),
                        ("json", &json),
                    ])?)
                    .map_err(js_err)?;
            } else {
                let mutation: Mutation = serde_json::from_str(&json).map_err(decode_err)?;
                let mut known = BTreeMap::new();
                for k in keys_read_by(&mutation) {
                    let v =
                        idb::request(&records.get(&JsValue::from_str(&k)).map_err(js_err)?).await?;
                    // A record this build cannot read counts as absent: the
                    // server's version arrives with the next pull anyway, and
                    // the settled mutation must leave the outbox regardless.
                    if let Some(r) = (!v.is_undefined())
                        .then(|| Self::js_to_record(&v).ok())
                        .flatten()
                    {
                        if let Record::Conflict(c) = &r {
                            let t = crate::stored::ref_key(&c.target);
                            let tv =
                                idb::request(&records.get(&JsValue::from_str(&t)).map_err(js_err)?)
                                    .await?;
                            if let Some(tr) = (!tv.is_undefined())
                                .then(|| Self::js_to_record(&tv).ok())
                                .flatten()
                            {
                                known.insert(t, tr);
                            }
                        }
                        known.insert(k, r);
                    }
                }
                for effect in local_effects(&mutation.operation, |k| known.get(k).cloned()) {
                    match effect {
                        LocalEffect::Put(record) => {
                            let stored = StoredRecord::encode(&record).map_err(decode_err)?;
                            records.put(&Self::stored_to_js(&stored)?).map_err(js_err)?;
                        }
                        LocalEffect::Delete(k) => {
                            records.delete(&JsValue::from_str(&k)).map_err(js_err)?;
                        }
                    }
                }
            }
            outbox.delete(&key).map_err(js_err)?;
        }
        idb::committed(&tx).await?;
        Ok(())
    }
}

/// Writes pulled changes into `records` (inside the caller's transaction).
fn write_changes(records: &web_sys::IdbObjectStore, changes: &[Change]) -> Result<(), StoreError> {
    for change in changes {
        match pulled_effect(change.record.clone()) {
            LocalEffect::Put(record) => {
                let stored = StoredRecord::encode(&record).map_err(decode_err)?;
                records
                    .put(&IdbStore::stored_to_js(&stored)?)
                    .map_err(js_err)?;
            }
            LocalEffect::Delete(key) => {
                records.delete(&JsValue::from_str(&key)).map_err(js_err)?;
            }
        }
    }
    Ok(())
}

/// The keys whose records a mutation's local effect depends on.
fn keys_read_by(mutation: &Mutation) -> Vec<String> {
    vec![crate::stored::target_key(&mutation.operation)]
}
