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

/// `text` without its refused characters: for text Arrears did not type and cannot send
/// back to be fixed (a debtor's reply relayed by an SMS provider), kept as readable as
/// it came rather than refused whole.
pub fn without_refused(text: &str) -> String {
    text.chars()
        .filter(|&c| refused_reason(c).is_none())
        .collect()
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

    #[test]
    fn without_refused_keeps_everything_else_as_it_came() {
        assert_eq!(
            without_refused("Paid\u{8B} in full\u{FEFF} today\u{202E}"),
            "Paid in full today"
        );
        assert_eq!(without_refused("José\tpagó\r\n李"), "José\tpagó\r\n李");
    }
}

/// A name as search compares it: lower-case ASCII letters and digits with their accents
/// removed (`Díaz` → `diaz`, `Ñúñez` → `nunez`, `Straße` → `strasse`), runs of spaces
/// as one space, and everything else (apostrophes, hyphens, dots) dropped, so `O'Brien`
/// and `obrien` meet. Letters outside the Latin alphabets are dropped too: what cannot be
/// typed on a US keyboard is found by the other words of the name.
///
/// The result holds only `a`–`z`, `0`–`9` and single spaces, whose order is the same
/// byte for byte and in every collation PostgreSQL may use, so a prefix search is an
/// index range on both engines.
pub fn fold(text: &str) -> String {
    let mut folded = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_whitespace() {
            if !folded.is_empty() && !folded.ends_with(' ') {
                folded.push(' ');
            }
            continue;
        }
        if c.is_ascii_alphanumeric() {
            folded.push(c.to_ascii_lowercase());
            continue;
        }
        if let Some(plain) = fold_latin(c) {
            folded.push_str(plain);
        }
    }
    while folded.ends_with(' ') {
        folded.pop();
    }
    folded
}

/// The plain letters of a Latin letter with a diacritic or a ligature (Latin-1 Supplement
/// and Latin Extended-A, both cases), `None` for anything else.
fn fold_latin(c: char) -> Option<&'static str> {
    Some(match c {
        'À'..='Å' | 'à'..='å' | 'Ā' | 'ā' | 'Ă' | 'ă' | 'Ą' | 'ą' => "a",
        'Æ' | 'æ' => "ae",
        'Ç' | 'ç' | 'Ć' | 'ć' | 'Ĉ' | 'ĉ' | 'Ċ' | 'ċ' | 'Č' | 'č' => "c",
        'Ð' | 'ð' | 'Ď' | 'ď' | 'Đ' | 'đ' => "d",
        'È'..='Ë' | 'è'..='ë' | 'Ē' | 'ē' | 'Ĕ' | 'ĕ' | 'Ė' | 'ė' | 'Ę' | 'ę' | 'Ě' | 'ě' => {
            "e"
        }
        'Ĝ' | 'ĝ' | 'Ğ' | 'ğ' | 'Ġ' | 'ġ' | 'Ģ' | 'ģ' => "g",
        'Ĥ' | 'ĥ' | 'Ħ' | 'ħ' => "h",
        'Ì'..='Ï' | 'ì'..='ï' | 'Ĩ' | 'ĩ' | 'Ī' | 'ī' | 'Ĭ' | 'ĭ' | 'Į' | 'į' | 'İ' | 'ı' => {
            "i"
        }
        'Ĳ' | 'ĳ' => "ij",
        'Ĵ' | 'ĵ' => "j",
        'Ķ' | 'ķ' | 'ĸ' => "k",
        'Ĺ' | 'ĺ' | 'Ļ' | 'ļ' | 'Ľ' | 'ľ' | 'Ŀ' | 'ŀ' | 'Ł' | 'ł' => "l",
        'Ñ' | 'ñ' | 'Ń' | 'ń' | 'Ņ' | 'ņ' | 'Ň' | 'ň' | 'ŉ' | 'Ŋ' | 'ŋ' => "n",
        'Ò'..='Ö' | 'Ø' | 'ò'..='ö' | 'ø' | 'Ō' | 'ō' | 'Ŏ' | 'ŏ' | 'Ő' | 'ő' => "o",
        'Œ' | 'œ' => "oe",
        'Ŕ' | 'ŕ' | 'Ŗ' | 'ŗ' | 'Ř' | 'ř' => "r",
        'Ś' | 'ś' | 'Ŝ' | 'ŝ' | 'Ş' | 'ş' | 'Š' | 'š' | 'ſ' => "s",
        'ß' => "ss",
        'Ţ' | 'ţ' | 'Ť' | 'ť' | 'Ŧ' | 'ŧ' => "t",
        'Þ' | 'þ' => "th",
        'Ù'..='Ü'
        | 'ù'..='ü'
        | 'Ũ'
        | 'ũ'
        | 'Ū'
        | 'ū'
        | 'Ŭ'
        | 'ŭ'
        | 'Ů'
        | 'ů'
        | 'Ű'
        | 'ű'
        | 'Ų'
        | 'ų' => "u",
        'Ŵ' | 'ŵ' => "w",
        'Ý' | 'ý' | 'ÿ' | 'Ŷ' | 'ŷ' | 'Ÿ' => "y",
        'Ź' | 'ź' | 'Ż' | 'ż' | 'Ž' | 'ž' => "z",
        _ => return None,
    })
}

#[cfg(test)]
mod fold_tests {
    use super::fold;

    #[test]
    fn names_fold_to_what_a_person_types() {
        for (name, folded) in [
            ("Díaz", "diaz"),
            ("ÁLVAREZ", "alvarez"),
            ("González", "gonzalez"),
            ("Ñúñez-Peña", "nunezpena"),
            ("O'Brien", "obrien"),
            ("  Mary   Ann ", "mary ann"),
            ("Straße", "strasse"),
            ("Łukasz Żółć", "lukasz zolc"),
            ("Smith", "smith"),
            ("Müller 2nd", "muller 2nd"),
            ("Ζωή", ""),
        ] {
            assert_eq!(fold(name), folded, "{name}");
        }
    }

    #[test]
    fn folding_twice_changes_nothing() {
        for name in ["Díaz", "O'Brien", "Mary Ann", "Ærøskøbing"] {
            assert_eq!(fold(&fold(name)), fold(name));
        }
    }
}
