//! `arrears letter render|send` and `arrears letters batch` (`app::letters`).

use super::*;
use app::letters::{Agency, Lang, LetterError};
use clap::Subcommand;
use std::path::Path;

#[derive(Subcommand)]
pub enum LetterCommand {
    /// Render a letter to a PDF without sending it (a preview).
    Render {
        #[arg(long)]
        creditor: String,
        #[arg(long = "account")]
        account_ref: String,
        #[arg(long)]
        template: String,
        /// en | es (default: en).
        #[arg(long, default_value = "en")]
        lang: String,
        #[arg(long)]
        output: PathBuf,
    },
    /// Send a letter: compliance first, then the document stored and queued for print.
    Send {
        #[arg(long)]
        creditor: String,
        #[arg(long = "account")]
        account_ref: String,
        #[arg(long)]
        template: String,
        #[arg(long, default_value = "en")]
        lang: String,
    },
}

#[derive(Subcommand)]
pub enum LettersCommand {
    /// Export the letters queued on a day, not exported before, as a ZIP of PDFs and
    /// manifest.csv for a print-and-mail vendor.
    Batch {
        #[arg(long)]
        date: Date,
        #[arg(long)]
        output: PathBuf,
    },
    /// Record returned mail from a CSV file (columns document_sha256, returned_on,
    /// reason): the addresses are undeliverable and the accounts join the locate list.
    /// All or nothing; a file read twice changes nothing.
    Returns { file: PathBuf },
}

/// The agency letters come from: `ARREARS_AGENCY_NAME`, `ARREARS_AGENCY_ADDRESS`
/// (lines separated by `|`), `ARREARS_AGENCY_PHONE`.
pub(crate) fn agency() -> Agency {
    let var = |name: &str, default: &str| std::env::var(name).unwrap_or_else(|_| default.into());
    Agency {
        name: var("ARREARS_AGENCY_NAME", "Arrears Collection Agency"),
        address: var(
            "ARREARS_AGENCY_ADDRESS",
            "100 Main Street|Springfield, IL 62701",
        )
        .split('|')
        .map(|line| line.trim().to_string())
        .filter(|line| !line.is_empty())
        .collect(),
        phone: var("ARREARS_AGENCY_PHONE", "(800) 555-0100"),
    }
}

/// Where documents are stored: `ARREARS_DOCUMENTS_DIR`, else `documents/` beside the
/// SQLite database file. A PostgreSQL installation must set `ARREARS_DOCUMENTS_DIR`.
pub(crate) fn documents_dir(db: &str) -> Result<PathBuf> {
    if let Ok(dir) = std::env::var("ARREARS_DOCUMENTS_DIR") {
        return Ok(PathBuf::from(dir));
    }
    match app::model::db::sqlite_path(db) {
        Some(file) => Ok(file
            .parent()
            .map(|parent| parent.to_path_buf())
            .unwrap_or_default()
            .join("documents")),
        None => Err(anyhow!(InputError(
            "ARREARS_DOCUMENTS_DIR: set it to the folder letters are stored in (required with PostgreSQL)".into()
        ))),
    }
}

/// The accounts of a placement file in the standard layout: (creditor, account_ref,
/// the debtor's language, English when not given).
pub(crate) fn file_accounts(file: &Path) -> Result<Vec<(String, String, Lang)>> {
    let mut reader = csv::Reader::from_path(file)?;
    let headers = reader.headers()?.clone();
    let column = |name: &str| headers.iter().position(|header| header == name);
    let (Some(creditor), Some(account)) = (column("creditor"), column("account_ref")) else {
        return Err(anyhow!(
            "{}: no creditor and account_ref columns",
            file.display()
        ));
    };
    let language = column("language");
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record?;
        rows.push((
            record.get(creditor).unwrap_or_default().to_string(),
            record.get(account).unwrap_or_default().to_string(),
            language
                .and_then(|index| record.get(index))
                .and_then(Lang::parse)
                .unwrap_or(Lang::En),
        ));
    }
    Ok(rows)
}

fn lang(code: &str) -> Result<Lang> {
    Lang::parse(code)
        .ok_or_else(|| anyhow!(InputError(format!("--lang {code:?}: expected en or es"))))
}

fn failed(error: LetterError) -> anyhow::Error {
    match error {
        LetterError::App(error) => anyhow!(error),
        LetterError::Documents { .. } | LetterError::Pdf(_) => anyhow!(error.to_string()),
        other => anyhow!(InputError(other.to_string())),
    }
}

pub(crate) async fn letter(globals: &Globals, command: LetterCommand) -> Result<ExitCode> {
    let agency = agency();
    match command {
        LetterCommand::Render {
            creditor,
            account_ref,
            template,
            lang: code,
            output,
        } => {
            let lang = lang(&code)?;
            let app = globals.open().await?;
            let letter = app
                .render_letter(
                    &creditor,
                    &account_ref,
                    &template,
                    lang,
                    &agency,
                    app.today(),
                )
                .await;
            app.close().await;
            let letter = letter.map_err(failed)?;
            std::fs::write(&output, &letter.pdf)
                .map_err(|error| anyhow!(InputError(format!("{}: {error}", output.display()))))?;
            eprintln!(
                "wrote {} ({template} {code}, version {}, not sent)",
                output.display(),
                letter.template.version
            );
        }
        LetterCommand::Send {
            creditor,
            account_ref,
            template,
            lang: code,
        } => {
            let lang = lang(&code)?;
            let documents = documents_dir(&globals.db)?;
            let app = globals.open().await?;
            let sent = app
                .send_letter(
                    &globals.actor(),
                    &creditor,
                    &account_ref,
                    &template,
                    lang,
                    &agency,
                    &documents,
                )
                .await;
            app.close().await;
            match sent {
                Ok(sent) => println!(
                    "sent {template} ({code}) to {creditor}/{account_ref}: document {} sha256 {} queued for print",
                    sent.document_id, sent.sha256
                ),
                Err(LetterError::Refused(rules)) => {
                    eprintln!("refused by compliance: {}", rules.join(", "));
                    return Ok(ExitCode::from(1));
                }
                Err(error) => return Err(failed(error)),
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) async fn letters(globals: &Globals, command: LettersCommand) -> Result<ExitCode> {
    match command {
        LettersCommand::Batch { date, output } => {
            let documents = documents_dir(&globals.db)?;
            let app = globals.open().await?;
            let batch = app
                .print_batch(&globals.actor(), date, &documents, &output)
                .await;
            app.close().await;
            let batch = batch.map_err(failed)?;
            println!(
                "wrote {} ({} letters queued on {date}{})",
                output.display(),
                batch.letters,
                if batch.resumed {
                    "; the batch an earlier run left unfinished, written again"
                } else {
                    ""
                }
            );
        }
        LettersCommand::Returns { file } => return returns(globals, &file).await,
    }
    Ok(ExitCode::SUCCESS)
}

/// Reads a return file: every problem named `FILE:LINE: FIELD: reason`.
fn read_returns(file: &Path) -> Result<Vec<app::letters::ReturnRow>, Vec<String>> {
    let name = file.display();
    let mut reader = match csv::ReaderBuilder::new().flexible(true).from_path(file) {
        Ok(reader) => reader,
        Err(error) => return Err(vec![format!("{name}: {error}")]),
    };
    let headers = match reader.headers() {
        Ok(headers) => headers.clone(),
        Err(error) => return Err(vec![format!("{name}:1: {error}")]),
    };
    let column = |wanted: &str| headers.iter().position(|h| h.trim() == wanted);
    let (Some(sha), Some(on)) = (column("document_sha256"), column("returned_on")) else {
        return Err(vec![format!(
            "{name}:1: header: expected the columns document_sha256, returned_on (and reason)"
        )]);
    };
    let why = column("reason");
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    for record in reader.records() {
        let record = match record {
            Ok(record) => record,
            Err(error) => {
                let line = error.position().map_or(0, |p| p.line());
                problems.push(format!("{name}:{line}: {error}"));
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        let value = |index: usize| record.get(index).unwrap_or("").trim().to_string();
        let sha256 = value(sha).to_ascii_lowercase();
        if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
            problems.push(format!(
                "{name}:{line}: document_sha256: {:?}: expected 64 hexadecimal digits",
                value(sha)
            ));
        }
        let returned_on = match value(on).parse::<Date>() {
            Ok(day) => Some(day),
            Err(_) => {
                problems.push(format!(
                    "{name}:{line}: returned_on: {:?}: expected a date YYYY-MM-DD",
                    value(on)
                ));
                None
            }
        };
        if let Some(returned_on) = returned_on {
            rows.push(app::letters::ReturnRow {
                line,
                sha256,
                returned_on,
                reason: why.map(value).unwrap_or_default(),
            });
        }
    }
    if problems.is_empty() {
        Ok(rows)
    } else {
        Err(problems)
    }
}

async fn returns(globals: &Globals, file: &Path) -> Result<ExitCode> {
    let rows = match read_returns(file) {
        Ok(rows) => rows,
        Err(problems) => {
            for problem in &problems {
                eprintln!("{problem}");
            }
            return Err(anyhow!(InputError(format!(
                "{}: {} problem(s); nothing recorded",
                file.display(),
                problems.len()
            ))));
        }
    };
    let app = globals.open().await?;
    let recorded = app
        .record_mail_returns(&globals.actor(), &file.display().to_string(), &rows)
        .await;
    app.close().await;
    match recorded? {
        Ok(new) => {
            println!(
                "{new} returned letter(s) recorded, {} already known; their addresses are undeliverable",
                rows.len() - new
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(problems) => {
            for problem in &problems {
                eprintln!(
                    "{}:{}: {}: {}",
                    file.display(),
                    problem.line,
                    problem.field,
                    problem.reason
                );
            }
            Err(anyhow!(InputError(format!(
                "{}: {} problem(s); nothing recorded",
                file.display(),
                problems.len()
            ))))
        }
    }
}

pub(crate) async fn statement(
    globals: &Globals,
    creditor: &str,
    account_ref: &str,
    code: &str,
    output: &Path,
) -> Result<ExitCode> {
    let lang = lang(code)?;
    let app = globals.open().await?;
    let pdf = app.statement(creditor, account_ref, lang).await;
    app.close().await;
    let pdf = match pdf {
        Ok(pdf) => pdf,
        Err(LetterError::NoAccount(what)) => {
            eprintln!("no account {what}");
            return Ok(ExitCode::from(3));
        }
        Err(error) => return Err(failed(error)),
    };
    std::fs::write(output, &pdf)
        .map_err(|error| anyhow!(InputError(format!("{}: {error}", output.display()))))?;
    eprintln!("wrote {}", output.display());
    Ok(ExitCode::SUCCESS)
}
