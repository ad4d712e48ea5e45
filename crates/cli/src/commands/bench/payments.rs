//! `arrears bench payments`: posting a payment file of N payments (one per generated
//! account) on SQLite or PostgreSQL, beside the floor of plain inserts of the same rows.

use super::workspace::admin;
use anyhow::{Context as _, Result, anyhow};
use domain::money::Currency;
use std::collections::HashMap;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;
use store::money::Posting;

pub async fn payments(payments: u64, seed: u64, db: &str) -> Result<ExitCode> {
    if payments == 0 {
        return Err(anyhow!(crate::InputError(
            "--payments must be at least 1".into()
        )));
    }
    let dir = std::env::temp_dir().join(format!("arrears-bench-payments-{}", std::process::id()));
    std::fs::create_dir_all(&dir).with_context(|| dir.display().to_string())?;
    let result = run(payments, seed, db, &dir).await;
    std::fs::remove_dir_all(&dir).ok();
    result
}

async fn run(payments: u64, seed: u64, db: &str, dir: &Path) -> Result<ExitCode> {
    let as_of = jiff::civil::date(2026, 11, 23);
    let placements = dir.join("placements.csv");
    {
        let config = ingest::generate::GeneratorConfig {
            accounts: payments,
            seed,
            as_of,
        };
        let mut out = std::io::BufWriter::new(std::fs::File::create(&placements)?);
        ingest::generate::write_placements(&config, &mut out)?;
        out.flush()?;
    }
    // One payment per account: a tenth of its balance (at least 1.00), paid last week.
    let file = dir.join("payments.csv");
    {
        let mut reader = csv::Reader::from_path(&placements)?;
        let headers = reader.headers()?.clone();
        let column = |name: &str| {
            headers
                .iter()
                .position(|header| header == name)
                .expect("generated")
        };
        let (creditor, account, balance) =
            (column("creditor"), column("account_ref"), column("balance"));
        let mut out = std::io::BufWriter::new(std::fs::File::create(&file)?);
        writeln!(
            out,
            "creditor,account_ref,payment_ref,paid_on,amount,method"
        )?;
        for (index, record) in reader.records().enumerate() {
            let record = record?;
            let cents = Currency::USD
                .parse_amount(&record[balance])
                .map_err(|error| anyhow!("{error}"))?
                .minor();
            let paid = (cents / 10).max(1_00);
            writeln!(
                out,
                "{},{},BENCH-{index},2026-11-20,{}.{:02},ach",
                &record[creditor],
                &record[account],
                paid / 100,
                paid % 100
            )?;
        }
        out.flush()?;
    }
    let (url, postgres) = if db.is_empty() {
        (
            format!("sqlite://{}", dir.join("payments.db").display()),
            None,
        )
    } else if db.starts_with("postgres") {
        let name = format!("arrears_bench_payments_{}", std::process::id());
        admin(db, &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await?;
        admin(db, &format!("CREATE DATABASE {name}")).await?;
        let server = db.rsplit_once('/').map_or(db, |(server, _)| server);
        (format!("{server}/{name}"), Some((db.to_string(), name)))
    } else {
        return Err(anyhow!(crate::InputError(
            "--db: postgres://USER@HOST/DB (a throwaway database is created beside it) or nothing for SQLite".into()
        )));
    };
    let outcome = measure(&url, &placements, &file, payments, as_of).await;
    if let Some((admin_url, name)) = postgres {
        admin(
            &admin_url,
            &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
        )
        .await?;
    }
    outcome
}

async fn measure(
    url: &str,
    placements: &Path,
    file: &Path,
    payments: u64,
    as_of: jiff::civil::Date,
) -> Result<ExitCode> {
    let store = crate::context::open_store(url).await?;
    crate::commands::import_placements_file(
        &app::App::new(store.clone(), compliance::packs::RuleSet::builtin()),
        &store::Actor::new("bench"),
        placements,
        &ingest::mapping::Mapping::standard(),
        as_of,
    )
    .await?;
    let currencies: HashMap<String, Currency> = store
        .creditors()
        .await?
        .into_iter()
        .map(|creditor| (creditor.code, creditor.policy.currency))
        .collect();
    let started = Instant::now();
    let bytes = std::fs::read(file)?;
    let parsed = ingest::payments::read(
        "payments.csv",
        &bytes,
        ingest::payments::Format::Csv,
        &|code| currencies.get(code).copied(),
        as_of,
    )
    .map_err(|rejection| anyhow!("{rejection}"))?;
    let parse_seconds = started.elapsed().as_secs_f64();
    let posting = Posting {
        source: domain::payment::Source::Csv,
        file_name: "payments.csv",
        sha256: &parsed.sha256,
        user_id: None,
        reason: "benchmark",
        dry_run: false,
    };
    let report = store
        .post_payments(&store::Actor::new("bench"), &posting, &parsed.items)
        .await?;
    let post_seconds = started.elapsed().as_secs_f64();
    assert_eq!(
        report.payments_posted, payments,
        "every payment matched and posted"
    );
    let engine = store.engine();
    store.close().await;
    let floor_seconds = floor(url, file, Floor::MultiRow).await?;
    let per_row_seconds = floor(url, file, Floor::PerRow).await?;
    println!("payments: {payments} payments on {}", engine.name());
    println!(
        "  arrears import payments (parse + match + allocate + post, one transaction): {post_seconds:7.2} s  {:>8.0} payments/s  (parsing {parse_seconds:.2} s)",
        payments as f64 / post_seconds
    );
    println!(
        "  floor (the CSV rows, multi-row INSERTs into one table, one tx):             {floor_seconds:7.2} s  {:>8.0} rows/s",
        payments as f64 / floor_seconds
    );
    println!(
        "  for reference: one prepared INSERT per CSV row, one tx:                     {per_row_seconds:7.2} s  {:>8.0} rows/s",
        payments as f64 / per_row_seconds
    );
    println!("  ratio post / floor: {:.2}", post_seconds / floor_seconds);
    Ok(ExitCode::SUCCESS)
}

use store::floor::FloorKind as Floor;

/// The floor: the CSV rows, unparsed, into one table of text columns without indexes,
/// in one transaction, through the same driver.
async fn floor(url: &str, file: &Path, kind: Floor) -> Result<f64> {
    const COLUMNS: &[&str] = &[
        "creditor",
        "account_ref",
        "payment_ref",
        "paid_on",
        "amount",
        "method",
    ];
    let mut reader = csv::Reader::from_path(file)?;
    let mut records = reader.records();
    let mut next = || {
        records.next().map(|record| {
            record
                .map(|record| {
                    record
                        .iter()
                        .take(COLUMNS.len())
                        .map(str::to_string)
                        .collect()
                })
                .map_err(|error| error.to_string())
        })
    };
    Ok(store::floor::insert_text_rows(url, "floor_payments", COLUMNS, kind, &mut next).await?)
}
