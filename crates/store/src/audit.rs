//! The audit log: one hash-chained event per state change, written in the same
//! transaction as the change, and the write transaction that enforces it.
//!
//! **Invariant:** `audit_events.seq` runs 1, 2, 3… without gaps; each event's
//! `prev_hash` is the previous event's `hash` (64 zeros for the first); `audit_head`
//! holds the last `seq` and `hash`. Ledger rows carry a `row_hash` of their own content.
//! `verify` recomputes all of it and names the first broken link.

use crate::StoreError;
use crate::crypto::SealKey;
use crate::db::Engine;
use hmac::Mac;
use sqlx::{Any, AnyConnection, Row, Transaction};

pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// A state change, as the audit log records it.
pub struct AuditEvent<'a> {
    pub actor: &'a str,
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_key: &'a str,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub reason: &'a str,
}

/// Seals fields (HMAC-SHA256 under the seal key) with length prefixes so no two field
/// lists share an encoding.
pub(crate) fn chain_hash(seal: &SealKey, prev_hash: &str, fields: &[Option<&str>]) -> String {
    let mut hasher = seal.mac();
    hasher.update(prev_hash.as_bytes());
    for field in fields {
        match field {
            Some(value) => {
                hasher.update(format!("\n{}:", value.len()).as_bytes());
                hasher.update(value.as_bytes());
            }
            None => hasher.update(b"\n-"),
        }
    }
    hex::encode(hasher.finalize().into_bytes())
}

#[allow(clippy::too_many_arguments)]
fn event_hash(
    seal: &SealKey,
    prev_hash: &str,
    seq: i64,
    recorded_at_us: i64,
    actor: &str,
    action: &str,
    entity: &str,
    entity_key: &str,
    before: Option<&str>,
    after: Option<&str>,
    reason: &str,
) -> String {
    let seq = seq.to_string();
    let recorded_at_us = recorded_at_us.to_string();
    chain_hash(
        seal,
        prev_hash,
        &[
            Some(&seq),
            Some(&recorded_at_us),
            Some(actor),
            Some(action),
            Some(entity),
            Some(entity_key),
            before,
            after,
            Some(reason),
        ],
    )
}

/// The content of a ledger row that its `row_hash` seals.
pub struct LedgerRow<'a> {
    pub id: i64,
    pub account_id: i64,
    pub seq: i64,
    pub reason: &'a str,
    pub principal_minor: i64,
    pub interest_minor: i64,
    pub fees_minor: i64,
    pub effective_on: &'a str,
    pub recorded_at_us: i64,
    pub corrects_entry_id: Option<i64>,
    pub memo: Option<&'a str>,
    pub audit_seq: i64,
}

impl LedgerRow<'_> {
    pub fn hash(&self, seal: &SealKey) -> String {
        let numbers = [
            self.id,
            self.account_id,
            self.seq,
            self.principal_minor,
            self.interest_minor,
            self.fees_minor,
            self.recorded_at_us,
            self.audit_seq,
        ]
        .map(|number| number.to_string());
        let corrects = self.corrects_entry_id.map(|id| id.to_string());
        let mut fields: Vec<Option<&str>> =
            numbers.iter().map(|text| Some(text.as_str())).collect();
        fields.extend([
            Some(self.reason),
            Some(self.effective_on),
            corrects.as_deref(),
            self.memo,
        ]);
        chain_hash(seal, "ledger", &fields)
    }
}

/// A write transaction. Opening one takes the audit lock (the `audit_head` row), so
/// writers are serialised and ids handed out by [`WriteTx::next_id`] are safe.
pub struct WriteTx {
    tx: Transaction<'static, Any>,
    engine: Engine,
    seal: SealKey,
    head_seq: i64,
    head_hash: String,
    now_us: i64,
    /// The agency's business time zone (dates of entries, promises kept or broken).
    zone: jiff::tz::TimeZone,
}

impl WriteTx {
    pub(crate) async fn begin(
        pool: &sqlx::AnyPool,
        engine: Engine,
        now_us: i64,
        zone: jiff::tz::TimeZone,
        seal: SealKey,
    ) -> Result<WriteTx, StoreError> {
        let begin = match engine {
            Engine::Sqlite => "BEGIN IMMEDIATE",
            // Explicit: under a stricter server default, writers waiting on the audit
            // lock would fail with serialization errors instead of queueing.
            Engine::Postgres => "BEGIN ISOLATION LEVEL READ COMMITTED",
        };
        let mut tx = pool.begin_with(begin).await?;
        let row = sqlx::query(
            "UPDATE audit_head SET touched_at_us = $1 WHERE id = 1 RETURNING seq, hash",
        )
        .bind(now_us)
        .fetch_one(&mut *tx)
        .await?;
        Ok(WriteTx {
            tx,
            engine,
            seal,
            head_seq: row.try_get(0)?,
            head_hash: row.try_get(1)?,
            now_us,
            zone,
        })
    }

    pub fn now_us(&self) -> i64 {
        self.now_us
    }

    /// The agency's business date when this transaction began.
    pub fn today(&self) -> jiff::civil::Date {
        self.date_at(self.now_us)
    }

    /// The agency's business date at an instant (µs since the epoch).
    pub fn date_at(&self, instant_us: i64) -> jiff::civil::Date {
        jiff::Timestamp::from_microsecond(instant_us)
            .map(|instant| self.zone.to_datetime(instant).date())
            .unwrap_or(jiff::civil::Date::MIN)
    }

    pub(crate) fn seal(&self) -> &SealKey {
        &self.seal
    }

    pub fn engine(&self) -> Engine {
        self.engine
    }

    pub fn conn(&mut self) -> &mut AnyConnection {
        &mut self.tx
    }

    /// The seq the next [`WriteTx::audit`] call will get; rows written before the event
    /// may reference it (the foreign keys are deferred to commit).
    pub fn next_audit_seq(&self) -> i64 {
        self.head_seq + 1
    }

    /// The next free id of `table` (all ids are assigned here, under the audit lock).
    pub async fn next_id(&mut self, table: &'static str) -> Result<i64, StoreError> {
        let sql = format!("SELECT CAST(COALESCE(MAX(id), 0) + 1 AS BIGINT) FROM {table}");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_one(&mut *self.tx)
            .await?;
        Ok(row.try_get(0)?)
    }

    pub async fn audit(&mut self, event: AuditEvent<'_>) -> Result<i64, StoreError> {
        let seq = self.head_seq + 1;
        let before = event.before.as_ref().map(serde_json::Value::to_string);
        let after = event.after.as_ref().map(serde_json::Value::to_string);
        let hash = event_hash(
            &self.seal,
            &self.head_hash,
            seq,
            self.now_us,
            event.actor,
            event.action,
            event.entity,
            event.entity_key,
            before.as_deref(),
            after.as_deref(),
            event.reason,
        );
        sqlx::query(
            "INSERT INTO audit_events (seq, recorded_at_us, actor, action, entity, entity_key, before_json, after_json, reason, prev_hash, hash) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(seq)
        .bind(self.now_us)
        .bind(event.actor)
        .bind(event.action)
        .bind(event.entity)
        .bind(event.entity_key)
        .bind(before)
        .bind(after)
        .bind(event.reason)
        .bind(&self.head_hash)
        .bind(&hash)
        .execute(&mut *self.tx)
        .await?;
        self.head_seq = seq;
        self.head_hash = hash;
        Ok(seq)
    }

    pub async fn commit(mut self) -> Result<(), StoreError> {
        sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
            .bind(self.head_seq)
            .bind(&self.head_hash)
            .execute(&mut *self.tx)
            .await?;
        self.tx.commit().await?;
        Ok(())
    }

    pub async fn rollback(self) -> Result<(), StoreError> {
        self.tx.rollback().await?;
        Ok(())
    }
}

/// The result of checking the whole log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditReport {
    pub events: u64,
    pub ledger_entries: u64,
    pub decisions: u64,
    /// The first inconsistency found, if any.
    pub broken: Option<String>,
}

/// Checks everything inside one read snapshot, so writes committed meanwhile cannot
/// look like tampering.
pub(crate) async fn verify(
    pool: &sqlx::AnyPool,
    engine: Engine,
    seal: &SealKey,
) -> Result<AuditReport, StoreError> {
    let mut report = AuditReport {
        events: 0,
        ledger_entries: 0,
        decisions: 0,
        broken: None,
    };
    let begin = match engine {
        Engine::Sqlite => "BEGIN",
        Engine::Postgres => "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
    };
    let mut snapshot = pool.begin_with(begin).await?;
    let connection: &mut AnyConnection = &mut snapshot;
    let (last_seq, last_hash) = verify_chain(connection, seal, &mut report).await?;
    if report.broken.is_none() {
        let head = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
            .fetch_one(&mut *connection)
            .await?;
        let (head_seq, head_hash): (i64, String) = (head.try_get(0)?, head.try_get(1)?);
        if head_seq != last_seq || head_hash != last_hash {
            report.broken = Some(format!(
                "audit_head says the chain ends at event {head_seq}, but the last event is {last_seq}: events were removed or added behind Arrears' back"
            ));
        }
    }
    if report.broken.is_none() {
        verify_ledger(connection, seal, &mut report).await?;
    }
    if report.broken.is_none() {
        verify_import_counts(connection, &mut report).await?;
    }
    if report.broken.is_none() {
        match crate::decisions::verify(connection, seal).await? {
            Ok(count) => report.decisions = count,
            Err(problem) => report.broken = Some(problem),
        }
    }
    snapshot.rollback().await?;
    Ok(report)
}

async fn verify_chain(
    connection: &mut AnyConnection,
    seal: &SealKey,
    report: &mut AuditReport,
) -> Result<(i64, String), StoreError> {
    use futures_util::TryStreamExt;
    let mut rows = sqlx::query(
        "SELECT seq, recorded_at_us, actor, action, entity, entity_key, before_json, after_json, reason, prev_hash, hash FROM audit_events ORDER BY seq",
    )
    .fetch(&mut *connection);
    let (mut expected_seq, mut running_hash) = (1i64, GENESIS_HASH.to_string());
    while let Some(row) = rows.try_next().await? {
        let seq: i64 = row.try_get(0)?;
        let (prev_hash, hash): (String, String) = (row.try_get(9)?, row.try_get(10)?);
        let before: Option<String> = row.try_get(6)?;
        let after: Option<String> = row.try_get(7)?;
        let recomputed = event_hash(
            seal,
            &running_hash,
            seq,
            row.try_get(1)?,
            &row.try_get::<String, _>(2)?,
            &row.try_get::<String, _>(3)?,
            &row.try_get::<String, _>(4)?,
            &row.try_get::<String, _>(5)?,
            before.as_deref(),
            after.as_deref(),
            &row.try_get::<String, _>(8)?,
        );
        let problem = if seq != expected_seq {
            Some(format!(
                "audit event {expected_seq} is missing (next is {seq})"
            ))
        } else if prev_hash != running_hash {
            Some(format!(
                "audit event {seq}: prev_hash does not match event {}",
                seq - 1
            ))
        } else if recomputed != hash {
            Some(format!(
                "audit event {seq}: content does not match its hash (the row was altered)"
            ))
        } else {
            None
        };
        if problem.is_some() {
            report.broken = problem;
            return Ok((seq, hash));
        }
        report.events += 1;
        expected_seq += 1;
        running_hash = hash;
    }
    Ok((expected_seq - 1, running_hash))
}

async fn verify_ledger(
    connection: &mut AnyConnection,
    seal: &SealKey,
    report: &mut AuditReport,
) -> Result<(), StoreError> {
    use futures_util::TryStreamExt;
    let mut rows = sqlx::query(
        "SELECT id, account_id, seq, reason, principal_minor, interest_minor, fees_minor, effective_on, recorded_at_us, corrects_entry_id, memo, audit_seq, row_hash FROM ledger_entries ORDER BY id",
    )
    .fetch(&mut *connection);
    while let Some(row) = rows.try_next().await? {
        let reason: String = row.try_get(3)?;
        let effective_on: String = row.try_get(7)?;
        let memo: Option<String> = row.try_get(10)?;
        let ledger_row = LedgerRow {
            id: row.try_get(0)?,
            account_id: row.try_get(1)?,
            seq: row.try_get(2)?,
            reason: &reason,
            principal_minor: row.try_get(4)?,
            interest_minor: row.try_get(5)?,
            fees_minor: row.try_get(6)?,
            effective_on: &effective_on,
            recorded_at_us: row.try_get(8)?,
            corrects_entry_id: row.try_get(9)?,
            memo: memo.as_deref(),
            audit_seq: row.try_get(11)?,
        };
        let stored: String = row.try_get(12)?;
        if ledger_row.hash(seal) != stored {
            report.broken = Some(format!(
                "ledger entry {} (account id {}, entry {}): content does not match its row_hash (the row was altered)",
                ledger_row.id, ledger_row.account_id, ledger_row.seq
            ));
            return Ok(());
        }
        report.ledger_entries += 1;
    }
    Ok(())
}

/// Rows deleted behind our back leave an import's recorded counts higher than what is
/// left. One grouped scan per table, so the check stays linear in the portfolio.
async fn verify_import_counts(
    connection: &mut AnyConnection,
    report: &mut AuditReport,
) -> Result<(), StoreError> {
    let accounts = sqlx::query("SELECT import_id, CAST(COUNT(*) AS BIGINT) FROM accounts WHERE import_id IS NOT NULL GROUP BY import_id")
        .fetch_all(&mut *connection)
        .await?;
    let accounts = grouped(accounts)?;
    let entries = sqlx::query(
        "SELECT audit_seq, CAST(COUNT(*) AS BIGINT) FROM ledger_entries GROUP BY audit_seq",
    )
    .fetch_all(&mut *connection)
    .await?;
    let entries = grouped(entries)?;
    let imports = sqlx::query(
        "SELECT id, accounts_created, entries_created, audit_seq FROM imports ORDER BY id",
    )
    .fetch_all(&mut *connection)
    .await?;
    for row in imports {
        let (id, accounts_created, entries_created, audit_seq): (i64, i64, i64, i64) = (
            row.try_get(0)?,
            row.try_get(1)?,
            row.try_get(2)?,
            row.try_get(3)?,
        );
        let accounts_now = accounts.get(&id).copied().unwrap_or(0);
        let entries_now = entries.get(&audit_seq).copied().unwrap_or(0);
        if accounts_created != accounts_now || entries_created != entries_now {
            report.broken = Some(format!(
                "import {id} recorded {accounts_created} accounts and {entries_created} ledger entries; {accounts_now} and {entries_now} remain (rows were deleted)"
            ));
            return Ok(());
        }
    }
    Ok(())
}

fn grouped(
    rows: Vec<sqlx::any::AnyRow>,
) -> Result<std::collections::HashMap<i64, i64>, StoreError> {
    rows.iter()
        .map(|row| Ok((row.try_get(0)?, row.try_get(1)?)))
        .collect()
}

/// One audit event as stored, for people reading the log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEntry {
    pub seq: i64,
    pub recorded_at_us: i64,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_key: String,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
    pub reason: String,
}

/// Most events one listing returns.
pub const AUDIT_LIST_LIMIT_MAX: i64 = 10_000;

pub(crate) async fn recent(
    pool: &sqlx::AnyPool,
    entity_key: Option<&str>,
    limit: i64,
) -> Result<Vec<AuditEntry>, StoreError> {
    let limit = limit.clamp(1, AUDIT_LIST_LIMIT_MAX);
    const COLUMNS: &str = "SELECT seq, recorded_at_us, actor, action, entity, entity_key, before_json, after_json, reason FROM audit_events";
    // Two statements rather than `$1 IS NULL OR …`, so one entity's events come from the
    // (entity_key, seq) index instead of a scan of the whole log.
    let rows = match entity_key {
        Some(key) => {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "{COLUMNS} WHERE entity_key = $1 ORDER BY seq DESC LIMIT $2"
            )))
            .bind(key)
            .bind(limit)
            .fetch_all(pool)
            .await?
        }
        None => {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "{COLUMNS} ORDER BY seq DESC LIMIT $1"
            )))
            .bind(limit)
            .fetch_all(pool)
            .await?
        }
    };
    let mut entries = rows
        .iter()
        .map(|row| {
            Ok(AuditEntry {
                seq: row.try_get(0)?,
                recorded_at_us: row.try_get(1)?,
                actor: row.try_get(2)?,
                action: row.try_get(3)?,
                entity: row.try_get(4)?,
                entity_key: row.try_get(5)?,
                before_json: row.try_get(6)?,
                after_json: row.try_get(7)?,
                reason: row.try_get(8)?,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    entries.reverse();
    Ok(entries)
}
