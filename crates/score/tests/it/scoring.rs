use crate::{SplitMix64, account, fresh_placement, in_good_standing};
use domain::account::Product;
use domain::party::Language;
use score::{Feature, Features, Model};

fn default_model() -> &'static Model {
    Model::default_model()
}

fn score(account: &Features) -> u16 {
    default_model().score(account).score
}

fn codes(account: &Features) -> Vec<String> {
    default_model()
        .score(account)
        .reasons
        .into_iter()
        .map(|reason| reason.code)
        .collect()
}

#[test]
fn the_default_model_is_an_unfitted_prior_with_every_feature() {
    let model = default_model();
    assert!(model.fit.is_none(), "the shipped weights are a prior");
    assert_eq!(model.terms.len(), Feature::ALL.len());
    for feature in Feature::ALL {
        assert_eq!(model.term(*feature).feature, *feature);
    }
}

#[test]
fn more_days_past_due_never_raises_the_score_and_a_year_lowers_it() {
    let mut previous = u16::MAX;
    for days_past_due in (0..=1_000).step_by(10) {
        let account = Features {
            days_past_due,
            ..fresh_placement()
        };
        let score = score(&account);
        assert!(
            score <= previous,
            "{days_past_due} days: {score} > {previous}"
        );
        previous = score;
    }
    let at = |days_past_due| {
        score(&Features {
            days_past_due,
            ..fresh_placement()
        })
    };
    assert!(at(400) < at(30), "{} vs {}", at(400), at(30));
}

#[test]
fn a_recent_payment_raises_the_score() {
    let with_payment = |days: Option<i64>| {
        score(&Features {
            payments_count: 1,
            days_since_last_payment: days,
            ..fresh_placement()
        })
    };
    let never = score(&fresh_placement());
    assert!(with_payment(Some(3)) > with_payment(Some(60)));
    assert!(with_payment(Some(60)) > with_payment(Some(170)));
    assert!(with_payment(Some(3)) > never);
    // A payment long ago counts as a payment, not as a recent one.
    assert_eq!(with_payment(Some(400)), with_payment(Some(180)));
}

#[test]
fn disputes_broken_promises_and_bigger_balances_lower_the_score() {
    let base = score(&fresh_placement());
    let disputed = Features {
        open_dispute: true,
        ..fresh_placement()
    };
    let broken = Features {
        promises_broken_count: 2,
        ..fresh_placement()
    };
    let bigger = Features {
        balance_minor: 1_500_000,
        original_balance_minor: 1_500_000,
        ..fresh_placement()
    };
    assert!(score(&disputed) < base);
    assert!(score(&broken) < base);
    assert!(score(&bigger) < base);
}

#[test]
fn scores_spread_across_the_range_and_stay_in_it() {
    let best = Features {
        balance_minor: 20_000,
        original_balance_minor: 80_000,
        days_past_due: 0,
        right_party_contacts_last_90_days: 5,
        promises_kept_count: 4,
        payments_count: 8,
        days_since_last_payment: Some(2),
        ..in_good_standing()
    };
    let worst = Features {
        balance_minor: 90_000_000_00,
        original_balance_minor: 90_000_000_00,
        days_past_due: 5_000,
        product: Product::Medical,
        has_callable_phone: false,
        has_email: false,
        attempts_last_30_days: 400,
        right_party_contacts_last_90_days: 0,
        promises_kept_count: 0,
        promises_broken_count: 30,
        payments_count: 0,
        days_since_last_payment: None,
        open_dispute: true,
        days_since_placement: 4_000,
    };
    let (best, typical, worst) = (score(&best), score(&fresh_placement()), score(&worst));
    assert!(best > 900, "best {best}");
    assert!((100..500).contains(&typical), "typical {typical}");
    assert!(worst < 20, "worst {worst}");
    let negative = Features {
        balance_minor: -5_000,
        days_past_due: -10,
        days_since_last_payment: Some(-3),
        days_since_placement: -1,
        ..fresh_placement()
    };
    assert!(score(&negative) <= 1000);
}

#[test]
fn an_account_in_good_standing_has_no_reasons() {
    assert_eq!(codes(&in_good_standing()), Vec::<String>::new());
}

#[test]
fn the_first_reason_names_the_feature_that_hurts_most() {
    let disputed = Features {
        open_dispute: true,
        ..in_good_standing()
    };
    assert_eq!(codes(&disputed), ["R12"]);
    // A dispute costs 1.0 in log-odds, no phone 0.6, no email 0.3 (data/model.toml).
    let also_unreachable = Features {
        has_callable_phone: false,
        has_email: false,
        ..disputed
    };
    assert_eq!(codes(&also_unreachable), ["R12", "R04", "R05"]);
    // Four harms: the smallest (no email) is left out.
    let also_broken = Features {
        promises_broken_count: 1,
        ..also_unreachable
    };
    assert_eq!(codes(&also_broken), ["R12", "R04", "R09"]);
    let reasons = default_model().score(&also_broken).reasons;
    assert_eq!(reasons[0].feature, Feature::OpenDispute);
    assert_eq!(reasons[0].text(Language::En), "The debt is disputed");
    assert_eq!(reasons[0].text(Language::Es), "La deuda está en disputa");
    assert!(
        reasons
            .windows(2)
            .all(|pair| pair[0].against_reference <= pair[1].against_reference)
    );
}

#[test]
fn equal_harms_are_ordered_as_the_model_lists_them() {
    // No phone and a dispute both cost exactly 1.0: the same harm, so the file's order decides.
    let text = crate::file::default_text().replace(
        "weight = 0.6\nreference = true",
        "weight = 1.0\nreference = true",
    );
    let model = Model::parse("tie.toml", &text).unwrap();
    let account = Features {
        has_callable_phone: false,
        open_dispute: true,
        ..in_good_standing()
    };
    let codes: Vec<String> = model
        .score(&account)
        .reasons
        .into_iter()
        .map(|reason| reason.code)
        .collect();
    // has_callable_phone (R04) comes before open_dispute (R12) in the file.
    assert_eq!(codes, ["R04", "R12"]);
}

#[test]
fn the_score_is_the_logistic_of_the_intercept_and_contributions() {
    let text = crate::file::default_text();
    // Every weight 0 and intercept ln 3: probability 3/4 whatever the account.
    let zero = crate::file::with_all_weights(&text, 0.0)
        .replace("intercept = 2.0", &format!("intercept = {:?}", 3f64.ln()));
    let model = Model::parse("zero.toml", &zero).unwrap();
    assert_eq!(model.score(&fresh_placement()).score, 750);
    assert_eq!(model.score(&in_good_standing()).reasons, Vec::new());

    let explanation = default_model().explain(&fresh_placement());
    let sum: f64 = explanation
        .contributions
        .iter()
        .map(|contribution| contribution.value)
        .sum();
    assert!((explanation.log_odds - (explanation.intercept + sum)).abs() < 1e-12);
    let probability = 1.0 / (1.0 + (-explanation.log_odds).exp());
    assert_eq!(explanation.score, (probability * 1000.0).round() as u16);
    assert_eq!(explanation.contributions.len(), Feature::ALL.len());
    // No payment ever: recency is 0, so its part is 0 and it is below the reference.
    let recency = explanation
        .contributions
        .iter()
        .find(|contribution| contribution.feature == Feature::DaysSinceLastPayment)
        .unwrap();
    assert_eq!(recency.value, 0.0);
    assert!(recency.against_reference < 0.0);
}

#[test]
fn scoring_twice_gives_the_same_answer() {
    let account = fresh_placement();
    assert_eq!(
        default_model().score(&account),
        default_model().score(&account)
    );
}

#[test]
fn on_any_account_lateness_never_helps_and_a_fresh_payment_never_hurts() {
    let mut rng = SplitMix64(2026);
    for _ in 0..2_000 {
        let account = account(&mut rng);
        let base = score(&account);
        let later = Features {
            days_past_due: account.days_past_due + 100,
            ..account.clone()
        };
        assert!(score(&later) <= base, "{account:?}");
        let paid_today = Features {
            payments_count: account.payments_count + 1,
            days_since_last_payment: Some(0),
            ..account.clone()
        };
        assert!(score(&paid_today) >= base, "{account:?}");
        let disputed = Features {
            open_dispute: true,
            ..account.clone()
        };
        assert!(score(&disputed) <= base, "{account:?}");
    }
}

#[test]
fn the_stored_codes_are_the_reasons_in_order() {
    let scored = default_model().score(&fresh_placement());
    // No payment ever (−1.0), no conversation (−0.7), no payment count (−0.4 × ln 4).
    assert_eq!(scored.codes(), "R11,R07,R10");
    assert_eq!(default_model().score(&in_good_standing()).codes(), "");
}
