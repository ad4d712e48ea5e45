//! What a stored text field may contain (issue 13, finding 14).
//!
//! Names, notes, references and reasons are shown on pages, printed on letters and
//! written to CSV files a bank or creditor opens. Characters that are invisible or that
//! change how the rest of the text reads have no place in them and are refused where the
//! text enters (forms, the API, files):
//! - control characters (C0 and C1, DEL), except tab, line feed and carriage return,
//!   which notes use;
//! - U+FEFF, the byte-order mark (also "zero width no-break space"): a stray BOM from a
//!   spreadsheet export makes `ACME` and `\u{FEFF}ACME` different references that look the
//!   same;
//! - the bidirectional embedding, override and isolate controls (U+202A–U+202E,
//!   U+2066–U+2069), which can make a text display other than it reads ("Trojan Source");
//! - the noncharacters U+FFFE and U+FFFF.

/// The refused code points, inclusive ranges, with why: the one list both the check
/// below and the API document's [`pattern`] are made from.
pub const REFUSED: &[(u32, u32, &str)] = &[
    (0x0, 0x0, "a NUL character"),
    (0x1, 0x8, "a control character"),
    (0xB, 0xC, "a control character"),
    (0xE, 0x1F, "a control character"),
    (0x7F, 0x9F, "a control character"),
    (0x202A, 0x202E, "a bidirectional-text control character"),
    (0x2066, 0x2069, "a bidirectional-text control character"),
    (0xFEFF, 0xFEFF, "a byte-order mark"),
    (0xFFFE, 0xFFFF, "a Unicode noncharacter"),
];

/// Why a character is refused, for messages.
pub fn refused_reason(c: char) -> Option<&'static str> {
    let code = u32::from(c);
    REFUSED
        .iter()
        .find(|(from, to, _)| (*from..=*to).contains(&code))
        .map(|(_, _, reason)| *reason)
}

/// A regular expression (ECMA-262, as JSON Schema uses) matching exactly the texts with
/// no refused character.
pub fn pattern() -> String {
    let mut class = String::new();
    for (from, to, _) in REFUSED {
        if from == to {
            class.push_str(&format!("\\u{from:04X}"));
        } else {
            class.push_str(&format!("\\u{from:04X}-\\u{to:04X}"));
        }
    }
    format!("^[^{class}]*$")
}

/// The first refused character of `text`: its position (counted in characters, from 1)
/// and why, for an error such as `notes: character 12 is a NUL character`.
pub fn first_refused(text: &str) -> Option<(usize, char, &'static str)> {
    text.chars()
        .enumerate()
        .find_map(|(index, c)| refused_reason(c).map(|reason| (index + 1, c, reason)))
}

/// The message for a refused character, naming where it is and its code point.
pub fn refusal_message(text: &str) -> Option<String> {
    first_refused(text).map(|(position, c, reason)| {
        format!(
            "character {position} is {reason} (U+{:04X}), which a text may not contain",
            u32::from(c)
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_text_in_any_language_passes() {
        for text in [
            "José Ñúñez-Álvarez",
            "Paid $1,250.00 by phone; will call back\r\nafter 5 pm\twork",
            "李小龍",
            "O'Brien & Sons <LLC>",
            "",
        ] {
            assert_eq!(first_refused(text), None, "{text:?}");
        }
    }

    #[test]
    fn the_list_refuses_every_c0_and_c1_control_but_tab_and_line_ends() {
        for code in 0..=0x10FFFFu32 {
            let Some(c) = char::from_u32(code) else {
                continue;
            };
            let expected = (c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
                || matches!(code, 0x202A..=0x202E | 0x2066..=0x2069 | 0xFEFF | 0xFFFE | 0xFFFF);
            assert_eq!(refused_reason(c).is_some(), expected, "U+{code:04X}");
        }
        assert!(
            pattern().starts_with("^[^\\u0000\\u0001-\\u0008"),
            "{}",
            pattern()
        );
    }

    #[test]
    fn invisible_and_reordering_characters_are_refused_with_their_place() {
        assert_eq!(
            first_refused("ab\u{0}c").map(|(at, c, _)| (at, c)),
            Some((3, '\u{0}'))
        );
        assert_eq!(
            first_refused("\u{FEFF}ACME").map(|(at, _, why)| (at, why)),
            Some((1, "a byte-order mark"))
        );
        assert!(first_refused("x\u{202E}gpj.exe").is_some());
        assert!(first_refused("bell\u{7}").is_some());
        assert!(first_refused("c1\u{85}").is_some());
        assert!(first_refused("del\u{7F}").is_some());
        assert_eq!(
            refusal_message("a\u{0}").unwrap(),
            "character 2 is a NUL character (U+0000), which a text may not contain"
        );
    }
}
