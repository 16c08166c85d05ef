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
