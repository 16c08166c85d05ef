//! The tablet lock, as plain rules: how a PIN must look, how the device key
//! is derived and how strong that must be, how sealed values are written,
//! what a wrong PIN costs, and how long a device may stay away from the
//! server. The browser side is `platform::crypto` and `platform::webauthn`.
//!
//! Two ways to unlock (docs/security.md, "On the tablet"): the tablet's
//! platform authenticator through WebAuthn's PRF extension, whose secret
//! never lies in the browser profile; or, where the device has none, a PIN
//! stretched with Argon2id (memory-hard, in WebAssembly).

use crate::i18n::td_string;
use crate::language::Language;
use serde::{Deserialize, Serialize};

/// Argon2id for the PIN: 64 MiB, so that every guess needs that much
/// memory; the time cost makes one derivation take about a second on a
/// tablet (measured by `scripts/bench-kdf.sh`). Stored parameters below
/// these are refused (a tampered store cannot weaken the key).
pub const ARGON2_MEMORY_KIB: u32 = 64 * 1024;
pub const ARGON2_TIME_COST: u32 = 4;
/// One lane: WebAssembly in the page runs on one thread.
pub const ARGON2_LANES: u32 = 1;
/// Stored parameters above these are refused too: a tampered store must not
/// make the tablet allocate gigabytes.
const MAX_MEMORY_KIB: u32 = 1024 * 1024;
const MAX_TIME_COST: u32 = 64;
const MAX_LANES: u32 = 16;
pub const SALT_BYTES: usize = 16;
pub const KEY_BYTES: usize = 32;
pub const IV_BYTES: usize = 12;
/// Wrong PINs in a row before the device's data is wiped.
pub const MAX_PIN_ATTEMPTS: u32 = 5;
/// Minutes without use before the app locks, unless the server says otherwise.
pub const DEFAULT_LOCK_AFTER_MINUTES: u32 = 5;
/// Eight digits: at the GPU rate in docs/security.md a six-digit PIN falls
/// in minutes even with Argon2id; eight take the better part of a day per
/// GPU. The PIN is the fallback; the authenticator is the strong way.
pub const MIN_PIN_DIGITS: usize = 8;
pub const MAX_PIN_DIGITS: usize = 12;

/// How the device key is made, stored in the clear beside the data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "snake_case", deny_unknown_fields)]
pub enum KeyParams {
    /// Argon2id over the PIN.
    Pin {
        /// Base64 of the salt.
        salt: String,
        memory_kib: u32,
        time_cost: u32,
        lanes: u32,
        /// A known text sealed with the key: a PIN is right if it opens this.
        check: String,
    },
    /// HKDF over the PRF output of a platform credential.
    Authenticator {
        /// Base64 of the WebAuthn credential id.
        credential_id: String,
        /// Base64 of the PRF input (`eval.first`).
        prf_salt: String,
        check: String,
    },
}

/// What the key check holds.
pub const CHECK_TEXT: &str = "barnbesok-nyckelkontroll-v2";
/// Where the key check is sealed (its associated data).
pub const CHECK_AT: &str = "meta/key_params";
/// HKDF's `info` for the key made from the authenticator's PRF output.
pub const PRF_KEY_INFO: &[u8] = b"barnbesok device key v2";

/// Why a new PIN is refused; [`PinError::message`] words it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PinError {
    /// Not 8–12 digits.
    Shape,
    /// One digit repeated, or a run up or down.
    TooSimple,
    /// The repetition differs.
    Mismatch,
}

impl PinError {
    /// What the person choosing the PIN reads.
    pub fn message(self, language: Language) -> String {
        let locale = language.locale();
        match self {
            Self::Shape => td_string!(
                locale,
                lock.pin_shape,
                min = MIN_PIN_DIGITS,
                max = MAX_PIN_DIGITS
            ),
            Self::TooSimple => td_string!(locale, lock.pin_too_simple).to_owned(),
            Self::Mismatch => td_string!(locale, lock.pin_mismatch).to_owned(),
        }
    }
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
    #[error("nyckelparametrarna är för svaga")]
    TooWeak,
    #[error("nyckelparametrarna är trasiga")]
    Malformed,
}

/// The key parameters as stored, read: `Old` for a device set up by an
/// earlier version (PBKDF2, values sealed without associated data), which
/// is wiped and signed in again (docs/security.md).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StoredKeyParams {
    Current(KeyParams),
    Old,
}

pub fn read_key_params(json: &str) -> StoredKeyParams {
    match serde_json::from_str(json) {
        Ok(params) => StoredKeyParams::Current(params),
        Err(_) => StoredKeyParams::Old,
    }
}

/// Argon2id parameters that are strong enough (and not absurd).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PinKdf {
    pub salt: Vec<u8>,
    pub memory_kib: u32,
    pub time_cost: u32,
    pub lanes: u32,
}

impl PinKdf {
    /// The parameters a new device is set up with.
    pub fn new(salt: Vec<u8>) -> Self {
        Self {
            salt,
            memory_kib: ARGON2_MEMORY_KIB,
            time_cost: ARGON2_TIME_COST,
            lanes: ARGON2_LANES,
        }
    }

    /// The stored form, with the sealed key check.
    pub fn params(&self, check: String) -> KeyParams {
        KeyParams::Pin {
            salt: b64_encode(&self.salt),
            memory_kib: self.memory_kib,
            time_cost: self.time_cost,
            lanes: self.lanes,
            check,
        }
    }

    /// The stored parameters, if strong enough to use.
    pub fn validated(
        salt: &str,
        memory_kib: u32,
        time_cost: u32,
        lanes: u32,
    ) -> Result<Self, KdfError> {
        if memory_kib < ARGON2_MEMORY_KIB || time_cost < ARGON2_TIME_COST || lanes < 1 {
            return Err(KdfError::TooWeak);
        }
        if memory_kib > MAX_MEMORY_KIB || time_cost > MAX_TIME_COST || lanes > MAX_LANES {
            return Err(KdfError::Malformed);
        }
        let salt = b64_decode(salt).ok_or(KdfError::Malformed)?;
        if salt.len() < SALT_BYTES {
            return Err(KdfError::Malformed);
        }
        Ok(Self {
            salt,
            memory_kib,
            time_cost,
            lanes,
        })
    }

    /// The AES-256 key bytes for `pin`: Argon2id, version 0x13. Takes about
    /// a second on a tablet, on purpose.
    pub fn derive(&self, pin: &str) -> Result<[u8; KEY_BYTES], KdfError> {
        let params =
            argon2::Params::new(self.memory_kib, self.time_cost, self.lanes, Some(KEY_BYTES))
                .map_err(|_| KdfError::Malformed)?;
        let argon =
            argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
        let mut key = [0u8; KEY_BYTES];
        argon
            .hash_password_into(pin.as_bytes(), &self.salt, &mut key)
            .map_err(|_| KdfError::Malformed)?;
        Ok(key)
    }
}

/// The PRF salt and credential of an authenticator set-up, checked.
pub fn validated_authenticator(
    credential_id: &str,
    prf_salt: &str,
) -> Result<(Vec<u8>, Vec<u8>), KdfError> {
    let id = b64_decode(credential_id).ok_or(KdfError::Malformed)?;
    let salt = b64_decode(prf_salt).ok_or(KdfError::Malformed)?;
    if id.is_empty() || salt.len() != KEY_BYTES {
        return Err(KdfError::Malformed);
    }
    Ok((id, salt))
}

/// The associated data a value is sealed with: where it lives, so that a
/// sealed value copied to another record, store or key does not open.
pub fn seal_place(store: &str, key: &str) -> String {
    format!("{store}/{key}")
}

/// A sealed value as stored: `v2:<base64 iv>:<base64 ciphertext>`, sealed
/// with its place as associated data ([`seal_place`]).
pub fn seal_format(iv: &[u8], ciphertext: &[u8]) -> String {
    format!("v2:{}:{}", b64_encode(iv), b64_encode(ciphertext))
}

/// The iv and ciphertext of a sealed value.
pub fn seal_parse(sealed: &str) -> Option<(Vec<u8>, Vec<u8>)> {
    let rest = sealed.strip_prefix("v2:")?;
    let (iv, ct) = rest.split_once(':')?;
    let iv = b64_decode(iv)?;
    (iv.len() == IV_BYTES).then_some(())?;
    Some((iv, b64_decode(ct)?))
}

/// Whether the device may unlock without first reaching the server: only
/// while its last contact (a successful session check, pull or push, or
/// the sign-in) is at most `max_offline_secs` ago. No contact known, or one
/// in the future (the clock was set back, or the value was tampered with),
/// counts as too long.
pub fn offline_too_long(last_contact_ms: Option<f64>, now_ms: f64, max_offline_secs: u64) -> bool {
    let Some(last) = last_contact_ms.filter(|t| t.is_finite()) else {
        return true;
    };
    if last > now_ms {
        return true;
    }
    (now_ms - last) / 1000.0 > max_offline_secs as f64
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

/// Each byte's value in [`B64`], or 255: a table, because every record
/// opened decodes about two kilobytes of base64.
const B64_VALUES: [u8; 256] = {
    let mut table = [255u8; 256];
    let mut i = 0;
    while i < 64 {
        table[B64[i] as usize] = i as u8;
        i += 1;
    }
    table
};

pub fn b64_decode(text: &str) -> Option<Vec<u8>> {
    let text = text.trim_end_matches('=');
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0);
    for c in text.bytes() {
        let v = B64_VALUES[c as usize];
        if v == 255 {
            return None;
        }
        acc = (acc << 6) | u32::from(v);
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
    fn pins_must_be_eight_digits_not_trivial_and_repeated() {
        assert_eq!(check_new_pin("48291375", "48291375"), Ok(()));
        assert_eq!(
            check_new_pin("482913", "482913"),
            Err(PinError::Shape),
            "six digits are no longer enough"
        );
        assert_eq!(check_new_pin("4829137a", "4829137a"), Err(PinError::Shape));
        assert_eq!(
            check_new_pin("1234567890123", "1234567890123"),
            Err(PinError::Shape)
        );
        assert_eq!(
            check_new_pin("11111111", "11111111"),
            Err(PinError::TooSimple)
        );
        assert_eq!(
            check_new_pin("12345678", "12345678"),
            Err(PinError::TooSimple)
        );
        assert_eq!(
            check_new_pin("89012345", "89012345"),
            Err(PinError::TooSimple)
        );
        assert_eq!(
            check_new_pin("87654321", "87654321"),
            Err(PinError::TooSimple)
        );
        assert_eq!(
            check_new_pin("48291375", "48291376"),
            Err(PinError::Mismatch)
        );
    }

    #[test]
    fn why_a_pin_is_refused_in_swedish_and_english() {
        let (swedish, english) = (Language::Swedish, Language::English);
        assert_eq!(
            PinError::Shape.message(swedish),
            "PIN-koden ska vara 8–12 siffror."
        );
        assert_eq!(
            PinError::TooSimple.message(swedish),
            "PIN-koden får inte vara samma siffra eller en enkel följd."
        );
        assert_eq!(
            PinError::Mismatch.message(swedish),
            "De två PIN-koderna är olika."
        );
        assert_eq!(
            PinError::Shape.message(english),
            "The PIN must be 8–12 digits."
        );
        assert_eq!(
            PinError::TooSimple.message(english),
            "The PIN must not be the same digit repeated or a simple sequence."
        );
        assert_eq!(
            PinError::Mismatch.message(english),
            "The two PINs are different."
        );
    }

    #[test]
    fn weak_absurd_or_broken_key_parameters_are_refused() {
        let salt = b64_encode(&[7; SALT_BYTES]);
        let ok = PinKdf::validated(&salt, ARGON2_MEMORY_KIB, ARGON2_TIME_COST, ARGON2_LANES);
        assert_eq!(ok, Ok(PinKdf::new(vec![7; SALT_BYTES])));
        let weak = [
            (ARGON2_MEMORY_KIB / 2, ARGON2_TIME_COST, 1),
            (ARGON2_MEMORY_KIB, ARGON2_TIME_COST - 1, 1),
            (ARGON2_MEMORY_KIB, ARGON2_TIME_COST, 0),
        ];
        for (m, t, p) in weak {
            assert_eq!(PinKdf::validated(&salt, m, t, p), Err(KdfError::TooWeak));
        }
        assert_eq!(
            PinKdf::validated(&salt, u32::MAX, ARGON2_TIME_COST, 1),
            Err(KdfError::Malformed),
            "a tampered store must not make the tablet allocate 4 TiB"
        );
        let short = b64_encode(&[7; 4]);
        assert_eq!(
            PinKdf::validated(&short, ARGON2_MEMORY_KIB, ARGON2_TIME_COST, 1),
            Err(KdfError::Malformed)
        );
        assert_eq!(
            PinKdf::validated("!!", ARGON2_MEMORY_KIB, ARGON2_TIME_COST, 1),
            Err(KdfError::Malformed)
        );
        assert!(validated_authenticator(&b64_encode(b"id"), &b64_encode(&[1; 32])).is_ok());
        assert_eq!(
            validated_authenticator("", &b64_encode(&[1; 32])),
            Err(KdfError::Malformed)
        );
        assert_eq!(
            validated_authenticator(&b64_encode(b"id"), &b64_encode(&[1; 8])),
            Err(KdfError::Malformed)
        );
    }

    #[test]
    fn a_device_set_up_with_pbkdf2_reads_as_old() {
        let old = r#"{"salt":"BwcHBwcHBwcHBwcHBwcHBw==","iterations":600000,"check":"v1:x:y"}"#;
        assert_eq!(read_key_params(old), StoredKeyParams::Old);
        let current = PinKdf::new(vec![7; SALT_BYTES]).params("v2:a:b".into());
        let json = serde_json::to_string(&current).expect("json");
        assert!(json.contains(r#""method":"pin""#));
        assert_eq!(read_key_params(&json), StoredKeyParams::Current(current));
    }

    #[test]
    fn argon2id_key_depends_on_pin_salt_and_cost() {
        let kdf = PinKdf::new(vec![3; SALT_BYTES]);
        let key = kdf.derive("48291375").expect("derive");
        assert_eq!(kdf.derive("48291375").expect("derive"), key);
        assert_ne!(kdf.derive("48291376").expect("derive"), key);
        assert_ne!(
            PinKdf::new(vec![4; SALT_BYTES])
                .derive("48291375")
                .expect("derive"),
            key
        );
        let slower = PinKdf {
            time_cost: ARGON2_TIME_COST + 1,
            ..PinKdf::new(vec![3; SALT_BYTES])
        };
        assert_ne!(slower.derive("48291375").expect("derive"), key);
    }

    #[test]
    fn sealed_values_round_trip_and_garbage_or_old_formats_are_refused() {
        let sealed = seal_format(&[1; IV_BYTES], b"hemligt");
        assert!(sealed.starts_with("v2:"));
        assert_eq!(
            seal_parse(&sealed),
            Some((vec![1; IV_BYTES], b"hemligt".to_vec()))
        );
        assert_eq!(seal_parse("{\"kind\":\"child\"}"), None);
        assert_eq!(seal_parse("v2:AAAA:AAAA"), None, "an iv of the wrong size");
        assert_eq!(
            seal_parse(&sealed.replacen("v2:", "v1:", 1)),
            None,
            "sealed without associated data"
        );
        assert_eq!(seal_place("records", "visit:1"), "records/visit:1");
    }

    #[test]
    fn too_long_offline_counts_from_the_last_contact_and_a_future_one_is_expired() {
        let day_ms = 86_400_000.0;
        let max = 14 * 86_400;
        let now = 1_800_000_000_000.0;
        assert!(!offline_too_long(Some(now), now, max));
        assert!(!offline_too_long(Some(now - 14.0 * day_ms), now, max));
        assert!(offline_too_long(
            Some(now - 14.0 * day_ms - 1000.0),
            now,
            max
        ));
        assert!(
            offline_too_long(None, now, max),
            "never reached: check first"
        );
        assert!(
            offline_too_long(Some(now + 60_000.0), now, max),
            "a contact in the future: the clock was set back"
        );
        assert!(offline_too_long(Some(f64::NAN), now, max));
    }

    #[test]
    fn base64_round_trips() {
        for len in 0..40 {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 37 + 11) as u8).collect();
            assert_eq!(b64_decode(&b64_encode(&bytes)), Some(bytes));
        }
        assert_eq!(b64_encode(b"Man"), "TWFu");
        assert_eq!(b64_encode(b"Ma"), "TWE=");
        assert_eq!(b64_decode("TW!u"), None, "not base64");
        assert_eq!(b64_decode("TWE="), Some(b"Ma".to_vec()));
    }

    #[test]
    fn the_fifth_wrong_pin_wipes() {
        assert_eq!(after_wrong_pin(0), AfterWrongPin::TryAgain { left: 4 });
        assert_eq!(after_wrong_pin(3), AfterWrongPin::TryAgain { left: 1 });
        assert_eq!(after_wrong_pin(4), AfterWrongPin::Wipe);
        assert_eq!(after_wrong_pin(u32::MAX), AfterWrongPin::Wipe);
    }
}
