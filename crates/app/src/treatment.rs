//! The treatment dispatcher (issue 16): works the steps the nightly engine fired
//! (`strategy_actions`, status `pending`), each through the same use case a person's
//! action takes, so every letter, email and text asks the compliance engine when it
//! goes (docs/batch.md, "Treatment steps").
//!
//! - `letter`: [`App::send_letter_for_step`] (compliance with the template's purpose,
//!   the PDF, the print queue) in the debtor's language; the step is marked sent in the
//!   letter's own transaction.
//! - `email`, `sms`: [`App::send_message_at`] (compliance, opt-outs, the channel's
//!   framing) under the idempotency key `treatment:ID` (`store::treatment::message_key`).
//! - `call`: nothing to send (the batch raised the queue priority): done.
//! - `review`: a note on the account with the strategy's question (on the account page
//!   and its timeline), done.
//! - `escalate`: a note and an `account.escalation_requested` audit event; nothing is
//!   recalled, referred or held — a person decides.
//!
//! A step on an account no longer active is skipped, and so is a validation notice on
//! an account that has had one (a second notice would state another period than the
//! one running).
//!
//! A compliance refusal leaves the step pending until the engine's next allowed instant
//! (a day later when it names none), counting the try and keeping the rules and reasons;
//! a step not sent within the strategy's `max_retry_days` of its due date is skipped
//! with the reason. A step that cannot be done as written (no such template, one that
//! does not render) fails, once.
//!
//! **Invariant:** a step is sent at most once. A letter's step leaves `pending` in the
//! transaction that records the letter (guarded by the status, so a second dispatcher
//! records nothing); an email's or text's outbox row is keyed by the step, and a step
//! whose message is already in the outbox (the dispatcher died between queueing and
//! marking it) is marked sent without asking again.

use crate::letters::{Lang, LetterError, LetterOutcome};
use crate::messages::{Channel, MessageError, RefusedBy, Send, Sent};
use crate::{App, Error};
use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};
use std::path::Path;
use store::treatment::{DueStep, StepEnd, StepStatus, message_key};
use store::{Actor, StoreError};
use strategy::Escalation;

/// Steps read per page: a dispatch over a million accounts holds one page in memory.
pub const DISPATCH_PAGE: i64 = 500;
/// When the engine refuses without naming an instant that would be allowed (an
/// opt-out, a hold), the step is asked about again this much later.
pub const RETRY_WITHOUT_INSTANT_HOURS: i64 = 24;

/// The actions a strategy step may take, in the order the tally lists them.
pub const ACTIONS: &[&str] = &["letter", "email", "sms", "call", "review", "escalate"];

/// What happened to the steps of one action.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ActionTally {
    /// Letters queued for print, emails and texts queued in the outbox, calls, reviews
    /// and escalations recorded.
    pub done: u64,
    /// Refused by compliance, waiting to be tried again.
    pub refused: u64,
    pub skipped: u64,
    pub failed: u64,
}

/// What a dispatch did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TreatmentTally {
    pub as_of: Date,
    /// One entry per action of [`ACTIONS`], in that order (and `other`, when a stored
    /// step names an action no strategy writes).
    pub actions: Vec<(&'static str, ActionTally)>,
    /// The earliest instant a refused step will be tried again.
    pub next_retry_at: Option<Timestamp>,
    /// Letters left pending because no documents folder is configured.
    pub waiting_for_documents_folder: u64,
    /// Steps another dispatcher ended while this one worked on them (nothing done here).
    pub ended_elsewhere: u64,
}

impl TreatmentTally {
    /// The counts as JSON: `{"letter": {"done": 3, "refused": 0, …}, …, "next_retry_at": …}`.
    pub fn summary(&self) -> serde_json::Value {
        let mut summary: serde_json::Map<String, serde_json::Value> = self
            .actions
            .iter()
            .map(|(action, counts)| {
                (
                    action.to_string(),
                    serde_json::json!({
                        "done": counts.done, "refused": counts.refused,
                        "skipped": counts.skipped, "failed": counts.failed,
                    }),
                )
            })
            .collect();
        summary.insert(
            "next_retry_at".into(),
            serde_json::json!(self.next_retry_at.map(|at| at.to_string())),
        );
        summary.insert(
            "waiting_for_documents_folder".into(),
            serde_json::json!(self.waiting_for_documents_folder),
        );
        serde_json::Value::Object(summary)
    }

    fn new(as_of: Date) -> TreatmentTally {
        TreatmentTally {
            as_of,
            actions: ACTIONS
                .iter()
                .map(|action| (*action, ActionTally::default()))
                .collect(),
            next_retry_at: None,
            waiting_for_documents_folder: 0,
            ended_elsewhere: 0,
        }
    }

    /// The counts of `action`.
    pub fn of(&self, action: &str) -> ActionTally {
        self.actions
            .iter()
            .find(|(name, _)| *name == action)
            .map(|(_, tally)| *tally)
            .unwrap_or_default()
    }

    /// The counts of `action`; a step stored with an action no strategy writes (it
    /// fails) counts under `other`.
    fn count(&mut self, action: &str) -> &mut ActionTally {
        let name = ACTIONS
            .iter()
            .copied()
            .find(|name| *name == action)
            .unwrap_or("other");
        let index = match self.actions.iter().position(|(known, _)| *known == name) {
            Some(index) => index,
            None => {
                self.actions.push((name, ActionTally::default()));
                self.actions.len() - 1
            }
        };
        &mut self.actions[index].1
    }

    fn retry_at(&mut self, at: Timestamp) {
        self.next_retry_at = Some(self.next_retry_at.map_or(at, |next| next.min(at)));
    }
}

/// A step as the strategy file wrote it (`detail`), parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StepAction {
    Letter(String),
    Email(String),
    Sms(String),
    Call(u8),
    Review(String),
    Escalate(Escalation),
}

/// Parses a step's `detail` (`strategy::Action`'s `Display`: `letter =
/// "payment_reminder"`, `call = 60`) for its `action`; the reason when it does not read.
pub fn parse_step(action: &str, detail: &str) -> Result<StepAction, String> {
    let (key, value) = detail
        .split_once(" = ")
        .ok_or_else(|| format!("step {detail:?}: expected `KEY = VALUE`"))?;
    if key != action {
        return Err(format!(
            "step {detail:?}: written as {key}, stored as {action}"
        ));
    }
    let text =
        || unquote(value).ok_or_else(|| format!("step {detail:?}: {value} is not a quoted string"));
    Ok(match key {
        "letter" => StepAction::Letter(text()?),
        "email" => StepAction::Email(text()?),
        "sms" => StepAction::Sms(text()?),
        "review" => StepAction::Review(text()?),
        "call" => StepAction::Call(
            value
                .parse()
                .map_err(|_| format!("step {detail:?}: {value} is not a priority 0 … 100"))?,
        ),
        "escalate" => {
            let to = text()?;
            StepAction::Escalate(
                Escalation::parse(&to)
                    .ok_or_else(|| format!("step {detail:?}: no escalation {to:?}"))?,
            )
        }
        other => return Err(format!("step {detail:?}: no action {other:?}")),
    })
}

/// A string as Rust's `Debug` writes it (what `strategy::Action`'s `Display` uses).
fn unquote(value: &str) -> Option<String> {
    let inner = value.strip_prefix('"')?.strip_suffix('"')?;
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next()? {
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            '0' => out.push('\0'),
            '\\' => out.push('\\'),
            '"' => out.push('"'),
            '\'' => out.push('\''),
            'u' => {
                let rest: String = chars.by_ref().take_while(|c| *c != '}').collect();
                let hex = rest.strip_prefix('{')?;
                out.push(char::from_u32(u32::from_str_radix(hex, 16).ok()?)?);
            }
            _ => return None,
        }
    }
    Some(out)
}

/// How working one step ended, before it is written.
enum Worked {
    /// Written already, in the transaction that did the step.
    Written(StepStatus),
    /// To write now.
    End(StepStatus, String),
    Refused {
        refused_by: Vec<RefusedBy>,
        next_allowed_at: Option<Timestamp>,
    },
    /// Another dispatcher ended the step first.
    EndedElsewhere,
    /// No documents folder: the letter waits.
    Waiting,
}

impl App {
    /// Works every pending treatment step due by `as_of` whose retry instant has come
    /// by `now` (see the module), with the `max_retry_days` of the strategy in force.
    pub async fn dispatch_treatment(
        &self,
        actor: &Actor,
        as_of: Date,
        now: Timestamp,
    ) -> Result<TreatmentTally, Error> {
        let max_retry_days = self.strategy_in_force().await?.strategy.max_retry_days();
        self.dispatch_treatment_with(actor, as_of, now, max_retry_days)
            .await
    }

    /// [`App::dispatch_treatment`] with the strategy's `max_retry_days` given.
    pub async fn dispatch_treatment_with(
        &self,
        actor: &Actor,
        as_of: Date,
        now: Timestamp,
        max_retry_days: u32,
    ) -> Result<TreatmentTally, Error> {
        let documents = self.documents.dir.clone();
        let mut tally = TreatmentTally::new(as_of);
        let mut after_id = 0;
        loop {
            let page = self
                .store
                .due_steps(as_of, now, after_id, DISPATCH_PAGE)
                .await?;
            let Some(last) = page.last() else { break };
            after_id = last.id;
            for step in &page {
                // Each step is asked about, sent and recorded at the instant it is worked
                // (a long dispatch must not send at 21:30 on a decision about 20:55), and
                // never before `now`.
                let at = now.max(self.now());
                let app = self.at(at);
                let worked = app
                    .work_step(actor, step, as_of, max_retry_days, documents.as_deref())
                    .await?;
                app.finish_step(actor, step, worked, as_of, at, max_retry_days, &mut tally)
                    .await?;
            }
        }
        Ok(tally)
    }

    async fn work_step(
        &self,
        actor: &Actor,
        step: &DueStep,
        as_of: Date,
        max_retry_days: u32,
        documents: Option<&Path>,
    ) -> Result<Worked, Error> {
        // Only what compliance may refuse goes stale: a call, a review or an escalation
        // is recorded whenever the dispatcher reaches it.
        let sends = matches!(step.action.as_str(), "letter" | "email" | "sms");
        let days_due = i64::from((as_of - step.due_on).get_days());
        if sends && days_due >= i64::from(max_retry_days) {
            let last = step.outcome.as_deref().unwrap_or("never sent");
            return Ok(Worked::End(
                StepStatus::Skipped,
                format!(
                    "not sent within max_retry_days ({max_retry_days}) of {}: {last}",
                    step.due_on
                ),
            ));
        }
        if step.account_status != "active" {
            return Ok(Worked::End(
                StepStatus::Skipped,
                format!("the account is {}: no collection work", step.account_status),
            ));
        }
        let action = match parse_step(&step.action, &step.detail) {
            Ok(action) => action,
            Err(reason) => return Ok(Worked::End(StepStatus::Failed, reason)),
        };
        if let Some(reason) = notice_sent_already(step, &action) {
            return Ok(Worked::End(StepStatus::Skipped, reason));
        }
        match action {
            StepAction::Letter(template) => {
                let Some(documents) = documents else {
                    return Ok(Worked::Waiting);
                };
                self.letter_step(actor, step, &template, documents).await
            }
            StepAction::Email(template) => {
                self.message_step(actor, step, Channel::Email, &template)
                    .await
            }
            StepAction::Sms(template) => {
                self.message_step(actor, step, Channel::Sms, &template)
                    .await
            }
            StepAction::Call(priority) => Ok(Worked::End(
                StepStatus::Done,
                format!("call priority {priority} (set by the nightly queue step)"),
            )),
            StepAction::Review(question) => {
                match self
                    .store
                    .record_review_step(actor, step.id, &question)
                    .await?
                {
                    Some(_) => Ok(Worked::Written(StepStatus::Done)),
                    None => Ok(Worked::EndedElsewhere),
                }
            }
            StepAction::Escalate(to) => {
                match self
                    .store
                    .record_escalation_step(actor, step.id, to.code())
                    .await?
                {
                    Some(_) => Ok(Worked::Written(StepStatus::Done)),
                    None => Ok(Worked::EndedElsewhere),
                }
            }
        }
    }

    async fn letter_step(
        &self,
        actor: &Actor,
        step: &DueStep,
        template: &str,
        documents: &Path,
    ) -> Result<Worked, Error> {
        let lang = Lang::parse(&step.language).unwrap_or(Lang::En);
        let sent = self
            .send_letter_for_step(
                actor,
                Some(step.id),
                &step.creditor,
                &step.account_ref,
                template,
                lang,
                &self.agency(),
                documents,
            )
            .await;
        Ok(match sent {
            Ok(LetterOutcome::Sent(_)) => Worked::Written(StepStatus::Sent),
            Ok(LetterOutcome::Refused {
                refused_by,
                next_allowed_at,
                ..
            }) => Worked::Refused {
                refused_by,
                next_allowed_at,
            },
            Err(LetterError::App(Error::Store(StoreError::Conflict(_)))) => Worked::EndedElsewhere,
            Err(LetterError::NotMailable) => {
                Worked::End(StepStatus::Skipped, LetterError::NotMailable.to_string())
            }
            Err(LetterError::App(error)) => return Err(error),
            Err(error @ LetterError::Documents { .. }) => {
                return Err(Error::Store(StoreError::Config(error.to_string())));
            }
            Err(error) => Worked::End(StepStatus::Failed, error.to_string()),
        })
    }

    async fn message_step(
        &self,
        actor: &Actor,
        step: &DueStep,
        channel: Channel,
        template: &str,
    ) -> Result<Worked, Error> {
        let key = message_key(step.id);
        // Queued by a dispatcher that stopped before marking the step: it is sent.
        if let Some(id) = self.store.outbox_id_by_key(&key).await? {
            return Ok(Worked::End(StepStatus::Sent, format!("outbox {id}")));
        }
        let send = Send {
            creditor: &step.creditor,
            account_ref: &step.account_ref,
            channel,
            template,
            idempotency_key: Some(key),
            point: None,
        };
        let sent = self
            .send_message_at(
                actor,
                None,
                crate::contact::AskedBy::Strategy,
                &send,
                self.now(),
            )
            .await;
        Ok(match sent {
            Ok(Sent::Queued { id, .. }) => Worked::End(StepStatus::Sent, format!("outbox {id}")),
            Ok(Sent::Refused {
                rules,
                next_allowed_at,
            }) => Worked::Refused {
                refused_by: rules,
                next_allowed_at,
            },
            Err(error @ (MessageError::NoPoint(_) | MessageError::NoEsignConsent(_))) => {
                Worked::End(StepStatus::Skipped, error.to_string())
            }
            Err(MessageError::App(error)) => return Err(error),
            Err(error) => Worked::End(StepStatus::Failed, error.to_string()),
        })
    }

    /// Writes how a step ended and counts it.
    #[allow(clippy::too_many_arguments)]
    async fn finish_step(
        &self,
        actor: &Actor,
        step: &DueStep,
        worked: Worked,
        as_of: Date,
        now: Timestamp,
        max_retry_days: u32,
        tally: &mut TreatmentTally,
    ) -> Result<(), Error> {
        let (status, outcome, retry_at) = match worked {
            Worked::Written(status) => {
                count(tally.count(&step.action), status);
                return Ok(());
            }
            Worked::EndedElsewhere => {
                tally.ended_elsewhere += 1;
                return Ok(());
            }
            Worked::Waiting => {
                tally.waiting_for_documents_folder += 1;
                return Ok(());
            }
            Worked::End(status, outcome) => (status, outcome, None),
            Worked::Refused {
                refused_by,
                next_allowed_at,
            } => refusal(
                step,
                &refused_by,
                next_allowed_at,
                as_of,
                now,
                max_retry_days,
            ),
        };
        let end = StepEnd {
            status,
            outcome: &outcome,
            retry_at,
            tried: true,
        };
        if !self.store.end_step(actor, step.id, &end).await? {
            tally.ended_elsewhere += 1;
            return Ok(());
        }
        if status == StepStatus::Pending {
            tally.count(&step.action).refused += 1;
            if let Some(at) = retry_at {
                tally.retry_at(at);
            }
        } else {
            count(tally.count(&step.action), status);
        }
        Ok(())
    }
}

/// A validation notice step on an account that has had its notice: a second one would
/// state a validation period that is not the one running (it runs from the first
/// notice, 12 CFR 1006.34), so it is skipped with the reason.
fn notice_sent_already(step: &DueStep, action: &StepAction) -> Option<String> {
    let template = match action {
        StepAction::Letter(template) | StepAction::Email(template) => template,
        _ => return None,
    };
    if !crate::letters::is_validation_notice(template) {
        return None;
    }
    let sent_at = Timestamp::from_microsecond(step.validation_notice_sent_at_us?).ok()?;
    Some(format!(
        "the validation notice was sent already ({sent_at}); its validation period is the one that runs"
    ))
}

fn count(tally: &mut ActionTally, status: StepStatus) {
    match status {
        StepStatus::Sent | StepStatus::Done => tally.done += 1,
        StepStatus::Skipped => tally.skipped += 1,
        StepStatus::Failed => tally.failed += 1,
        StepStatus::Pending => tally.refused += 1,
    }
}

/// A refused step: pending until the engine's next allowed instant (a day later when
/// it names none), or skipped when that instant is past the strategy's
/// `max_retry_days` from the due date.
fn refusal(
    step: &DueStep,
    refused_by: &[RefusedBy],
    next_allowed_at: Option<Timestamp>,
    as_of: Date,
    now: Timestamp,
    max_retry_days: u32,
) -> (StepStatus, String, Option<Timestamp>) {
    let reasons = refused_by
        .iter()
        .map(|rule| format!("{}: {}", rule.rule, rule.message))
        .collect::<Vec<_>>()
        .join("; ");
    let reasons = if reasons.is_empty() {
        "refused by compliance".to_string()
    } else {
        reasons
    };
    let retry_at = next_allowed_at
        .filter(|at| *at > now)
        .unwrap_or_else(|| now + SignedDuration::from_hours(RETRY_WITHOUT_INSTANT_HOURS));
    let days_left = i64::from(max_retry_days) - i64::from((as_of - step.due_on).get_days());
    let window_ends = now + SignedDuration::from_hours(days_left.max(0) * 24);
    if retry_at >= window_ends {
        return (
            StepStatus::Skipped,
            format!(
                "refused by compliance and not allowed again within max_retry_days ({max_retry_days}) of {}: {reasons}",
                step.due_on
            ),
            None,
        );
    }
    (StepStatus::Pending, reasons, Some(retry_at))
}
