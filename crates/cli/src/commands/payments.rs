//! `arrears import payments`, `arrears payment exceptions`, `arrears batch arrangements`:
//! money in from files (docs/money.md).

use crate::InputError;
use crate::context::{self, Globals};
use anyhow::{Result, anyhow};
use domain::money::{Amount, Currency};
use domain::payment::ItemKind;
use ingest::payments::{self, Format};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::path::Path;
use std::process::ExitCode;
use store::money::{Outcome, Posting};

pub async fn import_payments(
    globals: &Globals,
    file: &Path,
    format: Option<&str>,
    creditor: Option<&str>,
    dry_run: bool,
    json_output: bool,
) -> Result<ExitCode> {
    let bytes = std::fs::read(file)
        .map_err(|error| anyhow!(InputError(format!("{}: {error}", file.display()))))?;
    let format = match format {
        None => Format::sniff(&bytes),
        Some(code) => Format::parse(code).ok_or_else(|| {
            anyhow!(InputError(format!(
                "--format {code:?}: expected csv, bai2 or nacha"
            )))
        })?,
    };
    let store = globals.open().await?;
    let creditors = store.creditors().await?;
    if let Some(code) = creditor
        && !creditors.iter().any(|known| known.code == code)
    {
        return Err(anyhow!(InputError(format!(
            "--creditor {code:?}: no such creditor"
        ))));
    }
    let currencies: HashMap<String, Currency> = creditors
        .iter()
        .map(|known| (known.code.clone(), known.policy.currency))
        .collect();
    let file_name = file.display().to_string();
    let mut parsed = payments::read(
        &file_name,
        &bytes,
        format,
        &|code| currencies.get(code).copied(),
        context::today()?,
    )
    .map_err(|rejection| anyhow!(InputError(rejection.to_string())))?;
    if let Some(code) = creditor {
        for item in &mut parsed.items {
            match &mut item.kind {
                ItemKind::Payment(payment) => payment.creditor = Some(code.to_string()),
                ItemKind::Return(returned) => returned.creditor = Some(code.to_string()),
            }
        }
    }
    let reason = format!("{} payment file", format.source().code());
    let posting = Posting {
        source: format.source(),
        file_name: &file_name,
        sha256: &parsed.sha256,
        user_id: None,
        reason: &reason,
        dry_run,
    };
    let report = store
        .post_payments(&globals.actor(), &posting, &parsed.items)
        .await?;
    let digits_of = |code: Option<&str>| {
        code.and_then(|code| currencies.get(code))
            .map_or(2, |currency| currency.minor_digits())
    };
    let decimal = |amount: Amount, code: Option<&str>| amount.to_decimal_string(digits_of(code));
    let entries: Vec<Value> = parsed
        .items
        .iter()
        .zip(&report.outcomes)
        .map(|(item, outcome)| {
            let (creditor, account_ref) = match outcome {
                Outcome::Posted {
                    creditor,
                    account_ref,
                    ..
                }
                | Outcome::Returned {
                    creditor,
                    account_ref,
                    ..
                } => (Some(creditor.as_str()), Some(account_ref.as_str())),
                _ => (None, None),
            };
            let mut entry = match &item.kind {
                ItemKind::Payment(payment) => json!({
                    "line": item.line,
                    "kind": "payment",
                    "amount": decimal(payment.amount, creditor.or(payment.creditor.as_deref())),
                    "reference": payment.account_ref,
                    "payment_ref": payment.payment_ref,
                    "paid_on": payment.paid_on.to_string(),
                    "method": payment.method.code(),
                    "trace": payment.trace,
                    "return_code": null,
                }),
                ItemKind::Return(returned) => json!({
                    "line": item.line,
                    "kind": "return",
                    "amount": decimal(returned.amount, creditor.or(returned.creditor.as_deref())),
                    "reference": item.reference(),
                    "payment_ref": returned.return_ref,
                    "paid_on": returned.returned_on.to_string(),
                    "return_code": returned.return_code,
                    "return_reason": returned.return_code.as_deref().and_then(domain::payment::return_reason),
                }),
            };
            entry["outcome"] = json!(outcome.code());
            entry["matched"] = json!(outcome.is_matched());
            entry["creditor"] = json!(creditor);
            entry["account_ref"] = json!(account_ref);
            match outcome {
                Outcome::Exception { reason } => entry["reason"] = json!(reason),
                Outcome::Returned { fee, .. } if fee.is_positive() => {
                    entry["fee"] = json!(decimal(*fee, creditor))
                }
                Outcome::Posted { shares, .. } if shares.len() > 1 => {
                    entry["shares"] = json!(shares
                        .iter()
                        .map(|(reference, amount)| json!({"account_ref": reference, "amount": decimal(*amount, creditor)}))
                        .collect::<Vec<_>>())
                }
                _ => {}
            }
            entry
        })
        .collect();
    let matched = report
        .outcomes
        .iter()
        .filter(|outcome| outcome.is_matched())
        .count();
    if json_output {
        let listed: Vec<Value> = parsed
            .listed
            .iter()
            .map(|listed| json!({"line": listed.line, "amount": listed.amount.to_decimal_string(2), "reference": listed.reference, "why": listed.why}))
            .collect();
        let out = json!({
            "file": file_name,
            "format": format.source().code(),
            "sha256": parsed.sha256,
            "dry_run": dry_run,
            "import_id": report.import_id,
            "entries": entries,
            "not_posted": listed,
            "warnings": parsed.warnings,
            "matched": matched,
            "unmatched": report.outcomes.len() - matched,
            "payments_posted": report.payments_posted,
            "returns_posted": report.returns_posted,
            "exceptions_added": report.exceptions_added,
            "entries_created": report.entries_created,
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        println!(
            "{:>5}  {:<7} {:>12}  {:<20} {:<6} {:<16} {}",
            "line", "kind", "amount", "reference", "code", "outcome", "account / reason"
        );
        for entry in &entries {
            let text = |key: &str| entry[key].as_str().unwrap_or("").to_string();
            let detail = match entry["reason"].as_str() {
                Some(reason) => reason.to_string(),
                None => format!("{} {}", text("creditor"), text("account_ref")),
            };
            println!(
                "{:>5}  {:<7} {:>12}  {:<20} {:<6} {:<16} {}",
                entry["line"],
                text("kind"),
                text("amount"),
                text("reference"),
                text("return_code"),
                text("outcome"),
                detail
            );
        }
        for listed in &parsed.listed {
            println!(
                "{:>5}  {:<7} {:>12}  {:<20} {:<6} {:<16} {}",
                listed.line,
                "-",
                listed.amount.to_decimal_string(2),
                listed.reference,
                "",
                "not_posted",
                listed.why
            );
        }
        for warning in &parsed.warnings {
            eprintln!("warning: {warning}");
        }
        println!(
            "{}{} items: {matched} matched, {} to the exceptions list; {} payments and {} returns posted{}",
            if dry_run {
                "dry run (nothing written): "
            } else {
                ""
            },
            report.outcomes.len(),
            report.outcomes.len() - matched,
            report.payments_posted,
            report.returns_posted,
            report
                .import_id
                .map(|id| format!(" (import {id})"))
                .unwrap_or_default(),
        );
    }
    Ok(ExitCode::SUCCESS)
}
