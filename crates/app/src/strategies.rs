//! Strategies and scoring models as versions in the database (`store::strategies`):
//! loading a file (checked first by `strategy::Strategy::parse` or `score::Model::parse`,
//! every problem `FILE:LINE: field: reason`, nothing stored when there is one), listing
//! and showing versions, activating one, and what the nightly batch asks: the active
//! strategy and model (`None`: the built-in ones). Also the champion/challenger
//! comparison on the portfolio's outcomes, a refit of the model on them, an account's
//! score explained feature by feature, and the nightly runs for managers.
//!
//! A person acts with their role (`Permission::ManageStrategies` to load and activate,
//! `Permission::Oversee` to read runs, comparisons and scores); the command line's
//! operator holds the database and acts under its audit name (`Acting::Operator`).

use crate::{App, Error, require};
use domain::account::Product;
use domain::aging::days_past_due;
use domain::permission::Permission;
use jiff::civil::Date;
use std::fmt;
use store::Actor;
use store::StoreError;
use store::sessions::SessionUser;
use store::strategies::{Kind, Loaded, NewVersion, ScoreFacts, StoredScore, Version, VersionText};

/// Who acts: a signed-in person (their role is checked) or the command line's operator.
#[derive(Clone, Copy, Debug)]
pub enum Acting<'a> {
    User(&'a SessionUser),
    Operator(&'a Actor),
}

impl Acting<'_> {
    fn require(&self, permission: Permission) -> Result<(), Error> {
        match self {
            Acting::User(user) => require(user, permission),
            Acting::Operator(_) => Ok(()),
        }
    }

    fn actor(&self) -> Actor {
        match self {
            Acting::User(user) => user.actor(),
            Acting::Operator(actor) => (*actor).clone(),
        }
    }
}

/// One thing wrong with a strategy or model file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub file: String,
    /// 1-based line, when the problem has one.
    pub line: Option<usize>,
    /// The field at fault, e.g. `segment[3].step[2].day`; empty for the whole file.
    pub field: String,
    pub reason: String,
}

impl fmt::Display for Problem {
    /// `FILE:LINE: field: reason`.
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

impl From<strategy::Problem> for Problem {
    fn from(problem: strategy::Problem) -> Problem {
        Problem {
            file: problem.file,
            line: problem.line,
            field: problem.field,
            reason: problem.reason,
        }
    }
}

impl From<score::ModelError> for Problem {
    fn from(problem: score::ModelError) -> Problem {
        Problem {
            file: problem.file,
            line: problem.line,
            field: problem.field,
            reason: problem.reason,
        }
    }
}

/// Why a file was not loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The file does not check: every problem found; nothing was stored.
    #[error("{}", problems_text(.0))]
    Invalid(Vec<Problem>),
    #[error(transparent)]
    App(#[from] Error),
}

impl From<StoreError> for LoadError {
    fn from(error: StoreError) -> LoadError {
        LoadError::App(error.into())
    }
}

fn problems_text(problems: &[Problem]) -> String {
    let lines: Vec<String> = problems.iter().map(Problem::to_string).collect();
    lines.join("\n")
}

/// Why a refit gave no model.
#[derive(Debug, thiserror::Error)]
pub enum RefitError {
    /// The samples cannot be fitted (too few, one class only, …), with the reason.
    #[error("{0}")]
    Fit(score::FitError),
    #[error(transparent)]
    App(#[from] Error),
}

impl From<StoreError> for RefitError {
    fn from(error: StoreError) -> RefitError {
        RefitError::App(error.into())
    }
}

/// The strategy in force: the active stored version, or the built-in one (version 0).
#[derive(Clone, Debug)]
pub struct InForce {
    /// The stored version's id; `None` for the built-in strategy.
    pub id: Option<i64>,
    /// The stored version number; 0 for the built-in strategy.
    pub version: i64,
    pub strategy: strategy::Strategy,
}

/// An account's score explained: what the last run stored and every feature's part
/// under the model in force.
#[derive(Clone, Debug)]
pub struct ScoreExplained {
    pub stored: Option<StoredScore>,
    pub features: score::Features,
    /// The model's `version` text and its stored id (`None`: the built-in model).
    pub model_version: String,
    pub model_id: Option<i64>,
    pub explanation: score::Explanation,
    pub scored: score::Scored,
}

/// A comparison of the arms of a strategy, with what was left out.
#[derive(Clone, Debug)]
pub struct ArmsCompared {
    pub strategy_name: String,
    /// The stored version; 0 for the built-in strategy.
    pub strategy_version: i64,
    pub comparison: strategy::compare::Comparison,
    /// Accounts whose recorded arm is not one of the strategy's (a removed challenger).
    pub left_out: u64,
}

/// The built-in strategy (crates/strategy/data/default.toml).
pub fn builtin_strategy() -> strategy::Strategy {
    strategy::Strategy::parse(strategy::DEFAULT_FILE, strategy::DEFAULT)
        .expect("the built-in strategy parses (tested in the strategy crate)")
}

/// SHA-256 of `text`, lowercase hex.
fn sha256_hex(text: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// A stored text that no longer checks (a build with stricter rules): corrupt for this
/// build, named with every problem.
fn unreadable(what: &str, problems: &[Problem]) -> Error {
    StoreError::Corrupt(format!("{what} does not load: {}", problems_text(problems))).into()
}

/// The score's features from the facts the store read, exactly as the nightly batch
/// builds them (`nightly::Steps::score`).
pub fn features_of(facts: &ScoreFacts) -> score::Features {
    let days_since = |on: Date| i64::from((facts.as_of - on).get_days());
    let days = days_past_due(facts.delinquent_since, facts.as_of, facts.balance_minor > 0);
    score::Features {
        balance_minor: facts.balance_minor,
        original_balance_minor: facts.placed_minor,
        days_past_due: i64::from(days),
        product: Product::parse(&facts.product).unwrap_or(Product::Other),
        has_callable_phone: facts.has_phone,
        has_email: facts.has_email,
        attempts_last_30_days: facts.attempts_30d,
        right_party_contacts_last_90_days: facts.conversations_90d,
        promises_kept_count: facts.promises_kept,
        promises_broken_count: facts.promises_broken,
        payments_count: facts.payments,
        days_since_last_payment: facts.last_payment_on.map(days_since),
        open_dispute: facts.open_dispute,
        days_since_placement: days_since(facts.placed_on),
    }
}

impl App {
    /// Checks a strategy file as `load_strategy` does, storing nothing: the strategy, or
    /// every problem.
    pub fn check_strategy(
        &self,
        who: Acting<'_>,
        file_name: &str,
        text: &str,
    ) -> Result<strategy::Strategy, LoadError> {
        who.require(Permission::ManageStrategies)?;
        strategy::Strategy::parse(file_name, text).map_err(|problems| {
            LoadError::Invalid(problems.into_iter().map(Problem::from).collect())
        })
    }

    /// Checks a strategy file and stores it as the next version of its name (the same
    /// text again: its stored version, nothing written), optionally making it the
    /// active strategy. A file with a problem is refused with every problem.
    pub async fn load_strategy(
        &self,
        who: Acting<'_>,
        file_name: &str,
        text: &str,
        activate: bool,
    ) -> Result<Loaded, LoadError> {
        let parsed = self.check_strategy(who, file_name, text)?;
        let sha256 = parsed.sha256_hex();
        let new = NewVersion {
            name: parsed.name(),
            file: file_name,
            source: parsed.source_text(),
            sha256: &sha256,
            activate,
        };
        Ok(self
            .store
            .load_version(&who.actor(), Kind::Strategy, &new)
            .await?)
    }

    /// Makes a stored strategy version the active one (the only one).
    pub async fn activate_strategy(
        &self,
        who: Acting<'_>,
        name: &str,
        version: i64,
    ) -> Result<Version, Error> {
        who.require(Permission::ManageStrategies)?;
        let text = self
            .store
            .version(Kind::Strategy, name, version)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("no strategy {name} version {version}")))?;
        // Never activate what this build cannot read.
        strategy::Strategy::parse(&format!("{name}/{version}"), &text.source).map_err(
            |problems| {
                unreadable(
                    &format!("strategy {name} version {version}"),
                    &problems.into_iter().map(Problem::from).collect::<Vec<_>>(),
                )
            },
        )?;
        Ok(self
            .store
            .activate_version(&who.actor(), Kind::Strategy, name, version)
            .await?)
    }

    /// Every stored strategy version, by name then newest first.
    pub async fn strategy_versions(&self, who: Acting<'_>) -> Result<Vec<Version>, Error> {
        who.require(Permission::ManageStrategies)?;
        Ok(self.store.versions(Kind::Strategy).await?)
    }

    /// A strategy's text: `name` (default: the one in force) at `version` (default: the
    /// active one, else the newest stored). The built-in text is version 0 of its name.
    pub async fn strategy_text(
        &self,
        who: Acting<'_>,
        name: Option<&str>,
        version: Option<i64>,
    ) -> Result<Option<VersionText>, Error> {
        who.require(Permission::ManageStrategies)?;
        let active = self.store.active_version(Kind::Strategy).await?;
        let builtin = builtin_strategy();
        let name = name
            .map(str::to_string)
            .or_else(|| active.as_ref().map(|text| text.version.name.clone()))
            .unwrap_or_else(|| builtin.name().to_string());
        let version = match version {
            Some(version) => version,
            None => match &active {
                Some(text) if text.version.name == name => text.version.version,
                _ => self
                    .store
                    .versions(Kind::Strategy)
                    .await?
                    .iter()
                    .find(|each| each.name == name)
                    .map_or(0, |each| each.version),
            },
        };
        if version == 0 && name == builtin.name() {
            return Ok(Some(VersionText {
                version: Version {
                    id: 0,
                    name,
                    version: 0,
                    sha256: builtin.sha256_hex(),
                    active: active.is_none(),
                    loaded_at: jiff::Timestamp::UNIX_EPOCH,
                    loaded_by: String::new(),
                },
                source: builtin.source_text().to_string(),
            }));
        }
        Ok(self.store.version(Kind::Strategy, &name, version).await?)
    }

    /// The active strategy, parsed from its stored text, with its stored id; `None`:
    /// none is active and the built-in one is in force. What the nightly batch runs.
    pub async fn active_strategy(&self) -> Result<Option<(i64, strategy::Strategy)>, Error> {
        let in_force = self.strategy_in_force().await?;
        Ok(in_force.id.map(|id| (id, in_force.strategy)))
    }

    /// The strategy in force: the active one (read once), else the built-in one.
    pub async fn strategy_in_force(&self) -> Result<InForce, Error> {
        let Some(text) = self.store.active_version(Kind::Strategy).await? else {
            return Ok(InForce {
                id: None,
                version: 0,
                strategy: builtin_strategy(),
            });
        };
        let file = text.version.key();
        let strategy = strategy::Strategy::parse(&file, &text.source).map_err(|problems| {
            unreadable(
                &format!("the active strategy {file}"),
                &problems.into_iter().map(Problem::from).collect::<Vec<_>>(),
            )
        })?;
        Ok(InForce {
            id: Some(text.version.id),
            version: text.version.version,
            strategy,
        })
    }

    /// Checks a model file and stores it as the next model version (the same text
    /// again: its stored version), optionally making it the active model.
    pub async fn load_model(
        &self,
        who: Acting<'_>,
        file_name: &str,
        text: &str,
        activate: bool,
    ) -> Result<Loaded, LoadError> {
        who.require(Permission::ManageStrategies)?;
        score::Model::parse(file_name, text)
            .map_err(|problem| LoadError::Invalid(vec![Problem::from(problem)]))?;
        let sha256 = sha256_hex(text);
        let new = NewVersion {
            name: store::strategies::MODEL_NAME,
            file: file_name,
            source: text,
            sha256: &sha256,
            activate,
        };
        Ok(self
            .store
            .load_version(&who.actor(), Kind::Model, &new)
            .await?)
    }

    /// Makes a stored model version the active one.
    pub async fn activate_model(&self, who: Acting<'_>, version: i64) -> Result<Version, Error> {
        who.require(Permission::ManageStrategies)?;
        let name = store::strategies::MODEL_NAME;
        let text = self
            .store
            .version(Kind::Model, name, version)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("no model version {version}")))?;
        score::Model::parse(&format!("model/{version}"), &text.source).map_err(|problem| {
            unreadable(
                &format!("model version {version}"),
                &[Problem::from(problem)],
            )
        })?;
        Ok(self
            .store
            .activate_version(&who.actor(), Kind::Model, name, version)
            .await?)
    }

    /// Every stored model version, newest first.
    pub async fn model_versions(&self, who: Acting<'_>) -> Result<Vec<Version>, Error> {
        who.require(Permission::ManageStrategies)?;
        Ok(self.store.versions(Kind::Model).await?)
    }

    /// The active model, parsed from its stored text, with its stored id; `None`: the
    /// built-in model is in force. What the nightly batch scores with.
    pub async fn active_model(&self) -> Result<Option<(i64, score::Model)>, Error> {
        let Some(text) = self.store.active_version(Kind::Model).await? else {
            return Ok(None);
        };
        let file = text.version.key();
        let model = score::Model::parse(&file, &text.source).map_err(|problem| {
            unreadable(
                &format!("the active model {file}"),
                &[Problem::from(problem)],
            )
        })?;
        Ok(Some((text.version.id, model)))
    }

    /// The model in force (the active one, else the built-in one) and its stored id.
    async fn model_in_force(&self) -> Result<(Option<i64>, score::Model), Error> {
        Ok(match self.active_model().await? {
            Some((id, model)) => (Some(id), model),
            None => (None, score::Model::default_model().clone()),
        })
    }

    /// Compares `strategy`'s arms on the outcomes of the accounts the nightly engine
    /// put in them (`store::strategies::ArmOutcome`); accounts in an arm the strategy no
    /// longer has are left out and counted.
    pub async fn compare_arms(
        &self,
        who: Acting<'_>,
        strategy: &strategy::Strategy,
    ) -> Result<(strategy::compare::Comparison, u64), Error> {
        who.require(Permission::Oversee)?;
        use strategy::compare::{Outcome, Tally};
        let mut tallies: Vec<(String, Tally)> = strategy
            .arms()
            .iter()
            .map(|arm| (arm.name.clone(), Tally::new()))
            .collect();
        let mut left_out = 0u64;
        self.store
            .arm_outcomes(|outcome| {
                match tallies.iter_mut().find(|(arm, _)| *arm == outcome.arm) {
                    Some((_, tally)) => tally.add(&Outcome {
                        placed_minor: outcome.placed_minor,
                        collected_minor: outcome.collected_minor,
                        right_party_contacted: outcome.right_party_contacted,
                        promises_made: outcome.promises_made,
                        promises_kept: outcome.promises_kept,
                    }),
                    None => left_out += 1,
                }
                Ok(())
            })
            .await?;
        let (champion, challengers) = tallies
            .split_first()
            .expect("a strategy has a champion arm (checked by Strategy::parse)");
        let challengers: Vec<(&str, &Tally)> = challengers
            .iter()
            .map(|(name, tally)| (name.as_str(), tally))
            .collect();
        Ok((
            strategy::compare::compare(&champion.1, &challengers),
            left_out,
        ))
    }

    /// The comparison of the arms of the strategy in force.
    pub async fn compare_arms_in_force(&self, who: Acting<'_>) -> Result<ArmsCompared, Error> {
        who.require(Permission::Oversee)?;
        let in_force = self.strategy_in_force().await?;
        let (comparison, left_out) = self.compare_arms(who, &in_force.strategy).await?;
        Ok(ArmsCompared {
            strategy_name: in_force.strategy.name().to_string(),
            strategy_version: in_force.version,
            comparison,
            left_out,
        })
    }

    /// New weights for the model in force, fitted on the portfolio's outcomes as of
    /// `as_of` (`Store::training_samples`; docs/scoring.md, "The label"). Nothing is
    /// stored: the caller writes the file for a person to read and `load`.
    pub async fn refit_model(
        &self,
        who: Acting<'_>,
        as_of: Date,
    ) -> Result<(score::Model, score::FitReport), RefitError> {
        who.require(Permission::ManageStrategies)?;
        let (_, prior) = self.model_in_force().await?;
        let mut samples: Vec<(score::Features, bool)> = Vec::new();
        self.store
            .training_samples(as_of, |sample| {
                if samples.len() >= score::fit::SAMPLES_MAX {
                    return Err(StoreError::Invalid(format!(
                        "more than {} samples: refit on an earlier date",
                        score::fit::SAMPLES_MAX
                    )));
                }
                samples.push((features_of(&sample.facts), sample.paid));
                Ok(())
            })
            .await?;
        let options = score::FitOptions::new(format!("refit {as_of}"), as_of);
        score::refit(&prior, &samples, &options).map_err(RefitError::Fit)
    }

    /// An account's stored score and reasons, and every feature's part in its score
    /// as of `as_of` under the model in force (facts read as the batch reads them).
    pub async fn explain_score(
        &self,
        who: Acting<'_>,
        creditor: &str,
        account_ref: &str,
        as_of: Date,
    ) -> Result<Option<ScoreExplained>, Error> {
        who.require(Permission::Oversee)?;
        let Some((facts, stored)) = self
            .store
            .account_score(creditor, account_ref, as_of)
            .await?
        else {
            return Ok(None);
        };
        let (model_id, model) = self.model_in_force().await?;
        let features = features_of(&facts);
        Ok(Some(ScoreExplained {
            stored,
            explanation: model.explain(&features),
            scored: model.score(&features),
            features,
            model_version: model.version.clone(),
            model_id,
        }))
    }

    /// The last `limit` nightly runs, newest first (managers: `Permission::Oversee`).
    pub async fn nightly_runs(
        &self,
        user: &SessionUser,
        limit: i64,
    ) -> Result<Vec<store::nightly::Run>, Error> {
        require(user, Permission::Oversee)?;
        Ok(self
            .store
            .batch_runs(limit.clamp(1, RUNS_SHOWN_MAX))
            .await?)
    }

    /// The failures recorded for a run's chunks: (chunk number, why).
    pub async fn nightly_failures(
        &self,
        user: &SessionUser,
        run_id: i64,
    ) -> Result<Vec<(i64, String)>, Error> {
        require(user, Permission::Oversee)?;
        Ok(self.store.batch_failures(run_id).await?)
    }
}

/// Most runs the runs page lists.
pub const RUNS_SHOWN_MAX: i64 = 200;
