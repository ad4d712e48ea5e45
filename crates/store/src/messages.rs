//! Messages: the outbox every email and text goes through, opt-outs, E-SIGN consents,
//! bounced addresses and inbound replies worked as queries.
//!
//! **Invariants:**
//! - a message is queued only with the compliance decision that allowed it and its
//!   timeline entry (a `contact_attempts` row, action `email`/`sms`, outcome `sent`), in
//!   one transaction; a second queueing under the same idempotency key adds nothing;
//! - the deliverer claims a due row with one conditional `UPDATE` (atomic on both
//!   engines: two deliverers never hold the same row), with a lease; a row whose lease
//!   expired is due again; a claim's `attempts` is its fencing token, so a deliverer whose
//!   lease was taken over cannot mark the row;
//! - every state change but the lease itself (sent, gave up, retried by a supervisor,
//!   opt-outs, consents, bounces, queries and their answers) is audited.

use crate::audit::{AuditEvent, WriteTx};
use crate::decisions::{self, NewDecision};
use crate::{Actor, Store, StoreError};
use jiff::Timestamp;
use serde_json::json;
use sqlx::Row;

/// A message about to be queued, rendered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewMessage {
    /// Names the message for good: the same key is the same message.
    pub idempotency_key: String,
    /// `email` or `sms`.
    pub channel: String,
    pub template: String,
    pub language: String,
    /// The compliance purpose it was asked with.
    pub purpose: String,
    /// The address or E.164 number.
    pub recipient: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: Option<String>,
    /// Extra headers (name, value), in order.
    pub headers: Vec<(String, String)>,
}

/// An outbox row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutboxRow {
    pub id: i64,
    pub idempotency_key: String,
    pub account_id: Option<i64>,
    /// `creditor/account_ref`, when the message is about an account.
    pub account: Option<(String, String)>,
    pub channel: String,
    pub template: String,
    pub language: String,
    pub purpose: String,
    pub recipient: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: Option<String>,
    pub headers: Vec<(String, String)>,
    /// queued | sending | sent | failed.
    pub state: String,
    pub attempts: i64,
    pub next_attempt_at: Timestamp,
    pub lease_until: Option<Timestamp>,
    pub last_error: Option<String>,
    pub created_at: Timestamp,
    pub sent_at: Option<Timestamp>,
}

/// What queueing did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Queued {
    /// A new row with this id.
    New(i64),
    /// The key was queued before (this row): nothing added.
    Already(i64),
}

impl Queued {
    pub fn id(self) -> i64 {
        match self {
            Queued::New(id) | Queued::Already(id) => id,
        }
    }
}

/// The outbox states.
pub const OUTBOX_STATES: &[&str] = &["queued", "sending", "sent", "failed"];

/// What a message about an account is worded with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessageFacts {
    pub account_id: i64,
    pub debtor_id: i64,
    pub first_name: String,
    pub last_name: String,
    /// The debtor's language code (`en`, `es`).
    pub language: String,
    pub creditor_name: String,
    pub currency: String,
    pub balance_minor: i64,
    /// The creditor's policy lines (`key=value`).
    pub policy: String,
}

/// An account a contact point belongs to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PointAccount {
    pub account_id: i64,
    pub debtor_id: i64,
    pub creditor: String,
    pub account_ref: String,
    pub language: String,
    pub policy: String,
}

/// An inbound reply to record as a query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewQuery {
    /// Names the inbound message (the provider's id, the email's Message-ID or digest).
    pub source_key: String,
    pub account_id: Option<i64>,
    /// `email` or `sms`.
    pub channel: String,
    pub from_value: String,
    pub to_value: String,
    pub subject: String,
    pub body: String,
    pub received_at: Timestamp,
    pub due_at: Timestamp,
}

/// A query as the queue shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueryRow {
    pub id: i64,
    pub account: Option<(String, String)>,
    pub creditor_id: Option<i64>,
    pub channel: String,
    pub from_value: String,
    pub subject: String,
    pub body: String,
    pub received_at: Timestamp,
    pub due_at: Timestamp,
    /// open | answered.
    pub state: String,
    pub answered_at: Option<Timestamp>,
    pub answered_by: Option<String>,
    pub answer_note: Option<String>,
}

/// Longest answer note.
pub const QUERY_NOTE_LENGTH_MAX: usize = 2_000;

fn instant(us: i64) -> Result<Timestamp, StoreError> {
    Timestamp::from_microsecond(us).map_err(|_| StoreError::Corrupt(format!("instant {us}")))
}

fn optional(us: Option<i64>) -> Result<Option<Timestamp>, StoreError> {
    us.map(instant).transpose()
}

/// Headers as stored: one `Name: value` a line.
fn headers_text(headers: &[(String, String)]) -> String {
    headers
        .iter()
        .map(|(name, value)| format!("{name}: {value}\n"))
        .collect()
}

fn headers_of(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|line| line.split_once(": "))
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect()
}

const OUTBOX_COLUMNS: &str = "o.id, o.idempotency_key, o.account_id, c.code, a.account_ref, o.channel, o.template, o.language, o.purpose, o.recipient, o.subject, o.body_text, o.body_html, o.headers, o.state, o.attempts, o.next_attempt_at_us, o.lease_until_us, o.last_error, o.created_at_us, o.sent_at_us";
const OUTBOX_FROM: &str = "FROM outbox o LEFT JOIN accounts a ON a.id = o.account_id LEFT JOIN creditors c ON c.id = a.creditor_id";

fn outbox_row(row: &sqlx::any::AnyRow) -> Result<OutboxRow, StoreError> {
    let creditor: Option<String> = row.try_get(3)?;
    let account_ref: Option<String> = row.try_get(4)?;
    Ok(OutboxRow {
        id: row.try_get(0)?,
        idempotency_key: row.try_get(1)?,
        account_id: row.try_get(2)?,
        account: creditor.zip(account_ref),
        channel: row.try_get(5)?,
        template: row.try_get(6)?,
        language: row.try_get(7)?,
        purpose: row.try_get(8)?,
        recipient: row.try_get(9)?,
        subject: row.try_get(10)?,
        body_text: row.try_get(11)?,
        body_html: row.try_get(12)?,
        headers: headers_of(&row.try_get::<String, _>(13)?),
        state: row.try_get(14)?,
        attempts: row.try_get(15)?,
        next_attempt_at: instant(row.try_get(16)?)?,
        lease_until: optional(row.try_get(17)?)?,
        last_error: row.try_get(18)?,
        created_at: instant(row.try_get(19)?)?,
        sent_at: optional(row.try_get(20)?)?,
    })
}

async fn account_key(tx: &mut WriteTx, account_id: i64) -> Result<String, StoreError> {
    let row = sqlx::query(
        "SELECT c.code, a.account_ref FROM accounts a JOIN creditors c ON c.id = a.creditor_id WHERE a.id = $1",
    )
    .bind(account_id)
    .fetch_optional(tx.conn())
    .await?
    .ok_or_else(|| StoreError::NotFound(format!("no account {account_id}")))?;
    Ok(format!(
        "{}/{}",
        row.try_get::<String, _>(0)?,
        row.try_get::<String, _>(1)?
    ))
}

impl Store {
    /// A signature of `value` for `purpose` (links that work without signing in), keyed
    /// from the PII key: no other secret to keep, and none that is ever stored.
    pub fn link_signature(&self, purpose: &str, value: &str) -> String {
        self.key().blind_index(&format!("link:{purpose}"), value)
    }

    /// Queues `message` about `account_id` with the decision that allowed it and its
    /// timeline entry, in one transaction. A key queued before adds nothing.
    pub async fn queue_message(
        &self,
        actor: &Actor,
        user_id: Option<i64>,
        decision: &NewDecision,
        message: &NewMessage,
    ) -> Result<Queued, StoreError> {
        if !decision.allowed || decision.action != message.channel {
            return Err(StoreError::Invalid(
                "a message is queued only with the compliance decision that allowed it".into(),
            ));
        }
        let seal = self.key().seal_key();
        let mut tx = self.write().await?;
        if let Some(row) = sqlx::query("SELECT id FROM outbox WHERE idempotency_key = $1")
            .bind(&message.idempotency_key)
            .fetch_optional(tx.conn())
            .await?
        {
            let id: i64 = row.try_get(0)?;
            tx.rollback().await?;
            return Ok(Queued::Already(id));
        }
        let account_id = decision.account_id;
        let key = account_key(&mut tx, account_id).await?;
        let decision_id = decisions::append(
            &mut tx,
            &seal,
            actor,
            &format!("{} {} queued", message.channel, message.template),
            std::slice::from_ref(decision),
        )
        .await?;
        let attempt_id = tx.next_id("contact_attempts").await?;
        let id = tx.next_id("outbox").await?;
        let now = tx.now_us();
        let seq = tx
            .audit(AuditEvent {
                actor: &actor.name,
                action: "message.queued",
                entity: "account",
                entity_key: &key,
                before: None,
                after: Some(json!({
                    "outbox": id,
                    "attempt": attempt_id,
                    "decision": decision_id,
                    "channel": message.channel,
                    "template": message.template,
                    "purpose": message.purpose,
                    "idempotency_key": message.idempotency_key,
                })),
                reason: "message queued after the compliance check allowed it",
            })
            .await?;
        sqlx::query(
            "INSERT INTO contact_attempts (id, account_id, user_id, at_us, action, contact_point, direction, recipient, outcome, disposition, note, decision_id, audit_seq, under_consent) \
             VALUES ($1, $2, $3, $4, $5, $6, 'outbound', 'consumer', 'sent', $7, $8, $9, $10, 0)",
        )
        .bind(attempt_id)
        .bind(account_id)
        .bind(user_id)
        .bind(decision.decided_at.as_microsecond())
        .bind(&message.channel)
        .bind(&message.recipient)
        .bind(format!("message_{}", message.template))
        .bind(&message.subject)
        .bind(decision_id)
        .bind(seq)
        .execute(tx.conn())
        .await?;
        sqlx::query(
            "INSERT INTO outbox (id, idempotency_key, account_id, attempt_id, channel, template, language, purpose, recipient, subject, body_text, body_html, headers, state, attempts, next_attempt_at_us, created_at_us, audit_seq) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 'queued', 0, $14, $15, $16)",
        )
        .bind(id)
        .bind(&message.idempotency_key)
        .bind(account_id)
        .bind(attempt_id)
        .bind(&message.channel)
        .bind(&message.template)
        .bind(&message.language)
        .bind(&message.purpose)
        .bind(&message.recipient)
        .bind(&message.subject)
        .bind(&message.body_text)
        .bind(&message.body_html)
        .bind(headers_text(&message.headers))
        // A decision about a later instant (a text allowed only from 08:00) schedules
        // the message for then.
        .bind(now.max(decision.decided_at.as_microsecond()))
        .bind(now)
        .bind(seq)
        .execute(tx.conn())
        .await?;
        if message.template == "validation_notice" {
            // The validation period runs from the notice's send (12 CFR 1006.34).
            sqlx::query(
                "UPDATE accounts SET validation_notice_sent_at_us = $1 WHERE id = $2 AND validation_notice_sent_at_us IS NULL",
            )
            .bind(decision.decided_at.as_microsecond())
            .bind(account_id)
            .execute(tx.conn())
            .await?;
        }
        tx.commit().await?;
        Ok(Queued::New(id))
    }

    /// Claims up to `limit` due messages (queued and due, or sending with an expired
    /// lease) until `lease_until`: each claimed row's `attempts` goes up by one and is the
    /// token `message_sent`/`message_not_sent` must show.
    pub async fn claim_due_messages(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
        limit: i64,
    ) -> Result<Vec<OutboxRow>, StoreError> {
        let due = "((state = 'queued' AND next_attempt_at_us <= $1) OR (state = 'sending' AND lease_until_us <= $1))";
        // The condition again on the outer UPDATE: PostgreSQL re-checks it on the row
        // version it locks, so a row another deliverer claimed meanwhile is skipped.
        let sql = format!(
            "UPDATE outbox SET state = 'sending', attempts = attempts + 1, lease_until_us = $2 \
             WHERE id IN (SELECT id FROM outbox WHERE {due} ORDER BY next_attempt_at_us, id LIMIT $3) AND {due} RETURNING id"
        );
        let ids: Vec<i64> = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(now.as_microsecond())
            .bind(lease_until.as_microsecond())
            .bind(limit)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|row| row.try_get(0))
            .collect::<Result<_, _>>()?;
        let mut rows = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(row) = self.outbox_message(id).await? {
                rows.push(row);
            }
        }
        Ok(rows)
    }

    /// One outbox row.
    pub async fn outbox_message(&self, id: i64) -> Result<Option<OutboxRow>, StoreError> {
        let sql = format!("SELECT {OUTBOX_COLUMNS} {OUTBOX_FROM} WHERE o.id = $1");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(outbox_row)
            .transpose()
    }

    /// Marks a claimed message sent (audited). `false`: the claim was no longer ours.
    pub async fn message_sent(
        &self,
        actor: &Actor,
        id: i64,
        token: i64,
        at: Timestamp,
    ) -> Result<bool, StoreError> {
        let mut tx = self.write().await?;
        let done = sqlx::query(
            "UPDATE outbox SET state = 'sent', sent_at_us = $1, lease_until_us = NULL, last_error = NULL WHERE id = $2 AND attempts = $3 AND state = 'sending'",
        )
        .bind(at.as_microsecond())
        .bind(id)
        .bind(token)
        .execute(tx.conn())
        .await?
        .rows_affected();
        if done == 0 {
            tx.rollback().await?;
            return Ok(false);
        }
        tx.audit(AuditEvent {
            actor: &actor.name,
            action: "message.sent",
            entity: "outbox",
            entity_key: &id.to_string(),
            before: Some(json!({"state": "sending"})),
            after: Some(json!({"state": "sent", "attempts": token})),
            reason: "delivered",
        })
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Records a failed delivery of a claimed message: queued again for `retry_at`, or,
    /// with `None`, given up (`failed`, audited). `false`: the claim was no longer ours.
    pub async fn message_not_sent(
        &self,
        actor: &Actor,
        id: i64,
        token: i64,
        error: &str,
        retry_at: Option<Timestamp>,
    ) -> Result<bool, StoreError> {
        let error: String = error.chars().take(500).collect();
        match retry_at {
            Some(at) => {
                let done = sqlx::query(
                    "UPDATE outbox SET state = 'queued', next_attempt_at_us = $1, lease_until_us = NULL, last_error = $2 WHERE id = $3 AND attempts = $4 AND state = 'sending'",
                )
                .bind(at.as_microsecond())
                .bind(&error)
                .bind(id)
                .bind(token)
                .execute(&self.pool)
                .await?
                .rows_affected();
                Ok(done == 1)
            }
            None => {
                let mut tx = self.write().await?;
                let done = sqlx::query(
                    "UPDATE outbox SET state = 'failed', lease_until_us = NULL, last_error = $1 WHERE id = $2 AND attempts = $3 AND state = 'sending'",
                )
                .bind(&error)
                .bind(id)
                .bind(token)
                .execute(tx.conn())
                .await?
                .rows_affected();
                if done == 0 {
                    tx.rollback().await?;
                    return Ok(false);
                }
                tx.audit(AuditEvent {
                    actor: &actor.name,
                    action: "message.failed",
                    entity: "outbox",
                    entity_key: &id.to_string(),
                    before: Some(json!({"state": "sending"})),
                    after: Some(json!({"state": "failed", "attempts": token, "error": error})),
                    reason: "delivery given up after repeated failures",
                })
                .await?;
                tx.commit().await?;
                Ok(true)
            }
        }
    }

    /// A failed message queued again now by a supervisor (audited).
    pub async fn retry_message(&self, actor: &Actor, id: i64) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        let now = tx.now_us();
        let done = sqlx::query(
            "UPDATE outbox SET state = 'queued', attempts = 0, next_attempt_at_us = $1 WHERE id = $2 AND state = 'failed'",
        )
        .bind(now)
        .bind(id)
        .execute(tx.conn())
        .await?
        .rows_affected();
        if done == 0 {
            tx.rollback().await?;
            return Err(StoreError::Conflict(format!(
                "message {id} is not a failed message"
            )));
        }
        tx.audit(AuditEvent {
            actor: &actor.name,
            action: "message.retry",
            entity: "outbox",
            entity_key: &id.to_string(),
            before: Some(json!({"state": "failed"})),
            after: Some(json!({"state": "queued"})),
            reason: "retried by a supervisor",
        })
        .await?;
        tx.commit().await
    }

    /// Messages per state (every state, zero included), for the creditors `scope` names
    /// (`None`: all).
    pub async fn outbox_counts(
        &self,
        scope: Option<&[i64]>,
    ) -> Result<Vec<(String, i64)>, StoreError> {
        let mut counts: Vec<(String, i64)> = OUTBOX_STATES
            .iter()
            .map(|state| (state.to_string(), 0))
            .collect();
        let rows = sqlx::query(
            "SELECT o.state, a.creditor_id, CAST(COUNT(*) AS BIGINT) FROM outbox o LEFT JOIN accounts a ON a.id = o.account_id GROUP BY o.state, a.creditor_id",
        )
        .fetch_all(&self.pool)
        .await?;
        for row in rows {
            let state: String = row.try_get(0)?;
            let creditor: Option<i64> = row.try_get(1)?;
            let count: i64 = row.try_get(2)?;
            if scope.is_some_and(|ids| !creditor.is_some_and(|id| ids.contains(&id))) {
                continue;
            }
            if let Some(slot) = counts.iter_mut().find(|(name, _)| *name == state) {
                slot.1 += count;
            }
        }
        Ok(counts)
    }

    /// Messages that failed or are waiting after an error, newest first, at most `limit`.
    pub async fn outbox_problems(
        &self,
        scope: Option<&[i64]>,
        limit: i64,
    ) -> Result<Vec<OutboxRow>, StoreError> {
        let sql = format!(
            "SELECT {OUTBOX_COLUMNS}, a.creditor_id {OUTBOX_FROM} WHERE o.state = 'failed' OR (o.state <> 'sent' AND o.last_error IS NOT NULL) ORDER BY o.id DESC LIMIT $1"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        let mut out = Vec::new();
        for row in &rows {
            let creditor: Option<i64> = row.try_get(21)?;
            if scope.is_some_and(|ids| !creditor.is_some_and(|id| ids.contains(&id))) {
                continue;
            }
            out.push(outbox_row(row)?);
        }
        Ok(out)
    }

    /// What a message about the account is worded with.
    pub async fn message_facts(&self, account_id: i64) -> Result<MessageFacts, StoreError> {
        let row = sqlx::query(
            "SELECT a.id, d.id, d.first_name, d.last_name, d.language, c.name, a.currency, a.balance_minor, c.policy \
             FROM accounts a JOIN debtors d ON d.id = a.debtor_id JOIN creditors c ON c.id = a.creditor_id WHERE a.id = $1",
        )
        .bind(account_id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("no account {account_id}")))?;
        Ok(MessageFacts {
            account_id: row.try_get(0)?,
            debtor_id: row.try_get(1)?,
            first_name: row.try_get(2)?,
            last_name: row.try_get(3)?,
            language: row.try_get(4)?,
            creditor_name: row.try_get(5)?,
            currency: row.try_get(6)?,
            balance_minor: row.try_get(7)?,
            policy: row.try_get(8)?,
        })
    }

    /// The debtor's opt-outs: (email, sms).
    pub async fn opted_out(&self, debtor_id: i64) -> Result<(bool, bool), StoreError> {
        let rows = sqlx::query("SELECT DISTINCT channel FROM opt_outs WHERE debtor_id = $1")
            .bind(debtor_id)
            .fetch_all(&self.pool)
            .await?;
        let channels: Vec<String> = rows
            .iter()
            .map(|row| row.try_get(0))
            .collect::<Result<_, _>>()?;
        Ok((
            channels.iter().any(|channel| channel == "email"),
            channels.iter().any(|channel| channel == "sms"),
        ))
    }

    /// The accounts whose debtor has this contact point (an email address, compared
    /// without case, or an E.164 number), oldest first.
    pub async fn accounts_by_point(
        &self,
        channel: &str,
        value: &str,
    ) -> Result<Vec<PointAccount>, StoreError> {
        let (kinds, value) = if channel == "email" {
            ("p.kind = 'email'", value.to_lowercase())
        } else {
            ("p.kind <> 'email'", value.to_string())
        };
        let sql = format!(
            "SELECT DISTINCT a.id, d.id, c.code, a.account_ref, d.language, c.policy FROM contact_points p \
             JOIN debtors d ON d.id = p.debtor_id JOIN accounts a ON a.debtor_id = d.id JOIN creditors c ON c.id = a.creditor_id \
             WHERE {kinds} AND lower(p.value) = $1 ORDER BY a.id"
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(value)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|row| {
                Ok(PointAccount {
                    account_id: row.try_get(0)?,
                    debtor_id: row.try_get(1)?,
                    creditor: row.try_get(2)?,
                    account_ref: row.try_get(3)?,
                    language: row.try_get(4)?,
                    policy: row.try_get(5)?,
                })
            })
            .collect()
    }

    /// Opts every debtor holding `point` out of `channel` (audited, one event per
    /// debtor newly opted out). Returns how many debtors were newly opted out: doing it
    /// again changes nothing.
    pub async fn opt_out(
        &self,
        actor: &Actor,
        channel: &str,
        point: &str,
        source: &str,
    ) -> Result<usize, StoreError> {
        let debtors: Vec<i64> = {
            let mut ids: Vec<i64> = self
                .accounts_by_point(channel, point)
                .await?
                .iter()
                .map(|account| account.debtor_id)
                .collect();
            ids.dedup();
            ids
        };
        let point = if channel == "email" {
            point.to_lowercase()
        } else {
            point.to_string()
        };
        let mut tx = self.write().await?;
        let now = tx.now_us();
        let mut added = 0;
        for debtor_id in debtors {
            let exists = sqlx::query(
                "SELECT id FROM opt_outs WHERE debtor_id = $1 AND channel = $2 AND contact_point = $3",
            )
            .bind(debtor_id)
            .bind(channel)
            .bind(&point)
            .fetch_optional(tx.conn())
            .await?;
            if exists.is_some() {
                continue;
            }
            let id = tx.next_id("opt_outs").await?;
            let seq = tx
                .audit(AuditEvent {
                    actor: &actor.name,
                    action: "consumer.opt_out",
                    entity: "debtor",
                    entity_key: &debtor_id.to_string(),
                    before: None,
                    after: Some(
                        json!({"channel": channel, "contact_point": point, "source": source}),
                    ),
                    reason: "the consumer opted out of this medium",
                })
                .await?;
            sqlx::query(
                "INSERT INTO opt_outs (id, debtor_id, channel, contact_point, at_us, source, audit_seq) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(id)
            .bind(debtor_id)
            .bind(channel)
            .bind(&point)
            .bind(now)
            .bind(source)
            .bind(seq)
            .execute(tx.conn())
            .await?;
            added += 1;
        }
        if added == 0 {
            tx.rollback().await?;
        } else {
            tx.commit().await?;
        }
        Ok(added)
    }

    /// Records the debtor's E-SIGN consent to receive notices at `address` (one of their
    /// email addresses), audited; recording it again changes nothing.
    pub async fn record_esign_consent(
        &self,
        actor: &Actor,
        account_id: i64,
        address: &str,
        given_at: Timestamp,
    ) -> Result<bool, StoreError> {
        let address = address.to_lowercase();
        let mut tx = self.write().await?;
        let row = sqlx::query(
            "SELECT a.debtor_id FROM accounts a JOIN contact_points p ON p.debtor_id = a.debtor_id WHERE a.id = $1 AND p.kind = 'email' AND lower(p.value) = $2",
        )
        .bind(account_id)
        .bind(&address)
        .fetch_optional(tx.conn())
        .await?
        .ok_or_else(|| {
            StoreError::Invalid(format!(
                "{address:?} is not one of the debtor's email addresses"
            ))
        })?;
        let debtor_id: i64 = row.try_get(0)?;
        if sqlx::query("SELECT id FROM esign_consents WHERE debtor_id = $1 AND address = $2")
            .bind(debtor_id)
            .bind(&address)
            .fetch_optional(tx.conn())
            .await?
            .is_some()
        {
            tx.rollback().await?;
            return Ok(false);
        }
        let key = account_key(&mut tx, account_id).await?;
        let id = tx.next_id("esign_consents").await?;
        let seq = tx
            .audit(AuditEvent {
                actor: &actor.name,
                action: "contact_point.esign_consent",
                entity: "account",
                entity_key: &key,
                before: None,
                after: Some(json!({"address": address, "given_at_us": given_at.as_microsecond()})),
                reason: "the consumer's E-SIGN consent to electronic notices",
            })
            .await?;
        sqlx::query(
            "INSERT INTO esign_consents (id, debtor_id, address, given_at_us, recorded_by, audit_seq) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(debtor_id)
        .bind(&address)
        .bind(given_at.as_microsecond())
        .bind(&actor.name)
        .bind(seq)
        .execute(tx.conn())
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Whether the debtor of `account_id` gave E-SIGN consent for `address`.
    pub async fn has_esign_consent(
        &self,
        account_id: i64,
        address: &str,
    ) -> Result<bool, StoreError> {
        Ok(sqlx::query(
            "SELECT e.id FROM esign_consents e JOIN accounts a ON a.debtor_id = e.debtor_id WHERE a.id = $1 AND e.address = $2",
        )
        .bind(account_id)
        .bind(address.to_lowercase())
        .fetch_optional(&self.pool)
        .await?
        .is_some())
    }

    /// Marks every email contact point with one of `addresses` bad (hard bounces), in
    /// one transaction, audited. Returns how many points changed: marking again changes
    /// nothing.
    pub async fn mark_addresses_bounced(
        &self,
        actor: &Actor,
        addresses: &[String],
        why: &str,
    ) -> Result<usize, StoreError> {
        let mut tx = self.write().await?;
        let mut changed = 0;
        for address in addresses {
            let address = address.to_lowercase();
            let rows = sqlx::query(
                "SELECT id, debtor_id, status FROM contact_points WHERE kind = 'email' AND lower(value) = $1 AND status <> 'bad' ORDER BY id",
            )
            .bind(&address)
            .fetch_all(tx.conn())
            .await?;
            for row in rows {
                let (id, debtor_id, before): (i64, i64, String) =
                    (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?);
                tx.audit(AuditEvent {
                    actor: &actor.name,
                    action: "contact_point.status",
                    entity: "debtor",
                    entity_key: &debtor_id.to_string(),
                    before: Some(json!({"value": address, "status": before})),
                    after: Some(json!({"value": address, "status": "bad"})),
                    reason: why,
                })
                .await?;
                sqlx::query("UPDATE contact_points SET status = 'bad' WHERE id = $1")
                    .bind(id)
                    .execute(tx.conn())
                    .await?;
                changed += 1;
            }
        }
        if changed == 0 {
            tx.rollback().await?;
        } else {
            tx.commit().await?;
        }
        Ok(changed)
    }

    /// Records an inbound reply as a query (audited); one received before adds nothing.
    pub async fn record_query(
        &self,
        actor: &Actor,
        query: &NewQuery,
    ) -> Result<Queued, StoreError> {
        let mut tx = self.write().await?;
        if let Some(row) = sqlx::query("SELECT id FROM queries WHERE source_key = $1")
            .bind(&query.source_key)
            .fetch_optional(tx.conn())
            .await?
        {
            let id: i64 = row.try_get(0)?;
            tx.rollback().await?;
            return Ok(Queued::Already(id));
        }
        let key = match query.account_id {
            Some(account_id) => account_key(&mut tx, account_id).await?,
            None => "unmatched".to_string(),
        };
        let id = tx.next_id("queries").await?;
        let seq = tx
            .audit(AuditEvent {
                actor: &actor.name,
                action: "query.received",
                entity: "account",
                entity_key: &key,
                before: None,
                after: Some(json!({
                    "query": id,
                    "channel": query.channel,
                    "due_at_us": query.due_at.as_microsecond(),
                })),
                reason: "an inbound reply to answer",
            })
            .await?;
        sqlx::query(
            "INSERT INTO queries (id, source_key, account_id, channel, from_value, to_value, subject, body, received_at_us, due_at_us, state, audit_seq) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'open', $11)",
        )
        .bind(id)
        .bind(&query.source_key)
        .bind(query.account_id)
        .bind(&query.channel)
        .bind(&query.from_value)
        .bind(&query.to_value)
        .bind(&query.subject)
        .bind(&query.body)
        .bind(query.received_at.as_microsecond())
        .bind(query.due_at.as_microsecond())
        .bind(seq)
        .execute(tx.conn())
        .await?;
        tx.commit().await?;
        Ok(Queued::New(id))
    }

    /// Queries, open ones first by due instant, then the answered ones newest first
    /// (at most `limit`); with `account_id` only that account's.
    pub async fn queries(
        &self,
        account_id: Option<i64>,
        limit: i64,
    ) -> Result<Vec<QueryRow>, StoreError> {
        let filter = if account_id.is_some() {
            "WHERE q.account_id = $2"
        } else {
            ""
        };
        let sql = format!(
            "SELECT q.id, c.code, a.account_ref, a.creditor_id, q.channel, q.from_value, q.subject, q.body, q.received_at_us, q.due_at_us, q.state, q.answered_at_us, u.username, q.answer_note \
             FROM queries q LEFT JOIN accounts a ON a.id = q.account_id LEFT JOIN creditors c ON c.id = a.creditor_id LEFT JOIN users u ON u.id = q.answered_by \
             {filter} ORDER BY CASE WHEN q.state = 'open' THEN 0 ELSE 1 END, CASE WHEN q.state = 'open' THEN q.due_at_us ELSE -q.answered_at_us END, q.id LIMIT $1"
        );
        let mut select = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(limit);
        if let Some(account_id) = account_id {
            select = select.bind(account_id);
        }
        select
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|row| {
                let creditor: Option<String> = row.try_get(1)?;
                let account_ref: Option<String> = row.try_get(2)?;
                Ok(QueryRow {
                    id: row.try_get(0)?,
                    account: creditor.zip(account_ref),
                    creditor_id: row.try_get(3)?,
                    channel: row.try_get(4)?,
                    from_value: row.try_get(5)?,
                    subject: row.try_get(6)?,
                    body: row.try_get(7)?,
                    received_at: instant(row.try_get(8)?)?,
                    due_at: instant(row.try_get(9)?)?,
                    state: row.try_get(10)?,
                    answered_at: optional(row.try_get(11)?)?,
                    answered_by: row.try_get(12)?,
                    answer_note: row.try_get(13)?,
                })
            })
            .collect()
    }

    /// Open and overdue (due before `now`) queries of the creditors `scope` names.
    pub async fn query_counts(
        &self,
        scope: Option<&[i64]>,
        now: Timestamp,
    ) -> Result<(i64, i64), StoreError> {
        let rows = sqlx::query(
            "SELECT a.creditor_id, q.due_at_us FROM queries q LEFT JOIN accounts a ON a.id = q.account_id WHERE q.state = 'open'",
        )
        .fetch_all(&self.pool)
        .await?;
        let (mut open, mut overdue) = (0, 0);
        for row in rows {
            let creditor: Option<i64> = row.try_get(0)?;
            if scope.is_some_and(|ids| !creditor.is_some_and(|id| ids.contains(&id))) {
                continue;
            }
            open += 1;
            if row.try_get::<i64, _>(1)? < now.as_microsecond() {
                overdue += 1;
            }
        }
        Ok((open, overdue))
    }

    /// Answers an open query with a note (audited); an answered one is refused.
    pub async fn answer_query(
        &self,
        actor: &Actor,
        user_id: i64,
        id: i64,
        note: &str,
    ) -> Result<(), StoreError> {
        if note.trim().is_empty() || note.chars().count() > QUERY_NOTE_LENGTH_MAX {
            return Err(StoreError::Invalid(format!(
                "the answer note must be 1 to {QUERY_NOTE_LENGTH_MAX} characters"
            )));
        }
        let mut tx = self.write().await?;
        let now = tx.now_us();
        let done = sqlx::query(
            "UPDATE queries SET state = 'answered', answered_at_us = $1, answered_by = $2, answer_note = $3 WHERE id = $4 AND state = 'open'",
        )
        .bind(now)
        .bind(user_id)
        .bind(note)
        .bind(id)
        .execute(tx.conn())
        .await?
        .rows_affected();
        if done == 0 {
            tx.rollback().await?;
            return Err(StoreError::Conflict(format!(
                "query {id} is not open (answered already, or no such query)"
            )));
        }
        tx.audit(AuditEvent {
            actor: &actor.name,
            action: "query.answered",
            entity: "query",
            entity_key: &id.to_string(),
            before: Some(json!({"state": "open"})),
            after: Some(json!({"state": "answered", "note": note})),
            reason: "query answered",
        })
        .await?;
        tx.commit().await
    }
}
