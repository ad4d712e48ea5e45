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

    /// Schedules a callback for the user; `due_at` must be in the future.
    pub async fn schedule_callback(
        &self,
        user: &SessionUser,
        seen: Seen<'_>,
        due_at: Timestamp,
        note: Option<&str>,
    ) -> Result<i64, StoreError> {
        if due_at <= self.now() {
            return Err(StoreError::Invalid(
                "a callback is scheduled in the future".into(),
            ));
        }
        if let Some(note) = note {
            check_note(note)?;
        }
        let mut tx = self.write().await?;
        let account_id = touch(&mut tx, user, seen).await?;
        let id = tx.next_id("callbacks").await?;
        let seq = tx
            .audit(AuditEvent {
                actor: &user.username,
                action: "account.callback",
                entity: "account",
                entity_key: &entity_key(seen),
                before: None,
                after: Some(json!({"callback": id, "due_at": due_at.to_string()})),
                reason: "callback scheduled",
            })
            .await?;
        sqlx::query("INSERT INTO callbacks (id, account_id, user_id, due_at_us, note, audit_seq) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(id)
            .bind(account_id)
            .bind(user.id)
            .bind(due_at.as_microsecond())
            .bind(note)
            .bind(seq)
            .execute(tx.conn())
            .await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn callbacks(&self, account_id: i64) -> Result<Vec<Callback>, StoreError> {
        let rows = sqlx::query(
            "SELECT cb.id, u.username, cb.due_at_us, cb.note, cb.done_at_us FROM callbacks cb JOIN users u ON u.id = cb.user_id WHERE cb.account_id = $1 ORDER BY cb.due_at_us, cb.id",
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
                })
            })
            .collect()
    }
}
