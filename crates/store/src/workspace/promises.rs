//! Promises to pay.

use super::*;
use crate::arrangements::{
    OpenArrangement, Replace, open_of, refuse_unless_replacing, supersede_open, superseded_json,
};

impl Store {
    /// Records a promise to pay one or several dated amounts. The caller has checked the
    /// amounts against the balance; dates must be today or later, in order. Refused
    /// (`Invalid`, naming it) while the account has another open arrangement; see
    /// [`Store::record_promise_replacing`] for the typed refusal and a replacement.
    pub async fn record_promise(
        &self,
        user: &SessionUser,
        seen: Seen<'_>,
        today: Date,
        payments: &[(Date, Amount)],
    ) -> Result<i64, StoreError> {
        self.record_promise_replacing(user, seen, today, payments, Replace(false))
            .await?
            .map_err(|open| {
                StoreError::Invalid(format!("{open}: replace it explicitly or leave it"))
            })
    }

    /// [`Store::record_promise`], refused (`Ok(Err)`, naming the open one) while the
    /// account has an open promise or a plan or settlement active or waiting for
    /// approval, unless it `replace`s them: then they are superseded (their approvals
    /// cancelled) in the same transaction, audited with the promise.
    pub async fn record_promise_replacing(
        &self,
        user: &SessionUser,
        seen: Seen<'_>,
        today: Date,
        payments: &[(Date, Amount)],
        replace: Replace,
    ) -> Result<Result<i64, OpenArrangement>, StoreError> {
        if payments.is_empty() || payments.len() > PROMISE_PAYMENTS_MAX {
            return Err(StoreError::Invalid(format!(
                "a promise has 1 to {PROMISE_PAYMENTS_MAX} dated amounts"
            )));
        }
        let mut total = Amount::ZERO;
        let mut previous: Option<Date> = None;
        for (due_on, amount) in payments {
            if *due_on < today {
                return Err(StoreError::Invalid(format!(
                    "a promised date cannot be in the past ({due_on})"
                )));
            }
            if previous.is_some_and(|earlier| earlier >= *due_on) {
                return Err(StoreError::Invalid(
                    "promised dates must be in order, one per day".into(),
                ));
            }
            if !amount.is_positive() {
                return Err(StoreError::Invalid(
                    "a promised amount is above zero".into(),
                ));
            }
            total = total
                .checked_add(*amount)
                .ok_or_else(|| StoreError::Invalid("the promised total is too large".into()))?;
            previous = Some(*due_on);
        }
        let mut tx = self.write().await?;
        let account_id = touch(&mut tx, user, seen).await?;
        if let Err(open) = refuse_unless_replacing(&mut tx, account_id, replace).await? {
            return Ok(Err(open));
        }
        let replaced = open_of(&mut tx, account_id).await?;
        let id = tx.next_id("promises").await?;
        let schedule: Vec<serde_json::Value> = payments
            .iter()
            .map(|(due_on, amount)| json!({"due_on": due_on.to_string(), "amount_minor": amount.minor()}))
            .collect();
        let seq = tx
            .audit(AuditEvent {
                actor: &user.username,
                action: "account.promise",
                entity: "account",
                entity_key: &entity_key(seen),
                before: None,
                after: Some(
                    json!({"promise": id, "total_minor": total.minor(), "payments": schedule, "supersedes": superseded_json(&replaced)}),
                ),
                reason: "promise to pay",
            })
            .await?;
        // Before the promise is written: everything open now is what it replaces.
        supersede_open(&mut tx, account_id, None, false, seq).await?;
        sqlx::query("INSERT INTO promises (id, account_id, user_id, created_at_us, status, total_minor, audit_seq) VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(id)
            .bind(account_id)
            .bind(user.id)
            .bind(tx.now_us())
            .bind(PromiseStatus::Open.code())
            .bind(total.minor())
            .bind(seq)
            .execute(tx.conn())
            .await?;
        for (index, (due_on, amount)) in payments.iter().enumerate() {
            sqlx::query("INSERT INTO promise_payments (promise_id, seq, due_on, amount_minor) VALUES ($1, $2, $3, $4)")
                .bind(id)
                .bind(index as i64 + 1)
                .bind(due_on.to_string())
                .bind(amount.minor())
                .execute(tx.conn())
                .await?;
        }
        tx.commit().await?;
        Ok(Ok(id))
    }

    pub async fn promises(&self, account_id: i64) -> Result<Vec<Promise>, StoreError> {
        let rows = sqlx::query(
            "SELECT p.id, u.username, p.created_at_us, p.status, p.total_minor FROM promises p LEFT JOIN users u ON u.id = p.user_id WHERE p.account_id = $1 ORDER BY p.id",
        )
        .bind(account_id)
        .fetch_all(&self.pool)
        .await?;
        let mut promises = Vec::new();
        for row in rows {
            let id: i64 = row.try_get(0)?;
            let payments = sqlx::query(
                "SELECT due_on, amount_minor FROM promise_payments WHERE promise_id = $1 ORDER BY seq",
            )
            .bind(id)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|payment| {
                let due_on: String = payment.try_get(0)?;
                let due_on = due_on
                    .parse()
                    .map_err(|_| StoreError::Corrupt(format!("promise date {due_on:?}")))?;
                Ok((due_on, payment.try_get(1)?))
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
            promises.push(Promise {
                id,
                username: row.try_get(1)?,
                created_at: instant(row.try_get(2)?)?,
                status: row.try_get(3)?,
                total_minor: row.try_get(4)?,
                payments,
            });
        }
        Ok(promises)
    }
}
