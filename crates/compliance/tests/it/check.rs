//! The whole check, case by case from the contract's rules table (docs/compliance-check.md).

use compliance::check::{Consumer, ContactPoint, Debt, Request, check};
use compliance::facts::{
    Action, Consent, ContactPointKind, Direction, HistoryEntry, Outcome, Purpose, Recipient,
};
use jiff::Timestamp;
use jiff::tz::TimeZone;

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

fn request(now: &str, action: Action) -> Request {
    Request {
        now: at(now),
        action,
        debt_id: "D-1".into(),
        recipient: Recipient::Consumer,
        purpose: Purpose::Collection,
        contact_point: None,
        consumer: Consumer {
            time_zones: vec![TimeZone::get("America/New_York").unwrap()],
            ..Consumer::default()
        },
        debts: vec![Debt {
            id: "D-1".into(),
            ..Debt::default()
        }],
        history: Vec::new(),
        consents: Vec::new(),
    }
}

fn entry(when: &str, action: Action, outcome: Outcome, debt: &str) -> HistoryEntry {
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

fn rules(request: &Request) -> Vec<&'static str> {
    check(request)
        .violations
        .iter()
        .map(|violation| violation.rule)
        .collect()
}

#[test]
fn the_contracts_worked_example() {
    let mut ask = request("2026-03-09T13:30:00Z", Action::Call);
    ask.history = (3..=9)
        .map(|day| {
            entry(
                &format!("2026-03-{day:02}T12:00:00Z"),
                Action::Call,
                Outcome::NoAnswer,
                "D-1",
            )
        })
        .collect();
    let answer = check(&ask);
    assert_eq!(answer.violations.len(), 1);
    let violation = &answer.violations[0];
    assert_eq!(
        (violation.rule, violation.citation),
        ("us.call_frequency", "12 CFR 1006.14(b)(2)(i)(A)")
    );
    assert_eq!(violation.clears_at, Some(at("2026-03-10T04:00:00Z")));
    assert_eq!(answer.next_allowed_at, Some(at("2026-03-10T12:00:00Z")));
}

#[test]
fn an_allowed_call_is_allowed_now() {
    let ask = request("2026-03-09T13:30:00Z", Action::Call);
    let answer = check(&ask);
    assert!(answer.allowed());
    assert_eq!(answer.next_allowed_at, Some(ask.now));
}

#[test]
fn late_evening_calls_wait_for_eight_and_attorneys_have_no_hours() {
    let ask = request("2026-03-09T02:00:00Z", Action::Call); // 22:00 EDT
    let answer = check(&ask);
    assert_eq!(rules(&ask), ["us.time_of_day"]);
    assert_eq!(
        answer.violations[0].clears_at,
        Some(at("2026-03-09T12:00:00Z"))
    );
    assert_eq!(answer.next_allowed_at, Some(at("2026-03-09T12:00:00Z")));
    let mut to_attorney = ask.clone();
    to_attorney.recipient = Recipient::Attorney;
    to_attorney.consumer.attorney_represented = true;
    assert!(check(&to_attorney).allowed());
    let mut letter = ask.clone();
    letter.action = Action::Letter;
    assert!(check(&letter).allowed(), "letters are not timed");
}

#[test]
fn facts_that_only_a_change_can_clear() {
    let base = request("2026-03-09T15:00:00Z", Action::Call);
    let mut cease = base.clone();
    cease.consumer.cease_requested = true;
    assert_eq!(rules(&cease), ["us.cease_communication"]);
    assert_eq!(check(&cease).next_allowed_at, None);
    let mut confirmation = cease.clone();
    confirmation.action = Action::Letter;
    confirmation.purpose = Purpose::CeaseConfirmation;
    assert!(check(&confirmation).allowed());
    // The consumer's attorney is not the consumer (12 CFR 1006.6(a)).
    let mut attorney = cease.clone();
    attorney.recipient = Recipient::Attorney;
    assert!(check(&attorney).allowed());
    let mut estate = cease.clone();
    estate.recipient = Recipient::EstateRepresentative;
    assert_eq!(rules(&estate), ["us.cease_communication"]);
    let mut represented = base.clone();
    represented.consumer.attorney_represented = true;
    assert_eq!(rules(&represented), ["us.attorney_represented"]);
    let mut bankrupt = base.clone();
    bankrupt.consumer.bankruptcy_filed = true;
    bankrupt.action = Action::CreditReport;
    assert!(rules(&bankrupt).contains(&"us.bankruptcy_stay"));
    let mut deceased = base.clone();
    deceased.consumer.deceased = true;
    assert_eq!(rules(&deceased), ["us.deceased"]);
    deceased.recipient = Recipient::EstateRepresentative;
    assert!(check(&deceased).allowed());
    let mut barred = base.clone();
    barred.action = Action::Lawsuit;
    barred.debts[0].time_barred = true;
    assert_eq!(rules(&barred), ["us.time_barred_suit"]);
    let mut opted_out = base.clone();
    opted_out.action = Action::Email;
    opted_out.consumer.email_opted_out = true;
    assert_eq!(rules(&opted_out), ["us.electronic_opt_out"]);
    opted_out.purpose = Purpose::OptOutConfirmation;
    assert!(check(&opted_out).allowed());
}

#[test]
fn disputes_within_the_validation_period_stop_collection_until_verified() {
    let mut ask = request("2026-12-20T15:00:00Z", Action::Call);
    ask.debts[0].validation_notice_sent_at = Some(at("2026-11-20T15:00:00Z")); // period ends 2026-12-30
    ask.debts[0].dispute_received_at = Some(at("2026-12-15T15:00:00Z"));
    assert_eq!(rules(&ask), ["us.dispute_pending"]);
    let mut verification = ask.clone();
    verification.action = Action::Letter;
    verification.purpose = Purpose::Verification;
    assert!(check(&verification).allowed());
    let mut verified = ask.clone();
    verified.debts[0].verification_sent_at = Some(at("2026-12-18T15:00:00Z"));
    assert!(check(&verified).allowed());
    let mut late = ask.clone();
    late.now = at("2027-01-06T15:00:00Z");
    late.debts[0].dispute_received_at = Some(at("2027-01-05T15:00:00Z"));
    assert!(
        check(&late).allowed(),
        "received after the validation period ended"
    );
    let mut future = ask.clone();
    future.debts[0].dispute_received_at = Some(at("2026-12-21T15:00:00Z"));
    assert!(check(&future).allowed(), "a fact after now is absent");
}

#[test]
fn passive_credit_reporting_waits_fourteen_days_after_the_first_letter() {
    let mut ask = request("2026-03-10T15:00:00Z", Action::CreditReport);
    assert_eq!(rules(&ask), ["us.passive_credit_reporting"]);
    assert_eq!(check(&ask).next_allowed_at, None, "no communication yet");
    ask.debts[0].validation_notice_sent_at = Some(at("2026-03-01T15:00:00Z"));
    let answer = check(&ask);
    assert_eq!(
        answer.violations[0].clears_at,
        Some(at("2026-03-16T04:00:00Z")),
        "S+15 = 03-16, local midnight EDT"
    );
    assert_eq!(answer.next_allowed_at, Some(at("2026-03-16T04:00:00Z")));
    ask.debts[0].undeliverable_notice_at = Some(at("2026-03-05T15:00:00Z"));
    assert_eq!(
        check(&ask).next_allowed_at,
        None,
        "the notice came back undeliverable"
    );
    ask.history.push(entry(
        "2026-03-08T15:00:00Z",
        Action::Call,
        Outcome::Conversation,
        "D-1",
    ));
    assert!(check(&ask).allowed(), "a conversation about the debt");
}

#[test]
fn massachusetts_counts_calls_and_texts_across_debts() {
    let mut ask = request("2026-03-09T15:00:00Z", Action::Sms);
    ask.consumer.state = Some("MA".into());
    ask.history = vec![
        entry(
            "2026-03-05T15:00:00Z",
            Action::Call,
            Outcome::Voicemail,
            "D-2",
        ),
        entry("2026-03-07T15:00:00Z", Action::Sms, Outcome::Sent, "D-3"),
    ];
    assert_eq!(rules(&ask), ["us-ma.call_frequency"]);
    assert_eq!(
        check(&ask).violations[0].clears_at,
        Some(at("2026-03-12T04:00:00Z"))
    );
    ask.consumer.state = Some("NY".into());
    assert!(
        check(&ask).allowed(),
        "other states: the federal per-debt count only"
    );
}

#[test]
fn several_blocks_at_once_and_the_first_instant_all_allow() {
    let mut ask = request("2026-03-09T02:00:00Z", Action::Call); // 22:00 EDT on 03-08
    ask.history = vec![entry(
        "2026-03-05T15:00:00Z",
        Action::Call,
        Outcome::Conversation,
        "D-1",
    )];
    let answer = check(&ask);
    assert_eq!(
        rules(&ask),
        ["us.time_of_day", "us.call_after_conversation"]
    );
    assert_eq!(
        answer.violations[1].clears_at,
        Some(at("2026-03-12T04:00:00Z"))
    );
    assert_eq!(
        answer.next_allowed_at,
        Some(at("2026-03-12T12:00:00Z")),
        "08:00 on the first day after the block"
    );
}

#[test]
fn inconvenient_windows_clear_at_their_end() {
    let mut ask = request("2026-06-01T16:10:30Z", Action::Call); // 12:10:30 EDT
    ask.consumer.inconvenient_windows = vec![compliance::hours::LocalWindow {
        from: jiff::civil::time(12, 0, 0, 0),
        until: jiff::civil::time(13, 30, 0, 0),
    }];
    let answer = check(&ask);
    assert_eq!(rules(&ask), ["us.consumer_inconvenient_time"]);
    assert_eq!(
        answer.violations[0].clears_at,
        Some(at("2026-06-01T17:30:00Z"))
    );
    assert_eq!(answer.next_allowed_at, Some(at("2026-06-01T17:30:00Z")));
}

pub(crate) mod properties {
    use super::*;
    use proptest::prelude::*;

    const ZONE_SETS: &[&[&str]] = &[
        &["America/New_York"],
        &["America/Chicago", "America/Denver"],
        &["America/Los_Angeles", "Pacific/Honolulu"],
        &["America/Phoenix"],
    ];

    pub(crate) fn any_request() -> impl Strategy<Value = Request> {
        let history_entry = (
            1i64..(10 * 24 * 60),
            prop::sample::select(vec![
                Outcome::NoAnswer,
                Outcome::Voicemail,
                Outcome::Busy,
                Outcome::Conversation,
            ]),
            prop::sample::select(vec!["D-1", "D-2"]),
            any::<bool>(),
            prop::sample::select(vec![
                Action::Call,
                Action::Call,
                Action::Call,
                Action::Sms,
                Action::Letter,
                Action::Email,
            ]),
            // Marked `"consent": true` (a call placed under a consent), now and then.
            prop::bool::weighted(0.2),
        );
        // Consents known at now: given up to 10 days before it (some too long ago to
        // lift the frequencies), for a window of up to 6 hours starting between 12 hours
        // before and 36 hours after it (often before the usual next allowed instant).
        let consent = (
            0i64..(10 * 24 * 60),
            -(12 * 60)..(36 * 60i64),
            1i64..(6 * 60),
            prop::sample::select(vec![Action::Call, Action::Call, Action::Sms, Action::Email]),
        );
        (
            0i64..(270 * 24 * 60),
            0usize..ZONE_SETS.len(),
            prop::sample::select(vec![
                Action::Call,
                Action::Sms,
                Action::Letter,
                Action::CreditReport,
                Action::Email,
            ]),
            prop::sample::select(vec!["MA", "NY", "WA"]),
            prop::option::of(1i64..(40 * 24 * 60)),
            prop::collection::vec(history_entry, 0..14),
            prop::collection::vec(consent, 0..4),
        )
            .prop_map(
                |(minutes, zones, action, state, notice_minutes_ago, history, consents)| {
                    let now = at("2026-03-01T00:00:00Z")
                        .checked_add(jiff::Span::new().minutes(minutes))
                        .unwrap();
                    let before = |minutes_ago: i64| {
                        now.checked_sub(jiff::Span::new().minutes(minutes_ago))
                            .unwrap()
                    };
                    let mut ask = request("2026-03-01T00:00:00Z", action);
                    ask.now = now;
                    ask.consumer.time_zones = ZONE_SETS[zones]
                        .iter()
                        .map(|name| TimeZone::get(name).unwrap())
                        .collect();
                    ask.consumer.state = Some(state.into());
                    if minutes % 3 == 0 {
                        ask.contact_point = Some(ContactPoint {
                            kind: ContactPointKind::Mobile,
                            workplace: false,
                        });
                    }
                    ask.debts[0].validation_notice_sent_at = notice_minutes_ago.map(before);
                    ask.history = history
                        .into_iter()
                        .map(|(minutes_ago, outcome, debt, inbound, action, consent)| {
                            HistoryEntry {
                                at: before(minutes_ago),
                                debt_id: debt.into(),
                                action,
                                outcome: if action == Action::Call {
                                    outcome
                                } else {
                                    Outcome::Sent
                                },
                                direction: if inbound {
                                    Direction::Inbound
                                } else {
                                    Direction::Outbound
                                },
                                recipient: Recipient::Consumer,
                                consent,
                            }
                        })
                        .collect();
                    ask.consents = consents
                        .into_iter()
                        .map(|(given_minutes_ago, from_minutes, minutes, action)| {
                            let from = now
                                .checked_add(jiff::Span::new().minutes(from_minutes))
                                .unwrap();
                            Consent {
                                given_at: before(given_minutes_ago),
                                from,
                                to: from
                                    .checked_add(jiff::Span::new().minutes(minutes))
                                    .unwrap(),
                                action,
                            }
                        })
                        .collect();
                    ask
                },
            )
    }

    fn allowed_at(request: &Request, instant: Timestamp) -> bool {
        let mut later = request.clone();
        later.now = instant;
        check(&later).allowed()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn next_allowed_is_allowed_and_no_earlier_minute_is(ask in any_request(), probes in prop::collection::vec(0.0f64..1.0, 40)) {
            let answer = check(&ask);
            prop_assert_eq!(answer.allowed(), answer.next_allowed_at == Some(ask.now));
            if let Some(next) = answer.next_allowed_at {
                prop_assert!(allowed_at(&ask, next), "{next} should be allowed");
                let span_seconds = (next.as_second() - ask.now.as_second()) as f64;
                for fraction in probes {
                    let probe = Timestamp::from_second(ask.now.as_second() + (span_seconds * fraction) as i64).unwrap();
                    prop_assert!(probe >= next || !allowed_at(&ask, probe), "{probe} is allowed before {next}");
                }
                // Every whole minute of the last 36 hours before it (all of them when it
                // is that close), and the second before it.
                let first_minute = (next.as_second() - 36 * 3600).max(ask.now.as_second()).div_euclid(60) * 60;
                let mut probe = first_minute;
                while probe < next.as_second() {
                    let instant = Timestamp::from_second(probe).unwrap();
                    prop_assert!(instant < ask.now || !allowed_at(&ask, instant), "{instant} is allowed before {next}");
                    probe += 60;
                }
                if next > ask.now {
                    let just_before = Timestamp::from_second(next.as_second() - 1).unwrap();
                    prop_assert!(!allowed_at(&ask, just_before), "{just_before} is allowed before {next}");
                }
            }
        }

        #[test]
        fn more_call_attempts_never_turn_a_calls_deny_into_an_allow(ask in any_request(), extra in 1i64..(6 * 24 * 60)) {
            let mut call = ask.clone();
            call.action = Action::Call;
            if !check(&call).allowed() {
                let mut more = call.clone();
                more.history.push(HistoryEntry {
                    at: call.now.checked_sub(jiff::Span::new().minutes(extra)).unwrap(),
                    debt_id: "D-1".into(),
                    action: Action::Call,
                    outcome: Outcome::NoAnswer,
                    direction: Direction::Outbound,
                    recipient: Recipient::Consumer,
                    consent: false,
                });
                prop_assert!(!check(&more).allowed());
            }
        }

        /// Consent given directly by the consumer only lifts rules (contract: "Consent
        /// given directly by the consumer"): with the consents and the `"consent": true`
        /// marks taken away, every rule that forbids still forbids and clears no earlier,
        /// and no allow becomes a deny nor the next allowed instant earlier.
        #[test]
        fn a_consent_never_turns_an_allow_into_a_deny(ask in any_request()) {
            let mut without = ask.clone();
            without.consents.clear();
            for entry in &mut without.history {
                entry.consent = false;
            }
            let with_consent = check(&ask);
            let plain = check(&without);
            for violation in &with_consent.violations {
                let Some(same) = plain.violations.iter().find(|plain| plain.rule == violation.rule) else {
                    return Err(TestCaseError::fail(format!("{} forbids only with consent", violation.rule)));
                };
                if let Some(plain_clears) = same.clears_at {
                    prop_assert!(
                        violation.clears_at.is_some_and(|clears| clears <= plain_clears),
                        "{} clears at {:?} with consent, {plain_clears} without", violation.rule, violation.clears_at
                    );
                }
            }
            if plain.allowed() {
                prop_assert!(with_consent.allowed());
            }
            if let Some(plain_next) = plain.next_allowed_at {
                prop_assert!(
                    with_consent.next_allowed_at.is_some_and(|next| next <= plain_next),
                    "next {:?} with consent, {plain_next} without", with_consent.next_allowed_at
                );
            }
        }

        /// A consent given after now is unknown: it changes nothing.
        #[test]
        fn a_consent_given_after_now_changes_nothing(ask in any_request(), later in 1i64..(5 * 24 * 60), from in 0i64..(24 * 60)) {
            let mut more = ask.clone();
            let given_at = ask.now.checked_add(jiff::Span::new().minutes(later)).unwrap();
            let from = ask.now.checked_add(jiff::Span::new().minutes(from)).unwrap();
            more.consents.push(Consent {
                given_at,
                from,
                to: from.checked_add(jiff::Span::new().hours(12)).unwrap(),
                action: ask.action,
            });
            prop_assert_eq!(check(&more), check(&ask));
        }

        #[test]
        fn the_order_of_history_does_not_matter(ask in any_request()) {
            let mut reversed = ask.clone();
            reversed.history.reverse();
            prop_assert_eq!(check(&ask), check(&reversed));
        }
    }
}
