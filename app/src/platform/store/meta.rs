//! The meta store: the pull cursor, the device's id and owner, the session,
//! reference data, settings, which children are held, and the caseload
//! snapshot.

use super::*;

impl IdbStore {
    pub(super) async fn meta_get(&self, key: &str) -> Result<JsValue, StoreError> {
        let tx = self.tx(&[META], IdbTransactionMode::Readonly)?;
        let req = tx
            .object_store(META)
            .map_err(IdbError::from)?
            .get(&JsValue::from_str(key))
            .map_err(IdbError::from)?;
        Ok(idb::request(&req).await?)
    }

    pub(super) async fn meta_put(&self, entries: &[(&str, JsValue)]) -> Result<(), StoreError> {
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
            Some(sealed) => {
                Ok(serde_json::from_str(&self.open_sealed(META, SESSION_KEY, &sealed).await?).ok())
            }
            None => Ok(None),
        }
    }

    /// Keeps the session, sealed, and its user as the device's owner.
    pub async fn save_session(
        &self,
        session: &crate::session::StoredSession,
    ) -> Result<(), StoreError> {
        let json = serde_json::to_string(session).map_err(decode_err)?;
        let sealed = self.seal(META, SESSION_KEY, &json).await?;
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

    /// The session's check token, readable while locked.
    pub async fn check_token(&self) -> Result<Option<String>, StoreError> {
        Ok(self.meta_get(CHECK_TOKEN_KEY).await?.as_string())
    }

    pub async fn save_check_token(&self, token: &str) -> Result<(), StoreError> {
        self.meta_put(&[(CHECK_TOKEN_KEY, JsValue::from_str(token))])
            .await
    }

    /// When the device last reached the server (ms since the epoch).
    pub async fn last_contact_ms(&self) -> Result<Option<f64>, StoreError> {
        Ok(self.meta_get(LAST_CONTACT_KEY).await?.as_f64())
    }

    /// The device reached the server just now.
    pub async fn note_contact(&self) -> Result<(), StoreError> {
        self.meta_put(&[(LAST_CONTACT_KEY, JsValue::from_f64(js_sys::Date::now()))])
            .await
    }

    /// The administrator's rules as last heard; the defaults before that.
    pub async fn policy(&self) -> Result<shared::auth::DevicePolicy, StoreError> {
        Ok(self
            .meta_get(POLICY_KEY)
            .await?
            .as_string()
            .and_then(|json| serde_json::from_str(&json).ok())
            .unwrap_or(shared::auth::DevicePolicy {
                lock_after_secs: shared::auth::DevicePolicy::DEFAULT_LOCK_AFTER_SECS,
                max_offline_secs: u64::from(shared::auth::DevicePolicy::DEFAULT_MAX_OFFLINE_DAYS)
                    * 24
                    * 3600,
                require_authenticator: false,
            }))
    }

    /// Keeps the rules, and the lock time with them.
    pub async fn save_policy(&self, policy: &shared::auth::DevicePolicy) -> Result<(), StoreError> {
        let json = serde_json::to_string(policy).map_err(decode_err)?;
        self.meta_put(&[
            (POLICY_KEY, JsValue::from_str(&json)),
            (
                LOCK_AFTER_KEY,
                JsValue::from_f64(f64::from(policy.lock_after_secs)),
            ),
        ])
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

    /// The store's figures (`StoreStamp`), read in one transaction so they
    /// belong together. Nothing sealed is opened, and nothing is counted:
    /// counting 50,000 records takes IndexedDB about 150 ms.
    pub async fn stamp(&self) -> Result<StoreStamp, StoreError> {
        let tx = self.tx(&[OUTBOX, META], IdbTransactionMode::Readonly)?;
        let pending = tx
            .object_store(OUTBOX)
            .map_err(js_err)?
            .get_all_keys()
            .map_err(js_err)?;
        let meta = tx.object_store(META).map_err(js_err)?;
        let cursor = meta.get(&JsValue::from_str(CURSOR_KEY)).map_err(js_err)?;
        let records_rev = meta
            .get(&JsValue::from_str(RECORDS_REV_KEY))
            .map_err(js_err)?;
        let change_seq = meta
            .get(&JsValue::from_str(CHANGE_SEQ_KEY))
            .map_err(js_err)?;
        let pending: js_sys::Array = idb::request(&pending).await?.unchecked_into();
        let cursor = idb::request(&cursor).await?.as_f64().unwrap_or(0.0) as u64;
        let records_rev = idb::request(&records_rev).await?.as_f64().unwrap_or(0.0) as u64;
        let change_seq = idb::request(&change_seq).await?.as_f64().unwrap_or(0.0) as u64;
        Ok(StoreStamp {
            change_seq,
            records_rev,
            cursor,
            pending: u64::from(pending.length()),
            last_pending_key: pending
                .iter()
                .filter_map(|k| k.as_f64())
                .fold(0.0, f64::max) as u64,
        })
    }

    /// The children whose records were written after write number `since`
    /// (`StoreStamp::change_seq`); `None` when every child's may have been.
    pub async fn children_changed_since(
        &self,
        since: u64,
    ) -> Result<Option<BTreeSet<ChildId>>, StoreError> {
        let entries = self.get_all(CHANGED, Select::All).await?;
        let entries = entries
            .iter()
            .map(|entry| {
                let seq = js_sys::Reflect::get(&entry, &"seq".into())
                    .ok()
                    .and_then(|seq| seq.as_f64())
                    .unwrap_or(f64::MAX) as u64;
                Ok((idb::get_str(&entry, "child_id")?, seq))
            })
            .collect::<Result<Vec<_>, IdbError>>()?;
        Ok(crate::stored::changed_since(entries, since))
    }

    pub async fn caseload_snapshot(&self) -> Result<Option<CaseloadSnapshot>, StoreError> {
        let Some(sealed) = self.meta_get(CASELOAD_KEY).await?.as_string() else {
            return Ok(None);
        };
        let json = self.open_sealed(META, CASELOAD_KEY, &sealed).await?;
        Ok(serde_json::from_str(&json).ok())
    }

    pub async fn save_caseload_snapshot(
        &self,
        snapshot: &CaseloadSnapshot,
    ) -> Result<(), StoreError> {
        let json = serde_json::to_string(snapshot).map_err(decode_err)?;
        let sealed = self.seal(META, CASELOAD_KEY, &json).await?;
        self.meta_put(&[(CASELOAD_KEY, JsValue::from_str(&sealed))])
            .await
    }

    /// The user's card for children, as last fetched or saved, for showing
    /// offline.
    pub async fn worker_card(&self) -> Result<Option<shared::children::WorkerCard>, StoreError> {
        let Some(sealed) = self.meta_get(WORKER_CARD_KEY).await?.as_string() else {
            return Ok(None);
        };
        let json = self.open_sealed(META, WORKER_CARD_KEY, &sealed).await?;
        Ok(serde_json::from_str(&json).ok())
    }

    pub async fn keep_worker_card(
        &self,
        card: &shared::children::WorkerCard,
    ) -> Result<(), StoreError> {
        let json = serde_json::to_string(card).map_err(decode_err)?;
        let sealed = self.seal(META, WORKER_CARD_KEY, &json).await?;
        self.meta_put(&[(WORKER_CARD_KEY, JsValue::from_str(&sealed))])
            .await
    }

    /// The self-check report last computed, for reading offline.
    pub async fn kept_selfcheck(&self) -> Result<Option<crate::selfcheck::KeptReport>, StoreError> {
        let Some(sealed) = self.meta_get(SELFCHECK_KEY).await?.as_string() else {
            return Ok(None);
        };
        let json = self.open_sealed(META, SELFCHECK_KEY, &sealed).await?;
        Ok(serde_json::from_str(&json).ok())
    }

    /// Keeps `kept`, sealed, in place of the one before.
    pub async fn keep_selfcheck(
        &self,
        kept: &crate::selfcheck::KeptReport,
    ) -> Result<(), StoreError> {
        let json = serde_json::to_string(kept).map_err(decode_err)?;
        let sealed = self.seal(META, SELFCHECK_KEY, &json).await?;
        self.meta_put(&[(SELFCHECK_KEY, JsValue::from_str(&sealed))])
            .await
    }

    pub(super) async fn read_held(meta: &IdbObjectStore) -> Result<BTreeSet<ChildId>, StoreError> {
        let raw = idb::request(&meta.get(&JsValue::from_str(HELD_KEY)).map_err(js_err)?).await?;
        match raw.as_string() {
            Some(json) => serde_json::from_str(&json).map_err(decode_err),
            None => Ok(BTreeSet::new()),
        }
    }

    pub(super) fn write_held(
        meta: &IdbObjectStore,
        held: &BTreeSet<ChildId>,
    ) -> Result<(), StoreError> {
        let json = serde_json::to_string(held).map_err(decode_err)?;
        meta.put_with_key(&JsValue::from_str(&json), &JsValue::from_str(HELD_KEY))
            .map_err(js_err)?;
        Ok(())
    }

    /// Changes `held` in one transaction, together with whatever `also`
    /// does to the records (IndexedDB requests only: nothing else may be
    /// awaited inside a transaction).
    pub(super) async fn update_held(
        &self,
        change: impl FnOnce(&mut BTreeSet<ChildId>),
        touched: &[ChildId],
        also: impl AsyncFnOnce(&IdbObjectStore) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let tx = self.tx(&[RECORDS, META, CHANGED], IdbTransactionMode::Readwrite)?;
        let meta = tx.object_store(META).map_err(js_err)?;
        also(&tx.object_store(RECORDS).map_err(js_err)?).await?;
        let mut held = Self::read_held(&meta).await?;
        change(&mut held);
        Self::write_held(&meta, &held)?;
        Self::bump_records_rev(&meta).await?;
        Self::note_changed(&tx, touched.iter().map(ChildId::to_string)).await?;
        idb::committed(&tx).await?;
        Ok(())
    }

    /// Notes in `changed`, in the transaction `tx` (over `META` and
    /// `CHANGED`) that writes them, that the records of `children` changed
    /// (`stored::EVERY_CHILD` for every child): one write number for all.
    pub(super) fn note_changed(
        tx: &IdbTransaction,
        children: impl IntoIterator<Item = String>,
    ) -> impl std::future::Future<Output = Result<(), StoreError>> + '_ {
        // One future for every caller: the module carries it once.
        Self::note_changed_children(tx, children.into_iter().collect())
    }

    async fn note_changed_children(
        tx: &IdbTransaction,
        children: BTreeSet<String>,
    ) -> Result<(), StoreError> {
        if children.is_empty() {
            return Ok(());
        }
        let meta = tx.object_store(META).map_err(js_err)?;
        let key = JsValue::from_str(CHANGE_SEQ_KEY);
        let seq = idb::request(&meta.get(&key).map_err(js_err)?)
            .await?
            .as_f64()
            .unwrap_or(0.0) as u64
            + 1;
        meta.put_with_key(&JsValue::from_f64(seq as f64), &key)
            .map_err(js_err)?;
        let changed = tx.object_store(CHANGED).map_err(js_err)?;
        for child in &children {
            changed.put(&changed_entry(child, seq)).map_err(js_err)?;
        }
        Ok(())
    }

    /// Moves `StoreStamp::records_rev`, in the transaction of `meta` that
    /// writes the records.
    pub(super) async fn bump_records_rev(meta: &IdbObjectStore) -> Result<(), StoreError> {
        let key = JsValue::from_str(RECORDS_REV_KEY);
        let rev = idb::request(&meta.get(&key).map_err(js_err)?)
            .await?
            .as_f64()
            .unwrap_or(0.0);
        meta.put_with_key(&JsValue::from_f64(rev + 1.0), &key)
            .map_err(js_err)?;
        Ok(())
    }
}
