//! Words of the arrangements area: (key, English, Spanish).

pub(super) const WORDS: &[(&str, &str, &str)] = &[];
