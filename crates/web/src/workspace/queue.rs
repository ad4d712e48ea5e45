//! The work queue, "Next account" and search.

use super::*;

// ---------------------------------------------------------------- the queue

pub(crate) struct CallbackRow {
    pub(crate) href: String,
    pub(crate) label: String,
    pub(crate) due: String,
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

pub(crate) async fn queue_page(
    state: &AppState,
    signed: &Signed,
    message: String,
    status: StatusCode,
) -> Result<Response, AppError> {
    let user = signed.user();
    let queue = state.app.queue(user).await?;
    let remaining = if queue.more {
        format!("{}+", queue.remaining)
    } else {
        queue.remaining.to_string()
    };
    let callbacks = queue
        .callbacks_due
        .iter()
        .map(|candidate| CallbackRow {
            href: account_href(&candidate.creditor, &candidate.account_ref),
            label: format!("{} {}", candidate.creditor, candidate.account_ref),
            due: words(user).get("queue.due_now").to_string(),
        })
        .collect();
    let page = QueuePage {
        t: words(user),
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

// ---------------------------------------------------------------- search

pub(crate) struct FoundRow {
    pub(crate) href: String,
    pub(crate) account_ref: String,
    pub(crate) creditor: String,
    pub(crate) debtor: String,
    pub(crate) status: String,
}

#[derive(Template)]
#[template(path = "search.html")]
pub(crate) struct SearchPage {
    pub(crate) t: Words,
    pub(crate) csrf: String,
    pub(crate) nav: crate::nav::Nav,
    pub(crate) username: String,
    pub(crate) query: String,
    pub(crate) results: Vec<FoundRow>,
}

#[derive(Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    pub(crate) q: String,
}

pub async fn search(
    State(state): State<AppState>,
    signed: Signed,
    Query(query): Query<SearchQuery>,
) -> Result<Response, AppError> {
    let user = signed.user();
    let results = state
        .app
        .search(user, &query.q)
        .await?
        .into_iter()
        .map(|found| FoundRow {
            href: account_href(&found.creditor, &found.account_ref),
            account_ref: found.account_ref,
            creditor: found.creditor,
            debtor: found.debtor_name,
            status: found.status,
        })
        .collect();
    let page = SearchPage {
        t: words(user),
        csrf: signed.0.csrf_token.clone(),
        nav: crate::nav::Nav::of(signed.user()),
        username: user.username.clone(),
        query: query.q,
        results,
    };
    Ok(html(&page)?.into_response())
}
