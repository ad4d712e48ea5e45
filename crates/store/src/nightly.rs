//! The nightly engine's storage (issue 16, migration 24): runs as of a business date,
//! their chunks of debtors, what a chunk is computed from (`ChunkFacts`) and the one
//! transaction that writes a chunk's results and marks it done (`commit_chunk`).
//!
//! **Invariant:** a chunk's results are written in parts of `DEBTORS_PER_PART` debtors,
//! one or more parts (at most `DEBTORS_PER_WRITE` debtors) with the chunk's "written
//! through" mark in one transaction, and a part already written is never written again (the mark moves by a guarded UPDATE inside that
//! transaction): a run killed at any point and started again ends as an uninterrupted
//! run does.
//! **Invariant:** a debtor's accounts are always in one chunk (chunks are ranges of
//! debtor ids), so no step ever sees half a debtor.
//! **Invariant:** facts are read outside the write transaction (agents keep writing
//! while a chunk computes); an account whose ledger or status changed between the read
//! and the write is left for the next night (`ChunkOutcome::changed`), never written
//! from stale facts.

use crate::audit::{AuditEvent, LedgerRow};
use crate::batch::Batch;
use crate::{Actor, Store, StoreError};
use domain::account::HoldKind;
use domain::contact::{Disposition, Reached};
use domain::creditor::CreditorPolicy;
use domain::ledger::{Buckets, Entry};
use domain::money::Amount;
use jiff::civil::Date;
use serde_json::json;
use sqlx::Row;
use std::collections::{BTreeMap, HashMap};

/// Debtors per chunk: a chunk's write transaction holds the audit lock for a few
/// milliseconds (agents' writes wait at most that long), and a killed run redoes at
/// most one chunk per worker.
pub const DEBTORS_PER_CHUNK: i64 = 1_000;
/// How long a worker's lease on a chunk lasts before another worker may take it
/// (`ARREARS_BATCH_LEASE_SECONDS` overrides it: a chunk takes well under a second, so
/// a shorter lease hands a dead worker's chunk on sooner).
pub const LEASE_MS: i64 = 120_000;

fn lease_ms() -> i64 {
    std::env::var("ARREARS_BATCH_LEASE_SECONDS")
        .ok()
        .and_then(|seconds| seconds.parse::<i64>().ok())
        .filter(|seconds| (1..=86_400).contains(seconds))
        .map_or(LEASE_MS, |seconds| seconds * 1_000)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunStatus {
    Running,
    Done,
}

impl RunStatus {
    pub fn code(self) -> &'static str {
        match self {
            RunStatus::Running => "running",
            RunStatus::Done => "done",
        }
    }
    fn parse(code: &str) -> Result<RunStatus, StoreError> {
        match code {
            "running" => Ok(RunStatus::Running),
            "done" => Ok(RunStatus::Done),
            other => Err(StoreError::Corrupt(format!("batch run status {other:?}"))),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Run {
    pub id: i64,
    pub as_of: Date,
    pub replay: bool,
    pub status: RunStatus,
    pub chunks: i64,
    pub chunks_done: i64,
    pub started_at_us: i64,
    pub finished_at_us: Option<i64>,
    pub started_by: String,
    pub strategy_id: Option<i64>,
    pub model_id: Option<i64>,
    /// Counts per step, summed over the chunks (`ChunkCounts`' keys), once done.
    pub summary: Option<serde_json::Value>,
    pub failures: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Chunk {
    pub run_id: i64,
    pub chunk_no: i64,
    pub first_debtor_id: i64,
    pub last_debtor_id: i64,
    /// The last debtor of the parts already written (a chunk resumed after a kill goes
    /// on after it); `first_debtor_id - 1` when none is.
    pub done_through_debtor_id: i64,
}

impl Chunk {
    /// The debtors still to do: `done_through_debtor_id < debtor ≤ last_debtor_id`.
    pub fn remaining(&self) -> (i64, i64) {
        (self.done_through_debtor_id + 1, self.last_debtor_id)
    }
}

/// Debtors written per transaction within a chunk, at most: about a hundred and twenty
/// accounts, some thirty milliseconds of the writer's turn when no one else writes.
pub const DEBTORS_PER_WRITE: usize = 100;

/// Debtors per part: a transaction ends after the part it is writing when a person's
/// write starts waiting, so this is what an agent waits for at most (a few
/// milliseconds), besides the commit.
pub const DEBTORS_PER_PART: usize = 8;

/// How many times running a transaction of the night may roll back for a person who
/// started waiting before its first part was written (`Store::write_parts`); then
/// it writes its part whoever waits, so a steady stream of people cannot stall it.
pub const YIELDS_IN_A_ROW_MAX: u32 = 3;

/// `DEBTORS_PER_PART`, or `ARREARS_BATCH_DEBTORS_PER_PART` (1 to 1,000).
pub fn debtors_per_part() -> usize {
    std::env::var("ARREARS_BATCH_DEBTORS_PER_PART")
        .ok()
        .and_then(|debtors| debtors.parse::<usize>().ok())
        .filter(|debtors| (1..=1_000).contains(debtors))
        .unwrap_or(DEBTORS_PER_PART)
}

/// `DEBTORS_PER_WRITE`, or `ARREARS_BATCH_DEBTORS_PER_WRITE` (1 to 1,000).
pub fn debtors_per_write() -> usize {
    std::env::var("ARREARS_BATCH_DEBTORS_PER_WRITE")
        .ok()
        .and_then(|debtors| debtors.parse::<usize>().ok())
        .filter(|debtors| (1..=1_000).contains(debtors))
        .unwrap_or(DEBTORS_PER_WRITE)
}

/// One account as the nightly steps see it.
#[derive(Clone, Debug)]
pub struct NightlyAccount {
    pub id: i64,
    pub debtor_id: i64,
    pub creditor_id: i64,
    pub creditor_code: String,
    pub account_ref: String,
    pub product: String,
    pub currency: String,
    pub status: String,
    pub delinquent_since: Date,
    pub placed_on: Date,
    pub apr_bps: i64,
    pub statute_expires_on: Option<Date>,
    pub time_barred_on: Option<Date>,
    pub validation_notice_sent_at_us: Option<i64>,
    pub balance: Buckets,
    /// The balance at placement (the placement entries).
    pub placed_minor: i64,
    /// (effective date, principal movement) of every entry, in id order.
    pub principal_movements: Vec<(Date, i64)>,
    /// Interest the nightly accrual has posted so far (entries with `ACCRUAL_MEMO`).
    pub accrued_interest_minor: i64,
    pub last_bucket: Option<String>,
    pub state: Option<String>,
    pub language: String,
    pub holds: Vec<HoldKind>,
    pub has_phone: bool,
    pub has_email: bool,
    pub attempts_30d: u32,
    pub conversations_90d: u32,
    pub last_contact_at_us: Option<i64>,
    pub promises_kept: u32,
    pub promises_broken: u32,
    pub promise_open: bool,
    /// The last due date of the latest broken promise (about when it broke).
    pub last_broken_promise_on: Option<Date>,
    pub arrangement_running: bool,
    /// The treatment steps compliance refused that wait to be tried again (pending
    /// after a try), the first of each path: a path waits for its refused step
    /// (`app::nightly::Steps`).
    pub refused_steps: Vec<RefusedStep>,
    /// Whether the compliance pipeline allows a call on one of its phones tomorrow
    /// (`app::nightly`, which asks it; `false` until asked, so an account nobody asked
    /// about is never queued).
    pub call_allowed_tomorrow: bool,
    pub payments: u32,
    pub last_payment_on: Option<Date>,
    pub collected_minor: i64,
    pub previous: Option<Nightly>,
}

/// A treatment step compliance refused, waiting to be tried again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefusedStep {
    pub segment: String,
    pub segment_since: Date,
    pub arm: String,
    pub step_no: i64,
}

/// What the engine last decided for an account (`account_nightly`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Nightly {
    pub as_of: Date,
    pub score: Option<i64>,
    pub score_reasons: Option<String>,
    pub segment: Option<String>,
    pub segment_since: Option<Date>,
    pub arm: Option<String>,
    pub steps_done: i64,
    pub queue_priority: i64,
}

pub struct ChunkFacts {
    pub accounts: Vec<NightlyAccount>,
    /// The largest ledger entry id when the facts were read: an account with a later
    /// entry at write time changed underneath (`ChunkOutcome::changed`).
    pub ledger_high_water: i64,
}

/// An interest posting: `amount` is the nightly accrual (positive: Reason::Interest;
/// negative after a backdated payment: Reason::Adjustment of the interest bucket).
#[derive(Clone, Debug)]
pub struct InterestPosting {
    pub account_id: i64,
    pub entry: Entry,
}

#[derive(Clone, Debug)]
pub struct AgingMove {
    pub account_id: i64,
    pub bucket: String,
    pub days_past_due: u32,
}

#[derive(Clone, Debug)]
pub struct StrategyAction {
    pub account_id: i64,
    pub segment: String,
    pub segment_since: Date,
    pub arm: String,
    pub step_no: i64,
    /// `letter`, `email`, `sms`, `call`, `review`, `escalate`.
    pub action: String,
    /// The template, priority, question or escalation the step names.
    pub detail: String,
}

/// Everything one chunk writes.
#[derive(Clone, Debug, Default)]
pub struct ChunkWrites {
    pub interest: Vec<InterestPosting>,
    pub aging: Vec<AgingMove>,
    /// Accounts whose statute of limitations ran out (time-barred as of the run's date).
    pub time_barred: Vec<i64>,
    pub nightly: Vec<(i64, Nightly)>,
    /// Each account's balance (minor units) after tonight's accrual: its ledger as read
    /// plus `interest` (an account whose ledger moved meanwhile is not written).
    pub balances: Vec<(i64, i64)>,
    pub actions: Vec<StrategyAction>,
    /// Counts per step for the run's summary (`{"accrue": {"accounts": 3, …}, …}`).
    pub counts: serde_json::Map<String, serde_json::Value>,
}

/// A part of a chunk: its debtors `after < debtor ≤ through` and what to write for them.
#[derive(Clone, Debug)]
pub struct Part {
    pub after: i64,
    pub through: i64,
    /// How many debtors it holds (a transaction's share of `debtors_per_write()`).
    pub debtors: usize,
    pub writes: ChunkWrites,
}

impl Part {
    /// Takes in the part that follows this one: one part covering both.
    fn absorb(&mut self, next: Part) {
        assert_eq!(self.through, next.after, "only the next part is absorbed");
        self.through = next.through;
        self.debtors += next.debtors;
        let writes = next.writes;
        self.writes.interest.extend(writes.interest);
        self.writes.aging.extend(writes.aging);
        self.writes.time_barred.extend(writes.time_barred);
        self.writes.nightly.extend(writes.nightly);
        self.writes.balances.extend(writes.balances);
        self.writes.actions.extend(writes.actions);
        add_counts(
            &mut self.writes.counts,
            &serde_json::Value::Object(writes.counts),
        );
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChunkOutcome {
    /// Written; the accounts that changed while the chunk computed were left alone.
    Written { changed: Vec<i64> },
    /// Another worker finished this chunk first (its lease had expired): nothing written.
    AlreadyDone,
}

/// The memo of every accrual entry: how the accrual finds what it posted before.
pub const ACCRUAL_MEMO: &str = "nightly interest accrual";

fn date(text: &str) -> Result<Date, StoreError> {
    text.parse()
        .map_err(|_| StoreError::Corrupt(format!("stored date {text:?}")))
}

fn optional_date(text: Option<String>) -> Result<Option<Date>, StoreError> {
    text.as_deref().map(date).transpose()
}

fn run_of(row: &sqlx::any::AnyRow) -> Result<Run, StoreError> {
    let summary: Option<String> = row.try_get(10)?;
    Ok(Run {
        id: row.try_get(0)?,
        as_of: date(&row.try_get::<String, _>(1)?)?,
        replay: row.try_get::<i64, _>(2)? == 1,
        status: RunStatus::parse(&row.try_get::<String, _>(3)?)?,
        chunks: row.try_get(4)?,
        started_at_us: row.try_get(5)?,
        finished_at_us: row.try_get(6)?,
        started_by: row.try_get(7)?,
        strategy_id: row.try_get(8)?,
        model_id: row.try_get(9)?,
        summary: summary
            .map(|text| serde_json::from_str(&text))
            .transpose()
            .map_err(|_| StoreError::Corrupt("batch run summary".into()))?,
        chunks_done: row.try_get(11)?,
        failures: row.try_get(12)?,
    })
}

const RUN_COLUMNS: &str = "r.id, r.as_of, r.replay, r.status, r.chunks, r.started_at_us, r.finished_at_us, r.started_by, r.strategy_id, r.model_id, r.summary_json, \
    (SELECT COUNT(*) FROM batch_chunks k WHERE k.run_id = r.id AND k.done_at_us IS NOT NULL), \
    (SELECT COUNT(*) FROM batch_chunks k WHERE k.run_id = r.id AND k.failure IS NOT NULL)";

/// The dispositions that mean someone on the consumer's side spoke with the collector.
fn conversation_codes() -> String {
    let codes: Vec<String> = Disposition::ALL
        .iter()
        .filter(|disposition| disposition.reached() == Reached::Conversation)
        .map(|disposition| format!("'{}'", disposition.code()))
        .collect();
    codes.join(", ")
}

impl Store {
    /// The latest date a run finished for.
    pub async fn last_batch_date(&self) -> Result<Option<Date>, StoreError> {
        let latest: Option<String> =
            sqlx::query_scalar("SELECT MAX(as_of) FROM batch_runs WHERE status = 'done'")
                .fetch_one(&self.pool)
                .await?;
        optional_date(latest)
    }

    /// The newest run for `as_of`, done or not.
    pub async fn batch_run_for(&self, as_of: Date) -> Result<Option<Run>, StoreError> {
        let sql = format!(
            "SELECT {RUN_COLUMNS} FROM batch_runs r WHERE r.as_of = $1 ORDER BY r.id DESC LIMIT 1"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(as_of.to_string())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(run_of).transpose()
    }

    /// A run by id.
    pub async fn batch_run(&self, id: i64) -> Result<Run, StoreError> {
        let sql = format!("SELECT {RUN_COLUMNS} FROM batch_runs r WHERE r.id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("no batch run {id}")))?;
        run_of(&row)
    }

    /// The runs still in progress, oldest first (what `batch worker` looks for).
    pub async fn running_batch_runs(&self) -> Result<Vec<Run>, StoreError> {
        let sql = format!(
            "SELECT {RUN_COLUMNS} FROM batch_runs r WHERE r.status = 'running' ORDER BY r.id"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(run_of).collect()
    }

    /// The last `limit` runs, newest first (the managers' page).
    pub async fn batch_runs(&self, limit: i64) -> Result<Vec<Run>, StoreError> {
        let sql = format!("SELECT {RUN_COLUMNS} FROM batch_runs r ORDER BY r.id DESC LIMIT $1");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(run_of).collect()
    }

    /// Opens the run for `as_of`, or the one already running for it (a killed run
    /// resumes): its chunks are fixed when it opens, so a resumed run redoes exactly the
    /// chunks it had not finished.
    pub async fn open_batch_run(
        &self,
        actor: &Actor,
        as_of: Date,
        replay: bool,
        strategy_id: Option<i64>,
        model_id: Option<i64>,
    ) -> Result<Run, StoreError> {
        if let Some(run) = self.batch_run_for(as_of).await?
            && run.status == RunStatus::Running
        {
            return Ok(run);
        }
        let chunks = self.debtor_chunks(DEBTORS_PER_CHUNK).await?;
        // Behind people, and not a person's write (`Store::people_writing`).
        let mut tx = self.write_behind().await?;
        // Checked again under the lock: two processes starting the same night open one run.
        let running: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM batch_runs WHERE as_of = $1 AND status = 'running' ORDER BY id DESC LIMIT 1",
        )
        .bind(as_of.to_string())
        .fetch_optional(tx.conn())
        .await?;
        if let Some(id) = running {
            tx.rollback().await?;
            return self.batch_run(id).await;
        }
        let id = tx.next_id("batch_runs").await?;
        let seq = tx
            .audit(AuditEvent {
                actor: &actor.name,
                action: "batch.run.opened",
                entity: "batch_run",
                entity_key: &id.to_string(),
                before: None,
                after: Some(json!({
                    "as_of": as_of.to_string(), "replay": replay, "chunks": chunks.len(),
                    "strategy": strategy_id, "model": model_id,
                })),
                reason: if replay {
                    "nightly run replayed"
                } else {
                    "nightly run"
                },
            })
            .await?;
        sqlx::query(
            "INSERT INTO batch_runs (id, as_of, replay, status, chunks, debtors_per_chunk, strategy_id, model_id, started_at_us, started_by, audit_seq) \
             VALUES ($1, $2, $3, 'running', $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(id)
        .bind(as_of.to_string())
        .bind(i64::from(replay))
        .bind(chunks.len() as i64)
        .bind(DEBTORS_PER_CHUNK)
        .bind(strategy_id)
        .bind(model_id)
        .bind(tx.now_us())
        .bind(&actor.name)
        .bind(seq)
        .execute(tx.conn())
        .await?;
        let mut batch = Batch::new(
            self.engine,
            "batch_chunks",
            &["run_id", "chunk_no", "first_debtor_id", "last_debtor_id"],
            "",
        )
        .with_constants(vec![("tries", crate::batch::Literal::Int(0))]);
        for (chunk_no, (first, last)) in chunks.iter().enumerate() {
            batch.push([
                id.into(),
                (chunk_no as i64).into(),
                (*first).into(),
                (*last).into(),
            ]);
            if batch.is_full() {
                batch.flush(tx.conn()).await?;
            }
        }
        batch.flush(tx.conn()).await?;
        tx.commit().await?;
        self.batch_run(id).await
    }

    /// Leases the next chunk of `run_id` no one holds (or whose holder's lease ran out)
    /// to `worker` until `LEASE_MS` from now. None when every chunk is done or leased.
    /// PostgreSQL: `FOR UPDATE SKIP LOCKED`, so workers never queue on each other.
    pub async fn lease_chunk(
        &self,
        run_id: i64,
        worker: &str,
    ) -> Result<Option<Chunk>, StoreError> {
        // Leases are about processes being alive: the machine's clock, even when the
        // business clock is pinned.
        let now_us = jiff::Timestamp::now().as_microsecond();
        let (_turn, mut tx) = self.unaudited_write_behind().await?;
        let pick = match self.engine {
            crate::Engine::Sqlite => {
                "SELECT chunk_no FROM batch_chunks WHERE run_id = $1 AND done_at_us IS NULL \
                 AND (lease_until_us IS NULL OR lease_until_us < $2) ORDER BY chunk_no LIMIT 1"
            }
            crate::Engine::Postgres => {
                "SELECT chunk_no FROM batch_chunks WHERE run_id = $1 AND done_at_us IS NULL \
                 AND (lease_until_us IS NULL OR lease_until_us < $2) ORDER BY chunk_no LIMIT 1 FOR UPDATE SKIP LOCKED"
            }
        };
        let chunk_no: Option<i64> = sqlx::query_scalar(pick)
            .bind(run_id)
            .bind(now_us)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(chunk_no) = chunk_no else {
            tx.rollback().await?;
            return Ok(None);
        };
        let row = sqlx::query(
            "UPDATE batch_chunks SET leased_by = $1, lease_until_us = $2, tries = tries + 1 \
             WHERE run_id = $3 AND chunk_no = $4 RETURNING first_debtor_id, last_debtor_id, done_through_debtor_id",
        )
        .bind(worker)
        .bind(now_us + lease_ms() * 1_000)
        .bind(run_id)
        .bind(chunk_no)
        .fetch_one(&mut *tx)
        .await?;
        let first_debtor_id: i64 = row.try_get(0)?;
        let done_through: Option<i64> = row.try_get(2)?;
        let chunk = Chunk {
            run_id,
            chunk_no,
            first_debtor_id,
            last_debtor_id: row.try_get(1)?,
            done_through_debtor_id: done_through.unwrap_or(first_debtor_id - 1),
        };
        tx.commit().await?;
        Ok(Some(chunk))
    }

    /// Records that a chunk failed (the lease is given up so another try may follow);
    /// the run stays open.
    pub async fn fail_chunk(&self, chunk: &Chunk, failure: &str) -> Result<(), StoreError> {
        let (_turn, mut tx) = self.unaudited_write_behind().await?;
        sqlx::query(
            "UPDATE batch_chunks SET failure = $1, lease_until_us = NULL WHERE run_id = $2 AND chunk_no = $3 AND done_at_us IS NULL",
        )
        .bind(failure)
        .bind(chunk.run_id)
        .bind(chunk.chunk_no)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Every creditor's policy, by creditor id.
    pub async fn creditor_policies(&self) -> Result<HashMap<i64, CreditorPolicy>, StoreError> {
        let rows = sqlx::query("SELECT id, policy FROM creditors")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                let policy: String = row.try_get(1)?;
                let policy = CreditorPolicy::from_text(&policy)
                    .map_err(|error| StoreError::Corrupt(error.to_string()))?;
                Ok((row.try_get(0)?, policy))
            })
            .collect()
    }

    /// What the steps compute a chunk's accounts from, as of `as_of` (attempts and
    /// contacts counted back from the end of that day in the business zone). Active
    /// accounts only: the others are neither accrued, aged, scored nor worked.
    pub async fn chunk_facts(&self, chunk: &Chunk, as_of: Date) -> Result<ChunkFacts, StoreError> {
        let mut connection = self.pool.acquire().await?;
        let (first, last) = chunk.remaining();
        let ledger_high_water: i64 =
            sqlx::query_scalar("SELECT CAST(COALESCE(MAX(id), 0) AS BIGINT) FROM ledger_entries")
                .fetch_one(&mut *connection)
                .await?;
        // The debtor range alone picks the rows (through `accounts_debtor`); a status
        // condition in SQL lets SQLite's planner prefer the status-led queue index and
        // scan every active account of the portfolio for each chunk (measured: 16 ms a
        // statement at 100,000 accounts, growing with the portfolio). Inactive accounts
        // are dropped here, and their rows below by the index lookup.
        let in_chunk = "a.debtor_id BETWEEN $1 AND $2";
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT a.id, a.debtor_id, a.creditor_id, c.code, a.account_ref, a.product, a.currency, a.status, \
             a.delinquent_since, a.placed_on, a.apr_bps, a.statute_expires_on, a.time_barred_on, a.validation_notice_sent_at_us, \
             d.state, d.language \
             FROM accounts a JOIN creditors c ON c.id = a.creditor_id JOIN debtors d ON d.id = a.debtor_id \
             WHERE {in_chunk} ORDER BY a.debtor_id, a.id"
        )))
        .bind(first)
        .bind(last)
        .fetch_all(&mut *connection)
        .await?;
        let mut accounts: Vec<NightlyAccount> = Vec::with_capacity(rows.len());
        let mut index: HashMap<i64, usize> = HashMap::with_capacity(rows.len());
        let mut by_debtor: BTreeMap<i64, Vec<usize>> = BTreeMap::new();
        for row in &rows {
            let status: String = row.try_get(7)?;
            if status != "active" {
                continue;
            }
            let id: i64 = row.try_get(0)?;
            let debtor_id: i64 = row.try_get(1)?;
            index.insert(id, accounts.len());
            by_debtor.entry(debtor_id).or_default().push(accounts.len());
            accounts.push(NightlyAccount {
                id,
                debtor_id,
                creditor_id: row.try_get(2)?,
                creditor_code: row.try_get(3)?,
                account_ref: row.try_get(4)?,
                product: row.try_get(5)?,
                currency: row.try_get(6)?,
                status,
                delinquent_since: date(&row.try_get::<String, _>(8)?)?,
                placed_on: date(&row.try_get::<String, _>(9)?)?,
                apr_bps: row.try_get(10)?,
                statute_expires_on: optional_date(row.try_get(11)?)?,
                time_barred_on: optional_date(row.try_get(12)?)?,
                validation_notice_sent_at_us: row.try_get(13)?,
                balance: Buckets::ZERO,
                placed_minor: 0,
                principal_movements: Vec::new(),
                accrued_interest_minor: 0,
                last_bucket: None,
                state: row.try_get(14)?,
                language: row.try_get(15)?,
                holds: Vec::new(),
                has_phone: false,
                has_email: false,
                attempts_30d: 0,
                conversations_90d: 0,
                last_contact_at_us: None,
                promises_kept: 0,
                promises_broken: 0,
                promise_open: false,
                last_broken_promise_on: None,
                arrangement_running: false,
                refused_steps: Vec::new(),
                call_allowed_tomorrow: false,
                payments: 0,
                last_payment_on: None,
                collected_minor: 0,
                previous: None,
            });
        }
        if accounts.is_empty() {
            return Ok(ChunkFacts {
                accounts,
                ledger_high_water,
            });
        }
        let chunk_accounts = "SELECT a.id FROM accounts a WHERE a.debtor_id BETWEEN $1 AND $2";
        // The ledger, in id order: balances, principal by date, what accrual posted.
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT e.account_id, e.reason, e.principal_minor, e.interest_minor, e.fees_minor, e.effective_on, e.memo \
             FROM ledger_entries e WHERE e.account_id IN ({chunk_accounts}) ORDER BY e.account_id, e.id"
        )))
        .bind(first)
        .bind(last)
        .fetch_all(&mut *connection)
        .await?;
        for row in &rows {
            let Some(&at) = index.get(&row.try_get::<i64, _>(0)?) else {
                continue;
            };
            let account = &mut accounts[at];
            let reason: String = row.try_get(1)?;
            let amounts = Buckets {
                principal: Amount::from_minor(row.try_get(2)?),
                interest: Amount::from_minor(row.try_get(3)?),
                fees: Amount::from_minor(row.try_get(4)?),
            };
            account.balance = account.balance.checked_add(&amounts).ok_or_else(|| {
                StoreError::Corrupt(format!("account {}: balance overflows", account.id))
            })?;
            let effective_on = date(&row.try_get::<String, _>(5)?)?;
            if amounts.principal.minor() != 0 {
                account
                    .principal_movements
                    .push((effective_on, amounts.principal.minor()));
            }
            let memo: Option<String> = row.try_get(6)?;
            if memo.as_deref() == Some(ACCRUAL_MEMO) {
                account.accrued_interest_minor += amounts.interest.minor();
            }
            match reason.as_str() {
                "placement" => {
                    account.placed_minor += amounts.total().map(Amount::minor).unwrap_or(0);
                }
                "payment" => {
                    account.payments += 1;
                    account.collected_minor -= amounts.total().map(Amount::minor).unwrap_or(0);
                    if account.last_payment_on.is_none_or(|on| on < effective_on) {
                        account.last_payment_on = Some(effective_on);
                    }
                }
                _ => {}
            }
        }
        // The bucket each account was last aged into.
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT m.account_id, m.bucket FROM aging_moves m WHERE m.account_id IN ({chunk_accounts}) ORDER BY m.account_id, m.id"
        )))
        .bind(first)
        .bind(last)
        .fetch_all(&mut *connection)
        .await?;
        for row in &rows {
            if let Some(&at) = index.get(&row.try_get::<i64, _>(0)?) {
                accounts[at].last_bucket = Some(row.try_get(1)?);
            }
        }
        // Open holds.
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT h.account_id, h.kind FROM account_holds h WHERE h.released_at_us IS NULL AND h.account_id IN ({chunk_accounts}) ORDER BY h.account_id, h.id"
        )))
        .bind(first)
        .bind(last)
        .fetch_all(&mut *connection)
        .await?;
        for row in &rows {
            if let Some(&at) = index.get(&row.try_get::<i64, _>(0)?) {
                let kind: String = row.try_get(1)?;
                let kind = HoldKind::parse(&kind)
                    .ok_or_else(|| StoreError::Corrupt(format!("hold kind {kind:?}")))?;
                accounts[at].holds.push(kind);
            }
        }
        // Contact points: the debtor's usable phones and emails.
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT p.debtor_id, p.kind FROM contact_points p WHERE p.debtor_id BETWEEN $1 AND $2 AND p.status IN ({usable})",
            usable = crate::dialer::usable_statuses(),
        )))
        .bind(first)
        .bind(last)
        .fetch_all(&mut *connection)
        .await?;
        for row in &rows {
            let debtor_id: i64 = row.try_get(0)?;
            let kind: String = row.try_get(1)?;
            let is_phone =
                domain::party::ContactKind::parse(&kind).is_some_and(|kind| kind.is_phone());
            for &at in by_debtor.get(&debtor_id).into_iter().flatten() {
                if is_phone {
                    accounts[at].has_phone = true;
                } else if kind == "email" {
                    accounts[at].has_email = true;
                }
            }
        }
        // Attempts in the last 30 days, conversations in the last 90, the last contact.
        let end_us = as_of
            .tomorrow()
            .ok()
            .and_then(|day| self.business_zone.to_timestamp(day.at(0, 0, 0, 0)).ok())
            .map(|instant| instant.as_microsecond())
            .ok_or_else(|| StoreError::Invalid(format!("no day after {as_of}")))?;
        let day_us: i64 = 86_400_000_000;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT t.account_id, t.at_us, CASE WHEN t.disposition IN ({conversations}) THEN 1 ELSE 0 END \
             FROM contact_attempts t WHERE t.account_id IN ({chunk_accounts}) AND t.at_us < $3",
            conversations = conversation_codes(),
        )))
        .bind(first)
        .bind(last)
        .bind(end_us)
        .fetch_all(&mut *connection)
        .await?;
        for row in &rows {
            if let Some(&at) = index.get(&row.try_get::<i64, _>(0)?) {
                let at_us: i64 = row.try_get(1)?;
                let conversation = row.try_get::<i64, _>(2)? == 1;
                let account = &mut accounts[at];
                if at_us >= end_us - 30 * day_us {
                    account.attempts_30d += 1;
                }
                if conversation && at_us >= end_us - 90 * day_us {
                    account.conversations_90d += 1;
                }
                if account.last_contact_at_us.is_none_or(|last| last < at_us) {
                    account.last_contact_at_us = Some(at_us);
                }
            }
        }
        // Promises by outcome; running arrangements.
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT p.account_id, p.status FROM promises p WHERE p.account_id IN ({chunk_accounts})"
        )))
        .bind(first)
        .bind(last)
        .fetch_all(&mut *connection)
        .await?;
        for row in &rows {
            if let Some(&at) = index.get(&row.try_get::<i64, _>(0)?) {
                let status: String = row.try_get(1)?;
                match domain::arrangement::PromiseStatus::parse(&status) {
                    Some(domain::arrangement::PromiseStatus::Kept) => {
                        accounts[at].promises_kept += 1
                    }
                    Some(domain::arrangement::PromiseStatus::Broken) => {
                        accounts[at].promises_broken += 1
                    }
                    Some(domain::arrangement::PromiseStatus::Open) => {
                        accounts[at].promise_open = true
                    }
                    Some(_) => {}
                    None => return Err(StoreError::Corrupt(format!("promise status {status:?}"))),
                }
            }
        }
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT p.account_id, MAX(pp.due_on) FROM promises p JOIN promise_payments pp ON pp.promise_id = p.id \
             WHERE p.status = 'broken' AND p.account_id IN ({chunk_accounts}) GROUP BY p.account_id"
        )))
        .bind(first)
        .bind(last)
        .fetch_all(&mut *connection)
        .await?;
        for row in &rows {
            if let Some(&at) = index.get(&row.try_get::<i64, _>(0)?) {
                accounts[at].last_broken_promise_on = optional_date(row.try_get(1)?)?;
            }
        }
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT r.account_id, r.status FROM arrangements r WHERE r.account_id IN ({chunk_accounts})"
        )))
        .bind(first)
        .bind(last)
        .fetch_all(&mut *connection)
        .await?;
        for row in &rows {
            if let Some(&at) = index.get(&row.try_get::<i64, _>(0)?) {
                let status: String = row.try_get(1)?;
                let status = domain::arrangement::ArrangementStatus::parse(&status)
                    .ok_or_else(|| StoreError::Corrupt(format!("arrangement status {status:?}")))?;
                if status.is_running() {
                    accounts[at].arrangement_running = true;
                }
            }
        }
        // Treatment steps refused and waiting for their retry: their paths wait.
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT s.account_id, s.segment, s.segment_since, s.arm, MIN(s.step_no) FROM strategy_actions s \
             WHERE s.status = 'pending' AND s.tries > 0 AND s.account_id IN ({chunk_accounts}) \
             GROUP BY s.account_id, s.segment, s.segment_since, s.arm"
        )))
        .bind(first)
        .bind(last)
        .fetch_all(&mut *connection)
        .await?;
        for row in &rows {
            if let Some(&at) = index.get(&row.try_get::<i64, _>(0)?) {
                accounts[at].refused_steps.push(RefusedStep {
                    segment: row.try_get(1)?,
                    segment_since: date(&row.try_get::<String, _>(2)?)?,
                    arm: row.try_get(3)?,
                    step_no: row.try_get(4)?,
                });
            }
        }
        // What the engine decided last time.
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT n.account_id, n.as_of, n.score, n.score_reasons, n.segment, n.segment_since, n.arm, n.steps_done, n.queue_priority \
             FROM account_nightly n WHERE n.account_id IN ({chunk_accounts})"
        )))
        .bind(first)
        .bind(last)
        .fetch_all(&mut *connection)
        .await?;
        for row in &rows {
            if let Some(&at) = index.get(&row.try_get::<i64, _>(0)?) {
                accounts[at].previous = Some(Nightly {
                    as_of: date(&row.try_get::<String, _>(1)?)?,
                    score: row.try_get(2)?,
                    score_reasons: row.try_get(3)?,
                    segment: row.try_get(4)?,
                    segment_since: optional_date(row.try_get(5)?)?,
                    arm: row.try_get(6)?,
                    steps_done: row.try_get(7)?,
                    queue_priority: row.try_get(8)?,
                });
            }
        }
        Ok(ChunkFacts {
            accounts,
            ledger_high_water,
        })
    }

    /// Reviews the promises and arrangements of a chunk's accounts as of `as_of` (the
    /// monitoring step; idempotent for a date: what was kept, broken or completed stays so).
    pub async fn review_chunk(
        &self,
        actor: &Actor,
        chunk: &Chunk,
        as_of: Date,
    ) -> Result<u64, StoreError> {
        let (first, last) = chunk.remaining();
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT a.id FROM accounts a WHERE a.debtor_id BETWEEN $1 AND $2 ORDER BY a.id",
        )
        .bind(first)
        .bind(last)
        .fetch_all(&self.pool)
        .await?;
        if ids.is_empty() {
            return Ok(0);
        }
        // Most chunks have nothing to review: asked first without the writer's turn
        // (an agent's promise made meanwhile is reviewed by its own write or tomorrow).
        {
            let mut connection = self.pool.acquire().await?;
            if crate::arrangements::reviewable(&mut connection, &ids)
                .await?
                .is_empty()
                && !crate::arrangements::any_running_on_inactive(&mut connection, &ids).await?
            {
                return Ok(0);
            }
        }
        let mut tx = self.write_behind().await?;
        let changes = crate::arrangements::review_as_of(&mut tx, &ids, as_of, actor).await?;
        if changes == 0 {
            tx.rollback().await?;
        } else {
            tx.commit().await?;
        }
        Ok(changes)
    }

    /// Writes the results of a chunk's remaining `parts`, in order, each part's debtors
    /// with the chunk's "written through" mark, and the chunk done once its last
    /// debtor's part is written. Parts go in transactions of up to `debtors_per_write()`
    /// debtors, begun behind people's writes ([`Store::write_behind`]); a transaction
    /// ends early, after the part it is writing, when a person's write of this process
    /// starts waiting for the audit lock, so an agent waits for at most one part.
    /// A part already written, or written by another worker, is not written again
    /// (`AlreadyDone`). Accounts with a ledger entry after `ledger_high_water` (an agent
    /// posted while the chunk computed, or between two of these transactions) or no
    /// longer active are left out: `Written::changed`.
    #[allow(clippy::too_many_arguments)]
    pub async fn commit_chunk_parts(
        &self,
        actor: &Actor,
        chunk: &Chunk,
        as_of: Date,
        ledger_high_water: i64,
        parts: Vec<Part>,
        mut elapsed_us: i64,
    ) -> Result<ChunkOutcome, StoreError> {
        assert!(
            parts
                .windows(2)
                .all(|pair| pair[0].through == pair[1].after)
                && parts
                    .first()
                    .is_none_or(|part| part.after == chunk.done_through_debtor_id)
                && parts
                    .last()
                    .is_none_or(|part| part.through == chunk.last_debtor_id)
                && parts.iter().all(|part| part.after < part.through),
            "parts tile the chunk's remaining debtors, in order"
        );
        let per_write = debtors_per_write();
        let mut changed = Vec::new();
        let mut parts: std::collections::VecDeque<Part> = parts.into();
        // Transactions rolled back for a person since the last one written (which
        // counts them).
        let mut yielded = 0;
        while !parts.is_empty() {
            let may_yield = yielded < YIELDS_IN_A_ROW_MAX;
            match self
                .write_parts(
                    actor,
                    chunk,
                    as_of,
                    ledger_high_water,
                    &mut parts,
                    per_write,
                    elapsed_us,
                    may_yield,
                    yielded,
                )
                .await?
            {
                None => {
                    yielded += 1;
                    continue;
                }
                Some(ChunkOutcome::Written { changed: more }) => changed.extend(more),
                Some(ChunkOutcome::AlreadyDone) => return Ok(ChunkOutcome::AlreadyDone),
            }
            yielded = 0;
            elapsed_us = 0;
        }
        Ok(ChunkOutcome::Written { changed })
    }

    /// One transaction of [`Store::commit_chunk_parts`]: parts from the front of
    /// `parts` until `per_write` debtors are written, the chunk's end, or a person's
    /// write waits. While people write (`people_writing`) and `may_yield`, a person
    /// who starts waiting before the transaction's first part is written makes it roll
    /// back at once, the part put back: `None`, nothing written.
    #[allow(clippy::too_many_arguments)]
    async fn write_parts(
        &self,
        actor: &Actor,
        chunk: &Chunk,
        as_of: Date,
        ledger_high_water: i64,
        parts: &mut std::collections::VecDeque<Part>,
        per_write: usize,
        elapsed_us: i64,
        may_yield: bool,
        yielded: u32,
    ) -> Result<Option<ChunkOutcome>, StoreError> {
        let started = std::time::Instant::now();
        let mut marks: Vec<(&str, u128)> = Vec::with_capacity(10);
        let mut mark = |step: &'static str| marks.push((step, started.elapsed().as_micros()));
        let Some(first) = parts.front() else {
            return Ok(Some(ChunkOutcome::Written {
                changed: Vec::new(),
            }));
        };
        let after = first.after;
        // The furthest this transaction may reach: the debtors it may check at once.
        let mut reach = first.through;
        let mut debtors = 0;
        for part in parts.iter() {
            if debtors > 0 && debtors + part.debtors > per_write {
                break;
            }
            debtors += part.debtors;
            reach = part.through;
        }
        let mut tx = self.write_behind().await?;
        mark("lock");
        let now_us = tx.now_us();
        // The guard, and the chunk's counts so far (these parts' are added at the end).
        let guarded: Option<Option<String>> = sqlx::query_scalar(
            "UPDATE batch_chunks SET failure = NULL \
             WHERE run_id = $1 AND chunk_no = $2 AND done_at_us IS NULL AND COALESCE(done_through_debtor_id, first_debtor_id - 1) = $3 \
             RETURNING counts_json",
        )
        .bind(chunk.run_id)
        .bind(chunk.chunk_no)
        .bind(after)
        .fetch_optional(tx.conn())
        .await?;
        let Some(counts_before) = guarded else {
            tx.rollback().await?;
            return Ok(Some(ChunkOutcome::AlreadyDone));
        };
        let changed_rows = sqlx::query(
            "SELECT DISTINCT a.id, a.debtor_id FROM ledger_entries e JOIN accounts a ON a.id = e.account_id \
             WHERE a.debtor_id > $1 AND a.debtor_id <= $2 AND e.id > $3 \
             UNION SELECT a.id, a.debtor_id FROM accounts a WHERE a.debtor_id > $1 AND a.debtor_id <= $2 AND a.status <> 'active' \
             ORDER BY 1",
        )
        .bind(after)
        .bind(reach)
        .bind(ledger_high_water)
        .fetch_all(tx.conn())
        .await?;
        let mut changed_within: Vec<(i64, i64)> = Vec::with_capacity(changed_rows.len());
        for row in &changed_rows {
            changed_within.push((row.try_get(0)?, row.try_get(1)?));
        }
        let changed_set: std::collections::HashSet<i64> =
            changed_within.iter().map(|(id, _)| *id).collect();
        mark("guard+changed");
        // Every row written here references this event; what it says is known at the end.
        let seq = tx.reserve_event().await?;
        let mut counts = serde_json::Map::new();
        let mut split: [(&str, u128); 5] = [
            ("interest", 0),
            ("aging", 0),
            ("nightly", 0),
            ("accounts", 0),
            ("actions", 0),
        ];
        let mut through = after;
        let mut written = 0;
        // A bite: the parts written by one set of statements. While people write
        // through this process, one part, so the transaction can end after it when one
        // of them waits; otherwise the transaction's whole reach at once (fewer
        // statements: on PostgreSQL each is a round trip).
        let people = self.people_writing();
        let bite = if people { 1 } else { usize::MAX };
        // Yielding: a person waiting before the first part is written rolls the
        // transaction back (one statement, not the part and the transaction's tail);
        // at most `YIELDS_IN_A_ROW_MAX` times running, so the night still moves.
        let yielding = people && may_yield;
        while let Some(first) = parts.pop_front_if(|part| part.through <= reach) {
            let mut bitten = 1;
            let mut part = first;
            while bitten < bite
                && let Some(more) = parts.pop_front_if(|part| part.through <= reach)
            {
                part.absorb(more);
                bitten += 1;
            }
            let mut kept = (yielding && written == 0).then(|| part.clone());
            let mut writes = part.writes;
            writes
                .interest
                .retain(|posting| !changed_set.contains(&posting.account_id));
            writes
                .aging
                .retain(|aging| !changed_set.contains(&aging.account_id));
            writes.time_barred.retain(|id| !changed_set.contains(id));
            writes.nightly.retain(|(id, _)| !changed_set.contains(id));
            writes.balances.retain(|(id, _)| !changed_set.contains(id));
            writes
                .actions
                .retain(|action| !changed_set.contains(&action.account_id));
            // Each kind of row's share of the parts' time, for the debug log.
            let mut clock = std::time::Instant::now();
            let mut lap = |kind: usize| {
                split[kind].1 += clock.elapsed().as_micros();
                clock = std::time::Instant::now();
            };
            for stepped in 0..5 {
                // A person waits while nothing of this transaction is kept yet.
                if self.someone_waiting_to_write()
                    && let Some(part) = kept.take()
                {
                    tx.rollback().await?;
                    parts.push_front(part);
                    tracing::debug!(
                        chunk = chunk.chunk_no,
                        after,
                        stepped,
                        "nightly part yielded to a person"
                    );
                    return Ok(None);
                }
                match stepped {
                    0 => write_interest(&mut tx, &writes.interest, seq).await?,
                    1 => write_aging(&mut tx, as_of, &writes.aging).await?,
                    2 => write_nightly(&mut tx, chunk.run_id, &writes.nightly).await?,
                    3 => write_accounts(&mut tx, as_of, &writes).await?,
                    _ => write_actions(&mut tx, chunk.run_id, as_of, &writes.actions).await?,
                }
                lap(stepped);
            }
            add_counts(&mut counts, &serde_json::Value::Object(writes.counts));
            through = part.through;
            written += bitten;
            if self.someone_waiting_to_write() {
                break;
            }
        }
        mark("parts");
        assert!(
            written > 0 && through > after,
            "a transaction writes at least one part"
        );
        let changed: Vec<i64> = changed_within
            .iter()
            .filter(|(_, debtor_id)| *debtor_id <= through)
            .map(|(id, _)| *id)
            .collect();
        add_counts(
            &mut counts,
            &json!({"chunk": {"changed_while_computing": changed.len(), "parts": written, "writes": 1}}),
        );
        if yielded > 0 {
            add_counts(&mut counts, &json!({"chunk": {"yielded": yielded}}));
        }
        let appended = tx
            .fill_event(AuditEvent {
                actor: &actor.name,
                action: "batch.chunk",
                entity: "batch_run",
                entity_key: &chunk.run_id.to_string(),
                before: None,
                after: Some(json!({
                    "as_of": as_of.to_string(),
                    "chunk": chunk.chunk_no,
                    "debtors_after": after,
                    "debtors_through": through,
                    "counts": counts,
                })),
                reason: "nightly run",
            })
            .await?;
        assert_eq!(appended, seq, "the rows written reference this event");
        mark("audit");
        // The chunk's counts: these parts' added to those written before.
        let mut total = match counts_before.map(|text| serde_json::from_str(&text)) {
            Some(Ok(serde_json::Value::Object(total))) => total,
            Some(_) => return Err(StoreError::Corrupt("batch chunk counts".into())),
            None => serde_json::Map::new(),
        };
        mark("counts read");
        add_counts(&mut total, &serde_json::Value::Object(counts));
        let last = through == chunk.last_debtor_id;
        sqlx::query(
            "UPDATE batch_chunks SET done_through_debtor_id = $1, done_at_us = $2, elapsed_us = COALESCE(elapsed_us, 0) + $3, counts_json = $4 \
             WHERE run_id = $5 AND chunk_no = $6",
        )
        .bind(through)
        .bind(last.then_some(now_us))
        .bind(elapsed_us + started.elapsed().as_micros() as i64)
        .bind(serde_json::Value::Object(total).to_string())
        .bind(chunk.run_id)
        .bind(chunk.chunk_no)
        .execute(tx.conn())
        .await?;
        mark("counts");
        tx.commit().await?;
        mark("commit");
        tracing::debug!(chunk = chunk.chunk_no, through, parts = written, steps_us = ?marks, rows_us = ?split, "nightly parts written");
        Ok(Some(ChunkOutcome::Written { changed }))
    }

    /// Closes a run whose chunks are all done: the summary is the chunks' counts summed.
    /// None while chunks remain.
    pub async fn finish_batch_run(
        &self,
        actor: &Actor,
        run_id: i64,
    ) -> Result<Option<Run>, StoreError> {
        let mut tx = self.write_behind().await?;
        let status: String = sqlx::query_scalar("SELECT status FROM batch_runs WHERE id = $1")
            .bind(run_id)
            .fetch_one(tx.conn())
            .await?;
        if status == RunStatus::Done.code() {
            tx.rollback().await?;
            return self.batch_run(run_id).await.map(Some);
        }
        let rows = sqlx::query(
            "SELECT done_at_us, counts_json FROM batch_chunks WHERE run_id = $1 ORDER BY chunk_no",
        )
        .bind(run_id)
        .fetch_all(tx.conn())
        .await?;
        let mut summary = serde_json::Map::new();
        for row in &rows {
            let done: Option<i64> = row.try_get(0)?;
            if done.is_none() {
                tx.rollback().await?;
                return Ok(None);
            }
            let counts: Option<String> = row.try_get(1)?;
            let counts: serde_json::Value = counts
                .map(|text| serde_json::from_str(&text))
                .transpose()
                .map_err(|_| StoreError::Corrupt("batch chunk counts".into()))?
                .unwrap_or(serde_json::Value::Null);
            add_counts(&mut summary, &counts);
        }
        let summary = serde_json::Value::Object(summary);
        tx.audit(AuditEvent {
            actor: &actor.name,
            action: "batch.run.done",
            entity: "batch_run",
            entity_key: &run_id.to_string(),
            before: None,
            after: Some(summary.clone()),
            reason: "nightly run finished",
        })
        .await?;
        sqlx::query(
            "UPDATE batch_runs SET status = 'done', finished_at_us = $1, summary_json = $2 WHERE id = $3",
        )
        .bind(tx.now_us())
        .bind(summary.to_string())
        .bind(run_id)
        .execute(tx.conn())
        .await?;
        tx.commit().await?;
        self.batch_run(run_id).await.map(Some)
    }
}

/// Adds every number of `counts` into `sum`, key by key (nested objects too).
pub fn add_counts(
    sum: &mut serde_json::Map<String, serde_json::Value>,
    counts: &serde_json::Value,
) {
    let serde_json::Value::Object(counts) = counts else {
        return;
    };
    for (key, value) in counts {
        match value {
            serde_json::Value::Number(number) => {
                let before = sum
                    .get(key)
                    .and_then(serde_json::Value::as_i64)
                    .unwrap_or(0);
                sum.insert(key.clone(), json!(before + number.as_i64().unwrap_or(0)));
            }
            serde_json::Value::Object(_) => {
                let entry = sum
                    .entry(key.clone())
                    .or_insert_with(|| serde_json::Value::Object(serde_json::Map::new()));
                if let serde_json::Value::Object(inner) = entry {
                    add_counts(inner, value);
                }
            }
            _ => {}
        }
    }
}

/// Posts the accrual entries: sealed ledger rows like any other, in multi-row INSERTs.
async fn write_aging(
    tx: &mut crate::audit::WriteTx,
    as_of: Date,
    aging: &[AgingMove],
) -> Result<(), StoreError> {
    if aging.is_empty() {
        return Ok(());
    }
    let mut next_id = tx.next_id("aging_moves").await?;
    let mut batch = Batch::new(
        tx.engine(),
        "aging_moves",
        &["id", "account_id", "bucket", "days_past_due"],
        "",
    )
    .with_constants(vec![
        ("moved_on", crate::batch::Literal::Date(as_of)),
        ("recorded_at_us", crate::batch::Literal::Int(tx.now_us())),
    ]);
    for moved in aging {
        batch.push([
            next_id.into(),
            moved.account_id.into(),
            moved.bucket.clone().into(),
            i64::from(moved.days_past_due).into(),
        ]);
        next_id += 1;
        if batch.is_full() {
            batch.flush(tx.conn()).await?;
        }
    }
    batch.flush(tx.conn()).await
}

async fn write_interest(
    tx: &mut crate::audit::WriteTx,
    postings: &[InterestPosting],
    audit_seq: i64,
) -> Result<(), StoreError> {
    if postings.is_empty() {
        return Ok(());
    }
    let ids: Vec<i64> = postings.iter().map(|posting| posting.account_id).collect();
    let id_list: Vec<String> = ids.iter().map(i64::to_string).collect();
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT account_id, CAST(MAX(seq) AS BIGINT) FROM ledger_entries WHERE account_id IN ({}) GROUP BY account_id",
        id_list.join(", ")
    )))
    .fetch_all(tx.conn())
    .await?;
    let mut seqs: HashMap<i64, i64> = HashMap::new();
    for row in &rows {
        seqs.insert(row.try_get(0)?, row.try_get(1)?);
    }
    let mut next_id = tx.next_id("ledger_entries").await?;
    let now_us = tx.now_us();
    let mut batch = Batch::new(
        tx.engine(),
        "ledger_entries",
        &[
            "id",
            "account_id",
            "seq",
            "reason",
            "principal_minor",
            "interest_minor",
            "fees_minor",
            "effective_on",
            "memo",
            "row_hash",
        ],
        "",
    )
    .with_constants(vec![
        ("recorded_at_us", crate::batch::Literal::Int(now_us)),
        ("audit_seq", crate::batch::Literal::Int(audit_seq)),
    ]);
    for posting in postings {
        let seq = seqs.get(&posting.account_id).copied().unwrap_or(0) + 1;
        seqs.insert(posting.account_id, seq);
        let amounts = posting.entry.amounts();
        let effective_on = posting.entry.effective_on().to_string();
        let row = LedgerRow {
            id: next_id,
            account_id: posting.account_id,
            seq,
            reason: posting.entry.reason().code(),
            principal_minor: amounts.principal.minor(),
            interest_minor: amounts.interest.minor(),
            fees_minor: amounts.fees.minor(),
            effective_on: &effective_on,
            recorded_at_us: now_us,
            corrects_entry_id: None,
            memo: Some(ACCRUAL_MEMO),
            audit_seq,
        };
        let hash = row.hash(tx.seal());
        tx.sealed()
            .add("ledger_entries", crate::seal::hash_sum(&hash));
        batch.push([
            next_id.into(),
            posting.account_id.into(),
            seq.into(),
            posting.entry.reason().code().into(),
            amounts.principal.minor().into(),
            amounts.interest.minor().into(),
            amounts.fees.minor().into(),
            effective_on.into(),
            ACCRUAL_MEMO.into(),
            hash.into(),
        ]);
        next_id += 1;
        if batch.is_full() {
            batch.flush(tx.conn()).await?;
        }
    }
    batch.flush(tx.conn()).await?;
    Ok(())
}

async fn write_nightly(
    tx: &mut crate::audit::WriteTx,
    run_id: i64,
    rows: &[(i64, Nightly)],
) -> Result<(), StoreError> {
    if rows.is_empty() {
        return Ok(());
    }
    let engine = tx.engine();
    let mut batch = Batch::new(
        engine,
        "account_nightly",
        &[
            "account_id",
            "as_of",
            "score",
            "score_reasons",
            "segment",
            "segment_since",
            "arm",
            "steps_done",
            "queue_priority",
        ],
        " ON CONFLICT (account_id) DO UPDATE SET run_id = excluded.run_id, as_of = excluded.as_of, score = excluded.score, \
          score_reasons = excluded.score_reasons, segment = excluded.segment, segment_since = excluded.segment_since, \
          arm = excluded.arm, steps_done = excluded.steps_done, queue_priority = excluded.queue_priority",
    )
    .with_constants(vec![("run_id", crate::batch::Literal::Int(run_id))]);
    for (account_id, nightly) in rows {
        batch.push([
            (*account_id).into(),
            nightly.as_of.to_string().into(),
            nightly.score.into(),
            nightly.score_reasons.clone().into(),
            nightly.segment.clone().into(),
            nightly.segment_since.map(|on| on.to_string()).into(),
            nightly.arm.clone().into(),
            nightly.steps_done.into(),
            nightly.queue_priority.into(),
        ]);
        if batch.is_full() {
            batch.flush(tx.conn()).await?;
        }
    }
    batch.flush(tx.conn()).await?;
    Ok(())
}

/// What the part changed on its accounts' rows — the queue's order (`priority`), the
/// balance after the accrual and the time-barred date — in `UPDATE … FROM (VALUES …)`
/// per `ROWS_PER_STATEMENT_MAX` accounts with the values computed, touching only the
/// rows where one of them changes, each row once (on SQLite first the rows whose
/// balance or time-barred date changes, every column, then those whose priority alone
/// does). Not one statement per column: on PostgreSQL every UPDATE of an indexed column writes a
/// new row version into each of the accounts' indexes, so a row written twice costs
/// twice the index writes; and values rather than subqueries, so no ledger is summed
/// again.
async fn write_accounts(
    tx: &mut crate::audit::WriteTx,
    as_of: Date,
    writes: &ChunkWrites,
) -> Result<(), StoreError> {
    let balances: HashMap<i64, i64> = writes.balances.iter().copied().collect();
    let barred: std::collections::HashSet<i64> = writes.time_barred.iter().copied().collect();
    let rows: Vec<String> = writes
        .nightly
        .iter()
        .filter_map(|(id, nightly)| {
            let balance = balances.get(id)?;
            Some(format!(
                "({id}, {}, {balance}, {})",
                nightly.queue_priority,
                i64::from(barred.contains(id))
            ))
        })
        .collect();
    assert_eq!(
        rows.len(),
        writes.nightly.len(),
        "every account the nightly steps decided has its balance"
    );
    // On SQLite, rows whose priority alone changes (most nights, most accounts) are
    // written by a statement of their own that sets the priority alone: SQLite
    // rewrites an index only when the statement sets one of its columns, and three of
    // the accounts' indexes (the work list's) carry the balance but not the priority.
    // PostgreSQL writes every index of a row it updates either way: there one
    // statement, one round trip.
    let priority_apart = tx.engine() == crate::Engine::Sqlite;
    let changes = if priority_apart {
        "accounts.balance_minor <> v.column3 OR (v.column4 = 1 AND accounts.time_barred_on IS NULL)"
    } else {
        "accounts.priority <> v.column2 OR accounts.balance_minor <> v.column3 \
         OR (v.column4 = 1 AND accounts.time_barred_on IS NULL)"
    };
    for rows in rows.chunks(crate::batch::ROWS_PER_STATEMENT_MAX) {
        let values = rows.join(", ");
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE accounts SET priority = v.column2, balance_minor = v.column3, \
             time_barred_on = CASE WHEN v.column4 = 1 THEN COALESCE(accounts.time_barred_on, $1) ELSE accounts.time_barred_on END \
             FROM (VALUES {values}) AS v \
             WHERE accounts.id = v.column1 AND ({changes})"
        )))
        .bind(as_of.to_string())
        .execute(tx.conn())
        .await?;
        if priority_apart {
            // Each row is still written once: the statement above took those whose
            // balance or time-barred date changes, priority and all.
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "UPDATE accounts SET priority = v.column2 \
                 FROM (VALUES {values}) AS v \
                 WHERE accounts.id = v.column1 AND accounts.priority <> v.column2"
            )))
            .execute(tx.conn())
            .await?;
        }
    }
    Ok(())
}

async fn write_actions(
    tx: &mut crate::audit::WriteTx,
    run_id: i64,
    as_of: Date,
    actions: &[StrategyAction],
) -> Result<(), StoreError> {
    if actions.is_empty() {
        return Ok(());
    }
    let mut next_id = tx.next_id("strategy_actions").await?;
    let engine = tx.engine();
    let mut batch = Batch::new(
        engine,
        "strategy_actions",
        &[
            "id",
            "account_id",
            "segment",
            "segment_since",
            "arm",
            "step_no",
            "action",
            "detail",
        ],
        " ON CONFLICT (account_id, segment, segment_since, arm, step_no) DO NOTHING",
    )
    .with_constants(vec![
        ("run_id", crate::batch::Literal::Int(run_id)),
        ("due_on", crate::batch::Literal::Date(as_of)),
        ("status", crate::batch::Literal::Code("pending")),
        ("tries", crate::batch::Literal::Int(0)),
    ]);
    for action in actions {
        batch.push([
            next_id.into(),
            action.account_id.into(),
            action.segment.clone().into(),
            action.segment_since.to_string().into(),
            action.arm.clone().into(),
            action.step_no.into(),
            action.action.clone().into(),
            action.detail.clone().into(),
        ]);
        next_id += 1;
        if batch.is_full() {
            batch.flush(tx.conn()).await?;
        }
    }
    batch.flush(tx.conn()).await?;
    Ok(())
}

/// The tables the nightly engine writes, each as the statement that reads its content
/// (ids, dates and amounts; not the instants rows were written at, which differ between
/// a killed-and-resumed run and an uninterrupted one).
const DIGESTED: &[(&str, &str)] = &[
    (
        "ledger_entries",
        "SELECT account_id, seq, reason, principal_minor, interest_minor, fees_minor, effective_on, COALESCE(memo, '') FROM ledger_entries ORDER BY account_id, seq",
    ),
    (
        "aging_moves",
        "SELECT account_id, bucket, days_past_due, moved_on FROM aging_moves ORDER BY account_id, id",
    ),
    (
        "accounts",
        "SELECT id, status, priority, balance_minor, COALESCE(time_barred_on, '') FROM accounts ORDER BY id",
    ),
    (
        "account_nightly",
        "SELECT account_id, as_of, COALESCE(score, -1), COALESCE(score_reasons, ''), COALESCE(segment, ''), COALESCE(segment_since, ''), COALESCE(arm, ''), steps_done, queue_priority FROM account_nightly ORDER BY account_id",
    ),
    (
        "promises",
        "SELECT id, account_id, status FROM promises ORDER BY id",
    ),
    (
        "arrangements",
        "SELECT id, account_id, status FROM arrangements ORDER BY id",
    ),
    (
        "strategy_actions",
        "SELECT account_id, segment, segment_since, arm, step_no, action, detail, due_on, status FROM strategy_actions ORDER BY account_id, segment, segment_since, arm, step_no",
    ),
];

impl Store {
    /// A SHA-256 per table of what the nightly engine writes, and of all of them: two
    /// databases with equal digests hold the same balances, buckets, scores, segments,
    /// arms, queue and treatment steps (`arrears batch digest`).
    pub async fn nightly_digest(&self) -> Result<Vec<(&'static str, String)>, StoreError> {
        use sha2::Digest;
        let mut all = sha2::Sha256::new();
        let mut digests = Vec::new();
        for (table, sql) in DIGESTED {
            let mut hasher = sha2::Sha256::new();
            let rows = sqlx::query(sqlx::AssertSqlSafe(*sql))
                .fetch_all(&self.pool)
                .await?;
            for row in &rows {
                for column in 0..row.len() {
                    let cell = match row.try_get::<i64, _>(column) {
                        Ok(number) => number.to_string(),
                        Err(_) => row.try_get::<String, _>(column)?,
                    };
                    hasher.update(cell.len().to_le_bytes());
                    hasher.update(cell.as_bytes());
                }
                hasher.update(b"\n");
            }
            let digest = hex::encode(hasher.finalize());
            all.update(table.as_bytes());
            all.update(digest.as_bytes());
            digests.push((*table, digest));
        }
        digests.push(("all", hex::encode(all.finalize())));
        Ok(digests)
    }
}
