//! A placement: one debt handed to the agency by a creditor, fully parsed.
//!
//! Files are parsed into this type at the edge (`ingest`); storage takes only this type,
//! so nothing unparsed reaches the database.

use crate::account::Product;
use crate::ids::{AccountRef, CreditorCode, DebtorRef};
use crate::ledger::{Buckets, Entry, Reason};
use crate::money::{Amount, BasisPoints, Currency};
use crate::party::{ContactKind, EmailAddress, Language, PhoneNumber};
use jiff::civil::Date;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Placement {
    pub creditor: CreditorCode,
    pub account_ref: AccountRef,
    pub debtor_ref: DebtorRef,
    pub first_name: String,
    pub last_name: String,
    pub currency: Currency,
    /// Amount owed at placement per bucket; adds up to the file's `balance`.
    pub balance: Buckets,
    pub delinquent_since: Date,
    pub product: Product,
    pub original_creditor: Option<String>,
    pub itemization: Option<Itemization>,
    pub apr: BasisPoints,
    pub charge_off_date: Option<Date>,
    pub last_payment: Option<LastPayment>,
    pub statute_expires_on: Option<Date>,
    pub collateral: Option<String>,
    pub service_id: Option<String>,
    pub date_of_birth: Option<Date>,
    /// Exactly four digits.
    pub ssn_last4: Option<String>,
    pub address: Option<MailingAddress>,
    /// Distinct numbers, at most one per kind.
    pub phones: Vec<(ContactKind, PhoneNumber)>,
    pub email: Option<EmailAddress>,
    pub language: Language,
    /// The IANA zone given in the file, or else every zone of the mailing state and the
    /// phones' area codes; empty only when none of those is known.
    pub time_zones: Vec<String>,
}

/// Reg F itemization (12 CFR 1006.34(c)(2)(vi)–(viii)): the amount owed on the
/// itemization date and what changed since. Invariant: `balance + interest + fees −
/// payments − credits` equals the placement balance.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Itemization {
    pub date: Date,
    pub balance: Amount,
    pub interest: Amount,
    pub fees: Amount,
    pub payments: Amount,
    pub credits: Amount,
}

impl Itemization {
    /// The current amount the itemization implies; `None` on overflow.
    pub fn implied_balance(&self) -> Option<Amount> {
        self.balance
            .checked_add(self.interest)?
            .checked_add(self.fees)?
            .checked_sub(self.payments)?
            .checked_sub(self.credits)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LastPayment {
    pub date: Date,
    pub amount: Option<Amount>,
}

/// A mailing address as the creditor gave it. Real placement files have rows with only
/// part of one (a state and ZIP code but no street or city): such an address is kept,
/// because the state and ZIP still decide the debtor's time zones and state rules, but it
/// is not mailable — nothing may be mailed to it until the debtor is located.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MailingAddress {
    pub line1: Option<String>,
    pub line2: Option<String>,
    pub city: Option<String>,
    /// USPS code, see [`crate::party::US_STATES`]; `None` outside the US (or not given).
    pub state: Option<String>,
    pub postal_code: Option<String>,
    /// ISO 3166-1 alpha-2.
    pub country: String,
}

impl MailingAddress {
    /// The parts a letter needs that are missing, by field name: a street line, a city,
    /// a postal code, and in the US a state.
    pub fn missing(&self) -> Vec<&'static str> {
        let mut missing = Vec::new();
        if self.line1.is_none() {
            missing.push("address_line1");
        }
        if self.city.is_none() {
            missing.push("city");
        }
        if self.country == "US" && self.state.is_none() {
            missing.push("state");
        }
        if self.postal_code.is_none() {
            missing.push("postal_code");
        }
        missing
    }

    /// Whether a letter can be mailed to it: nothing [`missing`](Self::missing).
    pub fn is_mailable(&self) -> bool {
        self.missing().is_empty()
    }
}

impl Placement {
    /// The opening ledger entry, dated the day the agency received the debt: the ledger
    /// records what happened while the agency held it (`delinquent_since` stays on the
    /// account for aging).
    pub fn opening_entry(&self, placed_on: Date) -> Entry {
        Entry::new(Reason::Placement, self.balance, placed_on)
            .expect("a parsed placement has a positive total and no negative bucket")
    }

    pub fn total_balance(&self) -> Amount {
        self.balance.total().expect("checked when parsed")
    }
}
