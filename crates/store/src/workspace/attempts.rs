//! Contact attempts, each saved with the compliance decision that allowed it, and the
//! refusals' decisions.

use super::*;

impl Store {
    /// Logs a contact attempt with the compliance decision that allowed it, in one
    /// transaction; a callback it answers is marked done.
    pub async fn record_attempt(
        &self,
        user: &SessionUser,
        seen: Seen<'_>,
        attempt: &NewAttempt,
        decision: &NewDecision,
    ) -> Result<i64, StoreError> {
        if let Some(note) = &attempt.note {
            check_note(note)?;
        }
        let seal = self.key().seal_key();
        let actor = user.actor();
        let mut tx = self.write().await?;
        let account_id = checked(&mut tx, user, seen).await?;
        if decision.account_id != account_id || !decision.allowed {
            return Err(StoreError::Invalid(
                "an attempt is logged only with the compliance decision that allowed it".into(),
            ));
        }
        let decision_id = decisions::append(
            &mut tx,
            &seal,
            &actor,
            &format!("{} attempt by an agent", attempt.action),
            std::slice::from_ref(decision),
        )
        .await?;
        let at_us = attempt.at.as_microsecond();
        let audit_seq = tx.reserve_event().await?;
        // The next id under the audit lock, as `WriteTx::next_id` gives it, in the insert
        // itself; the row names the event reserved above.
        let id: i64 = sqlx::query(
            "INSERT INTO contact_attempts (id, account_id, user_id, at_us, action, contact_point, direction, recipient, outcome, disposition, note, decision_id, audit_seq, under_consent) \
             SELECT CAST(COALESCE(MAX(id), 0) + 1 AS BIGINT), $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13 FROM contact_attempts RETURNING id",
        )
        .bind(account_id)
        .bind(user.id)
        .bind(at_us)
        .bind(&attempt.action)
        .bind(&attempt.contact_point)
        .bind(&attempt.direction)
        .bind(&attempt.recipient)
        .bind(&attempt.outcome)
        .bind(&attempt.disposition)
        .bind(&attempt.note)
        .bind(decision_id)
        .bind(audit_seq)
        .bind(i64::from(attempt.under_consent))
        .fetch_one(tx.conn())
        .await?
        .try_get(0)?;
        tx.fill_event(AuditEvent {
            actor: &actor.name,
            action: "account.attempt",
            entity: "account",
            entity_key: &entity_key(seen),
            before: None,
            after: Some(json!({
                "attempt": id,
                "action": attempt.action,
                "contact_point": attempt.contact_point,
                "disposition": attempt.disposition,
                "decision": decision_id,
                "under_consent": attempt.under_consent,
            })),
            reason: "contact attempt logged",
        })
        .await?;
        sqlx::query("UPDATE callbacks SET done_at_us = $1 WHERE account_id = $2 AND user_id = $3 AND done_at_us IS NULL AND due_at_us <= $1")
            .bind(at_us)
            .bind(account_id)
            .bind(user.id)
            .execute(tx.conn())
            .await?;
        // One update of the debtor's accounts (one new version of each row changed, not
        // one per column): the account's version (`touch`) and the work list's "last
        // worked", and on each of the debtor's accounts the queue's cool-down, the latest
        // attempt on any of them (migration 19; `queue::queue_conditions`).
        sqlx::query(
            "UPDATE accounts SET \
               version = CASE WHEN id = $2 THEN version + 1 ELSE version END, \
               last_worked_at_us = CASE WHEN id = $2 AND last_worked_at_us < $1 THEN $1 ELSE last_worked_at_us END, \
               debtor_tried_at_us = CASE WHEN debtor_tried_at_us < $1 THEN $1 ELSE debtor_tried_at_us END \
             WHERE debtor_id = (SELECT debtor_id FROM accounts WHERE id = $2) AND (id = $2 OR debtor_tried_at_us < $1)",
        )
        .bind(at_us)
        .bind(account_id)
        .execute(tx.conn())
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Records a refused attempt's decision (the agent asked; the engine said no).
    pub async fn record_refusal(
        &self,
        user: &SessionUser,
        decision: &NewDecision,
    ) -> Result<(), StoreError> {
        self.record_decisions(
            &user.actor(),
            &format!(
                "{} attempt refused by the compliance check",
                decision.action
            ),
            std::slice::from_ref(decision),
        )
        .await
    }

    /// Contact attempts on every account of the debtor of `account_id` (the compliance
    /// history: frequency limits count across a consumer's debts), oldest first.
    pub async fn debtor_attempts(&self, account_id: i64) -> Result<Vec<Attempt>, StoreError> {
        let mut connection = self.pool.acquire().await?;
        debtor_attempts_on(&mut connection, account_id).await
    }
}

/// [`Store::debtor_attempts`] on `connection`.
pub(crate) async fn debtor_attempts_on(
    connection: &mut sqlx::AnyConnection,
    account_id: i64,
) -> Result<Vec<Attempt>, StoreError> {
    let rows = sqlx::query(
        "SELECT t.id, t.account_id, a.account_ref, u.username, t.at_us, t.action, t.contact_point, t.direction, t.recipient, t.outcome, t.disposition, t.note, t.under_consent \
         FROM contact_attempts t JOIN accounts a ON a.id = t.account_id LEFT JOIN users u ON u.id = t.user_id \
         WHERE a.debtor_id = (SELECT debtor_id FROM accounts WHERE id = $1) ORDER BY t.at_us, t.id",
    )
    .bind(account_id)
    .fetch_all(connection)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(Attempt {
                id: row.try_get(0)?,
                account_id: row.try_get(1)?,
                account_ref: row.try_get(2)?,
                username: row.try_get(3)?,
                at: instant(row.try_get(4)?)?,
                action: row.try_get(5)?,
                contact_point: row.try_get(6)?,
                direction: row.try_get(7)?,
                recipient: row.try_get(8)?,
                outcome: row.try_get(9)?,
                disposition: row.try_get(10)?,
                note: row.try_get(11)?,
                under_consent: row.try_get::<i64, _>(12)? == 1,
            })
        })
        .collect()
}
