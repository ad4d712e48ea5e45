//! The compliance pipeline, once: from what the store knows about an account to the
//! question put to the engine, its answer and the decision the log keeps. The workspace
//! (banner, attempts, "next account"), the API, `arrears compliance ask`, the dialer
//! list and the demo all ask through here, so the same account gets the same answer
//! whichever door the question came through.
//!
//! Decided here and nowhere else:
//! - the consumer's zones at the time of the check: the zones on file, then those of
//!   the state as it is now and of the number about to be used (or the first usable
//!   phone when no number is named), so a number added since import narrows the window;
//! - a consumer whose zone nothing tells is asked about with every zone of the fifty
//!   states and DC (a time convenient wherever they may be), and the answer says so;
//! - which contact points are usable (`ContactStatus::is_usable`);
//! - the outcome each disposition amounts to;
//! - earlier attempts as history: a stored attempt that does not read back is an error,
//!   never "no history"; a call placed under a consent the debtor gave is marked so;
//! - the consents the debtor gave directly (callbacks they asked for), passed with every
//!   question about any of their accounts;
//! - whether an account may be called now: through one of its usable phones, each asked
//!   (`Known::callable`), never through an email address or no number at all.

use crate::{App, Error};
use compliance::check::{Answer, Consumer, ContactPoint, Debt, Request};
use compliance::facts::{
    Action, Consent, ContactPointKind, Direction, HistoryEntry, Outcome, Purpose, Recipient,
};
use compliance::packs::RuleSet;
use domain::account::HoldKind;
use domain::contact::{Disposition, Reached};
use domain::party::{ContactKind, ContactStatus};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use store::StoreError;
use store::decisions::NewDecision;
use store::workspace::{Attempt, ConsentGiven};

/// Who put a question to the engine, as the decision log names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AskedBy {
    Agent,
    Dialer,
    Cli,
    Api,
    /// A treatment step of the collection strategy, sent by the dispatcher.
    Strategy,
}

impl AskedBy {
    pub fn code(self) -> &'static str {
        match self {
            AskedBy::Agent => "agent",
            AskedBy::Dialer => "dialer",
            AskedBy::Cli => "cli",
            AskedBy::Api => "api",
            AskedBy::Strategy => "strategy",
        }
    }
}

/// The outcome a disposition amounts to for `action`: a call's is what happened on the
/// line; a visit either reached the consumer or did not; texts, emails and letters are
/// `sent`.
pub fn outcome_of(disposition: Disposition, action: Action) -> Outcome {
    let reached = disposition.reached();
    match action {
        Action::Call => match reached {
            Reached::Conversation => Outcome::Conversation,
            Reached::WrongParty => Outcome::WrongParty,
            Reached::Voicemail => Outcome::Voicemail,
            Reached::NoAnswer => Outcome::NoAnswer,
            Reached::Busy => Outcome::Busy,
        },
        Action::Visit if reached == Reached::Conversation => Outcome::Conversation,
        Action::Visit => Outcome::NoContact,
        _ => Outcome::Sent,
    }
}

/// One of the debtor's contact points, read back into domain types.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Point {
    pub kind: ContactKind,
    /// E.164 for phones, the address for email.
    pub value: String,
    pub status: ContactStatus,
}

impl Point {
    pub fn is_usable(&self) -> bool {
        self.status.is_usable()
    }

    /// The contract's name for the kind of point.
    pub fn contract_kind(&self) -> ContactPointKind {
        match self.kind {
            ContactKind::PhoneHome => ContactPointKind::Home,
            ContactKind::PhoneWork => ContactPointKind::Work,
            ContactKind::PhoneMobile => ContactPointKind::Mobile,
            ContactKind::Email => ContactPointKind::Email,
        }
    }

    /// Whether `action` reaches the debtor through a point of this kind.
    pub fn serves(&self, action: Action) -> bool {
        match action {
            Action::Call | Action::Sms => self.kind.is_phone(),
            Action::Email => self.kind == ContactKind::Email,
            _ => false,
        }
    }

    fn phone(&self) -> Option<&str> {
        self.kind.is_phone().then_some(self.value.as_str())
    }
}

/// Whether `action` is made through a contact point (letters, visits, credit reports
/// and suits are not).
pub fn needs_point(action: Action) -> bool {
    matches!(action, Action::Call | Action::Sms | Action::Email)
}

/// Where the zones of a request came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ZoneBasis {
    /// The zone on file, the state or a phone's area code.
    Known,
    /// Nothing on file tells: every zone of the fifty states and DC.
    EveryUsZone,
}

/// A consumer's zones for one question.
#[derive(Clone, Debug)]
pub struct Zones {
    pub zones: Vec<TimeZone>,
    pub basis: ZoneBasis,
}

impl Zones {
    /// The zone instants are shown in: the first plausible one.
    pub fn display(&self) -> TimeZone {
        self.zones.first().cloned().unwrap_or(TimeZone::UTC)
    }
}

/// The consumer's zones at the time of the check: those stored for the debtor (the zone
/// on file first), then those of their state as it is now and of `phone`. When none is
/// known, every zone of the fifty states and DC.
pub fn zones_now(stored: &[String], state: Option<&str>, phone: Option<&str>) -> Zones {
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
    let zones: Vec<TimeZone> = names
        .into_iter()
        .filter_map(|name| TimeZone::get(name).ok())
        .collect();
    if !zones.is_empty() {
        return Zones {
            zones,
            basis: ZoneBasis::Known,
        };
    }
    Zones {
        zones: compliance::zones::every_us_zone()
            .iter()
            .filter_map(|name| TimeZone::get(name).ok())
            .collect(),
        basis: ZoneBasis::EveryUsZone,
    }
}

/// Earlier attempts as the engine's history (the debt id is the account reference).
/// An attempt whose codes do not read back is an error: leaving it out would undercount
/// the consumer's contacts.
pub fn history(attempts: &[Attempt]) -> Result<Vec<HistoryEntry>, Error> {
    attempts
        .iter()
        .map(|attempt| {
            let corrupt = |what: &str, code: &str| {
                Error::Store(StoreError::Corrupt(format!(
                    "contact attempt {}: {what} {code:?}",
                    attempt.id
                )))
            };
            Ok(HistoryEntry {
                at: attempt.at,
                debt_id: attempt.account_ref.clone(),
                action: Action::parse(&attempt.action)
                    .ok_or_else(|| corrupt("action", &attempt.action))?,
                outcome: Outcome::parse(&attempt.outcome)
                    .ok_or_else(|| corrupt("outcome", &attempt.outcome))?,
                direction: Direction::parse(&attempt.direction)
                    .ok_or_else(|| corrupt("direction", &attempt.direction))?,
                recipient: Recipient::parse(&attempt.recipient)
                    .ok_or_else(|| corrupt("recipient", &attempt.recipient))?,
                // A call placed inside the window of a consent the debtor gave directly
                // is not a counted call (12 CFR 1006.14(b)(3)).
                consent: attempt.under_consent && attempt.action == Action::Call.code(),
            })
        })
        .collect()
}

/// The holds under which collection may stop, as the engine decides: a pending dispute
/// (12 CFR 1006.38(d)(2)), a bankruptcy's automatic stay (11 U.S.C. 362(a)), a deceased
/// debtor with no estate representative to write to (12 CFR 1006.6(a)), a cease request
/// (12 CFR 1006.6(c)).
pub const COLLECTION_HOLDS: [HoldKind; 4] = [
    HoldKind::Dispute,
    HoldKind::Bankruptcy,
    HoldKind::Deceased,
    HoldKind::Cease,
];

/// Whether `action` at `at` is a call inside the window of a consent given by then.
fn under_consent(consents: &[Consent], action: Action, at: Timestamp) -> bool {
    action == Action::Call
        && consents.iter().any(|consent| {
            consent.action == Action::Call && consent.given_at <= at && consent.covers(at)
        })
}

/// The consents the debtor gave as the engine's facts; one that does not read back is an
/// error (leaving it out would deny a call the debtor asked for, keeping it in unread
/// would lift a rule nobody agreed to lift: neither is silent).
pub fn consents(stored: &[ConsentGiven]) -> Result<Vec<Consent>, Error> {
    stored
        .iter()
        .map(|consent| {
            Ok(Consent {
                given_at: consent.given_at,
                from: consent.from,
                to: consent.to,
                action: Action::parse(&consent.action).ok_or_else(|| {
                    Error::Store(StoreError::Corrupt(format!(
                        "consent action {:?}",
                        consent.action
                    )))
                })?,
            })
        })
        .collect()
}

/// The stored contact points as domain values; a point that does not read back is an
/// error.
pub fn points(stored: &[(String, String, String)]) -> Result<Vec<Point>, Error> {
    stored
        .iter()
        .map(|(kind, value, status)| {
            let corrupt =
                |what: &str| Error::Store(StoreError::Corrupt(format!("contact point {what}")));
            Ok(Point {
                kind: ContactKind::parse(kind).ok_or_else(|| corrupt(kind))?,
                value: value.clone(),
                status: ContactStatus::parse(status).ok_or_else(|| corrupt(status))?,
            })
        })
        .collect()
}

/// The facts of one account the engine is asked with, borrowed from wherever they were
/// read (one account's page, or the dialer's bulk read).
pub struct Facts<'a> {
    pub account_ref: &'a str,
    pub stored_zones: &'a [String],
    pub state: Option<&'a str>,
    pub holds: &'a [HoldKind],
    pub dispute_placed_at_us: Option<i64>,
    pub validation_notice_sent_at: Option<Timestamp>,
    /// When returned mail was last recorded for the account (the engine's
    /// undeliverable notice).
    pub undeliverable_notice_at: Option<Timestamp>,
    pub history: &'a [HistoryEntry],
    /// The consents the debtor gave directly, on any of their accounts.
    pub consents: &'a [Consent],
    /// The debtor opted out of email / of texts (`store::messages`).
    pub email_opted_out: bool,
    pub sms_opted_out: bool,
}

/// A question and its answer.
#[derive(Clone, Debug)]
pub struct Asked {
    pub request: Request,
    pub answer: Answer,
    pub zones: Zones,
    /// The number or address the question was about.
    pub contact_point: Option<String>,
}

impl Asked {
    pub fn allowed(&self) -> bool {
        self.answer.allowed()
    }

    /// Whether the action asked about is a call placed under a consent the debtor gave
    /// directly (a callback they asked for): allowed by it where the time and frequency
    /// rules would forbid, and not counted.
    pub fn under_consent(&self) -> bool {
        under_consent(
            &self.request.consents,
            self.request.action,
            self.request.now,
        )
    }

    /// The decision as the log records it.
    pub fn decision(&self, account_id: i64, asked_by: AskedBy) -> NewDecision {
        NewDecision {
            account_id,
            decided_at: self.request.now,
            asked_by: asked_by.code(),
            action: self.request.action.code().to_string(),
            contact_point: self.contact_point.clone(),
            allowed: self.answer.allowed(),
            rules: self
                .answer
                .violations
                .iter()
                .map(|violation| violation.rule.to_string())
                .collect(),
            next_allowed_at: self.answer.next_allowed_at,
            packs: self
                .answer
                .packs
                .iter()
                .map(|pack| format!("{}@{}", pack.id, pack.version))
                .collect(),
            request_json: crate::compliance_json::request_json(&self.request).to_string(),
            answer_json: crate::compliance_json::answer_json(&self.answer).to_string(),
        }
    }
}

impl Facts<'_> {
    /// Asks the engine about `action` at `at` through `point` (or none). The zones are
    /// those of the point's number, else of `fallback_phone` (the debtor's first usable
    /// phone), else of the state and what is on file.
    pub fn ask(
        &self,
        rules: &RuleSet,
        at: Timestamp,
        action: Action,
        point: Option<&Point>,
        fallback_phone: Option<&str>,
    ) -> Asked {
        self.ask_for(
            rules,
            at,
            action,
            Purpose::Collection,
            point,
            fallback_phone,
        )
    }

    /// `ask` for a communication of another purpose (an opt-out confirmation).
    pub fn ask_for(
        &self,
        rules: &RuleSet,
        at: Timestamp,
        action: Action,
        purpose: Purpose,
        point: Option<&Point>,
        fallback_phone: Option<&str>,
    ) -> Asked {
        let phone = point.and_then(Point::phone).or(fallback_phone);
        let zones = zones_now(self.stored_zones, self.state, phone);
        let holds = self.holds;
        let request = Request {
            now: at,
            action,
            debt_id: self.account_ref.to_string(),
            recipient: Recipient::Consumer,
            purpose,
            contact_point: point.map(|point| {
                let kind = point.contract_kind();
                ContactPoint {
                    kind,
                    workplace: kind == ContactPointKind::Work,
                }
            }),
            consumer: Consumer {
                time_zones: zones.zones.clone(),
                state: self.state.map(str::to_string),
                cease_requested: holds.contains(&HoldKind::Cease),
                attorney_represented: holds.contains(&HoldKind::Attorney),
                bankruptcy_filed: holds.contains(&HoldKind::Bankruptcy),
                deceased: holds.contains(&HoldKind::Deceased),
                email_opted_out: self.email_opted_out,
                sms_opted_out: self.sms_opted_out,
                ..Consumer::default()
            },
            debts: vec![Debt {
                id: self.account_ref.to_string(),
                dispute_received_at: self
                    .dispute_placed_at_us
                    .and_then(|us| Timestamp::from_microsecond(us).ok()),
                validation_notice_sent_at: self.validation_notice_sent_at,
                undeliverable_notice_at: self.undeliverable_notice_at,
                ..Debt::default()
            }],
            history: self.history.to_vec(),
            // Windows over by `at` lift nothing: the log keeps the question short.
            consents: self
                .consents
                .iter()
                .filter(|consent| consent.to > at)
                .cloned()
                .collect(),
        };
        let answer = rules.check(&request);
        Asked {
            request,
            answer,
            zones,
            contact_point: point.map(|point| point.value.clone()),
        }
    }
}

/// Everything the engine needs about one account, as of now.
#[derive(Clone, Debug)]
pub struct Known {
    pub account_id: i64,
    pub creditor: String,
    pub account_ref: String,
    pub status: String,
    pub stored_zones: Vec<String>,
    pub state: Option<String>,
    pub holds: Vec<HoldKind>,
    pub dispute_placed_at_us: Option<i64>,
    pub validation_notice_sent_at: Option<Timestamp>,
    pub undeliverable_notice_at: Option<Timestamp>,
    pub points: Vec<Point>,
    /// The debtor's attempts on all their accounts, oldest first (also the timeline's).
    pub attempts: Vec<Attempt>,
    pub history: Vec<HistoryEntry>,
    /// The consents the debtor gave directly (callbacks they asked for).
    pub consents: Vec<Consent>,
    /// The debtor opted out of email / of texts (`store::messages`).
    pub email_opted_out: bool,
    pub sms_opted_out: bool,
}

impl Known {
    fn facts(&self) -> Facts<'_> {
        Facts {
            account_ref: &self.account_ref,
            stored_zones: &self.stored_zones,
            state: self.state.as_deref(),
            holds: &self.holds,
            dispute_placed_at_us: self.dispute_placed_at_us,
            validation_notice_sent_at: self.validation_notice_sent_at,
            undeliverable_notice_at: self.undeliverable_notice_at,
            history: &self.history,
            consents: &self.consents,
            email_opted_out: self.email_opted_out,
            sms_opted_out: self.sms_opted_out,
        }
    }

    /// The usable points `action` goes through, in the order they were added (for a
    /// call: phones only, never an email address).
    pub fn usable_points(&self, action: Action) -> impl Iterator<Item = &Point> {
        self.points
            .iter()
            .filter(move |point| point.is_usable() && point.serves(action))
    }

    /// Whether a call at `at` would be placed under a consent the debtor gave (inside
    /// its window, given by then): such a call is not counted.
    pub fn call_under_consent(&self, action: Action, at: Timestamp) -> bool {
        under_consent(&self.consents, action, at)
    }

    /// Whether the debtor may be called at `at`: each usable phone asked in turn, the
    /// first allowed wins. `Refused` carries the answer that clears first (the reason
    /// and "allowed from"); `NoPhone` when no usable phone is on file (the account is
    /// for the email and mail channels).
    pub fn callable(&self, rules: &RuleSet, at: Timestamp) -> Callable {
        let mut refused: Option<Asked> = None;
        for point in self.usable_points(Action::Call) {
            let asked = self.ask(rules, at, Action::Call, Some(point));
            if asked.allowed() {
                return Callable::Yes(Box::new(asked));
            }
            let clears_sooner = match (&refused, asked.answer.next_allowed_at) {
                (None, _) => true,
                (Some(_), None) => false,
                (Some(best), Some(next)) => best.answer.next_allowed_at.is_none_or(|b| next < b),
            };
            if clears_sooner {
                refused = Some(asked);
            }
        }
        match refused {
            Some(asked) => Callable::Refused(Box::new(asked)),
            None => Callable::NoPhone,
        }
    }

    /// The first usable point `action` goes through (none for letters and visits).
    pub fn usable_point(&self, action: Action) -> Option<&Point> {
        self.points
            .iter()
            .find(|point| point.is_usable() && point.serves(action))
    }

    /// The usable point with this value (a number in E.164 or an address).
    pub fn point(&self, value: &str) -> Option<&Point> {
        self.points
            .iter()
            .find(|point| point.value == value && point.is_usable())
    }

    /// The consumer's zones when no number is named: those of the first usable phone.
    pub fn zones(&self) -> Zones {
        zones_now(
            &self.stored_zones,
            self.state.as_deref(),
            self.usable_point(Action::Call).and_then(Point::phone),
        )
    }

    /// Asks about `action` through `point` (or none) at `at`.
    pub fn ask(
        &self,
        rules: &RuleSet,
        at: Timestamp,
        action: Action,
        point: Option<&Point>,
    ) -> Asked {
        self.ask_for(rules, at, action, Purpose::Collection, point)
    }

    /// `ask` for a communication of `purpose` (an opt-out confirmation is allowed to a
    /// consumer who opted out of the medium).
    pub fn ask_for(
        &self,
        rules: &RuleSet,
        at: Timestamp,
        action: Action,
        purpose: Purpose,
        point: Option<&Point>,
    ) -> Asked {
        let fallback = self.usable_point(Action::Call).and_then(Point::phone);
        self.facts()
            .ask_for(rules, at, action, purpose, point, fallback)
    }

    /// The compliance rules that stop collection (a plan's or settlement's approval)
    /// under each hold of `COLLECTION_HOLDS`, the account holding it or not: the rules
    /// the engine names for a letter about the debt to the debtor (what any arrangement
    /// needs: its terms in writing) with the hold that it does not name without it. A
    /// dispute counts as received at `at` when none is on file; a hold whose rules are
    /// empty does not stop collection (an untimely dispute). The store refuses the
    /// approval when it reads one of these holds on the account in the deciding
    /// transaction (`money::decide_approval`).
    pub fn collection_stops(
        &self,
        rules: &RuleSet,
        at: Timestamp,
    ) -> Vec<(HoldKind, Vec<store::arrangements::StopRule>)> {
        COLLECTION_HOLDS
            .iter()
            .map(|hold| (*hold, self.stops_under(rules, at, *hold)))
            .collect()
    }

    /// The rules that stop collection under `hold` (see `collection_stops`).
    pub fn stops_under(
        &self,
        rules: &RuleSet,
        at: Timestamp,
        hold: HoldKind,
    ) -> Vec<store::arrangements::StopRule> {
        let mut held = self.clone();
        if !held.holds.contains(&hold) {
            held.holds.push(hold);
        }
        let mut free = self.clone();
        free.holds.retain(|kind| *kind != hold);
        if hold == HoldKind::Dispute {
            held.dispute_placed_at_us = held.dispute_placed_at_us.or(Some(at.as_microsecond()));
            free.dispute_placed_at_us = None;
        }
        let with = held.ask(rules, at, Action::Letter, None).answer;
        let without = free.ask(rules, at, Action::Letter, None).answer;
        with.violations
            .into_iter()
            .filter(|violation| !without.violations.iter().any(|v| v.rule == violation.rule))
            .map(|violation| store::arrangements::StopRule {
                rule: violation.rule.to_string(),
                citation: violation.citation.to_string(),
                message: violation.message,
            })
            .collect()
    }

    /// Counted calls about this account on the 7 local dates ending on `at`'s (first
    /// zone): the Reg F call budget shown to agents ("5 of 7").
    pub fn calls_in_last_seven_days(&self, at: Timestamp) -> usize {
        let zone = self.zones().display();
        let today = zone.to_datetime(at).date();
        let first = today
            .checked_sub(jiff::Span::new().days(6))
            .unwrap_or(today);
        self.history
            .iter()
            .filter(|entry| entry.at <= at && entry.is_counted_call(&self.account_ref))
            .filter(|entry| {
                let date = zone.to_datetime(entry.at).date();
                first <= date && date <= today
            })
            .count()
    }
}

/// Whether a debtor may be called at an instant (`Known::callable`).
#[derive(Clone, Debug)]
pub enum Callable {
    /// Through this phone (the question and its answer).
    Yes(Box<Asked>),
    /// Every usable phone is refused; the answer that clears first.
    Refused(Box<Asked>),
    /// No usable phone on file.
    NoPhone,
}

/// The channels the workspace's banner shows, in order.
pub const CHANNELS: &[Action] = &[
    Action::Call,
    Action::Sms,
    Action::Email,
    Action::Letter,
    Action::Visit,
];

impl App {
    /// What the engine needs about the account, read now.
    pub async fn known(&self, creditor: &str, account_ref: &str) -> Result<Known, Error> {
        let store::dialer::ContactHistory {
            facts,
            attempts,
            consents: given,
        } = self.store.contact_history(creditor, account_ref).await?;
        let consents = consents(&given)?;
        Ok(Known {
            account_id: facts.account_id,
            consents,
            history: history(&attempts)?,
            points: points(&facts.contact_points)?,
            attempts,
            creditor: facts.creditor,
            account_ref: facts.account_ref,
            status: facts.status,
            stored_zones: facts.time_zones,
            state: facts.state,
            holds: facts.holds,
            dispute_placed_at_us: facts.dispute_placed_at_us,
            validation_notice_sent_at: facts.validation_notice_sent_at,
            email_opted_out: facts.email_opted_out,
            sms_opted_out: facts.sms_opted_out,
            undeliverable_notice_at: facts.undeliverable_notice_at,
        })
    }

    /// The banner: each channel asked now through its first usable point. Nothing is
    /// logged (a look, not a contact).
    pub fn channels_now(&self, known: &Known, at: Timestamp) -> Vec<Asked> {
        CHANNELS
            .iter()
            .map(|action| {
                let point = known.usable_point(*action);
                known.ask(self.rules, at, *action, point)
            })
            .collect()
    }

    /// Asks about one contact with an account and logs the decision (`compliance ask`,
    /// the API).
    pub async fn ask(
        &self,
        who: &store::Actor,
        asked_by: AskedBy,
        question: &Question<'_>,
    ) -> Result<Asked, AskError> {
        let known = self.known(question.creditor, question.account_ref).await?;
        let point = match question.contact {
            Some(value) => Some(
                known
                    .points
                    .iter()
                    .find(|point| point.value == value)
                    .ok_or(AskError::UnknownContact)?,
            ),
            None => known.usable_point(question.action),
        };
        let asked = known.ask(self.rules, question.at, question.action, point);
        self.store
            .record_decisions(
                who,
                &format!(
                    "asked about {} {}/{}",
                    question.action.code(),
                    question.creditor,
                    question.account_ref
                ),
                std::slice::from_ref(&asked.decision(known.account_id, asked_by)),
            )
            .await?;
        Ok(asked)
    }
}

impl App {
    /// A user's question about an account they see (the API), logged like any other.
    pub async fn ask_as(
        &self,
        user: &store::sessions::SessionUser,
        question: &Question<'_>,
    ) -> Result<Asked, AskError> {
        crate::require(user, domain::permission::Permission::AskCompliance)?;
        self.ask(&user.actor(), AskedBy::Api, question).await
    }

    /// The contract's check of a request the caller built (nothing read, nothing
    /// logged): `POST /api/v1/compliance/check`.
    pub fn check(
        &self,
        user: &store::sessions::SessionUser,
        request: &Request,
    ) -> Result<Answer, Error> {
        crate::require(user, domain::permission::Permission::AskCompliance)?;
        Ok(self.rules.check(request))
    }
}

/// A question about contacting the debtor of one account.
#[derive(Clone, Copy, Debug)]
pub struct Question<'a> {
    pub creditor: &'a str,
    pub account_ref: &'a str,
    pub action: Action,
    /// One of the debtor's contact points, usable or not (the answer is about that
    /// number); `None`: the first usable point for the action.
    pub contact: Option<&'a str>,
    pub at: Timestamp,
}

/// Why a question about an account was not answered.
#[derive(Debug, thiserror::Error)]
pub enum AskError {
    #[error("not one of the debtor's contact points")]
    UnknownContact,
    #[error(transparent)]
    App(#[from] Error),
}

impl From<StoreError> for AskError {
    fn from(error: StoreError) -> AskError {
        AskError::App(Error::Store(error))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attempt(action: &str, outcome: &str) -> Attempt {
        Attempt {
            id: 7,
            account_id: 1,
            account_ref: "A-1".into(),
            username: None,
            at: "2026-06-01T15:00:00Z".parse().unwrap(),
            action: action.into(),
            contact_point: None,
            direction: "outbound".into(),
            recipient: "consumer".into(),
            outcome: outcome.into(),
            disposition: "no_answer".into(),
            note: None,
            under_consent: false,
        }
    }

    #[test]
    fn an_attempt_that_does_not_read_back_is_an_error_not_missing_history() {
        let good = attempt("call", "no_answer");
        assert_eq!(history(std::slice::from_ref(&good)).unwrap().len(), 1);
        let odd = attempt("call", "spoke_briefly");
        let error = history(&[good, odd]).unwrap_err();
        assert!(
            error.to_string().contains("contact attempt 7: outcome"),
            "{error}"
        );
    }

    /// A call placed under a consent the debtor gave is marked so in the history (not a
    /// counted call); other calls are not, nor is anything but a call; the debtor's
    /// consents go with the question, those whose window is over by then left out.
    #[test]
    fn calls_placed_under_consent_are_marked_and_consents_go_with_the_question() {
        let mut under = attempt("call", "conversation");
        under.under_consent = true;
        let mut letter = attempt("letter", "sent");
        letter.under_consent = true;
        let calls = history(&[attempt("call", "no_answer"), under, letter]).unwrap();
        let marks: Vec<bool> = calls.iter().map(|entry| entry.consent).collect();
        assert_eq!(marks, [false, true, false]);
        let at: Timestamp = "2026-06-02T11:30:00Z".parse().unwrap();
        let window = |from: &str, to: &str| Consent {
            given_at: "2026-06-01T15:00:00Z".parse().unwrap(),
            from: from.parse().unwrap(),
            to: to.parse().unwrap(),
            action: Action::Call,
        };
        let over = window("2026-06-01T20:00:00Z", "2026-06-01T20:30:00Z");
        let current = window("2026-06-02T11:30:00Z", "2026-06-02T12:00:00Z");
        let facts = Facts {
            account_ref: "A-1",
            stored_zones: &[],
            state: Some("NY"),
            holds: &[],
            dispute_placed_at_us: None,
            validation_notice_sent_at: None,
            undeliverable_notice_at: None,
            history: &calls,
            consents: &[over, current.clone()],
            email_opted_out: false,
            sms_opted_out: false,
        };
        // 07:30 in New York: the time rule would forbid it, the consent lifts it.
        let asked = facts.ask(RuleSet::builtin(), at, Action::Call, None, None);
        assert_eq!(asked.request.consents, [current]);
        assert!(asked.allowed(), "{:?}", asked.answer);
    }

    #[test]
    fn no_known_zone_means_every_zone_of_the_fifty_states_and_dc() {
        let known = zones_now(&[], Some("NY"), None);
        assert_eq!(known.basis, ZoneBasis::Known);
        assert_eq!(known.display().iana_name(), Some("America/New_York"));
        // A toll-free number and no address: nothing tells.
        let unknown = zones_now(&[], None, Some("+18005550199"));
        assert_eq!(unknown.basis, ZoneBasis::EveryUsZone);
        let names: Vec<&str> = unknown
            .zones
            .iter()
            .filter_map(|zone| zone.iana_name())
            .collect();
        for zone in [
            "America/New_York",
            "America/Chicago",
            "Pacific/Honolulu",
            "America/Anchorage",
        ] {
            assert!(names.contains(&zone), "{zone} in {names:?}");
        }
        // Territories are not states: Guam's clock would forbid every hour of the day.
        assert!(!names.contains(&"Pacific/Guam"), "{names:?}");
    }

    #[test]
    fn a_disposition_is_a_call_outcome_and_texts_are_sent() {
        assert_eq!(
            outcome_of(Disposition::WrongNumber, Action::Call),
            Outcome::WrongParty
        );
        assert_eq!(
            outcome_of(Disposition::Promise, Action::Visit),
            Outcome::Conversation
        );
        assert_eq!(
            outcome_of(Disposition::NoAnswer, Action::Visit),
            Outcome::NoContact
        );
        assert_eq!(
            outcome_of(Disposition::NoAnswer, Action::Sms),
            Outcome::Sent
        );
    }
}
