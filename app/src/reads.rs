//! Which reads of the tablet's own store go to the audit log, and what the
//! calendar export lets leave it. Every list that shows children (the
//! caseload, a search, the calendar) logs each child it shows once per visit
//! of the page and kind: a sync redrawing the same list logs nothing new, a
//! search that shows another child logs that child.

use crate::caseload::CaseloadFilter;
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
pub const EXPORT_NAME_CHOICES: [(NameInCalendar, &str); 3] = [
    (NameInCalendar::Initials, "Initialer (rekommenderas)"),
    (NameInCalendar::GivenName, "Förnamn"),
    (NameInCalendar::FullName, "För- och efternamn"),
];

/// What the user is told before a calendar file of `count` children is
/// made: what leaves the protected store, and where it may end up.
pub fn export_notice(names: NameInCalendar, count: usize) -> String {
    let who = match names {
        NameInCalendar::Initials => "barnets initialer",
        NameInCalendar::GivenName => "barnets förnamn",
        NameInCalendar::FullName => "barnets för- och efternamn",
    };
    let visits = if count == 1 {
        "1 besök".to_owned()
    } else {
        format!("{count} besök")
    };
    format!(
        "Kalenderfilen lämnar Barnbesöks skyddade lagring. Den sparas okrypterad på \
         surfplattan och kan synas i kalenderappen och överallt dit kalendern synkas. \
         Den innehåller {visits}: datum för nästa besök och {who}. Inget annat om barnen \
         följer med. Exporten loggas för varje barn."
    )
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
        assert_eq!(EXPORT_NAME_CHOICES[0].0, NameInCalendar::default());
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
        let notice = export_notice(NameInCalendar::Initials, 3);
        for needed in ["lämnar", "okrypterad", "3 besök", "initialer", "loggas"] {
            assert!(notice.contains(needed), "{needed}: {notice}");
        }
        assert!(export_notice(NameInCalendar::FullName, 1).contains("för- och efternamn"));
    }
}
