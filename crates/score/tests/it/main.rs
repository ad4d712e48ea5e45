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
