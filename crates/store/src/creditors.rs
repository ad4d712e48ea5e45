//! Creditors (clients) and their policies.

use crate::audit::{AuditEvent, WriteTx};
use crate::{Actor, Store, StoreError};
use domain::creditor::CreditorPolicy;
use domain::ids::CreditorCode;
use serde_json::{Value, json};
use sqlx::Row;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Creditor {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub policy: CreditorPolicy,
}

fn policy_json(policy: &CreditorPolicy) -> Value {
    let pairs = policy
        .to_pairs()
        .into_iter()
        .map(|(key, value)| (key.to_string(), Value::String(value)));
    Value::Object(pairs.collect())
}

pub(crate) fn creditor_from_row(row: &sqlx::any::AnyRow) -> Result<Creditor, StoreError> {
    let policy: String = row.try_get(3)?;
    Ok(Creditor {
        id: row.try_get(0)?,
        code: row.try_get(1)?,
        name: row.try_get(2)?,
        policy: CreditorPolicy::from_text(&policy)
            .map_err(|error| StoreError::Corrupt(error.to_string()))?,
    })
}

pub(crate) async fn find(
    connection: &mut sqlx::AnyConnection,
    code: &str,
) -> Result<Option<Creditor>, StoreError> {
    let row = sqlx::query("SELECT id, code, name, policy FROM creditors WHERE code = $1")
        .bind(code)
        .fetch_optional(connection)
        .await?;
    row.as_ref().map(creditor_from_row).transpose()
}

/// Creates a creditor with the default policy inside `tx`, with its own audit event.
pub(crate) async fn create(
    tx: &mut WriteTx,
    actor: &Actor,
    code: &CreditorCode,
    name: &str,
    reason: &str,
) -> Result<Creditor, StoreError> {
    let policy = CreditorPolicy::default();
    let seq = tx
        .audit(AuditEvent {
            actor: &actor.name,
            action: "creditor.create",
            entity: "creditor",
            entity_key: code.as_str(),
            before: None,
            after: Some(
                json!({"code": code.as_str(), "name": name, "policy": policy_json(&policy)}),
            ),
            reason,
        })
        .await?;
    insert(tx, code, name, seq).await
}

/// Writes a creditor row with the default policy, recorded by audit event `audit_seq`.
pub(crate) async fn insert(
    tx: &mut WriteTx,
    code: &CreditorCode,
    name: &str,
    audit_seq: i64,
) -> Result<Creditor, StoreError> {
    let id = tx.next_id("creditors").await?;
    let policy = CreditorPolicy::default();
    sqlx::query("INSERT INTO creditors (id, code, name, policy, created_at_us, audit_seq) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(id)
        .bind(code.as_str())
        .bind(name)
        .bind(policy.to_text())
        .bind(tx.now_us())
        .bind(audit_seq)
        .execute(tx.conn())
        .await?;
    Ok(Creditor {
        id,
        code: code.as_str().to_string(),
        name: name.to_string(),
        policy,
    })
}

pub(crate) fn default_policy_json() -> Value {
    policy_json(&CreditorPolicy::default())
}

impl Store {
    pub async fn creditor(&self, code: &str) -> Result<Option<Creditor>, StoreError> {
        let mut connection = self.pool.acquire().await?;
        find(&mut connection, code).await
    }

    pub async fn creditors(&self) -> Result<Vec<Creditor>, StoreError> {
        let rows = sqlx::query("SELECT id, code, name, policy FROM creditors ORDER BY code")
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(creditor_from_row).collect()
    }

    pub async fn add_creditor(
        &self,
        actor: &Actor,
        code: &CreditorCode,
        name: &str,
    ) -> Result<Creditor, StoreError> {
        let mut tx = self.write().await?;
        if find(tx.conn(), code.as_str()).await?.is_some() {
            return Err(StoreError::Conflict(format!(
                "creditor {code} already exists"
            )));
        }
        let creditor = create(&mut tx, actor, code, name, "creditor added").await?;
        tx.commit().await?;
        Ok(creditor)
    }

    /// Applies `key=value` settings (and optionally a new name) all-or-nothing.
    pub async fn set_creditor(
        &self,
        actor: &Actor,
        code: &str,
        name: Option<&str>,
        settings: &[(String, String)],
        reason: &str,
    ) -> Result<Creditor, StoreError> {
        let mut tx = self.write().await?;
        let before = find(tx.conn(), code)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("no creditor {code:?}")))?;
        let mut after = before.clone();
        for (key, value) in settings {
            after
                .policy
                .set(key, value)
                .map_err(|error| StoreError::Invalid(error.to_string()))?;
        }
        if let Some(name) = name {
            after.name = name.to_string();
        }
        if after == before {
            tx.rollback().await?;
            return Ok(after);
        }
        tx.audit(AuditEvent {
            actor: &actor.name,
            action: "creditor.update",
            entity: "creditor",
            entity_key: code,
            before: Some(json!({"name": before.name, "policy": policy_json(&before.policy)})),
            after: Some(json!({"name": after.name, "policy": policy_json(&after.policy)})),
            reason,
        })
        .await?;
        sqlx::query("UPDATE creditors SET name = $1, policy = $2 WHERE id = $3")
            .bind(&after.name)
            .bind(after.policy.to_text())
            .bind(after.id)
            .execute(tx.conn())
            .await?;
        tx.commit().await?;
        Ok(after)
    }
}
