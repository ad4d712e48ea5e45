//! Rule packs as data (docs/compliance-packs.md): what loads, what is refused and why,
//! and the state packs' rules case by case from their texts.

use compliance::check::{Consumer, ContactPoint, Debt, Request, check};
use compliance::facts::{
    Action, Consent, ContactPointKind, Direction, HistoryEntry, Outcome, Purpose, Recipient,
};
use compliance::packs::{BUILTIN, Kind, RuleSet, parse_pack};
use jiff::Timestamp;
use jiff::tz::TimeZone;

const FEDERAL: &str = include_str!("../../packs/us.toml");

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

const STATE_PACK: &str = r#"format = 1
id = "us-ny"
version = "t1"
title = "test"
states = ["NY"]

[[rule]]
id = "us-ny.call_frequency"
kind = "contact_frequency"
citation = "Test 1"
effective_from = 2026-01-01
actions = ["call"]
counts = ["call"]
per = "consumer"
max = 3
days = 7
"#;

fn refused(text: &str) -> String {
    parse_pack("us-ny.toml", text)
        .map(|_| "loaded".to_string())
        .unwrap_or_else(|error| error.to_string())
}

#[test]
fn the_built_in_packs_load_and_cover_the_contracts_rule_ids() {
    let rules = RuleSet::builtin();
    let ids: Vec<&str> = rules
        .packs()
        .iter()
        .flat_map(|pack| pack.rules.iter().map(|rule| rule.id))
        .collect();
    for id in [
        "us.time_of_day",
        "us.consumer_inconvenient_time",
        "us.call_frequency",
        "us.call_after_conversation",
        "us.cease_communication",
        "us.attorney_represented",
        "us.workplace_prohibited",
        "us.electronic_opt_out",
        "us.dispute_pending",
        "us.passive_credit_reporting",
        "us.time_barred_suit",
        "us.bankruptcy_stay",
        "us.deceased",
        "us-ma.call_frequency",
    ] {
        assert!(ids.contains(&id), "{id} is missing from the built-in packs");
    }
    assert_eq!(BUILTIN.len(), rules.packs().len());
}

#[test]
fn a_bad_pack_is_refused_naming_its_line_and_field() {
    assert_eq!(refused(STATE_PACK), "loaded");
    assert_eq!(
        refused(&STATE_PACK.replace("max = 3", "max = 0")),
        "us-ny.toml:15: rule[1].max: 0 is not 1 … 1000"
    );
    assert_eq!(
        refused(&STATE_PACK.replace("kind = \"contact_frequency\"", "kind = \"nicer_rule\"")),
        "us-ny.toml:9: rule[1].kind: unknown kind `nicer_rule`; known: time_of_day, consumer_inconvenient_time, contact_frequency, call_after_conversation, cease_communication, attorney_represented, workplace_prohibited, electronic_opt_out, dispute_pending, passive_credit_reporting, time_barred_suit, bankruptcy_stay, deceased"
    );
    assert_eq!(
        refused(&STATE_PACK.replace(
            "id = \"us-ny.call_frequency\"",
            "id = \"us.call_frequency\""
        )),
        "us-ny.toml:8: rule[1].id: `us.call_frequency` must be `us-ny.` and a name in lowercase letters, digits and _"
    );
    assert_eq!(
        refused(&STATE_PACK.replace("days = 7", "days = 7\nwait_days = 3")),
        "us-ny.toml:17: rule[1].wait_days: kind `contact_frequency` takes no parameter `wait_days`"
    );
    assert_eq!(
        refused(&STATE_PACK.replace("per = \"consumer\"\n", "")),
        "us-ny.toml:7: rule[1].per: is required for this kind"
    );
    assert_eq!(
        refused(&STATE_PACK.replace("counts = [\"call\"]", "counts = [\"lawsuit\"]")),
        "us-ny.toml:13: rule[1].counts: `lawsuit` is not a communication: call, sms, email, letter, visit"
    );
    assert_eq!(
        refused(&STATE_PACK.replace(
            "effective_from = 2026-01-01",
            "effective_from = 2026-01-01\neffective_until = 2025-01-01"
        )),
        "us-ny.toml:12: rule[1].effective_until: 2025-01-01 is not after effective_from 2026-01-01"
    );
    assert_eq!(
        refused(&STATE_PACK.replace("states = [\"NY\"]\n", "")),
        "us-ny.toml: states: a state pack names the states it covers"
    );
    assert_eq!(
        refused(&STATE_PACK.replace("format = 1", "format = 2")),
        "us-ny.toml:1: format: this build reads format 1, not 2"
    );
    let twice = format!(
        "{STATE_PACK}\n{}",
        &STATE_PACK[STATE_PACK.find("[[rule]]").unwrap()..]
    );
    assert!(
        refused(&twice).ends_with("rule[2].id: `us-ny.call_frequency` appears twice"),
        "{}",
        refused(&twice)
    );
    // TOML itself: the parser's message, with the line.
    assert!(refused("format = 1\nid = \"us-ny\"\nversion = \n").starts_with("us-ny.toml:3: "));
    assert!(refused(&STATE_PACK.replace("max = 3", "maxx = 3")).contains("unknown field `maxx`"));

    // Consent lifts only the consumer's own time and the call frequencies: a rule of
    // any other kind cannot be marked lifted by it.
    assert_eq!(
        refused(&STATE_PACK.replace("days = 7", "days = 7\nlifted_by_consent = true")),
        "loaded"
    );
    let cease = "format = 1\nid = \"us-ny\"\nversion = \"t1\"\ntitle = \"test\"\nstates = [\"NY\"]\n\n[[rule]]\nid = \"us-ny.cease\"\nkind = \"cease_communication\"\ncitation = \"Test 2\"\neffective_from = 2026-01-01\nlifted_by_consent = true\n";
    assert_eq!(
        refused(cease),
        "us-ny.toml:12: rule[1].lifted_by_consent: kind `cease_communication` takes no parameter `lifted_by_consent`"
    );

    let error = RuleSet::from_texts("folder", [("us-ny.toml", STATE_PACK)]).unwrap_err();
    assert_eq!(
        error.to_string(),
        "folder: a rule set has exactly one federal pack (`us`), not 0"
    );
    let error = RuleSet::from_texts(
        "folder",
        [
            ("a.toml", STATE_PACK),
            ("us.toml", FEDERAL),
            ("b.toml", STATE_PACK),
        ],
    )
    .unwrap_err();
    assert_eq!(error.to_string(), "folder: pack `us-ny` appears twice");
}

fn new_yorker(now: &str, calls: &[&str]) -> Request {
    Request {
        now: at(now),
        action: Action::Call,
        debt_id: "D-1".into(),
        recipient: Recipient::Consumer,
        purpose: Purpose::Collection,
        contact_point: None,
        consumer: Consumer {
            time_zones: vec![TimeZone::get("America/New_York").unwrap()],
            state: Some("NY".into()),
            ..Consumer::default()
        },
        debts: vec![Debt {
            id: "D-1".into(),
            ..Debt::default()
        }],
        history: calls
            .iter()
            .map(|when| contact(when, Action::Call, Outcome::NoAnswer, "D-2"))
            .collect(),
        consents: Vec::new(),
    }
}

fn contact(when: &str, action: Action, outcome: Outcome, debt: &str) -> HistoryEntry {
    HistoryEntry {
        at: at(when),
        debt_id: debt.into(),
        action,
        outcome,
        direction: Direction::Outbound,
        recipient: Recipient::Consumer,
        consent: false,
    }
}

fn rules_of(rules: &RuleSet, request: &Request) -> Vec<&'static str> {
    rules
        .check(request)
        .violations
        .iter()
        .map(|violation| violation.rule)
        .collect()
}

#[test]
fn a_state_pack_applies_to_its_state_from_its_effective_date_and_is_recorded() {
    let rules =
        RuleSet::from_texts("test", [("us.toml", FEDERAL), ("us-ny.toml", STATE_PACK)]).unwrap();
    let calls = [
        "2026-03-05T15:00:00Z",
        "2026-03-06T15:00:00Z",
        "2026-03-07T15:00:00Z",
    ];
    let ask = new_yorker("2026-03-09T14:00:00Z", &calls);
    let answer = rules.check(&ask);
    assert_eq!(rules_of(&rules, &ask), ["us-ny.call_frequency"]);
    // 3 calls on 03-05 … 03-07: on 03-12 the window 03-06 … 03-12 holds 2.
    assert_eq!(
        answer.violations[0].clears_at,
        Some(at("2026-03-12T04:00:00Z"))
    );
    assert_eq!(answer.next_allowed_at, Some(at("2026-03-12T12:00:00Z")));
    let packs: Vec<String> = answer
        .packs
        .iter()
        .map(|pack| format!("{}@{}", pack.id, pack.version))
        .collect();
    assert_eq!(packs, ["us@2026.12.1", "us-ny@t1"]);

    // Another state: the pack is not in force, nor recorded.
    let mut elsewhere = ask.clone();
    elsewhere.consumer.state = Some("NJ".into());
    let answer = rules.check(&elsewhere);
    assert!(answer.allowed());
    assert_eq!(answer.packs.len(), 1);

    // Before its effective date (local date of the decision) the rule does not apply.
    let early = new_yorker(
        "2025-12-31T14:00:00Z",
        &[
            "2025-12-28T15:00:00Z",
            "2025-12-29T15:00:00Z",
            "2025-12-30T15:00:00Z",
        ],
    );
    assert!(rules.check(&early).allowed());
    // From its first local day it counts the calls made before it took force.
    let mut on_new_year = early.clone();
    on_new_year.now = at("2026-01-01T05:00:00Z"); // 00:00 EST on 01-01: in force
    assert_eq!(
        rules_of(&rules, &on_new_year),
        ["us.time_of_day", "us-ny.call_frequency"]
    );
}

/// A state rule of kind `cease_communication` means what the federal one does: it stops
/// communications with the consumer's side, not with the consumer's attorney (the
/// contract's `us.cease_communication`, 12 CFR 1006.6(a)), and keeps the letter
/// exceptions.
#[test]
fn a_state_cease_rule_spares_the_attorney_as_the_federal_one_does() {
    const STATE_CEASE: &str = r#"format = 1
id = "us-ny"
version = "t1"
title = "test"
states = ["NY"]

[[rule]]
id = "us-ny.cease_communication"
kind = "cease_communication"
citation = "Test cease"
effective_from = 2026-01-01
"#;
    let rules =
        RuleSet::from_texts("test", [("us.toml", FEDERAL), ("us-ny.toml", STATE_CEASE)]).unwrap();
    let mut ask = new_yorker("2026-06-01T15:00:00Z", &[]);
    ask.consumer.cease_requested = true;
    for action in [Action::Call, Action::Letter, Action::Email, Action::Sms] {
        let mut to_consumer = ask.clone();
        to_consumer.action = action;
        let answer = rules.check(&to_consumer);
        let cited: Vec<(&str, &str)> = answer
            .violations
            .iter()
            .map(|violation| (violation.rule, violation.citation))
            .collect();
        assert_eq!(
            cited,
            [
                ("us.cease_communication", "12 CFR 1006.6(a), 1006.6(c)"),
                ("us-ny.cease_communication", "Test cease"),
            ],
            "{action:?}"
        );
        let mut to_estate = to_consumer.clone();
        to_estate.recipient = Recipient::EstateRepresentative;
        assert_eq!(
            rules_of(&rules, &to_estate),
            ["us.cease_communication", "us-ny.cease_communication"],
            "{action:?}"
        );
        let mut to_attorney = to_consumer.clone();
        to_attorney.recipient = Recipient::Attorney;
        assert!(rules.check(&to_attorney).allowed(), "{action:?}");
    }
    let mut confirmation = ask.clone();
    confirmation.action = Action::Letter;
    confirmation.purpose = Purpose::CeaseConfirmation;
    assert!(rules.check(&confirmation).allowed());
}

fn washingtonian(now: &str, history: Vec<HistoryEntry>, action: Action) -> Request {
    let mut ask = new_yorker(now, &[]);
    ask.consumer.state = Some("WA".into());
    ask.consumer.time_zones = vec![TimeZone::get("America/Los_Angeles").unwrap()];
    ask.history = history;
    ask.action = action;
    ask
}

#[test]
fn washington_three_communications_a_week_in_any_form_across_debts() {
    // RCW 19.16.250(13)(a): more than three times in a single week, any form.
    let history = vec![
        contact("2026-05-04T17:00:00Z", Action::Letter, Outcome::Sent, "D-1"),
        contact("2026-05-05T17:00:00Z", Action::Email, Outcome::Sent, "D-2"),
        contact(
            "2026-05-06T17:00:00Z",
            Action::Call,
            Outcome::Voicemail,
            "D-1",
        ),
    ];
    let ask = washingtonian("2026-05-07T17:00:00Z", history.clone(), Action::Sms);
    let answer = check(&ask);
    assert_eq!(
        answer
            .violations
            .iter()
            .map(|violation| violation.rule)
            .collect::<Vec<_>>(),
        ["us-wa.communication_frequency"]
    );
    assert_eq!(
        answer.violations[0].message,
        "3 calls, texts, emails, letters or visits to the consumer on 2026-05-01 … 2026-05-07 (at most 3 in 7 days)"
    );
    // 05-04 … 05-06 in the window until 05-11 (window 05-05 … 05-11 holds 2): PDT midnight.
    assert_eq!(
        answer.violations[0].clears_at,
        Some(at("2026-05-11T07:00:00Z"))
    );
    // A consumer-initiated contact is not counted; nor a busy signal.
    let mut replied = history.clone();
    replied[2].direction = Direction::Inbound;
    assert!(check(&washingtonian("2026-05-07T17:00:00Z", replied, Action::Sms)).allowed());
    let mut busy = history;
    busy[2].outcome = Outcome::Busy;
    assert!(check(&washingtonian("2026-05-07T17:00:00Z", busy, Action::Sms)).allowed());
}

#[test]
fn washington_two_calls_or_texts_a_day_to_a_cell_phone() {
    // RCW 19.16.250(18): no more than twice in any day to a cellular telephone.
    let history = vec![
        contact(
            "2026-05-07T16:00:00Z",
            Action::Call,
            Outcome::NoAnswer,
            "D-1",
        ),
        contact("2026-05-07T18:00:00Z", Action::Sms, Outcome::Sent, "D-1"),
    ];
    let mut ask = washingtonian("2026-05-07T20:00:00Z", history, Action::Call);
    ask.contact_point = Some(ContactPoint {
        kind: ContactPointKind::Mobile,
        workplace: false,
    });
    let answer = check(&ask);
    let rules: Vec<&str> = answer.violations.iter().map(|v| v.rule).collect();
    assert_eq!(rules, ["us-wa.cell_phone_daily"]);
    // Clears at local midnight (PDT), calling may resume at 08:00.
    assert_eq!(
        answer.violations[0].clears_at,
        Some(at("2026-05-08T07:00:00Z"))
    );
    assert_eq!(answer.next_allowed_at, Some(at("2026-05-08T15:00:00Z")));
    // To the home phone the daily cell limit does not apply.
    ask.contact_point = Some(ContactPoint {
        kind: ContactPointKind::Home,
        workplace: false,
    });
    assert!(check(&ask).allowed());
}

#[test]
fn washingtons_later_morning_only_adds_its_citation_to_the_federal_denial() {
    // 07:45 PDT: federal hours forbid; RCW 19.16.250(13)(c) allows from 07:30.
    let ask = washingtonian("2026-05-07T14:45:00Z", Vec::new(), Action::Call);
    assert_eq!(rules_of(RuleSet::builtin(), &ask), ["us.time_of_day"]);
    // 21:30 PDT: both forbid.
    let late = washingtonian("2026-05-08T04:30:00Z", Vec::new(), Action::Call);
    assert_eq!(
        rules_of(RuleSet::builtin(), &late),
        ["us.time_of_day", "us-wa.time_of_day"]
    );
}

#[test]
fn massachusetts_one_visit_a_month_per_debt() {
    // 209 CMR 18.17(6): visits shall not exceed one in any 30-day period for each debt.
    let mut ask = new_yorker("2026-05-20T15:00:00Z", &[]);
    ask.consumer.state = Some("MA".into());
    ask.action = Action::Visit;
    ask.history = vec![contact(
        "2026-05-01T15:00:00Z",
        Action::Visit,
        Outcome::NoContact,
        "D-1",
    )];
    let answer = check(&ask);
    assert_eq!(answer.violations[0].rule, "us-ma.visit_frequency");
    // 05-01 leaves the 30 local dates on 05-31.
    assert_eq!(
        answer.violations[0].clears_at,
        Some(at("2026-05-31T04:00:00Z"))
    );
    ask.history[0].debt_id = "D-2".into();
    assert!(check(&ask).allowed());
}

mod properties {
    use super::*;
    use crate::check::properties::any_request;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        /// State packs only add denials: every federal violation is still there, and
        /// nothing the federal pack alone denies is allowed with the state packs.
        #[test]
        fn state_packs_only_add_denials(ask in any_request()) {
            let federal = RuleSet::from_texts("federal", [("us.toml", FEDERAL)]).unwrap();
            let alone = federal.check(&ask);
            let with_states = check(&ask);
            for violation in &alone.violations {
                prop_assert!(with_states.violations.contains(violation), "{violation:?} lost");
            }
            if let (Some(federal_next), Some(state_next)) = (alone.next_allowed_at, with_states.next_allowed_at) {
                prop_assert!(state_next >= federal_next);
            }
            if alone.next_allowed_at.is_none() {
                prop_assert_eq!(with_states.next_allowed_at, None);
            }
        }
    }
}

/// The history a check needs reaches back as far as the longest window of a rule that
/// limits the action; passive credit reporting needs all of it.
#[test]
fn the_look_back_comes_from_the_rules() {
    let rules = compliance::packs::RuleSet::builtin();
    let call = rules
        .lookback_days(compliance::facts::Action::Call)
        .unwrap();
    assert!(call >= 8, "the federal 7-in-7 window and a day: {call}");
    assert_eq!(
        rules.lookback_days(compliance::facts::Action::CreditReport),
        None
    );
    let visit = rules
        .lookback_days(compliance::facts::Action::Visit)
        .unwrap();
    assert!(visit >= 1);
    // A pack with a longer window stretches the look-back with it.
    let federal =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/packs/us.toml")).unwrap();
    let long = r#"
format = 1
id = "us-zz"
version = "1"
title = "A test state with a long window"
states = ["ZZ"]

[[rule]]
id = "us-zz.quarterly"
kind = "contact_frequency"
citation = "none"
effective_from = 2020-01-01
actions = ["call"]
counts = ["call"]
per = "consumer"
max = 20
days = 90
"#;
    let set = compliance::packs::RuleSet::from_texts(
        "test",
        [("us.toml", federal.as_str()), ("us-zz.toml", long)],
    )
    .unwrap();
    assert_eq!(set.lookback_days(compliance::facts::Action::Call), Some(91));
}

/// The contract's "Consent given directly by the consumer" lifts `us.time_of_day`,
/// `us.consumer_inconvenient_time`, `us.call_frequency`, `us.call_after_conversation` and
/// the state frequency rules, and nothing else: the shipped packs mark exactly those
/// (every state frequency rule that limits calls; consent lifts frequency for calls only).
#[test]
fn the_built_in_packs_mark_lifted_by_consent_exactly_the_rules_the_contract_names() {
    let mut lifted = Vec::new();
    for pack in RuleSet::builtin().packs() {
        for rule in &pack.rules {
            if rule.lifted_by_consent {
                lifted.push(rule.id);
            }
            let state_call_frequency = !pack.is_federal()
                && matches!(&rule.kind, Kind::ContactFrequency { actions, .. } if actions.contains(&Action::Call));
            if state_call_frequency {
                assert!(rule.lifted_by_consent, "{} limits calls", rule.id);
            }
        }
    }
    lifted.sort_unstable();
    assert_eq!(
        lifted,
        [
            "us-ma.call_frequency",
            "us-wa.cell_phone_daily",
            "us-wa.communication_frequency",
            "us.call_after_conversation",
            "us.call_frequency",
            "us.consumer_inconvenient_time",
            "us.time_of_day",
        ]
    );
}

/// In Washington a callback the consumer asked for lifts the state's frequency limits (the
/// contract's "state frequency rules") and the federal hours, but not RCW 19.16.250(13)(c)'s
/// 21:00 … 07:30: the contract lifts the federal time rules only.
#[test]
fn washingtons_hours_are_not_lifted_by_consent_but_its_frequencies_are() {
    let callback = |given_at: &str, from: &str, to: &str| Consent {
        given_at: at(given_at),
        from: at(from),
        to: at(to),
        action: Action::Call,
    };
    // 21:30 PDT on 05-07 inside a 21:15 … 21:45 callback asked for at 14:00 PDT.
    let mut late = washingtonian("2026-05-08T04:30:00Z", Vec::new(), Action::Call);
    late.consents = vec![callback(
        "2026-05-07T21:00:00Z",
        "2026-05-08T04:15:00Z",
        "2026-05-08T04:45:00Z",
    )];
    let answer = check(&late);
    assert_eq!(rules_of(RuleSet::builtin(), &late), ["us-wa.time_of_day"]);
    // It clears at 07:30 PDT (14:30Z); the callback is over by then, so the federal
    // 08:00 PDT (15:00Z) decides the next call.
    assert_eq!(
        answer.violations[0].clears_at,
        Some(at("2026-05-08T14:30:00Z"))
    );
    assert_eq!(answer.next_allowed_at, Some(at("2026-05-08T15:00:00Z")));

    // Two calls and a text today to the mobile, three communications this week: both
    // Washington limits forbid at 13:00 PDT …
    let history = vec![
        contact("2026-05-05T17:00:00Z", Action::Letter, Outcome::Sent, "D-1"),
        contact(
            "2026-05-07T16:00:00Z",
            Action::Call,
            Outcome::NoAnswer,
            "D-1",
        ),
        contact("2026-05-07T18:00:00Z", Action::Sms, Outcome::Sent, "D-1"),
    ];
    let mut busy_day = washingtonian("2026-05-07T20:00:00Z", history, Action::Call);
    busy_day.contact_point = Some(ContactPoint {
        kind: ContactPointKind::Mobile,
        workplace: false,
    });
    assert_eq!(
        rules_of(RuleSet::builtin(), &busy_day),
        ["us-wa.communication_frequency", "us-wa.cell_phone_daily"]
    );
    // … but not for a call inside the window of a call consent given an hour ago.
    let mut called_back = busy_day.clone();
    called_back.consents = vec![callback(
        "2026-05-07T19:00:00Z",
        "2026-05-07T19:55:00Z",
        "2026-05-07T20:30:00Z",
    )];
    assert!(check(&called_back).allowed());
    // An sms is not a call: a call consent lifts nothing for it.
    called_back.action = Action::Sms;
    assert_eq!(
        rules_of(RuleSet::builtin(), &called_back),
        ["us-wa.communication_frequency", "us-wa.cell_phone_daily"]
    );
}
