//! `arrears plan …`: payment plan quotes (the convention: docs/money.md, "Payment plans").

use crate::InputError;
use anyhow::{Result, anyhow};
use clap::Subcommand;
use domain::money::{Amount, BasisPoints, Currency};
use domain::plan::{Frequency, PlanTerms, Schedule, Sizing};
use jiff::civil::Date;
use serde::Serialize;
use std::fmt::Write as _;
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum PlanCommand {
    /// Quote a payment plan's schedule: level installments, each period's interest on the
    /// opening balance, the last installment absorbing the rounding. Needs no database.
    Quote(QuoteArgs),
}

#[derive(clap::Args)]
pub struct QuoteArgs {
    /// The balance to pay off, a plain decimal (1500.00).
    #[arg(long)]
    balance: String,
    /// ISO 4217 currency code of the amounts (USD).
    #[arg(long)]
    currency: String,
    /// Annual interest rate of the plan in basis points (800 = 8 %; 0 for none).
    #[arg(long, default_value = "0")]
    apr_bps: String,
    /// Number of installments after any down payment.
    #[arg(long, required_unless_present = "installment_amount")]
    installments: Option<String>,
    /// Or: the installment amount; the number of installments follows, the last one smaller.
    #[arg(long, conflicts_with = "installments")]
    installment_amount: Option<String>,
    /// weekly, biweekly, semimonthly or monthly.
    #[arg(long)]
    frequency: String,
    /// Due date of the first payment (YYYY-MM-DD).
    #[arg(long)]
    first_due: String,
    /// A down payment, taken off the balance first without interest; it is the first
    /// installment (on --first-due unless --down-payment-on, the rest a period apart).
    #[arg(long)]
    down_payment: Option<String>,
    /// When the down payment is due: before --first-due, the installments then starting on
    /// --first-due.
    #[arg(long, requires = "down_payment")]
    down_payment_on: Option<String>,
    /// Print the schedule as JSON (amounts as decimal strings).
    #[arg(long)]
    json: bool,
}

pub fn run(command: PlanCommand) -> Result<ExitCode> {
    match command {
        PlanCommand::Quote(args) => quote(&args),
    }
}

fn input(message: String) -> anyhow::Error {
    anyhow!(InputError(message))
}

fn parse_amount(flag: &str, currency: Currency, text: &str) -> Result<Amount> {
    currency
        .parse_amount(text)
        .map_err(|error| input(format!("--{flag} {text:?}: {error}")))
}

fn parse_date(flag: &str, text: &str) -> Result<Date> {
    text.parse::<Date>()
        .map_err(|_| input(format!("--{flag} {text:?}: expected a date YYYY-MM-DD")))
}

fn parse_count(flag: &str, text: &str) -> Result<u32> {
    text.parse::<u32>()
        .map_err(|_| input(format!("--{flag} {text:?}: expected a whole number")))
}

fn quote(args: &QuoteArgs) -> Result<ExitCode> {
    let currency = Currency::parse(&args.currency).ok_or_else(|| {
        input(format!(
            "--currency {:?}: not an ISO 4217 code (e.g. USD)",
            args.currency
        ))
    })?;
    let balance = parse_amount("balance", currency, &args.balance)?;
    let apr = parse_count("apr-bps", &args.apr_bps)
        .ok()
        .and_then(BasisPoints::new)
        .ok_or_else(|| {
            input(format!(
                "--apr-bps {:?}: expected basis points from 0 to {}",
                args.apr_bps,
                BasisPoints::MAX
            ))
        })?;
    let frequency = Frequency::parse(&args.frequency).ok_or_else(|| {
        input(format!(
            "--frequency {:?}: expected one of {}",
            args.frequency,
            Frequency::codes()
        ))
    })?;
    let first_due = parse_date("first-due", &args.first_due)?;
    let sizing = match (&args.installments, &args.installment_amount) {
        (Some(count), None) => Sizing::Count(parse_count("installments", count)?),
        (None, Some(amount)) => {
            Sizing::Amount(parse_amount("installment-amount", currency, amount)?)
        }
        _ => {
            return Err(input(
                "give either --installments or --installment-amount".into(),
            ));
        }
    };
    let down_payment = match &args.down_payment {
        Some(text) => parse_amount("down-payment", currency, text)?,
        None => Amount::ZERO,
    };
    let down_payment_on = match &args.down_payment_on {
        Some(text) => Some(parse_date("down-payment-on", text)?),
        None => None,
    };
    let terms = PlanTerms {
        balance,
        down_payment,
        down_payment_on,
        apr,
        frequency,
        first_due,
        sizing,
    };
    let schedule = terms.quote().map_err(|error| {
        input(format!(
            "cannot quote this plan: {}",
            error.message(currency)
        ))
    })?;
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&schedule_json(&schedule, currency))?
        );
    } else {
        print!("{}", schedule_text(&terms, &schedule, currency));
    }
    Ok(ExitCode::SUCCESS)
}

/// The contract: `{"installments": [{"due_on", "amount", "principal", "interest"}, …],
/// "total", "total_interest"}`, amounts as decimal strings, keys in this order.
#[derive(Serialize)]
pub struct ScheduleJson {
    installments: Vec<InstallmentJson>,
    total: String,
    total_interest: String,
}

#[derive(Serialize)]
struct InstallmentJson {
    due_on: String,
    amount: String,
    principal: String,
    interest: String,
}

pub fn schedule_json(schedule: &Schedule, currency: Currency) -> ScheduleJson {
    let money = |amount: Amount| currency.format(amount);
    ScheduleJson {
        installments: schedule
            .installments
            .iter()
            .map(|item| InstallmentJson {
                due_on: item.due_on.to_string(),
                amount: money(item.amount),
                principal: money(item.principal),
                interest: money(item.interest),
            })
            .collect(),
        total: money(schedule.total),
        total_interest: money(schedule.total_interest),
    }
}

fn schedule_text(terms: &PlanTerms, schedule: &Schedule, currency: Currency) -> String {
    let money = |amount: Amount| currency.format(amount);
    let apr = terms.apr.get();
    let amortized = schedule.amortized().len();
    let mut text = String::new();
    let _ = writeln!(
        text,
        "{} {currency} at {}.{:02} % APR: {amortized} {} installment{} of {}{}",
        money(schedule.balance),
        apr / 100,
        apr % 100,
        terms.frequency,
        if amortized == 1 { "" } else { "s" },
        money(schedule.level),
        if schedule.down_payment.is_positive() {
            format!(" after a down payment of {}", money(schedule.down_payment))
        } else {
            String::new()
        },
    );
    let rows: Vec<[String; 5]> = schedule
        .installments
        .iter()
        .enumerate()
        .map(|(index, item)| {
            [
                (index + 1).to_string(),
                item.due_on.to_string(),
                money(item.amount),
                money(item.principal),
                money(item.interest),
            ]
        })
        .collect();
    let header = ["#", "due on", "amount", "principal", "interest"];
    let footer = [
        String::new(),
        "total".to_string(),
        money(schedule.total),
        money(schedule.balance),
        money(schedule.total_interest),
    ];
    let widths: Vec<usize> = (0..5)
        .map(|column| {
            rows.iter()
                .chain([&footer])
                .map(|row| row[column].len())
                .chain([header[column].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: [&str; 5]| {
        format!(
            "{:>w0$}  {:<w1$}  {:>w2$}  {:>w3$}  {:>w4$}\n",
            cells[0],
            cells[1],
            cells[2],
            cells[3],
            cells[4],
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2],
            w3 = widths[3],
            w4 = widths[4],
        )
    };
    text.push_str(&line(header));
    for row in &rows {
        text.push_str(&line(row.each_ref().map(String::as_str)));
    }
    text.push_str(&line(footer.each_ref().map(String::as_str)));
    text
}
