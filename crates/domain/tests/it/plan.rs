//! Payment plan quotes: the schedule's sums always agree, the level installment agrees
//! with the standard amortization formula, and due dates follow their frequency.

use domain::money::{Amount, BasisPoints, Currency};
use domain::plan::{
    Frequency, PLAN_INSTALLMENTS_MAX, PlanError, PlanTerms, Schedule, Sizing, quote,
    quote_for_amount,
};
use jiff::civil::{Date, date};
use proptest::prelude::*;

fn usd(text: &str) -> Amount {
    Currency::USD.parse_amount(text).unwrap()
}

fn bps(value: u32) -> BasisPoints {
    BasisPoints::new(value).unwrap()
}

fn frequency() -> impl Strategy<Value = Frequency> {
    prop::sample::select(Frequency::ALL.to_vec())
}

fn first_due() -> impl Strategy<Value = Date> {
    (2020i16..2060, 1i8..=12, 1i8..=31).prop_map(|(year, month, day)| {
        let first = date(year, month, 1);
        date(year, month, day.min(first.days_in_month()))
    })
}

/// APRs mostly of consumer debt (0–36 %), sometimes up to the system's bound.
fn apr() -> impl Strategy<Value = u32> {
    prop_oneof![
        2 => Just(0u32),
        6 => 0u32..=3_600,
        1 => 0u32..=BasisPoints::MAX,
    ]
}

fn count() -> impl Strategy<Value = u32> {
    prop_oneof![8 => 1u32..=60, 3 => 1u32..=400, 1 => 1u32..=PLAN_INSTALLMENTS_MAX]
}

/// The rate per period as f64.
fn rate(apr_bps: u32, frequency: Frequency) -> f64 {
    f64::from(apr_bps) / 10_000.0 / f64::from(frequency.periods_per_year())
}

/// The standard amortization formula in floating point, in minor units.
fn annuity_f64(balance: i64, apr_bps: u32, count: u32, frequency: Frequency) -> f64 {
    let balance = balance as f64;
    let r = rate(apr_bps, frequency);
    if r == 0.0 {
        return balance / f64::from(count);
    }
    // 1 − (1 + r)^−n, accurately for small r.
    let discount = -(-f64::from(count) * r.ln_1p()).exp_m1();
    balance * r / discount
}

/// One period's interest on `opening` in minor units, half-up, from the definition.
fn interest(opening: i64, apr_bps: u32, frequency: Frequency) -> i64 {
    let numerator = i128::from(opening) * i128::from(apr_bps);
    let denominator = 10_000 * i128::from(frequency.periods_per_year());
    let (quotient, remainder) = (numerator / denominator, numerator % denominator);
    (quotient + i128::from(2 * remainder >= denominator)) as i64
}

/// How far rounding can move the last installment from the level one: the level is off
/// the exact payment by ½ and each period's interest by ½, and the balance compounds
/// those errors: |last − level| ≤ 1 + (1 + r)·((1 + r)^(n−1) − 1)/r (n − 1 at 0 %).
fn rounding_bound(apr_bps: u32, count: u32, frequency: Frequency) -> f64 {
    let r = rate(apr_bps, frequency);
    let periods = f64::from(count - 1);
    let compounded = if r == 0.0 {
        periods
    } else {
        (periods * r.ln_1p()).exp_m1() / r
    };
    1.0 + (1.0 + r) * compounded + 1e-6
}

/// The invariants every schedule keeps.
fn check_sums(schedule: &Schedule) -> Result<(), TestCaseError> {
    let items = &schedule.installments;
    let sum = |part: fn(&domain::plan::Installment) -> Amount| {
        Amount::checked_sum(items.iter().map(part)).unwrap()
    };
    prop_assert_eq!(sum(|item| item.amount), schedule.total);
    prop_assert_eq!(sum(|item| item.principal), schedule.balance);
    prop_assert_eq!(sum(|item| item.interest), schedule.total_interest);
    prop_assert_eq!(
        schedule.balance.checked_add(schedule.total_interest),
        Some(schedule.total)
    );
    for item in items {
        prop_assert!(item.amount.is_positive(), "{item:?}");
        prop_assert!(!item.principal.is_negative(), "{item:?}");
        prop_assert!(!item.interest.is_negative(), "{item:?}");
        prop_assert_eq!(item.principal.checked_add(item.interest), Some(item.amount));
    }
    for pair in items.windows(2) {
        prop_assert!(pair[0].due_on < pair[1].due_on, "{pair:?}");
    }
    let amortized = schedule.amortized();
    let (last, level_ones) = amortized.split_last().unwrap();
    for item in level_ones {
        prop_assert_eq!(item.amount, schedule.level);
    }
    prop_assert!(last.amount.is_positive());
    Ok(())
}

/// Each amortized installment's interest is its opening balance × the rate, half-up.
fn check_interest(
    schedule: &Schedule,
    apr_bps: u32,
    frequency: Frequency,
) -> Result<(), TestCaseError> {
    let mut opening = schedule.balance.minor() - schedule.down_payment.minor();
    for item in schedule.amortized() {
        prop_assert_eq!(item.interest.minor(), interest(opening, apr_bps, frequency));
        opening -= item.principal.minor();
    }
    prop_assert_eq!(opening, 0);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn level_installment_plans_add_up(
        balance in prop_oneof![3 => 1_00i64..=100_000_00, 1 => 1i64..=10_000_000_000_00],
        apr in apr(),
        count in count(),
        frequency in frequency(),
        first in first_due(),
    ) {
        let result = quote(Amount::from_minor(balance), bps(apr), count, frequency, first);
        let exact = annuity_f64(balance, apr, count, frequency);
        let bound = rounding_bound(apr, count, frequency);
        let schedule = match result {
            Ok(schedule) => schedule,
            Err(PlanError::BalanceTooSmall { installments }) => {
                // Only when the rounded level installment is within the rounding bound
                // of nothing: a balance tiny for its number of installments.
                prop_assert_eq!(installments, count);
                prop_assert!(exact <= bound + 0.5, "{exact} > {bound}");
                return Ok(());
            }
            Err(PlanError::NeverAmortizes { installment }) => {
                // Only when the exact payment is within a cent of the first interest.
                let first_interest = interest(balance, apr, frequency);
                prop_assert_eq!(installment.minor(), first_interest);
                let over = exact - balance as f64 * rate(apr, frequency);
                prop_assert!(over <= 1.0 + 1e-6 * exact, "{over}");
                return Ok(());
            }
            Err(error) => return Err(TestCaseError::fail(format!("{error:?}"))),
        };
        check_sums(&schedule)?;
        check_interest(&schedule, apr, frequency)?;
        prop_assert_eq!(schedule.installments.len(), count as usize);
        prop_assert_eq!(schedule.down_payment, Amount::ZERO);
        prop_assert_eq!(schedule.first_due(), first);
        prop_assert_eq!(
            schedule.installments.iter().map(|item| item.due_on).collect::<Vec<_>>(),
            frequency.due_dates(first, count).unwrap()
        );

        // The level installment is the standard formula rounded half-up to the cent,
        // except where f64 cannot tell which side of a half-cent tie it is on.
        let fraction = exact - exact.floor();
        let tie_tolerance = 1e-6 + exact * 1e-11;
        if (fraction - 0.5).abs() > tie_tolerance {
            prop_assert_eq!(schedule.level.minor(), exact.round() as i64, "f64 {}", exact);
        } else {
            prop_assert!((schedule.level.minor() as f64 - exact).abs() <= 0.5 + tie_tolerance);
        }
        // The last installment absorbs what rounding left over, and no more.
        let last = schedule.installments.last().unwrap().amount.minor();
        let drift = (last - schedule.level.minor()).abs() as f64;
        prop_assert!(count == 1 || drift <= bound, "last {last}, level {}, bound {bound}", schedule.level.minor());
        prop_assert!(count != 1 || last == schedule.level.minor());
    }

    #[test]
    fn fixed_amount_plans_add_up(
        balance in 1_00i64..=100_000_00,
        apr in apr(),
        installment in 1i64..=5_000_00,
        frequency in frequency(),
        first in first_due(),
    ) {
        let result = quote_for_amount(
            Amount::from_minor(balance), bps(apr), Amount::from_minor(installment), frequency, first,
        );
        let first_interest = interest(balance, apr, frequency);
        let schedule = match result {
            Ok(schedule) => schedule,
            Err(PlanError::InstallmentBelowInterest { installment: refused, interest: owed }) => {
                prop_assert_eq!(refused.minor(), installment);
                prop_assert_eq!(owed.minor(), first_interest);
                prop_assert!(installment <= first_interest);
                return Ok(());
            }
            Err(PlanError::TooManyInstallments { max }) => {
                // Each period pays at most installment − first interest of principal.
                prop_assert!(i128::from(balance) > i128::from(max) * i128::from(installment - first_interest));
                return Ok(());
            }
            Err(error) => return Err(TestCaseError::fail(format!("{error:?}"))),
        };
        prop_assert!(installment > first_interest);
        check_sums(&schedule)?;
        check_interest(&schedule, apr, frequency)?;
        prop_assert_eq!(schedule.level.minor(), installment);
        prop_assert!(schedule.installments.last().unwrap().amount.minor() <= installment);
        // The smallest count that pays off: before the last, the balance with its
        // interest was always more than one installment.
        let mut opening = balance;
        for item in &schedule.installments[..schedule.installments.len() - 1] {
            prop_assert!(opening + item.interest.minor() > installment);
            opening -= item.principal.minor();
        }
    }

    #[test]
    fn down_payments_come_first(
        balance in 10_00i64..=100_000_00,
        down_share in 1i64..100,
        apr in 0u32..=3_600,
        count in 1u32..=120,
        frequency in frequency(),
        first in first_due(),
        before in prop::option::of(1i64..60),
    ) {
        let down_payment = balance * down_share / 100;
        prop_assume!(down_payment > 0);
        let terms = PlanTerms {
            balance: Amount::from_minor(balance),
            down_payment: Amount::from_minor(down_payment),
            down_payment_on: before.map(|days| first.checked_sub(jiff::Span::new().days(days)).unwrap()),
            apr: bps(apr),
            frequency,
            first_due: first,
            sizing: Sizing::Count(count),
        };
        let schedule = match terms.quote() {
            Ok(schedule) => schedule,
            Err(PlanError::BalanceTooSmall { .. } | PlanError::NeverAmortizes { .. }) => return Ok(()),
            Err(error) => return Err(TestCaseError::fail(format!("{error:?}"))),
        };
        check_sums(&schedule)?;
        check_interest(&schedule, apr, frequency)?;
        prop_assert_eq!(schedule.installments.len(), count as usize + 1);
        let down = schedule.installments[0];
        prop_assert_eq!((down.amount, down.principal, down.interest), (terms.down_payment, terms.down_payment, Amount::ZERO));
        match before {
            None => {
                prop_assert_eq!(down.due_on, first);
                prop_assert_eq!(Some(schedule.installments[1].due_on), frequency.nth_due(first, 1));
            }
            Some(_) => {
                prop_assert!(down.due_on < first);
                prop_assert_eq!(schedule.installments[1].due_on, first);
            }
        }
    }

    #[test]
    fn due_dates_follow_their_frequency(first in first_due(), count in 1u32..=100) {
        for frequency in Frequency::ALL.iter().copied() {
            let dates = frequency.due_dates(first, count).unwrap();
            prop_assert_eq!(dates.len(), count as usize);
            prop_assert_eq!(dates[0], first);
            for pair in dates.windows(2) {
                let days = (pair[1] - pair[0]).get_days();
                let range = match frequency {
                    Frequency::Weekly => 7..=7,
                    Frequency::Biweekly => 14..=14,
                    Frequency::Semimonthly => 12..=16,
                    Frequency::Monthly => 28..=31,
                };
                prop_assert!(range.contains(&days), "{frequency}: {pair:?}");
            }
            match frequency {
                // Same day of month as the first, clamped; one month apart; never drifting.
                Frequency::Monthly => {
                    for (index, day) in dates.iter().enumerate() {
                        prop_assert_eq!(day.day(), first.day().min(day.days_in_month()));
                        let months = (i32::from(day.year()) - i32::from(first.year())) * 12
                            + i32::from(day.month()) - i32::from(first.month());
                        prop_assert_eq!(months, index as i32);
                    }
                }
                // Two a month: the same pattern a year (24 periods) later.
                Frequency::Semimonthly => {
                    for (early, late) in dates.iter().zip(dates.iter().skip(24)) {
                        prop_assert_eq!((late.year(), late.month()), (early.year() + 1, early.month()));
                        prop_assert!(late.day() == early.day() || late.day() == late.days_in_month());
                    }
                    for pair in dates.windows(3) {
                        prop_assert!(pair[0].month() != pair[2].month() || pair[0].year() != pair[2].year());
                    }
                }
                Frequency::Weekly | Frequency::Biweekly => {}
            }
        }
    }
}

#[test]
fn published_example_car_loan() {
    // 20,000.00 over 60 months at 6 %: r = 0.005, (1.005)^60 = 1.3488502…,
    // P = 20000 × 0.005 × 1.3488502 / 0.3488502 = 386.6560… → 386.66, the payment
    // any auto-loan calculator gives. First month's interest 20000 × 0.005 = 100.00.
    let schedule = quote(
        usd("20000.00"),
        bps(600),
        60,
        Frequency::Monthly,
        date(2027, 1, 15),
    )
    .unwrap();
    assert_eq!(schedule.level, usd("386.66"));
    assert_eq!(schedule.installments[0].interest, usd("100.00"));
    assert_eq!(schedule.installments[0].principal, usd("286.66"));
    assert_eq!(schedule.installments[1].interest, usd("98.57")); // 19713.34 × 0.005 = 98.5667
    assert_eq!(schedule.last_due(), date(2031, 12, 15));
}

#[test]
fn published_example_mortgage() {
    // 200,000.00 over 30 years at 6 %: P = 1000 / (1 − 1.005^−360) = 1199.1010… → 1199.10,
    // the figure of every amortization table; total interest ≈ 360 × 1199.10 − 200000
    // = 231,676 give or take the last installment's cents.
    let schedule = quote(
        usd("200000.00"),
        bps(600),
        360,
        Frequency::Monthly,
        date(2027, 1, 1),
    )
    .unwrap();
    assert_eq!(schedule.level, usd("1199.10"));
    let nominal = usd("231676.00").minor();
    assert!((schedule.total_interest.minor() - nominal).abs() < 100_00);
}

#[test]
fn the_contract_example() {
    // 1,500.00 at 8 % over 12 weekly installments: r = 0.08/52 = 0.00153846…,
    // P = 1500 r / (1 − (1 + r)^−12) = 126.2535… → 126.25. Interest 1500 r = 2.3077 → 2.31.
    let schedule = quote(
        usd("1500.00"),
        bps(800),
        12,
        Frequency::Weekly,
        date(2027, 1, 1),
    )
    .unwrap();
    assert_eq!(schedule.level, usd("126.25"));
    assert_eq!(schedule.installments[0].interest, usd("2.31"));
    assert_eq!(schedule.installments[11].amount, usd("126.29"));
    assert_eq!(schedule.installments[11].due_on, date(2027, 3, 19));
    assert_eq!(schedule.total, usd("1515.04"));
    assert_eq!(schedule.total_interest, usd("15.04"));
}
