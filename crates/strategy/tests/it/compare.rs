//! Comparing arms: the intervals cover what they claim, and the verdict finds a planted
//! effect and stays quiet without one.

use crate::SplitMix64;
use strategy::compare::{ACCOUNTS_PER_ARM_MIN, Outcome, Tally, Verdict, compare, wilson};

#[test]
fn wilson_intervals_match_published_values() {
    // Newcombe (1998), Table I: 81/263 → 0.2553 – 0.3662; and 50/100 → 0.4038 – 0.5962.
    let interval = wilson(81, 263).unwrap();
    assert!(
        (interval.low - 0.2553).abs() < 1e-4 && (interval.high - 0.3662).abs() < 1e-4,
        "{interval:?}"
    );
    let interval = wilson(50, 100).unwrap();
    assert!(
        (interval.low - 0.4038).abs() < 1e-4 && (interval.high - 0.5962).abs() < 1e-4,
        "{interval:?}"
    );
    // None of ten: still an interval, from zero.
    let interval = wilson(0, 10).unwrap();
    assert_eq!(interval.low, 0.0);
    assert!((interval.high - 0.2775).abs() < 1e-4, "{interval:?}");
    assert_eq!(wilson(0, 0), None);
}

fn outcome(placed_minor: i64, collected_minor: i64) -> Outcome {
    Outcome {
        placed_minor,
        collected_minor,
        ..Outcome::default()
    }
}

#[test]
fn the_mean_and_its_interval_by_hand() {
    // Collected 0, 100, 200, 300: mean 150, s² = (150² + 50² + 50² + 150²) / 3.
    let outcomes: Vec<Outcome> = [0, 100, 200, 300]
        .map(|collected| outcome(1_000, collected))
        .to_vec();
    let metrics = Tally::of(&outcomes).metrics();
    let mean = metrics.collected_per_account_minor.unwrap();
    let half = 1.959_964 * (50_000.0f64 / 3.0).sqrt() / 2.0;
    assert!((mean.value - 150.0).abs() < 1e-9);
    assert!((mean.high - mean.value - half).abs() < 1e-3, "{mean:?}");
    assert_eq!(metrics.collected_total_minor, 600);
    assert_eq!(metrics.placed_total_minor, 4_000);
    let rate = metrics.liquidation_rate.unwrap();
    assert!((rate.value - 0.15).abs() < 1e-12);
}

#[test]
fn promise_and_contact_rates_count_promises_and_accounts() {
    let outcomes = [
        Outcome {
            placed_minor: 100,
            right_party_contacted: true,
            promises_made: 3,
            promises_kept: 1,
            ..Outcome::default()
        },
        Outcome {
            placed_minor: 100,
            right_party_contacted: false,
            promises_made: 1,
            promises_kept: 1,
            ..Outcome::default()
        },
    ];
    let metrics = Tally::of(&outcomes).metrics();
    assert_eq!(metrics.right_party_contact_rate.unwrap().value, 0.5);
    assert_eq!(metrics.promise_kept_rate.unwrap().value, 0.5);
    let none = Tally::of(&[outcome(100, 0), outcome(100, 0)]).metrics();
    assert_eq!(none.promise_kept_rate, None);
}

#[test]
fn tallies_merge_as_if_counted_together() {
    let mut random = SplitMix64(7);
    let outcomes: Vec<Outcome> = (0..5_000)
        .map(|_| synthetic_account(&mut random, 1.0))
        .collect();
    let whole = Tally::of(&outcomes).metrics();
    let merged = Tally::of(&outcomes[..1_234])
        .merge(&Tally::of(&outcomes[1_234..]))
        .metrics();
    assert_eq!(whole.collected_total_minor, merged.collected_total_minor);
    let (a, b) = (
        whole.liquidation_rate.unwrap(),
        merged.liquidation_rate.unwrap(),
    );
    assert!((a.low - b.low).abs() < 1e-9 && (a.high - b.high).abs() < 1e-9);
    let (a, b) = (
        whole.collected_per_account_minor.unwrap(),
        merged.collected_per_account_minor.unwrap(),
    );
    assert!((a.low - b.low).abs() < 1e-6 && (a.high - b.high).abs() < 1e-6);
}

/// One synthetic account: placed $200 – $5,200; a quarter pay, each a uniform 10% – 100%
/// of the balance, times `lift` (the planted effect); 40% right-party contacts; up to two
/// promises, each kept with probability one half.
fn synthetic_account(random: &mut SplitMix64, lift: f64) -> Outcome {
    let placed_minor = 200_00 + (random.unit() * 5_000_00.0) as i64;
    let pays = random.unit() < 0.25;
    let fraction = 0.1 + 0.9 * random.unit();
    let collected_minor = if pays {
        (placed_minor as f64 * fraction * lift).round() as i64
    } else {
        0
    };
    let right_party_contacted = random.unit() < 0.4;
    let promises_made = (random.next_u64() % 3) as u32;
    let promises_kept = (0..promises_made).filter(|_| random.unit() < 0.5).count() as u32;
    Outcome {
        placed_minor,
        collected_minor,
        right_party_contacted,
        promises_made,
        promises_kept,
    }
}

fn portfolio(seed: u64, accounts: usize, lift: f64) -> Tally {
    let mut random = SplitMix64(seed);
    let mut tally = Tally::new();
    for _ in 0..accounts {
        tally.add(&synthetic_account(&mut random, lift));
    }
    tally
}

const ACCOUNTS_PER_ARM: usize = 20_000;

fn verdict(seed: u64, lift: f64) -> Verdict {
    let champion = portfolio(seed, ACCOUNTS_PER_ARM, 1.0);
    // A different stream for the challenger: the arms are independent accounts.
    let challenger = portfolio(seed ^ 0xC4A1_1E46_E400_0000, ACCOUNTS_PER_ARM, lift);
    compare(&champion, &[("challenger", &challenger)]).verdicts[0].verdict
}

#[test]
fn acceptance_a_planted_gain_is_found() {
    for seed in 1..=5 {
        assert_eq!(
            verdict(seed, 1.15),
            Verdict::ChallengerBetter,
            "seed {seed}"
        );
    }
}

#[test]
fn acceptance_a_planted_loss_is_found() {
    for seed in 1..=5 {
        assert_eq!(verdict(seed, 0.85), Verdict::ChallengerWorse, "seed {seed}");
    }
}

#[test]
fn acceptance_no_planted_effect_rarely_claims_one() {
    // At 5% two-sided, 40 honest comparisons give about 2 false alarms; more than 6
    // has a probability under 1% (binomial 40, 0.05) — the test is fair, not tuned.
    let seeds = 40;
    let verdicts: Vec<Verdict> = (100..100 + seeds).map(|seed| verdict(seed, 1.0)).collect();
    let false_alarms = verdicts
        .iter()
        .filter(|v| **v != Verdict::NoDifferenceYet)
        .count();
    assert!(false_alarms <= 6, "{false_alarms} of {seeds}: {verdicts:?}");
    assert!(verdicts.iter().all(|v| *v != Verdict::TooFewAccounts));
}

#[test]
fn below_the_minimum_sample_the_verdict_waits() {
    let small = usize::try_from(ACCOUNTS_PER_ARM_MIN).unwrap() - 1;
    let champion = portfolio(1, small, 1.0);
    // Even a doubling is not called on too few accounts.
    let challenger = portfolio(2, small, 2.0);
    let comparison = compare(&champion, &[("double", &challenger)]);
    assert_eq!(comparison.verdicts[0].verdict, Verdict::TooFewAccounts);
    assert_eq!(
        comparison.verdicts[0].verdict.to_string(),
        "no difference yet (too few accounts)"
    );
    // The difference itself is still shown, and large.
    assert!(comparison.verdicts[0].z > 5.0);
}

#[test]
fn intervals_cover_the_truth_about_95_percent_of_the_time() {
    // The true values of the synthetic portfolio, from its definition: mean placed
    // 2,700.00; a quarter pay a mean fraction 0.55 → liquidation 0.1375 and collected
    // per account 0.25 × 0.55 × 2,700.00 = 371.25 (placed and fraction independent).
    let (true_rate, true_mean_minor) = (0.1375, 371_25.0);
    let samples = 200;
    let (mut rate_covered, mut mean_covered) = (0, 0);
    for seed in 0..samples {
        let metrics = portfolio(1_000 + seed, 2_000, 1.0).metrics();
        rate_covered += usize::from(metrics.liquidation_rate.unwrap().contains(true_rate));
        mean_covered += usize::from(
            metrics
                .collected_per_account_minor
                .unwrap()
                .contains(true_mean_minor),
        );
    }
    // Binomial(200, 0.95): 90% – 99% holds with probability above 99%.
    for covered in [rate_covered, mean_covered] {
        assert!(
            (180..=198).contains(&covered),
            "{rate_covered} {mean_covered} of {samples}"
        );
    }
}
