//! Money in the workspace: the account page's "Money" section (payments, plans and
//! settlements with their dues, the credit balance) and what agents do there (take a
//! payment, the plan wizard, settlement offers, refund/adjustment/write-off requests,
//! recall), the supervisors' approvals queue and the exceptions list. An adapter over
//! `app::money`: the forms are parsed here into its typed input, its typed problems are
//! put in the user's words here; the rules (and who may) are there, and the authority
//! of a plan or settlement is decided by the store on the balance it reads.

use crate::AppState;
use crate::auth::Signed;
use crate::error::{AppError, FieldError};
use crate::i18n::Words;
use crate::workspace::{self, Extras, Sent, account_href, field, visible_view};
use app::model::arrangements::OpenArrangement;
use app::model::arrangements::{MoneyChange, REASON_CODES};
use app::model::money::{Method, Source};
use app::model::view::AccountView;
use app::money::{
    Agreed, ApprovalProblem, ChangeProblem, ChangeRequest, CheckedSettlement, NewPayment,
    PaymentProblem, PlanProblem, PlanRequest, QuotedPlan, Resolution, SettlementLine,
    SettlementProblem,
};
use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use domain::account::ArrangementKind;
use domain::money::Currency;
use domain::money::{Amount, BasisPoints};
use domain::plan::{Frequency, Sizing};
use jiff::civil::Date;
use serde::Deserialize;

pub(crate) mod api;
mod approvals;
mod exceptions;
mod forms;

pub use approvals::*;
pub use exceptions::*;
pub use forms::*;

/// Rows of the settlement form (the domain allows up to six payments; three fit a form).
pub const SETTLEMENT_ROWS: usize = 3;
pub const FREQUENCIES: &[&str] = &["monthly", "semimonthly", "biweekly", "weekly"];
pub const METHODS: &[&str] = &["card", "ach", "check", "cash", "wire", "other"];
pub const CHANGES: &[&str] = &["refund", "adjustment", "write_off"];

// ---------------------------------------------------------------- inputs

/// The plan wizard's fields, as typed (the form's and the API's names).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct PlanInput {
    #[serde(default)]
    pub frequency: String,
    /// `count` (N installments) or `amount` (installments of a fixed amount).
    #[serde(default)]
    pub sizing: String,
    #[serde(default)]
    pub installments: String,
    #[serde(default)]
    pub installment_amount: String,
    #[serde(default)]
    pub first_due: String,
    #[serde(default)]
    pub down_payment: String,
    #[serde(default)]
    pub down_payment_on: String,
    /// Annual percentage rate, e.g. `0` or `5.25`.
    #[serde(default)]
    pub apr: String,
    /// A checkbox: checked, the plan replaces the account's open promise, plan or
    /// settlement (else one open refuses it, named on the `replace` field).
    #[serde(default)]
    pub replace: String,
}

/// Whether a checkbox was checked (`on`, or `true`/`1` from a script).
pub fn checked(value: &str) -> bool {
    matches!(value.trim(), "on" | "true" | "1" | "yes")
}

/// A payment as typed.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct PaymentInput {
    #[serde(default)]
    pub amount: String,
    #[serde(default)]
    pub method: String,
    #[serde(default)]
    pub paid_on: String,
    #[serde(default)]
    pub reference: String,
}

// ---------------------------------------------------------------- the section

pub struct Choice {
    pub code: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

pub struct PaymentRow {
    pub paid_on: String,
    pub amount: String,
    pub applied: String,
    pub method: String,
    pub reference: String,
    pub source: String,
    pub who: String,
    pub returned: String,
}

pub struct DueRow {
    pub due_on: String,
    pub amount: String,
    pub paid: String,
    /// The state shown (`cancelled` for dues an ended arrangement no longer owes).
    pub state: String,
    pub state_label: String,
}

pub struct ArrangementRow {
    pub id: i64,
    pub kind: String,
    /// The stored code (for tests and styles).
    pub status: String,
    /// Its label in the user's words.
    pub status_label: String,
    /// The schedule in one line ([`summary_words`]).
    pub summary: String,
    pub total: String,
    pub balance_at_start: String,
    pub frequency: String,
    pub apr: String,
    pub created_by: String,
    pub dues: Vec<DueRow>,
}

pub struct QuoteRow {
    pub index: usize,
    pub due_on: String,
    pub amount: String,
    pub principal: String,
    pub interest: String,
}

/// A quoted plan as the wizard shows it.
pub struct PlanQuote {
    pub rows: Vec<QuoteRow>,
    pub total: String,
    pub total_interest: String,
    pub breaches: Vec<String>,
}

impl PlanQuote {
    pub fn within_policy(&self) -> bool {
        self.breaches.is_empty()
    }
}

pub struct SettlementRow {
    pub index: usize,
    pub date: String,
    pub amount: String,
}

/// What a settlement offer would mean: its discount and who may grant it.
pub struct SettlementCheck {
    pub total: String,
    pub discount: String,
    pub percent: String,
    pub needs_approval: bool,
    pub approver: String,
    pub message: String,
}

/// What a re-rendered account page keeps of the money forms.
#[derive(Default)]
pub struct MoneyForms {
    pub plan: PlanInput,
    pub quote: Option<PlanQuote>,
    pub plan_errors: Vec<FieldError>,
    pub settlement_rows: Vec<SettlementRow>,
    pub settlement: Option<SettlementCheck>,
    pub settlement_errors: Vec<FieldError>,
    pub payment: PaymentInput,
}

/// The account page's "Money" section.
pub struct MoneySection {
    pub payments: Vec<PaymentRow>,
    pub arrangements: Vec<ArrangementRow>,
    pub credit: String,
    pub policy: String,
    pub today: String,
    pub plan: PlanInput,
    pub frequencies: Vec<Choice>,
    pub by_amount: bool,
    pub quote: Option<PlanQuote>,
    pub plan_errors: Vec<FieldError>,
    pub settlement_rows: Vec<SettlementRow>,
    pub settlement: Option<SettlementCheck>,
    pub settlement_errors: Vec<FieldError>,
    pub payment: PaymentInput,
    pub methods: Vec<Choice>,
    pub changes: Vec<Choice>,
    /// The buckets an adjustment or write-off may move.
    pub buckets: Vec<Choice>,
    pub reason_codes: &'static [&'static str],
    pub may_take_payments: bool,
    pub may_arrange: bool,
    pub may_recall: bool,
}

fn percent(bps: i64) -> String {
    format!("{}.{:02} %", bps / 100, bps % 100)
}

fn role_word(t: Words, role: &str) -> &'static str {
    t.get(&format!("role.{role}"))
}

/// Builds the section for `view` as `user` sees it.
pub(crate) async fn section(
    state: &AppState,
    signed: &Signed,
    view: &AccountView,
    forms: MoneyForms,
) -> Result<MoneySection, AppError> {
    let user = signed.user();
    let t = Words::new(user.language);
    let money = |amount: Amount| view.currency.display(amount);
    let display = money;
    let facts = state.app.money_view(user, view).await?;
    let payments = facts
        .payments
        .into_iter()
        .map(|payment| PaymentRow {
            paid_on: payment.paid_on,
            amount: money(payment.amount),
            applied: money(payment.applied),
            method: t.get(&format!("method.{}", payment.method)).to_string(),
            reference: payment.payment_ref,
            source: payment.source,
            who: payment.username.unwrap_or_default(),
            returned: match (payment.returned_on, payment.return_code) {
                (Some(on), Some(code)) => format!("{on} {code}"),
                (Some(on), None) => on,
                _ => String::new(),
            },
        })
        .collect();
    let arrangements = facts
        .arrangements
        .into_iter()
        .rev()
        .map(|arrangement| ArrangementRow {
            id: arrangement.id,
            kind: t
                .get(&format!("money.kind.{}", arrangement.kind))
                .to_string(),
            status_label: t.label("arrangement_status", &arrangement.status),
            summary: summary_words(t, view.currency, &arrangement),
            status: arrangement.status.clone(),
            total: display(arrangement.total),
            balance_at_start: display(arrangement.balance_at_start),
            frequency: arrangement
                .frequency
                .as_ref()
                .map(|code| t.get(&format!("frequency.{code}")).to_string())
                .unwrap_or_default(),
            apr: percent(arrangement.apr_bps),
            created_by: arrangement.created_by.clone().unwrap_or_default(),
            dues: arrangement
                .dues
                .iter()
                .map(|due| {
                    let state = arrangement.due_state(due);
                    DueRow {
                        due_on: due.due_on.to_string(),
                        amount: display(due.amount),
                        paid: display(due.paid),
                        state: state.to_string(),
                        state_label: t.label("due_state", state),
                    }
                })
                .collect(),
        })
        .collect();
    let balance = view.balance();
    let credit = if balance.is_negative() {
        money(Amount::from_minor(-balance.minor()))
    } else {
        String::new()
    };
    let policy = facts.policy;
    let policy_text = format!(
        "{} {} · {} {} · {} {} · {} {}",
        t.get("policy.max_term"),
        policy.plan_max_term_months,
        t.get("policy.min_installment"),
        money(policy.plan_min_installment),
        t.get("policy.min_down"),
        percent(i64::from(policy.plan_min_down_payment_bps.get())),
        t.get("policy.your_discount"),
        policy
            .max_discount_bps(user.role)
            .map(|bps| percent(i64::from(bps.get())))
            .unwrap_or_else(|| "0.00 %".into()),
    );
    let mut plan = forms.plan;
    if plan.frequency.is_empty() {
        plan.frequency = "monthly".into();
    }
    if plan.apr.is_empty() {
        plan.apr = "0".into();
    }
    let frequencies = FREQUENCIES
        .iter()
        .map(|code| Choice {
            code,
            label: t.get(&format!("frequency.{code}")),
            selected: plan.frequency == *code,
        })
        .collect();
    let mut payment = forms.payment;
    if payment.paid_on.is_empty() {
        payment.paid_on = state.today().to_string();
    }
    let methods = METHODS
        .iter()
        .map(|code| Choice {
            code,
            label: t.get(&format!("method.{code}")),
            selected: payment.method == *code,
        })
        .collect();
    let changes = CHANGES
        .iter()
        .map(|code| Choice {
            code,
            label: t.get(&format!("change.{code}")),
            selected: false,
        })
        .collect();
    let buckets = domain::ledger::Bucket::ALL
        .iter()
        .map(|bucket| Choice {
            code: bucket.code(),
            label: t.get(&format!("account.{}", bucket.code())),
            selected: *bucket == domain::ledger::Bucket::Principal,
        })
        .collect();
    let mut settlement_rows = forms.settlement_rows;
    if settlement_rows.is_empty() {
        settlement_rows = (1..=SETTLEMENT_ROWS)
            .map(|index| SettlementRow {
                index,
                date: String::new(),
                amount: String::new(),
            })
            .collect();
    }
    Ok(MoneySection {
        payments,
        arrangements,
        credit,
        policy: policy_text,
        today: state.today().to_string(),
        by_amount: plan.sizing == "amount",
        plan,
        frequencies,
        quote: forms.quote,
        plan_errors: forms.plan_errors,
        settlement_rows,
        settlement: forms.settlement,
        settlement_errors: forms.settlement_errors,
        payment,
        methods,
        changes,
        buckets,
        reason_codes: REASON_CODES,
        may_take_payments: facts.may_take_payments,
        may_arrange: facts.may_arrange,
        may_recall: facts.may_recall,
    })
}

// ---------------------------------------------------------------- parsing and problems

fn parse_money(view: &AccountView, text: &str) -> Option<Amount> {
    view.currency.parse_amount(text.trim()).ok()
}

/// A percentage like `5.25` as basis points.
fn parse_percent(text: &str) -> Option<BasisPoints> {
    let text = text.trim().trim_end_matches('%').trim();
    let text = if text.is_empty() { "0" } else { text };
    let minor = Amount::parse_decimal(text, 2).ok()?.minor();
    BasisPoints::new(u32::try_from(minor).ok()?)
}

/// The plan wizard's fields as a request, or every field to correct: those that do not
/// parse and those that parse but break the wizard's rules (`app::money`), in the
/// form's order.
pub fn parse_plan(
    view: &AccountView,
    t: Words,
    today: Date,
    input: &PlanInput,
) -> Result<PlanRequest, Vec<FieldError>> {
    let mut errors = Vec::new();
    let frequency = Frequency::parse(input.frequency.trim());
    if frequency.is_none() {
        errors.push(field("frequency", t, "error.frequency"));
    }
    let by_amount = input.sizing == "amount";
    let sizing = if by_amount {
        parse_money(view, &input.installment_amount).map(Sizing::Amount)
    } else {
        input
            .installments
            .trim()
            .parse::<u32>()
            .ok()
            .map(Sizing::Count)
    };
    if sizing.is_none() {
        errors.push(if by_amount {
            field("installment_amount", t, "error.amount")
        } else {
            field("installments", t, "error.installments")
        });
    }
    let first_due = domain::date::parse_date(input.first_due.trim());
    if first_due.is_none() {
        errors.push(field("first_due", t, "error.date"));
    }
    let down_payment = if input.down_payment.trim().is_empty() {
        Some(Amount::ZERO)
    } else {
        parse_money(view, &input.down_payment)
    };
    if down_payment.is_none() {
        errors.push(field("down_payment", t, "error.amount"));
    }
    let down_payment_on = if input.down_payment_on.trim().is_empty() {
        Some(None)
    } else {
        domain::date::parse_date(input.down_payment_on.trim()).map(Some)
    };
    if down_payment_on.is_none() {
        errors.push(field("down_payment_on", t, "error.date"));
    }
    let apr = parse_percent(&input.apr);
    if apr.is_none() {
        errors.push(field("apr", t, "error.apr"));
    }
    if let (
        Some(frequency),
        Some(sizing),
        Some(first_due),
        Some(down_payment),
        Some(down_payment_on),
        Some(apr),
    ) = (
        frequency,
        sizing,
        first_due,
        down_payment,
        down_payment_on,
        apr,
    ) {
        return Ok(PlanRequest {
            frequency,
            sizing,
            first_due,
            down_payment,
            down_payment_on,
            apr,
            replace: checked(&input.replace),
        });
    }
    let rules =
        app::money::plan_part_problems(today, sizing, first_due, down_payment, down_payment_on);
    errors.extend(plan_problems(view, t, &rules));
    let order = [
        "frequency",
        "installments",
        "installment_amount",
        "first_due",
        "down_payment",
        "down_payment_on",
        "apr",
    ];
    errors.sort_by_key(|error| order.iter().position(|name| *name == error.field));
    Err(errors)
}

/// A plan's problems in the user's words.
pub fn plan_problems(view: &AccountView, t: Words, problems: &[PlanProblem]) -> Vec<FieldError> {
    problems
        .iter()
        .map(|problem| {
            let name = problem.field();
            match problem {
                PlanProblem::FirstDueInPast | PlanProblem::DownPaymentOnInPast => {
                    field(name, t, "error.date")
                }
                PlanProblem::DownPaymentNegative => field(name, t, "error.amount"),
                PlanProblem::Sizing { by_amount: true } => field(name, t, "error.amount"),
                PlanProblem::Sizing { by_amount: false } => field(name, t, "error.installments"),
                PlanProblem::Quote { error, .. } => FieldError {
                    field: name.into(),
                    message: error.message(view.currency),
                },
                PlanProblem::Open(open) => FieldError {
                    field: name.into(),
                    message: refused_open_words(t, open),
                },
            }
        })
        .collect()
}

fn quote_view(view: &AccountView, quoted: &QuotedPlan) -> PlanQuote {
    let money = |amount: Amount| view.currency.display(amount);
    PlanQuote {
        rows: quoted
            .schedule
            .installments
            .iter()
            .enumerate()
            .map(|(index, installment)| QuoteRow {
                index: index + 1,
                due_on: installment.due_on.to_string(),
                amount: money(installment.amount),
                principal: money(installment.principal),
                interest: money(installment.interest),
            })
            .collect(),
        total: money(quoted.schedule.total),
        total_interest: money(quoted.schedule.total_interest),
        breaches: quoted
            .breaches
            .iter()
            .map(|breach| breach.message(view.currency))
            .collect(),
    }
}

/// Dated amounts (`given[i]` = (date, amount), empty rows skipped) as settlement lines,
/// or the fields that do not parse (`settle_date_N`, `settle_amount_N`, N from 1).
pub fn parse_settlement(
    view: &AccountView,
    t: Words,
    given: &[(&str, &str)],
) -> Result<Vec<SettlementLine>, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut lines = Vec::new();
    for (index, (date, amount)) in given.iter().enumerate() {
        let row = index + 1;
        if date.trim().is_empty() && amount.trim().is_empty() {
            continue;
        }
        let due_on = domain::date::parse_date(date.trim());
        let amount = parse_money(view, amount);
        if due_on.is_none() {
            errors.push(field(&format!("settle_date_{row}"), t, "error.date"));
        }
        if amount.is_none() {
            errors.push(field(&format!("settle_amount_{row}"), t, "error.amount"));
        }
        if let (Some(due_on), Some(amount)) = (due_on, amount) {
            lines.push(SettlementLine {
                row,
                due_on,
                amount,
            });
        }
    }
    if errors.is_empty() {
        Ok(lines)
    } else {
        Err(errors)
    }
}

/// A settlement's problems in the user's words.
pub fn settlement_problems(t: Words, problems: &[SettlementProblem]) -> Vec<FieldError> {
    problems
        .iter()
        .map(|problem| {
            let name = problem.field();
            match problem {
                SettlementProblem::Empty | SettlementProblem::AmountNotPositive(_) => {
                    field(&name, t, "error.amount")
                }
                SettlementProblem::DateInPast(_) => field(&name, t, "error.date"),
                SettlementProblem::Offer(message) => FieldError {
                    field: name,
                    message: message.clone(),
                },
                SettlementProblem::Open(open) => FieldError {
                    field: name,
                    message: refused_open_words(t, open),
                },
            }
        })
        .collect()
}

fn settlement_view(view: &AccountView, t: Words, checked: &CheckedSettlement) -> SettlementCheck {
    let money = |amount: Amount| view.currency.display(amount);
    let approver = checked.authority.approver();
    SettlementCheck {
        total: money(checked.offer.total()),
        discount: money(checked.offer.discount()),
        percent: percent(i64::from(checked.offer.discount_bps())),
        needs_approval: approver.is_some(),
        approver: approver
            .map(|role| role_word(t, role.code()).to_string())
            .unwrap_or_default(),
        message: checked.authority.message(),
    }
}

/// A payment as typed, or the fields that do not parse.
pub fn parse_payment(
    view: &AccountView,
    t: Words,
    today: Date,
    input: &PaymentInput,
) -> Result<NewPayment, Vec<FieldError>> {
    let mut errors = Vec::new();
    let amount = parse_money(view, &input.amount);
    if amount.is_none() {
        errors.push(field("amount", t, "error.amount"));
    }
    let method = Method::parse(input.method.trim());
    if method.is_none() {
        errors.push(field("method", t, "error.method"));
    }
    let paid_on = if input.paid_on.trim().is_empty() {
        Some(None)
    } else {
        domain::date::parse_date(input.paid_on.trim()).map(Some)
    };
    if paid_on.is_none() {
        errors.push(field("paid_on", t, "error.paid_on"));
    }
    match (amount, method, paid_on) {
        (Some(amount), Some(method), Some(paid_on)) => Ok(NewPayment {
            amount,
            method,
            paid_on,
            reference: input.reference.clone(),
        }),
        _ => {
            let rules = app::money::payment_part_problems(today, amount, paid_on, &input.reference);
            errors.extend(payment_problems(t, &rules));
            let order = ["amount", "method", "paid_on", "reference"];
            errors.sort_by_key(|error| order.iter().position(|name| *name == error.field));
            Err(errors)
        }
    }
}

/// A payment's problems in the user's words.
pub fn payment_problems(t: Words, problems: &[PaymentProblem]) -> Vec<FieldError> {
    problems
        .iter()
        .map(|problem| {
            let name = problem.field();
            match problem {
                PaymentProblem::AmountNotPositive => field(name, t, "error.amount"),
                PaymentProblem::PaidInFuture => field(name, t, "error.paid_on"),
                PaymentProblem::ReferenceTooLong => field(name, t, "error.reference"),
                PaymentProblem::ReferenceUsed => field(name, t, "error.reference_used"),
                PaymentProblem::Refused(message) => FieldError {
                    field: name.into(),
                    message: message.clone(),
                },
            }
        })
        .collect()
}

/// A refund, adjustment or write-off as typed, or the fields that do not parse.
pub fn parse_change(
    view: &AccountView,
    t: Words,
    input: &ChangeInput,
) -> Result<ChangeRequest, Vec<FieldError>> {
    let mut errors = Vec::new();
    let change = MoneyChange::parse(input.change.trim());
    if change.is_none() {
        errors.push(field("change", t, "error.change"));
    }
    let amount = if input.amount.trim().is_empty() {
        Some(None)
    } else {
        parse_money(view, &input.amount).map(Some)
    };
    if amount.is_none() {
        errors.push(field("change_amount", t, "error.amount"));
    }
    let reason_known = REASON_CODES.contains(&input.reason_code.trim());
    let bucket = match input.bucket.trim() {
        "" => Some(domain::ledger::Bucket::Principal),
        code => domain::ledger::Bucket::parse(code),
    };
    match (change, amount, bucket) {
        (Some(change), Some(amount), Some(bucket)) => Ok(ChangeRequest {
            change,
            amount,
            bucket,
            reason_code: input.reason_code.clone(),
            note: input.note.clone(),
        }),
        _ => {
            if !reason_known {
                errors.push(field("reason_code", t, "error.reason_code"));
            }
            if bucket.is_none() {
                errors.push(field("bucket", t, "error.bucket"));
            }
            Err(errors)
        }
    }
}

/// A change's problems in the user's words.
pub fn change_problems(t: Words, problems: &[ChangeProblem]) -> Vec<FieldError> {
    problems
        .iter()
        .map(|problem| match problem {
            ChangeProblem::Amount => field(problem.field(), t, "error.amount"),
            ChangeProblem::ReasonCode => field(problem.field(), t, "error.reason_code"),
        })
        .collect()
}

/// Why a new one was refused: the open arrangement, and how to replace it.
pub fn refused_open_words(t: Words, open: &OpenArrangement) -> String {
    format!(
        "{} {}",
        open_words(t, open),
        t.get("arrangements.open.advice")
    )
}

/// The account's open arrangement in the user's words: "A 60-month plan is waiting
/// for approval since 2026-12-06.".
pub fn open_words(t: Words, open: &OpenArrangement) -> String {
    let n = open.dues.to_string();
    let what = match (open.kind, open.frequency) {
        (ArrangementKind::Plan, Some(Frequency::Monthly)) => {
            t.get("arrangements.open.plan_monthly")
        }
        (ArrangementKind::Plan, _) => t.get("arrangements.open.plan"),
        (ArrangementKind::Settlement, _) => t.get("arrangements.open.settlement"),
        (ArrangementKind::Promise, _) => t.get("arrangements.open.promise"),
    }
    .replace("{n}", &n);
    let sentence = if open.waiting {
        t.get("arrangements.open.waiting")
    } else {
        t.get("arrangements.open.running")
    };
    sentence
        .replace("{what}", &what)
        .replace("{date}", &open.since_on.to_string())
}

/// Why an approval was refused, in the user's words, naming the rule and its citation.
pub fn approval_problem_words(t: Words, problem: &ApprovalProblem) -> String {
    match problem {
        ApprovalProblem::Held { hold, rules } => {
            let cited: Vec<String> = rules
                .iter()
                .map(|rule| format!("{} ({})", rule.rule, rule.citation))
                .collect();
            t.get("arrangements.refused.held")
                .replace("{hold}", &t.label("arrangements.hold", hold.code()))
                .replace("{rules}", &cited.join("; "))
        }
    }
}

/// A schedule's one line in the user's words: "60 monthly installments of $3,096.66
/// from 2027-01-05 to 2031-12-05 · 3 paid, next due 2027-04-05, $0.00 overdue".
pub fn summary_words(
    t: Words,
    currency: Currency,
    arrangement: &app::model::arrangements::ArrangementView,
) -> String {
    let Some(summary) = arrangement.summary() else {
        return String::new();
    };
    let money = |amount: Amount| currency.display(amount);
    let n = summary.dues.to_string();
    let shape = match arrangement.frequency.as_deref() {
        Some(frequency) if summary.dues > 1 => t
            .get("arrangements.summary.installments")
            .replace("{every}", &t.label("arrangements.every", frequency)),
        _ => t
            .get("arrangements.summary.payments")
            .replace("{total}", &money(arrangement.total)),
    }
    .replace("{n}", &n)
    .replace("{amount}", &money(summary.installment))
    .replace("{first}", &summary.first_on.to_string())
    .replace("{last}", &summary.last_on.to_string());
    let progress = match summary.next_due {
        Some(next) => t
            .get("arrangements.summary.progress")
            .replace("{next}", &next.to_string()),
        None => t.get("arrangements.summary.progress_done").to_string(),
    }
    .replace("{paid}", &summary.paid.to_string())
    .replace("{overdue}", &money(summary.overdue));
    let mut line = format!("{shape} · {progress}");
    if summary.cancelled > 0 {
        line.push_str(" · ");
        line.push_str(
            &t.get("arrangements.summary.cancelled")
                .replace("{n}", &summary.cancelled.to_string()),
        );
    }
    line
}

/// Form errors, or the use case's outcome (its problems already in the user's words).
type Answered<T> = Result<Result<T, Vec<FieldError>>, AppError>;

/// A use case's outcome with its problems in the user's words.
fn answered<T, P>(
    result: Result<Result<T, Vec<P>>, app::Error>,
    words: impl FnOnce(Vec<P>) -> Vec<FieldError>,
) -> Answered<T> {
    match result {
        Ok(Ok(done)) => Ok(Ok(done)),
        Ok(Err(problems)) => Ok(Err(words(problems))),
        Err(error) => Err(error.into()),
    }
}
