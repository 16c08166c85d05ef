//! Integration accounts: users with [`Role::Integration`], their API token
//! (stored as its SHA-256 only) and what the access policy reads about one
//! behind a token.

use super::accounts::UserRow;
use super::column::{FromRow, Row};
use super::statement::Stmt;
use super::{Database, DbError};
use chrono::Utc;
use shared::auth::{Role, UnitSummary};
use shared::{ChildId, UnitId};

/// What the access policy needs about the integration account behind a
/// token: the account, its units and their children.
#[derive(Clone, Debug)]
pub struct IntegrationRecord {
    pub user: UserRow,
    pub units: Vec<UnitSummary>,
    pub unit_children: Vec<ChildId>,
}

/// One row of [`Database::integration_caller`].
enum IntegrationRow {
    Account(UserRow),
    Unit(UnitSummary),
    UnitChild(ChildId),
}

impl FromRow for IntegrationRow {
    fn from_row(row: &Row) -> Result<Self, DbError> {
        let part: String = row.get("part")?;
        Ok(match part.as_str() {
            "account" => {
                let role: String = row.get("role")?;
                Self::Account(UserRow {
                    id: row.get("id")?,
                    username: row.get("name")?,
                    display_name: row.get("display_name")?,
                    role: Role::parse(&role).ok_or_else(|| DbError::CorruptRow {
                        table: "users",
                        reason: format!("unknown role `{role}`"),
                    })?,
                    password_hash: None,
                    active: row.get("active")?,
                })
            }
            "unit" => Self::Unit(UnitSummary {
                id: row.get("id")?,
                name: row.get("name")?,
            }),
            _ => Self::UnitChild(row.get("id")?),
        })
    }
}

impl Database {
    /// Creates the integration account `user` in `units` with the token
    /// whose hash is `token_hash`, in one transaction; `false` when the user
    /// name is taken.
    pub async fn insert_integration(
        &self,
        user: &UserRow,
        units: &[UnitId],
        token_hash: &str,
    ) -> Result<bool, DbError> {
        let mut tx = self.pool.begin_write().await?;
        let inserted = Stmt::new(
            "INSERT INTO users (id, username, display_name, role, password_hash, active, \
             created_at) VALUES ($1, $2, $3, $4, NULL, TRUE, $5) ON CONFLICT DO NOTHING",
        )
        .bind(user.id)
        .bind(&user.username)
        .bind(&user.display_name)
        .bind(Role::Integration.as_str())
        .bind(Utc::now())
        .execute(&mut tx)
        .await?;
        if inserted != 1 {
            tx.rollback().await?;
            return Ok(false);
        }
        for unit in units {
            Stmt::new("INSERT INTO user_units (user_id, unit_id) VALUES ($1, $2)")
                .bind(user.id)
                .bind(*unit)
                .execute(&mut tx)
                .await?;
        }
        Stmt::new(
            "INSERT INTO integration_tokens (user_id, token_hash, created_at) VALUES ($1, $2, $3)",
        )
        .bind(user.id)
        .bind(token_hash)
        .bind(Utc::now())
        .execute(&mut tx)
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Revokes the account's token and deactivates the account; `false`
    /// when it had no token in force.
    pub async fn revoke_integration(&self, user: &UserRow) -> Result<bool, DbError> {
        let mut tx = self.pool.begin_write().await?;
        let n = Stmt::new(
            "UPDATE integration_tokens SET revoked_at = $1 \
             WHERE user_id = $2 AND revoked_at IS NULL",
        )
        .bind(Utc::now())
        .bind(user.id)
        .execute(&mut tx)
        .await?;
        Stmt::new("UPDATE users SET active = FALSE WHERE id = $1")
            .bind(user.id)
            .execute(&mut tx)
            .await?;
        tx.commit().await?;
        Ok(n == 1)
    }

    /// The integration account holding the unrevoked token whose hash is
    /// `token_hash`, with its units and their children, in one round trip
    /// (the account's row first).
    pub async fn integration_caller(
        &self,
        token_hash: &str,
    ) -> Result<Option<IntegrationRecord>, DbError> {
        let rows: Vec<IntegrationRow> = Stmt::new(
            "SELECT 'account' AS part, u.id AS id, u.username AS name, \
                    u.display_name AS display_name, u.role AS role, u.active AS active \
             FROM integration_tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL \
             UNION ALL \
             SELECT 'unit', un.id, un.name, NULL, NULL, NULL \
             FROM integration_tokens t JOIN user_units uu ON uu.user_id = t.user_id \
             JOIN units un ON un.id = uu.unit_id \
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL \
             UNION ALL \
             SELECT 'unit_child', c.id, NULL, NULL, NULL, NULL \
             FROM integration_tokens t JOIN user_units uu ON uu.user_id = t.user_id \
             JOIN children c ON c.unit_id = uu.unit_id \
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL",
        )
        .bind(token_hash)
        .all(&self.pool)
        .await?;
        let mut user = None;
        let (mut units, mut unit_children) = (Vec::new(), Vec::new());
        for row in rows {
            match row {
                IntegrationRow::Account(account) => user = Some(account),
                IntegrationRow::Unit(unit) => units.push(unit),
                IntegrationRow::UnitChild(child) => unit_children.push(child),
            }
        }
        units.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(user.map(|user| IntegrationRecord {
            user,
            units,
            unit_children,
        }))
    }
}

#[cfg(test)]
mod tests {
    use sqlx::sqlite::{SqliteConnectOptions, SqlitePool};
    use std::borrow::Cow;

    /// Migration 0009 rebuilds `users` on SQLite (a CHECK cannot change
    /// there): a database with users, their units and their sessions comes
    /// through it whole, with its foreign keys holding.
    #[tokio::test]
    async fn upgrading_a_sqlite_database_keeps_users_and_what_points_at_them() {
        let dir = tempfile::tempdir().expect("dir");
        let options = SqliteConnectOptions::new()
            .filename(dir.path().join("old.db"))
            .create_if_missing(true)
            .foreign_keys(true);
        let pool = SqlitePool::connect_with(options).await.expect("open");
        let all = sqlx::migrate!("./migrations/sqlite");
        let mut before = sqlx::migrate!("./migrations/sqlite");
        before.migrations = Cow::Owned(
            all.migrations
                .iter()
                .filter(|m| m.version < 9)
                .cloned()
                .collect(),
        );
        before.run(&pool).await.expect("migrations 1-8");
        for sql in [
            "INSERT INTO units (id, name) VALUES ('u1', 'Enheten')",
            "INSERT INTO users (id, username, display_name, role, password_hash, active, \
             created_at) VALUES ('p1', 'anna', 'Anna', 'group_leader', 'hash', 1, \
             '2026-01-01T00:00:00.000000Z')",
            "INSERT INTO user_units (user_id, unit_id) VALUES ('p1', 'u1')",
        ] {
            sqlx::query(sql).execute(&pool).await.expect("old data");
        }
        all.run(&pool).await.expect("migration 9");
        let users: Vec<(String, String, Option<String>)> =
            sqlx::query_as("SELECT id, role, password_hash FROM users")
                .fetch_all(&pool)
                .await
                .expect("users");
        assert_eq!(
            users,
            vec![("p1".into(), "group_leader".into(), Some("hash".into()))]
        );
        let broken: Vec<(String,)> =
            sqlx::query_as("SELECT \"table\" FROM pragma_foreign_key_check")
                .fetch_all(&pool)
                .await
                .expect("check");
        assert!(broken.is_empty(), "{broken:?}");
        sqlx::query(
            "INSERT INTO users (id, username, display_name, role, active, created_at) \
             VALUES ('i1', 'akt', 'Akt', 'integration', 1, '2026-01-01T00:00:00.000000Z')",
        )
        .execute(&pool)
        .await
        .expect("the new role");
        assert!(
            sqlx::query("INSERT INTO user_units (user_id, unit_id) VALUES ('nobody', 'u1')")
                .execute(&pool)
                .await
                .is_err(),
            "foreign keys still point at users"
        );
        pool.close().await;
    }
}
