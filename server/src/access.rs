//! The access policy: who may see or change which child, and who may do
//! what else. Every rule is here. A [`Caller`] is built once per request
//! from one database read ([`crate::db::Database::caller`]); routes and sync
//! ask it and decide nothing themselves.
//!
//! The roles' capabilities are facts shared with the app
//! ([`shared::auth::Role`]); how they combine with units, assignments,
//! cover and the grace for late pushes is decided here, with the server's
//! clock.

use crate::auth::{session_state, token_hash};
use crate::db::accounts::{AccessRow, CallerRecord, UserRow};
use crate::db::audit::Who;
use crate::db::complaints::ComplaintScope;
use crate::db::deviations::DeviationScope;
use crate::db::integration::IntegrationRecord;
use crate::db::Database;
use crate::error::ApiError;
use chrono::{DateTime, Duration, Utc};
use shared::auth::{Role, UnitSummary, UserProfile};
use shared::complaints::{Complaint, ComplaintUpdate, NewComplaint};
use shared::deviations::{Deviation, DeviationReport};
use shared::protocol::{Mutation, Operation};
use shared::{ChildId, DeviceId, SessionId, UnitId, UserId};
use std::collections::BTreeSet;

/// How long after an assignment or a cover ends the user's devices may still
/// push signed work about the child: a visit recorded offline the day before
/// the child was handed to a colleague must still reach the server. Only
/// what was recorded ([`is_recorded_work`]); reading, editing, deleting,
/// resolving conflicts and closing end at once. Measured by the server's
/// clock.
pub const LATE_PUSH_GRACE: Duration = Duration::days(30);

/// Work a person did with the child that the late-push grace lets through:
/// a visit, a correction of one, a checklist tick. Each adds a signed record
/// and changes nothing anyone else wrote.
pub fn is_recorded_work(operation: &Operation) -> bool {
    matches!(
        operation,
        Operation::CreateVisit(_) | Operation::AmendVisit(_) | Operation::TickChecklist(_)
    )
}

/// The roles whose rules need the children of the user's units: those who
/// see whole units. Only for them does the caller's read bring the units'
/// children. (A grant reads the one child's unit itself.)
const UNIT_ROLES: [Role; 2] = [Role::GroupLeader, Role::UnitManager];

/// An assignment or a cover that lets the user read the child at `now`.
fn is_active(access: &AccessRow, now: DateTime<Utc>) -> bool {
    access.starts_at <= now && access.ends_at.is_none_or(|end| now < end)
}

/// An access that still accepts the user's pushes at `now`: active, or
/// ended less than [`LATE_PUSH_GRACE`] ago.
fn accepts_pushes(access: &AccessRow, now: DateTime<Utc>) -> bool {
    access.starts_at <= now && access.ends_at.is_none_or(|end| now < end + LATE_PUSH_GRACE)
}

/// The signed-in user behind a request, with everything the policy needs.
#[derive(Clone, Debug)]
pub struct Caller {
    pub user_id: UserId,
    pub role: Role,
    /// The device session; `None` for an integration account (an API token).
    pub session_id: Option<SessionId>,
    username: String,
    display_name: String,
    units: Vec<UnitSummary>,
    /// In id order.
    readable: Vec<ChildId>,
    /// Changed by the caller now.
    writable: BTreeSet<ChildId>,
    /// Recorded work accepted within the grace after access ended.
    late_writable: BTreeSet<ChildId>,
}

impl Caller {
    /// The caller holding access token `token`, if the session is valid and
    /// the user active.
    pub async fn by_access_token(db: &Database, token: &str) -> Result<Self, ApiError> {
        let record = db
            .caller(&token_hash(token), &UNIT_ROLES)
            .await?
            .ok_or(ApiError::Unauthenticated)?;
        Self::from_record(record, Utc::now())
    }

    /// The policy applied to what was read, at `now`.
    pub fn from_record(record: CallerRecord, now: DateTime<Utc>) -> Result<Self, ApiError> {
        if let Some(error) = session_state(&record.session, now).error() {
            return Err(error);
        }
        // A deactivated user's sessions are revoked with the deactivation;
        // this also covers a session that raced it.
        if !record.user.active {
            return Err(ApiError::SessionRevoked);
        }
        let role = record.user.role;
        let unit_children: BTreeSet<ChildId> = record.unit_children.into_iter().collect();
        // The whole units for those who see them, and the caseload: the
        // accesses open at `now` by `open`.
        let children = |allowed: bool, open: fn(&AccessRow, DateTime<Utc>) -> bool| {
            let mut children = BTreeSet::new();
            if allowed {
                if role.sees_whole_units() {
                    children.clone_from(&unit_children);
                }
                children.extend(
                    record
                        .access
                        .iter()
                        .filter(|a| open(a, now))
                        .map(|a| a.child_id),
                );
            }
            children
        };
        let readable = children(role.reads_child_records(), is_active);
        let writable = children(role.writes_child_records(), is_active);
        let late_writable = children(role.writes_child_records(), accepts_pushes);
        Ok(Self {
            user_id: record.user.id,
            role,
            session_id: Some(record.session.id),
            username: record.user.username,
            display_name: record.user.display_name,
            units: record.units,
            readable: readable.into_iter().collect(),
            writable,
            late_writable,
        })
    }

    /// The caller holding the integration token `token`, if the token is in
    /// force and the account active.
    pub async fn by_integration_token(db: &Database, token: &str) -> Result<Self, ApiError> {
        let record = db
            .integration_caller(&token_hash(token))
            .await?
            .ok_or(ApiError::Unauthenticated)?;
        Self::from_integration(record)
    }

    /// An integration account: it reads the children of its units (through
    /// the export API, the only place besides the import it may call: see
    /// [`integration_may_call`]) and writes no child's records through sync.
    pub fn from_integration(record: IntegrationRecord) -> Result<Self, ApiError> {
        if !record.user.active || record.user.role != Role::Integration {
            return Err(ApiError::Unauthenticated);
        }
        let readable: BTreeSet<ChildId> = record.unit_children.into_iter().collect();
        Ok(Self {
            user_id: record.user.id,
            role: Role::Integration,
            session_id: None,
            username: record.user.username,
            display_name: record.user.display_name,
            units: record.units,
            readable: readable.into_iter().collect(),
            writable: BTreeSet::new(),
            late_writable: BTreeSet::new(),
        })
    }

    /// Whether the caller is an integration account (an API token, not a
    /// person with a device session).
    pub fn is_integration(&self) -> bool {
        self.role == Role::Integration
    }

    /// The caller's units, in name order (an integration account's are the
    /// ones it was created for).
    pub fn units(&self) -> &[UnitSummary] {
        &self.units
    }

    /// Whether `unit` is one of the caller's.
    pub fn in_units(&self, unit: Option<UnitId>) -> bool {
        unit.is_some_and(|unit| self.units.iter().any(|u| u.id == unit))
    }

    /// The device session the request was made with: a person's. An
    /// integration account has none.
    pub fn session(&self) -> Result<SessionId, ApiError> {
        self.session_id.ok_or_else(|| {
            ApiError::Forbidden("an integration account has no device sessions".into())
        })
    }

    /// The children whose records the caller may read now, in id order.
    pub fn readable_children(&self) -> &[ChildId] {
        &self.readable
    }

    pub fn may_read(&self, child: ChildId) -> bool {
        self.readable.binary_search(&child).is_ok()
    }

    /// Whether the caller may change the child's records now.
    pub fn may_write(&self, child: ChildId) -> bool {
        self.writable.contains(&child)
    }

    /// Whether the caller's device may apply `operation`: anything while the
    /// caller has the child; recorded work also within [`LATE_PUSH_GRACE`]
    /// after.
    pub fn may_push(&self, operation: &Operation) -> bool {
        if let Operation::LeaveMessage(_) = operation {
            // A child's message on the tablet: whoever keeps the register
            // (records complaints) may hand the tablet to a child.
            return self.complaint_scope().is_ok();
        }
        if let Operation::ReportDeviation(report) = operation {
            return self.check_deviation_report(report).is_ok();
        }
        let child = operation.child_id();
        self.may_write(child)
            || (is_recorded_work(operation) && self.late_writable.contains(&child))
    }

    /// All or nothing: one mutation about a child outside the caller's reach
    /// refuses the whole push before anything is written.
    pub fn check_push(&self, mutations: &[Mutation]) -> Result<(), ApiError> {
        match mutations.iter().find(|m| !self.may_push(&m.operation)) {
            Some(m) => {
                tracing::warn!(mutation.id = %m.id, child.id = %m.operation.child_id(), "push outside scope refused");
                Err(ApiError::Forbidden(format!(
                    "mutation {} is about child {}, who is not in your caseload",
                    m.id,
                    m.operation.child_id()
                )))
            }
            None => Ok(()),
        }
    }

    /// The children a pull covers: one child's history, or the whole scope.
    pub fn pull_scope(&self, child: Option<ChildId>) -> Result<Vec<ChildId>, ApiError> {
        match child {
            Some(child) if !self.may_read(child) => Err(ApiError::Forbidden(format!(
                "child {child} is not in your caseload"
            ))),
            Some(child) => Ok(vec![child]),
            None => Ok(self.readable.clone()),
        }
    }

    /// The caller as the audit log records them.
    pub fn who(&self, device_id: Option<DeviceId>) -> Who {
        let unit_ids: Vec<_> = self.units.iter().map(|u| u.id).collect();
        Who {
            user_id: self.user_id,
            role: self.role,
            units: Who::units_of(&unit_ids),
            session_id: self.session_id,
            device_id,
            name: shared::auth::signing_name(&self.display_name).to_owned(),
        }
    }

    pub fn display_name(&self) -> &str {
        &self.display_name
    }

    /// The caller as the app shows them.
    pub fn profile(&self) -> UserProfile {
        UserProfile {
            id: self.user_id,
            username: self.username.clone(),
            display_name: self.display_name.clone(),
            role: self.role,
            units: self.units.clone(),
        }
    }

    /// Publishing routines and checklist templates.
    pub fn require_publisher(&self) -> Result<(), ApiError> {
        if self.role.sees_whole_units() {
            Ok(())
        } else {
            Err(ApiError::Forbidden(
                "only a group leader or unit manager publishes routines and templates".into(),
            ))
        }
    }

    /// Listing the staff of the caller's units.
    pub fn require_staff_viewer(&self) -> Result<(), ApiError> {
        if self.role.sees_whole_units() {
            Ok(())
        } else {
            Err(ApiError::Forbidden(
                "only a group leader or unit manager lists the unit's staff".into(),
            ))
        }
    }

    /// Reviewing the audit log; the entries reviewed are about the children
    /// the caller may read, and, for what is about no child (a complaint
    /// with no open case, an import), by the staff of the caller's units.
    pub fn audit_review_scope(&self) -> Result<(Vec<ChildId>, Vec<UnitId>), ApiError> {
        if self.role != Role::UnitManager {
            return Err(ApiError::Forbidden(
                "only a unit manager reviews the log".into(),
            ));
        }
        Ok((
            self.readable.clone(),
            self.units.iter().map(|u| u.id).collect(),
        ))
    }

    /// Granting cover: the caller's role, before anything else is read.
    pub fn require_cover_granter(&self) -> Result<(), ApiError> {
        if self.role.grants_cover() {
            Ok(())
        } else {
            Err(ApiError::Forbidden(
                "only a group leader or unit manager grants cover".into(),
            ))
        }
    }

    /// The caller as a granter of cover.
    pub fn granter(&self) -> Granter<'_> {
        Granter {
            role: self.role,
            units: &self.units,
        }
    }
}

/// The API paths (below `/api`) an integration account may call: the
/// import and the export to the record, nothing else (no sync, no register,
/// no sessions). Every other path refuses its token before the handler runs.
pub fn integration_may_call(path: &str) -> bool {
    let path = path.strip_prefix("/api").unwrap_or(path);
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    matches!(
        segments.as_slice(),
        ["v1", "import"]
            | ["v1", "exports", "unfiled" | "filed"]
            | ["v1", "visits", _, "record.json" | "record.pdf" | "filed"]
    )
}

/// Which homes of the register a caller reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HomeScope {
    /// A manager: every home of these units.
    Units(Vec<UnitId>),
    /// A social worker: the homes of these children's placements.
    Children(Vec<ChildId>),
}

impl Caller {
    /// The ids of the caller's units.
    pub fn unit_ids(&self) -> Vec<UnitId> {
        self.units.iter().map(|u| u.id).collect()
    }

    /// Reading the register of homes: managers (group leaders, unit
    /// managers) read their units' homes, those who work from a caseload
    /// the homes of their own children. Administrators (and integration
    /// accounts) read none.
    pub fn register_home_scope(&self) -> Result<HomeScope, ApiError> {
        if self.role.sees_whole_units() {
            Ok(HomeScope::Units(self.unit_ids()))
        } else if self.role.writes_child_records() {
            Ok(HomeScope::Children(self.readable.clone()))
        } else {
            Err(ApiError::Forbidden(
                "the register of homes is for the unit's social workers and managers".into(),
            ))
        }
    }

    /// Editing the register (homes, children, workers, placements) and
    /// reading its lists of decisions and colleagues: group leaders and unit
    /// managers, before anything else is read.
    pub fn require_register_manager(&self) -> Result<(), ApiError> {
        if self.role.sees_whole_units() {
            Ok(())
        } else {
            Err(ApiError::Forbidden(
                "only a group leader or unit manager edits the register".into(),
            ))
        }
    }

    /// Editing what `unit` holds: a manager of that unit. A record without
    /// a unit (`None`) is edited by no one here (an administrator gives it
    /// one).
    pub fn check_register_unit(&self, unit: Option<UnitId>) -> Result<(), ApiError> {
        self.require_register_manager()?;
        match unit {
            Some(unit) if self.units.iter().any(|u| u.id == unit) => Ok(()),
            Some(unit) => Err(ApiError::Forbidden(format!("unit {unit} is not yours"))),
            None => Err(ApiError::Forbidden(
                "the record belongs to no unit: an administrator gives it one first".into(),
            )),
        }
    }
}

/// The self-check (egenkontroll): group leaders and unit managers, over
/// their own units only.
impl Caller {
    /// The units a self-check covers: `unit` when given (one of the
    /// caller's), else every unit of the caller's. Asked before anything is
    /// read; everyone but a group leader or unit manager is refused.
    pub fn selfcheck_units(&self, unit: Option<UnitId>) -> Result<Vec<UnitId>, ApiError> {
        if !self.role.sees_whole_units() {
            return Err(ApiError::Forbidden(
                "the self-check is for group leaders and unit managers".into(),
            ));
        }
        match unit {
            Some(unit) if self.units.iter().any(|u| u.id == unit) => Ok(vec![unit]),
            Some(unit) => Err(ApiError::Forbidden(format!("unit {unit} is not yours"))),
            None => Ok(self.unit_ids()),
        }
    }

    /// A case review with a worker in `worker_units`: the units the worker
    /// shares with the caller (none is refused).
    pub fn review_units(&self, worker_units: &[UnitSummary]) -> Result<Vec<UnitId>, ApiError> {
        let mine = self.selfcheck_units(None)?;
        let shared: Vec<UnitId> = mine
            .into_iter()
            .filter(|u| worker_units.iter().any(|w| w.id == *u))
            .collect();
        if shared.is_empty() {
            Err(ApiError::Forbidden(
                "the worker is not in any of your units".into(),
            ))
        } else {
            Ok(shared)
        }
    }
}

/// Whether `user` (with `units`) may be a responsible worker of a child of
/// `child_unit`: an active user who records visits (a social worker,
/// consultant, disability officer or group leader) in the child's unit.
pub fn check_worker(
    child_unit: UnitId,
    id: UserId,
    user: Option<&UserRow>,
    units: &[UnitSummary],
) -> Result<(), ApiError> {
    let fits = user.is_some_and(|u| {
        u.active && u.role.writes_child_records() && units.iter().any(|unit| unit.id == child_unit)
    });
    if fits {
        Ok(())
    } else {
        Err(ApiError::ValidationFailed(format!(
            "`workers`: {id} is not an active social worker of the child's unit"
        )))
    }
}

/// Who grants cover: their role and units.
#[derive(Clone, Copy, Debug)]
pub struct Granter<'a> {
    pub role: Role,
    pub units: &'a [UnitSummary],
}

impl Granter<'_> {
    /// Cover is granted in one unit: the child's, which must be one of the
    /// granter's, and the colleague, an active social worker who works from
    /// a caseload (the others see the unit already), must belong to it too.
    /// The API and `admin grant` both ask this.
    pub fn check_grant<'u>(
        &self,
        child: ChildId,
        child_unit: Option<UnitId>,
        colleague: Option<&'u UserRow>,
        colleague_units: &[UnitSummary],
    ) -> Result<&'u UserRow, ApiError> {
        if !self.role.grants_cover() {
            return Err(ApiError::Forbidden(
                "only a group leader or unit manager grants cover".into(),
            ));
        }
        let Some(unit) = child_unit.filter(|u| self.units.iter().any(|m| m.id == *u)) else {
            return Err(ApiError::Forbidden(format!(
                "child {child} is not in your units"
            )));
        };
        let Some(colleague) = colleague
            .filter(|u| u.active && u.role.writes_child_records() && !u.role.sees_whole_units())
        else {
            return Err(ApiError::ValidationFailed(
                "`user_id` is not an active social worker".into(),
            ));
        };
        if !colleague_units.iter().any(|u| u.id == unit) {
            return Err(ApiError::ValidationFailed(
                "`user_id` is not in the child's unit".into(),
            ));
        }
        Ok(colleague)
    }
}

/// Signed visits to the record (akten): exporting them (PDF, JSON) and
/// marking them filed.
impl Caller {
    /// Exporting a visit of `child`: whoever may read the child's record.
    pub fn check_export(&self, child: ChildId) -> Result<(), ApiError> {
        if self.may_read(child) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!(
                "child {child} is not in your caseload"
            )))
        }
    }

    /// Marking a visit of `child` filed ("förd till akt"): whoever may
    /// change the child's records (a unit manager, who only reads, does
    /// not), and an integration account for the children of its units (the
    /// case-management system says what it filed).
    pub fn check_filing(&self, child: ChildId) -> Result<(), ApiError> {
        if self.may_write(child) || (self.is_integration() && self.may_read(child)) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!(
                "you may not mark the visits of child {child} filed"
            )))
        }
    }

    /// The children a bulk export of unfiled visits covers, for one worker
    /// or one unit: a group leader or an integration account for one of
    /// their units or for a worker (within their units' children); anyone
    /// who records visits for themself (within their own children).
    pub fn bulk_export_scope(
        &self,
        worker: Option<UserId>,
        unit: Option<UnitId>,
    ) -> Result<Vec<ChildId>, ApiError> {
        let leader = self.role == Role::GroupLeader || self.is_integration();
        match (worker, unit) {
            (None, Some(unit)) if leader => {
                if self.units.iter().any(|u| u.id == unit) {
                    Ok(self.readable.clone())
                } else {
                    Err(ApiError::Forbidden(format!("unit {unit} is not yours")))
                }
            }
            (Some(_), None) if leader => Ok(self.readable.clone()),
            (Some(worker), None) if worker == self.user_id && self.role.writes_child_records() => {
                Ok(self.readable.clone())
            }
            _ => Err(ApiError::Forbidden(
                "a group leader exports the unfiled visits of their units and colleagues; \
                 a social worker their own"
                    .into(),
            )),
        }
    }
}

/// The register of complaints (docs/complaints.md). Least access: group
/// leaders and unit managers see and handle every complaint of their units
/// and the children's messages no one has taken into a unit yet; those who
/// work from a caseload record complaints and see and answer the ones they
/// are responsible for; administrators and integration accounts none.
impl Caller {
    /// Whether the caller works from a caseload (social worker, consultant,
    /// disability-area officer).
    fn works_from_caseload(&self) -> bool {
        matches!(
            self.role,
            Role::SocialWorker | Role::Consultant | Role::DisabilityOfficer
        )
    }

    /// Which complaints the caller lists, before anything is read.
    pub fn complaint_scope(&self) -> Result<ComplaintScope, ApiError> {
        if self.role.sees_whole_units() {
            Ok(ComplaintScope {
                units: self.unit_ids(),
                unassigned: true,
                responsible: Some(self.user_id),
            })
        } else if self.works_from_caseload() {
            Ok(ComplaintScope {
                units: Vec::new(),
                unassigned: false,
                responsible: Some(self.user_id),
            })
        } else {
            Err(ApiError::Forbidden(
                "the register of complaints is for the unit's social workers and managers".into(),
            ))
        }
    }

    /// Whether the caller may read (and handle) `complaint`.
    pub fn may_see_complaint(&self, complaint: &Complaint) -> bool {
        let responsible = complaint.responsible == Some(self.user_id);
        if self.role.sees_whole_units() {
            responsible || complaint.unit_id.is_none() || self.in_units(complaint.unit_id)
        } else {
            self.works_from_caseload() && responsible
        }
    }

    /// Recording a complaint in one of the caller's units, linked to a
    /// child only the caller may read.
    pub fn check_complaint_record(&self, new: &NewComplaint) -> Result<(), ApiError> {
        self.complaint_scope()?;
        if !self.in_units(Some(new.unit_id)) {
            return Err(ApiError::Forbidden(format!(
                "unit {} is not yours",
                new.unit_id
            )));
        }
        self.check_complaint_child(None, new.child_id)
    }

    /// Changing `before` to `update`. A manager keeps it in their units (or
    /// unassigned) and may hand it to anyone of the unit; whoever works
    /// from a caseload answers it but keeps it theirs and in its unit.
    pub fn check_complaint_update(
        &self,
        before: &Complaint,
        update: &ComplaintUpdate,
    ) -> Result<(), ApiError> {
        if !self.may_see_complaint(before) {
            return Err(ApiError::NotFound);
        }
        if self.role.sees_whole_units() {
            let keeps_unassigned = update.unit_id.is_none() && before.unit_id.is_none();
            if !keeps_unassigned && !self.in_units(update.unit_id) {
                return Err(ApiError::Forbidden(
                    "a complaint stays in one of your units".into(),
                ));
            }
        } else {
            if update.unit_id != before.unit_id {
                return Err(ApiError::Forbidden(
                    "only a group leader or unit manager moves a complaint to another unit".into(),
                ));
            }
            if update.responsible != Some(self.user_id) {
                return Err(ApiError::Forbidden(
                    "only a group leader or unit manager hands a complaint to someone else".into(),
                ));
            }
        }
        self.check_complaint_child(before.child_id, update.child_id)
    }

    /// A newly linked child must be one the caller may read.
    fn check_complaint_child(
        &self,
        before: Option<ChildId>,
        child: Option<ChildId>,
    ) -> Result<(), ApiError> {
        match child {
            Some(child) if Some(child) != before && !self.may_read(child) => Err(
                ApiError::Forbidden(format!("child {child} is not in your caseload")),
            ),
            _ => Ok(()),
        }
    }
}

/// How much of a deviation the caller sees.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeviationView {
    /// The report, the investigation, actions, notes: the investigating
    /// manager and the unit's group leaders and unit managers.
    Full,
    /// The report, where it is, and the feedback: its reporter.
    Reporter,
}

/// Deviations, Lex Sarah and incidents (docs/deviations.md). Anyone who
/// signs in reports, in their own units, about a child only they may read;
/// the named manager investigates; the unit's managers see and follow up
/// their units' deviations; the reporter sees their report and the
/// feedback; the quality role sees aggregates across units, never a
/// deviation. An integration account nothing.
impl Caller {
    pub fn check_deviation_report(&self, report: &DeviationReport) -> Result<(), ApiError> {
        if self.is_integration() {
            return Err(ApiError::Forbidden(
                "an integration account reports no deviations".into(),
            ));
        }
        if !self.in_units(Some(report.unit_id)) {
            return Err(ApiError::Forbidden(format!(
                "unit {} is not yours",
                report.unit_id
            )));
        }
        match report.child_id {
            Some(child) if !self.may_read(child) => Err(ApiError::Forbidden(format!(
                "child {child} is not in your caseload"
            ))),
            _ => Ok(()),
        }
    }

    /// Which deviations the caller lists, before anything is read.
    pub fn deviation_scope(&self) -> Result<DeviationScope, ApiError> {
        if self.is_integration() {
            return Err(ApiError::Forbidden(
                "an integration account sees no deviations".into(),
            ));
        }
        Ok(DeviationScope {
            units: if self.role.sees_whole_units() {
                self.unit_ids()
            } else {
                Vec::new()
            },
            user: self.user_id,
        })
    }

    pub fn deviation_view(&self, deviation: &Deviation) -> Option<DeviationView> {
        if self.is_integration() {
            return None;
        }
        let manager = self.role.sees_whole_units()
            && (deviation.report.manager_id == self.user_id
                || self.in_units(Some(deviation.report.unit_id)));
        if manager {
            Some(DeviationView::Full)
        } else if deviation.reported_by == self.user_id {
            Some(DeviationView::Reporter)
        } else {
            None
        }
    }

    /// Writing the four answers, locking them, correcting them, giving the
    /// feedback: the manager the reporter named.
    pub fn may_investigate(&self, deviation: &Deviation) -> bool {
        self.role.sees_whole_units() && deviation.report.manager_id == self.user_id
    }

    /// Actions, follow-ups, escalation, telling IMY: the investigator and
    /// the unit's other managers.
    pub fn may_follow_up(&self, deviation: &Deviation) -> bool {
        self.deviation_view(deviation) == Some(DeviationView::Full)
    }

    /// The units whose deviations the caller counts: the quality role all
    /// (`None`), a group leader or unit manager theirs.
    pub fn deviation_aggregate_scope(&self) -> Result<Option<Vec<UnitId>>, ApiError> {
        match self.role {
            Role::Quality => Ok(None),
            role if role.sees_whole_units() => Ok(Some(self.unit_ids())),
            _ => Err(ApiError::Forbidden(
                "the deviation figures are for unit managers, group leaders and the quality unit"
                    .into(),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::accounts::SessionRow;
    use chrono::TimeZone;
    use shared::UnitId;

    fn at(day: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, day, 12, 0, 0)
            .single()
            .expect("time")
    }

    fn record(role: Role, access: Vec<AccessRow>, unit_children: Vec<ChildId>) -> CallerRecord {
        let user = UserId::new_random();
        CallerRecord {
            session: SessionRow {
                id: SessionId::new_random(),
                user_id: user,
                access_expires_at: at(28),
                last_used_at: at(1),
                expires_at: at(28),
                revoked_at: None,
            },
            user: UserRow {
                id: user,
                username: "anna".into(),
                display_name: "Anna".into(),
                role,
                password_hash: None,
                active: true,
            },
            units: vec![UnitSummary {
                id: UnitId::new_random(),
                name: "Familjehemsenheten".into(),
            }],
            access,
            unit_children,
        }
    }

    fn ended_access(child: ChildId) -> AccessRow {
        AccessRow {
            child_id: child,
            starts_at: at(1),
            ends_at: Some(at(10)),
        }
    }

    #[test]
    fn an_ended_access_accepts_late_pushes_for_a_while_but_not_reads() {
        let child = ChildId::new_random();
        let access = ended_access(child);
        assert!(!is_active(&access, at(1) - Duration::seconds(1)));
        assert!(is_active(&access, at(5)));
        assert!(!is_active(&access, at(10)));
        assert!(accepts_pushes(&access, at(11)));
        assert!(!accepts_pushes(&access, at(10) + LATE_PUSH_GRACE));
        assert!(!accepts_pushes(&access, at(1) - Duration::seconds(1)));

        let caller = Caller::from_record(record(Role::SocialWorker, vec![access], vec![]), at(11))
            .expect("caller");
        assert!(!caller.may_read(child));
        assert!(!caller.may_write(child), "no editing after the hand-over");
        assert!(caller.pull_scope(Some(child)).is_err());
        let visit = Operation::CreateVisit(shared::Visit {
            child_id: child,
            ..shared::Visit::blank()
        });
        assert!(
            caller.may_push(&visit),
            "a visit recorded before the hand-over"
        );
        let delete = Operation::DeleteRecord(shared::protocol::RecordRef {
            kind: shared::protocol::EditableKind::Placement,
            id: uuid::Uuid::new_v4(),
            child_id: child,
        });
        assert!(!caller.may_push(&delete));
        let mut later = record(Role::SocialWorker, vec![ended_access(child)], vec![]);
        let when = at(10) + LATE_PUSH_GRACE;
        later.session.last_used_at = when;
        later.session.access_expires_at = when + Duration::minutes(5);
        later.session.expires_at = when + Duration::days(1);
        let late = Caller::from_record(later, when).expect("caller");
        assert!(!late.may_push(&visit), "the grace has ended");
    }

    #[test]
    fn leaders_see_their_units_and_managers_only_read() {
        let unit_child = ChildId::new_random();
        let caseload_child = ChildId::new_random();
        let social_worker = Caller::from_record(
            record(
                Role::SocialWorker,
                vec![AccessRow {
                    child_id: caseload_child,
                    starts_at: at(1),
                    ends_at: None,
                }],
                vec![unit_child],
            ),
            at(5),
        )
        .expect("caller");
        assert_eq!(social_worker.readable_children(), &[caseload_child]);
        assert!(!social_worker.may_write(unit_child));
        assert!(social_worker.require_cover_granter().is_err());

        let manager =
            Caller::from_record(record(Role::UnitManager, vec![], vec![unit_child]), at(5))
                .expect("caller");
        assert!(manager.may_read(unit_child));
        assert!(!manager.may_write(unit_child));
        assert_eq!(
            manager.audit_review_scope().expect("scope").0,
            vec![unit_child]
        );

        let leader =
            Caller::from_record(record(Role::GroupLeader, vec![], vec![unit_child]), at(5))
                .expect("caller");
        assert!(leader.may_write(unit_child));
        assert!(leader.audit_review_scope().is_err());

        let admin =
            Caller::from_record(record(Role::Administrator, vec![], vec![unit_child]), at(5))
                .expect("caller");
        assert!(admin.readable_children().is_empty());
        assert!(!admin.may_write(unit_child));
    }

    #[test]
    fn the_units_children_are_read_for_every_role_that_needs_them() {
        for role in Role::ALL {
            assert_eq!(
                UNIT_ROLES.contains(&role),
                role.sees_whole_units(),
                "{role:?}"
            );
        }
    }

    #[test]
    fn an_integration_account_reaches_import_and_export_only() {
        for allowed in [
            "/v1/import",
            "/api/v1/import",
            "/v1/exports/unfiled",
            "/v1/exports/filed",
            "/v1/visits/0f3ab66b-730b-458a-83b1-467111e55493/record.json",
            "/v1/visits/0f3ab66b-730b-458a-83b1-467111e55493/record.pdf",
            "/v1/visits/0f3ab66b-730b-458a-83b1-467111e55493/filed",
        ] {
            assert!(integration_may_call(allowed), "{allowed}");
        }
        for refused in [
            "/v1/sync/pull",
            "/v1/sync/push",
            "/v1/me",
            "/v1/sessions",
            "/v1/register/homes",
            "/v1/audit",
            "/v1/grants",
            "/v1/import/extra",
            "/v1/exports",
            "/v1/visits/x/record.json/more",
        ] {
            assert!(!integration_may_call(refused), "{refused}");
        }
    }

    #[test]
    fn an_integration_account_reads_its_units_children_and_writes_none() {
        let child = ChildId::new_random();
        let mut user = record(Role::Integration, vec![], vec![]).user;
        let integration = |user: UserRow| {
            Caller::from_integration(IntegrationRecord {
                user,
                units: vec![UnitSummary {
                    id: UnitId::new_random(),
                    name: "Familjehemsenheten".into(),
                }],
                unit_children: vec![child],
            })
        };
        let caller = integration(user.clone()).expect("caller");
        assert!(caller.is_integration());
        assert!(caller.may_read(child));
        assert!(!caller.may_write(child));
        assert!(caller.session().is_err());
        assert!(caller.register_home_scope().is_err());
        assert!(caller.require_register_manager().is_err());
        assert!(caller.who(None).session_id.is_none());
        user.active = false;
        assert!(integration(user.clone()).is_err(), "revoked or deactivated");
        user.active = true;
        user.role = Role::GroupLeader;
        assert!(integration(user).is_err(), "only the integration role");
    }

    #[test]
    fn an_ended_session_or_a_deactivated_user_is_no_caller() {
        let mut revoked = record(Role::SocialWorker, vec![], vec![]);
        revoked.session.revoked_at = Some(at(2));
        assert!(matches!(
            Caller::from_record(revoked, at(3)),
            Err(ApiError::SessionRevoked)
        ));
        let mut inactive = record(Role::SocialWorker, vec![], vec![]);
        inactive.user.active = false;
        assert!(matches!(
            Caller::from_record(inactive, at(3)),
            Err(ApiError::SessionRevoked)
        ));
        assert!(matches!(
            Caller::from_record(record(Role::SocialWorker, vec![], vec![]), at(29)),
            Err(ApiError::SessionExpired | ApiError::Unauthenticated)
        ));
    }

    #[test]
    fn exports_follow_reading_filing_follows_writing_and_bulk_is_for_leaders_and_oneself() {
        let child = ChildId::new_random();
        let other = ChildId::new_random();
        let own = AccessRow {
            child_id: child,
            starts_at: at(1),
            ends_at: None,
        };
        let worker = Caller::from_record(record(Role::SocialWorker, vec![own], vec![other]), at(5))
            .expect("caller");
        assert!(worker.check_export(child).is_ok());
        assert!(worker.check_filing(child).is_ok());
        assert!(worker.check_export(other).is_err());
        assert_eq!(
            worker
                .bulk_export_scope(Some(worker.user_id), None)
                .expect("own"),
            vec![child]
        );
        assert!(worker
            .bulk_export_scope(Some(UserId::new_random()), None)
            .is_err());
        assert!(worker
            .bulk_export_scope(None, Some(worker.units[0].id))
            .is_err());

        let manager = Caller::from_record(record(Role::UnitManager, vec![], vec![other]), at(5))
            .expect("caller");
        assert!(manager.check_export(other).is_ok());
        assert!(manager.check_filing(other).is_err(), "a manager only reads");
        assert!(manager
            .bulk_export_scope(None, Some(manager.units[0].id))
            .is_err());

        let leader = Caller::from_record(record(Role::GroupLeader, vec![], vec![other]), at(5))
            .expect("caller");
        let unit = leader.units[0].id;
        assert_eq!(
            leader.bulk_export_scope(None, Some(unit)).expect("unit"),
            vec![other]
        );
        assert!(leader
            .bulk_export_scope(None, Some(UnitId::new_random()))
            .is_err());
        assert!(leader
            .bulk_export_scope(Some(UserId::new_random()), None)
            .is_ok());
        assert!(leader.bulk_export_scope(None, None).is_err());
        assert!(leader
            .bulk_export_scope(Some(leader.user_id), Some(unit))
            .is_err());

        let admin = Caller::from_record(record(Role::Administrator, vec![], vec![other]), at(5))
            .expect("caller");
        assert!(admin.check_export(other).is_err());
        assert!(admin.bulk_export_scope(Some(admin.user_id), None).is_err());
    }

    fn complaint(unit: Option<UnitId>, responsible: Option<UserId>) -> Complaint {
        Complaint {
            id: uuid::Uuid::new_v4(),
            revision: 1,
            received_on: at(1).date_naive(),
            source: shared::complaints::ComplaintSource::Child,
            kind: shared::complaints::MessageKind::Complaint,
            channel: shared::complaints::Channel::Public,
            text: "Jag vill byta skola.".into(),
            from_name: None,
            reach: None,
            unit_id: unit,
            status: shared::complaints::ComplaintStatus::New,
            responsible,
            answer: None,
            answered_on: None,
            due_on: at(15).date_naive(),
            child_id: None,
            home_id: None,
            has_code: true,
            recorded_by: None,
            updated_by: None,
            updated_at: at(1),
        }
    }

    #[test]
    fn complaints_are_seen_by_managers_of_the_unit_and_the_responsible_worker_only() {
        let leader =
            Caller::from_record(record(Role::GroupLeader, vec![], vec![]), at(2)).expect("leader");
        let worker =
            Caller::from_record(record(Role::SocialWorker, vec![], vec![]), at(2)).expect("worker");
        let admin =
            Caller::from_record(record(Role::Administrator, vec![], vec![]), at(2)).expect("admin");
        let own_unit = Some(leader.unit_ids()[0]);
        let other_unit = Some(UnitId::new_random());

        let unassigned = complaint(None, None);
        assert!(leader.may_see_complaint(&unassigned));
        assert!(!worker.may_see_complaint(&unassigned));
        assert!(!admin.may_see_complaint(&unassigned));
        assert!(admin.complaint_scope().is_err());

        assert!(leader.may_see_complaint(&complaint(own_unit, None)));
        assert!(!leader.may_see_complaint(&complaint(other_unit, None)));
        let theirs = complaint(other_unit, Some(worker.user_id));
        assert!(worker.may_see_complaint(&theirs));
        assert!(!leader.may_see_complaint(&theirs));

        let update = |unit, responsible| ComplaintUpdate {
            revision: 1,
            status: shared::complaints::ComplaintStatus::Answered,
            unit_id: unit,
            responsible,
            answer: Some("Vi hör av oss.".into()),
            due_on: at(15).date_naive(),
            child_id: None,
            home_id: None,
        };
        assert!(worker
            .check_complaint_update(&theirs, &update(other_unit, Some(worker.user_id)))
            .is_ok());
        assert!(matches!(
            worker.check_complaint_update(&theirs, &update(other_unit, Some(leader.user_id))),
            Err(ApiError::Forbidden(_))
        ));
        assert!(leader
            .check_complaint_update(&unassigned, &update(own_unit, Some(worker.user_id)))
            .is_ok());
        assert!(matches!(
            leader.check_complaint_update(&unassigned, &update(other_unit, None)),
            Err(ApiError::Forbidden(_))
        ));
        assert!(matches!(
            worker.check_complaint_update(&unassigned, &update(None, Some(worker.user_id))),
            Err(ApiError::NotFound)
        ));
    }

    fn deviation(unit: UnitId, manager: UserId, reporter: UserId) -> Deviation {
        use shared::deviations::{Category, DeviationReport, Investigation, Route};
        Deviation {
            id: uuid::Uuid::new_v4(),
            revision: 1,
            report: DeviationReport {
                id: uuid::Uuid::new_v4(),
                unit_id: unit,
                manager_id: manager,
                happened_on: at(2).date_naive(),
                reported_at: at(2),
                category: Category::Visits,
                route: Route::Deviation,
                risk: None,
                what_happened: "Besöket blev inte av.".into(),
                could_do_differently: None,
                immediate_action: None,
                child_id: None,
                home_id: None,
                routine_id: None,
                complaint_id: None,
                collaboration: None,
                incident: None,
                reporter_name: None,
                reporter_email: None,
            },
            reported_by: reporter,
            reported_on: at(2).date_naive(),
            due_on: at(2).date_naive() + Duration::days(42),
            imy_due_at: None,
            imy_reported_at: None,
            escalated_at: None,
            escalated_by: None,
            investigation: Investigation::default(),
            locked_at: None,
            locked_by: None,
            feedback: None,
            feedback_at: None,
            feedback_by: None,
            feedback_mail: None,
            actions: Vec::new(),
            notes: Vec::new(),
        }
    }

    #[test]
    fn deviations_are_seen_by_their_reporter_their_investigator_and_the_units_managers() {
        let caller =
            |role| Caller::from_record(record(role, vec![], vec![]), at(3)).expect("caller");
        let manager = caller(Role::UnitManager);
        let worker = caller(Role::SocialWorker);
        let quality = caller(Role::Quality);
        let other_manager = caller(Role::UnitManager);
        let unit = manager.unit_ids()[0];
        let d = deviation(unit, manager.user_id, worker.user_id);

        assert_eq!(manager.deviation_view(&d), Some(DeviationView::Full));
        assert!(manager.may_investigate(&d) && manager.may_follow_up(&d));
        assert_eq!(worker.deviation_view(&d), Some(DeviationView::Reporter));
        assert!(!worker.may_investigate(&d) && !worker.may_follow_up(&d));
        assert_eq!(other_manager.deviation_view(&d), None);
        assert_eq!(quality.deviation_view(&d), None);

        // The quality unit counts every unit, a manager theirs, a worker none.
        assert_eq!(quality.deviation_aggregate_scope().expect("quality"), None);
        assert_eq!(
            manager.deviation_aggregate_scope().expect("manager"),
            Some(vec![unit])
        );
        assert!(worker.deviation_aggregate_scope().is_err());
        assert!(quality.readable_children().is_empty());

        // Reports go in one's own unit, about a child one may read.
        let mut report = d.report;
        assert!(manager.check_deviation_report(&report).is_ok());
        assert!(
            worker.check_deviation_report(&report).is_err(),
            "not the worker's unit"
        );
        report.unit_id = worker.unit_ids()[0];
        assert!(worker.check_deviation_report(&report).is_ok());
        report.child_id = Some(ChildId::new_random());
        assert!(worker.check_deviation_report(&report).is_err());
        assert!(!worker.may_push(&Operation::ReportDeviation(report)));
    }
}
