//! The contract's codes and definitions (docs/compliance-check.md, "Request" and
//! "Counting").

use compliance::facts::*;
use jiff::Timestamp;

#[test]
fn every_code_of_the_contract_round_trips() {
    let action_codes: Vec<&str> = Action::ALL.iter().map(|action| action.code()).collect();
    assert_eq!(
        action_codes,
        [
            "call",
            "sms",
            "email",
            "letter",
            "visit",
            "credit_report",
            "lawsuit"
        ]
    );
    for action in Action::ALL {
        assert_eq!(Action::parse(action.code()), Some(*action));
    }
    for code in ["consumer", "estate_representative", "attorney"] {
        assert_eq!(Recipient::parse(code).map(Recipient::code), Some(code));
    }
    for code in [
        "collection",
        "cease_confirmation",
        "remedy_notice",
        "verification",
        "opt_out_confirmation",
    ] {
        assert_eq!(Purpose::parse(code).map(Purpose::code), Some(code));
    }
    for code in ["home", "mobile", "work", "email", "address"] {
        assert_eq!(
            ContactPointKind::parse(code).map(ContactPointKind::code),
            Some(code)
        );
    }
    assert_eq!(Action::parse("Call"), None);
    assert_eq!(Direction::parse("outbound"), Some(Direction::Outbound));
}

#[test]
fn communications_and_timed_actions() {
    let communications: Vec<&str> = Action::ALL
        .iter()
        .filter(|action| action.is_communication())
        .map(|action| action.code())
        .collect();
    assert_eq!(communications, ["call", "sms", "email", "letter", "visit"]);
    let timed: Vec<&str> = Action::ALL
        .iter()
        .filter(|action| action.is_timed())
        .map(|action| action.code())
        .collect();
    assert_eq!(timed, ["call", "sms", "email", "visit"]);
}

#[test]
fn outcomes_belong_to_their_actions() {
    assert!(Outcome::Voicemail.fits(Action::Call));
    assert!(Outcome::NoContact.fits(Action::Visit));
    assert!(!Outcome::NoContact.fits(Action::Call));
    assert!(
        Outcome::Sent.fits(Action::Letter)
            && Outcome::Sent.fits(Action::Sms)
            && Outcome::Sent.fits(Action::Email)
    );
    assert!(!Outcome::Sent.fits(Action::Call));
}

fn entry(
    action: Action,
    outcome: Outcome,
    direction: Direction,
    recipient: Recipient,
    debt: &str,
) -> HistoryEntry {
    HistoryEntry {
        at: "2026-03-08T14:00:00Z".parse::<Timestamp>().unwrap(),
        debt_id: debt.into(),
        action,
        outcome,
        direction,
        recipient,
        consent: false,
    }
}

#[test]
fn which_calls_count_and_which_are_conversations() {
    use Direction::*;
    use Outcome::*;
    use Recipient::*;
    // 1006.14(b)(3): placing a call counts whether or not it is answered ...
    for outcome in [NoAnswer, Voicemail, WrongParty, Conversation] {
        assert!(
            entry(Action::Call, outcome, Outbound, Consumer, "D-1").is_counted_call("D-1"),
            "{outcome:?}"
        );
    }
    // ... but not one that never connected to the dialed number (comment 14(b)(3)(ii)-1).
    for outcome in [Busy, NotConnected] {
        assert!(
            !entry(Action::Call, outcome, Outbound, Consumer, "D-1").is_counted_call("D-1"),
            "{outcome:?}"
        );
    }
    assert!(
        !entry(Action::Call, NoAnswer, Inbound, Consumer, "D-1").is_counted_call("D-1"),
        "consumer-initiated"
    );
    assert!(
        !entry(Action::Call, NoAnswer, Outbound, Attorney, "D-1").is_counted_call("D-1"),
        "to the attorney"
    );
    assert!(
        !entry(Action::Call, NoAnswer, Outbound, Consumer, "D-2").is_counted_call("D-1"),
        "another debt"
    );
    assert!(
        entry(Action::Call, Conversation, Inbound, Consumer, "D-1").is_conversation("D-1"),
        "either direction"
    );
    assert!(entry(Action::Visit, Conversation, Outbound, Consumer, "D-1").is_conversation("D-1"));
    assert!(!entry(Action::Call, Conversation, Outbound, Attorney, "D-1").is_conversation("D-1"));
    assert!(!entry(Action::Call, Voicemail, Outbound, Consumer, "D-1").is_conversation("D-1"));
}
