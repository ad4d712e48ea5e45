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
use domain::account::{HoldKind, Product, Status};
use domain::aging::days_past_due;
use domain::creditor::CreditorPolicy;
use domain::interest;
use domain::ledger::Entry;
use domain::money::Amount;
use domain::money::BasisPoints;
use domain::party::Language;
use jiff::civil::Date;
use serde_json::json;
use std::collections::HashMap;
use store::Actor;
use store::nightly::{
    AgingMove, Chunk, ChunkFacts, ChunkOutcome, ChunkWrites, InterestPosting, Nightly,
    NightlyAccount, Run, StrategyAction,
};

/// What `batch run` was asked to do.
#[derive(Clone, Debug)]
pub struct RunRequest {
    pub as_of: Date,
    pub dry_run: bool,
    pub replay: bool,
    /// Send the treatment steps due after the run (`batch dispatch` does it alone).
    pub dispatch: bool,
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
    /// What the treatment dispatch did after the run (`TreatmentTally::summary`).
    pub dispatched: serde_json::Value,
}

/// The pure part of a chunk: what every step decides for its accounts.
pub struct Steps<'a> {
    pub as_of: Date,
    pub policies: &'a HashMap<i64, CreditorPolicy>,
    pub model: &'a score::Model,
    pub strategy: &'a strategy::Strategy,
}

impl Steps<'_> {
    pub fn compute(&self, accounts: &[NightlyAccount]) -> Result<ChunkWrites, Error> {
        let mut writes = ChunkWrites::default();
        let mut accrue = Tally::default();
        let mut age = Tally::default();
        let mut status = Tally::default();
        let mut queue = Tally::default();
        let mut score_tally = Tally::default();
        let mut strategy_tally = Tally::default();
        for account in accounts {
            let policy = self.policies.get(&account.creditor_id).ok_or_else(|| {
                store::StoreError::Corrupt(format!(
                    "creditor {} has no policy",
                    account.creditor_id
                ))
            })?;
            let mut balance = account.balance;
            // accrue
            if let Some(entry) = self.accrual(account, policy)? {
                accrue.count("accounts", 1);
                accrue.count("interest_minor", entry.amounts().interest.minor());
                accrue.count_in(
                    "interest_by_currency",
                    &account.currency,
                    entry.amounts().interest.minor(),
                );
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
            // Validation periods that ended since the last run: the debt may be
            // collected without the period's limits from now on.
            let period_end = account
                .validation_notice_sent_at_us
                .and_then(|us| jiff::Timestamp::from_microsecond(us).ok())
                .map(|sent| jiff::tz::TimeZone::UTC.to_datetime(sent).date())
                .and_then(compliance::validation::validation_period)
                .map(|period| period.ends_on);
            if let Some(ends_on) = period_end
                && ends_on < self.as_of
                && account
                    .previous
                    .as_ref()
                    .is_none_or(|previous| ends_on >= previous.as_of)
            {
                status.count("validation_periods_ended", 1);
            }
            // score
            let scored = self.score(account, owed_minor, days);
            score_tally.count("accounts", 1);
            score_tally.count(&format!("band_{}", score_band(scored.score)), 1);
            // strategy: the segment, the arm (kept once assigned) and the steps due
            let previous = account.previous.as_ref();
            let facts = strategy::AccountFacts {
                balance_minor: owed_minor,
                bucket_label: &bucket,
                score: Some(scored.score),
                product: Product::parse(&account.product).unwrap_or(Product::Other),
                state: account.state.as_deref(),
                language: Language::parse(&account.language).unwrap_or(Language::En),
                creditor: &account.creditor_code,
                status: Status::parse(&account.status).unwrap_or(Status::Active),
                days_since_last_contact: account.last_contact_at_us.map(|at_us| {
                    let on = jiff::Timestamp::from_microsecond(at_us)
                        .map(|at| jiff::tz::TimeZone::UTC.to_datetime(at).date())
                        .unwrap_or(self.as_of);
                    u32::try_from((self.as_of - on).get_days()).unwrap_or(0)
                }),
                days_since_broken_promise: account
                    .last_broken_promise_on
                    .map(|on| u32::try_from((self.as_of - on).get_days()).unwrap_or(0)),
                time_barred,
            };
            let segment = self.strategy.segment_for(&facts);
            let arm = previous
                .and_then(|nightly| nightly.arm.clone())
                .unwrap_or_else(|| {
                    self.strategy
                        .arm_for(&format!(
                            "{}/{}",
                            account.creditor_code, account.account_ref
                        ))
                        .name
                        .clone()
                });
            let (segment_since, mut steps_done) = match previous {
                Some(nightly) if nightly.segment.as_deref() == Some(segment.name.as_str()) => (
                    nightly.segment_since.unwrap_or(self.as_of),
                    nightly.steps_done,
                ),
                _ => {
                    strategy_tally.count("entered_segment", 1);
                    (self.as_of, 0)
                }
            };
            let path = self.strategy.path(segment, &arm);
            let progress = strategy::Progress {
                steps_done: usize::try_from(steps_done).unwrap_or(0),
                refused_since: None,
            };
            // Steps run in order: while a step of this path waits for its retry after
            // a refusal, the later ones wait too (the dispatcher sends it when the
            // engine allows, or skips it after `max_retry_days`; the path moves on the
            // night after).
            let waiting = account.refused_steps.iter().any(|refused| {
                refused.segment == segment.name
                    && refused.segment_since == segment_since
                    && refused.arm == arm
            });
            if waiting {
                strategy_tally.count("waiting_on_a_refused_step", 1);
            }
            let due_tonight = if waiting {
                Vec::new()
            } else {
                self.strategy
                    .due_steps(path, segment_since, self.as_of, progress)
            };
            for due in due_tonight {
                let (index, step) = match due {
                    strategy::Due::Fire { index, step }
                    | strategy::Due::Skip { index, step, .. } => (index, step),
                };
                strategy_tally.count(&format!("step_{}", step.action.key()), 1);
                writes.actions.push(StrategyAction {
                    account_id: account.id,
                    segment: segment.name.clone(),
                    segment_since,
                    arm: arm.clone(),
                    step_no: index as i64,
                    action: step.action.key().to_string(),
                    detail: step.action.to_string(),
                });
                steps_done = index as i64 + 1;
            }
            strategy_tally.count_in("segments", &format!("{} / {arm}", segment.name), 1);
            // queue: the path's latest call priority, then what may be collected
            let call_priority = path.steps[..usize::try_from(steps_done)
                .unwrap_or(0)
                .min(path.steps.len())]
                .iter()
                .rev()
                .find_map(|step| match step.action {
                    strategy::Action::Call { priority } => Some(i64::from(priority)),
                    _ => None,
                })
                .unwrap_or(DEFAULT_CALL_PRIORITY);
            let wanted = queue_priority(account, owed_minor, scored.score, call_priority);
            // The queue hands out only what the compliance pipeline allows tomorrow.
            let priority = if account.call_allowed_tomorrow {
                wanted
            } else {
                0
            };
            if wanted > 0 && priority == 0 {
                queue.count("not_allowed_tomorrow", 1);
            }
            if priority > 0 {
                queue.count("callable", 1);
                queue.count_in("callable_by_creditor", &account.creditor_code, 1);
            }
            writes.balances.push((account.id, owed_minor));
            writes.nightly.push((
                account.id,
                Nightly {
                    as_of: self.as_of,
                    score: Some(i64::from(scored.score)),
                    score_reasons: Some(scored.codes()),
                    segment: Some(segment.name.clone()),
                    segment_since: Some(segment_since),
                    arm: Some(arm),
                    steps_done,
                    queue_priority: priority,
                },
            ));
        }
        writes.counts.insert("accrue".into(), accrue.into_json());
        writes.counts.insert("age".into(), age.into_json());
        writes.counts.insert("status".into(), status.into_json());
        writes
            .counts
            .insert("score".into(), score_tally.into_json());
        writes
            .counts
            .insert("strategy".into(), strategy_tally.into_json());
        writes.counts.insert("queue".into(), queue.into_json());
        Ok(writes)
    }

    /// Tonight's interest entry: what accrued through the run's date, exactly, less
    /// what accrual posted before (a backdated payment makes it negative: an adjustment
    /// of the interest bucket). Interest runs from the day after placement.
    fn accrual(
        &self,
        account: &NightlyAccount,
        policy: &CreditorPolicy,
    ) -> Result<Option<Entry>, Error> {
        if policy.accrual_method().is_none() || account.apr_bps <= 0 {
            return Ok(None);
        }
        let invalid =
            |what: String| store::StoreError::Invalid(format!("account {}: {what}", account.id));
        let timeline = interest::PrincipalTimeline::new(account.principal_movements.iter().map(
            |(effective_on, principal_minor)| interest::Movement {
                effective_on: *effective_on,
                principal: Amount::from_minor(*principal_minor),
            },
        ))
        .map_err(|error| invalid(format!("{error:?}")))?;
        let apr = u32::try_from(account.apr_bps)
            .ok()
            .and_then(BasisPoints::new)
            .ok_or_else(|| invalid(format!("APR {} basis points", account.apr_bps)))?;
        let accrued = interest::accrued_through(&timeline, account.placed_on, self.as_of, apr)
            .map_err(|error| invalid(format!("{error:?}")))?;
        let to_post =
            interest::to_post(accrued, Amount::from_minor(account.accrued_interest_minor))
                .map_err(|error| invalid(format!("{error:?}")))?;
        interest::accrual_entry(to_post, self.as_of)
            .map_err(|error| invalid(format!("interest entry: {error:?}")).into())
    }

    /// The propensity-to-pay score of an account owing `owed_minor`, `days` past due.
    fn score(&self, account: &NightlyAccount, owed_minor: i64, days: u32) -> score::Scored {
        let days_since = |on: Date| i64::from((self.as_of - on).get_days());
        let features = score::Features {
            balance_minor: owed_minor,
            original_balance_minor: account.placed_minor,
            days_past_due: i64::from(days),
            product: Product::parse(&account.product).unwrap_or(Product::Other),
            has_callable_phone: account.has_phone,
            has_email: account.has_email,
            attempts_last_30_days: account.attempts_30d,
            right_party_contacts_last_90_days: account.conversations_90d,
            promises_kept_count: account.promises_kept,
            promises_broken_count: account.promises_broken,
            payments_count: account.payments,
            days_since_last_payment: account.last_payment_on.map(days_since),
            open_dispute: account.holds.contains(&HoldKind::Dispute),
            days_since_placement: days_since(account.placed_on),
        };
        self.model.score(&features)
    }
}

/// A chunk computed, ready to write.
struct Prepared {
    parts: Vec<store::nightly::Part>,
    /// The ledger's last entry id when its facts were read.
    ledger_high_water: i64,
    /// Time spent on it so far (the chunk's `elapsed_us` adds the writes).
    elapsed_us: i64,
}

/// A chunk's remaining debtors in parts of at most `per_part` debtors, each
/// `(after, through, debtors, accounts)`: the part covers debtors `after < d ≤ through`;
/// the parts tile the remaining range, the last one ending at the chunk's last debtor
/// (one empty part when no account is left to do).
fn parts_of<'f>(
    chunk: &Chunk,
    facts: &'f ChunkFacts,
    per_part: usize,
) -> Vec<(i64, i64, usize, &'f [NightlyAccount])> {
    assert!(per_part > 0, "a part holds at least one debtor");
    let accounts = &facts.accounts;
    debug_assert!(
        accounts
            .windows(2)
            .all(|pair| pair[0].debtor_id <= pair[1].debtor_id),
        "a chunk's facts come in debtor order"
    );
    let mut parts = Vec::new();
    let mut after = chunk.done_through_debtor_id;
    let mut start = 0;
    let mut debtors = 0;
    for index in 0..accounts.len() {
        let new_debtor = index == 0 || accounts[index].debtor_id != accounts[index - 1].debtor_id;
        if new_debtor {
            if debtors == per_part {
                let through = accounts[index - 1].debtor_id;
                parts.push((after, through, debtors, &accounts[start..index]));
                after = through;
                start = index;
                debtors = 0;
            }
            debtors += 1;
        }
    }
    parts.push((after, chunk.last_debtor_id, debtors, &accounts[start..]));
    parts
}

/// The call priority of an account whose strategy has not asked for calls yet.
const DEFAULT_CALL_PRIORITY: i64 = 50;

/// Tomorrow's call priority: the strategy's call priority (0 … 100) first, then the
/// amount expected (the balance × score / 1000); 0 for an account the queue will not
/// hand out (no phone, a hold that stops calls, an arrangement running, nothing owed).
fn queue_priority(
    account: &NightlyAccount,
    owed_minor: i64,
    score: u16,
    call_priority: i64,
) -> i64 {
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
        || call_priority <= 0
    {
        return 0;
    }
    const EXPECTED_MAX: i64 = 1_000_000_000_000;
    let expected =
        (i128::from(owed_minor) * i128::from(score) / 1000).min(i128::from(EXPECTED_MAX - 1));
    call_priority.min(100) * EXPECTED_MAX + expected as i64
}

/// The instant tomorrow's queue is asked about: 20:00 UTC on the day after `as_of` —
/// 15:00 in New York, 12:00 in Los Angeles, 10:00 in Honolulu, inside every US zone's
/// calling hours — so the hour of day never refuses, and what the pipeline answers is
/// what holds for the day: holds, frequency limits with the debtor's history, consents,
/// the weekday and the state's rules.
pub fn queue_instant(as_of: Date) -> jiff::Timestamp {
    let tomorrow = as_of.tomorrow().unwrap_or(as_of);
    tomorrow
        .at(20, 0, 0, 0)
        .to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .ok()
        .map(|zoned| zoned.timestamp())
        .unwrap_or(jiff::Timestamp::MAX)
}

/// A score's band of 100 for the summary (`0-99` … `900-1000`).
fn score_band(score: u16) -> String {
    let low = (score / 100).min(9) * 100;
    let high = if low == 900 { 1000 } else { low + 99 };
    format!("{low}-{high}")
}

#[derive(Default)]
struct Tally(serde_json::Map<String, serde_json::Value>);

impl Tally {
    fn count(&mut self, key: &str, by: i64) {
        let before = self
            .0
            .get(key)
            .and_then(serde_json::Value::as_i64)
            .unwrap_or(0);
        self.0.insert(key.to_string(), json!(before + by));
    }
    /// Counts under `group` by `key` (interest per currency, accounts per segment and
    /// arm, callable accounts per creditor).
    fn count_in(&mut self, group: &str, key: &str, by: i64) {
        let inner = self.0.entry(group.to_string()).or_insert_with(|| json!({}));
        let before = inner
            .get(key)
            .and_then(serde_json::Value::as_i64)
            .unwrap_or(0);
        inner[key] = json!(before + by);
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
                    day = day
                        .tomorrow()
                        .map_err(|_| store::StoreError::Invalid(format!("no day after {day}")))?;
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
                let mut report = self
                    .run_date(actor, as_of, request.replay, &request.worker, progress)
                    .await?;
                // The treatment steps due by now go out through compliance (a killed
                // dispatch is finished by the next `batch run`: a step is sent once).
                if request.dispatch {
                    let max_retry_days = self.engine_in_force().await?.strategy.max_retry_days();
                    let tally = self
                        .dispatch_treatment_with(actor, as_of, self.now(), max_retry_days)
                        .await?;
                    report.dispatched = tally.summary();
                }
                report
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
        let engine = self.engine_in_force().await?;
        let run = self
            .store
            .open_batch_run(actor, as_of, replay, engine.strategy_id, engine.model_id)
            .await?;
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
        let engine = self.engine_in_force().await?;
        let steps = Steps {
            as_of: run.as_of,
            policies: &policies,
            model: &engine.model,
            strategy: &engine.strategy,
        };
        let mut done_here = 0u64;
        let mut done = run.chunks_done as u64;
        progress(Progress {
            as_of: run.as_of,
            chunks_done: done,
            chunks: run.chunks as u64,
        });
        // Two chunks in flight: while one is written (the writer's turn), the next is
        // leased, monitored, read and computed (readers do not wait for the writer) —
        // unless people are writing through this process (`Store::people_writing`).
        let Some(mut chunk) = self.lease(run, worker).await? else {
            return Ok(done_here);
        };
        let mut prepared = self.prepare_chunk(actor, &steps, &chunk).await;
        loop {
            let next = match &prepared {
                Ok(_) => self.lease(run, worker).await?,
                Err(_) => None,
            };
            let (written, next) = match next {
                // People working through this process: one chunk at a time, so the
                // night takes one core and leaves them the other.
                Some(next) if self.store.people_writing() => {
                    let written = {
                        // One core for the night, whatever the workers (`night_core`).
                        let _core = self.store.night_core().await;
                        self.write_chunk(actor, &steps, &chunk, prepared).await
                    };
                    let ready = match &written {
                        Ok(_) => self.prepare_chunk(actor, &steps, &next).await,
                        // Never read: the failed write is what the loop reports.
                        Err(_) => Err(Error::Store(store::StoreError::Conflict(
                            "not started".into(),
                        ))),
                    };
                    (written, Some((next, ready)))
                }
                Some(next) => {
                    let (written, ready) = tokio::join!(
                        self.write_chunk(actor, &steps, &chunk, prepared),
                        self.prepare_chunk(actor, &steps, &next)
                    );
                    (written, Some((next, ready)))
                }
                None => (
                    self.write_chunk(actor, &steps, &chunk, prepared).await,
                    None,
                ),
            };
            match written {
                Ok(ChunkOutcome::Written { .. }) => done_here += 1,
                Ok(ChunkOutcome::AlreadyDone) => {}
                Err(error) => {
                    self.store.fail_chunk(&chunk, &error.to_string()).await?;
                    if let Some((next, _)) = &next {
                        // Not started: given back for another try.
                        self.store
                            .fail_chunk(next, "the chunk before it failed")
                            .await?;
                    }
                    return Err(error);
                }
            }
            done += 1;
            progress(Progress {
                as_of: run.as_of,
                chunks_done: done.min(run.chunks as u64),
                chunks: run.chunks as u64,
            });
            let Some((next, ready)) = next else {
                break;
            };
            (chunk, prepared) = (next, ready);
        }
        Ok(done_here)
    }

    /// The next chunk of `run` for `worker`, if any is left to lease.
    async fn lease(&self, run: &Run, worker: &str) -> Result<Option<Chunk>, Error> {
        let leasing = std::time::Instant::now();
        let chunk = self.store.lease_chunk(run.id, worker).await?;
        if let Some(chunk) = &chunk {
            tracing::debug!(
                chunk = chunk.chunk_no,
                worker,
                lease_us = leasing.elapsed().as_micros() as u64,
                "nightly chunk leased"
            );
        }
        Ok(chunk)
    }

    /// A chunk up to its write: monitor its arrangements, read its facts, compute it
    /// in parts of `DEBTORS_PER_PART` debtors.
    async fn prepare_chunk(
        &self,
        actor: &Actor,
        steps: &Steps<'_>,
        chunk: &Chunk,
    ) -> Result<Prepared, Error> {
        let _core = self.store.night_core().await;
        let started = std::time::Instant::now();
        let reviewed = self.store.review_chunk(actor, chunk, steps.as_of).await?;
        let reviewed_us = started.elapsed().as_micros() as u64;
        let facts = self.read_chunk(chunk, steps.as_of).await?;
        let read_us = started.elapsed().as_micros() as u64;
        tracing::debug!(
            chunk = chunk.chunk_no,
            accounts = facts.accounts.len(),
            review_us = reviewed_us,
            read_us = read_us - reviewed_us,
            "nightly chunk read"
        );
        let mut parts = Vec::new();
        for (index, (after, through, debtors, accounts)) in
            parts_of(chunk, &facts, store::nightly::debtors_per_part())
                .into_iter()
                .enumerate()
        {
            let mut writes = steps.compute(accounts)?;
            if index == 0 {
                writes
                    .counts
                    .insert("monitor".into(), json!({"changes": reviewed}));
            }
            parts.push(store::nightly::Part {
                after,
                through,
                debtors,
                writes,
            });
        }
        tracing::debug!(
            chunk = chunk.chunk_no,
            parts = parts.len(),
            compute_us = started.elapsed().as_micros() as u64 - read_us,
            "nightly chunk computed"
        );
        Ok(Prepared {
            parts,
            ledger_high_water: facts.ledger_high_water,
            elapsed_us: started.elapsed().as_micros() as i64,
        })
    }

    /// Writes a prepared chunk behind people's writes (`Store::commit_chunk_parts`: an
    /// agent's write waits for one part at most).
    async fn write_chunk(
        &self,
        actor: &Actor,
        steps: &Steps<'_>,
        chunk: &Chunk,
        prepared: Result<Prepared, Error>,
    ) -> Result<ChunkOutcome, Error> {
        let prepared = prepared?;
        let writing = std::time::Instant::now();
        let outcome = self
            .store
            .commit_chunk_parts(
                actor,
                chunk,
                steps.as_of,
                prepared.ledger_high_water,
                prepared.parts,
                prepared.elapsed_us,
            )
            .await?;
        tracing::debug!(
            chunk = chunk.chunk_no,
            write_us = writing.elapsed().as_micros() as u64,
            "nightly chunk written"
        );
        Ok(outcome)
    }

    /// A chunk's facts, each account marked with whether the compliance pipeline
    /// allows a call tomorrow (`tomorrows_calls`). The two reads run side by side:
    /// neither writes, and each is mostly the database's work.
    async fn read_chunk(&self, chunk: &Chunk, as_of: Date) -> Result<ChunkFacts, Error> {
        let (mut facts, allowed) = tokio::try_join!(
            async { Ok::<_, Error>(self.store.chunk_facts(chunk, as_of).await?) },
            self.tomorrows_calls(chunk.remaining(), as_of),
        )?;
        for account in &mut facts.accounts {
            account.call_allowed_tomorrow = allowed.contains(&account.id);
        }
        Ok(facts)
    }

    /// Asks the compliance pipeline, for every phone of the debtors `first..=last`,
    /// whether it may be called at [`queue_instant`] the day after `as_of` (with each
    /// debtor's history and consents, as the dialer list does): the accounts with a
    /// phone it allows. Nothing is logged: no one is contacted; "next account" asks
    /// again, and logs, when it hands an account out.
    async fn tomorrows_calls(
        &self,
        (first, last): (i64, i64),
        as_of: Date,
    ) -> Result<std::collections::HashSet<i64>, Error> {
        if first > last {
            return Ok(std::collections::HashSet::new());
        }
        let calls = self
            .callable_accounts(first, last, queue_instant(as_of))
            .await?;
        Ok(calls
            .accounts
            .iter()
            .filter(|account| {
                !account.legal_hold && account.phones.iter().any(|phone| phone.allowed)
            })
            .map(|account| account.account_id)
            .collect())
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

    /// `batch worker`: helps with every running run until none is left — chunks other
    /// workers hold are waited for, and taken over when their lease runs out (a worker
    /// that died) — then returns how many chunks it did.
    pub async fn batch_worker(
        &self,
        actor: &Actor,
        worker: &str,
        progress: &(dyn Fn(Progress) + Sync),
    ) -> Result<u64, Error> {
        let mut done = 0;
        loop {
            let running = self.store.running_batch_runs().await?;
            if running.is_empty() {
                return Ok(done);
            }
            let mut finished_any = false;
            for run in running {
                done += self.work_run(actor, &run, worker, progress).await?;
                finished_any |= self.store.finish_batch_run(actor, run.id).await?.is_some();
            }
            if !finished_any {
                tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            }
        }
    }

    /// `batch digest`: see `Store::nightly_digest`.
    pub async fn nightly_digest(&self) -> Result<Vec<(&'static str, String)>, Error> {
        Ok(self.store.nightly_digest().await?)
    }

    async fn dry_run(
        &self,
        as_of: Date,
        progress: &(dyn Fn(Progress) + Sync),
    ) -> Result<RunReport, Error> {
        let policies = self.store.creditor_policies().await?;
        let engine = self.engine_in_force().await?;
        let steps = Steps {
            as_of,
            policies: &policies,
            model: &engine.model,
            strategy: &engine.strategy,
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
                done_through_debtor_id: *first - 1,
            };
            let facts = self.read_chunk(&chunk, as_of).await?;
            let writes = steps.compute(&facts.accounts)?;
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
            dispatched: serde_json::Value::Null,
        })
    }

    /// The last `limit` runs, newest first.
    pub async fn batch_runs(&self, limit: i64) -> Result<Vec<Run>, Error> {
        Ok(self.store.batch_runs(limit).await?)
    }
}

/// The strategy and scoring model the engine runs with: the active stored versions,
/// else the built-in ones (crates/strategy/data/default.toml, crates/score/data/model.toml).
struct EngineInForce {
    strategy_id: Option<i64>,
    strategy: strategy::Strategy,
    model_id: Option<i64>,
    model: score::Model,
}

impl App {
    async fn engine_in_force(&self) -> Result<EngineInForce, Error> {
        let in_force = self.strategy_in_force().await?;
        let (model_id, model) = match self.active_model().await? {
            Some((id, model)) => (Some(id), model),
            None => (None, score::Model::default_model().clone()),
        };
        Ok(EngineInForce {
            strategy_id: in_force.id,
            strategy: in_force.strategy,
            model_id,
            model,
        })
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
        dispatched: serde_json::Value::Null,
    }
}
