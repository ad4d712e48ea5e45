//! A loaded strategy and the questions the nightly batch asks it: which segment, which
//! arm, which steps now.

use crate::arms;
use domain::account::{Product, Status};
use domain::aging::AgingScheme;
use domain::ids::CreditorCode;
use domain::money::Currency;
use domain::party::Language;
use jiff::civil::Date;
use std::fmt;

/// The champion arm's name: the file's own paths.
pub const CHAMPION: &str = "champion";

/// What the batch knows about one account tonight, as plain values. Borrowed text so a
/// batch over millions of accounts allocates nothing per account.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AccountFacts<'a> {
    /// The balance (the ledger's sum), in minor units of the strategy's currency.
    pub balance_minor: i64,
    /// The aging bucket's label (`current`, `1-30`, `181+`; `domain::aging::AgingBucket::label`).
    pub bucket_label: &'a str,
    /// The propensity-to-pay score, 0 … 1000; `None` before the account is scored.
    pub score: Option<u16>,
    pub product: Product,
    /// USPS code of the mailing state, when known.
    pub state: Option<&'a str>,
    pub language: Language,
    /// The creditor's code (`domain::ids::CreditorCode::as_str`).
    pub creditor: &'a str,
    pub status: Status,
    /// Whole days since the last contact attempt; `None` when never contacted.
    pub days_since_last_contact: Option<u32>,
    /// Whole days since a promise to pay was last broken; `None` when none ever was.
    pub days_since_broken_promise: Option<u32>,
    /// Whether the statute of limitations has run (the engine's `time_barred`).
    pub time_barred: bool,
}

/// A segment's rule: every condition given must hold; an absent one holds always. A
/// list condition holds when the account's value is in the list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Conditions {
    pub balance_min_minor: Option<i64>,
    pub balance_max_minor: Option<i64>,
    pub buckets: Vec<String>,
    /// An unscored account fails any score condition.
    pub score_min: Option<u16>,
    pub score_max: Option<u16>,
    pub products: Vec<Product>,
    /// An account with no known state fails a state condition.
    pub states: Vec<String>,
    pub languages: Vec<Language>,
    pub creditors: Vec<CreditorCode>,
    pub statuses: Vec<Status>,
    /// A never-contacted account counts as contacted infinitely long ago: it passes any
    /// minimum and fails any maximum.
    pub days_since_contact_min: Option<u32>,
    pub days_since_contact_max: Option<u32>,
    /// Holds when a promise was broken at most this many days ago.
    pub days_since_broken_promise_max: Option<u32>,
    pub time_barred: Option<bool>,
}

impl Conditions {
    /// Whether no condition is given: the segment takes every account.
    pub fn is_catch_all(&self) -> bool {
        *self == Conditions::default()
    }

    pub fn matches(&self, facts: &AccountFacts<'_>) -> bool {
        let within = |value: Option<u32>, min: Option<u32>, max: Option<u32>| match value {
            Some(value) => min.is_none_or(|min| value >= min) && max.is_none_or(|max| value <= max),
            // Never: infinitely long ago.
            None => max.is_none(),
        };
        let listed =
            |list: &[String], value: &str| list.is_empty() || list.iter().any(|x| x == value);
        self.balance_min_minor
            .is_none_or(|min| facts.balance_minor >= min)
            && self
                .balance_max_minor
                .is_none_or(|max| facts.balance_minor <= max)
            && listed(&self.buckets, facts.bucket_label)
            && (self.score_min.is_none() && self.score_max.is_none()
                || facts.score.is_some_and(|score| {
                    self.score_min.is_none_or(|min| score >= min)
                        && self.score_max.is_none_or(|max| score <= max)
                }))
            && (self.products.is_empty() || self.products.contains(&facts.product))
            && (self.states.is_empty()
                || facts.state.is_some_and(|state| listed(&self.states, state)))
            && (self.languages.is_empty() || self.languages.contains(&facts.language))
            && (self.creditors.is_empty()
                || self
                    .creditors
                    .iter()
                    .any(|code| code.as_str() == facts.creditor))
            && (self.statuses.is_empty() || self.statuses.contains(&facts.status))
            && within(
                facts.days_since_last_contact,
                self.days_since_contact_min,
                self.days_since_contact_max,
            )
            && self.days_since_broken_promise_max.is_none_or(|max| {
                facts
                    .days_since_broken_promise
                    .is_some_and(|days| days <= max)
            })
            && self
                .time_barred
                .is_none_or(|barred| barred == facts.time_barred)
    }
}

/// Where an account is escalated to, out of the agency's ordinary work. Arrears has no
/// such vocabulary elsewhere (holds and statuses are consequences, not requests).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Escalation {
    /// Refer to the agency's attorneys or a law firm for suit.
    Legal,
    /// Forward to another agency (secondary placement).
    Agency,
    /// Recommend repossession of the collateral to the creditor.
    Repossession,
    /// Recommend disconnection of the service to the creditor.
    Disconnection,
}

impl Escalation {
    pub const ALL: &[Escalation] = &[
        Escalation::Legal,
        Escalation::Agency,
        Escalation::Repossession,
        Escalation::Disconnection,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Escalation::Legal => "legal",
            Escalation::Agency => "agency",
            Escalation::Repossession => "repossession",
            Escalation::Disconnection => "disconnection",
        }
    }

    pub fn parse(code: &str) -> Option<Escalation> {
        Escalation::ALL
            .iter()
            .copied()
            .find(|value| value.code() == code)
    }
}

/// What a step does. Letters, emails and texts name a template; every one of them, and
/// every call, goes through compliance when it fires.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    Letter {
        template: String,
    },
    Email {
        template: String,
    },
    Sms {
        template: String,
    },
    /// Put the account on tomorrow's call queue with this priority (0 … 100, higher
    /// first).
    Call {
        priority: u8,
    },
    /// Put the question on a person's review list.
    Review {
        question: String,
    },
    Escalate(Escalation),
}

impl Action {
    /// The key the action is written with in strategy files.
    pub fn key(&self) -> &'static str {
        match self {
            Action::Letter { .. } => "letter",
            Action::Email { .. } => "email",
            Action::Sms { .. } => "sms",
            Action::Call { .. } => "call",
            Action::Review { .. } => "review",
            Action::Escalate(_) => "escalate",
        }
    }
}

impl fmt::Display for Action {
    /// As written in a strategy file: `letter = "validation_notice"`.
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Action::Letter { template } | Action::Email { template } | Action::Sms { template } => {
                write!(formatter, "{} = {template:?}", self.key())
            }
            Action::Call { priority } => write!(formatter, "call = {priority}"),
            Action::Review { question } => write!(formatter, "review = {question:?}"),
            Action::Escalate(to) => write!(formatter, "escalate = {:?}", to.code()),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    /// Days after the account entered the segment on which the step falls due.
    pub day: u32,
    pub action: Action,
    /// The step's line in the strategy file, for messages.
    pub line: usize,
}

/// A treatment path: steps in day order (equal days allowed, fired in file order).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Path {
    pub steps: Vec<Step>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Segment {
    /// Position in the file, 0-based: segments are tried in this order.
    pub index: usize,
    pub name: String,
    pub conditions: Conditions,
    /// The champion's path.
    pub path: Path,
    /// The segment's line in the strategy file.
    pub line: usize,
}

/// A champion/challenger arm.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Arm {
    pub name: String,
    pub share_percent: u32,
    /// Its slice of the assignment buckets: `first_bucket <= b < end_bucket`.
    pub first_bucket: u32,
    pub end_bucket: u32,
    /// The paths it replaces, by segment index; other segments follow the champion.
    pub paths: Vec<(usize, Path)>,
}

impl Arm {
    pub fn is_champion(&self) -> bool {
        self.name == CHAMPION
    }
}

/// How far an account is along its path, as the store keeps it: the steps done (sent
/// or skipped), and since when the next step has been refused, if it has.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    pub steps_done: usize,
    /// The date the next step (index `steps_done`) was first refused by compliance.
    pub refused_since: Option<Date>,
}

impl Progress {
    /// The step at `steps_done` was sent or skipped.
    pub fn advanced(self) -> Progress {
        Progress {
            steps_done: self.steps_done + 1,
            refused_since: None,
        }
    }

    /// The step at `steps_done` was refused on `as_of`: the path waits for it.
    pub fn refused(self, as_of: Date) -> Progress {
        Progress {
            steps_done: self.steps_done,
            refused_since: Some(self.refused_since.map_or(as_of, |since| since.min(as_of))),
        }
    }
}

/// A step to act on now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Due<'s> {
    /// Ask compliance and send. If refused, stop here: record `Progress::refused` and
    /// act on none of the later steps tonight.
    Fire { index: usize, step: &'s Step },
    /// Refused for `max_retry_days` or more: do not send; log `reason` and record
    /// `Progress::advanced`.
    Skip {
        index: usize,
        step: &'s Step,
        reason: String,
    },
}

/// A validated strategy. Built only by [`Strategy::parse`].
#[derive(Clone, Debug)]
pub struct Strategy {
    pub(crate) name: String,
    pub(crate) file_name: String,
    pub(crate) source_text: String,
    pub(crate) currency: Currency,
    pub(crate) aging: AgingScheme,
    pub(crate) max_retry_days: u32,
    pub(crate) segments: Vec<Segment>,
    /// The champion first.
    pub(crate) arms: Vec<Arm>,
}

impl Strategy {
    /// The name arms are hashed with: renaming a strategy reshuffles its arms.
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn file_name(&self) -> &str {
        &self.file_name
    }

    /// The text the strategy was parsed from, unchanged (comments included): what the
    /// store versions, and what the web editor shows.
    pub fn source_text(&self) -> &str {
        &self.source_text
    }

    /// SHA-256 of the source text, lowercase hex: the version's identity.
    pub fn sha256_hex(&self) -> String {
        use sha2::{Digest, Sha256};
        Sha256::digest(self.source_text.as_bytes())
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect()
    }

    pub fn currency(&self) -> Currency {
        self.currency
    }

    /// The aging scheme the segments' bucket labels were checked against.
    pub fn aging(&self) -> &AgingScheme {
        &self.aging
    }

    pub fn max_retry_days(&self) -> u32 {
        self.max_retry_days
    }

    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// The champion first, then the challengers in file order.
    pub fn arms(&self) -> &[Arm] {
        &self.arms
    }

    pub fn arm(&self, name: &str) -> Option<&Arm> {
        self.arms.iter().find(|arm| arm.name == name)
    }

    /// The first segment whose conditions hold; the last is a catch-all, so there is one.
    pub fn segment_for(&self, facts: &AccountFacts<'_>) -> &Segment {
        self.segments
            .iter()
            .find(|segment| segment.conditions.matches(facts))
            .expect("the last segment is a catch-all (checked by Strategy::parse)")
    }

    /// The arm a new account joins under the current split. The store records it and
    /// keeps it: an account stays in its arm even when the shares change later.
    pub fn arm_for(&self, account_key: &str) -> &Arm {
        let bucket = arms::assignment_bucket(&self.name, account_key);
        self.arms
            .iter()
            .find(|arm| (arm.first_bucket..arm.end_bucket).contains(&bucket))
            .expect("the arms' buckets tile 0..10_000 (checked by Strategy::parse)")
    }

    /// The path `segment` follows in the arm named `arm`: the challenger's own when it
    /// has one for the segment, else the champion's (also for an arm that no longer
    /// exists in this version of the strategy).
    pub fn path<'s>(&'s self, segment: &'s Segment, arm: &str) -> &'s Path {
        debug_assert!(std::ptr::eq(&self.segments[segment.index], segment));
        self.arm(arm)
            .and_then(|arm| arm.paths.iter().find(|(index, _)| *index == segment.index))
            .map_or(&segment.path, |(_, path)| path)
    }

    /// The steps to act on tonight, in order, for an account that entered its segment
    /// on `entered_on` and has come `progress` along `path`.
    ///
    /// A step is due once `entered_on + day <= as_of`. Steps run strictly in order: a
    /// step refused by compliance blocks the path (the caller stops at it and records
    /// `Progress::refused`), and it is offered again every night until it is sent or
    /// it has been refused for `max_retry_days`; then it comes back as `Due::Skip` and
    /// the path moves on. Idempotent: with the progress recorded after acting, asking
    /// again for the same date returns nothing new. A `steps_done` beyond the path (the
    /// path was shortened in a new version) means the path is finished.
    pub fn due_steps<'s>(
        &self,
        path: &'s Path,
        entered_on: Date,
        as_of: Date,
        progress: Progress,
    ) -> Vec<Due<'s>> {
        if as_of < entered_on {
            return Vec::new();
        }
        let days_in_segment = (as_of - entered_on).get_days();
        let mut due = Vec::new();
        for (index, step) in path.steps.iter().enumerate().skip(progress.steps_done) {
            if i64::from(step.day) > i64::from(days_in_segment) {
                break;
            }
            let refused_days = progress
                .refused_since
                .filter(|_| index == progress.steps_done)
                .map(|since| (since, i64::from((as_of - since).get_days())));
            match refused_days {
                Some((since, days)) if days >= 0 && days >= i64::from(self.max_retry_days) => {
                    due.push(Due::Skip {
                        index,
                        step,
                        reason: format!(
                            "`{}` refused by compliance since {since} ({days} days; \
                             max_retry_days is {})",
                            step.action, self.max_retry_days
                        ),
                    });
                }
                _ => due.push(Due::Fire { index, step }),
            }
        }
        due
    }

    /// The date the next step falls due (or fell due, when it waits on a refusal);
    /// `None` when the path is finished.
    pub fn next_due_on(&self, path: &Path, entered_on: Date, progress: Progress) -> Option<Date> {
        let step = path.steps.get(progress.steps_done)?;
        entered_on
            .checked_add(jiff::Span::new().days(i64::from(step.day)))
            .ok()
    }
}
