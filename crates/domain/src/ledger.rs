//! The append-only account ledger.
//!
//! Each entry moves money in up to three buckets (principal, interest, fees). A positive
//! amount increases what the debtor owes; a negative one decreases it. Balances are never
//! stored as the only truth: they are the sum of the entries ([`Balances::of`]).
//! A correction is a new entry (`reversal` or `adjustment`), never an edit.

use crate::money::Amount;
use jiff::civil::Date;

/// Why an entry exists. The set is closed: reports and remittance rely on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Reason {
    Placement,
    Interest,
    Fee,
    Payment,
    Reversal,
    Adjustment,
    SettlementDiscount,
    WriteOff,
    Refund,
    Recall,
}

/// Which way an entry may move the balance.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// Every bucket amount is zero or positive (the debtor owes more).
    Increase,
    /// Every bucket amount is zero or negative (the debtor owes less).
    Decrease,
    /// Either sign, per bucket (corrections).
    Either,
}

impl Reason {
    pub const ALL: [Reason; 10] = [
        Reason::Placement,
        Reason::Interest,
        Reason::Fee,
        Reason::Payment,
        Reason::Reversal,
        Reason::Adjustment,
        Reason::SettlementDiscount,
        Reason::WriteOff,
        Reason::Refund,
        Reason::Recall,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Reason::Placement => "placement",
            Reason::Interest => "interest",
            Reason::Fee => "fee",
            Reason::Payment => "payment",
            Reason::Reversal => "reversal",
            Reason::Adjustment => "adjustment",
            Reason::SettlementDiscount => "settlement_discount",
            Reason::WriteOff => "write_off",
            Reason::Refund => "refund",
            Reason::Recall => "recall",
        }
    }

    pub fn parse(code: &str) -> Option<Reason> {
        Reason::ALL.into_iter().find(|reason| reason.code() == code)
    }

    pub fn direction(self) -> Direction {
        match self {
            // A refund pays a credit balance back to the debtor: the balance rises to zero.
            Reason::Placement | Reason::Interest | Reason::Fee | Reason::Refund => {
                Direction::Increase
            }
            Reason::Payment | Reason::SettlementDiscount | Reason::WriteOff | Reason::Recall => {
                Direction::Decrease
            }
            Reason::Reversal | Reason::Adjustment => Direction::Either,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Bucket {
    Principal,
    Interest,
    Fees,
}

impl Bucket {
    pub const ALL: [Bucket; 3] = [Bucket::Principal, Bucket::Interest, Bucket::Fees];

    pub fn code(self) -> &'static str {
        match self {
            Bucket::Principal => "principal",
            Bucket::Interest => "interest",
            Bucket::Fees => "fees",
        }
    }

    pub fn parse(code: &str) -> Option<Bucket> {
        Bucket::ALL.into_iter().find(|bucket| bucket.code() == code)
    }
}

/// Amounts per bucket; used both for one entry's movement and for a balance.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Buckets {
    pub principal: Amount,
    pub interest: Amount,
    pub fees: Amount,
}

impl Buckets {
    pub const ZERO: Buckets = Buckets {
        principal: Amount::ZERO,
        interest: Amount::ZERO,
        fees: Amount::ZERO,
    };

    pub fn get(&self, bucket: Bucket) -> Amount {
        match bucket {
            Bucket::Principal => self.principal,
            Bucket::Interest => self.interest,
            Bucket::Fees => self.fees,
        }
    }

    pub fn total(&self) -> Option<Amount> {
        Amount::checked_sum([self.principal, self.interest, self.fees])
    }

    pub fn checked_add(&self, other: &Buckets) -> Option<Buckets> {
        Some(Buckets {
            principal: self.principal.checked_add(other.principal)?,
            interest: self.interest.checked_add(other.interest)?,
            fees: self.fees.checked_add(other.fees)?,
        })
    }

    pub fn checked_neg(&self) -> Option<Buckets> {
        Some(Buckets {
            principal: self.principal.checked_neg()?,
            interest: self.interest.checked_neg()?,
            fees: self.fees.checked_neg()?,
        })
    }

    fn all(&self, predicate: impl Fn(Amount) -> bool) -> bool {
        Bucket::ALL
            .into_iter()
            .all(|bucket| predicate(self.get(bucket)))
    }
}

/// A ledger entry before it is stored. Construct with [`Entry::new`], which enforces the
/// sign rule of the reason code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    reason: Reason,
    amounts: Buckets,
    effective_on: Date,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryError {
    /// All three bucket amounts are zero: an entry must move money.
    Empty,
    /// An amount has the wrong sign for the reason code.
    WrongDirection { reason: Reason },
    /// The bucket amounts overflow when added.
    Overflow,
}

impl Entry {
    pub fn new(reason: Reason, amounts: Buckets, effective_on: Date) -> Result<Entry, EntryError> {
        if amounts.all(Amount::is_zero) {
            return Err(EntryError::Empty);
        }
        let direction_ok = match reason.direction() {
            Direction::Increase => amounts.all(|amount| !amount.is_negative()),
            Direction::Decrease => amounts.all(|amount| !amount.is_positive()),
            Direction::Either => true,
        };
        if !direction_ok {
            return Err(EntryError::WrongDirection { reason });
        }
        amounts.total().ok_or(EntryError::Overflow)?;
        // Every entry must be reversible: its negation must exist.
        amounts.checked_neg().ok_or(EntryError::Overflow)?;
        Ok(Entry {
            reason,
            amounts,
            effective_on,
        })
    }

    /// The entry that exactly undoes `self` (same buckets, opposite signs).
    pub fn reversal(&self, effective_on: Date) -> Entry {
        let amounts = self.amounts.checked_neg().expect("checked in Entry::new");
        Entry {
            reason: Reason::Reversal,
            amounts,
            effective_on,
        }
    }

    pub fn reason(&self) -> Reason {
        self.reason
    }

    pub fn amounts(&self) -> Buckets {
        self.amounts
    }

    pub fn amount(&self) -> Amount {
        self.amounts.total().expect("checked in Entry::new")
    }

    pub fn effective_on(&self) -> Date {
        self.effective_on
    }
}

/// What the debtor owes per bucket, derived from entries.
pub type Balances = Buckets;

impl Buckets {
    /// Sums the movements of `entries`; `None` if the sum overflows.
    pub fn of<'a, I: IntoIterator<Item = &'a Buckets>>(movements: I) -> Option<Balances> {
        movements
            .into_iter()
            .try_fold(Buckets::ZERO, |sum, movement| sum.checked_add(movement))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn cents(principal: i64, interest: i64, fees: i64) -> Buckets {
        Buckets {
            principal: Amount::from_minor(principal),
            interest: Amount::from_minor(interest),
            fees: Amount::from_minor(fees),
        }
    }

    #[test]
    fn sign_rules_follow_the_reason() {
        let on = date(2026, 1, 5);
        assert!(Entry::new(Reason::Placement, cents(100, 5, 0), on).is_ok());
        assert_eq!(
            Entry::new(Reason::Payment, cents(100, 0, 0), on),
            Err(EntryError::WrongDirection {
                reason: Reason::Payment
            })
        );
        assert_eq!(
            Entry::new(Reason::Fee, cents(0, 0, 0), on),
            Err(EntryError::Empty)
        );
        assert!(Entry::new(Reason::Adjustment, cents(-100, 20, 0), on).is_ok());
        assert_eq!(
            Entry::new(Reason::Placement, cents(i64::MAX, 1, 0), on),
            Err(EntryError::Overflow)
        );
    }

    #[test]
    fn a_reversal_undoes_exactly() {
        let on = date(2026, 1, 5);
        let payment = Entry::new(Reason::Payment, cents(-700, -200, -100), on).unwrap();
        let reversal = payment.reversal(date(2026, 1, 9));
        let sum = Buckets::of([payment.amounts(), reversal.amounts()].iter()).unwrap();
        assert_eq!(sum, Buckets::ZERO);
        assert_eq!(reversal.reason(), Reason::Reversal);
    }

    #[test]
    fn reason_codes_round_trip() {
        for reason in Reason::ALL {
            assert_eq!(Reason::parse(reason.code()), Some(reason));
        }
        assert_eq!(Reason::parse("bogus"), None);
    }
}

#[cfg(test)]
mod edge_tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn every_entry_can_be_reversed() {
        let amounts = Buckets {
            principal: Amount::from_minor(i64::MIN),
            ..Buckets::ZERO
        };
        assert_eq!(
            Entry::new(Reason::Payment, amounts, date(2026, 1, 1)),
            Err(EntryError::Overflow)
        );
    }
}
