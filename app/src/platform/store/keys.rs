//! The device key: set up from a PIN, unlocked, forgotten on lock; what
//! seals and opens every value about children.

use super::*;

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

    pub(super) async fn seal(&self, plain: &str) -> Result<String, StoreError> {
        self.key()?.seal(plain).await.map_err(|e| StoreError(e.0))
    }

    pub(super) async fn open_sealed(&self, sealed: &str) -> Result<String, StoreError> {
        self.key()?.open(sealed).await.map_err(|e| StoreError(e.0))
    }

    /// Whether a device key has been set up (the device is in use).
    pub async fn has_key(&self) -> Result<bool, StoreError> {
        Ok(!self.meta_get(KDF_KEY).await?.is_undefined())
    }

    /// Derives a new device key from `pin` and keeps it in memory. Only on a
    /// device without data: the caller has wiped it or it is new.
    pub async fn set_up_key(&self, pin: &str) -> Result<(), StoreError> {
        let crypto = |e: crate::platform::crypto::CryptoError| StoreError(e.0);
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
        crate::platform::browser::mark("barnbesok:key-derivation-start");
        let key = DeviceKey::derive(pin, &salt, params.iterations)
            .await
            .map_err(|e| StoreError(e.0))?;
        crate::platform::browser::measure(
            "barnbesok:key-derivation",
            "barnbesok:key-derivation-start",
        );
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
}
