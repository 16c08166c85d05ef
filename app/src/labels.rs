//! The names of the shared domain's values (placement kinds, roles, error
//! codes, …) in the interface language. The shared crate keeps its Swedish
//! `label_sv` for the server's exports; the app words them here, from
//! `locales/<language>/labels.json` (error codes from `errors.json`). The
//! Swedish is the shared crate's, word for word (checked by the tests below).

use crate::i18n::td_string;
use crate::language::Language;

/// A domain value's name in a language.
pub trait Label: Copy {
    fn label(self, language: Language) -> &'static str;
}

impl Label for shared::conversation::Feeling {
    fn label(self, language: Language) -> &'static str {
        let locale = language.locale();
        match self.level() {
            1 => td_string!(locale, labels.feeling.very_bad),
            2 => td_string!(locale, labels.feeling.quite_bad),
            3 => td_string!(locale, labels.feeling.in_between),
            4 => td_string!(locale, labels.feeling.quite_good),
            _ => td_string!(locale, labels.feeling.very_good),
        }
    }
}

impl Label for shared::conversation::House {
    fn label(self, language: Language) -> &'static str {
        let locale = language.locale();
        match self {
            Self::Worries => td_string!(locale, labels.house.worries),
            Self::GoodThings => td_string!(locale, labels.house.good_things),
            Self::Dreams => td_string!(locale, labels.house.dreams),
        }
    }
}

impl Label for shared::conversation::ScaleTheme {
    fn label(self, language: Language) -> &'static str {
        let locale = language.locale();
        match self {
            Self::Home => td_string!(locale, labels.scale_theme.home),
            Self::School => td_string!(locale, labels.scale_theme.school),
            Self::FriendsAndFreeTime => {
                td_string!(locale, labels.scale_theme.friends_and_free_time)
            }
            Self::ContactWithFamily => td_string!(locale, labels.scale_theme.contact_with_family),
            Self::FeelingSafe => td_string!(locale, labels.scale_theme.feeling_safe),
            Self::BeingPartOfDecisions => {
                td_string!(locale, labels.scale_theme.being_part_of_decisions)
            }
        }
    }
}

impl Label for shared::conversation::Closeness {
    fn label(self, language: Language) -> &'static str {
        let locale = language.locale();
        match self {
            Self::Close => td_string!(locale, labels.closeness.close),
            Self::Middle => td_string!(locale, labels.closeness.middle),
            Self::Far => td_string!(locale, labels.closeness.far),
        }
    }
}

impl Label for shared::routines::RoutineKind {
    fn label(self, language: Language) -> &'static str {
        let locale = language.locale();
        match self {
            Self::Riktlinje => td_string!(locale, labels.routine_kind.riktlinje),
            Self::Anvisning => td_string!(locale, labels.routine_kind.anvisning),
            Self::Rutin => td_string!(locale, labels.routine_kind.rutin),
            Self::Checklista => td_string!(locale, labels.routine_kind.checklista),
        }
    }
}

impl Label for shared::routines::VersionStatus {
    fn label(self, language: Language) -> &'static str {
        let locale = language.locale();
        match self {
            Self::Upcoming => td_string!(locale, labels.version_status.upcoming),
            Self::Current => td_string!(locale, labels.version_status.current),
            Self::Superseded => td_string!(locale, labels.version_status.superseded),
        }
    }
}

impl Label for shared::domain::PlacementKind {
    fn label(self, language: Language) -> &'static str {
        let locale = language.locale();
        match self {
            Self::FosterHome => td_string!(locale, labels.placement_kind.foster_home),
            Self::EmergencyHome => td_string!(locale, labels.placement_kind.emergency_home),
            Self::TreatmentFamily => td_string!(locale, labels.placement_kind.treatment_family),
            Self::ResidentialCare => td_string!(locale, labels.placement_kind.residential_care),
            Self::SupportedHousing => td_string!(locale, labels.placement_kind.supported_housing),
        }
    }
}

impl Label for shared::domain::LegalBasis {
    fn label(self, language: Language) -> &'static str {
        let locale = language.locale();
        match self {
            Self::SoL => td_string!(locale, labels.legal_basis.sol),
            Self::Lvu => td_string!(locale, labels.legal_basis.lvu),
        }
    }
}

impl Label for shared::domain::Sex {
    fn label(self, language: Language) -> &'static str {
        let locale = language.locale();
        match self {
            Self::Girl => td_string!(locale, labels.sex.girl),
            Self::Boy => td_string!(locale, labels.sex.boy),
            Self::Other => td_string!(locale, labels.sex.other),
            Self::NotRecorded => td_string!(locale, labels.sex.not_recorded),
        }
    }
}

impl Label for shared::domain::ContactKind {
    fn label(self, language: Language) -> &'static str {
        let locale = language.locale();
        match self {
            Self::InPerson => td_string!(locale, labels.contact_kind.in_person),
            Self::Phone => td_string!(locale, labels.contact_kind.phone),
            Self::Video => td_string!(locale, labels.contact_kind.video),
        }
    }
}

impl Label for shared::domain::VisitorRole {
    fn label(self, language: Language) -> &'static str {
        let locale = language.locale();
        match self {
            Self::Employee => td_string!(locale, labels.visitor_role.employee),
            Self::Consultant => td_string!(locale, labels.visitor_role.consultant),
            Self::DisabilityOfficer => td_string!(locale, labels.visitor_role.disability_officer),
        }
    }
}

impl Label for shared::domain::VisitPlace {
    fn label(self, language: Language) -> &'static str {
        let locale = language.locale();
        match self {
            Self::InTheHome => td_string!(locale, labels.visit_place.in_the_home),
            Self::Elsewhere => td_string!(locale, labels.visit_place.elsewhere),
        }
    }
}

impl Label for shared::domain::NotAloneReason {
    fn label(self, language: Language) -> &'static str {
        let locale = language.locale();
        match self {
            Self::ChildUnderFour => td_string!(locale, labels.not_alone_reason.child_under_four),
            Self::Disability => td_string!(locale, labels.not_alone_reason.disability),
            Self::ChildDeclined => td_string!(locale, labels.not_alone_reason.child_declined),
            Self::GuardianDidNotConsent => {
                td_string!(locale, labels.not_alone_reason.guardian_did_not_consent)
            }
            Self::Other => td_string!(locale, labels.not_alone_reason.other),
        }
    }
}

impl Label for shared::domain::ConversationTool {
    fn label(self, language: Language) -> &'static str {
        let locale = language.locale();
        match self {
            Self::ThreeHouses => td_string!(locale, labels.conversation_tool.three_houses),
            Self::FeelingsScale => td_string!(locale, labels.conversation_tool.feelings_scale),
            Self::MyNetwork => td_string!(locale, labels.conversation_tool.my_network),
        }
    }
}

impl Label for shared::domain::EndKind {
    fn label(self, language: Language) -> &'static str {
        let locale = language.locale();
        match self {
            Self::Planned => td_string!(locale, labels.end_kind.planned),
            Self::Unplanned => td_string!(locale, labels.end_kind.unplanned),
        }
    }
}

impl Label for shared::domain::EndReason {
    fn label(self, language: Language) -> &'static str {
        let locale = language.locale();
        match self {
            Self::HomeEndedAssignment => {
                td_string!(locale, labels.end_reason.home_ended_assignment)
            }
            Self::NeedsNotMet => td_string!(locale, labels.end_reason.needs_not_met),
            Self::ChildsWish => td_string!(locale, labels.end_reason.childs_wish),
            Self::ConcernsInTheHome => td_string!(locale, labels.end_reason.concerns_in_the_home),
            Self::ConsentWithdrawn => td_string!(locale, labels.end_reason.consent_withdrawn),
            Self::ChildAbsconded => td_string!(locale, labels.end_reason.child_absconded),
            Self::Other => td_string!(locale, labels.end_reason.other),
        }
    }
}

impl Label for shared::auth::Role {
    fn label(self, language: Language) -> &'static str {
        let locale = language.locale();
        match self {
            Self::SocialWorker => td_string!(locale, labels.role.social_worker),
            Self::Consultant => td_string!(locale, labels.role.consultant),
            Self::DisabilityOfficer => td_string!(locale, labels.role.disability_officer),
            Self::GroupLeader => td_string!(locale, labels.role.group_leader),
            Self::UnitManager => td_string!(locale, labels.role.unit_manager),
            Self::Administrator => td_string!(locale, labels.role.administrator),
            Self::Integration => td_string!(locale, labels.role.integration),
            Self::Quality => td_string!(locale, labels.role.quality),
        }
    }
}

impl Label for shared::register::CheckKind {
    fn label(self, language: Language) -> &'static str {
        let locale = language.locale();
        match self {
            Self::CriminalRecord => td_string!(locale, labels.check_kind.criminal_record),
            Self::SocialServicesRecord => {
                td_string!(locale, labels.check_kind.social_services_record)
            }
            Self::Violence => td_string!(locale, labels.check_kind.violence),
            Self::SubstanceUse => td_string!(locale, labels.check_kind.substance_use),
            Self::CommercialOperation => td_string!(locale, labels.check_kind.commercial_operation),
            Self::Reference => td_string!(locale, labels.check_kind.reference),
        }
    }
}

impl Label for shared::register::CheckResult {
    fn label(self, language: Language) -> &'static str {
        let locale = language.locale();
        match self {
            Self::NoRemarks => td_string!(locale, labels.check_result.no_remarks),
            Self::Remarks => td_string!(locale, labels.check_result.remarks),
            Self::NotApproved => td_string!(locale, labels.check_result.not_approved),
        }
    }
}

impl Label for shared::selfcheck::PeriodChoice {
    fn label(self, language: Language) -> &'static str {
        let locale = language.locale();
        match self {
            Self::LastMonth => td_string!(locale, labels.period_choice.last_month),
            Self::LastQuarter => td_string!(locale, labels.period_choice.last_quarter),
            Self::Last12Months => td_string!(locale, labels.period_choice.last_12_months),
            Self::Custom => td_string!(locale, labels.period_choice.custom),
        }
    }
}

impl Label for shared::selfcheck::GroupBy {
    fn label(self, language: Language) -> &'static str {
        let locale = language.locale();
        match self {
            Self::Worker => td_string!(locale, labels.group_by.worker),
            Self::Unit => td_string!(locale, labels.group_by.unit),
            Self::PlacementKind => td_string!(locale, labels.group_by.placement_kind),
            Self::Sex => td_string!(locale, labels.group_by.sex),
            Self::AgeGroup => td_string!(locale, labels.group_by.age_group),
        }
    }
}

impl Label for shared::selfcheck::AgeGroup {
    fn label(self, language: Language) -> &'static str {
        let locale = language.locale();
        match self {
            Self::From0To6 => td_string!(locale, labels.age_group.from_0_to_6),
            Self::From7To12 => td_string!(locale, labels.age_group.from_7_to_12),
            Self::From13To17 => td_string!(locale, labels.age_group.from_13_to_17),
            Self::From18 => td_string!(locale, labels.age_group.from_18),
        }
    }
}

impl Label for shared::selfcheck::TableId {
    fn label(self, language: Language) -> &'static str {
        let locale = language.locale();
        match self {
            Self::VisitsInTime => td_string!(locale, labels.table.visits_in_time),
            Self::ChildHeard => td_string!(locale, labels.table.child_heard),
            Self::Continuity => td_string!(locale, labels.table.continuity),
            Self::Endings => td_string!(locale, labels.table.endings),
            Self::DisabilityOfficers => td_string!(locale, labels.table.disability_officers),
            Self::InformationGiven => td_string!(locale, labels.table.information_given),
        }
    }
}

impl Label for shared::ErrorCode {
    fn label(self, language: Language) -> &'static str {
        let locale = language.locale();
        match self {
            Self::MalformedJson => td_string!(locale, errors.malformed_json),
            Self::UnsupportedMediaType => td_string!(locale, errors.unsupported_media_type),
            Self::PayloadTooLarge => td_string!(locale, errors.payload_too_large),
            Self::UnsupportedProtocolVersion => {
                td_string!(locale, errors.unsupported_protocol_version)
            }
            Self::TooManyMutations => td_string!(locale, errors.too_many_mutations),
            Self::InvalidQuery => td_string!(locale, errors.invalid_query),
            Self::ValidationFailed => td_string!(locale, errors.validation_failed),
            Self::UnknownChild => td_string!(locale, errors.unknown_child),
            Self::UnknownRecord => td_string!(locale, errors.unknown_record),
            Self::RecordDeleted => td_string!(locale, errors.record_deleted),
            Self::DuplicateMutationId => td_string!(locale, errors.duplicate_mutation_id),
            Self::CursorAhead => td_string!(locale, errors.cursor_ahead),
            Self::IdConflict => td_string!(locale, errors.id_conflict),
            Self::Unauthenticated => td_string!(locale, errors.unauthenticated),
            Self::InvalidCredentials => td_string!(locale, errors.invalid_credentials),
            Self::SessionExpired => td_string!(locale, errors.session_expired),
            Self::SessionRevoked => td_string!(locale, errors.session_revoked),
            Self::Forbidden => td_string!(locale, errors.forbidden),
            Self::TooManyAttempts => td_string!(locale, errors.too_many_attempts),
            Self::NotFound => td_string!(locale, errors.not_found),
            Self::MethodNotAllowed => td_string!(locale, errors.method_not_allowed),
            Self::DatabaseUnavailable => td_string!(locale, errors.database_unavailable),
            Self::PlacementClosed => td_string!(locale, errors.placement_closed),
            Self::ServerBusy => td_string!(locale, errors.server_busy),
            Self::AppNotBuilt => td_string!(locale, errors.app_not_built),
            Self::ImportRejected => td_string!(locale, errors.import_rejected),
            Self::RateLimited => td_string!(locale, errors.rate_limited),
            Self::StaleUpdate => td_string!(locale, errors.stale_update),
            Self::Locked => td_string!(locale, errors.locked),
            Self::Internal => td_string!(locale, errors.internal),
        }
    }
}

impl Label for shared::complaints::ComplaintStatus {
    fn label(self, language: Language) -> &'static str {
        let locale = language.locale();
        match self {
            Self::New => td_string!(locale, complaints.status.new),
            Self::Investigating => td_string!(locale, complaints.status.investigating),
            Self::Answered => td_string!(locale, complaints.status.answered),
            Self::Closed => td_string!(locale, complaints.status.closed),
        }
    }
}

impl Label for shared::complaints::ComplaintSource {
    fn label(self, language: Language) -> &'static str {
        let locale = language.locale();
        match self {
            Self::Child => td_string!(locale, complaints.source.child),
            Self::Relative => td_string!(locale, complaints.source.relative),
            Self::OtherPerson => td_string!(locale, complaints.source.other_person),
            Self::Ivo => td_string!(locale, complaints.source.ivo),
            Self::Staff => td_string!(locale, complaints.source.staff),
        }
    }
}

impl Label for shared::complaints::MessageKind {
    fn label(self, language: Language) -> &'static str {
        let locale = language.locale();
        match self {
            Self::Message => td_string!(locale, complaints.kind.message),
            Self::Wish => td_string!(locale, complaints.kind.wish),
            Self::Complaint => td_string!(locale, complaints.kind.complaint),
        }
    }
}

impl Label for shared::complaints::Channel {
    fn label(self, language: Language) -> &'static str {
        let locale = language.locale();
        match self {
            Self::Public => td_string!(locale, complaints.channel.public),
            Self::Tablet => td_string!(locale, complaints.channel.tablet),
            Self::Staff => td_string!(locale, complaints.channel.staff),
        }
    }
}

impl Label for shared::deviations::Category {
    fn label(self, language: Language) -> &'static str {
        let locale = language.locale();
        match self {
            Self::Documentation => td_string!(locale, deviations.category.documentation),
            Self::Visits => td_string!(locale, deviations.category.visits),
            Self::Decisions => td_string!(locale, deviations.category.decisions),
            Self::Placement => td_string!(locale, deviations.category.placement),
            Self::Collaboration => td_string!(locale, deviations.category.collaboration),
            Self::Information => td_string!(locale, deviations.category.information),
            Self::DataProtection => td_string!(locale, deviations.category.data_protection),
            Self::Other => td_string!(locale, deviations.category.other),
        }
    }
}

impl Label for shared::deviations::Route {
    fn label(self, language: Language) -> &'static str {
        let locale = language.locale();
        match self {
            Self::Deviation => td_string!(locale, deviations.route.deviation),
            Self::LexSarah => td_string!(locale, deviations.route.lex_sarah),
            Self::DataIncident => td_string!(locale, deviations.route.data_incident),
        }
    }
}

impl Label for shared::deviations::IncidentKind {
    fn label(self, language: Language) -> &'static str {
        let locale = language.locale();
        match self {
            Self::LostDevice => td_string!(locale, deviations.incident.lost_device),
            Self::StolenDevice => td_string!(locale, deviations.incident.stolen_device),
            Self::WrongRecipient => td_string!(locale, deviations.incident.wrong_recipient),
            Self::Other => td_string!(locale, deviations.incident.other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::auth::Role;
    use shared::conversation::{Closeness, Feeling, House, ScaleTheme};
    use shared::domain::{
        ContactKind, ConversationTool, EndKind, EndReason, LegalBasis, NotAloneReason,
        PlacementKind, Sex, VisitPlace, VisitorRole,
    };
    use shared::register::{CheckKind, CheckResult};
    use shared::routines::{RoutineKind, VersionStatus};
    use shared::selfcheck::{AgeGroup, GroupBy, PeriodChoice, TableId};
    use shared::ErrorCode;

    /// Names that are the same in English: legal names and abbreviations.
    const SAME_IN_ENGLISH: [&str; 4] = ["SoL", "LVU", "HVB", "Integration"];

    /// Every value's Swedish label is the shared crate's, and its English one
    /// is there and not Swedish.
    fn check<T: Label + std::fmt::Debug>(values: &[T], swedish_of: impl Fn(T) -> &'static str) {
        for &value in values {
            let swedish = value.label(Language::Swedish);
            assert_eq!(swedish, swedish_of(value), "{value:?} in Swedish");
            let english = value.label(Language::English);
            assert!(!english.trim().is_empty(), "{value:?} in English");
            if !SAME_IN_ENGLISH.contains(&swedish) {
                assert_ne!(english, swedish, "{value:?} in English is Swedish");
            }
        }
    }

    #[test]
    fn every_value_has_the_shared_swedish_and_an_english_name() {
        check(&House::ALL, House::label_sv);
        check(&ScaleTheme::ALL, ScaleTheme::label_sv);
        let feelings: Vec<Feeling> = (Feeling::MIN..=Feeling::MAX)
            .filter_map(Feeling::new)
            .collect();
        assert_eq!(feelings.len(), 5);
        check(&feelings, Feeling::label_sv);
        check(
            &[Closeness::Close, Closeness::Middle, Closeness::Far],
            Closeness::label_sv,
        );
        check(&RoutineKind::ALL, RoutineKind::label_sv);
        check(
            &[
                VersionStatus::Upcoming,
                VersionStatus::Current,
                VersionStatus::Superseded,
            ],
            VersionStatus::label_sv,
        );
        check(&PlacementKind::ALL, PlacementKind::label_sv);
        check(&[LegalBasis::SoL, LegalBasis::Lvu], LegalBasis::label_sv);
        check(&Sex::ALL, Sex::label_sv);
        check(&ContactKind::ALL, ContactKind::label_sv);
        check(&VisitorRole::ALL, VisitorRole::label_sv);
        check(
            &[VisitPlace::InTheHome, VisitPlace::Elsewhere],
            VisitPlace::label_sv,
        );
        check(&NotAloneReason::ALL, NotAloneReason::label_sv);
        check(&ConversationTool::ALL, ConversationTool::label_sv);
        check(&[EndKind::Planned, EndKind::Unplanned], EndKind::label_sv);
        check(&EndReason::ALL, EndReason::label_sv);
        check(&Role::ALL, Role::title_sv);
        check(&CheckKind::ALL, CheckKind::label_sv);
        check(&CheckResult::ALL, CheckResult::label_sv);
        check(&PeriodChoice::ALL, PeriodChoice::label_sv);
        check(&GroupBy::ALL, GroupBy::label_sv);
        check(&AgeGroup::ALL, AgeGroup::label_sv);
        check(&TableId::ALL, TableId::title_sv);
    }

    #[test]
    fn every_error_code_has_the_shared_swedish_and_an_english_sentence() {
        use ErrorCode::*;
        let codes = [
            MalformedJson,
            UnsupportedMediaType,
            PayloadTooLarge,
            UnsupportedProtocolVersion,
            TooManyMutations,
            InvalidQuery,
            ValidationFailed,
            UnknownChild,
            UnknownRecord,
            RecordDeleted,
            DuplicateMutationId,
            CursorAhead,
            IdConflict,
            Unauthenticated,
            InvalidCredentials,
            SessionExpired,
            SessionRevoked,
            Forbidden,
            TooManyAttempts,
            NotFound,
            MethodNotAllowed,
            DatabaseUnavailable,
            PlacementClosed,
            ServerBusy,
            AppNotBuilt,
            ImportRejected,
            Internal,
        ];
        check(&codes, ErrorCode::message_sv);
    }

    #[test]
    fn english_names_as_staff_say_them() {
        let english = Language::English;
        assert_eq!(PlacementKind::FosterHome.label(english), "Foster home");
        assert_eq!(PlacementKind::ResidentialCare.label(english), "HVB");
        assert_eq!(LegalBasis::Lvu.label(english), "LVU");
        assert_eq!(Role::GroupLeader.label(english), "Team leader");
        assert_eq!(Role::UnitManager.label(english), "Unit manager");
        assert_eq!(VisitorRole::Employee.label(english), "Social worker");
        assert_eq!(ContactKind::Phone.label(english), "Phone call");
        assert_eq!(AgeGroup::From18.label(english), "18 and over");
        assert_eq!(
            ErrorCode::InvalidCredentials.label(english),
            "Wrong username or password."
        );
    }

    #[test]
    fn a_child_reads_the_conversation_tools_in_arabic() {
        let arabic = Language::Arabic;
        assert_eq!(House::Dreams.label(arabic), "بيت الأحلام");
        for value in ScaleTheme::ALL {
            assert_ne!(value.label(arabic), value.label_sv(), "{value:?}");
        }
        for feeling in (Feeling::MIN..=Feeling::MAX).filter_map(Feeling::new) {
            assert_ne!(feeling.label(arabic), feeling.label_sv(), "{feeling:?}");
        }
        assert_eq!(Closeness::Close.label(arabic), "قريب");
        // Staff pages not yet translated fall back to Swedish.
        assert_eq!(Role::UnitManager.label(arabic), "Enhetschef");
    }
}
