//! The placement CSV reader (`ingest::placement::CheckedPlacements`, the import's first
//! half) on arbitrary bytes: it must never panic, and what it returns must keep the
//! promises of crates/ingest/src/placement.rs, checked here against the raw input:
//!
//! - refused: at least one problem reported, at most `PROBLEMS_MAX` for the rows (at most
//!   `PROBLEMS_REPORTED_MAX` for the header), the total counting them all; each on a line the input has (lines ended by LF, CR LF or CR), its
//!   column and value repeated without control characters and at most 80 characters
//!   (then `… (N bytes)`);
//! - accepted: every row handed out (no placement after a problem), no two with the same
//!   creditor and account_ref, every balance above zero and within the currency's limit,
//!   split into buckets that add up; one warning per placement whose address is
//!   incomplete, and none for the others;
//! - line endings do not matter: the same input with every LF written CR LF gets the same
//!   verdict, the same placements and the same problems on the same lines.

#![no_main]

use domain::placement::Placement;
use ingest::mapping::Mapping;
use ingest::placement::{
    CheckedPlacements, ECHO_CHARS_MAX, FileSummary, PROBLEMS_REPORTED_MAX, PlacementReader,
    Problem, Rejection,
};
use libfuzzer_sys::fuzz_target;

#[path = "csv_common.rs"]
mod csv_common;
use csv_common::{lines_of, with_crlf};

const PROBLEMS_MAX: usize = 20;

fuzz_target!(|data: &[u8]| {
    let (verdict, placements) = check(data);
    let lines = lines_of(data);
    match &verdict {
        Ok(summary) => accepted(summary, &placements),
        Err(rejection) => refused(rejection, lines),
    }
    if let Some(crlf) = with_crlf(data) {
        let (again, placements_again) = check(&crlf);
        assert_eq!(placements_again, placements, "CR LF changed the placements");
        match (&verdict, &again) {
            (Ok(first), Ok(second)) => {
                assert_eq!(first.rows, second.rows);
                assert_eq!(first.warnings, second.warnings, "CR LF moved a warning");
            }
            (Err(first), Err(second)) => {
                assert_eq!(first.problems, second.problems, "CR LF moved a problem");
                assert_eq!(first.problems_total, second.problems_total);
            }
            _ => panic!("CR LF changed the verdict"),
        }
    }
});

/// Reads `data` as the import does; the placements handed out, and the verdict.
fn check(data: &[u8]) -> (Result<FileSummary, Rejection>, Vec<Placement>) {
    let today = jiff::civil::date(2026, 11, 23);
    let reader = match PlacementReader::new("fuzz.csv".into(), data, &Mapping::standard(), today) {
        Ok(reader) => reader,
        Err(rejection) => return (Err(rejection), Vec::new()),
    };
    let mut checked = CheckedPlacements::new(reader, PROBLEMS_MAX);
    let mut placements = Vec::new();
    while let Some(placement) = checked.next_placement() {
        placements.push(placement);
    }
    (checked.finish(), placements)
}

fn echoed(text: &str, what: &str, problem: &Problem) {
    assert!(
        !text.chars().any(char::is_control),
        "{what} repeated with a control character: {problem:?}"
    );
    let limit = ECHO_CHARS_MAX + " (18446744073709551615 bytes)".len() + 1;
    assert!(
        text.chars().count() <= limit,
        "{what} repeated whole: {problem:?}"
    );
}

fn refused(rejection: &Rejection, lines: u64) {
    assert!(!rejection.problems.is_empty(), "refused without a problem");
    let header = rejection.problems.iter().all(|problem| problem.line <= 1);
    let most = if header {
        PROBLEMS_REPORTED_MAX
    } else {
        PROBLEMS_MAX
    };
    assert!(
        rejection.problems.len() <= most,
        "{} problems reported",
        rejection.problems.len()
    );
    assert!(rejection.problems_total >= rejection.problems.len() as u64);
    for problem in &rejection.problems {
        // Line 0: the file itself (it could not be read at all).
        assert!(
            problem.line <= lines,
            "a problem on line {} of a {lines}-line input: {problem:?}",
            problem.line
        );
        echoed(&problem.value, "a value", problem);
        echoed(&problem.column, "a column", problem);
        assert!(!problem.reason.is_empty(), "{problem:?}");
    }
    let _ = rejection.to_string();
}

fn accepted(summary: &FileSummary, placements: &[Placement]) {
    assert_eq!(
        summary.rows,
        placements.len() as u64,
        "a row of an accepted file was not handed out"
    );
    let mut seen = std::collections::HashSet::new();
    let mut incomplete = 0;
    for placement in placements {
        assert!(
            seen.insert((placement.creditor.clone(), placement.account_ref.clone())),
            "two placements of one account: {placement:?}"
        );
        let total = placement.balance.total().expect("a total that adds up");
        assert!(total.is_positive(), "{placement:?}");
        assert!(
            placement.currency.within_limit(total).is_ok(),
            "{placement:?}"
        );
        for bucket in [
            placement.balance.principal,
            placement.balance.interest,
            placement.balance.fees,
        ] {
            assert!(!bucket.is_negative(), "{placement:?}");
        }
        if let Some(address) = &placement.address {
            incomplete += u64::from(!address.is_mailable());
        }
    }
    assert_eq!(
        summary.warnings_total, incomplete,
        "one warning per incomplete address"
    );
    assert!(summary.warnings.len() as u64 <= summary.warnings_total);
}
