//! WebCrypto: the device key, held only in memory as a non-extractable
//! AES-GCM key, and sealing and opening values with it, each bound to its
//! place by associated data. The key comes from the PIN (Argon2id, run in
//! WebAssembly: `crate::lock::PinKdf`) or from the platform authenticator's
//! PRF output (HKDF-SHA-256). The rules (costs, formats) are in `crate::lock`.

use crate::lock::{seal_format, seal_parse, PinKdf, IV_BYTES, KEY_BYTES, PRF_KEY_INFO};
use crate::records_key::NONCE_BYTES;
use js_sys::{Array, ArrayBuffer, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AesGcmParams, AesKeyGenParams, CryptoKey, HkdfParams, SubtleCrypto};

#[derive(Debug, Clone, thiserror::Error)]
#[error("kryptering: {0}")]
pub struct CryptoError(pub String);

impl From<JsValue> for CryptoError {
    fn from(value: JsValue) -> Self {
        Self(super::js_error_text(&value))
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

/// `n` fresh nonces for the records key (`crate::records_key`), read from
/// the CSPRNG in as few calls as it allows (64 KiB each).
pub fn random_nonces(n: usize) -> Result<Vec<[u8; NONCE_BYTES]>, CryptoError> {
    const PER_CALL: usize = 65_536 / NONCE_BYTES;
    let mut nonces = Vec::with_capacity(n);
    let mut left = n;
    while left > 0 {
        let take = left.min(PER_CALL);
        let bytes = random_bytes(take * NONCE_BYTES)?;
        nonces.extend(
            bytes
                .chunks_exact(NONCE_BYTES)
                .map(|c| <[u8; NONCE_BYTES]>::try_from(c).expect("exact chunks")),
        );
        left -= take;
    }
    Ok(nonces)
}

/// AES-GCM parameters holding a copy of `iv` and the associated data in
/// JavaScript memory. (A view into WebAssembly memory, as
/// `new_with_u8_slice` makes, goes stale when the memory grows before the
/// call that reads it: decryption then fails with an `OperationError` once
/// enough is loaded.)
fn gcm_params(iv: &[u8], place: &str) -> AesGcmParams {
    let params = AesGcmParams::new_with_u8_array("AES-GCM", &Uint8Array::from(iv));
    params.set_additional_data_u8_array(&Uint8Array::from(place.as_bytes()));
    params
}

fn crypt_usages() -> Array {
    Array::of2(&JsValue::from_str("encrypt"), &JsValue::from_str("decrypt"))
}

/// The key that seals everything about children on this device. It cannot
/// be read out of the browser (non-extractable) and lives only in memory.
#[derive(Clone, Debug)]
pub struct DeviceKey(CryptoKey);

impl DeviceKey {
    /// From the PIN: Argon2id (about a second on a tablet, blocking the
    /// page meanwhile, so the caller's busy state is painted first).
    pub async fn from_pin(pin: &str, kdf: &PinKdf) -> Result<Self, CryptoError> {
        // The caller's busy state is painted before the page blocks.
        super::browser::after_next_paint().await;
        let mut raw = kdf.derive(pin).map_err(|e| CryptoError(e.to_string()))?;
        let imported = Self::import_raw(&raw).await;
        // The key bytes leave WebAssembly memory as soon as the browser has them.
        raw.iter_mut().for_each(|b| *b = 0);
        std::hint::black_box(&raw);
        imported
    }

    async fn import_raw(raw: &[u8; KEY_BYTES]) -> Result<Self, CryptoError> {
        let key: CryptoKey = JsFuture::from(subtle()?.import_key_with_str(
            "raw",
            &Uint8Array::from(&raw[..]),
            "AES-GCM",
            false,
            &crypt_usages(),
        )?)
        .await?
        .unchecked_into();
        Ok(Self(key))
    }

    /// From the platform authenticator's PRF output: HKDF-SHA-256.
    pub async fn from_prf(prf_output: &[u8]) -> Result<Self, CryptoError> {
        let subtle = subtle()?;
        let usages = Array::of1(&JsValue::from_str("deriveKey"));
        let base: CryptoKey = JsFuture::from(subtle.import_key_with_str(
            "raw",
            &Uint8Array::from(prf_output),
            "HKDF",
            false,
            &usages,
        )?)
        .await?
        .unchecked_into();
        let params = HkdfParams::new_with_str(
            "HKDF",
            "SHA-256",
            &Uint8Array::from(PRF_KEY_INFO),
            &Uint8Array::new_with_length(0),
        );
        let aes = AesKeyGenParams::new("AES-GCM", 256);
        let key: CryptoKey = JsFuture::from(subtle.derive_key_with_object_and_object(
            &params,
            &base,
            &aes,
            false,
            &crypt_usages(),
        )?)
        .await?
        .unchecked_into();
        Ok(Self(key))
    }

    /// Seals `plain` with a fresh random iv, bound to `place`
    /// (`crate::lock::seal_place`).
    pub async fn seal(&self, place: &str, plain: &str) -> Result<String, CryptoError> {
        let iv = random_bytes(IV_BYTES)?;
        let params = gcm_params(&iv, place);
        let sealed: ArrayBuffer = JsFuture::from(subtle()?.encrypt_with_object_and_u8_array(
            &params,
            &self.0,
            plain.as_bytes(),
        )?)
        .await?
        .unchecked_into();
        Ok(seal_format(&iv, &Uint8Array::new(&sealed).to_vec()))
    }

    /// Opens a value sealed with this key at `place`; fails for any other
    /// key, another place or a changed value (AES-GCM authenticates).
    pub async fn open(&self, place: &str, sealed: &str) -> Result<String, CryptoError> {
        let (iv, ciphertext) =
            seal_parse(sealed).ok_or_else(|| CryptoError("okänt format".into()))?;
        let params = gcm_params(&iv, place);
        let plain: ArrayBuffer = JsFuture::from(subtle()?.decrypt_with_object_and_u8_array(
            &params,
            &self.0,
            &ciphertext,
        )?)
        .await
        .map_err(|_| {
            CryptoError(format!(
                "värdet i {place} går inte att öppna: fel nyckel, ändrat eller flyttat från en annan post"
            ))
        })?
        .unchecked_into();
        String::from_utf8(Uint8Array::new(&plain).to_vec())
            .map_err(|_| CryptoError("inte text".into()))
    }
}
