//! Issue 15, documents: uploads typed by their content, limited while they stream,
//! stored by SHA-256 once per account, scoped like the account; evidence on the
//! account's own disputes; the evidence package holding what it promises (the statement,
//! letters and documents byte for byte, contact history and decisions as CSV) and
//! refusing a tampered file.

use crate::support::{first_day, instant_on, postgres_db, set_up, sqlite_db};
use app::Error;
use app::documents::{DocumentError, MediaType, Settings, UploadProblem, stored_path};
use app::letters::{Agency, Lang};
use app::model::documents::Recorded;
use domain::account::HoldKind;
use domain::permission::Permission;
use sha2::{Digest, Sha256};
use store::Actor;
use store::sessions::SessionUser;

const ANA: usize = 0;
const AL: usize = 1;
const SAM: usize = 2;
const AUD: usize = 7;

const PDF: &[u8] =
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR fake image body";

fn sha(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

async fn upload(
    app: &app::App,
    user: &SessionUser,
    account: &str,
    name: &str,
    bytes: &[u8],
    note: &str,
) -> Result<app::documents::Uploaded, DocumentError> {
    let mut upload = app.begin_upload(user, "ACME", account, name).await?;
    for chunk in bytes.chunks(7) {
        upload.push(chunk)?;
    }
    upload.finish(app, &user.actor(), note).await
}

/// Every file under the documents folder (temporary ones included).
fn files(dir: &std::path::Path) -> Vec<String> {
    let mut found = Vec::new();
    for entry in walk(dir) {
        found.push(entry.strip_prefix(dir).unwrap().display().to_string());
    }
    found.sort();
    found
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                out.extend(walk(&path));
            } else {
                out.push(path);
            }
        }
    }
    out
}

fn refused(outcome: Result<app::documents::Uploaded, DocumentError>) -> (String, UploadProblem) {
    match outcome {
        Err(DocumentError::Refused { file, problem }) => (file, problem),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn uploads_are_typed_by_content_limited_while_streaming_and_kept_once() {
    let mut databases = vec![sqlite_db()];
    databases.extend(postgres_db().await);
    for db in databases {
        let store = db.open(instant_on(first_day())).await;
        let users = set_up(&store).await;
        let folder = tempfile::tempdir().unwrap();
        let app = app::App::new(store.clone(), compliance::packs::RuleSet::builtin())
            .with_document_settings(Settings {
                dir: Some(folder.path().to_path_buf()),
                max_bytes: 1000,
            });
        let ana = &users[ANA];

        let first = upload(&app, ana, "A-1", "contract.pdf", PDF, "signed contract")
            .await
            .unwrap();
        assert_eq!(first.media, MediaType::Pdf);
        assert_eq!(first.sha256, sha(PDF));
        let Recorded::New(id) = first.recorded else {
            panic!("{first:?}")
        };
        let path = stored_path(folder.path(), &first.sha256, MediaType::Pdf);
        assert_eq!(std::fs::read(&path).unwrap(), PDF, "stored by its hash");
        let listed = app.documents(ana, "ACME", "A-1").await.unwrap();
        assert_eq!(listed.documents.len(), 1);
        let document = &listed.documents[0];
        assert_eq!(
            (
                document.id,
                document.kind.as_str(),
                document.name.as_str(),
                document.media_type.as_str(),
                document.size_bytes,
                document.created_by.as_deref(),
                document.note.as_deref()
            ),
            (
                id,
                "upload",
                "contract.pdf",
                "application/pdf",
                PDF.len() as i64,
                Some("ana"),
                Some("signed contract")
            )
        );
        let audit = store.audit_log(Some("ACME/A-1"), 50).await.unwrap();
        let event = audit
            .iter()
            .find(|event| event.action == "document.uploaded")
            .expect("the upload is audited");
        assert_eq!(
            (event.actor.as_str(), event.reason.as_str()),
            ("ana", "signed contract")
        );
        assert!(event.after_json.as_deref().unwrap().contains(&first.sha256));

        // The same bytes again, under another name: one document, nothing written.
        let events = store.audit_log(None, 10_000).await.unwrap().len();
        let again = upload(&app, ana, "A-1", "copy.pdf", PDF, "").await.unwrap();
        assert_eq!(again.recorded, Recorded::Already(id));
        assert_eq!(
            app.documents(ana, "ACME", "A-1")
                .await
                .unwrap()
                .documents
                .len(),
            1
        );
        assert_eq!(store.audit_log(None, 10_000).await.unwrap().len(), events);
        // A PNG is accepted beside it.
        let image = upload(&app, ana, "A-1", "id-scan.png", PNG, "")
            .await
            .unwrap();
        assert_eq!(image.media, MediaType::Png);
        let stored_before = files(folder.path());

        // Refused, each naming the file and why, and nothing kept: an HTML page or a
        // Windows program named .pdf, an empty file, one over the limit.
        let html = refused(
            upload(
                &app,
                ana,
                "A-1",
                "invoice.pdf",
                b"<!DOCTYPE html><script>alert(1)</script>",
                "",
            )
            .await,
        );
        assert_eq!(html, ("invoice.pdf".into(), UploadProblem::NotAllowed));
        let exe = refused(upload(&app, ana, "A-1", "setup.pdf", b"MZ\x90\0\x03\0\0\0", "").await);
        assert_eq!(exe, ("setup.pdf".into(), UploadProblem::NotAllowed));
        let empty = refused(upload(&app, ana, "A-1", "blank.pdf", b"", "").await);
        assert_eq!(empty, ("blank.pdf".into(), UploadProblem::Empty));
        let mut big = PDF.to_vec();
        big.resize(1001, b' ');
        let (file, problem) = refused(upload(&app, ana, "A-1", "big.pdf", &big, "").await);
        assert_eq!(
            (file.as_str(), &problem),
            ("big.pdf", &UploadProblem::TooLarge { max: 1000 })
        );
        assert_eq!(
            problem.to_string(),
            "the file is larger than the 1000 bytes limit"
        );
        let message = DocumentError::Refused {
            file: "invoice.pdf".into(),
            problem: UploadProblem::NotAllowed,
        }
        .to_string();
        assert!(
            message.starts_with("invoice.pdf: the file is not a PDF, PNG, JPEG or TIFF file"),
            "{message}"
        );
        assert_eq!(
            files(folder.path()),
            stored_before,
            "no partial or temporary file"
        );
        assert_eq!(
            app.documents(ana, "ACME", "A-1")
                .await
                .unwrap()
                .documents
                .len(),
            2
        );

        // Scope and roles: another creditor's agent finds nothing; an auditor reads and
        // downloads but does not upload.
        let al = &users[AL];
        assert!(matches!(
            app.begin_upload(al, "ACME", "A-1", "x.pdf").await,
            Err(DocumentError::App(Error::Store(
                store::StoreError::NotFound(_)
            )))
        ));
        assert!(matches!(
            app.document_bytes(al, "ACME", "A-1", id).await,
            Err(DocumentError::App(Error::Store(
                store::StoreError::NotFound(_)
            )))
        ));
        let auditor = &users[AUD];
        assert!(matches!(
            app.begin_upload(auditor, "ACME", "A-1", "x.pdf").await,
            Err(DocumentError::App(Error::Forbidden(
                Permission::FileDocuments
            )))
        ));
        let (shown, bytes) = app
            .document_bytes(auditor, "ACME", "A-1", id)
            .await
            .unwrap();
        assert_eq!(
            (shown.media_type.as_str(), bytes.as_slice()),
            ("application/pdf", PDF)
        );
        // A document of one account is not found through another.
        assert!(app.document_bytes(ana, "ACME", "A-2", id).await.is_err());
    }
}

#[tokio::test]
async fn evidence_attaches_to_the_accounts_own_disputes_and_shows_on_them() {
    let mut databases = vec![sqlite_db()];
    databases.extend(postgres_db().await);
    for db in databases {
        let store = db.open(instant_on(first_day())).await;
        let users = set_up(&store).await;
        let folder = tempfile::tempdir().unwrap();
        let app = app::App::new(store.clone(), compliance::packs::RuleSet::builtin())
            .with_document_settings(Settings {
                dir: Some(folder.path().to_path_buf()),
                max_bytes: 10_000,
            });
        let setup = Actor::new("test:setup");
        for account in ["A-1", "A-3"] {
            store
                .place_hold(
                    &setup,
                    "ACME",
                    account,
                    HoldKind::Dispute,
                    "not my debt",
                    "dispute logged",
                )
                .await
                .unwrap();
        }
        let ana = &users[ANA];
        let receipt = upload(&app, ana, "A-1", "receipt.png", PNG, "")
            .await
            .unwrap()
            .recorded
            .id();
        let other = upload(&app, ana, "A-3", "letter.pdf", PDF, "")
            .await
            .unwrap()
            .recorded
            .id();
        let listed = app.documents(ana, "ACME", "A-1").await.unwrap();
        let dispute = listed.disputes[0].hold_id;
        assert!(
            app.attach_evidence(ana, "ACME", "A-1", dispute, receipt)
                .await
                .unwrap()
        );
        assert!(
            !app.attach_evidence(ana, "ACME", "A-1", dispute, receipt)
                .await
                .unwrap(),
            "twice is once"
        );
        let listed = app.documents(ana, "ACME", "A-1").await.unwrap();
        assert_eq!(listed.disputes[0].evidence, vec![receipt]);
        assert_eq!(listed.documents[0].evidence_for, vec![dispute]);
        // The supervisors' disputes page sees it on the open dispute.
        let open = app.open_dispute_evidence(&users[SAM]).await.unwrap();
        assert_eq!(
            open.iter()
                .map(|e| (e.account_ref.as_str(), e.document_id, e.name.as_str()))
                .collect::<Vec<_>>(),
            vec![("A-1", receipt, "receipt.png")]
        );
        // A document of another account (A-3's), or another account's dispute, is refused.
        assert!(matches!(
            app.attach_evidence(ana, "ACME", "A-1", dispute, other)
                .await,
            Err(Error::Store(store::StoreError::NotFound(_)))
        ));
        let a3_dispute = app.documents(ana, "ACME", "A-3").await.unwrap().disputes[0].hold_id;
        assert!(matches!(
            app.attach_evidence(ana, "ACME", "A-1", a3_dispute, receipt)
                .await,
            Err(Error::Store(store::StoreError::NotFound(_)))
        ));
        // An auditor may not attach; another creditor's agent does not find the account.
        assert!(matches!(
            app.attach_evidence(&users[AUD], "ACME", "A-1", dispute, receipt)
                .await,
            Err(Error::Forbidden(Permission::FileDocuments))
        ));
        assert!(matches!(
            app.attach_evidence(&users[AL], "ACME", "A-1", dispute, receipt)
                .await,
            Err(Error::Store(store::StoreError::NotFound(_)))
        ));
        assert!(
            app.detach_evidence(ana, "ACME", "A-1", dispute, receipt)
                .await
                .unwrap()
        );
        assert!(
            app.documents(ana, "ACME", "A-1").await.unwrap().disputes[0]
                .evidence
                .is_empty()
        );
        let actions: Vec<String> = store
            .audit_log(Some("ACME/A-1"), 50)
            .await
            .unwrap()
            .into_iter()
            .map(|event| event.action)
            .collect();
        assert!(actions.contains(&"evidence.attached".to_string()));
        assert!(actions.contains(&"evidence.detached".to_string()));
    }
}

/// The entries of a stored (uncompressed) ZIP, as `channels::print` writes them.
pub fn unzip(zip: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut entries = Vec::new();
    let mut at = 0;
    let u16_at = |at: usize| u16::from_le_bytes([zip[at], zip[at + 1]]) as usize;
    let u32_at =
        |at: usize| u32::from_le_bytes([zip[at], zip[at + 1], zip[at + 2], zip[at + 3]]) as usize;
    while zip.len() >= at + 30 && u32_at(at) == 0x0403_4b50 {
        assert_eq!(u16_at(at + 8), 0, "stored");
        let size = u32_at(at + 18);
        let name_len = u16_at(at + 26);
        let extra = u16_at(at + 28);
        let name = String::from_utf8(zip[at + 30..at + 30 + name_len].to_vec()).unwrap();
        let start = at + 30 + name_len + extra;
        entries.push((name, zip[start..start + size].to_vec()));
        at = start + size;
    }
    entries
}

fn entry<'a>(entries: &'a [(String, Vec<u8>)], name: &str) -> &'a [u8] {
    &entries
        .iter()
        .find(|(entry, _)| entry == name)
        .unwrap_or_else(|| panic!("{name} in {:?}", names(entries)))
        .1
}

fn names(entries: &[(String, Vec<u8>)]) -> Vec<&str> {
    entries.iter().map(|(name, _)| name.as_str()).collect()
}

fn pdf_text(bytes: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("statement.pdf");
    std::fs::write(&path, bytes).unwrap();
    let out = std::process::Command::new("pdftotext")
        .arg("-layout")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (Debian poppler-utils) is installed");
    String::from_utf8(out.stdout).unwrap()
}

#[tokio::test]
async fn the_evidence_package_holds_what_it_promises_and_refuses_a_tampered_file() {
    let mut databases = vec![sqlite_db()];
    databases.extend(postgres_db().await);
    for db in databases {
        let store = db.open(instant_on(first_day())).await;
        let users = set_up(&store).await;
        let folder = tempfile::tempdir().unwrap();
        let app = app::App::new(store.clone(), compliance::packs::RuleSet::builtin())
            .with_document_settings(Settings {
                dir: Some(folder.path().to_path_buf()),
                max_bytes: 10_000,
            });
        let setup = Actor::new("test:setup");
        let agency = Agency {
            name: "Arrears Recovery".into(),
            address: vec!["1 Main St".into(), "Springfield, IL 62701".into()],
            phone: "(800) 555-0100".into(),
        };
        // A letter (its decision and attempt), a dispute with a receipt as evidence.
        let sent = app
            .send_letter(
                &setup,
                "ACME",
                "A-1",
                "validation_notice",
                Lang::En,
                &agency,
                folder.path(),
            )
            .await
            .unwrap();
        store
            .place_hold(
                &setup,
                "ACME",
                "A-1",
                HoldKind::Dispute,
                "=HYPERLINK(\"x\") paid, says the debtor",
                "dispute logged",
            )
            .await
            .unwrap();
        let ana = &users[ANA];
        let receipt = upload(&app, ana, "A-1", "receipt, June.png", PNG, "")
            .await
            .unwrap()
            .recorded
            .id();
        let dispute = app.documents(ana, "ACME", "A-1").await.unwrap().disputes[0].hold_id;
        app.attach_evidence(ana, "ACME", "A-1", dispute, receipt)
            .await
            .unwrap();

        // Agents do not export; supervisors, managers and auditors do.
        assert!(matches!(
            app.portfolio_for(ana, "ACME", "A-1").await,
            Err(DocumentError::App(Error::Forbidden(
                Permission::ExportEvidence
            )))
        ));
        let sam = &users[SAM];
        let portfolio = app.portfolio_for(sam, "ACME", "A-1").await.unwrap();
        let entries = unzip(&portfolio.zip);
        let letter_name = format!("letters/{:04}-validation_notice-en.pdf", sent.document_id);
        let receipt_name = format!("documents/{receipt:04}-receipt__June.png");
        assert_eq!(
            names(&entries),
            vec![
                "statement.pdf",
                letter_name.as_str(),
                receipt_name.as_str(),
                "contact_history.csv",
                "compliance_decisions.csv",
                "disputes.csv",
                "manifest.csv"
            ]
        );
        let statement = pdf_text(entry(&entries, "statement.pdf"));
        assert!(statement.contains("Statement of account"), "{statement}");
        assert!(
            statement.contains("A-1") && statement.contains("Ann Bee"),
            "{statement}"
        );
        // The letter and the upload, byte for byte as stored.
        assert_eq!(
            entry(&entries, &letter_name),
            std::fs::read(&sent.path).unwrap().as_slice()
        );
        assert_eq!(sha(entry(&entries, &letter_name)), sent.sha256);
        assert_eq!(entry(&entries, &receipt_name), PNG);
        // The contact history: the letter's attempt; the decisions: the one allowing it.
        let history = String::from_utf8(entry(&entries, "contact_history.csv").to_vec()).unwrap();
        let lines: Vec<&str> = history.lines().collect();
        assert!(lines[0].starts_with("at_utc,at_debtor_local,debtor_zone,channel"));
        assert_eq!(lines.len(), 2, "{history}");
        assert!(
            lines[1].starts_with(
                "2026-11-23T18:00:00Z,2026-11-23 13:00:00,America/New_York,letter,outbound,"
            ),
            "{history}"
        );
        let decisions =
            String::from_utf8(entry(&entries, "compliance_decisions.csv").to_vec()).unwrap();
        let rows: Vec<&str> = decisions.lines().skip(1).collect();
        assert_eq!(rows.len(), 1, "{decisions}");
        assert!(
            rows[0].starts_with("2026-11-23T18:00:00Z,letter,,allow,"),
            "{decisions}"
        );
        let disputes = String::from_utf8(entry(&entries, "disputes.csv").to_vec()).unwrap();
        assert!(
            disputes.contains(&format!(
                ",open,\"'=HYPERLINK(\"\"x\"\") paid, says the debtor\",{receipt_name}"
            )),
            "spreadsheet-safe, with its evidence: {disputes}"
        );
        // The manifest: every file with its SHA-256 and size.
        let manifest = String::from_utf8(entry(&entries, "manifest.csv").to_vec()).unwrap();
        let manifest: Vec<&str> = manifest.lines().collect();
        assert_eq!(manifest[0], "file,kind,sha256,size_bytes");
        assert_eq!(manifest.len(), entries.len());
        for (name, bytes) in entries.iter().filter(|(name, _)| name != "manifest.csv") {
            let listed = manifest
                .iter()
                .find(|line| line.starts_with(&format!("{name},")))
                .unwrap_or_else(|| panic!("{name} in the manifest"));
            assert!(
                listed.ends_with(&format!(",{},{}", sha(bytes), bytes.len())),
                "{listed}"
            );
        }
        // The same data give the same bytes; each package leaving is audited.
        let again = app.portfolio_for(&users[AUD], "ACME", "A-1").await.unwrap();
        assert_eq!(again.zip, portfolio.zip);
        let exported = store
            .audit_log(Some("ACME/A-1"), 100)
            .await
            .unwrap()
            .into_iter()
            .filter(|event| event.action == "portfolio.exported")
            .map(|event| event.actor)
            .collect::<Vec<_>>();
        assert_eq!(exported.len(), 2);
        assert!(exported.contains(&"sam".to_string()) && exported.contains(&"aud".to_string()));
        // A stored file altered behind Arrears' back: a clear error, no package.
        let receipt_path = stored_path(folder.path(), &sha(PNG), MediaType::Png);
        std::fs::write(&receipt_path, b"\x89PNG\r\n\x1a\nsomething else").unwrap();
        match app.portfolio_for(sam, "ACME", "A-1").await {
            Err(DocumentError::Tampered {
                id, name, reason, ..
            }) => {
                assert_eq!((id, name.as_str()), (receipt, "receipt, June.png"));
                assert!(reason.contains("does not match its SHA-256"), "{reason}");
            }
            other => panic!("{other:?}"),
        }
        // And a missing one.
        std::fs::write(&receipt_path, PNG).unwrap();
        std::fs::remove_file(&sent.path).unwrap();
        assert!(matches!(
            app.portfolio_for(sam, "ACME", "A-1").await,
            Err(DocumentError::Tampered { id, .. }) if id == sent.document_id
        ));
    }
}
