//! Reads of the tablet's own store, logged for the server's audit log.

use super::*;

impl IdbStore {
    /// Logs that `children` were shown here as `kind`, one entry each, in
    /// one write.
    pub async fn log_reads(
        &self,
        children: &[ChildId],
        kind: shared::audit::LocalReadKind,
        offline: bool,
    ) -> Result<(), StoreError> {
        if children.is_empty() {
            return Ok(());
        }
        let occurred_at = chrono::Utc::now();
        let nonces = random_nonces(children.len())?;
        let mut rows = Vec::with_capacity(children.len());
        for (&child_id, nonce) in children.iter().zip(&nonces) {
            let read = shared::audit::LocalRead {
                id: uuid::Uuid::new_v4(),
                child_id,
                kind,
                occurred_at,
                offline,
            };
            let id = read.id.to_string();
            let json = serde_json::to_string(&read).map_err(decode_err)?;
            rows.push(idb::object(&[
                ("id", &id),
                ("json", &self.seal_in_bulk(READS, &id, &json, nonce)?),
            ])?);
        }
        let tx = self.tx(&[READS], IdbTransactionMode::Readwrite)?;
        let reads = tx.object_store(READS).map_err(js_err)?;
        for row in &rows {
            reads.put(row).map_err(js_err)?;
        }
        idb::committed(&tx).await?;
        Ok(())
    }
}
