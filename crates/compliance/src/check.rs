//! The compliance check: every rule of the federal pack (and the Massachusetts rule) asked
//! about one proposed action at one instant. Semantics: docs/compliance-check.md.
//!
//! Every violated rule is reported, each with the instant it alone clears (or `None` when
//! only a change of facts can clear it); `next_allowed_at` is the first instant all rules
//! allow, found by jumping to the latest clearing instant until nothing forbids.

use crate::facts::{Action, ContactPointKind, HistoryEntry, Outcome, Purpose, Recipient};
use crate::frequency::{
    call_after_conversation, call_frequency, ma_call_frequency, start_of_local_date,
};
use crate::hours::{
    LocalWindow, SEARCH_HORIZON_DAYS, next_convenient, within_convenient_hours,
    within_inconvenient_window,
};
use crate::validation::validation_period;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Span, Timestamp};

/// Local dates after a letter or email before passive credit reporting may start
/// (12 CFR 1006.30(a)(1)(ii)).
pub const CREDIT_REPORTING_WAIT_DAYS: i64 = 14;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Consumer {
    /// In order of preference; the first defines "local date". Never empty in a valid request.
    pub time_zones: Vec<TimeZone>,
    pub state: Option<String>,
    pub cease_requested: bool,
    pub attorney_represented: bool,
    pub bankruptcy_filed: bool,
    pub deceased: bool,
    pub email_opted_out: bool,
    pub sms_opted_out: bool,
    pub employer_prohibits_contact: bool,
    pub inconvenient_windows: Vec<LocalWindow>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Debt {
    pub id: String,
    pub time_barred: bool,
    pub validation_notice_sent_at: Option<Timestamp>,
    pub dispute_received_at: Option<Timestamp>,
    pub verification_sent_at: Option<Timestamp>,
    pub undeliverable_notice_at: Option<Timestamp>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ContactPoint {
    pub kind: ContactPointKind,
    pub workplace: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    pub now: Timestamp,
    pub action: Action,
    pub debt_id: String,
    pub recipient: Recipient,
    pub purpose: Purpose,
    pub contact_point: Option<ContactPoint>,
    pub consumer: Consumer,
    pub debts: Vec<Debt>,
    pub history: Vec<HistoryEntry>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    pub rule: &'static str,
    pub citation: &'static str,
    pub message: String,
    pub clears_at: Option<Timestamp>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    pub violations: Vec<Violation>,
    pub next_allowed_at: Option<Timestamp>,
}

impl Answer {
    pub fn allowed(&self) -> bool {
        self.violations.is_empty()
    }
}

/// Asks every rule about `request`.
pub fn check(request: &Request) -> Answer {
    // Facts are taken as of `now`, also while looking ahead: drop later history once
    // here instead of in every rule, at every candidate instant.
    let as_of_now;
    let request = if request.history.iter().any(|entry| entry.at > request.now) {
        let history = request
            .history
            .iter()
            .filter(|entry| entry.at <= request.now)
            .cloned()
            .collect();
        as_of_now = Request {
            history,
            ..request.clone()
        };
        &as_of_now
    } else {
        request
    };
    let violations = violations_at(request, request.now);
    let next_allowed_at = next_allowed(request, &violations);
    Answer {
        violations,
        next_allowed_at,
    }
}

/// The first instant ≥ now at which nothing forbids the action. Each rule forbids
/// throughout [t, its clears_at), so jumping to the latest clearing instant skips no
/// allowed instant.
fn next_allowed(request: &Request, violations: &[Violation]) -> Option<Timestamp> {
    let horizon = request
        .now
        .checked_add(Span::new().hours(SEARCH_HORIZON_DAYS * 24))
        .ok()?;
    let mut at = request.now;
    let mut current = violations.to_vec();
    // Each round moves past at least one rule's block; a few dozen rounds is plenty.
    for _ in 0..64 {
        if current.is_empty() {
            return Some(at);
        }
        let next = current
            .iter()
            .map(|violation| violation.clears_at)
            .collect::<Option<Vec<_>>>()?
            .into_iter()
            .max()?;
        if next > horizon {
            return None;
        }
        at = next;
        current = violations_at(request, at);
    }
    None
}

/// Local date of an instant in the consumer's first zone.
fn local_date(request: &Request, instant: Timestamp) -> Option<Date> {
    request
        .consumer
        .time_zones
        .first()
        .map(|zone| zone.to_datetime(instant).date())
}

fn violation(
    rule: &'static str,
    citation: &'static str,
    message: String,
    clears_at: Option<Timestamp>,
) -> Violation {
    Violation {
        rule,
        citation,
        message,
        clears_at,
    }
}

/// Every rule that forbids the action at `at`, facts after `at`'s request `now` ignored.
fn violations_at(request: &Request, at: Timestamp) -> Vec<Violation> {
    let mut found = Vec::new();
    time_rules(request, at, &mut found);
    frequency_rules(request, at, &mut found);
    fact_rules(request, &mut found);
    dispute_rule(request, &mut found);
    credit_reporting_rule(request, at, &mut found);
    found
}

fn time_rules(request: &Request, at: Timestamp, found: &mut Vec<Violation>) {
    if !request.action.is_timed() || request.recipient == Recipient::Attorney {
        return;
    }
    let zones = &request.consumer.time_zones;
    if !within_convenient_hours(at, zones) {
        found.push(violation(
            "us.time_of_day",
            "12 CFR 1006.6(b)(1)(i)",
            "outside 08:00–21:00 in at least one of the consumer's time zones".into(),
            next_convenient(at, zones, &[]),
        ));
    }
    let windows = &request.consumer.inconvenient_windows;
    if within_inconvenient_window(at, zones, windows) {
        let clears = next_outside_windows(at, zones, windows);
        found.push(violation(
            "us.consumer_inconvenient_time",
            "12 CFR 1006.6(b)(1)(i)",
            "inside a time the consumer said is inconvenient".into(),
            clears,
        ));
    }
}

/// The first instant after `at` outside every inconvenient window on every wall clock:
/// a minute-by-minute walk bounded by one day (windows repeat daily).
fn next_outside_windows(
    at: Timestamp,
    zones: &[TimeZone],
    windows: &[LocalWindow],
) -> Option<Timestamp> {
    let minute = Span::new().minutes(1);
    // Windows open and close on whole local minutes (US offsets are whole minutes), so
    // the first whole minute after `at` onwards is enough to look at.
    let mut probe = Timestamp::from_second((at.as_second().div_euclid(60) + 1) * 60).ok()?;
    for _ in 0..(2 * 24 * 60) {
        if !within_inconvenient_window(probe, zones, windows) {
            return Some(probe);
        }
        probe = probe.checked_add(minute).ok()?;
    }
    None
}

fn frequency_rules(request: &Request, at: Timestamp, found: &mut Vec<Violation>) {
    let Some(zone) = request.consumer.time_zones.first() else {
        return;
    };
    if request.recipient == Recipient::Attorney {
        return;
    }
    let history = &request.history;
    if request.action == Action::Call {
        if let Some(clears) = call_frequency(history, &request.debt_id, at, zone) {
            let message = format!(
                "7 or more calls about {} in the 7 days ending today",
                request.debt_id
            );
            found.push(violation(
                "us.call_frequency",
                "12 CFR 1006.14(b)(2)(i)(A)",
                message,
                Some(clears),
            ));
        }
        if let Some(clears) = call_after_conversation(history, &request.debt_id, at, zone) {
            let message = format!(
                "a conversation about {} within the last 7 days",
                request.debt_id
            );
            found.push(violation(
                "us.call_after_conversation",
                "12 CFR 1006.14(b)(2)(i)(B)",
                message,
                Some(clears),
            ));
        }
    }
    let in_massachusetts = request.consumer.state.as_deref() == Some("MA");
    if in_massachusetts
        && matches!(request.action, Action::Call | Action::Sms)
        && let Some(clears) = ma_call_frequency(history, at, zone)
    {
        let message = "2 or more calls or texts to the consumer in the last 7 days".to_string();
        found.push(violation(
            "us-ma.call_frequency",
            "940 CMR 7.04(1)(f); 209 CMR 18.16(1)(d)",
            message,
            Some(clears),
        ));
    }
}

fn fact_rules(request: &Request, found: &mut Vec<Violation>) {
    let consumer = &request.consumer;
    let communication = request.action.is_communication();
    let cease_exempt = request.action == Action::Letter
        && matches!(
            request.purpose,
            Purpose::CeaseConfirmation | Purpose::RemedyNotice
        );
    let mut deny = |condition: bool, rule: &'static str, citation: &'static str, message: &str| {
        if condition {
            found.push(violation(rule, citation, message.to_string(), None));
        }
    };
    deny(
        communication && consumer.cease_requested && !cease_exempt,
        "us.cease_communication",
        "12 CFR 1006.6(c)",
        "the consumer asked the collector to cease communication",
    );
    deny(
        communication && consumer.attorney_represented && request.recipient != Recipient::Attorney,
        "us.attorney_represented",
        "12 CFR 1006.6(b)(2)",
        "the consumer is represented by an attorney",
    );
    let workplace = request
        .contact_point
        .is_some_and(|point| point.workplace || point.kind == ContactPointKind::Work);
    deny(
        communication && workplace && consumer.employer_prohibits_contact,
        "us.workplace_prohibited",
        "12 CFR 1006.6(b)(3)",
        "the employer prohibits such communications",
    );
    let opted_out = match request.action {
        Action::Email => consumer.email_opted_out,
        Action::Sms => consumer.sms_opted_out,
        _ => false,
    };
    deny(
        opted_out && request.purpose != Purpose::OptOutConfirmation,
        "us.electronic_opt_out",
        "12 CFR 1006.6(e), 1006.14(h)",
        "the consumer opted out of this medium",
    );
    let debt = request.debts.iter().find(|debt| debt.id == request.debt_id);
    deny(
        request.action == Action::Lawsuit && debt.is_some_and(|debt| debt.time_barred),
        "us.time_barred_suit",
        "12 CFR 1006.26(b)",
        "the debt is time-barred",
    );
    deny(
        consumer.bankruptcy_filed,
        "us.bankruptcy_stay",
        "11 U.S.C. 362(a)",
        "the automatic stay of a bankruptcy filing",
    );
    deny(
        communication && consumer.deceased && request.recipient == Recipient::Consumer,
        "us.deceased",
        "12 CFR 1006.2(e), 1006.6(a)",
        "the consumer is deceased",
    );
}

/// A fact dated after `now` is treated as absent.
fn known(request: &Request, instant: Option<Timestamp>) -> Option<Timestamp> {
    instant.filter(|at| *at <= request.now)
}

fn dispute_rule(request: &Request, found: &mut Vec<Violation>) {
    let Some(debt) = request.debts.iter().find(|debt| debt.id == request.debt_id) else {
        return;
    };
    let Some(received) = known(request, debt.dispute_received_at) else {
        return;
    };
    if known(request, debt.verification_sent_at).is_some() {
        return;
    }
    let exempt = request.action == Action::Letter && request.purpose == Purpose::Verification;
    let within_period = match known(request, debt.validation_notice_sent_at) {
        None => true,
        Some(sent) => {
            let period_end = local_date(request, sent)
                .and_then(validation_period)
                .map(|period| period.ends_on);
            local_date(request, received)
                .zip(period_end)
                .is_some_and(|(received_on, ends_on)| received_on <= ends_on)
        }
    };
    if within_period && !exempt {
        found.push(violation(
            "us.dispute_pending",
            "12 CFR 1006.38(d)(2)",
            "a timely dispute awaits verification".into(),
            None,
        ));
    }
}

fn credit_reporting_rule(request: &Request, at: Timestamp, found: &mut Vec<Violation>) {
    if request.action != Action::CreditReport {
        return;
    }
    let Some(zone) = request.consumer.time_zones.first() else {
        return;
    };
    let Some(debt) = request.debts.iter().find(|debt| debt.id == request.debt_id) else {
        return;
    };
    let history = &request.history;
    if history
        .iter()
        .any(|entry| entry.is_conversation(&request.debt_id))
    {
        return;
    }
    let undeliverable = known(request, debt.undeliverable_notice_at);
    let delivered = |sent: Timestamp| undeliverable.is_none_or(|returned| returned < sent);
    let letters = history
        .iter()
        .filter(|entry| {
            entry.debt_id == request.debt_id
                && matches!(entry.action, Action::Letter | Action::Email)
                && entry.outcome == Outcome::Sent
        })
        .map(|entry| entry.at);
    let first_send = letters
        .chain(known(request, debt.validation_notice_sent_at))
        .filter(|sent| delivered(*sent))
        .min();
    let today = zone.to_datetime(at).date();
    let may_report_from = first_send
        .map(|sent| zone.to_datetime(sent).date())
        .and_then(|sent_on| {
            sent_on
                .checked_add(Span::new().days(CREDIT_REPORTING_WAIT_DAYS + 1))
                .ok()
        });
    match may_report_from {
        Some(from) if today >= from => {}
        Some(from) => found.push(violation(
            "us.passive_credit_reporting",
            "12 CFR 1006.30(a)(1)",
            format!("no reporting before {from}: 14 days after the first communication"),
            start_of_local_date(from, zone),
        )),
        None => found.push(violation(
            "us.passive_credit_reporting",
            "12 CFR 1006.30(a)(1)",
            "no communication about the debt yet: the consumer has not been contacted".into(),
            None,
        )),
    }
}
