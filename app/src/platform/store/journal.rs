//! What the device keeps for a server restored from a backup and for a
//! newer server: the journal of settled mutations (`outbox::JournalEntry`,
//! sealed, in the order settled), the feed epoch its cursor belongs to, and
//! pulled changes of kinds this build does not read (`feed::UnknownChange`,
//! sealed, for a later version).

use super::*;
use crate::feed::UnknownChange;
use crate::outbox::JournalEntry;
use shared::protocol::FeedEpoch;

impl IdbStore {
    /// Journal rows for `settled`, sealed ahead of the transaction that
    /// settles them.
    pub(super) async fn journal_rows(
        &self,
        settled: &[Mutation],
    ) -> Result<Vec<JsValue>, StoreError> {
        let settled_at = chrono::Utc::now();
        let mut rows = Vec::with_capacity(settled.len());
        for mutation in settled {
            let id = mutation.id.to_string();
            let json = serde_json::to_string(&JournalEntry {
                mutation: mutation.clone(),
                settled_at,
            })
            .map_err(decode_err)?;
            // When the tablet synced is about no child: in the clear, so
            // pruning opens nothing.
            rows.push(idb::object(&[
                ("mutation_id", &id),
                ("child_id", &mutation.operation.child_id().to_string()),
                ("settled_at", &settled_at.to_rfc3339()),
                ("json", &self.seal(JOURNAL, &id, &json).await?),
            ])?);
        }
        Ok(rows)
    }

    /// Adds rows to the journal, once per mutation.
    pub(super) async fn put_journal(
        journal: &IdbObjectStore,
        rows: &[JsValue],
    ) -> Result<(), StoreError> {
        let by_mutation = journal.index("by_mutation").map_err(js_err)?;
        for row in rows {
            let id =
                js_sys::Reflect::get(row, &JsValue::from_str("mutation_id")).map_err(js_err)?;
            let known = idb::request(&by_mutation.get_key(&id).map_err(js_err)?).await?;
            if known.is_undefined() {
                journal.add(row).map_err(js_err)?;
            }
        }
        Ok(())
    }

    pub(super) async fn read_feed_epoch(&self) -> Result<Option<FeedEpoch>, StoreError> {
        Ok(self.meta_get(EPOCH_KEY).await?.as_string().map(FeedEpoch))
    }

    pub(super) async fn write_epoch(
        &self,
        epoch: &FeedEpoch,
        brought: &BTreeSet<String>,
    ) -> Result<usize, StoreError> {
        let tx = self.tx(
            &[RECORDS, UNKNOWN, META, CHANGED],
            IdbTransactionMode::Readwrite,
        )?;
        let mut dropped = 0;
        for name in [RECORDS, UNKNOWN] {
            let store = tx.object_store(name).map_err(js_err)?;
            let keys: js_sys::Array = idb::request(&store.get_all_keys().map_err(js_err)?)
                .await?
                .unchecked_into();
            for key in keys.iter() {
                if !key.as_string().is_some_and(|k| brought.contains(&k)) {
                    store.delete(&key).map_err(js_err)?;
                    dropped += 1;
                }
            }
        }
        let meta = tx.object_store(META).map_err(js_err)?;
        meta.put_with_key(&JsValue::from_str(&epoch.0), &JsValue::from_str(EPOCH_KEY))
            .map_err(js_err)?;
        Self::bump_records_rev(&meta).await?;
        Self::note_changed(&tx, [crate::stored::EVERY_CHILD.to_owned()]).await?;
        idb::committed(&tx).await?;
        Ok(dropped)
    }

    pub(super) async fn write_unknown(&self, unknown: &[UnknownChange]) -> Result<(), StoreError> {
        let mut rows = Vec::with_capacity(unknown.len());
        for change in unknown {
            let key = change.key();
            let json = serde_json::to_string(change).map_err(decode_err)?;
            let child = change.child_id.map(|c| c.to_string()).unwrap_or_default();
            rows.push(idb::object(&[
                ("key", &key),
                ("kind", &change.kind),
                ("child_id", &child),
                ("json", &self.seal(UNKNOWN, &key, &json).await?),
            ])?);
        }
        let tx = self.tx(&[UNKNOWN], IdbTransactionMode::Readwrite)?;
        let store = tx.object_store(UNKNOWN).map_err(js_err)?;
        for row in &rows {
            store.put(row).map_err(js_err)?;
        }
        idb::committed(&tx).await?;
        Ok(())
    }

    /// Changes an earlier version kept aside, of kinds this version reads
    /// (`crate::feed::KNOWN_KINDS`), become records as a pull would have
    /// stored them; the number read. A record already stored under the same
    /// key came from a pull that read its kind, so it is newer and is kept.
    /// One that does not decode stays aside.
    pub async fn read_kept_changes_now_known(&self) -> Result<usize, StoreError> {
        let mut now_known: Vec<(String, Change)> = self
            .unknown_changes()
            .await?
            .into_iter()
            .filter(|kept| crate::feed::KNOWN_KINDS.contains(&kept.kind.as_str()))
            .filter_map(|kept| {
                let key = kept.key();
                let change = serde_json::from_value::<Change>(kept.raw).ok()?;
                Some((key, change))
            })
            .collect();
        if now_known.is_empty() {
            return Ok(0);
        }
        now_known.sort_by_key(|(_, change)| change.seq);
        let writes = self.sealed_writes(
            now_known
                .iter()
                .map(|(_, change)| pulled_effect(change.record.clone())),
        )?;
        let tx = self.tx(
            &[RECORDS, UNKNOWN, META, CHANGED],
            IdbTransactionMode::Readwrite,
        )?;
        let records = tx.object_store(RECORDS).map_err(js_err)?;
        for ((_, change), write) in now_known.iter().zip(&writes) {
            let key = JsValue::from_str(&record_key(&change.record));
            let stored = idb::request(&records.get(&key).map_err(js_err)?).await?;
            if stored.is_undefined() {
                apply_writes(&records, std::slice::from_ref(write))?;
            }
        }
        let unknown = tx.object_store(UNKNOWN).map_err(js_err)?;
        for (key, _) in &now_known {
            unknown.delete(&JsValue::from_str(key)).map_err(js_err)?;
        }
        Self::bump_records_rev(&tx.object_store(META).map_err(js_err)?).await?;
        Self::note_changed(
            &tx,
            now_known
                .iter()
                .map(|(_, change)| change.record.child_id().to_string()),
        )
        .await?;
        idb::committed(&tx).await?;
        Ok(now_known.len())
    }

    /// The changes of kinds this build does not read, opened.
    pub async fn unknown_changes(&self) -> Result<Vec<UnknownChange>, StoreError> {
        self.open_all(UNKNOWN, "key", self.get_all(UNKNOWN, Select::All).await?)
            .await
    }

    pub(super) async fn read_journal(&self) -> Result<Vec<JournalEntry>, StoreError> {
        self.open_all(
            JOURNAL,
            "mutation_id",
            self.get_all(JOURNAL, Select::All).await?,
        )
        .await
    }

    pub(super) async fn delete_from_journal(&self, ids: &[MutationId]) -> Result<(), StoreError> {
        let tx = self.tx(&[JOURNAL], IdbTransactionMode::Readwrite)?;
        let journal = tx.object_store(JOURNAL).map_err(js_err)?;
        let by_mutation = journal.index("by_mutation").map_err(js_err)?;
        for id in ids {
            let id = JsValue::from_str(&id.to_string());
            let key = idb::request(&by_mutation.get_key(&id).map_err(js_err)?).await?;
            if !key.is_undefined() {
                journal.delete(&key).map_err(js_err)?;
            }
        }
        idb::committed(&tx).await?;
        Ok(())
    }

    pub(super) async fn delete_journal_before(
        &self,
        cutoff: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), StoreError> {
        let tx = self.tx(&[JOURNAL], IdbTransactionMode::Readwrite)?;
        let journal = tx.object_store(JOURNAL).map_err(js_err)?;
        let keys: js_sys::Array = idb::request(&journal.get_all_keys().map_err(js_err)?)
            .await?
            .unchecked_into();
        let values: js_sys::Array = idb::request(&journal.get_all().map_err(js_err)?)
            .await?
            .unchecked_into();
        for (key, value) in keys.iter().zip(values.iter()) {
            let settled = idb::get_str(&value, "settled_at")
                .ok()
                .and_then(|s| chrono::DateTime::parse_from_rfc3339(&s).ok());
            if settled.is_some_and(|at| at < cutoff) {
                journal.delete(&key).map_err(js_err)?;
            }
        }
        idb::committed(&tx).await?;
        Ok(())
    }

    /// Removes the journal entries and unknown changes about `child`.
    pub(super) async fn forget_kept(&self, child: ChildId) -> Result<(), StoreError> {
        let tx = self.tx(&[JOURNAL, UNKNOWN], IdbTransactionMode::Readwrite)?;
        let child = JsValue::from_str(&child.to_string());
        for name in [JOURNAL, UNKNOWN] {
            let store = tx.object_store(name).map_err(js_err)?;
            let index = store.index("by_child").map_err(js_err)?;
            let keys = idb::request(&index.get_all_keys_with_key(&child).map_err(js_err)?).await?;
            for key in js_sys::Array::from(&keys).iter() {
                store.delete(&key).map_err(js_err)?;
            }
        }
        idb::committed(&tx).await?;
        Ok(())
    }
}
