//! Cases written from what the tables mean (the tz database's US zones, the NANP
//! numbering plan as libphonenumber knows it), not from the code.

use compliance::zones::{consumer_zones, zones_of_area_code, zones_of_state};
use proptest::prelude::*;

const STATES_AND_DC: &[&str] = &[
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "FL", "GA", "HI", "ID", "IL", "IN", "IA", "KS",
    "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY",
    "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV",
    "WI", "WY", "DC",
];
const TERRITORIES: &[&str] = &["PR", "GU", "VI", "AS", "MP"];

const STATE_TSV: &str = include_str!("../../data/us_state_zones.tsv");
const AREA_CODE_TSV: &str = include_str!("../../data/nanp_area_codes.tsv");

/// (key, zones) of a data file's rows, past its `#` comments and header.
fn rows(tsv: &str) -> Vec<(&str, Vec<&str>)> {
    tsv.lines()
        .filter(|line| !line.starts_with('#'))
        .skip(1)
        .map(|line| {
            let (key, zones) = line.split_once('\t').expect("key<TAB>zones");
            (key, zones.split(',').collect())
        })
        .collect()
}

fn is_iana_zone(name: &str) -> bool {
    jiff::tz::TimeZone::get(name).is_ok()
}

#[test]
fn every_zone_in_both_tables_is_a_valid_iana_name() {
    for tsv in [STATE_TSV, AREA_CODE_TSV] {
        let rows = rows(tsv);
        assert!(rows.len() > 50);
        for (key, zones) in rows {
            assert!(!zones.is_empty(), "{key}");
            for zone in zones {
                assert!(is_iana_zone(zone), "{key}: {zone}");
            }
        }
    }
}

#[test]
fn the_files_say_where_they_come_from() {
    let first = AREA_CODE_TSV.lines().next().unwrap();
    assert!(
        first.starts_with("# source: libphonenumber via phonenumbers "),
        "{first}"
    );
    assert_eq!(
        AREA_CODE_TSV.lines().find(|l| !l.starts_with('#')),
        Some("area_code\tzones")
    );
    assert_eq!(
        STATE_TSV.lines().find(|l| !l.starts_with('#')),
        Some("state\tzones")
    );
}

#[test]
fn the_lookups_return_what_the_files_hold() {
    for (state, zones) in rows(STATE_TSV) {
        assert_eq!(zones_of_state(state), zones.as_slice(), "{state}");
    }
    for (code, zones) in rows(AREA_CODE_TSV) {
        assert_eq!(zones_of_area_code(code), zones.as_slice(), "{code}");
    }
}

#[test]
fn area_codes_are_three_nanp_digits_listed_once_with_sorted_zones() {
    let rows = rows(AREA_CODE_TSV);
    let mut codes: Vec<&str> = rows.iter().map(|(code, _)| *code).collect();
    for code in &codes {
        let digits = code.as_bytes();
        assert!(
            digits.len() == 3 && digits.iter().all(u8::is_ascii_digit),
            "{code}"
        );
        assert!((b'2'..=b'9').contains(&digits[0]), "{code}"); // NANP: [2-9]XX
    }
    codes.sort_unstable();
    codes.dedup();
    assert_eq!(codes.len(), rows.len(), "area codes listed twice");
    for (code, zones) in &rows {
        assert!(zones.is_sorted(), "{code}");
        assert!(zones.windows(2).all(|pair| pair[0] != pair[1]), "{code}");
    }
}

#[test]
fn all_fifty_states_dc_and_the_territories_have_zones() {
    assert_eq!(STATES_AND_DC.len(), 51);
    for state in STATES_AND_DC.iter().chain(TERRITORIES) {
        let zones = zones_of_state(state);
        assert!(!zones.is_empty(), "{state}");
        let mut unique = zones.to_vec();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), zones.len(), "{state} lists a zone twice");
    }
}

#[test]
fn states_split_between_zones_list_each_of_them() {
    let has = |state: &str, zone: &str| zones_of_state(state).contains(&zone);
    assert!(has("TX", "America/Chicago") && has("TX", "America/Denver")); // El Paso
    assert!(has("FL", "America/New_York") && has("FL", "America/Chicago")); // Panhandle
    assert!(has("AZ", "America/Phoenix") && has("AZ", "America/Denver")); // Navajo Nation
    assert!(has("IN", "America/Indiana/Indianapolis") && has("IN", "America/Chicago"));
    assert!(has("KY", "America/New_York") && has("KY", "America/Chicago"));
    assert!(has("TN", "America/New_York") && has("TN", "America/Chicago"));
    assert!(has("ID", "America/Boise") && has("ID", "America/Los_Angeles"));
    assert!(has("OR", "America/Los_Angeles") && has("OR", "America/Boise"));
    assert!(has("MI", "America/Detroit") && has("MI", "America/Menominee"));
    for state in ["ND", "SD", "NE", "KS"] {
        assert!(
            has(state, "America/Chicago") && has(state, "America/Denver"),
            "{state}"
        );
    }
    for zone in [
        "America/Anchorage",
        "America/Juneau",
        "America/Nome",
        "America/Adak",
    ] {
        assert!(has("AK", zone), "{zone}");
    }
}

#[test]
fn single_zone_places_and_the_most_populous_zone_first() {
    assert_eq!(zones_of_state("HI"), ["Pacific/Honolulu"]);
    assert_eq!(zones_of_state("NY"), ["America/New_York"]);
    assert_eq!(zones_of_state("CA"), ["America/Los_Angeles"]);
    assert_eq!(zones_of_state("PR"), ["America/Puerto_Rico"]);
    assert_eq!(zones_of_state("GU"), ["Pacific/Guam"]);
    assert_eq!(zones_of_state("TX")[0], "America/Chicago");
    assert_eq!(zones_of_state("AZ")[0], "America/Phoenix");
    assert_eq!(zones_of_state("AK")[0], "America/Anchorage");
    assert_eq!(zones_of_state("tx"), zones_of_state("TX")); // as typed on a form
}

#[test]
fn unknown_states_and_area_codes_have_no_zones() {
    for state in ["", "XX", "Texas", "ON"] {
        assert!(zones_of_state(state).is_empty(), "{state}");
    }
    // 800 and 888 are toll-free, 900 premium: they say nothing about where one is.
    for code in ["", "000", "123", "800", "888", "900", "21", "2125"] {
        assert!(zones_of_area_code(code).is_empty(), "{code}");
    }
}

#[test]
fn area_codes_of_well_known_places() {
    assert_eq!(zones_of_area_code("212"), ["America/New_York"]); // Manhattan
    assert_eq!(zones_of_area_code("808"), ["Pacific/Honolulu"]); // Hawaii
    assert_eq!(zones_of_area_code("602"), ["America/Phoenix"]); // Phoenix
    assert_eq!(zones_of_area_code("202"), ["America/New_York"]); // DC
    assert_eq!(zones_of_area_code("312"), ["America/Chicago"]); // Chicago
    assert_eq!(zones_of_area_code("213"), ["America/Los_Angeles"]); // Los Angeles
    assert_eq!(zones_of_area_code("915"), ["America/Denver"]); // El Paso
    assert!(zones_of_area_code("907").contains(&"America/Anchorage")); // Alaska
    assert!(zones_of_area_code("208").contains(&"America/Boise")); // Idaho, both halves
    assert!(zones_of_area_code("208").contains(&"America/Los_Angeles"));
    assert!(zones_of_area_code("850").contains(&"America/Chicago")); // FL Panhandle
    assert!(zones_of_area_code("850").contains(&"America/New_York"));
}

#[test]
fn territories_area_codes_have_their_zones() {
    assert_eq!(zones_of_area_code("787"), ["America/Puerto_Rico"]);
    assert_eq!(zones_of_area_code("939"), ["America/Puerto_Rico"]);
    assert_eq!(zones_of_area_code("671"), ["Pacific/Guam"]);
    assert_eq!(zones_of_area_code("684"), ["Pacific/Pago_Pago"]);
    assert_eq!(zones_of_area_code("670"), ["Pacific/Saipan"]);
    // The US Virgin Islands keep Atlantic time, like Puerto Rico.
    let vi = zones_of_area_code("340");
    assert_eq!(vi.len(), 1);
    let offset = |name: &str| {
        let tz = jiff::tz::TimeZone::get(name).unwrap();
        tz.to_offset(jiff::Timestamp::UNIX_EPOCH)
    };
    assert_eq!(offset(vi[0]), offset("America/Puerto_Rico"));
}

#[test]
fn consumer_zones_keep_the_contract_order_without_duplicates() {
    // The zone on file, then Texas's (Chicago is repeated), then El Paso's (Denver is).
    let zones = consumer_zones(Some("America/Chicago"), Some("TX"), &["915"]);
    assert_eq!(zones, ["America/Chicago", "America/Denver"]);

    // A Floridian with a Manhattan phone and a Phoenix one.
    let zones = consumer_zones(None, Some("FL"), &["212", "602"]);
    assert_eq!(
        zones,
        ["America/New_York", "America/Chicago", "America/Phoenix"]
    );

    // The zone on file leads even when the state would list it later.
    let zones = consumer_zones(Some("America/Denver"), Some("TX"), &[]);
    assert_eq!(zones, ["America/Denver", "America/Chicago"]);
}

#[test]
fn consumer_zones_from_partial_facts() {
    assert!(consumer_zones(None, None, &[]).is_empty());
    assert!(consumer_zones(Some(""), Some("XX"), &["800"]).is_empty());
    assert_eq!(consumer_zones(None, None, &["808"]), ["Pacific/Honolulu"]);
    assert_eq!(
        consumer_zones(Some("Pacific/Honolulu"), None, &[]),
        ["Pacific/Honolulu"]
    );
}

fn any_state() -> impl Strategy<Value = &'static str> {
    prop::sample::select(
        STATES_AND_DC
            .iter()
            .chain(TERRITORIES)
            .copied()
            .collect::<Vec<_>>(),
    )
}

fn any_area_code() -> impl Strategy<Value = String> {
    (200u16..1000).prop_map(|code| code.to_string())
}

proptest! {
    #[test]
    fn consumer_zones_are_the_union_in_order_without_duplicates(
        state in prop::option::of(any_state()),
        codes in prop::collection::vec(any_area_code(), 0..4),
    ) {
        let codes: Vec<&str> = codes.iter().map(String::as_str).collect();
        let zones = consumer_zones(Some("America/Chicago"), state, &codes);
        prop_assert_eq!(zones[0].as_str(), "America/Chicago");
        let mut unique = zones.clone();
        unique.sort();
        unique.dedup();
        prop_assert_eq!(unique.len(), zones.len());
        // Every zone of the state, then of each phone, is there, and nothing else.
        let expected: Vec<&str> = std::iter::once("America/Chicago")
            .chain(state.map_or(&[][..], zones_of_state).iter().copied())
            .chain(codes.iter().flat_map(|code| zones_of_area_code(code)).copied())
            .collect();
        for zone in &expected {
            prop_assert!(zones.iter().any(|z| z == zone), "{} missing", zone);
        }
        prop_assert!(zones.iter().all(|z| expected.contains(&z.as_str())));
        // The state's zones come before any zone only a phone brought in.
        if let Some(state) = state {
            let of_state = zones_of_state(state);
            let last_of_state = zones.iter().rposition(|z| of_state.contains(&z.as_str()));
            let first_of_phone_only = zones.iter().position(|z| {
                z != "America/Chicago" && !of_state.contains(&z.as_str())
            });
            if let (Some(last), Some(first)) = (last_of_state, first_of_phone_only) {
                prop_assert!(last < first);
            }
        }
    }
}
