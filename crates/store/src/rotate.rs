//! Key rotation: every sensitive field re-encrypted and everything the key seals
//! re-sealed under a new key, in one transaction.
//!
//! **Invariants:** a log that does not verify is not rotated (re-sealing it would cover
//! the tampering up); after the rotation the database verifies with the new key before
//! the transaction commits, else nothing changes; the rotation is itself an audit event,
//! sealed with the new key. What the key touches: the encrypted identity fields and their
//! blind index (`debtors`), the audit chain, the ledger's row hashes, the compliance
//! decision log's chain (and the hashes its audit events name), the row seals and the
//! head, and the key's check value in `settings`.

use crate::audit::{self, AuditEvent};
use crate::{Actor, PiiKey, Store, StoreError};
use serde_json::json;
use sqlx::{AnyConnection, Row};

/// What a rotation re-encrypted and re-sealed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Rotation {
    /// Encrypted identity values (dates of birth, SSN last 4) re-encrypted.
    pub sensitive_values: u64,
    pub events: u64,
    pub ledger_entries: u64,
    pub decisions: u64,
    pub sealed_rows: u64,
}

/// Debtors re-encrypted per statement round.
const PAGE_ROWS: i64 = 1_000;

impl Store {
    /// Re-encrypts every sensitive field and re-seals everything under `new_key`, in one
    /// transaction, refusing when the audit log does not verify first. The store keeps
    /// the old key: reopen the database with the new one.
    pub async fn rotate_key(
        &self,
        actor: &Actor,
        new_key: &PiiKey,
    ) -> Result<Rotation, StoreError> {
        if new_key.same_as(self.key()) {
            return Err(StoreError::Invalid(
                "the new key is the key in use: nothing to rotate".into(),
            ));
        }
        let old_seal = self.key().seal_key();
        let mut tx = self.write().await?;
        let checked = audit::verify_on(tx.conn(), &old_seal).await?;
        if let Some(broken) = checked.broken {
            tx.rollback().await?;
            return Err(StoreError::Corrupt(format!(
                "audit verify fails, so the key is not rotated (re-sealing would cover the tampering up): {broken}"
            )));
        }
        let sensitive_values = reencrypt(tx.conn(), self.key(), new_key).await?;
        let seal = new_key.seal_key();
        let named = crate::decisions::hashes_named_by_events(tx.conn()).await?;
        let renamed = crate::decisions::rechain(tx.conn(), &seal, &named).await?;
        let head_hash = audit::rechain_events(tx.conn(), &seal, |action, after| {
            rename_decision_hash(action, after, &renamed)
        })
        .await?;
        audit::reseal_ledger(tx.conn(), &seal).await?;
        let mut digests = crate::seal::reseal_rows(tx.conn(), &seal).await?;
        for (table, column) in [
            ("ledger_entries", "row_hash"),
            ("compliance_decisions", "hash"),
        ] {
            let digest = crate::seal::hash_digest(tx.conn(), table, column).await?;
            digests.set(table, digest);
        }
        sqlx::query("UPDATE settings SET value = $1 WHERE key = $2")
            .bind(new_key.check_value())
            .bind(crate::PII_KEY_CHECK_SETTING)
            .execute(tx.conn())
            .await?;
        tx.resealed(seal.clone(), head_hash, digests);
        let rotation = Rotation {
            sensitive_values,
            events: checked.events,
            ledger_entries: checked.ledger_entries,
            decisions: checked.decisions,
            sealed_rows: checked.sealed_rows,
        };
        tx.audit(AuditEvent {
            actor: &actor.name,
            action: "audit.rotate_key",
            entity: "audit",
            entity_key: "key",
            before: None,
            after: Some(json!({
                "sensitive_values": rotation.sensitive_values,
                "events": rotation.events,
                "ledger_entries": rotation.ledger_entries,
                "decisions": rotation.decisions,
                "sealed_rows": rotation.sealed_rows,
            })),
            reason: "sensitive fields re-encrypted and the audit log re-sealed under a new key",
        })
        .await?;
        tx.store_head().await?;
        let after = audit::verify_on(tx.conn(), &seal).await?;
        if let Some(broken) = after.broken {
            tx.rollback().await?;
            return Err(StoreError::Corrupt(format!(
                "re-sealed under the new key, the audit log would not verify ({broken}); nothing was changed"
            )));
        }
        tx.commit().await?;
        Ok(rotation)
    }
}

/// A `compliance.decisions` event names the last hash of its batch; the batch was
/// re-chained, so the event names the new hash.
fn rename_decision_hash(
    action: &str,
    after: Option<String>,
    renamed: &std::collections::HashMap<String, String>,
) -> Option<String> {
    let after = after?;
    if action != "compliance.decisions" {
        return Some(after);
    }
    let named = serde_json::from_str::<serde_json::Value>(&after)
        .ok()
        .and_then(|value| value["last_hash"].as_str().map(str::to_string));
    match named.and_then(|old| Some((renamed.get(&old)?, old))) {
        Some((new, old)) => Some(after.replace(
            &format!("\"last_hash\":\"{old}\""),
            &format!("\"last_hash\":\"{new}\""),
        )),
        None => Some(after),
    }
}

/// Decrypts each encrypted identity value with `old` and encrypts it with `new`, with a
/// new blind index: how many values.
async fn reencrypt(
    connection: &mut AnyConnection,
    old: &PiiKey,
    new: &PiiKey,
) -> Result<u64, StoreError> {
    let mut values = 0u64;
    let mut after_id = 0i64;
    loop {
        let rows = sqlx::query(
            "SELECT id, date_of_birth_enc, ssn_last4_enc FROM debtors WHERE id > $1 ORDER BY id LIMIT $2",
        )
        .bind(after_id)
        .bind(PAGE_ROWS)
        .fetch_all(&mut *connection)
        .await?;
        for row in &rows {
            let id: i64 = row.try_get(0)?;
            after_id = id;
            let (birth, ssn): (Option<String>, Option<String>) = (row.try_get(1)?, row.try_get(2)?);
            if birth.is_none() && ssn.is_none() {
                continue;
            }
            let again = |sealed: Option<String>| -> Result<Option<(String, String)>, StoreError> {
                sealed
                    .map(|sealed| {
                        let plain = old.decrypt(&sealed).map_err(|_| {
                            StoreError::Corrupt(format!(
                                "debtors {id}: an encrypted value does not decrypt with the key in use; the key is not rotated"
                            ))
                        })?;
                        Ok((new.encrypt(&plain), plain))
                    })
                    .transpose()
            };
            let birth = again(birth)?;
            let ssn = again(ssn)?;
            values += u64::from(birth.is_some()) + u64::from(ssn.is_some());
            let index = ssn
                .as_ref()
                .map(|(_, last4)| new.blind_index("ssn_last4", last4));
            sqlx::query(
                "UPDATE debtors SET date_of_birth_enc = $1, ssn_last4_enc = $2, ssn_last4_index = $3 WHERE id = $4",
            )
            .bind(birth.map(|(sealed, _)| sealed))
            .bind(ssn.map(|(sealed, _)| sealed))
            .bind(index)
            .bind(id)
            .execute(&mut *connection)
            .await?;
        }
        if (rows.len() as i64) < PAGE_ROWS {
            return Ok(values);
        }
    }
}
