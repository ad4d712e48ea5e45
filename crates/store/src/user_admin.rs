//! Changes to an existing user: role, disabled (locked by an administrator) and password.
//! Users are sealed rows (`seal::UserRow`): each change checks the row's seal as read,
//! writes the new seal and the digest change, with its audit event, in one `WriteTx`.

use crate::audit::AuditEvent;
use crate::seal::{self, UserRow};
use crate::{Actor, Store, StoreError};
use domain::party::Role;
use serde_json::json;
use sqlx::Row;

/// What changes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UserChange {
    Role(Role),
    /// `true`: disabled (no sign-in, sessions and tokens suspended); `false`: enabled.
    Disabled(bool),
    /// A new password, meeting `users::check_password`.
    Password(String),
}

impl Store {
    /// Applies `change` to `username`, audited with `actor` and `reason`.
    pub async fn change_user(
        &self,
        actor: &Actor,
        username: &str,
        change: &UserChange,
        reason: &str,
    ) -> Result<(), StoreError> {
        let new_hash = match change {
            UserChange::Password(password) => {
                crate::users::check_password(username, password)?;
                Some(crate::users::hash_password(password.clone()).await?)
            }
            _ => None,
        };
        let mut tx = self.write().await?;
        let row = sqlx::query(
            "SELECT id, username, password_hash, created_at_us, audit_seq, role, disabled, seal FROM users WHERE username = $1",
        )
        .bind(username)
        .fetch_optional(tx.conn())
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("no user {username:?}")))?;
        let (name, hash, role): (String, String, String) =
            (row.try_get(1)?, row.try_get(2)?, row.try_get(5)?);
        let stored: Option<String> = row.try_get(7)?;
        let before = UserRow {
            id: row.try_get(0)?,
            username: &name,
            password_hash: &hash,
            created_at_us: row.try_get(3)?,
            audit_seq: row.try_get(4)?,
            role: &role,
            disabled: row.try_get(6)?,
        };
        let old = seal::check_before_writing(tx.seal(), &before, stored.as_deref(), || {
            format!("users {} ({name:?})", before.id)
        })?;
        let after = match change {
            UserChange::Role(role) => UserRow {
                role: role.code(),
                ..before
            },
            UserChange::Disabled(disabled) => UserRow {
                disabled: i64::from(*disabled),
                ..before
            },
            UserChange::Password(_) => UserRow {
                password_hash: new_hash.as_deref().unwrap_or(&hash),
                ..before
            },
        };
        let (action, shown_before, shown_after) = match change {
            UserChange::Role(_) => (
                "user.role",
                json!({"role": before.role}),
                json!({"role": after.role}),
            ),
            UserChange::Disabled(_) => (
                "user.disabled",
                json!({"disabled": before.disabled == 1}),
                json!({"disabled": after.disabled == 1}),
            ),
            // The hash never enters the log.
            UserChange::Password(_) => ("user.password", json!({}), json!({"password": "reset"})),
        };
        tx.audit(AuditEvent {
            actor: &actor.name,
            action,
            entity: "user",
            entity_key: &name,
            before: Some(shown_before),
            after: Some(shown_after),
            reason,
        })
        .await?;
        let new = seal::seal(tx.seal(), &after);
        sqlx::query("UPDATE users SET role = $1, disabled = $2, password_hash = $3, seal = $4 WHERE id = $5")
            .bind(after.role)
            .bind(after.disabled)
            .bind(after.password_hash)
            .bind(&new.text)
            .bind(after.id)
            .execute(tx.conn())
            .await?;
        tx.sealed().replace("users", old, new.sum);
        tx.commit().await?;
        Ok(())
    }
}
