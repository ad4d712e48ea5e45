//! Words of the roles area: (key, English, Spanish).

pub(super) const WORDS: &[(&str, &str, &str)] = &[];
