//! The model-based test of the application layer, on both engines: random sequences of
//! the use cases (attempts, promises, payments and their returns, plans, settlements,
//! approvals, recalls, status changes, refunds, adjustments and write-offs, time
//! passing with the nightly review) performed by users of every role. Refusals
//! (forbidden, not found, invalid, conflict, typed problems) are ordinary outcomes; any
//! other error, or a panic, fails the case. After every step the invariants in
//! [`crate::invariants`] are checked against the database.
//!
//! A failure prints the steps so far with their outcomes; proptest then shrinks the
//! sequence and prints the smallest one that still fails. The seed is fixed so the
//! suite is repeatable; explore with `PROPTEST_RNG_SEED=<n>` and `PROPTEST_CASES=<n>`,
//! and see every sequence run with `ARREARS_MODEL_TRACE=1` (and `--no-capture`).

use crate::invariants;
use crate::support::*;
use app::money::{Agreed, ChangeRequest, NewPayment, PaymentProblem, PlanRequest, SettlementLine};
use app::workspace::{AttemptInput, Attempted, PromiseLine};
use app::{App, Error};
use compliance::facts::Action;
use compliance::packs::RuleSet;
use domain::account::Status;
use domain::contact::Disposition;
use domain::ledger::Bucket;
use domain::money::{Amount, BasisPoints};
use domain::permission::{Permission, allows};
use domain::plan::{Frequency, PlanTerms, Sizing};
use jiff::ToSpan;
use jiff::civil::Date;
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::{Config, RngSeed, TestCaseError, TestRunner};
use sqlx::Row;
use std::cell::RefCell;
use std::collections::HashMap;
use store::arrangements::{MoneyChange, REASON_CODES};
use store::money::{
    IncomingPayment, IncomingReturn, Item, ItemKind, Method, Original, Outcome, Posting, Source,
};
use store::sessions::SessionUser;
use store::{Actor, Store, StoreError};

/// The portfolio's accounts (see `support::PORTFOLIO`).
pub const ACCOUNTS: &[(&str, &str)] = &[
    ("ACME", "A-1"),
    ("ACME", "A-2"),
    ("ACME", "A-3"),
    ("ACME", "A-4"),
    ("BETA", "B-1"),
    ("BETA", "B-2"),
    ("BETA", "B-3"),
    ("BETA", "B-4"),
];

/// How much a payment is.
#[derive(Clone, Copy, Debug)]
pub enum Pay {
    /// Basis points of the balance (may be none, or more than it).
    Share(u32),
    /// A fixed amount in minor units.
    Fixed(i64),
    /// What the running plan or settlement asks for next.
    NextDue,
    /// Everything the running plan or settlement still asks for.
    ArrangementRest,
}

/// Which account a user acts on: mostly one of those they work (the `n`-th, round
/// robin), sometimes any (another creditor's is not found).
#[derive(Clone, Copy, Debug)]
pub enum Target {
    Mine(usize),
    Any(usize),
}

#[derive(Clone, Copy, Debug)]
pub enum PlanSize {
    Count(u32),
    Amount(i64),
}

/// One step. `user` indexes [`USERS`], `account` picks from [`ACCOUNTS`] (see
/// [`Target`]; the operator's `Status` indexes it); `stale` uses the version before the
/// one just read (the form of someone who did not reload).
#[derive(Clone, Debug)]
pub enum Op {
    Attempt {
        user: usize,
        account: Target,
        action: Action,
        disposition: Disposition,
        stale: bool,
    },
    Promise {
        user: usize,
        account: Target,
        /// (days after the previous line, basis points of the balance).
        lines: Vec<(i64, u32)>,
        stale: bool,
    },
    Pay {
        user: usize,
        account: Target,
        amount: Pay,
        days_ago: i64,
        /// Through a bank file instead of an agent.
        bank: bool,
        stale: bool,
    },
    /// A bank return of the `payment`-th payment (by id), NSF or not.
    Return { payment: usize, nsf: bool },
    Plan {
        user: usize,
        account: Target,
        frequency: Frequency,
        size: PlanSize,
        first_due_in: i64,
        down_bps: u32,
        down_in: Option<i64>,
        apr_bps: u32,
        stale: bool,
        /// Replaces what is open on the account (else refused while one is).
        replace: bool,
    },
    Settle {
        user: usize,
        account: Target,
        discount_bps: u32,
        parts: usize,
        first_due_in: i64,
        stale: bool,
        replace: bool,
    },
    /// Approve or reject the `approval`-th approval (by id) of those pending, or of all
    /// (decided ones too) when not `pending`.
    Decide {
        user: usize,
        approval: usize,
        pending: bool,
        approve: bool,
    },
    Recall {
        user: usize,
        account: Target,
        stale: bool,
    },
    /// An operator's status change (no use case yet: the store's).
    Status { account: usize, to: Status },
    Change {
        user: usize,
        account: Target,
        change: MoneyChange,
        amount: Option<i64>,
        bucket: Bucket,
        reason: usize,
        stale: bool,
    },
    /// Days pass; the nightly review runs.
    Pass { days: i64 },
}

/// A user, mostly one of `likely` (indexes of [`USERS`] whose role may do the step),
/// sometimes anyone (a refusal to check).
fn user_of(likely: &'static [usize]) -> impl Strategy<Value = usize> + Clone {
    prop_oneof![
        3 => select(likely),
        1 => 0..USERS.len(),
    ]
}

/// Agents, supervisors and the manager: who works accounts.
const WORKERS: &[usize] = &[0, 1, 2, 3, 4];
/// … and billing: who takes payments and asks for refunds and write-offs.
const MONEY: &[usize] = &[0, 1, 2, 3, 4, 5];
/// Supervisors, the manager and the admin: who decides approvals and recalls.
const SUPERVISORS: &[usize] = &[2, 3, 4, 6];

fn op() -> impl Strategy<Value = Op> {
    let account = || {
        prop_oneof![
            6 => (0..ACCOUNTS.len()).prop_map(Target::Mine),
            1 => (0..ACCOUNTS.len()).prop_map(Target::Any),
        ]
    };
    let stale = || proptest::bool::weighted(0.08);
    let attempt = (
        user_of(WORKERS),
        account(),
        select(vec![
            Action::Call,
            Action::Sms,
            Action::Email,
            Action::Letter,
        ]),
        select(Disposition::ALL.to_vec()),
        stale(),
    )
        .prop_map(|(user, account, action, disposition, stale)| Op::Attempt {
            user,
            account,
            action,
            disposition,
            stale,
        });
    let promise = (
        user_of(WORKERS),
        account(),
        proptest::collection::vec(
            (0..15_i64, select(vec![500_u32, 1000, 2500, 4000, 12000])),
            1..=3,
        ),
        stale(),
    )
        .prop_map(|(user, account, lines, stale)| Op::Promise {
            user,
            account,
            lines,
            stale,
        });
    let pay_amount = prop_oneof![
        3 => select(vec![500_u32, 2500, 5000, 10000, 12000]).prop_map(Pay::Share),
        1 => select(vec![10_00_i64, 25_00, 99_99]).prop_map(Pay::Fixed),
        3 => Just(Pay::NextDue),
        2 => Just(Pay::ArrangementRest),
    ];
    let pay = (
        user_of(MONEY),
        account(),
        pay_amount,
        0..3_i64,
        proptest::bool::weighted(0.3),
        stale(),
    )
        .prop_map(|(user, account, amount, days_ago, bank, stale)| Op::Pay {
            user,
            account,
            amount,
            days_ago,
            bank,
            stale,
        });
    let give_back = (0..12_usize, proptest::bool::weighted(0.7))
        .prop_map(|(payment, nsf)| Op::Return { payment, nsf });
    let size = prop_oneof![
        3 => (1..=24_u32).prop_map(PlanSize::Count),
        1 => select(vec![20_00_i64, 45_00, 100_00, 333_33]).prop_map(PlanSize::Amount),
    ];
    let plan = (
        (
            user_of(WORKERS),
            account(),
            select(Frequency::ALL.to_vec()),
            size,
        ),
        (
            0..30_i64,
            select(vec![0_u32, 0, 500, 1000, 2500]),
            proptest::option::weighted(0.3, 0..10_i64),
            select(vec![0_u32, 0, 900, 2400]),
            stale(),
            proptest::bool::weighted(0.5),
        ),
    )
        .prop_map(
            |(
                (user, account, frequency, size),
                (first_due_in, down_bps, down_in, apr_bps, stale, replace),
            )| {
                Op::Plan {
                    user,
                    account,
                    frequency,
                    size,
                    first_due_in,
                    down_bps,
                    down_in,
                    apr_bps,
                    stale,
                    replace,
                }
            },
        );
    let settle = (
        user_of(WORKERS),
        account(),
        select(vec![
            0_u32, 500, 1000, 1500, 2000, 2500, 3500, 4500, 5500, 7000, 9000,
        ]),
        1..=3_usize,
        0..20_i64,
        stale(),
        proptest::bool::weighted(0.5),
    )
        .prop_map(
            |(user, account, discount_bps, parts, first_due_in, stale, replace)| Op::Settle {
                user,
                account,
                discount_bps,
                parts,
                first_due_in,
                stale,
                replace,
            },
        );
    let decide = (
        user_of(SUPERVISORS),
        0..10_usize,
        proptest::bool::weighted(0.85),
        proptest::bool::weighted(0.7),
    )
        .prop_map(|(user, approval, pending, approve)| Op::Decide {
            user,
            approval,
            pending,
            approve,
        });
    let recall =
        (user_of(SUPERVISORS), account(), stale()).prop_map(|(user, account, stale)| Op::Recall {
            user,
            account,
            stale,
        });
    let status = (0..ACCOUNTS.len(), select(Status::ALL.to_vec()))
        .prop_map(|(account, to)| Op::Status { account, to });
    let change = (
        (
            user_of(MONEY),
            account(),
            select(vec![
                MoneyChange::Refund,
                MoneyChange::Adjustment,
                MoneyChange::WriteOff,
            ]),
        ),
        (
            proptest::option::weighted(
                0.75,
                select(vec![
                    5_00_i64, 60_00, 100_00, 100_01, 250_00, 1500_00, -5_00, -60_00, -250_01,
                ]),
            ),
            select(Bucket::ALL.to_vec()),
            0..REASON_CODES.len() + 1,
            stale(),
        ),
    )
        .prop_map(
            |((user, account, change), (amount, bucket, reason, stale))| Op::Change {
                user,
                account,
                change,
                amount,
                bucket,
                reason,
                stale,
            },
        );
    let pass = (1..=20_i64).prop_map(|days| Op::Pass { days });
    prop_oneof![
        2 => attempt,
        2 => promise,
        4 => pay,
        2 => give_back,
        3 => plan,
        3 => settle,
        3 => decide,
        1 => recall,
        1 => status,
        2 => change,
        2 => pass,
    ]
}

/// The world a sequence runs in.
pub struct World {
    pub app: App,
    pub day: Date,
    pub users: Vec<SessionUser>,
    /// The terms of every plan agreed, by arrangement id (the store keeps the schedule,
    /// not the terms it was quoted from).
    pub plans: HashMap<i64, PlanTerms>,
    /// Creditor ids by code.
    creditors: HashMap<&'static str, i64>,
    payments: u32,
}

impl World {
    pub fn store(&self) -> &Store {
        self.app.store()
    }
}

type Step = Result<String, String>;

/// A refusal is an outcome; anything else is the case's failure.
fn refused(error: Error) -> Step {
    match error {
        Error::Forbidden(permission) => Ok(format!("forbidden ({})", permission.code())),
        Error::Store(error) => store_refused(error),
    }
}

fn store_refused(error: StoreError) -> Step {
    match error {
        StoreError::NotFound(message) => Ok(format!("not found: {message}")),
        StoreError::Invalid(message) => Ok(format!("invalid: {message}")),
        StoreError::Conflict(message) => Ok(format!("conflict: {message}")),
        other => Err(format!("unexpected error: {other:?}")),
    }
}

/// What succeeded must have been the user's to do: their role holds the permission and
/// they see the account's creditor.
fn authorised(user: &SessionUser, permission: Permission, creditor_id: i64, done: String) -> Step {
    if !allows(user.role, permission) {
        return Err(format!(
            "{} ({}) did what needs {}: {done}",
            user.username,
            user.role,
            permission.code()
        ));
    }
    if !user.may_see_creditor(creditor_id) {
        return Err(format!(
            "{} acted on creditor {creditor_id}, which they do not work: {done}",
            user.username
        ));
    }
    Ok(done)
}

fn share(amount: Amount, bps: u32) -> Amount {
    Amount::from_minor(
        i64::try_from(i128::from(amount.minor()) * i128::from(bps) / 10_000).unwrap(),
    )
}

fn days(day: Date, count: i64) -> Date {
    day.checked_add(count.days()).unwrap()
}

fn bank_posting(reason: &str) -> Posting<'_> {
    Posting {
        source: Source::Csv,
        file_name: "bank.csv",
        sha256: "",
        user_id: None,
        reason,
        dry_run: false,
    }
}

fn outcome_text(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Posted {
            payment_id, shares, ..
        } => format!("posted #{payment_id} {shares:?}"),
        Outcome::AlreadyPosted { payment_id } => format!("already posted #{payment_id}"),
        Outcome::Returned {
            payment_id, fee, ..
        } => format!("returned #{payment_id} (fee {})", fee.minor()),
        Outcome::AlreadyReturned { payment_id } => format!("already returned #{payment_id}"),
        Outcome::Exception { reason } => format!("exception: {reason}"),
    }
}

impl World {
    async fn new(db: &TestDb) -> World {
        let store = db.open(instant_on(first_day())).await;
        let users = set_up(&store).await;
        let ids: HashMap<String, i64> = store
            .creditors()
            .await
            .unwrap()
            .into_iter()
            .map(|creditor| (creditor.code, creditor.id))
            .collect();
        World {
            creditors: ACCOUNTS
                .iter()
                .map(|(code, _)| (*code, ids[*code]))
                .collect(),
            app: App::new(store, RuleSet::builtin()),
            day: first_day(),
            users,
            plans: HashMap::new(),
            payments: 0,
        }
    }

    /// The account as the user's page shows it (another creditor's is not found).
    async fn view(
        &self,
        user: &SessionUser,
        account: Target,
    ) -> Result<store::view::AccountView, Error> {
        let index = match account {
            Target::Any(index) => index,
            Target::Mine(index) => {
                let mine: Vec<usize> = (0..ACCOUNTS.len())
                    .filter(|index| user.may_see_creditor(self.creditors[ACCOUNTS[*index].0]))
                    .collect();
                mine.get(index % mine.len().max(1))
                    .copied()
                    .unwrap_or(index)
            }
        };
        let (creditor, account_ref) = ACCOUNTS[index];
        self.app
            .account(user, creditor, account_ref, self.day)
            .await
    }

    /// The plan or settlement running on the account: (due, paid) of each due.
    async fn running_dues(&self, account_id: i64) -> Result<Vec<(Amount, Amount)>, String> {
        let arrangements = self
            .store()
            .arrangements(account_id)
            .await
            .map_err(|error| format!("arrangements: {error:?}"))?;
        Ok(arrangements
            .iter()
            .find(|arrangement| arrangement.status == "active")
            .map(|arrangement| {
                arrangement
                    .dues
                    .iter()
                    .map(|due| (due.amount, due.paid))
                    .collect()
            })
            .unwrap_or_default())
    }

    async fn step(&mut self, op: &Op) -> Step {
        match op {
            Op::Attempt {
                user,
                account,
                action,
                disposition,
                stale,
            } => {
                let user = &self.users[*user];
                let view = match self.view(user, *account).await {
                    Ok(view) => view,
                    Err(error) => return refused(error),
                };
                let wanted = |kind: &str| match action {
                    Action::Call | Action::Sms => kind.starts_with("phone"),
                    Action::Email => kind == "email",
                    _ => false,
                };
                let input = AttemptInput {
                    action: *action,
                    contact: view
                        .contact_points
                        .iter()
                        .find(|point| wanted(&point.kind))
                        .map(|point| point.value.clone()),
                    disposition: *disposition,
                    note: Some("model".into()),
                    version: view.version - i64::from(*stale),
                };
                match self.app.log_attempt(user, &view, &input).await {
                    Ok(Attempted::Logged(id)) => authorised(
                        user,
                        Permission::WorkAccounts,
                        view.creditor_id,
                        format!("logged attempt #{id}"),
                    ),
                    Ok(Attempted::Refused(asked)) => Ok(format!(
                        "refused by compliance ({} violations)",
                        asked.answer.violations.len()
                    )),
                    Ok(Attempted::Invalid(problems)) => Ok(format!("invalid {problems:?}")),
                    Err(error) => refused(error),
                }
            }
            Op::Promise {
                user,
                account,
                lines,
                stale,
            } => {
                let user = &self.users[*user];
                let view = match self.view(user, *account).await {
                    Ok(view) => view,
                    Err(error) => return refused(error),
                };
                let mut due_on = self.day;
                let lines: Vec<PromiseLine> = lines
                    .iter()
                    .enumerate()
                    .map(|(index, (after, bps))| {
                        due_on = days(due_on, *after);
                        PromiseLine {
                            row: index + 1,
                            due_on,
                            amount: share(view.balance(), *bps),
                        }
                    })
                    .collect();
                let version = view.version - i64::from(*stale);
                match self
                    .app
                    .record_promise(user, &view, version, &lines, false)
                    .await
                {
                    Ok(Ok(id)) => authorised(
                        user,
                        Permission::WorkAccounts,
                        view.creditor_id,
                        format!("promise #{id}"),
                    ),
                    Ok(Err(problems)) => Ok(format!("problems {problems:?}")),
                    Err(error) => refused(error),
                }
            }
            Op::Pay {
                user,
                account,
                amount,
                days_ago,
                bank,
                stale,
            } => {
                let user = &self.users[*user];
                let view = match self.view(user, *account).await {
                    Ok(view) => view,
                    Err(error) => return refused(error),
                };
                let dues = self.running_dues(view.account_id).await?;
                let left: Vec<Amount> = dues
                    .iter()
                    .map(|(due, paid)| Amount::from_minor((due.minor() - paid.minor()).max(0)))
                    .filter(|left| left.is_positive())
                    .collect();
                let fallback = share(view.balance(), 2500);
                let amount = match amount {
                    Pay::Share(bps) => share(view.balance(), *bps),
                    Pay::Fixed(minor) => Amount::from_minor(*minor),
                    Pay::NextDue => left.first().copied().unwrap_or(fallback),
                    Pay::ArrangementRest if left.is_empty() => fallback,
                    Pay::ArrangementRest => Amount::checked_sum(left.iter().copied()).unwrap(),
                };
                self.payments += 1;
                let reference = format!("P{}", self.payments);
                let paid_on = days(self.day, -days_ago);
                if *bank {
                    let item = Item {
                        line: 1,
                        kind: ItemKind::Payment(IncomingPayment {
                            creditor: Some(view.creditor.clone()),
                            account_ref: view.account_ref.clone(),
                            fallback_ref: None,
                            payment_ref: reference.clone(),
                            paid_on,
                            amount,
                            method: Method::Ach,
                            trace: None,
                        }),
                    };
                    return match self
                        .store()
                        .post_payments(&Actor::new("bank"), &bank_posting("bank file"), &[item])
                        .await
                    {
                        Ok(report) => Ok(format!(
                            "bank {reference} {}: {}",
                            amount.minor(),
                            outcome_text(&report.outcomes[0])
                        )),
                        Err(error) => Err(format!("posting a bank payment failed: {error:?}")),
                    };
                }
                let payment = NewPayment {
                    amount,
                    method: Method::Card,
                    paid_on: Some(paid_on),
                    reference: reference.clone(),
                };
                let version = view.version - i64::from(*stale);
                match self
                    .app
                    .take_payment(user, &view, version, &payment, Source::Agent)
                    .await
                {
                    Ok(Ok(id)) => authorised(
                        user,
                        Permission::PostMoney,
                        view.creditor_id,
                        format!("payment #{id} {reference} {}", amount.minor()),
                    ),
                    Ok(Err(problems)) => {
                        if problems.contains(&PaymentProblem::ReferenceUsed) {
                            return Err(format!("a fresh reference was taken: {problems:?}"));
                        }
                        Ok(format!("problems {problems:?}"))
                    }
                    Err(error) => refused(error),
                }
            }
            Op::Return { payment, nsf } => {
                let rows = sqlx::query(
                    "SELECT p.payment_ref, p.amount_minor, c.code FROM payments p JOIN creditors c ON c.id = p.creditor_id ORDER BY p.id",
                )
                .fetch_all(self.store().pool())
                .await
                .map_err(|error| format!("payments: {error:?}"))?;
                if rows.is_empty() {
                    return Ok("no payment to return".into());
                }
                let row = &rows[payment % rows.len()];
                let reference: String = row.get(0);
                let item = Item {
                    line: 1,
                    kind: ItemKind::Return(IncomingReturn {
                        creditor: Some(row.get(2)),
                        original: Original::PaymentRef(reference.clone()),
                        return_ref: format!("{reference}-R"),
                        returned_on: self.day,
                        amount: Amount::from_minor(row.get(1)),
                        return_code: Some(if *nsf { "R01" } else { "R02" }.into()),
                    }),
                };
                match self
                    .store()
                    .post_payments(&Actor::new("bank"), &bank_posting("bank returns"), &[item])
                    .await
                {
                    Ok(report) => Ok(format!(
                        "return of {reference}: {}",
                        outcome_text(&report.outcomes[0])
                    )),
                    Err(error) => Err(format!("posting a return failed: {error:?}")),
                }
            }
            Op::Plan {
                user,
                account,
                frequency,
                size,
                first_due_in,
                down_bps,
                down_in,
                apr_bps,
                stale,
                replace,
            } => {
                let user = &self.users[*user];
                let view = match self.view(user, *account).await {
                    Ok(view) => view,
                    Err(error) => return refused(error),
                };
                let request = PlanRequest {
                    frequency: *frequency,
                    sizing: match size {
                        PlanSize::Count(count) => Sizing::Count(*count),
                        PlanSize::Amount(minor) => Sizing::Amount(Amount::from_minor(*minor)),
                    },
                    first_due: days(self.day, *first_due_in),
                    down_payment: share(view.balance(), *down_bps).max(Amount::ZERO),
                    down_payment_on: down_in.map(|after| days(self.day, after)),
                    apr: BasisPoints::new(*apr_bps).unwrap(),
                    replace: *replace,
                };
                let version = view.version - i64::from(*stale);
                match self.app.agree_plan(user, &view, version, &request).await {
                    Ok(Ok((agreed, quoted))) => {
                        let id = match agreed {
                            Agreed::Active { id } | Agreed::Pending { id, .. } => id,
                        };
                        self.plans.insert(id, quoted.terms);
                        authorised(
                            user,
                            Permission::WorkAccounts,
                            view.creditor_id,
                            format!(
                                "plan of {} in {} dues: {agreed:?}",
                                view.balance().minor(),
                                quoted.schedule.installments.len()
                            ),
                        )
                    }
                    Ok(Err(problems)) => Ok(format!("problems {problems:?}")),
                    Err(error) => refused(error),
                }
            }
            Op::Settle {
                user,
                account,
                discount_bps,
                parts,
                first_due_in,
                stale,
                replace,
            } => {
                let user = &self.users[*user];
                let view = match self.view(user, *account).await {
                    Ok(view) => view,
                    Err(error) => return refused(error),
                };
                let total = share(view.balance(), 10_000 - discount_bps);
                let each = total.minor() / *parts as i64;
                let lines: Vec<SettlementLine> = (0..*parts)
                    .map(|index| SettlementLine {
                        row: index + 1,
                        due_on: days(self.day, first_due_in + 10 * index as i64),
                        amount: Amount::from_minor(if index + 1 == *parts {
                            total.minor() - each * (*parts as i64 - 1)
                        } else {
                            each
                        }),
                    })
                    .collect();
                let version = view.version - i64::from(*stale);
                match self
                    .app
                    .offer_settlement_replacing(user, &view, version, &lines, *replace)
                    .await
                {
                    Ok(Ok((agreed, checked))) => authorised(
                        user,
                        Permission::WorkAccounts,
                        view.creditor_id,
                        format!(
                            "settlement of {} for {} ({} bps off): {agreed:?}",
                            view.balance().minor(),
                            total.minor(),
                            checked.offer.discount_bps()
                        ),
                    ),
                    Ok(Err(problems)) => Ok(format!("problems {problems:?}")),
                    Err(error) => refused(error),
                }
            }
            Op::Decide {
                user,
                approval,
                pending,
                approve,
            } => {
                let user = &self.users[*user];
                let all = sqlx::query(
                    "SELECT p.id, a.creditor_id, p.status FROM approvals p JOIN accounts a ON a.id = p.account_id ORDER BY p.id",
                )
                .fetch_all(self.store().pool())
                .await
                .map_err(|error| format!("approvals: {error:?}"))?;
                let waiting: Vec<_> = all
                    .iter()
                    .filter(|row| row.get::<String, _>(2) == "pending")
                    .collect();
                let rows: Vec<_> = if *pending && !waiting.is_empty() {
                    waiting
                } else {
                    all.iter().collect()
                };
                if rows.is_empty() {
                    return Ok("no approval to decide".into());
                }
                let row = rows[approval % rows.len()];
                let (id, creditor_id): (i64, i64) = (row.get(0), row.get(1));
                match self.app.decide_approval(user, id, *approve, "model").await {
                    Ok(Err(problem)) => Ok(format!("refused: {problem:?}")),
                    Ok(Ok(())) => authorised(
                        user,
                        Permission::Supervise,
                        creditor_id,
                        format!(
                            "{} approval #{id}",
                            if *approve { "approved" } else { "rejected" }
                        ),
                    ),
                    Err(error) => refused(error),
                }
            }
            Op::Recall {
                user,
                account,
                stale,
            } => {
                let user = &self.users[*user];
                let view = match self.view(user, *account).await {
                    Ok(view) => view,
                    Err(error) => return refused(error),
                };
                let version = view.version - i64::from(*stale);
                match self
                    .app
                    .recall(user, &view, version, "recalled by the creditor")
                    .await
                {
                    Ok(()) => authorised(
                        user,
                        Permission::Supervise,
                        view.creditor_id,
                        "recalled".into(),
                    ),
                    Err(error) => refused(error),
                }
            }
            Op::Status { account, to } => {
                let (creditor, account_ref) = ACCOUNTS[*account];
                match self
                    .store()
                    .change_status(
                        &Actor::new("ops"),
                        creditor,
                        account_ref,
                        *to,
                        "status set by operations",
                    )
                    .await
                {
                    Ok(from) => Ok(format!("{from} → {to}")),
                    Err(error) => store_refused(error),
                }
            }
            Op::Change {
                user,
                account,
                change,
                amount,
                bucket,
                reason,
                stale,
            } => {
                let user = &self.users[*user];
                let view = match self.view(user, *account).await {
                    Ok(view) => view,
                    Err(error) => return refused(error),
                };
                let request = ChangeRequest {
                    change: *change,
                    amount: amount.map(Amount::from_minor),
                    bucket: *bucket,
                    reason_code: REASON_CODES.get(*reason).copied().unwrap_or("bogus").into(),
                    note: "model".into(),
                };
                let version = view.version - i64::from(*stale);
                match self
                    .app
                    .request_change(user, &view, version, &request)
                    .await
                {
                    Ok(Ok(approval)) => authorised(
                        user,
                        Permission::PostMoney,
                        view.creditor_id,
                        match approval {
                            None => format!("{} posted", change.code()),
                            Some(id) => format!("{} waits for approval #{id}", change.code()),
                        },
                    ),
                    Ok(Err(problems)) => Ok(format!("problems {problems:?}")),
                    Err(error) => refused(error),
                }
            }
            Op::Pass { days: count } => {
                self.day = days(self.day, *count);
                let store = self
                    .store()
                    .clone()
                    .with_clock(store::Clock::Fixed(instant_on(self.day)));
                self.app = App::new(store, RuleSet::builtin());
                match self
                    .store()
                    .review_arrangements(&Actor::new("nightly"))
                    .await
                {
                    Ok(changes) => Ok(format!(
                        "now {}; the review made {changes} changes",
                        self.day
                    )),
                    Err(error) => Err(format!("the nightly review failed: {error:?}")),
                }
            }
        }
    }
}

/// The user a step is performed by, for the trail.
fn actor_of(op: &Op) -> &'static str {
    match op {
        Op::Attempt { user, .. }
        | Op::Promise { user, .. }
        | Op::Plan { user, .. }
        | Op::Settle { user, .. }
        | Op::Decide { user, .. }
        | Op::Recall { user, .. }
        | Op::Change { user, .. } => USERS[*user].0,
        Op::Pay { user, bank, .. } => {
            if *bank {
                "bank"
            } else {
                USERS[*user].0
            }
        }
        Op::Return { .. } => "bank",
        Op::Status { .. } => "ops",
        Op::Pass { .. } => "nightly",
    }
}

/// Runs one sequence on a fresh database; the trail records each step and its outcome.
pub async fn run(db: TestDb, ops: &[Op], trail: &RefCell<Vec<String>>) -> Result<(), String> {
    let mut world = World::new(&db).await;
    let steps = |trail: &RefCell<Vec<String>>| trail.borrow().join("\n");
    if let Err(broken) = invariants::check(&world).await {
        return Err(format!("after the set-up: {broken}"));
    }
    for (index, op) in ops.iter().enumerate() {
        trail.borrow_mut().push(format!(
            "{:>3}. {} on {}: {op:?}",
            index + 1,
            actor_of(op),
            world.day
        ));
        let counts = invariants::entry_counts(&world).await?;
        let outcome = world.step(op).await;
        match outcome {
            Ok(outcome) => trail.borrow_mut().push(format!("       → {outcome}")),
            Err(failure) => {
                return Err(format!(
                    "step {} failed: {failure}\nsteps so far:\n{}",
                    index + 1,
                    steps(trail)
                ));
            }
        }
        let checked = match invariants::check(&world).await {
            Ok(()) => invariants::moved_accounts_owe_or_leave_active(&world, &counts).await,
            broken => broken,
        };
        if let Err(broken) = checked {
            return Err(format!(
                "after step {}: {broken}\nsteps so far:\n{}",
                index + 1,
                steps(trail)
            ));
        }
    }
    world.store().close().await;
    if std::env::var_os("ARREARS_MODEL_TRACE").is_some() {
        eprintln!("a sequence that kept the invariants:\n{}\n", steps(trail));
    }
    Ok(())
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum On {
    Sqlite,
    Postgres,
}

fn panic_text(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|text| text.to_string()))
        .unwrap_or_else(|| "a panic".into())
}

fn run_model(on: On) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    if on == On::Postgres && runtime.block_on(postgres_db()).is_none() {
        eprintln!("PostgreSQL not configured (ARREARS_TEST_POSTGRES_URL): skipped");
        return;
    }
    let mut config = Config {
        failure_persistence: None,
        max_shrink_iters: 400,
        max_shrink_time: 120_000,
        ..Config::default()
    };
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = 16;
    }
    if std::env::var_os("PROPTEST_RNG_SEED").is_none() {
        config.rng_seed = RngSeed::Fixed(20_261_123);
    }
    let mut runner = TestRunner::new(config);
    let result = runner.run(&proptest::collection::vec(op(), 20..=40), |ops| {
        let trail = RefCell::new(Vec::new());
        let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            runtime.block_on(async {
                let db = match on {
                    On::Sqlite => sqlite_db(),
                    On::Postgres => postgres_db().await.expect("PostgreSQL answered before"),
                };
                run(db, &ops, &trail).await
            })
        }));
        match ran {
            Ok(Ok(())) => Ok(()),
            Ok(Err(failure)) => Err(TestCaseError::fail(failure)),
            Err(panic) => Err(TestCaseError::fail(format!(
                "panicked: {}\nsteps so far:\n{}",
                panic_text(panic.as_ref()),
                trail.borrow().join("\n")
            ))),
        }
    });
    if let Err(error) = result {
        panic!("{error}");
    }
}

#[test]
fn random_use_cases_by_random_roles_keep_the_invariants_on_sqlite() {
    run_model(On::Sqlite);
}

#[test]
fn random_use_cases_by_random_roles_keep_the_invariants_on_postgres() {
    run_model(On::Postgres);
}
