//! NACHA ACH files (fixed-width 94-character records): the entries a collection agency
//! receives or originates — debits that pay accounts, and returns (R01 NSF, R02 …) that
//! reverse them, found through their addenda's original trace number.
//!
//! Records: `1` file header, `5` batch header, `6` entry detail, `7` addenda, `8` batch
//! control, `9` file control (and `9999…` block padding). Lines may have their trailing
//! spaces trimmed (some writers do); they are padded back to 94. Some banks write the
//! records back to back without line breaks (a file of 94 × N characters, perhaps with
//! one line ending after the last): such a file is cut into records and read exactly as
//! the line-broken one, record N standing where line N would be. Every problem names the
//! file, the line (or the record and its byte offset) and the field; the batch and file
//! controls (entry counts, entry hash, debit and credit totals) are checked against the
//! entries. Arbitrary bytes never panic.

use domain::money::Amount;

/// Characters in a record.
pub const RECORD_LENGTH: usize = 94;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EntryKind {
    /// Money taken from the receiver's account (a payment to the agency).
    Debit,
    /// Money sent to the receiver's account.
    Credit,
    /// A returned entry (addenda type 99): `return_code` and `original_trace` are set.
    Return,
    /// A notification of change (addenda type 98) or another non-monetary entry.
    Other,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// 1-based line of the entry detail record (its record number in a file without line
    /// breaks: the same number).
    pub line: usize,
    pub transaction_code: u8,
    pub kind: EntryKind,
    pub amount: Amount,
    /// The receiver's identification number: the account reference for payments.
    pub individual_id: String,
    pub individual_name: String,
    pub trace_number: String,
    pub return_code: Option<String>,
    pub original_trace: Option<String>,
    /// The batch header's effective entry date (when the money moves); `None` when the
    /// field is blank or not a date (banks fill it in for returns only sometimes).
    pub effective_on: Option<jiff::civil::Date>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NachaFile {
    pub entries: Vec<Entry>,
    pub batches: usize,
    /// Inconsistencies that do not touch money (e.g. a file control's batch count that
    /// disagrees with the batches): reported, not refused — files in the wild have them.
    pub warnings: Vec<Problem>,
}

/// A problem with a file: where and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// 1-based line; in a file without line breaks, the record number.
    pub line: usize,
    /// In a file without line breaks, the byte offset where the record starts.
    pub offset: Option<usize>,
    pub field: &'static str,
    pub reason: String,
}

impl Problem {
    /// `FILE:LINE: FIELD: reason`, or `FILE:record N (byte B): FIELD: reason` in a file
    /// without line breaks.
    pub fn describe(&self, file: &str) -> String {
        format!("{file}:{}: {}: {}", self.place(), self.field, self.reason)
    }

    /// `LINE`, or `record N (byte B)`.
    pub fn place(&self) -> String {
        match self.offset {
            None => self.line.to_string(),
            Some(offset) => format!("record {} (byte {offset})", self.line),
        }
    }
}

struct Record<'a> {
    line: usize,
    offset: Option<usize>,
    text: &'a str,
}

impl Record<'_> {
    /// 1-based inclusive columns, as the NACHA rules number them.
    fn field(&self, from: usize, to: usize) -> &str {
        &self.text[from - 1..to]
    }

    fn number(&self, from: usize, to: usize, name: &'static str) -> Result<u64, Problem> {
        let text = self.field(from, to);
        if text.bytes().all(|byte| byte.is_ascii_digit()) {
            text.parse()
                .map_err(|_| self.problem(name, format!("{text:?} is not a number")))
        } else {
            Err(self.problem(name, format!("{text:?} is not a number")))
        }
    }

    fn problem(&self, field: &'static str, reason: String) -> Problem {
        Problem {
            line: self.line,
            offset: self.offset,
            field,
            reason,
        }
    }
}

/// A record as read: its line (or record number), its byte offset when the file has no
/// line breaks, and its 94 characters.
struct Raw {
    line: usize,
    offset: Option<usize>,
    text: String,
}

/// The file's records, padded to 94, and the problems of those that are not records.
/// A file whose text (line endings at its end aside) has no line break and is longer
/// than a record is records back to back.
fn split_records(text: &str, problems: &mut Vec<Problem>) -> Vec<Raw> {
    let body = text.trim_end_matches(['\r', '\n']);
    let mut records = Vec::new();
    if body.len() > RECORD_LENGTH && !body.contains(['\r', '\n']) {
        // ASCII (checked before): byte offsets are character offsets.
        for (index, start) in (0..body.len()).step_by(RECORD_LENGTH).enumerate() {
            let end = (start + RECORD_LENGTH).min(body.len());
            let chunk = &body[start..end];
            if chunk.len() < RECORD_LENGTH {
                problems.push(Problem {
                    line: index + 1,
                    offset: Some(start),
                    field: "record",
                    reason: format!(
                        "{} characters left over; a file without line breaks is {RECORD_LENGTH}-character records back to back",
                        chunk.len()
                    ),
                });
                break;
            }
            records.push(Raw {
                line: index + 1,
                offset: Some(start),
                text: chunk.to_string(),
            });
        }
        return records;
    }
    for (index, raw) in text.lines().enumerate() {
        let raw = raw.trim_end_matches('\r');
        if raw.len() > RECORD_LENGTH {
            if problems.len() < 100 {
                problems.push(Problem {
                    line: index + 1,
                    offset: None,
                    field: "record",
                    reason: format!("{} characters, a record has {RECORD_LENGTH}", raw.len()),
                });
            }
            continue;
        }
        records.push(Raw {
            line: index + 1,
            offset: None,
            text: format!("{raw:<width$}", width = RECORD_LENGTH),
        });
    }
    records
}

/// What an entry is, by the last digit of its transaction code: 2 a live credit, 7 a
/// live debit; 1 and 6 are returns or notifications of change (their addenda decide);
/// 3, 4, 8, 9 are prenotes and zero-dollar entries.
fn kind_of(transaction_code: u8) -> EntryKind {
    match transaction_code % 10 {
        2 => EntryKind::Credit,
        7 => EntryKind::Debit,
        _ => EntryKind::Other,
    }
}

/// Which control total an entry's amount counts toward: codes ending 1–4 are on the
/// credit side, 5–9 on the debit side (returns of debits, code 26, are debits).
fn is_debit_side(transaction_code: u8) -> bool {
    transaction_code % 10 >= 5
}

#[derive(Default)]
struct Batch {
    line: usize,
    offset: Option<usize>,
    effective_on: Option<jiff::civil::Date>,
    entries_and_addenda: u64,
    hash: u64,
    debits: u64,
    credits: u64,
}

/// Parses a whole file; every problem found is reported (at most 100), or none.
pub fn parse(bytes: &[u8]) -> Result<NachaFile, Vec<Problem>> {
    let mut problems = Vec::new();
    let text = match std::str::from_utf8(bytes) {
        Ok(text) if text.is_ascii() => text,
        _ => {
            return Err(vec![Problem {
                line: 1,
                offset: None,
                field: "file",
                reason: "not an ASCII text file".into(),
            }]);
        }
    };
    let padded = split_records(text, &mut problems);
    let mut file = NachaFile {
        entries: Vec::new(),
        batches: 0,
        warnings: Vec::new(),
    };
    let mut batch: Option<Batch> = None;
    let mut totals = Batch::default();
    let mut seen_header = false;
    let mut seen_control = false;
    for raw in &padded {
        let (line, text) = (&raw.line, &raw.text);
        let record = Record {
            line: raw.line,
            offset: raw.offset,
            text,
        };
        if problems.len() >= 100 {
            break;
        }
        let result = match (record.field(1, 1), seen_control) {
            (_, true) if text.bytes().all(|byte| byte == b'9') => Ok(()),
            (_, true) => Err(record.problem("record", "after the file control record".into())),
            ("1", _) if !seen_header => {
                seen_header = true;
                Ok(())
            }
            (_, _) if !seen_header => Err(record.problem(
                "record",
                "the file must start with a file header (1)".into(),
            )),
            ("5", _) => {
                if batch.is_some() {
                    Err(record.problem("record", "a batch header inside a batch".into()))
                } else {
                    batch = Some(Batch {
                        line: *line,
                        offset: record.offset,
                        effective_on: yymmdd(record.field(70, 75)),
                        ..Batch::default()
                    });
                    file.batches += 1;
                    Ok(())
                }
            }
            ("6", _) => match batch.as_mut() {
                None => Err(record.problem("record", "an entry outside a batch".into())),
                Some(batch) => entry(&record, batch, &mut file.entries),
            },
            ("7", _) => match (batch.as_mut(), file.entries.last_mut()) {
                (Some(batch), Some(last)) => addenda(&record, batch, last),
                _ => Err(record.problem("record", "an addenda without its entry".into())),
            },
            ("8", _) => match batch.take() {
                None => Err(record.problem("record", "a batch control outside a batch".into())),
                Some(done) => {
                    let checked = batch_control(&record, &done);
                    totals.entries_and_addenda += done.entries_and_addenda;
                    totals.hash += done.hash;
                    totals.debits += done.debits;
                    totals.credits += done.credits;
                    checked
                }
            },
            ("9", _) => {
                seen_control = true;
                if let Some(open) = &batch {
                    Err(Problem {
                        line: open.line,
                        offset: open.offset,
                        field: "record",
                        reason: "a batch without its control record (8)".into(),
                    })
                } else {
                    file_control(&record, &totals, file.batches, &mut file.warnings)
                }
            }
            (other, _) => Err(record.problem(
                "record type",
                format!("{other:?} is not 1, 5, 6, 7, 8 or 9"),
            )),
        };
        if let Err(problem) = result {
            problems.push(problem);
        }
    }
    if !seen_control && problems.is_empty() {
        problems.push(Problem {
            line: padded.last().map_or(1, |raw| raw.line),
            offset: padded.last().and_then(|raw| raw.offset),
            field: "record",
            reason: "no file control record (9)".into(),
        });
    }
    if problems.is_empty() {
        Ok(file)
    } else {
        Err(problems)
    }
}

/// A `YYMMDD` date (20YY), or `None`.
pub fn yymmdd(text: &str) -> Option<jiff::civil::Date> {
    if text.len() != 6 || !text.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    let number = |range: std::ops::Range<usize>| text[range].parse::<i8>().ok();
    let year = 2000 + i16::from(number(0..2)?);
    jiff::civil::Date::new(year, number(2..4)?, number(4..6)?).ok()
}

fn entry(record: &Record<'_>, batch: &mut Batch, entries: &mut Vec<Entry>) -> Result<(), Problem> {
    let transaction_code = record.number(2, 3, "transaction code")? as u8;
    let routing = record.number(4, 11, "receiving DFI")?;
    let amount = record.number(30, 39, "amount")?;
    let kind = kind_of(transaction_code);
    batch.entries_and_addenda += 1;
    batch.hash += routing;
    if is_debit_side(transaction_code) {
        batch.debits += amount;
    } else {
        batch.credits += amount;
    }
    entries.push(Entry {
        line: record.line,
        transaction_code,
        kind,
        amount: Amount::from_minor(amount as i64),
        individual_id: record.field(40, 54).trim().to_string(),
        individual_name: record.field(55, 76).trim().to_string(),
        trace_number: record.field(80, 94).to_string(),
        return_code: None,
        original_trace: None,
        effective_on: batch.effective_on,
    });
    Ok(())
}

fn addenda(record: &Record<'_>, batch: &mut Batch, last: &mut Entry) -> Result<(), Problem> {
    batch.entries_and_addenda += 1;
    if record.field(2, 3) == "99" {
        let code = record.field(4, 6);
        if !(code.starts_with('R') && code[1..].bytes().all(|byte| byte.is_ascii_digit())) {
            return Err(record.problem("return reason code", format!("{code:?} is not Rnn")));
        }
        last.kind = EntryKind::Return;
        last.return_code = Some(code.to_string());
        last.original_trace = Some(record.field(7, 21).to_string());
    }
    Ok(())
}

fn batch_control(record: &Record<'_>, batch: &Batch) -> Result<(), Problem> {
    let count = record.number(5, 10, "entry/addenda count")?;
    let hash = record.number(11, 20, "entry hash")?;
    let debits = record.number(21, 32, "total debit amount")?;
    let credits = record.number(33, 44, "total credit amount")?;
    let checks = [
        ("entry/addenda count", count, batch.entries_and_addenda),
        ("entry hash", hash, batch.hash % 10_000_000_000),
        ("total debit amount", debits, batch.debits),
        ("total credit amount", credits, batch.credits),
    ];
    for (field, stated, counted) in checks {
        if stated != counted {
            return Err(record.problem(
                field,
                format!("the control says {stated}, the batch's entries make {counted}"),
            ));
        }
    }
    Ok(())
}

fn file_control(
    record: &Record<'_>,
    totals: &Batch,
    batches: usize,
    warnings: &mut Vec<Problem>,
) -> Result<(), Problem> {
    let stated_batches = record.number(2, 7, "batch count")?;
    if stated_batches != batches as u64 {
        warnings.push(record.problem(
            "batch count",
            format!("the file control says {stated_batches}, the file has {batches}"),
        ));
    }
    let count = record.number(14, 21, "entry/addenda count")?;
    let hash = record.number(22, 31, "entry hash")?;
    let debits = record.number(32, 43, "total debit amount")?;
    let credits = record.number(44, 55, "total credit amount")?;
    let checks = [
        ("entry/addenda count", count, totals.entries_and_addenda),
        ("entry hash", hash, totals.hash % 10_000_000_000),
        ("total debit amount", debits, totals.debits),
        ("total credit amount", credits, totals.credits),
    ];
    for (field, stated, counted) in checks {
        if stated != counted {
            return Err(record.problem(
                field,
                format!("the file control says {stated}, the file's batches make {counted}"),
            ));
        }
    }
    Ok(())
}
