//! `arrears account document add|list` and `arrears account portfolio`
//! (`app::documents`).

use super::*;
use app::documents::{DocumentError, size_text};
use std::io::Read;
use std::path::Path;

#[derive(Subcommand)]
pub enum DocumentCommand {
    /// Upload a file to an account (PDF, PNG, JPEG or TIFF, detected from its content;
    /// at most ARREARS_UPLOAD_MAX_BYTES, 10 MiB by default), stored by its SHA-256
    /// under ARREARS_DOCUMENTS_DIR. The same file twice is recorded once.
    Add {
        #[arg(long)]
        creditor: String,
        #[arg(long = "account")]
        account_ref: String,
        #[arg(long)]
        file: PathBuf,
        /// What it is and why it is filed (the audit log's reason).
        #[arg(long, default_value = "")]
        note: String,
    },
    /// The account's letters and uploaded documents, newest first.
    List {
        #[arg(long)]
        creditor: String,
        #[arg(long = "account")]
        account_ref: String,
    },
}

fn failed(error: DocumentError) -> Result<ExitCode> {
    match error {
        DocumentError::Refused { .. } => Err(anyhow!(InputError(error.to_string()))),
        DocumentError::App(app::Error::Store(app::model::StoreError::NotFound(message))) => {
            eprintln!("{message}");
            Ok(ExitCode::from(3))
        }
        DocumentError::App(error) => Err(error.into()),
        other => Err(anyhow!(other.to_string())),
    }
}

pub(crate) async fn document(globals: &Globals, command: DocumentCommand) -> Result<ExitCode> {
    let app = globals.open().await?;
    let result = match command {
        DocumentCommand::Add {
            creditor,
            account_ref,
            file,
            note,
        } => add(&app, globals, &creditor, &account_ref, &file, &note).await,
        DocumentCommand::List {
            creditor,
            account_ref,
        } => match app.operator_documents(&creditor, &account_ref).await {
            Ok(listed) => {
                for document in &listed.documents {
                    println!(
                        "{:>5}  {}  {:<6}  {:<40}  {:>9}  {}  {}",
                        document.id,
                        document.created_at,
                        document.kind,
                        document.name,
                        size_text(u64::try_from(document.size_bytes).unwrap_or(0)),
                        document.created_by.as_deref().unwrap_or("arrears"),
                        document.sha256
                    );
                }
                Ok(ExitCode::SUCCESS)
            }
            Err(error) => failed(error),
        },
    };
    app.close().await;
    result
}

async fn add(
    app: &app::App,
    globals: &Globals,
    creditor: &str,
    account_ref: &str,
    file: &Path,
    note: &str,
) -> Result<ExitCode> {
    let mut input = std::fs::File::open(file)
        .map_err(|error| anyhow!(InputError(format!("{}: {error}", file.display()))))?;
    let name = file
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut upload = match app
        .begin_operator_upload(creditor, account_ref, &name)
        .await
    {
        Ok(upload) => upload,
        Err(error) => return failed(error),
    };
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        let read = input
            .read(&mut buffer)
            .map_err(|error| anyhow!(InputError(format!("{}: {error}", file.display()))))?;
        if read == 0 {
            break;
        }
        if let Err(error) = upload.push(&buffer[..read]) {
            return failed(error);
        }
    }
    match upload.finish(app, &globals.actor(), note).await {
        Ok(uploaded) => {
            match uploaded.recorded {
                app::model::documents::Recorded::New(id) => println!(
                    "{creditor} {account_ref}: document {id} {name} ({}, {}) sha256 {}",
                    uploaded.media.mime(),
                    size_text(uploaded.size),
                    uploaded.sha256
                ),
                app::model::documents::Recorded::Already(id) => println!(
                    "{creditor} {account_ref}: already on file as document {id} (sha256 {}); nothing new stored",
                    uploaded.sha256
                ),
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(error) => failed(error),
    }
}

pub(crate) async fn portfolio(
    globals: &Globals,
    creditor: &str,
    account_ref: &str,
    output: &Path,
) -> Result<ExitCode> {
    let app = globals.open().await?;
    let portfolio = app.portfolio(&globals.actor(), creditor, account_ref).await;
    app.close().await;
    let portfolio = match portfolio {
        Ok(portfolio) => portfolio,
        Err(error) => return failed(error),
    };
    std::fs::write(output, &portfolio.zip)
        .map_err(|error| anyhow!(InputError(format!("{}: {error}", output.display()))))?;
    eprintln!(
        "wrote {} ({} files and manifest.csv, sha256 {})",
        output.display(),
        portfolio.files.len(),
        portfolio.sha256
    );
    Ok(ExitCode::SUCCESS)
}
