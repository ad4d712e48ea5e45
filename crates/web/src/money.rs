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
use crate::workspace::{self, Extras, account_href, field, visible_view};
use app::model::arrangements::{MoneyChange, REASON_CODES};
use app::model::money::{Method, Source};
use app::model::view::AccountView;
use app::money::{
    Agreed, ChangeProblem, ChangeRequest, CheckedSettlement, NewPayment, PaymentProblem,
    PlanProblem, PlanRequest, QuotedPlan, Resolution, SettlementLine, SettlementProblem,
};
use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use domain::money::{Amount, BasisPoints};
use domain::plan::{Frequency, Sizing};
use jiff::civil::Date;
use serde::Deserialize;

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
    pub state: String,
}

pub struct ArrangementRow {
    pub id: i64,
    pub kind: String,
    pub status: String,
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
    let money = |amount: Amount| view.currency.format(amount);
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
            status: arrangement.status,
            total: money(arrangement.total),
            balance_at_start: money(arrangement.balance_at_start),
            frequency: arrangement
                .frequency
                .map(|code| t.get(&format!("frequency.{code}")).to_string())
                .unwrap_or_default(),
            apr: percent(arrangement.apr_bps),
            created_by: arrangement.created_by.unwrap_or_default(),
            dues: arrangement
                .dues
                .iter()
                .map(|due| DueRow {
                    due_on: due.due_on.to_string(),
                    amount: money(due.amount),
                    paid: money(due.paid),
                    state: due.state.code().to_string(),
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
    let first_due = input.first_due.trim().parse::<Date>().ok();
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
        input.down_payment_on.trim().parse::<Date>().ok().map(Some)
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
            }
        })
        .collect()
}

fn quote_view(view: &AccountView, quoted: &QuotedPlan) -> PlanQuote {
    let money = |amount: Amount| view.currency.format(amount);
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
        let due_on = date.trim().parse::<Date>().ok();
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
            }
        })
        .collect()
}

fn settlement_view(view: &AccountView, t: Words, checked: &CheckedSettlement) -> SettlementCheck {
    let money = |amount: Amount| view.currency.format(amount);
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
        input.paid_on.trim().parse::<Date>().ok().map(Some)
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

// ---------------------------------------------------------------- account page handlers

async fn rerender(
    state: &AppState,
    signed: &Signed,
    view: AccountView,
    errors: Vec<FieldError>,
    money: MoneyForms,
    status: StatusCode,
) -> Result<Response, AppError> {
    let extras = Extras {
        errors,
        money,
        ..Extras::default()
    };
    workspace::account_page(state, signed, view, extras, status).await
}

fn done(view: &AccountView, what: &str) -> Response {
    Redirect::to(&format!(
        "{}?done={what}",
        account_href(&view.creditor, &view.account_ref)
    ))
    .into_response()
}

/// A stale form (409) or a store refusal (422) shown on the page; other errors pass.
async fn refused(
    state: &AppState,
    signed: &Signed,
    creditor: &str,
    account_ref: &str,
    error: AppError,
    field_name: &str,
    money: MoneyForms,
) -> Result<Response, AppError> {
    let t = Words::new(signed.user().language);
    let (status, error) = match error {
        AppError::Store(app::model::StoreError::Conflict(_)) => {
            (StatusCode::CONFLICT, field("version", t, "error.stale"))
        }
        AppError::Store(app::model::StoreError::Invalid(message)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            FieldError {
                field: field_name.into(),
                message,
            },
        ),
        other => return Err(other),
    };
    let view = visible_view(state, signed.user(), creditor, account_ref).await?;
    rerender(state, signed, view, vec![error], money, status).await
}

/// How a money form is answered: a redirect naming what was done, the page again with
/// the form's errors (422), or a stale form or store refusal shown on `field_name`.
async fn answer(
    state: &AppState,
    signed: &Signed,
    view: AccountView,
    outcome: Result<Result<&'static str, Vec<FieldError>>, AppError>,
    field_name: &str,
    forms: impl Fn(Vec<FieldError>) -> MoneyForms,
) -> Result<Response, AppError> {
    match outcome {
        Ok(Ok(what)) => Ok(done(&view, what)),
        Ok(Err(errors)) => {
            let money = forms(errors.clone());
            rerender(
                state,
                signed,
                view,
                errors,
                money,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(error) => {
            let (creditor, account_ref) = (view.creditor.clone(), view.account_ref.clone());
            refused(
                state,
                signed,
                &creditor,
                &account_ref,
                error,
                field_name,
                forms(Vec::new()),
            )
            .await
        }
    }
}

#[derive(Deserialize)]
pub struct PaymentForm {
    #[serde(default)]
    csrf: String,
    version: i64,
    #[serde(flatten)]
    input: PaymentInput,
}

pub async fn post_payment(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path((creditor, account_ref)): Path<(String, String)>,
    Form(form): Form<PaymentForm>,
) -> Result<Response, AppError> {
    signed.check_csrf(&headers, &form.csrf)?;
    let user = signed.user();
    let t = Words::new(user.language);
    let view = visible_view(&state, user, &creditor, &account_ref).await?;
    let outcome = match parse_payment(&view, t, state.today(), &form.input) {
        Err(errors) => Ok(Err(errors)),
        Ok(payment) => answered(
            state
                .app
                .take_payment(user, &view, form.version, &payment, Source::Agent)
                .await,
            |problems| payment_problems(t, &problems),
        ),
    }
    .map(|taken| taken.map(|_| "payment"));
    let forms = |_| MoneyForms {
        payment: form.input.clone(),
        ..MoneyForms::default()
    };
    answer(&state, &signed, view, outcome, "amount", forms).await
}

#[derive(Deserialize)]
pub struct PlanForm {
    #[serde(default)]
    csrf: String,
    version: i64,
    #[serde(flatten)]
    input: PlanInput,
}

/// The wizard's "Quote": the schedule and the policy's breaches, nothing saved (htmx
/// swaps `#plan-quote` out of the page; without JavaScript the whole page shows it).
pub async fn plan_quote(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path((creditor, account_ref)): Path<(String, String)>,
    Form(form): Form<PlanForm>,
) -> Result<Response, AppError> {
    signed.check_csrf(&headers, &form.csrf)?;
    let user = signed.user();
    let view = visible_view(&state, user, &creditor, &account_ref).await?;
    let t = Words::new(user.language);
    let mut forms = MoneyForms {
        plan: form.input.clone(),
        ..MoneyForms::default()
    };
    let quoted = match parse_plan(&view, t, state.today(), &form.input) {
        Err(errors) => Ok(Err(errors)),
        Ok(request) => answered(
            state.app.quote_plan(user, &view, &request).await,
            |problems| plan_problems(&view, t, &problems),
        ),
    }?;
    match quoted {
        Ok(quoted) => forms.quote = Some(quote_view(&view, &quoted)),
        Err(errors) => forms.plan_errors = errors,
    }
    // 200 either way: a quote is a question, and htmx swaps only successful answers.
    rerender(&state, &signed, view, Vec::new(), forms, StatusCode::OK).await
}

/// The wizard's "Agree".
pub async fn plan_agree(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path((creditor, account_ref)): Path<(String, String)>,
    Form(form): Form<PlanForm>,
) -> Result<Response, AppError> {
    signed.check_csrf(&headers, &form.csrf)?;
    let user = signed.user();
    let t = Words::new(user.language);
    let view = visible_view(&state, user, &creditor, &account_ref).await?;
    let forms = |errors: Vec<FieldError>| MoneyForms {
        plan: form.input.clone(),
        plan_errors: errors,
        ..MoneyForms::default()
    };
    let outcome = match parse_plan(&view, t, state.today(), &form.input) {
        Err(errors) => Ok(Err(errors)),
        Ok(request) => answered(
            state
                .app
                .agree_plan(user, &view, form.version, &request)
                .await,
            |problems| plan_problems(&view, t, &problems),
        ),
    }
    .map(|agreed| {
        agreed.map(|(agreed, _)| match agreed {
            Agreed::Active { .. } => "plan_active",
            Agreed::Pending { .. } => "plan_pending",
        })
    });
    answer(&state, &signed, view, outcome, "plan", forms).await
}

#[derive(Deserialize)]
pub struct SettlementForm {
    #[serde(default)]
    csrf: String,
    version: i64,
    #[serde(default)]
    settle_date_1: String,
    #[serde(default)]
    settle_amount_1: String,
    #[serde(default)]
    settle_date_2: String,
    #[serde(default)]
    settle_amount_2: String,
    #[serde(default)]
    settle_date_3: String,
    #[serde(default)]
    settle_amount_3: String,
}

impl SettlementForm {
    fn given(&self) -> [(&str, &str); SETTLEMENT_ROWS] {
        [
            (&self.settle_date_1, &self.settle_amount_1),
            (&self.settle_date_2, &self.settle_amount_2),
            (&self.settle_date_3, &self.settle_amount_3),
        ]
    }

    fn rows(&self) -> Vec<SettlementRow> {
        self.given()
            .iter()
            .enumerate()
            .map(|(index, (date, amount))| SettlementRow {
                index: index + 1,
                date: date.trim().to_string(),
                amount: amount.trim().to_string(),
            })
            .collect()
    }
}

/// "Check": the offer's discount and whether it needs approval, nothing saved.
pub async fn settlement_check(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path((creditor, account_ref)): Path<(String, String)>,
    Form(form): Form<SettlementForm>,
) -> Result<Response, AppError> {
    signed.check_csrf(&headers, &form.csrf)?;
    let user = signed.user();
    let view = visible_view(&state, user, &creditor, &account_ref).await?;
    let t = Words::new(user.language);
    let mut forms = MoneyForms {
        settlement_rows: form.rows(),
        ..MoneyForms::default()
    };
    let checked = match parse_settlement(&view, t, &form.given()) {
        Err(errors) => Ok(Err(errors)),
        Ok(lines) => answered(
            state.app.check_settlement(user, &view, &lines).await,
            |problems| settlement_problems(t, &problems),
        ),
    }?;
    match checked {
        Ok(checked) => forms.settlement = Some(settlement_view(&view, t, &checked)),
        Err(errors) => forms.settlement_errors = errors,
    }
    rerender(&state, &signed, view, Vec::new(), forms, StatusCode::OK).await
}

/// "Offer": recorded, active or waiting for approval.
pub async fn settlement_offer(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path((creditor, account_ref)): Path<(String, String)>,
    Form(form): Form<SettlementForm>,
) -> Result<Response, AppError> {
    signed.check_csrf(&headers, &form.csrf)?;
    let user = signed.user();
    let t = Words::new(user.language);
    let view = visible_view(&state, user, &creditor, &account_ref).await?;
    let forms = |errors: Vec<FieldError>| MoneyForms {
        settlement_rows: form.rows(),
        settlement_errors: errors,
        ..MoneyForms::default()
    };
    let outcome = match parse_settlement(&view, t, &form.given()) {
        Err(errors) => Ok(Err(errors)),
        Ok(lines) => answered(
            state
                .app
                .offer_settlement(user, &view, form.version, &lines)
                .await,
            |problems| settlement_problems(t, &problems),
        ),
    }
    .map(|agreed| {
        agreed.map(|(agreed, _)| match agreed {
            Agreed::Active { .. } => "settlement_active",
            Agreed::Pending { .. } => "settlement_pending",
        })
    });
    answer(&state, &signed, view, outcome, "settlement", forms).await
}

#[derive(Deserialize)]
pub struct ChangeForm {
    #[serde(default)]
    csrf: String,
    version: i64,
    #[serde(flatten)]
    input: ChangeInput,
}

/// A refund, adjustment or write-off as typed (the form's or the API's fields).
#[derive(Deserialize, Default)]
pub struct ChangeInput {
    #[serde(default)]
    pub change: String,
    #[serde(default)]
    pub amount: String,
    /// The bucket an adjustment or a write-off of an amount moves (default principal).
    #[serde(default)]
    pub bucket: String,
    #[serde(default)]
    pub reason_code: String,
    #[serde(default)]
    pub note: String,
}

/// The refund, adjustment and write-off form (`app::money`'s `request_change`).
pub async fn money_change(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path((creditor, account_ref)): Path<(String, String)>,
    Form(form): Form<ChangeForm>,
) -> Result<Response, AppError> {
    signed.check_csrf(&headers, &form.csrf)?;
    let user = signed.user();
    let t = Words::new(user.language);
    let view = visible_view(&state, user, &creditor, &account_ref).await?;
    let outcome = match parse_change(&view, t, &form.input) {
        Err(errors) => Ok(Err(errors)),
        Ok(request) => answered(
            state
                .app
                .request_change(user, &view, form.version, &request)
                .await,
            |problems| change_problems(t, &problems),
        ),
    }
    .map(|requested| {
        requested.map(|approval| match approval {
            None => "change_posted",
            Some(_) => "change_pending",
        })
    });
    answer(&state, &signed, view, outcome, "change_amount", |_| {
        MoneyForms::default()
    })
    .await
}

#[derive(Deserialize)]
pub struct RecallForm {
    #[serde(default)]
    csrf: String,
    version: i64,
    #[serde(default)]
    note: String,
}

/// Returns the account to its creditor (supervisors and above).
pub async fn recall(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path((creditor, account_ref)): Path<(String, String)>,
    Form(form): Form<RecallForm>,
) -> Result<Response, AppError> {
    signed.check_csrf(&headers, &form.csrf)?;
    let user = signed.user();
    let view = visible_view(&state, user, &creditor, &account_ref).await?;
    match state
        .app
        .recall(user, &view, form.version, &form.note)
        .await
    {
        Ok(()) => Ok(done(&view, "recalled")),
        Err(error) => {
            refused(
                &state,
                &signed,
                &creditor,
                &account_ref,
                error.into(),
                "recall_note",
                MoneyForms::default(),
            )
            .await
        }
    }
}

// ---------------------------------------------------------------- approvals

pub struct ApprovalRow {
    pub id: i64,
    pub href: String,
    pub label: String,
    pub kind: String,
    pub amount: String,
    pub reason: String,
    pub requested_by: String,
    pub requested_at: String,
    pub required: String,
    pub may_decide: bool,
}

/// The pending approvals `user` sees, as rows.
pub(crate) async fn approval_rows(
    state: &AppState,
    user: &app::model::sessions::SessionUser,
) -> Result<Vec<ApprovalRow>, AppError> {
    let t = Words::new(user.language);
    Ok(state
        .app
        .approvals(user)
        .await?
        .into_iter()
        .map(|item| {
            let approval = &item.approval;
            ApprovalRow {
                id: approval.id,
                href: account_href(&approval.creditor, &approval.account_ref),
                label: format!("{} {}", approval.creditor, approval.account_ref),
                kind: t.get(&format!("money.kind.{}", approval.kind)).to_string(),
                amount: item.currency.format(approval.amount),
                reason: item.reason.clone(),
                requested_by: approval.requested_by.clone().unwrap_or_default(),
                requested_at: jiff::Timestamp::from_microsecond(approval.requested_at_us)
                    .map(|at| {
                        state
                            .business_zone
                            .to_datetime(at)
                            .strftime("%Y-%m-%d %H:%M")
                            .to_string()
                    })
                    .unwrap_or_default(),
                required: role_word(t, item.required.code()).to_string(),
                may_decide: item.may_decide,
            }
        })
        .collect())
}

#[derive(Template)]
#[template(path = "approvals.html")]
struct ApprovalsPage {
    t: Words,
    csrf: String,
    username: String,
    query: String,
    flash: String,
    errors: Vec<FieldError>,
    approvals: Vec<ApprovalRow>,
}

async fn approvals_page(
    state: &AppState,
    signed: &Signed,
    flash: String,
    errors: Vec<FieldError>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let user = signed.user();
    let page = ApprovalsPage {
        t: Words::new(user.language),
        csrf: signed.0.csrf_token.clone(),
        username: user.username.clone(),
        query: String::new(),
        flash,
        errors,
        approvals: approval_rows(state, user).await?,
    };
    Ok((status, Html(page.render()?)).into_response())
}

#[derive(Deserialize)]
pub struct DoneQuery {
    #[serde(default)]
    done: String,
}

pub async fn approvals(
    State(state): State<AppState>,
    signed: Signed,
    Query(query): Query<DoneQuery>,
) -> Result<Response, AppError> {
    let t = Words::new(signed.user().language);
    let flash = match query.done.as_str() {
        "approved" => t.get("approvals.approved"),
        "rejected" => t.get("approvals.rejected"),
        _ => "",
    };
    approvals_page(&state, &signed, flash.into(), Vec::new(), StatusCode::OK).await
}

#[derive(Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    decision: String,
    #[serde(default)]
    note: String,
}

pub async fn decide_approval(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<DecisionForm>,
) -> Result<Response, AppError> {
    signed.check_csrf(&headers, &form.csrf)?;
    let user = signed.user();
    let t = Words::new(user.language);
    let approve = match form.decision.as_str() {
        "approve" => true,
        "reject" => false,
        _ => {
            let error = field("decision", t, "error.decision");
            return approvals_page(
                &state,
                &signed,
                String::new(),
                vec![error],
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    match state
        .app
        .decide_approval(user, id, approve, &form.note)
        .await
        .map_err(AppError::from)
    {
        Ok(()) => Ok(Redirect::to(if approve {
            "/approvals?done=approved"
        } else {
            "/approvals?done=rejected"
        })
        .into_response()),
        Err(AppError::Store(
            app::model::StoreError::Invalid(message) | app::model::StoreError::Conflict(message),
        )) => {
            approvals_page(
                &state,
                &signed,
                String::new(),
                vec![FieldError {
                    field: "decision".into(),
                    message,
                }],
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(other) => Err(other),
    }
}

// ---------------------------------------------------------------- exceptions

pub struct ExceptionRow {
    pub id: i64,
    pub source: String,
    pub file_name: String,
    pub line: i64,
    pub kind: String,
    pub amount: String,
    pub paid_on: String,
    pub reference: String,
    pub reason: String,
    /// The creditor the item named; empty when it named none.
    pub creditor: String,
}

#[derive(Template)]
#[template(path = "exceptions.html")]
struct ExceptionsPage {
    t: Words,
    csrf: String,
    username: String,
    query: String,
    exceptions: Vec<ExceptionRow>,
    creditors: Vec<String>,
    error: String,
    done: String,
}

#[derive(Deserialize)]
pub struct ExceptionForm {
    csrf: String,
    /// `match` or `dismiss`.
    action: String,
    #[serde(default)]
    creditor: String,
    #[serde(default)]
    reference: String,
    #[serde(default)]
    note: String,
}

#[derive(Deserialize, Default)]
pub struct ExceptionsQuery {
    #[serde(default)]
    done: String,
}

/// Matches an exception to an account (or a payment, for a return) by hand, or
/// dismisses it with a reason.
pub async fn resolve_exception(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<ExceptionForm>,
) -> Result<Response, AppError> {
    signed.check_csrf(&headers, &form.csrf)?;
    let user = signed.user();
    let resolution = match form.action.as_str() {
        "match" => Some(Resolution::Match {
            creditor: form.creditor.clone(),
            reference: form.reference.clone(),
            note: form.note.clone(),
        }),
        "dismiss" => Some(Resolution::Dismiss {
            note: form.note.clone(),
        }),
        _ => None,
    };
    let result = match resolution {
        Some(resolution) => state.app.resolve_exception(user, id, &resolution).await?,
        None => Err("choose match or dismiss".to_string()),
    };
    match result {
        Ok(done) => Ok(Redirect::to(&format!("/exceptions?done={done}")).into_response()),
        Err(message) => {
            exceptions_page(
                &state,
                &signed,
                message,
                String::new(),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

/// The open exceptions: bank-file items nobody could match.
pub async fn exceptions(
    State(state): State<AppState>,
    signed: Signed,
    Query(query): Query<ExceptionsQuery>,
) -> Result<Response, AppError> {
    let done = match query.done.as_str() {
        "matched" | "dismissed" => query.done.clone(),
        _ => String::new(),
    };
    exceptions_page(&state, &signed, String::new(), done, StatusCode::OK).await
}

async fn exceptions_page(
    state: &AppState,
    signed: &Signed,
    error: String,
    done: String,
    status: StatusCode,
) -> Result<Response, AppError> {
    let user = signed.user();
    let (exceptions, creditors) = state.app.exceptions(user).await?;
    let exceptions = exceptions
        .into_iter()
        .map(|exception| ExceptionRow {
            id: exception.id,
            source: exception.source,
            file_name: exception.file_name,
            line: exception.line,
            kind: match exception.return_code {
                Some(code) => format!("{} {code}", exception.kind),
                None => exception.kind,
            },
            amount: format!(
                "{} {}",
                exception.currency.format(exception.amount),
                exception.currency
            ),
            paid_on: exception.paid_on,
            reference: exception.reference,
            reason: exception.reason,
            creditor: exception.creditor.unwrap_or_default(),
        })
        .collect();
    let page = ExceptionsPage {
        t: Words::new(user.language),
        csrf: signed.0.csrf_token.clone(),
        username: user.username.clone(),
        query: String::new(),
        exceptions,
        creditors,
        error,
        done,
    };
    Ok((status, Html(page.render()?)).into_response())
}

// ---------------------------------------------------------------- the JSON API

/// The money operations of the JSON API (routes in `crate::api::ROUTES`).
pub(crate) mod api {
    use super::{Agreed, PaymentInput, PlanInput};
    use crate::api::{
        ApiFailure, Call, field_error, invalid, ok, optional_string, required_version,
        store_invalid,
    };
    use crate::error::{AppError, FieldError};
    use crate::i18n::Words;
    use app::model::money::Source;
    use app::views;
    use axum::http::StatusCode;
    use axum::response::{IntoResponse, Response};
    use serde_json::{Map, Value};

    pub(crate) async fn list_payments(call: Call) -> Result<Response, ApiFailure> {
        let view = call.account().await?;
        let payments = call
            .state
            .app
            .payments(&call.user, &view)
            .await
            .map_err(AppError::from)?;
        Ok(ok(views::PaymentList {
            payments: payments
                .iter()
                .map(|payment| views::Payment::of(payment, view.currency))
                .collect(),
        }))
    }

    /// The account's version now (after a write).
    async fn version_now(call: &Call) -> Result<i64, ApiFailure> {
        Ok(call.account().await?.version)
    }

    pub(crate) async fn post_payment(call: Call) -> Result<Response, ApiFailure> {
        let view = call.account().await?;
        let body = call.object()?;
        let mut errors = Vec::new();
        let version = required_version(&body, &mut errors);
        let input = PaymentInput {
            amount: optional_string(&body, "amount", &mut errors).to_string(),
            method: optional_string(&body, "method", &mut errors).to_string(),
            paid_on: optional_string(&body, "paid_on", &mut errors).to_string(),
            reference: optional_string(&body, "reference", &mut errors).to_string(),
        };
        if !errors.is_empty() {
            return Err(AppError::ApiInvalid(errors).into());
        }
        let t = Words::new(call.user.language);
        let payment = super::parse_payment(&view, t, call.state.today(), &input)
            .map_err(|errors| ApiFailure(AppError::ApiInvalid(errors)))?;
        let taken = call
            .state
            .app
            .take_payment(&call.user, &view, version, &payment, Source::Api)
            .await;
        match super::answered(taken, |problems| super::payment_problems(t, &problems))
            .map_err(|error| store_invalid(error, "amount"))?
        {
            Ok(id) => Ok((
                StatusCode::CREATED,
                axum::Json(views::Created {
                    id,
                    version: version_now(&call).await?,
                }),
            )
                .into_response()),
            Err(errors) => Err(AppError::ApiInvalid(errors).into()),
        }
    }

    /// A string or a number, as text.
    fn text_or_number(
        body: &Map<String, Value>,
        key: &str,
        errors: &mut Vec<FieldError>,
    ) -> String {
        match body.get(key) {
            Some(Value::Number(number)) => number.to_string(),
            _ => optional_string(body, key, errors).to_string(),
        }
    }

    /// 201 for an arrangement active at once, 202 for one waiting for approval.
    fn arranged(agreed: &Agreed, terms: views::Terms, version: i64) -> Response {
        let status = match agreed {
            Agreed::Active { .. } => StatusCode::CREATED,
            Agreed::Pending { .. } => StatusCode::ACCEPTED,
        };
        let answer = views::Arrangement::of(agreed, terms, version);
        (status, axum::Json(answer)).into_response()
    }

    pub(crate) async fn create_plan(call: Call) -> Result<Response, ApiFailure> {
        let view = call.account().await?;
        let body = call.object()?;
        let mut errors = Vec::new();
        let version = required_version(&body, &mut errors);
        let installment_amount =
            optional_string(&body, "installment_amount", &mut errors).to_string();
        let input = PlanInput {
            frequency: optional_string(&body, "frequency", &mut errors).to_string(),
            sizing: if installment_amount.is_empty() {
                "count".into()
            } else {
                "amount".into()
            },
            installments: text_or_number(&body, "installments", &mut errors),
            installment_amount,
            first_due: optional_string(&body, "first_due", &mut errors).to_string(),
            down_payment: optional_string(&body, "down_payment", &mut errors).to_string(),
            down_payment_on: optional_string(&body, "down_payment_on", &mut errors).to_string(),
            apr: text_or_number(&body, "apr", &mut errors),
        };
        if !errors.is_empty() {
            return Err(AppError::ApiInvalid(errors).into());
        }
        let t = Words::new(call.user.language);
        let request = super::parse_plan(&view, t, call.state.today(), &input)
            .map_err(|errors| ApiFailure(AppError::ApiInvalid(errors)))?;
        let agreed = call
            .state
            .app
            .agree_plan(&call.user, &view, version, &request)
            .await;
        let (agreed, quoted) =
            match super::answered(agreed, |problems| super::plan_problems(&view, t, &problems))
                .map_err(|error| store_invalid(error, "plan"))?
            {
                Ok(done) => done,
                Err(errors) => return Err(AppError::ApiInvalid(errors).into()),
            };
        let terms = views::Terms::plan(&quoted, view.currency);
        Ok(arranged(&agreed, terms, version_now(&call).await?))
    }

    /// `settle_date_2` → `payments[1].due_on`; `settle_amount_2` → `payments[1].amount`.
    fn settlement_field(error: FieldError) -> FieldError {
        let renamed = if let Some(row) = error.field.strip_prefix("settle_date_") {
            row.parse::<usize>()
                .ok()
                .map(|row| format!("payments[{}].due_on", row.saturating_sub(1)))
        } else if let Some(row) = error.field.strip_prefix("settle_amount_") {
            row.parse::<usize>()
                .ok()
                .map(|row| format!("payments[{}].amount", row.saturating_sub(1)))
        } else if error.field == "settlement" {
            Some("payments".into())
        } else {
            None
        };
        FieldError {
            field: renamed.unwrap_or(error.field),
            message: error.message,
        }
    }

    pub(crate) async fn offer_settlement(call: Call) -> Result<Response, ApiFailure> {
        let view = call.account().await?;
        let body = call.object()?;
        let mut errors = Vec::new();
        let version = required_version(&body, &mut errors);
        let mut given: Vec<(String, String)> = Vec::new();
        match body.get("payments") {
            Some(Value::Array(payments))
                if !payments.is_empty()
                    && payments.len() <= domain::settlement::SETTLEMENT_PAYMENTS_MAX =>
            {
                for (index, payment) in payments.iter().enumerate() {
                    let text = |key: &str| match payment.get(key) {
                        Some(Value::String(text)) => Some(text.clone()),
                        _ => None,
                    };
                    match (text("due_on"), text("amount")) {
                        (Some(due_on), Some(amount)) => given.push((due_on, amount)),
                        _ => errors.push(field_error(
                            &format!("payments[{index}]"),
                            "expected an object with due_on and amount (decimal strings such as \"125.50\")",
                        )),
                    }
                }
            }
            _ => errors.push(field_error(
                "payments",
                &format!(
                    "1 to {} objects with due_on and amount",
                    domain::settlement::SETTLEMENT_PAYMENTS_MAX
                ),
            )),
        }
        if !errors.is_empty() {
            return Err(AppError::ApiInvalid(errors).into());
        }
        let given: Vec<(&str, &str)> = given
            .iter()
            .map(|(date, amount)| (date.as_str(), amount.as_str()))
            .collect();
        let t = Words::new(call.user.language);
        let lines = super::parse_settlement(&view, t, &given).map_err(|errors| {
            ApiFailure(AppError::ApiInvalid(
                errors.into_iter().map(settlement_field).collect(),
            ))
        })?;
        let offered = call
            .state
            .app
            .offer_settlement(&call.user, &view, version, &lines)
            .await;
        let (agreed, checked) =
            match super::answered(offered, |problems| super::settlement_problems(t, &problems))
                .map_err(|error| store_invalid(error, "payments"))?
            {
                Ok(done) => done,
                Err(errors) => {
                    return Err(AppError::ApiInvalid(
                        errors.into_iter().map(settlement_field).collect(),
                    )
                    .into());
                }
            };
        let terms = views::Terms::settlement(&checked, view.currency);
        Ok(arranged(&agreed, terms, version_now(&call).await?))
    }

    pub(crate) async fn list_approvals(call: Call) -> Result<Response, ApiFailure> {
        let items = call
            .state
            .app
            .approvals(&call.user)
            .await
            .map_err(AppError::from)?;
        Ok(ok(views::ApprovalList {
            approvals: items.iter().map(views::Approval::of).collect(),
        }))
    }

    pub(crate) async fn request_change(call: Call) -> Result<Response, ApiFailure> {
        let view = call.account().await?;
        let body = call.object()?;
        let mut errors = Vec::new();
        let version = required_version(&body, &mut errors);
        let input = super::ChangeInput {
            change: optional_string(&body, "change", &mut errors).to_string(),
            amount: optional_string(&body, "amount", &mut errors).to_string(),
            bucket: optional_string(&body, "bucket", &mut errors).to_string(),
            reason_code: optional_string(&body, "reason_code", &mut errors).to_string(),
            note: optional_string(&body, "note", &mut errors).to_string(),
        };
        if !errors.is_empty() {
            return Err(AppError::ApiInvalid(errors).into());
        }
        let t = Words::new(call.user.language);
        let parsed = super::parse_change(&view, t, &input);
        let requested = match parsed {
            Err(errors) => Ok(Err(errors)),
            Ok(request) => super::answered(
                call.state
                    .app
                    .request_change(&call.user, &view, version, &request)
                    .await,
                |problems| super::change_problems(t, &problems),
            ),
        };
        match requested.map_err(|error| store_invalid(error, "amount"))? {
            Ok(approval) => {
                let status = if approval.is_some() {
                    StatusCode::ACCEPTED
                } else {
                    StatusCode::CREATED
                };
                Ok((
                    status,
                    axum::Json(views::MoneyChanged {
                        status: views::Code(if approval.is_some() {
                            views::ChangeStatus::PendingApproval
                        } else {
                            views::ChangeStatus::Posted
                        }),
                        approval_id: approval,
                        version: version_now(&call).await?,
                    }),
                )
                    .into_response())
            }
            Err(mut errors) => {
                // The form's field is `change_amount`; the API's is `amount`.
                for error in &mut errors {
                    if error.field == "change_amount" {
                        error.field = "amount".into();
                    }
                }
                Err(AppError::ApiInvalid(errors).into())
            }
        }
    }

    pub(crate) async fn decide(call: Call) -> Result<Response, ApiFailure> {
        let mut errors = Vec::new();
        let id = call.param("id").parse::<i64>().ok();
        if id.is_none() {
            errors.push(field_error("id", "expected an approval id"));
        }
        let body = call.object()?;
        let approve = match optional_string(&body, "decision", &mut errors) {
            "approve" => Some(true),
            "reject" => Some(false),
            _ => {
                errors.push(field_error("decision", "approve or reject"));
                None
            }
        };
        let note = optional_string(&body, "note", &mut errors).to_string();
        let (Some(id), Some(approve), true) = (id, approve, errors.is_empty()) else {
            return Err(AppError::ApiInvalid(errors).into());
        };
        match call
            .state
            .app
            .decide_approval(&call.user, id, approve, &note)
            .await
            .map_err(AppError::from)
        {
            Ok(()) => Ok(ok(views::Decided {
                id,
                status: views::Code(if approve {
                    views::Decision::Approved
                } else {
                    views::Decision::Rejected
                }),
            })),
            Err(AppError::Store(app::model::StoreError::Invalid(message))) => {
                Err(invalid("decision", &message))
            }
            Err(other) => Err(other.into()),
        }
    }
}
