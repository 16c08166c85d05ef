//! The signed-in session as the device keeps it, and what signing in does
//! to data already on the device. Plain Rust; the browser side is in
//! `platform::http` and `platform::store`.

use serde::{Deserialize, Serialize};
use shared::auth::{SessionTokens, UserProfile};
use shared::{SessionId, UserId};

/// What the device keeps of a session: its tokens and whose it is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredSession {
    pub session_id: SessionId,
    pub access_token: String,
    pub refresh_token: String,
    pub user: UserProfile,
}

impl From<SessionTokens> for StoredSession {
    fn from(t: SessionTokens) -> Self {
        Self {
            session_id: t.session_id,
            access_token: t.access_token,
            refresh_token: t.refresh_token,
            user: t.user,
        }
    }
}

/// What a sign-in does to the data on the device.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignInEffect {
    /// The same user again (after a time-out): everything stays.
    Keep,
    /// Another user (or nobody before): the previous user's data goes first.
    Wipe,
    /// Another user, but the previous one has changes not yet on the server:
    /// refused, so that nothing is lost and nobody sees another's data.
    Refuse { pending: usize },
}

pub fn sign_in_effect(previous: Option<UserId>, user: UserId, pending: usize) -> SignInEffect {
    match previous {
        Some(p) if p == user => SignInEffect::Keep,
        Some(_) if pending > 0 => SignInEffect::Refuse { pending },
        _ => SignInEffect::Wipe,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_user_keeps_the_data_another_finds_it_gone() {
        let (anna, bo) = (UserId::new_random(), UserId::new_random());
        assert_eq!(sign_in_effect(Some(anna), anna, 3), SignInEffect::Keep);
        assert_eq!(sign_in_effect(Some(anna), bo, 0), SignInEffect::Wipe);
        assert_eq!(sign_in_effect(None, bo, 0), SignInEffect::Wipe);
        assert_eq!(
            sign_in_effect(Some(anna), bo, 2),
            SignInEffect::Refuse { pending: 2 }
        );
    }
}
