//! Payment plans: due dates, amortization quotes and the creditor's plan policy.
//!
//! The amortization convention (docs/money.md, "Payment plans"):
//! - the rate per period is the APR divided by the periods per year (52, 26, 24, 12);
//! - the level installment is the annuity payment `B·r / (1 − (1 + r)^−n)` rounded half-up
//!   to the minor unit, computed exactly as a fraction (big integers: `(1 + r)^n` has
//!   thousands of digits for a long plan); at 0 % it is `B / n` rounded half-up;
//! - each period's interest is the opening balance × the rate, rounded half-up;
//! - every installment but the last is the level installment; the last pays the remaining
//!   balance plus its interest, so it absorbs every rounding remainder.
//!
//! A down payment comes first, carries no interest, and is taken off the balance before
//! the rest is amortized. Nothing here reads a clock: "today" is an argument.

use crate::account::code_enum;
use crate::creditor::CreditorPolicy;
use crate::money::{Amount, BasisPoints, Currency};
use jiff::civil::Date;
use jiff::{Span, ToSpan};
use std::cmp::Ordering;
use std::fmt;

/// Most installments a plan may have (after any down payment): 20 years of weekly ones.
pub const PLAN_INSTALLMENTS_MAX: u32 = 1040;
/// Highest APR a plan may carry: the bound every rate of the system has (1,000 %).
pub const PLAN_APR_BPS_MAX: u32 = BasisPoints::MAX;

code_enum! {
    /// How often installments fall due.
    Frequency {
        /// Every 7 days.
        Weekly => "weekly",
        /// Every 14 days.
        Biweekly => "biweekly",
        /// Twice a month: on day `d` and `d + 15` (or `d − 15` and `d`), see [`Frequency::nth_due`].
        Semimonthly => "semimonthly",
        /// The first due date's day of every month, clamped to the month's end.
        Monthly => "monthly",
    }
}

impl Frequency {
    pub fn periods_per_year(self) -> u32 {
        match self {
            Frequency::Weekly => 52,
            Frequency::Biweekly => 26,
            Frequency::Semimonthly => 24,
            Frequency::Monthly => 12,
        }
    }

    /// The due date of installment `index` (0 is `first_due` itself). Every date is
    /// computed from `first_due`, never from the previous date, so nothing drifts:
    /// - weekly, biweekly: `first_due` + 7·index or 14·index days;
    /// - monthly: `first_due` + index months, the day clamped to the month's end
    ///   (Jan 31 → Feb 28 or 29 → Mar 31 → Apr 30 …);
    /// - semimonthly: two days a month, `lo` and `hi = lo + 15`: with `d` the first due
    ///   date's day, `lo = d` when `d ≤ 15` (1st & 16th … 15th & 30th), else `lo = d − 15`
    ///   (the 16th & 31st pattern is "the 16th and the last day"); `hi` is clamped to the
    ///   month's end, and the series starts at `first_due` (a `lo` or a `hi` day).
    ///
    /// `None` when the date would fall outside the calendar jiff supports.
    pub fn nth_due(self, first_due: Date, index: u32) -> Option<Date> {
        let index = i64::from(index);
        match self {
            Frequency::Weekly => first_due.checked_add((7 * index).days()).ok(),
            Frequency::Biweekly => first_due.checked_add((14 * index).days()).ok(),
            Frequency::Monthly => first_due
                .checked_add(Span::new().try_months(index).ok()?)
                .ok(),
            Frequency::Semimonthly => {
                let day = first_due.day();
                let (lo, starts_on_hi) = if day <= 15 {
                    (day, false)
                } else {
                    (day - 15, true)
                };
                let slot = index + i64::from(starts_on_hi);
                let month = first_due
                    .first_of_month()
                    .checked_add(Span::new().try_months(slot / 2).ok()?)
                    .ok()?;
                let day = if slot % 2 == 0 {
                    lo
                } else {
                    (lo + 15).min(month.days_in_month())
                };
                Date::new(month.year(), month.month(), day).ok()
            }
        }
    }

    /// The first `count` due dates, strictly increasing (see [`Frequency::nth_due`]).
    pub fn due_dates(self, first_due: Date, count: u32) -> Result<Vec<Date>, PlanError> {
        (0..count)
            .map(|index| {
                self.nth_due(first_due, index)
                    .ok_or(PlanError::DateOutOfRange)
            })
            .collect()
    }
}

/// One payment of a schedule: `amount = principal + interest`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Installment {
    pub due_on: Date,
    pub amount: Amount,
    pub principal: Amount,
    pub interest: Amount,
}

/// A quoted plan. Invariants (checked by the property tests): the installments' amounts
/// sum to `total`, their principal parts to `balance`, their interest parts to
/// `total_interest`; `total = balance + total_interest`; due dates strictly increase;
/// every amortized installment but the last equals `level`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Schedule {
    /// The balance the plan pays off (down payment included).
    pub balance: Amount,
    /// Zero without a down payment; otherwise `installments[0]`, with no interest.
    pub down_payment: Amount,
    /// The level installment: every installment after the down payment but the last.
    pub level: Amount,
    pub installments: Vec<Installment>,
    pub total: Amount,
    pub total_interest: Amount,
}

impl Schedule {
    /// The installments after the down payment.
    pub fn amortized(&self) -> &[Installment] {
        let skip = usize::from(self.down_payment.is_positive());
        &self.installments[skip..]
    }

    pub fn first_due(&self) -> Date {
        self.installments[0].due_on
    }

    pub fn last_due(&self) -> Date {
        self.installments[self.installments.len() - 1].due_on
    }
}

/// How the amortized part of a plan is sized.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sizing {
    /// This many installments; the level installment follows from the annuity formula.
    Count(u32),
    /// Installments of this amount; their number is the smallest that pays the balance
    /// off, the last one smaller (or equal).
    Amount(Amount),
}

/// Everything a plan quote depends on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PlanTerms {
    pub balance: Amount,
    /// Zero for none. Taken off the balance first, without interest.
    pub down_payment: Amount,
    /// When the down payment is due. `None`: on `first_due`, the installments then
    /// following one period apart from `first_due` (the whole plan is one regular series).
    /// A date must come before `first_due`; the installments then start on `first_due`.
    pub down_payment_on: Option<Date>,
    pub apr: BasisPoints,
    pub frequency: Frequency,
    pub first_due: Date,
    pub sizing: Sizing,
}

/// Why a plan cannot be quoted at all (as opposed to a [`PolicyBreach`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlanError {
    BalanceNotPositive,
    NoInstallments,
    /// More than [`PLAN_INSTALLMENTS_MAX`] installments asked for, or needed to pay the
    /// balance off at the installment amount asked for.
    TooManyInstallments {
        max: u32,
    },
    InstallmentNotPositive,
    /// A fixed installment that does not exceed the first period's interest never pays
    /// the balance down.
    InstallmentBelowInterest {
        installment: Amount,
        interest: Amount,
    },
    AprTooHigh {
        max_bps: u32,
    },
    DownPaymentNegative,
    /// A down payment of the whole balance is a payment in full, not a plan.
    DownPaymentNotBelowBalance,
    /// `down_payment_on` must come before `first_due` (and needs a down payment).
    DownPaymentDate,
    /// The level installment pays the balance off before the last installment (the
    /// balance is too small for that many installments).
    BalanceTooSmall {
        installments: u32,
    },
    /// The level installment of that many installments only covers the interest (a long
    /// plan at a high rate): nothing would be paid down before the last installment.
    NeverAmortizes {
        installment: Amount,
    },
    /// An amount of the schedule does not fit in 64 bits of minor units.
    Overflow,
    DateOutOfRange,
}

impl PlanError {
    /// The error in words, amounts written in `currency`.
    pub fn message(&self, currency: Currency) -> String {
        self.describe(&|amount| format!("{} {currency}", currency.format(amount)))
    }

    fn describe(&self, money: &dyn Fn(Amount) -> String) -> String {
        match *self {
            PlanError::BalanceNotPositive => "the balance must be positive".into(),
            PlanError::NoInstallments => "a plan needs at least one installment".into(),
            PlanError::TooManyInstallments { max } => {
                format!("a plan may have at most {max} installments")
            }
            PlanError::InstallmentNotPositive => "the installment must be positive".into(),
            PlanError::InstallmentBelowInterest {
                installment,
                interest,
            } => format!(
                "an installment of {} does not cover the first period's interest of {}, so it never pays the balance down",
                money(installment),
                money(interest)
            ),
            PlanError::AprTooHigh { max_bps } => {
                format!("the APR may be at most {max_bps} basis points")
            }
            PlanError::DownPaymentNegative => "the down payment cannot be negative".into(),
            PlanError::DownPaymentNotBelowBalance => {
                "the down payment must be less than the balance (a payment in full is not a plan)"
                    .into()
            }
            PlanError::DownPaymentDate => {
                "the down payment date needs a down payment and must come before the first due date"
                    .into()
            }
            PlanError::BalanceTooSmall { installments } => format!(
                "the balance is too small for {installments} installments: the rounded level installment would pay it off before the last one; choose fewer"
            ),
            PlanError::NeverAmortizes { installment } => format!(
                "a level installment of {} only covers the interest and never pays the balance down; choose fewer installments or a lower rate",
                money(installment)
            ),
            PlanError::Overflow => "an amount of the plan is too large".into(),
            PlanError::DateOutOfRange => "a due date falls outside the calendar".into(),
        }
    }
}

impl fmt::Display for PlanError {
    /// Amounts appear in minor units; use [`PlanError::message`] to write them in a currency.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe(&|amount| format!("{} minor units", amount.minor())))
    }
}

impl std::error::Error for PlanError {}

/// The quote of `installments` level installments (no down payment).
pub fn quote(
    balance: Amount,
    apr: BasisPoints,
    installments: u32,
    frequency: Frequency,
    first_due: Date,
) -> Result<Schedule, PlanError> {
    PlanTerms {
        balance,
        down_payment: Amount::ZERO,
        down_payment_on: None,
        apr,
        frequency,
        first_due,
        sizing: Sizing::Count(installments),
    }
    .quote()
}

/// The quote of installments of `installment` each, the last one smaller (no down payment).
pub fn quote_for_amount(
    balance: Amount,
    apr: BasisPoints,
    installment: Amount,
    frequency: Frequency,
    first_due: Date,
) -> Result<Schedule, PlanError> {
    PlanTerms {
        balance,
        down_payment: Amount::ZERO,
        down_payment_on: None,
        apr,
        frequency,
        first_due,
        sizing: Sizing::Amount(installment),
    }
    .quote()
}

impl PlanTerms {
    pub fn quote(&self) -> Result<Schedule, PlanError> {
        if !self.balance.is_positive() {
            return Err(PlanError::BalanceNotPositive);
        }
        if self.apr.get() > PLAN_APR_BPS_MAX {
            return Err(PlanError::AprTooHigh {
                max_bps: PLAN_APR_BPS_MAX,
            });
        }
        if self.down_payment.is_negative() {
            return Err(PlanError::DownPaymentNegative);
        }
        if self.down_payment >= self.balance {
            return Err(PlanError::DownPaymentNotBelowBalance);
        }
        let has_down_payment = self.down_payment.is_positive();
        // The date of the down payment, and the index of the first installment's date in
        // the series that starts on `first_due`.
        let (down_payment_on, offset) = match self.down_payment_on {
            None => (self.first_due, u32::from(has_down_payment)),
            Some(date) if has_down_payment && date < self.first_due => (date, 0),
            Some(_) => return Err(PlanError::DownPaymentDate),
        };
        let rate = Rate::new(self.apr, self.frequency);
        let financed = self.balance.minor() - self.down_payment.minor();
        let (level, amounts) = match self.sizing {
            Sizing::Count(count) => {
                if count == 0 {
                    return Err(PlanError::NoInstallments);
                }
                if count > PLAN_INSTALLMENTS_MAX {
                    return Err(PlanError::TooManyInstallments {
                        max: PLAN_INSTALLMENTS_MAX,
                    });
                }
                let level = rate.level_payment(financed, count)?;
                (level, amortize_count(financed, level, count, rate)?)
            }
            Sizing::Amount(installment) => {
                if !installment.is_positive() {
                    return Err(PlanError::InstallmentNotPositive);
                }
                let level = installment.minor();
                (level, amortize_amount(financed, level, rate)?)
            }
        };
        let mut installments = Vec::with_capacity(amounts.len() + 1);
        if has_down_payment {
            installments.push(Installment {
                due_on: down_payment_on,
                amount: self.down_payment,
                principal: self.down_payment,
                interest: Amount::ZERO,
            });
        }
        for (index, (principal, interest)) in (offset..).zip(amounts) {
            let due_on = self
                .frequency
                .nth_due(self.first_due, index)
                .ok_or(PlanError::DateOutOfRange)?;
            let amount = principal.checked_add(interest).ok_or(PlanError::Overflow)?;
            installments.push(Installment {
                due_on,
                amount: Amount::from_minor(amount),
                principal: Amount::from_minor(principal),
                interest: Amount::from_minor(interest),
            });
        }
        let total = Amount::checked_sum(installments.iter().map(|item| item.amount))
            .ok_or(PlanError::Overflow)?;
        let total_interest = Amount::checked_sum(installments.iter().map(|item| item.interest))
            .ok_or(PlanError::Overflow)?;
        Ok(Schedule {
            balance: self.balance,
            down_payment: self.down_payment,
            level: Amount::from_minor(level),
            installments,
            total,
            total_interest,
        })
    }
}

/// The rate per period as the exact fraction `apr_bps / (10000 · periods per year)`.
#[derive(Clone, Copy, Debug)]
struct Rate {
    numerator: u64,
    denominator: u64,
}

impl Rate {
    fn new(apr: BasisPoints, frequency: Frequency) -> Rate {
        Rate {
            numerator: u64::from(apr.get()),
            denominator: 10_000 * u64::from(frequency.periods_per_year()),
        }
    }

    /// One period's interest on `balance` (≥ 0), rounded half-up.
    fn interest(self, balance: i64) -> Result<i64, PlanError> {
        let exact = i128::from(balance) * i128::from(self.numerator);
        let denominator = i128::from(self.denominator);
        i64::try_from((2 * exact + denominator) / (2 * denominator))
            .map_err(|_| PlanError::Overflow)
    }

    /// The annuity payment `B·r / (1 − (1 + r)^−n)` rounded half-up, exactly: with
    /// `r = a/D` and `u = D + a` it is `B·a·uⁿ / (D·(uⁿ − Dⁿ))`.
    fn level_payment(self, balance: i64, count: u32) -> Result<i64, PlanError> {
        let balance = u64::try_from(balance).map_err(|_| PlanError::BalanceNotPositive)?;
        if self.numerator == 0 {
            let count = u128::from(count);
            let level = (2 * u128::from(balance) + count) / (2 * count);
            return i64::try_from(level).map_err(|_| PlanError::Overflow);
        }
        let (a, d) = (self.numerator, self.denominator);
        let u = d + a;
        let mut u_n = Big::from(1);
        let mut d_n = Big::from(1);
        for _ in 0..count {
            u_n = u_n.mul_small(u);
            d_n = d_n.mul_small(d);
        }
        let numerator = u_n.mul_small(balance).mul_small(a);
        let denominator = u_n.sub(&d_n).mul_small(d);
        let level = numerator
            .div_round_half_up(&denominator)
            .ok_or(PlanError::Overflow)?;
        i64::try_from(level).map_err(|_| PlanError::Overflow)
    }
}

/// (principal, interest) of each of `count` installments: `level` each but the last,
/// which pays what remains.
fn amortize_count(
    balance: i64,
    level: i64,
    count: u32,
    rate: Rate,
) -> Result<Vec<(i64, i64)>, PlanError> {
    let mut remaining = balance;
    let mut parts = Vec::with_capacity(count as usize);
    for number in 1..=count {
        let interest = rate.interest(remaining)?;
        if number == count {
            parts.push((remaining, interest));
            break;
        }
        let principal = level - interest;
        // The exact annuity payment exceeds the first period's interest, so the rounded
        // one is at least that interest; equal, nothing is ever paid down (the balance
        // stays, so does the interest) and the last installment would be a balloon.
        if level > 0 && principal == 0 && number == 1 {
            return Err(PlanError::NeverAmortizes {
                installment: Amount::from_minor(level),
            });
        }
        // The level installment must leave something for the last one to pay. (Principal
        // never falls as the balance does, so it is never negative after the first.)
        if level <= 0 || principal < 0 || principal >= remaining {
            return Err(PlanError::BalanceTooSmall {
                installments: count,
            });
        }
        parts.push((principal, interest));
        remaining -= principal;
    }
    Ok(parts)
}

/// (principal, interest) of installments of `level` until the last, smaller one.
fn amortize_amount(balance: i64, level: i64, rate: Rate) -> Result<Vec<(i64, i64)>, PlanError> {
    let mut remaining = balance;
    let mut parts = Vec::new();
    loop {
        if parts.len() == PLAN_INSTALLMENTS_MAX as usize {
            return Err(PlanError::TooManyInstallments {
                max: PLAN_INSTALLMENTS_MAX,
            });
        }
        let interest = rate.interest(remaining)?;
        let due = remaining.checked_add(interest).ok_or(PlanError::Overflow)?;
        if due <= level {
            parts.push((remaining, interest));
            return Ok(parts);
        }
        // Rounded interest never grows as the balance falls, so only the first period
        // can fail this.
        let principal = level - interest;
        if principal <= 0 {
            return Err(PlanError::InstallmentBelowInterest {
                installment: Amount::from_minor(level),
                interest: Amount::from_minor(interest),
            });
        }
        parts.push((principal, interest));
        remaining -= principal;
    }
}

/// A plan term the creditor's policy does not allow without approval. A plan with
/// breaches is still a valid plan: the caller sends it to the approvals queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PolicyBreach {
    /// The last due date is more than `max_months` months after the plan's start.
    TermTooLong { term_months: u32, max_months: u32 },
    /// The level installment is below `plan_min_installment`.
    InstallmentTooSmall {
        installment: Amount,
        minimum: Amount,
    },
    /// The down payment is below `plan_min_down_payment_bps` of the balance.
    DownPaymentTooSmall {
        down_payment: Amount,
        minimum: Amount,
    },
}

impl PolicyBreach {
    /// Stable code for storage, JSON and tests.
    pub fn code(&self) -> &'static str {
        match self {
            PolicyBreach::TermTooLong { .. } => "term_too_long",
            PolicyBreach::InstallmentTooSmall { .. } => "installment_too_small",
            PolicyBreach::DownPaymentTooSmall { .. } => "down_payment_too_small",
        }
    }

    /// The breach in English, amounts written in `currency`.
    pub fn message(&self, currency: Currency) -> String {
        let money = |amount: Amount| format!("{} {currency}", currency.format(amount));
        match *self {
            PolicyBreach::TermTooLong {
                term_months,
                max_months,
            } => format!(
                "the plan runs {term_months} months; the creditor allows {max_months} without approval"
            ),
            PolicyBreach::InstallmentTooSmall {
                installment,
                minimum,
            } => format!(
                "installments of {} are below the creditor's minimum of {}",
                money(installment),
                money(minimum)
            ),
            PolicyBreach::DownPaymentTooSmall {
                down_payment,
                minimum,
            } => format!(
                "a down payment of {} is below the creditor's minimum of {}",
                money(down_payment),
                money(minimum)
            ),
        }
    }
}

/// Whole months from `start` to `end`, rounded up: the smallest `m` with
/// `start + m months ≥ end` (0 when `end ≤ start`).
pub fn months_between(start: Date, end: Date) -> u32 {
    if end <= start {
        return 0;
    }
    let estimate = (i32::from(end.year()) - i32::from(start.year())) * 12 + i32::from(end.month())
        - i32::from(start.month());
    let reaches = |months: i32| {
        Span::new()
            .try_months(months)
            .ok()
            .and_then(|span| start.checked_add(span).ok())
            .is_none_or(|date| date >= end)
    };
    let mut months = estimate.max(0);
    while months > 0 && reaches(months - 1) {
        months -= 1;
    }
    while !reaches(months) {
        months += 1;
    }
    months.unsigned_abs()
}

/// Checks a quoted plan against the creditor's plan policy:
/// - term: the plan starts on `start` (the day it is agreed, "today"), and its last due
///   date may be at most `plan_max_term_months` months later (a monthly plan agreed today
///   with its first installment in a month may have `plan_max_term_months` installments);
/// - minimum installment: the level installment must reach `plan_min_installment` when
///   there are two amortized installments or more; the last installment, which absorbs
///   the remainder, may be smaller, and so may a plan of one installment (that is a
///   payment in full on a date);
/// - minimum down payment: at least `plan_min_down_payment_bps` of the balance, rounded
///   up to the minor unit.
///
/// Policy amounts are read in the schedule's currency (the caller checks they agree).
pub fn check_policy(
    schedule: &Schedule,
    start: Date,
    policy: &CreditorPolicy,
) -> Vec<PolicyBreach> {
    let mut breaches = Vec::new();
    let term_months = months_between(start, schedule.last_due());
    if term_months > policy.plan_max_term_months {
        breaches.push(PolicyBreach::TermTooLong {
            term_months,
            max_months: policy.plan_max_term_months,
        });
    }
    if schedule.amortized().len() >= 2 && schedule.level < policy.plan_min_installment {
        breaches.push(PolicyBreach::InstallmentTooSmall {
            installment: schedule.level,
            minimum: policy.plan_min_installment,
        });
    }
    let minimum = minimum_down_payment(schedule.balance, policy.plan_min_down_payment_bps);
    if schedule.down_payment < minimum {
        breaches.push(PolicyBreach::DownPaymentTooSmall {
            down_payment: schedule.down_payment,
            minimum,
        });
    }
    breaches
}

/// `bps` of `balance`, rounded up to the minor unit (zero for a non-positive balance).
pub fn minimum_down_payment(balance: Amount, bps: BasisPoints) -> Amount {
    let balance = i128::from(balance.minor().max(0));
    let minimum = (balance * i128::from(bps.get()) + 9_999) / 10_000;
    Amount::from_minor(i64::try_from(minimum).unwrap_or(i64::MAX))
}

/// A natural number as little-endian 64-bit limbs without trailing zero limbs: just the
/// operations the exact annuity payment needs.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Big(Vec<u64>);

impl From<u64> for Big {
    fn from(value: u64) -> Big {
        Big(vec![value]).trimmed()
    }
}

impl Big {
    fn trimmed(mut self) -> Big {
        while self.0.last() == Some(&0) {
            self.0.pop();
        }
        self
    }

    fn mul_small(&self, factor: u64) -> Big {
        let mut limbs = Vec::with_capacity(self.0.len() + 1);
        let mut carry = 0u128;
        for &limb in &self.0 {
            // (2⁶⁴−1)² + (2⁶⁴−1) < 2¹²⁸: never overflows.
            let product = u128::from(limb) * u128::from(factor) + carry;
            limbs.push(product as u64);
            carry = product >> 64;
        }
        limbs.push(carry as u64);
        Big(limbs).trimmed()
    }

    fn add(&self, other: &Big) -> Big {
        let length = self.0.len().max(other.0.len());
        let mut limbs = Vec::with_capacity(length + 1);
        let mut carry = 0u128;
        for index in 0..length {
            let sum = u128::from(self.limb(index)) + u128::from(other.limb(index)) + carry;
            limbs.push(sum as u64);
            carry = sum >> 64;
        }
        limbs.push(carry as u64);
        Big(limbs).trimmed()
    }

    /// `self − other`; `other` must not exceed `self`.
    fn sub(&self, other: &Big) -> Big {
        debug_assert!(self.compare(other) != Ordering::Less);
        let mut limbs = Vec::with_capacity(self.0.len());
        let mut borrow = false;
        for index in 0..self.0.len() {
            let (difference, under) = self.0[index].overflowing_sub(other.limb(index));
            let (difference, under_again) = difference.overflowing_sub(u64::from(borrow));
            limbs.push(difference);
            borrow = under || under_again;
        }
        Big(limbs).trimmed()
    }

    fn limb(&self, index: usize) -> u64 {
        self.0.get(index).copied().unwrap_or(0)
    }

    fn compare(&self, other: &Big) -> Ordering {
        self.0
            .len()
            .cmp(&other.0.len())
            .then_with(|| self.0.iter().rev().cmp(other.0.iter().rev()))
    }

    /// `self / divisor` rounded half-up, `None` when that exceeds `i64::MAX` (or the
    /// divisor is zero): the largest `q` with `q·2·divisor ≤ 2·self + divisor`.
    fn div_round_half_up(&self, divisor: &Big) -> Option<u64> {
        if divisor.0.is_empty() {
            return None;
        }
        let target = self.mul_small(2).add(divisor);
        let step = divisor.mul_small(2);
        let fits = |q: u64| step.mul_small(q).compare(&target) != Ordering::Greater;
        let (mut low, mut high) = (0u64, i64::MAX as u64);
        if fits(high) {
            return None;
        }
        // fits(low) and !fits(high) throughout.
        while high - low > 1 {
            let middle = low + (high - low) / 2;
            if fits(middle) {
                low = middle;
            } else {
                high = middle;
            }
        }
        Some(low)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn usd(text: &str) -> Amount {
        Currency::USD.parse_amount(text).unwrap()
    }

    fn bps(value: u32) -> BasisPoints {
        BasisPoints::new(value).unwrap()
    }

    #[test]
    fn frequencies() {
        assert_eq!(Frequency::parse("biweekly"), Some(Frequency::Biweekly));
        assert_eq!(Frequency::parse("fortnightly"), None);
        assert_eq!(Frequency::codes(), "weekly, biweekly, semimonthly, monthly");
        let periods: Vec<u32> = Frequency::ALL
            .iter()
            .map(|f| f.periods_per_year())
            .collect();
        assert_eq!(periods, [52, 26, 24, 12]);
    }

    #[test]
    fn weekly_and_biweekly_dates() {
        let dates = Frequency::Weekly.due_dates(date(2026, 12, 25), 3).unwrap();
        assert_eq!(
            dates,
            [date(2026, 12, 25), date(2027, 1, 1), date(2027, 1, 8)]
        );
        let dates = Frequency::Biweekly.due_dates(date(2028, 2, 22), 3).unwrap();
        assert_eq!(
            dates,
            [date(2028, 2, 22), date(2028, 3, 7), date(2028, 3, 21)]
        );
    }

    #[test]
    fn monthly_dates_clamp_without_drifting() {
        let dates = Frequency::Monthly.due_dates(date(2028, 1, 31), 5).unwrap();
        assert_eq!(
            dates,
            [
                date(2028, 1, 31),
                date(2028, 2, 29),
                date(2028, 3, 31),
                date(2028, 4, 30),
                date(2028, 5, 31)
            ]
        );
        let dates = Frequency::Monthly.due_dates(date(2027, 11, 30), 4).unwrap();
        assert_eq!(
            dates,
            [
                date(2027, 11, 30),
                date(2027, 12, 30),
                date(2028, 1, 30),
                date(2028, 2, 29)
            ]
        );
    }

    #[test]
    fn semimonthly_dates() {
        let days = |first: Date, count: u32| -> Vec<String> {
            Frequency::Semimonthly
                .due_dates(first, count)
                .unwrap()
                .iter()
                .map(|day| day.to_string())
                .collect()
        };
        assert_eq!(
            days(date(2027, 1, 1), 4),
            ["2027-01-01", "2027-01-16", "2027-02-01", "2027-02-16"]
        );
        assert_eq!(
            days(date(2027, 1, 15), 4),
            ["2027-01-15", "2027-01-30", "2027-02-15", "2027-02-28"]
        );
        // Starting on a late day: the pair is (d − 15, d).
        assert_eq!(
            days(date(2027, 1, 20), 4),
            ["2027-01-20", "2027-02-05", "2027-02-20", "2027-03-05"]
        );
        // The 31st: the 16th and the last day of every month.
        assert_eq!(
            days(date(2027, 1, 31), 6),
            [
                "2027-01-31",
                "2027-02-16",
                "2027-02-28",
                "2027-03-16",
                "2027-03-31",
                "2027-04-16"
            ]
        );
    }

    #[test]
    fn dates_out_of_range_are_errors() {
        assert_eq!(
            Frequency::Monthly.due_dates(date(9999, 6, 1), 12),
            Err(PlanError::DateOutOfRange)
        );
        assert!(
            quote(
                usd("100.00"),
                bps(0),
                12,
                Frequency::Weekly,
                date(9999, 12, 1)
            )
            .is_err()
        );
    }

    #[test]
    fn textbook_loan_1000_at_12_percent_over_12_months() {
        // r = 0.01; P = 1000 · 0.01 / (1 − 1.01^−12) = 10 / 0.1124492… = 88.8487886…
        // → 88.85. First interest 1000 × 0.01 = 10.00, principal 78.85.
        let schedule = quote(
            usd("1000.00"),
            bps(1200),
            12,
            Frequency::Monthly,
            date(2027, 1, 1),
        )
        .unwrap();
        assert_eq!(schedule.level, usd("88.85"));
        let first = schedule.installments[0];
        assert_eq!(
            (first.interest, first.principal),
            (usd("10.00"), usd("78.85"))
        );
        assert_eq!(schedule.installments.len(), 12);
        assert_eq!(schedule.total, usd("1066.19"));
        assert_eq!(schedule.total_interest, usd("66.19"));
        // Interest 10.00, 9.21, 8.42, 7.61, 6.80, 5.98, 5.15, 4.31, 3.47, 2.61, 1.75, 0.88
        // (each the opening balance × 1 %, half-up) sums to 66.19. 11 × 88.85 = 977.35; the
        // last pays 1066.19 − 977.35 = 88.84: it absorbs the rounding of the level.
        let last = schedule.installments[11];
        assert_eq!(last.amount, usd("88.84"));
        assert_eq!(last.due_on, date(2027, 12, 1));
    }

    #[test]
    fn mortgage_200000_at_6_percent_over_30_years() {
        // r = 0.005; P = 1000 / (1 − 1.005^−360) = 1199.1010503… → 1199.10, the payment
        // every mortgage table prints. 360 factors of 1.005 need the exact fraction.
        let schedule = quote(
            usd("200000.00"),
            bps(600),
            360,
            Frequency::Monthly,
            date(2027, 1, 1),
        )
        .unwrap();
        assert_eq!(schedule.level, usd("1199.10"));
        assert_eq!(schedule.installments[0].interest, usd("1000.00"));
        assert_eq!(schedule.installments[0].principal, usd("199.10"));
        assert_eq!(schedule.last_due(), date(2056, 12, 1));
    }

    #[test]
    fn zero_apr_divides_and_the_last_absorbs() {
        // 100.00 / 3 = 33.333… → 33.33; the last pays 100.00 − 66.66 = 33.34.
        let schedule = quote(
            usd("100.00"),
            bps(0),
            3,
            Frequency::Monthly,
            date(2027, 1, 1),
        )
        .unwrap();
        let amounts: Vec<Amount> = schedule.installments.iter().map(|i| i.amount).collect();
        assert_eq!(amounts, [usd("33.33"), usd("33.33"), usd("33.34")]);
        assert_eq!(schedule.total_interest, Amount::ZERO);
        // Half-up: 0.05 / 2 = 0.025 → 0.03, and the last is smaller.
        let schedule = quote(usd("0.05"), bps(0), 2, Frequency::Weekly, date(2027, 1, 1)).unwrap();
        assert_eq!(schedule.level, usd("0.03"));
        assert_eq!(schedule.installments[1].amount, usd("0.02"));
    }

    #[test]
    fn a_balance_too_small_for_the_count_is_refused() {
        // 0.20 / 12 = 0.0166… → 0.02, and 11 × 0.02 > 0.20.
        assert_eq!(
            quote(usd("0.20"), bps(0), 12, Frequency::Weekly, date(2027, 1, 1)),
            Err(PlanError::BalanceTooSmall { installments: 12 })
        );
        // 0.01 / 12 rounds to zero: nothing to pay before the last.
        assert_eq!(
            quote(usd("0.01"), bps(0), 12, Frequency::Weekly, date(2027, 1, 1)),
            Err(PlanError::BalanceTooSmall { installments: 12 })
        );
        assert!(quote(usd("0.01"), bps(0), 1, Frequency::Weekly, date(2027, 1, 1)).is_ok());
    }

    #[test]
    fn bad_terms_are_errors() {
        let day = date(2027, 1, 1);
        assert_eq!(
            quote(Amount::ZERO, bps(0), 3, Frequency::Weekly, day),
            Err(PlanError::BalanceNotPositive)
        );
        assert_eq!(
            quote(usd("10.00"), bps(0), 0, Frequency::Weekly, day),
            Err(PlanError::NoInstallments)
        );
        assert_eq!(
            quote(usd("10000.00"), bps(0), 1041, Frequency::Weekly, day),
            Err(PlanError::TooManyInstallments { max: 1040 })
        );
        assert_eq!(
            quote(
                Amount::from_minor(i64::MAX),
                bps(100_000),
                1,
                Frequency::Monthly,
                day
            ),
            Err(PlanError::Overflow)
        );
        assert!(
            quote(
                Amount::from_minor(i64::MAX),
                bps(1_000),
                1040,
                Frequency::Weekly,
                day
            )
            .is_err()
        );
    }

    #[test]
    fn interest_only_plans_are_refused() {
        // 1000 % a year, 1040 weeks: r = 0.1923…, and the annuity payment exceeds the
        // interest 192.31 by B·r / ((1 + r)^1040 − 1), far below a cent.
        assert_eq!(
            quote(
                usd("1000.00"),
                bps(100_000),
                1040,
                Frequency::Weekly,
                date(2027, 1, 1)
            ),
            Err(PlanError::NeverAmortizes {
                installment: usd("192.31")
            })
        );
    }

    #[test]
    fn long_weekly_plans_are_exact() {
        // 520 weekly installments at 10 %: (1 + 0.1/52)^520 has thousands of digits in
        // the exact fraction. f64: 0.0019230769 × 5000 / (1 − 1.0019230769^−520)
        // = 9.615384 / 0.631767… = 15.2198… → 15.22.
        let schedule = quote(
            usd("5000.00"),
            bps(1000),
            520,
            Frequency::Weekly,
            date(2027, 1, 1),
        )
        .unwrap();
        assert_eq!(schedule.level, usd("15.22"));
        assert_eq!(schedule.installments.len(), 520);
        let longest = quote(
            usd("100000.00"),
            bps(2999),
            1040,
            Frequency::Weekly,
            date(2027, 1, 1),
        )
        .unwrap();
        assert_eq!(longest.installments.len(), 1040);
    }

    #[test]
    fn fixed_amount_plans() {
        // 1000.00 at 12 %/12 in installments of 100.00: interest 10.00, 9.10, 8.19, …
        let schedule = quote_for_amount(
            usd("1000.00"),
            bps(1200),
            usd("100.00"),
            Frequency::Monthly,
            date(2027, 1, 1),
        )
        .unwrap();
        assert_eq!(schedule.level, usd("100.00"));
        assert_eq!(schedule.installments.len(), 11);
        let interest: Vec<Amount> = schedule.installments[..3]
            .iter()
            .map(|i| i.interest)
            .collect();
        assert_eq!(interest, [usd("10.00"), usd("9.10"), usd("8.19")]);
        assert!(
            schedule.installments[..10]
                .iter()
                .all(|i| i.amount == usd("100.00"))
        );
        assert!(schedule.installments[10].amount <= usd("100.00"));
        assert_eq!(
            schedule.total,
            schedule
                .balance
                .checked_add(schedule.total_interest)
                .unwrap()
        );
        // 0 %: ceil(100.00 / 30.00) = 4, the last 10.00.
        let schedule = quote_for_amount(
            usd("100.00"),
            bps(0),
            usd("30.00"),
            Frequency::Weekly,
            date(2027, 1, 1),
        )
        .unwrap();
        let amounts: Vec<Amount> = schedule.installments.iter().map(|i| i.amount).collect();
        assert_eq!(
            amounts,
            [usd("30.00"), usd("30.00"), usd("30.00"), usd("10.00")]
        );
        // More than the balance with its interest: one installment.
        let schedule = quote_for_amount(
            usd("100.00"),
            bps(1200),
            usd("500.00"),
            Frequency::Monthly,
            date(2027, 1, 1),
        )
        .unwrap();
        assert_eq!(schedule.installments.len(), 1);
        assert_eq!(schedule.total, usd("101.00"));
    }

    #[test]
    fn fixed_amounts_that_never_pay_off_are_refused() {
        let day = date(2027, 1, 1);
        assert_eq!(
            quote_for_amount(
                usd("1000.00"),
                bps(1200),
                usd("10.00"),
                Frequency::Monthly,
                day
            ),
            Err(PlanError::InstallmentBelowInterest {
                installment: usd("10.00"),
                interest: usd("10.00")
            })
        );
        assert_eq!(
            quote_for_amount(usd("1000.00"), bps(0), usd("0.50"), Frequency::Weekly, day),
            Err(PlanError::TooManyInstallments { max: 1040 })
        );
        assert_eq!(
            quote_for_amount(usd("1000.00"), bps(0), Amount::ZERO, Frequency::Weekly, day),
            Err(PlanError::InstallmentNotPositive)
        );
        assert_eq!(
            PlanError::InstallmentBelowInterest {
                installment: usd("10.00"),
                interest: usd("10.00")
            }
            .message(Currency::USD),
            "an installment of 10.00 USD does not cover the first period's interest of 10.00 USD, so it never pays the balance down"
        );
        assert_eq!(
            PlanError::NeverAmortizes {
                installment: usd("1.00")
            }
            .to_string(),
            "a level installment of 100 minor units only covers the interest and never pays the balance down; choose fewer installments or a lower rate"
        );
    }

    fn with_down_payment(down_payment_on: Option<Date>) -> PlanTerms {
        PlanTerms {
            balance: usd("1200.00"),
            down_payment: usd("200.00"),
            down_payment_on,
            apr: bps(0),
            frequency: Frequency::Monthly,
            first_due: date(2027, 1, 15),
            sizing: Sizing::Count(4),
        }
    }

    #[test]
    fn down_payment_comes_first_without_interest() {
        let schedule = with_down_payment(None).quote().unwrap();
        let rows: Vec<(String, Amount, Amount)> = schedule
            .installments
            .iter()
            .map(|i| (i.due_on.to_string(), i.amount, i.interest))
            .collect();
        assert_eq!(
            rows,
            [
                ("2027-01-15".into(), usd("200.00"), Amount::ZERO),
                ("2027-02-15".into(), usd("250.00"), Amount::ZERO),
                ("2027-03-15".into(), usd("250.00"), Amount::ZERO),
                ("2027-04-15".into(), usd("250.00"), Amount::ZERO),
                ("2027-05-15".into(), usd("250.00"), Amount::ZERO),
            ]
        );
        assert_eq!(schedule.amortized().len(), 4);
        let schedule = with_down_payment(Some(date(2027, 1, 2))).quote().unwrap();
        assert_eq!(schedule.installments[0].due_on, date(2027, 1, 2));
        assert_eq!(schedule.installments[1].due_on, date(2027, 1, 15));
        assert_eq!(schedule.last_due(), date(2027, 4, 15));
        // Interest runs on the balance less the down payment.
        let terms = PlanTerms {
            apr: bps(1200),
            ..with_down_payment(None)
        };
        assert_eq!(
            terms.quote().unwrap().installments[1].interest,
            usd("10.00")
        );
    }

    #[test]
    fn bad_down_payments() {
        let bad = |terms: PlanTerms| terms.quote().unwrap_err();
        assert_eq!(
            bad(with_down_payment(Some(date(2027, 1, 15)))),
            PlanError::DownPaymentDate
        );
        assert_eq!(
            bad(PlanTerms {
                down_payment: Amount::ZERO,
                ..with_down_payment(Some(date(2027, 1, 1)))
            }),
            PlanError::DownPaymentDate
        );
        assert_eq!(
            bad(PlanTerms {
                down_payment: usd("1200.00"),
                ..with_down_payment(None)
            }),
            PlanError::DownPaymentNotBelowBalance
        );
        assert_eq!(
            bad(PlanTerms {
                down_payment: usd("-1.00"),
                ..with_down_payment(None)
            }),
            PlanError::DownPaymentNegative
        );
    }

    #[test]
    fn months_between_rounds_up() {
        assert_eq!(months_between(date(2027, 1, 1), date(2027, 1, 1)), 0);
        assert_eq!(months_between(date(2027, 1, 1), date(2026, 1, 1)), 0);
        assert_eq!(months_between(date(2027, 1, 1), date(2027, 2, 1)), 1);
        assert_eq!(months_between(date(2027, 1, 1), date(2027, 2, 2)), 2);
        assert_eq!(months_between(date(2027, 1, 31), date(2027, 2, 28)), 1);
        assert_eq!(months_between(date(2027, 1, 31), date(2027, 3, 1)), 2);
        assert_eq!(months_between(date(2027, 3, 31), date(2027, 4, 30)), 1);
        assert_eq!(months_between(date(2027, 1, 15), date(2030, 1, 15)), 36);
        assert_eq!(months_between(date(2027, 1, 15), date(2030, 1, 16)), 37);
    }

    #[test]
    fn policy_checks() {
        let policy = CreditorPolicy::default(); // 36 months, 25.00, 0 % down
        let today = date(2026, 12, 1);
        // 36 monthly installments from a month from now end 36 months from now.
        let within = quote(
            usd("3600.00"),
            bps(0),
            36,
            Frequency::Monthly,
            date(2027, 1, 1),
        )
        .unwrap();
        assert_eq!(check_policy(&within, today, &policy), []);
        let long = quote(
            usd("3700.00"),
            bps(0),
            37,
            Frequency::Monthly,
            date(2027, 1, 1),
        )
        .unwrap();
        let breaches = check_policy(&long, today, &policy);
        assert_eq!(
            breaches,
            [PolicyBreach::TermTooLong {
                term_months: 37,
                max_months: 36
            }]
        );
        assert_eq!(breaches[0].code(), "term_too_long");
        assert_eq!(
            breaches[0].message(Currency::USD),
            "the plan runs 37 months; the creditor allows 36 without approval"
        );

        // 100.00 in 5 weekly installments of 20.00: below 25.00.
        let small = quote(
            usd("100.00"),
            bps(0),
            5,
            Frequency::Weekly,
            date(2027, 1, 1),
        )
        .unwrap();
        let breaches = check_policy(&small, today, &policy);
        assert_eq!(
            breaches,
            [PolicyBreach::InstallmentTooSmall {
                installment: usd("20.00"),
                minimum: usd("25.00")
            }]
        );
        assert_eq!(
            breaches[0].message(Currency::USD),
            "installments of 20.00 USD are below the creditor's minimum of 25.00 USD"
        );
        // The last installment may be smaller: 100.00 in 30.00s ends with 10.00.
        let remainder = quote_for_amount(
            usd("100.00"),
            bps(0),
            usd("30.00"),
            Frequency::Weekly,
            date(2027, 1, 1),
        )
        .unwrap();
        assert_eq!(check_policy(&remainder, today, &policy), []);
        // One installment of less than the minimum is a payment in full on a date.
        let single = quote(usd("10.00"), bps(0), 1, Frequency::Weekly, date(2027, 1, 1)).unwrap();
        assert_eq!(check_policy(&single, today, &policy), []);
    }

    #[test]
    fn down_payment_policy_rounds_up() {
        let mut policy = CreditorPolicy::default();
        policy.set("plan_min_down_payment_bps", "1000").unwrap();
        // 10 % of 1000.05 is 100.005 → 100.01.
        assert_eq!(
            minimum_down_payment(usd("1000.05"), bps(1000)),
            usd("100.01")
        );
        let terms = |down_payment: &str| PlanTerms {
            balance: usd("1000.05"),
            down_payment: usd(down_payment),
            down_payment_on: None,
            apr: bps(0),
            frequency: Frequency::Monthly,
            first_due: date(2027, 1, 1),
            sizing: Sizing::Count(6),
        };
        let short = terms("100.00").quote().unwrap();
        let breaches = check_policy(&short, date(2026, 12, 1), &policy);
        assert_eq!(
            breaches,
            [PolicyBreach::DownPaymentTooSmall {
                down_payment: usd("100.00"),
                minimum: usd("100.01")
            }]
        );
        assert_eq!(breaches[0].code(), "down_payment_too_small");
        let enough = terms("100.01").quote().unwrap();
        assert_eq!(check_policy(&enough, date(2026, 12, 1), &policy), []);
        let none = terms("0").quote().unwrap();
        assert_eq!(check_policy(&none, date(2026, 12, 1), &policy).len(), 1);
    }

    #[test]
    fn big_arithmetic() {
        let max = u128::from(u64::MAX);
        let square = Big::from(u64::MAX).mul_small(u64::MAX);
        assert_eq!(
            square,
            Big(vec![(max * max) as u64, ((max * max) >> 64) as u64])
        );
        let triple = square.mul_small(3);
        assert_eq!(triple.sub(&square.mul_small(2)), square);
        assert_eq!(square.add(&square).add(&square), triple);
        assert_eq!(square.compare(&triple), Ordering::Less);
        assert_eq!(triple.compare(&square), Ordering::Greater);
        assert_eq!(Big::from(1).add(&Big::from(u64::MAX)), Big(vec![0, 1]));
        assert_eq!(Big(vec![0, 1]).sub(&Big::from(1)), Big::from(u64::MAX));
        assert_eq!(square.sub(&square), Big(vec![]));
        assert_eq!(Big::from(0), Big(vec![]));

        assert_eq!(Big::from(7).div_round_half_up(&Big::from(2)), Some(4)); // 3.5 → 4
        assert_eq!(Big::from(5).div_round_half_up(&Big::from(4)), Some(1)); // 1.25 → 1
        assert_eq!(Big::from(7).div_round_half_up(&Big::from(4)), Some(2)); // 1.75 → 2
        assert_eq!(Big::from(0).div_round_half_up(&Big::from(4)), Some(0));
        assert_eq!(Big::from(1).div_round_half_up(&Big::from(0)), None);
        assert_eq!(Big::from(u64::MAX).div_round_half_up(&Big::from(1)), None);
        // (2⁶²−1)·2⁴⁰ / 2⁴¹ = 2⁶¹ − ½ → 2⁶¹, across limbs.
        let a = Big::from((1 << 62) - 1).mul_small(1 << 40);
        assert_eq!(a.div_round_half_up(&Big::from(1 << 41)), Some(1 << 61));
        // A quotient of two many-limb numbers: (3·X + 1) / X with X = 7¹⁰⁰.
        let x = (0..100).fold(Big::from(1), |big, _| big.mul_small(7));
        assert_eq!(
            x.mul_small(3).add(&Big::from(1)).div_round_half_up(&x),
            Some(3)
        );
        assert_eq!(x.mul_small(5).div_round_half_up(&x.mul_small(2)), Some(3)); // 2.5 → 3
    }
}
