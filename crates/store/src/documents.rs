//! An account's documents and a dispute's evidence.
//!
//! `documents` holds the letters Arrears generated (`kind` `letter`, written by
//! `letters::record_letter`) and the files people uploaded (`kind` `upload`): each by
//! the SHA-256 of its bytes, which the caller stored under the documents folder first.
//! The same bytes uploaded twice to one account are recorded once (the second upload
//! names the first document and writes nothing). A dispute is an account's `dispute`
//! hold; its evidence is `dispute_evidence` rows tying documents of the same account to
//! it. Every upload, attachment, detachment and evidence package leaving is an audit
//! event on the account.

use crate::audit::AuditEvent;
use crate::{Actor, Store, StoreError};
use domain::account::HoldKind;
use jiff::Timestamp;
use serde_json::json;
use sqlx::Row;

/// A document of an account, as the desk lists it and the portfolio packs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocumentInfo {
    pub id: i64,
    pub account_id: i64,
    /// `letter` or `upload`.
    pub kind: String,
    pub sha256: String,
    pub media_type: String,
    pub size_bytes: i64,
    /// The template (a letter) or the file name as uploaded.
    pub name: String,
    pub lang: Option<String>,
    pub note: Option<String>,
    /// Who uploaded it (none for a letter: Arrears wrote it).
    pub created_by: Option<String>,
    pub created_at: Timestamp,
    /// The dispute holds it is evidence for.
    pub evidence_for: Vec<i64>,
}

/// An upload to record (the bytes are already stored under their hash).
#[derive(Clone, Debug)]
pub struct NewUpload<'a> {
    pub account_id: i64,
    pub sha256: &'a str,
    pub media_type: &'a str,
    pub size_bytes: i64,
    pub file_name: &'a str,
    pub note: &'a str,
    pub at: Timestamp,
}

/// What recording an upload did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Recorded {
    /// A new document, its id.
    New(i64),
    /// The account already had these bytes: that document's id; nothing was written.
    Already(i64),
}

impl Recorded {
    pub fn id(self) -> i64 {
        match self {
            Recorded::New(id) | Recorded::Already(id) => id,
        }
    }
}

/// A dispute of an account with its evidence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DisputeRecord {
    pub hold_id: i64,
    pub placed_at: Timestamp,
    pub released_at: Option<Timestamp>,
    pub detail: String,
    /// verified, corrected, upheld, withdrawn; none while open.
    pub outcome: Option<String>,
    /// The documents attached, by id, in the order attached.
    pub evidence: Vec<i64>,
}

/// A document attached to an open dispute, for the supervisors' disputes page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenEvidence {
    pub creditor_id: i64,
    pub creditor: String,
    pub account_ref: String,
    pub document_id: i64,
    pub kind: String,
    pub name: String,
    pub size_bytes: i64,
}

fn instant(us: i64) -> Result<Timestamp, StoreError> {
    Timestamp::from_microsecond(us).map_err(|_| StoreError::Corrupt(format!("instant {us}")))
}

const DOCUMENT_COLUMNS: &str = "d.id, d.account_id, d.kind, d.sha256, d.media_type, d.size_bytes, \
     COALESCE(d.file_name, d.template, ''), d.lang, d.note, d.created_by, d.created_at_us";

fn document_of(row: &sqlx::any::AnyRow) -> Result<DocumentInfo, StoreError> {
    Ok(DocumentInfo {
        id: row.try_get(0)?,
        account_id: row.try_get(1)?,
        kind: row.try_get(2)?,
        sha256: row.try_get(3)?,
        media_type: row.try_get(4)?,
        size_bytes: row.try_get(5)?,
        name: row.try_get(6)?,
        lang: row.try_get(7)?,
        note: row.try_get(8)?,
        created_by: row.try_get(9)?,
        created_at: instant(row.try_get(10)?)?,
        evidence_for: Vec::new(),
    })
}

async fn account_key(
    conn: &mut sqlx::AnyConnection,
    account_id: i64,
) -> Result<String, StoreError> {
    let row = sqlx::query(
        "SELECT c.code || '/' || a.account_ref FROM accounts a JOIN creditors c ON c.id = a.creditor_id WHERE a.id = $1",
    )
    .bind(account_id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| StoreError::NotFound(format!("no account {account_id}")))?;
    Ok(row.try_get(0)?)
}

impl Store {
    /// Records an upload to an account (audited `document.uploaded`: who, when, the
    /// file's name, type, size and hash, the note as the reason). The same bytes already
    /// on the account change nothing.
    pub async fn record_upload(
        &self,
        actor: &Actor,
        upload: &NewUpload<'_>,
    ) -> Result<Recorded, StoreError> {
        let mut tx = self.write().await?;
        let known = sqlx::query(
            "SELECT id FROM documents WHERE account_id = $1 AND sha256 = $2 AND kind = 'upload' ORDER BY id LIMIT 1",
        )
        .bind(upload.account_id)
        .bind(upload.sha256)
        .fetch_optional(tx.conn())
        .await?;
        if let Some(row) = known {
            return Ok(Recorded::Already(row.try_get(0)?));
        }
        let key = account_key(tx.conn(), upload.account_id).await?;
        let id = tx.next_id("documents").await?;
        let reason = if upload.note.trim().is_empty() {
            "document uploaded".to_string()
        } else {
            upload.note.trim().to_string()
        };
        let seq = tx
            .audit(AuditEvent {
                actor: &actor.name,
                action: "document.uploaded",
                entity: "account",
                entity_key: &key,
                before: None,
                after: Some(json!({
                    "document": id,
                    "file_name": upload.file_name,
                    "media_type": upload.media_type,
                    "size_bytes": upload.size_bytes,
                    "sha256": upload.sha256,
                })),
                reason: &reason,
            })
            .await?;
        let note = upload.note.trim();
        sqlx::query(
            "INSERT INTO documents (id, account_id, sha256, media_type, size_bytes, template, lang, template_version, content, attempt_id, created_at_us, audit_seq, kind, file_name, note, created_by) \
             VALUES ($1, $2, $3, $4, $5, NULL, NULL, NULL, '', NULL, $6, $7, 'upload', $8, $9, $10)",
        )
        .bind(id)
        .bind(upload.account_id)
        .bind(upload.sha256)
        .bind(upload.media_type)
        .bind(upload.size_bytes)
        .bind(upload.at.as_microsecond())
        .bind(seq)
        .bind(upload.file_name)
        .bind(if note.is_empty() { None } else { Some(note) })
        .bind(&actor.name)
        .execute(tx.conn())
        .await?;
        tx.commit().await?;
        Ok(Recorded::New(id))
    }

    /// Every document of an account (letters and uploads), oldest first, each with the
    /// disputes it is evidence for.
    pub async fn documents_of(&self, account_id: i64) -> Result<Vec<DocumentInfo>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {DOCUMENT_COLUMNS} FROM documents d WHERE d.account_id = $1 ORDER BY d.created_at_us, d.id"
        )))
        .bind(account_id)
        .fetch_all(&self.pool)
        .await?;
        let mut documents = rows
            .iter()
            .map(document_of)
            .collect::<Result<Vec<_>, _>>()?;
        let links = sqlx::query(
            "SELECT e.document_id, e.hold_id FROM dispute_evidence e JOIN documents d ON d.id = e.document_id \
             WHERE d.account_id = $1 ORDER BY e.id",
        )
        .bind(account_id)
        .fetch_all(&self.pool)
        .await?;
        for link in links {
            let document_id: i64 = link.try_get(0)?;
            let hold_id: i64 = link.try_get(1)?;
            if let Some(document) = documents.iter_mut().find(|d| d.id == document_id) {
                document.evidence_for.push(hold_id);
            }
        }
        Ok(documents)
    }

    /// One document of an account, if it is that account's.
    pub async fn document_of(
        &self,
        account_id: i64,
        document_id: i64,
    ) -> Result<Option<DocumentInfo>, StoreError> {
        Ok(self
            .documents_of(account_id)
            .await?
            .into_iter()
            .find(|document| document.id == document_id))
    }

    /// Every dispute the account had, oldest first, with its resolution and evidence.
    pub async fn dispute_records(&self, account_id: i64) -> Result<Vec<DisputeRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT h.id, h.placed_at_us, h.released_at_us, h.detail, r.outcome FROM account_holds h \
             LEFT JOIN dispute_resolutions r ON r.hold_id = h.id \
             WHERE h.account_id = $1 AND h.kind = $2 ORDER BY h.id",
        )
        .bind(account_id)
        .bind(HoldKind::Dispute.code())
        .fetch_all(&self.pool)
        .await?;
        let mut records = rows
            .iter()
            .map(|row| {
                Ok(DisputeRecord {
                    hold_id: row.try_get(0)?,
                    placed_at: instant(row.try_get(1)?)?,
                    released_at: row.try_get::<Option<i64>, _>(2)?.map(instant).transpose()?,
                    detail: row.try_get(3)?,
                    outcome: row.try_get(4)?,
                    evidence: Vec::new(),
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        let links = sqlx::query(
            "SELECT e.hold_id, e.document_id FROM dispute_evidence e JOIN account_holds h ON h.id = e.hold_id \
             WHERE h.account_id = $1 ORDER BY e.id",
        )
        .bind(account_id)
        .fetch_all(&self.pool)
        .await?;
        for link in links {
            let hold_id: i64 = link.try_get(0)?;
            if let Some(record) = records.iter_mut().find(|r| r.hold_id == hold_id) {
                record.evidence.push(link.try_get(1)?);
            }
        }
        Ok(records)
    }

    /// Attaches a document of the account to one of its disputes as evidence (audited
    /// `evidence.attached`). A document or dispute of another account is `NotFound`;
    /// one already attached changes nothing (`false`).
    pub async fn attach_evidence(
        &self,
        actor: &Actor,
        account_id: i64,
        hold_id: i64,
        document_id: i64,
        at: Timestamp,
    ) -> Result<bool, StoreError> {
        let mut tx = self.write().await?;
        check_pair(tx.conn(), account_id, hold_id, document_id).await?;
        let known =
            sqlx::query("SELECT id FROM dispute_evidence WHERE hold_id = $1 AND document_id = $2")
                .bind(hold_id)
                .bind(document_id)
                .fetch_optional(tx.conn())
                .await?;
        if known.is_some() {
            return Ok(false);
        }
        let key = account_key(tx.conn(), account_id).await?;
        let id = tx.next_id("dispute_evidence").await?;
        let seq = tx
            .audit(AuditEvent {
                actor: &actor.name,
                action: "evidence.attached",
                entity: "account",
                entity_key: &key,
                before: None,
                after: Some(json!({ "dispute": hold_id, "document": document_id })),
                reason: "document attached to the dispute as evidence",
            })
            .await?;
        sqlx::query(
            "INSERT INTO dispute_evidence (id, hold_id, document_id, attached_by, attached_at_us, audit_seq) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(hold_id)
        .bind(document_id)
        .bind(&actor.name)
        .bind(at.as_microsecond())
        .bind(seq)
        .execute(tx.conn())
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Detaches a document from a dispute of the account (audited `evidence.detached`);
    /// one not attached changes nothing (`false`).
    pub async fn detach_evidence(
        &self,
        actor: &Actor,
        account_id: i64,
        hold_id: i64,
        document_id: i64,
    ) -> Result<bool, StoreError> {
        let mut tx = self.write().await?;
        check_pair(tx.conn(), account_id, hold_id, document_id).await?;
        let key = account_key(tx.conn(), account_id).await?;
        let known =
            sqlx::query("SELECT id FROM dispute_evidence WHERE hold_id = $1 AND document_id = $2")
                .bind(hold_id)
                .bind(document_id)
                .fetch_optional(tx.conn())
                .await?;
        let Some(row) = known else {
            return Ok(false);
        };
        let id: i64 = row.try_get(0)?;
        tx.audit(AuditEvent {
            actor: &actor.name,
            action: "evidence.detached",
            entity: "account",
            entity_key: &key,
            before: Some(json!({ "dispute": hold_id, "document": document_id })),
            after: None,
            reason: "document detached from the dispute",
        })
        .await?;
        sqlx::query("DELETE FROM dispute_evidence WHERE id = $1")
            .bind(id)
            .execute(tx.conn())
            .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// The documents attached to disputes still open, every creditor (the caller scopes).
    pub async fn open_dispute_evidence(&self) -> Result<Vec<OpenEvidence>, StoreError> {
        let rows = sqlx::query(
            "SELECT a.creditor_id, c.code, a.account_ref, d.id, d.kind, COALESCE(d.file_name, d.template, ''), d.size_bytes \
             FROM dispute_evidence e JOIN account_holds h ON h.id = e.hold_id JOIN documents d ON d.id = e.document_id \
             JOIN accounts a ON a.id = h.account_id JOIN creditors c ON c.id = a.creditor_id \
             WHERE h.released_at_us IS NULL AND NOT EXISTS (SELECT 1 FROM dispute_resolutions r WHERE r.hold_id = h.id) \
             ORDER BY e.id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(OpenEvidence {
                    creditor_id: row.try_get(0)?,
                    creditor: row.try_get(1)?,
                    account_ref: row.try_get(2)?,
                    document_id: row.try_get(3)?,
                    kind: row.try_get(4)?,
                    name: row.try_get(5)?,
                    size_bytes: row.try_get(6)?,
                })
            })
            .collect()
    }

    /// Records that an account's evidence package left (audited `portfolio.exported`:
    /// who, when, the package's SHA-256 and what it holds).
    pub async fn record_portfolio(
        &self,
        actor: &Actor,
        account_id: i64,
        sha256: &str,
        files: &[String],
        why: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        let key = account_key(tx.conn(), account_id).await?;
        tx.audit(AuditEvent {
            actor: &actor.name,
            action: "portfolio.exported",
            entity: "account",
            entity_key: &key,
            before: None,
            after: Some(json!({ "sha256": sha256, "files": files })),
            reason: why,
        })
        .await?;
        tx.commit().await
    }
}

/// The dispute and the document are both the account's, else `NotFound`.
async fn check_pair(
    conn: &mut sqlx::AnyConnection,
    account_id: i64,
    hold_id: i64,
    document_id: i64,
) -> Result<(), StoreError> {
    let hold =
        sqlx::query("SELECT id FROM account_holds WHERE id = $1 AND account_id = $2 AND kind = $3")
            .bind(hold_id)
            .bind(account_id)
            .bind(HoldKind::Dispute.code())
            .fetch_optional(&mut *conn)
            .await?;
    if hold.is_none() {
        return Err(StoreError::NotFound(format!(
            "no dispute {hold_id} on this account"
        )));
    }
    let document = sqlx::query("SELECT id FROM documents WHERE id = $1 AND account_id = $2")
        .bind(document_id)
        .bind(account_id)
        .fetch_optional(&mut *conn)
        .await?;
    if document.is_none() {
        return Err(StoreError::NotFound(format!(
            "no document {document_id} on this account"
        )));
    }
    Ok(())
}
