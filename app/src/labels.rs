//! The names of the shared domain's values (placement kinds, roles, error
//! codes, …) in the interface language. The shared crate keeps its Swedish
//! `label_sv` for the server's exports; the app words them here.

use crate::language::Language;

/// A domain value's name in a language.
pub trait Label: Copy {
    fn label(self, language: Language) -> &'static str;
}

// Swedish in every language until each value's texts are in `labels.json`.
macro_rules! swedish_for_now {
    ($($ty:ty => $method:ident),* $(,)?) => {
        $(impl Label for $ty {
            fn label(self, _language: Language) -> &'static str {
                self.$method()
            }
        })*
    };
}

swedish_for_now!(
    shared::conversation::House => label_sv,
    shared::conversation::ScaleTheme => label_sv,
    shared::conversation::Feeling => label_sv,
    shared::conversation::Closeness => label_sv,
    shared::routines::RoutineKind => label_sv,
    shared::routines::VersionStatus => label_sv,
    shared::domain::PlacementKind => label_sv,
    shared::domain::LegalBasis => label_sv,
    shared::domain::Sex => label_sv,
    shared::domain::ContactKind => label_sv,
    shared::domain::VisitorRole => label_sv,
    shared::domain::VisitPlace => label_sv,
    shared::domain::NotAloneReason => label_sv,
    shared::domain::ConversationTool => label_sv,
    shared::domain::EndKind => label_sv,
    shared::domain::EndReason => label_sv,
    shared::auth::Role => title_sv,
    shared::register::CheckKind => label_sv,
    shared::register::CheckResult => label_sv,
    shared::ErrorCode => message_sv,
    shared::selfcheck::PeriodChoice => label_sv,
    shared::selfcheck::GroupBy => label_sv,
    shared::selfcheck::AgeGroup => label_sv,
    shared::selfcheck::TableId => title_sv,
);
