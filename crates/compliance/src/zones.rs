//! A consumer's plausible IANA time zones.
//!
//! Contact windows must hold on the wall clock of every zone the consumer may be in,
//! so we never pick one zone: we gather every zone that the facts on file allow (the
//! zone on file, the mailing address's state, the phones' area codes) and let the
//! contact rules check them all.
//!
//! The tables are data files compiled in (`data/`, see its README): the US states
//! and territories by hand from the tz database, the NANP area codes generated from
//! libphonenumber. They are parsed once, on first use.

use std::collections::HashMap;
use std::sync::OnceLock;

/// Key (USPS code or area code) to zones, in the file's order.
type Table = HashMap<&'static str, Vec<&'static str>>;

const STATE_ZONES_TSV: &str = include_str!("../data/us_state_zones.tsv");
const AREA_CODE_ZONES_TSV: &str = include_str!("../data/nanp_area_codes.tsv");

/// Every IANA zone in use in a US state or territory (USPS code, any case), most
/// populous first; empty if unknown.
pub fn zones_of_state(state: &str) -> &'static [&'static str] {
    static TABLE: OnceLock<Table> = OnceLock::new();
    let table = TABLE.get_or_init(|| parse(STATE_ZONES_TSV, "state"));
    lookup(table, &state.trim().to_ascii_uppercase())
}

/// Zones of a North American area code (3 digits), sorted by name; empty if unknown
/// or not geographic (toll-free, 500, 900...).
pub fn zones_of_area_code(area_code: &str) -> &'static [&'static str] {
    static TABLE: OnceLock<Table> = OnceLock::new();
    let table = TABLE.get_or_init(|| parse(AREA_CODE_ZONES_TSV, "area_code"));
    lookup(table, area_code.trim())
}

/// A consumer's plausible zones, in the contract's order of preference: the zone on
/// file first, then those of the mailing address's state, then those of the phones'
/// area codes; duplicates removed (first occurrence kept). Empty when nothing is
/// known: the caller decides what that means, this module never guesses a zone.
pub fn consumer_zones(
    on_file: Option<&str>,
    state: Option<&str>,
    area_codes: &[&str],
) -> Vec<String> {
    let on_file = on_file.map(str::trim).filter(|zone| !zone.is_empty());
    let of_state = state.map_or(&[][..], zones_of_state).iter().copied();
    let of_phones = area_codes
        .iter()
        .flat_map(|code| zones_of_area_code(code))
        .copied();
    let mut zones: Vec<String> = Vec::new();
    for zone in on_file.into_iter().chain(of_state).chain(of_phones) {
        // A handful of zones at most: a linear scan keeps the order without a set.
        if !zones.iter().any(|seen| seen == zone) {
            zones.push(zone.to_owned());
        }
    }
    zones
}

/// The USPS codes of the fifty states and the District of Columbia.
pub const FIFTY_STATES_AND_DC: [&str; 51] = [
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN", "IA",
    "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM",
    "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA",
    "WV", "WI", "WY",
];

/// Every zone in use in the fifty states and DC, each once: for a consumer whose zone
/// nothing on file tells, a time is convenient only if it is convenient wherever in the
/// United States they may be.
pub fn every_us_zone() -> Vec<String> {
    let mut zones: Vec<String> = Vec::new();
    for state in FIFTY_STATES_AND_DC {
        for zone in zones_of_state(state) {
            if !zones.iter().any(|seen| seen == zone) {
                zones.push((*zone).to_owned());
            }
        }
    }
    zones
}

fn lookup(table: &'static Table, key: &str) -> &'static [&'static str] {
    table.get(key).map_or(&[], Vec::as_slice)
}

/// Rows of `key<TAB>zone,zone,...` under a header row whose first column is
/// `key_column`; `#` lines are comments (the source and version of the data).
fn parse(tsv: &'static str, key_column: &str) -> Table {
    tsv.lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .map(|line| {
            // The files are compiled in and checked by the tests: a bad row is a bug.
            let (key, zones) = line
                .split_once('\t')
                .unwrap_or_else(|| panic!("zone table row without a tab: {line:?}"));
            (key.trim(), zones.split(',').map(str::trim).collect())
        })
        .filter(|(key, _)| *key != key_column)
        .collect()
}
