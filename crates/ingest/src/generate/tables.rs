//! The generator's tables: data files compiled in (`data/generate/`, see its README),
//! parsed once, on first use.
//!
//! The files are compiled in and checked by the tests below, so a bad row is a bug:
//! parsing panics, naming the file and line. The generator draws from the tables by
//! position, so their order is part of its output.

use std::sync::OnceLock;

use super::{Product, Rng, luhn_digit};

const CREDITORS_TOML: &str = include_str!("../../data/generate/creditors.toml");
const VEHICLES_TSV: &str = include_str!("../../data/generate/vehicles.tsv");
const FIRST_NAMES_TSV: &str = include_str!("../../data/generate/first_names.tsv");
const HISPANIC_FIRST_NAMES_TSV: &str = include_str!("../../data/generate/hispanic_first_names.tsv");
const LAST_NAMES_TSV: &str = include_str!("../../data/generate/last_names.tsv");
const HISPANIC_LAST_NAMES_TSV: &str = include_str!("../../data/generate/hispanic_last_names.tsv");
const STREETS_TSV: &str = include_str!("../../data/generate/streets.tsv");
const SPANISH_HEAVY_STATES_TSV: &str = include_str!("../../data/generate/spanish_heavy_states.tsv");
const STATES_TSV: &str = include_str!("../../data/generate/states.tsv");

// ---------------------------------------------------------------------------------------------
// Creditors.

pub(super) struct Creditor {
    pub(super) code: String,
    /// Share of debtors.
    pub(super) weight: u64,
    pub(super) debtor_ref: Template,
    pub(super) products: Vec<Offer>,
}

/// A product a creditor places, with its share of the creditor's accounts.
pub(super) struct Offer {
    pub(super) product: Product,
    pub(super) weight: u64,
    pub(super) account_ref: Template,
    pub(super) original_creditors: Vec<String>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct CreditorsFile {
    creditor: Vec<CreditorEntry>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct CreditorEntry {
    code: String,
    weight: u64,
    debtor_ref: String,
    product: Vec<ProductEntry>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ProductEntry {
    kind: String,
    weight: u64,
    account_ref: String,
    #[serde(default)]
    original_creditors: Vec<String>,
}

/// In the file's order, which is sorted by code.
pub(super) fn creditors() -> &'static [Creditor] {
    static TABLE: OnceLock<Vec<Creditor>> = OnceLock::new();
    TABLE.get_or_init(|| parse_creditors(CREDITORS_TOML))
}

fn parse_creditors(toml_text: &str) -> Vec<Creditor> {
    let file: CreditorsFile = toml::from_str(toml_text)
        .unwrap_or_else(|error| panic!("data/generate/creditors.toml: {error}"));
    file.creditor
        .into_iter()
        .map(|entry| {
            let code = entry.code;
            let template = |text: &str, kind| {
                Template::parse(text, kind)
                    .unwrap_or_else(|error| panic!("creditors.toml: {code}: {text:?}: {error}"))
            };
            let products = entry
                .product
                .into_iter()
                .map(|product| Offer {
                    product: Product::parse(&product.kind).unwrap_or_else(|| {
                        panic!("creditors.toml: {code}: unknown product {:?}", product.kind)
                    }),
                    weight: product.weight,
                    account_ref: template(&product.account_ref, RefKind::Account),
                    original_creditors: product.original_creditors,
                })
                .collect();
            Creditor {
                debtor_ref: template(&entry.debtor_ref, RefKind::Debtor),
                code,
                weight: entry.weight,
                products,
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Reference templates: `AFC{n:7}`, `C{n:9}{luhn}`, `{random:100-999}-{n:7}-{random:01-99}`.

/// A debtor or account reference format, parsed from a template of `creditors.toml`
/// (whose header documents the placeholders).
pub(super) struct Template(Vec<Piece>);

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(String),
    /// The per-creditor counter, zero-padded to this width.
    Counter(usize),
    /// Luhn check digit of the digits written so far.
    Luhn,
    /// One of the options, all of one length.
    Pick(Vec<String>),
    /// A number in `lo..=hi`, zero-padded to `width`.
    Random {
        lo: u64,
        hi: u64,
        width: usize,
    },
    /// Last two digits of the delinquency year.
    Year,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RefKind {
    Debtor,
    /// Only an account has a delinquency year.
    Account,
}

impl Template {
    fn parse(text: &str, kind: RefKind) -> Result<Template, String> {
        let mut pieces = Vec::new();
        let mut rest = text;
        while !rest.is_empty() {
            let (literal, after) = rest.split_at(rest.find('{').unwrap_or(rest.len()));
            if literal.contains('}') {
                return Err("'}' without '{'".to_owned());
            }
            if !literal.is_empty() {
                pieces.push(Piece::Text(literal.to_owned()));
            }
            if after.is_empty() {
                break;
            }
            let close = after.find('}').ok_or("'{' without '}'")?;
            pieces.push(Piece::parse(&after[1..close])?);
            rest = &after[close + 1..];
        }
        let counters = pieces
            .iter()
            .filter(|piece| matches!(piece, Piece::Counter(_)))
            .count();
        if counters != 1 {
            return Err(format!("{counters} counters {{n:W}}, want exactly one"));
        }
        if kind == RefKind::Debtor && pieces.contains(&Piece::Year) {
            return Err("{yy} in a debtor reference".to_owned());
        }
        Ok(Template(pieces))
    }

    /// `year` is the delinquency year, for `{yy}` (accounts only, checked on parsing).
    pub(super) fn render(&self, rng: &mut Rng, n: u64, year: Option<i64>) -> String {
        let mut out = String::with_capacity(16);
        for piece in &self.0 {
            match piece {
                Piece::Text(text) => out.push_str(text),
                Piece::Counter(width) => push_padded(&mut out, n, *width),
                Piece::Luhn => {
                    let digits: String = out.chars().filter(char::is_ascii_digit).collect();
                    push_padded(&mut out, luhn_digit(&digits).into(), 1);
                }
                Piece::Pick(options) => out.push_str(rng.pick::<String>(options)),
                Piece::Random { lo, hi, width } => {
                    push_padded(&mut out, rng.range(*lo, *hi), *width)
                }
                Piece::Year => {
                    let year = year.expect("{yy} only in account references");
                    push_padded(&mut out, year.rem_euclid(100).unsigned_abs(), 2);
                }
            }
        }
        out
    }
}

impl Piece {
    /// The text between `{` and `}`.
    fn parse(placeholder: &str) -> Result<Piece, String> {
        let number = |text: &str| {
            text.parse::<u64>()
                .map_err(|_| format!("{{{placeholder}}}: {text:?} is not a number"))
        };
        match placeholder.split_once(':') {
            None if placeholder == "luhn" => Ok(Piece::Luhn),
            None if placeholder == "yy" => Ok(Piece::Year),
            Some(("n", width)) => match number(width)? {
                width @ 1..=20 => Ok(Piece::Counter(width as usize)),
                _ => Err(format!("{{{placeholder}}}: the width is 1 to 20 digits")),
            },
            Some(("pick", options)) => {
                let options: Vec<String> = options.split('|').map(str::to_owned).collect();
                let width = options[0].len();
                if width == 0 || options.iter().any(|option| option.len() != width) {
                    return Err(format!(
                        "{{{placeholder}}}: empty options or of different lengths"
                    ));
                }
                Ok(Piece::Pick(options))
            }
            Some(("random", range)) => {
                let (lo, hi) = range
                    .split_once('-')
                    .ok_or_else(|| format!("{{{placeholder}}}: want LO-HI"))?;
                let (width, lo, hi) = (hi.len(), number(lo)?, number(hi)?);
                if lo > hi {
                    return Err(format!("{{{placeholder}}}: LO above HI"));
                }
                Ok(Piece::Random { lo, hi, width })
            }
            _ => Err(format!("unknown placeholder {{{placeholder}}}")),
        }
    }
}

fn push_padded(out: &mut String, value: u64, width: usize) {
    use std::fmt::Write;
    // Writing to a String cannot fail.
    let _ = write!(out, "{value:0width$}");
}

// ---------------------------------------------------------------------------------------------
// Flat lists.

pub(super) struct Vehicle {
    pub(super) make: &'static str,
    /// World manufacturer identifier: the VIN's first three characters.
    pub(super) wmi: &'static str,
    pub(super) models: Vec<&'static str>,
}

pub(super) fn vehicles() -> &'static [Vehicle] {
    static TABLE: OnceLock<Vec<Vehicle>> = OnceLock::new();
    TABLE.get_or_init(|| {
        rows("vehicles.tsv", VEHICLES_TSV, &["make", "wmi", "models"])
            .map(|(_, cells)| Vehicle {
                make: cells[0],
                wmi: cells[1],
                models: cells[2].split(',').collect(),
            })
            .collect()
    })
}

pub(super) fn first_names() -> &'static [&'static str] {
    static LIST: OnceLock<Vec<&'static str>> = OnceLock::new();
    LIST.get_or_init(|| column("first_names.tsv", FIRST_NAMES_TSV, "name"))
}

pub(super) fn hispanic_first_names() -> &'static [&'static str] {
    static LIST: OnceLock<Vec<&'static str>> = OnceLock::new();
    LIST.get_or_init(|| column("hispanic_first_names.tsv", HISPANIC_FIRST_NAMES_TSV, "name"))
}

pub(super) fn last_names() -> &'static [&'static str] {
    static LIST: OnceLock<Vec<&'static str>> = OnceLock::new();
    LIST.get_or_init(|| column("last_names.tsv", LAST_NAMES_TSV, "name"))
}

pub(super) fn hispanic_last_names() -> &'static [&'static str] {
    static LIST: OnceLock<Vec<&'static str>> = OnceLock::new();
    LIST.get_or_init(|| column("hispanic_last_names.tsv", HISPANIC_LAST_NAMES_TSV, "name"))
}

/// Street names without their suffix.
pub(super) fn streets() -> &'static [&'static str] {
    static LIST: OnceLock<Vec<&'static str>> = OnceLock::new();
    LIST.get_or_init(|| column("streets.tsv", STREETS_TSV, "street"))
}

/// USPS codes of the states where Spanish-preferring debtors are more common.
pub(super) fn spanish_heavy_states() -> &'static [&'static str] {
    static LIST: OnceLock<Vec<&'static str>> = OnceLock::new();
    LIST.get_or_init(|| {
        column(
            "spanish_heavy_states.tsv",
            SPANISH_HEAVY_STATES_TSV,
            "state",
        )
    })
}

// ---------------------------------------------------------------------------------------------
// States and cities.

pub(super) struct State {
    /// USPS code.
    pub(super) code: &'static str,
    /// Population in units of 100k.
    pub(super) weight: u64,
    pub(super) cities: Vec<City>,
}

pub(super) struct City {
    pub(super) name: &'static str,
    /// IANA time zone.
    pub(super) zone: &'static str,
    /// First three ZIP digits (the sectional center), so postal codes match the state.
    pub(super) zip3: u16,
    /// Local area codes, all in the city's time zone.
    pub(super) areas: Vec<u16>,
    pub(super) weight: u64,
}

/// In the file's order; a state's cities in the order of its rows.
pub(super) fn states() -> &'static [State] {
    static TABLE: OnceLock<Vec<State>> = OnceLock::new();
    TABLE.get_or_init(|| parse_states(STATES_TSV))
}

const STATES_HEADER: [&str; 7] = [
    "state",
    "state_weight",
    "city",
    "zone",
    "zip3",
    "area_codes",
    "city_weight",
];

fn parse_states(tsv: &'static str) -> Vec<State> {
    const FILE: &str = "states.tsv";
    let mut states: Vec<State> = Vec::new();
    for (line, cells) in rows(FILE, tsv, &STATES_HEADER) {
        let &[code, state_weight, name, zone, zip3, areas, city_weight] = cells.as_slice() else {
            unreachable!("rows() checks the width of every row");
        };
        let state_weight = number(FILE, line, state_weight);
        let city = City {
            name,
            zone,
            zip3: number(FILE, line, zip3),
            areas: areas
                .split(',')
                .map(|area| number(FILE, line, area))
                .collect(),
            weight: number(FILE, line, city_weight),
        };
        match states.last_mut() {
            Some(state) if state.code == code => {
                assert_eq!(
                    state.weight, state_weight,
                    "{FILE}:{line}: {code} has another state_weight on an earlier row"
                );
                state.cities.push(city);
            }
            _ => {
                assert!(
                    states.iter().all(|state| state.code != code),
                    "{FILE}:{line}: the rows of {code} are not consecutive"
                );
                states.push(State {
                    code,
                    weight: state_weight,
                    cities: vec![city],
                });
            }
        }
    }
    states
}

// ---------------------------------------------------------------------------------------------
// TSV: `#` lines are comments, then a header row, then rows of as many tab-separated cells.

/// (line number, cells) of the rows past the comments and the header, which must be
/// `header`.
fn rows(
    file: &'static str,
    tsv: &'static str,
    header: &[&str],
) -> impl Iterator<Item = (usize, Vec<&'static str>)> {
    let mut lines = tsv
        .lines()
        .enumerate()
        .map(|(i, line)| (i + 1, line))
        .filter(|(_, line)| !line.starts_with('#') && !line.trim().is_empty());
    let found: Option<Vec<&str>> = lines.next().map(|(_, line)| line.split('\t').collect());
    assert_eq!(found.as_deref(), Some(header), "{file}: header row");
    let width = header.len();
    lines.map(move |(line, text)| {
        let cells: Vec<&'static str> = text.split('\t').collect();
        assert_eq!(
            cells.len(),
            width,
            "{file}:{line}: {} tab-separated cells, want {width}",
            cells.len()
        );
        (line, cells)
    })
}

/// The one column of a list file.
fn column(file: &'static str, tsv: &'static str, header: &str) -> Vec<&'static str> {
    rows(file, tsv, std::slice::from_ref(&header))
        .map(|(_, cells)| cells[0])
        .collect()
}

fn number<T: std::str::FromStr>(file: &str, line: usize, text: &str) -> T {
    text.parse()
        .unwrap_or_else(|_| panic!("{file}:{line}: {text:?} is not a number"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    /// Every data file with its text.
    const FILES: &[(&str, &str)] = &[
        ("creditors.toml", CREDITORS_TOML),
        ("vehicles.tsv", VEHICLES_TSV),
        ("first_names.tsv", FIRST_NAMES_TSV),
        ("hispanic_first_names.tsv", HISPANIC_FIRST_NAMES_TSV),
        ("last_names.tsv", LAST_NAMES_TSV),
        ("hispanic_last_names.tsv", HISPANIC_LAST_NAMES_TSV),
        ("streets.tsv", STREETS_TSV),
        ("spanish_heavy_states.tsv", SPANISH_HEAVY_STATES_TSV),
        ("states.tsv", STATES_TSV),
    ];

    /// The inhabited territories: in `US_STATES`, never covered by the generator.
    const TERRITORIES: &[&str] = &["PR", "GU", "VI", "AS", "MP"];

    fn is_iana_zone(name: &str) -> bool {
        jiff::tz::TimeZone::get(name).is_ok()
    }

    /// A NANP area code: three digits, the first 2–9.
    fn is_area_code(code: u16) -> bool {
        (200..=999).contains(&code)
    }

    fn assert_unique<'a>(what: &str, items: impl IntoIterator<Item = &'a str>) {
        let mut seen = HashSet::new();
        for item in items {
            assert!(seen.insert(item), "{what}: {item:?} twice");
        }
    }

    /// Non-empty, no surrounding blanks, no tab or control character.
    fn assert_clean(what: &str, text: &str) {
        assert!(
            !text.is_empty() && text.trim() == text && !text.chars().any(char::is_control),
            "{what}: {text:?}"
        );
    }

    #[test]
    fn every_file_names_its_source_and_is_in_the_readme() {
        let readme = include_str!("../../data/generate/README.md");
        for (name, text) in FILES {
            let first = text.lines().next().unwrap_or("");
            assert!(first.starts_with("# source: "), "{name}: {first}");
            assert!(
                readme.contains(&format!("`{name}`")),
                "README misses {name}"
            );
        }
    }

    #[test]
    fn every_file_parses() {
        assert!(!creditors().is_empty());
        assert!(!vehicles().is_empty());
        assert!(!states().is_empty());
        for list in [
            first_names(),
            hispanic_first_names(),
            last_names(),
            hispanic_last_names(),
            streets(),
            spanish_heavy_states(),
        ] {
            assert!(!list.is_empty());
        }
    }

    #[test]
    fn the_states_cover_every_state_and_dc() {
        let covered: HashSet<&str> = states().iter().map(|state| state.code).collect();
        for code in domain::party::US_STATES {
            assert_eq!(
                covered.contains(code),
                !TERRITORIES.contains(code),
                "{code}: every state and DC, no territory"
            );
        }
        for code in &covered {
            assert!(
                domain::party::US_STATES.contains(code),
                "{code}: not a USPS code"
            );
        }
        assert_eq!(states().len(), 51);
        assert_unique("state", states().iter().map(|state| state.code));
    }

    #[test]
    fn the_cities_are_well_formed() {
        for state in states() {
            let code = state.code;
            assert!(state.weight > 0, "{code}");
            assert!(!state.cities.is_empty(), "{code}");
            assert_unique(code, state.cities.iter().map(|city| city.name));
            // The tz database's zones of the state (compliance's table): a consumer's zone
            // follows from their address there, so the generator must not disagree.
            let state_zones = compliance::zones::zones_of_state(code);
            for city in &state.cities {
                let what = format!("{code} {}", city.name);
                assert_clean(&what, city.name);
                assert!(city.weight > 0, "{what}");
                assert!(is_iana_zone(city.zone), "{what}: {}", city.zone);
                assert!(state_zones.contains(&city.zone), "{what}: {}", city.zone);
                assert!((1..=999).contains(&city.zip3), "{what}: zip3 {}", city.zip3);
                assert!(!city.areas.is_empty(), "{what}");
                for &area in &city.areas {
                    assert!(is_area_code(area), "{what}: area code {area}");
                    // A geographic area code, as libphonenumber knows them.
                    let area = area.to_string();
                    let area_zones = compliance::zones::zones_of_area_code(&area);
                    assert!(!area_zones.is_empty(), "{what}: area code {area}");
                }
            }
        }
    }

    #[test]
    fn the_files_write_numbers_at_their_width() {
        // The parsed numbers lose leading zeros: the file keeps them (zip3 `061`).
        for (line, cells) in rows("states.tsv", STATES_TSV, &STATES_HEADER) {
            let (zip3, areas) = (cells[4], cells[5]);
            assert!(
                zip3.len() == 3 && zip3.bytes().all(|b| b.is_ascii_digit()),
                "states.tsv:{line}: zip3 {zip3:?}"
            );
            for area in areas.split(',') {
                assert!(
                    area.len() == 3 && area.bytes().all(|b| b.is_ascii_digit()),
                    "states.tsv:{line}: area code {area:?}"
                );
            }
        }
    }

    #[test]
    fn the_spanish_heavy_states_are_covered_states() {
        assert_unique(
            "spanish_heavy_states",
            spanish_heavy_states().iter().copied(),
        );
        for code in spanish_heavy_states() {
            assert!(states().iter().any(|state| state.code == *code), "{code}");
        }
    }

    #[test]
    fn names_and_streets_are_clean_and_unique() {
        for (what, list) in [
            ("first_names", first_names()),
            ("hispanic_first_names", hispanic_first_names()),
            ("last_names", last_names()),
            ("hispanic_last_names", hispanic_last_names()),
            ("streets", streets()),
        ] {
            assert_unique(what, list.iter().copied());
            for item in list {
                assert_clean(what, item);
            }
        }
        // Emails are built from names: each must keep some ASCII letter once folded.
        for list in [
            first_names(),
            hispanic_first_names(),
            last_names(),
            hispanic_last_names(),
        ] {
            for name in list {
                let slug = crate::generate::ascii_slug(name);
                assert!(
                    slug.chars().any(|c| c.is_ascii_lowercase()),
                    "{name}: {slug:?}"
                );
                // No letter was dropped for want of a folding.
                let letters = name.chars().filter(|c| c.is_alphabetic()).count();
                assert_eq!(slug.len(), letters, "{name}: {slug:?}");
            }
        }
    }

    #[test]
    fn the_vehicles_are_well_formed() {
        assert_unique("make", vehicles().iter().map(|vehicle| vehicle.make));
        for vehicle in vehicles() {
            let make = vehicle.make;
            assert_clean("make", make);
            // Three VIN characters: digits and capitals other than I, O and Q.
            assert!(
                vehicle.wmi.len() == 3
                    && vehicle
                        .wmi
                        .bytes()
                        .all(|b| b.is_ascii_digit()
                            || (b.is_ascii_uppercase() && !b"IOQ".contains(&b))),
                "{make}: WMI {}",
                vehicle.wmi
            );
            assert!(!vehicle.models.is_empty(), "{make}");
            assert_unique(make, vehicle.models.iter().copied());
            for model in &vehicle.models {
                assert_clean(make, model);
            }
        }
    }

    #[test]
    fn the_creditors_are_well_formed() {
        let codes: Vec<&str> = creditors().iter().map(|c| c.code.as_str()).collect();
        let mut sorted = codes.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(codes, sorted, "sorted by code, each once");
        for creditor in creditors() {
            let code = &creditor.code;
            assert!(
                !code.is_empty() && code.bytes().all(|b| b.is_ascii_uppercase()),
                "{code}"
            );
            assert!(creditor.weight > 0, "{code}");
            assert!(!creditor.products.is_empty(), "{code}");
            let mut products = Vec::new();
            for offer in &creditor.products {
                assert!(
                    !products.contains(&offer.product),
                    "{code}: a product twice"
                );
                products.push(offer.product);
                assert!(offer.weight > 0, "{code}");
                for name in &offer.original_creditors {
                    assert_clean(code, name);
                }
            }
        }
    }

    #[test]
    fn bad_data_is_refused() {
        for template in [
            "AF-",
            "{n:7}{n:7}",
            "X{n:0}",
            "X{n:seven}",
            "{n:7",
            "n:7}",
            "{n:7}{nope}",
            "{pick:12|123}{n:7}",
            "{pick:}{n:7}",
            "{pick:1||2}{n:7}",
            "{random:9-1}{n:7}",
            "{random:19}{n:7}",
        ] {
            assert!(
                Template::parse(template, RefKind::Account).is_err(),
                "{template}"
            );
        }
        assert!(Template::parse("H{yy}{n:8}", RefKind::Account).is_ok());
        assert!(Template::parse("H{yy}{n:8}", RefKind::Debtor).is_err());
        let bad_state = |tsv: &'static str| std::panic::catch_unwind(|| parse_states(tsv));
        let header = "state\tstate_weight\tcity\tzone\tzip3\tarea_codes\tcity_weight\n";
        let ok = "AL\t51\tBirmingham\tAmerica/Chicago\t352\t205\t4\n";
        assert!(bad_state(format!("{header}{ok}").leak()).is_ok());
        for rows in [
            "AL\t51\tBirmingham\tAmerica/Chicago\t352\t205\n",
            "AL\t51\tBirmingham\tAmerica/Chicago\t352\t2O5\t4\n",
            "AL\t51\tBirmingham\tAmerica/Chicago\t352\t205\t4\nAL\t52\tMobile\tAmerica/Chicago\t366\t251\t2\n",
            "AL\t51\tBirmingham\tAmerica/Chicago\t352\t205\t4\nAK\t7\tJuneau\tAmerica/Juneau\t998\t907\t2\nAL\t51\tMobile\tAmerica/Chicago\t366\t251\t2\n",
        ] {
            assert!(
                bad_state(format!("{header}{rows}").leak()).is_err(),
                "{rows}"
            );
        }
        assert!(bad_state(ok).is_err(), "no header");
        assert!(std::panic::catch_unwind(|| parse_creditors("[[creditor]]\ncode = 1\n")).is_err());
    }

    #[test]
    fn templates_render_like_the_formats_they_write() {
        let render = |template: &str, seed: u64, n: u64, year: i64| {
            let template = Template::parse(template, RefKind::Account).unwrap();
            template.render(&mut Rng::new(seed), n, Some(year))
        };
        assert_eq!(render("AFC{n:7}", 0, 42, 2025), "AFC0000042");
        assert_eq!(render("H{yy}{n:8}", 0, 7, 2009), "H0900000007");
        // The Luhn digit of the digits before it only: "000000001" has check digit 8.
        assert_eq!(render("C{n:9}{luhn}", 0, 1, 2025), "C0000000018");
        assert_eq!(
            render("{pick:400012}{n:9}{luhn}", 0, 0, 2025),
            "4000120000000008"
        );
        for seed in 0..50 {
            let mut rng = Rng::new(seed);
            let expected = format!(
                "{:03}-{:07}-{:02}",
                rng.range(100, 999),
                seed,
                rng.range(1, 99)
            );
            let got = render("{random:100-999}-{n:7}-{random:01-99}", seed, seed, 2025);
            assert_eq!(got, expected);
            let mut rng = Rng::new(seed);
            let bin = *rng.pick(&["400012", "414709"]);
            let got = render("{pick:400012|414709}{n:9}", seed, 5, 2025);
            assert_eq!(got, format!("{bin}000000005"));
        }
    }
}
