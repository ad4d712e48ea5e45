//! Call frequency (12 CFR 1006.14(b)(2)(i)): the 7-in-7 presumption and the 7 days after
//! a telephone conversation, counted in the consumer's local dates (the first zone).
//!
//! Each function answers for one debt "may a call be placed now?": `None` when this rule
//! allows it, otherwise the instant it clears if nothing else happens — local midnight
//! of the first date on which the rule no longer applies. Facts after `now` are ignored.

use crate::facts::{Action, Direction, HistoryEntry, Recipient};
use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use jiff::{Span, Timestamp};

/// Calls in 7 consecutive days that make a call presumptively harassing.
pub const CALLS_IN_SEVEN_DAYS_MAX: usize = 7;
/// The look-back window, in local dates: D−6 … D.
pub const WINDOW_DAYS: i64 = 7;

fn local_date(instant: Timestamp, zone: &TimeZone) -> Date {
    zone.to_datetime(instant).date()
}

/// Local midnight starting `date` in `zone` (the first instant of that date).
pub fn start_of_local_date(date: Date, zone: &TimeZone) -> Option<Timestamp> {
    zone.to_timestamp(date.to_datetime(Time::midnight())).ok()
}

fn days(count: i64) -> Span {
    Span::new().days(count)
}

/// `us.call_frequency`: a call on local date D is presumed to violate 1006.14(b)(1) when
/// 7 or more counted calls about the debt were placed on local dates D−6 … D.
pub fn call_frequency(
    history: &[HistoryEntry],
    debt_id: &str,
    now: Timestamp,
    zone: &TimeZone,
) -> Option<Timestamp> {
    let call_dates: Vec<Date> = history
        .iter()
        .filter(|entry| entry.at <= now && entry.is_counted_call(debt_id))
        .map(|entry| local_date(entry.at, zone))
        .collect();
    clears_below(&call_dates, CALLS_IN_SEVEN_DAYS_MAX, now, zone)
}

/// Outbound calls or texts to a Massachusetts consumer in 7 days, across all debts, at
/// which another is forbidden (940 CMR 7.04(1)(f); 209 CMR 18.16(1)(d)).
pub const MA_CONTACTS_IN_SEVEN_DAYS_MAX: usize = 2;

/// `us-ma.call_frequency`: a `call` or `sms` on local date D when 2 or more outbound
/// calls (counted as for the federal rule, but about any debt) or outbound texts were
/// placed to the consumer on D−6 … D; entries with the same action and instant count once.
pub fn ma_call_frequency(
    history: &[HistoryEntry],
    now: Timestamp,
    zone: &TimeZone,
) -> Option<Timestamp> {
    let mut contacts: Vec<(Action, Timestamp)> = history
        .iter()
        .filter(|entry| entry.at <= now)
        .filter(|entry| entry.is_counted_call(&entry.debt_id) || is_outbound_text(entry))
        .map(|entry| (entry.action, entry.at))
        .collect();
    contacts.sort_by_key(|(action, at)| (action.code(), *at));
    contacts.dedup();
    let dates: Vec<Date> = contacts
        .iter()
        .map(|(_, at)| local_date(*at, zone))
        .collect();
    clears_below(&dates, MA_CONTACTS_IN_SEVEN_DAYS_MAX, now, zone)
}

fn is_outbound_text(entry: &HistoryEntry) -> bool {
    entry.action == Action::Sms
        && entry.direction == Direction::Outbound
        && entry.recipient != Recipient::Attorney
}

fn clears_below(
    dates: &[Date],
    limit: usize,
    now: Timestamp,
    zone: &TimeZone,
) -> Option<Timestamp> {
    over_limit_until(dates, limit, WINDOW_DAYS, local_date(now, zone), zone)?
}

/// A frequency limit: `None` if fewer than `max` of `dates` fall on the local dates
/// D−(window_days−1) … D of `today`; otherwise `Some` of local midnight of the first later
/// date whose window holds fewer (`Some(None)` if that midnight does not exist).
pub fn over_limit_until(
    dates: &[Date],
    max: usize,
    window_days: i64,
    today: Date,
    zone: &TimeZone,
) -> Option<Option<Timestamp>> {
    let window_start = |day: Date| day.checked_sub(days(window_days - 1)).unwrap_or(Date::MIN);
    let held = |first: Date, day: Date| {
        dates
            .iter()
            .filter(|date| first <= **date && **date <= day)
            .count()
    };
    let (mut first, mut day) = (window_start(today), today);
    if held(first, day) < max {
        return None;
    }
    // With nothing new the window count can only fall: `window_days` ahead it is 0.
    for _ in 0..window_days {
        first = first.tomorrow().ok()?;
        day = day.tomorrow().ok()?;
        if held(first, day) < max {
            return Some(start_of_local_date(day, zone));
        }
    }
    Some(None)
}

/// A block of `block_days` local dates starting on `last` (the date of the event): `None`
/// if `today` is past it, otherwise `Some` of local midnight ending the block.
pub fn block_after(
    last: Date,
    block_days: i64,
    today: Date,
    zone: &TimeZone,
) -> Option<Option<Timestamp>> {
    let clear_on = last.checked_add(days(block_days)).ok()?;
    if clear_on <= today {
        return None;
    }
    Some(start_of_local_date(clear_on, zone))
}

/// `us.call_after_conversation`: no call on the local date C of a telephone (or
/// in-person) conversation about the debt, nor on C+1 … C+6.
pub fn call_after_conversation(
    history: &[HistoryEntry],
    debt_id: &str,
    now: Timestamp,
    zone: &TimeZone,
) -> Option<Timestamp> {
    let last_conversation = history
        .iter()
        .filter(|entry| entry.at <= now && entry.is_conversation(debt_id))
        .map(|entry| local_date(entry.at, zone))
        .max()?;
    block_after(last_conversation, WINDOW_DAYS, local_date(now, zone), zone)?
}
