//! Interest accrual against an independent day-by-day computation, and late fees on
//! missed installments.
//!
//! The independent computation below walks the calendar one day at a time over a plain
//! list of dated ledger entries and keeps its own i128 sum; it shares no code with
//! `domain::interest` but the rule in docs/batch.md: every day after the accrual start
//! earns max(principal at the end of the day, 0) · apr_bps / (10 000 · 365), and the
//! total is rounded half-up once.

use domain::interest::{
    Movement, PrincipalTimeline, accrual_entry, accrued_exact, accrued_through, to_post,
};
use domain::late_fee::{LateFee, late_fees};
use domain::ledger::Reason;
use domain::money::{Amount, BasisPoints};
use domain::schedule::{Due, Received, progress};
use jiff::ToSpan;
use jiff::civil::{Date, date};
use proptest::prelude::*;

/// A ledger entry as the store reads it: effective date and its bucket amounts.
#[derive(Clone, Copy, Debug)]
struct Row {
    effective_on: Date,
    principal_minor: i64,
    fees_minor: i64,
}

fn row(effective_on: Date, principal_minor: i64) -> Row {
    Row {
        effective_on,
        principal_minor,
        fees_minor: 0,
    }
}

fn apr(bps: u32) -> BasisPoints {
    BasisPoints::new(bps).unwrap()
}

fn timeline(rows: &[Row]) -> PrincipalTimeline {
    PrincipalTimeline::new(rows.iter().map(|row| Movement {
        effective_on: row.effective_on,
        principal: Amount::from_minor(row.principal_minor),
    }))
    .unwrap()
}

/// The independent computation: day by day, i128, remainder compared with half.
fn by_hand(rows: &[Row], start: Date, through: Date, apr_bps: u32) -> i64 {
    let mut numerator: i128 = 0;
    let mut day = start;
    while day < through {
        day = day.tomorrow().unwrap();
        let principal: i128 = rows
            .iter()
            .filter(|row| row.effective_on <= day)
            .map(|row| i128::from(row.principal_minor))
            .sum();
        if principal > 0 {
            numerator += principal * i128::from(apr_bps);
        }
    }
    let divisor: i128 = 10_000 * 365;
    let (whole, remainder) = (numerator / divisor, numerator % divisor);
    let rounded = if 2 * remainder >= divisor {
        whole + 1
    } else {
        whole
    };
    i64::try_from(rounded).unwrap()
}

/// Posts every night in `nights` (ascending) as the batch would: what is due tonight,
/// given what was posted before. Returns each night's post.
fn post_nightly(rows: &[Row], start: Date, nights: &[Date], apr_bps: u32) -> Vec<i64> {
    let timeline = timeline(rows);
    let mut posted = Amount::ZERO;
    nights
        .iter()
        .map(|&night| {
            let accrued = accrued_through(&timeline, start, night, apr(apr_bps)).unwrap();
            let tonight = to_post(accrued, posted).unwrap();
            posted = posted.checked_add(tonight).unwrap();
            tonight.minor()
        })
        .collect()
}

fn every_night(from: Date, through: Date) -> Vec<Date> {
    let mut nights = vec![from];
    while *nights.last().unwrap() < through {
        nights.push(nights.last().unwrap().tomorrow().unwrap());
    }
    nights
}

/// 2,500.00 placed on 2027-12-01 at 21.99 %: payments, a returned payment, a fee (no
/// principal), an adjustment, over a year that holds 2028-02-29.
fn a_leap_year_of_entries() -> Vec<Row> {
    vec![
        row(date(2027, 12, 1), 2_500_00),
        row(date(2027, 12, 20), -150_00),
        row(date(2028, 1, 15), -200_00),
        Row {
            effective_on: date(2028, 1, 16),
            principal_minor: 0,
            fees_minor: 25_00,
        },
        row(date(2028, 2, 29), -333_33),
        row(date(2028, 3, 10), 333_33),
        row(date(2028, 4, 1), -75_01),
        row(date(2028, 6, 30), 12_34),
        row(date(2028, 9, 1), -1_000_00),
        row(date(2028, 9, 1), -17),
        row(date(2028, 11, 29), -500_00),
    ]
}

#[test]
fn a_leap_year_agrees_to_the_cent_every_night() {
    let rows = a_leap_year_of_entries();
    let (start, last) = (date(2027, 12, 1), date(2028, 11, 30));
    let nights = every_night(date(2027, 12, 2), last);
    assert_eq!(nights.len(), 365, "a leap year from December to November");
    let posts = post_nightly(&rows, start, &nights, 21_99);
    let mut posted: i64 = 0;
    for (night, post) in nights.iter().zip(&posts) {
        posted += post;
        assert_eq!(
            posted,
            by_hand(&rows, start, *night, 21_99),
            "through {night}"
        );
    }
    // The fee moves no principal, and the leap day accrues like any other day.
    assert!(rows.iter().any(|row| row.fees_minor > 0));
    let tl = timeline(&rows);
    let exact = |through| accrued_exact(&tl, start, through, apr(21_99)).unwrap();
    let leap_day_share = exact(date(2028, 2, 29)).numerator - exact(date(2028, 2, 28)).numerator;
    assert_eq!(leap_day_share, i128::from(2_150_00 - 333_33) * 21_99);
    assert_eq!(posted, by_hand(&rows, start, last, 21_99));
    // By hand, segment by segment: 150,521,363,085 / 3,650,000 = 41,238.73 minor units.
    assert_eq!(posted, 412_39);
}

#[test]
fn the_worked_example_of_the_docs() {
    // docs/batch.md: 1,200.00 at 18.00 %, March 2027, 200.00 of principal paid on the 10th.
    let rows = [
        row(date(2027, 2, 28), 1_200_00),
        row(date(2027, 3, 10), -200_00),
    ];
    let (start, last) = (date(2027, 2, 28), date(2027, 3, 31));
    let tl = timeline(&rows);
    let exact = accrued_exact(&tl, start, last, apr(18_00)).unwrap();
    assert_eq!(
        exact.numerator,
        9 * 1_200_00 * 18_00 + 22 * 1_000_00 * 18_00
    );
    assert_eq!(exact.numerator, 5_904_000_000);
    assert_eq!(exact.rounded(), Ok(Amount::from_minor(16_18)));
    let posts = post_nightly(&rows, start, &every_night(date(2027, 3, 1), last), 18_00);
    // Running totals 0.5918, 1.1836, 1.7753 … round to 0.59, 1.18, 1.78: the third
    // night posts 0.60. From the 10th a day earns 0.4932, posted as 0.49 or 0.50.
    assert_eq!(&posts[..5], [59, 59, 60, 59, 59]);
    assert_eq!(&posts[9..13], [49, 49, 50, 49]);
    assert_eq!(posts.iter().sum::<i64>(), 16_18);
    // Rounding each day alone would drift: 9 × 0.59 + 22 × 0.49 = 16.09.
    assert_ne!(9 * 59 + 22 * 49, 16_18);
    // The payment recorded on the 20th, backdated to the 10th.
    let unaware = timeline(&rows[..1]);
    let posted = accrued_through(&unaware, start, date(2027, 3, 19), apr(18_00)).unwrap();
    assert_eq!(posted, Amount::from_minor(11_24));
    let accrued = accrued_through(&tl, start, date(2027, 3, 20), apr(18_00)).unwrap();
    assert_eq!(accrued, Amount::from_minor(10_75));
    assert_eq!(to_post(accrued, posted), Ok(Amount::from_minor(-49)));
}

#[test]
fn exactly_half_a_minor_unit_rounds_up_once() {
    let placed = date(2027, 1, 1);
    // 18.25 at 10 % for one day: 18.25 · 0.10 / 365 = 0.005 exactly, half a cent.
    let rows = [row(placed, 18_25)];
    let accrued = |minor_rows: &[Row], through| {
        accrued_through(&timeline(minor_rows), placed, through, apr(10_00)).unwrap()
    };
    assert_eq!(accrued(&rows, date(2027, 1, 2)), Amount::from_minor(1));
    // Just under a half rounds down.
    assert_eq!(
        accrued(&[row(placed, 18_24)], date(2027, 1, 2)),
        Amount::ZERO
    );
    // 3.65 at 10 % earns 0.1 minor unit a day: each day alone would round to nothing,
    // five days together are exactly 0.5 → 1.
    let rows = [row(placed, 3_65)];
    let through = placed.checked_add(5.days()).unwrap();
    let exact = accrued_exact(&timeline(&rows), placed, through, apr(10_00)).unwrap();
    assert_eq!(exact.numerator, 5 * 3_65 * 10_00);
    assert_eq!(exact.rounded(), Ok(Amount::from_minor(1)));
    assert_eq!(by_hand(&rows, placed, through, 10_00), 1);
    let rows = [row(placed, 91_25)];
    let one_day = placed.tomorrow().unwrap();
    // 91.25 at 10 % for a day: 0.025 = 2.5 minor units → 3.
    assert_eq!(accrued(&rows, one_day), Amount::from_minor(3));
    // Nightly posts round the running total, not each night: half a minor unit a day
    // posts 1 on the first night and 0 on the second (the total is exactly 1).
    let rows = [row(placed, 18_25)];
    let posts = post_nightly(
        &rows,
        placed,
        &every_night(one_day, date(2027, 1, 3)),
        1_000,
    );
    assert_eq!(posts, [1, 0]);
}

#[test]
fn zero_apr_accrues_nothing() {
    let rows = a_leap_year_of_entries();
    let start = date(2027, 12, 1);
    let posts = post_nightly(
        &rows,
        start,
        &every_night(date(2027, 12, 2), date(2028, 11, 30)),
        0,
    );
    assert!(posts.iter().all(|post| *post == 0));
}

#[test]
fn a_credit_balance_accrues_nothing() {
    let start = date(2027, 5, 1);
    // Overpaid on the 11th: a credit of 50.00 until a refund brings it back to zero on
    // the 21st; then a new charge of 1,000.00 on the 31st.
    let rows = [
        row(start, 1_000_00),
        row(date(2027, 5, 11), -1_050_00),
        row(date(2027, 5, 21), 50_00),
        row(date(2027, 5, 31), 1_000_00),
    ];
    let tl = timeline(&rows);
    let accrued = |through| accrued_exact(&tl, start, through, apr(36_50)).unwrap();
    // Nine days (the 2nd to the 10th) of 1,000.00 at 36.5 %: exactly 1.00 a day.
    assert_eq!(
        accrued(date(2027, 5, 10)).rounded(),
        Ok(Amount::from_minor(9_00))
    );
    assert_eq!(accrued(date(2027, 5, 30)), accrued(date(2027, 5, 10)));
    assert_eq!(
        accrued(date(2027, 5, 31)).rounded(),
        Ok(Amount::from_minor(10_00))
    );
    assert_eq!(by_hand(&rows, start, date(2027, 6, 30), 36_50), 40_00);
}

#[test]
fn a_backdated_payment_posts_a_negative_correction_that_lands_on_the_on_time_total() {
    let start = date(2027, 6, 30);
    let placed = row(start, 5_000_00);
    // Paid on 1 July, but recorded only on the night of 20 July.
    let payment = row(date(2027, 7, 1), -4_000_00);
    let nights = every_night(date(2027, 7, 1), date(2027, 7, 31));
    let on_time = post_nightly(&[placed, payment], start, &nights, 24_00);

    let before = timeline(&[placed]);
    let after = timeline(&[placed, payment]);
    let mut posted = Amount::ZERO;
    let mut posts = Vec::new();
    for &night in &nights {
        let known = if night < date(2027, 7, 20) {
            &before
        } else {
            &after
        };
        let accrued = accrued_through(known, start, night, apr(24_00)).unwrap();
        let tonight = to_post(accrued, posted).unwrap();
        posted = posted.checked_add(tonight).unwrap();
        posts.push(tonight);
    }
    let correction = posts[19];
    // 19 nights posted on 5,000.00; through the 20th only 1,000.00 was owed.
    let expected = by_hand(&[placed, payment], start, date(2027, 7, 20), 24_00)
        - by_hand(&[placed], start, date(2027, 7, 19), 24_00);
    assert_eq!(correction.minor(), expected);
    assert!(correction.is_negative(), "{correction:?}");
    assert_eq!(posted.minor(), on_time.iter().sum::<i64>());
    assert_eq!(
        posted.minor(),
        by_hand(&[placed, payment], start, date(2027, 7, 31), 24_00)
    );
    // The correction is an adjustment of interest; an ordinary night is interest.
    let entry = accrual_entry(correction, date(2027, 7, 20))
        .unwrap()
        .unwrap();
    assert_eq!(entry.reason(), Reason::Adjustment);
    let entry = accrual_entry(posts[0], date(2027, 7, 1)).unwrap().unwrap();
    assert_eq!(entry.reason(), Reason::Interest);
}

/// Ledger rows with the night each was recorded (on or after its effective date).
fn any_history() -> impl Strategy<Value = (Vec<(Row, u32)>, u32, Vec<bool>)> {
    let rows = prop::collection::vec((0u32..120, 0u32..40, -2_000_00i64..3_000_00), 0..12)
        .prop_map(|rows| {
            rows.into_iter()
                .map(|(day, late_days, minor)| {
                    let effective_on = date(2027, 12, 1)
                        .checked_add(i64::from(day).days())
                        .unwrap();
                    (row(effective_on, minor), day + late_days)
                })
                .collect::<Vec<_>>()
        });
    (
        rows,
        prop_oneof![Just(0u32), 1u32..5_000, Just(100_000u32)],
        prop::collection::vec(any::<bool>(), 170),
    )
}

proptest! {
    /// Nights skipped, entries recorded late (backdated): posting what is due each
    /// night the batch runs always sums to the one-shot total, which agrees with the
    /// independent computation.
    #[test]
    fn nightly_posts_sum_to_the_one_shot_total((rows, apr_bps, runs) in any_history()) {
        let start = date(2027, 11, 30);
        let mut nights: Vec<(u32, Date)> = runs
            .iter()
            .enumerate()
            .filter(|(_, runs)| **runs)
            .map(|(index, _)| (index as u32 + 1, start.checked_add(i64::from(index as u32 + 1).days()).unwrap()))
            .collect();
        let last = start.checked_add(171.days()).unwrap();
        // The last night runs after every entry was recorded.
        nights.push((171, last));
        let mut posted = Amount::ZERO;
        for (number, night) in nights {
            let known: Vec<Row> = rows.iter().filter(|(_, recorded)| *recorded < number).map(|(row, _)| *row).collect();
            let accrued = accrued_through(&timeline(&known), start, night, apr(apr_bps)).unwrap();
            posted = posted.checked_add(to_post(accrued, posted).unwrap()).unwrap();
            prop_assert_eq!(posted, accrued);
        }
        let all: Vec<Row> = rows.iter().map(|(row, _)| *row).collect();
        let one_shot = accrued_through(&timeline(&all), start, last, apr(apr_bps)).unwrap();
        prop_assert_eq!(posted, one_shot);
        prop_assert_eq!(one_shot.minor(), by_hand(&all, start, last, apr_bps));
    }
}

// Late fees.

fn plan_dues() -> Vec<Due> {
    [(1, 1), (2, 1), (3, 1), (4, 1)]
        .into_iter()
        .map(|(month, day)| Due {
            due_on: date(2027, month, day),
            amount: Amount::from_minor(100_00),
        })
        .collect()
}

fn got(on: Date, minor: i64) -> Received {
    Received {
        on,
        amount: Amount::from_minor(minor),
    }
}

const GRACE_DAYS: u32 = 5;
const FEE: Amount = Amount::from_minor(15_00);

fn fees_on(
    received: &[Received],
    today: Date,
    charged: &[Date],
    ended_on: Option<Date>,
) -> (Vec<Date>, Vec<Date>) {
    let progress = progress(&plan_dues(), received, GRACE_DAYS, today);
    let decided = late_fees(&progress, GRACE_DAYS, FEE, charged, ended_on);
    assert!(decided.to_charge.iter().all(|fee| fee.amount == FEE));
    (
        decided.to_charge.iter().map(|fee| fee.due_on).collect(),
        decided.charged_not_owed,
    )
}

#[test]
fn one_fee_per_missed_installment_after_grace_and_none_twice() {
    // January paid within grace; February nothing; March 40.00 (partial).
    let received = [got(date(2027, 1, 3), 100_00), got(date(2027, 3, 2), 40_00)];
    // Within February's grace (due 1st + 5 days): nothing yet.
    assert_eq!(
        fees_on(&received, date(2027, 2, 6), &[], None),
        (vec![], vec![])
    );
    let (feb, mar) = (date(2027, 2, 1), date(2027, 3, 1));
    assert_eq!(
        fees_on(&received, date(2027, 2, 7), &[], None),
        (vec![feb], vec![])
    );
    // Charged on the 7th: the next evaluations add nothing until March misses.
    assert_eq!(
        fees_on(&received, date(2027, 2, 7), &[feb], None),
        (vec![], vec![])
    );
    assert_eq!(
        fees_on(&received, date(2027, 3, 6), &[feb], None),
        (vec![], vec![])
    );
    // The 40.00 went to February (paid in order), so March is missed too.
    assert_eq!(
        fees_on(&received, date(2027, 3, 7), &[feb], None),
        (vec![mar], vec![])
    );
    // A batch that skipped nights charges both at once, once each.
    let (owed, _) = fees_on(&received, date(2027, 3, 20), &[], None);
    assert_eq!(owed, [feb, mar]);
    assert_eq!(
        fees_on(&received, date(2027, 3, 20), &[mar, feb, feb], None),
        (vec![], vec![])
    );
}

#[test]
fn a_partial_installment_is_a_miss_and_a_zero_fee_is_never_charged() {
    let received = [got(date(2027, 1, 2), 100_00), got(date(2027, 2, 3), 60_00)];
    let (owed, _) = fees_on(&received, date(2027, 2, 10), &[], None);
    assert_eq!(owed, [date(2027, 2, 1)]);
    let progress = progress(&plan_dues(), &received, GRACE_DAYS, date(2027, 2, 10));
    let none = late_fees(&progress, GRACE_DAYS, Amount::ZERO, &[], None);
    assert!(none.to_charge.is_empty());
}

#[test]
fn no_fee_once_the_arrangement_ended_and_a_backdated_payment_undoes_one() {
    let received = [got(date(2027, 1, 3), 100_00)];
    let today = date(2027, 3, 20);
    // Superseded on 5 March: February's miss stands, March's deadline (the 6th) had not
    // passed, so March owes no fee.
    let ended = Some(date(2027, 3, 5));
    assert_eq!(
        fees_on(&received, today, &[], ended),
        (vec![date(2027, 2, 1)], vec![])
    );
    // Broken on the 7th: March had already missed.
    let (owed, _) = fees_on(&received, today, &[], Some(date(2027, 3, 7)));
    assert_eq!(owed, [date(2027, 2, 1), date(2027, 3, 1)]);
    // February paid on the 4th, recorded late: its fee is named for reversal.
    let received = [got(date(2027, 1, 3), 100_00), got(date(2027, 2, 4), 100_00)];
    let decided = fees_on(
        &received,
        today,
        &[date(2027, 2, 1), date(2027, 3, 1)],
        None,
    );
    assert_eq!(decided, (vec![], vec![date(2027, 2, 1)]));
    assert_eq!(
        late_fees(
            &progress(&plan_dues(), &[], GRACE_DAYS, today),
            GRACE_DAYS,
            FEE,
            &[],
            None
        )
        .to_charge[0],
        LateFee {
            due_on: date(2027, 1, 1),
            amount: FEE
        }
    );
}
