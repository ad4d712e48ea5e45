//! Issue 15, documents in real headless Chromium: an agent uploads a file through the
//! desk's Documents panel and sees it listed; an HTML page named .pdf is refused next to
//! the file field with the note kept; axe finds nothing on the panel. Takes
//! documents.png.

use crate::browser::{Browser, WAIT, screenshot_path};
use crate::fixture::{Fixture, PASSWORD};
use domain::party::Role;

/// 10:00 in New York.
const NOW: &str = "2026-11-23T15:00:00Z";

#[tokio::test]
async fn an_agent_uploads_a_document_on_the_desk_and_sees_it_listed() {
    let Some(browser) = Browser::launch().await else {
        return;
    };
    browser.set_viewport((1280, 720)).await;
    let fixture = Fixture::start(NOW, &[("ana", Role::Agent, &["NBANK"])]).await;
    let files = tempfile::tempdir().unwrap();
    let contract = files.path().join("signed-contract.pdf");
    std::fs::write(
        &contract,
        b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n",
    )
    .unwrap();
    let fake = files.path().join("invoice.pdf");
    std::fs::write(&fake, b"<!DOCTYPE html><p>not a PDF</p>").unwrap();

    browser.goto(&fixture.url("/login")).await;
    browser.type_text("#username", "ana").await;
    browser.type_text("#password", PASSWORD).await;
    browser.click("#sign-in").await;
    browser.wait_for("#next", WAIT).await;
    browser.goto(&fixture.url("/accounts/NBANK/NY-1")).await;
    browser.wait_for("#documents-none", WAIT).await;

    // A file that is not what its name says: refused next to the field, note kept.
    browser
        .type_text("#upload-note", "invoice from the debtor")
        .await;
    browser
        .type_text("#upload-file", &fake.display().to_string())
        .await;
    browser.click("#upload").await;
    let error = browser
        .wait_for_text("#err-file", "invoice.pdf", WAIT)
        .await;
    assert!(
        error.contains("not a PDF, PNG, JPEG or TIFF file"),
        "{error}"
    );
    assert_eq!(
        browser.find("#upload-note").await.property("value").await,
        "invoice from the debtor"
    );
    assert!(browser.try_find("#document-list").await.is_none());

    // The real one.
    browser.find("#upload-note").await.clear().await;
    browser.type_text("#upload-note", "signed contract").await;
    browser
        .type_text("#upload-file", &contract.display().to_string())
        .await;
    browser.click("#upload").await;
    let listed = browser
        .wait_for_text("#document-list", "signed-contract.pdf", WAIT)
        .await;
    assert!(
        listed.contains("signed contract") && listed.contains("ana"),
        "{listed}"
    );
    assert!(browser.text("#flash").await.contains("Document uploaded."));
    browser
        .execute(
            "document.getElementById('documents').scrollIntoView();",
            Vec::new(),
        )
        .await;
    browser.screenshot(&screenshot_path("documents.png")).await;
    browser.assert_accessible("account documents").await;
}
