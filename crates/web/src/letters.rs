//! Letters on the web: the statement of account as a PDF from the account desk
//! (`GET /accounts/{creditor}/{account_ref}/statement.pdf?lang=en|es`; the user's
//! language by default). The role and creditor scope are decided by `app`
//! (`App::statement_for`): another creditor's account is as good as absent.

use crate::AppState;
use crate::auth::Signed;
use crate::error::AppError;
use app::letters::{Lang, LetterError};
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use domain::party::Language;
use serde::Deserialize;

#[derive(Deserialize)]
pub struct StatementQuery {
    #[serde(default)]
    lang: Option<String>,
}

pub async fn statement_pdf(
    State(state): State<AppState>,
    signed: Signed,
    Path((creditor, account_ref)): Path<(String, String)>,
    Query(query): Query<StatementQuery>,
) -> Result<Response, AppError> {
    let user = signed.user();
    let lang = match query.lang.as_deref() {
        Some(code) => Lang::parse(code).ok_or(AppError::NotFound)?,
        None if user.language == Language::Es => Lang::Es,
        None => Lang::En,
    };
    let pdf = match state
        .app
        .statement_for(user, &creditor, &account_ref, lang)
        .await
    {
        Ok(pdf) => pdf,
        Err(LetterError::App(error)) => return Err(error.into()),
        Err(error) => return Err(AppError::Internal(error.to_string())),
    };
    let name = format!(
        "attachment; filename=\"statement-{}-{}.pdf\"",
        safe(&creditor),
        safe(&account_ref)
    );
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (header::CONTENT_DISPOSITION, name),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        pdf,
    )
        .into_response())
}

/// A file name part: letters, digits, `-` and `_` only.
fn safe(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}
