//! A manager edits a template in Chromium: a broken draft is refused with the error next
//! to the textarea (described by it, focused, the text kept), the fix is previewed on an
//! account and saved, and the version shows in the history; axe-core clean in English
//! and Spanish.

use crate::browser::{Browser, WAIT, screenshot_path};
use crate::fixture::PASSWORD;
use crate::roles::every_role;

#[tokio::test]
async fn a_manager_fixes_a_refused_template_previews_it_on_an_account_and_saves_it() {
    let Some(browser) = Browser::launch().await else {
        return;
    };
    browser.set_viewport((1280, 900)).await;
    let fixture = every_role().await;
    browser.goto(&fixture.url("/login")).await;
    browser.type_text("#username", "max").await;
    browser.type_text("#password", PASSWORD).await;
    browser.click("#sign-in").await;
    browser.wait_for("nav[aria-label=main]", WAIT).await;

    // From the navigation to the list, to the English payment reminder.
    browser.click("nav a[href='/admin/templates']").await;
    browser.wait_for("#templates", WAIT).await;
    browser
        .click("#templates tr[data-template=payment_reminder][data-lang=en] a")
        .await;
    browser.wait_for("#editor", WAIT).await;
    browser.assert_accessible("the template editor").await;

    // A broken draft: refused next to the textarea, the text kept, the focus on it.
    let body = browser.find("#body").await;
    body.clear().await;
    browser
        .type_text(
            "#body",
            "Dear {{ debtor.name }},\n\nYou owe {{ account.balance }}.{% if arrangement %}",
        )
        .await;
    browser.type_text("#creditor", "NBANK").await;
    browser.type_text("#account", "NY-1").await;
    browser.type_text("#reason", "shorter reminder").await;
    browser.click("#save").await;
    let error = browser.wait_for("#body-error", WAIT).await.text().await;
    assert!(error.starts_with("Line 3:"), "{error}");
    assert_eq!(
        browser
            .attribute("#body", "aria-describedby")
            .await
            .as_deref(),
        Some("body-hint body-error")
    );
    let kept = browser.find("#body").await.property("value").await;
    assert_eq!(
        kept.as_str(),
        Some("Dear {{ debtor.name }},\n\nYou owe {{ account.balance }}.{% if arrangement %}")
    );
    let focused = browser
        .execute("return document.activeElement.id;", vec![])
        .await;
    assert_eq!(focused.as_str(), Some("body"));
    assert_eq!(
        browser.attribute("#account", "value").await.as_deref(),
        Some("NY-1")
    );
    browser.assert_accessible("the editor with an error").await;

    // Fixed and previewed on the account: the rendered text, nothing saved.
    browser.find("#body").await.clear().await;
    browser
        .type_text(
            "#body",
            "Dear {{ debtor.name }},\n\nYou owe {{ account.balance }} on {{ account.ref }}.",
        )
        .await;
    browser.click("#preview").await;
    let rendered = browser
        .wait_for_text("#rendered-body", "You owe", WAIT)
        .await;
    assert!(rendered.contains("on NY-1."), "{rendered}");
    assert!(rendered.starts_with("Dear "), "{rendered}");
    assert_eq!(browser.text("#current-version").await, "0");
    assert!(browser.try_find("#pdf-link").await.is_some());
    browser.assert_accessible("the editor with a preview").await;
    browser
        .screenshot(&screenshot_path("template-editor.png"))
        .await;

    // Saved: a new version in use, in the history with who and why.
    browser.click("#save").await;
    browser.wait_for("#flash", WAIT).await;
    assert!(browser.text("#flash").await.contains("version 1"));
    assert_eq!(browser.text("#current-version").await, "1");
    let row = browser.text("#history tr[data-version='1']").await;
    assert!(
        row.contains("max") && row.contains("shorter reminder"),
        "{row}"
    );
    assert!(browser.try_find("#restore-0").await.is_some());
    browser.click("#language").await;
    browser.wait_for("html[lang=es]", WAIT).await;
    browser.assert_accessible("the template editor (es)").await;
}
