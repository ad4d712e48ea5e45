//! The debtor's contact points and sensitive identity.

use super::*;

impl Store {
    /// Marks one of the debtor's contact points (verified, bad, wrong party, …).
    pub async fn set_contact_status(
        &self,
        user: &SessionUser,
        seen: Seen<'_>,
        value: &str,
        status: domain::party::ContactStatus,
    ) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        let account_id = touch(&mut tx, user, seen).await?;
        let row = sqlx::query(
            "SELECT p.id, p.status FROM contact_points p JOIN accounts a ON a.debtor_id = p.debtor_id WHERE a.id = $1 AND p.value = $2",
        )
        .bind(account_id)
        .bind(value)
        .fetch_optional(tx.conn())
        .await?
        .ok_or_else(|| StoreError::Invalid(format!("{value:?} is not one of the debtor's contact points")))?;
        let (point_id, before): (i64, String) = (row.try_get(0)?, row.try_get(1)?);
        tx.audit(AuditEvent {
            actor: &user.username,
            action: "contact_point.status",
            entity: "account",
            entity_key: &entity_key(seen),
            before: Some(json!({"value": value, "status": before})),
            after: Some(json!({"value": value, "status": status.code()})),
            reason: "contact point marked by an agent",
        })
        .await?;
        sqlx::query("UPDATE contact_points SET status = $1 WHERE id = $2")
            .bind(status.code())
            .bind(point_id)
            .execute(tx.conn())
            .await?;
        tx.commit().await
    }

    /// Adds a phone number or email address for the debtor (e.g. from a skip trace).
    /// `kind` is `phone_home`, `phone_mobile`, `phone_work` or `email`; the value must be
    /// already normalised (E.164, lower-case email).
    pub async fn add_contact_point(
        &self,
        user: &SessionUser,
        seen: Seen<'_>,
        kind: domain::party::ContactKind,
        value: &str,
        source: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        let account_id = touch(&mut tx, user, seen).await?;
        let debtor_id: i64 = sqlx::query("SELECT debtor_id FROM accounts WHERE id = $1")
            .bind(account_id)
            .fetch_one(tx.conn())
            .await?
            .try_get(0)?;
        let exists = sqlx::query(
            "SELECT id FROM contact_points WHERE debtor_id = $1 AND kind = $2 AND value = $3",
        )
        .bind(debtor_id)
        .bind(kind.code())
        .bind(value)
        .fetch_optional(tx.conn())
        .await?;
        if exists.is_some() {
            return Err(StoreError::Invalid(format!("{value} is already on file")));
        }
        let id = tx.next_id("contact_points").await?;
        tx.audit(AuditEvent {
            actor: &user.username,
            action: "contact_point.add",
            entity: "account",
            entity_key: &entity_key(seen),
            before: None,
            after: Some(json!({"kind": kind.code(), "value": value, "source": source})),
            reason: "contact point added by an agent",
        })
        .await?;
        sqlx::query("INSERT INTO contact_points (id, debtor_id, kind, value, status, source, consent, created_at_us) VALUES ($1, $2, $3, $4, 'unverified', $5, 'unknown', $6)")
            .bind(id)
            .bind(debtor_id)
            .bind(kind.code())
            .bind(value)
            .bind(source)
            .bind(tx.now_us())
            .execute(tx.conn())
            .await?;
        tx.commit().await
    }
}

impl Store {
    /// The debtor's date of birth and SSN last 4, decrypted (callers mask them for roles
    /// that may not see them).
    pub async fn sensitive_identity(
        &self,
        account_id: i64,
    ) -> Result<(Option<String>, Option<String>), StoreError> {
        let row = sqlx::query(
            "SELECT d.date_of_birth_enc, d.ssn_last4_enc FROM accounts a JOIN debtors d ON d.id = a.debtor_id WHERE a.id = $1",
        )
        .bind(account_id)
        .fetch_one(&self.pool)
        .await?;
        let decrypt = |sealed: Option<String>| -> Result<Option<String>, StoreError> {
            sealed.map(|sealed| self.key().decrypt(&sealed)).transpose()
        };
        Ok((decrypt(row.try_get(0)?)?, decrypt(row.try_get(1)?)?))
    }
}
