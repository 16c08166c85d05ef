//! What guards the public "Säg vad du tycker" endpoints, which anyone may
//! call without an account: the receipt code's hash and the hourly limits
//! per client address and per code (see docs/complaints.md). The flood
//! guard over the whole database is in `db/complaints.rs`.

use sha2::{Digest, Sha256};
use shared::complaints::ReceiptCode;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Messages one client address may leave in [`HourlyLimiter::WINDOW`].
pub const MESSAGES_PER_ADDRESS: u32 = 5;
/// Answers one client address may look up in the window.
pub const LOOKUPS_PER_ADDRESS: u32 = 30;
/// Look-ups of one code (right or wrong) in the window, from anywhere.
pub const LOOKUPS_PER_CODE: u32 = 10;
/// The largest body `POST /api/v1/public/messages` accepts, in bytes: a
/// message of 2,000 characters of four bytes each, its name and its
/// contact, escaped, fit.
pub const MAX_PUBLIC_BODY_BYTES: usize = 16 * 1024;
/// Children's messages from the public page not yet taken up (status new)
/// beyond which new ones are refused with `503 server_busy`.
pub const DEFAULT_MAX_UNHANDLED: u32 = 2_000;
/// Children's messages from the public page in one day (Swedish time)
/// beyond which new ones are refused with `503 server_busy`.
pub const DEFAULT_MAX_PER_DAY: u32 = 500;
/// Keys the limiter keeps at most: a flood of distinct addresses or codes
/// cannot grow it without bound (beyond, everyone waits).
const MAX_KEYS: usize = 100_000;

/// The SHA-256 of the code's nine symbols, in hex: all that is stored
/// (the tablet hashes its codes with the same function).
pub fn code_hash(code: &ReceiptCode) -> String {
    code.hash()
}

/// A hash for a typed text that is not a code, so that a look-up of it
/// costs the same as of a real code and counts against the same limit.
pub fn typed_hash(typed: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"not-a-code:");
    hasher.update(typed.trim().to_uppercase().as_bytes());
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Counts requests per key in fixed windows of an hour, in memory (like
/// the sign-in limiter: a restart forgets, each instance counts its own).
#[derive(Debug, Default)]
pub struct HourlyLimiter {
    counts: Mutex<HashMap<String, (Instant, u32)>>,
}

impl HourlyLimiter {
    pub const WINDOW: Duration = Duration::from_secs(3600);

    /// Counts a request for each of `keys` (with its maximum), or
    /// `Err(seconds to wait)` when any is at its limit: then nothing is
    /// counted.
    pub fn hit(&self, keys: &[(String, u32)]) -> Result<(), u64> {
        self.hit_at(keys, Instant::now())
    }

    fn hit_at(&self, keys: &[(String, u32)], now: Instant) -> Result<(), u64> {
        let mut counts = self
            .counts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if counts.len() >= MAX_KEYS {
            counts.retain(|_, (start, _)| now.duration_since(*start) < Self::WINDOW);
        }
        for (key, max) in keys {
            if let Some((start, count)) = counts.get(key) {
                let waited = now.duration_since(*start);
                if waited < Self::WINDOW && count >= max {
                    return Err(Self::WINDOW.saturating_sub(waited).as_secs().max(1));
                }
            }
        }
        let new_keys = keys.iter().filter(|(k, _)| !counts.contains_key(k)).count();
        if counts.len() + new_keys > MAX_KEYS {
            return Err(60);
        }
        for (key, _) in keys {
            let entry = counts.entry(key.clone()).or_insert((now, 0));
            if now.duration_since(entry.0) >= Self::WINDOW {
                *entry = (now, 0);
            }
            entry.1 += 1;
        }
        Ok(())
    }
}

/// The public endpoints' limiters and the flood guard's caps.
#[derive(Debug)]
pub struct PublicLimits {
    pub limiter: HourlyLimiter,
    pub caps: crate::db::complaints::FloodCaps,
}

impl PublicLimits {
    pub fn new(max_unhandled: u32, max_per_day: u32) -> Self {
        Self {
            limiter: HourlyLimiter::default(),
            caps: crate::db::complaints::FloodCaps {
                max_unhandled,
                max_per_day,
            },
        }
    }

    pub fn message_keys(addr: IpAddr) -> [(String, u32); 1] {
        [(format!("message:{addr}"), MESSAGES_PER_ADDRESS)]
    }

    pub fn lookup_keys(addr: IpAddr, hash: &str) -> [(String, u32); 2] {
        [
            (format!("lookup:{addr}"), LOOKUPS_PER_ADDRESS),
            (format!("code:{hash}"), LOOKUPS_PER_CODE),
        ]
    }
}

impl Default for PublicLimits {
    fn default() -> Self {
        Self::new(DEFAULT_MAX_UNHANDLED, DEFAULT_MAX_PER_DAY)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_is_of_the_normalised_code() {
        let a = ReceiptCode::parse("K7M-4QX-9TP").expect("code");
        let b = ReceiptCode::parse("k7m4qx9tp").expect("code");
        assert_eq!(code_hash(&a), code_hash(&b));
        assert_eq!(code_hash(&a).len(), 64);
        assert_ne!(code_hash(&a), typed_hash("K7M4QX9TP"));
        assert_ne!(
            code_hash(&a),
            code_hash(&ReceiptCode::parse("K7M-4QX-9TQ").expect("code"))
        );
    }

    #[test]
    fn a_key_at_its_limit_waits_for_the_window_and_nothing_more_is_counted() {
        let limiter = HourlyLimiter::default();
        let start = Instant::now();
        let keys = [("a".to_owned(), 2), ("b".to_owned(), 5)];
        assert!(limiter.hit_at(&keys, start).is_ok());
        assert!(limiter.hit_at(&keys, start).is_ok());
        let wait = limiter.hit_at(&keys, start + Duration::from_secs(60));
        assert_eq!(wait, Err(3540));
        // The refused request counted for neither key.
        assert!(limiter.hit_at(&[("b".to_owned(), 3)], start).is_ok());
        assert!(limiter.hit_at(&[("b".to_owned(), 3)], start).is_err());
        // A new window.
        assert!(limiter.hit_at(&keys, start + HourlyLimiter::WINDOW).is_ok());
    }
}
