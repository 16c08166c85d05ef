//! Which reads of the tablet's own store go to the audit log, and what the
//! calendar export lets leave it. Every list that shows children (the
//! caseload, a search, the calendar) logs each child it shows once per visit
//! of the page and kind: a sync redrawing the same list logs nothing new, a
//! search that shows another child logs that child.

use crate::caseload::CaseloadFilter;
use crate::i18n::td_string;
use crate::language::Language;
use shared::audit::LocalReadKind;
use shared::ical::NameInCalendar;
use shared::ChildId;
use std::collections::HashSet;

/// The children a page has logged as shown since it opened.
#[derive(Debug, Default)]
pub struct ShownLog {
    logged: HashSet<(LocalReadKind, ChildId)>,
}

impl ShownLog {
    /// The children of `shown` not yet logged as `kind`, now counted as logged.
    pub fn newly_shown(
        &mut self,
        kind: LocalReadKind,
        shown: impl IntoIterator<Item = ChildId>,
    ) -> Vec<ChildId> {
        shown
            .into_iter()
            .filter(|&child| self.logged.insert((kind, child)))
            .collect()
    }
}

/// How the caseload list's rows are logged: with a search text they are
/// search results.
pub fn caseload_read_kind(filter: &CaseloadFilter) -> LocalReadKind {
    if filter.text.trim().is_empty() {
        LocalReadKind::ListedInCaseload
    } else {
        LocalReadKind::ShownInSearch
    }
}

/// What a calendar export is logged as, per child.
pub fn export_read_kind(names: NameInCalendar) -> LocalReadKind {
    match names {
        NameInCalendar::Initials => LocalReadKind::ExportedCalendarInitials,
        NameInCalendar::GivenName => LocalReadKind::ExportedCalendarGivenName,
        NameInCalendar::FullName => LocalReadKind::ExportedCalendarFullName,
    }
}

/// The choices of name in the export, safest first: the first is preselected.
pub const EXPORT_NAMES: [NameInCalendar; 3] = [
    NameInCalendar::Initials,
    NameInCalendar::GivenName,
    NameInCalendar::FullName,
];

/// The choices of name in the export with their labels, safest first.
pub fn export_name_choices(language: Language) -> [(NameInCalendar, &'static str); 3] {
    EXPORT_NAMES.map(|names| (names, export_name_label(names, language)))
}

/// How a choice of name in the export is labelled.
pub fn export_name_label(names: NameInCalendar, language: Language) -> &'static str {
    let locale = language.locale();
    match names {
        NameInCalendar::Initials => td_string!(locale, sync.calendar_export.initials),
        NameInCalendar::GivenName => td_string!(locale, sync.calendar_export.given_name),
        NameInCalendar::FullName => td_string!(locale, sync.calendar_export.full_name),
    }
}

/// What the user is told before a calendar file of `count` children is
/// made: what leaves the protected store, and where it may end up.
pub fn export_notice(language: Language, names: NameInCalendar, count: usize) -> String {
    let locale = language.locale();
    let who = match names {
        NameInCalendar::Initials => td_string!(locale, sync.calendar_export.who_initials),
        NameInCalendar::GivenName => td_string!(locale, sync.calendar_export.who_given_name),
        NameInCalendar::FullName => td_string!(locale, sync.calendar_export.who_full_name),
    };
    let visits = td_string!(locale, sync.calendar_export.visits, count);
    td_string!(locale, sync.calendar_export.notice, visits, who)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use shared::ical::export;
    use shared::schedule::{DueReason, NextVisit};
    use shared::{Child, PersonName};

    #[test]
    fn a_page_logs_each_child_once_per_kind() {
        let (a, b) = (ChildId::new_random(), ChildId::new_random());
        let mut log = ShownLog::default();
        assert_eq!(
            log.newly_shown(LocalReadKind::ListedInCaseload, [a, b]),
            vec![a, b]
        );
        // A sync redraws the same list.
        assert!(log
            .newly_shown(LocalReadKind::ListedInCaseload, [b, a])
            .is_empty());
        // A search shows one of them again: a read of another kind.
        assert_eq!(log.newly_shown(LocalReadKind::ShownInSearch, [b]), vec![b]);
    }

    #[test]
    fn a_search_text_makes_the_list_search_results() {
        let mut filter = CaseloadFilter::default();
        assert_eq!(caseload_read_kind(&filter), LocalReadKind::ListedInCaseload);
        filter.text = "  ".into();
        assert_eq!(caseload_read_kind(&filter), LocalReadKind::ListedInCaseload);
        filter.text = "Alv".into();
        assert_eq!(caseload_read_kind(&filter), LocalReadKind::ShownInSearch);
    }

    #[test]
    fn the_export_names_children_by_initials_unless_chosen_otherwise() {
        assert_eq!(NameInCalendar::default(), NameInCalendar::Initials);
        assert_eq!(
            export_name_choices(Language::Swedish)[0].0,
            NameInCalendar::default()
        );
        let child = Child {
            id: ChildId::new_random(),
            given_name: PersonName::parse("Alva").expect("name"),
            family_name: PersonName::parse("Ekström").expect("name"),
            birth_date: NaiveDate::from_ymd_opt(2015, 3, 2).expect("date"),
            sex: shared::Sex::NotRecorded,
            has_disability: false,
            unit_id: None,
            external_id: None,
        };
        let next = NextVisit {
            placement_id: shared::PlacementId::new_random(),
            due_date: NaiveDate::from_ymd_opt(2026, 12, 10).expect("date"),
            reason: DueReason::FirstVisitAfterPlacement,
        };
        let ics = export(
            [(&child, next)],
            chrono::Utc::now(),
            NameInCalendar::default(),
        );
        assert!(ics.contains("A.E."), "{ics}");
        assert!(!ics.contains("Alva") && !ics.contains("Ekström"), "{ics}");
        let full = export(
            [(&child, next)],
            chrono::Utc::now(),
            NameInCalendar::FullName,
        );
        assert!(full.contains("Alva Ekström"), "{full}");
        assert_eq!(
            export_read_kind(NameInCalendar::default()),
            LocalReadKind::ExportedCalendarInitials
        );
    }

    #[test]
    fn the_notice_says_what_leaves_and_where_it_may_go() {
        let notice = export_notice(Language::Swedish, NameInCalendar::Initials, 3);
        for needed in ["lämnar", "okrypterad", "3 besök", "initialer", "loggas"] {
            assert!(notice.contains(needed), "{needed}: {notice}");
        }
        assert!(
            export_notice(Language::Swedish, NameInCalendar::FullName, 1)
                .contains("för- och efternamn")
        );
    }

    #[test]
    fn the_notice_in_english() {
        let notice = export_notice(Language::English, NameInCalendar::Initials, 3);
        for needed in ["leaves", "unencrypted", "3 visits", "initials", "logged"] {
            assert!(notice.contains(needed), "{needed}: {notice}");
        }
        let one = export_notice(Language::English, NameInCalendar::FullName, 1);
        assert!(
            one.contains("1 visit:") && one.contains("first and last name"),
            "{one}"
        );
        assert_eq!(
            export_name_choices(Language::Swedish).map(|(_, label)| label),
            ["Initialer (rekommenderas)", "Förnamn", "För- och efternamn"]
        );
        assert_eq!(
            export_name_choices(Language::English)[0].1,
            "Initials (recommended)"
        );
    }
}
