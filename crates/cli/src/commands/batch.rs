//! `arrears batch age|run|worker|runs` (the older single steps are one call each, in
//! `commands.rs`).

use super::*;

pub(crate) async fn batch_age(globals: &Globals, as_of: Option<Date>) -> Result<ExitCode> {
    let as_of = match as_of {
        Some(date) => date,
        None => context::today()?,
    };
    let app = globals.open().await?;
    let outcome = app.age_accounts(&globals.actor(), as_of).await?;
    app.close().await;
    println!(
        "aged {} active accounts as of {as_of}: {} moved to another bucket",
        outcome.accounts_aged, outcome.moves
    );
    Ok(ExitCode::SUCCESS)
}

/// This process's name in chunk leases.
fn worker_name() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|name| name.trim().to_string())
        .unwrap_or_else(|_| "localhost".into());
    format!("{host}:{}", std::process::id())
}

fn chunk_bar() -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{msg:>10} [{bar:40}] {pos}/{len} chunks {per_sec} eta {eta}")
            .expect("valid template")
            .progress_chars("=> "),
    );
    bar
}

pub(crate) async fn batch_run(
    globals: &Globals,
    as_of: Option<Date>,
    dry_run: bool,
    replay: bool,
    no_dispatch: bool,
    json: bool,
) -> Result<ExitCode> {
    let as_of = match as_of {
        Some(date) => date,
        None => context::today()?,
    };
    let app = globals.open().await?;
    let bar = chunk_bar();
    let request = app::nightly::RunRequest {
        as_of,
        dry_run,
        replay,
        dispatch: !no_dispatch,
        worker: worker_name(),
    };
    let progress = |progress: app::nightly::Progress| {
        bar.set_message(progress.as_of.to_string());
        bar.set_length(progress.chunks);
        bar.set_position(progress.chunks_done);
    };
    let reports = app.batch_run(&globals.actor(), &request, &progress).await;
    bar.finish_and_clear();
    app.close().await;
    for report in reports? {
        if json {
            println!(
                "{}",
                serde_json::json!({
                    "as_of": report.as_of.to_string(), "run": report.run_id, "dry_run": report.dry_run,
                    "already_done": report.already_done, "chunks": report.chunks, "summary": report.summary,
                    "dispatched": report.dispatched,
                })
            );
            continue;
        }
        let what = if report.dry_run {
            "dry run (nothing written)"
        } else if report.already_done {
            "already done: nothing changed"
        } else {
            "done"
        };
        println!("nightly run as of {}: {what}", report.as_of);
        print_summary(&report.summary);
        if let Some(dispatched) = report.dispatched.as_object() {
            let parts: Vec<String> = dispatched
                .iter()
                .filter_map(|(action, counts)| {
                    let counts = counts.as_object()?;
                    let done = counts.get("done")?.as_i64()?;
                    let refused = counts.get("refused")?.as_i64()?;
                    let failed = counts.get("failed")?.as_i64()?;
                    let skipped = counts.get("skipped")?.as_i64()?;
                    (done + refused + failed + skipped > 0).then(|| {
                        format!("{action} {done} sent, {refused} refused, {skipped} skipped, {failed} failed")
                    })
                })
                .collect();
            if !parts.is_empty() {
                println!("  treatment steps: {}", parts.join("; "));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The summary's steps, one line each: `accrue: accounts 12, interest_minor 3456`.
fn print_summary(summary: &serde_json::Value) {
    let Some(steps) = summary.as_object() else {
        return;
    };
    for step in [
        "monitor", "accrue", "age", "status", "score", "strategy", "queue", "chunk",
    ] {
        if let Some(serde_json::Value::Object(counts)) = steps.get(step) {
            let parts: Vec<String> = counts
                .iter()
                .map(|(key, value)| format!("{key} {value}"))
                .collect();
            println!("  {step}: {}", parts.join(", "));
        }
    }
}

pub(crate) async fn batch_worker(globals: &Globals, wait: bool) -> Result<ExitCode> {
    let app = globals.open().await?;
    let bar = chunk_bar();
    let progress = |progress: app::nightly::Progress| {
        bar.set_message(progress.as_of.to_string());
        bar.set_length(progress.chunks);
        bar.set_position(progress.chunks_done);
    };
    let worker = worker_name();
    let mut total = 0;
    loop {
        total += app
            .batch_worker(&globals.actor(), &worker, &progress)
            .await?;
        if !wait {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    }
    bar.finish_and_clear();
    app.close().await;
    println!("worker {worker}: {total} chunks done");
    Ok(ExitCode::SUCCESS)
}

pub(crate) async fn batch_runs(globals: &Globals, limit: i64, json: bool) -> Result<ExitCode> {
    let app = globals.open().await?;
    let runs = app.batch_runs(limit).await;
    app.close().await;
    for run in runs? {
        let seconds = run
            .finished_at_us
            .map(|finished| (finished - run.started_at_us) as f64 / 1e6);
        if json {
            println!(
                "{}",
                serde_json::json!({
                    "id": run.id, "as_of": run.as_of.to_string(), "replay": run.replay,
                    "status": run.status.code(), "chunks": run.chunks, "chunks_done": run.chunks_done,
                    "failures": run.failures, "seconds": seconds, "started_by": run.started_by,
                    "summary": run.summary,
                })
            );
        } else {
            println!(
                "run {} as of {}{}: {} ({}/{} chunks, {} failed){}",
                run.id,
                run.as_of,
                if run.replay { " (replay)" } else { "" },
                run.status.code(),
                run.chunks_done,
                run.chunks,
                run.failures,
                seconds.map(|s| format!(", {s:.1} s")).unwrap_or_default()
            );
            if let Some(summary) = &run.summary {
                print_summary(summary);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) async fn batch_digest(globals: &Globals) -> Result<ExitCode> {
    let app = globals.open().await?;
    let digests = app.nightly_digest().await;
    app.close().await;
    for (table, digest) in digests? {
        println!("{digest}  {table}");
    }
    Ok(ExitCode::SUCCESS)
}
