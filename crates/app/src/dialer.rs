//! The dialer list: the accounts that may be called at an instant, for an outbound
//! dialer. Each (account, phone) is put to the compliance pipeline (`contact`) with what
//! the store knows — the debtor's zones (recomputed with the number's area code), state,
//! holds, contact attempts as far back as the rule set looks and the consents the debtor
//! gave — and every decision is logged before the list is handed out.

use crate::contact::{AskedBy, Facts, Point, ZoneBasis, consents, history};
use crate::{App, Error};
use compliance::facts::{Action, Consent, HistoryEntry};
use compliance::hours::convenient_until;
use domain::account::HoldKind;
use domain::party::{ContactKind, ContactStatus};
use jiff::Timestamp;
use std::io::Write;
use store::Actor;
use store::decisions::NewDecision;
use store::dialer::DialerCandidate;

#[derive(Default)]
pub struct Tally {
    pub listed: u64,
    pub denied: u64,
    /// Asked about with every zone of the fifty states and DC (nothing on file tells).
    pub zone_unknown: u64,
    pub legal: u64,
    pub logged: u64,
}

impl Tally {
    pub fn summary(&self, at: Timestamp) -> String {
        format!(
            "{} phones may be called at {at}; {} denied by the compliance check, {} on a legal hold; {} decisions logged ({} without a known time zone, asked as anywhere in the fifty states and DC)",
            self.listed, self.denied, self.legal, self.logged, self.zone_unknown
        )
    }
}

impl App {
    /// The dialer list (CSV or JSON lines) at `at`. The list is returned only once every
    /// decision behind it is logged, so an examiner sees why each phone was or wasn't
    /// on it.
    pub async fn dialer_list(
        &self,
        actor: &Actor,
        at: Timestamp,
        json: bool,
    ) -> Result<(Vec<u8>, Tally), Error> {
        let mut out = Vec::new();
        if !json {
            let _ = writeln!(out, "creditor,account_ref,phone,allowed_until");
        }
        let mut tally = Tally::default();
        let mut decisions = Vec::new();
        let mut failure: Option<Error> = None;
        let since = match self.rules.lookback_days(Action::Call) {
            Some(days) => at
                .checked_sub(jiff::Span::new().hours(days * 24))
                .unwrap_or(Timestamp::MIN),
            None => Timestamp::MIN,
        };
        let attempts = self.store.recent_attempts_by_debtor(since).await?;
        let mut histories: std::collections::HashMap<i64, Vec<HistoryEntry>> =
            std::collections::HashMap::new();
        for (debtor_id, attempts) in &attempts {
            histories.insert(*debtor_id, history(attempts)?);
        }
        let mut given: std::collections::HashMap<i64, Vec<Consent>> =
            std::collections::HashMap::new();
        for (debtor_id, stored) in &self.store.consents_by_debtor(at).await? {
            given.insert(*debtor_id, consents(stored)?);
        }
        self.store
            .for_each_dialer_candidate(&mut |candidate| {
                if failure.is_some() {
                    return;
                }
                let history = histories
                    .get(&candidate.debtor_id)
                    .map(Vec::as_slice)
                    .unwrap_or_default();
                let consents = given
                    .get(&candidate.debtor_id)
                    .map(Vec::as_slice)
                    .unwrap_or_default();
                let known = (history, consents);
                match self.consider(&candidate, known, at, json, &mut out, &mut tally) {
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
            self.store
                .record_decisions(actor, &format!("dialer list for {at}"), chunk)
                .await?;
        }
        tally.logged = decisions.len() as u64;
        Ok((out, tally))
    }

    fn consider(
        &self,
        candidate: &DialerCandidate,
        (history, consents): (&[HistoryEntry], &[Consent]),
        at: Timestamp,
        json: bool,
        out: &mut impl Write,
        tally: &mut Tally,
    ) -> Result<Option<NewDecision>, Error> {
        // Accounts with legal action under way are worked by the attorney, not the dialer.
        if candidate.holds.contains(&HoldKind::Legal) {
            tally.legal += 1;
            return Ok(None);
        }
        let point = Point {
            kind: ContactKind::parse(&candidate.phone_kind).ok_or_else(|| {
                store::StoreError::Corrupt(format!("contact kind {:?}", candidate.phone_kind))
            })?,
            value: candidate.phone.clone(),
            // The store lists only usable phones.
            status: ContactStatus::Unverified,
        };
        let facts = Facts {
            account_ref: &candidate.account_ref,
            stored_zones: &candidate.time_zones,
            state: candidate.state.as_deref(),
            holds: &candidate.holds,
            dispute_placed_at_us: candidate.dispute_placed_at_us,
            validation_notice_sent_at: candidate.validation_notice_sent_at,
            // Calls: returned mail changes nothing the dialer is asked.
            undeliverable_notice_at: None,
            history,
            consents,
            // Opt-outs of email and texts say nothing about a call.
            email_opted_out: false,
            sms_opted_out: false,
        };
        let asked = facts.ask(self.rules, at, Action::Call, Some(&point), None);
        if asked.zones.basis == ZoneBasis::EveryUsZone {
            tally.zone_unknown += 1;
        }
        let decision = asked.decision(candidate.account_id, AskedBy::Dialer);
        if !asked.allowed() {
            tally.denied += 1;
            return Ok(Some(decision));
        }
        let until = convenient_until(at, &asked.zones.zones, &[])
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
}

/// Decisions written per transaction and audit event.
const DECISIONS_PER_BATCH: usize = 10_000;

/// A text cell of the list: safe to open in a spreadsheet, then RFC 4180 quoting when
/// it needs it.
fn csv_field(text: &str) -> String {
    let text = crate::export::spreadsheet_text(text);
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}
