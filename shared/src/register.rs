//! The register: homes (familjehem, jourhem, behandlingsfamilj, HVB,
//! stödboende) with their checks and history, and the rules on placement
//! decisions (warnings before a decision ends, the six-monthly
//! consideration). Plain rules, used by the server, the app and the tests.

use crate::domain::{EndKind, ExternalId, PersonName, Placement, PlacementClosing, PlacementKind};
use crate::ids::{HomeId, UnitId};
use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

/// A short free text (an address, a phone number, a check's note).
pub type ShortText = crate::domain::VisitorName;

/// A home in the register, held per unit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Home {
    pub id: HomeId,
    pub unit_id: UnitId,
    pub kind: PlacementKind,
    pub name: PersonName,
    #[serde(default)]
    pub external_id: Option<ExternalId>,
    #[serde(default)]
    pub contact: HomeContact,
    /// Every check made, oldest first; a new check is added, never edited away.
    #[serde(default)]
    pub checks: Vec<HomeCheck>,
}

/// How to reach a home. Every field optional.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HomeContact {
    #[serde(default)]
    pub contact_person: Option<PersonName>,
    #[serde(default)]
    pub address: Option<ShortText>,
    #[serde(default)]
    pub phone: Option<ShortText>,
    #[serde(default)]
    pub email: Option<ShortText>,
}

/// What was checked about a home (utredning av familjehem).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckKind {
    /// Belastningsregistret: criminal records.
    CriminalRecord,
    /// Socialtjänstens register: social-services records.
    SocialServicesRecord,
    /// Våld i nära relation.
    Violence,
    /// Missbruk / skadligt bruk.
    SubstanceUse,
    /// Drivs hemmet i vinstsyfte (kommersiellt)?
    CommercialOperation,
    /// Referenser från andra kommuner eller stadsdelar.
    Reference,
}

impl CheckKind {
    pub const ALL: [Self; 6] = [
        Self::CriminalRecord,
        Self::SocialServicesRecord,
        Self::Violence,
        Self::SubstanceUse,
        Self::CommercialOperation,
        Self::Reference,
    ];

    pub fn label_sv(self) -> &'static str {
        match self {
            Self::CriminalRecord => "Belastningsregistret",
            Self::SocialServicesRecord => "Socialtjänstens register",
            Self::Violence => "Våld",
            Self::SubstanceUse => "Missbruk",
            Self::CommercialOperation => "Drivs kommersiellt",
            Self::Reference => "Referenser från andra kommuner",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::CriminalRecord => "criminal_record",
            Self::SocialServicesRecord => "social_services_record",
            Self::Violence => "violence",
            Self::SubstanceUse => "substance_use",
            Self::CommercialOperation => "commercial_operation",
            Self::Reference => "reference",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The checks a home of `kind` must have. Family homes are investigated
    /// on every point; an HVB or stödboende holds a permit from IVO, so what
    /// the unit checks itself is whether it is run commercially and its
    /// references.
    pub fn required_for(kind: PlacementKind) -> &'static [Self] {
        match kind {
            PlacementKind::FosterHome
            | PlacementKind::EmergencyHome
            | PlacementKind::TreatmentFamily => &Self::ALL,
            PlacementKind::ResidentialCare | PlacementKind::SupportedHousing => {
                &[Self::CommercialOperation, Self::Reference]
            }
        }
    }
}

/// What a check found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckResult {
    /// Utan anmärkning.
    NoRemarks,
    /// Med anmärkning (see the note).
    Remarks,
    /// Ej godkänd.
    NotApproved,
}

impl CheckResult {
    pub const ALL: [Self; 3] = [Self::NoRemarks, Self::Remarks, Self::NotApproved];

    pub fn label_sv(self) -> &'static str {
        match self {
            Self::NoRemarks => "Utan anmärkning",
            Self::Remarks => "Med anmärkning",
            Self::NotApproved => "Ej godkänd",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::NoRemarks => "no_remarks",
            Self::Remarks => "remarks",
            Self::NotApproved => "not_approved",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// One check made on a home: when, what it found and who made it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HomeCheck {
    pub kind: CheckKind,
    pub date: NaiveDate,
    pub result: CheckResult,
    pub made_by: PersonName,
    /// For a reference: which municipality; otherwise any remark.
    #[serde(default)]
    pub note: crate::domain::VisitNote,
}

impl Home {
    /// The latest check of each kind.
    pub fn latest_check(&self, kind: CheckKind) -> Option<&HomeCheck> {
        self.checks
            .iter()
            .filter(|c| c.kind == kind)
            .max_by_key(|c| c.date)
    }

    /// Required checks never made.
    pub fn missing_checks(&self) -> Vec<CheckKind> {
        CheckKind::required_for(self.kind)
            .iter()
            .copied()
            .filter(|k| self.latest_check(*k).is_none())
            .collect()
    }

    /// Checks whose latest result is "not approved".
    pub fn failed_checks(&self) -> Vec<CheckKind> {
        CheckKind::ALL
            .into_iter()
            .filter(|k| {
                self.latest_check(*k)
                    .is_some_and(|c| c.result == CheckResult::NotApproved)
            })
            .collect()
    }
}

/// Breakdowns and re-placements at a home in the last twelve months,
/// counted from the closings of placements there.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HomeHistory {
    /// Oplanerade avslut (avbrott).
    pub breakdowns: u32,
    /// Omplaceringar: the child moved on to another placement.
    pub replacements: u32,
}

impl HomeHistory {
    /// Counts the closings that ended within the twelve months up to and
    /// including `today` (from the same day a year before, exclusive).
    /// A closing that is both unplanned and a re-placement counts in both.
    pub fn count<'a>(
        closings: impl IntoIterator<Item = &'a PlacementClosing>,
        today: NaiveDate,
    ) -> Self {
        let from = today.checked_sub_months(Months::new(12)).unwrap_or(today);
        let mut history = Self::default();
        for closing in closings {
            if closing.end_date <= from || closing.end_date > today {
                continue;
            }
            if closing.kind == EndKind::Unplanned {
                history.breakdowns += 1;
            }
            if closing.replacement {
                history.replacements += 1;
            }
        }
        history
    }
}

/// A home as the register shows it: the record, its history and its flags.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HomeEntry {
    pub home: Home,
    pub history: HomeHistory,
    /// Current placements at the home.
    pub current_placements: u32,
    /// Deviations linked to the home (docs/deviations.md).
    #[serde(default)]
    pub deviations: u32,
    /// Complaints linked to the home (docs/complaints.md).
    #[serde(default)]
    pub complaints: u32,
}

impl HomeEntry {
    /// Whether the home should be flagged where a placement is chosen.
    pub fn is_flagged(&self) -> bool {
        self.history.breakdowns > 0
            || self.history.replacements > 0
            || !self.home.missing_checks().is_empty()
            || !self.home.failed_checks().is_empty()
    }
}

/// Days before a decision ends that it is warned about.
pub const DECISION_WARNING_DAYS: i64 = 30;
/// Months between considerations (övervägande / omprövning).
pub const CONSIDERATION_MONTHS: u32 = 6;

/// Where a placement's decision stands on a day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum DecisionStatus {
    /// No end or review date recorded.
    NoEndDate,
    Valid {
        until: NaiveDate,
    },
    /// Ends within [`DECISION_WARNING_DAYS`] (the last day included).
    EndsSoon {
        until: NaiveDate,
        days_left: i64,
    },
    /// The placement runs on an expired decision.
    Expired {
        until: NaiveDate,
        days_over: i64,
    },
}

/// Where the six-monthly consideration stands on a day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum ConsiderationStatus {
    Upcoming {
        due: NaiveDate,
    },
    /// Due within [`DECISION_WARNING_DAYS`].
    DueSoon {
        due: NaiveDate,
        days_left: i64,
    },
    Overdue {
        due: NaiveDate,
        days_over: i64,
    },
}

impl Placement {
    /// The decision's status on `today`.
    pub fn decision_status(&self, today: NaiveDate) -> DecisionStatus {
        let Some(until) = self.decision_until else {
            return DecisionStatus::NoEndDate;
        };
        let days_left = (until - today).num_days();
        if days_left < 0 {
            DecisionStatus::Expired {
                until,
                days_over: -days_left,
            }
        } else if days_left <= DECISION_WARNING_DAYS {
            DecisionStatus::EndsSoon { until, days_left }
        } else {
            DecisionStatus::Valid { until }
        }
    }

    /// When the next consideration is due: six months after the last one,
    /// or after the start.
    pub fn consideration_due(&self) -> NaiveDate {
        let from = self.last_consideration.unwrap_or(self.start_date);
        from.checked_add_months(Months::new(CONSIDERATION_MONTHS))
            .unwrap_or(NaiveDate::MAX)
    }

    pub fn consideration_status(&self, today: NaiveDate) -> ConsiderationStatus {
        let due = self.consideration_due();
        let days_left = (due - today).num_days();
        if days_left < 0 {
            ConsiderationStatus::Overdue {
                due,
                days_over: -days_left,
            }
        } else if days_left <= DECISION_WARNING_DAYS {
            ConsiderationStatus::DueSoon { due, days_left }
        } else {
            ConsiderationStatus::Upcoming { due }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{EndReason, LegalBasis, VisitNote, VisitorName};
    use crate::ids::{ChildId, ClosingId, PlacementId, UserId};

    fn day(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    fn placement(start: &str) -> Placement {
        Placement {
            id: PlacementId::new_random(),
            child_id: ChildId::new_random(),
            kind: PlacementKind::FosterHome,
            home_name: PersonName::parse("Familjen Berg").expect("name"),
            legal_basis: LegalBasis::Lvu,
            start_date: day(start),
            ..Placement::blank()
        }
    }

    fn closing(end: &str, kind: EndKind, replacement: bool) -> PlacementClosing {
        PlacementClosing {
            id: ClosingId::new_random(),
            child_id: ChildId::new_random(),
            placement_id: PlacementId::new_random(),
            end_date: day(end),
            kind,
            replacement,
            reason: Some(EndReason::NeedsNotMet),
            reason_text: VisitNote::default(),
            closing_note: VisitNote::parse("Avslut").expect("note"),
            signed_by: UserId::new_random(),
            signed_by_name: VisitorName::parse("Anna Lind").expect("name"),
            recorded_at: chrono::DateTime::default(),
        }
    }

    #[test]
    fn a_decision_is_warned_about_thirty_days_ahead_and_listed_once_expired() {
        let mut p = placement("2026-01-01");
        assert_eq!(
            p.decision_status(day("2026-06-01")),
            DecisionStatus::NoEndDate
        );
        p.decision_until = Some(day("2026-06-30"));
        assert_eq!(
            p.decision_status(day("2026-05-30")),
            DecisionStatus::Valid {
                until: day("2026-06-30")
            }
        );
        assert_eq!(
            p.decision_status(day("2026-05-31")),
            DecisionStatus::EndsSoon {
                until: day("2026-06-30"),
                days_left: 30
            }
        );
        assert_eq!(
            p.decision_status(day("2026-06-30")),
            DecisionStatus::EndsSoon {
                until: day("2026-06-30"),
                days_left: 0
            }
        );
        assert_eq!(
            p.decision_status(day("2026-07-02")),
            DecisionStatus::Expired {
                until: day("2026-06-30"),
                days_over: 2
            }
        );
    }

    #[test]
    fn the_consideration_is_due_six_months_after_the_last_or_the_start() {
        let mut p = placement("2026-08-31");
        assert_eq!(p.consideration_due(), day("2027-02-28"));
        p.last_consideration = Some(day("2027-02-20"));
        assert_eq!(p.consideration_due(), day("2027-08-20"));
        assert_eq!(
            p.consideration_status(day("2027-08-21")),
            ConsiderationStatus::Overdue {
                due: day("2027-08-20"),
                days_over: 1
            }
        );
    }

    #[test]
    fn history_counts_the_last_twelve_months_only() {
        let today = day("2026-12-04");
        let closings = [
            closing("2026-12-04", EndKind::Unplanned, true),
            closing("2026-03-01", EndKind::Unplanned, false),
            closing("2026-02-01", EndKind::Planned, true),
            closing("2025-12-04", EndKind::Unplanned, true),
            closing("2026-12-05", EndKind::Unplanned, true),
        ];
        assert_eq!(
            HomeHistory::count(&closings, today),
            HomeHistory {
                breakdowns: 2,
                replacements: 2
            }
        );
    }

    #[test]
    fn family_homes_need_every_check_and_a_failed_one_flags() {
        let mut home = Home {
            id: HomeId::new_random(),
            unit_id: UnitId::new_random(),
            kind: PlacementKind::FosterHome,
            name: PersonName::parse("Familjen Berg").expect("name"),
            external_id: None,
            contact: HomeContact::default(),
            checks: Vec::new(),
        };
        assert_eq!(home.missing_checks(), CheckKind::ALL.to_vec());
        for kind in CheckKind::ALL {
            home.checks.push(HomeCheck {
                kind,
                date: day("2026-01-10"),
                result: CheckResult::NoRemarks,
                made_by: PersonName::parse("Anna Lind").expect("name"),
                note: VisitNote::default(),
            });
        }
        let entry = |home: &Home| HomeEntry {
            home: home.clone(),
            history: HomeHistory::default(),
            current_placements: 0,
            deviations: 0,
            complaints: 0,
        };
        assert!(!entry(&home).is_flagged());
        home.checks.push(HomeCheck {
            kind: CheckKind::Violence,
            date: day("2026-06-10"),
            result: CheckResult::NotApproved,
            made_by: PersonName::parse("Anna Lind").expect("name"),
            note: VisitNote::default(),
        });
        assert_eq!(home.failed_checks(), vec![CheckKind::Violence]);
        assert!(entry(&home).is_flagged());
        home.kind = PlacementKind::ResidentialCare;
        home.checks.clear();
        assert_eq!(
            home.missing_checks(),
            vec![CheckKind::CommercialOperation, CheckKind::Reference]
        );
    }

    #[test]
    fn personal_identity_numbers_are_never_external_ids() {
        use crate::domain::{ExternalId, ExternalIdError};
        for pnr in [
            "20120304-1234",
            "201203041234",
            "120304-1234",
            "1203041234",
            "120364-1234",
        ] {
            assert_eq!(
                ExternalId::parse(pnr),
                Err(ExternalIdError::PersonalIdentityNumber),
                "{pnr}"
            );
        }
        for ok in ["BARN-0001", "1234", "procapita:98765", "2026-000123"] {
            assert!(ExternalId::parse(ok).is_ok(), "{ok}");
        }
        assert_eq!(ExternalId::parse("a b"), Err(ExternalIdError::Character));
        assert_eq!(ExternalId::parse(" "), Err(ExternalIdError::Empty));
    }
}
