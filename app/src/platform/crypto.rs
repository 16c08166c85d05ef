//! WebCrypto: the device key, derived from the PIN (PBKDF2-SHA-256), held
//! only in memory as a non-extractable AES-GCM key, and sealing and opening
//! values with it. The rules (iterations, formats) are in `crate::lock`.

use crate::lock::{seal_format, seal_parse, IV_BYTES};
use js_sys::{Array, ArrayBuffer, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AesGcmParams, AesKeyGenParams, CryptoKey, Pbkdf2Params, SubtleCrypto};

#[derive(Debug, Clone, thiserror::Error)]
#[error("kryptering: {0}")]
pub struct CryptoError(pub String);

impl From<JsValue> for CryptoError {
    fn from(value: JsValue) -> Self {
        if let Some(e) = value.dyn_ref::<web_sys::DomException>() {
            return Self(format!("{}: {}", e.name(), e.message()));
        }
        Self(format!("{value:?}"))
    }
}

fn crypto() -> Result<web_sys::Crypto, CryptoError> {
    web_sys::window()
        .ok_or_else(|| CryptoError("inget fönster".into()))?
        .crypto()
        .map_err(CryptoError::from)
}

fn subtle() -> Result<SubtleCrypto, CryptoError> {
    Ok(crypto()?.subtle())
}

/// `n` random bytes from the browser's CSPRNG.
pub fn random_bytes(n: usize) -> Result<Vec<u8>, CryptoError> {
    let mut bytes = vec![0u8; n];
    crypto()?.get_random_values_with_u8_array(&mut bytes)?;
    Ok(bytes)
}

/// AES-GCM parameters holding a copy of `iv` in JavaScript memory. (A view
/// into WebAssembly memory, as `new_with_u8_slice` makes, goes stale when the
/// memory grows before the call that reads it: decryption then fails with an
/// `OperationError` once enough is loaded.)
fn gcm_params(iv: &[u8]) -> AesGcmParams {
    AesGcmParams::new_with_u8_array("AES-GCM", &Uint8Array::from(iv))
}

/// The key that seals everything about children on this device. It cannot
/// be read out of the browser (non-extractable) and lives only in memory.
#[derive(Clone, Debug)]
pub struct DeviceKey(CryptoKey);

impl DeviceKey {
    pub async fn derive(pin: &str, salt: &[u8], iterations: u32) -> Result<Self, CryptoError> {
        let subtle = subtle()?;
        let pin_bytes = Uint8Array::from(pin.as_bytes());
        let usages = Array::of1(&JsValue::from_str("deriveKey"));
        let base: CryptoKey = JsFuture::from(
            subtle.import_key_with_str("raw", &pin_bytes, "PBKDF2", false, &usages)?,
        )
        .await?
        .unchecked_into();
        let params =
            Pbkdf2Params::new_with_str("PBKDF2", "SHA-256", iterations, &Uint8Array::from(salt));
        let aes = AesKeyGenParams::new("AES-GCM", 256);
        let usages = Array::of2(&JsValue::from_str("encrypt"), &JsValue::from_str("decrypt"));
        let key: CryptoKey = JsFuture::from(
            subtle.derive_key_with_object_and_object(&params, &base, &aes, false, &usages)?,
        )
        .await?
        .unchecked_into();
        Ok(Self(key))
    }

    /// Seals `plain` with a fresh random iv.
    pub async fn seal(&self, plain: &str) -> Result<String, CryptoError> {
        let iv = random_bytes(IV_BYTES)?;
        let params = gcm_params(&iv);
        let sealed: ArrayBuffer = JsFuture::from(subtle()?.encrypt_with_object_and_u8_array(
            &params,
            &self.0,
            plain.as_bytes(),
        )?)
        .await?
        .unchecked_into();
        Ok(seal_format(&iv, &Uint8Array::new(&sealed).to_vec()))
    }

    /// Opens a value sealed with this key; fails for any other key or a
    /// changed value (AES-GCM authenticates).
    pub async fn open(&self, sealed: &str) -> Result<String, CryptoError> {
        let (iv, ciphertext) =
            seal_parse(sealed).ok_or_else(|| CryptoError("okänt format".into()))?;
        let params = gcm_params(&iv);
        let plain: ArrayBuffer = JsFuture::from(subtle()?.decrypt_with_object_and_u8_array(
            &params,
            &self.0,
            &ciphertext,
        )?)
        .await?
        .unchecked_into();
        String::from_utf8(Uint8Array::new(&plain).to_vec())
            .map_err(|_| CryptoError("inte text".into()))
    }
}
