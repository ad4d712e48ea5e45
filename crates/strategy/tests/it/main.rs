//! The strategy crate's integration tests: one binary, a module per feature.

mod arms;
mod compare;
mod matching;
mod parse;
mod steps;

use domain::account::{Product, Status};
use domain::party::Language;
use strategy::{AccountFacts, Strategy};

/// Parses `text` as `test.toml`, failing the test with every problem when it does not load.
pub fn parse_ok(text: &str) -> Strategy {
    Strategy::parse("test.toml", text).unwrap_or_else(|problems| {
        let lines: Vec<String> = problems.iter().map(ToString::to_string).collect();
        panic!("the strategy does not load:\n{}", lines.join("\n"))
    })
}

/// The default strategy shipped with Arrears.
pub fn default_strategy() -> Strategy {
    Strategy::parse(strategy::DEFAULT_FILE, strategy::DEFAULT)
        .unwrap_or_else(|problems| panic!("the default strategy does not load: {problems:?}"))
}

/// An ordinary active account: $1,000.00, 61-90 days, scored 500, a credit card in Texas,
/// English, creditor NBANK, contacted 10 days ago, no broken promise, not time-barred.
pub fn facts() -> AccountFacts<'static> {
    AccountFacts {
        balance_minor: 1_000_00,
        bucket_label: "61-90",
        score: Some(500),
        product: Product::CreditCard,
        state: Some("TX"),
        language: Language::En,
        creditor: "NBANK",
        status: Status::Active,
        days_since_last_contact: Some(10),
        days_since_broken_promise: None,
        time_barred: false,
    }
}

/// 1-based line of the first line of `text` containing `marker`.
pub fn line_of(text: &str, marker: &str) -> usize {
    text.lines()
        .position(|line| line.contains(marker))
        .unwrap_or_else(|| panic!("`{marker}` is not in the text"))
        + 1
}

/// splitmix64: a small, well-mixed generator, so the synthetic data is the same on every
/// machine and needs no dependency.
pub struct SplitMix64(pub u64);

impl SplitMix64 {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}
