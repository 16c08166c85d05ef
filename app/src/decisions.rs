//! Warnings about a placement's decision and its six-monthly consideration
//! (övervägande / omprövning), in Swedish, from the rules in
//! `shared::register`. Pure, so every wording is tested natively.

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

fn days(n: i64) -> String {
    if n == 1 {
        "1 dag".to_owned()
    } else {
        format!("{n} dagar")
    }
}

/// The warning about the decision, if it ends within 30 days or has expired.
pub fn decision_warning(placement: &Placement, today: NaiveDate) -> Option<Warning> {
    if !runs(placement, today) {
        return None;
    }
    match placement.decision_status(today) {
        DecisionStatus::NoEndDate | DecisionStatus::Valid { .. } => None,
        DecisionStatus::EndsSoon { until, days_left } => Some(Warning {
            severity: Severity::Soon,
            text: match days_left {
                0 => format!("Beslutet gäller till i dag ({until})"),
                1 => format!("Beslutet gäller till i morgon ({until})"),
                n => format!("Beslutet gäller till {until} ({} kvar)", days(n)),
            },
        }),
        DecisionStatus::Expired { until, days_over } => Some(Warning {
            severity: Severity::Late,
            text: format!(
                "Beslutet gick ut {until} ({} sedan): placeringen saknar giltigt beslut",
                days(days_over)
            ),
        }),
    }
}

/// The warning about the six-monthly consideration, if it is due within 30
/// days or overdue.
pub fn consideration_warning(placement: &Placement, today: NaiveDate) -> Option<Warning> {
    if !runs(placement, today) {
        return None;
    }
    match placement.consideration_status(today) {
        ConsiderationStatus::Upcoming { .. } => None,
        ConsiderationStatus::DueSoon { due, days_left } => Some(Warning {
            severity: Severity::Soon,
            text: match days_left {
                0 => format!("Övervägande senast i dag ({due})"),
                1 => format!("Övervägande senast i morgon ({due})"),
                n => format!("Övervägande senast {due} (om {})", days(n)),
            },
        }),
        ConsiderationStatus::Overdue { due, days_over } => Some(Warning {
            severity: Severity::Late,
            text: format!("Övervägande försenat {} (senast {due})", days(days_over)),
        }),
    }
}

/// Every warning about a placement, the decision first.
pub fn warnings(placement: &Placement, today: NaiveDate) -> Vec<Warning> {
    decision_warning(placement, today)
        .into_iter()
        .chain(consideration_warning(placement, today))
        .collect()
}

/// A placement that has ended needs no decision.
fn runs(placement: &Placement, today: NaiveDate) -> bool {
    placement.end_date.is_none_or(|end| today <= end)
}

/// The decision as the child's page shows it: "Beslut 2026-01-10 av Eva
/// Ek, gäller till 2026-07-10", or what is missing.
pub fn decision_text(placement: &Placement) -> String {
    let mut text = match (placement.decision_date, &placement.decided_by) {
        (Some(date), Some(by)) => format!("Beslut {date} av {by}"),
        (Some(date), None) => format!("Beslut {date}"),
        (None, Some(by)) => format!("Beslut av {by}"),
        (None, None) => "Beslutsdatum inte registrerat".to_owned(),
    };
    match placement.decision_until {
        Some(until) => text.push_str(&format!(", gäller till {until}")),
        None => text.push_str(", inget slutdatum registrerat"),
    }
    text
}

/// When the next consideration is due, and the last one if any.
pub fn consideration_text(placement: &Placement) -> String {
    let due = placement.consideration_due();
    match placement.last_consideration {
        Some(last) => format!("Nästa övervägande senast {due} (förra {last})"),
        None => format!("Nästa övervägande senast {due} (sex månader från placeringen)"),
    }
}

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
            end_date: None,
            home_id: None,
            decision_date: Some(d("2026-05-28")),
            decided_by: Some(PersonName::parse("Eva Ek").expect("name")),
            decision_until: Some(d("2026-12-31")),
            last_consideration: None,
            external_id: None,
        }
    }

    #[test]
    fn a_decision_ending_within_thirty_days_warns_and_an_expired_one_is_late() {
        let p = placement();
        assert_eq!(decision_warning(&p, d("2026-11-30")), None, "31 days left");
        assert_eq!(
            decision_warning(&p, d("2026-12-01")),
            Some(Warning {
                severity: Severity::Soon,
                text: "Beslutet gäller till 2026-12-31 (30 dagar kvar)".into()
            })
        );
        assert_eq!(
            decision_warning(&p, d("2026-12-30")).map(|w| w.text),
            Some("Beslutet gäller till i morgon (2026-12-31)".into())
        );
        assert_eq!(
            decision_warning(&p, d("2027-01-01")),
            Some(Warning {
                severity: Severity::Late,
                text:
                    "Beslutet gick ut 2026-12-31 (1 dag sedan): placeringen saknar giltigt beslut"
                        .into()
            })
        );
    }

    #[test]
    fn the_consideration_warns_when_due_and_when_overdue() {
        let mut p = placement();
        // Due 2026-12-01, six months from the start.
        assert_eq!(consideration_warning(&p, d("2026-10-31")), None);
        assert_eq!(
            consideration_warning(&p, d("2026-11-21")),
            Some(Warning {
                severity: Severity::Soon,
                text: "Övervägande senast 2026-12-01 (om 10 dagar)".into()
            })
        );
        assert_eq!(
            consideration_warning(&p, d("2026-12-04")),
            Some(Warning {
                severity: Severity::Late,
                text: "Övervägande försenat 3 dagar (senast 2026-12-01)".into()
            })
        );
        p.last_consideration = Some(d("2026-11-25"));
        assert_eq!(consideration_warning(&p, d("2026-12-04")), None);
        assert_eq!(
            consideration_text(&p),
            "Nästa övervägande senast 2027-05-25 (förra 2026-11-25)"
        );
    }

    #[test]
    fn an_ended_placement_has_no_warnings_and_the_decision_comes_first() {
        let mut p = placement();
        let today = d("2027-01-05");
        let all = warnings(&p, today);
        assert_eq!(all.len(), 2);
        assert!(all[0].text.starts_with("Beslutet gick ut"));
        assert!(all[1].text.starts_with("Övervägande försenat"));
        p.end_date = Some(d("2027-01-02"));
        assert!(warnings(&p, today).is_empty());
    }

    #[test]
    fn the_decision_reads_as_a_sentence_and_says_what_is_missing() {
        let mut p = placement();
        assert_eq!(
            decision_text(&p),
            "Beslut 2026-05-28 av Eva Ek, gäller till 2026-12-31"
        );
        p.decided_by = None;
        p.decision_until = None;
        assert_eq!(
            decision_text(&p),
            "Beslut 2026-05-28, inget slutdatum registrerat"
        );
        p.decision_date = None;
        assert_eq!(
            decision_text(&p),
            "Beslutsdatum inte registrerat, inget slutdatum registrerat"
        );
        assert_eq!(decision_warning(&p, d("2030-01-01")), None);
    }
}
