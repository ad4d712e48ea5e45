//! How results look on a terminal and in JSON. Amounts are decimal strings in JSON. An
//! account's JSON is the API's (`app::views::Account`); the rest is written here.

use crate::commands::Imported;
use app::model::creditors::Creditor;
use app::model::view::AccountView;
use serde_json::{Value, json};
use std::fmt::Write;

pub fn account_text(view: &AccountView) -> String {
    let money = |amount: domain::money::Amount| {
        format!("{} {}", view.currency.format(amount), view.currency)
    };
    let mut text = String::new();
    let _ = writeln!(
        text,
        "{} {}  {}  {}",
        view.creditor, view.account_ref, view.product, view.status
    );
    let _ = writeln!(
        text,
        "debtor      {} ({}), language {}, zones {}",
        view.debtor_name,
        view.debtor_ref,
        view.language,
        if view.time_zones.is_empty() {
            "not given".to_string()
        } else {
            view.time_zones.join(", ")
        }
    );
    if view.address_incomplete {
        let _ = writeln!(
            text,
            "address     incomplete: nothing is mailed to it (see `arrears locate list`)"
        );
    }
    let _ = writeln!(
        text,
        "balance     {}  (principal {}, interest {}, fees {})",
        money(view.balance()),
        view.currency.format(view.balances.principal),
        view.currency.format(view.balances.interest),
        view.currency.format(view.balances.fees)
    );
    let _ = writeln!(
        text,
        "aging       {} days past due on {}: bucket {}",
        view.days_past_due, view.as_of, view.aging_bucket
    );
    let _ = writeln!(
        text,
        "delinquent  since {}, placed {}",
        view.delinquent_since, view.placed_on
    );
    if !view.holds.is_empty() {
        let holds: Vec<&str> = view.holds.iter().map(|hold| hold.code()).collect();
        let _ = writeln!(text, "holds       {}", holds.join(", "));
    }
    for point in &view.contact_points {
        let _ = writeln!(
            text,
            "contact     {:<13} {:<28} {}",
            point.kind, point.value, point.status
        );
    }
    let _ = writeln!(text, "ledger");
    for entry in &view.entries {
        let _ = writeln!(
            text,
            "  {:>3} {} {:<20} {:>14}",
            entry.seq,
            entry.effective_on,
            entry.reason.code(),
            view.currency
                .format(entry.amounts.total().expect("checked when derived"))
        );
    }
    text
}

pub fn print_import(file: &str, imported: &Imported, json: bool) {
    let outcome = &imported.outcome;
    if json {
        let value = json!({
            "file": file,
            "sha256": imported.summary.sha256,
            "rows": imported.summary.rows,
            "import_id": outcome.import_id,
            "accounts_created": outcome.accounts_created,
            "already_present": outcome.already_present,
            "debtors_created": outcome.debtors_created,
            "contact_points_created": outcome.contact_points_created,
            "entries_created": outcome.entries_created,
            "creditors_created": outcome.creditors_created,
            "ignored_columns": imported.summary.ignored_columns,
            "addresses_incomplete": outcome.addresses_incomplete,
            "warnings_total": imported.summary.warnings_total,
            "warnings": imported.summary.warnings.iter().map(ToString::to_string).collect::<Vec<_>>(),
        });
        println!("{value}");
        return;
    }
    // Warnings first: what was imported all the same but needs a person.
    for warning in &imported.summary.warnings {
        println!("warning: {warning}");
    }
    let unreported = imported.summary.warnings_total - imported.summary.warnings.len() as u64;
    if unreported > 0 {
        println!("warning: ... and {unreported} more");
    }
    if imported.summary.warnings_total > 0 {
        println!(
            "{} warnings: rows with an incomplete address (see `arrears locate list`)",
            imported.summary.warnings_total
        );
    }
    if outcome.import_id.is_none() {
        println!(
            "{file}: nothing new: all {} accounts are already on file",
            outcome.already_present
        );
        return;
    }
    println!(
        "{file}: imported {} accounts of {} new debtors ({} contact points, {} ledger entries); {} already on file",
        outcome.accounts_created,
        outcome.debtors_created,
        outcome.contact_points_created,
        outcome.entries_created,
        outcome.already_present
    );
    if !outcome.creditors_created.is_empty() {
        println!(
            "new creditors with the default policy: {} (see `arrears creditor set`)",
            outcome.creditors_created.join(", ")
        );
    }
    if !imported.summary.ignored_columns.is_empty() {
        println!(
            "columns not imported: {}",
            imported.summary.ignored_columns.join(", ")
        );
    }
}

pub fn creditor_json(creditor: &Creditor) -> Value {
    let policy: serde_json::Map<String, Value> = creditor
        .policy
        .to_pairs()
        .into_iter()
        .map(|(key, value)| (key.to_string(), Value::String(value)))
        .collect();
    json!({"code": creditor.code, "name": creditor.name, "policy": policy})
}

pub fn creditor_text(creditor: &Creditor) -> String {
    let mut text = format!("{} ({})\n", creditor.code, creditor.name);
    for (key, value) in creditor.policy.to_pairs() {
        let _ = writeln!(text, "  {key:<28} {value}");
    }
    text
}

/// `arrears compliance packs --json`.
pub fn rule_set_json(rules: &compliance::packs::RuleSet) -> Value {
    let packs: Vec<Value> = rules
        .packs()
        .iter()
        .map(|pack| {
            let pack_rules: Vec<Value> = pack
                .rules
                .iter()
                .map(|rule| {
                    let parameters: serde_json::Map<String, Value> = rule
                        .parameters()
                        .into_iter()
                        .map(|(name, value)| (name.to_string(), Value::String(value)))
                        .collect();
                    json!({
                        "id": rule.id,
                        "kind": rule.kind.name(),
                        "citation": rule.citation,
                        "effective_from": rule.effective_from.to_string(),
                        "effective_until": rule.effective_until.map(|date| date.to_string()),
                        "parameters": parameters,
                    })
                })
                .collect();
            json!({
                "id": pack.id,
                "version": pack.version,
                "title": pack.title,
                "states": pack.states,
                "rules": pack_rules,
            })
        })
        .collect();
    json!({ "packs": packs })
}

/// `arrears compliance packs`: one block per pack, one line per rule.
pub fn rule_set_text(rules: &compliance::packs::RuleSet) -> String {
    let mut text = String::new();
    for pack in rules.packs() {
        let scope = if pack.is_federal() {
            "every state".to_string()
        } else {
            pack.states.join(", ")
        };
        let _ = writeln!(text, "{} — {} ({scope})", pack.label(), pack.title);
        for rule in &pack.rules {
            let parameters: Vec<String> = rule
                .parameters()
                .into_iter()
                .map(|(name, value)| format!("{name}={value}"))
                .collect();
            let _ = writeln!(
                text,
                "  {:<32} {:<28} from {}  {}{}",
                rule.id,
                rule.citation,
                rule.effective_from,
                rule.kind.name(),
                if parameters.is_empty() {
                    String::new()
                } else {
                    format!(" {}", parameters.join(" "))
                }
            );
        }
    }
    text
}

/// An answer as a sentence or two: the decision, each rule with its citation, when the
/// action may next happen.
pub fn answer_text(
    action: &str,
    at: jiff::Timestamp,
    answer: &compliance::check::Answer,
) -> String {
    let mut text = String::new();
    if answer.allowed() {
        let _ = writeln!(text, "allow: {action} at {at}");
    } else {
        let _ = writeln!(text, "deny: {action} at {at}");
        for violation in &answer.violations {
            let clears = violation.clears_at.map_or_else(
                || "only a change of facts clears it".to_string(),
                |at| format!("clears {at}"),
            );
            let _ = writeln!(
                text,
                "  {} ({}): {}; {clears}",
                violation.rule, violation.citation, violation.message
            );
        }
        match answer.next_allowed_at {
            Some(next) => {
                let _ = writeln!(text, "next allowed at {next}");
            }
            None => {
                let _ = writeln!(text, "not allowed within 60 days unless the facts change");
            }
        }
    }
    text
}

/// `arrears compliance log --json`.
pub fn decisions_json(decisions: &[app::model::decisions::Decision]) -> Value {
    let parse = |text: &str| serde_json::from_str::<Value>(text).unwrap_or(Value::Null);
    let items: Vec<Value> = decisions
        .iter()
        .map(|decision| {
            json!({
                "id": decision.id,
                "decided_at": decision.decided_at.to_string(),
                "recorded_at": decision.recorded_at.to_string(),
                "actor": decision.actor,
                "asked_by": decision.asked_by,
                "action": decision.action,
                "contact_point": decision.contact_point,
                "decision": if decision.allowed { "allow" } else { "deny" },
                "rules": decision.rules,
                "next_allowed_at": decision.next_allowed_at.map(|at| at.to_string()),
                "packs": decision.packs,
                "request": parse(&decision.request_json),
                "answer": parse(&decision.answer_json),
            })
        })
        .collect();
    json!({ "decisions": items })
}

/// `arrears compliance log`: one line per decision, oldest first.
pub fn decisions_text(
    creditor: &str,
    account_ref: &str,
    decisions: &[app::model::decisions::Decision],
) -> String {
    let mut text = String::new();
    if decisions.is_empty() {
        let _ = writeln!(
            text,
            "no compliance decisions logged for {creditor}/{account_ref}"
        );
        return text;
    }
    let rows = decisions
        .iter()
        .map(|decision| {
            vec![
                decision.decided_at.to_string(),
                decision.action.clone(),
                decision.contact_point.clone().unwrap_or_else(|| "-".into()),
                if decision.allowed { "allow" } else { "deny" }.to_string(),
                decision
                    .next_allowed_at
                    .map_or_else(|| "-".to_string(), |at| at.to_string()),
                if decision.rules.is_empty() {
                    "-".to_string()
                } else {
                    decision.rules.join(",")
                },
                format!("{}:{}", decision.asked_by, decision.actor),
                decision.packs.join(","),
            ]
        })
        .collect::<Vec<_>>();
    text.push_str(&table(
        &[
            "decided at",
            "action",
            "contact",
            "verdict",
            "next allowed",
            "rules",
            "asked by",
            "packs",
        ],
        &rows,
    ));
    text
}

/// A text table: each column as wide as its widest cell (header included, counted in
/// characters), two spaces apart; the last column is not padded.
pub fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = headers
        .iter()
        .map(|header| header.chars().count())
        .collect();
    for row in rows {
        debug_assert_eq!(row.len(), headers.len(), "a row has a cell per column");
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut text = String::new();
    let mut line = |cells: &mut dyn Iterator<Item = &str>| {
        let mut out = String::new();
        for (index, (cell, width)) in cells.zip(&widths).enumerate() {
            if index + 1 == widths.len() {
                out.push_str(cell);
            } else {
                out.push_str(cell);
                out.extend(std::iter::repeat_n(' ', width - cell.chars().count() + 2));
            }
        }
        text.push_str(out.trim_end());
        text.push('\n');
    };
    line(&mut headers.iter().copied());
    for row in rows {
        line(&mut row.iter().map(String::as_str));
    }
    text
}

#[cfg(test)]
mod table_tests {
    use super::table;

    #[test]
    fn every_column_starts_where_its_header_does() {
        let text = table(
            &["decided at", "action", "contact", "verdict"],
            &[
                vec![
                    "2026-12-06T20:23:04.123456Z".into(),
                    "call".into(),
                    "maria.nunez@example.com".into(),
                    "deny".into(),
                ],
                vec![
                    "2026-12-06T20:23:05Z".into(),
                    "letter".into(),
                    "(none)".into(),
                    "allow".into(),
                ],
            ],
        );
        let lines: Vec<&str> = text.lines().collect();
        let starts = |line: &str, words: &[&str]| -> Vec<usize> {
            words.iter().map(|word| line.find(word).unwrap()).collect()
        };
        let header = starts(lines[0], &["action", "contact", "verdict"]);
        assert_eq!(
            starts(lines[1], &["call", "maria", "deny"]),
            header,
            "{text}"
        );
        assert_eq!(
            starts(lines[2], &["letter", "(none)", "allow"]),
            header,
            "{text}"
        );
    }
}
