//! The dialer list: the accounts that may be called at an instant, for an outbound
//! dialer. Each (account, phone) is put to the compliance check with what the store knows
//! — the debtor's zones (recomputed with the number's area code), state, holds and
//! recent contact attempts — and every decision is logged before the list is handed out.

use crate::contact::{Facts, decision, point_kind, zones_now};
use compliance::facts::Action;
use compliance::hours::convenient_until;
use compliance::packs::RuleSet;
use domain::account::HoldKind;
use jiff::Timestamp;
use std::io::Write;
use store::decisions::NewDecision;
use store::dialer::DialerCandidate;
use store::{Actor, StoreError};

#[derive(Default)]
pub struct Tally {
    pub listed: u64,
    pub denied: u64,
    pub no_zone: u64,
    pub legal: u64,
    pub logged: u64,
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
) -> Result<(Vec<u8>, Tally), StoreError> {
    let mut out = Vec::new();
    if !json {
        let _ = writeln!(out, "creditor,account_ref,phone,allowed_until");
    }
    let mut tally = Tally::default();
    let mut decisions = Vec::new();
    let mut failure: Option<StoreError> = None;
    // The frequency rules look back at most 30 local dates (a state's visit limit).
    let since = at
        .checked_sub(jiff::Span::new().hours(HISTORY_DAYS * 24))
        .unwrap_or(at);
    let attempts = store.recent_attempts_by_debtor(since).await?;
    store
        .for_each_dialer_candidate(&mut |candidate| {
            if failure.is_some() {
                return;
            }
            let history = attempts
                .get(&candidate.debtor_id)
                .map(|attempts| crate::contact::history(attempts))
                .unwrap_or_default();
            match consider(&candidate, history, rules, at, json, &mut out, &mut tally) {
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

/// How far back the dialer reads contact attempts, in days.
const HISTORY_DAYS: i64 = 32;

/// Decisions written per transaction and audit event.
const DECISIONS_PER_BATCH: usize = 10_000;

#[allow(clippy::too_many_arguments)]
fn consider(
    candidate: &DialerCandidate,
    history: Vec<compliance::facts::HistoryEntry>,
    rules: &RuleSet,
    at: Timestamp,
    json: bool,
    out: &mut impl Write,
    tally: &mut Tally,
) -> Result<Option<NewDecision>, StoreError> {
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
        validation_notice_sent_at: None,
        history,
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
        let _ = writeln!(out, "{line}");
    } else {
        let _ = writeln!(
            out,
            "{},{},{},{until}",
            csv_field(&candidate.creditor),
            csv_field(&candidate.account_ref),
            candidate.phone
        );
    }
    Ok(Some(decision))
}

/// RFC 4180 quoting when a field needs it.
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}
