//! Dated amounts owed under an arrangement (a promise's dates, a plan's installments, a
//! settlement's payments) and how the payments received meet them.
//!
//! Rule: payments count in date order against the dues in due order. A due is **paid**
//! when the money received by its date plus the creditor's grace days covers it and
//! every due before it; once that deadline has passed without that, it is **partial**
//! (something went to it in time) or **missed** (nothing did). Money received late still
//! counts towards the dues, so `paid` shows what has come in, while the state shows
//! whether it came in time.

use crate::money::Amount;
use jiff::ToSpan;
use jiff::civil::Date;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Due {
    pub due_on: Date,
    pub amount: Amount,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Received {
    pub on: Date,
    pub amount: Amount,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DueState {
    /// Its deadline (due date + grace) has not passed and it is not covered yet.
    Pending,
    Paid,
    Partial,
    Missed,
}

impl DueState {
    pub fn code(self) -> &'static str {
        match self {
            DueState::Pending => "pending",
            DueState::Paid => "paid",
            DueState::Partial => "partial",
            DueState::Missed => "missed",
        }
    }

    /// Partial and missed dues count as misses.
    pub fn is_miss(self) -> bool {
        matches!(self, DueState::Partial | DueState::Missed)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DueProgress {
    pub due_on: Date,
    pub amount: Amount,
    /// Received towards this due so far (in time or not), at most `amount`.
    pub paid: Amount,
    pub state: DueState,
}

/// The last day a due may be paid on and still count as in time.
pub fn deadline(due_on: Date, grace_days: u32) -> Date {
    due_on
        .checked_add(i64::from(grace_days).days())
        .unwrap_or(Date::MAX)
}

/// How `received` meets `dues` as of `today` (dues in due order; received in any order,
/// non-negative amounts; amounts received after `today` are ignored).
pub fn progress(
    dues: &[Due],
    received: &[Received],
    grace_days: u32,
    today: Date,
) -> Vec<DueProgress> {
    let mut received: Vec<Received> = received
        .iter()
        .copied()
        .filter(|payment| payment.on <= today)
        .collect();
    received.sort_by_key(|payment| payment.on);
    let total_received: i128 = received
        .iter()
        .map(|payment| i128::from(payment.amount.minor()))
        .sum();
    let mut before: i128 = 0;
    dues.iter()
        .map(|due| {
            let amount = i128::from(due.amount.minor());
            let deadline = deadline(due.due_on, grace_days);
            let in_time: i128 = received
                .iter()
                .take_while(|payment| payment.on <= deadline)
                .map(|payment| i128::from(payment.amount.minor()))
                .sum();
            let toward = |sum: i128| (sum - before).clamp(0, amount);
            let paid = toward(total_received);
            let paid_in_time = toward(in_time);
            let state = if paid_in_time == amount {
                DueState::Paid
            } else if today > deadline {
                if paid_in_time > 0 {
                    DueState::Partial
                } else {
                    DueState::Missed
                }
            } else {
                DueState::Pending
            };
            before += amount;
            DueProgress {
                due_on: due.due_on,
                amount: due.amount,
                paid: Amount::from_minor(i64::try_from(paid).expect("at most the due")),
                state,
            }
        })
        .collect()
}

/// Where a whole arrangement stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Standing {
    /// Everything owed under it has been received.
    pub fully_paid: bool,
    /// Dues whose deadline passed without them being paid in time.
    pub misses: u32,
    pub received: Amount,
    pub owed: Amount,
}

pub fn standing(progress: &[DueProgress]) -> Standing {
    let owed: i64 = progress.iter().map(|due| due.amount.minor()).sum();
    let received: i64 = progress.iter().map(|due| due.paid.minor()).sum();
    Standing {
        fully_paid: received >= owed,
        misses: progress.iter().filter(|due| due.state.is_miss()).count() as u32,
        received: Amount::from_minor(received),
        owed: Amount::from_minor(owed),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn due(on: Date, minor: i64) -> Due {
        Due {
            due_on: on,
            amount: Amount::from_minor(minor),
        }
    }
    fn got(on: Date, minor: i64) -> Received {
        Received {
            on,
            amount: Amount::from_minor(minor),
        }
    }
    fn states(progress: &[DueProgress]) -> Vec<DueState> {
        progress.iter().map(|due| due.state).collect()
    }

    #[test]
    fn paid_within_grace_is_in_time() {
        let dues = [
            due(date(2026, 12, 1), 100_00),
            due(date(2027, 1, 1), 100_00),
        ];
        let received = [got(date(2026, 12, 5), 100_00)];
        let now = progress(&dues, &received, 5, date(2026, 12, 20));
        assert_eq!(states(&now), [DueState::Paid, DueState::Pending]);
        let now = progress(&dues, &received, 3, date(2026, 12, 20));
        assert_eq!(states(&now), [DueState::Missed, DueState::Pending]);
        assert_eq!(now[0].paid, Amount::from_minor(100_00));
    }

    #[test]
    fn partial_and_catching_up() {
        let dues = [
            due(date(2026, 12, 1), 100_00),
            due(date(2027, 1, 1), 100_00),
        ];
        let received = [
            got(date(2026, 11, 30), 60_00),
            got(date(2026, 12, 31), 140_00),
        ];
        let now = progress(&dues, &received, 0, date(2027, 1, 10));
        assert_eq!(states(&now), [DueState::Partial, DueState::Paid]);
        let whole = standing(&now);
        assert!(whole.fully_paid);
        assert_eq!(whole.misses, 1);
    }

    #[test]
    fn the_deadline_day_counts_and_the_day_after_does_not() {
        let dues = [due(date(2026, 12, 1), 10_00)];
        assert_eq!(
            states(&progress(&dues, &[], 2, date(2026, 12, 3))),
            [DueState::Pending]
        );
        assert_eq!(
            states(&progress(&dues, &[], 2, date(2026, 12, 4))),
            [DueState::Missed]
        );
        let received = [got(date(2026, 12, 3), 10_00)];
        assert_eq!(
            states(&progress(&dues, &received, 2, date(2026, 12, 9))),
            [DueState::Paid]
        );
    }
}
