//! Dates as people and files write them.

use jiff::civil::Date;

/// A calendar date written exactly `YYYY-MM-DD` (ISO 8601's basic calendar form), or
/// `None`. Stricter than `Date`'s own parser, which also takes a signed, six-digit year
/// (`+002026-12-20`) that no form or file here means.
pub fn parse_date(text: &str) -> Option<Date> {
    let bytes = text.as_bytes();
    let shaped = bytes.len() == 10
        && bytes.iter().enumerate().all(|(index, byte)| match index {
            4 | 7 => *byte == b'-',
            _ => byte.is_ascii_digit(),
        });
    shaped.then(|| text.parse().ok()).flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_dates() {
        assert_eq!(
            parse_date("2026-12-20"),
            Some(jiff::civil::date(2026, 12, 20))
        );
        for odd in [
            "+002026-12-20",
            "2026-12-32",
            "2026-2-03",
            "20261220",
            " 2026-12-20",
            "",
        ] {
            assert_eq!(parse_date(odd), None, "{odd:?}");
        }
    }
}
