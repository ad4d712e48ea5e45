//! The compliance decision log: each decision the application asked the compliance
//! engine for, with the request as the engine saw it, the answer and the rule packs in
//! force, so an examiner can see why any contact was or wasn't made.
//!
//! **Invariants:** rows are only appended. Each row's `hash` seals its content and its
//! `prev_hash` (the previous row's `hash`; 64 zeros for the first), and every batch is
//! one audit event whose `after` names the batch's last hash, so `audit verify` notices
//! an edited, removed or inserted decision.

use crate::audit::{AuditEvent, GENESIS_HASH, WriteTx, chain_hash};
use crate::batch::{Batch, Value};
use crate::crypto::SealKey;
use crate::seal::Tally;
use crate::{Actor, Store, StoreError};
use jiff::Timestamp;
use serde_json::json;
use sqlx::{AnyConnection, Row};

/// Who asked: the dialer list, an agent's contact attempt, the command line, the API,
/// a treatment step of the collection strategy (its dispatcher).
pub const ASKED_BY: &[&str] = &["dialer", "agent", "cli", "api", "strategy"];

/// A decision to record. The caller serialises request and answer (contract JSON).
#[derive(Clone, Debug)]
pub struct NewDecision {
    pub account_id: i64,
    /// The instant the decision is about (the request's `now`).
    pub decided_at: Timestamp,
    pub asked_by: &'static str,
    /// The contract's action code (`call`, `sms`, …).
    pub action: String,
    /// The phone number, address or email the contact would use, if any.
    pub contact_point: Option<String>,
    pub allowed: bool,
    /// Violated rule ids.
    pub rules: Vec<String>,
    pub next_allowed_at: Option<Timestamp>,
    /// `id@version` of each pack consulted.
    pub packs: Vec<String>,
    pub request_json: String,
    pub answer_json: String,
}

/// A recorded decision, as `arrears compliance log` shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    pub id: i64,
    pub decided_at: Timestamp,
    pub recorded_at: Timestamp,
    pub actor: String,
    pub asked_by: String,
    pub action: String,
    pub contact_point: Option<String>,
    pub allowed: bool,
    pub rules: Vec<String>,
    pub next_allowed_at: Option<Timestamp>,
    pub packs: Vec<String>,
    pub request_json: String,
    pub answer_json: String,
}

const COLUMNS: &[&str] = &[
    "id",
    "account_id",
    "decided_at_us",
    "recorded_at_us",
    "actor",
    "asked_by",
    "action",
    "contact_point",
    "decision",
    "rules",
    "next_allowed_at_us",
    "packs",
    "request_json",
    "answer_json",
    "audit_seq",
    "prev_hash",
    "hash",
];

/// The fields a decision's hash seals, in column order.
struct Sealed<'a> {
    id: i64,
    account_id: i64,
    decided_at_us: i64,
    recorded_at_us: i64,
    actor: &'a str,
    asked_by: &'a str,
    action: &'a str,
    contact_point: Option<&'a str>,
    decision: &'a str,
    rules: &'a str,
    next_allowed_at_us: Option<i64>,
    packs: &'a str,
    request_json: &'a str,
    answer_json: &'a str,
    audit_seq: i64,
}

impl Sealed<'_> {
    fn hash(&self, seal: &SealKey, prev_hash: &str) -> String {
        let numbers = [
            self.id,
            self.account_id,
            self.decided_at_us,
            self.recorded_at_us,
            self.audit_seq,
        ]
        .map(|number| number.to_string());
        let next = self.next_allowed_at_us.map(|us| us.to_string());
        let mut fields: Vec<Option<&str>> =
            numbers.iter().map(|text| Some(text.as_str())).collect();
        fields.extend([
            Some(self.actor),
            Some(self.asked_by),
            Some(self.action),
            self.contact_point,
            Some(self.decision),
            Some(self.rules),
            next.as_deref(),
            Some(self.packs),
            Some(self.request_json),
            Some(self.answer_json),
        ]);
        chain_hash(seal, prev_hash, &fields)
    }
}

/// A decision's sealed columns, then `prev_hash` (15) and `hash` (16).
const DECISION_SELECT: &str = "SELECT id, account_id, decided_at_us, recorded_at_us, actor, asked_by, action, contact_point, decision, rules, next_allowed_at_us, packs, request_json, answer_json, audit_seq, prev_hash, hash FROM compliance_decisions";

/// A decision as [`DECISION_SELECT`] reads it.
struct StoredDecision {
    /// id, account_id, decided_at_us, recorded_at_us, audit_seq.
    numbers: [i64; 5],
    next_allowed_at_us: Option<i64>,
    contact_point: Option<String>,
    /// actor, asked_by, action, decision, rules, packs, request_json, answer_json.
    texts: [String; 8],
}

impl StoredDecision {
    fn read(row: &sqlx::any::AnyRow) -> Result<StoredDecision, StoreError> {
        Ok(StoredDecision {
            numbers: [
                row.try_get(0)?,
                row.try_get(1)?,
                row.try_get(2)?,
                row.try_get(3)?,
                row.try_get(14)?,
            ],
            next_allowed_at_us: row.try_get(10)?,
            contact_point: row.try_get(7)?,
            texts: [
                row.try_get(4)?,
                row.try_get(5)?,
                row.try_get(6)?,
                row.try_get(8)?,
                row.try_get(9)?,
                row.try_get(11)?,
                row.try_get(12)?,
                row.try_get(13)?,
            ],
        })
    }

    fn sealed(&self) -> Sealed<'_> {
        let [id, account_id, decided_at_us, recorded_at_us, audit_seq] = self.numbers;
        let [
            actor,
            asked_by,
            action,
            decision,
            rules,
            packs,
            request_json,
            answer_json,
        ] = &self.texts;
        Sealed {
            id,
            account_id,
            decided_at_us,
            recorded_at_us,
            actor,
            asked_by,
            action,
            contact_point: self.contact_point.as_deref(),
            decision,
            rules,
            next_allowed_at_us: self.next_allowed_at_us,
            packs,
            request_json,
            answer_json,
            audit_seq,
        }
    }
}

/// The log's next id and its last hash (64 zeros when empty), in one statement: the
/// last row's (under the audit lock, the next id is one more than the largest).
async fn log_end(connection: &mut AnyConnection) -> Result<(i64, String), StoreError> {
    let row = sqlx::query("SELECT id, hash FROM compliance_decisions ORDER BY id DESC LIMIT 1")
        .fetch_optional(connection)
        .await?;
    Ok(match row {
        Some(row) => {
            let last_id: i64 = row.try_get(0)?;
            let next_id = last_id
                .checked_add(1)
                .ok_or_else(|| StoreError::Corrupt(format!("decision id {last_id}")))?;
            (next_id, row.try_get(1)?)
        }
        None => (1, GENESIS_HASH.to_string()),
    })
}

impl Store {
    /// Appends `decisions` (one batch, one audit event with `why`). Nothing is written
    /// when the list is empty.
    pub async fn record_decisions(
        &self,
        actor: &Actor,
        why: &str,
        decisions: &[NewDecision],
    ) -> Result<(), StoreError> {
        if decisions.is_empty() {
            return Ok(());
        }
        if let Some(odd) = decisions
            .iter()
            .find(|decision| !ASKED_BY.contains(&decision.asked_by))
        {
            return Err(StoreError::Invalid(format!(
                "asked_by {:?} is not one of {ASKED_BY:?}",
                odd.asked_by
            )));
        }
        let seal = self.key().seal_key();
        let mut tx = self.write().await?;
        append(&mut tx, &seal, actor, why, decisions).await?;
        tx.commit().await
    }

    /// The decisions about one account, oldest first (at most `limit`, the latest).
    pub async fn decisions_for_account(
        &self,
        creditor: &str,
        account_ref: &str,
        limit: i64,
    ) -> Result<Vec<Decision>, StoreError> {
        let account = sqlx::query(
            "SELECT a.id FROM accounts a JOIN creditors c ON c.id = a.creditor_id WHERE c.code = $1 AND a.account_ref = $2",
        )
        .bind(creditor)
        .bind(account_ref)
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| {
            StoreError::NotFound(format!(
                "no account {account_ref:?} for creditor {creditor:?}"
            ))
        })?;
        let account_id: i64 = account.try_get(0)?;
        let rows = sqlx::query(
            "SELECT id, decided_at_us, recorded_at_us, actor, asked_by, action, contact_point, decision, rules, next_allowed_at_us, packs, request_json, answer_json \
             FROM compliance_decisions WHERE account_id = $1 ORDER BY decided_at_us DESC, id DESC LIMIT $2",
        )
        .bind(account_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        let instant = |us: i64| {
            Timestamp::from_microsecond(us)
                .map_err(|_| StoreError::Corrupt(format!("decision instant {us}")))
        };
        let list = |text: String| -> Vec<String> {
            text.split(',')
                .filter(|item| !item.is_empty())
                .map(str::to_string)
                .collect()
        };
        let mut decisions = rows
            .into_iter()
            .map(|row| {
                let next: Option<i64> = row.try_get(9)?;
                Ok(Decision {
                    id: row.try_get(0)?,
                    decided_at: instant(row.try_get(1)?)?,
                    recorded_at: instant(row.try_get(2)?)?,
                    actor: row.try_get(3)?,
                    asked_by: row.try_get(4)?,
                    action: row.try_get(5)?,
                    contact_point: row.try_get(6)?,
                    allowed: row.try_get::<String, _>(7)? == "allow",
                    rules: list(row.try_get(8)?),
                    next_allowed_at: next.map(instant).transpose()?,
                    packs: list(row.try_get(10)?),
                    request_json: row.try_get(11)?,
                    answer_json: row.try_get(12)?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        decisions.reverse();
        Ok(decisions)
    }
}

/// Appends `decisions` inside `tx` (one audit event with `why`); the first new id.
pub(crate) async fn append(
    tx: &mut WriteTx,
    seal: &SealKey,
    actor: &Actor,
    why: &str,
    decisions: &[NewDecision],
) -> Result<i64, StoreError> {
    let (first_id, mut prev_hash) = log_end(tx.conn()).await?;
    let audit_seq = tx.reserve_event().await?;
    let recorded_at_us = tx.now_us();
    let mut batch = Batch::new(tx.engine(), "compliance_decisions", COLUMNS, "");
    let mut id = first_id;
    for decision in decisions {
        let rules = decision.rules.join(",");
        let packs = decision.packs.join(",");
        let verdict = if decision.allowed { "allow" } else { "deny" };
        let sealed = Sealed {
            id,
            account_id: decision.account_id,
            decided_at_us: decision.decided_at.as_microsecond(),
            recorded_at_us,
            actor: &actor.name,
            asked_by: decision.asked_by,
            action: &decision.action,
            contact_point: decision.contact_point.as_deref(),
            decision: verdict,
            rules: &rules,
            next_allowed_at_us: decision.next_allowed_at.map(|at| at.as_microsecond()),
            packs: &packs,
            request_json: &decision.request_json,
            answer_json: &decision.answer_json,
            audit_seq,
        };
        let hash = sealed.hash(seal, &prev_hash);
        tx.sealed()
            .add("compliance_decisions", crate::seal::hash_sum(&hash));
        batch.push::<17>([
            Value::from(id),
            Value::from(decision.account_id),
            Value::from(sealed.decided_at_us),
            Value::from(recorded_at_us),
            Value::from(actor.name.as_str()),
            Value::from(decision.asked_by),
            Value::from(decision.action.as_str()),
            Value::from(decision.contact_point.clone()),
            Value::from(verdict),
            Value::from(rules.clone()),
            Value::from(sealed.next_allowed_at_us),
            Value::from(packs.clone()),
            Value::from(decision.request_json.as_str()),
            Value::from(decision.answer_json.as_str()),
            Value::from(audit_seq),
            Value::from(prev_hash.as_str()),
            Value::from(hash.as_str()),
        ]);
        if batch.is_full() {
            batch.flush(tx.conn()).await?;
        }
        prev_hash = hash;
        id += 1;
    }
    batch.flush(tx.conn()).await?;
    let last_id = id - 1;
    tx.fill_event(AuditEvent {
        actor: &actor.name,
        action: "compliance.decisions",
        entity: "compliance_decisions",
        entity_key: &format!("{first_id}..{last_id}"),
        before: None,
        after: Some(json!({
            "first_id": first_id,
            "last_id": last_id,
            "count": decisions.len(),
            "denied": decisions.iter().filter(|decision| !decision.allowed).count(),
            "last_hash": prev_hash,
        })),
        reason: why,
    })
    .await?;
    Ok(first_id)
}

/// Re-chains every decision under `seal` (a key rotation): for each hash in `named` (the
/// ones audit events record), its new hash.
pub(crate) async fn rechain(
    connection: &mut AnyConnection,
    seal: &SealKey,
    named: &std::collections::HashSet<String>,
) -> Result<std::collections::HashMap<String, String>, StoreError> {
    const PAGE_ROWS: i64 = 1_000;
    let mut renamed = std::collections::HashMap::new();
    let mut running = GENESIS_HASH.to_string();
    let mut after_id = 0i64;
    loop {
        let sql = format!("{DECISION_SELECT} WHERE id > $1 ORDER BY id LIMIT $2");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(after_id)
            .bind(PAGE_ROWS)
            .fetch_all(&mut *connection)
            .await?;
        for row in &rows {
            let read = StoredDecision::read(row)?;
            let sealed = read.sealed();
            let id = sealed.id;
            let old_hash: String = row.try_get(16)?;
            let hash = sealed.hash(seal, &running);
            sqlx::query("UPDATE compliance_decisions SET prev_hash = $1, hash = $2 WHERE id = $3")
                .bind(&running)
                .bind(&hash)
                .bind(id)
                .execute(&mut *connection)
                .await?;
            if named.contains(&old_hash) {
                renamed.insert(old_hash, hash.clone());
            }
            running = hash;
            after_id = id;
        }
        if (rows.len() as i64) < PAGE_ROWS {
            return Ok(renamed);
        }
    }
}

/// The last hash each `compliance.decisions` event names.
pub(crate) async fn hashes_named_by_events(
    connection: &mut AnyConnection,
) -> Result<std::collections::HashSet<String>, StoreError> {
    let rows =
        sqlx::query("SELECT after_json FROM audit_events WHERE action = 'compliance.decisions'")
            .fetch_all(&mut *connection)
            .await?;
    let mut named = std::collections::HashSet::new();
    for row in rows {
        let after: Option<String> = row.try_get(0)?;
        named.extend(
            after
                .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
                .and_then(|value| value["last_hash"].as_str().map(str::to_string)),
        );
    }
    Ok(named)
}

/// Recomputes every decision's hash and link; the last must be the one the latest
/// decisions audit event names. Returns what the decisions add up to (for the sealed
/// head's count) or the first problem.
pub(crate) async fn verify(
    connection: &mut AnyConnection,
    seal: &SealKey,
) -> Result<Result<Tally, String>, StoreError> {
    use futures_util::TryStreamExt;
    let mut running = GENESIS_HASH.to_string();
    let mut tally = Tally::new();
    let mut problem = None;
    {
        let sql = format!("{DECISION_SELECT} ORDER BY id");
        let mut rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch(&mut *connection);
        while let Some(row) = rows.try_next().await? {
            let read = StoredDecision::read(&row)?;
            let sealed = read.sealed();
            let id = sealed.id;
            let (prev_hash, hash): (String, String) = (row.try_get(15)?, row.try_get(16)?);
            if prev_hash != running {
                problem = Some(format!(
                    "compliance decision {id}: prev_hash does not match the decision before it (a decision was removed or inserted)"
                ));
                break;
            }
            if sealed.hash(seal, &prev_hash) != hash {
                problem = Some(format!(
                    "compliance decision {id}: content does not match its hash (the row was altered)"
                ));
                break;
            }
            tally.row(Some(id), crate::seal::hash_sum(&hash));
            running = hash;
        }
    }
    if let Some(problem) = problem {
        return Ok(Err(problem));
    }
    let event = sqlx::query(
        "SELECT after_json FROM audit_events WHERE action = 'compliance.decisions' ORDER BY seq DESC LIMIT 1",
    )
    .fetch_optional(&mut *connection)
    .await?;
    let recorded_last = match event {
        None => GENESIS_HASH.to_string(),
        Some(row) => {
            let after: Option<String> = row.try_get(0)?;
            after
                .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
                .and_then(|value| value["last_hash"].as_str().map(str::to_string))
                .unwrap_or_default()
        }
    };
    if recorded_last != running {
        return Ok(Err(
            "compliance decisions: the last decision is not the one the audit log recorded last (decisions were removed or added behind Arrears' back)".into(),
        ));
    }
    Ok(Ok(tally))
}
