//! Strategy files: the default loads, and every broken rule is named by file, line and
//! field.

use crate::{default_strategy, line_of, parse_ok};
use strategy::{Action, Escalation, Problem, Strategy};

/// A small valid file the cases below break one way each.
const BASE: &str = r#"format = 1
name = "test"

[[segment]]
name = "high"
balance_min = "2,500.00"

  [[segment.step]]
  day = 0
  letter = "validation_notice"

  [[segment.step]]
  day = 5
  call = 80

[[segment]]
name = "rest"

  [[segment.step]]
  day = 0
  letter = "validation_notice"
"#;

fn problems(text: &str) -> Vec<Problem> {
    match Strategy::parse("test.toml", text) {
        Ok(_) => panic!("the strategy loaded, but should not:\n{text}"),
        Err(problems) => problems,
    }
}

/// Asserts exactly one problem, at `line` (found by its marker), in `field`, with a
/// reason containing `reason`.
fn assert_one(text: &str, marker: Option<&str>, field: &str, reason: &str) {
    let found = problems(text);
    assert_eq!(found.len(), 1, "expected one problem, got {found:#?}");
    let problem = &found[0];
    assert_eq!(problem.file, "test.toml");
    assert_eq!(
        problem.line,
        marker.map(|marker| line_of(text, marker)),
        "{problem}"
    );
    assert_eq!(problem.field, field, "{problem}");
    assert!(problem.reason.contains(reason), "{problem}");
}

#[test]
fn the_base_file_loads() {
    let strategy = parse_ok(BASE);
    assert_eq!(strategy.name(), "test");
    assert_eq!(strategy.segments().len(), 2);
    assert_eq!(
        strategy.segments()[0].conditions.balance_min_minor,
        Some(2_500_00)
    );
    assert_eq!(strategy.source_text(), BASE);
}

#[test]
fn the_default_file_loads_with_the_segments_an_agency_expects() {
    let strategy = default_strategy();
    let names: Vec<&str> = strategy
        .segments()
        .iter()
        .map(|segment| segment.name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "resolved",
            "time-barred / soft",
            "promise broken",
            "high balance early",
            "low balance late",
            "default"
        ]
    );
    assert!(
        strategy
            .segments()
            .last()
            .unwrap()
            .conditions
            .is_catch_all()
    );
    assert_eq!(strategy.arms().len(), 1);
    assert_eq!(strategy.arms()[0].share_percent, 100);
    assert_eq!(strategy.max_retry_days(), 14);
    // A time-barred debt is never escalated to legal in the default file.
    let time_barred = &strategy.segments()[1];
    assert!(
        time_barred
            .path
            .steps
            .iter()
            .all(|step| !matches!(step.action, Action::Escalate(_)))
    );
    let high = &strategy.segments()[3];
    assert_eq!(high.conditions.balance_min_minor, Some(2_500_00));
    assert_eq!(
        high.path.steps.last().unwrap().action,
        Action::Escalate(Escalation::Legal)
    );
}

#[test]
fn an_unknown_key_is_named_with_its_line() {
    let text = BASE.replace("name = \"test\"\n", "name = \"test\"\ncolour = \"red\"\n");
    assert_one(&text, Some("colour"), "colour", "unknown field");
    let text = BASE.replace("  day = 5\n", "  dya = 5\n");
    assert_one(&text, Some("dya = 5"), "dya", "unknown field");
}

#[test]
fn a_value_of_the_wrong_type_or_a_missing_key_is_named() {
    let text = BASE.replace("call = 80", "call = \"high\"");
    assert_one(&text, Some("call = \"high\""), "call", "invalid type");
    // A missing key is reported on its table's header.
    let text = BASE.replace("  day = 5\n", "");
    let found = problems(&text);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].field, "day");
    assert_eq!(found[0].line, Some(line_of(&text, "call = 80") - 1));
    assert!(
        found[0].reason.contains("missing field `day`"),
        "{}",
        found[0]
    );
}

#[test]
fn a_file_that_is_not_toml_names_the_line() {
    let text = BASE.replace("call = 80", "call = = 80");
    let found = problems(&text);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].line, Some(line_of(&text, "call = = 80")));
}

#[test]
fn a_strategy_without_segments_is_refused() {
    assert_one(
        "format = 1\nname = \"test\"\n",
        None,
        "segment",
        "at least one [[segment]]",
    );
}

#[test]
fn the_last_segment_must_be_a_catch_all() {
    let text = BASE.replace(
        "name = \"rest\"\n",
        "name = \"rest\"\nstatuses = [\"active\"]\n",
    );
    // A whole segment's problem is on its `[[segment]]` header.
    let found = problems(&text);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].line, Some(line_of(&text, "name = \"rest\"") - 1));
    assert_eq!(found[0].field, "segment[2]");
    assert!(
        found[0].reason.contains("must be a catch-all"),
        "{}",
        found[0]
    );
}

#[test]
fn a_catch_all_before_the_last_segment_is_refused() {
    let text = BASE.replace(
        "name = \"high\"\nbalance_min = \"2,500.00\"\n",
        "name = \"high\"\n",
    );
    let found = problems(&text);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(
        found[0].to_string(),
        format!(
            "test.toml:{}: segment[1]: a catch-all (no conditions) before the last segment: the \
         segments after it can never match",
            line_of(&text, "name = \"high\"") - 1
        )
    );
}

#[test]
fn a_condition_with_a_bad_value_is_not_taken_for_a_catch_all() {
    let text = BASE.replace("balance_min = \"2,500.00\"", "products = [\"boat\"]");
    assert_one(
        &text,
        Some("products"),
        "segment[1].products",
        "`boat` is not a product",
    );
}

#[test]
fn segment_names_are_unique() {
    let text = BASE.replace("name = \"rest\"", "name = \"high\"");
    let found = problems(&text);
    assert_eq!(found.len(), 1, "{found:#?}");
    // The second `name = "high"`: the line after the second `[[segment]]`.
    let second_header = text.match_indices("[[segment]]").nth(1).unwrap().0;
    let line = text[..second_header].lines().count() + 2;
    assert_eq!(
        found[0].to_string(),
        format!("test.toml:{line}: segment[2].name: `high` is already the name of segment[1]")
    );
}

#[test]
fn steps_must_be_in_day_order() {
    let text = BASE.replace("day = 5", "day = 3").replace(
        "  call = 80\n",
        "  call = 80\n\n  [[segment.step]]\n  day = 2\n  sms = \"reminder\"\n",
    );
    assert_one(
        &text,
        Some("day = 2"),
        "segment[1].step[3].day",
        "day 2 comes after day 3",
    );
}

#[test]
fn a_minimum_above_its_maximum_is_refused() {
    let text = BASE.replace(
        "balance_min = \"2,500.00\"",
        "balance_min = \"2,500.00\"\nbalance_max = 1000",
    );
    assert_one(
        &text,
        Some("balance_max"),
        "segment[1].balance_max",
        "balance_min is above balance_max",
    );
    let text = BASE.replace(
        "balance_min = \"2,500.00\"",
        "score_min = 700\nscore_max = 300",
    );
    assert_one(
        &text,
        Some("score_max"),
        "segment[1].score_max",
        "score_min is above score_max",
    );
    let text = BASE.replace(
        "balance_min = \"2,500.00\"",
        "days_since_contact_min = 30\ndays_since_contact_max = 7",
    );
    assert_one(
        &text,
        Some("days_since_contact_max"),
        "segment[1].days_since_contact_max",
        "days_since_contact_min is above",
    );
}

#[test]
fn unknown_codes_are_named_with_what_is_accepted() {
    let cases = [
        (
            "buckets = [\"1-29\"]",
            "segment[1].buckets",
            "`1-29` is not a bucket of aging scheme 30,60,90,120,150,180: current, 1-30",
        ),
        (
            "products = [\"boat\"]",
            "segment[1].products",
            "credit_card",
        ),
        (
            "statuses = [\"frozen\"]",
            "segment[1].statuses",
            "`frozen` is not a status: active",
        ),
        (
            "languages = [\"fr\"]",
            "segment[1].languages",
            "`fr` is not a language: en, es",
        ),
        (
            "states = [\"XX\"]",
            "segment[1].states",
            "`XX` is not a US state",
        ),
        (
            "score_min = 1001",
            "segment[1].score_min",
            "1001 is not 0 … 1000",
        ),
        (
            "balance_min = \"12,5\"",
            "segment[1].balance_min",
            "not a plain decimal",
        ),
        (
            "balance_min = true",
            "segment[1].balance_min",
            "boolean is not an amount",
        ),
        ("buckets = []", "segment[1].buckets", "names at least one"),
    ];
    for (condition, field, reason) in cases {
        let text = BASE.replace("balance_min = \"2,500.00\"", condition);
        let marker = condition.split(' ').next().unwrap();
        assert_one(&text, Some(marker), field, reason);
    }
}

#[test]
fn a_strategy_may_name_its_own_aging_buckets() {
    let text = BASE
        .replace(
            "name = \"test\"\n",
            "name = \"test\"\naging = \"30,60,90\"\n",
        )
        .replace("balance_min = \"2,500.00\"", "buckets = [\"91+\"]");
    let strategy = parse_ok(&text);
    assert_eq!(strategy.segments()[0].conditions.buckets, ["91+"]);
    // The default scheme has no `91+`.
    let text = BASE.replace("balance_min = \"2,500.00\"", "buckets = [\"91+\"]");
    assert_one(
        &text,
        Some("buckets"),
        "segment[1].buckets",
        "`91+` is not a bucket",
    );
}

#[test]
fn step_actions_are_checked() {
    let cases = [
        (
            "call = 80",
            "call = 101",
            "segment[1].step[2].call",
            "101 is not 0 … 100",
        ),
        (
            "call = 80",
            "call = 80\n  sms = \"reminder\"",
            "segment[1].step[2]",
            "this one has sms and call",
        ),
        (
            "call = 80",
            "note = \"nothing\"",
            "segment[1].step[2]",
            "a step has one action",
        ),
        (
            "call = 80",
            "sms = \"Payment Reminder\"",
            "segment[1].step[2].sms",
            "not a template name",
        ),
        (
            "call = 80",
            "escalate = \"sheriff\"",
            "segment[1].step[2].escalate",
            "`sheriff` is not one of legal, agency, repossession, disconnection",
        ),
        (
            "call = 80",
            "review = \"  \"",
            "segment[1].step[2].review",
            "say what a person must decide",
        ),
        (
            "day = 5",
            "day = -1",
            "segment[1].step[2].day",
            "-1 is not 0 … 3650",
        ),
    ];
    for (from, to, field, reason) in cases {
        let text = BASE.replace(from, to);
        let found = problems(&text);
        assert_eq!(found.len(), 1, "{to}: {found:#?}");
        assert_eq!(found[0].field, field, "{}", found[0]);
        assert!(found[0].reason.contains(reason), "{}", found[0]);
        // A field's problem is on its own line; a whole step's, on its header.
        let marker = if field.ends_with(']') {
            "  day = 5"
        } else {
            to.lines().next().unwrap()
        };
        let line = line_of(&text, marker);
        let line = if field.ends_with(']') { line - 1 } else { line };
        assert_eq!(found[0].line, Some(line), "{}", found[0]);
    }
}

#[test]
fn every_problem_is_reported_at_once() {
    let text = BASE
        .replace("call = 80", "call = 101")
        .replace(
            "letter = \"validation_notice\"\n\n  [[segment.step]]",
            "letter = \"Bad Name\"\n\n  [[segment.step]]",
        )
        .replace("name = \"rest\"", "name = \"high\"");
    let found = problems(&text);
    let fields: Vec<&str> = found.iter().map(|problem| problem.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "segment[1].step[1].letter",
            "segment[1].step[2].call",
            "segment[2].name"
        ]
    );
}

const ARMS: &str = r#"
[[challenger]]
name = "early-sms"
share_percent = 20

  [[challenger.path]]
  segment = "high"

    [[challenger.path.step]]
    day = 0
    sms = "payment_link"
"#;

#[test]
fn challengers_load_with_their_shares_and_paths() {
    let text = BASE.replace(
        "name = \"test\"\n",
        "name = \"test\"\nchampion_share_percent = 80\n",
    ) + ARMS;
    let strategy = parse_ok(&text);
    let arms: Vec<(&str, u32)> = strategy
        .arms()
        .iter()
        .map(|arm| (arm.name.as_str(), arm.share_percent))
        .collect();
    assert_eq!(arms, [("champion", 80), ("early-sms", 20)]);
    assert_eq!(strategy.arms()[1].paths.len(), 1);
    assert_eq!(strategy.arms()[1].paths[0].0, 0);
}

#[test]
fn challenger_mistakes_are_named() {
    let with_champion = |share: &str| {
        BASE.replace(
            "name = \"test\"\n",
            &format!("name = \"test\"\nchampion_share_percent = {share}\n"),
        )
    };
    let text = with_champion("70") + ARMS;
    assert_one(
        &text,
        Some("champion_share_percent"),
        "champion_share_percent",
        "add up to 90%",
    );
    let text = BASE.to_string() + ARMS;
    assert_one(
        &text,
        Some("[[challenger]]"),
        "champion_share_percent",
        "says the champion's share",
    );
    let text = with_champion("80") + &ARMS.replace("segment = \"high\"", "segment = \"hihg\"");
    assert_one(
        &text,
        Some("segment = \"hihg\""),
        "challenger[1].path[1].segment",
        "no segment is named `hihg`",
    );
    let text = with_champion("80") + &ARMS.replace("name = \"early-sms\"", "name = \"champion\"");
    assert_one(
        &text,
        Some("name = \"champion\""),
        "challenger[1].name",
        "`champion` is the file's own paths",
    );
    let text = with_champion("80") + &ARMS.replace("share_percent = 20", "share_percent = 0");
    assert_one(
        &text,
        Some("share_percent = 0"),
        "challenger[1].share_percent",
        "0 is not 1 … 99",
    );
}

#[test]
fn the_default_files_example_challenger_loads_once_uncommented() {
    let (head, example) = strategy::DEFAULT.split_once("# [[challenger]]").unwrap();
    let mut text = head.replace(
        "max_retry_days = 14\n",
        "max_retry_days = 14\nchampion_share_percent = 80\n",
    );
    text.push_str("[[challenger]]");
    for line in example.lines() {
        text.push_str(
            line.strip_prefix("#")
                .map_or(line, |rest| rest.strip_prefix(' ').unwrap_or(rest)),
        );
        text.push('\n');
    }
    let strategy = parse_ok(&text);
    let arm = strategy.arm("early-sms").unwrap();
    assert_eq!(arm.share_percent, 20);
    let high = strategy
        .segments()
        .iter()
        .find(|segment| segment.name == "high balance early")
        .unwrap();
    assert_eq!(strategy.path(high, "early-sms").steps.len(), 3);
}

#[test]
fn a_damaged_file_is_refused_with_lines_inside_it_never_a_panic() {
    let lines: Vec<&str> = strategy::DEFAULT.lines().collect();
    for (index, _) in lines.iter().enumerate() {
        for replacement in [
            None,
            Some("day = 999999"),
            Some("[[segment.step]]"),
            Some("é = \"ü\""),
        ] {
            let mut damaged: Vec<&str> = lines.clone();
            match replacement {
                None => {
                    damaged.remove(index);
                }
                Some(line) => damaged[index] = line,
            }
            let text = damaged.join("\n");
            if let Err(found) = Strategy::parse("damaged.toml", &text) {
                assert!(!found.is_empty());
                for problem in found {
                    assert!(
                        problem
                            .line
                            .is_none_or(|line| (1..=damaged.len()).contains(&line)),
                        "{problem}"
                    );
                }
            }
        }
    }
}
