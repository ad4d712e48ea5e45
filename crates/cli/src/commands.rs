//! Subcommands.

use crate::InputError;
use crate::context::{self, Globals};
use crate::output;
use anyhow::{Context as _, Result, anyhow};
use app::model::import::ImportFile;
use clap::Subcommand;
use domain::ids::CreditorCode;
use domain::party::Role;
use indicatif::{ProgressBar, ProgressStyle};
use ingest::mapping::Mapping;
use ingest::placement::{self, CheckedPlacements, PROBLEMS_REPORTED_MAX};
use jiff::civil::Date;
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum Command {
    /// Serve the web workspace and JSON API.
    Serve {
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: String,
    },
    /// (Re)create arrears-demo.db in this folder with a generated portfolio and demo users, then serve it.
    Demo {
        #[arg(long, default_value_t = 5_000)]
        accounts: u64,
        #[arg(long, default_value_t = 2026)]
        seed: u64,
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: String,
        /// Build the demo database and exit without serving.
        #[arg(long)]
        no_serve: bool,
    },
    /// Import files.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Generate synthetic files.
    #[command(subcommand)]
    Generate(GenerateCommand),
    /// Look at accounts.
    #[command(subcommand)]
    Account(AccountCommand),
    /// Accounts whose debtor must be located (docs/placement-file.md).
    #[command(subcommand)]
    Locate(LocateCommand),
    /// Creditors (clients) and their policies.
    #[command(subcommand)]
    Creditor(CreditorCommand),
    /// System users.
    #[command(subcommand)]
    User(UserCommand),
    /// The tamper-evident audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Operating the installation: the PII key.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Nightly batch steps.
    #[command(subcommand)]
    Batch(BatchCommand),
    /// The compliance engine (contract: docs/compliance-check.md).
    #[command(subcommand)]
    Compliance(ComplianceCommand),
    /// A creditor's remittance statement for a period: collections, returns, the
    /// contingency fee and the net to remit (text, csv, pdf or json).
    Remittance {
        #[arg(long)]
        creditor: String,
        #[arg(long)]
        from: Date,
        #[arg(long)]
        to: Date,
        #[arg(long, default_value = "text")]
        format: String,
        /// Write to this file (required for pdf).
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// Reports.
    #[command(subcommand)]
    Report(ReportCommand),
    /// Payment plans (docs/money.md).
    #[command(subcommand)]
    Plan(crate::commands::plan::PlanCommand),
    /// Email: send through the outbox, E-SIGN consents, bounces, inbound replies
    /// (docs/messages.md).
    #[command(subcommand)]
    Email(crate::commands::messages::EmailCommand),
    /// Text messages: send through the outbox (docs/messages.md).
    #[command(subcommand)]
    Sms(crate::commands::messages::SmsCommand),
    /// The outbox of email and texts.
    #[command(subcommand)]
    Outbox(crate::commands::messages::OutboxCommand),
    /// Letters: preview and send one (docs/letters.md).
    #[command(subcommand)]
    Letter(crate::commands::letters::LetterCommand),
    /// Letters queued for print: the vendor's batch.
    #[command(subcommand)]
    Letters(crate::commands::letters::LettersCommand),
    /// Collection strategies as versions in the database (docs/strategies.md).
    #[command(subcommand)]
    Strategy(crate::commands::strategy::StrategyCommand),
    /// The propensity-to-pay model: load, refit, explain (docs/scoring.md).
    #[command(subcommand)]
    Score(crate::commands::strategy::ScoreCommand),
    /// Benchmarks (see docs/benchmarks.md).
    #[command(subcommand, hide = true)]
    Bench(crate::commands::bench::BenchCommand),
}

#[derive(Subcommand)]
pub enum ImportCommand {
    /// Import a placement (accounts) file: all or nothing, idempotent.
    Placements {
        file: PathBuf,
        /// Column mapping (TOML) for a creditor's own layout.
        #[arg(long)]
        mapping: Option<PathBuf>,
        /// Business date of the placement (default: today).
        #[arg(long)]
        placed_on: Option<Date>,
        #[arg(long)]
        json: bool,
    },
    /// Import a payment file (CSV, BAI2 or NACHA): all or nothing, idempotent; items
    /// that match no account or payment go to the exceptions list.
    Payments {
        file: PathBuf,
        /// csv | bai2 | nacha (default: recognised from the file's first bytes).
        #[arg(long)]
        format: Option<String>,
        /// Match the file's items to this creditor's accounts only.
        #[arg(long)]
        creditor: Option<String>,
        /// Parse and match, print what would happen, write nothing.
        #[arg(long)]
        dry_run: bool,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub enum ReportCommand {
    /// Trust-account reconciliation: payments and returns per creditor against the
    /// ledger, fees, net to remit, and bank items not yet matched. Exits 1 on a difference.
    Trust {
        #[arg(long)]
        from: Date,
        #[arg(long)]
        to: Date,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub enum GenerateCommand {
    /// Write a realistic synthetic placement file to standard output.
    Placements {
        #[arg(long)]
        accounts: u64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Date the portfolio is as of (default: today).
        #[arg(long)]
        as_of: Option<Date>,
    },
}

#[derive(Subcommand)]
pub enum AccountCommand {
    /// Balance, aging and ledger of one account.
    Show {
        #[arg(long)]
        creditor: String,
        #[arg(long = "account")]
        account_ref: String,
        /// Business date for days past due (default: today).
        #[arg(long)]
        as_of: Option<Date>,
        #[arg(long)]
        json: bool,
    },
    /// Move an account to another lifecycle status (checked: e.g. a closed account stays closed).
    Status {
        #[arg(long)]
        creditor: String,
        #[arg(long = "account")]
        account_ref: String,
        /// active, settled, paid, written_off, recalled or closed.
        status: String,
        #[arg(long)]
        reason: String,
    },
    /// Place a hold: dispute, cease, attorney, bankruptcy, deceased or legal.
    Hold {
        #[arg(long)]
        creditor: String,
        #[arg(long = "account")]
        account_ref: String,
        kind: String,
        /// Evidence or particulars (case number, attorney, ...).
        #[arg(long, default_value = "")]
        detail: String,
        #[arg(long)]
        reason: String,
    },
    /// Release a hold.
    Release {
        #[arg(long)]
        creditor: String,
        #[arg(long = "account")]
        account_ref: String,
        kind: String,
        #[arg(long)]
        reason: String,
    },
    /// Documents of an account: upload a file, list letters and uploads.
    #[command(subcommand)]
    Document(DocumentCommand),
    /// The evidence package of an account for a dispute or a lawsuit (ZIP): the
    /// statement, every letter and document (checked against its SHA-256), the contact
    /// history, the compliance decisions, the disputes and a manifest.
    Portfolio {
        #[arg(long)]
        creditor: String,
        #[arg(long = "account")]
        account_ref: String,
        #[arg(long)]
        output: PathBuf,
    },
    /// The statement of account for the credit department (PDF): status and holds,
    /// balances by bucket, ledger, payments, contact history, disputes.
    Statement {
        #[arg(long)]
        creditor: String,
        #[arg(long = "account")]
        account_ref: String,
        /// en | es (default: en).
        #[arg(long, default_value = "en")]
        lang: String,
        #[arg(long)]
        output: PathBuf,
    },
}

#[derive(Subcommand)]
pub enum LocateCommand {
    /// Accounts (not closed) whose debtor's mailing address is incomplete — a placement
    /// row gave, say, a state and ZIP code but no street or city: nothing is mailed to
    /// them until the debtor is located.
    List {
        /// One creditor's accounts only.
        #[arg(long)]
        creditor: Option<String>,
        /// Only what this user may see (their role and creditors); default: every
        /// creditor's.
        #[arg(long)]
        user: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub enum CreditorCommand {
    /// Add a creditor with the default policy.
    Add {
        code: String,
        #[arg(long)]
        name: String,
    },
    /// Change policy settings: `arrears creditor set NBANK grace_days=10 commission_bps=3000`.
    #[command(after_help = policy_help())]
    Set {
        code: String,
        /// KEY=VALUE pairs.
        settings: Vec<String>,
        #[arg(long)]
        name: Option<String>,
        #[arg(long, default_value = "policy change")]
        reason: String,
    },
    /// Show a creditor and its policy.
    Show {
        code: String,
        #[arg(long)]
        json: bool,
    },
    /// List creditors.
    List,
}

fn policy_help() -> String {
    let mut help = String::from("Policy keys:\n");
    for (key, meaning) in domain::creditor::POLICY_KEYS {
        help.push_str(&format!("  {key:<28} {meaning}\n"));
    }
    help
}

#[derive(Subcommand)]
pub enum UserCommand {
    /// Add a user; the password is asked for, or read from standard input.
    Add {
        name: String,
        #[arg(long)]
        role: String,
        #[arg(long)]
        password_stdin: bool,
    },
    /// List users.
    List,
    /// Set the creditors (clients) a user works; agents and supervisors see only these.
    Assign {
        name: String,
        /// A creditor code; repeat for several (none: the user sees no accounts).
        #[arg(long = "creditor")]
        creditors: Vec<String>,
    },
    /// Issue an API token for integrations (printed once; only its hash is stored).
    Token {
        name: String,
        /// What the token is for (e.g. "dialer").
        #[arg(long)]
        label: String,
    },
}

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Recompute the hash chain, the sealed head, the ledger's row hashes, the decision
    /// log and every sealed row; exit 1 naming what was edited, deleted or rewound.
    Verify,
    /// Who did what, when and why: the latest events, oldest first.
    Log {
        /// Only events about this entity: an account (`CREDITOR/ACCOUNT_REF`), a user
        /// name, a creditor code or an import id.
        #[arg(long)]
        entity: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: i64,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub enum AdminCommand {
    /// Re-encrypt every sensitive field and re-seal the audit log under a new PII key, in
    /// one transaction (refused when `audit verify` fails). Stop every other `arrears`
    /// process first; afterwards only the new key opens the database.
    RotateKey {
        /// The new key (64 hex digits); a fresh random key is written there (mode 0600)
        /// when the file does not exist.
        #[arg(long)]
        new_key_file: PathBuf,
    },
}

#[derive(Subcommand)]
pub enum ComplianceCommand {
    /// The phones that may be called at an instant, as CSV
    /// (`creditor,account_ref,phone,allowed_until`) for an outbound dialer.
    FilterCalls {
        /// RFC 3339 instant.
        #[arg(long)]
        at: jiff::Timestamp,
        /// One JSON object per line instead of CSV.
        #[arg(long)]
        json: bool,
    },
    /// Answer compliance requests (JSON objects, e.g. JSON Lines) from FILE or standard
    /// input, one answer per line.
    Check { file: Option<PathBuf> },
    /// Ask the compliance engine about one contact with an account, from what the
    /// database knows; the decision is logged (see `compliance log`).
    Ask {
        #[arg(long)]
        creditor: String,
        #[arg(long)]
        account: String,
        /// call, sms, email, letter, visit, credit_report or lawsuit.
        #[arg(long)]
        action: String,
        /// The phone number or email address to use (one of the debtor's).
        #[arg(long)]
        contact: Option<String>,
        /// RFC 3339 instant (default: now).
        #[arg(long)]
        at: Option<jiff::Timestamp>,
        /// The contract's answer JSON instead of a sentence.
        #[arg(long)]
        json: bool,
    },
    /// The compliance decisions logged for an account: when, what, the answer, the rules
    /// and the rule packs in force, who asked.
    Log {
        #[arg(long)]
        creditor: String,
        #[arg(long)]
        account: String,
        /// The latest N decisions.
        #[arg(long, default_value_t = 100)]
        limit: i64,
        /// With the full request and answer of each decision.
        #[arg(long)]
        json: bool,
    },
    /// The rule packs in force (built in, or ARREARS_COMPLIANCE_PACKS), or those of
    /// `--dir`, checked as they load: each pack's version, states and rules.
    Packs {
        /// A folder of pack files (`*.toml`) to check instead.
        #[arg(long)]
        dir: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Assumed receipt and end of the validation period of a notice (12 CFR 1006.34(b)(5)).
    ValidationPeriod {
        /// The date the validation notice was sent.
        #[arg(long)]
        sent_on: Date,
    },
}

#[derive(Subcommand)]
pub enum BatchCommand {
    /// Age every active account as of a date, recording bucket moves (idempotent per date).
    Age {
        /// Business date (default: today).
        #[arg(long)]
        as_of: Option<Date>,
    },
    /// Set every active account's work-queue priority (largest balance first).
    Prioritize,
    /// Review promises, plans and settlements against the payments received: keep,
    /// complete or break them (misses counted after the creditor's grace days).
    Arrangements,
    /// The nightly run as of a date: monitor, accrue, age, status, score, strategy and
    /// queue, chunk by chunk (docs/batch.md). A killed run resumes; a second run for the
    /// same date changes nothing.
    Run {
        /// Business date the run is for (default: today).
        #[arg(long)]
        as_of: Option<Date>,
        /// Compute everything and print what would happen; write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Recompute every night from --as-of to the last run's date, in order (after a
        /// backdated payment or a reversed return).
        #[arg(long)]
        replay: bool,
        /// Leave the treatment steps due for `arrears batch dispatch` (a job of its
        /// own) instead of sending them after the run.
        #[arg(long)]
        no_dispatch: bool,
        /// Print the summary as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Help with the running nightly runs: lease chunks until none is left
    /// (PostgreSQL: several workers on one or many machines).
    Worker {
        /// Keep polling for new runs instead of stopping when none is running.
        #[arg(long)]
        wait: bool,
    },
    /// A SHA-256 of what the nightly engine writes (balances, buckets, scores,
    /// segments, arms, queue, treatment steps), per table and in all: two databases
    /// with the same digest are in the same state.
    Digest,
    /// Send the treatment steps the nightly runs fired (letters, emails, texts,
    /// reviews, escalations), each through compliance; a refused step waits for the
    /// engine's next allowed instant (docs/batch.md, "Treatment steps").
    Dispatch {
        /// Business date (default: today): steps due by then.
        #[arg(long)]
        as_of: Option<Date>,
        /// Print the tally as JSON.
        #[arg(long)]
        json: bool,
    },
    /// The last nightly runs with their counts.
    Runs {
        #[arg(long, default_value_t = 20)]
        limit: i64,
        #[arg(long)]
        json: bool,
    },
}

mod account;
mod admin;
mod audit;
mod batch;
pub mod bench;
mod compliance;
mod demo;
mod dialer;
mod documents;
mod import;
mod letters;
mod locate;
pub mod messages;
mod payments;
pub mod plan;
pub mod strategy;
mod treatment;

use account::*;
use admin::*;
use audit::*;
use batch::*;
use compliance::*;
use demo::*;
use documents::DocumentCommand;
use import::*;
pub use import::{Imported, import_placements_file};
use treatment::*;

pub async fn run(command: Command, globals: Globals) -> Result<ExitCode> {
    match command {
        Command::Serve { listen } => serve(&globals, &listen).await,
        Command::Demo {
            accounts,
            seed,
            listen,
            no_serve,
        } => demo(accounts, seed, &listen, no_serve).await,
        Command::Import(ImportCommand::Placements {
            file,
            mapping,
            placed_on,
            json,
        }) => import_placements(&globals, &file, mapping.as_deref(), placed_on, json).await,
        Command::Import(ImportCommand::Payments {
            file,
            format,
            creditor,
            dry_run,
            json,
        }) => {
            payments::import_payments(
                &globals,
                &file,
                format.as_deref(),
                creditor.as_deref(),
                dry_run,
                json,
            )
            .await
        }
        Command::Generate(GenerateCommand::Placements {
            accounts,
            seed,
            as_of,
        }) => generate(accounts, seed, as_of),
        Command::Account(AccountCommand::Show {
            creditor,
            account_ref,
            as_of,
            json,
        }) => account_show(&globals, &creditor, &account_ref, as_of, json).await,
        Command::Account(AccountCommand::Statement {
            creditor,
            account_ref,
            lang,
            output,
        }) => letters::statement(&globals, &creditor, &account_ref, &lang, &output).await,
        Command::Account(AccountCommand::Document(command)) => {
            documents::document(&globals, command).await
        }
        Command::Account(AccountCommand::Portfolio {
            creditor,
            account_ref,
            output,
        }) => documents::portfolio(&globals, &creditor, &account_ref, &output).await,
        Command::Account(command) => account_change(&globals, command).await,
        Command::Locate(LocateCommand::List {
            creditor,
            user,
            json,
        }) => locate::locate_list(&globals, creditor.as_deref(), user.as_deref(), json).await,
        Command::Creditor(command) => creditor(&globals, command).await,
        Command::Letter(command) => letters::letter(&globals, command).await,
        Command::Letters(command) => letters::letters(&globals, command).await,
        Command::User(command) => user(&globals, command).await,
        Command::Audit(AuditCommand::Verify) => audit_verify(&globals).await,
        Command::Audit(AuditCommand::Log {
            entity,
            limit,
            json,
        }) => audit_log(&globals, entity.as_deref(), limit, json).await,
        Command::Admin(AdminCommand::RotateKey { new_key_file }) => {
            rotate_key(&globals, &new_key_file).await
        }
        Command::Batch(BatchCommand::Age { as_of }) => batch_age(&globals, as_of).await,
        Command::Batch(BatchCommand::Arrangements) => {
            let app = globals.open().await?;
            let changes = app.review_arrangements(&globals.actor()).await?;
            println!("{changes} promises, plans and settlements changed status");
            Ok(ExitCode::SUCCESS)
        }
        Command::Batch(BatchCommand::Run {
            as_of,
            dry_run,
            replay,
            no_dispatch,
            json,
        }) => batch_run(&globals, as_of, dry_run, replay, no_dispatch, json).await,
        Command::Batch(BatchCommand::Worker { wait }) => batch_worker(&globals, wait).await,
        Command::Batch(BatchCommand::Digest) => batch_digest(&globals).await,
        Command::Batch(BatchCommand::Dispatch { as_of, json }) => {
            batch_dispatch(&globals, as_of, json).await
        }
        Command::Batch(BatchCommand::Runs { limit, json }) => {
            batch_runs(&globals, limit, json).await
        }
        Command::Batch(BatchCommand::Prioritize) => {
            let app = globals.open().await?;
            let scored = app.prioritize(&globals.actor()).await;
            app.close().await;
            println!("{} active accounts prioritized", scored?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Compliance(ComplianceCommand::ValidationPeriod { sent_on }) => {
            validation_period(sent_on)
        }
        Command::Compliance(ComplianceCommand::Check { file }) => compliance_check(file.as_deref()),
        Command::Compliance(ComplianceCommand::Ask {
            creditor,
            account,
            action,
            contact,
            at,
            json,
        }) => {
            let app = globals.open().await?;
            let ask = Ask {
                creditor: &creditor,
                account: &account,
                action: &action,
                contact: contact.as_deref(),
                at: at.unwrap_or_else(|| app.now()),
                json,
            };
            let code = compliance_ask(&app, &globals.actor(), &ask).await;
            app.close().await;
            code
        }
        Command::Compliance(ComplianceCommand::Log {
            creditor,
            account,
            limit,
            json,
        }) => {
            let app = globals.open().await?;
            let decisions = app
                .decisions_for_account(&creditor, &account, limit.clamp(1, 100_000))
                .await;
            app.close().await;
            let decisions = decisions?;
            if json {
                println!("{}", output::decisions_json(&decisions));
            } else {
                print!(
                    "{}",
                    output::decisions_text(&creditor, &account, &decisions)
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Compliance(ComplianceCommand::Packs { dir, json }) => {
            compliance_packs(dir.as_deref(), json)
        }
        Command::Compliance(ComplianceCommand::FilterCalls { at, json }) => {
            let app = globals.open().await?;
            let code = dialer::filter_calls(&app, &globals.actor(), at, json).await;
            app.close().await;
            code
        }
        Command::Plan(command) => plan::run(command),
        Command::Remittance {
            creditor,
            from,
            to,
            format,
            output,
        } => payments::remittance(&globals, &creditor, from, to, &format, output.as_deref()).await,
        Command::Report(ReportCommand::Trust { from, to, json }) => {
            payments::trust_report(&globals, from, to, json).await
        }
        Command::Bench(command) => bench::run(command).await,
        Command::Email(command) => messages::email(&globals, command).await,
        Command::Sms(command) => messages::sms(&globals, command).await,
        Command::Outbox(command) => messages::outbox(&globals, command).await,
        Command::Strategy(command) => strategy::strategy(&globals, command).await,
        Command::Score(command) => strategy::score(&globals, command).await,
    }
}

async fn serve(globals: &Globals, listen: &str) -> Result<ExitCode> {
    let store = globals.open_store().await?;
    let config = context::web_config(&globals.db)?;
    // The outbox's deliverer runs beside the server and stops with it: a round in
    // progress finishes, what it claimed is marked (or its lease lapses).
    let deliverer_app =
        app::App::new(store.clone(), config.rules).with_message_settings(config.messages.clone());
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let deliverer = tokio::spawn(app::messages::run_deliverer(
        deliverer_app,
        context::transports()?,
        stopped,
    ));
    let served = web::serve(store, config, listen).await;
    stop.send(true).ok();
    deliverer.await.ok();
    served?;
    Ok(ExitCode::SUCCESS)
}

fn progress_bar(length: u64, message: &'static str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(length);
    bar.set_style(
        ProgressStyle::with_template("{msg:>10} [{bar:40}] {bytes}/{total_bytes} {elapsed}")
            .expect("valid template")
            .progress_chars("=> "),
    );
    bar.set_message(message);
    bar
}
