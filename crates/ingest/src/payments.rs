//! Payment files: the payment CSV of the shared spec, and the bank files (NACHA ACH,
//! BAI2) turned into the same items. Matching them to accounts is the store's job.
//!
//! Rules (docs/money.md): in a NACHA file a debit entry is a payment collected from the
//! debtor (its individual identification number is the account reference, its trace
//! number identifies it) and a return entry (addenda 99) returns the payment whose trace
//! its addenda names; credits and notifications of change are listed, not posted. In a
//! BAI2 file every credit (type codes 100–399) is a payment matched by its customer
//! reference, then its bank reference; debits are listed, not posted.

use crate::placement::{LineEndings, Problem, Rejection, parse_date};
use crate::{bai2, nacha};
use domain::money::{Amount, Currency};
use domain::payment::{IncomingPayment, IncomingReturn, Item, ItemKind, Method, Original};
use jiff::civil::Date;
use sha2::{Digest, Sha256};
use std::collections::HashSet;

/// Columns of the payment CSV.
pub const COLUMNS: &[&str] = &[
    "creditor",
    "account_ref",
    "payment_ref",
    "paid_on",
    "amount",
    "method",
    "kind",
    "reverses",
];
const REQUIRED: &[&str] = &[
    "creditor",
    "account_ref",
    "payment_ref",
    "paid_on",
    "amount",
];
/// Longest reference accepted.
pub const REFERENCE_LENGTH_MAX: usize = 64;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Csv,
    Bai2,
    Nacha,
}

impl Format {
    pub fn parse(code: &str) -> Option<Format> {
        match code {
            "csv" => Some(Format::Csv),
            "bai2" => Some(Format::Bai2),
            "nacha" => Some(Format::Nacha),
            _ => None,
        }
    }

    pub fn source(self) -> domain::payment::Source {
        match self {
            Format::Csv => domain::payment::Source::Csv,
            Format::Bai2 => domain::payment::Source::Bai2,
            Format::Nacha => domain::payment::Source::Nacha,
        }
    }

    /// Guesses from the first bytes: `101` is a NACHA file header, `01,` a BAI2 one.
    pub fn sniff(bytes: &[u8]) -> Format {
        let start = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        if start.starts_with(b"101") {
            Format::Nacha
        } else if start.starts_with(b"01,") {
            Format::Bai2
        } else {
            Format::Csv
        }
    }
}

/// An entry of a bank file that is not posted, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listed {
    pub line: u64,
    pub amount: Amount,
    pub reference: String,
    pub why: String,
}

/// What a payment file holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaymentFile {
    pub format: Format,
    pub sha256: String,
    pub items: Vec<Item>,
    /// Bank-file entries that are not payments or returns.
    pub listed: Vec<Listed>,
    pub warnings: Vec<String>,
}

/// Bank dates more than this many days before the processing date are taken for
/// placeholders (moov-io's return sample says 2000-01-01) and replaced by it.
pub const BANK_DATE_PAST_DAYS_MAX: i64 = 400;
/// Same, after the processing date (an effective date a few days ahead is normal).
pub const BANK_DATE_FUTURE_DAYS_MAX: i64 = 60;

fn plausible(on: Date, today: Date) -> bool {
    let days: i64 = (on - today).get_days().into();
    (-BANK_DATE_PAST_DAYS_MAX..=BANK_DATE_FUTURE_DAYS_MAX).contains(&days)
}

pub fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Reads a payment file of `format`. `currency_of` gives a creditor's currency (CSV
/// amounts are read with its minor digits; an unknown creditor is an error);
/// `default_date` dates bank entries whose file gives no date.
pub fn read(
    file_name: &str,
    bytes: &[u8],
    format: Format,
    currency_of: &dyn Fn(&str) -> Option<Currency>,
    default_date: Date,
) -> Result<PaymentFile, Rejection> {
    let reject = |problems: Vec<Problem>| {
        let total = problems.len() as u64;
        Rejection {
            problems,
            problems_total: total,
        }
    };
    let problem = |line: u64, column: &str, value: &str, reason: String| {
        Problem::new(file_name, line, column, value, &reason)
    };
    match format {
        Format::Csv => read_csv(file_name, bytes, currency_of),
        Format::Nacha => {
            let parsed = nacha::parse(bytes).map_err(|problems| {
                reject(
                    problems
                        .into_iter()
                        .map(|p| Problem {
                            offset: p.offset.map(|offset| offset as u64),
                            ..problem(p.line as u64, p.field, "", p.reason)
                        })
                        .collect(),
                )
            })?;
            let mut items = Vec::new();
            let mut listed = Vec::new();
            let mut warnings: Vec<String> = parsed
                .warnings
                .iter()
                .map(|p| p.describe(file_name))
                .collect();
            for entry in &parsed.entries {
                let line = entry.line as u64;
                let on = match entry.effective_on {
                    Some(on) if plausible(on, default_date) => on,
                    Some(on) => {
                        warnings.push(format!(
                            "{file_name}:{line}: effective entry date {on} is far from {default_date}; dated {default_date}"
                        ));
                        default_date
                    }
                    None => default_date,
                };
                match entry.kind {
                    nacha::EntryKind::Debit => items.push(Item {
                        line,
                        kind: ItemKind::Payment(IncomingPayment {
                            creditor: None,
                            account_ref: entry.individual_id.clone(),
                            fallback_ref: None,
                            payment_ref: format!("ach-{}", entry.trace_number),
                            paid_on: on,
                            amount: entry.amount,
                            method: Method::Ach,
                            trace: Some(entry.trace_number.clone()),
                        }),
                    }),
                    nacha::EntryKind::Return => items.push(Item {
                        line,
                        kind: ItemKind::Return(IncomingReturn {
                            creditor: None,
                            original: Original::Trace(
                                entry.original_trace.clone().unwrap_or_default(),
                            ),
                            return_ref: format!("ach-{}", entry.trace_number),
                            returned_on: on,
                            amount: entry.amount,
                            return_code: entry.return_code.clone(),
                        }),
                    }),
                    nacha::EntryKind::Credit => listed.push(Listed {
                        line,
                        amount: entry.amount,
                        reference: entry.individual_id.clone(),
                        why: "a credit to the receiver, not a payment".into(),
                    }),
                    nacha::EntryKind::Other => listed.push(Listed {
                        line,
                        amount: entry.amount,
                        reference: entry.individual_id.clone(),
                        why: "not a payment or a return (e.g. a notification of change)".into(),
                    }),
                }
            }
            Ok(PaymentFile {
                format,
                sha256: sha256(bytes),
                items,
                listed,
                warnings,
            })
        }
        Format::Bai2 => {
            let parsed = bai2::parse(bytes)
                .map_err(|p| reject(vec![problem(p.line as u64, p.field, "", p.reason)]))?;
            // Lockbox files carry no currency per item: amounts are held to the dollar's
            // limit, the widest of the creditors' usual two-decimal currencies.
            let too_large: Vec<Problem> = parsed
                .transactions
                .iter()
                .filter_map(|transaction| {
                    let limit = domain::money::Currency::USD.within_limit(transaction.amount);
                    limit.err().map(|error| {
                        problem(
                            transaction.line as u64,
                            "amount",
                            &transaction.amount.minor().to_string(),
                            error.to_string(),
                        )
                    })
                })
                .collect();
            if !too_large.is_empty() {
                return Err(reject(too_large));
            }
            let mut items = Vec::new();
            let mut listed = Vec::new();
            for transaction in &parsed.transactions {
                let line = transaction.line as u64;
                let (customer, bank) = (
                    transaction.customer_reference.trim(),
                    transaction.bank_reference.trim(),
                );
                if !transaction.is_credit() {
                    listed.push(Listed {
                        line,
                        amount: transaction.amount,
                        reference: customer.to_string(),
                        why: format!("type {} is a debit, not a payment", transaction.type_code),
                    });
                    continue;
                }
                let (account_ref, fallback_ref) = match (customer.is_empty(), bank.is_empty()) {
                    (false, false) => (customer.to_string(), Some(bank.to_string())),
                    (false, true) => (customer.to_string(), None),
                    (true, _) => (bank.to_string(), None),
                };
                let on = transaction.as_of.unwrap_or(default_date);
                let payment_ref = if bank.is_empty() {
                    format!("bai2-{on}-{}-{line}", transaction.account)
                } else {
                    format!("bai2-{bank}")
                };
                items.push(Item {
                    line,
                    kind: ItemKind::Payment(IncomingPayment {
                        creditor: None,
                        account_ref,
                        fallback_ref,
                        payment_ref,
                        paid_on: on,
                        amount: transaction.amount,
                        method: match transaction.type_code {
                            195 | 196 | 206 | 208 => Method::Wire,
                            142 | 165 | 166 | 169 => Method::Ach,
                            115 | 116 | 118 | 121 | 122 | 135 | 136 | 140 | 175 | 187 => {
                                Method::Check
                            }
                            _ => Method::Other,
                        },
                        trace: (!bank.is_empty()).then(|| bank.to_string()),
                    }),
                });
            }
            Ok(PaymentFile {
                format,
                sha256: sha256(bytes),
                items,
                listed,
                warnings: Vec::new(),
            })
        }
    }
}

fn read_csv(
    file_name: &str,
    bytes: &[u8],
    currency_of: &dyn Fn(&str) -> Option<Currency>,
) -> Result<PaymentFile, Rejection> {
    let mut found = Found::default();
    let problem = |line: u64, column: &str, value: &str, reason: String| {
        Problem::new(file_name, line, column, value, &reason)
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(LineEndings::new(
            bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes),
        ));
    let headers: Vec<String> = match reader.byte_headers() {
        Ok(headers) => headers
            .iter()
            .map(|header| String::from_utf8_lossy(header).trim().to_string())
            .collect(),
        Err(error) => {
            return Err(Rejection {
                problems: vec![problem(1, "header", "", error.to_string())],
                problems_total: 1,
            });
        }
    };
    let index = |name: &str| headers.iter().position(|header| header == name);
    for name in REQUIRED {
        if index(name).is_none() {
            found.add(problem(1, name, "", "required column missing".into()));
        }
    }
    for header in &headers {
        if !COLUMNS.contains(&header.as_str()) {
            found.add(problem(
                1,
                header,
                header,
                format!("unknown column; payment files have {}", COLUMNS.join(", ")),
            ));
        }
    }
    if found.total > 0 {
        return Err(found.rejection());
    }
    let columns: Vec<Option<usize>> = COLUMNS.iter().map(|name| index(name)).collect();
    let mut items = Vec::new();
    let mut seen_refs: HashSet<(String, String)> = HashSet::new();
    let mut record = csv::ByteRecord::new();
    loop {
        let line = reader.position().line() + 1;
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(error) => {
                found.add(problem(line, "row", "", error.to_string()));
                break;
            }
        }
        let line = record.position().map_or(line, |position| position.line());
        if record.len() != headers.len() {
            found.add(problem(
                line,
                "row",
                "",
                format!("{} fields, the header has {}", record.len(), headers.len()),
            ));
            continue;
        }
        // Each field as text; one that is not UTF-8 is named and read as empty.
        let mut texts: Vec<&str> = Vec::with_capacity(COLUMNS.len());
        let mut not_text: Vec<&str> = Vec::new();
        let mut bad = false;
        for (name, column) in COLUMNS.iter().zip(&columns) {
            let bytes = column
                .and_then(|index| record.get(index))
                .unwrap_or_default();
            match std::str::from_utf8(bytes) {
                // A NUL, a stray byte-order mark or another hidden character
                // (`domain::text`) is named like invalid UTF-8: never stored.
                Ok(text) if domain::text::first_refused(text).is_some() => {
                    let message = domain::text::refusal_message(text).unwrap_or_default();
                    found.add(problem(line, name, text, message));
                    not_text.push(name);
                    bad = true;
                    texts.push("");
                }
                Ok(text) => texts.push(text.trim()),
                Err(_) => {
                    let lossy = String::from_utf8_lossy(bytes);
                    found.add(problem(line, name, &lossy, "not valid UTF-8".into()));
                    not_text.push(name);
                    bad = true;
                    texts.push("");
                }
            }
        }
        let field = |name: &str| -> &str {
            let position = COLUMNS
                .iter()
                .position(|column| *column == name)
                .expect("known");
            texts[position]
        };
        let before = found.total;
        for name in ["creditor", "account_ref", "payment_ref", "reverses"] {
            let value = field(name);
            if not_text.contains(&name) {
                continue;
            }
            if value.is_empty() && REQUIRED.contains(&name) {
                found.add(problem(line, name, value, "required".into()));
            } else if value.len() > REFERENCE_LENGTH_MAX {
                found.add(problem(
                    line,
                    name,
                    value,
                    format!("longer than {REFERENCE_LENGTH_MAX} characters"),
                ));
            }
        }
        bad |= found.total > before;
        let creditor = field("creditor").to_string();
        let account_ref = field("account_ref").to_string();
        let payment_ref = field("payment_ref").to_string();
        let reverses = field("reverses").to_string();
        let paid_on = match parse_date(field("paid_on")) {
            Ok(date) => Some(date),
            Err(_) if not_text.contains(&"paid_on") => None,
            Err(reason) => {
                found.add(problem(line, "paid_on", field("paid_on"), reason));
                None
            }
        };
        let currency = currency_of(&creditor);
        if currency.is_none() && !creditor.is_empty() {
            found.add(problem(
                line,
                "creditor",
                &creditor,
                "no such creditor".into(),
            ));
        }
        let amount = match currency.map(|currency| currency.parse_amount(field("amount"))) {
            None => None,
            Some(_) if not_text.contains(&"amount") => None,
            Some(Ok(amount)) if amount.is_positive() => Some(amount),
            Some(Ok(_)) => {
                found.add(problem(
                    line,
                    "amount",
                    field("amount"),
                    "must be above zero".into(),
                ));
                None
            }
            Some(Err(error)) => {
                found.add(problem(line, "amount", field("amount"), error.to_string()));
                None
            }
        };
        let method = match field("method") {
            "" => Some(Method::Other),
            code => match Method::parse(code) {
                Some(method) => Some(method),
                None => {
                    found.add(problem(
                        line,
                        "method",
                        code,
                        format!("expected one of {}", Method::codes()),
                    ));
                    None
                }
            },
        };
        let kind = field("kind");
        let is_reversal = match kind {
            "" | "payment" => false,
            "reversal" => true,
            other => {
                found.add(problem(
                    line,
                    "kind",
                    other,
                    "expected payment or reversal".into(),
                ));
                bad = true;
                false
            }
        };
        if is_reversal && reverses.is_empty() {
            found.add(problem(
                line,
                "reverses",
                "",
                "a reversal names the payment_ref it reverses".into(),
            ));
            bad = true;
        }
        if !is_reversal && !reverses.is_empty() {
            found.add(problem(
                line,
                "reverses",
                &reverses,
                "only a reversal reverses a payment".into(),
            ));
            bad = true;
        }
        if !payment_ref.is_empty() && !seen_refs.insert((creditor.clone(), payment_ref.clone())) {
            found.add(problem(
                line,
                "payment_ref",
                &payment_ref,
                "appears twice in this file".into(),
            ));
            bad = true;
        }
        let (Some(paid_on), Some(amount), Some(method), false) = (paid_on, amount, method, bad)
        else {
            continue;
        };
        let kind = if is_reversal {
            ItemKind::Return(IncomingReturn {
                creditor: Some(creditor),
                original: Original::PaymentRef(reverses),
                return_ref: payment_ref,
                returned_on: paid_on,
                amount,
                return_code: None,
            })
        } else {
            ItemKind::Payment(IncomingPayment {
                creditor: Some(creditor),
                account_ref,
                fallback_ref: None,
                payment_ref,
                paid_on,
                amount,
                method,
                trace: None,
            })
        };
        items.push(Item { line, kind });
    }
    if found.total > 0 {
        return Err(found.rejection());
    }
    Ok(PaymentFile {
        format: Format::Csv,
        sha256: sha256(bytes),
        items,
        listed: Vec::new(),
        warnings: Vec::new(),
    })
}

#[derive(Default)]
struct Found {
    problems: Vec<Problem>,
    total: u64,
}

impl Found {
    fn add(&mut self, problem: Problem) {
        self.total += 1;
        if self.problems.len() < crate::placement::PROBLEMS_REPORTED_MAX {
            self.problems.push(problem);
        }
    }

    fn rejection(self) -> Rejection {
        Rejection {
            problems: self.problems,
            problems_total: self.total,
        }
    }
}
