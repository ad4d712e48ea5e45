//! Propensity to pay: the chance, 0 … 1000, that an account pays anything within 30 days
//! after the next contact or attempt, from a logistic model whose features, transforms,
//! weights and reason codes are a TOML file anyone can read (`data/model.toml`; format
//! and meaning in docs/scoring.md).
//!
//! ```text
//! score = round(1000 × 1 / (1 + e^−(intercept + Σ weight × transform(value))))
//! ```
//!
//! Each score carries up to three reason codes: the features that pull it down most
//! compared with an account in good standing (the model's `reference` values), the way
//! adverse-action reasons work. `refit` replaces the weights from the portfolio's own
//! outcomes, keeping the features, transforms and reason codes.
//!
//! **Invariants:**
//! - no IO and no clock: model files arrive as text, the fit date as an argument;
//! - a loaded model lists every `Feature` exactly once, each weight finite, each reason
//!   code unique; a score is in 0 … 1000 and never NaN (asserted);
//! - scoring and fitting are deterministic: the same binary computes the same score and
//!   the same fitted file from the same inputs, whichever database the facts came from
//!   (floats are used — a score is not money — always in the same order of operations).

pub mod features;
pub mod file;
pub mod fit;
pub mod model;

pub use features::{Feature, Features};
pub use file::ModelError;
pub use fit::{FitError, FitOptions, FitReport, area_under_curve, refit};
pub use model::{Contribution, Explanation, Model, Reason, Scored, Term, Transform};
