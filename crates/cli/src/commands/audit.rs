//! `arrears audit log|verify`.

use super::*;

pub(crate) async fn audit_log(
    globals: &Globals,
    entity: Option<&str>,
    limit: i64,
    json: bool,
) -> Result<ExitCode> {
    let app = globals.open().await?;
    let entries = app.audit_log(entity, limit).await?;
    app.close().await;
    for entry in entries {
        let at = jiff::Timestamp::from_microsecond(entry.recorded_at_us)
            .map(|at| at.to_string())
            .unwrap_or_default();
        if json {
            let parse = |text: &Option<String>| {
                text.as_deref()
                    .and_then(|text| serde_json::from_str::<serde_json::Value>(text).ok())
            };
            let line = serde_json::json!({
                "seq": entry.seq, "recorded_at": at, "actor": entry.actor, "action": entry.action,
                "entity": entry.entity, "entity_key": entry.entity_key,
                "before": parse(&entry.before_json), "after": parse(&entry.after_json), "reason": entry.reason,
            });
            println!("{line}");
        } else {
            println!(
                "{:>6}  {at}  {:<14} {:<22} {:<10} {}  ({})",
                entry.seq, entry.actor, entry.action, entry.entity, entry.entity_key, entry.reason
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) async fn audit_verify(globals: &Globals) -> Result<ExitCode> {
    let app = globals.open().await?;
    let report = app.verify_audit().await?;
    app.close().await;
    match report.broken {
        None => {
            println!(
                "audit log intact: {}, {}, {}, {} verified",
                plural(report.events, "event", "events"),
                plural(report.ledger_entries, "ledger entry", "ledger entries"),
                plural(
                    report.decisions,
                    "compliance decision",
                    "compliance decisions"
                ),
                plural(report.sealed_rows, "sealed row", "sealed rows")
            );
            // Kept outside the database, the head shows a rollback of the whole database
            // (which no seal inside it can): a later head must extend this one.
            println!("head: event {}, hash {}", report.head_seq, report.head_hash);
            Ok(ExitCode::SUCCESS)
        }
        Some(broken) => {
            for problem in broken.lines() {
                println!("audit log BROKEN: {problem}");
            }
            Ok(ExitCode::from(1))
        }
    }
}

/// `1 event`, `2 events`.
pub(crate) fn plural(count: u64, one: &str, many: &str) -> String {
    format!("{count} {}", if count == 1 { one } else { many })
}
