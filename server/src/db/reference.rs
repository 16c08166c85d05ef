//! Reference data managers publish for everyone: new versions of routines
//! and of checklist templates. Not about any child, so outside the change
//! feed; versions are only ever added.

use super::column::JsonText;
use super::statement::Stmt;
use super::{Database, DbError};
use chrono::{DateTime, Utc};
use shared::checklist::ChecklistTemplate;
use shared::routines::RoutineDraft;
use shared::UserId;

fn decode<T: serde::de::DeserializeOwned>(table: &'static str, text: &str) -> Result<T, DbError> {
    serde_json::from_str(text).map_err(|_| DbError::CorruptRow {
        table,
        reason: "undecodable published version".into(),
    })
}

fn encode<T: serde::Serialize>(table: &'static str, value: &T) -> Result<String, DbError> {
    serde_json::to_string(value).map_err(|e| DbError::CorruptRow {
        table,
        reason: e.to_string(),
    })
}

impl Database {
    /// Every published routine version, oldest first.
    pub async fn published_routines(&self) -> Result<Vec<RoutineDraft>, DbError> {
        // Text, not JSON, in both databases: kept exactly as published.
        let rows: Vec<String> = Stmt::new(
            "SELECT data FROM routine_versions ORDER BY published_at, routine_id, version",
        )
        .all(&self.pool)
        .await?;
        rows.iter().map(|r| decode("routine_versions", r)).collect()
    }

    /// `false` when that version number was taken meanwhile.
    pub async fn insert_routine_version(
        &self,
        draft: &RoutineDraft,
        by: UserId,
        at: DateTime<Utc>,
    ) -> Result<bool, DbError> {
        let inserted = Stmt::new(
            "INSERT INTO routine_versions (routine_id, version, data, published_by, \
             published_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        )
        .bind(draft.routine_id.as_str())
        .bind(draft.version)
        .bind(encode("routine_versions", draft)?)
        .bind(by)
        .bind(at)
        .execute(&self.pool)
        .await?;
        Ok(inserted == 1)
    }

    /// Every checklist template version managers published.
    pub async fn published_templates(&self) -> Result<Vec<ChecklistTemplate>, DbError> {
        let rows: Vec<JsonText> =
            Stmt::new("SELECT data FROM checklist_templates ORDER BY kind, version")
                .all(&self.pool)
                .await?;
        rows.iter()
            .map(|r| decode("checklist_templates", &r.0))
            .collect()
    }

    /// `false` when that version number was taken meanwhile.
    pub async fn insert_template(
        &self,
        template: &ChecklistTemplate,
        by: UserId,
        at: DateTime<Utc>,
    ) -> Result<bool, DbError> {
        let inserted = Stmt::new(
            "INSERT INTO checklist_templates (kind, version, valid_from, data, \
             published_by, published_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
        )
        .bind(super::rows::serde_name(&template.id.kind))
        .bind(template.id.version)
        .bind(template.valid_from)
        .bind(JsonText(encode("checklist_templates", template)?.into()))
        .bind(by)
        .bind(at)
        .execute(&self.pool)
        .await?;
        Ok(inserted == 1)
    }
}
