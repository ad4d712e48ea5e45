use jiff::Timestamp;
use sqlx::Executor;
use std::sync::atomic::{AtomicU32, Ordering};
use store::{Clock, Engine, PiiKey, Store};

pub const NOW: &str = "2026-11-23T15:00:00Z";

/// A database for one test, removed when dropped (PostgreSQL) or with its temp dir (SQLite).
pub struct TestDb {
    pub url: String,
    pub key: PiiKey,
    pub engine: Engine,
    _dir: Option<tempfile::TempDir>,
    drop_database: Option<(String, String)>,
}

impl TestDb {
    pub async fn open(&self) -> Store {
        let clock = Clock::Fixed(NOW.parse::<Timestamp>().unwrap());
        Store::open(&self.url, self.key.clone(), clock)
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
        engine: Engine::Sqlite,
        _dir: Some(dir),
        drop_database: None,
    }
}

pub async fn postgres_db() -> Option<TestDb> {
    let required = std::env::var("ARREARS_REQUIRE_POSTGRES").is_ok_and(|value| value == "1");
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
        "arrears_test_{}_{}_{}",
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
    let url = format!("{base}/{name}");
    Some(TestDb {
        url,
        key: PiiKey::generate(),
        engine: Engine::Postgres,
        _dir: None,
        drop_database: Some((admin_url, name)),
    })
}

/// SQLite always, PostgreSQL when configured.
pub async fn engines() -> Vec<TestDb> {
    let mut databases = vec![sqlite_db()];
    databases.extend(postgres_db().await);
    databases
}

pub fn actor() -> store::Actor {
    store::Actor::new("test:clerk")
}

/// Writes a generated placement file and returns it with its validated summary.
pub fn generated_file(
    accounts: u64,
    seed: u64,
) -> (tempfile::NamedTempFile, ingest::placement::FileSummary) {
    let file = tempfile::Builder::new().suffix(".csv").tempfile().unwrap();
    let config = ingest::generate::GeneratorConfig {
        accounts,
        seed,
        as_of: today(),
    };
    ingest::generate::write_placements(&config, std::fs::File::create(file.path()).unwrap())
        .unwrap();
    let summary = validate(file.path());
    (file, summary)
}

pub fn today() -> jiff::civil::Date {
    jiff::civil::date(2026, 11, 23)
}

pub fn validate(path: &std::path::Path) -> ingest::placement::FileSummary {
    let mapping = ingest::mapping::Mapping::standard();
    ingest::placement::validate(path, &mapping, today(), 100, &mut |_| {})
        .unwrap_or_else(|rejection| panic!("{rejection}"))
}

/// Imports a file with the real reader.
pub async fn import(
    store: &Store,
    path: &std::path::Path,
    _summary: &ingest::placement::FileSummary,
) -> store::import::ImportOutcome {
    try_import(store, path).await.unwrap()
}

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

pub async fn try_import(
    store: &Store,
    path: &std::path::Path,
) -> Result<store::import::ImportOutcome, store::StoreError> {
    let mapping = ingest::mapping::Mapping::standard();
    let checked = ingest::placement::CheckedPlacements::open(path, &mapping, today(), 100).unwrap();
    let name = path.display().to_string();
    let request = store::import::ImportFile {
        file_name: &name,
        placed_on: today(),
    };
    store
        .import_placements(&actor(), &request, &mut Source(Some(checked)))
        .await
}

pub async fn count(store: &Store, table: &str) -> i64 {
    use sqlx::Row;
    let sql = format!("SELECT CAST(COUNT(*) AS BIGINT) FROM {table}");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_one(store.pool())
        .await
        .unwrap()
        .get(0)
}

pub async fn execute(store: &Store, sql: &str) {
    sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
        .execute(store.pool())
        .await
        .unwrap();
}

/// A call to `number` at `now` that nobody answered, with the compliance decision that
/// allowed it: what an agent's attempt writes (`Store::record_attempt`).
pub fn unanswered_call(
    account_id: i64,
    number: &str,
    now: Timestamp,
) -> (store::workspace::NewAttempt, store::decisions::NewDecision) {
    let attempt = store::workspace::NewAttempt {
        at: now,
        action: "call".into(),
        contact_point: Some(number.into()),
        direction: "outbound".into(),
        recipient: "consumer".into(),
        outcome: "no_answer".into(),
        disposition: "no_answer".into(),
        note: None,
        under_consent: false,
    };
    let decision = store::decisions::NewDecision {
        account_id,
        decided_at: now,
        asked_by: "agent",
        action: "call".into(),
        contact_point: attempt.contact_point.clone(),
        allowed: true,
        rules: Vec::new(),
        next_allowed_at: Some(now),
        packs: vec!["us@t".into()],
        request_json: "{}".into(),
        answer_json: "{}".into(),
    };
    (attempt, decision)
}
