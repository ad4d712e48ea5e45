//! Creditors (clients) and the policy each one sets for its accounts.
//!
//! A policy is edited key by key (`arrears creditor set NBANK grace_days=10`) and stored
//! as `key=value` lines, so [`CreditorPolicy::set`] is the one place values are parsed.

use crate::account::code_enum;
use crate::aging::AgingScheme;
use crate::ledger::Bucket;
use crate::money::{Amount, BasisPoints, Currency};
use crate::party::Role;
use std::fmt;

code_enum! {
    /// How interest accrues after placement.
    InterestMethod {
        None => "none",
        /// Simple interest on principal, actual days / 365, at the account's APR.
        SimpleDaily365 => "simple_daily_365",
    }
}

code_enum! {
    /// How one payment from a debtor with several debts is spread over them.
    MultiDebtAllocation {
        OldestFirst => "oldest_first",
        LargestFirst => "largest_first",
        Proportional => "proportional",
    }
}

/// Longest promise grace or similar day count a policy may set.
pub const POLICY_DAYS_MAX: u32 = 365;
/// Longest plan term a policy may allow.
pub const PLAN_TERM_MONTHS_MAX: u32 = 120;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CreditorPolicy {
    /// Currency the policy's amounts are written in.
    pub currency: Currency,
    /// How interest accrues when it does: never `none` while `accrue_interest` is on.
    pub interest_method: InterestMethod,
    /// Whether the nightly batch accrues interest on this creditor's accounts (at each
    /// account's APR, by `interest_method`; docs/batch.md). Off by default.
    pub accrue_interest: bool,
    /// Charged once per missed installment (zero: never).
    pub late_fee: Amount,
    pub returned_payment_fee: Amount,
    /// Order in which a payment pays down buckets.
    pub waterfall: [Bucket; 3],
    pub multi_debt_allocation: MultiDebtAllocation,
    /// Days after a promised date before an unpaid promise counts as broken.
    pub grace_days: u32,
    pub plan_max_term_months: u32,
    pub plan_min_installment: Amount,
    pub plan_min_down_payment_bps: BasisPoints,
    /// Missed installments after which a plan is broken.
    pub plan_misses_to_break: u32,
    /// Largest settlement discount each role may grant without approval.
    pub agent_max_discount_bps: BasisPoints,
    pub supervisor_max_discount_bps: BasisPoints,
    pub manager_max_discount_bps: BasisPoints,
    /// Smallest settlement total each role may accept without approval (zero: no floor
    /// beyond the discount limit).
    pub agent_settlement_floor: Amount,
    pub supervisor_settlement_floor: Amount,
    pub manager_settlement_floor: Amount,
    /// Adjustments and write-offs above this amount need approval.
    pub approval_threshold: Amount,
    /// The agency's contingency fee on money collected.
    pub commission_bps: BasisPoints,
    /// Higher (or lower) contingency rates for older debts: (days delinquent at the
    /// payment date, rate), ascending by days; the last band reached applies.
    pub commission_by_age: Vec<(u32, BasisPoints)>,
    pub aging: AgingScheme,
    /// Business days to answer an inbound reply (a query) by.
    pub query_response_business_days: u32,
}

impl Default for CreditorPolicy {
    fn default() -> CreditorPolicy {
        CreditorPolicy {
            currency: Currency::USD,
            interest_method: InterestMethod::SimpleDaily365,
            accrue_interest: false,
            late_fee: Amount::ZERO,
            returned_payment_fee: Amount::ZERO,
            waterfall: [Bucket::Fees, Bucket::Interest, Bucket::Principal],
            multi_debt_allocation: MultiDebtAllocation::OldestFirst,
            grace_days: 5,
            plan_max_term_months: 36,
            plan_min_installment: Amount::from_minor(25_00),
            plan_min_down_payment_bps: BasisPoints::new(0).expect("in range"),
            plan_misses_to_break: 2,
            agent_max_discount_bps: BasisPoints::new(20_00).expect("in range"),
            supervisor_max_discount_bps: BasisPoints::new(40_00).expect("in range"),
            manager_max_discount_bps: BasisPoints::new(60_00).expect("in range"),
            agent_settlement_floor: Amount::ZERO,
            supervisor_settlement_floor: Amount::ZERO,
            manager_settlement_floor: Amount::ZERO,
            approval_threshold: Amount::from_minor(100_00),
            commission_bps: BasisPoints::new(25_00).expect("in range"),
            commission_by_age: Vec::new(),
            aging: AgingScheme::default(),
            query_response_business_days: 2,
        }
    }
}

/// Most business days a creditor may allow to answer a query.
pub const QUERY_RESPONSE_BUSINESS_DAYS_MAX: u32 = 30;

/// A policy key with its meaning, for `--help` and docs.
pub const POLICY_KEYS: &[(&str, &str)] = &[
    (
        "currency",
        "ISO 4217 code the policy's amounts are written in (default USD)",
    ),
    (
        "accrue_interest",
        "true | false (default false): accrue interest nightly by interest_method, which must not be none",
    ),
    (
        "interest_method",
        "none | simple_daily_365 (default simple_daily_365, at each account's apr_bps): how interest accrues when accrue_interest is true",
    ),
    (
        "late_fee",
        "fee charged once per missed installment, after grace_days (default 0.00: none)",
    ),
    (
        "returned_payment_fee",
        "fee assessed when a payment is returned, e.g. NSF (default 0.00)",
    ),
    (
        "waterfall",
        "order payments pay buckets: a permutation of fees,interest,principal (default fees,interest,principal)",
    ),
    (
        "multi_debt_allocation",
        "oldest_first | largest_first | proportional (default oldest_first)",
    ),
    (
        "grace_days",
        "days after a promise date before it is broken (default 5)",
    ),
    (
        "query_response_business_days",
        "business days to answer an inbound reply (a query) by, 0 to 30 (default 2)",
    ),
    (
        "plan_max_term_months",
        "longest plan allowed without approval (default 36)",
    ),
    (
        "plan_min_installment",
        "smallest installment allowed without approval (default 25.00)",
    ),
    (
        "plan_min_down_payment_bps",
        "smallest down payment, basis points of balance (default 0)",
    ),
    (
        "plan_misses_to_break",
        "missed installments that break a plan (default 2)",
    ),
    (
        "agent_max_discount_bps",
        "largest settlement discount an agent may grant (default 2000 = 20%)",
    ),
    (
        "supervisor_max_discount_bps",
        "same for supervisors (default 4000)",
    ),
    (
        "manager_max_discount_bps",
        "same for managers (default 6000)",
    ),
    (
        "agent_settlement_floor",
        "smallest settlement total an agent may accept, whatever the discount (default 0.00: none)",
    ),
    (
        "supervisor_settlement_floor",
        "same for supervisors (default 0.00)",
    ),
    (
        "manager_settlement_floor",
        "same for managers and admins (default 0.00)",
    ),
    (
        "approval_threshold",
        "adjustments and write-offs above this need approval (default 100.00)",
    ),
    (
        "commission_bps",
        "contingency fee on collections, basis points (default 2500 = 25%)",
    ),
    (
        "commission_by_age",
        "rates for older debts: DAYS:BPS pairs by days delinquent, e.g. 365:3000,730:3500 (default none)",
    ),
    (
        "aging_bounds",
        "upper bounds of aging buckets in days past due (default 30,60,90,120,150,180)",
    ),
];

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PolicyError {
    UnknownKey(String),
    BadValue {
        key: String,
        value: String,
        expected: String,
    },
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PolicyError::UnknownKey(key) => {
                let keys: Vec<&str> = POLICY_KEYS.iter().map(|(key, _)| *key).collect();
                write!(
                    f,
                    "unknown policy key {key:?}; known keys: {}",
                    keys.join(", ")
                )
            }
            PolicyError::BadValue {
                key,
                value,
                expected,
            } => {
                write!(f, "{key}: {value:?} is not valid: expected {expected}")
            }
        }
    }
}

impl std::error::Error for PolicyError {}

fn parse_bands(text: &str) -> Option<Vec<(u32, BasisPoints)>> {
    if text.trim().is_empty() {
        return Some(Vec::new());
    }
    let mut bands: Vec<(u32, BasisPoints)> = Vec::new();
    for pair in text.split(',') {
        let (days, bps) = pair.trim().split_once(':')?;
        let days: u32 = days.trim().parse().ok().filter(|&days| days <= 36_500)?;
        let bps = bps
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|&bps| bps <= 10_000)
            .and_then(BasisPoints::new)?;
        if bands.last().is_some_and(|(last, _)| *last >= days) {
            return None;
        }
        bands.push((days, bps));
    }
    Some(bands)
}

impl CreditorPolicy {
    /// The contingency fee rate on money collected from a debt `days_delinquent` old.
    pub fn commission_rate(&self, days_delinquent: i64) -> BasisPoints {
        self.commission_by_age
            .iter()
            .rev()
            .find(|(days, _)| i64::from(*days) <= days_delinquent)
            .map_or(self.commission_bps, |(_, bps)| *bps)
    }

    /// The method interest accrues by on this creditor's accounts, `None` when it does
    /// not accrue (`accrue_interest` off). Never `Some(InterestMethod::None)`: `set`
    /// refuses `accrue_interest=true` with `interest_method=none`.
    pub fn accrual_method(&self) -> Option<InterestMethod> {
        let method = self.accrue_interest.then_some(self.interest_method);
        assert_ne!(method, Some(InterestMethod::None), "refused by set");
        method
    }

    /// Sets one key from its text form; the policy is unchanged on error.
    ///
    /// `accrue_interest=true` needs an `interest_method` other than `none`, and
    /// `interest_method=none` needs `accrue_interest` off: keys are applied in the order
    /// given, so turning interest off is `accrue_interest=false interest_method=none`
    /// (the order the policy lists them in) and on from `none` is
    /// `interest_method=simple_daily_365 accrue_interest=true`.
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), PolicyError> {
        let bad = |expected: &str| PolicyError::BadValue {
            key: key.to_string(),
            value: value.to_string(),
            expected: expected.to_string(),
        };
        let amount = |currency: Currency| {
            currency
                .parse_amount(value)
                .ok()
                .filter(|amount| !amount.is_negative())
                .ok_or_else(|| bad("a non-negative decimal amount such as 25.00"))
        };
        let bps = || {
            value
                .parse::<u32>()
                .ok()
                .filter(|&bps| bps <= 10_000)
                .and_then(BasisPoints::new)
                .ok_or_else(|| bad("basis points from 0 to 10000"))
        };
        let days = |max: u32| {
            value
                .parse::<u32>()
                .ok()
                .filter(|&days| days <= max)
                .ok_or_else(|| bad(&format!("a whole number from 0 to {max}")))
        };
        match key {
            "currency" => {
                let currency = Currency::parse(value).ok_or_else(|| bad("an ISO 4217 code"))?;
                // Amounts are kept in minor units: a currency with other minor digits would
                // silently rescale every fee and threshold of the policy.
                if currency.minor_digits() != self.currency.minor_digits() {
                    return Err(bad(&format!(
                        "a currency with {} minor digits, like {}",
                        self.currency.minor_digits(),
                        self.currency
                    )));
                }
                self.currency = currency;
            }
            "interest_method" => {
                let method =
                    InterestMethod::parse(value).ok_or_else(|| bad(&InterestMethod::codes()))?;
                if method == InterestMethod::None && self.accrue_interest {
                    return Err(bad(
                        "simple_daily_365 while accrue_interest is true (turn accrue_interest off first, or in the same change: accrue_interest=false interest_method=none)",
                    ));
                }
                self.interest_method = method;
            }
            "accrue_interest" => {
                let accrue = match value {
                    "true" => true,
                    "false" => false,
                    _ => return Err(bad("true or false")),
                };
                if accrue && self.interest_method == InterestMethod::None {
                    return Err(bad(
                        "false while interest_method is none (set interest_method=simple_daily_365 first, then accrue_interest=true)",
                    ));
                }
                self.accrue_interest = accrue;
            }
            "late_fee" => self.late_fee = amount(self.currency)?,
            "returned_payment_fee" => self.returned_payment_fee = amount(self.currency)?,
            "waterfall" => {
                self.waterfall = parse_waterfall(value)
                    .ok_or_else(|| bad("a permutation of fees,interest,principal"))?
            }
            "multi_debt_allocation" => {
                self.multi_debt_allocation = MultiDebtAllocation::parse(value)
                    .ok_or_else(|| bad(&MultiDebtAllocation::codes()))?
            }
            "grace_days" => self.grace_days = days(POLICY_DAYS_MAX)?,
            "query_response_business_days" => {
                self.query_response_business_days = days(QUERY_RESPONSE_BUSINESS_DAYS_MAX)?
            }
            "plan_max_term_months" => self.plan_max_term_months = days(PLAN_TERM_MONTHS_MAX)?,
            "plan_min_installment" => self.plan_min_installment = amount(self.currency)?,
            "plan_min_down_payment_bps" => self.plan_min_down_payment_bps = bps()?,
            "plan_misses_to_break" => self.plan_misses_to_break = days(12)?.max(1),
            "agent_max_discount_bps" => self.agent_max_discount_bps = bps()?,
            "supervisor_max_discount_bps" => self.supervisor_max_discount_bps = bps()?,
            "manager_max_discount_bps" => self.manager_max_discount_bps = bps()?,
            "agent_settlement_floor" => self.agent_settlement_floor = amount(self.currency)?,
            "supervisor_settlement_floor" => {
                self.supervisor_settlement_floor = amount(self.currency)?
            }
            "manager_settlement_floor" => self.manager_settlement_floor = amount(self.currency)?,
            "approval_threshold" => self.approval_threshold = amount(self.currency)?,
            "commission_bps" => self.commission_bps = bps()?,
            "commission_by_age" => {
                self.commission_by_age = parse_bands(value).ok_or_else(|| {
                    bad("DAYS:BPS pairs ascending by days, e.g. 365:3000,730:3500")
                })?
            }
            "aging_bounds" => {
                self.aging = AgingScheme::parse(value).map_err(|error| bad(&error.to_string()))?
            }
            _ => return Err(PolicyError::UnknownKey(key.to_string())),
        }
        Ok(())
    }

    /// Every key with its value in text form, in [`POLICY_KEYS`] order.
    pub fn to_pairs(&self) -> Vec<(&'static str, String)> {
        let money = |amount: Amount| self.currency.format(amount);
        let waterfall: Vec<&str> = self.waterfall.iter().map(|bucket| bucket.code()).collect();
        vec![
            ("currency", self.currency.code().to_string()),
            ("accrue_interest", self.accrue_interest.to_string()),
            ("interest_method", self.interest_method.code().to_string()),
            ("late_fee", money(self.late_fee)),
            ("returned_payment_fee", money(self.returned_payment_fee)),
            ("waterfall", waterfall.join(",")),
            (
                "multi_debt_allocation",
                self.multi_debt_allocation.code().to_string(),
            ),
            ("grace_days", self.grace_days.to_string()),
            (
                "query_response_business_days",
                self.query_response_business_days.to_string(),
            ),
            (
                "plan_max_term_months",
                self.plan_max_term_months.to_string(),
            ),
            ("plan_min_installment", money(self.plan_min_installment)),
            (
                "plan_min_down_payment_bps",
                self.plan_min_down_payment_bps.get().to_string(),
            ),
            (
                "plan_misses_to_break",
                self.plan_misses_to_break.to_string(),
            ),
            (
                "agent_max_discount_bps",
                self.agent_max_discount_bps.get().to_string(),
            ),
            (
                "supervisor_max_discount_bps",
                self.supervisor_max_discount_bps.get().to_string(),
            ),
            (
                "manager_max_discount_bps",
                self.manager_max_discount_bps.get().to_string(),
            ),
            ("agent_settlement_floor", money(self.agent_settlement_floor)),
            (
                "supervisor_settlement_floor",
                money(self.supervisor_settlement_floor),
            ),
            (
                "manager_settlement_floor",
                money(self.manager_settlement_floor),
            ),
            ("approval_threshold", money(self.approval_threshold)),
            ("commission_bps", self.commission_bps.get().to_string()),
            (
                "commission_by_age",
                self.commission_by_age
                    .iter()
                    .map(|(days, bps)| format!("{days}:{}", bps.get()))
                    .collect::<Vec<_>>()
                    .join(","),
            ),
            ("aging_bounds", self.aging.to_text()),
        ]
    }

    /// Rebuilds a policy from stored `key=value` lines; unknown keys are errors so that a
    /// stored policy can never be silently half-read.
    pub fn from_text(text: &str) -> Result<CreditorPolicy, PolicyError> {
        let mut policy = CreditorPolicy::default();
        for line in text.lines().filter(|line| !line.trim().is_empty()) {
            let (key, value) = line
                .split_once('=')
                .ok_or_else(|| PolicyError::UnknownKey(line.to_string()))?;
            policy.set(key, value)?;
        }
        Ok(policy)
    }

    pub fn to_text(&self) -> String {
        self.to_pairs()
            .iter()
            .map(|(key, value)| format!("{key}={value}\n"))
            .collect()
    }

    /// The largest discount `role` may grant on its own; `None` means it may grant none.
    pub fn max_discount_bps(&self, role: Role) -> Option<BasisPoints> {
        match role {
            Role::Agent => Some(self.agent_max_discount_bps),
            Role::Supervisor => Some(self.supervisor_max_discount_bps),
            Role::Manager | Role::Admin => Some(self.manager_max_discount_bps),
            Role::Billing | Role::Auditor => None,
        }
    }

    /// The smallest settlement total `role` may accept on its own (zero: no floor);
    /// `None` for roles that may grant no discount at all.
    pub fn settlement_floor(&self, role: Role) -> Option<Amount> {
        match role {
            Role::Agent => Some(self.agent_settlement_floor),
            Role::Supervisor => Some(self.supervisor_settlement_floor),
            Role::Manager | Role::Admin => Some(self.manager_settlement_floor),
            Role::Billing | Role::Auditor => None,
        }
    }
}

fn parse_waterfall(text: &str) -> Option<[Bucket; 3]> {
    let buckets: Vec<Bucket> = text
        .split(',')
        .map(|part| Bucket::parse(part.trim()))
        .collect::<Option<_>>()?;
    let order: [Bucket; 3] = buckets.try_into().ok()?;
    let distinct = order[0] != order[1] && order[1] != order[2] && order[0] != order[2];
    distinct.then_some(order)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_round_trip() {
        let mut policy = CreditorPolicy::default();
        policy.set("grace_days", "10").unwrap();
        policy.set("waterfall", "principal,interest,fees").unwrap();
        policy.set("late_fee", "15.00").unwrap();
        policy.set("aging_bounds", "30,60,90").unwrap();
        assert_eq!(CreditorPolicy::from_text(&policy.to_text()), Ok(policy));
        assert_eq!(
            POLICY_KEYS.len(),
            CreditorPolicy::default().to_pairs().len()
        );
    }

    #[test]
    fn bad_values_change_nothing() {
        let mut policy = CreditorPolicy::default();
        assert!(matches!(
            policy.set("grace_days", "-1"),
            Err(PolicyError::BadValue { .. })
        ));
        assert!(matches!(
            policy.set("waterfall", "fees,fees,principal"),
            Err(PolicyError::BadValue { .. })
        ));
        assert!(matches!(
            policy.set("late_fee", "1,000.00"),
            Err(PolicyError::BadValue { .. })
        ));
        assert!(matches!(
            policy.set("commission_bps", "10001"),
            Err(PolicyError::BadValue { .. })
        ));
        assert!(matches!(
            policy.set("colour", "red"),
            Err(PolicyError::UnknownKey(_))
        ));
        assert_eq!(policy, CreditorPolicy::default());
    }

    #[test]
    fn currency_changes_never_rescale_amounts() {
        let mut policy = CreditorPolicy::default();
        assert!(matches!(
            policy.set("currency", "JPY"),
            Err(PolicyError::BadValue { .. })
        ));
        policy.set("currency", "EUR").unwrap();
        assert!(
            policy
                .to_pairs()
                .contains(&("late_fee", "0.00".to_string()))
        );
        assert_eq!(policy.currency.code(), "EUR");
    }
}

#[cfg(test)]
mod interest_policy_tests {
    use super::*;

    #[test]
    fn interest_accrues_only_when_switched_on_by_a_real_method() {
        let mut policy = CreditorPolicy::default();
        assert!(!policy.accrue_interest);
        assert_eq!(policy.accrual_method(), None);
        policy.set("accrue_interest", "true").unwrap();
        assert_eq!(
            policy.accrual_method(),
            Some(InterestMethod::SimpleDaily365)
        );
        assert_eq!(
            CreditorPolicy::from_text(&policy.to_text()),
            Ok(policy.clone())
        );
        for odd in ["yes", "1", "TRUE", ""] {
            assert!(policy.set("accrue_interest", odd).is_err(), "{odd:?}");
        }
    }

    #[test]
    fn no_method_and_accrual_on_is_refused_either_way_round() {
        let mut on = CreditorPolicy::default();
        on.set("accrue_interest", "true").unwrap();
        let error = on.set("interest_method", "none").unwrap_err();
        assert!(error.to_string().contains("accrue_interest"), "{error}");
        assert_eq!(on.interest_method, InterestMethod::SimpleDaily365);
        // Off in the order the policy lists its keys.
        on.set("accrue_interest", "false").unwrap();
        on.set("interest_method", "none").unwrap();
        assert_eq!(on.accrual_method(), None);
        let error = on.set("accrue_interest", "true").unwrap_err();
        assert!(error.to_string().contains("interest_method"), "{error}");
        assert!(!on.accrue_interest);
        assert_eq!(CreditorPolicy::from_text(&on.to_text()), Ok(on.clone()));
        // A stored text can never hold the contradiction.
        assert!(CreditorPolicy::from_text("interest_method=none\naccrue_interest=true\n").is_err());
    }

    #[test]
    fn policies_stored_before_the_key_existed_do_not_accrue() {
        let stored = "interest_method=simple_daily_365\nlate_fee=15.00\n";
        let policy = CreditorPolicy::from_text(stored).unwrap();
        assert!(!policy.accrue_interest);
        assert_eq!(policy.late_fee, Amount::from_minor(15_00));
    }
}

#[cfg(test)]
mod commission_tests {
    use super::*;

    #[test]
    fn older_debts_take_the_band_they_reached() {
        let mut policy = CreditorPolicy::default();
        policy
            .set("commission_by_age", "365:3000,730:3500")
            .unwrap();
        assert_eq!(policy.commission_rate(364).get(), 2500);
        assert_eq!(policy.commission_rate(365).get(), 3000);
        assert_eq!(policy.commission_rate(1000).get(), 3500);
        assert!(
            policy
                .set("commission_by_age", "730:3000,365:3500")
                .is_err()
        );
        assert!(policy.set("commission_by_age", "30:20000").is_err());
        let again = CreditorPolicy::from_text(&policy.to_text()).unwrap();
        assert_eq!(again, policy);
    }
}
