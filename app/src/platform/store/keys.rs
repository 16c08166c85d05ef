//! The device key: set up from a PIN or the platform authenticator,
//! unlocked, forgotten on lock; what seals and opens every value about
//! children, each bound to its place (`lock::seal_place`).

use super::*;
use crate::lock::{
    read_key_params, seal_place, validated_authenticator, KeyParams, PinKdf, StoredKeyParams,
};

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

    pub fn is_unlocked(&self) -> bool {
        self.key.borrow().is_some()
    }

    /// Forgets the key: nothing about children can be read until unlocked.
    pub fn lock(&self) {
        self.key.borrow_mut().take();
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
        self.key()?
            .open(&seal_place(store, key), sealed)
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
        self.meta_put(&[
            (KDF_KEY, JsValue::from_str(&json)),
            (PIN_FAILURES_KEY, JsValue::from_f64(0.0)),
        ])
        .await?;
        *self.key.borrow_mut() = Some(key);
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
            *self.key.borrow_mut() = Some(key);
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
}
