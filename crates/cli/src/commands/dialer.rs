//! `arrears compliance filter-calls`: the dialer list (`app::dialer`) on standard output.

use anyhow::Result;
use app::model::Actor;
use jiff::Timestamp;
use std::io::Write;
use std::process::ExitCode;

pub async fn filter_calls(
    app: &app::App,
    actor: &Actor,
    at: Timestamp,
    json: bool,
) -> Result<ExitCode> {
    let (list, tally) = app.dialer_list(actor, at, json).await?;
    let stdout = std::io::stdout();
    let mut stdout = stdout.lock();
    stdout.write_all(&list)?;
    stdout.flush()?;
    eprintln!("{}", tally.summary(at));
    Ok(ExitCode::SUCCESS)
}
