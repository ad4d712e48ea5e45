//! Comparing champion/challenger arms on their accounts' outcomes.
//!
//! Per arm: liquidation rate (collected ÷ placed), amount collected per account,
//! right-party contact rate, promise-kept rate, each with a 95% confidence interval;
//! and for each challenger a verdict against the champion on the primary metric, the
//! amount collected per account. Methods (docs/strategies.md, "Comparing arms"):
//!
//! - proportions (contact rate, promise-kept rate): Wilson score interval;
//! - the mean collected per account: normal interval, mean ± 1.96 s/√n;
//! - the liquidation rate, a ratio of two means: delta method,
//!   Var(R) ≈ (s_c² − 2R·s_pc + R²·s_p²) / (n·p̄²);
//! - the verdict: Welch's two-sample statistic on collected per account, two-sided at
//!   5%, judged against the normal critical value 1.96 — with at least
//!   [`ACCOUNTS_PER_ARM_MIN`] accounts in each arm, Welch's degrees of freedom are at
//!   least 999 and the t critical value differs from 1.96 by under 0.2%.
//!
//! Totals of money are exact integers; the statistics are floats (they are estimates,
//! never posted). Tallies are streaming and mergeable, so a batch over millions of
//! accounts, or over several workers, holds a few numbers per arm.

use std::fmt;

/// Fewest accounts each arm needs before a verdict other than "too few accounts".
pub const ACCOUNTS_PER_ARM_MIN: u64 = 1_000;

/// The two-sided 95% critical value of the standard normal distribution.
pub const Z_95: f64 = 1.959_963_984_540_054;

/// One account's outcome since it joined its arm.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    /// The balance placed with the agency, in minor units.
    pub placed_minor: i64,
    /// What the account paid (net of returns), in minor units.
    pub collected_minor: i64,
    pub right_party_contacted: bool,
    pub promises_made: u32,
    /// At most `promises_made`.
    pub promises_kept: u32,
}

/// The running sums of one arm's outcomes.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Tally {
    accounts: u64,
    placed_total_minor: i128,
    collected_total_minor: i128,
    right_party_contacted: u64,
    promises_made: u64,
    promises_kept: u64,
    // Welford's running means and co-moments of (placed, collected): stable where the
    // textbook sums of squares cancel catastrophically.
    placed_mean: f64,
    collected_mean: f64,
    placed_m2: f64,
    collected_m2: f64,
    co_moment: f64,
}

impl Tally {
    pub fn new() -> Tally {
        Tally::default()
    }

    /// The tally of `outcomes`.
    pub fn of<'o>(outcomes: impl IntoIterator<Item = &'o Outcome>) -> Tally {
        let mut tally = Tally::new();
        for outcome in outcomes {
            tally.add(outcome);
        }
        tally
    }

    pub fn add(&mut self, outcome: &Outcome) {
        assert!(
            outcome.promises_kept <= outcome.promises_made,
            "an account kept more promises ({}) than it made ({})",
            outcome.promises_kept,
            outcome.promises_made
        );
        self.accounts = self
            .accounts
            .checked_add(1)
            .expect("fewer than 2^64 accounts");
        self.placed_total_minor = checked_sum(self.placed_total_minor, outcome.placed_minor);
        self.collected_total_minor =
            checked_sum(self.collected_total_minor, outcome.collected_minor);
        self.right_party_contacted += u64::from(outcome.right_party_contacted);
        self.promises_made += u64::from(outcome.promises_made);
        self.promises_kept += u64::from(outcome.promises_kept);
        let count = self.accounts as f64;
        let placed = outcome.placed_minor as f64;
        let collected = outcome.collected_minor as f64;
        let placed_delta = placed - self.placed_mean;
        self.placed_mean += placed_delta / count;
        let collected_delta = collected - self.collected_mean;
        self.collected_mean += collected_delta / count;
        self.placed_m2 += placed_delta * (placed - self.placed_mean);
        self.collected_m2 += collected_delta * (collected - self.collected_mean);
        self.co_moment += placed_delta * (collected - self.collected_mean);
    }

    /// The tally of both sets of outcomes (workers' tallies combine in any order).
    pub fn merge(&self, other: &Tally) -> Tally {
        if self.accounts == 0 {
            return *other;
        }
        if other.accounts == 0 {
            return *self;
        }
        let accounts = self
            .accounts
            .checked_add(other.accounts)
            .expect("fewer than 2^64 accounts");
        let (left, right, total) = (self.accounts as f64, other.accounts as f64, accounts as f64);
        let placed_delta = other.placed_mean - self.placed_mean;
        let collected_delta = other.collected_mean - self.collected_mean;
        let weight = left * right / total;
        Tally {
            accounts,
            placed_total_minor: self
                .placed_total_minor
                .checked_add(other.placed_total_minor)
                .expect("totals fit in i128"),
            collected_total_minor: self
                .collected_total_minor
                .checked_add(other.collected_total_minor)
                .expect("totals fit in i128"),
            right_party_contacted: self.right_party_contacted + other.right_party_contacted,
            promises_made: self.promises_made + other.promises_made,
            promises_kept: self.promises_kept + other.promises_kept,
            placed_mean: self.placed_mean + placed_delta * right / total,
            collected_mean: self.collected_mean + collected_delta * right / total,
            placed_m2: self.placed_m2 + other.placed_m2 + placed_delta * placed_delta * weight,
            collected_m2: self.collected_m2
                + other.collected_m2
                + collected_delta * collected_delta * weight,
            co_moment: self.co_moment + other.co_moment + placed_delta * collected_delta * weight,
        }
    }

    pub fn accounts(&self) -> u64 {
        self.accounts
    }

    pub fn placed_total_minor(&self) -> i128 {
        self.placed_total_minor
    }

    pub fn collected_total_minor(&self) -> i128 {
        self.collected_total_minor
    }

    /// Sample variance of collected per account (n − 1 in the denominator).
    fn collected_variance(&self) -> f64 {
        sample(self.collected_m2, self.accounts)
    }

    pub fn metrics(&self) -> ArmMetrics {
        ArmMetrics {
            accounts: self.accounts,
            placed_total_minor: self.placed_total_minor,
            collected_total_minor: self.collected_total_minor,
            liquidation_rate: self.liquidation_rate(),
            collected_per_account_minor: (self.accounts >= 2).then(|| {
                let half = Z_95 * (self.collected_variance() / self.accounts as f64).sqrt();
                Estimate::around(self.collected_mean, half)
            }),
            right_party_contact_rate: wilson(self.right_party_contacted, self.accounts),
            promise_kept_rate: wilson(self.promises_kept, self.promises_made),
        }
    }

    /// Collected ÷ placed over the arm, with the delta method's interval.
    fn liquidation_rate(&self) -> Option<Estimate> {
        if self.accounts < 2 || self.placed_total_minor <= 0 {
            return None;
        }
        let ratio = self.collected_total_minor as f64 / self.placed_total_minor as f64;
        let count = self.accounts as f64;
        let variance = (sample(self.collected_m2, self.accounts)
            - 2.0 * ratio * sample(self.co_moment, self.accounts)
            + ratio * ratio * sample(self.placed_m2, self.accounts))
            / (count * self.placed_mean * self.placed_mean);
        Some(Estimate::around(ratio, Z_95 * variance.max(0.0).sqrt()))
    }
}

fn checked_sum(total: i128, value: i64) -> i128 {
    total
        .checked_add(i128::from(value))
        .expect("totals of i64 amounts fit in i128")
}

fn sample(moment: f64, accounts: u64) -> f64 {
    if accounts < 2 {
        return 0.0;
    }
    moment / (accounts - 1) as f64
}

/// A value with its 95% confidence interval, `low ≤ value ≤ high`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimate {
    pub value: f64,
    pub low: f64,
    pub high: f64,
}

impl Estimate {
    fn around(value: f64, half_width: f64) -> Estimate {
        Estimate {
            value,
            low: value - half_width,
            high: value + half_width,
        }
    }

    pub fn contains(&self, value: f64) -> bool {
        self.low <= value && value <= self.high
    }
}

/// Wilson's score interval for `successes` of `trials` at 95%; `None` without trials.
pub fn wilson(successes: u64, trials: u64) -> Option<Estimate> {
    assert!(
        successes <= trials,
        "{successes} successes of {trials} trials"
    );
    if trials == 0 {
        return None;
    }
    let n = trials as f64;
    let p = successes as f64 / n;
    let z2 = Z_95 * Z_95;
    let denominator = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denominator;
    let half = Z_95 / denominator * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    Some(Estimate {
        value: p,
        low: (centre - half).max(0.0),
        high: (centre + half).min(1.0),
    })
}

/// One arm's metrics. A metric is `None` when it has nothing to measure: no promises
/// made, nothing placed, fewer than two accounts for the means.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ArmMetrics {
    pub accounts: u64,
    pub placed_total_minor: i128,
    pub collected_total_minor: i128,
    /// A fraction: 0.12 is 12% of the placed balance collected.
    pub liquidation_rate: Option<Estimate>,
    pub collected_per_account_minor: Option<Estimate>,
    pub right_party_contact_rate: Option<Estimate>,
    pub promise_kept_rate: Option<Estimate>,
}

/// A challenger against the champion, on collected per account.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// An arm has fewer than [`ACCOUNTS_PER_ARM_MIN`] accounts.
    TooFewAccounts,
    NoDifferenceYet,
    ChallengerBetter,
    ChallengerWorse,
}

impl fmt::Display for Verdict {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(match self {
            Verdict::TooFewAccounts => "no difference yet (too few accounts)",
            Verdict::NoDifferenceYet => "no difference yet",
            Verdict::ChallengerBetter => "challenger better",
            Verdict::ChallengerWorse => "challenger worse",
        })
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct ChallengerVerdict {
    pub arm: String,
    /// Challenger's mean minus the champion's, minor units per account, with Welch's
    /// 95% interval; `None` when an arm has fewer than two accounts.
    pub difference_minor: Option<Estimate>,
    /// Welch's statistic; 0 when undefined.
    pub z: f64,
    /// Two-sided p-value of `z` under the normal distribution.
    pub p_value: f64,
    pub verdict: Verdict,
}

/// Every arm's metrics and every challenger's verdict.
#[derive(Clone, Debug, PartialEq)]
pub struct Comparison {
    /// The champion first.
    pub arms: Vec<(String, ArmMetrics)>,
    pub verdicts: Vec<ChallengerVerdict>,
}

/// Compares each challenger with the champion. Each challenger is tested on its own at
/// 5%: with several challengers, one in twenty no-difference challengers will still look
/// different by chance.
pub fn compare(champion: &Tally, challengers: &[(&str, &Tally)]) -> Comparison {
    let mut arms = vec![(crate::CHAMPION.to_string(), champion.metrics())];
    arms.extend(
        challengers
            .iter()
            .map(|(name, tally)| (name.to_string(), tally.metrics())),
    );
    let verdicts = challengers
        .iter()
        .map(|(name, challenger)| verdict(name, champion, challenger))
        .collect();
    Comparison { arms, verdicts }
}

fn verdict(name: &str, champion: &Tally, challenger: &Tally) -> ChallengerVerdict {
    let mut result = ChallengerVerdict {
        arm: name.to_string(),
        difference_minor: None,
        z: 0.0,
        p_value: 1.0,
        verdict: Verdict::TooFewAccounts,
    };
    if champion.accounts < 2 || challenger.accounts < 2 {
        return result;
    }
    let difference = challenger.collected_mean - champion.collected_mean;
    let standard_error = (champion.collected_variance() / champion.accounts as f64
        + challenger.collected_variance() / challenger.accounts as f64)
        .sqrt();
    result.difference_minor = Some(Estimate::around(difference, Z_95 * standard_error));
    result.z = if standard_error > 0.0 {
        difference / standard_error
    } else if difference == 0.0 {
        0.0
    } else {
        // Every account of each arm collected the same: any difference is certain.
        difference.signum() * f64::INFINITY
    };
    result.p_value = erfc(result.z.abs() / std::f64::consts::SQRT_2);
    let enough =
        champion.accounts >= ACCOUNTS_PER_ARM_MIN && challenger.accounts >= ACCOUNTS_PER_ARM_MIN;
    result.verdict = if !enough {
        Verdict::TooFewAccounts
    } else if result.z >= Z_95 {
        Verdict::ChallengerBetter
    } else if result.z <= -Z_95 {
        Verdict::ChallengerWorse
    } else {
        Verdict::NoDifferenceYet
    };
    result
}

/// The complementary error function, with a relative error below 1.2 × 10⁻⁷ (the
/// Chebyshev fit of Press et al., *Numerical Recipes*, §6.2): enough for a p-value
/// shown to people; the verdict compares `z` with [`Z_95`] directly.
fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let polynomial = -z * z - 1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98
                                + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let value = t * polynomial.exp();
    if x >= 0.0 { value } else { 2.0 - value }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn erfc_matches_known_values() {
        // erfc(0) = 1; erfc(1.959964/√2) = 0.05; erfc(1) = 0.157299207.
        assert!((erfc(0.0) - 1.0).abs() < 1e-6);
        assert!((erfc(Z_95 / std::f64::consts::SQRT_2) - 0.05).abs() < 1e-6);
        assert!((erfc(1.0) - 0.157_299_207).abs() < 1e-6);
        assert!((erfc(-1.0) - (2.0 - 0.157_299_207)).abs() < 1e-6);
    }
}
