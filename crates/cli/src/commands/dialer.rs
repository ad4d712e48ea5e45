//! `arrears compliance filter-calls`: the accounts that may be called at an instant, for
//! an outbound dialer. Each (account, phone) is put to the compliance check with what the
//! store knows: the debtor's zones and state, and the account's holds.

use anyhow::Result;
use compliance::check::{Answer, Consumer, ContactPoint, Debt, Request};
use compliance::facts::{Action, ContactPointKind, Purpose, Recipient};
use compliance::hours::convenient_until;
use compliance::packs::RuleSet;
use domain::account::HoldKind;
use jiff::Timestamp;
use jiff::tz::TimeZone;
use std::io::Write;
use std::process::ExitCode;
use store::Actor;
use store::decisions::NewDecision;
use store::dialer::DialerCandidate;

#[derive(Default)]
pub struct Tally {
    pub listed: u64,
    pub denied: u64,
    pub no_zone: u64,
    pub legal: u64,
    pub logged: u64,
}

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

impl Tally {
    pub fn summary(&self, at: Timestamp) -> String {
        format!(
            "{} phones may be called at {at}; {} denied by the compliance check, {} without a known time zone, {} on a legal hold; {} decisions logged",
            self.listed, self.denied, self.no_zone, self.legal, self.logged
        )
    }
}

/// The dialer list (CSV or JSON lines) at `at`. The list is returned only once every
/// decision behind it is logged, so an examiner sees why each phone was or wasn't on it.
pub async fn build_list(
    store: &store::Store,
    actor: &Actor,
    rules: &RuleSet,
    at: Timestamp,
    json: bool,
) -> Result<(Vec<u8>, Tally)> {
    let mut out = Vec::new();
    if !json {
        writeln!(out, "creditor,account_ref,phone,allowed_until")?;
    }
    let mut tally = Tally::default();
    let mut decisions = Vec::new();
    let mut failure = None;
    store
        .for_each_dialer_candidate(&mut |candidate| {
            if failure.is_some() {
                return;
            }
            match consider(&candidate, rules, at, json, &mut out, &mut tally) {
                Ok(Some(decision)) => decisions.push(decision),
                Ok(None) => {}
                Err(error) => failure = Some(error),
            }
        })
        .await?;
    if let Some(error) = failure {
        return Err(error);
    }
    for chunk in decisions.chunks(DECISIONS_PER_BATCH) {
        store
            .record_decisions(actor, &format!("dialer list for {at}"), chunk)
            .await?;
    }
    tally.logged = decisions.len() as u64;
    Ok((out, tally))
}

/// Decisions written per transaction and audit event.
const DECISIONS_PER_BATCH: usize = 10_000;

fn consider(
    candidate: &DialerCandidate,
    rules: &RuleSet,
    at: Timestamp,
    json: bool,
    out: &mut impl Write,
    tally: &mut Tally,
) -> Result<Option<NewDecision>> {
    // Accounts with legal action under way are worked by the attorney, not the dialer.
    if candidate.holds.contains(&HoldKind::Legal) {
        tally.legal += 1;
        return Ok(None);
    }
    let zones = zones_now(
        &candidate.time_zones,
        candidate.state.as_deref(),
        Some(&candidate.phone),
    );
    // Without a local time no call can be shown to be within convenient hours.
    if zones.is_empty() {
        tally.no_zone += 1;
        return Ok(None);
    }
    let facts = Facts {
        account_ref: &candidate.account_ref,
        time_zones: zones.clone(),
        state: candidate.state.clone(),
        holds: &candidate.holds,
        dispute_placed_at_us: candidate.dispute_placed_at_us,
    };
    let request = facts.request(at, Action::Call, Some(point_kind(&candidate.phone_kind)));
    let answer = rules.check(&request);
    let decision = decision(
        candidate.account_id,
        "dialer",
        Some(candidate.phone.clone()),
        &request,
        &answer,
    );
    if !answer.allowed() {
        tally.denied += 1;
        return Ok(Some(decision));
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
    Ok(Some(decision))
}

/// A decision as the log records it.
pub fn decision(
    account_id: i64,
    asked_by: &'static str,
    contact_point: Option<String>,
    request: &Request,
    answer: &Answer,
) -> NewDecision {
    NewDecision {
        account_id,
        decided_at: request.now,
        asked_by,
        action: request.action.code().to_string(),
        contact_point,
        allowed: answer.allowed(),
        rules: answer
            .violations
            .iter()
            .map(|violation| violation.rule.to_string())
            .collect(),
        next_allowed_at: answer.next_allowed_at,
        packs: answer
            .packs
            .iter()
            .map(|pack| format!("{}@{}", pack.id, pack.version))
            .collect(),
        request_json: web::compliance_json::request_json(request).to_string(),
        answer_json: web::compliance_json::answer_json(answer).to_string(),
    }
}

/// A consumer's zones at the time of the check: those stored for the debtor (the zone on
/// file first), then those of their state as it is now and of the number about to be
/// called, so a number added since import narrows the window too.
pub fn zones_now(stored: &[String], state: Option<&str>, phone: Option<&str>) -> Vec<TimeZone> {
    let area_code = phone
        .and_then(|phone| phone.strip_prefix("+1"))
        .and_then(|national| national.get(..3));
    let derived = compliance::zones::consumer_zones(None, state, area_code.as_slice());
    let mut names: Vec<&str> = stored.iter().map(String::as_str).collect();
    for name in &derived {
        if !names.contains(&name.as_str()) {
            names.push(name);
        }
    }
    names
        .into_iter()
        .filter_map(|name| TimeZone::get(name).ok())
        .collect()
}

pub fn point_kind(kind: &str) -> ContactPointKind {
    match kind {
        "phone_home" => ContactPointKind::Home,
        "phone_work" => ContactPointKind::Work,
        "phone_mobile" => ContactPointKind::Mobile,
        "email" => ContactPointKind::Email,
        _ => ContactPointKind::Address,
    }
}

/// What the store knows about an account, as the compliance check wants it. Contact
/// attempts are not stored yet, so the history is empty.
pub struct Facts<'a> {
    pub account_ref: &'a str,
    pub time_zones: Vec<TimeZone>,
    pub state: Option<String>,
    pub holds: &'a [HoldKind],
    pub dispute_placed_at_us: Option<i64>,
}

impl Facts<'_> {
    pub fn request(
        &self,
        at: Timestamp,
        action: Action,
        point: Option<ContactPointKind>,
    ) -> Request {
        let holds = self.holds;
        let dispute_received_at = self
            .dispute_placed_at_us
            .and_then(|us| Timestamp::from_microsecond(us).ok());
        Request {
            now: at,
            action,
            debt_id: self.account_ref.to_string(),
            recipient: Recipient::Consumer,
            purpose: Purpose::Collection,
            contact_point: point.map(|kind| ContactPoint {
                kind,
                workplace: kind == ContactPointKind::Work,
            }),
            consumer: Consumer {
                time_zones: self.time_zones.clone(),
                state: self.state.clone(),
                cease_requested: holds.contains(&HoldKind::Cease),
                attorney_represented: holds.contains(&HoldKind::Attorney),
                bankruptcy_filed: holds.contains(&HoldKind::Bankruptcy),
                deceased: holds.contains(&HoldKind::Deceased),
                ..Consumer::default()
            },
            debts: vec![Debt {
                id: self.account_ref.to_string(),
                dispute_received_at,
                ..Debt::default()
            }],
            history: Vec::new(),
        }
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
