//! `arrears bench letters`: a validation notice rendered and sent for each of N freshly
//! imported accounts through the real path (`App::send_letter`: the compliance check,
//! the PDF stored content-addressed, one transaction recording the decision, the
//! timeline entry, the document, the print-queue row and the audit event), beside the
//! floor measured in the same run: one fixed validation notice rendered by the same PDF
//! engine the same number of times, nothing else.
//!
//! The clock is pinned (`ARREARS_NOW`, else a Monday afternoon in New York) so the run
//! does not depend on when it is made.

use super::workspace::admin;
use crate::commands::import_placements_file;
use anyhow::{Context as _, Result, anyhow};
use app::letters::{Agency, LetterError};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;
use store::{Actor, Clock, Engine, PiiKey, Store};

/// The pinned clock when `ARREARS_NOW` is not set: Monday 2026-11-23, 15:00 in New York.
const PINNED_NOW: &str = "2026-11-23T20:00:00Z";

pub struct Options {
    pub count: u64,
    pub seed: u64,
    /// Concurrent senders (each letter is still its own transaction).
    pub senders: u32,
    /// Empty: a SQLite file in the folder.
    pub db: String,
    pub dir: Option<PathBuf>,
}

pub async fn letters(options: Options) -> Result<ExitCode> {
    let input = |message: String| anyhow!(crate::InputError(message));
    if options.count == 0 || options.senders == 0 {
        return Err(input("--count and --senders must be at least 1".into()));
    }
    if !options.db.is_empty()
        && std::env::var("ARREARS_DATABASE_URL").is_ok_and(|working| working == options.db)
    {
        return Err(input(
            "the benchmark does not run on ARREARS_DATABASE_URL: unset it or pass --db".into(),
        ));
    }
    let now = match crate::context::clock()? {
        Clock::Fixed(instant) => instant,
        Clock::System => PINNED_NOW.parse().expect("a valid instant"),
    };
    let (dir, keep) = match &options.dir {
        Some(dir) => (dir.clone(), true),
        None => (
            std::env::temp_dir().join(format!("arrears-bench-letters-{}", std::process::id())),
            false,
        ),
    };
    std::fs::create_dir_all(&dir).with_context(|| dir.display().to_string())?;
    // Every run starts from nothing: a fresh database and documents folder.
    let documents = dir.join("documents");
    std::fs::remove_dir_all(&documents).ok();
    let (url, postgres) = bench_database(&options.db, &dir, "letters").await?;
    let result = run(&options, &url, &dir, &documents, now).await;
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

async fn run(
    options: &Options,
    url: &str,
    dir: &Path,
    documents: &Path,
    now: jiff::Timestamp,
) -> Result<ExitCode> {
    let as_of = jiff::civil::date(2026, 11, 23);
    let file = dir.join(format!("letters-{}-{}.csv", options.count, options.seed));
    let started = Instant::now();
    {
        let config = ingest::generate::GeneratorConfig {
            accounts: options.count,
            seed: options.seed,
            as_of,
        };
        let mut out = std::io::BufWriter::new(std::fs::File::create(&file)?);
        ingest::generate::write_placements(&config, &mut out)?;
        out.flush()?;
    }
    let generate = started.elapsed().as_secs_f64();
    let key = match store::db::sqlite_path(url) {
        Some(_) => crate::context::pii_key(url)?,
        None => PiiKey::generate(),
    };
    let store = Store::open(url, key, Clock::Fixed(now))
        .await
        .with_context(|| format!("cannot open database {}", store::db::redact(url)))?
        .with_business_zone(crate::context::business_time_zone()?);
    let engine = store.engine();
    let app = app::App::new(store.clone(), compliance::packs::RuleSet::builtin());
    let actor = Actor::new("bench");
    let started = Instant::now();
    let imported = import_placements_file(
        &app,
        &actor,
        &file,
        &ingest::mapping::Mapping::standard(),
        as_of,
    )
    .await?;
    let import = started.elapsed().as_secs_f64();
    anyhow::ensure!(
        imported.outcome.accounts_created == options.count,
        "imported {} accounts of {}",
        imported.outcome.accounts_created,
        options.count
    );
    let accounts = super::super::letters::file_accounts(&file)?;
    let agency = super::super::letters::agency();

    // The real path: each letter asked, rendered, stored and recorded on its own.
    let senders = options.senders.min(options.count as u32).max(1) as usize;
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for sender in 0..senders {
        let app = app.clone();
        let actor = actor.clone();
        let agency = agency.clone();
        let documents = documents.to_path_buf();
        let mine: Vec<_> = accounts
            .iter()
            .skip(sender)
            .step_by(senders)
            .cloned()
            .collect();
        tasks.spawn(async move {
            let (mut sent, mut refused, mut unmailable) = (0u64, 0u64, 0u64);
            for (creditor, account_ref, lang) in &mine {
                match app
                    .send_letter(
                        &actor,
                        creditor,
                        account_ref,
                        "validation_notice",
                        *lang,
                        &agency,
                        &documents,
                    )
                    .await
                {
                    Ok(_) => sent += 1,
                    Err(LetterError::Refused(_)) => refused += 1,
                    Err(LetterError::NotMailable) => unmailable += 1,
                    Err(error) => return Err(anyhow!("{creditor}/{account_ref}: {error}")),
                }
            }
            Ok::<_, anyhow::Error>((sent, refused, unmailable))
        });
    }
    let (mut sent, mut refused, mut unmailable) = (0, 0, 0);
    while let Some(done) = tasks.join_next().await {
        let (s, r, u) = done??;
        sent += s;
        refused += r;
        unmailable += u;
    }
    let seconds = started.elapsed().as_secs_f64();
    let queued = store.queued_letters(now_date(&store)).await?.len();
    store.close().await;
    anyhow::ensure!(
        queued as u64 == sent,
        "{sent} letters sent but {queued} queued for print"
    );

    // The floor: one fixed validation notice, the same engine, the same count.
    let notice = fixed_notice(&agency);
    let started = Instant::now();
    let mut bytes = 0usize;
    for _ in 0..options.count {
        bytes += notice
            .document()
            .render()
            .map_err(|error| anyhow!("{error}"))?
            .len();
    }
    let floor = started.elapsed().as_secs_f64();

    let count = options.count as f64;
    println!(
        "letters: {} validation notices on {} ({senders} sender{}), clock {now}",
        options.count,
        engine.name(),
        if senders == 1 { "" } else { "s" }
    );
    println!(
        "  setup: generate {generate:.1} s, import {import:.1} s ({} accounts)",
        options.count
    );
    println!(
        "  arrears send_letter (compliance + render + store + record, one tx each): {seconds:7.2} s  {:>7.0} letters/s  ({sent} sent, {refused} refused, {unmailable} not mailable)",
        count / seconds
    );
    println!(
        "  floor (one fixed notice rendered by the pdf crate, one thread):          {floor:7.2} s  {:>7.0} letters/s  ({:.1} KiB each)",
        count / floor,
        bytes as f64 / count / 1024.0
    );
    println!("  ratio send / floor: {:.2}", seconds / floor);
    Ok(ExitCode::SUCCESS)
}

fn now_date(store: &Store) -> jiff::civil::Date {
    store.today()
}

/// The floor's letter: a validation notice with values of the usual length.
fn fixed_notice(agency: &Agency) -> pdf::notice::ValidationNotice {
    let mut collector = vec![agency.name.clone()];
    collector.extend(agency.address.iter().cloned());
    collector.push(agency.phone.clone());
    pdf::notice::ValidationNotice {
        lang: pdf::Lang::En,
        collector,
        date: "November 23, 2026".into(),
        consumer: vec![
            "Maria Gonzalez".into(),
            "1234 Elm Street Apt 5".into(),
            "Springfield, IL 62704".into(),
        ],
        account: "NB-00001234".into(),
        creditor: "Northern Bank".into(),
        itemization_date: "June 30, 2026".into(),
        owed_then: "$2,318.40".into(),
        interest: "$112.05".into(),
        fees: "$35.00".into(),
        payments: "$150.00".into(),
        owed_now: "$2,315.45".into(),
        period_ends: "January 5, 2027".into(),
        extra: vec!["You may call us at (800) 555-0100, Monday to Friday, 8 a.m. to 8 p.m.".into()],
    }
}

/// The benchmark's database: a fresh SQLite file `NAME.db` in `dir` when `db` is empty,
/// else a throwaway PostgreSQL database created beside the one `db` names (returned with
/// the server's URL, to drop at the end).
pub(super) async fn bench_database(
    db: &str,
    dir: &Path,
    name: &str,
) -> Result<(String, Option<(String, String)>)> {
    let input = |message: String| anyhow!(crate::InputError(message));
    Ok(if db.is_empty() {
        let path = dir.join(format!("{name}.db"));
        for suffix in ["", "-wal", "-shm"] {
            let mut file = path.clone().into_os_string();
            file.push(suffix);
            std::fs::remove_file(&file).ok();
        }
        (format!("sqlite://{}", path.display()), None)
    } else {
        match Engine::of_url(db).map_err(|error| input(error.to_string()))? {
            Engine::Postgres => {
                let name = format!("arrears_bench_{name}_{}", std::process::id());
                admin(db, &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await?;
                admin(db, &format!("CREATE DATABASE {name}"))
                    .await
                    .with_context(|| {
                        format!("cannot create a database on {}", store::db::redact(db))
                    })?;
                let (base, query) = match db.split_once('?') {
                    Some((base, query)) => (base, format!("?{query}")),
                    None => (db, String::new()),
                };
                let server = base.rsplit_once('/').map_or(base, |(server, _)| server);
                (
                    format!("{server}/{name}{query}"),
                    Some((db.to_string(), name)),
                )
            }
            Engine::Sqlite => {
                return Err(input(
                    "--db: postgres://USER@HOST/DB (a throwaway database is created beside it), or nothing for a SQLite file in --dir".into(),
                ));
            }
        }
    })
}
