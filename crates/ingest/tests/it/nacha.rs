//! NACHA files written by other software (moov-io/ach test data), and broken ones.

use domain::money::Amount;
use ingest::nacha::{EntryKind, parse};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/nacha")
            .join(name),
    )
    .unwrap()
}

#[test]
fn real_files_parse_with_their_controls_checked() {
    for name in [
        "ppd-debit.ach",
        "web-debit.ach",
        "ppd-mixedDebitCredit.ach",
        "20110805A.ach",
        "cor-example.ach",
        "return-WEB.ach",
    ] {
        let parsed =
            parse(&fixture(name)).unwrap_or_else(|problems| panic!("{name}: {:?}", problems));
        assert!(!parsed.entries.is_empty(), "{name}");
    }
    // moov-io's 20110805A.ach says 5 batches and has 4: reported, not refused.
    let odd = parse(&fixture("20110805A.ach")).unwrap();
    assert_eq!(odd.batches, 4);
    assert_eq!(odd.warnings.len(), 1);
    assert_eq!(
        odd.warnings[0].describe("20110805A.ach"),
        "20110805A.ach:93: batch count: the file control says 5, the file has 4"
    );
    // One debit of 1,000,000.00 to "Receiver Account Name" (its trimmed lines padded).
    let debit = parse(&fixture("ppd-debit.ach")).unwrap();
    assert_eq!(debit.entries.len(), 1);
    let entry = &debit.entries[0];
    assert_eq!(entry.kind, EntryKind::Debit);
    assert_eq!(entry.amount, Amount::from_minor(100_000_000));
    assert_eq!(entry.individual_name, "Receiver Account Name");
}

#[test]
fn returns_carry_their_reason_and_the_original_trace() {
    let returns = parse(&fixture("return-WEB.ach")).unwrap();
    let found: Vec<(Option<&str>, Option<&str>, i64)> = returns
        .entries
        .iter()
        .filter(|entry| entry.kind == EntryKind::Return)
        .map(|entry| {
            (
                entry.return_code.as_deref(),
                entry.original_trace.as_deref(),
                entry.amount.minor(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            (Some("R01"), Some("091400600000001"), 12_354),
            (Some("R03"), Some("091400600000003"), 4_565),
        ]
    );
}

#[test]
fn broken_files_name_the_line_and_field() {
    let original = String::from_utf8(fixture("ppd-debit.ach")).unwrap();
    // An amount changed behind the controls' back.
    let changed = original.replace("12345678         0100000000", "12345678         0100000001");
    let problems = parse(changed.as_bytes()).unwrap_err();
    assert_eq!(
        problems[0].describe("x.ach"),
        "x.ach:4: total debit amount: the control says 100000000, the batch's entries make 100000001"
    );
    // Letters in the amount.
    let letters = original.replace("12345678         0100000000", "12345678         01000000O0");
    let problems = parse(letters.as_bytes()).unwrap_err();
    assert_eq!(problems[0].line, 3);
    assert_eq!(problems[0].field, "amount");
    // A line too long, an unknown record type, no file control, not text.
    let long = original.replacen("\n", &format!("{}\n", " ".repeat(60)), 1);
    assert_eq!(parse(long.as_bytes()).unwrap_err()[0].field, "record");
    let unknown = original.replace("\n822", "\n422");
    assert_eq!(
        parse(unknown.as_bytes()).unwrap_err()[0].field,
        "record type"
    );
    let cut: String = original.lines().take(3).collect::<Vec<_>>().join("\n");
    assert!(parse(cut.as_bytes()).is_err());
    assert!(parse(&[0xff, 0xfe, 0x00]).is_err());
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Arbitrary bytes, and real files with bytes flipped, never panic the parser.
        #[test]
        fn never_panics(bytes in prop::collection::vec(any::<u8>(), 0..400), flips in prop::collection::vec((0usize..2000, any::<u8>()), 0..8)) {
            let _ = parse(&bytes);
            let mut real = fixture("return-WEB.ach");
            for (at, byte) in flips {
                let index = at % real.len();
                real[index] = byte;
            }
            let _ = parse(&real);
        }
    }
}

/// Found writing the fuzz target (docs/fuzzing.md): lines longer than a record were each
/// reported, past the 100 problems `parse` promises at most.
#[test]
fn at_most_100_problems_are_reported() {
    let long_lines = format!("{}\n", "X".repeat(95)).repeat(150);
    assert_eq!(parse(long_lines.as_bytes()).unwrap_err().len(), 100);
}

/// The file as some banks send it: every line padded to 94 characters and written back to
/// back, without line breaks, then `ending` (nothing, LF or CR LF).
fn unbroken(name: &str, ending: &str) -> Vec<u8> {
    let text = String::from_utf8(fixture(name)).unwrap();
    let mut records: String = text.lines().map(|line| format!("{line:<94}")).collect();
    records.push_str(ending);
    records.into_bytes()
}

/// Issue 13, finding 8: "470 characters, a record has 94" for a file written without line
/// breaks. It now reads exactly as the same file with them.
#[test]
fn files_without_line_breaks_parse_like_the_line_broken_ones() {
    for name in [
        "ppd-debit.ach",
        "web-debit.ach",
        "ppd-mixedDebitCredit.ach",
        "20110805A.ach",
        "cor-example.ach",
        "return-WEB.ach",
    ] {
        let lines = parse(&fixture(name)).unwrap();
        for ending in ["", "\n", "\r\n"] {
            let records = parse(&unbroken(name, ending))
                .unwrap_or_else(|problems| panic!("{name} {ending:?}: {problems:?}"));
            assert_eq!(records.entries, lines.entries, "{name} {ending:?}");
            assert_eq!(records.batches, lines.batches, "{name} {ending:?}");
            let warnings = |file: &ingest::nacha::NachaFile| -> Vec<(usize, &str, String)> {
                file.warnings
                    .iter()
                    .map(|warning| (warning.line, warning.field, warning.reason.clone()))
                    .collect()
            };
            assert_eq!(warnings(&records), warnings(&lines), "{name} {ending:?}");
        }
    }
    // The block of ten records ends in `9` filler records; without them it is the same.
    let padded = unbroken("ppd-debit.ach", "");
    let filler = "9".repeat(94);
    let text = String::from_utf8(padded.clone()).unwrap();
    let trimmed = text.trim_end_matches(filler.as_str());
    assert!(trimmed.len() < text.len(), "the sample is padded");
    assert_eq!(
        parse(trimmed.as_bytes()).unwrap().entries,
        parse(&padded).unwrap().entries
    );
}

#[test]
fn problems_in_a_file_without_line_breaks_name_the_record_and_its_byte_offset() {
    let records = String::from_utf8(unbroken("ppd-debit.ach", "\r\n")).unwrap();
    // An amount changed behind the controls' back: found at the batch control, record 4.
    let changed = records.replace("12345678         0100000000", "12345678         0100000001");
    let problems = parse(changed.as_bytes()).unwrap_err();
    assert_eq!(
        problems[0].describe("x.ach"),
        "x.ach:record 4 (byte 282): total debit amount: the control says 100000000, the batch's entries make 100000001"
    );
    // Letters in the amount of the entry, record 3.
    let letters = records.replace("12345678         0100000000", "12345678         01000000O0");
    let problems = parse(letters.as_bytes()).unwrap_err();
    assert_eq!(
        problems[0].describe("x.ach"),
        "x.ach:record 3 (byte 188): amount: \"01000000O0\" is not a number"
    );
    // A record cut short: the characters left over are named where they start.
    let cut = &records[..records.len() - 2 - 40];
    let problems = parse(cut.as_bytes()).unwrap_err();
    let last = problems.last().unwrap().describe("x.ach");
    assert_eq!(
        last,
        format!(
            "x.ach:record 10 (byte 846): record: 54 characters left over; a file without line breaks is 94-character records back to back"
        ),
        "{problems:?}"
    );
}

/// The payment import reads such a file into the same items, and its report names the
/// record and byte.
#[test]
fn payment_files_without_line_breaks_give_the_same_items_and_name_records_in_reports() {
    use ingest::payments::{Format, read};
    let today = jiff::civil::date(2026, 11, 23);
    let read_file = |bytes: &[u8]| read("x.ach", bytes, Format::Nacha, &|_| None, today);
    let lines = read_file(&fixture("return-WEB.ach")).unwrap();
    let records = read_file(&unbroken("return-WEB.ach", "\n")).unwrap();
    assert_eq!(records.items, lines.items);
    assert_eq!(records.listed, lines.listed);
    let text = String::from_utf8(unbroken("return-WEB.ach", "")).unwrap();
    let changed = text.replace("0000012354M", "0000012355M");
    let report = read_file(changed.as_bytes()).unwrap_err().to_string();
    assert!(
        report.starts_with("x.ach:record 5 (byte 376): total debit amount: : the control says"),
        "{report}"
    );
}
