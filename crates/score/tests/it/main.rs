//! The score as a user of the work list sees it: monotone in what should matter, reasons
//! naming what hurts, model files refused with their line, and a refit that finds a
//! planted truth.

use domain::account::Product;
use score::Features;

mod doc;
mod file;
mod fit;
mod scoring;

/// An account in good standing: every feature at the default model's reference value.
fn in_good_standing() -> Features {
    Features {
        balance_minor: 50_000,
        // 50,000 is 75 % of 66,667: a quarter repaid, the reference.
        original_balance_minor: 66_667,
        days_past_due: 30,
        product: Product::Mortgage,
        has_callable_phone: true,
        has_email: true,
        attempts_last_30_days: 0,
        right_party_contacts_last_90_days: 2,
        promises_kept_count: 1,
        promises_broken_count: 0,
        payments_count: 3,
        days_since_last_payment: Some(30),
        open_dispute: false,
        days_since_placement: 30,
    }
}

/// A fresh placement nobody has reached yet.
fn fresh_placement() -> Features {
    Features {
        balance_minor: 150_000,
        original_balance_minor: 150_000,
        days_past_due: 120,
        product: Product::CreditCard,
        has_callable_phone: true,
        has_email: false,
        attempts_last_30_days: 3,
        right_party_contacts_last_90_days: 0,
        promises_kept_count: 0,
        promises_broken_count: 0,
        payments_count: 0,
        days_since_last_payment: None,
        open_dispute: false,
        days_since_placement: 60,
    }
}

/// splitmix64 (Steele, Lea, Flood 2014): small, seeded, the same on every machine.
pub struct SplitMix64(pub u64);

impl SplitMix64 {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1), 53 bits.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn below(&mut self, bound: u64) -> u64 {
        self.next_u64() % bound
    }

    pub fn chance(&mut self, probability: f64) -> bool {
        self.unit() < probability
    }
}

/// A random account: the synthetic portfolio's.
pub fn account(rng: &mut SplitMix64) -> Features {
    // Log-uniform balances from $50 to $5,000.
    let balance_minor = (5_000f64.ln() + rng.unit() * 100f64.ln()).exp().round() as i64;
    let repaid = if rng.chance(0.5) {
        rng.unit() * 0.6
    } else {
        0.0
    };
    let original_balance_minor = (balance_minor as f64 / (1.0 - repaid)).round() as i64;
    let payments_count = rng.below(8) as u32;
    Features {
        balance_minor,
        original_balance_minor,
        days_past_due: rng.below(900) as i64,
        product: Product::ALL[rng.below(Product::ALL.len() as u64) as usize],
        has_callable_phone: rng.chance(0.8),
        has_email: rng.chance(0.5),
        attempts_last_30_days: rng.below(15) as u32,
        right_party_contacts_last_90_days: rng.below(5) as u32,
        promises_kept_count: rng.below(4) as u32,
        promises_broken_count: rng.below(4) as u32,
        payments_count,
        days_since_last_payment: (payments_count > 0).then(|| rng.below(300) as i64),
        open_dispute: rng.chance(0.1),
        days_since_placement: rng.below(1_200) as i64,
    }
}
