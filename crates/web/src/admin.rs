//! Administration pages (admins only, `Permission::Administer`): users — the list, and a
//! new user with a role, creditors and an initial password — and creditors with their
//! policies, each key edited with the domain's one parser and its refusal shown next to
//! the field. Handlers parse the form and call `app::admin`.

use crate::AppState;
use crate::auth::Signed;
use crate::error::{AppError, FieldError};
use crate::i18n::Words;
use crate::nav::{Frame, framed};
use app::admin::UserWithCreditors;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use domain::party::Role;

pub(crate) struct UserLine {
    pub(crate) username: String,
    pub(crate) role: String,
    pub(crate) creditors: String,
    pub(crate) disabled: bool,
}

/// What the add-user form holds (kept when refused; never the password).
#[derive(Default)]
pub(crate) struct NewUser {
    pub(crate) username: String,
    pub(crate) role: String,
    pub(crate) creditors: Vec<String>,
}

#[derive(Template)]
#[template(path = "admin_users.html")]
pub(crate) struct UsersPage {
    pub(crate) frame: Frame,
    pub(crate) flash: String,
    pub(crate) users: Vec<UserLine>,
    pub(crate) roles: Vec<&'static str>,
    pub(crate) creditor_codes: Vec<String>,
    pub(crate) form: NewUser,
    pub(crate) errors: Vec<FieldError>,
}

fn error_of(errors: &[FieldError], field: &str) -> String {
    errors
        .iter()
        .find(|error| error.field == field)
        .map(|error| error.message.clone())
        .unwrap_or_default()
}

impl UsersPage {
    pub(crate) fn error(&self, field: &str) -> String {
        error_of(&self.errors, field)
    }
}

async fn users_page(
    state: &AppState,
    signed: &Signed,
    flash: String,
    form: NewUser,
    errors: Vec<FieldError>,
) -> Result<Response, AppError> {
    let user = signed.user();
    let t = Words::new(user.language);
    let users = state
        .app
        .admin_users(user)
        .await?
        .into_iter()
        .map(
            |UserWithCreditors {
                 user: each,
                 creditors,
             }| UserLine {
                role: t.label("roles.role", each.role.code()),
                creditors: creditors.join(", "),
                disabled: each.disabled,
                username: each.username,
            },
        )
        .collect();
    let creditor_codes = state
        .app
        .admin_creditors(user)
        .await?
        .into_iter()
        .map(|creditor| creditor.code)
        .collect();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = UsersPage {
        frame: Frame::of(signed),
        flash,
        users,
        roles: Role::ALL.iter().map(|role| role.code()).collect(),
        creditor_codes,
        form,
        errors,
    };
    Ok((status, Html(page.render()?)).into_response())
}

pub async fn users(State(state): State<AppState>, signed: Signed) -> Result<Response, AppError> {
    users_page(
        &state,
        &signed,
        String::new(),
        NewUser::default(),
        Vec::new(),
    )
    .await
}

/// The form's fields in order; `creditors` may repeat (one per checked box).
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

pub async fn add_user(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    body: String,
) -> Result<Response, AppError> {
    let form = fields(&body);
    signed.check_csrf(&headers, &value(&form, "csrf"))?;
    let user = signed.user();
    let t = Words::new(user.language);
    let new = NewUser {
        username: value(&form, "username").trim().to_string(),
        role: value(&form, "role"),
        creditors: form
            .iter()
            .filter(|(key, _)| key == "creditors")
            .map(|(_, code)| code.clone())
            .collect(),
    };
    let Some(role) = Role::parse(&new.role) else {
        // Checked before the use case only to name the field; the use case checks the role.
        app::require(user, domain::permission::Permission::Administer)?;
        let error = FieldError {
            field: "role".into(),
            message: t.get("roles.admin.choose_role").into(),
        };
        return users_page(&state, &signed, String::new(), new, vec![error]).await;
    };
    let password = value(&form, "password");
    match state
        .app
        .admin_add_user(user, &new.username, role, &password, &new.creditors)
        .await?
    {
        Ok(added) => {
            let flash = format!("{} {}", t.get("roles.admin.added"), added.username);
            users_page(&state, &signed, flash, NewUser::default(), Vec::new()).await
        }
        Err(problem) => {
            let message = match &problem {
                app::admin::AddUserProblem::Username(message)
                | app::admin::AddUserProblem::Password(message)
                | app::admin::AddUserProblem::Creditors(message) => message.clone(),
            };
            let error = FieldError {
                field: problem.field().into(),
                message,
            };
            users_page(&state, &signed, String::new(), new, vec![error]).await
        }
    }
}

pub(crate) struct CreditorLine {
    pub(crate) code: String,
    pub(crate) name: String,
    pub(crate) currency: String,
}

#[derive(Template)]
#[template(path = "admin_creditors.html")]
pub(crate) struct CreditorsPage {
    pub(crate) frame: Frame,
    pub(crate) creditors: Vec<CreditorLine>,
}

pub async fn creditors(
    State(state): State<AppState>,
    signed: Signed,
) -> Result<Html<String>, AppError> {
    let user = signed.user();
    let creditors = state
        .app
        .admin_creditors(user)
        .await?
        .into_iter()
        .map(|creditor| CreditorLine {
            currency: creditor.policy.currency.code().to_string(),
            code: creditor.code,
            name: creditor.name,
        })
        .collect();
    let page = CreditorsPage {
        frame: Frame::of(&signed),
        creditors,
    };
    Ok(Html(page.render()?))
}

/// A policy key with the value shown in its field and its error, if refused.
pub(crate) struct PolicyField {
    pub(crate) key: String,
    /// The key in the admin's words, and what it takes.
    pub(crate) label: String,
    pub(crate) hint: String,
    pub(crate) value: String,
    pub(crate) error: String,
}

#[derive(Template)]
#[template(path = "admin_creditor.html")]
pub(crate) struct CreditorPage {
    pub(crate) frame: Frame,
    pub(crate) flash: String,
    pub(crate) code: String,
    pub(crate) name: String,
    pub(crate) fields: Vec<PolicyField>,
    pub(crate) reason: String,
    pub(crate) reason_error: String,
}

async fn creditor_page(
    state: &AppState,
    signed: &Signed,
    code: &str,
    flash: String,
    typed: Option<(Vec<(String, String)>, String)>,
    problems: Vec<app::admin::PolicyProblem>,
) -> Result<Response, AppError> {
    let user = signed.user();
    let t = Words::new(user.language);
    let creditor = state.app.admin_creditor(user, code).await?;
    let error = |key: &str| {
        problems
            .iter()
            .find(|problem| problem.key == key)
            .map(|problem| problem.message.clone())
            .unwrap_or_default()
    };
    let fields = creditor
        .policy
        .to_pairs()
        .into_iter()
        .map(|(key, stored)| PolicyField {
            value: typed
                .as_ref()
                .and_then(|(values, _)| values.iter().find(|(name, _)| name == key))
                .map(|(_, value)| value.clone())
                .unwrap_or(stored),
            error: error(key),
            label: t.label("policy_key", key),
            hint: t.label("policy_hint", key),
            key: key.to_string(),
        })
        .collect();
    let status = if problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = CreditorPage {
        frame: Frame::of(signed),
        flash,
        code: creditor.code,
        name: creditor.name,
        fields,
        reason: typed.map(|(_, reason)| reason).unwrap_or_default(),
        reason_error: error("reason"),
    };
    Ok((status, Html(page.render()?)).into_response())
}

#[derive(serde::Deserialize)]
pub struct SavedQuery {
    #[serde(default)]
    pub(crate) saved: Option<String>,
}

pub async fn creditor(
    State(state): State<AppState>,
    signed: Signed,
    Path(code): Path<String>,
    axum::extract::Query(query): axum::extract::Query<SavedQuery>,
) -> Result<Response, AppError> {
    let flash = match query.saved {
        Some(_) => Words::new(signed.user().language)
            .get("roles.admin.saved")
            .to_string(),
        None => String::new(),
    };
    creditor_page(&state, &signed, &code, flash, None, Vec::new()).await
}

pub async fn set_policy(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path(code): Path<String>,
    body: String,
) -> Result<Response, AppError> {
    let form = fields(&body);
    signed.check_csrf(&headers, &value(&form, "csrf"))?;
    let user = signed.user();
    let reason = value(&form, "reason");
    let settings: Vec<(String, String)> = form
        .iter()
        .filter_map(|(key, value)| {
            key.strip_prefix("policy.")
                .map(|key| (key.to_string(), value.trim().to_string()))
        })
        .collect();
    match state
        .app
        .admin_set_policy(user, &code, &settings, &reason)
        .await?
    {
        // POST-redirect-GET: a refresh does not submit again.
        Ok(_) => Ok(Redirect::to(&format!("/admin/creditors/{code}?saved=1")).into_response()),
        Err(problems) => {
            creditor_page(
                &state,
                &signed,
                &code,
                String::new(),
                Some((settings, reason)),
                problems,
            )
            .await
        }
    }
}

#[derive(Template)]
#[template(path = "admin_user.html")]
pub(crate) struct UserPage {
    pub(crate) frame: Frame,
    pub(crate) flash: String,
    pub(crate) subject: UserLine,
    pub(crate) role: &'static str,
    pub(crate) works: Vec<String>,
    pub(crate) roles: Vec<&'static str>,
    pub(crate) creditor_codes: Vec<String>,
    pub(crate) errors: Vec<FieldError>,
}

impl UserPage {
    pub(crate) fn error(&self, field: &str) -> String {
        error_of(&self.errors, field)
    }
}

async fn user_page(
    state: &AppState,
    signed: &Signed,
    name: &str,
    flash: String,
    errors: Vec<FieldError>,
) -> Result<Response, AppError> {
    let user = signed.user();
    let t = Words::new(user.language);
    let found = state
        .app
        .admin_users(user)
        .await?
        .into_iter()
        .find(|each| each.user.username == name)
        .ok_or(AppError::NotFound)?;
    let creditor_codes = state
        .app
        .admin_creditors(user)
        .await?
        .into_iter()
        .map(|creditor| creditor.code)
        .collect();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = UserPage {
        role: found.user.role.code(),
        works: found.creditors.clone(),
        subject: UserLine {
            role: t.label("roles.role", found.user.role.code()),
            creditors: found.creditors.join(", "),
            disabled: found.user.disabled,
            username: found.user.username,
        },
        frame: Frame::of(signed),
        flash,
        roles: Role::ALL.iter().map(|role| role.code()).collect(),
        creditor_codes,
        errors,
    };
    Ok((status, Html(page.render()?)).into_response())
}

pub async fn user(
    State(state): State<AppState>,
    signed: Signed,
    Path(name): Path<String>,
    axum::extract::Query(query): axum::extract::Query<SavedQuery>,
) -> Result<Response, AppError> {
    let flash = match query.saved {
        Some(_) => Words::new(signed.user().language)
            .get("roles.admin.changed")
            .to_string(),
        None => String::new(),
    };
    user_page(&state, &signed, &name, flash, Vec::new()).await
}

/// One of the user page's forms: `op` says which (`role`, `lock`, `unlock`,
/// `password`, `creditors`).
pub async fn change_user(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path(name): Path<String>,
    body: String,
) -> Result<Response, AppError> {
    use app::model::user_admin::UserChange;
    let form = fields(&body);
    signed.check_csrf(&headers, &value(&form, "csrf"))?;
    let user = signed.user();
    let t = Words::new(user.language);
    let reason = t.get("roles.admin.reason_by_admin");
    let outcome = match value(&form, "op").as_str() {
        "creditors" => {
            let codes: Vec<String> = form
                .iter()
                .filter(|(key, _)| key == "creditors")
                .map(|(_, code)| code.clone())
                .collect();
            state.app.admin_set_creditors(user, &name, &codes).await?
        }
        op => {
            let change = match op {
                "lock" => UserChange::Disabled(true),
                "unlock" => UserChange::Disabled(false),
                "password" => UserChange::Password(value(&form, "password")),
                _ => match Role::parse(&value(&form, "role")) {
                    Some(role) => UserChange::Role(role),
                    None => {
                        app::require(user, domain::permission::Permission::Administer)?;
                        let error = FieldError {
                            field: "role".into(),
                            message: t.get("roles.admin.choose_role").into(),
                        };
                        return user_page(&state, &signed, &name, String::new(), vec![error]).await;
                    }
                },
            };
            state
                .app
                .admin_change_user(user, &name, &change, reason)
                .await?
        }
    };
    match outcome {
        Ok(()) => Ok(Redirect::to(&format!("/admin/users/{name}?saved=1")).into_response()),
        Err(problem) => {
            let message = match &problem {
                app::admin::ChangeProblem::Yourself => t.get("roles.admin.yourself").to_string(),
                app::admin::ChangeProblem::Password(message)
                | app::admin::ChangeProblem::Creditors(message) => message.clone(),
            };
            let error = FieldError {
                field: problem.field().into(),
                message,
            };
            user_page(&state, &signed, &name, String::new(), vec![error]).await
        }
    }
}

framed!(UsersPage, CreditorsPage, CreditorPage, UserPage);
