//! BAI2 balance-reporting and lockbox files: the credits (and debits) a bank reports on
//! the agency's accounts, each with its bank and customer references, for matching
//! payments to accounts.
//!
//! Records are comma-separated and end with `/`; `88` continues the record before it.
//! `01` file header, `02` group header, `03` account identifier (with summary amounts),
//! `16` transaction detail, `49` account trailer, `98` group trailer, `99` file trailer.
//! The trailers' control totals and record counts are checked. Every problem names the
//! line and field; arbitrary bytes never panic.

use domain::money::Amount;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transaction {
    /// 1-based line of the `16` record.
    pub line: usize,
    /// The account number of the `03` record it belongs to.
    pub account: String,
    pub currency: String,
    /// BAI type code: 100–399 credits, 400–699 debits.
    pub type_code: u16,
    pub amount: Amount,
    pub bank_reference: String,
    pub customer_reference: String,
    pub text: String,
    /// The group header's as-of date.
    pub as_of: Option<jiff::civil::Date>,
}

impl Transaction {
    pub fn is_credit(&self) -> bool {
        (100..400).contains(&self.type_code)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bai2File {
    pub transactions: Vec<Transaction>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub line: usize,
    pub field: &'static str,
    pub reason: String,
}

impl Problem {
    /// `FILE:LINE: FIELD: reason`.
    pub fn describe(&self, file: &str) -> String {
        format!("{file}:{}: {}: {}", self.line, self.field, self.reason)
    }
}

/// A logical record: its first line, the fields (continuations joined), and how many
/// physical records it took.
struct Logical {
    line: usize,
    fields: Vec<String>,
    physical: u64,
    /// Continuation lines of a `16` record: more of its free text.
    more_text: String,
}

fn problem(line: usize, field: &'static str, reason: impl Into<String>) -> Problem {
    Problem {
        line,
        field,
        reason: reason.into(),
    }
}

fn records(text: &str) -> Result<Vec<Logical>, Problem> {
    let mut logical: Vec<Logical> = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let raw = raw.trim_end_matches('\r').trim_end();
        if raw.is_empty() {
            continue;
        }
        let body = raw.strip_suffix('/').unwrap_or(raw);
        let (code, rest) = body.split_once(',').unwrap_or((body, ""));
        if code == "88" {
            let Some(previous) = logical.last_mut() else {
                return Err(problem(
                    line,
                    "record",
                    "a continuation (88) with nothing to continue",
                ));
            };
            // A continuation of free text adds to the last field; otherwise more fields.
            if previous.fields.first().is_some_and(|first| first == "16") {
                if !previous.more_text.is_empty() {
                    previous.more_text.push(' ');
                }
                previous.more_text.push_str(rest.trim_end());
            } else {
                previous.fields.extend(rest.split(',').map(str::to_string));
            }
            previous.physical += 1;
            continue;
        }
        let mut fields = vec![code.to_string()];
        if code == "16" {
            // Free text (the last field) may hold commas: split only the fixed fields.
            fields.extend(rest.splitn(7, ',').map(str::to_string));
        } else {
            fields.extend(rest.split(',').map(str::to_string));
        }
        logical.push(Logical {
            line,
            fields,
            physical: 1,
            more_text: String::new(),
        });
    }
    Ok(logical)
}

fn amount(text: &str, line: usize) -> Result<i64, Problem> {
    let digits = text
        .strip_prefix('+')
        .or_else(|| text.strip_prefix('-'))
        .unwrap_or(text);
    if digits.is_empty() {
        return Ok(0);
    }
    if !digits.bytes().all(|byte| byte.is_ascii_digit()) || digits.len() > 15 {
        return Err(problem(
            line,
            "amount",
            format!("{text:?} is not an amount in minor units"),
        ));
    }
    let value: i64 = digits
        .parse()
        .map_err(|_| problem(line, "amount", "too large"))?;
    Ok(if text.starts_with('-') { -value } else { value })
}

fn count(text: &str, line: usize, field: &'static str) -> Result<u64, Problem> {
    text.trim()
        .parse()
        .map_err(|_| problem(line, field, format!("{text:?} is not a count")))
}

/// Adds `amount` to a running control `total`: enough amounts overflow any integer, and
/// a total that wrapped around could match a forged trailer.
fn add(total: &mut i64, amount: i64, line: usize, field: &'static str) -> Result<(), Problem> {
    *total = total.checked_add(amount).ok_or_else(|| {
        problem(
            line,
            field,
            "the amounts add up to more than a total can hold",
        )
    })?;
    Ok(())
}

#[derive(Default)]
struct Tally {
    total: i64,
    records: u64,
    children: u64,
}

/// Parses a whole file, or names its first problem.
pub fn parse(bytes: &[u8]) -> Result<Bai2File, Problem> {
    let text = std::str::from_utf8(bytes).map_err(|_| problem(1, "file", "not UTF-8 text"))?;
    let mut transactions = Vec::new();
    let (mut file, mut group, mut account) = (Tally::default(), Tally::default(), Tally::default());
    let mut as_of: Option<jiff::civil::Date> = None;
    let (mut account_number, mut currency, mut group_currency) =
        (String::new(), String::new(), String::new());
    let mut state = 0u8; // 0 before 01, 1 in file, 2 in group, 3 in account, 4 after 99
    for record in records(text)? {
        let line = record.line;
        let field = |index: usize| record.fields.get(index).map_or("", String::as_str);
        let code = field(0);
        match (code, state) {
            ("01", 0) => {
                state = 1;
                file.records += record.physical;
            }
            ("02", 1) => {
                state = 2;
                group = Tally::default();
                group.records = record.physical;
                group_currency = field(6).to_string();
                as_of = crate::nacha::yymmdd(field(4));
            }
            ("03", 2) => {
                state = 3;
                account = Tally::default();
                account.records = record.physical;
                account_number = field(1).to_string();
                currency = Some(field(2))
                    .filter(|code| !code.is_empty())
                    .unwrap_or(&group_currency)
                    .to_string();
                // Summary items: type code, amount, item count, funds type (in threes).
                let mut index = 3;
                while index + 1 < record.fields.len() {
                    add(
                        &mut account.total,
                        amount(field(index + 1), line)?,
                        line,
                        "amount",
                    )?;
                    index += 4;
                    if field(index - 1) == "S" || field(index - 1) == "V" || field(index - 1) == "D"
                    {
                        return Err(problem(
                            line,
                            "funds type",
                            "distributed availability in a summary is not supported",
                        ));
                    }
                }
            }
            ("16", 3) => {
                account.records += record.physical;
                let type_code: u16 = field(1).parse().map_err(|_| {
                    problem(line, "type code", format!("{:?} is not a number", field(1)))
                })?;
                let value = amount(field(2), line)?;
                add(&mut account.total, value, line, "amount")?;
                // Funds type decides how many fields come before the references.
                let rest: Vec<&str> = record.fields[4.min(record.fields.len())..]
                    .iter()
                    .map(String::as_str)
                    .collect();
                let joined = rest.join(",");
                let mut parts: Vec<&str> = joined.split(',').collect();
                let skip = match field(3) {
                    "" | "0" | "1" | "2" | "Z" => 0,
                    "V" => 2,
                    "S" => 3,
                    "D" => {
                        let pairs: usize =
                            parts.first().and_then(|n| n.parse().ok()).ok_or_else(|| {
                                problem(
                                    line,
                                    "funds type",
                                    "distributed availability without a count",
                                )
                            })?;
                        pairs
                            .checked_mul(2)
                            .and_then(|fields| fields.checked_add(1))
                            .ok_or_else(|| {
                                problem(line, "funds type", "too many availability pairs")
                            })?
                    }
                    other => {
                        return Err(problem(
                            line,
                            "funds type",
                            format!("{other:?} is not 0, 1, 2, Z, S, V or D"),
                        ));
                    }
                };
                if parts.len() < skip {
                    return Err(problem(line, "funds type", "missing availability fields"));
                }
                parts.drain(..skip);
                let bank_reference = parts.first().copied().unwrap_or("").trim().to_string();
                let customer_reference = parts.get(1).copied().unwrap_or("").trim().to_string();
                let mut text = parts
                    .get(2..)
                    .map(|rest| rest.join(","))
                    .unwrap_or_default();
                if !record.more_text.is_empty() {
                    if !text.trim().is_empty() {
                        text.push(' ');
                    }
                    text.push_str(&record.more_text);
                }
                transactions.push(Transaction {
                    line,
                    account: account_number.clone(),
                    currency: currency.clone(),
                    type_code,
                    amount: Amount::from_minor(value.abs()),
                    bank_reference,
                    customer_reference,
                    text: text.trim().to_string(),
                    as_of,
                });
            }
            ("49", 3) => {
                state = 2;
                account.records += record.physical;
                let stated = amount(field(1), line)?;
                if stated != account.total {
                    return Err(problem(
                        line,
                        "account control total",
                        format!(
                            "the trailer says {stated}, the account's amounts make {}",
                            account.total
                        ),
                    ));
                }
                let records = count(field(2), line, "number of records")?;
                if records != account.records {
                    return Err(problem(
                        line,
                        "number of records",
                        format!(
                            "the trailer says {records}, the account has {}",
                            account.records
                        ),
                    ));
                }
                add(&mut group.total, account.total, line, "group control total")?;
                group.records += account.records;
                group.children += 1;
            }
            ("98", 2) => {
                state = 1;
                group.records += record.physical;
                let stated = amount(field(1), line)?;
                if stated != group.total {
                    return Err(problem(
                        line,
                        "group control total",
                        format!(
                            "the trailer says {stated}, the group's accounts make {}",
                            group.total
                        ),
                    ));
                }
                if count(field(2), line, "number of accounts")? != group.children {
                    return Err(problem(
                        line,
                        "number of accounts",
                        format!("the group has {}", group.children),
                    ));
                }
                if count(field(3), line, "number of records")? != group.records {
                    return Err(problem(
                        line,
                        "number of records",
                        format!("the group has {}", group.records),
                    ));
                }
                add(&mut file.total, group.total, line, "file control total")?;
                file.records += group.records;
                file.children += 1;
            }
            ("99", 1) => {
                state = 4;
                file.records += record.physical;
                let stated = amount(field(1), line)?;
                if stated != file.total {
                    return Err(problem(
                        line,
                        "file control total",
                        format!("the trailer says {stated}, the groups make {}", file.total),
                    ));
                }
                if count(field(2), line, "number of groups")? != file.children {
                    return Err(problem(
                        line,
                        "number of groups",
                        format!("the file has {}", file.children),
                    ));
                }
                if count(field(3), line, "number of records")? != file.records {
                    return Err(problem(
                        line,
                        "number of records",
                        format!("the file has {}", file.records),
                    ));
                }
            }
            (code, _) => {
                return Err(problem(
                    line,
                    "record",
                    format!("record {code:?} is not expected here"),
                ));
            }
        }
    }
    if state != 4 {
        return Err(problem(
            text.lines().count().max(1),
            "record",
            "no file trailer (99)",
        ));
    }
    Ok(Bai2File { transactions })
}
