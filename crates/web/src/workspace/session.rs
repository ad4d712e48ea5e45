//! Sign-in and sign-out, the user's language, where each role lands.

use super::*;

// ---------------------------------------------------------------- sign-in

#[derive(Template)]
#[template(path = "login.html")]
pub(crate) struct LoginPage {
    pub(crate) t: Words,
    pub(crate) error: String,
    pub(crate) username: String,
}

/// The browser's preferred language between ours (before anyone has signed in).
pub(crate) fn browser_language(headers: &HeaderMap) -> Language {
    let first = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(',').next())
        .unwrap_or("");
    if first.trim().to_ascii_lowercase().starts_with("es") {
        Language::Es
    } else {
        Language::En
    }
}

pub async fn login_page(headers: HeaderMap) -> Result<Html<String>, AppError> {
    html(&LoginPage {
        t: Words::new(browser_language(&headers)),
        error: String::new(),
        username: String::new(),
    })
}

#[derive(Deserialize)]
pub struct LoginForm {
    pub(crate) username: String,
    pub(crate) password: String,
}

/// Signs in. A refusal is the same answer (status, page, headers) whether or not the user
/// name exists; when too many sign-ins failed from this client or for this name it is
/// 429 with `Retry-After`, again the same for any name (`app::session`).
pub async fn login(
    State(state): State<AppState>,
    ClientAddress(client): ClientAddress,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Result<Response, AppError> {
    same_site(&headers)?;
    let t = Words::new(browser_language(&headers));
    let page = |error: String| LoginPage {
        t,
        error,
        username: form.username.clone(),
    };
    match state
        .app
        .log_in(&form.username, &form.password, client)
        .await?
    {
        SignIn::Ok { token, session } => {
            let cookie = format!(
                "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{}",
                app::model::sessions::SESSION_HOURS * 3600,
                if state.cookie_secure { "; Secure" } else { "" }
            );
            Ok((
                StatusCode::SEE_OTHER,
                [
                    (header::SET_COOKIE, cookie),
                    (header::LOCATION, landing(session.user.role).into()),
                ],
            )
                .into_response())
        }
        SignIn::Refused => Ok((
            StatusCode::UNAUTHORIZED,
            html(&page(t.get("login.refused").into()))?,
        )
            .into_response()),
        SignIn::Throttled { until } => {
            // Whole seconds, rounded up: retrying at the advertised time is never early.
            let wait = until.duration_since(state.app.now());
            let seconds = (wait.as_secs() + i64::from(wait.subsec_nanos() > 0)).max(1);
            let minutes = (seconds + 59) / 60;
            let message = format!("{} {minutes} min.", t.get("login.locked"));
            Ok((
                StatusCode::TOO_MANY_REQUESTS,
                [(header::RETRY_AFTER, seconds.to_string())],
                html(&page(message))?,
            )
                .into_response())
        }
    }
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    pub(crate) csrf: String,
}

pub async fn logout(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Result<Response, AppError> {
    signed.check_csrf(&headers, &form.csrf)?;
    state.app.log_out(&signed.0).await?;
    let cookie = format!(
        "{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{}",
        if state.cookie_secure { "; Secure" } else { "" }
    );
    Ok((
        StatusCode::SEE_OTHER,
        [
            (header::SET_COOKIE, cookie),
            (header::LOCATION, "/login".into()),
        ],
    )
        .into_response())
}

pub async fn switch_language(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Result<Response, AppError> {
    signed.check_csrf(&headers, &form.csrf)?;
    let user = signed.user();
    let other = match user.language {
        Language::En => Language::Es,
        Language::Es => Language::En,
    };
    state.app.set_language(user, other).await?;
    let back = headers
        .get(header::REFERER)
        .and_then(|value| value.to_str().ok())
        .and_then(|referer| referer.split_once("://").map(|(_, rest)| rest))
        .and_then(|rest| rest.find('/').map(|slash| rest[slash..].to_string()))
        .unwrap_or_else(|| "/queue".into());
    Ok(Redirect::to(&back).into_response())
}

/// Where a role starts its day (`nav::Nav::landing`).
pub fn landing(role: domain::party::Role) -> &'static str {
    crate::nav::Nav::landing(role)
}

pub async fn root(signed: Signed) -> Redirect {
    Redirect::to(landing(signed.user().role))
}
