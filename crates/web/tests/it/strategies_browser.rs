//! A manager edits the strategy in Chromium: a broken file is refused with its line next
//! to the textarea (described by it, focused, the text kept), the fix is saved as a
//! version and made active, and the comparison opens; axe-core clean.

use crate::browser::{Browser, WAIT};
use crate::fixture::PASSWORD;
use crate::roles::every_role;

const BROKEN: &str = "format = 1\nname = \"short\"\n[[segment]]\nname = \"all\"\n  [[segment.step]]\n  day = 0\n  call = 101\n";

#[tokio::test]
async fn a_manager_fixes_a_refused_strategy_saves_it_active_and_opens_the_comparison() {
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

    browser.click("nav a[href='/admin/strategies']").await;
    browser.wait_for("#editor", WAIT).await;
    browser.assert_accessible("the strategies page").await;

    // Broken: the problem with its line next to the textarea, the text kept, focused.
    browser.find("#source").await.clear().await;
    browser.type_text("#source", BROKEN).await;
    browser.click("#activate").await;
    browser.click("#save").await;
    let problems = browser
        .wait_for("#source-problems", WAIT)
        .await
        .text()
        .await;
    assert!(
        problems.contains("Line 7: segment[1].step[1].call: 101 is not 0 … 100"),
        "{problems}"
    );
    assert_eq!(
        browser
            .attribute("#source", "aria-describedby")
            .await
            .as_deref(),
        Some("source-hint source-problems")
    );
    let kept = browser.find("#source").await.property("value").await;
    assert_eq!(kept.as_str(), Some(BROKEN));
    let focused = browser
        .execute("return document.activeElement.id;", vec![])
        .await;
    assert_eq!(focused.as_str(), Some("source"));
    browser
        .assert_accessible("the strategies page with a problem")
        .await;

    // Fixed and saved as the active strategy.
    browser.find("#source").await.clear().await;
    browser
        .type_text("#source", &BROKEN.replace("call = 101", "call = 50"))
        .await;
    browser.click("#save").await;
    let flash = browser
        .wait_for_text("#flash", "Saved as short version 1.", WAIT)
        .await;
    assert!(flash.contains("Saved as short version 1."), "{flash}");
    assert_eq!(browser.text("#in-force").await, "short · Version 1");

    browser.click("a[href='/admin/strategies/compare']").await;
    browser.wait_for("#arms", WAIT).await;
    assert_eq!(browser.text("#strategy").await, "short · Version 1");
    browser.assert_accessible("the comparison").await;
}
