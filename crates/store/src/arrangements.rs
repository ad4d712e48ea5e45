//! Arrangements (promises, plans, settlements), the approvals queue, and the money moves
//! that need a person's say: refunds, adjustments, write-offs and recalls.
//!
//! An arrangement's standing is always recomputed from the payments received (not
//! returned) since it was made — posted after it, whatever their date: earlier ones are
//! already in the balance it was agreed on — with `domain::schedule`: so a returned
//! payment un-keeps a promise, reopens a plan and breaks a completed settlement (whose
//! discount is reversed).
//!
//! **Invariant:** every change of status writes an audit event in the same transaction.
//!
//! **Invariant:** statuses are `domain::arrangement` enums. `move_arrangement` and
//! `move_promise` are the only writers of `arrangements.status` and `promises.status`
//! after the insert: each refuses a move `can_become` does not allow from the status read
//! in the same transaction, and writes only if the row still holds it. A stored code
//! the domain does not know is `StoreError::Corrupt`.

use crate::accounts::{set_status as set_account_status, status_of};
use crate::audit::{AuditEvent, LedgerRow, WriteTx};
use crate::creditors::creditor_from_row;
use crate::sessions::SessionUser;
use crate::workspace::Seen;
use crate::{Actor, Store, StoreError};
use domain::account::{ArrangementKind, HoldKind, Status};
use domain::arrangement::{ArrangementStatus, PromiseStatus};
use domain::creditor::CreditorPolicy;
use domain::ledger::{Buckets, Entry, Reason};
use domain::money::Amount;
use domain::party::Role;
use domain::plan::PlanTerms;
use domain::schedule::{self, Due, DueProgress, Received};
use domain::settlement::{SettlementOffer, SettlementPayment};
use jiff::civil::Date;
use serde_json::json;
use sqlx::Row;

/// Plan or settlement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Plan,
    Settlement,
}

impl Kind {
    pub fn code(self) -> &'static str {
        ArrangementKind::from(self).code()
    }

    /// The kind stored in `arrangements.kind` (never a promise: promises have a table).
    pub fn parse(code: &str) -> Option<Kind> {
        match ArrangementKind::parse(code)? {
            ArrangementKind::Plan => Some(Kind::Plan),
            ArrangementKind::Settlement => Some(Kind::Settlement),
            ArrangementKind::Promise => None,
        }
    }
}

impl From<Kind> for ArrangementKind {
    fn from(kind: Kind) -> ArrangementKind {
        match kind {
            Kind::Plan => ArrangementKind::Plan,
            Kind::Settlement => ArrangementKind::Settlement,
        }
    }
}

fn stored_kind(code: &str) -> Result<Kind, StoreError> {
    Kind::parse(code).ok_or_else(|| StoreError::Corrupt(format!("arrangement kind {code:?}")))
}

fn stored_arrangement_status(code: &str) -> Result<ArrangementStatus, StoreError> {
    ArrangementStatus::parse(code)
        .ok_or_else(|| StoreError::Corrupt(format!("arrangement status {code:?}")))
}

fn stored_promise_status(code: &str) -> Result<PromiseStatus, StoreError> {
    PromiseStatus::parse(code)
        .ok_or_else(|| StoreError::Corrupt(format!("promise status {code:?}")))
}

/// The SQL list (`'active', 'completed'`) of the arrangement states `keep` picks: the
/// store's filters are the domain's predicates, never spelled out again.
fn arrangement_codes(keep: fn(ArrangementStatus) -> bool) -> String {
    sql_list(
        ArrangementStatus::ALL
            .iter()
            .copied()
            .filter(|status| keep(*status))
            .map(ArrangementStatus::code),
    )
}

/// The SQL list of the promise states `keep` picks.
fn promise_codes(keep: fn(PromiseStatus) -> bool) -> String {
    sql_list(
        PromiseStatus::ALL
            .iter()
            .copied()
            .filter(|status| keep(*status))
            .map(PromiseStatus::code),
    )
}

fn sql_list(codes: impl Iterator<Item = &'static str>) -> String {
    let quoted: Vec<String> = codes
        .map(|code| {
            // Codes are the domain's snake_case literals: nothing to escape.
            debug_assert!(code.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'));
            format!("'{code}'")
        })
        .collect();
    quoted.join(", ")
}

/// One dated amount of a plan or settlement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct NewDue {
    due_on: Date,
    amount: Amount,
    principal: Amount,
    interest: Amount,
}

/// A plan or settlement as agreed with the debtor. Whether it needs an approval, and
/// whose, is decided by the store on the balance it reads in the writing transaction,
/// never by the caller.
#[derive(Clone, Debug)]
pub enum NewArrangement {
    /// The plan's terms as quoted; quoted again here on the balance read now, which must
    /// be the one the debtor was quoted.
    Plan(PlanTerms),
    /// The settlement's dated payments, against the balance read now.
    Settlement(Vec<SettlementPayment>),
}

impl NewArrangement {
    pub fn kind(&self) -> Kind {
        match self {
            NewArrangement::Plan(_) => Kind::Plan,
            NewArrangement::Settlement(_) => Kind::Settlement,
        }
    }
}

/// What became of a new plan or settlement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Arranged {
    pub id: i64,
    /// Waiting in the approvals queue: the approval, the least role that may decide it
    /// and why it needs one (the policy breaches or the authority missed).
    pub approval: Option<(i64, Role, String)>,
}

/// The account's open arrangement (a promise open, a plan or settlement active or
/// waiting for approval): what refuses another, unless the other replaces it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OpenArrangement {
    pub kind: ArrangementKind,
    pub id: i64,
    /// Waiting for approval (else running: active, or a promise open).
    pub waiting: bool,
    /// When it was made (and, waiting, since when it waits).
    pub since_us: i64,
    /// Its business date.
    pub since_on: Date,
    /// How many dated payments it has.
    pub dues: usize,
    pub frequency: Option<domain::plan::Frequency>,
    pub total: Amount,
}

impl std::fmt::Display for OpenArrangement {
    /// "a 60-month plan is waiting for approval since 2026-12-06" (the log's and the
    /// API's words; the pages put it in the user's).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = if self.waiting {
            "is waiting for approval"
        } else if self.kind == ArrangementKind::Promise {
            "is open"
        } else {
            "is active"
        };
        let what = match (self.kind, self.frequency) {
            (ArrangementKind::Plan, Some(domain::plan::Frequency::Monthly)) => {
                format!("a {}-month plan", self.dues)
            }
            (ArrangementKind::Plan, Some(frequency)) => {
                format!("a plan of {} {} installments", self.dues, frequency.code())
            }
            (ArrangementKind::Plan, None) => format!("a plan of {} installments", self.dues),
            (ArrangementKind::Settlement, _) => format!(
                "a settlement in {} payment{}",
                self.dues,
                if self.dues == 1 { "" } else { "s" }
            ),
            (ArrangementKind::Promise, _) => format!(
                "a promise to pay in {} payment{}",
                self.dues,
                if self.dues == 1 { "" } else { "s" }
            ),
        };
        write!(f, "{what} {state} since {}", self.since_on)
    }
}

/// Whether a new promise, plan or settlement replaces the account's open one. Without
/// it, one is refused while another is open ([`OpenArrangement`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Replace(pub bool);

/// A rule that stops collection on an account while it holds a hold: the compliance
/// pipeline's rule id, citation and message (`app::contact` asks; the store only
/// refuses, inside the transaction, when it reads the hold).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StopRule {
    pub rule: String,
    pub citation: String,
    pub message: String,
}

/// The holds under which an approval of collection (a plan or settlement) is refused,
/// each with the rules that say so.
pub type CollectionStops = [(HoldKind, Vec<StopRule>)];

/// Why an approval was refused at decision time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ApprovalRefused {
    /// The account holds `hold`, and these rules stop collection under it.
    Held {
        hold: HoldKind,
        rules: Vec<StopRule>,
    },
}

/// A hold in force on an account, as the approvals and the disputes pages show it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HoldView {
    pub kind: HoldKind,
    pub detail: String,
    pub placed_at_us: i64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArrangementView {
    pub id: i64,
    pub kind: String,
    pub status: String,
    pub total: Amount,
    pub balance_at_start: Amount,
    pub frequency: Option<String>,
    pub apr_bps: i64,
    pub starts_on: Date,
    pub created_by: Option<String>,
    pub misses: i64,
    pub dues: Vec<DueProgress>,
}

/// One line about a schedule: "60 monthly installments of $3,096.66 from 2027-01-05 to
/// 2031-12-05 · 3 paid, next due 2027-04-05, $0.00 overdue".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScheduleSummary {
    pub dues: usize,
    /// The amount most dues have (the level installment).
    pub installment: Amount,
    pub first_on: Date,
    pub last_on: Date,
    pub paid: usize,
    /// The first due still pending (none once the arrangement ended).
    pub next_due: Option<Date>,
    /// Owed under it and past its grace: the unpaid part of missed and partial dues
    /// (none once its dues are cancelled).
    pub overdue: Amount,
    /// Dues no longer owed under it (rejected, cancelled, superseded, or broken).
    pub cancelled: usize,
}

impl ArrangementView {
    /// Its status, parsed (the store wrote it).
    pub fn state(&self) -> Option<ArrangementStatus> {
        ArrangementStatus::parse(&self.status)
    }

    /// A due's state as shown: `cancelled` when the arrangement ended and the due is no
    /// longer owed under it ([`ArrangementStatus::dues_cancelled`]), else its progress.
    pub fn due_state(&self, due: &DueProgress) -> &'static str {
        match self.state().and_then(ArrangementStatus::dues_cancelled) {
            Some(cancelled) if cancelled.covers(due.state) => "cancelled",
            _ => due.state.code(),
        }
    }

    pub fn summary(&self) -> Option<ScheduleSummary> {
        let first = self.dues.first()?;
        let last = self.dues.last()?;
        let mut counts: Vec<(Amount, usize)> = Vec::new();
        for due in &self.dues {
            match counts.iter_mut().find(|(amount, _)| *amount == due.amount) {
                Some((_, count)) => *count += 1,
                None => counts.push((due.amount, 1)),
            }
        }
        let installment = counts
            .iter()
            .max_by_key(|(_, count)| *count)
            .map(|(amount, _)| *amount)
            .unwrap_or(first.amount);
        let shown: Vec<&str> = self.dues.iter().map(|due| self.due_state(due)).collect();
        let overdue_minor: i64 = self
            .dues
            .iter()
            .zip(&shown)
            .filter(|(due, state)| {
                self.state()
                    .is_some_and(|status| status.dues_cancelled().is_none())
                    && due.state.is_miss()
                    && **state != "cancelled"
            })
            .map(|(due, _)| (due.amount.minor() - due.paid.minor()).max(0))
            .sum();
        Some(ScheduleSummary {
            dues: self.dues.len(),
            installment,
            first_on: first.due_on,
            last_on: last.due_on,
            paid: shown.iter().filter(|state| **state == "paid").count(),
            next_due: self
                .dues
                .iter()
                .zip(&shown)
                .find(|(_, state)| **state == "pending")
                .map(|(due, _)| due.due_on),
            overdue: Amount::from_minor(overdue_minor),
            cancelled: shown.iter().filter(|state| **state == "cancelled").count(),
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Approval {
    pub id: i64,
    pub kind: String,
    pub creditor: String,
    pub account_ref: String,
    pub arrangement_id: Option<i64>,
    pub amount: Amount,
    pub reason_code: String,
    pub detail: String,
    pub required_role: String,
    pub requested_by: Option<String>,
    pub requested_at_us: i64,
    pub status: String,
    /// The account's holds in force.
    pub holds: Vec<HoldView>,
    /// The account's other open arrangements (what approving this one would supersede).
    pub conflicts: Vec<OpenArrangement>,
}

/// Refund, adjustment or write-off.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MoneyChange {
    Refund,
    Adjustment,
    WriteOff,
}

impl MoneyChange {
    pub fn code(self) -> &'static str {
        match self {
            MoneyChange::Refund => "refund",
            MoneyChange::Adjustment => "adjustment",
            MoneyChange::WriteOff => "write_off",
        }
    }

    pub fn parse(code: &str) -> Option<MoneyChange> {
        [
            MoneyChange::Refund,
            MoneyChange::Adjustment,
            MoneyChange::WriteOff,
        ]
        .into_iter()
        .find(|change| change.code() == code)
    }
}

/// Reason codes for adjustments and write-offs (reports group by them).
pub const REASON_CODES: &[&str] = &[
    "billing_error",
    "goodwill",
    "fee_waiver",
    "interest_waiver",
    "small_balance",
    "uncollectible",
    "deceased",
    "bankruptcy",
    "statute_expired",
    "duplicate_payment",
    "overpayment",
    "other",
];

pub use domain::permission::authority_rank as role_rank;

/// The movement that takes every bucket still owed to zero (credits are left alone).
fn write_down(owed: &Buckets) -> Buckets {
    let down = |amount: Amount| Amount::from_minor(-amount.minor().max(0));
    Buckets {
        principal: down(owed.principal),
        interest: down(owed.interest),
        fees: down(owed.fees),
    }
}

/// The movement that takes what is owed down by at most `cap`: principal first, then
/// interest, then fees (what a settlement's discount forgives; credits are left alone).
fn write_down_at_most(owed: &Buckets, cap: Amount) -> Buckets {
    let mut left = cap.minor().max(0);
    let mut take = |amount: Amount| {
        let taken = amount.minor().max(0).min(left);
        left -= taken;
        Amount::from_minor(-taken)
    };
    let principal = take(owed.principal);
    let interest = take(owed.interest);
    let fees = take(owed.fees);
    Buckets {
        principal,
        interest,
        fees,
    }
}

pub(crate) async fn append_entry(
    tx: &mut WriteTx,
    account_id: i64,
    entry: &Entry,
    corrects: Option<i64>,
    memo: Option<&str>,
    audit_seq: i64,
) -> Result<i64, StoreError> {
    // Never a row that makes the balance unrepresentable: checked before it is written,
    // in the writing transaction.
    balance(tx, account_id)
        .await?
        .checked_add(&entry.amounts())
        .filter(|after| after.total().is_some())
        .ok_or_else(|| {
            StoreError::Invalid(
                "the amount would make the account's balance larger than Arrears can hold".into(),
            )
        })?;
    let id = tx.next_id("ledger_entries").await?;
    let seq: i64 = sqlx::query(
        "SELECT CAST(COALESCE(MAX(seq), 0) + 1 AS BIGINT) FROM ledger_entries WHERE account_id = $1",
    )
    .bind(account_id)
    .fetch_one(tx.conn())
    .await?
    .try_get(0)?;
    let effective_on = entry.effective_on().to_string();
    let amounts = entry.amounts();
    let now_us = tx.now_us();
    let row = LedgerRow {
        id,
        account_id,
        seq,
        reason: entry.reason().code(),
        principal_minor: amounts.principal.minor(),
        interest_minor: amounts.interest.minor(),
        fees_minor: amounts.fees.minor(),
        effective_on: &effective_on,
        recorded_at_us: now_us,
        corrects_entry_id: corrects,
        memo,
        audit_seq,
    };
    let hash = row.hash(tx.seal());
    tx.sealed()
        .add("ledger_entries", crate::seal::hash_sum(&hash));
    sqlx::query(
        "INSERT INTO ledger_entries (id, account_id, seq, reason, principal_minor, interest_minor, fees_minor, effective_on, recorded_at_us, corrects_entry_id, memo, audit_seq, row_hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(id)
    .bind(account_id)
    .bind(seq)
    .bind(entry.reason().code())
    .bind(amounts.principal.minor())
    .bind(amounts.interest.minor())
    .bind(amounts.fees.minor())
    .bind(&effective_on)
    .bind(now_us)
    .bind(corrects)
    .bind(memo)
    .bind(audit_seq)
    .bind(&hash)
    .execute(tx.conn())
    .await?;
    crate::workspace::refresh_balances(tx.conn(), &[account_id]).await?;
    Ok(id)
}

pub(crate) async fn balance(tx: &mut WriteTx, account_id: i64) -> Result<Buckets, StoreError> {
    let row = sqlx::query(
        "SELECT CAST(COALESCE(SUM(principal_minor), 0) AS BIGINT), CAST(COALESCE(SUM(interest_minor), 0) AS BIGINT), CAST(COALESCE(SUM(fees_minor), 0) AS BIGINT) FROM ledger_entries WHERE account_id = $1",
    )
    .bind(account_id)
    .fetch_one(tx.conn())
    .await?;
    Ok(Buckets {
        principal: Amount::from_minor(row.try_get(0)?),
        interest: Amount::from_minor(row.try_get(1)?),
        fees: Amount::from_minor(row.try_get(2)?),
    })
}

/// The payments (not returned) that count toward a promise or arrangement: those posted
/// after it was made (`audit_seq` is its creation event's). Earlier ones, whatever their
/// date, are already in the balance it was agreed on; counting one made earlier the same
/// day again would keep a promise, or complete a settlement and write the rest down, on
/// money that had already lowered the debt.
async fn received_after(
    connection: &mut sqlx::AnyConnection,
    account_id: i64,
    audit_seq: i64,
) -> Result<Vec<Received>, StoreError> {
    let rows = sqlx::query(
        "SELECT p.paid_on, pe.amount_minor FROM payment_entries pe JOIN payments p ON p.id = pe.payment_id \
         WHERE pe.account_id = $1 AND p.returned_on IS NULL AND p.audit_seq > $2 ORDER BY p.paid_on, p.id",
    )
    .bind(account_id)
    .bind(audit_seq)
    .fetch_all(connection)
    .await?;
    rows.iter()
        .map(|row| {
            let on: String = row.try_get(0)?;
            Ok(Received {
                on: on
                    .parse()
                    .map_err(|_| StoreError::Corrupt(format!("payment date {on:?}")))?,
                amount: Amount::from_minor(row.try_get(1)?),
            })
        })
        .collect()
}

async fn policy_of_account(
    connection: &mut sqlx::AnyConnection,
    account_id: i64,
) -> Result<(CreditorPolicy, String, String), StoreError> {
    let row = sqlx::query(
        "SELECT c.id, c.code, c.name, c.policy, a.account_ref FROM accounts a JOIN creditors c ON c.id = a.creditor_id WHERE a.id = $1",
    )
    .bind(account_id)
    .fetch_one(connection)
    .await?;
    let creditor = creditor_from_row(&row)?;
    Ok((creditor.policy, creditor.code, row.try_get(4)?))
}

fn parse_date(text: &str) -> Result<Date, StoreError> {
    text.parse()
        .map_err(|_| StoreError::Corrupt(format!("stored date {text:?}")))
}

/// Re-evaluates the promises and arrangements of `account_ids` as of today and records
/// what changed (kept, broken, completed, reopened), each with an audit event.
pub(crate) async fn review(
    tx: &mut WriteTx,
    account_ids: &[i64],
    actor: &Actor,
) -> Result<u64, StoreError> {
    let today = tx.today();
    review_as_of(tx, account_ids, today, actor).await
}

/// [`review`] as of a business date (the nightly run's).
pub(crate) async fn review_as_of(
    tx: &mut WriteTx,
    account_ids: &[i64],
    today: Date,
    actor: &Actor,
) -> Result<u64, StoreError> {
    let open = reviewable(tx.conn(), account_ids).await?;
    let mut changes = 0;
    for account_id in open {
        changes += review_account(tx, account_id, today, actor).await?;
    }
    changes += end_with_account(tx, account_ids, actor).await?;
    Ok(changes)
}

/// The accounts of `account_ids` with a promise or arrangement to review, ascending.
/// Asked of the given accounts only (in statements of `ROWS_PER_STATEMENT_MAX` ids,
/// through the account indexes), so a nightly chunk's cost does not grow with the
/// portfolio's open promises.
pub(crate) async fn reviewable(
    connection: &mut sqlx::AnyConnection,
    account_ids: &[i64],
) -> Result<Vec<i64>, StoreError> {
    let mut open = Vec::new();
    for ids in account_ids.chunks(crate::batch::ROWS_PER_STATEMENT_MAX) {
        let ids: Vec<String> = ids.iter().map(i64::to_string).collect();
        let ids = ids.join(", ");
        let sql = format!(
            "SELECT account_id FROM promises WHERE status IN ({}) AND account_id IN ({ids}) \
             UNION SELECT account_id FROM arrangements WHERE status IN ({}) AND account_id IN ({ids})",
            promise_codes(PromiseStatus::is_reviewed),
            arrangement_codes(ArrangementStatus::is_reviewed),
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&mut *connection)
            .await?;
        for row in rows {
            open.push(row.try_get::<i64, _>(0)?);
        }
    }
    open.sort_unstable();
    open.dedup();
    Ok(open)
}

/// Whether any of `account_ids` is no longer active with a plan or settlement still
/// running (what `end_with_account` would end).
pub(crate) async fn any_running_on_inactive(
    connection: &mut sqlx::AnyConnection,
    account_ids: &[i64],
) -> Result<bool, StoreError> {
    for ids in account_ids.chunks(crate::batch::ROWS_PER_STATEMENT_MAX) {
        let ids: Vec<String> = ids.iter().map(i64::to_string).collect();
        let sql = format!(
            "SELECT r.account_id FROM arrangements r JOIN accounts a ON a.id = r.account_id \
             WHERE r.status IN ({}) AND a.status <> $1 AND r.account_id IN ({}) LIMIT 1",
            arrangement_codes(ArrangementStatus::is_running),
            ids.join(", "),
        );
        let found: Option<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .bind(Status::Active.code())
            .fetch_optional(&mut *connection)
            .await?;
        if found.is_some() {
            return Ok(true);
        }
    }
    Ok(false)
}

/// A plan or settlement still running (or waiting for approval) on an account that is
/// no longer active — paid in full by a payment that did not follow the schedule, say —
/// ends with it: cancelled, audited.
async fn end_with_account(
    tx: &mut WriteTx,
    account_ids: &[i64],
    actor: &Actor,
) -> Result<u64, StoreError> {
    let mut rows = Vec::new();
    for ids in account_ids.chunks(crate::batch::ROWS_PER_STATEMENT_MAX) {
        let ids: Vec<String> = ids.iter().map(i64::to_string).collect();
        let sql = format!(
            "SELECT DISTINCT r.account_id, a.status, c.code, a.account_ref FROM arrangements r \
             JOIN accounts a ON a.id = r.account_id JOIN creditors c ON c.id = a.creditor_id \
             WHERE r.status IN ({}) AND a.status <> $1 AND r.account_id IN ({}) ORDER BY r.account_id",
            arrangement_codes(ArrangementStatus::is_running),
            ids.join(", "),
        );
        rows.extend(
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(Status::Active.code())
                .fetch_all(tx.conn())
                .await?,
        );
    }
    let mut ended = 0;
    for row in rows {
        let account_id: i64 = row.try_get(0)?;
        let status: String = row.try_get(1)?;
        let entity_key = format!(
            "{}/{}",
            row.try_get::<String, _>(2)?,
            row.try_get::<String, _>(3)?
        );
        let seq = tx
            .audit(AuditEvent {
                actor: &actor.name,
                action: "arrangement.cancelled",
                entity: "account",
                entity_key: &entity_key,
                before: None,
                after: Some(json!({"account_status": status})),
                reason: "the account is no longer active",
            })
            .await?;
        ended += cancel_running(tx, account_id, seq).await?;
    }
    Ok(ended)
}

/// Charges the creditor's late fee once on each missed installment of a running plan
/// (`domain::late_fee`), as a `fee` entry effective `today`, recorded in `late_fees`.
#[allow(clippy::too_many_arguments)]
async fn charge_late_fees(
    tx: &mut WriteTx,
    actor: &Actor,
    account_id: i64,
    arrangement_id: i64,
    progress: &[schedule::DueProgress],
    policy: &CreditorPolicy,
    today: Date,
    entity_key: &str,
) -> Result<u64, StoreError> {
    if policy.late_fee.is_zero() {
        return Ok(0);
    }
    let charged: Vec<String> =
        sqlx::query_scalar("SELECT due_on FROM late_fees WHERE arrangement_id = $1")
            .bind(arrangement_id)
            .fetch_all(tx.conn())
            .await?;
    let charged: Vec<Date> = charged
        .iter()
        .map(|text| parse_date(text))
        .collect::<Result<_, _>>()?;
    let fees =
        domain::late_fee::late_fees(progress, policy.grace_days, policy.late_fee, &charged, None);
    let mut charged_now = 0;
    for fee in fees.to_charge {
        let seq = tx
            .audit(AuditEvent {
                actor: &actor.name,
                action: "arrangement.late_fee",
                entity: "account",
                entity_key,
                before: None,
                after: Some(json!({
                    "arrangement": arrangement_id,
                    "installment_due_on": fee.due_on.to_string(),
                    "fee_minor": fee.amount.minor(),
                })),
                reason: "installment missed: the creditor's late fee",
            })
            .await?;
        let entry = Entry::new(
            Reason::Fee,
            Buckets {
                fees: fee.amount,
                ..Buckets::ZERO
            },
            today,
        )
        .map_err(|error| StoreError::Invalid(format!("late fee: {error:?}")))?;
        let memo = format!("late fee: installment due {}", fee.due_on);
        let entry_id = append_entry(tx, account_id, &entry, None, Some(&memo), seq).await?;
        sqlx::query("INSERT INTO late_fees (arrangement_id, due_on, entry_id) VALUES ($1, $2, $3)")
            .bind(arrangement_id)
            .bind(fee.due_on.to_string())
            .bind(entry_id)
            .execute(tx.conn())
            .await?;
        charged_now += 1;
    }
    Ok(charged_now)
}

async fn review_account(
    tx: &mut WriteTx,
    account_id: i64,
    today: Date,
    actor: &Actor,
) -> Result<u64, StoreError> {
    let sql = format!(
        "SELECT id, status, audit_seq FROM promises WHERE account_id = $1 AND status IN ({}) ORDER BY id",
        promise_codes(PromiseStatus::is_reviewed),
    );
    let promises = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(account_id)
        .fetch_all(tx.conn())
        .await?;
    let sql = format!(
        "SELECT id, kind, status, audit_seq, misses, discount_entry_id, balance_minor - total_minor FROM arrangements WHERE account_id = $1 AND status IN ({}) ORDER BY id",
        arrangement_codes(ArrangementStatus::is_reviewed),
    );
    let arrangements = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(account_id)
        .fetch_all(tx.conn())
        .await?;
    if promises.is_empty() && arrangements.is_empty() {
        return Ok(0);
    }
    let (policy, creditor, account_ref) = policy_of_account(tx.conn(), account_id).await?;
    let entity_key = format!("{creditor}/{account_ref}");
    let mut changes = 0;
    for row in promises {
        let (id, status, audit_seq): (i64, String, i64) =
            (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?);
        let status = stored_promise_status(&status)?;
        let dues = dues_of(
            tx.conn(),
            "SELECT due_on, amount_minor FROM promise_payments WHERE promise_id = $1 ORDER BY seq",
            id,
        )
        .await?;
        let received = received_after(tx.conn(), account_id, audit_seq).await?;
        let progress = schedule::progress(&dues, &received, policy.grace_days, today);
        let standing = schedule::standing(&progress);
        let mut next = status.review(standing);
        if status == PromiseStatus::Kept
            && next == PromiseStatus::Open
            && runs_beside(tx, account_id, ArrangementKind::Promise, id).await?
        {
            // A payment that kept it came back, but another arrangement runs on the
            // account now (one open at once): the promise does not reopen — it is broken.
            next = PromiseStatus::Broken;
        }
        if next != status {
            move_promise(tx, id, status, next).await?;
            audit_review(
                tx,
                actor,
                "promise",
                id,
                status.code(),
                next.code(),
                &entity_key,
            )
            .await?;
            changes += 1;
        }
    }
    for row in arrangements {
        let (id, kind, status, audit_seq, misses, discount_entry): (
            i64,
            String,
            String,
            i64,
            i64,
            Option<i64>,
        ) = (
            row.try_get(0)?,
            row.try_get(1)?,
            row.try_get(2)?,
            row.try_get(3)?,
            row.try_get(4)?,
            row.try_get(5)?,
        );
        // What the settlement forgives, at most: the balance it was agreed on less its
        // total (the discount its maker's authority, or an approval, covered).
        let agreed_discount = Amount::from_minor(row.try_get::<i64, _>(6)?.max(0));
        let (kind, status) = (stored_kind(&kind)?, stored_arrangement_status(&status)?);
        let dues = dues_of(tx.conn(), ARRANGEMENT_DUES, id).await?;
        let received = received_after(tx.conn(), account_id, audit_seq).await?;
        let progress = schedule::progress(&dues, &received, policy.grace_days, today);
        if kind == Kind::Plan && status == ArrangementStatus::Active {
            changes += charge_late_fees(
                tx,
                actor,
                account_id,
                id,
                &progress,
                &policy,
                today,
                &entity_key,
            )
            .await?;
        }
        let standing = schedule::standing(&progress);
        let mut next = status.review(kind.into(), standing, policy.plan_misses_to_break);
        if status == ArrangementStatus::Completed
            && next == ArrangementStatus::Active
            && runs_beside(tx, account_id, kind.into(), id).await?
        {
            // A payment of a completed arrangement came back, but a newer one runs on
            // the account now: that one is in force (one active at once), so the old one
            // does not come back to life — it is broken.
            next = ArrangementStatus::Broken;
        }
        if i64::from(standing.misses) != misses {
            sqlx::query("UPDATE arrangements SET misses = $1 WHERE id = $2")
                .bind(i64::from(standing.misses))
                .bind(id)
                .execute(tx.conn())
                .await?;
        }
        if next == status {
            continue;
        }
        move_arrangement(tx, id, status, next).await?;
        let seq = audit_review(
            tx,
            actor,
            kind.code(),
            id,
            status.code(),
            next.code(),
            &entity_key,
        )
        .await?;
        changes += 1;
        if next != ArrangementStatus::Active {
            sqlx::query("UPDATE arrangements SET ended_at_us = $1 WHERE id = $2")
                .bind(tx.now_us())
                .bind(id)
                .execute(tx.conn())
                .await?;
        }
        if kind == Kind::Settlement && next == ArrangementStatus::Completed {
            // Paid as agreed: the rest of the debt it was agreed on is written down —
            // never more than the discount agreed. Debt that appeared since (a payment
            // made before it that came back, a returned-payment fee, an adjustment)
            // stays owed, and the account stays active for it.
            let owed = balance(tx, account_id).await?;
            let discount = write_down_at_most(&owed, agreed_discount);
            if let Ok(entry) = Entry::new(Reason::SettlementDiscount, discount, today) {
                let entry_id =
                    append_entry(tx, account_id, &entry, None, Some("settlement paid"), seq)
                        .await?;
                sqlx::query("UPDATE arrangements SET discount_entry_id = $1 WHERE id = $2")
                    .bind(entry_id)
                    .bind(id)
                    .execute(tx.conn())
                    .await?;
            }
            // Paid as agreed on an active account that now owes nothing (a payment in
            // full may already have made it paid, which it stays).
            let from = status_of(tx, account_id).await?;
            let left = balance(tx, account_id)
                .await?
                .total()
                .unwrap_or(Amount::ZERO);
            if from == Status::Active && !left.is_positive() {
                set_account_status(tx, account_id, from, Status::Settled).await?;
            }
        }
        if kind == Kind::Settlement && status == ArrangementStatus::Completed {
            // A payment of a completed settlement came back: the settlement is broken
            // and its discount reversed, so the full debt is owed again.
            if let Some(entry_id) = discount_entry {
                let row = sqlx::query(
                    "SELECT principal_minor, interest_minor, fees_minor FROM ledger_entries WHERE id = $1",
                )
                .bind(entry_id)
                .fetch_one(tx.conn())
                .await?;
                let undo = Buckets {
                    principal: Amount::from_minor(-row.try_get::<i64, _>(0)?),
                    interest: Amount::from_minor(-row.try_get::<i64, _>(1)?),
                    fees: Amount::from_minor(-row.try_get::<i64, _>(2)?),
                };
                let entry = Entry::new(Reason::Reversal, undo, today)
                    .map_err(|error| StoreError::Corrupt(format!("{error:?}")))?;
                append_entry(
                    tx,
                    account_id,
                    &entry,
                    Some(entry_id),
                    Some("settlement broken"),
                    seq,
                )
                .await?;
            }
            let from = status_of(tx, account_id).await?;
            if from != Status::Active && from.can_become(Status::Active) {
                set_account_status(tx, account_id, from, Status::Active).await?;
            }
        }
    }
    Ok(changes)
}

/// Ends what still runs on an account that is no longer active: its active plan or
/// settlement and one waiting for approval are cancelled, and so are their pending
/// approvals (approving one later would revive it). Returns how many were cancelled.
pub(crate) async fn cancel_running(
    tx: &mut WriteTx,
    account_id: i64,
    audit_seq: i64,
) -> Result<u64, StoreError> {
    let running = running_on(tx, account_id, None).await?;
    for (id, status) in &running {
        end_arrangement(tx, *id, *status, ArrangementStatus::Cancelled, audit_seq).await?;
    }
    Ok(running.len() as u64)
}

/// The arrangements running or waiting for approval on an account (but `except`), by id.
async fn running_on(
    tx: &mut WriteTx,
    account_id: i64,
    except: Option<i64>,
) -> Result<Vec<(i64, ArrangementStatus)>, StoreError> {
    let sql = format!(
        "SELECT id, status FROM arrangements WHERE account_id = $1 AND status IN ({}) ORDER BY id",
        arrangement_codes(ArrangementStatus::is_running),
    );
    let mut running = Vec::new();
    for row in sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(account_id)
        .fetch_all(tx.conn())
        .await?
    {
        let id: i64 = row.try_get(0)?;
        if Some(id) != except {
            running.push((
                id,
                stored_arrangement_status(&row.try_get::<String, _>(1)?)?,
            ));
        }
    }
    Ok(running)
}

/// The account's open promises and arrangements (promises first, then by id), with
/// their business dates in `zone`.
pub(crate) async fn open_on(
    connection: &mut sqlx::AnyConnection,
    account_id: i64,
    zone: &jiff::tz::TimeZone,
) -> Result<Vec<OpenArrangement>, StoreError> {
    let sql = format!(
        "SELECT p.id, p.created_at_us, p.total_minor, CAST((SELECT COUNT(*) FROM promise_payments pp WHERE pp.promise_id = p.id) AS BIGINT) \
         FROM promises p WHERE p.account_id = $1 AND p.status IN ({}) ORDER BY p.id",
        promise_codes(PromiseStatus::is_open),
    );
    let mut open = Vec::new();
    for row in sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(account_id)
        .fetch_all(&mut *connection)
        .await?
    {
        let since_us: i64 = row.try_get(1)?;
        open.push(OpenArrangement {
            kind: ArrangementKind::Promise,
            id: row.try_get(0)?,
            waiting: false,
            since_us,
            since_on: date_in(zone, since_us),
            dues: usize::try_from(row.try_get::<i64, _>(3)?).unwrap_or(0),
            frequency: None,
            total: Amount::from_minor(row.try_get(2)?),
        });
    }
    let sql = format!(
        "SELECT r.id, r.kind, r.status, r.created_at_us, r.total_minor, r.frequency, CAST((SELECT COUNT(*) FROM arrangement_dues d WHERE d.arrangement_id = r.id) AS BIGINT) \
         FROM arrangements r WHERE r.account_id = $1 AND r.status IN ({}) ORDER BY r.id",
        arrangement_codes(ArrangementStatus::is_open),
    );
    for row in sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(account_id)
        .fetch_all(&mut *connection)
        .await?
    {
        let since_us: i64 = row.try_get(3)?;
        let status = stored_arrangement_status(&row.try_get::<String, _>(2)?)?;
        let frequency: Option<String> = row.try_get(5)?;
        open.push(OpenArrangement {
            kind: stored_kind(&row.try_get::<String, _>(1)?)?.into(),
            id: row.try_get(0)?,
            waiting: status == ArrangementStatus::PendingApproval,
            since_us,
            since_on: date_in(zone, since_us),
            dues: usize::try_from(row.try_get::<i64, _>(6)?).unwrap_or(0),
            frequency: frequency
                .as_deref()
                .and_then(domain::plan::Frequency::parse),
            total: Amount::from_minor(row.try_get(4)?),
        });
    }
    Ok(open)
}

/// Supersedes the account's open promises and arrangements but `except` (an
/// arrangement's id), audited by `audit_seq`: those waiting for approval always, the
/// running ones (an active plan or settlement, an open promise) unless `keep_running`
/// — a replacement that waits for approval leaves them running until it is approved.
/// Their pending approvals are cancelled with them. Returns what was superseded.
pub(crate) async fn supersede_open(
    tx: &mut WriteTx,
    account_id: i64,
    except: Option<i64>,
    keep_running: bool,
    audit_seq: i64,
) -> Result<Vec<OpenArrangement>, StoreError> {
    let open = open_of(tx, account_id).await?;
    let mut superseded = Vec::new();
    for item in open {
        let is_self = item.kind != ArrangementKind::Promise && Some(item.id) == except;
        if is_self || (keep_running && !item.waiting) {
            continue;
        }
        if item.kind == ArrangementKind::Promise {
            move_promise(tx, item.id, PromiseStatus::Open, PromiseStatus::Superseded).await?;
        } else {
            let from = if item.waiting {
                ArrangementStatus::PendingApproval
            } else {
                ArrangementStatus::Active
            };
            end_arrangement(tx, item.id, from, ArrangementStatus::Superseded, audit_seq).await?;
        }
        superseded.push(item);
    }
    Ok(superseded)
}

/// [`open_on`] inside a writing transaction.
pub(crate) async fn open_of(
    tx: &mut WriteTx,
    account_id: i64,
) -> Result<Vec<OpenArrangement>, StoreError> {
    let zone = tx.zone();
    open_on(tx.conn(), account_id, &zone).await
}

/// Whether something other than the promise or arrangement `id` of `kind` runs on the
/// account (an open promise, an active plan or settlement).
async fn runs_beside(
    tx: &mut WriteTx,
    account_id: i64,
    kind: ArrangementKind,
    id: i64,
) -> Result<bool, StoreError> {
    let is_self = |open: &OpenArrangement| {
        open.id == id
            && (open.kind == ArrangementKind::Promise) == (kind == ArrangementKind::Promise)
    };
    Ok(open_of(tx, account_id)
        .await?
        .iter()
        .any(|open| !open.waiting && !is_self(open)))
}

/// The one-open rule, inside the writing transaction: `Err` names the open one when
/// something is open and the new one does not replace it.
pub(crate) async fn refuse_unless_replacing(
    tx: &mut WriteTx,
    account_id: i64,
    replace: Replace,
) -> Result<Result<(), OpenArrangement>, StoreError> {
    if replace.0 {
        return Ok(Ok(()));
    }
    Ok(match open_of(tx, account_id).await?.first() {
        Some(open) => Err(*open),
        None => Ok(()),
    })
}

/// The account's holds in force, oldest first.
pub(crate) async fn holds_on(
    connection: &mut sqlx::AnyConnection,
    account_id: i64,
) -> Result<Vec<HoldView>, StoreError> {
    sqlx::query(
        "SELECT kind, detail, placed_at_us FROM account_holds WHERE account_id = $1 AND released_at_us IS NULL ORDER BY placed_at_us, id",
    )
    .bind(account_id)
    .fetch_all(connection)
    .await?
    .iter()
    .map(|row| {
        let kind: String = row.try_get(0)?;
        Ok(HoldView {
            kind: HoldKind::parse(&kind)
                .ok_or_else(|| StoreError::Corrupt(format!("hold {kind:?}")))?,
            detail: row.try_get(1)?,
            placed_at_us: row.try_get(2)?,
        })
    })
    .collect()
}

/// The business date in `zone` at an instant (µs since the epoch).
pub(crate) fn date_in(zone: &jiff::tz::TimeZone, instant_us: i64) -> Date {
    jiff::Timestamp::from_microsecond(instant_us)
        .map(|instant| zone.to_datetime(instant).date())
        .unwrap_or(Date::MIN)
}

/// The audit's record of what a replacement superseded.
pub(crate) fn superseded_json(items: &[OpenArrangement]) -> serde_json::Value {
    json!(
        items
            .iter()
            .map(|item| json!({"kind": item.kind.code(), "id": item.id}))
            .collect::<Vec<_>>()
    )
}

/// An arrangement ends (`to` is `cancelled` or `superseded`), and any approval still
/// pending for it is cancelled in the same transaction.
async fn end_arrangement(
    tx: &mut WriteTx,
    id: i64,
    from: ArrangementStatus,
    to: ArrangementStatus,
    audit_seq: i64,
) -> Result<(), StoreError> {
    debug_assert!(matches!(
        to,
        ArrangementStatus::Cancelled | ArrangementStatus::Superseded
    ));
    move_arrangement(tx, id, from, to).await?;
    sqlx::query("UPDATE arrangements SET ended_at_us = $1 WHERE id = $2")
        .bind(tx.now_us())
        .bind(id)
        .execute(tx.conn())
        .await?;
    sqlx::query(
        "UPDATE approvals SET status = 'cancelled', decided_at_us = $1, decision_note = $2 WHERE arrangement_id = $3 AND status = 'pending'",
    )
    .bind(tx.now_us())
    .bind(format!("the arrangement was {to} (audit event {audit_seq})"))
    .bind(id)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// The one writer of `arrangements.status`: the move from `from` (read in this
/// transaction) to `to`, refused unless the domain allows it, and written only if the
/// row still holds `from`.
async fn move_arrangement(
    tx: &mut WriteTx,
    id: i64,
    from: ArrangementStatus,
    to: ArrangementStatus,
) -> Result<(), StoreError> {
    let allowed = from.can_become(to);
    guarded_move(
        tx,
        Guarded::Arrangement,
        id,
        allowed,
        from.code(),
        to.code(),
    )
    .await
}

/// The one writer of `promises.status`, under the same rules as [`move_arrangement`].
async fn move_promise(
    tx: &mut WriteTx,
    id: i64,
    from: PromiseStatus,
    to: PromiseStatus,
) -> Result<(), StoreError> {
    let allowed = from.can_become(to);
    guarded_move(tx, Guarded::Promise, id, allowed, from.code(), to.code()).await
}

/// The tables whose `status` column only the domain's transitions may change.
#[derive(Clone, Copy)]
enum Guarded {
    Arrangement,
    Promise,
}

/// Writes `to` over `from` when the domain `allowed` it and the row still holds `from`.
async fn guarded_move(
    tx: &mut WriteTx,
    table: Guarded,
    id: i64,
    allowed: bool,
    from: &str,
    to: &str,
) -> Result<(), StoreError> {
    let (what, sql) = match table {
        Guarded::Arrangement => (
            "arrangement",
            "UPDATE arrangements SET status = $1 WHERE id = $2 AND status = $3",
        ),
        Guarded::Promise => (
            "promise",
            "UPDATE promises SET status = $1 WHERE id = $2 AND status = $3",
        ),
    };
    if !allowed {
        return Err(StoreError::Conflict(format!(
            "{what} {id} is {from}: it cannot become {to}"
        )));
    }
    let written = sqlx::query(sql)
        .bind(to)
        .bind(id)
        .bind(from)
        .execute(tx.conn())
        .await?
        .rows_affected();
    if written != 1 {
        return Err(StoreError::Conflict(format!(
            "{what} {id} is no longer {from}"
        )));
    }
    Ok(())
}

/// The audit event of a move the review made (`what` is promise, plan or settlement).
async fn audit_review(
    tx: &mut WriteTx,
    actor: &Actor,
    what: &str,
    id: i64,
    from: &str,
    to: &str,
    entity_key: &str,
) -> Result<i64, StoreError> {
    tx.audit(AuditEvent {
        actor: &actor.name,
        action: &format!(
            "{what}.{}",
            if to == ArrangementStatus::Active.code() {
                "reopened"
            } else {
                to
            }
        ),
        entity: "account",
        entity_key,
        before: Some(json!({ what: id, "status": from })),
        after: Some(json!({ what: id, "status": to })),
        reason: "payments received against its schedule",
    })
    .await
}

const ARRANGEMENT_DUES: &str =
    "SELECT due_on, amount_minor FROM arrangement_dues WHERE arrangement_id = $1 ORDER BY seq";

/// The dated amounts `sql` selects (due date, amount) for the promise or arrangement `id`.
async fn dues_of(
    connection: &mut sqlx::AnyConnection,
    sql: &'static str,
    id: i64,
) -> Result<Vec<Due>, StoreError> {
    sqlx::query(sql)
        .bind(id)
        .fetch_all(connection)
        .await?
        .iter()
        .map(|row| {
            Ok(Due {
                due_on: parse_date(&row.try_get::<String, _>(0)?)?,
                amount: Amount::from_minor(row.try_get(1)?),
            })
        })
        .collect()
}

async fn locate(tx: &mut WriteTx, user: &SessionUser, seen: Seen<'_>) -> Result<i64, StoreError> {
    crate::workspace::touch(tx, user, seen).await
}

impl Store {
    /// Reviews every open promise and active plan or settlement as of today (the nightly
    /// step): dues past their grace are counted as misses and arrangements break.
    pub async fn review_arrangements(&self, actor: &Actor) -> Result<u64, StoreError> {
        let mut tx = self.write().await?;
        let rows = sqlx::query(
            "SELECT account_id FROM promises WHERE status = $1 UNION SELECT account_id FROM arrangements WHERE status = $2",
        )
        .bind(PromiseStatus::Open.code())
        .bind(ArrangementStatus::Active.code())
        .fetch_all(tx.conn())
        .await?;
        let ids: Vec<i64> = rows
            .iter()
            .map(|row| row.try_get(0))
            .collect::<Result<_, _>>()?;
        let changes = review(&mut tx, &ids, actor).await?;
        tx.commit().await?;
        Ok(changes)
    }

    /// Records a plan or settlement: active at once within policy and the user's
    /// authority, else waiting for approval by the least role that may grant it — both
    /// decided here on the balance read in this transaction. Only an active account
    /// takes an arrangement. One active at once: a new active arrangement supersedes
    /// whatever runs or waits; a new one waiting for approval supersedes only another
    /// that waits (the running one goes on until the approval).
    pub async fn create_arrangement(
        &self,
        user: &SessionUser,
        seen: Seen<'_>,
        new: &NewArrangement,
        replace: Replace,
    ) -> Result<Result<Arranged, OpenArrangement>, StoreError> {
        let mut tx = self.write().await?;
        let account_id = locate(&mut tx, user, seen).await?;
        let status = status_of(&mut tx, account_id).await?;
        if status != Status::Active {
            return Err(StoreError::Invalid(format!(
                "the account is {status}: only an active account takes a plan or settlement"
            )));
        }
        let owed = balance(&mut tx, account_id)
            .await?
            .total()
            .unwrap_or(Amount::ZERO);
        if !owed.is_positive() {
            return Err(StoreError::Invalid("the account owes nothing".into()));
        }
        let (policy, _, _) = policy_of_account(tx.conn(), account_id).await?;
        let today = tx.today();
        let (dues, frequency, apr_bps, needs_approval) = match new {
            NewArrangement::Plan(terms) => {
                if terms.balance != owed {
                    return Err(StoreError::Conflict(format!(
                        "the balance is {} now, not the {} quoted: quote the plan again",
                        policy.currency.format(owed),
                        policy.currency.format(terms.balance)
                    )));
                }
                let schedule = terms
                    .quote()
                    .map_err(|error| StoreError::Invalid(error.message(policy.currency)))?;
                let why: Vec<String> = domain::plan::check_policy(&schedule, today, &policy)
                    .iter()
                    .map(|breach| breach.message(policy.currency))
                    .collect();
                let dues: Vec<NewDue> = schedule
                    .installments
                    .iter()
                    .map(|installment| NewDue {
                        due_on: installment.due_on,
                        amount: installment.amount,
                        principal: installment.principal,
                        interest: installment.interest,
                    })
                    .collect();
                (
                    dues,
                    Some(terms.frequency.code().to_string()),
                    terms.apr.get(),
                    (!why.is_empty()).then(|| (Role::Supervisor, why.join("; "))),
                )
            }
            NewArrangement::Settlement(payments) => {
                let offer = SettlementOffer::new(owed, payments.clone())
                    .map_err(|error| StoreError::Invalid(error.to_string()))?;
                let authority = offer.authority(user.role, &policy);
                let dues = offer
                    .payments()
                    .iter()
                    .map(|payment| NewDue {
                        due_on: payment.due_on,
                        amount: payment.amount,
                        principal: payment.amount,
                        interest: Amount::ZERO,
                    })
                    .collect();
                (
                    dues,
                    None,
                    0,
                    authority.approver().map(|role| (role, authority.message())),
                )
            }
        };
        if dues.is_empty() {
            return Err(StoreError::Invalid(
                "an arrangement has at least one payment".into(),
            ));
        }
        let total = Amount::checked_sum(dues.iter().map(|due| due.amount))
            .ok_or_else(|| StoreError::Invalid("the total is too large".into()))?;
        let kind = new.kind();
        if let Err(open) = refuse_unless_replacing(&mut tx, account_id, replace).await? {
            return Ok(Err(open));
        }
        let previous = open_of(&mut tx, account_id).await?;
        // A replacement waiting for approval leaves what runs running until it is
        // approved (then supersedes it); one active at once supersedes everything open.
        let keep_running = needs_approval.is_some();
        let superseded: Vec<OpenArrangement> = previous
            .iter()
            .copied()
            .filter(|open| open.waiting || !keep_running)
            .collect();
        let id = tx.next_id("arrangements").await?;
        let status = ArrangementStatus::start(needs_approval.is_some());
        let entity_key = format!("{}/{}", seen.creditor, seen.account_ref);
        let schedule: Vec<serde_json::Value> = dues
            .iter()
            .map(
                |due| json!({"due_on": due.due_on.to_string(), "amount_minor": due.amount.minor()}),
            )
            .collect();
        let seq = tx
            .audit(AuditEvent {
                actor: &user.username,
                action: &format!("{}.create", kind.code()),
                entity: "account",
                entity_key: &entity_key,
                before: None,
                after: Some(json!({
                    kind.code(): id,
                    "status": status.code(),
                    "total_minor": total.minor(),
                    "balance_minor": owed.minor(),
                    "frequency": frequency,
                    "apr_bps": apr_bps,
                    "dues": schedule,
                    "supersedes": superseded_json(&superseded),
                    "needs_approval": needs_approval.as_ref().map(|(role, why)| json!({"role": role.code(), "why": why})),
                })),
                reason: match kind {
                    Kind::Plan => "payment plan agreed with the debtor",
                    Kind::Settlement => "settlement offered to the debtor",
                },
            })
            .await?;
        let starts_on = today.min(dues[0].due_on);
        sqlx::query(
            "INSERT INTO arrangements (id, account_id, kind, status, total_minor, balance_minor, frequency, apr_bps, starts_on, supersedes_id, created_by, created_at_us, misses, audit_seq) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 0, $13)",
        )
        .bind(id)
        .bind(account_id)
        .bind(kind.code())
        .bind(status.code())
        .bind(total.minor())
        .bind(owed.minor())
        .bind(frequency)
        .bind(i64::from(apr_bps))
        .bind(starts_on.to_string())
        .bind(
            previous
                .iter()
                .rev()
                .find(|open| open.kind != ArrangementKind::Promise)
                .map(|open| open.id),
        )
        .bind(user.id)
        .bind(tx.now_us())
        .bind(seq)
        .execute(tx.conn())
        .await?;
        for (index, due) in dues.iter().enumerate() {
            sqlx::query("INSERT INTO arrangement_dues (arrangement_id, seq, due_on, amount_minor, principal_minor, interest_minor) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(id)
                .bind(index as i64 + 1)
                .bind(due.due_on.to_string())
                .bind(due.amount.minor())
                .bind(due.principal.minor())
                .bind(due.interest.minor())
                .execute(tx.conn())
                .await?;
        }
        supersede_open(&mut tx, account_id, Some(id), keep_running, seq).await?;
        let approval = match needs_approval {
            Some((role, why)) => Some((
                insert_approval(
                    &mut tx,
                    kind.code(),
                    account_id,
                    Some(id),
                    total,
                    kind.code(),
                    &why,
                    role,
                    user.id,
                    seq,
                )
                .await?,
                role,
                why,
            )),
            None => None,
        };
        tx.commit().await?;
        Ok(Ok(Arranged { id, approval }))
    }

    pub async fn arrangements(&self, account_id: i64) -> Result<Vec<ArrangementView>, StoreError> {
        let mut connection = self.pool.acquire().await?;
        let rows = sqlx::query(
            "SELECT r.id, r.kind, r.status, r.total_minor, r.balance_minor, r.frequency, r.apr_bps, r.starts_on, u.username, r.misses, r.audit_seq \
             FROM arrangements r LEFT JOIN users u ON u.id = r.created_by WHERE r.account_id = $1 ORDER BY r.id",
        )
        .bind(account_id)
        .fetch_all(&mut *connection)
        .await?;
        let policy = policy_of_account(&mut connection, account_id).await?.0;
        let today = self.today();
        let mut views = Vec::new();
        for row in rows {
            let id: i64 = row.try_get(0)?;
            let starts_on = parse_date(&row.try_get::<String, _>(7)?)?;
            let dues = dues_of(&mut connection, ARRANGEMENT_DUES, id).await?;
            let received = received_after(&mut connection, account_id, row.try_get(10)?).await?;
            views.push(ArrangementView {
                id,
                kind: row.try_get(1)?,
                status: row.try_get(2)?,
                total: Amount::from_minor(row.try_get(3)?),
                balance_at_start: Amount::from_minor(row.try_get(4)?),
                frequency: row.try_get(5)?,
                apr_bps: row.try_get(6)?,
                starts_on,
                created_by: row.try_get(8)?,
                misses: row.try_get(9)?,
                dues: schedule::progress(&dues, &received, policy.grace_days, today),
            });
        }
        Ok(views)
    }

    /// Pending approvals the user may decide (their creditors; at or below their role),
    /// each with its account's holds and other open arrangements.
    pub async fn approvals(&self, user: &SessionUser) -> Result<Vec<Approval>, StoreError> {
        self.pending_approvals(user, None).await
    }

    /// One pending approval of the user's creditors.
    pub async fn approval(
        &self,
        user: &SessionUser,
        id: i64,
    ) -> Result<Option<Approval>, StoreError> {
        Ok(self.pending_approvals(user, Some(id)).await?.pop())
    }

    async fn pending_approvals(
        &self,
        user: &SessionUser,
        only: Option<i64>,
    ) -> Result<Vec<Approval>, StoreError> {
        let rows = sqlx::query(
            "SELECT p.id, p.kind, c.code, a.account_ref, p.arrangement_id, p.amount_minor, p.reason_code, p.detail, p.required_role, u.username, p.requested_at_us, p.status, a.creditor_id, a.id \
             FROM approvals p JOIN accounts a ON a.id = p.account_id JOIN creditors c ON c.id = a.creditor_id LEFT JOIN users u ON u.id = p.requested_by \
             LEFT JOIN arrangements r ON r.id = p.arrangement_id \
             WHERE p.status = 'pending' AND (p.arrangement_id IS NULL OR r.status = $1) AND ($2 < 0 OR p.id = $2) ORDER BY p.id",
        )
        .bind(ArrangementStatus::PendingApproval.code())
        .bind(only.unwrap_or(-1))
        .fetch_all(&self.pool)
        .await?;
        let mut list = Vec::new();
        let mut connection = self.pool.acquire().await?;
        let zone = self.business_zone().clone();
        for row in rows {
            let creditor_id: i64 = row.try_get(12)?;
            if !user.may_see_creditor(creditor_id) {
                continue;
            }
            let account_id: i64 = row.try_get(13)?;
            let arrangement_id: Option<i64> = row.try_get(4)?;
            let holds = holds_on(&mut connection, account_id).await?;
            let conflicts = open_on(&mut connection, account_id, &zone)
                .await?
                .into_iter()
                .filter(|open| {
                    open.kind == ArrangementKind::Promise || Some(open.id) != arrangement_id
                })
                .collect();
            list.push(Approval {
                holds,
                conflicts,
                id: row.try_get(0)?,
                kind: row.try_get(1)?,
                creditor: row.try_get(2)?,
                account_ref: row.try_get(3)?,
                arrangement_id: row.try_get(4)?,
                amount: Amount::from_minor(row.try_get(5)?),
                reason_code: row.try_get(6)?,
                detail: row.try_get(7)?,
                required_role: row.try_get(8)?,
                requested_by: row.try_get(9)?,
                requested_at_us: row.try_get(10)?,
                status: row.try_get(11)?,
            });
        }
        Ok(list)
    }

    /// Approves or rejects a pending request. The decider needs the required role (or a
    /// higher one) and may not approve their own request. Approving a plan or
    /// settlement on an account that holds one of `stops`' holds is refused (`Ok(Err)`,
    /// nothing kept) with the rules that stop collection under it — the hold read in
    /// this transaction, so one placed a moment ago counts.
    pub async fn decide_approval(
        &self,
        user: &SessionUser,
        approval_id: i64,
        approve: bool,
        note: &str,
        stops: &CollectionStops,
    ) -> Result<Result<(), ApprovalRefused>, StoreError> {
        let mut tx = self.write().await?;
        let row = sqlx::query(
            "SELECT p.kind, p.account_id, p.arrangement_id, p.amount_minor, p.reason_code, p.detail, p.required_role, p.requested_by, p.status, a.creditor_id, c.code, a.account_ref \
             FROM approvals p JOIN accounts a ON a.id = p.account_id JOIN creditors c ON c.id = a.creditor_id WHERE p.id = $1",
        )
        .bind(approval_id)
        .fetch_optional(tx.conn())
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("no approval {approval_id}")))?;
        let creditor_id: i64 = row.try_get(9)?;
        if !user.may_see_creditor(creditor_id) {
            return Err(StoreError::NotFound(format!("no approval {approval_id}")));
        }
        let status: String = row.try_get(8)?;
        if status != "pending" {
            return Err(StoreError::Conflict(format!(
                "approval {approval_id} was already {status}"
            )));
        }
        let required = Role::parse(&row.try_get::<String, _>(6)?)
            .ok_or_else(|| StoreError::Corrupt("approval role".into()))?;
        if role_rank(user.role) < role_rank(required) {
            let article = if required.code().starts_with(['a', 'e', 'i', 'o', 'u']) {
                "an"
            } else {
                "a"
            };
            return Err(StoreError::Invalid(format!(
                "this needs {article} {} (or above) to decide",
                required.code()
            )));
        }
        let requested_by: Option<i64> = row.try_get(7)?;
        if approve && requested_by == Some(user.id) {
            return Err(StoreError::Invalid(
                "a request cannot be approved by the person who made it".into(),
            ));
        }
        let kind: String = row.try_get(0)?;
        let account_id: i64 = row.try_get(1)?;
        let arrangement_id: Option<i64> = row.try_get(2)?;
        let reason_code: String = row.try_get(4)?;
        let detail: String = row.try_get(5)?;
        let entity_key = format!(
            "{}/{}",
            row.try_get::<String, _>(10)?,
            row.try_get::<String, _>(11)?
        );
        let decision = if approve { "approved" } else { "rejected" };
        let seq = tx
            .audit(AuditEvent {
                actor: &user.username,
                action: &format!("approval.{decision}"),
                entity: "account",
                entity_key: &entity_key,
                before: Some(json!({"approval": approval_id, "kind": kind, "status": "pending"})),
                after: Some(json!({"approval": approval_id, "kind": kind, "status": decision, "note": note})),
                reason: if note.is_empty() { decision } else { note },
            })
            .await?;
        sqlx::query("UPDATE approvals SET status = $1, decided_by = $2, decided_at_us = $3, decision_note = $4 WHERE id = $5")
            .bind(decision)
            .bind(user.id)
            .bind(tx.now_us())
            .bind(note)
            .bind(approval_id)
            .execute(tx.conn())
            .await?;
        match (kind.as_str(), arrangement_id) {
            ("plan" | "settlement", Some(arrangement_id)) => {
                let standing: String = sqlx::query("SELECT status FROM arrangements WHERE id = $1")
                    .bind(arrangement_id)
                    .fetch_one(tx.conn())
                    .await?
                    .try_get(0)?;
                let standing = stored_arrangement_status(&standing)?;
                // Cancelling an arrangement cancels its approval in the same transaction;
                // databases from before that rule may still hold such approvals.
                if standing != ArrangementStatus::PendingApproval {
                    return Err(StoreError::Conflict(format!(
                        "the {kind} of approval {approval_id} is {standing}: there is nothing to decide"
                    )));
                }
                if approve {
                    let status = status_of(&mut tx, account_id).await?;
                    if status != Status::Active {
                        return Err(StoreError::Invalid(format!(
                            "the account is {status}: a {kind} cannot start on it"
                        )));
                    }
                    let held = holds_on(tx.conn(), account_id).await?;
                    if let Some((hold, rules)) = stops.iter().find(|(hold, rules)| {
                        !rules.is_empty() && held.iter().any(|held| held.kind == *hold)
                    }) {
                        return Ok(Err(ApprovalRefused::Held {
                            hold: *hold,
                            rules: rules.clone(),
                        }));
                    }
                }
                let next = if approve {
                    ArrangementStatus::Active
                } else {
                    ArrangementStatus::Rejected
                };
                move_arrangement(&mut tx, arrangement_id, standing, next).await?;
                if approve {
                    // Approved, it is the account's one open arrangement: what still ran
                    // beside it (the one it replaces) is superseded now.
                    supersede_open(&mut tx, account_id, Some(arrangement_id), false, seq).await?;
                }
            }
            (change, _) if approve => {
                let change = MoneyChange::parse(change)
                    .ok_or_else(|| StoreError::Corrupt(format!("approval kind {change:?}")))?;
                let detail: serde_json::Value = serde_json::from_str(&detail).unwrap_or_default();
                let movement = Buckets {
                    principal: Amount::from_minor(detail["principal_minor"].as_i64().unwrap_or(0)),
                    interest: Amount::from_minor(detail["interest_minor"].as_i64().unwrap_or(0)),
                    fees: Amount::from_minor(detail["fees_minor"].as_i64().unwrap_or(0)),
                };
                // Checked again on the balance now: a payment, a return or another
                // change since the request may have made it a credit or a payout.
                let owed = balance(&mut tx, account_id).await?;
                let (policy, _, _) = policy_of_account(tx.conn(), account_id).await?;
                fits_balance(change, &movement, &owed, &policy).map_err(|why| {
                    StoreError::Conflict(format!(
                        "the balance has changed since this was requested: {why}; reject it and ask again"
                    ))
                })?;
                apply_change(&mut tx, account_id, change, movement, &reason_code, seq).await?;
            }
            _ => {}
        }
        tx.commit().await?;
        Ok(Ok(()))
    }

    /// A refund of a credit balance, an adjustment or a write-off. Posted at once when
    /// within the user's authority, else queued for approval. Returns the approval id
    /// when queued.
    pub async fn request_money_change(
        &self,
        user: &SessionUser,
        seen: Seen<'_>,
        change: MoneyChange,
        movement: Buckets,
        reason_code: &str,
        note: &str,
    ) -> Result<Option<i64>, StoreError> {
        if !REASON_CODES.contains(&reason_code) {
            return Err(StoreError::Invalid(format!(
                "reason code {reason_code:?}: expected one of {}",
                REASON_CODES.join(", ")
            )));
        }
        let mut tx = self.write().await?;
        let account_id = locate(&mut tx, user, seen).await?;
        let (policy, _, _) = policy_of_account(tx.conn(), account_id).await?;
        let owed = balance(&mut tx, account_id).await?;
        let total = owed.total().unwrap_or(Amount::ZERO);
        let movement = match change {
            MoneyChange::Refund => {
                // A refund pays back the credit balance (or part of it).
                let asked = movement.total().unwrap_or(Amount::ZERO);
                let credit = Amount::from_minor(-total.minor());
                Buckets {
                    principal: if asked.is_positive() { asked } else { credit },
                    ..Buckets::ZERO
                }
            }
            // Writes off what is owed (every positive bucket), unless told otherwise.
            MoneyChange::WriteOff if movement == Buckets::ZERO => write_down(&owed),
            _ => movement,
        };
        fits_balance(change, &movement, &owed, &policy).map_err(StoreError::Invalid)?;
        let reason = match change {
            MoneyChange::Refund => Reason::Refund,
            MoneyChange::Adjustment => Reason::Adjustment,
            MoneyChange::WriteOff => Reason::WriteOff,
        };
        Entry::new(reason, movement, tx.today()).map_err(|error| {
            StoreError::Invalid(match error {
                domain::ledger::EntryError::Empty => "the amount is zero".to_string(),
                domain::ledger::EntryError::WrongDirection { .. } => match change {
                    MoneyChange::WriteOff => "a write-off lowers the balance".to_string(),
                    _ => "the amount has the wrong sign".to_string(),
                },
                domain::ledger::EntryError::Overflow => "the amount is too large".to_string(),
            })
        })?;
        let size = Amount::from_minor(
            movement.principal.minor().abs()
                + movement.interest.minor().abs()
                + movement.fees.minor().abs(),
        );
        let needs_approval = role_rank(user.role) < 1
            && (change == MoneyChange::Refund || size > policy.approval_threshold);
        let entity_key = format!("{}/{}", seen.creditor, seen.account_ref);
        let detail = json!({
            "principal_minor": movement.principal.minor(),
            "interest_minor": movement.interest.minor(),
            "fees_minor": movement.fees.minor(),
            "note": note,
        });
        let seq = tx
            .audit(AuditEvent {
                actor: &user.username,
                action: &format!(
                    "{}.{}",
                    change.code(),
                    if needs_approval { "request" } else { "post" }
                ),
                entity: "account",
                entity_key: &entity_key,
                before: Some(json!({"balance_minor": total.minor()})),
                after: Some(json!({"movement": detail, "reason_code": reason_code})),
                reason: if note.is_empty() { reason_code } else { note },
            })
            .await?;
        let approval = if needs_approval {
            Some(
                insert_approval(
                    &mut tx,
                    change.code(),
                    account_id,
                    None,
                    size,
                    reason_code,
                    &detail.to_string(),
                    Role::Supervisor,
                    user.id,
                    seq,
                )
                .await?,
            )
        } else {
            apply_change(&mut tx, account_id, change, movement, reason_code, seq).await?;
            None
        };
        tx.commit().await?;
        Ok(approval)
    }

    /// Returns an account to its creditor: its balance leaves the books (a `recall`
    /// entry) and it leaves every queue.
    pub async fn recall(
        &self,
        user: &SessionUser,
        seen: Seen<'_>,
        note: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        let account_id = locate(&mut tx, user, seen).await?;
        let from = status_of(&mut tx, account_id).await?;
        if !from.can_become(Status::Recalled) {
            return Err(StoreError::Invalid(format!(
                "the account is {from}; it cannot be recalled"
            )));
        }
        let owed = balance(&mut tx, account_id).await?;
        let entity_key = format!("{}/{}", seen.creditor, seen.account_ref);
        let seq = tx
            .audit(AuditEvent {
                actor: &user.username,
                action: "account.recall",
                entity: "account",
                entity_key: &entity_key,
                before: Some(json!({"balance_minor": owed.total().map(Amount::minor)})),
                after: Some(json!({"status": "recalled"})),
                reason: if note.is_empty() {
                    "recalled by the creditor"
                } else {
                    note
                },
            })
            .await?;
        recall_in(&mut tx, account_id, from, &owed, seq).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Recalls an account (its status `from`, which may become recalled) owing `owed`:
/// the balance leaves the books (a `recall` entry), the status becomes recalled and
/// what ran on it is cancelled — all under the audit event `seq`.
pub(crate) async fn recall_in(
    tx: &mut WriteTx,
    account_id: i64,
    from: Status,
    owed: &Buckets,
    seq: i64,
) -> Result<(), StoreError> {
    let movement = write_down(owed);
    if let Ok(entry) = Entry::new(Reason::Recall, movement, tx.today()) {
        append_entry(tx, account_id, &entry, None, Some("recalled"), seq).await?;
    }
    set_account_status(tx, account_id, from, Status::Recalled).await?;
    cancel_running(tx, account_id, seq).await?;
    Ok(())
}

/// The balance rules of a refund or a write-off, on what the account owes now: a refund
/// pays back no more than the credit balance, and a write-off takes no bucket below zero
/// (that would make a credit). Checked when the change is requested and again, on the
/// balance read in that transaction, when it is approved.
fn fits_balance(
    change: MoneyChange,
    movement: &Buckets,
    owed: &Buckets,
    policy: &CreditorPolicy,
) -> Result<(), String> {
    match change {
        MoneyChange::Refund => {
            let credit = Amount::from_minor(-owed.total().unwrap_or(Amount::ZERO).minor());
            if !credit.is_positive() {
                return Err("the account has no credit balance to refund".into());
            }
            if movement.total().unwrap_or(Amount::ZERO) > credit {
                return Err(format!(
                    "the refund is larger than the credit balance ({})",
                    policy.currency.format(credit)
                ));
            }
        }
        MoneyChange::WriteOff => {
            for bucket in domain::ledger::Bucket::ALL {
                let owed_here = owed.get(bucket).max(Amount::ZERO);
                if -movement.get(bucket).minor() > owed_here.minor() {
                    return Err(format!(
                        "the write-off is larger than the {} owed ({})",
                        bucket.code(),
                        policy.currency.format(owed_here)
                    ));
                }
            }
        }
        MoneyChange::Adjustment => {}
    }
    Ok(())
}

async fn apply_change(
    tx: &mut WriteTx,
    account_id: i64,
    change: MoneyChange,
    movement: Buckets,
    reason_code: &str,
    seq: i64,
) -> Result<(), StoreError> {
    let reason = match change {
        MoneyChange::Refund => Reason::Refund,
        MoneyChange::Adjustment => Reason::Adjustment,
        MoneyChange::WriteOff => Reason::WriteOff,
    };
    let entry = Entry::new(reason, movement, tx.today())
        .map_err(|error| StoreError::Invalid(format!("{error:?}")))?;
    append_entry(tx, account_id, &entry, None, Some(reason_code), seq).await?;
    let owed = balance(tx, account_id)
        .await?
        .total()
        .unwrap_or(Amount::ZERO);
    let status = status_of(tx, account_id).await?;
    let next = match change {
        MoneyChange::WriteOff if !owed.is_positive() => Some(Status::WrittenOff),
        // As when a payment posts: an active account that owes nothing (or is owed) is paid.
        _ if status == Status::Active && !owed.is_positive() => Some(Status::Paid),
        _ if status == Status::Paid && owed.is_positive() => Some(Status::Active),
        _ => None,
    };
    if let Some(next) = next
        && next != status
    {
        set_account_status(tx, account_id, status, next).await?;
        if next != Status::Active {
            cancel_running(tx, account_id, seq).await?;
        }
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn insert_approval(
    tx: &mut WriteTx,
    kind: &str,
    account_id: i64,
    arrangement_id: Option<i64>,
    amount: Amount,
    reason_code: &str,
    detail: &str,
    role: Role,
    user_id: i64,
    seq: i64,
) -> Result<i64, StoreError> {
    let id = tx.next_id("approvals").await?;
    sqlx::query(
        "INSERT INTO approvals (id, kind, account_id, arrangement_id, amount_minor, reason_code, detail, required_role, requested_by, requested_at_us, status, audit_seq) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'pending', $11)",
    )
    .bind(id)
    .bind(kind)
    .bind(account_id)
    .bind(arrangement_id)
    .bind(amount.minor())
    .bind(reason_code)
    .bind(detail)
    .bind(role.code())
    .bind(user_id)
    .bind(tx.now_us())
    .bind(seq)
    .execute(tx.conn())
    .await?;
    Ok(id)
}
