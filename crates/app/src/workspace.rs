//! The collector's use cases on one account: see it (creditor scope), take the next one
//! from the queue, log a contact attempt.

use crate::contact::{Asked, AskedBy, Known, outcome_of};
use crate::{App, Error, require};
use compliance::facts::Action;
use domain::contact::Disposition;
use domain::permission::Permission;
use jiff::civil::Date;
use store::sessions::SessionUser;
use store::view::AccountView;
use store::workspace::{NOTE_LENGTH_MAX, NewAttempt, QueueCandidate, Seen};

/// How many queue candidates "Next account" considers per press.
pub const NEXT_ACCOUNT_CANDIDATES: i64 = 50;

/// What an agent (or an integration) submits to log a contact attempt.
#[derive(Clone, Debug)]
pub struct AttemptInput {
    pub action: Action,
    /// One of the debtor's usable numbers or addresses (not needed for letters, visits).
    pub contact: Option<String>,
    pub disposition: Disposition,
    pub note: Option<String>,
    /// The account version the form was rendered with.
    pub version: i64,
}

/// A field of an attempt the agent must correct; `field()` is its stable identifier.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttemptProblem {
    /// The action is not a communication (call, sms, email, letter, visit).
    Action,
    /// Not one of the debtor's usable contact points for this action.
    Contact,
    /// Longer than [`NOTE_LENGTH_MAX`] characters.
    Note,
}

impl AttemptProblem {
    pub fn field(self) -> &'static str {
        match self {
            AttemptProblem::Action => "action",
            AttemptProblem::Contact => "contact",
            AttemptProblem::Note => "note",
        }
    }
}

#[derive(Debug)]
pub enum Attempted {
    /// Saved with the decision that allowed it: the attempt's id.
    Logged(i64),
    /// The compliance engine said no; the decision is logged, nothing else saved.
    Refused(Box<Asked>),
    Invalid(Vec<AttemptProblem>),
}

impl App {
    /// The account as this user may see it. Another creditor's account is as good as
    /// absent: `Store(NotFound)` for both.
    pub async fn account(
        &self,
        user: &SessionUser,
        creditor: &str,
        account_ref: &str,
        today: Date,
    ) -> Result<AccountView, Error> {
        require(user, Permission::ViewAccounts)?;
        let not_found = || {
            Error::Store(store::StoreError::NotFound(format!(
                "no account {account_ref:?} for creditor {creditor:?}"
            )))
        };
        let view = self
            .store
            .account_view(creditor, account_ref, today)
            .await?
            .ok_or_else(not_found)?;
        if !user.may_see_creditor(view.creditor_id) {
            return Err(not_found());
        }
        Ok(view)
    }

    /// "Next account": the first queue candidate the compliance engine lets the agent
    /// call now, locked to them; `None` when no candidate may be called.
    pub async fn next_account(&self, user: &SessionUser) -> Result<Option<QueueCandidate>, Error> {
        require(user, Permission::WorkAccounts)?;
        let now = self.store.now();
        let candidates = self
            .store
            .queue_candidates(user, now, NEXT_ACCOUNT_CANDIDATES)
            .await?;
        for candidate in candidates {
            let known = self
                .known(&candidate.creditor, &candidate.account_ref)
                .await?;
            let point = known.usable_point(Action::Call);
            if !known.ask(self.rules, now, Action::Call, point).allowed() {
                continue;
            }
            if self.store.try_lock(user, known.account_id, now).await? {
                return Ok(Some(candidate));
            }
        }
        Ok(None)
    }

    /// Logs a contact attempt on `view` (an account the user may see), asking the
    /// compliance engine first: a refusal is recorded in the decision log and nothing
    /// else is saved. A stale `version` is a `Store(Conflict)`.
    pub async fn log_attempt(
        &self,
        user: &SessionUser,
        view: &AccountView,
        input: &AttemptInput,
    ) -> Result<Attempted, Error> {
        require(user, Permission::WorkAccounts)?;
        let mut problems = Vec::new();
        if !input.action.is_communication() {
            problems.push(AttemptProblem::Action);
        }
        let known = self.known(&view.creditor, &view.account_ref).await?;
        let point = match &input.contact {
            Some(value) => known
                .point(value)
                .filter(|point| point.serves(input.action)),
            None => None,
        };
        if crate::contact::needs_point(input.action) && point.is_none() {
            problems.push(AttemptProblem::Contact);
        }
        let note = input
            .note
            .as_deref()
            .map(str::trim)
            .filter(|note| !note.is_empty());
        if note.is_some_and(|note| note.chars().count() > NOTE_LENGTH_MAX) {
            problems.push(AttemptProblem::Note);
        }
        if !problems.is_empty() {
            return Ok(Attempted::Invalid(problems));
        }
        let now = self.store.now();
        let asked = known.ask(self.rules, now, input.action, point);
        let decision = asked.decision(known.account_id, AskedBy::Agent);
        if !asked.allowed() {
            self.store.record_refusal(user, &decision).await?;
            return Ok(Attempted::Refused(Box::new(asked)));
        }
        let attempt = NewAttempt {
            at: now,
            action: input.action.code().into(),
            contact_point: asked.contact_point.clone(),
            direction: "outbound".into(),
            recipient: "consumer".into(),
            outcome: outcome_of(input.disposition, input.action).code().into(),
            disposition: input.disposition.code().into(),
            note: note.map(str::to_string),
        };
        let seen = Seen {
            creditor: &view.creditor,
            account_ref: &view.account_ref,
            version: input.version,
        };
        let id = self
            .store
            .record_attempt(user, seen, &attempt, &decision)
            .await?;
        Ok(Attempted::Logged(id))
    }

    /// What the engine knows of the account and the banner's answers, for a page.
    pub async fn compliance_view(&self, view: &AccountView) -> Result<(Known, Vec<Asked>), Error> {
        let known = self.known(&view.creditor, &view.account_ref).await?;
        let channels = self.channels_now(&known, self.store.now());
        Ok((known, channels))
    }
}
