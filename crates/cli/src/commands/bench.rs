//! Benchmarks run from the binary; each prints its figure beside a floor measured in the
//! same run. See docs/benchmarks.md.

use anyhow::Result;
use clap::Subcommand;
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum BenchCommand {
    /// Import N generated accounts on SQLite, beside a plain prepared-statement insert of the same rows.
    ImportPlacements {
        #[arg(long, default_value_t = 1_000_000)]
        accounts: u64,
    },
}

pub async fn run(command: BenchCommand) -> Result<ExitCode> {
    match command {
        BenchCommand::ImportPlacements { accounts } => {
            let _ = accounts;
            anyhow::bail!("not yet")
        }
    }
}
