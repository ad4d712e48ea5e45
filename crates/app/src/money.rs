//! Money on one account and across the team: payments an agent takes, plans and
//! settlements (quoted here, their authority decided by the store on the balance it
//! reads), refunds, adjustments and write-offs, recall, the approvals queue and the
//! exceptions list. Each use case checks its permission; each refusal is a typed
//! problem naming its field, translated only by the pages.

use crate::{App, Error, require};
use domain::account::HoldKind;
use domain::creditor::CreditorPolicy;
use domain::ledger::{Bucket, Buckets};
use domain::money::{Amount, BasisPoints, Currency};
use domain::party::Role;
use domain::permission::{Permission, allows, authority_rank};
use domain::plan::{Frequency, PlanError, PlanTerms, PolicyBreach, Schedule, Sizing};
use domain::settlement::{Authority, SettlementOffer, SettlementPayment};
use jiff::civil::Date;
use store::arrangements::{
    Approval, ArrangementView, MoneyChange, NewArrangement, OpenArrangement, REASON_CODES, Replace,
    StopRule,
};
use store::money::{IncomingPayment, Method, Outcome, Posting, Source};
use store::money_views::{ExceptionView, PaymentView};
use store::sessions::SessionUser;
use store::view::AccountView;
use store::workspace::Seen;

fn seen(view: &AccountView, version: i64) -> Seen<'_> {
    Seen {
        creditor: &view.creditor,
        account_ref: &view.account_ref,
        version,
    }
}

/// Longest payment reference an agent may type.
pub const REFERENCE_LENGTH_MAX: usize = 64;

// ---------------------------------------------------------------- the money section

/// What the account page's money section shows, and what this user may do there.
#[derive(Clone, Debug)]
pub struct MoneyView {
    pub payments: Vec<PaymentView>,
    pub arrangements: Vec<ArrangementView>,
    pub policy: CreditorPolicy,
    pub may_take_payments: bool,
    pub may_arrange: bool,
    pub may_recall: bool,
}

impl App {
    pub async fn policy_of(&self, view: &AccountView) -> Result<CreditorPolicy, Error> {
        Ok(self
            .store
            .creditor(&view.creditor)
            .await?
            .ok_or_else(|| store::StoreError::NotFound(format!("no creditor {}", view.creditor)))?
            .policy)
    }

    pub async fn money_view(
        &self,
        user: &SessionUser,
        view: &AccountView,
    ) -> Result<MoneyView, Error> {
        require(user, Permission::ViewAccounts)?;
        Ok(MoneyView {
            payments: self.store.account_payments(view.account_id).await?,
            arrangements: self.store.arrangements(view.account_id).await?,
            policy: self.policy_of(view).await?,
            may_take_payments: allows(user.role, Permission::PostMoney),
            may_arrange: allows(user.role, Permission::WorkAccounts),
            may_recall: allows(user.role, Permission::Supervise),
        })
    }

    /// The account's payments (the API's list).
    pub async fn payments(
        &self,
        user: &SessionUser,
        view: &AccountView,
    ) -> Result<Vec<PaymentView>, Error> {
        require(user, Permission::ViewAccounts)?;
        Ok(self.store.account_payments(view.account_id).await?)
    }
}

// ---------------------------------------------------------------- payments

/// A payment an agent or an integration took, parsed at the edge.
#[derive(Clone, Debug)]
pub struct NewPayment {
    pub amount: Amount,
    pub method: Method,
    /// `None`: today.
    pub paid_on: Option<Date>,
    /// Empty: one is made up (`web-…`).
    pub reference: String,
}

/// Why a payment was not posted; `field()` names the field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PaymentProblem {
    AmountNotPositive,
    PaidInFuture,
    ReferenceTooLong,
    /// The creditor already has a payment with this reference.
    ReferenceUsed,
    /// The store refused the amount (its message).
    Refused(String),
}

impl PaymentProblem {
    pub fn field(&self) -> &'static str {
        match self {
            PaymentProblem::AmountNotPositive | PaymentProblem::Refused(_) => "amount",
            PaymentProblem::PaidInFuture => "paid_on",
            PaymentProblem::ReferenceTooLong | PaymentProblem::ReferenceUsed => "reference",
        }
    }
}

/// The parts of a payment that parsed (`None`: did not), checked against the rules
/// (pure): an amount above zero, paid today or before, a reference of at most
/// [`REFERENCE_LENGTH_MAX`] characters. Adapters call it on a partly parsed form so
/// every field to correct is named at once.
pub fn payment_part_problems(
    today: Date,
    amount: Option<Amount>,
    paid_on: Option<Option<Date>>,
    reference: &str,
) -> Vec<PaymentProblem> {
    let mut problems = Vec::new();
    if amount.is_some_and(|amount| !amount.is_positive()) {
        problems.push(PaymentProblem::AmountNotPositive);
    }
    if paid_on.flatten().is_some_and(|paid_on| paid_on > today) {
        problems.push(PaymentProblem::PaidInFuture);
    }
    if reference.trim().chars().count() > REFERENCE_LENGTH_MAX {
        problems.push(PaymentProblem::ReferenceTooLong);
    }
    problems
}

impl App {
    /// Checks and posts a payment on `view` at the form's `version`; the payment's id.
    pub async fn take_payment(
        &self,
        user: &SessionUser,
        view: &AccountView,
        version: i64,
        payment: &NewPayment,
        source: Source,
    ) -> Result<Result<i64, Vec<PaymentProblem>>, Error> {
        require(user, Permission::PostMoney)?;
        let today = self.store.today();
        let problems = payment_part_problems(
            today,
            Some(payment.amount),
            Some(payment.paid_on),
            &payment.reference,
        );
        let paid_on = payment.paid_on.unwrap_or(today);
        let reference = payment.reference.trim();
        if !problems.is_empty() {
            return Ok(Err(problems));
        }
        let payment_ref = if reference.is_empty() {
            format!(
                "web-{}-{}",
                view.account_id,
                self.store.now().as_microsecond()
            )
        } else {
            reference.to_string()
        };
        // An agent's reused reference is a typo to correct, not a bank exception.
        if self
            .store
            .payment_ref_taken(&view.creditor, &payment_ref)
            .await?
        {
            return Ok(Err(vec![PaymentProblem::ReferenceUsed]));
        }
        let (file_name, reason) = match source {
            Source::Api => ("api", "payment posted through the API"),
            _ => ("agent", "payment taken by an agent"),
        };
        let posting = Posting {
            source,
            file_name,
            sha256: "",
            user_id: Some(user.id),
            reason,
            dry_run: false,
        };
        let incoming = IncomingPayment {
            creditor: Some(view.creditor.clone()),
            account_ref: view.account_ref.clone(),
            fallback_ref: None,
            payment_ref,
            paid_on,
            amount: payment.amount,
            method: payment.method,
            trace: None,
        };
        // The store checks the version under the write lock and bumps it, so two
        // writers cannot both post against the page they saw.
        match self
            .store
            .post_user_payment(user, seen(view, version), &posting, incoming)
            .await
        {
            Ok(Outcome::Posted { payment_id, .. }) => Ok(Ok(payment_id)),
            Ok(Outcome::AlreadyPosted { .. }) => Ok(Err(vec![PaymentProblem::ReferenceUsed])),
            Ok(other) => Err(Error::Store(store::StoreError::Corrupt(format!(
                "a payment posted as {other:?}"
            )))),
            Err(store::StoreError::Invalid(reason)) => {
                Ok(Err(vec![PaymentProblem::Refused(reason)]))
            }
            Err(error) => Err(error.into()),
        }
    }
}

// ---------------------------------------------------------------- plans

/// A plan as the wizard (or the API) asks for it, parsed at the edge.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PlanRequest {
    pub frequency: Frequency,
    pub sizing: Sizing,
    pub first_due: Date,
    pub down_payment: Amount,
    pub down_payment_on: Option<Date>,
    pub apr: BasisPoints,
    /// Whether it replaces the account's open promise, plan or settlement (else one
    /// open refuses it: [`PlanProblem::Open`]).
    pub replace: bool,
}

/// Why a plan could not be quoted; `field()` names the field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlanProblem {
    FirstDueInPast,
    DownPaymentOnInPast,
    DownPaymentNegative,
    /// An installment count below one or an installment amount not above zero.
    Sizing {
        by_amount: bool,
    },
    /// The terms cannot be quoted (`PlanError::message` says why).
    Quote {
        error: PlanError,
        by_amount: bool,
    },
    /// Another arrangement is open on the account and this one does not replace it.
    Open(OpenArrangement),
}

impl PlanProblem {
    pub fn field(self) -> &'static str {
        match self {
            PlanProblem::FirstDueInPast => "first_due",
            PlanProblem::DownPaymentOnInPast => "down_payment_on",
            PlanProblem::DownPaymentNegative => "down_payment",
            PlanProblem::Sizing { by_amount: true } => "installment_amount",
            PlanProblem::Sizing { by_amount: false } => "installments",
            PlanProblem::Open(_) => "replace",
            PlanProblem::Quote { error, by_amount } => match error {
                PlanError::AprTooHigh { .. } => "apr",
                PlanError::DownPaymentNegative | PlanError::DownPaymentNotBelowBalance => {
                    "down_payment"
                }
                PlanError::DownPaymentDate => "down_payment_on",
                PlanError::BalanceNotPositive => "plan",
                _ if by_amount => "installment_amount",
                _ => "installments",
            },
        }
    }
}

/// A quoted plan: its terms, its schedule and what the creditor's policy says of it.
#[derive(Clone, Debug)]
pub struct QuotedPlan {
    pub terms: PlanTerms,
    pub schedule: Schedule,
    pub breaches: Vec<PolicyBreach>,
}

/// What became of a plan or settlement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Agreed {
    Active {
        id: i64,
    },
    Pending {
        id: i64,
        approval_id: i64,
        /// The least role that may approve it.
        role: Role,
        why: String,
    },
}

impl Agreed {
    fn of(arranged: store::arrangements::Arranged) -> Agreed {
        match arranged.approval {
            None => Agreed::Active { id: arranged.id },
            Some((approval_id, role, why)) => Agreed::Pending {
                id: arranged.id,
                approval_id,
                role,
                why,
            },
        }
    }
}

/// The parts of a plan request that parsed (`None`: did not), checked against the
/// wizard's rules (pure): the first due date and the down payment's date today or later,
/// a down payment not below zero, at least one installment (or an installment amount
/// above zero). Adapters call it on a partly parsed form so every field to correct is
/// named at once.
pub fn plan_part_problems(
    today: Date,
    sizing: Option<Sizing>,
    first_due: Option<Date>,
    down_payment: Option<Amount>,
    down_payment_on: Option<Option<Date>>,
) -> Vec<PlanProblem> {
    let mut problems = Vec::new();
    if let Some(sizing) = sizing {
        let (ok, by_amount) = match sizing {
            Sizing::Count(count) => (count >= 1, false),
            Sizing::Amount(amount) => (amount.is_positive(), true),
        };
        if !ok {
            problems.push(PlanProblem::Sizing { by_amount });
        }
    }
    if first_due.is_some_and(|date| date < today) {
        problems.push(PlanProblem::FirstDueInPast);
    }
    if down_payment.is_some_and(Amount::is_negative) {
        problems.push(PlanProblem::DownPaymentNegative);
    }
    if down_payment_on.flatten().is_some_and(|date| date < today) {
        problems.push(PlanProblem::DownPaymentOnInPast);
    }
    problems
}

/// Quotes a plan of `balance` (pure): the rules of the wizard, the schedule, and the
/// creditor's policy breaches (which send the plan to a supervisor when agreed).
pub fn quote_plan(
    balance: Amount,
    policy: &CreditorPolicy,
    today: Date,
    request: &PlanRequest,
) -> Result<QuotedPlan, Vec<PlanProblem>> {
    let by_amount = matches!(request.sizing, Sizing::Amount(_));
    let problems = plan_part_problems(
        today,
        Some(request.sizing),
        Some(request.first_due),
        Some(request.down_payment),
        Some(request.down_payment_on),
    );
    if !problems.is_empty() {
        return Err(problems);
    }
    let terms = PlanTerms {
        balance,
        down_payment: request.down_payment,
        down_payment_on: request.down_payment_on,
        apr: request.apr,
        frequency: request.frequency,
        first_due: request.first_due,
        sizing: request.sizing,
    };
    let schedule = terms
        .quote()
        .map_err(|error| vec![PlanProblem::Quote { error, by_amount }])?;
    let breaches = domain::plan::check_policy(&schedule, today, policy);
    Ok(QuotedPlan {
        terms,
        schedule,
        breaches,
    })
}

impl App {
    /// The wizard's "Quote": nothing saved.
    pub async fn quote_plan(
        &self,
        user: &SessionUser,
        view: &AccountView,
        request: &PlanRequest,
    ) -> Result<Result<QuotedPlan, Vec<PlanProblem>>, Error> {
        require(user, Permission::WorkAccounts)?;
        let policy = self.policy_of(view).await?;
        Ok(quote_plan(
            view.balance(),
            &policy,
            self.store.today(),
            request,
        ))
    }

    /// The wizard's "Agree": recorded, active at once within policy, else waiting for a
    /// supervisor (the store decides, on the balance it reads).
    pub async fn agree_plan(
        &self,
        user: &SessionUser,
        view: &AccountView,
        version: i64,
        request: &PlanRequest,
    ) -> Result<Result<(Agreed, QuotedPlan), Vec<PlanProblem>>, Error> {
        let quoted = match self.quote_plan(user, view, request).await? {
            Ok(quoted) => quoted,
            Err(problems) => return Ok(Err(problems)),
        };
        let arranged = self
            .store
            .create_arrangement(
                user,
                seen(view, version),
                &NewArrangement::Plan(quoted.terms),
                Replace(request.replace),
            )
            .await?;
        Ok(match arranged {
            Ok(arranged) => Ok((Agreed::of(arranged), quoted)),
            Err(open) => Err(vec![PlanProblem::Open(open)]),
        })
    }
}

// ---------------------------------------------------------------- settlements

/// One dated amount of a settlement offer as entered on row `row` (from 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SettlementLine {
    pub row: usize,
    pub due_on: Date,
    pub amount: Amount,
}

/// Why an offer was not checked or recorded; `field()` names the form field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SettlementProblem {
    Empty,
    DateInPast(usize),
    AmountNotPositive(usize),
    /// The offer as a whole (its message).
    Offer(String),
    /// Another arrangement is open on the account and this one does not replace it.
    Open(OpenArrangement),
}

impl SettlementProblem {
    pub fn field(&self) -> String {
        match self {
            SettlementProblem::Empty => "settle_amount_1".into(),
            SettlementProblem::DateInPast(row) => format!("settle_date_{row}"),
            SettlementProblem::AmountNotPositive(row) => format!("settle_amount_{row}"),
            SettlementProblem::Offer(_) => "settlement".into(),
            SettlementProblem::Open(_) => "replace".into(),
        }
    }
}

/// A validated offer and the offering role's authority over it.
#[derive(Clone, Debug)]
pub struct CheckedSettlement {
    pub offer: SettlementOffer,
    pub authority: Authority,
}

/// Checks dated amounts as a settlement of `balance` (pure).
pub fn check_settlement(
    balance: Amount,
    policy: &CreditorPolicy,
    role: Role,
    today: Date,
    lines: &[SettlementLine],
) -> Result<CheckedSettlement, Vec<SettlementProblem>> {
    let mut problems = Vec::new();
    if lines.is_empty() {
        problems.push(SettlementProblem::Empty);
    }
    for line in lines {
        if line.due_on < today {
            problems.push(SettlementProblem::DateInPast(line.row));
        }
        if !line.amount.is_positive() {
            problems.push(SettlementProblem::AmountNotPositive(line.row));
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut payments: Vec<SettlementPayment> = lines
        .iter()
        .map(|line| SettlementPayment {
            due_on: line.due_on,
            amount: line.amount,
        })
        .collect();
    payments.sort_by_key(|payment| payment.due_on);
    let offer = SettlementOffer::new(balance, payments)
        .map_err(|error| vec![SettlementProblem::Offer(error.to_string())])?;
    let authority = offer.authority(role, policy);
    Ok(CheckedSettlement { offer, authority })
}

impl App {
    /// "Check": the offer's discount and whether it needs approval; nothing saved.
    pub async fn check_settlement(
        &self,
        user: &SessionUser,
        view: &AccountView,
        lines: &[SettlementLine],
    ) -> Result<Result<CheckedSettlement, Vec<SettlementProblem>>, Error> {
        require(user, Permission::WorkAccounts)?;
        let policy = self.policy_of(view).await?;
        Ok(check_settlement(
            view.balance(),
            &policy,
            user.role,
            self.store.today(),
            lines,
        ))
    }

    /// "Offer": recorded, active at once within the role's authority, else waiting for
    /// the least role whose limit covers it (decided by the store). Refused while
    /// another arrangement is open ([`App::offer_settlement_replacing`] replaces it).
    pub async fn offer_settlement(
        &self,
        user: &SessionUser,
        view: &AccountView,
        version: i64,
        lines: &[SettlementLine],
    ) -> Result<Result<(Agreed, CheckedSettlement), Vec<SettlementProblem>>, Error> {
        self.offer_settlement_replacing(user, view, version, lines, false)
            .await
    }

    /// [`App::offer_settlement`], replacing the account's open promise, plan or
    /// settlement when `replace` (superseded in the same transaction, audited).
    pub async fn offer_settlement_replacing(
        &self,
        user: &SessionUser,
        view: &AccountView,
        version: i64,
        lines: &[SettlementLine],
        replace: bool,
    ) -> Result<Result<(Agreed, CheckedSettlement), Vec<SettlementProblem>>, Error> {
        let checked = match self.check_settlement(user, view, lines).await? {
            Ok(checked) => checked,
            Err(problems) => return Ok(Err(problems)),
        };
        let payments = checked.offer.payments().to_vec();
        let arranged = self
            .store
            .create_arrangement(
                user,
                seen(view, version),
                &NewArrangement::Settlement(payments),
                Replace(replace),
            )
            .await?;
        Ok(match arranged {
            Ok(arranged) => Ok((Agreed::of(arranged), checked)),
            Err(open) => Err(vec![SettlementProblem::Open(open)]),
        })
    }
}

// ---------------------------------------------------------------- refunds, adjustments, write-offs

/// A refund, adjustment or write-off, parsed at the edge.
#[derive(Clone, Debug)]
pub struct ChangeRequest {
    pub change: MoneyChange,
    /// `None`: the whole credit (refund) or everything owed (write-off); an adjustment
    /// needs an amount. A negative adjustment lowers the balance.
    pub amount: Option<Amount>,
    /// The bucket an adjustment or a write-off of an amount moves.
    pub bucket: Bucket,
    pub reason_code: String,
    pub note: String,
}

/// Why a change was not requested; `field()` names the form field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChangeProblem {
    /// Zero, or missing on an adjustment.
    Amount,
    ReasonCode,
}

impl ChangeProblem {
    pub fn field(self) -> &'static str {
        match self {
            ChangeProblem::Amount => "change_amount",
            ChangeProblem::ReasonCode => "reason_code",
        }
    }
}

impl App {
    /// Posted at once within the user's authority (`Ok(Ok(None))`), else sent for
    /// approval (`Ok(Ok(Some(approval id)))`).
    pub async fn request_change(
        &self,
        user: &SessionUser,
        view: &AccountView,
        version: i64,
        request: &ChangeRequest,
    ) -> Result<Result<Option<i64>, Vec<ChangeProblem>>, Error> {
        require(user, Permission::PostMoney)?;
        let mut problems = Vec::new();
        let amount = match (request.amount, request.change) {
            (Some(amount), _) if amount.is_zero() => None,
            (None, MoneyChange::Adjustment) => None,
            (amount, _) => Some(amount.unwrap_or(Amount::ZERO)),
        };
        if amount.is_none() {
            problems.push(ChangeProblem::Amount);
        }
        let reason_code = request.reason_code.trim();
        if !REASON_CODES.contains(&reason_code) {
            problems.push(ChangeProblem::ReasonCode);
        }
        let (Some(amount), true) = (amount, problems.is_empty()) else {
            return Ok(Err(problems));
        };
        let (bucket, moved) = match request.change {
            MoneyChange::WriteOff => (request.bucket, Amount::from_minor(-amount.minor().abs())),
            MoneyChange::Refund => (Bucket::Principal, Amount::from_minor(amount.minor().abs())),
            MoneyChange::Adjustment => (request.bucket, amount),
        };
        let mut movement = Buckets::ZERO;
        match bucket {
            Bucket::Principal => movement.principal = moved,
            Bucket::Interest => movement.interest = moved,
            Bucket::Fees => movement.fees = moved,
        }
        let approval = self
            .store
            .request_money_change(
                user,
                seen(view, version),
                request.change,
                movement,
                reason_code,
                request.note.trim(),
            )
            .await?;
        Ok(Ok(approval))
    }

    /// Returns the account to its creditor (supervisors and above).
    pub async fn recall(
        &self,
        user: &SessionUser,
        view: &AccountView,
        version: i64,
        note: &str,
    ) -> Result<(), Error> {
        require(user, Permission::Supervise)?;
        Ok(self
            .store
            .recall(user, seen(view, version), note.trim())
            .await?)
    }
}

// ---------------------------------------------------------------- approvals

/// A pending approval as the queue shows it.
#[derive(Clone, Debug)]
pub struct ApprovalItem {
    pub approval: Approval,
    /// The creditor's currency.
    pub currency: Currency,
    /// Why it needs approval: the policy breaches or authority missed (plans and
    /// settlements), or the reason code and note (money changes).
    pub reason: String,
    pub required: Role,
    /// Whether this user may decide it: at or above the role, and not their own.
    pub may_decide: bool,
}

impl App {
    /// The pending approvals the user sees (their creditors).
    pub async fn approvals(&self, user: &SessionUser) -> Result<Vec<ApprovalItem>, Error> {
        require(user, Permission::Supervise)?;
        let mut currencies = std::collections::HashMap::new();
        let mut items = Vec::new();
        for approval in self.store.approvals(user).await? {
            if !currencies.contains_key(&approval.creditor) {
                let currency = self
                    .store
                    .creditor(&approval.creditor)
                    .await?
                    .map(|creditor| creditor.policy.currency)
                    .unwrap_or(Currency::USD);
                currencies.insert(approval.creditor.clone(), currency);
            }
            let reason = match approval.kind.as_str() {
                "plan" | "settlement" => approval.detail.clone(),
                _ => {
                    let note = serde_json::from_str::<serde_json::Value>(&approval.detail)
                        .ok()
                        .and_then(|detail| detail["note"].as_str().map(str::to_string))
                        .unwrap_or_default();
                    if note.is_empty() {
                        approval.reason_code.clone()
                    } else {
                        format!("{}: {note}", approval.reason_code)
                    }
                }
            };
            let required = Role::parse(&approval.required_role).unwrap_or(Role::Admin);
            items.push(ApprovalItem {
                currency: currencies[&approval.creditor],
                reason,
                required,
                may_decide: authority_rank(user.role) >= authority_rank(required)
                    && approval.requested_by.as_deref() != Some(user.username.as_str()),
                approval,
            });
        }
        Ok(items)
    }

    /// Approves or rejects a pending request (the store checks the role, the creditor,
    /// that it is not the requester's own, and that what it approves can still start).
    /// Approving a plan or settlement — collection — on an account under a dispute, a
    /// bankruptcy's automatic stay, a deceased debtor's flag or a cease request is
    /// refused with the compliance rule that stops it: the pipeline (`contact`'s
    /// `collection_stops`) is asked with the account's facts, and the store refuses when
    /// it reads the hold inside the deciding transaction.
    pub async fn decide_approval(
        &self,
        user: &SessionUser,
        approval_id: i64,
        approve: bool,
        note: &str,
    ) -> Result<Result<(), ApprovalProblem>, Error> {
        require(user, Permission::Supervise)?;
        let mut stops = Vec::new();
        if approve
            && let Some(approval) = self.store.approval(user, approval_id).await?
            && approval.arrangement_id.is_some()
        {
            let known = self
                .known(&approval.creditor, &approval.account_ref)
                .await?;
            stops = known.collection_stops(self.rules(), self.now());
        }
        Ok(self
            .store
            .decide_approval(user, approval_id, approve, note.trim(), &stops)
            .await?
            .map_err(|refused| match refused {
                store::arrangements::ApprovalRefused::Held { hold, rules } => {
                    ApprovalProblem::Held { hold, rules }
                }
            }))
    }
}

/// Why an approval was refused when decided.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ApprovalProblem {
    /// The account holds `hold` (a dispute, bankruptcy, deceased flag or cease
    /// request), under which these compliance rules stop collection: no plan or
    /// settlement starts.
    Held {
        hold: HoldKind,
        rules: Vec<StopRule>,
    },
}

impl ApprovalProblem {
    pub fn field(&self) -> &'static str {
        "decision"
    }
}

// ---------------------------------------------------------------- exceptions

/// What to do with an unmatched bank item.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Resolution {
    /// Post it to this account (or reverse this payment, for a return), as the file
    /// would have.
    Match {
        creditor: String,
        reference: String,
        note: String,
    },
    Dismiss {
        note: String,
    },
}

impl App {
    /// The open exceptions the user may work, and the creditors they may match to.
    pub async fn exceptions(
        &self,
        user: &SessionUser,
    ) -> Result<(Vec<ExceptionView>, Vec<String>), Error> {
        require(user, Permission::ReviewExceptions)?;
        let exceptions = self.store.open_exceptions(user).await?;
        let creditors = self
            .store
            .creditors()
            .await?
            .into_iter()
            .filter(|creditor| user.may_see_creditor(creditor.id))
            .map(|creditor| creditor.code)
            .collect();
        Ok((exceptions, creditors))
    }

    /// Matches or dismisses an exception: `Ok(Ok(what was done))`, or the store's reason
    /// for refusing.
    pub async fn resolve_exception(
        &self,
        user: &SessionUser,
        id: i64,
        resolution: &Resolution,
    ) -> Result<Result<&'static str, String>, Error> {
        require(user, Permission::ReviewExceptions)?;
        let result = match resolution {
            Resolution::Match {
                creditor,
                reference,
                note,
            } => self
                .store
                .match_exception(user, id, creditor.trim(), reference.trim(), note.trim())
                .await
                .map(|_| "matched"),
            Resolution::Dismiss { note } => self
                .store
                .dismiss_exception(user, id, note.trim())
                .await
                .map(|()| "dismissed"),
        };
        match result {
            Ok(done) => Ok(Ok(done)),
            Err(
                store::StoreError::Invalid(message)
                | store::StoreError::Conflict(message)
                | store::StoreError::NotFound(message),
            ) => Ok(Err(message)),
            Err(error) => Err(error.into()),
        }
    }
}
