//! A synthetic portfolio drawn from a known logistic truth: the refit must find it.

use crate::{SplitMix64, account};
use domain::account::Product;
use jiff::civil::date;
use score::{Feature, Features, FitError, FitOptions, Model, refit};

/// The planted truth: the default model's features and transforms, these weights.
fn truth() -> Model {
    let mut model = Model::default_model().clone();
    model.intercept = 1.0;
    for term in &mut model.terms {
        let weight = match term.feature {
            Feature::BalanceMinor => -0.25,
            Feature::DaysPastDue => -0.003,
            Feature::HasCallablePhone => 0.8,
            Feature::HasEmail => 0.0,
            Feature::AttemptsLast30Days => -0.06,
            Feature::RightPartyContactsLast90Days => 0.5,
            Feature::PromisesKeptCount => 0.4,
            Feature::PromisesBrokenCount => -0.5,
            Feature::PaymentsCount => 0.3,
            Feature::DaysSinceLastPayment => 1.5,
            Feature::OpenDispute => -1.5,
            Feature::DaysSincePlacement => 0.0,
            Feature::RepaidShare => 1.0,
            Feature::Product => {
                for (product, weight) in Product::ALL.iter().zip(term.weights.iter_mut()) {
                    *weight = match product {
                        Product::Medical => -0.8,
                        Product::Mortgage => 0.5,
                        _ => 0.0,
                    };
                }
                continue;
            }
        };
        term.weights = vec![weight];
    }
    model
}

fn portfolio(seed: u64, count: usize) -> Vec<(Features, bool)> {
    let truth = truth();
    let mut rng = SplitMix64(seed);
    (0..count)
        .map(|_| {
            let features = account(&mut rng);
            let probability = score::model::logistic(truth.log_odds(&features));
            let paid = rng.chance(probability);
            (features, paid)
        })
        .collect()
}

fn options() -> FitOptions {
    FitOptions::new("fitted-2026-12-07", date(2026, 12, 7))
}

fn weight(model: &Model, feature: Feature) -> f64 {
    model.term(feature).weights[0]
}

#[test]
fn a_refit_finds_the_planted_weights_and_ranks_better_than_the_prior() {
    let samples = portfolio(16, 12_000);
    let (fitted, report) = refit(Model::default_model(), &samples, &options()).unwrap();
    let truth = truth();
    // Sign and size within 30 % for every feature the truth uses.
    for term in &truth.terms {
        if term.feature == Feature::Product {
            continue;
        }
        let planted = term.weights[0];
        let found = weight(&fitted, term.feature);
        if planted == 0.0 {
            // Nothing planted: the fit finds little (the prior had 0.3 and −0.0008).
            let scale = weight(&truth, Feature::HasCallablePhone);
            let small = match term.feature {
                Feature::DaysSincePlacement => 0.0003,
                _ => scale * 0.2,
            };
            assert!(found.abs() < small, "{:?}: found {found}", term.feature);
        } else {
            assert!(
                (found - planted).abs() <= 0.3 * planted.abs(),
                "{:?}: planted {planted}, found {found}",
                term.feature
            );
        }
    }
    // Products are known up to a constant (the intercept): compare differences.
    let product = |model: &Model, code: Product| {
        let index = Product::ALL.iter().position(|each| *each == code).unwrap();
        model.term(Feature::Product).weights[index]
    };
    let gap = product(&fitted, Product::Mortgage) - product(&fitted, Product::Medical);
    assert!((gap - 1.3).abs() < 0.4, "mortgage − medical {gap}");

    let holdout = report.holdout_auc.unwrap();
    let prior_holdout = report.prior_holdout_auc.unwrap();
    assert!(
        holdout > prior_holdout + 0.01,
        "{holdout} vs prior {prior_holdout}"
    );
    assert!(report.auc > report.prior_auc);
    // The truth's own ranking bounds what any fit can do on these samples.
    let truth_auc = score::area_under_curve(&truth, &samples).unwrap();
    assert!(
        report.auc <= truth_auc + 0.01,
        "{} vs truth {truth_auc}",
        report.auc
    );
    assert!(
        report.auc > truth_auc - 0.01,
        "{} vs truth {truth_auc}",
        report.auc
    );

    // Calibrated: with an unpenalised intercept the expected number of payers is the
    // observed one.
    let expected: f64 = samples
        .iter()
        .map(|(features, _)| fitted.explain(features).probability)
        .sum();
    let observed = report.positives as f64;
    assert!(
        (expected - observed).abs() < 1e-6 * observed,
        "{expected} vs {observed}"
    );

    assert_eq!(report.samples, 12_000);
    assert_eq!(report.holdout_samples, 2_400);
    assert_eq!(report.training_samples, 9_600);
    assert_eq!(
        report.positives,
        samples.iter().filter(|(_, paid)| *paid).count()
    );
    assert!(report.kept_prior.is_empty(), "{:?}", report.kept_prior);
    let fit = fitted.fit.as_ref().unwrap();
    assert_eq!(fit.fitted_on, date(2026, 12, 7));
    assert_eq!(fit.samples, 12_000);
    assert_eq!(fit.auc, report.auc);
    assert_eq!(fit.holdout_auc, report.holdout_auc);
    assert_eq!(fitted.version, "fitted-2026-12-07");
    // Reason codes, texts, transforms and references are the prior's.
    for (new, old) in fitted.terms.iter().zip(&Model::default_model().terms) {
        assert_eq!(
            (
                &new.feature,
                &new.transform,
                &new.reference,
                &new.reason_code,
                &new.reason_en
            ),
            (
                &old.feature,
                &old.transform,
                &old.reference,
                &old.reason_code,
                &old.reason_en
            )
        );
    }
}

#[test]
fn a_refit_is_deterministic_and_its_file_reads_back() {
    let samples = portfolio(7, 1_500);
    let (first, _) = refit(Model::default_model(), &samples, &options()).unwrap();
    let (second, _) = refit(Model::default_model(), &samples, &options()).unwrap();
    let written = first.to_toml();
    assert_eq!(written, second.to_toml());
    let read = Model::parse("fitted.toml", &written).unwrap();
    assert_eq!(read, first);
    assert!(written.contains("[fit]\nfitted_on = 2026-12-07\nsamples = 1500\n"));
}

#[test]
fn a_feature_the_samples_never_vary_keeps_its_prior_weight() {
    let samples: Vec<(Features, bool)> = portfolio(3, 1_000)
        .into_iter()
        .map(|(features, paid)| {
            let features = Features {
                open_dispute: false,
                ..features
            };
            (features, paid)
        })
        .collect();
    let (fitted, report) = refit(Model::default_model(), &samples, &options()).unwrap();
    assert_eq!(report.kept_prior, ["open_dispute"]);
    assert_eq!(
        weight(&fitted, Feature::OpenDispute),
        weight(Model::default_model(), Feature::OpenDispute)
    );
}

#[test]
fn too_few_samples_or_one_outcome_are_refused() {
    let samples = portfolio(5, 1_000);
    let error = refit(Model::default_model(), &samples[..50], &options()).unwrap_err();
    assert_eq!(error, FitError::TooFewSamples { samples: 50 });
    assert!(error.to_string().contains("at least 200"), "{error}");

    let nobody_paid: Vec<(Features, bool)> = samples
        .iter()
        .map(|(features, _)| (features.clone(), false))
        .collect();
    let error = refit(Model::default_model(), &nobody_paid, &options()).unwrap_err();
    assert_eq!(
        error,
        FitError::TooFewOfClass {
            positives: 0,
            negatives: 1_000
        }
    );
    assert!(
        error
            .to_string()
            .contains("0 samples paid and 1000 did not"),
        "{error}"
    );

    let bad = FitOptions {
        l2: f64::NAN,
        ..options()
    };
    let error = refit(Model::default_model(), &samples, &bad).unwrap_err();
    assert!(matches!(error, FitError::BadOptions { .. }), "{error}");
}
