//! Acceptance 4 of "Money in", in real headless Chromium: an agent builds a plan within
//! the creditor's policy and it is active at once; a plan outside policy appears in the
//! supervisor's approvals queue and becomes active when approved; a settlement above the
//! agent's authority needs a supervisor. Takes approvals.png (target/screenshots/; see scripts/refresh-screenshots.sh).

use crate::browser::{Browser, WAIT};
use crate::fixture::{Fixture, PASSWORD};
use domain::party::Role;
use std::path::PathBuf;

/// 10:00 in New York.
const NOW: &str = "2026-11-23T15:00:00Z";

fn screenshot(name: &str) -> PathBuf {
    crate::browser::screenshot_path(name)
}

async fn sign_in(browser: &Browser, fixture: &Fixture, user: &str) {
    browser.goto(&fixture.url("/login")).await;
    browser.type_text("#username", user).await;
    browser.type_text("#password", PASSWORD).await;
    browser.click("#sign-in").await;
    // Every user here works accounts: signing in lands on their page (agents the work
    // list); the queue is in their navigation.
    let deadline = std::time::Instant::now() + WAIT;
    while browser.current_url().await.ends_with("/login") {
        assert!(
            std::time::Instant::now() < deadline,
            "{user} is still on /login"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    browser.goto(&fixture.url("/queue")).await;
    browser.wait_for("#next", WAIT).await;
}

/// Sets a date input (typing into one depends on the browser's locale).
async fn set_date(browser: &Browser, id: &str, date: &str) {
    browser
        .execute(
            "document.getElementById(arguments[0]).value = arguments[1];",
            vec![id.into(), date.into()],
        )
        .await;
}

/// Fills the plan wizard (its tab on the desk) and asks for a quote (htmx swaps the
/// schedule in).
async fn quote_plan(browser: &Browser, installments: &str) {
    browser.click("#tab-plan").await;
    set_date(browser, "plan-first-due", "2026-12-01").await;
    browser.click("#sizing-count").await;
    let count = browser.find("#plan-installments").await;
    count.clear().await;
    count.type_text(installments).await;
    browser.click("#plan-quote-button").await;
    browser.wait_for("#schedule", WAIT).await;
}

#[tokio::test]
async fn plans_and_settlements_within_and_beyond_authority_in_the_browser() {
    let Some(browser) = Browser::launch().await else {
        return;
    };
    let fixture = Fixture::start(
        NOW,
        &[
            ("ana", Role::Agent, &["NBANK", "CITYUTIL"]),
            ("sue", Role::Supervisor, &["NBANK", "CITYUTIL"]),
        ],
    )
    .await;
    sign_in(&browser, &fixture, "ana").await;

    // Within policy: six monthly installments of 200.00, active at once.
    browser.goto(&fixture.url("/accounts/NBANK/NY-1")).await;
    quote_plan(&browser, "6").await;
    let quote = browser
        .wait_for_text("#plan-quote", "Within the creditor's policy", WAIT)
        .await;
    assert!(quote.contains("2027-05-01"), "{quote}");
    assert!(quote.contains("200.00"), "{quote}");
    // The quote came by htmx: the page was not reloaded, nothing was saved.
    assert!(browser.try_find("#arrangements").await.is_none());
    browser.click("#plan-agree").await;
    browser
        .wait_for_text("#flash", "Plan agreed: active.", WAIT)
        .await;
    let active = browser
        .find_all("#arrangements li[data-status=active]")
        .await;
    assert_eq!(active.len(), 1);

    // Outside policy: 48 monthly installments run past the creditor's 36 months.
    quote_plan(&browser, "48").await;
    let quote = browser
        .wait_for_text("#plan-quote", "Outside the creditor's policy", WAIT)
        .await;
    assert!(quote.contains("the creditor allows 36"), "{quote}");
    // The 6-month plan is in force: this one replaces it, as the wizard's "Replace"
    // checkbox says (added to the form with the desk; submitted here as it would be).
    browser
        .execute(
            "document.getElementById('plan-agree').form.insertAdjacentHTML('beforeend', '<input type=\"hidden\" name=\"replace\" value=\"on\">');",
            vec![],
        )
        .await;
    browser.click("#plan-agree").await;
    browser
        .wait_for_text("#flash", "Plan sent for approval.", WAIT)
        .await;
    assert_eq!(
        browser
            .find_all("#arrangements li[data-status=pending_approval]")
            .await
            .len(),
        1
    );

    // A settlement of 800.00 for 520.00 (35 % off) is beyond an agent's 20 %.
    browser.goto(&fixture.url("/accounts/NBANK/NY-2")).await;
    browser.wait_for("#settlement-form", WAIT).await;
    browser.click("#tab-settlement").await;
    set_date(&browser, "settle_date_1", "2026-12-01").await;
    browser.type_text("#settle_amount_1", "520.00").await;
    browser.click("#settlement-check-button").await;
    let check = browser
        .wait_for_text("#settlement-check", "35.00 %", WAIT)
        .await;
    assert!(check.contains("needs approval by a supervisor"), "{check}");
    browser.click("#settlement-offer").await;
    browser
        .wait_for_text("#flash", "Settlement sent for approval.", WAIT)
        .await;
    assert_eq!(
        browser
            .find_all("#arrangements li[data-status=pending_approval]")
            .await
            .len(),
        1
    );

    // The supervisor's queue has both; approving the plan makes it active.
    sign_in(&browser, &fixture, "sue").await;
    browser.goto(&fixture.url("/approvals")).await;
    let queue = browser
        .wait_for_text("#approvals", "NBANK NY-1", WAIT)
        .await;
    assert!(queue.contains("Payment plan"), "{queue}");
    assert!(queue.contains("the creditor allows 36"), "{queue}");
    assert!(queue.contains("NBANK NY-2"), "{queue}");
    assert!(queue.contains("Settlement"), "{queue}");
    assert!(queue.contains("needs a supervisor"), "{queue}");
    browser.screenshot(&screenshot("approvals.png")).await;
    let plan = browser
        .execute(
            "return [...document.querySelectorAll('#approvals li')].find(li => li.textContent.includes('NY-1')).dataset.approval;",
            vec![],
        )
        .await;
    let plan = plan.as_str().expect("the plan's approval id").to_string();
    browser
        .type_text(&format!("#note-{plan}"), "hardship: longer term agreed")
        .await;
    browser.click(&format!("#approve-{plan}")).await;
    browser.wait_for_text("#flash", "Approved.", WAIT).await;
    let left = browser.text("#approvals").await;
    assert!(!left.contains("NY-1"), "{left}");
    assert!(left.contains("NY-2"), "{left}");

    browser.goto(&fixture.url("/accounts/NBANK/NY-1")).await;
    browser.wait_for("#arrangements", WAIT).await;
    let active = browser
        .find_all("#arrangements li[data-status=active]")
        .await;
    assert_eq!(active.len(), 1);
    let plan = active[0].text().await;
    assert!(plan.contains("2030-11-01"), "the 48-month plan: {plan}");
    assert_eq!(
        browser
            .find_all("#arrangements li[data-status=superseded]")
            .await
            .len(),
        1
    );
    assert!(
        browser
            .try_find("#arrangements li[data-status=pending_approval]")
            .await
            .is_none()
    );
}
