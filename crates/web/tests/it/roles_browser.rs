//! Each role's page in Chromium at 1280×720: where signing in lands, the supervisor's
//! board, the manager's overview, an admin adding a user and editing a policy, the
//! auditor filtering both logs and downloading CSV; axe-core clean in English and
//! Spanish on every new page.

use crate::browser::{Browser, WAIT, screenshot_path};
use crate::fixture::{Fixture, PASSWORD};
use crate::roles::every_role;

async fn sign_in(browser: &Browser, fixture: &Fixture, user: &str, lands_on: &str) {
    browser.goto(&fixture.url("/login")).await;
    browser.type_text("#username", user).await;
    browser.type_text("#password", PASSWORD).await;
    browser.click("#sign-in").await;
    let deadline = std::time::Instant::now() + WAIT;
    while !browser.current_url().await.ends_with(lands_on) {
        assert!(
            std::time::Instant::now() < deadline,
            "{user} should land on {lands_on}, is on {}",
            browser.current_url().await
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    browser.wait_for("nav[aria-label=main]", WAIT).await;
}

async fn sign_out(browser: &Browser) {
    browser.click("form[action='/logout'] button").await;
    browser.wait_for("#username", WAIT).await;
}

/// axe-core on the current page in English, then in Spanish, and back.
async fn accessible_in_both_languages(browser: &Browser, page: &str) {
    browser.assert_accessible(page).await;
    browser.click("#language").await;
    browser.wait_for("html[lang=es]", WAIT).await;
    browser.assert_accessible(&format!("{page} (es)")).await;
    browser.click("#language").await;
    browser.wait_for("html[lang=en]", WAIT).await;
}

#[tokio::test]
async fn each_role_lands_on_its_page_and_every_new_page_is_accessible_in_both_languages() {
    let Some(browser) = Browser::launch().await else {
        return;
    };
    browser.set_viewport((1280, 720)).await;
    let fixture = every_role().await;

    // An agent is on an account: the board shows it.
    let mut ana = fixture.sign_in("ana").await;
    let csrf = ana.get("/search").await.csrf();
    let taken = ana.post("/queue/next", &[("csrf", &csrf)]).await;
    let account = taken.header("location").expect("an account").to_string();

    // The supervisor lands on the live board.
    sign_in(&browser, &fixture, "sue", "/team").await;
    browser
        .wait_for("#board[hx-trigger='every 30s']", WAIT)
        .await;
    browser
        .wait_for("#dashboard tr[data-agent=ana]", WAIT)
        .await;
    let now = format!("#dashboard tr[data-agent=ana] a[href='{account}']");
    browser.wait_for(&now, WAIT).await;
    browser.screenshot(&screenshot_path("team-board.png")).await;
    accessible_in_both_languages(&browser, "team board").await;
    sign_out(&browser).await;

    // Billing lands on the exceptions list and sees no agent links.
    sign_in(&browser, &fixture, "bill", "/exceptions").await;
    assert!(browser.try_find("nav a[href='/queue']").await.is_none());
    sign_out(&browser).await;

    // The manager lands on the overview.
    sign_in(&browser, &fixture, "max", "/overview").await;
    assert!(
        browser
            .text("#portfolio tr[data-creditor=NBANK]")
            .await
            .contains("$3,350.00")
    );
    browser
        .screenshot(&screenshot_path("manager-overview.png"))
        .await;
    accessible_in_both_languages(&browser, "overview").await;
    sign_out(&browser).await;

    // The admin lands on the users and adds one; a weak password is refused next to it.
    sign_in(&browser, &fixture, "root", "/admin/users").await;
    accessible_in_both_languages(&browser, "users").await;
    browser.type_text("#new-username", "zed").await;
    browser.click("#new-role option[value=agent]").await;
    browser.click("#new-creditors input[value=NBANK]").await;
    browser.type_text("#new-password", "short").await;
    browser.click("#add-user-submit").await;
    browser.wait_for("#password-error", WAIT).await;
    assert_eq!(
        browser.attribute("#new-username", "value").await.as_deref(),
        Some("zed")
    );
    browser.assert_accessible("users with an error").await;
    browser
        .type_text("#new-password", "blue kettle on a hill")
        .await;
    browser.click("#add-user-submit").await;
    browser.wait_for("#users tr[data-user=zed]", WAIT).await;
    assert!(browser.text("#flash").await.contains("zed"));
    assert!(
        browser
            .text("#users tr[data-user=zed]")
            .await
            .contains("NBANK")
    );
    browser
        .screenshot(&screenshot_path("admin-users.png"))
        .await;

    // A creditor's policy: a bad value is refused next to its field, a good one saved.
    browser.click("nav a[href='/admin/creditors']").await;
    browser.wait_for("#creditors", WAIT).await;
    accessible_in_both_languages(&browser, "creditors").await;
    browser
        .click("#creditors a[href='/admin/creditors/NBANK']")
        .await;
    browser.wait_for("#policy-form", WAIT).await;
    accessible_in_both_languages(&browser, "creditor policy").await;
    let field = "#policy-plan_max_term_months";
    browser.find(field).await.clear().await;
    browser.type_text(field, "lots").await;
    browser
        .type_text("#reason", "longer plans for hardship")
        .await;
    browser.click("#save-policy").await;
    browser
        .wait_for("#policy-plan_max_term_months-error", WAIT)
        .await;
    assert_eq!(
        browser
            .attribute(field, "aria-describedby")
            .await
            .as_deref(),
        Some("policy-plan_max_term_months-error policy-plan_max_term_months-hint")
    );
    browser
        .assert_accessible("creditor policy with an error")
        .await;
    browser.find(field).await.clear().await;
    browser.type_text(field, "24").await;
    browser.click("#save-policy").await;
    browser.wait_for("#flash", WAIT).await;
    assert_eq!(
        browser.attribute(field, "value").await.as_deref(),
        Some("24")
    );
    sign_out(&browser).await;

    // The auditor lands on the audit log, filters it, verifies the chain and exports.
    sign_in(&browser, &fixture, "aud", "/audit").await;
    accessible_in_both_languages(&browser, "audit log").await;
    browser.type_text("#actor", "root").await;
    browser.type_text("#action", "creditor.").await;
    browser.click("#filter").await;
    browser.wait_for("#audit-events tbody tr", WAIT).await;
    let rows = browser.find_all("#audit-events tbody tr").await.len();
    assert_eq!(rows, 1, "the admin's one policy change");
    assert!(
        browser
            .text("#audit-events")
            .await
            .contains("longer plans for hardship")
    );
    browser.screenshot(&screenshot_path("audit-log.png")).await;
    let href = browser.attribute("#export", "href").await.unwrap();
    let mut http = fixture.sign_in("aud").await;
    let path = href
        .split_once("//")
        .map_or(href.as_str(), |(_, rest)| &rest[rest.find('/').unwrap()..]);
    let csv = http.get(path).await;
    assert!(csv.header("content-type").unwrap().starts_with("text/csv"));
    assert_eq!(csv.body.lines().count(), 2, "{}", csv.body);
    assert!(
        csv.body.contains("longer plans for hardship"),
        "{}",
        csv.body
    );
    browser.click("#verify").await;
    browser.wait_for("#verified[data-intact=true]", WAIT).await;

    browser.click("nav a[href='/audit/decisions']").await;
    browser.wait_for("#decision-filters", WAIT).await;
    accessible_in_both_languages(&browser, "decision log").await;
    browser.click("#decision option[value=deny]").await;
    browser.click("#filter").await;
    browser.wait_for("#empty", WAIT).await;
    let href = browser.attribute("#export", "href").await.unwrap();
    assert!(href.contains("decision=deny"), "{href}");
    let path = href
        .split_once("//")
        .map_or(href.as_str(), |(_, rest)| &rest[rest.find('/').unwrap()..]);
    let csv = http.get(path).await;
    assert_eq!(csv.body.lines().count(), 1, "only the header: {}", csv.body);

    // A page the auditor may not open: the 403 page, accessible, with a way back.
    browser.goto(&fixture.url("/team")).await;
    browser.wait_for("#back-home", WAIT).await;
    accessible_in_both_languages(&browser, "403").await;
}

/// Every page of every role's navigation, the account desk as each role sees it, the
/// 403 page and the sign-in page: axe-core finds no violation in English or Spanish.
#[tokio::test]
async fn every_page_every_role_opens_is_accessible_in_both_languages() {
    let Some(browser) = Browser::launch().await else {
        return;
    };
    browser.set_viewport((1280, 720)).await;
    let fixture = every_role().await;
    browser.goto(&fixture.url("/login")).await;
    browser.wait_for("#username", WAIT).await;
    browser.assert_accessible("the sign-in page").await;

    for (user, lands_on) in [
        ("ana", "/worklist"),
        ("sue", "/team"),
        ("max", "/overview"),
        ("bill", "/exceptions"),
        ("root", "/admin/users"),
        ("aud", "/audit"),
    ] {
        sign_in(&browser, &fixture, user, lands_on).await;
        let links: Vec<String> = browser
            .execute(
                "return [...document.querySelectorAll('nav[aria-label=main] a')]\
                 .map(a => a.getAttribute('href'));",
                vec![],
            )
            .await
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .filter_map(|href| href.as_str().map(str::to_string))
            .collect();
        assert!(!links.is_empty(), "{user} has a navigation");
        let mut pages = links;
        pages.push("/accounts/NBANK/NY-1".to_string());
        pages.push("/search?q=Bee".to_string());
        for path in &pages {
            browser.goto(&fixture.url(path)).await;
            browser.wait_for("main", WAIT).await;
            accessible_in_both_languages(&browser, &format!("{path} as {user}")).await;
        }
        if user == "ana" {
            // A page the role may not open answers the 403 page, as accessible.
            browser.goto(&fixture.url("/team")).await;
            browser.wait_for("main", WAIT).await;
            accessible_in_both_languages(&browser, "the 403 page").await;
        }
        sign_out(&browser).await;
    }
}
