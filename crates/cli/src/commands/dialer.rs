//! `arrears compliance filter-calls`: the accounts that may be called at an instant, for
//! an outbound dialer. Each (account, phone) is put to the compliance check with what the
//! store knows: the debtor's zones and state, and the account's holds.

use anyhow::Result;
use compliance::check::{Consumer, ContactPoint, Debt, Request, check};
use compliance::facts::{Action, ContactPointKind, Purpose, Recipient};
use compliance::hours::convenient_until;
use domain::account::HoldKind;
use jiff::Timestamp;
use jiff::tz::TimeZone;
use std::io::Write;
use std::process::ExitCode;
use store::dialer::DialerCandidate;

#[derive(Default)]
struct Tally {
    listed: u64,
    denied: u64,
    no_zone: u64,
    legal: u64,
}

pub async fn filter_calls(store: &store::Store, at: Timestamp, json: bool) -> Result<ExitCode> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    if !json {
        writeln!(out, "creditor,account_ref,phone,allowed_until")?;
    }
    let mut tally = Tally::default();
    let mut failure = None;
    store
        .for_each_dialer_candidate(&mut |candidate| {
            if failure.is_some() {
                return;
            }
            if let Err(error) = consider(&candidate, at, json, &mut out, &mut tally) {
                failure = Some(error);
            }
        })
        .await?;
    if let Some(error) = failure {
        return Err(error);
    }
    out.flush()?;
    eprintln!(
        "{} phones may be called at {at}; {} denied by the compliance check, {} without a known time zone, {} on a legal hold",
        tally.listed, tally.denied, tally.no_zone, tally.legal
    );
    Ok(ExitCode::SUCCESS)
}

fn consider(
    candidate: &DialerCandidate,
    at: Timestamp,
    json: bool,
    out: &mut impl Write,
    tally: &mut Tally,
) -> Result<()> {
    // Accounts with legal action under way are worked by the attorney, not the dialer.
    if candidate.holds.contains(&HoldKind::Legal) {
        tally.legal += 1;
        return Ok(());
    }
    let zones: Vec<TimeZone> = candidate
        .time_zones
        .iter()
        .filter_map(|name| TimeZone::get(name).ok())
        .collect();
    // Without a local time no call can be shown to be within convenient hours.
    if zones.is_empty() {
        tally.no_zone += 1;
        return Ok(());
    }
    let request = request_for(candidate, at, zones.clone());
    if !check(&request).allowed() {
        tally.denied += 1;
        return Ok(());
    }
    let until = convenient_until(at, &zones, &[])
        .map(|instant| instant.to_string())
        .unwrap_or_default();
    tally.listed += 1;
    if json {
        let line = serde_json::json!({
            "creditor": candidate.creditor, "account_ref": candidate.account_ref,
            "phone": candidate.phone, "allowed_until": until,
        });
        writeln!(out, "{line}")?;
    } else {
        writeln!(
            out,
            "{},{},{},{until}",
            csv_field(&candidate.creditor),
            csv_field(&candidate.account_ref),
            candidate.phone
        )?;
    }
    Ok(())
}

fn request_for(candidate: &DialerCandidate, at: Timestamp, time_zones: Vec<TimeZone>) -> Request {
    let kind = match candidate.phone_kind.as_str() {
        "phone_home" => ContactPointKind::Home,
        "phone_work" => ContactPointKind::Work,
        _ => ContactPointKind::Mobile,
    };
    let holds = &candidate.holds;
    let dispute_received_at = candidate
        .dispute_placed_at_us
        .and_then(|us| Timestamp::from_microsecond(us).ok());
    Request {
        now: at,
        action: Action::Call,
        debt_id: candidate.account_ref.clone(),
        recipient: Recipient::Consumer,
        purpose: Purpose::Collection,
        contact_point: Some(ContactPoint {
            kind,
            workplace: kind == ContactPointKind::Work,
        }),
        consumer: Consumer {
            time_zones,
            state: candidate.state.clone(),
            cease_requested: holds.contains(&HoldKind::Cease),
            attorney_represented: holds.contains(&HoldKind::Attorney),
            bankruptcy_filed: holds.contains(&HoldKind::Bankruptcy),
            deceased: holds.contains(&HoldKind::Deceased),
            ..Consumer::default()
        },
        debts: vec![Debt {
            id: candidate.account_ref.clone(),
            dispute_received_at,
            ..Debt::default()
        }],
        history: Vec::new(),
    }
}

/// RFC 4180 quoting when a field needs it.
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}
