//! How a payment splits across a debtor's accounts and, within an account, across the
//! buckets (the creditor's waterfall, default fees → interest → principal).
//!
//! **Invariant:** the parts always add up to the payment, to the minor unit. What no
//! bucket owes any more (an overpayment) stays on an account as a credit balance
//! (negative principal), so money is never lost or invented.

use crate::creditor::MultiDebtAllocation;
use crate::ledger::{Bucket, Buckets};
use crate::money::Amount;
use jiff::civil::Date;

/// Pays `amount` (≥ 0) into the buckets of `owed` in `waterfall` order. Returns the
/// movement (each bucket zero or negative) and what was left once every bucket was paid.
pub fn by_waterfall(amount: Amount, owed: Buckets, waterfall: [Bucket; 3]) -> (Buckets, Amount) {
    assert!(!amount.is_negative(), "a payment is not negative");
    let mut left = amount.minor();
    let mut movement = Buckets::ZERO;
    for bucket in waterfall {
        let due = owed.get(bucket).minor().max(0);
        let paid = left.min(due);
        left -= paid;
        set(&mut movement, bucket, Amount::from_minor(-paid));
    }
    (movement, Amount::from_minor(left))
}

/// The movement of `amount` paid into one account: the waterfall, then anything left as
/// a credit balance on principal.
pub fn into_account(amount: Amount, owed: Buckets, waterfall: [Bucket; 3]) -> Buckets {
    let (mut movement, left) = by_waterfall(amount, owed, waterfall);
    movement.principal = Amount::from_minor(movement.principal.minor() - left.minor());
    movement
}

fn set(buckets: &mut Buckets, bucket: Bucket, amount: Amount) {
    match bucket {
        Bucket::Principal => buckets.principal = amount,
        Bucket::Interest => buckets.interest = amount,
        Bucket::Fees => buckets.fees = amount,
    }
}

/// One of a debtor's accounts a payment may go to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Owing {
    /// What the account owes now (may be zero or a credit).
    pub owed: Amount,
    /// Date of first delinquency (oldest first orders by it).
    pub delinquent_since: Date,
}

/// Splits `amount` (≥ 0) across `accounts`. With `named` (the account the payment was
/// made for), that account is paid first; what exceeds it goes to the others in the
/// creditor's order; what exceeds them all stays on the named account (or, without one,
/// on the first account in order) as a credit balance. Returns one share per account,
/// in the order of `accounts`; the shares add up to `amount`.
pub fn across_accounts(
    amount: Amount,
    accounts: &[Owing],
    named: Option<usize>,
    method: MultiDebtAllocation,
) -> Vec<Amount> {
    assert!(!amount.is_negative(), "a payment is not negative");
    assert!(
        !accounts.is_empty(),
        "a payment goes to at least one account"
    );
    let mut shares = vec![0_i64; accounts.len()];
    let mut left = amount.minor();
    if let Some(named) = named {
        let paid = left.min(accounts[named].owed.minor().max(0));
        shares[named] += paid;
        left -= paid;
    }
    let others: Vec<usize> = (0..accounts.len())
        .filter(|&index| Some(index) != named)
        .collect();
    match method {
        MultiDebtAllocation::OldestFirst | MultiDebtAllocation::LargestFirst => {
            let mut order = others.clone();
            if method == MultiDebtAllocation::OldestFirst {
                order.sort_by_key(|&index| (accounts[index].delinquent_since, index));
            } else {
                order.sort_by_key(|&index| (std::cmp::Reverse(accounts[index].owed), index));
            }
            for index in order {
                let paid = left.min(accounts[index].owed.minor().max(0));
                shares[index] += paid;
                left -= paid;
            }
        }
        MultiDebtAllocation::Proportional => {
            let owed: Vec<i128> = others
                .iter()
                .map(|&index| i128::from(accounts[index].owed.minor().max(0)))
                .collect();
            let owed_total: i128 = owed.iter().sum();
            let paying = i128::from(left).min(owed_total);
            if paying > 0 {
                // Largest remainder: floor shares, then one minor unit each to the
                // largest remainders until the sum is exact.
                let mut parts: Vec<(i128, i128, usize)> = owed
                    .iter()
                    .enumerate()
                    .map(|(position, &owed)| {
                        let exact = paying * owed;
                        (exact / owed_total, exact % owed_total, position)
                    })
                    .collect();
                let mut spare = paying - parts.iter().map(|part| part.0).sum::<i128>();
                parts.sort_by_key(|&(_, remainder, position)| {
                    (std::cmp::Reverse(remainder), position)
                });
                for part in &mut parts {
                    if spare == 0 {
                        break;
                    }
                    part.0 += 1;
                    spare -= 1;
                }
                for (share, _, position) in parts {
                    let share = i64::try_from(share).expect("a share is at most the payment");
                    shares[others[position]] += share;
                    left -= share;
                }
            }
        }
    }
    if left > 0 {
        let keeper = named.unwrap_or_else(|| match method {
            MultiDebtAllocation::OldestFirst => (0..accounts.len())
                .min_by_key(|&index| (accounts[index].delinquent_since, index))
                .expect("not empty"),
            _ => 0,
        });
        shares[keeper] += left;
    }
    shares.into_iter().map(Amount::from_minor).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn owed(principal: i64, interest: i64, fees: i64) -> Buckets {
        Buckets {
            principal: Amount::from_minor(principal),
            interest: Amount::from_minor(interest),
            fees: Amount::from_minor(fees),
        }
    }

    const FIP: [Bucket; 3] = [Bucket::Fees, Bucket::Interest, Bucket::Principal];

    #[test]
    fn fees_then_interest_then_principal() {
        let (movement, left) =
            by_waterfall(Amount::from_minor(50_00), owed(100_00, 20_00, 15_00), FIP);
        assert_eq!(movement, owed(-15_00, -20_00, -15_00));
        assert_eq!(left, Amount::ZERO);
    }

    #[test]
    fn another_order_and_an_overpayment() {
        let order = [Bucket::Principal, Bucket::Interest, Bucket::Fees];
        let movement = into_account(
            Amount::from_minor(200_00),
            owed(100_00, 20_00, 15_00),
            order,
        );
        // 135.00 owed; 65.00 more becomes a credit balance on principal.
        assert_eq!(movement, owed(-165_00, -20_00, -15_00));
    }

    #[test]
    fn named_account_first_then_oldest() {
        let accounts = [
            Owing {
                owed: Amount::from_minor(100_00),
                delinquent_since: date(2025, 5, 1),
            },
            Owing {
                owed: Amount::from_minor(50_00),
                delinquent_since: date(2024, 1, 1),
            },
            Owing {
                owed: Amount::from_minor(70_00),
                delinquent_since: date(2024, 6, 1),
            },
        ];
        let shares = across_accounts(
            Amount::from_minor(180_00),
            &accounts,
            Some(0),
            MultiDebtAllocation::OldestFirst,
        );
        assert_eq!(shares, [100_00, 50_00, 30_00].map(Amount::from_minor));
        let shares = across_accounts(
            Amount::from_minor(300_00),
            &accounts,
            Some(2),
            MultiDebtAllocation::OldestFirst,
        );
        assert_eq!(shares, [100_00, 50_00, 150_00].map(Amount::from_minor));
        let shares = across_accounts(
            Amount::from_minor(60_00),
            &accounts,
            None,
            MultiDebtAllocation::LargestFirst,
        );
        assert_eq!(shares, [60_00, 0, 0].map(Amount::from_minor));
    }

    #[test]
    fn proportional_shares_add_up() {
        let accounts = [
            Owing {
                owed: Amount::from_minor(1_00),
                delinquent_since: date(2025, 5, 1),
            },
            Owing {
                owed: Amount::from_minor(1_00),
                delinquent_since: date(2024, 1, 1),
            },
            Owing {
                owed: Amount::from_minor(1_00),
                delinquent_since: date(2024, 6, 1),
            },
        ];
        let shares = across_accounts(
            Amount::from_minor(1_00),
            &accounts,
            None,
            MultiDebtAllocation::Proportional,
        );
        assert_eq!(shares.iter().map(|share| share.minor()).sum::<i64>(), 1_00);
        assert_eq!(shares, [34, 33, 33].map(Amount::from_minor));
    }
}
