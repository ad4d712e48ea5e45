//! Arrears' HTTP server: the agent workspace (`workspace`: sign-in, work queue, account
//! page and what agents record), the JSON API (`api`, including the compliance check),
//! static assets and a health check. Who is asking: `auth`; words in English and
//! Spanish: `i18n`.
//!
//! **Invariant:** handlers stay thin: extract, parse, call a use case of `app`, render.

use axum::Router;
use compliance::packs::RuleSet;
mod admin;
pub mod api;
mod auditor;
pub mod auth;
pub mod disputes;
pub mod documents;
pub mod error;
pub mod i18n;
mod input;
mod landing;
pub mod letters;
mod messages;
pub mod money;
mod nav;
pub mod server;
mod strategies;
mod template_editor;
pub mod workspace;

use app::model::Store;
use axum::http::StatusCode;
use axum::routing::get;

#[derive(Clone)]
pub struct AppState {
    /// The use cases; every action goes through them.
    app: app::App,
    /// The agency's business time zone: what "today" is (promise dates, aging).
    business_zone: jiff::tz::TimeZone,
    /// The session cookie is sent only over HTTPS (`Secure`): behind a TLS proxy.
    cookie_secure: bool,
    /// A proxy of ours stands in front: the client is the last `X-Forwarded-For` address.
    trusted_proxy: bool,
}

impl AppState {
    /// Today's business date.
    pub fn today(&self) -> jiff::civil::Date {
        self.business_zone.to_datetime(self.app.now()).date()
    }
}

/// The server's settings.
#[derive(Clone)]
pub struct Config {
    pub rules: &'static RuleSet,
    pub business_zone: jiff::tz::TimeZone,
    /// Mark the session cookie `Secure` (`ARREARS_COOKIE_SECURE=1`): set it when Arrears
    /// is served over HTTPS, as it should be in production.
    pub cookie_secure: bool,
    /// Connection cap and timeouts of the server loop (`server::run`).
    pub limits: server::ServerLimits,
    /// Arrears is reached only through a reverse proxy of ours that appends the client's
    /// address to `X-Forwarded-For` (`ARREARS_TRUSTED_PROXY=1`): sign-in throttling then
    /// counts that address instead of the proxy's. Leave it off when clients can reach
    /// the server directly, or any client could name itself anyone.
    pub trusted_proxy: bool,
    /// Sender, public address and webhook secret of email and texts.
    pub messages: app::messages::Settings,
    /// The documents folder and the upload limit (`ARREARS_DOCUMENTS_DIR`,
    /// `ARREARS_UPLOAD_MAX_BYTES`).
    pub documents: app::documents::Settings,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            rules: RuleSet::builtin(),
            business_zone: jiff::tz::TimeZone::get(app::model::BUSINESS_TIME_ZONE_DEFAULT)
                .expect("the bundled tz database has New York"),
            cookie_secure: false,
            limits: server::ServerLimits::default(),
            trusted_proxy: false,
            messages: app::messages::Settings::default(),
            documents: app::documents::Settings::default(),
        }
    }
}

/// The security headers of every answer: a content security policy that allows only this
/// site's own scripts, styles and forms and no framing; no MIME sniffing; the referrer
/// kept on this site; and, unless the answer says otherwise (the static assets), nothing
/// cached — pages show debtors' identities and balances.
async fn security_headers(mut response: axum::response::Response) -> axum::response::Response {
    use axum::http::HeaderValue;
    use axum::http::header;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
        ),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

pub fn router(store: Store) -> Router {
    router_with(store, Config::default())
}

/// Static files, compiled in (no download at build or run time).
const ASSETS: &[(&str, &str, &str)] = &[
    (
        "app.css",
        "text/css; charset=utf-8",
        include_str!("../assets/app.css"),
    ),
    (
        "htmx.min.js",
        "text/javascript; charset=utf-8",
        include_str!("../assets/htmx.min.js"),
    ),
    (
        "workspace.js",
        "text/javascript; charset=utf-8",
        include_str!("../assets/workspace.js"),
    ),
];

async fn asset(axum::extract::Path(name): axum::extract::Path<String>) -> axum::response::Response {
    use axum::response::IntoResponse;
    match ASSETS.iter().find(|(file, _, _)| *file == name) {
        Some((_, content_type, body)) => (
            [
                (axum::http::header::CONTENT_TYPE, *content_type),
                (axum::http::header::CACHE_CONTROL, "public, max-age=3600"),
            ],
            *body,
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// The router with the operator's settings.
pub fn router_with(store: Store, config: Config) -> Router {
    use axum::routing::post;
    let state = state_of(store, config);
    Router::new()
        .route("/", get(workspace::root))
        .route("/healthz", get(health))
        .route("/assets/{name}", get(asset))
        .route("/login", get(workspace::login_page).post(workspace::login))
        .route("/logout", post(workspace::logout))
        .route("/me/language", post(workspace::switch_language))
        .route("/queue", get(workspace::queue))
        .route("/queue/next", post(workspace::next_account))
        .route("/search", get(workspace::search))
        .route("/worklist", get(workspace::worklist))
        .route(
            "/accounts/{creditor}/{account_ref}",
            get(workspace::account),
        )
        .route(
            "/accounts/{creditor}/{account_ref}/statement.pdf",
            get(letters::statement_pdf),
        )
        .route(
            "/accounts/{creditor}/{account_ref}/documents",
            // Streamed, not read whole first (`server::read_body_within` lets it through
            // within the body timeout): the handler counts the file against the upload
            // limit, reads the form's small fields within bounds and discards the rest.
            post(documents::upload).layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route(
            "/accounts/{creditor}/{account_ref}/documents/{id}",
            get(documents::download),
        )
        .route(
            "/accounts/{creditor}/{account_ref}/documents/{id}/evidence",
            post(documents::evidence),
        )
        .route(
            "/accounts/{creditor}/{account_ref}/portfolio",
            post(documents::portfolio),
        )
        .route(
            "/accounts/{creditor}/{account_ref}/attempts",
            post(workspace::log_attempt),
        )
        .route(
            "/accounts/{creditor}/{account_ref}/promises",
            post(workspace::record_promise),
        )
        .route(
            "/accounts/{creditor}/{account_ref}/notes",
            post(workspace::add_note),
        )
        .route(
            "/accounts/{creditor}/{account_ref}/callbacks",
            post(workspace::schedule_callback),
        )
        .route(
            "/accounts/{creditor}/{account_ref}/disputes",
            post(workspace::log_dispute),
        )
        .route(
            "/accounts/{creditor}/{account_ref}/flags",
            post(workspace::save_flag),
        )
        .route(
            "/accounts/{creditor}/{account_ref}/verify",
            post(workspace::verify),
        )
        .route(
            "/accounts/{creditor}/{account_ref}/banner",
            get(workspace::banner),
        )
        .route(
            "/accounts/{creditor}/{account_ref}/contacts",
            post(workspace::add_contact),
        )
        .route(
            "/accounts/{creditor}/{account_ref}/contacts/status",
            post(workspace::contact_status),
        )
        .route(
            "/accounts/{creditor}/{account_ref}/payments",
            post(money::post_payment),
        )
        .route(
            "/accounts/{creditor}/{account_ref}/plans",
            post(money::plan_agree),
        )
        .route(
            "/accounts/{creditor}/{account_ref}/plans/quote",
            post(money::plan_quote),
        )
        .route(
            "/accounts/{creditor}/{account_ref}/settlements",
            post(money::settlement_offer),
        )
        .route(
            "/accounts/{creditor}/{account_ref}/settlements/check",
            post(money::settlement_check),
        )
        .route(
            "/accounts/{creditor}/{account_ref}/money-changes",
            post(money::money_change),
        )
        .route(
            "/accounts/{creditor}/{account_ref}/recall",
            post(money::recall),
        )
        .route("/approvals", get(money::approvals))
        .route("/approvals/{id}", post(money::decide_approval))
        .route("/disputes", get(disputes::disputes))
        .route(
            "/disputes/{creditor}/{account_ref}",
            post(disputes::resolve),
        )
        .route("/exceptions", get(money::exceptions))
        .route("/exceptions/{id}", post(money::resolve_exception))
        .route("/team", get(workspace::team))
        .route("/team/board", get(workspace::team_board))
        .route("/overview", get(landing::overview))
        .route("/admin/users", get(admin::users).post(admin::add_user))
        .route(
            "/admin/users/{username}",
            get(admin::user).post(admin::change_user),
        )
        .route("/admin/creditors", get(admin::creditors))
        .route(
            "/admin/creditors/{code}",
            get(admin::creditor).post(admin::set_policy),
        )
        .route(
            "/admin/strategies",
            get(strategies::strategies).post(strategies::submit),
        )
        .route("/admin/strategies/upload", post(strategies::upload))
        .route("/admin/strategies/activate", post(strategies::activate))
        .route("/admin/strategies/compare", get(strategies::compare))
        .route("/admin/runs", get(strategies::runs))
        .route("/admin/templates", get(template_editor::list))
        .route(
            "/admin/templates/{name}/{lang}",
            get(template_editor::editor).post(template_editor::submit),
        )
        .route(
            "/admin/templates/{name}/{lang}/preview.pdf",
            get(template_editor::preview_pdf),
        )
        .route("/audit", get(auditor::audit_log))
        .route("/audit/export", get(auditor::audit_export))
        .route("/audit/verify", post(auditor::verify))
        .route("/audit/decisions", get(auditor::decision_log))
        .route("/audit/decisions/export", get(auditor::decision_export))
        .route("/team/assign", post(workspace::assign))
        .route("/team/reassign", post(workspace::reassign))
        .route(
            "/unsubscribe/{token}",
            get(messages::unsubscribe_form).post(messages::unsubscribe),
        )
        .route("/outbox", get(messages::outbox))
        .route("/outbox/{id}", get(messages::outbox_message))
        .route("/outbox/{id}/retry", post(messages::retry))
        .route("/queries", get(messages::queries))
        .route("/queries/{id}/answer", post(messages::answer_query))
        .merge(api::routes())
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            nav::forbidden_page,
        ))
        .with_state(state)
        .layer(axum::middleware::from_fn(input::refuse_hidden_characters))
        .layer(axum::middleware::map_response(security_headers))
}

/// Whether a request is an upload, whose body the handler streams (`documents::upload`).
pub(crate) fn is_upload(method: &axum::http::Method, path: &str) -> bool {
    method == axum::http::Method::POST
        && path.starts_with("/accounts/")
        && path.ends_with("/documents")
}

/// The handlers' state: the use cases over the store, with the operator's settings.
fn state_of(store: Store, config: Config) -> AppState {
    // The store dates entries and reviews arrangements on the same business day the
    // pages show.
    let store = store.with_business_zone(config.business_zone.clone());
    AppState {
        app: app::App::new(store, config.rules)
            .with_message_settings(config.messages)
            .with_document_settings(config.documents),
        business_zone: config.business_zone,
        cookie_secure: config.cookie_secure,
        trusted_proxy: config.trusted_proxy,
    }
}

pub async fn serve(store: Store, config: Config, listen: &str) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(listen).await?;
    serve_with(store, config, listener).await
}

/// Serves on a listener the caller bound (tests bind port 0).
pub async fn serve_on(store: Store, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    serve_with(store, Config::default(), listener).await
}

/// Serves with the operator's settings.
pub async fn serve_with(
    store: Store,
    config: Config,
    listener: tokio::net::TcpListener,
) -> std::io::Result<()> {
    app::App::new(store.clone(), config.rules).warm_up().await;
    let limits = config.limits.clone();
    server::run(listener, router_with(store, config), limits, async {
        tokio::signal::ctrl_c().await.ok();
    })
    .await
}

async fn health() -> &'static str {
    "ok"
}
