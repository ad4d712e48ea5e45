//! Late fees on missed installments (the creditor's `late_fee`, docs/batch.md).
//!
//! Rule: an installment is owed one late fee, once, when it is a **miss** as of the
//! evaluation date — its deadline (due date + the creditor's `grace_days`,
//! [`crate::schedule::deadline`]) has passed without it being paid in full in time
//! ([`DueState::is_miss`]: `missed` or `partial`, as the arrangement review counts them)
//! — and that deadline passed while the arrangement was still in force. A fee of zero is
//! never charged. Evaluating again with the fees already charged adds nothing: the
//! decision is keyed by the installment's due date.

use crate::money::Amount;
use crate::schedule::{DueProgress, deadline};
use jiff::civil::Date;

/// A late fee to charge for the installment due on `due_on`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LateFee {
    pub due_on: Date,
    pub amount: Amount,
}

/// What one evaluation decides for one arrangement's installments.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LateFees {
    /// Missed installments not charged yet, in due order: charge each once (a `fee`
    /// entry, effective on the evaluation date).
    pub to_charge: Vec<LateFee>,
    /// Installments charged before that are no longer a miss (a payment backdated into
    /// their grace period was recorded since): the caller may reverse those fees.
    pub charged_not_owed: Vec<Date>,
}

/// The late fees owed by one arrangement's installments, given their `progress` as of
/// the evaluation date ([`crate::schedule::progress`] with the creditor's `grace_days`),
/// the creditor's `late_fee`, the due dates already charged, and `ended_on`: the date
/// the arrangement stopped being in force (broken, cancelled, superseded), `None` while
/// it runs. An installment whose deadline is on or after `ended_on` owes no fee: on that
/// day it was not yet missed, and from then on it is no longer owed under the
/// arrangement.
pub fn late_fees(
    progress: &[DueProgress],
    grace_days: u32,
    late_fee: Amount,
    already_charged: &[Date],
    ended_on: Option<Date>,
) -> LateFees {
    assert!(
        !late_fee.is_negative(),
        "a policy's late fee is never negative"
    );
    let owed: Vec<Date> = progress
        .iter()
        .filter(|due| due.state.is_miss())
        .filter(|due| ended_on.is_none_or(|ended| deadline(due.due_on, grace_days) < ended))
        .map(|due| due.due_on)
        .collect();
    let mut charged: Vec<Date> = already_charged.to_vec();
    charged.sort_unstable();
    charged.dedup();
    let to_charge = if late_fee.is_zero() {
        Vec::new()
    } else {
        owed.iter()
            .filter(|due_on| charged.binary_search(due_on).is_err())
            .map(|&due_on| LateFee {
                due_on,
                amount: late_fee,
            })
            .collect()
    };
    let charged_not_owed: Vec<Date> = charged
        .into_iter()
        .filter(|due_on| !owed.contains(due_on))
        .collect();
    LateFees {
        to_charge,
        charged_not_owed,
    }
}
