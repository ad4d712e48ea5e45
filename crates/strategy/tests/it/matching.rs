//! Which segment an account is in: the first whose conditions all hold.

use crate::{default_strategy, facts, parse_ok};
use domain::account::{Product, Status};
use domain::party::Language;
use strategy::AccountFacts;

fn segment_of(strategy: &strategy::Strategy, facts: &AccountFacts<'_>) -> String {
    strategy.segment_for(facts).name.clone()
}

#[test]
fn the_default_strategy_places_typical_accounts() {
    let strategy = default_strategy();
    let cases: Vec<(&str, AccountFacts<'static>)> = vec![
        ("default", facts()),
        (
            "resolved",
            AccountFacts {
                status: Status::Paid,
                ..facts()
            },
        ),
        // Time-barred comes before high balance: no legal path for a barred debt.
        (
            "time-barred / soft",
            AccountFacts {
                time_barred: true,
                balance_minor: 9_000_00,
                bucket_label: "1-30",
                ..facts()
            },
        ),
        (
            "promise broken",
            AccountFacts {
                days_since_broken_promise: Some(10),
                ..facts()
            },
        ),
        // A promise broken long ago no longer counts.
        (
            "default",
            AccountFacts {
                days_since_broken_promise: Some(31),
                ..facts()
            },
        ),
        (
            "high balance early",
            AccountFacts {
                balance_minor: 2_500_00,
                bucket_label: "31-60",
                ..facts()
            },
        ),
        (
            "default",
            AccountFacts {
                balance_minor: 2_499_99,
                bucket_label: "31-60",
                ..facts()
            },
        ),
        (
            "default",
            AccountFacts {
                balance_minor: 2_500_00,
                bucket_label: "121-150",
                ..facts()
            },
        ),
        (
            "low balance late",
            AccountFacts {
                balance_minor: 500_00,
                bucket_label: "181+",
                ..facts()
            },
        ),
        (
            "default",
            AccountFacts {
                balance_minor: 500_01,
                bucket_label: "181+",
                ..facts()
            },
        ),
    ];
    for (expected, account) in cases {
        assert_eq!(segment_of(&strategy, &account), expected, "{account:?}");
    }
}

const ORDERED: &str = r#"format = 1
name = "ordered"

[[segment]]
name = "spanish texas"
languages = ["es"]
states = ["TX"]

[[segment]]
name = "scored high"
score_min = 700

[[segment]]
name = "quiet"
days_since_contact_min = 30

[[segment]]
name = "recent"
days_since_contact_max = 3

[[segment]]
name = "medical from HOSP"
products = ["medical"]
creditors = ["HOSP"]

[[segment]]
name = "everyone else"
"#;

#[test]
fn the_first_matching_segment_wins() {
    let strategy = parse_ok(ORDERED);
    // Matches "spanish texas" and "scored high": the first listed wins.
    let both = AccountFacts {
        language: Language::Es,
        score: Some(800),
        ..facts()
    };
    assert_eq!(segment_of(&strategy, &both), "spanish texas");
    let elsewhere = AccountFacts {
        state: Some("CA"),
        ..both
    };
    assert_eq!(segment_of(&strategy, &elsewhere), "scored high");
    assert_eq!(segment_of(&strategy, &facts()), "everyone else");
}

#[test]
fn missing_facts_fail_the_conditions_on_them() {
    let strategy = parse_ok(ORDERED);
    // No state known: not in a state segment.
    let stateless = AccountFacts {
        language: Language::Es,
        state: None,
        ..facts()
    };
    assert_eq!(segment_of(&strategy, &stateless), "everyone else");
    // Unscored: fails a score condition.
    let unscored = AccountFacts {
        score: None,
        days_since_last_contact: Some(10),
        ..facts()
    };
    assert_eq!(segment_of(&strategy, &unscored), "everyone else");
    // Never contacted: as if contacted long ago — passes a minimum, fails a maximum.
    let never = AccountFacts {
        days_since_last_contact: None,
        ..facts()
    };
    assert_eq!(segment_of(&strategy, &never), "quiet");
    let recent = AccountFacts {
        days_since_last_contact: Some(3),
        ..facts()
    };
    assert_eq!(segment_of(&strategy, &recent), "recent");
    let boundary = AccountFacts {
        days_since_last_contact: Some(30),
        ..facts()
    };
    assert_eq!(segment_of(&strategy, &boundary), "quiet");
}

#[test]
fn creditor_and_product_must_both_hold() {
    let strategy = parse_ok(ORDERED);
    let medical = AccountFacts {
        product: Product::Medical,
        creditor: "HOSP",
        ..facts()
    };
    assert_eq!(segment_of(&strategy, &medical), "medical from HOSP");
    let other_creditor = AccountFacts {
        creditor: "NBANK",
        ..medical
    };
    assert_eq!(segment_of(&strategy, &other_creditor), "everyone else");
}
