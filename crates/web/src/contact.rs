//! From what the store knows to what the compliance engine is asked: the consumer's zones
//! at the time of the check, holds as facts, earlier attempts as history, and the
//! dispositions an agent logs with the outcome each amounts to. Shared by the workspace,
//! the dialer list and `arrears compliance ask`.

use compliance::check::{Answer, Consumer, ContactPoint, Debt, Request};
use compliance::facts::{
    Action, ContactPointKind, Direction, HistoryEntry, Outcome, Purpose, Recipient,
};
use domain::account::HoldKind;
use jiff::Timestamp;
use jiff::tz::TimeZone;
use store::decisions::NewDecision;
use store::workspace::Attempt;

/// What an agent can record after trying to reach someone, and the contract's outcome
/// it amounts to for a call (texts, emails and letters are always `sent`).
pub const DISPOSITIONS: &[(&str, Outcome)] = &[
    ("right_party_contact", Outcome::Conversation),
    ("promise", Outcome::Conversation),
    ("refused", Outcome::Conversation),
    ("wrong_number", Outcome::WrongParty),
    ("left_message", Outcome::Voicemail),
    ("no_answer", Outcome::NoAnswer),
    ("busy", Outcome::Busy),
    ("dispute", Outcome::Conversation),
    ("callback", Outcome::Conversation),
    ("deceased", Outcome::WrongParty),
    ("bankruptcy", Outcome::Conversation),
    ("attorney", Outcome::Conversation),
    ("cease_request", Outcome::Conversation),
];

/// The outcome a disposition amounts to for `action`, or `None` for an unknown code.
pub fn outcome_of(disposition: &str, action: Action) -> Option<Outcome> {
    let (_, call_outcome) = DISPOSITIONS.iter().find(|(code, _)| *code == disposition)?;
    Some(match action {
        Action::Call => *call_outcome,
        Action::Visit => {
            if *call_outcome == Outcome::Conversation {
                Outcome::Conversation
            } else {
                Outcome::NoContact
            }
        }
        _ => Outcome::Sent,
    })
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

/// A stored contact point kind as the contract names it.
pub fn point_kind(kind: &str) -> ContactPointKind {
    match kind {
        "phone_home" => ContactPointKind::Home,
        "phone_work" => ContactPointKind::Work,
        "phone_mobile" => ContactPointKind::Mobile,
        "email" => ContactPointKind::Email,
        _ => ContactPointKind::Address,
    }
}

/// Earlier attempts as the engine's history (the debt id is the account reference).
pub fn history(attempts: &[Attempt]) -> Vec<HistoryEntry> {
    attempts
        .iter()
        .filter_map(|attempt| {
            Some(HistoryEntry {
                at: attempt.at,
                debt_id: attempt.account_ref.clone(),
                action: Action::parse(&attempt.action)?,
                outcome: Outcome::parse(&attempt.outcome)?,
                direction: Direction::parse(&attempt.direction)?,
                recipient: Recipient::parse(&attempt.recipient)?,
            })
        })
        .collect()
}

/// What the store knows about an account, as the compliance check wants it.
pub struct Facts<'a> {
    pub account_ref: &'a str,
    pub time_zones: Vec<TimeZone>,
    pub state: Option<String>,
    pub holds: &'a [HoldKind],
    pub dispute_placed_at_us: Option<i64>,
    pub validation_notice_sent_at: Option<Timestamp>,
    pub history: Vec<HistoryEntry>,
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
                validation_notice_sent_at: self.validation_notice_sent_at,
                ..Debt::default()
            }],
            history: self.history.clone(),
        }
    }
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
        request_json: crate::compliance_json::request_json(request).to_string(),
        answer_json: crate::compliance_json::answer_json(answer).to_string(),
    }
}

/// Counted calls about `debt_id` on the 7 local dates ending on `now`'s (first zone):
/// the Reg F call budget shown to agents ("5 of 7").
pub fn calls_in_last_seven_days(
    history: &[HistoryEntry],
    debt_id: &str,
    now: Timestamp,
    zone: &TimeZone,
) -> usize {
    let today = zone.to_datetime(now).date();
    let first = today
        .checked_sub(jiff::Span::new().days(6))
        .unwrap_or(today);
    history
        .iter()
        .filter(|entry| entry.at <= now && entry.is_counted_call(debt_id))
        .filter(|entry| {
            let date = zone.to_datetime(entry.at).date();
            first <= date && date <= today
        })
        .count()
}
