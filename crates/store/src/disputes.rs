//! Disputes and their resolution by a supervisor. A dispute is an account's `dispute`
//! hold (placed when an agent logs one: `workspace::log_dispute`); resolving it records
//! the outcome and moves the hold with it, in one audited transaction:
//!
//! | outcome   | what it means                              | the hold | the account            |
//! |-----------|--------------------------------------------|----------|------------------------|
//! | verified  | verification sent to the consumer          | released | unchanged: collection may resume |
//! | corrected | the records were corrected (an adjustment) | released | unchanged              |
//! | upheld    | the consumer was right                     | stays    | recalled to the creditor (when its status allows), what ran on it cancelled |
//! | withdrawn | the consumer withdrew the dispute          | released | unchanged              |
//!
//! An upheld dispute's hold stays so nothing collects on the account again, and the
//! recall takes its balance off the agency's books (`arrangements::recall_in`). Each
//! resolution is a `dispute_resolutions` row (a dispute is open while its hold is in
//! force without one) and a `dispute.resolved` audit event (the account's timeline).

use crate::accounts::{bump_version, end_hold};
use crate::arrangements::{balance, recall_in};
use crate::audit::AuditEvent;
use crate::sessions::SessionUser;
use crate::{Store, StoreError};
use domain::account::{HoldKind, Status};
use serde_json::json;
use sqlx::Row;

/// How a supervisor resolved a dispute.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Verified,
    Corrected,
    Upheld,
    Withdrawn,
}

impl Outcome {
    pub const ALL: &'static [Outcome] = &[
        Outcome::Verified,
        Outcome::Corrected,
        Outcome::Upheld,
        Outcome::Withdrawn,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Outcome::Verified => "verified",
            Outcome::Corrected => "corrected",
            Outcome::Upheld => "upheld",
            Outcome::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(code: &str) -> Option<Outcome> {
        Outcome::ALL
            .iter()
            .copied()
            .find(|outcome| outcome.code() == code)
    }

    /// Whether the dispute hold is released (all but an upheld dispute).
    pub fn lifts_hold(self) -> bool {
        self != Outcome::Upheld
    }
}

/// An open dispute as the supervisors' page lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenDispute {
    pub creditor: String,
    pub account_ref: String,
    pub debtor_name: String,
    pub detail: String,
    pub placed_at_us: i64,
    pub validation_notice_sent_at_us: Option<i64>,
    pub account_status: String,
}

/// Most disputes a page lists.
pub const DISPUTES_MAX: usize = 500;

impl Store {
    /// The open disputes of the user's creditors, oldest first.
    pub async fn disputes(&self, user: &SessionUser) -> Result<Vec<OpenDispute>, StoreError> {
        let rows = sqlx::query(
            "SELECT c.code, a.account_ref, d.first_name, d.last_name, h.detail, h.placed_at_us, a.validation_notice_sent_at_us, a.status, a.creditor_id \
             FROM account_holds h JOIN accounts a ON a.id = h.account_id JOIN creditors c ON c.id = a.creditor_id JOIN debtors d ON d.id = a.debtor_id \
             WHERE h.kind = $1 AND h.released_at_us IS NULL \
             AND NOT EXISTS (SELECT 1 FROM dispute_resolutions r WHERE r.hold_id = h.id) ORDER BY h.placed_at_us, h.id",
        )
        .bind(HoldKind::Dispute.code())
        .fetch_all(&self.pool)
        .await?;
        let mut disputes = Vec::new();
        for row in rows {
            if !user.may_see_creditor(row.try_get(8)?) {
                continue;
            }
            let first: String = row.try_get(2)?;
            let last: String = row.try_get(3)?;
            disputes.push(OpenDispute {
                creditor: row.try_get(0)?,
                account_ref: row.try_get(1)?,
                debtor_name: format!("{first} {last}"),
                detail: row.try_get(4)?,
                placed_at_us: row.try_get(5)?,
                validation_notice_sent_at_us: row.try_get(6)?,
                account_status: row.try_get(7)?,
            });
            if disputes.len() == DISPUTES_MAX {
                break;
            }
        }
        Ok(disputes)
    }

    /// Resolves the account's open dispute with `outcome`, `note` saying why: the
    /// outcome is audited (`dispute.resolved`, who, when, why), the hold follows it, an
    /// upheld dispute recalls the account. Another creditor's account, or one without
    /// an open dispute, is `NotFound`.
    pub async fn resolve_dispute(
        &self,
        user: &SessionUser,
        creditor: &str,
        account_ref: &str,
        outcome: Outcome,
        note: &str,
    ) -> Result<(), StoreError> {
        let note = note.trim();
        if note.is_empty() || note.chars().count() > crate::accounts::REASON_LENGTH_MAX {
            return Err(StoreError::Invalid(format!(
                "a resolution says why, in 1 to {} characters",
                crate::accounts::REASON_LENGTH_MAX
            )));
        }
        let mut tx = self.write().await?;
        let row = sqlx::query(
            "SELECT a.id, a.status, a.creditor_id, h.detail, h.id FROM accounts a JOIN creditors c ON c.id = a.creditor_id \
             JOIN account_holds h ON h.account_id = a.id AND h.kind = $3 AND h.released_at_us IS NULL \
             WHERE c.code = $1 AND a.account_ref = $2 \
             AND NOT EXISTS (SELECT 1 FROM dispute_resolutions r WHERE r.hold_id = h.id)",
        )
        .bind(creditor)
        .bind(account_ref)
        .bind(HoldKind::Dispute.code())
        .fetch_optional(tx.conn())
        .await?;
        let gone = || StoreError::NotFound(format!("no open dispute on {creditor}/{account_ref}"));
        let row = row.ok_or_else(gone)?;
        if !user.may_see_creditor(row.try_get(2)?) {
            return Err(gone());
        }
        let account_id: i64 = row.try_get(0)?;
        let status: String = row.try_get(1)?;
        let status = Status::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("status {status:?}")))?;
        let detail: String = row.try_get(3)?;
        let hold_id: i64 = row.try_get(4)?;
        let recalls = outcome == Outcome::Upheld && status.can_become(Status::Recalled);
        let entity_key = format!("{creditor}/{account_ref}");
        let seq = tx
            .audit(AuditEvent {
                actor: &user.username,
                action: "dispute.resolved",
                entity: "account",
                entity_key: &entity_key,
                before: Some(json!({"hold": "dispute", "detail": detail, "status": status.code()})),
                after: Some(json!({
                    "outcome": outcome.code(),
                    "hold": if outcome.lifts_hold() { "released" } else { "kept" },
                    "status": if recalls { Status::Recalled.code() } else { status.code() },
                })),
                reason: &format!("{}: {note}", outcome.code()),
            })
            .await?;
        let id = tx.next_id("dispute_resolutions").await?;
        sqlx::query(
            "INSERT INTO dispute_resolutions (id, hold_id, account_id, outcome, note, resolved_by, resolved_at_us, audit_seq) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(id)
        .bind(hold_id)
        .bind(account_id)
        .bind(outcome.code())
        .bind(note)
        .bind(user.id)
        .bind(tx.now_us())
        .bind(seq)
        .execute(tx.conn())
        .await?;
        if outcome.lifts_hold() {
            end_hold(
                &mut tx,
                &user.username,
                &entity_key,
                account_ref,
                account_id,
                HoldKind::Dispute,
                &format!("dispute {}: {note}", outcome.code()),
            )
            .await?;
        }
        if recalls {
            let owed = balance(&mut tx, account_id).await?;
            recall_in(&mut tx, account_id, status, &owed, seq).await?;
        }
        bump_version(&mut tx, account_id).await?;
        tx.commit().await
    }
}
