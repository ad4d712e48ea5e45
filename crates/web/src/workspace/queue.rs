//! The work queue and "Next account".

use super::*;

// ---------------------------------------------------------------- the queue

pub(crate) struct CallbackRow {
    pub(crate) href: String,
    pub(crate) label: String,
    /// "due now", or "waiting: allowed from …" — what "Next account" would do now.
    pub(crate) due: String,
    pub(crate) waiting: bool,
    /// Why it waits (the rules that forbid a call now).
    pub(crate) reason: String,
}

#[derive(Template)]
#[template(path = "queue.html")]
pub(crate) struct QueuePage {
    pub(crate) t: Words,
    pub(crate) csrf: String,
    pub(crate) nav: crate::nav::Nav,
    pub(crate) username: String,
    pub(crate) query: String,
    pub(crate) remaining: String,
    pub(crate) message: String,
    pub(crate) callbacks: Vec<CallbackRow>,
}

/// A due callback as the queue lists it: due now only when "Next account" would hand
/// it out now.
fn callback_row(t: Words, callback: &app::queue::DueCallback) -> CallbackRow {
    use app::queue::CallbackState;
    let candidate = &callback.candidate;
    let (due, waiting, reason) = match &callback.state {
        CallbackState::DueNow => (t.get("queue.due_now").to_string(), false, String::new()),
        CallbackState::NoPhone => (t.get("queue.no_phone").to_string(), true, String::new()),
        CallbackState::Waiting(asked) => {
            let due = match asked.answer.next_allowed_at {
                Some(at) => format!(
                    "{} {}",
                    t.get("queue.waiting"),
                    local(at, &asked.zones.display())
                ),
                None => t.get("queue.waiting_never").to_string(),
            };
            (due, true, reason_text(asked))
        }
    };
    CallbackRow {
        href: account_href(&candidate.creditor, &candidate.account_ref),
        label: format!("{} {}", candidate.creditor, candidate.account_ref),
        due,
        waiting,
        reason,
    }
}

/// The rules that forbid, as one line.
fn reason_text(asked: &Asked) -> String {
    reasons(asked)
        .iter()
        .map(|reason| reason.message.clone())
        .collect::<Vec<_>>()
        .join("; ")
}

/// A callback refused at scheduling, next to its field: why, and from when a call
/// would be allowed.
pub(crate) fn callback_problem(t: Words, problem: &CallbackProblem) -> FieldError {
    match problem {
        CallbackProblem::NotInFuture => field("at", t, "error.when"),
        CallbackProblem::Refused(asked) => {
            let next = asked
                .answer
                .next_allowed_at
                .map(|at| local(at, &asked.zones.display()))
                .unwrap_or_else(|| t.get("compliance.never").into());
            FieldError {
                field: "at".into(),
                message: format!(
                    "{}: {} — {} {next}",
                    t.get("callback.refused"),
                    reason_text(asked),
                    t.get("callback.allowed_from"),
                ),
            }
        }
    }
}

pub(crate) async fn queue_page(
    state: &AppState,
    signed: &Signed,
    message: String,
    status: StatusCode,
) -> Result<Response, AppError> {
    let user = signed.user();
    let t = words(user);
    let queue = state.app.queue(user).await?;
    let remaining = if queue.more {
        format!("{}+", queue.remaining)
    } else {
        queue.remaining.to_string()
    };
    let callbacks = queue
        .callbacks
        .iter()
        .map(|callback| callback_row(t, callback))
        .collect();
    let page = QueuePage {
        t,
        csrf: signed.0.csrf_token.clone(),
        nav: crate::nav::Nav::of(signed.user()),
        username: user.username.clone(),
        query: String::new(),
        remaining,
        message,
        callbacks,
    };
    Ok((status, html(&page)?).into_response())
}

pub async fn queue(State(state): State<AppState>, signed: Signed) -> Result<Response, AppError> {
    queue_page(&state, &signed, String::new(), StatusCode::OK).await
}

pub(crate) fn account_href(creditor: &str, account_ref: &str) -> String {
    format!(
        "/accounts/{}/{}",
        urlencode(creditor),
        urlencode(account_ref)
    )
}

pub(crate) fn urlencode(text: &str) -> String {
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

/// "Next account": the first candidate the compliance engine lets the agent call now,
/// locked to them.
pub async fn next_account(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Result<Response, AppError> {
    signed.check_csrf(&headers, &form.csrf)?;
    let user = signed.user();
    if let Some(candidate) = state.app.next_account(user).await? {
        return Ok(
            Redirect::to(&account_href(&candidate.creditor, &candidate.account_ref))
                .into_response(),
        );
    }
    let message = words(user).get("queue.empty").to_string();
    queue_page(&state, &signed, message, StatusCode::OK).await
}
