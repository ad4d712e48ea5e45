//! BAI2 files written by banks (ministryofjustice/bai2 test data), and broken ones.

use ingest::bai2::parse;

fn fixture(name: &str) -> String {
    std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/bai2")
            .join(name),
    )
    .unwrap()
}

#[test]
fn bank_files_parse_with_references_and_continued_text() {
    let citi = parse(fixture("example.bai2").as_bytes()).unwrap();
    assert_eq!(citi.transactions.len(), 1);
    let credit = &citi.transactions[0];
    assert!(credit.is_credit());
    assert_eq!(credit.type_code, 191);
    assert_eq!(credit.amount.minor(), 1);
    assert_eq!(credit.account, "77777777");
    assert_eq!(credit.currency, "GBP");
    assert_eq!(credit.bank_reference, "1234567890");
    assert_eq!(credit.customer_reference, "RP12312312312312");
    assert!(
        credit.text.starts_with("FR:FP SIP INCOMING ENDT:20150715"),
        "{}",
        credit.text
    );

    let natwest = parse(fixture("example2.bai2").as_bytes()).unwrap();
    let amounts: Vec<(u16, i64)> = natwest
        .transactions
        .iter()
        .map(|transaction| (transaction.type_code, transaction.amount.minor()))
        .collect();
    assert_eq!(
        amounts,
        [(699, 971), (699, 100), (699, 123), (699, 1571), (399, 89)]
    );
    assert!(natwest.transactions[4].is_credit());
    assert!(
        natwest.transactions[4]
            .text
            .ends_with("CLIE NT SECCY AC TFR"),
        "{}",
        natwest.transactions[4].text
    );
}

#[test]
fn broken_files_name_the_line_and_field() {
    let citi = fixture("example.bai2");
    let changed = citi.replace("16,191,001,", "16,191,002,");
    let problem = parse(changed.as_bytes()).unwrap_err();
    assert_eq!(
        problem.describe("x.bai2"),
        "x.bai2:12: account control total: the trailer says 20001, the account's amounts make 20002"
    );
    let letters = citi.replace("16,191,001,", "16,191,0O1,");
    assert_eq!(parse(letters.as_bytes()).unwrap_err().field, "amount");
    let cut: String = citi.lines().take(12).collect::<Vec<_>>().join("\n");
    assert_eq!(parse(cut.as_bytes()).unwrap_err().field, "record");
    let lost = citi.replace("88,BI:22222222\n", "");
    assert_eq!(
        parse(lost.as_bytes()).unwrap_err().field,
        "number of records"
    );
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Arbitrary bytes, and bank files with bytes changed, never panic the parser.
        #[test]
        fn never_panics(bytes in prop::collection::vec(any::<u8>(), 0..400), flips in prop::collection::vec((0usize..800, prop::sample::select(vec![b',', b'/', b'8', b'1', b'S', b'D', b'V', b'\n', b'-', b'9'])), 0..8)) {
            let _ = parse(&bytes);
            let mut real = fixture("example2.bai2").into_bytes();
            for (at, byte) in flips {
                let index = at % real.len();
                real[index] = byte;
            }
            let _ = parse(&real);
        }
    }
}

#[test]
fn availability_is_skipped_by_funds_type_and_nonsense_refused() {
    let distributed = "01,B,C,150716,0713,1,,,2/\n02,C,B,1,150715,2340,USD,2/\n03,1,USD,/\n16,165,500,D,2,0,300,1,200,BREF,CREF,PAYMENT FOR AF-0000001/\n49,500,3/\n98,500,1,5/\n99,500,1,7/\n";
    let parsed = parse(distributed.as_bytes()).unwrap();
    let credit = &parsed.transactions[0];
    assert_eq!(
        (
            credit.bank_reference.as_str(),
            credit.customer_reference.as_str()
        ),
        ("BREF", "CREF")
    );
    assert_eq!(credit.text, "PAYMENT FOR AF-0000001");
    let huge = distributed.replace(",D,2,", ",D,18446744073709551615,");
    assert_eq!(parse(huge.as_bytes()).unwrap_err().field, "funds type");
    let odd = distributed.replace(",D,2,", ",Q,2,");
    assert_eq!(parse(odd.as_bytes()).unwrap_err().field, "funds type");
}

/// Found writing the fuzz target (docs/fuzzing.md): enough 15-digit amounts overflowed
/// an i64 control total — a panic in debug builds, and in release a wrapped total that a
/// forged trailer could match. Now the total refuses to overflow.
#[test]
fn control_totals_that_overflow_are_refused_not_wrapped() {
    let head = "01,B,C,150716,0713,1,,,2/\n02,C,B,1,150715,2340,USD,2/\n";
    let one_account = "03,1,USD,/\n16,165,999999999999999/\n49,999999999999999,3/\n";
    // 9,300 amounts of 999,999,999,999,999 in one account: more than i64::MAX.
    let account = format!(
        "{head}03,1,USD,/\n{}49,1,9302/\n98,1,1,9304/\n99,1,1,9306/\n",
        "16,165,999999999999999/\n".repeat(9_300)
    );
    let problem = parse(account.as_bytes()).unwrap_err();
    assert_eq!((problem.line, problem.field), (9_227, "amount"));
    // 9,300 accounts of 999,999,999,999,999 in one group.
    let group = format!(
        "{head}{}98,1,9300,27902/\n99,1,1,27904/\n",
        one_account.repeat(9_300)
    );
    let problem = parse(group.as_bytes()).unwrap_err();
    assert_eq!(problem.field, "group control total");
}

/// The Citi sample with its account identifier (`03`) written as some banks write it:
/// its summaries carried over `88` records. `shape` replaces the `03` line; the trailers'
/// record counts grow by the `88`s added.
fn citi_with_summary(shape: &str) -> String {
    let added = shape.lines().count() - 1;
    fixture("example.bai2")
        .replace("03,77777777,GBP,010,10000,,,015,10000,,,/", shape)
        .replace("49,20001,10/", &format!("49,20001,{}/", 10 + added))
        .replace("98,20001,1,12/", &format!("98,20001,1,{}/", 12 + added))
        .replace("99,20001,1,14/", &format!("99,20001,1,{}/", 14 + added))
}

/// Issue 13, finding 8: the amounts on an `03`'s continuation records were read out of
/// step (a trailing empty field before the `/`), so the `49` total failed.
#[test]
fn summary_amounts_on_an_accounts_continuation_records_count_toward_its_control_total() {
    let citi = parse(fixture("example.bai2").as_bytes()).unwrap();
    for shape in [
        // One summary a record, each ending `,,,/` (a bank in the US writes them so).
        "03,77777777,GBP,010,10000,,,/\n88,015,10000,,,/",
        // The specification's own example: a type code ends the record, its amount
        // begins the continuation.
        "03,77777777,GBP,010,10000,,,015/\n88,10000,,/",
        // Continued twice, spaces after the commas, the last summary's count and funds
        // type defaulted by the record's end.
        "03, 77777777, GBP, 010/\n88, 10000, , , 015/\n88, 10000/",
        // Item counts and funds types given, including availability (immediate, one
        // day, two or more days) which is not a further amount.
        "03,77777777,GBP,010,10000,2,S,4000,3000,3000/\n88,015,10000,1,0/",
    ] {
        let file = citi_with_summary(shape);
        let parsed = parse(file.as_bytes())
            .unwrap_or_else(|problem| panic!("{shape:?}: {}", problem.describe("citi.bai2")));
        // The same transaction, on a line as many further down as records were added.
        let mut moved = citi.transactions.clone();
        moved[0].line += shape.lines().count() - 1;
        assert_eq!(parsed.transactions, moved, "{shape:?}");
    }
    // The continuation's amount does count: changed, the trailer disagrees.
    let changed = citi_with_summary("03,77777777,GBP,010,10000,,,/\n88,015,10001,,,/");
    assert_eq!(
        parse(changed.as_bytes()).unwrap_err().describe("citi.bai2"),
        "citi.bai2:13: account control total: the trailer says 20001, the account's amounts make 20002"
    );
    // A summary whose funds type is nonsense is named on the continuation's line.
    let odd = citi_with_summary("03,77777777,GBP,010,10000,,,/\n88,015,10000,,Q/");
    let problem = parse(odd.as_bytes()).unwrap_err();
    assert_eq!((problem.line, problem.field), (4, "funds type"));
}

/// A transaction (`16`) whose references are on its continuation (the specification's
/// lockbox example): the fields go on, then the text.
#[test]
fn a_transactions_references_may_continue_on_the_next_record() {
    let file = "01,B,C,150716,0713,1,,,2/\n02,C,B,1,150715,2340,USD,2/\n03,1,USD,/\n16,115,500,S,100,200,200/\n88,BREF,CREF,LOCKBOX DEPOSIT\n88,FOR AF-0000001/\n49,500,5/\n98,500,1,7/\n99,500,1,9/\n";
    let parsed = parse(file.as_bytes()).unwrap();
    let credit = &parsed.transactions[0];
    assert_eq!(credit.amount.minor(), 500);
    assert_eq!(
        (
            credit.bank_reference.as_str(),
            credit.customer_reference.as_str(),
            credit.text.as_str()
        ),
        ("BREF", "CREF", "LOCKBOX DEPOSIT FOR AF-0000001")
    );
}
