//! `arrears locate list`: the accounts whose debtor's address is incomplete (`app::locate`).

use super::*;
use app::model::locate::Locate;
use serde_json::json;

pub(crate) async fn locate_list(
    globals: &Globals,
    creditor: Option<&str>,
    user: Option<&str>,
    json: bool,
) -> Result<ExitCode> {
    let creditor = creditor
        .map(|code| {
            CreditorCode::parse(code)
                .map_err(|error| anyhow!(InputError(format!("--creditor {code:?}: {error}"))))
        })
        .transpose()?;
    let app = globals.open().await?;
    let list = list(&app, creditor.as_ref(), user).await;
    app.close().await;
    let list = list?;
    if json {
        let accounts: Vec<serde_json::Value> = list.iter().map(entry_json).collect();
        println!("{}", json!({"accounts": accounts, "total": list.len()}));
    } else {
        print!("{}", text(&list));
    }
    Ok(ExitCode::SUCCESS)
}

async fn list(
    app: &app::App,
    creditor: Option<&CreditorCode>,
    user: Option<&str>,
) -> Result<Vec<Locate>> {
    if let Some(code) = creditor
        && app.creditor(code.as_str()).await?.is_none()
    {
        return Err(anyhow!(InputError(format!(
            "--creditor {:?}: no such creditor",
            code.as_str()
        ))));
    }
    let Some(name) = user else {
        return Ok(app.locate_list_of_every_creditor(creditor).await?);
    };
    let found = app
        .users()
        .await?
        .into_iter()
        .find(|known| known.username.eq_ignore_ascii_case(name))
        .ok_or_else(|| anyhow!(InputError(format!("--user {name:?}: no such user"))))?;
    let session = app.session_user(found.id).await?;
    match app.locate_list(&session, creditor).await {
        Err(app::Error::Forbidden(_)) => Err(anyhow!(InputError(format!(
            "--user {name:?}: a {} may not see accounts",
            session.role
        )))),
        other => Ok(other?),
    }
}

fn entry_json(entry: &Locate) -> serde_json::Value {
    let address = &entry.address;
    json!({
        "creditor": entry.creditor,
        "account_ref": entry.account_ref,
        "debtor_ref": entry.debtor_ref,
        "debtor_name": entry.debtor_name,
        "status": entry.status.code(),
        "address": {
            "line1": address.line1,
            "line2": address.line2,
            "city": address.city,
            "state": address.state,
            "postal_code": address.postal_code,
            "country": address.country,
        },
        "missing": address.missing(),
    })
}

/// One account a line, columns aligned: creditor, account, debtor, name, status, what
/// is known of the address, what is missing.
fn text(list: &[Locate]) -> String {
    let rows: Vec<[String; 7]> = list
        .iter()
        .map(|entry| {
            let address = &entry.address;
            let known: Vec<&str> = [
                address.line1.as_deref(),
                address.line2.as_deref(),
                address.city.as_deref(),
                address.state.as_deref(),
                address.postal_code.as_deref(),
            ]
            .into_iter()
            .flatten()
            .collect();
            [
                entry.creditor.clone(),
                entry.account_ref.clone(),
                entry.debtor_ref.clone(),
                entry.debtor_name.clone(),
                entry.status.code().to_string(),
                known.join(", "),
                address.missing().join(", "),
            ]
        })
        .collect();
    let header = [
        "creditor", "account", "debtor", "name", "status", "known", "missing",
    ]
    .map(str::to_string);
    let mut widths = header.clone().map(|title| title.chars().count());
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut text = String::new();
    for row in std::iter::once(&header).chain(&rows) {
        let cells: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        text.push_str(cells.join("  ").trim_end());
        text.push('\n');
    }
    text.push_str(&format!(
        "{} account{} to locate\n",
        list.len(),
        if list.len() == 1 { "" } else { "s" }
    ));
    text
}
