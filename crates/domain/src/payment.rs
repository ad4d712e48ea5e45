//! Payments: how they arrive and how banks say they came back.

use crate::account::code_enum;
use crate::money::Amount;
use jiff::civil::Date;
use std::fmt;

code_enum! {
    /// How the debtor paid (the payment file's `method` column).
    Method {
        Ach => "ach",
        Card => "card",
        Check => "check",
        Cash => "cash",
        Wire => "wire",
        Other => "other",
    }
}

code_enum! {
    /// Where a payment was entered.
    Source {
        Agent => "agent",
        Api => "api",
        Csv => "csv",
        Bai2 => "bai2",
        Nacha => "nacha",
    }
}

/// Whether a return reason means the debtor's money was not there (NSF and the like),
/// which is when a creditor's returned-payment fee applies. A return with no code (a
/// bounced check reported in a payment file) counts as one.
pub fn is_insufficient_funds(return_code: Option<&str>) -> bool {
    matches!(return_code, None | Some("R01" | "R09"))
}

/// The NACHA return reason codes a collections team meets most, for messages.
pub fn return_reason(code: &str) -> Option<&'static str> {
    Some(match code {
        "R01" => "insufficient funds",
        "R02" => "account closed",
        "R03" => "no account / unable to locate account",
        "R04" => "invalid account number",
        "R05" => "unauthorized debit to consumer account",
        "R06" => "returned per ODFI's request",
        "R07" => "authorization revoked by customer",
        "R08" => "payment stopped",
        "R09" => "uncollected funds",
        "R10" => "customer advises not authorized",
        "R16" => "account frozen",
        "R20" => "non-transaction account",
        "R29" => "corporate customer advises not authorized",
        _ => return None,
    })
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IncomingPayment {
    /// The creditor, when the source names it (payment CSV, agents); bank files don't.
    pub creditor: Option<String>,
    pub account_ref: String,
    /// A second reference to try when `account_ref` matches no account (a BAI2
    /// credit's bank reference after its customer reference).
    pub fallback_ref: Option<String>,
    pub payment_ref: String,
    pub paid_on: Date,
    pub amount: Amount,
    pub method: Method,
    /// The bank's trace (NACHA trace number, BAI2 bank reference), for returns.
    pub trace: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Original {
    /// The returned payment's `payment_ref` (payment CSV reversals).
    PaymentRef(String),
    /// The returned entry's trace number (NACHA return addenda).
    Trace(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IncomingReturn {
    pub creditor: Option<String>,
    pub original: Original,
    /// What identifies the return itself (the reversal row's `payment_ref`, the return
    /// entry's trace number).
    pub return_ref: String,
    pub returned_on: Date,
    pub amount: Amount,
    pub return_code: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ItemKind {
    Payment(IncomingPayment),
    Return(IncomingReturn),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item {
    /// Line in the file (1 for an agent's payment).
    pub line: u64,
    pub kind: ItemKind,
}

impl Item {
    pub fn amount(&self) -> Amount {
        match &self.kind {
            ItemKind::Payment(payment) => payment.amount,
            ItemKind::Return(item) => item.amount,
        }
    }

    pub fn reference(&self) -> &str {
        match &self.kind {
            ItemKind::Payment(payment) => &payment.account_ref,
            ItemKind::Return(item) => match &item.original {
                Original::PaymentRef(reference) | Original::Trace(reference) => reference,
            },
        }
    }
}
