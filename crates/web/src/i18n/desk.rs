//! Words of the desk area: (key, English, Spanish).

pub(super) const WORDS: &[(&str, &str, &str)] = &[];
