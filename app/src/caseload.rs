//! The caseload as the social worker sees it: each child with the current
//! placement and the next visit due, most urgent first. Pure, from records.

use crate::i18n::td_string;
use crate::language::Language;
use chrono::NaiveDate;
use shared::protocol::Conflict;
use shared::protocol::Record;
pub use shared::schedule::current_placement;
use shared::schedule::{child_schedule, due_status, DueStatus, NextVisit};
use shared::{Child, ChildId, Placement, Visit, VisitAmendment};
use std::collections::HashMap;

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ChildOverview {
    pub child: Child,
    pub placement: Option<Placement>,
    pub next_visit: Option<NextVisit>,
    pub due: Option<DueStatus>,
    /// Every placement, latest first.
    pub placements: Vec<Placement>,
    /// Visits, newest first.
    pub visits: Vec<Visit>,
    /// Corrections to visits, oldest first.
    pub amendments: Vec<VisitAmendment>,
    /// Edits that disagreed and wait for a person to choose.
    pub open_conflicts: Vec<Conflict>,
    /// How placements ended, with their closing notes.
    pub closings: Vec<shared::PlacementClosing>,
    /// Checklist ticks of every placement, oldest first (the latest tick of
    /// an item is its state).
    pub ticks: Vec<shared::checklist::ChecklistTick>,
    /// Visits filed in the case-management record ("förd till akt").
    pub filed: Vec<shared::export::FiledMark>,
}

/// Groups records by child and works out what is due.
pub fn overview(records: Vec<Record>, today: NaiveDate) -> Vec<ChildOverview> {
    let mut children: HashMap<ChildId, Child> = HashMap::new();
    let mut placements: HashMap<ChildId, Vec<Placement>> = HashMap::new();
    let mut visits: HashMap<ChildId, Vec<Visit>> = HashMap::new();
    let mut amendments: HashMap<ChildId, Vec<VisitAmendment>> = HashMap::new();
    let mut conflicts: HashMap<ChildId, Vec<Conflict>> = HashMap::new();
    let mut closings: HashMap<ChildId, Vec<shared::PlacementClosing>> = HashMap::new();
    let mut ticks: HashMap<ChildId, Vec<shared::checklist::ChecklistTick>> = HashMap::new();
    let mut filed: HashMap<ChildId, Vec<shared::export::FiledMark>> = HashMap::new();
    for record in records {
        match record {
            Record::Child(c) => {
                children.insert(c.id, c);
            }
            Record::Placement(p) => placements.entry(p.child_id).or_default().push(p),
            Record::Visit(v) => visits.entry(v.child_id).or_default().push(v),
            Record::VisitAmendment(a) => amendments.entry(a.child_id).or_default().push(a),
            Record::Conflict(c) if c.resolution.is_none() => {
                conflicts.entry(c.target.child_id).or_default().push(c);
            }
            Record::PlacementClosing(c) => closings.entry(c.child_id).or_default().push(c),
            Record::ChecklistTick(t) => ticks.entry(t.child_id).or_default().push(t),
            Record::VisitFiled(f) => filed.entry(f.child_id).or_default().push(f),
            Record::Conflict(_) | Record::Deleted(_) => {}
        }
    }
    let mut rows: Vec<ChildOverview> = children
        .into_values()
        .map(|child| {
            let mut ps = placements.remove(&child.id).unwrap_or_default();
            ps.sort_by_key(|p| std::cmp::Reverse(p.start_date));
            let mut amended = amendments.remove(&child.id).unwrap_or_default();
            amended.sort_by_key(|a| a.recorded_at);
            let mut vs = visits.remove(&child.id).unwrap_or_default();
            vs.sort_by(|a, b| {
                b.visit_date
                    .cmp(&a.visit_date)
                    .then(b.recorded_at.cmp(&a.recorded_at))
            });
            let placement = current_placement(&ps, today).cloned();
            let next_visit = child_schedule(&ps, &vs, today).next_visit();
            let due = next_visit.map(|n| due_status(n.due_date, today));
            let mut child_ticks = ticks.remove(&child.id).unwrap_or_default();
            child_ticks.sort_by(|a, b| a.ticked_at.cmp(&b.ticked_at).then(a.id.cmp(&b.id)));
            ChildOverview {
                open_conflicts: conflicts.remove(&child.id).unwrap_or_default(),
                closings: closings.remove(&child.id).unwrap_or_default(),
                ticks: child_ticks,
                filed: filed.remove(&child.id).unwrap_or_default(),
                child,
                placement,
                placements: ps,
                next_visit,
                due,
                visits: vs,
                amendments: amended,
            }
        })
        .collect();
    sort_rows(&mut rows);
    rows
}

/// Most urgent first: by the next visit's due date, children with none
/// last, then by name.
fn sort_rows(rows: &mut [ChildOverview]) {
    rows.sort_by(|a, b| {
        let key = |r: &ChildOverview| r.next_visit.map(|n| n.due_date);
        match (key(a), key(b)) {
            (Some(x), Some(y)) => x.cmp(&y),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        }
        .then_with(|| a.child.full_name().cmp(&b.child.full_name()))
    });
}

/// `rows` brought forward: the rows of the `changed` children replaced by
/// `fresh`, worked out from those children's records as they are now. A
/// changed child with no fresh row is gone from the device.
pub fn replace_rows(
    rows: Vec<ChildOverview>,
    changed: &std::collections::BTreeSet<ChildId>,
    fresh: Vec<ChildOverview>,
) -> Vec<ChildOverview> {
    let mut rows: Vec<ChildOverview> = rows
        .into_iter()
        .filter(|row| !changed.contains(&row.child.id))
        .chain(
            fresh
                .into_iter()
                .filter(|row| changed.contains(&row.child.id)),
        )
        .collect();
    sort_rows(&mut rows);
    rows
}

/// What the records store holds, in figures that change with every write:
/// a snapshot made at one stamp is the caseload exactly while the stamp is
/// the same (read without opening a sealed value or counting records).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StoreStamp {
    /// Counts every write to the records that moves neither the cursor nor
    /// the outbox's newest key: a child's history written, children held or
    /// forgotten, changes the server answered (the outbox may be back as it
    /// was), records a new feed epoch dropped.
    pub records_rev: u64,
    /// The pull cursor: moves with every page pulled.
    pub cursor: u64,
    /// Pending changes, and the newest one's outbox key (keys only grow).
    pub pending: u64,
    pub last_pending_key: u64,
    /// The number of the last write noted in the store's `changed` list:
    /// the children written after it are those a snapshot made here lacks
    /// (`stored::changed_since`).
    #[serde(default)]
    pub change_seq: u64,
}

/// The caseload as last worked out, sealed on the device, so that a reload
/// shows "Mina barn" after opening one value instead of every record. Used
/// only while nothing has been written since and only on the day it was
/// made (what is due depends on the day). Made by the same build of the
/// app, it is the caseload itself; made by another (or one that could not
/// tell), it is shown until every record has been read again, since the
/// new build may work out what is due differently.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CaseloadSnapshot {
    pub stamp: StoreStamp,
    pub today: NaiveDate,
    /// The build of the app that made it (its module's content hash).
    #[serde(default)]
    pub build: Option<String>,
    pub rows: Vec<ChildOverview>,
}

/// A snapshot that is current: its rows, and whether they are the whole
/// answer or wait for every record to be read again.
#[derive(Clone, Debug, PartialEq)]
pub struct CurrentSnapshot {
    pub rows: Vec<ChildOverview>,
    pub same_build: bool,
}

impl CaseloadSnapshot {
    /// The rows as the caseload shows them: visits, corrections and
    /// conflicts stay behind (the child's page loads its own).
    pub fn new(
        stamp: StoreStamp,
        today: NaiveDate,
        build: Option<String>,
        rows: &[ChildOverview],
    ) -> Self {
        Self {
            stamp,
            today,
            build,
            rows: rows
                .iter()
                .map(|row| ChildOverview {
                    visits: Vec::new(),
                    amendments: Vec::new(),
                    open_conflicts: Vec::new(),
                    ..row.clone()
                })
                .collect(),
        }
    }

    /// The change number from which this snapshot can be brought forward
    /// child by child (`replace_rows`): made by the running build, on
    /// `today`. Made on another day, what is due has moved for every child;
    /// by another build, it may be worked out differently.
    pub fn changes_from(&self, today: NaiveDate, build: Option<&str>) -> Option<u64> {
        (self.today == today && build.is_some() && self.build.as_deref() == build)
            .then_some(self.stamp.change_seq)
    }

    /// The children whose records to read to bring this snapshot forward,
    /// given those written since its number (`None`: every child may have
    /// been). `None` when every record is to be read instead: then, or
    /// when more than half of the children changed, reading them one by one
    /// through the index costs more than reading every record at once.
    pub fn children_to_read(
        &self,
        changed: Option<std::collections::BTreeSet<ChildId>>,
    ) -> Option<std::collections::BTreeSet<ChildId>> {
        changed.filter(|changed| changed.len() * 2 <= self.rows.len())
    }

    pub fn rows_if_current(
        self,
        stamp: StoreStamp,
        today: NaiveDate,
        build: Option<&str>,
    ) -> Option<CurrentSnapshot> {
        let same_build = build.is_some() && self.build.as_deref() == build;
        (self.stamp == stamp && self.today == today).then_some(CurrentSnapshot {
            rows: self.rows,
            same_build,
        })
    }
}

/// The build hash in the main module's path, `/barnbesok-app-<hash>.js`
/// (`shared::is_build_hash`).
pub fn build_from_module_path(path: &str) -> Option<&str> {
    let hash = path.strip_prefix("/barnbesok-app-")?.strip_suffix(".js")?;
    shared::is_build_hash(hash).then_some(hash)
}

/// What "Mina barn" is narrowed to.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CaseloadFilter {
    /// Part of the child's name, any case.
    pub text: String,
    pub kind: Option<shared::PlacementKind>,
    pub due: DueWithin,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DueWithin {
    #[default]
    Any,
    Overdue,
    /// Due by the end of this ISO week (Sunday), overdue included.
    ThisWeek,
    /// Due by the end of this month, overdue included.
    ThisMonth,
}

impl CaseloadFilter {
    pub fn matches(&self, row: &ChildOverview, today: NaiveDate) -> bool {
        let text = self.text.trim().to_lowercase();
        if !text.is_empty() && !row.child.full_name().to_lowercase().contains(&text) {
            return false;
        }
        if let Some(kind) = self.kind {
            if row.placement.as_ref().map(|p| p.kind) != Some(kind) {
                return false;
            }
        }
        let due = row.next_visit.map(|n| n.due_date);
        match self.due {
            DueWithin::Any => true,
            DueWithin::Overdue => due.is_some_and(|d| d < today),
            DueWithin::ThisWeek => {
                let days_left =
                    6 - i64::from(chrono::Datelike::weekday(&today).num_days_from_monday());
                due.is_some_and(|d| d <= today + chrono::Duration::days(days_left))
            }
            DueWithin::ThisMonth => due.is_some_and(|d| {
                chrono::Datelike::year(&d) < chrono::Datelike::year(&today)
                    || (chrono::Datelike::year(&d) == chrono::Datelike::year(&today)
                        && chrono::Datelike::month(&d) <= chrono::Datelike::month(&today))
            }),
        }
    }
}

/// The due status in `language`, e.g. "Försenat 12 dagar (senast 12 nov. 2026)".
pub fn due_text(due: DueStatus, due_date: NaiveDate, language: Language) -> String {
    let locale = language.locale();
    let date = language.date(due_date);
    match due {
        DueStatus::Overdue { days } => {
            td_string!(locale, caseload.due_overdue, count = days, date = date)
        }
        DueStatus::DueSoon { days: 0 } => {
            td_string!(locale, caseload.due_today, date = date)
        }
        DueStatus::DueSoon { days: 1 } => {
            td_string!(locale, caseload.due_tomorrow, date = date)
        }
        DueStatus::DueSoon { days } | DueStatus::Later { days } => {
            td_string!(locale, caseload.due_in_days, count = days, date = date)
        }
    }
}

#[cfg(test)]
mod filter_tests {
    use super::*;
    use shared::schedule::{DueReason, NextVisit};

    fn row(name: &str, due: Option<NaiveDate>) -> ChildOverview {
        let child = Child {
            id: ChildId::new_random(),
            given_name: shared::PersonName::parse(name).expect("name"),
            family_name: shared::PersonName::parse("Testsson").expect("name"),
            birth_date: NaiveDate::from_ymd_opt(2015, 1, 1).expect("date"),
            sex: shared::Sex::NotRecorded,
            has_disability: false,
            unit_id: None,
            external_id: None,
        };
        ChildOverview {
            filed: Vec::new(),
            child,
            placement: None,
            next_visit: due.map(|due_date| NextVisit {
                due_date,
                reason: DueReason::FirstVisitAfterPlacement,
                placement_id: shared::PlacementId::new_random(),
            }),
            due: None,
            placements: Vec::new(),
            visits: Vec::new(),
            amendments: Vec::new(),
            open_conflicts: Vec::new(),
            closings: Vec::new(),
            ticks: Vec::new(),
        }
    }

    #[test]
    fn filters_by_name_and_by_when_a_visit_is_due() {
        // Wednesday 25 November 2026.
        let today = NaiveDate::from_ymd_opt(2026, 11, 25).expect("date");
        let d = |day| NaiveDate::from_ymd_opt(2026, 11, day);
        let overdue = row("Alva", d(20));
        let sunday = row("Noah", d(29));
        let next_week = row("Elsa", d(30));
        let none = row("Liam", None);
        let pass = |f: &CaseloadFilter| {
            [&overdue, &sunday, &next_week, &none]
                .into_iter()
                .filter(|r| f.matches(r, today))
                .map(|r| r.child.given_name.to_string())
                .collect::<Vec<_>>()
        };
        let by = |due| CaseloadFilter {
            due,
            ..CaseloadFilter::default()
        };
        assert_eq!(pass(&by(DueWithin::Any)).len(), 4);
        assert_eq!(pass(&by(DueWithin::Overdue)), ["Alva"]);
        assert_eq!(pass(&by(DueWithin::ThisWeek)), ["Alva", "Noah"]);
        assert_eq!(pass(&by(DueWithin::ThisMonth)), ["Alva", "Noah", "Elsa"]);
        let named = CaseloadFilter {
            text: " noA ".into(),
            ..CaseloadFilter::default()
        };
        assert_eq!(pass(&named), ["Noah"]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stored::tests::visit_for;
    use shared::{LegalBasis, PersonName, PlacementId, PlacementKind};

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    fn child(name: &str) -> Child {
        Child {
            id: ChildId::new_random(),
            given_name: PersonName::parse(name).expect("valid"),
            family_name: PersonName::parse("Exempelsson").expect("valid"),
            birth_date: d(2015, 5, 1),
            sex: shared::Sex::NotRecorded,
            has_disability: false,
            unit_id: None,
            external_id: None,
        }
    }

    fn placed(child: &Child, start: NaiveDate) -> Placement {
        Placement {
            id: PlacementId::new_random(),
            child_id: child.id,
            kind: PlacementKind::FosterHome,
            home_name: PersonName::parse("Familjen Berg").expect("valid"),
            legal_basis: LegalBasis::SoL,
            start_date: start,
            ..Placement::blank()
        }
    }

    #[test]
    fn most_overdue_child_comes_first() {
        let today = d(2026, 11, 24);
        let a = child("Alva");
        let b = child("Bo");
        let mut visit_b = visit_for(b.id);
        visit_b.visit_date = d(2026, 7, 1);
        let records = vec![
            Record::Child(a.clone()),
            Record::Placement(placed(&a, d(2026, 11, 20))),
            Record::Child(b.clone()),
            Record::Placement(placed(&b, d(2026, 1, 1))),
            Record::Visit(visit_b),
        ];
        let rows = overview(records, today);
        assert_eq!(rows[0].child.id, b.id, "Bo's visit was due 2026-10-01");
        assert_eq!(rows[0].due, Some(DueStatus::Overdue { days: 54 }));
        assert_eq!(
            rows[1].next_visit.map(|n| n.due_date),
            Some(d(2026, 11, 27))
        );
    }

    fn stamp() -> StoreStamp {
        StoreStamp {
            records_rev: 2,
            cursor: 17,
            pending: 0,
            last_pending_key: 4,
            change_seq: 9,
        }
    }

    #[test]
    fn a_snapshot_shows_the_same_rows_while_nothing_changed_that_day() {
        let today = d(2026, 11, 24);
        let b = child("Bo");
        let mut visit_b = visit_for(b.id);
        visit_b.visit_date = d(2026, 7, 1);
        let rows = overview(
            vec![
                Record::Child(b.clone()),
                Record::Placement(placed(&b, d(2026, 1, 1))),
                Record::Visit(visit_b),
            ],
            today,
        );
        let build = Some("5e1f2a9b0c3d4e6f");
        let json = serde_json::to_string(&CaseloadSnapshot::new(
            stamp(),
            today,
            build.map(str::to_owned),
            &rows,
        ))
        .expect("encodes");
        assert!(
            !json.contains("visit_date"),
            "visits stay out of the snapshot"
        );
        let snapshot: CaseloadSnapshot = serde_json::from_str(&json).expect("decodes");

        let current = snapshot
            .clone()
            .rows_if_current(stamp(), today, build)
            .expect("current");
        assert!(current.same_build, "the whole caseload, nothing to read");
        let shown = current.rows;
        assert_eq!(shown[0].child, rows[0].child);
        assert_eq!(shown[0].next_visit, rows[0].next_visit);
        assert_eq!(shown[0].due, Some(DueStatus::Overdue { days: 54 }));

        assert_eq!(
            snapshot
                .clone()
                .rows_if_current(stamp(), d(2026, 11, 25), build),
            None,
            "another day"
        );
        for changed in [
            StoreStamp {
                cursor: 18,
                ..stamp()
            },
            StoreStamp {
                pending: 1,
                last_pending_key: 5,
                ..stamp()
            },
            StoreStamp {
                pending: 0,
                last_pending_key: 5,
                ..stamp()
            },
            StoreStamp {
                records_rev: 3,
                ..stamp()
            },
            StoreStamp {
                change_seq: 10,
                ..stamp()
            },
        ] {
            assert_eq!(
                snapshot.clone().rows_if_current(changed, today, build),
                None,
                "{changed:?}"
            );
        }
    }

    #[test]
    fn the_build_is_read_from_the_main_modules_name() {
        assert_eq!(
            build_from_module_path("/barnbesok-app-5e1f2a9b0c3d4e6f.js"),
            Some("5e1f2a9b0c3d4e6f")
        );
        assert_eq!(
            build_from_module_path("/barnbesok-app-d56dbe22315d982.js"),
            Some("d56dbe22315d982"),
            "a hash with its leading zero dropped"
        );
        for other in [
            "/barnbesok-app.js",
            "/barnbesok-app-.js",
            "/barnbesok-app-5e1f2a9b0c3.js",
            "/barnbesok-app-5e1f2a9b0c3d4e6fa.js",
            "/barnbesok-app-5e1f2a9b0c3d4e6g.js",
            "/barnbesok-parts-5e1f2a9b0c3d4e6f.js",
            "/barnbesok-app-5e1f2a9b0c3d4e6f_bg.wasm",
        ] {
            assert_eq!(build_from_module_path(other), None, "{other}");
        }
    }

    #[test]
    fn a_snapshot_from_another_build_is_shown_until_every_record_is_read_again() {
        let today = d(2026, 11, 24);
        let b = child("Bo");
        let rows = overview(
            vec![
                Record::Child(b.clone()),
                Record::Placement(placed(&b, d(2026, 1, 1))),
            ],
            today,
        );
        let made = |build: Option<&str>| {
            CaseloadSnapshot::new(stamp(), today, build.map(str::to_owned), &rows)
        };
        for (snapshot, running, why) in [
            (
                made(Some("aaaa1111bbbb2222")),
                Some("cccc3333dddd4444"),
                "an update",
            ),
            (
                made(Some("aaaa1111bbbb2222")),
                None,
                "this build cannot tell",
            ),
            (made(None), None, "neither could tell"),
        ] {
            let current = snapshot
                .rows_if_current(stamp(), today, running)
                .expect("still current: nothing was written");
            assert!(!current.same_build, "{why}");
            assert_eq!(current.rows.len(), 1, "{why}: shown meanwhile");
        }
        // Saved by the version before builds were recorded.
        let json = serde_json::to_string(&made(Some("x"))).expect("encodes");
        let older = json.replace(r#""build":"x","#, "");
        assert!(!older.contains("build"), "{older}");
        let snapshot: CaseloadSnapshot = serde_json::from_str(&older).expect("decodes");
        let current = snapshot
            .rows_if_current(stamp(), today, Some("x"))
            .expect("current");
        assert!(!current.same_build);
    }

    #[test]
    fn a_snapshot_is_brought_forward_by_the_children_written_since() {
        let today = d(2026, 11, 24);
        let (alva, bo, cleo) = (child("Alva"), child("Bo"), child("Cleo"));
        let records_of = |c: &Child, placed_on| {
            vec![
                Record::Child(c.clone()),
                Record::Placement(placed(c, placed_on)),
            ]
        };
        let (alva_records, bo_records, cleo_records) = (
            records_of(&alva, d(2026, 11, 20)),
            records_of(&bo, d(2026, 1, 1)),
            records_of(&cleo, d(2026, 11, 22)),
        );
        let everyone = [alva_records.clone(), bo_records.clone(), cleo_records].concat();
        let build = Some("5e1f2a9b0c3d4e6f");
        let snapshot = CaseloadSnapshot::new(
            stamp(),
            today,
            build.map(str::to_owned),
            &overview(everyone, today),
        );
        let from = snapshot
            .changes_from(today, build)
            .expect("same build, same day");
        assert_eq!(from, 9);

        // Since: Bo visited (no longer overdue), Cleo forgotten, Alva as before.
        let mut visit = visit_for(bo.id);
        visit.visit_date = d(2026, 11, 23);
        let mut bo_now = bo_records;
        bo_now.push(Record::Visit(visit));
        let changed = std::collections::BTreeSet::from([bo.id, cleo.id]);
        let brought = replace_rows(
            snapshot.rows.clone(),
            &changed,
            overview(bo_now.clone(), today),
        );

        let mut now = alva_records;
        now.extend(bo_now);
        let full = overview(now, today);
        let ids = |rows: &[ChildOverview]| rows.iter().map(|r| r.child.id).collect::<Vec<_>>();
        assert_eq!(
            ids(&brought),
            ids(&full),
            "the same children in the same order"
        );
        for (b, f) in brought.iter().zip(&full) {
            assert_eq!(
                (b.next_visit, b.due, &b.placement),
                (f.next_visit, f.due, &f.placement)
            );
        }
        assert_eq!(
            brought[1].child.id, bo.id,
            "Bo's next visit is three months on"
        );

        let only_bo = std::collections::BTreeSet::from([bo.id]);
        assert_eq!(
            snapshot.children_to_read(Some(only_bo.clone())),
            Some(only_bo),
            "one of three children: read alone"
        );
        assert_eq!(
            snapshot.children_to_read(Some(changed)),
            None,
            "two of three, more than half: every record"
        );
        assert_eq!(
            snapshot.children_to_read(None),
            None,
            "every child may have"
        );
        assert_eq!(
            snapshot.changes_from(d(2026, 11, 25), build),
            None,
            "another day"
        );
        assert_eq!(
            snapshot.changes_from(today, Some("cccc3333dddd4444")),
            None,
            "another build"
        );
        assert_eq!(
            snapshot.changes_from(today, None),
            None,
            "a build that cannot tell"
        );
    }

    #[test]
    fn due_text_reads_naturally() {
        let swedish = Language::Swedish;
        assert_eq!(
            due_text(DueStatus::Overdue { days: 3 }, d(2026, 11, 21), swedish),
            "Försenat 3 dagar (senast 21 nov. 2026)"
        );
        assert_eq!(
            due_text(DueStatus::Overdue { days: 1 }, d(2026, 11, 23), swedish),
            "Försenat 1 dag (senast 23 nov. 2026)"
        );
        assert_eq!(
            due_text(DueStatus::DueSoon { days: 0 }, d(2026, 11, 24), swedish),
            "Besök senast i dag (24 nov. 2026)"
        );
        assert_eq!(
            due_text(DueStatus::Later { days: 30 }, d(2026, 12, 24), swedish),
            "Besök senast 24 dec. 2026 (om 30 dagar)"
        );
    }

    #[test]
    fn due_text_in_english() {
        let english = Language::English;
        assert_eq!(
            due_text(DueStatus::Overdue { days: 3 }, d(2026, 11, 21), english),
            "Overdue by 3 days (due 21 Nov 2026)"
        );
        assert_eq!(
            due_text(DueStatus::Overdue { days: 1 }, d(2026, 11, 23), english),
            "Overdue by 1 day (due 23 Nov 2026)"
        );
        assert_eq!(
            due_text(DueStatus::DueSoon { days: 0 }, d(2026, 11, 24), english),
            "Visit due today (24 Nov 2026)"
        );
        assert_eq!(
            due_text(DueStatus::DueSoon { days: 1 }, d(2026, 11, 25), english),
            "Visit due tomorrow (25 Nov 2026)"
        );
        assert_eq!(
            due_text(DueStatus::Later { days: 30 }, d(2026, 12, 24), english),
            "Visit due by 24 Dec 2026 (in 30 days)"
        );
    }
}
