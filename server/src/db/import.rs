//! Applying an import: one [`ImportBatch`] in ONE transaction, all or
//! nothing. Rows are matched on their external ids (importing again changes
//! nothing and never duplicates); units by name, workers by user name,
//! placements' child and home by external id (in this batch or already
//! stored). Every problem found is collected, with its line and field, and
//! then nothing is written; a dry run rolls back and reports what would
//! change. Writes go through the register's primitives (`register.rs`) and
//! each is audit-logged as `who`.

use super::audit::{self, NewAuditEntry, Who};
use super::register::Upsert;
use super::statement::Tx;
use super::{Database, DbError};
use shared::audit::AuditAction;
use shared::import::{
    ChildRow, HomeCheckRow, HomeRow, ImportBatch, ImportCounts, ImportProblem, ImportReport,
    PlacementRow,
};
use shared::register::Home;
use shared::{Child, ChildId, ExternalId, HomeId, Placement, PlacementId, UnitId, UserId};
use std::collections::HashMap;

/// How long one import may hold its transaction (a file of 10,000 children
/// and 20,000 placements takes seconds; the usual limit for a request is
/// [`super::TRANSACTION_TIMEOUT`]).
pub const IMPORT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(600);

/// Which units' rows the importer may write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ImportScope {
    /// An administrator, or the command line.
    AllUnits,
    /// A manager or an integration account: their units.
    Units(Vec<UnitId>),
}

impl ImportScope {
    fn allows(&self, unit: UnitId) -> bool {
        match self {
            Self::AllUnits => true,
            Self::Units(units) => units.contains(&unit),
        }
    }
}

/// Why an import wrote nothing.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("the import was refused ({} problems)", .0.len())]
    Rejected(Vec<ImportProblem>),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl Database {
    /// Applies `batch` as one transaction (see the module's comment). The
    /// caller decided `scope` (`routes::import`, `admin import`).
    pub async fn import(
        &self,
        batch: &ImportBatch,
        dry_run: bool,
        who: &Who,
        scope: &ImportScope,
    ) -> Result<ImportReport, ImportError> {
        let run = async {
            let mut tx = self.begin_write().await?;
            let mut run = Run {
                tx: &mut tx,
                who,
                scope,
                report: ImportReport {
                    dry_run,
                    ..ImportReport::default()
                },
                problems: Vec::new(),
                units: HashMap::new(),
                unit_users: HashMap::new(),
                homes: HashMap::new(),
                children: HashMap::new(),
                audit: Vec::new(),
            };
            run.apply(batch).await?;
            let Run {
                report,
                problems,
                audit: entries,
                ..
            } = run;
            if !problems.is_empty() {
                tx.rollback().await?;
                return Err(ImportError::Rejected(problems));
            }
            audit::append(&mut tx, &entries).await?;
            if dry_run {
                tx.rollback().await?;
            } else {
                tx.commit().await?;
            }
            Ok(report)
        };
        tokio::time::timeout(IMPORT_TIMEOUT, run)
            .await
            .unwrap_or(Err(ImportError::Db(DbError::TimedOut)))
    }
}

/// A home as the rest of the batch refers to it.
#[derive(Clone, Debug)]
struct KnownHome {
    id: HomeId,
    unit: UnitId,
    home: Home,
}

/// A child as the batch's placements refer to it.
#[derive(Clone, Copy, Debug)]
struct KnownChild {
    id: ChildId,
    unit: Option<UnitId>,
}

/// One import in progress.
struct Run<'a> {
    tx: &'a mut Tx,
    who: &'a Who,
    scope: &'a ImportScope,
    report: ImportReport,
    problems: Vec<ImportProblem>,
    /// Units by name (`None`: no such unit).
    units: HashMap<String, Option<UnitId>>,
    /// Per unit, its users by user name.
    unit_users: HashMap<UnitId, HashMap<String, super::accounts::UserRow>>,
    homes: HashMap<ExternalId, Option<KnownHome>>,
    children: HashMap<ExternalId, Option<KnownChild>>,
    /// Written once the batch is known to be good.
    audit: Vec<NewAuditEntry>,
}

fn count(counts: &mut ImportCounts, upsert: Upsert) {
    match upsert {
        Upsert::Created => counts.created += 1,
        Upsert::Updated => counts.updated += 1,
        Upsert::Unchanged => counts.unchanged += 1,
    }
}

/// The names of the fields that differ, of (differs, name), in order (for
/// the report's "ändrat (…)").
fn changed_fields<const N: usize>(fields: [(bool, &'static str); N]) -> Vec<&'static str> {
    fields
        .into_iter()
        .filter_map(|(differs, name)| differs.then_some(name))
        .collect()
}

/// The audit log's entries are about children; a home's entry names the
/// nil child and the home in its detail.
fn no_child() -> ChildId {
    ChildId::from_uuid(uuid::Uuid::nil())
}

impl Run<'_> {
    fn problem(&mut self, line: u32, field: &str, message: impl Into<String>) {
        self.problems.push(ImportProblem {
            line,
            field: field.to_owned(),
            message: message.into(),
        });
    }

    async fn apply(&mut self, batch: &ImportBatch) -> Result<(), DbError> {
        for row in &batch.homes {
            self.home(row).await?;
        }
        for row in &batch.home_checks {
            self.home_check(row).await?;
        }
        for row in &batch.children {
            self.child(row).await?;
        }
        for row in &batch.placements {
            self.placement(row).await?;
        }
        Ok(())
    }

    /// The unit named `name` if the importer may write it; else a problem.
    async fn unit(
        &mut self,
        line: u32,
        field: &str,
        name: &str,
    ) -> Result<Option<UnitId>, DbError> {
        let unit = match self.units.get(name) {
            Some(unit) => *unit,
            None => {
                let unit = self.tx.unit_by_name(name.trim()).await?;
                self.units.insert(name.to_owned(), unit);
                unit
            }
        };
        match unit {
            None => {
                self.problem(
                    line,
                    field,
                    format!("det finns ingen enhet som heter {name}"),
                );
                Ok(None)
            }
            Some(unit) if !self.scope.allows(unit) => {
                self.problem(
                    line,
                    field,
                    format!(
                        "enheten {name} är inte din: du importerar bara till dina egna enheter"
                    ),
                );
                Ok(None)
            }
            Some(unit) => Ok(Some(unit)),
        }
    }

    /// A stored record of another unit than the importer's is refused.
    fn check_stored_unit(
        &mut self,
        line: u32,
        field: &str,
        what: &str,
        unit: Option<UnitId>,
    ) -> bool {
        match unit {
            Some(unit) if !self.scope.allows(unit) => {
                self.problem(
                    line,
                    field,
                    format!("{what} hör till en enhet som inte är din"),
                );
                false
            }
            _ => true,
        }
    }

    async fn known_home(&mut self, id: &ExternalId) -> Result<Option<KnownHome>, DbError> {
        if let Some(known) = self.homes.get(id) {
            return Ok(known.clone());
        }
        let known = self
            .tx
            .home_by_external_id(id)
            .await?
            .map(|home| KnownHome {
                id: home.id,
                unit: home.unit_id,
                home,
            });
        self.homes.insert(id.clone(), known.clone());
        Ok(known)
    }

    async fn known_child(&mut self, id: &ExternalId) -> Result<Option<KnownChild>, DbError> {
        if let Some(known) = self.children.get(id) {
            return Ok(*known);
        }
        let known = self
            .tx
            .child_by_external_id(id)
            .await?
            .map(|child| KnownChild {
                id: child.id,
                unit: child.unit_id,
            });
        self.children.insert(id.clone(), known);
        Ok(known)
    }

    /// The home a row refers to (in this batch or stored); `None` after a
    /// problem.
    async fn referred_home(
        &mut self,
        line: u32,
        field: &str,
        id: &ExternalId,
    ) -> Result<Option<KnownHome>, DbError> {
        let known = self.known_home(id).await?;
        Ok(self.known_or_problem(known, line, field, ("hem", "hemmen"), id))
    }

    /// The child a row refers to (in this batch or stored); `None` after a
    /// problem.
    async fn referred_child(
        &mut self,
        line: u32,
        field: &str,
        id: &ExternalId,
    ) -> Result<Option<KnownChild>, DbError> {
        let known = self.known_child(id).await?;
        Ok(self.known_or_problem(known, line, field, ("barn", "barnen"), id))
    }

    /// `known`, or a problem when neither the batch nor the register holds
    /// the row `id` refers to; `noun` is its kind, singular and definite
    /// plural ("hem", "hemmen").
    fn known_or_problem<T>(
        &mut self,
        known: Option<T>,
        line: u32,
        field: &str,
        (noun, nouns): (&str, &str),
        id: &ExternalId,
    ) -> Option<T> {
        if known.is_none() {
            self.problem(
                line,
                field,
                format!("det finns inget {noun} med externt id {id} (importera {nouns} först, eller i samma JSON-dokument)"),
            );
        }
        known
    }

    /// Audit-logs a created or updated row (nothing when unchanged);
    /// `detail` makes the entry's detail from "created" or "updated".
    fn audit_upsert(
        &mut self,
        upsert: Upsert,
        child: ChildId,
        detail: impl FnOnce(&str) -> String,
    ) {
        let action = match upsert {
            Upsert::Created => "created",
            Upsert::Updated => "updated",
            Upsert::Unchanged => return,
        };
        self.audit
            .push(self.who.entry(child, AuditAction::Write, &detail(action)));
    }

    async fn home(&mut self, row: &HomeRow) -> Result<(), DbError> {
        let stored = self.known_home(&row.external_id).await?;
        let unit = self.unit(row.line, "homes.unit", &row.unit).await?;
        let stored_ok = self.check_stored_unit(
            row.line,
            "homes.external_id",
            &format!("hemmet {}", row.external_id),
            stored.as_ref().map(|s| s.unit),
        );
        let (Some(unit), true) = (unit, stored_ok) else {
            return Ok(());
        };
        let home = Home {
            id: stored.as_ref().map_or_else(HomeId::new_random, |s| s.id),
            unit_id: unit,
            kind: row.kind,
            name: row.name.clone(),
            external_id: Some(row.external_id.clone()),
            contact: row.contact.clone(),
            checks: Vec::new(),
        };
        let upsert = match self.tx.upsert_home(&home).await {
            Err(DbError::ExternalIdTaken { .. }) => {
                self.problem(
                    row.line,
                    "homes.external_id",
                    "ett annat hem har redan detta externa id",
                );
                return Ok(());
            }
            other => other?,
        };
        count(&mut self.report.homes, upsert);
        let what = |s: &str| format!("hem {}: {s}", row.external_id);
        match (upsert, &stored) {
            (Upsert::Created, _) => self.report.changes.push(what("nytt")),
            (Upsert::Updated, Some(before)) => {
                let b = &before.home;
                let changed = changed_fields([
                    (b.unit_id != home.unit_id, "enhet"),
                    (b.kind != home.kind, "hemtyp"),
                    (b.name != home.name, "namn"),
                    (b.contact != home.contact, "kontaktuppgifter"),
                ]);
                self.report
                    .changes
                    .push(what(&format!("ändrat ({})", changed.join(", "))));
            }
            _ => {}
        }
        self.audit_upsert(upsert, no_child(), |action| {
            format!("import:home_{action}:{}", home.id)
        });
        self.homes.insert(
            row.external_id.clone(),
            Some(KnownHome {
                id: home.id,
                unit,
                home,
            }),
        );
        Ok(())
    }

    async fn home_check(&mut self, row: &HomeCheckRow) -> Result<(), DbError> {
        let Some(home) = self
            .referred_home(row.line, "home_checks.home", &row.home)
            .await?
        else {
            return Ok(());
        };
        if !self.check_stored_unit(
            row.line,
            "home_checks.home",
            &format!("hemmet {}", row.home),
            Some(home.unit),
        ) {
            return Ok(());
        }
        let added = self
            .tx
            .add_home_check(home.id, &row.check, recorded_by(self.who))
            .await?;
        if added {
            self.report.home_checks.created += 1;
            self.report.changes.push(format!(
                "hem {}: kontroll {} {} tillagd",
                row.home,
                row.check.kind.label_sv().to_lowercase(),
                row.check.date
            ));
            self.audit.push(self.who.entry(
                no_child(),
                AuditAction::Write,
                &format!(
                    "import:home_check_added:{}:{}",
                    home.id,
                    row.check.kind.as_str()
                ),
            ));
        } else {
            // A check is never changed once recorded (the register's rule).
            self.report.home_checks.unchanged += 1;
        }
        Ok(())
    }

    /// The users named, each active, working with children's records and in
    /// `unit`; `None` after a problem.
    async fn workers(
        &mut self,
        row: &ChildRow,
        unit: UnitId,
    ) -> Result<Option<Vec<UserId>>, DbError> {
        if !self.unit_users.contains_key(&unit) {
            let users = self.tx.users_in_units(&[unit]).await?;
            self.unit_users.insert(
                unit,
                users.into_iter().map(|u| (u.username.clone(), u)).collect(),
            );
        }
        let mut ids = Vec::new();
        let mut ok = true;
        for raw in &row.workers {
            // User names are stored in lower case (`admin create-user`).
            let name = &raw.trim().to_lowercase();
            let found = self
                .unit_users
                .get(&unit)
                .and_then(|users| users.get(name))
                .cloned();
            let message = match found {
                // The register API's rule (`crate::access::check_worker`).
                Some(user) if user.active && user.role.writes_child_records() => {
                    ids.push(user.id);
                    continue;
                }
                Some(user) if !user.active => format!("{name} är inaktiverad"),
                Some(_) => format!("{name} arbetar inte med barnens journaler (en enhetschef eller administratör är ingen handläggare)"),
                None if self.tx.user_by_username(name).await?.is_some() => {
                    format!("{name} hör inte till barnets enhet {}", row.unit)
                }
                None => format!("det finns ingen användare som heter {name}"),
            };
            self.problem(row.line, "children.workers", message);
            ok = false;
        }
        Ok(ok.then_some(ids))
    }

    async fn child(&mut self, row: &ChildRow) -> Result<(), DbError> {
        let stored = self.tx.child_by_external_id(&row.external_id).await?;
        let unit = self.unit(row.line, "children.unit", &row.unit).await?;
        let stored_ok = self.check_stored_unit(
            row.line,
            "children.external_id",
            &format!("barnet {}", row.external_id),
            stored.as_ref().and_then(|c| c.unit_id),
        );
        let (Some(unit), true) = (unit, stored_ok) else {
            return Ok(());
        };
        let Some(workers) = self.workers(row, unit).await? else {
            return Ok(());
        };
        let child = Child {
            id: stored.as_ref().map_or_else(ChildId::new_random, |c| c.id),
            given_name: row.given_name.clone(),
            family_name: row.family_name.clone(),
            birth_date: row.birth_date,
            sex: row.sex,
            has_disability: row.has_disability,
            unit_id: Some(unit),
            external_id: Some(row.external_id.clone()),
        };
        let mut upsert = match self.tx.upsert_child(&child).await {
            Err(DbError::ExternalIdTaken { .. }) => {
                self.problem(
                    row.line,
                    "children.external_id",
                    "ett annat barn har redan detta externa id",
                );
                return Ok(());
            }
            other => other?,
        };
        let mut changed = match (upsert, &stored) {
            (Upsert::Updated, Some(b)) => changed_fields([
                (
                    b.given_name != child.given_name || b.family_name != child.family_name,
                    "namn",
                ),
                (b.birth_date != child.birth_date, "födelsedatum"),
                (b.sex != child.sex, "kön"),
                (
                    b.has_disability != child.has_disability,
                    "funktionsnedsättning",
                ),
                (b.unit_id != child.unit_id, "enhet"),
            ]),
            _ => Vec::new(),
        };
        // An empty list leaves the workers as they are: a file without
        // them must not take every child off every caseload.
        if !workers.is_empty()
            && self
                .tx
                .set_child_workers(child.id, &workers, self.who)
                .await?
        {
            changed.push("handläggare");
            if upsert == Upsert::Unchanged {
                upsert = Upsert::Updated;
            }
        }
        count(&mut self.report.children, upsert);
        let what = format!("barn {}", row.external_id);
        match upsert {
            Upsert::Created => self.report.changes.push(format!("{what}: nytt")),
            Upsert::Updated => self
                .report
                .changes
                .push(format!("{what}: ändrat ({})", changed.join(", "))),
            Upsert::Unchanged => {}
        }
        self.audit_upsert(upsert, child.id, |action| format!("import:child_{action}"));
        self.children.insert(
            row.external_id.clone(),
            Some(KnownChild {
                id: child.id,
                unit: Some(unit),
            }),
        );
        Ok(())
    }

    async fn placement(&mut self, row: &PlacementRow) -> Result<(), DbError> {
        let Some(child) = self
            .referred_child(row.line, "placements.child", &row.child)
            .await?
        else {
            return Ok(());
        };
        let Some(home) = self
            .referred_home(row.line, "placements.home", &row.home)
            .await?
        else {
            return Ok(());
        };
        if !self.check_stored_unit(
            row.line,
            "placements.child",
            &format!("barnet {}", row.child),
            child.unit,
        ) {
            return Ok(());
        }
        if child.unit != Some(home.unit) {
            self.problem(
                row.line,
                "placements.home",
                format!("hemmet {} hör inte till barnets enhet", row.home),
            );
            return Ok(());
        }
        let stored = self.tx.placement_by_external_id(&row.external_id).await?;
        if let Some(stored) = &stored {
            if stored.deleted {
                self.problem(
                    row.line,
                    "placements.external_id",
                    "placeringen är borttagen i Barnbesök och tas inte tillbaka av en import",
                );
                return Ok(());
            }
            if stored.placement.child_id != child.id {
                self.problem(row.line, "placements.child", "placeringen hör till ett annat barn i Barnbesök; ett barn byts aldrig på en placering");
                return Ok(());
            }
        }
        let placement = Placement {
            id: stored
                .as_ref()
                .map_or_else(PlacementId::new_random, |s| s.placement.id),
            child_id: child.id,
            kind: home.home.kind,
            home_name: home.home.name.clone(),
            legal_basis: row.legal_basis,
            start_date: row.start_date,
            end_date: stored.as_ref().and_then(|s| s.placement.end_date),
            home_id: Some(home.id),
            decision_date: row.decision_date,
            decided_by: row.decided_by.clone(),
            decision_until: row.decision_until,
            last_consideration: row.last_consideration,
            external_id: Some(row.external_id.clone()),
        };
        if let Some(stored) = &stored {
            if stored.placement != placement && self.tx.placement_closed(placement.id).await? {
                self.problem(
                    row.line,
                    "placements.external_id",
                    "placeringen är avslutad i Barnbesök och ändras inte längre",
                );
                return Ok(());
            }
        }
        let upsert = match self.tx.upsert_placement(&placement).await {
            Err(DbError::ExternalIdTaken { .. }) => {
                self.problem(
                    row.line,
                    "placements.external_id",
                    "en annan placering har redan detta externa id",
                );
                return Ok(());
            }
            other => other?.0,
        };
        count(&mut self.report.placements, upsert);
        let what = format!("placering {}", row.external_id);
        match (upsert, &stored) {
            (Upsert::Created, _) => self.report.changes.push(format!("{what}: ny")),
            (Upsert::Updated, Some(b)) => {
                let b = &b.placement;
                let changed = changed_fields([
                    (
                        b.home_id != placement.home_id
                            || b.kind != placement.kind
                            || b.home_name != placement.home_name,
                        "hem",
                    ),
                    (b.legal_basis != placement.legal_basis, "lagrum"),
                    (b.start_date != placement.start_date, "startdatum"),
                    (
                        b.decision_date != placement.decision_date
                            || b.decided_by != placement.decided_by,
                        "beslut",
                    ),
                    (
                        b.decision_until != placement.decision_until,
                        "beslut gäller till",
                    ),
                    (
                        b.last_consideration != placement.last_consideration,
                        "senaste övervägande",
                    ),
                ]);
                self.report
                    .changes
                    .push(format!("{what}: ändrad ({})", changed.join(", ")));
            }
            _ => {}
        }
        self.audit_upsert(upsert, child.id, |action| {
            format!("import:placement_{action}:{}", placement.id)
        });
        Ok(())
    }
}

/// The user recording a check: `None` from the command line (the nil user).
fn recorded_by(who: &Who) -> Option<UserId> {
    (!who.user_id.as_uuid().is_nil()).then_some(who.user_id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::accounts::UserRow;
    use crate::db::DatabaseTarget;
    use crate::import::{import_file, read, Format};
    use shared::auth::Role;
    use shared::import::ImportKind;

    const HOMES: &str = include_str!("../../../docs/examples/hem.csv");
    const CHECKS: &str = include_str!("../../../docs/examples/hemkontroller.csv");
    const CHILDREN: &str = include_str!("../../../docs/examples/barn.csv");
    const PLACEMENTS: &str = include_str!("../../../docs/examples/placeringar.csv");
    const JSON: &str = include_str!("../../../docs/examples/import.json");

    async fn database(dir: &tempfile::TempDir) -> (Database, UnitId) {
        let db = Database::connect(&DatabaseTarget::SqliteFile(dir.path().join("t.db")))
            .await
            .expect("open");
        db.migrate().await.expect("migrate");
        let unit = UnitId::new_random();
        assert!(db
            .insert_unit(unit, "Familjehemsenheten")
            .await
            .expect("unit"));
        for name in ["anna", "karin"] {
            let user = UserRow {
                id: UserId::new_random(),
                username: name.into(),
                display_name: name.into(),
                role: Role::SocialWorker,
                password_hash: None,
                active: true,
            };
            assert!(db.insert_user(&user).await.expect("user"));
            db.add_user_unit(user.id, unit).await.expect("member");
        }
        (db, unit)
    }

    async fn csv(db: &Database, text: &str, dry_run: bool) -> Result<ImportReport, ImportError> {
        import_file(
            db,
            text.as_bytes(),
            Format::Csv,
            None,
            dry_run,
            &Who::command_line(),
            &ImportScope::AllUnits,
        )
        .await
    }

    fn without_lines(mut batch: ImportBatch) -> ImportBatch {
        batch.homes.iter_mut().for_each(|r| r.line = 0);
        batch.home_checks.iter_mut().for_each(|r| r.line = 0);
        batch.children.iter_mut().for_each(|r| r.line = 0);
        batch.placements.iter_mut().for_each(|r| r.line = 0);
        batch
    }

    #[test]
    fn the_example_json_holds_what_the_example_csv_files_hold() {
        let mut from_csv = ImportBatch::default();
        for (text, kind) in [
            (HOMES, ImportKind::Homes),
            (CHECKS, ImportKind::HomeChecks),
            (CHILDREN, ImportKind::Children),
            (PLACEMENTS, ImportKind::Placements),
        ] {
            let batch = read(text.as_bytes(), Format::Csv, Some(kind)).expect("example");
            from_csv.homes.extend(batch.homes);
            from_csv.home_checks.extend(batch.home_checks);
            from_csv.children.extend(batch.children);
            from_csv.placements.extend(batch.placements);
        }
        let from_json = read(JSON.as_bytes(), Format::Json, None).expect("example json");
        assert_eq!(without_lines(from_json), without_lines(from_csv));
    }

    #[tokio::test]
    async fn the_examples_import_once_and_again_change_nothing() {
        let dir = tempfile::tempdir().expect("dir");
        let (db, _) = database(&dir).await;
        let dry = csv(&db, HOMES, true).await.expect("dry run");
        assert_eq!(dry.homes.created, 3);
        assert!(dry.dry_run);
        assert_eq!(db.count_changes().await.expect("count"), 0);

        for (text, created) in [(HOMES, 3), (CHECKS, 9), (CHILDREN, 3), (PLACEMENTS, 3)] {
            let report = csv(&db, text, false).await.expect("import");
            let counts = [
                report.homes,
                report.home_checks,
                report.children,
                report.placements,
            ];
            assert_eq!(
                counts.iter().map(|c| c.created).sum::<u32>(),
                created,
                "{report:?}"
            );
        }
        assert_eq!(db.count_children().await.expect("count"), 3);
        assert_eq!(
            db.count(crate::db::Table::ChildAccess)
                .await
                .expect("count"),
            4
        );
        let changes = db.count_changes().await.expect("count");

        let again = import_file(
            &db,
            JSON.as_bytes(),
            Format::Json,
            None,
            false,
            &Who::command_line(),
            &ImportScope::AllUnits,
        )
        .await
        .expect("again");
        assert!(again.changes.is_empty(), "{:?}", again.changes);
        assert_eq!(again.children.unchanged, 3);
        assert_eq!(again.placements.unchanged, 3);
        assert_eq!(again.home_checks.unchanged, 9);
        assert_eq!(db.count_changes().await.expect("count"), changes);
        assert_eq!(db.count_children().await.expect("count"), 3);

        let moved = PLACEMENTS.replace("2027-01-05", "2027-03-31");
        let report = csv(&db, &moved, false).await.expect("update");
        assert_eq!(report.placements.updated, 1);
        assert_eq!(
            report.changes,
            ["placering PLAC-0003: ändrad (beslut gäller till)"]
        );
        let capitals = JSON.replace("\"karin\"", "\" Karin \"");
        assert_ne!(capitals, JSON);
        let same = import_file(
            &db,
            capitals.as_bytes(),
            Format::Json,
            None,
            false,
            &Who::command_line(),
            &ImportScope::AllUnits,
        )
        .await
        .expect("user names in any case");
        assert_eq!(same.children.unchanged, 3, "{:?}", same.changes);
        let fewer_workers = CHILDREN.replace("anna, karin", "karin");
        let report = csv(&db, &fewer_workers, false).await.expect("update");
        assert_eq!(report.changes, ["barn BARN-0002: ändrat (handläggare)"]);
    }

    #[tokio::test]
    async fn a_wrong_line_refuses_the_whole_file() {
        let dir = tempfile::tempdir().expect("dir");
        let (db, unit) = database(&dir).await;
        csv(&db, HOMES, false).await.expect("homes");
        let bad = format!(
            "{CHILDREN}BARN-0004;Bo;Ek;2015-02-02;Pojke;Nej;Okända enheten;anna\n\
             BARN-0005;Li;Ek;2015-02-02;Flicka;Nej;Familjehemsenheten;olle\n"
        );
        let Err(ImportError::Rejected(problems)) = csv(&db, &bad, false).await else {
            panic!("refused");
        };
        let named: Vec<(u32, &str)> = problems
            .iter()
            .map(|p| (p.line, p.field.as_str()))
            .collect();
        assert_eq!(named, [(5, "Enhet"), (6, "Handläggare")], "{problems:#?}");
        assert_eq!(db.count_children().await.expect("count"), 0);

        let placements_first = csv(&db, PLACEMENTS, false).await;
        assert!(
            matches!(&placements_first, Err(ImportError::Rejected(p)) if p.len() == 3 && p[0].field == "Barn"),
            "{placements_first:?}"
        );

        let other_unit = UnitId::new_random();
        assert!(db
            .insert_unit(other_unit, "Andra enheten")
            .await
            .expect("unit"));
        let outside = import_file(
            &db,
            CHILDREN.as_bytes(),
            Format::Csv,
            None,
            false,
            &Who::command_line(),
            &ImportScope::Units(vec![other_unit]),
        )
        .await;
        assert!(
            matches!(&outside, Err(ImportError::Rejected(p)) if p.len() == 3 && p.iter().all(|p| p.field == "Enhet")),
            "{outside:?}"
        );
        let inside = import_file(
            &db,
            CHILDREN.as_bytes(),
            Format::Csv,
            None,
            false,
            &Who::command_line(),
            &ImportScope::Units(vec![unit]),
        )
        .await
        .expect("own unit");
        assert_eq!(inside.children.created, 3);
    }
}
