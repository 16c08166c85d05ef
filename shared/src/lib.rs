//! Barnbesök's shared core: domain types, the visit schedule rule and the sync
//! protocol. Compiled natively for the server and to wasm32 for the app, so it
//! depends on neither axum/sqlx nor web-sys.

pub mod audit;
pub mod auth;
pub mod checklist;
pub mod children;
pub mod complaints;
pub mod content;
pub mod conversation;
pub mod deviations;
pub mod domain;
pub mod error;
pub mod export;
pub mod ical;
pub mod ids;
pub mod import;
pub mod markdown;
pub mod merge;
pub mod protocol;
pub mod readability;
pub mod register;
pub mod routines;
pub mod schedule;
pub mod search;
pub mod selfcheck;
pub mod sweden;

pub use domain::{
    AmendmentText, Child, ClosingProblem, ContactKind, ConversationTool, EndKind, EndReason,
    ExternalId, LegalBasis, NotAloneReason, PersonName, Placement, PlacementClosing, PlacementKind,
    Sex, TextError, Visit, VisitAmendment, VisitNote, VisitPlace, VisitProblem, VisitorName,
    VisitorRole,
};
pub use error::{ApiErrorBody, ErrorCode};
pub use ids::{
    AmendmentId, CaseReviewId, ChecklistTickId, ChildId, ClosingId, ConflictId, DeviceId, HomeId,
    MutationId, PlacementId, SessionId, UnitId, UserId, VisitId,
};

/// Whether `s` is Trunk's content hash, as in a built file's name
/// (`barnbesok-app-<hash>.js`): its 64-bit hash in hex without leading
/// zeros, so 16 digits, 15 in one build of 16. Fewer than 12 (one build in
/// 65,536) is taken for a plain name.
pub fn is_build_hash(s: &str) -> bool {
    (12..=16).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_hexdigit())
}
