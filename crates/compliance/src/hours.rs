//! Time-of-day windows on the consumer's wall clocks (12 CFR 1006.6(b)(1)(i)).
//!
//! A timed contact is convenient only if it is at or after 08:00:00 and before 21:00:00
//! on the wall clock of EVERY zone the consumer may be in, and outside every window the
//! consumer named inconvenient, again on every zone's wall clock. Daylight-saving
//! changes need no special case: each test converts the instant to each zone's wall clock.

use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use jiff::{Span, Timestamp};

/// Presumptively convenient hours: from 08:00 inclusive to 21:00 exclusive.
pub const CONVENIENT_FROM: Time = Time::constant(8, 0, 0, 0);
pub const CONVENIENT_UNTIL: Time = Time::constant(21, 0, 0, 0);
/// Hours of the day during which timed contact may happen: `from` inclusive, `until`
/// exclusive, on the consumer's wall clocks. Rule packs set them (`time_of_day` rules);
/// `Hours::FEDERAL` is 12 CFR 1006.6(b)(1)(i)'s presumption.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hours {
    pub from: Time,
    pub until: Time,
}

impl Hours {
    pub const FEDERAL: Hours = Hours {
        from: CONVENIENT_FROM,
        until: CONVENIENT_UNTIL,
    };

    fn contains(&self, time: Time) -> bool {
        self.from <= time && time < self.until
    }
}

/// How far ahead `next_convenient` looks (the contract's horizon).
pub const SEARCH_HORIZON_DAYS: i64 = 60;

/// A window of local wall-clock time, `from` inclusive, `until` exclusive; `from` after
/// `until` wraps midnight; equal bounds make an empty window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LocalWindow {
    pub from: Time,
    pub until: Time,
}

impl LocalWindow {
    pub fn contains(&self, time: Time) -> bool {
        if self.from <= self.until {
            self.from <= time && time < self.until
        } else {
            time >= self.from || time < self.until
        }
    }
}

/// Whether `instant` is within 08:00–21:00 on every zone's wall clock. No zones: no
/// local time is known, so no time is convenient.
pub fn within_convenient_hours(instant: Timestamp, zones: &[TimeZone]) -> bool {
    within_hours(instant, zones, Hours::FEDERAL)
}

/// Whether `instant` is within `hours` on every zone's wall clock (no zones: never).
pub fn within_hours(instant: Timestamp, zones: &[TimeZone], hours: Hours) -> bool {
    !zones.is_empty()
        && zones
            .iter()
            .all(|zone| hours.contains(zone.to_datetime(instant).time()))
}

/// Whether `instant` falls inside any inconvenient window on any zone's wall clock.
pub fn within_inconvenient_window(
    instant: Timestamp,
    zones: &[TimeZone],
    windows: &[LocalWindow],
) -> bool {
    zones.iter().any(|zone| {
        let time = zone.to_datetime(instant).time();
        windows.iter().any(|window| window.contains(time))
    })
}

/// The earliest instant at or after `now`, within the horizon, that is within
/// convenient hours and outside every inconvenient window on every zone's wall clock.
///
/// The set of good instants is a union of intervals whose left ends are `now` or a
/// moment some zone's wall clock reaches 08:00 or the end of an inconvenient window, so
/// those moments are the only candidates to test.
pub fn next_convenient(
    now: Timestamp,
    zones: &[TimeZone],
    windows: &[LocalWindow],
) -> Option<Timestamp> {
    next_within(now, zones, Hours::FEDERAL, windows)
}

/// `next_convenient` for any `hours`.
pub fn next_within(
    now: Timestamp,
    zones: &[TimeZone],
    hours: Hours,
    windows: &[LocalWindow],
) -> Option<Timestamp> {
    if convenient(now, zones, hours, windows) {
        return Some(now);
    }
    let horizon = now
        .checked_add(Span::new().hours(SEARCH_HORIZON_DAYS * 24))
        .ok()?;
    let openings = edges(hours.from, windows, |window| window.until);
    first_moment(now, zones, &openings, |instant| {
        instant <= horizon && convenient(instant, zones, hours, windows)
    })
}

/// The first instant after `at` at which calling stops being convenient: 21:00 on some
/// zone's wall clock or the start of an inconvenient window. `None` if `at` itself is
/// not convenient, or nothing closes within the horizon.
pub fn convenient_until(
    at: Timestamp,
    zones: &[TimeZone],
    windows: &[LocalWindow],
) -> Option<Timestamp> {
    let hours = Hours::FEDERAL;
    if !convenient(at, zones, hours, windows) {
        return None;
    }
    let closings = edges(hours.until, windows, |window| window.from);
    first_moment(at, zones, &closings, |instant| {
        !convenient(instant, zones, hours, windows)
    })
}

fn convenient(
    instant: Timestamp,
    zones: &[TimeZone],
    hours: Hours,
    windows: &[LocalWindow],
) -> bool {
    within_hours(instant, zones, hours) && !within_inconvenient_window(instant, zones, windows)
}

/// `hours_edge` and one edge of every non-empty window.
fn edges(hours_edge: Time, windows: &[LocalWindow], edge: fn(&LocalWindow) -> Time) -> Vec<Time> {
    let mut times = vec![hours_edge];
    times.extend(
        windows
            .iter()
            .filter(|window| window.from != window.until)
            .map(edge),
    );
    times
}

/// The earliest instant after `after` at which some zone's wall clock shows one of
/// `times` and `wanted` holds, looking at local dates from the day before `after` to the
/// horizon.
///
/// Each zone's moments come in time order (dates ascend; the times of one date are
/// sorted, and a wall time skipped by a daylight-saving gap maps to the instant just
/// after it), so merging the zones' sequences lazily tests candidates in time order and
/// usually stops after a handful instead of building every moment up to the horizon.
fn first_moment(
    after: Timestamp,
    zones: &[TimeZone],
    times: &[Time],
    wanted: impl Fn(Timestamp) -> bool,
) -> Option<Timestamp> {
    let mut times = times.to_vec();
    times.sort_unstable();
    times.dedup();
    let mut cursors: Vec<Moments<'_>> = zones
        .iter()
        .map(|zone| Moments::new(zone, after, &times))
        .collect();
    let mut heads: Vec<Option<Timestamp>> = cursors.iter_mut().map(Moments::next_after).collect();
    loop {
        let (index, candidate) = heads
            .iter()
            .enumerate()
            .filter_map(|(index, head)| head.map(|at| (index, at)))
            .min_by_key(|(_, at)| *at)?;
        if wanted(candidate) {
            return Some(candidate);
        }
        heads[index] = cursors[index].next_after();
    }
}

/// The instants at which one zone's wall clock shows one of `times`, in order, after
/// `after`, up to the horizon.
struct Moments<'a> {
    zone: &'a TimeZone,
    times: &'a [Time],
    after: Timestamp,
    date: Date,
    index: usize,
    dates_left: i64,
}

impl<'a> Moments<'a> {
    fn new(zone: &'a TimeZone, after: Timestamp, times: &'a [Time]) -> Moments<'a> {
        let date = zone
            .to_datetime(after)
            .date()
            .yesterday()
            .unwrap_or(Date::MIN);
        Moments {
            zone,
            times,
            after,
            date,
            index: 0,
            dates_left: SEARCH_HORIZON_DAYS + 2,
        }
    }

    fn next_after(&mut self) -> Option<Timestamp> {
        loop {
            if self.index == self.times.len() {
                self.index = 0;
                self.dates_left -= 1;
                if self.dates_left < 0 {
                    return None;
                }
                self.date = self.date.tomorrow().ok()?;
            }
            let time = *self.times.get(self.index)?;
            self.index += 1;
            if let Ok(instant) = self.zone.to_timestamp(self.date.to_datetime(time))
                && instant > self.after
            {
                return Some(instant);
            }
        }
    }
}
