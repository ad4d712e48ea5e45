//! Identifiers that arrive from outside, parsed once at the edge.

use std::fmt;

/// Longest identifier accepted from a file or a form.
pub const IDENTIFIER_LENGTH_MAX: usize = 64;

macro_rules! identifier {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// Printable ASCII without spaces at either end, 1 to 64 characters.
            pub fn parse(text: &str) -> Result<$name, IdentifierError> {
                if text.is_empty() {
                    return Err(IdentifierError::Empty);
                }
                if text.len() > IDENTIFIER_LENGTH_MAX {
                    return Err(IdentifierError::TooLong);
                }
                if text.trim() != text || !text.bytes().all(|b| (0x20..0x7f).contains(&b)) {
                    return Err(IdentifierError::BadCharacters);
                }
                Ok($name(text.to_string()))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

identifier!(
    /// A creditor's (client's) short code, e.g. `NBANK`.
    CreditorCode
);
identifier!(
    /// The creditor's account number; unique within a creditor.
    AccountRef
);
identifier!(
    /// The creditor's customer id; rows sharing it within a creditor are one debtor.
    DebtorRef
);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdentifierError {
    Empty,
    TooLong,
    BadCharacters,
}

impl fmt::Display for IdentifierError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IdentifierError::Empty => write!(f, "must not be empty"),
            IdentifierError::TooLong => write!(f, "longer than {IDENTIFIER_LENGTH_MAX} characters"),
            IdentifierError::BadCharacters => {
                write!(
                    f,
                    "only printable ASCII, without leading or trailing spaces"
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers() {
        assert_eq!(
            AccountRef::parse("AF-0001234").unwrap().as_str(),
            "AF-0001234"
        );
        assert_eq!(AccountRef::parse(""), Err(IdentifierError::Empty));
        assert_eq!(
            AccountRef::parse(" 12"),
            Err(IdentifierError::BadCharacters)
        );
        assert_eq!(
            AccountRef::parse("12\n"),
            Err(IdentifierError::BadCharacters)
        );
        assert_eq!(
            CreditorCode::parse(&"X".repeat(65)),
            Err(IdentifierError::TooLong)
        );
    }
}
