//! `ingest::bai2::parse` on arbitrary bytes: it must never panic, and what it returns
//! must keep the promises of crates/ingest/src/bai2.rs, checked here against the raw
//! input, independently of the parser:
//!
//! - refused: the problem is on a line the input has;
//! - accepted: the input is UTF-8; every transaction comes from a `16` record, in order,
//!   with the type code and (unsigned) amount of its fields (trimmed of spaces; a `88`
//!   after it goes on with its next field);
//! - and the trailers' control totals are really checked: the same file with one
//!   transaction's amount changed by one digit is refused.

#![no_main]

use ingest::bai2::{self, Bai2File};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match bai2::parse(data) {
        Ok(file) => accepted(data, &file),
        Err(problem) => {
            let last_line = std::str::from_utf8(data).map_or(1, |text| text.lines().count().max(1));
            assert!(
                (1..=last_line).contains(&problem.line),
                "a problem on line {} of a {last_line}-line input: {problem:?}",
                problem.line
            );
            assert!(
                !problem.field.is_empty() && !problem.reason.is_empty(),
                "{problem:?}"
            );
            let _ = problem.describe("fuzz.bai2");
        }
    }
});

fn accepted(data: &[u8], file: &Bai2File) {
    let text = std::str::from_utf8(data).expect("accepted bytes that are not UTF-8");
    let lines: Vec<&str> = text.lines().collect();
    let mut previous = 0;
    for transaction in &file.transactions {
        let line = transaction.line;
        assert!(line > previous, "transactions out of order");
        previous = line;
        let body = |raw: &'_ str| {
            let raw = raw.trim_end_matches('\r').trim_end();
            raw.strip_suffix('/').unwrap_or(raw).to_string()
        };
        let raw = body(lines[line - 1]);
        // The record and its continuations' bodies, each continuing with the next field.
        let mut joined = raw.clone();
        for more in lines[line..]
            .iter()
            .map(|more| body(more))
            .filter(|more| !more.is_empty())
            .take_while(|more| more.split(',').next().map(str::trim) == Some("88"))
        {
            joined.push(',');
            joined.push_str(more.split_once(',').map_or("", |(_, rest)| rest));
        }
        let mut fields = joined.split(',').map(str::trim);
        assert_eq!(
            fields.next(),
            Some("16"),
            "line {line}: a transaction from {raw:?}"
        );
        let type_code = fields.next().unwrap_or("");
        assert_eq!(
            type_code.parse::<u16>().ok(),
            Some(transaction.type_code),
            "line {line}"
        );
        let amount = fields.next().unwrap_or("");
        let digits = amount.trim_start_matches(['+', '-']);
        assert!(
            amount.len() - digits.len() <= 1 && digits.bytes().all(|byte| byte.is_ascii_digit()),
            "line {line}: accepted the amount {amount:?}"
        );
        let value: i64 = if digits.is_empty() {
            0
        } else {
            digits.parse().unwrap()
        };
        assert_eq!(transaction.amount.minor(), value, "line {line}");
        assert_eq!(
            transaction.is_credit(),
            (100..400).contains(&transaction.type_code)
        );
    }

    // One transaction's amount changed by one digit: the account trailer no longer agrees.
    let with_digits: Vec<usize> = file
        .transactions
        .iter()
        .map(|transaction| transaction.line)
        .filter(|&line| {
            let raw = lines[line - 1];
            raw.split(',').nth(2).is_some_and(|amount| {
                amount
                    .trim_end_matches(|c: char| c == '/' || c.is_whitespace())
                    .ends_with(|c: char| c.is_ascii_digit())
            })
        })
        .collect();
    if !with_digits.is_empty() {
        let line = with_digits[data.len() % with_digits.len()];
        let start = data
            .split_inclusive(|&byte| byte == b'\n')
            .take(line - 1)
            .map(<[u8]>::len)
            .sum::<usize>();
        let raw = lines[line - 1];
        let mut fields = raw.split(',');
        let before = fields.next().unwrap().len() + 1 + fields.next().unwrap().len() + 1;
        let amount = fields.next().unwrap();
        let last_digit = amount.rfind(|c: char| c.is_ascii_digit()).unwrap();
        let mut changed = data.to_vec();
        let digit = &mut changed[start + before + last_digit];
        *digit = if *digit == b'9' { b'0' } else { *digit + 1 };
        assert!(
            bai2::parse(&changed).is_err(),
            "line {line}: the amount changed and the file is still accepted"
        );
    }
}
