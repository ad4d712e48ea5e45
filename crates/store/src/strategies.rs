//! Strategies and scoring models as loaded, every version kept (migration 24's
//! `strategies` and `score_models`), and what the champion/challenger comparison and a
//! refit of the score read from the portfolio.
//!
//! The store does not read strategy or model files: the caller checked the text
//! (`strategy::Strategy::parse`, `score::Model::parse`) and hands it over with its name
//! and SHA-256. The store keeps the text unchanged, numbers the versions (1, 2, … per
//! strategy name; 1, 2, … for models), and knows which one is active.
//!
//! **Invariant:** at most one strategy version and at most one model version is active
//! (activating one deactivates every other, of every strategy name, in the same
//! transaction); none active means the caller uses the built-in one.
//! **Invariant:** loading a text already stored (same SHA-256, same name) writes
//! nothing and answers with the stored version; every load and activation is one
//! `WriteTx` with its audit event (the event records the SHA-256, so a text edited
//! behind Arrears' back no longer matches its event).

use crate::audit::AuditEvent;
use crate::{Actor, Store, StoreError};
use domain::contact::{Disposition, Reached};
use futures_util::TryStreamExt;
use jiff::Timestamp;
use jiff::civil::Date;
use serde_json::json;
use sqlx::Row;
use std::collections::HashMap;

/// What `Version::name` is for a scoring model (models have no name of their own: the
/// file's `version` text is inside the stored source).
pub const MODEL_NAME: &str = "model";

/// Accounts read per query when gathering training samples: bounded memory whatever
/// the portfolio's size.
pub const SAMPLE_ACCOUNTS_PER_READ: i64 = 2_000;

/// Days after an attempt a payment must arrive in to label the attempt "paid".
pub const LABEL_WINDOW_DAYS: i64 = 30;

/// Which table a version lives in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Strategy,
    Model,
}

impl Kind {
    fn table(self) -> &'static str {
        match self {
            Kind::Strategy => "strategies",
            Kind::Model => "score_models",
        }
    }

    /// The audit log's entity and action prefix.
    fn entity(self) -> &'static str {
        match self {
            Kind::Strategy => "strategy",
            Kind::Model => "score_model",
        }
    }

    /// The name column, or the constant models are listed under.
    fn name_sql(self) -> &'static str {
        match self {
            Kind::Strategy => "name",
            Kind::Model => "'model'",
        }
    }
}

/// One stored version of a strategy or model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Version {
    pub id: i64,
    /// The strategy's name; [`MODEL_NAME`] for a model.
    pub name: String,
    /// 1, 2, … per strategy name (per kind for models).
    pub version: i64,
    pub sha256: String,
    pub active: bool,
    pub loaded_at: Timestamp,
    pub loaded_by: String,
}

impl Version {
    /// `name/version`, e.g. `default/3`, as the audit log names it.
    pub fn key(&self) -> String {
        format!("{}/{}", self.name, self.version)
    }
}

/// A version with its text, unchanged from the file it was loaded from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VersionText {
    pub version: Version,
    pub source: String,
}

/// What a load did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Loaded {
    pub version: Version,
    /// False: the same text was stored already (nothing written for the load).
    pub new: bool,
    /// The load (or `activate`) made this version the active one.
    pub activated: bool,
}

/// A text to store.
#[derive(Clone, Copy, Debug)]
pub struct NewVersion<'a> {
    /// The strategy's name (the file's `name`); ignored for models.
    pub name: &'a str,
    /// The file name it came from, for the audit log.
    pub file: &'a str,
    pub source: &'a str,
    /// SHA-256 of `source`, lowercase hex.
    pub sha256: &'a str,
    /// Make it the active version too (in the same transaction).
    pub activate: bool,
}

fn version_of(kind: Kind, row: &sqlx::any::AnyRow) -> Result<Version, StoreError> {
    let at_us: i64 = row.try_get(5)?;
    Ok(Version {
        id: row.try_get(0)?,
        name: row.try_get(1)?,
        version: row.try_get(2)?,
        sha256: row.try_get(3)?,
        active: row.try_get::<i64, _>(4)? == 1,
        loaded_at: Timestamp::from_microsecond(at_us)
            .map_err(|_| StoreError::Corrupt(format!("{} loaded at {at_us}", kind.entity())))?,
        loaded_by: row.try_get(6)?,
    })
}

fn select(kind: Kind, rest: &str) -> String {
    format!(
        "SELECT id, {} AS name, {VERSION_COLUMNS_REST}, source FROM {} {rest}",
        kind.name_sql(),
        kind.table()
    )
}

fn text_of(kind: Kind, row: &sqlx::any::AnyRow) -> Result<VersionText, StoreError> {
    Ok(VersionText {
        version: version_of(kind, row)?,
        source: row.try_get(7)?,
    })
}

impl Store {
    /// Stores a checked text as the next version (see the module); the same text again
    /// answers with its stored version and writes nothing, unless it is to be activated.
    pub async fn load_version(
        &self,
        actor: &Actor,
        kind: Kind,
        new: &NewVersion<'_>,
    ) -> Result<Loaded, StoreError> {
        let name = match kind {
            Kind::Strategy => new.name,
            Kind::Model => MODEL_NAME,
        };
        assert_eq!(new.sha256.len(), 64, "a SHA-256 in hex");
        let mut tx = self.write().await?;
        let same = sqlx::query(sqlx::AssertSqlSafe(select(
            kind,
            &format!("WHERE sha256 = $1 AND {} = $2", kind.name_sql()),
        )))
        .bind(new.sha256)
        .bind(name)
        .fetch_optional(tx.conn())
        .await?;
        if let Some(row) = same {
            let existing = version_of(kind, &row)?;
            tx.rollback().await?;
            if new.activate && !existing.active {
                let version = self
                    .activate_version(actor, kind, name, existing.version)
                    .await?;
                return Ok(Loaded {
                    version,
                    new: false,
                    activated: true,
                });
            }
            return Ok(Loaded {
                version: existing,
                new: false,
                activated: false,
            });
        }
        let next: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT CAST(COALESCE(MAX(version), 0) + 1 AS BIGINT) FROM {} WHERE {} = $1",
            kind.table(),
            kind.name_sql()
        )))
        .bind(name)
        .fetch_one(tx.conn())
        .await?;
        let id = tx.next_id(kind.table()).await?;
        let key = format!("{name}/{next}");
        let seq = tx
            .audit(AuditEvent {
                actor: &actor.name,
                action: &format!("{}.loaded", kind.entity()),
                entity: kind.entity(),
                entity_key: &key,
                before: None,
                after: Some(json!({
                    "name": name, "version": next, "sha256": new.sha256,
                    "file": new.file, "bytes": new.source.len(), "active": new.activate,
                })),
                reason: &format!("loaded from {}", new.file),
            })
            .await?;
        let previous = if new.activate {
            deactivate_all(&mut tx, kind).await?
        } else {
            Vec::new()
        };
        let now_us = tx.now_us();
        match kind {
            Kind::Strategy => {
                sqlx::query(
                    "INSERT INTO strategies (id, name, version, source, sha256, active, loaded_at_us, loaded_by, audit_seq) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(id)
                .bind(name)
                .bind(next)
                .bind(new.source)
                .bind(new.sha256)
                .bind(i64::from(new.activate))
                .bind(now_us)
                .bind(&actor.name)
                .bind(seq)
                .execute(tx.conn())
                .await?;
            }
            Kind::Model => {
                sqlx::query(
                    "INSERT INTO score_models (id, version, source, sha256, active, loaded_at_us, loaded_by, audit_seq) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(id)
                .bind(next)
                .bind(new.source)
                .bind(new.sha256)
                .bind(i64::from(new.activate))
                .bind(now_us)
                .bind(&actor.name)
                .bind(seq)
                .execute(tx.conn())
                .await?;
            }
        }
        if new.activate {
            tx.audit(AuditEvent {
                actor: &actor.name,
                action: &format!("{}.activated", kind.entity()),
                entity: kind.entity(),
                entity_key: &key,
                before: Some(json!({ "active": previous })),
                after: Some(json!({ "active": key })),
                reason: "loaded as the active version",
            })
            .await?;
        }
        tx.commit().await?;
        let version = self
            .version(kind, name, next)
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("{key} vanished after loading")))?;
        Ok(Loaded {
            version: version.version,
            new: true,
            activated: new.activate,
        })
    }

    /// Makes `name`'s version `version` the active one, every other version (of every
    /// name) inactive. Already active: nothing written.
    pub async fn activate_version(
        &self,
        actor: &Actor,
        kind: Kind,
        name: &str,
        version: i64,
    ) -> Result<Version, StoreError> {
        let mut tx = self.write().await?;
        let row = sqlx::query(sqlx::AssertSqlSafe(select(
            kind,
            &format!("WHERE {} = $1 AND version = $2", kind.name_sql()),
        )))
        .bind(name)
        .bind(version)
        .fetch_optional(tx.conn())
        .await?
        .ok_or_else(|| {
            StoreError::NotFound(format!("no {} {name} version {version}", kind.entity()))
        })?;
        let found = version_of(kind, &row)?;
        if found.active {
            tx.rollback().await?;
            return Ok(found);
        }
        let previous = deactivate_all(&mut tx, kind).await?;
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE {} SET active = 1 WHERE id = $1",
            kind.table()
        )))
        .bind(found.id)
        .execute(tx.conn())
        .await?;
        tx.audit(AuditEvent {
            actor: &actor.name,
            action: &format!("{}.activated", kind.entity()),
            entity: kind.entity(),
            entity_key: &found.key(),
            before: Some(json!({ "active": previous })),
            after: Some(json!({ "active": found.key(), "sha256": found.sha256 })),
            reason: "activated",
        })
        .await?;
        tx.commit().await?;
        Ok(Version {
            active: true,
            ..found
        })
    }

    /// Every version, by name then newest first.
    pub async fn versions(&self, kind: Kind) -> Result<Vec<Version>, StoreError> {
        let sql = format!(
            "SELECT id, {} AS name, {VERSION_COLUMNS_REST} FROM {} ORDER BY 2, version DESC",
            kind.name_sql(),
            kind.table()
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|row| version_of(kind, row)).collect()
    }

    /// One version with its text.
    pub async fn version(
        &self,
        kind: Kind,
        name: &str,
        version: i64,
    ) -> Result<Option<VersionText>, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(select(
            kind,
            &format!("WHERE {} = $1 AND version = $2", kind.name_sql()),
        )))
        .bind(name)
        .bind(version)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(|row| text_of(kind, row)).transpose()
    }

    /// The active version with its text; `None`: the built-in one is in force.
    pub async fn active_version(&self, kind: Kind) -> Result<Option<VersionText>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(select(kind, "WHERE active = 1")))
            .fetch_all(&self.pool)
            .await?;
        if rows.len() > 1 {
            return Err(StoreError::Corrupt(format!(
                "{} active versions of {}",
                rows.len(),
                kind.table()
            )));
        }
        rows.first().map(|row| text_of(kind, row)).transpose()
    }
}

const VERSION_COLUMNS_REST: &str = "version, sha256, active, loaded_at_us, loaded_by";

/// Deactivates every active version; the keys (`name/version`) that were active.
async fn deactivate_all(
    tx: &mut crate::audit::WriteTx,
    kind: Kind,
) -> Result<Vec<String>, StoreError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {} AS name, version FROM {} WHERE active = 1 ORDER BY id",
        kind.name_sql(),
        kind.table()
    )))
    .fetch_all(tx.conn())
    .await?;
    let mut keys = Vec::with_capacity(rows.len());
    for row in &rows {
        keys.push(format!(
            "{}/{}",
            row.try_get::<String, _>(0)?,
            row.try_get::<i64, _>(1)?
        ));
    }
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE {} SET active = 0 WHERE active = 1",
        kind.table()
    )))
    .execute(tx.conn())
    .await?;
    Ok(keys)
}

/// The dispositions that mean someone on the consumer's side spoke with the collector
/// (`Disposition::reached`), quoted for SQL.
fn conversation_codes() -> String {
    let codes: Vec<String> = Disposition::ALL
        .iter()
        .filter(|disposition| disposition.reached() == Reached::Conversation)
        .map(|disposition| format!("'{}'", disposition.code()))
        .collect();
    codes.join(", ")
}

/// One account's outcome in its arm, for the champion/challenger comparison
/// (`strategy::compare::Outcome`, with the arm).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArmOutcome {
    pub arm: String,
    pub account_id: i64,
    /// The placement entries' total, minor units.
    pub placed_minor: i64,
    /// Payments on the account not returned, minor units (every such payment in the
    /// ledger, also those from before the account joined its arm: assignment is at
    /// random, so they weigh on every arm alike).
    pub collected_minor: i64,
    /// Any contact attempt with a conversation disposition.
    pub right_party_contacted: bool,
    /// Promises decided (kept or broken); open and superseded ones are not counted.
    pub promises_made: u32,
    pub promises_kept: u32,
}

impl Store {
    /// Every account the nightly engine put in an arm, with its outcome, in account
    /// order, handed to `each` one by one (streamed: a few rows in memory at a time).
    pub async fn arm_outcomes(
        &self,
        mut each: impl FnMut(ArmOutcome) -> Result<(), StoreError>,
    ) -> Result<u64, StoreError> {
        let sql = format!(
            "SELECT n.arm, n.account_id, \
             (SELECT CAST(COALESCE(SUM(e.principal_minor + e.interest_minor + e.fees_minor), 0) AS BIGINT) \
                FROM ledger_entries e WHERE e.account_id = n.account_id AND e.reason = 'placement'), \
             (SELECT CAST(COALESCE(SUM(pe.amount_minor), 0) AS BIGINT) \
                FROM payment_entries pe JOIN payments p ON p.id = pe.payment_id \
                WHERE pe.account_id = n.account_id AND p.returned_on IS NULL), \
             (SELECT CAST(COUNT(*) AS BIGINT) FROM contact_attempts t \
                WHERE t.account_id = n.account_id AND t.disposition IN ({conversations})), \
             (SELECT CAST(COUNT(*) AS BIGINT) FROM promises p WHERE p.account_id = n.account_id AND p.status IN ('kept', 'broken')), \
             (SELECT CAST(COUNT(*) AS BIGINT) FROM promises p WHERE p.account_id = n.account_id AND p.status = 'kept') \
             FROM account_nightly n WHERE n.arm IS NOT NULL ORDER BY n.account_id",
            conversations = conversation_codes(),
        );
        let mut connection = self.pool.acquire().await?;
        let mut rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch(&mut *connection);
        let mut count = 0u64;
        while let Some(row) = rows.try_next().await? {
            let count_of = |index: usize| -> Result<u32, StoreError> {
                let value: i64 = row.try_get(index)?;
                u32::try_from(value).map_err(|_| StoreError::Corrupt(format!("a count of {value}")))
            };
            each(ArmOutcome {
                arm: row.try_get(0)?,
                account_id: row.try_get(1)?,
                placed_minor: row.try_get(2)?,
                collected_minor: row.try_get(3)?,
                right_party_contacted: row.try_get::<i64, _>(4)? > 0,
                promises_made: count_of(5)?,
                promises_kept: count_of(6)?,
            })?;
            count += 1;
        }
        Ok(count)
    }
}

/// One account's facts as the score reads them as of a date: the nightly batch's
/// `NightlyAccount` fields that `score::Features` is built from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScoreFacts {
    pub account_id: i64,
    pub as_of: Date,
    /// The ledger's sum through `as_of`.
    pub balance_minor: i64,
    /// The placement entries' total.
    pub placed_minor: i64,
    pub placed_on: Date,
    pub delinquent_since: Date,
    pub product: String,
    /// A usable phone / email on file now (contact points keep no history).
    pub has_phone: bool,
    pub has_email: bool,
    /// Attempts in the 30 days, conversations in the 90 days, up to the end of `as_of`.
    pub attempts_30d: u32,
    pub conversations_90d: u32,
    pub promises_kept: u32,
    pub promises_broken: u32,
    /// Payment entries through `as_of`, and the latest one's date.
    pub payments: u32,
    pub last_payment_on: Option<Date>,
    /// A dispute hold open at the end of `as_of`.
    pub open_dispute: bool,
}

/// A refit's sample: an attempt, the account's facts the day before it, and whether a
/// payment (not returned) arrived within [`LABEL_WINDOW_DAYS`] days from its day.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrainingSample {
    pub facts: ScoreFacts,
    pub attempt_at_us: i64,
    pub paid: bool,
}

/// The stored nightly score of an account (`account_nightly`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredScore {
    pub as_of: Date,
    pub score: Option<i64>,
    /// Comma-separated reason codes, most harmful first.
    pub reasons: Option<String>,
    pub segment: Option<String>,
    pub arm: Option<String>,
}

/// Everything about an account the score's facts are computed from, at any date.
#[derive(Default)]
struct History {
    accounts: Vec<AccountRow>,
}

struct AccountRow {
    id: i64,
    product: String,
    placed_on: Date,
    delinquent_since: Date,
    has_phone: bool,
    has_email: bool,
    /// (effective date, reason, total) in id order.
    ledger: Vec<(Date, String, i64)>,
    /// (instant, conversation) by instant.
    attempts: Vec<(i64, bool)>,
    /// (created at, status, last due date).
    promises: Vec<(i64, String, Option<Date>)>,
    /// (paid on, returned).
    payments: Vec<(Date, bool)>,
    /// Dispute holds: (placed at, released at).
    disputes: Vec<(i64, Option<i64>)>,
}

fn date(text: &str) -> Result<Date, StoreError> {
    text.parse()
        .map_err(|_| StoreError::Corrupt(format!("stored date {text:?}")))
}

const DAY_US: i64 = 86_400_000_000;

/// How the promises count: as the nightly batch does (every kept or broken promise),
/// or as known on a past date (made before it, its last due date on or before it, so
/// an outcome decided later does not leak into a sample's features).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Promises {
    AsTonight,
    AsKnownThen,
}

impl AccountRow {
    /// The facts as of the end of `as_of` (`end_us`, the next midnight in the business
    /// zone), as `store::nightly::chunk_facts` reads them.
    fn facts(&self, as_of: Date, end_us: i64, promises: Promises) -> ScoreFacts {
        let mut facts = ScoreFacts {
            account_id: self.id,
            as_of,
            balance_minor: 0,
            placed_minor: 0,
            placed_on: self.placed_on,
            delinquent_since: self.delinquent_since,
            product: self.product.clone(),
            has_phone: self.has_phone,
            has_email: self.has_email,
            attempts_30d: 0,
            conversations_90d: 0,
            promises_kept: 0,
            promises_broken: 0,
            payments: 0,
            last_payment_on: None,
            open_dispute: false,
        };
        for (effective_on, reason, total) in &self.ledger {
            if *effective_on > as_of {
                continue;
            }
            facts.balance_minor += total;
            match reason.as_str() {
                "placement" => facts.placed_minor += total,
                "payment" => {
                    facts.payments += 1;
                    if facts.last_payment_on.is_none_or(|on| on < *effective_on) {
                        facts.last_payment_on = Some(*effective_on);
                    }
                }
                _ => {}
            }
        }
        for (at_us, conversation) in &self.attempts {
            if *at_us >= end_us {
                continue;
            }
            if *at_us >= end_us - 30 * DAY_US {
                facts.attempts_30d += 1;
            }
            if *conversation && *at_us >= end_us - 90 * DAY_US {
                facts.conversations_90d += 1;
            }
        }
        for (created_at_us, status, last_due_on) in &self.promises {
            let known = match promises {
                Promises::AsTonight => true,
                Promises::AsKnownThen => {
                    *created_at_us < end_us && last_due_on.is_some_and(|due| due <= as_of)
                }
            };
            match status.as_str() {
                "kept" if known => facts.promises_kept += 1,
                "broken" if known => facts.promises_broken += 1,
                _ => {}
            }
        }
        facts.open_dispute = self
            .disputes
            .iter()
            .any(|(placed, released)| *placed < end_us && released.is_none_or(|at| at >= end_us));
        facts
    }
}

impl Store {
    /// The next midnight after `day` in the business zone, in microseconds.
    fn end_of(&self, day: Date) -> Result<i64, StoreError> {
        day.tomorrow()
            .ok()
            .and_then(|next| self.business_zone.to_timestamp(next.at(0, 0, 0, 0)).ok())
            .map(|instant| instant.as_microsecond())
            .ok_or_else(|| StoreError::Invalid(format!("no day after {day}")))
    }

    fn business_date(&self, at_us: i64) -> Result<Date, StoreError> {
        let at = Timestamp::from_microsecond(at_us)
            .map_err(|_| StoreError::Corrupt(format!("instant {at_us}")))?;
        Ok(self.business_zone.to_datetime(at).date())
    }

    /// The histories of the accounts with ids in `first ..= last`, in id order.
    async fn histories(&self, first: i64, last: i64) -> Result<History, StoreError> {
        let mut connection = self.pool.acquire().await?;
        let rows = sqlx::query(
            "SELECT a.id, a.product, a.placed_on, a.delinquent_since, a.debtor_id FROM accounts a \
             WHERE a.id BETWEEN $1 AND $2 ORDER BY a.id",
        )
        .bind(first)
        .bind(last)
        .fetch_all(&mut *connection)
        .await?;
        let mut history = History::default();
        let mut index: HashMap<i64, usize> = HashMap::with_capacity(rows.len());
        let mut by_debtor: HashMap<i64, Vec<usize>> = HashMap::new();
        for row in &rows {
            let id: i64 = row.try_get(0)?;
            index.insert(id, history.accounts.len());
            by_debtor
                .entry(row.try_get(4)?)
                .or_default()
                .push(history.accounts.len());
            history.accounts.push(AccountRow {
                id,
                product: row.try_get(1)?,
                placed_on: date(&row.try_get::<String, _>(2)?)?,
                delinquent_since: date(&row.try_get::<String, _>(3)?)?,
                has_phone: false,
                has_email: false,
                ledger: Vec::new(),
                attempts: Vec::new(),
                promises: Vec::new(),
                payments: Vec::new(),
                disputes: Vec::new(),
            });
        }
        if history.accounts.is_empty() {
            return Ok(history);
        }
        let rows = sqlx::query(
            "SELECT e.account_id, e.effective_on, e.reason, e.principal_minor + e.interest_minor + e.fees_minor \
             FROM ledger_entries e WHERE e.account_id BETWEEN $1 AND $2 ORDER BY e.account_id, e.id",
        )
        .bind(first)
        .bind(last)
        .fetch_all(&mut *connection)
        .await?;
        for row in &rows {
            if let Some(&at) = index.get(&row.try_get::<i64, _>(0)?) {
                history.accounts[at].ledger.push((
                    date(&row.try_get::<String, _>(1)?)?,
                    row.try_get(2)?,
                    row.try_get(3)?,
                ));
            }
        }
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT t.account_id, t.at_us, CASE WHEN t.disposition IN ({}) THEN 1 ELSE 0 END \
             FROM contact_attempts t WHERE t.account_id BETWEEN $1 AND $2 ORDER BY t.account_id, t.at_us, t.id",
            conversation_codes()
        )))
        .bind(first)
        .bind(last)
        .fetch_all(&mut *connection)
        .await?;
        for row in &rows {
            if let Some(&at) = index.get(&row.try_get::<i64, _>(0)?) {
                history.accounts[at]
                    .attempts
                    .push((row.try_get(1)?, row.try_get::<i64, _>(2)? == 1));
            }
        }
        let rows = sqlx::query(
            "SELECT p.account_id, p.created_at_us, p.status, (SELECT MAX(pp.due_on) FROM promise_payments pp WHERE pp.promise_id = p.id) \
             FROM promises p WHERE p.account_id BETWEEN $1 AND $2 ORDER BY p.account_id, p.id",
        )
        .bind(first)
        .bind(last)
        .fetch_all(&mut *connection)
        .await?;
        for row in &rows {
            if let Some(&at) = index.get(&row.try_get::<i64, _>(0)?) {
                let due: Option<String> = row.try_get(3)?;
                history.accounts[at].promises.push((
                    row.try_get(1)?,
                    row.try_get(2)?,
                    due.as_deref().map(date).transpose()?,
                ));
            }
        }
        let rows = sqlx::query(
            "SELECT pe.account_id, p.paid_on, CASE WHEN p.returned_on IS NULL THEN 0 ELSE 1 END \
             FROM payment_entries pe JOIN payments p ON p.id = pe.payment_id \
             WHERE pe.account_id BETWEEN $1 AND $2 ORDER BY pe.account_id, p.id",
        )
        .bind(first)
        .bind(last)
        .fetch_all(&mut *connection)
        .await?;
        for row in &rows {
            if let Some(&at) = index.get(&row.try_get::<i64, _>(0)?) {
                history.accounts[at].payments.push((
                    date(&row.try_get::<String, _>(1)?)?,
                    row.try_get::<i64, _>(2)? == 1,
                ));
            }
        }
        let rows = sqlx::query(
            "SELECT h.account_id, h.placed_at_us, h.released_at_us FROM account_holds h \
             WHERE h.kind = 'dispute' AND h.account_id BETWEEN $1 AND $2 ORDER BY h.account_id, h.id",
        )
        .bind(first)
        .bind(last)
        .fetch_all(&mut *connection)
        .await?;
        for row in &rows {
            if let Some(&at) = index.get(&row.try_get::<i64, _>(0)?) {
                history.accounts[at]
                    .disputes
                    .push((row.try_get(1)?, row.try_get(2)?));
            }
        }
        let debtors: Vec<String> = by_debtor.keys().map(i64::to_string).collect();
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT p.debtor_id, p.kind FROM contact_points p WHERE p.debtor_id IN ({}) AND p.status IN ({})",
            debtors.join(", "),
            crate::dialer::usable_statuses(),
        )))
        .fetch_all(&mut *connection)
        .await?;
        for row in &rows {
            let debtor_id: i64 = row.try_get(0)?;
            let kind: String = row.try_get(1)?;
            let is_phone =
                domain::party::ContactKind::parse(&kind).is_some_and(|kind| kind.is_phone());
            for &at in by_debtor.get(&debtor_id).into_iter().flatten() {
                if is_phone {
                    history.accounts[at].has_phone = true;
                } else if kind == "email" {
                    history.accounts[at].has_email = true;
                }
            }
        }
        Ok(history)
    }

    /// A refit's samples as of `as_of`: one per contact attempt whose label is known
    /// (its day at least [`LABEL_WINDOW_DAYS`] days before `as_of`), with the account's
    /// facts as of the day before the attempt and whether a payment not returned was
    /// made on the attempt's day or within the 30 days after it. In account id order,
    /// then attempt time: the same database gives the same samples in the same order.
    pub async fn training_samples(
        &self,
        as_of: Date,
        mut each: impl FnMut(TrainingSample) -> Result<(), StoreError>,
    ) -> Result<u64, StoreError> {
        let last_id: i64 = sqlx::query_scalar(
            "SELECT CAST(COALESCE(MAX(account_id), 0) AS BIGINT) FROM contact_attempts",
        )
        .fetch_one(&self.pool)
        .await?;
        let mut count = 0u64;
        let mut first = 1i64;
        while first <= last_id {
            let last = first.saturating_add(SAMPLE_ACCOUNTS_PER_READ - 1);
            let history = self.histories(first, last).await?;
            for account in &history.accounts {
                for (at_us, _) in &account.attempts {
                    let day = self.business_date(*at_us)?;
                    let window_end = day
                        .checked_add(jiff::Span::new().days(LABEL_WINDOW_DAYS))
                        .map_err(|_| StoreError::Invalid(format!("no date 30 days after {day}")))?;
                    if window_end > as_of {
                        continue;
                    }
                    let before = day
                        .yesterday()
                        .map_err(|_| StoreError::Invalid(format!("no day before {day}")))?;
                    let end_us = self.end_of(before)?;
                    let paid = account.payments.iter().any(|(paid_on, returned)| {
                        !returned && *paid_on >= day && *paid_on <= window_end
                    });
                    each(TrainingSample {
                        facts: account.facts(before, end_us, Promises::AsKnownThen),
                        attempt_at_us: *at_us,
                        paid,
                    })?;
                    count += 1;
                }
            }
            first = last.saturating_add(1);
        }
        Ok(count)
    }

    /// An account's score facts as of the end of `as_of`, read as the nightly batch
    /// reads them, and what the last run stored for it; `None`: no such account.
    pub async fn account_score(
        &self,
        creditor: &str,
        account_ref: &str,
        as_of: Date,
    ) -> Result<Option<(ScoreFacts, Option<StoredScore>)>, StoreError> {
        let id: Option<i64> = sqlx::query_scalar(
            "SELECT a.id FROM accounts a JOIN creditors c ON c.id = a.creditor_id WHERE c.code = $1 AND a.account_ref = $2",
        )
        .bind(creditor)
        .bind(account_ref)
        .fetch_optional(&self.pool)
        .await?;
        let Some(id) = id else {
            return Ok(None);
        };
        let history = self.histories(id, id).await?;
        let account = history
            .accounts
            .first()
            .ok_or_else(|| StoreError::Corrupt(format!("account {id} vanished")))?;
        let facts = account.facts(as_of, self.end_of(as_of)?, Promises::AsTonight);
        let row = sqlx::query(
            "SELECT as_of, score, score_reasons, segment, arm FROM account_nightly WHERE account_id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        let stored = match row {
            Some(row) => Some(StoredScore {
                as_of: date(&row.try_get::<String, _>(0)?)?,
                score: row.try_get(1)?,
                reasons: row.try_get(2)?,
                segment: row.try_get(3)?,
                arm: row.try_get(4)?,
            }),
            None => None,
        };
        Ok(Some((facts, stored)))
    }
}

impl Store {
    /// The failures recorded for a nightly run's chunks, by chunk: (chunk number, why).
    pub async fn batch_failures(&self, run_id: i64) -> Result<Vec<(i64, String)>, StoreError> {
        let rows = sqlx::query(
            "SELECT chunk_no, failure FROM batch_chunks WHERE run_id = $1 AND failure IS NOT NULL ORDER BY chunk_no",
        )
        .bind(run_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| Ok((row.try_get(0)?, row.try_get(1)?)))
            .collect()
    }
}
