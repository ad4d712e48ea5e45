//! The compliance check: every rule of the packs in force (the federal pack and the
//! consumer's state packs, `packs`) asked about one proposed action at one instant.
//! Semantics: docs/compliance-check.md; the rule kinds: docs/compliance-packs.md.
//!
//! Every violated rule is reported, each with the instant it alone clears (or `None` when
//! only a change of facts can clear it); `next_allowed_at` is the first instant all rules
//! allow, found by jumping to the latest clearing instant until nothing forbids.
//!
//! Consent given directly by the consumer (`Request::consents`) lifts the rules a pack
//! marks `lifted_by_consent`, each as its kind says (`Lift`); a rule it does not lift now
//! clears at the earlier of its usual clearing instant and the start of the next consent
//! window that lifts it, so each rule still forbids throughout [t, its clearing instant).

use crate::facts::{
    Action, Consent, ContactPointKind, Direction, HistoryEntry, Outcome, Purpose, Recipient,
};
use crate::frequency::{block_after, over_limit_until, start_of_local_date};
use crate::hours::{
    LocalWindow, SEARCH_HORIZON_DAYS, next_within, within_hours, within_inconvenient_window,
};
use crate::packs::{Kind, Pack, Per, Rule, RuleSet};
use crate::validation::validation_period;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Span, Timestamp};

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
    /// Consent given directly by the consumer (contract: `consents`); those given after
    /// `now` are unknown.
    pub consents: Vec<Consent>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    pub rule: &'static str,
    pub citation: &'static str,
    pub message: String,
    pub clears_at: Option<Timestamp>,
}

/// A pack consulted for a decision, recorded with it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PackVersion {
    pub id: &'static str,
    pub version: &'static str,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    pub violations: Vec<Violation>,
    pub next_allowed_at: Option<Timestamp>,
    /// The packs in force for this consumer, federal first.
    pub packs: Vec<PackVersion>,
}

impl Answer {
    pub fn allowed(&self) -> bool {
        self.violations.is_empty()
    }
}

/// Asks every rule of the built-in packs about `request`.
pub fn check(request: &Request) -> Answer {
    RuleSet::builtin().check(request)
}

impl RuleSet {
    /// Asks every rule of the packs in force for the consumer about `request`.
    pub fn check(&self, request: &Request) -> Answer {
        // Facts are taken as of `now`, also while looking ahead: drop later history
        // once here instead of in every rule, at every candidate instant.
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
        let packs: Vec<&Pack> = self.packs_for(request.consumer.state.as_deref()).collect();
        let question = Question::new(request, &packs);
        let violations = question.violations_at(request.now);
        let next_allowed_at = question.next_allowed(&violations);
        Answer {
            violations,
            next_allowed_at,
            packs: packs
                .iter()
                .map(|pack| PackVersion {
                    id: pack.id,
                    version: pack.version,
                })
                .collect(),
        }
    }
}

/// One request with what every rule needs worked out once: the first zone, the local
/// date of each history entry, the debt asked about.
struct Question<'r> {
    request: &'r Request,
    rules: Vec<&'r Rule>,
    /// The first zone: "local date" everywhere (UTC if a caller passed none).
    zone: TimeZone,
    /// History entries with their local dates.
    history: Vec<(&'r HistoryEntry, Date)>,
    debt: Option<&'r Debt>,
    /// The consents known at `now` (given at or before it) with a non-empty window.
    consents: Vec<&'r Consent>,
    /// `now` and the contract's 60 days: no clearing instant is looked for beyond it.
    horizon: Option<Timestamp>,
}

/// How consent given directly by the consumer lifts a rule marked `lifted_by_consent`,
/// by the rule's kind (contract: "Consent given directly by the consumer").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Lift {
    /// The consumer's own time (`time_of_day`, `consumer_inconvenient_time`; 12 CFR
    /// 1006.6(b)(1)): an action at t inside the window of a consent for that action.
    Window,
    /// The call frequencies (`contact_frequency`, `call_after_conversation`; 12 CFR
    /// 1006.14(b)(3)): a call at t inside the window of a call consent given at most
    /// 7 days (168 hours) before t.
    RecentCall,
}

impl<'r> Question<'r> {
    fn new(request: &'r Request, packs: &[&'r Pack]) -> Question<'r> {
        let zone = request
            .consumer
            .time_zones
            .first()
            .cloned()
            .unwrap_or(TimeZone::UTC);
        let history = request
            .history
            .iter()
            .map(|entry| (entry, zone.to_datetime(entry.at).date()))
            .collect();
        let consents = request
            .consents
            .iter()
            .filter(|consent| consent.given_at <= request.now && consent.from < consent.to)
            .collect();
        Question {
            request,
            rules: packs.iter().flat_map(|pack| pack.rules.iter()).collect(),
            zone,
            history,
            debt: request.debts.iter().find(|debt| debt.id == request.debt_id),
            consents,
            horizon: request
                .now
                .checked_add(Span::new().hours(SEARCH_HORIZON_DAYS * 24))
                .ok(),
        }
    }

    /// How consent lifts `rule`, if it does.
    fn lift_of(rule: &Rule) -> Option<Lift> {
        if !rule.lifted_by_consent {
            return None;
        }
        match rule.kind {
            Kind::TimeOfDay { .. } | Kind::ConsumerInconvenientTime => Some(Lift::Window),
            Kind::ContactFrequency { .. } | Kind::CallAfterConversation { .. } => {
                Some(Lift::RecentCall)
            }
            _ => None,
        }
    }

    /// The consents that can lift a rule the `lift` way for this request's action.
    fn consents_for(&self, lift: Lift) -> impl Iterator<Item = &'r Consent> + '_ {
        let action = self.request.action;
        self.consents
            .iter()
            .copied()
            .filter(move |consent| match lift {
                Lift::Window => consent.action == action,
                Lift::RecentCall => action == Action::Call && consent.action == Action::Call,
            })
    }

    /// Whether a known consent lifts a rule the `lift` way at `at`.
    fn lifted(&self, lift: Lift, at: Timestamp) -> bool {
        self.consents_for(lift)
            .any(|consent| consent.covers(at) && (lift == Lift::Window || consent.is_recent_at(at)))
    }

    /// The first instant after `at` (within the horizon) at which a known consent starts
    /// lifting a rule the `lift` way: the start of the next consent window in which it
    /// no longer forbids. Each consent lifts on an interval starting at its `from` (for
    /// `RecentCall`, [`from`, `to`) up to 168 hours after `given_at`), so when the rule
    /// forbids at `at` the next lifted instant is such a start.
    fn next_lift(&self, lift: Lift, at: Timestamp) -> Option<Timestamp> {
        self.consents_for(lift)
            .filter(|consent| consent.from > at)
            .filter(|consent| lift == Lift::Window || consent.is_recent_at(consent.from))
            .map(|consent| consent.from)
            .filter(|from| self.horizon.is_some_and(|horizon| *from <= horizon))
            .min()
    }

    fn local_date(&self, instant: Timestamp) -> Date {
        self.zone.to_datetime(instant).date()
    }

    /// The first instant ≥ now at which nothing forbids the action. Each rule forbids
    /// throughout [t, its clears_at), so jumping to the latest clearing instant skips no
    /// allowed instant.
    fn next_allowed(&self, violations: &[Violation]) -> Option<Timestamp> {
        let horizon = self.horizon?;
        let mut at = self.request.now;
        let mut latest = latest_clearing(violations)?;
        // Each round moves past at least one rule's block; a few dozen rounds is plenty,
        // and a few more per consent window (each may be a stop on the way).
        for _ in 0..(64 + 4 * self.consents.len()) {
            let Some(next) = latest else {
                return Some(at);
            };
            if next > horizon {
                return None;
            }
            at = next;
            latest = latest_clearing(&self.violations_at(at))?;
        }
        None
    }

    /// Every rule in force that forbids the action at `at`.
    fn violations_at(&self, at: Timestamp) -> Vec<Violation> {
        let today = self.local_date(at);
        let mut found = Vec::new();
        for rule in self.rules.iter().filter(|rule| rule.in_force(today)) {
            let lift = Question::lift_of(rule);
            if lift.is_some_and(|lift| self.lifted(lift, at)) {
                continue;
            }
            if let Some((message, usual)) = self.forbids(rule, at, today) {
                // Consent lifts the rule from the start of its next window on, if that
                // is before the rule would clear anyway.
                let consent = lift.and_then(|lift| self.next_lift(lift, at));
                let clears_at = match (usual, consent) {
                    (Some(usual), Some(consent)) => Some(usual.min(consent)),
                    (usual, consent) => usual.or(consent),
                };
                found.push(Violation {
                    rule: rule.id,
                    citation: rule.citation,
                    message,
                    clears_at,
                });
            }
        }
        found
    }

    /// Whether `rule` forbids the action at `at` (local date `today`): why, and when it
    /// clears if nothing else happens.
    fn forbids(&self, rule: &Rule, at: Timestamp, today: Date) -> Option<Denial> {
        let request = self.request;
        let consumer = &request.consumer;
        let action = request.action;
        let communication = action.is_communication();
        // The consumer's own time and call count, a cease request and representation do
        // not limit contact with their attorney, who is not "the consumer" (1006.6(a)).
        let to_consumer_side = request.recipient != Recipient::Attorney;
        match &rule.kind {
            Kind::TimeOfDay { hours } => {
                let applies = action.is_timed() && to_consumer_side;
                (applies && !within_hours(at, &consumer.time_zones, *hours)).then(|| {
                    (
                        format!(
                            "outside {}–{} in at least one of the consumer's time zones",
                            hours.from.strftime("%H:%M"),
                            hours.until.strftime("%H:%M")
                        ),
                        next_within(at, &consumer.time_zones, *hours, &[]),
                    )
                })
            }
            Kind::ConsumerInconvenientTime => {
                let zones = &consumer.time_zones;
                let windows = &consumer.inconvenient_windows;
                let applies = action.is_timed() && to_consumer_side;
                (applies && within_inconvenient_window(at, zones, windows)).then(|| {
                    (
                        "inside a time the consumer said is inconvenient".to_string(),
                        next_outside_windows(at, zones, windows),
                    )
                })
            }
            Kind::ContactFrequency {
                actions,
                counts,
                per,
                max,
                days,
                same_instant_counts_once,
                contact_points,
            } => {
                let point_applies = match (contact_points.is_empty(), request.contact_point) {
                    (true, _) | (false, None) => true,
                    (false, Some(point)) => contact_points.contains(&point.kind),
                };
                if !(actions.contains(&action) && to_consumer_side && point_applies) {
                    return None;
                }
                let mut contacts: Vec<(Action, Timestamp, Date)> = self
                    .history
                    .iter()
                    .filter(|(entry, _)| {
                        counts.contains(&entry.action)
                            && is_counted_contact(entry)
                            && (*per == Per::Consumer || entry.debt_id == request.debt_id)
                    })
                    .map(|(entry, date)| (entry.action, entry.at, *date))
                    .collect();
                if *same_instant_counts_once {
                    contacts.sort_unstable_by_key(|(action, at, _)| (action.code(), *at));
                    contacts.dedup();
                }
                let dates: Vec<Date> = contacts.iter().map(|(_, _, date)| *date).collect();
                let clears = over_limit_until(&dates, *max, *days, today, &self.zone)?;
                let first = today
                    .checked_sub(Span::new().days(days - 1))
                    .unwrap_or(Date::MIN);
                let in_window = dates
                    .iter()
                    .filter(|date| first <= **date && **date <= today)
                    .count();
                let whose = match per {
                    Per::Debt => format!("about {}", request.debt_id),
                    Per::Consumer => "to the consumer".to_string(),
                };
                let message = format!(
                    "{in_window} {} {whose} on {first} … {today} (at most {max} in {days} days)",
                    contact_words(counts)
                );
                Some((message, clears))
            }
            Kind::CallAfterConversation { days } => {
                if action != Action::Call || !to_consumer_side {
                    return None;
                }
                let last = self
                    .history
                    .iter()
                    .filter(|(entry, _)| entry.is_conversation(&request.debt_id))
                    .map(|(_, date)| *date)
                    .max()?;
                let clears = block_after(last, *days, today, &self.zone)?;
                Some((
                    format!("a conversation about {} on {last}", request.debt_id),
                    clears,
                ))
            }
            Kind::CeaseCommunication => {
                let exempt = action == Action::Letter
                    && matches!(
                        request.purpose,
                        Purpose::CeaseConfirmation | Purpose::RemedyNotice
                    );
                // The consumer's attorney is not "the consumer" (12 CFR 1006.6(a)): a
                // cease request does not stop communications with them. An estate's
                // representative is the consumer there, so it does.
                fact(
                    communication && consumer.cease_requested && to_consumer_side && !exempt,
                    "the consumer asked the collector to cease communication",
                )
            }
            Kind::AttorneyRepresented => fact(
                communication && consumer.attorney_represented && to_consumer_side,
                "the consumer is represented by an attorney",
            ),
            Kind::WorkplaceProhibited => {
                let workplace = request
                    .contact_point
                    .is_some_and(|point| point.workplace || point.kind == ContactPointKind::Work);
                fact(
                    communication && workplace && consumer.employer_prohibits_contact,
                    "the employer prohibits such communications",
                )
            }
            Kind::ElectronicOptOut => {
                let opted_out = match action {
                    Action::Email => consumer.email_opted_out,
                    Action::Sms => consumer.sms_opted_out,
                    _ => false,
                };
                fact(
                    opted_out && request.purpose != Purpose::OptOutConfirmation,
                    "the consumer opted out of this medium",
                )
            }
            Kind::DisputePending => self
                .dispute_pending()
                .then(|| ("a timely dispute awaits verification".to_string(), None)),
            Kind::PassiveCreditReporting { wait_days } => {
                self.credit_reporting_block(*wait_days, today)
            }
            Kind::TimeBarredSuit => fact(
                action == Action::Lawsuit && self.debt.is_some_and(|debt| debt.time_barred),
                "the debt is time-barred",
            ),
            Kind::BankruptcyStay => fact(
                consumer.bankruptcy_filed,
                "the automatic stay of a bankruptcy filing",
            ),
            Kind::Deceased => fact(
                communication && consumer.deceased && request.recipient == Recipient::Consumer,
                "the consumer is deceased",
            ),
        }
    }

    /// A fact dated after `now` is treated as absent.
    fn known(&self, instant: Option<Timestamp>) -> Option<Timestamp> {
        instant.filter(|at| *at <= self.request.now)
    }

    fn dispute_pending(&self) -> bool {
        let request = self.request;
        let Some(debt) = self.debt else {
            return false;
        };
        let Some(received) = self.known(debt.dispute_received_at) else {
            return false;
        };
        if self.known(debt.verification_sent_at).is_some() {
            return false;
        }
        let exempt = request.action == Action::Letter && request.purpose == Purpose::Verification;
        let within_period = match self.known(debt.validation_notice_sent_at) {
            None => true,
            Some(sent) => validation_period(self.local_date(sent))
                .is_some_and(|period| self.local_date(received) <= period.ends_on),
        };
        within_period && !exempt
    }

    fn credit_reporting_block(&self, wait_days: i64, today: Date) -> Option<Denial> {
        let request = self.request;
        if request.action != Action::CreditReport {
            return None;
        }
        let debt = self.debt?;
        if self
            .history
            .iter()
            .any(|(entry, _)| entry.is_conversation(&request.debt_id))
        {
            return None;
        }
        let undeliverable = self.known(debt.undeliverable_notice_at);
        let delivered = |sent: Timestamp| undeliverable.is_none_or(|returned| returned < sent);
        let letters = self
            .history
            .iter()
            .filter(|(entry, _)| {
                entry.debt_id == request.debt_id
                    && matches!(entry.action, Action::Letter | Action::Email)
                    && entry.outcome == Outcome::Sent
            })
            .map(|(entry, _)| entry.at);
        let first_send = letters
            .chain(self.known(debt.validation_notice_sent_at))
            .filter(|sent| delivered(*sent))
            .min();
        let may_report_from = first_send.and_then(|sent| {
            self.local_date(sent)
                .checked_add(Span::new().days(wait_days + 1))
                .ok()
        });
        match may_report_from {
            Some(from) if today >= from => None,
            Some(from) => Some((
                format!(
                    "no reporting before {from}: {wait_days} days after the first communication"
                ),
                start_of_local_date(from, &self.zone),
            )),
            None => Some((
                "no communication about the debt yet: the consumer has not been contacted".into(),
                None,
            )),
        }
    }
}

/// Why a rule forbids, and when it clears.
type Denial = (String, Option<Timestamp>);

/// A denial that only a change of facts can clear.
fn fact(condition: bool, message: &str) -> Option<Denial> {
    condition.then(|| (message.to_string(), None))
}

/// `Ok(None)` when nothing forbids, `Ok(Some(latest clears_at))` otherwise, `None` when
/// some violation never clears by itself.
fn latest_clearing(violations: &[Violation]) -> Option<Option<Timestamp>> {
    let mut latest = None;
    for violation in violations {
        let clears = violation.clears_at?;
        latest = latest.max(Some(clears));
    }
    Some(latest)
}

/// A contact the collector made to the consumer's side that reached a number or an
/// address: outbound, not to the attorney, and for calls one that connected (busy and
/// not-connected calls did not, comment 14(b)(3)(ii)-1) and was not placed under a
/// consent the consumer gave directly (1006.14(b)(3); the contract's `"consent": true`).
fn is_counted_contact(entry: &HistoryEntry) -> bool {
    entry.direction == Direction::Outbound
        && entry.recipient != Recipient::Attorney
        && !(entry.action == Action::Call
            && (entry.consent || matches!(entry.outcome, Outcome::Busy | Outcome::NotConnected)))
}

fn contact_words(counts: &[Action]) -> String {
    let words: Vec<&str> = counts
        .iter()
        .map(|action| match action {
            Action::Call => "calls",
            Action::Sms => "texts",
            Action::Email => "emails",
            Action::Letter => "letters",
            Action::Visit => "visits",
            Action::CreditReport => "credit reports",
            Action::Lawsuit => "lawsuits",
        })
        .collect();
    match words.as_slice() {
        [] => "contacts".into(),
        [one] => (*one).into(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
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
