//! `arrears import payments`, `arrears payment exceptions`, `arrears batch arrangements`:
//! money in from files (docs/money.md).

use crate::InputError;
use crate::context::{self, Globals};
use anyhow::{Result, anyhow};
use app::model::money::{Outcome, Posting};
use domain::money::{Amount, Currency};
use domain::payment::ItemKind;
use ingest::payments::{self, Format};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::path::Path;
use std::process::ExitCode;

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
    let app = globals.open().await?;
    let creditors = app.creditors().await?;
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
    let report = app
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
            " line  kind          amount  reference            code   outcome          account / reason"
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

/// `arrears remittance`: the statement of one creditor's collections for a period.
pub async fn remittance(
    globals: &Globals,
    creditor: &str,
    from: jiff::civil::Date,
    to: jiff::civil::Date,
    format: &str,
    output: Option<&Path>,
) -> Result<ExitCode> {
    let app = globals.open().await?;
    let statement = match app.remittance(creditor, from, to).await {
        Err(app::Error::Store(
            app::model::StoreError::NotFound(message) | app::model::StoreError::Invalid(message),
        )) => {
            return Err(anyhow!(InputError(message)));
        }
        other => other?,
    };
    let money = |amount: Amount| statement.currency.format(amount);
    let rate = |bps: u32| format!("{}.{:02}%", bps / 100, bps % 100);
    let bytes: Vec<u8> = match format {
        "json" => {
            let lines: Vec<Value> = statement
                .lines
                .iter()
                .map(|line| {
                    json!({
                        "kind": line.kind,
                        "on": line.on.to_string(),
                        "account_ref": line.account_ref,
                        "payment_ref": line.payment_ref,
                        "method": line.method,
                        "return_code": line.return_code,
                        "days_delinquent": line.days_delinquent,
                        "amount": money(line.amount),
                        "rate_bps": line.rate_bps,
                        "fee": money(line.fee),
                        "net": money(line.net),
                    })
                })
                .collect();
            let out = json!({
                "creditor": statement.creditor,
                "currency": statement.currency.code(),
                "from": from.to_string(),
                "to": to.to_string(),
                "lines": lines,
                "collected": money(statement.collected),
                "returned": money(statement.returned),
                "net_collected": money(statement.net_collected),
                "fee": money(statement.fee),
                "net_to_remit": money(statement.net_to_remit),
            });
            (serde_json::to_string_pretty(&out)? + "\n").into_bytes()
        }
        "csv" => {
            let mut writer = csv::Writer::from_writer(Vec::new());
            writer.write_record([
                "kind",
                "date",
                "account_ref",
                "payment_ref",
                "method",
                "return_code",
                "days_delinquent",
                "amount",
                "rate_bps",
                "fee",
                "net",
            ])?;
            for line in &statement.lines {
                // References and methods come from the creditors' and banks' files.
                let text = |value: &str| app::export::spreadsheet_text(value).into_owned();
                writer.write_record([
                    line.kind.to_string(),
                    line.on.to_string(),
                    text(&line.account_ref),
                    text(&line.payment_ref),
                    text(&line.method),
                    text(line.return_code.as_deref().unwrap_or_default()),
                    line.days_delinquent.to_string(),
                    money(line.amount),
                    line.rate_bps.to_string(),
                    money(line.fee),
                    money(line.net),
                ])?;
            }
            writer.write_record([
                "total",
                "",
                "",
                "",
                "",
                "",
                "",
                &money(statement.net_collected),
                "",
                &money(statement.fee),
                &money(statement.net_to_remit),
            ])?;
            writer
                .into_inner()
                .map_err(|error| anyhow!(error.to_string()))?
        }
        "text" | "pdf" => {
            let mut lines = vec![
                format!(
                    "Remittance statement: {} ({})",
                    statement.creditor_name, statement.creditor
                ),
                format!(
                    "Period {from} to {to}, amounts in {}",
                    statement.currency.code()
                ),
                String::new(),
                format!(
                    "{:<10} {:<7} {:<16} {:<18} {:>11} {:>7} {:>9} {:>11}",
                    "date", "kind", "account", "payment", "amount", "rate", "fee", "net"
                ),
            ];
            for line in &statement.lines {
                let kind = match &line.return_code {
                    Some(code) => format!("ret {code}"),
                    None if line.kind == "return" => "return".to_string(),
                    None => line.method.clone(),
                };
                lines.push(format!(
                    "{:<10} {:<7} {:<16} {:<18} {:>11} {:>7} {:>9} {:>11}",
                    line.on.to_string(),
                    kind,
                    line.account_ref,
                    line.payment_ref,
                    money(line.amount),
                    rate(line.rate_bps),
                    money(line.fee),
                    money(line.net),
                ));
            }
            lines.push(String::new());
            lines.push(format!(
                "{:<40} {:>14}",
                "Collected",
                money(statement.collected)
            ));
            lines.push(format!(
                "{:<40} {:>14}",
                "Returned",
                money(Amount::from_minor(-statement.returned.minor()))
            ));
            lines.push(format!(
                "{:<40} {:>14}",
                "Net collected",
                money(statement.net_collected)
            ));
            lines.push(format!(
                "{:<40} {:>14}",
                "Contingency fee",
                money(Amount::from_minor(-statement.fee.minor()))
            ));
            lines.push(format!(
                "{:<40} {:>14}",
                "Net to remit",
                money(statement.net_to_remit)
            ));
            if format == "pdf" {
                let mut document = pdf::Document::new(
                    format!("Remittance {} {from} {to}", statement.creditor),
                    pdf::Lang::En,
                );
                document.footer = format!("Arrears remittance {} {from}..{to}", statement.creditor);
                document.push(pdf::Block::Lines(lines));
                document
                    .render()
                    .map_err(|error| anyhow!(error.to_string()))?
            } else {
                (lines.join("\n") + "\n").into_bytes()
            }
        }
        other => {
            return Err(anyhow!(InputError(format!(
                "--format {other:?}: expected text, csv, pdf or json"
            ))));
        }
    };
    match output {
        Some(path) => {
            std::fs::write(path, &bytes)
                .map_err(|error| anyhow!(InputError(format!("{}: {error}", path.display()))))?;
            eprintln!(
                "wrote {} ({} lines, net to remit {})",
                path.display(),
                statement.lines.len(),
                money(statement.net_to_remit)
            );
        }
        None if format == "pdf" => {
            return Err(anyhow!(InputError(
                "--format pdf needs --output FILE".into()
            )));
        }
        None => {
            use std::io::Write;
            std::io::stdout().write_all(&bytes)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `arrears report trust`: the trust-account reconciliation for a period.
pub async fn trust_report(
    globals: &Globals,
    from: jiff::civil::Date,
    to: jiff::civil::Date,
    json_output: bool,
) -> Result<ExitCode> {
    let app = globals.open().await?;
    let report = app.trust_report(from, to).await?;
    if json_output {
        let creditors: Vec<Value> = report
            .creditors
            .iter()
            .map(|line| {
                let money = |amount: Amount| line.currency.format(amount);
                json!({
                    "creditor": line.creditor,
                    "payments": line.payments,
                    "payments_amount": money(line.payments_amount),
                    "ledger_payments": money(line.ledger_payments),
                    "returns": line.returns,
                    "returns_amount": money(line.returns_amount),
                    "ledger_reversals": money(line.ledger_reversals),
                    "fee": money(line.fee),
                    "net_to_remit": money(line.net_to_remit),
                })
            })
            .collect();
        let out = json!({
            "from": from.to_string(),
            "to": to.to_string(),
            "creditors": creditors,
            "open_exceptions": report.open_exceptions,
            "open_exceptions_amount": report.open_exceptions_amount.to_decimal_string(2),
            "reconciled": report.differences.is_empty(),
            "differences": report.differences,
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        println!("Trust account {from} to {to}");
        println!(
            "{:<12} {:>8} {:>14} {:>8} {:>14} {:>14} {:>14}",
            "creditor", "payments", "amount", "returns", "amount", "fee", "net to remit"
        );
        for line in &report.creditors {
            let money = |amount: Amount| line.currency.format(amount);
            println!(
                "{:<12} {:>8} {:>14} {:>8} {:>14} {:>14} {:>14}",
                line.creditor,
                line.payments,
                money(line.payments_amount),
                line.returns,
                money(line.returns_amount),
                money(line.fee),
                money(line.net_to_remit)
            );
        }
        println!(
            "unmatched bank items (exceptions list): {} for {}",
            report.open_exceptions,
            report.open_exceptions_amount.to_decimal_string(2)
        );
        if report.differences.is_empty() {
            println!("reconciled: every payment and return agrees with the ledger");
        } else {
            for difference in &report.differences {
                println!("DIFFERENCE {difference}");
            }
        }
    }
    Ok(if report.differences.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
