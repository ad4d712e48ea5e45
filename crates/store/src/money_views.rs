//! Read-only views of money for the workspace: payments of an account, the exceptions
//! list, promise-kept rates. (Owned by the web work; queries only, no writes.)

use crate::sessions::SessionUser;
use crate::{Store, StoreError};
use domain::arrangement::PromiseStatus;
use domain::creditor::CreditorPolicy;
use domain::money::{Amount, Currency};
use sqlx::Row;

/// Most exceptions one listing shows.
pub const EXCEPTIONS_LISTED_MAX: i64 = 500;

/// A payment that paid into an account (its own, or one of the debtor's that spilled
/// over), with its return if it came back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaymentView {
    pub id: i64,
    pub payment_ref: String,
    /// The whole payment.
    pub amount: Amount,
    /// What it paid on this account.
    pub applied: Amount,
    pub method: String,
    pub paid_on: String,
    pub source: String,
    pub username: Option<String>,
    pub returned_on: Option<String>,
    pub return_code: Option<String>,
}

/// An open bank-file item nobody could match.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExceptionView {
    pub id: i64,
    pub source: String,
    pub file_name: String,
    pub line: i64,
    pub kind: String,
    pub amount: Amount,
    pub paid_on: String,
    pub reference: String,
    pub return_code: Option<String>,
    pub reason: String,
    /// The creditor the item named, if any.
    pub creditor: Option<String>,
    /// The creditor's currency; the agency's bank currency (USD) for items naming none.
    pub currency: Currency,
}

/// An agent's promises that ended: kept and broken.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeptRate {
    pub username: String,
    pub kept: i64,
    pub broken: i64,
}

impl KeptRate {
    /// kept / (kept + broken) in basis points; `None` when no promise ended.
    pub fn rate_bps(&self) -> Option<i64> {
        let ended = self.kept + self.broken;
        (ended > 0).then(|| self.kept * 10_000 / ended)
    }
}

impl Store {
    /// Whether the creditor already has a payment with this reference (references are
    /// unique per creditor).
    pub async fn payment_ref_taken(
        &self,
        creditor: &str,
        payment_ref: &str,
    ) -> Result<bool, StoreError> {
        let row = sqlx::query(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM payments p JOIN creditors c ON c.id = p.creditor_id WHERE c.code = $1 AND p.payment_ref = $2",
        )
        .bind(creditor)
        .bind(payment_ref)
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get::<i64, _>(0)? > 0)
    }

    /// The payments that paid into `account_id`, newest first.
    pub async fn account_payments(&self, account_id: i64) -> Result<Vec<PaymentView>, StoreError> {
        let rows = sqlx::query(
            "SELECT p.id, p.payment_ref, p.amount_minor, \
               CAST(COALESCE((SELECT SUM(e.amount_minor) FROM payment_entries e WHERE e.payment_id = p.id AND e.account_id = $1), 0) AS BIGINT), \
               p.method, p.paid_on, p.source, u.username, p.returned_on, p.return_code \
             FROM payments p LEFT JOIN users u ON u.id = p.user_id \
             WHERE p.account_id = $1 OR p.id IN (SELECT e.payment_id FROM payment_entries e WHERE e.account_id = $1) \
             ORDER BY p.paid_on DESC, p.id DESC",
        )
        .bind(account_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(PaymentView {
                    id: row.try_get(0)?,
                    payment_ref: row.try_get(1)?,
                    amount: Amount::from_minor(row.try_get(2)?),
                    applied: Amount::from_minor(row.try_get(3)?),
                    method: row.try_get(4)?,
                    paid_on: row.try_get(5)?,
                    source: row.try_get(6)?,
                    username: row.try_get(7)?,
                    returned_on: row.try_get(8)?,
                    return_code: row.try_get(9)?,
                })
            })
            .collect()
    }

    /// Open exceptions (bank-file items matched to nothing) `viewer` may see, oldest
    /// first, at most [`EXCEPTIONS_LISTED_MAX`]: those of the creditors they see, and
    /// items naming no creditor only for users who see every creditor.
    pub async fn open_exceptions(
        &self,
        viewer: &SessionUser,
    ) -> Result<Vec<ExceptionView>, StoreError> {
        let filter = crate::workspace::creditor_filter_on(viewer, "x.creditor_id");
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT x.id, x.source, x.file_name, x.line, x.kind, x.amount_minor, x.paid_on, x.reference, x.return_code, x.reason, c.code, c.policy \
             FROM payment_exceptions x LEFT JOIN creditors c ON c.id = x.creditor_id \
             WHERE x.status = 'open'{filter} ORDER BY x.id LIMIT $1"
        )))
        .bind(EXCEPTIONS_LISTED_MAX)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let policy: Option<String> = row.try_get(11)?;
                let currency = match policy {
                    Some(text) => {
                        CreditorPolicy::from_text(&text)
                            .map_err(|error| {
                                StoreError::Corrupt(format!("stored creditor policy: {error}"))
                            })?
                            .currency
                    }
                    None => Currency::USD,
                };
                Ok(ExceptionView {
                    id: row.try_get(0)?,
                    source: row.try_get(1)?,
                    file_name: row.try_get(2)?,
                    line: row.try_get(3)?,
                    kind: row.try_get(4)?,
                    amount: Amount::from_minor(row.try_get(5)?),
                    paid_on: row.try_get(6)?,
                    reference: row.try_get(7)?,
                    return_code: row.try_get(8)?,
                    reason: row.try_get(9)?,
                    creditor: row.try_get(10)?,
                    currency,
                })
            })
            .collect()
    }

    /// Per agent who shares a creditor with `viewer` (every agent for those who see all
    /// creditors): their promises that ended kept or broken, on accounts `viewer` sees.
    pub async fn promise_kept_rates(
        &self,
        viewer: &SessionUser,
    ) -> Result<Vec<KeptRate>, StoreError> {
        let (team, accounts) = match &viewer.creditor_ids {
            None => (String::new(), String::new()),
            Some(ids) if ids.is_empty() => (" AND 1 = 0".into(), String::new()),
            Some(ids) => {
                let list: Vec<String> = ids.iter().map(i64::to_string).collect();
                let list = list.join(", ");
                (
                    format!(
                        " AND EXISTS (SELECT 1 FROM user_creditors uc WHERE uc.user_id = u.id AND uc.creditor_id IN ({list}))"
                    ),
                    format!(
                        " AND p.account_id IN (SELECT a.id FROM accounts a WHERE a.creditor_id IN ({list}))"
                    ),
                )
            }
        };
        let (kept, broken) = (PromiseStatus::Kept.code(), PromiseStatus::Broken.code());
        let sql = format!(
            "SELECT u.username, \
               (SELECT CAST(COUNT(*) AS BIGINT) FROM promises p WHERE p.user_id = u.id AND p.status = '{kept}'{accounts}), \
               (SELECT CAST(COUNT(*) AS BIGINT) FROM promises p WHERE p.user_id = u.id AND p.status = '{broken}'{accounts}) \
             FROM users u WHERE u.role = 'agent' AND u.disabled = 0{team} ORDER BY u.username"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                Ok(KeptRate {
                    username: row.try_get(0)?,
                    kept: row.try_get(1)?,
                    broken: row.try_get(2)?,
                })
            })
            .collect()
    }
}
