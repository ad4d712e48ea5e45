//! One gate for the text every form and API write carries: a field holding a character
//! `domain::text` refuses (NUL, other control characters, a stray byte-order mark,
//! bidirectional controls) is answered 422 naming the field, before any handler runs,
//! so no such character is ever stored (issue 13, finding 14).

use crate::api::invalid;
use crate::error::AppError;
use axum::extract::Request;
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::Value;

/// The compliance check of the contract parses its own request and stores nothing; its
/// malformed-request answer has the contract's shape (docs/compliance-check.md).
/// The SMS webhook checks its signature over the raw body first (an unsigned request
/// is a 401 whatever it holds) and then drops the refused characters from the debtor's
/// text itself (`App::sms_inbound`): a provider cannot fix a reply and would only retry.
const OWN_PARSER: &[&str] = &["/api/v1/compliance/check", "/api/v1/sms/inbound"];

pub async fn refuse_hidden_characters(request: Request, next: Next) -> Response {
    let writes = matches!(
        *request.method(),
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    );
    // A document upload streams its body to disk (`documents::upload`): it is not read
    // whole here; its handler checks its note and the app cleans its file name.
    if !writes
        || OWN_PARSER.contains(&request.uri().path())
        || crate::is_upload(request.method(), request.uri().path())
    {
        return next.run(request).await;
    }
    let kind = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .map(|value| {
            value
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_default();
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, crate::server::MAX_BODY_BYTES).await else {
        return crate::server::too_large(parts.uri.path().starts_with("/api/"));
    };
    let refused = match kind.as_str() {
        "application/x-www-form-urlencoded" => {
            serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
                .ok()
                .and_then(|pairs| {
                    pairs.iter().find_map(|(name, value)| {
                        domain::text::refusal_message(name)
                            .or_else(|| domain::text::refusal_message(value))
                            .map(|message| (name.clone(), message))
                    })
                })
        }
        "application/json" => serde_json::from_slice::<Value>(&bytes)
            .ok()
            .and_then(|value| refused_in_json(&value, "")),
        _ => None,
    };
    if let Some((field, message)) = refused {
        if parts.uri.path().starts_with("/api/") {
            return invalid(&field, &message).into_response();
        }
        return AppError::Store(app::model::StoreError::Invalid(format!(
            "{field}: {message}"
        )))
        .into_response();
    }
    next.run(Request::from_parts(parts, axum::body::Body::from(bytes)))
        .await
}

/// The first string (key or value) in `value` holding a refused character, with its path
/// (`payments[0].reference`).
fn refused_in_json(value: &Value, path: &str) -> Option<(String, String)> {
    match value {
        Value::String(text) => {
            domain::text::refusal_message(text).map(|message| (field_name(path), message))
        }
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(index, item)| refused_in_json(item, &format!("{path}[{index}]"))),
        Value::Object(map) => map.iter().find_map(|(key, item)| {
            let child = if path.is_empty() {
                key.clone()
            } else {
                format!("{path}.{key}")
            };
            match domain::text::refusal_message(key) {
                Some(message) => Some((field_name(&child), message)),
                None => refused_in_json(item, &child),
            }
        }),
        _ => None,
    }
}

fn field_name(path: &str) -> String {
    if path.is_empty() {
        "body".into()
    } else {
        path.escape_debug().to_string()
    }
}
