//! Identifiers as UUID newtypes, so a child's id can never be passed where a
//! visit's id is expected.

use serde::{Deserialize, Serialize};
use std::fmt;
use uuid::Uuid;

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// A new random (v4) id, generated on the device that creates the record.
            pub fn new_random() -> Self {
                Self(Uuid::new_v4())
            }

            pub const fn from_uuid(uuid: Uuid) -> Self {
                Self(uuid)
            }

            pub const fn as_uuid(&self) -> &Uuid {
                &self.0
            }

            /// Parses the canonical hyphenated form (as used in URLs and the database).
            pub fn parse(s: &str) -> Result<Self, uuid::Error> {
                Uuid::parse_str(s).map(Self)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }
    };
}

uuid_id!(
    /// A child (barn) known to the social services.
    ChildId
);
uuid_id!(
    /// One placement (placering) of a child.
    PlacementId
);
uuid_id!(
    /// One recorded visit (besök).
    VisitId
);
uuid_id!(
    /// The idempotency key of one change made on a device.
    MutationId
);
uuid_id!(
    /// A device (tablet, browser profile) that syncs with the server.
    DeviceId
);
uuid_id!(
    /// A correction (amendment) to a signed visit record.
    AmendmentId
);
uuid_id!(
    /// A conflict between two edits of the same field.
    ConflictId
);
uuid_id!(
    /// A person who signs in: social worker, manager or administrator.
    UserId
);
uuid_id!(
    /// One monthly case review (ärendegenomgång) with a social worker.
    CaseReviewId
);
uuid_id!(
    /// A unit (enhet) of the social services; users and children belong to units.
    UnitId
);
uuid_id!(
    /// One signed-in device of one user (one per login).
    SessionId
);
uuid_id!(
    /// One tick of a placement checklist item.
    ChecklistTickId
);
uuid_id!(
    /// The closing of a placement (avslut), with its closing note.
    ClosingId
);
uuid_id!(
    /// A home in the register of homes (familjehem, jourhem, HVB, …).
    HomeId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_and_parse_round_trip() {
        let id = VisitId::new_random();
        assert_eq!(VisitId::parse(&id.to_string()).ok(), Some(id));
    }

    #[test]
    fn parse_rejects_garbage() {
        assert!(ChildId::parse("not-a-uuid").is_err());
        assert!(ChildId::parse("").is_err());
    }

    #[test]
    fn serialises_as_plain_string() {
        let id = ChildId::parse("0b8a0f5e-3c1d-4f5e-9d77-2b1f7a5c9e01").expect("valid");
        assert_eq!(
            serde_json::to_string(&id).expect("serialise"),
            "\"0b8a0f5e-3c1d-4f5e-9d77-2b1f7a5c9e01\""
        );
    }
}
