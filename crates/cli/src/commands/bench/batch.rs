//! `arrears bench batch`: the nightly run (`App::batch_run`, every step) over N freshly
//! imported accounts, beside the floor measured in the same run: one raw SQL pass that
//! reads every active account's ledger and writes each account's row once (the queue
//! priority from the ledger's sum — what `batch prioritize` does). Then the same night
//! again (it must change nothing and take a tenth at most), with the peak memory of
//! the run. On PostgreSQL `--workers 2` adds a second worker in the process.

use super::letters::bench_database;
use super::workspace::admin;
use crate::commands::import_placements_file;
use anyhow::{Context as _, Result, anyhow};
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;
use store::{Actor, Clock, PiiKey, Store};

/// The night the benchmark runs: a month after placement, so interest and bucket moves
/// are real work.
const PLACED: (i16, i8, i8) = (2026, 10, 23);
const NIGHT: (i16, i8, i8) = (2026, 11, 23);

pub struct Options {
    pub accounts: u64,
    pub seed: u64,
    pub workers: u32,
    /// Agents adding notes while the batch runs (and for `BASELINE_SECONDS` before).
    pub agents: u32,
    /// Empty: a SQLite file in the folder.
    pub db: String,
    pub dir: Option<PathBuf>,
}

pub async fn batch(options: Options) -> Result<ExitCode> {
    let input = |message: String| anyhow!(crate::InputError(message));
    if options.accounts == 0 || !(1..=8).contains(&options.workers) {
        return Err(input(
            "--accounts must be at least 1 and --workers 1 to 8".into(),
        ));
    }
    let (dir, keep) = match &options.dir {
        Some(dir) => (dir.clone(), true),
        None => (
            std::env::temp_dir().join(format!("arrears-bench-batch-{}", std::process::id())),
            false,
        ),
    };
    std::fs::create_dir_all(&dir).with_context(|| dir.display().to_string())?;
    let (url, postgres) = bench_database(&options.db, &dir, "batch").await?;
    if options.workers > 1 && postgres.is_none() {
        return Err(input(
            "--workers above 1 needs PostgreSQL (--db postgres://…): SQLite writes one at a time"
                .into(),
        ));
    }
    let result = run(&options, &url, &dir).await;
    if let Some((admin_url, name)) = postgres
        && let Err(error) = admin(
            &admin_url,
            &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
        )
        .await
    {
        eprintln!("could not drop the benchmark's database {name}: {error:#}");
    }
    if !keep {
        std::fs::remove_dir_all(&dir).ok();
    }
    result
}

/// Resets the peak resident memory (Linux `clear_refs` 5), so the next reading is the
/// peak of what follows.
fn reset_peak_rss() {
    std::fs::write("/proc/self/clear_refs", "5").ok();
}

async fn run(options: &Options, url: &str, dir: &std::path::Path) -> Result<ExitCode> {
    let placed = jiff::civil::date(PLACED.0, PLACED.1, PLACED.2);
    let night = jiff::civil::date(NIGHT.0, NIGHT.1, NIGHT.2);
    let now = jiff::tz::TimeZone::UTC.to_timestamp(night.at(23, 0, 0, 0))?;
    let file = dir.join(format!("batch-{}-{}.csv", options.accounts, options.seed));
    let started = Instant::now();
    {
        let config = ingest::generate::GeneratorConfig {
            accounts: options.accounts,
            seed: options.seed,
            as_of: placed,
        };
        let mut out = std::io::BufWriter::new(std::fs::File::create(&file)?);
        ingest::generate::write_placements(&config, &mut out)?;
        out.flush()?;
    }
    let key = match store::db::sqlite_path(url) {
        Some(_) => crate::context::pii_key(url)?,
        None => PiiKey::generate(),
    };
    let store = Store::open(url, key, Clock::Fixed(now))
        .await
        .with_context(|| format!("cannot open database {}", store::db::redact(url)))?;
    let engine = store.engine();
    let app = app::App::new(store.clone(), compliance::packs::RuleSet::builtin());
    let actor = Actor::new("bench");
    let imported = import_placements_file(
        &app,
        &actor,
        &file,
        &ingest::mapping::Mapping::standard(),
        placed,
    )
    .await?;
    anyhow::ensure!(
        imported.outcome.accounts_created == options.accounts,
        "imported {} accounts of {}",
        imported.outcome.accounts_created,
        options.accounts
    );
    for creditor in ["NBANK", "AUTOFIN"] {
        let settings = [
            (
                "interest_method".to_string(),
                "simple_daily_365".to_string(),
            ),
            ("accrue_interest".to_string(), "true".to_string()),
        ];
        app.set_creditor(&actor, creditor, None, &settings, "bench: interest accrues")
            .await?;
    }
    store.analyze_all().await?;
    let setup = started.elapsed().as_secs_f64();

    // Agents' writes: a note every `AGENT_PACE_MS` each, alone and then during the run.
    let accounts = super::super::letters::file_accounts(&file)?;
    let mut agents = Vec::new();
    for agent in 0..options.agents {
        let name = format!("bench-agent-{agent}");
        let user = app
            .add_user(
                &actor,
                &name,
                domain::party::Role::Agent,
                "bench-agent-password",
            )
            .await?;
        let creditors: Vec<String> = imported.summary.creditors.iter().cloned().collect();
        app.assign_creditors(&actor, &name, &creditors).await?;
        agents.push(app.session_user(user.id).await?);
    }
    let baseline = agent_writes(&app, &agents, &accounts, 0, night, None).await?;

    // The floor: one raw pass reading every active account's ledger and writing its row.
    let started = Instant::now();
    let floor_rows = store.floor_read_and_update_accounts().await?;
    let floor = started.elapsed().as_secs_f64();

    // The run, with as many workers as asked (the first opens the run).
    reset_peak_rss();
    let anon = super::AnonPeak::start();
    let request = app::nightly::RunRequest {
        as_of: night,
        dry_run: false,
        replay: false,
        dispatch: false,
        worker: "bench-1".into(),
    };
    let started = Instant::now();
    let mut helpers = tokio::task::JoinSet::new();
    for worker in 2..=options.workers {
        let app = app.clone();
        let actor = actor.clone();
        helpers.spawn(async move {
            // Wait for the run to open, then help until it is done.
            for _ in 0..200 {
                let done = app
                    .batch_worker(&actor, &format!("bench-{worker}"), &|_| {})
                    .await?;
                if done > 0 {
                    return Ok::<u64, app::Error>(done);
                }
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            Ok(0)
        });
    }
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writers = {
        let app = app.clone();
        let agents = agents.clone();
        let accounts = accounts.clone();
        let stop = stop.clone();
        tokio::spawn(
            async move { agent_writes(&app, &agents, &accounts, 1, night, Some(stop)).await },
        )
    };
    let reports = app.batch_run(&actor, &request, &|_| {}).await;
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let during = writers.await??;
    let reports = reports?;
    let mut helped = 0;
    while let Some(done) = helpers.join_next().await {
        helped += done??;
    }
    let seconds = started.elapsed().as_secs_f64();
    let peak = super::peak_rss_mib();
    let anon_peak = anon.stop();
    let report = &reports[0];

    // The same night again: nothing to do.
    let started = Instant::now();
    let again = app.batch_run(&actor, &request, &|_| {}).await?;
    let second = started.elapsed().as_secs_f64();
    anyhow::ensure!(again[0].already_done, "the second run did work");

    // The floor over the same rows: every row the run read, and as many rows written
    // as it wrote, set-based in one transaction (rolled back).
    let summary = &report.summary;
    let count = |step: &str, key: &str| summary[step][key].as_u64().unwrap_or(0);
    let writes = store::floor::NightlyWrites {
        interest_entries: count("accrue", "accounts"),
        aging_moves: count("age", "moves"),
        strategy_actions: summary["strategy"]
            .as_object()
            .map(|steps| {
                steps
                    .iter()
                    .filter(|(key, _)| key.starts_with("step_"))
                    .filter_map(|(_, value)| value.as_u64())
                    .sum()
            })
            .unwrap_or(0),
        time_barred: count("status", "time_barred"),
    };
    let started = Instant::now();
    let full_floor = store.nightly_floor(night, writes).await?;
    let full_floor_seconds = started.elapsed().as_secs_f64();
    store.close().await;

    let accounts_f = options.accounts as f64;
    println!(
        "batch: the nightly run as of {night} over {} accounts on {} ({} worker{}), placed {placed}",
        options.accounts,
        engine.name(),
        options.workers,
        if options.workers == 1 { "" } else { "s" }
    );
    println!("  setup: generate, import, policies, ANALYZE {setup:.1} s");
    println!(
        "  arrears batch run (every step, {} chunks, {} by helpers):  {seconds:8.2} s  {:>8.0} accounts/s  peak {} MiB resident ({} MiB anonymous; the rest is the database's mapped pages)",
        report.chunks,
        helped,
        accounts_f / seconds,
        peak.map_or("?".into(), |mib| format!("{mib:.0}")),
        anon_peak.map_or("?".into(), |mib| format!("{mib:.0}"))
    );
    println!(
        "  floor (one SQL pass: read each active account's ledger, write its row, {floor_rows} rows): {floor:8.2} s  {:>8.0} accounts/s",
        accounts_f / floor
    );
    println!("  ratio run / floor: {:.2}", seconds / floor);
    println!(
        "  floor over the same rows (read every row the run reads: {} rows; write as many rows as it wrote, set-based, one transaction: {} rows): {full_floor_seconds:8.2} s  {:>8.0} accounts/s",
        full_floor.rows_read,
        full_floor.rows_written,
        accounts_f / full_floor_seconds
    );
    println!(
        "  ratio run / floor over the same rows: {:.2}",
        seconds / full_floor_seconds
    );
    println!(
        "  the same night again: {second:.3} s ({:.1} % of the first)",
        second / seconds * 100.0
    );
    let (base_p50, base_p95) = (percentile(&baseline, 50), percentile(&baseline, 95));
    let (run_p50, run_p95) = (percentile(&during, 50), percentile(&during, 95));
    println!(
        "  agents' writes ({} agents, a note every {AGENT_PACE_MS} ms each): alone p50 {base_p50:.1} ms p95 {base_p95:.1} ms ({} writes); during the run p50 {run_p50:.1} ms p95 {run_p95:.1} ms ({} writes); p95 ratio {:.2}",
        options.agents,
        baseline.len(),
        during.len(),
        run_p95 / base_p95
    );
    println!("  summary: {}", report.summary);
    Ok(ExitCode::SUCCESS)
}

/// Seconds of agents' writes measured before the run, alone.
const BASELINE_SECONDS: u64 = 10;
/// Each agent adds a note this often.
const AGENT_PACE_MS: u64 = 100;

/// Each agent adds notes to accounts of its own (`round` picks another set each time)
/// at `AGENT_PACE_MS`, for `BASELINE_SECONDS` or until `stop`: the latency of each
/// write in milliseconds.
async fn agent_writes(
    app: &app::App,
    agents: &[store::sessions::SessionUser],
    accounts: &[(String, String, app::letters::Lang)],
    round: usize,
    today: jiff::civil::Date,
    stop: Option<std::sync::Arc<std::sync::atomic::AtomicBool>>,
) -> Result<Vec<f64>> {
    let until = Instant::now() + std::time::Duration::from_secs(BASELINE_SECONDS);
    let mut tasks = tokio::task::JoinSet::new();
    let count = agents.len().max(1);
    for (index, agent) in agents.iter().enumerate() {
        let app = app.clone();
        let agent = agent.clone();
        let stop = stop.clone();
        // Every agent its own accounts, a different slice each round.
        let mine: Vec<(String, String)> = accounts
            .iter()
            .skip(index + round * count * 1_000)
            .step_by(count)
            .map(|(creditor, account_ref, _)| (creditor.clone(), account_ref.clone()))
            .collect();
        tasks.spawn(async move {
            let mut latencies = Vec::new();
            for (creditor, account_ref) in mine {
                let done = match &stop {
                    Some(stop) => stop.load(std::sync::atomic::Ordering::SeqCst),
                    None => Instant::now() >= until,
                };
                if done {
                    break;
                }
                let paced = Instant::now() + std::time::Duration::from_millis(AGENT_PACE_MS);
                let view = app.account(&agent, &creditor, &account_ref, today).await?;
                let started = Instant::now();
                app.add_note(&agent, &view, view.version, "bench: called, no answer")
                    .await?
                    .map_err(|_| anyhow!("the note was refused"))?;
                latencies.push(started.elapsed().as_secs_f64() * 1_000.0);
                tokio::time::sleep_until(paced.into()).await;
            }
            Ok::<_, anyhow::Error>(latencies)
        });
    }
    let mut all = Vec::new();
    while let Some(done) = tasks.join_next().await {
        all.extend(done??);
    }
    Ok(all)
}

fn percentile(values: &[f64], percent: usize) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted[((sorted.len() - 1) * percent) / 100]
}
