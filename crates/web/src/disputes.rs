//! The supervisors' disputes page: the open disputes of their creditors (account,
//! debtor, what is disputed, opened, days open, validation notice) and, on each, a form
//! to resolve it as verified, corrected, upheld or withdrawn (`app::disputes`). The
//! account's dispute hold follows the outcome in the store.

use crate::AppState;
use crate::auth::Signed;
use crate::error::{AppError, FieldError};
use crate::i18n::Words;
use crate::money::local_date;
use crate::workspace::{account_href, field};
use app::disputes::DisputeProblem;
use app::model::disputes::Outcome;
use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

pub struct OutcomeChoice {
    pub code: &'static str,
    pub label: String,
    pub selected: bool,
}

pub struct DisputeRow {
    /// `creditor/account_ref`, the row's id in forms.
    pub key: String,
    pub creditor: String,
    pub account_ref: String,
    pub href: String,
    pub debtor: String,
    pub reason: String,
    pub opened: String,
    pub days_open: i64,
    pub validation: String,
    /// The form's fields as typed (kept on a refusal).
    pub outcomes: Vec<OutcomeChoice>,
    pub note: String,
    pub errors: Vec<FieldError>,
    /// The documents attached as evidence: (download link, name and size).
    pub evidence: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "disputes.html")]
pub(crate) struct DisputesPage {
    pub(crate) t: Words,
    pub(crate) csrf: String,
    pub(crate) nav: crate::nav::Nav,
    pub(crate) username: String,
    pub(crate) query: String,
    pub(crate) flash: String,
    pub(crate) disputes: Vec<DisputeRow>,
}

/// What a refused form keeps: the account, the outcome and note typed, the errors.
struct Kept<'a> {
    creditor: &'a str,
    account_ref: &'a str,
    outcome: &'a str,
    note: &'a str,
    errors: Vec<FieldError>,
}

async fn page(
    state: &AppState,
    signed: &Signed,
    flash: String,
    kept: Option<Kept<'_>>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let user = signed.user();
    let t = Words::new(user.language);
    let evidence = crate::documents::open_evidence(state, user).await?;
    let disputes = state
        .app
        .disputes(user)
        .await?
        .into_iter()
        .map(|item| {
            let dispute = item.dispute;
            let mine = kept.as_ref().filter(|kept| {
                kept.creditor == dispute.creditor && kept.account_ref == dispute.account_ref
            });
            DisputeRow {
                key: format!("{}-{}", dispute.creditor, dispute.account_ref),
                href: account_href(&dispute.creditor, &dispute.account_ref),
                debtor: dispute.debtor_name,
                reason: dispute.detail,
                opened: local_date(state, dispute.placed_at_us),
                days_open: item.days_open,
                validation: match dispute.validation_notice_sent_at_us {
                    Some(at) => t
                        .get("disputes.validation.sent")
                        .replace("{date}", &local_date(state, at)),
                    None => t.get("disputes.validation.not_sent").to_string(),
                },
                outcomes: Outcome::ALL
                    .iter()
                    .map(|outcome| OutcomeChoice {
                        code: outcome.code(),
                        label: t.label("dispute_outcome", outcome.code()),
                        selected: mine.is_some_and(|kept| kept.outcome == outcome.code()),
                    })
                    .collect(),
                note: mine.map(|kept| kept.note.to_string()).unwrap_or_default(),
                errors: mine.map(|kept| kept.errors.clone()).unwrap_or_default(),
                evidence: evidence
                    .iter()
                    .filter(|(key, _)| key.0 == dispute.creditor && key.1 == dispute.account_ref)
                    .map(|(_, item)| item.clone())
                    .collect(),
                creditor: dispute.creditor,
                account_ref: dispute.account_ref,
            }
        })
        .collect();
    let page = DisputesPage {
        t,
        csrf: signed.0.csrf_token.clone(),
        nav: crate::nav::Nav::of(signed.user()),
        username: user.username.clone(),
        query: String::new(),
        flash,
        disputes,
    };
    Ok((status, Html(page.render()?)).into_response())
}

#[derive(Deserialize)]
pub struct DoneQuery {
    #[serde(default)]
    pub(crate) done: String,
}

pub async fn disputes(
    State(state): State<AppState>,
    signed: Signed,
    Query(query): Query<DoneQuery>,
) -> Result<Response, AppError> {
    let t = Words::new(signed.user().language);
    let flash = if query.done == "resolved" {
        t.get("disputes.resolved").to_string()
    } else {
        String::new()
    };
    page(&state, &signed, flash, None, StatusCode::OK).await
}

#[derive(Deserialize)]
pub struct ResolveForm {
    #[serde(default)]
    pub(crate) csrf: String,
    #[serde(default)]
    pub(crate) outcome: String,
    #[serde(default)]
    pub(crate) note: String,
}

pub async fn resolve(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path((creditor, account_ref)): Path<(String, String)>,
    Form(form): Form<ResolveForm>,
) -> Result<Response, AppError> {
    signed.check_csrf(&headers, &form.csrf)?;
    let user = signed.user();
    let t = Words::new(user.language);
    let mut errors = Vec::new();
    let outcome = Outcome::parse(form.outcome.trim());
    if outcome.is_none() {
        errors.push(field("outcome", t, "disputes.error.outcome"));
    }
    if let Some(outcome) = outcome {
        match state
            .app
            .resolve_dispute(user, &creditor, &account_ref, outcome, &form.note)
            .await?
        {
            Ok(()) => return Ok(Redirect::to("/disputes?done=resolved").into_response()),
            Err(problem) => errors.push(field(
                problem.field(),
                t,
                match problem {
                    DisputeProblem::Note => "disputes.error.note",
                    DisputeProblem::Gone => "disputes.error.gone",
                },
            )),
        }
    } else if form.note.trim().is_empty() {
        errors.push(field("note", t, "disputes.error.note"));
    }
    let kept = Kept {
        creditor: &creditor,
        account_ref: &account_ref,
        outcome: &form.outcome,
        note: &form.note,
        errors: errors.clone(),
    };
    let mut flash = String::new();
    if errors.iter().any(|error| error.field == "outcome")
        && errors
            .iter()
            .any(|error| error.message == t.get("disputes.error.gone"))
    {
        // The row is gone from the list: say so at the top.
        flash = t.get("disputes.error.gone").to_string();
    }
    page(
        &state,
        &signed,
        flash,
        Some(kept),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}
