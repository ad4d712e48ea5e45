//! Settlements: the debt resolved for less than the balance, in one lump sum or a short
//! series of payments, and whether the role offering it has the authority to.
//!
//! A creditor's policy gives each role a largest discount (`agent_max_discount_bps`,
//! `supervisor_max_discount_bps`, `manager_max_discount_bps`; admins have the managers'
//! limit, billing and auditors none). The discount of an offer is
//! `(balance − offer) / balance` in basis points **rounded up**, so an offer of 20.001 %
//! off is over a 20 % limit. Each limit implies a floor: the smallest offer the role may
//! accept on its own ([`minimum_offer`]). The policy may also set a floor amount per role
//! (`agent_settlement_floor`, …: "never below 500.00"): an offer under the role's floor
//! needs approval whatever its discount. A role may settle on its own when the discount
//! is within its limit **and** the total is at least its floor; the approver is the
//! least role for which both hold.

use crate::creditor::CreditorPolicy;
use crate::money::{Amount, BasisPoints, Currency};
use crate::party::Role;
use jiff::civil::Date;
use std::fmt;

/// Most payments a settlement may be split into ("short": more is a payment plan).
pub const SETTLEMENT_PAYMENTS_MAX: usize = 6;

/// The roles that can grant discounts, least authority first.
const GRANTING_ROLES: [Role; 3] = [Role::Agent, Role::Supervisor, Role::Manager];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SettlementPayment {
    pub due_on: Date,
    pub amount: Amount,
}

/// An offer to settle `balance` for the sum of `payments`. Construct with
/// [`SettlementOffer::new`]: at least one payment, at most [`SETTLEMENT_PAYMENTS_MAX`],
/// each positive, dates strictly increasing, the total positive and below the balance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SettlementOffer {
    balance: Amount,
    payments: Vec<SettlementPayment>,
    total: Amount,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SettlementError {
    BalanceNotPositive,
    /// The offer (or one of its payments) is zero or negative.
    OfferNotPositive,
    /// An offer of the whole balance or more is a payment in full, not a settlement.
    OfferNotBelowBalance,
    NoPayments,
    TooManyPayments {
        max: usize,
    },
    DatesNotIncreasing,
    Overflow,
}

impl fmt::Display for SettlementError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SettlementError::BalanceNotPositive => f.write_str("the balance must be positive"),
            SettlementError::OfferNotPositive => {
                f.write_str("a settlement offer and each of its payments must be positive")
            }
            SettlementError::OfferNotBelowBalance => f.write_str(
                "a settlement must be for less than the balance (the whole balance is a payment in full)",
            ),
            SettlementError::NoPayments => f.write_str("a settlement needs at least one payment"),
            SettlementError::TooManyPayments { max } => write!(
                f,
                "a settlement may have at most {max} payments; longer arrangements are payment plans"
            ),
            SettlementError::DatesNotIncreasing => {
                f.write_str("the settlement payments' dates must be strictly increasing")
            }
            SettlementError::Overflow => f.write_str("the settlement's total is too large"),
        }
    }
}

impl std::error::Error for SettlementError {}

impl SettlementOffer {
    pub fn new(
        balance: Amount,
        payments: Vec<SettlementPayment>,
    ) -> Result<SettlementOffer, SettlementError> {
        if payments.is_empty() {
            return Err(SettlementError::NoPayments);
        }
        if payments.len() > SETTLEMENT_PAYMENTS_MAX {
            return Err(SettlementError::TooManyPayments {
                max: SETTLEMENT_PAYMENTS_MAX,
            });
        }
        if payments.iter().any(|payment| !payment.amount.is_positive()) {
            return Err(SettlementError::OfferNotPositive);
        }
        if payments
            .windows(2)
            .any(|pair| pair[0].due_on >= pair[1].due_on)
        {
            return Err(SettlementError::DatesNotIncreasing);
        }
        let total = Amount::checked_sum(payments.iter().map(|payment| payment.amount))
            .ok_or(SettlementError::Overflow)?;
        discount_bps(balance, total)?;
        Ok(SettlementOffer {
            balance,
            payments,
            total,
        })
    }

    /// One payment of `amount` on `due_on`.
    pub fn lump_sum(
        balance: Amount,
        amount: Amount,
        due_on: Date,
    ) -> Result<SettlementOffer, SettlementError> {
        SettlementOffer::new(balance, vec![SettlementPayment { due_on, amount }])
    }

    pub fn balance(&self) -> Amount {
        self.balance
    }

    pub fn payments(&self) -> &[SettlementPayment] {
        &self.payments
    }

    pub fn total(&self) -> Amount {
        self.total
    }

    /// What the creditor forgoes: `balance − total` (positive).
    pub fn discount(&self) -> Amount {
        Amount::from_minor(self.balance.minor() - self.total.minor())
    }

    /// The discount in basis points of the balance, rounded up.
    pub fn discount_bps(&self) -> u32 {
        discount_bps(self.balance, self.total).expect("checked by new")
    }

    /// Whether `role` may agree to this offer on its own (see [`authority`]).
    pub fn authority(&self, role: Role, policy: &CreditorPolicy) -> Authority {
        authority(self.balance, self.total, role, policy).expect("checked by new")
    }
}

/// `(balance − offer) / balance` in basis points, rounded up (1 to 9999: the offer is
/// positive and below the balance).
pub fn discount_bps(balance: Amount, offer: Amount) -> Result<u32, SettlementError> {
    if !balance.is_positive() {
        return Err(SettlementError::BalanceNotPositive);
    }
    if !offer.is_positive() {
        return Err(SettlementError::OfferNotPositive);
    }
    if offer >= balance {
        return Err(SettlementError::OfferNotBelowBalance);
    }
    let balance = i128::from(balance.minor());
    let discount = balance - i128::from(offer.minor());
    let bps = (discount * 10_000 + balance - 1) / balance;
    Ok(u32::try_from(bps).expect("between 1 and 10000"))
}

/// Whether a role may grant a settlement discount on its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Authority {
    /// The discount is within the role's limit.
    Within { discount_bps: u32 },
    /// The offer goes to the approvals queue.
    NeedsApproval {
        discount_bps: u32,
        /// The acting role's own limit; `None` for roles that may grant no discount.
        max_discount_bps_for_role: Option<BasisPoints>,
        /// The acting role's floor amount, when the offer is below it.
        below_floor_of: Option<Amount>,
        /// The currency of the floor amounts (the policy's).
        currency: Currency,
        /// The least role (agent, supervisor, manager) whose limit covers the discount;
        /// `None` when even a manager's does not (the creditor must agree).
        required_role: Option<Role>,
    },
}

impl Authority {
    /// Who must approve: `None` within the acting role's authority; else the least role
    /// whose limit covers the offer, or an admin when even a manager's does not.
    pub fn approver(&self) -> Option<Role> {
        match self {
            Authority::Within { .. } => None,
            Authority::NeedsApproval { required_role, .. } => {
                Some(required_role.unwrap_or(Role::Admin))
            }
        }
    }

    pub fn needs_approval(&self) -> bool {
        matches!(self, Authority::NeedsApproval { .. })
    }

    pub fn discount_bps(&self) -> u32 {
        match *self {
            Authority::Within { discount_bps } | Authority::NeedsApproval { discount_bps, .. } => {
                discount_bps
            }
        }
    }

    /// The decision in English.
    pub fn message(&self) -> String {
        let percent = |bps: u32| format!("{}.{:02} %", bps / 100, bps % 100);
        match *self {
            Authority::Within { discount_bps } => {
                format!(
                    "a discount of {} is within your authority",
                    percent(discount_bps)
                )
            }
            Authority::NeedsApproval {
                discount_bps,
                max_discount_bps_for_role,
                below_floor_of,
                currency,
                required_role,
            } => {
                let over_limit =
                    max_discount_bps_for_role.is_none_or(|limit| discount_bps > limit.get());
                let mut yours = Vec::new();
                if over_limit {
                    yours.push(match max_discount_bps_for_role {
                        Some(limit) => format!("your limit is {}", percent(limit.get())),
                        None => "your role may grant no discount".to_string(),
                    });
                }
                if let Some(floor) = below_floor_of {
                    yours.push(format!(
                        "your floor is {} {currency}",
                        currency.format(floor)
                    ));
                }
                let yours = yours.join(" and ");
                let who = match required_role {
                    Some(role) => format!("{role}s may grant it"),
                    None => "it exceeds every role's limit: the creditor must agree".to_string(),
                };
                format!(
                    "a discount of {} needs approval: {yours}; {who}",
                    percent(discount_bps)
                )
            }
        }
    }
}

/// Whether `role` may settle `balance` for `offer` under `policy`.
pub fn authority(
    balance: Amount,
    offer: Amount,
    role: Role,
    policy: &CreditorPolicy,
) -> Result<Authority, SettlementError> {
    let discount_bps = discount_bps(balance, offer)?;
    let above_floor = |role: Role| {
        policy
            .settlement_floor(role)
            .is_some_and(|floor| offer >= floor)
    };
    let covers = |role: Role| {
        policy
            .max_discount_bps(role)
            .is_some_and(|limit| discount_bps <= limit.get())
            && above_floor(role)
    };
    if covers(role) {
        return Ok(Authority::Within { discount_bps });
    }
    Ok(Authority::NeedsApproval {
        discount_bps,
        max_discount_bps_for_role: policy.max_discount_bps(role),
        below_floor_of: policy.settlement_floor(role).filter(|_| !above_floor(role)),
        currency: policy.currency,
        required_role: GRANTING_ROLES.into_iter().find(|&role| covers(role)),
    })
}

/// The smallest offer `role` may accept on its own: the larger of the floor its discount
/// limit implies, `balance − ⌊balance × limit / 10000⌋` (at least one minor unit), and
/// its floor amount. `None` when the role may settle this balance for nothing less on
/// its own.
pub fn minimum_offer(balance: Amount, role: Role, policy: &CreditorPolicy) -> Option<Amount> {
    let limit = policy.max_discount_bps(role)?;
    if !balance.is_positive() {
        return None;
    }
    let most_off = i128::from(balance.minor()) * i128::from(limit.get()) / 10_000;
    let floor = (i128::from(balance.minor()) - most_off).max(1);
    let floor = Amount::from_minor(i64::try_from(floor).ok()?);
    let floor = floor.max(policy.settlement_floor(role)?);
    (floor < balance).then_some(floor)
}

/// The offer's discount as a sentence for a screen: `"300.00 USD off (20.00 %)"`.
pub fn describe_discount(offer: &SettlementOffer, currency: Currency) -> String {
    let bps = offer.discount_bps();
    format!(
        "{} {currency} off ({}.{:02} %)",
        currency.format(offer.discount()),
        bps / 100,
        bps % 100
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn usd(text: &str) -> Amount {
        Currency::USD.parse_amount(text).unwrap()
    }

    #[test]
    fn discount_rounds_up() {
        assert_eq!(discount_bps(usd("1000.00"), usd("800.00")), Ok(2000));
        // 200.01 off 1000.00 is 20.001 %: 2001 bps, over a 20 % limit.
        assert_eq!(discount_bps(usd("1000.00"), usd("799.99")), Ok(2001));
        assert_eq!(discount_bps(usd("1000.00"), usd("999.99")), Ok(1));
        assert_eq!(discount_bps(usd("1000.00"), usd("0.01")), Ok(10_000));
        assert_eq!(
            discount_bps(usd("1000.00"), usd("1000.00")),
            Err(SettlementError::OfferNotBelowBalance)
        );
        assert_eq!(
            discount_bps(usd("1000.00"), Amount::ZERO),
            Err(SettlementError::OfferNotPositive)
        );
        assert_eq!(
            discount_bps(Amount::ZERO, usd("-1.00")),
            Err(SettlementError::BalanceNotPositive)
        );
        let huge = Amount::from_minor(i64::MAX);
        assert_eq!(discount_bps(huge, Amount::from_minor(1)), Ok(10_000));
        assert_eq!(discount_bps(huge, Amount::from_minor(i64::MAX - 1)), Ok(1));
    }

    #[test]
    fn authority_per_role() {
        let policy = CreditorPolicy::default(); // agent 20 %, supervisor 40 %, manager 60 %
        let balance = usd("1000.00");
        let check =
            |offer: &str, role: Role| authority(balance, usd(offer), role, &policy).unwrap();
        assert_eq!(
            check("800.00", Role::Agent),
            Authority::Within { discount_bps: 2000 }
        );
        assert_eq!(
            check("799.99", Role::Agent),
            Authority::NeedsApproval {
                discount_bps: 2001,
                max_discount_bps_for_role: BasisPoints::new(2000),
                below_floor_of: None,
                currency: Currency::USD,
                required_role: Some(Role::Supervisor),
            }
        );
        assert_eq!(
            check("799.99", Role::Supervisor),
            Authority::Within { discount_bps: 2001 }
        );
        assert_eq!(
            check("500.00", Role::Agent),
            Authority::NeedsApproval {
                discount_bps: 5000,
                max_discount_bps_for_role: BasisPoints::new(2000),
                below_floor_of: None,
                currency: Currency::USD,
                required_role: Some(Role::Manager),
            }
        );
        assert_eq!(
            check("500.00", Role::Admin),
            Authority::Within { discount_bps: 5000 }
        );
        let beyond = check("300.00", Role::Manager);
        assert_eq!(
            beyond,
            Authority::NeedsApproval {
                discount_bps: 7000,
                max_discount_bps_for_role: BasisPoints::new(6000),
                below_floor_of: None,
                currency: Currency::USD,
                required_role: None,
            }
        );
        assert_eq!(
            beyond.message(),
            "a discount of 70.00 % needs approval: your limit is 60.00 %; it exceeds every role's limit: the creditor must agree"
        );
        let billing = check("990.00", Role::Billing);
        assert_eq!(
            billing,
            Authority::NeedsApproval {
                discount_bps: 100,
                max_discount_bps_for_role: None,
                below_floor_of: None,
                currency: Currency::USD,
                required_role: Some(Role::Agent),
            }
        );
        assert!(billing.needs_approval());
        assert_eq!(
            billing.message(),
            "a discount of 1.00 % needs approval: your role may grant no discount; agents may grant it"
        );
        assert_eq!(check("990.00", Role::Agent).discount_bps(), 100);
    }

    #[test]
    fn floor_amounts() {
        let mut policy = CreditorPolicy::default();
        policy.set("agent_settlement_floor", "500.00").unwrap();
        policy.set("supervisor_settlement_floor", "250.00").unwrap();
        let check = |balance: &str, offer: &str, role: Role| {
            authority(usd(balance), usd(offer), role, &policy).unwrap()
        };
        // 10 % off is well within an agent's 20 %, but 450.00 is under the agent's floor.
        let under = check("500.00", "450.00", Role::Agent);
        assert_eq!(
            under,
            Authority::NeedsApproval {
                discount_bps: 1000,
                max_discount_bps_for_role: BasisPoints::new(2000),
                below_floor_of: Some(usd("500.00")),
                currency: Currency::USD,
                required_role: Some(Role::Supervisor),
            }
        );
        assert_eq!(
            under.message(),
            "a discount of 10.00 % needs approval: your floor is 500.00 USD; supervisors may grant it"
        );
        assert_eq!(
            check("600.00", "500.00", Role::Agent),
            Authority::Within { discount_bps: 1667 }
        );
        // Over the agent's limit and under their floor: both are said.
        let both = check("1000.00", "300.00", Role::Agent);
        assert_eq!(
            both.message(),
            "a discount of 70.00 % needs approval: your limit is 20.00 % and your floor is 500.00 USD; it exceeds every role's limit: the creditor must agree"
        );
        // The supervisor's limit covers 35 % but their floor does not cover 200.00.
        assert!(check("300.00", "200.00", Role::Supervisor).needs_approval());
        assert_eq!(
            minimum_offer(usd("1000.00"), Role::Agent, &policy),
            Some(usd("800.00"))
        );
        assert_eq!(
            minimum_offer(usd("550.00"), Role::Agent, &policy),
            Some(usd("500.00"))
        );
        // Below the floor already: the agent cannot settle it alone at all.
        assert_eq!(minimum_offer(usd("400.00"), Role::Agent, &policy), None);
    }

    #[test]
    fn floors_agree_with_authority() {
        let mut floored = CreditorPolicy::default();
        floored.set("agent_settlement_floor", "0.50").unwrap();
        floored.set("manager_settlement_floor", "1000.00").unwrap();
        for policy in [CreditorPolicy::default(), floored] {
            floors_agree(&policy);
        }
    }

    fn floors_agree(policy: &CreditorPolicy) {
        let policy = policy.clone();
        for balance in [1, 2, 3, 7, 99, 100, 101, 12_345, 1_000_00, 999_999_99] {
            let balance = Amount::from_minor(balance);
            for role in Role::ALL.iter().copied() {
                let floor = minimum_offer(balance, role, &policy);
                // Every offer from the floor up is within; the one below is not.
                let within = |offer: i64| {
                    authority(balance, Amount::from_minor(offer), role, &policy)
                        .is_ok_and(|decision| !decision.needs_approval())
                };
                match floor {
                    Some(floor) => {
                        assert!(within(floor.minor()), "{balance:?} {role}");
                        assert!(floor.minor() == 1 || !within(floor.minor() - 1));
                        assert!(within(balance.minor() - 1));
                    }
                    // The smallest discount there is is already too much.
                    None => assert!(!within(balance.minor() - 1)),
                }
            }
        }
        assert_eq!(
            minimum_offer(usd("1000.00"), Role::Agent, &policy),
            Some(usd("800.00"))
        );
        assert_eq!(
            minimum_offer(usd("1000.01"), Role::Agent, &policy),
            Some(usd("800.01"))
        );
        assert_eq!(minimum_offer(usd("1000.00"), Role::Auditor, &policy), None);
    }

    #[test]
    fn offers() {
        let balance = usd("1500.00");
        let payments = vec![
            SettlementPayment {
                due_on: date(2027, 1, 1),
                amount: usd("500.00"),
            },
            SettlementPayment {
                due_on: date(2027, 2, 1),
                amount: usd("400.00"),
            },
        ];
        let offer = SettlementOffer::new(balance, payments.clone()).unwrap();
        assert_eq!(offer.total(), usd("900.00"));
        assert_eq!(offer.discount(), usd("600.00"));
        assert_eq!(offer.discount_bps(), 4000);
        assert_eq!(
            describe_discount(&offer, Currency::USD),
            "600.00 USD off (40.00 %)"
        );
        let policy = CreditorPolicy::default();
        assert!(offer.authority(Role::Agent, &policy).needs_approval());
        assert!(!offer.authority(Role::Supervisor, &policy).needs_approval());

        let reversed: Vec<SettlementPayment> = payments.iter().rev().copied().collect();
        assert_eq!(
            SettlementOffer::new(balance, reversed),
            Err(SettlementError::DatesNotIncreasing)
        );
        assert_eq!(
            SettlementOffer::new(balance, vec![]),
            Err(SettlementError::NoPayments)
        );
        let many = (1..=7)
            .map(|day| SettlementPayment {
                due_on: date(2027, 1, day),
                amount: usd("1.00"),
            })
            .collect();
        assert_eq!(
            SettlementOffer::new(balance, many),
            Err(SettlementError::TooManyPayments { max: 6 })
        );
        assert_eq!(
            SettlementOffer::lump_sum(balance, usd("1500.00"), date(2027, 1, 1)),
            Err(SettlementError::OfferNotBelowBalance)
        );
        assert_eq!(
            SettlementOffer::lump_sum(balance, usd("0.00"), date(2027, 1, 1)),
            Err(SettlementError::OfferNotPositive)
        );
        let overflow = vec![
            SettlementPayment {
                due_on: date(2027, 1, 1),
                amount: Amount::from_minor(i64::MAX),
            },
            SettlementPayment {
                due_on: date(2027, 1, 2),
                amount: Amount::from_minor(1),
            },
        ];
        assert_eq!(
            SettlementOffer::new(balance, overflow),
            Err(SettlementError::Overflow)
        );
        let lump = SettlementOffer::lump_sum(balance, usd("1200.00"), date(2027, 1, 1)).unwrap();
        assert_eq!(lump.payments().len(), 1);
        assert_eq!(lump.balance(), balance);
        assert_eq!(
            lump.authority(Role::Agent, &policy),
            Authority::Within { discount_bps: 2000 }
        );
    }
}
