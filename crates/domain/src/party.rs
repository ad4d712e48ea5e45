//! Debtors (people), their contact points, and system users' roles.

use crate::account::code_enum;
use std::fmt;

code_enum! {
    /// Preferred language for letters and call scripts.
    Language {
        En => "en",
        Es => "es",
    }
}

code_enum! {
    /// How a contact point reaches the debtor.
    ContactKind {
        PhoneHome => "phone_home",
        PhoneMobile => "phone_mobile",
        PhoneWork => "phone_work",
        Email => "email",
    }
}

impl ContactKind {
    pub fn is_phone(self) -> bool {
        !matches!(self, ContactKind::Email)
    }
}

code_enum! {
    ContactStatus {
        Unverified => "unverified",
        Verified => "verified",
        Bad => "bad",
        WrongParty => "wrong_party",
    }
}

impl ContactStatus {
    /// The one definition of a usable contact point: not known to be bad and not known
    /// to reach someone else. Unverified points are usable (most placements are).
    pub fn is_usable(self) -> bool {
        !matches!(self, ContactStatus::Bad | ContactStatus::WrongParty)
    }
}

code_enum! {
    /// Consent for electronic or autodialed contact on this point.
    Consent {
        Unknown => "unknown",
        Granted => "granted",
        Revoked => "revoked",
    }
}

code_enum! {
    Role {
        Agent => "agent",
        Supervisor => "supervisor",
        Manager => "manager",
        Billing => "billing",
        Admin => "admin",
        Auditor => "auditor",
    }
}

/// A US phone number normalised to E.164 (`+16175550123`); [`PhoneNumber::display`] writes
/// it for people, and [`PhoneNumber::parse`] reads that back.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PhoneNumber(String);

impl PhoneNumber {
    /// Accepts NANP numbers written with the usual punctuation: `(617) 555-0123`,
    /// `617-555-0123`, `617.555.0123`, `6175550123`, `+1 617 555 0123`.
    pub fn parse(text: &str) -> Option<PhoneNumber> {
        let allowed = |c: char| c.is_ascii_digit() || " ()-.+".contains(c);
        if !text.chars().all(allowed) || text.matches('+').count() > 1 {
            return None;
        }
        if text.contains('+') && !text.trim_start().starts_with("+1") {
            return None;
        }
        let mut digits: String = text.chars().filter(char::is_ascii_digit).collect();
        if digits.len() == 11 && digits.starts_with('1') {
            digits.remove(0);
        }
        let bytes = digits.as_bytes();
        // NANP: area code and exchange both start 2-9.
        if bytes.len() != 10 || bytes[0] < b'2' || bytes[3] < b'2' {
            return None;
        }
        Some(PhoneNumber(format!("+1{digits}")))
    }

    pub fn e164(&self) -> &str {
        &self.0
    }

    pub fn area_code(&self) -> &str {
        &self.0[2..5]
    }

    /// The number as people read it in the US: `(617) 555-0123`.
    pub fn display(&self) -> String {
        let digits = &self.0[2..];
        format!("({}) {}-{}", &digits[..3], &digits[3..6], &digits[6..])
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An email address, trimmed and lower-cased in the domain part. Checked loosely (one
/// `@`, a dotted domain, no spaces): mail servers are the final judge.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EmailAddress(String);

impl EmailAddress {
    pub const LENGTH_MAX: usize = 254;

    pub fn parse(text: &str) -> Option<EmailAddress> {
        let text = text.trim();
        let (local, domain) = text.split_once('@')?;
        let valid = !local.is_empty()
            && text.len() <= Self::LENGTH_MAX
            && !domain.contains('@')
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !text.chars().any(|c| c.is_whitespace() || c.is_control());
        valid.then(|| EmailAddress(format!("{local}@{}", domain.to_ascii_lowercase())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// USPS codes of the states, DC and the inhabited territories.
pub const US_STATES: &[&str] = &[
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN", "IA",
    "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM",
    "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA",
    "WV", "WI", "WY", "PR", "GU", "VI", "AS", "MP",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_are_displayed_the_us_way_and_read_back() {
        let phone = PhoneNumber::parse("+16175550123").unwrap();
        assert_eq!(phone.display(), "(617) 555-0123");
        assert_eq!(PhoneNumber::parse(&phone.display()), Some(phone));
    }

    #[test]
    fn phone_numbers_normalise() {
        for text in [
            "(617) 555-0123",
            "617-555-0123",
            "617.555.0123",
            "6175550123",
            "+1 617 555 0123",
            "1-617-555-0123",
        ] {
            assert_eq!(
                PhoneNumber::parse(text).unwrap().e164(),
                "+16175550123",
                "{text}"
            );
        }
        for bad in [
            "555-0123",
            "(117) 555-0123",
            "617-155-0123",
            "+44 20 7946 0958",
            "617-555-O123",
            "",
        ] {
            assert_eq!(PhoneNumber::parse(bad), None, "{bad}");
        }
        assert_eq!(
            PhoneNumber::parse("617 555 0123").unwrap().area_code(),
            "617"
        );
    }

    #[test]
    fn emails() {
        assert_eq!(
            EmailAddress::parse(" Maria@Example.COM ").unwrap().as_str(),
            "Maria@example.com"
        );
        for bad in [
            "maria",
            "maria@",
            "@example.com",
            "a@b",
            "a b@example.com",
            "a@@example.com",
        ] {
            assert_eq!(EmailAddress::parse(bad), None, "{bad}");
        }
    }
}
