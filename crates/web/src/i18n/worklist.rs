//! Words of the worklist area: (key, English, Spanish).

pub(super) const WORDS: &[(&str, &str, &str)] = &[];
