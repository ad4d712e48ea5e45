//! 12 CFR 1006.6(b)(1)(i): convenient hours are 08:00 ≤ t < 21:00 local, on every zone
//! the consumer may be in. Cases written from the rule, across the 2026 and 2027 US
//! daylight-saving changes (Mar 8 / Nov 1 2026; Mar 14 / Nov 7 2027).

use compliance::hours::{
    LocalWindow, next_convenient, within_convenient_hours, within_inconvenient_window,
};
use jiff::Timestamp;
use jiff::civil::Time;
use jiff::tz::TimeZone;
use proptest::prelude::*;

fn zones(names: &[&str]) -> Vec<TimeZone> {
    names
        .iter()
        .map(|name| TimeZone::get(name).unwrap())
        .collect()
}

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

fn window(from: (i8, i8), until: (i8, i8)) -> LocalWindow {
    LocalWindow {
        from: Time::new(from.0, from.1, 0, 0).unwrap(),
        until: Time::new(until.0, until.1, 0, 0).unwrap(),
    }
}

#[test]
fn the_boundaries_on_each_side_of_daylight_saving() {
    let new_york = zones(&["America/New_York"]);
    // (instant, allowed, why)
    let cases = [
        ("2026-03-07T12:59:59Z", false, "07:59:59 EST"),
        ("2026-03-07T13:00:00Z", true, "08:00:00 EST"),
        (
            "2026-03-09T11:59:59Z",
            false,
            "07:59:59 EDT, the day after DST began",
        ),
        ("2026-03-09T12:00:00Z", true, "08:00:00 EDT"),
        ("2026-03-10T00:59:59Z", true, "20:59:59 EDT"),
        ("2026-03-10T01:00:00Z", false, "21:00:00 EDT"),
        (
            "2026-11-01T12:00:00Z",
            false,
            "07:00 EST, the morning DST ended",
        ),
        ("2026-11-01T13:00:00Z", true, "08:00 EST"),
        (
            "2027-03-14T12:00:00Z",
            true,
            "08:00 EDT, the morning DST began in 2027",
        ),
        (
            "2027-11-07T12:59:59Z",
            false,
            "07:59:59 EST, the morning DST ended in 2027",
        ),
        ("2027-11-08T01:59:59Z", true, "20:59:59 EST"),
        ("2027-11-08T02:00:00Z", false, "21:00:00 EST"),
    ];
    for (instant, allowed, why) in cases {
        assert_eq!(
            within_convenient_hours(at(instant), &new_york),
            allowed,
            "{instant} ({why})"
        );
    }
}

#[test]
fn several_zones_must_all_be_convenient() {
    let coasts = zones(&["America/New_York", "America/Los_Angeles"]);
    assert!(
        !within_convenient_hours(at("2026-06-01T14:59:59Z"), &coasts),
        "07:59:59 in Los Angeles"
    );
    assert!(
        within_convenient_hours(at("2026-06-01T15:00:00Z"), &coasts),
        "11:00 New York, 08:00 Los Angeles"
    );
    assert!(
        !within_convenient_hours(at("2026-06-02T01:00:00Z"), &coasts),
        "21:00 New York"
    );
    let hawaii = zones(&["Pacific/Honolulu"]);
    assert!(
        within_convenient_hours(at("2026-06-01T18:00:00Z"), &hawaii),
        "08:00 HST, no DST"
    );
    assert!(!within_convenient_hours(
        at("2026-01-01T17:59:59Z"),
        &hawaii
    ));
    let phoenix = zones(&["America/Phoenix"]);
    assert!(
        within_convenient_hours(at("2026-07-01T15:00:00Z"), &phoenix),
        "08:00 MST all year"
    );
    assert!(!within_convenient_hours(
        at("2026-07-01T14:59:59Z"),
        &phoenix
    ));
    assert!(
        !within_convenient_hours(at("2026-07-01T15:00:00Z"), &[]),
        "no zone known: never convenient"
    );
}

#[test]
fn the_next_convenient_instant() {
    let new_york = zones(&["America/New_York"]);
    let cases = [
        (
            "2026-03-09T02:00:00Z",
            "2026-03-09T12:00:00Z",
            "22:00 EDT → 08:00 EDT",
        ),
        (
            "2026-03-08T03:00:00Z",
            "2026-03-08T12:00:00Z",
            "22:00 EST Mar 7 → 08:00 EDT on the day DST began",
        ),
        (
            "2026-11-01T02:00:00Z",
            "2026-11-01T13:00:00Z",
            "22:00 EDT Oct 31 → 08:00 EST on the day DST ended",
        ),
        (
            "2026-06-01T15:30:00Z",
            "2026-06-01T15:30:00Z",
            "already convenient: now",
        ),
    ];
    for (now, expected, why) in cases {
        assert_eq!(
            next_convenient(at(now), &new_york, &[]),
            Some(at(expected)),
            "{why}"
        );
    }
    let coasts = zones(&["America/New_York", "America/Los_Angeles"]);
    assert_eq!(
        next_convenient(at("2026-06-01T02:00:00Z"), &coasts, &[]),
        Some(at("2026-06-01T15:00:00Z"))
    );
    assert_eq!(next_convenient(at("2026-06-01T02:00:00Z"), &[], &[]), None);
}

#[test]
fn inconvenient_windows_the_consumer_named() {
    let new_york = zones(&["America/New_York"]);
    let lunch = [window((12, 0), (13, 30))];
    assert!(
        within_inconvenient_window(at("2026-06-01T16:00:00Z"), &new_york, &lunch),
        "12:00 EDT"
    );
    assert!(
        !within_inconvenient_window(at("2026-06-01T17:30:00Z"), &new_york, &lunch),
        "13:30 is the exclusive end"
    );
    assert_eq!(
        next_convenient(at("2026-06-01T16:10:00Z"), &new_york, &lunch),
        Some(at("2026-06-01T17:30:00Z"))
    );
    let nights = [window((20, 0), (9, 0))];
    assert_eq!(
        next_convenient(at("2026-06-01T12:00:00Z"), &new_york, &nights),
        Some(at("2026-06-01T13:00:00Z")),
        "wraps midnight: 09:00"
    );
    let empty = [window((10, 0), (10, 0))];
    assert!(
        !within_inconvenient_window(at("2026-06-01T14:00:00Z"), &new_york, &empty),
        "equal bounds: empty window"
    );
    let all_day = [window((7, 0), (22, 0))];
    assert_eq!(
        next_convenient(at("2026-06-01T12:00:00Z"), &new_york, &all_day),
        None,
        "never convenient within 60 days"
    );
}

const ZONE_SETS: &[&[&str]] = &[
    &["America/New_York"],
    &["America/Chicago", "America/Denver"],
    &["America/New_York", "Pacific/Honolulu"],
    &["America/Phoenix", "America/Denver"],
    &["America/Anchorage", "America/Adak"],
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    #[test]
    fn the_next_instant_is_convenient_and_no_earlier_minute_is(
        seconds in 1_767_225_600i64..1_830_297_600, // 2026-01-01 .. 2028-01-01
        set in 0usize..ZONE_SETS.len(),
        lunch in proptest::bool::ANY,
    ) {
        let now = Timestamp::from_second(seconds).unwrap();
        let zones = zones(ZONE_SETS[set]);
        let windows: Vec<LocalWindow> = if lunch { vec![window((12, 0), (13, 30))] } else { vec![] };
        let next = next_convenient(now, &zones, &windows).unwrap();
        prop_assert!(next >= now);
        prop_assert!(within_convenient_hours(next, &zones) && !within_inconvenient_window(next, &zones, &windows));
        let mut probe = now;
        while probe < next {
            prop_assert!(!within_convenient_hours(probe, &zones) || within_inconvenient_window(probe, &zones, &windows), "{probe} is convenient before {next}");
            probe = probe.checked_add(jiff::Span::new().minutes(1)).unwrap();
        }
    }
}

#[test]
fn convenient_until_the_first_zone_reaches_nine_or_a_window_opens() {
    use compliance::hours::convenient_until;
    let coasts = zones(&["America/New_York", "America/Los_Angeles"]);
    assert_eq!(
        convenient_until(at("2026-06-01T16:00:00Z"), &coasts, &[]),
        Some(at("2026-06-02T01:00:00Z")),
        "21:00 in New York"
    );
    let lunch = [window((12, 0), (13, 30))];
    let new_york = zones(&["America/New_York"]);
    assert_eq!(
        convenient_until(at("2026-06-01T13:00:00Z"), &new_york, &lunch),
        Some(at("2026-06-01T16:00:00Z")),
        "noon"
    );
    assert_eq!(
        convenient_until(at("2026-06-01T02:00:00Z"), &new_york, &[]),
        None,
        "not convenient now"
    );
}
