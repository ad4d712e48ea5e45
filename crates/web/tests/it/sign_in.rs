//! Sign-in over HTTP (issue 13, finding 6), on SQLite and on PostgreSQL: the router is
//! driven without a socket, each request carrying the client's address as the server
//! hands it (`ConnectInfo<SocketAddr>`), so many clients can be played from one test.
//! Unknown names and wrong passwords get the same answer (status, page, headers),
//! throttled or not; a guessing address is refused with 429 and `Retry-After` while the
//! user signs in from elsewhere; a locked-out user's token and session are refused.

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, header};
use domain::party::Role;
use sqlx::Executor;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, Ordering};
use store::{Actor, Clock, PiiKey, Store};
use tower::ServiceExt;

const PASSWORD: &str = "correct horse battery";
const WRONG: &str = "not the password";
const NOW: &str = "2026-11-23T15:00:00Z";

/// A database for one test: a SQLite file, or a fresh PostgreSQL database dropped after.
pub(crate) struct Db {
    url: String,
    key: PiiKey,
    _dir: Option<tempfile::TempDir>,
    drop_database: Option<(String, String)>,
}

impl Db {
    pub(crate) async fn open(&self, now: &str) -> Store {
        let clock = Clock::Fixed(now.parse().unwrap());
        Store::open(&self.url, self.key.clone(), clock)
            .await
            .unwrap()
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        if let Some((admin_url, name)) = self.drop_database.take() {
            let _ = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                runtime.block_on(async move {
                    if let Ok(pool) = sqlx::AnyPool::connect(&admin_url).await {
                        let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                        let _ = pool.execute(sqlx::AssertSqlSafe(sql)).await;
                        pool.close().await;
                    }
                });
            })
            .join();
        }
    }
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// SQLite always; PostgreSQL when `ARREARS_TEST_POSTGRES_URL` is set (and required when
/// `ARREARS_REQUIRE_POSTGRES=1`).
pub(crate) async fn databases() -> Vec<Db> {
    let dir = tempfile::tempdir().unwrap();
    let mut databases = vec![Db {
        url: format!("sqlite://{}", dir.path().join("arrears.db").display()),
        key: PiiKey::generate(),
        _dir: Some(dir),
        drop_database: None,
    }];
    let required = std::env::var("ARREARS_REQUIRE_POSTGRES").is_ok_and(|value| value == "1");
    let Ok(admin_url) = std::env::var("ARREARS_TEST_POSTGRES_URL") else {
        assert!(
            !required,
            "ARREARS_REQUIRE_POSTGRES=1 but no ARREARS_TEST_POSTGRES_URL"
        );
        return databases;
    };
    sqlx::any::install_default_drivers();
    let pool = match sqlx::AnyPool::connect(&admin_url).await {
        Ok(pool) => pool,
        Err(error) => {
            assert!(
                !required,
                "PostgreSQL at {admin_url} is unreachable: {error}"
            );
            return databases;
        }
    };
    let name = format!(
        "arrears_test_{}_{}_web_{}",
        // scripts/test.sh names its run, and drops only its own databases at the end.
        std::env::var("ARREARS_TEST_RUN")
            .ok()
            .filter(|run| !run.is_empty() && run.bytes().all(|b| b.is_ascii_alphanumeric()))
            .unwrap_or_else(|| "local".into()),
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    );
    pool.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .await
        .unwrap();
    pool.close().await;
    let base = admin_url
        .rsplit_once('/')
        .map_or(admin_url.as_str(), |(base, _)| base);
    databases.push(Db {
        url: format!("{base}/{name}"),
        key: PiiKey::generate(),
        _dir: None,
        drop_database: Some((admin_url, name)),
    });
    databases
}

/// The store at NOW with the agent `ana`, and her API token.
async fn with_ana(db: &Db) -> (Store, String) {
    let store = db.open(NOW).await;
    let actor = Actor::new("test:setup");
    store
        .add_user(&actor, "ana", Role::Agent, PASSWORD)
        .await
        .unwrap();
    let token = store
        .create_api_token(&actor, "ana", "dialer")
        .await
        .unwrap();
    (store, token)
}

#[derive(Debug)]
struct Answer {
    status: u16,
    /// Every header, sorted (the router adds no date).
    headers: Vec<(String, String)>,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

/// Sends `request` from `client` (as the server would hand it its peer address).
async fn send(router: &Router, client: &str, mut request: Request<Body>) -> Answer {
    let peer: SocketAddr = client.parse().unwrap();
    request.extensions_mut().insert(ConnectInfo(peer));
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status().as_u16();
    let mut headers: Vec<(String, String)> = response
        .headers()
        .iter()
        .map(|(name, value)| (name.to_string(), value.to_str().unwrap().to_string()))
        .collect();
    headers.sort();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    Answer {
        status,
        headers,
        body: String::from_utf8(body.to_vec()).unwrap(),
    }
}

/// `POST /login` from `client`, with `forwarded` as `X-Forwarded-For` if given.
async fn sign_in(
    router: &Router,
    client: &str,
    forwarded: Option<&str>,
    username: &str,
    password: &str,
) -> Answer {
    let body =
        serde_urlencoded::to_string([("username", username), ("password", password)]).unwrap();
    let mut request =
        Request::post("/login").header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(forwarded) = forwarded {
        request = request.header("x-forwarded-for", forwarded);
    }
    send(router, client, request.body(Body::from(body)).unwrap()).await
}

#[tokio::test]
async fn unknown_names_and_wrong_passwords_get_the_same_answer_throttled_or_not() {
    for db in databases().await {
        let (store, _) = with_ana(&db).await;
        let router = web::router(store);
        // `bob` is no user; the same length as `ana`, so the pages match byte for byte
        // once the echoed name is set aside.
        let mut statuses = Vec::new();
        for attempt in 1..=6 {
            // The sixth with the right password: refused all the same.
            let password = if attempt == 6 { PASSWORD } else { WRONG };
            let known = sign_in(&router, "192.0.2.1:50001", None, "ana", password).await;
            let unknown = sign_in(&router, "192.0.2.2:50002", None, "bob", password).await;
            assert_eq!(known.status, unknown.status, "attempt {attempt}");
            assert_eq!(known.headers, unknown.headers, "attempt {attempt}");
            assert_eq!(
                known.body.replace("value=\"ana\"", "value=\"…\""),
                unknown.body.replace("value=\"bob\"", "value=\"…\""),
                "attempt {attempt}"
            );
            assert!(known.body.contains("value=\"ana\""));
            statuses.push(known.status);
            if known.status == 429 {
                assert_eq!(
                    known.header("retry-after"),
                    Some("900"),
                    "attempt {attempt}"
                );
                assert!(
                    known
                        .body
                        .contains("Too many failed sign-ins: try again in 15 min."),
                    "{}",
                    known.body
                );
            } else {
                assert_eq!(known.header("retry-after"), None);
                assert!(known.body.contains("Wrong user name or password."));
            }
        }
        assert_eq!(statuses, [401, 401, 401, 401, 429, 429]);
    }
}

#[tokio::test]
async fn an_address_that_guesses_gets_429_while_the_user_signs_in_from_another() {
    for db in databases().await {
        let (store, _) = with_ana(&db).await;
        let router = web::router(store.clone());
        let attacker = "203.0.113.66:40000";
        let mut last = None;
        for port in 0..5 {
            // A new source port is the same client; what it claims to forward is
            // ignored, as no trusted proxy is configured.
            let client = format!("203.0.113.66:{}", 40000 + port);
            last = Some(sign_in(&router, &client, Some("198.51.100.10"), "ana", WRONG).await);
        }
        let last = last.unwrap();
        assert_eq!(last.status, 429);
        assert_eq!(last.header("retry-after"), Some("900"));
        let right = sign_in(&router, attacker, None, "ana", PASSWORD).await;
        assert_eq!(
            right.status, 429,
            "refused from there whatever the password"
        );
        let desk = sign_in(&router, "198.51.100.10:51000", None, "ana", PASSWORD).await;
        assert_eq!(
            desk.status, 303,
            "ana signs in from her desk: {}",
            desk.body
        );
        assert!(desk.header("set-cookie").is_some());

        // Behind a trusted proxy every request comes from the proxy: the client is the
        // address the proxy appended to X-Forwarded-For, whatever came before it.
        let proxied = web::router_with(
            store,
            web::Config {
                trusted_proxy: true,
                ..web::Config::default()
            },
        );
        let proxy = "10.0.0.2:50000";
        for _ in 0..5 {
            sign_in(&proxied, proxy, Some("198.51.100.77"), "ana", WRONG).await;
        }
        let spoofing = sign_in(
            &proxied,
            proxy,
            Some("198.51.100.10, 198.51.100.77"),
            "ana",
            PASSWORD,
        )
        .await;
        assert_eq!(spoofing.status, 429);
        let desk = sign_in(&proxied, proxy, Some("198.51.100.10"), "ana", PASSWORD).await;
        assert_eq!(desk.status, 303, "{}", desk.body);
    }
}

/// The compliance contract's check with `token`: a call to the attorney of a consumer
/// who asked the collector to cease (allowed: 12 CFR 1006.6(a)).
fn attorney_check(token: &str) -> Request<Body> {
    let body = serde_json::json!({
        "now": "2026-11-23T16:00:00Z", "action": "call", "debt_id": "D-1",
        "recipient": "attorney",
        "consumer": {"time_zones": ["America/New_York"], "cease_requested": true},
        "debts": [{"id": "D-1"}]
    });
    Request::post("/api/v1/compliance/check")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap()
}

#[tokio::test]
async fn a_locked_out_users_token_and_session_are_refused_until_the_lock_ends() {
    for db in databases().await {
        let (store, token) = with_ana(&db).await;
        let router = web::router(store.clone());
        let signed = sign_in(&router, "198.51.100.10:51000", None, "ana", PASSWORD).await;
        let cookie = signed
            .header("set-cookie")
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_string();
        let works = send(&router, "198.51.100.10:51000", attorney_check(&token)).await;
        assert_eq!(works.status, 200, "{}", works.body);
        assert!(
            works.body.contains("\"decision\":\"allow\""),
            "{}",
            works.body
        );

        // Twenty addresses, five guesses each: the name is locked for everyone.
        for address in 1..=20 {
            for _ in 0..5 {
                sign_in(
                    &router,
                    &format!("192.0.2.{address}:40000"),
                    None,
                    "ana",
                    WRONG,
                )
                .await;
            }
        }
        let refused = send(&router, "198.51.100.10:51000", attorney_check(&token)).await;
        assert_eq!(refused.status, 401);
        let error: serde_json::Value = serde_json::from_str(&refused.body).unwrap();
        assert_eq!(
            error["error"],
            "this user is locked out after too many failed sign-ins until 2026-11-23T15:15:00Z; their tokens and sessions work again then"
        );
        let unknown = send(&router, "198.51.100.10:51000", attorney_check("arr_0000")).await;
        assert_eq!(unknown.status, 401);
        assert!(unknown.body.contains("sign in or send a bearer token"));
        let page = Request::get("/queue")
            .header(header::COOKIE, &cookie)
            .body(Body::empty())
            .unwrap();
        let page = send(&router, "198.51.100.10:51000", page).await;
        assert_eq!(
            (page.status, page.header("location")),
            (303, Some("/login"))
        );

        // Fifteen minutes later both work again.
        let later =
            web::router(store.with_clock(Clock::Fixed("2026-11-23T15:15:00Z".parse().unwrap())));
        let works = send(&later, "198.51.100.10:51000", attorney_check(&token)).await;
        assert_eq!(works.status, 200, "{}", works.body);
        let page = Request::get("/queue")
            .header(header::COOKIE, &cookie)
            .body(Body::empty())
            .unwrap();
        assert_eq!(send(&later, "198.51.100.10:51000", page).await.status, 200);
    }
}
