//! The outbox (the device's changes not yet on the server), the refused
//! changes and the reads logged offline.

use super::*;

/// A change the server refused, kept for the user to see.
#[derive(Clone, Debug, PartialEq)]
pub struct RefusedChange {
    pub mutation: Mutation,
    pub code: ErrorCode,
}

impl IdbStore {
    /// Records a local change: one outbox entry, committed before this returns.
    pub async fn record_change(&self, mutation: &Mutation) -> Result<(), StoreError> {
        self.record_change_and(mutation, None).await
    }

    /// Records a change and, in the same transaction, removes the draft it
    /// came from.
    pub(super) async fn record_change_and(
        &self,
        mutation: &Mutation,
        draft_of: Option<ChildId>,
    ) -> Result<(), StoreError> {
        let entry = OutboxEntry::encode(mutation).map_err(decode_err)?;
        let sealed = self.seal(OUTBOX, &entry.mutation_id, &entry.json).await?;
        let tx = self.tx(
            &[OUTBOX, DRAFTS, META, CHANGED],
            IdbTransactionMode::Readwrite,
        )?;
        add_to_outbox(&tx, &entry, &sealed)?;
        Self::note_changed(&tx, [mutation.operation.child_id().to_string()]).await?;
        if let Some(child) = draft_of {
            tx.object_store(DRAFTS)
                .map_err(js_err)?
                .delete(&JsValue::from_str(&child.to_string()))
                .map_err(js_err)?;
        }
        idb::committed(&tx).await?;
        Ok(())
    }

    /// Keys of records with changes not yet on the server.
    pub async fn pending_record_keys(&self) -> Result<HashSet<String>, StoreError> {
        self.get_all(OUTBOX, Select::All)
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
        let values = self.get_all(REJECTED, Select::All).await?;
        let codes: Vec<ErrorCode> = values
            .iter()
            .map(|v| {
                serde_json::from_value(serde_json::Value::String(idb::get_str(&v, "code")?))
                    .map_err(decode_err)
            })
            .collect::<Result<_, StoreError>>()?;
        let mutations: Vec<Mutation> = self.open_all(REJECTED, "mutation_id", values).await?;
        Ok(mutations
            .into_iter()
            .zip(codes)
            .map(|(mutation, code)| RefusedChange { mutation, code })
            .collect())
    }

    pub async fn dismiss_refused(&self, id: MutationId) -> Result<(), StoreError> {
        self.delete_one(REJECTED, &id.to_string()).await
    }

    /// Sends a refused change again: back into the outbox, under its own
    /// id (a refusal wrote nothing on the server), in one transaction.
    pub async fn resend_refused(&self, id: MutationId) -> Result<(), StoreError> {
        let Some(refused) = self
            .refused()
            .await?
            .into_iter()
            .find(|r| r.mutation.id == id)
        else {
            return Ok(());
        };
        let entry = OutboxEntry::encode(&refused.mutation).map_err(decode_err)?;
        let sealed = self.seal(OUTBOX, &entry.mutation_id, &entry.json).await?;
        let tx = self.tx(
            &[OUTBOX, REJECTED, META, CHANGED],
            IdbTransactionMode::Readwrite,
        )?;
        add_to_outbox(&tx, &entry, &sealed)?;
        Self::note_changed(&tx, [refused.mutation.operation.child_id().to_string()]).await?;
        tx.object_store(REJECTED)
            .map_err(js_err)?
            .delete(&JsValue::from_str(&id.to_string()))
            .map_err(js_err)?;
        idb::committed(&tx).await?;
        Ok(())
    }
}

impl IdbStore {
    /// The server's copies of the records with these keys, opened; a
    /// record this build cannot open or read counts as absent.
    async fn known_records(&self, keys: &[String]) -> Result<BTreeMap<String, Record>, StoreError> {
        let mut sealed = Vec::with_capacity(keys.len());
        {
            let tx = self.tx(&[RECORDS], IdbTransactionMode::Readonly)?;
            let records = tx.object_store(RECORDS).map_err(js_err)?;
            for key in keys {
                let value =
                    idb::request(&records.get(&JsValue::from_str(key)).map_err(js_err)?).await?;
                if let Ok(json) = idb::get_str(&value, "json") {
                    sealed.push((key.clone(), json));
                }
            }
        }
        let mut known = BTreeMap::new();
        for (key, json) in sealed {
            if let Ok(json) = self.open_sealed(RECORDS, &key, &json).await {
                if let Ok(record) = serde_json::from_str::<Record>(&json) {
                    known.insert(key, record);
                }
            }
        }
        Ok(known)
    }

    /// Removes answered mutations from the outbox: settled ones leave their
    /// effect on the server's copy, refused ones go to the refused list with
    /// their codes (see [`crate::outbox`]). The mutations come as the round
    /// read them, so nothing is opened twice.
    ///
    /// In two steps, because opening and sealing cannot happen inside a
    /// transaction: read, open and seal what is needed, then one transaction
    /// that removes the entries and writes the effects. Rounds never overlap
    /// (Web Locks), so nothing read changes in between.
    pub(super) async fn remove_from_outbox(
        &self,
        settled: &[Mutation],
        refused: &[(Mutation, ErrorCode)],
    ) -> Result<(), StoreError> {
        if settled.is_empty() && refused.is_empty() {
            return Ok(());
        }
        // 1. Read, open and seal.
        let effects = crate::outbox::settled_effects(settled, async |keys: &[String]| {
            self.known_records(keys).await
        })
        .await?;
        let writes = self.sealed_writes(effects.into_iter())?;
        let mut rejected_rows = Vec::with_capacity(refused.len());
        for (mutation, code) in refused {
            let code = serde_json::to_value(code)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            let json = serde_json::to_string(mutation).map_err(decode_err)?;
            let id = mutation.id.to_string();
            rejected_rows.push(idb::object(&[
                ("mutation_id", &id),
                ("code", &code),
                ("json", &self.seal(REJECTED, &id, &json).await?),
            ])?);
        }

        let journal_rows = self.journal_rows(settled).await?;

        // 2. Write, all at once.
        let tx = self.tx(
            &[OUTBOX, REJECTED, RECORDS, JOURNAL, META, CHANGED],
            IdbTransactionMode::Readwrite,
        )?;
        let outbox = tx.object_store(OUTBOX).map_err(js_err)?;
        let by_mutation = outbox.index("by_mutation").map_err(js_err)?;
        let answered = settled.iter().chain(refused.iter().map(|(m, _)| m));
        let mut keys = Vec::new();
        for mutation in answered {
            let id = JsValue::from_str(&mutation.id.to_string());
            let key = idb::request(&by_mutation.get_key(&id).map_err(js_err)?).await?;
            if !key.is_undefined() {
                keys.push(key);
            }
        }
        for key in &keys {
            outbox.delete(key).map_err(js_err)?;
        }
        let rejected = tx.object_store(REJECTED).map_err(js_err)?;
        for row in &rejected_rows {
            rejected.put(row).map_err(js_err)?;
        }
        apply_writes(&tx.object_store(RECORDS).map_err(js_err)?, &writes)?;
        Self::put_journal(&tx.object_store(JOURNAL).map_err(js_err)?, &journal_rows).await?;
        // The outbox may be back where it was before these changes were made.
        Self::bump_records_rev(&tx.object_store(META).map_err(js_err)?).await?;
        Self::note_changed(
            &tx,
            settled
                .iter()
                .chain(refused.iter().map(|(m, _)| m))
                .map(|m| m.operation.child_id().to_string()),
        )
        .await?;
        idb::committed(&tx).await?;
        Ok(())
    }
}

/// Adds one sealed outbox entry in `tx`: a new change, or a refused one sent
/// again.
fn add_to_outbox(tx: &IdbTransaction, entry: &OutboxEntry, sealed: &str) -> Result<(), StoreError> {
    tx.object_store(OUTBOX)
        .map_err(js_err)?
        .add(&idb::object(&[
            ("mutation_id", &entry.mutation_id),
            ("record_key", &entry.record_key),
            ("json", sealed),
        ])?)
        .map_err(js_err)?;
    Ok(())
}
