//! The records about a child (children, placements, visits and their
//! amendments, closings, checklist ticks, conflicts): the statements a
//! mutation's transaction runs. What a mutation does is decided in
//! `apply.rs`.

use super::column::JsonText;
use super::rows::{
    child_columns, closing_details, placement_columns, serde_name, ChildRow, ConflictRow,
    PlacementRow, StoredPlacement, VisitColumns,
};
use super::statement::{Stmt, Tx};
use super::DbError;
use chrono::Utc;
use serde_json::Value;
use shared::checklist::{ChecklistTemplate, ChecklistTick, TemplateVersion};
use shared::export::FiledMark;
use shared::protocol::Conflict;
use shared::selfcheck::INFORMATION_ITEMS;
use shared::{
    Child, ChildId, ConflictId, MutationId, Placement, PlacementClosing, PlacementId, Visit,
    VisitAmendment, VisitId,
};

/// A placement's `information_given` (migration 0018, which fills it by the
/// same rule): for each written-information item (`$2`, `$3`, `$4`), 1 if
/// its latest tick (by when it was made, then by id) is done, else 0.
const INFORMATION_GIVEN_SQL: &str = "UPDATE placements SET information_given = \
     CASE WHEN (SELECT t.state FROM checklist_ticks t WHERE t.placement_id = placements.id \
     AND t.item_key = $2 ORDER BY t.ticked_at DESC, t.id DESC LIMIT 1) = 'done' \
     THEN '1' ELSE '0' END \
     || CASE WHEN (SELECT t.state FROM checklist_ticks t WHERE t.placement_id = placements.id \
     AND t.item_key = $3 ORDER BY t.ticked_at DESC, t.id DESC LIMIT 1) = 'done' \
     THEN '1' ELSE '0' END \
     || CASE WHEN (SELECT t.state FROM checklist_ticks t WHERE t.placement_id = placements.id \
     AND t.item_key = $4 ORDER BY t.ticked_at DESC, t.id DESC LIMIT 1) = 'done' \
     THEN '1' ELSE '0' END \
     WHERE id = $1";

impl Tx {
    pub(crate) async fn count_children(&mut self) -> Result<i64, DbError> {
        Stmt::new("SELECT COUNT(*) FROM children").one(self).await
    }

    pub(crate) async fn child_exists(&mut self, id: ChildId) -> Result<bool, DbError> {
        Stmt::new("SELECT EXISTS (SELECT 1 FROM children WHERE id = $1)")
            .bind(id)
            .one(self)
            .await
    }

    /// `false` when the id exists (for this and every `insert_*` below).
    pub(crate) async fn insert_child(&mut self, child: &Child) -> Result<bool, DbError> {
        let inserted = child_stmt(
            "INSERT INTO children (id, given_name, family_name, birth_date, sex, \
             has_disability, unit_id, external_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING",
            child,
        )
        .execute(self)
        .await?;
        Ok(inserted == 1)
    }

    /// The child as stored, locked until commit.
    pub(crate) async fn child_for_update(&mut self, id: ChildId) -> Result<Option<Child>, DbError> {
        let row: Option<ChildRow> = Stmt::new(concat!(
            "SELECT ",
            child_columns!(),
            " FROM children WHERE id = $1"
        ))
        .bind(id)
        .lock_rows()
        .optional(self)
        .await?;
        row.map(ChildRow::decode).transpose()
    }

    /// Writes every field of a stored child.
    pub(crate) async fn update_child(&mut self, child: &Child) -> Result<(), DbError> {
        child_stmt(
            "UPDATE children SET given_name = $2, family_name = $3, birth_date = $4, sex = $5, \
             has_disability = $6, unit_id = $7, external_id = $8 WHERE id = $1",
            child,
        )
        .execute(self)
        .await?;
        Ok(())
    }

    pub(crate) async fn insert_visit(
        &mut self,
        visit: &Visit,
        mutation_id: Option<MutationId>,
    ) -> Result<bool, DbError> {
        let columns = VisitColumns::of(visit)?;
        let inserted = Stmt::new(
            "INSERT INTO visits (id, child_id, visit_date, visitor, talked_alone, note, \
             recorded_at, received_at, mutation_id, contact, visitor_role, place, \
             not_alone_reason, feedback_given, tools, signed_by, details, has_child_view, \
             selfcheck_entry) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, \
             $14, $15, $16, $17, $18, $19) ON CONFLICT (id) DO NOTHING",
        )
        .bind(visit.id)
        .bind(visit.child_id)
        .bind(visit.visit_date)
        .bind(visit.visitor.as_str())
        .bind(visit.talked_alone)
        .bind(visit.note.as_str())
        .bind(visit.recorded_at)
        .bind(Utc::now())
        .bind(mutation_id)
        .bind(columns.contact)
        .bind(columns.visitor_role)
        .bind(columns.place)
        .bind(columns.not_alone_reason)
        .bind(visit.feedback_given)
        .bind(columns.tools)
        .bind(visit.signed_by)
        .bind(JsonText(columns.details.into()))
        .bind(visit.has_child_view())
        .bind(super::selfcheck::visit_entry(visit))
        .execute(self)
        .await?;
        Ok(inserted == 1)
    }

    /// The child a visit belongs to, if the visit exists.
    pub(crate) async fn visit_child(&mut self, id: VisitId) -> Result<Option<ChildId>, DbError> {
        Stmt::new("SELECT child_id FROM visits WHERE id = $1")
            .bind(id)
            .optional(self)
            .await
    }

    pub(crate) async fn insert_amendment(
        &mut self,
        amendment: &VisitAmendment,
        mutation_id: Option<MutationId>,
    ) -> Result<bool, DbError> {
        let inserted = Stmt::new(
            "INSERT INTO visit_amendments (id, visit_id, child_id, author, text, recorded_at, \
             received_at, mutation_id, author_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(amendment.id)
        .bind(amendment.visit_id)
        .bind(amendment.child_id)
        .bind(amendment.author.as_str())
        .bind(amendment.text.as_str())
        .bind(amendment.recorded_at)
        .bind(Utc::now())
        .bind(mutation_id)
        .bind(amendment.author_id)
        .execute(self)
        .await?;
        Ok(inserted == 1)
    }

    pub(crate) async fn insert_placement(&mut self, p: &Placement) -> Result<bool, DbError> {
        let inserted = placement_stmt(
            "INSERT INTO placements \
             (id, child_id, kind, home_name, legal_basis, start_date, end_date, home_id, \
             decision_date, decided_by, decision_until, last_consideration, external_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
             ON CONFLICT (id) DO NOTHING",
            p,
        )
        .execute(self)
        .await?;
        Ok(inserted == 1)
    }

    /// The placement, locked until commit.
    pub(crate) async fn placement_for_update(
        &mut self,
        id: PlacementId,
    ) -> Result<Option<StoredPlacement>, DbError> {
        let row: Option<PlacementRow> = Stmt::new(concat!(
            "SELECT ",
            placement_columns!(),
            " FROM placements WHERE id = $1"
        ))
        .bind(id)
        .lock_rows()
        .optional(self)
        .await?;
        row.map(PlacementRow::decode).transpose()
    }

    pub(crate) async fn update_placement(&mut self, p: &Placement) -> Result<(), DbError> {
        placement_stmt(
            "UPDATE placements SET kind = $3, home_name = $4, legal_basis = $5, \
             start_date = $6, end_date = $7, home_id = $8, decision_date = $9, \
             decided_by = $10, decision_until = $11, last_consideration = $12, \
             external_id = $13 WHERE id = $1 AND child_id = $2",
            p,
        )
        .execute(self)
        .await?;
        Ok(())
    }

    /// Marks the placement deleted; the row stays as a tombstone.
    pub(crate) async fn delete_placement(&mut self, id: PlacementId) -> Result<(), DbError> {
        Stmt::new("UPDATE placements SET deleted = TRUE WHERE id = $1")
            .bind(id)
            .execute(self)
            .await?;
        Ok(())
    }

    /// Whether the placement already has its closing.
    pub(crate) async fn placement_closed(&mut self, id: PlacementId) -> Result<bool, DbError> {
        Stmt::new("SELECT EXISTS (SELECT 1 FROM placement_closings WHERE placement_id = $1)")
            .bind(id)
            .one(self)
            .await
    }

    pub(crate) async fn insert_closing(
        &mut self,
        c: &PlacementClosing,
        mutation_id: Option<MutationId>,
    ) -> Result<bool, DbError> {
        let inserted = Stmt::new(
            "INSERT INTO placement_closings (id, placement_id, child_id, end_date, kind, \
             replacement, reason, signed_by, details, received_at, mutation_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT DO NOTHING",
        )
        .bind(c.id)
        .bind(c.placement_id)
        .bind(c.child_id)
        .bind(c.end_date)
        .bind(serde_name(&c.kind))
        .bind(c.replacement)
        .bind(c.reason.as_ref().map(serde_name))
        .bind(c.signed_by)
        .bind(JsonText(closing_details(c)?.into()))
        .bind(Utc::now())
        .bind(mutation_id)
        .execute(self)
        .await?;
        Ok(inserted == 1)
    }

    /// Writes a tick; one of the written-information items also renews its
    /// placement's `information_given` (migration 0018).
    pub(crate) async fn insert_tick(
        &mut self,
        t: &ChecklistTick,
        mutation_id: Option<MutationId>,
    ) -> Result<bool, DbError> {
        let inserted = Stmt::new(
            "INSERT INTO checklist_ticks (id, placement_id, child_id, template_kind, \
             template_version, item_key, state, ticked_by, ticked_at, received_at, mutation_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (id) DO NOTHING",
        )
        .bind(t.id)
        .bind(t.placement_id)
        .bind(t.child_id)
        .bind(serde_name(&t.template.kind))
        .bind(t.template.version)
        .bind(t.item_key.as_str())
        .bind(serde_name(&t.state))
        .bind(t.by)
        .bind(t.ticked_at)
        .bind(Utc::now())
        .bind(mutation_id)
        .execute(&mut *self)
        .await?;
        if inserted == 1 && INFORMATION_ITEMS.contains(&t.item_key.as_str()) {
            let [contact, complaints, rights] = INFORMATION_ITEMS;
            Stmt::new(INFORMATION_GIVEN_SQL)
                .bind(t.placement_id)
                .bind(contact)
                .bind(complaints)
                .bind(rights)
                .execute(&mut *self)
                .await?;
        }
        Ok(inserted == 1)
    }

    /// Marks a visit filed in the case-management record; `false` when it
    /// already was (the first mark stays).
    pub(crate) async fn insert_filing(&mut self, f: &FiledMark) -> Result<bool, DbError> {
        let inserted = Stmt::new(
            "INSERT INTO visit_filings (visit_id, child_id, filed_by, filed_by_name, filed_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (visit_id) DO NOTHING",
        )
        .bind(f.visit_id)
        .bind(f.child_id)
        .bind(f.by)
        .bind(f.by_name.as_str())
        .bind(f.at)
        .execute(self)
        .await?;
        Ok(inserted == 1)
    }

    /// A template version published by a manager (not the built-in ones).
    pub(crate) async fn published_template(
        &mut self,
        version: TemplateVersion,
    ) -> Result<Option<ChecklistTemplate>, DbError> {
        let data: Option<JsonText> =
            Stmt::new("SELECT data FROM checklist_templates WHERE kind = $1 AND version = $2")
                .bind(serde_name(&version.kind))
                .bind(version.version)
                .optional(self)
                .await?;
        data.map(|d| {
            serde_json::from_str(&d.0).map_err(|_| DbError::CorruptRow {
                table: "checklist_templates",
                reason: "undecodable template".into(),
            })
        })
        .transpose()
    }

    pub(crate) async fn insert_conflict(&mut self, conflict: &Conflict) -> Result<(), DbError> {
        let row = ConflictRow::encode(conflict);
        Stmt::new(
            "INSERT INTO conflicts (id, target_kind, target_id, child_id, field, server_value, \
             device_value, device_id, mutation_id, resolution) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(row.id)
        .bind(row.target_kind)
        .bind(row.target_id)
        .bind(row.child_id)
        .bind(row.field)
        .bind(JsonText(row.server_value.into()))
        .bind(JsonText(row.device_value.into()))
        .bind(row.device_id)
        .bind(row.mutation_id)
        .bind(row.resolution.map(|r| JsonText(r.into())))
        .execute(self)
        .await?;
        Ok(())
    }

    /// The conflict, locked until commit.
    pub(crate) async fn conflict_for_update(
        &mut self,
        id: ConflictId,
    ) -> Result<Option<Conflict>, DbError> {
        let row: Option<ConflictRow> = Stmt::new(
            "SELECT id, target_kind, target_id, child_id, field, server_value, device_value, \
             device_id, mutation_id, resolution FROM conflicts WHERE id = $1",
        )
        .bind(id)
        .lock_rows()
        .optional(self)
        .await?;
        row.map(ConflictRow::decode).transpose()
    }

    pub(crate) async fn resolve_conflict(
        &mut self,
        id: ConflictId,
        value: &Value,
    ) -> Result<(), DbError> {
        Stmt::new("UPDATE conflicts SET resolution = $1 WHERE id = $2")
            .bind(JsonText(value.to_string().into()))
            .bind(id)
            .execute(self)
            .await?;
        Ok(())
    }
}

fn placement_stmt<'a>(sql: &'static str, p: &'a Placement) -> Stmt<'a> {
    Stmt::new(sql)
        .bind(p.id)
        .bind(p.child_id)
        .bind(serde_name(&p.kind))
        .bind(p.home_name.as_str())
        .bind(serde_name(&p.legal_basis))
        .bind(p.start_date)
        .bind(p.end_date)
        .bind(p.home_id)
        .bind(p.decision_date)
        .bind(p.decided_by.as_ref().map(|n| n.as_str()))
        .bind(p.decision_until)
        .bind(p.last_consideration)
        .bind(p.external_id.as_ref().map(|e| e.as_str()))
}

fn child_stmt<'a>(sql: &'static str, c: &'a Child) -> Stmt<'a> {
    Stmt::new(sql)
        .bind(c.id)
        .bind(c.given_name.as_str())
        .bind(c.family_name.as_str())
        .bind(c.birth_date)
        .bind(c.sex.as_str())
        .bind(c.has_disability)
        .bind(c.unit_id)
        .bind(c.external_id.as_ref().map(|e| e.as_str()))
}
