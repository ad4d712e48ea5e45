//! `arrears batch dispatch`: the treatment steps the nightly runs fired, sent through
//! compliance (docs/batch.md, "Treatment steps").

use super::*;

pub(crate) async fn batch_dispatch(
    globals: &Globals,
    as_of: Option<Date>,
    json: bool,
) -> Result<ExitCode> {
    let as_of = match as_of {
        Some(date) => date,
        None => context::today()?,
    };
    let now = context::clock()?.now();
    let app = globals.open().await?;
    let tally = app.dispatch_treatment(&globals.actor(), as_of, now).await;
    app.close().await;
    let tally = tally?;
    let next_retry = tally.next_retry_at.map(|at| at.to_string());
    if json {
        let actions: serde_json::Map<String, serde_json::Value> = tally
            .actions
            .iter()
            .map(|(action, counts)| {
                (
                    action.to_string(),
                    serde_json::json!({
                        "done": counts.done, "refused": counts.refused,
                        "skipped": counts.skipped, "failed": counts.failed,
                    }),
                )
            })
            .collect();
        println!(
            "{}",
            serde_json::json!({
                "as_of": as_of.to_string(), "actions": actions, "next_retry_at": next_retry,
                "waiting_for_documents_folder": tally.waiting_for_documents_folder,
                "ended_elsewhere": tally.ended_elsewhere,
            })
        );
        return Ok(ExitCode::SUCCESS);
    }
    println!("treatment steps due by {as_of}:");
    for (action, counts) in &tally.actions {
        let done = match *action {
            "letter" => "queued for print",
            "email" | "sms" => "queued",
            _ => "done",
        };
        println!(
            "  {action}: {} {done}, {} refused, {} skipped, {} failed",
            counts.done, counts.refused, counts.skipped, counts.failed
        );
    }
    if let Some(at) = next_retry {
        println!("  next retry of a refused step: {at}");
    }
    if tally.waiting_for_documents_folder > 0 {
        println!(
            "  {} letters wait: no documents folder (set ARREARS_DOCUMENTS_DIR)",
            tally.waiting_for_documents_folder
        );
    }
    if tally.ended_elsewhere > 0 {
        println!(
            "  {} steps were worked by another dispatcher meanwhile",
            tally.ended_elsewhere
        );
    }
    Ok(ExitCode::SUCCESS)
}
