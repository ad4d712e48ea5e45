//! How failures look: an HTML page in the user's language for the workspace, a JSON
//! object for the API. Internal errors are logged with their detail and shown as
//! "internal error" only.

use app::model::StoreError;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

/// A field a user must correct: its form (or request) name and the message. The API
/// answers with it as it is (`app::views::FieldError`).
pub use app::views::FieldError;

/// Marks a 403 answered because the user's role may not use the route (not a CSRF
/// refusal), so the page can be rendered for the signed-in user.
#[derive(Clone, Copy, Debug)]
pub struct ForbiddenForRole;

#[derive(Debug)]
pub enum AppError {
    /// Not signed in: to the sign-in page.
    SignIn,
    Forbidden,
    NotFound,
    Csrf,
    /// The store said no (conflict, invalid), with its message.
    Store(StoreError),
    ApiUnauthorized,
    /// 401: the token or session is valid but its user may not act now, and why.
    ApiSuspended(String),
    ApiForbidden,
    ApiCsrf,
    ApiNotFound,
    /// 422 with field errors.
    ApiInvalid(Vec<FieldError>),
    ApiConflict(String),
    Internal(String),
}

impl From<StoreError> for AppError {
    fn from(error: StoreError) -> AppError {
        match error {
            StoreError::Database(_) | StoreError::Corrupt(_) | StoreError::Config(_) => {
                AppError::Internal(error.to_string())
            }
            other => AppError::Store(other),
        }
    }
}

impl From<app::Error> for AppError {
    fn from(error: app::Error) -> AppError {
        match error {
            app::Error::Forbidden(_) => AppError::Forbidden,
            app::Error::Store(StoreError::NotFound(_)) => AppError::NotFound,
            app::Error::Store(error) => AppError::from(error),
        }
    }
}

impl From<askama::Error> for AppError {
    fn from(error: askama::Error) -> AppError {
        AppError::Internal(format!("template: {error}"))
    }
}

fn page(status: StatusCode, title: &str, message: &str) -> Response {
    let body = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{title}</title><link rel=\"stylesheet\" href=\"/assets/app.css\"></head><body><main><h1>{title}</h1><p role=\"alert\">{message}</p><p><a href=\"/queue\">Arrears</a></p></main></body></html>",
        title = escape(title),
        message = escape(message)
    );
    (status, [("content-type", "text/html; charset=utf-8")], body).into_response()
}

pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn api(status: StatusCode, error: &str, fields: Vec<FieldError>) -> Response {
    let body = app::views::ErrorBody {
        error: error.to_string(),
        fields,
    };
    (status, axum::Json(body)).into_response()
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        match self {
            AppError::SignIn => Redirect::to("/login").into_response(),
            AppError::Forbidden => {
                // A signed-in user gets the page in their language with their navigation
                // (`nav::forbidden_page` replaces this one, seeing the mark).
                let mut response = page(StatusCode::FORBIDDEN, "403", "You may not do this.");
                response.extensions_mut().insert(ForbiddenForRole);
                response
            }
            AppError::NotFound => page(StatusCode::NOT_FOUND, "404", "Not found."),
            AppError::Csrf => page(
                StatusCode::FORBIDDEN,
                "403",
                "This form expired. Reload the page and try again.",
            ),
            AppError::Store(StoreError::NotFound(_)) => {
                page(StatusCode::NOT_FOUND, "404", "Not found.")
            }
            AppError::Store(StoreError::Conflict(message)) => {
                page(StatusCode::CONFLICT, "409", &message)
            }
            AppError::Store(other) => {
                page(StatusCode::UNPROCESSABLE_ENTITY, "422", &other.to_string())
            }
            AppError::ApiUnauthorized => api(
                StatusCode::UNAUTHORIZED,
                "sign in or send a bearer token",
                Vec::new(),
            ),
            AppError::ApiSuspended(message) => api(StatusCode::UNAUTHORIZED, &message, Vec::new()),
            AppError::ApiForbidden => {
                api(StatusCode::FORBIDDEN, "forbidden for this role", Vec::new())
            }
            AppError::ApiCsrf => api(
                StatusCode::FORBIDDEN,
                "missing or wrong X-CSRF-Token",
                Vec::new(),
            ),
            AppError::ApiNotFound => api(StatusCode::NOT_FOUND, "not found", Vec::new()),
            AppError::ApiInvalid(fields) => {
                api(StatusCode::UNPROCESSABLE_ENTITY, "invalid input", fields)
            }
            AppError::ApiConflict(message) => api(StatusCode::CONFLICT, &message, Vec::new()),
            AppError::Internal(detail) => {
                tracing::error!(%detail, "internal error");
                page(StatusCode::INTERNAL_SERVER_ERROR, "500", "internal error")
            }
        }
    }
}
