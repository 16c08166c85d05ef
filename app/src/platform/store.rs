//! The device's store in IndexedDB: records, the outbox and sync metadata.
//! A local write and its outbox entry are committed in one transaction, so a
//! reload, crash or closed tab can never keep one without the other.

use super::idb::{self, IdbError};
use crate::stored::{
    local_effects, rebase, ref_key, target_key, LocalEffect, OutboxEntry, StoredRecord,
};
use crate::sync::{LocalStore, StoreError};
use shared::protocol::{Change, Mutation, Record};
use shared::{ChildId, DeviceId, MutationId};
use std::collections::HashSet;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{IdbDatabase, IdbTransaction, IdbTransactionMode};

pub const DB_NAME: &str = "barnbesok";
const DB_VERSION: u32 = 1;
const RECORDS: &str = "records";
const OUTBOX: &str = "outbox";
const META: &str = "meta";
const CURSOR_KEY: &str = "pull_cursor";
const DEVICE_KEY: &str = "device_id";

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

    /// Records a local change: its effects on the local records are visible at
    /// once and the mutation waits in the outbox, both or neither.
    pub async fn write_local(
        &self,
        mutation: &Mutation,
        effects: &[LocalEffect],
    ) -> Result<(), StoreError> {
        let entry = OutboxEntry::encode(mutation).map_err(decode_err)?;
        let tx = self.tx(&[RECORDS, OUTBOX], IdbTransactionMode::Readwrite)?;
        let records = tx.object_store(RECORDS).map_err(IdbError::from)?;
        Self::apply_effects(&records, effects)?;
        tx.object_store(OUTBOX)
            .map_err(IdbError::from)?
            .add(&idb::object(&[
                ("mutation_id", &entry.mutation_id),
                ("record_key", &entry.record_key),
                ("json", &entry.json),
            ])?)
            .map_err(IdbError::from)?;
        idb::committed(&tx).await?;
        Ok(())
    }

    /// Records a local change, working out its local effects from the
    /// records it refers to.
    pub async fn record_change(&self, mutation: &Mutation) -> Result<(), StoreError> {
        let mut known = std::collections::HashMap::new();
        let key = target_key(&mutation.operation);
        if let Some(record) = self.record(&key).await? {
            if let Record::Conflict(c) = &record {
                let target = ref_key(&c.target);
                if let Some(t) = self.record(&target).await? {
                    known.insert(target, t);
                }
            }
            known.insert(key, record);
        }
        let effects = local_effects(&mutation.operation, |k| known.get(k).cloned());
        self.write_local(mutation, &effects).await
    }

    fn apply_effects(
        records: &web_sys::IdbObjectStore,
        effects: &[LocalEffect],
    ) -> Result<(), StoreError> {
        for effect in effects {
            match effect {
                LocalEffect::Put(record) => {
                    let stored = StoredRecord::encode(record).map_err(decode_err)?;
                    records
                        .put(&Self::stored_to_js(&stored)?)
                        .map_err(IdbError::from)?;
                }
                LocalEffect::Delete(key) => {
                    records
                        .delete(&JsValue::from_str(key))
                        .map_err(IdbError::from)?;
                }
            }
        }
        Ok(())
    }

    async fn get_all(
        &self,
        store: &str,
        index: Option<(&str, &str)>,
    ) -> Result<js_sys::Array, StoreError> {
        let tx = self.tx(&[store], IdbTransactionMode::Readonly)?;
        let os = tx.object_store(store).map_err(IdbError::from)?;
        let req = match index {
            None => os.get_all(),
            Some((name, key)) => os
                .index(name)
                .map_err(IdbError::from)?
                .get_all_with_key(&JsValue::from_str(key)),
        }
        .map_err(IdbError::from)?;
        Ok(idb::request(&req).await?.unchecked_into())
    }

    /// Every record of one kind ("child", "placement", "visit").
    pub async fn records_of_kind(&self, kind: &str) -> Result<Vec<Record>, StoreError> {
        self.get_all(RECORDS, Some(("by_kind", kind)))
            .await?
            .iter()
            .map(|v| Self::js_to_record(&v))
            .collect()
    }

    /// One record by key.
    pub async fn record(&self, key: &str) -> Result<Option<Record>, StoreError> {
        let tx = self.tx(&[RECORDS], IdbTransactionMode::Readonly)?;
        let req = tx
            .object_store(RECORDS)
            .map_err(IdbError::from)?
            .get(&JsValue::from_str(key))
            .map_err(IdbError::from)?;
        let value = idb::request(&req).await?;
        if value.is_undefined() {
            return Ok(None);
        }
        Self::js_to_record(&value).map(Some)
    }

    /// Every record that belongs to one child, the child's own included.
    pub async fn records_of_child(&self, child: ChildId) -> Result<Vec<Record>, StoreError> {
        self.get_all(RECORDS, Some(("by_child", &child.to_string())))
            .await?
            .iter()
            .map(|v| Self::js_to_record(&v))
            .collect()
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
            .map_err(IdbError::from)?
            .count()
            .map_err(IdbError::from)?;
        Ok(idb::request(&req).await?.as_f64().unwrap_or(0.0) as usize)
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
        if ids.is_empty() {
            return Ok(());
        }
        let tx = self.tx(&[OUTBOX], IdbTransactionMode::Readwrite)?;
        let outbox = tx.object_store(OUTBOX).map_err(IdbError::from)?;
        let by_mutation = outbox.index("by_mutation").map_err(IdbError::from)?;
        for id in ids {
            // Awaiting IndexedDB requests keeps the transaction alive: the
            // continuation runs in the request's success microtask.
            let key = idb::request(
                &by_mutation
                    .get_key(&JsValue::from_str(&id.to_string()))
                    .map_err(IdbError::from)?,
            )
            .await?;
            if !key.is_undefined() {
                outbox.delete(&key).map_err(IdbError::from)?;
            }
        }
        idb::committed(&tx).await?;
        Ok(())
    }

    async fn cursor(&self) -> Result<u64, StoreError> {
        Ok(self.meta_get(CURSOR_KEY).await?.as_f64().unwrap_or(0.0) as u64)
    }

    async fn apply_pulled(&self, changes: &[Change], cursor: u64) -> Result<(), StoreError> {
        let tx = self.tx(&[RECORDS, OUTBOX, META], IdbTransactionMode::Readwrite)?;
        let records = tx.object_store(RECORDS).map_err(IdbError::from)?;
        // Pending local edits are laid on top of what the server sent, in the
        // same transaction, so they never seem to vanish.
        let pending_req = tx
            .object_store(OUTBOX)
            .map_err(IdbError::from)?
            .get_all()
            .map_err(IdbError::from)?;
        let pending: Vec<Mutation> = js_sys::Array::from(&idb::request(&pending_req).await?)
            .iter()
            .map(|v| serde_json::from_str(&idb::get_str(&v, "json")?).map_err(decode_err))
            .collect::<Result<_, StoreError>>()?;
        let effects: Vec<LocalEffect> = changes
            .iter()
            .map(|change| rebase(change.record.clone(), &pending))
            .collect();
        Self::apply_effects(&records, &effects)?;
        tx.object_store(META)
            .map_err(IdbError::from)?
            .put_with_key(
                &JsValue::from_f64(cursor as f64),
                &JsValue::from_str(CURSOR_KEY),
            )
            .map_err(IdbError::from)?;
        idb::committed(&tx).await?;
        Ok(())
    }
}
