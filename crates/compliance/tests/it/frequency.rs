//! 12 CFR 1006.14(b)(2)(i)(A) and (B), counted as the contract says, in the consumer's
//! first zone. The first case is the contract's own example.

use compliance::facts::{Action, Direction, HistoryEntry, Outcome, Recipient};
use compliance::frequency::{call_after_conversation, call_frequency};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use proptest::prelude::*;

fn new_york() -> TimeZone {
    TimeZone::get("America/New_York").unwrap()
}

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

fn call(when: &str, outcome: Outcome) -> HistoryEntry {
    HistoryEntry {
        at: at(when),
        debt_id: "D-1".into(),
        action: Action::Call,
        outcome,
        direction: Direction::Outbound,
        recipient: Recipient::Consumer,
        consent: false,
    }
}

/// Outbound no-answer calls at 12:00 UTC on March `days` of 2026.
fn calls_on(days: std::ops::RangeInclusive<u8>) -> Vec<HistoryEntry> {
    days.map(|day| call(&format!("2026-03-{day:02}T12:00:00Z"), Outcome::NoAnswer))
        .collect()
}

#[test]
fn the_contracts_example_seven_calls_clear_at_local_midnight_after_dst_began() {
    let history = calls_on(3..=9);
    let clears = call_frequency(&history, "D-1", at("2026-03-09T13:30:00Z"), &new_york());
    assert_eq!(
        clears,
        Some(at("2026-03-10T04:00:00Z")),
        "midnight EDT, DST since March 8"
    );
}

#[test]
fn six_calls_or_uncounted_ones_allow_a_call() {
    let zone = new_york();
    let now = at("2026-03-09T13:30:00Z");
    assert_eq!(
        call_frequency(&calls_on(4..=9), "D-1", now, &zone),
        None,
        "six calls"
    );
    let mut history = calls_on(4..=9);
    history.push(call("2026-03-03T12:00:00Z", Outcome::Busy));
    history.push(call("2026-03-09T12:30:00Z", Outcome::NotConnected));
    assert_eq!(
        call_frequency(&history, "D-1", now, &zone),
        None,
        "busy and not-connected calls do not count"
    );
    let mut other_debt = calls_on(3..=9);
    other_debt
        .iter_mut()
        .for_each(|entry| entry.debt_id = "D-2".into());
    assert_eq!(
        call_frequency(&other_debt, "D-1", now, &zone),
        None,
        "per debt"
    );
    let later = calls_on(3..=9);
    assert_eq!(
        call_frequency(&later, "D-1", at("2026-03-09T11:00:00Z"), &zone),
        None,
        "the 03-09 call is after now"
    );
}

#[test]
fn fourteen_calls_in_a_week_keep_the_block_until_the_window_empties() {
    let mut history = calls_on(3..=9);
    history.extend(calls_on(3..=9));
    // Window D−6 … D drops below 7 only when at most 3 of the 7 days remain: on 03-13.
    let clears = call_frequency(&history, "D-1", at("2026-03-09T13:30:00Z"), &new_york());
    assert_eq!(clears, Some(at("2026-03-13T04:00:00Z")));
}

#[test]
fn local_dates_not_utc_dates() {
    // 7 calls at 02:00 UTC = 22:00 EDT the previous local day: local dates 03-09 … 03-15.
    let history: Vec<HistoryEntry> = (10..=16)
        .map(|day| call(&format!("2026-03-{day:02}T02:00:00Z"), Outcome::Voicemail))
        .collect();
    let clears = call_frequency(&history, "D-1", at("2026-03-16T03:00:00Z"), &new_york());
    assert_eq!(
        clears,
        Some(at("2026-03-16T04:00:00Z")),
        "local date is still 03-15 at 23:00 EDT"
    );
}

#[test]
fn a_conversation_blocks_calls_for_seven_local_days() {
    let zone = new_york();
    let mut talked = call("2026-03-05T15:00:00Z", Outcome::Conversation);
    talked.direction = Direction::Inbound;
    let history = vec![talked];
    assert_eq!(
        call_after_conversation(&history, "D-1", at("2026-03-11T23:00:00Z"), &zone),
        Some(at("2026-03-12T04:00:00Z"))
    );
    assert_eq!(
        call_after_conversation(&history, "D-1", at("2026-03-12T04:00:00Z"), &zone),
        None,
        "C+7 allowed"
    );
    assert_eq!(
        call_after_conversation(&history, "D-2", at("2026-03-06T15:00:00Z"), &zone),
        None,
        "per debt"
    );
    let mut with_attorney = history.clone();
    with_attorney[0].recipient = Recipient::Attorney;
    assert_eq!(
        call_after_conversation(&with_attorney, "D-1", at("2026-03-06T15:00:00Z"), &zone),
        None
    );
}

fn any_history() -> impl Strategy<Value = Vec<HistoryEntry>> {
    let entry = (
        0i64..(20 * 24 * 60),
        prop::sample::select(vec![
            Outcome::NoAnswer,
            Outcome::Voicemail,
            Outcome::Busy,
            Outcome::Conversation,
        ]),
        any::<bool>(),
    )
        .prop_map(|(minutes, outcome, other_debt)| {
            let when = at("2026-02-25T00:00:00Z")
                .checked_add(jiff::Span::new().minutes(minutes))
                .unwrap();
            HistoryEntry {
                at: when,
                debt_id: if other_debt {
                    "D-2".into()
                } else {
                    "D-1".into()
                },
                action: Action::Call,
                outcome,
                direction: Direction::Outbound,
                recipient: Recipient::Consumer,
                consent: false,
            }
        });
    prop::collection::vec(entry, 0..30)
}

proptest! {
    #[test]
    fn more_calls_never_turn_a_deny_into_an_allow(history in any_history(), extra in any_history()) {
        let zone = new_york();
        let now = at("2026-03-12T14:00:00Z");
        let mut more = history.clone();
        more.extend(extra.into_iter().filter(|entry| entry.outcome != Outcome::Conversation));
        if let Some(clears) = call_frequency(&history, "D-1", now, &zone) {
            let later = call_frequency(&more, "D-1", now, &zone);
            prop_assert!(later.is_some_and(|later| later >= clears));
        }
    }

    #[test]
    fn the_order_of_history_does_not_matter(history in any_history()) {
        let zone = new_york();
        let now = at("2026-03-12T14:00:00Z");
        let mut reversed = history.clone();
        reversed.reverse();
        prop_assert_eq!(call_frequency(&history, "D-1", now, &zone), call_frequency(&reversed, "D-1", now, &zone));
        prop_assert_eq!(call_after_conversation(&history, "D-1", now, &zone), call_after_conversation(&reversed, "D-1", now, &zone));
    }

    #[test]
    fn at_the_clearing_instant_the_rule_allows(history in any_history()) {
        let zone = new_york();
        let now = at("2026-03-12T14:00:00Z");
        // "If nothing else happens": no facts after now.
        let history: Vec<HistoryEntry> = history.into_iter().filter(|entry| entry.at <= now).collect();
        if let Some(clears) = call_frequency(&history, "D-1", now, &zone) {
            prop_assert!(clears > now);
            prop_assert_eq!(call_frequency(&history, "D-1", clears, &zone), None);
            let just_before = clears.checked_sub(jiff::Span::new().seconds(1)).unwrap();
            prop_assert!(call_frequency(&history, "D-1", just_before, &zone).is_some());
        }
    }
}

#[test]
fn massachusetts_two_contacts_in_seven_days_across_debts() {
    use compliance::frequency::ma_call_frequency;
    let zone = new_york();
    let now = at("2026-03-09T15:00:00Z");
    let mut history = vec![call("2026-03-04T15:00:00Z", Outcome::NoAnswer)];
    assert_eq!(ma_call_frequency(&history, now, &zone), None, "one call");
    let mut text = call("2026-03-06T15:00:00Z", Outcome::Sent);
    text.action = Action::Sms;
    text.debt_id = "D-2".into();
    history.push(text.clone());
    // Calls on 03-04 and a text on 03-06: the window drops below 2 on 03-11.
    assert_eq!(
        ma_call_frequency(&history, now, &zone),
        Some(at("2026-03-11T04:00:00Z"))
    );
    let same_text_twice = vec![text.clone(), text];
    assert_eq!(
        ma_call_frequency(&same_text_twice, now, &zone),
        None,
        "the same action and instant count once"
    );
    let busy = vec![
        call("2026-03-04T15:00:00Z", Outcome::Busy),
        call("2026-03-05T15:00:00Z", Outcome::NotConnected),
    ];
    assert_eq!(
        ma_call_frequency(&busy, now, &zone),
        None,
        "calls that never connected do not count"
    );
}
