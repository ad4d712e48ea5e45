//! `arrears compliance filter-calls`: the dialer list (`app::dialer`) on standard output,
//! streamed chunk by chunk as each chunk's decisions are logged.

use anyhow::Result;
use app::model::Actor;
use jiff::Timestamp;
use std::process::ExitCode;

pub async fn filter_calls(
    app: &app::App,
    actor: &Actor,
    at: Timestamp,
    json: bool,
) -> Result<ExitCode> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match app.dialer_list(actor, at, json, &mut out).await {
        Ok(tally) => {
            eprintln!("{}", tally.summary(at));
            Ok(ExitCode::SUCCESS)
        }
        Err(stopped) => {
            // The lines already written stand (each is logged); the list is incomplete.
            eprintln!("error: {stopped}");
            Ok(ExitCode::from(1))
        }
    }
}
