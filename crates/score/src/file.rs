//! Model files: reading them with `FILE:LINE: field: reason` errors, and writing them back.
//! The format is in docs/scoring.md; `data/model.toml` is the commented example.

use crate::features::{Feature, Input, Kind};
use crate::model::{Fit, Model, Term, Transform};
use domain::account::Product;
use jiff::civil::Date;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;
use std::fmt::Write as _;
use std::sync::LazyLock;
use toml::Spanned;

/// The only model format this build reads.
pub const FORMAT: i64 = 1;

/// Longest reason text, in characters (a line on a letter or a work-list tooltip).
pub const REASON_TEXT_MAX: usize = 120;

/// Longest reason code, in characters.
pub const REASON_CODE_MAX: usize = 8;

/// The model shipped with Arrears: a starting prior written by hand, not fitted.
pub const DEFAULT_FILE: (&str, &str) = ("model.toml", include_str!("../data/model.toml"));

static DEFAULT: LazyLock<Model> = LazyLock::new(|| {
    let (file, text) = DEFAULT_FILE;
    Model::parse(file, text).unwrap_or_else(|error| panic!("the built-in model: {error}"))
});

/// A model file that does not load: where and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModelError {
    pub file: String,
    /// 1-based line, when the problem has one.
    pub line: Option<usize>,
    /// The field at fault, e.g. `feature[3].weight`.
    pub field: String,
    pub reason: String,
}

impl fmt::Display for ModelError {
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

impl std::error::Error for ModelError {}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ModelFile {
    format: Spanned<i64>,
    version: Spanned<String>,
    intercept: Spanned<f64>,
    fit: Option<FitFile>,
    #[serde(default, rename = "feature")]
    features: Vec<Spanned<FeatureFile>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FitFile {
    fitted_on: Spanned<toml::value::Datetime>,
    samples: Spanned<i64>,
    positives: Spanned<i64>,
    auc: Spanned<f64>,
    holdout_auc: Option<Spanned<f64>>,
    l2: Spanned<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FeatureFile {
    name: Spanned<String>,
    transform: Spanned<String>,
    weight: Option<Spanned<f64>>,
    weights: Option<Spanned<BTreeMap<String, Spanned<f64>>>>,
    reference: Spanned<toml::Value>,
    reason: Spanned<String>,
    text_en: Spanned<String>,
    text_es: Spanned<String>,
    note: Option<String>,
}

/// A problem at a byte offset of the file.
type Problem = (usize, String, String);

fn problem<T>(spanned: &Spanned<T>, field: impl Into<String>, reason: String) -> Problem {
    (spanned.span().start, field.into(), reason)
}

impl Model {
    /// The built-in model (`data/model.toml`), parsed once.
    pub fn default_model() -> &'static Model {
        &DEFAULT
    }

    /// Parses and checks a model file. `file` names it in errors.
    pub fn parse(file: &str, text: &str) -> Result<Model, ModelError> {
        let error = |line: Option<usize>, field: String, reason: String| ModelError {
            file: file.to_string(),
            line,
            field,
            reason,
        };
        let parsed: ModelFile = toml::from_str(text).map_err(|problem| {
            let line = problem.span().map(|span| line_of(text, span.start));
            error(line, String::new(), problem.message().trim().to_string())
        })?;
        check(parsed).map_err(|failure| match failure {
            Failure::At((offset, field, reason)) => {
                error(Some(line_of(text, offset)), field, reason)
            }
            Failure::Whole(field, reason) => error(None, field, reason),
        })
    }

    /// The model as a file `parse` reads back equal, with comments for the reader.
    pub fn to_toml(&self) -> String {
        let mut out = String::new();
        let _ = write_model(self, &mut out);
        out
    }
}

enum Failure {
    At(Problem),
    Whole(String, String),
}

impl From<Problem> for Failure {
    fn from(problem: Problem) -> Failure {
        Failure::At(problem)
    }
}

fn check(parsed: ModelFile) -> Result<Model, Failure> {
    if *parsed.format.get_ref() != FORMAT {
        return Err(problem(
            &parsed.format,
            "format",
            format!(
                "this build reads format {FORMAT}, not {}",
                parsed.format.get_ref()
            ),
        )
        .into());
    }
    if parsed.version.get_ref().trim().is_empty() {
        return Err(problem(&parsed.version, "version", "must not be empty".into()).into());
    }
    let intercept = finite(&parsed.intercept, "intercept")?;
    let fit = parsed.fit.as_ref().map(check_fit).transpose()?;
    let mut terms: Vec<Term> = Vec::with_capacity(Feature::ALL.len());
    for (index, spanned) in parsed.features.iter().enumerate() {
        let prefix = format!("feature[{}]", index + 1);
        let term = check_term(&prefix, spanned.get_ref())?;
        if terms.iter().any(|earlier| earlier.feature == term.feature) {
            let name = &spanned.get_ref().name;
            return Err(problem(
                name,
                format!("{prefix}.name"),
                format!("`{}` appears twice", term.feature.name()),
            )
            .into());
        }
        if terms
            .iter()
            .any(|earlier| earlier.reason_code == term.reason_code)
        {
            let reason = &spanned.get_ref().reason;
            return Err(problem(
                reason,
                format!("{prefix}.reason"),
                format!("`{}` is another feature's reason code", term.reason_code),
            )
            .into());
        }
        terms.push(term);
    }
    if let Some(missing) = Feature::ALL
        .iter()
        .find(|feature| terms.iter().all(|term| term.feature != **feature))
    {
        return Err(Failure::Whole(
            "feature".into(),
            format!(
                "`{}` is missing: every feature is listed once ({})",
                missing.name(),
                Feature::names()
            ),
        ));
    }
    Ok(Model {
        version: parsed.version.into_inner(),
        intercept,
        terms,
        fit,
    })
}

fn finite(value: &Spanned<f64>, field: &str) -> Result<f64, Problem> {
    let number = *value.get_ref();
    if !number.is_finite() {
        return Err(problem(
            value,
            field,
            format!("{number} is not a finite number"),
        ));
    }
    Ok(number)
}

fn share(value: &Spanned<f64>, field: &str) -> Result<f64, Problem> {
    let number = finite(value, field)?;
    if !(0.0..=1.0).contains(&number) {
        return Err(problem(value, field, format!("{number} is not 0 … 1")));
    }
    Ok(number)
}

fn check_fit(fit: &FitFile) -> Result<Fit, Problem> {
    let date = fit.fitted_on.get_ref();
    let fitted_on = (date.time.is_none() && date.offset.is_none())
        .then(|| date.to_string().parse::<Date>().ok())
        .flatten()
        .ok_or_else(|| {
            problem(
                &fit.fitted_on,
                "fit.fitted_on",
                format!("`{date}` is not a date (YYYY-MM-DD)"),
            )
        })?;
    let count = |value: &Spanned<i64>, field: &str| {
        u64::try_from(*value.get_ref())
            .map_err(|_| problem(value, field, format!("{} is below 0", value.get_ref())))
    };
    let samples = count(&fit.samples, "fit.samples")?;
    let positives = count(&fit.positives, "fit.positives")?;
    if positives > samples {
        return Err(problem(
            &fit.positives,
            "fit.positives",
            format!("{positives} is more than the {samples} samples"),
        ));
    }
    let l2 = finite(&fit.l2, "fit.l2")?;
    if l2 < 0.0 {
        return Err(problem(&fit.l2, "fit.l2", format!("{l2} is below 0")));
    }
    Ok(Fit {
        fitted_on,
        samples,
        positives,
        auc: share(&fit.auc, "fit.auc")?,
        holdout_auc: fit
            .holdout_auc
            .as_ref()
            .map(|auc| share(auc, "fit.holdout_auc"))
            .transpose()?,
        l2,
    })
}

fn check_term(prefix: &str, file: &FeatureFile) -> Result<Term, Problem> {
    let field = |name: &str| format!("{prefix}.{name}");
    let feature = Feature::parse(file.name.get_ref()).ok_or_else(|| {
        problem(
            &file.name,
            field("name"),
            format!(
                "unknown feature `{}`; known: {}",
                file.name.get_ref(),
                Feature::names()
            ),
        )
    })?;
    let transform = Transform::parse(file.transform.get_ref()).ok_or_else(|| {
        problem(
            &file.transform,
            field("transform"),
            format!(
                "unknown transform `{}`; known: identity, log1p, cap:N, recency:N, indicator, \
                 one_hot (N a whole number 1 … {})",
                file.transform.get_ref(),
                crate::model::TRANSFORM_PARAMETER_MAX
            ),
        )
    })?;
    if !transform.fits(feature.kind()) {
        return Err(problem(
            &file.transform,
            field("transform"),
            format!(
                "`{transform}` does not apply to `{}`; it takes {}",
                feature.name(),
                transforms_for(feature.kind())
            ),
        ));
    }
    let weights = weights(prefix, file, transform)?;
    let reference = reference(&field("reference"), &file.reference, feature.kind())?;
    let reason_code = file.reason.get_ref();
    let code_ok = (1..=REASON_CODE_MAX).contains(&reason_code.len())
        && reason_code
            .bytes()
            .all(|byte| byte.is_ascii_uppercase() || byte.is_ascii_digit());
    if !code_ok {
        return Err(problem(
            &file.reason,
            field("reason"),
            format!(
                "`{reason_code}` is not a reason code: 1 … {REASON_CODE_MAX} capital letters \
                 and digits, e.g. R03"
            ),
        ));
    }
    let text = |value: &Spanned<String>, name: &str| {
        let length = value.get_ref().trim().chars().count();
        if !(1..=REASON_TEXT_MAX).contains(&length) {
            return Err(problem(
                value,
                field(name),
                format!("must be 1 … {REASON_TEXT_MAX} characters, not {length}"),
            ));
        }
        Ok(value.get_ref().clone())
    };
    Ok(Term {
        feature,
        transform,
        weights,
        reference,
        reason_code: reason_code.clone(),
        reason_en: text(&file.text_en, "text_en")?,
        reason_es: text(&file.text_es, "text_es")?,
        note: file.note.clone(),
    })
}

fn transforms_for(kind: Kind) -> &'static str {
    match kind {
        Kind::Flag => "indicator",
        Kind::Number => "identity, log1p, cap:N or indicator",
        Kind::OptionalNumber => "recency:N",
        Kind::Product => "one_hot",
    }
}

/// `weight = w` for one column, a `weights` table by product code for `one_hot`.
fn weights(prefix: &str, file: &FeatureFile, transform: Transform) -> Result<Vec<f64>, Problem> {
    let field = |name: &str| format!("{prefix}.{name}");
    if transform != Transform::OneHot {
        if let Some(table) = &file.weights {
            return Err(problem(
                table,
                field("weights"),
                format!("only `one_hot` takes a weights table; `{transform}` takes `weight`"),
            ));
        }
        let Some(weight) = &file.weight else {
            return Err(problem(&file.name, field("weight"), "is required".into()));
        };
        return Ok(vec![finite(weight, &field("weight"))?]);
    }
    if let Some(weight) = &file.weight {
        return Err(problem(
            weight,
            field("weight"),
            "`one_hot` takes a `weights` table, one weight per product code".into(),
        ));
    }
    let Some(table) = &file.weights else {
        return Err(problem(
            &file.name,
            field("weights"),
            format!("is required: one weight per product ({})", Product::codes()),
        ));
    };
    for (code, weight) in table.get_ref() {
        if Product::parse(code).is_none() {
            return Err(problem(
                weight,
                field(&format!("weights.{code}")),
                format!("unknown product `{code}`; known: {}", Product::codes()),
            ));
        }
    }
    Product::ALL
        .iter()
        .map(|product| {
            let name = field(&format!("weights.{}", product.code()));
            match table.get_ref().get(product.code()) {
                Some(weight) => finite(weight, &name),
                None => Err(problem(
                    table,
                    name,
                    "is missing: every product code has a weight".into(),
                )),
            }
        })
        .collect()
}

fn reference(field: &str, value: &Spanned<toml::Value>, kind: Kind) -> Result<Input, Problem> {
    let wrong = |expected: &str| {
        problem(
            value,
            field,
            format!("`{}` is not {expected}", value.get_ref()),
        )
    };
    match (kind, value.get_ref()) {
        (Kind::Flag, toml::Value::Boolean(flag)) => Ok(Input::Flag(*flag)),
        (Kind::Flag, _) => Err(wrong("true or false")),
        (Kind::Number | Kind::OptionalNumber, toml::Value::Integer(number)) => {
            // Exact for any reference a person writes (below 2^53).
            Ok(Input::Number(*number as f64))
        }
        (Kind::Number | Kind::OptionalNumber, toml::Value::Float(number)) if number.is_finite() => {
            Ok(Input::Number(*number))
        }
        (Kind::Number | Kind::OptionalNumber, _) => Err(wrong("a finite number")),
        (Kind::Product, toml::Value::String(code)) => Product::parse(code)
            .map(Input::Product)
            .ok_or_else(|| wrong(&format!("a product code ({})", Product::codes()))),
        (Kind::Product, _) => Err(wrong("a product code")),
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|byte| **byte == b'\n')
        .count()
        + 1
}

/// Shortest text that reads back as the same `f64`, always with a `.` or an exponent so
/// TOML reads a float.
fn float(value: f64) -> String {
    assert!(value.is_finite(), "{value} in a model");
    format!("{value:?}")
}

fn string(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

/// The model as the Markdown tables of docs/scoring.md: one row per feature in the
/// model's order, then the product weights.
pub fn markdown_tables(model: &Model) -> String {
    let mut out = String::new();
    out.push_str(
        "| Code | Feature | Transform | Weight | Reference | Reason (en) | Reason (es) |\n",
    );
    out.push_str("|---|---|---|---|---|---|---|\n");
    for term in &model.terms {
        let weight = match term.transform {
            Transform::OneHot => "per product, below".to_string(),
            _ => float(term.weights[0]),
        };
        let reference = match term.reference {
            Input::Flag(flag) => flag.to_string(),
            Input::Number(number) => format!("{number}"),
            Input::Product(product) => product.code().to_string(),
            Input::Missing => unreachable!("a reference is never missing"),
        };
        out.push_str(&format!(
            "| {} | `{}` | `{}` | {weight} | {reference} | {} | {} |\n",
            term.reason_code,
            term.feature.name(),
            term.transform,
            term.reason_en,
            term.reason_es
        ));
    }
    let products = model
        .terms
        .iter()
        .find(|term| term.transform == Transform::OneHot)
        .expect("`product` takes only `one_hot`");
    out.push_str("\n| Product | Weight |\n|---|---|\n");
    for (product, weight) in Product::ALL.iter().zip(&products.weights) {
        out.push_str(&format!("| `{}` | {} |\n", product.code(), float(*weight)));
    }
    out.push_str(&format!("\nIntercept: {}.\n", float(model.intercept)));
    out
}

fn write_model(model: &Model, out: &mut String) -> fmt::Result {
    writeln!(out, "# Arrears propensity-to-pay model (docs/scoring.md).")?;
    writeln!(
        out,
        "# score = round(1000 × 1 / (1 + e^−(intercept + Σ weight × transform(value))))"
    )?;
    match &model.fit {
        None => writeln!(
            out,
            "# Weights written by hand: a starting prior, not fitted."
        )?,
        Some(_) => writeln!(out, "# Weights fitted by `refit`; see [fit].")?,
    }
    writeln!(out)?;
    writeln!(out, "format = {FORMAT}")?;
    writeln!(out, "version = {}", string(&model.version))?;
    writeln!(out, "intercept = {}", float(model.intercept))?;
    if let Some(fit) = &model.fit {
        writeln!(out)?;
        writeln!(out, "[fit]")?;
        writeln!(out, "fitted_on = {}", fit.fitted_on)?;
        writeln!(out, "samples = {}", fit.samples)?;
        writeln!(out, "positives = {}", fit.positives)?;
        writeln!(out, "auc = {}", float(fit.auc))?;
        if let Some(holdout_auc) = fit.holdout_auc {
            writeln!(out, "holdout_auc = {}", float(holdout_auc))?;
        }
        writeln!(out, "l2 = {}", float(fit.l2))?;
    }
    for term in &model.terms {
        write_term(term, out)?;
    }
    Ok(())
}

fn write_term(term: &Term, out: &mut String) -> fmt::Result {
    writeln!(out)?;
    writeln!(
        out,
        "# {} {}: {}",
        term.reason_code,
        term.feature.name(),
        term.transform.meaning()
    )?;
    writeln!(out, "[[feature]]")?;
    writeln!(out, "name = {}", string(term.feature.name()))?;
    writeln!(out, "transform = {}", string(&term.transform.to_string()))?;
    if term.transform != Transform::OneHot {
        writeln!(out, "weight = {}", float(term.weights[0]))?;
    }
    let reference = match term.reference {
        Input::Flag(flag) => flag.to_string(),
        Input::Number(number) => float(number),
        Input::Product(product) => string(product.code()),
        Input::Missing => unreachable!("a reference is never missing (checked when parsed)"),
    };
    writeln!(out, "reference = {reference}")?;
    writeln!(out, "reason = {}", string(&term.reason_code))?;
    writeln!(out, "text_en = {}", string(&term.reason_en))?;
    writeln!(out, "text_es = {}", string(&term.reason_es))?;
    if let Some(note) = &term.note {
        writeln!(out, "note = {}", string(note))?;
    }
    if term.transform == Transform::OneHot {
        writeln!(out, "[feature.weights]")?;
        for (product, weight) in Product::ALL.iter().zip(&term.weights) {
            writeln!(out, "{} = {}", product.code(), float(*weight))?;
        }
    }
    Ok(())
}
