//! The collector's use cases on one account: see it (creditor scope), take the next one
//! from the queue, log a contact attempt.

use crate::contact::{Asked, AskedBy, Known, outcome_of};
use crate::{App, Error, require};
use compliance::facts::Action;
use domain::account::HoldKind;
use domain::contact::Disposition;
use domain::money::Amount;
use domain::party::{ContactKind, ContactStatus, EmailAddress, PhoneNumber};
use domain::permission::Permission;
use jiff::civil::Date;
use store::sessions::SessionUser;
use store::view::AccountView;
use store::workspace::{NOTE_LENGTH_MAX, NewAttempt, Seen};

pub use crate::queue::{CallbackProblem, NEXT_ACCOUNT_CANDIDATES, Queue, Scheduled};

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
    /// A letter, and the debtor's address is incomplete: nothing can be mailed to it.
    Address,
}

impl AttemptProblem {
    pub fn field(self) -> &'static str {
        match self {
            AttemptProblem::Action => "action",
            AttemptProblem::Contact => "contact",
            AttemptProblem::Note => "note",
            AttemptProblem::Address => "address",
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
        if input.action == Action::Letter && view.address_incomplete {
            problems.push(AttemptProblem::Address);
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
            under_consent: known.call_under_consent(input.action, now),
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

// ---------------------------------------------------------------- promises

/// One dated amount of a promise, as the agent entered it on row `row` (from 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PromiseLine {
    pub row: usize,
    pub due_on: Date,
    pub amount: Amount,
}

/// Why a promise was not recorded; `field()` names the form field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PromiseProblem {
    /// No dated amount at all.
    Empty,
    /// Before today (row).
    DateInPast(usize),
    /// Zero or less (row).
    AmountNotPositive(usize),
    /// The amounts add up to more than the balance.
    AboveBalance,
    /// More than `PROMISE_PAYMENTS_MAX` dated amounts.
    TooMany,
    /// Another promise, plan or settlement is open on the account and the agent did not
    /// ask to replace it (one open arrangement per account).
    OpenArrangement,
}

impl PromiseProblem {
    pub fn field(self) -> String {
        match self {
            PromiseProblem::Empty | PromiseProblem::TooMany => "date_1".into(),
            PromiseProblem::DateInPast(row) => format!("date_{row}"),
            PromiseProblem::AmountNotPositive(row) => format!("amount_{row}"),
            PromiseProblem::AboveBalance => "amount_1".into(),
            PromiseProblem::OpenArrangement => "replace".into(),
        }
    }
}

/// The rules of a promise (pure): dates today or later, amounts above zero, the total
/// at most the balance, at most `PROMISE_PAYMENTS_MAX` amounts.
pub fn check_promise(lines: &[PromiseLine], balance: Amount, today: Date) -> Vec<PromiseProblem> {
    let mut problems = Vec::new();
    if lines.is_empty() {
        problems.push(PromiseProblem::Empty);
    }
    if lines.len() > store::workspace::PROMISE_PAYMENTS_MAX {
        problems.push(PromiseProblem::TooMany);
    }
    for line in lines {
        if line.due_on < today {
            problems.push(PromiseProblem::DateInPast(line.row));
        }
        if !line.amount.is_positive() {
            problems.push(PromiseProblem::AmountNotPositive(line.row));
        }
    }
    let total = Amount::checked_sum(lines.iter().map(|line| line.amount));
    if problems.is_empty() && total.is_none_or(|total| total > balance) {
        problems.push(PromiseProblem::AboveBalance);
    }
    problems
}

impl App {
    /// Records a promise to pay on `view` (an account the user sees), or says which
    /// lines to correct. A stale `version` is a `Store(Conflict)`. With `replace` it
    /// supersedes the promise, plan or settlement open on the account (in the same
    /// transaction); without, an open one refuses it (`OpenArrangement`).
    pub async fn record_promise(
        &self,
        user: &SessionUser,
        view: &AccountView,
        version: i64,
        lines: &[PromiseLine],
        replace: bool,
    ) -> Result<Result<i64, Vec<PromiseProblem>>, Error> {
        require(user, Permission::WorkAccounts)?;
        let today = self.store.today();
        let problems = check_promise(lines, view.balance(), today);
        if !problems.is_empty() {
            return Ok(Err(problems));
        }
        let mut payments: Vec<(Date, Amount)> = lines
            .iter()
            .map(|line| (line.due_on, line.amount))
            .collect();
        payments.sort_by_key(|(due_on, _)| *due_on);
        let recorded = self
            .store
            .record_promise_replacing(
                user,
                seen(view, version),
                today,
                &payments,
                store::arrangements::Replace(replace),
            )
            .await?;
        Ok(recorded.map_err(|_open| vec![PromiseProblem::OpenArrangement]))
    }
}

pub(crate) fn seen(view: &AccountView, version: i64) -> Seen<'_> {
    Seen {
        creditor: &view.creditor,
        account_ref: &view.account_ref,
        version,
    }
}

// ---------------------------------------------------------------- notes and callbacks

/// A note that is empty or longer than `NOTE_LENGTH_MAX` characters (field `body`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NoteProblem;

impl App {
    pub async fn add_note(
        &self,
        user: &SessionUser,
        view: &AccountView,
        version: i64,
        body: &str,
    ) -> Result<Result<i64, NoteProblem>, Error> {
        require(user, Permission::WorkAccounts)?;
        let body = body.trim();
        if body.is_empty() || body.chars().count() > NOTE_LENGTH_MAX {
            return Ok(Err(NoteProblem));
        }
        Ok(Ok(self
            .store
            .add_note(user, seen(view, version), body)
            .await?))
    }
}

// ---------------------------------------------------------------- disputes and flags

/// Why a dispute or a flag was not saved; `field()` names the form field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HoldProblem {
    /// The dispute's account of what the debtor said: empty or too long.
    Detail,
    /// Not a flag an agent sets (cease, attorney, bankruptcy, deceased).
    Kind,
    /// Not enough to set the flag (see [`evidence_ok`]).
    Evidence,
}

impl HoldProblem {
    pub fn field(self) -> &'static str {
        match self {
            HoldProblem::Detail => "detail",
            HoldProblem::Kind => "kind",
            HoldProblem::Evidence => "evidence",
        }
    }
}

/// Whether `evidence` is enough to set a flag of `kind`: bankruptcy needs a case number,
/// a chapter (7, 11, 12 or 13) and the filed date; an attorney a name and a phone; cease
/// and deceased a source.
pub fn evidence_ok(kind: HoldKind, evidence: &str) -> bool {
    let evidence = evidence.trim();
    if evidence.is_empty() || evidence.chars().count() > store::accounts::REASON_LENGTH_MAX {
        return false;
    }
    let lower = evidence.to_lowercase();
    match kind {
        HoldKind::Bankruptcy => {
            let has_date = evidence
                .split(|c: char| c.is_whitespace() || c == ',' || c == ';')
                .any(|word| word.parse::<Date>().is_ok());
            let has_chapter = [
                "chapter 7",
                "chapter 11",
                "chapter 12",
                "chapter 13",
                "ch. 7",
                "ch. 13",
            ]
            .iter()
            .any(|chapter| lower.contains(chapter));
            let has_case = lower.contains("case") && evidence.bytes().any(|b| b.is_ascii_digit());
            has_date && has_chapter && has_case
        }
        HoldKind::Attorney => {
            let digits = evidence.bytes().filter(u8::is_ascii_digit).count();
            digits >= 10 && evidence.chars().any(char::is_alphabetic)
        }
        _ => true,
    }
}

/// The flags an agent sets or clears from the account page.
pub const AGENT_FLAGS: &[HoldKind] = &[
    HoldKind::Cease,
    HoldKind::Attorney,
    HoldKind::Bankruptcy,
    HoldKind::Deceased,
];

impl App {
    /// Logs a dispute: the account goes on a dispute hold (no collection until verified,
    /// 12 CFR 1006.38(d)(2)) and enters the supervisors' dispute queue.
    pub async fn log_dispute(
        &self,
        user: &SessionUser,
        view: &AccountView,
        version: i64,
        detail: &str,
    ) -> Result<Result<(), HoldProblem>, Error> {
        require(user, Permission::WorkAccounts)?;
        let detail = detail.trim();
        if detail.is_empty() || detail.chars().count() > store::accounts::REASON_LENGTH_MAX {
            return Ok(Err(HoldProblem::Detail));
        }
        self.store
            .place_hold_seen(
                user,
                seen(view, version),
                HoldKind::Dispute,
                detail,
                "dispute logged by an agent",
            )
            .await?;
        Ok(Ok(()))
    }

    /// Sets (`set`) or clears a flag with its evidence.
    pub async fn save_flag(
        &self,
        user: &SessionUser,
        view: &AccountView,
        version: i64,
        kind: HoldKind,
        set: bool,
        evidence: &str,
    ) -> Result<Result<(), HoldProblem>, Error> {
        require(user, Permission::WorkAccounts)?;
        if !AGENT_FLAGS.contains(&kind) {
            return Ok(Err(HoldProblem::Kind));
        }
        if !evidence_ok(kind, evidence) {
            return Ok(Err(HoldProblem::Evidence));
        }
        let evidence = evidence.trim();
        if set {
            self.store
                .place_hold_seen(
                    user,
                    seen(view, version),
                    kind,
                    evidence,
                    "flag set by an agent",
                )
                .await?;
        } else {
            self.store
                .release_hold_seen(user, seen(view, version), kind, evidence)
                .await?;
        }
        Ok(Ok(()))
    }
}

// ---------------------------------------------------------------- contact points

/// Where a new number or address came from, at most this long.
pub const SOURCE_LENGTH_MAX: usize = 64;

impl App {
    /// Adds a number or address (from a skip trace, the debtor, …), already parsed.
    pub async fn add_contact(
        &self,
        user: &SessionUser,
        view: &AccountView,
        version: i64,
        point: NewPoint,
        source: &str,
    ) -> Result<(), Error> {
        require(user, Permission::WorkAccounts)?;
        let source = Some(source.trim())
            .filter(|source| !source.is_empty() && source.len() <= SOURCE_LENGTH_MAX)
            .unwrap_or("agent");
        let (kind, value) = match &point {
            NewPoint::Phone(kind, phone) => (*kind, phone.e164().to_string()),
            NewPoint::Email(email) => (ContactKind::Email, email.as_str().to_string()),
        };
        self.store
            .add_contact_point(user, seen(view, version), kind, &value, source)
            .await?;
        Ok(())
    }

    /// Marks one of the debtor's contact points (verified, bad, wrong party, …).
    pub async fn set_contact_status(
        &self,
        user: &SessionUser,
        view: &AccountView,
        version: i64,
        value: &str,
        status: ContactStatus,
    ) -> Result<(), Error> {
        require(user, Permission::WorkAccounts)?;
        self.store
            .set_contact_status(user, seen(view, version), value, status)
            .await?;
        Ok(())
    }
}

/// A contact point to add, parsed at the edge.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NewPoint {
    Phone(ContactKind, PhoneNumber),
    Email(EmailAddress),
}

impl NewPoint {
    /// A kind code and a value as typed: the number normalised to E.164, the address
    /// checked; `None` when they do not go together.
    pub fn parse(kind: &str, value: &str) -> Option<NewPoint> {
        match ContactKind::parse(kind)? {
            ContactKind::Email => EmailAddress::parse(value).map(NewPoint::Email),
            phone => PhoneNumber::parse(value).map(|number| NewPoint::Phone(phone, number)),
        }
    }
}

// ---------------------------------------------------------------- the account page

/// The debtor's sensitive identity as this user may see it: in the clear for the roles
/// that may, masked for the others (`None`: not on file).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    pub date_of_birth: Option<String>,
    pub ssn_last4: Option<String>,
}

impl App {
    pub async fn identity(
        &self,
        user: &SessionUser,
        view: &AccountView,
    ) -> Result<Identity, Error> {
        require(user, Permission::ViewAccounts)?;
        let (dob, ssn) = self.store.sensitive_identity(view.account_id).await?;
        let sees = domain::permission::allows(user.role, Permission::SeeSensitive);
        Ok(Identity {
            date_of_birth: dob.map(|date| {
                if sees {
                    date
                } else {
                    "••••-••-••".into()
                }
            }),
            ssn_last4: ssn.map(|last4| {
                if sees {
                    format!("•••-••-{last4}")
                } else {
                    "•••-••-••••".into()
                }
            }),
        })
    }
}

// ---------------------------------------------------------------- supervisors

/// The supervisors' team view of one business day.
#[derive(Clone, Debug)]
pub struct TeamDay {
    pub agents: Vec<store::workspace::AgentDay>,
    pub disputes: Vec<store::workspace::OpenDispute>,
    pub kept_rates: Vec<store::money_views::KeptRate>,
}

/// Why an assignment was not made; `field()` names the form field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AssignProblem {
    /// No such account among the supervisor's creditors.
    Account,
    /// The store refused the agent named (the message says why).
    Agent(String),
}

impl AssignProblem {
    pub fn field(&self) -> &'static str {
        match self {
            AssignProblem::Account => "account_ref",
            AssignProblem::Agent(_) => "agent",
        }
    }
}

impl App {
    /// The team's day from `start` to `end`, open disputes and promise-kept rates.
    pub async fn team_day(
        &self,
        user: &SessionUser,
        start: jiff::Timestamp,
        end: jiff::Timestamp,
    ) -> Result<TeamDay, Error> {
        require(user, Permission::Supervise)?;
        Ok(TeamDay {
            agents: self.store.team_day(user, start, end).await?,
            disputes: self.store.open_disputes(user).await?,
            kept_rates: self.store.promise_kept_rates(user).await?,
        })
    }

    /// Assigns one account to an agent (`None`: back to the pool).
    pub async fn assign_account(
        &self,
        user: &SessionUser,
        creditor: &str,
        account_ref: &str,
        agent: Option<&str>,
    ) -> Result<Result<(), AssignProblem>, Error> {
        require(user, Permission::Supervise)?;
        match self
            .store
            .assign_account(user, creditor, account_ref, agent)
            .await
        {
            Ok(()) => Ok(Ok(())),
            Err(store::StoreError::NotFound(_)) => Ok(Err(AssignProblem::Account)),
            Err(store::StoreError::Invalid(message)) => Ok(Err(AssignProblem::Agent(message))),
            Err(other) => Err(other.into()),
        }
    }

    /// Moves every account assigned to `from` to `to`; the number moved, or why not
    /// (field `from`).
    pub async fn reassign_queue(
        &self,
        user: &SessionUser,
        from: &str,
        to: &str,
    ) -> Result<Result<u64, String>, Error> {
        require(user, Permission::Supervise)?;
        match self.store.reassign_queue(user, from, to).await {
            Ok(moved) => Ok(Ok(moved)),
            Err(store::StoreError::Invalid(message)) => Ok(Err(message)),
            Err(other) => Err(other.into()),
        }
    }
}

// ---------------------------------------------------------------- what the account page reads

/// Everything the account page shows besides the compliance banner and money: the
/// debtor's other accounts the user sees, notes, promises, callbacks, the account's
/// audit trail, and who else has it open.
#[derive(Clone, Debug)]
pub struct AccountRecords {
    /// The debtor's accounts of the user's creditors, `view` itself included, in the
    /// store's order.
    pub accounts: Vec<AccountView>,
    pub notes: Vec<store::workspace::Note>,
    pub promises: Vec<store::workspace::Promise>,
    pub callbacks: Vec<store::workspace::Callback>,
    pub audit: Vec<store::audit::AuditEntry>,
    /// Another agent working the account now.
    pub locked_by: Option<String>,
}

/// Audit events the account page lists.
pub const ACCOUNT_AUDIT_EVENTS: i64 = 50;

impl App {
    pub async fn account_records(
        &self,
        user: &SessionUser,
        view: &AccountView,
    ) -> Result<AccountRecords, Error> {
        require(user, Permission::ViewAccounts)?;
        let today = self.store.today();
        let mut accounts = Vec::new();
        for (creditor_id, creditor, account_ref) in
            self.store.debtor_account_refs(view.debtor_id).await?
        {
            if !user.may_see_creditor(creditor_id) {
                continue;
            }
            if creditor == view.creditor && account_ref == view.account_ref {
                accounts.push(view.clone());
            } else if let Some(sibling) = self
                .store
                .account_view(&creditor, &account_ref, today)
                .await?
            {
                accounts.push(sibling);
            }
        }
        let key = format!("{}/{}", view.creditor, view.account_ref);
        Ok(AccountRecords {
            accounts,
            notes: self.store.notes(view.account_id).await?,
            promises: self.store.promises(view.account_id).await?,
            callbacks: self.store.callbacks(view.account_id).await?,
            audit: self
                .store
                .audit_log(Some(&key), ACCOUNT_AUDIT_EVENTS)
                .await?,
            locked_by: self
                .store
                .locked_by_other(user, view.account_id, self.store.now())
                .await?,
        })
    }

    /// The account's own contact attempts (the API's list), oldest first.
    pub async fn attempts(
        &self,
        user: &SessionUser,
        view: &AccountView,
    ) -> Result<Vec<store::workspace::Attempt>, Error> {
        require(user, Permission::ViewAccounts)?;
        Ok(self
            .store
            .debtor_attempts(view.account_id)
            .await?
            .into_iter()
            .filter(|attempt| attempt.account_id == view.account_id)
            .collect())
    }

    pub async fn promises(
        &self,
        user: &SessionUser,
        view: &AccountView,
    ) -> Result<Vec<store::workspace::Promise>, Error> {
        require(user, Permission::ViewAccounts)?;
        Ok(self.store.promises(view.account_id).await?)
    }

    pub async fn notes(
        &self,
        user: &SessionUser,
        view: &AccountView,
    ) -> Result<Vec<store::workspace::Note>, Error> {
        require(user, Permission::ViewAccounts)?;
        Ok(self.store.notes(view.account_id).await?)
    }
}
