//! The self-check (egenkontroll, issue 16): each placed child's facts for a
//! period, computed in SQL (one text for both backends), then summed into
//! tables by `shared::selfcheck::build_tables`; the lists that name
//! children (overdue now, broken intervals, most changes, endings); and the
//! monthly case reviews. The definitions are in `docs/selfcheck.md`. Who may
//! read what is decided before (`crate::access`); the caller logs the reads.

use super::accounts::UserRow;
use super::audit::Who;
use super::column::{FromRow, IdList, Row, TextList};
use super::rows::{child_columns, from_serde_name, placement_columns, ChildRow, PlacementRow};
use super::statement::{Stmt, Tx};
use super::{Database, DbError};
use chrono::{DateTime, Datelike, Days, Months, NaiveDate, Utc};
use shared::auth::UnitSummary;
use shared::domain::{EndKind, EndReason, NotAloneReason, PlacementKind};
use shared::register::{ConsiderationStatus, DecisionStatus};
use shared::schedule::{next_visit_due, FIRST_VISIT_WITHIN_DAYS, MONTHS_BETWEEN_VISITS};
use shared::selfcheck::{
    build_tables, AgeGroup, BrokenInterval, CaseReview, CaseReviewView, ChildFacts, ContinuityRow,
    EndingFact, EndingRow, GroupBy, Informed, MonthlyVisits, OverdueKind, OverdueRow, Period,
    ReviewChild, SelfCheckReport, VisitWithoutView, WorkerRef, INFORMATION_ITEMS,
    MOST_CHANGES_LISTED,
};
use shared::{Child, ChildId, Placement, PlacementId, UnitId, UserId, VisitId};
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
macro_rules! month_key {
    ($d:literal) => {
        concat!(
            "(CAST(substr(CAST(",
            $d,
            " AS TEXT), 1, 4) AS INTEGER) * 1200 + CAST(substr(CAST(",
            $d,
            " AS TEXT), 6, 2) AS INTEGER) * 100 + CAST(substr(CAST(",
            $d,
            " AS TEXT), 9, 2) AS INTEGER))"
        )
    };
}

fn key(date: NaiveDate) -> i64 {
    i64::from(date.year()) * 1200 + i64::from(date.month()) * 100 + i64::from(date.day())
}

/// How far a month key of three months later can fall below `key + 300`
/// (31 May + 3 months = 31 August, but 30 November + 3 = 28 February).
const CLAMP_SLACK: i64 = 3;

/// The children of `units` with an undeleted placement overlapping
/// `from..=to`.
const CHILDREN_SQL: &str = concat!(
    "SELECT ",
    child_columns!(),
    " FROM children WHERE unit_id = ANY($1) AND EXISTS (SELECT 1 FROM placements p \
     WHERE p.child_id = children.id AND p.deleted = FALSE AND p.start_date <= $2 \
     AND (p.end_date IS NULL OR p.end_date >= $3))"
);

const PLACEMENTS_SQL: &str = concat!(
    "SELECT ",
    placement_columns!(),
    " FROM placements WHERE deleted = FALSE \
     AND child_id IN (SELECT id FROM children WHERE unit_id = ANY($1)) ORDER BY start_date, id"
);

/// Assignments (not cover) of the units' children, with the worker.
const ASSIGNMENTS_SQL: &str = "SELECT a.child_id, a.starts_at, a.ends_at, u.id, u.username, \
     u.display_name, u.role, u.password_hash, u.active FROM child_access a \
     JOIN users u ON u.id = a.user_id JOIN children c ON c.id = a.child_id \
     WHERE c.unit_id = ANY($1) AND a.kind = 'assigned'";

/// Each child's visits in `$2..=$3`, counted apart for those from `$4` on
/// (`in_now` 1: this period) and before it (the previous period).
const VISIT_FACTS_SQL: &str = concat!(
    "SELECT v.child_id, CASE WHEN v.visit_date >= $4 THEN 1 ELSE 0 END AS in_now, \
     COUNT(CASE WHEN ",
    counting!("v"),
    " THEN 1 END) AS visits, \
     COUNT(CASE WHEN ",
    counting!("v"),
    " AND v.visitor_role = 'consultant' THEN 1 END) AS by_consultant, \
     COUNT(CASE WHEN ",
    counting!("v"),
    " AND v.talked_alone = TRUE THEN 1 END) AS alone, \
     COUNT(CASE WHEN ",
    counting!("v"),
    " AND v.has_child_view = TRUE THEN 1 END) AS with_view, \
     COUNT(CASE WHEN ",
    counting!("v"),
    " AND v.has_child_view = FALSE AND v.not_alone_reason IS NOT NULL THEN 1 END) \
     AS reason_without_view, \
     COUNT(DISTINCT CASE WHEN ",
    counting!("v"),
    " THEN v.signed_by END) AS distinct_signers, \
     COUNT(DISTINCT CASE WHEN ",
    counting!("v"),
    " AND v.signed_by IS NULL THEN v.visitor END) AS distinct_unsigned, \
     COUNT(CASE WHEN v.contact = 'in_person' AND v.visitor_role = 'disability_officer' \
     THEN 1 END) AS officer_visits \
     FROM visits v JOIN children c ON c.id = v.child_id \
     WHERE c.unit_id = ANY($1) AND v.visit_date >= $2 AND v.visit_date <= $3 \
     GROUP BY v.child_id, in_now"
);

/// The intervals a broken one may be among, for every period in `$2..=$3`:
/// the schedule windows (start to where the clock stops: the end, or the
/// next placement's start) of the placements running at some time then,
/// and their counting visits, each with the one before and after it in the
/// same placement, in one pass over the visits from `$4` (four months
/// before `$2`) on. Of the visits before `$4` only each placement's last one
/// is read (one index seek: the `old` row, with no date when there is
/// none), as the interval it starts may still be open in the period. Rows:
/// - `first`: a placement's first visit (or none ever), when the placement
///   started from `$5` (a week before `$2`) or was first visited after `$2`;
/// - `gap`: a visit after `$2` later than three months after the one before,
///   whose due date is not after `$6` (a month key, with slack);
/// - `last`: a placement's last visit, whose next due date is not after `$6`.
const CANDIDATES_SQL: &str = concat!(
    "WITH pl AS (\
       SELECT p.id, p.child_id, p.start_date, p.end_date, \
       LEAD(p.start_date) OVER (PARTITION BY p.child_id ORDER BY p.start_date, p.id) \
       AS next_start \
       FROM placements p JOIN children c ON c.id = p.child_id \
       WHERE c.unit_id = ANY($1) AND p.deleted = FALSE), \
     win AS (\
       SELECT id, child_id, start_date, \
       CASE WHEN next_start IS NOT NULL AND (end_date IS NULL OR next_start < end_date) \
       THEN next_start ELSE end_date END AS clock_end FROM pl WHERE start_date <= $3), \
     run AS (\
       SELECT id, child_id, start_date, clock_end FROM win \
       WHERE clock_end IS NULL OR clock_end >= $2), \
     seen AS (\
       SELECT r.id AS placement_id, r.start_date, v.visit_date, 0 AS old \
       FROM run r JOIN visits v ON v.child_id = r.child_id \
       WHERE ",
    counting!("v"),
    " AND v.visit_date >= r.start_date AND v.visit_date >= $4 \
       AND (r.clock_end IS NULL OR v.visit_date <= r.clock_end) \
       UNION ALL \
       SELECT r.id, r.start_date, (SELECT MAX(v.visit_date) FROM visits v \
       WHERE v.child_id = r.child_id AND ",
    counting!("v"),
    " AND v.visit_date >= r.start_date AND v.visit_date < $4), 1 FROM run r), \
     cv AS (\
       SELECT placement_id, start_date, visit_date, old, \
       LAG(visit_date) OVER (PARTITION BY placement_id ORDER BY old DESC, visit_date) \
       AS prev_date, \
       LEAD(visit_date) OVER (PARTITION BY placement_id ORDER BY old DESC, visit_date) \
       AS next_date FROM seen) \
     SELECT 'first' AS what, placement_id, start_date AS since, visit_date AS visited \
       FROM cv WHERE prev_date IS NULL AND ((old = 0 AND (start_date >= $5 OR visit_date > $2)) \
       OR (old = 1 AND visit_date IS NULL AND next_date IS NULL)) \
     UNION ALL \
     SELECT 'gap', placement_id, prev_date, visit_date FROM cv \
       WHERE prev_date IS NOT NULL AND visit_date > $2 AND ",
    month_key!("visit_date"),
    " > ",
    month_key!("prev_date"),
    " + 300 AND ",
    month_key!("prev_date"),
    " + 300 <= $6 \
     UNION ALL \
     SELECT 'last', placement_id, visit_date, visit_date FROM cv \
       WHERE next_date IS NULL AND visit_date IS NOT NULL AND ",
    month_key!("visit_date"),
    " + 300 <= $6"
);

/// Closings in `$2..=$3` of the units' undeleted placements.
const ENDINGS_SQL: &str = "SELECT e.child_id, e.placement_id, e.end_date, e.kind, \
     e.replacement, e.reason FROM placement_closings e \
     JOIN placements p ON p.id = e.placement_id JOIN children c ON c.id = e.child_id \
     WHERE c.unit_id = ANY($1) AND p.deleted = FALSE AND e.end_date >= $2 AND e.end_date <= $3";

/// The ticks of the written-information items on the units' placements.
const TICKS_SQL: &str = "SELECT t.placement_id, t.item_key, t.state, t.ticked_at \
     FROM checklist_ticks t JOIN children c ON c.id = t.child_id \
     WHERE c.unit_id = ANY($1) AND t.item_key = ANY($2) ORDER BY t.ticked_at, t.id";

/// Counting visits per day in `$2..=$3`.
const MONTHS_SQL: &str = concat!(
    "SELECT v.visit_date AS day, COUNT(*) AS visits, \
     COUNT(CASE WHEN v.talked_alone = TRUE THEN 1 END) AS alone \
     FROM visits v JOIN children c ON c.id = v.child_id \
     WHERE c.unit_id = ANY($1) AND v.visit_date >= $2 AND v.visit_date <= $3 AND ",
    counting!("v"),
    " GROUP BY v.visit_date"
);

/// The last counting visit of each placement current on `$2` (none: no
/// date), one index seek each.
const LAST_VISITS_SQL: &str = concat!(
    "SELECT p.id AS placement_id, (SELECT MAX(v.visit_date) FROM visits v \
     WHERE v.child_id = p.child_id AND ",
    counting!("v"),
    " AND v.visit_date >= p.start_date \
     AND (p.end_date IS NULL OR v.visit_date <= p.end_date)) AS last_visit \
     FROM placements p JOIN children c ON c.id = p.child_id \
     WHERE c.unit_id = ANY($1) AND p.deleted = FALSE AND p.start_date <= $2 \
     AND (p.end_date IS NULL OR p.end_date >= $2)"
);

struct Assignment {
    child_id: ChildId,
    starts_at: DateTime<Utc>,
    ends_at: Option<DateTime<Utc>>,
    worker: UserRow,
}

impl FromRow for Assignment {
    fn from_row(row: &Row) -> Result<Self, DbError> {
        Ok(Self {
            child_id: row.get("child_id")?,
            starts_at: row.get("starts_at")?,
            ends_at: row.get("ends_at")?,
            worker: UserRow::from_row(row)?,
        })
    }
}

#[derive(Default)]
struct VisitFacts {
    visits: u32,
    by_consultant: u32,
    alone: u32,
    with_view: u32,
    reason_without_view: u32,
    distinct_visitors: u32,
    officer_visits: u32,
}

fn count(row: &Row, name: &'static str) -> Result<u32, DbError> {
    let n: i64 = row.get(name)?;
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}

impl FromRow for (ChildId, bool, VisitFacts) {
    fn from_row(row: &Row) -> Result<Self, DbError> {
        let in_now: i64 = row.get("in_now")?;
        Ok((
            row.get("child_id")?,
            in_now == 1,
            VisitFacts {
                visits: count(row, "visits")?,
                by_consultant: count(row, "by_consultant")?,
                alone: count(row, "alone")?,
                with_view: count(row, "with_view")?,
                reason_without_view: count(row, "reason_without_view")?,
                // A signing user, else the visitor's name: two kinds of
                // people that never match, counted apart (no id is made
                // text for each visit).
                distinct_visitors: count(row, "distinct_signers")?
                    .saturating_add(count(row, "distinct_unsigned")?),
                officer_visits: count(row, "officer_visits")?,
            },
        ))
    }
}

struct Candidate {
    what: String,
    placement_id: PlacementId,
    since: NaiveDate,
    visited: Option<NaiveDate>,
}

impl FromRow for Candidate {
    fn from_row(row: &Row) -> Result<Self, DbError> {
        Ok(Self {
            what: row.get("what")?,
            placement_id: row.get("placement_id")?,
            since: row.get("since")?,
            visited: row.get("visited")?,
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

struct TickSql {
    placement_id: PlacementId,
    item_key: String,
    state: String,
}

impl FromRow for TickSql {
    fn from_row(row: &Row) -> Result<Self, DbError> {
        Ok(Self {
            placement_id: row.get("placement_id")?,
            item_key: row.get("item_key")?,
            state: row.get("state")?,
        })
    }
}

/// A day's counts (summed into months in Rust: no date is turned into
/// text for each visit).
struct MonthSql {
    day: NaiveDate,
    visits: u32,
    alone: u32,
}

impl FromRow for MonthSql {
    fn from_row(row: &Row) -> Result<Self, DbError> {
        Ok(Self {
            day: row.get("day")?,
            visits: count(row, "visits")?,
            alone: count(row, "alone")?,
        })
    }
}

struct LastVisit {
    placement_id: PlacementId,
    last_visit: Option<NaiveDate>,
}

impl FromRow for LastVisit {
    fn from_row(row: &Row) -> Result<Self, DbError> {
        Ok(Self {
            placement_id: row.get("placement_id")?,
            last_visit: row.get("last_visit")?,
        })
    }
}

/// What a report reads once, for both periods: the units' children and
/// their placements and assignments.
struct Scope {
    units: Vec<UnitSummary>,
    unit_ids: Vec<UnitId>,
    children: BTreeMap<ChildId, Child>,
    /// Each child's placements in start order.
    placements: BTreeMap<ChildId, Vec<Placement>>,
    /// Where each placement is in `placements`.
    placement_index: BTreeMap<PlacementId, (ChildId, usize)>,
    assignments: BTreeMap<ChildId, Vec<Assignment>>,
    /// The latest tick state of each information item, by placement.
    ticks: BTreeMap<(PlacementId, String), String>,
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
    async fn read(
        tx: &mut Tx,
        unit_ids: &[UnitId],
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Self, DbError> {
        let units: Vec<UnitSummary> =
            Stmt::new("SELECT id, name FROM units WHERE id = ANY($1) ORDER BY name, id")
                .bind(IdList(unit_ids))
                .all(&mut *tx)
                .await?;
        let children: Vec<ChildRow> = Stmt::new(CHILDREN_SQL)
            .bind(IdList(unit_ids))
            .bind(to)
            .bind(from)
            .all(&mut *tx)
            .await?;
        let children: BTreeMap<ChildId, Child> = children
            .into_iter()
            .map(|r| r.decode().map(|c| (c.id, c)))
            .collect::<Result<_, _>>()?;
        let mut placements: BTreeMap<ChildId, Vec<Placement>> = BTreeMap::new();
        let rows: Vec<PlacementRow> = Stmt::new(PLACEMENTS_SQL)
            .bind(IdList(unit_ids))
            .all(&mut *tx)
            .await?;
        for row in rows {
            let placement = row.decode()?.placement;
            if children.contains_key(&placement.child_id) {
                placements
                    .entry(placement.child_id)
                    .or_default()
                    .push(placement);
            }
        }
        let mut placement_index = BTreeMap::new();
        for (child, list) in &mut placements {
            list.sort_by_key(|p| (p.start_date, p.id));
            for (at, p) in list.iter().enumerate() {
                placement_index.insert(p.id, (*child, at));
            }
        }
        let mut assignments: BTreeMap<ChildId, Vec<Assignment>> = BTreeMap::new();
        let rows: Vec<Assignment> = Stmt::new(ASSIGNMENTS_SQL)
            .bind(IdList(unit_ids))
            .all(&mut *tx)
            .await?;
        for row in rows {
            if children.contains_key(&row.child_id) {
                assignments.entry(row.child_id).or_default().push(row);
            }
        }
        for list in assignments.values_mut() {
            list.sort_by_key(|a| (a.starts_at, a.worker.id));
        }
        let items = TextList(INFORMATION_ITEMS.iter().map(|s| (*s).to_owned()).collect());
        let rows: Vec<TickSql> = Stmt::new(TICKS_SQL)
            .bind(IdList(unit_ids))
            .bind(items)
            .all(&mut *tx)
            .await?;
        // In tick order: the last one written wins.
        let ticks = rows
            .into_iter()
            .map(|t| ((t.placement_id, t.item_key), t.state))
            .collect();
        Ok(Self {
            units,
            unit_ids: unit_ids.to_vec(),
            children,
            placements,
            placement_index,
            assignments,
            ticks,
        })
    }

    /// The placement, and where its schedule clock stops (its end, or the
    /// next placement's start).
    fn placement(&self, id: PlacementId) -> Option<(&Placement, Option<NaiveDate>)> {
        let (child, at) = self.placement_index.get(&id)?;
        let list = self.placements.get(child)?;
        let placement = list.get(*at)?;
        let next_start = list.get(at + 1).map(|p| p.start_date);
        let clock_end = [placement.end_date, next_start].into_iter().flatten().min();
        Some((placement, clock_end))
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
            .map(|a| worker_ref(&a.worker))
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
                .map(|a| worker_ref(&a.worker))
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

    fn informed(&self, placement: PlacementId) -> Informed {
        let done = |item: &str| {
            self.ticks
                .get(&(placement, item.to_owned()))
                .is_some_and(|state| state == "done")
        };
        let [contact, complaints, rights] = INFORMATION_ITEMS;
        Informed {
            contact: done(contact),
            complaints: done(complaints),
            rights: done(rights),
        }
    }

    fn unit_of(&self, child: &Child) -> Option<UnitSummary> {
        let id = child.unit_id?;
        self.units.iter().find(|u| u.id == id).cloned()
    }
}

/// The facts of every child placed in `now` and, with `previous` (the
/// period just before it), in that one too, computed on `today`: each query
/// reads both periods at once.
async fn periods_facts(
    tx: &mut Tx,
    scope: &Scope,
    now: Period,
    previous: Option<Period>,
    today: NaiveDate,
) -> Result<(PeriodFacts, Option<PeriodFacts>), DbError> {
    let lo = previous.map_or(now.from, |p| p.from);
    let visit_rows: Vec<(ChildId, bool, VisitFacts)> = Stmt::new(VISIT_FACTS_SQL)
        .bind(IdList(&scope.unit_ids))
        .bind(lo)
        .bind(now.to)
        .bind(now.from)
        .all(&mut *tx)
        .await?;
    let (mut visits_now, mut visits_before) = (BTreeMap::new(), BTreeMap::new());
    for (child, in_now, facts) in visit_rows {
        let into = if in_now {
            &mut visits_now
        } else {
            &mut visits_before
        };
        into.insert(child, facts);
    }

    // No due date after the last period's end or on or after today counts.
    let upper = now.to.min(today - Days::new(1));
    let candidates: Vec<Candidate> = Stmt::new(CANDIDATES_SQL)
        .bind(IdList(&scope.unit_ids))
        .bind(lo)
        .bind(now.to)
        .bind(lo - Months::new(MONTHS_BETWEEN_VISITS + 1))
        .bind(lo - Days::new(FIRST_VISIT_WITHIN_DAYS))
        .bind(key(upper) + CLAMP_SLACK)
        .all(&mut *tx)
        .await?;
    let endings: Vec<EndingSql> = Stmt::new(ENDINGS_SQL)
        .bind(IdList(&scope.unit_ids))
        .bind(lo)
        .bind(now.to)
        .all(&mut *tx)
        .await?;
    let facts_now = facts_of(scope, now, today, &candidates, visits_now, &endings);
    let facts_before =
        previous.map(|p| facts_of(scope, p, today, &candidates, visits_before, &endings));
    Ok((facts_now, facts_before))
}

/// The facts of every child placed in `period`, from what
/// [`periods_facts`] read (`visits`: this period's).
fn facts_of(
    scope: &Scope,
    period: Period,
    today: NaiveDate,
    candidates: &[Candidate],
    mut visits: BTreeMap<ChildId, VisitFacts>,
    endings: &[EndingSql],
) -> PeriodFacts {
    let upper = period.to.min(today - Days::new(1));
    let first_week = Days::new(FIRST_VISIT_WITHIN_DAYS);
    let mut new_placements: BTreeMap<ChildId, (u32, u32)> = BTreeMap::new();
    let mut broken: BTreeMap<ChildId, Vec<BrokenInterval>> = BTreeMap::new();
    for c in candidates {
        let Some((placement, clock_end)) = scope.placement(c.placement_id) else {
            continue;
        };
        let child = placement.child_id;
        let due = match c.what.as_str() {
            "first" => {
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
        let visited = if c.what == "last" { None } else { c.visited };
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
            first_visit: c.what == "first",
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
        let v = visits.remove(id).unwrap_or_default();
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
async fn overdue_now(
    tx: &mut Tx,
    scope: &Scope,
    today: NaiveDate,
) -> Result<Vec<OverdueRow>, DbError> {
    let last: Vec<LastVisit> = Stmt::new(LAST_VISITS_SQL)
        .bind(IdList(&scope.unit_ids))
        .bind(today)
        .all(&mut *tx)
        .await?;
    let last: BTreeMap<PlacementId, NaiveDate> = last
        .into_iter()
        .filter_map(|l| Some((l.placement_id, l.last_visit?)))
        .collect();
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
            let Some(next) = next_visit_due(placement, last.get(&placement.id).copied()) else {
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
    for due in tx.decisions_to_act_on(&scope.unit_ids, today).await? {
        let placement = due.placement.id;
        match due.decision {
            DecisionStatus::Expired { until, days_over } => rows.push(named(
                &due.child,
                placement,
                OverdueKind::DecisionExpired { until },
                days_over,
            )),
            DecisionStatus::EndsSoon { until, days_left } => rows.push(named(
                &due.child,
                placement,
                OverdueKind::DecisionEnding { until },
                -days_left,
            )),
            DecisionStatus::NoEndDate | DecisionStatus::Valid { .. } => {}
        }
        match due.consideration {
            ConsiderationStatus::Overdue { due: at, days_over } => rows.push(named(
                &due.child,
                placement,
                OverdueKind::ConsiderationDue { due: at },
                days_over,
            )),
            ConsiderationStatus::DueSoon { due: at, days_left } => rows.push(named(
                &due.child,
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
    Ok(rows)
}

async fn visits_per_month(
    tx: &mut Tx,
    scope: &Scope,
    period: Period,
    previous: Period,
) -> Result<Vec<MonthlyVisits>, DbError> {
    let rows: Vec<MonthSql> = Stmt::new(MONTHS_SQL)
        .bind(IdList(&scope.unit_ids))
        .bind(previous.from)
        .bind(period.to)
        .all(&mut *tx)
        .await?;
    let mut by_month: BTreeMap<NaiveDate, (u32, u32)> = BTreeMap::new();
    for r in rows {
        let month = r.day.with_day(1).unwrap_or(r.day);
        let counts = by_month.entry(month).or_default();
        counts.0 += r.visits;
        counts.1 += r.alone;
    }
    let mut months: Vec<NaiveDate> = previous.months();
    months.extend(period.months());
    months.sort_unstable();
    months.dedup();
    Ok(months
        .into_iter()
        .map(|month| {
            let (visits, talked_alone) = by_month.get(&month).copied().unwrap_or_default();
            MonthlyVisits {
                month,
                visits,
                talked_alone,
            }
        })
        .collect())
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
        let mut tx = self.begin_snapshot().await?;
        let scope = Scope::read(&mut tx, units, previous.from, period.to.max(query.today)).await?;
        let (now, before) =
            periods_facts(&mut tx, &scope, period, Some(previous), query.today).await?;
        let before = before.unwrap_or_default();
        let visits_per_month = visits_per_month(&mut tx, &scope, period, previous).await?;
        let overdue = overdue_now(&mut tx, &scope, query.today).await?;
        tx.rollback().await?;
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
        let mut tx = self.begin_snapshot().await?;
        let scope = Scope::read(&mut tx, units, period.from, period.to.max(today)).await?;
        let (facts, _) = periods_facts(&mut tx, &scope, period, None, today).await?;
        tx.rollback().await?;
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
        let mut tx = self.begin_snapshot().await?;
        let scope = Scope::read(&mut tx, units, today, today).await?;
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
        let (overdue, decisions): (Vec<OverdueRow>, Vec<OverdueRow>) =
            overdue_now(&mut tx, &scope, today)
                .await?
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
        let last: Vec<LastVisit> = Stmt::new(LAST_VISITS_SQL)
            .bind(IdList(&scope.unit_ids))
            .bind(today)
            .all(&mut tx)
            .await?;
        tx.rollback().await?;
        let last: BTreeMap<PlacementId, NaiveDate> = last
            .into_iter()
            .filter_map(|l| Some((l.placement_id, l.last_visit?)))
            .collect();
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
                let last_visit = current.and_then(|p| last.get(&p.id).copied());
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
