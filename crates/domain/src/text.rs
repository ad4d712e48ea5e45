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

/// Why a character is refused, for messages.
pub fn refused_reason(c: char) -> Option<&'static str> {
    match c {
        '\t' | '\n' | '\r' => None,
        '\u{0}' => Some("a NUL character"),
        c if c.is_control() => Some("a control character"),
        '\u{FEFF}' => Some("a byte-order mark (U+FEFF)"),
        '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' => {
            Some("a bidirectional-text control character")
        }
        '\u{FFFE}' | '\u{FFFF}' => Some("a Unicode noncharacter"),
        _ => None,
    }
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
    fn invisible_and_reordering_characters_are_refused_with_their_place() {
        assert_eq!(
            first_refused("ab\u{0}c").map(|(at, c, _)| (at, c)),
            Some((3, '\u{0}'))
        );
        assert_eq!(
            first_refused("\u{FEFF}ACME").map(|(at, _, why)| (at, why)),
            Some((1, "a byte-order mark (U+FEFF)"))
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
