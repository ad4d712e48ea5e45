//! Refitting a model's weights on the portfolio's own outcomes: L2-regularised logistic
//! regression by Newton's method (IRLS) with step halving, on standardised columns,
//! deterministic (no randomness: the same samples in the same order give the same bytes).
//!
//! The label the store supplies per sample: **the account received a payment (any amount,
//! not returned) within 30 days after a right-party contact or an attempt**. One sample
//! per contact or attempt window; the features are the account's as of the day before.

use crate::features::Features;
use crate::model::{Fit, Model};
use jiff::civil::Date;
use std::fmt;

/// Fewest samples a fit accepts: below this the weights are noise.
pub const SAMPLES_MIN: usize = 200;

/// Fewest samples of each class (paid, not paid) a fit accepts.
pub const CLASS_MIN: usize = 20;

/// Most samples one fit reads (memory is O(1) per sample, time O(samples × columns²)
/// per iteration: 10 M × 22² is about 5 G operations).
pub const SAMPLES_MAX: usize = 10_000_000;

/// Most Newton iterations; from zero a regularised logistic fit takes about ten.
pub const ITERATIONS_MAX: u32 = 100;

/// Step halvings tried per iteration before giving up on improving the objective.
const HALVINGS_MAX: u32 = 30;

/// A column whose standard deviation is at most this (relative to its size) is constant
/// in the samples: its weight cannot be learned, so the model's weight is kept.
const CONSTANT_COLUMN_TOLERANCE: f64 = 1e-9;

#[derive(Clone, Debug, PartialEq)]
pub struct FitOptions {
    /// The new model's `version`.
    pub version: String,
    /// The new model's `fit.fitted_on` (the batch date: no clock here).
    pub fitted_on: Date,
    /// L2 penalty λ on the standardised weights (added to the summed log-likelihood; the
    /// intercept is not penalised).
    pub l2: f64,
    pub iterations_max: u32,
    /// Stop when no standardised weight moves more than this in an iteration.
    pub tolerance: f64,
    /// Hold out every k-th sample (index k−1, 2k−1, …) to measure AUC on samples the fit
    /// did not see; 0 holds out nothing.
    pub holdout_every: usize,
}

impl FitOptions {
    /// λ = 1, tolerance 1e-8, 50 iterations at most, every 5th sample held out (20 %).
    pub fn new(version: impl Into<String>, fitted_on: Date) -> FitOptions {
        FitOptions {
            version: version.into(),
            fitted_on,
            l2: 1.0,
            iterations_max: 50,
            tolerance: 1e-8,
            holdout_every: 5,
        }
    }
}

/// What a fit did and how well the result ranks.
#[derive(Clone, Debug, PartialEq)]
pub struct FitReport {
    pub samples: usize,
    pub positives: usize,
    /// Samples the holdout fit learned from and was measured on.
    pub training_samples: usize,
    pub holdout_samples: usize,
    /// Newton iterations of the final fit (on every sample).
    pub iterations: u32,
    /// AUC of the new model on every sample (in-sample: optimistic).
    pub auc: f64,
    /// AUC on the held-out samples of a fit on the others: the honest estimate. `None`
    /// without a holdout or when the holdout has one class only.
    pub holdout_auc: Option<f64>,
    /// The model being replaced, measured on the same samples.
    pub prior_auc: f64,
    pub prior_holdout_auc: Option<f64>,
    /// Columns constant in the samples, whose weights were kept from the prior model,
    /// e.g. `open_dispute` or `product.mortgage`.
    pub kept_prior: Vec<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum FitError {
    TooFewSamples {
        samples: usize,
    },
    TooManySamples {
        samples: usize,
    },
    /// Too few paid or too few unpaid samples (both may be zero).
    TooFewOfClass {
        positives: usize,
        negatives: usize,
    },
    BadOptions {
        reason: String,
    },
    NotConverged {
        iterations: u32,
    },
    /// The equations have no unique solution (a numerical failure: `l2` above 0 makes
    /// them positive definite).
    Singular,
}

impl fmt::Display for FitError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FitError::TooFewSamples { samples } => write!(
                formatter,
                "{samples} samples are too few to fit: at least {SAMPLES_MIN} are needed"
            ),
            FitError::TooManySamples { samples } => write!(
                formatter,
                "{samples} samples are more than one fit reads ({SAMPLES_MAX}): take a sample"
            ),
            FitError::TooFewOfClass {
                positives,
                negatives,
            } => write!(
                formatter,
                "{positives} samples paid and {negatives} did not: at least {CLASS_MIN} of each \
                 are needed (a fit learns nothing from one outcome)"
            ),
            FitError::BadOptions { reason } => write!(formatter, "fit options: {reason}"),
            FitError::NotConverged { iterations } => write!(
                formatter,
                "the fit did not converge in {iterations} iterations: raise l2"
            ),
            FitError::Singular => formatter
                .write_str("the fit has no unique solution (collinear features): use l2 above 0"),
        }
    }
}

impl std::error::Error for FitError {}

/// New weights and intercept for `model`'s features, transforms and reason codes, fitted
/// on `samples` (features, paid). The first fit learns on all but the held-out samples
/// and measures `holdout_auc`; the returned model is then fitted on every sample.
pub fn refit(
    model: &Model,
    samples: &[(Features, bool)],
    options: &FitOptions,
) -> Result<(Model, FitReport), FitError> {
    check_options(options)?;
    check_samples(samples)?;
    let every: Vec<usize> = (0..samples.len()).collect();
    let (training, holdout): (Vec<usize>, Vec<usize>) = every
        .iter()
        .partition(|index| !is_held_out(**index, options.holdout_every));
    let positives = samples.iter().filter(|(_, paid)| *paid).count();

    let prior_auc =
        area_under_curve_of(model, samples, &every).expect("both classes present (checked above)");
    let mut holdout_auc = None;
    let mut prior_holdout_auc = None;
    if !holdout.is_empty() {
        let training_positives = training.iter().filter(|index| samples[**index].1).count();
        let both = training_positives > 0 && training_positives < training.len();
        if both {
            let (training_model, _) = fit(model, samples, &training, options)?;
            holdout_auc = area_under_curve_of(&training_model, samples, &holdout);
            prior_holdout_auc = area_under_curve_of(model, samples, &holdout);
        }
    }
    let (fitted, outcome) = fit(model, samples, &every, options)?;
    let auc = area_under_curve_of(&fitted, samples, &every).expect("both classes present");
    let fitted = Model {
        version: options.version.clone(),
        fit: Some(Fit {
            fitted_on: options.fitted_on,
            samples: samples.len() as u64,
            positives: positives as u64,
            auc,
            holdout_auc,
            l2: options.l2,
        }),
        ..fitted
    };
    let report = FitReport {
        samples: samples.len(),
        positives,
        training_samples: training.len(),
        holdout_samples: holdout.len(),
        iterations: outcome.iterations,
        auc,
        holdout_auc,
        prior_auc,
        prior_holdout_auc,
        kept_prior: outcome.kept_prior,
    };
    Ok((fitted, report))
}

fn is_held_out(index: usize, every: usize) -> bool {
    every > 0 && index % every == every - 1
}

fn check_options(options: &FitOptions) -> Result<(), FitError> {
    let bad = |reason: String| Err(FitError::BadOptions { reason });
    // Without a penalty the product's columns (which always sum to 1) are collinear
    // with the intercept and the weights have no unique value.
    if !(options.l2.is_finite() && options.l2 > 0.0) {
        return bad(format!("l2 {} is not a finite number above 0", options.l2));
    }
    if !(options.tolerance.is_finite() && options.tolerance > 0.0) {
        return bad(format!("tolerance {} is not above 0", options.tolerance));
    }
    if !(1..=ITERATIONS_MAX).contains(&options.iterations_max) {
        return bad(format!(
            "iterations_max {} is not 1 … {ITERATIONS_MAX}",
            options.iterations_max
        ));
    }
    if options.holdout_every == 1 {
        return bad("holdout_every 1 would hold out every sample".into());
    }
    if options.version.trim().is_empty() {
        return bad("version must not be empty".into());
    }
    Ok(())
}

fn check_samples(samples: &[(Features, bool)]) -> Result<(), FitError> {
    if samples.len() < SAMPLES_MIN {
        return Err(FitError::TooFewSamples {
            samples: samples.len(),
        });
    }
    if samples.len() > SAMPLES_MAX {
        return Err(FitError::TooManySamples {
            samples: samples.len(),
        });
    }
    let positives = samples.iter().filter(|(_, paid)| *paid).count();
    let negatives = samples.len() - positives;
    if positives < CLASS_MIN || negatives < CLASS_MIN {
        return Err(FitError::TooFewOfClass {
            positives,
            negatives,
        });
    }
    Ok(())
}

/// AUC of `model`'s log-odds over `samples` (the probability that a paying sample
/// outranks a non-paying one, ties counting half); `None` when one class is absent.
pub fn area_under_curve(model: &Model, samples: &[(Features, bool)]) -> Option<f64> {
    let every: Vec<usize> = (0..samples.len()).collect();
    area_under_curve_of(model, samples, &every)
}

fn area_under_curve_of(
    model: &Model,
    samples: &[(Features, bool)],
    indices: &[usize],
) -> Option<f64> {
    let ranked: Vec<(f64, bool)> = indices
        .iter()
        .map(|index| {
            let (features, paid) = &samples[*index];
            (model.log_odds(features), *paid)
        })
        .collect();
    auc(ranked)
}

/// Mann–Whitney: (Σ ranks of positives − P(P+1)/2) / (P × N), tied scores sharing their
/// average rank.
fn auc(mut ranked: Vec<(f64, bool)>) -> Option<f64> {
    ranked.sort_by(|a, b| a.0.total_cmp(&b.0));
    let positives = ranked.iter().filter(|(_, paid)| *paid).count();
    let negatives = ranked.len() - positives;
    if positives == 0 || negatives == 0 {
        return None;
    }
    let mut rank_sum = 0.0;
    let mut start = 0;
    while start < ranked.len() {
        let mut end = start + 1;
        while end < ranked.len() && ranked[end].0 == ranked[start].0 {
            end += 1;
        }
        // Ranks start + 1 … end share their mean.
        let mean_rank = (start + 1 + end) as f64 / 2.0;
        let tied_positives = ranked[start..end].iter().filter(|(_, paid)| *paid).count();
        rank_sum += mean_rank * tied_positives as f64;
        start = end;
    }
    let positives = positives as f64;
    let negatives = negatives as f64;
    let auc = (rank_sum - positives * (positives + 1.0) / 2.0) / (positives * negatives);
    assert!((0.0..=1.0).contains(&auc), "AUC {auc}");
    Some(auc)
}

struct Outcome {
    iterations: u32,
    kept_prior: Vec<String>,
}

/// Every column of `account` in the model's order: the design row, without intercept.
fn row(model: &Model, account: &Features, out: &mut Vec<f64>) {
    out.clear();
    for term in &model.terms {
        term.transform.apply(term.feature.input(account), out);
    }
}

fn column_names(model: &Model) -> Vec<String> {
    let mut names = Vec::new();
    for term in &model.terms {
        if term.weights.len() == 1 {
            names.push(term.feature.name().to_string());
        } else {
            names.extend(
                domain::account::Product::ALL
                    .iter()
                    .map(|product| format!("{}.{}", term.feature.name(), product.code())),
            );
        }
    }
    names
}

/// Each column's mean and standard deviation over `indices`, two passes.
fn moments(model: &Model, samples: &[(Features, bool)], indices: &[usize]) -> Vec<(f64, f64)> {
    let columns: usize = model.terms.iter().map(|term| term.weights.len()).sum();
    let count = indices.len() as f64;
    let mut buffer = Vec::with_capacity(columns);
    let mut sums = vec![0.0; columns];
    for index in indices {
        row(model, &samples[*index].0, &mut buffer);
        for (sum, value) in sums.iter_mut().zip(&buffer) {
            *sum += value;
        }
    }
    let means: Vec<f64> = sums.iter().map(|sum| sum / count).collect();
    let mut squares = vec![0.0; columns];
    for index in indices {
        row(model, &samples[*index].0, &mut buffer);
        for ((square, value), mean) in squares.iter_mut().zip(&buffer).zip(&means) {
            *square += (value - mean) * (value - mean);
        }
    }
    means
        .into_iter()
        .zip(squares)
        .map(|(mean, square)| (mean, (square / count).sqrt()))
        .collect()
}

/// Fits on `indices`: free columns standardised, constant ones kept at the prior weight
/// as an offset. Returns the model with new weights and intercept (metadata unchanged).
fn fit(
    model: &Model,
    samples: &[(Features, bool)],
    indices: &[usize],
    options: &FitOptions,
) -> Result<(Model, Outcome), FitError> {
    let prior: Vec<f64> = model
        .terms
        .iter()
        .flat_map(|term| term.weights.iter().copied())
        .collect();
    let moments = moments(model, samples, indices);
    let free: Vec<usize> = (0..moments.len())
        .filter(|column| {
            let (mean, deviation) = moments[*column];
            deviation > CONSTANT_COLUMN_TOLERANCE * mean.abs().max(1.0)
        })
        .collect();
    let problem = Problem {
        model,
        samples,
        indices,
        moments: &moments,
        free: &free,
        prior: &prior,
        l2: options.l2,
    };
    let (theta, iterations) = problem.newton(options)?;

    // Back from standardised columns: w = β / s, intercept = b0 − Σ β m / s.
    let mut weights = prior.clone();
    let mut intercept = theta[0];
    for (position, column) in free.iter().enumerate() {
        let (mean, deviation) = moments[*column];
        let weight = theta[position + 1] / deviation;
        weights[*column] = weight;
        intercept -= weight * mean;
    }
    assert!(intercept.is_finite() && weights.iter().all(|weight| weight.is_finite()));
    let mut next = weights.into_iter();
    let terms = model
        .terms
        .iter()
        .map(|term| {
            let mut term = term.clone();
            for weight in term.weights.iter_mut() {
                *weight = next.next().expect("one weight per column");
            }
            term
        })
        .collect();
    let names = column_names(model);
    let kept_prior = (0..moments.len())
        .filter(|column| !free.contains(column))
        .map(|column| names[column].clone())
        .collect();
    let fitted = Model {
        intercept,
        terms,
        ..model.clone()
    };
    Ok((
        fitted,
        Outcome {
            iterations,
            kept_prior,
        },
    ))
}

struct Problem<'a> {
    model: &'a Model,
    samples: &'a [(Features, bool)],
    indices: &'a [usize],
    moments: &'a [(f64, f64)],
    free: &'a [usize],
    prior: &'a [f64],
    l2: f64,
}

impl Problem<'_> {
    /// The intercept then the free columns standardised, and the offset of the fixed
    /// ones, for one sample.
    fn design(&self, account: &Features, buffer: &mut Vec<f64>, out: &mut Vec<f64>) -> f64 {
        row(self.model, account, buffer);
        out.clear();
        out.push(1.0);
        for column in self.free {
            let (mean, deviation) = self.moments[*column];
            out.push((buffer[*column] - mean) / deviation);
        }
        let mut offset = 0.0;
        for (column, value) in buffer.iter().enumerate() {
            if !self.free.contains(&column) {
                offset += self.prior[column] * value;
            }
        }
        offset
    }

    /// Penalised log-likelihood at `theta`.
    fn objective(&self, theta: &[f64]) -> f64 {
        let mut buffer = Vec::new();
        let mut design = Vec::new();
        let mut total = 0.0;
        for index in self.indices {
            let (account, paid) = &self.samples[*index];
            let offset = self.design(account, &mut buffer, &mut design);
            let eta = offset + dot(theta, &design);
            // log p = −log(1 + e^−η), log(1 − p) = −log(1 + e^η), stable both ways.
            total -= softplus(if *paid { -eta } else { eta });
        }
        total - self.penalty(theta)
    }

    fn penalty(&self, theta: &[f64]) -> f64 {
        0.5 * self.l2 * theta[1..].iter().map(|beta| beta * beta).sum::<f64>()
    }

    /// Gradient and Hessian (negated, so positive definite) of the objective at `theta`.
    fn derivatives(&self, theta: &[f64]) -> (Vec<f64>, Vec<f64>) {
        let size = theta.len();
        let mut gradient = vec![0.0; size];
        let mut hessian = vec![0.0; size * size];
        let mut buffer = Vec::new();
        let mut design = Vec::new();
        for index in self.indices {
            let (account, paid) = &self.samples[*index];
            let offset = self.design(account, &mut buffer, &mut design);
            let probability = crate::model::logistic(offset + dot(theta, &design));
            let residual = f64::from(u8::from(*paid)) - probability;
            let weight = probability * (1.0 - probability);
            for row in 0..size {
                gradient[row] += residual * design[row];
                let scaled = weight * design[row];
                for column in 0..=row {
                    hessian[row * size + column] += scaled * design[column];
                }
            }
        }
        for row in 0..size {
            for column in 0..row {
                hessian[column * size + row] = hessian[row * size + column];
            }
        }
        for position in 1..size {
            gradient[position] -= self.l2 * theta[position];
            hessian[position * size + position] += self.l2;
        }
        (gradient, hessian)
    }

    fn newton(&self, options: &FitOptions) -> Result<(Vec<f64>, u32), FitError> {
        let size = self.free.len() + 1;
        let mut theta = vec![0.0; size];
        let mut current = self.objective(&theta);
        for iteration in 1..=options.iterations_max {
            let (gradient, hessian) = self.derivatives(&theta);
            let step = solve(hessian, gradient, size).ok_or(FitError::Singular)?;
            let mut scale = 1.0;
            let mut halvings = 0;
            let (candidate, value) = loop {
                let candidate: Vec<f64> = theta
                    .iter()
                    .zip(&step)
                    .map(|(value, delta)| value + scale * delta)
                    .collect();
                let value = self.objective(&candidate);
                if value >= current || halvings == HALVINGS_MAX {
                    break (candidate, value);
                }
                scale /= 2.0;
                halvings += 1;
            };
            let moved = step
                .iter()
                .map(|delta| (scale * delta).abs())
                .fold(0.0, f64::max);
            theta = candidate;
            current = value;
            if moved < options.tolerance {
                return Ok((theta, iteration));
            }
        }
        Err(FitError::NotConverged {
            iterations: options.iterations_max,
        })
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// ln(1 + e^x) without overflow.
fn softplus(x: f64) -> f64 {
    if x > 0.0 {
        x + (-x).exp().ln_1p()
    } else {
        x.exp().ln_1p()
    }
}

/// Solves `matrix` × x = `vector` for a symmetric positive definite `matrix` (row-major,
/// `size` × `size`) by Cholesky; `None` when it is not positive definite.
fn solve(mut matrix: Vec<f64>, mut vector: Vec<f64>, size: usize) -> Option<Vec<f64>> {
    // Factor in place: the lower triangle becomes L with L Lᵀ = matrix.
    for column in 0..size {
        let mut pivot = matrix[column * size + column];
        for k in 0..column {
            pivot -= matrix[column * size + k] * matrix[column * size + k];
        }
        if !(pivot > 0.0 && pivot.is_finite()) {
            return None;
        }
        let pivot = pivot.sqrt();
        matrix[column * size + column] = pivot;
        for row in column + 1..size {
            let mut value = matrix[row * size + column];
            for k in 0..column {
                value -= matrix[row * size + k] * matrix[column * size + k];
            }
            matrix[row * size + column] = value / pivot;
        }
    }
    // L y = b, then Lᵀ x = y.
    for row in 0..size {
        for k in 0..row {
            vector[row] -= matrix[row * size + k] * vector[k];
        }
        vector[row] /= matrix[row * size + row];
    }
    for row in (0..size).rev() {
        for k in row + 1..size {
            vector[row] -= matrix[k * size + row] * vector[k];
        }
        vector[row] /= matrix[row * size + row];
    }
    Some(vector)
}
