//! Arrears' storage: one API over SQLite and PostgreSQL.
//!
//! **API boundary:** callers pass parsed domain types and get domain types or plain view
//! structs back; SQL never leaves this crate.
//! **Invariant:** every state change runs in a [`audit::WriteTx`] and writes its audit
//! event in the same transaction.

pub mod accounts;
pub mod aging;
pub mod arrangements;
pub mod audit;
pub mod batch;
pub mod boards;
pub mod creditors;
pub mod crypto;
pub mod db;
pub mod decisions;
pub mod dialer;
pub mod disputes;
pub mod documents;
pub mod floor;
pub mod import;
pub mod letters;
pub mod locate;
pub mod logs;
pub mod messages;
pub mod money;
pub mod money_views;
pub mod nightly;
pub mod remittance;
pub mod rotate;
pub mod seal;
pub mod sessions;
pub mod strategies;
pub mod treatment;
mod turns;
pub mod user_admin;
pub mod users;
pub mod view;
pub mod workspace;

pub use audit::AuditReport;
pub use crypto::PiiKey;
pub use db::Engine;

use audit::WriteTx;
use jiff::Timestamp;
use sqlx::AnyPool;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("{0}")]
    Config(String),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Conflict(String),
    /// The input was refused as a whole; the text is the full report for the user.
    #[error("{0}")]
    Rejected(String),
}

/// Where "now" comes from. Tests and reproducible runs pin it.
#[derive(Clone, Copy, Debug)]
pub enum Clock {
    System,
    Fixed(Timestamp),
}

impl Clock {
    pub fn now(self) -> Timestamp {
        match self {
            Clock::System => Timestamp::now(),
            Clock::Fixed(instant) => instant,
        }
    }
}

/// Who does something and why; recorded in the audit log.
#[derive(Clone, Debug)]
pub struct Actor {
    pub name: String,
}

impl Actor {
    pub fn new(name: impl Into<String>) -> Actor {
        Actor { name: name.into() }
    }
}

#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    engine: Engine,
    key: PiiKey,
    clock: Clock,
    /// The agency's business time zone: what "today" is for the ledger and arrangements.
    business_zone: jiff::tz::TimeZone,
    /// Argon2 password verifications run (shared by clones): sign-in does the same work
    /// whether or not the user exists, which tests check by counting.
    password_verifications: std::sync::Arc<std::sync::atomic::AtomicU64>,
    /// SQLite has one writer at a time. Left to SQLite, writers that find the file
    /// locked poll it with sleeps growing to 100 ms (its busy handler), so under load a
    /// short write waited up to a tenth of a second after the lock was free ("next
    /// account" 141 ms at p95 with 8 agents). Writers of this process take turns here
    /// instead, and reach SQLite's lock only when it is free (other processes on the
    /// same file still meet the busy handler): people first come, first served, the
    /// nightly run behind them on both engines (`turns`).
    writer: std::sync::Arc<turns::Turns>,
    /// The core the nightly run may use within this process, whatever the number of
    /// its workers ([`Store::night_core`]).
    night_core: std::sync::Arc<tokio::sync::Semaphore>,
    /// Owned by the store and its clones: the SQLite checkpointer
    /// (`db::spawn_checkpointer`) stops when the last of them is dropped.
    alive: std::sync::Arc<()>,
}

/// A write transaction outside the audit chain and, on SQLite, this process's writer
/// turn, held until the transaction ends ([`Store::unaudited_write`]).
pub(crate) type UnauditedWrite = (
    Option<tokio::sync::OwnedMutexGuard<()>>,
    sqlx::Transaction<'static, sqlx::Any>,
);

/// How recent a person's write must be for [`Store::people_writing`].
pub const PEOPLE_LATELY_MS: u64 = 5_000;

/// The business time zone when none is configured (`ARREARS_BUSINESS_TZ`).
pub const BUSINESS_TIME_ZONE_DEFAULT: &str = "America/New_York";

pub(crate) const PII_KEY_CHECK_SETTING: &str = "pii_key_check";
pub(crate) const PII_KEY_MISMATCH: &str = "the PII key does not match this database (set ARREARS_PII_KEY or ARREARS_PII_KEY_FILE to the key it was created with)";

impl Store {
    /// Connects, applies pending migrations and checks the PII key against the database.
    pub async fn open(url: &str, key: PiiKey, clock: Clock) -> Result<Store, StoreError> {
        let (pool, engine) = db::connect(url).await?;
        db::migrate(&pool, engine, &key, clock.now().as_microsecond()).await?;
        let store = Store {
            pool,
            engine,
            key,
            clock,
            business_zone: jiff::tz::TimeZone::get(BUSINESS_TIME_ZONE_DEFAULT)
                .map_err(|error| StoreError::Config(format!("time zone database: {error}")))?,
            password_verifications: Default::default(),
            writer: Default::default(),
            night_core: std::sync::Arc::new(tokio::sync::Semaphore::new(1)),
            alive: Default::default(),
        };
        store.check_key().await?;
        if engine == Engine::Sqlite && db::sqlite_path(url).is_some() {
            db::spawn_checkpointer(
                url,
                std::sync::Arc::downgrade(&store.alive),
                store.writer.clone(),
            );
        }
        Ok(store)
    }

    async fn check_key(&self) -> Result<(), StoreError> {
        let check = self.key.check_value();
        let stored: Option<(String,)> = sqlx::query_as("SELECT value FROM settings WHERE key = $1")
            .bind(PII_KEY_CHECK_SETTING)
            .fetch_optional(&self.pool)
            .await?;
        match stored {
            Some((stored,)) if stored == check => Ok(()),
            Some(_) => Err(StoreError::Config(PII_KEY_MISMATCH.into())),
            None => {
                sqlx::query("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING")
                    .bind(PII_KEY_CHECK_SETTING)
                    .bind(&check)
                    .execute(&self.pool)
                    .await?;
                // Another process may have won the race with another key: check again.
                Box::pin(self.check_key()).await
            }
        }
    }

    pub fn engine(&self) -> Engine {
        self.engine
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    /// The same store with its clock pinned (the demo records history at past instants).
    pub fn with_clock(mut self, clock: Clock) -> Store {
        self.clock = clock;
        self
    }

    /// The same store deciding "today" in `zone` (the agency's business time zone).
    pub fn with_business_zone(mut self, zone: jiff::tz::TimeZone) -> Store {
        self.business_zone = zone;
        self
    }

    /// How many Argon2 password verifications this store (and its clones) has run.
    pub fn password_verifications(&self) -> u64 {
        self.password_verifications
            .load(std::sync::atomic::Ordering::SeqCst)
    }

    pub fn business_zone(&self) -> &jiff::tz::TimeZone {
        &self.business_zone
    }

    /// Today's business date.
    pub fn today(&self) -> jiff::civil::Date {
        self.business_zone.to_datetime(self.now()).date()
    }

    pub(crate) fn key(&self) -> &PiiKey {
        &self.key
    }

    /// This process's turn to write on SQLite (see `writer`); `None` on PostgreSQL.
    /// Hold it for the whole write transaction; never take it twice in one task.
    pub(crate) async fn writer_turn(&self) -> Option<tokio::sync::OwnedMutexGuard<()>> {
        match self.engine {
            Engine::Sqlite => Some(self.writer.foreground().await),
            Engine::Postgres => None,
        }
    }

    /// Whether a person's write (a foreground writer of this process) waits for the
    /// audit lock now: a writer behind ([`Store::write_behind`]) ends its transaction
    /// at the next point it can.
    pub(crate) fn someone_waiting_to_write(&self) -> bool {
        self.writer.someone_waiting()
    }

    /// Whether people wrote through this process lately (`PEOPLE_LATELY_MS`): the
    /// nightly run then keeps one chunk in flight instead of two, leaving the second
    /// core to them.
    pub fn people_writing(&self) -> bool {
        self.writer
            .person_wrote_within(std::time::Duration::from_millis(PEOPLE_LATELY_MS))
    }

    /// The core the nightly run may use in this process, held while a chunk is read
    /// and computed and, while people write (`people_writing`), while it is written
    /// too. Writes already take turns (the audit lock); with this, a second worker in
    /// the process keeps busy what one keeps busy — one chunk written while the next is
    /// read, or one chunk at a time beside people — instead of taking a third share of
    /// two cores from the writer and from people (measured: 2 workers 8 % slower than
    /// one alone, and agents' p95 9.9 × instead of 3.8 × with them).
    pub async fn night_core(&self) -> tokio::sync::OwnedSemaphorePermit {
        self.night_core
            .clone()
            .acquire_owned()
            .await
            .expect("the night's semaphore is never closed")
    }

    /// A write transaction for the nightly run: begun only when no person's write of
    /// this process waits for the audit lock (`turns`).
    pub(crate) async fn write_behind(&self) -> Result<WriteTx, StoreError> {
        let turn = self.turn_behind().await;
        self.begin_write(turn).await
    }

    /// A write transaction outside the audit chain (the queue's locks: who is working
    /// whom, not facts), with this process's writer turn on SQLite; hold the turn until
    /// the transaction ends.
    pub(crate) async fn unaudited_write(&self) -> Result<UnauditedWrite, StoreError> {
        let _waiting = self.writer.wait();
        let turn = self.writer_turn().await;
        self.begin_unaudited(turn).await
    }

    /// [`Store::unaudited_write`] for the nightly run's own bookkeeping (leases): begun
    /// behind people's writes, as [`Store::write_behind`], and not counted as a
    /// person's write — else the run would find people writing all night
    /// ([`Store::people_writing`]) and keep to one chunk in flight.
    pub(crate) async fn unaudited_write_behind(&self) -> Result<UnauditedWrite, StoreError> {
        let turn = self.turn_behind().await;
        self.begin_unaudited(turn).await
    }

    async fn begin_unaudited(
        &self,
        turn: Option<tokio::sync::OwnedMutexGuard<()>>,
    ) -> Result<UnauditedWrite, StoreError> {
        let tx = match self.engine {
            Engine::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Engine::Postgres => self.pool.begin().await?,
        };
        Ok((turn, tx))
    }

    /// The writer's turn behind people: SQLite's, taken when no person's write of this
    /// process waits; on PostgreSQL, no turn, once none waits.
    async fn turn_behind(&self) -> Option<tokio::sync::OwnedMutexGuard<()>> {
        match self.engine {
            Engine::Sqlite => Some(self.writer.behind().await),
            Engine::Postgres => {
                self.writer.until_clear().await;
                None
            }
        }
    }

    /// A write transaction for a person's change: counted as waiting (`turns`) until it
    /// holds the audit lock, so the nightly run lets it in first.
    pub(crate) async fn write(&self) -> Result<WriteTx, StoreError> {
        let waiting = self.writer.wait();
        let turn = self.writer_turn().await;
        let begun = self.begin_write(turn).await;
        drop(waiting);
        begun
    }

    async fn begin_write(
        &self,
        turn: Option<tokio::sync::OwnedMutexGuard<()>>,
    ) -> Result<WriteTx, StoreError> {
        let now = self.now();
        let begun = WriteTx::begin(
            &self.pool,
            self.engine,
            now.as_microsecond(),
            self.business_zone.clone(),
            self.key.seal_key(),
            turn,
        )
        .await;
        if let Err(StoreError::Corrupt(_)) = &begun {
            // A head sealed with another key: the key was rotated since this store was
            // opened (say so), or else the head was tampered with.
            self.check_key().await?;
        }
        begun
    }

    /// Refreshes the planner's statistics of `table` after a bulk change (PostgreSQL;
    /// without them a fresh million-row table is planned as if it were empty and the
    /// queue's index is ignored). SQLite plans from its indexes as they are.
    pub(crate) async fn analyze(&self, table: &'static str) -> Result<(), StoreError> {
        if self.engine == Engine::Postgres {
            sqlx::query(sqlx::AssertSqlSafe(format!("ANALYZE {table}")))
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }

    /// Recomputes the audit chain and ledger row hashes.
    pub async fn verify_audit(&self) -> Result<AuditReport, StoreError> {
        audit::verify(&self.pool, self.engine, &self.key.seal_key()).await
    }

    /// The last `limit` audit events (oldest first), optionally of one entity
    /// (`NBANK/4000…` for an account, a user name, a creditor code, an import id).
    pub async fn audit_log(
        &self,
        entity_key: Option<&str>,
        limit: i64,
    ) -> Result<Vec<audit::AuditEntry>, StoreError> {
        audit::recent(&self.pool, entity_key, limit).await
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}
