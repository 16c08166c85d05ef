//! Reference data managers publish for everyone: new versions of routines
//! and of checklist templates. Not about any child, so outside the change
//! feed; versions are only ever added.

use super::{timed, Database, DbError};
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
        const SQL: &str =
            "SELECT data FROM routine_versions ORDER BY published_at, routine_id, version";
        let rows: Vec<String> = timed(async {
            Ok(match self {
                Database::Sqlite(s) => sqlx::query_scalar(SQL).fetch_all(&s.pool).await?,
                Database::Postgres(s) => sqlx::query_scalar(SQL).fetch_all(&s.pool).await?,
            })
        })
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
        let data = encode("routine_versions", draft)?;
        let id = draft.routine_id.as_str();
        let version = i64::from(draft.version);
        let inserted = timed(async {
            Ok(match self {
                Database::Sqlite(s) => sqlx::query(
                    "INSERT INTO routine_versions (routine_id, version, data, published_by, \
                     published_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                )
                .bind(id)
                .bind(version)
                .bind(&data)
                .bind(by.to_string())
                .bind(at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true))
                .execute(&s.writer)
                .await?
                .rows_affected(),
                Database::Postgres(s) => sqlx::query(
                    "INSERT INTO routine_versions (routine_id, version, data, published_by, \
                     published_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
                )
                .bind(id)
                .bind(i32::try_from(version).unwrap_or(i32::MAX))
                .bind(&data)
                .bind(by.as_uuid())
                .bind(at)
                .execute(&s.pool)
                .await?
                .rows_affected(),
            })
        })
        .await?;
        Ok(inserted == 1)
    }

    /// Every checklist template version managers published.
    pub async fn published_templates(&self) -> Result<Vec<ChecklistTemplate>, DbError> {
        let rows: Vec<String> = timed(async {
            Ok(match self {
                Database::Sqlite(s) => {
                    sqlx::query_scalar(
                        "SELECT data FROM checklist_templates ORDER BY kind, version",
                    )
                    .fetch_all(&s.pool)
                    .await?
                }
                Database::Postgres(s) => {
                    sqlx::query_scalar(
                        "SELECT data::text FROM checklist_templates ORDER BY kind, version",
                    )
                    .fetch_all(&s.pool)
                    .await?
                }
            })
        })
        .await?;
        rows.iter()
            .map(|r| decode("checklist_templates", r))
            .collect()
    }

    /// `false` when that version number was taken meanwhile.
    pub async fn insert_template(
        &self,
        template: &ChecklistTemplate,
        by: UserId,
        at: DateTime<Utc>,
    ) -> Result<bool, DbError> {
        let data = encode("checklist_templates", template)?;
        let kind = super::rows::serde_name(&template.id.kind);
        let inserted = timed(async {
            Ok(match self {
                Database::Sqlite(s) => sqlx::query(
                    "INSERT INTO checklist_templates (kind, version, valid_from, data, \
                     published_by, published_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                )
                .bind(&kind)
                .bind(i64::from(template.id.version))
                .bind(template.valid_from.to_string())
                .bind(&data)
                .bind(by.to_string())
                .bind(at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true))
                .execute(&s.writer)
                .await?
                .rows_affected(),
                Database::Postgres(s) => sqlx::query(
                    "INSERT INTO checklist_templates (kind, version, valid_from, data, \
                     published_by, published_at) VALUES ($1, $2, $3, $4::jsonb, $5, $6) \
                     ON CONFLICT DO NOTHING",
                )
                .bind(&kind)
                .bind(i32::try_from(template.id.version).unwrap_or(i32::MAX))
                .bind(template.valid_from)
                .bind(&data)
                .bind(by.as_uuid())
                .bind(at)
                .execute(&s.pool)
                .await?
                .rows_affected(),
            })
        })
        .await?;
        Ok(inserted == 1)
    }
}
