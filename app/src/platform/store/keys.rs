//! The device key: set up from a PIN or the platform authenticator,
//! unlocked, forgotten on lock; what seals and opens every value about
//! children, each bound to its place (`lock::seal_place`).

use super::*;
use crate::lock::{
    read_key_params, seal_place, validated_authenticator, KeyParams, PinKdf, StoredKeyParams,
    KEY_BYTES,
};
use crate::records_key::{is_sealed_with_records_key, RecordsKey};
use std::rc::Rc;

/// Records read and, where sealed with the device key, sealed again with
/// the records key per transaction of [`IdbStore::reseal_with_records_key`].
const RESEAL_CHUNK: u32 = 500;

/// In `meta`, set by a pass of [`IdbStore::reseal_with_records_key`] that
/// found every record sealed with the records key. Records are written no
/// other way since, so later unlocks read none of them for it (at 50,000
/// records, a pass reads them all while the caseload is being drawn).
pub const RESEALED_KEY: &str = "records_resealed";

/// How this device unlocks, as its stored key parameters say.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyMethod {
    Pin,
    Authenticator {
        credential_id: Vec<u8>,
        prf_salt: Vec<u8>,
    },
}

impl IdbStore {
    pub(super) fn key(&self) -> Result<DeviceKey, StoreError> {
        self.key
            .borrow()
            .clone()
            .ok_or_else(|| StoreError(LOCKED.into()))
    }

    pub(super) fn records_key(&self) -> Result<Rc<RecordsKey>, StoreError> {
        self.records_key
            .borrow()
            .clone()
            .ok_or_else(|| StoreError(LOCKED.into()))
    }

    pub fn is_unlocked(&self) -> bool {
        self.key.borrow().is_some()
    }

    /// Forgets the keys: nothing about children can be read until unlocked.
    pub fn lock(&self) {
        self.key.borrow_mut().take();
        self.records_key.borrow_mut().take();
    }

    /// Both keys in memory: the device is open.
    fn keep_keys(&self, device: DeviceKey, records: RecordsKey) {
        *self.key.borrow_mut() = Some(device);
        *self.records_key.borrow_mut() = Some(Rc::new(records));
    }

    /// A new records key and the device key's seal of it, for
    /// [`RECORDS_KEY_KEY`].
    async fn new_records_key(device: &DeviceKey) -> Result<(RecordsKey, String), StoreError> {
        let mut bytes = random_bytes(KEY_BYTES)?;
        let key = RecordsKey::from_bytes(&bytes).expect("KEY_BYTES random bytes");
        bytes.iter_mut().for_each(|b| *b = 0);
        let sealed = device
            .seal(&seal_place(META, RECORDS_KEY_KEY), &key.to_text())
            .await?;
        Ok((key, sealed))
    }

    /// The records key this device's records are sealed with, opened with
    /// the device key. A device set up before records were sealed in
    /// WebAssembly gets one now; if another tab made one first, that one
    /// is kept and used (the put happens only where none is stored).
    async fn stored_records_key(&self, device: &DeviceKey) -> Result<RecordsKey, StoreError> {
        let place = seal_place(META, RECORDS_KEY_KEY);
        let sealed = match self.meta_get(RECORDS_KEY_KEY).await?.as_string() {
            Some(sealed) => sealed,
            None => {
                let (_, sealed) = Self::new_records_key(device).await?;
                let tx = self.tx(&[META], IdbTransactionMode::Readwrite)?;
                let meta = tx.object_store(META).map_err(js_err)?;
                let at = JsValue::from_str(RECORDS_KEY_KEY);
                let stored = idb::request(&meta.get(&at).map_err(js_err)?).await?;
                let kept = match stored.as_string() {
                    Some(theirs) => theirs,
                    None => {
                        meta.put_with_key(&JsValue::from_str(&sealed), &at)
                            .map_err(js_err)?;
                        // Every record still to be sealed with it.
                        meta.delete(&JsValue::from_str(RESEALED_KEY))
                            .map_err(js_err)?;
                        sealed
                    }
                };
                idb::committed(&tx).await?;
                kept
            }
        };
        let text = device
            .open(&place, &sealed)
            .await
            .map_err(|e| StoreError(e.0))?;
        let key = RecordsKey::from_text(&text);
        let mut bytes = text.into_bytes();
        bytes.iter_mut().for_each(|b| *b = 0);
        std::hint::black_box(&bytes);
        key.ok_or_else(|| StoreError("postnyckeln på enheten är skadad".into()))
    }

    /// Seals `plain` for `key` of `store` with the records key and a fresh
    /// `nonce`: for values written by the hundred (records, logged reads),
    /// where one WebCrypto call each would cost a task per value.
    pub(super) fn seal_in_bulk(
        &self,
        store: &str,
        key: &str,
        plain: &str,
        nonce: &[u8; NONCE_BYTES],
    ) -> Result<String, StoreError> {
        Ok(self
            .records_key()?
            .seal(nonce, &seal_place(store, key), plain))
    }

    /// Seals every record still sealed with the device key (by an earlier
    /// version of the app) again with the records key, a chunk per
    /// transaction; the number resealed. A record changed meanwhile (a
    /// pull wrote it) is left as the pull wrote it. Stops when the device
    /// locks; the next unlock carries on.
    pub async fn reseal_with_records_key(&self) -> Result<usize, StoreError> {
        if self.meta_get(RESEALED_KEY).await?.is_truthy() {
            return Ok(0);
        }
        let mut after: Option<String> = None;
        let mut resealed = 0;
        loop {
            let tx = self.tx(&[RECORDS], IdbTransactionMode::Readonly)?;
            let records = tx.object_store(RECORDS).map_err(js_err)?;
            let range = match &after {
                None => JsValue::UNDEFINED,
                Some(key) => {
                    web_sys::IdbKeyRange::lower_bound_with_open(&JsValue::from_str(key), true)
                        .map_err(js_err)?
                        .into()
                }
            };
            let values: js_sys::Array = idb::request(
                &records
                    .get_all_with_key_and_limit(&range, RESEAL_CHUNK)
                    .map_err(js_err)?,
            )
            .await?
            .unchecked_into();
            if values.length() == 0 {
                let tx = self.tx(&[META], IdbTransactionMode::Readwrite)?;
                tx.object_store(META)
                    .map_err(js_err)?
                    .put_with_key(&JsValue::TRUE, &JsValue::from_str(RESEALED_KEY))
                    .map_err(js_err)?;
                idb::committed(&tx).await?;
                return Ok(resealed);
            }
            let mut old = Vec::new();
            for value in values.iter() {
                let key = idb::get_str(&value, "key")?;
                let json = idb::get_str(&value, "json")?;
                after = Some(key.clone());
                if !is_sealed_with_records_key(&json) {
                    old.push((key, json));
                }
            }
            if old.is_empty() {
                continue;
            }
            let opened = try_join_all(
                old.iter()
                    .map(|(key, sealed)| self.open_sealed(RECORDS, key, sealed)),
            )
            .await?;
            let nonces = random_nonces(old.len())?;
            let mut new = Vec::with_capacity(old.len());
            for (((key, sealed), plain), nonce) in old.into_iter().zip(opened).zip(&nonces) {
                new.push((
                    key.clone(),
                    sealed,
                    self.seal_in_bulk(RECORDS, &key, &plain, nonce)?,
                ));
            }
            let tx = self.tx_refetchable(&[RECORDS])?;
            let records = tx.object_store(RECORDS).map_err(js_err)?;
            for (key, sealed, resealed_json) in &new {
                let current =
                    idb::request(&records.get(&JsValue::from_str(key)).map_err(js_err)?).await?;
                if current.is_undefined() || idb::get_str(&current, "json")? != *sealed {
                    continue;
                }
                js_sys::Reflect::set(
                    &current,
                    &JsValue::from_str("json"),
                    &JsValue::from_str(resealed_json),
                )
                .map_err(js_err)?;
                records.put(&current).map_err(js_err)?;
                resealed += 1;
            }
            idb::committed(&tx).await?;
        }
    }

    /// Seals `plain` for the value at `key` of `store`: it opens only there.
    pub(super) async fn seal(
        &self,
        store: &str,
        key: &str,
        plain: &str,
    ) -> Result<String, StoreError> {
        self.key()?
            .seal(&seal_place(store, key), plain)
            .await
            .map_err(|e| StoreError(e.0))
    }

    /// Opens the value at `key` of `store`; a value sealed for another place
    /// (copied over from another record) is refused.
    pub(super) async fn open_sealed(
        &self,
        store: &str,
        key: &str,
        sealed: &str,
    ) -> Result<String, StoreError> {
        let place = seal_place(store, key);
        if is_sealed_with_records_key(sealed) {
            return self
                .records_key()?
                .open(&place, sealed)
                .map_err(|e| StoreError(format!("värdet i {place} går inte att öppna: {e}")));
        }
        self.key()?
            .open(&place, sealed)
            .await
            .map_err(|e| StoreError(e.0))
    }

    /// Whether a device key has been set up (the device is in use).
    pub async fn has_key(&self) -> Result<bool, StoreError> {
        Ok(!self.meta_get(KDF_KEY).await?.is_undefined())
    }

    async fn stored_params(&self) -> Result<Option<StoredKeyParams>, StoreError> {
        Ok(self
            .meta_get(KDF_KEY)
            .await?
            .as_string()
            .map(|json| read_key_params(&json)))
    }

    /// How the device unlocks; `None` when no key is set up, or one by an
    /// earlier version of the app that this one no longer opens
    /// ([`Self::has_old_key`]).
    pub async fn key_method(&self) -> Result<Option<KeyMethod>, StoreError> {
        Ok(match self.stored_params().await? {
            Some(StoredKeyParams::Current(KeyParams::Pin { .. })) => Some(KeyMethod::Pin),
            Some(StoredKeyParams::Current(KeyParams::Authenticator {
                credential_id,
                prf_salt,
                ..
            })) => validated_authenticator(&credential_id, &prf_salt).ok().map(
                |(credential_id, prf_salt)| KeyMethod::Authenticator {
                    credential_id,
                    prf_salt,
                },
            ),
            _ => None,
        })
    }

    /// Whether the key was set up by an earlier version of the app (PBKDF2,
    /// values sealed without their place): such a device is wiped and
    /// signed in again.
    pub async fn has_old_key(&self) -> Result<bool, StoreError> {
        Ok(self.stored_params().await? == Some(StoredKeyParams::Old))
    }

    /// Keeps `key` as the device key with its parameters, the check sealed.
    async fn set_up(
        &self,
        key: DeviceKey,
        params: impl FnOnce(String) -> KeyParams,
    ) -> Result<(), StoreError> {
        let check = key
            .seal(CHECK_AT, CHECK_TEXT)
            .await
            .map_err(|e| StoreError(e.0))?;
        let json = serde_json::to_string(&params(check)).map_err(decode_err)?;
        let (records_key, sealed_records_key) = Self::new_records_key(&key).await?;
        self.meta_put(&[
            (KDF_KEY, JsValue::from_str(&json)),
            (RECORDS_KEY_KEY, JsValue::from_str(&sealed_records_key)),
            // A device without data owes no record the move to the records
            // key: no unlock need read them all to find that out.
            (RESEALED_KEY, JsValue::TRUE),
            (PIN_FAILURES_KEY, JsValue::from_f64(0.0)),
        ])
        .await?;
        self.keep_keys(key, records_key);
        Ok(())
    }

    /// Derives a new device key from `pin` (Argon2id) and keeps it in
    /// memory. Only on a device without data: the caller has wiped it or it
    /// is new.
    pub async fn set_up_key(&self, pin: &str) -> Result<(), StoreError> {
        let crypto = |e: crate::platform::crypto::CryptoError| StoreError(e.0);
        let kdf = PinKdf::new(random_bytes(SALT_BYTES).map_err(crypto)?);
        let key = DeviceKey::from_pin(pin, &kdf).await.map_err(crypto)?;
        self.set_up(key, |check| kdf.params(check)).await
    }

    /// Makes the device key from the platform authenticator's PRF output
    /// for `credential_id` and `prf_salt`. Only on a device without data.
    pub async fn set_up_authenticator(
        &self,
        credential_id: &[u8],
        prf_salt: &[u8],
        prf_output: &[u8],
    ) -> Result<(), StoreError> {
        let key = DeviceKey::from_prf(prf_output)
            .await
            .map_err(|e| StoreError(e.0))?;
        self.set_up(key, |check| KeyParams::Authenticator {
            credential_id: b64_encode(credential_id),
            prf_salt: b64_encode(prf_salt),
            check,
        })
        .await
    }

    /// Opens the device with the authenticator's PRF output. `false`: not
    /// the key this device was set up with.
    pub async fn unlock_with_prf(&self, prf_output: &[u8]) -> Result<bool, StoreError> {
        let Some(StoredKeyParams::Current(KeyParams::Authenticator { check, .. })) =
            self.stored_params().await?
        else {
            return Err(StoreError("enheten låses inte upp med skärmlåset".into()));
        };
        let key = DeviceKey::from_prf(prf_output)
            .await
            .map_err(|e| StoreError(e.0))?;
        if key.open(CHECK_AT, &check).await.ok().as_deref() == Some(CHECK_TEXT) {
            let records_key = self.stored_records_key(&key).await?;
            self.keep_keys(key, records_key);
            return Ok(true);
        }
        Ok(false)
    }

    /// Tries `pin`. The failure is counted before the key is derived, so
    /// closing the tab mid-attempt does not reset the count; the fifth wrong
    /// PIN in a row wipes the device.
    pub async fn unlock(&self, pin: &str) -> Result<Unlock, StoreError> {
        let Some(stored) = self.stored_params().await? else {
            return Err(StoreError("ingen nyckel på enheten".into()));
        };
        let (kdf, check) = match stored {
            StoredKeyParams::Current(KeyParams::Pin {
                salt,
                memory_kib,
                time_cost,
                lanes,
                check,
            }) => match PinKdf::validated(&salt, memory_kib, time_cost, lanes) {
                Ok(kdf) => (kdf, check),
                // Weakened or broken parameters: not a key anyone set up here.
                Err(_) => {
                    self.wipe_all().await?;
                    return Ok(Unlock::Wiped);
                }
            },
            StoredKeyParams::Current(KeyParams::Authenticator { .. }) => {
                return Err(StoreError(
                    "enheten låses upp med skärmlåset, inte med PIN-kod".into(),
                ))
            }
            StoredKeyParams::Old => {
                self.wipe_all().await?;
                return Ok(Unlock::Wiped);
            }
        };
        let failures = self
            .meta_get(PIN_FAILURES_KEY)
            .await?
            .as_f64()
            .unwrap_or(0.0) as u32;
        self.meta_put(&[(PIN_FAILURES_KEY, JsValue::from_f64(f64::from(failures + 1)))])
            .await?;
        crate::platform::browser::mark("barnbesok:key-derivation-start");
        let key = DeviceKey::from_pin(pin, &kdf)
            .await
            .map_err(|e| StoreError(e.0))?;
        crate::platform::browser::measure(
            "barnbesok:key-derivation",
            "barnbesok:key-derivation-start",
        );
        if key.open(CHECK_AT, &check).await.ok().as_deref() == Some(CHECK_TEXT) {
            self.meta_put(&[(PIN_FAILURES_KEY, JsValue::from_f64(0.0))])
                .await?;
            let records_key = self.stored_records_key(&key).await?;
            self.keep_keys(key, records_key);
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
}
