//! Money in: posting payments and their returns, from agents, the API and bank files.
//!
//! Every batch of items (one agent's payment, or a whole file) is posted in one write
//! transaction: all or nothing. Items are matched to accounts and payments first; what
//! matches is posted, what does not goes to the exceptions list, and the outcome of every
//! item is reported. A dry run does the same work and rolls it back.
//!
//! **Invariants:**
//! - A payment's ledger entries add up to its amount; a return reverses exactly those
//!   entries (same accounts, same buckets), so the ledger balances to the cent.
//! - Re-posting the same items changes nothing: a payment is identified by creditor and
//!   `payment_ref`, a return by the payment it returns, an exception by its fingerprint.

use crate::audit::{AuditEvent, LedgerRow, WriteTx};
use crate::batch::{Batch, Literal, Value};
use crate::creditors::{Creditor, creditor_from_row};
use crate::seal::{self, Digests, PaymentRow};
use crate::{Actor, Store, StoreError};
use domain::account::Status;
use domain::allocation::{self, Owing};
use domain::creditor::CreditorPolicy;
use domain::ledger::{Buckets, Entry, Reason};
use domain::money::Amount;
pub use domain::payment::{
    IncomingPayment, IncomingReturn, Item, ItemKind, Method, Original, Source,
};
use jiff::civil::Date;
use serde_json::json;
use sqlx::Row;
use std::collections::{HashMap, HashSet};

/// A file naming at least 1/SCAN_ALL_RATIO of all accounts reads them all in one scan.
const SCAN_ALL_RATIO: i64 = 4;
/// Items per `IN (…)` list when looking rows up.
const LOOKUP_CHUNK: usize = 500;
/// Items one posting may carry (a 1,000,000-line file is fine; more should be split).
pub const ITEMS_MAX: usize = 2_000_000;

/// Where the items come from.
#[derive(Clone, Debug)]
pub struct Posting<'a> {
    pub source: Source,
    /// The file name (or `agent` / `api`).
    pub file_name: &'a str,
    pub sha256: &'a str,
    /// The user who entered it, when a user did.
    pub user_id: Option<i64>,
    /// Why, for the audit log.
    pub reason: &'a str,
    /// Parse, match and compute, then roll back.
    pub dry_run: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Posted {
        payment_id: i64,
        creditor: String,
        account_ref: String,
        /// Amount per account paid (`account_ref`, amount).
        shares: Vec<(String, Amount)>,
    },
    AlreadyPosted {
        payment_id: i64,
    },
    Returned {
        payment_id: i64,
        creditor: String,
        account_ref: String,
        fee: Amount,
    },
    AlreadyReturned {
        payment_id: i64,
    },
    /// Not matched: on the exceptions list (or already there from an earlier import).
    Exception {
        reason: String,
    },
}

impl Outcome {
    pub fn code(&self) -> &'static str {
        match self {
            Outcome::Posted { .. } => "posted",
            Outcome::AlreadyPosted { .. } => "already_posted",
            Outcome::Returned { .. } => "returned",
            Outcome::AlreadyReturned { .. } => "already_returned",
            Outcome::Exception { .. } => "exception",
        }
    }

    pub fn is_matched(&self) -> bool {
        !matches!(self, Outcome::Exception { .. })
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PostingReport {
    pub import_id: Option<i64>,
    pub outcomes: Vec<Outcome>,
    pub payments_posted: u64,
    pub returns_posted: u64,
    pub exceptions_added: u64,
    pub entries_created: u64,
    pub amount_posted: i64,
    pub amount_returned: i64,
}

/// An account as the posting sees it (balances kept current as items post).
struct AccountState {
    id: i64,
    creditor_id: i64,
    account_ref: String,
    debtor_id: i64,
    status: String,
    /// The status read when the account was loaded, which `finish` moves from.
    status_at_start: String,
    delinquent_since: Date,
    balance: Buckets,
    next_seq: i64,
    status_changed: bool,
}

/// An accruing account's principal history and what the nightly accrual posted.
struct AccrualFacts {
    accrual_start: Date,
    apr: domain::money::BasisPoints,
    /// (effective date, principal movement) of every entry, this posting's included.
    movements: Vec<(Date, i64)>,
    posted_minor: i64,
}

struct KnownPayment {
    id: i64,
    creditor_id: i64,
    account_id: i64,
    amount: Amount,
    returned: bool,
}

struct Poster<'a> {
    seal: crate::crypto::SealKey,
    /// What the rows written add to the sealed tables' digests (`crate::seal`).
    sealed: Digests,
    now_us: i64,
    audit_seq: i64,
    import_id: i64,
    posting: &'a Posting<'a>,
    creditors: HashMap<i64, Creditor>,
    creditor_ids: HashMap<String, i64>,
    accounts: HashMap<i64, AccountState>,
    /// account_ref → account ids (one per creditor holding that reference).
    by_ref: HashMap<String, Vec<i64>>,
    debtor_accounts: HashMap<i64, Vec<i64>>,
    /// Payments the file names (by reference or trace) and the ones it posts, by id.
    known_payments: HashMap<i64, KnownPayment>,
    /// payment_ref → ids (one per creditor using that reference).
    payments_by_ref: HashMap<String, Vec<i64>>,
    payments_by_trace: HashMap<String, Vec<i64>>,
    payment_entries: HashMap<i64, Vec<(i64, i64, Buckets)>>,
    exceptions_known: HashSet<String>,
    /// What the interest accrued before a date is computed from, per account whose
    /// creditor accrues and whose accrual ran on or after the earliest payment date of
    /// the items: a payment pays the interest accrued before its date, never interest
    /// for days after it (`allocatable`).
    accruals: HashMap<i64, AccrualFacts>,
    next_payment_id: i64,
    next_entry_id: i64,
    next_exception_id: i64,
    payments: Batch,
    entries: Batch,
    ledger: Batch,
    exceptions: Batch,
    returned: Vec<(i64, Date, Option<String>, String)>,
    touched: HashSet<i64>,
    report: PostingReport,
}

const PAYMENT_COLUMNS: &[&str] = &[
    "id",
    "creditor_id",
    "account_id",
    "payment_ref",
    "amount_minor",
    "method",
    "paid_on",
    "trace",
    "user_id",
    "seal",
];
const PAYMENT_ENTRY_COLUMNS: &[&str] = &["payment_id", "entry_id", "account_id", "amount_minor"];
const LEDGER_COLUMNS: &[&str] = &[
    "id",
    "account_id",
    "seq",
    "reason",
    "principal_minor",
    "interest_minor",
    "fees_minor",
    "effective_on",
    "corrects_entry_id",
    "memo",
    "row_hash",
];
const EXCEPTION_COLUMNS: &[&str] = &[
    "id",
    "fingerprint",
    "source",
    "file_name",
    "line",
    "kind",
    "amount_minor",
    "paid_on",
    "reference",
    "trace",
    "return_code",
    "detail",
    "reason",
    "status",
    "created_at_us",
    "audit_seq",
    "creditor_id",
];

fn placeholders(engine: crate::Engine, count: usize, first: usize) -> String {
    (0..count)
        .map(|index| match engine {
            crate::Engine::Sqlite => "?".to_string(),
            crate::Engine::Postgres => format!("${}", first + index),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Segregation for bank-file items: a creditor's items to the users who see it, items
/// naming no creditor (the agency's bank account) to users who see every creditor.
fn may_see_exception(user: &crate::sessions::SessionUser, creditor_id: Option<i64>) -> bool {
    match creditor_id {
        Some(id) => user.may_see_creditor(id),
        None => user.creditor_ids.is_none(),
    }
}

fn date_of(text: &str) -> Result<Date, StoreError> {
    text.parse()
        .map_err(|_| StoreError::Corrupt(format!("stored date {text:?} is not a date")))
}

impl Store {
    /// Posts `items` (see the module's rules). With `posting.dry_run` nothing is kept.
    pub async fn post_payments(
        &self,
        actor: &Actor,
        posting: &Posting<'_>,
        items: &[Item],
    ) -> Result<PostingReport, StoreError> {
        self.post(actor, posting, items, None, false, None).await
    }

    /// One payment a user takes on an account they have open: the form's version must
    /// still be the account's (else `Conflict`), the user must see the creditor (else
    /// `NotFound`), and a `payment_ref` already used for another payment is refused
    /// (`Invalid`) rather than set aside. Bumps the account's version.
    pub async fn post_user_payment(
        &self,
        user: &crate::sessions::SessionUser,
        seen: crate::workspace::Seen<'_>,
        posting: &Posting<'_>,
        payment: IncomingPayment,
    ) -> Result<Outcome, StoreError> {
        let item = Item {
            line: 1,
            kind: ItemKind::Payment(payment),
        };
        let actor = Actor::new(user.username.clone());
        let report = self
            .post(
                &actor,
                posting,
                std::slice::from_ref(&item),
                Some((user, seen)),
                true,
                None,
            )
            .await?;
        let outcome = report.outcomes.into_iter().next().expect("one item");
        match outcome {
            Outcome::Exception { reason } => Err(StoreError::Invalid(reason)),
            other => Ok(other),
        }
    }

    /// A person matches an item of the exceptions list: a payment to `reference` (an
    /// account of `creditor`), or a return of the payment whose `payment_ref` is
    /// `reference`. Posted exactly as the file would have posted it, in one transaction
    /// with the exception marked matched; the audit event carries the user and the note.
    pub async fn match_exception(
        &self,
        user: &crate::sessions::SessionUser,
        exception_id: i64,
        creditor: &str,
        reference: &str,
        note: &str,
    ) -> Result<Outcome, StoreError> {
        let row = sqlx::query(
            "SELECT source, file_name, kind, amount_minor, paid_on, trace, return_code, detail, status, creditor_id FROM payment_exceptions WHERE id = $1",
        )
        .bind(exception_id)
        .fetch_optional(&self.pool)
        .await?
        .filter(|row| may_see_exception(user, row.try_get(9).ok().flatten()))
        .ok_or_else(|| StoreError::NotFound(format!("no exception {exception_id}")))?;
        let status: String = row.try_get(8)?;
        if status != "open" {
            return Err(StoreError::Conflict(format!(
                "exception {exception_id} is already {status}"
            )));
        }
        let creditor_id: Option<i64> = sqlx::query("SELECT id FROM creditors WHERE code = $1")
            .bind(creditor)
            .fetch_optional(&self.pool)
            .await?
            .map(|row| row.try_get(0))
            .transpose()?;
        match creditor_id {
            Some(id) if user.may_see_creditor(id) => {}
            _ => return Err(StoreError::Invalid(format!("no creditor {creditor:?}"))),
        }
        let source_code: String = row.try_get(0)?;
        let source = Source::parse(&source_code)
            .ok_or_else(|| StoreError::Corrupt(format!("exception source {source_code:?}")))?;
        let file_name: String = row.try_get(1)?;
        let kind: String = row.try_get(2)?;
        let amount = Amount::from_minor(row.try_get(3)?);
        let on = date_of(&row.try_get::<String, _>(4)?)?;
        let trace: Option<String> = row.try_get(5)?;
        let return_code: Option<String> = row.try_get(6)?;
        let detail: serde_json::Value =
            serde_json::from_str(&row.try_get::<String, _>(7)?).unwrap_or_default();
        let text = |key: &str| detail[key].as_str().map(str::to_string);
        let item_kind = if kind == "return" {
            ItemKind::Return(IncomingReturn {
                creditor: Some(creditor.to_string()),
                original: Original::PaymentRef(reference.to_string()),
                return_ref: text("return_ref")
                    .unwrap_or_else(|| format!("exception-{exception_id}")),
                returned_on: on,
                amount,
                return_code,
            })
        } else {
            ItemKind::Payment(IncomingPayment {
                creditor: Some(creditor.to_string()),
                account_ref: reference.to_string(),
                fallback_ref: None,
                payment_ref: text("payment_ref")
                    .unwrap_or_else(|| format!("exception-{exception_id}")),
                paid_on: on,
                amount,
                method: text("method")
                    .and_then(|code| Method::parse(&code))
                    .unwrap_or(Method::Other),
                trace,
            })
        };
        let reason = format!("exception {exception_id} matched by hand: {note}");
        let posting = Posting {
            source,
            file_name: &file_name,
            sha256: "",
            user_id: Some(user.id),
            reason: &reason,
            dry_run: false,
        };
        let item = Item {
            line: 1,
            kind: item_kind,
        };
        let actor = Actor::new(user.username.clone());
        let report = self
            .post(
                &actor,
                &posting,
                std::slice::from_ref(&item),
                None,
                true,
                Some((exception_id, &user.username)),
            )
            .await?;
        Ok(report.outcomes.into_iter().next().expect("one item"))
    }

    /// Sets an exception aside for good (not ours, a duplicate the bank will reverse…).
    pub async fn dismiss_exception(
        &self,
        user: &crate::sessions::SessionUser,
        exception_id: i64,
        note: &str,
    ) -> Result<(), StoreError> {
        if note.trim().is_empty() {
            return Err(StoreError::Invalid("say why the item is dismissed".into()));
        }
        let mut tx = self.write().await?;
        let status: Option<String> =
            sqlx::query("SELECT status, creditor_id FROM payment_exceptions WHERE id = $1")
                .bind(exception_id)
                .fetch_optional(tx.conn())
                .await?
                .filter(|row| may_see_exception(user, row.try_get(1).ok().flatten()))
                .map(|row| row.try_get(0))
                .transpose()?;
        match status.as_deref() {
            None => return Err(StoreError::NotFound(format!("no exception {exception_id}"))),
            Some("open") => {}
            Some(other) => {
                return Err(StoreError::Conflict(format!(
                    "exception {exception_id} is already {other}"
                )));
            }
        }
        tx.audit(AuditEvent {
            actor: &user.username,
            action: "exception.dismiss",
            entity: "payment_exception",
            entity_key: &exception_id.to_string(),
            before: Some(json!({"status": "open"})),
            after: Some(json!({"status": "dismissed"})),
            reason: note,
        })
        .await?;
        sqlx::query("UPDATE payment_exceptions SET status = 'dismissed', resolved_by = $1, resolved_at_us = $2 WHERE id = $3")
            .bind(&user.username)
            .bind(tx.now_us())
            .bind(exception_id)
            .execute(tx.conn())
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn post(
        &self,
        actor: &Actor,
        posting: &Posting<'_>,
        items: &[Item],
        user: Option<(&crate::sessions::SessionUser, crate::workspace::Seen<'_>)>,
        strict: bool,
        resolves: Option<(i64, &str)>,
    ) -> Result<PostingReport, StoreError> {
        if items.len() > ITEMS_MAX {
            return Err(StoreError::Invalid(format!(
                "{} items: at most {ITEMS_MAX} per posting; split the file",
                items.len()
            )));
        }
        let mut tx = self.write().await?;
        let now_us = tx.now_us();
        if let Some((user, seen)) = user {
            crate::workspace::touch(&mut tx, user, seen).await?;
        }
        let engine = tx.engine();
        let import_id = tx.next_id("imports").await?;
        let audit_seq = tx.reserve_event().await?;
        let mut poster = Poster {
            seal: self.key.seal_key(),
            sealed: Digests::default(),
            now_us,
            audit_seq,
            import_id,
            posting,
            creditors: HashMap::new(),
            creditor_ids: HashMap::new(),
            accounts: HashMap::new(),
            by_ref: HashMap::new(),
            debtor_accounts: HashMap::new(),
            known_payments: HashMap::new(),
            payments_by_ref: HashMap::new(),
            payments_by_trace: HashMap::new(),
            payment_entries: HashMap::new(),
            exceptions_known: HashSet::new(),
            accruals: HashMap::new(),
            next_payment_id: tx.next_id("payments").await?,
            next_entry_id: tx.next_id("ledger_entries").await?,
            next_exception_id: tx.next_id("payment_exceptions").await?,
            payments: Batch::new(engine, "payments", PAYMENT_COLUMNS, "").with_constants(vec![
                ("source", Literal::Code(posting.source.code())),
                ("import_id", Literal::Int(import_id)),
                ("recorded_at_us", Literal::Int(now_us)),
                ("audit_seq", Literal::Int(audit_seq)),
            ]),
            entries: Batch::new(engine, "payment_entries", PAYMENT_ENTRY_COLUMNS, ""),
            ledger: Batch::new(engine, "ledger_entries", LEDGER_COLUMNS, "").with_constants(vec![
                ("recorded_at_us", Literal::Int(now_us)),
                ("audit_seq", Literal::Int(audit_seq)),
            ]),
            exceptions: Batch::new(engine, "payment_exceptions", EXCEPTION_COLUMNS, ""),
            returned: Vec::new(),
            touched: HashSet::new(),
            report: PostingReport::default(),
        };
        let started = std::time::Instant::now();
        poster.load(&mut tx, items).await?;
        tracing::debug!(
            elapsed_ms = started.elapsed().as_millis() as u64,
            accounts = poster.accounts.len(),
            "posting: accounts and earlier payments read"
        );
        // While the database writes one set of batches, the next is built: the two run
        // on different threads (sqlx's SQLite worker or the server, and this task).
        let mut next = 0;
        let mut writing: Option<Written> = None;
        loop {
            let mut taken = writing.take();
            let (written, step) = tokio::join!(
                biased;
                async {
                    match taken.as_mut() {
                        Some(batches) => batches.flush(&mut tx).await,
                        None => Ok(()),
                    }
                },
                async { poster.fill(items, &mut next, strict) }
            );
            written?;
            match step {
                Err(reason) => {
                    tx.rollback().await?;
                    return Err(StoreError::Invalid(reason));
                }
                Ok(true) => writing = Some(poster.take()),
                Ok(false) => break,
            }
        }
        let mut last = poster.take();
        last.flush(&mut tx).await?;
        tracing::debug!(
            elapsed_ms = started.elapsed().as_millis() as u64,
            "posting: rows written"
        );
        if let Some((exception_id, resolved_by)) = resolves {
            let payment_id = match poster.report.outcomes.first() {
                Some(Outcome::Posted { payment_id, .. } | Outcome::Returned { payment_id, .. }) => {
                    *payment_id
                }
                _ => {
                    tx.rollback().await?;
                    return Err(StoreError::Invalid(
                        "that payment is already posted or returned".into(),
                    ));
                }
            };
            sqlx::query("UPDATE payment_exceptions SET status = 'matched', payment_id = $1, resolved_by = $2, resolved_at_us = $3 WHERE id = $4 AND status = 'open'")
                .bind(payment_id)
                .bind(resolved_by)
                .bind(now_us)
                .bind(exception_id)
                .execute(tx.conn())
                .await?;
        }
        let report = poster.finish(tx, actor).await;
        tracing::debug!(
            elapsed_ms = started.elapsed().as_millis() as u64,
            "posting: finished"
        );
        report
    }
}

/// Batches taken from the poster to be written while it builds the next ones.
struct Written {
    ledger: Batch,
    payments: Batch,
    entries: Batch,
    exceptions: Batch,
}

impl Written {
    async fn flush(&mut self, tx: &mut WriteTx) -> Result<(), StoreError> {
        // Ledger rows and payments before the entries that link them (those foreign
        // keys are checked per statement).
        self.ledger.flush(tx.conn()).await?;
        self.payments.flush(tx.conn()).await?;
        self.entries.flush(tx.conn()).await?;
        self.exceptions.flush(tx.conn()).await?;
        Ok(())
    }
}

impl Poster<'_> {
    async fn load(&mut self, tx: &mut WriteTx, items: &[Item]) -> Result<(), StoreError> {
        let engine = tx.engine();
        for row in sqlx::query("SELECT id, code, name, policy FROM creditors")
            .fetch_all(tx.conn())
            .await?
        {
            let creditor = creditor_from_row(&row)?;
            self.creditor_ids.insert(creditor.code.clone(), creditor.id);
            self.creditors.insert(creditor.id, creditor);
        }
        // Accounts named by payments, and the payments named by returns.
        let mut refs: Vec<String> = Vec::new();
        let mut payment_refs: Vec<String> = Vec::new();
        let mut traces: Vec<String> = Vec::new();
        for item in items {
            match &item.kind {
                ItemKind::Payment(payment) => {
                    refs.push(payment.account_ref.clone());
                    refs.extend(payment.fallback_ref.clone());
                    payment_refs.push(payment.payment_ref.clone());
                }
                ItemKind::Return(item) => match &item.original {
                    Original::PaymentRef(reference) => payment_refs.push(reference.clone()),
                    Original::Trace(trace) => traces.push(trace.clone()),
                },
            }
        }
        for list in [&mut refs, &mut payment_refs, &mut traces] {
            list.sort();
            list.dedup();
        }
        let mut payment_accounts: Vec<i64> = Vec::new();
        for (column, values) in [("payment_ref", &payment_refs), ("trace", &traces)] {
            for chunk in values.chunks(LOOKUP_CHUNK) {
                let sql = format!(
                    "SELECT id, creditor_id, account_id, payment_ref, amount_minor, returned_on, trace FROM payments WHERE {column} IN ({})",
                    placeholders(engine, chunk.len(), 1)
                );
                let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
                for value in chunk {
                    query = query.bind(value);
                }
                for row in query.fetch_all(tx.conn()).await? {
                    let payment = KnownPayment {
                        id: row.try_get(0)?,
                        creditor_id: row.try_get(1)?,
                        account_id: row.try_get(2)?,
                        amount: Amount::from_minor(row.try_get(4)?),
                        returned: row.try_get::<Option<String>, _>(5)?.is_some(),
                    };
                    let reference: String = row.try_get(3)?;
                    let trace: Option<String> = row.try_get(6)?;
                    payment_accounts.push(payment.account_id);
                    // A payment named by both its reference and its trace comes twice.
                    if !self.known_payments.contains_key(&payment.id) {
                        self.remember(reference, trace, payment);
                    }
                }
            }
        }
        // The accounts: named ones, the returned payments' ones, with all their debtors'
        // others and their balances, in one query per chunk of references.
        payment_accounts.sort();
        payment_accounts.dedup();
        let by_ref: Vec<Value> = refs
            .iter()
            .map(|reference| reference.as_str().into())
            .collect();
        let by_id: Vec<Value> = payment_accounts.iter().map(|id| (*id).into()).collect();
        // A file that names a good part of the portfolio is cheaper to match against one
        // scan of every account (in key order, no look-ups) than chunk by chunk.
        let accounts_total: i64 = sqlx::query("SELECT CAST(COUNT(*) AS BIGINT) FROM accounts")
            .fetch_one(tx.conn())
            .await?
            .try_get(0)?;
        let scan_all = (by_ref.len() + by_id.len()) as i64 * SCAN_ALL_RATIO >= accounts_total;
        let lookups: Vec<(&str, Vec<Value>)> = if scan_all {
            vec![("", vec![Value::Int(None)])]
        } else {
            vec![("account_ref", by_ref), ("id", by_id)]
        };
        for (column, values) in lookups {
            for chunk in values.chunks(LOOKUP_CHUNK) {
                let filter = if column.is_empty() {
                    String::new()
                } else {
                    let list = placeholders(engine, chunk.len(), 1);
                    format!(
                        "WHERE a.debtor_id IN (SELECT n.debtor_id FROM accounts n WHERE n.{column} IN ({list})) "
                    )
                };
                let sql = format!(
                    "SELECT a.id, a.creditor_id, a.account_ref, a.debtor_id, a.status, a.delinquent_since, \
                     CAST(COALESCE(SUM(e.principal_minor), 0) AS BIGINT), CAST(COALESCE(SUM(e.interest_minor), 0) AS BIGINT), \
                     CAST(COALESCE(SUM(e.fees_minor), 0) AS BIGINT), CAST(COALESCE(MAX(e.seq), 0) AS BIGINT) \
                     FROM accounts a LEFT JOIN ledger_entries e ON e.account_id = a.id \
                     {filter}GROUP BY a.id, a.creditor_id, a.account_ref, a.debtor_id, a.status, a.delinquent_since"
                );
                let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
                for value in chunk.iter().filter(|_| !column.is_empty()) {
                    query = match value {
                        Value::Int(value) => query.bind(*value),
                        Value::Text(value) => query.bind(value.clone()),
                    };
                }
                for row in query.fetch_all(tx.conn()).await? {
                    let id: i64 = row.try_get(0)?;
                    if self.accounts.contains_key(&id) {
                        continue;
                    }
                    let since: String = row.try_get(5)?;
                    let account = AccountState {
                        id,
                        creditor_id: row.try_get(1)?,
                        account_ref: row.try_get(2)?,
                        debtor_id: row.try_get(3)?,
                        status: row.try_get(4)?,
                        status_at_start: row.try_get(4)?,
                        delinquent_since: date_of(&since)?,
                        balance: Buckets {
                            principal: Amount::from_minor(row.try_get(6)?),
                            interest: Amount::from_minor(row.try_get(7)?),
                            fees: Amount::from_minor(row.try_get(8)?),
                        },
                        next_seq: row.try_get::<i64, _>(9)? + 1,
                        status_changed: false,
                    };
                    self.by_ref
                        .entry(account.account_ref.clone())
                        .or_default()
                        .push(account.id);
                    self.debtor_accounts
                        .entry(account.debtor_id)
                        .or_default()
                        .push(account.id);
                    self.accounts.insert(account.id, account);
                }
            }
        }
        for ids in self.debtor_accounts.values_mut() {
            ids.sort();
        }
        // Entries of payments that may be returned.
        let returned_payments: Vec<i64> = self
            .known_payments
            .values()
            .filter(|payment| !payment.returned)
            .map(|payment| payment.id)
            .collect();
        for chunk in returned_payments.chunks(LOOKUP_CHUNK) {
            let sql = format!(
                "SELECT pe.payment_id, e.id, e.account_id, e.principal_minor, e.interest_minor, e.fees_minor \
                 FROM payment_entries pe JOIN ledger_entries e ON e.id = pe.entry_id WHERE pe.payment_id IN ({}) ORDER BY e.id",
                placeholders(engine, chunk.len(), 1)
            );
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for value in chunk {
                query = query.bind(*value);
            }
            for row in query.fetch_all(tx.conn()).await? {
                let payment_id: i64 = row.try_get(0)?;
                let movement = Buckets {
                    principal: Amount::from_minor(row.try_get(3)?),
                    interest: Amount::from_minor(row.try_get(4)?),
                    fees: Amount::from_minor(row.try_get(5)?),
                };
                self.payment_entries.entry(payment_id).or_default().push((
                    row.try_get(1)?,
                    row.try_get(2)?,
                    movement,
                ));
            }
        }
        for row in sqlx::query("SELECT fingerprint FROM payment_exceptions")
            .fetch_all(tx.conn())
            .await?
        {
            self.exceptions_known.insert(row.try_get(0)?);
        }
        self.load_later_accruals(tx, items).await
    }

    /// See `accruals`.
    async fn load_later_accruals(
        &mut self,
        tx: &mut WriteTx,
        items: &[Item],
    ) -> Result<(), StoreError> {
        let earliest = items
            .iter()
            .filter_map(|item| match &item.kind {
                ItemKind::Payment(payment) => Some(payment.paid_on),
                ItemKind::Return(_) => None,
            })
            .min();
        let Some(earliest) = earliest else {
            return Ok(());
        };
        let accruing: Vec<i64> = self
            .accounts
            .values()
            .filter(|account| {
                self.creditors[&account.creditor_id]
                    .policy
                    .accrual_method()
                    .is_some()
            })
            .map(|account| account.id)
            .collect();
        for chunk in accruing.chunks(LOOKUP_CHUNK) {
            // Numbered on both engines: SQLite numbers a bare `?` after the named ones
            // by its own rule, which the driver does not follow.
            let list: Vec<String> = (0..chunk.len())
                .map(|index| format!("${}", index + 3))
                .collect();
            let sql = format!(
                "SELECT a.id, a.placed_on, a.apr_bps, e.effective_on, e.principal_minor, CASE WHEN e.memo = $1 THEN e.interest_minor ELSE 0 END \
                 FROM accounts a JOIN ledger_entries e ON e.account_id = a.id \
                 WHERE a.id IN ({list}) AND EXISTS (SELECT 1 FROM ledger_entries l WHERE l.account_id = a.id AND l.memo = $1 AND l.effective_on >= $2) \
                 ORDER BY a.id, e.id",
                list = list.join(", ")
            );
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(crate::nightly::ACCRUAL_MEMO)
                .bind(earliest.to_string());
            for id in chunk {
                query = query.bind(*id);
            }
            for row in query.fetch_all(tx.conn()).await? {
                let account_id: i64 = row.try_get(0)?;
                let facts = match self.accruals.entry(account_id) {
                    std::collections::hash_map::Entry::Occupied(entry) => entry.into_mut(),
                    std::collections::hash_map::Entry::Vacant(entry) => {
                        let placed_on: String = row.try_get(1)?;
                        let apr_bps: i64 = row.try_get(2)?;
                        let apr = u32::try_from(apr_bps)
                            .ok()
                            .and_then(domain::money::BasisPoints::new)
                            .ok_or_else(|| {
                                StoreError::Corrupt(format!("account {account_id}: APR {apr_bps}"))
                            })?;
                        entry.insert(AccrualFacts {
                            accrual_start: date_of(&placed_on)?,
                            apr,
                            movements: Vec::new(),
                            posted_minor: 0,
                        })
                    }
                };
                let on: String = row.try_get(3)?;
                let principal: i64 = row.try_get(4)?;
                if principal != 0 {
                    facts.movements.push((date_of(&on)?, principal));
                }
                facts.posted_minor += row.try_get::<i64, _>(5)?;
            }
        }
        Ok(())
    }

    /// What a payment dated `paid_on` may pay on an account: its balance, with the
    /// interest bucket holding only what accrued before `paid_on` (a payment recorded
    /// after nights that accrued interest for its day and later pays what was owed on
    /// its date; the next night's accrual, exact over the principal's history, takes
    /// back what its principal no longer earned). Exact: the accrual's interest through
    /// the day before `paid_on` replaces what the accrual posted.
    fn allocatable(&self, account_id: i64, paid_on: Date) -> Result<Buckets, StoreError> {
        let account = &self.accounts[&account_id];
        let mut balance = account.balance;
        let Some(facts) = self.accruals.get(&account_id) else {
            return Ok(balance);
        };
        let day_before = paid_on.yesterday().unwrap_or(paid_on);
        let invalid = |error: domain::interest::InterestError| {
            StoreError::Invalid(format!("account {account_id}: interest: {error:?}"))
        };
        let timeline = domain::interest::PrincipalTimeline::new(facts.movements.iter().map(
            |(effective_on, principal_minor)| domain::interest::Movement {
                effective_on: *effective_on,
                principal: Amount::from_minor(*principal_minor),
            },
        ))
        .map_err(invalid)?;
        let before = domain::interest::accrued_through(
            &timeline,
            facts.accrual_start,
            day_before,
            facts.apr,
        )
        .map_err(invalid)?;
        let owed = balance.interest.minor();
        let interest = (owed - facts.posted_minor + before.minor()).clamp(0.min(owed), owed);
        balance.interest = Amount::from_minor(interest);
        Ok(balance)
    }

    fn remember(&mut self, reference: String, trace: Option<String>, payment: KnownPayment) {
        if let Some(trace) = trace {
            self.payments_by_trace
                .entry(trace)
                .or_default()
                .push(payment.id);
        }
        self.payments_by_ref
            .entry(reference)
            .or_default()
            .push(payment.id);
        self.known_payments.insert(payment.id, payment);
    }

    /// The known payments with this reference, of one creditor or of any.
    fn known<'a>(
        &'a self,
        reference: &str,
        creditor: Option<i64>,
    ) -> impl Iterator<Item = &'a KnownPayment> + 'a {
        self.payments_by_ref
            .get(reference)
            .into_iter()
            .flatten()
            .map(|id| &self.known_payments[id])
            .filter(move |known| creditor.is_none_or(|creditor| known.creditor_id == creditor))
    }

    fn post(&mut self, item: &Item) -> Result<Outcome, StoreError> {
        match &item.kind {
            ItemKind::Payment(payment) => self.post_payment(item, payment),
            ItemKind::Return(item_return) => self.post_return(item, item_return),
        }
    }

    fn creditor_filter(&self, creditor: &Option<String>) -> Result<Option<i64>, String> {
        match creditor {
            None => Ok(None),
            Some(code) => self
                .creditor_ids
                .get(code)
                .copied()
                .map(Some)
                .ok_or_else(|| format!("no creditor {code:?}")),
        }
    }

    fn post_payment(
        &mut self,
        item: &Item,
        payment: &IncomingPayment,
    ) -> Result<Outcome, StoreError> {
        let creditor = match self.creditor_filter(&payment.creditor) {
            Ok(creditor) => creditor,
            Err(reason) => return Ok(self.exception(item, reason)),
        };
        if !payment.amount.is_positive() {
            return Ok(self.exception(item, "the amount is not above zero".into()));
        }
        let matching = |reference: &str| -> Vec<i64> {
            self.by_ref
                .get(reference)
                .map(|ids| {
                    ids.iter()
                        .copied()
                        .filter(|id| {
                            creditor
                                .is_none_or(|creditor| self.accounts[id].creditor_id == creditor)
                        })
                        .collect()
                })
                .unwrap_or_default()
        };
        let mut candidates = matching(&payment.account_ref);
        if candidates.is_empty()
            && let Some(fallback) = &payment.fallback_ref
        {
            candidates = matching(fallback);
        }
        let account_id = match candidates.as_slice() {
            [] => {
                return Ok(self.exception(item, format!("no account {:?}", payment.account_ref)));
            }
            [one] => *one,
            _ => {
                return Ok(self.exception(
                    item,
                    format!(
                        "account reference {:?} is held by {} creditors",
                        payment.account_ref,
                        candidates.len()
                    ),
                ));
            }
        };
        let creditor_id = self.accounts[&account_id].creditor_id;
        let same = self
            .known(&payment.payment_ref, Some(creditor_id))
            .next()
            .map(|known| {
                (
                    known.id,
                    known.account_id == account_id && known.amount == payment.amount,
                )
            });
        if let Some((payment_id, same)) = same {
            if same {
                return Ok(Outcome::AlreadyPosted { payment_id });
            }
            return Ok(self.exception(
                item,
                format!(
                    "payment_ref {:?} is already a payment of another amount or account",
                    payment.payment_ref
                ),
            ));
        }
        let policy = self.creditors[&creditor_id].policy.clone();
        let debtor_id = self.accounts[&account_id].debtor_id;
        // The debtor's collectible accounts, the named one always among them.
        let ids: Vec<i64> = self.debtor_accounts[&debtor_id]
            .iter()
            .copied()
            .filter(|id| *id == account_id || self.accounts[id].status == "active")
            .collect();
        let owing: Vec<Owing> = ids
            .iter()
            .map(|id| {
                let account = &self.accounts[id];
                Ok(Owing {
                    owed: self
                        .allocatable(*id, payment.paid_on)?
                        .total()
                        .unwrap_or(Amount::ZERO),
                    delinquent_since: account.delinquent_since,
                })
            })
            .collect::<Result<_, StoreError>>()?;
        let named = ids.iter().position(|id| *id == account_id);
        let shares = allocation::across_accounts(
            payment.amount,
            &owing,
            named,
            policy.multi_debt_allocation,
        );
        let payment_id = self.next_payment_id;
        self.next_payment_id += 1;
        let mut report_shares = Vec::new();
        for (id, share) in ids.iter().zip(shares) {
            if share.is_zero() {
                continue;
            }
            let movement = allocation::into_account(
                share,
                self.allocatable(*id, payment.paid_on)?,
                policy.waterfall,
            );
            let entry = Entry::new(Reason::Payment, movement, payment.paid_on)
                .map_err(|error| StoreError::Invalid(format!("line {}: {error:?}", item.line)))?;
            let entry_id = self.append(*id, &entry, None, Some(&payment.payment_ref))?;
            self.entries.push([
                payment_id.into(),
                entry_id.into(),
                (*id).into(),
                share.minor().into(),
            ]);
            self.payment_entries
                .entry(payment_id)
                .or_default()
                .push((entry_id, *id, movement));
            report_shares.push((self.accounts[id].account_ref.clone(), share));
        }
        let account_ref = self.accounts[&account_id].account_ref.clone();
        let paid_on = payment.paid_on.to_string();
        let seal = seal::seal(
            &self.seal,
            &PaymentRow {
                id: payment_id,
                creditor_id,
                account_id,
                payment_ref: &payment.payment_ref,
                trace: payment.trace.as_deref(),
                source: self.posting.source.code(),
                user_id: self.posting.user_id,
                recorded_at_us: self.now_us,
                audit_seq: self.audit_seq,
                amount_minor: payment.amount.minor(),
                method: payment.method.code(),
                paid_on: &paid_on,
                returned_on: None,
                return_code: None,
                return_ref: None,
                returned_audit_seq: None,
            },
        );
        self.sealed.add("payments", seal.sum);
        self.payments.push([
            payment_id.into(),
            creditor_id.into(),
            account_id.into(),
            payment.payment_ref.as_str().into(),
            payment.amount.minor().into(),
            payment.method.code().into(),
            paid_on.into(),
            payment.trace.clone().into(),
            Value::Int(self.posting.user_id),
            seal.text.into(),
        ]);
        self.remember(
            payment.payment_ref.clone(),
            payment.trace.clone(),
            KnownPayment {
                id: payment_id,
                creditor_id,
                account_id,
                amount: payment.amount,
                returned: false,
            },
        );
        self.report.payments_posted += 1;
        self.report.amount_posted += payment.amount.minor();
        Ok(Outcome::Posted {
            payment_id,
            creditor: self.creditors[&creditor_id].code.clone(),
            account_ref,
            shares: report_shares,
        })
    }

    fn post_return(
        &mut self,
        item: &Item,
        returned: &IncomingReturn,
    ) -> Result<Outcome, StoreError> {
        let creditor = match self.creditor_filter(&returned.creditor) {
            Ok(creditor) => creditor,
            Err(reason) => return Ok(self.exception(item, reason)),
        };
        let ids: Vec<i64> = match &returned.original {
            Original::PaymentRef(reference) => self
                .known(reference, creditor)
                .map(|known| known.id)
                .collect(),
            Original::Trace(trace) => self
                .payments_by_trace
                .get(trace)
                .into_iter()
                .flatten()
                .map(|id| &self.known_payments[id])
                .filter(|known| creditor.is_none_or(|creditor| known.creditor_id == creditor))
                .map(|known| known.id)
                .collect(),
        };
        let found: Vec<(i64, i64, i64, Amount, bool)> = ids
            .iter()
            .map(|id| {
                let known = &self.known_payments[id];
                (
                    known.id,
                    known.creditor_id,
                    known.account_id,
                    known.amount,
                    known.returned,
                )
            })
            .collect();
        // A trace reused over the years: the payment not yet returned is the one.
        let open: Vec<_> = found.iter().filter(|payment| !payment.4).collect();
        let (payment_id, creditor_id, account_id, amount) =
            match (open.as_slice(), found.as_slice()) {
                ([one], _) => (one.0, one.1, one.2, one.3),
                ([], [_, ..]) => {
                    return Ok(Outcome::AlreadyReturned {
                        payment_id: found
                            .iter()
                            .map(|payment| payment.0)
                            .max()
                            .expect("not empty"),
                    });
                }
                ([], []) => {
                    return Ok(self.exception(item, "no payment to return matches".into()));
                }
                _ => {
                    return Ok(self.exception(
                        item,
                        format!("{} payments match; match it by hand", open.len()),
                    ));
                }
            };
        if amount != returned.amount {
            return Ok(self.exception(
                item,
                format!(
                    "the return's amount differs from the payment's ({} minor units)",
                    amount.minor()
                ),
            ));
        }
        let entries = self
            .payment_entries
            .get(&payment_id)
            .cloned()
            .unwrap_or_default();
        for (entry_id, entry_account, movement) in entries {
            let entry = Entry::new(
                Reason::Reversal,
                movement.checked_neg().expect("checked on entry"),
                returned.returned_on,
            )
            .map_err(|error| StoreError::Invalid(format!("line {}: {error:?}", item.line)))?;
            self.append(
                entry_account,
                &entry,
                Some(entry_id),
                Some(&returned.return_ref),
            )?;
        }
        let policy: &CreditorPolicy = &self.creditors[&creditor_id].policy;
        let fee = if policy.returned_payment_fee.is_positive()
            && domain::payment::is_insufficient_funds(returned.return_code.as_deref())
        {
            policy.returned_payment_fee
        } else {
            Amount::ZERO
        };
        if fee.is_positive() {
            let entry = Entry::new(
                Reason::Fee,
                Buckets {
                    fees: fee,
                    ..Buckets::ZERO
                },
                returned.returned_on,
            )
            .map_err(|error| StoreError::Invalid(format!("line {}: {error:?}", item.line)))?;
            self.append(account_id, &entry, None, Some("returned payment fee"))?;
        }
        if let Some(known) = self.known_payments.get_mut(&payment_id) {
            known.returned = true;
        }
        self.returned.push((
            payment_id,
            returned.returned_on,
            returned.return_code.clone(),
            returned.return_ref.clone(),
        ));
        self.report.returns_posted += 1;
        self.report.amount_returned += amount.minor();
        Ok(Outcome::Returned {
            payment_id,
            creditor: self.creditors[&creditor_id].code.clone(),
            account_ref: self.accounts[&account_id].account_ref.clone(),
            fee,
        })
    }

    /// Appends one ledger entry to an account in memory and to the batch.
    fn append(
        &mut self,
        account_id: i64,
        entry: &Entry,
        corrects: Option<i64>,
        memo: Option<&str>,
    ) -> Result<i64, StoreError> {
        let id = self.next_entry_id;
        self.next_entry_id += 1;
        let account = self
            .accounts
            .get_mut(&account_id)
            .expect("accounts of matched items are loaded");
        let seq = account.next_seq;
        account.next_seq += 1;
        if let Some(facts) = self.accruals.get_mut(&account_id)
            && !entry.amounts().principal.is_zero()
        {
            facts
                .movements
                .push((entry.effective_on(), entry.amounts().principal.minor()));
        }
        let account = self
            .accounts
            .get_mut(&account_id)
            .expect("accounts of matched items are loaded");
        account.balance = account
            .balance
            .checked_add(&entry.amounts())
            .filter(|after| after.total().is_some())
            .ok_or_else(|| {
                StoreError::Invalid(
                    "the amount would make the account's balance larger than Arrears can hold"
                        .into(),
                )
            })?;
        let owed = account.balance.total().unwrap_or(Amount::ZERO);
        let next_status = match account.status.as_str() {
            "active" if !owed.is_positive() => Some("paid"),
            "paid" if owed.is_positive() => Some("active"),
            _ => None,
        };
        if let Some(status) = next_status {
            account.status = status.to_string();
            account.status_changed = true;
        }
        let effective_on = entry.effective_on().to_string();
        let amounts = entry.amounts();
        let row = LedgerRow {
            id,
            account_id,
            seq,
            reason: entry.reason().code(),
            principal_minor: amounts.principal.minor(),
            interest_minor: amounts.interest.minor(),
            fees_minor: amounts.fees.minor(),
            effective_on: &effective_on,
            recorded_at_us: self.now_us,
            corrects_entry_id: corrects,
            memo,
            audit_seq: self.audit_seq,
        };
        let hash = row.hash(&self.seal);
        self.sealed.add("ledger_entries", seal::hash_sum(&hash));
        self.ledger.push([
            id.into(),
            account_id.into(),
            seq.into(),
            entry.reason().code().into(),
            amounts.principal.minor().into(),
            amounts.interest.minor().into(),
            amounts.fees.minor().into(),
            effective_on.into(),
            Value::Int(corrects),
            Value::Text(memo.map(str::to_string)),
            hash.into(),
        ]);
        self.touched.insert(account_id);
        self.report.entries_created += 1;
        Ok(id)
    }

    fn exception(&mut self, item: &Item, reason: String) -> Outcome {
        let (kind, paid_on, trace, return_code, detail) = match &item.kind {
            ItemKind::Payment(payment) => (
                "payment",
                payment.paid_on,
                payment.trace.clone(),
                None,
                json!({
                    "creditor": payment.creditor,
                    "account_ref": payment.account_ref,
                    "payment_ref": payment.payment_ref,
                    "method": payment.method.code(),
                }),
            ),
            ItemKind::Return(returned) => (
                "return",
                returned.returned_on,
                match &returned.original {
                    Original::Trace(trace) => Some(trace.clone()),
                    Original::PaymentRef(_) => None,
                },
                returned.return_code.clone(),
                json!({
                    "creditor": returned.creditor,
                    "return_ref": returned.return_ref,
                    "original": match &returned.original {
                        Original::PaymentRef(reference) => json!({"payment_ref": reference}),
                        Original::Trace(trace) => json!({"trace": trace}),
                    },
                }),
            ),
        };
        let creditor_code = match &item.kind {
            ItemKind::Payment(payment) => payment.creditor.as_deref(),
            ItemKind::Return(returned) => returned.creditor.as_deref(),
        };
        let creditor_id = creditor_code.and_then(|code| self.creditor_ids.get(code).copied());
        let fingerprint = format!(
            "{}|{kind}|{}|{}|{paid_on}|{}",
            self.posting.source.code(),
            item.reference(),
            item.amount().minor(),
            detail
        );
        if self.exceptions_known.insert(fingerprint.clone()) {
            let id = self.next_exception_id;
            self.next_exception_id += 1;
            self.exceptions.push([
                id.into(),
                fingerprint.into(),
                self.posting.source.code().into(),
                self.posting.file_name.into(),
                (item.line as i64).into(),
                kind.into(),
                item.amount().minor().into(),
                paid_on.to_string().into(),
                item.reference().into(),
                trace.into(),
                return_code.into(),
                detail.to_string().into(),
                reason.as_str().into(),
                "open".into(),
                self.now_us.into(),
                self.audit_seq.into(),
                creditor_id.into(),
            ]);
            self.report.exceptions_added += 1;
        }
        Outcome::Exception { reason }
    }

    /// Posts items from `next` on until a batch is full (`Ok(true)`) or the items end
    /// (`Ok(false)`). `strict`: an item that would go to the exceptions list fails the
    /// whole posting with its reason instead.
    fn fill(&mut self, items: &[Item], next: &mut usize, strict: bool) -> Result<bool, String> {
        while *next < items.len() {
            let outcome = self
                .post(&items[*next])
                .map_err(|error| error.to_string())?;
            *next += 1;
            if strict && let Outcome::Exception { reason } = &outcome {
                return Err(reason.clone());
            }
            self.report.outcomes.push(outcome);
            if self.ledger.is_full() || self.payments.is_full() || self.entries.is_full() {
                return Ok(true);
            }
        }
        Ok(false)
    }

    fn take(&mut self) -> Written {
        Written {
            ledger: self.ledger.take(),
            payments: self.payments.take(),
            entries: self.entries.take(),
            exceptions: self.exceptions.take(),
        }
    }

    async fn finish(mut self, mut tx: WriteTx, actor: &Actor) -> Result<PostingReport, StoreError> {
        tx.sealed().merge(&self.sealed);
        for (payment_id, returned_on, return_code, return_ref) in &self.returned {
            mark_returned(
                &mut tx,
                *payment_id,
                &returned_on.to_string(),
                return_code.as_deref(),
                return_ref,
                self.audit_seq,
            )
            .await?;
        }
        let changed: Vec<(i64, Status, Status)> = self
            .accounts
            .values()
            .filter(|account| account.status_changed)
            .map(|account| {
                let parse = |code: &str| {
                    Status::parse(code)
                        .ok_or_else(|| StoreError::Corrupt(format!("status {code:?}")))
                };
                Ok((
                    account.id,
                    parse(&account.status_at_start)?,
                    parse(&account.status)?,
                ))
            })
            .collect::<Result<_, StoreError>>()?;
        for (id, from, to) in &changed {
            crate::accounts::set_status(&mut tx, *id, *from, *to).await?;
        }
        let report = &self.report;
        let nothing = report.payments_posted == 0
            && report.returns_posted == 0
            && report.exceptions_added == 0;
        if nothing || self.posting.dry_run {
            tx.rollback().await?;
            return Ok(self.report);
        }
        let touched: Vec<i64> = self.touched.iter().copied().collect();
        let after = json!({
            "file": self.posting.file_name,
            "source": self.posting.source.code(),
            "sha256": self.posting.sha256,
            "items": report.outcomes.len(),
            "payments_posted": report.payments_posted,
            "returns_posted": report.returns_posted,
            "exceptions_added": report.exceptions_added,
            "entries_created": report.entries_created,
            "amount_posted_minor": report.amount_posted,
            "amount_returned_minor": report.amount_returned,
            "status_changes": changed.iter().filter(|(_, from, to)| from != to).map(|(id, _, status)| json!({"account_id": id, "status": status.code()})).collect::<Vec<_>>(),
        });
        let seq = tx
            .fill_event(AuditEvent {
                actor: &actor.name,
                action: "payments.post",
                entity: "import",
                entity_key: &self.import_id.to_string(),
                before: None,
                after: Some(after),
                reason: self.posting.reason,
            })
            .await?;
        assert_eq!(seq, self.audit_seq, "reserved before the rows");
        sqlx::query(
            "INSERT INTO imports (id, kind, file_name, sha256, rows_in_file, accounts_created, debtors_created, entries_created, actor, recorded_at_us, audit_seq) \
             VALUES ($1, $2, $3, $4, $5, 0, 0, $6, $7, $8, $9)",
        )
        .bind(self.import_id)
        .bind(format!("payments_{}", self.posting.source.code()))
        .bind(self.posting.file_name)
        .bind(self.posting.sha256)
        .bind(report.outcomes.len() as i64)
        .bind(report.entries_created as i64)
        .bind(&actor.name)
        .bind(self.now_us)
        .bind(seq)
        .execute(tx.conn())
        .await?;
        tracing::debug!("posting: audited, reviewing arrangements");
        crate::workspace::refresh_balances(tx.conn(), &touched).await?;
        crate::arrangements::review(&mut tx, &touched, actor).await?;
        tracing::debug!("posting: arrangements reviewed, committing");
        tx.commit().await?;
        self.report.import_id = Some(self.import_id);
        Ok(self.report)
    }
}

/// Records a payment's return, re-sealing the row; a row that no longer matches its seal
/// is refused (its return would seal the edit).
async fn mark_returned(
    tx: &mut WriteTx,
    payment_id: i64,
    returned_on: &str,
    return_code: Option<&str>,
    return_ref: &str,
    audit_seq: i64,
) -> Result<(), StoreError> {
    let row = sqlx::query(
        "SELECT creditor_id, account_id, payment_ref, trace, source, user_id, recorded_at_us, audit_seq, amount_minor, method, paid_on, returned_on, return_code, return_ref, returned_audit_seq, seal FROM payments WHERE id = $1",
    )
    .bind(payment_id)
    .fetch_one(tx.conn())
    .await?;
    let payment_ref: String = row.try_get(2)?;
    let trace: Option<String> = row.try_get(3)?;
    let source: String = row.try_get(4)?;
    let (method, paid_on): (String, String) = (row.try_get(9)?, row.try_get(10)?);
    let was_returned_on: Option<String> = row.try_get(11)?;
    let was_return_code: Option<String> = row.try_get(12)?;
    let was_return_ref: Option<String> = row.try_get(13)?;
    let stored: Option<String> = row.try_get(15)?;
    let before = PaymentRow {
        id: payment_id,
        creditor_id: row.try_get(0)?,
        account_id: row.try_get(1)?,
        payment_ref: &payment_ref,
        trace: trace.as_deref(),
        source: &source,
        user_id: row.try_get(5)?,
        recorded_at_us: row.try_get(6)?,
        audit_seq: row.try_get(7)?,
        amount_minor: row.try_get(8)?,
        method: &method,
        paid_on: &paid_on,
        returned_on: was_returned_on.as_deref(),
        return_code: was_return_code.as_deref(),
        return_ref: was_return_ref.as_deref(),
        returned_audit_seq: row.try_get(14)?,
    };
    let old = seal::check_before_writing(tx.seal(), &before, stored.as_deref(), || {
        format!("payments {payment_id} (payment_ref {payment_ref:?})")
    })?;
    let after = PaymentRow {
        returned_on: Some(returned_on),
        return_code,
        return_ref: Some(return_ref),
        returned_audit_seq: Some(audit_seq),
        ..before
    };
    let new = seal::seal(tx.seal(), &after);
    sqlx::query("UPDATE payments SET returned_on = $1, return_code = $2, return_ref = $3, returned_audit_seq = $4, seal = $5 WHERE id = $6")
        .bind(returned_on)
        .bind(return_code)
        .bind(return_ref)
        .bind(audit_seq)
        .bind(&new.text)
        .bind(payment_id)
        .execute(tx.conn())
        .await?;
    tx.sealed().replace("payments", old, new.sum);
    Ok(())
}
