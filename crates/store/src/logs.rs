//! The auditor's reading of the audit log and the compliance decision log: filtered,
//! newest first, a page at a time. Reads only; the filters' values are bound, never
//! written into the SQL.

use crate::{Store, StoreError};
use jiff::Timestamp;
use sqlx::Row;

/// Most rows one page (or one export) returns.
pub const LOG_PAGE_MAX: i64 = 10_000;

/// Which audit events to list: every filter is optional; the range is [from, until).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub from: Option<Timestamp>,
    pub until: Option<Timestamp>,
    /// The actor exactly as recorded (`user:ana`, `cli:…`).
    pub actor: Option<String>,
    /// The action exactly (`account.attempt`) or a prefix ending in a dot (`user.`).
    pub action: Option<String>,
    /// The entity kind (`account`, `user`, `creditor`, …).
    pub entity: Option<String>,
}

/// Which compliance decisions to list; the range is on the instant decided about.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DecisionFilter {
    pub from: Option<Timestamp>,
    pub until: Option<Timestamp>,
    /// The account's reference exactly (any creditor).
    pub account_ref: Option<String>,
    /// A rule id among the violated ones (`us.call_frequency`).
    pub rule: Option<String>,
    /// Allowed (`true`) or denied (`false`).
    pub allowed: Option<bool>,
    /// The contract's action code: `call`, `sms`, `email`, `letter`, …
    pub channel: Option<String>,
}

/// A decision as the auditor's log shows it: no request or answer bodies (they carry the
/// consumer's contact points and address).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecisionRow {
    pub id: i64,
    pub decided_at: Timestamp,
    pub creditor: String,
    pub account_ref: String,
    pub actor: String,
    pub channel: String,
    pub allowed: bool,
    pub rules: Vec<String>,
}

/// Appends `condition` with the next numbered placeholder, remembering its value.
fn push(conditions: &mut Vec<String>, values: &mut Vec<Value>, condition: &str, value: Value) {
    values.push(value);
    conditions.push(condition.replace('?', &format!("${}", values.len())));
}

enum Value {
    Int(i64),
    Text(String),
}

fn bind_all<'q>(
    mut query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    values: Vec<Value>,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    for value in values {
        query = match value {
            Value::Int(number) => query.bind(number),
            Value::Text(text) => query.bind(text),
        };
    }
    query
}

fn instant(us: i64) -> Result<Timestamp, StoreError> {
    Timestamp::from_microsecond(us).map_err(|error| StoreError::Corrupt(error.to_string()))
}

impl Store {
    /// Audit events matching `filter`, newest first, `limit` from `offset`.
    pub async fn audit_events(
        &self,
        filter: &AuditFilter,
        offset: i64,
        limit: i64,
    ) -> Result<Vec<crate::audit::AuditEntry>, StoreError> {
        let (mut conditions, mut values) = (vec!["1 = 1".to_string()], Vec::new());
        if let Some(from) = filter.from {
            let value = Value::Int(from.as_microsecond());
            push(&mut conditions, &mut values, "recorded_at_us >= ?", value);
        }
        if let Some(until) = filter.until {
            let value = Value::Int(until.as_microsecond());
            push(&mut conditions, &mut values, "recorded_at_us < ?", value);
        }
        if let Some(actor) = &filter.actor {
            let value = Value::Text(actor.clone());
            push(&mut conditions, &mut values, "actor = ?", value);
        }
        if let Some(action) = &filter.action {
            if action.ends_with('.') {
                let value = Value::Text(action.clone());
                let condition = format!("SUBSTR(action, 1, {}) = ?", action.len());
                push(&mut conditions, &mut values, &condition, value);
            } else {
                let value = Value::Text(action.clone());
                push(&mut conditions, &mut values, "action = ?", value);
            }
        }
        if let Some(entity) = &filter.entity {
            let value = Value::Text(entity.clone());
            push(&mut conditions, &mut values, "entity = ?", value);
        }
        let sql = format!(
            "SELECT seq, recorded_at_us, actor, action, entity, entity_key, before_json, after_json, reason \
             FROM audit_events WHERE {} ORDER BY seq DESC LIMIT {} OFFSET {}",
            conditions.join(" AND "),
            limit.clamp(1, LOG_PAGE_MAX),
            offset.max(0)
        );
        let rows = bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), values)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                Ok(crate::audit::AuditEntry {
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
            .collect()
    }

    /// Compliance decisions matching `filter`, newest first, `limit` from `offset`.
    pub async fn decision_rows(
        &self,
        filter: &DecisionFilter,
        offset: i64,
        limit: i64,
    ) -> Result<Vec<DecisionRow>, StoreError> {
        let (mut conditions, mut values) = (vec!["1 = 1".to_string()], Vec::new());
        if let Some(from) = filter.from {
            let value = Value::Int(from.as_microsecond());
            push(&mut conditions, &mut values, "d.decided_at_us >= ?", value);
        }
        if let Some(until) = filter.until {
            let value = Value::Int(until.as_microsecond());
            push(&mut conditions, &mut values, "d.decided_at_us < ?", value);
        }
        if let Some(account_ref) = &filter.account_ref {
            let value = Value::Text(account_ref.clone());
            push(&mut conditions, &mut values, "a.account_ref = ?", value);
        }
        if let Some(rule) = &filter.rule {
            // Rules are stored comma-separated: match a whole id.
            let value = Value::Text(format!("%,{rule},%"));
            push(
                &mut conditions,
                &mut values,
                "(',' || d.rules || ',') LIKE ?",
                value,
            );
        }
        if let Some(allowed) = filter.allowed {
            let value = Value::Text(if allowed { "allow" } else { "deny" }.into());
            push(&mut conditions, &mut values, "d.decision = ?", value);
        }
        if let Some(channel) = &filter.channel {
            let value = Value::Text(channel.clone());
            push(&mut conditions, &mut values, "d.action = ?", value);
        }
        let sql = format!(
            "SELECT d.id, d.decided_at_us, c.code, a.account_ref, d.actor, d.action, d.decision, d.rules \
             FROM compliance_decisions d JOIN accounts a ON a.id = d.account_id JOIN creditors c ON c.id = a.creditor_id \
             WHERE {} ORDER BY d.id DESC LIMIT {} OFFSET {}",
            conditions.join(" AND "),
            limit.clamp(1, LOG_PAGE_MAX),
            offset.max(0)
        );
        let rows = bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), values)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                let rules: String = row.try_get(7)?;
                Ok(DecisionRow {
                    id: row.try_get(0)?,
                    decided_at: instant(row.try_get(1)?)?,
                    creditor: row.try_get(2)?,
                    account_ref: row.try_get(3)?,
                    actor: row.try_get(4)?,
                    channel: row.try_get(5)?,
                    allowed: row.try_get::<String, _>(6)? == "allow",
                    rules: rules
                        .split(',')
                        .filter(|rule| !rule.is_empty())
                        .map(str::to_string)
                        .collect(),
                })
            })
            .collect()
    }
}
