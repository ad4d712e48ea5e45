//! Dated amounts owed under an arrangement and how payments meet them.
