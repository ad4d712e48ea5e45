//! The benchmarks' floors and chores (`arrears bench`): the least work that stores the
//! same rows — text columns, no indexes, one transaction, the same driver and pragmas —
//! against which the real paths are measured, and the administrative SQL a benchmark
//! needs (throwaway databases, planner statistics, stale locks). Kept here so that SQL
//! never leaves the store, even for measuring it.

use crate::batch::{Batch, Value};
use crate::db::{self, Engine};
use crate::{Store, StoreError};
use std::time::Instant;

/// How a floor inserts its rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FloorKind {
    /// Multi-row INSERTs, as many rows per statement as the store's bulk writes: the
    /// least work that stores the rows.
    MultiRow,
    /// One prepared INSERT per row: what a naive loader pays per statement.
    PerRow,
}

/// One row of text, or why the source could not give it.
pub type FloorRow = Result<Vec<String>, String>;

/// Creates `table` (text `columns`, dropped first if there) in the database at `url` and
/// inserts every row `next` gives, in one transaction (`BEGIN IMMEDIATE` on SQLite, as
/// the store writes). Returns the seconds from the first read to the commit: reading the
/// rows is part of the floor, as it is of the path measured.
pub async fn insert_text_rows(
    url: &str,
    table: &'static str,
    columns: &'static [&'static str],
    kind: FloorKind,
    next: &mut dyn FnMut() -> Option<FloorRow>,
) -> Result<f64, StoreError> {
    assert!(
        table.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
        "a floor table is a plain name"
    );
    let (pool, engine) = db::connect(url).await?;
    sqlx::query(sqlx::AssertSqlSafe(format!("DROP TABLE IF EXISTS {table}")))
        .execute(&pool)
        .await?;
    let definition: Vec<String> = columns
        .iter()
        .map(|column| format!("{column} TEXT"))
        .collect();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "CREATE TABLE {table} ({})",
        definition.join(", ")
    )))
    .execute(&pool)
    .await?;
    let placeholders: Vec<String> = (1..=columns.len())
        .map(|index| match engine {
            Engine::Sqlite => "?".to_string(),
            Engine::Postgres => format!("${index}"),
        })
        .collect();
    let insert = format!(
        "INSERT INTO {table} ({}) VALUES ({})",
        columns.join(", "),
        placeholders.join(", ")
    );
    let started = Instant::now();
    let mut tx = match engine {
        Engine::Sqlite => pool.begin_with("BEGIN IMMEDIATE").await?,
        Engine::Postgres => pool.begin().await?,
    };
    let mut batch = Batch::new(engine, table, columns, "");
    while let Some(row) = next() {
        let row = row.map_err(StoreError::Invalid)?;
        match kind {
            FloorKind::MultiRow => {
                batch.push_values(row.into_iter().map(Value::from).collect());
                if batch.is_full() {
                    batch.flush(&mut tx).await?;
                }
            }
            FloorKind::PerRow => {
                let mut query = sqlx::query(sqlx::AssertSqlSafe(insert.clone()));
                for field in row {
                    query = query.bind(field);
                }
                query.execute(&mut *tx).await?;
            }
        }
    }
    batch.flush(&mut tx).await?;
    tx.commit().await?;
    let seconds = started.elapsed().as_secs_f64();
    pool.close().await;
    Ok(seconds)
}

/// Runs one administrative statement (`CREATE DATABASE …`, `DROP DATABASE …`) on the
/// server at `url`.
pub async fn admin(url: &str, sql: &str) -> Result<(), StoreError> {
    let (pool, _) = db::connect(url).await?;
    let result = sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
        .execute(&pool)
        .await;
    pool.close().await;
    result?;
    Ok(())
}

impl Store {
    /// Planner statistics for every table (PostgreSQL; SQLite plans from its indexes),
    /// as autovacuum gathers them within minutes of a bulk load.
    pub async fn analyze_all(&self) -> Result<(), StoreError> {
        if self.engine() == Engine::Postgres {
            sqlx::query("ANALYZE").execute(self.pool()).await?;
        }
        Ok(())
    }

    /// The nightly run's floor (`arrears bench batch`): one statement that reads every
    /// active account's ledger and writes the account's row once (its queue priority
    /// from the ledger's sum, as `batch prioritize` does). The rows written.
    pub async fn floor_read_and_update_accounts(&self) -> Result<u64, StoreError> {
        Ok(sqlx::query(
            "UPDATE accounts SET priority = (SELECT CAST(COALESCE(SUM(e.principal_minor + e.interest_minor + e.fees_minor), 0) AS BIGINT) \
             FROM ledger_entries e WHERE e.account_id = accounts.id) WHERE status = 'active'",
        )
        .execute(self.pool())
        .await?
        .rows_affected())
    }

    /// Drops every agent's debtor and account lock (a benchmark reusing a database
    /// starts with none). Not audited: locks are not records, they end by themselves.
    pub async fn clear_locks(&self) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM debtor_locks")
            .execute(self.pool())
            .await?;
        sqlx::query("DELETE FROM account_locks")
            .execute(self.pool())
            .await?;
        Ok(())
    }
}

/// What the dialer list's floor read (`arrears bench dialer`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DialerReadFloor {
    /// (active account, usable phone) rows with their debtor's and account's facts.
    pub candidates: u64,
    pub holds: u64,
    pub attempts: u64,
    pub consents: u64,
}

impl Store {
    /// The dialer list's read floor: one streaming pass over the same rows the list reads
    /// (every active account's usable phones with the debtor's facts, the open holds, the
    /// attempts since `attempts_since` and the consents ending after `consents_after`),
    /// each cell read and nothing decided, kept or written.
    pub async fn dialer_read_floor(
        &self,
        attempts_since: jiff::Timestamp,
        consents_after: jiff::Timestamp,
    ) -> Result<DialerReadFloor, StoreError> {
        use futures_util::TryStreamExt;
        use sqlx::Row;
        let sql = format!(
            "SELECT a.id, c.code, a.account_ref, p.kind, p.value, d.time_zones, d.state, d.id, a.validation_notice_sent_at_us \
             FROM accounts a JOIN creditors c ON c.id = a.creditor_id JOIN debtors d ON d.id = a.debtor_id \
             JOIN contact_points p ON p.debtor_id = d.id \
             WHERE a.status = 'active' AND p.kind IN ({}) AND p.status IN ({})",
            crate::dialer::phone_kinds(),
            crate::dialer::usable_statuses(),
        );
        let mut floor = DialerReadFloor::default();
        let mut connection = self.pool().acquire().await?;
        {
            let mut rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch(&mut *connection);
            while let Some(row) = rows.try_next().await? {
                let _: (i64, String, String, String, String, String) = (
                    row.try_get(0)?,
                    row.try_get(1)?,
                    row.try_get(2)?,
                    row.try_get(3)?,
                    row.try_get(4)?,
                    row.try_get(5)?,
                );
                let _: (Option<String>, i64, Option<i64>) =
                    (row.try_get(6)?, row.try_get(7)?, row.try_get(8)?);
                floor.candidates += 1;
            }
        }
        floor.holds = count_rows(
            &mut connection,
            "SELECT account_id, kind, placed_at_us FROM account_holds WHERE released_at_us IS NULL",
            None,
        )
        .await?;
        floor.attempts = count_rows(
            &mut connection,
            "SELECT account_id, action, outcome, direction, recipient, at_us FROM contact_attempts WHERE at_us >= $1",
            Some(attempts_since.as_microsecond()),
        )
        .await?;
        floor.consents = count_rows(
            &mut connection,
            "SELECT debtor_id, action, from_us, to_us FROM consents WHERE to_us > $1",
            Some(consents_after.as_microsecond()),
        )
        .await?;
        Ok(floor)
    }

    /// How many compliance decisions the log holds and their request and answer texts'
    /// total length in bytes (the dialer floor writes as many rows of as many bytes).
    pub async fn decision_log_size(&self) -> Result<(u64, u64), StoreError> {
        use sqlx::Row;
        let row = sqlx::query(
            "SELECT CAST(COUNT(*) AS BIGINT), CAST(COALESCE(SUM(LENGTH(request_json) + LENGTH(answer_json)), 0) AS BIGINT) FROM compliance_decisions",
        )
        .fetch_one(self.pool())
        .await?;
        let (count, bytes): (i64, i64) = (row.try_get(0)?, row.try_get(1)?);
        Ok((count as u64, bytes as u64))
    }
}

/// Streams `sql` (its first two columns an id and a text read), counting its rows.
async fn count_rows(
    connection: &mut sqlx::AnyConnection,
    sql: &'static str,
    bound: Option<i64>,
) -> Result<u64, StoreError> {
    use futures_util::TryStreamExt;
    use sqlx::Row;
    let mut query = sqlx::query(sql);
    if let Some(bound) = bound {
        query = query.bind(bound);
    }
    let mut rows = query.fetch(&mut *connection);
    let mut count = 0;
    while let Some(row) = rows.try_next().await? {
        let _: (i64, String) = (row.try_get(0)?, row.try_get(1)?);
        count += 1;
    }
    Ok(count)
}

/// What the nightly run's floor read and wrote (`arrears bench batch`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NightlyFloor {
    pub rows_read: u64,
    pub rows_written: u64,
}

/// How many rows of each kind the run wrote: the floor writes as many.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NightlyWrites {
    pub interest_entries: u64,
    pub aging_moves: u64,
    pub strategy_actions: u64,
    pub time_barred: u64,
}

/// What the nightly run reads for its active accounts, table by table: the same
/// columns and the same rows (`Store::chunk_facts`), in one pass each.
const NIGHTLY_READS: &[&str] = &[
    "SELECT a.id, a.debtor_id, a.creditor_id, c.code, a.account_ref, a.product, a.currency, a.status, \
     a.delinquent_since, a.placed_on, a.apr_bps, a.statute_expires_on, a.time_barred_on, a.validation_notice_sent_at_us, \
     d.state, d.language FROM accounts a JOIN creditors c ON c.id = a.creditor_id JOIN debtors d ON d.id = a.debtor_id \
     WHERE a.status = 'active'",
    "SELECT e.account_id, e.reason, e.principal_minor, e.interest_minor, e.fees_minor, e.effective_on, e.memo \
     FROM ledger_entries e JOIN accounts a ON a.id = e.account_id WHERE a.status = 'active'",
    "SELECT m.account_id, m.bucket FROM aging_moves m JOIN accounts a ON a.id = m.account_id WHERE a.status = 'active'",
    "SELECT h.account_id, h.kind FROM account_holds h WHERE h.released_at_us IS NULL",
    "SELECT p.debtor_id, p.kind, p.value, p.status FROM contact_points p",
    "SELECT t.id, t.account_id, t.at_us, t.action, t.contact_point, t.direction, t.recipient, t.outcome, \
     t.disposition, t.under_consent FROM contact_attempts t",
    // tomorrow's queue asks the compliance pipeline with each debtor's zones and consents
    "SELECT d.id, d.time_zones FROM debtors d",
    "SELECT c.debtor_id, c.given_at_us, c.from_us, c.to_us, c.action FROM consents c",
    "SELECT p.account_id, p.status FROM promises p",
    "SELECT p.account_id, pp.due_on FROM promises p JOIN promise_payments pp ON pp.promise_id = p.id WHERE p.status = 'broken'",
    "SELECT r.account_id, r.status FROM arrangements r",
    "SELECT s.account_id, s.segment, s.segment_since, s.arm, s.step_no FROM strategy_actions s \
     WHERE s.status = 'pending' AND s.tries > 0",
    "SELECT n.account_id, n.as_of, n.score, n.score_reasons, n.segment, n.segment_since, n.arm, n.steps_done, n.queue_priority \
     FROM account_nightly n",
];

impl Store {
    /// The nightly run's floor over the same rows: one pass over every row the run
    /// reads (`NIGHTLY_READS`, each cell read), then, in one transaction of set-based
    /// statements, the rows it writes — each active account's `account_nightly` row and
    /// queue priority, and as many accrual entries (with the balances they move), aging
    /// moves, treatment steps and time-barred marks as the run wrote (`writes`). Nothing
    /// computed, sealed or audited. The transaction is rolled back, so the database is
    /// as the run left it (with `synchronous = NORMAL` on SQLite a commit would add no
    /// flush to disk; on PostgreSQL one WAL flush).
    pub async fn nightly_floor(
        &self,
        as_of: jiff::civil::Date,
        writes: NightlyWrites,
    ) -> Result<NightlyFloor, StoreError> {
        use futures_util::TryStreamExt;
        use sqlx::Row;
        let mut floor = NightlyFloor::default();
        let mut connection = self.pool().acquire().await?;
        for sql in NIGHTLY_READS {
            let mut rows = sqlx::query(sqlx::AssertSqlSafe(*sql)).fetch(&mut *connection);
            while let Some(row) = rows.try_next().await? {
                for column in 0..row.len() {
                    if row.try_get::<Option<i64>, _>(column).is_err() {
                        let _: Option<String> = row.try_get(column)?;
                    }
                }
                floor.rows_read += 1;
            }
        }
        drop(connection);
        let as_of = as_of.to_string();
        let (_turn, mut tx) = self.unaudited_write().await?;
        let audit_seq: i64 =
            sqlx::query_scalar("SELECT CAST(COALESCE(MAX(seq), 0) AS BIGINT) FROM audit_events")
                .fetch_one(&mut *tx)
                .await?;
        let run_id: Option<i64> = sqlx::query_scalar("SELECT MAX(id) FROM batch_runs")
            .fetch_one(&mut *tx)
            .await?;
        let statements: [(String, Vec<Value>); 7] = [
            (
                "INSERT INTO account_nightly (account_id, run_id, as_of, score, score_reasons, segment, segment_since, arm, steps_done, queue_priority) \
                 SELECT a.id, $1, $2, a.id % 1000, 'floor', 'floor', $2, 'floor', 1, a.id % 997 FROM accounts a WHERE a.status = 'active' \
                 ON CONFLICT (account_id) DO UPDATE SET run_id = excluded.run_id, as_of = excluded.as_of, score = excluded.score, \
                 score_reasons = excluded.score_reasons, segment = excluded.segment, segment_since = excluded.segment_since, \
                 arm = excluded.arm, steps_done = excluded.steps_done, queue_priority = excluded.queue_priority".into(),
                vec![run_id.unwrap_or(0).into(), as_of.clone().into()],
            ),
            (
                "UPDATE accounts SET priority = (SELECT n.queue_priority FROM account_nightly n WHERE n.account_id = accounts.id) \
                 WHERE status = 'active'".into(),
                vec![],
            ),
            (
                "INSERT INTO ledger_entries (id, account_id, seq, reason, principal_minor, interest_minor, fees_minor, effective_on, \
                 recorded_at_us, memo, audit_seq, row_hash) \
                 SELECT (SELECT MAX(id) FROM ledger_entries) + a.id, a.id, 1000000000, 'interest', 0, 1, 0, $1, 0, 'floor', $2, 'floor' \
                 FROM accounts a WHERE a.status = 'active' ORDER BY a.id LIMIT $3".into(),
                vec![as_of.clone().into(), audit_seq.into(), (writes.interest_entries as i64).into()],
            ),
            (
                "UPDATE accounts SET balance_minor = (SELECT CAST(COALESCE(SUM(e.principal_minor + e.interest_minor + e.fees_minor), 0) AS BIGINT) \
                 FROM ledger_entries e WHERE e.account_id = accounts.id) \
                 WHERE id IN (SELECT account_id FROM ledger_entries WHERE seq = 1000000000)".into(),
                vec![],
            ),
            (
                "INSERT INTO aging_moves (id, account_id, bucket, days_past_due, moved_on, recorded_at_us) \
                 SELECT (SELECT COALESCE(MAX(id), 0) FROM aging_moves) + a.id, a.id, 'floor', 30, $1, 0 \
                 FROM accounts a WHERE a.status = 'active' ORDER BY a.id LIMIT $2".into(),
                vec![as_of.clone().into(), (writes.aging_moves as i64).into()],
            ),
            (
                "INSERT INTO strategy_actions (id, account_id, run_id, segment, segment_since, arm, step_no, action, detail, due_on, status, tries) \
                 SELECT (SELECT COALESCE(MAX(id), 0) FROM strategy_actions) + a.id, a.id, $1, 'floor', $2, 'floor', 0, 'letter', 'floor', $2, 'pending', 0 \
                 FROM accounts a WHERE a.status = 'active' ORDER BY a.id LIMIT $3".into(),
                vec![run_id.unwrap_or(0).into(), as_of.clone().into(), (writes.strategy_actions as i64).into()],
            ),
            (
                "UPDATE accounts SET time_barred_on = $1 WHERE id IN \
                 (SELECT a.id FROM accounts a WHERE a.status = 'active' ORDER BY a.id LIMIT $2)".into(),
                vec![as_of.into(), (writes.time_barred as i64).into()],
            ),
        ];
        for (sql, binds) in statements {
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for bind in binds {
                query = match bind {
                    Value::Int(number) => query.bind(number),
                    Value::Text(text) => query.bind(text),
                };
            }
            floor.rows_written += query.execute(&mut *tx).await?.rows_affected();
        }
        tx.rollback().await?;
        Ok(floor)
    }
}
