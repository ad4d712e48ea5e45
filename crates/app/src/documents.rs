//! An account's documents and its evidence package.
//!
//! **Uploads** (`begin_upload` → [`Upload::push`] chunk by chunk → [`Upload::finish`]):
//! the bytes stream into a temporary file under the documents folder while their SHA-256
//! and size are taken, so an upload is never held in memory and one over the limit
//! (`Settings::max_bytes`, `ARREARS_UPLOAD_MAX_BYTES`, 10 MiB by default) is refused at
//! the chunk that crosses it. The type is decided by the file's first bytes (PDF, PNG,
//! JPEG, TIFF: [`MediaType::sniff`]), never by its name or the type the client declared.
//! A refused upload leaves nothing behind (the temporary file is removed when the
//! `Upload` is dropped); an accepted one is renamed to its content address
//! (`ab/abcdef….pdf`, the letters' scheme) and recorded in one audited transaction; the
//! same bytes uploaded twice to one account are one document.
//!
//! **Evidence**: documents of an account attached to its disputes (audited both ways).
//!
//! **The portfolio** ([`App::portfolio_for`], `arrears account portfolio`): a ZIP of the
//! statement of account, every letter and uploaded document (the stored bytes, each
//! checked against its SHA-256 — a missing or altered file is an error, never a silent
//! gap), `contact_history.csv`, `compliance_decisions.csv`, `disputes.csv` and
//! `manifest.csv`; the same data give the same bytes, and each package leaving is audited.

use crate::export::spreadsheet_text;
use crate::letters::{Lang, LetterError};
use crate::{App, Error, require};
use domain::permission::Permission;
use jiff::Timestamp;
use jiff::tz::TimeZone;
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};
use store::Actor;
use store::documents::{DisputeRecord, DocumentInfo, NewUpload, Recorded};
use store::sessions::SessionUser;
use store::view::AccountView;

/// The default upload limit: 10 MiB.
pub const UPLOAD_MAX_BYTES_DEFAULT: u64 = 10 * 1024 * 1024;

/// Where documents live and how big an upload may be.
#[derive(Clone, Debug)]
pub struct Settings {
    /// `ARREARS_DOCUMENTS_DIR` (default: `documents/` beside the SQLite file); none: the
    /// server was started without one, and uploads and downloads say so.
    pub dir: Option<PathBuf>,
    /// `ARREARS_UPLOAD_MAX_BYTES`.
    pub max_bytes: u64,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            dir: None,
            max_bytes: UPLOAD_MAX_BYTES_DEFAULT,
        }
    }
}

/// The types an upload may be, detected from its first bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MediaType {
    Pdf,
    Png,
    Jpeg,
    Tiff,
}

impl MediaType {
    /// The type of a file from its first bytes (at least 8 are looked at), if allowed.
    pub fn sniff(head: &[u8]) -> Option<MediaType> {
        if head.starts_with(b"%PDF-") {
            Some(MediaType::Pdf)
        } else if head.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(MediaType::Png)
        } else if head.starts_with(b"\xFF\xD8\xFF") {
            Some(MediaType::Jpeg)
        } else if head.starts_with(b"II*\0") || head.starts_with(b"MM\0*") {
            Some(MediaType::Tiff)
        } else {
            None
        }
    }

    pub fn mime(self) -> &'static str {
        match self {
            MediaType::Pdf => "application/pdf",
            MediaType::Png => "image/png",
            MediaType::Jpeg => "image/jpeg",
            MediaType::Tiff => "image/tiff",
        }
    }

    pub fn parse_mime(mime: &str) -> Option<MediaType> {
        [
            MediaType::Pdf,
            MediaType::Png,
            MediaType::Jpeg,
            MediaType::Tiff,
        ]
        .into_iter()
        .find(|media| media.mime() == mime)
    }

    pub fn extension(self) -> &'static str {
        match self {
            MediaType::Pdf => "pdf",
            MediaType::Png => "png",
            MediaType::Jpeg => "jpg",
            MediaType::Tiff => "tif",
        }
    }
}

/// Where a document of this hash and type lives under `dir` (`ab/abcdef….pdf`; a PDF
/// has the letters' path, `letters::document_path`).
pub fn stored_path(dir: &Path, sha256: &str, media: MediaType) -> PathBuf {
    dir.join(&sha256[..2.min(sha256.len())])
        .join(format!("{sha256}.{}", media.extension()))
}

/// Why an upload was refused; `field()` names the form field.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum UploadProblem {
    #[error("no file was chosen")]
    NoFile,
    #[error("the file is empty")]
    Empty,
    #[error("the file is larger than the {} limit", size_text(*.max))]
    TooLarge { max: u64 },
    #[error(
        "the file is not a PDF, PNG, JPEG or TIFF file (its content was checked, not its name)"
    )]
    NotAllowed,
    #[error(
        "the note is longer than {} characters",
        store::accounts::REASON_LENGTH_MAX
    )]
    Note,
}

impl UploadProblem {
    pub fn field(&self) -> &'static str {
        match self {
            UploadProblem::Note => "note",
            _ => "file",
        }
    }
}

/// A size as people read it: `10 MiB`, `512 KiB`, `900 bytes`.
pub fn size_text(bytes: u64) -> String {
    const KIB: u64 = 1024;
    const MIB: u64 = 1024 * 1024;
    if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
    } else if bytes >= MIB {
        format!("{:.1} MiB", bytes as f64 / MIB as f64)
    } else if bytes >= KIB {
        format!("{} KiB", bytes.div_ceil(KIB))
    } else {
        format!("{bytes} bytes")
    }
}

/// Why a document use case did not run.
#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    /// The upload is refused: the file's name and why.
    #[error("{file}: {problem}")]
    Refused {
        file: String,
        problem: UploadProblem,
    },
    /// No documents folder is configured, or it could not be written or read.
    #[error("documents folder {path}: {reason}")]
    Storage { path: String, reason: String },
    /// A stored document is missing or does not match its SHA-256.
    #[error("document {id} ({name}) at {path}: {reason}")]
    Tampered {
        id: i64,
        name: String,
        path: String,
        reason: String,
    },
    #[error("statement: {0}")]
    Statement(String),
    #[error(transparent)]
    App(#[from] Error),
}

impl From<store::StoreError> for DocumentError {
    fn from(error: store::StoreError) -> DocumentError {
        DocumentError::App(Error::Store(error))
    }
}

impl From<LetterError> for DocumentError {
    fn from(error: LetterError) -> DocumentError {
        match error {
            LetterError::App(error) => DocumentError::App(error),
            other => DocumentError::Statement(other.to_string()),
        }
    }
}

/// An upload in progress (see the module). Dropped before [`Upload::finish`], it
/// leaves nothing behind.
pub struct Upload {
    account_id: i64,
    file_name: String,
    dir: PathBuf,
    temporary: PathBuf,
    file: Option<std::fs::File>,
    hasher: Sha256,
    size: u64,
    max: u64,
    head: Vec<u8>,
}

impl Drop for Upload {
    fn drop(&mut self) {
        self.file = None;
        let _ = std::fs::remove_file(&self.temporary);
    }
}

fn storage(path: &Path) -> impl Fn(std::io::Error) -> DocumentError + '_ {
    move |error| DocumentError::Storage {
        path: path.display().to_string(),
        reason: error.to_string(),
    }
}

static UPLOADS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

impl Upload {
    /// The file name as given (its base name only).
    pub fn file_name(&self) -> &str {
        &self.file_name
    }

    fn refused(&self, problem: UploadProblem) -> DocumentError {
        DocumentError::Refused {
            file: self.file_name.clone(),
            problem,
        }
    }

    /// Takes the next chunk; refused once the total passes the limit (nothing kept).
    pub fn push(&mut self, chunk: &[u8]) -> Result<(), DocumentError> {
        let size = self.size + chunk.len() as u64;
        if size > self.max {
            self.file = None;
            let _ = std::fs::remove_file(&self.temporary);
            return Err(self.refused(UploadProblem::TooLarge { max: self.max }));
        }
        if self.head.len() < 16 {
            let take = (16 - self.head.len()).min(chunk.len());
            self.head.extend_from_slice(&chunk[..take]);
        }
        self.hasher.update(chunk);
        self.size = size;
        let file = self.file.as_mut().ok_or_else(|| DocumentError::Storage {
            path: self.temporary.display().to_string(),
            reason: "the upload was refused already".into(),
        })?;
        file.write_all(chunk).map_err(storage(&self.temporary))
    }

    /// Checks what arrived (not empty, an allowed type by its content, a short note),
    /// moves it to its content address and records it (audited). The document's id and
    /// whether the account had these bytes already.
    pub async fn finish(
        mut self,
        app: &App,
        actor: &Actor,
        note: &str,
    ) -> Result<Uploaded, DocumentError> {
        if self.size == 0 {
            return Err(self.refused(UploadProblem::Empty));
        }
        let Some(media) = MediaType::sniff(&self.head) else {
            return Err(self.refused(UploadProblem::NotAllowed));
        };
        if note.trim().chars().count() > store::accounts::REASON_LENGTH_MAX {
            return Err(self.refused(UploadProblem::Note));
        }
        let mut file = self.file.take().expect("open until finished");
        file.flush().map_err(storage(&self.temporary))?;
        file.sync_all().map_err(storage(&self.temporary))?;
        drop(file);
        let sha256 = hex::encode(std::mem::take(&mut self.hasher).finalize());
        let path = stored_path(&self.dir, &sha256, media);
        if !path.exists() {
            let parent = path.parent().expect("under the folder");
            std::fs::create_dir_all(parent).map_err(storage(parent))?;
            std::fs::rename(&self.temporary, &path).map_err(storage(&path))?;
        }
        let recorded = app
            .store
            .record_upload(
                actor,
                &NewUpload {
                    account_id: self.account_id,
                    sha256: &sha256,
                    media_type: media.mime(),
                    size_bytes: i64::try_from(self.size).unwrap_or(i64::MAX),
                    file_name: &self.file_name,
                    note,
                    at: app.now(),
                },
            )
            .await?;
        Ok(Uploaded {
            recorded,
            sha256,
            media,
            size: self.size,
        })
    }
}

/// An upload recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Uploaded {
    pub recorded: Recorded,
    pub sha256: String,
    pub media: MediaType,
    pub size: u64,
}

/// An account's documents (newest first) and disputes (with their evidence).
#[derive(Clone, Debug)]
pub struct AccountDocuments {
    pub documents: Vec<DocumentInfo>,
    pub disputes: Vec<DisputeRecord>,
}

/// A file's base name, without folders and hidden characters, at most 120 characters.
pub fn base_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let clean: String = base
        .chars()
        .filter(|c| !c.is_control() && domain::text::refused_reason(*c).is_none())
        .take(120)
        .collect();
    let clean = clean.trim().to_string();
    if clean.is_empty() {
        "upload".to_string()
    } else {
        clean
    }
}

/// What a user may do with documents beyond listing and downloading them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rights {
    /// Upload, attach to and detach from disputes (`FileDocuments`).
    pub upload: bool,
    /// Download the evidence package (`ExportEvidence`).
    pub export: bool,
}

impl App {
    /// What the user may do with an account's documents (the desk shows the forms).
    pub fn document_rights(&self, user: &SessionUser) -> Rights {
        Rights {
            upload: domain::permission::allows(user.role, Permission::FileDocuments),
            export: domain::permission::allows(user.role, Permission::ExportEvidence),
        }
    }

    /// Where documents are kept and the upload limit.
    pub fn documents_settings(&self) -> &Settings {
        &self.documents
    }

    fn documents_dir(&self) -> Result<&Path, DocumentError> {
        self.documents
            .dir
            .as_deref()
            .ok_or_else(|| DocumentError::Storage {
                path: "(none)".into(),
                reason: "no documents folder is configured (ARREARS_DOCUMENTS_DIR)".into(),
            })
    }

    /// Starts an upload to an account the user may see and file documents on.
    pub async fn begin_upload(
        &self,
        user: &SessionUser,
        creditor: &str,
        account_ref: &str,
        file_name: &str,
    ) -> Result<Upload, DocumentError> {
        require(user, Permission::FileDocuments)?;
        let view = self
            .account(user, creditor, account_ref, self.today())
            .await?;
        self.upload_to(view.account_id, file_name)
    }

    /// Starts an upload as the operator (`arrears account document add`).
    pub async fn begin_operator_upload(
        &self,
        creditor: &str,
        account_ref: &str,
        file_name: &str,
    ) -> Result<Upload, DocumentError> {
        let view = self.operator_view(creditor, account_ref).await?;
        self.upload_to(view.account_id, file_name)
    }

    fn upload_to(&self, account_id: i64, file_name: &str) -> Result<Upload, DocumentError> {
        let file_name = base_name(file_name);
        let dir = self.documents_dir()?.to_path_buf();
        std::fs::create_dir_all(&dir).map_err(storage(&dir))?;
        let temporary = dir.join(format!(
            ".upload-{}-{}.tmp",
            std::process::id(),
            UPLOADS.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        ));
        let file = std::fs::File::create(&temporary).map_err(storage(&temporary))?;
        Ok(Upload {
            account_id,
            file_name,
            dir,
            temporary,
            file: Some(file),
            hasher: Sha256::new(),
            size: 0,
            max: self.documents.max_bytes,
            head: Vec::new(),
        })
    }

    async fn operator_view(
        &self,
        creditor: &str,
        account_ref: &str,
    ) -> Result<AccountView, DocumentError> {
        self.store
            .account_view(creditor, account_ref, self.today())
            .await?
            .ok_or_else(|| {
                DocumentError::App(Error::Store(store::StoreError::NotFound(format!(
                    "no account {account_ref:?} for creditor {creditor:?}"
                ))))
            })
    }

    /// The documents and disputes of an account the user may see.
    pub async fn documents(
        &self,
        user: &SessionUser,
        creditor: &str,
        account_ref: &str,
    ) -> Result<AccountDocuments, Error> {
        let view = self
            .account(user, creditor, account_ref, self.today())
            .await?;
        self.documents_of_account(view.account_id).await
    }

    /// The documents and disputes of an account (the operator).
    pub async fn operator_documents(
        &self,
        creditor: &str,
        account_ref: &str,
    ) -> Result<AccountDocuments, DocumentError> {
        let view = self.operator_view(creditor, account_ref).await?;
        Ok(self.documents_of_account(view.account_id).await?)
    }

    async fn documents_of_account(&self, account_id: i64) -> Result<AccountDocuments, Error> {
        let mut documents = self.store.documents_of(account_id).await?;
        documents.reverse();
        Ok(AccountDocuments {
            documents,
            disputes: self.store.dispute_records(account_id).await?,
        })
    }

    /// A document's stored bytes, checked against its SHA-256, for a user who may see
    /// the account; the detected media type comes with it.
    pub async fn document_bytes(
        &self,
        user: &SessionUser,
        creditor: &str,
        account_ref: &str,
        document_id: i64,
    ) -> Result<(DocumentInfo, Vec<u8>), DocumentError> {
        let view = self
            .account(user, creditor, account_ref, self.today())
            .await?;
        let document = self
            .store
            .document_of(view.account_id, document_id)
            .await?
            .ok_or_else(|| {
                DocumentError::App(Error::Store(store::StoreError::NotFound(format!(
                    "no document {document_id} on {creditor}/{account_ref}"
                ))))
            })?;
        let bytes = self.read_checked(&document)?;
        Ok((document, bytes))
    }

    /// A stored document's bytes; missing or not matching its SHA-256 is `Tampered`.
    fn read_checked(&self, document: &DocumentInfo) -> Result<Vec<u8>, DocumentError> {
        let dir = self.documents_dir()?;
        let media = MediaType::parse_mime(&document.media_type).unwrap_or(MediaType::Pdf);
        let path = stored_path(dir, &document.sha256, media);
        let tampered = |reason: String| DocumentError::Tampered {
            id: document.id,
            name: document.name.clone(),
            path: path.display().to_string(),
            reason,
        };
        let bytes = std::fs::read(&path).map_err(|error| tampered(error.to_string()))?;
        let sha256 = hex::encode(Sha256::digest(&bytes));
        if sha256 != document.sha256 {
            return Err(tampered(format!(
                "the file does not match its SHA-256 (expected {}, found {sha256}): altered or replaced",
                document.sha256
            )));
        }
        Ok(bytes)
    }

    /// Attaches a document of the account to one of its disputes (`FileDocuments`);
    /// a document or dispute of another account is not found. Whether it was new.
    pub async fn attach_evidence(
        &self,
        user: &SessionUser,
        creditor: &str,
        account_ref: &str,
        dispute: i64,
        document_id: i64,
    ) -> Result<bool, Error> {
        require(user, Permission::FileDocuments)?;
        let view = self
            .account(user, creditor, account_ref, self.today())
            .await?;
        Ok(self
            .store
            .attach_evidence(
                &user.actor(),
                view.account_id,
                dispute,
                document_id,
                self.now(),
            )
            .await?)
    }

    /// Attaches a document to a dispute of the account as the operator (the demo, the
    /// command line). Whether it was new.
    pub async fn operator_attach_evidence(
        &self,
        actor: &Actor,
        creditor: &str,
        account_ref: &str,
        dispute: i64,
        document_id: i64,
    ) -> Result<bool, DocumentError> {
        let view = self.operator_view(creditor, account_ref).await?;
        Ok(self
            .store
            .attach_evidence(actor, view.account_id, dispute, document_id, self.now())
            .await?)
    }

    /// Detaches a document from a dispute of the account (`FileDocuments`).
    pub async fn detach_evidence(
        &self,
        user: &SessionUser,
        creditor: &str,
        account_ref: &str,
        dispute: i64,
        document_id: i64,
    ) -> Result<bool, Error> {
        require(user, Permission::FileDocuments)?;
        let view = self
            .account(user, creditor, account_ref, self.today())
            .await?;
        Ok(self
            .store
            .detach_evidence(&user.actor(), view.account_id, dispute, document_id)
            .await?)
    }

    /// The documents attached to the open disputes of the user's creditors, keyed by
    /// `(creditor, account_ref)` (the disputes page).
    pub async fn open_dispute_evidence(
        &self,
        user: &SessionUser,
    ) -> Result<Vec<store::documents::OpenEvidence>, Error> {
        require(user, Permission::Supervise)?;
        Ok(self
            .store
            .open_dispute_evidence()
            .await?
            .into_iter()
            .filter(|evidence| user.may_see_creditor(evidence.creditor_id))
            .collect())
    }

    /// The evidence package of an account the user may see (`ExportEvidence`), audited.
    pub async fn portfolio_for(
        &self,
        user: &SessionUser,
        creditor: &str,
        account_ref: &str,
    ) -> Result<Portfolio, DocumentError> {
        require(user, Permission::ExportEvidence)?;
        let view = self
            .account(user, creditor, account_ref, self.today())
            .await?;
        self.portfolio_of(&user.actor(), &view).await
    }

    /// The evidence package of an account (the operator's command line), audited.
    pub async fn portfolio(
        &self,
        actor: &Actor,
        creditor: &str,
        account_ref: &str,
    ) -> Result<Portfolio, DocumentError> {
        let view = self.operator_view(creditor, account_ref).await?;
        self.portfolio_of(actor, &view).await
    }

    async fn portfolio_of(
        &self,
        actor: &Actor,
        view: &AccountView,
    ) -> Result<Portfolio, DocumentError> {
        let mut entries: Vec<(String, &'static str, Vec<u8>)> = Vec::new();
        let statement = self
            .statement(&view.creditor, &view.account_ref, Lang::En)
            .await?;
        entries.push(("statement.pdf".into(), "statement", statement));
        let documents = self.store.documents_of(view.account_id).await?;
        let mut names = Vec::with_capacity(documents.len());
        for document in &documents {
            let bytes = self.read_checked(document)?;
            let media = MediaType::parse_mime(&document.media_type).unwrap_or(MediaType::Pdf);
            let (folder, kind) = if document.kind == "letter" {
                ("letters", "letter")
            } else {
                ("documents", "document")
            };
            let stem = document
                .name
                .rsplit_once('.')
                .map(|(stem, _)| stem)
                .unwrap_or(&document.name);
            let lang = document
                .lang
                .as_deref()
                .map(|lang| format!("-{lang}"))
                .unwrap_or_default();
            let name = format!(
                "{folder}/{:04}-{}{lang}.{}",
                document.id,
                file_part(stem),
                media.extension()
            );
            names.push((document.id, name.clone()));
            entries.push((name, kind, bytes));
        }
        let known = self.known(&view.creditor, &view.account_ref).await?;
        entries.push((
            "contact_history.csv".into(),
            "contact_history",
            contact_history(&known, view.account_id).into_bytes(),
        ));
        let decisions = self
            .store
            .decisions_for_account(&view.creditor, &view.account_ref, i64::MAX)
            .await?;
        entries.push((
            "compliance_decisions.csv".into(),
            "compliance_decisions",
            self.account_decisions_csv(&decisions).into_bytes(),
        ));
        let disputes = self.store.dispute_records(view.account_id).await?;
        entries.push((
            "disputes.csv".into(),
            "disputes",
            disputes_csv(&disputes, &names).into_bytes(),
        ));
        let mut manifest = String::from("file,kind,sha256,size_bytes\n");
        for (name, kind, bytes) in &entries {
            manifest.push_str(&csv_row(&[
                name.clone(),
                kind.to_string(),
                hex::encode(Sha256::digest(bytes)),
                bytes.len().to_string(),
            ]));
        }
        let files: Vec<String> = entries.iter().map(|(name, _, _)| name.clone()).collect();
        let mut zipped: Vec<(String, Vec<u8>)> = entries
            .into_iter()
            .map(|(name, _, bytes)| (name, bytes))
            .collect();
        zipped.push(("manifest.csv".into(), manifest.into_bytes()));
        let zip = channels::print::zip(&zipped);
        let sha256 = hex::encode(Sha256::digest(&zip));
        self.store
            .record_portfolio(
                actor,
                view.account_id,
                &sha256,
                &files,
                "evidence package exported",
            )
            .await?;
        Ok(Portfolio { zip, sha256, files })
    }

    fn account_decisions_csv(&self, decisions: &[store::decisions::Decision]) -> String {
        let mut csv = String::from(
            "decided_at_utc,action,contact_point,decision,rules,citations,next_allowed_at_utc,asked_by,actor,packs\n",
        );
        for decision in decisions {
            let citations: Vec<&str> = decision
                .rules
                .iter()
                .map(|id| {
                    self.rules
                        .packs()
                        .iter()
                        .flat_map(|pack| pack.rules.iter())
                        .find(|rule| rule.id == id.as_str())
                        .map(|rule| rule.citation)
                        .unwrap_or("")
                })
                .collect();
            csv.push_str(&csv_row(&[
                utc(decision.decided_at),
                decision.action.clone(),
                decision
                    .contact_point
                    .as_deref()
                    .map(mask_point)
                    .unwrap_or_default(),
                if decision.allowed { "allow" } else { "deny" }.into(),
                decision.rules.join("; "),
                citations.join("; "),
                decision.next_allowed_at.map(utc).unwrap_or_default(),
                decision.asked_by.clone(),
                decision.actor.clone(),
                decision.packs.join("; "),
            ]));
        }
        csv
    }
}

/// An account's evidence package.
#[derive(Clone, Debug)]
pub struct Portfolio {
    pub zip: Vec<u8>,
    /// The ZIP's SHA-256 (recorded in the audit log).
    pub sha256: String,
    /// The entries, in order, without `manifest.csv` (last).
    pub files: Vec<String>,
}

fn utc(at: Timestamp) -> String {
    TimeZone::UTC
        .to_datetime(at)
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// A phone number or email address as the package shows it: a phone's last four digits,
/// an address's first letter and domain.
pub fn mask_point(point: &str) -> String {
    if let Some((local, domain)) = point.split_once('@') {
        let first: String = local.chars().take(1).collect();
        return format!("{first}***@{domain}");
    }
    let digits: Vec<char> = point.chars().filter(char::is_ascii_digit).collect();
    if digits.len() <= 4 {
        return "***".into();
    }
    let last: String = digits[digits.len() - 4..].iter().collect();
    format!("***-***-{last}")
}

fn contact_history(known: &crate::contact::Known, account_id: i64) -> String {
    let mut csv = String::from(
        "at_utc,at_debtor_local,debtor_zone,channel,direction,destination,recipient,outcome,disposition,agent,under_consent,note\n",
    );
    for attempt in known.attempts.iter().filter(|a| a.account_id == account_id) {
        let zones = crate::contact::zones_now(
            &known.stored_zones,
            known.state.as_deref(),
            attempt.contact_point.as_deref(),
        );
        let zone = zones.zones.first().cloned().unwrap_or(TimeZone::UTC);
        let local = zone
            .to_datetime(attempt.at)
            .strftime("%Y-%m-%d %H:%M:%S")
            .to_string();
        csv.push_str(&csv_row(&[
            utc(attempt.at),
            local,
            zone.iana_name().unwrap_or("UTC").to_string(),
            attempt.action.clone(),
            attempt.direction.clone(),
            attempt
                .contact_point
                .as_deref()
                .map(mask_point)
                .unwrap_or_default(),
            attempt.recipient.clone(),
            attempt.outcome.clone(),
            attempt.disposition.clone(),
            attempt.username.clone().unwrap_or_default(),
            if attempt.under_consent { "yes" } else { "no" }.into(),
            attempt.note.clone().unwrap_or_default(),
        ]));
    }
    csv
}

fn disputes_csv(disputes: &[DisputeRecord], names: &[(i64, String)]) -> String {
    let mut csv = String::from("dispute,received_utc,released_utc,outcome,detail,evidence\n");
    for dispute in disputes {
        let evidence: Vec<&str> = dispute
            .evidence
            .iter()
            .filter_map(|id| {
                names
                    .iter()
                    .find(|(known, _)| known == id)
                    .map(|(_, name)| name.as_str())
            })
            .collect();
        csv.push_str(&csv_row(&[
            dispute.hold_id.to_string(),
            utc(dispute.placed_at),
            dispute.released_at.map(utc).unwrap_or_default(),
            dispute.outcome.clone().unwrap_or_else(|| "open".into()),
            dispute.detail.clone(),
            evidence.join("; "),
        ]));
    }
    csv
}

/// One CSV line, each field spreadsheet-safe and quoted when needed.
fn csv_row(fields: &[String]) -> String {
    let cells: Vec<String> = fields
        .iter()
        .map(|field| {
            let text = spreadsheet_text(field);
            if text.contains([',', '"', '\n', '\r']) {
                format!("\"{}\"", text.replace('"', "\"\""))
            } else {
                text.into_owned()
            }
        })
        .collect();
    format!("{}\n", cells.join(","))
}

/// A file name part: letters, digits, `-` and `_` only (at most 60).
fn file_part(text: &str) -> String {
    let part: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .take(60)
        .collect();
    if part.is_empty() { "file".into() } else { part }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_type_is_the_contents_never_the_name() {
        assert_eq!(MediaType::sniff(b"%PDF-1.7\n"), Some(MediaType::Pdf));
        assert_eq!(
            MediaType::sniff(b"\x89PNG\r\n\x1a\n\0\0"),
            Some(MediaType::Png)
        );
        assert_eq!(MediaType::sniff(b"\xFF\xD8\xFF\xE0"), Some(MediaType::Jpeg));
        assert_eq!(MediaType::sniff(b"II*\0\x08"), Some(MediaType::Tiff));
        assert_eq!(MediaType::sniff(b"MZ\x90\0"), None, "a Windows program");
        assert_eq!(MediaType::sniff(b"<!DOCTYPE html>"), None);
        assert_eq!(MediaType::sniff(b"%PD"), None);
    }

    #[test]
    fn points_are_masked_and_sizes_read_as_people_read_them() {
        assert_eq!(mask_point("+15185550101"), "***-***-0101");
        assert_eq!(mask_point("ann@example.com"), "a***@example.com");
        assert_eq!(size_text(10 * 1024 * 1024), "10 MiB");
        assert_eq!(size_text(1500), "2 KiB");
        assert_eq!(base_name("C:\\Users\\x\\contract.pdf"), "contract.pdf");
        assert_eq!(base_name("../../etc/passwd"), "passwd");
    }
}
