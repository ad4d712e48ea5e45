//! Money: integer minor units with checked arithmetic, and ISO 4217 currencies.
//!
//! Amounts never pass through floating point. Every operation that can overflow returns
//! `None` (or an error) instead of wrapping, so an overflow is never silent.

use std::fmt;

/// A signed amount in a currency's minor units (cents for USD).
///
/// The currency is carried next to the amount (on the account), not inside it: every
/// amount in one ledger shares the account's currency, and this keeps the type `Copy` and
/// 8 bytes wide.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Amount(i64);

impl Amount {
    pub const ZERO: Amount = Amount(0);

    pub const fn from_minor(minor: i64) -> Amount {
        Amount(minor)
    }

    pub const fn minor(self) -> i64 {
        self.0
    }

    pub fn checked_add(self, other: Amount) -> Option<Amount> {
        self.0.checked_add(other.0).map(Amount)
    }

    pub fn checked_sub(self, other: Amount) -> Option<Amount> {
        self.0.checked_sub(other.0).map(Amount)
    }

    pub fn checked_neg(self) -> Option<Amount> {
        self.0.checked_neg().map(Amount)
    }

    pub fn is_zero(self) -> bool {
        self.0 == 0
    }

    pub fn is_positive(self) -> bool {
        self.0 > 0
    }

    pub fn is_negative(self) -> bool {
        self.0 < 0
    }

    /// Sums amounts, `None` on overflow.
    pub fn checked_sum<I: IntoIterator<Item = Amount>>(amounts: I) -> Option<Amount> {
        amounts
            .into_iter()
            .try_fold(Amount::ZERO, Amount::checked_add)
    }

    /// Parses a plain decimal string (`1234.56`, `-20.00`, `7`) with at most
    /// `minor_digits` digits after the point. Thousands separators, exponents, `NaN`,
    /// a leading `+`, spaces and surplus decimals are refused.
    pub fn parse_decimal(text: &str, minor_digits: u8) -> Result<Amount, AmountError> {
        let (negative, unsigned) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (whole, fraction) = match unsigned.split_once('.') {
            Some((whole, fraction)) => (whole, Some(fraction)),
            None => (unsigned, None),
        };
        if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) {
            return Err(AmountError::NotADecimal);
        }
        let fraction = fraction.unwrap_or("");
        if unsigned.contains('.') && fraction.is_empty() {
            return Err(AmountError::NotADecimal);
        }
        if !fraction.bytes().all(|b| b.is_ascii_digit()) {
            return Err(AmountError::NotADecimal);
        }
        if fraction.len() > usize::from(minor_digits) {
            return Err(AmountError::TooManyDecimals { minor_digits });
        }
        let scale = 10i64
            .checked_pow(u32::from(minor_digits))
            .ok_or(AmountError::TooLarge)?;
        let whole_minor = parse_digits(whole)?
            .checked_mul(scale)
            .ok_or(AmountError::TooLarge)?;
        let padding = 10i64.pow((usize::from(minor_digits) - fraction.len()) as u32);
        let fraction_minor = if fraction.is_empty() {
            0
        } else {
            parse_digits(fraction)? * padding
        };
        let magnitude = whole_minor
            .checked_add(fraction_minor)
            .ok_or(AmountError::TooLarge)?;
        Ok(Amount(if negative { -magnitude } else { magnitude }))
    }

    /// Formats with exactly `minor_digits` decimals: `1234.50`, `-0.07`, `12`.
    pub fn to_decimal_string(self, minor_digits: u8) -> String {
        let digits = u32::from(minor_digits);
        let scale = 10u64.pow(digits);
        let magnitude = self.0.unsigned_abs();
        let sign = if self.0 < 0 { "-" } else { "" };
        if digits == 0 {
            return format!("{sign}{magnitude}");
        }
        let whole = magnitude / scale;
        let fraction = magnitude % scale;
        format!("{sign}{whole}.{fraction:0width$}", width = digits as usize)
    }
}

/// The digits of a whole part written with or without thousands commas: `1250`,
/// `1,250`, `12,345,678`; `None` when a comma is anywhere else (`12,5`, `1,2345`, `,250`).
fn ungroup(whole: &str) -> Option<String> {
    if !whole.contains(',') {
        return Some(whole.to_string());
    }
    let mut groups = whole.split(',');
    let first = groups.next()?;
    if first.is_empty() || first.len() > 3 || !first.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut digits = first.to_string();
    for group in groups {
        if group.len() != 3 || !group.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        digits.push_str(group);
    }
    Some(digits)
}

fn parse_digits(digits: &str) -> Result<i64, AmountError> {
    digits.bytes().try_fold(0i64, |acc, b| {
        acc.checked_mul(10)
            .and_then(|acc| acc.checked_add(i64::from(b - b'0')))
            .ok_or(AmountError::TooLarge)
    })
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AmountError {
    NotADecimal,
    TooManyDecimals {
        minor_digits: u8,
    },
    TooLarge,
    /// Beyond [`AMOUNT_MAX_MAJOR`] of the currency's major units, either sign.
    AboveLimit {
        max_major: i64,
    },
}

/// The largest amount Arrears takes at any edge (files, forms, the API, the command
/// line), in major units of the currency: one hundred billion. Far above any real debt
/// or payment, and far below overflow: even in a three-decimal currency, 90,000 such
/// amounts still add up in an `i64` of minor units, and every sum is checked anyway.
pub const AMOUNT_MAX_MAJOR: i64 = 100_000_000_000;

impl fmt::Display for AmountError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AmountError::NotADecimal => {
                write!(
                    f,
                    "not a plain decimal amount (digits, optional '-' and '.', no separators)"
                )
            }
            AmountError::TooManyDecimals { minor_digits } => {
                write!(
                    f,
                    "more than {minor_digits} decimal digits for this currency"
                )
            }
            AmountError::TooLarge => write!(f, "amount too large"),
            AmountError::AboveLimit { max_major } => {
                write!(
                    f,
                    "more than the largest amount Arrears takes ({max_major})"
                )
            }
        }
    }
}

impl std::error::Error for AmountError {}

/// An ISO 4217 currency this system knows, with its number of minor digits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Currency {
    code: &'static str,
    minor_digits: u8,
}

impl Currency {
    pub const USD: Currency = Currency {
        code: "USD",
        minor_digits: 2,
    };

    /// Looks up an active ISO 4217 code (upper case, exactly three letters).
    pub fn parse(code: &str) -> Option<Currency> {
        ISO_4217
            .iter()
            .find(|(known, _)| *known == code)
            .map(|&(code, minor_digits)| Currency { code, minor_digits })
    }

    pub fn code(self) -> &'static str {
        self.code
    }

    pub fn minor_digits(self) -> u8 {
        self.minor_digits
    }

    pub fn format(self, amount: Amount) -> String {
        amount.to_decimal_string(self.minor_digits)
    }

    /// An amount of this currency as written (`125.50`), at most [`AMOUNT_MAX_MAJOR`]
    /// either way.
    pub fn parse_amount(self, text: &str) -> Result<Amount, AmountError> {
        let amount = Amount::parse_decimal(text, self.minor_digits)?;
        self.within_limit(amount)
    }

    /// An amount as a person types it in a form: what [`Currency::parse_amount`] takes,
    /// and also with this currency's symbol in front (`$1,250.00`, `US$ 12`), spaces
    /// around it, and thousands grouped by commas in the right places (`1,250.00`,
    /// `12,345,678`). Anything ambiguous is refused: a comma that is not a thousands
    /// separator (`12,5`, `1,25`, `1,2345`), a point as a grouping (`1.250,00`), a
    /// symbol of another currency. The API and files stay strict (`parse_amount`).
    pub fn parse_typed(self, text: &str) -> Result<Amount, AmountError> {
        let text = text.trim();
        let (negative, rest) = match text.strip_prefix('-') {
            Some(rest) => (true, rest.trim_start()),
            None => (false, text),
        };
        let rest = self
            .symbols()
            .iter()
            .find_map(|symbol| rest.strip_prefix(symbol))
            .unwrap_or(rest)
            .trim_start();
        if rest.starts_with(['-', '+']) {
            return Err(AmountError::NotADecimal);
        }
        let (whole, fraction) = match rest.split_once('.') {
            Some((whole, fraction)) => (whole, Some(fraction)),
            None => (rest, None),
        };
        let whole = ungroup(whole).ok_or(AmountError::NotADecimal)?;
        let mut plain = String::with_capacity(rest.len() + 1);
        if negative {
            plain.push('-');
        }
        plain.push_str(&whole);
        if let Some(fraction) = fraction {
            plain.push('.');
            plain.push_str(fraction);
        }
        self.parse_amount(&plain)
    }

    /// The symbols a person may type before an amount of this currency.
    fn symbols(self) -> &'static [&'static str] {
        match self.code {
            "USD" => &["US$", "USD", "$"],
            "EUR" => &["EUR", "\u{20ac}"],
            "GBP" => &["GBP", "\u{a3}"],
            "CAD" => &["CA$", "CAD", "$"],
            "MXN" => &["MX$", "MXN", "$"],
            _ => &[],
        }
    }

    /// An amount for people to read: the symbol, thousands grouped, the currency's
    /// decimals: `$1,250.00`, `-$7.05`; a currency without a symbol here is written
    /// after the number (`1,250.00 CHF`). Arrears' pages use the same form in English
    /// and Spanish (US Spanish writes amounts as US English does).
    pub fn display(self, amount: Amount) -> String {
        let plain = amount.to_decimal_string(self.minor_digits);
        let (sign, unsigned) = match plain.strip_prefix('-') {
            Some(rest) => ("-", rest),
            None => ("", plain.as_str()),
        };
        let (whole, fraction) = match unsigned.split_once('.') {
            Some((whole, fraction)) => (whole, Some(fraction)),
            None => (unsigned, None),
        };
        let mut grouped = String::with_capacity(whole.len() + whole.len() / 3);
        for (index, digit) in whole.chars().enumerate() {
            if index > 0 && (whole.len() - index) % 3 == 0 {
                grouped.push(',');
            }
            grouped.push(digit);
        }
        if let Some(fraction) = fraction {
            grouped.push('.');
            grouped.push_str(fraction);
        }
        match self.code {
            "USD" => format!("{sign}${grouped}"),
            "EUR" => format!("{sign}\u{20ac}{grouped}"),
            "GBP" => format!("{sign}\u{a3}{grouped}"),
            "CAD" => format!("{sign}CA${grouped}"),
            "MXN" => format!("{sign}MX${grouped}"),
            code => format!("{sign}{grouped} {code}"),
        }
    }

    /// The largest amount taken in this currency, in minor units.
    pub fn amount_max(self) -> Amount {
        Amount::from_minor(AMOUNT_MAX_MAJOR * 10i64.pow(u32::from(self.minor_digits)))
    }

    /// `amount` if it is within [`AMOUNT_MAX_MAJOR`] either way.
    pub fn within_limit(self, amount: Amount) -> Result<Amount, AmountError> {
        if amount
            .minor()
            .checked_abs()
            .is_some_and(|size| size <= self.amount_max().minor())
        {
            Ok(amount)
        } else {
            Err(AmountError::AboveLimit {
                max_major: AMOUNT_MAX_MAJOR,
            })
        }
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code)
    }
}

/// Active ISO 4217 currency codes and their minor units (ISO 4217 list one, 2024).
/// Funds codes, precious metals and testing codes are left out: debts are not owed in them.
const ISO_4217: &[(&str, u8)] = &[
    ("AED", 2),
    ("AFN", 2),
    ("ALL", 2),
    ("AMD", 2),
    ("ANG", 2),
    ("AOA", 2),
    ("ARS", 2),
    ("AUD", 2),
    ("AWG", 2),
    ("AZN", 2),
    ("BAM", 2),
    ("BBD", 2),
    ("BDT", 2),
    ("BGN", 2),
    ("BHD", 3),
    ("BIF", 0),
    ("BMD", 2),
    ("BND", 2),
    ("BOB", 2),
    ("BRL", 2),
    ("BSD", 2),
    ("BTN", 2),
    ("BWP", 2),
    ("BYN", 2),
    ("BZD", 2),
    ("CAD", 2),
    ("CDF", 2),
    ("CHF", 2),
    ("CLP", 0),
    ("CNY", 2),
    ("COP", 2),
    ("CRC", 2),
    ("CUP", 2),
    ("CVE", 2),
    ("CZK", 2),
    ("DJF", 0),
    ("DKK", 2),
    ("DOP", 2),
    ("DZD", 2),
    ("EGP", 2),
    ("ERN", 2),
    ("ETB", 2),
    ("EUR", 2),
    ("FJD", 2),
    ("FKP", 2),
    ("GBP", 2),
    ("GEL", 2),
    ("GHS", 2),
    ("GIP", 2),
    ("GMD", 2),
    ("GNF", 0),
    ("GTQ", 2),
    ("GYD", 2),
    ("HKD", 2),
    ("HNL", 2),
    ("HTG", 2),
    ("HUF", 2),
    ("IDR", 2),
    ("ILS", 2),
    ("INR", 2),
    ("IQD", 3),
    ("IRR", 2),
    ("ISK", 0),
    ("JMD", 2),
    ("JOD", 3),
    ("JPY", 0),
    ("KES", 2),
    ("KGS", 2),
    ("KHR", 2),
    ("KMF", 0),
    ("KPW", 2),
    ("KRW", 0),
    ("KWD", 3),
    ("KYD", 2),
    ("KZT", 2),
    ("LAK", 2),
    ("LBP", 2),
    ("LKR", 2),
    ("LRD", 2),
    ("LSL", 2),
    ("LYD", 3),
    ("MAD", 2),
    ("MDL", 2),
    ("MGA", 2),
    ("MKD", 2),
    ("MMK", 2),
    ("MNT", 2),
    ("MOP", 2),
    ("MRU", 2),
    ("MUR", 2),
    ("MVR", 2),
    ("MWK", 2),
    ("MXN", 2),
    ("MYR", 2),
    ("MZN", 2),
    ("NAD", 2),
    ("NGN", 2),
    ("NIO", 2),
    ("NOK", 2),
    ("NPR", 2),
    ("NZD", 2),
    ("OMR", 3),
    ("PAB", 2),
    ("PEN", 2),
    ("PGK", 2),
    ("PHP", 2),
    ("PKR", 2),
    ("PLN", 2),
    ("PYG", 0),
    ("QAR", 2),
    ("RON", 2),
    ("RSD", 2),
    ("RUB", 2),
    ("RWF", 0),
    ("SAR", 2),
    ("SBD", 2),
    ("SCR", 2),
    ("SDG", 2),
    ("SEK", 2),
    ("SGD", 2),
    ("SHP", 2),
    ("SLE", 2),
    ("SOS", 2),
    ("SRD", 2),
    ("SSP", 2),
    ("STN", 2),
    ("SVC", 2),
    ("SYP", 2),
    ("SZL", 2),
    ("THB", 2),
    ("TJS", 2),
    ("TMT", 2),
    ("TND", 3),
    ("TOP", 2),
    ("TRY", 2),
    ("TTD", 2),
    ("TWD", 2),
    ("TZS", 2),
    ("UAH", 2),
    ("UGX", 0),
    ("USD", 2),
    ("UYU", 2),
    ("UZS", 2),
    ("VES", 2),
    ("VND", 0),
    ("VUV", 0),
    ("WST", 2),
    ("XAF", 0),
    ("XCD", 2),
    ("XOF", 0),
    ("XPF", 0),
    ("YER", 2),
    ("ZAR", 2),
    ("ZMW", 2),
    ("ZWG", 2),
];

/// A rate in basis points (1/100 of a percent): `1999` is 19.99 %.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BasisPoints(u32);

impl BasisPoints {
    /// Upper bound for any rate we accept: 1,000 % a year would already be usury anywhere.
    pub const MAX: u32 = 100_000;

    pub fn new(bps: u32) -> Option<BasisPoints> {
        (bps <= Self::MAX).then_some(BasisPoints(bps))
    }

    pub fn get(self) -> u32 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn people_may_type_symbols_and_thousands_commas_but_nothing_ambiguous() {
        let usd = Currency::USD;
        for (typed, minor) in [
            ("1,250.00", 125_000),
            ("$1,250.00", 125_000),
            (" $ 1,250 ", 125_000),
            ("US$12", 1_200),
            ("12,345,678.9", 1_234_567_890),
            ("-$7.05", -705),
            ("1250", 125_000),
            ("0.5", 50),
        ] {
            assert_eq!(usd.parse_typed(typed), Ok(Amount(minor)), "{typed}");
        }
        for bad in [
            "12,5",
            "1,25",
            "1,2345",
            ",250",
            "1.250,00",
            "1,250.",
            "\u{20ac}5",
            "$",
            "1,,250",
            "12,50.00",
            "$-5",
            "1 250",
        ] {
            assert!(usd.parse_typed(bad).is_err(), "{bad} should be refused");
        }
        assert_eq!(
            Currency::parse("EUR").unwrap().parse_typed("\u{20ac}1,000"),
            Ok(Amount(100_000))
        );
        // The strict parser of files and the API is unchanged.
        assert!(usd.parse_amount("1,250.00").is_err());
    }

    #[test]
    fn amounts_are_displayed_with_symbol_and_grouping() {
        let usd = Currency::USD;
        assert_eq!(usd.display(Amount(18_579_984)), "$185,799.84");
        assert_eq!(usd.display(Amount(-705)), "-$7.05");
        assert_eq!(usd.display(Amount(0)), "$0.00");
        assert_eq!(usd.display(Amount(100_000)), "$1,000.00");
        assert_eq!(usd.display(Amount(99_999)), "$999.99");
        let chf = Currency::parse("CHF").unwrap();
        assert_eq!(chf.display(Amount(123_456_789)), "1,234,567.89 CHF");
        let jpy = Currency::parse("JPY").unwrap();
        assert_eq!(jpy.display(Amount(1_234_567)), "1,234,567 JPY");
        // What is displayed is typed back to the same amount.
        for minor in [0, 5, 99_999, 100_000, 18_579_984, -705] {
            assert_eq!(
                usd.parse_typed(&usd.display(Amount(minor))),
                Ok(Amount(minor))
            );
        }
    }

    #[test]
    fn parses_the_spec_examples() {
        assert_eq!(Amount::parse_decimal("1234.56", 2), Ok(Amount(123_456)));
        assert_eq!(Amount::parse_decimal("-20.00", 2), Ok(Amount(-2_000)));
        assert_eq!(Amount::parse_decimal("7", 2), Ok(Amount(700)));
        assert_eq!(Amount::parse_decimal("0.5", 2), Ok(Amount(50)));
        assert_eq!(Amount::parse_decimal("1500", 0), Ok(Amount(1500)));
        for bad in [
            "1,234.56", "1e3", "NaN", "", "-", ".5", "5.", "+5", " 5", "5 ", "--5", "1.2.3",
        ] {
            assert_eq!(
                Amount::parse_decimal(bad, 2),
                Err(AmountError::NotADecimal),
                "{bad:?}"
            );
        }
        assert_eq!(
            Amount::parse_decimal("12.345", 2),
            Err(AmountError::TooManyDecimals { minor_digits: 2 })
        );
        assert_eq!(
            Amount::parse_decimal("1.5", 0),
            Err(AmountError::TooManyDecimals { minor_digits: 0 })
        );
        assert_eq!(
            Amount::parse_decimal("99999999999999999999", 2),
            Err(AmountError::TooLarge)
        );
    }

    #[test]
    fn formats_with_the_currency_digits() {
        assert_eq!(Amount(123_450).to_decimal_string(2), "1234.50");
        assert_eq!(Amount(-7).to_decimal_string(2), "-0.07");
        assert_eq!(Amount(12).to_decimal_string(0), "12");
        assert_eq!(Amount(1_234).to_decimal_string(3), "1.234");
        assert_eq!(
            Amount(i64::MIN).to_decimal_string(2),
            "-92233720368547758.08"
        );
    }

    #[test]
    fn currencies() {
        assert_eq!(Currency::parse("USD"), Some(Currency::USD));
        assert_eq!(Currency::parse("JPY").map(Currency::minor_digits), Some(0));
        assert_eq!(Currency::parse("KWD").map(Currency::minor_digits), Some(3));
        assert_eq!(Currency::parse("usd"), None);
        assert_eq!(Currency::parse("XXX"), None);
        assert_eq!(Currency::parse("US"), None);
    }
}
