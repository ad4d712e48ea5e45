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
    /// Creditors (clients) and their policies.
    #[command(subcommand)]
    Creditor(CreditorCommand),
    /// System users.
    #[command(subcommand)]
    User(UserCommand),
    /// The tamper-evident audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
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
    /// Recompute the hash chain and ledger row hashes; exit 1 at the first broken link.
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
}

pub mod bench;
mod dialer;
mod payments;
pub mod plan;

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
        Command::Account(command) => account_change(&globals, command).await,
        Command::Creditor(command) => creditor(&globals, command).await,
        Command::User(command) => user(&globals, command).await,
        Command::Audit(AuditCommand::Verify) => audit_verify(&globals).await,
        Command::Audit(AuditCommand::Log {
            entity,
            limit,
            json,
        }) => audit_log(&globals, entity.as_deref(), limit, json).await,
        Command::Batch(BatchCommand::Age { as_of }) => batch_age(&globals, as_of).await,
        Command::Batch(BatchCommand::Arrangements) => {
            let app = globals.open().await?;
            let changes = app.review_arrangements(&globals.actor()).await?;
            println!("{changes} promises, plans and settlements changed status");
            Ok(ExitCode::SUCCESS)
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
    }
}

async fn serve(globals: &Globals, listen: &str) -> Result<ExitCode> {
    let store = globals.open_store().await?;
    web::serve(store, context::web_config()?, listen).await?;
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

pub struct Imported {
    pub summary: placement::FileSummary,
    pub outcome: app::model::import::ImportOutcome,
    /// Every 97th (creditor, account_ref) of the file, for demos and spot checks.
    pub sample: Vec<(String, String)>,
}

/// Reads the file once, writing placements as they parse; a file with any problem is
/// rolled back whole and reported.
pub async fn import_placements_file(
    app: &app::App,
    actor: &app::model::Actor,
    file: &std::path::Path,
    mapping: &Mapping,
    placed_on: Date,
) -> Result<Imported> {
    let size = std::fs::metadata(file)
        .map_err(|error| anyhow!(InputError(format!("{}: {error}", file.display()))))?
        .len();
    let checked = CheckedPlacements::open(file, mapping, placed_on, PROBLEMS_REPORTED_MAX)
        .map_err(|rejection| anyhow!(InputError(rejection.to_string())))?;
    let mut source = FileSource {
        sample: Vec::new(),
        checked: Some(checked),
        bar: progress_bar(size, "importing"),
        summary: None,
    };
    let file_name = file.display().to_string();
    let request = ImportFile {
        file_name: &file_name,
        placed_on,
    };
    let outcome = app.import_placements(actor, &request, &mut source).await;
    source.bar.finish_and_clear();
    let outcome = match outcome {
        Err(app::Error::Store(app::model::StoreError::Rejected(report))) => {
            return Err(anyhow!(InputError(report)));
        }
        other => other?,
    };
    let summary = source.summary.expect("set when the store commits");
    Ok(Imported {
        summary,
        outcome,
        sample: source.sample,
    })
}

/// A placement file as the store reads it, with a progress bar.
/// One placement in this many goes into [`Imported::sample`].
const SAMPLE_EVERY_ROWS: u64 = 97;

struct FileSource {
    sample: Vec<(String, String)>,
    checked: Option<CheckedPlacements<std::fs::File>>,
    bar: ProgressBar,
    summary: Option<placement::FileSummary>,
}

impl app::model::import::PlacementSource for FileSource {
    fn next_placement(&mut self) -> Option<domain::placement::Placement> {
        let checked = self.checked.as_mut()?;
        let placement = checked.next_placement();
        if checked.rows() % 1024 == 0 {
            self.bar.set_position(checked.bytes_read());
        }
        if let Some(placement) = &placement
            && checked.rows() % SAMPLE_EVERY_ROWS == 1
        {
            self.sample.push((
                placement.creditor.to_string(),
                placement.account_ref.to_string(),
            ));
        }
        placement
    }

    fn finish(&mut self) -> std::result::Result<app::model::import::SourceSummary, String> {
        let checked = self.checked.take().expect("finish is called once");
        let summary = checked
            .finish()
            .map_err(|rejection| rejection.to_string())?;
        let result = app::model::import::SourceSummary {
            sha256: summary.sha256.clone(),
            rows: summary.rows,
        };
        self.summary = Some(summary);
        Ok(result)
    }
}

async fn import_placements(
    globals: &Globals,
    file: &std::path::Path,
    mapping: Option<&std::path::Path>,
    placed_on: Option<Date>,
    json: bool,
) -> Result<ExitCode> {
    let mapping = match mapping {
        Some(path) => {
            Mapping::from_toml_file(path).map_err(|error| anyhow!(InputError(error.to_string())))?
        }
        None => Mapping::standard(),
    };
    let placed_on = match placed_on {
        Some(date) => date,
        None => context::today()?,
    };
    let app = globals.open().await?;
    let imported =
        import_placements_file(&app, &globals.actor(), file, &mapping, placed_on).await?;
    output::print_import(&file.display().to_string(), &imported, json);
    app.close().await;
    Ok(ExitCode::SUCCESS)
}

fn generate(accounts: u64, seed: u64, as_of: Option<Date>) -> Result<ExitCode> {
    let as_of = match as_of {
        Some(date) => date,
        None => context::today()?,
    };
    let config = ingest::generate::GeneratorConfig {
        accounts,
        seed,
        as_of,
    };
    let stdout = std::io::stdout().lock();
    let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout);
    ingest::generate::write_placements(&config, &mut out)?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

async fn account_show(
    globals: &Globals,
    creditor: &str,
    account_ref: &str,
    as_of: Option<Date>,
    json: bool,
) -> Result<ExitCode> {
    let as_of = match as_of {
        Some(date) => date,
        None => context::today()?,
    };
    let app = globals.open().await?;
    let view = app.account_as_of(creditor, account_ref, as_of).await?;
    app.close().await;
    let Some(view) = view else {
        eprintln!("no account {account_ref:?} for creditor {creditor:?}");
        return Ok(ExitCode::from(3));
    };
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&app::views::Account::of(&view))?
        );
    } else {
        print!("{}", output::account_text(&view));
    }
    Ok(ExitCode::SUCCESS)
}

fn parse_code<T>(what: &str, text: &str, parse: fn(&str) -> Option<T>, codes: String) -> Result<T> {
    parse(text).ok_or_else(|| {
        anyhow!(InputError(format!(
            "{what} {text:?}: expected one of {codes}"
        )))
    })
}

async fn account_change(globals: &Globals, command: AccountCommand) -> Result<ExitCode> {
    use domain::account::{HoldKind, Status};
    let app = globals.open().await?;
    let actor = globals.actor();
    let result = match command {
        AccountCommand::Show { .. } => unreachable!("handled by account_show"),
        AccountCommand::Status {
            creditor,
            account_ref,
            status,
            reason,
        } => {
            let to = parse_code("status", &status, Status::parse, Status::codes())?;
            app.change_status(&actor, &creditor, &account_ref, to, &reason)
                .await
                .map(|from| {
                    println!("{creditor} {account_ref}: {from} -> {to}");
                })
        }
        AccountCommand::Hold {
            creditor,
            account_ref,
            kind,
            detail,
            reason,
        } => {
            let kind = parse_code("hold", &kind, HoldKind::parse, HoldKind::codes())?;
            app.place_hold(&actor, &creditor, &account_ref, kind, &detail, &reason)
                .await
                .map(|()| {
                    println!("{creditor} {account_ref}: {kind} hold placed");
                })
        }
        AccountCommand::Release {
            creditor,
            account_ref,
            kind,
            reason,
        } => {
            let kind = parse_code("hold", &kind, HoldKind::parse, HoldKind::codes())?;
            app.release_hold(&actor, &creditor, &account_ref, kind, &reason)
                .await
                .map(|()| {
                    println!("{creditor} {account_ref}: {kind} hold released");
                })
        }
    };
    app.close().await;
    match result {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(app::Error::Store(app::model::StoreError::NotFound(message))) => {
            eprintln!("{message}");
            Ok(ExitCode::from(3))
        }
        Err(app::Error::Store(app::model::StoreError::Conflict(message))) => {
            eprintln!("{message}");
            Ok(ExitCode::from(2))
        }
        Err(error) => Err(error.into()),
    }
}

async fn creditor(globals: &Globals, command: CreditorCommand) -> Result<ExitCode> {
    let app = globals.open().await?;
    let actor = globals.actor();
    match command {
        CreditorCommand::Add { code, name } => {
            let code = CreditorCode::parse(&code)
                .map_err(|error| anyhow!(InputError(format!("creditor code {code:?}: {error}"))))?;
            let creditor = app.add_creditor(&actor, &code, &name).await?;
            println!("added creditor {} ({})", creditor.code, creditor.name);
        }
        CreditorCommand::Set {
            code,
            settings,
            name,
            reason,
        } => {
            let pairs = settings
                .iter()
                .map(|setting| {
                    setting
                        .split_once('=')
                        .map(|(key, value)| (key.trim().to_string(), value.trim().to_string()))
                        .ok_or_else(|| {
                            anyhow!(InputError(format!("{setting:?}: expected KEY=VALUE")))
                        })
                })
                .collect::<Result<Vec<_>>>()?;
            let creditor = app
                .set_creditor(&actor, &code, name.as_deref(), &pairs, &reason)
                .await?;
            print!("{}", output::creditor_text(&creditor));
        }
        CreditorCommand::Show { code, json } => {
            let creditor = app
                .creditor(&code)
                .await?
                .ok_or_else(|| anyhow!(InputError(format!("no creditor {code:?}"))))?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&output::creditor_json(&creditor))?
                );
            } else {
                print!("{}", output::creditor_text(&creditor));
            }
        }
        CreditorCommand::List => {
            for creditor in app.creditors().await? {
                println!("{}\t{}", creditor.code, creditor.name);
            }
        }
    }
    app.close().await;
    Ok(ExitCode::SUCCESS)
}

async fn user(globals: &Globals, command: UserCommand) -> Result<ExitCode> {
    let app = globals.open().await?;
    match command {
        UserCommand::Add {
            name,
            role,
            password_stdin,
        } => {
            let role = Role::parse(&role).ok_or_else(|| {
                anyhow!(InputError(format!(
                    "--role {role:?}: expected one of {}",
                    Role::codes()
                )))
            })?;
            let password = read_password(password_stdin)?;
            let user = app
                .add_user(&globals.actor(), &name, role, &password)
                .await?;
            println!("added user {} ({})", user.username, user.role);
        }
        UserCommand::List => {
            for user in app.users().await? {
                let state = if user.disabled { "disabled" } else { "active" };
                println!("{}\t{}\t{state}", user.username, user.role);
            }
        }
        UserCommand::Assign { name, creditors } => {
            app.assign_creditors(&globals.actor(), &name, &creditors)
                .await?;
            println!(
                "{name} works {}",
                if creditors.is_empty() {
                    "no creditor".to_string()
                } else {
                    creditors.join(", ")
                }
            );
        }
        UserCommand::Token { name, label } => {
            let token = app
                .create_api_token(&globals.actor(), &name, &label)
                .await?;
            println!("{token}");
        }
    }
    app.close().await;
    Ok(ExitCode::SUCCESS)
}

fn read_password(from_stdin: bool) -> Result<String> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        return Ok(line.trim_end_matches(['\r', '\n']).to_string());
    }
    let first = rpassword::prompt_password("Password: ")?;
    let second = rpassword::prompt_password("Repeat password: ")?;
    if first != second {
        return Err(anyhow!(InputError("the passwords differ".into())));
    }
    Ok(first)
}

/// All requests are parsed before any is answered: one malformed request means no
/// answers at all (exit 2), naming its number, line and field.
fn compliance_check(file: Option<&std::path::Path>) -> Result<ExitCode> {
    let rules = context::rule_set()?;
    let text = match file {
        Some(path) => std::fs::read_to_string(path)
            .map_err(|error| anyhow!(InputError(format!("{}: {error}", path.display()))))?,
        None => std::io::read_to_string(std::io::stdin())?,
    };
    let mut requests = Vec::new();
    let mut stream = serde_json::Deserializer::from_str(&text).into_iter::<serde_json::Value>();
    let mut start = 0;
    loop {
        let line = line_of(&text, start);
        let number = requests.len() + 1;
        let value = match stream.next() {
            None => break,
            Some(Ok(value)) => value,
            Some(Err(error)) => {
                return Err(anyhow!(InputError(format!(
                    "request {number} (line {}): not JSON: {error}",
                    error.line()
                ))));
            }
        };
        start = stream.byte_offset();
        let request = app::compliance_json::parse_request(&value).map_err(|malformed| {
            anyhow!(InputError(format!(
                "request {number} (line {line}): {}: {}",
                malformed.field, malformed.reason
            )))
        })?;
        requests.push(request);
    }
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    for request in &requests {
        let answer = rules.check(request);
        writeln!(out, "{}", app::compliance_json::answer_json(&answer))?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

struct Ask<'a> {
    creditor: &'a str,
    account: &'a str,
    action: &'a str,
    contact: Option<&'a str>,
    at: jiff::Timestamp,
    json: bool,
}

async fn compliance_ask(
    app: &app::App,
    actor: &app::model::Actor,
    ask: &Ask<'_>,
) -> Result<ExitCode> {
    let action = compliance::facts::Action::parse(ask.action).ok_or_else(|| {
        anyhow!(InputError(format!(
            "--action {:?}: not one of call, sms, email, letter, visit, credit_report, lawsuit",
            ask.action
        )))
    })?;
    let asked = app
        .ask(
            actor,
            app::contact::AskedBy::Cli,
            &app::contact::Question {
                creditor: ask.creditor,
                account_ref: ask.account,
                action,
                contact: ask.contact,
                at: ask.at,
            },
        )
        .await
        .map_err(|error| match error {
            app::contact::AskError::UnknownContact => anyhow!(InputError(format!(
                "--contact {:?}: not one of the debtor's contact points",
                ask.contact.unwrap_or_default()
            ))),
            app::contact::AskError::App(error) => anyhow!(error),
        })?;
    if ask.json {
        println!("{}", app::compliance_json::answer_json(&asked.answer));
    } else {
        print!("{}", output::answer_text(ask.action, ask.at, &asked.answer));
        if asked.zones.basis == app::contact::ZoneBasis::EveryUsZone {
            println!(
                "the debtor's time zone is unknown: checked as if anywhere in the fifty states and DC"
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn compliance_packs(dir: Option<&std::path::Path>, json: bool) -> Result<ExitCode> {
    let loaded;
    let rules = match dir {
        Some(dir) => {
            loaded = context::load_rule_set(dir)?;
            &loaded
        }
        None => context::rule_set()?,
    };
    if json {
        println!("{}", output::rule_set_json(rules));
    } else {
        print!("{}", output::rule_set_text(rules));
    }
    Ok(ExitCode::SUCCESS)
}

/// The line (1-based) of the first non-blank character at or after byte `from`.
fn line_of(text: &str, from: usize) -> usize {
    let skipped = text[from..].len() - text[from..].trim_start().len();
    text[..from + skipped].matches('\n').count() + 1
}

fn validation_period(sent_on: Date) -> Result<ExitCode> {
    let period = compliance::validation::validation_period(sent_on).ok_or_else(|| {
        anyhow!(InputError(format!(
            "--sent-on {sent_on}: too close to the end of the calendar"
        )))
    })?;
    let answer = serde_json::json!({
        "assumed_receipt_on": period.assumed_receipt_on.to_string(),
        "validation_period_ends_on": period.ends_on.to_string(),
    });
    println!("{answer}");
    Ok(ExitCode::SUCCESS)
}

async fn batch_age(globals: &Globals, as_of: Option<Date>) -> Result<ExitCode> {
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

async fn audit_log(
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

async fn audit_verify(globals: &Globals) -> Result<ExitCode> {
    let app = globals.open().await?;
    let report = app.verify_audit().await?;
    app.close().await;
    match report.broken {
        None => {
            let plural = |count: u64, one: &str, many: &str| {
                format!("{count} {}", if count == 1 { one } else { many })
            };
            println!(
                "audit log intact: {}, {}, {} verified",
                plural(report.events, "event", "events"),
                plural(report.ledger_entries, "ledger entry", "ledger entries"),
                plural(
                    report.decisions,
                    "compliance decision",
                    "compliance decisions"
                )
            );
            Ok(ExitCode::SUCCESS)
        }
        Some(broken) => {
            println!("audit log BROKEN: {broken}");
            Ok(ExitCode::from(1))
        }
    }
}

/// Demo users: (name, role). Their password is printed when the demo starts.
pub const DEMO_USERS: &[(&str, Role)] = &[
    ("agent", Role::Agent),
    ("agent2", Role::Agent),
    ("supervisor", Role::Supervisor),
    ("manager", Role::Manager),
    ("billing", Role::Billing),
    ("admin", Role::Admin),
    ("auditor", Role::Auditor),
];
pub const DEMO_PASSWORD: &str = "arrears-demo-2026";
pub const DEMO_DATABASE: &str = "arrears-demo.db";
const DEMO_PLACED_DAYS_AGO: i64 = 30;

/// A sample of accounts of the demo portfolio, spread over the file.
fn file_refs(imported: &Imported) -> Vec<(String, String)> {
    imported.sample.clone()
}

/// A morning's work by the demo agent, so the workspace opens on real history: call
/// attempts (each allowed by the compliance engine at its time, with its decision),
/// promises, notes and a few callbacks. Returns (attempts, promises).
async fn demo_activity(app: &app::App, agent_id: i64) -> Result<(usize, usize)> {
    use domain::contact::Disposition;
    let agent = app.session_user(agent_id).await?;
    let now = app.now();
    let today = context::today()?;
    let dispositions = [
        Disposition::NoAnswer,
        Disposition::LeftMessage,
        Disposition::RightPartyContact,
        Disposition::Busy,
        Disposition::Promise,
    ];
    let (mut attempts, mut promises) = (0, 0);
    let candidates = app.queue_candidates(&agent, 40).await?;
    for (index, candidate) in candidates.iter().enumerate() {
        // Earlier this morning: the agent worked the queue at its own pace.
        let at = now
            .checked_sub(jiff::Span::new().minutes(30 + 7 * index as i64))
            .unwrap_or(now);
        let then = app.at(at);
        let known = then
            .known(&candidate.creditor, &candidate.account_ref)
            .await?;
        let Some(phone) = known.usable_point(compliance::facts::Action::Call) else {
            continue;
        };
        let Some(view) = app
            .account_as_of(&candidate.creditor, &candidate.account_ref, today)
            .await?
        else {
            continue;
        };
        let disposition = dispositions[index % dispositions.len()];
        let input = app::workspace::AttemptInput {
            action: compliance::facts::Action::Call,
            contact: Some(phone.value.clone()),
            disposition,
            note: (disposition == Disposition::RightPartyContact)
                .then(|| "Debtor confirmed the address; asked for a payoff letter.".to_string()),
            version: view.version,
        };
        // Refused at that time (the hour, the week's calls): the agent moved on.
        let app::workspace::Attempted::Logged(_) = then.log_attempt(&agent, &view, &input).await?
        else {
            continue;
        };
        attempts += 1;
        let version = view.version + 1;
        if disposition == Disposition::Promise {
            let part = domain::money::Amount::from_minor((view.balance().minor() / 10).max(2_500));
            let lines = [7, 21].map(|days| app::workspace::PromiseLine {
                row: 1,
                due_on: today + jiff::Span::new().days(days),
                amount: part,
            });
            if app
                .record_promise(&agent, &view, version, &lines)
                .await?
                .is_ok()
            {
                promises += 1;
            }
        }
        if disposition == Disposition::RightPartyContact {
            let tomorrow = now.checked_add(jiff::Span::new().hours(24)).unwrap_or(now);
            let zone = app::contact::zones_now(&view.time_zones, view.state.as_deref(), None);
            let local = zone.display().to_datetime(tomorrow);
            app.schedule_callback(
                &agent,
                &view,
                version,
                local,
                Some("call back after payday"),
            )
            .await?
            .map_err(|_| anyhow!("a callback tomorrow is in the future"))?;
        }
    }
    Ok((attempts, promises))
}

/// Money a month after placement: a lockbox file of payments (two that match nothing,
/// for the exceptions list, and one returned NSF), plans and settlements the agent
/// agreed, some waiting for the supervisor, and a refund of an overpayment.
async fn demo_money(
    app: &app::App,
    actor: &app::model::Actor,
    agent_id: i64,
) -> Result<(u64, u64, usize, usize, bool)> {
    use app::model::arrangements::MoneyChange;
    use domain::money::Amount;
    use domain::payment::{
        IncomingPayment, IncomingReturn, Item, ItemKind, Method, Original, Source,
    };
    let agent = app.session_user(agent_id).await?;
    // The clients' contracts: no agent settles for less than 250.00 on their own.
    for creditor in app.creditors().await? {
        app.set_creditor(
            actor,
            &creditor.code,
            None,
            &[("agent_settlement_floor".into(), "250.00".into())],
            "demo: client contract sets an agent settlement floor",
        )
        .await?;
    }
    let today = context::today()?;
    let days = |count: i64| today + jiff::Span::new().days(count);
    let candidates = app.queue_candidates(&agent, 60).await?;
    let mut views = Vec::new();
    for candidate in &candidates {
        if let Some(view) = app
            .account_as_of(&candidate.creditor, &candidate.account_ref, today)
            .await?
            && view.balance().minor() > 300_00
        {
            views.push(view);
        }
    }
    if views.len() < 20 {
        return Ok((0, 0, 0, 0, false));
    }
    // The lockbox file: accounts 10.. pay something last week.
    let mut items = Vec::new();
    for (index, view) in views[10..].iter().enumerate() {
        let amount =
            Amount::from_minor((view.balance().minor() / (3 + index as i64 % 5)).max(25_00));
        items.push(Item {
            line: index as u64 + 2,
            kind: ItemKind::Payment(IncomingPayment {
                creditor: Some(view.creditor.clone()),
                account_ref: view.account_ref.clone(),
                fallback_ref: None,
                payment_ref: format!("LBX-{}", 7100 + index),
                paid_on: days(-7 + index as i64 % 5),
                amount,
                method: if index % 3 == 0 {
                    Method::Check
                } else {
                    Method::Ach
                },
                trace: None,
            }),
        });
    }
    let creditor = views[0].creditor.clone();
    for (line, reference) in [(90, "0000000000"), (91, "UNKNOWN-4471")] {
        items.push(Item {
            line,
            kind: ItemKind::Payment(IncomingPayment {
                creditor: Some(creditor.clone()),
                account_ref: reference.into(),
                fallback_ref: None,
                payment_ref: format!("LBX-X{line}"),
                paid_on: days(-6),
                amount: Amount::from_minor(75_00),
                method: Method::Check,
                trace: None,
            }),
        });
    }
    let posting = |source, file_name, reason| Posting {
        source,
        file_name,
        sha256: "",
        user_id: None,
        reason,
        dry_run: false,
    };
    use app::model::money::Posting;
    let report = app
        .post_payments(
            actor,
            &posting(Source::Csv, "lockbox-demo.csv", "lockbox file"),
            &items,
        )
        .await?;
    // The bank returns one of them for insufficient funds.
    let returned = &views[10];
    let nsf = Item {
        line: 2,
        kind: ItemKind::Return(IncomingReturn {
            creditor: Some(returned.creditor.clone()),
            original: Original::PaymentRef("LBX-7100".into()),
            return_ref: "RET-7100".into(),
            returned_on: days(-2),
            amount: match &items[0].kind {
                ItemKind::Payment(payment) => payment.amount,
                ItemKind::Return(_) => unreachable!("the first item is a payment"),
            },
            return_code: None,
        }),
    };
    app.post_payments(
        actor,
        &posting(Source::Csv, "returns-demo.csv", "returned items"),
        &[nsf],
    )
    .await?;
    let mut plans = 0;
    let mut settlements = 0;
    let mut refunded = false;
    for (index, stale) in views[..10].iter().enumerate() {
        // The lockbox file may have paid into the same debtor's accounts: read it again.
        let Some(view) = app
            .account_as_of(&stale.creditor, &stale.account_ref, today)
            .await?
        else {
            continue;
        };
        let view = &view;
        let balance = view.balance();
        if !balance.is_positive() {
            continue;
        }
        match index {
            // Plans within policy (6 and 12 monthly installments) and one of 60, over the
            // creditor's longest term, waiting for the supervisor: the store decides.
            0..=2 => {
                let request = app::money::PlanRequest {
                    frequency: domain::plan::Frequency::Monthly,
                    sizing: domain::plan::Sizing::Count([6, 12, 60][index]),
                    first_due: days(10),
                    down_payment: Amount::ZERO,
                    down_payment_on: None,
                    apr: domain::money::BasisPoints::new(0).expect("zero"),
                };
                if app
                    .agree_plan(&agent, view, view.version, &request)
                    .await?
                    .is_ok()
                {
                    plans += 1;
                }
            }
            // Settlements: 15% off (within the agent's authority) and 35% off (needs a
            // supervisor).
            3 | 4 => {
                let discount_bps = if index == 3 { 1500 } else { 3500 };
                let offer = Amount::from_minor(balance.minor() * (10_000 - discount_bps) / 10_000);
                let line = app::money::SettlementLine {
                    row: 1,
                    due_on: days(14),
                    amount: offer,
                };
                if app
                    .offer_settlement(&agent, view, view.version, &[line])
                    .await?
                    .is_ok()
                {
                    settlements += 1;
                }
            }
            // An overpayment by wire and the agent's refund request, on a debtor with no
            // other account (what is paid beyond a balance goes to the debtor's other
            // debts first, leaving no credit to refund).
            5.. if !refunded && app.account_records(&agent, view).await?.accounts.len() == 1 => {
                refunded = true;
                let payment = app::money::NewPayment {
                    amount: Amount::from_minor(balance.minor() + 40_00),
                    method: Method::Wire,
                    paid_on: Some(days(-3)),
                    reference: format!("WIRE-{}", view.account_id),
                };
                app.take_payment(&agent, view, view.version, &payment, Source::Agent)
                    .await?
                    .map_err(|problems| anyhow!("the demo's wire payment: {problems:?}"))?;
                let Some(paid) = app
                    .account_as_of(&view.creditor, &view.account_ref, today)
                    .await?
                else {
                    continue;
                };
                let refund = app::money::ChangeRequest {
                    change: MoneyChange::Refund,
                    amount: None,
                    bucket: domain::ledger::Bucket::Principal,
                    reason_code: "overpayment".into(),
                    note: "debtor wired 40.00 more than the payoff".into(),
                };
                app.request_change(&agent, &paid, paid.version, &refund)
                    .await?
                    .map_err(|problems| anyhow!("the demo's refund: {problems:?}"))?;
            }
            _ => {}
        }
    }
    Ok((
        report.payments_posted,
        report.exceptions_added,
        plans,
        settlements,
        refunded,
    ))
}

/// Holds and status changes a real portfolio has a month after placement.
async fn demo_flags(
    app: &app::App,
    actor: &app::model::Actor,
    accounts: &[(String, String)],
) -> Result<usize> {
    use domain::account::{HoldKind, Status};
    let mut flagged = 0;
    for (index, (creditor, account_ref)) in accounts.iter().enumerate() {
        let result = match index % 7 {
            0 => {
                app.place_hold(
                    actor,
                    creditor,
                    account_ref,
                    HoldKind::Dispute,
                    "debtor says the balance was paid in full",
                    "verbal dispute on inbound call",
                )
                .await
            }
            1 => {
                app.place_hold(
                    actor,
                    creditor,
                    account_ref,
                    HoldKind::Cease,
                    "letter dated last week",
                    "written cease-communication request",
                )
                .await
            }
            2 => {
                app.place_hold(
                    actor,
                    creditor,
                    account_ref,
                    HoldKind::Attorney,
                    "Ramirez & Cole LLP, (555) 010-2233",
                    "debtor represented by counsel",
                )
                .await
            }
            3 => {
                app.place_hold(
                    actor,
                    creditor,
                    account_ref,
                    HoldKind::Bankruptcy,
                    "case 26-10457, chapter 7, filed 2026-10-02",
                    "bankruptcy notice from court",
                )
                .await
            }
            4 => {
                app.place_hold(
                    actor,
                    creditor,
                    account_ref,
                    HoldKind::Deceased,
                    "obituary on file",
                    "next of kin reported death",
                )
                .await
            }
            5 => app
                .change_status(
                    actor,
                    creditor,
                    account_ref,
                    Status::Recalled,
                    "creditor recalled the account",
                )
                .await
                .map(|_| ()),
            _ => app
                .change_status(
                    actor,
                    creditor,
                    account_ref,
                    Status::Closed,
                    "closed: sold to debt buyer",
                )
                .await
                .map(|_| ()),
        };
        result?;
        flagged += 1;
    }
    Ok(flagged)
}

async fn demo(accounts: u64, seed: u64, listen: &str, no_serve: bool) -> Result<ExitCode> {
    for suffix in ["", "-wal", "-shm", ".key"] {
        let path = format!("{DEMO_DATABASE}{suffix}");
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(error) => return Err(error).with_context(|| format!("cannot remove {path}")),
        }
    }
    let db = format!("sqlite://{DEMO_DATABASE}");
    let app = app::App::new(context::open_store(&db).await?, context::rule_set()?);
    let actor = app::model::Actor::new("demo");
    let today = context::today()?;
    // The portfolio was placed a month ago, so tonight's aging run has moves to record.
    let placed_on = today - jiff::Span::new().days(DEMO_PLACED_DAYS_AGO);
    let file = std::env::temp_dir().join(format!("arrears-demo-{}.csv", std::process::id()));
    {
        let config = ingest::generate::GeneratorConfig {
            accounts,
            seed,
            as_of: placed_on,
        };
        let mut out = std::io::BufWriter::new(std::fs::File::create(&file)?);
        ingest::generate::write_placements(&config, &mut out)?;
        out.flush()?;
    }
    let imported =
        import_placements_file(&app, &actor, &file, &Mapping::standard(), placed_on).await;
    std::fs::remove_file(&file).ok();
    let imported = imported?;
    let aged = app.age_accounts(&actor, today).await?;
    let refs = file_refs(&imported);
    let flagged = demo_flags(&app, &actor, &refs).await?;
    // A dialer list as of now, so the decision log has entries (at night they are all
    // denials by the time of day: also worth seeing).
    let now = app.now();
    let (_, dialed) = app.dialer_list(&actor, now, false).await?;
    let mut agent_id = None;
    for (name, role) in DEMO_USERS {
        let user = app.add_user(&actor, name, *role, DEMO_PASSWORD).await?;
        if *name == "agent" {
            agent_id = Some(user.id);
        }
    }
    // Agents and supervisors see only the creditors they work: the first agent works
    // every client, the second all but the first (to show segregation).
    let creditors: Vec<String> = imported.summary.creditors.iter().cloned().collect();
    for (name, role) in DEMO_USERS {
        let works = match (*name, role) {
            ("agent2", _) => creditors[1..].to_vec(),
            (_, Role::Agent | Role::Supervisor) => creditors.clone(),
            _ => continue,
        };
        app.assign_creditors(&actor, name, &works).await?;
    }
    app.prioritize(&actor).await?;
    let (attempts, promises) = match agent_id {
        Some(id) => demo_activity(&app, id).await?,
        None => (0, 0),
    };
    let (paid, exceptions, plans, settlements, refunded) = match agent_id {
        Some(id) => demo_money(&app, &actor, id).await?,
        None => (0, 0, 0, 0, false),
    };
    println!(
        "Arrears demo: {DEMO_DATABASE} with {} accounts of {} debtors for creditors {}",
        imported.outcome.accounts_created,
        imported.outcome.debtors_created,
        imported
            .summary
            .creditors
            .iter()
            .cloned()
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!(
        "placed {placed_on}, aged to {today} ({} bucket moves); {flagged} accounts with holds or a changed status",
        aged.moves
    );
    println!(
        "dialer list at {now}: {} phones callable, {} denied by the compliance check ({} decisions logged)",
        dialed.listed, dialed.denied, dialed.logged
    );
    if let Some((creditor, account_ref)) = refs.first() {
        println!(
            "  why each was or wasn't listed: arrears --db {db} compliance log --creditor {creditor} --account {account_ref}"
        );
    }
    println!(
        "the agent's morning: {attempts} call attempts (each checked by the compliance engine), {promises} promises to pay, callbacks for tomorrow"
    );
    println!(
        "money: a lockbox file of {paid} payments (one returned NSF, {exceptions} unmatched on the exceptions list), {plans} payment plans and {settlements} settlements (some waiting for the supervisor's approval){}",
        if refunded { ", a refund request" } else { "" }
    );
    let month_start = today.first_of_month();
    println!(
        "  remittance: arrears --db {db} remittance --creditor CODE --from {month_start} --to {today} [--format pdf --output FILE]"
    );
    println!("Demo users (password {DEMO_PASSWORD:?} for each):");
    for (name, role) in DEMO_USERS {
        println!("  {name:<12} {role}");
    }
    if no_serve {
        app.close().await;
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "Serving on http://{listen}/  (Ctrl-C to stop): sign in as agent (N: next account) or supervisor (Team)"
    );
    web::serve(app.store().clone(), context::web_config()?, listen).await?;
    Ok(ExitCode::SUCCESS)
}
