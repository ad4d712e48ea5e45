//! Read models of the role pages: the supervisors' live team board (who is on which
//! account now, what was collected today) and the managers' portfolio overview by
//! creditor. Reads only; scoped to the viewer's creditors like every list.

use crate::sessions::SessionUser;
use crate::workspace::creditor_filter_on;
use crate::{Store, StoreError};
use domain::arrangement::PromiseStatus;
use domain::money::{Amount, Currency};
use jiff::Timestamp;
use jiff::civil::Date;
use sqlx::Row;

/// What an agent is doing now and has collected today.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AgentNow {
    pub username: String,
    /// The account the agent holds now (creditor code, account reference), if any.
    pub current: Option<(String, String)>,
    /// Payments the agent took in [from, until) on accounts the viewer may see, less
    /// those since returned: one total per currency, by currency code.
    pub collected: Vec<(Currency, Amount)>,
    /// Promises the agent recorded in [from, until) on accounts the viewer may see: one
    /// total per currency.
    pub promised: Vec<(Currency, Amount)>,
}

/// Totals per user and currency from rows of (user name, currency code, minor units);
/// a total that would overflow is an error, never a wrapped number.
fn per_currency(
    rows: &[sqlx::any::AnyRow],
) -> Result<std::collections::HashMap<String, Vec<(Currency, Amount)>>, StoreError> {
    let mut totals: std::collections::HashMap<String, Vec<(Currency, Amount)>> =
        std::collections::HashMap::new();
    for row in rows {
        let username: String = row.try_get(0)?;
        let code: String = row.try_get(1)?;
        let currency = Currency::parse(&code)
            .ok_or_else(|| StoreError::Corrupt(format!("currency {code:?}")))?;
        let amount = Amount::from_minor(row.try_get(2)?);
        let sums = totals.entry(username).or_default();
        match sums.iter_mut().find(|(known, _)| *known == currency) {
            Some((_, sum)) => {
                *sum = sum
                    .checked_add(amount)
                    .ok_or_else(|| StoreError::Invalid("a total beyond the amount limit".into()))?;
            }
            None => sums.push((currency, amount)),
        }
    }
    for sums in totals.values_mut() {
        sums.sort_by_key(|(currency, _)| currency.code());
    }
    Ok(totals)
}

/// One creditor's portfolio.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CreditorPortfolio {
    pub code: String,
    pub name: String,
    pub currency: String,
    pub accounts: i64,
    pub balance_minor: i64,
    pub collected_this_month_minor: i64,
    pub promises_kept: i64,
    pub promises_broken: i64,
    pub approvals_waiting: i64,
}

impl CreditorPortfolio {
    /// Kept promises among those decided, in basis points; `None` when none is decided.
    pub fn kept_rate_bps(&self) -> Option<i64> {
        let decided = self.promises_kept + self.promises_broken;
        (decided > 0).then(|| self.promises_kept * 10_000 / decided)
    }
}

impl Store {
    /// Per agent sharing a creditor with `viewer`: the account they hold at `now` and
    /// what they collected in [from, until).
    pub async fn team_now(
        &self,
        viewer: &SessionUser,
        now: Timestamp,
        from: Timestamp,
        until: Timestamp,
    ) -> Result<Vec<AgentNow>, StoreError> {
        let team = match &viewer.creditor_ids {
            None => String::new(),
            Some(ids) if ids.is_empty() => " AND 1 = 0".into(),
            Some(ids) => {
                let list: Vec<String> = ids.iter().map(i64::to_string).collect();
                format!(
                    " AND EXISTS (SELECT 1 FROM user_creditors uc WHERE uc.user_id = u.id AND uc.creditor_id IN ({}))",
                    list.join(", ")
                )
            }
        };
        // The lock's account is shown only when the viewer may see its creditor.
        let visible = creditor_filter_on(viewer, "a.creditor_id");
        let sql = format!(
            "SELECT u.username, \
               (SELECT c.code FROM account_locks l JOIN accounts a ON a.id = l.account_id JOIN creditors c ON c.id = a.creditor_id \
                  WHERE l.user_id = u.id AND l.locked_until_us > $1{visible} ORDER BY l.locked_at_us DESC LIMIT 1), \
               (SELECT a.account_ref FROM account_locks l JOIN accounts a ON a.id = l.account_id \
                  WHERE l.user_id = u.id AND l.locked_until_us > $1{visible} ORDER BY l.locked_at_us DESC LIMIT 1) \
             FROM users u WHERE u.role = 'agent' AND u.disabled = 0{team} ORDER BY u.username"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(now.as_microsecond())
            .fetch_all(&self.pool)
            .await?;
        let collected = format!(
            "SELECT u.username, a.currency, CAST(SUM(p.amount_minor) AS BIGINT) FROM payments p \
               JOIN users u ON u.id = p.user_id JOIN accounts a ON a.id = p.account_id \
             WHERE p.recorded_at_us >= $1 AND p.recorded_at_us < $2 AND p.returned_on IS NULL{visible} \
             GROUP BY u.username, a.currency"
        );
        let promised = format!(
            "SELECT u.username, a.currency, CAST(SUM(p.total_minor) AS BIGINT) FROM promises p \
               JOIN users u ON u.id = p.user_id JOIN accounts a ON a.id = p.account_id \
             WHERE p.created_at_us >= $1 AND p.created_at_us < $2{visible} \
             GROUP BY u.username, a.currency"
        );
        let mut sums = Vec::new();
        for sql in [collected, promised] {
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(from.as_microsecond())
                .bind(until.as_microsecond())
                .fetch_all(&self.pool)
                .await?;
            sums.push(per_currency(&rows)?);
        }
        let [mut collected, mut promised] = <[_; 2]>::try_from(sums).expect("two sums");
        rows.iter()
            .map(|row| {
                let username: String = row.try_get(0)?;
                let code: Option<String> = row.try_get(1)?;
                let account_ref: Option<String> = row.try_get(2)?;
                Ok(AgentNow {
                    current: code.zip(account_ref),
                    collected: collected.remove(&username).unwrap_or_default(),
                    promised: promised.remove(&username).unwrap_or_default(),
                    username,
                })
            })
            .collect()
    }

    /// The portfolio of every creditor `viewer` may see: accounts, balance (the sum of
    /// the ledger), payments received since `month_start` (not returned), promises kept
    /// and broken, approvals waiting.
    pub async fn portfolio(
        &self,
        viewer: &SessionUser,
        month_start: Date,
    ) -> Result<Vec<CreditorPortfolio>, StoreError> {
        let visible = creditor_filter_on(viewer, "c.id");
        let (kept, broken) = (PromiseStatus::Kept.code(), PromiseStatus::Broken.code());
        let sql = format!(
            "SELECT c.code, c.name, c.policy, \
               (SELECT CAST(COUNT(*) AS BIGINT) FROM accounts a WHERE a.creditor_id = c.id), \
               (SELECT CAST(COALESCE(SUM(e.principal_minor + e.interest_minor + e.fees_minor), 0) AS BIGINT) \
                  FROM ledger_entries e JOIN accounts a ON a.id = e.account_id WHERE a.creditor_id = c.id), \
               (SELECT CAST(COALESCE(SUM(p.amount_minor), 0) AS BIGINT) FROM payments p \
                  WHERE p.creditor_id = c.id AND p.paid_on >= $1 AND p.returned_on IS NULL), \
               (SELECT CAST(COUNT(*) AS BIGINT) FROM promises p JOIN accounts a ON a.id = p.account_id \
                  WHERE a.creditor_id = c.id AND p.status = '{kept}'), \
               (SELECT CAST(COUNT(*) AS BIGINT) FROM promises p JOIN accounts a ON a.id = p.account_id \
                  WHERE a.creditor_id = c.id AND p.status = '{broken}'), \
               (SELECT CAST(COUNT(*) AS BIGINT) FROM approvals p JOIN accounts a ON a.id = p.account_id \
                  WHERE a.creditor_id = c.id AND p.status = 'pending') \
             FROM creditors c WHERE 1 = 1{visible} ORDER BY c.code"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(month_start.to_string())
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                let policy: String = row.try_get(2)?;
                let policy = domain::creditor::CreditorPolicy::from_text(&policy)
                    .map_err(|error| StoreError::Corrupt(error.to_string()))?;
                Ok(CreditorPortfolio {
                    code: row.try_get(0)?,
                    name: row.try_get(1)?,
                    currency: policy.currency.code().to_string(),
                    accounts: row.try_get(3)?,
                    balance_minor: row.try_get(4)?,
                    collected_this_month_minor: row.try_get(5)?,
                    promises_kept: row.try_get(6)?,
                    promises_broken: row.try_get(7)?,
                    approvals_waiting: row.try_get(8)?,
                })
            })
            .collect()
    }
}
