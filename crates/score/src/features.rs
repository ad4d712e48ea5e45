//! What the store supplies per account at night, and the model's named inputs built from it.

use domain::account::Product;

/// One account's facts as of the batch date, cheap to read in bulk. Counts and days are
/// as of that date; money is in minor units of the account's currency.
#[derive(Clone, Debug, PartialEq)]
pub struct Features {
    /// What the debtor owes today (the ledger's sum); negative is a credit balance.
    pub balance_minor: i64,
    /// What the creditor placed; 0 when unknown (then `repaid_share` is 0).
    pub original_balance_minor: i64,
    pub days_past_due: i64,
    pub product: Product,
    /// A phone on file that compliance does not forbid calling (not opted out, not
    /// a workplace the debtor refused, not wrong-party).
    pub has_callable_phone: bool,
    pub has_email: bool,
    /// Call, letter, email and text attempts in the 30 days before the batch date.
    pub attempts_last_30_days: u32,
    /// Conversations with the debtor (right-party contacts) in the last 90 days.
    pub right_party_contacts_last_90_days: u32,
    /// Promises to pay ever kept and ever broken on this account.
    pub promises_kept_count: u32,
    pub promises_broken_count: u32,
    /// Payments ever received (returned ones excluded).
    pub payments_count: u32,
    /// Days from the last payment to the batch date; `None` when nothing was ever paid.
    pub days_since_last_payment: Option<i64>,
    /// A dispute is open (the account is on a dispute hold).
    pub open_dispute: bool,
    pub days_since_placement: i64,
}

/// What a feature's value is, which decides the transforms it may take.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A yes/no fact: `indicator` only.
    Flag,
    /// A number always present: `identity`, `log1p`, `cap:N`, `indicator`.
    Number,
    /// A number that may be missing: `recency:N` (missing counts as long ago).
    OptionalNumber,
    /// The product code: `one_hot`.
    Product,
}

/// One feature's value for one account, before its transform.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Input {
    Flag(bool),
    Number(f64),
    Missing,
    Product(Product),
}

macro_rules! features {
    ($($variant:ident => $code:literal, $kind:ident;)+) => {
        /// The model's inputs, by the names model files use.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Feature { $($variant),+ }

        impl Feature {
            pub const ALL: &'static [Feature] = &[$(Feature::$variant),+];

            /// The name in model files.
            pub fn name(self) -> &'static str {
                match self { $(Feature::$variant => $code),+ }
            }

            pub fn parse(name: &str) -> Option<Feature> {
                match name { $($code => Some(Feature::$variant),)+ _ => None }
            }

            pub fn kind(self) -> Kind {
                match self { $(Feature::$variant => Kind::$kind),+ }
            }
        }
    };
}

features! {
    BalanceMinor => "balance_minor", Number;
    DaysPastDue => "days_past_due", Number;
    Product => "product", Product;
    HasCallablePhone => "has_callable_phone", Flag;
    HasEmail => "has_email", Flag;
    AttemptsLast30Days => "attempts_last_30_days", Number;
    RightPartyContactsLast90Days => "right_party_contacts_last_90_days", Number;
    PromisesKeptCount => "promises_kept_count", Number;
    PromisesBrokenCount => "promises_broken_count", Number;
    PaymentsCount => "payments_count", Number;
    DaysSinceLastPayment => "days_since_last_payment", OptionalNumber;
    OpenDispute => "open_dispute", Flag;
    DaysSincePlacement => "days_since_placement", Number;
    RepaidShare => "repaid_share", Number;
}

impl Feature {
    /// The names, for error messages.
    pub fn names() -> String {
        let names: Vec<&str> = Feature::ALL.iter().map(|feature| feature.name()).collect();
        names.join(", ")
    }

    /// This feature's value for `account`. Integers convert to `f64` exactly below 2^53
    /// (9 × 10^13 in major units, far beyond any balance).
    pub fn input(self, account: &Features) -> Input {
        let number = |value: i64| Input::Number(value as f64);
        match self {
            Feature::BalanceMinor => number(account.balance_minor),
            Feature::DaysPastDue => number(account.days_past_due),
            Feature::Product => Input::Product(account.product),
            Feature::HasCallablePhone => Input::Flag(account.has_callable_phone),
            Feature::HasEmail => Input::Flag(account.has_email),
            Feature::AttemptsLast30Days => number(account.attempts_last_30_days.into()),
            Feature::RightPartyContactsLast90Days => {
                number(account.right_party_contacts_last_90_days.into())
            }
            Feature::PromisesKeptCount => number(account.promises_kept_count.into()),
            Feature::PromisesBrokenCount => number(account.promises_broken_count.into()),
            Feature::PaymentsCount => number(account.payments_count.into()),
            Feature::DaysSinceLastPayment => match account.days_since_last_payment {
                Some(days) => number(days),
                None => Input::Missing,
            },
            Feature::OpenDispute => Input::Flag(account.open_dispute),
            Feature::DaysSincePlacement => number(account.days_since_placement),
            Feature::RepaidShare => Input::Number(repaid_share(account)),
        }
    }
}

/// The share of the placed balance paid down, 0 … 1: (original − balance) / original,
/// 0 when the original is unknown or the balance grew (interest, fees).
pub fn repaid_share(account: &Features) -> f64 {
    if account.original_balance_minor <= 0 {
        return 0.0;
    }
    let original = account.original_balance_minor as f64;
    let repaid = original - account.balance_minor as f64;
    (repaid / original).clamp(0.0, 1.0)
}
