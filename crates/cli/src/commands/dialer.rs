//! `arrears compliance filter-calls`: the dialer list (`web::dialer`) on standard output.

use anyhow::Result;
use compliance::packs::RuleSet;
use jiff::Timestamp;
use std::io::Write;
use std::process::ExitCode;
use store::Actor;
pub use web::dialer::build_list;

pub async fn filter_calls(
    store: &store::Store,
    actor: &Actor,
    rules: &RuleSet,
    at: Timestamp,
    json: bool,
) -> Result<ExitCode> {
    let (list, tally) = build_list(store, actor, rules, at, json).await?;
    let stdout = std::io::stdout();
    let mut stdout = stdout.lock();
    stdout.write_all(&list)?;
    stdout.flush()?;
    eprintln!("{}", tally.summary(at));
    Ok(ExitCode::SUCCESS)
}
