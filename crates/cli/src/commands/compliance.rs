//! `arrears compliance check|ask|packs|validation-period` (`filter-calls` is in
//! `dialer`).

use super::*;

/// All requests are parsed before any is answered: one malformed request means no
/// answers at all (exit 2), naming its number, line and field.
pub(crate) fn compliance_check(file: Option<&std::path::Path>) -> Result<ExitCode> {
    let rules = context::rule_set()?;
    let text = match file {
        Some(path) => std::fs::read_to_string(path)
            .map_err(|error| anyhow!(InputError(format!("{}: {error}", path.display()))))?,
        None => std::io::read_to_string(std::io::stdin())?,
    };
    let mut requests = Vec::new();
    let mut stream = serde_json::Deserializer::from_str(&text).into_iter::<serde_json::Value>();
    let mut start = 0;
    loop {
        let line = line_of(&text, start);
        let number = requests.len() + 1;
        let value = match stream.next() {
            None => break,
            Some(Ok(value)) => value,
            Some(Err(error)) => {
                return Err(anyhow!(InputError(format!(
                    "request {number} (line {}): not JSON: {error}",
                    error.line()
                ))));
            }
        };
        start = stream.byte_offset();
        let request = app::compliance_json::parse_request(&value).map_err(|malformed| {
            anyhow!(InputError(format!(
                "request {number} (line {line}): {}: {}",
                malformed.field, malformed.reason
            )))
        })?;
        requests.push(request);
    }
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    for request in &requests {
        let answer = rules.check(request);
        writeln!(out, "{}", app::compliance_json::answer_json(&answer))?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

pub(crate) struct Ask<'a> {
    pub(crate) creditor: &'a str,
    pub(crate) account: &'a str,
    pub(crate) action: &'a str,
    pub(crate) contact: Option<&'a str>,
    pub(crate) at: jiff::Timestamp,
    pub(crate) json: bool,
}

pub(crate) async fn compliance_ask(
    app: &app::App,
    actor: &app::model::Actor,
    ask: &Ask<'_>,
) -> Result<ExitCode> {
    let action = ::compliance::facts::Action::parse(ask.action).ok_or_else(|| {
        anyhow!(InputError(format!(
            "--action {:?}: not one of call, sms, email, letter, visit, credit_report, lawsuit",
            ask.action
        )))
    })?;
    let asked = app
        .ask(
            actor,
            app::contact::AskedBy::Cli,
            &app::contact::Question {
                creditor: ask.creditor,
                account_ref: ask.account,
                action,
                contact: ask.contact,
                at: ask.at,
            },
        )
        .await
        .map_err(|error| match error {
            app::contact::AskError::UnknownContact => anyhow!(InputError(format!(
                "--contact {:?}: not one of the debtor's contact points",
                ask.contact.unwrap_or_default()
            ))),
            app::contact::AskError::App(error) => anyhow!(error),
        })?;
    if ask.json {
        println!("{}", app::compliance_json::answer_json(&asked.answer));
    } else {
        print!("{}", output::answer_text(ask.action, ask.at, &asked.answer));
        if asked.zones.basis == app::contact::ZoneBasis::EveryUsZone {
            println!(
                "the debtor's time zone is unknown: checked as if anywhere in the fifty states and DC"
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn compliance_packs(dir: Option<&std::path::Path>, json: bool) -> Result<ExitCode> {
    let loaded;
    let rules = match dir {
        Some(dir) => {
            loaded = context::load_rule_set(dir)?;
            &loaded
        }
        None => context::rule_set()?,
    };
    if json {
        println!("{}", output::rule_set_json(rules));
    } else {
        print!("{}", output::rule_set_text(rules));
    }
    Ok(ExitCode::SUCCESS)
}

/// The line (1-based) of the first non-blank character at or after byte `from`.
pub(crate) fn line_of(text: &str, from: usize) -> usize {
    let skipped = text[from..].len() - text[from..].trim_start().len();
    text[..from + skipped].matches('\n').count() + 1
}

pub(crate) fn validation_period(sent_on: Date) -> Result<ExitCode> {
    let period = ::compliance::validation::validation_period(sent_on).ok_or_else(|| {
        anyhow!(InputError(format!(
            "--sent-on {sent_on}: too close to the end of the calendar"
        )))
    })?;
    let answer = serde_json::json!({
        "assumed_receipt_on": period.assumed_receipt_on.to_string(),
        "validation_period_ends_on": period.ends_on.to_string(),
    });
    println!("{answer}");
    Ok(ExitCode::SUCCESS)
}
