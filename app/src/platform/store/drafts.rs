//! Visits being written, one sealed draft per child.

use super::*;

impl IdbStore {
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
        let json = self
            .open_sealed(DRAFTS, &child.to_string(), &sealed)
            .await?;
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
        let sealed = self
            .seal(DRAFTS, &draft.child_id.to_string(), &json)
            .await?;
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
        self.delete_one(DRAFTS, &child.to_string()).await
    }
}
