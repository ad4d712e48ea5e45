//! What agents do all day, stored: the work queue (candidates in priority order, locks
//! so no two agents work one account), contact attempts with the compliance decision
//! behind each, notes, callbacks and promises to pay.
//!
//! **Invariants:** an account is locked to at most one agent at a time (a single
//! conditional upsert on `account_locks`, atomic on both engines); an agent holds at most
//! one lock; every attempt, note, callback and promise is audited and bumps the
//! account's `version`, and a change made against an older version is refused.

use crate::audit::{AuditEvent, WriteTx};
use crate::decisions::{self, NewDecision};
use crate::sessions::SessionUser;
use crate::{Store, StoreError};
use domain::arrangement::{ArrangementStatus, PromiseStatus};
use domain::money::Amount;
use jiff::civil::Date;
use jiff::{Span, Timestamp};
use serde_json::json;
use sqlx::Row;

/// The queue size shown is exact up to this many accounts.
pub const QUEUE_COUNT_MAX: i64 = 1_000;
/// How long "Next account" reserves an account for the agent.
pub const LOCK_MINUTES: i64 = 15;
/// An account someone tried to contact leaves the queue for this long (callbacks
/// excepted), so the queue moves on instead of redialling.
pub const REST_AFTER_ATTEMPT_HOURS: i64 = 4;
/// Longest note or attempt comment.
pub const NOTE_LENGTH_MAX: usize = 2_000;
/// Most dated amounts in one promise.
pub const PROMISE_PAYMENTS_MAX: usize = 12;

/// Holds that take an account out of the calling queue.
const QUEUE_BLOCKING_HOLDS: &str =
    "'dispute', 'cease', 'attorney', 'bankruptcy', 'deceased', 'legal'";

/// An account in a user's queue, before the compliance check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueueCandidate {
    pub account_id: i64,
    pub creditor: String,
    pub account_ref: String,
    /// A callback the user scheduled that is due now.
    pub callback_id: Option<i64>,
}

/// The account an agent is about to change, as the form they submitted saw it.
#[derive(Clone, Copy, Debug)]
pub struct Seen<'a> {
    pub creditor: &'a str,
    pub account_ref: &'a str,
    /// `accounts.version` when the form was rendered.
    pub version: i64,
}

/// A contact attempt as the agent logs it (already allowed by the compliance check).
#[derive(Clone, Debug)]
pub struct NewAttempt {
    pub at: Timestamp,
    /// The contract's action code: call, sms, email, letter, visit.
    pub action: String,
    pub contact_point: Option<String>,
    /// outbound | inbound.
    pub direction: String,
    /// consumer | estate_representative | attorney.
    pub recipient: String,
    /// The contract's outcome code the disposition amounts to.
    pub outcome: String,
    pub disposition: String,
    pub note: Option<String>,
}

/// A contact attempt as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attempt {
    pub id: i64,
    pub account_id: i64,
    pub account_ref: String,
    pub username: Option<String>,
    pub at: Timestamp,
    pub action: String,
    pub contact_point: Option<String>,
    pub direction: String,
    pub recipient: String,
    pub outcome: String,
    pub disposition: String,
    pub note: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    pub id: i64,
    pub username: Option<String>,
    pub at: Timestamp,
    pub body: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Promise {
    pub id: i64,
    pub username: Option<String>,
    pub created_at: Timestamp,
    pub status: String,
    pub total_minor: i64,
    /// (due date, amount in minor units).
    pub payments: Vec<(Date, i64)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Callback {
    pub id: i64,
    pub username: String,
    pub due_at: Timestamp,
    pub note: Option<String>,
    pub done: bool,
}

fn instant(us: i64) -> Result<Timestamp, StoreError> {
    Timestamp::from_microsecond(us).map_err(|_| StoreError::Corrupt(format!("instant {us}")))
}

fn check_note(text: &str) -> Result<(), StoreError> {
    if text.trim().is_empty() {
        return Err(StoreError::Invalid("a note is required".into()));
    }
    if text.chars().count() > NOTE_LENGTH_MAX {
        return Err(StoreError::Invalid(format!(
            "a note has at most {NOTE_LENGTH_MAX} characters"
        )));
    }
    Ok(())
}

/// The creditor filter of a user's queries on accounts `a`.
fn creditor_filter(user: &SessionUser) -> String {
    creditor_filter_on(user, "a.creditor_id")
}

/// The creditor filter of a user's queries: `""` for everyone, or ` AND {column} IN (…)`
/// with the ids written in (they are integers from the database, not input).
pub(crate) fn creditor_filter_on(user: &SessionUser, column: &str) -> String {
    match &user.creditor_ids {
        None => String::new(),
        Some(ids) if ids.is_empty() => " AND 1 = 0".into(),
        Some(ids) => {
            let list: Vec<String> = ids.iter().map(i64::to_string).collect();
            format!(" AND {column} IN ({})", list.join(", "))
        }
    }
}

/// Locks the account row against concurrent changes and checks the form's version;
/// returns the account id and bumps the version.
pub(crate) async fn touch(
    tx: &mut WriteTx,
    user: &SessionUser,
    seen: Seen<'_>,
) -> Result<i64, StoreError> {
    let row = sqlx::query(
        "SELECT a.id, a.version, a.creditor_id FROM accounts a JOIN creditors c ON c.id = a.creditor_id WHERE c.code = $1 AND a.account_ref = $2",
    )
    .bind(seen.creditor)
    .bind(seen.account_ref)
    .fetch_optional(tx.conn())
    .await?;
    let not_found = || {
        StoreError::NotFound(format!(
            "no account {:?} for creditor {:?}",
            seen.account_ref, seen.creditor
        ))
    };
    let row = row.ok_or_else(not_found)?;
    let creditor_id: i64 = row.try_get(2)?;
    // Another creditor's account is as good as absent to this user.
    if !user.may_see_creditor(creditor_id) {
        return Err(not_found());
    }
    let (account_id, version): (i64, i64) = (row.try_get(0)?, row.try_get(1)?);
    if version != seen.version {
        return Err(StoreError::Conflict(format!(
            "account {} changed since this page was opened (version {version}, the form has {}): reload it",
            seen.account_ref, seen.version
        )));
    }
    sqlx::query("UPDATE accounts SET version = version + 1 WHERE id = $1")
        .bind(account_id)
        .execute(tx.conn())
        .await?;
    Ok(account_id)
}

/// Attempts after this instant keep an account out of the queue.
fn rested_since(now: Timestamp) -> i64 {
    now.as_microsecond() - REST_AFTER_ATTEMPT_HOURS * 3_600_000_000
}

fn entity_key(seen: Seen<'_>) -> String {
    format!("{}/{}", seen.creditor, seen.account_ref)
}

impl Store {
    /// Accounts the user may work next, best first: their callbacks due by `now`, then
    /// active accounts of their creditors with no hold that stops calls, no open promise
    /// and no running plan or settlement (a break puts them back), not locked by someone
    /// else, by priority. At most `limit`.
    pub async fn queue_candidates(
        &self,
        user: &SessionUser,
        now: Timestamp,
        limit: i64,
    ) -> Result<Vec<QueueCandidate>, StoreError> {
        let now_us = now.as_microsecond();
        let filter = creditor_filter(user);
        let (promise_open, arrangement_active) =
            (PromiseStatus::Open.code(), ArrangementStatus::Active.code());
        let callbacks = format!(
            "SELECT a.id, c.code, a.account_ref, cb.id FROM callbacks cb JOIN accounts a ON a.id = cb.account_id \
             JOIN creditors c ON c.id = a.creditor_id LEFT JOIN account_locks l ON l.account_id = a.id \
             WHERE cb.user_id = $1 AND cb.done_at_us IS NULL AND cb.due_at_us <= $2 AND a.status = 'active'{filter} \
               AND (l.account_id IS NULL OR l.locked_until_us <= $2 OR l.user_id = $1) \
             ORDER BY cb.due_at_us, cb.id LIMIT $3"
        );
        let queue = format!(
            "SELECT a.id, c.code, a.account_ref FROM accounts a JOIN creditors c ON c.id = a.creditor_id \
             LEFT JOIN account_locks l ON l.account_id = a.id \
             WHERE a.status = 'active'{filter} AND (a.assigned_user_id IS NULL OR a.assigned_user_id = $1) \
               AND (l.account_id IS NULL OR l.locked_until_us <= $2 OR l.user_id = $1) \
               AND NOT EXISTS (SELECT 1 FROM account_holds h WHERE h.account_id = a.id AND h.released_at_us IS NULL AND h.kind IN ({QUEUE_BLOCKING_HOLDS})) \
               AND NOT EXISTS (SELECT 1 FROM promises p WHERE p.account_id = a.id AND p.status = '{promise_open}') \
               AND NOT EXISTS (SELECT 1 FROM arrangements r WHERE r.account_id = a.id AND r.status = '{arrangement_active}') \
               AND NOT EXISTS (SELECT 1 FROM contact_attempts t WHERE t.account_id = a.id AND t.at_us > $4) \
             ORDER BY a.status, a.priority DESC, a.id LIMIT $3"
        );
        let mut candidates = Vec::new();
        for row in sqlx::query(sqlx::AssertSqlSafe(callbacks))
            .bind(user.id)
            .bind(now_us)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?
        {
            candidates.push(QueueCandidate {
                account_id: row.try_get(0)?,
                creditor: row.try_get(1)?,
                account_ref: row.try_get(2)?,
                callback_id: Some(row.try_get(3)?),
            });
        }
        for row in sqlx::query(sqlx::AssertSqlSafe(queue))
            .bind(user.id)
            .bind(now_us)
            .bind(limit)
            .bind(rested_since(now))
            .fetch_all(&self.pool)
            .await?
        {
            let account_id: i64 = row.try_get(0)?;
            if candidates.iter().any(|seen| seen.account_id == account_id) {
                continue;
            }
            candidates.push(QueueCandidate {
                account_id,
                creditor: row.try_get(1)?,
                account_ref: row.try_get(2)?,
                callback_id: None,
            });
        }
        Ok(candidates)
    }

    /// How many accounts are left in the user's queue (before the compliance check),
    /// counted up to `QUEUE_COUNT_MAX + 1` (more reads as "more than the maximum": a
    /// full count of a million-account queue would cost seconds on every queue page).
    pub async fn queue_size(&self, user: &SessionUser, now: Timestamp) -> Result<i64, StoreError> {
        let filter = creditor_filter(user);
        let (promise_open, arrangement_active) =
            (PromiseStatus::Open.code(), ArrangementStatus::Active.code());
        let sql = format!(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM (SELECT 1 FROM accounts a LEFT JOIN account_locks l ON l.account_id = a.id \
             WHERE a.status = 'active'{filter} AND (a.assigned_user_id IS NULL OR a.assigned_user_id = $1) \
               AND (l.account_id IS NULL OR l.locked_until_us <= $2 OR l.user_id = $1) \
               AND NOT EXISTS (SELECT 1 FROM account_holds h WHERE h.account_id = a.id AND h.released_at_us IS NULL AND h.kind IN ({QUEUE_BLOCKING_HOLDS})) \
               AND NOT EXISTS (SELECT 1 FROM promises p WHERE p.account_id = a.id AND p.status = '{promise_open}') \
               AND NOT EXISTS (SELECT 1 FROM arrangements r WHERE r.account_id = a.id AND r.status = '{arrangement_active}') \
               AND NOT EXISTS (SELECT 1 FROM contact_attempts t WHERE t.account_id = a.id AND t.at_us > $3) \
             ORDER BY a.status, a.priority DESC, a.id LIMIT {}) AS queue",
            QUEUE_COUNT_MAX + 1
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(user.id)
            .bind(now.as_microsecond())
            .bind(rested_since(now))
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get(0)?)
    }

    /// Reserves the account for the user for `LOCK_MINUTES` unless someone else holds a
    /// live lock on it; releases the user's other locks. `false`: taken.
    pub async fn try_lock(
        &self,
        user: &SessionUser,
        account_id: i64,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let now_us = now.as_microsecond();
        let until = now
            .checked_add(Span::new().minutes(LOCK_MINUTES))
            .map_err(|error| StoreError::Invalid(error.to_string()))?;
        let taken = sqlx::query(
            "INSERT INTO account_locks (account_id, user_id, locked_at_us, locked_until_us) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (account_id) DO UPDATE SET user_id = excluded.user_id, locked_at_us = excluded.locked_at_us, locked_until_us = excluded.locked_until_us \
             WHERE account_locks.locked_until_us <= $3 OR account_locks.user_id = $2",
        )
        .bind(account_id)
        .bind(user.id)
        .bind(now_us)
        .bind(until.as_microsecond())
        .execute(&self.pool)
        .await?
        .rows_affected()
            == 1;
        if taken {
            sqlx::query("DELETE FROM account_locks WHERE user_id = $1 AND account_id <> $2")
                .bind(user.id)
                .bind(account_id)
                .execute(&self.pool)
                .await?;
        }
        Ok(taken)
    }

    /// Who else holds a live lock on the account, if anyone.
    pub async fn locked_by_other(
        &self,
        user: &SessionUser,
        account_id: i64,
        now: Timestamp,
    ) -> Result<Option<String>, StoreError> {
        let row = sqlx::query(
            "SELECT u.username FROM account_locks l JOIN users u ON u.id = l.user_id WHERE l.account_id = $1 AND l.user_id <> $2 AND l.locked_until_us > $3",
        )
        .bind(account_id)
        .bind(user.id)
        .bind(now.as_microsecond())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| row.try_get(0))
            .transpose()
            .map_err(Into::into)
    }

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
        let account_id = touch(&mut tx, user, seen).await?;
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
        let id = tx.next_id("contact_attempts").await?;
        let seq = tx
            .audit(AuditEvent {
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
                })),
                reason: "contact attempt logged",
            })
            .await?;
        sqlx::query(
            "INSERT INTO contact_attempts (id, account_id, user_id, at_us, action, contact_point, direction, recipient, outcome, disposition, note, decision_id, audit_seq) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        )
        .bind(id)
        .bind(account_id)
        .bind(user.id)
        .bind(attempt.at.as_microsecond())
        .bind(&attempt.action)
        .bind(&attempt.contact_point)
        .bind(&attempt.direction)
        .bind(&attempt.recipient)
        .bind(&attempt.outcome)
        .bind(&attempt.disposition)
        .bind(&attempt.note)
        .bind(decision_id)
        .bind(seq)
        .execute(tx.conn())
        .await?;
        sqlx::query("UPDATE callbacks SET done_at_us = $1 WHERE account_id = $2 AND user_id = $3 AND done_at_us IS NULL AND due_at_us <= $1")
            .bind(attempt.at.as_microsecond())
            .bind(account_id)
            .bind(user.id)
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
        let rows = sqlx::query(
            "SELECT t.id, t.account_id, a.account_ref, u.username, t.at_us, t.action, t.contact_point, t.direction, t.recipient, t.outcome, t.disposition, t.note \
             FROM contact_attempts t JOIN accounts a ON a.id = t.account_id LEFT JOIN users u ON u.id = t.user_id \
             WHERE a.debtor_id = (SELECT debtor_id FROM accounts WHERE id = $1) ORDER BY t.at_us, t.id",
        )
        .bind(account_id)
        .fetch_all(&self.pool)
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
                })
            })
            .collect()
    }

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

    /// Records a promise to pay one or several dated amounts. The caller has checked the
    /// amounts against the balance; dates must be today or later, in order.
    pub async fn record_promise(
        &self,
        user: &SessionUser,
        seen: Seen<'_>,
        today: Date,
        payments: &[(Date, Amount)],
    ) -> Result<i64, StoreError> {
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
                    json!({"promise": id, "total_minor": total.minor(), "payments": schedule}),
                ),
                reason: "promise to pay",
            })
            .await?;
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
        Ok(id)
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

    /// Sets each active account's queue priority: its balance in minor units (the most
    /// money first). Returns the number of accounts scored.
    pub async fn prioritize(&self, actor: &crate::Actor) -> Result<u64, StoreError> {
        let mut tx = self.write().await?;
        let scored = sqlx::query(
            "UPDATE accounts SET priority = (SELECT CAST(COALESCE(SUM(e.principal_minor + e.interest_minor + e.fees_minor), 0) AS BIGINT) FROM ledger_entries e WHERE e.account_id = accounts.id) WHERE status = 'active'",
        )
        .execute(tx.conn())
        .await?
        .rows_affected();
        tx.audit(AuditEvent {
            actor: &actor.name,
            action: "batch.prioritize",
            entity: "accounts",
            entity_key: "queue",
            before: None,
            after: Some(json!({"accounts": scored, "rule": "balance, largest first"})),
            reason: "queue priorities",
        })
        .await?;
        tx.commit().await?;
        self.analyze("accounts").await?;
        Ok(scored)
    }
}

/// A search hit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    pub creditor: String,
    pub account_ref: String,
    pub debtor_name: String,
    pub status: String,
}

/// Most hits a search returns.
pub const SEARCH_RESULTS_MAX: i64 = 50;

impl Store {
    /// Accounts of the user's creditors matching `query`: an account reference (exact),
    /// a phone number or email address of the debtor (exact, normalised), the last 4
    /// digits of the SSN (through its blind index), or a name (every word a prefix of the
    /// first or last name, any case).
    pub async fn search(&self, user: &SessionUser, query: &str) -> Result<Vec<Found>, StoreError> {
        let query = query.trim();
        if query.is_empty() || query.chars().count() > 200 {
            return Ok(Vec::new());
        }
        let filter = creditor_filter(user);
        let select = "SELECT c.code, a.account_ref, d.first_name, d.last_name, a.status FROM accounts a \
             JOIN creditors c ON c.id = a.creditor_id JOIN debtors d ON d.id = a.debtor_id";
        let (condition, values): (String, Vec<String>) = if query.len() == 4
            && query.bytes().all(|byte| byte.is_ascii_digit())
        {
            (
                "d.ssn_last4_index = $1".into(),
                vec![self.key().blind_index("ssn_last4", query)],
            )
        } else if let Some(phone) = domain::party::PhoneNumber::parse(query) {
            (
                "d.id IN (SELECT debtor_id FROM contact_points WHERE value = $1)".into(),
                vec![phone.to_string()],
            )
        } else if query.contains('@') {
            (
                "d.id IN (SELECT debtor_id FROM contact_points WHERE kind = 'email' AND lower(value) = $1)".into(),
                vec![query.to_lowercase()],
            )
        } else {
            let words: Vec<String> = query
                .split_whitespace()
                .take(4)
                .map(|word| {
                    let escaped = word
                        .to_lowercase()
                        .replace('\\', "\\\\")
                        .replace('%', "\\%")
                        .replace('_', "\\_");
                    format!("{escaped}%")
                })
                .collect();
            let mut conditions = vec!["a.account_ref = $1".to_string()];
            let name: Vec<String> = (0..words.len())
                .map(|index| {
                    let n = index + 2;
                    format!(
                        "(lower(d.first_name) LIKE ${n} ESCAPE '\\' OR lower(d.last_name) LIKE ${n} ESCAPE '\\')"
                    )
                })
                .collect();
            conditions.push(format!("({})", name.join(" AND ")));
            let mut values = vec![query.to_string()];
            values.extend(words);
            (conditions.join(" OR "), values)
        };
        let sql = format!(
            "{select} WHERE ({condition}){filter} ORDER BY c.code, a.account_ref LIMIT {SEARCH_RESULTS_MAX}"
        );
        let mut statement = sqlx::query(sqlx::AssertSqlSafe(sql));
        for value in values {
            statement = statement.bind(value);
        }
        let rows = statement.fetch_all(&self.pool).await?;
        rows.iter()
            .map(|row| {
                let first: String = row.try_get(2)?;
                let last: String = row.try_get(3)?;
                Ok(Found {
                    creditor: row.try_get(0)?,
                    account_ref: row.try_get(1)?,
                    debtor_name: format!("{first} {last}"),
                    status: row.try_get(4)?,
                })
            })
            .collect()
    }
}

/// One agent's day, for the team dashboard.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AgentDay {
    pub username: String,
    pub accounts_worked: i64,
    pub attempts: i64,
    pub right_party_contacts: i64,
    pub promises: i64,
    pub promised_minor: i64,
}

/// An open dispute, for the dispute queue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenDispute {
    pub creditor: String,
    pub account_ref: String,
    pub debtor_name: String,
    pub placed_at: Timestamp,
    pub detail: String,
}

/// Dispositions that mean the agent spoke with the debtor.
const RIGHT_PARTY: &str = "'right_party_contact', 'promise', 'refused', 'dispute', 'callback', 'bankruptcy', 'attorney', 'cease_request'";

impl Store {
    /// Per agent who shares a creditor with `viewer` (every agent for managers and
    /// admins), what they did in [from, until).
    pub async fn team_day(
        &self,
        viewer: &SessionUser,
        from: Timestamp,
        until: Timestamp,
    ) -> Result<Vec<AgentDay>, StoreError> {
        let team = match &viewer.creditor_ids {
            None => String::new(),
            Some(ids) if ids.is_empty() => " AND 1 = 0".into(),
            Some(ids) => {
                let list: Vec<String> = ids.iter().map(i64::to_string).collect();
                format!(
                    " AND EXISTS (SELECT 1 FROM user_creditors uc WHERE uc.user_id = u.id AND uc.creditor_id IN ({}))",
                    list.join(", ")
                )
            }
        };
        let sql = format!(
            "SELECT u.username, \
               (SELECT CAST(COUNT(DISTINCT t.account_id) AS BIGINT) FROM contact_attempts t WHERE t.user_id = u.id AND t.at_us >= $1 AND t.at_us < $2), \
               (SELECT CAST(COUNT(*) AS BIGINT) FROM contact_attempts t WHERE t.user_id = u.id AND t.at_us >= $1 AND t.at_us < $2), \
               (SELECT CAST(COUNT(*) AS BIGINT) FROM contact_attempts t WHERE t.user_id = u.id AND t.at_us >= $1 AND t.at_us < $2 AND t.disposition IN ({RIGHT_PARTY})), \
               (SELECT CAST(COUNT(*) AS BIGINT) FROM promises p WHERE p.user_id = u.id AND p.created_at_us >= $1 AND p.created_at_us < $2), \
               (SELECT CAST(COALESCE(SUM(p.total_minor), 0) AS BIGINT) FROM promises p WHERE p.user_id = u.id AND p.created_at_us >= $1 AND p.created_at_us < $2) \
             FROM users u WHERE u.role = 'agent' AND u.disabled = 0{team} ORDER BY u.username"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(from.as_microsecond())
            .bind(until.as_microsecond())
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                Ok(AgentDay {
                    username: row.try_get(0)?,
                    accounts_worked: row.try_get(1)?,
                    attempts: row.try_get(2)?,
                    right_party_contacts: row.try_get(3)?,
                    promises: row.try_get(4)?,
                    promised_minor: row.try_get(5)?,
                })
            })
            .collect()
    }

    /// Open disputes on the viewer's creditors' accounts, oldest first.
    pub async fn open_disputes(
        &self,
        viewer: &SessionUser,
    ) -> Result<Vec<OpenDispute>, StoreError> {
        let filter = creditor_filter(viewer);
        let sql = format!(
            "SELECT c.code, a.account_ref, d.first_name, d.last_name, h.placed_at_us, h.detail FROM account_holds h \
             JOIN accounts a ON a.id = h.account_id JOIN creditors c ON c.id = a.creditor_id JOIN debtors d ON d.id = a.debtor_id \
             WHERE h.kind = 'dispute' AND h.released_at_us IS NULL{filter} ORDER BY h.placed_at_us, h.id LIMIT 500"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                let first: String = row.try_get(2)?;
                let last: String = row.try_get(3)?;
                Ok(OpenDispute {
                    creditor: row.try_get(0)?,
                    account_ref: row.try_get(1)?,
                    debtor_name: format!("{first} {last}"),
                    placed_at: instant(row.try_get(4)?)?,
                    detail: row.try_get(5)?,
                })
            })
            .collect()
    }

    /// Gives an account to one agent (`None`: back to every agent of its creditor).
    pub async fn assign_account(
        &self,
        viewer: &SessionUser,
        creditor: &str,
        account_ref: &str,
        agent: Option<&str>,
    ) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        let row = sqlx::query(
            "SELECT a.id, a.creditor_id, a.assigned_user_id FROM accounts a JOIN creditors c ON c.id = a.creditor_id WHERE c.code = $1 AND a.account_ref = $2",
        )
        .bind(creditor)
        .bind(account_ref)
        .fetch_optional(tx.conn())
        .await?;
        let not_found = || {
            StoreError::NotFound(format!(
                "no account {account_ref:?} for creditor {creditor:?}"
            ))
        };
        let row = row.ok_or_else(not_found)?;
        let (account_id, creditor_id): (i64, i64) = (row.try_get(0)?, row.try_get(1)?);
        if !viewer.may_see_creditor(creditor_id) {
            return Err(not_found());
        }
        let agent_id: Option<i64> = match agent {
            None => None,
            Some(name) => {
                let row = sqlx::query(
                    "SELECT u.id FROM users u WHERE u.username = $1 AND u.role = 'agent' AND u.disabled = 0 \
                     AND EXISTS (SELECT 1 FROM user_creditors uc WHERE uc.user_id = u.id AND uc.creditor_id = $2)",
                )
                .bind(name)
                .bind(creditor_id)
                .fetch_optional(tx.conn())
                .await?
                .ok_or_else(|| {
                    StoreError::Invalid(format!("{name:?} is not an agent working {creditor}"))
                })?;
                Some(row.try_get(0)?)
            }
        };
        tx.audit(AuditEvent {
            actor: &viewer.username,
            action: "account.assign",
            entity: "account",
            entity_key: &format!("{creditor}/{account_ref}"),
            before: Some(json!({"assigned_user_id": row.try_get::<Option<i64>, _>(2)?})),
            after: Some(json!({"agent": agent})),
            reason: "reassigned by a supervisor",
        })
        .await?;
        sqlx::query(
            "UPDATE accounts SET assigned_user_id = $1, version = version + 1 WHERE id = $2",
        )
        .bind(agent_id)
        .bind(account_id)
        .execute(tx.conn())
        .await?;
        // A lock held by someone else ends with the reassignment.
        sqlx::query("DELETE FROM account_locks WHERE account_id = $1 AND user_id <> $2")
            .bind(account_id)
            .bind(agent_id.unwrap_or(0))
            .execute(tx.conn())
            .await?;
        tx.commit().await
    }

    /// Moves every account assigned to agent `from` (of the viewer's creditors) to `to`.
    pub async fn reassign_queue(
        &self,
        viewer: &SessionUser,
        from: &str,
        to: &str,
    ) -> Result<u64, StoreError> {
        let mut tx = self.write().await?;
        let mut ids = Vec::new();
        for name in [from, to] {
            let row = sqlx::query("SELECT id FROM users WHERE username = $1 AND role = 'agent'")
                .bind(name)
                .fetch_optional(tx.conn())
                .await?
                .ok_or_else(|| StoreError::Invalid(format!("{name:?} is not an agent")))?;
            ids.push(row.try_get::<i64, _>(0)?);
        }
        let filter = creditor_filter(viewer);
        let sql = format!(
            "UPDATE accounts SET assigned_user_id = $1, version = version + 1 WHERE id IN (SELECT a.id FROM accounts a WHERE a.assigned_user_id = $2{filter})"
        );
        let moved = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(ids[1])
            .bind(ids[0])
            .execute(tx.conn())
            .await?
            .rows_affected();
        tx.audit(AuditEvent {
            actor: &viewer.username,
            action: "queue.reassign",
            entity: "user",
            entity_key: from,
            before: Some(json!({"agent": from})),
            after: Some(json!({"agent": to, "accounts": moved})),
            reason: "queue reassigned by a supervisor",
        })
        .await?;
        tx.commit().await?;
        Ok(moved)
    }
}

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
