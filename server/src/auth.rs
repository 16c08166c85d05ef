//! Who is asking: passwords, device sessions and their tokens, the login
//! limiter. Who may do what is decided in `crate::access`.
//!
//! Sign-in is one step that ends in [`Sessions::open`]: a password check
//! today; a municipality's OpenID Connect provider would be another route
//! that, having verified the ID token, looks the user up and calls the same
//! function (see `docs/security.md`).

use crate::db::accounts::{NewSession, SessionRow, UserRow};
use crate::db::{Database, DbError};
use crate::error::ApiError;
use argon2::password_hash::{PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Argon2, PasswordHash};
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};
use shared::auth::{DevicePolicy, SessionCheck, SessionTokens, UserProfile};
use shared::{SessionId, UserId};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Instant;

/// How long an access token is good for. Short: a stolen one soon expires.
pub const ACCESS_TOKEN_TTL: Duration = Duration::minutes(15);
/// A session unused (not refreshed) for this long ends. Long enough for
/// weeks of offline work in remote placements; the tablet's PIN lock covers
/// the device meanwhile.
pub const IDLE_TIMEOUT: Duration = Duration::days(30);
/// A session ends this long after sign-in, however much it is used.
pub const ABSOLUTE_TIMEOUT: Duration = Duration::days(90);

/// A new random token: 256 bits, URL-safe base64.
pub fn new_token() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes)?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

/// What starts an integration account's API token (told apart from a
/// device session's access token, and easy to find in a leaked file).
pub const INTEGRATION_TOKEN_PREFIX: &str = "bbi_";

/// A new integration account's API token.
pub fn new_integration_token() -> Result<String, getrandom::Error> {
    Ok(format!("{INTEGRATION_TOKEN_PREFIX}{}", new_token()?))
}

/// What the database keeps of a token: its SHA-256, hex. Tokens are random
/// and long, so a fast hash is enough; a leaked table gives no usable token.
pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Why a password could not be hashed.
#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(String);

/// Argon2id with the library's defaults (19 MiB, 2 passes, 1 lane: OWASP's
/// recommended minimum), in PHC string form with its own salt.
pub fn hash_password(password: &str) -> Result<String, HashError> {
    let mut salt = [0u8; 16];
    getrandom::getrandom(&mut salt).map_err(|e| HashError(e.to_string()))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| HashError(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| HashError(e.to_string()))
}

/// Checks `password` against a stored hash. With no hash (an unknown user),
/// checks against a fixed one anyway, so that the answer takes as long and
/// does not tell which user names exist.
pub fn verify_password(password: &str, stored: Option<&str>) -> bool {
    // Argon2id of a random string nobody knows, made with the same parameters.
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let decoy = DECOY.get_or_init(|| {
        let secret = new_token().unwrap_or_else(|_| "decoy".into());
        hash_password(&secret).unwrap_or_default()
    });
    let Ok(parsed) = PasswordHash::new(stored.unwrap_or(decoy)) else {
        return false;
    };
    let ok = Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok();
    ok && stored.is_some()
}

/// Why a session cannot be used.
#[derive(Debug, PartialEq, Eq)]
pub enum SessionState {
    Valid,
    /// The access token is past its time; the refresh token may still work.
    AccessExpired,
    /// Idle too long or too old: sign in again.
    Ended,
    /// Ended on purpose (sign-out, a lost device, a deactivated user).
    Revoked,
}

impl SessionState {
    /// The error a request with such a session gets.
    pub(crate) fn error(&self) -> Option<ApiError> {
        match self {
            Self::Valid => None,
            Self::AccessExpired => Some(ApiError::Unauthenticated),
            Self::Ended => Some(ApiError::SessionExpired),
            Self::Revoked => Some(ApiError::SessionRevoked),
        }
    }
}

/// Judges a session at `now`.
pub fn session_state(session: &SessionRow, now: DateTime<Utc>) -> SessionState {
    if session.revoked_at.is_some() {
        SessionState::Revoked
    } else if now >= session.expires_at || now >= session.last_used_at + IDLE_TIMEOUT {
        SessionState::Ended
    } else if now >= session.access_expires_at {
        SessionState::AccessExpired
    } else {
        SessionState::Valid
    }
}

/// Opening, refreshing and ending device sessions.
pub struct Sessions;

impl Sessions {
    /// A new session for `user` on a device: the one place every sign-in
    /// method ends.
    pub async fn open(
        db: &Database,
        user: &UserRow,
        device_label: &str,
        policy: DevicePolicy,
    ) -> Result<SessionTokens, ApiError> {
        let now = Utc::now();
        let (access, refresh) = token_pair()?;
        let (check, _) = token_pair()?;
        let session = NewSession {
            id: SessionId::new_random(),
            user_id: user.id,
            device_label: device_label.to_owned(),
            access_hash: token_hash(&access),
            access_expires_at: now + ACCESS_TOKEN_TTL,
            refresh_hash: token_hash(&refresh),
            check_hash: token_hash(&check),
            created_at: now,
            expires_at: now + ABSOLUTE_TIMEOUT,
        };
        db.insert_session(&session).await?;
        tracing::info!(user.id = %user.id, session.id = %session.id, "session opened");
        Ok(SessionTokens {
            session_id: session.id,
            access_token: access,
            access_expires_in: seconds(ACCESS_TOKEN_TTL),
            refresh_token: refresh,
            user: profile(db, user).await?,
            policy,
            check_token: Some(check),
        })
    }

    /// New tokens for the session `refresh_token` belongs to; the old refresh
    /// token stops working. A refresh token that was already rotated away,
    /// used again, means two holders (one of them a thief): the whole
    /// session is revoked.
    pub async fn refresh(
        db: &Database,
        refresh_token: &str,
        policy: DevicePolicy,
    ) -> Result<SessionTokens, ApiError> {
        let old_hash = token_hash(refresh_token);
        let Some(session) = db.session_by_refresh(&old_hash).await? else {
            if let Some(id) = db.session_of_retired_refresh(&old_hash).await? {
                db.revoke_session(id).await?;
                tracing::warn!(session.id = %id, "a rotated refresh token was used again: session revoked");
                return Err(ApiError::SessionRevoked);
            }
            return Err(ApiError::SessionExpired);
        };
        match session_state(&session, Utc::now()) {
            SessionState::Valid | SessionState::AccessExpired => {}
            other => return Err(other.error().unwrap_or(ApiError::SessionExpired)),
        }
        let user = active_user(db, session.user_id).await?;
        let (access, refresh) = token_pair()?;
        let rotated = db
            .rotate_session(
                session.id,
                &old_hash,
                &token_hash(&access),
                Utc::now() + ACCESS_TOKEN_TTL,
                &token_hash(&refresh),
            )
            .await?;
        if !rotated {
            // Revoked, or refreshed by a concurrent request in between.
            return Err(ApiError::SessionExpired);
        }
        Ok(SessionTokens {
            session_id: session.id,
            access_token: access,
            access_expires_in: seconds(ACCESS_TOKEN_TTL),
            refresh_token: refresh,
            user: profile(db, &user).await?,
            policy,
            check_token: None,
        })
    }
}

/// Whether the session behind a check token still holds: what a locked
/// device asks before it unlocks. Revoked answers `session_revoked` (the
/// device wipes itself), ended `session_expired`. A session whose access
/// token has only timed out still holds.
pub async fn check_session(
    db: &Database,
    check_token: &str,
    policy: DevicePolicy,
) -> Result<SessionCheck, ApiError> {
    let session = db
        .session_by_check(&token_hash(check_token))
        .await?
        .ok_or(ApiError::SessionExpired)?;
    match session_state(&session, Utc::now()) {
        SessionState::Valid | SessionState::AccessExpired => {}
        other => return Err(other.error().unwrap_or(ApiError::SessionExpired)),
    }
    active_user(db, session.user_id).await?;
    Ok(SessionCheck {
        session_id: session.id,
        policy,
    })
}

fn token_pair() -> Result<(String, String), ApiError> {
    let fail = |e: getrandom::Error| ApiError::Io(std::io::Error::other(e.to_string()));
    Ok((new_token().map_err(fail)?, new_token().map_err(fail)?))
}

fn seconds(d: Duration) -> u64 {
    u64::try_from(d.num_seconds()).unwrap_or_default()
}

/// A deactivated user's sessions are revoked with the deactivation; this
/// also covers a session that raced it.
async fn active_user(db: &Database, id: UserId) -> Result<UserRow, ApiError> {
    match db.user_by_id(id).await? {
        Some(user) if user.active => Ok(user),
        _ => Err(ApiError::SessionRevoked),
    }
}

/// The signed-in user as the app shows them.
pub async fn profile(db: &Database, user: &UserRow) -> Result<UserProfile, DbError> {
    Ok(UserProfile {
        id: user.id,
        username: user.username.clone(),
        display_name: user.display_name.clone(),
        role: user.role,
        units: db.units_of(user.id).await?,
    })
}

/// The longest access token an `Authorization` header may carry, in bytes.
pub const MAX_BEARER_TOKEN_BYTES: usize = 128;

/// The token in an `Authorization: Bearer <token>` header value: not empty,
/// at most [`MAX_BEARER_TOKEN_BYTES`] bytes, surrounding white space trimmed.
/// Anything else (another scheme, no header) is no token.
pub fn bearer_token(header: Option<&str>) -> Option<&str> {
    header
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty() && t.len() <= MAX_BEARER_TOKEN_BYTES)
}

/// Failed sign-ins allowed per account and per address within
/// [`LoginLimiter::WINDOW`].
const MAX_FAILURES_PER_ACCOUNT: u32 = 5;
const MAX_FAILURES_PER_ADDRESS: u32 = 20;

/// Counts failed sign-ins in memory, per account and per client address. A
/// restart forgets them; several server instances count separately (each
/// still caps an attacker at its own limit).
#[derive(Debug, Default)]
pub struct LoginLimiter {
    failures: Mutex<HashMap<String, (Instant, u32)>>,
}

impl LoginLimiter {
    pub const WINDOW: std::time::Duration = std::time::Duration::from_secs(15 * 60);

    fn keys(username: &str, addr: Option<IpAddr>) -> [(String, u32); 2] {
        [
            (
                format!("user:{}", username.to_lowercase()),
                MAX_FAILURES_PER_ACCOUNT,
            ),
            (
                format!("addr:{}", addr.map(|a| a.to_string()).unwrap_or_default()),
                MAX_FAILURES_PER_ADDRESS,
            ),
        ]
    }

    /// Counts a sign-in attempt before its password is checked, or
    /// `Err(seconds to wait)` while the account or the address is at its
    /// limit. Counting first means a burst of parallel guesses is cut at the
    /// limit, not after all of them were checked; a successful sign-in gives
    /// its count back ([`Self::succeeded`]).
    pub fn begin_attempt(&self, username: &str, addr: Option<IpAddr>) -> Result<(), u64> {
        let mut failures = self
            .failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let now = Instant::now();
        failures.retain(|_, (start, _)| now.duration_since(*start) < Self::WINDOW);
        let keys = Self::keys(username, addr);
        for (key, max) in &keys {
            if let Some((start, count)) = failures.get(key) {
                if count >= max {
                    let waited = now.duration_since(*start);
                    return Err(Self::WINDOW.saturating_sub(waited).as_secs().max(1));
                }
            }
        }
        for (key, _) in keys {
            failures.entry(key).or_insert((now, 0)).1 += 1;
        }
        Ok(())
    }

    /// The attempt was right: the account's count is cleared, and the
    /// attempt no longer counts against the address.
    pub fn succeeded(&self, username: &str, addr: Option<IpAddr>) {
        let mut failures = self
            .failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let [(account, _), (address, _)] = Self::keys(username, addr);
        failures.remove(&account);
        if let Some((_, count)) = failures.get_mut(&address) {
            *count = count.saturating_sub(1);
        }
    }
}

/// How many password checks (Argon2id, 19 MiB each) run at once, and how
/// long a sign-in waits for a turn before it is answered 503 with
/// `Retry-After`. Bounds the memory a flood of sign-ins can take.
#[derive(Debug)]
pub struct PasswordChecks {
    permits: tokio::sync::Semaphore,
    wait: std::time::Duration,
}

impl PasswordChecks {
    pub const DEFAULT_AT_ONCE: usize = 4;
    pub const DEFAULT_WAIT: std::time::Duration = std::time::Duration::from_secs(3);
    /// What a refused sign-in is told to wait.
    const RETRY_AFTER_SECS: u64 = 2;

    pub fn new(at_once: usize, wait: std::time::Duration) -> Self {
        Self {
            permits: tokio::sync::Semaphore::new(at_once.max(1)),
            wait,
        }
    }

    /// Checks `password` against `stored` when a turn comes, off the async
    /// workers.
    pub async fn verify(&self, password: String, stored: Option<String>) -> Result<bool, ApiError> {
        let busy = ApiError::ServerBusy {
            retry_after_secs: Self::RETRY_AFTER_SECS,
        };
        let permit = match tokio::time::timeout(self.wait, self.permits.acquire()).await {
            Ok(Ok(permit)) => permit,
            Ok(Err(_)) | Err(_) => {
                tracing::warn!("sign-in refused: too many password checks at once");
                return Err(busy);
            }
        };
        let verified =
            tokio::task::spawn_blocking(move || verify_password(&password, stored.as_deref()))
                .await
                .unwrap_or(false);
        drop(permit);
        Ok(verified)
    }
}

impl Default for PasswordChecks {
    fn default() -> Self {
        Self::new(Self::DEFAULT_AT_ONCE, Self::DEFAULT_WAIT)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_against_their_own_hash() {
        let hash = hash_password("rätt lösenord 123").expect("hash");
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("rätt lösenord 123", Some(&hash)));
        assert!(!verify_password("fel lösenord 123", Some(&hash)));
        assert!(!verify_password("rätt lösenord 123", None));
        assert!(!verify_password("x", Some("not a hash")));
    }

    #[test]
    fn tokens_are_random_and_stored_hashed() {
        let a = new_token().expect("token");
        let b = new_token().expect("token");
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(token_hash(&a).len(), 64);
        assert_ne!(token_hash(&a), a);
    }

    #[test]
    fn sessions_end_when_revoked_idle_or_old() {
        let now = Utc::now();
        let session = SessionRow {
            id: SessionId::new_random(),
            user_id: UserId::new_random(),
            access_expires_at: now + ACCESS_TOKEN_TTL,
            last_used_at: now,
            expires_at: now + ABSOLUTE_TIMEOUT,
            revoked_at: None,
        };
        assert_eq!(session_state(&session, now), SessionState::Valid);
        assert_eq!(
            session_state(&session, now + ACCESS_TOKEN_TTL),
            SessionState::AccessExpired
        );
        assert_eq!(
            session_state(&session, now + IDLE_TIMEOUT),
            SessionState::Ended
        );
        let revoked = SessionRow {
            revoked_at: Some(now),
            ..session
        };
        assert_eq!(session_state(&revoked, now), SessionState::Revoked);
        let old = SessionRow {
            last_used_at: now + ABSOLUTE_TIMEOUT,
            ..session
        };
        assert_eq!(
            session_state(&old, now + ABSOLUTE_TIMEOUT),
            SessionState::Ended
        );
    }

    #[test]
    fn the_limiter_locks_an_account_after_repeated_failures() {
        let limiter = LoginLimiter::default();
        let addr: Option<IpAddr> = "10.0.0.1".parse().ok();
        for _ in 0..MAX_FAILURES_PER_ACCOUNT {
            assert!(limiter.begin_attempt("Anna", addr).is_ok());
        }
        assert!(limiter
            .begin_attempt("ANNA", "10.0.0.2".parse().ok())
            .is_err());
        assert!(limiter.begin_attempt("bo", addr).is_ok());
    }

    #[test]
    fn a_right_password_gives_its_attempt_back() {
        let limiter = LoginLimiter::default();
        let addr: Option<IpAddr> = "10.0.0.1".parse().ok();
        for _ in 0..MAX_FAILURES_PER_ACCOUNT * 3 {
            assert!(limiter.begin_attempt("anna", addr).is_ok());
            limiter.succeeded("anna", addr);
        }
        for n in 0..MAX_FAILURES_PER_ADDRESS {
            assert!(limiter.begin_attempt(&format!("user{n}"), addr).is_ok());
        }
        assert!(
            limiter.begin_attempt("anna", addr).is_err(),
            "the address is at its limit"
        );
    }
}
