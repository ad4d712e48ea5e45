//! The payment CSV read as creditors and banks write it: CRLF line endings, invalid
//! UTF-8, absurd values.

use domain::money::Currency;
use ingest::payments::{Format, PaymentFile, read};
use ingest::placement::Rejection;

const HEADER: &str = "creditor,account_ref,payment_ref,paid_on,amount,method";

fn read_csv(bytes: &[u8]) -> Result<PaymentFile, Rejection> {
    read(
        "pay.csv",
        bytes,
        Format::Csv,
        &|code| (code == "NBANK").then_some(Currency::USD),
        jiff::civil::date(2026, 11, 23),
    )
}

/// Issue 13, finding 11: CRLF files had their problems named a line early.
#[test]
fn problems_in_a_crlf_payment_file_name_their_lines() {
    let rows = [
        HEADER,
        "NBANK,A-1,P-1,2026-11-01,10.00,ach",
        "NBANK,A-2,P-2,2026-11-01,1e3,ach",
        "NBANK,A-3,P-3,2026-11-31,10.00,ach",
    ];
    let text = read_csv(format!("{}\r\n", rows.join("\r\n")).as_bytes())
        .unwrap_err()
        .to_string();
    assert!(text.contains("pay.csv:3: amount: 1e3:"), "{text}");
    assert!(
        text.contains("pay.csv:4: paid_on: 2026-11-31: not a calendar date"),
        "{text}"
    );
    let good = read_csv(format!("{}\r\n", rows[..2].join("\r\n")).as_bytes()).unwrap();
    assert_eq!(good.items[0].line, 2);
}

/// Invalid UTF-8 stopped the report at its row, one line off; now it is named by line
/// and column and the rows after it are checked.
#[test]
fn invalid_utf8_in_a_payment_file_is_named_and_the_rest_still_checked() {
    let mut bytes = format!("{HEADER}\nNBANK,A-1,P-1,2026-11-01,10.00,ach\n").into_bytes();
    bytes.extend_from_slice(b"NBANK,A-\xe92,P-2,2026-11-01,10.00,ach\n");
    bytes.extend_from_slice(b"NBANK,A-3,P-3,2026-11-01,1e3,ach\n");
    bytes.extend_from_slice(b"NBANK,A-4,P-\xff,2026-11-01,10.00,ach\n");
    let text = read_csv(&bytes).unwrap_err().to_string();
    for expected in [
        "pay.csv:3: account_ref: A-\u{fffd}2: not valid UTF-8",
        "pay.csv:4: amount: 1e3:",
        "pay.csv:5: payment_ref: P-\u{fffd}: not valid UTF-8",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} missing from:\n{text}"
        );
    }
    assert!(
        text.ends_with("\n3 problems; nothing was imported"),
        "{text}"
    );
}

/// A 10 MB reference is not echoed whole, nor are the line breaks of a quoted value.
#[test]
fn a_huge_bad_value_in_a_payment_file_is_echoed_cut_short() {
    let huge = "R".repeat(10_000_000);
    let file = format!(
        "{HEADER}\nNBANK,A-1,{huge},2026-11-01,10.00,ach\nNBANK,A-2,P-2,2026-11-01,\"1\r\n0\",ach\n"
    );
    let text = read_csv(file.as_bytes()).unwrap_err().to_string();
    assert!(text.len() < 1_000, "{} bytes of report", text.len());
    assert!(
        text.contains(&format!(
            "pay.csv:2: payment_ref: {}… (10000000 bytes): longer than 64 characters",
            "R".repeat(80)
        )),
        "{text}"
    );
    assert!(text.contains("pay.csv:3: amount: 1\\n0:"), "{text}");
}

/// A hidden character in a payment reference would make two references that look the
/// same differ: named and refused.
#[test]
fn hidden_characters_in_a_payment_file_are_named_and_refused() {
    let text = format!(
        "{HEADER}\nNBANK,A-1,P-1,2026-11-01,10.00,ach\nNBANK,A-2,\u{FEFF}P-2,2026-11-01,10.00,ach\nNBANK,A-3,P-3\u{0},2026-11-01,10.00,ach\n"
    );
    let report = read_csv(text.as_bytes()).unwrap_err().to_string();
    assert!(report.contains("pay.csv:3: payment_ref: "), "{report}");
    assert!(report.contains("byte-order mark"), "{report}");
    assert!(report.contains("pay.csv:4: payment_ref: "), "{report}");
    assert!(report.contains("NUL character"), "{report}");
}
