//! `arrears`: the one binary. Each subcommand parses its input at the edge, calls the
//! store or a service once, and prints text or JSON.

mod commands;
mod context;
mod output;

use clap::Parser;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "arrears",
    version,
    about = "Arrears: open-source collections management"
)]
struct Cli {
    /// Database URL: sqlite://FILE or postgres://USER@HOST/DB.
    #[arg(
        long,
        global = true,
        env = "ARREARS_DATABASE_URL",
        default_value = "sqlite://arrears.db"
    )]
    db: String,
    /// Who is acting, for the audit log (default: cli:$USER).
    #[arg(long, global = true, env = "ARREARS_ACTOR")]
    actor: Option<String>,
    #[command(subcommand)]
    command: commands::Command,
}

/// Errors that mean "your input is wrong" exit with 2; everything else with 1.
#[derive(Debug)]
pub struct InputError(pub String);

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for InputError {}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("ARREARS_LOG")
                .unwrap_or_else(|_| "warn,sqlx=error".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime starts");
    let result = runtime.block_on(commands::run(
        cli.command,
        context::Globals {
            db: cli.db,
            actor: cli.actor,
        },
    ));
    match result {
        Ok(code) => code,
        Err(error) => {
            if let Some(input) = error.downcast_ref::<InputError>() {
                eprintln!("{input}");
                return ExitCode::from(2);
            }
            let store_error = error.downcast_ref::<app::model::StoreError>().or_else(|| {
                match error.downcast_ref::<app::Error>() {
                    Some(app::Error::Store(error)) => Some(error),
                    _ => None,
                }
            });
            if let Some(app::model::StoreError::Invalid(message)) = store_error {
                eprintln!("error: {message}");
                return ExitCode::from(2);
            }
            eprintln!("error: {error:#}");
            ExitCode::from(1)
        }
    }
}
