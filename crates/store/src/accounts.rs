//! Changes to an account's lifecycle status and holds, each audited with its reason.

use crate::audit::{AuditEvent, WriteTx};
use crate::seal::{self, AccountRow, HoldRow};
use crate::sessions::SessionUser;
use crate::workspace::Seen;
use crate::{Actor, Store, StoreError};
use domain::account::{HoldKind, Status};
use serde_json::json;
use sqlx::Row;

/// Longest free-text reason or hold detail accepted.
pub const REASON_LENGTH_MAX: usize = 500;

fn check_text(what: &str, text: &str, required: bool) -> Result<(), StoreError> {
    if required && text.trim().is_empty() {
        return Err(StoreError::Invalid(format!("a {what} is required")));
    }
    if text.chars().count() > REASON_LENGTH_MAX {
        return Err(StoreError::Invalid(format!(
            "a {what} has at most {REASON_LENGTH_MAX} characters"
        )));
    }
    Ok(())
}

/// The account's id and status, or NotFound.
async fn locate(
    tx: &mut WriteTx,
    creditor: &str,
    account_ref: &str,
) -> Result<(i64, Status), StoreError> {
    let row = sqlx::query(
        "SELECT a.id, a.status FROM accounts a JOIN creditors c ON c.id = a.creditor_id WHERE c.code = $1 AND a.account_ref = $2",
    )
    .bind(creditor)
    .bind(account_ref)
    .fetch_optional(tx.conn())
    .await?
    .ok_or_else(|| StoreError::NotFound(format!("no account {account_ref:?} for creditor {creditor:?}")))?;
    let status: String = row.try_get(1)?;
    let status =
        Status::parse(&status).ok_or_else(|| StoreError::Corrupt(format!("status {status:?}")))?;
    Ok((row.try_get(0)?, status))
}

fn entity_key(creditor: &str, account_ref: &str) -> String {
    format!("{creditor}/{account_ref}")
}

impl Store {
    /// Moves an account to another lifecycle status if [`Status::can_become`] allows it.
    pub async fn change_status(
        &self,
        actor: &Actor,
        creditor: &str,
        account_ref: &str,
        to: Status,
        reason: &str,
    ) -> Result<Status, StoreError> {
        check_text("reason", reason, true)?;
        let mut tx = self.write().await?;
        let (account_id, from) = locate(&mut tx, creditor, account_ref).await?;
        if !from.can_become(to) {
            return Err(StoreError::Invalid(format!(
                "account {account_ref} is {from}; it cannot become {to}"
            )));
        }
        let seq = tx
            .audit(AuditEvent {
                actor: &actor.name,
                action: "account.status",
                entity: "account",
                entity_key: &entity_key(creditor, account_ref),
                before: Some(json!({"status": from.code()})),
                after: Some(json!({"status": to.code()})),
                reason,
            })
            .await?;
        set_status(&mut tx, account_id, from, to).await?;
        if to != Status::Active {
            crate::arrangements::cancel_running(&mut tx, account_id, seq).await?;
        }
        tx.commit().await?;
        Ok(from)
    }

    /// Places a hold; a hold of the same kind already in force is a conflict.
    pub async fn place_hold(
        &self,
        actor: &Actor,
        creditor: &str,
        account_ref: &str,
        kind: HoldKind,
        detail: &str,
        reason: &str,
    ) -> Result<(), StoreError> {
        check_text("reason", reason, true)?;
        check_text("detail", detail, false)?;
        let mut tx = self.write().await?;
        let (account_id, _) = locate(&mut tx, creditor, account_ref).await?;
        let key = entity_key(creditor, account_ref);
        insert_hold(&mut tx, &actor.name, &key, account_id, kind, detail, reason).await?;
        bump_version(&mut tx, account_id).await?;
        tx.commit().await
    }

    /// Places a hold from a form: the account must be one the user sees, at the version
    /// the form was rendered with (checked in the writing transaction).
    pub async fn place_hold_seen(
        &self,
        user: &SessionUser,
        seen: Seen<'_>,
        kind: HoldKind,
        detail: &str,
        reason: &str,
    ) -> Result<(), StoreError> {
        check_text("reason", reason, true)?;
        check_text("detail", detail, false)?;
        let mut tx = self.write().await?;
        let account_id = crate::workspace::touch(&mut tx, user, seen).await?;
        let key = entity_key(seen.creditor, seen.account_ref);
        insert_hold(
            &mut tx,
            &user.username,
            &key,
            account_id,
            kind,
            detail,
            reason,
        )
        .await?;
        tx.commit().await
    }

    pub async fn release_hold(
        &self,
        actor: &Actor,
        creditor: &str,
        account_ref: &str,
        kind: HoldKind,
        reason: &str,
    ) -> Result<(), StoreError> {
        check_text("reason", reason, true)?;
        let mut tx = self.write().await?;
        let (account_id, _) = locate(&mut tx, creditor, account_ref).await?;
        let key = entity_key(creditor, account_ref);
        end_hold(
            &mut tx,
            &actor.name,
            &key,
            account_ref,
            account_id,
            kind,
            reason,
        )
        .await?;
        bump_version(&mut tx, account_id).await?;
        tx.commit().await
    }

    /// Releases a hold from a form (see [`Store::place_hold_seen`]).
    pub async fn release_hold_seen(
        &self,
        user: &SessionUser,
        seen: Seen<'_>,
        kind: HoldKind,
        reason: &str,
    ) -> Result<(), StoreError> {
        check_text("reason", reason, true)?;
        let mut tx = self.write().await?;
        let account_id = crate::workspace::touch(&mut tx, user, seen).await?;
        let key = entity_key(seen.creditor, seen.account_ref);
        end_hold(
            &mut tx,
            &user.username,
            &key,
            seen.account_ref,
            account_id,
            kind,
            reason,
        )
        .await?;
        tx.commit().await
    }
}

async fn insert_hold(
    tx: &mut WriteTx,
    actor: &str,
    entity_key: &str,
    account_id: i64,
    kind: HoldKind,
    detail: &str,
    reason: &str,
) -> Result<(), StoreError> {
    if active_hold(tx, account_id, kind).await?.is_some() {
        return Err(StoreError::Conflict(format!(
            "the account already has a {kind} hold"
        )));
    }
    let id = tx.next_id("account_holds").await?;
    let seq = tx
        .audit(AuditEvent {
            actor,
            action: "account.hold.place",
            entity: "account",
            entity_key,
            before: None,
            after: Some(json!({"hold": kind.code(), "detail": detail})),
            reason,
        })
        .await?;
    let hold = HoldRow {
        id,
        account_id,
        kind: kind.code(),
        detail,
        placed_at_us: tx.now_us(),
        audit_seq: seq,
        released_at_us: None,
    };
    let sealed = seal::seal(tx.seal(), &hold);
    sqlx::query("INSERT INTO account_holds (id, account_id, kind, detail, placed_at_us, released_at_us, audit_seq, seal) VALUES ($1, $2, $3, $4, $5, NULL, $6, $7)")
        .bind(id)
        .bind(account_id)
        .bind(kind.code())
        .bind(detail)
        .bind(hold.placed_at_us)
        .bind(seq)
        .bind(&sealed.text)
        .execute(tx.conn())
        .await?;
    tx.sealed().add("account_holds", sealed.sum);
    Ok(())
}

pub(crate) async fn end_hold(
    tx: &mut WriteTx,
    actor: &str,
    entity_key: &str,
    account_ref: &str,
    account_id: i64,
    kind: HoldKind,
    reason: &str,
) -> Result<(), StoreError> {
    let (hold_id, detail) = active_hold(tx, account_id, kind)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("account {account_ref} has no {kind} hold")))?;
    tx.audit(AuditEvent {
        actor,
        action: "account.hold.release",
        entity: "account",
        entity_key,
        before: Some(json!({"hold": kind.code(), "detail": detail})),
        after: None,
        reason,
    })
    .await?;
    let row = sqlx::query(
        "SELECT account_id, kind, placed_at_us, audit_seq, released_at_us, seal FROM account_holds WHERE id = $1",
    )
    .bind(hold_id)
    .fetch_one(tx.conn())
    .await?;
    let stored_kind: String = row.try_get(1)?;
    let stored: Option<String> = row.try_get(5)?;
    let held = HoldRow {
        id: hold_id,
        account_id: row.try_get(0)?,
        kind: &stored_kind,
        detail: &detail,
        placed_at_us: row.try_get(2)?,
        audit_seq: row.try_get(3)?,
        released_at_us: row.try_get(4)?,
    };
    let old = seal::check_before_writing(tx.seal(), &held, stored.as_deref(), || {
        format!("account_holds {hold_id} (account_id {account_id}, {kind})")
    })?;
    let released = HoldRow {
        released_at_us: Some(tx.now_us()),
        ..held
    };
    let new = seal::seal(tx.seal(), &released);
    sqlx::query("UPDATE account_holds SET released_at_us = $1, seal = $2 WHERE id = $3")
        .bind(released.released_at_us)
        .bind(&new.text)
        .bind(hold_id)
        .execute(tx.conn())
        .await?;
    tx.sealed().replace("account_holds", old, new.sum);
    Ok(())
}

/// The account's stored status.
pub(crate) async fn status_of(tx: &mut WriteTx, account_id: i64) -> Result<Status, StoreError> {
    let status: String = sqlx::query("SELECT status FROM accounts WHERE id = $1")
        .bind(account_id)
        .fetch_one(tx.conn())
        .await?
        .try_get(0)?;
    Status::parse(&status).ok_or_else(|| StoreError::Corrupt(format!("status {status:?}")))
}

/// The only way an account's lifecycle status changes. `from` is the status the caller
/// read in this transaction; the move must be one [`Status::can_become`] allows, and it
/// is refused here, inside the writing transaction, when it is not. Moving to the same
/// status changes nothing.
pub(crate) async fn set_status(
    tx: &mut WriteTx,
    account_id: i64,
    from: Status,
    to: Status,
) -> Result<(), StoreError> {
    if from == to {
        return Ok(());
    }
    if !from.can_become(to) {
        return Err(StoreError::Invalid(format!(
            "the account is {from}; it cannot become {to}"
        )));
    }
    let row = sqlx::query(
        "SELECT creditor_id, account_ref, debtor_id, currency, status, seal FROM accounts WHERE id = $1",
    )
    .bind(account_id)
    .fetch_one(tx.conn())
    .await?;
    let (account_ref, currency): (String, String) = (row.try_get(1)?, row.try_get(3)?);
    let (status, stored): (String, Option<String>) = (row.try_get(4)?, row.try_get(5)?);
    // Writers are serialised by the audit lock: the status read in this transaction is
    // the stored one, or the caller passed a wrong `from`.
    assert_eq!(
        status,
        from.code(),
        "account {account_id} was not {from} when moved to {to}"
    );
    let before = AccountRow {
        id: account_id,
        creditor_id: row.try_get(0)?,
        account_ref: &account_ref,
        debtor_id: row.try_get(2)?,
        currency: &currency,
        status: from.code(),
    };
    let old = seal::check_before_writing(tx.seal(), &before, stored.as_deref(), || {
        format!("accounts {account_id} (account_ref {account_ref:?})")
    })?;
    let new = seal::seal(
        tx.seal(),
        &AccountRow {
            status: to.code(),
            ..before
        },
    );
    sqlx::query("UPDATE accounts SET status = $1, seal = $2, version = version + 1 WHERE id = $3")
        .bind(to.code())
        .bind(&new.text)
        .bind(account_id)
        .execute(tx.conn())
        .await?;
    tx.sealed().replace("accounts", old, new.sum);
    Ok(())
}

/// Forms rendered before this change are stale now.
pub(crate) async fn bump_version(tx: &mut WriteTx, account_id: i64) -> Result<(), StoreError> {
    sqlx::query("UPDATE accounts SET version = version + 1 WHERE id = $1")
        .bind(account_id)
        .execute(tx.conn())
        .await?;
    Ok(())
}

async fn active_hold(
    tx: &mut WriteTx,
    account_id: i64,
    kind: HoldKind,
) -> Result<Option<(i64, String)>, StoreError> {
    let row = sqlx::query("SELECT id, detail FROM account_holds WHERE account_id = $1 AND kind = $2 AND released_at_us IS NULL")
        .bind(account_id)
        .bind(kind.code())
        .fetch_optional(tx.conn())
        .await?;
    row.map(|row| Ok((row.try_get(0)?, row.try_get(1)?)))
        .transpose()
}
