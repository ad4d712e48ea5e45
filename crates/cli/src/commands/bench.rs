//! Benchmarks run from the binary; each prints its figure beside a floor measured in the
//! same run. See docs/benchmarks.md.

use crate::commands::import_placements_file;
use anyhow::{Context as _, Result};
use clap::Subcommand;
use ingest::mapping::Mapping;
use std::io::Write;
use std::process::ExitCode;
use std::time::Instant;

mod batch;
mod client;
mod dialer;
mod http;
mod letters;
mod payments;
mod workspace;

#[derive(Subcommand)]
pub enum BenchCommand {
    /// In-process compliance checks per second on one core over a realistic mix, beside
    /// the floor of reading the same requests without checking them.
    ComplianceChecks {
        #[arg(long, default_value_t = 1_000_000)]
        checks: u64,
    },
    /// The HTTP compliance check under open-loop load on loopback (the real server, in
    /// process), beside the floor of `GET /healthz` on the same server at the same rate.
    ComplianceHttp {
        /// Requests per second, scheduled at fixed intervals whatever the answers' delay.
        #[arg(long, default_value_t = 2_000)]
        rate: u32,
        /// Seconds measured per endpoint; the endpoints alternate every second, so a run
        /// lasts about twice this (plus 2 s of warm-up).
        #[arg(long, default_value_t = 20)]
        seconds: u32,
        /// Keep-alive connections shared by the scheduled requests.
        #[arg(long, default_value_t = 32)]
        connections: u32,
    },
    /// The nightly run (`batch run`, every step) over N freshly imported accounts,
    /// beside the floor of one SQL pass reading every active account's ledger and
    /// writing its row; then the same night again, and the run's peak memory.
    Batch {
        #[arg(long, default_value_t = 100_000)]
        accounts: u64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Workers in the process (PostgreSQL only above 1).
        #[arg(long, default_value_t = 1)]
        workers: u32,
        /// Agents adding notes before and during the run (their write latency).
        #[arg(long, default_value_t = 4)]
        agents: u32,
        /// postgres://USER@HOST/DB (a throwaway database is created beside it and
        /// dropped at the end); default: a SQLite file in DIR.
        #[arg(long, default_value = "")]
        db: String,
        /// Folder for the generated file and the SQLite database (default: a temp
        /// folder, removed at the end).
        #[arg(long)]
        dir: Option<std::path::PathBuf>,
    },
    /// The agent workspace with N generated accounts loaded: K agents in a closed loop on
    /// loopback press "Next account", open the account page and the work list (nine
    /// filters and orders in turn: bucket, balance range, never worked, promises due
    /// today, broken promises, callbacks, by name, a deeper page), beside the floor of a
    /// static asset from the same server over the same connections; p50/p95/p99 of each.
    Workspace {
        #[arg(long, default_value_t = 1_000_000)]
        accounts: u64,
        /// Simulated agents, each signed in on its own keep-alive connection.
        #[arg(long, default_value_t = 8)]
        agents: u32,
        /// Seconds measured (after 2 s of warm-up).
        #[arg(long, default_value_t = 30)]
        seconds: u32,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// sqlite://FILE (a new file, reused by later runs once prepared) or
        /// postgres://USER@HOST/DB (a throwaway database is created beside DB and dropped
        /// at the end). Default: a SQLite file in DIR. Shadows the global --db, whose
        /// default names a working database the benchmark must not touch.
        #[arg(long, default_value = "")]
        db: String,
        /// Folder for the generated file and the SQLite database, kept and reused by later
        /// runs (default: a temp dir removed at the end).
        #[arg(long)]
        dir: Option<std::path::PathBuf>,
    },
    /// Post a payment file of N payments (one per generated account) on a fresh database,
    /// beside the floor: the same CSV rows inserted one prepared INSERT each into one
    /// table through the same driver.
    Payments {
        #[arg(long, default_value_t = 100_000)]
        payments: u64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// postgres://USER@HOST/DB to run on PostgreSQL (a throwaway database is created
        /// beside DB); default SQLite in a temp dir.
        #[arg(long, default_value = "")]
        db: String,
    },
    /// Send a validation notice to each of N freshly imported accounts through the real
    /// letter path (compliance, PDF stored content-addressed, one transaction each),
    /// beside the floor: one fixed notice rendered by the same PDF engine N times.
    Letters {
        #[arg(long, default_value_t = 10_000)]
        count: u64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Letters sent at once (each still its own transaction); default: two per core
        /// (one renders while the other waits on the database).
        #[arg(long)]
        senders: Option<u32>,
        /// postgres://USER@HOST/DB to run on PostgreSQL (a throwaway database is created
        /// beside DB and dropped at the end); default: a fresh SQLite file in DIR.
        #[arg(long, default_value = "")]
        db: String,
        /// Folder for the generated file, the SQLite database and the documents (emptied
        /// first, kept after; default: a temp dir removed at the end).
        #[arg(long)]
        dir: Option<std::path::PathBuf>,
    },
    /// The dialer list (`compliance filter-calls`) over N freshly imported accounts on
    /// SQLite, every decision logged, beside the floor: one pass reading the same rows
    /// and as many log rows of the same size inserted into a table without indexes; the
    /// list's peak resident memory.
    Dialer {
        #[arg(long, default_value_t = 1_000_000)]
        accounts: u64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Folder for the generated file and the databases (default: a temp dir removed
        /// at the end).
        #[arg(long)]
        dir: Option<std::path::PathBuf>,
    },
    /// Import N generated accounts into a fresh SQLite file, beside the floor: the same
    /// CSV rows in multi-row INSERTs into one table of text columns, one transaction (and,
    /// for reference, one prepared INSERT per row).
    ImportPlacements {
        #[arg(long, default_value_t = 1_000_000)]
        accounts: u64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Folder for the generated file and the two databases (default: a temp dir).
        #[arg(long)]
        dir: Option<std::path::PathBuf>,
    },
}

pub async fn run(command: BenchCommand) -> Result<ExitCode> {
    match command {
        BenchCommand::ImportPlacements {
            accounts,
            seed,
            dir,
        } => import_placements(accounts, seed, dir).await,
        BenchCommand::Workspace {
            accounts,
            agents,
            seconds,
            seed,
            db,
            dir,
        } => {
            workspace::workspace(workspace::Options {
                accounts,
                agents,
                seconds,
                seed,
                db,
                dir,
            })
            .await
        }
        BenchCommand::Letters {
            count,
            seed,
            senders,
            db,
            dir,
        } => {
            letters::letters(letters::Options {
                count,
                seed,
                senders: senders.unwrap_or_else(|| {
                    2 * std::thread::available_parallelism().map_or(1, |n| n.get() as u32)
                }),
                db,
                dir,
            })
            .await
        }
        BenchCommand::Batch {
            accounts,
            seed,
            workers,
            agents,
            db,
            dir,
        } => {
            batch::batch(batch::Options {
                accounts,
                seed,
                workers,
                agents,
                db,
                dir,
            })
            .await
        }
        BenchCommand::Dialer {
            accounts,
            seed,
            dir,
        } => {
            dialer::dialer(dialer::Options {
                accounts,
                seed,
                dir,
            })
            .await
        }
        BenchCommand::Payments { payments, seed, db } => {
            payments::payments(payments, seed, &db).await
        }
        BenchCommand::ComplianceChecks { checks } => compliance_checks(checks),
        BenchCommand::ComplianceHttp {
            rate,
            seconds,
            connections,
        } => http::compliance_http(rate, seconds, connections).await,
    }
}

/// Peak resident memory of this process so far (Linux), in MiB.
/// The peak of the process's anonymous resident memory (`RssAnon`: heap and stacks,
/// not the database file's pages SQLite maps, which `VmHWM` counts and the kernel
/// may drop at any time), sampled every 20 ms on a thread of its own until `stop`.
pub(crate) struct AnonPeak {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    sampler: std::thread::JoinHandle<f64>,
}

impl AnonPeak {
    pub(crate) fn start() -> AnonPeak {
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stopping = stop.clone();
        let sampler = std::thread::spawn(move || {
            let mut peak_kib = 0.0f64;
            loop {
                if let Some(kib) = status_kib("RssAnon:") {
                    peak_kib = peak_kib.max(kib);
                }
                if stopping.load(std::sync::atomic::Ordering::SeqCst) {
                    return peak_kib;
                }
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
        });
        AnonPeak { stop, sampler }
    }

    /// The peak in MiB.
    pub(crate) fn stop(self) -> Option<f64> {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        let kib = self.sampler.join().ok()?;
        (kib > 0.0).then_some(kib / 1024.0)
    }
}

fn status_kib(field: &str) -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

async fn import_placements(
    accounts: u64,
    seed: u64,
    dir: Option<std::path::PathBuf>,
) -> Result<ExitCode> {
    let temp = tempfile_dir(dir)?;
    let file = temp.join("placements.csv");
    let as_of = jiff::civil::date(2026, 11, 23);
    {
        let config = ingest::generate::GeneratorConfig {
            accounts,
            seed,
            as_of,
        };
        let mut out = std::io::BufWriter::new(std::fs::File::create(&file)?);
        ingest::generate::write_placements(&config, &mut out)?;
        out.flush()?;
    }
    let size_mib = std::fs::metadata(&file)?.len() as f64 / (1024.0 * 1024.0);
    eprintln!(
        "generated {accounts} accounts ({size_mib:.0} MiB) in {}",
        file.display()
    );

    let import_db = format!("sqlite://{}", temp.join("import.db").display());
    let store = crate::context::open_store(&import_db).await?;
    let started = Instant::now();
    let imported = import_placements_file(
        &app::App::new(store.clone(), ::compliance::packs::RuleSet::builtin()),
        &store::Actor::new("bench"),
        &file,
        &Mapping::standard(),
        as_of,
    )
    .await?;
    let import_seconds = started.elapsed().as_secs_f64();
    let import_peak_mib = peak_rss_mib();
    store.close().await;
    assert_eq!(
        imported.outcome.accounts_created, accounts,
        "every generated account is imported"
    );

    let floor_db = format!("sqlite://{}", temp.join("floor.db").display());
    let floor_seconds = floor_insert(&floor_db, &file, store::floor::FloorKind::MultiRow).await?;
    let per_row_seconds = floor_insert(&floor_db, &file, store::floor::FloorKind::PerRow).await?;

    println!("import-placements: {accounts} accounts on SQLite");
    println!(
        "  arrears import (validate + write, one transaction): {import_seconds:8.1} s  {:>9.0} accounts/s",
        accounts as f64 / import_seconds
    );
    println!(
        "  floor (the CSV rows, multi-row INSERTs, one tx):   {floor_seconds:8.1} s  {:>9.0} rows/s",
        accounts as f64 / floor_seconds
    );
    println!(
        "  for reference: one prepared INSERT per row, one tx: {per_row_seconds:8.1} s  {:>9.0} rows/s",
        accounts as f64 / per_row_seconds
    );
    println!(
        "  ratio import / floor: {:.2}",
        import_seconds / floor_seconds
    );
    match import_peak_mib {
        Some(mib) => println!("  peak resident memory during import: {mib:.0} MiB"),
        None => println!("  peak resident memory: not available on this platform"),
    }
    Ok(ExitCode::SUCCESS)
}

fn tempfile_dir(dir: Option<std::path::PathBuf>) -> Result<std::path::PathBuf> {
    let dir = dir.unwrap_or_else(|| {
        std::env::temp_dir().join(format!("arrears-bench-{}", std::process::id()))
    });
    std::fs::create_dir_all(&dir).with_context(|| dir.display().to_string())?;
    for name in [
        "import.db",
        "import.db-wal",
        "import.db-shm",
        "floor.db",
        "floor.db-wal",
        "floor.db-shm",
    ] {
        std::fs::remove_file(dir.join(name)).ok();
    }
    Ok(dir)
}

/// The floor: the same CSV rows, unparsed, into a table of text columns (multi-row
/// INSERTs, the least work that stores them, or one prepared INSERT per row), in one
/// transaction, through the same driver and pragmas.
async fn floor_insert(
    db: &str,
    file: &std::path::Path,
    kind: store::floor::FloorKind,
) -> Result<f64> {
    let mut reader = csv::Reader::from_path(file)?;
    let mut records = reader.records();
    let mut next = || {
        records.next().map(|record| {
            record
                .map(|record| record.iter().map(str::to_string).collect())
                .map_err(|error| error.to_string())
        })
    };
    Ok(store::floor::insert_text_rows(
        db,
        "floor_rows",
        ingest::generate::PLACEMENT_COLUMNS,
        kind,
        &mut next,
    )
    .await?)
}

/// A realistic mix: calls, texts, emails, letters and credit reports, at all hours, for
/// consumers in one to three zones with up to 12 earlier contacts, some with holds.
fn mix(index: u64) -> ::compliance::check::Request {
    use ::compliance::check::{Consumer, Debt, Request};
    use ::compliance::facts::{Action, Direction, HistoryEntry, Outcome, Purpose, Recipient};
    const ZONES: &[&[&str]] = &[
        &["America/New_York"],
        &["America/Chicago", "America/Denver"],
        &["America/Los_Angeles"],
        &["America/New_York", "America/Chicago", "Pacific/Honolulu"],
        &["America/Phoenix"],
    ];
    const ACTIONS: &[Action] = &[
        Action::Call,
        Action::Call,
        Action::Call,
        Action::Sms,
        Action::Email,
        Action::Letter,
        Action::CreditReport,
    ];
    let spread = index.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let now = jiff::Timestamp::from_second(1_767_225_600 + (spread % (365 * 86_400)) as i64)
        .expect("in range");
    let zones = ZONES[(spread >> 8) as usize % ZONES.len()]
        .iter()
        .map(|name| jiff::tz::TimeZone::get(name).expect("known zone"))
        .collect();
    let history = (0..(spread >> 16) % 13)
        .map(|n| HistoryEntry {
            at: now
                .checked_sub(jiff::Span::new().hours(((spread >> 20) % 50 + n * 11) as i64 + 1))
                .expect("in range"),
            debt_id: if n % 4 == 0 {
                "D-2".into()
            } else {
                "D-1".into()
            },
            action: Action::Call,
            outcome: [
                Outcome::NoAnswer,
                Outcome::Voicemail,
                Outcome::Busy,
                Outcome::Conversation,
            ][((spread >> 24) + n) as usize % 4],
            direction: Direction::Outbound,
            recipient: Recipient::Consumer,
            consent: false,
        })
        .collect();
    let consumer = Consumer {
        time_zones: zones,
        state: Some(
            if spread.is_multiple_of(10) {
                "MA"
            } else {
                "NY"
            }
            .into(),
        ),
        cease_requested: spread.is_multiple_of(97),
        attorney_represented: spread.is_multiple_of(89),
        ..Consumer::default()
    };
    let notice = now
        .checked_sub(jiff::Span::new().hours(((spread >> 32) % 2_000) as i64))
        .ok();
    Request {
        now,
        action: ACTIONS[(spread >> 40) as usize % ACTIONS.len()],
        debt_id: "D-1".into(),
        recipient: Recipient::Consumer,
        purpose: Purpose::Collection,
        contact_point: None,
        consumer,
        debts: vec![Debt {
            id: "D-1".into(),
            validation_notice_sent_at: notice,
            ..Debt::default()
        }],
        history,
        consents: Vec::new(),
    }
}

fn compliance_checks(checks: u64) -> Result<ExitCode> {
    let requests: Vec<::compliance::check::Request> =
        (0..checks.clamp(1, 100_000)).map(mix).collect();
    let rounds = checks.div_ceil(requests.len() as u64).max(1);
    // Floor: reading each request's clock, the least any check must do.
    let started = Instant::now();
    let mut floor_sum = 0i64;
    for _ in 0..rounds {
        for request in &requests {
            floor_sum = floor_sum.wrapping_add(std::hint::black_box(request).now.as_second());
        }
    }
    let floor_seconds = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let mut denied = 0u64;
    for _ in 0..rounds {
        for request in &requests {
            denied +=
                u64::from(!::compliance::check::check(std::hint::black_box(request)).allowed());
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    let total = rounds * requests.len() as u64;
    println!(
        "compliance-checks: {total} checks of {} distinct requests, one thread",
        requests.len()
    );
    println!(
        "  check: {seconds:8.2} s  {:>12.0} checks/s  ({:.1} % denied)",
        total as f64 / seconds,
        100.0 * denied as f64 / total as f64
    );
    println!(
        "  floor (reading each request): {floor_seconds:8.4} s  {:>12.0} requests/s  [{}]",
        total as f64 / floor_seconds,
        floor_sum % 10
    );
    Ok(ExitCode::SUCCESS)
}
