//! The tablet lock, as plain rules: how a PIN must look, how strong the key
//! derivation must be, how sealed values are written, and what a wrong PIN
//! costs. The WebCrypto side is `platform::crypto`.

use serde::{Deserialize, Serialize};

/// PBKDF2-SHA-256 iterations: OWASP's minimum for this hash. Stored
/// parameters below it are refused (a tampered store cannot weaken the key).
pub const MIN_ITERATIONS: u32 = 600_000;
pub const SALT_BYTES: usize = 16;
pub const IV_BYTES: usize = 12;
/// Wrong PINs in a row before the device's data is wiped.
pub const MAX_PIN_ATTEMPTS: u32 = 5;
/// Minutes without use before the app locks, unless the server says otherwise.
pub const DEFAULT_LOCK_AFTER_MINUTES: u32 = 5;
pub const MIN_PIN_DIGITS: usize = 6;
pub const MAX_PIN_DIGITS: usize = 12;

/// How the device key is derived, stored in the clear beside the data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KdfParams {
    /// Base64 of the salt.
    pub salt: String,
    pub iterations: u32,
    /// A known text sealed with the key: a PIN is right if it opens this.
    pub check: String,
}

/// What the key check holds.
pub const CHECK_TEXT: &str = "barnbesok-nyckelkontroll-v1";

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PinError {
    #[error("PIN-koden ska vara {MIN_PIN_DIGITS}–{MAX_PIN_DIGITS} siffror.")]
    Shape,
    #[error("PIN-koden får inte vara samma siffra eller en enkel följd.")]
    TooSimple,
    #[error("De två PIN-koderna är olika.")]
    Mismatch,
}

/// Checks a new PIN (and its repetition).
pub fn check_new_pin(pin: &str, again: &str) -> Result<(), PinError> {
    let digits: Vec<u32> = pin.chars().filter_map(|c| c.to_digit(10)).collect();
    if digits.len() != pin.chars().count()
        || !(MIN_PIN_DIGITS..=MAX_PIN_DIGITS).contains(&digits.len())
    {
        return Err(PinError::Shape);
    }
    let same = digits.windows(2).all(|w| w[0] == w[1]);
    let up = digits.windows(2).all(|w| w[1] == (w[0] + 1) % 10);
    let down = digits.windows(2).all(|w| w[0] == (w[1] + 1) % 10);
    if same || up || down {
        return Err(PinError::TooSimple);
    }
    if pin != again {
        return Err(PinError::Mismatch);
    }
    Ok(())
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum KdfError {
    #[error("nyckelparametrarna är för svaga ({0} iterationer)")]
    TooWeak(u32),
    #[error("nyckelparametrarna är trasiga")]
    Malformed,
}

impl KdfParams {
    /// The parameters, if strong enough to use.
    pub fn validated(&self) -> Result<Vec<u8>, KdfError> {
        if self.iterations < MIN_ITERATIONS {
            return Err(KdfError::TooWeak(self.iterations));
        }
        let salt = b64_decode(&self.salt).ok_or(KdfError::Malformed)?;
        if salt.len() < SALT_BYTES {
            return Err(KdfError::Malformed);
        }
        Ok(salt)
    }
}

/// A sealed value as stored: `v1:<base64 iv>:<base64 ciphertext>`.
pub fn seal_format(iv: &[u8], ciphertext: &[u8]) -> String {
    format!("v1:{}:{}", b64_encode(iv), b64_encode(ciphertext))
}

/// The iv and ciphertext of a sealed value.
pub fn seal_parse(sealed: &str) -> Option<(Vec<u8>, Vec<u8>)> {
    let rest = sealed.strip_prefix("v1:")?;
    let (iv, ct) = rest.split_once(':')?;
    let iv = b64_decode(iv)?;
    (iv.len() == IV_BYTES).then_some(())?;
    Some((iv, b64_decode(ct)?))
}

/// What a wrong PIN leads to, given the failures before it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AfterWrongPin {
    TryAgain { left: u32 },
    Wipe,
}

pub fn after_wrong_pin(failures_before: u32) -> AfterWrongPin {
    let failures = failures_before.saturating_add(1);
    if failures >= MAX_PIN_ATTEMPTS {
        AfterWrongPin::Wipe
    } else {
        AfterWrongPin::TryAgain {
            left: MAX_PIN_ATTEMPTS - failures,
        }
    }
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

pub fn b64_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(B64[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

pub fn b64_decode(text: &str) -> Option<Vec<u8>> {
    let text = text.trim_end_matches('=');
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0);
    for c in text.bytes() {
        let v = B64.iter().position(|&b| b == c)? as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pins_must_be_digits_not_trivial_and_repeated() {
        assert_eq!(check_new_pin("482913", "482913"), Ok(()));
        assert_eq!(check_new_pin("48291", "48291"), Err(PinError::Shape));
        assert_eq!(check_new_pin("4829a3", "4829a3"), Err(PinError::Shape));
        assert_eq!(
            check_new_pin("1234567890123", "1234567890123"),
            Err(PinError::Shape)
        );
        assert_eq!(check_new_pin("111111", "111111"), Err(PinError::TooSimple));
        assert_eq!(check_new_pin("123456", "123456"), Err(PinError::TooSimple));
        assert_eq!(check_new_pin("890123", "890123"), Err(PinError::TooSimple));
        assert_eq!(check_new_pin("654321", "654321"), Err(PinError::TooSimple));
        assert_eq!(check_new_pin("482913", "482914"), Err(PinError::Mismatch));
    }

    #[test]
    fn weak_or_broken_key_parameters_are_refused() {
        let ok = KdfParams {
            salt: b64_encode(&[7; SALT_BYTES]),
            iterations: MIN_ITERATIONS,
            check: String::new(),
        };
        assert_eq!(ok.validated(), Ok(vec![7; SALT_BYTES]));
        let weak = KdfParams {
            iterations: 1_000,
            ..ok.clone()
        };
        assert_eq!(weak.validated(), Err(KdfError::TooWeak(1_000)));
        let short = KdfParams {
            salt: b64_encode(&[7; 4]),
            ..ok.clone()
        };
        assert_eq!(short.validated(), Err(KdfError::Malformed));
        let garbage = KdfParams {
            salt: "!!".into(),
            ..ok
        };
        assert_eq!(garbage.validated(), Err(KdfError::Malformed));
    }

    #[test]
    fn sealed_values_round_trip_and_garbage_is_refused() {
        let sealed = seal_format(&[1; IV_BYTES], b"hemligt");
        assert!(sealed.starts_with("v1:"));
        assert_eq!(
            seal_parse(&sealed),
            Some((vec![1; IV_BYTES], b"hemligt".to_vec()))
        );
        assert_eq!(seal_parse("{\"kind\":\"child\"}"), None);
        assert_eq!(seal_parse("v1:AAAA:AAAA"), None, "an iv of the wrong size");
        assert_eq!(seal_parse("v2:x:y"), None);
    }

    #[test]
    fn base64_round_trips() {
        for len in 0..40 {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 37 + 11) as u8).collect();
            assert_eq!(b64_decode(&b64_encode(&bytes)), Some(bytes));
        }
        assert_eq!(b64_encode(b"Man"), "TWFu");
        assert_eq!(b64_encode(b"Ma"), "TWE=");
    }

    #[test]
    fn the_fifth_wrong_pin_wipes() {
        assert_eq!(after_wrong_pin(0), AfterWrongPin::TryAgain { left: 4 });
        assert_eq!(after_wrong_pin(3), AfterWrongPin::TryAgain { left: 1 });
        assert_eq!(after_wrong_pin(4), AfterWrongPin::Wipe);
        assert_eq!(after_wrong_pin(u32::MAX), AfterWrongPin::Wipe);
    }
}
