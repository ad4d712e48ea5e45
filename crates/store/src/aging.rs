//! The nightly aging step: each account's days past due and bucket as of a business date,
//! with a row in `aging_moves` whenever the bucket changes.

use crate::audit::AuditEvent;
use crate::batch::Batch;
use crate::{Actor, Store, StoreError};
use domain::aging::days_past_due;
use domain::creditor::CreditorPolicy;
use futures_util::TryStreamExt;
use jiff::civil::Date;
use serde_json::json;
use sqlx::Row;
use std::collections::HashMap;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AgingOutcome {
    pub accounts_aged: u64,
    pub moves: u64,
}

const AGING_QUERY: &str = "SELECT a.id, a.creditor_id, a.delinquent_since, \
    (SELECT CAST(COALESCE(SUM(e.principal_minor + e.interest_minor + e.fees_minor), 0) AS BIGINT) FROM ledger_entries e WHERE e.account_id = a.id), \
    (SELECT m.bucket FROM aging_moves m WHERE m.account_id = a.id ORDER BY m.id DESC LIMIT 1) \
    FROM accounts a WHERE a.status = 'active' ORDER BY a.id";

impl Store {
    /// Ages every active account as of `as_of`; running it twice for one date changes
    /// nothing the second time.
    pub async fn age_accounts(
        &self,
        actor: &Actor,
        as_of: Date,
    ) -> Result<AgingOutcome, StoreError> {
        let mut tx = self.write().await?;
        let latest: Option<String> = sqlx::query_scalar("SELECT MAX(moved_on) FROM aging_moves")
            .fetch_one(tx.conn())
            .await?;
        if let Some(latest) = latest.filter(|latest| *latest > as_of.to_string()) {
            return Err(StoreError::Invalid(format!(
                "accounts are already aged to {latest}; aging as of the earlier {as_of} would record moves backwards"
            )));
        }
        let policies = policies(tx.conn()).await?;
        let mut moves: Vec<(i64, String, u32)> = Vec::new();
        let mut outcome = AgingOutcome::default();
        {
            let mut rows = sqlx::query(AGING_QUERY).fetch(tx.conn());
            while let Some(row) = rows.try_next().await? {
                let (account_id, creditor_id): (i64, i64) = (row.try_get(0)?, row.try_get(1)?);
                let delinquent_since: String = row.try_get(2)?;
                let delinquent_since: Date = delinquent_since.parse().map_err(|_| {
                    StoreError::Corrupt(format!("account {account_id}: bad delinquent_since"))
                })?;
                let balance_minor: i64 = row.try_get(3)?;
                let last_bucket: Option<String> = row.try_get(4)?;
                let policy = policies
                    .get(&creditor_id)
                    .ok_or_else(|| StoreError::Corrupt(format!("creditor {creditor_id}")))?;
                let days = days_past_due(delinquent_since, as_of, balance_minor > 0);
                let bucket = policy.aging.bucket_for(days).label();
                outcome.accounts_aged += 1;
                if last_bucket.as_deref() != Some(bucket.as_str()) {
                    moves.push((account_id, bucket, days));
                }
            }
        }
        if moves.is_empty() {
            tx.rollback().await?;
            return Ok(outcome);
        }
        let mut next_id = tx.next_id("aging_moves").await?;
        let mut batch = Batch::new(
            self.engine,
            "aging_moves",
            &[
                "id",
                "account_id",
                "bucket",
                "days_past_due",
                "moved_on",
                "recorded_at_us",
            ],
            "",
        );
        for (account_id, bucket, days) in moves {
            batch.push([
                next_id.into(),
                account_id.into(),
                bucket.into(),
                i64::from(days).into(),
                as_of.to_string().into(),
                tx.now_us().into(),
            ]);
            next_id += 1;
            outcome.moves += 1;
            if batch.is_full() {
                batch.flush(tx.conn()).await?;
            }
        }
        batch.flush(tx.conn()).await?;
        tx.audit(AuditEvent {
            actor: &actor.name,
            action: "batch.age",
            entity: "portfolio",
            entity_key: &as_of.to_string(),
            before: None,
            after: Some(json!({"as_of": as_of.to_string(), "accounts_aged": outcome.accounts_aged, "bucket_moves": outcome.moves})),
            reason: "aging run",
        })
        .await?;
        tx.commit().await?;
        Ok(outcome)
    }
}

async fn policies(
    connection: &mut sqlx::AnyConnection,
) -> Result<HashMap<i64, CreditorPolicy>, StoreError> {
    let rows = sqlx::query("SELECT id, policy FROM creditors")
        .fetch_all(connection)
        .await?;
    rows.iter()
        .map(|row| {
            let policy: String = row.try_get(1)?;
            let policy = CreditorPolicy::from_text(&policy)
                .map_err(|error| StoreError::Corrupt(error.to_string()))?;
            Ok((row.try_get(0)?, policy))
        })
        .collect()
}
