//! `arrears creditor …`, `arrears user …` and `arrears admin …`: the creditors' policies, the
//! users, and the PII key.

use super::*;
use app::model::PiiKey;
use std::path::Path;

pub(crate) async fn creditor(globals: &Globals, command: CreditorCommand) -> Result<ExitCode> {
    let app = globals.open().await?;
    let actor = globals.actor();
    match command {
        CreditorCommand::Add { code, name } => {
            let code = CreditorCode::parse(&code)
                .map_err(|error| anyhow!(InputError(format!("creditor code {code:?}: {error}"))))?;
            let creditor = app.add_creditor(&actor, &code, &name).await?;
            println!("added creditor {} ({})", creditor.code, creditor.name);
        }
        CreditorCommand::Set {
            code,
            settings,
            name,
            reason,
        } => {
            let pairs = settings
                .iter()
                .map(|setting| {
                    setting
                        .split_once('=')
                        .map(|(key, value)| (key.trim().to_string(), value.trim().to_string()))
                        .ok_or_else(|| {
                            anyhow!(InputError(format!("{setting:?}: expected KEY=VALUE")))
                        })
                })
                .collect::<Result<Vec<_>>>()?;
            let creditor = app
                .set_creditor(&actor, &code, name.as_deref(), &pairs, &reason)
                .await?;
            print!("{}", output::creditor_text(&creditor));
        }
        CreditorCommand::Show { code, json } => {
            let creditor = app
                .creditor(&code)
                .await?
                .ok_or_else(|| anyhow!(InputError(format!("no creditor {code:?}"))))?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&output::creditor_json(&creditor))?
                );
            } else {
                print!("{}", output::creditor_text(&creditor));
            }
        }
        CreditorCommand::List => {
            for creditor in app.creditors().await? {
                println!("{}\t{}", creditor.code, creditor.name);
            }
        }
    }
    app.close().await;
    Ok(ExitCode::SUCCESS)
}

pub(crate) async fn user(globals: &Globals, command: UserCommand) -> Result<ExitCode> {
    let app = globals.open().await?;
    match command {
        UserCommand::Add {
            name,
            role,
            password_stdin,
        } => {
            let role = Role::parse(&role).ok_or_else(|| {
                anyhow!(InputError(format!(
                    "--role {role:?}: expected one of {}",
                    Role::codes()
                )))
            })?;
            let password = read_password(password_stdin)?;
            let user = app
                .add_user(&globals.actor(), &name, role, &password)
                .await?;
            println!("added user {} ({})", user.username, user.role);
        }
        UserCommand::List => {
            for user in app.users().await? {
                let state = if user.disabled { "disabled" } else { "active" };
                println!("{}\t{}\t{state}", user.username, user.role);
            }
        }
        UserCommand::Assign { name, creditors } => {
            app.assign_creditors(&globals.actor(), &name, &creditors)
                .await?;
            println!(
                "{name} works {}",
                if creditors.is_empty() {
                    "no creditor".to_string()
                } else {
                    creditors.join(", ")
                }
            );
        }
        UserCommand::Token { name, label } => {
            let token = app
                .create_api_token(&globals.actor(), &name, &label)
                .await?;
            println!("{token}");
        }
    }
    app.close().await;
    Ok(ExitCode::SUCCESS)
}

/// `arrears admin rotate-key --new-key-file FILE`.
pub(crate) async fn rotate_key(globals: &Globals, new_key_file: &Path) -> Result<ExitCode> {
    let new_key = PiiKey::load_or_create(new_key_file).map_err(|error| {
        anyhow!(InputError(format!(
            "--new-key-file {}: {error}",
            new_key_file.display()
        )))
    })?;
    let app = globals.open().await?;
    let rotated = app.rotate_key(&globals.actor(), &new_key).await;
    app.close().await;
    let rotation = rotated?;
    println!(
        "key rotated: {} re-encrypted; {}, {}, {} and {} re-sealed",
        plural(
            rotation.sensitive_values,
            "sensitive value",
            "sensitive values"
        ),
        plural(rotation.events, "event", "events"),
        plural(rotation.ledger_entries, "ledger entry", "ledger entries"),
        plural(
            rotation.decisions,
            "compliance decision",
            "compliance decisions"
        ),
        plural(rotation.sealed_rows, "sealed row", "sealed rows")
    );
    println!(
        "only the key in {} opens this database now: set ARREARS_PII_KEY_FILE to it (or ARREARS_PII_KEY to its contents) for every arrears process, then retire the old key",
        new_key_file.display()
    );
    let from_environment = std::env::var_os("ARREARS_PII_KEY").is_some()
        || std::env::var_os("ARREARS_PII_KEY_FILE").is_some();
    if !from_environment && let Some(path) = app::model::db::sqlite_path(&globals.db) {
        println!(
            "(or put it in place of {}.key, the key file beside the database)",
            path.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn read_password(from_stdin: bool) -> Result<String> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        return Ok(line.trim_end_matches(['\r', '\n']).to_string());
    }
    let first = rpassword::prompt_password("Password: ")?;
    let second = rpassword::prompt_password("Repeat password: ")?;
    if first != second {
        return Err(anyhow!(InputError("the passwords differ".into())));
    }
    Ok(first)
}
