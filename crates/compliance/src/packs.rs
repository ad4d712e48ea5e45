//! Rule packs: the rules as data. A pack is a TOML file naming its rules, each with an
//! id, a citation, effective dates, a `kind` (the evaluator, written in `check`) and the
//! kind's parameters. Format and kinds: docs/compliance-packs.md.
//!
//! **Invariants** (checked by `RuleSet::new`, so a loaded rule set holds them):
//! - exactly one federal pack (no `states`); every other pack names the states it covers;
//! - pack ids and rule ids are unique; a rule id starts with its pack id and a dot;
//! - every parameter a kind needs is present and in range, and no other is given.
//!
//! Packs only add denials: the answer is "deny" when any rule of any pack in force
//! forbids, and no rule can allow what another forbids.

use crate::facts::{Action, ContactPointKind};
use crate::hours::Hours;
use jiff::civil::{Date, Time};
use serde::Deserialize;
use std::fmt;
use std::sync::LazyLock;

/// The packs shipped with Arrears, compiled in.
pub const BUILTIN: &[(&str, &str)] = &[
    ("us.toml", include_str!("../packs/us.toml")),
    ("us-ma.toml", include_str!("../packs/us-ma.toml")),
    ("us-wa.toml", include_str!("../packs/us-wa.toml")),
];

/// The only pack format this build reads.
pub const FORMAT: i64 = 1;

/// Whose contact a frequency rule counts together.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Per {
    /// Contacts about the debt the request is about.
    Debt,
    /// Contacts with the consumer about any of their debts.
    Consumer,
}

/// What a rule forbids, with its parameters. Each kind's meaning is in
/// docs/compliance-packs.md; the evaluators are in `check`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Timed actions outside `hours` on any of the consumer's wall clocks.
    TimeOfDay {
        hours: Hours,
    },
    /// Timed actions inside a window the consumer called inconvenient.
    ConsumerInconvenientTime,
    /// `actions` on local date D when `max` or more counted contacts of the `counts`
    /// actions were placed on local dates D−(days−1) … D.
    ContactFrequency {
        actions: Vec<Action>,
        counts: Vec<Action>,
        per: Per,
        max: usize,
        days: i64,
        same_instant_counts_once: bool,
        /// The contact points the rule limits (empty: all; a request naming no contact
        /// point is limited too).
        contact_points: Vec<ContactPointKind>,
    },
    /// Calls on the local date of a conversation about the debt and `days − 1` after.
    CallAfterConversation {
        days: i64,
    },
    CeaseCommunication,
    AttorneyRepresented,
    WorkplaceProhibited,
    ElectronicOptOut,
    DisputePending,
    /// Credit reporting before the local date `wait_days + 1` after the first
    /// delivered letter or email.
    PassiveCreditReporting {
        wait_days: i64,
    },
    TimeBarredSuit,
    BankruptcyStay,
    Deceased,
}

impl Kind {
    /// The kinds consent given directly by the consumer can lift (contract: "Consent
    /// given directly by the consumer"): the consumer's own time (12 CFR 1006.6(b)(1))
    /// and the call frequencies (1006.14(b)(3)). Cease, representation, disputes,
    /// bankruptcy, opt-outs and the rest never are.
    pub fn can_be_lifted_by_consent(&self) -> bool {
        matches!(
            self,
            Kind::TimeOfDay { .. }
                | Kind::ConsumerInconvenientTime
                | Kind::ContactFrequency { .. }
                | Kind::CallAfterConversation { .. }
        )
    }

    /// The kind's name in pack files.
    pub fn name(&self) -> &'static str {
        match self {
            Kind::TimeOfDay { .. } => "time_of_day",
            Kind::ConsumerInconvenientTime => "consumer_inconvenient_time",
            Kind::ContactFrequency { .. } => "contact_frequency",
            Kind::CallAfterConversation { .. } => "call_after_conversation",
            Kind::CeaseCommunication => "cease_communication",
            Kind::AttorneyRepresented => "attorney_represented",
            Kind::WorkplaceProhibited => "workplace_prohibited",
            Kind::ElectronicOptOut => "electronic_opt_out",
            Kind::DisputePending => "dispute_pending",
            Kind::PassiveCreditReporting { .. } => "passive_credit_reporting",
            Kind::TimeBarredSuit => "time_barred_suit",
            Kind::BankruptcyStay => "bankruptcy_stay",
            Kind::Deceased => "deceased",
        }
    }

    /// The parameters as written in pack files, for listings.
    pub fn parameters(&self) -> Vec<(&'static str, String)> {
        let codes = |actions: &[Action]| {
            let codes: Vec<&str> = actions.iter().map(|action| action.code()).collect();
            codes.join(",")
        };
        match self {
            Kind::TimeOfDay { hours } => vec![
                ("from", hours.from.strftime("%H:%M").to_string()),
                ("until", hours.until.strftime("%H:%M").to_string()),
            ],
            Kind::ContactFrequency {
                actions,
                counts,
                per,
                max,
                days,
                same_instant_counts_once,
                contact_points,
            } => {
                let mut parameters = vec![
                    ("actions", codes(actions)),
                    ("counts", codes(counts)),
                    (
                        "per",
                        match per {
                            Per::Debt => "debt",
                            Per::Consumer => "consumer",
                        }
                        .to_string(),
                    ),
                    ("max", max.to_string()),
                    ("days", days.to_string()),
                ];
                if *same_instant_counts_once {
                    parameters.push(("same_instant_counts_once", "true".into()));
                }
                if !contact_points.is_empty() {
                    let kinds: Vec<&str> = contact_points.iter().map(|kind| kind.code()).collect();
                    parameters.push(("contact_points", kinds.join(",")));
                }
                parameters
            }
            Kind::CallAfterConversation { days } => vec![("days", days.to_string())],
            Kind::PassiveCreditReporting { wait_days } => {
                vec![("wait_days", wait_days.to_string())]
            }
            _ => Vec::new(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    pub id: &'static str,
    pub citation: &'static str,
    /// First local date the rule is in force.
    pub effective_from: Date,
    /// First local date the rule is no longer in force.
    pub effective_until: Option<Date>,
    pub kind: Kind,
    /// Whether consent given directly by the consumer lifts the rule (pack parameter
    /// `lifted_by_consent`; only the kinds of `Kind::can_be_lifted_by_consent`). How it
    /// lifts is the kind's: see `check`.
    pub lifted_by_consent: bool,
}

impl Rule {
    /// Whether the rule is in force on local date `on`.
    pub fn in_force(&self, on: Date) -> bool {
        self.effective_from <= on && self.effective_until.is_none_or(|until| on < until)
    }

    /// The parameters as written in pack files, for listings: the kind's, then
    /// `lifted_by_consent` when set.
    pub fn parameters(&self) -> Vec<(&'static str, String)> {
        let mut parameters = self.kind.parameters();
        if self.lifted_by_consent {
            parameters.push(("lifted_by_consent", "true".into()));
        }
        parameters
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pack {
    pub id: &'static str,
    pub version: &'static str,
    pub title: String,
    /// USPS codes of the states the pack covers; empty for the federal pack.
    pub states: Vec<String>,
    pub rules: Vec<Rule>,
}

impl Pack {
    pub fn is_federal(&self) -> bool {
        self.states.is_empty()
    }

    /// `id@version`, as recorded with each decision.
    pub fn label(&self) -> String {
        format!("{}@{}", self.id, self.version)
    }
}

/// A pack that does not load: where and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PackError {
    pub file: String,
    /// 1-based line, when the problem has one.
    pub line: Option<usize>,
    /// The field at fault, e.g. `rule[3].max`.
    pub field: String,
    pub reason: String,
}

impl fmt::Display for PackError {
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

impl std::error::Error for PackError {}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PackFile {
    format: i64,
    id: String,
    version: String,
    title: String,
    #[serde(default)]
    states: Vec<String>,
    #[serde(default, rename = "rule")]
    rules: Vec<toml::Spanned<RuleFile>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    id: String,
    kind: String,
    citation: String,
    effective_from: toml::value::Datetime,
    effective_until: Option<toml::value::Datetime>,
    /// Free text for the reader (the statute's words, a source); not used.
    #[allow(dead_code)]
    note: Option<String>,
    from: Option<String>,
    until: Option<String>,
    actions: Option<Vec<String>>,
    counts: Option<Vec<String>>,
    per: Option<String>,
    max: Option<i64>,
    days: Option<i64>,
    wait_days: Option<i64>,
    same_instant_counts_once: Option<bool>,
    contact_points: Option<Vec<String>>,
    lifted_by_consent: Option<bool>,
}

impl RuleFile {
    /// The parameters given, by name, for "kind X takes no parameter Y".
    fn given(&self) -> Vec<&'static str> {
        let mut given = Vec::new();
        let mut note = |present: bool, name: &'static str| {
            if present {
                given.push(name);
            }
        };
        note(self.from.is_some(), "from");
        note(self.until.is_some(), "until");
        note(self.actions.is_some(), "actions");
        note(self.counts.is_some(), "counts");
        note(self.per.is_some(), "per");
        note(self.max.is_some(), "max");
        note(self.days.is_some(), "days");
        note(self.wait_days.is_some(), "wait_days");
        note(
            self.same_instant_counts_once.is_some(),
            "same_instant_counts_once",
        );
        note(self.contact_points.is_some(), "contact_points");
        note(self.lifted_by_consent.is_some(), "lifted_by_consent");
        given
    }
}

/// The kinds and the parameters each takes (required ones first; see `kind`).
const KINDS: &[(&str, &[&str])] = &[
    ("time_of_day", &["from", "until", "lifted_by_consent"]),
    ("consumer_inconvenient_time", &["lifted_by_consent"]),
    (
        "contact_frequency",
        &[
            "actions",
            "counts",
            "per",
            "max",
            "days",
            "same_instant_counts_once",
            "contact_points",
            "lifted_by_consent",
        ],
    ),
    ("call_after_conversation", &["days", "lifted_by_consent"]),
    ("cease_communication", &[]),
    ("attorney_represented", &[]),
    ("workplace_prohibited", &[]),
    ("electronic_opt_out", &[]),
    ("dispute_pending", &[]),
    ("passive_credit_reporting", &["wait_days"]),
    ("time_barred_suit", &[]),
    ("bankruptcy_stay", &[]),
    ("deceased", &[]),
];

/// Longest look-back a frequency rule may have, in days.
pub const MAX_WINDOW_DAYS: i64 = 366;

/// Parses and checks one pack file. `file` names it in errors.
pub fn parse_pack(file: &str, text: &str) -> Result<Pack, PackError> {
    let error = |line: Option<usize>, field: &str, reason: String| PackError {
        file: file.to_string(),
        line,
        field: field.to_string(),
        reason,
    };
    let parsed: PackFile = toml::from_str(text).map_err(|problem| {
        let line = problem.span().map(|span| line_of(text, span.start));
        error(line, "", problem.message().to_string())
    })?;
    if parsed.format != FORMAT {
        return Err(error(
            line_of_key(text, "format"),
            "format",
            format!("this build reads format {FORMAT}, not {}", parsed.format),
        ));
    }
    if !valid_pack_id(&parsed.id) {
        return Err(error(
            line_of_key(text, "id"),
            "id",
            format!(
                "`{}` is not a pack id: `us` or `us-` and a two-letter state code",
                parsed.id
            ),
        ));
    }
    if parsed.version.trim().is_empty() {
        return Err(error(
            line_of_key(text, "version"),
            "version",
            "must not be empty".into(),
        ));
    }
    let federal = parsed.id == "us";
    if federal != parsed.states.is_empty() {
        return Err(error(
            line_of_key(text, "states"),
            "states",
            if federal {
                "the federal pack `us` covers every state: leave `states` out".into()
            } else {
                "a state pack names the states it covers".into()
            },
        ));
    }
    for state in &parsed.states {
        if !is_state_code(state) {
            return Err(error(
                line_of_key(text, "states"),
                "states",
                format!("`{state}` is not a two-letter USPS code"),
            ));
        }
    }
    if parsed.rules.is_empty() {
        return Err(error(None, "rule", "a pack has at least one rule".into()));
    }
    let mut rules = Vec::with_capacity(parsed.rules.len());
    for (index, spanned) in parsed.rules.iter().enumerate() {
        let span = spanned.span();
        let line = Some(line_of(text, span.start));
        let rule = rule(&parsed.id, spanned.get_ref()).map_err(|(field, reason)| {
            // The rule's table runs from its header to the next header.
            let region = &text[span.start..];
            let region = region[1..]
                .find("\n[")
                .map_or(region, |end| &region[..end + 1]);
            let field_line =
                line_of_key(region, field).map(|offset| line_of(text, span.start) + offset - 1);
            error(
                field_line.or(line),
                &format!("rule[{}].{field}", index + 1),
                reason,
            )
        })?;
        if rules.iter().any(|earlier: &Rule| earlier.id == rule.id) {
            return Err(error(
                line,
                &format!("rule[{}].id", index + 1),
                format!("`{}` appears twice", rule.id),
            ));
        }
        rules.push(rule);
    }
    Ok(Pack {
        id: leak(parsed.id),
        version: leak(parsed.version),
        title: parsed.title,
        states: parsed.states,
        rules,
    })
}

/// Rule sets live as long as the process (they are loaded once), so their ids and
/// citations are `'static` and answers can carry them without copies.
fn leak(text: String) -> &'static str {
    String::leak(text)
}

fn valid_pack_id(id: &str) -> bool {
    id == "us" || id.strip_prefix("us-").is_some_and(is_lower_state_code)
}

fn is_lower_state_code(code: &str) -> bool {
    code.len() == 2 && code.bytes().all(|byte| byte.is_ascii_lowercase())
}

fn is_state_code(code: &str) -> bool {
    code.len() == 2 && code.bytes().all(|byte| byte.is_ascii_uppercase())
}

fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|byte| **byte == b'\n')
        .count()
        + 1
}

/// The line of a top-level `key = …`, for errors about a whole-file field.
fn line_of_key(text: &str, key: &str) -> Option<usize> {
    text.lines()
        .position(|line| {
            line.trim_start()
                .strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        })
        .map(|index| index + 1)
}

type FieldError = (&'static str, String);

fn rule(pack_id: &str, file: &RuleFile) -> Result<Rule, FieldError> {
    let prefix = format!("{pack_id}.");
    let well_formed = file.id.strip_prefix(&prefix).is_some_and(|name| {
        !name.is_empty()
            && name
                .bytes()
                .all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'_')
    });
    if !well_formed {
        return Err((
            "id",
            format!(
                "`{}` must be `{prefix}` and a name in lowercase letters, digits and _",
                file.id
            ),
        ));
    }
    if file.citation.trim().is_empty() {
        return Err(("citation", "must not be empty".into()));
    }
    let effective_from = date(&file.effective_from).ok_or((
        "effective_from",
        format!("`{}` is not a date (YYYY-MM-DD)", file.effective_from),
    ))?;
    let effective_until = match &file.effective_until {
        None => None,
        Some(until) => {
            let until_date = date(until).ok_or((
                "effective_until",
                format!("`{until}` is not a date (YYYY-MM-DD)"),
            ))?;
            if until_date <= effective_from {
                return Err((
                    "effective_until",
                    format!("{until_date} is not after effective_from {effective_from}"),
                ));
            }
            Some(until_date)
        }
    };
    let Some((_, takes)) = KINDS.iter().find(|(name, _)| *name == file.kind) else {
        let known: Vec<&str> = KINDS.iter().map(|(name, _)| *name).collect();
        return Err((
            "kind",
            format!("unknown kind `{}`; known: {}", file.kind, known.join(", ")),
        ));
    };
    if let Some(extra) = file.given().into_iter().find(|name| !takes.contains(name)) {
        return Err((
            extra,
            format!("kind `{}` takes no parameter `{extra}`", file.kind),
        ));
    }
    let kind = kind(file)?;
    debug_assert!(file.lifted_by_consent.is_none() || kind.can_be_lifted_by_consent());
    Ok(Rule {
        id: leak(file.id.clone()),
        citation: leak(file.citation.clone()),
        effective_from,
        effective_until,
        kind,
        lifted_by_consent: file.lifted_by_consent.unwrap_or(false),
    })
}

fn date(value: &toml::value::Datetime) -> Option<Date> {
    if value.time.is_some() || value.offset.is_some() {
        return None;
    }
    value.to_string().parse().ok()
}

fn required<T: Clone>(value: &Option<T>, name: &'static str) -> Result<T, FieldError> {
    value
        .clone()
        .ok_or((name, "is required for this kind".into()))
}

fn days(value: &Option<i64>, name: &'static str) -> Result<i64, FieldError> {
    let days = required(value, name)?;
    if !(1..=MAX_WINDOW_DAYS).contains(&days) {
        return Err((name, format!("{days} is not 1 … {MAX_WINDOW_DAYS} days")));
    }
    Ok(days)
}

fn time(value: &Option<String>, name: &'static str) -> Result<Time, FieldError> {
    let text = required(value, name)?;
    let parsed = (text.len() == 5)
        .then(|| Time::strptime("%H:%M", &text).ok())
        .flatten();
    parsed.ok_or((name, format!("`{text}` is not a time HH:MM")))
}

fn actions(value: &Option<Vec<String>>, name: &'static str) -> Result<Vec<Action>, FieldError> {
    let codes = required(value, name)?;
    if codes.is_empty() {
        return Err((name, "names at least one action".into()));
    }
    codes
        .iter()
        .map(|code| {
            Action::parse(code)
                .filter(|action| action.is_communication())
                .ok_or((
                    name,
                    format!("`{code}` is not a communication: call, sms, email, letter, visit"),
                ))
        })
        .collect()
}

fn contact_points(value: &Option<Vec<String>>) -> Result<Vec<ContactPointKind>, FieldError> {
    let Some(codes) = value else {
        return Ok(Vec::new());
    };
    if codes.is_empty() {
        return Err((
            "contact_points",
            "names at least one kind (leave it out for all)".into(),
        ));
    }
    codes
        .iter()
        .map(|code| {
            ContactPointKind::parse(code).ok_or((
                "contact_points",
                format!("`{code}` is not home, mobile, work, email or address"),
            ))
        })
        .collect()
}

fn kind(file: &RuleFile) -> Result<Kind, FieldError> {
    Ok(match file.kind.as_str() {
        "time_of_day" => {
            let hours = Hours {
                from: time(&file.from, "from")?,
                until: time(&file.until, "until")?,
            };
            if hours.from >= hours.until {
                return Err(("until", "must be later in the day than `from`".into()));
            }
            Kind::TimeOfDay { hours }
        }
        "consumer_inconvenient_time" => Kind::ConsumerInconvenientTime,
        "contact_frequency" => {
            let per = match required(&file.per, "per")?.as_str() {
                "debt" => Per::Debt,
                "consumer" => Per::Consumer,
                other => return Err(("per", format!("`{other}` is not `debt` or `consumer`"))),
            };
            let max = required(&file.max, "max")?;
            if !(1..=1000).contains(&max) {
                return Err(("max", format!("{max} is not 1 … 1000")));
            }
            Kind::ContactFrequency {
                actions: actions(&file.actions, "actions")?,
                counts: actions(&file.counts, "counts")?,
                per,
                max: usize::try_from(max).unwrap_or(usize::MAX),
                days: days(&file.days, "days")?,
                same_instant_counts_once: file.same_instant_counts_once.unwrap_or(false),
                contact_points: contact_points(&file.contact_points)?,
            }
        }
        "call_after_conversation" => Kind::CallAfterConversation {
            days: days(&file.days, "days")?,
        },
        "cease_communication" => Kind::CeaseCommunication,
        "attorney_represented" => Kind::AttorneyRepresented,
        "workplace_prohibited" => Kind::WorkplaceProhibited,
        "electronic_opt_out" => Kind::ElectronicOptOut,
        "dispute_pending" => Kind::DisputePending,
        "passive_credit_reporting" => Kind::PassiveCreditReporting {
            wait_days: days(&file.wait_days, "wait_days")?,
        },
        "time_barred_suit" => Kind::TimeBarredSuit,
        "bankruptcy_stay" => Kind::BankruptcyStay,
        "deceased" => Kind::Deceased,
        other => unreachable!("kind `{other}` is listed in KINDS but not built"),
    })
}

/// The packs in force: one federal pack and any number of state packs.
#[derive(Clone, Debug)]
pub struct RuleSet {
    packs: Vec<Pack>,
}

impl RuleSet {
    /// Checks the packs against each other. `name` names the set in errors (a folder).
    pub fn new(name: &str, packs: Vec<Pack>) -> Result<RuleSet, PackError> {
        let error = |reason: String| PackError {
            file: name.to_string(),
            line: None,
            field: String::new(),
            reason,
        };
        let federal = packs.iter().filter(|pack| pack.is_federal()).count();
        if federal != 1 {
            return Err(error(format!(
                "a rule set has exactly one federal pack (`us`), not {federal}"
            )));
        }
        for (index, pack) in packs.iter().enumerate() {
            if packs[..index].iter().any(|earlier| earlier.id == pack.id) {
                return Err(error(format!("pack `{}` appears twice", pack.id)));
            }
        }
        let mut ordered = packs;
        // Federal first, then states by id: answers list violations in this order.
        ordered.sort_by_key(|pack| (!pack.is_federal(), pack.id));
        Ok(RuleSet { packs: ordered })
    }

    /// Parses every `(file name, text)` and checks the set.
    pub fn from_texts<'a>(
        name: &str,
        files: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<RuleSet, PackError> {
        let packs = files
            .into_iter()
            .map(|(file, text)| parse_pack(file, text))
            .collect::<Result<Vec<_>, _>>()?;
        RuleSet::new(name, packs)
    }

    /// The packs shipped with Arrears (parsed once).
    pub fn builtin() -> &'static RuleSet {
        static BUILTIN_SET: LazyLock<RuleSet> = LazyLock::new(|| {
            RuleSet::from_texts("built-in packs", BUILTIN.iter().copied())
                .unwrap_or_else(|error| panic!("a built-in rule pack does not load: {error}"))
        });
        &BUILTIN_SET
    }

    pub fn packs(&self) -> &[Pack] {
        &self.packs
    }

    /// How many days of contact history a check of `action` can look at, over every
    /// rule of every pack (in force or not, any state): the longest window of a rule
    /// that limits the action, plus a day for the consumer's wall clock being behind
    /// UTC. `None`: the whole history counts (passive credit reporting looks for the
    /// first letter ever sent and any conversation ever held).
    pub fn lookback_days(&self, action: Action) -> Option<i64> {
        let mut days = 0;
        for rule in self.packs.iter().flat_map(|pack| pack.rules.iter()) {
            match &rule.kind {
                Kind::ContactFrequency {
                    actions,
                    days: window,
                    ..
                } if actions.contains(&action) => days = days.max(*window),
                Kind::CallAfterConversation { days: window } if action == Action::Call => {
                    days = days.max(*window)
                }
                Kind::PassiveCreditReporting { .. } if action == Action::CreditReport => {
                    return None;
                }
                _ => {}
            }
        }
        Some(days + 1)
    }

    /// The packs in force for a consumer in `state` (USPS code): the federal pack and
    /// the packs naming the state.
    pub fn packs_for<'s>(&'s self, state: Option<&'s str>) -> impl Iterator<Item = &'s Pack> {
        self.packs.iter().filter(move |pack| {
            pack.is_federal()
                || state.is_some_and(|state| pack.states.iter().any(|code| code == state))
        })
    }
}
