//! The nightly engine's pages for managers (decided by `app::strategies`):
//! `GET /admin/strategies` lists the strategy versions with the one in force and edits a
//! text in a textarea — checked with the same validation as `arrears strategy load`
//! (every problem next to the text with its line; the text kept; nothing stored), saved
//! as a new version (POST-redirect-GET), optionally activated, or uploaded as a file
//! (`POST /admin/strategies/upload`, the same check and save); `POST
//! /admin/strategies/activate` activates a stored version; `GET
//! /admin/strategies/compare` compares the arms of the strategy in force; `GET
//! /admin/runs` lists the nightly runs with their counts and failures.

use crate::AppState;
use crate::auth::Signed;
use crate::error::AppError;
use crate::i18n::Words;
use crate::nav::{Frame, framed};
use app::strategies::{Acting, LoadError, Problem};
use askama::Template;
use axum::extract::{Multipart, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

/// The file name problems are reported under.
const FILE_NAME: &str = "strategy.toml";

/// Runs the runs page lists.
const RUNS_SHOWN: i64 = 60;

pub(crate) struct VersionLine {
    pub(crate) name: String,
    pub(crate) version: i64,
    pub(crate) sha256: String,
    pub(crate) loaded_by: String,
    pub(crate) loaded_at: String,
    pub(crate) active: bool,
}

/// A problem as the page shows it: `Line 12: segment[2].buckets: reason`.
pub(crate) struct ProblemLine {
    pub(crate) line: String,
    pub(crate) text: String,
}

#[derive(Template)]
#[template(path = "admin_strategies.html")]
pub(crate) struct StrategiesPage {
    pub(crate) frame: Frame,
    pub(crate) flash: String,
    /// `name version N` or the built-in strategy.
    pub(crate) in_force: String,
    pub(crate) versions: Vec<VersionLine>,
    pub(crate) source: String,
    pub(crate) activate: bool,
    pub(crate) problems: Vec<ProblemLine>,
}

fn local_time(state: &AppState, at: jiff::Timestamp) -> String {
    state
        .business_zone
        .to_datetime(at)
        .strftime("%Y-%m-%d %H:%M")
        .to_string()
}

fn fields(body: &str) -> Vec<(String, String)> {
    serde_urlencoded::from_str(body).unwrap_or_default()
}

fn value(fields: &[(String, String)], key: &str) -> String {
    fields
        .iter()
        .find(|(name, _)| name == key)
        .map(|(_, value)| value.clone())
        .unwrap_or_default()
}

#[derive(Deserialize, Default)]
pub struct StrategiesQuery {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    version: Option<i64>,
    /// After a save or an activation: what to say.
    #[serde(default)]
    saved: Option<i64>,
    #[serde(default)]
    unchanged: Option<i64>,
    #[serde(default)]
    activated: Option<i64>,
}

/// What the editor holds when the page is not answering a refused post.
struct Draft {
    source: String,
    activate: bool,
    problems: Vec<Problem>,
}

async fn strategies_page(
    state: &AppState,
    signed: &Signed,
    query: &StrategiesQuery,
    flash: String,
    draft: Option<Draft>,
) -> Result<Response, AppError> {
    let user = signed.user();
    let t = Words::new(user.language);
    let who = Acting::User(user);
    let versions = state.app.strategy_versions(who).await?;
    let in_force = match versions.iter().find(|version| version.active) {
        Some(active) => format!(
            "{} · {} {}",
            active.name,
            t.get("strategies.version"),
            active.version
        ),
        None => t.get("strategies.builtin").to_string(),
    };
    let (source, activate, problems) = match draft {
        Some(draft) => (draft.source, draft.activate, draft.problems),
        None => {
            let text = state
                .app
                .strategy_text(who, query.name.as_deref(), query.version)
                .await?
                .ok_or(AppError::NotFound)?;
            (text.source, false, Vec::new())
        }
    };
    let status = if problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = StrategiesPage {
        frame: Frame::of(signed),
        flash,
        in_force,
        versions: versions
            .into_iter()
            .map(|version| VersionLine {
                loaded_at: local_time(state, version.loaded_at),
                sha256: version.sha256[..12].to_string(),
                name: version.name,
                version: version.version,
                loaded_by: version.loaded_by,
                active: version.active,
            })
            .collect(),
        source,
        activate,
        problems: problems
            .into_iter()
            .map(|problem| ProblemLine {
                line: problem
                    .line
                    .map(|line| format!("{} {line}", t.get("strategies.line")))
                    .unwrap_or_default(),
                text: if problem.field.is_empty() {
                    problem.reason
                } else {
                    format!("{}: {}", problem.field, problem.reason)
                },
            })
            .collect(),
    };
    Ok((status, Html(page.render()?)).into_response())
}

/// `GET /admin/strategies[?name=&version=]`: the versions and the editor, holding the
/// text in force or the version asked for.
pub async fn strategies(
    State(state): State<AppState>,
    signed: Signed,
    Query(query): Query<StrategiesQuery>,
) -> Result<Response, AppError> {
    let t = Words::new(signed.user().language);
    let say = |key: &str, version: i64| {
        t.get(key)
            .replace("{name}", query.name.as_deref().unwrap_or(""))
            .replace("{version}", &version.to_string())
    };
    let flash = match (query.saved, query.unchanged, query.activated) {
        (Some(version), _, _) => say("strategies.saved", version),
        (_, Some(version), _) => say("strategies.unchanged", version),
        (_, _, Some(version)) => say("strategies.activated", version),
        _ => String::new(),
    };
    strategies_page(&state, &signed, &query, flash, None).await
}

/// Text areas post `\r\n`; files keep `\n`.
fn lines(text: &str) -> String {
    text.replace("\r\n", "\n")
}

/// `POST /admin/strategies`: `op` is `check` (validate only) or `save` (store as the
/// next version; `activate` makes it the active one).
pub async fn submit(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    body: String,
) -> Result<Response, AppError> {
    let form = fields(&body);
    signed.check_csrf(&headers, &value(&form, "csrf"))?;
    let user = signed.user();
    let t = Words::new(user.language);
    let source = lines(&value(&form, "source"));
    let activate = value(&form, "activate") == "1";
    let query = StrategiesQuery::default();
    if value(&form, "op") != "save" {
        let (flash, problems) =
            match state
                .app
                .check_strategy(Acting::User(user), FILE_NAME, &source)
            {
                Ok(_) => (t.get("strategies.checked").to_string(), Vec::new()),
                Err(LoadError::Invalid(problems)) => (String::new(), problems),
                Err(LoadError::App(error)) => return Err(error.into()),
            };
        let draft = Draft {
            source,
            activate,
            problems,
        };
        return strategies_page(&state, &signed, &query, flash, Some(draft)).await;
    }
    save(&state, &signed, FILE_NAME, source, activate).await
}

/// Stores `source` as the next version (POST-redirect-GET), or answers with the page
/// holding the text and every problem.
async fn save(
    state: &AppState,
    signed: &Signed,
    file_name: &str,
    source: String,
    activate: bool,
) -> Result<Response, AppError> {
    let query = StrategiesQuery::default();
    match state
        .app
        .load_strategy(Acting::User(signed.user()), file_name, &source, activate)
        .await
    {
        // POST-redirect-GET: a refresh does not save again.
        Ok(loaded) => {
            let said = if loaded.new { "saved" } else { "unchanged" };
            let address = format!(
                "/admin/strategies?{}",
                serde_urlencoded::to_string([
                    ("name", loaded.version.name.clone()),
                    ("version", loaded.version.version.to_string()),
                    (said, loaded.version.version.to_string()),
                ])
                .unwrap_or_default()
            );
            Ok(Redirect::to(&address).into_response())
        }
        Err(LoadError::Invalid(problems)) => {
            let draft = Draft {
                source,
                activate,
                problems,
            };
            strategies_page(state, signed, &query, String::new(), Some(draft)).await
        }
        Err(LoadError::App(error)) => Err(error.into()),
    }
}

/// Longest uploaded file name kept (for the audit log).
const FILE_NAME_CHARS_MAX: usize = 100;

/// `POST /admin/strategies/upload` (multipart: `csrf` first, then `file` and
/// `activate`): the file's text is saved as `save` does, refused the same way (the text
/// then in the editor, with its problems).
pub async fn upload(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    mut multipart: Multipart,
) -> Result<Response, AppError> {
    let user = signed.user();
    let t = Words::new(user.language);
    let mut csrf_checked = false;
    let mut activate = false;
    let mut file: Option<(String, Vec<u8>)> = None;
    while let Ok(Some(field)) = multipart.next_field().await {
        let name = field.name().unwrap_or_default().to_string();
        match name.as_str() {
            "csrf" => {
                let token = field.text().await.unwrap_or_default();
                signed.check_csrf(&headers, &token)?;
                csrf_checked = true;
            }
            "activate" if csrf_checked => activate = field.text().await.unwrap_or_default() == "1",
            "file" if csrf_checked => {
                let file_name: String = field
                    .file_name()
                    .and_then(|name| name.rsplit(['/', '\\']).next())
                    .filter(|name| !name.is_empty())
                    .unwrap_or(FILE_NAME)
                    .chars()
                    .take(FILE_NAME_CHARS_MAX)
                    .collect();
                let bytes = field.bytes().await.map_err(|_| AppError::Csrf)?;
                file = Some((file_name, bytes.to_vec()));
            }
            _ => {}
        }
    }
    if !csrf_checked {
        return Err(AppError::Csrf);
    }
    app::require(user, domain::permission::Permission::ManageStrategies)?;
    let refused = |reason: &str, source: String| {
        let problem = Problem {
            file: FILE_NAME.to_string(),
            line: None,
            field: String::new(),
            reason: reason.to_string(),
        };
        Draft {
            source,
            activate,
            problems: vec![problem],
        }
    };
    let query = StrategiesQuery::default();
    let Some((file_name, bytes)) = file.filter(|(_, bytes)| !bytes.is_empty()) else {
        let draft = refused(t.get("strategies.no_file"), String::new());
        return strategies_page(&state, &signed, &query, String::new(), Some(draft)).await;
    };
    match String::from_utf8(bytes) {
        Ok(text) => save(&state, &signed, &file_name, lines(&text), activate).await,
        Err(_) => {
            let draft = refused(t.get("strategies.not_text"), String::new());
            strategies_page(&state, &signed, &query, String::new(), Some(draft)).await
        }
    }
}

/// `POST /admin/strategies/activate` with `name` and `version`.
pub async fn activate(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    body: String,
) -> Result<Response, AppError> {
    let form = fields(&body);
    signed.check_csrf(&headers, &value(&form, "csrf"))?;
    let name = value(&form, "name");
    let version = value(&form, "version")
        .parse::<i64>()
        .map_err(|_| AppError::NotFound)?;
    let active = state
        .app
        .activate_strategy(Acting::User(signed.user()), &name, version)
        .await?;
    let address = format!(
        "/admin/strategies?{}",
        serde_urlencoded::to_string([
            ("name", active.name.clone()),
            ("version", active.version.to_string()),
            ("activated", active.version.to_string()),
        ])
        .unwrap_or_default()
    );
    Ok(Redirect::to(&address).into_response())
}

pub(crate) struct ArmLine {
    pub(crate) arm: String,
    pub(crate) accounts: u64,
    pub(crate) liquidation: String,
    pub(crate) collected: String,
    pub(crate) contact: String,
    pub(crate) kept: String,
}

pub(crate) struct VerdictLine {
    pub(crate) arm: String,
    /// `better`, `worse`, `none`, `too_few`.
    pub(crate) code: &'static str,
    pub(crate) verdict: String,
    pub(crate) detail: String,
}

#[derive(Template)]
#[template(path = "admin_compare.html")]
pub(crate) struct ComparePage {
    pub(crate) frame: Frame,
    pub(crate) strategy: String,
    pub(crate) arms: Vec<ArmLine>,
    pub(crate) verdicts: Vec<VerdictLine>,
    pub(crate) left_out: u64,
}

type Estimate = strategy::compare::Estimate;

fn percent(estimate: Option<Estimate>) -> String {
    match estimate {
        Some(e) => format!(
            "{:.2} % ({:.2} – {:.2})",
            e.value * 100.0,
            e.low * 100.0,
            e.high * 100.0
        ),
        None => "–".into(),
    }
}

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

/// `GET /admin/strategies/compare`.
pub async fn compare(State(state): State<AppState>, signed: Signed) -> Result<Response, AppError> {
    use strategy::compare::Verdict;
    let user = signed.user();
    let t = Words::new(user.language);
    let compared = state.app.compare_arms_in_force(Acting::User(user)).await?;
    let strategy = if compared.strategy_version == 0 {
        format!(
            "{} ({})",
            compared.strategy_name,
            t.get("strategies.builtin")
        )
    } else {
        format!(
            "{} · {} {}",
            compared.strategy_name,
            t.get("strategies.version"),
            compared.strategy_version
        )
    };
    let arms = compared
        .comparison
        .arms
        .iter()
        .map(|(arm, metrics)| ArmLine {
            arm: arm.clone(),
            accounts: metrics.accounts,
            liquidation: percent(metrics.liquidation_rate),
            collected: major(metrics.collected_per_account_minor),
            contact: percent(metrics.right_party_contact_rate),
            kept: percent(metrics.promise_kept_rate),
        })
        .collect();
    let verdicts = compared
        .comparison
        .verdicts
        .iter()
        .map(|verdict| {
            let code = match verdict.verdict {
                Verdict::TooFewAccounts => "too_few",
                Verdict::NoDifferenceYet => "none",
                Verdict::ChallengerBetter => "better",
                Verdict::ChallengerWorse => "worse",
            };
            VerdictLine {
                arm: verdict.arm.clone(),
                code,
                verdict: t.label("compare.verdict", code),
                detail: verdict
                    .difference_minor
                    .map(|difference| {
                        format!(
                            "{} {:+.2} ({:.2} – {:.2}), p = {:.3}",
                            t.get("compare.difference"),
                            difference.value / 100.0,
                            difference.low / 100.0,
                            difference.high / 100.0,
                            verdict.p_value
                        )
                    })
                    .unwrap_or_default(),
            }
        })
        .collect();
    let page = ComparePage {
        frame: Frame::of(&signed),
        strategy,
        arms,
        verdicts,
        left_out: compared.left_out,
    };
    Ok(Html(page.render()?).into_response())
}

pub(crate) struct RunLine {
    pub(crate) id: i64,
    pub(crate) as_of: String,
    pub(crate) replay: bool,
    pub(crate) status: String,
    pub(crate) chunks_done: i64,
    pub(crate) chunks: i64,
    pub(crate) duration: String,
    /// (step, its counts as `label: n`), in the steps' order.
    pub(crate) counts: Vec<(String, Vec<String>)>,
    pub(crate) failures: Vec<String>,
}

#[derive(Template)]
#[template(path = "admin_runs.html")]
pub(crate) struct RunsPage {
    pub(crate) frame: Frame,
    pub(crate) runs: Vec<RunLine>,
}

/// The steps in the order they run, as the summary names them.
const STEPS: &[&str] = &[
    "monitor", "accrue", "age", "status", "score", "strategy", "queue", "chunk",
];

/// A run's counts for people: each step and each count under its label in the
/// manager's language (no stored key reaches the page), amounts as money, scores by
/// band, segments one by one.
fn counts_of(t: &Words, summary: Option<&serde_json::Value>) -> Vec<(String, Vec<String>)> {
    let Some(steps) = summary.and_then(serde_json::Value::as_object) else {
        return Vec::new();
    };
    STEPS
        .iter()
        .filter_map(|step| {
            let counts = steps.get(*step)?.as_object()?;
            let parts: Vec<String> = counts
                .iter()
                .flat_map(|(key, value)| count_lines(t, key, value))
                .collect();
            Some((t.label("runs.step", step), parts))
        })
        .collect()
}

/// One count of a run's summary as shown: `label n`; a nested count (segments) one line
/// per entry.
fn count_lines(t: &Words, key: &str, value: &serde_json::Value) -> Vec<String> {
    match (key, value) {
        // The same interest, counted per currency below.
        ("interest_minor", _) => Vec::new(),
        ("interest_by_currency", serde_json::Value::Object(by_currency)) => by_currency
            .iter()
            .map(|(currency, minor)| {
                format!(
                    "{}: {}",
                    t.get("runs.count.interest"),
                    crate::workspace::money(currency, minor.as_i64().unwrap_or(0))
                )
            })
            .collect(),
        (_, serde_json::Value::Object(inner)) => inner
            .iter()
            .map(|(name, count)| {
                format!(
                    "{} {name}: {}",
                    t.label("runs.count", key),
                    shown_count(count)
                )
            })
            .collect(),
        _ => {
            let label = match key.strip_prefix("band_") {
                Some(band) => format!("{} {band}", t.get("runs.count.band")),
                None => t.label("runs.count", key),
            };
            vec![format!("{label}: {}", shown_count(value))]
        }
    }
}

fn shown_count(value: &serde_json::Value) -> String {
    value
        .as_i64()
        .map(crate::workspace::grouped)
        .unwrap_or_else(|| value.to_string())
}

fn duration(started_at_us: i64, finished_at_us: Option<i64>) -> String {
    let Some(finished) = finished_at_us else {
        return "–".into();
    };
    let seconds = (finished - started_at_us).max(0) / 1_000_000;
    format!(
        "{}:{:02}:{:02}",
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60
    )
}

/// `GET /admin/runs`.
pub async fn runs(State(state): State<AppState>, signed: Signed) -> Result<Response, AppError> {
    let user = signed.user();
    let t = Words::new(user.language);
    let mut lines = Vec::new();
    for run in state.app.nightly_runs(user, RUNS_SHOWN).await? {
        let failures = if run.failures > 0 {
            state
                .app
                .nightly_failures(user, run.id)
                .await?
                .into_iter()
                .map(|(chunk, why)| format!("{} {chunk}: {why}", t.get("runs.chunk")))
                .collect()
        } else {
            Vec::new()
        };
        lines.push(RunLine {
            id: run.id,
            as_of: run.as_of.to_string(),
            replay: run.replay,
            status: t.label("runs.status", run.status.code()),
            chunks_done: run.chunks_done,
            chunks: run.chunks,
            duration: duration(run.started_at_us, run.finished_at_us),
            counts: counts_of(&t, run.summary.as_ref()),
            failures,
        });
    }
    let page = RunsPage {
        frame: Frame::of(&signed),
        runs: lines,
    };
    Ok(Html(page.render()?).into_response())
}

framed!(StrategiesPage, ComparePage, RunsPage);
