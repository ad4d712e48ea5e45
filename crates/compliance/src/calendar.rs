//! US legal public holidays (5 U.S.C. 6103(a)) on their observed dates, and business
//! days: not a Saturday, not a Sunday, not an observed legal public holiday.
//!
//! Observed dates follow 5 U.S.C. 6103(b) and Executive Order 11582: a holiday falling on
//! a Saturday is observed the Friday before (so New Year's Day 2022 was observed on
//! Friday 2021-12-31), one falling on a Sunday the Monday after.

use jiff::civil::{Date, Weekday};

/// The legal public holidays of 5 U.S.C. 6103(a).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Holiday {
    NewYearsDay,
    MartinLutherKingJrBirthday,
    WashingtonsBirthday,
    MemorialDay,
    JuneteenthNationalIndependenceDay,
    IndependenceDay,
    LaborDay,
    ColumbusDay,
    VeteransDay,
    ThanksgivingDay,
    ChristmasDay,
}

impl Holiday {
    pub fn name(self) -> &'static str {
        match self {
            Holiday::NewYearsDay => "New Year's Day",
            Holiday::MartinLutherKingJrBirthday => "Birthday of Martin Luther King, Jr.",
            Holiday::WashingtonsBirthday => "Washington's Birthday",
            Holiday::MemorialDay => "Memorial Day",
            Holiday::JuneteenthNationalIndependenceDay => "Juneteenth National Independence Day",
            Holiday::IndependenceDay => "Independence Day",
            Holiday::LaborDay => "Labor Day",
            Holiday::ColumbusDay => "Columbus Day",
            Holiday::VeteransDay => "Veterans Day",
            Holiday::ThanksgivingDay => "Thanksgiving Day",
            Holiday::ChristmasDay => "Christmas Day",
        }
    }
}

/// Juneteenth became a legal public holiday on 2021-06-17 (Pub. L. 117-17), first
/// observed on Friday 2021-06-18.
const JUNETEENTH_FIRST_YEAR: i16 = 2021;

/// The `nth` (1-based) `weekday` of a month; `None` if the month has no such day.
fn nth_weekday(year: i16, month: i8, weekday: Weekday, nth: i8) -> Option<Date> {
    Date::new(year, month, 1)
        .ok()?
        .nth_weekday_of_month(nth, weekday)
        .ok()
}

/// The last `weekday` of a month.
fn last_weekday(year: i16, month: i8, weekday: Weekday) -> Option<Date> {
    Date::new(year, month, 1)
        .ok()?
        .nth_weekday_of_month(-1, weekday)
        .ok()
}

/// Saturday → Friday before, Sunday → Monday after.
fn observed(date: Date) -> Date {
    match date.weekday() {
        Weekday::Saturday => date.yesterday().expect("not the first representable day"),
        Weekday::Sunday => date.tomorrow().expect("not the last representable day"),
        _ => date,
    }
}

/// The holidays whose *legal* date falls in `year`, with their observed dates (an
/// observed date may fall in the year before: New Year's Day on a Saturday).
pub fn holidays(year: i16) -> Vec<(Holiday, Date)> {
    let fixed = |month: i8, day: i8| Date::new(year, month, day).ok().map(observed);
    let candidates = [
        (Holiday::NewYearsDay, fixed(1, 1)),
        (
            Holiday::MartinLutherKingJrBirthday,
            nth_weekday(year, 1, Weekday::Monday, 3),
        ),
        (
            Holiday::WashingtonsBirthday,
            nth_weekday(year, 2, Weekday::Monday, 3),
        ),
        (Holiday::MemorialDay, last_weekday(year, 5, Weekday::Monday)),
        (
            Holiday::JuneteenthNationalIndependenceDay,
            if year >= JUNETEENTH_FIRST_YEAR {
                fixed(6, 19)
            } else {
                None
            },
        ),
        (Holiday::IndependenceDay, fixed(7, 4)),
        (Holiday::LaborDay, nth_weekday(year, 9, Weekday::Monday, 1)),
        (
            Holiday::ColumbusDay,
            nth_weekday(year, 10, Weekday::Monday, 2),
        ),
        (Holiday::VeteransDay, fixed(11, 11)),
        (
            Holiday::ThanksgivingDay,
            nth_weekday(year, 11, Weekday::Thursday, 4),
        ),
        (Holiday::ChristmasDay, fixed(12, 25)),
    ];
    candidates
        .into_iter()
        .filter_map(|(holiday, date)| Some((holiday, date?)))
        .collect()
}

/// The holiday observed on `date`, if any.
pub fn observed_holiday(date: Date) -> Option<Holiday> {
    // Observed dates stay within a day of the legal date, so the date's own year and the
    // next (New Year's Day observed on December 31) are enough.
    let next_year = date.year().checked_add(1);
    let years = [Some(date.year()), next_year];
    years
        .into_iter()
        .flatten()
        .flat_map(holidays)
        .find(|(_, observed_on)| *observed_on == date)
        .map(|(holiday, _)| holiday)
}

pub fn is_business_day(date: Date) -> bool {
    !matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday)
        && observed_holiday(date).is_none()
}

/// The `count`-th business day after `date` (not counting `date` itself); `None` past the
/// end of the representable calendar.
pub fn business_days_after(date: Date, count: u32) -> Option<Date> {
    let mut day = date;
    let mut counted = 0;
    while counted < count {
        day = day.tomorrow().ok()?;
        if is_business_day(day) {
            counted += 1;
        }
    }
    Some(day)
}
