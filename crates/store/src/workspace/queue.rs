//! The work queue: who is next, how many remain, the lock an agent takes, the order.

use super::*;

impl Store {
    /// Accounts the user may work next, best first: their callbacks due by `now`, then
    /// active accounts of their creditors with no hold that stops calls, no open promise
    /// and no running plan or settlement (a break puts them back), whose debtor has a
    /// phone that is not known bad, no attempt on any of their accounts in the last
    /// `REST_AFTER_ATTEMPT_HOURS` and is not held by someone else, by priority. At most
    /// `limit` of each.
    pub async fn queue_candidates(
        &self,
        user: &SessionUser,
        now: Timestamp,
        limit: i64,
    ) -> Result<Vec<QueueCandidate>, StoreError> {
        let now_us = now.as_microsecond();
        let filter = creditor_filter(user);
        let callbacks = format!(
            "SELECT a.id, c.code, a.account_ref, cb.id, a.debtor_id FROM callbacks cb JOIN accounts a ON a.id = cb.account_id \
             JOIN creditors c ON c.id = a.creditor_id \
             WHERE cb.user_id = $1 AND cb.done_at_us IS NULL AND cb.due_at_us <= $2 AND a.status = 'active'{filter} \
               AND {not_held} \
             ORDER BY cb.due_at_us, cb.id LIMIT $3",
            not_held = not_held_by_others(probe_fence(self.engine)),
        );
        let queue = format!(
            "SELECT a.id, c.code, a.account_ref, a.debtor_id FROM accounts a JOIN creditors c ON c.id = a.creditor_id \
             WHERE {queue} ORDER BY a.status, a.priority DESC, a.id LIMIT $3",
            queue = queue_conditions(user, self.engine),
        );
        // Both on one connection (a connection per query costs a round trip more each).
        let mut connection = self.pool.acquire().await?;
        let mut candidates = Vec::new();
        for row in sqlx::query(sqlx::AssertSqlSafe(callbacks))
            .bind(user.id)
            .bind(now_us)
            .bind(limit)
            .fetch_all(&mut *connection)
            .await?
        {
            candidates.push(QueueCandidate {
                account_id: row.try_get(0)?,
                debtor_id: row.try_get(4)?,
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
            .fetch_all(&mut *connection)
            .await?
        {
            let account_id: i64 = row.try_get(0)?;
            if candidates.iter().any(|seen| seen.account_id == account_id) {
                continue;
            }
            candidates.push(QueueCandidate {
                account_id,
                debtor_id: row.try_get(3)?,
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
        let sql = format!(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM (SELECT 1 FROM accounts a WHERE {queue} \
             ORDER BY a.status, a.priority DESC, a.id LIMIT {limit}) AS queue",
            queue = queue_conditions(user, self.engine).replace("$4", "$3"),
            limit = QUEUE_COUNT_MAX + 1
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(user.id)
            .bind(now.as_microsecond())
            .bind(rested_since(now))
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get(0)?)
    }

    /// Reserves the debtor of `account_id` — all their accounts — for the user for
    /// `LOCK_MINUTES` unless someone else holds a live lock on them (see
    /// [`Store::lock_first`]). `false`: taken.
    pub async fn try_lock(
        &self,
        user: &SessionUser,
        account_id: i64,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        Ok(self.lock_first(user, &[account_id], now).await?.is_some())
    }

    /// Reserves the debtor of the first of `account_ids` (best first) that no one else
    /// holds — all that debtor's accounts — for the user for `LOCK_MINUTES`, with one
    /// conditional upsert on `debtor_locks` per account tried (atomic on both engines,
    /// however many agents press at once); then releases the user's other locks. All in
    /// one write transaction, so agents pressing at once who find their first choice
    /// taken try the next ones without queueing for the writer again (on PostgreSQL,
    /// which has no single writer, each try is its own transaction). `None`: every one
    /// was taken.
    pub async fn lock_first(
        &self,
        user: &SessionUser,
        account_ids: &[i64],
        now: Timestamp,
    ) -> Result<Option<i64>, StoreError> {
        let now_us = now.as_microsecond();
        let until = now
            .checked_add(Span::new().minutes(LOCK_MINUTES))
            .map_err(|error| StoreError::Invalid(error.to_string()))?
            .as_microsecond();
        // One transaction for the writes: one commit (one WAL sync on SQLite) instead
        // of several, and no one sees the agent holding two debtors.
        let (_turn, mut tx) = self.unaudited_write().await?;
        let mut taken = None;
        for &account_id in account_ids {
            let locked = sqlx::query(
                "INSERT INTO debtor_locks (debtor_id, user_id, locked_at_us, locked_until_us) \
                 SELECT debtor_id, $2, $3, $4 FROM accounts WHERE id = $1 \
                 ON CONFLICT (debtor_id) DO UPDATE SET user_id = excluded.user_id, locked_at_us = excluded.locked_at_us, locked_until_us = excluded.locked_until_us \
                 WHERE debtor_locks.locked_until_us <= $3 OR debtor_locks.user_id = $2",
            )
            .bind(account_id)
            .bind(user.id)
            .bind(now_us)
            .bind(until)
            .execute(&mut *tx)
            .await?
            .rows_affected()
                == 1;
            if locked {
                taken = Some(account_id);
                break;
            }
            if self.engine == crate::Engine::Postgres {
                // PostgreSQL locked the other agent's row even though it did not update
                // it: let go before the next try, or two agents each holding one and
                // wanting the other's would deadlock. (SQLite has one writer: no cycle.)
                tx.rollback().await?;
                tx = self.pool.begin().await?;
            }
        }
        let Some(account_id) = taken else {
            tx.rollback().await?;
            return Ok(None);
        };
        sqlx::query(
            "DELETE FROM debtor_locks WHERE user_id = $1 AND debtor_id <> (SELECT debtor_id FROM accounts WHERE id = $2)",
        )
        .bind(user.id)
        .bind(account_id)
        .execute(&mut *tx)
        .await?;
        // The account the agent opens, for the team's view of who works what; whoever
        // holds the debtor holds their accounts.
        sqlx::query(
            "INSERT INTO account_locks (account_id, user_id, locked_at_us, locked_until_us) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (account_id) DO UPDATE SET user_id = excluded.user_id, locked_at_us = excluded.locked_at_us, locked_until_us = excluded.locked_until_us",
        )
        .bind(account_id)
        .bind(user.id)
        .bind(now_us)
        .bind(until)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM account_locks WHERE user_id = $1 AND account_id <> $2")
            .bind(user.id)
            .bind(account_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Some(account_id))
    }

    /// Ends the user's holds on debtors and accounts ("Next account" found none it may
    /// hand out after trying some).
    pub async fn release_locks(&self, user: &SessionUser) -> Result<(), StoreError> {
        let (_turn, mut tx) = self.unaudited_write().await?;
        for table in ["debtor_locks", "account_locks"] {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "DELETE FROM {table} WHERE user_id = $1"
            )))
            .bind(user.id)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Who else holds a live lock on the account's debtor, if anyone.
    pub async fn locked_by_other(
        &self,
        user: &SessionUser,
        account_id: i64,
        now: Timestamp,
    ) -> Result<Option<String>, StoreError> {
        let row = sqlx::query(
            "SELECT u.username FROM debtor_locks l JOIN users u ON u.id = l.user_id \
             WHERE l.debtor_id = (SELECT debtor_id FROM accounts WHERE id = $1) AND l.user_id <> $2 AND l.locked_until_us > $3",
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

/// The debtor of account `a` is not held by another user than `$1` at `$2` (`fence`:
/// [`probe_fence`]).
fn not_held_by_others(fence: &str) -> String {
    format!(
        "NOT EXISTS (SELECT 1 FROM debtor_locks dl WHERE dl.debtor_id = a.debtor_id AND dl.user_id <> $1 AND dl.locked_until_us > $2{fence})"
    )
}

/// What ends each `EXISTS` probe of the queue's conditions. PostgreSQL turns probes into
/// joins and plans every order of joining six tables afresh on each press (it keeps no
/// generic plan: the limit and the cool-down are parameters), which took 3 ms of the
/// server's CPU against 0.4 ms to run the plan; `OFFSET 0` keeps each probe a subplan run
/// per account passed, in the queue index's order, as the join plan ran them anyway
/// (planning 0.3 ms). SQLite plans the probes that way already.
fn probe_fence(engine: crate::Engine) -> &'static str {
    match engine {
        crate::Engine::Postgres => " OFFSET 0",
        crate::Engine::Sqlite => "",
    }
}

/// The conditions on account `a` of the user's queue: `$1` the user, `$2` now, `$4` the
/// start of the cool-down (attempts after it, on any of the debtor's accounts, keep the
/// debtor out: `debtor_tried_at_us`, the latest of them kept on each of the debtor's
/// accounts by `Store::record_attempt`, is in the queue's index).
fn queue_conditions(user: &SessionUser, engine: crate::Engine) -> String {
    let filter = creditor_filter(user);
    let (promise_open, arrangement_active) =
        (PromiseStatus::Open.code(), ArrangementStatus::Active.code());
    let fence = probe_fence(engine);
    format!(
        "a.status = 'active'{filter} AND (a.assigned_user_id IS NULL OR a.assigned_user_id = $1) \
           AND {not_held} \
           AND NOT EXISTS (SELECT 1 FROM account_holds h WHERE h.account_id = a.id AND h.released_at_us IS NULL AND h.kind IN ({QUEUE_BLOCKING_HOLDS}){fence}) \
           AND NOT EXISTS (SELECT 1 FROM promises p WHERE p.account_id = a.id AND p.status = '{promise_open}'{fence}) \
           AND NOT EXISTS (SELECT 1 FROM arrangements r WHERE r.account_id = a.id AND r.status = '{arrangement_active}'{fence}) \
           AND a.debtor_tried_at_us <= $4 \
           AND EXISTS (SELECT 1 FROM contact_points p WHERE p.debtor_id = a.debtor_id AND p.kind IN ({phones}) AND p.status IN ({usable}){fence})",
        not_held = not_held_by_others(fence),
        phones = crate::dialer::phone_kinds(),
        usable = crate::dialer::usable_statuses(),
    )
}
