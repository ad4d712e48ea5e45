//! The audit log: one hash-chained event per state change, written in the same
//! transaction as the change, and the write transaction that enforces it.
//!
//! **Invariant:** `audit_events.seq` runs 1, 2, 3… without gaps; each event's
//! `prev_hash` is the previous event's `hash` (64 zeros for the first); `audit_head`
//! holds the last `seq` and `hash`, the sealed tables' row counts and digests
//! (`crate::seal`), and a `seal` over all three, so the head cannot be rewound without
//! the key. Ledger rows carry a `row_hash` of their own content.
//! **Invariant:** a row that names an event (`audit_seq`) is written after that event
//! is appended or reserved ([`WriteTx::reserve_event`]) in the same transaction, never
//! before: on SQLite, appending an event that rows already wait for makes SQLite scan
//! every table that references `audit_events` (the foreign keys are deferred). `verify` recomputes all
//! of it and names the first broken link. A write transaction checks the head's seal
//! before it writes anything, so a rewound head is never sealed anew.

use crate::StoreError;
use crate::crypto::SealKey;
use crate::db::Engine;
use crate::seal::{Digests, Tally, hash_sum};
use hmac::Mac;
use sqlx::{Any, AnyConnection, Row, Transaction};

/// A commit this slow is logged (`store::audit=debug`): what an agent waits for.
const SLOW_COMMIT_US: u64 = 20_000;

pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// A state change, as the audit log records it.
pub struct AuditEvent<'a> {
    pub actor: &'a str,
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_key: &'a str,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub reason: &'a str,
}

/// Seals fields (HMAC-SHA256 under the seal key) with length prefixes so no two field
/// lists share an encoding.
pub(crate) fn chain_hash(seal: &SealKey, prev_hash: &str, fields: &[Option<&str>]) -> String {
    let mut hasher = seal.mac();
    hasher.update(prev_hash.as_bytes());
    for field in fields {
        match field {
            Some(value) => {
                hasher.update(format!("\n{}:", value.len()).as_bytes());
                hasher.update(value.as_bytes());
            }
            None => hasher.update(b"\n-"),
        }
    }
    hex::encode(hasher.finalize().into_bytes())
}

#[allow(clippy::too_many_arguments)]
fn event_hash(
    seal: &SealKey,
    prev_hash: &str,
    seq: i64,
    recorded_at_us: i64,
    actor: &str,
    action: &str,
    entity: &str,
    entity_key: &str,
    before: Option<&str>,
    after: Option<&str>,
    reason: &str,
) -> String {
    let seq = seq.to_string();
    let recorded_at_us = recorded_at_us.to_string();
    chain_hash(
        seal,
        prev_hash,
        &[
            Some(&seq),
            Some(&recorded_at_us),
            Some(actor),
            Some(action),
            Some(entity),
            Some(entity_key),
            before,
            after,
            Some(reason),
        ],
    )
}

/// The content of a ledger row that its `row_hash` seals.
pub struct LedgerRow<'a> {
    pub id: i64,
    pub account_id: i64,
    pub seq: i64,
    pub reason: &'a str,
    pub principal_minor: i64,
    pub interest_minor: i64,
    pub fees_minor: i64,
    pub effective_on: &'a str,
    pub recorded_at_us: i64,
    pub corrects_entry_id: Option<i64>,
    pub memo: Option<&'a str>,
    pub audit_seq: i64,
}

impl LedgerRow<'_> {
    pub fn hash(&self, seal: &SealKey) -> String {
        let numbers = [
            self.id,
            self.account_id,
            self.seq,
            self.principal_minor,
            self.interest_minor,
            self.fees_minor,
            self.recorded_at_us,
            self.audit_seq,
        ]
        .map(|number| number.to_string());
        let corrects = self.corrects_entry_id.map(|id| id.to_string());
        let mut fields: Vec<Option<&str>> =
            numbers.iter().map(|text| Some(text.as_str())).collect();
        fields.extend([
            Some(self.reason),
            Some(self.effective_on),
            corrects.as_deref(),
            self.memo,
        ]);
        chain_hash(seal, "ledger", &fields)
    }
}

/// `event` as stored at `seq` after `prev_hash`: its before and after as JSON text, and
/// its hash.
fn sealed_event(
    seal: &SealKey,
    prev_hash: &str,
    seq: i64,
    now_us: i64,
    event: &AuditEvent<'_>,
) -> (Option<String>, Option<String>, String) {
    let before = event.before.as_ref().map(serde_json::Value::to_string);
    let after = event.after.as_ref().map(serde_json::Value::to_string);
    let hash = event_hash(
        seal,
        prev_hash,
        seq,
        now_us,
        event.actor,
        event.action,
        event.entity,
        event.entity_key,
        before.as_deref(),
        after.as_deref(),
        event.reason,
    );
    (before, after, hash)
}

/// Appends `event` after the event `prev_seq` (whose hash is `prev_hash`): its seq and
/// hash. The caller moves the head.
pub(crate) async fn append_event(
    connection: &mut AnyConnection,
    seal: &SealKey,
    prev_seq: i64,
    prev_hash: &str,
    now_us: i64,
    event: AuditEvent<'_>,
) -> Result<(i64, String), StoreError> {
    let seq = prev_seq + 1;
    let (before, after, hash) = sealed_event(seal, prev_hash, seq, now_us, &event);
    sqlx::query(
        "INSERT INTO audit_events (seq, recorded_at_us, actor, action, entity, entity_key, before_json, after_json, reason, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(seq)
    .bind(now_us)
    .bind(event.actor)
    .bind(event.action)
    .bind(event.entity)
    .bind(event.entity_key)
    .bind(before)
    .bind(after)
    .bind(event.reason)
    .bind(prev_hash)
    .bind(&hash)
    .execute(connection)
    .await?;
    Ok((seq, hash))
}

/// The head's seal: its last event and hash and the sealed tables' digests, under the
/// seal key ("audit head" keeps it apart from every event and row hash).
fn head_seal(seal: &SealKey, seq: i64, hash: &str, sealed_rows: &str) -> String {
    chain_hash(
        seal,
        "audit head",
        &[Some(&seq.to_string()), Some(hash), Some(sealed_rows)],
    )
}

/// The head as read, checked against its seal: the sealed tables' digests, or what is
/// wrong with it.
pub(crate) fn check_head(
    seal: &SealKey,
    seq: i64,
    hash: &str,
    sealed_rows: Option<&str>,
    stored_seal: Option<&str>,
) -> Result<Digests, String> {
    let (Some(sealed_rows), Some(stored_seal)) = (sealed_rows, stored_seal) else {
        return Err(format!(
            "audit_head is not sealed (it says the chain ends at event {seq}): the log's end may have been rewound behind Arrears' back"
        ));
    };
    if head_seal(seal, seq, hash, sealed_rows) != stored_seal {
        return Err(format!(
            "audit_head does not match its seal (it says the chain ends at event {seq}): the log's end was rewound, or the head edited, behind Arrears' back"
        ));
    }
    Digests::parse(sealed_rows)
        .ok_or_else(|| "audit_head: its sealed row counts are not ones Arrears writes".into())
}

/// Moves the head to `seq`/`hash` with `digests`, sealed.
pub(crate) async fn write_head(
    connection: &mut AnyConnection,
    seal: &SealKey,
    seq: i64,
    hash: &str,
    digests: &Digests,
) -> Result<(), StoreError> {
    let sealed_rows = digests.text();
    sqlx::query(
        "UPDATE audit_head SET seq = $1, hash = $2, sealed_rows = $3, seal = $4 WHERE id = 1",
    )
    .bind(seq)
    .bind(hash)
    .bind(&sealed_rows)
    .bind(head_seal(seal, seq, hash, &sealed_rows))
    .execute(connection)
    .await?;
    Ok(())
}

/// Seals a database written before seals existed (migration 9, in its transaction):
/// every sealed row as it is now, the tables' digests and the head. When events were
/// recorded before, an `audit.seal` event says from when the seals vouch for the rows.
pub(crate) async fn seal_existing(
    connection: &mut AnyConnection,
    key: &crate::PiiKey,
    now_us: i64,
) -> Result<(), StoreError> {
    let stored: Option<String> = sqlx::query("SELECT value FROM settings WHERE key = $1")
        .bind(crate::PII_KEY_CHECK_SETTING)
        .fetch_optional(&mut *connection)
        .await?
        .map(|row| row.try_get(0))
        .transpose()?;
    match stored {
        Some(stored) if stored != key.check_value() => {
            return Err(StoreError::Config(crate::PII_KEY_MISMATCH.into()));
        }
        Some(_) => {}
        // A new database: the key that seals it is the one it records, in the same
        // transaction (another process opening it at once with another key is refused).
        None => {
            sqlx::query("INSERT INTO settings (key, value) VALUES ($1, $2)")
                .bind(crate::PII_KEY_CHECK_SETTING)
                .bind(key.check_value())
                .execute(&mut *connection)
                .await?;
        }
    }
    let seal = key.seal_key();
    let mut digests = crate::seal::reseal_rows(connection, &seal).await?;
    for (table, column) in [
        ("ledger_entries", "row_hash"),
        ("compliance_decisions", "hash"),
    ] {
        let digest = crate::seal::hash_digest(connection, table, column).await?;
        digests.set(table, digest);
    }
    let head = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
        .fetch_one(&mut *connection)
        .await?;
    let (mut seq, mut hash): (i64, String) = (head.try_get(0)?, head.try_get(1)?);
    if seq > 0 {
        let counts: serde_json::Map<String, serde_json::Value> = crate::seal::TABLES
            .iter()
            .map(|table| (table.to_string(), digests.get(table).rows.into()))
            .collect();
        (seq, hash) = append_event(
            connection,
            &seal,
            seq,
            &hash,
            now_us,
            AuditEvent {
                actor: "arrears",
                action: "audit.seal",
                entity: "audit",
                entity_key: "rows",
                before: None,
                after: Some(serde_json::Value::Object(counts)),
                reason: "rows sealed at the upgrade to schema 9: from here on audit verify names an edit or deletion of them",
            },
        )
        .await?;
    }
    write_head(connection, &seal, seq, &hash, &digests).await
}

/// A ledger row's sealed columns, then its `row_hash` (column 12).
const LEDGER_SELECT: &str = "SELECT id, account_id, seq, reason, principal_minor, interest_minor, fees_minor, effective_on, recorded_at_us, corrects_entry_id, memo, audit_seq, row_hash FROM ledger_entries";

/// A ledger row as [`LEDGER_SELECT`] reads it.
struct StoredLedgerRow {
    numbers: [i64; 8],
    corrects_entry_id: Option<i64>,
    reason: String,
    effective_on: String,
    memo: Option<String>,
}

impl StoredLedgerRow {
    fn read(row: &sqlx::any::AnyRow) -> Result<StoredLedgerRow, StoreError> {
        Ok(StoredLedgerRow {
            numbers: [
                row.try_get(0)?,
                row.try_get(1)?,
                row.try_get(2)?,
                row.try_get(4)?,
                row.try_get(5)?,
                row.try_get(6)?,
                row.try_get(8)?,
                row.try_get(11)?,
            ],
            corrects_entry_id: row.try_get(9)?,
            reason: row.try_get(3)?,
            effective_on: row.try_get(7)?,
            memo: row.try_get(10)?,
        })
    }

    fn row(&self) -> LedgerRow<'_> {
        let [
            id,
            account_id,
            seq,
            principal_minor,
            interest_minor,
            fees_minor,
            recorded_at_us,
            audit_seq,
        ] = self.numbers;
        LedgerRow {
            id,
            account_id,
            seq,
            reason: &self.reason,
            principal_minor,
            interest_minor,
            fees_minor,
            effective_on: &self.effective_on,
            recorded_at_us,
            corrects_entry_id: self.corrects_entry_id,
            memo: self.memo.as_deref(),
            audit_seq,
        }
    }
}

/// A write transaction. Opening one takes the audit lock (the `audit_head` row), so
/// writers are serialised and ids handed out by [`WriteTx::next_id`] are safe.
pub struct WriteTx {
    tx: Transaction<'static, Any>,
    engine: Engine,
    seal: SealKey,
    head_seq: i64,
    head_hash: String,
    /// The sealed tables' row counts and digests, kept current by every writer of them.
    digests: Digests,
    now_us: i64,
    /// An event reserved by [`WriteTx::reserve_event`] and not yet filled: its seq.
    reserved: Option<i64>,
    /// The agency's business time zone (dates of entries, promises kept or broken).
    zone: jiff::tz::TimeZone,
    /// SQLite: this process's turn to write (`Store::writer_turn`), held until the
    /// transaction ends. Declared last: dropped after the transaction.
    _turn: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl WriteTx {
    pub(crate) async fn begin(
        pool: &sqlx::AnyPool,
        engine: Engine,
        now_us: i64,
        zone: jiff::tz::TimeZone,
        seal: SealKey,
        turn: Option<tokio::sync::OwnedMutexGuard<()>>,
    ) -> Result<WriteTx, StoreError> {
        let begin = match engine {
            Engine::Sqlite => "BEGIN IMMEDIATE",
            // Explicit: under a stricter server default, writers waiting on the audit
            // lock would fail with serialization errors instead of queueing.
            Engine::Postgres => "BEGIN ISOLATION LEVEL READ COMMITTED",
        };
        let mut tx = pool.begin_with(begin).await?;
        let row = sqlx::query(
            "UPDATE audit_head SET touched_at_us = $1 WHERE id = 1 RETURNING seq, hash, sealed_rows, seal",
        )
        .bind(now_us)
        .fetch_one(&mut *tx)
        .await?;
        let (head_seq, head_hash): (i64, String) = (row.try_get(0)?, row.try_get(1)?);
        let (sealed_rows, stored_seal): (Option<String>, Option<String>) =
            (row.try_get(2)?, row.try_get(3)?);
        // Sealing a head someone rewound would make the rewind part of the record.
        let digests = check_head(
            &seal,
            head_seq,
            &head_hash,
            sealed_rows.as_deref(),
            stored_seal.as_deref(),
        )
        .map_err(|problem| {
            StoreError::Corrupt(format!(
                "{problem}; nothing more is written until the database is put right (run `arrears audit verify`)"
            ))
        })?;
        Ok(WriteTx {
            tx,
            engine,
            seal,
            head_seq,
            head_hash,
            digests,
            now_us,
            reserved: None,
            zone,
            _turn: turn,
        })
    }

    pub fn now_us(&self) -> i64 {
        self.now_us
    }

    /// The agency's business date when this transaction began.
    pub fn today(&self) -> jiff::civil::Date {
        self.date_at(self.now_us)
    }

    /// The agency's business time zone.
    pub fn zone(&self) -> jiff::tz::TimeZone {
        self.zone.clone()
    }

    /// The agency's business date at an instant (µs since the epoch).
    pub fn date_at(&self, instant_us: i64) -> jiff::civil::Date {
        jiff::Timestamp::from_microsecond(instant_us)
            .map(|instant| self.zone.to_datetime(instant).date())
            .unwrap_or(jiff::civil::Date::MIN)
    }

    pub(crate) fn seal(&self) -> &SealKey {
        &self.seal
    }

    /// The sealed tables' digests: every writer of a sealed row records it here.
    pub(crate) fn sealed(&mut self) -> &mut Digests {
        &mut self.digests
    }

    /// After every event, row and hash was sealed afresh under `seal` (a key rotation):
    /// the head moves to the re-sealed chain's end and is sealed with the new key.
    pub(crate) fn resealed(&mut self, seal: SealKey, head_hash: String, digests: Digests) {
        self.seal = seal;
        self.head_hash = head_hash;
        self.digests = digests;
    }

    /// Writes the head as it stands now (commit writes it again), so a check inside the
    /// transaction sees it.
    pub(crate) async fn store_head(&mut self) -> Result<(), StoreError> {
        write_head(
            &mut self.tx,
            &self.seal,
            self.head_seq,
            &self.head_hash,
            &self.digests,
        )
        .await
    }

    pub fn engine(&self) -> Engine {
        self.engine
    }

    pub fn conn(&mut self) -> &mut AnyConnection {
        &mut self.tx
    }

    /// The next free id of `table` (all ids are assigned here, under the audit lock).
    pub async fn next_id(&mut self, table: &'static str) -> Result<i64, StoreError> {
        let sql = format!("SELECT CAST(COALESCE(MAX(id), 0) + 1 AS BIGINT) FROM {table}");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_one(&mut *self.tx)
            .await?;
        Ok(row.try_get(0)?)
    }

    pub async fn audit(&mut self, event: AuditEvent<'_>) -> Result<i64, StoreError> {
        assert!(
            self.reserved.is_none(),
            "no event follows a reserved one before it is filled"
        );
        self.append(event).await
    }

    /// Appends `event` at the chain's end and moves the head to it: its seq.
    async fn append(&mut self, event: AuditEvent<'_>) -> Result<i64, StoreError> {
        let (seq, hash) = append_event(
            &mut self.tx,
            &self.seal,
            self.head_seq,
            &self.head_hash,
            self.now_us,
            event,
        )
        .await?;
        self.head_seq = seq;
        self.head_hash = hash;
        Ok(seq)
    }

    /// Reserves the next event, for a transaction that knows what it did only at its
    /// end: the rows it writes meanwhile reference the returned seq, and
    /// [`WriteTx::fill_event`] writes the event's content and hash before commit.
    ///
    /// Why not append at the end: on SQLite, inserting a parent row while rows that
    /// reference it are waiting (deferred foreign keys) makes SQLite search every table
    /// that references `audit_events` for them — a scan of each table without an index
    /// on its `audit_seq` (measured: 2 ms at 20,000 accounts, growing with the ledger).
    /// The placeholder exists before any such row, so nothing waits. PostgreSQL checks
    /// deferred keys at commit by the parent's index: there the event is simply
    /// written at the end, one statement rather than two under the audit lock.
    pub async fn reserve_event(&mut self) -> Result<i64, StoreError> {
        assert!(self.reserved.is_none(), "one reserved event at a time");
        let seq = self.head_seq + 1;
        self.reserved = Some(seq);
        if self.engine == Engine::Postgres {
            return Ok(seq);
        }
        sqlx::query(
            "INSERT INTO audit_events (seq, recorded_at_us, actor, action, entity, entity_key, reason, prev_hash, hash) \
             VALUES ($1, $2, '', '', '', '', '', $3, '')",
        )
        .bind(seq)
        .bind(self.now_us)
        .bind(&self.head_hash)
        .execute(&mut *self.tx)
        .await?;
        Ok(seq)
    }

    /// Writes the reserved event (see [`WriteTx::reserve_event`]): its seq.
    pub async fn fill_event(&mut self, event: AuditEvent<'_>) -> Result<i64, StoreError> {
        let seq = self
            .reserved
            .take()
            .expect("fill_event follows reserve_event");
        assert_eq!(
            seq,
            self.head_seq + 1,
            "the reserved event is the chain's next"
        );
        if self.engine == Engine::Postgres {
            return self.append(event).await;
        }
        let (before, after, hash) =
            sealed_event(&self.seal, &self.head_hash, seq, self.now_us, &event);
        let filled = sqlx::query(
            "UPDATE audit_events SET actor = $1, action = $2, entity = $3, entity_key = $4, before_json = $5, after_json = $6, reason = $7, hash = $8 \
             WHERE seq = $9 AND hash = ''",
        )
        .bind(event.actor)
        .bind(event.action)
        .bind(event.entity)
        .bind(event.entity_key)
        .bind(before)
        .bind(after)
        .bind(event.reason)
        .bind(&hash)
        .bind(seq)
        .execute(&mut *self.tx)
        .await?
        .rows_affected();
        assert_eq!(filled, 1, "the reserved event is still a placeholder");
        self.head_seq = seq;
        self.head_hash = hash;
        Ok(seq)
    }

    pub async fn commit(mut self) -> Result<(), StoreError> {
        assert!(
            self.reserved.is_none(),
            "a reserved event is filled before commit: no placeholder enters the chain"
        );
        write_head(
            &mut self.tx,
            &self.seal,
            self.head_seq,
            &self.head_hash,
            &self.digests,
        )
        .await?;
        let committing = std::time::Instant::now();
        self.tx.commit().await?;
        let commit_us = committing.elapsed().as_micros() as u64;
        if commit_us >= SLOW_COMMIT_US {
            tracing::debug!(commit_us, "slow commit");
        }
        Ok(())
    }

    pub async fn rollback(self) -> Result<(), StoreError> {
        self.tx.rollback().await?;
        Ok(())
    }
}

/// Events, ledger rows and the like re-sealed per statement round in a key rotation.
const RESEAL_PAGE_ROWS: i64 = 1_000;

/// Re-chains every event under `seal` (a key rotation). `rewrite` gives an event's new
/// `after_json` from its action and old one (the decision log's hashes it names change
/// too). The chain's new last hash.
pub(crate) async fn rechain_events(
    connection: &mut AnyConnection,
    seal: &SealKey,
    rewrite: impl Fn(&str, Option<String>) -> Option<String>,
) -> Result<String, StoreError> {
    let mut running = GENESIS_HASH.to_string();
    let mut after_seq = 0i64;
    loop {
        let rows = sqlx::query(
            "SELECT seq, recorded_at_us, actor, action, entity, entity_key, before_json, after_json, reason FROM audit_events WHERE seq > $1 ORDER BY seq LIMIT $2",
        )
        .bind(after_seq)
        .bind(RESEAL_PAGE_ROWS)
        .fetch_all(&mut *connection)
        .await?;
        for row in &rows {
            let seq: i64 = row.try_get(0)?;
            let action: String = row.try_get(3)?;
            let before: Option<String> = row.try_get(6)?;
            let after = rewrite(&action, row.try_get(7)?);
            let hash = event_hash(
                seal,
                &running,
                seq,
                row.try_get(1)?,
                &row.try_get::<String, _>(2)?,
                &action,
                &row.try_get::<String, _>(4)?,
                &row.try_get::<String, _>(5)?,
                before.as_deref(),
                after.as_deref(),
                &row.try_get::<String, _>(8)?,
            );
            sqlx::query(
                "UPDATE audit_events SET after_json = $1, prev_hash = $2, hash = $3 WHERE seq = $4",
            )
            .bind(after)
            .bind(&running)
            .bind(&hash)
            .bind(seq)
            .execute(&mut *connection)
            .await?;
            running = hash;
            after_seq = seq;
        }
        if (rows.len() as i64) < RESEAL_PAGE_ROWS {
            return Ok(running);
        }
    }
}

/// Re-seals every ledger row's `row_hash` under `seal` (a key rotation).
pub(crate) async fn reseal_ledger(
    connection: &mut AnyConnection,
    seal: &SealKey,
) -> Result<(), StoreError> {
    let mut after_id = 0i64;
    loop {
        let sql = format!("{LEDGER_SELECT} WHERE id > $1 ORDER BY id LIMIT $2");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(after_id)
            .bind(RESEAL_PAGE_ROWS)
            .fetch_all(&mut *connection)
            .await?;
        for row in &rows {
            let read = StoredLedgerRow::read(row)?;
            let ledger_row = read.row();
            sqlx::query("UPDATE ledger_entries SET row_hash = $1 WHERE id = $2")
                .bind(ledger_row.hash(seal))
                .bind(ledger_row.id)
                .execute(&mut *connection)
                .await?;
            after_id = ledger_row.id;
        }
        if (rows.len() as i64) < RESEAL_PAGE_ROWS {
            return Ok(());
        }
    }
}

/// The result of checking the whole log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditReport {
    pub events: u64,
    pub ledger_entries: u64,
    pub decisions: u64,
    /// Rows of the row-sealed tables checked against their seals (`crate::seal`).
    pub sealed_rows: u64,
    /// The chain's last event and its hash, as the sealed head records them: kept
    /// outside the database, they show a later rollback of the whole database.
    pub head_seq: i64,
    pub head_hash: String,
    /// What is wrong, if anything: the first broken link of the chain, or else every
    /// sealed row that was altered (one line each).
    pub broken: Option<String>,
}

/// Checks everything inside one read snapshot, so writes committed meanwhile cannot
/// look like tampering.
pub(crate) async fn verify(
    pool: &sqlx::AnyPool,
    engine: Engine,
    seal: &SealKey,
) -> Result<AuditReport, StoreError> {
    let begin = match engine {
        Engine::Sqlite => "BEGIN",
        Engine::Postgres => "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
    };
    let mut snapshot = pool.begin_with(begin).await?;
    let report = verify_on(&mut snapshot, seal).await?;
    snapshot.rollback().await?;
    Ok(report)
}

/// Checks everything `connection` sees (a read snapshot, or a write transaction that
/// holds the audit lock): the chain, the sealed head, the ledger's row hashes, the
/// imports' counts, the decision log, and every sealed row and table.
pub(crate) async fn verify_on(
    connection: &mut AnyConnection,
    seal: &SealKey,
) -> Result<AuditReport, StoreError> {
    let mut report = AuditReport {
        events: 0,
        ledger_entries: 0,
        decisions: 0,
        sealed_rows: 0,
        head_seq: 0,
        head_hash: GENESIS_HASH.to_string(),
        broken: None,
    };
    let (last_seq, last_hash) = verify_chain(connection, seal, &mut report).await?;
    if report.broken.is_some() {
        return Ok(report);
    }
    let head = sqlx::query("SELECT seq, hash, sealed_rows, seal FROM audit_head WHERE id = 1")
        .fetch_one(&mut *connection)
        .await?;
    let (head_seq, head_hash): (i64, String) = (head.try_get(0)?, head.try_get(1)?);
    let (sealed_rows, stored_seal): (Option<String>, Option<String>) =
        (head.try_get(2)?, head.try_get(3)?);
    let digests = match check_head(
        seal,
        head_seq,
        &head_hash,
        sealed_rows.as_deref(),
        stored_seal.as_deref(),
    ) {
        Ok(digests) => digests,
        Err(problem) => {
            report.broken = Some(problem);
            return Ok(report);
        }
    };
    (report.head_seq, report.head_hash) = (head_seq, head_hash.clone());
    if head_seq != last_seq || head_hash != last_hash {
        report.broken = Some(format!(
            "audit_head says the chain ends at event {head_seq}, but the last event is {last_seq}: events were removed or added behind Arrears' back"
        ));
        return Ok(report);
    }
    // From here on each part is independent of the others: every problem is named.
    let mut problems = Vec::new();
    let ledger = verify_ledger(connection, seal, &mut report).await?;
    problems.extend(report.broken.take());
    verify_import_counts(connection, &mut report).await?;
    problems.extend(report.broken.take());
    let decisions = match crate::decisions::verify(connection, seal).await? {
        Ok(tally) => {
            report.decisions = tally.digest.rows as u64;
            Some(tally)
        }
        Err(problem) => {
            problems.push(problem);
            None
        }
    };
    if let Some(ledger) = ledger {
        problems.extend(ledger.compare("ledger_entries", digests.get("ledger_entries"), true));
    }
    if let Some(decisions) = decisions {
        problems.extend(decisions.compare(
            "compliance_decisions",
            digests.get("compliance_decisions"),
            true,
        ));
    }
    match crate::seal::verify_rows(connection, seal, &digests).await? {
        Ok(rows) => report.sealed_rows = rows,
        Err(more) => problems.extend(more),
    }
    report.broken = (!problems.is_empty()).then(|| problems.join("\n"));
    Ok(report)
}

async fn verify_chain(
    connection: &mut AnyConnection,
    seal: &SealKey,
    report: &mut AuditReport,
) -> Result<(i64, String), StoreError> {
    use futures_util::TryStreamExt;
    let mut rows = sqlx::query(
        "SELECT seq, recorded_at_us, actor, action, entity, entity_key, before_json, after_json, reason, prev_hash, hash FROM audit_events ORDER BY seq",
    )
    .fetch(&mut *connection);
    let (mut expected_seq, mut running_hash) = (1i64, GENESIS_HASH.to_string());
    while let Some(row) = rows.try_next().await? {
        let seq: i64 = row.try_get(0)?;
        let (prev_hash, hash): (String, String) = (row.try_get(9)?, row.try_get(10)?);
        let before: Option<String> = row.try_get(6)?;
        let after: Option<String> = row.try_get(7)?;
        let recomputed = event_hash(
            seal,
            &running_hash,
            seq,
            row.try_get(1)?,
            &row.try_get::<String, _>(2)?,
            &row.try_get::<String, _>(3)?,
            &row.try_get::<String, _>(4)?,
            &row.try_get::<String, _>(5)?,
            before.as_deref(),
            after.as_deref(),
            &row.try_get::<String, _>(8)?,
        );
        let problem = if seq != expected_seq {
            Some(format!(
                "audit event {expected_seq} is missing (next is {seq})"
            ))
        } else if prev_hash != running_hash {
            Some(format!(
                "audit event {seq}: prev_hash does not match event {}",
                seq - 1
            ))
        } else if recomputed != hash {
            Some(format!(
                "audit event {seq}: content does not match its hash (the row was altered)"
            ))
        } else {
            None
        };
        if problem.is_some() {
            report.broken = problem;
            return Ok((seq, hash));
        }
        report.events += 1;
        expected_seq += 1;
        running_hash = hash;
    }
    Ok((expected_seq - 1, running_hash))
}

/// Each ledger row against its `row_hash`; what the rows add up to (`None` when one is
/// broken).
async fn verify_ledger(
    connection: &mut AnyConnection,
    seal: &SealKey,
    report: &mut AuditReport,
) -> Result<Option<Tally>, StoreError> {
    use futures_util::TryStreamExt;
    let sql = format!("{LEDGER_SELECT} ORDER BY id");
    let mut rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch(&mut *connection);
    let mut tally = Tally::new();
    while let Some(row) = rows.try_next().await? {
        let read = StoredLedgerRow::read(&row)?;
        let ledger_row = read.row();
        let stored: String = row.try_get(12)?;
        if ledger_row.hash(seal) != stored {
            report.broken = Some(format!(
                "ledger entry {} (account id {}, entry {}): content does not match its row_hash (the row was altered)",
                ledger_row.id, ledger_row.account_id, ledger_row.seq
            ));
            return Ok(None);
        }
        tally.row(Some(ledger_row.id), hash_sum(&stored));
        report.ledger_entries += 1;
    }
    Ok(Some(tally))
}

/// Rows deleted behind our back leave an import's recorded counts higher than what is
/// left. One grouped scan per table, so the check stays linear in the portfolio.
async fn verify_import_counts(
    connection: &mut AnyConnection,
    report: &mut AuditReport,
) -> Result<(), StoreError> {
    let accounts = sqlx::query("SELECT import_id, CAST(COUNT(*) AS BIGINT) FROM accounts WHERE import_id IS NOT NULL GROUP BY import_id")
        .fetch_all(&mut *connection)
        .await?;
    let accounts = grouped(accounts)?;
    let entries = sqlx::query(
        "SELECT audit_seq, CAST(COUNT(*) AS BIGINT) FROM ledger_entries GROUP BY audit_seq",
    )
    .fetch_all(&mut *connection)
    .await?;
    let entries = grouped(entries)?;
    let imports = sqlx::query(
        "SELECT id, accounts_created, entries_created, audit_seq FROM imports ORDER BY id",
    )
    .fetch_all(&mut *connection)
    .await?;
    for row in imports {
        let (id, accounts_created, entries_created, audit_seq): (i64, i64, i64, i64) = (
            row.try_get(0)?,
            row.try_get(1)?,
            row.try_get(2)?,
            row.try_get(3)?,
        );
        let accounts_now = accounts.get(&id).copied().unwrap_or(0);
        let entries_now = entries.get(&audit_seq).copied().unwrap_or(0);
        if accounts_created != accounts_now || entries_created != entries_now {
            report.broken = Some(format!(
                "import {id} recorded {accounts_created} accounts and {entries_created} ledger entries; {accounts_now} and {entries_now} remain (rows were deleted)"
            ));
            return Ok(());
        }
    }
    Ok(())
}

fn grouped(
    rows: Vec<sqlx::any::AnyRow>,
) -> Result<std::collections::HashMap<i64, i64>, StoreError> {
    rows.iter()
        .map(|row| Ok((row.try_get(0)?, row.try_get(1)?)))
        .collect()
}

/// One audit event as stored, for people reading the log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEntry {
    pub seq: i64,
    pub recorded_at_us: i64,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_key: String,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
    pub reason: String,
}

/// Most events one listing returns.
pub const AUDIT_LIST_LIMIT_MAX: i64 = 10_000;

pub(crate) async fn recent(
    pool: &sqlx::AnyPool,
    entity_key: Option<&str>,
    limit: i64,
) -> Result<Vec<AuditEntry>, StoreError> {
    let limit = limit.clamp(1, AUDIT_LIST_LIMIT_MAX);
    const COLUMNS: &str = "SELECT seq, recorded_at_us, actor, action, entity, entity_key, before_json, after_json, reason FROM audit_events";
    // Two statements rather than `$1 IS NULL OR …`, so one entity's events come from the
    // (entity_key, seq) index instead of a scan of the whole log.
    let rows = match entity_key {
        Some(key) => {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "{COLUMNS} WHERE entity_key = $1 ORDER BY seq DESC LIMIT $2"
            )))
            .bind(key)
            .bind(limit)
            .fetch_all(pool)
            .await?
        }
        None => {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "{COLUMNS} ORDER BY seq DESC LIMIT $1"
            )))
            .bind(limit)
            .fetch_all(pool)
            .await?
        }
    };
    let mut entries = rows
        .iter()
        .map(|row| {
            Ok(AuditEntry {
                seq: row.try_get(0)?,
                recorded_at_us: row.try_get(1)?,
                actor: row.try_get(2)?,
                action: row.try_get(3)?,
                entity: row.try_get(4)?,
                entity_key: row.try_get(5)?,
                before_json: row.try_get(6)?,
                after_json: row.try_get(7)?,
                reason: row.try_get(8)?,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    entries.reverse();
    Ok(entries)
}
