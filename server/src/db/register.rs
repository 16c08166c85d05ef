//! The register: homes and their checks, and the writes that keep children
//! and placements in step with the case-management system. The register
//! API and the import build on these, inside one [`Tx`] (all or nothing);
//! what may be written is decided before (`crate::access`, the import's
//! checks). None of these writes the audit log except
//! [`Tx::set_child_workers`]: the caller logs its writes with its `Who`.

use super::accounts::{AccessKind, NewAccess, UserRow};
use super::audit::Who;
use super::column::{FromRow, IdList, JsonText, Row};
use super::rows::{
    child_columns, placement_columns, serde_name, ChangeRow, ChildRow, PlacementRow,
    StoredPlacement,
};
use super::statement::{Stmt, Tx};
use super::{Database, DbError};
use chrono::{NaiveDate, Utc};
use serde_json::{json, Value};
use shared::auth::UnitSummary;
use shared::protocol::Record;
use shared::register::{
    ConsiderationStatus, DecisionStatus, Home, HomeCheck, HomeEntry, HomeHistory,
};
use shared::{
    Child, ChildId, ExternalId, HomeId, Placement, PlacementClosing, PlacementId, UnitId, UserId,
};
use std::collections::{BTreeMap, BTreeSet};

/// A placement whose decision or consideration needs acting on
/// ([`Tx::decisions_to_act_on`]).
#[derive(Clone, Debug)]
pub(crate) struct DecisionToAct {
    pub placement: Placement,
    pub child: Child,
    pub decision: DecisionStatus,
    pub consideration: ConsiderationStatus,
}

/// A placement [`decisions_among`] lists, with its child.
pub(crate) struct DecisionDue<'a> {
    pub placement: &'a Placement,
    pub child: &'a Child,
    pub decision: DecisionStatus,
    pub consideration: ConsiderationStatus,
}

/// What [`Tx::decisions_to_act_on`] lists of `placements` (open ones) on
/// `on`, each with its child from `child`.
pub(crate) fn decisions_among<'a>(
    placements: impl IntoIterator<Item = &'a Placement>,
    child: impl Fn(ChildId) -> Option<&'a Child>,
    on: NaiveDate,
) -> Vec<DecisionDue<'a>> {
    let mut due: Vec<DecisionDue<'a>> = placements
        .into_iter()
        .filter(|p| p.start_date <= on)
        .filter_map(|placement| {
            let decision = placement.decision_status(on);
            let consideration = placement.consideration_status(on);
            let child = child(placement.child_id)?;
            needs_action(decision, consideration).then_some(DecisionDue {
                placement,
                child,
                decision,
                consideration,
            })
        })
        .collect();
    due.sort_by_key(|d| {
        (
            d.placement.decision_until.unwrap_or(NaiveDate::MAX),
            d.placement.consideration_due(),
            d.placement.id,
        )
    });
    due
}

/// Whether the list of decisions shows a placement.
fn needs_action(decision: DecisionStatus, consideration: ConsiderationStatus) -> bool {
    matches!(
        decision,
        DecisionStatus::Expired { .. } | DecisionStatus::EndsSoon { .. }
    ) || matches!(
        consideration,
        ConsiderationStatus::DueSoon { .. } | ConsiderationStatus::Overdue { .. }
    )
}

/// What an upsert did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Upsert {
    Created,
    Updated,
    /// The stored record was already the same: nothing written.
    Unchanged,
}

/// The columns [`HomeRow`] reads.
macro_rules! home_columns {
    () => {
        "id, unit_id, kind, name, external_id, contact"
    };
}

/// A `homes` row (without its checks).
struct HomeRow {
    id: HomeId,
    unit_id: UnitId,
    kind: String,
    name: String,
    external_id: Option<String>,
    contact: String,
}

impl FromRow for HomeRow {
    fn from_row(row: &Row) -> Result<Self, DbError> {
        Ok(Self {
            id: row.get("id")?,
            unit_id: row.get("unit_id")?,
            kind: row.get("kind")?,
            name: row.get("name")?,
            external_id: row.get("external_id")?,
            contact: row.get::<JsonText>("contact")?.into_string(),
        })
    }
}

/// A stored value back into its domain type, through its serde form (the
/// same checks as on the way in).
fn decode<T: serde::de::DeserializeOwned>(table: &'static str, value: Value) -> Result<T, DbError> {
    // serde's message can quote the value: the category only.
    serde_json::from_value(value).map_err(|e| DbError::CorruptRow {
        table,
        reason: format!("{:?} error decoding a row", e.classify()),
    })
}

impl HomeRow {
    fn decode(self, checks: &[HomeCheck]) -> Result<Home, DbError> {
        let contact: Value =
            serde_json::from_str(&self.contact).map_err(|e| DbError::CorruptRow {
                table: "homes",
                reason: format!("{:?} error in the contact", e.classify()),
            })?;
        decode(
            "homes",
            json!({
                "id": self.id,
                "unit_id": self.unit_id,
                "kind": self.kind,
                "name": self.name,
                "external_id": self.external_id,
                "contact": contact,
                "checks": checks,
            }),
        )
    }
}

/// A `home_checks` row.
struct CheckRow {
    home_id: HomeId,
    kind: String,
    check_date: NaiveDate,
    result: String,
    made_by: String,
    note: String,
}

impl FromRow for CheckRow {
    fn from_row(row: &Row) -> Result<Self, DbError> {
        Ok(Self {
            home_id: row.get("home_id")?,
            kind: row.get("kind")?,
            check_date: row.get("check_date")?,
            result: row.get("result")?,
            made_by: row.get("made_by")?,
            note: row.get("note")?,
        })
    }
}

impl CheckRow {
    fn decode(self) -> Result<(HomeId, HomeCheck), DbError> {
        let check = decode(
            "home_checks",
            json!({
                "kind": self.kind,
                "date": self.check_date,
                "result": self.result,
                "made_by": self.made_by,
                "note": self.note,
            }),
        )?;
        Ok((self.home_id, check))
    }
}

/// A closing with the home of its placement.
struct HomeClosingRow {
    home_id: HomeId,
    closing: PlacementClosing,
}

impl FromRow for HomeClosingRow {
    fn from_row(row: &Row) -> Result<Self, DbError> {
        const TABLE: &str = "placement_closings";
        let details: Value = serde_json::from_str(&row.get::<JsonText>("details")?.into_string())
            .map_err(|e| DbError::CorruptRow {
            table: TABLE,
            reason: format!("{:?} error in the details", e.classify()),
        })?;
        let field = |name: &str| details.get(name).cloned().unwrap_or(Value::Null);
        let closing = decode(
            TABLE,
            json!({
                "id": row.get::<uuid::Uuid>("id")?,
                "child_id": row.get::<ChildId>("child_id")?,
                "placement_id": row.get::<PlacementId>("placement_id")?,
                "end_date": row.get::<NaiveDate>("end_date")?,
                "kind": row.get::<String>("kind")?,
                "replacement": row.get::<bool>("replacement")?,
                "reason": row.get::<Option<String>>("reason")?,
                "reason_text": field("reason_text"),
                "closing_note": field("closing_note"),
                "signed_by": row.get::<UserId>("signed_by")?,
                "signed_by_name": field("signed_by_name"),
                "recorded_at": field("recorded_at"),
            }),
        )?;
        Ok(Self {
            home_id: row.get("home_id")?,
            closing,
        })
    }
}

/// A live placement and whether it has its closing.
struct PlacementStateRow {
    row: PlacementRow,
    closed: bool,
}

impl FromRow for PlacementStateRow {
    fn from_row(row: &Row) -> Result<Self, DbError> {
        Ok(Self {
            row: PlacementRow::from_row(row)?,
            closed: row.get("closed")?,
        })
    }
}

impl Database {
    /// A write transaction for the register's primitives below (all or
    /// nothing: the caller commits, or drops it to roll back).
    pub(crate) async fn begin_write(&self) -> Result<Tx, DbError> {
        self.pool.begin_write().await
    }

    /// A read-only transaction that sees one snapshot (no locking reads in
    /// it: the `*_for_update` ones are for [`Self::begin_write`]).
    pub(crate) async fn begin_snapshot(&self) -> Result<Tx, DbError> {
        self.pool.begin_snapshot().await
    }

    pub(crate) async fn begin_snapshot_pair(&self) -> Result<(Tx, Tx), DbError> {
        self.pool.begin_snapshot_pair().await
    }
}

/// Numbers `record` and appends it to the change feed.
async fn append(tx: &mut Tx, record: &Record) -> Result<i64, DbError> {
    let row = ChangeRow::of(record)?;
    let seq = tx.next_seq().await?;
    tx.insert_change(seq, &row).await?;
    Ok(seq)
}

fn ext(id: Option<&ExternalId>) -> Option<&str> {
    id.map(ExternalId::as_str)
}

impl Tx {
    /// The unit holding the home, if the home exists.
    pub(crate) async fn home_unit(&mut self, id: HomeId) -> Result<Option<UnitId>, DbError> {
        Stmt::new("SELECT unit_id FROM homes WHERE id = $1")
            .bind(id)
            .optional(self)
            .await
    }

    /// The unit a child belongs to (`None` also for an unknown child).
    pub(crate) async fn child_unit(&mut self, id: ChildId) -> Result<Option<UnitId>, DbError> {
        Stmt::new("SELECT unit_id FROM children WHERE id = $1")
            .bind(id)
            .optional::<Option<UnitId>>(self)
            .await
            .map(Option::flatten)
    }

    /// The checks of `homes`, oldest first.
    async fn checks_of(&mut self, homes: &[HomeId]) -> Result<Vec<(HomeId, HomeCheck)>, DbError> {
        let rows: Vec<CheckRow> = Stmt::new(
            "SELECT home_id, kind, check_date, result, made_by, note FROM home_checks \
             WHERE home_id = ANY($1) ORDER BY check_date, kind",
        )
        .bind(IdList(homes))
        .all(self)
        .await?;
        rows.into_iter().map(CheckRow::decode).collect()
    }

    /// Homes with their checks, in name order.
    async fn with_checks(&mut self, rows: Vec<HomeRow>) -> Result<Vec<Home>, DbError> {
        let ids: Vec<HomeId> = rows.iter().map(|r| r.id).collect();
        let mut checks: BTreeMap<HomeId, Vec<HomeCheck>> = BTreeMap::new();
        for (home, check) in self.checks_of(&ids).await? {
            checks.entry(home).or_default().push(check);
        }
        let mut homes = rows
            .into_iter()
            .map(|row| {
                let own = checks.remove(&row.id).unwrap_or_default();
                row.decode(&own)
            })
            .collect::<Result<Vec<_>, _>>()?;
        homes.sort_by(|a, b| a.name.as_str().cmp(b.name.as_str()).then(a.id.cmp(&b.id)));
        Ok(homes)
    }

    /// The home with its checks.
    pub(crate) async fn home(&mut self, id: HomeId) -> Result<Option<Home>, DbError> {
        let row: Option<HomeRow> = Stmt::new(concat!(
            "SELECT ",
            home_columns!(),
            " FROM homes WHERE id = $1"
        ))
        .bind(id)
        .optional(&mut *self)
        .await?;
        match row {
            Some(row) => Ok(self.with_checks(vec![row]).await?.pop()),
            None => Ok(None),
        }
    }

    /// The homes held by `units`, with their checks, in name order.
    pub(crate) async fn homes_in_units(&mut self, units: &[UnitId]) -> Result<Vec<Home>, DbError> {
        let rows: Vec<HomeRow> = Stmt::new(concat!(
            "SELECT ",
            home_columns!(),
            " FROM homes WHERE unit_id = ANY($1)"
        ))
        .bind(IdList(units))
        .all(&mut *self)
        .await?;
        self.with_checks(rows).await
    }

    /// The homes `ids` that exist, with their checks, in name order.
    pub(crate) async fn homes_by_id(&mut self, ids: &[HomeId]) -> Result<Vec<Home>, DbError> {
        let rows: Vec<HomeRow> = Stmt::new(concat!(
            "SELECT ",
            home_columns!(),
            " FROM homes WHERE id = ANY($1)"
        ))
        .bind(IdList(ids))
        .all(&mut *self)
        .await?;
        self.with_checks(rows).await
    }

    /// The home with that id in the case-management system.
    pub(crate) async fn home_by_external_id(
        &mut self,
        external_id: &ExternalId,
    ) -> Result<Option<Home>, DbError> {
        let row: Option<HomeRow> = Stmt::new(concat!(
            "SELECT ",
            home_columns!(),
            " FROM homes WHERE external_id = $1"
        ))
        .bind(external_id.as_str())
        .optional(&mut *self)
        .await?;
        match row {
            Some(row) => Ok(self.with_checks(vec![row]).await?.pop()),
            None => Ok(None),
        }
    }

    /// Writes the home's own fields (unit, kind, name, external id, contact);
    /// `home.checks` is not written here: each goes through
    /// [`Self::add_home_check`]. An external id held by another home is
    /// [`DbError::ExternalIdTaken`].
    pub(crate) async fn upsert_home(&mut self, home: &Home) -> Result<Upsert, DbError> {
        if let Some(external_id) = &home.external_id {
            if let Some(other) = self.home_by_external_id(external_id).await? {
                if other.id != home.id {
                    return Err(DbError::ExternalIdTaken {
                        kind: "home",
                        external_id: external_id.to_string(),
                    });
                }
            }
        }
        let contact =
            serde_json::to_string(&home.contact).map_err(|e| DbError::Encode(e.classify()))?;
        let stored: Option<HomeRow> = Stmt::new(concat!(
            "SELECT ",
            home_columns!(),
            " FROM homes WHERE id = $1"
        ))
        .bind(home.id)
        .lock_rows()
        .optional(&mut *self)
        .await?;
        let upsert = match stored {
            None => Upsert::Created,
            Some(row) => {
                let stored = row.decode(&[])?;
                let same = stored.unit_id == home.unit_id
                    && stored.kind == home.kind
                    && stored.name == home.name
                    && stored.external_id == home.external_id
                    && stored.contact == home.contact;
                if same {
                    return Ok(Upsert::Unchanged);
                }
                Upsert::Updated
            }
        };
        let sql = match upsert {
            Upsert::Created => {
                "INSERT INTO homes (id, unit_id, kind, name, external_id, contact, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)"
            }
            _ => {
                "UPDATE homes SET unit_id = $2, kind = $3, name = $4, external_id = $5, \
                 contact = $6, updated_at = $7 WHERE id = $1"
            }
        };
        Stmt::new(sql)
            .bind(home.id)
            .bind(home.unit_id)
            .bind(serde_name(&home.kind))
            .bind(home.name.as_str())
            .bind(ext(home.external_id.as_ref()))
            .bind(JsonText(contact.into()))
            .bind(Utc::now())
            .execute(&mut *self)
            .await?;
        Ok(upsert)
    }

    /// Adds a check to a home; the same home, kind and date is the same
    /// check, kept as first recorded: `false` then. `recorded_by` is `None`
    /// for an import.
    pub(crate) async fn add_home_check(
        &mut self,
        home: HomeId,
        check: &HomeCheck,
        recorded_by: Option<UserId>,
    ) -> Result<bool, DbError> {
        let n = Stmt::new(
            "INSERT INTO home_checks (home_id, kind, check_date, result, made_by, note, \
             recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             ON CONFLICT (home_id, kind, check_date) DO NOTHING",
        )
        .bind(home)
        .bind(check.kind.as_str())
        .bind(check.date)
        .bind(check.result.as_str())
        .bind(check.made_by.as_str())
        .bind(check.note.as_str())
        .bind(recorded_by)
        .bind(Utc::now())
        .execute(self)
        .await?;
        Ok(n == 1)
    }

    /// The closings of the (undeleted) placements at `homes`.
    pub(crate) async fn closings_at_homes(
        &mut self,
        homes: &[HomeId],
    ) -> Result<Vec<(HomeId, PlacementClosing)>, DbError> {
        let rows: Vec<HomeClosingRow> = Stmt::new(
            "SELECT p.home_id, c.id, c.child_id, c.placement_id, c.end_date, c.kind, \
             c.replacement, c.reason, c.signed_by, c.details \
             FROM placement_closings c JOIN placements p ON p.id = c.placement_id \
             WHERE p.home_id = ANY($1) AND p.deleted = FALSE",
        )
        .bind(IdList(homes))
        .all(self)
        .await?;
        Ok(rows.into_iter().map(|r| (r.home_id, r.closing)).collect())
    }

    /// The undeleted placements at `homes`, each with whether it is closed.
    async fn placements_at_homes(
        &mut self,
        homes: &[HomeId],
    ) -> Result<Vec<(Placement, bool)>, DbError> {
        let rows: Vec<PlacementStateRow> = Stmt::new(concat!(
            "SELECT ",
            placement_columns!(),
            ", EXISTS (SELECT 1 FROM placement_closings c WHERE c.placement_id = placements.id) \
             AS closed FROM placements WHERE home_id = ANY($1) AND deleted = FALSE"
        ))
        .bind(IdList(homes))
        .all(self)
        .await?;
        rows.into_iter()
            .map(|r| Ok((r.row.decode()?.placement, r.closed)))
            .collect()
    }

    /// The register's view of `homes` on `today`: each with its breakdowns
    /// and re-placements in the last twelve months ([`HomeHistory::count`])
    /// and its current placements (open, in force today).
    pub(crate) async fn home_entries(
        &mut self,
        homes: Vec<Home>,
        today: NaiveDate,
    ) -> Result<Vec<HomeEntry>, DbError> {
        let ids: Vec<HomeId> = homes.iter().map(|h| h.id).collect();
        let mut closings: BTreeMap<HomeId, Vec<PlacementClosing>> = BTreeMap::new();
        for (home, closing) in self.closings_at_homes(&ids).await? {
            closings.entry(home).or_default().push(closing);
        }
        let mut current: BTreeMap<HomeId, u32> = BTreeMap::new();
        for (placement, closed) in self.placements_at_homes(&ids).await? {
            if let (Some(home), false, true) =
                (placement.home_id, closed, placement.is_current_on(today))
            {
                *current.entry(home).or_default() += 1;
            }
        }
        let deviations = self.home_report_counts(&ids, true).await?;
        let complaints = self.home_report_counts(&ids, false).await?;
        Ok(homes
            .into_iter()
            .map(|home| HomeEntry {
                deviations: deviations.get(&home.id).copied().unwrap_or(0),
                complaints: complaints.get(&home.id).copied().unwrap_or(0),
                history: HomeHistory::count(
                    closings.get(&home.id).map_or(&[][..], Vec::as_slice),
                    today,
                ),
                current_placements: current.get(&home.id).copied().unwrap_or(0),
                home,
            })
            .collect())
    }

    /// The child with that id in the case-management system.
    pub(crate) async fn child_by_external_id(
        &mut self,
        external_id: &ExternalId,
    ) -> Result<Option<Child>, DbError> {
        let row: Option<ChildRow> = Stmt::new(concat!(
            "SELECT ",
            child_columns!(),
            " FROM children WHERE external_id = $1"
        ))
        .bind(external_id.as_str())
        .optional(self)
        .await?;
        row.map(ChildRow::decode).transpose()
    }

    /// The placement with that id in the case-management system (a deleted
    /// one too: see `deleted`).
    pub(crate) async fn placement_by_external_id(
        &mut self,
        external_id: &ExternalId,
    ) -> Result<Option<StoredPlacement>, DbError> {
        let row: Option<PlacementRow> = Stmt::new(concat!(
            "SELECT ",
            placement_columns!(),
            " FROM placements WHERE external_id = $1"
        ))
        .bind(external_id.as_str())
        .optional(self)
        .await?;
        row.map(PlacementRow::decode).transpose()
    }

    /// Creates the child, or writes every field of the stored one; a change
    /// goes to the feed only when something changed. An external id held by
    /// another child is [`DbError::ExternalIdTaken`].
    pub(crate) async fn upsert_child(&mut self, child: &Child) -> Result<Upsert, DbError> {
        if let Some(external_id) = &child.external_id {
            if let Some(other) = self.child_by_external_id(external_id).await? {
                if other.id != child.id {
                    return Err(DbError::ExternalIdTaken {
                        kind: "child",
                        external_id: external_id.to_string(),
                    });
                }
            }
        }
        let upsert = match self.child_for_update(child.id).await? {
            None => {
                self.insert_child(child).await?;
                Upsert::Created
            }
            Some(stored) if stored == *child => return Ok(Upsert::Unchanged),
            Some(_) => {
                self.update_child(child).await?;
                Upsert::Updated
            }
        };
        append(self, &Record::Child(child.clone())).await?;
        Ok(upsert)
    }

    /// Creates the placement, or writes every field of the stored one; a
    /// change goes to the feed only when something changed. When `home_id`
    /// names a home in the register, `home_name` is copied from it. The
    /// caller refuses what may not change first: a closed placement
    /// ([`Self::placement_closed`]), a deleted one, an unknown child, a home
    /// of another unit. An external id held by another placement is
    /// [`DbError::ExternalIdTaken`]. Returns the placement as stored.
    pub(crate) async fn upsert_placement(
        &mut self,
        placement: &Placement,
    ) -> Result<(Upsert, Placement), DbError> {
        if let Some(external_id) = &placement.external_id {
            if let Some(other) = self.placement_by_external_id(external_id).await? {
                if other.placement.id != placement.id {
                    return Err(DbError::ExternalIdTaken {
                        kind: "placement",
                        external_id: external_id.to_string(),
                    });
                }
            }
        }
        let mut placement = placement.clone();
        if let Some(home) = placement.home_id {
            if let Some(home) = self.home(home).await? {
                placement.home_name = home.name;
            }
        }
        let upsert = match self.placement_for_update(placement.id).await? {
            None => {
                self.insert_placement(&placement).await?;
                Upsert::Created
            }
            Some(stored) if stored.placement == placement => {
                return Ok((Upsert::Unchanged, placement))
            }
            Some(_) => {
                self.update_placement(&placement).await?;
                Upsert::Updated
            }
        };
        append(self, &Record::Placement(placement.clone())).await?;
        Ok((upsert, placement))
    }

    /// The users on the child's caseload now (assignments, not cover).
    pub(crate) async fn child_workers(&mut self, child: ChildId) -> Result<Vec<UserId>, DbError> {
        Stmt::new(
            "SELECT DISTINCT user_id FROM child_access WHERE child_id = $1 AND kind = 'assigned' \
             AND starts_at <= $2 AND (ends_at IS NULL OR ends_at > $2) ORDER BY user_id",
        )
        .bind(child)
        .bind(Utc::now())
        .all(self)
        .await
    }

    /// Makes `workers` the child's responsible social workers: assignments
    /// of anyone else end now, the new ones start now, each logged as `by`.
    /// Cover is left alone. Whether each worker may have the child is
    /// decided before (`crate::access`). Returns whether anything changed.
    pub(crate) async fn set_child_workers(
        &mut self,
        child: ChildId,
        workers: &[UserId],
        by: &Who,
    ) -> Result<bool, DbError> {
        let wanted: BTreeSet<UserId> = workers.iter().copied().collect();
        let current: BTreeSet<UserId> = self.child_workers(child).await?.into_iter().collect();
        for gone in current.difference(&wanted) {
            self.end_access(child, *gone, Some(AccessKind::Assigned), by)
                .await?;
        }
        let now = Utc::now();
        for new in wanted.difference(&current) {
            self.insert_access(
                &NewAccess {
                    child_id: child,
                    user_id: *new,
                    kind: AccessKind::Assigned,
                    granted_by: None,
                    starts_at: now,
                    ends_at: None,
                },
                by,
            )
            .await?;
        }
        Ok(wanted != current)
    }

    /// The children `ids` that exist.
    pub(crate) async fn children_by_id(&mut self, ids: &[ChildId]) -> Result<Vec<Child>, DbError> {
        let rows: Vec<ChildRow> = Stmt::new(concat!(
            "SELECT ",
            child_columns!(),
            " FROM children WHERE id = ANY($1)"
        ))
        .bind(IdList(ids))
        .all(self)
        .await?;
        rows.into_iter().map(ChildRow::decode).collect()
    }

    /// The user with that id.
    pub(crate) async fn user_by_id(&mut self, id: UserId) -> Result<Option<UserRow>, DbError> {
        Stmt::new(concat!(
            "SELECT ",
            super::accounts::user_columns!(),
            " FROM users WHERE id = $1"
        ))
        .bind(id)
        .optional(self)
        .await
    }

    /// The units the user belongs to.
    pub(crate) async fn units_of(&mut self, user: UserId) -> Result<Vec<UnitSummary>, DbError> {
        Stmt::new(
            "SELECT u.id, u.name FROM units u JOIN user_units uu ON uu.unit_id = u.id \
             WHERE uu.user_id = $1 ORDER BY u.name",
        )
        .bind(user)
        .all(self)
        .await
    }

    /// The unit with that name.
    pub(crate) async fn unit_by_name(&mut self, name: &str) -> Result<Option<UnitId>, DbError> {
        Stmt::new("SELECT id FROM units WHERE name = $1")
            .bind(name)
            .optional(self)
            .await
    }

    /// The user with that user name.
    pub(crate) async fn user_by_username(
        &mut self,
        username: &str,
    ) -> Result<Option<UserRow>, DbError> {
        Stmt::new(concat!(
            "SELECT ",
            super::accounts::user_columns!(),
            " FROM users WHERE username = $1"
        ))
        .bind(username)
        .optional(self)
        .await
    }

    /// The users of `units`, for choosing workers.
    pub(crate) async fn users_in_units(
        &mut self,
        units: &[UnitId],
    ) -> Result<Vec<UserRow>, DbError> {
        Stmt::new(concat!(
            "SELECT ",
            super::accounts::user_columns!(),
            " FROM users WHERE id IN (SELECT user_id FROM user_units WHERE unit_id = ANY($1)) \
             ORDER BY display_name, id"
        ))
        .bind(IdList(units))
        .all(self)
        .await
    }

    /// The undeleted, unclosed placements of the children of `units`.
    pub(crate) async fn open_placements_in_units(
        &mut self,
        units: &[UnitId],
    ) -> Result<Vec<Placement>, DbError> {
        let rows: Vec<PlacementRow> = Stmt::new(concat!(
            "SELECT ",
            placement_columns!(),
            " FROM placements WHERE deleted = FALSE \
             AND child_id IN (SELECT id FROM children WHERE unit_id = ANY($1)) \
             AND NOT EXISTS (SELECT 1 FROM placement_closings c \
                             WHERE c.placement_id = placements.id) \
             ORDER BY start_date, id"
        ))
        .bind(IdList(units))
        .all(self)
        .await?;
        rows.into_iter()
            .map(|r| Ok(r.decode()?.placement))
            .collect()
    }

    /// What `GET /v1/register/decisions` lists on `on`: the open placements
    /// of `units` started by then whose decision has expired or ends soon,
    /// or whose consideration is due soon or overdue; by decision end, then
    /// consideration due. The self-check's "overdue now" reuses it.
    pub(crate) async fn decisions_to_act_on(
        &mut self,
        units: &[UnitId],
        on: NaiveDate,
    ) -> Result<Vec<DecisionToAct>, DbError> {
        let placements = self.open_placements_in_units(units).await?;
        let ids: Vec<ChildId> = placements.iter().map(|p| p.child_id).collect();
        let children: BTreeMap<ChildId, Child> = self
            .children_by_id(&ids)
            .await?
            .into_iter()
            .map(|c| (c.id, c))
            .collect();
        Ok(decisions_among(&placements, |id| children.get(&id), on)
            .into_iter()
            .map(|d| DecisionToAct {
                placement: d.placement.clone(),
                child: d.child.clone(),
                decision: d.decision,
                consideration: d.consideration,
            })
            .collect())
    }
    /// The homes of the (undeleted) placements of `children`.
    pub(crate) async fn homes_of_children(
        &mut self,
        children: &[ChildId],
    ) -> Result<Vec<HomeId>, DbError> {
        Stmt::new(
            "SELECT DISTINCT home_id FROM placements WHERE child_id = ANY($1) \
             AND deleted = FALSE AND home_id IS NOT NULL",
        )
        .bind(IdList(children))
        .all(self)
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::DatabaseTarget;
    use shared::register::{CheckKind, CheckResult, HomeContact};
    use shared::{LegalBasis, PersonName, PlacementKind, Sex, VisitNote};

    fn day(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    async fn database(dir: &tempfile::TempDir) -> Database {
        let db = Database::connect(&DatabaseTarget::SqliteFile(dir.path().join("t.db")))
            .await
            .expect("open");
        db.migrate().await.expect("migrate");
        db
    }

    #[tokio::test]
    async fn upserts_write_once_and_read_back_every_field() {
        let dir = tempfile::tempdir().expect("dir");
        let db = database(&dir).await;
        let unit = UnitId::new_random();
        assert!(db.insert_unit(unit, "Enheten").await.expect("unit"));
        let mut tx = db.begin_write().await.expect("tx");
        assert_eq!(tx.unit_by_name("Enheten").await.expect("unit"), Some(unit));
        let home = Home {
            id: HomeId::new_random(),
            unit_id: unit,
            kind: PlacementKind::FosterHome,
            name: PersonName::parse("Familjen Berg").expect("name"),
            external_id: Some(ExternalId::parse("HEM-1").expect("id")),
            contact: HomeContact {
                phone: Some(shared::register::ShortText::parse("070-1").expect("phone")),
                ..HomeContact::default()
            },
            checks: Vec::new(),
        };
        assert_eq!(tx.upsert_home(&home).await.expect("home"), Upsert::Created);
        assert_eq!(
            tx.upsert_home(&home).await.expect("home"),
            Upsert::Unchanged
        );
        let check = HomeCheck {
            kind: CheckKind::Violence,
            date: day("2026-01-02"),
            result: CheckResult::Remarks,
            made_by: PersonName::parse("Anna Lind").expect("name"),
            note: VisitNote::parse("Se akten").expect("note"),
        };
        assert!(tx
            .add_home_check(home.id, &check, None)
            .await
            .expect("check"));
        assert!(!tx
            .add_home_check(home.id, &check, None)
            .await
            .expect("check"));
        let stored = tx.home(home.id).await.expect("read").expect("home");
        assert_eq!(stored.checks, vec![check]);
        assert_eq!(
            Home {
                checks: Vec::new(),
                ..stored
            },
            home
        );

        let child = Child {
            id: ChildId::new_random(),
            given_name: PersonName::parse("Ella").expect("name"),
            family_name: PersonName::parse("Berg").expect("name"),
            birth_date: day("2015-05-05"),
            sex: Sex::Girl,
            has_disability: true,
            unit_id: Some(unit),
            external_id: Some(ExternalId::parse("BARN-1").expect("id")),
        };
        assert_eq!(
            tx.upsert_child(&child).await.expect("child"),
            Upsert::Created
        );
        assert_eq!(
            tx.upsert_child(&child).await.expect("child"),
            Upsert::Unchanged
        );
        let changed = Child {
            sex: Sex::Other,
            ..child.clone()
        };
        assert_eq!(
            tx.upsert_child(&changed).await.expect("child"),
            Upsert::Updated
        );
        let by_ext = tx
            .child_by_external_id(&ExternalId::parse("BARN-1").expect("id"))
            .await
            .expect("read");
        assert_eq!(by_ext, Some(changed));
        let twin = Child {
            id: ChildId::new_random(),
            ..child.clone()
        };
        assert!(matches!(
            tx.upsert_child(&twin).await,
            Err(DbError::ExternalIdTaken { kind: "child", .. })
        ));

        let placement = Placement {
            id: PlacementId::new_random(),
            child_id: child.id,
            kind: PlacementKind::FosterHome,
            home_name: PersonName::parse("Skrivs över").expect("name"),
            legal_basis: LegalBasis::Lvu,
            start_date: day("2026-01-01"),
            end_date: None,
            home_id: Some(home.id),
            decision_date: Some(day("2025-12-20")),
            decided_by: Some(PersonName::parse("Nämnden").expect("name")),
            decision_until: Some(day("2026-12-31")),
            last_consideration: Some(day("2026-06-30")),
            external_id: Some(ExternalId::parse("PL-1").expect("id")),
        };
        let (upsert, stored) = tx.upsert_placement(&placement).await.expect("placement");
        assert_eq!(upsert, Upsert::Created);
        assert_eq!(stored.home_name, home.name, "the register's name");
        let (again, _) = tx.upsert_placement(&stored).await.expect("placement");
        assert_eq!(again, Upsert::Unchanged);
        let read = tx
            .placement_by_external_id(&ExternalId::parse("PL-1").expect("id"))
            .await
            .expect("read")
            .expect("placement");
        assert_eq!(read.placement, stored);
        let entries = tx
            .home_entries(vec![home.clone()], day("2026-03-01"))
            .await
            .expect("entries");
        assert_eq!(entries[0].current_placements, 1);
        assert_eq!(
            tx.open_placements_in_units(&[unit]).await.expect("open"),
            vec![stored]
        );
        assert_eq!(
            tx.homes_of_children(&[child.id]).await.expect("homes"),
            vec![home.id]
        );
        tx.commit().await.expect("commit");
        // Child created, updated; placement created: three changes.
        assert_eq!(db.count_changes().await.expect("count"), 3);
    }

    async fn unit_count(tx: &mut Tx) -> i64 {
        Stmt::new("SELECT COUNT(*) AS n FROM units")
            .one::<Count>(tx)
            .await
            .expect("count")
            .0
    }

    struct Count(i64);

    impl FromRow for Count {
        fn from_row(row: &Row) -> Result<Self, DbError> {
            Ok(Self(row.get("n")?))
        }
    }

    #[tokio::test]
    async fn a_snapshot_pair_waits_for_a_write_in_flight_and_then_sees_one_state() {
        let dir = tempfile::tempdir().expect("dir");
        let db = database(&dir).await;
        db.insert_unit(UnitId::new_random(), "Första")
            .await
            .expect("unit");
        let mut write = db.begin_write().await.expect("write");
        Stmt::new("INSERT INTO units (id, name) VALUES ($1, $2)")
            .bind(UnitId::new_random())
            .bind("Andra")
            .execute(&mut write)
            .await
            .expect("insert");
        let mut pair = tokio::spawn({
            let db = db.clone();
            async move { db.begin_snapshot_pair().await }
        });
        // Both snapshots must come from one commit: not before the write
        // in flight ends.
        let waited = tokio::time::timeout(std::time::Duration::from_millis(300), &mut pair).await;
        assert!(waited.is_err(), "the pair began during a write");
        write.commit().await.expect("commit");
        let (mut a, mut b) = pair.await.expect("task").expect("pair");
        assert_eq!(unit_count(&mut a).await, 2);
        db.insert_unit(UnitId::new_random(), "Tredje")
            .await
            .expect("unit");
        assert_eq!(unit_count(&mut a).await, 2, "a snapshot does not move");
        assert_eq!(
            unit_count(&mut b).await,
            2,
            "the second sees the first's state"
        );
        let mut fresh = db.begin_snapshot().await.expect("fresh");
        assert_eq!(unit_count(&mut fresh).await, 3);
    }
}
