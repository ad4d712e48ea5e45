//! Messages in the browser: the consumer's opt-out page (no sign-in: the signed link is
//! the authority), the supervisors' outbox and the queries queue. Thin: each handler
//! parses, calls `app::messages`, renders.

use crate::AppState;
use crate::auth::Signed;
use crate::error::AppError;
use crate::i18n::Words;
use crate::workspace::account_href;
use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use domain::party::Language;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "unsubscribe.html")]
struct UnsubscribePage {
    en: Words,
    es: Words,
    valid: bool,
    done: bool,
    address: String,
}

fn unsubscribe_page(valid: bool, done: bool, address: String) -> Result<Response, AppError> {
    let status = if valid {
        StatusCode::OK
    } else {
        StatusCode::NOT_FOUND
    };
    let page = UnsubscribePage {
        en: Words::new(Language::En),
        es: Words::new(Language::Es),
        valid,
        done,
        address,
    };
    Ok((status, Html(page.render()?)).into_response())
}

/// GET: the confirmation page with its button (a link scanner that follows links opts
/// nobody out).
pub async fn unsubscribe_form(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    match state.app.opt_out_address(&token) {
        Some(address) => unsubscribe_page(true, false, address),
        None => unsubscribe_page(false, false, String::new()),
    }
}

/// POST: opts out at once — what the button sends, and what mail providers send for
/// `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058: no session, no CSRF
/// token; the signed link is the authority).
pub async fn unsubscribe(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    match state.app.opt_out_by_link(&token).await? {
        Some(_) => unsubscribe_page(
            true,
            true,
            state.app.opt_out_address(&token).unwrap_or_default(),
        ),
        None => unsubscribe_page(false, false, String::new()),
    }
}

pub(crate) struct OutboxLine {
    id: i64,
    account: String,
    href: String,
    channel: String,
    recipient: String,
    subject: String,
    state: String,
    failed: bool,
    attempts: i64,
    next: String,
    error: String,
}

#[derive(Template)]
#[template(path = "outbox.html")]
struct OutboxPage {
    t: Words,
    csrf: String,
    nav: crate::nav::Nav,
    username: String,
    query: String,
    flash: String,
    /// (state code, label, count).
    counts: Vec<(String, String, i64)>,
    problems: Vec<OutboxLine>,
}

#[derive(Deserialize)]
pub struct DoneQuery {
    #[serde(default)]
    done: String,
}

fn local_time(state: &AppState, at: jiff::Timestamp) -> String {
    state
        .business_zone
        .to_datetime(at)
        .strftime("%Y-%m-%d %H:%M")
        .to_string()
}

/// The supervisors' outbox: messages per state, failures with their last error, retry.
pub async fn outbox(
    State(state): State<AppState>,
    signed: Signed,
    Query(query): Query<DoneQuery>,
) -> Result<Response, AppError> {
    let user = signed.user();
    let t = Words::new(user.language);
    let view = state.app.outbox(user).await?;
    let counts = view
        .counts
        .into_iter()
        .map(|(code, count)| {
            let label = t.get(&format!("outbox.state.{code}")).to_string();
            (code, label, count)
        })
        .collect();
    let problems = view
        .problems
        .into_iter()
        .map(|row| OutboxLine {
            id: row.id,
            account: account_label(&row.account),
            href: account_link(&row.account),
            channel: row.channel,
            recipient: row.recipient,
            subject: if row.subject.is_empty() {
                row.body_text.chars().take(80).collect()
            } else {
                row.subject
            },
            state: t.get(&format!("outbox.state.{}", row.state)).to_string(),
            failed: row.state == "failed",
            attempts: row.attempts,
            next: if row.state == "queued" {
                local_time(&state, row.next_attempt_at)
            } else {
                String::new()
            },
            error: row.last_error.unwrap_or_default(),
        })
        .collect();
    let page = OutboxPage {
        flash: if query.done == "retried" {
            t.get("outbox.retried").to_string()
        } else {
            String::new()
        },
        t,
        csrf: signed.0.csrf_token.clone(),
        nav: crate::nav::Nav::of(user),
        username: user.username.clone(),
        query: String::new(),
        counts,
        problems,
    };
    Ok(Html(page.render()?).into_response())
}

#[derive(Template)]
#[template(path = "outbox_message.html")]
struct MessagePage {
    t: Words,
    csrf: String,
    nav: crate::nav::Nav,
    username: String,
    query: String,
    id: i64,
    account: String,
    href: String,
    channel: String,
    recipient: String,
    state: String,
    created: String,
    attempts: i64,
    error: String,
    subject: String,
    body: String,
    headers: String,
}

/// One message as it was sent (the content behind a timeline entry), for supervisors.
pub async fn outbox_message(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let user = signed.user();
    let t = Words::new(user.language);
    let row = state.app.outbox_message_for(user, id).await?;
    let page = MessagePage {
        csrf: signed.0.csrf_token.clone(),
        nav: crate::nav::Nav::of(user),
        username: user.username.clone(),
        query: String::new(),
        id: row.id,
        account: account_label(&row.account),
        href: account_link(&row.account),
        channel: row.channel,
        recipient: row.recipient,
        state: t.get(&format!("outbox.state.{}", row.state)).to_string(),
        created: local_time(&state, row.created_at),
        attempts: row.attempts,
        error: row.last_error.unwrap_or_default(),
        subject: row.subject,
        body: row.body_text,
        headers: row
            .headers
            .iter()
            .map(|(name, value)| format!("{name}: {value}\n"))
            .collect(),
        t,
    };
    Ok(Html(page.render()?).into_response())
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

/// A supervisor queues a failed message again.
pub async fn retry(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, AppError> {
    signed.check_csrf(&headers, &form.csrf)?;
    state.app.retry_message(signed.user(), id).await?;
    Ok(Redirect::to("/outbox?done=retried").into_response())
}

/// The SMS provider's inbound webhook (`POST /api/v1/sms/inbound`, form fields `From`,
/// `To`, `Body`; in `api::WEBHOOKS`): authenticated by the HMAC-SHA256 of the raw body
/// in `X-Arrears-Signature` (docs/messages.md), not by a session or token; anything else
/// gets 401 and changes nothing.
pub(crate) async fn sms_inbound(
    state: AppState,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    use app::messages::inbound::{SMS_SIGNATURE_HEADER, SmsInboundError, SmsReply};
    use app::views::{ErrorBody, FieldError, SmsInboundReply};
    let signature = headers
        .get(SMS_SIGNATURE_HEADER)
        .and_then(|value| value.to_str().ok());
    let error = |status: StatusCode, error: &str, fields: Vec<FieldError>| {
        (
            status,
            axum::Json(ErrorBody {
                error: error.to_string(),
                fields,
            }),
        )
            .into_response()
    };
    match state.app.sms_inbound(&body, signature).await {
        Ok(reply) => {
            let mut answer = SmsInboundReply {
                outcome: String::new(),
                newly: None,
                confirmation_queued: None,
                queued: None,
                detail: None,
            };
            match reply {
                SmsReply::OptedOut {
                    newly,
                    confirmation,
                } => {
                    answer.outcome = "opted_out".into();
                    answer.newly = Some(newly);
                    answer.confirmation_queued = Some(confirmation);
                }
                SmsReply::Help { queued } => {
                    answer.outcome = "help".into();
                    answer.queued = Some(queued);
                }
                SmsReply::Query(landed) => {
                    answer.outcome = "query".into();
                    answer.detail = Some(landed.to_string());
                }
            }
            (StatusCode::OK, axum::Json(answer)).into_response()
        }
        Err(SmsInboundError::Unauthorized) => error(
            StatusCode::UNAUTHORIZED,
            "the request is not signed with the webhook secret",
            Vec::new(),
        ),
        Err(SmsInboundError::Missing(field)) => error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid input",
            vec![FieldError {
                field: field.to_string(),
                message: "missing".into(),
            }],
        ),
        Err(SmsInboundError::App(failure)) => {
            tracing::error!("sms inbound: {failure}");
            error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal error",
                Vec::new(),
            )
        }
    }
}

/// A query as the desk's timeline shows it: when it came, and its text (the subject
/// of an email first) with whether it was answered — by whom, with what note — or by
/// when it is to be.
pub(crate) fn timeline_query(
    t: Words,
    query: &app::model::messages::QueryRow,
    zone: &jiff::tz::TimeZone,
) -> (jiff::Timestamp, String) {
    let said = if query.subject.is_empty() {
        format!("“{}”", query.body)
    } else {
        format!("{} — “{}”", query.subject, query.body)
    };
    let state = match (&query.answered_at, &query.answer_note) {
        (Some(_), note) if query.state == "answered" => t
            .get("timeline.query.answered")
            .replace("{who}", query.answered_by.as_deref().unwrap_or("?"))
            .replace("{note}", note.as_deref().unwrap_or("")),
        _ => t.get("timeline.query.open").replace(
            "{due}",
            &zone
                .to_datetime(query.due_at)
                .strftime("%Y-%m-%d %H:%M")
                .to_string(),
        ),
    };
    (query.received_at, format!("{said} · {state}"))
}

pub(crate) struct QueryLine {
    id: i64,
    account: String,
    href: String,
    channel: String,
    from: String,
    subject: String,
    body: String,
    received: String,
    due: String,
    overdue: bool,
    error: bool,
}

#[derive(Template)]
#[template(path = "queries.html")]
struct QueriesPage {
    t: Words,
    csrf: String,
    nav: crate::nav::Nav,
    username: String,
    query: String,
    flash: String,
    rows: Vec<QueryLine>,
}

async fn queries_page(
    state: &AppState,
    signed: &Signed,
    flash: String,
    refused: Option<i64>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let user = signed.user();
    let t = Words::new(user.language);
    let rows = state
        .app
        .queries(user)
        .await?
        .into_iter()
        .filter(|item| item.query.state == "open")
        .map(|item| {
            let query = item.query;
            QueryLine {
                id: query.id,
                account: account_label(&query.account),
                href: account_link(&query.account),
                channel: query.channel,
                from: query.from_value,
                subject: query.subject,
                body: query.body,
                received: local_time(state, query.received_at),
                due: local_time(state, query.due_at),
                overdue: item.overdue,
                error: refused == Some(query.id),
            }
        })
        .collect();
    let page = QueriesPage {
        t,
        csrf: signed.0.csrf_token.clone(),
        nav: crate::nav::Nav::of(user),
        username: user.username.clone(),
        query: String::new(),
        flash,
        rows,
    };
    Ok((status, Html(page.render()?)).into_response())
}

/// The queries queue agents and supervisors work: open ones by due instant, overdue
/// marked.
pub async fn queries(
    State(state): State<AppState>,
    signed: Signed,
    Query(query): Query<DoneQuery>,
) -> Result<Response, AppError> {
    let t = Words::new(signed.user().language);
    let flash = if query.done == "answered" {
        t.get("queries.answered").to_string()
    } else {
        String::new()
    };
    queries_page(&state, &signed, flash, None, StatusCode::OK).await
}

#[derive(Deserialize)]
pub struct AnswerForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    note: String,
}

/// Marks a query answered with a note (audited).
pub async fn answer_query(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<AnswerForm>,
) -> Result<Response, AppError> {
    signed.check_csrf(&headers, &form.csrf)?;
    match state.app.answer_query(signed.user(), id, &form.note).await {
        Ok(()) => Ok(Redirect::to("/queries?done=answered").into_response()),
        Err(app::messages::inbound::QueryProblem::Note) => {
            queries_page(
                &state,
                &signed,
                String::new(),
                Some(id),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(app::messages::inbound::QueryProblem::App(error)) => Err(error.into()),
    }
}

/// "CREDITOR REF" of a message's or query's account, or nothing when it matched none.
fn account_label(account: &Option<(String, String)>) -> String {
    account
        .as_ref()
        .map(|(creditor, account_ref)| format!("{creditor} {account_ref}"))
        .unwrap_or_default()
}

/// The desk's address of a message's or query's account, or nothing when it matched none.
fn account_link(account: &Option<(String, String)>) -> String {
    account
        .as_ref()
        .map(|(creditor, account_ref)| account_href(creditor, account_ref))
        .unwrap_or_default()
}
