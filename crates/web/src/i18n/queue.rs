//! Words of the queue area: (key, English, Spanish).

pub(super) const WORDS: &[(&str, &str, &str)] = &[];
