//! The records key: what seals each record on the device, in WebAssembly
//! (XChaCha20-Poly1305). It is random, made once per device, and stored only
//! sealed with the device key (WebCrypto, non-extractable), so it opens
//! only after the PIN or the screen lock. A first sync seals thousands of
//! records; one WebCrypto call each was a third of its time
//! (docs/performance.md). Each value keeps its place as associated data,
//! as values sealed with the device key do (`lock::seal_place`).

use crate::lock::{b64_decode, b64_encode, KEY_BYTES};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};

/// XChaCha20's nonce: random per value, long enough that random nonces
/// never meet under one key.
pub const NONCE_BYTES: usize = 24;
const PREFIX: &str = "r1:";

/// A record sealed with the records key: `r1:<base64 nonce>:<base64
/// ciphertext and tag>`. Anything else (`v2:`) was sealed with the device
/// key, by an earlier version of the app.
pub fn is_sealed_with_records_key(sealed: &str) -> bool {
    sealed.starts_with(PREFIX)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum OpenError {
    #[error("okänt format")]
    Format,
    /// Another key, another place, or changed bytes: AEAD tells them apart
    /// from nothing, on purpose.
    #[error("fel nyckel, ändrat eller flyttat från en annan post")]
    Refused,
}

/// The key's bytes, cleared when dropped (the device locks).
pub struct RecordsKey([u8; KEY_BYTES]);

impl std::fmt::Debug for RecordsKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RecordsKey(…)")
    }
}

impl Drop for RecordsKey {
    fn drop(&mut self) {
        self.0.iter_mut().for_each(|b| *b = 0);
        std::hint::black_box(&self.0);
    }
}

impl RecordsKey {
    /// A key from `KEY_BYTES` random bytes (the caller's CSPRNG).
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        Some(Self(bytes.try_into().ok()?))
    }

    /// The key as it is sealed with the device key: base64 text.
    pub fn to_text(&self) -> String {
        b64_encode(&self.0)
    }

    /// The key back from [`Self::to_text`].
    pub fn from_text(text: &str) -> Option<Self> {
        let mut bytes = b64_decode(text)?;
        let key = Self::from_bytes(&bytes);
        bytes.iter_mut().for_each(|b| *b = 0);
        key
    }

    /// Made for each call, on the stack, so that no copy of the key outlives
    /// `self` on the heap.
    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(Key::from_slice(&self.0))
    }

    /// Seals `plain` for `place` with `nonce`, which must be fresh random
    /// bytes.
    pub fn seal(&self, nonce: &[u8; NONCE_BYTES], place: &str, plain: &str) -> String {
        let sealed = self
            .cipher()
            .encrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: plain.as_bytes(),
                    aad: place.as_bytes(),
                },
            )
            .expect("XChaCha20-Poly1305 seals any length a browser can hold");
        format!("{PREFIX}{}:{}", b64_encode(nonce), b64_encode(&sealed))
    }

    /// Opens a value sealed with this key for `place`.
    pub fn open(&self, place: &str, sealed: &str) -> Result<String, OpenError> {
        let (nonce, ciphertext) = sealed
            .strip_prefix(PREFIX)
            .and_then(|rest| rest.split_once(':'))
            .ok_or(OpenError::Format)?;
        let nonce = b64_decode(nonce)
            .filter(|n| n.len() == NONCE_BYTES)
            .ok_or(OpenError::Format)?;
        let ciphertext = b64_decode(ciphertext).ok_or(OpenError::Format)?;
        let plain = self
            .cipher()
            .decrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: &ciphertext,
                    aad: place.as_bytes(),
                },
            )
            .map_err(|_| OpenError::Refused)?;
        String::from_utf8(plain).map_err(|_| OpenError::Format)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lock::{seal_format, seal_place, IV_BYTES};

    fn key(byte: u8) -> RecordsKey {
        RecordsKey::from_bytes(&[byte; KEY_BYTES]).expect("key")
    }

    #[test]
    fn a_sealed_record_opens_only_with_its_key_at_its_place() {
        let place = seal_place("records", "visit:1");
        let sealed = key(1).seal(&[7; NONCE_BYTES], &place, "{\"note\":\"Leo mår bra\"}");
        assert!(is_sealed_with_records_key(&sealed));
        assert!(
            !sealed.contains("Leo"),
            "nothing readable in what is stored"
        );
        assert_eq!(
            key(1).open(&place, &sealed).as_deref(),
            Ok("{\"note\":\"Leo mår bra\"}")
        );
        assert_eq!(key(2).open(&place, &sealed), Err(OpenError::Refused));
        assert_eq!(
            key(1).open(&seal_place("records", "visit:2"), &sealed),
            Err(OpenError::Refused),
            "copied over another record"
        );
    }

    #[test]
    fn a_changed_byte_or_another_format_is_refused() {
        let place = seal_place("records", "child:1");
        let sealed = key(1).seal(&[7; NONCE_BYTES], &place, "hemligt");
        let (head, body) = sealed.rsplit_once(':').expect("two parts");
        let mut bytes = b64_decode(body).expect("base64");
        bytes[0] ^= 1;
        let changed = format!("{head}:{}", b64_encode(&bytes));
        assert_eq!(key(1).open(&place, &changed), Err(OpenError::Refused));
        let mut cut = b64_decode(body).expect("base64");
        cut.pop();
        assert_eq!(
            key(1).open(&place, &format!("{head}:{}", b64_encode(&cut))),
            Err(OpenError::Refused),
            "a shortened tag"
        );
        let device_sealed = seal_format(&[1; IV_BYTES], b"hemligt");
        assert!(!is_sealed_with_records_key(&device_sealed));
        assert_eq!(key(1).open(&place, &device_sealed), Err(OpenError::Format));
        assert_eq!(key(1).open(&place, "r1:AAAA:AAAA"), Err(OpenError::Format));
    }

    #[test]
    fn fresh_nonces_make_different_values_of_the_same_record() {
        let place = seal_place("records", "child:1");
        let a = key(1).seal(&[1; NONCE_BYTES], &place, "samma");
        let b = key(1).seal(&[2; NONCE_BYTES], &place, "samma");
        assert_ne!(a, b);
        assert_eq!(key(1).open(&place, &a), key(1).open(&place, &b));
    }

    #[test]
    fn the_key_round_trips_as_text_and_only_at_its_length() {
        let text = key(9).to_text();
        let back = RecordsKey::from_text(&text).expect("key");
        let place = seal_place("records", "k");
        let sealed = key(9).seal(&[3; NONCE_BYTES], &place, "x");
        assert_eq!(back.open(&place, &sealed).as_deref(), Ok("x"));
        assert!(RecordsKey::from_bytes(&[1; 16]).is_none());
        assert!(RecordsKey::from_text("AAAA").is_none());
        assert!(format!("{:?}", key(9)).contains('…'));
    }
}
