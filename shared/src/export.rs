//! A signed visit as it goes to the record (akten): the same content as the
//! PDF, as JSON (schema `docs/schema/visit-record.schema.json`), and on the
//! tablet's print view.

use crate::domain::{Child, Placement, Visit, VisitAmendment};
use crate::ids::{ChildId, UserId, VisitId};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// The version of [`VisitRecord`]'s JSON.
pub const VISIT_RECORD_FORMAT: u32 = 1;

/// One signed visit with everything the record needs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitRecord {
    pub format: u32,
    pub child: Child,
    /// The placement in force on the day of the visit, if any.
    pub placement: Option<Placement>,
    pub visit: Visit,
    /// Corrections, oldest first.
    pub amendments: Vec<VisitAmendment>,
    /// What the child made of each conversation tool, as text
    /// ([`crate::conversation::as_text`]).
    pub tools: Vec<ToolSummary>,
    /// When and by whom it was filed, once it is.
    pub filed: Option<FiledMark>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolSummary {
    pub tool: crate::domain::ConversationTool,
    /// The tool's Swedish name.
    pub label: String,
    pub text: String,
}

/// "Förd till akt": the visit was filed in the case-management record. Set
/// once; filing again keeps the first mark.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FiledMark {
    pub visit_id: VisitId,
    pub child_id: ChildId,
    pub by: UserId,
    pub by_name: String,
    pub at: DateTime<Utc>,
}

/// `POST /api/v1/exports/unfiled`: a period's signed visits not yet filed,
/// for one worker or one unit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnfiledQuery {
    pub from: NaiveDate,
    pub to: NaiveDate,
    #[serde(default)]
    pub worker: Option<UserId>,
    #[serde(default)]
    pub unit: Option<crate::ids::UnitId>,
}

/// `POST /api/v1/exports/filed`: mark these visits filed (each once).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileRequest {
    pub visits: Vec<VisitId>,
}

impl VisitRecord {
    /// Builds the record from its parts; the tool summaries come from the visit.
    pub fn new(
        child: Child,
        placement: Option<Placement>,
        visit: Visit,
        amendments: Vec<VisitAmendment>,
        filed: Option<FiledMark>,
    ) -> Self {
        let tools = visit
            .tools
            .iter()
            .map(|result| ToolSummary {
                tool: result.tool(),
                label: result.tool().label_sv().to_owned(),
                text: crate::conversation::as_text(result),
            })
            .collect();
        Self {
            format: VISIT_RECORD_FORMAT,
            child,
            placement,
            visit,
            amendments,
            tools,
            filed,
        }
    }
}
