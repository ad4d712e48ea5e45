//! Documents on the account desk: the panel listing the account's letters and uploads
//! (date, kind, name, size, who, download), the upload form (multipart, streamed into
//! `app::documents::Upload` chunk by chunk — never buffered whole, refused at the chunk
//! that passes the limit), the download of a stored document (its detected type,
//! `attachment`, `nosniff`), attaching documents to the account's disputes as
//! evidence, and the evidence package (`portfolio.zip`). Every decision — role, creditor
//! scope, type, size — is `app`'s; another creditor's account is as good as absent.

use crate::AppState;
use crate::auth::Signed;
use crate::error::{AppError, FieldError};
use crate::i18n::Words;
use crate::workspace::{Sent, account_href, done_redirect, refuse, visible_view};
use app::documents::{DocumentError, UploadProblem, size_text};
use app::model::sessions::SessionUser;
use app::model::view::AccountView;
use axum::extract::{Form, Multipart, Path, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

/// A document as the panel lists it.
pub(crate) struct DocumentRow {
    pub(crate) id: i64,
    pub(crate) date: String,
    pub(crate) kind: String,
    pub(crate) name: String,
    pub(crate) size: String,
    pub(crate) who: String,
    pub(crate) note: String,
    pub(crate) href: String,
    /// The disputes it is evidence for.
    pub(crate) evidence: Vec<DisputeChoice>,
    /// The disputes it may still be attached to.
    pub(crate) attachable: Vec<DisputeChoice>,
}

#[derive(Clone)]
pub(crate) struct DisputeChoice {
    pub(crate) id: i64,
    pub(crate) label: String,
}

/// The desk's documents panel.
#[derive(Default)]
pub(crate) struct DocumentsPanel {
    pub(crate) rows: Vec<DocumentRow>,
    pub(crate) may_upload: bool,
    pub(crate) may_export: bool,
    /// The upload limit as people read it.
    pub(crate) max: String,
}

/// The panel for an account the user may see.
pub(crate) async fn panel(
    state: &AppState,
    user: &SessionUser,
    view: &AccountView,
) -> Result<DocumentsPanel, AppError> {
    let t = Words::new(user.language);
    let listed = state
        .app
        .documents(user, &view.creditor, &view.account_ref)
        .await?;
    let rights = state.app.document_rights(user);
    let disputes: Vec<DisputeChoice> = listed
        .disputes
        .iter()
        .map(|dispute| DisputeChoice {
            id: dispute.hold_id,
            label: format!(
                "{} {} · {} ({})",
                t.get("documents.dispute"),
                crate::money::local_date(state, dispute.placed_at.as_microsecond()),
                dispute.detail,
                match &dispute.outcome {
                    Some(outcome) => t.label("dispute_outcome", outcome),
                    None => t.get("documents.dispute_open").to_string(),
                }
            ),
        })
        .collect();
    let base = account_href(&view.creditor, &view.account_ref);
    let rows = listed
        .documents
        .iter()
        .map(|document| DocumentRow {
            id: document.id,
            date: crate::money::local_date(state, document.created_at.as_microsecond()),
            kind: t
                .get(&format!("documents.kind.{}", document.kind))
                .to_string(),
            name: match &document.lang {
                Some(lang) => format!("{} ({lang})", document.name),
                None => document.name.clone(),
            },
            size: size_text(u64::try_from(document.size_bytes).unwrap_or(0)),
            who: document
                .created_by
                .clone()
                .unwrap_or_else(|| t.get("documents.by_arrears").to_string()),
            note: document.note.clone().unwrap_or_default(),
            href: format!("{base}/documents/{}", document.id),
            evidence: disputes
                .iter()
                .filter(|d| document.evidence_for.contains(&d.id))
                .cloned()
                .collect(),
            attachable: disputes
                .iter()
                .filter(|d| !document.evidence_for.contains(&d.id))
                .cloned()
                .collect(),
        })
        .collect();
    Ok(DocumentsPanel {
        rows,
        may_upload: rights.upload,
        may_export: rights.export,
        max: size_text(state.app.documents_settings().max_bytes),
    })
}

/// A refused upload in the user's words, naming the file.
fn refusal(t: Words, file: &str, problem: &UploadProblem) -> FieldError {
    let key = match problem {
        UploadProblem::NoFile => "documents.error.no_file",
        UploadProblem::Empty => "documents.error.empty",
        UploadProblem::TooLarge { .. } => "documents.error.too_large",
        UploadProblem::NotAllowed => "documents.error.type",
        UploadProblem::Note => "documents.error.note",
    };
    let max = match problem {
        UploadProblem::TooLarge { max } => size_text(*max),
        _ => String::new(),
    };
    FieldError {
        field: match problem {
            UploadProblem::Note => "doc_note".into(),
            _ => "file".into(),
        },
        message: t.get(key).replace("{file}", file).replace("{max}", &max),
    }
}

fn internal(error: DocumentError) -> AppError {
    match error {
        DocumentError::App(error) => error.into(),
        other => AppError::Internal(other.to_string()),
    }
}

/// The least an upload refused as too large is read on (discarded) before answering.
const DRAIN_MIN: u64 = 64 * 1024 * 1024;

/// Reads a small text field whole (at most `max` bytes; more is cut).
async fn small_text(field: &mut axum::extract::multipart::Field<'_>, max: usize) -> String {
    let mut bytes = Vec::new();
    while let Ok(Some(chunk)) = field.chunk().await {
        if bytes.len() < max {
            bytes.extend_from_slice(&chunk[..chunk.len().min(max - bytes.len())]);
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// `POST /accounts/{creditor}/{account_ref}/documents` (multipart: `csrf` first, then
/// `note`, then `file`).
pub async fn upload(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path((creditor, account_ref)): Path<(String, String)>,
    mut multipart: Multipart,
) -> Result<Response, AppError> {
    let user = signed.user();
    let t = Words::new(user.language);
    let mut csrf_checked = false;
    let mut note = String::new();
    let mut pending = None;
    let mut refused: Option<(String, UploadProblem)> = None;
    let mut file_seen = false;
    let mut gave_up = false;
    while !gave_up && let Ok(Some(mut field)) = multipart.next_field().await {
        let name = field.name().unwrap_or_default().to_string();
        match name.as_str() {
            "csrf" => {
                let token = small_text(&mut field, 256).await;
                signed.check_csrf(&headers, &token)?;
                csrf_checked = true;
            }
            "note" if csrf_checked => note = small_text(&mut field, 8 * 1024).await,
            "file" if csrf_checked && !file_seen => {
                file_seen = true;
                let file_name = field.file_name().unwrap_or_default().to_string();
                if file_name.is_empty() {
                    refused = Some((String::new(), UploadProblem::NoFile));
                    continue;
                }
                let mut upload = state
                    .app
                    .begin_upload(user, &creditor, &account_ref, &file_name)
                    .await
                    .map_err(internal)?;
                loop {
                    match field.chunk().await {
                        Ok(Some(chunk)) => {
                            if let Err(error) = upload.push(&chunk) {
                                match error {
                                    DocumentError::Refused { file, problem } => {
                                        refused = Some((file, problem));
                                    }
                                    other => return Err(internal(other)),
                                }
                                // Read on (discarding) so the browser gets the page
                                // with the reason rather than a reset connection —
                                // up to a bound, past which the connection is dropped.
                                let bound = state
                                    .app
                                    .documents_settings()
                                    .max_bytes
                                    .saturating_mul(4)
                                    .max(DRAIN_MIN);
                                let mut drained = 0u64;
                                while drained < bound {
                                    match field.chunk().await {
                                        Ok(Some(chunk)) => drained += chunk.len() as u64,
                                        _ => break,
                                    }
                                }
                                if drained >= bound {
                                    gave_up = true;
                                }
                                break;
                            }
                        }
                        Ok(None) => {
                            pending = Some(upload);
                            break;
                        }
                        Err(_) => {
                            // The body broke off (the client gave up, or the timeout).
                            refused = Some((
                                upload.file_name().to_string(),
                                UploadProblem::TooLarge {
                                    max: state.app.documents_settings().max_bytes,
                                },
                            ));
                            break;
                        }
                    }
                }
            }
            _ if !csrf_checked => return Err(AppError::Csrf),
            // Anything else is read past (multer skips it), never kept.
            _ => {}
        }
    }
    if !csrf_checked {
        return Err(AppError::Csrf);
    }
    // The gate every other form passes (`input::refuse_hidden_characters`), here for the
    // one text field this form has.
    if let Some(message) = domain::text::refusal_message(&note) {
        let view = visible_view(&state, user, &creditor, &account_ref).await?;
        return refuse(
            &state,
            &signed,
            view,
            vec![FieldError {
                field: "doc_note".into(),
                message,
            }],
            Sent::new("upload", &[("note", "")]),
        )
        .await;
    }
    let outcome = match (pending, refused) {
        (_, Some((file, problem))) => Err((file, problem)),
        (Some(upload), None) => match upload.finish(&state.app, &user.actor(), &note).await {
            Ok(uploaded) => Ok(uploaded),
            Err(DocumentError::Refused { file, problem }) => Err((file, problem)),
            Err(other) => return Err(internal(other)),
        },
        (None, None) => Err((String::new(), UploadProblem::NoFile)),
    };
    match outcome {
        Ok(uploaded) => Ok(done_redirect(
            &creditor,
            &account_ref,
            match uploaded.recorded {
                app::model::documents::Recorded::New(_) => "uploaded",
                app::model::documents::Recorded::Already(_) => "duplicate",
            },
        )),
        Err((file, problem)) => {
            let view = visible_view(&state, user, &creditor, &account_ref).await?;
            let error = refusal(t, &file, &problem);
            refuse(
                &state,
                &signed,
                view,
                vec![error],
                Sent::new("upload", &[("note", &note)]),
            )
            .await
        }
    }
}

/// `GET /accounts/{creditor}/{account_ref}/documents/{id}`: the stored bytes.
pub async fn download(
    State(state): State<AppState>,
    signed: Signed,
    Path((creditor, account_ref, id)): Path<(String, String, i64)>,
) -> Result<Response, AppError> {
    let user = signed.user();
    match state
        .app
        .document_bytes(user, &creditor, &account_ref, id)
        .await
    {
        Ok((document, bytes)) => {
            let media = app::documents::MediaType::parse_mime(&document.media_type)
                .unwrap_or(app::documents::MediaType::Pdf);
            let stem = document
                .name
                .rsplit_once('.')
                .map(|(stem, _)| stem)
                .unwrap_or(&document.name);
            let disposition = format!(
                "attachment; filename=\"{}.{}\"",
                safe(stem),
                media.extension()
            );
            Ok((
                [
                    (header::CONTENT_TYPE, media.mime().to_string()),
                    (header::CONTENT_DISPOSITION, disposition),
                    (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
                    (header::CACHE_CONTROL, "no-store".to_string()),
                ],
                bytes,
            )
                .into_response())
        }
        Err(error @ DocumentError::Tampered { .. }) => {
            refuse_with(&state, &signed, &creditor, &account_ref, "documents", error).await
        }
        Err(other) => Err(internal(other)),
    }
}

/// The account page again with a document problem (missing or altered file) on top.
async fn refuse_with(
    state: &AppState,
    signed: &Signed,
    creditor: &str,
    account_ref: &str,
    field: &str,
    error: DocumentError,
) -> Result<Response, AppError> {
    let t = Words::new(signed.user().language);
    tracing::warn!(%error, "document check failed");
    let view = visible_view(state, signed.user(), creditor, account_ref).await?;
    let message = match &error {
        DocumentError::Tampered { id, name, .. } => t
            .get("documents.error.tampered")
            .replace("{id}", &id.to_string())
            .replace("{name}", name),
        other => other.to_string(),
    };
    refuse(
        state,
        signed,
        view,
        vec![FieldError {
            field: field.into(),
            message,
        }],
        Sent::default(),
    )
    .await
}

#[derive(Deserialize)]
pub struct EvidenceForm {
    #[serde(default)]
    pub(crate) csrf: String,
    #[serde(default)]
    pub(crate) dispute: String,
    /// `attach` or `detach`.
    #[serde(default)]
    pub(crate) op: String,
}

/// `POST /accounts/{creditor}/{account_ref}/documents/{id}/evidence`.
pub async fn evidence(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path((creditor, account_ref, id)): Path<(String, String, i64)>,
    Form(form): Form<EvidenceForm>,
) -> Result<Response, AppError> {
    signed.check_csrf(&headers, &form.csrf)?;
    let user = signed.user();
    let dispute: i64 = form
        .dispute
        .trim()
        .parse()
        .map_err(|_| AppError::NotFound)?;
    let done = match form.op.as_str() {
        "detach" => {
            state
                .app
                .detach_evidence(user, &creditor, &account_ref, dispute, id)
                .await?;
            "detached"
        }
        _ => {
            state
                .app
                .attach_evidence(user, &creditor, &account_ref, dispute, id)
                .await?;
            "attached"
        }
    };
    Ok(done_redirect(&creditor, &account_ref, done))
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    pub(crate) csrf: String,
}

/// `POST /accounts/{creditor}/{account_ref}/portfolio`: the evidence package as a ZIP.
pub async fn portfolio(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path((creditor, account_ref)): Path<(String, String)>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, AppError> {
    signed.check_csrf(&headers, &form.csrf)?;
    match state
        .app
        .portfolio_for(signed.user(), &creditor, &account_ref)
        .await
    {
        Ok(portfolio) => Ok((
            [
                (header::CONTENT_TYPE, "application/zip".to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!(
                        "attachment; filename=\"portfolio-{}-{}.zip\"",
                        safe(&creditor),
                        safe(&account_ref)
                    ),
                ),
                (header::CACHE_CONTROL, "no-store".to_string()),
            ],
            portfolio.zip,
        )
            .into_response()),
        Err(error @ DocumentError::Tampered { .. }) => {
            refuse_with(&state, &signed, &creditor, &account_ref, "portfolio", error).await
        }
        Err(other) => Err(internal(other)),
    }
}

/// The evidence attached to the open disputes of the user's creditors, by
/// `(creditor, account_ref)`: (download link, name, size) each.
pub(crate) async fn open_evidence(
    state: &AppState,
    user: &SessionUser,
) -> Result<Vec<((String, String), (String, String))>, AppError> {
    Ok(state
        .app
        .open_dispute_evidence(user)
        .await?
        .into_iter()
        .map(|evidence| {
            let href = format!(
                "{}/documents/{}",
                account_href(&evidence.creditor, &evidence.account_ref),
                evidence.document_id
            );
            let label = format!(
                "{} ({})",
                evidence.name,
                size_text(u64::try_from(evidence.size_bytes).unwrap_or(0))
            );
            ((evidence.creditor, evidence.account_ref), (href, label))
        })
        .collect())
}

/// A file name part: letters, digits, `-` and `_` only.
fn safe(text: &str) -> String {
    let part: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .take(80)
        .collect();
    if part.is_empty() {
        "document".into()
    } else {
        part
    }
}
