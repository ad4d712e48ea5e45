//! Connecting to SQLite or PostgreSQL through sqlx's `Any` driver, and migrations.

use crate::StoreError;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Connection, Executor, Row};
use std::str::FromStr;
use std::time::Duration;

/// Connections per pool. SQLite has one writer anyway; PostgreSQL serves more.
pub const POOL_CONNECTIONS_MAX: u32 = 8;
/// How long a SQLite connection waits for the writer lock before failing.
pub const SQLITE_BUSY_TIMEOUT_MS: u64 = 10_000;
/// Page cache per SQLite connection. The default 2 MiB thrashes once the unique indexes
/// of a few hundred thousand accounts no longer fit.
pub const SQLITE_CACHE_KIB: u64 = 64 * 1024;
/// How much of a SQLite file is read through a memory map rather than copied into each
/// connection's cache by `pread`: the connections then share the operating system's
/// page cache, and a page is not copied once per connection. Measured at 1,000,000
/// accounts with 8 agents: without it a third of the server's CPU was the kernel copying
/// pages (`_copy_to_iter`). SQLite's own ceiling (`SQLITE_MAX_MMAP_SIZE`, 0x7fff0000)
/// caps it; a larger file reads its tail as before.
pub const SQLITE_MMAP_BYTES: u64 = 0x7fff_0000;
/// A pooled connection idle longer than this is pinged before it is handed out (a
/// server restart while it sat unused costs a reconnect, not an error). One used more
/// recently is handed out as it is: sqlx pings every connection when it comes back to
/// the pool anyway, so a broken one does not get back in, and pinging again on the way
/// out made every read outside a transaction three round trips to the server (ping,
/// query, ping) instead of two.
pub const POOL_PING_IDLE_MS: u64 = 1_000;
/// Prepared statements each PostgreSQL connection keeps (sqlx's default is 100). The
/// workspace alone runs some 220 distinct statements (the work list's carry the user's
/// creditors and id written in): with 100, each connection kept evicting and preparing
/// statements again, and planning them was a fifth of the server's CPU under load. A
/// URL that names `statement-cache-capacity` keeps its own.
pub const POSTGRES_STATEMENT_CACHE: usize = 1_000;
/// How often a SQLite store copies its write-ahead log into the database, on a
/// connection of its own ([`spawn_checkpointer`]).
pub const SQLITE_CHECKPOINT_INTERVAL_MS: u64 = 250;
/// A commit still checkpoints when the log passes this many pages (SQLite's default is
/// 1,000): a safety net for when the checkpointer falls behind, not the usual path.
pub const SQLITE_AUTOCHECKPOINT_PAGES: u64 = 20_000;
/// The checkpointer lets SQLite start the log over once it is this long and no one
/// has committed since it was copied (`restart_log`): 16 MiB of 4 KiB pages.
pub const SQLITE_RESTART_LOG_PAGES: i64 = 4_096;
/// Past this length the checkpointer restarts the log even though commits keep
/// coming, holding the writer's turn for a second copy (`restart_log`).
pub const SQLITE_RESTART_LOG_PAGES_FORCED: i64 = 12_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    pub fn of_url(url: &str) -> Result<Engine, StoreError> {
        if url.starts_with("sqlite:") {
            Ok(Engine::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Engine::Postgres)
        } else {
            Err(StoreError::Config(format!(
                "unsupported database URL {:?}: use sqlite://FILE or postgres://USER@HOST/DB",
                redact(url)
            )))
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Engine::Sqlite => "sqlite",
            Engine::Postgres => "postgres",
        }
    }
}

/// A database URL without its secrets (the password in `user:password@` and any
/// `password=` parameter), for messages and logs.
pub fn redact(url: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let base = match (base.find("://"), base.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            match base[scheme_end + 3..at].split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &base[..scheme_end + 3], &base[at..]),
                None => base.to_string(),
            }
        }
        _ => base.to_string(),
    };
    let Some(query) = query else { return base };
    let parameters: Vec<String> = query
        .split('&')
        .map(|parameter| match parameter.split_once('=') {
            Some((name, _)) if name.eq_ignore_ascii_case("password") => format!("{name}=***"),
            _ => parameter.to_string(),
        })
        .collect();
    format!("{base}?{}", parameters.join("&"))
}

/// The SQLite file a `sqlite://` URL names (`None` for in-memory databases).
pub fn sqlite_path(url: &str) -> Option<std::path::PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    (!path.is_empty() && path != ":memory:").then(|| std::path::PathBuf::from(path))
}

pub async fn connect(url: &str) -> Result<(AnyPool, Engine), StoreError> {
    sqlx::any::install_default_drivers();
    let engine = Engine::of_url(url)?;
    if engine == Engine::Sqlite
        && let Some(path) = sqlite_path(url)
    {
        create_private(&path)?;
    }
    let url = match engine {
        // Create the file on first use.
        Engine::Sqlite if !url.contains('?') => format!("{url}?mode=rwc"),
        Engine::Postgres if !url.contains("statement-cache-capacity=") => {
            let joint = if url.contains('?') { '&' } else { '?' };
            format!("{url}{joint}statement-cache-capacity={POSTGRES_STATEMENT_CACHE}")
        }
        _ => url.to_string(),
    };
    let options = AnyConnectOptions::from_str(&url)?;
    let pool = AnyPoolOptions::new()
        .max_connections(POOL_CONNECTIONS_MAX)
        .acquire_timeout(Duration::from_secs(30))
        .test_before_acquire(false)
        .before_acquire(|connection, metadata| {
            Box::pin(async move {
                if metadata.idle_for > Duration::from_millis(POOL_PING_IDLE_MS) {
                    connection.ping().await?;
                }
                Ok(true)
            })
        })
        .after_connect(move |connection, _| {
            Box::pin(async move {
                if engine == Engine::Sqlite {
                    connection.execute("PRAGMA journal_mode = WAL").await?;
                    connection.execute("PRAGMA synchronous = NORMAL").await?;
                    connection.execute("PRAGMA foreign_keys = ON").await?;
                    // Statement journals and sorts in memory, not in temporary files:
                    // every multi-row write in a transaction keeps a statement journal
                    // (measured: a fifth of the nightly run's writes were its pwrites).
                    connection.execute("PRAGMA temp_store = MEMORY").await?;
                    // Negative: KiB rather than pages.
                    connection
                        .execute(sqlx::AssertSqlSafe(format!(
                            "PRAGMA cache_size = -{SQLITE_CACHE_KIB}"
                        )))
                        .await?;
                    connection
                        .execute(sqlx::AssertSqlSafe(format!(
                            "PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}"
                        )))
                        .await?;
                    connection
                        .execute(sqlx::AssertSqlSafe(format!(
                            "PRAGMA mmap_size = {SQLITE_MMAP_BYTES}"
                        )))
                        .await?;
                    connection
                        .execute(sqlx::AssertSqlSafe(format!(
                            "PRAGMA wal_autocheckpoint = {SQLITE_AUTOCHECKPOINT_PAGES}"
                        )))
                        .await?;
                }
                Ok(())
            })
        })
        .connect_with(options)
        .await?;
    Ok((pool, engine))
}

/// Copies a SQLite file's write-ahead log into the database every
/// `SQLITE_CHECKPOINT_INTERVAL_MS`, on a connection of its own, for as long as `alive`
/// has an owner (the store and its clones).
///
/// Left to SQLite, the commit that takes the log past 1,000 pages copies it and flushes
/// the file before it returns: a nightly part's commit took 3–30 ms, and the agent
/// queued behind it waited for all of it. A `PASSIVE` checkpoint takes neither the
/// writer's lock nor a reader's, so writers go on while it copies; what a reader still
/// needs stays in the log for the next one. Commits then write the log only
/// (`synchronous = NORMAL` flushes at checkpoints, not commits).
/// `SQLITE_AUTOCHECKPOINT_PAGES` stays as a safety net should this fall behind.
pub(crate) fn spawn_checkpointer(
    url: &str,
    alive: std::sync::Weak<()>,
    writer: std::sync::Arc<crate::turns::Turns>,
) {
    let url = url.to_string();
    tokio::spawn(async move {
        let mut connection: Option<sqlx::AnyConnection> = None;
        let mut tick = tokio::time::interval(Duration::from_millis(SQLITE_CHECKPOINT_INTERVAL_MS));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tick.tick().await;
        loop {
            tick.tick().await;
            if alive.upgrade().is_none() {
                break;
            }
            if connection.is_none() {
                match sqlx::AnyConnection::connect(&url).await {
                    Ok(mut opened) => {
                        // As the pool's connections: its restart's write flushes
                        // nothing at commit.
                        if opened.execute("PRAGMA synchronous = NORMAL").await.is_ok() {
                            connection = Some(opened);
                        }
                    }
                    Err(error) => {
                        tracing::debug!(%error, "checkpointer: cannot open the database");
                        continue;
                    }
                }
            }
            let Some(open) = connection.as_mut() else {
                continue;
            };
            // Failed: the next tick tries again on a new connection.
            let Ok(before) = data_version(open).await else {
                connection = None;
                continue;
            };
            let started = std::time::Instant::now();
            match sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
                .fetch_one(&mut *open)
                .await
            {
                Ok(row) => {
                    // (busy, pages in the log, pages copied into the database): under
                    // steady writes the log does not start over (docs/batch.md).
                    let pages: (i64, i64, i64) = (
                        row.try_get(0).unwrap_or(-1),
                        row.try_get(1).unwrap_or(-1),
                        row.try_get(2).unwrap_or(-1),
                    );
                    tracing::debug!(
                        took_us = started.elapsed().as_micros() as u64,
                        ?pages,
                        "checkpoint"
                    );
                    if pages.0 == 0
                        && pages.1 == pages.2
                        && pages.1 >= SQLITE_RESTART_LOG_PAGES
                        && let Err(error) = restart_log(open, &writer, before, pages.1).await
                    {
                        tracing::debug!(%error, "checkpointer: log not restarted");
                        connection = None;
                    }
                }
                Err(error) => {
                    tracing::debug!(%error, "checkpointer: checkpoint not done");
                    connection = None;
                }
            }
        }
        if let Some(open) = connection {
            let _ = open.close().await;
        }
    });
}

/// Lets the next write start SQLite's log over from its beginning, once it is
/// `SQLITE_RESTART_LOG_PAGES` long and a `PASSIVE` checkpoint has copied all of it.
///
/// SQLite starts the log over only when a write begins with every page of it already
/// copied into the database and no reader still on an older snapshot. Under steady
/// writes the next commit always comes before that: measured, the log grew until the
/// safety net (`SQLITE_AUTOCHECKPOINT_PAGES`) made commit after commit copy and flush
/// it, 40–530 ms each for the agent or part behind it (docs/batch.md). So here, in
/// this process's writer's turn (behind people, as the nightly run), if no other
/// connection has committed since the checkpoint began (`PRAGMA data_version`,
/// `before`), a write that changes nothing begins with every page copied, and SQLite
/// starts the log over there (unless a reader still holds an older snapshot: the next
/// round tries again) — the turn held for well under a millisecond. If someone has
/// committed, the log is left to grow until it is `SQLITE_RESTART_LOG_PAGES_FORCED`
/// long; then a second checkpoint copies what came since the first, in the turn (two
/// flushes, some 30 ms on a virtual disk), before the write.
async fn restart_log(
    connection: &mut sqlx::AnyConnection,
    writer: &crate::turns::Turns,
    before: i64,
    log_pages: i64,
) -> Result<(), StoreError> {
    let started = std::time::Instant::now();
    let _turn = writer.behind().await;
    let waited_us = started.elapsed().as_micros() as u64;
    let quiet = data_version(connection).await? == before;
    let copied_all = if quiet {
        true
    } else if log_pages >= SQLITE_RESTART_LOG_PAGES_FORCED {
        let row = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
            .fetch_one(&mut *connection)
            .await?;
        let pages: (i64, i64, i64) = (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?);
        pages.0 == 0 && pages.1 == pages.2
    } else {
        false
    };
    let checkpoint_us = started.elapsed().as_micros() as u64 - waited_us;
    if copied_all {
        // Touches the head's row without changing it: a page to write, so the write
        // reaches the log and SQLite restarts it.
        let mut tx = connection.begin_with("BEGIN IMMEDIATE").await?;
        sqlx::query("UPDATE audit_head SET touched_at_us = touched_at_us WHERE id = 1")
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
    }
    tracing::debug!(
        waited_us,
        checkpoint_us,
        held_us = started.elapsed().as_micros() as u64 - waited_us,
        log_pages,
        quiet,
        copied_all,
        "checkpoint: log restart"
    );
    Ok(())
}

/// SQLite's `PRAGMA data_version`: changes when another connection commits.
async fn data_version(connection: &mut sqlx::AnyConnection) -> Result<i64, StoreError> {
    Ok(sqlx::query("PRAGMA data_version")
        .fetch_one(&mut *connection)
        .await?
        .try_get(0)?)
}

/// A SQLite database holds encrypted identity and the whole ledger: it is created
/// readable by its owner only (0600), before SQLite opens it, so its `-wal` and `-shm`
/// files (which SQLite creates with the database's permissions) are private too. An
/// existing file is left as the operator set it.
fn create_private(path: &std::path::Path) -> Result<(), StoreError> {
    if path.as_os_str().is_empty() || path == std::path::Path::new(":memory:") {
        return Ok(());
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        // A folder that does not exist, say: SQLite will say so in its own words.
        Err(_) => Ok(()),
    }
}

/// A versioned migration. Both engines have the same list (checked by a test).
pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sqlite: &'static str,
    pub postgres: &'static str,
}

pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "foundation",
        sqlite: include_str!("../migrations/sqlite/0001_foundation.sql"),
        postgres: include_str!("../migrations/postgres/0001_foundation.sql"),
    },
    Migration {
        version: 2,
        name: "compliance_decisions",
        sqlite: include_str!("../migrations/sqlite/0002_compliance_decisions.sql"),
        postgres: include_str!("../migrations/postgres/0002_compliance_decisions.sql"),
    },
    Migration {
        version: 3,
        name: "workspace",
        sqlite: include_str!("../migrations/sqlite/0003_workspace.sql"),
        postgres: include_str!("../migrations/postgres/0003_workspace.sql"),
    },
    Migration {
        version: 4,
        name: "workspace_indexes",
        sqlite: include_str!("../migrations/sqlite/0004_workspace_indexes.sql"),
        postgres: include_str!("../migrations/postgres/0004_workspace_indexes.sql"),
    },
    Migration {
        version: 5,
        name: "queue_order",
        sqlite: include_str!("../migrations/sqlite/0005_queue_order.sql"),
        postgres: include_str!("../migrations/postgres/0005_queue_order.sql"),
    },
    Migration {
        version: 6,
        name: "money",
        sqlite: include_str!("../migrations/sqlite/0006_money.sql"),
        postgres: include_str!("../migrations/postgres/0006_money.sql"),
    },
    Migration {
        version: 7,
        name: "exception_creditor",
        sqlite: include_str!("../migrations/sqlite/0007_exception_creditor.sql"),
        postgres: include_str!("../migrations/postgres/0007_exception_creditor.sql"),
    },
    Migration {
        version: 8,
        name: "address_incomplete",
        sqlite: include_str!("../migrations/sqlite/0008_address_incomplete.sql"),
        postgres: include_str!("../migrations/postgres/0008_address_incomplete.sql"),
    },
    Migration {
        version: AUDIT_SEAL_VERSION,
        name: "audit_seal",
        sqlite: include_str!("../migrations/sqlite/0009_audit_seal.sql"),
        postgres: include_str!("../migrations/postgres/0009_audit_seal.sql"),
    },
    Migration {
        version: 10,
        name: "sign_in_throttle",
        sqlite: include_str!("../migrations/sqlite/0010_sign_in_throttle.sql"),
        postgres: include_str!("../migrations/postgres/0010_sign_in_throttle.sql"),
    },
    Migration {
        version: 11,
        name: "queue_consents",
        sqlite: include_str!("../migrations/sqlite/0011_queue_consents.sql"),
        postgres: include_str!("../migrations/postgres/0011_queue_consents.sql"),
    },
    Migration {
        version: WORKLIST_VERSION,
        name: "worklist",
        sqlite: include_str!("../migrations/sqlite/0012_worklist.sql"),
        postgres: include_str!("../migrations/postgres/0012_worklist.sql"),
    },
    Migration {
        version: 13,
        name: "desk",
        sqlite: include_str!("../migrations/sqlite/0013_desk.sql"),
        postgres: include_str!("../migrations/postgres/0013_desk.sql"),
    },
    Migration {
        version: 15,
        name: "dispute_resolutions",
        sqlite: include_str!("../migrations/sqlite/0015_dispute_resolutions.sql"),
        postgres: include_str!("../migrations/postgres/0015_dispute_resolutions.sql"),
    },
    Migration {
        version: 16,
        name: "letters",
        sqlite: include_str!("../migrations/sqlite/0016_letters.sql"),
        postgres: include_str!("../migrations/postgres/0016_letters.sql"),
    },
    Migration {
        version: 17,
        name: "messages",
        sqlite: include_str!("../migrations/sqlite/0017_messages.sql"),
        postgres: include_str!("../migrations/postgres/0017_messages.sql"),
    },
    Migration {
        version: 19,
        name: "queue_rest",
        sqlite: include_str!("../migrations/sqlite/0019_queue_rest.sql"),
        postgres: include_str!("../migrations/postgres/0019_queue_rest.sql"),
    },
    Migration {
        version: 20,
        name: "documents",
        sqlite: include_str!("../migrations/sqlite/0020_documents.sql"),
        postgres: include_str!("../migrations/postgres/0020_documents.sql"),
    },
    Migration {
        version: 22,
        name: "print_batches",
        sqlite: include_str!("../migrations/sqlite/0022_print_batches.sql"),
        postgres: include_str!("../migrations/postgres/0022_print_batches.sql"),
    },
    Migration {
        version: 23,
        name: "worklist_cover",
        sqlite: include_str!("../migrations/sqlite/0023_worklist_cover.sql"),
        postgres: include_str!("../migrations/postgres/0023_worklist_cover.sql"),
    },
    Migration {
        version: 24,
        name: "nightly",
        sqlite: include_str!("../migrations/sqlite/0024_nightly.sql"),
        postgres: include_str!("../migrations/postgres/0024_nightly.sql"),
    },
    Migration {
        version: 25,
        name: "dialer_chunks",
        sqlite: include_str!("../migrations/sqlite/0025_dialer_chunks.sql"),
        postgres: include_str!("../migrations/postgres/0025_dialer_chunks.sql"),
    },
    Migration {
        version: 27,
        name: "treatment",
        sqlite: include_str!("../migrations/sqlite/0027_treatment.sql"),
        postgres: include_str!("../migrations/postgres/0027_treatment.sql"),
    },
];

/// The migration that adds the folded names search compares: the names already there
/// are folded in Rust in its transaction (`workspace::fold_existing_names`).
pub const WORKLIST_VERSION: i64 = 12;

/// The migration that adds row seals and the sealed head: the rows already there are
/// sealed with the key in its transaction (`audit::seal_existing`).
pub const AUDIT_SEAL_VERSION: i64 = 9;

/// Serialises migrations of concurrent processes on PostgreSQL.
const MIGRATION_LOCK_KEY: i64 = 0x4172_7265_6172_7301;

/// Applies the migrations not yet applied, each in its own transaction. Versions need
/// not be contiguous: each is applied once, in increasing order. `key` seals the rows
/// already there when seals are introduced; `now_us` dates that in the audit log.
pub async fn migrate(
    pool: &AnyPool,
    engine: Engine,
    key: &crate::PiiKey,
    now_us: i64,
) -> Result<(), StoreError> {
    pool.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at_us BIGINT NOT NULL)",
    )
    .await?;
    for migration in MIGRATIONS {
        let begin = if engine == Engine::Sqlite {
            "BEGIN IMMEDIATE"
        } else {
            "BEGIN"
        };
        let mut tx = pool.begin_with(begin).await?;
        if engine == Engine::Postgres {
            sqlx::query(
                "SELECT CAST(1 AS BIGINT) FROM (SELECT pg_advisory_xact_lock($1)) AS locked",
            )
            .bind(MIGRATION_LOCK_KEY)
            .fetch_one(&mut *tx)
            .await?;
        }
        let applied: Option<(i64,)> =
            sqlx::query_as("SELECT version FROM schema_migrations WHERE version = $1")
                .bind(migration.version)
                .fetch_optional(&mut *tx)
                .await?;
        if applied.is_some() {
            continue;
        }
        let sql = match engine {
            Engine::Sqlite => migration.sqlite,
            Engine::Postgres => migration.postgres,
        };
        tx.execute(sqlx::AssertSqlSafe(sql)).await?;
        if migration.version == AUDIT_SEAL_VERSION {
            crate::audit::seal_existing(&mut tx, key, now_us).await?;
        }
        if migration.version == WORKLIST_VERSION {
            crate::workspace::fold_existing_names(&mut tx).await?;
        }
        sqlx::query(
            "INSERT INTO schema_migrations (version, name, applied_at_us) VALUES ($1, $2, $3)",
        )
        .bind(migration.version)
        .bind(migration.name)
        .bind(jiff::Timestamp::now().as_microsecond())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        tracing::info!(
            version = migration.version,
            name = migration.name,
            "migration applied"
        );
    }
    Ok(())
}
