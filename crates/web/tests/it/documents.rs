//! Issue 15, documents on the desk over HTTP: an upload through the multipart form is
//! listed and downloads byte for byte with its detected type; a file that is not what
//! it claims, or too big, is refused next to the field naming it, with the note kept
//! and nothing stored; the same file twice is one document; another creditor's user
//! finds nothing; evidence attached on the desk shows on the disputes page; the
//! evidence package downloads for supervisors and auditors, not agents.

use crate::fixture::Fixture;
use domain::account::HoldKind;
use domain::party::Role;
use store::Actor;

/// 10:00 in New York.
const NOW: &str = "2026-11-23T15:00:00Z";
const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n";

async fn documents(fixture: &Fixture, account: &str) -> Vec<store::documents::DocumentInfo> {
    let view = fixture
        .store
        .account_view("NBANK", account, jiff::civil::date(2026, 11, 23))
        .await
        .unwrap()
        .unwrap();
    fixture.store.documents_of(view.account_id).await.unwrap()
}

async fn start() -> Fixture {
    let config = web::Config {
        documents: app::documents::Settings {
            dir: None,
            max_bytes: 4096,
        },
        ..web::Config::default()
    };
    Fixture::start_with(
        NOW,
        &[
            ("ana", Role::Agent, &["NBANK"]),
            ("cat", Role::Agent, &["CITYUTIL"]),
            ("sue", Role::Supervisor, &["NBANK"]),
            ("aud", Role::Auditor, &[]),
        ],
        config,
    )
    .await
}

#[tokio::test]
async fn uploads_are_checked_listed_and_downloaded_and_refusals_name_the_file() {
    let fixture = start().await;
    let mut ana = fixture.sign_in("ana").await;
    let page = ana.get("/accounts/NBANK/NY-1").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("id=\"upload-form\""), "agents upload");
    assert!(
        !page.body.contains("id=\"portfolio\""),
        "agents do not export"
    );
    let csrf = page.csrf();
    let path = "/accounts/NBANK/NY-1/documents";

    let done = ana
        .multipart(
            path,
            &[("csrf", &csrf), ("note", "signed contract")],
            ("contract.pdf", PDF),
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(
        done.header("location"),
        Some("/accounts/NBANK/NY-1?done=uploaded")
    );
    let listed = documents(&fixture, "NY-1").await;
    assert_eq!(listed.len(), 1);
    let id = listed[0].id;
    let page = ana.get("/accounts/NBANK/NY-1?done=uploaded").await;
    assert!(page.body.contains("Document uploaded."), "{}", page.body);
    let list = &page.body[page.body.find("id=\"document-list\"").unwrap()..];
    assert!(
        list.contains("contract.pdf") && list.contains("signed contract") && list.contains("ana")
    );
    let href = format!("/accounts/NBANK/NY-1/documents/{id}");
    assert!(list.contains(&href));
    let (download, bytes) = ana.get_bytes(&href).await;
    assert_eq!(download.status, 200);
    assert_eq!(bytes, PDF);
    assert_eq!(download.header("content-type"), Some("application/pdf"));
    assert_eq!(
        download.header("content-disposition"),
        Some("attachment; filename=\"contract.pdf\"")
    );
    assert_eq!(download.header("x-content-type-options"), Some("nosniff"));

    // The same file again: recorded once.
    let again = ana
        .multipart(path, &[("csrf", &csrf), ("note", "")], ("copy.pdf", PDF))
        .await;
    assert_eq!(
        again.header("location"),
        Some("/accounts/NBANK/NY-1?done=duplicate")
    );
    assert_eq!(documents(&fixture, "NY-1").await.len(), 1);

    // An HTML page named .pdf: refused next to the field, the note kept, nothing stored.
    let refused = ana
        .multipart(
            path,
            &[("csrf", &csrf), ("note", "the invoice")],
            ("invoice.pdf", b"<!DOCTYPE html><script>alert(1)</script>"),
        )
        .await;
    assert_eq!(refused.status, 422);
    let error = &refused.body[refused
        .body
        .find("id=\"err-file\"")
        .expect("next to the field")..];
    assert!(
        error.starts_with("id=\"err-file\">invoice.pdf: not a PDF, PNG, JPEG or TIFF file (its content was checked, not its name); nothing was stored."),
        "{error}"
    );
    assert!(
        refused.body.contains("value=\"the invoice\""),
        "the note is kept"
    );
    assert!(
        refused.body.contains("id=\"upload-file\" name=\"file\" type=\"file\" accept=\"application/pdf,image/png,image/jpeg,image/tiff\" aria-invalid=\"true\" aria-describedby=\"err-file\" autofocus")
    );
    // Over the limit (4 KiB here).
    let mut big = PDF.to_vec();
    big.resize(5000, b' ');
    let refused = ana
        .multipart(path, &[("csrf", &csrf), ("note", "")], ("scan.pdf", &big))
        .await;
    assert_eq!(refused.status, 422);
    assert!(
        refused
            .body
            .contains("scan.pdf: the file is larger than the 4 KiB limit; nothing was stored."),
        "{}",
        refused.body
    );
    // No file chosen.
    let refused = ana
        .multipart(path, &[("csrf", &csrf), ("note", "")], ("", b""))
        .await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("Choose a file to upload."));
    assert_eq!(documents(&fixture, "NY-1").await.len(), 1, "nothing stored");
    // Without the CSRF token: refused before anything is read.
    let forged = ana
        .multipart(path, &[("note", "")], ("contract2.pdf", PDF))
        .await;
    assert_eq!(forged.status, 403);

    // Another creditor's agent: the account, its documents and the form are absent.
    let mut cat = fixture.sign_in("cat").await;
    let cat_page = cat.get("/accounts/CITYUTIL/CU-1").await;
    let cat_csrf = cat_page.csrf();
    assert_eq!(cat.get(&href).await.status, 404);
    let foreign = cat
        .multipart(path, &[("csrf", &cat_csrf), ("note", "")], ("x.pdf", PDF))
        .await;
    assert_eq!(foreign.status, 404);
    assert_eq!(documents(&fixture, "NY-1").await.len(), 1);
    // An auditor reads and downloads, and does not upload.
    let mut aud = fixture.sign_in("aud").await;
    let page = aud.get("/accounts/NBANK/NY-1").await;
    assert!(page.body.contains("contract.pdf"));
    assert!(!page.body.contains("id=\"upload-form\""));
    assert!(page.body.contains("id=\"portfolio\""));
    let (download, bytes) = aud.get_bytes(&href).await;
    assert_eq!((download.status, bytes.as_slice()), (200, PDF));
    let forbidden = aud
        .multipart(
            path,
            &[("csrf", &page.csrf()), ("note", "")],
            ("y.pdf", PDF),
        )
        .await;
    assert_eq!(forbidden.status, 403);
}

#[tokio::test]
async fn evidence_attached_on_the_desk_shows_on_the_dispute_and_in_the_package() {
    let fixture = start().await;
    fixture
        .store
        .place_hold(
            &Actor::new("test:setup"),
            "NBANK",
            "NY-1",
            HoldKind::Dispute,
            "says the balance was paid in June",
            "dispute logged",
        )
        .await
        .unwrap();
    let mut ana = fixture.sign_in("ana").await;
    let csrf = ana.get("/accounts/NBANK/NY-1").await.csrf();
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR receipt";
    ana.multipart(
        "/accounts/NBANK/NY-1/documents",
        &[("csrf", &csrf), ("note", "the debtor's receipt")],
        ("receipt.png", png),
    )
    .await;
    let id = documents(&fixture, "NY-1").await[0].id;
    let page = ana.get("/accounts/NBANK/NY-1").await;
    let dispute = page
        .attribute_after(&format!("id=\"attach-{id}\""), "value")
        .expect("the dispute offered to attach to");
    let attached = ana
        .post(
            &format!("/accounts/NBANK/NY-1/documents/{id}/evidence"),
            &[("csrf", &csrf), ("dispute", &dispute), ("op", "attach")],
        )
        .await;
    assert_eq!(
        attached.header("location"),
        Some("/accounts/NBANK/NY-1?done=attached")
    );
    let page = ana.get("/accounts/NBANK/NY-1?done=attached").await;
    assert!(page.body.contains(&format!("data-dispute=\"{dispute}\"")));
    assert!(page.body.contains("Document attached to the dispute."));

    // The supervisor's disputes page lists it with the dispute.
    let mut sue = fixture.sign_in("sue").await;
    let disputes = sue.get("/disputes").await;
    let row = &disputes.body[disputes.body.find("data-dispute=\"NBANK-NY-1\"").unwrap()..];
    let row = &row[..row.find("</tr>").unwrap()];
    assert!(
        row.contains(&format!("href=\"/accounts/NBANK/NY-1/documents/{id}\""))
            && row.contains("receipt.png"),
        "{row}"
    );

    // The evidence package: supervisors get the ZIP, agents do not.
    let sue_csrf = sue.get("/accounts/NBANK/NY-1").await.csrf();
    let (package, zip) = sue
        .post_bytes("/accounts/NBANK/NY-1/portfolio", &[("csrf", &sue_csrf)])
        .await;
    assert_eq!(package.status, 200, "{}", package.body);
    assert_eq!(package.header("content-type"), Some("application/zip"));
    assert_eq!(
        package.header("content-disposition"),
        Some("attachment; filename=\"portfolio-NBANK-NY-1.zip\"")
    );
    let names: Vec<String> = crate::documents::entries(&zip)
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    assert!(
        names.contains(&format!("documents/{id:04}-receipt.png")),
        "{names:?}"
    );
    assert!(names.contains(&"statement.pdf".to_string()));
    let denied = ana
        .post("/accounts/NBANK/NY-1/portfolio", &[("csrf", &csrf)])
        .await;
    assert_eq!(denied.status, 403);

    // Detached again.
    let detached = ana
        .post(
            &format!("/accounts/NBANK/NY-1/documents/{id}/evidence"),
            &[("csrf", &csrf), ("dispute", &dispute), ("op", "detach")],
        )
        .await;
    assert_eq!(
        detached.header("location"),
        Some("/accounts/NBANK/NY-1?done=detached")
    );
    let disputes = sue.get("/disputes").await;
    assert!(!disputes.body.contains("receipt.png"));
}

/// The entries of a stored ZIP (`channels::print`'s).
pub fn entries(zip: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut entries = Vec::new();
    let mut at = 0;
    let u16_at = |at: usize| u16::from_le_bytes([zip[at], zip[at + 1]]) as usize;
    let u32_at =
        |at: usize| u32::from_le_bytes([zip[at], zip[at + 1], zip[at + 2], zip[at + 3]]) as usize;
    while zip.len() >= at + 30 && u32_at(at) == 0x0403_4b50 {
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

/// Past the server's 2 MiB limit for other requests: an upload streams (accepted under
/// its own limit, refused over it with the page), and its note passes the same
/// hidden-character gate as every other form.
#[tokio::test]
async fn uploads_stream_past_the_servers_body_limit_under_their_own() {
    let config = web::Config {
        documents: app::documents::Settings {
            dir: None,
            max_bytes: 3 * 1024 * 1024,
        },
        ..web::Config::default()
    };
    let fixture = Fixture::start_with(NOW, &[("ana", Role::Agent, &["NBANK"])], config).await;
    let mut ana = fixture.sign_in("ana").await;
    let csrf = ana.get("/accounts/NBANK/NY-1").await.csrf();
    let path = "/accounts/NBANK/NY-1/documents";
    let mut scan = PDF.to_vec();
    scan.resize(2_600_000, b'x');
    let done = ana
        .multipart(path, &[("csrf", &csrf), ("note", "")], ("scan.pdf", &scan))
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    let stored = documents(&fixture, "NY-1").await;
    assert_eq!(stored[0].size_bytes, 2_600_000);
    let (_, bytes) = ana
        .get_bytes(&format!("/accounts/NBANK/NY-1/documents/{}", stored[0].id))
        .await;
    assert_eq!(bytes, scan);
    scan.resize(3_200_000, b'y');
    let refused = ana
        .multipart(
            path,
            &[("csrf", &csrf), ("note", "")],
            ("bigger.pdf", &scan),
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(
        refused
            .body
            .contains("bigger.pdf: the file is larger than the 3 MiB limit; nothing was stored.")
    );
    let hidden = ana
        .multipart(
            path,
            &[("csrf", &csrf), ("note", "paid\u{202e}fdp.exe")],
            ("other.pdf", b"%PDF-1.4 other"),
        )
        .await;
    assert_eq!(hidden.status, 422);
    assert!(
        hidden.body.contains("id=\"err-doc_note\""),
        "{}",
        hidden.body
    );
    assert_eq!(documents(&fixture, "NY-1").await.len(), 1);
}
