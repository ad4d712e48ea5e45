//! `arrears letter render|send` and `arrears letters batch` (`app::letters`).

use super::*;
use app::letters::{Agency, Lang, LetterError};
use clap::Subcommand;

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
                .print_batch(&globals.actor(), date, &documents, |bytes| {
                    std::fs::write(&output, bytes)
                })
                .await;
            app.close().await;
            let batch = batch.map_err(failed)?;
            println!(
                "wrote {} ({} letters queued on {date})",
                output.display(),
                batch.letters
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
