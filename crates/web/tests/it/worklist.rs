//! Search and the work list over HTTP and in real Chromium: names found without their
//! accents with what they matched on, references in any case, phones in any format,
//! counted and paged; the work list's filters (bookmarkable GET parameters, no
//! JavaScript needed) changing its count and total; axe-core clean in both languages.

use crate::browser::{Browser, WAIT};
use crate::fixture::{Fixture, PASSWORD};
use domain::money::Amount;
use domain::party::Role;
use store::workspace::Seen;

/// 10:00 in New York.
const NOW: &str = "2026-11-23T15:00:00Z";

/// María Díaz beside the portfolio's Cruz Diaz, 39 days past due.
const MARIA: &str = "creditor,account_ref,debtor_ref,first_name,last_name,balance,currency,delinquent_since,address_line1,city,state,postal_code,phone_mobile\n\
NBANK,MX-1,P-9,María,Díaz,1250.00,USD,2026-10-15,9 Elm St,Boston,MA,02108,(617) 555-0123\n";

async fn fixture() -> Fixture {
    let fixture = Fixture::start(
        NOW,
        &[
            ("ana", Role::Agent, &["NBANK", "CITYUTIL"]),
            ("cy", Role::Agent, &["CITYUTIL"]),
            ("aud", Role::Auditor, &[]),
        ],
    )
    .await;
    fixture.import(MARIA).await;
    fixture
}

/// The text of the element with this id (its first occurrence), tags removed.
fn text_of(body: &str, id: &str) -> String {
    let marker = format!("id=\"{id}\"");
    let Some(start) = body.find(&marker) else {
        return String::new();
    };
    let rest = &body[start..];
    let open = rest.find('>').map_or(0, |at| at + 1);
    let close = rest[open..].find("</").map_or(rest.len(), |at| open + at);
    rest[open..close].to_string()
}

#[tokio::test]
async fn search_finds_names_without_accents_and_says_what_matched() {
    let fixture = fixture().await;
    let mut ana = fixture.sign_in("ana").await;
    let found = ana.get("/search?q=Diaz").await;
    assert_eq!(found.status, 200);
    let body = &found.body;
    assert!(
        body.contains("María Díaz") && body.contains("Cruz Diaz"),
        "{body}"
    );
    assert_eq!(text_of(body, "found-count"), "2 accounts found");
    assert!(body.contains("Matched on"));
    assert!(body.contains("<td>Name</td>"));
    assert!(
        body.contains("$1,250.00"),
        "balance with currency and grouping"
    );
    assert!(body.contains("(617) 555-0123"), "the phone formatted");
    assert!(body.contains("<td>MA</td>"), "the state");
    // Typed with the accent, the one without it is found too.
    let accented = ana.get("/search?q=D%C3%ADaz").await;
    assert!(accented.body.contains("Cruz Diaz"));
    // A reference in lower case; a phone as people write it.
    let reference = ana.get("/search?q=ny-1").await;
    assert!(reference.body.contains("/accounts/NBANK/NY-1"));
    assert!(reference.body.contains("<td>Account</td>"));
    let phone = ana.get("/search?q=617.555.0123").await;
    assert!(phone.body.contains("/accounts/NBANK/MX-1"));
    assert!(phone.body.contains("<td>Phone</td>"));
    // Cy works only CITYUTIL: neither Díaz exists for him, not even in the count.
    let mut cy = fixture.sign_in("cy").await;
    assert!(
        cy.get("/search?q=diaz")
            .await
            .body
            .contains("No account found.")
    );
}

#[tokio::test]
async fn search_pages_fifty_at_a_time_with_a_total() {
    let fixture = fixture().await;
    let mut text = String::from(
        "creditor,account_ref,debtor_ref,first_name,last_name,balance,currency,delinquent_since\n",
    );
    for n in 0..60 {
        text.push_str(&format!(
            "NBANK,S-{n:02},S-{n:02},Pat,Smith,10.00,USD,2026-10-01\n"
        ));
    }
    fixture.import(&text).await;
    let mut ana = fixture.sign_in("ana").await;
    let first = ana.get("/search?q=smith").await;
    assert_eq!(text_of(&first.body, "found-count"), "60 accounts found");
    assert_eq!(first.body.matches("/accounts/NBANK/S-").count(), 50);
    let next = first
        .body
        .find("rel=\"next\"")
        .map(|at| &first.body[at.saturating_sub(80)..at]);
    assert!(
        next.is_some_and(|link| link.contains("page=2")),
        "a next page: {next:?}"
    );
    let second = ana.get("/search?q=smith&page=2").await;
    assert_eq!(second.body.matches("/accounts/NBANK/S-").count(), 10);
    assert!(second.body.contains("Page 2 of 2"));
}

#[tokio::test]
async fn the_work_list_filters_counts_and_totals_by_get_parameters() {
    let fixture = fixture().await;
    let mut ana = fixture.sign_in("ana").await;
    let all = ana.get("/worklist").await;
    assert_eq!(all.status, 200);
    assert_eq!(text_of(&all.body, "count"), "6 accounts");
    assert_eq!(text_of(&all.body, "total"), "$4,900.00");
    let old = ana.get("/worklist?bucket=181%2B").await;
    assert_eq!(text_of(&old.body, "count"), "4 accounts");
    assert_eq!(text_of(&old.body, "total"), "$2,850.00");
    let ranged = ana
        .get("/worklist?bucket=181%2B&balance_min=500&balance_max=%241%2C000.00")
        .await;
    assert_eq!(text_of(&ranged.body, "count"), "1 account");
    assert_eq!(text_of(&ranged.body, "total"), "$950.00");
    assert!(ranged.body.contains("/accounts/NBANK/WA-1"));
    // The choices stay chosen.
    assert!(ranged.body.contains("<option value=\"181+\" selected>"));
    assert!(ranged.body.contains("value=\"$1,000.00\""));
    // An ambiguous amount is named next to its field, the rest of the filter kept.
    let refused = ana.get("/worklist?bucket=181%2B&balance_min=12%2C5").await;
    assert_eq!(refused.status, 200);
    assert!(refused.body.contains("aria-describedby=\"f-min-error\""));
    assert!(refused.body.contains("Type an amount such as 1,250.00"));
    assert_eq!(text_of(&refused.body, "count"), "4 accounts");
    // By name; most days past due first.
    let by_name = ana.get("/worklist?sort=name").await;
    let bee = by_name.body.find("Ann Bee").unwrap();
    let diaz = by_name.body.find("María Díaz").unwrap();
    assert!(bee < diaz, "Bee before Díaz");
    // Another creditor's accounts are not in Cy's list or its count.
    let mut cy = fixture.sign_in("cy").await;
    let cys = cy.get("/worklist").await;
    assert_eq!(text_of(&cys.body, "count"), "1 account");
    assert!(!cys.body.contains("NBANK"));
    // An auditor does not work accounts.
    let mut aud = fixture.sign_in("aud").await;
    assert_eq!(aud.get("/worklist").await.status, 403);
}

#[tokio::test]
async fn the_today_panel_lists_promises_due_and_callbacks_with_names_and_times() {
    let fixture = fixture().await;
    let store = &fixture.store;
    let user = store.authenticate("ana", PASSWORD).await.unwrap().unwrap();
    let ana_user = store.session_user(user.id).await.unwrap();
    let today = jiff::civil::date(2026, 11, 23);
    let seen = |account_ref| Seen {
        creditor: "NBANK",
        account_ref,
        version: 0,
    };
    store
        .record_promise(
            &ana_user,
            seen("NY-2"),
            today,
            &[(today, Amount::from_minor(12_500))],
        )
        .await
        .unwrap();
    // 14:30 in New York.
    let at: jiff::Timestamp = "2026-11-23T19:30:00Z".parse().unwrap();
    store
        .schedule_callback(&ana_user, seen("MX-1"), at, None, None)
        .await
        .unwrap();
    let mut ana = fixture.sign_in("ana").await;
    let page = ana.get("/worklist").await;
    let promises = text_of(&page.body, "today-promises");
    assert!(
        promises.contains("Bob Cole") || page.body.contains("Bob Cole</a> (NY-2) — $125.00"),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("María Díaz</a> (MX-1) — 2026-11-23 14:30 EST"),
        "{}",
        page.body
    );
    let due = ana.get("/worklist?due_today=1").await;
    assert_eq!(text_of(&due.body, "count"), "1 account");
    let waiting = ana.get("/worklist?callbacks=1").await;
    assert_eq!(text_of(&waiting.body, "count"), "1 account");
    assert!(waiting.body.contains("/accounts/NBANK/MX-1"));
}

async fn sign_in(browser: &Browser, fixture: &Fixture, user: &str) {
    browser.goto(&fixture.url("/login")).await;
    browser.type_text("#username", user).await;
    browser.type_text("#password", PASSWORD).await;
    browser.click("#sign-in").await;
    browser.wait_for("nav", WAIT).await;
}

#[tokio::test]
async fn the_work_list_and_search_in_the_browser() {
    let Some(browser) = Browser::launch().await else {
        return;
    };
    let fixture = fixture().await;
    browser.set_viewport((1280, 720)).await;
    sign_in(&browser, &fixture, "ana").await;
    browser.goto(&fixture.url("/worklist")).await;
    browser.wait_for("#accounts", WAIT).await;
    assert_eq!(browser.text("#count").await, "6 accounts");
    assert_eq!(browser.text("#total").await, "$4,900.00");
    browser.assert_accessible("the work list").await;
    browser
        .screenshot(&crate::browser::screenshot_path("worklist.png"))
        .await;

    // Choose a bucket: the count and the total follow.
    browser
        .execute(
            "document.getElementById('f-bucket').value = '181+';",
            vec![],
        )
        .await;
    browser.click("#apply").await;
    browser.wait_for_text("#count", "4 accounts", WAIT).await;
    assert_eq!(browser.text("#total").await, "$2,850.00");
    // And a balance range typed as people type amounts.
    browser.type_text("#f-min", "500").await;
    browser.type_text("#f-max", "$1,000.00").await;
    browser.click("#apply").await;
    browser.wait_for_text("#count", "1 account", WAIT).await;
    assert_eq!(browser.text("#total").await, "$950.00");
    let url = browser.current_url().await;
    assert!(
        url.contains("bucket=181%2B") && url.contains("balance_min=500"),
        "{url}"
    );

    // Search from the navigation: "Diaz" finds Díaz and says it matched on the name.
    browser.type_text("#q", "Diaz\n").await;
    let results = browser.wait_for_text("#results", "María Díaz", WAIT).await;
    assert!(results.contains("Cruz Diaz"), "{results}");
    assert!(results.contains("Name"), "{results}");
    assert_eq!(browser.text("#found-count").await, "2 accounts found");
    browser.assert_accessible("search").await;
    browser
        .screenshot(&crate::browser::screenshot_path("search.png"))
        .await;
    // Typed with its accent, the name without one is found as well.
    browser.goto(&fixture.url("/search?q=%C3%81lvarez")).await;
    browser.wait_for("main h1", WAIT).await;
    browser.goto(&fixture.url("/search?q=d%C3%ADaz")).await;
    let results = browser.wait_for_text("#results", "Cruz Diaz", WAIT).await;
    assert!(results.contains("María Díaz"), "{results}");

    // In Spanish, both pages are as accessible.
    browser.click("#language").await;
    // The switch is a form post: wait for its answer before going elsewhere, or the
    // navigation may cancel it.
    browser.wait_for("html[lang=es]", WAIT).await;
    browser.goto(&fixture.url("/worklist?bucket=181%2B")).await;
    browser.wait_for_text("#count", "4 cuentas", WAIT).await;
    browser.assert_accessible("the work list in Spanish").await;
    browser.goto(&fixture.url("/search?q=diaz")).await;
    browser
        .wait_for_text("#found-count", "2 cuentas encontradas", WAIT)
        .await;
    browser.assert_accessible("search in Spanish").await;
}
