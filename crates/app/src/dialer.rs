//! The dialer list: the accounts that may be called at an instant, for an outbound
//! dialer. Each (account, phone) is put to the compliance pipeline (`contact`) with what
//! the store knows — the debtor's zones (recomputed with the number's area code), state,
//! holds, contact attempts as far back as the rule set looks and the consents the debtor
//! gave — and every decision is logged before any line it allows is handed out.
//!
//! The portfolio is worked in chunks of [`DEBTORS_PER_CHUNK`] debtors by debtor id
//! (`Store::debtor_chunks`): a chunk's facts are read in one snapshot, every phone of
//! it decided (`App::callable_accounts`), its decisions logged in one transaction and
//! audit event, and only then its lines written and the chunk dropped. Memory is
//! bounded by a chunk, not by the portfolio, and the lines come out in debtor id order,
//! then account id (the order accounts were placed), then phone id (the order the
//! debtor's phones were added). A debtor — all their accounts — is always in one chunk,
//! so the questions about their accounts see the same history and consents.
//!
//! `callable_accounts` is also the nightly queue build's question: which accounts of a
//! chunk may be called at an instant, with the decisions to log.

use crate::contact::{AskedBy, Facts, Point, ZoneBasis, consents, history};
use crate::{App, Error};
use compliance::facts::{Action, Consent, HistoryEntry};
use compliance::hours::convenient_until;
use domain::account::HoldKind;
use domain::party::{ContactKind, ContactStatus};
use jiff::Timestamp;
use std::collections::HashMap;
use std::io::Write;
use store::Actor;
use store::decisions::NewDecision;
use store::dialer::DialerCandidate;

/// Debtors per chunk of the dialer list. At the generator's mix (1.2 accounts and 2 usable
/// phones per debtor) a chunk is about 6,000 accounts and 10,000 decisions: one
/// transaction of the decision log, a few tens of MiB of questions and answers in memory.
pub const DEBTORS_PER_CHUNK: i64 = 5_000;

/// What a list (or part of one) came to, counted per (account, phone).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub listed: u64,
    pub denied: u64,
    /// Asked about with every zone of the fifty states and DC (nothing on file tells).
    pub zone_unknown: u64,
    /// Phones of accounts on a legal hold: not asked about, not listed.
    pub legal: u64,
    pub logged: u64,
}

impl Tally {
    pub fn summary(&self, at: Timestamp) -> String {
        format!(
            "{} phones may be called at {at}; {} denied by the compliance check, {} on a legal hold; {} decisions logged ({} without a known time zone, asked as anywhere in the fifty states and DC)",
            self.listed, self.denied, self.legal, self.logged, self.zone_unknown
        )
    }

    fn add(&mut self, other: &Tally) {
        self.listed += other.listed;
        self.denied += other.denied;
        self.zone_unknown += other.zone_unknown;
        self.legal += other.legal;
        self.logged += other.logged;
    }
}

/// The answer about one phone of an account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PhoneCall {
    /// E.164.
    pub phone: String,
    pub allowed: bool,
    /// Allowed: until when the debtor's convenient hours last on every plausible zone's
    /// wall clock (`None` when no end is found).
    pub allowed_until: Option<Timestamp>,
    /// Denied: when the engine first allows a call again, if it finds one.
    pub next_allowed_at: Option<Timestamp>,
}

/// One active account with at least one usable phone, and the answer for each phone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountCalls {
    pub account_id: i64,
    pub debtor_id: i64,
    pub creditor: String,
    pub account_ref: String,
    /// On a legal hold: worked by the attorney, not the dialer; its phones are not asked
    /// about (`phones` is empty, no decision is logged).
    pub legal_hold: bool,
    /// Each usable phone, in the order the debtor's phones were added.
    pub phones: Vec<PhoneCall>,
}

impl AccountCalls {
    /// Whether any phone of the account may be called at the instant asked about.
    pub fn callable(&self) -> bool {
        self.phones.iter().any(|phone| phone.allowed)
    }
}

/// The answers about one chunk of debtors at one instant, not yet logged.
#[derive(Clone, Debug)]
pub struct ChunkCalls {
    pub first_debtor_id: i64,
    pub last_debtor_id: i64,
    pub at: Timestamp,
    /// Every active account of the chunk with a usable phone, by debtor id then account id.
    pub accounts: Vec<AccountCalls>,
    /// One per phone asked about, in the order of `accounts`: to be logged
    /// (`Store::record_decisions`) before anything acts on the answers.
    pub decisions: Vec<NewDecision>,
    /// `logged` is 0: nothing is logged yet.
    pub tally: Tally,
}

/// How far a dialer list got: the chunks logged and written.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    pub chunks_done: usize,
    pub chunks: usize,
    /// The last debtor id of the last chunk logged and written.
    pub last_debtor_id: Option<i64>,
    /// What the chunks done came to.
    pub tally: Tally,
}

/// Why a dialer list stopped before its end, and how far it got: every line written
/// before it stopped is logged.
#[derive(Debug, thiserror::Error)]
#[error(
    "the dialer list stopped after {} of {} chunks of debtors{}: {} lines written, {} decisions logged (every line written is logged): {cause}",
    .progress.chunks_done, .progress.chunks,
    .progress.last_debtor_id.map(|id| format!(" (debtors up to id {id} done)")).unwrap_or_default(),
    .progress.tally.listed, .progress.tally.logged
)]
pub struct Stopped {
    pub cause: StopCause,
    pub progress: Progress,
}

#[derive(Debug, thiserror::Error)]
pub enum StopCause {
    #[error(transparent)]
    App(#[from] Error),
    #[error("writing the list: {0}")]
    Write(#[from] std::io::Error),
}

impl App {
    /// The dialer list (CSV with a header, or JSON lines) at `at`, written to `out` chunk
    /// by chunk: a chunk's lines are written (and `out` flushed) only once every decision
    /// of the chunk is logged, so an examiner sees why each phone was or wasn't on it.
    pub async fn dialer_list(
        &self,
        actor: &Actor,
        at: Timestamp,
        json: bool,
        out: &mut impl Write,
    ) -> Result<Tally, Stopped> {
        self.dialer_list_in_chunks(actor, at, json, out, DEBTORS_PER_CHUNK)
            .await
    }

    /// [`App::dialer_list`] with chunks of `debtors_per_chunk` debtors (tests cut a
    /// small portfolio into many).
    pub async fn dialer_list_in_chunks(
        &self,
        actor: &Actor,
        at: Timestamp,
        json: bool,
        out: &mut impl Write,
        debtors_per_chunk: i64,
    ) -> Result<Tally, Stopped> {
        let mut progress = Progress::default();
        match self
            .write_dialer_list(actor, at, json, out, debtors_per_chunk, &mut progress)
            .await
        {
            Ok(()) => Ok(progress.tally),
            Err(cause) => Err(Stopped { cause, progress }),
        }
    }

    async fn write_dialer_list(
        &self,
        actor: &Actor,
        at: Timestamp,
        json: bool,
        out: &mut impl Write,
        debtors_per_chunk: i64,
        progress: &mut Progress,
    ) -> Result<(), StopCause> {
        if !json {
            writeln!(out, "creditor,account_ref,phone,allowed_until")?;
        }
        let chunks = self
            .store
            .debtor_chunks(debtors_per_chunk)
            .await
            .map_err(Error::from)?;
        progress.chunks = chunks.len();
        // The next chunk is read and decided on another task while this one is logged and
        // written: deciding is this process's work, logging mostly the database's
        // (SQLite's worker thread, PostgreSQL's server), so on two cores they overlap.
        // At most two chunks are in memory.
        let mut chunks = chunks.into_iter();
        let mut next = chunks.next().map(|chunk| self.decide_apart(chunk, at));
        while let Some(deciding) = next.take() {
            let calls = match deciding.await {
                Ok(calls) => calls?,
                Err(failed) => std::panic::resume_unwind(failed.into_panic()),
            };
            next = chunks.next().map(|chunk| self.decide_apart(chunk, at));
            let logged = self.log_and_write(actor, calls, json, out, progress).await;
            if let Err(cause) = logged {
                if let Some(deciding) = next {
                    deciding.abort();
                }
                return Err(cause);
            }
        }
        Ok(())
    }

    /// `callable_accounts` for `(first, last)` on a task of its own.
    fn decide_apart(
        &self,
        (first, last): (i64, i64),
        at: Timestamp,
    ) -> tokio::task::JoinHandle<Result<ChunkCalls, Error>> {
        let app = self.clone();
        tokio::spawn(async move { app.callable_accounts(first, last, at).await })
    }

    /// Logs a chunk's decisions (one transaction and audit event), then writes and
    /// flushes its lines.
    async fn log_and_write(
        &self,
        actor: &Actor,
        mut calls: ChunkCalls,
        json: bool,
        out: &mut impl Write,
        progress: &mut Progress,
    ) -> Result<(), StopCause> {
        let (first, last, at) = (calls.first_debtor_id, calls.last_debtor_id, calls.at);
        let why = format!("dialer list for {at}, debtors {first}..={last}");
        self.store
            .record_decisions(actor, &why, &calls.decisions)
            .await
            .map_err(Error::from)?;
        progress.tally.logged += calls.decisions.len() as u64;
        calls.decisions = Vec::new();
        write_lines(out, &calls, json)?;
        out.flush()?;
        progress.tally.add(&calls.tally);
        progress.chunks_done += 1;
        progress.last_debtor_id = Some(last);
        Ok(())
    }

    /// Every active account of debtors `first_debtor_id..=last_debtor_id` with a usable
    /// phone, each phone put to the compliance pipeline for a call at `at` with the
    /// debtor's history (as far back as the rule set looks) and consents. Nothing is
    /// logged: the caller logs `decisions` before it acts on the answers.
    pub async fn callable_accounts(
        &self,
        first_debtor_id: i64,
        last_debtor_id: i64,
        at: Timestamp,
    ) -> Result<ChunkCalls, Error> {
        let chunk = self
            .store
            .dialer_chunk(
                (first_debtor_id, last_debtor_id),
                self.history_since(at),
                at,
            )
            .await?;
        let mut histories: HashMap<i64, Vec<HistoryEntry>> = HashMap::new();
        for (debtor_id, attempts) in &chunk.attempts {
            histories.insert(*debtor_id, history(attempts)?);
        }
        let mut given: HashMap<i64, Vec<Consent>> = HashMap::new();
        for (debtor_id, stored) in &chunk.consents {
            given.insert(*debtor_id, consents(stored)?);
        }
        let mut calls = ChunkCalls {
            first_debtor_id,
            last_debtor_id,
            at,
            accounts: Vec::new(),
            decisions: Vec::with_capacity(chunk.candidates.len()),
            tally: Tally::default(),
        };
        for candidate in &chunk.candidates {
            let known = (
                histories
                    .get(&candidate.debtor_id)
                    .map(Vec::as_slice)
                    .unwrap_or_default(),
                given
                    .get(&candidate.debtor_id)
                    .map(Vec::as_slice)
                    .unwrap_or_default(),
            );
            let account = account_of(&mut calls.accounts, candidate);
            if candidate.holds.contains(&HoldKind::Legal) {
                // Accounts with legal action under way are worked by the attorney.
                account.legal_hold = true;
                calls.tally.legal += 1;
                continue;
            }
            let (phone, decision) = self.consider(candidate, known, at, &mut calls.tally)?;
            account.phones.push(phone);
            calls.decisions.push(decision);
        }
        Ok(calls)
    }

    /// The earliest attempt the rule set looks back to for a call at `at`.
    fn history_since(&self, at: Timestamp) -> Timestamp {
        match self.rules.lookback_days(Action::Call) {
            Some(days) => at
                .checked_sub(jiff::Span::new().hours(days * 24))
                .unwrap_or(Timestamp::MIN),
            None => Timestamp::MIN,
        }
    }

    fn consider(
        &self,
        candidate: &DialerCandidate,
        (history, consents): (&[HistoryEntry], &[Consent]),
        at: Timestamp,
        tally: &mut Tally,
    ) -> Result<(PhoneCall, NewDecision), Error> {
        let point = Point {
            kind: ContactKind::parse(&candidate.phone_kind).ok_or_else(|| {
                store::StoreError::Corrupt(format!("contact kind {:?}", candidate.phone_kind))
            })?,
            value: candidate.phone.clone(),
            // The store lists only usable phones.
            status: ContactStatus::Unverified,
        };
        let facts = Facts {
            account_ref: &candidate.account_ref,
            stored_zones: &candidate.time_zones,
            state: candidate.state.as_deref(),
            holds: &candidate.holds,
            dispute_placed_at_us: candidate.dispute_placed_at_us,
            validation_notice_sent_at: candidate.validation_notice_sent_at,
            // Calls: returned mail changes nothing the dialer is asked.
            undeliverable_notice_at: None,
            history,
            consents,
            // Opt-outs of email and texts say nothing about a call.
            email_opted_out: false,
            sms_opted_out: false,
        };
        let asked = facts.ask(self.rules, at, Action::Call, Some(&point), None);
        if asked.zones.basis == ZoneBasis::EveryUsZone {
            tally.zone_unknown += 1;
        }
        let decision = asked.decision(candidate.account_id, AskedBy::Dialer);
        let allowed = asked.allowed();
        if allowed {
            tally.listed += 1;
        } else {
            tally.denied += 1;
        }
        let phone = PhoneCall {
            phone: candidate.phone.clone(),
            allowed,
            allowed_until: allowed
                .then(|| convenient_until(at, &asked.zones.zones, &[]))
                .flatten(),
            next_allowed_at: (!allowed).then_some(asked.answer.next_allowed_at).flatten(),
        };
        Ok((phone, decision))
    }
}

/// The entry of `candidate`'s account: the last one when the candidate is another phone
/// of it (candidates come grouped by account), else a new one.
fn account_of<'a>(
    accounts: &'a mut Vec<AccountCalls>,
    candidate: &DialerCandidate,
) -> &'a mut AccountCalls {
    let is_last = accounts
        .last()
        .is_some_and(|last| last.account_id == candidate.account_id);
    if !is_last {
        accounts.push(AccountCalls {
            account_id: candidate.account_id,
            debtor_id: candidate.debtor_id,
            creditor: candidate.creditor.clone(),
            account_ref: candidate.account_ref.clone(),
            legal_hold: false,
            phones: Vec::new(),
        });
    }
    accounts.last_mut().expect("an account was just pushed")
}

/// The chunk's allowed phones as lines of the list, in the chunk's order.
fn write_lines(out: &mut impl Write, calls: &ChunkCalls, json: bool) -> std::io::Result<()> {
    for account in &calls.accounts {
        for phone in account.phones.iter().filter(|phone| phone.allowed) {
            let until = phone
                .allowed_until
                .map(|instant| instant.to_string())
                .unwrap_or_default();
            if json {
                let line = serde_json::json!({
                    "creditor": account.creditor, "account_ref": account.account_ref,
                    "phone": phone.phone, "allowed_until": until,
                });
                writeln!(out, "{line}")?;
            } else {
                writeln!(
                    out,
                    "{},{},{},{until}",
                    csv_field(&account.creditor),
                    csv_field(&account.account_ref),
                    phone.phone
                )?;
            }
        }
    }
    Ok(())
}

/// A text cell of the list: safe to open in a spreadsheet, then RFC 4180 quoting when
/// it needs it.
fn csv_field(text: &str) -> String {
    let text = crate::export::spreadsheet_text(text);
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}
