//! The nightly engine (issue 16): `batch run` and `batch worker`.
//!
//! A run as of a business date is split into chunks of debtors (`store::nightly`). Each
//! chunk goes through the steps in order — **monitor** (promises, plans and settlements
//! against the payments received, in its own transaction: idempotent for a date), then,
//! computed here from the chunk's facts by pure code and written in one transaction
//! with the chunk's "done" mark: **accrue** (interest by the creditor's policy),
//! **age** (bucket moves), **status** (statutes of limitations run out), **score**,
//! **strategy** (segment, arm, treatment steps due) and **queue** (tomorrow's call
//! priority). Every step is a function of the stored state and the date, so a run
//! killed anywhere and started again, or a second run for the date, ends in the same
//! state as one uninterrupted run.
//!
//! A dry run reads and computes every chunk and writes nothing.

use crate::{App, Error};
use domain::account::HoldKind;
use domain::aging::days_past_due;
use domain::creditor::CreditorPolicy;
use domain::ledger::{Buckets, Entry, Reason};
use domain::money::Amount;
use jiff::civil::Date;
use serde_json::json;
use std::collections::HashMap;
use store::Actor;
use store::nightly::{
    AgingMove, Chunk, ChunkFacts, ChunkOutcome, ChunkWrites, InterestPosting, Nightly,
    NightlyAccount, Run,
};

/// What `batch run` was asked to do.
#[derive(Clone, Debug)]
pub struct RunRequest {
    pub as_of: Date,
    pub dry_run: bool,
    pub replay: bool,
    /// This process's name in chunk leases (`host:pid`).
    pub worker: String,
}

/// How far a run has got, for a progress bar.
#[derive(Clone, Copy, Debug)]
pub struct Progress {
    pub as_of: Date,
    pub chunks_done: u64,
    pub chunks: u64,
}

/// What a run did (or, dry, would do): counts and amounts per step.
#[derive(Clone, Debug)]
pub struct RunReport {
    pub as_of: Date,
    pub run_id: Option<i64>,
    pub dry_run: bool,
    /// The run for this date had finished already: nothing was done.
    pub already_done: bool,
    pub summary: serde_json::Value,
    pub chunks: u64,
    pub chunks_here: u64,
}

/// The pure part of a chunk: what every step decides for its accounts.
pub struct Steps<'a> {
    pub as_of: Date,
    pub policies: &'a HashMap<i64, CreditorPolicy>,
}

impl Steps<'_> {
    pub fn compute(&self, facts: &ChunkFacts) -> Result<ChunkWrites, Error> {
        let mut writes = ChunkWrites::default();
        let mut accrue = Tally::default();
        let mut age = Tally::default();
        let mut status = Tally::default();
        let mut queue = Tally::default();
        for account in &facts.accounts {
            let policy = self.policies.get(&account.creditor_id).ok_or_else(|| {
                store::StoreError::Corrupt(format!("creditor {} has no policy", account.creditor_id))
            })?;
            let mut balance = account.balance;
            // accrue
            if let Some(entry) = self.accrual(account, policy)? {
                accrue.count("accounts", 1);
                accrue.count("interest_minor", entry.amounts().interest.minor());
                balance = balance
                    .checked_add(&entry.amounts())
                    .ok_or_else(|| store::StoreError::Corrupt("balance overflows".into()))?;
                writes.interest.push(InterestPosting {
                    account_id: account.id,
                    entry,
                });
            }
            let owed_minor = balance.total().map(Amount::minor).unwrap_or(0);
            // age
            let days = days_past_due(account.delinquent_since, self.as_of, owed_minor > 0);
            let bucket = policy.aging.bucket_for(days).label();
            age.count("accounts", 1);
            if account.last_bucket.as_deref() != Some(bucket.as_str()) {
                age.count("moves", 1);
                writes.aging.push(AgingMove {
                    account_id: account.id,
                    bucket: bucket.clone(),
                    days_past_due: days,
                });
            }
            // status
            let time_barred = account.time_barred_on.is_some()
                || account
                    .statute_expires_on
                    .is_some_and(|expires| expires < self.as_of);
            if account.time_barred_on.is_none() && time_barred {
                status.count("time_barred", 1);
                writes.time_barred.push(account.id);
            }
            // queue
            let priority = queue_priority(account, owed_minor, time_barred);
            if priority > 0 {
                queue.count("callable", 1);
            }
            let previous = account.previous.as_ref();
            writes.nightly.push((
                account.id,
                Nightly {
                    as_of: self.as_of,
                    score: previous.and_then(|nightly| nightly.score),
                    score_reasons: previous.and_then(|nightly| nightly.score_reasons.clone()),
                    segment: previous.and_then(|nightly| nightly.segment.clone()),
                    segment_since: previous.and_then(|nightly| nightly.segment_since),
                    arm: previous.and_then(|nightly| nightly.arm.clone()),
                    steps_done: previous.map(|nightly| nightly.steps_done).unwrap_or(0),
                    queue_priority: priority,
                },
            ));
        }
        writes.counts.insert("accrue".into(), accrue.into_json());
        writes.counts.insert("age".into(), age.into_json());
        writes.counts.insert("status".into(), status.into_json());
        writes.counts.insert("queue".into(), queue.into_json());
        Ok(writes)
    }

    /// Tonight's interest entry: what accrued through the run's date, exactly, less
    /// what was posted before (a backdated payment makes it negative: an adjustment).
    fn accrual(&self, account: &NightlyAccount, policy: &CreditorPolicy) -> Result<Option<Entry>, Error> {
        if policy.interest_method != domain::creditor::InterestMethod::SimpleDaily365
            || account.apr_bps <= 0
        {
            return Ok(None);
        }
        let accrued = accrued_minor(
            &account.principal_movements,
            account.placed_on,
            self.as_of,
            account.apr_bps,
        );
        let to_post = accrued - account.accrued_interest_minor;
        if to_post == 0 {
            return Ok(None);
        }
        let reason = if to_post > 0 {
            Reason::Interest
        } else {
            Reason::Adjustment
        };
        let amounts = Buckets {
            interest: Amount::from_minor(to_post),
            ..Buckets::ZERO
        };
        let entry = Entry::new(reason, amounts, self.as_of)
            .map_err(|error| store::StoreError::Invalid(format!("interest entry: {error:?}")))?;
        Ok(Some(entry))
    }
}

/// Interest accrued from the day after `start` through `through`: the exact sum of each
/// day's principal (end of day, credit balances accrue nothing) × APR / 365, rounded
/// half-up once.
fn accrued_minor(movements: &[(Date, i64)], start: Date, through: Date, apr_bps: i64) -> i64 {
    if through <= start {
        return 0;
    }
    let mut sorted = movements.to_vec();
    sorted.sort_by_key(|(on, _)| *on);
    let days_between = |from: Date, to: Date| i128::from((to - from).get_days());
    let mut principal: i128 = 0;
    let mut principal_days: i128 = 0;
    // Every day up to and including `counted` is counted.
    let mut counted = start;
    let mut moves = sorted.into_iter().peekable();
    while let Some((_, amount)) = moves.next_if(|(on, _)| *on <= start) {
        principal += i128::from(amount);
    }
    while let Some(&(on, _)) = moves.peek() {
        if on > through {
            break;
        }
        // The days before the movement at the principal before it.
        principal_days += principal.max(0) * (days_between(counted, on) - 1);
        while let Some((_, amount)) = moves.next_if(|(when, _)| *when == on) {
            principal += i128::from(amount);
        }
        // The movement's day at the principal at its end.
        principal_days += principal.max(0);
        counted = on;
    }
    principal_days += principal.max(0) * days_between(counted, through);
    let numerator = principal_days * i128::from(apr_bps);
    let denominator: i128 = 10_000 * 365;
    ((numerator * 2 + denominator) / (denominator * 2)) as i64
}

/// Tomorrow's call priority: what may be collected (the balance), 0 for an account the
/// queue will not hand out (no phone, a hold that stops calls, an arrangement running).
fn queue_priority(account: &NightlyAccount, owed_minor: i64, time_barred: bool) -> i64 {
    let blocked = account.holds.iter().any(|hold| {
        matches!(
            hold,
            HoldKind::Cease
                | HoldKind::Attorney
                | HoldKind::Bankruptcy
                | HoldKind::Deceased
                | HoldKind::Legal
                | HoldKind::Dispute
        )
    });
    if blocked
        || !account.has_phone
        || account.promise_open
        || account.arrangement_running
        || owed_minor <= 0
    {
        return 0;
    }
    let _ = time_barred;
    owed_minor
}

#[derive(Default)]
struct Tally(serde_json::Map<String, serde_json::Value>);

impl Tally {
    fn count(&mut self, key: &str, by: i64) {
        let before = self.0.get(key).and_then(serde_json::Value::as_i64).unwrap_or(0);
        self.0.insert(key.to_string(), json!(before + by));
    }
    fn into_json(self) -> serde_json::Value {
        serde_json::Value::Object(self.0)
    }
}

impl App {
    /// `batch run`: the run for `request.as_of` (resumed if one was killed), worked by
    /// this process until every chunk is done (other `batch worker`s may help); with
    /// `replay`, every date from `as_of` to the last run's, in order.
    pub async fn batch_run(
        &self,
        actor: &Actor,
        request: &RunRequest,
        progress: &(dyn Fn(Progress) + Sync),
    ) -> Result<Vec<RunReport>, Error> {
        let last = self.store.last_batch_date().await?;
        let dates: Vec<Date> = match last {
            Some(last) if request.as_of < last && !request.replay => {
                return Err(store::StoreError::Invalid(format!(
                    "the nightly run has already run for {last}; running it for the earlier {} would recompute the past: add --replay to recompute every night from {} to {last}",
                    request.as_of, request.as_of
                ))
                .into());
            }
            Some(last) if request.replay && request.as_of <= last => {
                let mut dates = Vec::new();
                let mut day = request.as_of;
                while day <= last {
                    dates.push(day);
                    day = day.tomorrow().map_err(|_| {
                        store::StoreError::Invalid(format!("no day after {day}"))
                    })?;
                }
                dates
            }
            _ => vec![request.as_of],
        };
        let mut reports = Vec::new();
        for as_of in dates {
            let report = if request.dry_run {
                self.dry_run(as_of, progress).await?
            } else {
                self.run_date(actor, as_of, request.replay, &request.worker, progress)
                    .await?
            };
            reports.push(report);
        }
        Ok(reports)
    }

    async fn run_date(
        &self,
        actor: &Actor,
        as_of: Date,
        replay: bool,
        worker: &str,
        progress: &(dyn Fn(Progress) + Sync),
    ) -> Result<RunReport, Error> {
        if !replay
            && let Some(run) = self.store.batch_run_for(as_of).await?
            && run.status == store::nightly::RunStatus::Done
        {
            return Ok(report_of(&run, true, 0));
        }
        let run = self.store.open_batch_run(actor, as_of, replay, None, None).await?;
        let chunks_here = self.work_run(actor, &run, worker, progress).await?;
        let run = self.finish(actor, &run, worker, progress).await?;
        Ok(report_of(&run, false, chunks_here))
    }

    /// Works chunks of `run` until none is left to lease; the number this process did.
    async fn work_run(
        &self,
        actor: &Actor,
        run: &Run,
        worker: &str,
        progress: &(dyn Fn(Progress) + Sync),
    ) -> Result<u64, Error> {
        let policies = self.store.creditor_policies().await?;
        let steps = Steps {
            as_of: run.as_of,
            policies: &policies,
        };
        let mut done_here = 0u64;
        let mut done = run.chunks_done as u64;
        progress(Progress {
            as_of: run.as_of,
            chunks_done: done,
            chunks: run.chunks as u64,
        });
        while let Some(chunk) = self.store.lease_chunk(run.id, worker).await? {
            match self.work_chunk(actor, &steps, &chunk).await {
                Ok(ChunkOutcome::Written { .. }) => done_here += 1,
                Ok(ChunkOutcome::AlreadyDone) => {}
                Err(error) => {
                    self.store.fail_chunk(&chunk, &error.to_string()).await?;
                    return Err(error);
                }
            }
            done += 1;
            progress(Progress {
                as_of: run.as_of,
                chunks_done: done.min(run.chunks as u64),
                chunks: run.chunks as u64,
            });
        }
        Ok(done_here)
    }

    async fn work_chunk(
        &self,
        actor: &Actor,
        steps: &Steps<'_>,
        chunk: &Chunk,
    ) -> Result<ChunkOutcome, Error> {
        let started = std::time::Instant::now();
        let reviewed = self.store.review_chunk(actor, chunk, steps.as_of).await?;
        let facts = self.store.chunk_facts(chunk, steps.as_of).await?;
        let mut writes = steps.compute(&facts)?;
        writes
            .counts
            .insert("monitor".into(), json!({"changes": reviewed}));
        let elapsed_us = started.elapsed().as_micros() as i64;
        Ok(self
            .store
            .commit_chunk(
                actor,
                chunk,
                steps.as_of,
                facts.ledger_high_water,
                writes,
                elapsed_us,
            )
            .await?)
    }

    /// Closes the run once every chunk is done, waiting for chunks other workers hold
    /// (or taking them over when their lease runs out).
    async fn finish(
        &self,
        actor: &Actor,
        run: &Run,
        worker: &str,
        progress: &(dyn Fn(Progress) + Sync),
    ) -> Result<Run, Error> {
        loop {
            if let Some(run) = self.store.finish_batch_run(actor, run.id).await? {
                return Ok(run);
            }
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            self.work_run(actor, run, worker, progress).await?;
        }
    }

    /// `batch worker`: helps with every running run until none is left, then returns
    /// how many chunks it did (`wait` keeps it polling for new runs).
    pub async fn batch_worker(
        &self,
        actor: &Actor,
        worker: &str,
        progress: &(dyn Fn(Progress) + Sync),
    ) -> Result<u64, Error> {
        let mut done = 0;
        for run in self.store.running_batch_runs().await? {
            done += self.work_run(actor, &run, worker, progress).await?;
            self.store.finish_batch_run(actor, run.id).await?;
        }
        Ok(done)
    }

    async fn dry_run(
        &self,
        as_of: Date,
        progress: &(dyn Fn(Progress) + Sync),
    ) -> Result<RunReport, Error> {
        let policies = self.store.creditor_policies().await?;
        let steps = Steps {
            as_of,
            policies: &policies,
        };
        let chunks = self
            .store
            .debtor_chunks(store::nightly::DEBTORS_PER_CHUNK)
            .await?;
        let mut summary = serde_json::Map::new();
        for (chunk_no, (first, last)) in chunks.iter().enumerate() {
            let chunk = Chunk {
                run_id: 0,
                chunk_no: chunk_no as i64,
                first_debtor_id: *first,
                last_debtor_id: *last,
            };
            let facts = self.store.chunk_facts(&chunk, as_of).await?;
            let writes = steps.compute(&facts)?;
            store::nightly::add_counts(&mut summary, &serde_json::Value::Object(writes.counts));
            progress(Progress {
                as_of,
                chunks_done: chunk_no as u64 + 1,
                chunks: chunks.len() as u64,
            });
        }
        Ok(RunReport {
            as_of,
            run_id: None,
            dry_run: true,
            already_done: false,
            summary: serde_json::Value::Object(summary),
            chunks: chunks.len() as u64,
            chunks_here: chunks.len() as u64,
        })
    }

    /// The last `limit` runs, newest first.
    pub async fn batch_runs(&self, limit: i64) -> Result<Vec<Run>, Error> {
        Ok(self.store.batch_runs(limit).await?)
    }
}

fn report_of(run: &Run, already_done: bool, chunks_here: u64) -> RunReport {
    RunReport {
        as_of: run.as_of,
        run_id: Some(run.id),
        dry_run: false,
        already_done,
        summary: run.summary.clone().unwrap_or(serde_json::Value::Null),
        chunks: run.chunks as u64,
        chunks_here,
    }
}
