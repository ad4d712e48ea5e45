//! Which steps fire tonight: in day order, once each, blocked by a refusal until it is
//! sent or has waited `max_retry_days`.

use crate::parse_ok;
use jiff::ToSpan;
use jiff::civil::{Date, date};
use strategy::{Due, Progress, Strategy};

const PATHS: &str = r#"format = 1
name = "paths"
champion_share_percent = 50
max_retry_days = 5

[[segment]]
name = "all"

  [[segment.step]]
  day = 0
  letter = "validation_notice"

  [[segment.step]]
  day = 7
  call = 50

  [[segment.step]]
  day = 7
  email = "payment_options"

  [[segment.step]]
  day = 30
  review = "Settle?"

[[challenger]]
name = "fast"
share_percent = 50

  [[challenger.path]]
  segment = "all"

    [[challenger.path.step]]
    day = 0
    sms = "payment_link"
"#;

const ENTERED: Date = date(2026, 3, 1);

/// Runs the nightly loop from `ENTERED` for `nights` nights; `refuse(index, as_of)` says
/// whether compliance refuses step `index` that night. Returns (night offset, step index,
/// "sent" | "skipped") in order.
fn run(
    strategy: &Strategy,
    nights: i64,
    every: i64,
    refuse: impl Fn(usize, Date) -> bool,
) -> Vec<(i64, usize, &'static str)> {
    let path = strategy.path(&strategy.segments()[0], "champion");
    let mut progress = Progress::default();
    let mut log = Vec::new();
    for night in (0..nights).step_by(usize::try_from(every).unwrap()) {
        let as_of = ENTERED.checked_add(night.days()).unwrap();
        for due in strategy.due_steps(path, ENTERED, as_of, progress) {
            match due {
                Due::Skip { index, .. } => {
                    log.push((night, index, "skipped"));
                    progress = progress.advanced();
                }
                Due::Fire { index, .. } if refuse(index, as_of) => {
                    progress = progress.refused(as_of);
                    break;
                }
                Due::Fire { index, .. } => {
                    log.push((night, index, "sent"));
                    progress = progress.advanced();
                }
            }
        }
        // Asking again the same night (a re-run) finds nothing new to send.
        let again = strategy.due_steps(path, ENTERED, as_of, progress);
        match again.first() {
            None => {}
            Some(Due::Fire { index, .. }) if refuse(*index, as_of) => {}
            Some(other) => panic!("night {night}: {other:?} is due again"),
        }
    }
    log
}

#[test]
fn each_step_fires_once_on_its_day() {
    let strategy = parse_ok(PATHS);
    let log = run(&strategy, 60, 1, |_, _| false);
    assert_eq!(
        log,
        [
            (0, 0, "sent"),
            (7, 1, "sent"),
            (7, 2, "sent"),
            (30, 3, "sent")
        ]
    );
}

#[test]
fn missed_nights_catch_up_in_order() {
    let strategy = parse_ok(PATHS);
    // The batch runs every tenth night only.
    let log = run(&strategy, 60, 10, |_, _| false);
    assert_eq!(
        log,
        [
            (0, 0, "sent"),
            (10, 1, "sent"),
            (10, 2, "sent"),
            (30, 3, "sent")
        ]
    );
}

#[test]
fn a_refused_step_blocks_the_path_until_it_is_sent() {
    let strategy = parse_ok(PATHS);
    // The call (step 1) is refused on nights 7 and 8; the email behind it waits.
    let refuse_until = ENTERED.checked_add(9.days()).unwrap();
    let log = run(&strategy, 60, 1, |index, as_of| {
        index == 1 && as_of < refuse_until
    });
    assert_eq!(
        log,
        [
            (0, 0, "sent"),
            (9, 1, "sent"),
            (9, 2, "sent"),
            (30, 3, "sent")
        ]
    );
}

#[test]
fn a_step_refused_for_max_retry_days_is_skipped_with_a_reason() {
    let strategy = parse_ok(PATHS);
    let log = run(&strategy, 60, 1, |index, _| index == 1);
    // Refused first on night 7; skipped on night 7 + 5; the email then goes out.
    assert_eq!(
        log,
        [
            (0, 0, "sent"),
            (12, 1, "skipped"),
            (12, 2, "sent"),
            (30, 3, "sent")
        ]
    );
    let path = strategy.path(&strategy.segments()[0], "champion");
    let progress = Progress {
        steps_done: 1,
        refused_since: Some(date(2026, 3, 8)),
    };
    let due = strategy.due_steps(path, ENTERED, date(2026, 3, 13), progress);
    let Due::Skip { reason, .. } = &due[0] else {
        panic!("{due:?}")
    };
    assert_eq!(
        reason,
        "`call = 50` refused by compliance since 2026-03-08 (5 days; max_retry_days is 5)"
    );
}

#[test]
fn nothing_is_due_before_entry_or_past_the_end() {
    let strategy = parse_ok(PATHS);
    let path = strategy.path(&strategy.segments()[0], "champion");
    let before = strategy.due_steps(path, ENTERED, date(2026, 2, 28), Progress::default());
    assert!(before.is_empty());
    let finished = Progress {
        steps_done: 4,
        refused_since: None,
    };
    assert!(
        strategy
            .due_steps(path, ENTERED, date(2027, 1, 1), finished)
            .is_empty()
    );
    // A path shortened in a new version: progress beyond its end means finished.
    let beyond = Progress {
        steps_done: 9,
        refused_since: None,
    };
    assert!(
        strategy
            .due_steps(path, ENTERED, date(2027, 1, 1), beyond)
            .is_empty()
    );
    assert_eq!(strategy.next_due_on(path, ENTERED, finished), None);
    let second = Progress {
        steps_done: 1,
        refused_since: None,
    };
    assert_eq!(
        strategy.next_due_on(path, ENTERED, second),
        Some(date(2026, 3, 8))
    );
}

#[test]
fn a_challenger_follows_its_own_path_and_others_the_champion() {
    let strategy = parse_ok(PATHS);
    let segment = &strategy.segments()[0];
    let fast = strategy.path(segment, "fast");
    assert_eq!(fast.steps.len(), 1);
    assert_eq!(fast.steps[0].action.to_string(), "sms = \"payment_link\"");
    assert_eq!(strategy.path(segment, "champion").steps.len(), 4);
    // An arm since removed from the file: the champion's path.
    assert_eq!(strategy.path(segment, "retired").steps.len(), 4);
}
