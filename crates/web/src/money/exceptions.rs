//! The exceptions list: bank-file items nobody could match, matched or dismissed by hand.

use super::*;

// ---------------------------------------------------------------- exceptions

pub struct ExceptionRow {
    pub id: i64,
    pub source: String,
    pub file_name: String,
    pub line: i64,
    pub kind: String,
    pub amount: String,
    pub paid_on: String,
    pub reference: String,
    pub reason: String,
    /// The creditor the item named; empty when it named none.
    pub creditor: String,
}

#[derive(Template)]
#[template(path = "exceptions.html")]
pub(crate) struct ExceptionsPage {
    pub(crate) t: Words,
    pub(crate) csrf: String,
    pub(crate) nav: crate::nav::Nav,
    pub(crate) username: String,
    pub(crate) query: String,
    pub(crate) exceptions: Vec<ExceptionRow>,
    pub(crate) creditors: Vec<String>,
    pub(crate) error: String,
    pub(crate) done: String,
}

#[derive(Deserialize)]
pub struct ExceptionForm {
    pub(crate) csrf: String,
    /// `match` or `dismiss`.
    pub(crate) action: String,
    #[serde(default)]
    pub(crate) creditor: String,
    #[serde(default)]
    pub(crate) reference: String,
    #[serde(default)]
    pub(crate) note: String,
}

#[derive(Deserialize, Default)]
pub struct ExceptionsQuery {
    #[serde(default)]
    pub(crate) done: String,
}

/// Matches an exception to an account (or a payment, for a return) by hand, or
/// dismisses it with a reason.
pub async fn resolve_exception(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<ExceptionForm>,
) -> Result<Response, AppError> {
    signed.check_csrf(&headers, &form.csrf)?;
    let user = signed.user();
    let resolution = match form.action.as_str() {
        "match" => Some(Resolution::Match {
            creditor: form.creditor.clone(),
            reference: form.reference.clone(),
            note: form.note.clone(),
        }),
        "dismiss" => Some(Resolution::Dismiss {
            note: form.note.clone(),
        }),
        _ => None,
    };
    let result = match resolution {
        Some(resolution) => state.app.resolve_exception(user, id, &resolution).await?,
        None => Err("choose match or dismiss".to_string()),
    };
    match result {
        Ok(done) => Ok(Redirect::to(&format!("/exceptions?done={done}")).into_response()),
        Err(message) => {
            exceptions_page(
                &state,
                &signed,
                message,
                String::new(),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

/// The open exceptions: bank-file items nobody could match.
pub async fn exceptions(
    State(state): State<AppState>,
    signed: Signed,
    Query(query): Query<ExceptionsQuery>,
) -> Result<Response, AppError> {
    let done = match query.done.as_str() {
        "matched" | "dismissed" => query.done.clone(),
        _ => String::new(),
    };
    exceptions_page(&state, &signed, String::new(), done, StatusCode::OK).await
}

pub(crate) async fn exceptions_page(
    state: &AppState,
    signed: &Signed,
    error: String,
    done: String,
    status: StatusCode,
) -> Result<Response, AppError> {
    let user = signed.user();
    let (exceptions, creditors) = state.app.exceptions(user).await?;
    let exceptions = exceptions
        .into_iter()
        .map(|exception| ExceptionRow {
            id: exception.id,
            source: exception.source,
            file_name: exception.file_name,
            line: exception.line,
            kind: match exception.return_code {
                Some(code) => format!("{} {code}", exception.kind),
                None => exception.kind,
            },
            amount: format!(
                "{} {}",
                exception.currency.format(exception.amount),
                exception.currency
            ),
            paid_on: exception.paid_on,
            reference: exception.reference,
            reason: exception.reason,
            creditor: exception.creditor.unwrap_or_default(),
        })
        .collect();
    let page = ExceptionsPage {
        t: Words::new(user.language),
        csrf: signed.0.csrf_token.clone(),
        nav: crate::nav::Nav::of(signed.user()),
        username: user.username.clone(),
        query: String::new(),
        exceptions,
        creditors,
        error,
        done,
    };
    Ok((status, Html(page.render()?)).into_response())
}
