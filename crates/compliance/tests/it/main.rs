//! Cases written from the texts (5 U.S.C. 6103; 12 CFR 1006.34(b)(5)), not from the code.

use compliance::calendar::{
    Holiday, business_days_after, holidays, is_business_day, observed_holiday,
};
use compliance::validation::validation_period;
use jiff::civil::{Date, Weekday, date};
use proptest::prelude::*;
mod cases;
mod check;
mod facts;
mod frequency;
mod hours;
mod packs;
mod zones;

/// Observed legal public holidays, 5 U.S.C. 6103(a) with the weekend rule of 6103(b).
const OBSERVED_2026_2027: &[(Holiday, &str)] = &[
    (Holiday::NewYearsDay, "2026-01-01"),
    (Holiday::MartinLutherKingJrBirthday, "2026-01-19"),
    (Holiday::WashingtonsBirthday, "2026-02-16"),
    (Holiday::MemorialDay, "2026-05-25"),
    (Holiday::JuneteenthNationalIndependenceDay, "2026-06-19"),
    (Holiday::IndependenceDay, "2026-07-03"), // July 4 is a Saturday
    (Holiday::LaborDay, "2026-09-07"),
    (Holiday::ColumbusDay, "2026-10-12"),
    (Holiday::VeteransDay, "2026-11-11"),
    (Holiday::ThanksgivingDay, "2026-11-26"),
    (Holiday::ChristmasDay, "2026-12-25"),
    (Holiday::NewYearsDay, "2027-01-01"),
    (Holiday::MartinLutherKingJrBirthday, "2027-01-18"),
    (Holiday::WashingtonsBirthday, "2027-02-15"),
    (Holiday::MemorialDay, "2027-05-31"),
    (Holiday::JuneteenthNationalIndependenceDay, "2027-06-18"), // June 19 is a Saturday
    (Holiday::IndependenceDay, "2027-07-05"),                   // July 4 is a Sunday
    (Holiday::LaborDay, "2027-09-06"),
    (Holiday::ColumbusDay, "2027-10-11"),
    (Holiday::VeteransDay, "2027-11-11"),
    (Holiday::ThanksgivingDay, "2027-11-25"),
    (Holiday::ChristmasDay, "2027-12-24"), // December 25 is a Saturday
];

#[test]
fn the_holidays_of_2026_and_2027_fall_on_their_observed_dates() {
    let mut computed: Vec<(Holiday, Date)> = holidays(2026);
    computed.extend(holidays(2027));
    let expected: Vec<(Holiday, Date)> = OBSERVED_2026_2027
        .iter()
        .map(|(holiday, text)| (*holiday, text.parse().unwrap()))
        .collect();
    assert_eq!(computed, expected);
    for (holiday, observed_on) in &expected {
        assert_eq!(observed_holiday(*observed_on), Some(*holiday));
        assert!(!is_business_day(*observed_on), "{observed_on}");
    }
    assert_eq!(date(2026, 7, 4).weekday(), Weekday::Saturday);
    assert!(is_business_day(date(2026, 7, 6)));
}

#[test]
fn new_years_day_on_a_saturday_is_observed_the_year_before() {
    assert_eq!(date(2022, 1, 1).weekday(), Weekday::Saturday);
    assert_eq!(
        observed_holiday(date(2021, 12, 31)),
        Some(Holiday::NewYearsDay)
    );
    assert_eq!(
        observed_holiday(date(2027, 12, 31)),
        Some(Holiday::NewYearsDay)
    ); // 2028-01-01 is a Saturday
    assert!(is_business_day(date(2027, 12, 30)));
}

#[test]
fn juneteenth_is_a_holiday_from_2021() {
    assert_eq!(observed_holiday(date(2020, 6, 19)), None);
    assert_eq!(
        observed_holiday(date(2021, 6, 18)),
        Some(Holiday::JuneteenthNationalIndependenceDay)
    );
}

#[test]
fn validation_periods_of_the_contract_and_around_holidays() {
    // (sent on, assumed receipt, validation period ends)
    let cases = [
        ("2026-11-20", "2026-11-30", "2026-12-30"), // contract: Thanksgiving 11-26 not counted
        ("2026-12-23", "2026-12-31", "2027-01-30"), // contract: Christmas, the weekend not counted
        ("2026-07-01", "2026-07-09", "2026-08-08"), // Independence Day observed Friday 07-03
        ("2026-11-21", "2026-11-30", "2026-12-30"), // sent on a Saturday
        ("2026-03-02", "2026-03-09", "2026-04-08"), // an ordinary week
        ("2027-12-27", "2028-01-04", "2028-02-03"), // 12-28, 29, 30, (31 New Year observed), 01-03, 04
    ];
    for (sent, receipt, ends) in cases {
        let period = validation_period(sent.parse().unwrap()).unwrap();
        assert_eq!(
            period.assumed_receipt_on.to_string(),
            receipt,
            "sent {sent}"
        );
        assert_eq!(period.ends_on.to_string(), ends, "sent {sent}");
    }
}

fn any_date() -> impl Strategy<Value = Date> {
    (0i64..36_500).prop_map(|days| {
        date(2000, 1, 1)
            .checked_add(jiff::Span::new().days(days))
            .unwrap()
    })
}

proptest! {
    #[test]
    fn receipt_is_the_fifth_business_day_and_the_period_is_thirty_days(sent in any_date()) {
        let period = validation_period(sent).unwrap();
        prop_assert!(is_business_day(period.assumed_receipt_on));
        let mut business_days = 0;
        let mut day = sent;
        while day < period.assumed_receipt_on {
            day = day.tomorrow().unwrap();
            business_days += u32::from(is_business_day(day));
        }
        prop_assert_eq!(business_days, 5);
        prop_assert_eq!((period.ends_on - period.assumed_receipt_on).get_days(), 30);
        prop_assert_eq!(business_days_after(sent, 5), Some(period.assumed_receipt_on));
    }

    #[test]
    fn a_year_has_eleven_holidays_on_weekdays(year in 2021i16..2100) {
        let all = holidays(year);
        prop_assert_eq!(all.len(), 11);
        for (_, observed_on) in all {
            prop_assert!(!matches!(observed_on.weekday(), Weekday::Saturday | Weekday::Sunday));
        }
    }
}
