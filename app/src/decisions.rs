//! Warnings about a placement's decision and its six-monthly consideration
//! (övervägande / omprövning), in the interface language, from the rules in
//! `shared::register`. Pure, so every wording is tested natively.

use crate::i18n::td_string;
use crate::language::Language;
use chrono::NaiveDate;
use shared::register::{ConsiderationStatus, DecisionStatus};
use shared::Placement;

/// How loudly a warning is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Severity {
    /// Soon: act within the month.
    Soon,
    /// Already late: the placement runs on an expired decision, or the
    /// consideration is overdue.
    Late,
}

impl Severity {
    pub fn badge_class(self) -> &'static str {
        match self {
            Self::Soon => "badge badge--soon",
            Self::Late => "badge badge--overdue",
        }
    }
}

/// One warning about a placement.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Warning {
    pub severity: Severity,
    pub text: String,
}

fn days(n: i64, language: Language) -> String {
    td_string!(language.locale(), decisions.days, count = n)
}

/// The warning about the decision, if it ends within 30 days or has expired.
pub fn decision_warning(
    placement: &Placement,
    today: NaiveDate,
    language: Language,
) -> Option<Warning> {
    if !runs(placement, today) {
        return None;
    }
    let locale = language.locale();
    match placement.decision_status(today) {
        DecisionStatus::NoEndDate | DecisionStatus::Valid { .. } => None,
        DecisionStatus::EndsSoon { until, days_left } => {
            let until = language.date(until);
            Some(Warning {
                severity: Severity::Soon,
                text: match days_left {
                    0 => {
                        td_string!(locale, decisions.decision_ends_today, until = until)
                    }
                    1 => td_string!(locale, decisions.decision_ends_tomorrow, until = until),
                    n => td_string!(
                        locale,
                        decisions.decision_ends_in,
                        until = until,
                        days = days(n, language)
                    ),
                },
            })
        }
        DecisionStatus::Expired { until, days_over } => Some(Warning {
            severity: Severity::Late,
            text: td_string!(
                locale,
                decisions.decision_expired,
                until = language.date(until),
                days = days(days_over, language)
            ),
        }),
    }
}

/// The warning about the six-monthly consideration, if it is due within 30
/// days or overdue.
pub fn consideration_warning(
    placement: &Placement,
    today: NaiveDate,
    language: Language,
) -> Option<Warning> {
    if !runs(placement, today) {
        return None;
    }
    let locale = language.locale();
    match placement.consideration_status(today) {
        ConsiderationStatus::Upcoming { .. } => None,
        ConsiderationStatus::DueSoon { due, days_left } => {
            let due = language.date(due);
            Some(Warning {
                severity: Severity::Soon,
                text: match days_left {
                    0 => {
                        td_string!(locale, decisions.consideration_due_today, due = due)
                    }
                    1 => td_string!(locale, decisions.consideration_due_tomorrow, due = due),
                    n => td_string!(
                        locale,
                        decisions.consideration_due_in,
                        due = due,
                        days = days(n, language)
                    ),
                },
            })
        }
        ConsiderationStatus::Overdue { due, days_over } => Some(Warning {
            severity: Severity::Late,
            text: td_string!(
                locale,
                decisions.consideration_overdue,
                due = language.date(due),
                days = days(days_over, language)
            ),
        }),
    }
}

/// Every warning about a placement, the decision first.
pub fn warnings(placement: &Placement, today: NaiveDate, language: Language) -> Vec<Warning> {
    decision_warning(placement, today, language)
        .into_iter()
        .chain(consideration_warning(placement, today, language))
        .collect()
}

/// A placement that has ended needs no decision.
fn runs(placement: &Placement, today: NaiveDate) -> bool {
    placement.end_date.is_none_or(|end| today <= end)
}

/// The decision as the child's page shows it: "Beslut 10 jan. 2026 av Eva
/// Ek, gäller till 10 juli 2026", or what is missing.
pub fn decision_text(placement: &Placement, language: Language) -> String {
    let locale = language.locale();
    let date = placement.decision_date.map(|d| language.date(d));
    let decision = match (date, &placement.decided_by) {
        (Some(date), Some(by)) => td_string!(
            locale,
            decisions.decided_on_by,
            date = date,
            by = by.to_string()
        ),
        (Some(date), None) => td_string!(locale, decisions.decided_on, date = date),
        (None, Some(by)) => {
            td_string!(locale, decisions.decided_by, by = by.to_string())
        }
        (None, None) => td_string!(locale, decisions.decision_date_missing).to_owned(),
    };
    match placement.decision_until {
        Some(until) => td_string!(
            locale,
            decisions.decision_valid_until,
            decision = decision,
            until = language.date(until)
        ),
        None => td_string!(locale, decisions.decision_without_end, decision = decision),
    }
}

/// When the next consideration is due, and the last one if any.
pub fn consideration_text(placement: &Placement, language: Language) -> String {
    let locale = language.locale();
    let due = language.date(placement.consideration_due());
    match placement.last_consideration {
        Some(last) => td_string!(
            locale,
            decisions.next_consideration_after_last,
            due = due,
            last = language.date(last)
        ),
        None => td_string!(locale, decisions.next_consideration_first, due = due),
    }
}

// In Swedish, for callers that do not pass the interface language yet
// (ui/child.rs, ui/caseload.rs, register.rs, ui/register_child.rs).

#[cfg(test)]
mod tests {
    use super::*;
    use shared::{ChildId, LegalBasis, PersonName, PlacementId, PlacementKind};

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    fn placement() -> Placement {
        Placement {
            id: PlacementId::new_random(),
            child_id: ChildId::new_random(),
            kind: PlacementKind::FosterHome,
            home_name: PersonName::parse("Familjen Berg").expect("name"),
            legal_basis: LegalBasis::Lvu,
            start_date: d("2026-06-01"),
            decision_date: Some(d("2026-05-28")),
            decided_by: Some(PersonName::parse("Eva Ek").expect("name")),
            decision_until: Some(d("2026-12-31")),
            ..Placement::blank()
        }
    }

    const SWEDISH: Language = Language::Swedish;
    const ENGLISH: Language = Language::English;

    #[test]
    fn a_decision_ending_within_thirty_days_warns_and_an_expired_one_is_late() {
        let p = placement();
        assert_eq!(
            decision_warning(&p, d("2026-11-30"), SWEDISH),
            None,
            "31 days left"
        );
        assert_eq!(
            decision_warning(&p, d("2026-12-01"), SWEDISH),
            Some(Warning {
                severity: Severity::Soon,
                text: "Beslutet gäller till 31 dec. 2026 (30 dagar kvar)".into()
            })
        );
        assert_eq!(
            decision_warning(&p, d("2026-12-30"), SWEDISH).map(|w| w.text),
            Some("Beslutet gäller till i morgon (31 dec. 2026)".into())
        );
        assert_eq!(
            decision_warning(&p, d("2027-01-01"), SWEDISH),
            Some(Warning {
                severity: Severity::Late,
                text:
                    "Beslutet gick ut 31 dec. 2026 (1 dag sedan): placeringen saknar giltigt beslut"
                        .into()
            })
        );
    }

    #[test]
    fn the_decision_warnings_in_english() {
        let p = placement();
        assert_eq!(decision_warning(&p, d("2026-11-30"), ENGLISH), None);
        assert_eq!(
            decision_warning(&p, d("2026-12-01"), ENGLISH).map(|w| w.text),
            Some("Decision valid until 31 Dec 2026 (30 days left)".into())
        );
        assert_eq!(
            decision_warning(&p, d("2026-12-31"), ENGLISH).map(|w| w.text),
            Some("Decision valid until today (31 Dec 2026)".into())
        );
        assert_eq!(
            decision_warning(&p, d("2026-12-30"), ENGLISH).map(|w| w.text),
            Some("Decision valid until tomorrow (31 Dec 2026)".into())
        );
        assert_eq!(
            decision_warning(&p, d("2027-01-01"), ENGLISH),
            Some(Warning {
                severity: Severity::Late,
                text: "Decision expired on 31 Dec 2026 (1 day ago): the placement has no valid decision"
                    .into()
            })
        );
        assert_eq!(
            decision_warning(&p, d("2027-01-03"), ENGLISH).map(|w| w.text),
            Some(
                "Decision expired on 31 Dec 2026 (3 days ago): the placement has no valid decision"
                    .into()
            )
        );
    }

    #[test]
    fn the_consideration_warns_when_due_and_when_overdue() {
        let mut p = placement();
        // Due 2026-12-01, six months from the start.
        assert_eq!(consideration_warning(&p, d("2026-10-31"), SWEDISH), None);
        assert_eq!(
            consideration_warning(&p, d("2026-11-21"), SWEDISH),
            Some(Warning {
                severity: Severity::Soon,
                text: "Övervägande senast 1 dec. 2026 (om 10 dagar)".into()
            })
        );
        assert_eq!(
            consideration_warning(&p, d("2026-12-04"), SWEDISH),
            Some(Warning {
                severity: Severity::Late,
                text: "Övervägande försenat 3 dagar (senast 1 dec. 2026)".into()
            })
        );
        p.last_consideration = Some(d("2026-11-25"));
        assert_eq!(consideration_warning(&p, d("2026-12-04"), SWEDISH), None);
        assert_eq!(
            consideration_text(&p, SWEDISH),
            "Nästa övervägande senast 25 maj 2027 (förra 25 nov. 2026)"
        );
    }

    #[test]
    fn the_consideration_in_english() {
        let mut p = placement();
        assert_eq!(
            consideration_warning(&p, d("2026-11-21"), ENGLISH).map(|w| w.text),
            Some("Review due by 1 Dec 2026 (in 10 days)".into())
        );
        assert_eq!(
            consideration_warning(&p, d("2026-12-01"), ENGLISH).map(|w| w.text),
            Some("Review due today (1 Dec 2026)".into())
        );
        assert_eq!(
            consideration_warning(&p, d("2026-11-30"), ENGLISH).map(|w| w.text),
            Some("Review due tomorrow (1 Dec 2026)".into())
        );
        assert_eq!(
            consideration_warning(&p, d("2026-12-02"), ENGLISH),
            Some(Warning {
                severity: Severity::Late,
                text: "Review 1 day overdue (due 1 Dec 2026)".into()
            })
        );
        assert_eq!(
            consideration_text(&p, ENGLISH),
            "Next review due by 1 Dec 2026 (six months from the start of the placement)"
        );
        p.last_consideration = Some(d("2026-11-25"));
        assert_eq!(
            consideration_text(&p, ENGLISH),
            "Next review due by 25 May 2027 (last one 25 Nov 2026)"
        );
    }

    #[test]
    fn an_ended_placement_has_no_warnings_and_the_decision_comes_first() {
        let mut p = placement();
        let today = d("2027-01-05");
        let all = warnings(&p, today, SWEDISH);
        assert_eq!(all.len(), 2);
        assert!(all[0].text.starts_with("Beslutet gick ut"));
        assert!(all[1].text.starts_with("Övervägande försenat"));
        let all = warnings(&p, today, ENGLISH);
        assert!(all[0].text.starts_with("Decision expired"));
        assert!(all[1].text.starts_with("Review 35 days overdue"));
        p.end_date = Some(d("2027-01-02"));
        assert!(warnings(&p, today, SWEDISH).is_empty());
        assert!(warnings(&p, today, ENGLISH).is_empty());
    }

    #[test]
    fn the_decision_reads_as_a_sentence_and_says_what_is_missing() {
        let mut p = placement();
        assert_eq!(
            decision_text(&p, SWEDISH),
            "Beslut 28 maj 2026 av Eva Ek, gäller till 31 dec. 2026"
        );
        assert_eq!(
            decision_text(&p, ENGLISH),
            "Decided on 28 May 2026 by Eva Ek, valid until 31 Dec 2026"
        );
        p.decision_date = None;
        assert_eq!(
            decision_text(&p, SWEDISH),
            "Beslut av Eva Ek, gäller till 31 dec. 2026"
        );
        assert_eq!(
            decision_text(&p, ENGLISH),
            "Decided by Eva Ek, valid until 31 Dec 2026"
        );
        p.decision_date = Some(d("2026-05-28"));
        p.decided_by = None;
        p.decision_until = None;
        assert_eq!(
            decision_text(&p, SWEDISH),
            "Beslut 28 maj 2026, inget slutdatum registrerat"
        );
        assert_eq!(
            decision_text(&p, ENGLISH),
            "Decided on 28 May 2026, no end date recorded"
        );
        p.decision_date = None;
        assert_eq!(
            decision_text(&p, SWEDISH),
            "Beslutsdatum inte registrerat, inget slutdatum registrerat"
        );
        assert_eq!(
            decision_text(&p, ENGLISH),
            "Decision date not recorded, no end date recorded"
        );
        assert_eq!(decision_warning(&p, d("2030-01-01"), SWEDISH), None);
    }
}
