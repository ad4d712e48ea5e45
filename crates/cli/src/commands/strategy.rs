//! `arrears strategy load|list|show|activate|compare` and `arrears score
//! load|activate|refit|explain` (`app::strategies`; docs/strategies.md, docs/scoring.md).

use super::*;
use ::strategy::compare::{ArmMetrics, Comparison, Estimate};
use app::strategies::{Acting, LoadError, RefitError};
use clap::Subcommand;
use std::path::Path;

#[derive(Subcommand)]
pub enum StrategyCommand {
    /// Check a strategy file and store it as the next version of its name (the same
    /// text again changes nothing). A bad file: every problem `FILE:LINE: field:
    /// reason`, exit 2, nothing stored.
    Load {
        file: PathBuf,
        /// Make it the active strategy (the only one): tonight's run uses it.
        #[arg(long)]
        activate: bool,
    },
    /// Every stored version, the active one marked.
    List,
    /// Print a strategy's text: the active one, or `--name`/`--version` (version 0 is
    /// the built-in strategy).
    Show {
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        version: Option<i64>,
    },
    /// Make a stored version the active strategy.
    Activate { name: String, version: i64 },
    /// Compare the arms of the strategy in force on their accounts' outcomes: per arm
    /// with 95% intervals, and each challenger's verdict.
    Compare {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub enum ScoreCommand {
    /// Check a model file and store it as the next model version (the same text again
    /// changes nothing). A bad file: `FILE:LINE: field: reason`, exit 2, nothing stored.
    Load {
        file: PathBuf,
        /// Make it the active model: tonight's run scores with it.
        #[arg(long)]
        activate: bool,
    },
    /// Every stored model version, the active one marked.
    List,
    /// Make a stored model version the active one.
    Activate { version: i64 },
    /// Fit the model in force anew on the portfolio's outcomes and write the new model
    /// file (not loaded: read it, then `score load` it); prints the fit report.
    Refit {
        #[arg(long)]
        output: PathBuf,
        /// The date the outcomes are known up to (default: today).
        #[arg(long)]
        as_of: Option<Date>,
    },
    /// An account's stored score and reasons, and each feature's part in its score
    /// under the model in force.
    Explain {
        creditor: String,
        account_ref: String,
        /// The date the facts are read as of (default: today).
        #[arg(long)]
        as_of: Option<Date>,
        #[arg(long)]
        json: bool,
    },
}

/// A file's text, or a problem naming it.
fn read_text(file: &Path) -> Result<(String, String)> {
    let name = file.display().to_string();
    let bytes =
        std::fs::read(file).map_err(|error| anyhow!(InputError(format!("{name}: {error}"))))?;
    if bytes.len() > ::strategy::TEXT_BYTES_MAX {
        return Err(anyhow!(InputError(format!(
            "{name}: {} bytes; at most {} are read",
            bytes.len(),
            ::strategy::TEXT_BYTES_MAX
        ))));
    }
    let text = String::from_utf8(bytes)
        .map_err(|error| anyhow!(InputError(format!("{name}: not UTF-8 text ({error})"))))?;
    Ok((name, text))
}

fn load_failed(error: LoadError) -> anyhow::Error {
    match error {
        LoadError::Invalid(problems) => {
            let lines: Vec<String> = problems.iter().map(ToString::to_string).collect();
            anyhow!(InputError(format!(
                "{}\nnothing stored ({} problem{})",
                lines.join("\n"),
                problems.len(),
                if problems.len() == 1 { "" } else { "s" }
            )))
        }
        LoadError::App(error) => anyhow!(error),
    }
}

fn print_loaded(what: &str, loaded: &app::model::strategies::Loaded) {
    let version = &loaded.version;
    let done = if loaded.new {
        "stored as"
    } else {
        "already stored as"
    };
    let active = if loaded.activated {
        ", now active"
    } else if version.active {
        " (active)"
    } else {
        ""
    };
    println!(
        "{what} {} {done} version {} (sha256 {}){active}",
        version.name, version.version, version.sha256
    );
}

fn print_versions(versions: &[app::model::strategies::Version], zone: &jiff::tz::TimeZone) {
    if versions.is_empty() {
        println!("no stored versions: the built-in one is in force");
        return;
    }
    for version in versions {
        println!(
            "{}{:<24} {:>4}  {}  {}  {}",
            if version.active { "* " } else { "  " },
            version.name,
            version.version,
            &version.sha256[..12],
            zone.to_datetime(version.loaded_at)
                .strftime("%Y-%m-%d %H:%M"),
            version.loaded_by
        );
    }
}

pub(crate) async fn strategy(globals: &Globals, command: StrategyCommand) -> Result<ExitCode> {
    let actor = globals.actor();
    let who = Acting::Operator(&actor);
    let app = globals.open().await?;
    let result = run_strategy(&app, who, command).await;
    app.close().await;
    result
}

async fn run_strategy(
    app: &app::App,
    who: Acting<'_>,
    command: StrategyCommand,
) -> Result<ExitCode> {
    match command {
        StrategyCommand::Load { file, activate } => {
            let (name, text) = read_text(&file)?;
            let loaded = app
                .load_strategy(who, &name, &text, activate)
                .await
                .map_err(load_failed)?;
            print_loaded("strategy", &loaded);
        }
        StrategyCommand::List => {
            let versions = app.strategy_versions(who).await?;
            print_versions(&versions, &context::business_time_zone()?);
        }
        StrategyCommand::Show { name, version } => {
            match app.strategy_text(who, name.as_deref(), version).await? {
                Some(text) => print!("{}", text.source),
                None => {
                    return Err(anyhow!(InputError(format!(
                        "no strategy {} version {}",
                        name.as_deref().unwrap_or("(in force)"),
                        version.map_or("(latest)".into(), |v| v.to_string())
                    ))));
                }
            }
        }
        StrategyCommand::Activate { name, version } => {
            let active = app.activate_strategy(who, &name, version).await?;
            println!(
                "strategy {} version {} is active",
                active.name, active.version
            );
        }
        StrategyCommand::Compare { json } => {
            let compared = app.compare_arms_in_force(who).await?;
            if json {
                println!("{}", comparison_json(&compared));
            } else {
                print!("{}", comparison_text(&compared));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn estimate_json(estimate: Option<Estimate>) -> serde_json::Value {
    match estimate {
        Some(estimate) => serde_json::json!({
            "value": estimate.value, "low": estimate.low, "high": estimate.high,
        }),
        None => serde_json::Value::Null,
    }
}

fn comparison_json(compared: &app::strategies::ArmsCompared) -> serde_json::Value {
    let Comparison { arms, verdicts } = &compared.comparison;
    let arms: Vec<serde_json::Value> = arms
        .iter()
        .map(|(name, metrics)| {
            serde_json::json!({
                "arm": name,
                "accounts": metrics.accounts,
                "placed_total_minor": metrics.placed_total_minor.to_string(),
                "collected_total_minor": metrics.collected_total_minor.to_string(),
                "liquidation_rate": estimate_json(metrics.liquidation_rate),
                "collected_per_account_minor": estimate_json(metrics.collected_per_account_minor),
                "right_party_contact_rate": estimate_json(metrics.right_party_contact_rate),
                "promise_kept_rate": estimate_json(metrics.promise_kept_rate),
            })
        })
        .collect();
    let verdicts: Vec<serde_json::Value> = verdicts
        .iter()
        .map(|verdict| {
            serde_json::json!({
                "arm": verdict.arm,
                "verdict": verdict.verdict.to_string(),
                "difference_minor": estimate_json(verdict.difference_minor),
                "z": if verdict.z.is_finite() { serde_json::json!(verdict.z) } else { serde_json::Value::Null },
                "p_value": verdict.p_value,
            })
        })
        .collect();
    serde_json::json!({
        "strategy": compared.strategy_name,
        "version": compared.strategy_version,
        "arms": arms,
        "verdicts": verdicts,
        "left_out": compared.left_out,
    })
}

/// A rate as a percent with its interval: `13.75% (13.32% – 14.18%)`.
fn percent(estimate: Option<Estimate>) -> String {
    match estimate {
        Some(e) => format!(
            "{:.2}% ({:.2}% – {:.2}%)",
            e.value * 100.0,
            e.low * 100.0,
            e.high * 100.0
        ),
        None => "–".into(),
    }
}

/// An amount of minor units (an estimate, not money posted) in major units.
fn major(estimate: Option<Estimate>) -> String {
    match estimate {
        Some(e) => format!(
            "{:.2} ({:.2} – {:.2})",
            e.value / 100.0,
            e.low / 100.0,
            e.high / 100.0
        ),
        None => "–".into(),
    }
}

fn comparison_text(compared: &app::strategies::ArmsCompared) -> String {
    let mut out = format!(
        "strategy {} (version {}{})\n",
        compared.strategy_name,
        compared.strategy_version,
        if compared.strategy_version == 0 {
            ", built in"
        } else {
            ""
        }
    );
    out.push_str(&format!(
        "{:<16} {:>9}  {:<30} {:<30} {:<30} {:<30}\n",
        "arm",
        "accounts",
        "liquidation rate",
        "collected per account",
        "right-party contact rate",
        "promise-kept rate"
    ));
    for (name, metrics) in &compared.comparison.arms {
        let ArmMetrics {
            accounts,
            liquidation_rate,
            collected_per_account_minor,
            right_party_contact_rate,
            promise_kept_rate,
            ..
        } = metrics;
        out.push_str(&format!(
            "{name:<16} {accounts:>9}  {:<30} {:<30} {:<30} {:<30}\n",
            percent(*liquidation_rate),
            major(*collected_per_account_minor),
            percent(*right_party_contact_rate),
            percent(*promise_kept_rate),
        ));
    }
    if compared.comparison.verdicts.is_empty() {
        out.push_str("no challengers: nothing to compare\n");
    }
    for verdict in &compared.comparison.verdicts {
        out.push_str(&format!("{}: {}", verdict.arm, verdict.verdict));
        if let Some(difference) = verdict.difference_minor {
            out.push_str(&format!(
                " (collected per account {:+.2}, 95% {:.2} – {:.2}; p = {:.3})",
                difference.value / 100.0,
                difference.low / 100.0,
                difference.high / 100.0,
                verdict.p_value
            ));
        }
        out.push('\n');
    }
    if compared.left_out > 0 {
        out.push_str(&format!(
            "{} accounts left out: their arm is not in this strategy\n",
            compared.left_out
        ));
    }
    out
}

pub(crate) async fn score(globals: &Globals, command: ScoreCommand) -> Result<ExitCode> {
    let actor = globals.actor();
    let who = Acting::Operator(&actor);
    let app = globals.open().await?;
    let result = run_score(&app, who, command).await;
    app.close().await;
    result
}

async fn run_score(app: &app::App, who: Acting<'_>, command: ScoreCommand) -> Result<ExitCode> {
    match command {
        ScoreCommand::Load { file, activate } => {
            let (name, text) = read_text(&file)?;
            let loaded = app
                .load_model(who, &name, &text, activate)
                .await
                .map_err(load_failed)?;
            print_loaded("score", &loaded);
        }
        ScoreCommand::List => {
            let versions = app.model_versions(who).await?;
            print_versions(&versions, &context::business_time_zone()?);
        }
        ScoreCommand::Activate { version } => {
            let active = app.activate_model(who, version).await?;
            println!("model version {} is active", active.version);
        }
        ScoreCommand::Refit { output, as_of } => {
            let as_of = match as_of {
                Some(date) => date,
                None => context::today()?,
            };
            let (model, report) = match app.refit_model(who, as_of).await {
                Ok(fitted) => fitted,
                Err(RefitError::Fit(error)) => return Err(anyhow!(InputError(error.to_string()))),
                Err(RefitError::App(error)) => return Err(anyhow!(error)),
            };
            std::fs::write(&output, model.to_toml())
                .with_context(|| format!("writing {}", output.display()))?;
            print!("{}", fit_report_text(&report));
            println!(
                "wrote {} (version {:?}); read it, then `arrears score load {}`",
                output.display(),
                model.version,
                output.display()
            );
        }
        ScoreCommand::Explain {
            creditor,
            account_ref,
            as_of,
            json,
        } => {
            let as_of = match as_of {
                Some(date) => date,
                None => context::today()?,
            };
            let Some(explained) = app
                .explain_score(who, &creditor, &account_ref, as_of)
                .await?
            else {
                return Err(anyhow!(InputError(format!(
                    "no account {creditor}/{account_ref}"
                ))));
            };
            if json {
                println!("{}", explained_json(&explained));
            } else {
                print!("{}", explained_text(&creditor, &account_ref, &explained));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn fit_report_text(report: &score::FitReport) -> String {
    let auc = |value: Option<f64>| value.map_or("–".into(), |auc| format!("{auc:.4}"));
    let mut out = format!(
        "samples {} ({} paid); {} trained on, {} held out; {} iterations\n",
        report.samples,
        report.positives,
        report.training_samples,
        report.holdout_samples,
        report.iterations
    );
    out.push_str(&format!(
        "AUC in-sample {:.4} (model in force {:.4}); held out {} (model in force {})\n",
        report.auc,
        report.prior_auc,
        auc(report.holdout_auc),
        auc(report.prior_holdout_auc)
    ));
    if !report.kept_prior.is_empty() {
        out.push_str(&format!(
            "kept from the model in force (constant in the samples): {}\n",
            report.kept_prior.join(", ")
        ));
    }
    out
}

fn input_text(input: score::features::Input) -> String {
    match input {
        score::features::Input::Flag(flag) => if flag { "yes" } else { "no" }.into(),
        score::features::Input::Number(number) => format!("{number}"),
        score::features::Input::Missing => "never".into(),
        score::features::Input::Product(product) => product.code().into(),
    }
}

fn explained_text(
    creditor: &str,
    account_ref: &str,
    explained: &app::strategies::ScoreExplained,
) -> String {
    let mut out = String::new();
    match &explained.stored {
        Some(stored) => out.push_str(&format!(
            "{creditor}/{account_ref}: stored score {} as of {} (reasons {}), segment {}, arm {}\n",
            stored.score.map_or("–".into(), |score| score.to_string()),
            stored.as_of,
            stored
                .reasons
                .as_deref()
                .filter(|r| !r.is_empty())
                .unwrap_or("none"),
            stored.segment.as_deref().unwrap_or("–"),
            stored.arm.as_deref().unwrap_or("–"),
        )),
        None => out.push_str(&format!(
            "{creditor}/{account_ref}: not scored by a nightly run yet\n"
        )),
    }
    let explanation = &explained.explanation;
    out.push_str(&format!(
        "model {:?} ({}): score {} (probability {:.4}, log-odds {:.4})\n",
        explained.model_version,
        explained
            .model_id
            .map_or("built in".into(), |id| format!("stored #{id}")),
        explanation.score,
        explanation.probability,
        explanation.log_odds
    ));
    out.push_str(&format!(
        "{:<36} {:>14} {:>13} {:>18}\n",
        "feature", "value", "contribution", "against reference"
    ));
    out.push_str(&format!(
        "{:<36} {:>14} {:>13.4}\n",
        "intercept", "", explanation.intercept
    ));
    for contribution in &explanation.contributions {
        out.push_str(&format!(
            "{:<36} {:>14} {:>13.4} {:>18.4}\n",
            contribution.feature.name(),
            input_text(contribution.input),
            // + 0.0 turns a negative zero (a weight times nothing) into 0.
            contribution.value + 0.0,
            contribution.against_reference + 0.0
        ));
    }
    let reasons: Vec<String> = explained
        .scored
        .reasons
        .iter()
        .map(|reason| format!("{} {}", reason.code, reason.text_en))
        .collect();
    out.push_str(&format!(
        "reasons: {}\n",
        if reasons.is_empty() {
            "none".to_string()
        } else {
            reasons.join("; ")
        }
    ));
    out
}

fn explained_json(explained: &app::strategies::ScoreExplained) -> serde_json::Value {
    let contributions: Vec<serde_json::Value> = explained
        .explanation
        .contributions
        .iter()
        .map(|contribution| {
            serde_json::json!({
                "feature": contribution.feature.name(),
                "value": input_text(contribution.input),
                "contribution": contribution.value,
                "against_reference": contribution.against_reference,
            })
        })
        .collect();
    serde_json::json!({
        "stored": explained.stored.as_ref().map(|stored| serde_json::json!({
            "as_of": stored.as_of.to_string(), "score": stored.score, "reasons": stored.reasons,
            "segment": stored.segment, "arm": stored.arm,
        })),
        "model": {"version": explained.model_version, "id": explained.model_id},
        "score": explained.explanation.score,
        "probability": explained.explanation.probability,
        "log_odds": explained.explanation.log_odds,
        "intercept": explained.explanation.intercept,
        "contributions": contributions,
        "reasons": explained.scored.codes(),
    })
}
