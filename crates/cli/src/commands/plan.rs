//! `arrears plan …`: payment plan quotes. (Being written.)

use anyhow::Result;
use clap::Subcommand;
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum PlanCommand {}

pub fn run(command: PlanCommand) -> Result<ExitCode> {
    match command {}
}
