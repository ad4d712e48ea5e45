//! The payment CSV reader (`ingest::payments::read` with `Format::Csv`) on arbitrary
//! bytes: it must never panic, and what it returns must keep the promises of
//! crates/ingest/src/payments.rs, checked here against the raw input:
//!
//! - refused: at least one problem reported, the total counting them all; each on a line
//!   the input has (LF, CR LF or CR end a line), its column and value repeated without
//!   control characters and at most 80 characters (then `… (N bytes)`);
//! - accepted: items on increasing lines the input has, each amount above zero and
//!   within its creditor's currency's limit, each payment_ref once per creditor, every
//!   item naming a creditor the file could name;
//! - line endings do not matter: the same input with every LF written CR LF gets the same
//!   verdict, the same items and the same problems on the same lines.

#![no_main]

use domain::money::Currency;
use domain::payment::ItemKind;
use ingest::payments::{Format, PaymentFile, read};
use ingest::placement::{ECHO_CHARS_MAX, Rejection};
use libfuzzer_sys::fuzz_target;

#[path = "csv_common.rs"]
mod csv_common;
use csv_common::{lines_of, with_crlf};

/// Creditor `A` keeps dollars, `B` yen (no minor digits); others are unknown.
fn currency_of(code: &str) -> Option<Currency> {
    match code {
        "A" => Some(Currency::USD),
        "B" => Currency::parse("JPY"),
        _ => None,
    }
}

fn parse(data: &[u8]) -> Result<PaymentFile, Rejection> {
    read(
        "fuzz.csv",
        data,
        Format::Csv,
        &currency_of,
        jiff::civil::date(2026, 11, 23),
    )
}

fuzz_target!(|data: &[u8]| {
    let verdict = parse(data);
    let lines = lines_of(data);
    match &verdict {
        Ok(file) => accepted(file, lines),
        Err(rejection) => refused(rejection, lines),
    }
    if let Some(crlf) = with_crlf(data) {
        match (&verdict, &parse(&crlf)) {
            (Ok(first), Ok(second)) => {
                assert_eq!(first.items, second.items, "CR LF changed the items")
            }
            (Err(first), Err(second)) => {
                assert_eq!(first.problems, second.problems, "CR LF moved a problem");
                assert_eq!(first.problems_total, second.problems_total);
            }
            _ => panic!("CR LF changed the verdict"),
        }
    }
});

fn refused(rejection: &Rejection, lines: u64) {
    assert!(!rejection.problems.is_empty(), "refused without a problem");
    assert!(rejection.problems_total >= rejection.problems.len() as u64);
    let limit = ECHO_CHARS_MAX + " (18446744073709551615 bytes)".len() + 1;
    for problem in &rejection.problems {
        assert!(
            (1..=lines).contains(&problem.line),
            "a problem on line {} of a {lines}-line input: {problem:?}",
            problem.line
        );
        for (what, text) in [("value", &problem.value), ("column", &problem.column)] {
            assert!(
                !text.chars().any(char::is_control),
                "a {what} repeated with a control character: {problem:?}"
            );
            assert!(
                text.chars().count() <= limit,
                "a {what} repeated whole: {problem:?}"
            );
        }
        assert!(!problem.reason.is_empty(), "{problem:?}");
    }
    let _ = rejection.to_string();
}

fn accepted(file: &PaymentFile, lines: u64) {
    let mut previous = 0;
    let mut refs = std::collections::HashSet::new();
    for item in &file.items {
        assert!(item.line > previous, "items out of order: {item:?}");
        assert!(
            item.line <= lines,
            "an item on line {} of {lines}",
            item.line
        );
        previous = item.line;
        let (creditor, amount, reference) = match &item.kind {
            ItemKind::Payment(payment) => (&payment.creditor, payment.amount, &payment.payment_ref),
            ItemKind::Return(returned) => {
                (&returned.creditor, returned.amount, &returned.return_ref)
            }
        };
        let code = creditor.as_deref().expect("a CSV item names its creditor");
        let currency = currency_of(code).expect("a creditor the file may name");
        assert!(amount.is_positive(), "{item:?}");
        assert!(currency.within_limit(amount).is_ok(), "{item:?}");
        assert!(
            refs.insert((code.to_string(), reference.clone())),
            "a payment_ref twice: {item:?}"
        );
    }
}
