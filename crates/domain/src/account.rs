//! Accounts (debts): lifecycle status, holds and arrangements.
//!
//! The three are independent: an `active` account can be on a dispute hold and a cease
//! hold at once while a payment plan runs. Status changes follow [`Status::can_become`].

use std::fmt;

macro_rules! code_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $code:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            pub fn parse(code: &str) -> Option<$name> {
                match code { $($code => Some($name::$variant),)+ _ => None }
            }

            /// The accepted codes, for error messages.
            pub fn codes() -> String {
                let codes: Vec<&str> = $name::ALL.iter().map(|value| value.code()).collect();
                codes.join(", ")
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.code())
            }
        }
    };
}
pub(crate) use code_enum;

code_enum! {
    /// Where an account is in its life.
    Status {
        Active => "active",
        Settled => "settled",
        Paid => "paid",
        WrittenOff => "written_off",
        Recalled => "recalled",
        Closed => "closed",
    }
}

impl Status {
    /// Allowed lifecycle moves. Every resolved state may reopen to `active` because a
    /// payment that settled or paid the debt can still be returned (NSF, chargeback), and
    /// a recalled or written-off debt can be placed again; `closed` is final.
    pub fn can_become(self, next: Status) -> bool {
        use Status::*;
        matches!(
            (self, next),
            (Active, Settled | Paid | WrittenOff | Recalled | Closed)
                | (Settled | Paid | WrittenOff | Recalled, Active | Closed)
        )
    }

    /// Whether collection work (calls, letters) may happen on the account at all.
    pub fn is_collectible(self) -> bool {
        self == Status::Active
    }
}

code_enum! {
    /// Restrictions placed on an account, independent of status; several can coexist.
    HoldKind {
        Dispute => "dispute",
        Cease => "cease",
        Attorney => "attorney",
        Bankruptcy => "bankruptcy",
        Deceased => "deceased",
        Legal => "legal",
    }
}

code_enum! {
    /// Agreements with the debtor, independent of status and holds.
    ArrangementKind {
        Promise => "promise",
        Plan => "plan",
        Settlement => "settlement",
    }
}

code_enum! {
    Product {
        CreditCard => "credit_card",
        PersonalLoan => "personal_loan",
        AutoLoan => "auto_loan",
        Mortgage => "mortgage",
        Utility => "utility",
        Telecom => "telecom",
        Medical => "medical",
        Commercial => "commercial",
        Other => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifecycle() {
        assert!(Status::Active.can_become(Status::Paid));
        assert!(Status::Paid.can_become(Status::Active));
        assert!(Status::Settled.can_become(Status::Closed));
        assert!(!Status::Closed.can_become(Status::Active));
        assert!(!Status::Paid.can_become(Status::Settled));
        assert!(!Status::Active.can_become(Status::Active));
        for status in Status::ALL {
            assert_eq!(Status::parse(status.code()), Some(*status));
        }
    }
}
