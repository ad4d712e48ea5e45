//! Arrears' HTTP server. For now: a home page stating what the database holds and a
//! health check; the agent workspace and the JSON API grow here.
//!
//! **Invariant:** handlers stay thin: extract, parse, authorise, one store call, respond.

use axum::Router;
use compliance::packs::RuleSet;
pub mod compliance_json;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Html;
use axum::routing::get;
use sqlx::Row;
use store::Store;

#[derive(Clone)]
pub struct AppState {
    store: Store,
    rules: &'static RuleSet,
}

pub fn router(store: Store) -> Router {
    router_with(store, RuleSet::builtin())
}

/// The router with the compliance rule packs the operator chose.
pub fn router_with(store: Store, rules: &'static RuleSet) -> Router {
    Router::new()
        .route("/", get(home))
        .route("/healthz", get(health))
        .route(
            "/api/v1/compliance/check",
            axum::routing::post(compliance_check),
        )
        .with_state(AppState { store, rules })
}

pub async fn serve(store: Store, rules: &'static RuleSet, listen: &str) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(listen).await?;
    serve_with(store, rules, listener).await
}

/// Serves on a listener the caller bound (tests bind port 0).
pub async fn serve_on(store: Store, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    serve_with(store, RuleSet::builtin(), listener).await
}

/// Serves with the given compliance rule packs.
pub async fn serve_with(
    store: Store,
    rules: &'static RuleSet,
    listener: tokio::net::TcpListener,
) -> std::io::Result<()> {
    store.warm_up_authentication().await;
    axum::serve(listener, router_with(store, rules))
        .with_graceful_shutdown(async {
            tokio::signal::ctrl_c().await.ok();
        })
        .await
}

/// `POST /api/v1/compliance/check`: one request object, one answer (contract:
/// docs/compliance-check.md); 422 with `{"error", "field"}` when malformed.
async fn compliance_check(
    State(state): State<AppState>,
    body: axum::body::Bytes,
) -> (StatusCode, axum::Json<serde_json::Value>) {
    let unprocessable = |error: String, field: &str| {
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            axum::Json(serde_json::json!({"error": error, "field": field})),
        )
    };
    let value: serde_json::Value = match serde_json::from_slice(&body) {
        Ok(value) => value,
        Err(error) => return unprocessable(format!("not JSON: {error}"), "request"),
    };
    match compliance_json::parse_request(&value) {
        Ok(request) => (
            StatusCode::OK,
            axum::Json(compliance_json::answer_json(&state.rules.check(&request))),
        ),
        Err(malformed) => unprocessable(malformed.reason, &malformed.field),
    }
}

async fn health() -> &'static str {
    "ok"
}

async fn home(State(state): State<AppState>) -> Result<Html<String>, StatusCode> {
    let counts = portfolio_counts(&state.store).await.map_err(|error| {
        tracing::error!(%error, "home page counts");
        StatusCode::INTERNAL_SERVER_ERROR
    })?;
    Ok(Html(render_home(&counts)))
}

struct Counts {
    creditors: i64,
    debtors: i64,
    accounts: i64,
}

async fn portfolio_counts(store: &Store) -> Result<Counts, sqlx::Error> {
    let row = sqlx::query(
        "SELECT (SELECT CAST(COUNT(*) AS BIGINT) FROM creditors), (SELECT CAST(COUNT(*) AS BIGINT) FROM debtors), (SELECT CAST(COUNT(*) AS BIGINT) FROM accounts)",
    )
    .fetch_one(store.pool())
    .await?;
    Ok(Counts {
        creditors: row.try_get(0)?,
        debtors: row.try_get(1)?,
        accounts: row.try_get(2)?,
    })
}

fn render_home(counts: &Counts) -> String {
    let plural = |count: i64, one: &str, many: &str| {
        format!("{count} {}", if count == 1 { one } else { many })
    };
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Arrears</title></head>\n<body>\n<h1>Arrears</h1>\n<p>Open-source collections management.</p>\n<p>This database holds {} of {} for {}.</p>\n<p>The agent workspace arrives here next; until then use the <code>arrears</code> command line.</p>\n</body></html>\n",
        plural(counts.accounts, "account", "accounts"),
        plural(counts.debtors, "debtor", "debtors"),
        plural(counts.creditors, "creditor", "creditors"),
    )
}
