//! Who is asking, and may they: the session cookie (web) or bearer token (API), the
//! CSRF synchronizer token on every state-changing form, and role checks.
//!
//! **Invariants:** every route but `/login`, `/healthz` and static assets requires a
//! signed-in user; every POST from a browser session carries the session's CSRF token
//! (a form field or the `X-CSRF-Token` header) and, when the browser says where it came
//! from, comes from this site; every handler states the permission it needs.

use crate::AppState;
use crate::error::AppError;
use app::model::sessions::{Access, Session, SessionUser, Suspension};
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use std::net::{IpAddr, SocketAddr};

pub const SESSION_COOKIE: &str = "arrears_session";

/// What a user may do and who may: the one table, in `domain`.
pub use domain::permission::Permission;

/// A signed-in browser session.
pub struct Signed(pub Session);

impl Signed {
    pub fn user(&self) -> &SessionUser {
        &self.0.user
    }

    /// The form's (or header's) CSRF token must be the session's, and the browser must
    /// not say the request came from another site.
    pub fn check_csrf(&self, headers: &HeaderMap, token: &str) -> Result<(), AppError> {
        same_site(headers)?;
        let header = headers
            .get("x-csrf-token")
            .and_then(|value| value.to_str().ok());
        let given = if token.is_empty() {
            header.unwrap_or("")
        } else {
            token
        };
        if constant_time_equal(given.as_bytes(), self.0.csrf_token.as_bytes()) {
            Ok(())
        } else {
            Err(AppError::Csrf)
        }
    }
}

/// Refuses requests a browser marks as coming from another site.
pub fn same_site(headers: &HeaderMap) -> Result<(), AppError> {
    if let Some(site) = headers
        .get("sec-fetch-site")
        .and_then(|value| value.to_str().ok())
        && !matches!(site, "same-origin" | "none")
    {
        return Err(AppError::Csrf);
    }
    if let (Some(origin), Some(host)) = (
        headers.get("origin").and_then(|value| value.to_str().ok()),
        headers.get("host").and_then(|value| value.to_str().ok()),
    ) {
        let origin_host = origin.split("://").nth(1).unwrap_or(origin);
        if origin != "null" && origin_host != host {
            return Err(AppError::Csrf);
        }
    }
    Ok(())
}

fn constant_time_equal(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |diff, (x, y)| diff | (x ^ y)) == 0
}

pub fn cookie_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all("cookie")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .find_map(|pair| {
            let (name, value) = pair.trim().split_once('=')?;
            (name == SESSION_COOKIE && !value.is_empty()).then(|| value.to_string())
        })
}

impl FromRequestParts<AppState> for Signed {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Some(token) = cookie_token(&parts.headers) else {
            return Err(AppError::SignIn);
        };
        // A session whose user is locked out or disabled goes back to sign-in too.
        match state.app.session(&token).await? {
            Access::Granted(session) => Ok(Signed(session)),
            Access::Suspended(_) | Access::Denied => Err(AppError::SignIn),
        }
    }
}

/// Why a valid token or session does not work now, for the API's 401.
fn suspended(suspension: Suspension) -> AppError {
    AppError::ApiSuspended(match suspension {
        Suspension::LockedOut { until } => format!(
            "this user is locked out after too many failed sign-ins until {until}; their tokens and sessions work again then"
        ),
        Suspension::Disabled => "this user is disabled".to_string(),
    })
}

/// An API caller: a bearer token (`Authorization: Bearer arr_…`), or a browser session
/// (which then needs the CSRF header on writes).
pub struct ApiCaller {
    pub user: SessionUser,
    pub session: Option<Session>,
}

impl ApiCaller {
    /// The permission a route declares, checked by `app` before the body is read (so
    /// a caller without it gets 403, not a 422 about a body it may not send); each use
    /// case checks its own again.
    pub fn require(&self, permission: Permission) -> Result<(), AppError> {
        app::require(&self.user, permission).map_err(AppError::from)
    }

    /// Writes by a browser session must carry the CSRF header; token callers need not.
    pub fn check_write(&self, headers: &HeaderMap) -> Result<(), AppError> {
        match &self.session {
            None => Ok(()),
            Some(session) => Signed(session.clone())
                .check_csrf(headers, "")
                .map_err(|_| AppError::ApiCsrf),
        }
    }
}

impl FromRequestParts<AppState> for ApiCaller {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let bearer = parts
            .headers
            .get("authorization")
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "));
        if let Some(token) = bearer {
            return match state.app.api_token_user(token.trim()).await? {
                Access::Granted(user) => Ok(ApiCaller {
                    user,
                    session: None,
                }),
                Access::Suspended(suspension) => Err(suspended(suspension)),
                Access::Denied => Err(AppError::ApiUnauthorized),
            };
        }
        let Some(token) = cookie_token(&parts.headers) else {
            return Err(AppError::ApiUnauthorized);
        };
        match state.app.session(&token).await? {
            Access::Granted(session) => Ok(ApiCaller {
                user: session.user.clone(),
                session: Some(session),
            }),
            Access::Suspended(suspension) => Err(suspended(suspension)),
            Access::Denied => Err(AppError::ApiUnauthorized),
        }
    }
}

/// The client's address as sign-in throttling counts it (`app::session::client_key`):
/// the socket's peer (the server hands every request its `ConnectInfo<SocketAddr>`), or,
/// when `Config::trusted_proxy` says a proxy of ours stands in front, the last address
/// of `X-Forwarded-For` — the one that proxy appended; those before it are whatever the
/// client wrote. `None` when neither is known (a router driven without a socket).
pub struct ClientAddress(pub Option<IpAddr>);

/// See [`ClientAddress`].
pub fn client_address(
    peer: Option<SocketAddr>,
    headers: &HeaderMap,
    trusted_proxy: bool,
) -> Option<IpAddr> {
    let forwarded = || {
        let last = headers
            .get_all("x-forwarded-for")
            .iter()
            .next_back()?
            .to_str()
            .ok()?
            .rsplit(',')
            .next()?
            .trim();
        last.parse::<IpAddr>()
            .ok()
            .or_else(|| last.parse::<SocketAddr>().ok().map(|address| address.ip()))
    };
    trusted_proxy
        .then(forwarded)
        .flatten()
        .or(peer.map(|peer| peer.ip()))
}

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(peer)| *peer);
        Ok(ClientAddress(client_address(
            peer,
            &parts.headers,
            state.trusted_proxy,
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(forwarded: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in forwarded {
            headers.append("x-forwarded-for", value.parse().unwrap());
        }
        headers
    }

    #[test]
    fn the_client_is_the_peer_unless_a_trusted_proxy_names_it_last() {
        let proxy: SocketAddr = "10.0.0.2:51000".parse().unwrap();
        let proxy_ip = Some(proxy.ip());
        let spoofed = headers(&["198.51.100.9, 203.0.113.7"]);
        // Not behind a trusted proxy: what the client wrote is ignored.
        assert_eq!(client_address(Some(proxy), &spoofed, false), proxy_ip);
        // Behind one: the address it appended (the last), not the client's own claims.
        assert_eq!(
            client_address(Some(proxy), &spoofed, true),
            Some("203.0.113.7".parse().unwrap())
        );
        assert_eq!(
            client_address(
                Some(proxy),
                &headers(&["198.51.100.9", "[2001:db8::1]:443"]),
                true
            ),
            Some("2001:db8::1".parse().unwrap())
        );
        // Nothing usable forwarded: the peer.
        assert_eq!(
            client_address(Some(proxy), &headers(&["nonsense"]), true),
            proxy_ip
        );
        assert_eq!(
            client_address(Some(proxy), &HeaderMap::new(), true),
            proxy_ip
        );
        assert_eq!(client_address(None, &HeaderMap::new(), false), None);
    }
}
