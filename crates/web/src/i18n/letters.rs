//! Words of the letters area: (key, English, Spanish).

pub(super) const WORDS: &[(&str, &str, &str)] = &[(
    "letters.statement_pdf",
    "Statement (PDF)",
    "Estado de cuenta (PDF)",
)];
