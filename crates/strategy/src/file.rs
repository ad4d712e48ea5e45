//! Reading a strategy file: TOML as a manager writes it, into a checked [`Strategy`],
//! or every problem found, each `FILE:LINE: field: reason`.
//!
//! A file that is not TOML of the right shape (a syntax error, an unknown key, a value
//! of the wrong type) stops at its first such problem, as the TOML reader reports it;
//! once the shape is right, every rule is checked and every broken one reported.

use crate::arms::ASSIGNMENT_BUCKETS;
use crate::model::{Action, Arm, CHAMPION, Conditions, Escalation, Path, Segment, Step, Strategy};
use crate::{
    CALL_PRIORITY_MAX, CHALLENGERS_MAX, MAX_RETRY_DAYS_DEFAULT, MAX_RETRY_DAYS_MAX,
    NAME_LENGTH_MAX, REVIEW_LENGTH_MAX, SCORE_MAX, SEGMENTS_MAX, STEP_DAY_MAX, STEPS_PER_PATH_MAX,
    TEXT_BYTES_MAX,
};
use domain::account::{Product, Status};
use domain::aging::AgingScheme;
use domain::ids::CreditorCode;
use domain::money::{Amount, Currency};
use domain::party::{Language, US_STATES};
use serde::Deserialize;
use std::fmt;
use std::ops::Range;
use toml::Spanned;

/// The only strategy format this build reads.
pub const FORMAT: i64 = 1;

/// The default strategy's file name and text, compiled in.
pub const DEFAULT_FILE: &str = "default.toml";
pub const DEFAULT: &str = include_str!("../data/default.toml");

/// Longest a day condition may be: a hundred years.
const CONDITION_DAYS_MAX: i64 = 36_500;

/// One thing wrong with a strategy file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub file: String,
    /// 1-based line, when the problem has one.
    pub line: Option<usize>,
    /// The field at fault, e.g. `segment[3].step[2].day`; empty for the file as a whole.
    pub field: String,
    pub reason: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(formatter, "{}:{line}: ", self.file)?,
            None => write!(formatter, "{}: ", self.file)?,
        }
        if self.field.is_empty() {
            write!(formatter, "{}", self.reason)
        } else {
            write!(formatter, "{}: {}", self.field, self.reason)
        }
    }
}

impl std::error::Error for Problem {}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StrategyFile {
    format: Spanned<i64>,
    name: Spanned<String>,
    #[allow(dead_code)]
    title: Option<String>,
    currency: Option<Spanned<String>>,
    aging: Option<Spanned<String>>,
    max_retry_days: Option<Spanned<i64>>,
    champion_share_percent: Option<Spanned<i64>>,
    #[serde(default, rename = "segment")]
    segments: Vec<Spanned<SegmentFile>>,
    #[serde(default, rename = "challenger")]
    challengers: Vec<Spanned<ChallengerFile>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SegmentFile {
    name: Spanned<String>,
    /// Free text for the reader; not used.
    #[allow(dead_code)]
    note: Option<String>,
    balance_min: Option<Spanned<toml::Value>>,
    balance_max: Option<Spanned<toml::Value>>,
    buckets: Option<Spanned<Vec<String>>>,
    score_min: Option<Spanned<i64>>,
    score_max: Option<Spanned<i64>>,
    products: Option<Spanned<Vec<String>>>,
    states: Option<Spanned<Vec<String>>>,
    languages: Option<Spanned<Vec<String>>>,
    creditors: Option<Spanned<Vec<String>>>,
    statuses: Option<Spanned<Vec<String>>>,
    days_since_contact_min: Option<Spanned<i64>>,
    days_since_contact_max: Option<Spanned<i64>>,
    days_since_broken_promise_max: Option<Spanned<i64>>,
    time_barred: Option<Spanned<bool>>,
    #[serde(default, rename = "step")]
    steps: Vec<Spanned<StepFile>>,
}

impl SegmentFile {
    fn has_conditions(&self) -> bool {
        self.balance_min.is_some()
            || self.balance_max.is_some()
            || self.buckets.is_some()
            || self.score_min.is_some()
            || self.score_max.is_some()
            || self.products.is_some()
            || self.states.is_some()
            || self.languages.is_some()
            || self.creditors.is_some()
            || self.statuses.is_some()
            || self.days_since_contact_min.is_some()
            || self.days_since_contact_max.is_some()
            || self.days_since_broken_promise_max.is_some()
            || self.time_barred.is_some()
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StepFile {
    day: Spanned<i64>,
    #[allow(dead_code)]
    note: Option<String>,
    letter: Option<Spanned<String>>,
    email: Option<Spanned<String>>,
    sms: Option<Spanned<String>>,
    call: Option<Spanned<i64>>,
    review: Option<Spanned<String>>,
    escalate: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChallengerFile {
    name: Spanned<String>,
    #[allow(dead_code)]
    note: Option<String>,
    share_percent: Spanned<i64>,
    #[serde(default, rename = "path")]
    paths: Vec<Spanned<PathFile>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PathFile {
    segment: Spanned<String>,
    #[serde(default, rename = "step")]
    steps: Vec<Spanned<StepFile>>,
}

/// The problems found so far, with what is needed to place them.
struct Problems<'t> {
    file: &'t str,
    text: &'t str,
    found: Vec<Problem>,
}

impl Problems<'_> {
    fn at(&mut self, span: Range<usize>, field: impl Into<String>, reason: impl Into<String>) {
        let line = Some(line_of(self.text, span.start));
        self.push(line, field, reason);
    }

    fn push(&mut self, line: Option<usize>, field: impl Into<String>, reason: impl Into<String>) {
        self.found.push(Problem {
            file: self.file.to_string(),
            line,
            field: field.into(),
            reason: reason.into(),
        });
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|byte| **byte == b'\n')
        .count()
        + 1
}

impl Strategy {
    /// Parses and checks a strategy file. `file_name` names it in problems.
    pub fn parse(file_name: &str, text: &str) -> Result<Strategy, Vec<Problem>> {
        let mut problems = Problems {
            file: file_name,
            text,
            found: Vec::new(),
        };
        if text.len() > TEXT_BYTES_MAX {
            problems.push(None, "", format!("larger than {TEXT_BYTES_MAX} bytes"));
            return Err(problems.found);
        }
        let parsed: StrategyFile = match toml::from_str(text) {
            Ok(parsed) => parsed,
            Err(error) => {
                let span = error.span().unwrap_or(0..0);
                let field = toml_error_field(text, span.clone(), error.message());
                problems.at(span, field, error.message().trim_end());
                return Err(problems.found);
            }
        };
        let strategy = check(&mut problems, file_name, text, parsed);
        match strategy {
            Some(strategy) if problems.found.is_empty() => Ok(strategy),
            _ => Err(problems.found),
        }
    }
}

/// The key a TOML reader's error is about: the one its message names (`unknown field
/// `x``, `missing field `x``), else the key of the `key = value` line it points at.
fn toml_error_field(text: &str, span: Range<usize>, message: &str) -> String {
    for prefix in ["unknown field `", "missing field `"] {
        if let Some(rest) = message.strip_prefix(prefix)
            && let Some((key, _)) = rest.split_once('`')
        {
            return key.to_string();
        }
    }
    let before = text.get(..span.start).unwrap_or("");
    let line = text[before.len()..].lines().next().unwrap_or("");
    let line = before.rsplit('\n').next().unwrap_or("").to_string() + line;
    match line.split_once('=') {
        Some((key, _)) if is_code_name(key.trim()) => key.trim().to_string(),
        _ => String::new(),
    }
}

fn check(
    problems: &mut Problems<'_>,
    file_name: &str,
    text: &str,
    parsed: StrategyFile,
) -> Option<Strategy> {
    if *parsed.format.get_ref() != FORMAT {
        problems.at(
            parsed.format.span(),
            "format",
            format!(
                "this build reads format {FORMAT}, not {}",
                parsed.format.get_ref()
            ),
        );
    }
    check_name(problems, &parsed.name, "name");
    let currency = match &parsed.currency {
        None => Currency::USD,
        Some(code) => Currency::parse(code.get_ref()).unwrap_or_else(|| {
            problems.at(
                code.span(),
                "currency",
                format!("`{}` is not an ISO 4217 currency code", code.get_ref()),
            );
            Currency::USD
        }),
    };
    let aging = match &parsed.aging {
        None => AgingScheme::default(),
        Some(bounds) => AgingScheme::parse(bounds.get_ref()).unwrap_or_else(|error| {
            problems.at(bounds.span(), "aging", error.to_string());
            AgingScheme::default()
        }),
    };
    let max_retry_days = match &parsed.max_retry_days {
        None => MAX_RETRY_DAYS_DEFAULT,
        Some(days) => bounded(
            problems,
            days,
            "max_retry_days",
            0,
            i64::from(MAX_RETRY_DAYS_MAX),
        )
        .unwrap_or(MAX_RETRY_DAYS_DEFAULT),
    };
    let context = Context {
        currency,
        aging: &aging,
    };
    let segments = segments(problems, &context, &parsed.segments);
    let arms = arms(problems, &parsed, &segments);
    if !problems.found.is_empty() {
        return None;
    }
    // What `segment_for` and `arm_for` rely on.
    assert!(
        segments
            .last()
            .is_some_and(|last| last.conditions.is_catch_all())
    );
    assert_eq!(
        arms.last().map(|arm| arm.end_bucket),
        Some(ASSIGNMENT_BUCKETS)
    );
    Some(Strategy {
        name: parsed.name.into_inner(),
        file_name: file_name.to_string(),
        source_text: text.to_string(),
        currency,
        aging,
        max_retry_days,
        segments,
        arms,
    })
}

/// What checking a segment needs from the file's top.
struct Context<'a> {
    currency: Currency,
    aging: &'a AgingScheme,
}

fn is_code_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= NAME_LENGTH_MAX
        && name.bytes().all(|byte| {
            byte.is_ascii_lowercase() || byte.is_ascii_digit() || matches!(byte, b'_' | b'.' | b'-')
        })
}

fn check_name(problems: &mut Problems<'_>, name: &Spanned<String>, field: &str) -> bool {
    let ok = is_code_name(name.get_ref());
    if !ok {
        problems.at(
            name.span(),
            field,
            format!(
                "`{}` is not a name of 1 to {NAME_LENGTH_MAX} of a-z, 0-9, `_`, `.` and `-`",
                name.get_ref()
            ),
        );
    }
    ok
}

/// A whole number in `min ..= max`, or a problem.
fn bounded(
    problems: &mut Problems<'_>,
    value: &Spanned<i64>,
    field: &str,
    min: i64,
    max: i64,
) -> Option<u32> {
    let number = *value.get_ref();
    if !(min..=max).contains(&number) {
        problems.at(
            value.span(),
            field,
            format!("{number} is not {min} … {max}"),
        );
        return None;
    }
    u32::try_from(number).ok()
}

fn segments(
    problems: &mut Problems<'_>,
    context: &Context<'_>,
    files: &[Spanned<SegmentFile>],
) -> Vec<Segment> {
    if files.is_empty() {
        problems.push(
            None,
            "segment",
            "a strategy has at least one [[segment]], the last a catch-all (no conditions)",
        );
        return Vec::new();
    }
    if files.len() > SEGMENTS_MAX {
        problems.at(
            files[SEGMENTS_MAX].span(),
            "segment",
            format!("more than {SEGMENTS_MAX} segments"),
        );
    }
    let mut segments: Vec<Segment> = Vec::with_capacity(files.len());
    for (index, spanned) in files.iter().enumerate() {
        let file = spanned.get_ref();
        let field = format!("segment[{}]", index + 1);
        let line = line_of(problems.text, spanned.span().start);
        let name = file.name.get_ref().trim();
        if name.is_empty() || name.len() > NAME_LENGTH_MAX {
            problems.at(
                file.name.span(),
                format!("{field}.name"),
                format!("a segment's name is 1 to {NAME_LENGTH_MAX} characters"),
            );
        } else if let Some(earlier) = segments.iter().find(|earlier| earlier.name == name) {
            problems.at(
                file.name.span(),
                format!("{field}.name"),
                format!(
                    "`{name}` is already the name of segment[{}]",
                    earlier.index + 1
                ),
            );
        }
        let conditions = conditions(problems, context, &field, file);
        // Judged on what is written, so that a condition with a bad value is not taken
        // for a missing one.
        let catch_all = !file.has_conditions();
        let last = index + 1 == files.len();
        if catch_all && !last {
            problems.at(
                spanned.span(),
                &field,
                "a catch-all (no conditions) before the last segment: the segments after it \
                 can never match",
            );
        }
        if !catch_all && last {
            problems.at(
                spanned.span(),
                &field,
                "the last segment must be a catch-all (no conditions), so that every account \
                 has a segment",
            );
        }
        let path = path(problems, &field, &file.steps);
        segments.push(Segment {
            index,
            name: name.to_string(),
            conditions,
            path,
            line,
        });
    }
    segments
}

fn conditions(
    problems: &mut Problems<'_>,
    context: &Context<'_>,
    field: &str,
    file: &SegmentFile,
) -> Conditions {
    let balance = |problems: &mut Problems<'_>, value: &Option<Spanned<toml::Value>>, name| {
        value.as_ref().and_then(|value| {
            balance_minor(
                problems,
                context.currency,
                value,
                &format!("{field}.{name}"),
            )
        })
    };
    let score = |problems: &mut Problems<'_>, value: &Option<Spanned<i64>>, name| {
        let value = value.as_ref()?;
        let score = bounded(
            problems,
            value,
            &format!("{field}.{name}"),
            0,
            i64::from(SCORE_MAX),
        )?;
        u16::try_from(score).ok()
    };
    let days = |problems: &mut Problems<'_>, value: &Option<Spanned<i64>>, name| {
        bounded(
            problems,
            value.as_ref()?,
            &format!("{field}.{name}"),
            0,
            CONDITION_DAYS_MAX,
        )
    };
    let labels: Vec<String> = context
        .aging
        .buckets()
        .iter()
        .map(|bucket| bucket.label())
        .collect();
    let conditions = Conditions {
        balance_min_minor: balance(problems, &file.balance_min, "balance_min"),
        balance_max_minor: balance(problems, &file.balance_max, "balance_max"),
        buckets: codes(problems, field, "buckets", &file.buckets, |label| {
            labels
                .contains(&label.to_string())
                .then(|| label.to_string())
                .ok_or_else(|| {
                    format!(
                        "`{label}` is not a bucket of aging scheme {}: {}",
                        context.aging.to_text(),
                        labels.join(", ")
                    )
                })
        }),
        score_min: score(problems, &file.score_min, "score_min"),
        score_max: score(problems, &file.score_max, "score_max"),
        products: codes(problems, field, "products", &file.products, |code| {
            Product::parse(code)
                .ok_or_else(|| format!("`{code}` is not a product: {}", Product::codes()))
        }),
        states: codes(problems, field, "states", &file.states, |code| {
            US_STATES
                .contains(&code)
                .then(|| code.to_string())
                .ok_or_else(|| {
                    format!("`{code}` is not a US state or territory (USPS code, e.g. TX)")
                })
        }),
        languages: codes(problems, field, "languages", &file.languages, |code| {
            Language::parse(code)
                .ok_or_else(|| format!("`{code}` is not a language: {}", Language::codes()))
        }),
        creditors: codes(problems, field, "creditors", &file.creditors, |code| {
            CreditorCode::parse(code).map_err(|_| format!("`{code}` is not a creditor code"))
        }),
        statuses: codes(problems, field, "statuses", &file.statuses, |code| {
            Status::parse(code)
                .ok_or_else(|| format!("`{code}` is not a status: {}", Status::codes()))
        }),
        days_since_contact_min: days(
            problems,
            &file.days_since_contact_min,
            "days_since_contact_min",
        ),
        days_since_contact_max: days(
            problems,
            &file.days_since_contact_max,
            "days_since_contact_max",
        ),
        days_since_broken_promise_max: days(
            problems,
            &file.days_since_broken_promise_max,
            "days_since_broken_promise_max",
        ),
        time_barred: file.time_barred.as_ref().map(|barred| *barred.get_ref()),
    };
    let mut ordered =
        |min: Option<i64>, max: Option<i64>, max_span: Option<Range<usize>>, name: &str| {
            if let (Some(min), Some(max), Some(span)) = (min, max, max_span)
                && min > max
            {
                problems.at(
                    span,
                    format!("{field}.{name}_max"),
                    format!("{name}_min is above {name}_max"),
                );
            }
        };
    ordered(
        conditions.balance_min_minor,
        conditions.balance_max_minor,
        file.balance_max.as_ref().map(Spanned::span),
        "balance",
    );
    ordered(
        conditions.score_min.map(i64::from),
        conditions.score_max.map(i64::from),
        file.score_max.as_ref().map(Spanned::span),
        "score",
    );
    ordered(
        conditions.days_since_contact_min.map(i64::from),
        conditions.days_since_contact_max.map(i64::from),
        file.days_since_contact_max.as_ref().map(Spanned::span),
        "days_since_contact",
    );
    conditions
}

/// A balance bound in major units: a string as typed (`"1,250.00"`, `"$1,250"`) or a
/// whole number (`1250`).
fn balance_minor(
    problems: &mut Problems<'_>,
    currency: Currency,
    value: &Spanned<toml::Value>,
    field: &str,
) -> Option<i64> {
    let amount = match value.get_ref() {
        toml::Value::String(text) => currency
            .parse_typed(text)
            .map_err(|error| error.to_string()),
        toml::Value::Integer(whole) => currency
            .parse_amount(&whole.to_string())
            .map_err(|error| error.to_string()),
        other => Err(format!(
            "{} is not an amount: write it in {} as typed, e.g. \"1,250.00\", or as a whole number",
            other.type_str(),
            currency.code()
        )),
    };
    match amount {
        Ok(amount) => Some(Amount::minor(amount)),
        Err(reason) => {
            problems.at(value.span(), field, reason);
            None
        }
    }
}

/// A list of codes, each parsed; an empty list is refused (leave the key out for "any").
fn codes<T>(
    problems: &mut Problems<'_>,
    field: &str,
    name: &str,
    value: &Option<Spanned<Vec<String>>>,
    parse: impl Fn(&str) -> Result<T, String>,
) -> Vec<T> {
    let Some(value) = value else {
        return Vec::new();
    };
    if value.get_ref().is_empty() {
        problems.at(
            value.span(),
            format!("{field}.{name}"),
            "names at least one (leave it out for any)",
        );
    }
    let mut parsed = Vec::with_capacity(value.get_ref().len());
    for code in value.get_ref() {
        match parse(code) {
            Ok(one) => parsed.push(one),
            Err(reason) => problems.at(value.span(), format!("{field}.{name}"), reason),
        }
    }
    parsed
}

fn path(problems: &mut Problems<'_>, field: &str, files: &[Spanned<StepFile>]) -> Path {
    if files.len() > STEPS_PER_PATH_MAX {
        problems.at(
            files[STEPS_PER_PATH_MAX].span(),
            format!("{field}.step"),
            format!("more than {STEPS_PER_PATH_MAX} steps"),
        );
    }
    let mut steps: Vec<Step> = Vec::with_capacity(files.len());
    for (index, spanned) in files.iter().enumerate() {
        let field = format!("{field}.step[{}]", index + 1);
        let file = spanned.get_ref();
        let day = bounded(
            problems,
            &file.day,
            &format!("{field}.day"),
            0,
            i64::from(STEP_DAY_MAX),
        );
        if let (Some(day), Some(previous)) = (day, steps.last())
            && day < previous.day
        {
            problems.at(
                file.day.span(),
                format!("{field}.day"),
                format!(
                    "day {day} comes after day {} (line {}): list steps in day order",
                    previous.day, previous.line
                ),
            );
        }
        let action = action(problems, &field, spanned);
        if let (Some(day), Some(action)) = (day, action) {
            steps.push(Step {
                day,
                action,
                line: line_of(problems.text, spanned.span().start),
            });
        }
    }
    Path { steps }
}

fn action(problems: &mut Problems<'_>, field: &str, spanned: &Spanned<StepFile>) -> Option<Action> {
    let file = spanned.get_ref();
    let mut given: Vec<&str> = Vec::new();
    let mut note = |present: bool, key: &'static str| {
        if present {
            given.push(key);
        }
    };
    note(file.letter.is_some(), "letter");
    note(file.email.is_some(), "email");
    note(file.sms.is_some(), "sms");
    note(file.call.is_some(), "call");
    note(file.review.is_some(), "review");
    note(file.escalate.is_some(), "escalate");
    if given.len() != 1 {
        let reason = if given.is_empty() {
            "a step has one action: letter, email, sms, call, review or escalate".to_string()
        } else {
            format!(
                "a step has one action, this one has {}",
                given.join(" and ")
            )
        };
        problems.at(spanned.span(), field, reason);
        return None;
    }
    let mut template = |value: &Spanned<String>, key: &str| {
        let name = value.get_ref();
        if is_code_name(name) {
            Some(name.clone())
        } else {
            problems.at(
                value.span(),
                format!("{field}.{key}"),
                format!(
                    "`{name}` is not a template name of 1 to {NAME_LENGTH_MAX} of a-z, 0-9, `_`, `.` and `-`"
                ),
            );
            None
        }
    };
    if let Some(value) = &file.letter {
        return template(value, "letter").map(|template| Action::Letter { template });
    }
    if let Some(value) = &file.email {
        return template(value, "email").map(|template| Action::Email { template });
    }
    if let Some(value) = &file.sms {
        return template(value, "sms").map(|template| Action::Sms { template });
    }
    if let Some(value) = &file.call {
        let priority = bounded(
            problems,
            value,
            &format!("{field}.call"),
            0,
            i64::from(CALL_PRIORITY_MAX),
        )?;
        return Some(Action::Call {
            priority: u8::try_from(priority).ok()?,
        });
    }
    if let Some(value) = &file.review {
        let question = value.get_ref().trim();
        if question.is_empty() || question.len() > REVIEW_LENGTH_MAX {
            problems.at(
                value.span(),
                format!("{field}.review"),
                format!("say what a person must decide, in 1 to {REVIEW_LENGTH_MAX} characters"),
            );
            return None;
        }
        return Some(Action::Review {
            question: question.to_string(),
        });
    }
    let value = file.escalate.as_ref().expect("one action is given");
    match Escalation::parse(value.get_ref()) {
        Some(to) => Some(Action::Escalate(to)),
        None => {
            let known: Vec<&str> = Escalation::ALL.iter().map(|to| to.code()).collect();
            problems.at(
                value.span(),
                format!("{field}.escalate"),
                format!("`{}` is not one of {}", value.get_ref(), known.join(", ")),
            );
            None
        }
    }
}

fn arms(problems: &mut Problems<'_>, parsed: &StrategyFile, segments: &[Segment]) -> Vec<Arm> {
    let champion_share = match &parsed.champion_share_percent {
        None if parsed.challengers.is_empty() => Some(100),
        None => {
            problems.at(
                parsed.challengers[0].span(),
                "champion_share_percent",
                "a strategy with challengers says the champion's share too",
            );
            None
        }
        Some(share) => bounded(problems, share, "champion_share_percent", 1, 100),
    };
    if parsed.challengers.len() > CHALLENGERS_MAX {
        problems.at(
            parsed.challengers[CHALLENGERS_MAX].span(),
            "challenger",
            format!("more than {CHALLENGERS_MAX} challengers"),
        );
    }
    let mut arms = vec![Arm {
        name: CHAMPION.to_string(),
        share_percent: champion_share.unwrap_or(0),
        first_bucket: 0,
        end_bucket: 0,
        paths: Vec::new(),
    }];
    for (index, spanned) in parsed.challengers.iter().enumerate() {
        let file = spanned.get_ref();
        let field = format!("challenger[{}]", index + 1);
        let name = file.name.get_ref();
        if check_name(problems, &file.name, &format!("{field}.name"))
            && arms.iter().any(|arm| arm.name == *name)
        {
            problems.at(
                file.name.span(),
                format!("{field}.name"),
                if name == CHAMPION {
                    "`champion` is the file's own paths; name the challenger otherwise".to_string()
                } else {
                    format!("`{name}` is already the name of an arm")
                },
            );
        }
        let share = bounded(
            problems,
            &file.share_percent,
            &format!("{field}.share_percent"),
            1,
            99,
        );
        let mut paths: Vec<(usize, Path)> = Vec::new();
        for (path_index, path_file) in file.paths.iter().enumerate() {
            let path_field = format!("{field}.path[{}]", path_index + 1);
            let segment_name = path_file.get_ref().segment.get_ref();
            let segment = segments
                .iter()
                .find(|segment| segment.name == *segment_name);
            let steps = path(problems, &path_field, &path_file.get_ref().steps);
            match segment {
                None => problems.at(
                    path_file.get_ref().segment.span(),
                    format!("{path_field}.segment"),
                    format!("no segment is named `{segment_name}`"),
                ),
                Some(segment) if paths.iter().any(|(index, _)| *index == segment.index) => problems
                    .at(
                        path_file.get_ref().segment.span(),
                        format!("{path_field}.segment"),
                        format!("this challenger already has a path for `{segment_name}`"),
                    ),
                Some(segment) => paths.push((segment.index, steps)),
            }
        }
        arms.push(Arm {
            name: name.clone(),
            share_percent: share.unwrap_or(0),
            first_bucket: 0,
            end_bucket: 0,
            paths,
        });
    }
    let total: u32 = arms.iter().map(|arm| arm.share_percent).sum();
    if champion_share.is_some() && total != 100 && arms.iter().all(|arm| arm.share_percent > 0) {
        let span = parsed
            .champion_share_percent
            .as_ref()
            .map_or(0..0, Spanned::span);
        let shares: Vec<String> = arms
            .iter()
            .map(|arm| format!("{} {}%", arm.name, arm.share_percent))
            .collect();
        problems.at(
            span,
            "champion_share_percent",
            format!(
                "the shares add up to {total}%, not 100% ({})",
                shares.join(", ")
            ),
        );
    }
    let mut first_bucket = 0;
    for arm in &mut arms {
        arm.first_bucket = first_bucket;
        arm.end_bucket = first_bucket + arm.share_percent * (ASSIGNMENT_BUCKETS / 100);
        first_bucket = arm.end_bucket;
    }
    arms
}
