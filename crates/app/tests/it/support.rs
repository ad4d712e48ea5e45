//! Databases for the app suite: a SQLite file in a temp dir, or a throwaway PostgreSQL
//! database (`arrears_test_*`) on the server at `ARREARS_TEST_POSTGRES_URL`, dropped
//! afterwards. With `ARREARS_REQUIRE_POSTGRES=1` a missing server is a failure, never a
//! silent skip. (The store suite has its own copy: test modules are not shared across
//! crates.)

use domain::party::Role;
use jiff::Timestamp;
use jiff::civil::Date;
use sqlx::Executor;
use std::sync::atomic::{AtomicU32, Ordering};
use store::sessions::SessionUser;
use store::{Actor, Clock, PiiKey, Store};

/// A database for one test case, removed when dropped (PostgreSQL) or with its temp dir
/// (SQLite).
pub struct TestDb {
    pub url: String,
    pub key: PiiKey,
    _dir: Option<tempfile::TempDir>,
    drop_database: Option<(String, String)>,
}

impl TestDb {
    /// The database seen at `instant`.
    pub async fn open(&self, instant: Timestamp) -> Store {
        Store::open(&self.url, self.key.clone(), Clock::Fixed(instant))
            .await
            .unwrap()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((admin_url, name)) = self.drop_database.take() {
            // Best effort: the test command also drops leftovers at the end of the run.
            let _ = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                runtime.block_on(async move {
                    sqlx::any::install_default_drivers();
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

pub fn sqlite_db() -> TestDb {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("arrears.db").display());
    TestDb {
        url,
        key: PiiKey::generate(),
        _dir: Some(dir),
        drop_database: None,
    }
}

/// Whether PostgreSQL tests must run (`ARREARS_REQUIRE_POSTGRES=1`).
pub fn postgres_required() -> bool {
    std::env::var("ARREARS_REQUIRE_POSTGRES").is_ok_and(|value| value == "1")
}

/// A fresh PostgreSQL database, or `None` when no server is configured (a failure
/// instead when one is required).
pub async fn postgres_db() -> Option<TestDb> {
    let required = postgres_required();
    let Ok(admin_url) = std::env::var("ARREARS_TEST_POSTGRES_URL") else {
        assert!(
            !required,
            "ARREARS_REQUIRE_POSTGRES=1 but ARREARS_TEST_POSTGRES_URL is not set"
        );
        return None;
    };
    sqlx::any::install_default_drivers();
    let pool = match sqlx::AnyPool::connect(&admin_url).await {
        Ok(pool) => pool,
        Err(error) => {
            assert!(
                !required,
                "PostgreSQL at {admin_url} is required but unreachable: {error}"
            );
            return None;
        }
    };
    let name = format!(
        "arrears_test_{}_{}_app_{}",
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
    Some(TestDb {
        url: format!("{base}/{name}"),
        key: PiiKey::generate(),
        _dir: None,
        drop_database: Some((admin_url, name)),
    })
}

pub const PASSWORD: &str = "correct horse battery";

/// The first day of every run.
pub fn first_day() -> Date {
    jiff::civil::date(2026, 11, 23)
}

/// 18:00 UTC on `day`: 13:00 in New York and 10:00 in Seattle, inside every debtor's
/// convenient hours, and `day` in the business time zone.
pub fn instant_on(day: Date) -> Timestamp {
    jiff::tz::TimeZone::UTC
        .to_timestamp(day.at(18, 0, 0, 0))
        .unwrap()
}

/// Two creditors; debtors in New York, Washington and Massachusetts, three of them with
/// several accounts; balances from 120.00 to 3,000.00.
pub const PORTFOLIO: &str = "creditor,account_ref,debtor_ref,first_name,last_name,balance,currency,delinquent_since,address_line1,city,state,postal_code,phone_mobile,phone_home,email\n\
ACME,A-1,AD1,Ann,Bee,1200.00,USD,2026-03-01,1 Main St,Albany,NY,12207,(518) 555-0101,,ann@example.com\n\
ACME,A-2,AD1,Ann,Bee,450.00,USD,2026-05-01,1 Main St,Albany,NY,12207,(518) 555-0101,,ann@example.com\n\
ACME,A-3,AD2,Bob,Cole,120.00,USD,2026-06-01,2 Main St,Albany,NY,12207,(518) 555-0102,(518) 555-0112,\n\
ACME,A-4,AD3,Cruz,Diaz,2400.00,USD,2026-02-01,3 Pine St,Seattle,WA,98101,(206) 555-0103,,\n\
BETA,B-1,BD1,Dee,Eng,800.00,USD,2026-01-15,4 Elm St,Boston,MA,02108,(617) 555-0104,,dee@example.com\n\
BETA,B-2,BD1,Dee,Eng,1500.00,USD,2026-04-15,4 Elm St,Boston,MA,02108,(617) 555-0104,,dee@example.com\n\
BETA,B-3,BD2,Eve,Fox,650.00,USD,2026-07-01,5 Oak St,Albany,NY,12207,(518) 555-0105,,\n\
BETA,B-4,BD3,Finn,Gray,3000.00,USD,2025-12-01,6 Ash St,Seattle,WA,98101,(206) 555-0106,,\n";

/// The creditors' policies: ACME strict on plans (12 months, 50.00 installments, 10 %
/// down), BETA strict on settlements (lower limits and floors) and quick to break plans.
pub const POLICIES: &[(&str, &[(&str, &str)])] = &[
    (
        "ACME",
        &[
            ("returned_payment_fee", "25.00"),
            ("grace_days", "5"),
            ("plan_misses_to_break", "2"),
            ("plan_max_term_months", "12"),
            ("plan_min_installment", "50.00"),
            ("plan_min_down_payment_bps", "1000"),
            ("approval_threshold", "100.00"),
        ],
    ),
    (
        "BETA",
        &[
            ("returned_payment_fee", "15.00"),
            ("grace_days", "3"),
            ("plan_misses_to_break", "1"),
            ("agent_max_discount_bps", "1500"),
            ("supervisor_max_discount_bps", "3000"),
            ("manager_max_discount_bps", "5000"),
            ("agent_settlement_floor", "300.00"),
            ("supervisor_settlement_floor", "150.00"),
            ("approval_threshold", "250.00"),
        ],
    ),
];

/// Users of every role: agents and supervisors work the creditors listed; the other
/// roles see every creditor.
pub const USERS: &[(&str, Role, &[&str])] = &[
    ("ana", Role::Agent, &["ACME"]),
    ("al", Role::Agent, &["BETA"]),
    ("sam", Role::Supervisor, &["ACME", "BETA"]),
    ("sue", Role::Supervisor, &["ACME"]),
    ("max", Role::Manager, &[]),
    ("bea", Role::Billing, &[]),
    ("ada", Role::Admin, &[]),
    ("aud", Role::Auditor, &[]),
];

struct Source(Option<ingest::placement::CheckedPlacements<std::fs::File>>);

impl store::import::PlacementSource for Source {
    fn next_placement(&mut self) -> Option<domain::placement::Placement> {
        self.0.as_mut()?.next_placement()
    }

    fn finish(&mut self) -> Result<store::import::SourceSummary, String> {
        let summary = self
            .0
            .take()
            .unwrap()
            .finish()
            .map_err(|rejection| rejection.to_string())?;
        Ok(store::import::SourceSummary {
            sha256: summary.sha256,
            rows: summary.rows,
        })
    }
}

/// Imports a placement file's text with the real reader.
pub async fn import_text(store: &Store, text: &str) -> store::import::ImportOutcome {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("more-placements.csv");
    std::fs::write(&path, text).unwrap();
    let mapping = ingest::mapping::Mapping::standard();
    let checked =
        ingest::placement::CheckedPlacements::open(&path, &mapping, first_day(), 100).unwrap();
    let name = path.display().to_string();
    let request = store::import::ImportFile {
        file_name: &name,
        placed_on: first_day(),
    };
    store
        .import_placements(
            &Actor::new("test:setup"),
            &request,
            &mut Source(Some(checked)),
        )
        .await
        .unwrap()
}

/// Imports [`PORTFOLIO`] with the real reader, sets [`POLICIES`] and adds [`USERS`];
/// returns the users as their sessions see them, in [`USERS`] order.
pub async fn set_up(store: &Store) -> Vec<SessionUser> {
    let actor = Actor::new("test:setup");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("placements.csv");
    std::fs::write(&path, PORTFOLIO).unwrap();
    let mapping = ingest::mapping::Mapping::standard();
    let checked =
        ingest::placement::CheckedPlacements::open(&path, &mapping, first_day(), 100).unwrap();
    let name = path.display().to_string();
    let request = store::import::ImportFile {
        file_name: &name,
        placed_on: first_day(),
    };
    store
        .import_placements(&actor, &request, &mut Source(Some(checked)))
        .await
        .unwrap();
    for (code, settings) in POLICIES {
        let settings: Vec<(String, String)> = settings
            .iter()
            .map(|(key, value)| (key.to_string(), value.to_string()))
            .collect();
        store
            .set_creditor(&actor, code, None, &settings, "test policy")
            .await
            .unwrap();
    }
    let mut users = Vec::new();
    for (name, role, creditors) in USERS {
        let user = store.add_user(&actor, name, *role, PASSWORD).await.unwrap();
        if !creditors.is_empty() {
            let codes: Vec<String> = creditors.iter().map(|code| code.to_string()).collect();
            store.assign_creditors(&actor, name, &codes).await.unwrap();
        }
        users.push(store.session_user(user.id).await.unwrap());
    }
    users
}

/// A generated placement file's text (`ingest::generate`, as of [`first_day`]).
pub fn generated_text(accounts: u64, seed: u64) -> String {
    let config = ingest::generate::GeneratorConfig {
        accounts,
        seed,
        as_of: first_day(),
    };
    let mut text = Vec::new();
    ingest::generate::write_placements(&config, &mut text).unwrap();
    String::from_utf8(text).unwrap()
}

/// A right-party conversation by phone on `account_ref`, logged at 18:00 UTC on `day`.
pub async fn conversation(
    app: &app::App,
    user: &SessionUser,
    creditor: &str,
    account_ref: &str,
    day: Date,
) {
    let app = app.at(instant_on(day));
    let view = app.account(user, creditor, account_ref, day).await.unwrap();
    let input = app::workspace::AttemptInput {
        action: compliance::facts::Action::Call,
        contact: view
            .contact_points
            .iter()
            .find(|point| point.kind.starts_with("phone"))
            .map(|point| point.value.clone()),
        disposition: domain::contact::Disposition::RightPartyContact,
        note: None,
        version: view.version,
    };
    let logged = app.log_attempt(user, &view, &input).await.unwrap();
    assert!(
        matches!(logged, app::workspace::Attempted::Logged(_)),
        "{logged:?}"
    );
}
