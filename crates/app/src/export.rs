//! What leaves Arrears as a file someone opens in a spreadsheet.

use std::borrow::Cow;

/// A text cell made safe to open in a spreadsheet (OWASP's rule against formula
/// injection): a value starting with `=`, `+`, `-`, `@`, a tab or a carriage return is
/// prefixed with `'`, so `=HYPERLINK(…)` in a payment reference stays text. Only for
/// text that came from outside (references, names, methods); amounts Arrears formats
/// itself (`-12.50`) are left as they are.
pub fn spreadsheet_text(text: &str) -> Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_become_text_and_plain_values_stay() {
        for formula in [
            "=HYPERLINK(\"http://x\")",
            "+1+1",
            "-2+3",
            "@SUM(A1)",
            "\tx",
            "\rx",
        ] {
            assert_eq!(spreadsheet_text(formula), format!("'{formula}"));
        }
        for plain in ["PL0000042", "O'Brien", "ach", ""] {
            assert_eq!(spreadsheet_text(plain), plain);
        }
    }
}
