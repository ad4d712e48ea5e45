//! Words of the labels area: (key, English, Spanish).

pub(super) const WORDS: &[(&str, &str, &str)] = &[];
