//! `arrears account show|status|hold|release`.

use super::*;

pub(crate) async fn account_show(
    globals: &Globals,
    creditor: &str,
    account_ref: &str,
    as_of: Option<Date>,
    json: bool,
) -> Result<ExitCode> {
    let as_of = match as_of {
        Some(date) => date,
        None => context::today()?,
    };
    let app = globals.open().await?;
    let view = app.account_as_of(creditor, account_ref, as_of).await?;
    app.close().await;
    let Some(view) = view else {
        eprintln!("no account {account_ref:?} for creditor {creditor:?}");
        return Ok(ExitCode::from(3));
    };
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&app::views::Account::of(&view))?
        );
    } else {
        print!("{}", output::account_text(&view));
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn parse_code<T>(
    what: &str,
    text: &str,
    parse: fn(&str) -> Option<T>,
    codes: String,
) -> Result<T> {
    parse(text).ok_or_else(|| {
        anyhow!(InputError(format!(
            "{what} {text:?}: expected one of {codes}"
        )))
    })
}

pub(crate) async fn account_change(globals: &Globals, command: AccountCommand) -> Result<ExitCode> {
    use domain::account::{HoldKind, Status};
    let app = globals.open().await?;
    let actor = globals.actor();
    let result = match command {
        AccountCommand::Show { .. }
        | AccountCommand::Statement { .. }
        | AccountCommand::Document(_)
        | AccountCommand::Portfolio { .. } => {
            unreachable!("handled by account_show, letters::statement and documents")
        }
        AccountCommand::Status {
            creditor,
            account_ref,
            status,
            reason,
        } => {
            let to = parse_code("status", &status, Status::parse, Status::codes())?;
            app.change_status(&actor, &creditor, &account_ref, to, &reason)
                .await
                .map(|from| {
                    println!("{creditor} {account_ref}: {from} -> {to}");
                })
        }
        AccountCommand::Hold {
            creditor,
            account_ref,
            kind,
            detail,
            reason,
        } => {
            let kind = parse_code("hold", &kind, HoldKind::parse, HoldKind::codes())?;
            app.place_hold(&actor, &creditor, &account_ref, kind, &detail, &reason)
                .await
                .map(|()| {
                    println!("{creditor} {account_ref}: {kind} hold placed");
                })
        }
        AccountCommand::Release {
            creditor,
            account_ref,
            kind,
            reason,
        } => {
            let kind = parse_code("hold", &kind, HoldKind::parse, HoldKind::codes())?;
            app.release_hold(&actor, &creditor, &account_ref, kind, &reason)
                .await
                .map(|()| {
                    println!("{creditor} {account_ref}: {kind} hold released");
                })
        }
    };
    app.close().await;
    match result {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(app::Error::Store(app::model::StoreError::NotFound(message))) => {
            eprintln!("{message}");
            Ok(ExitCode::from(3))
        }
        Err(app::Error::Store(app::model::StoreError::Conflict(message))) => {
            eprintln!("{message}");
            Ok(ExitCode::from(2))
        }
        Err(error) => Err(error.into()),
    }
}
