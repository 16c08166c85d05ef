//! The register: homes and their checks, and the writes that keep children
//! and placements in step with the case-management system (the register
//! API and the import build on these, inside one [`Tx`]).

use super::statement::{Stmt, Tx};
use super::DbError;
use shared::{ChildId, HomeId, UnitId};

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
}
