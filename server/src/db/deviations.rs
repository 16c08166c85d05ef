//! Deviations, Lex Sarah reports and personal-data incidents (see
//! docs/deviations.md). Every write appends its audit entry in the same
//! transaction; the routes log reads. A step on a deviation is made on the
//! revision the caller read: a stale one changes nothing, and a locked
//! investigation never changes.

use super::audit::{self, Who};
use super::column::{FromRow, IdList, Row};
use super::statement::{Stmt, Tx};
use super::{timed, Database, DbError};
use chrono::{DateTime, NaiveDate, Utc};
use shared::audit::AuditAction;
use shared::deviations::{
    imy_due, investigation_due, ActionDone, ActionKind, Category, Deviation, DeviationAction,
    DeviationNote, DeviationReport, Facts, Incident, IncidentKind, Investigation,
    InvestigationUpdate, MailStatus, NewAction, Risk, Route, UnitManager,
};
use shared::routines::RoutineId;
use shared::{ChildId, HomeId, SessionId, UnitId, UserId};
use uuid::Uuid;

macro_rules! columns {
    () => {
        "id, revision, unit_id, manager_id, reported_by, reported_at, reported_on, \
         happened_on, category, route, likelihood, consequence, what_happened, \
         could_do_differently, immediate_action, child_id, home_id, routine_id, complaint_id, \
         collaboration, incident_kind, discovered_at, imy_due_at, imy_reported_at, \
         reporter_name, reporter_email, due_on, escalated_at, escalated_by, what_went_wrong, \
         why, what_was_done, prevention, locked_at, locked_by, feedback, feedback_at, \
         feedback_by, \
         (SELECT MIN(CASE WHEN m.sent_at IS NULL THEN 0 ELSE 1 END) FROM mail_outbox m \
          WHERE m.about_id = deviations.id) AS mail_sent"
    };
}

fn corrupt(reason: impl Into<String>) -> DbError {
    DbError::CorruptRow {
        table: "deviations",
        reason: reason.into(),
    }
}

fn wire<T>(parse: fn(&str) -> Option<T>, raw: &str) -> Result<T, DbError> {
    parse(raw).ok_or_else(|| corrupt(format!("unknown value `{raw}`")))
}

fn small(n: Option<i64>) -> Result<Option<u8>, DbError> {
    n.map(|n| u8::try_from(n).map_err(|_| corrupt("a risk out of range")))
        .transpose()
}

impl FromRow for Deviation {
    fn from_row(row: &Row) -> Result<Self, DbError> {
        let risk = match (
            small(row.get("likelihood")?)?,
            small(row.get("consequence")?)?,
        ) {
            (Some(likelihood), Some(consequence)) => Some(Risk {
                likelihood,
                consequence,
            }),
            _ => None,
        };
        let incident = match (
            row.get::<Option<String>>("incident_kind")?,
            row.get::<Option<DateTime<Utc>>>("discovered_at")?,
        ) {
            (Some(kind), Some(discovered_at)) => Some(Incident {
                kind: wire(IncidentKind::parse, &kind)?,
                discovered_at,
            }),
            _ => None,
        };
        let routine_id = row
            .get::<Option<String>>("routine_id")?
            .map(|r| RoutineId::parse(&r).map_err(|_| corrupt("a routine id")))
            .transpose()?;
        let report = DeviationReport {
            id: row.get("id")?,
            unit_id: row.get("unit_id")?,
            manager_id: row.get("manager_id")?,
            happened_on: row.get("happened_on")?,
            reported_at: row.get("reported_at")?,
            category: wire(Category::parse, &row.get::<String>("category")?)?,
            route: wire(Route::parse, &row.get::<String>("route")?)?,
            risk,
            what_happened: row.get("what_happened")?,
            could_do_differently: row.get("could_do_differently")?,
            immediate_action: row.get("immediate_action")?,
            child_id: row.get("child_id")?,
            home_id: row.get("home_id")?,
            routine_id,
            complaint_id: row.get("complaint_id")?,
            collaboration: row.get("collaboration")?,
            incident,
            reporter_name: row.get("reporter_name")?,
            reporter_email: row.get("reporter_email")?,
        };
        Ok(Self {
            id: report.id,
            revision: row.get("revision")?,
            report,
            reported_by: row.get("reported_by")?,
            reported_on: row.get("reported_on")?,
            due_on: row.get("due_on")?,
            imy_due_at: row.get("imy_due_at")?,
            imy_reported_at: row.get("imy_reported_at")?,
            escalated_at: row.get("escalated_at")?,
            escalated_by: row.get("escalated_by")?,
            investigation: Investigation {
                what_went_wrong: row.get("what_went_wrong")?,
                why: row.get("why")?,
                what_was_done: row.get("what_was_done")?,
                prevention: row.get("prevention")?,
            },
            locked_at: row.get("locked_at")?,
            locked_by: row.get("locked_by")?,
            feedback: row.get("feedback")?,
            feedback_at: row.get("feedback_at")?,
            feedback_by: row.get("feedback_by")?,
            feedback_mail: row.get::<Option<i64>>("mail_sent")?.map(|sent| {
                if sent == 1 {
                    MailStatus::Sent
                } else {
                    MailStatus::Queued
                }
            }),
            actions: Vec::new(),
            notes: Vec::new(),
        })
    }
}

/// An action row, with the deviation it belongs to.
struct ActionRow(Uuid, DeviationAction);

impl FromRow for ActionRow {
    fn from_row(row: &Row) -> Result<Self, DbError> {
        Ok(Self(
            row.get("deviation_id")?,
            DeviationAction {
                id: row.get("id")?,
                kind: wire(ActionKind::parse, &row.get::<String>("kind")?)?,
                text: row.get("text")?,
                owner: row.get("owner")?,
                due_on: row.get("due_on")?,
                done_on: row.get("done_on")?,
                note: row.get("note")?,
                created_by: row.get("created_by")?,
                created_at: row.get("created_at")?,
            },
        ))
    }
}

struct NoteRow(Uuid, DeviationNote);

impl FromRow for NoteRow {
    fn from_row(row: &Row) -> Result<Self, DbError> {
        Ok(Self(
            row.get("deviation_id")?,
            DeviationNote {
                id: row.get("id")?,
                text: row.get("text")?,
                by: row.get("by_user")?,
                by_name: row.get("by_name")?,
                at: row.get("at")?,
            },
        ))
    }
}

impl FromRow for UnitManager {
    fn from_row(row: &Row) -> Result<Self, DbError> {
        Ok(Self {
            user_id: row.get("id")?,
            display_name: row.get("display_name")?,
            unit_id: row.get("unit_id")?,
        })
    }
}

impl FromRow for Facts {
    fn from_row(row: &Row) -> Result<Self, DbError> {
        Ok(Self {
            category: wire(Category::parse, &row.get::<String>("category")?)?,
            route: wire(Route::parse, &row.get::<String>("route")?)?,
            unit_id: row.get("unit_id")?,
            home_id: row.get("home_id")?,
            routine_id: row
                .get::<Option<String>>("routine_id")?
                .and_then(|r| RoutineId::parse(&r).ok()),
            organisational: row.get::<Option<ChildId>>("child_id")?.is_none(),
        })
    }
}

/// A message waiting in the outbox.
#[derive(Debug)]
pub struct PendingMail {
    pub id: Uuid,
    pub to_address: String,
    pub subject: String,
    pub body: String,
}

impl FromRow for PendingMail {
    fn from_row(row: &Row) -> Result<Self, DbError> {
        Ok(Self {
            id: row.get("id")?,
            to_address: row.get("to_address")?,
            subject: row.get("subject")?,
            body: row.get("body")?,
        })
    }
}

/// The audit entry of a read or write of deviation `id`: about its child,
/// else about no child (the nil id).
pub fn audit_entry(
    who: &Who,
    id: Uuid,
    child: Option<ChildId>,
    action: AuditAction,
    verb: &str,
) -> audit::NewAuditEntry {
    let child = child.unwrap_or(ChildId::from_uuid(Uuid::nil()));
    who.entry(child, action, &format!("deviation_{verb}:{id}"))
}

/// Which deviations a caller lists: those of `units`, and those the user
/// reported or investigates.
#[derive(Clone, Debug)]
pub struct DeviationScope {
    pub units: Vec<UnitId>,
    pub user: UserId,
}

/// Why a report was not stored.
#[derive(Debug, PartialEq, Eq)]
pub enum ReportRefused {
    /// Its id is taken.
    Taken,
    /// The named manager is no active unit manager or group leader of the
    /// unit.
    NotAManager,
    UnknownHome,
    UnknownComplaint,
}

impl ReportRefused {
    pub fn message(&self) -> &'static str {
        match self {
            Self::Taken => "a deviation with this id is already on the server",
            Self::NotAManager => {
                "`manager_id` is not an active unit manager or group leader of the unit"
            }
            Self::UnknownHome => "`home_id` is not a home of the register",
            Self::UnknownComplaint => "`complaint_id` is not a complaint of the register",
        }
    }
}

/// What became of a step on a deviation.
#[derive(Clone, Copy, Debug)]
pub enum Step<T> {
    Done(T),
    /// Made on an older revision, or the deviation is gone.
    Stale,
    /// The investigation (or the feedback) is locked.
    Locked,
}

/// An e-mail to queue with a step.
#[derive(Clone, Debug)]
pub struct Outgoing {
    pub to: String,
    pub subject: String,
    pub body: String,
}

impl Tx {
    /// Stores a checked report (a `report_deviation` mutation or the API's
    /// `POST`), after checking what it links to.
    pub(crate) async fn insert_deviation(
        &mut self,
        report: &DeviationReport,
        reported_by: UserId,
        now: DateTime<Utc>,
    ) -> Result<Result<(), ReportRefused>, DbError> {
        let taken: Option<Uuid> = Stmt::new("SELECT id FROM deviations WHERE id = $1")
            .bind(report.id)
            .optional(&mut *self)
            .await?;
        if taken.is_some() {
            return Ok(Err(ReportRefused::Taken));
        }
        let manager: Option<UserId> = Stmt::new(
            "SELECT u.id FROM users u JOIN user_units uu ON uu.user_id = u.id \
             WHERE u.id = $1 AND uu.unit_id = $2 AND u.active \
             AND u.role IN ('unit_manager', 'group_leader')",
        )
        .bind(report.manager_id)
        .bind(report.unit_id)
        .optional(&mut *self)
        .await?;
        if manager.is_none() {
            return Ok(Err(ReportRefused::NotAManager));
        }
        if let Some(home) = report.home_id {
            let found: Option<HomeId> = Stmt::new("SELECT id FROM homes WHERE id = $1")
                .bind(home)
                .optional(&mut *self)
                .await?;
            if found.is_none() {
                return Ok(Err(ReportRefused::UnknownHome));
            }
        }
        if let Some(complaint) = report.complaint_id {
            let found: Option<Uuid> = Stmt::new("SELECT id FROM complaints WHERE id = $1")
                .bind(complaint)
                .optional(&mut *self)
                .await?;
            if found.is_none() {
                return Ok(Err(ReportRefused::UnknownComplaint));
            }
        }
        // The tablet's clock, but never after the server's now.
        let reported_at = report.reported_at.min(now);
        let reported_on = shared::sweden::date_at(reported_at);
        Stmt::new(
            "INSERT INTO deviations (id, revision, unit_id, manager_id, reported_by, reported_at, \
             reported_on, happened_on, category, route, likelihood, consequence, what_happened, \
             could_do_differently, immediate_action, child_id, home_id, routine_id, \
             complaint_id, collaboration, incident_kind, discovered_at, imy_due_at, \
             reporter_name, reporter_email, due_on, updated_at) VALUES ($1, 1, $2, $3, $4, $5, \
             $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, \
             $23, $24, $25, $26)",
        )
        .bind(report.id)
        .bind(report.unit_id)
        .bind(report.manager_id)
        .bind(reported_by)
        .bind(reported_at)
        .bind(reported_on)
        .bind(report.happened_on)
        .bind(report.category.as_str())
        .bind(report.route.as_str())
        .bind(report.risk.map(|r| i64::from(r.likelihood)))
        .bind(report.risk.map(|r| i64::from(r.consequence)))
        .bind(report.what_happened.as_str())
        .bind(report.could_do_differently.as_deref())
        .bind(report.immediate_action.as_deref())
        .bind(report.child_id)
        .bind(report.home_id)
        .bind(report.routine_id.as_ref().map(RoutineId::as_str))
        .bind(report.complaint_id)
        .bind(report.collaboration.as_deref())
        .bind(report.incident.map(|i| i.kind.as_str()))
        .bind(report.incident.map(|i| i.discovered_at))
        .bind(report.incident.map(|i| imy_due(i.discovered_at)))
        .bind(report.reporter_name.as_deref())
        .bind(report.reporter_email.as_deref())
        .bind(investigation_due(reported_on))
        .bind(now)
        .execute(&mut *self)
        .await?;
        Ok(Ok(()))
    }

    /// Bumps the revision if it is still `revision`; `None` when stale or
    /// gone, else whether the investigation is locked and the feedback
    /// given.
    async fn claim_revision(
        &mut self,
        id: Uuid,
        revision: i64,
        now: DateTime<Utc>,
    ) -> Result<Option<(bool, bool)>, DbError> {
        let state: Option<LockState> =
            Stmt::new("SELECT revision, locked_at, feedback_at FROM deviations WHERE id = $1")
                .bind(id)
                .lock_rows()
                .optional(&mut *self)
                .await?;
        let Some(state) = state.filter(|s| s.revision == revision) else {
            return Ok(None);
        };
        Stmt::new("UPDATE deviations SET revision = revision + 1, updated_at = $2 WHERE id = $1")
            .bind(id)
            .bind(now)
            .execute(&mut *self)
            .await?;
        Ok(Some((state.locked, state.feedback_given)))
    }

    /// How many deviations (or complaints) are linked to each of `homes`.
    pub(crate) async fn home_report_counts(
        &mut self,
        homes: &[HomeId],
        deviations: bool,
    ) -> Result<std::collections::BTreeMap<HomeId, u32>, DbError> {
        let sql = if deviations {
            "SELECT home_id, COUNT(*) AS n FROM deviations WHERE home_id = ANY($1) GROUP BY home_id"
        } else {
            "SELECT home_id, COUNT(*) AS n FROM complaints WHERE home_id = ANY($1) GROUP BY home_id"
        };
        let rows: Vec<HomeCount> = Stmt::new(sql).bind(IdList(homes)).all(&mut *self).await?;
        Ok(rows.into_iter().map(|r| (r.0, r.1)).collect())
    }

    async fn add_note(
        &mut self,
        id: Uuid,
        kind: &'static str,
        text: &str,
        who: &Who,
        now: DateTime<Utc>,
    ) -> Result<(), DbError> {
        Stmt::new(
            "INSERT INTO deviation_notes (id, deviation_id, kind, text, by_user, by_name, at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(Uuid::new_v4())
        .bind(id)
        .bind(kind)
        .bind(text)
        .bind(who.user_id)
        .bind(who.name.as_str())
        .bind(now)
        .execute(&mut *self)
        .await?;
        Ok(())
    }
}

struct LockState {
    revision: i64,
    locked: bool,
    feedback_given: bool,
}

impl FromRow for LockState {
    fn from_row(row: &Row) -> Result<Self, DbError> {
        Ok(Self {
            revision: row.get("revision")?,
            locked: row.get::<Option<DateTime<Utc>>>("locked_at")?.is_some(),
            feedback_given: row.get::<Option<DateTime<Utc>>>("feedback_at")?.is_some(),
        })
    }
}

impl Database {
    /// Stores a report made online; its audit entry in the same
    /// transaction.
    pub async fn report_deviation(
        &self,
        report: &DeviationReport,
        who: &Who,
        now: DateTime<Utc>,
    ) -> Result<Result<Deviation, ReportRefused>, DbError> {
        let stored = timed(async {
            let mut tx = self.pool.begin_write().await?;
            if let Err(refused) = tx.insert_deviation(report, who.user_id, now).await? {
                tx.rollback().await?;
                return Ok(Err(refused));
            }
            audit::append(
                &mut tx,
                &[audit_entry(
                    who,
                    report.id,
                    report.child_id,
                    AuditAction::Write,
                    "report",
                )],
            )
            .await?;
            tx.commit().await?;
            Ok(Ok(()))
        })
        .await?;
        match stored {
            Ok(()) => Ok(Ok(self
                .deviation(report.id)
                .await?
                .ok_or_else(|| corrupt("a deviation just reported is missing"))?)),
            Err(refused) => Ok(Err(refused)),
        }
    }

    /// "Jag har tappat min platta": revokes the user's session `session`
    /// and opens the incident, in one transaction. `Ok(None)` when the
    /// session is not the user's or already revoked.
    pub async fn lost_device(
        &self,
        session: SessionId,
        report: &DeviationReport,
        who: &Who,
        now: DateTime<Utc>,
    ) -> Result<Option<Result<(), ReportRefused>>, DbError> {
        timed(async {
            let mut tx = self.pool.begin_write().await?;
            let revoked = Stmt::new(
                "UPDATE sessions SET revoked_at = $1 \
                 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL",
            )
            .bind(now)
            .bind(session)
            .bind(who.user_id)
            .execute(&mut tx)
            .await?;
            if revoked != 1 {
                tx.rollback().await?;
                return Ok(None);
            }
            if let Err(refused) = tx.insert_deviation(report, who.user_id, now).await? {
                tx.rollback().await?;
                return Ok(Some(Err(refused)));
            }
            audit::append(
                &mut tx,
                &[audit_entry(
                    who,
                    report.id,
                    None,
                    AuditAction::Write,
                    "lost_device",
                )],
            )
            .await?;
            tx.commit().await?;
            Ok(Some(Ok(())))
        })
        .await
    }

    /// One deviation with its actions and notes.
    pub async fn deviation(&self, id: Uuid) -> Result<Option<Deviation>, DbError> {
        let found: Option<Deviation> = Stmt::new(concat!(
            "SELECT ",
            columns!(),
            " FROM deviations WHERE id = $1"
        ))
        .bind(id)
        .optional(&self.pool)
        .await?;
        match found {
            Some(d) => Ok(self.with_steps(vec![d]).await?.pop()),
            None => Ok(None),
        }
    }

    /// The deviations `scope` covers, newest first.
    pub async fn deviations(&self, scope: &DeviationScope) -> Result<Vec<Deviation>, DbError> {
        let found: Vec<Deviation> = Stmt::new(concat!(
            "SELECT ",
            columns!(),
            " FROM deviations WHERE unit_id = ANY($1) OR reported_by = $2 OR manager_id = $2 \
             ORDER BY reported_at DESC, id"
        ))
        .bind(IdList(&scope.units))
        .bind(scope.user)
        .all(&self.pool)
        .await?;
        self.with_steps(found).await
    }

    async fn with_steps(&self, mut found: Vec<Deviation>) -> Result<Vec<Deviation>, DbError> {
        if found.is_empty() {
            return Ok(found);
        }
        let ids: Vec<Uuid> = found.iter().map(|d| d.id).collect();
        let actions: Vec<ActionRow> = Stmt::new(
            "SELECT id, deviation_id, kind, text, owner, due_on, done_on, note, created_by, \
             created_at FROM deviation_actions WHERE deviation_id = ANY($1) \
             ORDER BY created_at, id",
        )
        .bind(IdList(&ids))
        .all(&self.pool)
        .await?;
        let notes: Vec<NoteRow> = Stmt::new(
            "SELECT id, deviation_id, text, by_user, by_name, at FROM deviation_notes \
             WHERE deviation_id = ANY($1) ORDER BY at, id",
        )
        .bind(IdList(&ids))
        .all(&self.pool)
        .await?;
        for d in &mut found {
            d.actions = actions
                .iter()
                .filter(|a| a.0 == d.id)
                .map(|a| a.1.clone())
                .collect();
            d.notes = notes
                .iter()
                .filter(|n| n.0 == d.id)
                .map(|n| n.1.clone())
                .collect();
        }
        Ok(found)
    }

    /// Saves the four answers (and locks them) on `update.revision`.
    pub async fn update_investigation(
        &self,
        id: Uuid,
        child: Option<ChildId>,
        update: &InvestigationUpdate,
        who: &Who,
        now: DateTime<Utc>,
    ) -> Result<Step<()>, DbError> {
        self.step(
            id,
            child,
            update.revision,
            who,
            now,
            "investigate",
            |tx, locked, _| {
                let update = update.clone();
                let who = who.clone();
                Box::pin(async move {
                    if locked {
                        return Ok(Step::Locked);
                    }
                    Stmt::new(
                    "UPDATE deviations SET what_went_wrong = $2, why = $3, what_was_done = $4, \
                     prevention = $5, locked_at = $6, locked_by = $7 WHERE id = $1",
                )
                .bind(id)
                .bind(update.answers.what_went_wrong.as_deref())
                .bind(update.answers.why.as_deref())
                .bind(update.answers.what_was_done.as_deref())
                .bind(update.answers.prevention.as_deref())
                .bind(update.lock.then_some(now))
                .bind(update.lock.then_some(who.user_id))
                .execute(&mut *tx)
                .await?;
                    Ok(Step::Done(()))
                })
            },
        )
        .await
    }

    /// A correction: an attributed addition to a locked investigation.
    pub async fn correct_deviation(
        &self,
        id: Uuid,
        child: Option<ChildId>,
        revision: i64,
        text: &str,
        who: &Who,
        now: DateTime<Utc>,
    ) -> Result<Step<()>, DbError> {
        let text = text.to_owned();
        self.step(id, child, revision, who, now, "correct", |tx, locked, _| {
            let who = who.clone();
            Box::pin(async move {
                if !locked {
                    // Before the lock the answers themselves are edited.
                    return Ok(Step::Stale);
                }
                tx.add_note(id, "correction", &text, &who, now).await?;
                Ok(Step::Done(()))
            })
        })
        .await
    }

    /// Escalates a deviation to Lex Sarah, with the reason.
    pub async fn escalate_deviation(
        &self,
        id: Uuid,
        child: Option<ChildId>,
        revision: i64,
        reason: &str,
        who: &Who,
        now: DateTime<Utc>,
    ) -> Result<Step<()>, DbError> {
        let reason = reason.to_owned();
        self.step(id, child, revision, who, now, "escalate", |tx, _, _| {
            let who = who.clone();
            Box::pin(async move {
                Stmt::new(
                    "UPDATE deviations SET route = 'lex_sarah', escalated_at = $2, \
                     escalated_by = $3 WHERE id = $1",
                )
                .bind(id)
                .bind(now)
                .bind(who.user_id)
                .execute(&mut *tx)
                .await?;
                tx.add_note(id, "escalation", &reason, &who, now).await?;
                Ok(Step::Done(()))
            })
        })
        .await
    }

    /// Records that IMY was told, at `at`.
    pub async fn imy_reported(
        &self,
        id: Uuid,
        child: Option<ChildId>,
        revision: i64,
        at: DateTime<Utc>,
        who: &Who,
        now: DateTime<Utc>,
    ) -> Result<Step<()>, DbError> {
        self.step(id, child, revision, who, now, "imy_report", |tx, _, _| {
            let who = who.clone();
            Box::pin(async move {
                Stmt::new("UPDATE deviations SET imy_reported_at = $2 WHERE id = $1")
                    .bind(id)
                    .bind(at)
                    .execute(&mut *tx)
                    .await?;
                tx.add_note(id, "imy_report", &at.to_rfc3339(), &who, now)
                    .await?;
                Ok(Step::Done(()))
            })
        })
        .await
    }

    /// The feedback to the reporter, given once; an e-mail queued with it
    /// for an external reporter.
    #[expect(
        clippy::too_many_arguments,
        reason = "a step's ids, its text and its e-mail"
    )]
    pub async fn give_feedback(
        &self,
        id: Uuid,
        child: Option<ChildId>,
        revision: i64,
        text: &str,
        mail: Option<Outgoing>,
        who: &Who,
        now: DateTime<Utc>,
    ) -> Result<Step<()>, DbError> {
        let text = text.to_owned();
        self.step(id, child, revision, who, now, "feedback", |tx, _, given| {
            let who = who.clone();
            Box::pin(async move {
                if given {
                    return Ok(Step::Locked);
                }
                Stmt::new(
                    "UPDATE deviations SET feedback = $2, feedback_at = $3, feedback_by = $4 \
                     WHERE id = $1",
                )
                .bind(id)
                .bind(text.as_str())
                .bind(now)
                .bind(who.user_id)
                .execute(&mut *tx)
                .await?;
                if let Some(mail) = mail {
                    Stmt::new(
                        "INSERT INTO mail_outbox (id, to_address, subject, body, about_id, \
                         created_at, sent_at, attempts, last_error) \
                         VALUES ($1, $2, $3, $4, $5, $6, NULL, 0, NULL)",
                    )
                    .bind(Uuid::new_v4())
                    .bind(mail.to.as_str())
                    .bind(mail.subject.as_str())
                    .bind(mail.body.as_str())
                    .bind(id)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                }
                Ok(Step::Done(()))
            })
        })
        .await
    }

    /// One step on revision `revision`: the revision bumped, `apply` run,
    /// the audit entry appended, all in one transaction; rolled back unless
    /// `apply` did it.
    #[expect(clippy::too_many_arguments, reason = "one helper for every step")]
    async fn step<'s, F>(
        &'s self,
        id: Uuid,
        child: Option<ChildId>,
        revision: i64,
        who: &'s Who,
        now: DateTime<Utc>,
        verb: &'static str,
        apply: F,
    ) -> Result<Step<()>, DbError>
    where
        F: for<'t> FnOnce(
            &'t mut Tx,
            bool,
            bool,
        ) -> std::pin::Pin<
            Box<dyn std::future::Future<Output = Result<Step<()>, DbError>> + Send + 't>,
        >,
    {
        timed(async {
            let mut tx = self.pool.begin_write().await?;
            let Some((locked, given)) = tx.claim_revision(id, revision, now).await? else {
                tx.rollback().await?;
                return Ok(Step::Stale);
            };
            match apply(&mut tx, locked, given).await? {
                Step::Done(()) => {
                    audit::append(
                        &mut tx,
                        &[audit_entry(who, id, child, AuditAction::Write, verb)],
                    )
                    .await?;
                    tx.commit().await?;
                    Ok(Step::Done(()))
                }
                other => {
                    tx.rollback().await?;
                    Ok(other)
                }
            }
        })
        .await
    }

    /// Adds an action or a follow-up; audit-logged.
    pub async fn add_deviation_action(
        &self,
        id: Uuid,
        child: Option<ChildId>,
        new: &NewAction,
        who: &Who,
        now: DateTime<Utc>,
    ) -> Result<Uuid, DbError> {
        let action = Uuid::new_v4();
        timed(async {
            let mut tx = self.pool.begin_write().await?;
            insert_action(&mut tx, action, id, new, who.user_id, now).await?;
            audit::append(
                &mut tx,
                &[audit_entry(who, id, child, AuditAction::Write, "action")],
            )
            .await?;
            tx.commit().await?;
            Ok(())
        })
        .await?;
        Ok(action)
    }

    /// Marks an action done; a follow-up repeated gets its next one.
    /// `false` when there is no such open action.
    pub async fn complete_deviation_action(
        &self,
        id: Uuid,
        child: Option<ChildId>,
        action: Uuid,
        done: &ActionDone,
        who: &Who,
        now: DateTime<Utc>,
    ) -> Result<bool, DbError> {
        timed(async {
            let mut tx = self.pool.begin_write().await?;
            let open: Option<ActionRow> = Stmt::new(
                "SELECT id, deviation_id, kind, text, owner, due_on, done_on, note, created_by, \
                 created_at FROM deviation_actions \
                 WHERE id = $1 AND deviation_id = $2 AND done_on IS NULL",
            )
            .bind(action)
            .bind(id)
            .lock_rows()
            .optional(&mut tx)
            .await?;
            let Some(ActionRow(_, open)) = open else {
                tx.rollback().await?;
                return Ok(false);
            };
            Stmt::new("UPDATE deviation_actions SET done_on = $2, note = $3 WHERE id = $1")
                .bind(action)
                .bind(shared::sweden::date_at(now))
                .bind(done.note.as_deref())
                .execute(&mut tx)
                .await?;
            if let (ActionKind::FollowUp, Some(next)) = (open.kind, done.next_due_on) {
                let new = NewAction {
                    kind: ActionKind::FollowUp,
                    text: open.text.clone(),
                    owner: open.owner,
                    due_on: next,
                };
                insert_action(&mut tx, Uuid::new_v4(), id, &new, who.user_id, now).await?;
            }
            audit::append(
                &mut tx,
                &[audit_entry(
                    who,
                    id,
                    child,
                    AuditAction::Write,
                    "action_done",
                )],
            )
            .await?;
            tx.commit().await?;
            Ok(true)
        })
        .await
    }

    /// The active unit managers and group leaders of `units`.
    pub async fn unit_managers(&self, units: &[UnitId]) -> Result<Vec<UnitManager>, DbError> {
        Stmt::new(
            "SELECT u.id, u.display_name, uu.unit_id FROM users u \
             JOIN user_units uu ON uu.user_id = u.id \
             WHERE uu.unit_id = ANY($1) AND u.active \
             AND u.role IN ('unit_manager', 'group_leader') ORDER BY u.display_name, u.id",
        )
        .bind(IdList(units))
        .all(&self.pool)
        .await
    }

    /// What the aggregates count: deviations reported from `from` to `to`
    /// (inclusive), of `units` or of every unit (`None`).
    pub async fn deviation_facts(
        &self,
        units: Option<&[UnitId]>,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<Facts>, DbError> {
        let select = "SELECT category, route, unit_id, home_id, routine_id, child_id \
             FROM deviations WHERE reported_on >= $1 AND reported_on <= $2";
        match units {
            None => Stmt::new(select).bind(from).bind(to).all(&self.pool).await,
            Some(units) => {
                Stmt::new(
                    "SELECT category, route, unit_id, home_id, routine_id, child_id \
                     FROM deviations WHERE reported_on >= $1 AND reported_on <= $2 \
                     AND unit_id = ANY($3)",
                )
                .bind(from)
                .bind(to)
                .bind(IdList(units))
                .all(&self.pool)
                .await
            }
        }
    }

    /// Messages not yet sent, oldest first.
    pub async fn pending_mail(&self, limit: u32) -> Result<Vec<PendingMail>, DbError> {
        Stmt::new(
            "SELECT id, to_address, subject, body FROM mail_outbox WHERE sent_at IS NULL \
             ORDER BY created_at, id LIMIT $1",
        )
        .bind(i64::from(limit))
        .all(&self.pool)
        .await
    }

    pub async fn mail_sent(&self, id: Uuid, at: DateTime<Utc>) -> Result<(), DbError> {
        Stmt::new("UPDATE mail_outbox SET sent_at = $2, attempts = attempts + 1 WHERE id = $1")
            .bind(id)
            .bind(at)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn mail_failed(&self, id: Uuid, error: &str) -> Result<(), DbError> {
        Stmt::new("UPDATE mail_outbox SET attempts = attempts + 1, last_error = $2 WHERE id = $1")
            .bind(id)
            .bind(error)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

struct HomeCount(HomeId, u32);

impl FromRow for HomeCount {
    fn from_row(row: &Row) -> Result<Self, DbError> {
        Ok(Self(row.get("home_id")?, row.get("n")?))
    }
}

async fn insert_action(
    tx: &mut Tx,
    action: Uuid,
    deviation: Uuid,
    new: &NewAction,
    by: UserId,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    Stmt::new(
        "INSERT INTO deviation_actions (id, deviation_id, kind, text, owner, due_on, done_on, \
         note, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, NULL, NULL, $7, $8)",
    )
    .bind(action)
    .bind(deviation)
    .bind(new.kind.as_str())
    .bind(new.text.as_str())
    .bind(new.owner)
    .bind(new.due_on)
    .bind(by)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(())
}
