//! BAI2 balance-reporting and lockbox files: the credits (and debits) a bank reports on
//! the agency's accounts, each with its bank and customer references, for matching
//! payments to accounts.
//!
//! Records are comma-separated and end with `/`; `88` continues the record before it
//! with its next field, in the same format (an account's summaries, a transaction's
//! references, and once begun its free text). `01` file header, `02` group header, `03`
//! account identifier (with summary amounts), `16` transaction detail, `49` account
//! trailer, `98` group trailer, `99` file trailer. The trailers' control totals (every
//! amount of the `03`s, their continuations included, and of the `16`s) and record
//! counts (`88`s included) are checked. Every problem names the line and field;
//! arbitrary bytes never panic.

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

/// A logical record: its code and its physical records (the first after its code, then
/// each `88`), each as its line and its text without the `/` that ends it.
struct Logical {
    line: usize,
    code: String,
    parts: Vec<(usize, String)>,
}

impl Logical {
    fn physical(&self) -> u64 {
        self.parts.len() as u64
    }

    fn fields(&self) -> Fields<'_> {
        Fields {
            parts: &self.parts,
            part: 0,
            rest: self.parts.first().map(|(_, text)| text.as_str()),
        }
    }
}

/// A field as read: its physical line, its text (trimmed of spaces), and whether it is
/// the last of its physical record.
#[derive(Clone, Copy)]
struct Field<'a> {
    line: usize,
    text: &'a str,
    last_in_record: bool,
}

/// The fields of a logical record in order: a continuation (`88`) goes on with the next
/// field of the record it continues (BAI2: "in the same format").
struct Fields<'a> {
    parts: &'a [(usize, String)],
    part: usize,
    /// What is left of the current physical record; `None` once its last field is read.
    rest: Option<&'a str>,
}

impl<'a> Fields<'a> {
    fn next_field(&mut self) -> Option<Field<'a>> {
        loop {
            let line = self.parts.get(self.part)?.0;
            if let Some(rest) = self.rest {
                let (text, after) = match rest.split_once(',') {
                    Some((text, after)) => (text, Some(after)),
                    None => (rest, None),
                };
                self.rest = after;
                return Some(Field {
                    line,
                    text: text.trim(),
                    last_in_record: after.is_none(),
                });
            }
            self.part += 1;
            self.rest = self.parts.get(self.part).map(|(_, text)| text.as_str());
        }
    }

    /// Whether what is left of the current physical record is only empty fields.
    fn rest_of_record_is_empty(&self) -> bool {
        self.rest
            .is_none_or(|rest| rest.bytes().all(|byte| byte == b',' || byte == b' '))
    }

    /// Skips what is left of the current physical record.
    fn skip_rest_of_record(&mut self) {
        self.rest = None;
    }

    /// The first field of the next physical record, without taking it.
    fn peek_two(&self) -> (Option<Field<'a>>, Option<Field<'a>>) {
        let mut ahead = Fields {
            parts: self.parts,
            part: self.part,
            rest: self.rest,
        };
        let first = ahead.next_field();
        (first, ahead.next_field())
    }

    /// Free text: the rest of the current physical record, then every later one, joined
    /// by a space.
    fn text(&mut self) -> String {
        let mut text = self.rest.take().unwrap_or("").trim_end().to_string();
        for (_, more) in self.parts.get(self.part + 1..).unwrap_or_default() {
            let more = more.trim_end();
            if !text.is_empty() && !more.is_empty() {
                text.push(' ');
            }
            text.push_str(more);
        }
        self.part = self.parts.len();
        text.trim().to_string()
    }
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
        if code.trim() == "88" {
            let Some(previous) = logical.last_mut() else {
                return Err(problem(
                    line,
                    "record",
                    "a continuation (88) with nothing to continue",
                ));
            };
            previous.parts.push((line, rest.to_string()));
            continue;
        }
        logical.push(Logical {
            line,
            code: code.trim().to_string(),
            parts: vec![(line, rest.to_string())],
        });
    }
    Ok(logical)
}

/// How many availability fields follow a funds type (`S`: immediate, one-day, two-or-more
/// days; `V`: value date and time; `D`: a count, then that many day/amount pairs);
/// they distribute the amount, they are not further amounts.
fn skip_availability(fields: &mut Fields<'_>, funds_type: Field<'_>) -> Result<(), Problem> {
    let line = funds_type.line;
    let missing = || problem(line, "funds type", "missing availability fields");
    let skip = match funds_type.text {
        "" | "0" | "1" | "2" | "Z" => 0,
        "V" => 2,
        "S" => 3,
        "D" => {
            let pairs: u64 = fields
                .next_field()
                .and_then(|count| count.text.parse().ok())
                .ok_or_else(|| {
                    problem(
                        line,
                        "funds type",
                        "distributed availability without a count",
                    )
                })?;
            pairs
                .checked_mul(2)
                .ok_or_else(|| problem(line, "funds type", "too many availability pairs"))?
        }
        other => {
            return Err(problem(
                line,
                "funds type",
                format!("{other:?} is not 0, 1, 2, Z, S, V or D"),
            ));
        }
    };
    for _ in 0..skip {
        fields.next_field().ok_or_else(missing)?;
    }
    Ok(())
}

/// Whether `text` could be an item count (digits, or defaulted) and `next` a funds type.
fn count_and_funds_type(text: &str, next: &str) -> bool {
    text.bytes().all(|byte| byte.is_ascii_digit())
        && matches!(next, "" | "0" | "1" | "2" | "Z" | "S" | "V" | "D")
}

fn is_type_code(text: &str) -> bool {
    text.len() == 3 && text.bytes().all(|byte| byte.is_ascii_digit())
}

/// The summaries of an account identifier (`03`) after its account number and currency:
/// type code, amount, item count, funds type and availability, over as many physical
/// records as it takes; adds each amount to `total`.
fn summaries(fields: &mut Fields<'_>, total: &mut i64) -> Result<(), Problem> {
    while let Some(type_code) = fields.next_field() {
        if type_code.text.is_empty() && fields.rest_of_record_is_empty() {
            // `…,015,35217175,,,/`: an empty field before the `/` is no summary.
            fields.skip_rest_of_record();
            continue;
        }
        if !is_type_code(type_code.text) {
            return Err(problem(
                type_code.line,
                "type code",
                format!("{:?} is not a three-digit type code", type_code.text),
            ));
        }
        let Some(value) = fields.next_field() else {
            return Ok(());
        };
        add(total, amount(value.text, value.line)?, value.line, "amount")?;
        if value.last_in_record {
            // The record ended after the amount. The next field normally goes on (the
            // item count); when it cannot be one and begins a summary instead, the `/`
            // defaulted this summary's count and funds type.
            match fields.peek_two() {
                (None, _) => return Ok(()),
                (Some(next), after) => {
                    let after = after.map_or("", |field| field.text);
                    if !count_and_funds_type(next.text, after) && is_type_code(next.text) {
                        continue;
                    }
                }
            }
        }
        let Some(item_count) = fields.next_field() else {
            return Ok(());
        };
        if !item_count.text.bytes().all(|byte| byte.is_ascii_digit()) {
            return Err(problem(
                item_count.line,
                "item count",
                format!("{:?} is not a count", item_count.text),
            ));
        }
        let Some(funds_type) = fields.next_field() else {
            return Ok(());
        };
        skip_availability(fields, funds_type)?;
    }
    Ok(())
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
        // Fields by position, the record code being field 0 (as the BAI2 layouts count).
        let mut all = Vec::new();
        let mut reading = record.fields();
        while let Some(field) = reading.next_field() {
            all.push(field.text);
        }
        let field = |index: usize| -> &str {
            match index {
                0 => record.code.as_str(),
                _ => all.get(index - 1).copied().unwrap_or(""),
            }
        };
        let code = field(0);
        match (code, state) {
            ("01", 0) => {
                state = 1;
                file.records += record.physical();
            }
            ("02", 1) => {
                state = 2;
                group = Tally::default();
                group.records = record.physical();
                group_currency = field(6).to_string();
                as_of = crate::nacha::yymmdd(field(4));
            }
            ("03", 2) => {
                state = 3;
                account = Tally::default();
                account.records = record.physical();
                let mut fields = record.fields();
                account_number = fields
                    .next_field()
                    .map_or("", |field| field.text)
                    .to_string();
                currency = Some(fields.next_field().map_or("", |field| field.text))
                    .filter(|code| !code.is_empty())
                    .unwrap_or(&group_currency)
                    .to_string();
                summaries(&mut fields, &mut account.total)?;
            }
            ("16", 3) => {
                account.records += record.physical();
                let mut fields = record.fields();
                let mut next = || {
                    fields.next_field().unwrap_or(Field {
                        line,
                        text: "",
                        last_in_record: true,
                    })
                };
                let type_field = next();
                let type_code: u16 = type_field.text.parse().map_err(|_| {
                    problem(
                        type_field.line,
                        "type code",
                        format!("{:?} is not a number", type_field.text),
                    )
                })?;
                let value_field = next();
                let value = amount(value_field.text, value_field.line)?;
                add(&mut account.total, value, value_field.line, "amount")?;
                let funds_type = next();
                // Funds type decides how many fields come before the references.
                skip_availability(&mut fields, funds_type)?;
                let mut next = || fields.next_field().map_or("", |field| field.text);
                let bank_reference = next().to_string();
                let customer_reference = next().to_string();
                let text = fields.text();
                transactions.push(Transaction {
                    line,
                    account: account_number.clone(),
                    currency: currency.clone(),
                    type_code,
                    amount: Amount::from_minor(value.abs()),
                    bank_reference,
                    customer_reference,
                    text,
                    as_of,
                });
            }
            ("49", 3) => {
                state = 2;
                account.records += record.physical();
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
                group.records += record.physical();
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
                file.records += record.physical();
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
