//! Letters: stored template versions, the documents generated for accounts, and the
//! print queue a vendor's batch is exported from.
//!
//! A letter is sent in one transaction: its compliance decision, the contact attempt
//! (`letter`, outcome `sent`) the timeline shows, the `documents` row (SHA-256 of the
//! file the caller stored, its text kept to be read later), the print-queue row and, for
//! a validation notice, the send instant on the account — or none of it.

use crate::audit::AuditEvent;
use crate::decisions::{self, NewDecision};
use crate::{Actor, Store, StoreError};
use jiff::Timestamp;
use jiff::civil::Date;
use serde_json::json;
use sqlx::Row;

/// A template version as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredTemplate {
    pub name: String,
    pub lang: String,
    pub version: i64,
    pub subject: String,
    pub body: String,
    pub created_by: String,
    pub created_at: Timestamp,
}

/// A saved version of a template with why it was saved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TemplateVersion {
    pub version: i64,
    pub subject: String,
    pub body: String,
    pub created_by: String,
    pub created_at: Timestamp,
    /// The reason the author gave (the audit event's).
    pub reason: String,
}

/// A letter to record as sent.
#[derive(Clone, Debug)]
pub struct SentLetter<'a> {
    pub account_id: i64,
    pub at: Timestamp,
    /// The decision that allowed it (refused: nothing is written).
    pub decision: &'a NewDecision,
    pub template: &'a str,
    pub lang: &'a str,
    pub template_version: i64,
    pub sha256: &'a str,
    pub size_bytes: i64,
    /// The letter's text, as the reader reads it.
    pub content: &'a str,
    /// The business day it is queued for printing.
    pub queued_on: Date,
    pub recipient: &'a str,
    pub address_lines: &'a [String],
    /// Record the send instant as the account's validation notice (the first one sent
    /// stays: the validation period runs from it).
    pub validation_notice: bool,
    /// The strategy's treatment step this letter is (`strategy_actions.id`): marked
    /// sent in the same transaction, and nothing is recorded when it is no longer
    /// pending (`StoreError::Conflict`), so a step never sends two letters.
    pub treatment_step: Option<i64>,
}

/// A queued letter for the print vendor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueuedLetter {
    pub queue_id: i64,
    pub document_id: i64,
    pub sha256: String,
    pub template: String,
    pub creditor: String,
    pub account_ref: String,
    pub recipient: String,
    pub address_lines: Vec<String>,
}

/// A document generated for an account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocumentRow {
    pub id: i64,
    pub sha256: String,
    pub template: Option<String>,
    pub lang: Option<String>,
    pub content: String,
    pub created_at: Timestamp,
}

fn instant(us: i64) -> Result<Timestamp, StoreError> {
    Timestamp::from_microsecond(us).map_err(|_| StoreError::Corrupt(format!("instant {us}")))
}

impl Store {
    /// The latest saved version of a template in a language, if any was saved.
    pub async fn latest_template(
        &self,
        name: &str,
        lang: &str,
    ) -> Result<Option<StoredTemplate>, StoreError> {
        let row = sqlx::query(
            "SELECT name, lang, version, subject, body, created_by, created_at_us FROM letter_templates \
             WHERE name = $1 AND lang = $2 ORDER BY version DESC LIMIT 1",
        )
        .bind(name)
        .bind(lang)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok(StoredTemplate {
                name: row.try_get(0)?,
                lang: row.try_get(1)?,
                version: row.try_get(2)?,
                subject: row.try_get(3)?,
                body: row.try_get(4)?,
                created_by: row.try_get(5)?,
                created_at: instant(row.try_get(6)?)?,
            })
        })
        .transpose()
    }

    /// Every saved version of a template in a language, newest first, each with the
    /// reason its author gave (the audit event's).
    pub async fn template_versions(
        &self,
        name: &str,
        lang: &str,
    ) -> Result<Vec<TemplateVersion>, StoreError> {
        let rows = sqlx::query(
            "SELECT t.version, t.subject, t.body, t.created_by, t.created_at_us, e.reason \
             FROM letter_templates t JOIN audit_events e ON e.seq = t.audit_seq \
             WHERE t.name = $1 AND t.lang = $2 ORDER BY t.version DESC",
        )
        .bind(name)
        .bind(lang)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|row| {
                Ok(TemplateVersion {
                    version: row.try_get(0)?,
                    subject: row.try_get(1)?,
                    body: row.try_get(2)?,
                    created_by: row.try_get(3)?,
                    created_at: instant(row.try_get(4)?)?,
                    reason: row.try_get(5)?,
                })
            })
            .collect()
    }

    /// The latest saved version of every template and language that has one: (name,
    /// lang, version, saved by, saved at).
    pub async fn latest_template_versions(
        &self,
    ) -> Result<Vec<(String, String, i64, String, Timestamp)>, StoreError> {
        let rows = sqlx::query(
            "SELECT t.name, t.lang, t.version, t.created_by, t.created_at_us FROM letter_templates t \
             WHERE t.version = (SELECT MAX(l.version) FROM letter_templates l WHERE l.name = t.name AND l.lang = t.lang) \
             ORDER BY t.name, t.lang",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|row| {
                Ok((
                    row.try_get(0)?,
                    row.try_get(1)?,
                    row.try_get(2)?,
                    row.try_get(3)?,
                    instant(row.try_get(4)?)?,
                ))
            })
            .collect()
    }

    /// Saves a new version of a template (the caller checked that it renders); its
    /// number, one past the latest (the built-in text is version 0).
    #[allow(clippy::too_many_arguments)]
    pub async fn save_template(
        &self,
        actor: &Actor,
        name: &str,
        lang: &str,
        subject: &str,
        body: &str,
        at: Timestamp,
        why: &str,
    ) -> Result<i64, StoreError> {
        let mut tx = self.write().await?;
        let version: i64 = sqlx::query(
            "SELECT CAST(COALESCE(MAX(version), 0) + 1 AS BIGINT) FROM letter_templates WHERE name = $1 AND lang = $2",
        )
        .bind(name)
        .bind(lang)
        .fetch_one(tx.conn())
        .await?
        .try_get(0)?;
        let id = tx.next_id("letter_templates").await?;
        let seq = tx
            .audit(AuditEvent {
                actor: &actor.name,
                action: "template.saved",
                entity: "letter_template",
                entity_key: &format!("{name}/{lang}"),
                before: Some(json!({ "version": version - 1 })),
                after: Some(json!({ "version": version, "subject": subject, "body": body })),
                reason: why,
            })
            .await?;
        sqlx::query(
            "INSERT INTO letter_templates (id, name, lang, version, subject, body, created_by, created_at_us, audit_seq) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(id)
        .bind(name)
        .bind(lang)
        .bind(version)
        .bind(subject)
        .bind(body)
        .bind(&actor.name)
        .bind(at.as_microsecond())
        .bind(seq)
        .execute(tx.conn())
        .await?;
        tx.commit().await?;
        Ok(version)
    }

    /// Records a sent letter (see the module): the decision, the attempt, the document,
    /// the print-queue row and the validation notice's instant, in one transaction.
    /// Returns the document's id.
    pub async fn record_letter(
        &self,
        actor: &Actor,
        letter: &SentLetter<'_>,
    ) -> Result<i64, StoreError> {
        if letter.decision.account_id != letter.account_id
            || !letter.decision.allowed
            || letter.decision.action != "letter"
        {
            return Err(StoreError::Invalid(
                "a letter is sent only with the compliance decision that allowed it".into(),
            ));
        }
        let seal = self.key().seal_key();
        let mut tx = self.write().await?;
        let decision_id = decisions::append(
            &mut tx,
            &seal,
            actor,
            &format!("{} letter", letter.template),
            std::slice::from_ref(letter.decision),
        )
        .await?;
        let key: String = sqlx::query(
            "SELECT c.code || '/' || a.account_ref FROM accounts a JOIN creditors c ON c.id = a.creditor_id WHERE a.id = $1",
        )
        .bind(letter.account_id)
        .fetch_one(tx.conn())
        .await?
        .try_get(0)?;
        let attempt_id = tx.next_id("contact_attempts").await?;
        let document_id = tx.next_id("documents").await?;
        let queue_id = tx.next_id("print_queue").await?;
        let mut after = json!({
                    "template": letter.template,
                    "lang": letter.lang,
                    "template_version": letter.template_version,
                    "document": document_id,
                    "sha256": letter.sha256,
                    "attempt": attempt_id,
                    "decision": decision_id,
                    "queued_on": letter.queued_on.to_string(),
                    "validation_notice": letter.validation_notice,
        });
        if let Some(step_id) = letter.treatment_step {
            after["treatment_step"] = json!(step_id);
        }
        let seq = tx
            .audit(AuditEvent {
                actor: &actor.name,
                action: "letter.sent",
                entity: "account",
                entity_key: &key,
                before: None,
                after: Some(after),
                reason: "letter sent",
            })
            .await?;
        if let Some(step_id) = letter.treatment_step {
            let outcome = format!("document {document_id}");
            let end = crate::treatment::StepEnd {
                status: crate::treatment::StepStatus::Sent,
                outcome: &outcome,
                retry_at: None,
                tried: true,
            };
            if !crate::treatment::end_step_in(&mut tx, step_id, &end).await? {
                tx.rollback().await?;
                return Err(StoreError::Conflict(format!(
                    "treatment step {step_id} is no longer pending: its letter is not sent again"
                )));
            }
        }
        let at = letter.at.as_microsecond();
        sqlx::query(
            "INSERT INTO contact_attempts (id, account_id, user_id, at_us, action, contact_point, direction, recipient, outcome, disposition, note, decision_id, audit_seq, under_consent) \
             VALUES ($1, $2, NULL, $3, 'letter', NULL, 'outbound', 'consumer', 'sent', 'sent', $4, $5, $6, 0)",
        )
        .bind(attempt_id)
        .bind(letter.account_id)
        .bind(at)
        .bind(format!("{} ({})", letter.template, letter.lang))
        .bind(decision_id)
        .bind(seq)
        .execute(tx.conn())
        .await?;
        sqlx::query(
            "INSERT INTO documents (id, account_id, sha256, media_type, size_bytes, template, lang, template_version, content, attempt_id, created_at_us, audit_seq) \
             VALUES ($1, $2, $3, 'application/pdf', $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(document_id)
        .bind(letter.account_id)
        .bind(letter.sha256)
        .bind(letter.size_bytes)
        .bind(letter.template)
        .bind(letter.lang)
        .bind(letter.template_version)
        .bind(letter.content)
        .bind(attempt_id)
        .bind(at)
        .bind(seq)
        .execute(tx.conn())
        .await?;
        sqlx::query(
            "INSERT INTO print_queue (id, document_id, queued_on, recipient, address_lines, exported_at_us, export_audit_seq) \
             VALUES ($1, $2, $3, $4, $5, NULL, NULL)",
        )
        .bind(queue_id)
        .bind(document_id)
        .bind(letter.queued_on.to_string())
        .bind(letter.recipient)
        .bind(letter.address_lines.join("\n"))
        .execute(tx.conn())
        .await?;
        if letter.validation_notice {
            sqlx::query(
                "UPDATE accounts SET validation_notice_sent_at_us = $1, version = version + 1 \
                 WHERE id = $2 AND validation_notice_sent_at_us IS NULL",
            )
            .bind(at)
            .bind(letter.account_id)
            .execute(tx.conn())
            .await?;
        }
        sqlx::query(
            "UPDATE accounts SET last_worked_at_us = $1 WHERE id = $2 AND last_worked_at_us < $1",
        )
        .bind(at)
        .bind(letter.account_id)
        .execute(tx.conn())
        .await?;
        tx.commit().await?;
        Ok(document_id)
    }

    /// The documents generated for an account, newest first.
    pub async fn account_documents(&self, account_id: i64) -> Result<Vec<DocumentRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, sha256, template, lang, content, created_at_us FROM documents WHERE account_id = $1 ORDER BY created_at_us DESC, id DESC",
        )
        .bind(account_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(DocumentRow {
                    id: row.try_get(0)?,
                    sha256: row.try_get(1)?,
                    template: row.try_get(2)?,
                    lang: row.try_get(3)?,
                    content: row.try_get(4)?,
                    created_at: instant(row.try_get(5)?)?,
                })
            })
            .collect()
    }

    /// The letters queued on `day` and not exported yet, in queue order.
    pub async fn queued_letters(&self, day: Date) -> Result<Vec<QueuedLetter>, StoreError> {
        let sql = format!(
            "{QUEUED_LETTER_COLUMNS} WHERE q.queued_on = $1 AND q.exported_at_us IS NULL ORDER BY q.id"
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(day.to_string())
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(queued_letter)
            .collect()
    }

    /// Opens the print batch of `day` (audited), or finds the one a run left open.
    /// A batch left open (its ZIP not confirmed written) is handed out again with the
    /// same letters, so the run that follows a crash produces the same batch; else the
    /// letters queued on `day` that are in no batch become a new one. `None`: nothing to
    /// export. The letters are in queue order.
    pub async fn open_print_batch(
        &self,
        actor: &Actor,
        day: Date,
        at: Timestamp,
    ) -> Result<Option<OpenBatch>, StoreError> {
        let mut tx = self.write().await?;
        let open = sqlx::query(
            "SELECT id FROM print_batches WHERE queued_on = $1 AND completed_at_us IS NULL ORDER BY id LIMIT 1",
        )
        .bind(day.to_string())
        .fetch_optional(tx.conn())
        .await?;
        if let Some(row) = open {
            let id: i64 = row.try_get(0)?;
            let letters = batch_letters(tx.conn(), id).await?;
            tx.rollback().await?;
            return Ok(Some(OpenBatch {
                id,
                day,
                letters,
                resumed: true,
            }));
        }
        let waiting: i64 = sqlx::query(
            "SELECT COUNT(*) FROM print_queue WHERE queued_on = $1 AND exported_at_us IS NULL AND batch_id IS NULL",
        )
        .bind(day.to_string())
        .fetch_one(tx.conn())
        .await?
        .try_get(0)?;
        if waiting == 0 {
            tx.rollback().await?;
            return Ok(None);
        }
        let id = tx.next_id("print_batches").await?;
        let seq = tx
            .audit(AuditEvent {
                actor: &actor.name,
                action: "letters.batch_opened",
                entity: "print_batch",
                entity_key: &day.to_string(),
                before: None,
                after: Some(json!({ "batch": id, "letters": waiting })),
                reason: "print batch opened: its letters are set aside for it",
            })
            .await?;
        sqlx::query(
            "INSERT INTO print_batches (id, queued_on, letters, opened_at_us, completed_at_us, sha256, audit_seq) \
             VALUES ($1, $2, $3, $4, NULL, NULL, $5)",
        )
        .bind(id)
        .bind(day.to_string())
        .bind(waiting)
        .bind(at.as_microsecond())
        .bind(seq)
        .execute(tx.conn())
        .await?;
        let taken = sqlx::query(
            "UPDATE print_queue SET batch_id = $1 WHERE queued_on = $2 AND exported_at_us IS NULL AND batch_id IS NULL",
        )
        .bind(id)
        .bind(day.to_string())
        .execute(tx.conn())
        .await?
        .rows_affected();
        if i64::try_from(taken).ok() != Some(waiting) {
            return Err(StoreError::Conflict(format!(
                "the letters queued on {day} changed while batch {id} was opened"
            )));
        }
        let letters = batch_letters(tx.conn(), id).await?;
        tx.commit().await?;
        Ok(Some(OpenBatch {
            id,
            day,
            letters,
            resumed: false,
        }))
    }

    /// Completes an open batch once its ZIP is in place (audited): its letters are
    /// exported. A batch completed already is refused, so no letter goes to the vendor
    /// twice.
    pub async fn complete_print_batch(
        &self,
        actor: &Actor,
        batch: &OpenBatch,
        batch_sha256: &str,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        let seq = tx
            .audit(AuditEvent {
                actor: &actor.name,
                action: "letters.exported",
                entity: "print_batch",
                entity_key: &batch.day.to_string(),
                before: None,
                after: Some(json!({
                    "batch": batch.id,
                    "letters": batch.letters.len(),
                    "sha256": batch_sha256,
                })),
                reason: "print batch exported",
            })
            .await?;
        let done = sqlx::query(
            "UPDATE print_batches SET completed_at_us = $1, sha256 = $2 WHERE id = $3 AND completed_at_us IS NULL",
        )
        .bind(at.as_microsecond())
        .bind(batch_sha256)
        .bind(batch.id)
        .execute(tx.conn())
        .await?
        .rows_affected();
        if done != 1 {
            return Err(StoreError::Conflict(format!(
                "print batch {} was completed already",
                batch.id
            )));
        }
        let exported = sqlx::query(
            "UPDATE print_queue SET exported_at_us = $1, export_audit_seq = $2 WHERE batch_id = $3 AND exported_at_us IS NULL",
        )
        .bind(at.as_microsecond())
        .bind(seq)
        .bind(batch.id)
        .execute(tx.conn())
        .await?
        .rows_affected();
        if usize::try_from(exported).ok() != Some(batch.letters.len()) {
            return Err(StoreError::Conflict(format!(
                "print batch {}: {exported} of its {} letters were still to export",
                batch.id,
                batch.letters.len()
            )));
        }
        tx.commit().await?;
        Ok(())
    }

    /// The print batches of `day`, oldest first: (id, letters, completed).
    pub async fn print_batches(&self, day: Date) -> Result<Vec<(i64, i64, bool)>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, letters, completed_at_us FROM print_batches WHERE queued_on = $1 ORDER BY id",
        )
        .bind(day.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok((
                    row.try_get(0)?,
                    row.try_get(1)?,
                    row.try_get::<Option<i64>, _>(2)?.is_some(),
                ))
            })
            .collect()
    }
}

/// A print batch opened (or left open by an earlier run) and its letters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenBatch {
    pub id: i64,
    pub day: Date,
    pub letters: Vec<QueuedLetter>,
    /// An earlier run opened it and did not complete it.
    pub resumed: bool,
}

const QUEUED_LETTER_COLUMNS: &str = "SELECT q.id, d.id, d.sha256, d.template, c.code, a.account_ref, q.recipient, q.address_lines \
     FROM print_queue q JOIN documents d ON d.id = q.document_id JOIN accounts a ON a.id = d.account_id \
     JOIN creditors c ON c.id = a.creditor_id";

fn queued_letter(row: &sqlx::any::AnyRow) -> Result<QueuedLetter, StoreError> {
    let lines: String = row.try_get(7)?;
    Ok(QueuedLetter {
        queue_id: row.try_get(0)?,
        document_id: row.try_get(1)?,
        sha256: row.try_get(2)?,
        template: row.try_get::<Option<String>, _>(3)?.unwrap_or_default(),
        creditor: row.try_get(4)?,
        account_ref: row.try_get(5)?,
        recipient: row.try_get(6)?,
        address_lines: lines.lines().map(str::to_string).collect(),
    })
}

async fn batch_letters(
    conn: &mut sqlx::AnyConnection,
    batch_id: i64,
) -> Result<Vec<QueuedLetter>, StoreError> {
    let sql = format!("{QUEUED_LETTER_COLUMNS} WHERE q.batch_id = $1 ORDER BY q.id");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(batch_id)
        .fetch_all(conn)
        .await?
        .iter()
        .map(queued_letter)
        .collect()
}

/// A returned letter, as the return file names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MailReturn {
    pub document_id: i64,
    pub returned_on: Date,
    pub reason: String,
}

impl Store {
    /// The letter with this SHA-256: (document id, account id), if one was sent.
    pub async fn letter_by_sha256(&self, sha256: &str) -> Result<Option<(i64, i64)>, StoreError> {
        let row = sqlx::query(
            "SELECT id, account_id FROM documents WHERE sha256 = $1 AND attempt_id IS NOT NULL ORDER BY id LIMIT 1",
        )
        .bind(sha256)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| Ok((row.try_get(0)?, row.try_get(1)?)))
            .transpose()
    }

    /// Records returned mail in one transaction: each letter not recorded before is
    /// marked returned, its debtor's address incomplete (the locate list: nothing more
    /// is mailed there), and `at` becomes the account's undeliverable notice. Letters
    /// already recorded change nothing; with nothing new, nothing is written. How many
    /// were new.
    pub async fn record_mail_returns(
        &self,
        actor: &Actor,
        file: &str,
        returns: &[MailReturn],
        at: Timestamp,
    ) -> Result<usize, StoreError> {
        let mut tx = self.write().await?;
        let mut new = Vec::new();
        for item in returns {
            let known = sqlx::query("SELECT id FROM mail_returns WHERE document_id = $1")
                .bind(item.document_id)
                .fetch_optional(tx.conn())
                .await?;
            if known.is_none()
                && !new
                    .iter()
                    .any(|n: &&MailReturn| n.document_id == item.document_id)
            {
                new.push(item);
            }
        }
        if new.is_empty() {
            return Ok(0);
        }
        let seq = tx
            .audit(AuditEvent {
                actor: &actor.name,
                action: "letters.returned",
                entity: "mail_returns",
                entity_key: file,
                before: None,
                after: Some(json!({
                    "documents": new.iter().map(|n| n.document_id).collect::<Vec<_>>(),
                })),
                reason: "returned mail: addresses undeliverable",
            })
            .await?;
        for item in &new {
            let id = tx.next_id("mail_returns").await?;
            sqlx::query(
                "INSERT INTO mail_returns (id, document_id, account_id, returned_on, reason, recorded_at_us, audit_seq) \
                 SELECT $1, d.id, d.account_id, $2, $3, $4, $5 FROM documents d WHERE d.id = $6",
            )
            .bind(id)
            .bind(item.returned_on.to_string())
            .bind(&item.reason)
            .bind(at.as_microsecond())
            .bind(seq)
            .bind(item.document_id)
            .execute(tx.conn())
            .await?;
            sqlx::query(
                "UPDATE debtors SET address_incomplete = 1 WHERE id = \
                 (SELECT a.debtor_id FROM documents d JOIN accounts a ON a.id = d.account_id WHERE d.id = $1)",
            )
            .bind(item.document_id)
            .execute(tx.conn())
            .await?;
        }
        tx.commit().await?;
        Ok(new.len())
    }

    /// The account's undeliverable notice: when returned mail was last recorded.
    pub async fn undeliverable_notice_at(
        &self,
        account_id: i64,
    ) -> Result<Option<Timestamp>, StoreError> {
        let us: Option<i64> =
            sqlx::query("SELECT MAX(recorded_at_us) FROM mail_returns WHERE account_id = $1")
                .bind(account_id)
                .fetch_one(&self.pool)
                .await?
                .try_get(0)?;
        us.map(instant).transpose()
    }
}

/// A dispute on an account, for its statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DisputeLine {
    pub placed_at: Timestamp,
    pub released_at: Option<Timestamp>,
    pub detail: String,
    /// verified, corrected, upheld, withdrawn; none while open.
    pub outcome: Option<String>,
}

impl Store {
    /// Every dispute the account had, oldest first, with its resolution.
    pub async fn account_disputes(&self, account_id: i64) -> Result<Vec<DisputeLine>, StoreError> {
        let rows = sqlx::query(
            "SELECT h.placed_at_us, h.released_at_us, h.detail, r.outcome FROM account_holds h \
             LEFT JOIN dispute_resolutions r ON r.hold_id = h.id \
             WHERE h.account_id = $1 AND h.kind = 'dispute' ORDER BY h.id",
        )
        .bind(account_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(DisputeLine {
                    placed_at: instant(row.try_get(0)?)?,
                    released_at: row.try_get::<Option<i64>, _>(1)?.map(instant).transpose()?,
                    detail: row.try_get(2)?,
                    outcome: row.try_get(3)?,
                })
            })
            .collect()
    }
}
