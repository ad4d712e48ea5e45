//! What the navigation offers a user: the pages their role may open, computed once per
//! request from the one permission table (`domain::permission`), never decided in a
//! template.

use app::model::sessions::SessionUser;
use domain::permission::{Permission, allows};

/// The pages of the main navigation, in order: (address, label key, permission needed).
const PAGES: &[(&str, &str, Permission)] = &[
    ("/worklist", "roles.nav.worklist", Permission::WorkAccounts),
    ("/queue", "nav.queue", Permission::WorkAccounts),
    ("/queries", "queries.title", Permission::WorkAccounts),
    ("/team", "nav.team", Permission::Supervise),
    ("/disputes", "roles.nav.disputes", Permission::Supervise),
    ("/approvals", "nav.approvals", Permission::Supervise),
    ("/outbox", "outbox.title", Permission::Supervise),
    (
        "/exceptions",
        "nav.exceptions",
        Permission::ReviewExceptions,
    ),
    ("/overview", "roles.nav.overview", Permission::Oversee),
    (
        "/admin/templates",
        "templates.title",
        Permission::EditTemplates,
    ),
    (
        "/admin/strategies",
        "strategies.title",
        Permission::ManageStrategies,
    ),
    ("/admin/runs", "runs.title", Permission::Oversee),
    ("/admin/users", "roles.nav.users", Permission::Administer),
    (
        "/admin/creditors",
        "roles.nav.creditors",
        Permission::Administer,
    ),
    ("/audit", "roles.nav.audit", Permission::ReadAudit),
    (
        "/audit/decisions",
        "roles.nav.decisions",
        Permission::ReadAudit,
    ),
];

/// A link of the navigation.
pub(crate) struct NavLink {
    pub(crate) href: &'static str,
    pub(crate) key: &'static str,
}

/// The navigation a role is offered.
pub(crate) struct Nav {
    pub(crate) links: Vec<NavLink>,
    /// Search (every role that sees accounts).
    pub(crate) search: bool,
    /// Work accounts: the guided call, wrap-up, notes, flags, contact points and "Next
    /// account" on the account page (billing sees only what money it may post; admins
    /// and auditors read).
    pub(crate) work: bool,
}

impl Nav {
    pub(crate) fn of(user: &SessionUser) -> Nav {
        let may = |permission| allows(user.role, permission);
        Nav {
            links: PAGES
                .iter()
                .filter(|(_, _, permission)| may(*permission))
                .map(|(href, key, _)| NavLink { href, key })
                .collect(),
            search: may(Permission::ViewAccounts),
            work: may(Permission::WorkAccounts),
        }
    }

    /// Where the role starts its day: the first page of its own (agents the work list,
    /// supervisors the team board, billing the exceptions, managers the overview, admins
    /// administration, auditors the audit log).
    pub(crate) fn landing(role: domain::party::Role) -> &'static str {
        use domain::party::Role;
        match role {
            Role::Agent => "/worklist",
            Role::Supervisor => "/team",
            Role::Billing => "/exceptions",
            Role::Manager => "/overview",
            Role::Admin => "/admin/users",
            Role::Auditor => "/audit",
        }
    }
}

/// The 403 page for a signed-in user whose role may not use the route: in their
/// language, with their navigation and a way back to their start page.
#[derive(askama::Template)]
#[template(path = "forbidden.html")]
pub(crate) struct ForbiddenPage {
    pub(crate) t: crate::i18n::Words,
    pub(crate) csrf: String,
    pub(crate) nav: Nav,
    pub(crate) username: String,
    pub(crate) query: String,
    pub(crate) role: String,
    pub(crate) home: &'static str,
}

/// Replaces the bare 403 of `AppError::Forbidden` (marked `ForbiddenForRole`) with the
/// page above when a browser session asks; the API's JSON 403 is not marked and passes.
pub(crate) async fn forbidden_page(
    axum::extract::State(state): axum::extract::State<crate::AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let token = crate::auth::cookie_token(request.headers());
    let response = next.run(request).await;
    let (Some(token), Some(_)) = (
        token,
        response
            .extensions()
            .get::<crate::error::ForbiddenForRole>(),
    ) else {
        return response;
    };
    let Ok(app::model::sessions::Access::Granted(session)) = state.app.session(&token).await else {
        return response;
    };
    let user = &session.user;
    let t = crate::i18n::Words::new(user.language);
    let page = ForbiddenPage {
        role: t.label("roles.role", user.role.code()),
        t,
        csrf: session.csrf_token.clone(),
        nav: Nav::of(user),
        username: user.username.clone(),
        query: String::new(),
        home: Nav::landing(user.role),
    };
    match askama::Template::render(&page) {
        Ok(body) => (
            axum::http::StatusCode::FORBIDDEN,
            axum::response::Html(body),
        )
            .into_response(),
        Err(_) => response,
    }
}

/// What every page built on `base.html` shows around its content: the words, the
/// session's CSRF token, the navigation, who is signed in and the search box's text. A
/// page holds one as `frame` and derefs to it (`framed!`), so the base template reads
/// these fields on any page without each page declaring and filling them again.
pub(crate) struct Frame {
    pub(crate) t: crate::i18n::Words,
    pub(crate) csrf: String,
    pub(crate) nav: Nav,
    pub(crate) username: String,
    pub(crate) query: String,
}

impl Frame {
    pub(crate) fn of(signed: &crate::auth::Signed) -> Frame {
        let user = signed.user();
        Frame {
            t: crate::i18n::Words::new(user.language),
            csrf: signed.0.csrf_token.clone(),
            nav: Nav::of(user),
            username: user.username.clone(),
            query: String::new(),
        }
    }
}

/// Gives a page struct with a `frame: Frame` field the frame's fields (`t`, `csrf`,
/// `nav`, `username`, `query`), as `base.html` reads them.
macro_rules! framed {
    ($($page:ty),* $(,)?) => {$(
        impl std::ops::Deref for $page {
            type Target = $crate::nav::Frame;
            fn deref(&self) -> &$crate::nav::Frame {
                &self.frame
            }
        }
    )*};
}
pub(crate) use framed;

#[cfg(test)]
mod tests {
    use super::*;
    use domain::party::{Language, Role};

    fn user(role: Role) -> SessionUser {
        SessionUser {
            id: 1,
            username: "someone".into(),
            role,
            language: Language::En,
            creditor_ids: None,
        }
    }

    #[test]
    fn every_landing_page_is_in_the_roles_navigation() {
        for role in Role::ALL {
            let nav = Nav::of(&user(*role));
            let landing = Nav::landing(*role);
            assert!(
                nav.links.iter().any(|link| link.href == landing),
                "{role:?} lands on {landing}, which its navigation does not offer"
            );
        }
    }
}
