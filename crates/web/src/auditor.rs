//! The auditor's pages: the audit log and the compliance decision log with their
//! filters, paging (newest first), CSV exports of the filtered rows, and the button that
//! verifies the audit chain as `arrears audit verify` does. Handlers parse the query
//! into `app::model::logs` filters and call `app::auditor`.

use crate::AppState;
use crate::auth::Signed;
use crate::error::{AppError, FieldError};
use crate::i18n::Words;
use crate::nav::{Frame, framed};
use app::model::logs::{AuditFilter, DecisionFilter};
use askama::Template;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;

/// The audit log's filters as typed (kept to fill the form again).
#[derive(Clone, Default, Deserialize)]
pub struct AuditQuery {
    #[serde(default)]
    pub(crate) from: String,
    #[serde(default)]
    pub(crate) until: String,
    #[serde(default)]
    pub(crate) actor: String,
    #[serde(default)]
    pub(crate) action: String,
    #[serde(default)]
    pub(crate) entity: String,
    #[serde(default)]
    pub(crate) page: i64,
}

/// The decision log's filters as typed.
#[derive(Clone, Default, Deserialize)]
pub struct DecisionQuery {
    #[serde(default)]
    pub(crate) from: String,
    #[serde(default)]
    pub(crate) until: String,
    #[serde(default)]
    pub(crate) account: String,
    #[serde(default)]
    pub(crate) rule: String,
    /// `allow`, `deny` or empty.
    #[serde(default)]
    pub(crate) decision: String,
    #[serde(default)]
    pub(crate) channel: String,
    #[serde(default)]
    pub(crate) page: i64,
}

pub(crate) struct AuditRow {
    pub(crate) seq: i64,
    pub(crate) at: String,
    pub(crate) actor: String,
    pub(crate) action: String,
    pub(crate) entity: String,
    pub(crate) entity_key: String,
    pub(crate) reason: String,
}

pub(crate) struct DecisionLine {
    pub(crate) id: i64,
    pub(crate) at: String,
    pub(crate) account: String,
    pub(crate) actor: String,
    pub(crate) channel: String,
    pub(crate) allowed: bool,
    pub(crate) rules: String,
}

#[derive(Template)]
#[template(path = "audit_log.html")]
pub(crate) struct AuditPage {
    pub(crate) frame: Frame,
    pub(crate) filter: AuditQuery,
    pub(crate) errors: Vec<FieldError>,
    pub(crate) rows: Vec<AuditRow>,
    /// The filter's query string without the page (for the export and paging links).
    pub(crate) params: String,
    pub(crate) previous: Option<i64>,
    pub(crate) next: Option<i64>,
    /// The verification's outcome, once asked: (intact, message).
    pub(crate) verified: Option<(bool, String)>,
}

#[derive(Template)]
#[template(path = "decision_log.html")]
pub(crate) struct DecisionPage {
    pub(crate) frame: Frame,
    pub(crate) filter: DecisionQuery,
    pub(crate) errors: Vec<FieldError>,
    pub(crate) rows: Vec<DecisionLine>,
    pub(crate) params: String,
    pub(crate) previous: Option<i64>,
    pub(crate) next: Option<i64>,
    /// The contract's action codes, the channels a decision is about.
    pub(crate) channels: Vec<&'static str>,
}

/// The message of the error on `field`, or nothing.
fn error_of(errors: &[FieldError], field: &str) -> String {
    errors
        .iter()
        .find(|error| error.field == field)
        .map(|error| error.message.clone())
        .unwrap_or_default()
}

impl AuditPage {
    pub(crate) fn error(&self, field: &str) -> String {
        error_of(&self.errors, field)
    }
}

impl DecisionPage {
    pub(crate) fn error(&self, field: &str) -> String {
        error_of(&self.errors, field)
    }
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|byte| {
            if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
                (byte as char).to_string()
            } else {
                format!("%{byte:02X}")
            }
        })
        .collect()
}

fn params(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .filter(|(_, value)| !value.trim().is_empty())
        .map(|(key, value)| format!("{key}={}", encode(value.trim())))
        .collect::<Vec<_>>()
        .join("&")
}

/// `from` and `until` (both days included) as instants in the business zone, each
/// unreadable one named.
fn range(
    state: &AppState,
    t: Words,
    from: &str,
    until: &str,
    errors: &mut Vec<FieldError>,
) -> (Option<jiff::Timestamp>, Option<jiff::Timestamp>) {
    let mut day = |field: &str, text: &str, days_after: i64| {
        let text = text.trim();
        if text.is_empty() {
            return None;
        }
        let parsed = text
            .parse::<jiff::civil::Date>()
            .ok()
            .and_then(|date| date.checked_add(jiff::Span::new().days(days_after)).ok())
            .and_then(|date| {
                state
                    .business_zone
                    .to_timestamp(date.to_datetime(jiff::civil::Time::midnight()))
                    .ok()
            });
        if parsed.is_none() {
            errors.push(FieldError {
                field: field.into(),
                message: t.get("roles.logs.bad_date").into(),
            });
        }
        parsed
    };
    (day("from", from, 0), day("until", until, 1))
}

fn some(text: &str) -> Option<String> {
    Some(text.trim().to_string()).filter(|text| !text.is_empty())
}

fn audit_filter(state: &AppState, t: Words, query: &AuditQuery) -> (AuditFilter, Vec<FieldError>) {
    let mut errors = Vec::new();
    let (from, until) = range(state, t, &query.from, &query.until, &mut errors);
    let filter = AuditFilter {
        from,
        until,
        actor: some(&query.actor),
        action: some(&query.action),
        entity: some(&query.entity),
    };
    (filter, errors)
}

fn decision_filter(
    state: &AppState,
    t: Words,
    query: &DecisionQuery,
) -> (DecisionFilter, Vec<FieldError>) {
    let mut errors = Vec::new();
    let (from, until) = range(state, t, &query.from, &query.until, &mut errors);
    let allowed = match query.decision.trim() {
        "allow" => Some(true),
        "deny" => Some(false),
        _ => None,
    };
    let filter = DecisionFilter {
        from,
        until,
        account_ref: some(&query.account),
        rule: some(&query.rule),
        allowed,
        channel: some(&query.channel),
    };
    (filter, errors)
}

fn local(state: &AppState, instant: jiff::Timestamp) -> String {
    instant
        .to_zoned_datetime(state.business_zone.clone())
        .strftime("%Y-%m-%d %H:%M:%S %Z")
        .to_string()
}

fn audit_params(query: &AuditQuery) -> String {
    params(&[
        ("from", &query.from),
        ("until", &query.until),
        ("actor", &query.actor),
        ("action", &query.action),
        ("entity", &query.entity),
    ])
}

async fn audit_page(
    state: &AppState,
    signed: &Signed,
    query: AuditQuery,
    verified: Option<(bool, String)>,
) -> Result<Response, AppError> {
    let user = signed.user();
    let t = Words::new(user.language);
    let (filter, errors) = audit_filter(state, t, &query);
    let page = query.page.max(0);
    let entries = if errors.is_empty() {
        state.app.audit_events(user, &filter, page).await?
    } else {
        // The role is checked even when the filters are refused.
        app::require(user, domain::permission::Permission::ReadAudit)?;
        Vec::new()
    };
    let full = entries.len() as i64 == app::auditor::LOG_PAGE_ROWS;
    let rows = entries
        .into_iter()
        .map(|entry| AuditRow {
            seq: entry.seq,
            at: jiff::Timestamp::from_microsecond(entry.recorded_at_us)
                .map(|at| local(state, at))
                .unwrap_or_default(),
            actor: entry.actor,
            action: entry.action,
            entity: entry.entity,
            entity_key: entry.entity_key,
            reason: entry.reason,
        })
        .collect();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page_view = AuditPage {
        frame: Frame::of(signed),
        params: audit_params(&query),
        previous: (page > 0).then(|| page - 1),
        next: full.then(|| page + 1),
        filter: query,
        errors,
        rows,
        verified,
    };
    Ok((status, Html(page_view.render()?)).into_response())
}

pub async fn audit_log(
    State(state): State<AppState>,
    signed: Signed,
    Query(query): Query<AuditQuery>,
) -> Result<Response, AppError> {
    audit_page(&state, &signed, query, None).await
}

fn csv(name: &str, body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response()
}

pub async fn audit_export(
    State(state): State<AppState>,
    signed: Signed,
    Query(query): Query<AuditQuery>,
) -> Result<Response, AppError> {
    let user = signed.user();
    let (filter, errors) = audit_filter(&state, Words::new(user.language), &query);
    if !errors.is_empty() {
        return audit_page(&state, &signed, query, None).await;
    }
    Ok(csv(
        "audit-log.csv",
        state.app.audit_csv(user, &filter).await?,
    ))
}

#[derive(Deserialize)]
pub struct VerifyForm {
    #[serde(default)]
    pub(crate) csrf: String,
}

pub async fn verify(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Form(form): Form<VerifyForm>,
) -> Result<Response, AppError> {
    signed.check_csrf(&headers, &form.csrf)?;
    let user = signed.user();
    let t = Words::new(user.language);
    let report = state.app.verify_audit_chain(user).await?;
    let verified = match report.broken {
        None => (
            true,
            format!(
                "{} {} · {} {} · {} {} · {} {} · {} #{} {}",
                t.get("roles.verify.intact"),
                report.events,
                t.get("roles.verify.events"),
                report.ledger_entries,
                t.get("roles.verify.entries"),
                report.decisions,
                t.get("roles.verify.decisions"),
                report.sealed_rows,
                t.get("roles.verify.sealed"),
                report.head_seq,
                report.head_hash
            ),
        ),
        Some(broken) => (false, format!("{} {broken}", t.get("roles.verify.broken"))),
    };
    audit_page(&state, &signed, AuditQuery::default(), Some(verified)).await
}

async fn decision_page(
    state: &AppState,
    signed: &Signed,
    query: DecisionQuery,
) -> Result<Response, AppError> {
    let user = signed.user();
    let t = Words::new(user.language);
    let (filter, errors) = decision_filter(state, t, &query);
    let page = query.page.max(0);
    let found = if errors.is_empty() {
        state.app.decision_log(user, &filter, page).await?
    } else {
        app::require(user, domain::permission::Permission::ReadAudit)?;
        Vec::new()
    };
    let full = found.len() as i64 == app::auditor::LOG_PAGE_ROWS;
    let rows = found
        .into_iter()
        .map(|row| DecisionLine {
            id: row.id,
            at: local(state, row.decided_at),
            account: format!("{} {}", row.creditor, row.account_ref),
            actor: row.actor,
            channel: row.channel,
            allowed: row.allowed,
            rules: row.rules.join(", "),
        })
        .collect();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let view = DecisionPage {
        frame: Frame::of(signed),
        params: params(&[
            ("from", &query.from),
            ("until", &query.until),
            ("account", &query.account),
            ("rule", &query.rule),
            ("decision", &query.decision),
            ("channel", &query.channel),
        ]),
        previous: (page > 0).then(|| page - 1),
        next: full.then(|| page + 1),
        filter: query,
        errors,
        rows,
        channels: compliance::facts::Action::ALL
            .iter()
            .map(|action| action.code())
            .collect(),
    };
    Ok((status, Html(view.render()?)).into_response())
}

pub async fn decision_log(
    State(state): State<AppState>,
    signed: Signed,
    Query(query): Query<DecisionQuery>,
) -> Result<Response, AppError> {
    decision_page(&state, &signed, query).await
}

pub async fn decision_export(
    State(state): State<AppState>,
    signed: Signed,
    Query(query): Query<DecisionQuery>,
) -> Result<Response, AppError> {
    let user = signed.user();
    let (filter, errors) = decision_filter(&state, Words::new(user.language), &query);
    if !errors.is_empty() {
        return decision_page(&state, &signed, query).await;
    }
    Ok(csv(
        "compliance-decisions.csv",
        state.app.decisions_csv(user, &filter).await?,
    ))
}

framed!(AuditPage, DecisionPage);
