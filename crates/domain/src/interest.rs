//! Interest accrual: daily simple interest on principal, actual/365, with no rounding drift.
//!
//! The rule (docs/batch.md, "Interest and fees"):
//! - **Which days accrue**: every calendar day `d` with `accrual_start < d ≤ through`.
//!   `accrual_start` is the date interest is already itemized through (the placement
//!   date, or the last date the creditor itemized interest to); the day after it is the
//!   first day that accrues. Every calendar day counts (actual days), leap days too.
//! - **Which principal**: the principal at the **end** of day `d`, i.e. the sum of the
//!   principal parts of every ledger entry effective on or before `d` (a payment made on
//!   `d` already lowers `d`'s principal; one backdated to `d`, recorded later, does too).
//!   A credit balance (negative principal) accrues nothing that day.
//! - **How much**: day `d` earns `max(principal_d, 0) · apr_bps / (10 000 · 365)` minor
//!   units, exactly (a fraction). The divisor is always 365, in leap years as well.
//! - **Rounding, once**: the interest accrued through `D` is the exact sum over the days
//!   rounded half-up to the minor unit — the numerator `Σ max(principal_d, 0) · apr_bps`
//!   is an `i128`, rounded by [`ExactInterest::rounded`]. No day's share is ever rounded
//!   on its own, so nightly postings never drift from the one-shot total.
//! - **What to post on night `D`**: [`to_post`] = accrued through `D` − what the accrual
//!   has already posted for this `accrual_start`. It is negative when a backdated payment
//!   (or any backdated principal decrease) lowered past days' principal: then
//!   [`accrual_entry`] makes an `adjustment` of the interest bucket, since `interest`
//!   entries may only raise the balance (`ledger::Reason::direction`) and a `reversal`
//!   exactly undoes one whole entry. Posting every night's amount, on time or late, sums
//!   to the same total as if every entry had been on the ledger from the start.
//!
//! Interest never compounds: only principal earns it (interest and fee buckets do not).
//! Cost: one call is O(movements), whatever the number of days.

use crate::ledger::{Buckets, Entry, EntryError, Reason};
use crate::money::{Amount, BasisPoints};
use jiff::civil::Date;
use std::fmt;

/// Basis points in a whole (100 %).
pub const BPS_PER_WHOLE: i128 = 10_000;
/// The day count's year: always 365 days (actual/365), leap years included.
pub const DAYS_PER_YEAR: i128 = 365;
/// What the numerator is divided by to give minor units: `10 000 · 365`.
pub const INTEREST_DIVISOR: i128 = BPS_PER_WHOLE * DAYS_PER_YEAR;

/// One change of principal: the principal part of one ledger entry (positive raises
/// what is owed, negative lowers it), effective on a date.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Movement {
    pub effective_on: Date,
    pub principal: Amount,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InterestError {
    /// A principal or interest amount does not fit the ledger's 64-bit minor units.
    Overflow,
}

impl fmt::Display for InterestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InterestError::Overflow => write!(f, "interest or principal out of range"),
        }
    }
}

impl std::error::Error for InterestError {}

/// The principal at the end of every day, as steps: from each step's date on, until the
/// next step, the principal is that step's.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PrincipalTimeline {
    /// (date, principal at the end of that date), ascending by date, one per date, only
    /// dates where the principal changes (net of that day's movements).
    steps: Vec<(Date, Amount)>,
}

impl PrincipalTimeline {
    /// From movements in any order; movements on the same date add up. `Overflow` when a
    /// running principal leaves the ledger's range.
    pub fn new(movements: impl IntoIterator<Item = Movement>) -> Result<Self, InterestError> {
        let mut movements: Vec<Movement> = movements.into_iter().collect();
        movements.sort_by_key(|movement| movement.effective_on);
        let mut steps: Vec<(Date, Amount)> = Vec::with_capacity(movements.len());
        let mut principal = Amount::ZERO;
        for movement in movements {
            principal = principal
                .checked_add(movement.principal)
                .ok_or(InterestError::Overflow)?;
            match steps.last_mut() {
                Some((date, end_of_day)) if *date == movement.effective_on => {
                    *end_of_day = principal
                }
                _ => steps.push((movement.effective_on, principal)),
            }
        }
        // A day whose movements net to nothing is no step.
        let mut previous = Amount::ZERO;
        steps.retain(|(_, end_of_day)| {
            let changes = *end_of_day != previous;
            previous = *end_of_day;
            changes
        });
        Ok(PrincipalTimeline { steps })
    }

    /// The principal at the end of `day`: every movement effective on or before it.
    pub fn principal_on(&self, day: Date) -> Amount {
        let after = self.steps.partition_point(|(date, _)| *date <= day);
        after
            .checked_sub(1)
            .map_or(Amount::ZERO, |index| self.steps[index].1)
    }

    /// The steps: (date, principal at the end of that date) where the principal changes.
    pub fn steps(&self) -> &[(Date, Amount)] {
        &self.steps
    }
}

/// Interest as the exact fraction `numerator / INTEREST_DIVISOR` minor units, where the
/// numerator is `Σ max(principal_d, 0) · apr_bps` over the days that accrued.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExactInterest {
    pub numerator: i128,
}

impl ExactInterest {
    /// Rounded half-up to the minor unit (the numerator is never negative): exactly
    /// `floor((2 · numerator + divisor) / (2 · divisor))`.
    pub fn rounded(self) -> Result<Amount, InterestError> {
        assert!(self.numerator >= 0, "credit balances accrue nothing");
        let minor = self
            .numerator
            .checked_mul(2)
            .and_then(|twice| twice.checked_add(INTEREST_DIVISOR))
            .ok_or(InterestError::Overflow)?
            / (2 * INTEREST_DIVISOR);
        i64::try_from(minor)
            .map(Amount::from_minor)
            .map_err(|_| InterestError::Overflow)
    }
}

/// The exact interest accrued on the days `accrual_start < d ≤ through` at `apr`, on the
/// principal at the end of each day. Zero when `through ≤ accrual_start`. Walks the
/// timeline's steps, never the days: O(steps).
pub fn accrued_exact(
    timeline: &PrincipalTimeline,
    accrual_start: Date,
    through: Date,
    apr: BasisPoints,
) -> Result<ExactInterest, InterestError> {
    let mut numerator: i128 = 0;
    if through <= accrual_start || apr.get() == 0 {
        return Ok(ExactInterest { numerator });
    }
    let apr_bps = i128::from(apr.get());
    // Each segment [from, until) of days shares one principal.
    let first_day = accrual_start
        .tomorrow()
        .map_err(|_| InterestError::Overflow)?;
    let mut from = first_day;
    let mut principal = timeline.principal_on(first_day);
    let later_steps = timeline
        .steps
        .iter()
        .skip_while(|(date, _)| *date <= first_day)
        .take_while(|(date, _)| *date <= through);
    let end = through.tomorrow().map_err(|_| InterestError::Overflow)?;
    for &(until, next_principal) in later_steps.chain(std::iter::once(&(end, Amount::ZERO))) {
        numerator = numerator
            .checked_add(segment(principal, from, until, apr_bps)?)
            .ok_or(InterestError::Overflow)?;
        from = until;
        principal = next_principal;
    }
    Ok(ExactInterest { numerator })
}

/// `max(principal, 0) · apr_bps · days` for the days `from ≤ d < until`.
fn segment(
    principal: Amount,
    from: Date,
    until: Date,
    apr_bps: i128,
) -> Result<i128, InterestError> {
    let days = i128::from((until - from).get_days());
    assert!(days >= 0, "segments run forward");
    let principal = i128::from(principal.minor().max(0));
    principal
        .checked_mul(apr_bps)
        .and_then(|per_day| per_day.checked_mul(days))
        .ok_or(InterestError::Overflow)
}

/// The interest accrued through `through` (see [`accrued_exact`]), rounded half-up once.
pub fn accrued_through(
    timeline: &PrincipalTimeline,
    accrual_start: Date,
    through: Date,
    apr: BasisPoints,
) -> Result<Amount, InterestError> {
    accrued_exact(timeline, accrual_start, through, apr)?.rounded()
}

/// What to post tonight: the interest accrued through tonight minus what the accrual
/// already posted for the same `accrual_start` (the sum of the interest parts of its own
/// entries, corrections included — not interest itemized at placement, not payments).
/// Positive: post it as `interest`; negative (a backdated principal decrease): post it as
/// an `adjustment` of the interest bucket; zero: post nothing. [`accrual_entry`] does so.
pub fn to_post(accrued_through: Amount, already_posted: Amount) -> Result<Amount, InterestError> {
    accrued_through
        .checked_sub(already_posted)
        .ok_or(InterestError::Overflow)
}

/// The ledger entry that posts `amount` of accrued interest effective on `night`, or
/// `None` when there is nothing to post: `interest` when positive, `adjustment` of the
/// interest bucket when negative. Only the interest bucket moves.
pub fn accrual_entry(amount: Amount, night: Date) -> Result<Option<Entry>, EntryError> {
    if amount.is_zero() {
        return Ok(None);
    }
    let reason = if amount.is_positive() {
        Reason::Interest
    } else {
        Reason::Adjustment
    };
    let amounts = Buckets {
        interest: amount,
        ..Buckets::ZERO
    };
    Entry::new(reason, amounts, night).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn moved(on: Date, minor: i64) -> Movement {
        Movement {
            effective_on: on,
            principal: Amount::from_minor(minor),
        }
    }

    #[test]
    fn same_day_movements_add_up_and_netting_to_nothing_is_no_step() {
        let timeline = PrincipalTimeline::new([
            moved(date(2027, 1, 5), -100),
            moved(date(2027, 1, 1), 1_000),
            moved(date(2027, 1, 5), 40),
            moved(date(2027, 1, 9), 70),
            moved(date(2027, 1, 9), -70),
        ])
        .unwrap();
        assert_eq!(
            timeline.steps(),
            [
                (date(2027, 1, 1), Amount::from_minor(1_000)),
                (date(2027, 1, 5), Amount::from_minor(940)),
            ]
        );
        assert_eq!(timeline.principal_on(date(2026, 12, 31)), Amount::ZERO);
        assert_eq!(
            timeline.principal_on(date(2027, 1, 4)),
            Amount::from_minor(1_000)
        );
        assert_eq!(
            timeline.principal_on(date(2027, 1, 5)),
            Amount::from_minor(940)
        );
    }

    #[test]
    fn running_principal_out_of_range_is_refused() {
        let on = date(2027, 1, 1);
        assert_eq!(
            PrincipalTimeline::new([moved(on, i64::MAX), moved(on, 1)]),
            Err(InterestError::Overflow)
        );
    }

    #[test]
    fn the_start_day_does_not_accrue_and_through_does() {
        let timeline = PrincipalTimeline::new([moved(date(2027, 3, 1), 365_000_00)]).unwrap();
        let apr = BasisPoints::new(10_000).unwrap();
        let accrued = |through| accrued_through(&timeline, date(2027, 3, 1), through, apr);
        assert_eq!(accrued(date(2027, 3, 1)), Ok(Amount::ZERO));
        // 100 % of 365,000.00 a year is 1,000.00 a day.
        assert_eq!(accrued(date(2027, 3, 2)), Ok(Amount::from_minor(1_000_00)));
        assert_eq!(
            accrued(date(2027, 3, 11)),
            Ok(Amount::from_minor(10_000_00))
        );
        assert_eq!(accrued(date(2027, 2, 1)), Ok(Amount::ZERO));
    }

    #[test]
    fn centuries_cost_no_more_than_days() {
        // Walked segment by segment: 7,000 years of days are as quick as one.
        let timeline = PrincipalTimeline::new([moved(date(1000, 1, 1), 1_000_00)]).unwrap();
        let through = date(8000, 1, 1);
        let days = i128::from((through - date(1000, 1, 1)).get_days());
        let exact = accrued_exact(
            &timeline,
            date(1000, 1, 1),
            through,
            BasisPoints::new(5_00).unwrap(),
        );
        assert_eq!(
            exact,
            Ok(ExactInterest {
                numerator: days * 1_000_00 * 5_00
            })
        );
    }

    #[test]
    fn entries_pick_their_reason_by_sign() {
        let night = date(2027, 3, 1);
        let up = accrual_entry(Amount::from_minor(12), night)
            .unwrap()
            .unwrap();
        assert_eq!(up.reason(), Reason::Interest);
        let down = accrual_entry(Amount::from_minor(-12), night)
            .unwrap()
            .unwrap();
        assert_eq!(down.reason(), Reason::Adjustment);
        assert_eq!(down.amounts().interest, Amount::from_minor(-12));
        assert_eq!(down.amounts().principal, Amount::ZERO);
        assert_eq!(accrual_entry(Amount::ZERO, night), Ok(None));
    }
}
