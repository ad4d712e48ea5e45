//! The facts a compliance question is asked about, with the codes the contract fixes
//! (docs/compliance-check.md). Parsing JSON is the edges' job; these are the parsed forms.

use jiff::{Span, Timestamp};

macro_rules! codes {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $code:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The contract's code.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            pub fn parse(code: &str) -> Option<$name> {
                match code { $($code => Some($name::$variant),)+ _ => None }
            }
        }
    };
}

codes! {
    /// What the collector proposes to do.
    Action {
        Call => "call",
        Sms => "sms",
        Email => "email",
        Letter => "letter",
        Visit => "visit",
        CreditReport => "credit_report",
        Lawsuit => "lawsuit",
    }
}

impl Action {
    /// Communications: what cease, attorney, workplace and deceased rules restrict.
    pub fn is_communication(self) -> bool {
        matches!(
            self,
            Action::Call | Action::Sms | Action::Email | Action::Letter | Action::Visit
        )
    }

    /// Timed actions: what the time-of-day rules restrict.
    pub fn is_timed(self) -> bool {
        matches!(
            self,
            Action::Call | Action::Sms | Action::Email | Action::Visit
        )
    }
}

codes! {
    Recipient {
        Consumer => "consumer",
        EstateRepresentative => "estate_representative",
        Attorney => "attorney",
    }
}

codes! {
    Purpose {
        Collection => "collection",
        CeaseConfirmation => "cease_confirmation",
        RemedyNotice => "remedy_notice",
        Verification => "verification",
        OptOutConfirmation => "opt_out_confirmation",
    }
}

codes! {
    ContactPointKind {
        Home => "home",
        Mobile => "mobile",
        Work => "work",
        Email => "email",
        Address => "address",
    }
}

codes! {
    Outcome {
        Conversation => "conversation",
        NoAnswer => "no_answer",
        Voicemail => "voicemail",
        Busy => "busy",
        WrongParty => "wrong_party",
        NotConnected => "not_connected",
        NoContact => "no_contact",
        Sent => "sent",
    }
}

impl Outcome {
    /// The outcomes the contract allows for each action in the history.
    pub fn fits(self, action: Action) -> bool {
        match action {
            Action::Call => matches!(
                self,
                Outcome::Conversation
                    | Outcome::NoAnswer
                    | Outcome::Voicemail
                    | Outcome::Busy
                    | Outcome::WrongParty
                    | Outcome::NotConnected
            ),
            Action::Visit => matches!(self, Outcome::Conversation | Outcome::NoContact),
            Action::Letter | Action::Email | Action::Sms => self == Outcome::Sent,
            Action::CreditReport | Action::Lawsuit => false,
        }
    }
}

codes! {
    Direction {
        Outbound => "outbound",
        Inbound => "inbound",
    }
}

/// An earlier contact.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryEntry {
    pub at: Timestamp,
    pub debt_id: String,
    pub action: Action,
    pub outcome: Outcome,
    pub direction: Direction,
    pub recipient: Recipient,
    /// A call placed under a consent the consumer gave directly (the contract's
    /// `"consent": true`): not a counted call (12 CFR 1006.14(b)(3)). It can still be
    /// a conversation. Meaningless for other actions.
    pub consent: bool,
}

impl HistoryEntry {
    /// A call that counts toward the 7-in-7 limit (12 CFR 1006.14(b)(2)–(3)): placed by
    /// the collector, not to the consumer's attorney, about `debt_id`, not under a
    /// consent the consumer gave directly (`consent`), and it connected to
    /// the dialed number (busy and not-connected calls did not, comment 14(b)(3)(ii)-1);
    /// unanswered calls, voicemails and calls someone else answered do count.
    pub fn is_counted_call(&self, debt_id: &str) -> bool {
        self.action == Action::Call
            && self.direction == Direction::Outbound
            && self.recipient != Recipient::Attorney
            && self.debt_id == debt_id
            && !self.consent
            && !matches!(self.outcome, Outcome::Busy | Outcome::NotConnected)
    }

    /// A telephone or in-person conversation about `debt_id`, in either direction (a
    /// consumer-initiated one starts the 7-day block too), not with the attorney.
    pub fn is_conversation(&self, debt_id: &str) -> bool {
        matches!(self.action, Action::Call | Action::Visit)
            && self.outcome == Outcome::Conversation
            && self.recipient != Recipient::Attorney
            && self.debt_id == debt_id
    }
}

/// How long a consent lifts the call-frequency limits after it was given: 7 days
/// (12 CFR 1006.14(b)(3), "within the past seven days"), in hours as the contract says.
pub const CONSENT_LIFTS_FREQUENCY_HOURS: i64 = 7 * 24;

/// Consent given directly by the consumer (12 CFR 1006.6(b)(1), 1006.14(b)(3)): at
/// `given_at` the consumer asked to be contacted with `action` at an instant in
/// [`from`, `to`) — for example a callback they requested. A window whose `from` is not
/// before `to` holds no instant. A consent given after `now` is unknown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Consent {
    pub given_at: Timestamp,
    pub from: Timestamp,
    pub to: Timestamp,
    pub action: Action,
}

impl Consent {
    /// Whether `at` is inside the window [`from`, `to`).
    pub fn covers(&self, at: Timestamp) -> bool {
        self.from <= at && at < self.to
    }

    /// Whether the consent was given at most 7 days (168 hours) before `at`, so it still
    /// lifts the call-frequency limits then.
    pub fn is_recent_at(&self, at: Timestamp) -> bool {
        self.given_at
            .checked_add(Span::new().hours(CONSENT_LIFTS_FREQUENCY_HOURS))
            .ok()
            .is_none_or(|until| at <= until)
    }
}
