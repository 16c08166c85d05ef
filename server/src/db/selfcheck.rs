//! The self-check (egenkontroll, issue 16): each placed child's facts for a
//! period, computed in SQL (one text for both backends), then summed into
//! tables by `shared::selfcheck::build_tables`; the lists that name
//! children (overdue now, broken intervals, most changes, endings); and the
//! monthly case reviews. The definitions are in `docs/selfcheck.md`. Who may
//! read what is decided before (`crate::access`); the caller logs the reads.

use super::accounts::{role, UserRow};
use super::audit::Who;
use super::column::{parse_cast, parse_iso, FromRow, IdList, Row};
use super::register::decisions_among;
use super::rows::{from_serde_name, ChildRow, PlacementRow};
use super::statement::{Stmt, Tx};
use super::{Database, DbError};
use chrono::{DateTime, Datelike, Days, Months, NaiveDate, Utc};
use shared::auth::UnitSummary;
use shared::domain::{EndKind, EndReason, NotAloneReason, PlacementKind, VisitorRole};
use shared::register::{ConsiderationStatus, DecisionStatus};
use shared::schedule::{next_visit_due, FIRST_VISIT_WITHIN_DAYS, MONTHS_BETWEEN_VISITS};
use shared::selfcheck::{
    build_tables, AgeGroup, BrokenInterval, CaseReview, CaseReviewView, ChildFacts, ContinuityRow,
    EndingFact, EndingRow, GroupBy, Informed, MonthlyVisits, OverdueKind, OverdueRow, Period,
    ReviewChild, SelfCheckReport, VisitWithoutView, WorkerRef, MOST_CHANGES_LISTED,
};
use shared::{Child, ChildId, HomeId, Placement, PlacementId, UnitId, UserId, Visit, VisitId};
use std::collections::{BTreeMap, BTreeSet};

/// What a report is asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SelfCheckQuery {
    pub period: Period,
    pub group_by: GroupBy,
    /// The day "overdue now" is computed for, and before which due dates
    /// count as passed.
    pub today: NaiveDate,
}

/// The children of one period: each one's facts and name.
#[derive(Clone, Debug, Default)]
pub struct PeriodFacts {
    pub facts: Vec<ChildFacts>,
    pub names: BTreeMap<ChildId, String>,
    pub broken_intervals: Vec<BrokenInterval>,
    pub endings: Vec<EndingRow>,
}

/// A counting visit, in SQL: in person, by a social worker or a consultant
/// (`Visit::counts_for_schedule`).
macro_rules! counting {
    ($v:literal) => {
        concat!(
            $v,
            ".contact = 'in_person' AND ",
            $v,
            ".visitor_role <> 'disability_officer'"
        )
    };
}

/// A date's month key, `y*1200 + m*100 + d`: `b` is later than three
/// calendar months after `a` (clamped at the month's end) exactly when
/// `key(b) > key(a) + 300`.
fn key(date: NaiveDate) -> i64 {
    i64::from(date.year()) * 1200 + i64::from(date.month()) * 100 + i64::from(date.day())
}

/// How far a month key of three months later can fall below `key + 300`
/// (31 May + 3 months = 31 August, but 30 November + 3 = 28 February).
const CLAMP_SLACK: i64 = 3;

/// A visit as the report reads it, stored with the visit
/// (`visits.selfcheck_entry`, migration 0017 for the visits before it): its
/// date, a digit of who and how (1 a disability-area officer, 2 a
/// consultant, 4 talked alone), a digit of the child's view (1 written down,
/// 2 a reason for not talking alone), and, unless by an officer, who made
/// it: the signing user's id, else `~` and the visitor's name.
pub(crate) fn visit_entry(visit: &Visit) -> String {
    let officer = visit.visitor_role == VisitorRole::DisabilityOfficer;
    let how = u8::from(officer)
        + 2 * u8::from(visit.visitor_role == VisitorRole::Consultant)
        + 4 * u8::from(visit.talked_alone);
    let view = u8::from(visit.has_child_view()) + 2 * u8::from(visit.not_alone_reason.is_some());
    let who = match (officer, visit.signed_by) {
        (true, _) => String::new(),
        (false, Some(user)) => user.as_uuid().hyphenated().to_string(),
        (false, None) => format!("~{}", visit.visitor.as_str()),
    };
    format!("{}{how}{view}{who}", visit.visit_date)
}

/// The children of `units`, packed into one text (one row, not thousands:
/// SQLite's driver pays for each row and each value in it). Each child
/// (apart by `$5`) is its fields apart by `$4`: id, given name, family
/// name, birth date, sex, 1 with a disability else 0, unit, external id,
/// its last counting visit before `$2`, and its in-person visits from `$2`
/// on (each its [`visit_entry`], apart by `$3`). [`ChildEntry::unpack`]
/// reads it back.
const CHILDREN_WITH_VISITS_SQL: &str = concat!(
    "SELECT string_agg(CAST(c.id AS TEXT) || $4 || c.given_name || $4 || c.family_name \
     || $4 || CAST(c.birth_date AS TEXT) || $4 || c.sex || $4 \
     || CASE WHEN c.has_disability = TRUE THEN '1' ELSE '0' END || $4 \
     || CAST(c.unit_id AS TEXT) || $4 || COALESCE(c.external_id, '') || $4 \
     || COALESCE(CAST((SELECT MAX(v.visit_date) FROM visits v WHERE v.child_id = c.id AND ",
    counting!("v"),
    " AND v.visit_date < $2) AS TEXT), '') || $4 \
     || COALESCE((SELECT string_agg(v.selfcheck_entry, $3) FROM visits v \
     WHERE v.child_id = c.id AND v.contact = 'in_person' AND v.visit_date >= $2), ''), $5) \
     AS packed FROM children c WHERE c.unit_id = ANY($1)"
);

/// Between two packed visits: a control character, which no name holds.
/// (Chars, not one-letter strings: a `char` splits with `memchr`.)
const VISIT_SEPARATOR: char = '\u{1e}';
/// Between two packed children or placements.
const RECORD_SEPARATOR: char = '\u{1d}';
/// Between the fields of a packed child or placement.
const FIELD_SEPARATOR: char = '\u{1f}';

/// The undeleted placements of the units' children, packed into one text
/// as [`CHILDREN_WITH_VISITS_SQL`] packs the children (fields apart by
/// `$2`, placements by `$3`): the columns of [`PlacementRow`] but
/// `deleted`, none as empty, 1 if it was closed else 0, and its
/// `information_given` (migration 0018). [`PlacementEntry::unpack`] reads it
/// back.
const PLACEMENTS_SQL: &str = "SELECT string_agg(CAST(p.id AS TEXT) || $2 \
     || CAST(p.child_id AS TEXT) || $2 || p.kind || $2 || p.home_name || $2 \
     || p.legal_basis || $2 || CAST(p.start_date AS TEXT) || $2 \
     || COALESCE(CAST(p.end_date AS TEXT), '') || $2 \
     || COALESCE(CAST(p.home_id AS TEXT), '') || $2 \
     || COALESCE(CAST(p.decision_date AS TEXT), '') || $2 \
     || COALESCE(p.decided_by, '') || $2 \
     || COALESCE(CAST(p.decision_until AS TEXT), '') || $2 \
     || COALESCE(CAST(p.last_consideration AS TEXT), '') || $2 \
     || COALESCE(p.external_id, '') || $2 \
     || CASE WHEN EXISTS (SELECT 1 FROM placement_closings e WHERE e.placement_id = p.id) \
     THEN '1' ELSE '0' END || $2 || p.information_given, $3) AS packed FROM placements p WHERE p.deleted = FALSE \
     AND p.child_id IN (SELECT id FROM children WHERE unit_id = ANY($1))";

/// Assignments (not cover) of the units' children, packed into one text
/// (one row, not thousands: see [`CHILDREN_WITH_VISITS_SQL`]): each is the child's id, the worker's id, and when it
/// starts and ends (none if open) apart by `/`. The workers come with
/// [`WORKERS_SQL`].
const ASSIGNMENTS_SQL: &str = "SELECT string_agg(CAST(a.child_id AS TEXT) \
     || CAST(a.user_id AS TEXT) || CAST(a.starts_at AS TEXT) || '/' \
     || COALESCE(CAST(a.ends_at AS TEXT), ''), ',') AS packed \
     FROM child_access a JOIN children c ON c.id = a.child_id \
     WHERE c.unit_id = ANY($1) AND a.kind = 'assigned'";

/// The users a report may name as workers.
const WORKERS_SQL: &str = "SELECT id, display_name, role FROM users";

/// Closings in `$2..=$3` of the units' undeleted placements.
const ENDINGS_SQL: &str = "SELECT e.child_id, e.placement_id, e.end_date, e.kind, \
     e.replacement, e.reason FROM placement_closings e \
     JOIN placements p ON p.id = e.placement_id JOIN children c ON c.id = e.child_id \
     WHERE c.unit_id = ANY($1) AND p.deleted = FALSE AND e.end_date >= $2 AND e.end_date <= $3";

struct Assignment {
    child_id: ChildId,
    starts_at: DateTime<Utc>,
    ends_at: Option<DateTime<Utc>>,
    worker: WorkerRef,
}

impl FromRow for WorkerRef {
    fn from_row(row: &Row) -> Result<Self, DbError> {
        Ok(Self {
            id: row.get("id")?,
            name: row.get("display_name")?,
            role: role(row, "users")?,
        })
    }
}

/// The assignments packed by [`ASSIGNMENTS_SQL`], each with its worker.
fn unpack_assignments(
    packed: &str,
    workers: &BTreeMap<UserId, WorkerRef>,
) -> Result<Vec<Assignment>, DbError> {
    let corrupt = || malformed("child_access");
    let mut out = Vec::new();
    for entry in packed.split(',').filter(|e| !e.is_empty()) {
        let child_id = ChildId::from_uuid(packed_id(entry, 0).ok_or_else(corrupt)?);
        let user_id = UserId::from_uuid(packed_id(entry, PACKED_ID).ok_or_else(corrupt)?);
        let (starts, ends) = entry
            .get(2 * PACKED_ID..)
            .and_then(|rest| rest.split_once('/'))
            .ok_or_else(corrupt)?;
        let worker = workers.get(&user_id).cloned().ok_or_else(corrupt)?;
        out.push(Assignment {
            child_id,
            starts_at: parse_cast(starts).ok_or_else(corrupt)?,
            ends_at: match ends {
                "" => None,
                ends => Some(parse_cast(ends).ok_or_else(corrupt)?),
            },
            worker,
        });
    }
    Ok(out)
}

#[derive(Clone, Copy, Default)]
struct VisitFacts {
    visits: u32,
    by_consultant: u32,
    alone: u32,
    with_view: u32,
    reason_without_view: u32,
    distinct_visitors: u32,
    officer_visits: u32,
}

/// The periods a report counts visits in: `now`, and the one before.
#[derive(Clone, Copy)]
struct Window {
    now: Period,
    previous: Option<Period>,
}

impl Window {
    /// The first day counted.
    fn from(&self) -> NaiveDate {
        self.previous.map_or(self.now.from, |p| p.from)
    }

    /// From when visits are read: an interval due in the window may have
    /// begun up to three months (and a day) before it.
    fn visits_from(&self) -> NaiveDate {
        self.from() - Months::new(MONTHS_BETWEEN_VISITS + 1)
    }
}

/// A child's visits as the report needs them.
#[derive(Default)]
struct ChildVisits {
    /// The counting visits from [`Window::visits_from`] on, in date order.
    counting: Vec<NaiveDate>,
    /// The last counting visit before that.
    before: Option<NaiveDate>,
    now: VisitFacts,
    previous: VisitFacts,
}

/// One child as [`CHILDREN_WITH_VISITS_SQL`] packs it.
struct ChildEntry<'a> {
    child: ChildRow,
    counted_before: Option<NaiveDate>,
    visits: &'a str,
}

impl<'a> ChildEntry<'a> {
    fn unpack(entry: &'a str) -> Result<Self, DbError> {
        let read = Unpacking("children");
        let [id, given_name, family_name, birth_date, sex, disability, unit, external_id, counted_before, visits] =
            read.fields(entry)?;
        Ok(Self {
            child: ChildRow {
                id: ChildId::from_uuid(read.uuid(id)?),
                given_name: given_name.to_owned(),
                family_name: family_name.to_owned(),
                birth_date: read.date(birth_date)?,
                sex: sex.to_owned(),
                has_disability: read.flag(disability)?,
                unit_id: Some(UnitId::from_uuid(read.uuid(unit)?)),
                external_id: optional_text(external_id),
            },
            counted_before: read.optional_date(counted_before)?,
            visits,
        })
    }
}

/// The one row of a statement that packs its rows into one text (`AS
/// packed`; none when it found no rows).
struct PackedText {
    packed: Option<String>,
}

impl FromRow for PackedText {
    fn from_row(row: &Row) -> Result<Self, DbError> {
        Ok(Self {
            packed: row.get("packed")?,
        })
    }
}

impl PackedText {
    fn text(&self) -> &str {
        self.packed.as_deref().unwrap_or_default()
    }
}

/// A packed text of `table`'s rows that does not read back.
fn malformed(table: &'static str) -> DbError {
    DbError::CorruptRow {
        table,
        reason: "a packed entry is malformed".to_owned(),
    }
}

fn corrupt_visits() -> DbError {
    malformed("visits")
}

/// Reads one packed entry of `table`: its fields, apart by
/// [`FIELD_SEPARATOR`], and each field as its column, a field that does
/// not read back being [`malformed`].
#[derive(Clone, Copy)]
struct Unpacking(&'static str);

impl Unpacking {
    fn fields<const N: usize>(self, entry: &str) -> Result<[&str; N], DbError> {
        let mut out = [""; N];
        let mut split = entry.split(FIELD_SEPARATOR);
        for field in &mut out {
            *field = split.next().ok_or_else(|| malformed(self.0))?;
        }
        match split.next() {
            Some(_) => Err(malformed(self.0)),
            None => Ok(out),
        }
    }

    fn uuid(self, text: &str) -> Result<uuid::Uuid, DbError> {
        uuid::Uuid::parse_str(text).map_err(|_| malformed(self.0))
    }

    fn date(self, text: &str) -> Result<NaiveDate, DbError> {
        parse_iso(text.as_bytes()).ok_or_else(|| malformed(self.0))
    }

    /// A date, none being empty.
    fn optional_date(self, text: &str) -> Result<Option<NaiveDate>, DbError> {
        (!text.is_empty()).then(|| self.date(text)).transpose()
    }

    /// `1` or `0`.
    fn flag(self, text: &str) -> Result<bool, DbError> {
        match text {
            "1" => Ok(true),
            "0" => Ok(false),
            _ => Err(malformed(self.0)),
        }
    }
}

/// A text, none being empty.
fn optional_text(text: &str) -> Option<String> {
    (!text.is_empty()).then(|| text.to_owned())
}

/// The length of an id cast to text (hyphenated, on both backends).
const PACKED_ID: usize = 36;

/// The id at `at` in a packed entry.
fn packed_id(entry: &str, at: usize) -> Option<uuid::Uuid> {
    entry
        .get(at..at + PACKED_ID)
        .and_then(|text| uuid::Uuid::parse_str(text).ok())
}

impl ChildVisits {
    /// The last counting visit within `placement`'s dates: the latest read
    /// from [`Window::visits_from`] on, else the last one before that.
    fn last_counting_in(&self, placement: &Placement) -> Option<NaiveDate> {
        let within = |d: &NaiveDate| {
            placement.start_date <= *d && placement.end_date.is_none_or(|end| *d <= end)
        };
        self.counting
            .iter()
            .rev()
            .find(|d| within(d))
            .or(self.before.as_ref().filter(|d| within(d)))
            .copied()
    }

    /// Unpacks `packed` ([`CHILDREN_WITH_VISITS_SQL`]), adding the counting
    /// visits of the window to `months` (by first of month: visits, talked
    /// alone).
    fn unpack(
        packed: &str,
        before: Option<NaiveDate>,
        window: &Window,
        months: &mut BTreeMap<NaiveDate, (u32, u32)>,
    ) -> Result<Self, DbError> {
        let mut out = Self {
            before,
            ..Self::default()
        };
        let (mut who_now, mut who_before): (Vec<&str>, Vec<&str>) = (Vec::new(), Vec::new());
        for entry in packed.split(VISIT_SEPARATOR).filter(|e| !e.is_empty()) {
            let bytes = entry.as_bytes();
            let (Some(date), Some(&how), Some(&view)) = (
                bytes.get(..10).and_then(parse_iso),
                bytes.get(10),
                bytes.get(11),
            ) else {
                return Err(corrupt_visits());
            };
            let (how, view) = (how.wrapping_sub(b'0'), view.wrapping_sub(b'0'));
            if how > 7 || view > 3 {
                return Err(corrupt_visits());
            }
            let officer = how & 1 != 0;
            if !officer {
                out.counting.push(date);
            }
            let (facts, who) = if window.now.contains(date) {
                (&mut out.now, &mut who_now)
            } else if window.previous.is_some_and(|p| p.contains(date)) {
                (&mut out.previous, &mut who_before)
            } else {
                continue;
            };
            if officer {
                facts.officer_visits += 1;
                continue;
            }
            let alone = how & 4 != 0;
            facts.visits += 1;
            facts.by_consultant += u32::from(how & 2 != 0);
            facts.alone += u32::from(alone);
            facts.with_view += u32::from(view & 1 != 0);
            facts.reason_without_view += u32::from(view == 2);
            // A signing user's id, else `~` and the visitor's name: two
            // kinds of people that never match.
            who.push(entry.get(12..).ok_or_else(corrupt_visits)?);
            let month = months.entry(date.with_day(1).unwrap_or(date)).or_default();
            month.0 += 1;
            month.1 += u32::from(alone);
        }
        out.counting.sort_unstable();
        for (facts, who) in [(&mut out.now, who_now), (&mut out.previous, who_before)] {
            let mut who = who;
            who.sort_unstable();
            who.dedup();
            facts.distinct_visitors = u32::try_from(who.len()).unwrap_or(u32::MAX);
        }
        Ok(out)
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum What {
    /// A placement's first visit (or none yet).
    First,
    /// Between two visits.
    Gap,
    /// From a placement's last visit on.
    Last,
}

/// An interval that may be broken in a period.
struct Candidate<'a> {
    what: What,
    placement: &'a Placement,
    /// Where the placement's schedule clock stops.
    clock_end: Option<NaiveDate>,
    since: NaiveDate,
    visited: Option<NaiveDate>,
}

/// One placement as [`PLACEMENTS_SQL`] packs it.
struct PlacementEntry {
    placement: PlacementRow,
    closed: bool,
    informed: Informed,
}

impl PlacementEntry {
    fn unpack(entry: &str) -> Result<Self, DbError> {
        let read = Unpacking("placements");
        let [id, child_id, kind, home_name, legal_basis, start_date, end_date, home_id, decision_date, decided_by, decision_until, last_consideration, external_id, closed, informed] =
            read.fields(entry)?;
        if informed.len() != 3 {
            return Err(malformed("placements"));
        }
        let given = |at: usize| read.flag(informed.get(at..=at).unwrap_or_default());
        Ok(Self {
            placement: PlacementRow {
                id: read.uuid(id)?,
                child_id: read.uuid(child_id)?,
                kind: kind.to_owned(),
                home_name: home_name.to_owned(),
                legal_basis: legal_basis.to_owned(),
                start_date: read.date(start_date)?,
                end_date: read.optional_date(end_date)?,
                deleted: false,
                home_id: (!home_id.is_empty())
                    .then(|| read.uuid(home_id).map(HomeId::from_uuid))
                    .transpose()?,
                decision_date: read.optional_date(decision_date)?,
                decided_by: optional_text(decided_by),
                decision_until: read.optional_date(decision_until)?,
                last_consideration: read.optional_date(last_consideration)?,
                external_id: optional_text(external_id),
            },
            closed: read.flag(closed)?,
            informed: Informed {
                contact: given(0)?,
                complaints: given(1)?,
                rights: given(2)?,
            },
        })
    }
}

struct EndingSql {
    child_id: ChildId,
    placement_id: PlacementId,
    end_date: NaiveDate,
    fact: EndingFact,
}

impl FromRow for EndingSql {
    fn from_row(row: &Row) -> Result<Self, DbError> {
        const TABLE: &str = "placement_closings";
        let kind: String = row.get("kind")?;
        let reason: Option<String> = row.get("reason")?;
        Ok(Self {
            child_id: row.get("child_id")?,
            placement_id: row.get("placement_id")?,
            end_date: row.get("end_date")?,
            fact: EndingFact {
                kind: from_serde_name::<EndKind>(TABLE, &kind)?,
                replacement: row.get("replacement")?,
                reason: reason
                    .map(|r| from_serde_name::<EndReason>(TABLE, &r))
                    .transpose()?,
            },
        })
    }
}

/// What a report reads once, for both periods: the units' children and
/// their placements, assignments and visits.
struct Scope {
    units: Vec<UnitSummary>,
    /// The children with a placement in the range read.
    children: BTreeMap<ChildId, Child>,
    /// The units' other children.
    others: BTreeMap<ChildId, Child>,
    /// Each child's placements in start order.
    placements: BTreeMap<ChildId, Vec<Placement>>,
    /// What else was read of each placement.
    placement_index: BTreeMap<PlacementId, PlacementFacts>,
    assignments: BTreeMap<ChildId, Vec<Assignment>>,
    /// With a [`Window`]: each child's visits.
    visits: BTreeMap<ChildId, ChildVisits>,
    /// With a [`Window`]: its counting visits by month (visits, talked alone).
    months: BTreeMap<NaiveDate, (u32, u32)>,
    /// With a [`Window`]: the placements closed in it.
    endings: Vec<EndingSql>,
}

struct PlacementFacts {
    closed: bool,
    /// The last counting visit, for a placement current on the day read.
    last_visit: Option<NaiveDate>,
    informed: Informed,
}

/// The instant `date` begins in Sweden.
fn start_of(date: NaiveDate) -> DateTime<Utc> {
    shared::sweden::start_of(date).unwrap_or(DateTime::<Utc>::MIN_UTC)
}

fn worker_ref(user: &UserRow) -> WorkerRef {
    WorkerRef {
        id: user.id,
        name: user.display_name.clone(),
        role: user.role,
    }
}

impl Scope {
    /// The children placed at some time in `from..=to`, with `today`'s last
    /// visits, and with `window` their visits and the endings in it. `a` and
    /// `b` are two transactions on one snapshot
    /// ([`Database::begin_snapshot_pair`]): the children and their visits
    /// are read on one while the placements, ticks, assignments and endings
    /// are read on the other.
    async fn read(
        (a, b): (&mut Tx, &mut Tx),
        unit_ids: &[UnitId],
        (from, to): (NaiveDate, NaiveDate),
        today: NaiveDate,
        window: &Window,
    ) -> Result<Self, DbError> {
        let (
            (units, mut others, visits, months),
            (mut placements, mut placement_index, assignment_rows, endings),
        ) = tokio::try_join!(
            read_children(a, unit_ids, window),
            read_placements(b, unit_ids, window)
        )?;
        let mut children = BTreeMap::new();
        for (child, list) in &mut placements {
            list.sort_by_key(|p| (p.start_date, p.id));
            for placement in list.iter().filter(|p| p.is_current_on(today)) {
                if let (Some(seen), Some(facts)) =
                    (visits.get(child), placement_index.get_mut(&placement.id))
                {
                    facts.last_visit = seen.last_counting_in(placement);
                }
            }
            let placed = list
                .iter()
                .any(|p| p.start_date <= to && p.end_date.is_none_or(|end| end >= from));
            if placed {
                if let Some(c) = others.remove(child) {
                    children.insert(*child, c);
                }
            }
        }
        let mut assignments: BTreeMap<ChildId, Vec<Assignment>> = BTreeMap::new();
        for row in assignment_rows {
            if children.contains_key(&row.child_id) {
                assignments.entry(row.child_id).or_default().push(row);
            }
        }
        for list in assignments.values_mut() {
            list.sort_by_key(|a| (a.starts_at, a.worker.id));
        }
        Ok(Self {
            units,
            children,
            others,
            placements,
            placement_index,
            assignments,
            visits,
            months,
            endings,
        })
    }

    /// The child's responsible workers at `at`, or, with none then, the
    /// ones whose assignment ended last before it.
    fn workers_at(&self, child: ChildId, at: DateTime<Utc>) -> Vec<WorkerRef> {
        let Some(list) = self.assignments.get(&child) else {
            return Vec::new();
        };
        let mut workers: Vec<WorkerRef> = list
            .iter()
            .filter(|a| a.starts_at < at && a.ends_at.is_none_or(|end| end >= at))
            .map(|a| a.worker.clone())
            .collect();
        if workers.is_empty() {
            let last_end = list
                .iter()
                .filter_map(|a| a.ends_at)
                .filter(|end| *end < at)
                .max();
            workers = list
                .iter()
                .filter(|a| last_end.is_some() && a.ends_at == last_end)
                .map(|a| a.worker.clone())
                .collect();
        }
        workers.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
        workers.dedup_by_key(|w| w.id);
        workers
    }

    /// Assignments starting in `from..to` that were not the child's first.
    fn worker_changes(&self, child: ChildId, from: DateTime<Utc>, to: DateTime<Utc>) -> u32 {
        let Some(list) = self.assignments.get(&child) else {
            return 0;
        };
        let n = list
            .iter()
            .filter(|a| from <= a.starts_at && a.starts_at < to)
            .filter(|a| list.iter().any(|b| b.starts_at < a.starts_at))
            .count();
        u32::try_from(n).unwrap_or(u32::MAX)
    }

    fn last_visit(&self, placement: PlacementId) -> Option<NaiveDate> {
        self.placement_index.get(&placement)?.last_visit
    }

    fn informed(&self, placement: PlacementId) -> Informed {
        self.placement_index
            .get(&placement)
            .map(|p| p.informed)
            .unwrap_or_default()
    }

    fn unit_of(&self, child: &Child) -> Option<UnitSummary> {
        let id = child.unit_id?;
        self.units.iter().find(|u| u.id == id).cloned()
    }
}

type ChildrenRead = (
    Vec<UnitSummary>,
    BTreeMap<ChildId, Child>,
    BTreeMap<ChildId, ChildVisits>,
    BTreeMap<NaiveDate, (u32, u32)>,
);

/// The units and their children, each with its visits as `window` needs
/// them.
async fn read_children(
    a: &mut Tx,
    unit_ids: &[UnitId],
    window: &Window,
) -> Result<ChildrenRead, DbError> {
    let units: Vec<UnitSummary> =
        Stmt::new("SELECT id, name FROM units WHERE id = ANY($1) ORDER BY name, id")
            .bind(IdList(unit_ids))
            .all(&mut *a)
            .await?;
    let packed: PackedText = Stmt::new(CHILDREN_WITH_VISITS_SQL)
        .bind(IdList(unit_ids))
        .bind(window.visits_from())
        .bind(VISIT_SEPARATOR.to_string())
        .bind(FIELD_SEPARATOR.to_string())
        .bind(RECORD_SEPARATOR.to_string())
        .one(&mut *a)
        .await?;
    let mut visits = BTreeMap::new();
    let mut months = BTreeMap::new();
    let mut children = BTreeMap::new();
    for entry in packed
        .text()
        .split(RECORD_SEPARATOR)
        .filter(|e| !e.is_empty())
    {
        let entry = ChildEntry::unpack(entry)?;
        let seen = ChildVisits::unpack(entry.visits, entry.counted_before, window, &mut months)?;
        let child = entry.child.decode()?;
        visits.insert(child.id, seen);
        children.insert(child.id, child);
    }
    Ok((units, children, visits, months))
}

type PlacementsRead = (
    BTreeMap<ChildId, Vec<Placement>>,
    BTreeMap<PlacementId, PlacementFacts>,
    Vec<Assignment>,
    Vec<EndingSql>,
);

/// The units' placements with whether each was closed and its written
/// information, the assignments, and the endings in `window`.
async fn read_placements(
    b: &mut Tx,
    unit_ids: &[UnitId],
    window: &Window,
) -> Result<PlacementsRead, DbError> {
    let packed: PackedText = Stmt::new(PLACEMENTS_SQL)
        .bind(IdList(unit_ids))
        .bind(FIELD_SEPARATOR.to_string())
        .bind(RECORD_SEPARATOR.to_string())
        .one(&mut *b)
        .await?;
    let mut placements: BTreeMap<ChildId, Vec<Placement>> = BTreeMap::new();
    let mut placement_index = BTreeMap::new();
    for entry in packed
        .text()
        .split(RECORD_SEPARATOR)
        .filter(|e| !e.is_empty())
    {
        let row = PlacementEntry::unpack(entry)?;
        let placement = row.placement.decode()?.placement;
        placement_index.insert(
            placement.id,
            PlacementFacts {
                closed: row.closed,
                last_visit: None,
                informed: row.informed,
            },
        );
        placements
            .entry(placement.child_id)
            .or_default()
            .push(placement);
    }
    let packed: PackedText = Stmt::new(ASSIGNMENTS_SQL)
        .bind(IdList(unit_ids))
        .one(&mut *b)
        .await?;
    let workers: Vec<WorkerRef> = Stmt::new(WORKERS_SQL).all(&mut *b).await?;
    let workers: BTreeMap<UserId, WorkerRef> = workers.into_iter().map(|w| (w.id, w)).collect();
    let assignments = unpack_assignments(packed.text(), &workers)?;
    let endings: Vec<EndingSql> = Stmt::new(ENDINGS_SQL)
        .bind(IdList(unit_ids))
        .bind(window.from())
        .bind(window.now.to)
        .all(&mut *b)
        .await?;
    Ok((placements, placement_index, assignments, endings))
}

/// The facts of every child placed in the window's periods, computed on
/// `today` from what `scope` read with `window`; the two periods side by
/// side on two threads.
fn periods_facts(
    scope: &Scope,
    window: &Window,
    today: NaiveDate,
) -> (PeriodFacts, Option<PeriodFacts>) {
    let candidates = candidates(scope, window, today);
    let endings = &scope.endings;
    std::thread::scope(|threads| {
        let before = window.previous.map(|p| {
            let candidates = &candidates;
            threads.spawn(move || facts_of(scope, p, today, candidates, |v| v.previous, endings))
        });
        let now = facts_of(scope, window.now, today, &candidates, |v| v.now, endings);
        let before = before.map(|thread| {
            thread
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        });
        (now, before)
    })
}

/// The intervals a broken one may be among, for every period of `window`:
/// in each placement running at some time in it, from its start (or its
/// last counting visit before [`Window::visits_from`]) through its counting
/// visits to where its schedule clock stops (its end, or the next
/// placement's start):
/// - [`What::First`]: a placement's first visit (or none ever), when the
///   placement started from a week before the window or was first visited
///   in it;
/// - [`What::Gap`]: a visit in the window later than three months after the
///   one before, whose due date may have passed;
/// - [`What::Last`]: a placement's last visit, whose next due date may have
///   passed.
fn candidates<'a>(scope: &'a Scope, window: &Window, today: NaiveDate) -> Vec<Candidate<'a>> {
    let lo = window.from();
    let recent_start = lo - Days::new(FIRST_VISIT_WITHIN_DAYS);
    // No due date after the last period's end or on or after today counts.
    let upper = key(window.now.to.min(today - Days::new(1))) + CLAMP_SLACK;
    let (mut firsts, mut gaps, mut lasts) = (Vec::new(), Vec::new(), Vec::new());
    let none = ChildVisits::default();
    for child in scope.children.keys() {
        let Some(list) = scope.placements.get(child) else {
            continue;
        };
        let seen = scope.visits.get(child).unwrap_or(&none);
        for (at, placement) in list.iter().enumerate() {
            let next_start = list.get(at + 1).map(|p| p.start_date);
            let clock_end = [placement.end_date, next_start].into_iter().flatten().min();
            if placement.start_date > window.now.to || clock_end.is_some_and(|end| end < lo) {
                continue;
            }
            let old = seen.before.filter(|d| *d >= placement.start_date);
            let first = seen.counting.partition_point(|d| *d < placement.start_date);
            let end = seen
                .counting
                .partition_point(|d| clock_end.is_none_or(|end| *d <= end));
            let visits = seen.counting.get(first..end).unwrap_or_default();
            let mut prev = old;
            for &date in visits {
                match prev {
                    // The first visit, with none before the window.
                    None if placement.start_date >= recent_start || date > lo => {
                        firsts.push(Candidate {
                            what: What::First,
                            placement,
                            clock_end,
                            since: placement.start_date,
                            visited: Some(date),
                        });
                    }
                    Some(before)
                        if date > lo
                            && key(date) > key(before) + 300
                            && key(before) + 300 <= upper =>
                    {
                        gaps.push(Candidate {
                            what: What::Gap,
                            placement,
                            clock_end,
                            since: before,
                            visited: Some(date),
                        });
                    }
                    _ => {}
                }
                prev = Some(date);
            }
            match prev {
                None => firsts.push(Candidate {
                    what: What::First,
                    placement,
                    clock_end,
                    since: placement.start_date,
                    visited: None,
                }),
                Some(last) if key(last) + 300 <= upper => lasts.push(Candidate {
                    what: What::Last,
                    placement,
                    clock_end,
                    since: last,
                    visited: Some(last),
                }),
                Some(_) => {}
            }
        }
    }
    firsts.extend(gaps);
    firsts.extend(lasts);
    firsts
}

/// The facts of every child placed in `period`, from what
/// [`periods_facts`] read (`visits`: this period's of a child's).
fn facts_of(
    scope: &Scope,
    period: Period,
    today: NaiveDate,
    candidates: &[Candidate],
    visits: impl Fn(&ChildVisits) -> VisitFacts,
    endings: &[EndingSql],
) -> PeriodFacts {
    let upper = period.to.min(today - Days::new(1));
    let first_week = Days::new(FIRST_VISIT_WITHIN_DAYS);
    let mut new_placements: BTreeMap<ChildId, (u32, u32)> = BTreeMap::new();
    let mut broken: BTreeMap<ChildId, Vec<BrokenInterval>> = BTreeMap::new();
    for c in candidates {
        let (placement, clock_end) = (c.placement, c.clock_end);
        let child = placement.child_id;
        let due = match c.what {
            What::First => {
                let due = placement.start_date + first_week;
                if period.contains(placement.start_date) {
                    let in_time = c.visited.is_some_and(|v| v <= due);
                    // A placement whose clock stopped before its first week
                    // was over owed no visit.
                    let owed = due <= period.to && clock_end.is_none_or(|end| due <= end);
                    if owed || in_time {
                        let counts = new_placements.entry(child).or_default();
                        counts.0 += 1;
                        counts.1 += u32::from(in_time);
                    }
                }
                if c.visited.is_some_and(|v| v <= due) {
                    continue;
                }
                due
            }
            _ => match c
                .since
                .checked_add_months(Months::new(MONTHS_BETWEEN_VISITS))
            {
                Some(due) => due,
                None => continue,
            },
        };
        let visited = if c.what == What::Last {
            None
        } else {
            c.visited
        };
        // Broken in the period: due by its end (and before today) while the
        // clock ran, and still unmet on one of its days (the visit came
        // after its first day, or has not come), however long before it
        // was due.
        let passed = due <= upper;
        let clock_runs = clock_end.is_none_or(|end| due <= end && period.from <= end);
        let unmet_in_period = visited.is_none_or(|v| v > due && v > period.from);
        if !(passed && clock_runs && unmet_in_period) {
            continue;
        }
        let late_until = visited.filter(|v| *v <= period.to).unwrap_or(period.to);
        broken.entry(child).or_default().push(BrokenInterval {
            child_id: child,
            child_name: String::new(),
            placement_id: placement.id,
            since: c.since,
            first_visit: c.what == What::First,
            due,
            visited,
            days_late: (late_until - due).num_days(),
            workers: Vec::new(),
        });
    }

    let mut endings_of: BTreeMap<ChildId, Vec<&EndingSql>> = BTreeMap::new();
    for row in endings.iter().filter(|e| period.contains(e.end_date)) {
        endings_of.entry(row.child_id).or_default().push(row);
    }

    let period_end = start_of(period.to + Days::new(1));
    let period_start = start_of(period.from);
    let mut out = PeriodFacts::default();
    for (id, child) in &scope.children {
        let overlapping: Vec<&Placement> = scope
            .placements
            .get(id)
            .into_iter()
            .flatten()
            .filter(|p| p.start_date <= period.to && p.end_date.is_none_or(|e| e >= period.from))
            .collect();
        let Some(latest) = overlapping.iter().max_by_key(|p| (p.start_date, p.id)) else {
            continue;
        };
        let v = scope.visits.get(id).map(&visits).unwrap_or_default();
        let (new, in_time) = new_placements.get(id).copied().unwrap_or_default();
        let workers = scope.workers_at(*id, period_end);
        let ending_rows = endings_of.remove(id).unwrap_or_default();
        let endings: Vec<EndingFact> = ending_rows.iter().map(|e| e.fact).collect();
        let name = child.full_name();
        let mut intervals = broken.remove(id).unwrap_or_default();
        for interval in &mut intervals {
            interval.child_name.clone_from(&name);
            interval.workers.clone_from(&workers);
        }
        let broken_intervals = u32::try_from(intervals.len()).unwrap_or(u32::MAX);
        out.broken_intervals.extend(intervals);
        for e in &ending_rows {
            if e.fact.kind == EndKind::Unplanned || e.fact.replacement {
                out.endings.push(EndingRow {
                    child_id: *id,
                    child_name: name.clone(),
                    placement_id: e.placement_id,
                    end_date: e.end_date,
                    ending: e.fact,
                    workers: workers.clone(),
                });
            }
        }
        out.facts.push(ChildFacts {
            child_id: *id,
            sex: child.sex,
            age_group: AgeGroup::of(child.birth_date, period.to),
            unit: scope.unit_of(child),
            placement_kind: latest.kind,
            workers,
            new_placements: new,
            new_placements_visited_in_time: in_time,
            broken_intervals,
            visits: v.visits,
            visits_by_consultant: v.by_consultant,
            visits_alone: v.alone,
            visits_with_view: v.with_view,
            visits_reason_without_view: v.reason_without_view,
            distinct_visitors: v.distinct_visitors,
            worker_changes: scope.worker_changes(*id, period_start, period_end),
            endings,
            in_supported_housing: overlapping
                .iter()
                .any(|p| p.kind == PlacementKind::SupportedHousing),
            disability_officer_visits: v.officer_visits,
            informed: scope.informed(latest.id),
        });
        out.names.insert(*id, name);
    }
    out.broken_intervals.sort_by(|a, b| {
        (a.due, &a.child_name, a.placement_id).cmp(&(b.due, &b.child_name, b.placement_id))
    });
    out.endings
        .sort_by(|a, b| (a.end_date, &a.child_name).cmp(&(b.end_date, &b.child_name)));
    out
}

/// Visits overdue on `today` in the placements current then, and the
/// decisions and considerations `GET /v1/register/decisions` lists.
fn overdue_now(scope: &Scope, today: NaiveDate) -> Vec<OverdueRow> {
    let now = start_of(today + Days::new(1));
    let mut rows = Vec::new();
    let named = |child: &Child, placement: PlacementId, what: OverdueKind, days: i64| OverdueRow {
        child_id: child.id,
        child_name: child.full_name(),
        placement_id: placement,
        what,
        days_overdue: days,
        workers: scope.workers_at(child.id, now),
    };
    for (id, child) in &scope.children {
        for placement in scope.placements.get(id).into_iter().flatten() {
            if !placement.is_current_on(today) {
                continue;
            }
            let Some(next) = next_visit_due(placement, scope.last_visit(placement.id)) else {
                continue;
            };
            if next.due_date < today {
                rows.push(named(
                    child,
                    placement.id,
                    OverdueKind::Visit { due: next.due_date },
                    (today - next.due_date).num_days(),
                ));
            }
        }
    }
    let open = scope.placements.values().flatten().filter(|p| {
        scope
            .placement_index
            .get(&p.id)
            .is_some_and(|facts| !facts.closed)
    });
    let child = |id| scope.children.get(&id).or_else(|| scope.others.get(&id));
    for due in decisions_among(open, child, today) {
        let placement = due.placement.id;
        match due.decision {
            DecisionStatus::Expired { until, days_over } => rows.push(named(
                due.child,
                placement,
                OverdueKind::DecisionExpired { until },
                days_over,
            )),
            DecisionStatus::EndsSoon { until, days_left } => rows.push(named(
                due.child,
                placement,
                OverdueKind::DecisionEnding { until },
                -days_left,
            )),
            DecisionStatus::NoEndDate | DecisionStatus::Valid { .. } => {}
        }
        match due.consideration {
            ConsiderationStatus::Overdue { due: at, days_over } => rows.push(named(
                due.child,
                placement,
                OverdueKind::ConsiderationDue { due: at },
                days_over,
            )),
            ConsiderationStatus::DueSoon { due: at, days_left } => rows.push(named(
                due.child,
                placement,
                OverdueKind::ConsiderationDue { due: at },
                -days_left,
            )),
            ConsiderationStatus::Upcoming { .. } => {}
        }
    }
    rows.sort_by(|a, b| {
        b.days_overdue
            .cmp(&a.days_overdue)
            .then_with(|| a.child_name.cmp(&b.child_name))
            .then(a.placement_id.cmp(&b.placement_id))
    });
    rows
}

fn visits_per_month(scope: &Scope, period: Period, previous: Period) -> Vec<MonthlyVisits> {
    let mut months: Vec<NaiveDate> = previous.months();
    months.extend(period.months());
    months.sort_unstable();
    months.dedup();
    months
        .into_iter()
        .map(|month| {
            let (visits, talked_alone) = scope.months.get(&month).copied().unwrap_or_default();
            MonthlyVisits {
                month,
                visits,
                talked_alone,
            }
        })
        .collect()
}

fn most_changes(facts: &PeriodFacts) -> Vec<ContinuityRow> {
    let mut rows: Vec<ContinuityRow> = facts
        .facts
        .iter()
        .filter(|c| c.distinct_visitors >= 2 || c.worker_changes >= 1)
        .map(|c| ContinuityRow {
            child_id: c.child_id,
            child_name: facts.names.get(&c.child_id).cloned().unwrap_or_default(),
            distinct_visitors: c.distinct_visitors,
            worker_changes: c.worker_changes,
        })
        .collect();
    rows.sort_by(|a, b| {
        (b.distinct_visitors, b.worker_changes)
            .cmp(&(a.distinct_visitors, a.worker_changes))
            .then_with(|| a.child_name.cmp(&b.child_name))
            .then(a.child_id.cmp(&b.child_id))
    });
    rows.truncate(MOST_CHANGES_LISTED);
    rows
}

/// A `case_reviews` row with the name of who held it.
struct ReviewRow(CaseReview);

impl FromRow for ReviewRow {
    fn from_row(row: &Row) -> Result<Self, DbError> {
        let text: String = row.get("agreed_actions")?;
        let agreed_actions = shared::VisitNote::parse(&text).map_err(|e| DbError::CorruptRow {
            table: "case_reviews",
            reason: format!("agreed_actions {e}"),
        })?;
        Ok(Self(CaseReview {
            id: row.get("id")?,
            worker_id: row.get("worker_id")?,
            review_date: row.get("review_date")?,
            agreed_actions,
            held_by: row.get("held_by")?,
            held_by_name: row.get("held_by_name")?,
            recorded_at: row.get("recorded_at")?,
        }))
    }
}

struct ViewlessSql {
    child_id: ChildId,
    visit_id: VisitId,
    visit_date: NaiveDate,
    talked_alone: bool,
    not_alone_reason: Option<String>,
}

impl FromRow for ViewlessSql {
    fn from_row(row: &Row) -> Result<Self, DbError> {
        Ok(Self {
            child_id: row.get("child_id")?,
            visit_id: row.get("id")?,
            visit_date: row.get("visit_date")?,
            talked_alone: row.get("talked_alone")?,
            not_alone_reason: row.get("not_alone_reason")?,
        })
    }
}

/// What saving a case review did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReviewSaved {
    Created(CaseReview),
    /// The same review was saved before: as stored.
    Again(CaseReview),
    /// The id holds another review.
    IdTaken,
}

impl Database {
    /// The self-check for `units` (the caller's, decided before): every
    /// table of `query.period` beside the previous period, and the lists.
    /// Reads one snapshot; logs nothing (the lists name children: the
    /// caller logs those reads).
    pub async fn selfcheck_report(
        &self,
        units: &[UnitId],
        query: &SelfCheckQuery,
    ) -> Result<SelfCheckReport, DbError> {
        let period = query.period;
        let previous = period.previous();
        let window = Window {
            now: period,
            previous: Some(previous),
        };
        let (mut a, mut b) = self.begin_snapshot_pair().await?;
        let range = (previous.from, period.to.max(query.today));
        let scope = Scope::read((&mut a, &mut b), units, range, query.today, &window).await?;
        a.rollback().await?;
        b.rollback().await?;
        // The lists that need no period's facts alongside them: the facts
        // start single-threaded (`candidates`).
        let ((now, before), (visits_per_month, overdue)) = std::thread::scope(|threads| {
            let lists = threads.spawn(|| {
                (
                    visits_per_month(&scope, period, previous),
                    overdue_now(&scope, query.today),
                )
            });
            let facts = periods_facts(&scope, &window, query.today);
            let lists = lists
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (facts, lists)
        });
        let before = before.unwrap_or_default();
        let (columns, tables) = build_tables(query.group_by, &now.facts, &before.facts);
        Ok(SelfCheckReport {
            period,
            previous,
            group_by: query.group_by,
            units: scope.units,
            today: query.today,
            generated_at: Utc::now(),
            children: u32::try_from(now.facts.len()).unwrap_or(u32::MAX),
            columns,
            tables,
            visits_per_month,
            overdue,
            broken_intervals: now.broken_intervals.clone(),
            most_changes: most_changes(&now),
            endings: now.endings,
        })
    }

    /// The facts of each child of `units` placed in `period` (for the
    /// drill-down), with their names.
    pub async fn selfcheck_facts(
        &self,
        units: &[UnitId],
        period: Period,
        today: NaiveDate,
    ) -> Result<PeriodFacts, DbError> {
        let window = Window {
            now: period,
            previous: None,
        };
        let (mut a, mut b) = self.begin_snapshot_pair().await?;
        let range = (period.from, period.to.max(today));
        let scope = Scope::read((&mut a, &mut b), units, range, today, &window).await?;
        a.rollback().await?;
        b.rollback().await?;
        let (facts, _) = periods_facts(&scope, &window, today);
        Ok(facts)
    }

    /// The user, and the units they belong to.
    pub async fn user_with_units(
        &self,
        id: UserId,
    ) -> Result<Option<(UserRow, Vec<UnitSummary>)>, DbError> {
        let mut tx = self.begin_snapshot().await?;
        let user = tx.user_by_id(id).await?;
        let units = tx.units_of(id).await?;
        tx.rollback().await?;
        Ok(user.map(|u| (u, units)))
    }

    /// What a team leader goes through with `worker` on `today`: the
    /// worker's children in `units` (those assigned at the end of `today`),
    /// what is overdue and which decisions need acting on for them, their
    /// visits without the child's view since the last review, and the
    /// reviews held, newest first.
    pub async fn case_review_view(
        &self,
        units: &[UnitId],
        worker: &UserRow,
        today: NaiveDate,
    ) -> Result<CaseReviewView, DbError> {
        let window = Window {
            now: Period {
                from: today,
                to: today,
            },
            previous: None,
        };
        let (mut tx, mut b) = self.begin_snapshot_pair().await?;
        let scope = Scope::read((&mut tx, &mut b), units, (today, today), today, &window).await?;
        b.rollback().await?;
        let at = start_of(today + Days::new(1));
        let theirs: BTreeSet<ChildId> = scope
            .children
            .keys()
            .copied()
            .filter(|c| {
                scope.assignments.get(c).is_some_and(|list| {
                    list.iter().any(|a| {
                        a.worker.id == worker.id
                            && a.starts_at < at
                            && a.ends_at.is_none_or(|end| end >= at)
                    })
                })
            })
            .collect();
        let (overdue, decisions): (Vec<OverdueRow>, Vec<OverdueRow>) = overdue_now(&scope, today)
            .into_iter()
            .filter(|r| theirs.contains(&r.child_id))
            .partition(|r| matches!(r.what, OverdueKind::Visit { .. }));
        let reviews: Vec<ReviewRow> = Stmt::new(
            "SELECT r.id, r.worker_id, r.review_date, r.agreed_actions, r.held_by, \
             u.display_name AS held_by_name, r.recorded_at FROM case_reviews r \
             JOIN users u ON u.id = r.held_by WHERE r.worker_id = $1 \
             ORDER BY r.review_date DESC, r.recorded_at DESC, r.id",
        )
        .bind(worker.id)
        .all(&mut tx)
        .await?;
        let reviews: Vec<CaseReview> = reviews.into_iter().map(|r| r.0).collect();
        let since = reviews
            .first()
            .map(|r| r.review_date)
            .unwrap_or_else(|| today - Months::new(3));
        let ids: Vec<ChildId> = theirs.iter().copied().collect();
        let viewless: Vec<ViewlessSql> = Stmt::new(concat!(
            "SELECT v.child_id, v.id, v.visit_date, v.talked_alone, v.not_alone_reason \
             FROM visits v WHERE v.child_id = ANY($1) AND v.visit_date >= $2 \
             AND v.visit_date <= $3 AND v.has_child_view = FALSE AND ",
            counting!("v"),
            " ORDER BY v.visit_date DESC, v.id"
        ))
        .bind(IdList(&ids))
        .bind(since)
        .bind(today)
        .all(&mut tx)
        .await?;
        tx.rollback().await?;
        let name = |c: ChildId| {
            scope
                .children
                .get(&c)
                .map(Child::full_name)
                .unwrap_or_default()
        };
        let mut children: Vec<ReviewChild> = ids
            .iter()
            .map(|c| {
                let placements = scope
                    .placements
                    .get(c)
                    .map(Vec::as_slice)
                    .unwrap_or_default();
                let current = shared::schedule::current_placement(placements, today)
                    .filter(|p| p.is_current_on(today));
                let last_visit = current.and_then(|p| scope.last_visit(p.id));
                ReviewChild {
                    child_id: *c,
                    child_name: name(*c),
                    placement_kind: current.map(|p| p.kind),
                    last_visit,
                    next_visit_due: current
                        .and_then(|p| next_visit_due(p, last_visit))
                        .map(|n| n.due_date),
                }
            })
            .collect();
        children.sort_by(|a, b| {
            a.child_name
                .cmp(&b.child_name)
                .then(a.child_id.cmp(&b.child_id))
        });
        let visits_without_view = viewless
            .into_iter()
            .map(|v| {
                Ok(VisitWithoutView {
                    child_name: name(v.child_id),
                    child_id: v.child_id,
                    visit_id: v.visit_id,
                    visit_date: v.visit_date,
                    talked_alone: v.talked_alone,
                    not_alone_reason: v
                        .not_alone_reason
                        .map(|r| from_serde_name::<NotAloneReason>("visits", &r))
                        .transpose()?,
                })
            })
            .collect::<Result<Vec<_>, DbError>>()?;
        Ok(CaseReviewView {
            worker: worker_ref(worker),
            today,
            children,
            overdue,
            decisions,
            visits_without_view,
            since,
            reviews,
        })
    }

    /// Saves `review` once, logged as written by `who` about each of
    /// `children` (the worker's children the review concerns). The same
    /// review again changes nothing.
    pub async fn save_case_review(
        &self,
        review: &CaseReview,
        children: &[ChildId],
        who: &Who,
    ) -> Result<ReviewSaved, DbError> {
        let mut tx = self.begin_write().await?;
        let stored: Option<ReviewRow> = Stmt::new(
            "SELECT r.id, r.worker_id, r.review_date, r.agreed_actions, r.held_by, \
             u.display_name AS held_by_name, r.recorded_at FROM case_reviews r \
             JOIN users u ON u.id = r.held_by WHERE r.id = $1",
        )
        .bind(review.id)
        .lock_rows()
        .optional(&mut tx)
        .await?;
        if let Some(ReviewRow(stored)) = stored {
            tx.rollback().await?;
            let same = stored.worker_id == review.worker_id
                && stored.review_date == review.review_date
                && stored.agreed_actions == review.agreed_actions
                && stored.held_by == review.held_by;
            return Ok(if same {
                ReviewSaved::Again(stored)
            } else {
                ReviewSaved::IdTaken
            });
        }
        Stmt::new(
            "INSERT INTO case_reviews (id, worker_id, review_date, agreed_actions, held_by, \
             recorded_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(review.id)
        .bind(review.worker_id)
        .bind(review.review_date)
        .bind(review.agreed_actions.as_str())
        .bind(review.held_by)
        .bind(review.recorded_at)
        .execute(&mut tx)
        .await?;
        let detail = format!("selfcheck_case_review:{}", review.id);
        let entries: Vec<_> = children
            .iter()
            .map(|c| who.entry(*c, shared::audit::AuditAction::Write, &detail))
            .collect();
        super::audit::append(&mut tx, &entries).await?;
        tx.commit().await?;
        Ok(ReviewSaved::Created(review.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    #[test]
    fn packed_assignments_unpack_and_malformed_ones_are_errors() {
        let child = "00000000-0000-0000-0000-0000000000c1";
        let user = "00000000-0000-0000-0000-0000000000a1";
        let user_id = UserId::from_uuid(uuid::Uuid::parse_str(user).expect("id"));
        let workers = BTreeMap::from([(
            user_id,
            WorkerRef {
                id: user_id,
                name: "Sara Lind".into(),
                role: shared::auth::Role::SocialWorker,
            },
        )]);
        let packed = format!(
            "{child}{user}2026-01-01T00:00:00.000000Z/,{child}{user}2025-01-01 00:00:00+00/2025-12-31 23:00:00+00"
        );
        let list = unpack_assignments(&packed, &workers).expect("unpacks");
        assert_eq!(list.len(), 2);
        assert_eq!(list[0].ends_at, None);
        assert_eq!(list[1].worker.name, "Sara Lind");
        assert!(list[1].ends_at.is_some());
        for bad in [
            format!("{child}{user}2026-01-01"),
            format!("{child}00000000-0000-0000-0000-0000000000ff2026-01-01T00:00:00Z/"),
            format!("{child}{user}yesterday/"),
        ] {
            assert!(unpack_assignments(&bad, &workers).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_packed_child_reads_back_and_a_malformed_one_is_an_error() {
        let id = "00000000-0000-0000-0000-0000000000c1";
        let unit = "00000000-0000-0000-0000-0000000000e1";
        let visits = "2026-03-0140~Kim Berg\u{1e}2026-05-0250";
        let packed = format!(
            "{id}\u{1f}Alva\u{1f}Berg\u{1f}2015-06-30\u{1f}girl\u{1f}1\u{1f}{unit}\u{1f}\u{1f}2025-12-24\u{1f}{visits}"
        );
        let entry = ChildEntry::unpack(&packed).expect("unpacks");
        assert_eq!(entry.child.id.to_string(), id);
        assert_eq!(entry.child.family_name, "Berg");
        assert!(entry.child.has_disability);
        assert_eq!(entry.child.external_id, None);
        assert_eq!(entry.counted_before, Some(d("2025-12-24")));
        assert_eq!(entry.visits, visits);
        let child = entry.child.decode().expect("a child");
        assert_eq!(child.birth_date, d("2015-06-30"));

        let never = format!(
            "{id}\u{1f}Alva\u{1f}Berg\u{1f}2015-06-30\u{1f}girl\u{1f}0\u{1f}{unit}\u{1f}K-17\u{1f}\u{1f}"
        );
        let entry = ChildEntry::unpack(&never).expect("unpacks");
        assert_eq!((entry.counted_before, entry.visits), (None, ""));
        assert_eq!(entry.child.external_id.as_deref(), Some("K-17"));

        for bad in [
            never.replacen("\u{1f}0\u{1f}", "\u{1f}2\u{1f}", 1),
            never.replacen("2015-06-30", "30/06/2015", 1),
            never.replacen(id, "c1", 1),
            format!("{never}\u{1f}"),
            never.rsplit_once('\u{1f}').expect("fields").0.to_owned(),
        ] {
            assert!(ChildEntry::unpack(&bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_packed_placement_reads_back_and_a_malformed_one_is_an_error() {
        let (id, child) = (
            "00000000-0000-0000-0000-0000000000b1",
            "00000000-0000-0000-0000-0000000000c1",
        );
        let open = [
            id,
            child,
            "foster_home",
            "Familjen Berg",
            "sol",
            "2026-01-10",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "0",
            "000",
        ]
        .join("\u{1f}");
        let entry = PlacementEntry::unpack(&open).expect("unpacks");
        assert!(!entry.closed);
        assert_eq!(entry.informed, Informed::default());
        let placement = entry.placement.decode().expect("a placement").placement;
        assert_eq!(placement.id.to_string(), id);
        assert_eq!(placement.start_date, d("2026-01-10"));
        assert_eq!((placement.end_date, placement.decision_until), (None, None));

        let home = "00000000-0000-0000-0000-0000000000d1";
        let closed = [
            id,
            child,
            "residential_care",
            "Gården",
            "lvu",
            "2025-02-01",
            "2026-03-31",
            home,
            "2025-01-30",
            "Nämnden",
            "2026-07-31",
            "2025-08-01",
            "P-9",
            "1",
            "101",
        ]
        .join("\u{1f}");
        let entry = PlacementEntry::unpack(&closed).expect("unpacks");
        assert!(entry.closed);
        assert_eq!(
            entry.informed,
            Informed {
                contact: true,
                complaints: false,
                rights: true
            }
        );
        let placement = entry.placement.decode().expect("a placement").placement;
        assert_eq!(placement.end_date, Some(d("2026-03-31")));
        assert_eq!(
            placement.home_id.map(|h| h.to_string()).as_deref(),
            Some(home)
        );
        assert_eq!(placement.last_consideration, Some(d("2025-08-01")));

        for bad in [
            open.replacen("\u{1f}0\u{1f}", "\u{1f}2\u{1f}", 1),
            format!("{}\u{1f}00", open.strip_suffix("\u{1f}000").expect("open")),
            format!(
                "{}\u{1f}0010",
                open.strip_suffix("\u{1f}000").expect("open")
            ),
            format!("{}\u{1f}020", open.strip_suffix("\u{1f}000").expect("open")),
            open.replacen("2026-01-10", "2026-13-10", 1),
            open.replacen(child, "c1", 1),
            format!("{open}\u{1f}"),
            open.rsplit_once('\u{1f}').expect("fields").0.to_owned(),
        ] {
            assert!(PlacementEntry::unpack(&bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn the_month_key_says_later_than_three_months_exactly() {
        for (a, b) in [
            ("2026-11-30", "2027-02-28"),
            ("2026-11-30", "2027-03-01"),
            ("2026-05-31", "2026-08-31"),
            ("2026-05-31", "2026-09-01"),
            ("2027-11-30", "2028-02-29"),
            ("2026-01-15", "2026-04-15"),
            ("2026-01-15", "2026-04-16"),
            ("2026-12-31", "2027-03-31"),
        ] {
            let (a, b) = (d(a), d(b));
            let due = a.checked_add_months(Months::new(3)).expect("due");
            assert_eq!(key(b) > key(a) + 300, b > due, "{a} {b}");
            assert!(key(a) + 300 - key(due) <= CLAMP_SLACK);
        }
    }
}
