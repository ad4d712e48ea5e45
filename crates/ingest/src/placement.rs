//! Reading placement files: CSV (RFC 4180, UTF-8, optional BOM) in the standard layout
//! or through a [`Mapping`], parsed row by row into [`domain::placement::Placement`].
//!
//! Import is two passes over the file, both streaming: [`validate`] reads every row and
//! reports every problem (bounded by `problems_max`); only a file without problems is read
//! again with [`PlacementReader`] to be written. Memory stays bounded by the duplicate
//! check (16 bytes + a line number per row).

use crate::mapping::{Mapping, PLACEMENT_FIELDS, PLACEMENT_REQUIRED};
use domain::account::Product;
use domain::ids::{AccountRef, CreditorCode, DebtorRef};
use domain::ledger::Buckets;
use domain::money::{Amount, BasisPoints, Currency};
use domain::party::{ContactKind, EmailAddress, Language, PhoneNumber, US_STATES};
use domain::placement::{Itemization, LastPayment, MailingAddress, Placement};
use jiff::civil::Date;
use sha2::{Digest, Sha256};
use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::fs::File;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::io::{self, Read};
use std::path::Path;

/// Problems reported for one file before the report is cut short.
pub const PROBLEMS_REPORTED_MAX: usize = 1_000;
/// Fields whose values never appear in a problem report.
pub const SENSITIVE_FIELDS: &[&str] = &["date_of_birth", "ssn_last4"];

/// Longest free-text value (names, address lines, collateral) accepted.
pub const TEXT_LENGTH_MAX: usize = 200;

/// Characters of a value a report repeats; a longer one is cut there (see [`echo`]).
pub const ECHO_CHARS_MAX: usize = 80;

/// A value as a report repeats it: control characters escaped (`\r`, `\n`, `\u{0}`), and
/// past [`ECHO_CHARS_MAX`] characters (escapes counted as written) cut short with the
/// value's length, so a 10 MB field is not printed whole: `xxxx…xxxx… (10000000 bytes)`.
pub fn echo(value: &str) -> String {
    let mut echoed = String::new();
    let mut count = 0;
    for character in value.chars() {
        let piece: String = if character.is_control() {
            character.escape_default().collect()
        } else {
            character.to_string()
        };
        let length = piece.chars().count();
        if count + length > ECHO_CHARS_MAX {
            echoed.push_str(&format!("… ({} bytes)", value.len()));
            break;
        }
        count += length;
        echoed.push_str(&piece);
    }
    echoed
}

/// One thing wrong with a file, printed as `FILE:LINE: COLUMN: VALUE: reason` (or
/// `FILE:record N (byte B): …` for a bank file without line breaks).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub file: String,
    /// 1-based line; in a bank file without line breaks, the record number.
    pub line: u64,
    /// In a bank file without line breaks, the byte offset where the record starts.
    pub offset: Option<u64>,
    pub column: String,
    pub value: String,
    pub reason: String,
}

impl Problem {
    /// A problem on `line`; the column and value are kept as [`echo`] repeats them.
    pub fn new(file: &str, line: u64, column: &str, value: &str, reason: &str) -> Problem {
        Problem {
            file: file.to_string(),
            line,
            offset: None,
            column: echo(column),
            value: echo(value),
            reason: reason.to_string(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.offset {
            None => write!(f, "{}:{}", self.file, self.line)?,
            Some(offset) => write!(f, "{}:record {} (byte {offset})", self.file, self.line)?,
        }
        write!(f, ": {}: {}: {}", self.column, self.value, self.reason)
    }
}

/// Why a file was refused: the first problems found and how many there were in all.
#[derive(Debug)]
pub struct Rejection {
    pub problems: Vec<Problem>,
    pub problems_total: u64,
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for problem in &self.problems {
            writeln!(f, "{problem}")?;
        }
        let unreported = self.problems_total - self.problems.len() as u64;
        if unreported > 0 {
            writeln!(f, "... and {unreported} more problems")?;
        }
        write!(f, "{} problems; nothing was imported", self.problems_total)
    }
}

/// Something in a row that is imported all the same but needs a person's attention,
/// printed as `FILE:LINE: COLUMN: reason` (today: a partial mailing address).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Warning {
    pub file: String,
    pub line: u64,
    pub column: String,
    pub reason: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: {}: {}",
            self.file, self.line, self.column, self.reason
        )
    }
}

/// What a valid file holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileSummary {
    pub sha256: String,
    pub rows: u64,
    pub creditors: BTreeSet<String>,
    /// Headers the layout does not know; their data is not imported.
    pub ignored_columns: Vec<String>,
    /// The first warnings (as many as problems would be reported), in file order.
    pub warnings: Vec<Warning>,
    /// Every warning, counted: one per row with an incomplete address.
    pub warnings_total: u64,
}

/// A reader that hashes every byte it passes on, so the file's SHA-256 costs no extra read.
pub struct HashingReader<R> {
    inner: R,
    hasher: Sha256,
    bytes_read: u64,
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        let count = self.inner.read(buffer)?;
        self.hasher.update(&buffer[..count]);
        self.bytes_read += count as u64;
        Ok(count)
    }
}

/// Line endings as the CSV reader counts lines right: CR LF (RFC 4180's own) and a lone
/// CR become LF. The csv crate ends a record at the CR and counts the LF after it into
/// the next record, naming every row of a CR LF file one line early. Inside a quoted
/// value a CR LF becomes LF too, which no field accepts either way (text fields refuse
/// control characters).
pub struct LineEndings<R> {
    inner: R,
    after_cr: bool,
}

impl<R> LineEndings<R> {
    pub fn new(inner: R) -> Self {
        LineEndings {
            inner,
            after_cr: false,
        }
    }

    pub fn get_ref(&self) -> &R {
        &self.inner
    }
}

impl<R: Read> Read for LineEndings<R> {
    fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        loop {
            let count = self.inner.read(buffer)?;
            if count == 0 {
                return Ok(0);
            }
            let chunk = &buffer[..count];
            if !self.after_cr && !chunk.contains(&b'\r') {
                return Ok(count);
            }
            // Only ever drops bytes, so the bytes are moved down in place.
            let mut kept = 0;
            for index in 0..count {
                let byte = buffer[index];
                if byte == b'\n' && self.after_cr {
                    self.after_cr = false;
                    continue;
                }
                self.after_cr = byte == b'\r';
                buffer[kept] = if byte == b'\r' { b'\n' } else { byte };
                kept += 1;
            }
            if kept > 0 {
                return Ok(kept);
            }
        }
    }
}

pub struct PlacementReader<R: Read> {
    file: String,
    reader: csv::Reader<LineEndings<HashingReader<R>>>,
    mapping: Mapping,
    /// For each of [`PLACEMENT_FIELDS`], the column index it is read from.
    columns: Vec<Option<usize>>,
    header_len: usize,
    ignored_columns: Vec<String>,
    record: csv::ByteRecord,
    today: Date,
}

impl PlacementReader<File> {
    pub fn open(path: &Path, mapping: &Mapping, today: Date) -> Result<Self, Rejection> {
        let file_name = path.display().to_string();
        let file = File::open(path)
            .map_err(|error| single(&file_name, 0, "file", "", &error.to_string()))?;
        PlacementReader::new(file_name, file, mapping, today)
    }
}

fn single(file: &str, line: u64, column: &str, value: &str, reason: &str) -> Rejection {
    Rejection {
        problems: vec![Problem::new(file, line, column, value, reason)],
        problems_total: 1,
    }
}

impl<R: Read> PlacementReader<R> {
    pub fn new(file: String, input: R, mapping: &Mapping, today: Date) -> Result<Self, Rejection> {
        let hashing = HashingReader {
            inner: input,
            hasher: Sha256::new(),
            bytes_read: 0,
        };
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .from_reader(LineEndings::new(hashing));
        let headers = reader
            .byte_headers()
            .map_err(|error| single(&file, 1, "header", "", &error.to_string()))?
            .clone();
        let headers: Vec<String> = headers
            .iter()
            .map(|header| {
                String::from_utf8_lossy(header)
                    .trim()
                    .trim_start_matches('\u{feff}')
                    .to_string()
            })
            .collect();
        let (columns, ignored_columns) = resolve_columns(&file, &headers, mapping)?;
        Ok(PlacementReader {
            file,
            reader,
            mapping: mapping.clone(),
            columns,
            header_len: headers.len(),
            ignored_columns,
            record: csv::ByteRecord::new(),
            today,
        })
    }

    pub fn bytes_read(&self) -> u64 {
        self.reader.get_ref().get_ref().bytes_read
    }

    pub fn ignored_columns(&self) -> &[String] {
        &self.ignored_columns
    }

    /// SHA-256 (hex) of the bytes read so far; of the whole file once rows run out.
    pub fn sha256(&self) -> String {
        hex::encode(self.reader.get_ref().get_ref().hasher.clone().finalize())
    }

    /// The next row: its line number and the placement, or every problem on that line.
    pub fn next_row(&mut self) -> Option<(u64, Result<Placement, Vec<Problem>>)> {
        self.next_parsed().map(|row| (row.line, row.placement))
    }

    /// The next row with what a file check needs beyond the placement.
    pub fn next_parsed(&mut self) -> Option<ParsedRow> {
        let read = self.reader.read_byte_record(&mut self.record);
        let line = self.record.position().map_or(0, |position| position.line());
        let refused = |line: u64, problems: Vec<Problem>| ParsedRow {
            line,
            placement: Err(problems),
            refused_key: None,
            warnings: Vec::new(),
        };
        match read {
            Ok(false) => None,
            Err(error) => {
                let line = error.position().map_or(line, |position| position.line());
                Some(refused(
                    line,
                    vec![self.problem(line, "row", "", &error.to_string())],
                ))
            }
            Ok(true) if self.record.len() != self.header_len => {
                let reason = format!(
                    "row has {} fields, the header has {}",
                    self.record.len(),
                    self.header_len
                );
                Some(refused(line, vec![self.problem(line, "row", "", &reason)]))
            }
            Ok(true) => {
                let mut row = Row {
                    reader: self,
                    line,
                    problems: Vec::new(),
                    refused_key: None,
                    not_text: 0,
                    warnings: Vec::new(),
                };
                let placement = row.parse();
                let (problems, refused_key, warnings) =
                    (row.problems, row.refused_key, row.warnings);
                Some(match placement {
                    Some(placement) if problems.is_empty() => ParsedRow {
                        line,
                        placement: Ok(placement),
                        refused_key: None,
                        warnings,
                    },
                    _ => ParsedRow {
                        line,
                        placement: Err(problems),
                        refused_key,
                        warnings: Vec::new(),
                    },
                })
            }
        }
    }

    fn problem(&self, line: u64, column: &str, value: &str, reason: &str) -> Problem {
        Problem::new(&self.file, line, column, value, reason)
    }
}

fn resolve_columns(
    file: &str,
    headers: &[String],
    mapping: &Mapping,
) -> Result<(Vec<Option<usize>>, Vec<String>), Rejection> {
    let mut problems = Vec::new();
    let mut seen = HashMap::new();
    for (index, header) in headers.iter().enumerate() {
        if let Some(first) = seen.insert(header.as_str(), index) {
            let reason = format!("header repeats column {} ", first + 1);
            problems.push(
                single(file, 1, "header", header, reason.trim())
                    .problems
                    .remove(0),
            );
        }
    }
    let columns: Vec<Option<usize>> = PLACEMENT_FIELDS
        .iter()
        .map(|field| {
            headers
                .iter()
                .position(|header| header == mapping.header_for(field))
        })
        .collect();
    for (field, column) in PLACEMENT_FIELDS.iter().zip(&columns) {
        if column.is_none()
            && mapping.constant(field).is_none()
            && PLACEMENT_REQUIRED.contains(field)
        {
            let header = mapping.header_for(field);
            let reason = format!("required column {header:?} (field {field}) is missing");
            problems.push(single(file, 1, "header", "", &reason).problems.remove(0));
        }
    }
    if !problems.is_empty() {
        // A header of a million repeated columns is reported like a million bad rows.
        let problems_total = problems.len() as u64;
        problems.truncate(PROBLEMS_REPORTED_MAX);
        return Err(Rejection {
            problems,
            problems_total,
        });
    }
    let used: BTreeSet<usize> = columns.iter().flatten().copied().collect();
    let ignored = (0..headers.len())
        .filter(|index| !used.contains(index))
        .map(|index| headers[index].clone())
        .collect();
    Ok((columns, ignored))
}

/// A row as read: its line, the placement or every problem of the row.
pub struct ParsedRow {
    pub line: u64,
    pub placement: Result<Placement, Vec<Problem>>,
    /// A refused row's creditor and account_ref, when both parse: a later row repeating
    /// them is still named as its duplicate.
    pub refused_key: Option<(String, String)>,
    /// What an accepted row is imported with but should be looked at.
    pub warnings: Vec<Warning>,
}

/// Parses one record, collecting a problem per bad field instead of stopping at the first.
struct Row<'a, R: Read> {
    reader: &'a PlacementReader<R>,
    line: u64,
    problems: Vec<Problem>,
    refused_key: Option<(String, String)>,
    /// Fields (by their index in [`PLACEMENT_FIELDS`]) found not to be UTF-8: named once,
    /// then read as empty without being called missing.
    not_text: u64,
    warnings: Vec<Warning>,
}

// `Row::not_text` holds a bit per field.
const _: () = assert!(PLACEMENT_FIELDS.len() <= 64);

fn field_index(field: &str) -> usize {
    PLACEMENT_FIELDS
        .iter()
        .position(|known| *known == field)
        .expect("known field")
}

impl<R: Read> Row<'_, R> {
    /// The trimmed text of `field`: from the mapping's constant or the record; `""` when
    /// absent. Invalid UTF-8 is reported and read as empty.
    fn text(&mut self, field: &str) -> &str {
        if let Some(constant) = self.reader.mapping.constant(field) {
            return constant.trim();
        }
        let index = field_index(field);
        let Some(column) = self.reader.columns[index] else {
            return "";
        };
        let bytes = self.reader.record.get(column).unwrap_or_default();
        match std::str::from_utf8(bytes) {
            // A NUL, a stray byte-order mark or another hidden character (`domain::text`)
            // is named like invalid UTF-8 and the field read as empty: never stored.
            Ok(text) if domain::text::first_refused(text).is_some() => {
                if self.not_text & (1 << index) == 0 {
                    self.not_text |= 1 << index;
                    let message = domain::text::refusal_message(text).unwrap_or_default();
                    let text = text.to_string();
                    self.fail(field, &text, &message);
                }
                ""
            }
            Ok(text) => text.trim(),
            Err(_) => {
                if self.not_text & (1 << index) == 0 {
                    self.not_text |= 1 << index;
                    let lossy = String::from_utf8_lossy(bytes).to_string();
                    self.fail(field, &lossy, "not valid UTF-8");
                }
                ""
            }
        }
    }

    fn column_name(&self, field: &str) -> String {
        self.reader.mapping.header_for(field).to_string()
    }

    fn fail(&mut self, field: &str, value: &str, reason: &str) {
        // Identity values are sensitive: reports (which end up in terminals, tickets and
        // mail) name the field and the reason, never the value.
        let value = if SENSITIVE_FIELDS.contains(&field) && !value.is_empty() {
            "(hidden)"
        } else {
            value
        };
        let problem = self
            .reader
            .problem(self.line, &self.column_name(field), value, reason);
        self.problems.push(problem);
    }

    fn optional(&mut self, field: &str) -> Option<String> {
        let text = self.text(field).to_string();
        (!text.is_empty()).then_some(text)
    }

    fn required(&mut self, field: &str) -> Option<String> {
        let text = self.optional(field);
        if text.is_none() && self.not_text & (1 << field_index(field)) == 0 {
            self.fail(field, "", "required");
        }
        text
    }

    fn parsed<T, E: fmt::Display>(
        &mut self,
        field: &str,
        value: &str,
        result: Result<T, E>,
    ) -> Option<T> {
        result
            .map_err(|error| self.fail(field, value, &error.to_string()))
            .ok()
    }

    fn identifier<T, E: fmt::Display>(
        &mut self,
        field: &str,
        parse: fn(&str) -> Result<T, E>,
    ) -> Option<T> {
        let text = self.required(field)?;
        self.parsed(field, &text, parse(&text))
    }

    fn free_text(&mut self, field: &str, required: bool) -> Option<String> {
        let text = if required {
            self.required(field)?
        } else {
            self.optional(field)?
        };
        if text.chars().count() > TEXT_LENGTH_MAX || text.chars().any(char::is_control) {
            let reason = format!("at most {TEXT_LENGTH_MAX} characters, no control characters");
            self.fail(field, &text, &reason);
            return None;
        }
        Some(text)
    }

    fn date(&mut self, field: &str) -> Option<Date> {
        let text = self.optional(field)?;
        let parsed = parse_date(&text);
        self.parsed(field, &text, parsed)
    }

    fn past_date(&mut self, field: &str) -> Option<Date> {
        let date = self.date(field)?;
        if date > self.reader.today {
            let reason = format!("is in the future (today is {})", self.reader.today);
            self.fail(field, &date.to_string(), &reason);
        }
        Some(date)
    }

    /// An amount in `currency`; a non-negative one unless `signed`.
    fn amount(&mut self, field: &str, currency: Option<Currency>) -> Option<Amount> {
        let text = self.optional(field)?;
        // With an unknown currency, still check the syntax (up to 4 decimals).
        let minor_digits = currency.map_or(4, Currency::minor_digits);
        let amount = Amount::parse_decimal(&text, minor_digits).and_then(|amount| match currency {
            Some(currency) => currency.within_limit(amount),
            None => Ok(amount),
        });
        let amount = self.parsed(field, &text, amount)?;
        if amount.is_negative() {
            self.fail(field, &text, "must not be negative");
            return None;
        }
        Some(amount)
    }

    fn parse(&mut self) -> Option<Placement> {
        let creditor = self.identifier("creditor", CreditorCode::parse);
        let account_ref = self.identifier("account_ref", AccountRef::parse);
        let debtor_ref = self.identifier("debtor_ref", DebtorRef::parse);
        let first_name = self.free_text("first_name", true);
        let last_name = self.free_text("last_name", true);
        let currency = self.currency();
        let balance = self.balance(currency);
        let delinquent_since = self
            .required("delinquent_since")
            .and(self.past_date("delinquent_since"));
        let product = self.product();
        let original_creditor = self.free_text("original_creditor", false);
        let itemization = self.itemization(currency, balance);
        let apr = self.apr();
        let charge_off_date = self.past_date("charge_off_date");
        let last_payment = self.last_payment(currency);
        let statute_expires_on = self.date("statute_expires_on");
        let collateral = self.free_text("collateral", false);
        let service_id = self.free_text("service_id", false);
        let date_of_birth = self.past_date("date_of_birth");
        let ssn_last4 = self.ssn_last4();
        let address = self.address();
        let phones = self.phones();
        let email = self.email();
        let language = self.language();
        let time_zones = self.time_zones().map(|given| match given {
            Some(zone) => vec![zone],
            None => {
                derived_time_zones(address.as_ref().and_then(Option::as_ref), phones.as_deref())
            }
        });
        if !self.problems.is_empty()
            && let (Some(creditor), Some(account_ref)) = (&creditor, &account_ref)
        {
            self.refused_key = Some((
                creditor.as_str().to_string(),
                account_ref.as_str().to_string(),
            ));
        }
        Some(Placement {
            creditor: creditor?,
            account_ref: account_ref?,
            debtor_ref: debtor_ref?,
            first_name: first_name?,
            last_name: last_name?,
            currency: currency?,
            balance: balance?,
            delinquent_since: delinquent_since?,
            product: product?,
            original_creditor,
            itemization: itemization?,
            apr: apr?,
            charge_off_date,
            last_payment: last_payment?,
            statute_expires_on,
            collateral,
            service_id,
            date_of_birth,
            ssn_last4: ssn_last4?,
            address: address?,
            phones: phones?,
            email: email?,
            language: language?,
            time_zones: time_zones?,
        })
    }

    fn currency(&mut self) -> Option<Currency> {
        let text = self.required("currency")?;
        let currency = Currency::parse(&text);
        if currency.is_none() {
            self.fail("currency", &text, "not an ISO 4217 currency code");
        }
        currency
    }

    /// The balance and its split. Without `principal`/`interest`/`fees` the whole balance
    /// is principal.
    fn balance(&mut self, currency: Option<Currency>) -> Option<Buckets> {
        let text = self.required("balance")?;
        let balance = self.amount("balance", currency);
        if balance.is_some_and(|balance| balance.is_zero()) {
            self.fail("balance", &text, "must be greater than zero");
        }
        let parts =
            ["principal", "interest", "fees"].map(|field| (field, self.optional(field).is_some()));
        let present = parts.iter().filter(|(_, present)| *present).count();
        if present == 0 {
            let balance = balance.filter(|balance| balance.is_positive())?;
            return Some(Buckets {
                principal: balance,
                ..Buckets::ZERO
            });
        }
        if present != 3 {
            let missing: Vec<&str> = parts
                .iter()
                .filter(|(_, present)| !present)
                .map(|(field, _)| *field)
                .collect();
            let reason = format!(
                "principal, interest and fees go together; missing {}",
                missing.join(", ")
            );
            self.fail(missing[0], "", &reason);
            return None;
        }
        let split = Buckets {
            principal: self.amount("principal", currency)?,
            interest: self.amount("interest", currency)?,
            fees: self.amount("fees", currency)?,
        };
        let balance = balance.filter(|balance| balance.is_positive())?;
        let digits = currency?.minor_digits();
        match split.total() {
            Some(total) if total == balance => Some(split),
            total => {
                let total = total.map_or("overflow".to_string(), |total| {
                    total.to_decimal_string(digits)
                });
                let reason = format!("principal + interest + fees = {total}, not the balance");
                self.fail("balance", &text, &reason);
                None
            }
        }
    }

    fn product(&mut self) -> Option<Product> {
        self.code("product", Product::Other, Product::parse, Product::codes)
    }

    /// A value from a closed set of codes, `default` when absent.
    fn code<T>(
        &mut self,
        field: &str,
        default: T,
        parse: fn(&str) -> Option<T>,
        codes: fn() -> String,
    ) -> Option<T> {
        let Some(text) = self.optional(field) else {
            return Some(default);
        };
        let value = parse(&text);
        if value.is_none() {
            self.fail(field, &text, &format!("expected one of {}", codes()));
        }
        value
    }

    fn itemization(
        &mut self,
        currency: Option<Currency>,
        balance: Option<Buckets>,
    ) -> Option<Option<Itemization>> {
        const AMOUNTS: [&str; 5] = [
            "balance_at_itemization",
            "interest_since",
            "fees_since",
            "payments_since",
            "credits_since",
        ];
        let date = self.past_date("itemization_date");
        let given = AMOUNTS.iter().any(|field| !self.text(field).is_empty());
        if !given && date.is_none() {
            return Some(None);
        }
        let [at, interest, fees, payments, credits] =
            AMOUNTS.map(|field| self.amount(field, currency));
        let Some(date) = date else {
            self.fail(
                "itemization_date",
                "",
                "required when itemization amounts are given",
            );
            return None;
        };
        let Some(at) = at else {
            self.fail(
                "balance_at_itemization",
                "",
                "required with itemization_date",
            );
            return None;
        };
        let zero = Some(Amount::ZERO);
        let itemization = Itemization {
            date,
            balance: at,
            interest: interest.or(zero)?,
            fees: fees.or(zero)?,
            payments: payments.or(zero)?,
            credits: credits.or(zero)?,
        };
        let balance = balance?.total()?;
        if itemization.implied_balance() != Some(balance) {
            let digits = currency?.minor_digits();
            let implied = itemization
                .implied_balance()
                .map_or("overflow".into(), |amount| amount.to_decimal_string(digits));
            let reason = format!(
                "itemization gives {implied} (balance_at_itemization + interest_since + fees_since - payments_since - credits_since), not the balance {}",
                balance.to_decimal_string(digits)
            );
            self.fail(
                "balance_at_itemization",
                &at.to_decimal_string(digits),
                &reason,
            );
            return None;
        }
        Some(Some(itemization))
    }

    fn apr(&mut self) -> Option<BasisPoints> {
        let Some(text) = self.optional("apr_bps") else {
            return BasisPoints::new(0);
        };
        let bps = text.parse::<u32>().ok().and_then(BasisPoints::new);
        if bps.is_none() {
            let reason = format!("expected whole basis points from 0 to {}", BasisPoints::MAX);
            self.fail("apr_bps", &text, &reason);
        }
        bps
    }

    fn last_payment(&mut self, currency: Option<Currency>) -> Option<Option<LastPayment>> {
        let date = self.past_date("last_payment_date");
        let amount = self.amount("last_payment_amount", currency);
        match (date, amount) {
            (Some(date), amount) => Some(Some(LastPayment { date, amount })),
            (None, Some(amount)) => {
                let text = amount.to_decimal_string(currency.map_or(2, Currency::minor_digits));
                self.fail(
                    "last_payment_amount",
                    &text,
                    "given without last_payment_date",
                );
                None
            }
            (None, None) => Some(None),
        }
    }

    fn ssn_last4(&mut self) -> Option<Option<String>> {
        let Some(text) = self.optional("ssn_last4") else {
            return Some(None);
        };
        if text.len() != 4 || !text.bytes().all(|b| b.is_ascii_digit()) {
            // The value is sensitive: the report does not repeat it.
            self.fail("ssn_last4", &text, "expected exactly 4 digits");
            return None;
        }
        Some(Some(text))
    }

    /// The mailing address, if any part of one is given. A partial one (say, a state and
    /// ZIP code without a street or city) is kept, incomplete and not mailable, with a
    /// warning; a part that is given must be valid.
    fn address(&mut self) -> Option<Option<MailingAddress>> {
        let line1 = self.free_text("address_line1", false);
        let line2 = self.free_text("address_line2", false);
        let city = self.free_text("city", false);
        let state = self.optional("state");
        let postal_code = self.optional("postal_code");
        let country = self.optional("country").unwrap_or_else(|| "US".to_string());
        let before = self.problems.len();
        if line1.is_none()
            && line2.is_none()
            && city.is_none()
            && state.is_none()
            && postal_code.is_none()
        {
            return Some(None);
        }
        if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_uppercase()) {
            self.fail(
                "country",
                &country,
                "expected an ISO 3166-1 alpha-2 code such as US",
            );
        }
        if country == "US" {
            self.us_state_and_zip(state.as_deref(), postal_code.as_deref());
        }
        if self.problems.len() > before {
            return None;
        }
        let address = MailingAddress {
            line1,
            line2,
            city,
            state,
            postal_code,
            country,
        };
        let missing = address.missing();
        if !missing.is_empty() {
            let columns: Vec<String> = missing
                .iter()
                .map(|field| self.column_name(field))
                .collect();
            let warning = Warning {
                file: self.reader.file.clone(),
                line: self.line,
                column: columns.join(", "),
                reason: "missing: the address is kept as incomplete (nothing is mailed to it) and the account joins the locate list".into(),
            };
            self.warnings.push(warning);
        }
        Some(Some(address))
    }

    /// A US state and ZIP code, each when given: a USPS code, `12345` or `12345-6789`.
    fn us_state_and_zip(&mut self, state: Option<&str>, postal_code: Option<&str>) {
        if let Some(state) = state
            && !US_STATES.contains(&state)
        {
            self.fail("state", state, "not a USPS state or territory code");
        }
        if let Some(zip) = postal_code {
            let digits = |part: &str, len: usize| {
                part.len() == len && part.bytes().all(|b| b.is_ascii_digit())
            };
            let zip_ok = match zip.split_once('-') {
                Some((five, four)) => digits(five, 5) && digits(four, 4),
                None => digits(zip, 5),
            };
            if !zip_ok {
                self.fail(
                    "postal_code",
                    zip,
                    "expected a ZIP code: 12345 or 12345-6789",
                );
            }
        }
    }

    fn phones(&mut self) -> Option<Vec<(ContactKind, PhoneNumber)>> {
        let mut phones: Vec<(ContactKind, PhoneNumber)> = Vec::new();
        let mut valid = true;
        for kind in [
            ContactKind::PhoneHome,
            ContactKind::PhoneMobile,
            ContactKind::PhoneWork,
        ] {
            let Some(text) = self.optional(kind.code()) else {
                continue;
            };
            match PhoneNumber::parse(&text) {
                Some(phone) if phones.iter().any(|(_, known)| *known == phone) => {}
                Some(phone) => phones.push((kind, phone)),
                None => {
                    self.fail(
                        kind.code(),
                        &text,
                        "not a 10-digit North American phone number",
                    );
                    valid = false;
                }
            }
        }
        valid.then_some(phones)
    }

    fn email(&mut self) -> Option<Option<EmailAddress>> {
        let Some(text) = self.optional("email") else {
            return Some(None);
        };
        let email = EmailAddress::parse(&text);
        if email.is_none() {
            self.fail("email", &text, "not an email address");
            return None;
        }
        Some(email)
    }

    fn language(&mut self) -> Option<Language> {
        self.code("language", Language::En, Language::parse, Language::codes)
    }

    /// The zone given in the file, if any (`Some(None)` when absent).
    fn time_zones(&mut self) -> Option<Option<String>> {
        let Some(text) = self.optional("time_zone") else {
            return Some(None);
        };
        // An IANA name such as America/Chicago; never an abbreviation (CST is ambiguous).
        if !text.contains('/') || jiff::tz::TimeZone::get(&text).is_err() {
            self.fail(
                "time_zone",
                &text,
                "not an IANA time zone name such as America/Chicago",
            );
            return None;
        }
        Some(Some(text))
    }
}

/// Without a zone in the file: every zone the mailing state and the phones' area codes
/// allow, so that contact windows hold wherever the debtor may be (placement spec).
fn derived_time_zones(
    address: Option<&MailingAddress>,
    phones: Option<&[(ContactKind, PhoneNumber)]>,
) -> Vec<String> {
    let state = address.and_then(|address| address.state.as_deref());
    let area_codes: Vec<&str> = phones
        .unwrap_or_default()
        .iter()
        .map(|(_, phone)| phone.area_code())
        .collect();
    compliance::zones::consumer_zones(None, state, &area_codes)
}

/// `YYYY-MM-DD` exactly.
pub fn parse_date(text: &str) -> Result<Date, String> {
    let shaped = text.len() == 10
        && text.bytes().enumerate().all(|(index, b)| {
            if index == 4 || index == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    if !shaped {
        return Err("expected a date as YYYY-MM-DD".to_string());
    }
    text.parse::<Date>()
        .map_err(|_| "not a calendar date".to_string())
}

/// Placements of a file, checked one by one as they stream past: parse problems and
/// duplicates are collected (the first `problems_max` in full, all counted). While the
/// file is clean so far every placement is handed out; after the first problem the rest
/// is read only to report, so a caller writing placements in a transaction can roll back
/// when [`CheckedPlacements::finish`] refuses the file.
pub struct CheckedPlacements<R: Read> {
    reader: PlacementReader<R>,
    duplicates: DuplicateCheck,
    debtors: DebtorCheck,
    report: Rejection,
    problems_max: usize,
    rows: u64,
    creditors: BTreeSet<String>,
    warnings: Vec<Warning>,
    warnings_total: u64,
}

impl CheckedPlacements<File> {
    pub fn open(
        path: &Path,
        mapping: &Mapping,
        today: Date,
        problems_max: usize,
    ) -> Result<Self, Rejection> {
        Ok(CheckedPlacements::new(
            PlacementReader::open(path, mapping, today)?,
            problems_max,
        ))
    }
}

impl<R: Read> CheckedPlacements<R> {
    pub fn new(reader: PlacementReader<R>, problems_max: usize) -> Self {
        CheckedPlacements {
            reader,
            duplicates: DuplicateCheck::default(),
            debtors: DebtorCheck::default(),
            report: Rejection {
                problems: Vec::new(),
                problems_total: 0,
            },
            problems_max,
            rows: 0,
            creditors: BTreeSet::new(),
            warnings: Vec::new(),
            warnings_total: 0,
        }
    }

    pub fn bytes_read(&self) -> u64 {
        self.reader.bytes_read()
    }

    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// The next valid placement, or `None` once the file is exhausted (or, after a
    /// problem, once the rest has been checked).
    pub fn next_placement(&mut self) -> Option<Placement> {
        while let Some(row) = self.reader.next_parsed() {
            self.rows += 1;
            let line = row.line;
            let problems = match row.placement {
                Ok(placement) => match self
                    .duplicates
                    .check(
                        &self.reader,
                        line,
                        placement.creditor.as_str(),
                        placement.account_ref.as_str(),
                    )
                    .or_else(|| self.debtors.check(&self.reader, line, &placement))
                {
                    None => {
                        if !self.creditors.contains(placement.creditor.as_str()) {
                            self.creditors
                                .insert(placement.creditor.as_str().to_string());
                        }
                        self.warnings_total += row.warnings.len() as u64;
                        let room = self.problems_max.saturating_sub(self.warnings.len());
                        self.warnings.extend(row.warnings.into_iter().take(room));
                        if self.report.problems_total == 0 {
                            return Some(placement);
                        }
                        continue;
                    }
                    Some(problem) => vec![problem],
                },
                Err(mut problems) => {
                    if let Some((creditor, account_ref)) = &row.refused_key
                        && let Some(duplicate) =
                            self.duplicates
                                .check(&self.reader, line, creditor, account_ref)
                    {
                        problems.push(duplicate);
                    }
                    problems
                }
            };
            self.record(problems);
        }
        None
    }

    fn record(&mut self, mut problems: Vec<Problem>) {
        self.report.problems_total += problems.len() as u64;
        let room = self.problems_max.saturating_sub(self.report.problems.len());
        self.report
            .problems
            .extend(problems.drain(..room.min(problems.len())));
    }

    /// Reads what is left and gives the verdict on the whole file.
    pub fn finish(mut self) -> Result<FileSummary, Rejection> {
        while self.next_placement().is_some() {}
        if self.report.problems_total > 0 {
            return Err(self.report);
        }
        Ok(FileSummary {
            sha256: self.reader.sha256(),
            rows: self.rows,
            creditors: self.creditors,
            ignored_columns: self.reader.ignored_columns().to_vec(),
            warnings: self.warnings,
            warnings_total: self.warnings_total,
        })
    }
}

/// Reads the whole file, reporting every problem (the first `problems_max` in full).
/// `on_progress` receives the bytes read so far, now and then.
pub fn validate(
    path: &Path,
    mapping: &Mapping,
    today: Date,
    problems_max: usize,
    on_progress: &mut dyn FnMut(u64),
) -> Result<FileSummary, Rejection> {
    let mut checked = CheckedPlacements::open(path, mapping, today, problems_max)?;
    while checked.next_placement().is_some() {
        if checked.rows() % 4096 == 0 {
            on_progress(checked.bytes_read());
        }
    }
    on_progress(checked.bytes_read());
    checked.finish()
}

/// Finds a second row for the same (creditor, account_ref), keeping 16 bytes per row.
#[derive(Default)]
struct DuplicateCheck {
    first_line: HashMap<u128, u64>,
}

impl DuplicateCheck {
    /// Rows refused for other reasons count too: their account is taken all the same.
    fn check<R: Read>(
        &mut self,
        reader: &PlacementReader<R>,
        line: u64,
        creditor: &str,
        account_ref: &str,
    ) -> Option<Problem> {
        let key = fingerprint(creditor, account_ref);
        let first = *self.first_line.entry(key).or_insert(line);
        (first != line).then(|| {
            let column = reader.mapping.header_for("account_ref");
            let reason = format!("duplicate of line {first} (same creditor and account_ref)");
            reader.problem(line, column, account_ref, &reason)
        })
    }
}

/// Rows of one debtor (same creditor and `debtor_ref`) must agree on who the debtor is:
/// name and date of birth. Addresses and phones may differ between accounts (they are
/// all kept as contact points).
#[derive(Default)]
struct DebtorCheck {
    identity_and_first_line: HashMap<u128, (u128, u64)>,
}

impl DebtorCheck {
    fn check<R: Read>(
        &mut self,
        reader: &PlacementReader<R>,
        line: u64,
        placement: &Placement,
    ) -> Option<Problem> {
        let key = fingerprint(placement.creditor.as_str(), placement.debtor_ref.as_str());
        let birth = placement
            .date_of_birth
            .map(|date| date.to_string())
            .unwrap_or_default();
        let identity = fingerprint(
            &format!("{}\u{0}{}", placement.first_name, placement.last_name),
            &birth,
        );
        let (first_identity, first_line) = *self
            .identity_and_first_line
            .entry(key)
            .or_insert((identity, line));
        (first_identity != identity).then(|| {
            let column = reader.mapping.header_for("debtor_ref");
            let reason =
                format!("same debtor as line {first_line} but a different name or date of birth");
            reader.problem(line, column, placement.debtor_ref.as_str(), &reason)
        })
    }
}

/// A 128-bit fingerprint of two strings; a collision would need ~2^64 rows.
fn fingerprint(first: &str, second: &str) -> u128 {
    let half = |salt: u8| {
        let mut hasher = DefaultHasher::new();
        (salt, first, second).hash(&mut hasher);
        hasher.finish()
    };
    (u128::from(half(1)) << 64) | u128::from(half(2))
}
