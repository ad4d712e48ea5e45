//! The template editor (managers and admins, `Permission::EditTemplates`, decided by
//! `app::letters`): `GET /admin/templates` lists every template in English and Spanish
//! with its current version and who saved it; `/admin/templates/{name}/{lang}` edits one
//! — subject and body, the variables the context offers, a preview of the draft on a
//! real account (nothing recorded; a letter also as its PDF,
//! `…/preview.pdf?creditor=&account=&subject=&body=`, the current text without the last
//! two),
//! save as a new version (POST-redirect-GET; refused with the template's line and
//! reason next to the field, the text kept), and the history with "restore this
//! version", which saves that text as the newest.

use crate::AppState;
use crate::auth::Signed;
use crate::error::{AppError, FieldError};
use crate::i18n::Words;
use crate::nav::{Frame, framed};
use app::letters::{Kind, Lang, LetterError};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

pub(crate) struct TemplateLine {
    pub(crate) name: String,
    pub(crate) lang: &'static str,
    pub(crate) purpose: String,
    pub(crate) kind: String,
    pub(crate) version: i64,
    pub(crate) saved_by: String,
    pub(crate) saved_at: String,
}

#[derive(Template)]
#[template(path = "admin_templates.html")]
pub(crate) struct TemplatesPage {
    pub(crate) frame: Frame,
    pub(crate) templates: Vec<TemplateLine>,
}

fn local_time(state: &AppState, at: jiff::Timestamp) -> String {
    state
        .business_zone
        .to_datetime(at)
        .strftime("%Y-%m-%d %H:%M")
        .to_string()
}

/// A letter error as the web answers it: the editor's own refusals are fields, the
/// rest the usual errors.
fn field_of(t: Words, error: LetterError) -> Result<FieldError, AppError> {
    let (field, message) = match error {
        LetterError::App(error) => return Err(error.into()),
        LetterError::UnknownTemplate(_) | LetterError::NoVersion { .. } => {
            return Err(AppError::NotFound);
        }
        LetterError::Render {
            field,
            line,
            reason,
            ..
        } => (
            field.to_string(),
            format!("{} {line}: {reason}", t.get("templates.line")),
        ),
        LetterError::TooLong { chars, .. } => (
            "body".to_string(),
            t.get("templates.too_long")
                .replace("{chars}", &chars.to_string())
                .replace("{max}", &app::letters::SMS_MAX_CHARS.to_string()),
        ),
        LetterError::NoAccount(_) => ("account".to_string(), t.get("templates.no_account").into()),
        other => return Err(AppError::Internal(other.to_string())),
    };
    Ok(FieldError { field, message })
}

pub async fn list(State(state): State<AppState>, signed: Signed) -> Result<Response, AppError> {
    let user = signed.user();
    let t = Words::new(user.language);
    let templates = match state.app.templates_overview(user).await {
        Ok(templates) => templates,
        Err(error) => return Err(field_of(t, error).err().unwrap_or(AppError::NotFound)),
    };
    let templates = templates
        .into_iter()
        .map(|summary| TemplateLine {
            purpose: t.label("templates.purpose", summary.name),
            kind: t.label("templates.kind", summary.kind.code()),
            name: summary.name.to_string(),
            lang: summary.lang.code(),
            version: summary.version,
            saved_by: summary
                .saved
                .as_ref()
                .map(|(who, _)| who.clone())
                .unwrap_or_else(|| t.get("templates.builtin").to_string()),
            saved_at: summary
                .saved
                .map(|(_, at)| local_time(&state, at))
                .unwrap_or_default(),
        })
        .collect();
    let page = TemplatesPage {
        frame: Frame::of(&signed),
        templates,
    };
    Ok(Html(page.render()?).into_response())
}

pub(crate) struct VersionLine {
    pub(crate) version: i64,
    pub(crate) saved_by: String,
    pub(crate) saved_at: String,
    pub(crate) reason: String,
    pub(crate) subject: String,
    pub(crate) body: String,
    pub(crate) current: bool,
}

pub(crate) struct Variable {
    pub(crate) name: &'static str,
    pub(crate) meaning: String,
}

/// What the editor's form holds (kept when refused or previewed).
#[derive(Default)]
pub(crate) struct Draft {
    pub(crate) subject: String,
    pub(crate) body: String,
    pub(crate) creditor: String,
    pub(crate) account: String,
    pub(crate) reason: String,
}

#[derive(Template)]
#[template(path = "admin_template.html")]
pub(crate) struct EditorPage {
    pub(crate) frame: Frame,
    pub(crate) flash: String,
    pub(crate) name: String,
    pub(crate) lang: &'static str,
    pub(crate) purpose: String,
    pub(crate) sms: bool,
    pub(crate) version: i64,
    pub(crate) draft: Draft,
    pub(crate) errors: Vec<FieldError>,
    /// The draft rendered on the preview account: (subject, body).
    pub(crate) preview: Option<(String, String)>,
    /// The draft's PDF on the preview account (letters).
    pub(crate) pdf_href: String,
    pub(crate) variables: Vec<Variable>,
    pub(crate) versions: Vec<VersionLine>,
}

impl EditorPage {
    pub(crate) fn error(&self, field: &str) -> String {
        self.errors
            .iter()
            .find(|error| error.field == field)
            .map(|error| error.message.clone())
            .unwrap_or_default()
    }

    /// The first field in error, which gets the focus.
    pub(crate) fn focus(&self) -> String {
        self.errors
            .first()
            .map(|error| error.field.clone())
            .unwrap_or_default()
    }
}

fn lang_of(code: &str) -> Result<Lang, AppError> {
    Lang::parse(code).ok_or(AppError::NotFound)
}

#[allow(clippy::too_many_arguments)]
async fn editor_page(
    state: &AppState,
    signed: &Signed,
    name: &str,
    lang: Lang,
    flash: String,
    draft: Option<Draft>,
    errors: Vec<FieldError>,
    preview: Option<(String, String)>,
) -> Result<Response, AppError> {
    let user = signed.user();
    let t = Words::new(user.language);
    let history = match state.app.template_history(user, name, lang).await {
        Ok(history) => history,
        Err(error) => return Err(field_of(t, error).err().unwrap_or(AppError::NotFound)),
    };
    let current = history.current.version;
    let draft = draft.unwrap_or_else(|| Draft {
        subject: history.current.subject.clone(),
        body: history.current.body.clone(),
        ..Draft::default()
    });
    let versions = history
        .versions
        .into_iter()
        .map(|each| VersionLine {
            current: each.version == current,
            saved_by: if each.version == 0 {
                t.get("templates.builtin").to_string()
            } else {
                each.created_by
            },
            saved_at: if each.version == 0 {
                String::new()
            } else {
                local_time(state, each.created_at)
            },
            version: each.version,
            reason: each.reason,
            subject: each.subject,
            body: each.body,
        })
        .collect();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let pdf_href = format!(
        "/admin/templates/{name}/{}/preview.pdf?{}",
        lang.code(),
        serde_urlencoded::to_string([
            ("creditor", draft.creditor.as_str()),
            ("account", draft.account.as_str()),
            ("subject", draft.subject.as_str()),
            ("body", draft.body.as_str()),
        ])
        .unwrap_or_default()
    );
    let page = EditorPage {
        pdf_href,
        frame: Frame::of(signed),
        flash,
        purpose: t.label("templates.purpose", name),
        sms: Kind::of(name) == Kind::Sms,
        name: name.to_string(),
        lang: lang.code(),
        version: current,
        draft,
        errors,
        preview,
        variables: app::letters::VARIABLES
            .iter()
            .map(|name| Variable {
                name,
                meaning: t.label("templates.var", name),
            })
            .collect(),
        versions,
    };
    Ok((status, Html(page.render()?)).into_response())
}

#[derive(Deserialize)]
pub struct EditorQuery {
    #[serde(default)]
    saved: Option<i64>,
}

pub async fn editor(
    State(state): State<AppState>,
    signed: Signed,
    Path((name, lang)): Path<(String, String)>,
    Query(query): Query<EditorQuery>,
) -> Result<Response, AppError> {
    let lang = lang_of(&lang)?;
    let t = Words::new(signed.user().language);
    let flash = query
        .saved
        .map(|version| {
            t.get("templates.saved")
                .replace("{version}", &version.to_string())
        })
        .unwrap_or_default();
    editor_page(&state, &signed, &name, lang, flash, None, Vec::new(), None).await
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

/// Text areas post `\r\n`; templates keep `\n`.
fn lines(text: &str) -> String {
    text.replace("\r\n", "\n")
}

/// The editor's form: `op` says which button — `preview`, `save` or `restore` (with
/// `version`).
pub async fn submit(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path((name, lang)): Path<(String, String)>,
    body: String,
) -> Result<Response, AppError> {
    let form = fields(&body);
    signed.check_csrf(&headers, &value(&form, "csrf"))?;
    let lang = lang_of(&lang)?;
    let user = signed.user();
    let t = Words::new(user.language);
    let agency = state.app.agency();
    let address = format!("/admin/templates/{name}/{}", lang.code());
    let reason_or = |reason: String, default: &str| {
        if reason.trim().is_empty() {
            t.get(default).to_string()
        } else {
            reason.trim().to_string()
        }
    };
    if value(&form, "op") == "restore" {
        let version = value(&form, "version")
            .parse::<i64>()
            .map_err(|_| AppError::NotFound)?;
        let why = t
            .get("templates.restored_reason")
            .replace("{version}", &version.to_string());
        return match state
            .app
            .restore_template(user, &name, lang, version, &why)
            .await
        {
            Ok(saved) => Ok(Redirect::to(&format!("{address}?saved={saved}")).into_response()),
            Err(error) => Err(field_of(t, error).err().unwrap_or(AppError::NotFound)),
        };
    }
    let draft = Draft {
        subject: lines(&value(&form, "subject")),
        body: lines(&value(&form, "body")),
        creditor: value(&form, "creditor").trim().to_string(),
        account: value(&form, "account").trim().to_string(),
        reason: value(&form, "reason"),
    };
    if draft.creditor.is_empty() || draft.account.is_empty() {
        app::require(user, domain::permission::Permission::EditTemplates)?;
        let error = FieldError {
            field: "account".into(),
            message: t.get("templates.choose_account").into(),
        };
        return editor_page(
            &state,
            &signed,
            &name,
            lang,
            String::new(),
            Some(draft),
            vec![error],
            None,
        )
        .await;
    }
    let preview_on = (draft.creditor.as_str(), draft.account.as_str());
    if value(&form, "op") == "save" {
        let why = reason_or(draft.reason.clone(), "templates.saved_reason");
        match state
            .app
            .save_template(
                user,
                &name,
                lang,
                &draft.subject,
                &draft.body,
                preview_on,
                &agency,
                &why,
            )
            .await
        {
            // POST-redirect-GET: a refresh does not save again.
            Ok(saved) => {
                return Ok(Redirect::to(&format!("{address}?saved={saved}")).into_response());
            }
            Err(error) => {
                let error = field_of(t, error)?;
                return editor_page(
                    &state,
                    &signed,
                    &name,
                    lang,
                    String::new(),
                    Some(draft),
                    vec![error],
                    None,
                )
                .await;
            }
        }
    }
    match state
        .app
        .preview_template(
            user,
            &name,
            lang,
            &draft.subject,
            &draft.body,
            preview_on,
            &agency,
        )
        .await
    {
        Ok(rendered) => {
            let preview = Some((rendered.subject, rendered.body));
            editor_page(
                &state,
                &signed,
                &name,
                lang,
                String::new(),
                Some(draft),
                Vec::new(),
                preview,
            )
            .await
        }
        Err(error) => {
            let error = field_of(t, error)?;
            editor_page(
                &state,
                &signed,
                &name,
                lang,
                String::new(),
                Some(draft),
                vec![error],
                None,
            )
            .await
        }
    }
}

#[derive(Deserialize)]
pub struct PdfQuery {
    #[serde(default)]
    creditor: String,
    #[serde(default)]
    account: String,
    #[serde(default)]
    subject: Option<String>,
    #[serde(default)]
    body: Option<String>,
}

fn pdf_response(name: &str, pdf: Vec<u8>) -> Response {
    let safe: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    (
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"preview-{safe}.pdf\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        pdf,
    )
        .into_response()
}

async fn pdf_of(
    state: &AppState,
    signed: &Signed,
    name: &str,
    lang: Lang,
    draft: Option<(String, String)>,
    preview_on: (&str, &str),
) -> Result<Response, AppError> {
    let user = signed.user();
    let t = Words::new(user.language);
    let (subject, body) = match draft {
        Some(draft) => draft,
        None => {
            let history = state
                .app
                .template_history(user, name, lang)
                .await
                .map_err(|error| field_of(t, error).err().unwrap_or(AppError::NotFound))?;
            (history.current.subject, history.current.body)
        }
    };
    match state
        .app
        .preview_template_pdf(
            user,
            name,
            lang,
            &subject,
            &body,
            preview_on,
            &state.app.agency(),
        )
        .await
    {
        Ok(pdf) => Ok(pdf_response(name, pdf)),
        Err(LetterError::NoAccount(_) | LetterError::NotALetter(_)) => Err(AppError::NotFound),
        Err(error) => match field_of(t, error) {
            Ok(field) => Err(AppError::Store(app::model::StoreError::Invalid(
                field.message,
            ))),
            Err(error) => Err(error),
        },
    }
}

/// The PDF of a letter template on an account (`?creditor=&account=`), of the draft
/// in `subject` and `body` when given (the editor's preview links to it), else of the
/// current text; nothing recorded.
pub async fn preview_pdf(
    State(state): State<AppState>,
    signed: Signed,
    Path((name, lang)): Path<(String, String)>,
    Query(query): Query<PdfQuery>,
) -> Result<Response, AppError> {
    let lang = lang_of(&lang)?;
    let draft = match (query.subject, query.body) {
        (None, None) => None,
        (subject, body) => Some((
            lines(&subject.unwrap_or_default()),
            lines(&body.unwrap_or_default()),
        )),
    };
    pdf_of(
        &state,
        &signed,
        &name,
        lang,
        draft,
        (query.creditor.trim(), query.account.trim()),
    )
    .await
}

framed!(TemplatesPage, EditorPage);
