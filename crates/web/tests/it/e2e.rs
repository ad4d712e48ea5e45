//! An agent's and a supervisor's day in real headless Chromium: sign in, take the next
//! account with the keyboard, read the compliance banner, log a no-answer, record a
//! promise, see both on the timeline; be refused a call outside the debtor's hours;
//! never see another creditor's account; switch to Spanish. Takes the screenshots in
//! target/screenshots/; scripts/refresh-screenshots.sh copies them to docs/screenshots/, which the README shows.

use crate::browser::{Browser, WAIT};
use crate::fixture::{Fixture, PASSWORD};
use domain::party::Role;
use std::path::PathBuf;

/// 10:00 in New York, 07:00 in Seattle.
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

#[tokio::test]
async fn an_agents_day_in_the_browser() {
    let Some(browser) = Browser::launch().await else {
        return;
    };
    let fixture = Fixture::start(
        NOW,
        &[
            ("ana", Role::Agent, &["NBANK", "CITYUTIL"]),
            ("cy", Role::Agent, &["CITYUTIL"]),
            ("sue", Role::Supervisor, &["NBANK", "CITYUTIL"]),
        ],
    )
    .await;
    sign_in(&browser, &fixture, "ana").await;
    assert_eq!(browser.text("#remaining").await, "5");
    browser.screenshot(&screenshot("queue.png")).await;

    // "n" takes the next account: the largest balance that may be called now.
    browser.press("n").await;
    browser.wait_for("#banner", WAIT).await;
    assert!(
        browser
            .current_url()
            .await
            .ends_with("/accounts/NBANK/NY-1")
    );
    let banner = browser.text("#banner").await;
    assert!(banner.contains("Call: allowed now"), "{banner}");
    assert!(banner.contains("0 / 7"), "{banner}");

    // "6" picks "No answer" and focuses the button; Enter logs it.
    browser.press("6").await;
    browser.press("Enter").await;
    browser.wait_for_text("#timeline", "No answer", WAIT).await;
    // A promise of two dated amounts.
    browser
        .execute(
            "document.getElementById('date_1').value = '2026-12-01'; document.getElementById('date_2').value = '2026-12-15';",
            vec![],
        )
        .await;
    browser.type_text("#amount_1", "100.00").await;
    browser.type_text("#amount_2", "150.00").await;
    browser.click("#record-promise").await;
    let timeline = browser
        .wait_for_text("#timeline", "$100.00 2026-12-01, $150.00 2026-12-15", WAIT)
        .await;
    assert!(
        timeline.contains("No answer · (518) 555-0101"),
        "{timeline}"
    );
    browser.screenshot(&screenshot("account.png")).await;

    // Seattle at 07:00: the call is refused, with the rule and when it may be made.
    browser.goto(&fixture.url("/accounts/NBANK/WA-1")).await;
    browser.wait_for("#attempt-form", WAIT).await;
    browser.press("6").await;
    browser.press("Enter").await;
    let refusal = browser
        .wait_for_text("#refusal", "us.time_of_day", WAIT)
        .await;
    assert!(refusal.contains("12 CFR 1006.6(b)(1)(i)"), "{refusal}");
    assert!(refusal.contains("2026-11-23 08:00 PST"), "{refusal}");

    // Spanish.
    browser.goto(&fixture.url("/queue")).await;
    browser.click("#language").await;
    browser
        .wait_for_text("#next", "Siguiente cuenta", WAIT)
        .await;
    assert_eq!(
        browser.attribute("html", "lang").await.as_deref(),
        Some("es")
    );

    // Another creditor's account does not exist for Cy.
    browser.goto(&fixture.url("/login")).await;
    sign_in(&browser, &fixture, "cy").await;
    browser.goto(&fixture.url("/accounts/NBANK/NY-1")).await;
    let html = browser.html().await;
    assert!(html.contains("Not found."), "{html}");

    // The supervisor's view of the day.
    sign_in(&browser, &fixture, "sue").await;
    browser.goto(&fixture.url("/team")).await;
    let dashboard = browser.wait_for_text("#dashboard", "ana", WAIT).await;
    assert!(dashboard.contains("250.00"), "{dashboard}");
    browser.screenshot(&screenshot("team.png")).await;
}
