//! Deterministic synthetic placement file generator.
//!
//! Writes the CSV a creditor sends when it places debts with a collection agency, for demos,
//! tests and the import benchmark. The output is a pure function of [`GeneratorConfig`]: a
//! single seeded PRNG stream drives every choice and only integer arithmetic is used (amounts
//! are integer cents, dates are day numbers), so the bytes are identical on every platform.
//! Rows are generated and written one at a time, so memory stays constant at any size.
//! The tables it draws from (creditors and their reference formats, names, streets, states
//! and cities, vehicles) are data files compiled in: `data/generate/`, read by
//! `generate/tables.rs`.

// Money literals are written as dollars_cents (`25_000_00` is $25,000.00).
#![allow(clippy::inconsistent_digit_grouping)]

mod tables;

use std::io::Write;

use tables::{City, Creditor, Offer, State};

/// What to generate. Output is a pure function of these fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GeneratorConfig {
    pub accounts: u64,
    pub seed: u64,
    /// Business date the portfolio is "as of": delinquency, charge-off, itemization and
    /// last-payment dates are all on or before it.
    pub as_of: jiff::civil::Date,
}

/// What was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenerateSummary {
    /// Data rows written (always `config.accounts`).
    pub accounts: u64,
    /// Distinct (creditor, debtor_ref) pairs.
    pub debtors: u64,
    /// Codes of the creditors that appear in the file, sorted.
    pub creditors: Vec<String>,
}

/// The column names, in output order: the whole standard layout.
pub const PLACEMENT_COLUMNS: &[&str] = crate::mapping::PLACEMENT_FIELDS;

/// Writes a header row and `accounts` data rows of the standard placement layout.
pub fn write_placements<W: Write>(
    config: &GeneratorConfig,
    out: W,
) -> Result<GenerateSummary, csv::Error> {
    let mut rows = Rows::new(out);
    rows.csv.write_record(PLACEMENT_COLUMNS)?;
    let mut rng = Rng::new(config.seed);
    let as_of = day_number(config.as_of);
    let creditors = tables::creditors();
    // The first debtors go to the creditors in a seeded order, one account each, so any file
    // with a row per creditor shows every creditor; after that creditors are weighted.
    let opening = rng.permutation(creditors.len());
    let mut debtor_counters = vec![0u64; creditors.len()];
    let mut account_counters = vec![0u64; creditors.len()];
    let (mut written, mut debtors) = (0u64, 0u64);
    while written < config.accounts {
        let (ci, group) = match opening.get(debtors as usize) {
            Some(&c) => (c, 1),
            None => (
                rng.weighted_index(creditors, |c| c.weight),
                group_size(&mut rng),
            ),
        };
        let creditor = &creditors[ci];
        debtor_counters[ci] += 1;
        let debtor = make_debtor(&mut rng, creditor, debtor_counters[ci], as_of);
        let group = group.min(config.accounts - written);
        for _ in 0..group {
            account_counters[ci] += 1;
            let account = make_account(&mut rng, creditor, account_counters[ci], as_of);
            rows.write(creditor, &debtor, &account)?;
        }
        written += group;
        debtors += 1;
    }
    rows.csv.flush()?;
    let creditors = creditors
        .iter()
        .zip(&debtor_counters)
        .filter(|(_, debtors)| **debtors > 0)
        .map(|(c, _)| c.code.clone())
        .collect();
    Ok(GenerateSummary {
        accounts: written,
        debtors,
        creditors,
    })
}

/// ~15% of debtors owe the same creditor on 2–3 accounts.
fn group_size(rng: &mut Rng) -> u64 {
    if !rng.chance(150) {
        1
    } else if rng.chance(700) {
        2
    } else {
        3
    }
}

// ---------------------------------------------------------------------------------------------
// PRNG: SplitMix64 expands the seed into xoshiro256** state. Hand-written so the stream can
// never change under us with a dependency upgrade.

struct Rng {
    s: [u64; 4],
}

impl Rng {
    fn new(seed: u64) -> Self {
        let mut x = seed;
        let mut splitmix = || {
            x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = x;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        };
        Rng {
            s: [splitmix(), splitmix(), splitmix(), splitmix()],
        }
    }

    fn next_u64(&mut self) -> u64 {
        let s = &mut self.s;
        let result = s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }

    /// Uniform-enough value in `0..n` (0 when n is 0); multiply-shift avoids a rejection loop.
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Inclusive range; callers keep `hi - lo` far below `u64::MAX`.
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        if hi <= lo {
            lo
        } else {
            lo + self.below(hi - lo + 1)
        }
    }

    fn chance(&mut self, per_mille: u64) -> bool {
        self.below(1000) < per_mille
    }

    /// Tables passed here are non-empty constants.
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    fn weighted<'a, T>(&mut self, items: &'a [T], weight: impl Fn(&T) -> u64) -> &'a T {
        &items[self.weighted_index(items, weight)]
    }

    /// Index of an item drawn with probability proportional to its weight.
    fn weighted_index<T>(&mut self, items: &[T], weight: impl Fn(&T) -> u64) -> usize {
        let total: u64 = items.iter().map(&weight).sum();
        let mut r = self.below(total);
        for (i, item) in items.iter().enumerate() {
            let w = weight(item);
            if r < w {
                return i;
            }
            r -= w;
        }
        items.len() - 1
    }

    /// `0..n` shuffled (Fisher–Yates from the end).
    fn permutation(&mut self, n: usize) -> Vec<usize> {
        let mut p: Vec<usize> = (0..n).collect();
        for i in (1..p.len()).rev() {
            let j = self.below(i as u64 + 1) as usize;
            p.swap(i, j);
        }
        p
    }
}

// ---------------------------------------------------------------------------------------------
// Dates as day numbers (days since 1970-01-01), via Howard Hinnant's civil algorithms: plain
// i64 arithmetic cannot fail or panic for any jiff date, unlike checked span arithmetic.

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

fn day_number(date: jiff::civil::Date) -> i64 {
    days_from_civil(date.year().into(), date.month().into(), date.day().into())
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Anniversary `years` later; Feb 29 falls back to Feb 28 like most statutes compute it.
fn add_years(day: i64, years: i64) -> i64 {
    let (y, m, d) = civil_from_days(day);
    days_from_civil(y + years, m, d.min(days_in_month(y + years, m)))
}

// ---------------------------------------------------------------------------------------------
// Products. The creditors, what they place and their reference formats are data
// (`data/generate/creditors.toml`, see `tables`).

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Product {
    CreditCard,
    PersonalLoan,
    AutoLoan,
    Mortgage,
    Utility,
    Telecom,
    Medical,
    Commercial,
    Other,
}

impl Product {
    const ALL: [Product; 9] = [
        Product::CreditCard,
        Product::PersonalLoan,
        Product::AutoLoan,
        Product::Mortgage,
        Product::Utility,
        Product::Telecom,
        Product::Medical,
        Product::Commercial,
        Product::Other,
    ];

    fn parse(code: &str) -> Option<Product> {
        Product::ALL.into_iter().find(|p| p.as_str() == code)
    }

    fn as_str(self) -> &'static str {
        match self {
            Product::CreditCard => "credit_card",
            Product::PersonalLoan => "personal_loan",
            Product::AutoLoan => "auto_loan",
            Product::Mortgage => "mortgage",
            Product::Utility => "utility",
            Product::Telecom => "telecom",
            Product::Medical => "medical",
            Product::Commercial => "commercial",
            Product::Other => "other",
        }
    }

    /// Balance range in cents at itemization.
    fn balance_range(self) -> (u64, u64) {
        match self {
            Product::CreditCard => (250_00, 25_000_00),
            Product::PersonalLoan => (1_000_00, 35_000_00),
            Product::AutoLoan => (1_500_00, 30_000_00),
            Product::Mortgage => (5_000_00, 150_000_00),
            Product::Utility => (40_00, 2_500_00),
            Product::Telecom => (30_00, 1_800_00),
            Product::Medical => (50_00, 15_000_00),
            Product::Commercial => (2_000_00, 75_000_00),
            Product::Other => (25_00, 3_000_00),
        }
    }

    /// Contractual APR range in basis points; `None` for products that bear no interest.
    fn apr_range(self) -> Option<(u64, u64)> {
        match self {
            Product::CreditCard => Some((1800, 2999)),
            Product::PersonalLoan => Some((600, 2500)),
            Product::AutoLoan => Some((500, 2200)),
            Product::Mortgage => Some((500, 800)),
            Product::Commercial => Some((700, 1800)),
            _ => None,
        }
    }

    /// Days from delinquency to charge-off (FFIEC policy: 180 open-end, 120 closed-end).
    fn charge_off_after(self) -> Option<i64> {
        match self {
            Product::CreditCard => Some(180),
            Product::PersonalLoan | Product::AutoLoan => Some(120),
            _ => None,
        }
    }

    /// Monthly late fee range in cents, for products that charge one.
    fn late_fee(self) -> Option<(u64, u64)> {
        match self {
            Product::CreditCard | Product::PersonalLoan | Product::AutoLoan => Some((25_00, 39_00)),
            Product::Utility | Product::Telecom => Some((5_00, 15_00)),
            _ => None,
        }
    }
}

/// Names the original creditor on some accounts, when the creditor's data names any.
fn original_creditor(rng: &mut Rng, offer: &'static Offer) -> Option<&'static str> {
    if offer.original_creditors.is_empty() || !rng.chance(250) {
        return None;
    }
    Some(rng.pick(&offer.original_creditors).as_str())
}

/// Luhn check digit, so card-like and customer numbers pass the checks real systems apply.
fn luhn_digit(digits: &str) -> u32 {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b.wrapping_sub(b'0')) % 10;
            if i % 2 == 0 {
                (d * 2) % 10 + (d * 2) / 10
            } else {
                d
            }
        })
        .sum();
    (10 - sum % 10) % 10
}

// ---------------------------------------------------------------------------------------------
// Accounts.

struct Itemization {
    date: i64,
    balance: u64,
    interest: u64,
    fees: u64,
    payments: u64,
    credits: u64,
}

struct Account {
    account_ref: String,
    product: Product,
    original_creditor: Option<&'static str>,
    delinquent: i64,
    balance: u64,
    itemization: Option<Itemization>,
    /// principal, interest, fees
    breakdown: Option<[u64; 3]>,
    apr_bps: Option<u64>,
    charge_off: Option<i64>,
    last_payment: Option<(i64, u64)>,
    statute: i64,
    collateral: Option<String>,
    service_id: Option<String>,
}

fn make_account(rng: &mut Rng, creditor: &'static Creditor, n: u64, as_of: i64) -> Account {
    let offer = rng.weighted(&creditor.products, |p| p.weight);
    let product = offer.product;
    let age = delinquency_age(rng);
    let delinquent = as_of - age;
    let year = civil_from_days(delinquent).0;
    let apr_bps = apr(rng, product);
    let charge_off = product
        .charge_off_after()
        .map(|d| delinquent + d)
        .filter(|&d| d <= as_of);
    // Reg F lets the creditor itemize from charge-off or from the last statement; creditors
    // stop billing a few cycles after the first missed payment.
    let statement = delinquent + (age / 30).min(rng.range(0, 3) as i64) * 30;
    let opening = skewed(rng, product.balance_range());
    let (itemization, post_payment) = if rng.chance(800) {
        let date = charge_off.unwrap_or(statement);
        let (it, paid) = itemize(
            rng,
            product,
            apr_bps,
            date,
            charge_off.is_some(),
            opening,
            as_of,
        );
        (Some(it), paid)
    } else {
        (None, None)
    };
    let balance = itemization.as_ref().map_or(opening, |i| {
        i.balance + i.interest + i.fees - i.payments - i.credits
    });
    let breakdown = rng
        .chance(700)
        .then(|| split_balance(rng, product, apr_bps, balance));
    let last_payment = post_payment.or_else(|| prior_payment(rng, delinquent, balance));
    Account {
        account_ref: offer.account_ref.render(rng, n, Some(year)),
        product,
        original_creditor: original_creditor(rng, offer),
        delinquent,
        balance,
        itemization,
        breakdown,
        apr_bps,
        charge_off,
        last_payment,
        statute: add_years(delinquent, rng.range(3, 6) as i64),
        collateral: (product == Product::AutoLoan).then(|| vehicle(rng, year)),
        service_id: service_id(rng, product),
    }
}

/// Days since delinquency: agencies mostly receive young debt, with a long tail of old paper.
fn delinquency_age(rng: &mut Rng) -> i64 {
    let (lo, hi) = match rng.below(100) {
        0..=9 => (10, 29),
        10..=64 => (30, 180),
        65..=84 => (181, 540),
        _ => (541, 1500),
    };
    rng.range(lo, hi) as i64
}

/// `lo + span·u²`: most balances are small, a few are large.
fn skewed(rng: &mut Rng, (lo, hi): (u64, u64)) -> u64 {
    let u = rng.below(1_000_001);
    let span = u128::from(hi.saturating_sub(lo));
    lo + (span * u128::from(u * u) / 1_000_000_000_000) as u64
}

fn apr(rng: &mut Rng, product: Product) -> Option<u64> {
    if rng.chance(80) {
        return None; // creditors often leave the rate out
    }
    Some(product.apr_range().map_or(0, |(lo, hi)| rng.range(lo, hi)))
}

/// Builds the Reg F itemization; also returns the last payment if one was made since.
/// Payments and credits are capped so the current balance stays at least $1.00.
fn itemize(
    rng: &mut Rng,
    product: Product,
    apr_bps: Option<u64>,
    date: i64,
    charged_off: bool,
    opening: u64,
    as_of: i64,
) -> (Itemization, Option<(i64, u64)>) {
    let days = (as_of - date).max(0) as u64;
    // Issuers usually stop accruing after charge-off.
    let accrues = rng.chance(if charged_off { 300 } else { 850 });
    let interest = match apr_bps {
        Some(a) if accrues => opening * a * days / 3_650_000,
        _ => 0,
    };
    let fees = match product.late_fee() {
        Some(range) if !charged_off && rng.chance(350) => {
            (days / 30).min(6) * rng.range(range.0, range.1)
        }
        _ => 0,
    };
    let total = opening + interest + fees;
    let mut last = None;
    let mut payments = 0;
    if days >= 2 && total >= 50_00 && rng.chance(100) {
        payments = rng.range(25_00, (total / 2).min(2_000_00));
        let count = rng.range(1, 3);
        let last_amount = payments - (count - 1) * (payments / count);
        last = Some((date + rng.range(1, days) as i64, last_amount));
    }
    let remaining = total - payments;
    let credits = if remaining >= 20_00 && rng.chance(40) {
        rng.range(5_00, (remaining / 4).min(150_00))
    } else {
        0
    };
    let it = Itemization {
        date,
        balance: opening,
        interest,
        fees,
        payments,
        credits,
    };
    (it, last)
}

/// principal + interest + fees == balance exactly; principal keeps at least ~73%.
fn split_balance(rng: &mut Rng, product: Product, apr_bps: Option<u64>, balance: u64) -> [u64; 3] {
    let bears = apr_bps.map_or(product.apr_range().is_some(), |a| a > 0);
    let interest = if bears {
        balance * rng.below(221) / 1000
    } else {
        0
    };
    let fees = if product.late_fee().is_some() && rng.chance(500) {
        balance * rng.below(51) / 1000
    } else {
        0
    };
    [balance - interest - fees, interest, fees]
}

/// The last payment before the account went delinquent (the usual case), if known.
fn prior_payment(rng: &mut Rng, delinquent: i64, balance: u64) -> Option<(i64, u64)> {
    if !rng.chance(650) {
        return None;
    }
    let date = delinquent - rng.range(15, 90) as i64;
    let amount = (balance * rng.range(2, 6) / 100).max(25_00);
    Some((date, amount))
}

/// e.g. "2017 Honda Civic VIN 2HGFC2F59HH512345"; the car predates the default.
fn vehicle(rng: &mut Rng, delinquent_year: i64) -> String {
    let vehicle = rng.pick(tables::vehicles());
    let model = rng.pick(&vehicle.models);
    let year = delinquent_year - rng.range(1, 9) as i64;
    let make = vehicle.make;
    format!("{year} {make} {model} VIN {}", vin(rng, vehicle.wmi, year))
}

/// A structurally valid VIN: WMI, random VDS, real check digit, model-year code, plant, serial.
fn vin(rng: &mut Rng, wmi: &str, year: i64) -> String {
    const ALNUM: &[u8] = b"0123456789ABCDEFGHJKLMNPRSTUVWXYZ"; // VINs never use I, O, Q
    const YEAR_CODES: &[u8] = b"ABCDEFGHJKLMNPRSTVWXY123456789"; // 30-year cycle from 1980
    const WEIGHTS: [u32; 17] = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2];
    let mut v = [b'0'; 17];
    for (slot, b) in v.iter_mut().zip(wmi.bytes()) {
        *slot = b;
    }
    for slot in &mut v[3..8] {
        *slot = *rng.pick(ALNUM);
    }
    v[9] = YEAR_CODES[(year - 1980).rem_euclid(30) as usize];
    v[10] = *rng.pick(ALNUM);
    for slot in &mut v[11..] {
        *slot = b'0' + rng.below(10) as u8;
    }
    let sum: u32 = v.iter().zip(WEIGHTS).map(|(&c, w)| vin_value(c) * w).sum();
    v[8] = match sum % 11 {
        10 => b'X',
        r => b'0' + r as u8,
    };
    v.iter().map(|&b| char::from(b)).collect()
}

/// VIN transliteration (ISO 3779): letters map to 1–9, skipping I, O, Q.
fn vin_value(c: u8) -> u32 {
    match c {
        b'0'..=b'9' => u32::from(c - b'0'),
        b'A'..=b'H' => u32::from(c - b'A') + 1,
        b'J'..=b'N' => u32::from(c - b'J') + 1,
        b'P' => 7,
        b'R' => 9,
        b'S'..=b'Z' => u32::from(c - b'S') + 2,
        _ => 0,
    }
}

fn service_id(rng: &mut Rng, product: Product) -> Option<String> {
    match product {
        Product::Utility => {
            let meter = rng.pick(&["EM", "GM", "WM"]); // electric, gas, water meter
            Some(format!("{meter}-{}", rng.range(10_000_000, 99_999_999)))
        }
        Product::Telecom => Some(format!("SVC-{:09}", rng.range(1, 999_999_999))),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// Debtors.

#[derive(Clone, Copy, PartialEq, Eq)]
struct Phone {
    area: u16,
    exchange: u16,
    line: u16,
}

struct Debtor {
    debtor_ref: String,
    first: &'static str,
    last: &'static str,
    dob: Option<i64>,
    ssn4: Option<u64>,
    line1: String,
    line2: Option<String>,
    state: &'static State,
    city: &'static City,
    postal: String,
    /// home, mobile, work
    phones: [Option<Phone>; 3],
    phone_style: u64,
    email: Option<String>,
    language: &'static str,
    time_zone: Option<&'static str>,
}

/// Every state gets at least this weight so small states still appear in modest files.
const STATE_FLOOR: u64 = 30;

fn make_debtor(rng: &mut Rng, creditor: &Creditor, n: u64, as_of: i64) -> Debtor {
    let state = rng.weighted(tables::states(), |s| s.weight.max(STATE_FLOOR));
    let city = rng.weighted(&state.cities, |c| c.weight);
    let spanish = rng.chance(if tables::spanish_heavy_states().contains(&state.code) {
        250
    } else {
        70
    });
    let hispanic = rng.chance(if spanish { 900 } else { 120 });
    let (firsts, lasts) = if hispanic {
        (
            tables::hispanic_first_names(),
            tables::hispanic_last_names(),
        )
    } else {
        (tables::first_names(), tables::last_names())
    };
    let (first, last) = (*rng.pick(firsts), *rng.pick(lasts));
    // An empty language means English to the importer, so only English speakers get one.
    let language = if spanish {
        "es"
    } else if rng.chance(115) {
        ""
    } else {
        "en"
    };
    let dob = rng.chance(900).then(|| birth_date(rng, as_of));
    let ssn4 = rng.chance(900).then(|| rng.range(1, 9999));
    let (line1, line2) = street_address(rng);
    let postal = format!("{:03}{:02}", city.zip3, rng.range(1, 98));
    let phones = phones(rng, city);
    let phone_style = rng.below(3);
    let email = rng.chance(550).then(|| email(rng, first, last, dob));
    Debtor {
        debtor_ref: creditor.debtor_ref.render(rng, n, None),
        first,
        last,
        dob,
        ssn4,
        line1,
        line2,
        state,
        city,
        postal,
        phones,
        phone_style,
        email,
        language,
        time_zone: rng.chance(600).then_some(city.zone),
    }
}

/// Ages 21–85 on the as-of date (born 1940–2004 for a 2025 portfolio).
fn birth_date(rng: &mut Rng, as_of: i64) -> i64 {
    let year = civil_from_days(as_of).0 - rng.range(21, 85) as i64;
    let month = rng.range(1, 12) as i64;
    let day = rng.range(1, days_in_month(year, month) as u64) as i64;
    days_from_civil(year, month, day)
}

fn street_address(rng: &mut Rng) -> (String, Option<String>) {
    if rng.chance(30) {
        return (format!("PO Box {}", rng.range(1, 9999)), None);
    }
    let number = if rng.chance(700) {
        rng.range(100, 9999)
    } else {
        rng.range(1, 24_999)
    };
    let dir = if rng.chance(150) {
        *rng.pick(&["N ", "S ", "E ", "W "])
    } else {
        ""
    };
    let street = rng.pick(tables::streets());
    let suffix = rng.pick(&[
        "St", "Ave", "Rd", "Dr", "Ln", "Blvd", "Ct", "Way", "Pl", "Pkwy",
    ]);
    let line1 = format!("{number} {dir}{street} {suffix}");
    let line2 = match rng.below(1000) {
        0..=99 => Some(format!("Apt {}", rng.range(1, 450))),
        100..=139 => Some(format!(
            "Apt {}{}",
            rng.range(1, 12),
            char::from(b'A' + rng.below(6) as u8)
        )),
        140..=179 => Some(format!("Unit {}", rng.range(1, 80))),
        _ => None,
    };
    (line1, line2)
}

/// Home ~60%, mobile ~80%, work ~25%; the kinds of one debtor never share a number.
fn phones(rng: &mut Rng, city: &City) -> [Option<Phone>; 3] {
    let mut out = [None; 3];
    for (i, per_mille) in [600, 800, 250].into_iter().enumerate() {
        if !rng.chance(per_mille) {
            continue;
        }
        let mut phone = Phone {
            area: *rng.pick(&city.areas),
            exchange: exchange(rng),
            line: rng.below(10_000) as u16,
        };
        while out[..i].contains(&Some(phone)) {
            phone.line = (phone.line + 1) % 10_000;
        }
        out[i] = Some(phone);
    }
    out
}

/// NANP central-office code 200–999, never N11 (service codes) nor 555 (directory/fiction).
fn exchange(rng: &mut Rng) -> u16 {
    let e = rng.range(200, 999) as u16;
    if e % 100 == 11 || e == 555 { e + 1 } else { e }
}

/// Reserved example domains only, so demo data can never reach a real mailbox.
fn email(rng: &mut Rng, first: &str, last: &str, dob: Option<i64>) -> String {
    let (f, l) = (ascii_slug(first), ascii_slug(last));
    let yy = dob.map_or_else(
        || rng.range(1, 99) as i64,
        |d| civil_from_days(d).0.rem_euclid(100),
    );
    let local = match rng.below(4) {
        0 => format!("{f}.{l}{yy:02}"),
        1 => format!(
            "{}{l}{}",
            f.chars().next().unwrap_or('x'),
            rng.range(1, 999)
        ),
        2 => format!("{f}_{l}"),
        _ => format!("{l}.{f}{}", rng.range(1, 99)),
    };
    let domain = rng
        .weighted(
            &[
                ("example.com", 60),
                ("example.net", 25),
                ("example.org", 15),
            ],
            |d| d.1,
        )
        .0;
    format!("{local}@{domain}")
}

/// Lowercase ASCII letters and digits only: accents folded, apostrophes and spaces dropped.
fn ascii_slug(name: &str) -> String {
    name.chars()
        .filter_map(|c| {
            let folded = match c {
                'á' | 'à' | 'ä' | 'â' | 'Á' => 'a',
                'é' | 'è' | 'ë' | 'ê' | 'É' => 'e',
                'í' | 'ì' | 'ï' | 'î' | 'Í' => 'i',
                'ó' | 'ò' | 'ö' | 'ô' | 'Ó' => 'o',
                'ú' | 'ù' | 'ü' | 'û' | 'Ú' => 'u',
                'ñ' | 'Ñ' => 'n',
                'ç' => 'c',
                c => c,
            };
            folded
                .is_ascii_alphanumeric()
                .then(|| folded.to_ascii_lowercase())
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Row output: fields go straight into the csv writer; one scratch buffer is reused for
// formatted values so a row costs no allocation of its own.

struct Rows<W: Write> {
    csv: csv::Writer<W>,
    scratch: Vec<u8>,
}

impl<W: Write> Rows<W> {
    fn new(out: W) -> Self {
        Rows {
            csv: csv::Writer::from_writer(out),
            scratch: Vec::with_capacity(64),
        }
    }

    fn text(&mut self, s: &str) -> csv::Result<()> {
        self.csv.write_field(s)
    }

    /// Builds a field in the reused scratch buffer.
    fn built(&mut self, build: impl FnOnce(&mut Vec<u8>)) -> csv::Result<()> {
        self.scratch.clear();
        build(&mut self.scratch);
        self.csv.write_field(&self.scratch)
    }

    fn number(&mut self, value: Option<u64>, width: usize) -> csv::Result<()> {
        match value {
            Some(n) => self.built(|s| push_digits(s, n, width)),
            None => self.text(""),
        }
    }

    fn cents(&mut self, cents: Option<u64>) -> csv::Result<()> {
        match cents {
            Some(c) => self.built(|s| {
                push_digits(s, c / 100, 1);
                s.push(b'.');
                push_digits(s, c % 100, 2);
            }),
            None => self.text(""),
        }
    }

    fn date(&mut self, day: Option<i64>) -> csv::Result<()> {
        let Some(day) = day else {
            return self.text("");
        };
        let (y, m, d) = civil_from_days(day);
        self.built(|s| {
            if y < 0 {
                s.push(b'-');
            }
            push_digits(s, y.unsigned_abs(), 4);
            s.push(b'-');
            push_digits(s, m.unsigned_abs(), 2);
            s.push(b'-');
            push_digits(s, d.unsigned_abs(), 2);
        })
    }

    /// `(617) 555-0123`, `617-555-0123` or `6175550123`, by the debtor's style.
    fn phone(&mut self, phone: Option<Phone>, style: u64) -> csv::Result<()> {
        let Some(p) = phone else {
            return self.text("");
        };
        let (open, close, sep) = match style {
            0 => ("(", ") ", "-"),
            1 => ("", "-", "-"),
            _ => ("", "", ""),
        };
        self.built(|s| {
            s.extend_from_slice(open.as_bytes());
            push_digits(s, p.area.into(), 3);
            s.extend_from_slice(close.as_bytes());
            push_digits(s, p.exchange.into(), 3);
            s.extend_from_slice(sep.as_bytes());
            push_digits(s, p.line.into(), 4);
        })
    }

    fn write(
        &mut self,
        creditor: &Creditor,
        debtor: &Debtor,
        account: &Account,
    ) -> csv::Result<()> {
        self.text(&creditor.code)?;
        self.text(&account.account_ref)?;
        self.text(&debtor.debtor_ref)?;
        self.text(debtor.first)?;
        self.text(debtor.last)?;
        self.write_account(account)?;
        self.write_contact(debtor)?;
        self.csv.write_record(None::<&[u8]>)
    }

    fn write_account(&mut self, a: &Account) -> csv::Result<()> {
        self.cents(Some(a.balance))?;
        self.text("USD")?;
        self.date(Some(a.delinquent))?;
        self.text(a.product.as_str())?;
        self.text(a.original_creditor.unwrap_or(""))?;
        let it = a.itemization.as_ref();
        self.date(it.map(|i| i.date))?;
        self.cents(it.map(|i| i.balance))?;
        self.cents(it.map(|i| i.interest))?;
        self.cents(it.map(|i| i.fees))?;
        self.cents(it.map(|i| i.payments))?;
        self.cents(it.map(|i| i.credits))?;
        for part in 0..3 {
            self.cents(a.breakdown.map(|b| b[part]))?;
        }
        self.number(a.apr_bps, 1)?;
        self.date(a.charge_off)?;
        self.date(a.last_payment.map(|p| p.0))?;
        self.cents(a.last_payment.map(|p| p.1))?;
        self.date(Some(a.statute))?;
        self.text(a.collateral.as_deref().unwrap_or(""))?;
        self.text(a.service_id.as_deref().unwrap_or(""))
    }

    fn write_contact(&mut self, d: &Debtor) -> csv::Result<()> {
        self.date(d.dob)?;
        self.number(d.ssn4, 4)?;
        self.text(&d.line1)?;
        self.text(d.line2.as_deref().unwrap_or(""))?;
        self.text(d.city.name)?;
        self.text(d.state.code)?;
        self.text(&d.postal)?;
        self.text("US")?;
        for phone in d.phones {
            self.phone(phone, d.phone_style)?;
        }
        self.text(d.email.as_deref().unwrap_or(""))?;
        self.text(d.language)?;
        self.text(d.time_zone.unwrap_or(""))
    }
}

/// Appends `n` in decimal, zero-padded to `width`. Hand-rolled because `std::fmt` was the
/// largest cost in the million-row benchmark.
fn push_digits(out: &mut Vec<u8>, n: u64, width: usize) {
    let mut buf = [b'0'; 20];
    let mut i = buf.len();
    let mut rest = n;
    loop {
        i -= 1;
        buf[i] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    // The buffer is pre-filled with '0', so padding is just starting earlier.
    out.extend_from_slice(&buf[i.min(buf.len().saturating_sub(width))..]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{HashMap, HashSet};

    const AS_OF: jiff::civil::Date = jiff::civil::date(2025, 6, 30);

    fn generate(accounts: u64, seed: u64) -> (Vec<u8>, GenerateSummary) {
        let mut out = Vec::new();
        let config = GeneratorConfig {
            accounts,
            seed,
            as_of: AS_OF,
        };
        let summary = write_placements(&config, &mut out).expect("writing to a Vec succeeds");
        (out, summary)
    }

    fn parse(bytes: &[u8]) -> Vec<csv::StringRecord> {
        let mut reader = csv::Reader::from_reader(bytes);
        let header: Vec<String> = reader
            .headers()
            .expect("header")
            .iter()
            .map(str::to_string)
            .collect();
        assert_eq!(header, PLACEMENT_COLUMNS);
        reader
            .records()
            .map(|r| r.expect("well-formed row"))
            .collect()
    }

    fn col(name: &str) -> usize {
        PLACEMENT_COLUMNS
            .iter()
            .position(|c| *c == name)
            .expect("known column")
    }

    fn get<'a>(row: &'a csv::StringRecord, name: &str) -> &'a str {
        row.get(col(name)).expect("column present")
    }

    /// Parses "123.45" into cents, rejecting anything but digits, one dot and two decimals.
    fn cents(value: &str) -> u64 {
        let (whole, frac) = value.split_once('.').expect("amount has a dot");
        assert!(
            !whole.is_empty() && whole.bytes().all(|b| b.is_ascii_digit()),
            "{value}"
        );
        assert!(
            frac.len() == 2 && frac.bytes().all(|b| b.is_ascii_digit()),
            "{value}"
        );
        whole.parse::<u64>().unwrap() * 100 + frac.parse::<u64>().unwrap()
    }

    fn date(value: &str) -> jiff::civil::Date {
        assert_eq!(value.len(), 10, "{value}");
        value.parse().expect("YYYY-MM-DD")
    }

    fn state_areas(code: &str) -> HashSet<u16> {
        let state = tables::states()
            .iter()
            .find(|s| s.code == code)
            .expect("known state");
        state
            .cities
            .iter()
            .flat_map(|c| c.areas.iter().copied())
            .collect()
    }

    #[test]
    fn same_config_same_bytes_and_seed_matters() {
        let (a, _) = generate(2_000, 11);
        let (b, _) = generate(2_000, 11);
        let (c, _) = generate(2_000, 12);
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn zero_accounts_writes_only_the_header() {
        let (out, summary) = generate(0, 1);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            format!("{}\n", PLACEMENT_COLUMNS.join(","))
        );
        assert_eq!(
            summary,
            GenerateSummary {
                accounts: 0,
                debtors: 0,
                creditors: vec![]
            }
        );
    }

    #[test]
    fn small_files_show_every_creditor() {
        for seed in 0..20 {
            let (_, summary) = generate(5, seed);
            assert_eq!(
                summary.creditors,
                ["AUTOFIN", "CITYUTIL", "MERCYHOSP", "NBANK", "TELCOM"]
            );
        }
    }

    #[test]
    fn ten_thousand_rows_cover_the_portfolio() {
        let (out, summary) = generate(10_000, 2025);
        let rows = parse(&out);
        assert_eq!(rows.len(), 10_000);
        let states: HashSet<&str> = rows.iter().map(|r| get(r, "state")).collect();
        assert_eq!(states.len(), 51, "all 50 states plus DC");
        assert_eq!(states.len(), tables::states().len());
        let creditors: HashSet<&str> = rows.iter().map(|r| get(r, "creditor")).collect();
        assert_eq!(creditors.len(), 5);
        let languages: HashSet<&str> = rows.iter().map(|r| get(r, "language")).collect();
        assert!(languages.contains("en") && languages.contains("es") && languages.contains(""));
        assert!(rows.iter().any(|r| get(r, "time_zone").is_empty()));
        let products: HashSet<&str> = rows.iter().map(|r| get(r, "product")).collect();
        assert_eq!(products.len(), 9);
        let mut refs = HashSet::new();
        for r in &rows {
            assert!(
                refs.insert((get(r, "creditor"), get(r, "account_ref"))),
                "duplicate ref"
            );
        }
        let mut per_debtor: HashMap<(&str, &str), usize> = HashMap::new();
        for r in &rows {
            *per_debtor
                .entry((get(r, "creditor"), get(r, "debtor_ref")))
                .or_default() += 1;
        }
        assert!(
            per_debtor.values().any(|&n| n >= 2),
            "some multi-account debtors"
        );
        assert!(per_debtor.values().all(|&n| n <= 3));
        assert_eq!(summary.accounts, 10_000);
        assert_eq!(summary.debtors, per_debtor.len() as u64);
        let mut codes: Vec<&str> = creditors.into_iter().collect();
        codes.sort_unstable();
        assert_eq!(summary.creditors, codes);
    }

    #[test]
    fn multi_account_debtors_are_consecutive_and_consistent() {
        let (out, _) = generate(10_000, 99);
        let rows = parse(&out);
        let debtor_cols = [
            "first_name",
            "last_name",
            "date_of_birth",
            "ssn_last4",
            "address_line1",
            "address_line2",
            "city",
            "state",
            "postal_code",
            "phone_home",
            "phone_mobile",
            "phone_work",
            "email",
            "language",
            "time_zone",
        ];
        let key = |r: &csv::StringRecord| {
            (
                get(r, "creditor").to_string(),
                get(r, "debtor_ref").to_string(),
            )
        };
        let mut seen = HashSet::new();
        let mut previous: Option<&csv::StringRecord> = None;
        for r in &rows {
            match previous {
                Some(p) if key(p) == key(r) => {
                    for c in debtor_cols {
                        assert_eq!(get(p, c), get(r, c), "{c}");
                    }
                    assert_ne!(get(p, "account_ref"), get(r, "account_ref"));
                }
                _ => assert!(seen.insert(key(r)), "debtor rows are consecutive"),
            }
            previous = Some(r);
        }
    }

    #[test]
    fn every_row_obeys_the_field_rules() {
        let (out, _) = generate(10_000, 7);
        let mut zones: HashMap<String, bool> = HashMap::new();
        for r in parse(&out) {
            check_amounts(&r);
            check_dates(&r);
            check_product_fields(&r);
            check_contact(&r);
            let tz = get(&r, "time_zone");
            if !tz.is_empty() {
                let ok = *zones
                    .entry(tz.to_string())
                    .or_insert_with(|| jiff::tz::TimeZone::get(tz).is_ok());
                assert!(ok, "unknown zone {tz}");
            }
        }
    }

    fn check_amounts(r: &csv::StringRecord) {
        let balance = cents(get(r, "balance"));
        assert!(balance > 0);
        assert_eq!(get(r, "currency"), "USD");
        let opt = |name: &str| Some(get(r, name)).filter(|v| !v.is_empty()).map(cents);
        let parts: Vec<_> = ["principal", "interest", "fees"]
            .map(opt)
            .into_iter()
            .collect();
        match parts.as_slice() {
            [None, None, None] => {}
            [Some(p), Some(i), Some(f)] => assert_eq!(p + i + f, balance),
            other => panic!("partial breakdown {other:?}"),
        }
        let names = [
            "balance_at_itemization",
            "interest_since",
            "fees_since",
            "payments_since",
            "credits_since",
        ];
        let item: Vec<_> = names.map(opt).into_iter().collect();
        assert_eq!(get(r, "itemization_date").is_empty(), item[0].is_none());
        match item.as_slice() {
            [None, None, None, None, None] => {}
            [Some(b), Some(i), Some(f), Some(p), Some(c)] => assert_eq!(b + i + f - p - c, balance),
            other => panic!("partial itemization {other:?}"),
        }
        assert_eq!(
            get(r, "last_payment_date").is_empty(),
            opt("last_payment_amount").is_none()
        );
        let apr = get(r, "apr_bps");
        assert!(
            apr.is_empty() || apr.parse::<u32>().is_ok_and(|a| a <= 3600),
            "{apr}"
        );
    }

    fn check_dates(r: &csv::StringRecord) {
        let delinquent = date(get(r, "delinquent_since"));
        let age = (AS_OF - delinquent).get_days();
        assert!((10..=1500).contains(&age), "delinquency age {age}");
        for name in [
            "itemization_date",
            "charge_off_date",
            "last_payment_date",
            "date_of_birth",
        ] {
            let value = get(r, name);
            if !value.is_empty() {
                assert!(date(value) <= AS_OF, "{name} {value}");
            }
        }
        let item = get(r, "itemization_date");
        if !item.is_empty() {
            assert!(date(item) >= delinquent);
        }
        let statute = date(get(r, "statute_expires_on"));
        assert!(statute >= delinquent.saturating_add(jiff::Span::new().years(3)));
        assert!(statute <= delinquent.saturating_add(jiff::Span::new().years(6)));
        let dob = get(r, "date_of_birth");
        if !dob.is_empty() {
            assert!((1940..=2004).contains(&date(dob).year()), "{dob}");
        }
    }

    fn check_product_fields(r: &csv::StringRecord) {
        let product = get(r, "product");
        let known = [
            "credit_card",
            "personal_loan",
            "auto_loan",
            "mortgage",
            "utility",
            "telecom",
            "medical",
            "commercial",
            "other",
        ];
        assert!(known.contains(&product));
        let charge_off = get(r, "charge_off_date");
        if !charge_off.is_empty() {
            assert!(["credit_card", "personal_loan", "auto_loan"].contains(&product));
            assert!(date(charge_off) > date(get(r, "delinquent_since")));
        }
        assert_eq!(!get(r, "collateral").is_empty(), product == "auto_loan");
        assert_eq!(
            !get(r, "service_id").is_empty(),
            ["utility", "telecom"].contains(&product)
        );
        let apr = get(r, "apr_bps");
        if !apr.is_empty() && ["medical", "utility", "telecom"].contains(&product) {
            assert_eq!(apr, "0");
        }
        if !apr.is_empty() && product == "credit_card" {
            assert!((1800..=2999).contains(&apr.parse::<u32>().unwrap()));
        }
    }

    fn check_contact(r: &csv::StringRecord) {
        let state = get(r, "state");
        let areas = state_areas(state);
        let zip = get(r, "postal_code");
        assert!(zip.len() == 5 && zip.bytes().all(|b| b.is_ascii_digit()));
        let zip3: u16 = zip[..3].parse().unwrap();
        let st = tables::states().iter().find(|s| s.code == state).unwrap();
        assert!(
            st.cities
                .iter()
                .any(|c| c.zip3 == zip3 && c.name == get(r, "city"))
        );
        assert_eq!(get(r, "country"), "US");
        let ssn = get(r, "ssn_last4");
        assert!(ssn.is_empty() || (ssn.len() == 4 && ssn != "0000" && ssn.parse::<u16>().is_ok()));
        let mut numbers = HashSet::new();
        for kind in ["phone_home", "phone_mobile", "phone_work"] {
            let phone = get(r, kind);
            if phone.is_empty() {
                continue;
            }
            let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
            assert_eq!(digits.len(), 10, "{phone}");
            assert!(
                areas.contains(&digits[..3].parse().unwrap()),
                "{phone} not in {state}"
            );
            let exchange: u16 = digits[3..6].parse().unwrap();
            assert!(
                exchange >= 200 && exchange != 555 && exchange % 100 != 11,
                "{phone}"
            );
            assert!(numbers.insert(digits), "phone kinds differ");
        }
        let email = get(r, "email");
        if !email.is_empty() {
            let (local, domain) = email.split_once('@').unwrap();
            assert!(["example.com", "example.net", "example.org"].contains(&domain));
            assert!(
                local.bytes().all(|b| b.is_ascii_lowercase()
                    || b.is_ascii_digit()
                    || b == b'.'
                    || b == b'_')
            );
        }
        assert!(["", "en", "es"].contains(&get(r, "language")));
        let tz = get(r, "time_zone");
        if !tz.is_empty() {
            let city = st.cities.iter().find(|c| c.name == get(r, "city")).unwrap();
            assert_eq!(tz, city.zone);
        }
    }

    #[test]
    fn rates_are_roughly_as_specified() {
        let (out, _) = generate(10_000, 3);
        let rows = parse(&out);
        let share = |name: &str| {
            rows.iter().filter(|r| !get(r, name).is_empty()).count() as f64 / rows.len() as f64
        };
        let near = |name: &str, target: f64| {
            let s = share(name);
            assert!((s - target).abs() < 0.05, "{name}: {s}");
        };
        near("principal", 0.70);
        near("itemization_date", 0.80);
        near("time_zone", 0.60);
        near("email", 0.55);
        near("phone_home", 0.60);
        near("phone_mobile", 0.80);
        near("phone_work", 0.25);
        near("date_of_birth", 0.90);
        let es = rows.iter().filter(|r| get(r, "language") == "es").count() as f64 / 10_000.0;
        assert!((0.10..0.20).contains(&es), "es {es}");
        let names: HashSet<&str> = rows.iter().map(|r| get(r, "last_name")).collect();
        assert!(names.contains("Núñez") || names.contains("García"));
    }

    #[test]
    fn multi_zone_states_use_zone_specific_cities() {
        let (out, _) = generate(10_000, 5);
        let pairs: HashSet<(String, String)> = parse(&out)
            .iter()
            .map(|r| (get(r, "city").to_string(), get(r, "time_zone").to_string()))
            .collect();
        for (city, zone) in [
            ("El Paso", "America/Denver"),
            ("Pensacola", "America/Chicago"),
            ("Gary", "America/Chicago"),
        ] {
            assert!(
                pairs.contains(&(city.to_string(), zone.to_string())),
                "{city}"
            );
        }
        for st in tables::states() {
            for c in &st.cities {
                assert!(jiff::tz::TimeZone::get(c.zone).is_ok(), "{}", c.zone);
                assert!(!c.areas.is_empty());
            }
        }
    }

    #[test]
    fn day_numbers_match_jiff() {
        let mut day = jiff::civil::date(1890, 1, 1);
        let start = day_number(day);
        for n in start..start + 60_000 {
            let (y, m, d) = civil_from_days(n);
            assert_eq!(
                (y, m, d),
                (day.year().into(), day.month().into(), day.day().into())
            );
            assert_eq!(day_number(day), n);
            day = day.tomorrow().unwrap();
        }
        assert_eq!(day_number(jiff::civil::date(1970, 1, 1)), 0);
        let leap = day_number(jiff::civil::date(2024, 2, 29));
        assert_eq!(
            add_years(leap, 1),
            day_number(jiff::civil::date(2025, 2, 28))
        );
    }

    #[test]
    fn vins_carry_a_valid_check_digit() {
        let mut rng = Rng::new(1);
        for _ in 0..200 {
            let v = vin(&mut rng, "1HG", 2017);
            assert_eq!(v.len(), 17);
            assert_eq!(&v[9..10], "H");
            assert!(!v.contains(['I', 'O', 'Q']));
        }
        // A published example VIN with check digit 'X'.
        let weights = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2];
        let sum: u32 = b"1M8GDM9AXKP042788"
            .iter()
            .zip(weights)
            .map(|(&c, w)| vin_value(c) * w)
            .sum();
        assert_eq!(sum % 11, 10);
    }

    #[test]
    fn extreme_dates_do_not_panic() {
        for as_of in [
            jiff::civil::Date::MIN,
            jiff::civil::Date::MAX,
            jiff::civil::date(1, 1, 1),
        ] {
            let config = GeneratorConfig {
                accounts: 300,
                seed: u64::MAX,
                as_of,
            };
            let summary = write_placements(&config, std::io::sink()).unwrap();
            assert_eq!(summary.accounts, 300);
        }
    }

    #[test]
    fn write_errors_are_reported() {
        struct Broken;
        impl std::io::Write for Broken {
            fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
                Err(std::io::Error::other("disk full"))
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let config = GeneratorConfig {
            accounts: 10,
            seed: 1,
            as_of: AS_OF,
        };
        assert!(write_placements(&config, Broken).is_err());
    }
}
