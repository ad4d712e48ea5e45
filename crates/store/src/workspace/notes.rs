//! Notes and callbacks.

use super::*;

impl Store {
    pub async fn add_note(
        &self,
        user: &SessionUser,
        seen: Seen<'_>,
        body: &str,
    ) -> Result<i64, StoreError> {
        check_note(body)?;
        let mut tx = self.write().await?;
        let account_id = touch(&mut tx, user, seen).await?;
        let id = tx.next_id("notes").await?;
        let seq = tx
            .audit(AuditEvent {
                actor: &user.username,
                action: "account.note",
                entity: "account",
                entity_key: &entity_key(seen),
                before: None,
                after: Some(json!({"note": id})),
                reason: "note added",
            })
            .await?;
        sqlx::query("INSERT INTO notes (id, account_id, user_id, at_us, body, audit_seq) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(id)
            .bind(account_id)
            .bind(user.id)
            .bind(tx.now_us())
            .bind(body.trim())
            .bind(seq)
            .execute(tx.conn())
            .await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn notes(&self, account_id: i64) -> Result<Vec<Note>, StoreError> {
        let rows = sqlx::query(
            "SELECT n.id, u.username, n.at_us, n.body FROM notes n LEFT JOIN users u ON u.id = n.user_id WHERE n.account_id = $1 ORDER BY n.at_us, n.id",
        )
        .bind(account_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(Note {
                    id: row.try_get(0)?,
                    username: row.try_get(1)?,
                    at: instant(row.try_get(2)?)?,
                    body: row.try_get(3)?,
                })
            })
            .collect()
    }

    /// Schedules a callback for the user; `due_at` must be in the future. With `consent`
    /// the debtor asked for it: their consent to a call in that window is recorded in
    /// the same transaction and audit event (who recorded it, when, the window).
    pub async fn schedule_callback(
        &self,
        user: &SessionUser,
        seen: Seen<'_>,
        due_at: Timestamp,
        note: Option<&str>,
        consent: Option<CallbackConsent>,
    ) -> Result<i64, StoreError> {
        if due_at <= self.now() {
            return Err(StoreError::Invalid(
                "a callback is scheduled in the future".into(),
            ));
        }
        if let Some(note) = note {
            check_note(note)?;
        }
        if consent.is_some_and(|consent| consent.from >= consent.to) {
            return Err(StoreError::Invalid(
                "a consent's window holds at least one instant".into(),
            ));
        }
        let mut tx = self.write().await?;
        let account_id = touch(&mut tx, user, seen).await?;
        let id = tx.next_id("callbacks").await?;
        let given_at_us = tx.now_us();
        let consent_json = consent.map(|consent| {
            json!({
                "action": "call",
                "from": consent.from.to_string(),
                "to": consent.to.to_string(),
                "given_at": instant(given_at_us).map(|at| at.to_string()).unwrap_or_default(),
            })
        });
        let seq = tx
            .audit(AuditEvent {
                actor: &user.username,
                action: "account.callback",
                entity: "account",
                entity_key: &entity_key(seen),
                before: None,
                after: Some(json!({
                    "callback": id,
                    "due_at": due_at.to_string(),
                    "requested_by_debtor": consent.is_some(),
                    "consent": consent_json,
                })),
                reason: if consent.is_some() {
                    "callback the debtor asked for: their consent to a call then"
                } else {
                    "callback scheduled"
                },
            })
            .await?;
        sqlx::query("INSERT INTO callbacks (id, account_id, user_id, due_at_us, note, audit_seq, requested_by_debtor) VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(id)
            .bind(account_id)
            .bind(user.id)
            .bind(due_at.as_microsecond())
            .bind(note)
            .bind(seq)
            .bind(i64::from(consent.is_some()))
            .execute(tx.conn())
            .await?;
        if let Some(consent) = consent {
            let consent_id = tx.next_id("consents").await?;
            sqlx::query(
                "INSERT INTO consents (id, debtor_id, account_id, callback_id, user_id, action, given_at_us, from_us, to_us, audit_seq) \
                 SELECT $1, debtor_id, id, $2, $3, 'call', $4, $5, $6, $7 FROM accounts WHERE id = $8",
            )
            .bind(consent_id)
            .bind(id)
            .bind(user.id)
            .bind(given_at_us)
            .bind(consent.from.as_microsecond())
            .bind(consent.to.as_microsecond())
            .bind(seq)
            .bind(account_id)
            .execute(tx.conn())
            .await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    /// The consents the debtor of `account_id` gave (on any of their accounts) whose
    /// window ends after `since`, oldest first.
    pub async fn debtor_consents(
        &self,
        account_id: i64,
        since: Timestamp,
    ) -> Result<Vec<ConsentGiven>, StoreError> {
        let mut connection = self.pool.acquire().await?;
        debtor_consents_on(&mut connection, account_id, since).await
    }

    pub async fn callbacks(&self, account_id: i64) -> Result<Vec<Callback>, StoreError> {
        let rows = sqlx::query(
            "SELECT cb.id, u.username, cb.due_at_us, cb.note, cb.done_at_us, cb.requested_by_debtor FROM callbacks cb JOIN users u ON u.id = cb.user_id WHERE cb.account_id = $1 ORDER BY cb.due_at_us, cb.id",
        )
        .bind(account_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(Callback {
                    id: row.try_get(0)?,
                    username: row.try_get(1)?,
                    due_at: instant(row.try_get(2)?)?,
                    note: row.try_get(3)?,
                    done: row.try_get::<Option<i64>, _>(4)?.is_some(),
                    requested_by_debtor: row.try_get::<i64, _>(5)? == 1,
                })
            })
            .collect()
    }
}

/// [`Store::debtor_consents`] on `connection`.
pub(crate) async fn debtor_consents_on(
    connection: &mut sqlx::AnyConnection,
    account_id: i64,
    since: Timestamp,
) -> Result<Vec<ConsentGiven>, StoreError> {
    let rows = sqlx::query(
        "SELECT given_at_us, from_us, to_us, action FROM consents \
         WHERE debtor_id = (SELECT debtor_id FROM accounts WHERE id = $1) AND to_us > $2 ORDER BY given_at_us, id",
    )
    .bind(account_id)
    .bind(since.as_microsecond())
    .fetch_all(connection)
    .await?;
    rows.iter().map(|row| consent_of(row, 0)).collect()
}
