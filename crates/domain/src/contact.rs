//! What an agent records after trying to reach someone: the disposition, and what it
//! amounts to (a conversation, a wrong party, a message left…). The compliance engine
//! counts contacts by that result; `app` maps it to the contract's outcome.

use crate::account::code_enum;
use std::fmt;

code_enum! {
    /// The agent's account of an attempt, in the order the workspace offers them.
    Disposition {
        RightPartyContact => "right_party_contact",
        Promise => "promise",
        Refused => "refused",
        WrongNumber => "wrong_number",
        LeftMessage => "left_message",
        NoAnswer => "no_answer",
        Busy => "busy",
        Dispute => "dispute",
        Callback => "callback",
        Deceased => "deceased",
        Bankruptcy => "bankruptcy",
        Attorney => "attorney",
        CeaseRequest => "cease_request",
    }
}

/// What happened on the line (or at the door), whatever the agent's disposition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reached {
    /// Someone on the consumer's side spoke with the collector.
    Conversation,
    /// Someone else answered (wrong number, the consumer has died).
    WrongParty,
    Voicemail,
    NoAnswer,
    Busy,
}

impl Disposition {
    pub fn reached(self) -> Reached {
        use Disposition::*;
        match self {
            RightPartyContact | Promise | Refused | Dispute | Callback | Bankruptcy | Attorney
            | CeaseRequest => Reached::Conversation,
            WrongNumber | Deceased => Reached::WrongParty,
            LeftMessage => Reached::Voicemail,
            NoAnswer => Reached::NoAnswer,
            Busy => Reached::Busy,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for disposition in Disposition::ALL {
            assert_eq!(Disposition::parse(disposition.code()), Some(*disposition));
        }
        assert_eq!(Disposition::parse("spoke"), None);
    }
}
