//! The model: an intercept and, per feature, a transform, weights, a reference value and
//! a reason code; the score and the reasons it gives.

use crate::features::{Feature, Features, Input, Kind};
use domain::account::Product;
use domain::party::Language;
use jiff::civil::Date;
use std::fmt;

/// The highest score; a score is `round(SCORE_MAX × probability)`.
pub const SCORE_MAX: u16 = 1000;

/// How many reason codes a score carries at most (adverse-action notices give four;
/// the work list shows three).
pub const REASONS_MAX: usize = 3;

/// Largest `N` in `cap:N` and `recency:N`.
pub const TRANSFORM_PARAMETER_MAX: u32 = 100_000;

/// How a feature's value becomes the number its weight multiplies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transform {
    /// x as it is.
    Identity,
    /// ln(1 + x), x below 0 taken as 0: each doubling counts about the same.
    Log1p,
    /// min(x, N), x below 0 taken as 0: past N more makes no difference.
    Cap(u32),
    /// (N − min(x, N)) / N, x below 0 taken as 0: 1 today, 0 at N days ago or more, and
    /// 0 when missing (never happened).
    Recency(u32),
    /// 1 for yes (a number: above 0), else 0.
    Indicator,
    /// One column per product code: 1 for the account's product, 0 for the others.
    OneHot,
}

impl Transform {
    pub fn parse(text: &str) -> Option<Transform> {
        let parameter = |text: &str| {
            text.parse::<u32>()
                .ok()
                .filter(|value| (1..=TRANSFORM_PARAMETER_MAX).contains(value))
        };
        match text {
            "identity" => Some(Transform::Identity),
            "log1p" => Some(Transform::Log1p),
            "indicator" => Some(Transform::Indicator),
            "one_hot" => Some(Transform::OneHot),
            _ => {
                if let Some(cap) = text.strip_prefix("cap:") {
                    return parameter(cap).map(Transform::Cap);
                }
                text.strip_prefix("recency:")
                    .and_then(parameter)
                    .map(Transform::Recency)
            }
        }
    }

    /// What the transform computes, in words, for comments and docs.
    pub fn meaning(self) -> String {
        match self {
            Transform::Identity => "x".into(),
            Transform::Log1p => "ln(1 + x)".into(),
            Transform::Cap(cap) => format!("min(x, {cap})"),
            Transform::Recency(days) => {
                format!("({days} − min(x, {days})) / {days}; never: 0")
            }
            Transform::Indicator => "1 if yes, else 0".into(),
            Transform::OneHot => "the weight of the account's product".into(),
        }
    }

    /// Whether a feature of `kind` may take this transform.
    pub fn fits(self, kind: Kind) -> bool {
        match self {
            Transform::Identity | Transform::Log1p | Transform::Cap(_) => kind == Kind::Number,
            Transform::Indicator => matches!(kind, Kind::Flag | Kind::Number),
            Transform::Recency(_) => kind == Kind::OptionalNumber,
            Transform::OneHot => kind == Kind::Product,
        }
    }

    /// How many columns (weights) the transform makes.
    pub fn columns(self) -> usize {
        match self {
            Transform::OneHot => Product::ALL.len(),
            _ => 1,
        }
    }

    /// Appends the transformed value's columns to `out`. `input` must be of a kind the
    /// transform fits (checked when the model loads).
    pub(crate) fn apply(self, input: Input, out: &mut Vec<f64>) {
        let start = out.len();
        match (self, input) {
            (Transform::Identity, Input::Number(x)) => out.push(x),
            (Transform::Log1p, Input::Number(x)) => out.push(x.max(0.0).ln_1p()),
            (Transform::Cap(cap), Input::Number(x)) => out.push(x.max(0.0).min(f64::from(cap))),
            (Transform::Recency(days), Input::Number(x)) => {
                let days = f64::from(days);
                out.push((days - x.max(0.0).min(days)) / days);
            }
            (Transform::Recency(_), Input::Missing) => out.push(0.0),
            (Transform::Indicator, Input::Flag(flag)) => out.push(if flag { 1.0 } else { 0.0 }),
            (Transform::Indicator, Input::Number(x)) => out.push(if x > 0.0 { 1.0 } else { 0.0 }),
            (Transform::OneHot, Input::Product(product)) => {
                out.extend(Product::ALL.iter().map(
                    |each| {
                        if *each == product { 1.0 } else { 0.0 }
                    },
                ));
            }
            (transform, input) => panic!("transform {transform} does not take {input:?}"),
        }
        assert_eq!(out.len() - start, self.columns());
        assert!(out[start..].iter().all(|value| value.is_finite()));
    }
}

impl fmt::Display for Transform {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Transform::Identity => formatter.write_str("identity"),
            Transform::Log1p => formatter.write_str("log1p"),
            Transform::Cap(cap) => write!(formatter, "cap:{cap}"),
            Transform::Recency(days) => write!(formatter, "recency:{days}"),
            Transform::Indicator => formatter.write_str("indicator"),
            Transform::OneHot => formatter.write_str("one_hot"),
        }
    }
}

/// One feature of a model.
#[derive(Clone, Debug, PartialEq)]
pub struct Term {
    pub feature: Feature,
    pub transform: Transform,
    /// One weight per column of the transform: one, or one per `Product::ALL` in order.
    pub weights: Vec<f64>,
    /// The value reasons are measured against: what an account in good standing has.
    /// Never `Input::Missing`.
    pub reference: Input,
    /// Short code stored with a score, e.g. `R02`.
    pub reason_code: String,
    pub reason_en: String,
    pub reason_es: String,
    /// Free text for the reader, kept through a refit.
    pub note: Option<String>,
}

impl Term {
    /// Σ weight × column for `input`.
    fn value(&self, input: Input, columns: &mut Vec<f64>) -> f64 {
        columns.clear();
        self.transform.apply(input, columns);
        assert_eq!(self.weights.len(), columns.len(), "one weight per column");
        self.weights
            .iter()
            .zip(columns.iter())
            .map(|(weight, column)| weight * column)
            .sum()
    }
}

/// Where a model's weights came from, when fitted by `refit`.
#[derive(Clone, Debug, PartialEq)]
pub struct Fit {
    pub fitted_on: Date,
    pub samples: u64,
    pub positives: u64,
    /// Area under the ROC curve on all the samples the model was fitted on.
    pub auc: f64,
    /// The same on the held-out samples, for a fit on the others (`None`: no holdout).
    pub holdout_auc: Option<f64>,
    /// The L2 penalty, on standardised columns.
    pub l2: f64,
}

/// A loaded, checked model. Build it with `Model::parse` (or `Model::default_model`);
/// the fields are public to read (an explain view, a listing). A model changed by hand
/// must keep what `parse` checks (one term per feature, one weight per column of its
/// transform, finite weights): scoring asserts it.
#[derive(Clone, Debug, PartialEq)]
pub struct Model {
    pub version: String,
    pub intercept: f64,
    /// Every `Feature` exactly once, in the file's order (which breaks reason ties).
    pub terms: Vec<Term>,
    pub fit: Option<Fit>,
}

/// One feature's part in a score.
#[derive(Clone, Debug, PartialEq)]
pub struct Contribution {
    pub feature: Feature,
    pub input: Input,
    /// weight × transform(value), in log-odds.
    pub value: f64,
    /// value − weight × transform(reference): below 0, the feature pulls the score down
    /// compared with an account in good standing.
    pub against_reference: f64,
}

/// Why a score is low: one feature that pulls it down.
#[derive(Clone, Debug, PartialEq)]
pub struct Reason {
    pub feature: Feature,
    pub code: String,
    /// `Contribution::against_reference`, always below 0.
    pub against_reference: f64,
    pub text_en: String,
    pub text_es: String,
}

impl Reason {
    pub fn text(&self, language: Language) -> &str {
        match language {
            Language::En => &self.text_en,
            Language::Es => &self.text_es,
        }
    }
}

/// A score with the reasons that lower it, most harmful first.
#[derive(Clone, Debug, PartialEq)]
pub struct Scored {
    pub score: u16,
    pub reasons: Vec<Reason>,
}

impl Scored {
    /// The reason codes as the batch stores them: comma-separated, most harmful first,
    /// e.g. `R11,R07,R10`; empty when nothing pulls the score down.
    pub fn codes(&self) -> String {
        let codes: Vec<&str> = self
            .reasons
            .iter()
            .map(|reason| reason.code.as_str())
            .collect();
        codes.join(",")
    }
}

/// Every feature's part, for an "explain" view.
#[derive(Clone, Debug, PartialEq)]
pub struct Explanation {
    pub score: u16,
    pub probability: f64,
    /// intercept + Σ contributions' values.
    pub log_odds: f64,
    pub intercept: f64,
    /// In the model's feature order.
    pub contributions: Vec<Contribution>,
}

impl Model {
    /// Every feature's part in `account`'s score.
    pub fn explain(&self, account: &Features) -> Explanation {
        let mut columns = Vec::with_capacity(Product::ALL.len());
        let mut log_odds = self.intercept;
        let contributions: Vec<Contribution> = self
            .terms
            .iter()
            .map(|term| {
                let input = term.feature.input(account);
                let value = term.value(input, &mut columns);
                let reference = term.value(term.reference, &mut columns);
                log_odds += value;
                Contribution {
                    feature: term.feature,
                    input,
                    value,
                    against_reference: value - reference,
                }
            })
            .collect();
        let probability = logistic(log_odds);
        Explanation {
            score: score_of(probability),
            probability,
            log_odds,
            intercept: self.intercept,
            contributions,
        }
    }

    /// `account`'s score, 0 … 1000, and up to `REASONS_MAX` reasons: the features that
    /// pull it down most against their reference values, most negative first, ties in
    /// the model's feature order. A feature at or above its reference is never a reason.
    pub fn score(&self, account: &Features) -> Scored {
        let explanation = self.explain(account);
        let mut harmful: Vec<(usize, &Contribution)> = explanation
            .contributions
            .iter()
            .enumerate()
            .filter(|(_, contribution)| contribution.against_reference < 0.0)
            .collect();
        // Stable and total: equal contributions keep the model's order.
        harmful.sort_by(|(index_a, a), (index_b, b)| {
            a.against_reference
                .total_cmp(&b.against_reference)
                .then(index_a.cmp(index_b))
        });
        let reasons = harmful
            .into_iter()
            .take(REASONS_MAX)
            .map(|(index, contribution)| {
                let term = &self.terms[index];
                Reason {
                    feature: term.feature,
                    code: term.reason_code.clone(),
                    against_reference: contribution.against_reference,
                    text_en: term.reason_en.clone(),
                    text_es: term.reason_es.clone(),
                }
            })
            .collect();
        Scored {
            score: explanation.score,
            reasons,
        }
    }

    /// intercept + Σ weight × column: the log-odds, for ranking (AUC) without rounding.
    pub fn log_odds(&self, account: &Features) -> f64 {
        let mut columns = Vec::with_capacity(Product::ALL.len());
        let log_odds = self.terms.iter().fold(self.intercept, |sum, term| {
            sum + term.value(term.feature.input(account), &mut columns)
        });
        assert!(!log_odds.is_nan(), "log-odds is NaN");
        log_odds
    }

    pub fn term(&self, feature: Feature) -> &Term {
        self.terms
            .iter()
            .find(|term| term.feature == feature)
            .expect("a model has every feature (checked when it loads)")
    }
}

/// 1 / (1 + e^−x), computed on the side that cannot overflow.
pub fn logistic(log_odds: f64) -> f64 {
    assert!(!log_odds.is_nan(), "log-odds is NaN");
    if log_odds >= 0.0 {
        1.0 / (1.0 + (-log_odds).exp())
    } else {
        let exp = log_odds.exp();
        exp / (1.0 + exp)
    }
}

/// round(1000 × probability), half away from zero, clamped to 0 … 1000.
pub fn score_of(probability: f64) -> u16 {
    assert!(probability.is_finite(), "probability {probability}");
    let score = (probability * f64::from(SCORE_MAX))
        .round()
        .clamp(0.0, f64::from(SCORE_MAX));
    // Exact: an integer-valued f64 in 0 … 1000.
    score as u16
}
