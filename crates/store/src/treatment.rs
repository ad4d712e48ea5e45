//! The treatment steps the nightly engine fired (`strategy_actions`, migration 24) as
//! the dispatcher works them (`app::treatment`): read in pages of due steps, and each
//! step's end written with what it did.
//!
//! **Invariant:** a step leaves `pending` once, by a guarded UPDATE (`status =
//! 'pending'`) in the transaction that writes what it did: the letter
//! (`letters::record_letter` with `treatment_action`), the review note, the escalation
//! note and event. Whatever wins that UPDATE did the step; a second dispatcher's
//! transaction finds no pending row and rolls back, so nothing is done twice. Emails
//! and texts are queued under the idempotency key [`message_key`], so the outbox holds
//! at most one message per step even when the dispatcher dies between queueing it and
//! marking the step (`outbox_id_by_key` finds it on the next run).

use crate::audit::{AuditEvent, WriteTx};
use crate::{Actor, Store, StoreError};
use jiff::Timestamp;
use jiff::civil::Date;
use serde_json::json;
use sqlx::Row;

/// A step's state. `Pending` waits (never tried, or refused and waiting for
/// `retry_at_us`); the others are final.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepStatus {
    Pending,
    /// A letter queued for print, an email or text queued in the outbox.
    Sent,
    /// A call step (the batch raised the queue priority), a review or an escalation
    /// recorded.
    Done,
    /// Not sent, and never will be: refused past the strategy's `max_retry_days`, or
    /// nothing to send it to (no usable point, an incomplete address).
    Skipped,
    /// The step cannot be done as written (no such template, it does not render).
    Failed,
}

impl StepStatus {
    pub fn code(self) -> &'static str {
        match self {
            StepStatus::Pending => "pending",
            StepStatus::Sent => "sent",
            StepStatus::Done => "done",
            StepStatus::Skipped => "skipped",
            StepStatus::Failed => "failed",
        }
    }
}

/// A step due to be worked, with what the dispatcher needs to work it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DueStep {
    pub id: i64,
    pub account_id: i64,
    pub creditor: String,
    pub account_ref: String,
    /// The debtor's language code (`en`, `es`).
    pub language: String,
    /// `letter`, `email`, `sms`, `call`, `review`, `escalate`.
    pub action: String,
    /// The step as written in the strategy file (`letter = "payment_reminder"`).
    pub detail: String,
    pub due_on: Date,
    pub tries: i64,
    /// The account's status now (`active`, `paid`, …).
    pub account_status: String,
    /// The step's last outcome (a refusal's rules and reasons).
    pub outcome: Option<String>,
    /// When the account's validation notice went, if it did.
    pub validation_notice_sent_at_us: Option<i64>,
}

/// The outbox idempotency key of a step's email or text: one message per step, ever.
pub fn message_key(step_id: i64) -> String {
    format!("treatment:{step_id}")
}

/// The end of a step to write (guarded: only a pending step is written).
#[derive(Clone, Debug)]
pub struct StepEnd<'a> {
    pub status: StepStatus,
    /// What was created (`document 12`), or why not (`us.electronic_opt_out: …`).
    pub outcome: &'a str,
    /// A refusal: when to try again (`status` stays pending).
    pub retry_at: Option<Timestamp>,
    /// Count this as a try (a refusal, a send).
    pub tried: bool,
}

/// Writes a step's end in `tx` if it is still pending: `false` when another dispatcher
/// (or an earlier run) ended it first, and the caller must roll back what it wrote.
pub(crate) async fn end_step_in(
    tx: &mut WriteTx,
    step_id: i64,
    end: &StepEnd<'_>,
) -> Result<bool, StoreError> {
    let now = tx.now_us();
    let done = sqlx::query(
        "UPDATE strategy_actions SET status = $1, outcome = $2, retry_at_us = $3, tries = tries + $4, decided_at_us = $5 \
         WHERE id = $6 AND status = 'pending'",
    )
    .bind(end.status.code())
    .bind(end.outcome)
    .bind(end.retry_at.map(|at| at.as_microsecond()))
    .bind(i64::from(end.tried))
    .bind(now)
    .bind(step_id)
    .execute(tx.conn())
    .await?;
    Ok(done.rows_affected() == 1)
}

async fn account_key(tx: &mut WriteTx, account_id: i64) -> Result<String, StoreError> {
    Ok(sqlx::query(
        "SELECT c.code || '/' || a.account_ref FROM accounts a JOIN creditors c ON c.id = a.creditor_id WHERE a.id = $1",
    )
    .bind(account_id)
    .fetch_one(tx.conn())
    .await?
    .try_get(0)?)
}

async fn step_account(tx: &mut WriteTx, step_id: i64) -> Result<i64, StoreError> {
    Ok(
        sqlx::query("SELECT account_id FROM strategy_actions WHERE id = $1")
            .bind(step_id)
            .fetch_optional(tx.conn())
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("no treatment step {step_id}")))?
            .try_get(0)?,
    )
}

impl Store {
    /// Up to `limit` pending steps due by `as_of` whose retry instant (if any) has come
    /// by `now`, with ids above `after_id`, in id order (seek pagination: a page never
    /// repeats a step, whatever the previous page did).
    pub async fn due_steps(
        &self,
        as_of: Date,
        now: Timestamp,
        after_id: i64,
        limit: i64,
    ) -> Result<Vec<DueStep>, StoreError> {
        let rows = sqlx::query(
            "SELECT s.id, s.account_id, c.code, a.account_ref, d.language, s.action, s.detail, s.due_on, s.tries, a.status, s.outcome, a.validation_notice_sent_at_us \
             FROM strategy_actions s JOIN accounts a ON a.id = s.account_id JOIN creditors c ON c.id = a.creditor_id \
             JOIN debtors d ON d.id = a.debtor_id \
             WHERE s.status = 'pending' AND s.id > $1 AND s.due_on <= $2 AND (s.retry_at_us IS NULL OR s.retry_at_us <= $3) \
             ORDER BY s.id LIMIT $4",
        )
        .bind(after_id)
        .bind(as_of.to_string())
        .bind(now.as_microsecond())
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let due_on: String = row.try_get(7)?;
                Ok(DueStep {
                    id: row.try_get(0)?,
                    account_id: row.try_get(1)?,
                    creditor: row.try_get(2)?,
                    account_ref: row.try_get(3)?,
                    language: row.try_get(4)?,
                    action: row.try_get(5)?,
                    detail: row.try_get(6)?,
                    due_on: due_on.parse().map_err(|_| {
                        StoreError::Corrupt(format!("strategy_actions.due_on {due_on:?}"))
                    })?,
                    tries: row.try_get(8)?,
                    account_status: row.try_get(9)?,
                    outcome: row.try_get(10)?,
                    validation_notice_sent_at_us: row.try_get(11)?,
                })
            })
            .collect()
    }

    /// Ends a step (or records a refusal and its retry instant), audited. `false`: the
    /// step was not pending any more and nothing was written.
    pub async fn end_step(
        &self,
        actor: &Actor,
        step_id: i64,
        end: &StepEnd<'_>,
    ) -> Result<bool, StoreError> {
        let mut tx = self.write().await?;
        let account_id = step_account(&mut tx, step_id).await?;
        if !end_step_in(&mut tx, step_id, end).await? {
            tx.rollback().await?;
            return Ok(false);
        }
        let key = account_key(&mut tx, account_id).await?;
        tx.audit(AuditEvent {
            actor: &actor.name,
            action: "treatment.step",
            entity: "account",
            entity_key: &key,
            before: Some(json!({"step": step_id, "status": "pending"})),
            after: Some(json!({
                "step": step_id,
                "status": end.status.code(),
                "outcome": end.outcome,
                "retry_at_us": end.retry_at.map(|at| at.as_microsecond()),
            })),
            reason: "treatment step worked by the dispatcher",
        })
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// A review step: a note on the account (no author: the strategy wrote it) carrying
    /// the strategy's question, and the step done, in one transaction. The note's id;
    /// `None` when the step was not pending any more.
    pub async fn record_review_step(
        &self,
        actor: &Actor,
        step_id: i64,
        question: &str,
    ) -> Result<Option<i64>, StoreError> {
        let body = format!("Strategy review: {question}");
        self.note_step(actor, step_id, &body, "treatment.review", None)
            .await
    }

    /// An escalation step: a note on the account and an `account.escalation_requested`
    /// audit event naming where to (`legal`, `agency`, `repossession`,
    /// `disconnection`), and the step done, in one transaction. Nothing else changes: a
    /// person decides whether to refer, forward, recommend or recall. The note's id;
    /// `None` when the step was not pending any more.
    pub async fn record_escalation_step(
        &self,
        actor: &Actor,
        step_id: i64,
        to: &str,
    ) -> Result<Option<i64>, StoreError> {
        let body = format!(
            "Strategy escalation requested: {to}. Decide whether to act on it; nothing has been done yet."
        );
        self.note_step(
            actor,
            step_id,
            &body,
            "account.escalation_requested",
            Some(to),
        )
        .await
    }

    async fn note_step(
        &self,
        actor: &Actor,
        step_id: i64,
        body: &str,
        event: &str,
        escalation: Option<&str>,
    ) -> Result<Option<i64>, StoreError> {
        let mut tx = self.write().await?;
        let account_id = step_account(&mut tx, step_id).await?;
        let note_id = tx.next_id("notes").await?;
        let outcome = format!("note {note_id}");
        let end = StepEnd {
            status: StepStatus::Done,
            outcome: &outcome,
            retry_at: None,
            tried: true,
        };
        if !end_step_in(&mut tx, step_id, &end).await? {
            tx.rollback().await?;
            return Ok(None);
        }
        let key = account_key(&mut tx, account_id).await?;
        let mut after = json!({"step": step_id, "note": note_id, "status": "done"});
        if let Some(to) = escalation {
            after["escalation"] = json!(to);
        }
        let seq = tx
            .audit(AuditEvent {
                actor: &actor.name,
                action: event,
                entity: "account",
                entity_key: &key,
                before: None,
                after: Some(after),
                reason: "treatment step of the collection strategy",
            })
            .await?;
        let now = tx.now_us();
        sqlx::query("INSERT INTO notes (id, account_id, user_id, at_us, body, audit_seq) VALUES ($1, $2, NULL, $3, $4, $5)")
            .bind(note_id)
            .bind(account_id)
            .bind(now)
            .bind(body)
            .bind(seq)
            .execute(tx.conn())
            .await?;
        tx.commit().await?;
        Ok(Some(note_id))
    }

    /// The outbox message queued under `key`, if any.
    pub async fn outbox_id_by_key(&self, key: &str) -> Result<Option<i64>, StoreError> {
        let row = sqlx::query("SELECT id FROM outbox WHERE idempotency_key = $1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await?;
        Ok(match row {
            Some(row) => Some(row.try_get(0)?),
            None => None,
        })
    }
}
