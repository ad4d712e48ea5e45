//! `ingest::nacha::parse` on arbitrary bytes: it must never panic, and what it returns
//! must keep the promises of crates/ingest/src/nacha.rs, checked here against the raw
//! input, independently of the parser:
//!
//! - refused: at least one problem, at most 100, each on a line the input has (in a
//!   file without line breaks: on a record it has, at that record's byte offset);
//! - accepted: the input is ASCII; every `6` record is an entry, in order, with the
//!   transaction code, amount, identification, name and trace number of its columns and
//!   a kind that agrees with its code and addenda, and the effective date of its batch
//!   header when that is a date (YYMMDD); each batch control (`8`) and the file
//!   control (`9`) state the entry/addenda count, entry hash and debit and credit totals
//!   of the entries before them; the file has as many batches as `5` records;
//! - and those controls are really checked: the same file with one entry's amount
//!   changed by one digit is refused.

#![no_main]

use ingest::nacha::{self, EntryKind, NachaFile, Problem, RECORD_LENGTH};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match nacha::parse(data) {
        Ok(file) => accepted(data, &file),
        Err(problems) => refused(data, &problems),
    }
});

fn refused(data: &[u8], problems: &[Problem]) {
    assert!(!problems.is_empty(), "refused without naming a problem");
    assert!(
        problems.len() <= 100,
        "{} problems reported; the parser promises at most 100",
        problems.len()
    );
    let last_line = std::str::from_utf8(data).map_or(1, |text| text.lines().count().max(1));
    let last_record = data.len().div_ceil(RECORD_LENGTH).max(1);
    for problem in problems {
        match problem.offset {
            None => assert!(
                (1..=last_line).contains(&problem.line),
                "a problem on line {} of a {last_line}-line input: {problem:?}",
                problem.line
            ),
            Some(offset) => {
                assert!(
                    (1..=last_record).contains(&problem.line),
                    "a problem on record {} of a {last_record}-record input: {problem:?}",
                    problem.line
                );
                assert_eq!(offset, (problem.line - 1) * RECORD_LENGTH, "{problem:?}");
            }
        }
        assert!(
            !problem.field.is_empty() && !problem.reason.is_empty(),
            "{problem:?}"
        );
        let _ = problem.describe("fuzz.ach");
    }
}

/// Columns `from..=to` (1-based, as the NACHA rules number them) as a number, or None
/// when they are not all digits.
fn number(record: &str, from: usize, to: usize) -> Option<u64> {
    let text = &record[from - 1..to];
    if text.bytes().all(|byte| byte.is_ascii_digit()) {
        text.parse().ok()
    } else {
        None
    }
}

#[derive(Default)]
struct Totals {
    count: u64,
    hash: u64,
    debits: u64,
    credits: u64,
}

impl Totals {
    /// Asserts the control `record` states these totals (columns of a `8` or a `9`).
    fn stated_by(&self, record: &str, count: (usize, usize), from: usize, line: usize) {
        let stated = (
            number(record, count.0, count.1),
            number(record, from, from + 9),
            number(record, from + 10, from + 21),
            number(record, from + 22, from + 33),
        );
        let made = (
            Some(self.count),
            Some(self.hash % 10_000_000_000),
            Some(self.debits),
            Some(self.credits),
        );
        assert_eq!(
            stated, made,
            "line {line}: accepted a control (count, hash, debits, credits) its entries do not make"
        );
    }
}

/// The records of `text` as the rules say: lines, or, when the text has no line break
/// before its last line ending and is longer than a record, 94-character slices.
fn lines_or_records(text: &str) -> (Vec<&str>, bool) {
    let body = text.trim_end_matches(['\r', '\n']);
    if body.len() > RECORD_LENGTH && !body.contains(['\r', '\n']) {
        let records = (0..body.len())
            .step_by(RECORD_LENGTH)
            .map(|start| &body[start..(start + RECORD_LENGTH).min(body.len())])
            .collect();
        (records, true)
    } else {
        (text.lines().collect(), false)
    }
}

fn accepted(data: &[u8], file: &NachaFile) {
    let text = std::str::from_utf8(data).expect("accepted bytes that are not UTF-8");
    assert!(text.is_ascii(), "accepted a file that is not ASCII");
    let (lines, unbroken) = lines_or_records(text);
    let mut entries = file.entries.iter().peekable();
    let (mut batch, mut whole) = (Totals::default(), Totals::default());
    let mut batches = 0;
    let mut effective = String::new();
    let mut controlled = false;
    for (index, raw) in lines.iter().enumerate() {
        let line = index + 1;
        let raw = raw.trim_end_matches('\r');
        assert!(
            raw.len() <= RECORD_LENGTH,
            "line {line}: accepted a long record"
        );
        assert!(
            !unbroken || raw.len() == RECORD_LENGTH,
            "record {line}: accepted a record cut short"
        );
        let record = format!("{raw:<RECORD_LENGTH$}");
        match &record[..1] {
            "5" => {
                batches += 1;
                effective = record[69..75].to_string();
            }
            "6" => {
                let entry = entries
                    .next()
                    .unwrap_or_else(|| panic!("line {line}: an entry record with no entry"));
                assert_eq!(entry.line, line, "entries out of order");
                let code = number(&record, 2, 3).expect("accepted a non-numeric transaction code");
                let routing =
                    number(&record, 4, 11).expect("accepted a non-numeric routing number");
                let amount = number(&record, 30, 39).expect("accepted a non-numeric amount");
                assert_eq!(u64::from(entry.transaction_code), code, "line {line}");
                assert_eq!(entry.amount.minor(), amount as i64, "line {line}");
                assert_eq!(entry.individual_id, record[39..54].trim(), "line {line}");
                assert_eq!(entry.individual_name, record[54..76].trim(), "line {line}");
                assert_eq!(entry.trace_number, record[79..94], "line {line}");
                match entry.kind {
                    EntryKind::Debit => assert_eq!(code % 10, 7, "line {line}"),
                    EntryKind::Credit => assert_eq!(code % 10, 2, "line {line}"),
                    EntryKind::Return | EntryKind::Other => {}
                }
                if let Some(date) = entry.effective_on {
                    let yymmdd = format!(
                        "{:02}{:02}{:02}",
                        date.year() - 2000,
                        date.month(),
                        date.day()
                    );
                    assert_eq!(yymmdd, effective, "line {line}: effective entry date");
                }
                let returned = entry.kind == EntryKind::Return;
                assert_eq!(returned, entry.return_code.is_some(), "line {line}");
                assert_eq!(returned, entry.original_trace.is_some(), "line {line}");
                if let Some(reason) = &entry.return_code {
                    assert!(reason.len() == 3 && reason.starts_with('R'), "line {line}");
                }
                batch.count += 1;
                batch.hash += routing;
                if code % 10 >= 5 {
                    batch.debits += amount;
                } else {
                    batch.credits += amount;
                }
            }
            "7" => batch.count += 1,
            "8" => {
                batch.stated_by(&record, (5, 10), 11, line);
                whole.count += batch.count;
                whole.hash += batch.hash;
                whole.debits += batch.debits;
                whole.credits += batch.credits;
                batch = Totals::default();
            }
            "9" => {
                whole.stated_by(&record, (14, 21), 22, line);
                controlled = true;
                break;
            }
            _ => {}
        }
    }
    assert!(controlled, "accepted a file without a file control");
    assert!(entries.next().is_none(), "an entry with no entry record");
    assert_eq!(file.batches, batches, "batches counted");

    // One entry's amount changed by one digit: the controls no longer agree.
    if !file.entries.is_empty() {
        let entry = &file.entries[data.len() % file.entries.len()];
        let start = if unbroken {
            (entry.line - 1) * RECORD_LENGTH
        } else {
            data.split_inclusive(|&byte| byte == b'\n')
                .take(entry.line - 1)
                .map(<[u8]>::len)
                .sum::<usize>()
        };
        let mut changed = data.to_vec();
        let digit = &mut changed[start + 38];
        assert!(digit.is_ascii_digit());
        *digit = if *digit == b'9' { b'0' } else { *digit + 1 };
        assert!(
            nacha::parse(&changed).is_err(),
            "line {}: the amount changed and the file is still accepted",
            entry.line
        );
    }
}
