//! The supervisors' team view and assignment.

use super::*;

/// One agent's day, for the team dashboard.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AgentDay {
    pub username: String,
    pub accounts_worked: i64,
    pub attempts: i64,
    pub right_party_contacts: i64,
    pub promises: i64,
}

/// An open dispute, for the dispute queue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenDispute {
    pub creditor: String,
    pub account_ref: String,
    pub debtor_name: String,
    pub placed_at: Timestamp,
    pub detail: String,
}

/// Dispositions that mean the agent spoke with the debtor, as an SQL list of the codes
/// (from the domain's vocabulary, never copied here).
fn right_party_codes() -> String {
    use domain::contact::{Disposition, Reached};
    let codes: Vec<String> = Disposition::ALL
        .iter()
        .filter(|disposition| disposition.reached() == Reached::Conversation)
        .map(|disposition| format!("'{}'", disposition.code()))
        .collect();
    codes.join(", ")
}

impl Store {
    /// Per agent who shares a creditor with `viewer` (every agent for managers and
    /// admins), what they did in [from, until).
    pub async fn team_day(
        &self,
        viewer: &SessionUser,
        from: Timestamp,
        until: Timestamp,
    ) -> Result<Vec<AgentDay>, StoreError> {
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
        let right_party = right_party_codes();
        let sql = format!(
            "SELECT u.username, \
               (SELECT CAST(COUNT(DISTINCT t.account_id) AS BIGINT) FROM contact_attempts t WHERE t.user_id = u.id AND t.at_us >= $1 AND t.at_us < $2), \
               (SELECT CAST(COUNT(*) AS BIGINT) FROM contact_attempts t WHERE t.user_id = u.id AND t.at_us >= $1 AND t.at_us < $2), \
               (SELECT CAST(COUNT(*) AS BIGINT) FROM contact_attempts t WHERE t.user_id = u.id AND t.at_us >= $1 AND t.at_us < $2 AND t.disposition IN ({right_party})), \
               (SELECT CAST(COUNT(*) AS BIGINT) FROM promises p WHERE p.user_id = u.id AND p.created_at_us >= $1 AND p.created_at_us < $2) \
             FROM users u WHERE u.role = 'agent' AND u.disabled = 0{team} ORDER BY u.username"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(from.as_microsecond())
            .bind(until.as_microsecond())
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                Ok(AgentDay {
                    username: row.try_get(0)?,
                    accounts_worked: row.try_get(1)?,
                    attempts: row.try_get(2)?,
                    right_party_contacts: row.try_get(3)?,
                    promises: row.try_get(4)?,
                })
            })
            .collect()
    }

    /// Open disputes on the viewer's creditors' accounts, oldest first.
    pub async fn open_disputes(
        &self,
        viewer: &SessionUser,
    ) -> Result<Vec<OpenDispute>, StoreError> {
        let filter = creditor_filter(viewer);
        let sql = format!(
            "SELECT c.code, a.account_ref, d.first_name, d.last_name, h.placed_at_us, h.detail FROM account_holds h \
             JOIN accounts a ON a.id = h.account_id JOIN creditors c ON c.id = a.creditor_id JOIN debtors d ON d.id = a.debtor_id \
             WHERE h.kind = 'dispute' AND h.released_at_us IS NULL{filter} ORDER BY h.placed_at_us, h.id LIMIT 500"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                let first: String = row.try_get(2)?;
                let last: String = row.try_get(3)?;
                Ok(OpenDispute {
                    creditor: row.try_get(0)?,
                    account_ref: row.try_get(1)?,
                    debtor_name: format!("{first} {last}"),
                    placed_at: instant(row.try_get(4)?)?,
                    detail: row.try_get(5)?,
                })
            })
            .collect()
    }

    /// Gives an account to one agent (`None`: back to every agent of its creditor).
    pub async fn assign_account(
        &self,
        viewer: &SessionUser,
        creditor: &str,
        account_ref: &str,
        agent: Option<&str>,
    ) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        let row = sqlx::query(
            "SELECT a.id, a.creditor_id, a.assigned_user_id FROM accounts a JOIN creditors c ON c.id = a.creditor_id WHERE c.code = $1 AND a.account_ref = $2",
        )
        .bind(creditor)
        .bind(account_ref)
        .fetch_optional(tx.conn())
        .await?;
        let not_found = || {
            StoreError::NotFound(format!(
                "no account {account_ref:?} for creditor {creditor:?}"
            ))
        };
        let row = row.ok_or_else(not_found)?;
        let (account_id, creditor_id): (i64, i64) = (row.try_get(0)?, row.try_get(1)?);
        if !viewer.may_see_creditor(creditor_id) {
            return Err(not_found());
        }
        let agent_id: Option<i64> = match agent {
            None => None,
            Some(name) => {
                let row = sqlx::query(
                    "SELECT u.id FROM users u WHERE u.username = $1 AND u.role = 'agent' AND u.disabled = 0 \
                     AND EXISTS (SELECT 1 FROM user_creditors uc WHERE uc.user_id = u.id AND uc.creditor_id = $2)",
                )
                .bind(name)
                .bind(creditor_id)
                .fetch_optional(tx.conn())
                .await?
                .ok_or_else(|| {
                    StoreError::Invalid(format!("{name:?} is not an agent working {creditor}"))
                })?;
                Some(row.try_get(0)?)
            }
        };
        tx.audit(AuditEvent {
            actor: &viewer.username,
            action: "account.assign",
            entity: "account",
            entity_key: &format!("{creditor}/{account_ref}"),
            before: Some(json!({"assigned_user_id": row.try_get::<Option<i64>, _>(2)?})),
            after: Some(json!({"agent": agent})),
            reason: "reassigned by a supervisor",
        })
        .await?;
        sqlx::query(
            "UPDATE accounts SET assigned_user_id = $1, version = version + 1 WHERE id = $2",
        )
        .bind(agent_id)
        .bind(account_id)
        .execute(tx.conn())
        .await?;
        // A lock held by someone else ends with the reassignment.
        sqlx::query("DELETE FROM account_locks WHERE account_id = $1 AND user_id <> $2")
            .bind(account_id)
            .bind(agent_id.unwrap_or(0))
            .execute(tx.conn())
            .await?;
        sqlx::query(
            "DELETE FROM debtor_locks WHERE debtor_id = (SELECT debtor_id FROM accounts WHERE id = $1) AND user_id <> $2",
        )
        .bind(account_id)
        .bind(agent_id.unwrap_or(0))
        .execute(tx.conn())
        .await?;
        tx.commit().await
    }

    /// Moves every account assigned to agent `from` (of the viewer's creditors) to `to`.
    pub async fn reassign_queue(
        &self,
        viewer: &SessionUser,
        from: &str,
        to: &str,
    ) -> Result<u64, StoreError> {
        let mut tx = self.write().await?;
        let mut ids = Vec::new();
        for name in [from, to] {
            let row = sqlx::query("SELECT id FROM users WHERE username = $1 AND role = 'agent'")
                .bind(name)
                .fetch_optional(tx.conn())
                .await?
                .ok_or_else(|| StoreError::Invalid(format!("{name:?} is not an agent")))?;
            ids.push(row.try_get::<i64, _>(0)?);
        }
        let filter = creditor_filter(viewer);
        let sql = format!(
            "UPDATE accounts SET assigned_user_id = $1, version = version + 1 WHERE id IN (SELECT a.id FROM accounts a WHERE a.assigned_user_id = $2{filter})"
        );
        let moved = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(ids[1])
            .bind(ids[0])
            .execute(tx.conn())
            .await?
            .rows_affected();
        tx.audit(AuditEvent {
            actor: &viewer.username,
            action: "queue.reassign",
            entity: "user",
            entity_key: from,
            before: Some(json!({"agent": from})),
            after: Some(json!({"agent": to, "accounts": moved})),
            reason: "queue reassigned by a supervisor",
        })
        .await?;
        tx.commit().await?;
        Ok(moved)
    }
}
