//! `arrears batch age` (the other batch steps are one call each, in `commands.rs`).

use super::*;

pub(crate) async fn batch_age(globals: &Globals, as_of: Option<Date>) -> Result<ExitCode> {
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
