//! The call queue: "Next account" hands out a debtor the agent may call now, the queue
//! page shows only what it would hand out, and callbacks the debtor asked for are their
//! consent.
//!
//! Decided here:
//! - a call queue hands out an account only when one of the debtor's usable phones may
//!   be called now (`contact::Known::callable`, the same pipeline as every other door);
//!   accounts reachable only by email or mail are left for those channels;
//! - the lock is the debtor's (`Store::try_lock`): all their accounts, one agent;
//! - a callback the debtor asked for records their consent to a call in
//!   [agreed instant, agreed instant + `CALLBACK_CONSENT_MINUTES`) (12 CFR 1006.6(b)(1),
//!   1006.14(b)(3)); one the agent chose must be a time the engine allows a call.

use crate::contact::{Asked, Callable, Known};
use crate::workspace::seen;
use crate::{App, Error, require};
use compliance::facts::{Action, Consent};
use domain::contact::Disposition;
use domain::permission::Permission;
use jiff::{Span, Timestamp};
use store::sessions::SessionUser;
use store::view::AccountView;
use store::workspace::{CallbackConsent, QueueCandidate};

/// How many queue candidates "Next account" considers per press (bounded work: each is
/// read and asked about once per usable phone).
pub const NEXT_ACCOUNT_CANDIDATES: i64 = 50;

/// How long the window of a callback the debtor asked for lasts, from the agreed
/// instant: the debtor consented to a call then, not to one at any time that day.
pub const CALLBACK_CONSENT_MINUTES: i64 = 30;

/// Due callbacks the queue page lists (each asked about like "Next account" would).
pub const QUEUE_CALLBACKS_SHOWN: i64 = 20;

/// The agent's queue as the queue page shows it.
#[derive(Clone, Debug)]
pub struct Queue {
    /// Accounts the agent may still take today (capped at `QUEUE_COUNT_MAX`).
    pub remaining: i64,
    /// More than the cap.
    pub more: bool,
    /// Callbacks due by now, first in the queue, each with whether "Next account" would
    /// hand it out now.
    pub callbacks: Vec<DueCallback>,
}

/// A callback due by now.
#[derive(Clone, Debug)]
pub struct DueCallback {
    pub candidate: QueueCandidate,
    pub state: CallbackState,
}

#[derive(Clone, Debug)]
pub enum CallbackState {
    /// "Next account" hands it out now.
    DueNow,
    /// The compliance engine refuses every usable phone now: why, and when it clears
    /// (`answer.next_allowed_at`, in the debtor's zone `zones.display()`).
    Waiting(Box<Asked>),
    /// No usable phone on file.
    NoPhone,
}

impl CallbackState {
    fn of(callable: Callable) -> CallbackState {
        match callable {
            Callable::Yes(_) => CallbackState::DueNow,
            Callable::Refused(asked) => CallbackState::Waiting(asked),
            Callable::NoPhone => CallbackState::NoPhone,
        }
    }
}

/// A callback scheduled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Scheduled {
    pub id: i64,
    /// The debtor asked for a time outside 08:00–21:00 on one of their clocks: allowed
    /// (their consent), shown with a note.
    pub outside_hours: bool,
}

/// Why a callback was not scheduled (field `at`).
#[derive(Clone, Debug)]
pub enum CallbackProblem {
    /// Not a time in the debtor's future.
    NotInFuture,
    /// The compliance engine would not allow a call then (an agent-chosen time outside
    /// the debtor's convenient hours, a call limit, a hold): the answer says why and when.
    Refused(Box<Asked>),
}

impl CallbackProblem {
    pub fn field(&self) -> &'static str {
        "at"
    }
}

/// Whether a callback is taken as the debtor's request unless the agent says otherwise:
/// yes when the disposition is "callback requested".
pub fn requested_by_default(disposition: Option<Disposition>) -> bool {
    disposition.is_none_or(|disposition| disposition == Disposition::Callback)
}

impl App {
    /// "Next account": the first queue candidate (due callbacks first) whose debtor may
    /// be called now through one of their usable phones, locked to the agent with all
    /// the debtor's accounts; `None` when no candidate may be called.
    pub async fn next_account(&self, user: &SessionUser) -> Result<Option<QueueCandidate>, Error> {
        require(user, Permission::WorkAccounts)?;
        let now = self.store.now();
        let candidates = self
            .store
            .queue_candidates(user, now, NEXT_ACCOUNT_CANDIDATES)
            .await?;
        // Lock first, then ask: one write takes the first candidate no one else holds
        // (agents pressing at once who find the best taken get the next without
        // queueing for the writer again), and only the account taken is read and asked
        // about. One the engine would not let be called now is passed over, and the
        // next write moves the lock on (`lock_first` releases the agent's other locks).
        let mut remaining = candidates;
        while !remaining.is_empty() {
            let ids: Vec<i64> = remaining
                .iter()
                .map(|candidate| candidate.account_id)
                .collect();
            let Some(taken) = self.store.lock_first(user, &ids, now).await? else {
                break;
            };
            let index = ids
                .iter()
                .position(|id| *id == taken)
                .expect("lock_first takes one of the accounts it is given");
            // Those before it are held by other agents: not for this press.
            let candidate = remaining
                .drain(..=index)
                .next_back()
                .expect("index is in range");
            let known = self
                .known(&candidate.creditor, &candidate.account_ref)
                .await?;
            if matches!(known.callable(self.rules, now), Callable::Yes(_)) {
                return Ok(Some(candidate));
            }
        }
        // Nothing may be called now: hold no one.
        self.store.release_locks(user).await?;
        Ok(None)
    }

    /// The queue page: how many remain, and the due callbacks each asked about as
    /// "Next account" asks, so none is listed as due that it would skip.
    pub async fn queue(&self, user: &SessionUser) -> Result<Queue, Error> {
        require(user, Permission::WorkAccounts)?;
        let now = self.store.now();
        let counted = self.store.queue_size(user, now).await?;
        let mut callbacks = Vec::new();
        for candidate in self
            .store
            .queue_candidates(user, now, QUEUE_CALLBACKS_SHOWN)
            .await?
        {
            if candidate.callback_id.is_none() {
                continue;
            }
            let known = self
                .known(&candidate.creditor, &candidate.account_ref)
                .await?;
            callbacks.push(DueCallback {
                candidate,
                state: CallbackState::of(known.callable(self.rules, now)),
            });
        }
        Ok(Queue {
            remaining: counted.min(store::workspace::QUEUE_COUNT_MAX),
            more: counted > store::workspace::QUEUE_COUNT_MAX,
            callbacks,
        })
    }

    /// Schedules a callback at `local`, a time on the debtor's wall clock (their first
    /// plausible zone), which must be in the future. `requested_by_debtor`: the debtor
    /// asked for that time — their consent to a call then is recorded with it, and a
    /// time outside 08:00–21:00 is allowed (`Scheduled::outside_hours`). Otherwise the
    /// engine must allow a call at that instant, or the callback is refused with why.
    pub async fn schedule_callback(
        &self,
        user: &SessionUser,
        view: &AccountView,
        version: i64,
        local: jiff::civil::DateTime,
        note: Option<&str>,
        requested_by_debtor: bool,
    ) -> Result<Result<Scheduled, CallbackProblem>, Error> {
        require(user, Permission::WorkAccounts)?;
        let now = self.store.now();
        let zone =
            crate::contact::zones_now(&view.time_zones, view.state.as_deref(), None).display();
        let Some(due_at) = zone.to_timestamp(local).ok().filter(|due_at| *due_at > now) else {
            return Ok(Err(CallbackProblem::NotInFuture));
        };
        let mut known = self.known(&view.creditor, &view.account_ref).await?;
        let consent = if requested_by_debtor {
            let to = due_at
                .checked_add(Span::new().minutes(CALLBACK_CONSENT_MINUTES))
                .map_err(|_| Error::Store(store::StoreError::Invalid("callback time".into())))?;
            known.consents.push(Consent {
                given_at: now,
                from: due_at,
                to,
                action: Action::Call,
            });
            Some(CallbackConsent { from: due_at, to })
        } else {
            None
        };
        if let Some(refused) = refused_then(self, &known, due_at) {
            return Ok(Err(CallbackProblem::Refused(refused)));
        }
        let outside_hours =
            !compliance::hours::within_convenient_hours(due_at, &known.zones().zones);
        let id = self
            .store
            .schedule_callback(user, seen(view, version), due_at, note, consent)
            .await?;
        Ok(Ok(Scheduled { id, outside_hours }))
    }
}

/// The engine's refusal of a call at `at` (with what `known` holds, the new consent
/// included), or `None` when some phone may be called then. With no usable phone the
/// debtor's zones alone are asked about.
fn refused_then(app: &App, known: &Known, at: Timestamp) -> Option<Box<Asked>> {
    match known.callable(app.rules, at) {
        Callable::Yes(_) => None,
        Callable::Refused(asked) => Some(asked),
        Callable::NoPhone => {
            let asked = known.ask(app.rules, at, Action::Call, None);
            (!asked.allowed()).then(|| Box::new(asked))
        }
    }
}
